//! The one domain-separated hashing API: every hash Strata computes is made
//! by a [`Domain`], which fixes how its input is framed.
//!
//! | domain | scheme | input |
//! |---|---|---|
//! | [`Domain::PageLeaf`] | blake3 keyed with `blake3("strata/page-leaf/v2")` | a page's bytes without trailing zeros |
//! | [`Domain::TreeNode`] | blake3 keyed with `blake3("strata/tree-node/v1")` | left child ++ right child (64 bytes) |
//! | [`Domain::StateRoot`] | blake3 keyed with `blake3("strata/state-root/v1")` | page count (u32 LE) ++ tree root (36 bytes) |
//! | [`Domain::Code`] | plain blake3 | the wasm bytes as deployed |
//! | [`Domain::ContractAddress`] | plain blake3 of `"strata/address"` ++ input | author ++ nonce (u64 LE) ++ code hash (60 bytes) |
//! | [`Domain::AccountKey`] | blake3 keyed with `blake3("strata/account-key/v1")` | an address (20 bytes): its path in the account tree |
//! | [`Domain::AccountRecord`] | blake3 keyed with `blake3("strata/account-record/v1")` | a stored account record |
//! | [`Domain::AccountLeaf`] | blake3 keyed with `blake3("strata/account-leaf/v1")` | account key ++ record hash (64 bytes) |
//! | [`Domain::AccountNode`] | blake3 keyed with `blake3("strata/account-node/v1")` | left child ++ right child (64 bytes) |
//! | [`Domain::MapKey`] | blake3 keyed with `blake3("strata/map-key/v1")` | a map key's bytes: its path in the map's tree |
//! | [`Domain::MapLeaf`] | blake3 keyed with `blake3("strata/map-leaf/v1")` | a map leaf's body (value kind, key length, key, value) |
//! | [`Domain::MapNode`] | blake3 keyed with `blake3("strata/map-node/v1")` | left child ++ right child (64 bytes) |
//!
//! Why the domains cannot collide:
//! - The keyed domains are blake3 under different keys, and plain blake3 is
//!   blake3 under its fixed IV: distinct keyed functions, so a hash of one
//!   domain equal to a hash of another is a blake3 collision, whatever the
//!   inputs.
//! - [`Domain::Code`] and [`Domain::ContractAddress`] share plain blake3.
//!   They stay apart because an address's input starts with
//!   `"strata/address"` while deployed code starts with the wasm magic
//!   `"\0asm"` (deploy validation refuses anything else), so no code is
//!   hashed as an address input.
//! - Code hashes are plain blake3 on purpose: the code hash of a file is what
//!   `b3sum` prints for it, so anyone can check one without Strata.
//!
//! A key is the plain blake3 of its context string (not blake3's
//! `derive_key` mode); the known-answer tests in `tests/known_answers.rs`
//! pin every domain against vectors made with the `b3sum` tool. Changing a
//! scheme changes every stored hash: it is a new store format, and a new
//! domain (a new context string) rather than an edit of an old one.

use std::sync::OnceLock;

use crate::hash::Hash32;

/// A kind of hash, and so how its input is framed (see the [module
/// docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Domain {
    /// A page's Merkle leaf (`strata_pages::tree::page_hash`).
    PageLeaf,
    /// An inner Merkle node over two children.
    TreeNode,
    /// A contract's state root from its page count and tree root.
    StateRoot,
    /// A contract's code.
    Code,
    /// The address of a deployed contract.
    ContractAddress,
    /// An address's path in the account tree (`strata-state`): hashed, so
    /// that chosen addresses cannot make deep paths cheaply.
    AccountKey,
    /// A stored account record, as the account tree commits to it.
    AccountRecord,
    /// A leaf of the account tree: an account key and its record's hash.
    AccountLeaf,
    /// An inner node of the account tree over two children.
    AccountNode,
    /// A key's path in a contract map's tree (`strata-maps`): hashed, so
    /// that chosen keys cannot make deep paths cheaply.
    MapKey,
    /// A leaf of a contract map's tree: one entry's key and value.
    MapLeaf,
    /// An inner node of a contract map's tree over two children.
    MapNode,
}

