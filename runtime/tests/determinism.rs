//! Determinism: one scenario, run cold, warm, with caches cleared before
//! every transaction, with tiny caches, with eager translation, after a
//! restart, and on both kv backends, gives byte-identical receipts and
//! roots. A golden file pins the receipts, so that any change to hashing,
//! encoding or gas shows up as a diff.

mod common;

use std::fmt::Write;
use std::sync::Arc;

use common::*;
use strata_kv::{KvStore, MemKv};
use strata_runtime::{
    Address, Arg, BlockContext, Compilation, FunctionCall, Receipt, Runtime, RuntimeConfig,
    Transaction, contract_address,
};

/// The scenario: deploys, calls, failures, nested calls and a block. The
/// addresses are derived exactly as the runtime derives them.
fn scenario() -> Vec<Vec<Transaction>> {
    let code = |wat: &str| {
        let mut tx = deploy_tx(wat, 4);
        tx.balance = 1_000;
        tx
    };
    // Deploy nonces 0, 1, 2 of AUTHOR. The runtime adds a memory export to
    // the SVM counter, so its code hash is that of the stored code.
    let counter_tx = {
        let mut t = code(COUNTER);
        t.ctor = Some(FunctionCall {
            function: "init".into(),
            args: vec![Arg::I64(100)],
        });
        t
    };
    let caller_tx = code(CALLER);
    let svm_tx = code(SVM_COUNTER);
    let hash_of = |tx: &strata_runtime::DeployTx| {
        let limits = strata_runtime::Limits::default();
        let hosts: Vec<&'static strata_host_fns::HostFnDesc> = strata_host_fns::Svm::FUNCTIONS
            .iter()
            .chain(strata_host_fns::Strata::FUNCTIONS)
            .collect();
        let v = strata_runtime::validate::validate(&tx.code, &hosts, &limits, &[]).unwrap();
        strata_runtime::CodeHash::of(&v.code)
    };
    let counter = contract_address(&AUTHOR, 0, &hash_of(&counter_tx));
    let caller = contract_address(&AUTHOR, 1, &hash_of(&caller_tx));
    let svm = contract_address(&AUTHOR, 2, &hash_of(&svm_tx));
    let call = |c: Address, f: &str, args: Vec<Arg>, input: Vec<u8>, gas: u64| {
        let mut tx = call_tx(c, f, args, input);
        tx.gas_limit = gas;
        Transaction::Call(tx)
    };
    vec![
        vec![Transaction::Deploy(counter_tx)],
        vec![Transaction::Deploy(caller_tx), Transaction::Deploy(svm_tx)],
        vec![call(counter, "inc", vec![], vec![], GAS)],
        vec![
            call(counter, "add", vec![Arg::I64(-7)], vec![], GAS),
            call(counter, "fail_after_write", vec![], vec![], GAS),
            call(svm, "inc", vec![], vec![], GAS),
            call(svm, "tag", vec![], vec![], GAS),
        ],
        vec![call(
            caller,
            "call_target",
            vec![],
            call_input(&counter, "inc", b""),
            GAS,
        )],
        vec![call(
            caller,
            "call_target",
            vec![],
            call_input(&counter, "abort_after_write", b""),
            GAS,
        )],
        vec![call(counter, "spin", vec![], vec![], 50_000)],
        vec![call(counter, "write_page", vec![Arg::I32(9)], vec![], GAS)],
        vec![
            call(counter, "inc", vec![], vec![], GAS),
            call(svm, "inc", vec![], vec![], GAS),
            call(
                caller,
                "call_target",
                vec![],
                call_input(&svm, "inc", b""),
                GAS,
            ),
        ],
    ]
}

fn block(i: usize) -> BlockContext {
    BlockContext {
        height: i as u64 + 1,
        time: 1_700_000_000 + 5 * i as u64,
    }
}

/// Runs the scenario; `before_each` runs before every block.
fn run<K: KvStore + Clone + 'static>(
    rt: &Runtime<K>,
    before_each: &dyn Fn(&Runtime<K>),
    from: usize,
    to: usize,
) -> Vec<Receipt> {
    let mut out = Vec::new();
    for (i, txs) in scenario().iter().enumerate().take(to).skip(from) {
        before_each(rt);
        out.extend(rt.execute_block(txs, block(i)).expect("runtime"));
    }
    out
}

fn render(receipts: &[Receipt]) -> String {
    let mut s = String::new();
    for (i, r) in receipts.iter().enumerate() {
        let status = match &r.error {
            None => "ok".to_string(),
            Some(e) => format!("{}: {}", e.kind.name(), e.message),
        };
        let _ = writeln!(s, "tx {i}: {status}");
        let _ = writeln!(s, "  gas_used {}", r.gas_used);
        if let Some(d) = r.deployed {
            let _ = writeln!(s, "  deployed {d}");
        }
        let returns: Vec<String> = r.returns.iter().map(Arg::to_string).collect();
        let _ = writeln!(
            s,
            "  returns [{}] return_data {}",
            returns.join(", "),
            hex::encode(&r.return_data)
        );
        for (a, root) in &r.state_roots {
            let _ = writeln!(s, "  root {a} {root}");
        }
        for e in &r.events {
            let topics: Vec<String> = e.topics.iter().map(hex::encode).collect();
            let _ = writeln!(
                s,
                "  event {} [{}] {}",
                e.contract,
                topics.join(" "),
                hex::encode(&e.data)
            );
        }
        for l in &r.logs {
            let _ = writeln!(s, "  log {l}");
        }
        let _ = writeln!(s, "  scale {}", hex::encode(r.to_bytes()));
    }
    s
}

