//! Issue 15, "hostile input cannot stop a node", at the command line: stores
//! that tell the truth (read-only commands never create one, a directory
//! that is not a store is left alone, reading works next to a writer, on a
//! full disk and on a read-only file system), output that never panics
//! (closed pipes, full devices), contract text that cannot forge output,
//! clear usage errors, and a corrupt store reported with its key.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;

use common::{Tmpfs, counter_value, deploy, deploy_path, json, run, strata};

const NOBODY: &str = "00000000000000000000000000000000000000aa";

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn read_only_commands_never_create_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let read_only: [&[&str]; 3] = [
        &["state", NOBODY],
        &["read", NOBODY, "--page", "0"],
        &["query", NOBODY, "get"],
    ];
    for args in read_only {
        let (code, out, err) = run(&absent, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.starts_with("strata: error: no Strata store at")
                && err.contains("does not exist")
                && err.contains("never create a store"),
            "{args:?}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!absent.exists(), "{args:?} created the store directory");

        let (code, _, err) = run(&empty, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("no Strata store") && err.contains("empty"),
            "{args:?}: {err}"
        );
        assert!(files_in(&empty).is_empty(), "{args:?} wrote into {empty:?}");
    }
    // A command that writes does create it.
    deploy(&absent, "counter.wat", &[]);
    let (code, _, err) = run(&absent, &["state", NOBODY]);
    assert_eq!(code, 2);
    assert!(err.contains("no account at address"), "{err}");
}

#[test]
fn a_directory_that_is_not_a_store_is_refused_by_every_command_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.tex"), b"years of work").unwrap();
    let before = files_in(dir.path());
    let counter = common::example("counter.wat");
    let all: [&[&str]; 5] = [
        &["deploy", counter.to_str().unwrap()],
        &["call", NOBODY, "inc"],
        &["query", NOBODY, "get"],
        &["state", NOBODY],
        &["read", NOBODY, "--page", "0"],
    ];
    for args in all {
        let (code, _, err) = run(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("not a Strata store") || err.contains("no Strata store"),
            "{args:?}: {err}"
        );
        assert!(err.contains("thesis.tex"), "names what is there: {err}");
    }
    assert_eq!(files_in(dir.path()), before);
    assert_eq!(
        std::fs::read(dir.path().join("thesis.tex")).unwrap(),
        b"years of work"
    );
}

#[test]
fn reading_works_while_another_process_holds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy(&store, "counter.wat", &["--pages", "1"]);
    let (code, _, _) = run(&store, &["call", &c, "add", "i64:41"]);
    assert_eq!(code, 0);
    // Another writer: a long script, which holds the store's lock.
    let script = dir.path().join("slow.strata");
    std::fs::write(&script, format!("call {c} inc\n").repeat(100_000)).unwrap();
    let mut writer = strata(&store)
        .arg("run")
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(writer.stdout.take().unwrap()).lines();
    // Wait until it has committed a transaction (it holds the lock).
    let first = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| l.starts_with("returns"))
        .expect("the writer ran a transaction");
    assert!(first.contains("i64:42"), "{first}");
    let (state, value, read, locked) = (
        run(&store, &["state", &c, "--json"]),
        run(&store, &["query", &c, "get", "--json"]),
        run(&store, &["read", &c, "--page", "0", "--len", "8"]),
        run(&store, &["call", &c, "inc"]),
    );
    let _ = writer.kill();
    let _ = writer.wait();
    assert_eq!(state.0, 0, "state next to a writer: {}", state.2);
    assert_eq!(json(&state.1)["page_count"], 1);
    assert_eq!(value.0, 0, "query next to a writer: {}", value.2);
    assert!(json(&value.1)["returns"][0].as_i64().unwrap() >= 42);
    assert_eq!(read.0, 0, "read next to a writer: {}", read.2);
    assert_eq!(read.1.trim().len(), 16);
    assert_eq!(locked.0, 2, "a second writer is refused");
    assert!(locked.2.contains("locked"), "{}", locked.2);
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let c = deploy(dir.path(), "counter.wat", &["--pages", "1"]);
    let script = dir.path().join("s.strata");
    std::fs::write(&script, format!("call {c} inc\n").repeat(500)).unwrap();

    // `strata run script | head -n 1`.
    let mut child = strata(dir.path())
        .arg("run")
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("> call"), "{first}");
    drop(stdout); // the reader goes away
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "the status the script had: {err}");
    assert!(err.is_empty(), "no message, no panic: {err:?}");
    let value = counter_value(dir.path(), &c);
    assert!(
        (1..500).contains(&value),
        "the script stopped early, after committed lines: {value}"
    );

    // A reader gone before anything was written: one command, each status.
    for (args, want) in [
        (vec!["state", c.as_str()], 0),
        (vec!["call", c.as_str(), "inc"], 0),
        (vec!["call", c.as_str(), "fail"], 1),
        (vec!["--help"], 0),
    ] {
        let mut child = strata(dir.path())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(want), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: no message, no panic: {err:?}");
    }
    assert_eq!(
        counter_value(dir.path(), &c),
        value + 1,
        "the call whose receipt nobody read was committed"
    );
}

