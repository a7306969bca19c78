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

/// A tmpfs mounted on a temporary directory, unmounted when dropped (also
/// when the test fails).
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (as `mount -o size=` takes it), or prints
    /// why it cannot and returns `None` (a failure instead when
    /// `STRATA_REQUIRE_MOUNT` is set).
    pub fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("tempdir");
        let refused = match Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
        {
            Ok(out) if out.status.success() => return Some(Tmpfs { dir }),
            Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_string(),
            Err(e) => format!("cannot run mount: {e}"),
        };
        assert!(
            std::env::var_os("STRATA_REQUIRE_MOUNT").is_none(),
            "STRATA_REQUIRE_MOUNT is set, but mounting a tmpfs was refused: {refused}"
        );
        eprintln!("SKIPPED: this test needs to mount a tmpfs, which was refused: {refused}");
        None
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Remounts with `option` (`ro` or `rw`).
    pub fn remount(&self, option: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,{option}")])
            .arg(self.path())
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "remount {option}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Fills the file system with a file, leaving about `leave` bytes; the
    /// file's path.
    pub fn fill(&self, leave: u64) -> PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut f = std::fs::File::create(&path).expect("create the filler");
        let chunk = vec![0xa5u8; 64 * 1024];
        let mut written = 0u64;
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        f.set_len(written.saturating_sub(leave))
            .expect("give back some space");
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy, so that a file still open cannot keep the mount alive.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}
