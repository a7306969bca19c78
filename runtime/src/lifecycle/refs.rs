//! Reference counts of content-addressed records, changed in memory for
//! one block and written in its batch.
//!
//! A record's count is how many stored records name it plus how many
//! retained block roots are it. [`Refs::inc`] adds a reference to a root:
//! a record counted before only gains one; a record counted for the first
//! time (new in this block, or stored before counting began) gets 1 and
//! adds one to each of its children, and so on down. [`Refs::dec`] takes
//! one away: a record that reaches 0 is deleted and takes one away from
//! each of its children. Since the counts are changed in memory and
//! written in the block's one atomic batch, a crash leaves them as they
//! were before the block or after it, never in between.

use hashbrown::HashMap;
use strata_kv::{BatchOp, Bytes, KvStore, Namespace, WriteBatch};
use strata_primitives::{Hash32, hex, namespaces};

use super::cache::{CacheUpdate, Inner, Kids};
use super::records::{Kind, children, children_of, counted, is_constant};
use crate::RuntimeError;

/// One record's count: as stored, and now.
#[derive(Clone, Copy, Debug)]
struct Count {
    ns: Namespace,
    before: u32,
    now: u32,
}

/// The counts a block changes, over the store as the block sees it.
pub(crate) struct Refs<'a, K: KvStore> {
    kv: &'a K,
    /// What the runtime remembers (valid for `kv`: checked by the caller).
    cache: &'a mut Inner,
    /// The children of the records counted in for the first time.
    new_children: Vec<(Hash32, Namespace, Kids)>,
    /// The counted records the block's own batch puts (not yet readable
    /// from `kv`).
    written: HashMap<(u8, Hash32), Bytes>,
    counts: HashMap<Hash32, Count>,
    /// How many records reached 0.
    freed: u64,
}

fn corrupt(hash: &Hash32, detail: &str) -> RuntimeError {
    RuntimeError::Corrupt {
        what: "reference count",
        key: hex::encode(hash),
        detail: detail.into(),
    }
}

/// The stored form of a count: the record's namespace tag, then the count.
fn encode(ns: Namespace, count: u32) -> [u8; 5] {
    let mut v = [0u8; 5];
    v[0] = ns.tag();
    v[1..].copy_from_slice(&count.to_le_bytes());
    v
}

/// A stored count, checked: `(namespace, count)`.
pub(crate) fn decode(hash: &Hash32, bytes: &[u8]) -> Result<(Namespace, u32), RuntimeError> {
    let bad = || {
        corrupt(
            hash,
            &format!("{} bytes, not a namespace and a count", bytes.len()),
        )
    };
    let [tag, a, b, c, d] = <[u8; 5]>::try_from(bytes).map_err(|_| bad())?;
    let ns = Namespace::new(tag);
    if !counted(ns) {
        return Err(corrupt(
            hash,
            &format!("namespace {tag} holds no counted records"),
        ));
    }
    Ok((ns, u32::from_le_bytes([a, b, c, d])))
}

impl<'a, K: KvStore> Refs<'a, K> {
    /// Counts over `kv`, with the counted records `batch` puts.
    pub(crate) fn new(kv: &'a K, cache: &'a mut Inner, batch: &WriteBatch) -> Self {
        let mut written = HashMap::new();
        for op in batch.ops() {
            if let BatchOp::Put { ns, key, value } = op
                && counted(*ns)
                && let Ok(h) = <Hash32>::try_from(&key[..])
            {
                written.insert((ns.tag(), h), value.clone());
            }
        }
        Refs {
            kv,
            cache,
            new_children: Vec::new(),
            written,
            counts: HashMap::new(),
            freed: 0,
        }
    }

    /// Retained block `number`, remembered or read.
    pub(crate) fn block(
        &mut self,
        number: u64,
    ) -> Result<Option<super::RetainedBlock>, RuntimeError> {
        super::block_at(self.kv, self.cache, number)
    }

    /// How many records reached 0 so far.
    pub(crate) fn freed(&self) -> u64 {
        self.freed
    }

    /// The count of `hash` as it stands (stored, or changed here).
    fn count(&mut self, hash: &Hash32) -> Result<Option<Count>, RuntimeError> {
        if let Some(c) = self.counts.get(hash) {
            return Ok(Some(*c));
        }
        let (ns, n) = match self.cache.counts.get(hash) {
            Some(&(ns, n)) => (ns, n),
            None => {
                let Some(bytes) = self.kv.get(namespaces::REFS, hash)? else {
                    return Ok(None);
                };
                let (ns, n) = decode(hash, &bytes)?;
                self.cache.counts.put(*hash, (ns, n));
                (ns, n)
            }
        };
        let c = Count {
            ns,
            before: n,
            now: n,
        };
        self.counts.insert(*hash, c);
        Ok(Some(c))
    }

