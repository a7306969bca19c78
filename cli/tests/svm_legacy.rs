//! SVM-era contracts in the legacy (2019 wabt) text format through the
//! `strata` binary, with hex arguments.

mod common;

use common::*;

#[test]
fn legacy_text_contract_deploys_and_takes_hex_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let c = deploy(dir.path(), "svm/slices_era_counter.wast", &[]);
    let (code, out, err) = run(dir.path(), &["call", &c, "add", "i64:0x5", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"], serde_json::json!([5]));
    let (code, out, err) = run(dir.path(), &["call", &c, "add", "i64:0xff", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"], serde_json::json!([260]));
    let (code, out, err) = run(dir.path(), &["call", &c, "copy", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"], serde_json::json!([9]));
    let (code, _, err) = run(dir.path(), &["call", &c, "add", "i64:0xz"]);
    assert_eq!(code, 2);
    assert!(err.contains("0x hex"), "{err}");
}

#[test]
fn september_era_contract_with_seeded_and_shown_registers() {
    let dir = tempfile::tempdir().unwrap();
    let c = deploy(
        dir.path(),
        "svm/september_registers.wast",
        &["--pages", "1"],
    );
    let (code, _, err) = run(dir.path(), &["call", &c, "store", "i64:0x0102030405060708"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(
        dir.path(),
        &["read", &c, "--page", "0", "--offset", "16", "--len", "8"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0807060504030201"), "{out}");
    // load: storage -> register 64:1, read little-endian; show that register.
    let (code, out, err) = run(
        dir.path(),
        &["call", &c, "load", "--show-reg", "64:1", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    let j = json(&out);
    assert_eq!(j["returns"], serde_json::json!([0x0102030405060708i64]));
    assert_eq!(j["registers"]["64:1"], "0807060504030201");
    // peek reads register 64:7, which the caller seeds.
    let (code, out, err) = run(
        dir.path(),
        &[
            "query",
            &c,
            "peek",
            "--reg",
            "64:7=0x2a",
            "--show-reg",
            "64:7",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("returns      i64:42"), "{out}");
    assert!(out.contains("register     64:7 2a00000000000000"), "{out}");
    let (code, out, _) = run(dir.path(), &["query", &c, "peek", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["returns"], serde_json::json!([0]));
    assert!(json(&out).get("registers").is_none(), "{out}");
    // Bad registers: usage errors before running, or a failed receipt
    // naming a register the banks lack.
    for (arg, flag, want) in [
        ("--reg", "64=1", "BITS:IDX=HEX"),
        ("--reg", "64:x=01", "BITS:IDX"),
        ("--reg", "64:0=zz", "not hex"),
        ("--show-reg", "64-0", "BITS:IDX"),
    ] {
        let (code, _, err) = run(dir.path(), &["call", &c, "peek", arg, flag]);
        assert_eq!(code, 2, "{arg} {flag}");
        assert!(err.contains(want), "{arg} {flag}: {err}");
    }
    let (code, out, _) = run(dir.path(), &["call", &c, "peek", "--show-reg", "64:99"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("invalid_transaction") && out.contains("64:99"),
        "{out}"
    );
}

#[test]
fn december_era_contract_runs_and_deploy_prints_both_code_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let file = example("svm/december_storage.wast");
    let (code, out, err) = run(
        dir.path(),
        &["deploy", file.to_str().unwrap(), "--pages", "3", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    let j = json(&out);
    let c = j["address"].as_str().unwrap().to_owned();
    let stored = j["code_hash"].as_str().unwrap();
    let source = j["source_code_hash"]
        .as_str()
        .expect("both hashes: the module was rewritten");
    assert_ne!(stored, source);
    let (code, out, err) = run(dir.path(), &["state", &c, "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["code_hash"], stored);
    // A module stored as given prints one hash.
    let (code, out, err) = run(
        dir.path(),
        &["deploy", example("counter.wat").to_str().unwrap(), "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(json(&out).get("source_code_hash").is_none(), "{out}");

    let (code, _, err) = run(
        dir.path(),
        &[
            "call",
            &c,
            "put",
            "i32:1",
            "i32:100",
            "i64:0x1122334455667788",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(
        dir.path(),
        &["query", &c, "get", "i32:1", "i32:100", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        json(&out)["returns"],
        serde_json::json!([0x1122334455667788i64])
    );
    // env.get_balance / env.set_balance are on in the CLI by default.
    let node = deploy(dir.path(), "svm/node_balance.wast", &["--pages", "1"]);
    let (code, _, err) = run(dir.path(), &["call", &node, "set", "i64:0xaabbcc", "i64:5"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(dir.path(), &["call", &c, "mul_balance", "i64:3", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"], serde_json::json!([15]));
    let (code, out, err) = run(
        dir.path(),
        &[
            "state",
            "0000000000000000000000000000000000aabbcc",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["balance"], serde_json::json!(15));
    // ... and off with --no-node-vmcalls: the import is unknown.
    let (code, _, err) = run(
        dir.path(),
        &[
            "--no-node-vmcalls",
            "deploy",
            file.to_str().unwrap(),
            "--pages",
            "3",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("env.get_balance is not a host function"),
        "{err}"
    );
}

#[test]
fn node_era_balance_contract_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let c = deploy(dir.path(), "svm/node_balance.wast", &["--pages", "1"]);
    let (code, _, err) = run(
        dir.path(),
        &["call", &c, "set", "i64:0x0102030405060708", "i64:500"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(
        dir.path(),
        &[
            "call",
            &c,
            "scale",
            "i64:0x0102030405060708",
            "i64:4",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"], serde_json::json!([2000]));
    let (code, out, _) = run(
        dir.path(),
        &["call", &c, "set", "i64:0x0102030405060708", "i64:-1"],
    );
    assert_eq!(code, 1);
    assert!(out.contains("cannot be negative"), "{out}");
    let (code, out, err) = run(
        dir.path(),
        &["query", &c, "balance", "i64:0x0102030405060708", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"], serde_json::json!([2000]));
}
