//! The behavioural suite every `KvStore` backend must pass, written once.
//!
//! `kv_suite!(module_name, constructor_expression)` expands to one `#[test]`
//! per behaviour, each on a fresh store made by the constructor.

#![allow(dead_code)]

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use strata_kv::{KvStore, Namespace, WriteBatch};

pub const A: Namespace = Namespace::new(1);
pub const B: Namespace = Namespace::new(2);
pub const LAST: Namespace = Namespace::new(255);

fn put(kv: &dyn KvStore, ns: Namespace, k: &[u8], v: &[u8]) {
    let mut b = WriteBatch::new();
    b.put(ns, k, v.to_vec());
    kv.write(b).expect("write");
}

fn keys(kv: &dyn KvStore, ns: Namespace, prefix: &[u8]) -> Vec<Vec<u8>> {
    kv.scan_prefix(ns, prefix)
        .expect("scan")
        .into_iter()
        .map(|(k, _)| k.to_vec())
        .collect()
}

pub fn missing_key(kv: &dyn KvStore) {
    assert_eq!(kv.get(A, b"nope").unwrap(), None);
    assert!(!kv.contains(A, b"nope").unwrap());
    put(kv, A, b"yes", b"1");
    assert_eq!(kv.get(A, b"nope").unwrap(), None);
    assert_eq!(
        kv.get(A, b"ye").unwrap(),
        None,
        "a prefix of a key is not the key"
    );
    assert_eq!(kv.get(A, b"yess").unwrap(), None);
}

pub fn put_get_overwrite(kv: &dyn KvStore) {
    put(kv, A, b"k", b"first");
    assert_eq!(kv.get(A, b"k").unwrap().as_deref(), Some(&b"first"[..]));
    put(kv, A, b"k", b"second, longer");
    assert_eq!(
        kv.get(A, b"k").unwrap().as_deref(),
        Some(&b"second, longer"[..])
    );
    put(kv, A, b"k", b"3");
    assert_eq!(kv.get(A, b"k").unwrap().as_deref(), Some(&b"3"[..]));
}

pub fn delete(kv: &dyn KvStore) {
    put(kv, A, b"k", b"v");
    put(kv, A, b"other", b"w");
    let mut b = WriteBatch::new();
    b.delete(A, b"k".as_slice());
    b.delete(A, b"never-there".as_slice());
    kv.write(b).unwrap();
    assert_eq!(kv.get(A, b"k").unwrap(), None);
    assert!(kv.contains(A, b"other").unwrap());
    assert_eq!(keys(kv, A, b""), vec![b"other".to_vec()]);
}

pub fn later_op_in_batch_wins(kv: &dyn KvStore) {
    let mut b = WriteBatch::new();
    b.put(A, b"x".as_slice(), b"1".to_vec());
    b.put(A, b"x".as_slice(), b"2".to_vec());
    b.put(A, b"y".as_slice(), b"1".to_vec());
    b.delete(A, b"y".as_slice());
    b.delete(A, b"z".as_slice());
    b.put(A, b"z".as_slice(), b"3".to_vec());
    kv.write(b).unwrap();
    assert_eq!(kv.get(A, b"x").unwrap().as_deref(), Some(&b"2"[..]));
    assert_eq!(kv.get(A, b"y").unwrap(), None);
    assert_eq!(kv.get(A, b"z").unwrap().as_deref(), Some(&b"3"[..]));
}

pub fn empty_batch_is_fine(kv: &dyn KvStore) {
    kv.write(WriteBatch::new()).unwrap();
    assert!(keys(kv, A, b"").is_empty());
}

