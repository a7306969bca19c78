/* strata.h: the Strata host functions for contracts written in C.
 *
 * GENERATED from the host-function table of strata-host-fns
 * (host-fns/src/functions.rs). Do not edit: run
 * `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated` to regenerate.
 *
 * Compile with: clang --target=wasm32 -nostdlib -O2 -Wl,--no-entry
 */
#ifndef STRATA_H
#define STRATA_H

#include <stdint.h>

#define STRATA_IMPORT(module, name) \
    __attribute__((import_module(module), import_name(name)))
#define STRATA_EXPORT(name) __attribute__((export_name(name)))

/* ---- module "svm" ---- */

/**
 * Copies `len` bytes of guest memory at `src_mem_ptr` into register
 * `dst_reg_idx` of the `dst_reg_bits`-bit bank, zero-padding it on the
 * right. `src_mem_idx` must be 0.
 *
 * Gas: 20 + 1 per byte of len.
 */
STRATA_IMPORT("svm", "mem_to_reg_copy")
void svm_mem_to_reg_copy(int32_t src_mem_idx, const void *src_mem_ptr, int32_t len, int32_t dst_reg_bits, int32_t dst_reg_idx);

/**
 * Copies the first `len` bytes of a register to guest memory at
 * `dst_mem_ptr`. `dst_mem_idx` must be 0.
 *
 * Gas: 20 + 1 per byte of len.
 */
STRATA_IMPORT("svm", "reg_to_mem_copy")
void svm_reg_to_mem_copy(int32_t src_reg_bits, int32_t src_reg_idx, int32_t len, int32_t dst_mem_idx, void *dst_mem_ptr);

/**
 * Reads `len` bytes at `offset` of page `src_page` into a register,
 * zero-padded. `src_slice` is ignored. A never-written slice reads as
 * zeros.
 *
 * Gas: 50 + 1 per byte of len.
 */
STRATA_IMPORT("svm", "storage_read_to_reg")
void svm_storage_read_to_reg(int32_t src_page, int32_t src_slice, int32_t offset, int32_t len, int32_t dst_reg_bits, int32_t dst_reg_idx);

/**
 * Reads `len` bytes at `offset` of page `src_page` into guest memory at
 * `dst_mem_ptr`. `src_slice` is ignored; `dst_mem_idx` must be 0.
 *
 * Gas: 50 + 1 per byte of len.
 */
STRATA_IMPORT("svm", "storage_read_to_mem")
void svm_storage_read_to_mem(int32_t src_page, int32_t src_slice, int32_t offset, int32_t len, int32_t dst_mem_idx, void *dst_mem_ptr);

/**
 * Writes `len` bytes of guest memory at `src_mem_ptr` to page
 * `dst_page` at `dst_offset`. `dst_slice` is ignored; `src_mem_idx`
 * must be 0.
 *
 * Gas: 100 + 2 per byte of len.
 */
STRATA_IMPORT("svm", "storage_write_from_mem")
void svm_storage_write_from_mem(int32_t src_mem_idx, const void *src_mem_ptr, int32_t len, int32_t dst_page, int32_t dst_slice, int32_t dst_offset);

/**
 * Writes the first `len` bytes of a register to page `dst_page` at
 * `dst_offset`. `dst_slice` is ignored.
 *
 * Gas: 100 + 2 per byte of len.
 */
STRATA_IMPORT("svm", "storage_write_from_reg")
void svm_storage_write_from_reg(int32_t src_reg_bits, int32_t src_reg_idx, int32_t len, int32_t dst_page, int32_t dst_slice, int32_t dst_offset);

/**
 * Sets byte `offset` of a register to `byte` (0..=255).
 *
 * Gas: 10.
 */
STRATA_IMPORT("svm", "reg_replace_byte")
void svm_reg_replace_byte(int32_t reg_bits, int32_t reg_idx, int32_t byte, int32_t offset);

/**
 * The register's first 8 bytes as a big-endian i64 (the register must
 * be at least 64 bits wide).
 *
 * Gas: 10.
 */
STRATA_IMPORT("svm", "reg_read_be_i64")
int64_t svm_reg_read_be_i64(int32_t reg_bits, int32_t reg_idx);

