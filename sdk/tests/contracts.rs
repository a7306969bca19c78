//! The Rust example contracts (`examples/rust/`), built by
//! `scripts/build-rust-contract` with Debian's rustc 1.63 for wasm32, then
//! deployed unchanged and run on the real runtime.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use strata_kv::MemKv;
use strata_runtime::{
    Address, Arg, BlockContext, CallTx, DeployTx, ErrorKind, FunctionCall, Receipt, Runtime,
    Transaction,
};

const AUTHOR: Address = Address([0xA0; 20]);
const ALICE: Address = Address([0xA1; 20]);
const BOB: Address = Address([0xB0; 20]);
const CAROL: Address = Address([0xC0; 20]);
const BLOCK: BlockContext = BlockContext {
    height: 1,
    time: 1_700_000_000,
};
const GAS: u64 = 5_000_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds `examples/rust/<name>.rs` into its own directory (tests run in
/// parallel) and returns the wasm.
pub fn build(name: &str, tag: &str) -> Vec<u8> {
    build_file(
        &root().join(format!("examples/rust/{name}.rs")),
        name,
        tag,
        false,
    )
}

fn build_file(src: &Path, name: &str, tag: &str, small_panics: bool) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rust-contracts")
        .join(tag);
    strata_sdk::build::contract(src, &dir.join(format!("{name}.wasm")), small_panics)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn deploy(
    rt: &Runtime<Arc<MemKv>>,
    code: Vec<u8>,
    pages: u32,
    ctor: Option<(&str, Vec<Arg>)>,
) -> Receipt {
    let tx = DeployTx {
        author: AUTHOR,
        nonce: None,
        name: None,
        page_count: pages,
        banks: None,
        code,
        ctor: ctor.map(|(function, args)| FunctionCall {
            function: function.into(),
            args,
        }),
        balance: 0,
        gas_limit: GAS,
    };
    rt.execute(&Transaction::Deploy(tx), BLOCK).unwrap()
}

fn call(
    rt: &Runtime<Arc<MemKv>>,
    contract: Address,
    sender: Address,
    function: &str,
    args: Vec<Arg>,
    input: Vec<u8>,
) -> Receipt {
    let tx = CallTx {
        contract,
        sender,
        call: FunctionCall {
            function: function.into(),
            args,
        },
        input,
        gas_limit: GAS,
    };
    rt.execute(&Transaction::Call(tx), BLOCK).unwrap()
}

fn runtime() -> Runtime<Arc<MemKv>> {
    Runtime::new(Arc::new(MemKv::new()))
}

fn ok(r: &Receipt) {
    assert!(r.success(), "{:?}", r.error);
}

fn aborted(r: &Receipt, message: &str) {
    let e = r.error.as_ref().expect("the transaction fails");
    assert_eq!(e.kind, ErrorKind::Abort, "{}", e.message);
    assert!(
        e.message.contains(message),
        "{:?} lacks {message:?}",
        e.message
    );
}

#[test]
fn counter_counts_reverts_and_reports_panics() {
    let code = build("counter", "counter");
    assert!(code.len() < 16 * 1024, "{} bytes", code.len());
    let rt = runtime();
    let d = deploy(&rt, code, 1, None);
    ok(&d);
    let c = d.deployed.unwrap();
    for n in 1..=3 {
        let r = call(&rt, c, ALICE, "inc", vec![], vec![]);
        ok(&r);
        assert_eq!(r.returns, vec![Arg::I64(n)]);
    }
    // The same layout as the WAT counter: an i64 LE at page 0, offset 0.
    assert_eq!(rt.read_slice(&c, 0, 0, 8).unwrap(), 3i64.to_le_bytes());
    let r = call(&rt, c, ALICE, "add", vec![Arg::I64(4)], vec![]);
    assert_eq!(r.returns, vec![Arg::I64(7)]);

    // `revert` and a panic both end in the receipt with their message, and
    // roll the transaction's writes back.
    aborted(
        &call(&rt, c, ALICE, "add", vec![Arg::I64(-1)], vec![]),
        "add: the amount must not be negative",
    );
    aborted(
        &call(&rt, c, ALICE, "add", vec![Arg::I64(i64::MAX)], vec![]),
        "panicked at 'add: the counter would overflow'",
    );
    aborted(
        &call(&rt, c, ALICE, "fail", vec![], vec![]),
        "failing on purpose",
    );
    assert_eq!(rt.read_slice(&c, 0, 0, 8).unwrap(), 7i64.to_le_bytes());
}

fn addresses(list: &[Address]) -> Vec<u8> {
    list.iter().flat_map(|a| a.0).collect()
}

#[test]
fn token_transfers_approves_and_emits_events() {
    let rt = runtime();
    let d = deploy(
        &rt,
        build("token", "token"),
        9,
        Some(("init", vec![Arg::I64(1_000)])),
    );
    ok(&d);
    let t = d.deployed.unwrap();
    let balance = |who: Address| {
        let r = call(&rt, t, ALICE, "balance_of", vec![], addresses(&[who]));
        ok(&r);
        r.returns[0]
    };
    assert_eq!(balance(AUTHOR), Arg::I64(1_000));
    assert_eq!(balance(BOB), Arg::I64(0));

    let r = call(
        &rt,
        t,
        AUTHOR,
        "transfer",
        vec![Arg::I64(250)],
        addresses(&[BOB]),
    );
    ok(&r);
    assert_eq!(
        (balance(AUTHOR), balance(BOB)),
        (Arg::I64(750), Arg::I64(250))
    );
    let event = &r.events[0];
    assert_eq!(event.contract, t);
    assert_eq!(&event.topics[0][..8], b"Transfer");
    assert_eq!(&event.topics[1][..20], &AUTHOR.0);
    assert_eq!(&event.topics[2][..20], &BOB.0);
    assert_eq!(event.data, 250u128.to_le_bytes());

    aborted(
        &call(
            &rt,
            t,
            BOB,
            "transfer",
            vec![Arg::I64(251)],
            addresses(&[CAROL]),
        ),
        "insufficient balance",
    );
    aborted(
        &call(
            &rt,
            t,
            BOB,
            "transfer",
            vec![Arg::I64(0)],
            addresses(&[CAROL]),
        ),
        "must be positive",
    );
    aborted(
        &call(&rt, t, BOB, "transfer", vec![Arg::I64(1)], vec![1, 2, 3]),
        "20-byte addresses",
    );

    // BOB lets CAROL spend 100 of his; she moves 60 of it to ALICE.
    let r = call(
        &rt,
        t,
        BOB,
        "approve",
        vec![Arg::I64(100)],
        addresses(&[CAROL]),
    );
    ok(&r);
    assert_eq!(&r.events[0].topics[0][..8], b"Approval");
    let r = call(
        &rt,
        t,
        CAROL,
        "transfer_from",
        vec![Arg::I64(60)],
        addresses(&[BOB, ALICE]),
    );
    ok(&r);
    assert_eq!(
        (balance(BOB), balance(ALICE)),
        (Arg::I64(190), Arg::I64(60))
    );
    let left = call(
        &rt,
        t,
        ALICE,
        "allowance_of",
        vec![],
        addresses(&[BOB, CAROL]),
    );
    assert_eq!(left.returns, vec![Arg::I64(40)]);
    aborted(
        &call(
            &rt,
            t,
            CAROL,
            "transfer_from",
            vec![Arg::I64(41)],
            addresses(&[BOB, ALICE]),
        ),
        "allowance exceeded",
    );
    let supply = call(&rt, t, ALICE, "total_supply", vec![], vec![]);
    assert_eq!(supply.returns, vec![Arg::I64(1_000)]);
}

#[test]
fn caller_handles_its_callees_failure() {
    let rt = runtime();
    let counter = deploy(&rt, build("counter", "caller-counter"), 1, None)
        .deployed
        .unwrap();
    let caller = deploy(&rt, build("caller", "caller"), 1, None)
        .deployed
        .unwrap();
    let input = |f: &str| {
        let mut v = counter.0.to_vec();
        v.extend_from_slice(f.as_bytes());
        v
    };

    let r = call(&rt, caller, ALICE, "forward", vec![], input("bump"));
    ok(&r);
    assert_eq!(r.returns, vec![Arg::I32(0)]);
    assert_eq!(r.return_data, 1i64.to_le_bytes());

    // The callee fails: the caller sees status 1 and the callee's message,
    // keeps its own writes, and the callee's are rolled back.
    let r = call(&rt, caller, ALICE, "forward", vec![], input("fail"));
    ok(&r);
    assert_eq!(r.returns, vec![Arg::I32(1)]);
    assert!(
        r.logs.iter().any(|l| l.contains("failing on purpose")),
        "{:?}",
        r.logs
    );
    assert_eq!(
        rt.read_slice(&counter, 0, 0, 8).unwrap(),
        1i64.to_le_bytes()
    );
    assert_eq!(rt.read_slice(&caller, 0, 0, 8).unwrap(), 2u64.to_le_bytes());
    assert_eq!(rt.read_slice(&caller, 0, 8, 8).unwrap(), 1u64.to_le_bytes());

    // `add` takes a parameter: contract calls pass input bytes only.
    let r = call(&rt, caller, ALICE, "forward", vec![], input("add"));
    assert_eq!(r.returns, vec![Arg::I32(3)], "no such function");
    let r = call(&rt, caller, ALICE, "forward", vec![], input("nothing"));
    assert_eq!(r.returns, vec![Arg::I32(3)]);
    let mut stranger = vec![0x55; 20];
    stranger.extend_from_slice(b"bump");
    let r = call(&rt, caller, ALICE, "forward", vec![], stranger);
    assert_eq!(r.returns, vec![Arg::I32(2)], "no contract");
}

fn probe(tag: &str) -> Vec<u8> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contracts/probe.rs");
    build_file(&src, "probe", tag, false)
}

