//! Determinism: one scenario, run with warm caches, with caches cleared
//! before every block and before every transaction, with a fresh runtime
//! for every block, with tiny caches, with eager translation, after a
//! restart, and on both kv backends, gives byte-identical receipts (gas
//! and state roots included) and the same committed accounts. A golden
//! file pins the receipts, so that any change to hashing, encoding or gas
//! shows up as a diff: `STRATA_BLESS=1 cargo test -p strata-runtime --test
//! determinism` rewrites it; any other value of `STRATA_BLESS` (`0`,
//! empty) only compares.

mod common;

use std::fmt::Write;
use std::sync::{Arc, RwLock};

use common::*;
use strata_kv::{Bytes, KvError, KvStore, MemKv, Namespace, Visitor, WriteBatch};
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
    // Nonce 3: SVM's September and December eras; its stored module imports
    // the December variants by their symbols, which this pins.
    let eras_tx = code(SVM_ERAS);
    let eras = contract_address(&AUTHOR, 3, &hash_of(&eras_tx));
    // Nonce 4: the map token (balances and allowances in maps).
    let token_tx = {
        let mut t = code(include_str!("../../examples/map_token.wat"));
        t.ctor = Some(FunctionCall {
            function: "init".into(),
            args: vec![],
        });
        t
    };
    let token = contract_address(&AUTHOR, 4, &hash_of(&token_tx));
    // Nonce 5: the map script of `maps.rs`, for nested maps folded back
    // into their parents when a frame ends.
    let script_tx = code(include_str!("maps_script.wat"));
    let script = contract_address(&AUTHOR, 5, &hash_of(&script_tx));
    let call = |c: Address, f: &str, args: Vec<Arg>, input: Vec<u8>, gas: u64| {
        let mut tx = call_tx(c, f, args, input);
        tx.gas_limit = gas;
        Transaction::Call(tx)
    };
    let holder = |i: u8| Address([0x40 + i; 20]);
    let token_call = |sender: Address, f: &str, amount: i64, input: Vec<u8>| {
        let mut tx = call_tx(token, f, vec![Arg::I64(amount)], input);
        tx.sender = sender;
        Transaction::Call(tx)
    };
    let mints: Vec<Transaction> = (0..6)
        .map(|i| token_call(AUTHOR, "mint", 1_000 + i64::from(i), holder(i).0.to_vec()))
        .collect();
    let transfers: Vec<Transaction> = (0..6u8)
        .map(|i| {
            token_call(
                holder(i),
                "transfer",
                100 + i64::from(i),
                holder((i + 1) % 6).0.to_vec(),
            )
        })
        .chain([
            // The whole balance moves: the entry leaves the map.
            token_call(holder(5), "transfer", 1_004, holder(0).0.to_vec()),
            // Too much: fails, nothing written.
            token_call(holder(1), "transfer", 1_000_000, holder(2).0.to_vec()),
            token_call(holder(2), "approve", 500, holder(3).0.to_vec()),
            token_call(
                holder(3),
                "transfer_from",
                200,
                [holder(2).0, holder(4).0].concat(),
            ),
            // Over the allowance: fails.
            token_call(
                holder(3),
                "transfer_from",
                400,
                [holder(2).0, holder(4).0].concat(),
            ),
        ])
        .collect();
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
        vec![Transaction::Deploy(eras_tx)],
        vec![
            call(eras, "inc", vec![], vec![], GAS),
            call(eras, "inc", vec![], vec![], GAS),
        ],
        vec![Transaction::Deploy(token_tx)],
        mints,
        transfers,
        vec![Transaction::Deploy(script_tx)],
        vec![
            // Slot 0's entry "a" into slot 1, its entry "b" into slot 2,
            // then "c" = "deep" in slot 2: two folds, innermost first.
            call(
                script,
                "run",
                vec![],
                [
                    &[7, 0, 1, b'a', 1][..],
                    &[7, 1, 1, b'b', 2],
                    &[1, 2, 1, b'c', 4, 0],
                    b"deep",
                ]
                .concat(),
                GAS,
            ),
            // Read back through the path a/b/c; then a change through a
            // slice in a frame that traps: not folded.
            call(
                script,
                "run",
                vec![],
                vec![10, 0, 6, 1, b'a', 1, b'b', 1, b'c'],
                GAS,
            ),
            call(
                script,
                "run",
                vec![],
                [&[7, 0, 1, b'a', 1][..], &[1, 1, 1, b'x', 1, 0, b'!', 5]].concat(),
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

/// Runs the scenario's blocks `from..to`; `before_each` runs before every
/// block.
fn run<K: KvStore + Clone + 'static>(
    rt: &Runtime<K>,
    before_each: &dyn Fn(&Runtime<K>),
    from: usize,
    to: usize,
) -> Vec<Receipt> {
    let mut out = Vec::new();
    for (i, txs) in scenario().iter().enumerate().take(to).skip(from) {
        before_each(rt);
        out.extend(rt.execute_block(txs, block(i)).expect("runtime").receipts);
    }
    out
}

/// Runs the whole scenario one transaction at a time: every transaction
/// is a block of its own, at the context of the block it belongs to, and
/// `before_each` runs before every transaction. The runtime has no way to
/// act between two transactions of one block (`Runtime::clear_caches`
/// waits for a running block), so this is the only way to start every
/// transaction with cleared caches. It compares the same things: a
/// receipt does not depend on where blocks begin and end (the scenario
/// stays far below the block gas cap, so no transaction is refused), and
/// the committed state is the same.
fn run_tx_by_tx<K: KvStore + Clone + 'static>(
    rt: &Runtime<K>,
    before_each: &dyn Fn(&Runtime<K>),
) -> Vec<Receipt> {
    let mut out = Vec::new();
    for (i, txs) in scenario().iter().enumerate() {
        for tx in txs {
            before_each(rt);
            out.push(rt.execute(tx, block(i)).expect("runtime"));
        }
    }
    out
}

