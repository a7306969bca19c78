//! Contracts (WAT) and helpers shared by the runtime's tests.
#![allow(dead_code)]

use strata_kv::KvStore;
use strata_runtime::{
    Address, Arg, BlockContext, CallTx, DeployTx, FunctionCall, Receipt, Runtime, Transaction,
};

pub const AUTHOR: Address = Address([0xA0; 20]);
pub const USER: Address = Address([0xB0; 20]);
pub const BLOCK: BlockContext = BlockContext {
    height: 1,
    time: 1_700_000_000,
};
pub const GAS: u64 = 2_000_000;

/// A counter on the `strata` module, with ways to fail.
pub const COUNTER: &str = r#"(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "emit_event" (func $event (param i32 i32 i32 i32)))
  (import "strata" "set_return" (func $ret (param i32 i32)))
  (import "strata" "log" (func $log (param i32 i32)))
  (import "strata" "abort" (func $abort (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "counter-topic")
  (data (i32.const 128) "incremented")
  (data (i32.const 160) "nope, not today")
  (func $load (result i64)
    (call $read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0)))
  (func $store (param i64)
    (i64.store (i32.const 0) (local.get 0))
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8)))
  (func (export "inc") (result i64)
    (call $store (i64.add (call $load) (i64.const 1)))
    (call $event (i32.const 64) (i32.const 1) (i32.const 0) (i32.const 8))
    (call $ret (i32.const 0) (i32.const 8))
    (call $log (i32.const 128) (i32.const 11))
    (call $load))
  (func (export "get") (result i64) (call $load))
  (func (export "add") (param i64) (result i64)
    (call $store (i64.add (call $load) (local.get 0)))
    (call $load))
  (func (export "init") (param i64) (call $store (local.get 0)))
  (func (export "fail_after_write")
    (call $store (i64.const 999))
    unreachable)
  (func (export "abort_after_write")
    (call $store (i64.const 999))
    (call $abort (i32.const 160) (i32.const 15)))
  (func (export "spin") (loop $l (br $l)))
  (func (export "grow") (loop $l (drop (memory.grow (i32.const 16))) (br $l)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (call $recurse (i32.add (local.get 0) (i32.const 1))))
  (func (export "write_page") (param i32)
    (call $write (local.get 0) (i32.const 0) (i32.const 0) (i32.const 8)))
  (func (export "bad_pointer")
    (call $write (i32.const 0) (i32.const 0) (i32.const 65530) (i32.const 8))))"#;

/// The same counter on the SVM v0 vmcalls, with its memory declared but not
/// exported, as SVM-era contracts are written.
pub const SVM_COUNTER: &str = r#"(module
  (import "svm" "storage_read_to_reg" (func $read_reg (param i32 i32 i32 i32 i32 i32)))
  (import "svm" "storage_write_from_reg" (func $write_reg (param i32 i32 i32 i32 i32 i32)))
  (import "svm" "reg_read_be_i64" (func $reg_get (param i32 i32) (result i64)))
  (import "svm" "reg_write_be_i64" (func $reg_set (param i64 i32 i32)))
  (import "svm" "mem_to_reg_copy" (func $m2r (param i32 i32 i32 i32 i32)))
  (import "svm" "reg_to_mem_copy" (func $r2m (param i32 i32 i32 i32 i32)))
  (memory 1)
  (data (i32.const 0) "svm!")
  (func (export "inc") (result i64)
    ;; page 0, slice 0, offset 0, 8 bytes -> 64-bit register 0
    (call $read_reg (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 64) (i32.const 0))
    (call $reg_set (i64.add (call $reg_get (i32.const 64) (i32.const 0)) (i64.const 1)) (i32.const 64) (i32.const 0))
    (call $write_reg (i32.const 64) (i32.const 0) (i32.const 8) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $reg_get (i32.const 64) (i32.const 0)))
  (func (export "tag")
    ;; memory -> register -> storage page 1, and back into memory
    (call $m2r (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 32) (i32.const 1))
    (call $write_reg (i32.const 32) (i32.const 1) (i32.const 4) (i32.const 1) (i32.const 0) (i32.const 10))
    (call $r2m (i32.const 32) (i32.const 1) (i32.const 4) (i32.const 0) (i32.const 100))))"#;

/// An SVM contract mixing two 2019 eras: December's storage calls (five
/// parameters, no slice: variants, renamed at deploy) and September's
/// little-endian registers. `inc` adds 3 to the i64 at page 0 offset 16.
pub const SVM_ERAS: &str = r#"(module
  (import "svm" "storage_read_to_reg" (func $read (param i32 i32 i32 i32 i32)))
  (import "svm" "storage_write_from_reg" (func $write (param i32 i32 i32 i32 i32)))
  (import "svm" "reg_read_le_i64" (func $get (param i32 i32) (result i64)))
  (import "svm" "reg_write_le_i64" (func $set (param i64 i32 i32)))
  (memory 1)
  (func (export "inc") (result i64)
    (call $read (i32.const 0) (i32.const 16) (i32.const 8) (i32.const 64) (i32.const 2))
    (call $set (i64.add (call $get (i32.const 64) (i32.const 2)) (i64.const 3)) (i32.const 64) (i32.const 2))
    (call $write (i32.const 64) (i32.const 2) (i32.const 8) (i32.const 0) (i32.const 16))
    (call $get (i32.const 64) (i32.const 2))))"#;

