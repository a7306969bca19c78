//! The Rust example contracts through the `strata` binary: built with
//! `scripts/build-rust-contract` (Debian's rustc 1.63 for wasm32), deployed
//! from the `.wasm` file and called as a user would.

mod common;

use std::path::{Path, PathBuf};

use common::{deploy_path, json, run};

fn build(name: &str, dir: &Path) -> PathBuf {
    strata_sdk::build::example(name, dir).unwrap_or_else(|e| panic!("{e}"));
    dir.join(format!("{name}.wasm"))
}

#[test]
fn rust_counter_and_token_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy_path(&store, &build("counter", dir.path()), &["--pages", "1"]);
    for want in ["i64:1", "i64:2"] {
        let (code, out, err) = run(&store, &["call", &c, "inc"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(want), "{out}");
    }
    let (code, out, _) = run(&store, &["call", &c, "add", "i64:-1", "--json"]);
    assert_eq!(code, 1, "a reverted transaction exits 1");
    let r = json(&out);
    assert_eq!(r["error"]["kind"], "abort");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("must not be negative"),
        "{r}"
    );
    let (_, out, _) = run(&store, &["read", &c, "--page", "0", "--len", "8"]);
    assert_eq!(out.trim(), "0200000000000000");

    let t = deploy_path(
        &store,
        &build("token", dir.path()),
        &["--pages", "9", "--ctor", "init", "i64:1000"],
    );
    let bob = "b0".repeat(20);
    let (code, out, err) = run(
        &store,
        &["call", &t, "transfer", "i64:250", "--input", &bob, "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["events"][0]["contract"], t.as_str());
    let (code, out, _) = run(
        &store,
        &["query", &t, "balance_of", "--input", &bob, "--json"],
    );
    assert_eq!(code, 0);
    assert_eq!(json(&out)["returns"][0], 250);
}
