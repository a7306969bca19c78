use std::path::{Path, PathBuf};

use bytes::Bytes;
use rocksdb::{
    BlockBasedOptions, DB, ErrorKind, IteratorMode, LogLevel, Options, ReadOptions, WriteOptions,
};
use smallvec::SmallVec;

use crate::{BatchOp, KvError, KvStore, Namespace, Visitor, WriteBatch};

/// How to open a [`RocksKv`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RocksConfig {
    /// Create the database (and its directory) when it does not exist.
    /// Default: `true`. Ignored by read-only opens, which never create.
    pub create_if_missing: bool,
    /// fsync the write-ahead log on every batch, so that an acknowledged batch
    /// survives a power loss, not only a crash of the process. Default:
    /// `true`, because the store holds other people's money; turn it off for
    /// throwaway runs and benchmarks. With it off, a batch is still atomic and
    /// still survives the process being killed.
    pub sync_writes: bool,
    /// The most files RocksDB keeps open (`-1`: no limit, and every table
    /// file is opened at once). Default: 512.
    pub max_open_files: i32,
    /// Open read-only: nothing in the directory is created or changed
    /// (RocksDB's own log goes nowhere), the store's lock is not taken, so
    /// the open works on a full disk, on a read-only file system and while
    /// another process has the store open for writing; every write returns
    /// [`KvError::ReadOnly`]. The handle sees the store as it was when it
    /// was opened. Default: `false`.
    pub read_only: bool,
    /// Bits per key of the Bloom filter in every table file RocksDB
    /// writes (`0`: none). A get of a key a file does not hold then skips
    /// the file without reading its blocks, about 1% of the time wrongly
    /// at 10 bits: the runtime looks up many keys that are absent (the
    /// count of each record a block creates, under the default
    /// retention), and a long-lived store has many files. Files written
    /// with another setting stay readable. Default: 10.
    pub bloom_bits_per_key: u32,
    /// The share of the write buffer (64 MiB), in thousandths, given to a
    /// Bloom filter of whole keys over the memtable of a writable open
    /// (`0`: none; RocksDB caps it at 250). The memtable is where a running
    /// node's recent writes are, and where every get looks first: without a filter, a get of a key it
    /// does not hold walks its skip list to the end (each comparison
    /// decodes a key), which is what each count read of a new record
    /// does under the default retention. Default: 20 (about 1.3 MiB).
    pub memtable_bloom_permille: u32,
}

