//! The raw host-function imports, one module per import module.
//!
//! GENERATED from the host-function table of strata-host-fns
//! (host-fns/src/functions.rs). Do not edit: run
//! `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated` to regenerate.
//!
//! Pointers are wasm32 addresses as `i32`. Everything here is `unsafe`:
//! the safe wrappers are the rest of this crate. Off wasm32 each function
//! panics: host functions exist only inside the Strata runtime.
#![allow(clippy::too_many_arguments, clippy::missing_safety_doc)]

/// The `svm` import module.
#[cfg(target_arch = "wasm32")]
pub mod svm {
    #[link(wasm_import_module = "svm")]
    extern "C" {
        /// Copies `len` bytes of guest memory at `src_mem_ptr` into register
        /// `dst_reg_idx` of the `dst_reg_bits`-bit bank, zero-padding it on the
        /// right. `src_mem_idx` must be 0.
        ///
        /// Gas: 20 + 1 per byte of `len`.
        pub fn mem_to_reg_copy(src_mem_idx: i32, src_mem_ptr: i32, len: i32, dst_reg_bits: i32, dst_reg_idx: i32);

        /// Copies the first `len` bytes of a register to guest memory at
        /// `dst_mem_ptr`. `dst_mem_idx` must be 0.
        ///
        /// Gas: 20 + 1 per byte of `len`.
        pub fn reg_to_mem_copy(src_reg_bits: i32, src_reg_idx: i32, len: i32, dst_mem_idx: i32, dst_mem_ptr: i32);

        /// Reads `len` bytes at `offset` of page `src_page` into a register,
        /// zero-padded. `src_slice` is ignored. A never-written slice reads as
        /// zeros.
        ///
        /// Gas: 50 + 1 per byte of `len`.
        pub fn storage_read_to_reg(src_page: i32, src_slice: i32, offset: i32, len: i32, dst_reg_bits: i32, dst_reg_idx: i32);

        /// Reads `len` bytes at `offset` of page `src_page` into guest memory at
        /// `dst_mem_ptr`. `src_slice` is ignored; `dst_mem_idx` must be 0.
        ///
        /// Gas: 50 + 1 per byte of `len`.
        pub fn storage_read_to_mem(src_page: i32, src_slice: i32, offset: i32, len: i32, dst_mem_idx: i32, dst_mem_ptr: i32);

        /// Writes `len` bytes of guest memory at `src_mem_ptr` to page
        /// `dst_page` at `dst_offset`. `dst_slice` is ignored; `src_mem_idx`
        /// must be 0.
        ///
        /// Gas: 100 + 2 per byte of `len`.
        pub fn storage_write_from_mem(src_mem_idx: i32, src_mem_ptr: i32, len: i32, dst_page: i32, dst_slice: i32, dst_offset: i32);

        /// Writes the first `len` bytes of a register to page `dst_page` at
        /// `dst_offset`. `dst_slice` is ignored.
        ///
        /// Gas: 100 + 2 per byte of `len`.
        pub fn storage_write_from_reg(src_reg_bits: i32, src_reg_idx: i32, len: i32, dst_page: i32, dst_slice: i32, dst_offset: i32);

        /// Sets byte `offset` of a register to `byte` (0..=255).
        ///
        /// Gas: 10.
        pub fn reg_replace_byte(reg_bits: i32, reg_idx: i32, byte: i32, offset: i32);

        /// The register's first 8 bytes as a big-endian i64 (the register must
        /// be at least 64 bits wide).
        ///
        /// Gas: 10.
        pub fn reg_read_be_i64(reg_bits: i32, reg_idx: i32) -> i64;

        /// Sets the register to `value` as 8 big-endian bytes, zero-padded (the
        /// register must be at least 64 bits wide).
        ///
        /// Gas: 10.
        pub fn reg_write_be_i64(value: i64, reg_bits: i32, reg_idx: i32);

        /// September 2019: the register's first 8 bytes as a little-endian i64
        /// (the register must be at least 64 bits wide). Replaced by
        /// `reg_read_be_i64` later that month.
        ///
        /// Gas: 10.
        pub fn reg_read_le_i64(reg_bits: i32, reg_idx: i32) -> i64;

        /// September 2019: sets the register to `value` as 8 little-endian
        /// bytes, zero-padded (the register must be at least 64 bits wide).
        /// Replaced by `reg_write_be_i64` later that month.
        ///
        /// Gas: 10.
        pub fn reg_write_le_i64(value: i64, reg_bits: i32, reg_idx: i32);
    }
}

