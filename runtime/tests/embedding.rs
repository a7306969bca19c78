//! The Rust API as a new embedder meets it: one dependency
//! (`strata-runtime`), the store by value, transactions from builders,
//! failed transactions that `?` does not let through, and caches an
//! embedder can watch and clear one at a time.

use std::sync::Arc;

use strata_runtime::prelude::*;
use strata_runtime::{CacheStats, KvStore, StateRoot};

const COUNTER: &str = r#"(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory 1)
  (func (export "inc") (result i64)
    (call $read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0)))
  (func (export "fail") unreachable))"#;

const AUTHOR: Address = Address([1; 20]);
const USER: Address = Address([2; 20]);
const BLOCK: BlockContext = BlockContext { height: 1, time: 0 };

fn deploy<K: KvStore + 'static>(rt: &Runtime<K>) -> Result<Address, Box<dyn std::error::Error>> {
    let tx = DeployTx::new(AUTHOR, wat::parse_str(COUNTER)?);
    let receipt = rt.execute(&tx.into(), BLOCK)?.into_result()?;
    Ok(receipt.deployed.ok_or("a deploy names its contract")?)
}

fn inc(contract: Address) -> Transaction {
    CallTx::new(contract, USER, "inc").into()
}

#[test]
fn the_store_is_taken_in_the_form_the_embedder_has() -> Result<(), Box<dyn std::error::Error>> {
    let by_value: Runtime<MemKv> = Runtime::new(MemKv::new());
    let shared = Arc::new(MemKv::new());
    let in_arc = Runtime::new(shared.clone());
    let as_dyn: Runtime<Arc<dyn KvStore>> = Runtime::new(Arc::new(MemKv::new()));
    let mut roots: Vec<StateRoot> = Vec::new();
    for run in [
        &|| -> Result<_, Box<dyn std::error::Error>> {
            let c = deploy(&by_value)?;
            Ok(by_value.execute(&inc(c), BLOCK)?.into_result()?)
        } as &dyn Fn() -> Result<Receipt, Box<dyn std::error::Error>>,
        &|| {
            let c = deploy(&in_arc)?;
            Ok(in_arc.execute(&inc(c), BLOCK)?.into_result()?)
        },
        &|| {
            let c = deploy(&as_dyn)?;
            Ok(as_dyn.execute(&inc(c), BLOCK)?.into_result()?)
        },
    ] {
        let receipt = run()?;
        assert_eq!(receipt.returns, vec![Arg::I64(1)]);
        roots.push(receipt.state_roots[0].1);
    }
    assert!(roots.windows(2).all(|w| w[0] == w[1]), "{roots:?}");
    assert!(!shared.is_empty(), "the shared store holds what ran on it");
    Ok(())
}

#[test]
fn a_failed_transaction_stops_a_question_mark() {
    let rt = Runtime::new(MemKv::new());
    let run = || -> Result<Receipt, Box<dyn std::error::Error>> {
        let c = deploy(&rt)?;
        let tx = CallTx::new(c, USER, "fail").into();
        Ok(rt.execute(&tx, BLOCK)?.into_result()?)
    };
    let err = run().unwrap_err();
    let failed = err.downcast_ref::<TxFailed>().expect("a TxFailed");
    assert_eq!(failed.error().kind, ErrorKind::Trap);
    assert!(
        failed.receipt().gas_used > 0,
        "a failed transaction is charged"
    );
    assert!(
        err.to_string().starts_with("the transaction failed: trap"),
        "{err}"
    );
}

/// The counters of every cache, less their lengths: what one transaction
/// changed.
fn delta(before: &CacheStats, after: &CacheStats) -> [(u64, u64, u64); 4] {
    let d = |b: &strata_runtime::CacheCounters, a: &strata_runtime::CacheCounters| {
        (
            a.hits - b.hits,
            a.misses - b.misses,
            a.evictions - b.evictions,
        )
    };
    [
        d(&before.modules, &after.modules),
        d(&before.contracts, &after.contracts),
        d(&before.layouts, &after.layouts),
        d(&before.account_nodes, &after.account_nodes),
    ]
}

#[test]
fn a_second_call_hits_every_cache() -> Result<(), Box<dyn std::error::Error>> {
    let rt = Runtime::new(MemKv::new());
    let c = deploy(&rt)?;
    rt.clear_caches();
    rt.reset_cache_stats();
    assert_eq!(rt.cache_stats(), CacheStats::default());
    let first = rt.execute(&inc(c), BLOCK)?.into_result()?;
    let cold = rt.cache_stats();
    let [modules, contracts, layouts, _] = delta(&CacheStats::default(), &cold);
    assert_eq!(
        (modules, contracts, layouts),
        ((0, 1, 0), (0, 1, 0), (0, 1, 0))
    );
    assert!(cold.account_nodes.misses > 0, "{cold:?}");
    assert_eq!(
        (cold.modules.len, cold.contracts.len, cold.layouts.len),
        (1, 1, 1)
    );
    // The counter's instance can be reset, so it is pooled after the call.
    let i = cold.instances;
    assert_eq!((i.hits, i.misses, i.len), (0, 1, 1), "{cold:?}");
    let second = rt.execute(&inc(c), BLOCK)?.into_result()?;
    let warm = rt.cache_stats();
    let [modules, contracts, layouts, nodes] = delta(&cold, &warm);
    assert_eq!(
        (modules, contracts, layouts),
        ((1, 0, 0), (1, 0, 0), (1, 0, 0))
    );
    assert_eq!(nodes.1, 0, "the first block's nodes were cached: {warm:?}");
    let i = warm.instances;
    assert_eq!((i.hits, i.misses, i.len), (1, 1, 1), "reused: {warm:?}");
    assert!(warm.account_nodes.len > 0);
    assert_eq!(first.gas_used, second.gas_used, "a cache never changes gas");
    Ok(())
}

