//! What a hostile user (or a damaged disk) cannot do: ask for unbounded gas,
//! fill a block past its cap, or slip a damaged record past the runtime.

mod common;

use std::ops::ControlFlow;
use std::sync::Arc;

use common::*;
use strata_kv::{KvStore, MemKv, Namespace, WriteBatch};
use strata_pages::{NS_PAGES, PageError};
use strata_runtime::{
    Account, Address, Arg, ErrorKind, NS_ACCOUNTS, Receipt, Runtime, RuntimeConfig, RuntimeError,
    Transaction,
};

fn runtime_with(config: RuntimeConfig) -> (Arc<MemKv>, Runtime<Arc<MemKv>>) {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::builder(kv.clone())
        .config(config)
        .build()
        .expect("runtime");
    (kv, rt)
}

fn inc(contract: Address, gas: u64) -> Transaction {
    let mut tx = call_tx(contract, "inc", vec![], vec![]);
    tx.gas_limit = gas;
    Transaction::Call(tx)
}

/// Deploys the counter with a gas limit that fits a small block.
fn deploy_small(rt: &Runtime<Arc<MemKv>>) -> Address {
    let mut d = deploy_tx(COUNTER, 1);
    d.gas_limit = 20_000;
    let r = rt.execute(&Transaction::Deploy(d), BLOCK).unwrap();
    assert!(r.success(), "{:?}", r.error);
    r.deployed.unwrap()
}

fn refused(r: &Receipt, kind: ErrorKind) {
    let err = r.error.as_ref().expect("refused");
    assert_eq!(err.kind, kind, "{err}");
    assert_eq!(r.gas_used, 0, "a refused transaction did not run");
    assert!(r.state_roots.is_empty() && r.events.is_empty() && r.logs.is_empty());
}

#[test]
fn a_transaction_over_the_gas_cap_is_refused_before_it_runs() {
    let (kv, rt) = runtime_with(RuntimeConfig::default());
    let c = deploy(&rt, COUNTER, 1);
    let cap = rt.config().max_tx_gas;
    assert_eq!(cap, strata_runtime::DEFAULT_MAX_TX_GAS);
    let before = kv.len();
    for gas in [u64::MAX, cap + 1] {
        let r = rt.execute(&inc(c, gas), BLOCK).unwrap();
        refused(&r, ErrorKind::OverGasCap);
        let message = &r.error.as_ref().unwrap().message;
        assert!(message.contains(&cap.to_string()), "{message}");
    }
    assert_eq!(kv.len(), before, "nothing written");
    assert_eq!(counter_value(&rt, &c), 0);
    // At the cap it runs.
    let r = rt.execute(&inc(c, cap), BLOCK).unwrap();
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(counter_value(&rt, &c), 1);

    // Deploys and queries too.
    let mut d = deploy_tx(COUNTER, 1);
    d.gas_limit = u64::MAX;
    refused(
        &rt.execute(&Transaction::Deploy(d), BLOCK).unwrap(),
        ErrorKind::OverGasCap,
    );
    let mut q = call_tx(c, "spin", vec![], vec![]);
    q.gas_limit = u64::MAX;
    refused(&rt.query(&q, BLOCK).unwrap(), ErrorKind::OverGasCap);
}

#[test]
fn a_block_admits_transactions_while_its_gas_lasts() {
    let config = RuntimeConfig {
        max_block_gas: 30_000,
        ..RuntimeConfig::default()
    };
    let (_kv, rt) = runtime_with(config.clone());
    let c = deploy_small(&rt);
    let one = rt.execute(&inc(c, 10_000), BLOCK).unwrap();
    assert!(one.success());
    let used = one.gas_used;
    assert!(
        used > 1_000 && used < 5_000,
        "a counter inc uses {used} gas"
    );

    // Limits of 10,000: each runs while 10,000 is left of the block's
    // 30,000 less what the earlier ones used; a later, smaller one still
    // fits after a larger one was refused.
    let mut txs: Vec<Transaction> = (0..12).map(|_| inc(c, 10_000)).collect();
    txs.push(inc(c, used));
    let receipts = rt.execute_block(&txs, BLOCK).unwrap().receipts;
    let ran = receipts.iter().take_while(|r| r.success()).count();
    let expected = (30_000 - 10_000) / used + 1;
    assert_eq!(ran as u64, expected, "{receipts:?}");
    for r in &receipts[ran..12] {
        refused(r, ErrorKind::BlockGasExhausted);
        assert!(r.error.as_ref().unwrap().message.contains("later block"));
    }
    let total: u64 = receipts.iter().map(|r| r.gas_used).sum();
    assert!(total <= 30_000, "the block used {total}");
    let last = receipts.last().unwrap();
    if 30_000 - ran as u64 * used >= used {
        assert!(last.success(), "{:?}", last.error);
    }
    assert_eq!(
        counter_value(&rt, &c) as usize,
        1 + receipts.iter().filter(|r| r.success()).count()
    );

    // The same block from the same state gives the same receipts.
    let (_kv2, rt2) = runtime_with(config);
    let c2 = deploy_small(&rt2);
    assert_eq!(c, c2);
    assert!(rt2.execute(&inc(c, 10_000), BLOCK).unwrap().success());
    let again = rt2.execute_block(&txs, BLOCK).unwrap().receipts;
    let bytes = |rs: &[Receipt]| rs.iter().map(Receipt::to_bytes).collect::<Vec<_>>();
    assert_eq!(bytes(&receipts), bytes(&again));
}

