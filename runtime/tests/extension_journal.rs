//! Embedder state that follows the transaction's fate
//! (`RuntimeBuilder::journaled_extension`): a node module whose
//! `set_balance` lets a contract double a balance the node holds itself,
//! outside Strata's accounts (as a full node's `vmcall_set_balance` might),
//! in contracts that trap after the host call, at top level, inside a
//! nested call, and in blocks.

use strata_host_fns::{Address, CustomContextVM, Host, HostErrorKind, host_functions};
use strata_kv::MemKv;
use strata_runtime::{
    BlockContext, CallTx, DeployTx, ErrorKind, Extension, JournalMap, Runtime, RuntimeError,
    Transaction,
};

const BLOCK: BlockContext = BlockContext { height: 1, time: 0 };
const AUTHOR: Address = Address([0xA0; 20]);
const USER: Address = Address([0xB0; 20]);
const ALICE: Address = Address([0xAA; 20]);

/// The node's state: balances it holds itself, journaled, and a count of
/// the hooks the runtime called (to see that every level is closed).
#[derive(Default)]
struct NodeState {
    balances: JournalMap<Address, i64>,
    open: usize,
}

impl Extension for NodeState {
    fn checkpoint(&mut self) {
        self.open += 1;
        self.balances.checkpoint();
    }
    fn rollback(&mut self) {
        self.open -= 1;
        self.balances.rollback();
    }
    fn commit(&mut self) {
        self.open -= 1;
        self.balances.commit();
    }
}

fn node<H: Host + ?Sized>(host: &mut H) -> Result<&mut NodeState, HostErrorKind> {
    host.extension()
        .and_then(|e| e.downcast_mut::<NodeState>())
        .ok_or_else(|| HostErrorKind::Host("the node's state is missing".into()))
}

fn address_at<M: CustomContextVM + ?Sized>(mem: &M, ptr: i32) -> Result<Address, HostErrorKind> {
    let mut a = [0u8; 20];
    mem.read(ptr as u32, &mut a)
        .map_err(|e| HostErrorKind::invalid("addr_ptr", e.to_string()))?;
    Ok(Address(a))
}

fn get_balance<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    addr_ptr: i32,
) -> Result<i64, HostErrorKind> {
    let who = address_at(mem, addr_ptr)?;
    Ok(node(host)?.balances.get(&who).copied().unwrap_or(0))
}

fn set_balance<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    addr_ptr: i32,
    value: i64,
) -> Result<(), HostErrorKind> {
    let who = address_at(mem, addr_ptr)?;
    node(host)?.balances.insert(who, value);
    Ok(())
}

fn fail<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    _host: &mut H,
) -> Result<(), HostErrorKind> {
    Err(HostErrorKind::Host("the node cannot go on".into()))
}

host_functions! {
    /// The node's balance functions.
    struct Node = "node";

    /// The balance of the address at `addr_ptr`.
    fn get_balance(addr_ptr: i32) -> i64;
        gas 300;
        impl get_balance;

    /// Sets the balance of the address at `addr_ptr`.
    fn set_balance(addr_ptr: i32, value: i64);
        gas 500;
        impl set_balance;

    /// Fails as the node (fatal: no receipt, nothing applied).
    fn fail();
        gas 10;
        impl fail;
}