#[test]
fn environment_balances_registers_and_events_match_the_runtime() {
    let rt = runtime();
    let mut tx = DeployTx {
        author: AUTHOR,
        nonce: None,
        name: None,
        page_count: 1,
        banks: None,
        code: probe("probe-env"),
        ctor: None,
        balance: 1_000,
        gas_limit: GAS,
    };
    let d = rt.execute(&Transaction::Deploy(tx.clone()), BLOCK).unwrap();
    ok(&d);
    let p = d.deployed.unwrap();

    let r = call(&rt, p, ALICE, "whoami", vec![], vec![9; 5]);
    ok(&r);
    let out = &r.return_data;
    assert_eq!(out.len(), 84);
    assert_eq!(&out[..20], &p.0);
    assert_eq!(&out[20..40], &ALICE.0);
    assert_eq!(out[40..48], BLOCK.height.to_le_bytes());
    assert_eq!(out[48..56], BLOCK.time.to_le_bytes());
    let gas_left = u64::from_le_bytes(out[56..64].try_into().unwrap());
    assert!(gas_left > 0 && gas_left < GAS, "{gas_left}");
    assert_eq!(out[64..80], 1_000u128.to_le_bytes());
    assert_eq!(out[80..84], 5u32.to_le_bytes());

    // Transfers: done, then refused for want of balance.
    let r = call(&rt, p, ALICE, "pay", vec![Arg::I64(400)], BOB.0.to_vec());
    assert_eq!(r.returns, vec![Arg::I32(0)], "{:?}", r.error);
    assert_eq!(rt.account(&BOB).unwrap().unwrap().balance, 400);
    let r = call(&rt, p, ALICE, "pay", vec![Arg::I64(601)], BOB.0.to_vec());
    assert_eq!(r.returns, vec![Arg::I32(1)]);
    assert_eq!(rt.account(&p).unwrap().unwrap().balance, 600);

    let r = call(&rt, p, ALICE, "registers", vec![], vec![0xAB; 20]);
    ok(&r);
    assert_eq!(r.return_data, vec![0xAB; 20]);
    assert_eq!(rt.read_slice(&p, 0, 100, 20).unwrap(), vec![0xAB; 20]);

    let r = call(
        &rt,
        p,
        ALICE,
        "chatter",
        vec![Arg::I32(2)],
        vec![1, 2, 3, 4],
    );
    ok(&r);
    assert_eq!(r.logs, vec!["probe: hello".to_string()]);
    assert_eq!(r.events[0].topics.len(), 2);
    assert_eq!(&r.events[0].topics[1][..1], b"b");
    assert_eq!(r.events[0].data, vec![3, 4]);
    let r = call(&rt, p, ALICE, "chatter", vec![Arg::I32(5)], vec![]);
    assert_eq!(r.error.unwrap().kind, ErrorKind::HostError);

    // A second deploy of the same code by the same author is a new contract.
    tx.balance = 0;
    let again = rt.execute(&Transaction::Deploy(tx), BLOCK).unwrap();
    assert_ne!(again.deployed.unwrap(), p);
}