/// Replaces the record under `key` of `ns` with `f` of it.
fn tamper(kv: &MemKv, ns: Namespace, key: &[u8], f: impl FnOnce(&mut Vec<u8>)) {
    let mut record = kv
        .get(ns, key)
        .unwrap()
        .expect("the record exists")
        .to_vec();
    f(&mut record);
    let mut batch = WriteBatch::new();
    batch.put(ns, key, record);
    kv.write(batch).unwrap();
}

/// The account record's typed error, from `Runtime::account` and from a
/// transaction, naming the key.
fn corrupt_account(rt: &Runtime<Arc<MemKv>>, c: Address, detail: &str) {
    rt.clear_caches();
    for err in [
        rt.account(&c).unwrap_err(),
        rt.execute(&inc(c, GAS), BLOCK).unwrap_err(),
    ] {
        assert!(
            matches!(
                err,
                RuntimeError::Corrupt {
                    what: "account",
                    ..
                }
            ),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(&c.to_hex()), "names the key: {message}");
        assert!(message.contains(detail), "{message}");
    }
}

#[test]
fn damaged_account_records_are_corruption_with_their_key() {
    let (kv, rt) = runtime_with(RuntimeConfig::default());
    let c = deploy(&rt, COUNTER, 1);
    let good = kv.get(NS_ACCOUNTS, &c.0).unwrap().unwrap().to_vec();
    let account = Account::from_record(&c, &good).unwrap();
    assert_eq!(good, account.to_record(&c), "records round-trip");

    // A flipped byte of the balance (16 bytes before the nonce, the name and
    // the checksum).
    let balance_at = good.len() - 4 - 1 - 8 - 16;
    tamper(&kv, NS_ACCOUNTS, &c.0, |r| r[balance_at] ^= 0x01);
    corrupt_account(&rt, c, "checksum");

    // Trailing bytes, even with a checksum over them.
    let mut body = account.to_record(&c);
    body.truncate(body.len() - 4);
    body.push(0);
    let crc = {
        let mut h = crc32fast::Hasher::new();
        h.update(&c.0);
        h.update(&body);
        h.finalize()
    };
    body.extend_from_slice(&crc.to_le_bytes());
    tamper(&kv, NS_ACCOUNTS, &c.0, |r| *r = body);
    corrupt_account(&rt, c, "decode");

    // A truncated record, and a good record under another key.
    tamper(&kv, NS_ACCOUNTS, &c.0, |r| r.truncate(3));
    corrupt_account(&rt, c, "too short");
    let other = Address([0x77; 20]);
    tamper(&kv, NS_ACCOUNTS, &c.0, |r| *r = account.to_record(&other));
    corrupt_account(&rt, c, "another key");

    // Put back, it works again.
    tamper(&kv, NS_ACCOUNTS, &c.0, |r| *r = good);
    rt.clear_caches();
    assert!(call(&rt, c, "inc", vec![]).success());
}

/// The keys of every record in `ns`.
fn keys_of(kv: &MemKv, ns: Namespace) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    kv.scan(ns, &[], &mut |k, _| {
        keys.push(k.to_vec());
        ControlFlow::Continue(())
    })
    .unwrap();
    keys
}