impl Default for RocksConfig {
    fn default() -> Self {
        RocksConfig {
            create_if_missing: true,
            sync_writes: true,
            max_open_files: 512,
            read_only: false,
            bloom_bits_per_key: 10,
            memtable_bloom_permille: 20,
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

    /// The configuration of [`RocksKv::open_read_only`]: read-only, with
    /// every table file opened at once (`max_open_files: -1`), so that a
    /// writer's compactions cannot delete a file from under this handle.
    pub fn read_only() -> Self {
        RocksConfig {
            create_if_missing: false,
            max_open_files: -1,
            read_only: true,
            ..Self::default()
        }
    }
}

/// The size of a RocksDB store, as RocksDB estimates it ([`RocksKv::sizes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RocksSizes {
    /// `rocksdb.estimate-live-data-size`: the bytes of live entries.
    pub live_data_bytes: u64,
    /// `rocksdb.total-sst-files-size`: the bytes of every sorted file.
    pub sst_files_bytes: u64,
}

/// A [`KvStore`] on RocksDB.
///
/// One RocksDB database, one column family; a record of namespace `ns` is
/// stored under `ns.tag() ++ key` (see the crate docs for why a prefix rather
/// than column families). A [`WriteBatch`] becomes one RocksDB write batch,
/// which RocksDB applies atomically through its write-ahead log, also across a
/// crash. RocksDB holds a lock file for as long as the store is open for
/// writing, so a second writable open of the same directory, from this or
/// another process, fails with [`KvError::Locked`]; read-only opens
/// ([`RocksKv::open_read_only`]) take no lock and work next to a writer.
///
/// A store is marked as Strata's when it is created: the record
/// [`RocksKv::MARKER_VALUE`] under the empty RocksDB key, which no namespace
/// can reach (every namespaced key is at least its one-byte tag), so the
/// marker is invisible through [`KvStore`]. Every open checks it, so a
/// directory that is not a Strata store is refused
/// ([`KvError::NotAStore`]) and left as it was.
pub struct RocksKv {
    db: DB,
    path: PathBuf,
    write_opts: WriteOptions,
    /// The options of every point read, made once (RocksDB's C API would
    /// otherwise make and free a set for each `get`).
    read_opts: ReadOptions,
    read_only: bool,
    /// Writes through this handle ([`KvStore::write_generation`]): the
    /// only handle that writes the directory, as RocksDB's lock keeps any
    /// other writer out.
    writes: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for RocksKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksKv")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// What an existing path holds, before RocksDB is asked to open it.
enum Found {
    /// Nothing: the path does not exist.
    Missing,
    /// An empty directory, or only the leftovers of a creation that was
    /// interrupted before RocksDB wrote its `CURRENT` file.
    Empty,
    /// A RocksDB database (it has a `CURRENT` file).
    Database,
    /// A directory with other files.
    Other(String),
}

/// The marker check of an existing database.
enum Marker {
    /// Strata's marker is there.
    Present,
    /// No marker, and no record at all: a creation interrupted before the
    /// marker was written (or an empty database of another program, which
    /// is as good as new).
    AbsentEmpty,
    /// Not a Strata store; the reason.
    Absent(String),
}

impl RocksKv {
    /// The value of the store marker, stored under the empty RocksDB key
    /// when a store is created. It names the format, so that a later
    /// format can tell its stores apart.
    pub const MARKER_VALUE: &'static [u8] = b"strata-kv store, format 1";

    /// Opens (creating when missing) the store at `path` with the default
    /// configuration: durable, fsync'd writes.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, KvError> {
        Self::open_with(path, &RocksConfig::default())
    }

    /// Opens the existing store at `path` read-only, with
    /// [`RocksConfig::read_only`]: nothing is created or changed, no lock is
    /// taken, and writes return [`KvError::ReadOnly`]. A path that does not
    /// exist is [`KvError::Missing`]; a directory that is not a Strata store
    /// (empty, other files, or a database without the marker) is
    /// [`KvError::NotAStore`].
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, KvError> {
        Self::open_with(path, &RocksConfig::read_only())
    }

