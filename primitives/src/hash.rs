//! The 32-byte hash types.

use crate::hashing::Domain;

/// A 32-byte blake3 output.
pub type Hash32 = [u8; 32];

/// Declares a newtype over bytes with its hex forms.
macro_rules! bytes_newtype {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[cfg_attr(feature = "scale", derive(parity_scale_codec::Encode, parity_scale_codec::Decode))]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// The length in bytes.
            pub const LEN: usize = $len;

            /// The bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// Lower-case hex of the bytes, without a prefix.
            pub fn to_hex(&self) -> String {
                $crate::hex::encode(self.0)
            }

            /// Parses exactly the hex of the bytes; an optional `0x`
            /// prefix and either case are accepted (see [`crate::hex`]).
            pub fn from_hex(s: &str) -> Result<Self, $crate::hex::HexError> {
                $crate::hex::decode_array(s).map($name)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::hex::HexError;

            fn from_str(s: &str) -> Result<Self, $crate::hex::HexError> {
                Self::from_hex(s)
            }
        }

        impl From<[u8; $len]> for $name {
            fn from(bytes: [u8; $len]) -> Self {
                $name(bytes)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }
    };
}
pub(crate) use bytes_newtype;

bytes_newtype!(
    /// The hash of a contract's code ([`Domain::Code`]), under which the
    /// code is stored once.
    CodeHash, 32
);

impl CodeHash {
    /// The hash of `code`.
    pub fn of(code: &[u8]) -> Self {
        CodeHash(Domain::Code.hash(code))
    }
}

bytes_newtype!(
    /// The state root of a contract ([`Domain::StateRoot`]): commits to its
    /// page count and to every page's bytes. Equal roots mean equal storage.
    StateRoot, 32
);

bytes_newtype!(
    /// The hash of one page's bytes ([`Domain::PageLeaf`], the Merkle
    /// leaf), under which the page is stored.
    PageHash, 32
);