/// The `svm` import module (off wasm32: every function panics).
#[cfg(not(target_arch = "wasm32"))]
pub mod svm {
    /// Copies `len` bytes of guest memory at `src_mem_ptr` into register
    /// `dst_reg_idx` of the `dst_reg_bits`-bit bank, zero-padding it on the
    /// right. `src_mem_idx` must be 0.
    ///
    /// Gas: 20 + 1 per byte of `len`.
    pub unsafe fn mem_to_reg_copy(_src_mem_idx: i32, _src_mem_ptr: i32, _len: i32, _dst_reg_bits: i32, _dst_reg_idx: i32) {
        crate::outside_strata("svm.mem_to_reg_copy")
    }

    /// Copies the first `len` bytes of a register to guest memory at
    /// `dst_mem_ptr`. `dst_mem_idx` must be 0.
    ///
    /// Gas: 20 + 1 per byte of `len`.
    pub unsafe fn reg_to_mem_copy(_src_reg_bits: i32, _src_reg_idx: i32, _len: i32, _dst_mem_idx: i32, _dst_mem_ptr: i32) {
        crate::outside_strata("svm.reg_to_mem_copy")
    }

    /// Reads `len` bytes at `offset` of page `src_page` into a register,
    /// zero-padded. `src_slice` is ignored. A never-written slice reads as
    /// zeros.
    ///
    /// Gas: 50 + 1 per byte of `len`.
    pub unsafe fn storage_read_to_reg(_src_page: i32, _src_slice: i32, _offset: i32, _len: i32, _dst_reg_bits: i32, _dst_reg_idx: i32) {
        crate::outside_strata("svm.storage_read_to_reg")
    }

    /// Reads `len` bytes at `offset` of page `src_page` into guest memory at
    /// `dst_mem_ptr`. `src_slice` is ignored; `dst_mem_idx` must be 0.
    ///
    /// Gas: 50 + 1 per byte of `len`.
    pub unsafe fn storage_read_to_mem(_src_page: i32, _src_slice: i32, _offset: i32, _len: i32, _dst_mem_idx: i32, _dst_mem_ptr: i32) {
        crate::outside_strata("svm.storage_read_to_mem")
    }

    /// Writes `len` bytes of guest memory at `src_mem_ptr` to page
    /// `dst_page` at `dst_offset`. `dst_slice` is ignored; `src_mem_idx`
    /// must be 0.
    ///
    /// Gas: 100 + 2 per byte of `len`.
    pub unsafe fn storage_write_from_mem(_src_mem_idx: i32, _src_mem_ptr: i32, _len: i32, _dst_page: i32, _dst_slice: i32, _dst_offset: i32) {
        crate::outside_strata("svm.storage_write_from_mem")
    }

    /// Writes the first `len` bytes of a register to page `dst_page` at
    /// `dst_offset`. `dst_slice` is ignored.
    ///
    /// Gas: 100 + 2 per byte of `len`.
    pub unsafe fn storage_write_from_reg(_src_reg_bits: i32, _src_reg_idx: i32, _len: i32, _dst_page: i32, _dst_slice: i32, _dst_offset: i32) {
        crate::outside_strata("svm.storage_write_from_reg")
    }

    /// Sets byte `offset` of a register to `byte` (0..=255).
    ///
    /// Gas: 10.
    pub unsafe fn reg_replace_byte(_reg_bits: i32, _reg_idx: i32, _byte: i32, _offset: i32) {
        crate::outside_strata("svm.reg_replace_byte")
    }

    /// The register's first 8 bytes as a big-endian i64 (the register must
    /// be at least 64 bits wide).
    ///
    /// Gas: 10.
    pub unsafe fn reg_read_be_i64(_reg_bits: i32, _reg_idx: i32) -> i64 {
        crate::outside_strata("svm.reg_read_be_i64")
    }

