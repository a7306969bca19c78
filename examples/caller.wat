;; A contract that calls another. Input: the target's 20-byte address, then
;; the function's name. It calls it with at most 500,000 gas, keeps the
;; callee's return data as its own, counts its calls at page 0, offset 8,
;; and returns the call's status: 0 success, 1 the callee failed (its writes
;; were rolled back, this contract's stay), 2 no contract, 3 no function,
;; 4 re-entrancy refused, 5 call depth limit.
;;
;;   strata call CALLER forward --input COUNTER_HEX40$(printf inc | xxd -p)
(module
  (import "strata" "input_len" (func $input_len (result i32)))
  (import "strata" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "strata" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
  (import "strata" "call_return_len" (func $rlen (result i32)))
  (import "strata" "call_return_copy" (func $rcopy (param i32 i32 i32)))
  (import "strata" "set_return" (func $ret (param i32 i32)))
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "forward") (result i32)
    (local $len i32) (local $status i32)
    (local.set $len (call $input_len))
    (call $input_copy (i32.const 1024) (i32.const 0) (local.get $len))
    (local.set $status
      (call $call (i32.const 1024) (i32.const 1044) (i32.sub (local.get $len) (i32.const 20))
        (i32.const 0) (i32.const 0) (i64.const 500000)))
    (call $read (i32.const 0) (i32.const 8) (i32.const 16) (i32.const 8))
    (i64.store (i32.const 16) (i64.add (i64.load (i32.const 16)) (i64.const 1)))
    (call $write (i32.const 0) (i32.const 8) (i32.const 16) (i32.const 8))
    (call $rcopy (i32.const 4096) (i32.const 0) (call $rlen))
    (call $ret (i32.const 4096) (call $rlen))
    (local.get $status)))
