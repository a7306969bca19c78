//! The event index: the events of successful transactions, by contract and
//! by topic, kept for a window of blocks.
//!
//! A node answers "the events of contract A (with topic T) since block H"
//! from the store, without re-executing. Every block that ends in the
//! store adds the events of its successful transactions' receipts (a failed
//! transaction's events are in no receipt; a failed or dropped block writes
//! nothing) and deletes the entries that left the retention window
//! ([`RuntimeConfig::event_retention_blocks`]), in its own atomic batch.
//!
//! ## Records
//!
//! An event gets a *sequence number* (the store's count of indexed events,
//! u64 big-endian), so that its keys are unique even when an embedder runs
//! several blocks at one height (the CLI does). With `height` as u64
//! big-endian:
//!
//! - `EVENTS`: contract ++ height ++ sequence → [`StoredEvent`] (the
//!   transaction's position in its block, the event's in its receipt, the
//!   topics and the data);
//! - `EVENT_TOPICS`: contract ++ topic ++ height ++ sequence → nothing (one
//!   per distinct topic of the event; the key names the `EVENTS` record);
//! - `EVENT_EXPIRY`: height ++ sequence → the contract and distinct
//!   topics, which name the two others, so expiry visits only what expires
//!   (`expiry.rs`, the seam state pruning can reuse);
//! - `BLOCKS`/`events` → [`IndexState`]: the next sequence number, how far
//!   expiry got, the lowest and highest heights indexed, the number of
//!   events kept.
//!
//! Queries are prefix scans: by contract (`EVENTS`, contract) or by topic
//! (`EVENT_TOPICS`, contract ++ topic), in height order, skipping heights
//! below the one asked for.
//!
//! [`RuntimeConfig::event_retention_blocks`]: crate::RuntimeConfig::event_retention_blocks

use parity_scale_codec::{Decode, DecodeAll, Encode};
use strata_kv::{KvStore, WriteBatch};
use strata_primitives::{Address, hex, namespaces};

use crate::expiry;
use crate::{Event, RuntimeError};

/// The key of the index's state in `namespaces::BLOCKS`.
pub(crate) const STATE_KEY: &[u8] = b"events";

/// An event as the index returns it: where it was emitted, its topics and
/// its data.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct IndexedEvent {
    /// The height of its block.
    pub height: u64,
    /// Its transaction's position in the block (0 for the first; refused
    /// and failed transactions count).
    pub tx_index: u32,
    /// Its position among the events of its transaction's receipt.
    pub event_index: u32,
    /// Its topics, as emitted.
    pub topics: Vec<[u8; 32]>,
    /// Its data.
    pub data: Vec<u8>,
}

/// What the event index holds and keeps, for `strata info` and the like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct EventIndexInfo {
    /// The configured retention, in blocks (`None`: forever).
    pub retention_blocks: Option<u64>,
    /// Events of blocks below this height have been deleted (0 while none
    /// has expired). A block at a lower height indexes nothing.
    pub expired_below: u64,
    /// The lowest height whose events are kept, if any event is kept.
    pub oldest: Option<u64>,
    /// The highest height any block indexed events at, if any did.
    pub newest: Option<u64>,
    /// How many events are kept.
    pub events: u64,
}

/// The index's stored state (`BLOCKS`/`events`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub(crate) struct IndexState {
    /// The sequence number of the next event indexed.
    next_seq: u64,
    /// Every event below this height has been deleted.
    expired_below: u64,
    /// The lowest height with an event kept.
    oldest: Option<u64>,
    /// The highest height events were indexed at.
    newest: Option<u64>,
    /// The number of events kept.
    events: u64,
}

/// An `EVENTS` record.
#[derive(Encode, Decode)]
struct StoredEvent {
    tx_index: u32,
    event_index: u32,
    topics: Vec<[u8; 32]>,
    data: Vec<u8>,
}

/// An `EVENT_EXPIRY` record: what names the event's other entries.
#[derive(Encode, Decode)]
struct ExpiryEntry {
    contract: Address,
    /// Distinct, sorted.
    topics: Vec<[u8; 32]>,
}