    /// Opens the store at `path` with `config`.
    ///
    /// A writable open creates a store in a directory that does not exist
    /// or is empty (when `create_if_missing` is on), opens an existing
    /// Strata store, and refuses anything else without changing it: a
    /// directory with other files, or a RocksDB database without Strata's
    /// marker that holds records, is [`KvError::NotAStore`].
    ///
    /// Errors name the path: [`KvError::NotADirectory`] when it is a file,
    /// [`KvError::PermissionDenied`], [`KvError::Locked`] when another process
    /// has it open for writing, [`KvError::Missing`] when it does not exist
    /// and may not be created, [`KvError::NotAStore`], [`KvError::NoSpace`]
    /// when the disk is full, [`KvError::Corrupt`] when RocksDB finds its
    /// files damaged, and [`KvError::Open`] for anything else.
    pub fn open_with(path: impl AsRef<Path>, config: &RocksConfig) -> Result<Self, KvError> {
        let path = path.as_ref().to_path_buf();
        let found = inspect(&path)?;
        if config.read_only {
            return match found {
                Found::Missing => Err(KvError::Missing { path }),
                Found::Empty => Err(KvError::NotAStore {
                    path,
                    reason: "the directory is empty".into(),
                }),
                Found::Other(what) => Err(KvError::NotAStore { path, reason: what }),
                Found::Database => {
                    let db = open_read_only_db(&path, config)?;
                    match check_marker(&db, &path)? {
                        Marker::Present => Ok(RocksKv {
                            db,
                            path,
                            write_opts: WriteOptions::default(),
                            read_opts: ReadOptions::default(),
                            read_only: true,
                            writes: Default::default(),
                        }),
                        Marker::AbsentEmpty => Err(KvError::NotAStore {
                            path,
                            reason: "it is an empty database without Strata's store marker".into(),
                        }),
                        Marker::Absent(reason) => Err(KvError::NotAStore { path, reason }),
                    }
                }
            };
        }

        let mark = match found {
            Found::Missing => {
                if !config.create_if_missing {
                    return Err(KvError::Missing { path });
                }
                if let Err(e) = std::fs::create_dir_all(&path) {
                    return Err(io_open_error(path, e));
                }
                true
            }
            Found::Empty => {
                if !config.create_if_missing {
                    return Err(KvError::NotAStore {
                        path,
                        reason: "the directory is empty, and this open does not create a store"
                            .into(),
                    });
                }
                true
            }
            Found::Other(reason) => return Err(KvError::NotAStore { path, reason }),
            Found::Database => {
                // Look before opening for writing: a writable open changes
                // the directory (a new log, manifest and options file), and
                // a database that is not ours must be left as it was.
                let probe = open_read_only_db(&path, &RocksConfig::read_only())?;
                let marker = check_marker(&probe, &path)?;
                drop(probe);
                match marker {
                    Marker::Present => false,
                    Marker::AbsentEmpty => true,
                    Marker::Absent(reason) => return Err(KvError::NotAStore { path, reason }),
                }
            }
        };
        // RocksDB creates files inside the directory; find out early, and
        // with a clear message, when we may not.
        if let Err(e) = probe_writable(&path) {
            return Err(io_open_error(path, e));
        }

        let mut opts = Options::default();
        opts.create_if_missing(config.create_if_missing);
        opts.set_max_open_files(config.max_open_files);
        opts.set_block_based_table_factory(&table_options(config));
        if config.memtable_bloom_permille > 0 {
            opts.set_memtable_prefix_bloom_ratio(
                f64::from(config.memtable_bloom_permille) / 1000.0,
            );
            opts.set_memtable_whole_key_filtering(true);
        }
        let db = DB::open(&opts, &path).map_err(|e| open_error(path.clone(), e))?;
        let mut write_opts = WriteOptions::default();
        write_opts.set_sync(config.sync_writes);
        let kv = RocksKv {
            db,
            path,
            write_opts,
            read_opts: ReadOptions::default(),
            read_only: false,
            writes: Default::default(),
        };
        if mark {
            // Synced whatever the configuration: a store must never hold
            // records without its marker.
            let mut sync = WriteOptions::default();
            sync.set_sync(true);
            kv.db
                .put_opt(MARKER_KEY, Self::MARKER_VALUE, &sync)
                .map_err(|e| kv.backend_error("write", e))?;
        }
        Ok(kv)
    }

    /// The key under which RocksDB keeps `key` of namespace `ns`: the
    /// namespace's tag, then the key. For programs that must lay records
    /// out exactly as a `RocksKv` does (the benchmarks' design floor).
    pub fn stored_key(ns: Namespace, key: &[u8]) -> StoredKey {
        stored_key(ns, key)
    }

    /// Flushes RocksDB's in-memory tables to its sorted files on disk (data
    /// is already durable through the write-ahead log; this shortens recovery
    /// on the next open). On a read-only handle: [`KvError::ReadOnly`].
    pub fn flush(&self) -> Result<(), KvError> {
        if self.read_only {
            return Err(KvError::ReadOnly {
                path: self.path.clone(),
            });
        }
        self.db.flush().map_err(|e| self.backend_error("flush", e))
    }

