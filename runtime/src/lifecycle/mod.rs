//! The state lifecycle: which block roots the store keeps, and the
//! deletion of every record only pruned roots reach.
//!
//! ## A record's life
//!
//! A transaction's commit puts new pages and page-tree groups into the
//! block overlay; the block's end puts its accounts' final records (by
//! address and by hash) and the account tree's new nodes beside them
//! (`global.rs`). Then, in the same atomic batch, this module:
//!
//! 1. counts the block's root in (`refs.rs`): the root gains a
//!    reference, and every record counted for the first time adds one to
//!    each record it names, down to the records already counted, so the
//!    walk costs what the block wrote. A pending record nothing counted (a
//!    version a later transaction of the block superseded) is left out of
//!    the batch: writes are per block.
//! 2. numbers the block (`b` ++ number → height and root, in
//!    `namespaces::BLOCKS`), and
//! 3. with [`Retention::Blocks`]`(n)`, prunes every block beyond the last
//!    `n`: its root loses its reference, and every record whose count
//!    reaches 0 is deleted with its count and takes one reference away
//!    from each record it names.
//!
//! ## Why nothing reachable is ever deleted
//!
//! Every counted record's count is the number of counted records that
//! name it plus the number of retained blocks whose root it is (checked
//! from scratch by [`Runtime::check_state_store`]). A record reachable
//! from a retained root therefore has a count of at least 1: its
//! retained root holds one, and each record on the path from the root
//! holds one on the next. Only a count of 0 deletes, and the increments of
//! a block are applied before its decrements. The counts change in memory
//! and reach the store in the block's one atomic batch, with the records
//! and the head, so a crash leaves the counts of the block before or after,
//! never between (`runtime/tests/pruning_kill.rs`). Records are checked
//! against their hash before their children are believed, so a damaged
//! record stops pruning with [`RuntimeError::Corrupt`] instead of
//! deleting what it seems to name.
//!
//! ## Archive stores
//!
//! [`Retention::Archive`] on a store that has never counted keeps
//! everything and counts nothing (no cost per block). A store that counts
//! keeps counting whatever the configuration says (archive then means
//! "never prune"), because a block that did not count would leave counts
//! too low. An archive store starts counting when it is opened with a
//! retention or pruned with [`Runtime::prune`]: its latest root is counted
//! in then (a walk over the whole state, once), and the roots before it
//! are not retained. Their records stay in the store, unreferenced
//! (`StoreCheck::unreferenced` counts them).

mod cache;
mod check;
mod records;
mod refs;

use std::num::NonZeroU64;

use parity_scale_codec::{Decode, DecodeAll, Encode};
use strata_kv::{KvStore, WriteBatch};
use strata_primitives::{Hash32, namespaces};

pub(crate) use cache::{CacheUpdate, LifecycleCache};
pub use check::StoreCheck;
use records::Kind;
pub(crate) use records::counted;
use refs::Refs;

use crate::global::Head;
use crate::{Runtime, RuntimeError};

/// How many block roots a store keeps ([`RuntimeConfig::state_retention`]).
///
/// [`RuntimeConfig::state_retention`]: crate::RuntimeConfig::state_retention
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retention {
    /// Keep every block's state forever. On a store that has never
    /// counted references, nothing is counted either (no cost per block).
    Archive,
    /// Keep the states of the last `n` blocks (that changed the state);
    /// delete every record only older roots reach.
    Blocks(NonZeroU64),
}

/// The default retention: the last 128 blocks, the window geth keeps of
/// recent states. It covers any reorganisation a node should still
/// answer for (minutes of blocks on chains with seconds per block) and
/// light clients asking about the recent past; a node that must answer
/// for older states runs in archive mode.
pub const DEFAULT_RETAINED_BLOCKS: u64 = 128;

impl Default for Retention {
    fn default() -> Self {
        match NonZeroU64::new(DEFAULT_RETAINED_BLOCKS) {
            Some(n) => Retention::Blocks(n),
            None => Retention::Archive,
        }
    }
}

