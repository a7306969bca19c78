//! Any block root opens read-only: accounts, slices, proofs and queries as
//! of that block, the same after later blocks and after a restart.

mod common;

use std::sync::Arc;

use common::*;
use strata_kv::{KvStore, MemKv};
use strata_runtime::{
    Arg, BlockContext, ErrorKind, Hash32, Runtime, RuntimeError, Transaction, verify_account,
    verify_page,
};

fn ctx(height: u64) -> BlockContext {
    BlockContext {
        height,
        time: 1_700_000_000 + height,
    }
}

#[test]
fn every_block_root_opens_as_of_its_block() {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv.clone());
    let deployed = rt
        .execute_block(&[Transaction::Deploy(deploy_tx(COUNTER, 2))], ctx(1))
        .unwrap();
    let counter = deployed.receipts[0].deployed.expect("deployed");
    // Roots after blocks 1..=5, the value then, and a query made right then.
    let mut history: Vec<(Hash32, i64, Vec<u8>)> = Vec::new();
    let get = call_tx(counter, "get", vec![], vec![]);
    history.push((
        deployed.head.state_root,
        0,
        rt.query(&get, ctx(1)).unwrap().to_bytes(),
    ));
    for height in 2..=5u64 {
        let txs = vec![
            Transaction::Call(call_tx(
                counter,
                "add",
                vec![Arg::I64(height as i64)],
                vec![],
            )),
            // A failed transaction changes nothing.
            Transaction::Call(call_tx(counter, "fail_after_write", vec![], vec![])),
        ];
        let block = rt.execute_block(&txs, ctx(height)).unwrap();
        assert!(block.receipts[0].success());
        let value = counter_value(&rt, &counter);
        history.push((
            block.head.state_root,
            value,
            rt.query(&get, ctx(height)).unwrap().to_bytes(),
        ));
    }
    assert_eq!(history.last().unwrap().1, 2 + 3 + 4 + 5);

    for (rt, leg) in [(&rt, "live"), (&Runtime::new(kv.clone()), "restarted")] {
        for (i, (root, value, query)) in history.iter().enumerate() {
            let height = i as u64 + 1;
            let snap = rt.snapshot(*root).unwrap();
            assert_eq!(snap.root(), *root);
            let account = snap
                .account(&counter)
                .unwrap()
                .expect("the counter existed");
            assert_eq!(
                snap.read_slice(&counter, 0, 0, 8).unwrap(),
                value.to_le_bytes(),
                "{leg}: block {height}"
            );
            // The same query, byte for byte, as right after that block.
            let again = snap.query(&get, ctx(height)).unwrap();
            assert_eq!(&again.to_bytes(), query, "{leg}: block {height}");
            assert_eq!(again.returns, vec![Arg::I64(*value)]);
            // Proofs under the old root.
            let proof = snap.prove_account(&counter).unwrap();
            assert_eq!(
                verify_account(root, &counter, &proof).unwrap(),
                Some(account.clone())
            );
            let (bytes, page) = snap.prove_page(&counter, 0).unwrap();
            assert_eq!(
                verify_page(root, &counter, 0, &bytes, &page).unwrap(),
                account
            );
            assert_eq!(bytes[..8], value.to_le_bytes());
            if i + 1 < history.len() {
                let newer = history[i + 1].0;
                assert!(verify_page(&newer, &counter, 0, &bytes, &page).is_err());
            }
            // Read-only: a write in a snapshot query fails, changing nothing.
            let inc = call_tx(counter, "inc", vec![], vec![]);
            let r = snap.query(&inc, ctx(height)).unwrap();
            assert_eq!(r.error.expect("refused").kind, ErrorKind::ReadOnly);
        }
    }
    // The live state is untouched by all of it.
    assert_eq!(counter_value(&rt, &counter), 14);
}

#[test]
fn the_empty_root_and_unknown_roots() {
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let snap = rt.snapshot(strata_state::EMPTY).unwrap();
    assert_eq!(snap.account(&USER).unwrap(), None);
    assert!(matches!(
        snap.read_slice(&USER, 0, 0, 8),
        Err(RuntimeError::NoAccount(_))
    ));
    let c = deploy(&rt, COUNTER, 1);
    // An account born later is absent at an earlier root.
    assert_eq!(
        rt.snapshot(strata_state::EMPTY)
            .unwrap()
            .account(&c)
            .unwrap(),
        None
    );
    let bogus = [0x42; 32];
    let Err(e) = rt.snapshot(bogus) else {
        panic!("a root the store does not hold opened");
    };
    assert!(
        matches!(e, RuntimeError::UnknownRoot(r) if r == bogus),
        "{e}"
    );
    assert!(e.to_string().contains(&"42".repeat(32)), "{e}");
}

#[test]
fn each_final_record_is_kept_by_hash_once_per_block() {
    // A block of 50 increments keeps one record of the counter by hash (its
    // final one), not 50.
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv.clone());
    let c = deploy(&rt, COUNTER, 1);
    let before = kv
        .scan_prefix(strata_primitives::namespaces::ACCOUNT_RECORDS, b"")
        .unwrap()
        .len();
    let txs: Vec<Transaction> = (0..50)
        .map(|_| Transaction::Call(call_tx(c, "inc", vec![], vec![])))
        .collect();
    let block = rt.execute_block(&txs, ctx(2)).unwrap();
    assert!(block.receipts.iter().all(|r| r.success()));
    let after = kv
        .scan_prefix(strata_primitives::namespaces::ACCOUNT_RECORDS, b"")
        .unwrap()
        .len();
    assert_eq!(after, before + 1);
    let snap = rt.snapshot(block.head.state_root).unwrap();
    assert_eq!(snap.read_slice(&c, 0, 0, 8).unwrap(), 50i64.to_le_bytes());
}
