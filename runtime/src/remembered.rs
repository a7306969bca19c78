//! The block records the runtime wrote last, remembered while nothing else
//! writes the store: the head, the retention's counters and the event
//! index's state (namespace `BLOCKS`), which the end of every block reads.
//!
//! A block of one transaction (an `execute`) would otherwise read these
//! three records from the store each time: on RocksDB, three point reads
//! of about a microsecond each, more than a sixth of a counter
//! transaction. What is remembered is only ever used at the store's
//! [`write_generation`](KvStore::write_generation) it was read or written
//! at: any write the runtime did not account for (another runtime on the
//! same `MemKv`, a prune, a repair) moves the generation and the next read
//! goes to the store again. A store that cannot tell its generation (the
//! trait's default) is read every time, as before.

use std::sync::Mutex;

use smallvec::SmallVec;
use strata_kv::{BatchOp, KvError, KvStore, WriteBatch};
use strata_primitives::namespaces;

/// The records remembered, by key in `BLOCKS`.
pub(crate) const KEYS: [&[u8]; 3] = [
    crate::global::HEAD,
    crate::lifecycle::LIFECYCLE,
    crate::events::STATE_KEY,
];

/// A remembered value, inline: the three records are a few dozen bytes, so
/// remembering one (at every block's end) and handing it out (three times
/// a block) allocate nothing. A longer value spills to the heap, whole.
pub(crate) type Value = SmallVec<[u8; 64]>;