/// A block whose state the store keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct RetainedBlock {
    /// The block's number among the blocks this store counted (0 for the
    /// first; blocks that changed nothing are not numbered).
    pub number: u64,
    /// The height the block ran at.
    pub height: u64,
    /// Its state root ([`Head::state_root`]).
    pub state_root: Hash32,
}

/// What [`Runtime::state_retention`] tells of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionInfo {
    /// The runtime's configured retention.
    pub retention: Retention,
    /// Whether the store counts references (it can prune).
    pub counting: bool,
    /// The oldest retained block, if the store counts.
    pub oldest: Option<RetainedBlock>,
    /// The newest retained block, if the store counts.
    pub newest: Option<RetainedBlock>,
    /// How many blocks were pruned.
    pub pruned: u64,
}

/// What [`Runtime::prune`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PruneReport {
    /// Blocks whose roots left the store.
    pub blocks_pruned: u64,
    /// Records deleted.
    pub records_deleted: u64,
    /// The oldest block retained now.
    pub oldest: Option<RetainedBlock>,
}

/// The counters of the retention (`BLOCKS`/`lifecycle`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub(crate) struct LifecycleState {
    /// The number the next block gets.
    next: u64,
    /// The oldest retained block's number (`next` when none is).
    oldest: u64,
}

pub(crate) const LIFECYCLE: &[u8] = b"lifecycle";

fn block_key(number: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = b'b';
    k[1..].copy_from_slice(&number.to_be_bytes());
    k
}

fn root_key(root: &Hash32, number: u64) -> [u8; 41] {
    let mut k = [0u8; 41];
    k[0] = b'r';
    k[1..33].copy_from_slice(root);
    k[33..].copy_from_slice(&number.to_be_bytes());
    k
}

fn corrupt(key: &str, detail: String) -> RuntimeError {
    RuntimeError::Corrupt {
        what: "state retention",
        key: key.into(),
        detail,
    }
}

fn read_state(kv: &impl KvStore) -> Result<Option<LifecycleState>, RuntimeError> {
    decode_state(kv.get(namespaces::BLOCKS, LIFECYCLE)?)
}

fn decode_state(bytes: Option<impl AsRef<[u8]>>) -> Result<Option<LifecycleState>, RuntimeError> {
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    let s = LifecycleState::decode_all(&mut bytes.as_ref())
        .map_err(|e| corrupt("lifecycle", e.to_string()))?;
    if s.oldest > s.next {
        return Err(corrupt(
            "lifecycle",
            format!("oldest block {} is after the next {}", s.oldest, s.next),
        ));
    }
    Ok(Some(s))
}

fn block_entry(kv: &impl KvStore, number: u64) -> Result<Option<RetainedBlock>, RuntimeError> {
    let Some(bytes) = kv.get(namespaces::BLOCKS, &block_key(number))? else {
        return Ok(None);
    };
    let b = RetainedBlock::decode_all(&mut &bytes[..])
        .map_err(|e| corrupt(&format!("block {number}"), e.to_string()))?;
    if b.number != number {
        return Err(corrupt(
            &format!("block {number}"),
            format!("it says it is block {}", b.number),
        ));
    }
    Ok(Some(b))
}

fn put_block(batch: &mut WriteBatch, b: &RetainedBlock) {
    batch.put(namespaces::BLOCKS, block_key(b.number), b.encode());
    batch.put(
        namespaces::BLOCKS,
        root_key(&b.state_root, b.number),
        Vec::new(),
    );
}

/// The retention's counters if blocks on a store whose counters record is
/// `record` count references under `retention` (a store that starts
/// counting starts at 0), else `None`.
pub(crate) fn counting(
    record: Option<impl AsRef<[u8]>>,
    retention: Retention,
) -> Result<Option<LifecycleState>, RuntimeError> {
    Ok(match decode_state(record)? {
        Some(s) => Some(s),
        None if retention != Retention::Archive => Some(LifecycleState::default()),
        None => None,
    })
}