/// Custom sections (debug info) ride along: deploy charges for every byte
/// once, as it stores them, but a call's gas follows the code that runs.
#[test]
fn custom_sections_cost_once_at_deploy_never_per_call() {
    use wasm_encoder::Section;

    let plain = build("counter", "custom-sections");
    let mut padded = plain.clone();
    let extra_data = vec![0x5a; 300 * 1024];
    wasm_encoder::CustomSection {
        name: ".debug_info".into(),
        data: extra_data.as_slice().into(),
    }
    .append_to(&mut padded);
    let extra = (padded.len() - plain.len()) as u64;

    let rt = runtime();
    let d_plain = deploy(&rt, plain, 1, None);
    let d_padded = deploy(&rt, padded, 1, None);
    ok(&d_plain);
    ok(&d_padded);
    let per_byte = strata_runtime::GasSchedule::default().deploy_per_byte;
    assert_eq!(d_padded.gas_used - d_plain.gas_used, per_byte * extra);

    let a = call(&rt, d_plain.deployed.unwrap(), ALICE, "inc", vec![], vec![]);
    let b = call(
        &rt,
        d_padded.deployed.unwrap(),
        ALICE,
        "inc",
        vec![],
        vec![],
    );
    ok(&a);
    ok(&b);
    assert_eq!(
        a.gas_used, b.gas_used,
        "300 KiB of debug info cost nothing per call"
    );
}

