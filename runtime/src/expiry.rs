//! Expiry by height: the seam for records that leave a window of blocks.
//!
//! A kind of record that expires keeps an *expiry index*: a namespace whose
//! keys start with the height (u64, big-endian) at which the record was
//! written, and whose values name everything to delete with it. Because
//! keys sort by height, expiring every height below a cutoff is one scan
//! from the start of that namespace which stops at the first key at or
//! above the cutoff: it visits what expires and one key more, never the
//! records that stay (on an ordered store such as RocksDB; `MemKv` sorts
//! the namespace for every scan). The event index is the first user
//! (`events.rs`); state pruning can keep its own expiry index the same way
//! and reuse [`expire`].

use strata_kv::{KvStore, Namespace, WriteBatch};
use strata_primitives::hex;

use crate::RuntimeError;

/// The bytes of the height at the start of every expiry-index key.
pub(crate) const HEIGHT: usize = 8;

/// The height an expiry-index key starts with; a shorter key is corrupt.
pub(crate) fn height_of(what: &'static str, key: &[u8]) -> Result<u64, RuntimeError> {
    key.get(..HEIGHT)
        .and_then(|h| <[u8; HEIGHT]>::try_from(h).ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| RuntimeError::Corrupt {
            what,
            key: hex::encode(key),
            detail: format!("the key is shorter than its {HEIGHT}-byte height"),
        })
}

/// What an [`expire`] pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Expired {
    /// How many expiry-index records it deleted.
    pub records: u64,
    /// The lowest height left in the expiry index (the first at or above
    /// the cutoff), if any is left.
    pub next: Option<u64>,
}

/// Deletes (into `batch`) every record of the expiry index `ns` whose
/// height is below `cutoff`, and lets `dependents` add the deletions of
/// what each one names (it gets the key and the value). Reads `kv` as it
/// is: the caller's `batch` is not applied yet. `what` names the index in
/// errors. Visits the expired records and the first one that stays.
pub(crate) fn expire<K: KvStore + ?Sized>(
    kv: &K,
    ns: Namespace,
    what: &'static str,
    cutoff: u64,
    batch: &mut WriteBatch,
    mut dependents: impl FnMut(&[u8], &[u8], &mut WriteBatch) -> Result<(), RuntimeError>,
) -> Result<Expired, RuntimeError> {
    let mut done = Expired::default();
    let mut failed = None;
    kv.scan(ns, b"", &mut |key, value| {
        let step = height_of(what, key).and_then(|height| {
            if height >= cutoff {
                done.next = Some(height);
                return Ok(false);
            }
            batch.delete(ns, key);
            done.records += 1;
            dependents(key, value, batch).map(|()| true)
        });
        match step {
            Ok(true) => std::ops::ControlFlow::Continue(()),
            Ok(false) => std::ops::ControlFlow::Break(()),
            Err(e) => {
                failed = Some(e);
                std::ops::ControlFlow::Break(())
            }
        }
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(done),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_kv::MemKv;

    const NS: Namespace = Namespace::new(200);

    fn key(height: u64, n: u8) -> Vec<u8> {
        let mut k = height.to_be_bytes().to_vec();
        k.push(n);
        k
    }

    #[test]
    fn expires_below_the_cutoff_and_reports_the_next_height() {
        let kv = MemKv::new();
        let mut b = WriteBatch::new();
        for (h, n) in [(1, 0), (1, 1), (3, 0), (7, 0), (256, 0)] {
            b.put(NS, key(h, n), vec![n]);
        }
        kv.write(b).unwrap();
        let mut batch = WriteBatch::new();
        let mut seen = Vec::new();
        let done = expire(&kv, NS, "test", 7, &mut batch, |k, v, _| {
            seen.push((height_of("test", k).unwrap(), v[0]));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, [(1, 0), (1, 1), (3, 0)]);
        assert_eq!(
            done,
            Expired {
                records: 3,
                next: Some(7)
            }
        );
        kv.write(batch).unwrap();
        assert_eq!(kv.len_of(NS), 2);
        // Big-endian heights sort numerically (256 after 7).
        let mut batch = WriteBatch::new();
        let done = expire(&kv, NS, "test", u64::MAX, &mut batch, |_, _, _| Ok(())).unwrap();
        assert_eq!(
            done,
            Expired {
                records: 2,
                next: None
            }
        );
    }

    #[test]
    fn a_short_key_or_a_failing_dependent_is_an_error() {
        let kv = MemKv::new();
        let mut b = WriteBatch::new();
        b.put(NS, [1u8, 2, 3], vec![]);
        kv.write(b).unwrap();
        let mut batch = WriteBatch::new();
        let e = expire(&kv, NS, "test", 10, &mut batch, |_, _, _| Ok(())).unwrap_err();
        assert!(
            matches!(&e, RuntimeError::Corrupt { key, .. } if key == "010203"),
            "{e}"
        );
        let kv = MemKv::new();
        let mut b = WriteBatch::new();
        b.put(NS, key(1, 0), vec![]);
        kv.write(b).unwrap();
        let e = expire(&kv, NS, "test", 10, &mut batch, |_, _, _| {
            Err(RuntimeError::Internal("no".into()))
        })
        .unwrap_err();
        assert!(matches!(e, RuntimeError::Internal(_)), "{e}");
    }
}
