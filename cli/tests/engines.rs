//! `--engine wasmtime` for `query` and `run`: the same receipts and state
//! roots as on wasmi (a script of deploys, calls, a failure and queries),
//! and a script line that names another engine than the script's is an
//! error. Needs the CLI's `wasmtime` feature (on by default).
#![cfg(feature = "wasmtime")]

use std::path::Path;

use assert_cmd::Command;

fn strata() -> Command {
    Command::cargo_bin("strata").expect("the strata binary is built")
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
        .display()
        .to_string()
}

/// Runs `args`; (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = strata().args(args).output().expect("strata runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The JSON lines of a script's output, without the summary's timing.
fn receipts(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            if let Some(o) = v.as_object_mut() {
                o.remove("seconds");
                o.remove("tx_per_second");
            }
            v
        })
        .collect()
}

#[test]
fn a_script_on_wasmtime_gives_wasmis_receipts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("s.strata");
    std::fs::write(
        &script,
        format!(
            "deploy {}\ncall $1 inc\ncall $1 add i64:41\nquery $1 get\ncall $1 fail\n",
            example("counter.wat")
        ),
    )
    .expect("script");
    let script = script.display().to_string();
    let (code_a, out_a, err_a) = run(&["--memory", "--json", "run", &script]);
    let (code_b, out_b, err_b) =
        run(&["--memory", "--json", "run", &script, "--engine", "wasmtime"]);
    assert_eq!((code_a, code_b), (1, 1), "{err_a}{err_b}");
    let (a, b) = (receipts(&out_a), receipts(&out_b));
    assert_eq!(a.len(), 6, "{out_a}");
    assert_eq!(b[3]["returns"], serde_json::json!([42]), "{out_b}");
    assert_eq!(b[4]["error"]["kind"], "trap");
    let but_gas = |v: &[serde_json::Value]| -> Vec<serde_json::Value> {
        v.iter()
            .cloned()
            .map(|mut r| {
                if let Some(o) = r.as_object_mut() {
                    o.remove("gas_used");
                }
                r
            })
            .collect()
    };
    assert_eq!(but_gas(&a), but_gas(&b));

    // A line may repeat the script's engine, not name another.
    let other = dir.path().join("other.strata");
    std::fs::write(
        &other,
        format!(
            "deploy {}\nquery $1 get --engine wasmtime\nquery $1 get --engine wasmi\n",
            example("counter.wat")
        ),
    )
    .expect("script");
    let other = other.display().to_string();
    let (code, out, err) = run(&["--memory", "run", &other, "--engine", "wasmtime"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("other.strata:3") && err.contains("runs on wasmtime"),
        "{err}"
    );
}

#[test]
fn query_on_wasmtime_reads_the_store_wasmi_wrote() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("store").display().to_string();
    let (code, out, err) = run(&["--data-dir", &data, "deploy", &example("counter.wat")]);
    assert_eq!(code, 0, "{err}");
    let address = out.trim().to_string();
    let (code, _, err) = run(&["--data-dir", &data, "call", &address, "inc"]);
    assert_eq!(code, 0, "{err}");
    let query = |engine: &str| {
        run(&[
            "--data-dir",
            &data,
            "--json",
            "query",
            &address,
            "get",
            "--engine",
            engine,
        ])
    };
    let (code, wasmtime, err) = query("wasmtime");
    assert_eq!(code, 0, "{err}");
    let (_, wasmi, _) = query("wasmi");
    let (a, b) = (receipts(&wasmi), receipts(&wasmtime));
    assert_eq!(b[0]["returns"], serde_json::json!([1]), "{wasmtime}");
    assert_eq!(a[0]["returns"], b[0]["returns"]);
    assert_eq!(a[0]["state_roots"], b[0]["state_roots"]);
    let (code, _, err) = run(&[
        "--data-dir",
        &data,
        "query",
        &address,
        "get",
        "--engine",
        "v8",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("wasmtime"), "the choices are listed: {err}");
}
