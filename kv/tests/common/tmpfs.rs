//! A small tmpfs for tests of full disks and read-only file systems,
//! shared by the kv tests (`kv/tests/disk.rs`) and the CLI's
//! (`cli/tests/common`). Mounting needs root and a kernel that lets this
//! process mount; where it is refused, `Tmpfs::mount` prints why and the
//! test passes without running, unless `STRATA_REQUIRE_MOUNT` is set.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

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
