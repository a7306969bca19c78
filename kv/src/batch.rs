use std::borrow::Borrow;
use std::ops::Deref;

use bytes::Bytes;
use smallvec::SmallVec;

use crate::Namespace;

/// A record key, without its namespace tag. Keys of up to 32 bytes (hashes,
/// addresses: nearly every key a contract runtime writes) are kept inline,
/// so adding one to a batch, and moving it into an in-memory store, never
/// allocates; longer keys spill to the heap.
///
/// It orders, compares and hashes as its bytes, and borrows as `[u8]`, so a
/// map keyed by `Key` is searched with a plain byte slice.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(SmallVec<[u8; 32]>);

impl Key {
    /// A key holding a copy of `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        Key(SmallVec::from_slice(bytes))
    }
}

impl Deref for Key {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Key {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<[u8]> for Key {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl From<&[u8]> for Key {
    fn from(bytes: &[u8]) -> Self {
        Key::new(bytes)
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key(")?;
        for b in self.iter() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// One operation of a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOp {
    /// Store `value` under `key` in `ns`, replacing any previous value.
    Put {
        /// The namespace.
        ns: Namespace,
        /// The key, without the namespace tag.
        key: Key,
        /// The value.
        value: Bytes,
    },
    /// Remove `key` from `ns` (a no-op when it is absent).
    Delete {
        /// The namespace.
        ns: Namespace,
        /// The key, without the namespace tag.
        key: Key,
    },
}

/// An ordered list of puts and deletes that a [`KvStore`](crate::KvStore)
/// applies atomically: all of them or none. When two operations touch the
/// same key, the later one wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    ops: Vec<BatchOp>,
    payload_bytes: usize,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `n` operations.
    pub fn with_capacity(n: usize) -> Self {
        WriteBatch {
            ops: Vec::with_capacity(n),
            payload_bytes: 0,
        }
    }

    /// Makes room for at least `n` more operations.
    pub fn reserve(&mut self, n: usize) {
        self.ops.reserve(n);
    }

    /// Adds a put of `value` under `key` in `ns`.
    pub fn put(&mut self, ns: Namespace, key: impl AsRef<[u8]>, value: impl Into<Bytes>) {
        let key = Key::new(key.as_ref());
        let value = value.into();
        self.payload_bytes += 1 + key.len() + value.len();
        self.ops.push(BatchOp::Put { ns, key, value });
    }

    /// Adds a delete of `key` in `ns`.
    pub fn delete(&mut self, ns: Namespace, key: impl AsRef<[u8]>) {
        let key = Key::new(key.as_ref());
        self.payload_bytes += 1 + key.len();
        self.ops.push(BatchOp::Delete { ns, key });
    }

    /// Appends every operation of `other` after those of `self`.
    pub fn extend(&mut self, other: WriteBatch) {
        if self.ops.is_empty() && self.ops.capacity() < other.ops.capacity() {
            // Take the other batch's vector (and room) rather than copy it.
            let mine = std::mem::replace(self, other);
            self.payload_bytes += mine.payload_bytes;
            return;
        }
        self.payload_bytes += other.payload_bytes;
        self.ops.extend(other.ops);
    }

    /// The number of operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the batch has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The bytes of keys (with their namespace tag) and values the batch
    /// carries.
    pub fn payload_bytes(&self) -> usize {
        self.payload_bytes
    }

    /// The operations, in order.
    pub fn ops(&self) -> &[BatchOp] {
        &self.ops
    }

    /// Consumes the batch into its operations, in order.
    pub fn into_ops(self) -> Vec<BatchOp> {
        self.ops
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_behave_as_their_bytes_inline_or_not() {
        let short = Key::new(&[1, 2, 3]);
        let long = Key::new(&[9u8; 40]);
        assert_eq!(&*short, &[1, 2, 3]);
        assert_eq!(long.len(), 40, "a key over 32 bytes spills, whole");
        let mut keys = [
            long.clone(),
            Key::new(&[1, 2]),
            short.clone(),
            Key::new(&[]),
        ];
        keys.sort();
        let sorted: Vec<&[u8]> = keys.iter().map(|k| &**k).collect();
        assert_eq!(sorted, vec![&[][..], &[1, 2], &[1, 2, 3], &[9u8; 40][..]]);
        let map: std::collections::BTreeMap<Key, u8> = [(short, 1)].into();
        assert_eq!(map.get(&[1u8, 2, 3][..]), Some(&1), "looked up by a slice");
        assert_eq!(format!("{:?}", Key::new(&[0xab, 1])), "Key(ab01)");
    }

    #[test]
    fn extend_keeps_order_and_payload_whether_it_takes_or_copies() {
        let ns = Namespace::new(1);
        let mut a = WriteBatch::with_capacity(8);
        a.put(ns, b"a", b"1".to_vec());
        a.delete(ns, b"b");
        // Into an empty batch with less room: the vector is taken.
        let mut empty = WriteBatch::new();
        empty.extend(a.clone());
        assert_eq!(empty.ops(), a.ops());
        assert_eq!(empty.payload_bytes(), a.payload_bytes());
        let roomy = WriteBatch::with_capacity(8);
        let mut empty = WriteBatch::new();
        empty.extend(roomy);
        assert!(
            empty.ops.capacity() >= 8,
            "took the room of the batch it absorbed"
        );
        // Into a non-empty batch: appended after its own operations.
        let mut first = WriteBatch::new();
        first.put(ns, b"z", b"0".to_vec());
        let before = first.payload_bytes();
        first.extend(a.clone());
        let keys: Vec<&[u8]> = first
            .ops()
            .iter()
            .map(|op| match op {
                BatchOp::Put { key, .. } | BatchOp::Delete { key, .. } => &**key,
            })
            .collect();
        assert_eq!(keys, vec![&b"z"[..], b"a", b"b"]);
        assert_eq!(first.payload_bytes(), before + a.payload_bytes());
    }
}