    /// Sets the register to `value` as 8 big-endian bytes, zero-padded (the
    /// register must be at least 64 bits wide).
    ///
    /// Gas: 10.
    pub unsafe fn reg_write_be_i64(_value: i64, _reg_bits: i32, _reg_idx: i32) {
        crate::outside_strata("svm.reg_write_be_i64")
    }

    /// September 2019: the register's first 8 bytes as a little-endian i64
    /// (the register must be at least 64 bits wide). Replaced by
    /// `reg_read_be_i64` later that month.
    ///
    /// Gas: 10.
    pub unsafe fn reg_read_le_i64(_reg_bits: i32, _reg_idx: i32) -> i64 {
        crate::outside_strata("svm.reg_read_le_i64")
    }

    /// September 2019: sets the register to `value` as 8 little-endian
    /// bytes, zero-padded (the register must be at least 64 bits wide).
    /// Replaced by `reg_write_be_i64` later that month.
    ///
    /// Gas: 10.
    pub unsafe fn reg_write_le_i64(_value: i64, _reg_bits: i32, _reg_idx: i32) {
        crate::outside_strata("svm.reg_write_le_i64")
    }
}

/// The `strata` import module.
#[cfg(target_arch = "wasm32")]
pub mod strata {
    #[link(wasm_import_module = "strata")]
    extern "C" {
        /// Copies `len` bytes at `offset` of storage page `page` to guest memory
        /// at `dst_ptr`. A never-written slice reads as zeros.
        ///
        /// Gas: 50 + 1 per byte of `len`.
        pub fn storage_read(page: i32, offset: i32, dst_ptr: i32, len: i32);

        /// Writes `len` bytes of guest memory at `src_ptr` to storage page
        /// `page` at `offset`. Fails in a read-only query.
        ///
        /// Gas: 100 + 2 per byte of `len`.
        pub fn storage_write(page: i32, offset: i32, src_ptr: i32, len: i32);

        /// Reads `len` bytes at `offset` of page `page` into a register,
        /// zero-padded.
        ///
        /// Gas: 50 + 1 per byte of `len`.
        pub fn storage_read_reg(page: i32, offset: i32, len: i32, reg_bits: i32, reg_idx: i32);

        /// Writes the first `len` bytes of a register to page `page` at `offset`.
        ///
        /// Gas: 100 + 2 per byte of `len`.
        pub fn storage_write_reg(page: i32, offset: i32, reg_bits: i32, reg_idx: i32, len: i32);

        /// Sets a register from `len` bytes of guest memory at `src_ptr`,
        /// zero-padded.
        ///
        /// Gas: 20 + 1 per byte of `len`.
        pub fn reg_set(reg_bits: i32, reg_idx: i32, src_ptr: i32, len: i32);

        /// Copies the first `len` bytes of a register to guest memory at
        /// `dst_ptr`.
        ///
        /// Gas: 20 + 1 per byte of `len`.
        pub fn reg_get(reg_bits: i32, reg_idx: i32, dst_ptr: i32, len: i32);

        /// Writes the executing contract's 20-byte address at `dst_ptr`.
        ///
        /// Gas: 20.
        pub fn address(dst_ptr: i32);

        /// Writes the 20-byte address of the caller (the transaction's sender or
        /// the calling contract) at `dst_ptr`.
        ///
        /// Gas: 20.
        pub fn sender(dst_ptr: i32);

        /// The block height.
        ///
        /// Gas: 10.
        pub fn block_height() -> i64;

        /// The block time, in seconds since the Unix epoch.
        ///
        /// Gas: 10.
        pub fn block_time() -> i64;

        /// The gas left, after this call's own cost.
        ///
        /// Gas: 10.
        pub fn gas_left() -> i64;

        /// The length of the call's input, in bytes.
        ///
        /// Gas: 10.
        pub fn input_len() -> i32;

        /// Copies `len` bytes of the call's input, from `offset`, to guest memory
        /// at `dst_ptr`.
        ///
        /// Gas: 20 + 1 per byte of `len`.
        pub fn input_copy(dst_ptr: i32, offset: i32, len: i32);

        /// Sets the call's return data to `len` bytes at `src_ptr` (at most
        /// 64 KiB; a later call replaces it).
        ///
        /// Gas: 20 + 1 per byte of `len`.
        pub fn set_return(src_ptr: i32, len: i32);

        /// Emits an event: `topic_count` (at most 4) 32-byte topics at
        /// `topics_ptr`, and `data_len` (at most 64 KiB) bytes of data at
        /// `data_ptr`.
        ///
        /// Gas: 200 + 2 per byte of `data_len`.
        pub fn emit_event(topics_ptr: i32, topic_count: i32, data_ptr: i32, data_len: i32);

        /// Records a debug log line of `msg_len` (at most 4 KiB) bytes of UTF-8
        /// at `msg_ptr`. Invalid UTF-8 is not an error: each invalid sequence
        /// becomes U+FFFD in the receipt (the same on every node). Control
        /// characters are kept as they are in the receipt; the CLI escapes them
        /// in its human output, so a message cannot fake a line of it.
        ///
        /// Gas: 20 + 1 per byte of `msg_len`.
        pub fn log(msg_ptr: i32, msg_len: i32);

        /// Fails the transaction with the contract's message: `msg_len` (at most
        /// 4 KiB) bytes of UTF-8 at `msg_ptr`. Every change is discarded. As with
        /// `log`, invalid UTF-8 becomes U+FFFD and control characters are kept
        /// in the receipt (escaped by the CLI's human output).
        ///
        /// Gas: 20 + 1 per byte of `msg_len`.
        pub fn abort(msg_ptr: i32, msg_len: i32);

        /// Writes the balance of the 20-byte address at `addr_ptr`, as 16 bytes
        /// little-endian (u128), at `dst_ptr`.
        ///
        /// Gas: 100.
        pub fn balance(addr_ptr: i32, dst_ptr: i32);

        /// Moves the u128 (16 bytes little-endian at `amount_ptr`) from the
        /// executing contract to the 20-byte address at `to_ptr`. Returns 0 when
        /// done, 1 when the balance is too low (nothing moves).
        ///
        /// Gas: 500.
        pub fn transfer(to_ptr: i32, amount_ptr: i32) -> i32;

        /// Calls the function named by `func_len` bytes at `func_ptr` of the
        /// contract at the 20-byte address at `addr_ptr`, with `input_len` bytes
        /// of input at `input_ptr` and at most `gas` gas. The callee's writes are
        /// rolled back when it fails. Returns a status: 0 success, 1 the callee
        /// failed, 2 no contract there, 3 no such function, 4 re-entrancy
        /// refused, 5 call depth limit. The callee's return data (or error
        /// message) is then available through `call_return_len` and
        /// `call_return_copy`.
        ///
        /// Gas: 1000 + 1 per byte of `input_len`.
        pub fn call(addr_ptr: i32, func_ptr: i32, func_len: i32, input_ptr: i32, input_len: i32, gas: i64) -> i32;

        /// The value of the `key_len`-byte (at most 256) key at `key_ptr` in the
        /// map whose 32-byte root is at `offset` of page `page`: copies up to
        /// `dst_cap` bytes of it to `dst_ptr` and returns its length, or -1 when
        /// the key has no entry. A nested map's value is its 32-byte root. Gas:
        /// also 1 per byte copied and the tree levels first touched in the
        /// transaction.
        ///
        /// Gas: 300 + 1 per byte of `key_len`.
        pub fn map_get(page: i32, offset: i32, key_ptr: i32, key_len: i32, dst_ptr: i32, dst_cap: i32) -> i32;

        /// The value at the end of a path of keys through nested maps, read-only
        /// (so it works in a query): `path_len` bytes at `path_ptr` hold each
        /// key as a length byte and the key; every key but the last must hold a
        /// nested map. Copies up to `dst_cap` bytes of the value to `dst_ptr`
        /// and returns its length, or -1 when a key along the path has no
        /// entry. Gas: also the tree levels of every map walked, on the path's
        /// first read in the transaction.
        ///
        /// Gas: 300 + 1 per byte of `path_len`.
        pub fn map_get_path(page: i32, offset: i32, path_ptr: i32, path_len: i32, dst_ptr: i32, dst_cap: i32) -> i32;

        /// 1 when the key at `key_ptr` has an entry in the map whose root is at
        /// `offset` of page `page`, else 0.
        ///
        /// Gas: 300 + 1 per byte of `key_len`.
        pub fn map_contains(page: i32, offset: i32, key_ptr: i32, key_len: i32) -> i32;

        /// Sets the key at `key_ptr` (at most 256 bytes) to the `val_len` bytes
        /// (at most 4096) at `val_ptr` in the map whose root is at `offset` of
        /// page `page`, and writes the map's new root there. Fails in a
        /// read-only query. Gas: also 1 per key byte and the tree levels first
        /// written in the transaction.
        ///
        /// Gas: 500 + 2 per byte of `val_len`.
        pub fn map_set(page: i32, offset: i32, key_ptr: i32, key_len: i32, val_ptr: i32, val_len: i32);

        /// Removes the key at `key_ptr` from the map whose root is at `offset`
        /// of page `page`: 1 when it had an entry, else 0 (nothing changes).
        ///
        /// Gas: 500 + 1 per byte of `key_len`.
        pub fn map_remove(page: i32, offset: i32, key_ptr: i32, key_len: i32) -> i32;

        /// The next entry of the map whose root is at `offset` of page `page`,
        /// after the `after_len`-byte key at `after_ptr` (from the first entry
        /// when `after_len` is -1), in the order of the keys' hashes (stable on
        /// every node; the key need not be in the map). Writes the entry's key
        /// at `key_dst` (room for 256 bytes needed) and up to `val_cap` bytes of
        /// its value at `val_dst`. Returns -1 after the last entry, else key
        /// length + value length * 65536 + 2^32 if the value is a nested map.
        ///
        /// Gas: 300 + 1 per byte of `val_cap`.
        pub fn map_next(page: i32, offset: i32, after_ptr: i32, after_len: i32, key_dst: i32, val_dst: i32, val_cap: i32) -> i64;

        /// Copies the root of the nested map under the key at `key_ptr` to the
        /// 32-byte slice at `dst_offset` of page `dst_page`, where map calls can
        /// use it: 1 when the key holds a map, 0 when it has no entry (the slice
        /// is then zeroed: an empty map). An entry of bytes is an error. The
        /// slice stays linked to the entry: when the calling frame returns
        /// without failing, a root the slice holds then that differs from the
        /// one copied is set back into the entry (innermost first, at
        /// `GasSchedule::map_fold` gas plus the key's bytes and the levels of
        /// a write), so changes made through the slice persist without
        /// `map_set_map`.
        ///
        /// Gas: 300 + 1 per byte of `key_len`.
        pub fn map_get_map(page: i32, offset: i32, key_ptr: i32, key_len: i32, dst_page: i32, dst_offset: i32) -> i32;

        /// Sets the key at `key_ptr` to the nested map whose root is the 32-byte
        /// slice at `src_offset` of page `src_page` (zeros: an empty map), marked
        /// as a map so that it stays part of the state. A slice `map_get_map`
        /// filled is folded back into its entry when the frame ends; this sets
        /// any slice's map under any key, at once.
        ///
        /// Gas: 500 + 1 per byte of `key_len`.
        pub fn map_set_map(page: i32, offset: i32, key_ptr: i32, key_len: i32, src_page: i32, src_offset: i32);

        /// The length of the last call's return data.
        ///
        /// Gas: 10.
        pub fn call_return_len() -> i32;

        /// Copies `len` bytes of the last call's return data, from `offset`, to
        /// guest memory at `dst_ptr`.
        ///
        /// Gas: 20 + 1 per byte of `len`.
        pub fn call_return_copy(dst_ptr: i32, offset: i32, len: i32);
    }
}

