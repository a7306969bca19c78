//! End-to-end transactions through the runtime, next to minimal raw-wasmi
//! programs doing the same work; cold calls, blocks.

use std::collections::HashMap;
use std::sync::Arc;

use strata_kv::{KvStore, MemKv, RocksConfig, RocksKv};
use strata_primitives::namespaces;
use strata_runtime::{
    Address, Arg, BlockContext, CallTx, Compilation, DeployTx, FunctionCall, Runtime,
    RuntimeConfig, Transaction,
};
use wasmi::{Caller, Config, Engine, Linker, Module, Store};

/// The counter contract, as the CLI ships it.
pub const COUNTER: &str = r#"(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "inc") (result i64)
    (call $read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0))))"#;

/// The same counter for a raw wasmi host: `env.get` and `env.set` read and
/// write 8 bytes.
const RAW_COUNTER: &str = r#"(module
  (import "env" "get" (func $get (result i64)))
  (import "env" "set" (func $set (param i64)))
  (memory (export "memory") 1)
  (func (export "inc") (result i64)
    (call $set (i64.add (call $get) (i64.const 1)))
    (call $get)))"#;

const BLOCK: BlockContext = BlockContext { height: 1, time: 0 };

fn deploy<K: KvStore + Clone + 'static>(rt: &Runtime<K>, wasm: Vec<u8>, pages: u32) -> Address {
    deploy_with(rt, wasm, pages, None)
}

/// Deploys `wasm` with `pages` pages of storage from `Address([1; 20])`
/// on any runtime.
pub fn deploy_on<K: KvStore + 'static>(rt: &Runtime<K>, wasm: Vec<u8>, pages: u32) -> Address {
    deploy_with(rt, wasm, pages, None)
}

/// A call of [`PUT`]'s `put`: `value` at offset 0 of `page`.
pub fn put_page(contract: Address, page: u32, value: i64) -> Transaction {
    call(
        contract,
        "put",
        vec![Arg::I32(page as i32), Arg::I64(value)],
        vec![],
    )
}

/// Deploys `wasm` from `Address([1; 20])`, running `ctor` if given.
pub fn deploy_with<K: KvStore + 'static>(
    rt: &Runtime<K>,
    wasm: Vec<u8>,
    pages: u32,
    ctor: Option<FunctionCall>,
) -> Address {
    let tx = DeployTx {
        author: Address([1; 20]),
        nonce: None,
        name: None,
        page_count: pages,
        banks: None,
        code: wasm,
        ctor,
        balance: 0,
        gas_limit: 100_000_000,
    };
    let r = rt.execute(&Transaction::Deploy(tx), BLOCK).expect("deploy");
    assert!(r.success(), "deploy: {:?}", r.error);
    r.deployed.expect("deployed")
}

/// A call of `inc` on `contract`.
pub fn inc(contract: Address) -> Transaction {
    Transaction::Call(CallTx {
        contract,
        sender: Address([2; 20]),
        call: FunctionCall {
            function: "inc".into(),
            args: vec![],
        },
        input: vec![],
        gas_limit: 1_000_000,
    })
}

/// A counter deployed on a runtime, warm.
pub struct CounterTx<K: KvStore + Clone + 'static> {
    /// The runtime.
    pub rt: Runtime<K>,
    /// The counter.
    pub contract: Address,
    tx: Transaction,
}

impl<K: KvStore + Clone + 'static> CounterTx<K> {
    /// Deploys the counter on `kv` and warms the caches (the default
    /// configuration: the last 128 blocks' states are kept).
    pub fn new(kv: K) -> Self {
        Self::with_retention(kv, strata_runtime::Retention::default())
    }

    /// Like [`new`](Self::new), keeping states as `retention` says.
    pub fn with_retention(kv: K, retention: strata_runtime::Retention) -> Self {
        Self::with_config(
            kv,
            strata_runtime::RuntimeConfig {
                state_retention: retention,
                ..strata_runtime::RuntimeConfig::default()
            },
        )
    }

    /// Like [`new`](Self::new), with `config`.
    pub fn with_config(kv: K, config: strata_runtime::RuntimeConfig) -> Self {
        let rt = Runtime::builder(kv)
            .config(config)
            .build()
            .expect("runtime");
        let contract = deploy(&rt, wat::parse_str(COUNTER).expect("wat"), 1);
        let tx = inc(contract);
        let me = CounterTx { rt, contract, tx };
        let warm = me.rt.execute(&me.tx, BLOCK).expect("warm");
        assert!(warm.success(), "{:?}", warm.error);
        me
    }

    /// One counter transaction, end to end.
    pub fn run(&mut self) -> u64 {
        let r = self.rt.execute(&self.tx, BLOCK).expect("execute");
        debug_assert!(r.success());
        1
    }
}

