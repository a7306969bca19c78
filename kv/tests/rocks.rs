//! RocksDB specifics: persistence, locking, open errors, corruption, and
//! all-or-nothing batches across a SIGKILL.
#![cfg(feature = "rocksdb")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use strata_kv::{KvError, KvStore, Namespace, RocksConfig, RocksKv, WriteBatch};

const NS: Namespace = Namespace::new(3);

fn fast() -> RocksConfig {
    RocksConfig::with_sync(false)
}

#[test]
fn data_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let kv = RocksKv::open(dir.path()).unwrap();
        let mut b = WriteBatch::new();
        b.put(NS, b"k".as_slice(), b"v".to_vec());
        b.put(Namespace::new(4), b"k".as_slice(), b"other".to_vec());
        kv.write(b).unwrap();
    }
    let kv = RocksKv::open(dir.path()).unwrap();
    assert_eq!(kv.get(NS, b"k").unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(
        kv.get(Namespace::new(4), b"k").unwrap().as_deref(),
        Some(&b"other"[..])
    );
    assert_eq!(kv.path(), dir.path());
}

#[test]
fn second_open_in_this_process_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let _first = RocksKv::open_with(dir.path(), &fast()).unwrap();
    let err = RocksKv::open_with(dir.path(), &fast()).unwrap_err();
    assert!(matches!(err, KvError::Locked { .. }), "got {err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&dir.path().display().to_string()),
        "message names the path: {msg}"
    );
    assert!(msg.contains("locked"), "{msg}");
}

#[test]
fn a_file_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"hello").unwrap();
    let err = RocksKv::open(&file).unwrap_err();
    assert!(matches!(err, KvError::NotADirectory { .. }), "got {err:?}");
    assert!(err.to_string().contains("plain-file"));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"hello",
        "the file is untouched"
    );
}

#[test]
fn missing_store_without_create() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent");
    let config = RocksConfig {
        create_if_missing: false,
        ..fast()
    };
    let err = RocksKv::open_with(&path, &config).unwrap_err();
    assert!(matches!(err, KvError::Missing { .. }), "got {err:?}");
    assert!(!path.exists());
}

#[test]
fn a_directory_without_permission() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked_down = dir.path().join("ro");
    std::fs::create_dir(&locked_down).unwrap();
    std::fs::set_permissions(&locked_down, std::fs::Permissions::from_mode(0o500)).unwrap();
    // File modes do not bind root (CI runs as root); sysfs refuses to create
    // anything, for root too, so it stands in there.
    let target: PathBuf = if std::fs::write(locked_down.join("probe"), b"").is_ok() {
        PathBuf::from("/sys/strata-kv-permission-test")
    } else {
        locked_down.join("store")
    };
    let err = RocksKv::open(&target).unwrap_err();
    assert!(
        matches!(err, KvError::PermissionDenied { .. }),
        "got {err:?}"
    );
    assert!(err.to_string().contains(&target.display().to_string()));
}

#[test]
fn corrupt_table_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    {
        let kv = RocksKv::open_with(dir.path(), &fast()).unwrap();
        let mut b = WriteBatch::new();
        for i in 0..2000u32 {
            b.put(NS, i.to_be_bytes(), vec![(i % 200) as u8; 100]);
        }
        kv.write(b).unwrap();
        kv.flush().unwrap();
    }
    let mut corrupted = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sst") {
            let mut bytes = std::fs::read(&path).unwrap();
            // Damage the data blocks at the front of the file.
            for b in bytes.iter_mut().take(4096).skip(64) {
                *b ^= 0x5a;
            }
            std::fs::write(&path, bytes).unwrap();
            corrupted += 1;
        }
    }
    assert!(corrupted > 0, "flush produced no table file to corrupt");
    // Either the open or the reads must report it; nothing may panic and no
    // read may return damaged bytes as if they were fine.
    match RocksKv::open_with(dir.path(), &fast()) {
        Err(e) => assert!(
            matches!(e, KvError::Corrupt { .. } | KvError::Open { .. }),
            "{e:?}"
        ),
        Ok(kv) => {
            let mut errors = 0;
            for i in 0..2000u32 {
                match kv.get(NS, &i.to_be_bytes()) {
                    Ok(Some(v)) => assert_eq!(v.as_ref(), &vec![(i % 200) as u8; 100][..]),
                    Ok(None) => panic!("record {i} silently vanished"),
                    Err(e) => {
                        assert!(matches!(e, KvError::Corrupt { .. }), "{e:?}");
                        errors += 1;
                    }
                }
            }
            assert!(errors > 0, "damaged blocks were read without an error");
            assert!(
                kv.scan_prefix(NS, b"").is_err(),
                "a scan over damaged blocks must fail"
            );
        }
    }
}

