//! Proofs under the block root: an account's record (or its absence) and a
//! page of a contract's storage, chained through the record's state root,
//! checked with nothing but the root, and refused for a wrong value, a
//! wrong root or a tampered sibling.

mod common;

use std::sync::Arc;

use common::*;
use parity_scale_codec::{Decode, Encode};
use proptest::prelude::*;
use strata_kv::MemKv;
use strata_runtime::{
    AccountStateProof, Address, Arg, PageStateProof, Runtime, StateProofError, Transaction,
    verify_account, verify_page,
};

const PAGES: u32 = 4;

fn deploy_counters(rt: &Runtime<Arc<MemKv>>, n: usize) -> Vec<Address> {
    let txs: Vec<Transaction> = (0..n)
        .map(|i| {
            let mut tx = deploy_tx(COUNTER, PAGES);
            tx.balance = 1_000 + i as u128;
            Transaction::Deploy(tx)
        })
        .collect();
    let result = rt.execute_block(&txs, BLOCK).unwrap();
    result
        .receipts
        .iter()
        .map(|r| r.deployed.expect("deployed"))
        .collect()
}

/// Every way of changing one part of a page proof that must make it fail.
fn tampered(proof: &PageStateProof) -> Vec<(String, PageStateProof)> {
    let mut out = Vec::new();
    for i in 0..proof.account.path.siblings.len() {
        let mut p = proof.clone();
        p.account.path.siblings[i][0] ^= 1;
        out.push((format!("account sibling {i}"), p));
    }
    for i in 0..proof.page.siblings.len() {
        let mut p = proof.clone();
        p.page.siblings[i][31] ^= 0x80;
        out.push((format!("page sibling {i}"), p));
    }
    if let Some(record) = &proof.account.record {
        for at in [0, record.len() / 2, record.len() - 1] {
            let mut p = proof.clone();
            if let Some(r) = p.account.record.as_mut() {
                r[at] ^= 1;
            }
            out.push((format!("record byte {at}"), p));
        }
    }
    let mut p = proof.clone();
    p.page.page_count += 1;
    out.push(("page count".into(), p));
    let mut p = proof.clone();
    p.account.path.siblings.push([7; 32]);
    out.push(("an extra account sibling".into(), p));
    out
}

fn check_page(
    rt: &Runtime<Arc<MemKv>>,
    contract: &Address,
    page: u32,
    other_root: Option<[u8; 32]>,
) {
    let (root, bytes, proof) = rt.prove_page(contract, page).unwrap();
    assert_eq!(root, rt.head().unwrap().unwrap().state_root);
    assert_eq!(bytes, rt.read_slice(contract, page, 0, 4096).unwrap());
    let account = verify_page(&root, contract, page, &bytes, &proof).expect("verifies");
    assert_eq!(Some(account), rt.account(contract).unwrap());
    // It travels as SCALE.
    let decoded = PageStateProof::decode(&mut &proof.encode()[..]).unwrap();
    assert_eq!(decoded, proof);
    // The wrong value, page, root or contract.
    let mut wrong = bytes.clone();
    wrong[4095] ^= 1;
    assert_eq!(
        verify_page(&root, contract, page, &wrong, &proof),
        Err(StateProofError::Page)
    );
    // Another page: the proof may hold there only if that page really has
    // these bytes (two zero pages, say), never otherwise.
    for other in (0..PAGES).filter(|p| *p != page) {
        if verify_page(&root, contract, other, &bytes, &proof).is_ok() {
            assert_eq!(rt.read_slice(contract, other, 0, 4096).unwrap(), bytes);
        }
    }
    if let Some(other) = other_root.filter(|o| *o != root) {
        assert!(verify_page(&other, contract, page, &bytes, &proof).is_err());
    }
    let mut elsewhere = *contract;
    elsewhere.0[0] ^= 1;
    assert!(verify_page(&root, &elsewhere, page, &bytes, &proof).is_err());
    for (what, bad) in tampered(&proof) {
        assert!(
            verify_page(&root, contract, page, &bytes, &bad).is_err(),
            "a tampered {what} still verifies"
        );
    }
}