/**
 * Sets the register to `value` as 8 big-endian bytes, zero-padded (the
 * register must be at least 64 bits wide).
 *
 * Gas: 10.
 */
STRATA_IMPORT("svm", "reg_write_be_i64")
void svm_reg_write_be_i64(int64_t value, int32_t reg_bits, int32_t reg_idx);

/**
 * September 2019: the register's first 8 bytes as a little-endian i64
 * (the register must be at least 64 bits wide). Replaced by
 * `reg_read_be_i64` later that month.
 *
 * Gas: 10.
 */
STRATA_IMPORT("svm", "reg_read_le_i64")
int64_t svm_reg_read_le_i64(int32_t reg_bits, int32_t reg_idx);

/**
 * September 2019: sets the register to `value` as 8 little-endian
 * bytes, zero-padded (the register must be at least 64 bits wide).
 * Replaced by `reg_write_be_i64` later that month.
 *
 * Gas: 10.
 */
STRATA_IMPORT("svm", "reg_write_le_i64")
void svm_reg_write_le_i64(int64_t value, int32_t reg_bits, int32_t reg_idx);

/**
 * December 2019 (no slice argument): reads `len` bytes at `offset` of
 * page `page` into a register, zero-padded.
 *
 * Gas: 50 + 1 per byte of len.
 */
STRATA_IMPORT("svm", "storage_read_to_reg")
void svm_storage_read_to_reg_dec19(int32_t page, int32_t offset, int32_t len, int32_t reg_bits, int32_t reg_idx);

/**
 * December 2019 (no slice argument): reads `len` bytes at `offset` of
 * page `page` into guest memory at `mem_offset`. `mem_idx` must be 0.
 *
 * Gas: 50 + 1 per byte of len.
 */
STRATA_IMPORT("svm", "storage_read_to_mem")
void svm_storage_read_to_mem_dec19(int32_t page, int32_t offset, int32_t len, int32_t mem_idx, int32_t mem_offset);

/**
 * December 2019 (no slice argument): writes `len` bytes of guest memory
 * at `mem_offset` to page `page_idx` at `page_offset`. `mem_idx` must
 * be 0.
 *
 * Gas: 100 + 2 per byte of len.
 */
STRATA_IMPORT("svm", "storage_write_from_mem")
void svm_storage_write_from_mem_dec19(int32_t mem_idx, int32_t mem_offset, int32_t len, int32_t page_idx, int32_t page_offset);

/**
 * December 2019 (no slice argument): writes the first `len` bytes of a
 * register to page `page_idx` at `page_offset`.
 *
 * Gas: 100 + 2 per byte of len.
 */
STRATA_IMPORT("svm", "storage_write_from_reg")
void svm_storage_write_from_reg_dec19(int32_t reg_bits, int32_t reg_idx, int32_t len, int32_t page_idx, int32_t page_offset);

/* ---- module "strata" ---- */

/**
 * Copies `len` bytes at `offset` of storage page `page` to guest memory
 * at `dst_ptr`. A never-written slice reads as zeros.
 *
 * Gas: 50 + 1 per byte of len.
 */
STRATA_IMPORT("strata", "storage_read")
void strata_storage_read(int32_t page, int32_t offset, void *dst_ptr, int32_t len);

/**
 * Writes `len` bytes of guest memory at `src_ptr` to storage page
 * `page` at `offset`. Fails in a read-only query.
 *
 * Gas: 100 + 2 per byte of len.
 */
STRATA_IMPORT("strata", "storage_write")
void strata_storage_write(int32_t page, int32_t offset, const void *src_ptr, int32_t len);

/**
 * Reads `len` bytes at `offset` of page `page` into a register,
 * zero-padded.
 *
 * Gas: 50 + 1 per byte of len.
 */
STRATA_IMPORT("strata", "storage_read_reg")
void strata_storage_read_reg(int32_t page, int32_t offset, int32_t len, int32_t reg_bits, int32_t reg_idx);

/**
 * Writes the first `len` bytes of a register to page `page` at `offset`.
 *
 * Gas: 100 + 2 per byte of len.
 */
