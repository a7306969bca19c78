;; A counter: an i64 at page 0, offset 0 of the contract's storage.
;;
;;   strata deploy examples/counter.wat
;;   strata call ADDRESS inc           -> i64:1, an event, a log line
;;   strata call ADDRESS add i64:10    -> i64:11
;;   strata query ADDRESS get          -> i64:11 (read-only, never commits)
;;   strata call ADDRESS fail          -> exit 1; the write before the trap is undone
(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "emit_event" (func $event (param i32 i32 i32 i32)))
  (import "strata" "set_return" (func $ret (param i32 i32)))
  (import "strata" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "counter.inc")
  (data (i32.const 128) "counter incremented")

  (func $load (result i64)
    (call $read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0)))
  (func $store (param i64)
    (i64.store (i32.const 0) (local.get 0))
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8)))

  ;; Adds one; emits an event (topic "counter.inc", data: the new value).
  (func (export "inc") (result i64)
    (call $store (i64.add (call $load) (i64.const 1)))
    (call $event (i32.const 64) (i32.const 1) (i32.const 0) (i32.const 8))
    (call $ret (i32.const 0) (i32.const 8))
    (call $log (i32.const 128) (i32.const 19))
    (call $load))

  ;; Adds n.
  (func (export "add") (param $n i64) (result i64)
    (call $store (i64.add (call $load) (local.get $n)))
    (call $load))

  ;; The current value.
  (func (export "get") (result i64) (call $load))

  ;; Writes, then traps: the write never lands.
  (func (export "fail")
    (call $store (i64.const -1))
    unreachable))
