//! External host functions: the node answers them later, and the
//! transaction goes on as if they had answered inline.
//!
//! Every test runs a scenario twice, once with the `oracle` module linked
//! inline (`host_module`, its implementations answer) and once external
//! (`external_module`, the test plays the node and answers from outside
//! with the same rules), and compares receipts (SCALE bytes), heads and
//! storage.

mod common;

use std::collections::VecDeque;
use std::sync::Arc;

use common::*;
use parity_scale_codec::Encode;
use proptest::prelude::*;
use strata_host_fns::{CustomContextVM, Host, HostErrorKind, Value, host_functions};
use strata_kv::MemKv;
use strata_runtime::{
    AccessError, Address, Arg, BlockResult, ErrorKind, Head, PendingTx, Receipt, Runtime,
    RuntimeConfig, RuntimeError, Step, Transaction,
};

// ---------------------------------------------------------------------------
// The oracle: one set of rules, answered inline or by the node.

/// The price of `asset`; 13 is refused.
fn price_of(asset: i32) -> Result<i64, HostErrorKind> {
    if asset == 13 {
        return Err(HostErrorKind::Denied(format!("unknown asset {asset}")));
    }
    Ok(i64::from(asset) * 100 + 7)
}

/// What `fetch` returns for the bytes it read and register 64/0.
fn fetch_value(bytes: &[u8], register: &[u8]) -> i32 {
    bytes.iter().map(|b| i32::from(*b)).sum::<i32>() + i32::from(register[7])
}

/// The scripted answers of `next` (inline: the runtime's extension).
struct Script(VecDeque<Option<i64>>);

fn next_of(script: &mut VecDeque<Option<i64>>) -> Result<i64, HostErrorKind> {
    match script.pop_front() {
        Some(Some(v)) => Ok(v),
        Some(None) => Err(HostErrorKind::Denied("the script says no".into())),
        None => Err(HostErrorKind::Denied("the script is over".into())),
    }
}

fn price<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    _host: &mut H,
    asset: i32,
) -> Result<i64, HostErrorKind> {
    price_of(asset)
}

fn fetch<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    ptr: i32,
    len: i32,
) -> Result<i32, HostErrorKind> {
    let bytes = mem
        .data(ptr as u32, len as u32)
        .map_err(HostErrorKind::memory("ptr"))?
        .to_vec();
    let register = host
        .registers()
        .get(64, 0)
        .map_err(HostErrorKind::register("ptr", "ptr", "ptr"))?
        .to_vec();
    let reversed: Vec<u8> = bytes.iter().rev().copied().collect();
    mem.write(ptr as u32, &reversed)
        .map_err(HostErrorKind::memory("ptr"))?;
    Ok(fetch_value(&bytes, &register))
}

fn quote<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    n: i32,
) -> Result<i64, HostErrorKind> {
    host.charge(quote_cost(n))?;
    Ok(i64::from(n) * 2)
}

/// What `quote` charges on top of its table cost.
fn quote_cost(n: i32) -> u64 {
    u64::from(n.unsigned_abs()) * 1_000
}

fn next<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
) -> Result<i64, HostErrorKind> {
    let script = host
        .extension()
        .and_then(|e| e.downcast_mut::<Script>())
        .ok_or_else(|| HostErrorKind::Host("no script".into()))?;
    next_of(&mut script.0)
}

host_functions! {
    /// A price oracle a node answers.
    struct Oracle = "oracle";

    /// The price of `asset`.
    fn price(asset: i32) -> i64;
        gas 300;
        impl price;

    /// Reads `len` bytes at `ptr` and register 64/0, reverses the bytes in
    /// place, returns their sum plus the register's last byte.
    fn fetch(ptr: i32, len: i32) -> i32;
        gas 50 + 2 * len;
        impl fetch;

    /// `2 * n`, charging `1000 * |n|` more gas.
    fn quote(n: i32) -> i64;
        gas 25;
        impl quote;

    /// The next scripted answer.
    fn next() -> i64;
        gas 40;
        impl next;
}