/// A counter on an in-memory runtime that keeps every state (no pruning:
/// the design floor and the raw programs do not prune, so the pairs
/// against them run archive; what pruning costs is its own pair).
pub fn counter_mem_archive() -> CounterTx<Arc<MemKv>> {
    CounterTx::with_retention(Arc::new(MemKv::new()), strata_runtime::Retention::Archive)
}

/// A counter on an in-memory runtime that instantiates the contract afresh
/// for every transaction (no instance reuse), for the pair that measures
/// what reuse saves.
pub fn counter_mem_fresh() -> CounterTx<Arc<MemKv>> {
    CounterTx::with_config(
        Arc::new(MemKv::new()),
        RuntimeConfig {
            instance_pool: 0,
            ..RuntimeConfig::default()
        },
    )
}

/// A counter on an in-memory runtime.
pub fn counter_mem() -> CounterTx<Arc<MemKv>> {
    CounterTx::new(Arc::new(MemKv::new()))
}

/// A counter on a RocksDB runtime (without fsync, like the raw side), and
/// its temporary directory.
pub fn counter_rocks() -> (CounterTx<Arc<RocksKv>>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let kv = RocksKv::open_with(dir.path(), &RocksConfig::with_sync(false)).expect("open");
    (CounterTx::new(Arc::new(kv)), dir)
}

/// A counter on a RocksDB runtime (without fsync) keeping states as
/// `retention` says, and its temporary directory.
pub fn counter_rocks_with(
    retention: strata_runtime::Retention,
) -> (CounterTx<Arc<RocksKv>>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let kv = RocksKv::open_with(dir.path(), &RocksConfig::with_sync(false)).expect("open");
    (CounterTx::with_retention(Arc::new(kv), retention), dir)
}

/// Where the raw program keeps its 8 bytes.
pub enum RawStore {
    /// A `HashMap`.
    Map(HashMap<[u8; 20], [u8; 8]>),
    /// Raw RocksDB.
    Rocks(rocksdb::DB, tempfile::TempDir),
}

struct RawState {
    store: RawStore,
}

impl RawState {
    fn get(&self) -> i64 {
        let key = [7u8; 20];
        let bytes = match &self.store {
            RawStore::Map(m) => m.get(&key).copied(),
            RawStore::Rocks(db, _) => db.get(key).ok().flatten().and_then(|v| v.try_into().ok()),
        };
        i64::from_le_bytes(bytes.unwrap_or([0; 8]))
    }

    fn set(&mut self, v: i64) {
        let key = [7u8; 20];
        match &mut self.store {
            RawStore::Map(m) => {
                m.insert(key, v.to_le_bytes());
            }
            RawStore::Rocks(db, _) => {
                let mut w = rocksdb::WriteOptions::default();
                w.set_sync(false);
                let _ = db.put_opt(key, v.to_le_bytes(), &w);
            }
        }
    }
}

/// A minimal raw-wasmi program: per operation it instantiates the counter,
/// calls `inc`, and reads and writes 8 bytes in its store.
pub struct RawCounter {
    engine: Engine,
    module: Module,
    linker: Linker<RawState>,
    state: Option<RawState>,
    /// With [`reused`](Self::reused): the store kept with its instance,
    /// `inc` and memory.
    kept: Option<(Store<RawState>, wasmi::TypedFunc<(), i64>, wasmi::Memory)>,
}

