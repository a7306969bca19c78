//! Contract maps: one map read and one map write, hot and cold, next to a
//! slice read and write (each a whole call transaction), and token
//! transfers of `examples/map_token.wat` in blocks on any store (the report
//! runs 10,000 among 100,000 holders in blocks of 1,000, and one block of
//! 10,000 among 1,000 holders, on MemKv and RocksDB).

use std::sync::Arc;
use std::time::Instant;

use strata_kv::KvStore;
use strata_kv::testing::Instrumented;
use strata_runtime::{Address, Arg, BlockContext, CallTx, FunctionCall, Runtime, Transaction};

const BLOCK: BlockContext = BlockContext { height: 1, time: 0 };

/// A map in the slice at page 0 offset 0, and plain slices on pages 1..=64.
const MAPS_WAT: &str = r#"(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "map_get" (func $get (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "strata" "map_set" (func $set (param i32 i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "slice_read") (param $page i32) (result i64)
    (call $read (local.get $page) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0)))
  (func (export "slice_write") (param $page i32) (param $v i64)
    (i64.store (i32.const 0) (local.get $v))
    (call $write (local.get $page) (i32.const 0) (i32.const 0) (i32.const 8)))
  (func (export "map_read") (param $key i64) (result i64)
    (i64.store (i32.const 8) (local.get $key))
    (drop (call $get (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 8) (i32.const 0) (i32.const 8)))
    (i64.load (i32.const 0)))
  (func (export "map_write") (param $key i64) (param $v i64)
    (i64.store (i32.const 8) (local.get $key))
    (i64.store (i32.const 0) (local.get $v))
    (call $set (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 8) (i32.const 0) (i32.const 8))))"#;

/// The entries of the map and the plain pages of the fixture.
const ENTRIES: i64 = 10_000;
const PAGES: u32 = 65;

fn deploy<K: KvStore + 'static>(
    rt: &Runtime<K>,
    wasm: Vec<u8>,
    pages: u32,
    ctor: Option<FunctionCall>,
) -> Address {
    crate::runtime::deploy_with(rt, wasm, pages, ctor)
}

fn call(
    contract: Address,
    sender: Address,
    f: &str,
    args: Vec<Arg>,
    input: Vec<u8>,
) -> Transaction {
    Transaction::Call(CallTx {
        contract,
        sender,
        call: FunctionCall {
            function: f.into(),
            args,
        },
        input,
        gas_limit: 10_000_000,
    })
}

/// What one fixture call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read 8 bytes of a slice.
    SliceRead,
    /// Write 8 bytes of a slice.
    SliceWrite,
    /// Read a map entry (of 10,000).
    MapRead,
    /// Write a map entry (of 10,000).
    MapWrite,
}

/// A runtime with a 10,000-entry map and 64 written pages; each `run` is one
/// transaction. Hot: the same key (page) every time, caches warm. Cold:
/// the runtime's caches cleared before every transaction and a different
/// key (page) each time.
pub struct MapOps<K: KvStore + Clone + 'static> {
    rt: Runtime<K>,
    contract: Address,
    op: Op,
    cold: bool,
    n: i64,
}

impl<K: KvStore + Clone + 'static> MapOps<K> {
    /// The fixture on `kv`.
    pub fn new(kv: K, op: Op, cold: bool) -> Self {
        let rt = Runtime::new(kv);
        let wasm = wat::parse_str(MAPS_WAT).expect("maps wat");
        let contract = deploy(&rt, wasm, PAGES, None);
        let me = Address([2; 20]);
        for chunk in (0..ENTRIES).collect::<Vec<_>>().chunks(1_000) {
            let txs: Vec<Transaction> = chunk
                .iter()
                .map(|k| {
                    call(
                        contract,
                        me,
                        "map_write",
                        vec![Arg::I64(*k), Arg::I64(*k)],
                        vec![],
                    )
                })
                .collect();
            let b = rt.execute_block(&txs, BLOCK).expect("fill");
            assert!(b.receipts.iter().all(|r| r.success()), "fill");
        }
        let txs: Vec<Transaction> = (1..PAGES as i32)
            .map(|p| {
                call(
                    contract,
                    me,
                    "slice_write",
                    vec![Arg::I32(p), Arg::I64(1)],
                    vec![],
                )
            })
            .collect();
        let b = rt.execute_block(&txs, BLOCK).expect("fill pages");
        assert!(b.receipts.iter().all(|r| r.success()), "fill pages");
        MapOps {
            rt,
            contract,
            op,
            cold,
            n: 0,
        }
    }

    /// One transaction.
    pub fn run(&mut self) {
        self.n += 1;
        let (key, page) = if self.cold {
            // A stride through the keys and pages, so no two in a row share.
            (
                (self.n * 7_919) % ENTRIES,
                1 + (self.n % (i64::from(PAGES) - 1)) as i32,
            )
        } else {
            (42, 1)
        };
        if self.cold {
            self.rt.clear_caches();
        }
        let (f, args) = match self.op {
            Op::SliceRead => ("slice_read", vec![Arg::I32(page)]),
            Op::SliceWrite => ("slice_write", vec![Arg::I32(page), Arg::I64(self.n)]),
            Op::MapRead => ("map_read", vec![Arg::I64(key)]),
            Op::MapWrite => ("map_write", vec![Arg::I64(key), Arg::I64(self.n)]),
        };
        let r = self
            .rt
            .execute(
                &call(self.contract, Address([2; 20]), f, args, vec![]),
                BLOCK,
            )
            .expect("runtime");
        assert!(r.success(), "{f}: {:?}", r.error);
    }
}