/// A retained block's entry, remembered or read.
fn block_at(
    kv: &impl KvStore,
    cache: &mut cache::Inner,
    number: u64,
) -> Result<Option<RetainedBlock>, RuntimeError> {
    if let Some(b) = cache.blocks.get(&number) {
        return Ok(Some(*b));
    }
    block_entry(kv, number)
}

/// What the records a counting block writes keep: see
/// [`Refs::keeps`](refs::Refs::keeps).
pub(crate) struct Kept(hashbrown::HashSet<Hash32>);

impl Kept {
    /// Whether a pending put of `key` in `ns` is written.
    pub(crate) fn keeps(&self, ns: strata_kv::Namespace, key: &[u8]) -> bool {
        !counted(ns) || <Hash32>::try_from(key).is_ok_and(|h| self.0.contains(&h))
    }
}

/// Counts a block that wrote `head` in, numbers it and prunes what
/// `retention` no longer keeps, all into `last` (the block's batch; `kv`
/// is the store as the block sees it, its overlay included, and `state`
/// its counters from [`counting`]). Returns what the pending records keep,
/// and what the cache learns once `last` is written.
pub(crate) fn commit_block<K: KvStore>(
    kv: &K,
    cache: &LifecycleCache,
    mut state: LifecycleState,
    retention: Retention,
    head: &Head,
    last: &mut WriteBatch,
) -> Result<(Kept, CacheUpdate), RuntimeError> {
    let mut cache = cache.lock();
    cache.validate((state.next, state.oldest));
    let block = RetainedBlock {
        number: state.next,
        height: head.height,
        state_root: head.state_root,
    };
    put_block(last, &block);
    state.next = state.next.checked_add(1).ok_or_else(|| {
        corrupt(
            "lifecycle",
            "the block counter is at its largest value".into(),
        )
    })?;
    let mut pruned = Vec::new();
    let mut refs = Refs::new(kv, &mut cache, last);
    refs.inc(head.state_root, Kind::AccountNode)?;
    if let Retention::Blocks(n) = retention {
        pruned = prune_to(&mut refs, &mut state, n.get(), last)?;
    }
    last.put(namespaces::BLOCKS, LIFECYCLE, state.encode());
    let (kept, mut update) = refs.finish(last);
    update.at = (state.next, state.oldest);
    update.added.push(block);
    update.pruned = pruned;
    Ok((kept, update))
}

/// Prunes the oldest blocks until `keep` are retained; returns their
/// numbers.
fn prune_to<K: KvStore>(
    refs: &mut Refs<'_, K>,
    state: &mut LifecycleState,
    keep: u64,
    last: &mut WriteBatch,
) -> Result<Vec<u64>, RuntimeError> {
    let mut pruned = Vec::new();
    while state.next - state.oldest > keep {
        let number = state.oldest;
        let b = refs.block(number)?.ok_or_else(|| {
            corrupt(
                &format!("block {number}"),
                "a retained block has no record".into(),
            )
        })?;
        refs.dec(b.state_root)?;
        last.delete(namespaces::BLOCKS, block_key(number));
        last.delete(namespaces::BLOCKS, root_key(&b.state_root, number));
        state.oldest += 1;
        pruned.push(number);
    }
    Ok(pruned)
}