#[test]
fn a_full_output_device_is_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let c = deploy(dir.path(), "counter.wat", &["--pages", "1"]);
    let script = dir.path().join("s.strata");
    std::fs::write(&script, format!("call {c} inc\n").repeat(3)).unwrap();
    for args in [
        vec!["state", c.as_str()],
        vec!["state", c.as_str(), "--json"],
        vec!["read", c.as_str(), "--page", "0"],
        vec!["query", c.as_str(), "get"],
        vec!["call", c.as_str(), "inc"],
        vec!["run", script.to_str().unwrap()],
        vec!["--help"],
        vec!["demo"],
    ] {
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = strata(dir.path())
            .args(&args)
            .stdout(full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(
            err.trim(),
            "strata: error: cannot write output: No space left on device (os error 28)",
            "{args:?}"
        );
    }
    // The call ran before its receipt could not be written; the script
    // stopped at its first output, the echo of its first line, before
    // running it.
    assert_eq!(counter_value(dir.path(), &c), 1);
}

const FORGED: &str = "\n\x1b[32mstatus       success";

fn forging_contract(dir: &Path) -> std::path::PathBuf {
    let text = FORGED.replace('\n', "\\0a").replace('\x1b', "\\1b");
    let len = FORGED.len();
    let wat = format!(
        r#"(module
  (import "strata" "log" (func $log (param i32 i32)))
  (import "strata" "abort" (func $abort (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{text}")
  (func (export "shout") (call $log (i32.const 0) (i32.const {len})))
  (func (export "fake") (call $abort (i32.const 0) (i32.const {len}))))"#
    );
    let path = dir.join("forger.wat");
    std::fs::write(&path, wat).unwrap();
    path
}

#[test]
fn contract_text_cannot_forge_output() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy_path(
        &store,
        &forging_contract(dir.path()),
        &["--name", "\x1b[2Jname\u{202e}txt.exe\nstatus       success"],
    );
    for (function, want_code) in [("shout", 0), ("fake", 1)] {
        let (code, out, err) = run(&store, &["call", &c, function]);
        assert_eq!(code, want_code, "{function}: {err}");
        assert!(
            !out.contains('\x1b'),
            "{function}: an ESC byte reached the terminal: {out:?}"
        );
        let status_lines = out.lines().filter(|l| l.starts_with("status")).count();
        assert_eq!(status_lines, 1, "{function}: one status line: {out}");
        assert!(
            out.contains("\\n\\x1b[32mstatus       success"),
            "{function}: the text is shown, escaped: {out}"
        );
        if function == "fake" {
            assert!(out.starts_with("status       FAILED"), "{out}");
        }
        // JSON carries the exact text (JSON escaping is serde_json's).
        let (_, out, _) = run(&store, &["call", &c, function, "--json"]);
        assert!(
            !out.contains('\x1b') && out.trim().lines().count() == 1,
            "{out:?}"
        );
        let r = json(&out);
        let text = if function == "shout" {
            r["logs"][0].as_str().unwrap().to_string()
        } else {
            r["error"]["message"].as_str().unwrap().to_string()
        };
        assert!(text.contains(FORGED), "{function}: exact in JSON: {text:?}");
    }
    let (code, out, _) = run(&store, &["state", &c]);
    assert_eq!(code, 0);
    assert!(
        !out.contains('\x1b') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("status")).count(),
        0,
        "{out}"
    );
    assert!(
        out.contains("name         \\x1b[2Jname\\u{202e}txt.exe\\nstatus       success"),
        "{out}"
    );
    // Error messages on stderr are escaped too.
    let (code, out, err) = run(&store, &["call", &c, "no\x1b[31mfunc"]);
    assert_eq!(code, 1, "{err}");
    assert!(!out.contains('\x1b'), "{out:?}");
    let (code, _, err) = run(&store, &["call", "\x1b[31m", "inc"]);
    assert_eq!(code, 2);
    assert!(!err.contains('\x1b') && err.contains("[31m"), "{err:?}");
}