impl RawCounter {
    /// Keeping the 8 bytes in `store`.
    pub fn new(store: RawStore) -> Self {
        let mut c = Config::default();
        c.consume_fuel(true);
        let engine = Engine::new(&c);
        let module =
            Module::new(&engine, wat::parse_str(RAW_COUNTER).expect("wat")).expect("module");
        let mut linker = Linker::<RawState>::new(&engine);
        linker
            .func_wrap("env", "get", |c: Caller<'_, RawState>| -> i64 {
                c.data().get()
            })
            .expect("link");
        linker
            .func_wrap("env", "set", |mut c: Caller<'_, RawState>, v: i64| {
                c.data_mut().set(v)
            })
            .expect("link");
        RawCounter {
            engine,
            module,
            linker,
            state: Some(RawState { store }),
            kept: None,
        }
    }

    /// The same program keeping one instance and doing the least reset
    /// instance reuse needs (zeroing the counter's 64 KiB memory) after
    /// each call: what the engine itself costs per transaction when
    /// instances are reused, the ceiling of any runtime on it.
    pub fn reused(store: RawStore) -> Self {
        let mut me = Self::new(store);
        if let Some(state) = me.state.take() {
            let mut store = Store::new(&me.engine, state);
            let instance = me
                .linker
                .instantiate_and_start(&mut store, &me.module)
                .expect("instantiate");
            let inc = instance
                .get_typed_func::<(), i64>(&store, "inc")
                .expect("inc");
            let memory = instance.get_memory(&store, "memory").expect("memory");
            me.kept = Some((store, inc, memory));
        }
        me
    }

    /// With a `HashMap`.
    pub fn map() -> Self {
        Self::new(RawStore::Map(HashMap::new()))
    }

    /// With raw RocksDB.
    pub fn rocks() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let (db, _) = crate::raw_rocksdb(dir.path());
        Self::new(RawStore::Rocks(db, dir))
    }

    /// Instantiate (or reuse and reset), call, read and write 8 bytes.
    pub fn run(&mut self) -> u64 {
        if let Some((store, inc, memory)) = &mut self.kept {
            let _ = store.set_fuel(1_000_000);
            let _ = inc.call(&mut *store, ()).expect("call");
            memory.data_mut(&mut *store).fill(0);
            return 1;
        }
        let Some(state) = self.state.take() else {
            return 0;
        };
        let mut store = Store::new(&self.engine, state);
        instantiate_and_inc(&self.linker, &self.module, &mut store);
        self.state = Some(store.into_data());
        1
    }
}

/// Where the design floor keeps its records: one map per namespace, or raw
/// RocksDB.
enum FloorStore {
    Map {
        accounts: hashbrown::HashMap<[u8; 20], Vec<u8>>,
        pages: hashbrown::HashMap<[u8; 32], Vec<u8>>,
        /// Account-tree nodes and the head record.
        nodes: hashbrown::HashMap<[u8; 32], Vec<u8>>,
        /// Account records by hash (so that every block root opens).
        records: hashbrown::HashMap<[u8; 32], Vec<u8>>,
        head: Vec<u8>,
    },
    /// Records under the runtime's own keys (`RocksKv::stored_key`), so
    /// that they sit where the runtime's do in RocksDB's sorted memtable and
    /// tables: a key that sorts before every other is found in fewer
    /// comparisons (until session 16 the floor kept its account under tag
    /// 0, not the runtime's 16).
    Rocks {
        db: rocksdb::DB,
        write: rocksdb::WriteOptions,
        /// Made once, as `RocksKv` does (`get_pinned` makes a set a read).
        read: rocksdb::ReadOptions,
        _dir: tempfile::TempDir,
    },
}

struct FloorState {
    /// The counter's one storage page, in memory (as a warm page cache has
    /// it).
    page: Box<[u8; strata_pages::PAGE_SIZE]>,
    /// How many leading bytes of the page may be non-zero.
    used: usize,
    limits: wasmi::StoreLimits,
}

