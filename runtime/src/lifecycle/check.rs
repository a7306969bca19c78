//! Checking the reference counts from scratch: what pruning's correctness
//! rests on, for tests and for an operator who doubts a store.

use std::ops::ControlFlow;

use hashbrown::{HashMap, HashSet};
use strata_kv::{KvStore, Namespace};
use strata_pages::{NS_NODES, NS_PAGES};
use strata_primitives::{Hash32, hex, namespaces};

use super::records::{Kind, children, is_constant};
use super::refs::decode;
use crate::{Runtime, RuntimeError};

/// What [`Runtime::check_state_store`] found in a store whose counts are
/// right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreCheck {
    /// Retained blocks.
    pub retained_blocks: u64,
    /// Counted records: every record a retained root reaches.
    pub records: u64,
    /// Content-addressed records that no retained root reaches and no
    /// count keeps: left from before the store counted, or by a bug. 0 on a
    /// store that counted from its first block.
    pub unreferenced: u64,
}

fn mismatch(hash: &Hash32, detail: String) -> RuntimeError {
    RuntimeError::Corrupt {
        what: "reference count",
        key: hex::encode(hash),
        detail,
    }
}

impl<K: KvStore + 'static> Runtime<K> {
    /// Recounts every reference from the retained roots and compares the
    /// result with the stored counts: equal, or [`RuntimeError::Corrupt`]
    /// naming the first record that differs (or that a retained root
    /// reaches but the store lacks). Reads the whole state: a tool for
    /// tests and for a doubted store, not for every block. A store that
    /// does not count is checked to hold no counts.
    pub fn check_state_store(&self) -> Result<StoreCheck, RuntimeError> {
        let _gate = self.shared.enter()?;
        let _exec = crate::lock(&self.shared.exec);
        let kv = self.shared.kv.base();
        let blocks = self.retained_blocks()?;
        // The counts the retained roots make.
        let mut expected: HashMap<Hash32, (Namespace, u32)> = HashMap::new();
        let mut walk: Vec<(Hash32, Kind)> = Vec::new();
        let mut reference = |h: Hash32, kind: Kind, walk: &mut Vec<(Hash32, Kind)>| {
            if is_constant(&h) {
                return;
            }
            match expected.get_mut(&h) {
                Some((_, n)) => *n += 1,
                None => {
                    // The namespace is filled in when the record is found.
                    expected.insert(h, (Namespace::new(0), 1));
                    walk.push((h, kind));
                }
            }
        };
        for b in &blocks {
            reference(b.state_root, Kind::AccountNode, &mut walk);
        }
        let mut found: Vec<(Hash32, Namespace)> = Vec::new();
        while let Some((h, kind)) = walk.pop() {
            let mut record = None;
            for &ns in kind.namespaces() {
                if let Some(b) = kv.get(ns, &h)? {
                    record = Some((ns, b));
                    break;
                }
            }
            let (ns, bytes) = record.ok_or_else(|| {
                mismatch(
                    &h,
                    "a retained root reaches this record, but the store lacks it".into(),
                )
            })?;
            found.push((h, ns));
            for (child, kind) in children(ns, &h, &bytes)? {
                reference(child, kind, &mut walk);
            }
        }
        for (h, ns) in found {
            if let Some(e) = expected.get_mut(&h) {
                e.0 = ns;
            }
        }
        // The stored counts, compared.
        let records = expected.len() as u64;
        let mut stored: HashSet<Hash32> = HashSet::new();
        let mut failure: Option<RuntimeError> = None;
        kv.scan(namespaces::REFS, b"", &mut |key, value| {
            let Ok(h) = <Hash32>::try_from(key) else {
                failure = Some(mismatch(
                    &[0; 32],
                    format!("a count under a {}-byte key", key.len()),
                ));
                return ControlFlow::Break(());
            };
            let outcome = decode(&h, value).and_then(|(ns, n)| match expected.remove(&h) {
                Some((ens, en)) if ens == ns && en == n => Ok(()),
                Some((ens, en)) => Err(mismatch(
                    &h,
                    format!(
                        "stored count {n} in namespace {}, recounted {en} in namespace {}",
                        ns.tag(),
                        ens.tag()
                    ),
                )),
                None => Err(mismatch(
                    &h,
                    format!("stored count {n}, but no retained root reaches it"),
                )),
            });
            stored.insert(h);
            match outcome {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    failure = Some(e);
                    ControlFlow::Break(())
                }
            }
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        if let Some((h, (_, n))) = expected.iter().next() {
            return Err(mismatch(
                h,
                format!("retained roots reach it {n} times, but it has no stored count"),
            ));
        }
        // Records no count keeps.
        let mut unreferenced = 0u64;
        for ns in [
            namespaces::ACCOUNT_NODES,
            namespaces::ACCOUNT_RECORDS,
            NS_NODES,
            NS_PAGES,
        ] {
            kv.scan(ns, b"", &mut |key, _| {
                if <Hash32>::try_from(key).map_or(true, |h| !stored.contains(&h)) {
                    unreferenced += 1;
                }
                ControlFlow::Continue(())
            })?;
        }
        Ok(StoreCheck {
            retained_blocks: blocks.len() as u64,
            records,
            unreferenced,
        })
    }
}
