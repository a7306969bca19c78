//! End-to-end behaviour of deploy and execute, with WAT contracts.

mod common;

use std::sync::Arc;

use common::*;
use strata_kv::MemKv;
use strata_runtime::{
    Arg, BlockContext, ErrorKind, FunctionCall, Limits, Receipt, Runtime, RuntimeConfig,
    Transaction,
};

fn runtime() -> (Arc<MemKv>, Runtime<Arc<MemKv>>) {
    let kv = Arc::new(MemKv::new());
    (kv.clone(), Runtime::new(kv))
}

fn failed(r: &Receipt, kind: ErrorKind) {
    let err = r
        .error
        .as_ref()
        .unwrap_or_else(|| panic!("expected {kind:?}, got success {r:?}"));
    assert_eq!(err.kind, kind, "{}", err.message);
}

#[test]
fn counter_persists_across_calls() {
    let (_kv, rt) = runtime();
    let c = deploy(&rt, COUNTER, 1);
    for want in 1..=3 {
        let r = call(&rt, c, "inc", vec![]);
        assert!(r.success(), "{:?}", r.error);
        assert_eq!(r.returns, vec![Arg::I64(want)]);
        assert_eq!(r.return_data, want.to_le_bytes());
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.events[0].contract, c);
        assert_eq!(&r.events[0].topics[0][..13], b"counter-topic");
        assert_eq!(r.logs, vec!["incremented"]);
        assert_eq!(r.state_roots.len(), 1);
        assert_eq!(r.state_roots[0].0, c);
        assert!(r.gas_used > 0 && r.gas_used < GAS);
    }
    assert_eq!(counter_value(&rt, &c), 3);
    let account = rt.account(&c).unwrap().unwrap();
    assert_eq!(
        account.state_root,
        call(&rt, c, "get", vec![]).state_roots[0].1
    );
}

#[test]
fn a_failing_call_changes_nothing() {
    let (kv, rt) = runtime();
    let c = deploy(&rt, COUNTER, 1);
    assert!(call(&rt, c, "add", vec![Arg::I64(5)]).success());
    let root = rt.account(&c).unwrap().unwrap().state_root;
    let records = kv.len();
    let r = call(&rt, c, "fail_after_write", vec![]);
    failed(&r, ErrorKind::Trap);
    assert!(
        r.error.as_ref().unwrap().message.contains("unreachable"),
        "{:?}",
        r.error
    );
    assert!(r.state_roots.is_empty());
    assert!(r.events.is_empty());
    assert_eq!(kv.len(), records, "nothing was written");
    assert_eq!(rt.account(&c).unwrap().unwrap().state_root, root);
    assert_eq!(counter_value(&rt, &c), 5);
    // The cached page cache was rolled back too: the next call sees 5.
    assert_eq!(call(&rt, c, "get", vec![]).returns, vec![Arg::I64(5)]);

    let r = call(&rt, c, "abort_after_write", vec![]);
    failed(&r, ErrorKind::Abort);
    assert_eq!(
        r.error.unwrap().message,
        "nope, not today",
        "the contract's own message"
    );
    assert_eq!(counter_value(&rt, &c), 5);
}

#[test]
fn infinite_loop_runs_out_of_gas() {
    let (_kv, rt) = runtime();
    let c = deploy(&rt, COUNTER, 1);
    let r = call(&rt, c, "spin", vec![]);
    failed(&r, ErrorKind::OutOfGas);
    assert_eq!(r.gas_used, GAS, "out of gas uses the whole limit");
}

#[test]
fn memory_growth_and_recursion_end_in_typed_errors() {
    let (_kv, rt) = runtime();
    let c = deploy(&rt, COUNTER, 1);
    let r = call(&rt, c, "grow", vec![]);
    failed(&r, ErrorKind::ResourceLimit);
    let r = call(&rt, c, "recurse", vec![Arg::I32(0)]);
    failed(&r, ErrorKind::StackOverflow);
    // The contract still works afterwards.
    assert!(call(&rt, c, "inc", vec![]).success());
}