#[test]
fn account_and_page_proofs_verify_and_tampering_fails() {
    let rt = Runtime::new(Arc::new(MemKv::new()));
    // Before any block: the empty root proves every account absent.
    let (root, absent) = rt.prove_account(&USER).unwrap();
    assert_eq!(root, strata_state::EMPTY);
    assert_eq!(verify_account(&root, &USER, &absent), Ok(None));
    let contracts = deploy_counters(&rt, 3);
    let first = rt.head().unwrap().unwrap().state_root;
    for (i, c) in contracts.iter().enumerate() {
        assert!(call(&rt, *c, "add", vec![Arg::I64(10 + i as i64)]).success());
    }
    for c in &contracts {
        for page in 0..PAGES {
            check_page(&rt, c, page, Some(first));
        }
    }
    // An absent account: proved absent, and a claimed record fails.
    let stranger = Address([0x5A; 20]);
    let (root, proof) = rt.prove_account(&stranger).unwrap();
    assert_eq!(verify_account(&root, &stranger, &proof), Ok(None));
    let (_, real) = rt.prove_account(&contracts[0]).unwrap();
    let forged = AccountStateProof {
        path: proof.path.clone(),
        record: real.record.clone(),
    };
    assert!(verify_account(&root, &stranger, &forged).is_err());
    // A user account (the author) has a record but no storage.
    let (root, author) = rt.prove_account(&AUTHOR).unwrap();
    let a = verify_account(&root, &AUTHOR, &author).unwrap().unwrap();
    assert_eq!(a.nonce, 3);
    let page_of_author = PageStateProof {
        account: author,
        page: rt.prove_page(&contracts[0], 0).unwrap().2.page,
    };
    let bytes = rt.read_slice(&contracts[0], 0, 0, 4096).unwrap();
    assert_eq!(
        verify_page(&root, &AUTHOR, 0, &bytes, &page_of_author),
        Err(StateProofError::NoStorage(AUTHOR))
    );
    // A page past the contract's pages cannot be proved.
    assert!(rt.prove_page(&contracts[0], PAGES).is_err());
    assert!(matches!(
        rt.prove_page(&stranger, 0),
        Err(strata_runtime::RuntimeError::NoAccount(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// After any blocks of writes to any pages of three contracts, every
    /// page of every contract proves under the block root, and no proof
    /// holds under the previous root for a page that changed.
    #[test]
    fn every_page_proves_after_any_blocks(
        blocks in prop::collection::vec(
            prop::collection::vec((0usize..3, 0u32..PAGES, any::<i64>()), 1..6),
            1..4,
        )
    ) {
        let rt = Runtime::new(Arc::new(MemKv::new()));
        let contracts = deploy_counters(&rt, 3);
        let mut previous = rt.head().unwrap().unwrap().state_root;
        for (b, writes) in blocks.iter().enumerate() {
            let txs: Vec<Transaction> = writes
                .iter()
                .flat_map(|(c, page, value)| {
                    [
                        Transaction::Call(call_tx(contracts[*c], "init", vec![Arg::I64(*value)], vec![])),
                        Transaction::Call(call_tx(contracts[*c], "write_page", vec![Arg::I32(*page as i32)], vec![])),
                    ]
                })
                .collect();
            let ctx = strata_runtime::BlockContext { height: 2 + b as u64, time: 1 };
            let result = rt.execute_block(&txs, ctx).unwrap();
            prop_assert!(result.receipts.iter().all(|r| r.success()));
            for c in &contracts {
                for page in 0..PAGES {
                    check_page(&rt, c, page, Some(previous));
                }
            }
            previous = result.head.state_root;
        }
    }
}
