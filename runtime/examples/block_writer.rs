//! The child process of the runtime's kill test (`tests/kill.rs`): runs
//! blocks against a RocksDB store until it is killed, printing
//! `block N` after each block is acknowledged (written and synced).
//!
//! Usage: `block_writer DIR [KEEP]`: with `KEEP`, the runtime keeps the
//! last `KEEP` blocks' states and prunes the rest (else the default). The first run deploys a counter and a caller;
//! every run continues from the blocks already in the store, so a test can
//! kill it, check the store, and start it again. Block `n` is always the
//! same transactions (see [`block`]), so the state after `n` blocks is known.

#[path = "../tests/common/mod.rs"]
pub mod common;

use std::io::Write;
use std::sync::Arc;

use common::*;
use strata_kv::{KvStore, RocksKv};
use strata_runtime::{Address, BlockContext, Runtime, Transaction};

/// Increments of the counter per block (successful transactions).
pub const INCS_PER_BLOCK: i64 = 11;

/// The transactions of block `n` (after the deploys): ten increments, one
/// call that writes and then fails (rolled back), and one increment
/// through the caller (a nested call).
pub fn block(counter: Address, caller: Address) -> Vec<Transaction> {
    let mut txs: Vec<Transaction> = (0..10)
        .map(|_| Transaction::Call(call_tx(counter, "inc", vec![], vec![])))
        .collect();
    txs.push(Transaction::Call(call_tx(
        counter,
        "fail_after_write",
        vec![],
        vec![],
    )));
    txs.push(Transaction::Call(call_tx(
        caller,
        "call_target",
        vec![],
        call_input(&counter, "inc", &[]),
    )));
    txs
}

/// The context of block `n`.
pub fn context(n: u64) -> BlockContext {
    BlockContext {
        height: n,
        time: 1_700_000_000 + n,
    }
}

/// Deploys the two contracts (block 0); their addresses are fixed by the
/// author's nonces.
pub fn setup<K: KvStore + Clone + 'static>(rt: &Runtime<K>) -> (Address, Address) {
    (deploy(rt, COUNTER, 1), deploy(rt, CALLER, 1))
}

/// A runtime over `kv` that keeps the last `keep` blocks (the default
/// retention without it).
pub fn runtime<K: KvStore + 'static>(kv: K, keep: Option<std::num::NonZeroU64>) -> Runtime<K> {
    let mut config = strata_runtime::RuntimeConfig::default();
    if let Some(n) = keep {
        config.state_retention = strata_runtime::Retention::Blocks(n);
    }
    Runtime::builder(kv)
        .config(config)
        .build()
        .expect("the runtime")
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: block_writer DIR [KEEP]");
    let keep = std::env::args()
        .nth(2)
        .map(|k| k.parse().expect("KEEP: a number above 0"));
    let kv = Arc::new(RocksKv::open(&dir).expect("open the store"));
    let rt = runtime(kv, keep);
    let author = rt.account(&AUTHOR).expect("store");
    let (counter, caller) = match author {
        None => setup(&rt),
        Some(_) => {
            let counter = strata_runtime::contract_address(
                &AUTHOR,
                0,
                &strata_runtime::CodeHash::of(&deploy_tx(COUNTER, 1).code),
            );
            let caller = strata_runtime::contract_address(
                &AUTHOR,
                1,
                &strata_runtime::CodeHash::of(&deploy_tx(CALLER, 1).code),
            );
            (counter, caller)
        }
    };
    let mut done = (counter_value(&rt, &counter) / INCS_PER_BLOCK) as u64;
    let txs = block(counter, caller);
    let mut out = std::io::stdout().lock();
    loop {
        done += 1;
        // The kill test checks the store, not the receipts.
        let _receipts = rt.execute_block(&txs, context(done)).expect("block");
        writeln!(out, "block {done}").expect("stdout");
        out.flush().expect("stdout");
    }
}
