;; An SVM-style contract of the September 2019 era, in the legacy text
;; format of 2019's wabt: registers are read and written as little-endian
;; i64 (reg_read_le_i64, reg_write_le_i64), and storage calls take a slice
;; argument. Written for Strata's tests, not copied from SVM.
;;
;; Expected results (checked by runtime/tests/svm_legacy.rs and
;; cli/tests/svm_legacy.rs):
;; - `store(0x0102030405060708)` puts 08 07 06 05 04 03 02 01 at page 0
;;   offset 16 (little-endian), through register 64:3.
;; - `load()` then returns 0x0102030405060708 (storage -> register 64:1 ->
;;   reg_read_le_i64).
;; - `spill()` copies register 64:3 to memory at 64 and returns the i64 there,
;;   the same value again (wasm memory is little-endian too).
;; - `swap_bytes(1)` returns 0x0100000000000000: written little-endian, read
;;   back big-endian (both eras' register calls in one contract).
;; - `peek()` returns register 64:7 as a little-endian i64: what a caller
;;   seeded there (`strata call ADDR peek --reg 64:7=2a00`: 42), else 0.
(module
  (import "svm" "reg_write_le_i64" (func $reg_set_le (param i64 i32 i32)))
  (import "svm" "reg_read_le_i64" (func $reg_get_le (param i32 i32) (result i64)))
  (import "svm" "reg_read_be_i64" (func $reg_get_be (param i32 i32) (result i64)))
  (import "svm" "reg_to_mem_copy" (func $reg_to_mem (param i32 i32 i32 i32 i32)))
  (import "svm" "storage_write_from_reg" (func $write_reg (param i32 i32 i32 i32 i32 i32)))
  (import "svm" "storage_read_to_reg" (func $read_reg (param i32 i32 i32 i32 i32 i32)))
  (memory 1)
  (func (export "store") (param i64)
    (call $reg_set_le (get_local 0) (i32.const 64) (i32.const 3))
    ;; register 64:3, 8 bytes -> page 0, slice 2, offset 16
    (call $write_reg (i32.const 64) (i32.const 3) (i32.const 8) (i32.const 0) (i32.const 2) (i32.const 16)))
  (func (export "load") (result i64)
    ;; page 0, slice 5, offset 16, 8 bytes -> register 64:1
    (call $read_reg (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 8) (i32.const 64) (i32.const 1))
    (call $reg_get_le (i32.const 64) (i32.const 1)))
  (func (export "spill") (result i64)
    (call $read_reg (i32.const 0) (i32.const 0) (i32.const 16) (i32.const 8) (i32.const 64) (i32.const 3))
    (call $reg_to_mem (i32.const 64) (i32.const 3) (i32.const 8) (i32.const 0) (i32.const 64))
    (i64.load (i32.const 64)))
  (func (export "peek") (result i64)
    (call $reg_get_le (i32.const 64) (i32.const 7)))
  (func (export "swap_bytes") (param i64) (result i64)
    (call $reg_set_le (get_local 0) (i32.const 64) (i32.const 0))
    (call $reg_get_be (i32.const 64) (i32.const 0))))