fn corrupt(what: &'static str, key: &[u8], detail: impl Into<String>) -> RuntimeError {
    RuntimeError::Corrupt {
        what,
        key: hex::encode(key),
        detail: detail.into(),
    }
}

/// The stored state, or the empty one before the first event.
fn state(kv: &(impl KvStore + ?Sized)) -> Result<IndexState, RuntimeError> {
    decode_state(kv.get(namespaces::BLOCKS, STATE_KEY)?)
}

fn decode_state(bytes: Option<impl AsRef<[u8]>>) -> Result<IndexState, RuntimeError> {
    match bytes {
        None => Ok(IndexState::default()),
        Some(bytes) => {
            IndexState::decode_all(&mut bytes.as_ref()).map_err(|e| RuntimeError::Corrupt {
                what: "event index state",
                key: "events".into(),
                detail: e.to_string(),
            })
        }
    }
}

/// The suffix of every key of one event: height ++ sequence number.
fn position(height: u64, seq: u64) -> [u8; 16] {
    let mut p = [0u8; 16];
    p[..8].copy_from_slice(&height.to_be_bytes());
    p[8..].copy_from_slice(&seq.to_be_bytes());
    p
}

fn event_key(contract: &Address, position: &[u8]) -> Vec<u8> {
    [&contract.0[..], position].concat()
}

fn topic_key(contract: &Address, topic: &[u8; 32], position: &[u8]) -> Vec<u8> {
    [&contract.0[..], &topic[..], position].concat()
}

/// Adds to `batch` the events of a block at `height` (each successful
/// transaction's position in the block and its receipt's events) and the
/// deletion of every entry that left the retention window, with the
/// index's new state. Adds nothing when nothing changes. `state` is the
/// index's state record and `kv` the store as they were before the block:
/// the index is only ever written by this, in a block's final batch.
pub(crate) fn index_block<K: KvStore>(
    kv: &K,
    state: Option<impl AsRef<[u8]>>,
    retention: Option<u64>,
    height: u64,
    events: &[(u32, Vec<Event>)],
    batch: &mut WriteBatch,
) -> Result<(), RuntimeError> {
    let any = events.iter().any(|(_, e)| !e.is_empty());
    if !any && retention.is_none() {
        return Ok(());
    }
    let before = decode_state(state)?;
    let mut now = before;
    // The window at this height: heights from `cutoff` on are kept.
    let cutoff = retention.map_or(0, |n| height.saturating_add(1).saturating_sub(n));
    if before.oldest.is_some_and(|oldest| oldest < cutoff) {
        let expired = expiry::expire(
            kv,
            namespaces::EVENT_EXPIRY,
            "event expiry",
            cutoff,
            batch,
            |key, value, batch| {
                if key.len() != 16 {
                    return Err(corrupt(
                        "event expiry",
                        key,
                        "the key is not a height and a sequence number",
                    ));
                }
                let entry = ExpiryEntry::decode_all(&mut &value[..]).map_err(|e| {
                    corrupt("event expiry", key, format!("it does not decode: {e}"))
                })?;
                let position = key;
                batch.delete(namespaces::EVENTS, event_key(&entry.contract, position));
                for topic in &entry.topics {
                    batch.delete(
                        namespaces::EVENT_TOPICS,
                        topic_key(&entry.contract, topic, position),
                    );
                }
                Ok(())
            },
        )?;
        now.oldest = expired.next;
        now.events = now.events.saturating_sub(expired.records);
        now.expired_below = now.expired_below.max(cutoff);
    }
    // A block below what expired (a height that went back) indexes
    // nothing. (`expired_below` moves only when a block writes to the
    // index, so that a block with nothing to add or expire writes nothing.)
    if any && height >= now.expired_below.max(cutoff) {
        now.expired_below = now.expired_below.max(cutoff);
        for (tx_index, tx_events) in events {
            for (event_index, event) in tx_events.iter().enumerate() {
                let position = position(height, now.next_seq);
                now.next_seq = now.next_seq.saturating_add(1);
                now.events = now.events.saturating_add(1);
                let mut topics = event.topics.clone();
                topics.sort_unstable();
                topics.dedup();
                for topic in &topics {
                    batch.put(
                        namespaces::EVENT_TOPICS,
                        topic_key(&event.contract, topic, &position),
                        Vec::new(),
                    );
                }
                let stored = StoredEvent {
                    tx_index: *tx_index,
                    event_index: u32::try_from(event_index).unwrap_or(u32::MAX),
                    topics: event.topics.clone(),
                    data: event.data.clone(),
                };
                batch.put(
                    namespaces::EVENTS,
                    event_key(&event.contract, &position),
                    stored.encode(),
                );
                let entry = ExpiryEntry {
                    contract: event.contract,
                    topics,
                };
                batch.put(namespaces::EVENT_EXPIRY, position, entry.encode());
            }
        }
        now.oldest = Some(now.oldest.map_or(height, |o| o.min(height)));
        now.newest = Some(now.newest.map_or(height, |n| n.max(height)));
    }
    if now != before {
        batch.put(namespaces::BLOCKS, STATE_KEY, now.encode());
    }
    Ok(())
}