    /// Compacts the whole store now: flushes the in-memory tables and
    /// rewrites the sorted files without deleted and overwritten entries,
    /// so that [`sizes`](Self::sizes) shows what the store really keeps.
    /// On a read-only handle: [`KvError::ReadOnly`].
    pub fn compact(&self) -> Result<(), KvError> {
        self.flush()?;
        self.db.compact_range::<&[u8], &[u8]>(None, None);
        Ok(())
    }

    /// RocksDB's own estimates of the store's size.
    pub fn sizes(&self) -> Result<RocksSizes, KvError> {
        let int = |name: &'static str| {
            self.db
                .property_int_value(name)
                .map_err(|e| self.backend_error("read a property of", e))
                .map(|v| v.unwrap_or(0))
        };
        Ok(RocksSizes {
            live_data_bytes: int("rocksdb.estimate-live-data-size")?,
            sst_files_bytes: int("rocksdb.total-sst-files-size")?,
        })
    }

    /// The directory of this store.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this handle was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn backend_error(&self, op: &'static str, e: rocksdb::Error) -> KvError {
        let kind = e.kind();
        let detail = e.into_string();
        if is_no_space(&detail) {
            KvError::NoSpace {
                path: self.path.clone(),
                detail,
            }
        } else if kind == ErrorKind::Corruption {
            KvError::Corrupt {
                path: Some(self.path.clone()),
                detail,
            }
        } else {
            KvError::Backend {
                op,
                path: Some(self.path.clone()),
                detail,
            }
        }
    }
}

/// The RocksDB key of the store marker: the empty key, outside every
/// namespace.
const MARKER_KEY: &[u8] = b"";

/// Files RocksDB writes while it creates a database, before its `CURRENT`
/// file exists (and our own write probe): a directory holding only these is
/// a creation that was interrupted, and may be created again.
fn is_creation_leftover(name: &str) -> bool {
    matches!(name, "LOCK" | "IDENTITY" | ".strata-write-probe")
        || name.starts_with("LOG")
        || name.starts_with("MANIFEST-")
        || name.ends_with(".dbtmp")
}

