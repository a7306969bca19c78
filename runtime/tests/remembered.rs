//! The block records the runtime remembers (`remembered.rs`): a warm
//! `execute` reads the store only for what the transaction needs, and a
//! runtime still sees every block another runtime wrote to the same store.

mod common;

use std::sync::Arc;

use common::*;
use strata_kv::MemKv;
use strata_kv::testing::Instrumented;
use strata_runtime::{Arg, BlockContext, Head, Retention, Runtime, RuntimeConfig, Transaction};

fn config(state_retention: Retention) -> RuntimeConfig {
    RuntimeConfig {
        state_retention,
        ..RuntimeConfig::default()
    }
}

fn at(height: u64) -> BlockContext {
    BlockContext {
        height,
        time: 1_700_000_000 + height,
    }
}

/// Archive: the account is the one read. Counting (the default
/// retention): the account, and six reads of the retention's counts of
/// the records the block writes (`lifecycle/`, not remembered here): the
/// page, the account record and four account-tree nodes. The new page
/// itself is found in the block's batch, not looked for in the store.
#[test]
fn a_warm_execute_reads_only_its_account() {
    for (retention, gets_per_tx) in [(Retention::Archive, 1), (Retention::default(), 7)] {
        let kv = Arc::new(Instrumented::new(MemKv::new()));
        let rt = Runtime::builder(kv.clone())
            .config(config(retention))
            .build()
            .expect("runtime");
        let c = deploy(&rt, COUNTER, 1);
        let add = Transaction::Call(call_tx(c, "add", vec![Arg::I64(1)], vec![]));
        let inc = Transaction::Call(call_tx(c, "inc", vec![], vec![]));
        for height in 2..5 {
            assert!(rt.execute(&add, at(height)).expect("runtime").success());
            assert!(rt.execute(&inc, at(height)).expect("runtime").success());
        }
        kv.reset_counts();
        for height in 5..15 {
            assert!(rt.execute(&add, at(height)).expect("runtime").success());
            assert!(rt.execute(&inc, at(height)).expect("runtime").success());
        }
        assert_eq!(kv.gets(), 20 * gets_per_tx, "{retention:?}");
        assert_eq!(kv.writes(), 20);
    }
}

/// Runs `adds` increments of two counters in turn, each its own block,
/// alternating over `runtimes` (which share one store): the heads after
/// each. With two runtimes, each changes an account the other's blocks
/// do not, so a runtime that built on the head it wrote last, not on the
/// other's, would lose the other's change from its root.
fn heads(runtimes: &[Runtime<Arc<MemKv>>], adds: u64) -> Vec<Option<Head>> {
    let counters = [
        deploy(&runtimes[0], COUNTER, 1),
        deploy(&runtimes[0], COUNTER, 1),
    ];
    let mut heads = Vec::new();
    for n in 0..adds {
        let rt = &runtimes[n as usize % runtimes.len()];
        let c = counters[n as usize % 2];
        let tx = if n % 4 < 2 {
            call_tx(c, "inc", vec![], vec![])
        } else {
            call_tx(c, "add", vec![Arg::I64(n as i64)], vec![])
        };
        let r = rt
            .execute(&Transaction::Call(tx), at(2 + n))
            .expect("runtime");
        assert!(r.success(), "{:?}", r.error);
        heads.push(rt.head().expect("head"));
    }
    heads
}

#[test]
fn a_runtime_sees_the_blocks_another_wrote_to_its_store() {
    for retention in [
        Retention::Archive,
        Retention::default(),
        Retention::Blocks(2.try_into().unwrap()),
    ] {
        let one = Runtime::builder(Arc::new(MemKv::new()))
            .config(config(retention))
            .build()
            .expect("runtime");
        let alone = heads(&[one], 12);
        let kv = Arc::new(MemKv::new());
        let two: Vec<_> = (0..2)
            .map(|_| {
                Runtime::builder(kv.clone())
                    .config(config(retention))
                    .build()
                    .expect("runtime")
            })
            .collect();
        let shared = heads(&two, 12);
        assert_eq!(alone, shared, "{retention:?}");
        assert!(shared.iter().all(Option::is_some));
    }
}
