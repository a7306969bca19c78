//! Account addresses.

use crate::hash::{CodeHash, bytes_newtype};
use crate::hashing::Domain;

bytes_newtype!(
    /// A 20-byte account address.
    Address, 20
);

/// The address of the contract an `author` deploys with its `nonce`-th
/// deploy of `code_hash` ([`Domain::ContractAddress`]): the first 20 bytes
/// of `blake3("strata/address" ++ author ++ nonce (u64 LE) ++ code_hash)`.
pub fn contract_address(author: &Address, nonce: u64, code_hash: &CodeHash) -> Address {
    let digest = Domain::ContractAddress
        .hasher()
        .update(&author.0)
        .update(&nonce.to_le_bytes())
        .update(&code_hash.0)
        .finalize();
    let mut out = [0u8; 20];
    out.copy_from_slice(&digest[..20]);
    Address(out)
}