/// The events of `contract` (with `topic` among their topics, if given)
/// from blocks at `from_height` and above, in height order (and in the
/// order they were indexed within a height).
pub(crate) fn query<K: KvStore + ?Sized>(
    kv: &K,
    contract: &Address,
    topic: Option<&[u8; 32]>,
    from_height: u64,
) -> Result<Vec<IndexedEvent>, RuntimeError> {
    // Keys whose event is at or above `from_height`: (height, the EVENTS
    // key, its value if read in the same scan).
    let mut found: Vec<(u64, Vec<u8>, Option<Vec<u8>>)> = Vec::new();
    let mut failed = None;
    let (ns, prefix, what) = match topic {
        None => (namespaces::EVENTS, contract.0.to_vec(), "event"),
        Some(t) => (
            namespaces::EVENT_TOPICS,
            [&contract.0[..], &t[..]].concat(),
            "event topic",
        ),
    };
    kv.scan(ns, &prefix, &mut |key, value| {
        let position = &key[prefix.len().min(key.len())..];
        match expiry::height_of(what, position) {
            Ok(height) if height < from_height => {}
            Ok(height) if position.len() == 16 => {
                let value = topic.is_none().then(|| value.to_vec());
                found.push((height, event_key(contract, position), value));
            }
            Ok(_) => {
                failed = Some(corrupt(
                    what,
                    key,
                    "the key does not end in a height and a sequence number",
                ));
                return std::ops::ControlFlow::Break(());
            }
            Err(_) => {
                failed = Some(corrupt(what, key, "the key is too short"));
                return std::ops::ControlFlow::Break(());
            }
        }
        std::ops::ControlFlow::Continue(())
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    // Keys of the same height sort by sequence number: the order indexed.
    let mut out = Vec::with_capacity(found.len());
    for (height, key, value) in found {
        let value = match value {
            Some(v) => v,
            None => kv
                .get(namespaces::EVENTS, &key)?
                .ok_or_else(|| {
                    corrupt(
                        "event",
                        &key,
                        "a topic entry names it, but it is not in the store",
                    )
                })?
                .to_vec(),
        };
        let stored = StoredEvent::decode_all(&mut &value[..])
            .map_err(|e| corrupt("event", &key, format!("it does not decode: {e}")))?;
        out.push(IndexedEvent {
            height,
            tx_index: stored.tx_index,
            event_index: stored.event_index,
            topics: stored.topics,
            data: stored.data,
        });
    }
    Ok(out)
}

/// What the index holds, with the configured retention.
pub(crate) fn info<K: KvStore + ?Sized>(
    kv: &K,
    retention: Option<u64>,
) -> Result<EventIndexInfo, RuntimeError> {
    let s = state(kv)?;
    Ok(EventIndexInfo {
        retention_blocks: retention,
        expired_below: s.expired_below,
        oldest: s.oldest,
        newest: s.newest,
        events: s.events,
    })
}
