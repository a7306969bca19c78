//! # strata-fuzz: what Strata's fuzz targets share
//!
//! The targets under `fuzz_targets/` are thin: each decodes its input and
//! calls into this library, which holds
//!
//! - [`contracts`]: the repository's example contracts (compiled from
//!   `examples/*.wat` at first use), a small payment contract of the fuzz
//!   crate's own, the host function table as the runtime reports it, and the
//!   generated contracts (the host-call contract, the import module that
//!   wasm-smith draws imports from);
//! - [`exec`]: fresh runtimes on `MemKv`, and the checks every execution
//!   target makes (a runtime error on a healthy in-memory store is a bug);
//! - [`input`]: the structured inputs (`Arbitrary`), with a writer for each
//!   that produces the exact bytes `Arbitrary` reads back, so that the seed
//!   corpora (`examples/gen_seeds.rs`) can be built from meaningful values.
//!
//! The library never panics on an input by itself: a panic means a check
//! failed, which libFuzzer reports as a crash.

pub mod contracts;
pub mod exec;
pub mod input;
