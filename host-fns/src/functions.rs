//! **The table**: every host function Strata provides, declared once.
//!
//! Adding a host function means adding an entry here and its
//! implementation in `svm.rs` or `native.rs`; the wasmi binding, the native
//! dispatcher, the C header (`include/strata.h`), the ABI reference
//! (`ABI.md`) and the runtime's deploy-time import checks all follow.
//!
//! Gas is in the runtime's one unit (a wasm instruction costs about 1). The
//! per-byte part counts the bytes the function moves.

use crate::{native, svm, svm_node};

crate::host_functions! {
    /// The `svm` import module: the SVM v0 vmcalls, with their original names
    /// and signatures, so that SVM-era contracts run unchanged.
    pub struct Svm = "svm";

    /// Copies `len` bytes of guest memory at `src_mem_ptr` into register
    /// `dst_reg_idx` of the `dst_reg_bits`-bit bank, zero-padding it on the
    /// right. `src_mem_idx` must be 0.
    fn mem_to_reg_copy(src_mem_idx: i32, src_mem_ptr: i32, len: i32, dst_reg_bits: i32, dst_reg_idx: i32);
        gas 20 + 1 * len;
        impl svm::mem_to_reg_copy;

    /// Copies the first `len` bytes of a register to guest memory at
    /// `dst_mem_ptr`. `dst_mem_idx` must be 0.
    fn reg_to_mem_copy(src_reg_bits: i32, src_reg_idx: i32, len: i32, dst_mem_idx: i32, dst_mem_ptr: i32);
        gas 20 + 1 * len;
        impl svm::reg_to_mem_copy;

    /// Reads `len` bytes at `offset` of page `src_page` into a register,
    /// zero-padded. `src_slice` is ignored. A never-written slice reads as
    /// zeros.
    fn storage_read_to_reg(src_page: i32, src_slice: i32, offset: i32, len: i32, dst_reg_bits: i32, dst_reg_idx: i32);
        gas 50 + 1 * len;
        impl svm::storage_read_to_reg;

    /// Reads `len` bytes at `offset` of page `src_page` into guest memory at
    /// `dst_mem_ptr`. `src_slice` is ignored; `dst_mem_idx` must be 0.
    fn storage_read_to_mem(src_page: i32, src_slice: i32, offset: i32, len: i32, dst_mem_idx: i32, dst_mem_ptr: i32);
        gas 50 + 1 * len;
        impl svm::storage_read_to_mem;

    /// Writes `len` bytes of guest memory at `src_mem_ptr` to page
    /// `dst_page` at `dst_offset`. `dst_slice` is ignored; `src_mem_idx`
    /// must be 0.
    fn storage_write_from_mem(src_mem_idx: i32, src_mem_ptr: i32, len: i32, dst_page: i32, dst_slice: i32, dst_offset: i32);
        gas 100 + 2 * len;
        impl svm::storage_write_from_mem;

    /// Writes the first `len` bytes of a register to page `dst_page` at
    /// `dst_offset`. `dst_slice` is ignored.
    fn storage_write_from_reg(src_reg_bits: i32, src_reg_idx: i32, len: i32, dst_page: i32, dst_slice: i32, dst_offset: i32);
        gas 100 + 2 * len;
        impl svm::storage_write_from_reg;

    /// Sets byte `offset` of a register to `byte` (0..=255).
    fn reg_replace_byte(reg_bits: i32, reg_idx: i32, byte: i32, offset: i32);
        gas 10;
        impl svm::reg_replace_byte;

    /// The register's first 8 bytes as a big-endian i64 (the register must
    /// be at least 64 bits wide).
    fn reg_read_be_i64(reg_bits: i32, reg_idx: i32) -> i64;
        gas 10;
        impl svm::reg_read_be_i64;

    /// Sets the register to `value` as 8 big-endian bytes, zero-padded (the
    /// register must be at least 64 bits wide).
    fn reg_write_be_i64(value: i64, reg_bits: i32, reg_idx: i32);
        gas 10;
        impl svm::reg_write_be_i64;

    /// September 2019: the register's first 8 bytes as a little-endian i64
    /// (the register must be at least 64 bits wide). Replaced by
    /// `reg_read_be_i64` later that month.
    fn reg_read_le_i64(reg_bits: i32, reg_idx: i32) -> i64;
        gas 10;
        impl svm::reg_read_le_i64;

    /// September 2019: sets the register to `value` as 8 little-endian
    /// bytes, zero-padded (the register must be at least 64 bits wide).
    /// Replaced by `reg_write_be_i64` later that month.
    fn reg_write_le_i64(value: i64, reg_bits: i32, reg_idx: i32);
        gas 10;
        impl svm::reg_write_le_i64;

    /// December 2019 (no slice argument): reads `len` bytes at `offset` of
    /// page `page` into a register, zero-padded.
    fn storage_read_to_reg_dec19(page: i32, offset: i32, len: i32, reg_bits: i32, reg_idx: i32) as "storage_read_to_reg";
        gas 50 + 1 * len;
        impl native::storage_read_reg;

    /// December 2019 (no slice argument): reads `len` bytes at `offset` of
    /// page `page` into guest memory at `mem_offset`. `mem_idx` must be 0.
    fn storage_read_to_mem_dec19(page: i32, offset: i32, len: i32, mem_idx: i32, mem_offset: i32) as "storage_read_to_mem";
        gas 50 + 1 * len;
        impl svm::storage_read_to_mem_dec19;

    /// December 2019 (no slice argument): writes `len` bytes of guest memory
    /// at `mem_offset` to page `page_idx` at `page_offset`. `mem_idx` must
    /// be 0.
    fn storage_write_from_mem_dec19(mem_idx: i32, mem_offset: i32, len: i32, page_idx: i32, page_offset: i32) as "storage_write_from_mem";
        gas 100 + 2 * len;
        impl svm::storage_write_from_mem_dec19;

    /// December 2019 (no slice argument): writes the first `len` bytes of a
    /// register to page `page_idx` at `page_offset`.
    fn storage_write_from_reg_dec19(reg_bits: i32, reg_idx: i32, len: i32, page_idx: i32, page_offset: i32) as "storage_write_from_reg";
        gas 100 + 2 * len;
        impl svm::storage_write_from_reg_dec19;
}