#[test]
fn bad_arguments_are_typed_errors() {
    let (_kv, rt) = runtime();
    let c = deploy(&rt, COUNTER, 2);
    let r = call(&rt, c, "write_page", vec![Arg::I32(2)]);
    failed(&r, ErrorKind::HostError);
    let msg = r.error.unwrap().message;
    assert!(
        msg.contains("strata.storage_write") && msg.contains("`page`"),
        "{msg}"
    );
    let r = call(&rt, c, "bad_pointer", vec![]);
    failed(&r, ErrorKind::HostError);
    assert!(r.error.unwrap().message.contains("`src_ptr`"));
    failed(&call(&rt, c, "nope", vec![]), ErrorKind::InvalidTransaction);
    failed(&call(&rt, c, "add", vec![]), ErrorKind::InvalidTransaction);
    failed(
        &call(&rt, c, "add", vec![Arg::I32(1)]),
        ErrorKind::InvalidTransaction,
    );
    let nobody = strata_runtime::Address([9; 20]);
    let r = call(&rt, nobody, "inc", vec![]);
    failed(&r, ErrorKind::InvalidTransaction);
    assert!(r.error.unwrap().message.contains(&nobody.to_hex()));
}

fn rejected(wat: &str, rule: &str) {
    let (kv, rt) = runtime();
    let before = kv.len();
    let r = rt
        .execute(&Transaction::Deploy(deploy_tx(wat, 1)), BLOCK)
        .unwrap();
    failed(&r, ErrorKind::InvalidCode);
    let msg = r.error.unwrap().message;
    assert!(msg.contains(rule), "expected {rule:?} in {msg:?}");
    assert_eq!(kv.len(), before, "invalid code never reaches the store");
}

#[test]
fn invalid_code_is_rejected_at_deploy() {
    rejected(
        "(module (func (export \"f\") (result f32) (f32.const 1)))",
        "float",
    );
    rejected("(module (func (export \"f\") (param f64)))", "float");
    rejected(
        r#"(module (import "strata" "no_such_fn" (func)))"#,
        "strata.no_such_fn",
    );
    rejected(
        r#"(module (import "env" "anything" (func)))"#,
        "known-imports",
    );
    rejected(
        r#"(module (import "svm" "reg_read_be_i64" (func (param i32 i32) (result i32))))"#,
        "import-signatures: import svm.reg_read_be_i64 has signature (i32, i32) -> (i32), but the host function is (i32, i32) -> (i64)",
    );
    rejected("(module (func $s) (start $s))", "no-start-function");
    rejected("(module (memory 1) (memory 1))", "multi");
    rejected("(module (memory 300))", "memory-limit");
    rejected("(module (memory 1 300))", "memory-limit");
    rejected(
        r#"(module (import "strata" "m" (memory 1)))"#,
        "function-imports-only",
    );
    rejected("(module (func (export \"memory\")))", "memory-export");
    rejected("(module (func (drop (i32x4.splat (i32.const 1)))))", "SIMD");
    // Bytes that are not wasm at all.
    let (kv, rt) = runtime();
    let mut tx = deploy_tx("(module)", 1);
    tx.code = b"not wasm at all".to_vec();
    let r = rt.execute(&Transaction::Deploy(tx), BLOCK).unwrap();
    failed(&r, ErrorKind::InvalidCode);
    assert!(kv.is_empty());
}

