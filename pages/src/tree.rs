//! The Merkle tree over a contract's pages: hashing rules, the constant
//! hashes of all-zero subtrees, and proofs.
//!
//! ## Hashing rules (all blake3, each kind under its own key)
//!
//! Each is a `strata_primitives::Domain` (the one hashing API, with the
//! known-answer vectors):
//!
//! - leaf (page hash): `keyed_H(K_leaf, page bytes without their trailing
//!   zeros)`, blake3's keyed mode with `K_leaf = H("strata/page-leaf/v2")`.
//!   Every page is [`PAGE_SIZE`] bytes, so dropping its trailing zeros is
//!   one-to-one and the hash still names exactly one page; what it buys is
//!   that hashing costs what the page holds (a counter's page is one blake3
//!   compression, not four 1 KiB chunks), and that the stored record is
//!   exactly the hashed bytes.
//! - inner node: `keyed_H(K_node, left ++ right)`, `K_node = H("strata/tree-node/v1")`
//! - state root: `keyed_H(K_root, page_count as u32 little-endian ++ tree root)`,
//!   `K_root = H("strata/state-root/v1")`
//!
//! The tree over `n` pages has depth `d = ceil(log2(n))` (0 for `n <= 1`) and
//! `2^d` leaves; leaves at and beyond `n` are zero pages. One key per kind
//! keeps a page from ever passing for an inner node and the other way round,
//! and keeps inner nodes aligned to blake3's blocks: a node is exactly one
//! 64-byte compression.
//!
//! ## Storage
//!
//! Pages are stored under their hash in `NS_PAGES`, without their trailing
//! zeros (the fixed page size restores them). Inner nodes are stored
//! [`GROUP_HEIGHT`] levels at a time: the record of a group is the bottom
//! row of its subtree (16 hashes, fewer for a short top group) under the
//! group's root hash in `NS_NODES`. Groups are aligned from the leaves up,
//! and a group's height follows from its root's height, so every record has
//! one meaning. The state root record (`NS_ROOTS`) holds the page count and
//! the tree root; a cache configured without root records
//! (`PageCacheConfig::root_records`) leaves it to its caller to keep those
//! two, and reopens with `PageCache::open_at`. The hashing rules above are independent of this layout:
//! proofs and roots are those of the plain binary tree.

use std::sync::{Arc, OnceLock};

use hashbrown::HashMap;
use parity_scale_codec::{Decode, Encode};
use smallvec::SmallVec;
use strata_kv::{KvStore, WriteBatch};

use strata_primitives::Domain;

use crate::{
    Hash32, NS_NODES, NS_PAGES, NS_ROOTS, PAGE_SIZE, Page, PageError, PageHash, StateRoot,
    ZERO_PAGE,
};

/// The most levels a tree can have: page counts are `u32`.
pub const MAX_DEPTH: u32 = 32;

/// The hash of one page (a Merkle leaf): of its bytes without their
/// trailing zeros. `page` is a page's bytes, or any prefix of them that
/// holds every non-zero byte (a stored record): both hash the same.
pub fn page_hash(page: &[u8]) -> PageHash {
    used_page_hash(&page[..used_len(page)])
}

/// [`page_hash`] of bytes already without trailing zeros.
pub(crate) fn used_page_hash(used: &[u8]) -> PageHash {
    debug_assert_eq!(used_len(used), used.len());
    PageHash(Domain::PageLeaf.hash(used))
}

/// The hash of an inner node from its children ([`Domain::TreeNode`]):
/// keyed blake3 over exactly 64 bytes, a single compression (a tag byte
/// would make it two).
pub fn node_hash(left: &Hash32, right: &Hash32) -> Hash32 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left);
    buf[32..].copy_from_slice(right);
    Domain::TreeNode.hash(&buf)
}

/// The state root of a contract with `page_count` pages and this tree root
/// ([`Domain::StateRoot`]).
pub fn state_root(page_count: u32, tree_root: &Hash32) -> StateRoot {
    let mut buf = [0u8; 36];
    buf[..4].copy_from_slice(&page_count.to_le_bytes());
    buf[4..].copy_from_slice(tree_root);
    StateRoot(Domain::StateRoot.hash(&buf))
}