    /// The bytes of a record of `kind`: from the block's batch, or stored
    /// (then `true`: from the store, to be checked against its hash). The
    /// batch is looked through first, for every namespace of the kind: a
    /// new page is in the batch, and looking for it among the stored
    /// page-tree nodes first would cost a read of the store for nothing
    /// (hashes are domain-separated, so no hash names records in two).
    fn find(&self, hash: &Hash32, kind: Kind) -> Result<(Namespace, Bytes, bool), RuntimeError> {
        for &ns in kind.namespaces() {
            if let Some(b) = self.written.get(&(ns.tag(), *hash)) {
                return Ok((ns, b.clone(), false));
            }
        }
        for &ns in kind.namespaces() {
            if let Some(b) = self.kv.get(ns, hash)? {
                return Ok((ns, b, true));
            }
        }
        Err(corrupt(
            hash,
            "a retained root reaches this record, but it is neither stored nor written \
             by the block",
        ))
    }

    /// Adds a reference to `root` (a record of `kind`), counting its
    /// subtree in if it is new.
    pub(crate) fn inc(&mut self, root: Hash32, kind: Kind) -> Result<(), RuntimeError> {
        let mut stack = vec![(root, kind)];
        while let Some((h, kind)) = stack.pop() {
            if is_constant(&h) {
                continue;
            }
            let known = self.count(&h)?;
            if let Some(mut c) = known.filter(|c| c.now > 0) {
                c.now = c
                    .now
                    .checked_add(1)
                    .ok_or_else(|| corrupt(&h, "the count overflows"))?;
                self.counts.insert(h, c);
                continue;
            }
            let (ns, bytes, stored) = self.find(&h, kind)?;
            let kids = children_of(ns, &h, &bytes, stored)?;
            stack.extend(kids.iter().copied());
            self.new_children
                .push((h, ns, kids.iter().map(|(k, _)| *k).collect()));
            let before = known.map_or(0, |c| c.before);
            self.counts.insert(h, Count { ns, before, now: 1 });
        }
        Ok(())
    }

    /// Takes a reference away from `root`, deleting what reaches 0.
    pub(crate) fn dec(&mut self, root: Hash32) -> Result<(), RuntimeError> {
        let mut stack = vec![root];
        while let Some(h) = stack.pop() {
            if is_constant(&h) {
                continue;
            }
            let mut c = self.count(&h)?.ok_or_else(|| {
                corrupt(
                    &h,
                    "a retained root reaches this record, but it has no count",
                )
            })?;
            if c.now == 0 {
                return Err(corrupt(&h, "the count would go below 0"));
            }
            c.now -= 1;
            self.counts.insert(h, c);
            if c.now == 0 {
                match self.cache.children.pop(&h) {
                    Some((ns, kids)) if ns == c.ns => stack.extend(kids.iter().copied()),
                    _ => {
                        let bytes = match self.written.get(&(c.ns.tag(), h)) {
                            Some(b) => b.clone(),
                            None => self.kv.get(c.ns, &h)?.ok_or_else(|| {
                                corrupt(&h, "the record is counted but missing from the store")
                            })?,
                        };
                        stack.extend(children(c.ns, &h, &bytes)?.into_iter().map(|(k, _)| k));
                    }
                }
                self.freed += 1;
            }
        }
        Ok(())
    }

    /// Whether a put of `key` in `ns` belongs in the block's batch: always
    /// outside the counted namespaces; inside, only for a record a
    /// retained root reaches (the rest are superseded versions).
    pub(crate) fn keeps(&self, ns: Namespace, key: &[u8]) -> bool {
        if !counted(ns) {
            return true;
        }
        <Hash32>::try_from(key)
            .ok()
            .and_then(|h| self.counts.get(&h))
            .is_some_and(|c| c.now > 0)
    }

    /// Writes the changed counts into `batch`, leaves out its puts of
    /// records nothing counts, and deletes the records that reached 0
    /// (after every put, so the delete wins). Returns what the block's
    /// pending records must keep to match, and what the cache learns once
    /// the batch is written (its counters are the caller's to set).
    pub(crate) fn finish(self, batch: &mut WriteBatch) -> (super::Kept, CacheUpdate) {
        let old = std::mem::take(batch);
        let mut out = WriteBatch::with_capacity(old.len() + 2 * self.counts.len());
        for op in old.into_ops() {
            match op {
                BatchOp::Put { ns, key, value } => {
                    if self.keeps(ns, &key) {
                        out.put(ns, &key[..], value);
                    }
                }
                BatchOp::Delete { ns, key } => out.delete(ns, &key[..]),
            }
        }
        // In hash order, so that the batch is the same on every node.
        let mut changed: Vec<(&Hash32, &Count)> = self
            .counts
            .iter()
            .filter(|(_, c)| c.now != c.before)
            .collect();
        changed.sort_unstable_by_key(|(h, _)| **h);
        let mut update = CacheUpdate {
            counts: changed.iter().map(|(h, c)| (**h, c.ns, c.now)).collect(),
            children: self.new_children,
            ..CacheUpdate::default()
        };
        update
            .children
            .retain(|(h, _, _)| self.counts.get(h).is_some_and(|c| c.now > 0));
        for (h, c) in changed {
            if c.now > 0 {
                out.put(namespaces::REFS, h, encode(c.ns, c.now).to_vec());
            } else {
                out.delete(namespaces::REFS, h);
                out.delete(c.ns, h);
            }
        }
        *batch = out;
        let kept = super::Kept(
            self.counts
                .iter()
                .filter(|(_, c)| c.now > 0)
                .map(|(h, _)| *h)
                .collect(),
        );
        (kept, update)
    }
}