/// The node's side: the same rules, through the pending transaction.
fn node<T>(
    p: &PendingTx<T>,
    script: &mut VecDeque<Option<i64>>,
) -> Result<Option<Value>, HostErrorKind> {
    let call = p.call();
    assert_eq!(call.module(), "oracle");
    let memory = |e: AccessError| match e {
        AccessError::Memory(m) => HostErrorKind::memory("ptr")(m),
        other => HostErrorKind::Host(other.to_string()),
    };
    match (call.name(), call.args.as_slice()) {
        ("price", [Value::I32(asset)]) => price_of(*asset).map(|v| Some(Value::I64(v))),
        ("fetch", [Value::I32(ptr), Value::I32(len)]) => {
            let bytes = p.read_memory(*ptr as u32, *len as u32).map_err(memory)?;
            let register = p.read_register(64, 0).map_err(|e| match e {
                AccessError::Register(r) => HostErrorKind::register("ptr", "ptr", "ptr")(r),
                other => HostErrorKind::Host(other.to_string()),
            })?;
            let reversed: Vec<u8> = bytes.iter().rev().copied().collect();
            p.write_memory(*ptr as u32, &reversed).map_err(memory)?;
            Ok(Some(Value::I32(fetch_value(&bytes, &register))))
        }
        ("quote", [Value::I32(n)]) => {
            let before = p.gas_left().expect("gas left");
            match p.charge(quote_cost(*n)) {
                Ok(()) => assert_eq!(p.gas_left().unwrap(), before - quote_cost(*n)),
                Err(AccessError::OutOfGas) => {
                    assert_eq!(p.gas_left().unwrap(), 0);
                    return Err(HostErrorKind::OutOfGas);
                }
                Err(e) => panic!("{e}"),
            }
            Ok(Some(Value::I64(i64::from(*n) * 2)))
        }
        ("next", []) => next_of(script).map(|v| Some(Value::I64(v))),
        other => panic!("unexpected call {other:?}"),
    }
}