/// A reader running beside a writer never sees part of a batch: every batch
/// sets all ten keys to the same round number.
pub fn batches_are_atomic_to_readers(kv: Arc<dyn KvStore>) {
    const KEYS: usize = 10;
    const MIN_ROUNDS: u32 = 200;
    const MIN_DISTINCT: u32 = 10;
    let mut b = WriteBatch::new();
    for i in 0..KEYS {
        b.put(
            A,
            format!("key{i}").into_bytes(),
            0u32.to_be_bytes().to_vec(),
        );
    }
    kv.write(b).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let distinct = Arc::new(AtomicU32::new(0));
    let reader = {
        let kv = kv.clone();
        let done = done.clone();
        let distinct = distinct.clone();
        std::thread::spawn(move || {
            let mut rounds_seen = std::collections::BTreeSet::new();
            while !done.load(Ordering::Acquire) {
                let rows = kv.scan_prefix(A, b"key").unwrap();
                assert_eq!(rows.len(), KEYS, "a scan saw a partial batch");
                let first = rows[0].1.clone();
                for (k, v) in &rows {
                    assert_eq!(v, &first, "key {k:?} is from another batch than key0");
                }
                if rounds_seen.insert(first) {
                    distinct.store(rounds_seen.len() as u32, Ordering::Release);
                }
            }
            rounds_seen.len()
        })
    };
    // Keep writing until the reader has watched enough batches go by (on a
    // loaded machine it may be descheduled for a while), within a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut round = 0u32;
    while round < MIN_ROUNDS || distinct.load(Ordering::Acquire) < MIN_DISTINCT {
        assert!(
            std::time::Instant::now() < deadline,
            "the reader never got to run"
        );
        round += 1;
        let mut b = WriteBatch::new();
        for i in 0..KEYS {
            b.put(
                A,
                format!("key{i}").into_bytes(),
                round.to_be_bytes().to_vec(),
            );
        }
        kv.write(b).unwrap();
        if round.is_multiple_of(64) {
            std::thread::yield_now();
        }
    }
    done.store(true, Ordering::Release);
    let seen = reader.join().expect("reader thread panicked");
    assert!(
        seen >= MIN_DISTINCT as usize,
        "the reader saw only {seen} distinct batch(es)"
    );
    for i in 0..KEYS {
        let v = kv.get(A, format!("key{i}").as_bytes()).unwrap().unwrap();
        assert_eq!(&v[..], &round.to_be_bytes()[..]);
    }
}

pub fn scan_is_ordered(kv: &dyn KvStore) {
    let mut inserted: Vec<Vec<u8>> = vec![
        b"b".to_vec(),
        b"a".to_vec(),
        b"ab".to_vec(),
        b"".to_vec(),
        vec![0xff],
        vec![0x00],
        vec![0x7f, 0xff],
        b"aa".to_vec(),
        vec![0xff, 0x00],
    ];
    let mut b = WriteBatch::new();
    for k in &inserted {
        b.put(A, k.clone(), k.clone());
    }
    kv.write(b).unwrap();
    inserted.sort();
    assert_eq!(keys(kv, A, b""), inserted);
    // Values come with their keys.
    for (k, v) in kv.scan_prefix(A, b"").unwrap() {
        assert_eq!(k, v);
    }
}