STRATA_IMPORT("strata", "storage_write_reg")
void strata_storage_write_reg(int32_t page, int32_t offset, int32_t reg_bits, int32_t reg_idx, int32_t len);

/**
 * Sets a register from `len` bytes of guest memory at `src_ptr`,
 * zero-padded.
 *
 * Gas: 20 + 1 per byte of len.
 */
STRATA_IMPORT("strata", "reg_set")
void strata_reg_set(int32_t reg_bits, int32_t reg_idx, const void *src_ptr, int32_t len);

/**
 * Copies the first `len` bytes of a register to guest memory at
 * `dst_ptr`.
 *
 * Gas: 20 + 1 per byte of len.
 */
STRATA_IMPORT("strata", "reg_get")
void strata_reg_get(int32_t reg_bits, int32_t reg_idx, void *dst_ptr, int32_t len);

/**
 * Writes the executing contract's 20-byte address at `dst_ptr`.
 *
 * Gas: 20.
 */
STRATA_IMPORT("strata", "address")
void strata_address(void *dst_ptr);

/**
 * Writes the 20-byte address of the caller (the transaction's sender or
 * the calling contract) at `dst_ptr`.
 *
 * Gas: 20.
 */
STRATA_IMPORT("strata", "sender")
void strata_sender(void *dst_ptr);

/**
 * The block height.
 *
 * Gas: 10.
 */
STRATA_IMPORT("strata", "block_height")
int64_t strata_block_height(void);

/**
 * The block time, in seconds since the Unix epoch.
 *
 * Gas: 10.
 */
STRATA_IMPORT("strata", "block_time")
int64_t strata_block_time(void);

/**
 * The gas left, after this call's own cost.
 *
 * Gas: 10.
 */
STRATA_IMPORT("strata", "gas_left")
int64_t strata_gas_left(void);

/**
 * The length of the call's input, in bytes.
 *
 * Gas: 10.
 */
STRATA_IMPORT("strata", "input_len")
int32_t strata_input_len(void);

/**
 * Copies `len` bytes of the call's input, from `offset`, to guest memory
 * at `dst_ptr`.
 *
 * Gas: 20 + 1 per byte of len.
 */
STRATA_IMPORT("strata", "input_copy")
void strata_input_copy(void *dst_ptr, int32_t offset, int32_t len);

/**
 * Sets the call's return data to `len` bytes at `src_ptr` (at most
 * 64 KiB; a later call replaces it).
 *
 * Gas: 20 + 1 per byte of len.
 */
STRATA_IMPORT("strata", "set_return")
void strata_set_return(const void *src_ptr, int32_t len);

/**
 * Emits an event: `topic_count` (at most 4) 32-byte topics at
 * `topics_ptr`, and `data_len` (at most 64 KiB) bytes of data at
 * `data_ptr`.
 *
 * Gas: 200 + 2 per byte of data_len.
 */
STRATA_IMPORT("strata", "emit_event")
void strata_emit_event(const void *topics_ptr, int32_t topic_count, const void *data_ptr, int32_t data_len);

/**
 * Records a debug log line of `msg_len` (at most 4 KiB) bytes of UTF-8
 * at `msg_ptr`. Invalid UTF-8 is not an error: each invalid sequence
 * becomes U+FFFD in the receipt (the same on every node). Control
 * characters are kept as they are in the receipt; the CLI escapes them
 * in its human output, so a message cannot fake a line of it.
 *
 * Gas: 20 + 1 per byte of msg_len.
 */
STRATA_IMPORT("strata", "log")
void strata_log(const void *msg_ptr, int32_t msg_len);

/**
 * Fails the transaction with the contract's message: `msg_len` (at most
 * 4 KiB) bytes of UTF-8 at `msg_ptr`. Every change is discarded. As with
 * `log`, invalid UTF-8 becomes U+FFFD and control characters are kept
 * in the receipt (escaped by the CLI's human output).
 *
 * Gas: 20 + 1 per byte of msg_len.
 */
STRATA_IMPORT("strata", "abort")
void strata_abort(const void *msg_ptr, int32_t msg_len);