/// Answers every pending call until the transaction (or block) is done.
fn drive<T: Send + 'static>(
    mut step: Step<T>,
    script: &mut VecDeque<Option<i64>>,
) -> Result<(T, usize), RuntimeError> {
    let mut asked = 0;
    loop {
        match step {
            Step::Done(t) => return Ok((t, asked)),
            Step::Pending(p) => {
                asked += 1;
                let answer = node(&p, script);
                step = p.resume(answer)?;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Contracts.

/// Asks the oracle, directly, after a trap, in nested calls, by script.
const ASKER: &str = r#"(module
  (import "oracle" "price" (func $price (param i32) (result i64)))
  (import "oracle" "fetch" (func $fetch (param i32 i32) (result i32)))
  (import "oracle" "next" (func $next (result i64)))
  (import "oracle" "quote" (func $quote (param i32) (result i64)))
  (import "svm" "reg_write_be_i64" (func $reg_set (param i64 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "input_len" (func $input_len (result i32)))
  (import "strata" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "strata" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "abcdef")
  (data (i32.const 1200) "nested_ask")
  (data (i32.const 1220) "nested_next")
  (func $ask (param $asset i32) (result i64)
    (local $p i64)
    (local.set $p (call $price (local.get $asset)))
    (i64.store (i32.const 0) (local.get $p))
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (call $reg_set (i64.const 0x0102030405060708) (i32.const 64) (i32.const 0))
    (local.set $p (i64.add (local.get $p)
      (i64.extend_i32_u (call $fetch (i32.const 200) (i32.const 6)))))
    (call $write (i32.const 0) (i32.const 8) (i32.const 200) (i32.const 6))
    (local.get $p))
  (func (export "ask") (param i32) (result i64) (call $ask (local.get 0)))
  (func (export "ask_then_trap") (param i32) (drop (call $ask (local.get 0))) unreachable)
  (func (export "quote") (param i32) (result i64) (call $quote (local.get 0)))
  (func (export "bad_fetch") (result i32) (call $fetch (i32.const 65530) (i32.const 16)))
  (func (export "fetch_any") (param i32 i32) (result i32) (call $fetch (local.get 0) (local.get 1)))
  (func (export "nested_ask")
    (call $input_copy (i32.const 300) (i32.const 0) (i32.const 1))
    (drop (call $ask (i32.load8_u (i32.const 300)))))
  (func (export "via") (param $asset i32) (result i32)
    (local $status i32)
    (call $input_copy (i32.const 1024) (i32.const 0) (i32.const 20))
    (i32.store8 (i32.const 1100) (local.get $asset))
    (local.set $status (call $call (i32.const 1024) (i32.const 1200) (i32.const 10)
      (i32.const 1100) (i32.const 1) (i64.const 500000)))
    (i64.store (i32.const 16) (call $price (i32.add (local.get $asset) (i32.const 1))))
    (call $write (i32.const 0) (i32.const 16) (i32.const 16) (i32.const 8))
    (local.get $status))
  (func (export "script") (param $n i32) (result i64)
    (local $sum i64) (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $sum (i64.add (local.get $sum) (call $next)))
      (if (i32.and (i32.eq (call $input_len) (i32.const 20)) (i32.and (local.get $i) (i32.const 1)))
        (then
          (call $input_copy (i32.const 1024) (i32.const 0) (i32.const 20))
          (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u
            (call $call (i32.const 1024) (i32.const 1220) (i32.const 11)
              (i32.const 0) (i32.const 0) (i64.const 100000)))))))
      (i64.store (i32.const 32) (local.get $sum))
      (call $write (i32.const 0) (i32.const 32) (i32.const 32) (i32.const 8))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $sum))
  (func (export "nested_next")
    (i64.store (i32.const 40) (call $next))
    (call $write (i32.const 0) (i32.const 40) (i32.const 40) (i32.const 8))))"#;

/// Forwards to the contract whose address starts its input; at the end of
/// the chain asks the oracle and writes the price.
const DEEP: &str = r#"(module
  (import "oracle" "price" (func $price (param i32) (result i64)))
  (import "strata" "input_len" (func $input_len (result i32)))
  (import "strata" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "strata" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "fwd")
  (func (export "fwd")
    (local $len i32)
    (local.set $len (call $input_len))
    (if (i32.eqz (local.get $len))
      (then
        (i64.store (i32.const 16) (call $price (i32.const 5)))
        (call $write (i32.const 0) (i32.const 0) (i32.const 16) (i32.const 8))
        (return)))
    (call $input_copy (i32.const 1024) (i32.const 0) (local.get $len))
    (if (i32.ne
          (call $call (i32.const 1024) (i32.const 0) (i32.const 3)
            (i32.const 1044) (i32.sub (local.get $len) (i32.const 20))
            (i64.const 1000000000))
          (i32.const 0))
      (then unreachable))))"#;

// ---------------------------------------------------------------------------
// Helpers.

type Rt = Runtime<Arc<MemKv>>;

fn inline_runtime() -> Rt {
    Runtime::builder(Arc::new(MemKv::new()))
        .host_module(Oracle)
        .extension(Box::new(Script(VecDeque::new())))
        .build()
        .expect("runtime")
}

fn external_runtime() -> Rt {
    Runtime::builder(Arc::new(MemKv::new()))
        .external_module(Oracle)
        .build()
        .expect("runtime")
}

fn set_script(rt: &Rt, answers: &[Option<i64>]) {
    rt.with_extension::<Script, _>(|s| s.0 = answers.iter().copied().collect())
        .expect("the inline runtime has a script");
}

/// Runs `tx` both ways; returns the two receipts and how many times the
/// node was asked.
fn both(
    inline: &Rt,
    external: &Rt,
    tx: &Transaction,
    answers: &[Option<i64>],
) -> (Receipt, Receipt, usize) {
    set_script(inline, answers);
    let a = inline.execute(tx, BLOCK).expect("inline runtime");
    let mut script: VecDeque<_> = answers.iter().copied().collect();
    let step = external.start(tx, BLOCK).expect("start");
    let (b, asked) = drive(step, &mut script).expect("external runtime");
    (a, b, asked)
}

fn same(inline: &Rt, external: &Rt, tx: &Transaction, answers: &[Option<i64>]) -> (Receipt, usize) {
    let (a, b, asked) = both(inline, external, tx, answers);
    assert_eq!(a.encode(), b.encode(), "receipts differ:\n{a:#?}\n{b:#?}");
    assert_eq!(inline.head().unwrap(), external.head().unwrap());
    (a, asked)
}

fn deploy_both(inline: &Rt, external: &Rt, wat: &str) -> Address {
    let tx = Transaction::Deploy(deploy_tx(wat, 1));
    let (r, asked) = same(inline, external, &tx, &[]);
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(asked, 0);
    r.deployed.expect("deployed")
}

fn call_tx_of(contract: Address, function: &str, args: Vec<Arg>, input: Vec<u8>) -> Transaction {
    Transaction::Call(call_tx(contract, function, args, input))
}

fn storage(rt: &Rt, c: &Address) -> Vec<u8> {
    rt.read_slice(c, 0, 0, 48).unwrap()
}

// ---------------------------------------------------------------------------
// Tests.

#[test]
fn a_scenario_gives_the_same_receipts_and_roots_inline_and_external() {
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let b = deploy_both(&inline, &external, ASKER);
    let i32_ = |v| vec![Arg::I32(v)];

    // A plain answer, with memory and registers read and written.
    let (r, asked) = same(
        &inline,
        &external,
        &call_tx_of(a, "ask", i32_(5), vec![]),
        &[],
    );
    assert!(r.success(), "{:?}", r.error);
    let fetched = i64::from(b"abcdef".iter().map(|b| i32::from(*b)).sum::<i32>() + 8);
    assert_eq!(r.returns, vec![Arg::I64(507 + fetched)]);
    assert_eq!(asked, 2);
    assert_eq!(
        &storage(&external, &a)[8..14],
        b"fedcba",
        "the node's write reached memory"
    );

    // A denial fails the transaction with a receipt; its writes roll back.
    let before = storage(&external, &b);
    let (r, asked) = same(
        &inline,
        &external,
        &call_tx_of(b, "ask", i32_(13), vec![]),
        &[],
    );
    let err = r.error.expect("denied");
    assert_eq!(err.kind, ErrorKind::HostError);
    assert!(err.message.contains("oracle.price") && err.message.contains("unknown asset 13"));
    assert_eq!(asked, 1);
    assert_eq!(storage(&external, &b), before);

    // A trap after the external calls rolls everything back.
    let (r, asked) = same(
        &inline,
        &external,
        &call_tx_of(b, "ask_then_trap", i32_(6), vec![]),
        &[],
    );
    assert_eq!(r.error.expect("trapped").kind, ErrorKind::Trap);
    assert_eq!(asked, 2);
    assert_eq!(storage(&external, &b), before);

    // A nested call that asks the oracle, then the caller asks again.
    let (r, asked) = same(
        &inline,
        &external,
        &call_tx_of(a, "via", i32_(7), b.0.to_vec()),
        &[],
    );
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(r.returns, vec![Arg::I32(0)], "the nested call succeeded");
    assert_eq!(asked, 3);
    assert_eq!(&storage(&external, &b)[0..8], &707i64.to_le_bytes());
    assert_eq!(&storage(&external, &a)[16..24], &807i64.to_le_bytes());

    // Denied inside the nested call: the call fails, the caller goes on.
    let before_b = storage(&external, &b);
    let (r, asked) = same(
        &inline,
        &external,
        &call_tx_of(a, "via", i32_(13), b.0.to_vec()),
        &[],
    );
    assert!(r.success(), "{:?}", r.error);
    assert_ne!(r.returns, vec![Arg::I32(0)], "the nested call failed");
    assert_eq!(asked, 2);
    assert_eq!(
        storage(&external, &b),
        before_b,
        "the callee's writes rolled back"
    );
    assert_eq!(&storage(&external, &a)[16..24], &1407i64.to_le_bytes());

    // A memory fault the node reports as the inline function would.
    let (r, _) = same(
        &inline,
        &external,
        &call_tx_of(a, "bad_fetch", vec![], vec![]),
        &[],
    );
    assert_eq!(r.error.expect("bad pointer").kind, ErrorKind::HostError);

    // The per-byte cost reads the length argument as the table does (a
    // negative length is a huge one): out of gas before the node is asked.
    let (r, asked) = same(
        &inline,
        &external,
        &call_tx_of(a, "fetch_any", vec![Arg::I32(200), Arg::I32(-1)], vec![]),
        &[],
    );
    assert_eq!(
        (r.error.map(|e| e.kind), asked),
        (Some(ErrorKind::OutOfGas), 0)
    );
    let (r, asked) = same(
        &inline,
        &external,
        &call_tx_of(a, "fetch_any", vec![Arg::I32(0), Arg::I32(4096)], vec![]),
        &[],
    );
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(asked, 1);

    // Out of gas when the table's cost is charged: the node is never asked.
    let mut tx = call_tx(a, "ask", i32_(5), vec![]);
    let (full, _) = same(&inline, &external, &Transaction::Call(tx.clone()), &[]);
    let mut asked_before_running_out = Vec::new();
    let used = full.gas_used;
    for cut in [1, 40, 300, 320, used / 3, used / 2, used * 3 / 4] {
        tx.gas_limit = used - cut;
        let (r, asked) = same(&inline, &external, &Transaction::Call(tx.clone()), &[]);
        assert_eq!(r.error.expect("out of gas").kind, ErrorKind::OutOfGas);
        asked_before_running_out.push(asked);
    }
    // Some limits run out at an external function's own cost, before the
    // node is asked.
    assert!(
        asked_before_running_out.contains(&1),
        "{asked_before_running_out:?}"
    );

    // A cost the function charges as it goes, by the node: enough gas, and
    // not enough for it.
    let (r, asked) = same(
        &inline,
        &external,
        &call_tx_of(a, "quote", i32_(30), vec![]),
        &[],
    );
    assert_eq!((r.returns.clone(), asked), (vec![Arg::I64(60)], 1));
    let mut tx = call_tx(a, "quote", i32_(30), vec![]);
    for gas_limit in [
        r.gas_used,
        r.gas_used - 1,
        r.gas_used - 29_000,
        r.gas_used - 30_000,
    ] {
        tx.gas_limit = gas_limit;
        let (q, asked) = same(&inline, &external, &Transaction::Call(tx.clone()), &[]);
        assert_eq!(q.success(), gas_limit == r.gas_used, "{:?}", q.error);
        assert_eq!(asked, 1, "the table's cost fits: the node is asked");
    }

    // Scripted answers through nested calls; the nested call's denial
    // fails that call only (its status, 1, is added to the sum).
    let (r, asked) = same(
        &inline,
        &external,
        &call_tx_of(a, "script", i32_(4), b.0.to_vec()),
        &[Some(1), Some(2), None, Some(4), Some(5), Some(6)],
    );
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(asked, 6);
    assert_eq!(&storage(&external, &b)[40..48], &6i64.to_le_bytes());
}

#[test]
fn a_block_gives_the_same_result_inline_and_external() {
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let b = deploy_both(&inline, &external, ASKER);
    let txs = vec![
        call_tx_of(a, "ask", vec![Arg::I32(3)], vec![]),
        call_tx_of(b, "ask", vec![Arg::I32(13)], vec![]),
        call_tx_of(a, "via", vec![Arg::I32(9)], b.0.to_vec()),
        call_tx_of(b, "ask_then_trap", vec![Arg::I32(1)], vec![]),
        call_tx_of(a, "script", vec![Arg::I32(2)], vec![]),
    ];
    let answers = [Some(10), Some(20)];
    set_script(&inline, &answers);
    let want: BlockResult = inline.execute_block(&txs, BLOCK).expect("inline block");
    let mut script = answers.iter().copied().collect();
    let step = external.start_block(&txs, BLOCK).expect("start");
    let (got, asked) = drive(step, &mut script).expect("external block");
    assert_eq!(asked, 2 + 1 + 3 + 2 + 2);
    assert_eq!(want.receipts.encode(), got.receipts.encode());
    assert_eq!(want.head, got.head);
    assert_eq!(external.head().unwrap(), Some(got.head));
}

#[test]
fn a_dropped_pending_transaction_writes_nothing() {
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let head: Option<Head> = external.head().unwrap();
    let account = external.account(&a).unwrap();

    let tx = call_tx_of(a, "ask", vec![Arg::I32(5)], vec![]);
    // Dropped at the first call, and after answering one.
    for answered in 0..2 {
        let mut step = external.start(&tx, BLOCK).expect("start");
        for _ in 0..answered {
            let Step::Pending(p) = step else {
                panic!("pending")
            };
            let answer = node(&p, &mut VecDeque::new());
            step = p.resume(answer).expect("resume");
        }
        let Step::Pending(p) = step else {
            panic!("pending")
        };
        drop(p);
        assert_eq!(external.head().unwrap(), head, "nothing written");
        assert_eq!(external.account(&a).unwrap(), account);
    }
    // The runtime is usable, and the next transaction is as inline.
    let (r, _) = same(&inline, &external, &tx, &[]);
    assert!(r.success(), "{:?}", r.error);
}

#[test]
fn a_dropped_pending_block_writes_nothing() {
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let head = external.head().unwrap();
    let txs = vec![
        call_tx_of(a, "ask", vec![Arg::I32(3)], vec![]),
        call_tx_of(a, "ask", vec![Arg::I32(4)], vec![]),
    ];
    let mut step = external.start_block(&txs, BLOCK).expect("start");
    // Answer all of the first transaction and one call of the second.
    for _ in 0..3 {
        let Step::Pending(p) = step else {
            panic!("pending")
        };
        let answer = node(&p, &mut VecDeque::new());
        step = p.resume(answer).expect("resume");
    }
    drop(step);
    assert_eq!(external.head().unwrap(), head);
    let (r, _) = same(&inline, &external, &txs[0], &[]);
    assert!(r.success());
}

#[test]
fn while_a_transaction_waits_the_runtime_is_busy() {
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let tx = call_tx_of(a, "ask", vec![Arg::I32(5)], vec![]);
    let Step::Pending(p) = external.start(&tx, BLOCK).expect("start") else {
        panic!("pending")
    };
    assert!(matches!(
        external.execute(&tx, BLOCK),
        Err(RuntimeError::Busy)
    ));
    assert!(matches!(
        external.start(&tx, BLOCK),
        Err(RuntimeError::Busy)
    ));
    assert!(matches!(
        external.execute_block(&[], BLOCK),
        Err(RuntimeError::Busy)
    ));
    let Transaction::Call(call) = &tx else {
        unreachable!()
    };
    assert!(matches!(
        external.query(call, BLOCK),
        Err(RuntimeError::Busy)
    ));
    assert_eq!(external.with_extension::<Script, _>(|_| ()), None);
    assert!(matches!(
        external.prove_account(&a),
        Err(RuntimeError::Busy)
    ));
    // From another thread too: at once, never waiting for the answer.
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(matches!(
                external.execute(&tx, BLOCK),
                Err(RuntimeError::Busy)
            ))
        });
    });
    // Reads of committed state need no lock.
    assert!(external.account(&a).unwrap().is_some());
    let (r, _) = drive(Step::Pending(p), &mut VecDeque::new()).expect("done");
    assert!(r.success());
    // Free again.
    let (r, _) = same(&inline, &external, &tx, &[]);
    assert!(r.success());
}