impl<K: KvStore + 'static> Runtime<K> {
    /// Prunes the store to its last `keep` blocks now, in one atomic
    /// batch, whatever the configured retention (later blocks prune to
    /// that again). An archive store that never counted starts counting:
    /// its latest state is counted in (a walk over the whole state, once)
    /// and becomes its only retained block. While a started transaction is
    /// in flight, this is [`RuntimeError::Busy`].
    pub fn prune(&self, keep: NonZeroU64) -> Result<PruneReport, RuntimeError> {
        let _gate = self.shared.enter()?;
        let _exec = crate::lock(&self.shared.exec);
        let kv = self.shared.kv.base();
        let mut last = WriteBatch::new();
        let (mut state, start) = match read_state(kv)? {
            Some(s) => (s, None),
            None => match crate::global::head(kv)? {
                Some(head) => (LifecycleState::default(), Some(head)),
                None => {
                    return Ok(PruneReport {
                        blocks_pruned: 0,
                        records_deleted: 0,
                        oldest: None,
                    });
                }
            },
        };
        let mut cache = self.shared.lifecycle.lock();
        cache.validate((state.next, state.oldest));
        let mut added = Vec::new();
        if let Some(head) = start {
            // Counting starts: the latest root is the first retained block.
            let b = RetainedBlock {
                number: 0,
                height: head.height,
                state_root: head.state_root,
            };
            put_block(&mut last, &b);
            added.push(b);
            state.next = 1;
        }
        let mut refs = Refs::new(kv, &mut cache, &last);
        if let Some(head) = start {
            refs.inc(head.state_root, Kind::AccountNode)?;
        }
        let pruned = prune_to(&mut refs, &mut state, keep.get(), &mut last)?;
        let records_deleted = refs.freed();
        last.put(namespaces::BLOCKS, LIFECYCLE, state.encode());
        let (_kept, mut update) = refs.finish(&mut last);
        update.at = (state.next, state.oldest);
        update.added = added;
        let blocks_pruned = pruned.len() as u64;
        update.pruned = pruned;
        match kv.write(last) {
            Ok(()) => cache.apply(update),
            Err(e) => {
                cache.clear();
                return Err(e.into());
            }
        }
        drop(cache);
        Ok(PruneReport {
            blocks_pruned,
            records_deleted,
            oldest: block_entry(kv, state.oldest)?,
        })
    }

    /// The configured retention, and which blocks the store keeps.
    pub fn state_retention(&self) -> Result<RetentionInfo, RuntimeError> {
        let kv = self.shared.kv.base();
        let retention = self.shared.config.state_retention;
        let Some(s) = read_state(kv)? else {
            return Ok(RetentionInfo {
                retention,
                counting: false,
                oldest: None,
                newest: None,
                pruned: 0,
            });
        };
        let (oldest, newest) = if s.next > s.oldest {
            (block_entry(kv, s.oldest)?, block_entry(kv, s.next - 1)?)
        } else {
            (None, None)
        };
        Ok(RetentionInfo {
            retention,
            counting: true,
            oldest,
            newest,
            pruned: s.oldest,
        })
    }

    /// The retained blocks, oldest first (none on a store that does not
    /// count: it keeps every root, but does not number them).
    pub fn retained_blocks(&self) -> Result<Vec<RetainedBlock>, RuntimeError> {
        let kv = self.shared.kv.base();
        let Some(s) = read_state(kv)? else {
            return Ok(Vec::new());
        };
        (s.oldest..s.next)
            .map(|n| {
                block_entry(kv, n)?.ok_or_else(|| {
                    corrupt(
                        &format!("block {n}"),
                        "a retained block has no record".into(),
                    )
                })
            })
            .collect()
    }
}

/// Whether `root` may be opened: `Ok` when the store keeps it (or does
/// not count, and so keeps every root it has), else the typed error.
pub(crate) fn check_retained(kv: &impl KvStore, root: &Hash32) -> Result<bool, RuntimeError> {
    let Some(s) = read_state(kv)? else {
        return Ok(false);
    };
    let mut prefix = [0u8; 33];
    prefix[0] = b'r';
    prefix[1..].copy_from_slice(root);
    let mut found = false;
    kv.scan(namespaces::BLOCKS, &prefix, &mut |_, _| {
        found = true;
        std::ops::ControlFlow::Break(())
    })?;
    if found {
        return Ok(true);
    }
    // Nothing pruned yet: every root of a block this store counted is
    // retained, so the root is unknown.
    match block_entry(kv, s.oldest)? {
        Some(oldest) if s.oldest > 0 => Err(RuntimeError::Pruned {
            root: *root,
            oldest_height: oldest.height,
            oldest_root: oldest.state_root,
        }),
        _ => Err(RuntimeError::UnknownRoot(*root)),
    }
}
