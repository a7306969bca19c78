//! # strata-benches: the workloads behind every benchmark
//!
//! Each comparison is a *pair*: an operation through Strata and the closest
//! baseline outside it (raw RocksDB, a `HashMap`, a bare wasmi closure, a
//! minimal raw-wasmi program). The workloads live here, once; the criterion
//! benches (`cargo bench -p strata-benches`, grouped by layer) and the
//! `report` binary (ratios measured side by side in one process) both use
//! them, so the report measures exactly what the benches do.
#![deny(missing_docs)]

pub mod host_fns;
pub mod kv;
pub mod pages;
pub mod runtime;
pub mod slices;

/// One side of a comparison: runs a few operations and says how many.
pub type Side = Box<dyn FnMut() -> u64>;

/// What a pair's ratio (ours over baseline) should be.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The ratio must be at most this.
    AtMost(f64),
    /// Reported, with no target (a speed-up or a rate).
    Report,
}

/// A comparison of Strata against a baseline, measured side by side.
pub struct Pair {
    /// What is compared.
    pub name: &'static str,
    /// The Strata side.
    pub ours: Side,
    /// The baseline side.
    pub base: Side,
    /// The target for ours / base.
    pub target: Target,
}
