//! Helpers shared by the CLI's test files: run the `strata` binary, deploy
//! the examples, parse JSON, mount a small tmpfs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `strata` binary cargo built for these tests.
pub fn strata_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_strata"))
}

/// A command running the `strata` binary on the store at `dir`.
pub fn strata(dir: &Path) -> Command {
    let mut c = Command::new(strata_bin());
    c.arg("--data-dir").arg(dir);
    c
}

/// The path of a bundled example contract.
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// Runs strata with `args` on `dir`: (exit code, stdout, stderr).
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = strata(dir).args(args).output().expect("run strata");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Deploys `path` into `dir`; its address.
pub fn deploy_path(dir: &Path, path: &Path, extra: &[&str]) -> String {
    let mut args = vec!["deploy", path.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let (code, out, err) = run(dir, &args);
    assert_eq!(code, 0, "deploy failed: {err}");
    let address = out.trim().to_string();
    assert_eq!(address.len(), 40, "{out:?}");
    address
}

/// Deploys the bundled example `file` into `dir`; its address.
pub fn deploy(dir: &Path, file: &str, extra: &[&str]) -> String {
    deploy_path(dir, &example(file), extra)
}

/// Parses one JSON document.
pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// The counter's value, by a read-only query.
pub fn counter_value(dir: &Path, address: &str) -> i64 {
    let (code, out, err) = run(dir, &["query", address, "get", "--json"]);
    assert_eq!(code, 0, "query get: {err}");
    json(&out)["returns"][0]
        .as_i64()
        .unwrap_or_else(|| panic!("no value in {out}"))
}

#[path = "../../../kv/tests/common/tmpfs.rs"]
mod tmpfs;
#[allow(unused_imports)] // not every test binary mounts one
pub use tmpfs::Tmpfs;