/// The design's floor: the least work any implementation of this runtime's
/// design must do for one counter transaction, written straight on wasmi,
/// blake3, SCALE and the store, with none of Strata's layers.
///
/// On top of [`RawCounter`] it does what the issue mandates and nothing
/// else:
/// - the engine configuration and resource limiter the runtime must set for
///   determinism ([`RuntimeConfig::wasmi_config`],
///   [`RuntimeConfig::store_limits`]);
/// - read the contract's account record, check its checksum and decode it
///   (SCALE), and encode it again with its new roots and checksum
///   ([`Account::to_record`](strata_runtime::Account::to_record), the
///   record format);
/// - hash the written page (a Merkle leaf), and the state root from it;
/// - the global state root (`strata-state`, once per block, and each
///   transaction here is a block of one): hash the new account record, the
///   account tree's leaf over it, and each inner node on the leaf's path
///   to the root. The floor's tree holds what the runtime's holds after
///   the same deploy (the deployer's account beside the contract's), so
///   its root is the runtime's head, byte for byte (tested); the siblings
///   along the path never change and are taken once, at set-up;
/// - write the page under its content hash, the account record (by address,
///   and by its hash, so that every block root opens later), the path's
///   tree nodes and the head record, in one batch.
///
/// Since instance reuse is allowed (issue 22), instantiating per
/// transaction is not mandated either: the floor keeps its one instance
/// and does the least reset reuse needs, zeroing the counter's 64 KiB
/// memory (it has no globals or data segments), as the runtime's reuse
/// does for it (`exec/reuse.rs`).
///
/// It keeps the page in memory (as a warm cache does), knows which bytes
/// the contract wrote without scanning, charges no gas for pages, and
/// builds no receipt: every shortcut makes the floor lower, not higher.
pub struct DesignFloor {
    /// The counter's store, kept with its instance, `inc` and memory.
    kept: Option<(Store<FloorState>, wasmi::TypedFunc<(), i64>, wasmi::Memory)>,
    store: FloorStore,
    address: [u8; 20],
    /// The account's key in the account tree.
    key: [u8; 32],
    /// The sibling hashes on the account's path, from the root down (the
    /// other accounts do not change).
    siblings: Vec<[u8; 32]>,
}

impl DesignFloor {
    /// Records in hash maps, which grow as content-addressed pages do.
    pub fn map() -> Self {
        Self::with(FloorStore::Map {
            accounts: hashbrown::HashMap::new(),
            pages: hashbrown::HashMap::new(),
            nodes: hashbrown::HashMap::new(),
            records: hashbrown::HashMap::new(),
            head: Vec::new(),
        })
    }