/// The depth of the tree over `page_count` pages: `ceil(log2(page_count))`,
/// and 0 for 0 or 1 page.
pub fn depth(page_count: u32) -> u32 {
    if page_count <= 1 {
        0
    } else {
        32 - (page_count - 1).leading_zeros()
    }
}

/// The hash of an all-zero subtree of height `level` (0: the zero page's
/// hash). Levels above [`MAX_DEPTH`] are clamped to it.
pub fn zero_hash(level: u32) -> Hash32 {
    static ZERO: OnceLock<[Hash32; MAX_DEPTH as usize + 1]> = OnceLock::new();
    let table = ZERO.get_or_init(|| {
        let mut t = [[0u8; 32]; MAX_DEPTH as usize + 1];
        t[0] = page_hash(&ZERO_PAGE).0;
        for i in 1..t.len() {
            t[i] = node_hash(&t[i - 1], &t[i - 1]);
        }
        t
    });
    table[level.min(MAX_DEPTH) as usize]
}

/// The state root of a fresh contract of `page_count` never-written pages,
/// computed in `O(log n)` without touching any page.
pub fn empty_root(page_count: u32) -> StateRoot {
    state_root(page_count, &zero_hash(depth(page_count)))
}

/// The record stored for each committed state root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RootRecord {
    pub page_count: u32,
    pub tree_root: Hash32,
}

impl RootRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(36);
        v.extend_from_slice(&self.page_count.to_le_bytes());
        v.extend_from_slice(&self.tree_root);
        v
    }

    pub fn put(&self, batch: &mut WriteBatch) -> StateRoot {
        let root = state_root(self.page_count, &self.tree_root);
        batch.put(NS_ROOTS, root.0, self.encode());
        root
    }

    /// Reads and checks the record of `root`.
    pub fn load(kv: &dyn KvStore, root: StateRoot) -> Result<Self, PageError> {
        let bytes = kv
            .get(NS_ROOTS, &root.0)?
            .ok_or(PageError::UnknownRoot { root })?;
        let corrupt = |detail: String| PageError::Corrupt {
            what: "root",
            key: root.0,
            detail,
        };
        if bytes.len() != 36 {
            return Err(corrupt(format!("{} bytes instead of 36", bytes.len())));
        }
        let mut count = [0u8; 4];
        count.copy_from_slice(&bytes[..4]);
        let mut tree_root = [0u8; 32];
        tree_root.copy_from_slice(&bytes[4..]);
        let rec = RootRecord {
            page_count: u32::from_le_bytes(count),
            tree_root,
        };
        if state_root(rec.page_count, &rec.tree_root) != root {
            return Err(corrupt("the record does not hash to its key".into()));
        }
        Ok(rec)
    }
}

/// Tree levels kept in one node record (a *group*, as Jellyfish's internal
/// nodes keep four levels of a binary tree): a commit of one page writes
/// `ceil(depth / 4)` node records instead of `depth`, and a cold read loads
/// as many.
pub const GROUP_HEIGHT: u32 = 4;

/// One group of the tree in memory, heap-indexed: slot 1 is the group's
/// root, the children of slot `s` are slots `2s` and `2s + 1`, and the
/// bottom of a group of height `h` is slots `2^h .. 2^(h+1)` (slot 0 is
/// unused). Groups are aligned from the leaves up: band `b` holds heights
/// `4b .. min(4b + 4, depth)`, so only the top band can be shorter.
pub(crate) type Group = [Hash32; 2 << GROUP_HEIGHT];

/// How many bands of groups a tree of `depth` has.
pub(crate) fn bands(depth: u32) -> u32 {
    depth.div_ceil(GROUP_HEIGHT)
}

/// The height of the roots of band `band`'s groups, and the groups' height.
pub(crate) fn band_geometry(depth: u32, band: u32) -> (u32, u32) {
    let bottom = band * GROUP_HEIGHT;
    let top = (bottom + GROUP_HEIGHT).min(depth);
    (top, top - bottom)
}

/// The slot, in its group of height `h`, of the bottom node whose index at
/// the group's bottom height is `below`.
pub(crate) fn bottom_slot(h: u32, below: u32) -> usize {
    (1usize << h) | (below as usize & ((1usize << h) - 1))
}

