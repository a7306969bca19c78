;; An SVM-style contract of the autumn 2019 era calling the node's balance
;; vmcalls (module `node`), in the legacy text format of 2019's wabt.
;; Written for Strata's tests, not copied from SVM.
;;
;; The account's 20-byte address comes from the call's arguments: `hi` is
;; its bytes 12..20, big-endian, written with reg_write_be_i64 at offset 0 of
;; register 256:1 and moved to offset 12 through memory (mem_to_reg_copy),
;; so bytes 0..12 are zero.
;;
;; Expected results (checked by runtime/tests/svm_legacy.rs and
;; cli/tests/svm_legacy.rs):
;; - `set(0x0102030405060708, 500)` gives account 00 x12 01 02 .. 08 the
;;   balance 500; `balance(0x0102030405060708)` returns 500.
;; - `scale(0x0102030405060708, 4)` makes it 2000 and returns 2000.
;; - `set(x, -1)` fails: a balance cannot be negative.
(module
  (import "svm" "reg_write_be_i64" (func $reg_set (param i64 i32 i32)))
  (import "svm" "reg_to_mem_copy" (func $reg_to_mem (param i32 i32 i32 i32 i32)))
  (import "svm" "mem_to_reg_copy" (func $mem_to_reg (param i32 i32 i32 i32 i32)))
  (import "node" "vmcall_get_balance" (func $get_balance (param i32 i32) (result i64)))
  (import "node" "vmcall_set_balance" (func $set_balance (param i64 i32 i32)))
  (memory 1)
  ;; Puts the address 00 x12 ++ hi (big-endian) in register 160:0.
  (func $address (param $hi i64)
    (call $reg_set (get_local $hi) (i32.const 64) (i32.const 0))
    ;; 12 zero bytes at 100, then the 8 address bytes at 112
    (i64.store (i32.const 100) (i64.const 0))
    (i32.store (i32.const 108) (i32.const 0))
    (call $reg_to_mem (i32.const 64) (i32.const 0) (i32.const 8) (i32.const 0) (i32.const 112))
    (call $mem_to_reg (i32.const 0) (i32.const 100) (i32.const 20) (i32.const 160) (i32.const 0)))
  (func (export "set") (param i64 i64)
    (call $address (get_local 0))
    (call $set_balance (get_local 1) (i32.const 160) (i32.const 0)))
  (func (export "balance") (param i64) (result i64)
    (call $address (get_local 0))
    (call $get_balance (i32.const 160) (i32.const 0)))
  (func (export "scale") (param i64 i64) (result i64)
    (local $new i64)
    (call $address (get_local 0))
    (set_local $new (i64.mul (call $get_balance (i32.const 160) (i32.const 0)) (get_local 1)))
    (call $set_balance (get_local $new) (i32.const 160) (i32.const 0))
    (get_local $new)))