#[test]
fn deploy_limits_and_constructor() {
    let (kv, rt) = runtime();
    // A constructor that fails leaves no account, no code, no pages.
    let mut tx = deploy_tx(COUNTER, 1);
    tx.ctor = Some(FunctionCall {
        function: "fail_after_write".into(),
        args: vec![],
    });
    let before = kv.len();
    let r = rt.execute(&Transaction::Deploy(tx.clone()), BLOCK).unwrap();
    failed(&r, ErrorKind::Trap);
    assert_eq!(kv.len(), before);
    // A constructor that works.
    tx.ctor = Some(FunctionCall {
        function: "init".into(),
        args: vec![Arg::I64(40)],
    });
    let r = rt.execute(&Transaction::Deploy(tx.clone()), BLOCK).unwrap();
    assert!(r.success(), "{:?}", r.error);
    let c = r.deployed.unwrap();
    assert_eq!(counter_value(&rt, &c), 40);
    // The same deploy again gets the next nonce, so another address.
    let r2 = rt.execute(&Transaction::Deploy(tx.clone()), BLOCK).unwrap();
    assert_ne!(r2.deployed.unwrap(), c);
    // A stale nonce is refused.
    tx.nonce = Some(0);
    failed(
        &rt.execute(&Transaction::Deploy(tx.clone()), BLOCK).unwrap(),
        ErrorKind::InvalidTransaction,
    );
    // A missing constructor export is refused at validation.
    tx.nonce = None;
    tx.ctor = Some(FunctionCall {
        function: "nope".into(),
        args: vec![],
    });
    failed(
        &rt.execute(&Transaction::Deploy(tx.clone()), BLOCK).unwrap(),
        ErrorKind::InvalidCode,
    );
    // Too many pages.
    let mut big = deploy_tx(COUNTER, 1);
    big.page_count = rt.config().limits.max_page_count + 1;
    failed(
        &rt.execute(&Transaction::Deploy(big), BLOCK).unwrap(),
        ErrorKind::InvalidTransaction,
    );
    // Bad register banks.
    let mut banks = deploy_tx(COUNTER, 1);
    banks.banks = Some(vec![strata_registers::BankSpec::new(12, 1)]);
    failed(
        &rt.execute(&Transaction::Deploy(banks), BLOCK).unwrap(),
        ErrorKind::InvalidTransaction,
    );
}