/// Calls another contract. Input: target address (20 bytes), name length
/// (1 byte), function name, then the callee's input. Stores the status at
/// page 0 offset 0, bumps a marker at page 0 offset 8, returns the status,
/// and passes the callee's return data on as its own.
pub const CALLER: &str = r#"(module
  (import "strata" "input_len" (func $input_len (result i32)))
  (import "strata" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "strata" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
  (import "strata" "call_return_len" (func $rlen (result i32)))
  (import "strata" "call_return_copy" (func $rcopy (param i32 i32 i32)))
  (import "strata" "set_return" (func $ret (param i32 i32)))
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "call_target") (result i32)
    (local $len i32) (local $name i32) (local $status i32) (local $rest i32)
    (local.set $len (call $input_len))
    (call $input_copy (i32.const 1024) (i32.const 0) (local.get $len))
    (local.set $name (i32.load8_u (i32.const 1044)))
    (local.set $rest (i32.add (i32.const 1045) (local.get $name)))
    (local.set $status
      (call $call (i32.const 1024) (i32.const 1045) (local.get $name)
        (local.get $rest) (i32.sub (i32.add (i32.const 1024) (local.get $len)) (local.get $rest))
        (i64.const 500000)))
    ;; remember the status, bump the marker
    (i32.store (i32.const 0) (local.get $status))
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 4))
    (call $read (i32.const 0) (i32.const 8) (i32.const 16) (i32.const 8))
    (i64.store (i32.const 16) (i64.add (i64.load (i32.const 16)) (i64.const 1)))
    (call $write (i32.const 0) (i32.const 8) (i32.const 16) (i32.const 8))
    ;; pass the callee's return data on
    (call $rcopy (i32.const 4096) (i32.const 0) (call $rlen))
    (call $ret (i32.const 4096) (call $rlen))
    (local.get $status)))"#;

/// Input for [`CALLER`]'s `call_target`.
pub fn call_input(target: &Address, function: &str, rest: &[u8]) -> Vec<u8> {
    let mut v = target.0.to_vec();
    v.push(function.len() as u8);
    v.extend_from_slice(function.as_bytes());
    v.extend_from_slice(rest);
    v
}

pub fn deploy_tx(wat: &str, pages: u32) -> DeployTx {
    DeployTx {
        author: AUTHOR,
        nonce: None,
        name: None,
        page_count: pages,
        banks: None,
        code: wat::parse_str(strata_host_fns::legacy_wat::translate(wat).as_ref())
            .expect("test contract parses"),
        ctor: None,
        balance: 0,
        gas_limit: GAS,
    }
}

pub fn deploy<K: KvStore + Clone + 'static>(rt: &Runtime<K>, wat: &str, pages: u32) -> Address {
    let r = rt
        .execute(&Transaction::Deploy(deploy_tx(wat, pages)), BLOCK)
        .expect("runtime");
    assert!(r.success(), "deploy failed: {:?}", r.error);
    r.deployed.expect("an address")
}

pub fn call_tx(contract: Address, function: &str, args: Vec<Arg>, input: Vec<u8>) -> CallTx {
    CallTx {
        contract,
        sender: USER,
        call: FunctionCall {
            function: function.into(),
            args,
        },
        input,
        gas_limit: GAS,
    }
}

pub fn call<K: KvStore + Clone + 'static>(
    rt: &Runtime<K>,
    contract: Address,
    function: &str,
    args: Vec<Arg>,
) -> Receipt {
    rt.execute(
        &Transaction::Call(call_tx(contract, function, args, vec![])),
        BLOCK,
    )
    .expect("runtime")
}

pub fn counter_value<K: KvStore + Clone + 'static>(rt: &Runtime<K>, contract: &Address) -> i64 {
    let bytes = rt.read_slice(contract, 0, 0, 8).unwrap();
    i64::from_le_bytes(bytes.try_into().unwrap())
}

/// Calls `function` of `contract` with `input` bytes.
pub fn call_with_input<K: KvStore + Clone + 'static>(
    rt: &Runtime<K>,
    contract: Address,
    function: &str,
    input: Vec<u8>,
) -> Receipt {
    rt.execute(
        &Transaction::Call(call_tx(contract, function, vec![], input)),
        BLOCK,
    )
    .expect("runtime")
}
