//! Write Strata contracts in Rust.
//!
//! `#![no_std]`, no dependencies, no allocator: a contract built with this
//! crate is a few kilobytes of wasm. Every host function of the runtime is
//! declared in [`raw`] (generated from the host-function table, so the SDK
//! cannot drift from the runtime); the rest of the crate wraps them safely:
//!
//! - [`storage`]: bytes at `(page, offset)`, and typed [`Slot`]s for
//!   integers, byte arrays and addresses;
//! - [`maps`]: unbounded [`Map`]s (and nested maps) whose roots live in
//!   slots;
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
//!     --crate-type cdylib -C link-arg=-s -C link-arg=-zstack-size=65536 \
//!     --extern strata_sdk=libstrata_sdk.rlib counter.rs
//! ```
//!
//! The stack (in linear memory, below the data) is 64 KiB, not the 1 MiB
//! Rust's wasm32 target asks for: the contract's memory is then 2 pages,
//! not 17, and every call pays for the memory it has (each instance's
//! memory is zeroed). A recursion deeper than the stack traps, the same
//! way every time; `STRATA_WASM_STACK_SIZE` gives the build script another
//! size.
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

#[cfg(not(target_arch = "wasm32"))]
extern crate std;

/// Building contracts from the host: runs `scripts/build-rust-contract`
/// (off wasm32 only; for tests, benchmarks and tools).
#[cfg(not(target_arch = "wasm32"))]
#[path = "host_build.rs"]
pub mod build;
pub mod call;
pub mod env;
// Generated (rustfmt leaves it as the generator wrote it).
#[allow(missing_docs)]
#[rustfmt::skip]
pub mod raw;
pub mod maps;
pub mod registers;
pub mod storage;

pub use call::{call, CallStatus};
pub use maps::Map;
pub use storage::{Fixed, Slot};

/// A 20-byte account address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// The all-zero address.
    pub const ZERO: Address = Address([0; 20]);

    /// The first 20 bytes of `bytes`, or `None` when it is shorter.
    pub fn from_slice(bytes: &[u8]) -> Option<Address> {
        // No indexing or `copy_from_slice`: their panic paths format numbers
        // and would link `core::fmt` into every contract.
        <[u8; 20]>::try_from(bytes.get(..20)?).ok().map(Address)
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
    abort_with(message.as_bytes())
}

/// [`revert`] with UTF-8 bytes.
fn abort_with(message: &[u8]) -> ! {
    // SAFETY: the pointer and length are those of a live slice.
    unsafe { raw::strata::abort(ptr(message), len(message)) };
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

    /// What was written: whole UTF-8 characters only (a string that does
    /// not fit is cut at a character boundary).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl core::fmt::Write for Truncating<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        // Panic-free on purpose (see `Address::from_slice`), and cut at a
        // character boundary so the bytes stay UTF-8.
        let rest = self.buf.get_mut(self.len..).unwrap_or(&mut []);
        let mut n = s.len().min(rest.len());
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        for (dst, b) in rest.iter_mut().zip(s.bytes().take(n)) {
            *dst = b;
        }
        self.len += n;
        Ok(())
    }
}

impl Truncating<'_> {
    /// Appends `s` without `core::fmt` (for the small panic handler).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn push(&mut self, s: &str) {
        let _ = core::fmt::Write::write_str(self, s);
    }

    /// Appends `n` in decimal without `core::fmt`.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn push_u32(&mut self, mut n: u32) {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        while let Some(d) = i.checked_sub(1).and_then(|j| digits.get_mut(j)) {
            *d = b'0' + (n % 10) as u8;
            i -= 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let digits = digits.get(i..).unwrap_or(&[]);
        for d in digits {
            // ASCII digits, one character each.
            self.push(match d {
                b'0' => "0",
                b'1' => "1",
                b'2' => "2",
                b'3' => "3",
                b'4' => "4",
                b'5' => "5",
                b'6' => "6",
                b'7' => "7",
                b'8' => "8",
                _ => "9",
            });
        }
    }
}

/// The full panic handler: the receipt says `panicked at '<message>',
/// <file>:<line>:<col>`. Formatting the message links `core::fmt`, about
/// 9 KB of code (and so about 450 gas more per call, which is charged per
/// KiB of code instantiated).
#[cfg(all(
    target_arch = "wasm32",
    feature = "panic-handler",
    not(feature = "panic-location"),
    not(test)
))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut buf = [0u8; 256];
    let mut w = Truncating::new(&mut buf);
    let _ = write!(w, "{}", info);
    abort_with(w.as_bytes())
}

/// The small panic handler (feature `panic-location`): the receipt says
/// `panicked at <file>:<line>:<col>`, without the message, and the contract
/// stays without `core::fmt` (a counter is 1 KB instead of 10). Use
/// [`revert`] for failures whose message matters.
#[cfg(all(target_arch = "wasm32", feature = "panic-location", not(test)))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut buf = [0u8; 256];
    let mut w = Truncating::new(&mut buf);
    w.push("panicked at ");
    match info.location() {
        Some(l) => {
            w.push(l.file());
            w.push(":");
            w.push_u32(l.line());
            w.push(":");
            w.push_u32(l.column());
        }
        None => w.push("an unknown location"),
    }
    abort_with(w.as_bytes())
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
        w.write_str("abé€").unwrap();
        // "ab" (2) + "é" (2) fit; "€" (3) does not, and is not split.
        assert_eq!(w.as_bytes(), "abé".as_bytes());
        let _ = write!(w, "m");
        assert_eq!(w.as_bytes(), "abém".as_bytes());
        let _ = write!(w, "more");
        assert_eq!(w.as_bytes(), "abém".as_bytes());
    }

    #[test]
    fn decimal_without_fmt() {
        let mut buf = [0u8; 32];
        let mut w = Truncating::new(&mut buf);
        for n in [0, 7, 10, 4_294_967_295] {
            w.push_u32(n);
            w.push(",");
        }
        assert_eq!(w.as_bytes(), b"0,7,10,4294967295,");
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