/// The `strata` import module (off wasm32: every function panics).
#[cfg(not(target_arch = "wasm32"))]
pub mod strata {
    /// Copies `len` bytes at `offset` of storage page `page` to guest memory
    /// at `dst_ptr`. A never-written slice reads as zeros.
    ///
    /// Gas: 50 + 1 per byte of `len`.
    pub unsafe fn storage_read(_page: i32, _offset: i32, _dst_ptr: i32, _len: i32) {
        crate::outside_strata("strata.storage_read")
    }

    /// Writes `len` bytes of guest memory at `src_ptr` to storage page
    /// `page` at `offset`. Fails in a read-only query.
    ///
    /// Gas: 100 + 2 per byte of `len`.
    pub unsafe fn storage_write(_page: i32, _offset: i32, _src_ptr: i32, _len: i32) {
        crate::outside_strata("strata.storage_write")
    }

    /// Reads `len` bytes at `offset` of page `page` into a register,
    /// zero-padded.
    ///
    /// Gas: 50 + 1 per byte of `len`.
    pub unsafe fn storage_read_reg(_page: i32, _offset: i32, _len: i32, _reg_bits: i32, _reg_idx: i32) {
        crate::outside_strata("strata.storage_read_reg")
    }

    /// Writes the first `len` bytes of a register to page `page` at `offset`.
    ///
    /// Gas: 100 + 2 per byte of `len`.
    pub unsafe fn storage_write_reg(_page: i32, _offset: i32, _reg_bits: i32, _reg_idx: i32, _len: i32) {
        crate::outside_strata("strata.storage_write_reg")
    }