fn inspect(path: &Path) -> Result<Found, KvError> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => {
            return Err(KvError::NotADirectory {
                path: path.to_path_buf(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(e) => return Err(io_open_error(path.to_path_buf(), e)),
    }
    let entries = std::fs::read_dir(path).map_err(|e| io_open_error(path.to_path_buf(), e))?;
    let mut others = Vec::new();
    let mut current = false;
    for entry in entries {
        let entry = entry.map_err(|e| io_open_error(path.to_path_buf(), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "CURRENT" {
            current = true;
        } else if !is_creation_leftover(&name) {
            others.push(name);
        }
    }
    Ok(if current {
        Found::Database
    } else if others.is_empty() {
        Found::Empty
    } else {
        others.sort();
        let shown: Vec<&str> = others.iter().take(3).map(String::as_str).collect();
        let more = if others.len() > 3 { ", ..." } else { "" };
        Found::Other(format!(
            "it holds other files ({}{more}) but no database",
            shown.join(", ")
        ))
    })
}

/// The table options of `config`: its Bloom filter (RocksDB uses a
/// file's filter only when the options name the same policy, so reads
/// set it too).
fn table_options(config: &RocksConfig) -> BlockBasedOptions {
    let mut table = BlockBasedOptions::default();
    if config.bloom_bits_per_key > 0 {
        table.set_bloom_filter(f64::from(config.bloom_bits_per_key), false);
    }
    table
}

/// Opens an existing database read-only, writing nothing: no log file (the
/// info log goes to a callback that drops it), no lock.
fn open_read_only_db(path: &Path, config: &RocksConfig) -> Result<DB, KvError> {
    let mut opts = Options::default();
    opts.create_if_missing(false);
    opts.set_max_open_files(config.max_open_files);
    opts.set_block_based_table_factory(&table_options(config));
    opts.set_info_logger(rocksdb::InfoLogger::new_callback_logger(
        LogLevel::Fatal,
        |_, _| {},
    ));
    // A read-only open lists the writer's files and then opens them; a
    // writer that rotates its log in between deletes one ("No such file or
    // directory" while opening `NNNNNN.log`). That race is transient, so an
    // I/O error is retried a few times, briefly, before it is reported.
    let mut attempt = 0u64;
    loop {
        match DB::open_for_read_only(&opts, path, false) {
            Ok(db) => return Ok(db),
            Err(e) if e.kind() == rocksdb::ErrorKind::IOError && attempt < READ_ONLY_RETRIES => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
            }
            Err(e) => return Err(open_error(path.to_path_buf(), e)),
        }
    }
}

/// How often a read-only open retries an I/O error (a writer's log
/// rotation racing the open): about 0.3 s in all.
const READ_ONLY_RETRIES: u64 = 10;

fn check_marker(db: &DB, path: &Path) -> Result<Marker, KvError> {
    let backend = |e: rocksdb::Error| open_error(path.to_path_buf(), e);
    match db.get_pinned(MARKER_KEY).map_err(backend)? {
        Some(v) if v.as_ref() == RocksKv::MARKER_VALUE => return Ok(Marker::Present),
        Some(v) => {
            return Ok(Marker::Absent(format!(
                "it is a database whose marker record is not Strata's ({})",
                String::from_utf8_lossy(&v[..v.len().min(64)]).escape_debug()
            )));
        }
        None => {}
    }
    let mut it = db.iterator(IteratorMode::Start);
    match it.next() {
        None => Ok(Marker::AbsentEmpty),
        Some(Err(e)) => Err(backend(e)),
        Some(Ok(_)) => Ok(Marker::Absent(
            "it is a database that holds records but not Strata's store marker, so Strata \
             did not make it"
                .into(),
        )),
    }
}

fn is_no_space(detail: &str) -> bool {
    detail.contains("No space left on device") || detail.contains("NoSpace")
}

fn stored_key(ns: Namespace, key: &[u8]) -> StoredKey {
    let mut k = StoredKey::with_capacity(1 + key.len());
    k.push(ns.tag());
    k.extend_from_slice(key);
    k
}

/// A key as RocksDB stores it ([`RocksKv::stored_key`]): the namespace tag,
/// then the key. Inline for the keys Strata uses (hashes and addresses), so
/// reads and writes allocate nothing for them.
pub type StoredKey = SmallVec<[u8; 48]>;

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
        std::io::ErrorKind::StorageFull => KvError::NoSpace {
            path,
            detail: e.to_string(),
        },
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
    if is_no_space(&detail) {
        KvError::NoSpace { path, detail }
    } else if lower.contains("lock") && (lower.contains("unavailable") || lower.contains("hold")) {
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
        match self.db.get_pinned_opt(stored_key(ns, key), &self.read_opts) {
            Ok(Some(v)) => Ok(Some(Bytes::copy_from_slice(&v))),
            Ok(None) => Ok(None),
            Err(e) => Err(self.backend_error("get", e)),
        }
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        if self.read_only {
            return Err(KvError::ReadOnly {
                path: self.path.clone(),
            });
        }
        // Sized once: RocksDB's batch is a 12-byte header, then per record
        // a type byte, the key and the value, each after a varint length of
        // at most 5 bytes (our key is the namespace tag and the key, which
        // `payload_bytes` counts).
        let mut rb =
            rocksdb::WriteBatch::with_capacity_bytes(12 + batch.payload_bytes() + 11 * batch.len());
        let mut key = StoredKey::new();
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
        let written = self
            .db
            .write_opt(rb, &self.write_opts)
            .map_err(|e| self.backend_error("write", e));
        // Moved whatever the outcome, after the batch is visible.
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        written
    }

    /// `None` for a read-only handle: another process may write the
    /// directory beside it.
    fn write_generation(&self) -> Option<u64> {
        (!self.read_only).then(|| self.writes.load(std::sync::atomic::Ordering::Acquire))
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
    use super::*;

    /// The table files' aggregated properties, as RocksDB prints them.
    fn table_properties(kv: &RocksKv) -> String {
        kv.db
            .property_value("rocksdb.aggregated-table-properties")
            .unwrap()
            .unwrap_or_default()
    }

    /// A store opened with `config` (without fsync) holding 1,000 records
    /// of 100 bytes, keys 0 to 999 (big-endian `u32`) in namespace 1, in
    /// its memtable.
    fn with_records(dir: &Path, config: RocksConfig) -> RocksKv {
        let kv = RocksKv::open_with(
            dir,
            &RocksConfig {
                sync_writes: false,
                ..config
            },
        )
        .unwrap();
        let mut batch = WriteBatch::new();
        for i in 0..1_000u32 {
            batch.put(Namespace::new(1), i.to_be_bytes(), vec![7; 100]);
        }
        kv.write(batch).unwrap();
        kv
    }

    /// The same records, flushed into a table file.
    fn filled(dir: &Path, bloom_bits_per_key: u32) -> RocksKv {
        let config = RocksConfig {
            bloom_bits_per_key,
            ..RocksConfig::default()
        };
        let kv = with_records(dir, config);
        kv.flush().unwrap();
        kv
    }

    #[test]
    fn table_files_carry_a_bloom_filter_unless_told_not_to() {
        let dir = tempfile::tempdir().unwrap();
        // 1,000 records and the store's marker.
        let with = table_properties(&filled(&dir.path().join("with"), 10));
        assert!(with.contains("# entries for filter=1001;"), "{with}");
        let without = filled(&dir.path().join("without"), 0);
        let props = table_properties(&without);
        assert!(props.contains("# entries for filter=0;"), "{props}");
        // Files without a filter read the same with one configured.
        drop(without);
        let kv = RocksKv::open_with(dir.path().join("without"), &RocksConfig::default()).unwrap();
        let key = 999u32.to_be_bytes();
        assert_eq!(
            kv.get(Namespace::new(1), &key).unwrap().as_deref(),
            Some(&[7u8; 100][..])
        );
        assert_eq!(kv.get(Namespace::new(1), b"absent").unwrap(), None);
    }

    /// How many of 100 gets of absent keys RocksDB's memtable filter
    /// stopped (a present key still reads back).
    fn memtable_filter_misses(dir: &Path, memtable_bloom_permille: u32) -> u64 {
        use rocksdb::perf::{PerfContext, PerfMetric, PerfStatsLevel, set_perf_stats};
        let config = RocksConfig {
            memtable_bloom_permille,
            ..RocksConfig::default()
        };
        let kv = with_records(dir, config);
        // The counters are the thread's own.
        set_perf_stats(PerfStatsLevel::EnableCount);
        let mut perf = PerfContext::default();
        perf.reset();
        for i in 1_000..1_100u32 {
            assert_eq!(kv.get(Namespace::new(1), &i.to_be_bytes()).unwrap(), None);
        }
        assert!(
            kv.get(Namespace::new(1), &5u32.to_be_bytes())
                .unwrap()
                .is_some()
        );
        let misses = perf.metric(PerfMetric::BloomMemtableMissCount);
        set_perf_stats(PerfStatsLevel::Disable);
        misses
    }

    #[test]
    fn the_memtable_has_a_filter_of_whole_keys_unless_told_not_to() {
        let dir = tempfile::tempdir().unwrap();
        // 100 absent keys; a Bloom filter lets about 1% through.
        let with = memtable_filter_misses(&dir.path().join("with"), 20);
        assert!(with >= 90, "{with} of 100 absent keys skipped the memtable");
        assert_eq!(memtable_filter_misses(&dir.path().join("without"), 0), 0);
    }

    #[test]
    fn upper_bound_of_prefixes() {
        assert_eq!(prefix_upper_bound(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(prefix_upper_bound(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_upper_bound(&[0xff, 0xff]), None);
        assert_eq!(prefix_upper_bound(&[]), None);
    }
}