    /// Records in raw RocksDB (without fsync).
    pub fn rocks() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let (db, write) = crate::raw_rocksdb(dir.path());
        Self::with(FloorStore::Rocks {
            db,
            write,
            read: rocksdb::ReadOptions::default(),
            _dir: dir,
        })
    }

    fn with(store: FloorStore) -> Self {
        let config = RuntimeConfig::default();
        let engine = Engine::new(&config.wasmi_config());
        let module =
            Module::new(&engine, wat::parse_str(RAW_COUNTER).expect("wat")).expect("module");
        let mut linker = Linker::<FloorState>::new(&engine);
        linker
            .func_wrap("env", "get", |c: Caller<'_, FloorState>| -> i64 {
                let page = &c.data().page;
                i64::from_le_bytes([
                    page[0], page[1], page[2], page[3], page[4], page[5], page[6], page[7],
                ])
            })
            .expect("link");
        linker
            .func_wrap("env", "set", |mut c: Caller<'_, FloorState>, v: i64| {
                let s = c.data_mut();
                s.page[..8].copy_from_slice(&v.to_le_bytes());
                s.used = s.used.max(8);
            })
            .expect("link");
        // The state the runtime's counter starts from: its deploy, on a
        // runtime of its own, gives the contract's account record and the
        // rest of the account tree (the deployer's account).
        let (address, account, siblings) = {
            let rt = Runtime::builder(MemKv::new()).build().expect("runtime");
            let contract = deploy_on(&rt, wat::parse_str(COUNTER).expect("wat"), 1);
            let account = rt.account(&contract).expect("account").expect("deployed");
            let (_, proof) = rt.prove_account(&contract).expect("proof");
            (contract.0, account, proof.path.siblings)
        };
        let mut kept = Store::new(
            &engine,
            FloorState {
                page: Box::new([0; strata_pages::PAGE_SIZE]),
                used: 0,
                limits: config.store_limits(),
            },
        );
        kept.limiter(|s| &mut s.limits);
        let instance = linker
            .instantiate_and_start(&mut kept, &module)
            .expect("instantiate");
        let inc = instance
            .get_typed_func::<(), i64>(&kept, "inc")
            .expect("inc");
        let memory = instance.get_memory(&kept, "memory").expect("memory");
        let mut me = DesignFloor {
            kept: Some((kept, inc, memory)),
            store,
            address,
            key: strata_state::account_key(&strata_runtime::Address(address)),
            siblings,
        };
        me.write(
            None,
            account.to_record(&strata_runtime::Address(me.address)),
        );
        me
    }

    fn read_account(&self) -> strata_runtime::Account {
        let decode = |b: &[u8]| {
            strata_runtime::Account::from_record(&strata_runtime::Address(self.address), b)
                .expect("account")
        };
        match &self.store {
            FloorStore::Map { accounts, .. } => decode(&accounts[&self.address]),
            FloorStore::Rocks { db, read, .. } => decode(
                &db.get_pinned_opt(
                    RocksKv::stored_key(namespaces::ACCOUNTS, &self.address),
                    read,
                )
                .expect("get")
                .expect("account"),
            ),
        }
    }

    fn write(&mut self, page: Option<([u8; 32], &[u8])>, account: Vec<u8>) {
        use parity_scale_codec::Encode;
        // The account tree's leaf over the new record, the inner nodes up
        // its path, and the head naming the root.
        let record_hash = strata_state::record_hash(&account);
        let mut node = strata_state::Node::Leaf {
            key: self.key,
            record: record_hash,
        };
        let mut hash = node.hash();
        let mut path = Vec::with_capacity(self.siblings.len() + 1);
        path.push((hash, node.encode()));
        for (depth, sibling) in self.siblings.iter().enumerate().rev() {
            let right = (self.key[depth / 8] >> (7 - depth % 8)) & 1 == 1;
            node = if right {
                strata_state::Node::Inner {
                    left: *sibling,
                    right: hash,
                }
            } else {
                strata_state::Node::Inner {
                    left: hash,
                    right: *sibling,
                }
            };
            hash = node.hash();
            path.push((hash, node.encode()));
        }
        let head = strata_runtime::Head {
            height: 1,
            state_root: hash,
        }
        .encode();
        match &mut self.store {
            FloorStore::Map {
                accounts,
                pages,
                nodes,
                records,
                head: stored,
            } => {
                if let Some((hash, bytes)) = page {
                    pages.insert(hash, bytes.to_vec());
                }
                records.insert(record_hash, account.clone());
                accounts.insert(self.address, account);
                nodes.extend(path);
                *stored = head;
            }
            FloorStore::Rocks { db, write, .. } => {
                let mut batch = rocksdb::WriteBatch::default();
                if let Some((hash, bytes)) = page {
                    batch.put(RocksKv::stored_key(namespaces::PAGES, &hash), bytes);
                }
                batch.put(
                    RocksKv::stored_key(namespaces::ACCOUNT_RECORDS, &record_hash),
                    &account,
                );
                batch.put(
                    RocksKv::stored_key(namespaces::ACCOUNTS, &self.address),
                    account,
                );
                for (hash, node) in path {
                    batch.put(RocksKv::stored_key(namespaces::ACCOUNT_NODES, &hash), node);
                }
                batch.put(RocksKv::stored_key(namespaces::BLOCKS, b"head"), head);
                db.write_opt(batch, write).expect("write");
            }
        }
    }

    /// The state root the floor's counter stands at: the runtime's, for as
    /// many increments (the floor does the same hashing, not less).
    pub fn state_root(&self) -> strata_pages::StateRoot {
        self.read_account().state_root
    }

    /// The global state root of the floor's last block (its head): the
    /// runtime's, for as many increments (tested).
    pub fn head_root(&self) -> [u8; 32] {
        use parity_scale_codec::Decode;
        let head = match &self.store {
            FloorStore::Map { head, .. } => head.clone(),
            FloorStore::Rocks { db, .. } => db
                .get(RocksKv::stored_key(namespaces::BLOCKS, b"head"))
                .expect("get")
                .expect("head"),
        };
        strata_runtime::Head::decode(&mut &head[..])
            .expect("head")
            .state_root
    }

    /// One counter transaction at the floor.
    pub fn run(&mut self) -> u64 {
        let Some((mut kept, inc, memory)) = self.kept.take() else {
            return 0;
        };
        let mut account = self.read_account();
        let _ = kept.set_fuel(1_000_000);
        let _ = inc.call(&mut kept, ()).expect("call");
        // The reset of a reused instance.
        memory.data_mut(&mut kept).fill(0);
        let state = kept.data();
        let used = &state.page[..state.used];
        let leaf = strata_pages::tree::page_hash(used);
        account.tree_root = leaf.0;
        account.state_root = strata_pages::tree::state_root(1, &leaf.0);
        self.write(
            Some((leaf.0, used)),
            account.to_record(&strata_runtime::Address(self.address)),
        );
        self.kept = Some((kept, inc, memory));
        1
    }
}

