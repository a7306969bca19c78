//! The C program `tests/c/demo.c`, compiled by clang against the generated
//! header and the static library this test build made, runs the whole
//! scenario (counter, errors, a block, C host functions; with RocksDB, a
//! reopen), and runs again under valgrind's memcheck, which must find no
//! leak and no invalid access. clang and valgrind are required (installed
//! by `scripts/setup`): a missing tool fails the test, it never skips.

mod common;

use std::process::Command;

use common::{build_c_demo, lib_dir};

#[test]
fn the_c_program_runs_in_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = build_c_demo(dir.path());
    let out = Command::new(&exe).output().expect("run the C program");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim() == "ok",
        "the C program failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

#[cfg(feature = "rocksdb")]
#[test]
fn the_c_program_runs_on_rocksdb_and_reopens_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = build_c_demo(dir.path());
    let store = dir.path().join("store");
    let out = Command::new(&exe)
        .arg(&store)
        .output()
        .expect("run the C program");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim() == "ok",
        "the C program failed on RocksDB ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(store.join("CURRENT").exists(), "a RocksDB store was made");
}

#[test]
fn the_c_program_is_clean_under_valgrind_memcheck() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = build_c_demo(dir.path());
    let log = dir.path().join("memcheck.log");
    let out = Command::new("valgrind")
        .args([
            "--tool=memcheck",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--error-exitcode=99",
        ])
        .arg(format!("--log-file={}", log.display()))
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run valgrind ({e}); install it with scripts/setup (Debian's valgrind)")
        });
    let report = std::fs::read_to_string(&log).unwrap_or_default();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim() == "ok",
        "memcheck failed ({}) with {}:\n{report}\n{}",
        out.status,
        lib_dir().display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains("ERROR SUMMARY: 0 errors"),
        "memcheck found errors:\n{report}"
    );
    assert!(
        report.contains("definitely lost: 0 bytes") || report.contains("no leaks are possible"),
        "memcheck found leaks:\n{report}"
    );
}