fn mem_runtime(config: RuntimeConfig) -> Runtime<Arc<MemKv>> {
    Runtime::builder(Arc::new(MemKv::new()))
        .config(config)
        .build()
        .unwrap()
}

fn nothing<K: KvStore + Clone + 'static>(_: &Runtime<K>) {}

fn reference() -> Vec<Receipt> {
    let n = scenario().len();
    run(&mem_runtime(RuntimeConfig::default()), &nothing, 0, n)
}

#[test]
fn the_scenario_does_what_it_should() {
    let receipts = reference();
    let ok: Vec<bool> = receipts.iter().map(Receipt::success).collect();
    assert_eq!(
        ok,
        vec![
            true, true, true, true, true, false, true, true, true, true, false, false, true, true,
            true
        ],
        "{}",
        render(&receipts)
    );
    assert_eq!(
        receipts[3].returns,
        vec![Arg::I64(101)],
        "the constructor set 100"
    );
    assert_eq!(
        receipts[5].returns,
        vec![],
        "the failed call returns nothing"
    );
    assert_eq!(receipts[8].returns, vec![Arg::I32(0)]);
    assert_eq!(receipts[9].returns, vec![Arg::I32(1)], "the callee aborted");
    assert_eq!(receipts[10].gas_used, 50_000, "out of gas uses the limit");
    assert_eq!(
        receipts[12].returns,
        vec![Arg::I64(96)],
        "100 + 1 - 7 + 1 + 1"
    );
}

#[test]
fn warm_cold_tiny_caches_and_eager_translation_agree() {
    let n = scenario().len();
    let want = reference();
    let cold = run(
        &mem_runtime(RuntimeConfig::default()),
        &|rt| rt.clear_caches(),
        0,
        n,
    );
    assert_eq!(render(&cold), render(&want), "cold caches");
    let tiny = RuntimeConfig {
        module_cache: 1,
        contract_cache: 1,
        pages_per_contract: 1,
        ..RuntimeConfig::default()
    };
    assert_eq!(
        render(&run(&mem_runtime(tiny), &nothing, 0, n)),
        render(&want),
        "tiny caches"
    );
    let eager = RuntimeConfig {
        compilation: Compilation::Eager,
        ..RuntimeConfig::default()
    };
    assert_eq!(
        render(&run(&mem_runtime(eager), &nothing, 0, n)),
        render(&want),
        "eager translation"
    );
    // Warm: the same transactions again on a second runtime sharing a store
    // that is warm from a full run are not comparable (the state moved on),
    // so warm up a runtime with the scenario's modules by running it to the
    // middle, then compare the rest with a cold runtime on the same state.
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv.clone());
    let mut warm = run(&rt, &nothing, 0, 5);
    warm.extend(run(&rt, &nothing, 5, n));
    assert_eq!(render(&warm), render(&want), "warm");
}

#[test]
fn golden_receipts() {
    let got = render(&reference());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/scenario.txt");
    if std::env::var_os("STRATA_BLESS").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    if got != want {
        let first = got.lines().zip(want.lines()).position(|(a, b)| a != b);
        panic!(
            "receipts differ from {} (first differing line {:?}): hashing, encoding or gas changed. \
             If that is intended, regenerate with STRATA_BLESS=1 cargo test -p strata-runtime --test determinism",
            path.display(),
            first.map(|i| (got.lines().nth(i), want.lines().nth(i)))
        );
    }
}

#[cfg(feature = "rocksdb")]
mod rocks {
    use super::*;
    use strata_kv::{RocksConfig, RocksKv};

    fn open(dir: &std::path::Path) -> Runtime<Arc<RocksKv>> {
        Runtime::new(Arc::new(
            RocksKv::open_with(dir, &RocksConfig::with_sync(false)).unwrap(),
        ))
    }

    #[test]
    fn rocksdb_and_a_restart_agree_with_memory() {
        let n = scenario().len();
        let want = render(&reference());
        let dir = tempfile::tempdir().unwrap();
        let whole = run(&open(dir.path()), &nothing, 0, n);
        assert_eq!(render(&whole), want, "RocksDB backend");

        let dir = tempfile::tempdir().unwrap();
        let mut restarted = run(&open(dir.path()), &nothing, 0, 5);
        // The first runtime and its store are closed here; a new process
        // would see exactly this directory.
        restarted.extend(run(&open(dir.path()), &nothing, 5, n));
        assert_eq!(render(&restarted), want, "after a restart");
    }

    #[test]
    fn counter_persists_across_reopening_rocksdb() {
        let dir = tempfile::tempdir().unwrap();
        let c = {
            let rt = open(dir.path());
            let c = deploy(&rt, COUNTER, 1);
            for _ in 0..3 {
                assert!(call(&rt, c, "inc", vec![]).success());
            }
            c
        };
        let rt = open(dir.path());
        assert_eq!(counter_value(&rt, &c), 3);
        assert_eq!(call(&rt, c, "inc", vec![]).returns, vec![Arg::I64(4)]);
        let failed = call(&rt, c, "fail_after_write", vec![]);
        assert!(!failed.success());
        drop(rt);
        let rt = open(dir.path());
        assert_eq!(
            counter_value(&rt, &c),
            4,
            "the failed call left nothing on disk"
        );
    }
}