/// Loads the group whose root is `node` at height `top`, of height `h`
/// (`1..=GROUP_HEIGHT`), recomputing its inner nodes from the stored bottom
/// row and checking that they hash to `node`. All-zero groups need no
/// record.
///
/// The record of a group is its bottom row: `2^h` hashes, `32 << h` bytes,
/// stored in [`NS_NODES`] under the group's root hash.
pub(crate) fn load_group(
    kv: &dyn KvStore,
    root: StateRoot,
    node: &Hash32,
    top: u32,
    h: u32,
) -> Result<Box<Group>, PageError> {
    let mut group: Box<Group> = Box::new([[0; 32]; 2 << GROUP_HEIGHT]);
    let width = 1usize << h;
    if *node == zero_hash(top) {
        for level in 0..=h {
            let z = zero_hash(top - level);
            group[1 << level..2 << level].fill(z);
        }
        return Ok(group);
    }
    let bytes = kv
        .get(NS_NODES, node)?
        .ok_or(PageError::MissingNode { root, node: *node })?;
    let corrupt = |detail: String| PageError::Corrupt {
        what: "node",
        key: *node,
        detail,
    };
    if bytes.len() != 32 * width {
        return Err(corrupt(format!(
            "{} bytes instead of {} ({width} hashes)",
            bytes.len(),
            32 * width
        )));
    }
    for (slot, chunk) in group[width..2 * width]
        .iter_mut()
        .zip(bytes.chunks_exact(32))
    {
        slot.copy_from_slice(chunk);
    }
    for s in (1..width).rev() {
        group[s] = node_hash(&group[2 * s], &group[2 * s + 1]);
    }
    if group[1] != *node {
        return Err(corrupt("the stored hashes do not hash to the node".into()));
    }
    Ok(group)
}

/// Adds the record of `group` (height `h`, root at height `top`) to
/// `batch`, unless it is all zeros.
pub(crate) fn put_group(batch: &mut WriteBatch, group: &Group, top: u32, h: u32) {
    let root = group[1];
    if root != zero_hash(top) {
        let bottom = &group[1 << h..2 << h];
        batch.put(
            NS_NODES,
            root,
            bytes::Bytes::copy_from_slice(bottom.as_flattened()),
        );
    }
}

/// The record of a page: its first `used` bytes, those that remain without
/// its trailing zeros (which the fixed page size restores), so that a sparse
/// page (a counter, a few balances) costs the store what it holds, not 4 KiB
/// per version. The record is exactly what [`page_hash`] hashes. A full page
/// shares the page's buffer; a trimmed one is a copy of its prefix.
pub(crate) fn page_record(page: &Arc<Page>, used: usize) -> bytes::Bytes {
    debug_assert_eq!(used, used_len(&page[..]));
    if used == PAGE_SIZE {
        bytes::Bytes::from_owner(SharedPage(page.clone()))
    } else {
        bytes::Bytes::copy_from_slice(&page[..used])
    }
}

/// A shared page as the owner of a [`bytes::Bytes`].
struct SharedPage(Arc<Page>);

impl AsRef<[u8]> for SharedPage {
    fn as_ref(&self) -> &[u8] {
        &self.0[..]
    }
}

/// The shared all-zero page.
pub(crate) fn zero_page() -> Arc<Page> {
    static ZERO: OnceLock<Arc<Page>> = OnceLock::new();
    ZERO.get_or_init(|| Arc::new(ZERO_PAGE)).clone()
}

/// A page of the cache with a bound on its used length: every byte at or
/// past `bound` is zero, so that a commit looks for the last non-zero byte
/// below it instead of scanning the whole page.
#[derive(Clone, Debug)]
pub(crate) struct Bounded {
    /// The page's bytes, shared until written (copy on write).
    pub page: Arc<Page>,
    /// At most [`PAGE_SIZE`]; every byte from here on is zero.
    pub bound: u32,
}

impl Bounded {
    /// The page's used length (without trailing zeros), scanning only
    /// below the bound.
    pub fn used(&self) -> usize {
        let used = used_len(&self.page[..self.bound as usize]);
        debug_assert_eq!(
            used,
            used_len(&self.page[..]),
            "a page wrote past its bound"
        );
        used
    }
}

