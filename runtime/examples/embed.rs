// Embedding Strata: deploy a counter on an in-memory store, call it, and
// run a block. `strata-runtime` is the only dependency (and `wat` for the
// contract's text). Run it: `cargo run -p strata-runtime --example embed`.
use strata_runtime::prelude::*;

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Any `KvStore`: `MemKv`, or `RocksKv::open(dir)?` with the `rocksdb`
    // feature; by value or in an `Arc`.
    let rt = Runtime::new(MemKv::new());
    let (author, user) = (Address([1; 20]), Address([2; 20]));
    let ctx = BlockContext {
        height: 1,
        time: 1_700_000_000,
    };

    // Deploy: defaults of one page, no constructor, no balance, 10M gas.
    let deploy = DeployTx::new(author, wat::parse_str(COUNTER)?);
    // `execute` is `Err` only when the runtime fails; a failed transaction
    // is an `Ok` receipt, which `into_result` turns into an error.
    let receipt = rt.execute(&deploy.into(), ctx)?.into_result()?;
    let counter = receipt.deployed.ok_or("a deploy names its contract")?;

    // Call it (1M gas by default).
    let inc = CallTx::new(counter, user, "inc");
    let receipt = rt.execute(&inc.clone().into(), ctx)?.into_result()?;
    assert_eq!(receipt.returns, vec![Arg::I64(1)]);

    // A block: each transaction atomic on its own, the block one batch.
    let txs: Vec<Transaction> = vec![
        inc.clone().into(),
        CallTx::new(counter, user, "fail").into(), // traps: changes nothing
        inc.into(),
    ];
    let ctx = BlockContext { height: 2, ..ctx };
    let block = rt.execute_block(&txs, ctx)?;
    for r in &block.receipts {
        match &r.error {
            None => println!("ok {:?}, {} gas", r.returns, r.gas_used),
            Some(e) => println!("failed ({e}), {} gas", r.gas_used),
        }
    }
    assert_eq!(block.receipts[2].returns, vec![Arg::I64(3)]);
    let root = strata_runtime::hex::encode(block.head.state_root);
    println!("block {}: state root {root}", block.head.height);
    println!("module cache: {:?}", rt.cache_stats().modules);
    Ok(())
}
