use std::path::{Path, PathBuf};

use bytes::Bytes;
use rocksdb::{DB, ErrorKind, Options, ReadOptions, WriteOptions};

use crate::{BatchOp, KvError, KvStore, Namespace, Visitor, WriteBatch};

/// How to open a [`RocksKv`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RocksConfig {
    /// Create the database (and its directory) when it does not exist.
    /// Default: `true`.
    pub create_if_missing: bool,
    /// fsync the write-ahead log on every batch, so that an acknowledged batch
    /// survives a power loss, not only a crash of the process. Default:
    /// `true`, because the store holds other people's money; turn it off for
    /// throwaway runs and benchmarks. With it off, a batch is still atomic and
    /// still survives the process being killed.
    pub sync_writes: bool,
    /// The most files RocksDB keeps open (`-1`: no limit). Default: 512.
    pub max_open_files: i32,
}

impl Default for RocksConfig {
    fn default() -> Self {
        RocksConfig {
            create_if_missing: true,
            sync_writes: true,
            max_open_files: 512,
        }
    }
}

impl RocksConfig {
    /// The default configuration with `sync_writes` set as given.
    pub fn with_sync(sync_writes: bool) -> Self {
        RocksConfig {
            sync_writes,
            ..Self::default()
        }
    }
}

/// A [`KvStore`] on RocksDB.
///
/// One RocksDB database, one column family; a record of namespace `ns` is
/// stored under `ns.tag() ++ key` (see the crate docs for why a prefix rather
/// than column families). A [`WriteBatch`] becomes one RocksDB write batch,
/// which RocksDB applies atomically through its write-ahead log, also across a
/// crash. RocksDB holds a lock file for as long as the store is open, so a
/// second open of the same directory, from this or another process, fails
/// with [`KvError::Locked`].
pub struct RocksKv {
    db: DB,
    path: PathBuf,
    write_opts: WriteOptions,
}

impl std::fmt::Debug for RocksKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksKv").field("path", &self.path).finish()
    }
}

impl RocksKv {
    /// Opens (creating when missing) the store at `path` with the default
    /// configuration: durable, fsync'd writes.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, KvError> {
        Self::open_with(path, &RocksConfig::default())
    }

    /// Opens the store at `path` with `config`.
    ///
    /// Errors name the path: [`KvError::NotADirectory`] when it is a file,
    /// [`KvError::PermissionDenied`], [`KvError::Locked`] when another process
    /// has it open, [`KvError::Missing`] when it does not exist and
    /// `create_if_missing` is off, [`KvError::Corrupt`] when RocksDB finds its
    /// files damaged, and [`KvError::Open`] for anything else.
    pub fn open_with(path: impl AsRef<Path>, config: &RocksConfig) -> Result<Self, KvError> {
        let path = path.as_ref().to_path_buf();
        match std::fs::metadata(&path) {
            Ok(meta) if !meta.is_dir() => return Err(KvError::NotADirectory { path }),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !config.create_if_missing {
                    return Err(KvError::Missing { path });
                }
                if let Err(e) = std::fs::create_dir_all(&path) {
                    return Err(io_open_error(path, e));
                }
            }
            Err(e) => return Err(io_open_error(path, e)),
        }
        // RocksDB creates files inside the directory; find out early, and
        // with a clear message, when we may not.
        if let Err(e) = probe_writable(&path) {
            return Err(io_open_error(path, e));
        }

        let mut opts = Options::default();
        opts.create_if_missing(config.create_if_missing);
        opts.set_max_open_files(config.max_open_files);
        let db = DB::open(&opts, &path).map_err(|e| open_error(path.clone(), e))?;
        let mut write_opts = WriteOptions::default();
        write_opts.set_sync(config.sync_writes);
        Ok(RocksKv {
            db,
            path,
            write_opts,
        })
    }

    /// Flushes RocksDB's in-memory tables to its sorted files on disk (data
    /// is already durable through the write-ahead log; this shortens recovery
    /// on the next open).
    pub fn flush(&self) -> Result<(), KvError> {
        self.db.flush().map_err(|e| self.backend_error("flush", e))
    }

    /// The directory of this store.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn backend_error(&self, op: &'static str, e: rocksdb::Error) -> KvError {
        if e.kind() == ErrorKind::Corruption {
            KvError::Corrupt {
                path: Some(self.path.clone()),
                detail: e.into_string(),
            }
        } else {
            KvError::Backend {
                op,
                path: Some(self.path.clone()),
                detail: e.into_string(),
            }
        }
    }
}