#[test]
fn the_pending_call_shows_the_call_and_guards_memory_and_registers() {
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let b = deploy_both(&inline, &external, ASKER);
    let tx = call_tx_of(a, "via", vec![Arg::I32(7)], b.0.to_vec());
    let Step::Pending(p) = external.start(&tx, BLOCK).expect("start") else {
        panic!("pending")
    };
    let call = p.call().clone();
    assert_eq!((call.module(), call.name()), ("oracle", "price"));
    assert_eq!(call.args, vec![Value::I32(7)]);
    assert_eq!(call.depth, 2, "asked from inside the nested call");
    assert_eq!(call.context.address, b);
    assert_eq!(call.context.sender, a);
    assert_eq!(call.function.gas.base, 300);
    assert_eq!(p.read_memory(200, 6).unwrap(), b"abcdef");
    assert!(matches!(
        p.read_memory(65_530, 16),
        Err(AccessError::Memory(_))
    ));
    assert!(matches!(
        p.read_memory(u32::MAX, u32::MAX),
        Err(AccessError::Memory(_))
    ));
    assert!(matches!(
        p.write_memory(65_535, &[1, 2]),
        Err(AccessError::Memory(_))
    ));
    assert!(matches!(
        p.read_register(63, 0),
        Err(AccessError::Register(_))
    ));
    assert!(matches!(
        p.read_register(64, 99),
        Err(AccessError::Register(_))
    ));
    assert!(matches!(
        p.write_register(32, 0, &[0; 5]),
        Err(AccessError::Register(_))
    ));
    p.write_register(64, 1, &[9; 8]).unwrap();
    assert_eq!(p.read_register(64, 1).unwrap(), [9; 8]);
    let (r, _) = drive(Step::Pending(p), &mut VecDeque::new()).expect("done");
    assert!(r.success(), "{:?}", r.error);
}

