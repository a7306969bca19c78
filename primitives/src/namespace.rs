//! Namespaces of a store, and the registry of the ones Strata uses.

use std::fmt;

/// A namespace: a one-byte tag that keeps several kinds of records apart in
/// one store.
///
/// Stored keys are `tag ++ key`. Because every tag is exactly one byte, keys
/// of two namespaces can neither collide nor prefix one another. The tags
/// Strata's own layers use are listed in [`namespaces`]; embedders that
/// share a store should pick tags at or above [`Namespace::FIRST_EMBEDDER`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Namespace(u8);

impl Namespace {
    /// The first tag that Strata's own crates never use: tags from here to
    /// 255 are free for embedders.
    pub const FIRST_EMBEDDER: u8 = 128;

    /// The namespace with this tag.
    pub const fn new(tag: u8) -> Self {
        Namespace(tag)
    }

    /// The one-byte tag of this namespace.
    pub const fn tag(self) -> u8 {
        self.0
    }
}

impl fmt::Debug for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Namespace({})", self.0)
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "namespace {}", self.0)
    }
}

/// The registry: every namespace Strata's own layers write, in one place so
/// that no two layers can take the same tag. All are below
/// [`Namespace::FIRST_EMBEDDER`]. (The kv store's format marker lives under
/// the empty key, outside every namespace.)
pub mod namespaces {
    use super::Namespace;

    /// Page contents (`strata-pages`): page hash → the page's bytes without
    /// trailing zeros. The zero page is never stored.
    pub const PAGES: Namespace = Namespace::new(1);
    /// Inner Merkle nodes (`strata-pages`): node hash → left child hash ++
    /// right child hash (64 bytes). All-zero subtrees are never stored.
    pub const NODES: Namespace = Namespace::new(2);
    /// Committed state roots (`strata-pages`): state root → page count (u32
    /// LE) ++ tree root (32 bytes). Written only by page caches with root
    /// records on (the runtime keeps both in its account records instead).
    pub const ROOTS: Namespace = Namespace::new(3);
    /// Account records (`strata-runtime`): address → checksummed
    /// SCALE-encoded account.
    pub const ACCOUNTS: Namespace = Namespace::new(16);
    /// Contract code (`strata-runtime`): code hash → wasm bytes.
    pub const CODE: Namespace = Namespace::new(17);
    /// Account-tree nodes (`strata-state`): node hash → the node (a leaf's
    /// key and record hash, or an inner node's two children).
    pub const ACCOUNT_NODES: Namespace = Namespace::new(18);
    /// Blocks (`strata-runtime`): `head` → the latest block's height and
    /// state root (SCALE);
    /// `events` → how far the event index's expiry got (SCALE);
    /// `lifecycle` → the state retention's counters (SCALE), `b` ++ block
    /// number (u64 big-endian) → a retained block's height and root, and
    /// `r` ++ root ++ block number → nothing (the retained blocks by root).
    pub const BLOCKS: Namespace = Namespace::new(19);
    /// The event index by contract (`strata-runtime`): contract (20 bytes)
    /// ++ height (u64 big-endian) ++ sequence number (u64 big-endian) → the
    /// event's transaction and event positions, topics and data (SCALE).
    /// Entries expire with the event retention.
    pub const EVENTS: Namespace = Namespace::new(20);
    /// The event index by topic (`strata-runtime`): contract (20 bytes) ++
    /// topic (32 bytes) ++ height ++ sequence number → nothing: the key
    /// names the [`EVENTS`] record.
    pub const EVENT_TOPICS: Namespace = Namespace::new(21);
    /// The event index's expiry index (`strata-runtime`): height ++
    /// sequence number → the event's contract and distinct topics (SCALE),
    /// all that names its other entries, so that expiring a height visits
    /// only what expires.
    pub const EVENT_EXPIRY: Namespace = Namespace::new(22);

    /// Account records by content (`strata-runtime`): record hash (the
    /// account tree's leaf value) → the record, as under [`ACCOUNTS`]. Every
    /// block writes the final record of each account it changed, so any
    /// block root opens (`Runtime::snapshot`), not only the latest.
    pub const ACCOUNT_RECORDS: Namespace = Namespace::new(23);

    /// Reference counts of the content-addressed records (`strata-runtime`,
    /// state pruning): record hash → the namespace tag of the record (one
    /// byte) ++ how many stored records and retained block roots name it
    /// (u32 little-endian). A record whose count reaches 0 is deleted with
    /// its count.
    pub const REFS: Namespace = Namespace::new(24);
    /// Contract map nodes (`strata-maps`): node hash → the node's record
    /// (a tag byte, then an inner node's two children or a leaf's value
    /// kind, key and value). Content-addressed like pages; the roots of a
    /// contract's top-level maps are listed in its account record, and
    /// `strata_maps::children` names a record's children from its bytes.
    pub const MAP_NODES: Namespace = Namespace::new(25);

    /// Every registered namespace with a short name, in tag order.
    pub const ALL: [(Namespace, &str); 13] = [
        (PAGES, "pages"),
        (NODES, "nodes"),
        (ROOTS, "roots"),
        (ACCOUNTS, "accounts"),
        (CODE, "code"),
        (ACCOUNT_NODES, "account nodes"),
        (BLOCKS, "blocks"),
        (EVENTS, "events"),
        (EVENT_TOPICS, "event topics"),
        (EVENT_EXPIRY, "event expiry"),
        (ACCOUNT_RECORDS, "account records"),
        (REFS, "reference counts"),
        (MAP_NODES, "map nodes"),
    ];

    /// The name of a registered namespace.
    pub fn name(ns: Namespace) -> Option<&'static str> {
        ALL.iter().find(|(n, _)| *n == ns).map(|(_, name)| *name)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn tags_are_unique_ordered_and_below_the_embedders() {
            for pair in ALL.windows(2) {
                assert!(pair[0].0.tag() < pair[1].0.tag(), "{pair:?}");
            }
            for (ns, name) in ALL {
                assert!(ns.tag() < Namespace::FIRST_EMBEDDER, "{name}");
                assert_eq!(super::name(ns), Some(name));
            }
            assert_eq!(super::name(Namespace::new(200)), None);
        }
    }
}