/// Every account the scenario touches (the author, the sender and every
/// contract deployed), as committed: code hash, page count, banks, state
/// and tree roots, balance and nonce; and the global state root over all
/// of them (which must not depend on where blocks ended either).
fn accounts<K: KvStore + Clone + 'static>(rt: &Runtime<K>, receipts: &[Receipt]) -> String {
    let mut s = String::new();
    let head = rt.head().expect("head").expect("blocks ran");
    let _ = writeln!(s, "state root {}", hex::encode(head.state_root));
    let deployed = receipts.iter().filter_map(|r| r.deployed);
    for a in [AUTHOR, USER].into_iter().chain(deployed) {
        let _ = writeln!(s, "{a}: {:?}", rt.account(&a).expect("account"));
    }
    s
}

/// A store whose whole content can be dropped for an empty one while a
/// runtime runs on it: the runtime then stands at genesis again with every
/// cache it filled before.
#[derive(Default)]
struct Resettable(RwLock<Arc<MemKv>>);

impl Resettable {
    fn inner(&self) -> Arc<MemKv> {
        self.0.read().unwrap().clone()
    }

    fn reset(&self) {
        *self.0.write().unwrap() = Arc::new(MemKv::new());
    }
}

impl KvStore for Resettable {
    fn get(&self, ns: Namespace, key: &[u8]) -> Result<Option<Bytes>, KvError> {
        self.inner().get(ns, key)
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        self.inner().write(batch)
    }

    fn scan(&self, ns: Namespace, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), KvError> {
        self.inner().scan(ns, prefix, visit)
    }
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
    reference_with_accounts().0
}

/// The reference run: one long-lived runtime on a fresh store, blocks as
/// the scenario has them, caches as they come. Its receipts, and the
/// accounts it committed.
fn reference_with_accounts() -> (Vec<Receipt>, String) {
    let n = scenario().len();
    let rt = mem_runtime(RuntimeConfig::default());
    let receipts = run(&rt, &nothing, 0, n);
    let accounts = accounts(&rt, &receipts);
    (receipts, accounts)
}