    /// Sets a register from `len` bytes of guest memory at `src_ptr`,
    /// zero-padded.
    ///
    /// Gas: 20 + 1 per byte of `len`.
    pub unsafe fn reg_set(_reg_bits: i32, _reg_idx: i32, _src_ptr: i32, _len: i32) {
        crate::outside_strata("strata.reg_set")
    }

    /// Copies the first `len` bytes of a register to guest memory at
    /// `dst_ptr`.
    ///
    /// Gas: 20 + 1 per byte of `len`.
    pub unsafe fn reg_get(_reg_bits: i32, _reg_idx: i32, _dst_ptr: i32, _len: i32) {
        crate::outside_strata("strata.reg_get")
    }

    /// Writes the executing contract's 20-byte address at `dst_ptr`.
    ///
    /// Gas: 20.
    pub unsafe fn address(_dst_ptr: i32) {
        crate::outside_strata("strata.address")
    }

    /// Writes the 20-byte address of the caller (the transaction's sender or
    /// the calling contract) at `dst_ptr`.
    ///
    /// Gas: 20.
    pub unsafe fn sender(_dst_ptr: i32) {
        crate::outside_strata("strata.sender")
    }

    /// The block height.
    ///
    /// Gas: 10.
    pub unsafe fn block_height() -> i64 {
        crate::outside_strata("strata.block_height")
    }