/**
 * Writes the balance of the 20-byte address at `addr_ptr`, as 16 bytes
 * little-endian (u128), at `dst_ptr`.
 *
 * Gas: 100.
 */
STRATA_IMPORT("strata", "balance")
void strata_balance(const void *addr_ptr, void *dst_ptr);

/**
 * Moves the u128 (16 bytes little-endian at `amount_ptr`) from the
 * executing contract to the 20-byte address at `to_ptr`. Returns 0 when
 * done, 1 when the balance is too low (nothing moves).
 *
 * Gas: 500.
 */
STRATA_IMPORT("strata", "transfer")
int32_t strata_transfer(const void *to_ptr, const void *amount_ptr);

/**
 * Calls the function named by `func_len` bytes at `func_ptr` of the
 * contract at the 20-byte address at `addr_ptr`, with `input_len` bytes
 * of input at `input_ptr` and at most `gas` gas. The callee's writes are
 * rolled back when it fails. Returns a status: 0 success, 1 the callee
 * failed, 2 no contract there, 3 no such function, 4 re-entrancy
 * refused, 5 call depth limit. The callee's return data (or error
 * message) is then available through `call_return_len` and
 * `call_return_copy`.
 *
 * Gas: 1000 + 1 per byte of input_len.
 */
STRATA_IMPORT("strata", "call")
int32_t strata_call(const void *addr_ptr, const void *func_ptr, int32_t func_len, const void *input_ptr, int32_t input_len, int64_t gas);

/**
 * The value of the `key_len`-byte (at most 256) key at `key_ptr` in the
 * map whose 32-byte root is at `offset` of page `page`: copies up to
 * `dst_cap` bytes of it to `dst_ptr` and returns its length, or -1 when
 * the key has no entry. A nested map's value is its 32-byte root. Gas:
 * also 1 per byte copied and the tree levels first touched in the
 * transaction.
 *
 * Gas: 300 + 1 per byte of key_len.
 */
STRATA_IMPORT("strata", "map_get")
int32_t strata_map_get(int32_t page, int32_t offset, const void *key_ptr, int32_t key_len, void *dst_ptr, int32_t dst_cap);

/**
 * The value at the end of a path of keys through nested maps, read-only
 * (so it works in a query): `path_len` bytes at `path_ptr` hold each
 * key as a length byte and the key; every key but the last must hold a
 * nested map. Copies up to `dst_cap` bytes of the value to `dst_ptr`
 * and returns its length, or -1 when a key along the path has no
 * entry. Gas: also the tree levels of every map walked, on the path's
 * first read in the transaction.
 *
 * Gas: 300 + 1 per byte of path_len.
 */
STRATA_IMPORT("strata", "map_get_path")
int32_t strata_map_get_path(int32_t page, int32_t offset, const void *path_ptr, int32_t path_len, void *dst_ptr, int32_t dst_cap);

/**
 * 1 when the key at `key_ptr` has an entry in the map whose root is at
 * `offset` of page `page`, else 0.
 *
 * Gas: 300 + 1 per byte of key_len.
 */
STRATA_IMPORT("strata", "map_contains")
int32_t strata_map_contains(int32_t page, int32_t offset, const void *key_ptr, int32_t key_len);

/**
 * Sets the key at `key_ptr` (at most 256 bytes) to the `val_len` bytes
 * (at most 4096) at `val_ptr` in the map whose root is at `offset` of
 * page `page`, and writes the map's new root there. Fails in a
 * read-only query. Gas: also 1 per key byte and the tree levels first
 * written in the transaction.
 *
 * Gas: 500 + 2 per byte of val_len.
 */
STRATA_IMPORT("strata", "map_set")
void strata_map_set(int32_t page, int32_t offset, const void *key_ptr, int32_t key_len, const void *val_ptr, int32_t val_len);

/**
 * Removes the key at `key_ptr` from the map whose root is at `offset`
 * of page `page`: 1 when it had an entry, else 0 (nothing changes).
 *
 * Gas: 500 + 1 per byte of key_len.
 */
STRATA_IMPORT("strata", "map_remove")
int32_t strata_map_remove(int32_t page, int32_t offset, const void *key_ptr, int32_t key_len);

