;; A script interpreter over the map functions, for the runtime's map tests.
;; `run` reads its input as a sequence of operations on the maps whose roots
;; are the 32-byte slices of page 0 (slot n at offset 32 n), appends each
;; result to its output, and returns the output:
;;   1 slot klen key vlen(u16) value   map_set
;;   2 slot klen key                   map_remove       -> 1 byte
;;   3 slot klen key                   map_get          -> i32 len, value
;;   4 slot klen key (klen 255: start) map_next         -> i64 result, key, value
;;   5                                 trap
;;   6 addr(20) len(u16) script        call `run` of addr -> 1 byte status
;;   7 slot klen key dst_slot          map_get_map      -> 1 byte
;;   8 slot klen key src_slot          map_set_map
;;   9 slot root(32)                   a plain 32-byte write over the slot
;;  10 slot plen path                  map_get_path     -> i32 len, value
(module
  (import "strata" "input_len" (func $input_len (result i32)))
  (import "strata" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "strata" "set_return" (func $ret (param i32 i32)))
  (import "strata" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
  (import "strata" "map_get" (func $get (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "strata" "map_set" (func $set (param i32 i32 i32 i32 i32 i32)))
  (import "strata" "map_remove" (func $remove (param i32 i32 i32 i32) (result i32)))
  (import "strata" "map_next" (func $next (param i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (import "strata" "map_get_map" (func $getmap (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "strata" "map_set_map" (func $setmap (param i32 i32 i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "map_get_path" (func $getpath (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 120000) "run")
  (func (export "run")
    (local $p i32) (local $end i32) (local $out i32) (local $op i32) (local $slot i32)
    (local $klen i32) (local $key i32) (local $vlen i32) (local $r i64) (local $n i32)
    (local.set $end (call $input_len))
    (call $input_copy (i32.const 0) (i32.const 0) (local.get $end))
    (local.set $out (i32.const 65536))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $op (i32.load8_u (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.eq (local.get $op) (i32.const 5)) (then unreachable))
        (if (i32.eq (local.get $op) (i32.const 6)) (then
          (local.set $vlen (i32.load16_u (i32.add (local.get $p) (i32.const 20))))
          (i32.store8 (local.get $out)
            (call $call (local.get $p) (i32.const 120000) (i32.const 3)
              (i32.add (local.get $p) (i32.const 22)) (local.get $vlen) (i64.const 50000000)))
          (local.set $out (i32.add (local.get $out) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.add (i32.const 22) (local.get $vlen))))
          (br $loop)))
        (if (i32.eq (local.get $op) (i32.const 9)) (then
          (call $write (i32.const 0) (i32.mul (i32.load8_u (local.get $p)) (i32.const 32))
            (i32.add (local.get $p) (i32.const 1)) (i32.const 32))
          (local.set $p (i32.add (local.get $p) (i32.const 33)))
          (br $loop)))
        (if (i32.eq (local.get $op) (i32.const 10)) (then
          (local.set $klen (i32.load8_u (i32.add (local.get $p) (i32.const 1))))
          (local.set $n (call $getpath (i32.const 0) (i32.mul (i32.load8_u (local.get $p)) (i32.const 32))
            (i32.add (local.get $p) (i32.const 2)) (local.get $klen)
            (i32.add (local.get $out) (i32.const 4)) (i32.const 4096)))
          (i32.store (local.get $out) (local.get $n))
          (local.set $out (i32.add (local.get $out) (i32.add (i32.const 4)
            (select (local.get $n) (i32.const 0) (i32.ge_s (local.get $n) (i32.const 0))))))
          (local.set $p (i32.add (local.get $p) (i32.add (i32.const 2) (local.get $klen))))
          (br $loop)))
        (local.set $slot (i32.mul (i32.load8_u (local.get $p)) (i32.const 32)))
        (local.set $klen (i32.load8_u (i32.add (local.get $p) (i32.const 1))))
        (local.set $key (i32.add (local.get $p) (i32.const 2)))
        (local.set $p (i32.add (local.get $key)
          (select (i32.const 0) (local.get $klen) (i32.eq (local.get $klen) (i32.const 255)))))
        (if (i32.eq (local.get $op) (i32.const 1)) (then
          (local.set $vlen (i32.load16_u (local.get $p)))
          (call $set (i32.const 0) (local.get $slot) (local.get $key) (local.get $klen)
            (i32.add (local.get $p) (i32.const 2)) (local.get $vlen))
          (local.set $p (i32.add (local.get $p) (i32.add (i32.const 2) (local.get $vlen))))))
        (if (i32.eq (local.get $op) (i32.const 2)) (then
          (i32.store8 (local.get $out)
            (call $remove (i32.const 0) (local.get $slot) (local.get $key) (local.get $klen)))
          (local.set $out (i32.add (local.get $out) (i32.const 1)))))
        (if (i32.eq (local.get $op) (i32.const 3)) (then
          (local.set $n (call $get (i32.const 0) (local.get $slot) (local.get $key) (local.get $klen)
            (i32.add (local.get $out) (i32.const 4)) (i32.const 4096)))
          (i32.store (local.get $out) (local.get $n))
          (local.set $out (i32.add (local.get $out) (i32.add (i32.const 4)
            (select (local.get $n) (i32.const 0) (i32.ge_s (local.get $n) (i32.const 0))))))))
        (if (i32.eq (local.get $op) (i32.const 4)) (then
          (local.set $r (call $next (i32.const 0) (local.get $slot) (local.get $key)
            (select (i32.const -1) (local.get $klen) (i32.eq (local.get $klen) (i32.const 255)))
            (i32.add (local.get $out) (i32.const 8)) (i32.const 100000) (i32.const 4096)))
          (i64.store (local.get $out) (local.get $r))
          (if (i64.ge_s (local.get $r) (i64.const 0)) (then
            (local.set $klen (i32.wrap_i64 (i64.and (local.get $r) (i64.const 0xffff))))
            (local.set $vlen (i32.wrap_i64 (i64.and (i64.shr_u (local.get $r) (i64.const 16)) (i64.const 0xffff))))
            (memory.copy (i32.add (local.get $out) (i32.add (i32.const 8) (local.get $klen)))
              (i32.const 100000) (local.get $vlen))
            (local.set $out (i32.add (local.get $out) (i32.add (local.get $klen) (local.get $vlen))))))
          (local.set $out (i32.add (local.get $out) (i32.const 8)))))
        (if (i32.eq (local.get $op) (i32.const 7)) (then
          (i32.store8 (local.get $out)
            (call $getmap (i32.const 0) (local.get $slot) (local.get $key) (local.get $klen)
              (i32.const 0) (i32.mul (i32.load8_u (local.get $p)) (i32.const 32))))
          (local.set $out (i32.add (local.get $out) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))))
        (if (i32.eq (local.get $op) (i32.const 8)) (then
          (call $setmap (i32.const 0) (local.get $slot) (local.get $key) (local.get $klen)
            (i32.const 0) (i32.mul (i32.load8_u (local.get $p)) (i32.const 32)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))))
        (br $loop)))
    (call $ret (i32.const 65536) (i32.sub (local.get $out) (i32.const 65536))))
  ;; Bad input: map_set with any root slice, key and value lengths.
  (func (export "set_raw") (param $page i32) (param $offset i32) (param $klen i32) (param $vlen i32)
    (call $set (local.get $page) (local.get $offset) (i32.const 0) (local.get $klen)
      (i32.const 0) (local.get $vlen)))
  (func (export "get_raw") (param $page i32) (param $offset i32) (param $klen i32) (result i32)
    (call $get (local.get $page) (local.get $offset) (i32.const 0) (local.get $klen)
      (i32.const 70000) (i32.const 4096)))
  ;; A plain write over any slice (to corrupt a root).
  (func (export "poke") (param $page i32) (param $offset i32) (param $value i64)
    (i64.store (i32.const 70000) (local.get $value))
    (call $write (local.get $page) (local.get $offset) (i32.const 70000) (i32.const 8))))
