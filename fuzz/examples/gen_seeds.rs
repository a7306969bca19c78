//! Writes the seed corpora of every fuzz target under `fuzz/seeds/<target>/`,
//! built from the repository's example contracts:
//!
//! - `deploy_bytes`: the examples' wasm (and `examples/counter.c` compiled
//!   with clang, when clang is installed: `scripts/setup` installs it), and a
//!   generated host-call contract;
//! - `deploy_smith`: each example's wasm as wasm-smith's entropy, behind each
//!   mode byte;
//! - `decode_transaction`, `decode_receipt`, `decode_account`: the
//!   transactions of a session with the examples, the receipts the runtime
//!   gave for them, and the account records it stored;
//! - `decode_proof`: real proofs of pages holding the examples' bytes, from
//!   a page store of 1, 16 and 1,000 pages;
//! - `host_calls`: the host calls each example makes (read from its wasm),
//!   and a hand-written sequence that reaches `strata.call`, events, logs,
//!   transfers and registers;
//! - `block_determinism`: sessions with each example as operation lists.
//!
//! Run from anywhere: `cargo run --manifest-path fuzz/Cargo.toml --example
//! gen_seeds`. With `--check`, writes nothing and exits 1 when a seed file
//! is missing or differs (files it does not generate are left alone: crash
//! reproducers saved there stay).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use arbitrary::Unstructured;
use strata_fuzz::contracts::{
    EXAMPLES, PlannedCall, compiled, function_names, host_call_contract, host_functions, layout,
};
use strata_fuzz::exec;
use strata_fuzz::input::{
    CallInput, FuzzArg, HostCall, HostCallHeader, Op, Seed, read_all, seed_all,
};
use strata_host_fns::Address;
use strata_kv::{KvStore, MemKv};
use strata_pages::{PageCache, PageCacheConfig, tree};
use strata_runtime::{Arg, CallTx, DeployTx, FunctionCall, NS_ACCOUNTS, Receipt, Transaction};

/// The seeds of every target: target → file name → bytes.
type Seeds = BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>;

