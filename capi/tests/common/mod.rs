//! Building C (and Go) programs against the library this test build made.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory holding `libstrata_capi.a` from this very `cargo test`
/// build: cargo writes the library's crate types next to the test
/// executables (`target/<profile>/deps`), with the test's features.
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable");
    let deps = exe.parent().expect("the deps directory").to_path_buf();
    assert!(
        deps.join("libstrata_capi.a").exists(),
        "no libstrata_capi.a next to the test executable in {}",
        deps.display()
    );
    deps
}

/// The crate's directory.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The system libraries the static library needs.
pub fn system_libs() -> Vec<&'static str> {
    let mut libs = vec!["-lpthread", "-ldl", "-lm"];
    if cfg!(feature = "rocksdb") {
        // RocksDB is C++.
        libs.push("-lstdc++");
    }
    libs
}

/// Compiles `tests/c/demo.c` into `dir` and returns the executable.
pub fn build_c_demo(dir: &Path) -> PathBuf {
    let exe = dir.join("demo");
    let out = Command::new("clang")
        .args(["-std=c11", "-g", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg("-I")
        .arg(crate_dir().join("include"))
        .arg(crate_dir().join("tests/c/demo.c"))
        .arg(lib_dir().join("libstrata_capi.a"))
        .args(system_libs())
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run clang ({e}); install it with scripts/setup"));
    assert!(
        out.status.success(),
        "clang failed to build tests/c/demo.c:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}