    /// The block time, in seconds since the Unix epoch.
    ///
    /// Gas: 10.
    pub unsafe fn block_time() -> i64 {
        crate::outside_strata("strata.block_time")
    }

    /// The gas left, after this call's own cost.
    ///
    /// Gas: 10.
    pub unsafe fn gas_left() -> i64 {
        crate::outside_strata("strata.gas_left")
    }

    /// The length of the call's input, in bytes.
    ///
    /// Gas: 10.
    pub unsafe fn input_len() -> i32 {
        crate::outside_strata("strata.input_len")
    }

    /// Copies `len` bytes of the call's input, from `offset`, to guest memory
    /// at `dst_ptr`.
    ///
    /// Gas: 20 + 1 per byte of `len`.
    pub unsafe fn input_copy(_dst_ptr: i32, _offset: i32, _len: i32) {
        crate::outside_strata("strata.input_copy")
    }

    /// Sets the call's return data to `len` bytes at `src_ptr` (at most
    /// 64 KiB; a later call replaces it).
    ///
    /// Gas: 20 + 1 per byte of `len`.
    pub unsafe fn set_return(_src_ptr: i32, _len: i32) {
        crate::outside_strata("strata.set_return")
    }

    /// Emits an event: `topic_count` (at most 4) 32-byte topics at
    /// `topics_ptr`, and `data_len` (at most 64 KiB) bytes of data at
    /// `data_ptr`.
    ///
    /// Gas: 200 + 2 per byte of `data_len`.
    pub unsafe fn emit_event(_topics_ptr: i32, _topic_count: i32, _data_ptr: i32, _data_len: i32) {
        crate::outside_strata("strata.emit_event")
    }