const AUTHOR: Address = Address([0xa0; 20]);
const OTHER: Address = Address([0xa1; 20]);

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut seeds = Seeds::new();
    deploy_seeds(&mut seeds);
    session_seeds(&mut seeds);
    proof_seeds(&mut seeds);
    host_call_seeds(&mut seeds);
    block_seeds(&mut seeds);

    let mut stale = 0;
    for (target, files) in &seeds {
        let dir = root.join(target);
        if !check {
            std::fs::create_dir_all(&dir).expect("create the seed directory");
        }
        for (name, bytes) in files {
            let path: PathBuf = dir.join(name);
            let same = std::fs::read(&path).is_ok_and(|old| old == *bytes);
            if check {
                if !same {
                    eprintln!("stale or missing seed: {}", path.display());
                    stale += 1;
                }
            } else if !same {
                std::fs::write(&path, bytes).expect("write a seed");
            }
        }
        println!("{target}: {} seeds", files.len());
    }
    if stale > 0 {
        eprintln!(
            "{stale} seeds are stale: run `cargo run --manifest-path fuzz/Cargo.toml --example gen_seeds`"
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn add(seeds: &mut Seeds, target: &'static str, name: impl Into<String>, bytes: Vec<u8>) {
    seeds.entry(target).or_default().insert(name.into(), bytes);
}

/// `examples/counter.c` compiled as the CLI test compiles it, if clang
/// can: `None` (with a note) when it cannot.
fn counter_c() -> Option<Vec<u8>> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::env::temp_dir().join(format!("strata-fuzz-counter-{}.wasm", std::process::id()));
    let status = std::process::Command::new("clang")
        .args([
            "--target=wasm32",
            "-nostdlib",
            "-O2",
            "-Wl,--no-entry",
            "-I",
        ])
        .arg(repo.join("host-fns/include"))
        .arg("-o")
        .arg(&out)
        .arg(repo.join("examples/counter.c"))
        .status();
    let wasm = match status {
        Ok(s) if s.success() => std::fs::read(&out).ok(),
        _ => None,
    };
    let _ = std::fs::remove_file(&out);
    if wasm.is_none() {
        eprintln!("note: clang could not compile examples/counter.c; its seed is left as it is");
    }
    wasm
}

fn deploy_seeds(seeds: &mut Seeds) {
    let mut codes: Vec<(String, Vec<u8>)> = EXAMPLES
        .iter()
        .zip(compiled())
        .map(|(e, c)| (e.name.to_owned(), c.wasm.clone()))
        .collect();
    if let Some(wasm) = counter_c() {
        codes.push(("counter_c".into(), wasm));
    }
    let calls = hand_written_calls();
    codes.push((
        "host_calls".into(),
        host_call_contract(&Address([7; 20]), &AUTHOR, &calls),
    ));
    for (name, code) in &codes {
        add(seeds, "deploy_bytes", format!("{name}.wasm"), code.clone());
        for (mode, what) in [
            (0u8, "strict"),
            (2, "strict_host_imports"),
            (1, "relaxed"),
            (3, "relaxed_no_traps"),
        ] {
            let mut bytes = vec![mode];
            bytes.extend_from_slice(code);
            add(seeds, "deploy_smith", format!("{name}_{what}"), bytes);
        }
    }
}

/// A session with the examples: its transactions, receipts and account
/// records.
fn session_seeds(seeds: &mut Seeds) {
    let rt = exec::runtime();
    let mut txs: Vec<(String, Transaction)> = Vec::new();
    let mut addresses = vec![AUTHOR, OTHER];
    let mut deployed = BTreeMap::new();
    let run = |rt: &exec::Rt,
               name: String,
               tx: Transaction,
               txs: &mut Vec<(String, Transaction)>|
     -> Receipt {
        let receipt = exec::execute(rt, &tx);
        txs.push((name, tx));
        receipt
    };
    for (e, c) in EXAMPLES.iter().zip(compiled()) {
        let tx = Transaction::Deploy(DeployTx {
            author: AUTHOR,
            nonce: None,
            name: Some(e.name.into()),
            page_count: 1,
            banks: None,
            code: c.wasm.clone(),
            ctor: e.ctor.map(|(f, args)| FunctionCall {
                function: f.into(),
                args: args.to_vec(),
            }),
            balance: 1_000,
            gas_limit: 1_000_000,
        });
        let receipt = run(&rt, format!("deploy_{}", e.name), tx, &mut txs);
        let address = receipt.deployed.expect("the examples deploy");
        addresses.push(address);
        deployed.insert(e.name, address);
        add(
            seeds,
            "decode_receipt",
            format!("deploy_{}", e.name),
            receipt.to_bytes(),
        );
    }
    let call = |contract: &str, function: &str, args: Vec<Arg>, input: Vec<u8>, gas: u64| {
        Transaction::Call(CallTx {
            contract: deployed[contract],
            sender: AUTHOR,
            call: FunctionCall {
                function: function.into(),
                args,
            },
            input,
            gas_limit: gas,
        })
    };
    let mut forward = deployed["counter"].0.to_vec();
    forward.extend_from_slice(b"inc");
    let session = [
        (
            "counter_inc",
            call("counter", "inc", vec![], vec![], 100_000),
        ),
        (
            "counter_add",
            call("counter", "add", vec![Arg::I64(41)], vec![], 100_000),
        ),
        (
            "counter_fail",
            call("counter", "fail", vec![], vec![], 100_000),
        ),
        (
            "counter_out_of_gas",
            call("counter", "inc", vec![], vec![], 500),
        ),
        (
            "counter_bad_args",
            call("counter", "add", vec![Arg::I32(1)], vec![], 100_000),
        ),
        (
            "token_transfer",
            call(
                "token",
                "transfer",
                vec![Arg::I64(250)],
                OTHER.0.to_vec(),
                200_000,
            ),
        ),
        (
            "token_overdraw",
            call(
                "token",
                "transfer",
                vec![Arg::I64(1 << 40)],
                OTHER.0.to_vec(),
                200_000,
            ),
        ),
        (
            "token_balance_of",
            call("token", "balance_of", vec![], OTHER.0.to_vec(), 200_000),
        ),
        (
            "caller_forward",
            call("caller", "forward", vec![], forward, 1_000_000),
        ),
        (
            "pay_pay",
            call("pay", "pay", vec![Arg::I64(10)], OTHER.0.to_vec(), 100_000),
        ),
        (
            "pay_balance",
            call("pay", "balance", vec![], vec![], 100_000),
        ),
    ];
    for (name, tx) in session {
        let receipt = run(&rt, name.into(), tx, &mut txs);
        add(seeds, "decode_receipt", name, receipt.to_bytes());
    }
    let bad = exec::deploy_tx(AUTHOR, b"\0asm\x01\0\0\0\x08\x01\x00".to_vec(), 1, 100_000);
    let receipt = run(
        &rt,
        "deploy_invalid".into(),
        Transaction::Deploy(bad),
        &mut txs,
    );
    add(
        seeds,
        "decode_receipt",
        "deploy_invalid",
        receipt.to_bytes(),
    );
    for (name, tx) in &txs {
        add(seeds, "decode_transaction", name.clone(), tx.to_bytes());
    }
    for (i, address) in addresses.iter().enumerate() {
        let record = rt
            .kv()
            .get(NS_ACCOUNTS, &address.0)
            .expect("MemKv reads")
            .expect("every address of the session has an account");
        let mut bytes = address.0.to_vec();
        bytes.extend_from_slice(&record);
        let name = if i < 2 {
            format!("author_{i}")
        } else {
            format!("contract_{}", EXAMPLES[i - 2].name)
        };
        add(seeds, "decode_account", name, bytes);
    }
}

/// Proofs of pages holding the examples' bytes, in stores of 1, 16 and 1,000 pages.
fn proof_seeds(seeds: &mut Seeds) {
    for page_count in [1u32, 16, 1_000] {
        let kv = Arc::new(MemKv::new());
        let mut cache = PageCache::create(kv.clone(), page_count, PageCacheConfig::default());
        let mut written = Vec::new();
        for (i, c) in compiled().iter().enumerate() {
            let index = (i as u32 * 7) % page_count;
            let page = cache.page_mut(index).expect("in range");
            let n = c.wasm.len().min(page.len());
            page[..n].copy_from_slice(&c.wasm[..n]);
            written.push(index);
        }
        let root = cache.commit_and_apply().expect("MemKv commits");
        written.push(page_count - 1);
        written.dedup();
        for index in written {
            let (bytes, proof) =
                tree::prove(&*kv as &dyn KvStore, root, index).expect("a committed page proves");
            assert!(tree::verify(&root, index, &bytes, &proof));
            let used = bytes.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
            let mut seed = root.0.to_vec();
            seed.extend_from_slice(&index.to_le_bytes());
            seed.extend_from_slice(&0x8000u16.to_le_bytes());
            seed.extend_from_slice(&(used as u16).to_le_bytes());
            seed.extend_from_slice(&bytes[..used]);
            seed.extend_from_slice(&parity_scale_codec::Encode::encode(&proof));
            add(
                seeds,
                "decode_proof",
                format!("pages{page_count}_page{index}"),
                seed,
            );
        }
    }
}

fn small(v: u16) -> FuzzArg {
    FuzzArg::Small(v)
}

/// Host calls that reach the interesting host functions with meaningful
/// arguments (see `contracts::layout`).
fn hand_written() -> Vec<(&'static str, Vec<FuzzArg>)> {
    let l = |v: i32| small(v as u16);
    vec![
        (
            "call",
            vec![
                l(layout::COUNTER),
                l(layout::INC),
                small(3),
                small(0),
                small(0),
                small(30_000),
            ],
        ),
        ("call_return_len", vec![]),
        ("call_return_copy", vec![small(512), small(0), small(8)]),
        (
            "call",
            vec![
                l(layout::COUNTER),
                l(layout::FAIL),
                small(4),
                small(0),
                small(0),
                small(30_000),
            ],
        ),
        (
            "storage_write",
            vec![small(0), small(0), l(layout::MESSAGE), small(21)],
        ),
        (
            "storage_read",
            vec![small(0), small(0), small(1024), small(21)],
        ),
        (
            "emit_event",
            vec![l(layout::TOPICS), small(3), l(layout::MESSAGE), small(21)],
        ),
        ("log", vec![l(layout::MESSAGE), small(21)]),
        ("transfer", vec![l(layout::AUTHOR), l(layout::AMOUNT)]),
        ("balance", vec![l(layout::AUTHOR), small(600)]),
        ("address", vec![small(700)]),
        ("sender", vec![small(720)]),
        ("input_len", vec![]),
        ("input_copy", vec![small(800), small(0), small(23)]),
        ("set_return", vec![small(800), small(23)]),
        (
            "reg_write_be_i64",
            vec![FuzzArg::Any(42), small(64), small(0)],
        ),
        ("reg_read_be_i64", vec![small(64), small(0)]),
        (
            "storage_write_from_reg",
            vec![small(64), small(0), small(8), small(0), small(0), small(64)],
        ),
        (
            "storage_read_to_mem",
            vec![
                small(0),
                small(0),
                small(64),
                small(8),
                small(0),
                small(900),
            ],
        ),
        (
            "reg_set",
            vec![small(256), small(1), l(layout::TOPICS), small(32)],
        ),
        (
            "reg_get",
            vec![small(256), small(1), small(1000), small(32)],
        ),
        ("gas_left", vec![]),
        ("block_height", vec![]),
        ("block_time", vec![]),
    ]
}

/// `hand_written` as host calls: the functions by index in the table.
fn hand_written_host_calls() -> Vec<HostCall> {
    let hosts = host_functions();
    hand_written()
        .into_iter()
        .map(|(name, args)| {
            let function = hosts
                .iter()
                .position(|h| h.name == name)
                .unwrap_or_else(|| panic!("no host function {name}"));
            let mut all = [small(0); 6];
            all[..args.len()].copy_from_slice(&args);
            HostCall {
                function: function as u8,
                args: all,
            }
        })
        .collect()
}

fn hand_written_calls() -> Vec<PlannedCall> {
    let hosts = host_functions();
    hand_written_host_calls()
        .into_iter()
        .map(|c| {
            let function = usize::from(c.function);
            PlannedCall {
                function,
                args: c.args[..hosts[function].params.len()]
                    .iter()
                    .map(|a| a.value())
                    .collect(),
            }
        })
        .collect()
}

/// The host calls an example makes, read from its wasm: each call of an
/// imported function, with the constants pushed just before it as its
/// arguments (0 for an argument that is not a constant).
fn calls_of(wasm: &[u8]) -> Vec<HostCall> {
    use wasmparser::{Operator, Parser, Payload, TypeRef};
    let hosts = host_functions();
    let mut imports = Vec::new();
    let mut calls = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.expect("the examples parse") {
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.expect("the examples parse");
                    if let TypeRef::Func(_) = import.ty {
                        imports.push(
                            hosts
                                .iter()
                                .position(|h| h.module == import.module && h.name == import.name)
                                .expect("examples import host functions"),
                        );
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut consts: Vec<i64> = Vec::new();
                for op in body.get_operators_reader().expect("the examples parse") {
                    match op.expect("the examples parse") {
                        Operator::I32Const { value } => consts.push(i64::from(value)),
                        Operator::I64Const { value } => consts.push(value),
                        Operator::Call { function_index }
                            if (function_index as usize) < imports.len() =>
                        {
                            let function = imports[function_index as usize];
                            let n = hosts[function].params.len();
                            let mut args = [small(0); 6];
                            let given = &consts[consts.len().saturating_sub(n)..];
                            for (slot, v) in args[n - given.len()..n].iter_mut().zip(given) {
                                *slot = match u16::try_from(*v) {
                                    Ok(s) => FuzzArg::Small(s),
                                    Err(_) => FuzzArg::Any(*v),
                                };
                            }
                            calls.push(HostCall {
                                function: function as u8,
                                args,
                            });
                            consts.clear();
                        }
                        _ => consts.clear(),
                    }
                }
            }
            _ => {}
        }
    }
    calls
}

