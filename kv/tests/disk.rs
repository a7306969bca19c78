//! RocksDB on a disk that fills up, and on a read-only file system: the
//! error says what to do, nothing acknowledged is lost, and the data stays
//! readable.
//!
//! These tests mount a small tmpfs (they need root and a kernel that lets
//! this process mount). Where mounting is refused they print why and pass
//! without running; set `STRATA_REQUIRE_MOUNT=1` to make a refusal a failure
//! instead.
#![cfg(feature = "rocksdb")]

use strata_kv::{KvError, KvStore, Namespace, RocksKv, WriteBatch};

const NS: Namespace = Namespace::new(7);

#[path = "common/tmpfs.rs"]
mod tmpfs;
use tmpfs::Tmpfs;

fn batch(n: u32, value_bytes: usize) -> WriteBatch {
    let mut b = WriteBatch::new();
    for k in 0..4u32 {
        let mut key = n.to_be_bytes().to_vec();
        key.extend_from_slice(&k.to_be_bytes());
        b.put(NS, key, vec![(n % 251) as u8; value_bytes]);
    }
    b
}

fn check_batches(kv: &RocksKv, acknowledged: u32, value_bytes: usize) {
    for n in 0..acknowledged {
        for k in 0..4u32 {
            let mut key = n.to_be_bytes().to_vec();
            key.extend_from_slice(&k.to_be_bytes());
            let v = kv
                .get(NS, &key)
                .unwrap()
                .unwrap_or_else(|| panic!("acknowledged batch {n} lost its key {k}"));
            assert_eq!(
                v.as_ref(),
                &vec![(n % 251) as u8; value_bytes][..],
                "batch {n}"
            );
        }
    }
}

#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing_acknowledged() {
    let Some(fs) = Tmpfs::mount("32m") else {
        return;
    };
    const VALUE: usize = 4096;
    let store = fs.path().join("store");
    let kv = RocksKv::open(&store).unwrap();
    let mut acknowledged = 0u32;
    for _ in 0..50 {
        kv.write(batch(acknowledged, VALUE)).unwrap();
        acknowledged += 1;
    }
    let filler = fs.fill(256 * 1024);
    let err = loop {
        match kv.write(batch(acknowledged, VALUE)) {
            Ok(()) => acknowledged += 1,
            Err(e) => break e,
        }
        assert!(acknowledged < 100_000, "the disk never filled");
    };
    assert!(matches!(err, KvError::NoSpace { .. }), "got {err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("is full")
            && msg.contains("free space")
            && msg.contains(&store.display().to_string()),
        "the message says what to do, and where: {msg}"
    );
    eprintln!("full after {acknowledged} batches: {msg}");

    // Still full: the data is readable, through a read-only open too.
    let reader = RocksKv::open_read_only(&store).unwrap();
    check_batches(&reader, acknowledged, VALUE);
    drop(reader);

    // Free the space. The handle that hit the full disk keeps refusing
    // writes (RocksDB's background error), with the same clear error...
    std::fs::remove_file(&filler).unwrap();
    let again = kv.write(batch(acknowledged, VALUE));
    eprintln!("the same handle after space was freed: {again:?}");
    if let Err(e) = &again {
        assert!(matches!(e, KvError::NoSpace { .. }), "got {e:?}");
    } else {
        acknowledged += 1;
    }
    drop(kv);

    // ...and a new open writes again, with every acknowledged batch there.
    let kv = RocksKv::open(&store).unwrap();
    check_batches(&kv, acknowledged, VALUE);
    kv.write(batch(acknowledged, VALUE)).unwrap();
    acknowledged += 1;
    drop(kv);
    let kv = RocksKv::open(&store).unwrap();
    check_batches(&kv, acknowledged, VALUE);
}

#[test]
fn a_full_disk_refuses_to_open_for_writing_but_opens_read_only() {
    let Some(fs) = Tmpfs::mount("16m") else {
        return;
    };
    let store = fs.path().join("store");
    {
        let kv = RocksKv::open(&store).unwrap();
        for n in 0..20 {
            kv.write(batch(n, 1000)).unwrap();
        }
    }
    let filler = fs.fill(0);
    let err = RocksKv::open(&store).unwrap_err();
    assert!(matches!(err, KvError::NoSpace { .. }), "got {err:?}");
    assert!(err.to_string().contains("is full"), "{err}");
    let reader = RocksKv::open_read_only(&store).unwrap();
    check_batches(&reader, 20, 1000);
    drop(reader);
    std::fs::remove_file(&filler).unwrap();
    let kv = RocksKv::open(&store).unwrap();
    check_batches(&kv, 20, 1000);
    kv.write(batch(20, 1000)).unwrap();
}

#[test]
fn a_read_only_file_system_still_reads() {
    let Some(fs) = Tmpfs::mount("16m") else {
        return;
    };
    let store = fs.path().join("store");
    {
        let kv = RocksKv::open(&store).unwrap();
        for n in 0..20 {
            kv.write(batch(n, 1000)).unwrap();
        }
    }
    fs.remount("ro");
    let reader = RocksKv::open_read_only(&store).unwrap();
    check_batches(&reader, 20, 1000);
    let err = reader.write(batch(20, 1000)).unwrap_err();
    assert!(matches!(err, KvError::ReadOnly { .. }), "got {err:?}");
    drop(reader);
    let err = RocksKv::open(&store).unwrap_err();
    assert!(
        matches!(err, KvError::PermissionDenied { .. }),
        "a writable open on a read-only file system: {err:?}"
    );
    assert!(err.to_string().contains("Read-only file system"), "{err}");
    fs.remount("rw");
}