/// A holder's address.
fn holder(i: u32) -> Address {
    let mut a = [0x5a; 20];
    a[..4].copy_from_slice(&i.to_le_bytes());
    Address(a)
}

/// Token transfers of `examples/map_token.wat` on a store: the token
/// deployed and `holders` holders minted a balance (not measured), then
/// [`run`](Self::run) executes a fixed pseudo-random sequence of
/// transfers of 1 between them in blocks of `block` (each a `mint`-free
/// `transfer`: two map writes and an event).
pub struct TokenTransfers<K: KvStore + 'static> {
    kv: Arc<Instrumented<K>>,
    rt: Runtime<Arc<Instrumented<K>>>,
    txs: Vec<Transaction>,
    block: usize,
    height: u64,
}

impl<K: KvStore + 'static> TokenTransfers<K> {
    /// Deploys the token on `kv`, mints every holder 1,000,000, and builds
    /// `transfers` transfers run in blocks of `block`.
    pub fn new(kv: K, holders: u32, transfers: u32, block: usize) -> Self {
        let kv = Arc::new(Instrumented::new(kv));
        let rt = Runtime::new(kv.clone());
        let wasm = wat::parse_file(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/map_token.wat"),
        )
        .expect("map_token.wat");
        let owner = Address([1; 20]);
        let token = deploy(
            &rt,
            wasm,
            1,
            Some(FunctionCall {
                function: "init".into(),
                args: vec![],
            }),
        );
        let ids: Vec<u32> = (0..holders).collect();
        for chunk in ids.chunks(10_000) {
            let txs: Vec<Transaction> = chunk
                .iter()
                .map(|i| {
                    call(
                        token,
                        owner,
                        "mint",
                        vec![Arg::I64(1_000_000)],
                        holder(*i).0.to_vec(),
                    )
                })
                .collect();
            let b = rt.execute_block(&txs, BLOCK).expect("mint");
            assert!(b.receipts.iter().all(|r| r.success()), "mint");
        }
        // A fixed pseudo-random sequence of (from, to).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % u64::from(holders)) as u32
        };
        let txs: Vec<Transaction> = (0..transfers)
            .map(|_| {
                let (from, to) = (next(), next());
                call(
                    token,
                    holder(from),
                    "transfer",
                    vec![Arg::I64(1)],
                    holder(to).0.to_vec(),
                )
            })
            .collect();
        TokenTransfers {
            kv,
            rt,
            txs,
            block,
            height: BLOCK.height,
        }
    }

    /// Executes every transfer once, in its blocks (each at a new height).
    /// Returns how many there were.
    pub fn run(&mut self) -> usize {
        for chunk in self.txs.chunks(self.block) {
            self.height += 1;
            let ctx = BlockContext {
                height: self.height,
                time: self.height,
            };
            let b = self.rt.execute_block(chunk, ctx).expect("transfers");
            assert!(b.receipts.iter().all(|r| r.success()), "transfers");
        }
        self.txs.len()
    }

    /// Runs the transfers once and measures them: transfers a second, and
    /// bytes (and records) written a transfer.
    pub fn measure(&mut self) -> (f64, f64, f64) {
        self.kv.reset_counts();
        let start = Instant::now();
        let n = self.run() as f64;
        let secs = start.elapsed().as_secs_f64();
        (
            n / secs,
            self.kv.bytes_written() as f64 / n,
            self.kv.records_written() as f64 / n,
        )
    }
}

/// `transfers` token transfers among `holders` holders of
/// `examples/map_token.wat` on `kv`, in blocks of `block`: transfers a
/// second, and bytes (and records) written a transfer. Minting the
/// holders' balances first is not measured.
pub fn token_transfers<K: KvStore + 'static>(
    kv: K,
    holders: u32,
    transfers: u32,
    block: usize,
) -> (f64, f64, f64) {
    TokenTransfers::new(kv, holders, transfers, block).measure()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_kv::MemKv;

    #[test]
    fn the_fixtures_run() {
        for op in [Op::SliceRead, Op::SliceWrite, Op::MapRead, Op::MapWrite] {
            for cold in [false, true] {
                let mut f = MapOps::new(Arc::new(MemKv::new()), op, cold);
                f.run();
                f.run();
            }
        }
        let (rate, bytes, records) = token_transfers(MemKv::new(), 200, 100, 30);
        assert!(rate > 0.0 && bytes > 0.0 && records > 0.0);
    }
}