/// The README's rows: code size and `inc` gas of the Rust counter (both
/// panic handlers) next to the WAT and C counters (`cargo test -p
/// strata-sdk --test contracts -- --nocapture sizes`), and a token
/// transfer's gas. The small Rust build costs no more than the C one plus a
/// tenth.
#[test]
fn sizes_and_gas_next_to_the_wat_and_c_counters() {
    let rust = build("counter", "sizes");
    let small = build_file(
        &root().join("examples/rust/counter.rs"),
        "counter",
        "sizes-small",
        true,
    );
    let wat = wat::parse_file(root().join("examples/counter.wat")).unwrap();
    let c_out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rust-contracts/sizes/counter-c.wasm");
    let clang = Command::new("clang")
        .args(["--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry"])
        .arg("-I")
        .arg(root().join("host-fns/include"))
        .arg("-o")
        .arg(&c_out)
        .arg(root().join("examples/counter.c"))
        .output()
        .expect("clang runs (scripts/setup installs it)");
    assert!(
        clang.status.success(),
        "{}",
        String::from_utf8_lossy(&clang.stderr)
    );
    let c = std::fs::read(&c_out).unwrap();

    let rt = runtime();
    let mut rows = Vec::new();
    for (name, code) in [
        ("rust", rust),
        ("rust --small-panics", small),
        ("wat", wat),
        ("c", c),
    ] {
        let size = code.len();
        let d = deploy(&rt, code, 1, None);
        ok(&d);
        let a = d.deployed.unwrap();
        ok(&call(&rt, a, ALICE, "inc", vec![], vec![]));
        let r = call(&rt, a, ALICE, "inc", vec![], vec![]);
        ok(&r);
        println!(
            "counter {name:>19}: {size:>6} bytes, deploy {:>6} gas, inc {:>5} gas",
            d.gas_used, r.gas_used
        );
        rows.push((name, size, r.gas_used));
    }
    let (rust, small, c) = (rows[0], rows[1], rows[3]);
    assert!(rust.1 < 16 * 1024, "{rust:?}");
    assert!(small.1 < 4 * 1024, "{small:?}");
    // Per-call gas differs only by the code instantiated (per KiB) and the
    // instructions run: the small build is within a tenth of C's.
    assert!(small.2 * 10 <= c.2 * 11, "rust {small:?} against c {c:?}");
    assert!(
        rust.2 > small.2,
        "core::fmt costs per call: {rust:?} {small:?}"
    );

    let d = deploy(
        &rt,
        build("token", "sizes"),
        9,
        Some(("init", vec![Arg::I64(1_000)])),
    );
    ok(&d);
    let t = d.deployed.unwrap();
    let r = call(
        &rt,
        t,
        AUTHOR,
        "transfer",
        vec![Arg::I64(5)],
        BOB.0.to_vec(),
    );
    ok(&r);
    let again = call(
        &rt,
        t,
        AUTHOR,
        "transfer",
        vec![Arg::I64(5)],
        BOB.0.to_vec(),
    );
    println!(
        "token transfer (new recipient) {} gas, (known recipient) {} gas",
        r.gas_used, again.gas_used
    );
    assert!(again.gas_used <= r.gas_used);
}

