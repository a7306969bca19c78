;; An SVM-style contract of the late-September to early-December 2019 era,
;; written in the legacy text format of 2019's wabt (get_local, set_local,
;; tee_local, i64.extend_u/i32, ...). Storage calls take a slice argument and
;; registers are big-endian. Written for Strata's tests, not copied from SVM.
;;
;; Expected results (checked by runtime/tests/svm_legacy.rs):
;; - `add(5)` then `add(7)` return 5 and 12; page 0 bytes 0..8 are 12 big-endian.
;; - `copy` stores "get_local" (the data string, untouched by translation) at
;;   page 1 offset 3, and returns its length 9 widened with i64.extend_u/i32.
(module
  (import "svm" "storage_read_to_reg" (func $read_reg (param i32 i32 i32 i32 i32 i32)))
  (import "svm" "storage_write_from_reg" (func $write_reg (param i32 i32 i32 i32 i32 i32)))
  (import "svm" "storage_write_from_mem" (func $write_mem (param i32 i32 i32 i32 i32 i32)))
  (import "svm" "reg_read_be_i64" (func $reg_get (param i32 i32) (result i64)))
  (import "svm" "reg_write_be_i64" (func $reg_set (param i64 i32 i32)))
  (memory 1)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 0) "get_local")
  (func (export "add") (param i64) (result i64)
    (local $sum i64)
    (set_global $calls (i32.add (get_global $calls) (i32.const 1)))
    ;; page 0, slice 0, offset 0, 8 bytes -> 64-bit register 0
    (call $read_reg (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 64) (i32.const 0))
    (set_local $sum (i64.add (call $reg_get (i32.const 64) (i32.const 0)) (get_local 0)))
    (call $reg_set (tee_local $sum (get_local $sum)) (i32.const 64) (i32.const 0))
    (call $write_reg (i32.const 64) (i32.const 0) (i32.const 8) (i32.const 0) (i32.const 0) (i32.const 0))
    (get_local $sum))
  (func (export "copy") (result i64)
    (local $len i32)
    (set_local $len (i32.const 9))
    ;; memory 0 at 0, len bytes -> page 1, slice 0, offset 3
    (call $write_mem (i32.const 0) (i32.const 0) (get_local $len) (i32.const 1) (i32.const 0) (i32.const 3))
    (i64.extend_u/i32 (get_local $len))))