/**
 * The next entry of the map whose root is at `offset` of page `page`,
 * after the `after_len`-byte key at `after_ptr` (from the first entry
 * when `after_len` is -1), in the order of the keys' hashes (stable on
 * every node; the key need not be in the map). Writes the entry's key
 * at `key_dst` (room for 256 bytes needed) and up to `val_cap` bytes of
 * its value at `val_dst`. Returns -1 after the last entry, else key
 * length + value length * 65536 + 2^32 if the value is a nested map.
 *
 * Gas: 300 + 1 per byte of val_cap.
 */
STRATA_IMPORT("strata", "map_next")
int64_t strata_map_next(int32_t page, int32_t offset, const void *after_ptr, int32_t after_len, int32_t key_dst, int32_t val_dst, int32_t val_cap);

/**
 * Copies the root of the nested map under the key at `key_ptr` to the
 * 32-byte slice at `dst_offset` of page `dst_page`, where map calls can
 * use it: 1 when the key holds a map, 0 when it has no entry (the slice
 * is then zeroed: an empty map). An entry of bytes is an error. The
 * slice stays linked to the entry: when the calling frame returns
 * without failing, a root the slice holds then that differs from the
 * one copied is set back into the entry (innermost first, at
 * `GasSchedule::map_fold` gas plus the key's bytes and the levels of
 * a write), so changes made through the slice persist without
 * `map_set_map`.
 *
 * Gas: 300 + 1 per byte of key_len.
 */
STRATA_IMPORT("strata", "map_get_map")
int32_t strata_map_get_map(int32_t page, int32_t offset, const void *key_ptr, int32_t key_len, int32_t dst_page, int32_t dst_offset);

/**
 * Sets the key at `key_ptr` to the nested map whose root is the 32-byte
 * slice at `src_offset` of page `src_page` (zeros: an empty map), marked
 * as a map so that it stays part of the state. A slice `map_get_map`
 * filled is folded back into its entry when the frame ends; this sets
 * any slice's map under any key, at once.
 *
 * Gas: 500 + 1 per byte of key_len.
 */
STRATA_IMPORT("strata", "map_set_map")
void strata_map_set_map(int32_t page, int32_t offset, const void *key_ptr, int32_t key_len, int32_t src_page, int32_t src_offset);

/**
 * The length of the last call's return data.
 *
 * Gas: 10.
 */
STRATA_IMPORT("strata", "call_return_len")
int32_t strata_call_return_len(void);

/**
 * Copies `len` bytes of the last call's return data, from `offset`, to
 * guest memory at `dst_ptr`.
 *
 * Gas: 20 + 1 per byte of len.
 */
STRATA_IMPORT("strata", "call_return_copy")
void strata_call_return_copy(void *dst_ptr, int32_t offset, int32_t len);

/* ---- module "node" ---- */

/**
 * The balance of the account whose 20-byte address is in the first
 * bytes of register `reg_idx` of the `reg_bits`-bit bank (at least 160
 * bits). A balance over `i64::MAX` is an error, not a wrapped value.
 *
 * Gas: 100.
 */
STRATA_IMPORT("node", "vmcall_get_balance")
int64_t node_vmcall_get_balance(int32_t reg_bits, int32_t reg_idx);

/**
 * Sets the balance of the account whose address is in the register to
 * `value`, which must not be negative. Fails in a read-only query.
 *
 * Gas: 500.
 */
STRATA_IMPORT("node", "vmcall_set_balance")
void node_vmcall_set_balance(int64_t value, int32_t reg_bits, int32_t reg_idx);

/* ---- module "env" ---- */

/**
 * As `node.vmcall_get_balance`.
 *
 * Gas: 100.
 */
STRATA_IMPORT("env", "get_balance")
int64_t env_get_balance(int32_t reg_bits, int32_t reg_idx);

/**
 * As `node.vmcall_set_balance`.
 *
 * Gas: 500.
 */
STRATA_IMPORT("env", "set_balance")
void env_set_balance(int64_t value, int32_t reg_bits, int32_t reg_idx);

#endif /* STRATA_H */