#[test]
fn svm_contracts_run_unchanged() {
    let (_kv, rt) = runtime();
    let c = deploy(&rt, SVM_COUNTER, 2);
    // The memory was not exported; deploy added the export.
    let account = rt.account(&c).unwrap().unwrap();
    let code = rt.code(&account.code_hash.unwrap()).unwrap().unwrap();
    let exports: Vec<String> = wasmparser::Parser::new(0)
        .parse_all(&code)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::ExportSection(r) => Some(
                r.into_iter()
                    .map(|e| e.unwrap().name.to_owned())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(exports.contains(&"memory".to_string()), "{exports:?}");
    for want in 1..=3 {
        assert_eq!(call(&rt, c, "inc", vec![]).returns, vec![Arg::I64(want)]);
    }
    // The SVM counter is big-endian in storage (registers are).
    assert_eq!(rt.read_slice(&c, 0, 0, 8).unwrap(), 3i64.to_be_bytes());
    assert!(call(&rt, c, "tag", vec![]).success());
    assert_eq!(rt.read_slice(&c, 1, 10, 4).unwrap(), b"svm!");
}

#[test]
fn nested_call_failure_rolls_back_only_the_callee() {
    let (_kv, rt) = runtime();
    let counter = deploy(&rt, COUNTER, 1);
    let caller = deploy(&rt, CALLER, 1);
    assert!(call(&rt, counter, "add", vec![Arg::I64(10)]).success());

    let ok = call_with_input(&rt, caller, "call_target", call_input(&counter, "inc", b""));
    assert!(ok.success(), "{:?}", ok.error);
    assert_eq!(ok.returns, vec![Arg::I32(0)]);
    assert_eq!(
        ok.return_data,
        11i64.to_le_bytes(),
        "the callee's return data"
    );
    assert_eq!(ok.state_roots.len(), 2, "both contracts are in the receipt");
    assert_eq!(ok.events.len(), 1, "the callee's event");
    assert_eq!(counter_value(&rt, &counter), 11);

    let r = call_with_input(
        &rt,
        caller,
        "call_target",
        call_input(&counter, "abort_after_write", b""),
    );
    assert!(
        r.success(),
        "the caller handles the callee's failure: {:?}",
        r.error
    );
    assert_eq!(r.returns, vec![Arg::I32(1)], "status 1: the callee failed");
    assert!(String::from_utf8_lossy(&r.return_data).contains("nope, not today"));
    assert_eq!(
        counter_value(&rt, &counter),
        11,
        "the callee's write was rolled back"
    );
    assert_eq!(
        rt.read_slice(&caller, 0, 8, 8).unwrap(),
        2i64.to_le_bytes(),
        "the caller's writes stay"
    );

    let r = call_with_input(
        &rt,
        caller,
        "call_target",
        call_input(&counter, "spin", b""),
    );
    assert_eq!(
        r.returns,
        vec![Arg::I32(1)],
        "a callee out of gas is a failed callee"
    );
    assert!(
        r.gas_used >= 500_000,
        "the callee's gas is charged to the caller"
    );

    for (function, status) in [("nope", 3), ("add", 3)] {
        let r = call_with_input(
            &rt,
            caller,
            "call_target",
            call_input(&counter, function, b""),
        );
        assert_eq!(r.returns, vec![Arg::I32(status)], "{function}");
    }
    let nobody = strata_runtime::Address([7; 20]);
    let r = call_with_input(&rt, caller, "call_target", call_input(&nobody, "inc", b""));
    assert_eq!(r.returns, vec![Arg::I32(2)]);
}

#[test]
fn when_the_caller_fails_later_everything_rolls_back() {
    // A caller that calls the counter, then traps.
    let (_kv, rt) = runtime();
    let counter = deploy(&rt, COUNTER, 1);
    let trap_after = CALLER.replace("(local.get $status)))", "(local.get $status) unreachable))");
    let caller = deploy(&rt, &trap_after, 1);
    let r = call_with_input(&rt, caller, "call_target", call_input(&counter, "inc", b""));
    failed(&r, ErrorKind::Trap);
    assert_eq!(counter_value(&rt, &counter), 0);
}

#[test]
fn reentrancy_is_refused_and_depth_is_limited() {
    let (_kv, rt) = runtime();
    let a = deploy(&rt, CALLER, 1);
    let b = deploy(&rt, CALLER, 1);
    // a -> b -> a: b's call is refused with status 4; a sees b succeed.
    let inner = call_input(&a, "call_target", &call_input(&b, "call_target", b""));
    let r = call_with_input(&rt, a, "call_target", call_input(&b, "call_target", &inner));
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(r.returns, vec![Arg::I32(0)]);
    assert_eq!(
        rt.read_slice(&b, 0, 0, 4).unwrap(),
        4i32.to_le_bytes(),
        "b saw status 4"
    );
    assert!(String::from_utf8_lossy(&r.return_data).contains("re-entry is disabled"));

    // With re-entry allowed and a depth limit of 5, a self-calling chain
    // stops at the limit.
    let kv = Arc::new(MemKv::new());
    let config = RuntimeConfig {
        allow_reentrancy: true,
        limits: Limits {
            max_call_depth: 5,
            ..Limits::default()
        },
        ..RuntimeConfig::default()
    };
    let rt = Runtime::builder(kv).config(config).build().unwrap();
    let s = deploy(&rt, CALLER, 1);
    let mut input = Vec::new();
    for _ in 0..10 {
        input = call_input(&s, "call_target", &input);
    }
    let r = rt
        .execute(
            &Transaction::Call(call_tx(s, "call_target", vec![], input)),
            BLOCK,
        )
        .unwrap();
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(
        rt.read_slice(&s, 0, 8, 8).unwrap(),
        5i64.to_le_bytes(),
        "five frames ran"
    );
    assert_eq!(
        rt.read_slice(&s, 0, 0, 4).unwrap(),
        0i32.to_le_bytes(),
        "the outermost saw success"
    );
}

#[test]
fn queries_cannot_write_and_never_commit() {
    let (kv, rt) = runtime();
    let c = deploy(&rt, COUNTER, 1);
    assert!(call(&rt, c, "inc", vec![]).success());
    let records = kv.len();
    let q = rt.query(&call_tx(c, "get", vec![], vec![]), BLOCK).unwrap();
    assert_eq!(q.returns, vec![Arg::I64(1)]);
    let q = rt.query(&call_tx(c, "inc", vec![], vec![]), BLOCK).unwrap();
    failed(&q, ErrorKind::ReadOnly);
    assert_eq!(kv.len(), records);
    assert_eq!(counter_value(&rt, &c), 1);
    assert_eq!(call(&rt, c, "get", vec![]).returns, vec![Arg::I64(1)]);
}

#[test]
fn a_block_is_one_batch_and_each_transaction_is_atomic() {
    let kv = Arc::new(strata_kv::testing::Instrumented::new(MemKv::new()));
    let rt = Runtime::new(kv.clone());
    let c = deploy(&rt, COUNTER, 1);
    let writes = kv.writes();
    let inc = Transaction::Call(call_tx(c, "inc", vec![], vec![]));
    let fail = Transaction::Call(call_tx(c, "fail_after_write", vec![], vec![]));
    let deploy2 = Transaction::Deploy(deploy_tx(COUNTER, 1));
    let block = vec![inc.clone(), fail, inc.clone(), deploy2, inc];
    let receipts = rt
        .execute_block(&block, BlockContext { height: 2, time: 5 })
        .unwrap()
        .receipts;
    let ok: Vec<bool> = receipts.iter().map(Receipt::success).collect();
    assert_eq!(ok, vec![true, false, true, true, true]);
    let values: Vec<Vec<Arg>> = receipts.iter().map(|r| r.returns.clone()).collect();
    assert_eq!(values[0], vec![Arg::I64(1)]);
    assert_eq!(
        values[2],
        vec![Arg::I64(2)],
        "the failed transaction in between changed nothing"
    );
    assert_eq!(values[4], vec![Arg::I64(3)]);
    assert_eq!(kv.writes(), writes + 1, "one batch for the block");
    assert_eq!(counter_value(&rt, &c), 3);
    // The contract deployed inside the block is usable after it.
    let d = receipts[3].deployed.unwrap();
    assert_eq!(call(&rt, d, "inc", vec![]).returns, vec![Arg::I64(1)]);
}

#[test]
fn transactions_and_receipts_decode_safely() {
    let (_kv, rt) = runtime();
    let c = deploy(&rt, COUNTER, 1);
    let r = call(&rt, c, "inc", vec![]);
    let bytes = r.to_bytes();
    assert_eq!(Receipt::from_bytes(&bytes).unwrap(), r);
    for cut in 0..bytes.len() {
        assert!(
            Receipt::from_bytes(&bytes[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Receipt::from_bytes(&longer).is_err(), "trailing bytes");
    assert!(Receipt::from_bytes(&[0xff; 64]).is_err());
    let tx = Transaction::Call(call_tx(c, "inc", vec![Arg::I64(-1)], vec![1, 2, 3]));
    assert_eq!(Transaction::from_bytes(&tx.to_bytes()).unwrap(), tx);
    assert!(Transaction::from_bytes(&[9, 9, 9]).is_err());
    // A length prefix claiming gigabytes must not allocate them or panic.
    assert!(Transaction::from_bytes(&[0, 0xff, 0xff, 0xff, 0xff, 0x03]).is_err());
}

#[test]
fn accounts_keep_their_tree_root_and_commits_write_no_root_records() {
    use strata_kv::{KvStore, WriteBatch};
    use strata_pages::{NS_ROOTS, tree};
    use strata_runtime::{NS_ACCOUNTS, RuntimeError};

    let (kv, rt) = runtime();
    let c = deploy(&rt, COUNTER, 1);
    for _ in 0..3 {
        assert!(call(&rt, c, "inc", vec![]).success());
    }
    let account = rt.account(&c).unwrap().unwrap();
    assert_eq!(
        tree::state_root(account.page_count, &account.tree_root),
        account.state_root
    );
    assert_eq!(
        kv.len_of(NS_ROOTS),
        0,
        "the account holds what a root record would"
    );
    // A cold start opens the storage from the account alone.
    rt.clear_caches();
    assert_eq!(counter_value(&rt, &c), 3);
    assert_eq!(call(&rt, c, "inc", vec![]).returns, vec![Arg::I64(4)]);

    // An account whose tree root does not make its state root is corrupt
    // (even with a good checksum): a typed error naming it, and nothing
    // written.
    let mut bad = rt.account(&c).unwrap().unwrap();
    bad.tree_root[0] ^= 1;
    let mut batch = WriteBatch::new();
    batch.put(NS_ACCOUNTS, c.0, bad.to_record(&c));
    kv.write(batch).unwrap();
    rt.clear_caches();
    let before = kv.len();
    let tx = Transaction::Call(call_tx(c, "inc", vec![], vec![]));
    let err = rt.execute(&tx, BlockContext::default()).unwrap_err();
    assert!(
        matches!(
            err,
            RuntimeError::Corrupt {
                what: "account",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("tree root"), "{err}");
    assert_eq!(kv.len(), before, "nothing written");
    assert!(matches!(
        rt.read_slice(&c, 0, 0, 8),
        Err(RuntimeError::Corrupt { .. })
    ));
    assert!(
        matches!(rt.account(&c), Err(RuntimeError::Corrupt { .. })),
        "the account is validated before it is shown"
    );
}
