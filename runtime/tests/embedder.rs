//! An embedder's own import module, next to `svm` and `strata`: SVM's full
//! node supplied `node.vmcall_get_balance(reg_bits, reg_idx) -> i64` and
//! `node.vmcall_set_balance(value: i64, reg_bits, reg_idx)`, reading the
//! account address from a register. Declared with the same macro, they see
//! the same registers, memory and gas as the built-in functions, and
//! contracts importing them are checked at deploy like any other.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::*;
use strata_host_fns::{
    Address, CustomContextVM, Host, HostErrorKind, HostFnDesc, Svm, host_functions,
};
use strata_kv::MemKv;
use strata_runtime::{ErrorKind, Runtime, Transaction};

/// The embedder's own state: balances it keeps itself.
#[derive(Default)]
struct NodeState {
    balances: HashMap<Address, i64>,
}

fn account_in<H: Host + ?Sized>(
    host: &mut H,
    bits: i32,
    idx: i32,
) -> Result<Address, HostErrorKind> {
    let reg = host
        .registers()
        .get(bits as u32, idx as u32)
        .map_err(HostErrorKind::register("reg_bits", "reg_idx", "reg_bits"))?;
    let bytes: [u8; 20] = reg
        .get(..20)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            HostErrorKind::invalid(
                "reg_bits",
                "an address needs a register of at least 160 bits",
            )
        })?;
    Ok(Address(bytes))
}

fn node<H: Host + ?Sized>(host: &mut H) -> Result<&mut NodeState, HostErrorKind> {
    host.extension()
        .and_then(|e| e.downcast_mut::<NodeState>())
        .ok_or_else(|| HostErrorKind::Host("the node's state is missing".into()))
}

fn get_balance<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    reg_bits: i32,
    reg_idx: i32,
) -> Result<i64, HostErrorKind> {
    let who = account_in(host, reg_bits, reg_idx)?;
    Ok(node(host)?.balances.get(&who).copied().unwrap_or(0))
}

fn set_balance<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    value: i64,
    reg_bits: i32,
    reg_idx: i32,
) -> Result<(), HostErrorKind> {
    let who = account_in(host, reg_bits, reg_idx)?;
    node(host)?.balances.insert(who, value);
    Ok(())
}

host_functions! {
    /// The SVM full node's balance vmcalls.
    struct Node = "node";

    /// The balance of the address in the register.
    fn vmcall_get_balance(reg_bits: i32, reg_idx: i32) -> i64;
        gas 300;
        impl get_balance;

    /// Sets the balance of the address in the register.
    fn vmcall_set_balance(value: i64, reg_bits: i32, reg_idx: i32);
        gas 500;
        impl set_balance;
}

/// Doubles the balance of the address given as input. `double_in_register`
/// is `double` with every node call replaced by the built-in function of
/// the same signature (`svm.reg_read_be_i64` for `vmcall_get_balance`,
/// `svm.reg_write_be_i64` for `vmcall_set_balance`) on the same register:
/// the same instructions, so the same fuel, and only the host functions'
/// table costs differ.
const DOUBLER: &str = r#"(module
  (import "node" "vmcall_get_balance" (func $get (param i32 i32) (result i64)))
  (import "node" "vmcall_set_balance" (func $set (param i64 i32 i32)))
  (import "svm" "mem_to_reg_copy" (func $m2r (param i32 i32 i32 i32 i32)))
  (import "strata" "input_copy" (func $input (param i32 i32 i32)))
  (import "svm" "reg_read_be_i64" (func $reg_get (param i32 i32) (result i64)))
  (import "svm" "reg_write_be_i64" (func $reg_set (param i64 i32 i32)))
  (memory 1)
  (func (export "double") (result i64)
    (call $input (i32.const 0) (i32.const 0) (i32.const 20))
    (call $m2r (i32.const 0) (i32.const 0) (i32.const 20) (i32.const 160) (i32.const 0))
    (call $set (i64.mul (call $get (i32.const 160) (i32.const 0)) (i64.const 2))
               (i32.const 160) (i32.const 0))
    (call $get (i32.const 160) (i32.const 0)))
  (func (export "double_in_register") (result i64)
    (call $input (i32.const 0) (i32.const 0) (i32.const 20))
    (call $m2r (i32.const 0) (i32.const 0) (i32.const 20) (i32.const 160) (i32.const 0))
    (call $reg_set (i64.mul (call $reg_get (i32.const 160) (i32.const 0)) (i64.const 2))
               (i32.const 160) (i32.const 0))
    (call $reg_get (i32.const 160) (i32.const 0)))
  (func (export "bad_register") (result i64)
    (call $get (i32.const 64) (i32.const 0))))"#;

/// The declared cost of `name` in `functions`, a fixed one.
fn fixed_gas(functions: &[HostFnDesc], name: &str) -> u64 {
    let d = functions
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no host function {name}"));
    assert_eq!(d.gas.per_byte, None, "{name} costs the same on every call");
    d.gas.base
}