fn host_call_seeds(seeds: &mut Seeds) {
    let header = HostCallHeader {
        pages: 0,
        balance: 1_000,
        input_len: 23,
        query: true,
    };
    let mut scripts: Vec<(String, Vec<HostCall>)> = EXAMPLES
        .iter()
        .zip(compiled())
        .map(|(e, c)| (e.name.to_owned(), calls_of(&c.wasm)))
        .collect();
    scripts.push(("hand_written".into(), hand_written_host_calls()));
    for (name, calls) in scripts {
        let mut bytes = Vec::new();
        header.seed(&mut bytes);
        bytes.extend(seed_all(&calls));
        let mut u = Unstructured::new(&bytes);
        let read: HostCallHeader = arbitrary::Arbitrary::arbitrary(&mut u).expect("reads");
        assert_eq!(read, header);
        assert_eq!(
            read_all::<HostCall>(&mut u, usize::MAX),
            calls,
            "seed {name} reads back"
        );
        add(seeds, "host_calls", name, bytes);
    }
}

fn block_seeds(seeds: &mut Seeds) {
    let names = function_names();
    let f = |name: &str| {
        names
            .iter()
            .position(|n| n == name)
            .expect("a known function") as u8
    };
    let example = |name: &str| {
        EXAMPLES
            .iter()
            .position(|e| e.name == name)
            .expect("an example") as u8
    };
    let deploy = |name: &str, ctor: bool| Op::Deploy {
        example: example(name),
        author: 0,
        nonce: None,
        pages: 1,
        balance: 1_000,
        ctor,
        gas: 300_000,
    };
    // Targets: 0-3 authors, 4 no account, then contracts in deploy order.
    let call = |contract: u8, function: &str, args: [FuzzArg; 2], input: CallInput| Op::Call {
        contract,
        sender: 0,
        function: f(function),
        args,
        typed: true,
        input,
        gas: 300_000,
    };
    let none = [small(0); 2];
    let sessions: Vec<(&str, Vec<Op>)> = vec![
        (
            "counter",
            vec![
                deploy("counter", true),
                call(5, "inc", none, CallInput::Empty),
                call(5, "add", [FuzzArg::Any(41), small(0)], CallInput::Empty),
                Op::ClearCaches,
                call(5, "fail", none, CallInput::Empty),
                call(5, "get", none, CallInput::Empty),
                Op::EndBlock,
                call(5, "inc", none, CallInput::Empty),
                Op::Call {
                    contract: 5,
                    sender: 1,
                    function: f("inc"),
                    args: none,
                    typed: true,
                    input: CallInput::Empty,
                    gas: 900,
                },
            ],
        ),
        (
            "token",
            vec![
                deploy("token", true),
                call(
                    5,
                    "transfer",
                    [FuzzArg::Any(250), small(0)],
                    CallInput::Address(1),
                ),
                call(5, "balance_of", none, CallInput::Address(1)),
                Op::EndBlock,
                call(
                    5,
                    "transfer",
                    [FuzzArg::Any(1 << 40), small(0)],
                    CallInput::Address(2),
                ),
                call(
                    5,
                    "transfer",
                    [FuzzArg::Any(5), small(0)],
                    CallInput::Bytes(3),
                ),
            ],
        ),
        (
            "caller",
            vec![
                deploy("counter", false),
                deploy("caller", false),
                call(
                    6,
                    "forward",
                    none,
                    CallInput::Forward {
                        target: 5,
                        function: f("inc"),
                    },
                ),
                Op::ClearCaches,
                call(
                    6,
                    "forward",
                    none,
                    CallInput::Forward {
                        target: 5,
                        function: f("fail"),
                    },
                ),
                call(
                    6,
                    "forward",
                    none,
                    CallInput::Forward {
                        target: 6,
                        function: f("forward"),
                    },
                ),
                call(
                    6,
                    "forward",
                    none,
                    CallInput::Forward {
                        target: 4,
                        function: f("inc"),
                    },
                ),
            ],
        ),
        (
            "pay",
            vec![
                deploy("pay", false),
                Op::Transfer {
                    from: 5,
                    to: 1,
                    amount: 10,
                    gas: 100_000,
                },
                Op::Transfer {
                    from: 5,
                    to: 1,
                    amount: 60_000,
                    gas: 100_000,
                },
                call(5, "balance", none, CallInput::Empty),
                Op::EndBlock,
                Op::Transfer {
                    from: 0,
                    to: 5,
                    amount: 1,
                    gas: 100_000,
                },
            ],
        ),
        (
            "nonces_and_pages",
            vec![
                Op::Deploy {
                    example: 0,
                    author: 1,
                    nonce: Some(0),
                    pages: 65_536,
                    balance: 0,
                    ctor: true,
                    gas: 300_000,
                },
                Op::Deploy {
                    example: 0,
                    author: 1,
                    nonce: Some(0),
                    pages: 1,
                    balance: 0,
                    ctor: true,
                    gas: 300_000,
                },
                Op::Deploy {
                    example: 0,
                    author: 2,
                    nonce: None,
                    pages: 65_537,
                    balance: 0,
                    ctor: false,
                    gas: 300_000,
                },
                Op::Deploy {
                    example: 1,
                    author: 3,
                    nonce: None,
                    pages: 1,
                    balance: 0,
                    ctor: true,
                    gas: 100,
                },
                call(5, "inc", none, CallInput::Empty),
                Op::Call {
                    contract: 5,
                    sender: 0,
                    function: f("add"),
                    args: [small(1), small(2)],
                    typed: false,
                    input: CallInput::Empty,
                    gas: 300_000,
                },
                call(0, "inc", none, CallInput::Empty),
                call(4, "inc", none, CallInput::Empty),
            ],
        ),
    ];
    for (name, ops) in sessions {
        let bytes = seed_all(&ops);
        assert_eq!(
            read_all::<Op>(&mut Unstructured::new(&bytes), usize::MAX),
            ops,
            "seed {name} reads back"
        );
        add(seeds, "block_determinism", name, bytes);
    }
}