#[test]
fn a_wrong_answer_type_is_a_fatal_error_that_writes_nothing() {
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let head = external.head().unwrap();
    let tx = call_tx_of(a, "ask", vec![Arg::I32(5)], vec![]);
    for wrong in [None, Some(Value::I32(1))] {
        let Step::Pending(p) = external.start(&tx, BLOCK).expect("start") else {
            panic!("pending")
        };
        match p.resume(Ok(wrong)) {
            Err(RuntimeError::HostFunction {
                module,
                function,
                message,
            }) => {
                assert_eq!((module, function), ("oracle", "price"));
                assert!(message.contains("returns i64"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(external.head().unwrap(), head);
    }
    // A node's own failure is fatal too.
    let Step::Pending(p) = external.start(&tx, BLOCK).expect("start") else {
        panic!("pending")
    };
    let r = p.resume(Err(HostErrorKind::Host("the oracle is down".into())));
    assert!(matches!(r, Err(RuntimeError::HostFunction { .. })), "{r:?}");
    assert_eq!(external.head().unwrap(), head);
    let (r, _) = same(&inline, &external, &tx, &[]);
    assert!(r.success());
}

#[test]
fn execute_and_query_refuse_external_functions() {
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let tx = call_tx(a, "ask", vec![Arg::I32(5)], vec![]);
    for r in [
        external.execute(&Transaction::Call(tx.clone()), BLOCK),
        external.query(&tx, BLOCK),
    ] {
        match r {
            Err(RuntimeError::HostFunction {
                module,
                function,
                message,
            }) => {
                assert_eq!((module, function), ("oracle", "price"));
                assert!(message.contains("Runtime::start"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    // A transaction that calls none runs as usual.
    let r = external
        .execute(&call_tx_of(a, "script", vec![Arg::I32(0)], vec![]), BLOCK)
        .unwrap();
    assert!(r.success());
}

#[test]
fn without_external_modules_start_runs_inline() {
    let rt = inline_runtime();
    let a = deploy(&rt, ASKER, 1);
    let tx = call_tx_of(a, "ask", vec![Arg::I32(5)], vec![]);
    let Step::Done(r) = rt.start(&tx, BLOCK).expect("start") else {
        panic!("no external module: never pending")
    };
    assert!(r.success(), "{:?}", r.error);
}

#[test]
fn a_chain_as_deep_as_the_limit_waits_at_the_bottom() {
    let config = RuntimeConfig::default();
    let depth = config.limits.max_call_depth as usize;
    let build = |external: bool| {
        let b = Runtime::builder(Arc::new(MemKv::new())).config(config.clone());
        let b = if external {
            b.external_module(Oracle)
        } else {
            b.host_module(Oracle)
        };
        b.extension(Box::new(Script(VecDeque::new())))
            .build()
            .unwrap()
    };
    let (inline, external) = (build(false), build(true));
    let addresses: Vec<Address> = (0..depth)
        .map(|_| deploy_both(&inline, &external, DEEP))
        .collect();
    let input: Vec<u8> = addresses[1..].iter().flat_map(|a| a.0).collect();
    let mut tx = call_tx(addresses[0], "fwd", vec![], input);
    tx.gas_limit = 50_000_000;
    let tx = Transaction::Call(tx);

    // The node answers from a thread with a small stack: the transaction
    // runs on its own.
    let (want, got) = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            let want = inline.execute(&tx, BLOCK).unwrap();
            let Step::Pending(p) = external.start(&tx, BLOCK).unwrap() else {
                panic!("pending")
            };
            assert_eq!(p.call().depth as usize, depth);
            assert_eq!(p.read_memory(0, 3).unwrap(), b"fwd");
            let got = match p.resume(Ok(Some(Value::I64(507)))).unwrap() {
                Step::Done(r) => r,
                Step::Pending(_) => panic!("one call"),
            };
            (want, got)
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(want.success(), "{:?}", want.error);
    assert_eq!(want.encode(), got.encode());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random answers (values and denials), call counts, gas limits, and
    /// pending transactions dropped after a random number of answers: the
    /// same receipts and roots both ways (a dropped transaction is one the
    /// inline runtime never ran).
    #[test]
    fn random_answers_give_the_same_receipts(
        runs in prop::collection::vec(
            (0i32..6, prop::collection::vec(prop::option::weighted(0.8, any::<i64>()), 0..10),
             prop::sample::select(vec![30_000u64, 60_000, 120_000, 2_000_000]), any::<bool>(),
             prop::option::weighted(0.25, 0usize..4)),
            1..5,
        )
    ) {
        let (inline, external) = (inline_runtime(), external_runtime());
        let a = deploy_both(&inline, &external, ASKER);
        let b = deploy_both(&inline, &external, ASKER);
        for (n, answers, gas_limit, nested, drop_at) in runs {
            let input = if nested { b.0.to_vec() } else { vec![] };
            let mut tx = call_tx(a, "script", vec![Arg::I32(n)], input);
            tx.gas_limit = gas_limit;
            let tx = Transaction::Call(tx);
            let (x, y) = match drop_at {
                None => {
                    let (x, y, _) = both(&inline, &external, &tx, &answers);
                    (x, y)
                }
                Some(k) => {
                    let mut script: VecDeque<_> = answers.iter().copied().collect();
                    let mut step = external.start(&tx, BLOCK).unwrap();
                    let mut answered = 0;
                    let finished = loop {
                        match step {
                            Step::Done(r) => break Some(r),
                            Step::Pending(p) if answered == k => {
                                drop(p);
                                break None;
                            }
                            Step::Pending(p) => {
                                answered += 1;
                                let answer = node(&p, &mut script);
                                step = p.resume(answer).unwrap();
                            }
                        }
                    };
                    match finished {
                        // Dropped: the inline runtime never runs it, and
                        // only the state (below) is compared.
                        None => (Receipt::default(), Receipt::default()),
                        Some(y) => {
                            set_script(&inline, &answers);
                            (inline.execute(&tx, BLOCK).unwrap(), y)
                        }
                    }
                }
            };
            prop_assert_eq!(x.encode(), y.encode());
            prop_assert_eq!(inline.head().unwrap(), external.head().unwrap());
            prop_assert_eq!(storage(&inline, &a), storage(&external, &a));
            prop_assert_eq!(storage(&inline, &b), storage(&external, &b));
        }
    }
}

#[test]
fn pending_transactions_can_move_between_threads() {
    fn send<T: Send>(_: &T) {}
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let tx = call_tx_of(a, "ask", vec![Arg::I32(5)], vec![]);
    let step = external.start(&tx, BLOCK).unwrap();
    send(&step);
    // Answered on another thread than the one that started it.
    let (r, asked) = std::thread::spawn(move || drive(step, &mut VecDeque::new()).unwrap())
        .join()
        .unwrap();
    assert_eq!(asked, 2);
    set_script(&inline, &[]);
    assert_eq!(r.encode(), inline.execute(&tx, BLOCK).unwrap().encode());
}

#[test]
fn a_constructor_can_wait_for_the_node() {
    let (inline, external) = (inline_runtime(), external_runtime());
    for asset in [5, 13] {
        let mut deploy = deploy_tx(ASKER, 1);
        deploy.ctor = Some(strata_runtime::FunctionCall {
            function: "ask".into(),
            args: vec![Arg::I32(asset)],
        });
        let (r, asked) = same(&inline, &external, &Transaction::Deploy(deploy), &[]);
        if asset == 13 {
            assert_eq!(asked, 1);
            assert_eq!(r.error.expect("denied").kind, ErrorKind::HostError);
            assert_eq!(r.deployed, None, "a failed constructor creates nothing");
        } else {
            assert_eq!(asked, 2);
            assert!(r.success(), "{:?}", r.error);
            let c = r.deployed.expect("deployed");
            assert_eq!(&storage(&external, &c)[0..8], &507i64.to_le_bytes());
        }
    }
}

#[test]
fn a_query_can_wait_for_the_node_and_writes_nothing() {
    let (inline, external) = (inline_runtime(), external_runtime());
    let a = deploy_both(&inline, &external, ASKER);
    let head = external.head().unwrap();
    // `quote` writes nothing: the same receipt as an inline query.
    let call = call_tx(a, "quote", vec![Arg::I32(4)], vec![]);
    let want = inline.query(&call, BLOCK).unwrap();
    let (got, asked) = drive(
        external.start_query(&call, BLOCK).unwrap(),
        &mut VecDeque::new(),
    )
    .unwrap();
    assert_eq!(asked, 1);
    assert!(got.success(), "{:?}", got.error);
    assert_eq!(want.encode(), got.encode());
    // `ask` writes storage after its first answer: a query fails there,
    // as inline.
    let call = call_tx(a, "ask", vec![Arg::I32(5)], vec![]);
    let want = inline.query(&call, BLOCK).unwrap();
    let (got, asked) = drive(
        external.start_query(&call, BLOCK).unwrap(),
        &mut VecDeque::new(),
    )
    .unwrap();
    assert_eq!(asked, 1);
    assert_eq!(
        got.error.as_ref().map(|e| e.kind),
        Some(ErrorKind::ReadOnly)
    );
    assert_eq!(want.encode(), got.encode());
    assert_eq!(external.head().unwrap(), head);
}

fn tick<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
) -> Result<(), HostErrorKind> {
    let ticks = host
        .extension()
        .and_then(|e| e.downcast_mut::<strata_runtime::Journal<i64>>())
        .ok_or_else(|| HostErrorKind::Host("no ticks".into()))?;
    *ticks.get_mut() += 1;
    Ok(())
}

host_functions! {
    /// A counter the node keeps, journaled.
    struct Ticks = "ticks";

    /// Adds one to the node's count.
    fn tick();
        gas 5;
        impl tick;
}

#[test]
fn a_dropped_transaction_rolls_back_journaled_embedder_state() {
    let rt = Runtime::builder(Arc::new(MemKv::new()))
        .external_module(Oracle)
        .host_module(Ticks)
        .journaled_extension(strata_runtime::Journal::new(0i64))
        .build()
        .unwrap();
    let c = deploy(
        &rt,
        r#"(module
          (import "ticks" "tick" (func $tick))
          (import "oracle" "price" (func $price (param i32) (result i64)))
          (func (export "go") (result i64)
            (call $tick) (drop (call $price (i32.const 1))) (call $tick) (call $price (i32.const 2))))"#,
        1,
    );
    let ticks = |rt: &Rt| rt.with_extension::<strata_runtime::Journal<i64>, _>(|t| **t);
    let tx = call_tx_of(c, "go", vec![], vec![]);
    // Dropped after one tick, then after two.
    for answered in 0..2 {
        let mut step = rt.start(&tx, BLOCK).unwrap();
        for _ in 0..answered {
            let Step::Pending(p) = step else {
                panic!("pending")
            };
            let answer = node(&p, &mut VecDeque::new());
            step = p.resume(answer).unwrap();
        }
        drop(step);
        assert_eq!(ticks(&rt), Some(0), "the ticks rolled back");
    }
    let (r, asked) = drive(rt.start(&tx, BLOCK).unwrap(), &mut VecDeque::new()).unwrap();
    assert_eq!((r.returns, asked), (vec![Arg::I64(207)], 2));
    assert_eq!(ticks(&rt), Some(2));
}
