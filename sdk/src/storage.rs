//! Contract storage: bytes at `(page, offset)` of the contract's pages
//! (4096 bytes each, as many as it was deployed with), and typed slots.
//!
//! A never-written byte reads as zero. A read or write past the page's end,
//! or on a page the contract does not have, fails the transaction with a
//! `host_error` receipt naming the argument.

use core::marker::PhantomData;

use crate::{len, mut_ptr, ptr, raw, Address};

/// The size of a storage page in bytes.
pub const PAGE_SIZE: u32 = 4096;

/// Reads `buf.len()` bytes at `offset` of page `page` into `buf`.
pub fn read(page: u32, offset: u32, buf: &mut [u8]) {
    // SAFETY: the pointer and length are those of a live, writable slice.
    unsafe { raw::strata::storage_read(page as i32, offset as i32, mut_ptr(buf), len(buf)) }
}

/// Writes `bytes` at `offset` of page `page`. Fails the transaction in a
/// read-only query.
pub fn write(page: u32, offset: u32, bytes: &[u8]) {
    // SAFETY: the pointer and length are those of a live slice.
    unsafe { raw::strata::storage_write(page as i32, offset as i32, ptr(bytes), len(bytes)) }
}

/// A value of fixed size with a fixed byte layout: what a [`Slot`] stores.
/// Integers are little-endian; `bool` is one byte (0 or 1; any non-zero
/// byte reads as `true`).
pub trait Fixed: Sized {
    /// The stored bytes (`[u8; SIZE]`).
    type Bytes: AsRef<[u8]> + AsMut<[u8]>;
    /// All-zero bytes: what a never-written slot holds.
    fn zeroed() -> Self::Bytes;
    /// The value's bytes.
    fn to_bytes(&self) -> Self::Bytes;
    /// The value of `bytes`.
    fn from_bytes(bytes: &Self::Bytes) -> Self;
}

macro_rules! fixed_int {
    ($($t:ty),*) => {$(
        impl Fixed for $t {
            type Bytes = [u8; core::mem::size_of::<$t>()];
            fn zeroed() -> Self::Bytes {
                [0; core::mem::size_of::<$t>()]
            }
            fn to_bytes(&self) -> Self::Bytes {
                self.to_le_bytes()
            }
            fn from_bytes(bytes: &Self::Bytes) -> Self {
                <$t>::from_le_bytes(*bytes)
            }
        }
    )*};
}
fixed_int!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);

impl Fixed for bool {
    type Bytes = [u8; 1];
    fn zeroed() -> [u8; 1] {
        [0]
    }
    fn to_bytes(&self) -> [u8; 1] {
        [*self as u8]
    }
    fn from_bytes(bytes: &[u8; 1]) -> bool {
        bytes[0] != 0
    }
}

impl<const N: usize> Fixed for [u8; N] {
    type Bytes = [u8; N];
    fn zeroed() -> [u8; N] {
        [0; N]
    }
    fn to_bytes(&self) -> [u8; N] {
        *self
    }
    fn from_bytes(bytes: &[u8; N]) -> [u8; N] {
        *bytes
    }
}

impl Fixed for Address {
    type Bytes = [u8; 20];
    fn zeroed() -> [u8; 20] {
        [0; 20]
    }
    fn to_bytes(&self) -> [u8; 20] {
        self.0
    }
    fn from_bytes(bytes: &[u8; 20]) -> Address {
        Address(*bytes)
    }
}

/// A typed value at `(page, offset)` of the contract's storage. Declare
/// slots as constants; each `get` and `set` is one host call.
///
/// ```
/// use strata_sdk::{Address, Slot};
///
/// const OWNER: Slot<Address> = Slot::new(0, 0);
/// const SUPPLY: Slot<u128> = Slot::new(0, 20);
/// assert_eq!(SUPPLY.offset(), 20);
/// assert_eq!(Slot::<u128>::SIZE, 16);
/// ```
pub struct Slot<T> {
    page: u32,
    offset: u32,
    _value: PhantomData<fn() -> T>,
}

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Slot<T> {}

impl<T: Fixed> Slot<T> {
    /// The bytes a value of this slot takes.
    pub const SIZE: usize = core::mem::size_of::<T::Bytes>();

    /// The slot at `offset` of page `page`.
    pub const fn new(page: u32, offset: u32) -> Self {
        Slot {
            page,
            offset,
            _value: PhantomData,
        }
    }

    /// The slot's page.
    pub const fn page(&self) -> u32 {
        self.page
    }

    /// The slot's offset in its page.
    pub const fn offset(&self) -> u32 {
        self.offset
    }

    /// The `i`-th slot of an array of these slots starting here (`i` values
    /// further on in the same page).
    pub const fn at(&self, i: u32) -> Self {
        Slot::new(self.page, self.offset + i * Self::SIZE as u32)
    }

    /// The stored value (zero if never written).
    pub fn get(&self) -> T {
        let mut bytes = T::zeroed();
        read(self.page, self.offset, bytes.as_mut());
        T::from_bytes(&bytes)
    }

    /// Stores `value`.
    pub fn set(&self, value: &T) {
        write(self.page, self.offset, value.to_bytes().as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Fixed + PartialEq + core::fmt::Debug>(v: T) {
        assert_eq!(T::from_bytes(&v.to_bytes()), v);
        assert_eq!(T::zeroed().as_ref().iter().filter(|b| **b != 0).count(), 0);
    }

    #[test]
    fn layouts_are_little_endian_and_round_trip() {
        assert_eq!(0x0102_0304u32.to_bytes(), [4, 3, 2, 1]);
        assert_eq!(
            (-2i64).to_bytes(),
            [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        round_trip(u128::MAX - 7);
        round_trip(i8::MIN);
        round_trip(true);
        round_trip(Address([9; 20]));
        round_trip([1u8, 2, 3]);
        assert!(bool::from_bytes(&[2]));
        assert_eq!(u64::from_bytes(&u64::zeroed()), 0);
    }

    #[test]
    fn slots_know_their_place() {
        const S: Slot<u64> = Slot::new(2, 16);
        assert_eq!((S.page(), S.offset()), (2, 16));
        assert_eq!(S.at(3).offset(), 16 + 3 * 8);
        assert_eq!(Slot::<Address>::SIZE, 20);
        assert_eq!(Slot::<[u8; 32]>::SIZE, 32);
    }
}
