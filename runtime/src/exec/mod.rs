//! Executing frames: one contract function in one wasmi store, with the
//! transaction's state moved in and out, and nested contract calls. One
//! job per module: [`state`] (the transaction's state and checkpoints),
//! [`host`] (the `Host` every host function sees), [`frame`] (running a
//! frame), [`reuse`] (keeping an instance for the next frame of its code), [`failure`] (how a frame fails), [`external`] (host functions the node
//! answers later), [`wasmtime_engine`] (the second engine, feature
//! `wasmtime`).

mod external;
mod failure;
mod frame;
mod host;
mod reuse;
mod state;
#[cfg(feature = "wasmtime")]
mod wasmtime_engine;

pub(crate) use external::{Access, Down, ExternalLink, Up, link as link_external};
pub use external::{AccessError, PendingCall};
pub(crate) use failure::*;
pub(crate) use frame::*;
pub use host::TxHost;
pub(crate) use host::{keep_fatal, slice_fault};
pub(crate) use reuse::{Pooled, ResetPlan, plan as reset_plan};
pub(crate) use state::*;
#[cfg(feature = "wasmtime")]
pub(crate) use wasmtime_engine::{WasmtimeBackend, WasmtimeLinkFn};
