;; An SVM-style contract of the December 2019 era, in the legacy text format
;; of 2019's wabt: the storage calls have no slice argument (five
;; parameters), registers are big-endian, and the node's balance calls come
;; from module `env`. Written for Strata's tests, not copied from SVM.
;;
;; Strata resolves `svm.storage_read_to_reg` and the other storage calls by
;; signature: these five-parameter imports bind to the December variants.
;;
;; Expected results (checked by runtime/tests/svm_legacy.rs and
;; cli/tests/svm_legacy.rs):
;; - `put(1, 100, 0x1122334455667788)` writes 11 22 33 44 55 66 77 88 at
;;   page 1 offset 100 (big-endian, through register 64:0); `get(1, 100)`
;;   returns 0x1122334455667788.
;; - `stamp(2, 7)` writes "dec-2019" (from the data segment) at page 2
;;   offset 7 and returns the first 8 bytes read back through memory, as a
;;   little-endian i64 (0x393130322d636564).
;; - `mul_balance(3)`: the account 00..00 aa bb cc (its address built in
;;   register 160:0 with reg_replace_byte) gets 3 times its balance; returns
;;   the new balance and keeps it, big-endian, at page 0 offset 0.
(module
  (import "svm" "storage_write_from_reg" (func $write_reg (param i32 i32 i32 i32 i32)))
  (import "svm" "storage_read_to_reg" (func $read_reg (param i32 i32 i32 i32 i32)))
  (import "svm" "storage_write_from_mem" (func $write_mem (param i32 i32 i32 i32 i32)))
  (import "svm" "storage_read_to_mem" (func $read_mem (param i32 i32 i32 i32 i32)))
  (import "svm" "reg_write_be_i64" (func $reg_set (param i64 i32 i32)))
  (import "svm" "reg_read_be_i64" (func $reg_get (param i32 i32) (result i64)))
  (import "svm" "reg_replace_byte" (func $reg_byte (param i32 i32 i32 i32)))
  (import "env" "get_balance" (func $get_balance (param i32 i32) (result i64)))
  (import "env" "set_balance" (func $set_balance (param i64 i32 i32)))
  (memory 1)
  (data (i32.const 32) "dec-2019")
  (func (export "put") (param i32 i32 i64)
    (call $reg_set (get_local 2) (i32.const 64) (i32.const 0))
    ;; register 64:0, 8 bytes -> page, offset
    (call $write_reg (i32.const 64) (i32.const 0) (i32.const 8) (get_local 0) (get_local 1)))
  (func (export "get") (param i32 i32) (result i64)
    ;; page, offset, 8 bytes -> register 64:1
    (call $read_reg (get_local 0) (get_local 1) (i32.const 8) (i32.const 64) (i32.const 1))
    (call $reg_get (i32.const 64) (i32.const 1)))
  (func (export "stamp") (param i32 i32) (result i64)
    ;; memory 0 at 32, 8 bytes -> page, offset
    (call $write_mem (i32.const 0) (i32.const 32) (i32.const 8) (get_local 0) (get_local 1))
    ;; page, offset, 8 bytes -> memory 0 at 200
    (call $read_mem (get_local 0) (get_local 1) (i32.const 8) (i32.const 0) (i32.const 200))
    (i64.load (i32.const 200)))
  (func (export "mul_balance") (param i64) (result i64)
    (local $new i64)
    (call $reg_set (i64.const 0) (i32.const 160) (i32.const 0))
    (call $reg_byte (i32.const 160) (i32.const 0) (i32.const 0xaa) (i32.const 17))
    (call $reg_byte (i32.const 160) (i32.const 0) (i32.const 0xbb) (i32.const 18))
    (call $reg_byte (i32.const 160) (i32.const 0) (i32.const 0xcc) (i32.const 19))
    (set_local $new (i64.mul (call $get_balance (i32.const 160) (i32.const 0)) (get_local 0)))
    (call $set_balance (get_local $new) (i32.const 160) (i32.const 0))
    (call $reg_set (get_local $new) (i32.const 64) (i32.const 2))
    (call $write_reg (i32.const 64) (i32.const 2) (i32.const 8) (i32.const 0) (i32.const 0))
    (get_local $new)))
