//! [`RuntimeError`]: the runtime's own failures (not a transaction's,
//! which are receipts), each typed, with the key of any damaged record.

use strata_slices::SliceError;

use crate::{Address, Hash32, KvError, PageError};

/// A failure of the runtime itself, not of a transaction: the store failed
/// or holds a damaged record. Nothing of the transaction (or block) was
/// applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The key-value store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
    /// The page store failed (a missing or corrupt page or node).
    #[error(transparent)]
    Pages(#[from] PageError),
    /// A record that does not decode.
    #[error("corrupt {what} record {key}: {detail}")]
    Corrupt {
        /// The kind of record.
        what: &'static str,
        /// Its key.
        key: String,
        /// What is wrong.
        detail: String,
    },
    /// Storage failed during execution.
    #[error("storage failed during execution: {0}")]
    Storage(String),
    /// A host function failed fatally ([`HostErrorKind::Host`]): an
    /// embedder's host function that cannot go on, or the runtime's own host
    /// in a state it cannot work in. The transaction (and its block) was
    /// not applied.
    ///
    /// [`HostErrorKind::Host`]: strata_host_fns::HostErrorKind::Host
    #[error("host function {module}.{function} failed: {message}")]
    HostFunction {
        /// The import module of the function.
        module: &'static str,
        /// The function's name.
        function: &'static str,
        /// What it said.
        message: String,
    },
    /// The account tree (the global state root) cannot be read: a node is
    /// missing or damaged.
    #[error("the account tree is damaged: {0}")]
    State(String),
    /// A host module could not be linked (for example, a duplicate name).
    #[error("cannot link host functions: {0}")]
    Link(String),
    /// No such account.
    #[error("no account at address {0}")]
    NoAccount(Address),
    /// A transaction started with [`Runtime::start`](crate::Runtime::start) is in flight (it
    /// may be waiting for the node's answer) and holds the runtime: finish
    /// it (resume its [`PendingTx`](crate::PendingTx) to the end) or drop it first.
    #[error(
        "a started transaction is in flight and holds the runtime: \
         resume its PendingTx to the end, or drop it, first"
    )]
    Busy,
    /// A started transaction could not be run (its thread could not be
    /// started).
    #[error("cannot run the started transaction: {0}")]
    External(String),
    /// A block root this store holds no state for (never a root of this
    /// store, or mistyped).
    #[error("no block root {} in this store", strata_primitives::hex::encode(.0))]
    UnknownRoot(Hash32),
    /// A block root this store does not keep (any more): pruned by the
    /// state retention ([`RuntimeConfig::state_retention`]), or never a
    /// block root of this store. Names the oldest block it keeps.
    ///
    /// [`RuntimeConfig::state_retention`]: crate::RuntimeConfig::state_retention
    #[error(
        "block root {} is not retained: it was pruned, or never was a block root here; \
         the oldest block this store keeps is at height {oldest_height} (root {})",
        strata_primitives::hex::encode(.root),
        strata_primitives::hex::encode(.oldest_root)
    )]
    Pruned {
        /// The root asked for.
        root: Hash32,
        /// The height of the oldest retained block.
        oldest_height: u64,
        /// Its root.
        oldest_root: Hash32,
    },
    /// A record a block root names that the store no longer (or never)
    /// kept: a block run by a version of Strata that did not keep account
    /// records by hash.
    #[error("the {what} {key} that this block root names is not kept in this store")]
    NotRetained {
        /// What kind of record.
        what: &'static str,
        /// Its key, in hex.
        key: String,
    },
    /// An invariant of the runtime broke (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl RuntimeError {
    pub(crate) fn from_slice(e: SliceError) -> Self {
        match e {
            SliceError::Page(p) => RuntimeError::Pages(p),
            other => RuntimeError::Storage(other.to_string()),
        }
    }
}
