//! Decodes arbitrary bytes as a Merkle proof (`MerkleProof` via SCALE
//! `decode_all`) and checks it with `strata_pages::tree::verify` against an
//! arbitrary root, page index and page.
//!
//! Input: a 32-byte root, a `u32` index, a `u16` page length (bit 15 set:
//! exactly 4096 bytes, else the low 13 bits), a `u16` count of page bytes
//! given (the rest of the page is zero, as sparse pages are), those bytes,
//! then the proof's encoding (all remaining bytes). Short inputs are padded
//! with zeros.
//!
//! Checks: no panic; a decoded proof re-encodes to exactly its bytes; when
//! `verify` accepts, it refuses the same proof for the page with one byte
//! changed and for a proof claiming one more page (the root binds both).
#![no_main]

use libfuzzer_sys::fuzz_target;
use parity_scale_codec::{DecodeAll, Encode};
use strata_pages::tree::{self, MerkleProof};
use strata_pages::{PAGE_SIZE, StateRoot};

/// Takes `n` bytes from the front of `data`, zero-padded.
fn take(data: &mut &[u8], n: usize) -> Vec<u8> {
    let k = n.min(data.len());
    let (head, tail) = data.split_at(k);
    *data = tail;
    let mut out = head.to_vec();
    out.resize(n, 0);
    out
}

fuzz_target!(|data: &[u8]| {
    let mut data = data;
    let mut root = [0u8; 32];
    root.copy_from_slice(&take(&mut data, 32));
    let root = StateRoot(root);
    let index = u32::from_le_bytes(take(&mut data, 4).try_into().unwrap());
    let len_field = u16::from_le_bytes(take(&mut data, 2).try_into().unwrap());
    let given = u16::from_le_bytes(take(&mut data, 2).try_into().unwrap());
    let page_len = if len_field & 0x8000 != 0 {
        PAGE_SIZE
    } else {
        usize::from(len_field & 0x1fff)
    };
    let mut page = take(&mut data, usize::from(given).min(page_len));
    page.resize(page_len, 0);

    let Ok(proof) = MerkleProof::decode_all(&mut &data[..]) else {
        return;
    };
    assert_eq!(
        proof.encode(),
        data,
        "a proof has a second encoding: {proof:?}"
    );
    if tree::verify(&root, index, &page, &proof) {
        let mut changed = page.clone();
        changed[usize::from(given) % PAGE_SIZE] ^= 1;
        assert!(
            !tree::verify(&root, index, &changed, &proof),
            "a proof verified for two different pages"
        );
        if let Some(count) = proof.page_count.checked_add(1) {
            let longer = MerkleProof {
                page_count: count,
                siblings: proof.siblings.clone(),
            };
            assert!(
                !tree::verify(&root, index, &page, &longer),
                "a proof verified for two page counts"
            );
        }
    }
});