/// What every raw-wasmi baseline does per transaction: instantiate the
/// counter in `store` under fuel, and call `inc`.
fn instantiate_and_inc<T>(linker: &Linker<T>, module: &Module, store: &mut Store<T>) {
    let _ = store.set_fuel(1_000_000);
    let instance = linker
        .instantiate_and_start(&mut *store, module)
        .expect("instantiate");
    let inc = instance
        .get_typed_func::<(), i64>(&*store, "inc")
        .expect("inc");
    let _ = inc.call(&mut *store, ()).expect("call");
}

/// The WAT of a large contract: `functions` functions of about 600 bytes
/// each, `f0` exported.
pub fn large_contract(functions: usize) -> String {
    let mut wat = String::from("(module\n");
    for f in 0..functions {
        wat.push_str(&format!(
            "(func $f{f} (export \"f{f}\") (result i64) (i64.const 1)"
        ));
        for k in 0..50u64 {
            let c = 0x0123_4567_89AB_CDEFu64.wrapping_mul(k + f as u64 + 1) | (1 << 62);
            wat.push_str(&format!(" (i64.add (i64.const {c}))"));
        }
        wat.push_str(")\n");
    }
    wat.push(')');
    wat
}

/// The same large contract deployed on a lazily and an eagerly translating
/// runtime; every call starts with empty caches.
pub struct ColdCall {
    lazy: (Runtime<Arc<MemKv>>, Transaction),
    eager: (Runtime<Arc<MemKv>>, Transaction),
    /// The contract's size in bytes.
    pub code_size: usize,
}

impl ColdCall {
    /// `functions` functions.
    pub fn new(functions: usize) -> Self {
        let wasm = wat::parse_str(large_contract(functions)).expect("wat");
        let code_size = wasm.len();
        let make = |compilation| {
            let config = RuntimeConfig {
                compilation,
                ..RuntimeConfig::default()
            };
            let rt = Runtime::builder(Arc::new(MemKv::new()))
                .config(config)
                .build()
                .expect("runtime");
            let c = deploy(&rt, wasm.clone(), 0);
            let tx = Transaction::Call(CallTx {
                contract: c,
                sender: Address([2; 20]),
                call: FunctionCall {
                    function: "f0".into(),
                    args: vec![],
                },
                input: vec![],
                gas_limit: 10_000_000,
            });
            (rt, tx)
        };
        ColdCall {
            lazy: make(Compilation::Lazy),
            eager: make(Compilation::Eager),
            code_size,
        }
    }

    fn cold(side: &(Runtime<Arc<MemKv>>, Transaction)) -> u64 {
        side.0.clear_caches();
        let r = side.0.execute(&side.1, BLOCK).expect("call");
        debug_assert!(r.success(), "{:?}", r.error);
        debug_assert_eq!(r.returns.len(), 1);
        let _ = r.returns.first().map(|a| matches!(a, Arg::I64(_)));
        1
    }

    /// A cold call with lazy translation.
    pub fn lazy(&mut self) -> u64 {
        Self::cold(&self.lazy)
    }

    /// A cold call with eager translation.
    pub fn eager(&mut self) -> u64 {
        Self::cold(&self.eager)
    }
}

/// A block of `n` counter transactions on a fresh counter; returns `n`.
pub fn block<K: KvStore + Clone + 'static>(bench: &CounterTx<K>, n: usize) -> u64 {
    let txs: Vec<Transaction> = (0..n).map(|_| inc(bench.contract)).collect();
    let receipts = bench.rt.execute_block(&txs, BLOCK).expect("block").receipts;
    debug_assert!(receipts.iter().all(|r| r.success()));
    receipts.len() as u64
}

/// A Rust example contract (`examples/rust/<name>.rs`), built with
/// `scripts/build-rust-contract` (Debian's rustc 1.63 for wasm32).
pub fn rust_contract(name: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    strata_sdk::build::example(name, dir.path()).unwrap_or_else(|e| panic!("{e}"))
}

/// Token transfers on MemKv: the deployer sends 1 to each of 100 holders in
/// turn (after the first lap every recipient is known).
pub struct TokenTx {
    rt: Runtime<Arc<MemKv>>,
    token: Address,
    n: u64,
}

