//! Write Strata contracts in Rust.
//!
//! `#![no_std]`, no dependencies, no allocator: a contract built with this
//! crate is a few kilobytes of wasm. Every host function of the runtime is
//! declared in [`raw`] (generated from the host-function table, so the SDK
//! cannot drift from the runtime); the rest of the crate wraps them safely:
//!
//! - [`storage`]: bytes at `(page, offset)`, and typed [`Slot`]s for
//!   integers, byte arrays and addresses;
//! - [`env`]: input and return data, the caller and the contract's own
//!   address, block height and time, gas left, logs and events, balances
//!   and transfers;
//! - [`call`]: calls to other contracts with their [`CallStatus`] and
//!   return data;
//! - [`registers`]: SVM-style register banks.
//!
//! Failures: [`revert`] ends the transaction with a message in the receipt
//! (`abort`), and so does a panic (with the `panic-handler` feature, on by
//! default): the receipt says `contract aborted: panicked at '...'`, never
//! a bare `unreachable`.
//!
//! ## A contract
//!
//! ```
//! use strata_sdk::{export, Slot};
//!
//! const COUNT: Slot<u64> = Slot::new(0, 0);
//!
//! export! {
//!     /// Adds one to the counter and returns the new value.
//!     fn inc() -> i64 {
//!         let n = COUNT.get() + 1;
//!         COUNT.set(&n);
//!         n as i64
//!     }
//! }
//! ```
//!
//! Build it (Rust 1.63's wasm32 standard library comes from Debian's
//! `libstd-rust-dev-wasm32`; `scripts/build-rust-contract` does all this):
//!
//! ```text
//! rustc --edition 2021 --target wasm32-unknown-unknown -O -C panic=abort \
//!     --crate-type rlib --crate-name strata_sdk --cfg 'feature="panic-handler"' sdk/src/lib.rs
//! rustc --edition 2021 --target wasm32-unknown-unknown -O -C panic=abort \
//!     --crate-type cdylib -C link-arg=-s --extern strata_sdk=libstrata_sdk.rlib counter.rs
//! ```
//!
//! ## Arguments
//!
//! An exported function takes and returns wasm scalars (`i32`, `i64`): the
//! runtime's transactions carry those, and they cost nothing to decode.
//! Anything else travels as the call's input bytes ([`env::input`]) and
//! return data ([`env::set_return`]), laid out by the contract as fixed
//! little-endian fields (an address is its 20 bytes, an amount 16 bytes
//! LE). There is no SCALE codec here on purpose: the SDK has no
//! dependencies and builds with Rust 1.63, and fixed layouts need no
//! decoder that could fail.
//!
//! Off wasm32 (unit tests, docs) the crate builds, and its pure parts work,
//! but every host call panics: host functions exist only inside Strata.
#![no_std]
#![warn(missing_docs)]

pub mod call;
pub mod env;
// Generated (rustfmt leaves it as the generator wrote it).
#[allow(missing_docs)]
#[rustfmt::skip]
pub mod raw;
pub mod registers;
pub mod storage;

pub use call::{call, CallStatus};
pub use storage::{Fixed, Slot};

/// A 20-byte account address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// The all-zero address.
    pub const ZERO: Address = Address([0; 20]);

    /// The first 20 bytes of `bytes`, or `None` when it is shorter.
    pub fn from_slice(bytes: &[u8]) -> Option<Address> {
        let mut a = [0u8; 20];
        a.copy_from_slice(bytes.get(..20)?);
        Some(Address(a))
    }
}

/// The wasm32 address of a byte, as the ABI passes it (`i32`).
#[inline]
pub(crate) fn ptr(bytes: &[u8]) -> i32 {
    bytes.as_ptr() as usize as i32
}

/// The wasm32 address of a writable byte.
#[inline]
pub(crate) fn mut_ptr(bytes: &mut [u8]) -> i32 {
    bytes.as_mut_ptr() as usize as i32
}

/// A length as the ABI passes it. Contract memory is below 4 GiB, so every
/// slice length fits; a larger one (impossible on wasm32) saturates and the
/// host refuses it.
#[inline]
pub(crate) fn len(bytes: &[u8]) -> i32 {
    i32::try_from(bytes.len()).unwrap_or(i32::MAX)
}

/// What every raw import does off wasm32.
#[doc(hidden)]
#[cold]
pub fn outside_strata(function: &str) -> ! {
    panic!("host function {function} exists only inside the Strata runtime (a wasm32 contract)")
}

/// Ends the transaction as failed, with `message` as the receipt's error
/// (`abort` kind). Its writes are rolled back; inside a nested call, the
/// caller sees [`CallStatus::Failed`] with `message` as the return data.
pub fn revert(message: &str) -> ! {
    // SAFETY: the pointer and length are those of a live `&str`.
    unsafe { raw::strata::abort(ptr(message.as_bytes()), len(message.as_bytes())) };
    // `abort` does not return; if a host ever did, trap.
    unreachable_trap()
}

#[cfg(target_arch = "wasm32")]
fn unreachable_trap() -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(not(target_arch = "wasm32"))]
fn unreachable_trap() -> ! {
    unreachable!("strata.abort returned")
}

/// A buffer that keeps the first bytes written to it (for panic messages).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) struct Truncating<'a> {
    buf: &'a mut [u8],
    len: usize,
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl<'a> Truncating<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Truncating { buf, len: 0 }
    }

    /// What was written, cut back to whole UTF-8 characters.
    pub(crate) fn as_str(&self) -> &str {
        let bytes = &self.buf[..self.len];
        match core::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
        }
    }
}

impl core::fmt::Write for Truncating<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

#[cfg(all(target_arch = "wasm32", feature = "panic-handler", not(test)))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut buf = [0u8; 256];
    let mut w = Truncating::new(&mut buf);
    let _ = write!(w, "{}", info);
    revert(w.as_str())
}

/// Exports contract functions: each `fn` becomes an unmangled
/// `extern "C"` export of the same name, the form the runtime calls.
///
/// ```
/// strata_sdk::export! {
///     /// Returns its argument doubled.
///     fn double(x: i64) -> i64 {
///         x * 2
///     }
///
///     fn ping() {}
/// }
/// ```
#[macro_export]
macro_rules! export {
    ($(
        $(#[$attr:meta])*
        fn $name:ident ( $( $arg:ident : $ty:ty ),* $(,)? ) $( -> $ret:ty )? $body:block
    )*) => {
        $(
            $(#[$attr])*
            #[no_mangle]
            pub extern "C" fn $name( $( $arg : $ty ),* ) $( -> $ret )? $body
        )*
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn truncating_keeps_whole_characters() {
        let mut buf = [0u8; 5];
        let mut w = Truncating::new(&mut buf);
        write!(w, "ab{}", "é€").unwrap();
        // "ab" (2) + "é" (2) fit; "€" (3) is cut to one byte, then dropped.
        assert_eq!(w.as_str(), "abé");
        let _ = write!(w, "more");
        assert_eq!(w.as_str(), "abé");
    }

    #[test]
    fn addresses_from_slices() {
        let bytes = [7u8; 24];
        assert_eq!(Address::from_slice(&bytes), Some(Address([7; 20])));
        assert_eq!(Address::from_slice(&bytes[..19]), None);
    }

    #[test]
    #[should_panic(expected = "exists only inside the Strata runtime")]
    fn host_calls_panic_off_wasm32() {
        let _ = env::block_height();
    }
}
