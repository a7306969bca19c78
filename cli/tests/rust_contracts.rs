//! The Rust example contracts through the `strata` binary: built with
//! `scripts/build-rust-contract` (Debian's rustc 1.63 for wasm32), deployed
//! from the `.wasm` file and called as a user would.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn build(name: &str, dir: &Path) -> PathBuf {
    strata_sdk::build::example(name, dir).unwrap_or_else(|e| panic!("{e}"));
    dir.join(format!("{name}.wasm"))
}

fn strata(store: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("strata")
        .unwrap()
        .arg("--data-dir")
        .arg(store)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

#[test]
fn rust_counter_and_token_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let counter = build("counter", dir.path());
    let (code, out, err) = strata(
        &store,
        &["deploy", counter.to_str().unwrap(), "--pages", "1"],
    );
    assert_eq!(code, 0, "{err}");
    let c = out.trim().to_string();
    for want in ["i64:1", "i64:2"] {
        let (code, out, err) = strata(&store, &["call", &c, "inc"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(want), "{out}");
    }
    let (code, out, _) = strata(&store, &["call", &c, "add", "i64:-1", "--json"]);
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
    let (_, out, _) = strata(&store, &["read", &c, "--page", "0", "--len", "8"]);
    assert_eq!(out.trim(), "0200000000000000");

    let token = build("token", dir.path());
    let (code, out, err) = strata(
        &store,
        &[
            "deploy",
            token.to_str().unwrap(),
            "--pages",
            "9",
            "--ctor",
            "init",
            "i64:1000",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let t = out.trim().to_string();
    let bob = "b0".repeat(20);
    let (code, out, err) = strata(
        &store,
        &["call", &t, "transfer", "i64:250", "--input", &bob, "--json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["events"][0]["contract"], t.as_str());
    let (code, out, _) = strata(
        &store,
        &["query", &t, "balance_of", "--input", &bob, "--json"],
    );
    assert_eq!(code, 0);
    assert_eq!(json(&out)["returns"][0], 250);
}
