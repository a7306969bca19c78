//! Maps: unbounded key-value storage whose 32-byte root lives in a slot of
//! the contract's pages. A never-written slot is an empty map.
//!
//! Keys are at most [`MAX_KEY`] bytes and values at most [`MAX_VALUE`];
//! longer ones, or a root slot across a page end or outside the pages, fail
//! the transaction with a `host_error` receipt. Iteration ([`Map::next`])
//! is in the order of the keys' hashes, the same on every node.

use crate::{len, mut_ptr, ptr, raw};

/// The most bytes a key may have.
pub const MAX_KEY: usize = 256;
/// The most bytes a value may have.
pub const MAX_VALUE: usize = 4096;

/// A map whose root is the 32 bytes at `offset` of page `page`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Map {
    page: u32,
    offset: u32,
}

/// An entry [`Map::next`] found: the lengths of its key and value (the
/// value's full length, which may exceed the buffer), and whether the value
/// is a nested map (then its 32 bytes are the nested map's root).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key's length (written at the start of the key buffer).
    pub key_len: usize,
    /// The value's length.
    pub value_len: usize,
    /// Whether the value is a nested map.
    pub nested: bool,
}

impl Map {
    /// The map whose root is at `offset` of page `page`.
    pub const fn new(page: u32, offset: u32) -> Map {
        Map { page, offset }
    }

    /// Copies the value of `key` into `buf` (as much as fits) and returns
    /// its full length, or `None` when the key has no entry.
    pub fn get(&self, key: &[u8], buf: &mut [u8]) -> Option<usize> {
        // SAFETY: the pointers and lengths are those of live slices.
        let n = unsafe {
            raw::strata::map_get(
                self.page as i32,
                self.offset as i32,
                ptr(key),
                len(key),
                mut_ptr(buf),
                len(buf),
            )
        };
        usize::try_from(n).ok()
    }

    /// The value of `key` as a little-endian u64 (its first 8 bytes; 0 when
    /// the key has no entry).
    pub fn get_u64(&self, key: &[u8]) -> u64 {
        let mut buf = [0u8; 8];
        self.get(key, &mut buf);
        u64::from_le_bytes(buf)
    }

    /// Whether `key` has an entry.
    pub fn contains(&self, key: &[u8]) -> bool {
        // SAFETY: the pointer and length are those of a live slice.
        unsafe {
            raw::strata::map_contains(self.page as i32, self.offset as i32, ptr(key), len(key)) == 1
        }
    }

    /// Sets `key` to `value`. Fails the transaction in a read-only query.
    pub fn set(&self, key: &[u8], value: &[u8]) {
        // SAFETY: the pointers and lengths are those of live slices.
        unsafe {
            raw::strata::map_set(
                self.page as i32,
                self.offset as i32,
                ptr(key),
                len(key),
                ptr(value),
                len(value),
            )
        }
    }

    /// Removes `key`; whether it had an entry.
    pub fn remove(&self, key: &[u8]) -> bool {
        // SAFETY: the pointer and length are those of a live slice.
        unsafe {
            raw::strata::map_remove(self.page as i32, self.offset as i32, ptr(key), len(key)) == 1
        }
    }

    /// The entry after `after` (the first one for `None`), its key copied
    /// into `key` (which needs room for [`MAX_KEY`] bytes, or the host
    /// refuses it) and its value into `value` (as much as fits); `None`
    /// after the last entry.
    pub fn next(
        &self,
        after: Option<&[u8]>,
        key: &mut [u8; MAX_KEY],
        value: &mut [u8],
    ) -> Option<Entry> {
        let (after_ptr, after_len) = match after {
            Some(a) => (ptr(a), len(a)),
            None => (0, -1),
        };
        // SAFETY: the pointers and lengths are those of live slices; the
        // key buffer holds MAX_KEY bytes.
        let r = unsafe {
            raw::strata::map_next(
                self.page as i32,
                self.offset as i32,
                after_ptr,
                after_len,
                mut_ptr(key),
                mut_ptr(value),
                len(value),
            )
        };
        if r < 0 {
            return None;
        }
        Some(Entry {
            key_len: (r & 0xffff) as usize,
            value_len: ((r >> 16) & 0xffff) as usize,
            nested: (r >> 32) & 1 == 1,
        })
    }

    /// Copies the root of the nested map under `key` into `into`'s slot, so
    /// that `into` is that map: true when `key` holds a map, false when it
    /// has no entry (`into` is then empty). An entry of bytes fails the
    /// transaction. Changes made through `into` are folded back into `key`
    /// when the contract's call returns (without [`set_map`](Self::set_map));
    /// until then this map's entry shows the nested map as it was.
    pub fn get_map(&self, key: &[u8], into: &Map) -> bool {
        // SAFETY: the pointer and length are those of a live slice.
        unsafe {
            raw::strata::map_get_map(
                self.page as i32,
                self.offset as i32,
                ptr(key),
                len(key),
                into.page as i32,
                into.offset as i32,
            ) == 1
        }
    }

    /// Sets `key` to the nested map `map` (its current root), marked as a
    /// map, at once. A map got with [`get_map`](Self::get_map) is set back
    /// when the call returns; this is for any other slot, or to see the
    /// change through this map before then.
    pub fn set_map(&self, key: &[u8], map: &Map) {
        // SAFETY: the pointer and length are those of a live slice.
        unsafe {
            raw::strata::map_set_map(
                self.page as i32,
                self.offset as i32,
                ptr(key),
                len(key),
                map.page as i32,
                map.offset as i32,
            )
        }
    }

    /// Reads through nested maps without writing (so a query can): `path`
    /// is each key as a length byte then the key; copies the last key's
    /// value into `buf` and returns its length, or `None` when a key along
    /// the path has no entry.
    pub fn get_path(&self, path: &[u8], buf: &mut [u8]) -> Option<usize> {
        // SAFETY: the pointers and lengths are those of live slices.
        let n = unsafe {
            raw::strata::map_get_path(
                self.page as i32,
                self.offset as i32,
                ptr(path),
                len(path),
                mut_ptr(buf),
                len(buf),
            )
        };
        usize::try_from(n).ok()
    }
}