/// Input: the account (20 bytes). `double` doubles its balance at the node;
/// `double_then_trap` does too and then traps; `double_then_fail_fatally`
/// then calls the node's failing function.
const DOUBLER: &str = r#"(module
  (import "node" "get_balance" (func $get (param i32) (result i64)))
  (import "node" "set_balance" (func $set (param i32 i64)))
  (import "node" "fail" (func $fail))
  (import "strata" "input_copy" (func $input (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func $double (result i64)
    (call $input (i32.const 0) (i32.const 0) (i32.const 20))
    (call $set (i32.const 0) (i64.mul (call $get (i32.const 0)) (i64.const 2)))
    (call $get (i32.const 0)))
  (func (export "double") (result i64) (call $double))
  (func (export "double_then_trap") (result i64) (drop (call $double)) unreachable)
  (func (export "double_then_fail_fatally") (drop (call $double)) (call $fail)))"#;

/// Input: the account (20 bytes), a callee (20 bytes), a function name.
/// `double_and_call` doubles the account's balance, then calls the callee's
/// function with the account as input, and returns the call's status;
/// `call_then_trap` makes the call and then traps.
const OUTER: &str = r#"(module
  (import "node" "get_balance" (func $get (param i32) (result i64)))
  (import "node" "set_balance" (func $set (param i32 i64)))
  (import "strata" "input_copy" (func $input (param i32 i32 i32)))
  (import "strata" "input_len" (func $input_len (result i32)))
  (import "strata" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
  (memory (export "memory") 1)
  (func $load (call $input (i32.const 0) (i32.const 0) (call $input_len)))
  (func $nested (result i32)
    (call $call (i32.const 20) (i32.const 40) (i32.sub (call $input_len) (i32.const 40))
                (i32.const 0) (i32.const 20) (i64.const 500000)))
  (func $double
    (call $set (i32.const 0) (i64.mul (call $get (i32.const 0)) (i64.const 2))))
  (func (export "double_and_call") (result i32)
    (call $load) (call $double) (call $nested))
  (func (export "call_then_trap") (result i32)
    (call $load) (drop (call $nested)) unreachable))"#;

struct Node_ {
    rt: Runtime<MemKv>,
    doubler: Address,
    outer: Address,
}

fn setup(balance: i64) -> Node_ {
    let mut state = NodeState::default();
    state.balances.insert(ALICE, balance);
    let rt = Runtime::builder(MemKv::new())
        .host_module(Node)
        .journaled_extension(state)
        .build()
        .unwrap();
    let deploy = |wat: &str| {
        let tx = DeployTx::new(AUTHOR, wat::parse_str(wat).unwrap());
        let r = rt
            .execute(&tx.into(), BLOCK)
            .unwrap()
            .into_result()
            .unwrap();
        r.deployed.unwrap()
    };
    let (doubler, outer) = (deploy(DOUBLER), deploy(OUTER));
    Node_ { rt, doubler, outer }
}

impl Node_ {
    /// Alice's balance at the node, checking that no level was left open.
    fn balance(&self) -> i64 {
        self.rt
            .with_extension(|n: &mut NodeState| {
                assert_eq!((n.open, n.balances.depth()), (0, 0), "levels left open");
                n.balances.get(&ALICE).copied().unwrap_or(0)
            })
            .unwrap()
    }

    fn doubler_tx(&self, function: &str) -> Transaction {
        CallTx::new(self.doubler, USER, function)
            .input(ALICE.0)
            .into()
    }

    fn outer_tx(&self, function: &str, callee_function: &str) -> Transaction {
        let mut input = ALICE.0.to_vec();
        input.extend_from_slice(&self.doubler.0);
        input.extend_from_slice(callee_function.as_bytes());
        CallTx::new(self.outer, USER, function).input(input).into()
    }
}

#[test]
fn a_failed_transaction_rolls_back_the_node_balance() {
    let n = setup(21);
    let r =
        n.rt.execute(&n.doubler_tx("double_then_trap"), BLOCK)
            .unwrap();
    assert_eq!(r.error.map(|e| e.kind), Some(ErrorKind::Trap));
    assert_eq!(n.balance(), 21, "the trap came after the node call");
    let r = n.rt.execute(&n.doubler_tx("double"), BLOCK).unwrap();
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(n.balance(), 42, "a successful transaction keeps it");
}

#[test]
fn a_failed_nested_call_rolls_back_only_its_own_change() {
    let n = setup(21);
    // The outer contract doubles (42), its callee doubles (84) and traps:
    // the callee's change goes, the outer one stays, the outer succeeds.
    let r =
        n.rt.execute(&n.outer_tx("double_and_call", "double_then_trap"), BLOCK)
            .unwrap()
            .into_result()
            .unwrap();
    assert_eq!(r.returns, vec![strata_runtime::Arg::I32(1)], "Failed");
    assert_eq!(n.balance(), 42);
    // A successful callee's change joins the caller's: 42 * 2 * 2.
    let r =
        n.rt.execute(&n.outer_tx("double_and_call", "double"), BLOCK)
            .unwrap()
            .into_result()
            .unwrap();
    assert_eq!(r.returns, vec![strata_runtime::Arg::I32(0)], "Success");
    assert_eq!(n.balance(), 168);
    // A caller that fails after its callee succeeded takes the callee's
    // committed change down with it.
    let r =
        n.rt.execute(&n.outer_tx("call_then_trap", "double"), BLOCK)
            .unwrap();
    assert_eq!(r.error.map(|e| e.kind), Some(ErrorKind::Trap));
    assert_eq!(n.balance(), 168);
}

#[test]
fn a_block_keeps_the_changes_of_its_successful_transactions() {
    let n = setup(3);
    let txs = [
        n.doubler_tx("double"),
        n.doubler_tx("double_then_trap"),
        n.outer_tx("double_and_call", "double_then_trap"),
        n.doubler_tx("double"),
    ];
    let block = n.rt.execute_block(&txs, BLOCK).unwrap();
    let ok: Vec<bool> = block.receipts.iter().map(|r| r.success()).collect();
    assert_eq!(ok, [true, false, true, true]);
    assert_eq!(n.balance(), 3 * 2 * 2 * 2);
}

#[test]
fn an_abandoned_block_rolls_back_every_transaction_of_it() {
    let n = setup(5);
    // The second transaction fails fatally: nothing of the block reaches
    // the store, so the first one's node change goes too.
    let txs = [
        n.doubler_tx("double"),
        n.doubler_tx("double_then_fail_fatally"),
    ];
    let err = n.rt.execute_block(&txs, BLOCK).unwrap_err();
    assert!(
        matches!(
            err,
            RuntimeError::HostFunction {
                function: "fail",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(n.balance(), 5);
    // Inside a nested call too (the level the call opened is closed).
    let err =
        n.rt.execute(
            &n.outer_tx("double_and_call", "double_then_fail_fatally"),
            BLOCK,
        )
        .unwrap_err();
    assert!(matches!(err, RuntimeError::HostFunction { .. }), "{err}");
    assert_eq!(n.balance(), 5);
}

#[test]
fn a_block_the_store_refuses_rolls_back_the_node_balance() {
    let kv = std::sync::Arc::new(strata_kv::testing::Instrumented::new(MemKv::new()));
    let mut state = NodeState::default();
    state.balances.insert(ALICE, 7);
    let rt = Runtime::builder(kv.clone())
        .host_module(Node)
        .journaled_extension(state)
        .build()
        .unwrap();
    let deploy: Transaction = DeployTx::new(AUTHOR, wat::parse_str(DOUBLER).unwrap()).into();
    let doubler = rt.execute(&deploy, BLOCK).unwrap().deployed.unwrap();
    let double: Transaction = CallTx::new(doubler, USER, "double").input(ALICE.0).into();
    // The block's second deploy has records to write, which the store
    // refuses.
    kv.fail_writes(true);
    let block = [double.clone(), deploy];
    assert!(rt.execute_block(&block, BLOCK).is_err());
    let balance = |rt: &Runtime<_>| {
        rt.with_extension(|n: &mut NodeState| n.balances.get(&ALICE).copied())
            .flatten()
    };
    assert_eq!(balance(&rt), Some(7), "the block never reached the store");
    kv.fail_writes(false);
    let ok = rt.execute(&double, BLOCK).unwrap();
    assert!(ok.success(), "{:?}", ok.error);
    assert_eq!(balance(&rt), Some(14));
}

#[test]
fn a_query_never_changes_the_node_balance() {
    let n = setup(4);
    let CallTx { .. } = match n.doubler_tx("double") {
        Transaction::Call(c) => {
            let r = n.rt.query(&c, BLOCK).unwrap().into_result().unwrap();
            assert_eq!(r.returns, vec![strata_runtime::Arg::I64(8)]);
            c
        }
        Transaction::Deploy(_) => unreachable!(),
    };
    assert_eq!(n.balance(), 4);
}

#[test]
fn plain_extensions_are_still_not_rolled_back() {
    // The older `extension` keeps its meaning: the node's own business.
    let mut state = NodeState::default();
    state.balances.insert(ALICE, 1);
    let rt = Runtime::builder(MemKv::new())
        .host_module(Node)
        .extension(Box::new(state))
        .build()
        .unwrap();
    let tx = DeployTx::new(AUTHOR, wat::parse_str(DOUBLER).unwrap());
    let doubler = rt.execute(&tx.into(), BLOCK).unwrap().deployed.unwrap();
    let trap = CallTx::new(doubler, USER, "double_then_trap").input(ALICE.0);
    let r = rt.execute(&trap.into(), BLOCK).unwrap();
    assert!(!r.success());
    let (balance, open) = rt
        .with_extension(|n: &mut NodeState| (n.balances.get(&ALICE).copied(), n.open))
        .unwrap();
    assert_eq!((balance, open), (Some(2), 0), "no hook is called");
}