#[test]
fn a_map_of_tallies_grows_without_pages() {
    let rt = runtime();
    let r = deploy(&rt, build("tally", "tally"), 1, None);
    ok(&r);
    let c = r.deployed.unwrap();
    let who = |i: u8| Address([0x30 + i; 20]);
    for i in 0..40u8 {
        for _ in 0..=(i % 3) {
            ok(&call(&rt, c, who(i), "bump", vec![], vec![]));
        }
    }
    let query = |f: &str, input: Vec<u8>| {
        let tx = CallTx {
            contract: c,
            sender: BOB,
            call: FunctionCall {
                function: f.into(),
                args: vec![],
            },
            input,
            gas_limit: GAS,
        };
        let r = rt.query(&tx, BLOCK).unwrap();
        ok(&r);
        r.returns[0]
    };
    assert_eq!(query("tally_of", who(5).0.to_vec()), Arg::I64(3));
    assert_eq!(query("tally_of", who(99).0.to_vec()), Arg::I64(0));
    let want: i64 = (0..40).map(|i| i64::from(i % 3 + 1)).sum();
    assert_eq!(query("total", vec![]), Arg::I64(want));
    let r = call(&rt, c, who(5), "forget", vec![], vec![]);
    ok(&r);
    assert_eq!(r.returns, vec![Arg::I32(1)]);
    assert_eq!(query("total", vec![]), Arg::I64(want - 3));
    assert_eq!(rt.account(&c).unwrap().unwrap().maps.len(), 1);
}

