//! The Go binding (`go/strata`) runs its `go test` through cgo against the
//! static library this test build made: the same scenario as the C
//! program (the counter, typed errors, a block, Go host functions over a
//! Go-held ledger; with RocksDB, a reopen). Go is required (Debian's
//! `golang-go`, installed by `scripts/setup`): a missing `go` fails the
//! test, it never skips.

mod common;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::process::Command;

use common::{crate_dir, lib_dir, system_libs};

#[test]
fn the_go_binding_passes_go_test() {
    let lib = lib_dir();
    let mut ldflags = vec![lib.join("libstrata_capi.a").display().to_string()];
    ldflags.extend(system_libs().into_iter().map(String::from));
    // Go's build cache lives with cargo's target directory, not in $HOME.
    // Its keys do not cover the header (outside the package directory) or
    // the library (named only in the linker flags), so a define carrying
    // both contents' fingerprint goes into the C flags, which they do
    // cover: a changed header or library is never linked from a stale
    // cache entry (a struct's layout changed once under one).
    let fingerprint = format!(
        "-DSTRATA_INPUTS={:x}",
        fingerprint(&[
            &crate_dir().join("include/strata_runtime.h"),
            &lib.join("libstrata_capi.a"),
        ])
    );
    let target = lib.parent().and_then(|p| p.parent()).unwrap_or(&lib);
    let cache = target.join("go-cache");
    let gopath = target.join("go-path");
    let out = Command::new("go")
        .args(["test", "-count=1", "./..."])
        .current_dir(crate_dir().join("go/strata"))
        .env("CGO_ENABLED", "1")
        .env("CC", "clang")
        .env("CGO_LDFLAGS", ldflags.join(" "))
        .env("CGO_CFLAGS", format!("-O2 -g {fingerprint}"))
        .env("GOCACHE", &cache)
        .env("GOPATH", &gopath)
        .env("GOFLAGS", "-mod=mod")
        .env(
            "STRATA_CAPI_ROCKSDB",
            if cfg!(feature = "rocksdb") { "1" } else { "0" },
        )
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run go ({e}); install it with scripts/setup (Debian's golang-go)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("ok"),
        "go test failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

/// A fingerprint of the files' contents.
fn fingerprint(files: &[&Path]) -> u64 {
    let mut h = DefaultHasher::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display()));
        bytes.hash(&mut h);
    }
    h.finish()
}