fn stored_key(ns: Namespace, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + key.len());
    k.push(ns.tag());
    k.extend_from_slice(key);
    k
}

/// The smallest key greater than every key that starts with `prefix`, or
/// `None` when there is none (the prefix is all `0xff`).
fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut bound = prefix.to_vec();
    while let Some(last) = bound.pop() {
        if last != u8::MAX {
            bound.push(last + 1);
            return Some(bound);
        }
    }
    None
}

fn probe_writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(".strata-write-probe");
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

fn io_open_error(path: PathBuf, e: std::io::Error) -> KvError {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            KvError::PermissionDenied {
                path,
                detail: e.to_string(),
            }
        }
        std::io::ErrorKind::NotADirectory => KvError::NotADirectory { path },
        _ => KvError::Open {
            path,
            detail: e.to_string(),
        },
    }
}

fn open_error(path: PathBuf, e: rocksdb::Error) -> KvError {
    let kind = e.kind();
    let detail = e.into_string();
    let lower = detail.to_ascii_lowercase();
    if lower.contains("lock") && (lower.contains("unavailable") || lower.contains("hold")) {
        KvError::Locked { path, detail }
    } else if lower.contains("permission denied") {
        KvError::PermissionDenied { path, detail }
    } else if kind == ErrorKind::Corruption {
        KvError::Corrupt {
            path: Some(path),
            detail,
        }
    } else {
        KvError::Open { path, detail }
    }
}

impl KvStore for RocksKv {
    fn get(&self, ns: Namespace, key: &[u8]) -> Result<Option<Bytes>, KvError> {
        match self.db.get_pinned(stored_key(ns, key)) {
            Ok(Some(v)) => Ok(Some(Bytes::copy_from_slice(&v))),
            Ok(None) => Ok(None),
            Err(e) => Err(self.backend_error("get", e)),
        }
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        // Sized once: RocksDB's batch is a 12-byte header, then per record
        // a type byte, the key and the value, each after a varint length of
        // at most 5 bytes (our key is the namespace tag and the key, which
        // `payload_bytes` counts).
        let mut rb =
            rocksdb::WriteBatch::with_capacity_bytes(12 + batch.payload_bytes() + 11 * batch.len());
        let mut key = Vec::new();
        for op in batch.ops() {
            match op {
                BatchOp::Put { ns, key: k, value } => {
                    key.clear();
                    key.push(ns.tag());
                    key.extend_from_slice(k);
                    rb.put(&key, value);
                }
                BatchOp::Delete { ns, key: k } => {
                    key.clear();
                    key.push(ns.tag());
                    key.extend_from_slice(k);
                    rb.delete(&key);
                }
            }
        }
        self.db
            .write_opt(rb, &self.write_opts)
            .map_err(|e| self.backend_error("write", e))
    }

    fn scan(&self, ns: Namespace, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), KvError> {
        let start = stored_key(ns, prefix);
        let mut read_opts = ReadOptions::default();
        if let Some(upper) = prefix_upper_bound(&start) {
            read_opts.set_iterate_upper_bound(upper);
        }
        let mut it = self.db.raw_iterator_opt(read_opts);
        it.seek(&start);
        while let (Some(k), Some(v)) = (it.key(), it.value()) {
            if !k.starts_with(&start) {
                break;
            }
            if visit(&k[1..], v).is_break() {
                return Ok(());
            }
            it.next();
        }
        it.status().map_err(|e| self.backend_error("scan", e))
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_upper_bound;

    #[test]
    fn upper_bound_of_prefixes() {
        assert_eq!(prefix_upper_bound(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(prefix_upper_bound(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_upper_bound(&[0xff, 0xff]), None);
        assert_eq!(prefix_upper_bound(&[]), None);
    }
}
