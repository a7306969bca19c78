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