#[test]
fn the_account_node_cache_holds_the_current_tree_not_its_old_versions()
-> Result<(), Box<dyn std::error::Error>> {
    let rt = Runtime::new(MemKv::new());
    let c = deploy(&rt)?;
    let first = rt.execute(&inc(c), BLOCK)?.into_result()?;
    let settled = rt.cache_stats().account_nodes;
    assert!(settled.len > 0, "{settled:?}");
    rt.reset_cache_stats();
    for _ in 0..50 {
        let receipt = rt.execute(&inc(c), BLOCK)?.into_result()?;
        assert_eq!(receipt.gas_used, first.gas_used);
    }
    let after = rt.cache_stats().account_nodes;
    // Each block replaces the counter's leaf and the nodes above it: the
    // cache forgets those and holds as many nodes as before.
    assert_eq!(after.len, settled.len, "{after:?}");
    assert_eq!(after.misses, 0, "every path stayed cached: {after:?}");
    assert!(after.hits >= 50, "{after:?}");
    Ok(())
}

#[test]
fn clearing_one_cache_leaves_the_others() -> Result<(), Box<dyn std::error::Error>> {
    let rt = Runtime::new(MemKv::new());
    let c = deploy(&rt)?;
    let warm = rt.execute(&inc(c), BLOCK)?.into_result()?;
    let lens = |s: CacheStats| {
        [
            s.modules.len,
            s.contracts.len,
            s.layouts.len,
            s.account_nodes.len,
        ]
    };
    type Clear = fn(&Runtime<MemKv>);
    let clears: [(&str, Clear); 4] = [
        ("modules", |rt| rt.clear_module_cache()),
        ("contracts", |rt| rt.clear_contract_cache()),
        ("layouts", |rt| rt.clear_layout_cache()),
        ("account nodes", |rt| rt.clear_account_node_cache()),
    ];
    for (i, (name, clear)) in clears.iter().enumerate() {
        // Warm every cache, then clear one.
        let again = rt.execute(&inc(c), BLOCK)?.into_result()?;
        assert_eq!(again.gas_used, warm.gas_used);
        let full = lens(rt.cache_stats());
        assert!(full.iter().all(|&n| n > 0), "{full:?}");
        assert_eq!(rt.cache_stats().instances.len, 1);
        clear(&rt);
        // Pooled instances go with the modules.
        let pooled = usize::from(*name != "modules");
        assert_eq!(rt.cache_stats().instances.len, pooled, "{name}");
        let now = lens(rt.cache_stats());
        for (j, (&n, &f)) in now.iter().zip(&full).enumerate() {
            if i == j {
                assert_eq!(n, 0, "{name} cleared");
            } else {
                assert_eq!(n, f, "clearing {name} left cache {j}");
            }
        }
        // The cleared cache misses once; the result and gas do not change.
        let before = rt.cache_stats();
        let after_clear = rt.execute(&inc(c), BLOCK)?.into_result()?;
        let missed = delta(&before, &rt.cache_stats())[i].1;
        assert!(missed > 0, "{name} missed after clearing");
        assert_eq!(after_clear.gas_used, warm.gas_used, "{name}");
        assert_eq!(after_clear.events, warm.events);
    }
    assert_eq!(
        rt.execute(&inc(c), BLOCK)?.returns,
        vec![Arg::I64(10)],
        "every transaction counted"
    );
    Ok(())
}

#[test]
fn full_caches_evict_and_give_the_same_receipts() -> Result<(), Box<dyn std::error::Error>> {
    let tiny = RuntimeConfig {
        module_cache: 1,
        contract_cache: 1,
        ..RuntimeConfig::default()
    };
    let small = Runtime::builder(MemKv::new()).config(tiny).build()?;
    let roomy = Runtime::new(MemKv::new());
    // Two contracts of different code, called in turn.
    let other = COUNTER.replace("(i64.const 1)", "(i64.const 2)");
    let mut both = Vec::new();
    for rt in [&small, &roomy] {
        let a = deploy(rt)?;
        let tx = DeployTx::new(AUTHOR, wat::parse_str(&other)?);
        let b = rt.execute(&tx.into(), BLOCK)?.into_result()?.deployed;
        both.push((a, b.ok_or("deployed")?));
    }
    assert_eq!(both[0], both[1], "the same addresses on both");
    let (a, b) = both[0];
    small.reset_cache_stats();
    for tx in [inc(a), inc(b), inc(a), inc(b)] {
        assert_eq!(small.execute(&tx, BLOCK)?, roomy.execute(&tx, BLOCK)?);
    }
    let s = small.cache_stats();
    assert_eq!((s.modules.hits, s.modules.misses), (0, 4), "{s:?}");
    assert!(s.modules.evictions >= 3, "{s:?}");
    assert!(s.contracts.evictions >= 3, "{s:?}");
    assert!(s.layouts.evictions >= 3, "{s:?}");
    assert_eq!((s.modules.len, s.contracts.len, s.layouts.len), (1, 1, 1));
    let r = roomy.cache_stats();
    assert_eq!(r.modules.evictions + r.contracts.evictions, 0, "{r:?}");
    Ok(())
}

#[test]
fn the_readme_shows_the_embedding_example() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("examples/embed.rs")).unwrap();
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let block = "## Embedding\n";
    let section = &readme[readme.find(block).expect("an Embedding section")..];
    assert!(
        section.contains(&format!("```rust\n{example}```\n")),
        "README.md's Embedding section must show runtime/examples/embed.rs as it is \
         (the crate docs run that file as a doc test): copy it over"
    );
}
