//! Strata's primitive types, at the bottom of the crate stack: every other
//! Strata crate (and an embedder's C API or SDK host side) can use them
//! without pulling in a VM or a store.
//!
//! - [`Address`]: a 20-byte account address.
//! - [`Hash32`] and the hash types [`CodeHash`], [`PageHash`],
//!   [`StateRoot`]: 32-byte blake3 outputs, each its own type so that one
//!   kind of hash cannot be passed where another is meant.
//! - [`hex`]: the one hex form of all of them. Output is lower-case without
//!   a prefix; input may carry `0x` (or `0X`) and either case, and a wrong
//!   length or character is a typed [`HexError`] that says where. Every type
//!   here implements [`FromStr`](std::str::FromStr) and
//!   [`Display`](std::fmt::Display) with that form.
//! - [`hashing`]: the one domain-separated hashing API. Every hash Strata
//!   computes (page leaves, tree nodes, state roots, code hashes, contract
//!   addresses) is made through a [`Domain`], so no two kinds of hash can
//!   collide, and the scheme of each is written down in one place.
//! - [`Namespace`] and [`namespaces`]: the one-byte tags that keep kinds of
//!   records apart in one store, and the registry of the tags Strata's own
//!   layers use.
//!
//! ```
//! use strata_primitives::{Address, CodeHash, Domain};
//!
//! let a: Address = "0x00112233445566778899aabbccddeeff00112233".parse()?;
//! assert_eq!(a.to_string(), "00112233445566778899aabbccddeeff00112233");
//!
//! let code = b"\0asm\x01\0\0\0";
//! let h = CodeHash::of(code);
//! assert_eq!(h, CodeHash(Domain::Code.hash(code)));
//! assert_eq!(h.to_hex().parse::<CodeHash>()?, h);
//! # Ok::<(), strata_primitives::HexError>(())
//! ```
//!
//! The `scale` feature (on by default) derives SCALE `Encode` and `Decode`
//! for the types.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod address;
mod hash;
pub mod hashing;
pub mod hex;
mod namespace;

pub use address::{Address, contract_address};
pub use hash::{CodeHash, Hash32, PageHash, StateRoot};
pub use hashing::{Domain, DomainHasher};
pub use hex::HexError;
pub use namespace::{Namespace, namespaces};