crate::host_functions! {
    /// The `node` import module of SVM's autumn 2019 contracts: the node's
    /// balance vmcalls, answered from Strata's own account balances. Off in
    /// the runtime unless an embedder adds it
    /// (`RuntimeBuilder::host_module(SvmNode)`); on in the `strata` CLI.
    pub struct SvmNode = "node";

    /// The balance of the account whose 20-byte address is in the first
    /// bytes of register `reg_idx` of the `reg_bits`-bit bank (at least 160
    /// bits). A balance over `i64::MAX` is an error, not a wrapped value.
    fn vmcall_get_balance(reg_bits: i32, reg_idx: i32) -> i64;
        gas 100;
        impl svm_node::get_balance;

    /// Sets the balance of the account whose address is in the register to
    /// `value`, which must not be negative. Fails in a read-only query.
    fn vmcall_set_balance(value: i64, reg_bits: i32, reg_idx: i32);
        gas 500;
        impl svm_node::set_balance;
}

crate::host_functions! {
    /// The `env` import module of SVM's December 2019 contracts: the same
    /// balance calls as [`SvmNode`] under their December names. Off in the
    /// runtime unless an embedder adds it; on in the `strata` CLI.
    pub struct SvmEnv = "env";

    /// As `node.vmcall_get_balance`.
    fn get_balance(reg_bits: i32, reg_idx: i32) -> i64;
        gas 100;
        impl svm_node::get_balance;

    /// As `node.vmcall_set_balance`.
    fn set_balance(value: i64, reg_bits: i32, reg_idx: i32);
        gas 500;
        impl svm_node::set_balance;
}