impl TokenTx {
    fn new(code: Vec<u8>, pages: u32, config: RuntimeConfig) -> Self {
        let rt = Runtime::builder(Arc::new(MemKv::new()))
            .config(config)
            .build()
            .expect("runtime");
        let init = FunctionCall {
            function: "init".into(),
            args: vec![Arg::I64(i64::MAX / 2)],
        };
        let token = deploy_with(&rt, code, pages, Some(init));
        let mut t = TokenTx { rt, token, n: 0 };
        for _ in 0..100 {
            t.run();
        }
        t
    }

    /// `examples/rust/token.rs`.
    pub fn rust() -> Self {
        Self::new(rust_contract("token"), 9, RuntimeConfig::default())
    }

    /// `examples/rust/token.rs` on a runtime that instantiates every call
    /// afresh (no instance pool).
    pub fn rust_fresh() -> Self {
        Self::new(
            rust_contract("token"),
            9,
            RuntimeConfig {
                instance_pool: 0,
                ..RuntimeConfig::default()
            },
        )
    }

    /// `examples/token.wat`, the same token in WAT.
    pub fn wat() -> Self {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Self::new(
            wat::parse_file(root.join("examples/token.wat")).expect("token.wat"),
            1,
            RuntimeConfig::default(),
        )
    }

    /// One transfer; returns its gas.
    pub fn run(&mut self) -> u64 {
        let mut to = [0x40u8; 20];
        to[..8].copy_from_slice(&(self.n % 100).to_le_bytes());
        self.n += 1;
        let tx = Transaction::Call(CallTx {
            contract: self.token,
            sender: Address([1; 20]),
            call: FunctionCall {
                function: "transfer".into(),
                args: vec![Arg::I64(1)],
            },
            input: to.to_vec(),
            gas_limit: 10_000_000,
        });
        let r = self.rt.execute(&tx, BLOCK).expect("transfer");
        debug_assert!(r.success(), "{:?}", r.error);
        r.gas_used
    }
}

/// Pays `amount` from its balance to the 20-byte address in the input.
const PAY: &str = r#"(module
  (import "strata" "input_copy" (func $input (param i32 i32 i32)))
  (import "strata" "transfer" (func $transfer (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "pay") (param $amount i64) (result i32)
    (call $input (i32.const 0) (i32.const 0) (i32.const 20))
    (i64.store (i32.const 32) (local.get $amount))
    (i64.store (i32.const 40) (i64.const 0))
    (call $transfer (i32.const 0) (i32.const 32))))"#;

/// Writes `value` at offset 0 of page `page`.
pub const PUT: &str = r#"(module
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "put") (param $page i32) (param $value i64)
    (i64.store (i32.const 0) (local.get $value))
    (call $write (local.get $page) (i32.const 0) (i32.const 0) (i32.const 8))))"#;

fn call(contract: Address, function: &str, args: Vec<Arg>, input: Vec<u8>) -> Transaction {
    Transaction::Call(CallTx {
        contract,
        sender: Address([2; 20]),
        call: FunctionCall {
            function: function.into(),
            args,
        },
        input,
        gas_limit: 1_000_000,
    })
}