/// [`load_page`] into a shared page (the cache's form): one copy of the
/// record into a zeroed page, bounded by the record's length.
pub(crate) fn load_page_arc(
    kv: &dyn KvStore,
    root: StateRoot,
    index: u32,
    hash: PageHash,
) -> Result<Bounded, PageError> {
    if hash.0 == zero_hash(0) {
        return Ok(Bounded {
            page: zero_page(),
            bound: 0,
        });
    }
    let record = load_record(kv, root, index, hash)?;
    let mut page = Arc::new(ZERO_PAGE);
    // The page is not shared yet: `make_mut` copies nothing.
    Arc::make_mut(&mut page)[..record.len()].copy_from_slice(&record);
    Ok(Bounded {
        page,
        // A record is at most a page (`load_record` checks).
        bound: record.len() as u32,
    })
}

/// The length of `bytes` without its trailing zeros.
pub(crate) fn used_len(bytes: &[u8]) -> usize {
    // 64-byte blocks from the end, each an OR of four 128-bit words (a few
    // vector instructions); then 8-byte words, where the last non-zero byte
    // of the first non-zero word is found from its leading zeros (little
    // endian); then single bytes.
    let (_, blocks) = bytes.as_rchunks::<64>();
    let mut end = bytes.len();
    for block in blocks.iter().rev() {
        let (words, _) = block.as_chunks::<16>();
        if words
            .iter()
            .fold(0u128, |acc, w| acc | u128::from_ne_bytes(*w))
            != 0
        {
            break;
        }
        end -= 64;
    }
    let (_, words) = bytes[..end].as_rchunks::<8>();
    for word in words.iter().rev() {
        let w = u64::from_le_bytes(*word);
        if w != 0 {
            return end - (w.leading_zeros() / 8) as usize;
        }
        end -= 8;
    }
    while end > 0 && bytes[end - 1] == 0 {
        end -= 1;
    }
    end
}

/// Loads the bytes of page `index` whose hash is `hash`, checking them. The
/// zero page needs no record; a record shorter than a page is padded with
/// zeros (see [`page_record`]).
pub(crate) fn load_page(
    kv: &dyn KvStore,
    root: StateRoot,
    index: u32,
    hash: PageHash,
) -> Result<bytes::Bytes, PageError> {
    if hash.0 == zero_hash(0) {
        return Ok(bytes::Bytes::from_static(&ZERO_PAGE));
    }
    let record = load_record(kv, root, index, hash)?;
    if record.len() == PAGE_SIZE {
        return Ok(record);
    }
    let mut page = vec![0u8; PAGE_SIZE];
    page[..record.len()].copy_from_slice(&record);
    Ok(bytes::Bytes::from(page))
}

/// The stored record of a non-zero page, checked against its hash (which is
/// over the record itself: see [`page_hash`]).
fn load_record(
    kv: &dyn KvStore,
    root: StateRoot,
    index: u32,
    hash: PageHash,
) -> Result<bytes::Bytes, PageError> {
    let record = kv
        .get(NS_PAGES, &hash.0)?
        .ok_or(PageError::MissingPage { root, index, hash })?;
    if record.len() > PAGE_SIZE {
        return Err(PageError::Corrupt {
            what: "page",
            key: hash.0,
            detail: format!("{} bytes, more than a page ({PAGE_SIZE})", record.len()),
        });
    }
    if page_hash(&record) != hash {
        return Err(PageError::Corrupt {
            what: "page",
            key: hash.0,
            detail: "the bytes do not hash to the key".into(),
        });
    }
    Ok(record)
}

/// A Merkle proof that a page has given bytes under a state root.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MerkleProof {
    /// The contract's page count (bound into the state root).
    pub page_count: u32,
    /// Sibling hashes from the leaf's level up to just below the root.
    pub siblings: Vec<Hash32>,
}

/// The bytes of page `index` in the state `root`, with a proof that
/// [`verify`] checks without a store.
pub fn prove(
    kv: &dyn KvStore,
    root: StateRoot,
    index: u32,
) -> Result<(bytes::Bytes, MerkleProof), PageError> {
    let rec = RootRecord::load(kv, root)?;
    prove_at(kv, rec.page_count, rec.tree_root, index)
}