fn crash_writer() -> PathBuf {
    // Examples are built next to the test binaries: target/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join("examples").join("crash_writer");
    assert!(
        path.exists(),
        "{} is missing: run the tests through cargo test, which builds the examples",
        path.display()
    );
    path
}

fn spawn_writer(dir: &std::path::Path) -> std::process::Child {
    Command::new(crash_writer())
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn open_while_another_process_holds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_writer(dir.path());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    lines.next().unwrap().unwrap(); // the child has the store open
    let err = RocksKv::open_with(dir.path(), &fast()).unwrap_err();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(matches!(err, KvError::Locked { .. }), "got {err:?}");
    // Once the holder is gone, the store opens.
    RocksKv::open_with(dir.path(), &fast()).unwrap();
}

#[test]
fn batches_are_all_or_nothing_across_sigkill() {
    const KEYS_PER_BATCH: usize = 64;
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let mut child = spawn_writer(dir.path());
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let target = 150 + 40 * round;
        let mut acknowledged = 0u32;
        for line in lines.by_ref() {
            acknowledged = line.unwrap().trim().parse().unwrap();
            if acknowledged >= target {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL, in the middle of the loop
        child.wait().unwrap();

        let kv = RocksKv::open_with(dir.path(), &fast()).unwrap();
        let mut per_batch: BTreeMap<u32, usize> = BTreeMap::new();
        for (k, v) in kv.scan_prefix(Namespace::new(7), b"").unwrap() {
            let batch_no = u32::from_be_bytes(k[..4].try_into().unwrap());
            assert!(
                v.iter().all(|&b| b == (batch_no % 251) as u8),
                "value of batch {batch_no} damaged"
            );
            *per_batch.entry(batch_no).or_default() += 1;
        }
        for (batch_no, n) in &per_batch {
            assert_eq!(*n, KEYS_PER_BATCH, "batch {batch_no} is partly there");
        }
        let present: Vec<u32> = per_batch.keys().copied().collect();
        let expected: Vec<u32> = (0..present.len() as u32).collect();
        assert_eq!(present, expected, "batches must land in order, with no gap");
        assert!(
            present.len() as u32 > acknowledged,
            "batch {acknowledged} was acknowledged but lost ({} present)",
            present.len()
        );
    }
}

/// Every file name in `dir` with its length and modification time: what a
/// "nothing was changed" check compares.
fn snapshot(dir: &std::path::Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                (meta.len(), meta.modified().unwrap()),
            )
        })
        .collect()
}

fn put(kv: &RocksKv, key: &[u8], value: &[u8]) {
    let mut b = WriteBatch::new();
    b.put(NS, key, value.to_vec());
    kv.write(b).unwrap();
}