pub fn scan_bounds(kv: &dyn KvStore) {
    for k in [
        &b"a"[..],
        b"ab",
        b"abc",
        b"abd",
        b"ac",
        b"b",
        b"aa\xff",
        b"ab\xff\xff",
    ] {
        put(kv, A, k, b"v");
    }
    assert_eq!(
        keys(kv, A, b"ab"),
        vec![
            b"ab".to_vec(),
            b"abc".to_vec(),
            b"abd".to_vec(),
            b"ab\xff\xff".to_vec()
        ]
    );
    assert_eq!(keys(kv, A, b"abc"), vec![b"abc".to_vec()]);
    assert_eq!(keys(kv, A, b"ab\xff"), vec![b"ab\xff\xff".to_vec()]);
    assert!(keys(kv, A, b"abz").is_empty());
    assert!(keys(kv, A, b"c").is_empty());
    assert_eq!(keys(kv, A, b"aa"), vec![b"aa\xff".to_vec()]);
    // Stopping early.
    let mut seen = Vec::new();
    kv.scan(A, b"a", &mut |k, _| {
        seen.push(k.to_vec());
        if seen.len() == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(seen, vec![b"a".to_vec(), b"aa\xff".to_vec()]);
}

pub fn scan_at_the_top_of_the_keyspace(kv: &dyn KvStore) {
    // Namespace 255 and keys of 0xff bytes: the upper bound of the scan
    // cannot be computed by incrementing, and must still be right.
    put(kv, LAST, &[0xff, 0xff], b"1");
    put(kv, LAST, &[0xff], b"2");
    put(kv, LAST, &[0xfe], b"3");
    put(kv, Namespace::new(254), &[0xff, 0xff, 0xff], b"other ns");
    assert_eq!(keys(kv, LAST, &[0xff]), vec![vec![0xff], vec![0xff, 0xff]]);
    assert_eq!(keys(kv, LAST, &[0xff, 0xff]), vec![vec![0xff, 0xff]]);
    assert_eq!(keys(kv, LAST, b"").len(), 3);
    assert_eq!(
        keys(kv, Namespace::new(254), b""),
        vec![vec![0xff, 0xff, 0xff]]
    );
}

pub fn namespaces_are_isolated(kv: &dyn KvStore) {
    put(kv, A, b"same", b"in A");
    put(kv, B, b"same", b"in B");
    put(kv, A, b"only-a", b"1");
    assert_eq!(kv.get(A, b"same").unwrap().as_deref(), Some(&b"in A"[..]));
    assert_eq!(kv.get(B, b"same").unwrap().as_deref(), Some(&b"in B"[..]));
    assert_eq!(kv.get(B, b"only-a").unwrap(), None);
    assert_eq!(keys(kv, B, b""), vec![b"same".to_vec()]);
    assert_eq!(keys(kv, A, b"").len(), 2);
    // A key of A that starts with B's tag byte is not in B.
    put(kv, A, &[2, b'x'], b"tricky");
    assert_eq!(kv.get(B, b"x").unwrap(), None);
    assert_eq!(keys(kv, B, b"").len(), 1);
    let mut b = WriteBatch::new();
    b.delete(B, b"same".as_slice());
    kv.write(b).unwrap();
    assert_eq!(kv.get(A, b"same").unwrap().as_deref(), Some(&b"in A"[..]));
}

pub fn empty_keys_and_values(kv: &dyn KvStore) {
    put(kv, A, b"", b"value of the empty key");
    put(kv, A, b"empty-value", b"");
    assert_eq!(
        kv.get(A, b"").unwrap().as_deref(),
        Some(&b"value of the empty key"[..])
    );
    let empty = kv.get(A, b"empty-value").unwrap();
    assert_eq!(
        empty.as_deref(),
        Some(&b""[..]),
        "an empty value is not an absent one"
    );
    assert!(kv.contains(A, b"empty-value").unwrap());
    assert_eq!(kv.get(B, b"").unwrap(), None);
    assert_eq!(
        keys(kv, A, b"")[0],
        b"".to_vec(),
        "the empty key sorts first"
    );
}

pub fn large_values(kv: &dyn KvStore) {
    let big: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut b = WriteBatch::new();
    b.put(A, b"big".as_slice(), big.clone());
    for i in 0..3u8 {
        b.put(A, vec![b'm', i], vec![i; 3 * 1024 * 1024]);
    }
    kv.write(b).unwrap();
    assert_eq!(kv.get(A, b"big").unwrap().as_deref(), Some(&big[..]));
    for i in 0..3u8 {
        let v = kv.get(A, &[b'm', i]).unwrap().unwrap();
        assert_eq!(v.len(), 3 * 1024 * 1024);
        assert!(v.iter().all(|&x| x == i));
    }
}

/// Every write moves the generation by one, a failed read or a get
/// does not; both backends tell it.
pub fn write_generation_moves_with_every_write(kv: &dyn KvStore) {
    let g0 = kv
        .write_generation()
        .expect("the backend tells its generation");
    let _ = kv.get(A, b"k").unwrap();
    assert_eq!(kv.write_generation(), Some(g0));
    let mut b = WriteBatch::new();
    b.put(A, b"k".as_slice(), b"v".to_vec());
    kv.write(b).unwrap();
    assert_eq!(kv.write_generation(), Some(g0 + 1));
    let mut b = WriteBatch::new();
    b.delete(A, b"k".as_slice());
    b.put(A, b"j".as_slice(), b"w".to_vec());
    kv.write(b).unwrap();
    assert_eq!(kv.write_generation(), Some(g0 + 2));
    assert_eq!(kv.get(A, b"k").unwrap(), None);
}

#[macro_export]
macro_rules! kv_suite {
    ($name:ident, $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use std::sync::Arc;
            use strata_kv::KvStore;

            fn make() -> impl KvStore + 'static {
                $make
            }

            #[test]
            fn missing_key() {
                common::missing_key(&make())
            }
            #[test]
            fn put_get_overwrite() {
                common::put_get_overwrite(&make())
            }
            #[test]
            fn delete() {
                common::delete(&make())
            }
            #[test]
            fn later_op_in_batch_wins() {
                common::later_op_in_batch_wins(&make())
            }
            #[test]
            fn empty_batch_is_fine() {
                common::empty_batch_is_fine(&make())
            }
            #[test]
            fn batches_are_atomic_to_readers() {
                common::batches_are_atomic_to_readers(Arc::new(make()))
            }
            #[test]
            fn scan_is_ordered() {
                common::scan_is_ordered(&make())
            }
            #[test]
            fn scan_bounds() {
                common::scan_bounds(&make())
            }
            #[test]
            fn scan_at_the_top_of_the_keyspace() {
                common::scan_at_the_top_of_the_keyspace(&make())
            }
            #[test]
            fn namespaces_are_isolated() {
                common::namespaces_are_isolated(&make())
            }
            #[test]
            fn empty_keys_and_values() {
                common::empty_keys_and_values(&make())
            }
            #[test]
            fn large_values() {
                common::large_values(&make())
            }
            #[test]
            fn write_generation_moves_with_every_write() {
                common::write_generation_moves_with_every_write(&make())
            }
        }
    };
}