    /// Records a debug log line of `msg_len` (at most 4 KiB) bytes of UTF-8
    /// at `msg_ptr`. Invalid UTF-8 is not an error: each invalid sequence
    /// becomes U+FFFD in the receipt (the same on every node). Control
    /// characters are kept as they are in the receipt; the CLI escapes them
    /// in its human output, so a message cannot fake a line of it.
    ///
    /// Gas: 20 + 1 per byte of `msg_len`.
    pub unsafe fn log(_msg_ptr: i32, _msg_len: i32) {
        crate::outside_strata("strata.log")
    }

    /// Fails the transaction with the contract's message: `msg_len` (at most
    /// 4 KiB) bytes of UTF-8 at `msg_ptr`. Every change is discarded. As with
    /// `log`, invalid UTF-8 becomes U+FFFD and control characters are kept
    /// in the receipt (escaped by the CLI's human output).
    ///
    /// Gas: 20 + 1 per byte of `msg_len`.
    pub unsafe fn abort(_msg_ptr: i32, _msg_len: i32) {
        crate::outside_strata("strata.abort")
    }

    /// Writes the balance of the 20-byte address at `addr_ptr`, as 16 bytes
    /// little-endian (u128), at `dst_ptr`.
    ///
    /// Gas: 100.
    pub unsafe fn balance(_addr_ptr: i32, _dst_ptr: i32) {
        crate::outside_strata("strata.balance")
    }

    /// Moves the u128 (16 bytes little-endian at `amount_ptr`) from the
    /// executing contract to the 20-byte address at `to_ptr`. Returns 0 when
    /// done, 1 when the balance is too low (nothing moves).
    ///
    /// Gas: 500.
    pub unsafe fn transfer(_to_ptr: i32, _amount_ptr: i32) -> i32 {
        crate::outside_strata("strata.transfer")
    }

    /// Calls the function named by `func_len` bytes at `func_ptr` of the
    /// contract at the 20-byte address at `addr_ptr`, with `input_len` bytes
    /// of input at `input_ptr` and at most `gas` gas. The callee's writes are
    /// rolled back when it fails. Returns a status: 0 success, 1 the callee
    /// failed, 2 no contract there, 3 no such function, 4 re-entrancy
    /// refused, 5 call depth limit. The callee's return data (or error
    /// message) is then available through `call_return_len` and
    /// `call_return_copy`.
    ///
    /// Gas: 1000 + 1 per byte of `input_len`.
    pub unsafe fn call(_addr_ptr: i32, _func_ptr: i32, _func_len: i32, _input_ptr: i32, _input_len: i32, _gas: i64) -> i32 {
        crate::outside_strata("strata.call")
    }

    /// The value of the `key_len`-byte (at most 256) key at `key_ptr` in the
    /// map whose 32-byte root is at `offset` of page `page`: copies up to
    /// `dst_cap` bytes of it to `dst_ptr` and returns its length, or -1 when
    /// the key has no entry. A nested map's value is its 32-byte root. Gas:
    /// also 1 per byte copied and the tree levels first touched in the
    /// transaction.
    ///
    /// Gas: 300 + 1 per byte of `key_len`.
    pub unsafe fn map_get(_page: i32, _offset: i32, _key_ptr: i32, _key_len: i32, _dst_ptr: i32, _dst_cap: i32) -> i32 {
        crate::outside_strata("strata.map_get")
    }

    /// The value at the end of a path of keys through nested maps, read-only
    /// (so it works in a query): `path_len` bytes at `path_ptr` hold each
    /// key as a length byte and the key; every key but the last must hold a
    /// nested map. Copies up to `dst_cap` bytes of the value to `dst_ptr`
    /// and returns its length, or -1 when a key along the path has no
    /// entry. Gas: also the tree levels of every map walked, on the path's
    /// first read in the transaction.
    ///
    /// Gas: 300 + 1 per byte of `path_len`.
    pub unsafe fn map_get_path(_page: i32, _offset: i32, _path_ptr: i32, _path_len: i32, _dst_ptr: i32, _dst_cap: i32) -> i32 {
        crate::outside_strata("strata.map_get_path")
    }