/// What one block writes to the store: (workload, records, bytes), for the
/// three workloads of the state-lifecycle issue, each a block of 1,000
/// transactions on MemKv: increments of one counter, transfers to 1,000
/// accounts, and writes to random pages of a 65,536-page contract.
pub fn block_writes() -> Vec<(&'static str, usize, usize)> {
    use strata_kv::testing::Instrumented;
    type Counted = Runtime<Arc<Instrumented<MemKv>>>;
    let measure = |name: &'static str, setup: &dyn Fn(&Counted) -> Vec<Transaction>| {
        let kv = Arc::new(Instrumented::new(MemKv::new()));
        let rt = Runtime::new(kv.clone());
        let txs = setup(&rt);
        kv.reset_counts();
        let block = rt.execute_block(&txs, BLOCK).expect("block");
        assert!(
            block.receipts.iter().all(|r| r.success()),
            "{name}: every transaction succeeds"
        );
        (name, kv.records_written(), kv.bytes_written())
    };
    vec![
        measure("1,000 increments of one counter", &|rt| {
            let c = deploy(rt, wat::parse_str(COUNTER).expect("wat"), 1);
            (0..1_000).map(|_| inc(c)).collect()
        }),
        measure("1,000 transfers to 1,000 accounts", &|rt| {
            let tx = DeployTx {
                author: Address([1; 20]),
                nonce: None,
                name: None,
                page_count: 0,
                banks: None,
                code: wat::parse_str(PAY).expect("wat"),
                ctor: None,
                balance: 1_000_000,
                gas_limit: 100_000_000,
            };
            let r = rt.execute(&Transaction::Deploy(tx), BLOCK).expect("deploy");
            let payer = r.deployed.expect("deployed");
            (0..1_000u32)
                .map(|i| {
                    let mut to = [0x50u8; 20];
                    to[..4].copy_from_slice(&i.to_le_bytes());
                    call(payer, "pay", vec![Arg::I64(1)], to.to_vec())
                })
                .collect()
        }),
        measure(
            "1,000 writes to random pages of a 65,536-page contract",
            &|rt| {
                let c = deploy(rt, wat::parse_str(PUT).expect("wat"), 65_536);
                let mut x = 0x2545_f491_u32;
                (0..1_000)
                    .map(|i| {
                        // xorshift: the same pages every run.
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        call(
                            c,
                            "put",
                            vec![Arg::I32((x % 65_536) as i32), Arg::I64(i)],
                            vec![],
                        )
                    })
                    .collect()
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_floor_reaches_the_runtimes_state_roots() {
        // `CounterTx::new` runs one warm-up increment.
        let mut mem = counter_mem();
        let (mut rocks, _dir) = counter_rocks();
        let mut floors = [DesignFloor::map(), DesignFloor::rocks()];
        for floor in &mut floors {
            assert_eq!(floor.run(), 1);
        }
        for _ in 0..3 {
            mem.run();
            rocks.run();
            for floor in &mut floors {
                floor.run();
            }
            let root = mem.rt.account(&mem.contract).unwrap().unwrap().state_root;
            let rocks_root = rocks
                .rt
                .account(&rocks.contract)
                .unwrap()
                .unwrap()
                .state_root;
            assert_eq!(root, rocks_root);
            let head = mem.rt.head().unwrap().unwrap().state_root;
            assert_eq!(rocks.rt.head().unwrap().unwrap().state_root, head);
            for floor in &floors {
                assert_eq!(floor.state_root(), root);
                assert_eq!(floor.head_root(), head, "the floor's global root");
            }
        }
        assert_ne!(
            floors[0].state_root(),
            strata_pages::tree::empty_root(1),
            "the counter moved"
        );
    }

    #[test]
    fn the_raw_counter_counts() {
        let mut raw = RawCounter::map();
        for _ in 0..3 {
            assert_eq!(raw.run(), 1);
        }
        let Some(RawState {
            store: RawStore::Map(map),
        }) = &raw.state
        else {
            panic!("the raw counter keeps a map")
        };
        assert_eq!(map.get(&[7u8; 20]), Some(&3i64.to_le_bytes()));
    }

    #[test]
    fn both_tokens_transfer() {
        for mut t in [TokenTx::rust(), TokenTx::wat()] {
            let gas = t.run();
            assert!(gas > 0);
            let r = t.rt.query(
                &CallTx {
                    contract: t.token,
                    sender: Address([1; 20]),
                    call: FunctionCall {
                        function: "balance_of".into(),
                        args: vec![],
                    },
                    input: {
                        let mut to = [0x40u8; 20];
                        to[..8].copy_from_slice(&0u64.to_le_bytes());
                        to.to_vec()
                    },
                    gas_limit: 1_000_000,
                },
                BLOCK,
            );
            let r = r.expect("query");
            assert_eq!(r.returns, vec![Arg::I64(2)], "{:?}", r.error);
        }
    }

    #[test]
    fn block_writes_are_measured() {
        let rows = block_writes();
        assert_eq!(rows.len(), 3);
        // Writes per block: the counter's 1,000 increments leave one page
        // record (plus accounts, tree path and head); transfers and random
        // pages still write at least a record per transaction (each touches
        // a new account or page).
        let (name, records, _) = rows[0];
        // With the default retention, also a count per new counted record,
        // the block's number and the retention's counters.
        assert!(records <= 24, "{name}: {records} records");
        for (name, records, bytes) in &rows[1..] {
            assert!(
                *records >= 1_000 && bytes > records,
                "{name}: {records} records, {bytes} bytes"
            );
        }
    }
}