#[test]
fn the_scenario_does_what_it_should() {
    let receipts = reference();
    let ok: Vec<bool> = receipts.iter().map(Receipt::success).collect();
    assert_eq!(
        ok,
        vec![
            true, true, true, true, true, false, true, true, true, true, false, false, true, true,
            true, true, true, true, // the map token: deploy, six mints,
            true, true, true, true, true, true,
            true, // six transfers and one of a whole balance,
            true, true, true, true, true, true, true, false, true, true,
            false, // an overdraft, an allowance spent, overspent
            true, true, true, false // nested maps: deploy, fold, read, trap
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
    assert_eq!(
        receipts[17].returns,
        vec![Arg::I64(6)],
        "the two-era contract added 3 twice"
    );
    let n = receipts.len();
    assert_eq!(
        receipts[n - 2].return_data,
        [&4i32.to_le_bytes()[..], b"deep"].concat(),
        "the inner write reached the top map without map_set_map"
    );
}

/// Checks that a leg gave the reference's receipts (gas and state roots
/// included, to the byte) and committed the reference's accounts.
fn same_as_reference<K: KvStore + Clone + 'static>(
    leg: &str,
    rt: &Runtime<K>,
    got: &[Receipt],
    want: &(Vec<Receipt>, String),
) {
    assert_eq!(got.len(), want.0.len(), "{leg}: the number of receipts");
    assert_eq!(render(got), render(&want.0), "{leg}: receipts");
    let got_bytes: Vec<Vec<u8>> = got.iter().map(Receipt::to_bytes).collect();
    let want_bytes: Vec<Vec<u8>> = want.0.iter().map(Receipt::to_bytes).collect();
    assert!(got_bytes == want_bytes, "{leg}: encoded receipts");
    assert_eq!(accounts(rt, got), want.1, "{leg}: committed accounts");
}

/// Warm: the runtime first runs the whole scenario on a store of its own,
/// then that store is dropped for an empty one and the scenario runs again
/// on the same runtime. Every module is compiled, every register layout
/// validated and every contract's page cache opened before the second run
/// begins (the reference compiles each module at its first use and opens
/// each storage from the store); the page caches left stand at the first
/// run's final roots, which the second run reaches only at its end, so
/// they must be passed over until then.
#[test]
fn warm_caches_from_an_earlier_run_agree() {
    let want = reference_with_accounts();
    let n = scenario().len();
    let kv = Arc::new(Resettable::default());
    let rt = Runtime::new(kv.clone());
    let first = run(&rt, &nothing, 0, n);
    same_as_reference("the first run", &rt, &first, &want);
    kv.reset();
    assert_eq!(
        rt.account(&AUTHOR).expect("account"),
        None,
        "the store is at genesis again"
    );
    let warm = run(&rt, &nothing, 0, n);
    same_as_reference("warm", &rt, &warm, &want);
}

/// Cold: every cache cleared before every transaction (each transaction a
/// block of its own, see [`run_tx_by_tx`]), and, with the scenario's
/// blocks, before every block.
#[test]
fn caches_cleared_before_every_transaction_and_block_agree() {
    let want = reference_with_accounts();
    let n = scenario().len();
    let rt = mem_runtime(RuntimeConfig::default());
    let cold = run_tx_by_tx(&rt, &|rt| rt.clear_caches());
    same_as_reference("caches cleared before every transaction", &rt, &cold, &want);
    // The same blocks of one with the caches kept: where blocks end does
    // not matter either.
    let rt = mem_runtime(RuntimeConfig::default());
    let split = run_tx_by_tx(&rt, &nothing);
    same_as_reference("a block per transaction", &rt, &split, &want);
    let rt = mem_runtime(RuntimeConfig::default());
    let cold = run(&rt, &|rt| rt.clear_caches(), 0, n);
    same_as_reference("caches cleared before every block", &rt, &cold, &want);
}

/// A new runtime for every block, on the one store: nothing of a runtime
/// (caches, reused transaction state) outlives a block.
#[test]
fn a_fresh_runtime_for_every_block_agrees() {
    let want = reference_with_accounts();
    let kv = Arc::new(MemKv::new());
    let mut got = Vec::new();
    for i in 0..scenario().len() {
        got.extend(run(&Runtime::new(kv.clone()), &nothing, i, i + 1));
    }
    same_as_reference("a fresh runtime per block", &Runtime::new(kv), &got, &want);
}

#[test]
fn tiny_caches_and_eager_translation_agree() {
    let want = reference_with_accounts();
    let n = scenario().len();
    let tiny = RuntimeConfig {
        module_cache: 1,
        contract_cache: 1,
        pages_per_contract: 1,
        // The reference reuses instances; this one instantiates every frame.
        instance_pool: 0,
        ..RuntimeConfig::default()
    };
    let rt = mem_runtime(tiny);
    let got = run(&rt, &nothing, 0, n);
    same_as_reference("tiny caches", &rt, &got, &want);
    let eager = RuntimeConfig {
        compilation: Compilation::Eager,
        ..RuntimeConfig::default()
    };
    let rt = mem_runtime(eager);
    let got = run(&rt, &nothing, 0, n);
    same_as_reference("eager translation", &rt, &got, &want);
}

/// Whether `STRATA_BLESS` asks to rewrite the golden file: only `1` or
/// `true`.
fn blessing(value: Option<&str>) -> bool {
    matches!(value, Some(v) if v == "1" || v.eq_ignore_ascii_case("true"))
}

const BLESS: &str = "STRATA_BLESS=1 cargo test -p strata-runtime --test determinism";

/// Why the checked-in receipts are not the ones run, as a unified line
/// diff, or `None` when they are equal.
fn staleness(path: &str, checked_in: &str, generated: &str) -> Option<String> {
    (checked_in != generated).then(|| {
        let diff = similar::TextDiff::from_lines(checked_in, generated);
        format!(
            "receipts differ from {path}: hashing, encoding or gas changed. If that is \
             intended, regenerate it with `{BLESS}` and say why in the commit.\n{}",
            diff.unified_diff().header("checked in", "generated")
        )
    })
}

#[test]
fn only_one_or_true_blesses_and_a_stale_file_shows_a_diff() {
    assert!(blessing(Some("1")) && blessing(Some("true")) && blessing(Some("TRUE")));
    for no in ["0", "", "false", "no", " 1", "yes"] {
        assert!(!blessing(Some(no)), "{no:?} only compares");
    }
    assert!(!blessing(None));
    assert_eq!(staleness("f", "x\n", "x\n"), None);
    let why = staleness("f", "tx 0: ok\n  gas_used 5\n", "tx 0: ok\n  gas_used 6\n").unwrap();
    for part in [
        BLESS,
        "--- checked in",
        "+++ generated",
        "\n tx 0: ok\n",
        "\n-  gas_used 5\n",
        "\n+  gas_used 6\n",
    ] {
        assert!(why.contains(part), "{part:?} in {why}");
    }
}

/// The head after each of the scenario's blocks: height and global state
/// root.
fn block_roots() -> String {
    let rt = mem_runtime(RuntimeConfig::default());
    let mut s = String::from("blocks\n");
    for (i, txs) in scenario().iter().enumerate() {
        let head = rt.execute_block(txs, block(i)).expect("runtime").head;
        let _ = writeln!(
            s,
            "block {i}: height {} state root {}",
            head.height,
            hex::encode(head.state_root)
        );
    }
    s
}

#[test]
fn golden_receipts() {
    let got = render(&reference()) + &block_roots();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/scenario.txt");
    if blessing(std::env::var("STRATA_BLESS").ok().as_deref()) {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    if let Some(why) = staleness(&path.display().to_string(), &want, &got) {
        panic!("{why}");
    }
}

/// The second engine: the whole scenario on wasmtime gives the reference's
/// receipts (SCALE bytes, state roots, events, logs, errors) but for gas,
/// the reference's committed accounts and the golden file's block roots;
/// and its own gas, run twice, is the same.
#[cfg(feature = "wasmtime")]
#[test]
fn wasmtime_agrees_but_for_gas() {
    let n = scenario().len();
    let want = reference_with_accounts();
    let on_wasmtime = || {
        let rt = mem_runtime(RuntimeConfig {
            engine: strata_runtime::WasmEngine::Wasmtime,
            ..RuntimeConfig::default()
        });
        let mut receipts = Vec::new();
        let mut roots = String::from("blocks\n");
        for (i, txs) in scenario().iter().enumerate().take(n) {
            let block = rt.execute_block(txs, block(i)).expect("runtime");
            receipts.extend(block.receipts);
            let _ = writeln!(
                roots,
                "block {i}: height {} state root {}",
                block.head.height,
                hex::encode(block.head.state_root)
            );
        }
        let accounts = accounts(&rt, &receipts);
        (receipts, accounts, roots)
    };
    let (got, accounts_got, roots) = on_wasmtime();
    let but_gas = |rs: &[Receipt]| -> Vec<Vec<u8>> {
        rs.iter()
            .map(|r| {
                let mut r = r.clone();
                r.gas_used = 0;
                r.to_bytes()
            })
            .collect()
    };
    assert_eq!(got.len(), want.0.len());
    assert!(
        but_gas(&got) == but_gas(&want.0),
        "receipts but gas:\n{}",
        render(&got)
    );
    assert_eq!(accounts_got, want.1, "committed accounts");
    assert_eq!(roots, block_roots(), "block roots");
    assert_eq!(got[10].gas_used, 50_000, "out of gas uses the limit");
    // Here the gas even agrees: wasmi 2 and wasmtime both charge about one
    // unit per operator of straight-line code, and host, page and
    // instantiation costs are the runtime's. They part on memory growth,
    // bulk memory, traps and recursion depth (`tests/engines.rs`).
    let again = on_wasmtime().0;
    assert!(
        again
            .iter()
            .map(Receipt::to_bytes)
            .eq(got.iter().map(Receipt::to_bytes)),
        "wasmtime's gas is the same on every run"
    );
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