    /// 1 when the key at `key_ptr` has an entry in the map whose root is at
    /// `offset` of page `page`, else 0.
    ///
    /// Gas: 300 + 1 per byte of `key_len`.
    pub unsafe fn map_contains(_page: i32, _offset: i32, _key_ptr: i32, _key_len: i32) -> i32 {
        crate::outside_strata("strata.map_contains")
    }

    /// Sets the key at `key_ptr` (at most 256 bytes) to the `val_len` bytes
    /// (at most 4096) at `val_ptr` in the map whose root is at `offset` of
    /// page `page`, and writes the map's new root there. Fails in a
    /// read-only query. Gas: also 1 per key byte and the tree levels first
    /// written in the transaction.
    ///
    /// Gas: 500 + 2 per byte of `val_len`.
    pub unsafe fn map_set(_page: i32, _offset: i32, _key_ptr: i32, _key_len: i32, _val_ptr: i32, _val_len: i32) {
        crate::outside_strata("strata.map_set")
    }

    /// Removes the key at `key_ptr` from the map whose root is at `offset`
    /// of page `page`: 1 when it had an entry, else 0 (nothing changes).
    ///
    /// Gas: 500 + 1 per byte of `key_len`.
    pub unsafe fn map_remove(_page: i32, _offset: i32, _key_ptr: i32, _key_len: i32) -> i32 {
        crate::outside_strata("strata.map_remove")
    }

    /// The next entry of the map whose root is at `offset` of page `page`,
    /// after the `after_len`-byte key at `after_ptr` (from the first entry
    /// when `after_len` is -1), in the order of the keys' hashes (stable on
    /// every node; the key need not be in the map). Writes the entry's key
    /// at `key_dst` (room for 256 bytes needed) and up to `val_cap` bytes of
    /// its value at `val_dst`. Returns -1 after the last entry, else key
    /// length + value length * 65536 + 2^32 if the value is a nested map.
    ///
    /// Gas: 300 + 1 per byte of `val_cap`.
    pub unsafe fn map_next(_page: i32, _offset: i32, _after_ptr: i32, _after_len: i32, _key_dst: i32, _val_dst: i32, _val_cap: i32) -> i64 {
        crate::outside_strata("strata.map_next")
    }

    /// Copies the root of the nested map under the key at `key_ptr` to the
    /// 32-byte slice at `dst_offset` of page `dst_page`, where map calls can
    /// use it: 1 when the key holds a map, 0 when it has no entry (the slice
    /// is then zeroed: an empty map). An entry of bytes is an error. The
    /// slice stays linked to the entry: when the calling frame returns
    /// without failing, a root the slice holds then that differs from the
    /// one copied is set back into the entry (innermost first, at
    /// `GasSchedule::map_fold` gas plus the key's bytes and the levels of
    /// a write), so changes made through the slice persist without
    /// `map_set_map`.
    ///
    /// Gas: 300 + 1 per byte of `key_len`.
    pub unsafe fn map_get_map(_page: i32, _offset: i32, _key_ptr: i32, _key_len: i32, _dst_page: i32, _dst_offset: i32) -> i32 {
        crate::outside_strata("strata.map_get_map")
    }

    /// Sets the key at `key_ptr` to the nested map whose root is the 32-byte
    /// slice at `src_offset` of page `src_page` (zeros: an empty map), marked
    /// as a map so that it stays part of the state. A slice `map_get_map`
    /// filled is folded back into its entry when the frame ends; this sets
    /// any slice's map under any key, at once.
    ///
    /// Gas: 500 + 1 per byte of `key_len`.
    pub unsafe fn map_set_map(_page: i32, _offset: i32, _key_ptr: i32, _key_len: i32, _src_page: i32, _src_offset: i32) {
        crate::outside_strata("strata.map_set_map")
    }

    /// The length of the last call's return data.
    ///
    /// Gas: 10.
    pub unsafe fn call_return_len() -> i32 {
        crate::outside_strata("strata.call_return_len")
    }

    /// Copies `len` bytes of the last call's return data, from `offset`, to
    /// guest memory at `dst_ptr`.
    ///
    /// Gas: 20 + 1 per byte of `len`.
    pub unsafe fn call_return_copy(_dst_ptr: i32, _offset: i32, _len: i32) {
        crate::outside_strata("strata.call_return_copy")
    }
}