/// How a domain frames its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Blake3 keyed with the blake3 hash of this context string.
    Keyed(&'static str),
    /// Plain blake3 of this prefix followed by the input.
    Prefixed(&'static str),
    /// Plain blake3 of the input.
    Plain,
}

impl Domain {
    /// Every domain.
    pub const ALL: [Domain; 12] = [
        Domain::PageLeaf,
        Domain::TreeNode,
        Domain::StateRoot,
        Domain::Code,
        Domain::ContractAddress,
        Domain::AccountKey,
        Domain::AccountRecord,
        Domain::AccountLeaf,
        Domain::AccountNode,
        Domain::MapKey,
        Domain::MapLeaf,
        Domain::MapNode,
    ];

    /// How this domain frames its input.
    pub const fn scheme(self) -> Scheme {
        match self {
            Domain::PageLeaf => Scheme::Keyed("strata/page-leaf/v2"),
            Domain::TreeNode => Scheme::Keyed("strata/tree-node/v1"),
            Domain::StateRoot => Scheme::Keyed("strata/state-root/v1"),
            Domain::Code => Scheme::Plain,
            Domain::ContractAddress => Scheme::Prefixed("strata/address"),
            Domain::AccountKey => Scheme::Keyed("strata/account-key/v1"),
            Domain::AccountRecord => Scheme::Keyed("strata/account-record/v1"),
            Domain::AccountLeaf => Scheme::Keyed("strata/account-leaf/v1"),
            Domain::AccountNode => Scheme::Keyed("strata/account-node/v1"),
            Domain::MapKey => Scheme::Keyed("strata/map-key/v1"),
            Domain::MapLeaf => Scheme::Keyed("strata/map-leaf/v1"),
            Domain::MapNode => Scheme::Keyed("strata/map-node/v1"),
        }
    }

    /// The blake3 key of a keyed domain, computed once.
    fn key(self) -> Option<&'static [u8; 32]> {
        static KEYS: [OnceLock<[u8; 32]>; 10] = [const { OnceLock::new() }; 10];
        let slot = match self {
            Domain::PageLeaf => &KEYS[0],
            Domain::TreeNode => &KEYS[1],
            Domain::StateRoot => &KEYS[2],
            Domain::AccountKey => &KEYS[3],
            Domain::AccountRecord => &KEYS[4],
            Domain::AccountLeaf => &KEYS[5],
            Domain::AccountNode => &KEYS[6],
            Domain::MapKey => &KEYS[7],
            Domain::MapLeaf => &KEYS[8],
            Domain::MapNode => &KEYS[9],
            Domain::Code | Domain::ContractAddress => return None,
        };
        let Scheme::Keyed(context) = self.scheme() else {
            return None;
        };
        Some(slot.get_or_init(|| *blake3::hash(context.as_bytes()).as_bytes()))
    }

    /// A hasher for this domain, to feed the input in parts.
    pub fn hasher(self) -> DomainHasher {
        let mut inner = match self.key() {
            Some(key) => blake3::Hasher::new_keyed(key),
            None => blake3::Hasher::new(),
        };
        if let Scheme::Prefixed(prefix) = self.scheme() {
            inner.update(prefix.as_bytes());
        }
        DomainHasher { inner }
    }

    /// The hash of `data` in this domain.
    pub fn hash(self, data: &[u8]) -> Hash32 {
        match self.key() {
            // One call: blake3 hashes a short keyed input without a
            // hasher's set-up.
            Some(key) => *blake3::keyed_hash(key, data).as_bytes(),
            None => self.hasher().update(data).finalize(),
        }
    }
}

/// A hash being computed in one [`Domain`]; feed it with
/// [`update`](Self::update).
#[derive(Clone, Debug)]
pub struct DomainHasher {
    inner: blake3::Hasher,
}

impl DomainHasher {
    /// Appends `data` to the input.
    pub fn update(&mut self, data: &[u8]) -> &mut Self {
        self.inner.update(data);
        self
    }

    /// The hash of everything fed so far.
    pub fn finalize(&self) -> Hash32 {
        *self.inner.finalize().as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same input in every domain gives pairwise different hashes
    /// (and the hasher agrees with the one-call form).
    #[test]
    fn domains_are_separated() {
        for input in [&b""[..], &[0u8; 64], b"\0asm\x01\0\0\0"] {
            let hashes: Vec<Hash32> = Domain::ALL.iter().map(|d| d.hash(input)).collect();
            for (i, a) in hashes.iter().enumerate() {
                for (j, b) in hashes.iter().enumerate().skip(i + 1) {
                    assert_ne!(a, b, "{:?} and {:?}", Domain::ALL[i], Domain::ALL[j]);
                }
            }
            for d in Domain::ALL {
                assert_eq!(d.hasher().update(input).finalize(), d.hash(input), "{d:?}");
            }
        }
    }

    /// The map domains are keyed blake3 under the hash of their context
    /// strings, computed here with blake3 alone. (The other domains' vectors
    /// in `tests/known_answers.rs` were made with `b3sum`, not installed
    /// where the map domains were added.)
    #[test]
    fn map_domains_are_keyed_blake3_of_their_contexts() {
        for (domain, context) in [
            (Domain::MapKey, "strata/map-key/v1"),
            (Domain::MapLeaf, "strata/map-leaf/v1"),
            (Domain::MapNode, "strata/map-node/v1"),
        ] {
            let key = blake3::hash(context.as_bytes());
            for input in [&b""[..], b"key", &[7u8; 64]] {
                assert_eq!(
                    domain.hash(input),
                    *blake3::keyed_hash(key.as_bytes(), input).as_bytes(),
                    "{domain:?}"
                );
            }
        }
    }

    #[test]
    fn contexts_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for d in Domain::ALL {
            match d.scheme() {
                Scheme::Keyed(c) | Scheme::Prefixed(c) => assert!(seen.insert(c), "{d:?}"),
                Scheme::Plain => assert!(seen.insert(""), "two plain domains"),
            }
        }
    }
}