#[test]
fn read_only_open_reads_changes_nothing_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let kv = RocksKv::open_with(dir.path(), &fast()).unwrap();
        put(&kv, b"k", b"v");
    }
    let before = snapshot(dir.path());
    let kv = RocksKv::open_read_only(dir.path()).unwrap();
    assert!(kv.is_read_only());
    // Another process may write beside a reader: it tells no generation.
    assert_eq!(kv.write_generation(), None);
    assert_eq!(kv.get(NS, b"k").unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(kv.scan_prefix(NS, b"").unwrap().len(), 1);
    let mut b = WriteBatch::new();
    b.put(NS, b"k".as_slice(), b"w".to_vec());
    let err = kv.write(b).unwrap_err();
    assert!(matches!(err, KvError::ReadOnly { .. }), "got {err:?}");
    assert!(
        err.to_string().contains("read-only")
            && err.to_string().contains(&dir.path().display().to_string()),
        "{err}"
    );
    assert!(matches!(kv.flush(), Err(KvError::ReadOnly { .. })));
    assert_eq!(kv.get(NS, b"k").unwrap().as_deref(), Some(&b"v"[..]));
    drop(kv);
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a read-only open must not create, rotate or change any file"
    );
    // The store is still writable afterwards, and kept its record.
    let kv = RocksKv::open_with(dir.path(), &fast()).unwrap();
    assert_eq!(kv.get(NS, b"k").unwrap().as_deref(), Some(&b"v"[..]));
}

#[test]
fn read_only_open_next_to_a_writer_in_this_process() {
    let dir = tempfile::tempdir().unwrap();
    let writer = RocksKv::open_with(dir.path(), &fast()).unwrap();
    put(&writer, b"before", b"1");
    let reader = RocksKv::open_read_only(dir.path()).unwrap();
    assert_eq!(
        reader.get(NS, b"before").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    // The writer goes on writing; the reader keeps its view of the open.
    put(&writer, b"after", b"2");
    assert_eq!(
        writer.get(NS, b"after").unwrap().as_deref(),
        Some(&b"2"[..])
    );
    assert_eq!(reader.get(NS, b"after").unwrap(), None);
    // A second writer is still refused.
    let err = RocksKv::open_with(dir.path(), &fast()).unwrap_err();
    assert!(matches!(err, KvError::Locked { .. }), "got {err:?}");
    // A new reader sees the new write.
    let reader = RocksKv::open_read_only(dir.path()).unwrap();
    assert_eq!(
        reader.get(NS, b"after").unwrap().as_deref(),
        Some(&b"2"[..])
    );
}

#[test]
fn read_only_open_while_another_process_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_writer(dir.path());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = 0u32;
    for line in lines.by_ref() {
        acknowledged = line.unwrap().trim().parse().unwrap();
        if acknowledged >= 20 {
            break;
        }
    }
    // Opened while the writer is still writing (it holds the lock).
    let reader = RocksKv::open_read_only(dir.path());
    child.kill().unwrap();
    child.wait().unwrap();
    let reader = reader.unwrap();
    let batches: std::collections::BTreeSet<u32> = reader
        .scan_prefix(Namespace::new(7), b"")
        .unwrap()
        .iter()
        .map(|(k, _)| u32::from_be_bytes(k[..4].try_into().unwrap()))
        .collect();
    assert!(
        batches.len() as u32 > acknowledged,
        "the reader sees every batch acknowledged before it opened: {} of {}",
        batches.len(),
        acknowledged + 1
    );
}

#[test]
fn read_only_open_never_creates_and_names_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent");
    let err = RocksKv::open_read_only(&absent).unwrap_err();
    assert!(matches!(err, KvError::Missing { .. }), "got {err:?}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!absent.exists(), "a read-only open created the directory");

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = RocksKv::open_read_only(&empty).unwrap_err();
    assert!(matches!(err, KvError::NotAStore { .. }), "got {err:?}");
    assert!(err.to_string().contains("empty"), "{err}");
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);

    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let err = RocksKv::open_read_only(&file).unwrap_err();
    assert!(matches!(err, KvError::NotADirectory { .. }), "got {err:?}");
}

#[test]
fn a_directory_of_other_files_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"my notes").unwrap();
    std::fs::create_dir(dir.path().join("photos")).unwrap();
    let before = snapshot(dir.path());
    for config in [RocksConfig::default(), RocksConfig::read_only()] {
        let err = RocksKv::open_with(dir.path(), &config).unwrap_err();
        assert!(matches!(err, KvError::NotAStore { .. }), "got {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("not a Strata store")
                && msg.contains("notes.txt")
                && msg.contains(&dir.path().display().to_string()),
            "{msg}"
        );
    }
    assert_eq!(snapshot(dir.path()), before, "nothing was added or changed");
}