/// As [`prove`], for a state whose page count and tree root the caller
/// keeps itself (a cache configured without root records, as the runtime's
/// contracts are): the pair must make a state root, which the proof is
/// against.
pub fn prove_at(
    kv: &dyn KvStore,
    page_count: u32,
    tree_root: Hash32,
    index: u32,
) -> Result<(bytes::Bytes, MerkleProof), PageError> {
    let root = state_root(page_count, &tree_root);
    let rec = RootRecord {
        page_count,
        tree_root,
    };
    if index >= rec.page_count {
        return Err(PageError::PageOutOfRange {
            index,
            page_count: rec.page_count,
        });
    }
    let d = depth(rec.page_count);
    let mut siblings = Vec::with_capacity(d as usize);
    let mut node = rec.tree_root;
    for band in (0..bands(d)).rev() {
        let (top, h) = band_geometry(d, band);
        let group = load_group(kv, root, &node, top, h)?;
        // Down the group from its root: the sibling at each level.
        let mut slot = 1usize;
        for level in (top - h..top).rev() {
            slot = 2 * slot + ((index >> level) & 1) as usize;
            siblings.push(group[slot ^ 1]);
        }
        node = group[slot];
    }
    siblings.reverse();
    let page = load_page(kv, root, index, PageHash(node))?;
    Ok((
        page,
        MerkleProof {
            page_count: rec.page_count,
            siblings,
        },
    ))
}

/// Whether `proof` shows that page `index` holds `bytes` in the state `root`.
/// Needs no store. False for a page of the wrong size, an index outside the
/// proof's page count, a proof of the wrong length, and any tampering.
pub fn verify(root: &StateRoot, index: u32, bytes: &[u8], proof: &MerkleProof) -> bool {
    if bytes.len() != PAGE_SIZE
        || index >= proof.page_count
        || proof.siblings.len() != depth(proof.page_count) as usize
    {
        return false;
    }
    let mut node = page_hash(bytes).0;
    for (level, sibling) in proof.siblings.iter().enumerate() {
        node = if (index >> level) & 1 == 0 {
            node_hash(&node, sibling)
        } else {
            node_hash(sibling, &node)
        };
    }
    state_root(proof.page_count, &node) == *root
}

/// Reads one page of a committed state straight from the store, without a
/// cache: `O(log n)` node reads (one per [`GROUP_HEIGHT`] levels).
pub fn read_page(kv: &dyn KvStore, root: StateRoot, index: u32) -> Result<Page, PageError> {
    let (bytes, _) = prove(kv, root, index)?;
    let mut page = [0u8; PAGE_SIZE];
    page.copy_from_slice(&bytes);
    Ok(page)
}

/// Per dirty page, as a commit hashes it: index, hash, bytes used, changed.
/// Inline for the common few pages, so a small commit allocates nothing.
pub(crate) type Hashed = SmallVec<[(u32, Hash32, usize, bool); 4]>;

/// What [`update_paths`] did.
pub(crate) struct PathUpdate {
    /// The new tree root.
    pub tree_root: Hash32,
    /// Pages whose hash changed.
    pub pages_changed: usize,
    /// Inner nodes hashed.
    pub nodes_hashed: usize,
    /// Every dirty page, hashed.
    pub hashed: Hashed,
}

