use std::path::PathBuf;

/// Everything that can go wrong in a [`KvStore`](crate::KvStore).
///
/// Every variant that concerns a store on disk names its path, so that the
/// message alone tells a person what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KvError {
    /// The store path exists but is a file (or something else that is not a
    /// directory).
    #[error("cannot open the store at {path}: the path exists and is not a directory")]
    NotADirectory {
        /// The store path.
        path: PathBuf,
    },
    /// The process may not read, write or create the store directory.
    #[error("cannot open the store at {path}: permission denied ({detail})")]
    PermissionDenied {
        /// The store path.
        path: PathBuf,
        /// What the operating system or the backend said.
        detail: String,
    },
    /// Another process (or another open handle in this process) holds the
    /// store's lock.
    #[error(
        "cannot open the store at {path}: it is locked by another process or handle; \
         stop that process or use another directory ({detail})"
    )]
    Locked {
        /// The store path.
        path: PathBuf,
        /// What the backend said.
        detail: String,
    },
    /// The store does not exist and this open may not create it (a
    /// read-only open, or `create_if_missing` off).
    #[error(
        "there is no store at {path}: the directory does not exist, and this open does not \
         create one; check the path"
    )]
    Missing {
        /// The store path.
        path: PathBuf,
    },
    /// The directory exists but does not hold a Strata store: it is empty
    /// (for a read-only open), holds other files, or is a database that
    /// Strata did not make (it lacks the store marker; see the crate docs).
    /// Nothing in it was changed.
    #[error(
        "the directory {path} is not a Strata store: {reason}. Nothing in it was changed; \
         check the path, or give a new or empty directory to create a store there"
    )]
    NotAStore {
        /// The directory.
        path: PathBuf,
        /// What is there instead.
        reason: String,
    },
    /// A write to a store opened read-only.
    #[error(
        "the store at {path} is open read-only and cannot be written; open it for writing \
         to change it"
    )]
    ReadOnly {
        /// The store path.
        path: PathBuf,
    },
    /// The disk (file system) holding the store is full. The write that
    /// failed was not applied; every write acknowledged before it is kept.
    /// Once space is freed, open the store again (RocksDB refuses further
    /// writes on a handle that hit a full disk).
    #[error(
        "the disk holding the store at {path} is full: free space, then try again (reopen \
         the store first); every write acknowledged before this one is kept ({detail})"
    )]
    NoSpace {
        /// The store path.
        path: PathBuf,
        /// What the operating system or the backend said.
        detail: String,
    },
    /// Any other failure to open the store.
    #[error("cannot open the store at {path}: {detail}")]
    Open {
        /// The store path.
        path: PathBuf,
        /// What the backend said.
        detail: String,
    },
    /// The backend found stored data that is damaged or unreadable.
    #[error("corrupt data in the store{}: {detail}", path_suffix(.path))]
    Corrupt {
        /// The store path, where the store has one.
        path: Option<PathBuf>,
        /// What the backend said.
        detail: String,
    },
    /// A read, write or scan failed in the backend.
    #[error("store {op} failed{}: {detail}", path_suffix(.path))]
    Backend {
        /// The operation: `get`, `write` or `scan`.
        op: &'static str,
        /// The store path, where the store has one.
        path: Option<PathBuf>,
        /// What the backend said.
        detail: String,
    },
}

fn path_suffix(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!(" at {}", p.display()),
        None => String::new(),
    }
}