#[test]
fn a_database_strata_did_not_make_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        let db = rocksdb::DB::open(&opts, dir.path()).unwrap();
        db.put(b"\x03someone else's key", b"their value").unwrap();
    }
    let before = snapshot(dir.path());
    for config in [fast(), RocksConfig::read_only()] {
        let err = RocksKv::open_with(dir.path(), &config).unwrap_err();
        assert!(matches!(err, KvError::NotAStore { .. }), "got {err:?}");
        assert!(err.to_string().contains("marker"), "{err}");
    }
    assert_eq!(snapshot(dir.path()), before, "the database was not touched");
    let db = rocksdb::DB::open_default(dir.path()).unwrap();
    assert_eq!(
        db.get(b"\x03someone else's key").unwrap().as_deref(),
        Some(&b"their value"[..])
    );
}

#[test]
fn an_empty_database_without_the_marker_is_taken_over() {
    // What a creation killed before its marker was written leaves behind.
    let dir = tempfile::tempdir().unwrap();
    {
        let mut opts = rocksdb::Options::default();
        opts.create_if_missing(true);
        rocksdb::DB::open(&opts, dir.path()).unwrap();
    }
    let err = RocksKv::open_read_only(dir.path()).unwrap_err();
    assert!(matches!(err, KvError::NotAStore { .. }), "got {err:?}");
    let kv = RocksKv::open_with(dir.path(), &fast()).unwrap();
    put(&kv, b"k", b"v");
    drop(kv);
    let kv = RocksKv::open_read_only(dir.path()).unwrap();
    assert_eq!(kv.get(NS, b"k").unwrap().as_deref(), Some(&b"v"[..]));
}

#[test]
fn the_marker_is_written_on_creation_and_invisible_to_namespaces() {
    let dir = tempfile::tempdir().unwrap();
    let kv = RocksKv::open_with(dir.path(), &fast()).unwrap();
    for tag in [0u8, 1, 255] {
        assert!(
            kv.scan_prefix(Namespace::new(tag), b"").unwrap().is_empty(),
            "namespace {tag} of a new store is empty"
        );
        assert_eq!(kv.get(Namespace::new(tag), b"").unwrap(), None);
    }
    drop(kv);
    let db =
        rocksdb::DB::open_for_read_only(&rocksdb::Options::default(), dir.path(), false).unwrap();
    assert_eq!(
        db.get(b"").unwrap().as_deref(),
        Some(RocksKv::MARKER_VALUE),
        "the marker under the empty key"
    );
    let all: Vec<_> = db.iterator(rocksdb::IteratorMode::Start).collect();
    assert_eq!(all.len(), 1, "the marker is the only record of a new store");
}

#[test]
fn an_interrupted_creation_is_created_again() {
    // RocksDB's files of a creation killed before its CURRENT file existed:
    // a database's files without CURRENT, OPTIONS and the write-ahead log.
    let made = tempfile::tempdir().unwrap();
    drop(
        rocksdb::DB::open(
            &{
                let mut o = rocksdb::Options::default();
                o.create_if_missing(true);
                o
            },
            made.path(),
        )
        .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut copied = 0;
    for entry in std::fs::read_dir(made.path()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if ["LOCK", "LOG", "IDENTITY"].contains(&name.as_str()) || name.starts_with("MANIFEST-") {
            std::fs::copy(made.path().join(&name), dir.path().join(&name)).unwrap();
            copied += 1;
        }
    }
    assert_eq!(copied, 4);
    let kv = RocksKv::open_with(dir.path(), &fast()).unwrap();
    put(&kv, b"k", b"v");
    drop(kv);
    let kv = RocksKv::open_read_only(dir.path()).unwrap();
    assert_eq!(kv.get(NS, b"k").unwrap().as_deref(), Some(&b"v"[..]));
}