/// Hashes the dirty pages `indices` (sorted) and the tree paths above them
/// into the loaded `groups` of a tree of `depth` standing at `tree_root`,
/// adding a record per changed group to `batch`. Every group on those paths
/// must be loaded; a missing one is an error, and leaves `groups` partly
/// updated (the caller forgets them).
pub(crate) fn update_paths(
    groups: &mut HashMap<(u32, u32), Box<Group>>,
    depth: u32,
    tree_root: Hash32,
    dirty: &HashMap<u32, Bounded>,
    indices: &[u32],
    batch: &mut WriteBatch,
) -> Result<PathUpdate, PageError> {
    let missing = |band: u32, index: u32| PageError::Corrupt {
        what: "node",
        key: [0; 32],
        detail: format!("tree group {index} of band {band} was not loaded"),
    };
    let (_, h0) = band_geometry(depth, 0);
    let mut changed: SmallVec<[u32; 8]> = SmallVec::with_capacity(indices.len());
    let mut hashed: Hashed = SmallVec::with_capacity(indices.len());
    let mut tree_root = tree_root;
    for &i in indices {
        let Some(page) = dirty.get(&i) else {
            continue;
        };
        let used = page.used();
        let hash = used_page_hash(&page.page[..used]).0;
        let leaf = if depth == 0 {
            &mut tree_root
        } else {
            let group = groups
                .get_mut(&(0, i >> h0))
                .ok_or_else(|| missing(0, i >> h0))?;
            &mut group[bottom_slot(h0, i)]
        };
        let is_changed = *leaf != hash;
        if is_changed {
            *leaf = hash;
            changed.push(i);
        }
        hashed.push((i, hash, used, is_changed));
    }
    let pages_changed = changed.len();
    let mut nodes_hashed = 0;
    // Band by band, upwards: `changed` holds the sorted indices, at the
    // band's bottom height, of the nodes that changed below it.
    let mut slots: SmallVec<[usize; 1 << GROUP_HEIGHT]> = SmallVec::new();
    let bands = bands(depth);
    for band in 0..bands {
        let (top, h) = band_geometry(depth, band);
        let mut parents: SmallVec<[u32; 8]> = SmallVec::with_capacity(changed.len());
        let mut run = 0;
        while run < changed.len() {
            let gi = changed[run] >> h;
            slots.clear();
            while run < changed.len() && changed[run] >> h == gi {
                slots.push(bottom_slot(h, changed[run]));
                run += 1;
            }
            let group = groups
                .get_mut(&(band, gi))
                .ok_or_else(|| missing(band, gi))?;
            for _ in 0..h {
                for s in slots.iter_mut() {
                    *s >>= 1;
                }
                slots.dedup();
                for &s in &slots {
                    group[s] = node_hash(&group[2 * s], &group[2 * s + 1]);
                    nodes_hashed += 1;
                }
            }
            put_group(batch, group, top, h);
            let node = group[1];
            if band + 1 == bands {
                tree_root = node;
            } else {
                let (_, ph) = band_geometry(depth, band + 1);
                let parent = groups
                    .get_mut(&(band + 1, gi >> ph))
                    .ok_or_else(|| missing(band + 1, gi >> ph))?;
                parent[bottom_slot(ph, gi)] = node;
            }
            parents.push(gi);
        }
        changed = parents;
    }
    Ok(PathUpdate {
        tree_root,
        pages_changed,
        nodes_hashed,
        hashed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depths() {
        assert_eq!(depth(0), 0);
        assert_eq!(depth(1), 0);
        assert_eq!(depth(2), 1);
        assert_eq!(depth(3), 2);
        assert_eq!(depth(4), 2);
        assert_eq!(depth(5), 3);
        assert_eq!(depth(16), 4);
        assert_eq!(depth(65_536), 16);
        assert_eq!(depth(65_537), 17);
        assert_eq!(depth(u32::MAX), 32);
    }

    #[test]
    fn zero_hashes_chain() {
        assert_eq!(zero_hash(0), page_hash(&ZERO_PAGE).0);
        for l in 1..=MAX_DEPTH {
            assert_eq!(
                zero_hash(l),
                node_hash(&zero_hash(l - 1), &zero_hash(l - 1))
            );
        }
        assert_eq!(zero_hash(99), zero_hash(MAX_DEPTH));
    }

    #[test]
    fn empty_roots_differ_by_page_count() {
        assert_ne!(empty_root(4), empty_root(3), "same tree, different counts");
        assert_ne!(empty_root(1), empty_root(2));
        assert_eq!(empty_root(7), empty_root(7));
    }

    #[test]
    fn used_len_matches_the_byte_by_byte_definition_at_every_length_and_position() {
        let naive = |b: &[u8]| b.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
        for len in 0..=200usize {
            let mut bytes = vec![0u8; len];
            assert_eq!(used_len(&bytes), 0, "all zero, {len} bytes");
            for last in 0..len {
                for value in [1u8, 0x80, 0xff] {
                    bytes.fill(0);
                    bytes[last] = value;
                    assert_eq!(
                        used_len(&bytes),
                        naive(&bytes),
                        "{len} bytes, last at {last}"
                    );
                    if last > 0 {
                        bytes[last / 2] = 3;
                        assert_eq!(used_len(&bytes), last + 1, "{len} bytes, last at {last}");
                    }
                }
            }
        }
    }

    #[test]
    fn used_len_drops_exactly_the_trailing_zeros() {
        let mut page = [0u8; PAGE_SIZE];
        assert_eq!(used_len(&page), 0);
        for at in [0usize, 1, 30, 31, 32, 33, 63, 64, 100, 4063, 4064, 4095] {
            page.fill(0);
            page[at] = 7;
            assert_eq!(used_len(&page), at + 1, "last non-zero byte at {at}");
            page[0] = 1; // an earlier non-zero byte changes nothing
            assert_eq!(used_len(&page), at + 1);
        }
        assert_eq!(used_len(&[1, 0, 2, 0, 0]), 3);
        let full = Arc::new([5u8; PAGE_SIZE]);
        assert_eq!(
            page_record(&full, PAGE_SIZE).as_ptr(),
            full.as_ptr(),
            "no copy"
        );
        let mut sparse = [0u8; PAGE_SIZE];
        sparse[9] = 1;
        assert_eq!(page_record(&Arc::new(sparse), 10).len(), 10);
    }

    #[test]
    fn a_page_and_its_record_hash_alike_and_pages_stay_apart() {
        let mut page = [0u8; PAGE_SIZE];
        page[0] = 3;
        page[700] = 9;
        let record = &page[..701];
        assert_eq!(page_hash(&page), page_hash(record));
        assert_eq!(page_hash(&page), used_page_hash(record));
        // Trimming is one-to-one on pages: moving, adding or zeroing a byte,
        // even the last one, changes the hash.
        let mut seen = std::collections::HashSet::new();
        assert!(seen.insert(page_hash(&page)));
        assert!(seen.insert(page_hash(&[0u8; PAGE_SIZE])));
        for at in [1usize, 699, 701, 4095] {
            let mut other = page;
            other[at] = 1;
            assert!(seen.insert(page_hash(&other)), "byte {at} set");
        }
        let mut moved = page;
        moved[700] = 0;
        moved[701] = 9;
        assert!(seen.insert(page_hash(&moved)));
        assert_eq!(zero_hash(0), used_page_hash(&[]).0, "the zero page");
    }

    #[test]
    fn domains_are_separated() {
        // The same 64 bytes as a page (a leaf) and as a node's children, and
        // the same 36 bytes as a page and as a root's input, hash apart.
        let (left, right) = ([1u8; 32], [2u8; 32]);
        let mut page = [0u8; PAGE_SIZE];
        page[..32].copy_from_slice(&left);
        page[32..64].copy_from_slice(&right);
        assert_ne!(page_hash(&page).0, node_hash(&left, &right));
        let mut page = [0u8; PAGE_SIZE];
        page[..4].copy_from_slice(&3u32.to_le_bytes());
        page[4..36].copy_from_slice(&[7; 32]);
        assert_ne!(page_hash(&page).0, state_root(3, &[7; 32]).0);
    }

    /// The tree's hashes against vectors made with `b3sum` (see
    /// `strata-primitives`' known-answer tests for how): a page hashes
    /// without its trailing zeros.
    #[test]
    fn known_answers() {
        let hex = |s: &str| strata_primitives::hex::decode_array::<32>(s).unwrap();
        let mut page = [0u8; PAGE_SIZE];
        page[..10].copy_from_slice(b"hello page");
        let leaf = hex("2b4b68c7beb135ff686a553de5101cccd740fa6dd33721a951cc92fb6353113f");
        assert_eq!(page_hash(&page).0, leaf);
        assert_eq!(page_hash(b"hello page").0, leaf);
        assert_eq!(
            node_hash(&[1; 32], &[2; 32]),
            hex("da9d4cfcea7d2f44fce0f33b4c21eba0b5e17f7fecd8bde3f3b37e956a4323a6")
        );
        assert_eq!(
            state_root(3, &[7; 32]).0,
            hex("69c8a56116f45ca472b9761325de00ddd083a76fb4c2971f135880177eda636e")
        );
    }
}