#[test]
fn gas_and_slice_arguments_are_checked_with_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let c = deploy(dir.path(), "counter.wat", &["--pages", "1"]);
    let counter = common::example("counter.wat");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["call", &c, "inc", "--gas", "-1"],
            "gas must be a non-negative whole number",
        ),
        (
            vec!["call", &c, "inc", "--gas=-1"],
            "gas must be a non-negative whole number",
        ),
        (
            vec!["query", &c, "get", "--gas", "1.5"],
            "gas must be a non-negative whole number",
        ),
        (
            vec!["call", &c, "inc", "--gas", "lots"],
            "gas must be a non-negative whole number",
        ),
        (
            vec!["call", &c, "inc", "--gas", "100000001"],
            "above the runtime's cap of 100000000 gas per transaction",
        ),
        (
            vec![
                "deploy",
                counter.to_str().unwrap(),
                "--gas",
                "18446744073709551615",
            ],
            "cap of 100000000",
        ),
        (
            vec!["read", &c, "--page", "0", "--offset", "5000"],
            "offset 5000 is past the end of the 4096-byte page",
        ),
        (
            vec!["read", &c, "--page", "0", "--offset", "4096", "--len", "0"],
            "past the end of the 4096-byte page",
        ),
        (
            vec![
                "read",
                &c,
                "--page",
                "0",
                "--offset",
                "4000",
                "--len",
                "4000000000",
            ],
            "crosses the page boundary",
        ),
        (
            vec!["read", &c, "--page", "1"],
            "page 1 is out of range: the contract",
        ),
    ];
    for (args, want) in cases {
        let (code, out, err) = run(dir.path(), &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.contains(want), "{args:?}: {err:?} should say {want:?}");
        assert!(!err.contains("storage failed"), "{args:?}: {err}");
    }
    // The cap itself is allowed.
    let (code, out, err) = run(dir.path(), &["call", &c, "inc", "--gas", "100000000"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("status       success"), "{out}");
    // In a script, with the line number.
    let script = dir.path().join("s.strata");
    std::fs::write(&script, format!("call {c} inc\ncall {c} inc --gas -1\n")).unwrap();
    let (code, _, err) = run(dir.path(), &["run", script.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(":2:") && err.contains("non-negative whole number"),
        "{err}"
    );
}

/// Rewrites every record of namespace `tag` with one byte flipped; their
/// keys, in hex.
fn flip_records(store: &Path, tag: u8) -> Vec<String> {
    use strata_kv::{KvStore, Namespace, RocksKv, WriteBatch};
    let kv = RocksKv::open(store).unwrap();
    let ns = Namespace::new(tag);
    let mut batch = WriteBatch::new();
    let mut keys = Vec::new();
    for (k, v) in kv.scan_prefix(ns, b"").unwrap() {
        let mut v = v.to_vec();
        let last = v.len() - 1;
        v[last] ^= 0x01;
        batch.put(ns, k.as_ref(), v);
        keys.push(hex::encode(&k));
    }
    kv.write(batch).unwrap();
    keys
}

#[test]
fn a_corrupt_store_is_reported_with_the_record_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy(&store, "counter.wat", &["--pages", "1"]);
    assert_eq!(run(&store, &["call", &c, "add", "i64:7"]).0, 0);

    // A damaged page (namespace 1: pages by content hash).
    let pages = flip_records(&store, 1);
    assert!(!pages.is_empty());
    for args in [
        vec!["query", c.as_str(), "get"],
        vec!["call", c.as_str(), "inc"],
        vec!["read", c.as_str(), "--page", "0", "--len", "8"],
    ] {
        let (code, out, err) = run(&store, &args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.starts_with("strata: error: ") && err.contains("corrupt page record"),
            "{args:?}: {err}"
        );
        assert!(
            pages.iter().any(|k| err.contains(k.as_str())),
            "{args:?}: names the key ({pages:?}): {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }

    // A damaged account record (namespace 16).
    flip_records(&store, 16);
    for args in [vec!["state", c.as_str()], vec!["query", c.as_str(), "get"]] {
        let (code, _, err) = run(&store, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("corrupt account record") && err.contains(&c),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_full_disk_still_reads_and_says_what_to_do() {
    let Some(fs) = Tmpfs::mount("24m") else {
        return;
    };
    let store = fs.path().join("store");
    let c = deploy(&store, "counter.wat", &["--pages", "1"]);
    assert_eq!(run(&store, &["call", &c, "add", "i64:41"]).0, 0);
    let filler = fs.fill(0);
    let (code, out, err) = run(&store, &["call", &c, "inc"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("is full")
            && err.contains("free space")
            && err.contains("every write acknowledged"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // Reading needs no space.
    assert_eq!(counter_value(&store, &c), 41);
    let (code, _, err) = run(&store, &["state", &c]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_file(&filler).unwrap();
    let (code, out, err) = run(&store, &["call", &c, "inc"]);
    assert_eq!(code, 0, "after freeing space: {err}");
    assert!(out.contains("returns      i64:42"), "{out}");

    // A read-only file system reads too.
    fs.remount("ro");
    assert_eq!(counter_value(&store, &c), 42);
    let (code, _, err) = run(&store, &["read", &c, "--page", "0", "--len", "8"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&store, &["call", &c, "inc"]);
    assert_eq!(code, 2);
    assert!(err.contains("Read-only file system"), "{err}");
    fs.remount("rw");
}
