//! Known-answer tests: every hash domain against vectors computed without
//! Strata, with the `b3sum` tool (BLAKE3 team's reference CLI, 1.2.0):
//!
//! ```text
//! printf 'strata/page-leaf/v2' | b3sum --raw > key      # a domain's key
//! b3sum --keyed --no-names input < key                   # a keyed domain
//! b3sum --no-names input                                 # Domain::Code
//! printf 'strata/address'; cat author nonce codehash | b3sum  # an address
//! ```
//!
//! A failure here means stored hashes (roots, code hashes, addresses) would
//! change: a new store format, never a refactor.

use strata_primitives::{Address, CodeHash, Domain, Hash32, contract_address, hex};

fn h(s: &str) -> Hash32 {
    hex::decode_array(s).unwrap()
}

#[test]
fn page_leaf() {
    assert_eq!(
        Domain::PageLeaf.hash(b"hello page"),
        h("2b4b68c7beb135ff686a553de5101cccd740fa6dd33721a951cc92fb6353113f")
    );
    assert_eq!(
        Domain::PageLeaf.hash(b""),
        h("0f4f1181d58a3a60ce1d968a5a8d84a316928ef1f707921926a2048a87d895f6")
    );
}

#[test]
fn tree_node() {
    let mut input = [1u8; 64];
    input[32..].fill(2);
    assert_eq!(
        Domain::TreeNode.hash(&input),
        h("da9d4cfcea7d2f44fce0f33b4c21eba0b5e17f7fecd8bde3f3b37e956a4323a6")
    );
}

#[test]
fn state_root() {
    let mut input = [7u8; 36];
    input[..4].copy_from_slice(&3u32.to_le_bytes());
    assert_eq!(
        Domain::StateRoot.hash(&input),
        h("69c8a56116f45ca472b9761325de00ddd083a76fb4c2971f135880177eda636e")
    );
}

#[test]
fn code_hash_is_what_b3sum_prints() {
    let code = b"\0asm\x01\0\0\0";
    let expected = h("0d66d411a21e80d93afa1487b002a1867432c04ba1d08dc790d259639f6a69c4");
    assert_eq!(Domain::Code.hash(code), expected);
    assert_eq!(CodeHash::of(code), CodeHash(expected));
}

#[test]
fn contract_address_vector() {
    let code_hash = CodeHash::of(b"\0asm\x01\0\0\0");
    assert_eq!(
        contract_address(&Address([0xaa; 20]), 5, &code_hash),
        "0a80448603aeea2bbeb2ed1fea9e489fdbf05785".parse().unwrap()
    );
}

#[test]
fn account_tree_domains() {
    assert_eq!(
        Domain::AccountKey.hash(&[0xaa; 20]),
        h("253cd204b06413d5b3e6997ca749702bdb43e18cc0698764ac5e8127cce7194c")
    );
    assert_eq!(
        Domain::AccountRecord.hash(b"account record"),
        h("3f9b297253b12239317be5089fda94e210599e2739ef9d13c889439784b444e0")
    );
    let mut pair = [3u8; 64];
    pair[32..].fill(4);
    assert_eq!(
        Domain::AccountLeaf.hash(&pair),
        h("2ba0f92514f08aacd5f69f8e46251cf9d04bd40fb1006adee75560dbaacc57e5")
    );
    assert_eq!(
        Domain::AccountNode.hash(&pair),
        h("b9618adbd3310f9bd40bccfb7ddf4d1e5493fa4f97d9d62e93c51cf315e18857")
    );
}
