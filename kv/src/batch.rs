use bytes::Bytes;

use crate::Namespace;

/// One operation of a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOp {
    /// Store `value` under `key` in `ns`, replacing any previous value.
    Put {
        /// The namespace.
        ns: Namespace,
        /// The key, without the namespace tag.
        key: Box<[u8]>,
        /// The value.
        value: Bytes,
    },
    /// Remove `key` from `ns` (a no-op when it is absent).
    Delete {
        /// The namespace.
        ns: Namespace,
        /// The key, without the namespace tag.
        key: Box<[u8]>,
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

    /// Adds a put of `value` under `key` in `ns`.
    pub fn put(&mut self, ns: Namespace, key: impl AsRef<[u8]>, value: impl Into<Bytes>) {
        let key: Box<[u8]> = key.as_ref().into();
        let value = value.into();
        self.payload_bytes += 1 + key.len() + value.len();
        self.ops.push(BatchOp::Put { ns, key, value });
    }

    /// Adds a delete of `key` in `ns`.
    pub fn delete(&mut self, ns: Namespace, key: impl AsRef<[u8]>) {
        let key: Box<[u8]> = key.as_ref().into();
        self.payload_bytes += 1 + key.len();
        self.ops.push(BatchOp::Delete { ns, key });
    }

    /// Appends every operation of `other` after those of `self`.
    pub fn extend(&mut self, other: WriteBatch) {
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