#[test]
fn a_damaged_page_is_corruption_of_the_store_with_its_key_also_across_a_call() {
    let (kv, rt) = runtime_with(RuntimeConfig::default());
    let counter = deploy(&rt, COUNTER, 1);
    let caller = deploy(&rt, CALLER, 1);
    assert!(call(&rt, counter, "inc", vec![]).success());
    let pages = keys_of(&kv, NS_PAGES);
    assert_eq!(pages.len(), 1, "the counter's one written page");
    tamper(&kv, NS_PAGES, &pages[0], |r| r[0] ^= 0x80);

    let check = |err: RuntimeError| {
        assert!(
            matches!(
                err,
                RuntimeError::Pages(PageError::Corrupt { what: "page", .. })
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&hex::encode(&pages[0])),
            "names the key: {err}"
        );
    };
    let before = kv.len();
    rt.clear_caches();
    check(rt.execute(&inc(counter, GAS), BLOCK).unwrap_err());
    // Through a contract call, the callee's damaged page is still the
    // store's corruption, not a failed call the caller could carry on from.
    rt.clear_caches();
    let input = call_input(&counter, "inc", &[]);
    let tx = Transaction::Call(call_tx(caller, "call_target", vec![], input));
    check(rt.execute(&tx, BLOCK).unwrap_err());
    check(rt.read_slice(&counter, 0, 0, 8).unwrap_err());
    assert_eq!(kv.len(), before, "nothing written");
    // Repaired, the same transaction runs: the caller's call succeeds.
    tamper(&kv, NS_PAGES, &pages[0], |r| r[0] ^= 0x80);
    rt.clear_caches();
    let r = rt.execute(&tx, BLOCK).unwrap();
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(r.returns, vec![Arg::I32(0)]);
    assert_eq!(counter_value(&rt, &counter), 2);
}

#[test]
fn messages_keep_control_characters_and_replace_invalid_utf8() {
    // A log of invalid UTF-8, then an abort whose message tries to fake a
    // line of the CLI's output.
    let wat = r#"(module
      (import "strata" "log" (func $log (param i32 i32)))
      (import "strata" "abort" (func $abort (param i32 i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "ok\ff\fe!")
      (data (i32.const 16) "no\n\1b[32mstatus       success")
      (func (export "go")
        (call $log (i32.const 0) (i32.const 5))
        (call $abort (i32.const 16) (i32.const 28))))"#;
    let (_kv, rt) = runtime_with(RuntimeConfig::default());
    let c = deploy(&rt, wat, 0);
    let r = call(&rt, c, "go", vec![]);
    let err = r.error.expect("aborted");
    assert_eq!(err.kind, ErrorKind::Abort);
    assert_eq!(err.message, "no\n\x1b[32mstatus       success");
    assert_eq!(r.logs, vec!["ok\u{fffd}\u{fffd}!".to_string()]);
}

#[test]
fn damaged_code_is_corruption_with_its_key_small_or_large() {
    // The counter as it is, and with a 600 KiB custom section: code that
    // large is hashed on a second thread while it compiles.
    let plain = wat::parse_str(COUNTER).unwrap();
    let mut large = plain.clone();
    let mut section = vec![0u8];
    let payload: Vec<u8> = [&[4u8][..], b"blob", &vec![0x5a; 600 * 1024]].concat();
    let mut n = payload.len();
    while n >= 0x80 {
        section.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    section.push(n as u8);
    large.extend(section);
    large.extend(payload);
    for code in [plain, large] {
        let (kv, rt) = runtime_with(RuntimeConfig::default());
        let mut d = deploy_tx(COUNTER, 1);
        d.code = code.clone();
        let r = rt.execute(&Transaction::Deploy(d), BLOCK).unwrap();
        assert!(r.success(), "{:?}", r.error);
        let c = r.deployed.unwrap();
        let hash = rt.account(&c).unwrap().unwrap().code_hash.unwrap();
        let good = kv
            .get(strata_runtime::NS_CODE, &hash.0)
            .unwrap()
            .unwrap()
            .to_vec();
        let last = good.len() - 1;
        // Still valid wasm but other bytes (the last byte is in the
        // custom section, or in the last function body), and bytes that
        // are no wasm at all: both fail the hash, whatever the compile says.
        for flip in [true, false] {
            tamper(&kv, strata_runtime::NS_CODE, &hash.0, |r| {
                if flip {
                    r[last] ^= 0x01;
                } else {
                    r.truncate(100);
                }
            });
            rt.clear_caches();
            let before = kv.len();
            let err = rt.execute(&inc(c, GAS), BLOCK).unwrap_err();
            assert!(
                matches!(err, RuntimeError::Corrupt { what: "code", .. }),
                "{err:?}"
            );
            let message = err.to_string();
            assert!(message.contains(&hash.to_hex()), "names the key: {message}");
            assert!(message.contains("does not hash to its key"), "{message}");
            assert_eq!(kv.len(), before, "nothing written");
            tamper(&kv, strata_runtime::NS_CODE, &hash.0, |r| *r = good.clone());
        }
        rt.clear_caches();
        assert!(call(&rt, c, "inc", vec![]).success());
    }
}
