//! The global state root: one root over every account per block
//! (`strata-state`'s account tree), returned by `execute_block`, stored as
//! the head with its block, provable account by account, independent of
//! where blocks end, and built once for a store that predates it.

mod common;

use std::sync::Arc;

use common::*;
use strata_kv::{KvStore, MemKv, WriteBatch};
use strata_primitives::namespaces;
use strata_runtime::{Address, Arg, Head, Runtime, Transaction};
use strata_state::{AccountTree, EMPTY, account_key, record_hash};

fn inc(c: Address) -> Transaction {
    Transaction::Call(call_tx(c, "inc", vec![], vec![]))
}

/// The root of a tree built from scratch over every stored account.
fn recomputed(kv: &Arc<MemKv>) -> [u8; 32] {
    let updates: Vec<_> = kv
        .scan_prefix(namespaces::ACCOUNTS, b"")
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let a = Address(k[..].try_into().unwrap());
            (account_key(&a), record_hash(v))
        })
        .collect();
    let mut tree = AccountTree::open(Arc::new(MemKv::new()), EMPTY);
    tree.update(&updates).unwrap()
}

#[test]
fn every_account_is_proven_under_the_block_root() {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv.clone());
    assert_eq!(rt.head().unwrap(), None, "no block yet");
    let c = deploy(&rt, COUNTER, 1);
    let caller = deploy(&rt, CALLER, 1);
    let result = rt.execute_block(&[inc(c), inc(c)], BLOCK).unwrap();
    assert!(result.receipts.iter().all(|r| r.success()));
    let head = result.head;
    assert_eq!(head.height, BLOCK.height);
    assert_eq!(rt.head().unwrap(), Some(head), "stored with its block");
    assert_eq!(head.state_root, recomputed(&kv));

    let tree = AccountTree::open(kv.clone(), head.state_root);
    for a in [AUTHOR, USER, c, caller] {
        let Some(account) = rt.account(&a).unwrap() else {
            // The sender of calls has no record unless it paid or deployed.
            let proof = tree.prove(&account_key(&a)).unwrap();
            proof
                .verify(&head.state_root, &account_key(&a), None)
                .unwrap();
            continue;
        };
        let record = account.to_record(&a);
        let proof = tree.prove(&account_key(&a)).unwrap();
        proof
            .verify(
                &head.state_root,
                &account_key(&a),
                Some(&record_hash(&record)),
            )
            .unwrap();
        // The proof does not hold for a record with another counter value.
        let mut other = account.clone();
        other.balance += 1;
        assert!(
            proof
                .verify(
                    &head.state_root,
                    &account_key(&a),
                    Some(&record_hash(&other.to_record(&a)))
                )
                .is_err()
        );
    }
}

#[test]
fn the_root_does_not_depend_on_where_blocks_end() {
    let one = Runtime::new(Arc::new(MemKv::new()));
    let each = Runtime::new(Arc::new(MemKv::new()));
    let c = deploy(&one, COUNTER, 1);
    assert_eq!(deploy(&each, COUNTER, 1), c);
    let txs = vec![inc(c), inc(c), inc(c)];
    let whole = one.execute_block(&txs, BLOCK).unwrap().head;
    let mut last = None;
    for tx in &txs {
        each.clear_caches();
        assert!(each.execute(tx, BLOCK).unwrap().success());
        last = each.head().unwrap();
    }
    assert_eq!(last.map(|h| h.state_root), Some(whole.state_root));
    // And the root moves with the state.
    let before = whole.state_root;
    let after = one.execute_block(&[inc(c)], BLOCK).unwrap().head.state_root;
    assert_ne!(before, after);
}

#[test]
fn a_block_that_changes_nothing_writes_nothing() {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv.clone());
    let c = deploy(&rt, COUNTER, 1);
    let head = rt.head().unwrap().unwrap();
    let before = kv.len();
    let fail = Transaction::Call(call_tx(c, "fail", vec![], vec![]));
    let later = strata_runtime::BlockContext {
        height: 7,
        time: BLOCK.time + 60,
    };
    let result = rt.execute_block(&[fail.clone(), fail], later).unwrap();
    assert!(result.receipts.iter().all(|r| !r.success()));
    assert_eq!(
        result.head,
        Head {
            height: 7,
            state_root: head.state_root
        }
    );
    assert_eq!(kv.len(), before, "nothing written");
    assert_eq!(rt.head().unwrap(), Some(head), "the stored head stays");
}

#[test]
fn a_store_without_a_head_builds_its_tree_once() {
    // Two runtimes with the same history; one loses its head and tree, as
    // a store written before the account tree existed has neither.
    let kept = Arc::new(MemKv::new());
    let old = Arc::new(MemKv::new());
    let a = Runtime::new(kept.clone());
    let b = Runtime::new(old.clone());
    let c = deploy(&a, COUNTER, 1);
    deploy(&b, COUNTER, 1);
    for rt in [&a, &b] {
        assert!(rt.execute(&inc(c), BLOCK).unwrap().success());
    }
    let mut wipe = WriteBatch::new();
    for (k, _) in old.scan_prefix(namespaces::ACCOUNT_NODES, b"").unwrap() {
        wipe.delete(namespaces::ACCOUNT_NODES, k);
    }
    wipe.delete(namespaces::BLOCKS, b"head");
    old.write(wipe).unwrap();
    let b = Runtime::new(old.clone());
    assert_eq!(b.head().unwrap(), None);
    // The next block covers every account, not only the ones it touched.
    let ra = a.execute_block(&[inc(c)], BLOCK).unwrap();
    let rb = b.execute_block(&[inc(c)], BLOCK).unwrap();
    assert_eq!(ra.receipts, rb.receipts);
    assert_eq!(ra.head, rb.head);
    assert_eq!(rb.head.state_root, recomputed(&old));
    let r = b.execute(&inc(c), BLOCK).unwrap();
    assert_eq!(r.returns, vec![Arg::I64(3)]);
}

#[test]
fn a_failed_block_write_keeps_the_old_head_and_the_next_block_runs() {
    let kv = Arc::new(strata_kv::testing::Instrumented::new(MemKv::new()));
    let rt = Runtime::new(kv.clone());
    let c = deploy(&rt, COUNTER, 1);
    let before = rt.head().unwrap();
    kv.fail_writes(true);
    assert!(rt.execute_block(&[inc(c), inc(c)], BLOCK).is_err());
    kv.fail_writes(false);
    assert_eq!(rt.head().unwrap(), before, "nothing of the failed block");
    let done = rt.execute_block(&[inc(c)], BLOCK).unwrap();
    assert_eq!(done.receipts[0].returns, vec![Arg::I64(1)]);
    // A fresh runtime (no cached nodes) reads the same tree from the store.
    let fresh = Runtime::new(kv.clone());
    let head = fresh.head().unwrap().unwrap();
    assert_eq!(head, done.head);
    let tree = AccountTree::open(kv.clone(), head.state_root);
    let record = fresh.account(&c).unwrap().unwrap().to_record(&c);
    tree.prove(&account_key(&c))
        .unwrap()
        .verify(
            &head.state_root,
            &account_key(&c),
            Some(&record_hash(&record)),
        )
        .unwrap();
    // And it runs the next block on the same root.
    let next = fresh.execute_block(&[inc(c)], BLOCK).unwrap();
    assert_ne!(next.head.state_root, head.state_root);
}
