//! Building contracts from the host (tests, benchmarks, tools): runs this
//! repository's `scripts/build-rust-contract`, the one build recipe. Not
//! part of contract builds (only compiled off wasm32).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::string::String;
use std::vec::Vec;

/// The repository root this crate was compiled in.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds the contract `src` (one `.rs` file that uses this crate) to
/// `out` with `scripts/build-rust-contract` (Debian's rustc 1.63 for
/// wasm32; `scripts/setup` installs it), `--small-panics` when asked, and
/// returns the wasm. The error is the script's message.
pub fn contract(src: &Path, out: &Path, small_panics: bool) -> Result<Vec<u8>, String> {
    let mut cmd = Command::new(root().join("scripts/build-rust-contract"));
    if small_panics {
        cmd.arg("--small-panics");
    }
    let run = cmd
        .arg(src)
        .arg(out)
        .output()
        .map_err(|e| std::format!("cannot run scripts/build-rust-contract: {e}"))?;
    if !run.status.success() {
        return Err(std::format!(
            "building {} failed: {}",
            src.display(),
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    std::fs::read(out).map_err(|e| std::format!("cannot read {}: {e}", out.display()))
}

/// [`contract`] for `examples/rust/<name>.rs` of this repository, built
/// into `dir`.
pub fn example(name: &str, dir: &Path) -> Result<Vec<u8>, String> {
    let src = root().join(std::format!("examples/rust/{name}.rs"));
    contract(&src, &dir.join(std::format!("{name}.wasm")), false)
}
