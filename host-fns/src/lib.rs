//! # strata-host-fns: every host function, written once, over any VM
//!
//! A contract reaches the world only through host functions. This crate
//! declares all of them in **one table** ([`functions`]): import module, name,
//! parameter and result types, gas cost, and docs. From that table come:
//!
//! - typed native entry points (`Svm::reg_read_be_i64(&mut mem, &mut host,
//!   ..)`) and a by-name dispatcher (`Svm::invoke`), generic over any
//!   [`CustomContextVM`] memory and any [`Host`];
//! - the registration of every function into a wasmi `Linker` (feature
//!   `wasmi`, on by default): `Svm::link(&mut linker)`; and, from the same
//!   entries, into a wasmtime `Linker` (feature `wasmtime`):
//!   `Svm::link_wasmtime(&mut linker)`;
//! - the C header guest contracts include ([`docs::c_header`], checked in as
//!   `host-fns/include/strata.h`) and the markdown ABI reference
//!   ([`docs::markdown`], checked in as `host-fns/ABI.md`), with a test that
//!   fails when either is stale;
//! - the [`HostFnDesc`]s the runtime checks contract imports against at
//!   deploy.
//!
//! Two import modules are built in: `svm` ([`Svm`]), the SVM v0 vmcalls
//! with their exact names and signatures so SVM-era contracts run unchanged,
//! and `strata` ([`Strata`]), the native API. Embedders declare their own
//! modules with the same [`host_functions!`] macro.
//!
//! ## Key design decision
//!
//! Host functions touch guest memory **only** through
//! [`CustomContextVM`] (the idea of Zephyr's Soroban fork), and the rest of
//! the world only through the [`Host`] trait. Neither is tied to wasmi, so
//! every function is written once, unit-tested natively over a `Vec<u8>` and
//! a `testing::MockHost` (feature `testing`), and runs unchanged inside any VM. Every access is
//! checked: a bad pointer, register, page or length ends the call with a
//! [`HostError`] naming the function and the argument; gas already charged
//! stays charged; nothing panics.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod docs;
pub mod functions;
mod host;
pub mod legacy_wat;
mod native;
mod svm;
mod svm_node;
pub mod table;
#[cfg(feature = "testing")]
pub mod testing;
mod types;
#[cfg(feature = "wasmi")]
mod wasmi_glue;
#[cfg(feature = "wasmtime")]
mod wasmtime_glue;

pub use functions::{Strata, Svm, SvmEnv, SvmNode, all_modules, builtin_modules, optional_modules};
pub use host::Host;
pub use strata_registers::{BankLayout, Registers};
pub use strata_vm_abstraction::{CustomContextVM, MemoryError};
pub use table::{GasCost, HostFnDesc, HostModule, ValType, Value};
pub use types::{
    Address, CallContext, CallStatus, Event, HostError, HostErrorKind, MAX_MAP_KEY, MAX_MAP_VALUE,
    MapFault, MapValue, StorageFault, limits,
};
#[cfg(feature = "wasmi")]
pub use wasmi;
#[cfg(feature = "wasmi")]
pub use wasmi_glue::{WasmiModule, WasmiState, with_wasmi_host};
#[cfg(feature = "wasmtime")]
pub use wasmtime;
#[cfg(feature = "wasmtime")]
pub use wasmtime_glue::{WasmtimeState, with_wasmtime_host};
