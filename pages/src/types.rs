use std::fmt;

use parity_scale_codec::{Decode, Encode};

/// A 32-byte blake3 hash.
pub type Hash32 = [u8; 32];

macro_rules! hash_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode)]
        pub struct $name(pub Hash32);

        impl $name {
            /// The hash's bytes.
            pub const fn as_bytes(&self) -> &Hash32 {
                &self.0
            }

            /// Lower-case hex of the 32 bytes.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            /// Parses 64 hex characters.
            pub fn from_hex(s: &str) -> Option<Self> {
                let mut out = [0u8; 32];
                hex::decode_to_slice(s, &mut out).ok()?;
                Some($name(out))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }
    };
}

hash_newtype!(
    /// The state root of a contract: commits to its page count and to every
    /// page's bytes. Equal roots mean equal storage.
    StateRoot
);
hash_newtype!(
    /// The hash of one page's bytes (the Merkle leaf), under which the page is
    /// stored.
    PageHash
);