fn node_runtime(balances: HashMap<Address, i64>) -> Runtime<Arc<MemKv>> {
    Runtime::builder(Arc::new(MemKv::new()))
        .host_module(Node)
        .extension(Box::new(NodeState { balances }))
        .build()
        .unwrap()
}

#[test]
fn an_embedder_balance_function_multiplies_a_balance_it_holds() {
    let alice = Address([0xAA; 20]);
    let rt = node_runtime(HashMap::from([(alice, 21)]));
    let c = deploy(&rt, DOUBLER, 0);
    let r = rt
        .execute(
            &Transaction::Call(call_tx(c, "double", vec![], alice.0.to_vec())),
            BLOCK,
        )
        .unwrap();
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(r.returns, vec![strata_runtime::Arg::I64(42)]);
    assert_eq!(
        rt.with_extension(|n: &mut NodeState| n.balances[&alice]),
        Some(42)
    );
    let again = rt
        .execute(
            &Transaction::Call(call_tx(c, "double", vec![], alice.0.to_vec())),
            BLOCK,
        )
        .unwrap();
    assert!(again.success(), "{:?}", again.error);
    assert_eq!(
        rt.with_extension(|n: &mut NodeState| n.balances[&alice]),
        Some(84)
    );
    assert_eq!(again.gas_used, r.gas_used, "the same work costs the same");
    // The table's gas is charged: the same function with the node's two
    // gets and one set replaced by built-in calls of the same signature
    // costs exactly the difference of their declared costs less.
    let twin = rt
        .execute(
            &Transaction::Call(call_tx(c, "double_in_register", vec![], alice.0.to_vec())),
            BLOCK,
        )
        .unwrap();
    assert!(twin.success(), "{:?}", twin.error);
    assert_eq!(
        rt.with_extension(|n: &mut NodeState| n.balances[&alice]),
        Some(84),
        "the twin does not call the node"
    );
    let (get, set) = (
        fixed_gas(Node::FUNCTIONS, "vmcall_get_balance"),
        fixed_gas(Node::FUNCTIONS, "vmcall_set_balance"),
    );
    assert_eq!((get, set), (300, 500), "the costs declared above");
    let (reg_get, reg_set) = (
        fixed_gas(Svm::FUNCTIONS, "reg_read_be_i64"),
        fixed_gas(Svm::FUNCTIONS, "reg_write_be_i64"),
    );
    assert_eq!(
        again.gas_used.checked_sub(twin.gas_used),
        Some(2 * (get - reg_get) + (set - reg_set)),
        "double used {}, double_in_register {}",
        again.gas_used,
        twin.gas_used
    );
}

#[test]
fn embedder_functions_fail_like_built_in_ones() {
    let rt = node_runtime(HashMap::new());
    let c = deploy(&rt, DOUBLER, 0);
    let r = rt
        .execute(
            &Transaction::Call(call_tx(c, "bad_register", vec![], vec![])),
            BLOCK,
        )
        .unwrap();
    let err = r.error.unwrap();
    assert_eq!(err.kind, ErrorKind::HostError);
    assert!(
        err.message.contains("node.vmcall_get_balance") && err.message.contains("reg_bits"),
        "{}",
        err.message
    );
}

#[test]
fn embedder_imports_are_checked_at_deploy() {
    // Without the node module, the import is unknown.
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let r = rt
        .execute(&Transaction::Deploy(deploy_tx(DOUBLER, 0)), BLOCK)
        .unwrap();
    let err = r.error.unwrap();
    assert_eq!(err.kind, ErrorKind::InvalidCode);
    assert!(
        err.message.contains("node.vmcall_get_balance"),
        "{}",
        err.message
    );
    // With it, a wrong signature is refused.
    let rt = node_runtime(HashMap::new());
    let wrong = r#"(module (import "node" "vmcall_set_balance" (func (param i32 i32 i32))))"#;
    let r = rt
        .execute(&Transaction::Deploy(deploy_tx(wrong, 0)), BLOCK)
        .unwrap();
    assert!(r.error.unwrap().message.contains("import-signatures"));
}

#[test]
fn a_store_failure_is_an_error_and_keeps_the_embedder_state() {
    let kv = Arc::new(strata_kv::testing::Instrumented::new(MemKv::new()));
    let rt = Runtime::builder(kv.clone())
        .host_module(Node)
        .extension(Box::new(NodeState::default()))
        .build()
        .unwrap();
    let c = deploy(&rt, DOUBLER, 0);
    kv.fail_reads(true);
    let err = rt
        .execute(&Transaction::Deploy(deploy_tx(DOUBLER, 0)), BLOCK)
        .unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    let err = rt
        .execute(
            &Transaction::Call(call_tx(c, "double", vec![], vec![0; 20])),
            BLOCK,
        )
        .unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    kv.fail_reads(false);
    assert!(
        rt.with_extension(|_: &mut NodeState| ()).is_some(),
        "the node's state survived"
    );
    let r = rt
        .execute(
            &Transaction::Call(call_tx(c, "double", vec![], vec![0; 20])),
            BLOCK,
        )
        .unwrap();
    assert!(r.success(), "{:?}", r.error);
}
