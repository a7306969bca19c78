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
    /// The store does not exist and creating it was not allowed.
    #[error("cannot open the store at {path}: it does not exist (and creating it is off)")]
    Missing {
        /// The store path.
        path: PathBuf,
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