/// Compiled contracts keep their stack pointer in a global they do not
/// export, and the counter's panics and the token's refusals leave it
/// moved: instances of them are reused (through the runtime's reserved
/// exports, `exec/reuse.rs`) and still give, call for call, the receipts
/// and roots of fresh instances.
#[test]
fn compiled_contracts_reuse_instances_with_the_receipts_of_fresh_ones() {
    let token = build("token", "reuse-token");
    let counter = build("counter", "reuse-counter");
    let run = |instance_pool: usize| {
        let rt = Runtime::builder(Arc::new(MemKv::new()))
            .config(strata_runtime::RuntimeConfig {
                instance_pool,
                ..strata_runtime::RuntimeConfig::default()
            })
            .build()
            .unwrap();
        let d = deploy(&rt, token.clone(), 9, Some(("init", vec![Arg::I64(1_000)])));
        ok(&d);
        let t = d.deployed.unwrap();
        let d = deploy(&rt, counter.clone(), 1, None);
        ok(&d);
        let c = d.deployed.unwrap();
        let mut receipts = Vec::new();
        for round in 0..40i64 {
            let to = [BOB, CAROL, ALICE][round as usize % 3];
            // Transfers that succeed, then ones that fail half-way (more
            // than BOB holds; bad input), between counter calls that panic
            // deep in the stack or succeed.
            let (sender, amount) = if round % 4 == 3 {
                (BOB, 1_000_000)
            } else {
                (AUTHOR, round + 1)
            };
            let input = if round % 7 == 6 {
                vec![1, 2, 3]
            } else {
                addresses(&[to])
            };
            receipts.push(call(
                &rt,
                t,
                sender,
                "transfer",
                vec![Arg::I64(amount)],
                input,
            ));
            let (function, args) = match round % 3 {
                0 => ("inc", vec![]),
                1 => ("add", vec![Arg::I64(i64::MAX)]),
                _ => ("add", vec![Arg::I64(round)]),
            };
            receipts.push(call(&rt, c, ALICE, function, args, vec![]));
            receipts.push(call(&rt, t, ALICE, "balance_of", vec![], addresses(&[to])));
        }
        (receipts, rt.head().unwrap(), rt.cache_stats().instances)
    };
    let (fresh, fresh_head, fresh_stats) = run(0);
    let (reused, reused_head, stats) = run(16);
    assert_eq!(fresh, reused);
    assert_eq!(fresh_head, reused_head);
    assert_eq!(fresh_stats.hits, 0);
    // Both codes are pooled. The first frame of each (the token's
    // constructor, the counter's first call) runs on the code as stored,
    // unpooled; the second compiles it again with the reserved exports and
    // instantiates (a miss); every later one reuses: 121 frames, 2 misses,
    // 117 hits.
    assert_eq!((stats.misses, stats.hits), (2, 117), "{stats:?}");
}

/// Contracts get a 64 KiB stack (`scripts/build-rust-contract`): a
/// recursion that fits runs, one that runs off the bottom traps (an
/// out-of-bounds access below address 0), the same way every time, with
/// nothing written.
#[test]
fn a_contract_that_overflows_its_stack_traps_deterministically() {
    let rt = runtime();
    let d = deploy(&rt, probe("probe-deep"), 1, None);
    ok(&d);
    let p = d.deployed.unwrap();
    let fits = call(&rt, p, ALICE, "deep", vec![Arg::I64(60)], vec![]);
    ok(&fits);
    let again = call(&rt, p, ALICE, "deep", vec![Arg::I64(60)], vec![]);
    assert_eq!(fits.returns, again.returns);
    let head = rt.head().unwrap();
    let overflow = call(&rt, p, ALICE, "deep", vec![Arg::I64(400)], vec![]);
    let e = overflow.error.as_ref().expect("the stack overflows");
    assert_eq!(e.kind, ErrorKind::Trap, "{}", e.message);
    assert!(e.message.contains("out of bounds"), "{}", e.message);
    let twice = call(&rt, p, ALICE, "deep", vec![Arg::I64(400)], vec![]);
    assert_eq!(overflow, twice);
    assert_eq!(rt.head().unwrap(), head);
}