/// What the runtime knows of the records, and at which generation.
struct Known {
    generation: u64,
    /// A key of [`KEYS`] and its value (`None`: no record), for each read
    /// or written at `generation`.
    records: Vec<(&'static [u8], Option<Value>)>,
}

/// The remembered records (see the module).
pub(crate) struct Remembered(Mutex<Option<Known>>);

/// What a write of a block is about to change, taken before it.
pub(crate) struct Writing {
    /// The generation before the write, if the store tells it and the
    /// write's every change to [`KEYS`] is known.
    before: Option<u64>,
    /// The last value the write gives each key of [`KEYS`] it touches
    /// (inline: at most one per key, and a block of one writes one).
    updates: SmallVec<[(&'static [u8], Option<Value>); 3]>,
}

impl Remembered {
    /// Nothing remembered.
    pub fn new() -> Self {
        Remembered(Mutex::new(None))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Known>> {
        // The contents are replaced whole, never left half-written.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The record `key` (one of [`KEYS`]) of `kv`'s `BLOCKS`: as remembered
    /// if nothing wrote the store since, else read from it.
    pub fn get(&self, kv: &impl KvStore, key: &'static [u8]) -> Result<Option<Value>, KvError> {
        let read = || {
            kv.get(namespaces::BLOCKS, key)
                .map(|v| v.map(|b| Value::from_slice(&b)))
        };
        let Some(generation) = kv.write_generation() else {
            return read();
        };
        if let Some(known) = self.lock().as_ref().filter(|k| k.generation == generation)
            && let Some((_, value)) = known.records.iter().find(|(k, _)| *k == key)
        {
            return Ok(value.clone());
        }
        let value = read()?;
        // Read after the generation was: a write in between moved it past
        // `generation`, so this entry is never used.
        let mut known = self.lock();
        match known.as_mut() {
            Some(k) if k.generation == generation => {
                k.records.retain(|(k, _)| *k != key);
                k.records.push((key, value.clone()));
            }
            _ => {
                *known = Some(Known {
                    generation,
                    records: vec![(key, value.clone())],
                });
            }
        }
        Ok(value)
    }

    /// The records of every key of [`KEYS`], in its order: under one lock
    /// when all three are remembered (each lock and unlock costs about 100
    /// cycles at every block's end), else as [`get`](Self::get) gives
    /// each.
    pub fn get_all(&self, kv: &impl KvStore) -> Result<[Option<Value>; 3], KvError> {
        if let Some(generation) = kv.write_generation()
            && let Some(known) = self.lock().as_ref().filter(|k| k.generation == generation)
        {
            let find = |key: &[u8]| {
                known
                    .records
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
            };
            if let [Some(head), Some(lifecycle), Some(events)] = KEYS.map(find) {
                return Ok([head, lifecycle, events]);
            }
        }
        Ok([
            self.get(kv, KEYS[0])?,
            self.get(kv, KEYS[1])?,
            self.get(kv, KEYS[2])?,
        ])
    }

    /// Before `batch` is written to `kv` (in one write, after an overlay's
    /// pending writes, `pending_blocks` if any of those is in `BLOCKS`,
    /// when nothing is known of what they do to [`KEYS`]): what it
    /// changes.
    pub fn writing(&self, kv: &impl KvStore, batch: &WriteBatch, pending_blocks: bool) -> Writing {
        let mut updates: SmallVec<[(&'static [u8], Option<Value>); 3]> = SmallVec::new();
        for op in batch.ops() {
            let (ns, key, value) = match op {
                BatchOp::Put { ns, key, value } => (ns, key, Some(value)),
                BatchOp::Delete { ns, key } => (ns, key, None),
            };
            if *ns != namespaces::BLOCKS {
                continue;
            }
            if let Some(k) = KEYS.iter().find(|k| **k == &key[..]) {
                updates.retain(|(u, _)| u != k);
                // Copied inline: cloning a `Bytes` made from a `Vec`
                // allocates.
                updates.push((k, value.map(|v| Value::from_slice(v))));
            }
        }
        Writing {
            before: kv.write_generation().filter(|_| !pending_blocks),
            updates,
        }
    }

    /// After the write `writing` was taken for: remembers what it wrote if
    /// it was the only write since, else forgets everything.
    pub fn written(&self, kv: &impl KvStore, writing: Writing, ok: bool) {
        let after = kv.write_generation();
        let mut known = self.lock();
        match (writing.before, after) {
            // Nothing was written (an empty block): all stands.
            (Some(before), Some(after)) if ok && after == before => {}
            // This write alone: what it wrote joins what was known just
            // before it.
            (Some(before), Some(after)) if ok && after == before.wrapping_add(1) => {
                let mut records = match known.take() {
                    Some(k) if k.generation == before => k.records,
                    _ => Vec::new(),
                };
                for (key, value) in writing.updates {
                    records.retain(|(k, _)| *k != key);
                    records.push((key, value));
                }
                *known = Some(Known {
                    generation: after,
                    records,
                });
            }
            _ => *known = None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::sync::Arc;
    use strata_kv::MemKv;
    use strata_kv::testing::Instrumented;

    const HEAD: &[u8] = KEYS[0];
    const LIFECYCLE: &[u8] = KEYS[1];

    fn put(key: &[u8], value: &[u8]) -> WriteBatch {
        let mut b = WriteBatch::new();
        b.put(namespaces::BLOCKS, key, value.to_vec());
        b
    }

    fn value(v: &[u8]) -> Option<Value> {
        Some(Value::from_slice(v))
    }

    #[test]
    fn a_record_is_read_once_until_something_writes() {
        let kv = Arc::new(Instrumented::new(MemKv::new()));
        kv.write(put(HEAD, b"one")).unwrap();
        let r = Remembered::new();
        assert_eq!(r.get(&kv, HEAD).unwrap(), value(b"one"));
        assert_eq!(r.get(&kv, HEAD).unwrap(), value(b"one"));
        // A missing record is remembered as missing.
        assert_eq!(r.get(&kv, LIFECYCLE).unwrap(), None);
        assert_eq!(r.get(&kv, LIFECYCLE).unwrap(), None);
        assert_eq!(kv.gets(), 2);
        // A write the runtime did not account for (another writer): read
        // again, and the new value seen.
        kv.write(put(LIFECYCLE, b"theirs")).unwrap();
        assert_eq!(r.get(&kv, HEAD).unwrap(), value(b"one"));
        assert_eq!(r.get(&kv, LIFECYCLE).unwrap(), value(b"theirs"));
        assert_eq!(kv.gets(), 4);
    }

    #[test]
    fn all_three_records_come_from_one_look_once_known() {
        let kv = Arc::new(Instrumented::new(MemKv::new()));
        kv.write(put(HEAD, b"one")).unwrap();
        kv.write(put(KEYS[2], b"events")).unwrap();
        let r = Remembered::new();
        // Nothing known: each is read (a missing one remembered as such).
        let all = r.get_all(&kv).unwrap();
        assert_eq!(all, [value(b"one"), None, value(b"events")]);
        assert_eq!(kv.gets(), 3);
        // Known: none is read, and the values are the same.
        assert_eq!(r.get_all(&kv).unwrap(), all);
        assert_eq!(kv.gets(), 3);
        // Another writer: all read again, the change seen.
        kv.write(put(LIFECYCLE, b"theirs")).unwrap();
        assert_eq!(
            r.get_all(&kv).unwrap(),
            [value(b"one"), value(b"theirs"), value(b"events")]
        );
        assert_eq!(kv.gets(), 6);
    }

    #[test]
    fn what_the_runtime_writes_is_known_without_a_read() {
        let kv = Arc::new(Instrumented::new(MemKv::new()));
        kv.write(put(HEAD, b"one")).unwrap();
        let r = Remembered::new();
        assert_eq!(r.get(&kv, LIFECYCLE).unwrap(), None);
        let mut batch = put(HEAD, b"two");
        batch.put(namespaces::BLOCKS, b"other", b"x".to_vec());
        batch.delete(namespaces::BLOCKS, LIFECYCLE);
        batch.put(namespaces::BLOCKS, LIFECYCLE, b"kept".to_vec());
        let writing = r.writing(&kv, &batch, false);
        kv.write(batch).unwrap();
        r.written(&kv, writing, true);
        let gets = kv.gets();
        // The last operation on a key wins, as in the store.
        assert_eq!(r.get(&kv, HEAD).unwrap(), value(b"two"));
        assert_eq!(r.get(&kv, LIFECYCLE).unwrap(), value(b"kept"));
        assert_eq!(kv.gets(), gets);
    }

    #[test]
    fn an_unaccounted_write_forgets_everything() {
        let kv = Arc::new(Instrumented::new(MemKv::new()));
        let r = Remembered::new();
        assert_eq!(r.get(&kv, HEAD).unwrap(), None);
        // Another write between the two (another runtime): forgotten.
        let batch = put(HEAD, b"mine");
        let writing = r.writing(&kv, &batch, false);
        kv.write(put(LIFECYCLE, b"theirs")).unwrap();
        kv.write(batch).unwrap();
        r.written(&kv, writing, true);
        assert!(r.lock().is_none());
        // Pending writes of an overlay in `BLOCKS`, unseen: forgotten.
        assert_eq!(r.get(&kv, HEAD).unwrap(), value(b"mine"));
        let batch = put(HEAD, b"again");
        let writing = r.writing(&kv, &batch, true);
        kv.write(batch).unwrap();
        r.written(&kv, writing, true);
        assert!(r.lock().is_none());
        // A failed write: forgotten.
        assert_eq!(r.get(&kv, HEAD).unwrap(), value(b"again"));
        let batch = put(HEAD, b"lost");
        let writing = r.writing(&kv, &batch, false);
        kv.fail_writes(true);
        assert!(kv.write(batch).is_err());
        r.written(&kv, writing, false);
        assert!(r.lock().is_none());
        kv.fail_writes(false);
        assert_eq!(r.get(&kv, HEAD).unwrap(), value(b"again"));
    }

    /// A store that cannot tell its generation (the trait's default).
    struct Untold(MemKv);

    impl KvStore for Untold {
        fn get(&self, ns: strata_kv::Namespace, key: &[u8]) -> Result<Option<Bytes>, KvError> {
            self.0.get(ns, key)
        }
        fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
            self.0.write(batch)
        }
        fn scan(
            &self,
            ns: strata_kv::Namespace,
            prefix: &[u8],
            visit: &mut strata_kv::Visitor<'_>,
        ) -> Result<(), KvError> {
            self.0.scan(ns, prefix, visit)
        }
    }

    #[test]
    fn a_store_without_a_generation_is_read_every_time() {
        let kv = Arc::new(Instrumented::new(Untold(MemKv::new())));
        let r = Remembered::new();
        for _ in 0..3 {
            assert_eq!(r.get(&kv, HEAD).unwrap(), None);
        }
        assert_eq!(kv.gets(), 3);
        assert!(r.lock().is_none());
    }
}