crate::host_functions! {
    /// The `strata` import module: the native API, with pointer/length pairs.
    pub struct Strata = "strata";

    /// Copies `len` bytes at `offset` of storage page `page` to guest memory
    /// at `dst_ptr`. A never-written slice reads as zeros.
    fn storage_read(page: i32, offset: i32, dst_ptr: i32, len: i32);
        gas 50 + 1 * len;
        impl native::storage_read;

    /// Writes `len` bytes of guest memory at `src_ptr` to storage page
    /// `page` at `offset`. Fails in a read-only query.
    fn storage_write(page: i32, offset: i32, src_ptr: i32, len: i32);
        gas 100 + 2 * len;
        impl native::storage_write;

    /// Reads `len` bytes at `offset` of page `page` into a register,
    /// zero-padded.
    fn storage_read_reg(page: i32, offset: i32, len: i32, reg_bits: i32, reg_idx: i32);
        gas 50 + 1 * len;
        impl native::storage_read_reg;

    /// Writes the first `len` bytes of a register to page `page` at `offset`.
    fn storage_write_reg(page: i32, offset: i32, reg_bits: i32, reg_idx: i32, len: i32);
        gas 100 + 2 * len;
        impl native::storage_write_reg;

    /// Sets a register from `len` bytes of guest memory at `src_ptr`,
    /// zero-padded.
    fn reg_set(reg_bits: i32, reg_idx: i32, src_ptr: i32, len: i32);
        gas 20 + 1 * len;
        impl native::reg_set;

    /// Copies the first `len` bytes of a register to guest memory at
    /// `dst_ptr`.
    fn reg_get(reg_bits: i32, reg_idx: i32, dst_ptr: i32, len: i32);
        gas 20 + 1 * len;
        impl native::reg_get;

    /// Writes the executing contract's 20-byte address at `dst_ptr`.
    fn address(dst_ptr: i32);
        gas 20;
        impl native::address;

    /// Writes the 20-byte address of the caller (the transaction's sender or
    /// the calling contract) at `dst_ptr`.
    fn sender(dst_ptr: i32);
        gas 20;
        impl native::sender;

    /// The block height.
    fn block_height() -> i64;
        gas 10;
        impl native::block_height;

    /// The block time, in seconds since the Unix epoch.
    fn block_time() -> i64;
        gas 10;
        impl native::block_time;

    /// The gas left, after this call's own cost.
    fn gas_left() -> i64;
        gas 10;
        impl native::gas_left;

    /// The length of the call's input, in bytes.
    fn input_len() -> i32;
        gas 10;
        impl native::input_len;

    /// Copies `len` bytes of the call's input, from `offset`, to guest memory
    /// at `dst_ptr`.
    fn input_copy(dst_ptr: i32, offset: i32, len: i32);
        gas 20 + 1 * len;
        impl native::input_copy;

    /// Sets the call's return data to `len` bytes at `src_ptr` (at most
    /// 64 KiB; a later call replaces it).
    fn set_return(src_ptr: i32, len: i32);
        gas 20 + 1 * len;
        impl native::set_return;

    /// Emits an event: `topic_count` (at most 4) 32-byte topics at
    /// `topics_ptr`, and `data_len` (at most 64 KiB) bytes of data at
    /// `data_ptr`.
    fn emit_event(topics_ptr: i32, topic_count: i32, data_ptr: i32, data_len: i32);
        gas 200 + 2 * data_len;
        impl native::emit_event;

    /// Records a debug log line of `msg_len` (at most 4 KiB) bytes of UTF-8
    /// at `msg_ptr`. Invalid UTF-8 is not an error: each invalid sequence
    /// becomes U+FFFD in the receipt (the same on every node). Control
    /// characters are kept as they are in the receipt; the CLI escapes them
    /// in its human output, so a message cannot fake a line of it.
    fn log(msg_ptr: i32, msg_len: i32);
        gas 20 + 1 * msg_len;
        impl native::log;

    /// Fails the transaction with the contract's message: `msg_len` (at most
    /// 4 KiB) bytes of UTF-8 at `msg_ptr`. Every change is discarded. As with
    /// `log`, invalid UTF-8 becomes U+FFFD and control characters are kept
    /// in the receipt (escaped by the CLI's human output).
    fn abort(msg_ptr: i32, msg_len: i32);
        gas 20 + 1 * msg_len;
        impl native::abort;

    /// Writes the balance of the 20-byte address at `addr_ptr`, as 16 bytes
    /// little-endian (u128), at `dst_ptr`.
    fn balance(addr_ptr: i32, dst_ptr: i32);
        gas 100;
        impl native::balance;

    /// Moves the u128 (16 bytes little-endian at `amount_ptr`) from the
    /// executing contract to the 20-byte address at `to_ptr`. Returns 0 when
    /// done, 1 when the balance is too low (nothing moves).
    fn transfer(to_ptr: i32, amount_ptr: i32) -> i32;
        gas 500;
        impl native::transfer;

    /// Calls the function named by `func_len` bytes at `func_ptr` of the
    /// contract at the 20-byte address at `addr_ptr`, with `input_len` bytes
    /// of input at `input_ptr` and at most `gas` gas. The callee's writes are
    /// rolled back when it fails. Returns a status: 0 success, 1 the callee
    /// failed, 2 no contract there, 3 no such function, 4 re-entrancy
    /// refused, 5 call depth limit. The callee's return data (or error
    /// message) is then available through `call_return_len` and
    /// `call_return_copy`.
    fn call(addr_ptr: i32, func_ptr: i32, func_len: i32, input_ptr: i32, input_len: i32, gas: i64) -> i32;
        gas 1000 + 1 * input_len;
        impl native::call;

    /// The value of the `key_len`-byte (at most 256) key at `key_ptr` in the
    /// map whose 32-byte root is at `offset` of page `page`: copies up to
    /// `dst_cap` bytes of it to `dst_ptr` and returns its length, or -1 when
    /// the key has no entry. A nested map's value is its 32-byte root. Gas:
    /// also 1 per byte copied and the tree levels first touched in the
    /// transaction.
    fn map_get(page: i32, offset: i32, key_ptr: i32, key_len: i32, dst_ptr: i32, dst_cap: i32) -> i32;
        gas 300 + 1 * key_len;
        impl native::map_get;

    /// The value at the end of a path of keys through nested maps, read-only
    /// (so it works in a query): `path_len` bytes at `path_ptr` hold each
    /// key as a length byte and the key; every key but the last must hold a
    /// nested map. Copies up to `dst_cap` bytes of the value to `dst_ptr`
    /// and returns its length, or -1 when a key along the path has no
    /// entry. Gas: also the tree levels of every map walked, on the path's
    /// first read in the transaction.
    fn map_get_path(page: i32, offset: i32, path_ptr: i32, path_len: i32, dst_ptr: i32, dst_cap: i32) -> i32;
        gas 300 + 1 * path_len;
        impl native::map_get_path;

    /// 1 when the key at `key_ptr` has an entry in the map whose root is at
    /// `offset` of page `page`, else 0.
    fn map_contains(page: i32, offset: i32, key_ptr: i32, key_len: i32) -> i32;
        gas 300 + 1 * key_len;
        impl native::map_contains;

    /// Sets the key at `key_ptr` (at most 256 bytes) to the `val_len` bytes
    /// (at most 4096) at `val_ptr` in the map whose root is at `offset` of
    /// page `page`, and writes the map's new root there. Fails in a
    /// read-only query. Gas: also 1 per key byte and the tree levels first
    /// written in the transaction.
    fn map_set(page: i32, offset: i32, key_ptr: i32, key_len: i32, val_ptr: i32, val_len: i32);
        gas 500 + 2 * val_len;
        impl native::map_set;

    /// Removes the key at `key_ptr` from the map whose root is at `offset`
    /// of page `page`: 1 when it had an entry, else 0 (nothing changes).
    fn map_remove(page: i32, offset: i32, key_ptr: i32, key_len: i32) -> i32;
        gas 500 + 1 * key_len;
        impl native::map_remove;

    /// The next entry of the map whose root is at `offset` of page `page`,
    /// after the `after_len`-byte key at `after_ptr` (from the first entry
    /// when `after_len` is -1), in the order of the keys' hashes (stable on
    /// every node; the key need not be in the map). Writes the entry's key
    /// at `key_dst` (room for 256 bytes needed) and up to `val_cap` bytes of
    /// its value at `val_dst`. Returns -1 after the last entry, else key
    /// length + value length * 65536 + 2^32 if the value is a nested map.
    fn map_next(page: i32, offset: i32, after_ptr: i32, after_len: i32, key_dst: i32, val_dst: i32, val_cap: i32) -> i64;
        gas 300 + 1 * val_cap;
        impl native::map_next;

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
    fn map_get_map(page: i32, offset: i32, key_ptr: i32, key_len: i32, dst_page: i32, dst_offset: i32) -> i32;
        gas 300 + 1 * key_len;
        impl native::map_get_map;

    /// Sets the key at `key_ptr` to the nested map whose root is the 32-byte
    /// slice at `src_offset` of page `src_page` (zeros: an empty map), marked
    /// as a map so that it stays part of the state. A slice `map_get_map`
    /// filled is folded back into its entry when the frame ends; this sets
    /// any slice's map under any key, at once.
    fn map_set_map(page: i32, offset: i32, key_ptr: i32, key_len: i32, src_page: i32, src_offset: i32);
        gas 500 + 1 * key_len;
        impl native::map_set_map;

    /// The length of the last call's return data.
    fn call_return_len() -> i32;
        gas 10;
        impl native::call_return_len;

    /// Copies `len` bytes of the last call's return data, from `offset`, to
    /// guest memory at `dst_ptr`.
    fn call_return_copy(dst_ptr: i32, offset: i32, len: i32);
        gas 20 + 1 * len;
        impl native::call_return_copy;
}

/// Every built-in import module: linked in every runtime.
pub fn builtin_modules() -> [&'static dyn crate::HostModule; 2] {
    [&Svm, &Strata]
}

/// The optional modules Strata ships (SVM's node vmcalls): linked only where
/// an embedder adds them.
pub fn optional_modules() -> [&'static dyn crate::HostModule; 2] {
    [&SvmNode, &SvmEnv]
}

/// Every module Strata ships, built-in and optional: what the C header and
/// the ABI reference document.
pub fn all_modules() -> [&'static dyn crate::HostModule; 4] {
    [&Svm, &Strata, &SvmNode, &SvmEnv]
}
