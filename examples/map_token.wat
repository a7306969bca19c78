;; An ERC-20-style token whose balances and allowances are maps, so it has
;; no limit on holders: storage page 0 holds only roots and the supply.
;;   offset 0:   balances map root   (holder address -> i64 LE balance)
;;   offset 32:  allowances map root (owner ++ spender -> i64 LE)
;;   offset 64:  total supply (i64 LE)
;;   offset 96:  the owner, who may mint (20 bytes)
;; A zero balance or allowance is removed from its map. (Allowances are one
;; map keyed by both addresses rather than a map of nested maps: one tree
;; walk instead of two, and no nested root to fold back on every change.)
;;
;;   strata deploy examples/map_token.wat --ctor init          (--author: the owner)
;;   strata call TOKEN mint i64:1000 --input TO_HEX40          (owner only)
;;   strata call TOKEN transfer i64:250 --input TO_HEX40 --sender FROM_HEX40
;;   strata call TOKEN approve i64:100 --input SPENDER_HEX40 --sender OWNER_HEX40
;;   strata call TOKEN transfer_from i64:60 --input FROM_HEX40TO_HEX40 --sender SPENDER_HEX40
;;   strata query TOKEN balance_of --input HOLDER_HEX40
;;   strata query TOKEN allowance --input OWNER_HEX40SPENDER_HEX40
;;   strata query TOKEN total_supply
;; Events: topics ["Transfer", from, to] (from zero for a mint) and
;; ["Approval", owner, spender], each with the amount (8 bytes LE) as data.
(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "sender" (func $sender (param i32)))
  (import "strata" "input_len" (func $input_len (result i32)))
  (import "strata" "input_copy" (func $input (param i32 i32 i32)))
  (import "strata" "emit_event" (func $event (param i32 i32 i32 i32)))
  (import "strata" "abort" (func $abort (param i32 i32)))
  (import "strata" "map_get" (func $map_get (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "strata" "map_set" (func $map_set (param i32 i32 i32 i32 i32 i32)))
  (import "strata" "map_remove" (func $map_remove (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 1000: input (two addresses); 1100: sender; 1200: three topics;
  ;; 1300: event data; 1400: a value; 1500: 32 zeros; 1600: an allowance
  ;; key (owner ++ spender); 2000: strings.
  (data (i32.const 2000) "Transfer")
  (data (i32.const 2040) "Approval")
  (data (i32.const 2100) "input must hold 20-byte addresses")
  (data (i32.const 2140) "insufficient balance")
  (data (i32.const 2170) "insufficient allowance")
  (data (i32.const 2200) "only the owner mints")
  (data (i32.const 2230) "amount must be positive")
  (data (i32.const 2260) "supply overflow")

  (func $fail (param $msg i32) (param $len i32)
    (call $abort (local.get $msg) (local.get $len)))

  ;; Copies `n` addresses of input to 1000.. and checks the input's length.
  (func $addresses (param $n i32)
    (if (i32.ne (call $input_len) (i32.mul (local.get $n) (i32.const 20)))
      (then (call $fail (i32.const 2100) (i32.const 33))))
    (call $input (i32.const 1000) (i32.const 0) (i32.mul (local.get $n) (i32.const 20))))

  (func $positive (param $amount i64)
    (if (i64.le_s (local.get $amount) (i64.const 0))
      (then (call $fail (i32.const 2230) (i32.const 23)))))

  ;; The i64 under the key of $klen bytes at $key in the map rooted at
  ;; page 0 $slot, or 0.
  (func $get (param $slot i32) (param $key i32) (param $klen i32) (result i64)
    (if (result i64)
      (i32.lt_s (call $map_get (i32.const 0) (local.get $slot) (local.get $key) (local.get $klen)
                  (i32.const 1400) (i32.const 8)) (i32.const 0))
      (then (i64.const 0))
      (else (i64.load (i32.const 1400)))))

  ;; Sets it (removes it when 0).
  (func $set (param $slot i32) (param $key i32) (param $klen i32) (param $value i64)
    (if (i64.eqz (local.get $value))
      (then (drop (call $map_remove (i32.const 0) (local.get $slot) (local.get $key) (local.get $klen))))
      (else
        (i64.store (i32.const 1400) (local.get $value))
        (call $map_set (i32.const 0) (local.get $slot) (local.get $key) (local.get $klen)
          (i32.const 1400) (i32.const 8)))))

  ;; The allowance key of owner $o and spender $s, at 1600.
  (func $allowance_key (param $o i32) (param $s i32) (result i32)
    (memory.copy (i32.const 1600) (local.get $o) (i32.const 20))
    (memory.copy (i32.const 1620) (local.get $s) (i32.const 20))
    (i32.const 1600))

  ;; Emits [name, a, b] with the amount; $a and $b are 20-byte addresses
  ;; (or $a = 1500, zeros).
  (func $emit (param $name i32) (param $a i32) (param $b i32) (param $amount i64)
    (memory.copy (i32.const 1200) (local.get $name) (i32.const 8))
    (memory.fill (i32.const 1208) (i32.const 0) (i32.const 88))
    (memory.copy (i32.const 1232) (local.get $a) (i32.const 20))
    (memory.copy (i32.const 1264) (local.get $b) (i32.const 20))
    (i64.store (i32.const 1300) (local.get $amount))
    (call $event (i32.const 1200) (i32.const 3) (i32.const 1300) (i32.const 8)))

  ;; Moves $amount from $from to $to, or aborts.
  (func $move (param $from i32) (param $to i32) (param $amount i64)
    (local $have i64)
    (local.set $have (call $get (i32.const 0) (local.get $from) (i32.const 20)))
    (if (i64.lt_u (local.get $have) (local.get $amount))
      (then (call $fail (i32.const 2140) (i32.const 20))))
    (call $set (i32.const 0) (local.get $from) (i32.const 20) (i64.sub (local.get $have) (local.get $amount)))
    (call $set (i32.const 0) (local.get $to) (i32.const 20)
      (i64.add (call $get (i32.const 0) (local.get $to) (i32.const 20)) (local.get $amount)))
    (call $emit (i32.const 2000) (local.get $from) (local.get $to) (local.get $amount)))

  (func (export "init")
    (call $sender (i32.const 1100))
    (call $write (i32.const 0) (i32.const 96) (i32.const 1100) (i32.const 20)))

  (func (export "mint") (param $amount i64)
    (local $supply i64)
    (call $positive (local.get $amount))
    (call $addresses (i32.const 1))
    (call $sender (i32.const 1100))
    (call $read (i32.const 0) (i32.const 96) (i32.const 1120) (i32.const 20))
    (if (i32.or
          (i64.ne (i64.load (i32.const 1100)) (i64.load (i32.const 1120)))
          (i32.or
            (i64.ne (i64.load (i32.const 1108)) (i64.load (i32.const 1128)))
            (i32.ne (i32.load (i32.const 1116)) (i32.load (i32.const 1136)))))
      (then (call $fail (i32.const 2200) (i32.const 20))))
    (call $read (i32.const 0) (i32.const 64) (i32.const 1400) (i32.const 8))
    (local.set $supply (i64.add (i64.load (i32.const 1400)) (local.get $amount)))
    (if (i64.lt_s (local.get $supply) (local.get $amount))
      (then (call $fail (i32.const 2260) (i32.const 15))))
    (i64.store (i32.const 1400) (local.get $supply))
    (call $write (i32.const 0) (i32.const 64) (i32.const 1400) (i32.const 8))
    (call $set (i32.const 0) (i32.const 1000) (i32.const 20)
      (i64.add (call $get (i32.const 0) (i32.const 1000) (i32.const 20)) (local.get $amount)))
    (call $emit (i32.const 2000) (i32.const 1500) (i32.const 1000) (local.get $amount)))

  (func (export "transfer") (param $amount i64)
    (call $positive (local.get $amount))
    (call $addresses (i32.const 1))
    (call $sender (i32.const 1100))
    (call $move (i32.const 1100) (i32.const 1000) (local.get $amount)))

  (func (export "approve") (param $amount i64)
    (if (i64.lt_s (local.get $amount) (i64.const 0))
      (then (call $fail (i32.const 2230) (i32.const 23))))
    (call $addresses (i32.const 1))
    (call $sender (i32.const 1100))
    (call $set (i32.const 32) (call $allowance_key (i32.const 1100) (i32.const 1000)) (i32.const 40)
      (local.get $amount))
    (call $emit (i32.const 2040) (i32.const 1100) (i32.const 1000) (local.get $amount)))

  (func (export "transfer_from") (param $amount i64)
    (local $left i64)
    (call $positive (local.get $amount))
    (call $addresses (i32.const 2))
    (call $sender (i32.const 1100))
    (local.set $left
      (call $get (i32.const 32) (call $allowance_key (i32.const 1000) (i32.const 1100)) (i32.const 40)))
    (if (i64.lt_u (local.get $left) (local.get $amount))
      (then (call $fail (i32.const 2170) (i32.const 22))))
    (call $set (i32.const 32) (i32.const 1600) (i32.const 40)
      (i64.sub (local.get $left) (local.get $amount)))
    (call $move (i32.const 1000) (i32.const 1020) (local.get $amount)))

  (func (export "balance_of") (result i64)
    (call $addresses (i32.const 1))
    (call $get (i32.const 0) (i32.const 1000) (i32.const 20)))

  (func (export "allowance") (result i64)
    (call $addresses (i32.const 2))
    (call $get (i32.const 32) (i32.const 1000) (i32.const 40)))

  (func (export "total_supply") (result i64)
    (call $read (i32.const 0) (i32.const 64) (i32.const 1400) (i32.const 8))
    (i64.load (i32.const 1400))))
