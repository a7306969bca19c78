;; A token: balances of up to 146 holders in a table on storage page 0
;; (u32 count at offset 0, then entries of a 20-byte address and an i64
;; little-endian balance), and a transfer event for every transfer.
;;
;;   strata deploy examples/token.wat --ctor init i64:1000000
;;       mints the supply to the deployer (--author)
;;   strata call TOKEN transfer i64:250 --input RECIPIENT_HEX40 --sender FROM_HEX40
;;       emits event topics ["transfer", from, to], data: the amount
;;   strata query TOKEN balance_of --input HOLDER_HEX40
(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "sender" (func $sender (param i32)))
  (import "strata" "input_len" (func $input_len (result i32)))
  (import "strata" "input_copy" (func $input (param i32 i32 i32)))
  (import "strata" "emit_event" (func $event (param i32 i32 i32 i32)))
  (import "strata" "abort" (func $abort (param i32 i32)))
  (memory (export "memory") 1)
  ;; 0..4096: the holder table (page 0); 8192: sender; 8224: recipient;
  ;; 8256: three event topics; 8352: event data; 9000: messages.
  (data (i32.const 8256) "transfer")
  (data (i32.const 9000) "input must be a 20-byte address")
  (data (i32.const 9040) "insufficient balance")
  (data (i32.const 9070) "holder table full")
  (data (i32.const 9090) "amount must be positive")

  (func $load (call $read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 4096)))
  (func $save (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 4096)))

  ;; Whether the 20-byte addresses at $a and $b are equal.
  (func $same (param $a i32) (param $b i32) (result i32)
    (i32.and
      (i32.and
        (i64.eq (i64.load (local.get $a)) (i64.load (local.get $b)))
        (i64.eq (i64.load offset=8 (local.get $a)) (i64.load offset=8 (local.get $b))))
      (i32.eq (i32.load offset=16 (local.get $a)) (i32.load offset=16 (local.get $b)))))

  ;; The table entry of the address at $addr, or -1.
  (func $find (param $addr i32) (result i32)
    (local $i i32) (local $entry i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
        (local.set $entry (i32.add (i32.const 8) (i32.mul (local.get $i) (i32.const 28))))
        (if (call $same (local.get $entry) (local.get $addr))
          (then (return (local.get $entry))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const -1))

  ;; The entry of $addr, appended with a zero balance when missing.
  (func $slot (param $addr i32) (result i32)
    (local $entry i32) (local $count i32)
    (local.set $entry (call $find (local.get $addr)))
    (if (i32.ge_s (local.get $entry) (i32.const 0)) (then (return (local.get $entry))))
    (local.set $count (i32.load (i32.const 0)))
    (if (i32.ge_u (local.get $count) (i32.const 146))
      (then (call $abort (i32.const 9070) (i32.const 17))))
    (local.set $entry (i32.add (i32.const 8) (i32.mul (local.get $count) (i32.const 28))))
    (memory.copy (local.get $entry) (local.get $addr) (i32.const 20))
    (i64.store offset=20 (local.get $entry) (i64.const 0))
    (i32.store (i32.const 0) (i32.add (local.get $count) (i32.const 1)))
    (local.get $entry))

  (func $read_address (param $dst i32)
    (if (i32.ne (call $input_len) (i32.const 20))
      (then (call $abort (i32.const 9000) (i32.const 31))))
    (call $input (local.get $dst) (i32.const 0) (i32.const 20)))

  ;; Constructor: mints `supply` to the deployer.
  (func (export "init") (param $supply i64)
    (local $entry i32)
    (call $load)
    (call $sender (i32.const 8192))
    (local.set $entry (call $slot (i32.const 8192)))
    (i64.store offset=20 (local.get $entry)
      (i64.add (i64.load offset=20 (local.get $entry)) (local.get $supply)))
    (call $save))

  ;; The balance of the address given as input.
  (func (export "balance_of") (result i64)
    (local $entry i32)
    (call $read_address (i32.const 8224))
    (call $load)
    (local.set $entry (call $find (i32.const 8224)))
    (if (result i64) (i32.lt_s (local.get $entry) (i32.const 0))
      (then (i64.const 0))
      (else (i64.load offset=20 (local.get $entry)))))

  ;; Moves `amount` from the sender to the address given as input.
  (func (export "transfer") (param $amount i64) (result i32)
    (local $from i32) (local $to i32)
    (if (i64.le_s (local.get $amount) (i64.const 0))
      (then (call $abort (i32.const 9090) (i32.const 23))))
    (call $read_address (i32.const 8224))
    (call $load)
    (call $sender (i32.const 8192))
    (local.set $from (call $find (i32.const 8192)))
    (if (i32.lt_s (local.get $from) (i32.const 0))
      (then (call $abort (i32.const 9040) (i32.const 20))))
    (if (i64.lt_s (i64.load offset=20 (local.get $from)) (local.get $amount))
      (then (call $abort (i32.const 9040) (i32.const 20))))
    (local.set $to (call $slot (i32.const 8224)))
    (i64.store offset=20 (local.get $from)
      (i64.sub (i64.load offset=20 (local.get $from)) (local.get $amount)))
    (i64.store offset=20 (local.get $to)
      (i64.add (i64.load offset=20 (local.get $to)) (local.get $amount)))
    (call $save)
    ;; topics: "transfer", from, to (addresses zero-padded to 32 bytes)
    (memory.copy (i32.const 8288) (i32.const 8192) (i32.const 20))
    (memory.copy (i32.const 8320) (i32.const 8224) (i32.const 20))
    (i64.store (i32.const 8352) (local.get $amount))
    (call $event (i32.const 8256) (i32.const 3) (i32.const 8352) (i32.const 8))
    (i32.const 0)))
