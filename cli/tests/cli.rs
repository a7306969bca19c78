//! The `strata` binary, run as a user would: every command, both output
//! forms, every exit status, state across processes, a locked store, and a
//! kill in the middle of a script.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;

fn strata() -> Command {
    Command::cargo_bin("strata").expect("the strata binary is built")
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// Runs strata with `args` on `dir`, returning (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = strata()
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn deploy(dir: &Path, file: &str, extra: &[&str]) -> String {
    let path = example(file);
    let mut args = vec!["deploy", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, out, err) = run(dir, &args);
    assert_eq!(code, 0, "deploy failed: {err}");
    let address = out.trim().to_string();
    assert_eq!(address.len(), 40, "{out:?}");
    assert!(address.chars().all(|c| c.is_ascii_hexdigit()));
    address
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

#[test]
fn help_for_every_command() {
    for cmd in [
        &[][..],
        &["deploy"],
        &["call"],
        &["query"],
        &["state"],
        &["read"],
        &["events"],
        &["info"],
        &["run"],
        &["demo"],
    ] {
        let mut args: Vec<&str> = cmd.to_vec();
        args.push("--help");
        let out = strata().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn state_persists_between_processes() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy(&store, "counter.wat", &["--pages", "1"]);
    for want in ["i64:1", "i64:2"] {
        let (code, out, _) = run(&store, &["call", &c, "inc"]);
        assert_eq!(code, 0);
        assert!(out.contains(want), "{out}");
    }
    let (code, out, _) = run(&store, &["query", &c, "get", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["returns"][0], 2);
    let (_, out, _) = run(&store, &["read", &c, "--page", "0", "--len", "8"]);
    assert_eq!(out.trim(), "0200000000000000");
}

#[test]
fn receipts_in_both_forms_and_exit_1_for_a_failed_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let c = deploy(dir.path(), "counter.wat", &[]);
    let (code, out, _) = run(dir.path(), &["call", &c, "inc", "--json"]);
    assert_eq!(code, 0);
    let r = json(&out);
    assert_eq!(r["success"], true);
    assert!(r["error"].is_null());
    assert_eq!(r["returns"], serde_json::json!([1]));
    assert_eq!(r["return_data"], "0100000000000000");
    assert!(r["gas_used"].as_u64().unwrap() > 0);
    assert_eq!(r["state_roots"][&c].as_str().unwrap().len(), 64);
    assert_eq!(r["events"][0]["contract"], c.as_str());
    assert_eq!(r["events"][0]["data"], "0100000000000000");
    assert_eq!(r["logs"][0], "counter incremented");

    let (code, out, _) = run(dir.path(), &["call", &c, "add", "i64:-11"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("status       success") && out.contains("returns      i64:-10"),
        "{out}"
    );

    let (code, out, _) = run(dir.path(), &["call", &c, "fail", "--json"]);
    assert_eq!(code, 1, "a transaction that ran and failed");
    let r = json(&out);
    assert_eq!(r["success"], false);
    assert_eq!(r["error"]["kind"], "trap");
    let (code, out, _) = run(dir.path(), &["call", &c, "fail"]);
    assert_eq!(code, 1);
    assert!(out.contains("FAILED (trap)"), "{out}");
    let (code, out, _) = run(dir.path(), &["call", &c, "inc", "--gas", "100"]);
    assert_eq!(code, 1);
    assert!(out.contains("out_of_gas"), "{out}");
    // The failures changed nothing.
    let (_, out, _) = run(dir.path(), &["query", &c, "get"]);
    assert!(out.contains("i64:-10"), "{out}");
    // A query that tries to write fails, and writes nothing.
    let (code, out, _) = run(dir.path(), &["query", &c, "inc"]);
    assert_eq!(code, 1);
    assert!(out.contains("read_only"), "{out}");
}

#[test]
fn deploy_json_state_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = example("token.wat");
    let (code, out, _) = run(
        dir.path(),
        &[
            "deploy",
            path.to_str().unwrap(),
            "--json",
            "--pages",
            "2",
            "--balance",
            "340282366920938463463374607431768211455",
            "--name",
            "tok",
            "--ctor",
            "init",
            "i64:1000",
        ],
    );
    assert_eq!(code, 0);
    let d = json(&out);
    let token = d["address"].as_str().unwrap().to_string();
    assert_eq!(d["code_hash"].as_str().unwrap().len(), 64);
    assert_eq!(d["state_root"].as_str().unwrap().len(), 64);

    let (code, out, _) = run(dir.path(), &["state", &token, "--json"]);
    assert_eq!(code, 0);
    let s: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(s["page_count"], 2);
    assert_eq!(s["nonce"], 0);
    assert_eq!(s["state_root"], d["state_root"]);
    assert_eq!(s["code_hash"], d["code_hash"]);
    // The latest block and the global state root over every account.
    // The CLI runs every transaction at height 0 (it has no chain).
    assert_eq!(s["block"]["height"], 0);
    let block_root = s["block"]["state_root"].as_str().unwrap();
    assert_eq!(block_root.len(), 64);
    assert_ne!(block_root, "0".repeat(64));
    assert!(
        out.contains("\"balance\":340282366920938463463374607431768211455"),
        "u128 balance exactly: {out}"
    );
    let (code, out, _) = run(dir.path(), &["state", &token]);
    assert_eq!(code, 0);
    assert!(
        out.contains("page count   2") && out.contains("name         tok"),
        "{out}"
    );
    assert!(out.contains(&format!("block root   {block_root}")), "{out}");

    let (code, out, _) = run(
        dir.path(),
        &[
            "call",
            &token,
            "transfer",
            "i64:300",
            "--input",
            "00000000000000000000000000000000000000ff",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let r = json(&out);
    assert_eq!(r["events"][0]["topics"].as_array().unwrap().len(), 3);
    assert_eq!(r["events"][0]["data"], "2c01000000000000");
    let (_, out, _) = run(
        dir.path(),
        &[
            "query",
            &token,
            "balance_of",
            "--input",
            "0000000000000000000000000000000000000001",
            "--json",
        ],
    );
    assert_eq!(json(&out)["returns"][0], 700);
    let (code, out, _) = run(
        dir.path(),
        &[
            "call",
            &token,
            "transfer",
            "i64:5000",
            "--input",
            "00000000000000000000000000000000000000ff",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("insufficient balance"),
        "the contract's own message: {out}"
    );

    let (code, out, _) = run(
        dir.path(),
        &[
            "read", &token, "--page", "0", "--offset", "0", "--len", "4", "--json",
        ],
    );
    assert_eq!(code, 0);
    let r = json(&out);
    assert_eq!(r["hex"], "02000000", "two holders");
    assert_eq!(r["len"], 4);
}

#[test]
fn usage_and_input_errors_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let c = deploy(dir.path(), "counter.wat", &[]);
    let bad_wat = dir.path().join("float.wat");
    std::fs::write(
        &bad_wat,
        "(module (func (export \"f\") (result f32) (f32.const 1)))",
    )
    .unwrap();
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"\0asm\x01\0\0\0\x99").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["frobnicate"], "unrecognized"),
        (
            vec!["deploy", "/no/such/file.wat"],
            "cannot read /no/such/file.wat",
        ),
        (
            vec!["deploy", bad_wat.to_str().unwrap()],
            "invalid contract",
        ),
        (
            vec!["deploy", garbage.to_str().unwrap()],
            "invalid contract",
        ),
        (vec!["call", "1234", "inc"], "not an address"),
        (
            vec!["call", "00000000000000000000000000000000000000aa", "inc"],
            "no contract at address",
        ),
        (
            vec!["state", "00000000000000000000000000000000000000aa"],
            "no account at address",
        ),
        (
            vec![
                "read",
                "00000000000000000000000000000000000000aa",
                "--page",
                "0",
            ],
            "no account",
        ),
        (vec!["call", &c, "add", "i64:x"], "expected i32:N or i64:N"),
        (vec!["call", &c, "inc", "--input", "zz"], "not hex"),
        (vec!["read", &c, "--page", "99"], "out of range"),
        (
            vec![
                "read", &c, "--page", "0", "--offset", "4000", "--len", "200",
            ],
            "crosses the page boundary",
        ),
        (vec!["run", "/no/such/script"], "cannot read script"),
    ];
    for (args, want) in cases {
        let (code, _, err) = run(dir.path(), &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(want),
            "{args:?}: {err:?} should mention {want:?}"
        );
        if args[0] != "frobnicate" {
            assert_eq!(err.trim().lines().count(), 1, "one line: {err:?}");
        }
    }
}

#[test]
fn a_store_that_cannot_be_opened_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let (code, _, err) = run(
        &file,
        &["state", "00000000000000000000000000000000000000aa"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("not a directory") && err.contains("not-a-dir"),
        "{err}"
    );

    // Locked by another process holding it open (here: this test).
    let store = dir.path().join("store");
    let c = deploy(&store, "counter.wat", &[]);
    let holder = strata_kv::RocksKv::open(&store).unwrap();
    let (code, _, err) = run(&store, &["call", &c, "inc"]);
    assert_eq!(code, 2);
    assert!(err.contains("locked") && err.contains("store"), "{err}");
    drop(holder);
    let (code, _, _) = run(&store, &["call", &c, "inc"]);
    assert_eq!(code, 0, "usable again once released");
}

#[test]
fn memory_mode_and_demo() {
    let out = strata()
        .args(["--memory", "deploy"])
        .arg(example("counter.wat"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().len(), 40);
    let out = strata().arg("demo").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("RocksDB") && text.contains("inc -> i64:3") && text.contains("get -> i64:3"),
        "{text}"
    );
    let out = strata().args(["demo", "--json"]).output().unwrap();
    let j = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(j["final_value"], "i64:3");
}

#[test]
fn scripts_with_references_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.strata");
    std::fs::write(
        &script,
        format!(
            "# comments and blank lines are skipped\n\n\
             deploy {counter} --pages 1\n\
             deploy {caller}\n\
             call $1 inc\n\
             call $2 forward --input ${{1}}{inc}\n\
             query $1 get\n\
             state $1\n",
            counter = example("counter.wat").display(),
            caller = example("caller.wat").display(),
            inc = "696e63"
        ),
    )
    .unwrap();
    let (code, out, err) = run(
        &dir.path().join("store"),
        &["run", script.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("returns      i64:2"),
        "the nested call incremented too: {out}"
    );
    assert!(out.contains("summary: 4 transactions, 0 failed"), "{out}");

    std::fs::write(
        &script,
        format!(
            "deploy {}\ncall $1 fail\n",
            example("counter.wat").display()
        ),
    )
    .unwrap();
    let (code, out, _) = run(
        &dir.path().join("store2"),
        &["run", script.to_str().unwrap(), "--json"],
    );
    assert_eq!(code, 1);
    let last = out.trim().lines().last().unwrap();
    assert_eq!(json(last)["failures"], 1);

    std::fs::write(&script, "call $3 inc\n").unwrap();
    let (code, _, err) = run(
        &dir.path().join("store3"),
        &["run", script.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(err.contains(":1:") && err.contains("$3"), "{err}");
    std::fs::write(&script, "bogus line\n").unwrap();
    let (code, _, err) = run(
        &dir.path().join("store3"),
        &["run", script.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(err.contains(":1:"), "{err}");
}

#[test]
fn a_contract_written_in_c_deploys_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("counter.wasm");
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host-fns/include");
    let out = std::process::Command::new("clang")
        .args([
            "--target=wasm32",
            "-nostdlib",
            "-O2",
            "-Wl,--no-entry",
            "-I",
        ])
        .arg(&include)
        .arg("-o")
        .arg(&wasm)
        .arg(example("counter.c"))
        .output()
        .expect("clang and lld are installed (scripts/setup)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = dir.path().join("store");
    let (code, out, err) = run(&store, &["deploy", wasm.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let c = out.trim().to_string();
    let (_, out, _) = run(&store, &["call", &c, "inc"]);
    assert!(out.contains("i64:1"), "{out}");
    let (_, out, _) = run(&store, &["call", &c, "add", "i64:41"]);
    assert!(out.contains("i64:42"), "{out}");
    let (code, out, _) = run(&store, &["call", &c, "fail"]);
    assert_eq!(code, 1);
    assert!(out.contains("counter.c refuses"), "{out}");
    let (_, out, _) = run(&store, &["query", &c, "get"]);
    assert!(out.contains("i64:42"), "{out}");
}

#[test]
fn a_killed_script_leaves_the_store_between_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy(&store, "counter.wat", &["--pages", "1"]);
    let script = dir.path().join("long.strata");
    std::fs::write(&script, format!("call {c} inc\n").repeat(2_000)).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("strata"))
        .arg("--data-dir")
        .arg(&store)
        .arg("run")
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = 0i64;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(v) = line.strip_prefix("returns      i64:") {
            printed = v.parse().unwrap();
            if printed >= 25 {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL, between or during transactions
    child.wait().unwrap();
    let (code, out, err) = run(&store, &["query", &c, "get", "--json"]);
    assert_eq!(code, 0, "the store opens after the kill: {err}");
    let value = json(&out)["returns"][0].as_i64().unwrap();
    assert!(
        value >= printed && value < 2_000,
        "{value} after {printed} printed"
    );
    let (_, out, _) = run(&store, &["call", &c, "inc", "--json"]);
    assert_eq!(
        json(&out)["returns"][0].as_i64().unwrap(),
        value + 1,
        "and carries on from there"
    );
}
