//! An embedder's host function chooses how it fails: `Denied` fails the
//! transaction with a receipt (the contract's fault), `Host` is fatal (no
//! receipt, nothing applied, a typed `RuntimeError::HostFunction`), and
//! each keeps that meaning inside nested calls.

mod common;

use std::sync::Arc;

use common::*;
use strata_host_fns::{CustomContextVM, Host, HostErrorKind, host_functions};
use strata_kv::MemKv;
use strata_runtime::{Address, Arg, ErrorKind, Runtime, RuntimeError, Transaction};

fn check<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    _host: &mut H,
    v: i32,
) -> Result<i32, HostErrorKind> {
    match v {
        1 => Err(HostErrorKind::Denied(
            "the ledger has no such account".into(),
        )),
        2 => Err(HostErrorKind::Host("the ledger is unreachable".into())),
        v => Ok(v * 10),
    }
}

host_functions! {
    /// A node's rule check.
    struct Chain = "chain";

    /// `v * 10`; 1 is refused, 2 is a failure of the node.
    fn check(v: i32) -> i32;
        gas 100;
        impl check;
}

/// Writes a marker to its storage, then asks the chain.
const GUARDED: &str = r#"(module
  (import "chain" "check" (func $check (param i32) (result i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\07\00\00\00\00\00\00\00")
  (func $guarded (param $v i32) (result i32)
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (call $check (local.get $v)))
  (func (export "run") (param i32) (result i32) (call $guarded (local.get 0)))
  (func (export "deny") (drop (call $guarded (i32.const 1))))
  (func (export "fail") (drop (call $guarded (i32.const 2)))))"#;

fn runtime() -> Runtime<Arc<MemKv>> {
    Runtime::builder(Arc::new(MemKv::new()))
        .host_module(Chain)
        .build()
        .unwrap()
}

fn storage(rt: &Runtime<Arc<MemKv>>, c: &Address) -> Vec<u8> {
    rt.read_slice(c, 0, 0, 8).unwrap()
}

#[test]
fn a_denial_fails_the_transaction_with_a_receipt() {
    let rt = runtime();
    let c = deploy(&rt, GUARDED, 1);
    let ok = call(&rt, c, "run", vec![Arg::I32(4)]);
    assert!(ok.success(), "{:?}", ok.error);
    assert_eq!(ok.returns, vec![Arg::I32(40)]);
    assert_eq!(storage(&rt, &c), [7, 0, 0, 0, 0, 0, 0, 0]);

    // A fresh contract, so that the denied write would be visible.
    let c = deploy(&rt, GUARDED, 1);
    let before = rt.account(&c).unwrap().unwrap();
    let r = call(&rt, c, "run", vec![Arg::I32(1)]);
    let err = r.error.expect("the transaction fails");
    assert_eq!(err.kind, ErrorKind::HostError);
    assert!(
        err.message.contains("chain.check") && err.message.contains("no such account"),
        "{}",
        err.message
    );
    // The gas is charged, the write rolled back.
    assert!(r.gas_used > 100, "{}", r.gas_used);
    assert_eq!(storage(&rt, &c), [0; 8]);
    assert_eq!(
        rt.account(&c).unwrap().unwrap().state_root,
        before.state_root
    );
}

#[test]
fn a_host_failure_is_fatal_typed_and_applies_nothing() {
    let rt = runtime();
    let c = deploy(&rt, GUARDED, 1);
    let before = rt.account(&c).unwrap().unwrap();
    let err = rt
        .execute(
            &Transaction::Call(call_tx(c, "run", vec![Arg::I32(2)], vec![])),
            BLOCK,
        )
        .expect_err("no receipt");
    match &err {
        RuntimeError::HostFunction {
            module,
            function,
            message,
        } => {
            assert_eq!((*module, *function), ("chain", "check"));
            assert_eq!(message, "the ledger is unreachable");
        }
        other => panic!("expected a host-function failure, got {other:?}"),
    }
    assert!(err.to_string().contains("chain.check"), "{err}");
    assert_eq!(rt.account(&c).unwrap().unwrap(), before);
    assert_eq!(storage(&rt, &c), [0; 8]);
    // The runtime goes on.
    assert!(call(&rt, c, "run", vec![Arg::I32(3)]).success());
}

#[test]
fn nested_calls_keep_the_embedders_choice() {
    let rt = runtime();
    let caller = deploy(&rt, CALLER, 1);
    let callee = deploy(&rt, GUARDED, 1);

    // A denial inside the callee is a failed call the caller can handle.
    let r = call_with_input(&rt, caller, "call_target", call_input(&callee, "deny", &[]));
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(r.returns, vec![Arg::I32(1)], "CallStatus::Failed");
    assert_eq!(storage(&rt, &callee), [0; 8]);
    assert_eq!(rt.read_slice(&caller, 0, 8, 8).unwrap(), 1u64.to_le_bytes());

    // A host failure inside the callee ends the whole transaction: the
    // caller cannot catch it, and its own writes are not applied either.
    let before = rt.account(&caller).unwrap().unwrap();
    let err = rt
        .execute(
            &Transaction::Call(call_tx(
                caller,
                "call_target",
                vec![],
                call_input(&callee, "fail", &[]),
            )),
            BLOCK,
        )
        .expect_err("no receipt");
    assert!(
        matches!(
            err,
            RuntimeError::HostFunction {
                function: "check",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(rt.account(&caller).unwrap().unwrap(), before);
    assert_eq!(storage(&rt, &callee), [0; 8]);
}
