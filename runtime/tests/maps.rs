//! Contract maps on the real runtime: random scripts of map calls (nested
//! maps, iteration, nested calls that fail, transactions that fail) against
//! a `BTreeMap` model, per transaction and in one block, reopened from the
//! store; and bad input as typed errors that write nothing.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use strata_kv::{KvStore, MemKv};
use strata_maps::{EMPTY, Fresh, MapTree, Value, key_hash};
use strata_primitives::{Hash32, namespaces};
use strata_runtime::{Address, Arg, BlockContext, ErrorKind, Runtime, Transaction};

const SCRIPT: &str = include_str!("maps_script.wat");
const PAGES: u32 = 2;
const SLOTS: u8 = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
enum MV {
    Bytes(Vec<u8>),
    Map(MMap),
}
type MMap = BTreeMap<Vec<u8>, MV>;
/// A contract's maps by slot.
type Model = BTreeMap<u8, MMap>;

/// The root of a model map, made by the tree itself (in key order, not the
/// order the script used).
fn root_of(map: &MMap) -> Hash32 {
    let store = MemKv::new();
    let mut fresh = Fresh::new();
    let mut root = EMPTY;
    for (k, v) in map.iter().rev() {
        let value = match v {
            MV::Bytes(b) => Value::Bytes(b.clone()),
            MV::Map(m) => Value::Map(root_of(m)),
        };
        root = MapTree::new(&store, &mut fresh)
            .set(&root, k, value)
            .unwrap()
            .root;
    }
    root
}

/// An operation as generated, before the model decides what it becomes.
#[derive(Clone, Debug)]
enum G {
    Set(u8, u8, Vec<u8>),
    Remove(u8, u8),
    Get(u8, u8),
    Next(u8, Option<u8>),
    GetMap(u8, u8, u8),
    SetMap(u8, u8, u8),
    Call(Vec<G>, bool),
}

fn key(k: u8) -> Vec<u8> {
    let mut v = vec![k];
    v.resize(1 + usize::from(k % 3) * 7, b'x');
    v
}

fn leaf_op() -> impl Strategy<Value = G> {
    let slot = 0..SLOTS;
    let k = 0u8..12;
    prop_oneof![
        4 => (slot.clone(), k.clone(), prop::collection::vec(any::<u8>(), 0..24)).prop_map(|(s, k, v)| G::Set(s, k, v)),
        2 => (slot.clone(), k.clone()).prop_map(|(s, k)| G::Remove(s, k)),
        2 => (slot.clone(), k.clone()).prop_map(|(s, k)| G::Get(s, k)),
        2 => (slot.clone(), prop::option::of(k.clone())).prop_map(|(s, k)| G::Next(s, k)),
        1 => (slot.clone(), k.clone(), slot.clone()).prop_map(|(s, k, d)| G::GetMap(s, k, d)),
        1 => (slot.clone(), k.clone(), slot.clone()).prop_map(|(s, k, d)| G::SetMap(s, k, d)),
    ]
}

fn tx_ops() -> impl Strategy<Value = (Vec<G>, bool)> {
    let op = prop_oneof![
        8 => leaf_op(),
        1 => (prop::collection::vec(leaf_op(), 0..8), prop::bool::weighted(0.4)).prop_map(|(s, f)| G::Call(s, f)),
    ];
    (prop::collection::vec(op, 1..14), prop::bool::weighted(0.15))
}

fn push_key(script: &mut Vec<u8>, slot: u8, k: &[u8]) {
    script.push(slot);
    script.push(k.len() as u8);
    script.extend_from_slice(k);
}

/// Compiles `ops` through the model of the contract running them: the
/// script bytes and the output the contract must return. `other` is the
/// callee's model and address for `Call`s.
fn compile(
    ops: &[G],
    me: &mut Model,
    mut other: Option<(&mut Model, Address)>,
    script: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    // The slices `map_get_map` filled in this frame: (slice, parent slice,
    // key, root copied), folded back when the frame ends well.
    let mut links: Vec<(u8, u8, Vec<u8>, Hash32)> = Vec::new();
    for op in ops {
        match op {
            G::Set(s, k, v) => {
                script.push(1);
                push_key(script, *s, &key(*k));
                script.extend_from_slice(&(v.len() as u16).to_le_bytes());
                script.extend_from_slice(v);
                me.entry(*s)
                    .or_default()
                    .insert(key(*k), MV::Bytes(v.clone()));
            }
            G::Remove(s, k) => {
                script.push(2);
                push_key(script, *s, &key(*k));
                out.push(u8::from(
                    me.entry(*s).or_default().remove(&key(*k)).is_some(),
                ));
            }
            G::Get(s, k) => {
                script.push(3);
                push_key(script, *s, &key(*k));
                match me.entry(*s).or_default().get(&key(*k)) {
                    None => out.extend_from_slice(&(-1i32).to_le_bytes()),
                    Some(MV::Bytes(b)) => {
                        out.extend_from_slice(&(b.len() as i32).to_le_bytes());
                        out.extend_from_slice(b);
                    }
                    Some(MV::Map(m)) => {
                        out.extend_from_slice(&32i32.to_le_bytes());
                        out.extend_from_slice(&root_of(m));
                    }
                }
            }
            G::Next(s, after) => {
                script.push(4);
                match after {
                    Some(a) => push_key(script, *s, &key(*a)),
                    None => script.extend_from_slice(&[*s, 255]),
                }
                let map = me.entry(*s).or_default();
                let bound = after.map(|a| key_hash(&key(a)));
                let next = map
                    .iter()
                    .filter(|(k, _)| bound.is_none_or(|b| key_hash(k) > b))
                    .min_by_key(|(k, _)| key_hash(k));
                match next {
                    None => out.extend_from_slice(&(-1i64).to_le_bytes()),
                    Some((k, v)) => {
                        let (bytes, nested) = match v {
                            MV::Bytes(b) => (b.clone(), 0i64),
                            MV::Map(m) => (root_of(m).to_vec(), 1),
                        };
                        let r = k.len() as i64 + ((bytes.len() as i64) << 16) + (nested << 32);
                        out.extend_from_slice(&r.to_le_bytes());
                        out.extend_from_slice(k);
                        out.extend_from_slice(&bytes);
                    }
                }
            }
            G::GetMap(s, k, d) => {
                let found = me.entry(*s).or_default().get(&key(*k)).cloned();
                let (nested, flag) = match found {
                    Some(MV::Bytes(_)) => continue, // an error: not generated
                    Some(MV::Map(m)) => (m, 1),
                    None => (MMap::new(), 0),
                };
                script.push(7);
                push_key(script, *s, &key(*k));
                script.push(*d);
                out.push(flag);
                links.retain(|l| l.0 != *d && l.1 != *d);
                if s != d {
                    links.push((*d, *s, key(*k), root_of(&nested)));
                }
                me.insert(*d, nested);
            }
            G::SetMap(s, k, src) => {
                script.push(8);
                push_key(script, *s, &key(*k));
                script.push(*src);
                let nested = me.entry(*src).or_default().clone();
                me.entry(*s).or_default().insert(key(*k), MV::Map(nested));
            }
            G::Call(sub, fail) => {
                let Some((callee, address)) = other.as_mut() else {
                    continue;
                };
                let mut sub_model = (*callee).clone();
                let mut sub_script = Vec::new();
                let mut sub_out = Vec::new();
                compile(sub, &mut sub_model, None, &mut sub_script, &mut sub_out);
                if *fail {
                    sub_script.push(5);
                } else {
                    **callee = sub_model;
                }
                script.push(6);
                script.extend_from_slice(&address.0);
                script.extend_from_slice(&(sub_script.len() as u16).to_le_bytes());
                script.extend_from_slice(&sub_script);
                out.push(u8::from(*fail));
            }
        }
    }
    // The frame ends: each filled slice whose map changed goes back into
    // its entry, the last filled first (a failing frame's model is
    // dropped by the caller, so folding it too is harmless).
    for (slot, parent, k, copied) in links.into_iter().rev() {
        let current = me.get(&slot).cloned().unwrap_or_default();
        if root_of(&current) != copied {
            me.entry(parent).or_default().insert(k, MV::Map(current));
        }
    }
}

fn run_tx(contract: Address, script: Vec<u8>) -> Transaction {
    Transaction::Call(call_tx(contract, "run", vec![], script))
}

fn block(height: u64) -> BlockContext {
    BlockContext {
        height,
        time: 1_700_000_000 + height,
    }
}

fn slot_root<K: KvStore + Clone + 'static>(rt: &Runtime<K>, c: &Address, slot: u8) -> Hash32 {
    rt.read_slice(c, 0, u32::from(slot) * 32, 32)
        .unwrap()
        .try_into()
        .unwrap()
}

/// A transaction and the output it must return (`None`: it fails).
type Built = (Transaction, Option<Vec<u8>>);

/// Deploys two script contracts, builds the scripts and their expected
/// outputs, and returns them.
fn setup(
    rt: &Runtime<Arc<MemKv>>,
    txs: &[(Vec<G>, bool)],
) -> ([Address; 2], Vec<Built>, [Model; 2]) {
    let a = deploy(rt, SCRIPT, PAGES);
    let b = deploy(rt, SCRIPT, PAGES);
    let (mut ma, mut mb) = (Model::new(), Model::new());
    let mut built = Vec::new();
    for (ops, fail) in txs {
        let (mut ta, mut tb) = (ma.clone(), mb.clone());
        let mut script = Vec::new();
        let mut out = Vec::new();
        compile(ops, &mut ta, Some((&mut tb, b)), &mut script, &mut out);
        if *fail {
            script.push(5);
            built.push((run_tx(a, script), None));
        } else {
            (ma, mb) = (ta, tb);
            built.push((run_tx(a, script), Some(out)));
        }
    }
    ([a, b], built, [ma, mb])
}

fn check_receipts(receipts: &[strata_runtime::Receipt], built: &[Built]) {
    for (i, (r, (_, want))) in receipts.iter().zip(built).enumerate() {
        match want {
            Some(out) => {
                assert!(r.success(), "tx {i}: {:?}", r.error);
                assert_eq!(&r.return_data, out, "tx {i}");
            }
            None => assert_eq!(
                r.error.as_ref().map(|e| e.kind),
                Some(ErrorKind::Trap),
                "tx {i}"
            ),
        }
    }
}

fn check_state(rt: &Runtime<Arc<MemKv>>, contracts: &[Address; 2], models: &[Model; 2]) {
    for (c, model) in contracts.iter().zip(models) {
        for slot in 0..SLOTS {
            let want = model.get(&slot).map_or(EMPTY, root_of);
            assert_eq!(slot_root(rt, c, slot), want, "contract {c} slot {slot}");
        }
        // The account lists exactly the non-empty roots.
        let account = rt.account(c).unwrap().unwrap();
        let listed: Vec<(u32, Hash32)> = account.maps.iter().map(|m| (m.offset, m.root)).collect();
        let want: Vec<(u32, Hash32)> = (0..SLOTS)
            .map(|s| (u32::from(s) * 32, model.get(&s).map_or(EMPTY, root_of)))
            .filter(|(_, r)| *r != EMPTY)
            .collect();
        assert_eq!(listed, want);
        // The pruning seam: from the account record alone, `children`
        // reaches every node of every map, nested ones included, and each
        // is in the store.
        let kv = rt.kv();
        let mut stack: Vec<Hash32> = account.maps.iter().map(|m| m.root).collect();
        let mut reached = std::collections::HashSet::new();
        while let Some(h) = stack.pop() {
            if !reached.insert(h) {
                continue;
            }
            let record = kv
                .get(namespaces::MAP_NODES, &h)
                .unwrap()
                .unwrap_or_else(|| panic!("map node {h:?} of {c} is not stored"));
            stack.extend(strata_maps::children(&record).unwrap());
        }
        assert_eq!(reached.len(), model_nodes(model), "contract {c}");
    }
}

/// How many distinct nodes the model's maps have: built into one fresh
/// set, counted from their roots.
fn model_nodes(model: &Model) -> usize {
    fn build(map: &MMap, tree: &mut MapTree<'_, MemKv>) -> Hash32 {
        let mut root = EMPTY;
        for (k, v) in map {
            let value = match v {
                MV::Bytes(b) => Value::Bytes(b.clone()),
                MV::Map(m) => Value::Map(build(m, tree)),
            };
            root = tree.set(&root, k, value).unwrap().root;
        }
        root
    }
    let store = MemKv::new();
    let mut fresh = Fresh::new();
    let roots: Vec<Hash32> = {
        let mut tree = MapTree::new(&store, &mut fresh);
        model.values().map(|m| build(m, &mut tree)).collect()
    };
    strata_maps::write_reachable(&fresh, roots, &mut strata_kv::WriteBatch::new())
}

/// Reads every key of every slot back through queries: the maps' nodes are
/// in the store.
fn check_reads(rt: &Runtime<Arc<MemKv>>, contracts: &[Address; 2], models: &[Model; 2]) {
    for (c, model) in contracts.iter().zip(models) {
        let mut m = model.clone();
        let mut script = Vec::new();
        let mut out = Vec::new();
        let ops: Vec<G> = (0..SLOTS)
            .flat_map(|s| (0..12).map(move |k| G::Get(s, k)))
            .chain((0..SLOTS).map(|s| G::Next(s, None)))
            .collect();
        compile(&ops, &mut m, None, &mut script, &mut out);
        let r = rt
            .query(&call_tx(*c, "run", vec![], script), block(99))
            .unwrap();
        assert!(r.success(), "{:?}", r.error);
        assert_eq!(r.return_data, out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn maps_agree_with_a_model(txs in prop::collection::vec(tx_ops(), 1..10)) {
        // One transaction per block.
        let kv = Arc::new(MemKv::new());
        let rt = Runtime::new(kv.clone());
        let (contracts, built, models) = setup(&rt, &txs);
        let mut receipts = Vec::new();
        for (i, (tx, _)) in built.iter().enumerate() {
            if i % 3 == 1 {
                rt.clear_caches();
            }
            receipts.push(rt.execute(tx, block(2 + i as u64)).unwrap());
        }
        check_receipts(&receipts, &built);
        check_state(&rt, &contracts, &models);
        check_reads(&Runtime::new(kv.clone()), &contracts, &models);

        // All in one block: the same receipts, roots and reads, though the
        // block writes only the final nodes.
        let kv2 = Arc::new(MemKv::new());
        let rt2 = Runtime::new(kv2.clone());
        let (contracts2, built2, _) = setup(&rt2, &txs);
        prop_assert_eq!(contracts, contracts2);
        let txs2: Vec<Transaction> = built2.iter().map(|(t, _)| t.clone()).collect();
        let result = rt2.execute_block(&txs2, block(2)).unwrap();
        check_receipts(&result.receipts, &built2);
        for (a, b) in receipts.iter().zip(&result.receipts) {
            prop_assert_eq!(&a.state_roots, &b.state_roots);
            prop_assert_eq!(a.gas_used, b.gas_used);
        }
        check_state(&rt2, &contracts, &models);
        check_reads(&Runtime::new(kv2.clone()), &contracts, &models);
        let count = |kv: &MemKv| kv.scan_prefix(namespaces::MAP_NODES, &[]).unwrap().len();
        prop_assert!(count(&kv2) <= count(&kv));
    }
}

fn raw(rt: &Runtime<Arc<MemKv>>, c: Address, f: &str, args: Vec<Arg>) -> strata_runtime::Receipt {
    rt.execute(&Transaction::Call(call_tx(c, f, args, vec![])), block(5))
        .unwrap()
}

#[test]
fn bad_input_is_a_typed_error_and_writes_nothing() {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv.clone());
    let c = deploy(&rt, SCRIPT, PAGES);
    // A map with one entry in slot 0.
    let mut script = Vec::new();
    let mut model = Model::new();
    compile(
        &[G::Set(0, 1, b"v".to_vec())],
        &mut model,
        None,
        &mut script,
        &mut Vec::new(),
    );
    assert!(rt.execute(&run_tx(c, script), block(3)).unwrap().success());
    let before = rt.account(&c).unwrap().unwrap();
    let records = || kv.scan_prefix(namespaces::MAP_NODES, &[]).unwrap().len();
    let stored = records();
    let i = Arg::I32;
    for (args, want) in [
        (vec![i(0), i(0), i(257), i(1)], "key_ptr"),
        (vec![i(0), i(0), i(1), i(4097)], "val_len"),
        (vec![i(0), i(4080), i(1), i(1)], "offset"),
        (vec![i(2), i(0), i(1), i(1)], "page"),
        (vec![i(0), i(-1), i(1), i(1)], "offset"),
    ] {
        let r = raw(&rt, c, "set_raw", args.clone());
        let e = r.error.expect("fails");
        assert_eq!(e.kind, ErrorKind::HostError, "{args:?}");
        assert!(e.message.contains(want), "{args:?}: {}", e.message);
    }
    // A corrupt root: the slot's first 8 bytes replaced.
    assert!(raw(&rt, c, "poke", vec![i(0), i(0), Arg::I64(0x1234)]).success());
    for f in ["set_raw", "get_raw"] {
        let args = if f == "set_raw" {
            vec![i(0), i(0), i(1), i(1)]
        } else {
            vec![i(0), i(0), i(1)]
        };
        let e = raw(&rt, c, f, args).error.expect("fails");
        assert_eq!(e.kind, ErrorKind::HostError);
        assert!(e.message.contains("not the root of a map"), "{}", e.message);
    }
    // Nothing was written by the failures, and the poked slice is no longer
    // listed as a map.
    assert_eq!(records(), stored);
    let after = rt.account(&c).unwrap().unwrap();
    assert_eq!(before.maps.len(), 1);
    assert!(after.maps.is_empty(), "{:?}", after.maps);
}

#[test]
fn reads_are_charged_by_levels_once_per_transaction() {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv);
    let c = deploy(&rt, SCRIPT, PAGES);
    let mut model = Model::new();
    let mut script = Vec::new();
    let ops: Vec<G> = (0..12).map(|k| G::Set(0, k, vec![k; 4])).collect();
    compile(&ops, &mut model, None, &mut script, &mut Vec::new());
    assert!(rt.execute(&run_tx(c, script), block(3)).unwrap().success());
    let gas = |ops: &[G]| {
        let mut m = model.clone();
        let mut s = Vec::new();
        compile(ops, &mut m, None, &mut s, &mut Vec::new());
        let r = rt.query(&call_tx(c, "run", vec![], s), block(4)).unwrap();
        assert!(r.success());
        r.gas_used
    };
    let once = gas(&[G::Get(0, 3)]);
    let twice = gas(&[G::Get(0, 3), G::Get(0, 3)]);
    let other = gas(&[G::Get(0, 3), G::Get(0, 4)]);
    // The second read of a key pays no levels; another key does.
    assert!(other > twice, "{other} {twice}");
    assert!(twice > once);
    // And the same after the caches are cleared.
    rt.clear_caches();
    assert_eq!(gas(&[G::Get(0, 3)]), once);
}

const TOKEN: &str = include_str!("../../examples/map_token.wat");

fn token_call(
    rt: &Runtime<Arc<MemKv>>,
    token: Address,
    sender: Address,
    f: &str,
    args: Vec<Arg>,
    input: Vec<u8>,
) -> strata_runtime::Receipt {
    let mut tx = call_tx(token, f, args, input);
    tx.sender = sender;
    rt.execute(&Transaction::Call(tx), block(7)).unwrap()
}

fn token_query(rt: &Runtime<Arc<MemKv>>, token: Address, f: &str, input: Vec<u8>) -> i64 {
    let r = rt
        .query(&call_tx(token, f, vec![], input), block(7))
        .unwrap();
    assert!(r.success(), "{f}: {:?}", r.error);
    match r.returns.first() {
        Some(Arg::I64(v)) => *v,
        other => panic!("{f}: {other:?}"),
    }
}

#[test]
fn the_map_token_mints_transfers_and_spends_allowances() {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv.clone());
    let mut deploy = deploy_tx(TOKEN, 1);
    deploy.ctor = Some(strata_runtime::FunctionCall {
        function: "init".into(),
        args: vec![],
    });
    let r = rt.execute(&Transaction::Deploy(deploy), block(6)).unwrap();
    assert!(r.success(), "{:?}", r.error);
    let token = r.deployed.unwrap();
    let (alice, bob, carol) = (
        Address([0xA1; 20]),
        Address([0xB2; 20]),
        Address([0xC3; 20]),
    );
    let cat = |a: &Address, b: &Address| [a.0, b.0].concat();

    let r = token_call(
        &rt,
        token,
        AUTHOR,
        "mint",
        vec![Arg::I64(1000)],
        alice.0.to_vec(),
    );
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(r.events.len(), 1);
    assert_eq!(&r.events[0].topics[0][..8], b"Transfer");
    assert_eq!(r.events[0].topics[1], [0; 32], "minted from nobody");
    assert_eq!(&r.events[0].topics[2][..20], &alice.0);
    assert_eq!(r.events[0].data, 1000i64.to_le_bytes());
    // Only the owner mints.
    let r = token_call(
        &rt,
        token,
        alice,
        "mint",
        vec![Arg::I64(5)],
        alice.0.to_vec(),
    );
    assert_eq!(r.error.unwrap().kind, ErrorKind::Abort);

    let r = token_call(
        &rt,
        token,
        alice,
        "transfer",
        vec![Arg::I64(300)],
        bob.0.to_vec(),
    );
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(&r.events[0].topics[1][..20], &alice.0);
    assert_eq!(token_query(&rt, token, "balance_of", alice.0.to_vec()), 700);
    assert_eq!(token_query(&rt, token, "balance_of", bob.0.to_vec()), 300);
    // Too much: aborts, nothing changes.
    let r = token_call(
        &rt,
        token,
        bob,
        "transfer",
        vec![Arg::I64(301)],
        carol.0.to_vec(),
    );
    assert_eq!(r.error.unwrap().kind, ErrorKind::Abort);
    assert_eq!(token_query(&rt, token, "balance_of", carol.0.to_vec()), 0);

    let r = token_call(
        &rt,
        token,
        alice,
        "approve",
        vec![Arg::I64(100)],
        carol.0.to_vec(),
    );
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(&r.events[0].topics[0][..8], b"Approval");
    assert_eq!(
        token_query(&rt, token, "allowance", cat(&alice, &carol)),
        100
    );
    let r = token_call(
        &rt,
        token,
        carol,
        "transfer_from",
        vec![Arg::I64(60)],
        cat(&alice, &bob),
    );
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(
        token_query(&rt, token, "allowance", cat(&alice, &carol)),
        40
    );
    let r = token_call(
        &rt,
        token,
        carol,
        "transfer_from",
        vec![Arg::I64(41)],
        cat(&alice, &bob),
    );
    assert_eq!(
        r.error.unwrap().kind,
        ErrorKind::Abort,
        "over the allowance"
    );
    assert_eq!(token_query(&rt, token, "balance_of", alice.0.to_vec()), 640);
    assert_eq!(token_query(&rt, token, "balance_of", bob.0.to_vec()), 360);
    assert_eq!(token_query(&rt, token, "total_supply", vec![]), 1000);

    // Emptied balances leave their map: the whole balance moves away.
    let r = token_call(
        &rt,
        token,
        bob,
        "transfer",
        vec![Arg::I64(360)],
        alice.0.to_vec(),
    );
    assert!(r.success());
    let account = rt.account(&token).unwrap().unwrap();
    assert_eq!(account.maps.len(), 2, "balances and allowances");
    // A proof of a balance, and of a missing one, under the block root.
    for (holder, want) in [(alice, Some(1000i64)), (bob, None)] {
        let (root, value, proof) = rt.prove_map(&token, 0, 0, &[&holder.0]).unwrap();
        let shown = strata_runtime::verify_map(&root, &token, 0, 0, &[&holder.0], &proof).unwrap();
        assert_eq!(shown, value);
        assert_eq!(shown, want.map(|v| Value::Bytes(v.to_le_bytes().to_vec())));
        assert!(strata_runtime::verify_map(&root, &token, 0, 32, &[&holder.0], &proof).is_err());
        let mut other = root;
        other[0] ^= 1;
        assert!(strata_runtime::verify_map(&other, &token, 0, 0, &[&holder.0], &proof).is_err());
    }
}

#[test]
fn nested_values_prove_through_their_parents() {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv);
    let c = deploy(&rt, SCRIPT, PAGES);
    // Slot 1 gets entries, then becomes the value of key 3 in slot 0.
    let mut model = Model::new();
    let mut script = Vec::new();
    let ops = vec![
        G::Set(1, 5, b"five".to_vec()),
        G::Set(1, 6, b"six".to_vec()),
        G::Set(0, 1, b"one".to_vec()),
        G::SetMap(0, 3, 1),
    ];
    compile(&ops, &mut model, None, &mut script, &mut Vec::new());
    assert!(rt.execute(&run_tx(c, script), block(3)).unwrap().success());
    let (outer, inner) = (key(3), key(5));
    let (root, value, proof) = rt.prove_map(&c, 0, 0, &[&outer, &inner]).unwrap();
    assert_eq!(value, Some(Value::Bytes(b"five".to_vec())));
    let shown = strata_runtime::verify_map(&root, &c, 0, 0, &[&outer, &inner], &proof).unwrap();
    assert_eq!(shown, value);
    // An absent inner key proves its absence.
    let missing = key(7);
    let (root, value, proof) = rt.prove_map(&c, 0, 0, &[&outer, &missing]).unwrap();
    assert_eq!(value, None);
    assert_eq!(
        strata_runtime::verify_map(&root, &c, 0, 0, &[&outer, &missing], &proof).unwrap(),
        None
    );
    // A proof does not pass for other keys, or with a tampered page.
    assert!(strata_runtime::verify_map(&root, &c, 0, 0, &[&outer, &inner], &proof).is_err());
    let mut bad = proof.clone();
    bad.page_bytes[0] ^= 1;
    assert!(strata_runtime::verify_map(&root, &c, 0, 0, &[&outer, &missing], &bad).is_err());
    // A read-only query reads through the nested map with map_get_path.
    let path = |keys: &[&[u8]]| {
        let mut p = Vec::new();
        for k in keys {
            p.push(k.len() as u8);
            p.extend_from_slice(k);
        }
        let mut script = vec![10, 0, p.len() as u8];
        script.extend_from_slice(&p);
        let r = rt
            .query(&call_tx(c, "run", vec![], script), block(9))
            .unwrap();
        assert!(r.success(), "{:?}", r.error);
        r.return_data
    };
    assert_eq!(
        path(&[&outer, &inner]),
        [&4i32.to_le_bytes()[..], b"five"].concat()
    );
    assert_eq!(path(&[&outer, &missing]), (-1i32).to_le_bytes());
    assert_eq!(path(&[&key(1)]), [&3i32.to_le_bytes()[..], b"one"].concat());
    let mut script = vec![10, 0, 0];
    let mut p = vec![key(1).len() as u8];
    p.extend_from_slice(&key(1));
    p.push(1);
    p.push(0);
    script[2] = p.len() as u8;
    script.extend_from_slice(&p);
    let r = rt
        .query(&call_tx(c, "run", vec![], script), block(9))
        .unwrap();
    assert!(
        r.error.unwrap().message.contains("not a nested map"),
        "through bytes"
    );
    // A nested root copied into a slice with map_get_map is a top-level
    // map of its own there, listed in the account, even if no map call
    // uses that slice afterwards.
    let mut script = Vec::new();
    compile(
        &[G::GetMap(0, 3, 2)],
        &mut model,
        None,
        &mut script,
        &mut Vec::new(),
    );
    assert!(rt.execute(&run_tx(c, script), block(4)).unwrap().success());
    let listed: Vec<u32> = rt
        .account(&c)
        .unwrap()
        .unwrap()
        .maps
        .iter()
        .map(|m| m.offset)
        .collect();
    assert_eq!(listed, vec![0, 32, 64]);
    assert_eq!(slot_root(&rt, &c, 2), slot_root(&rt, &c, 1));
    // A bytes entry ends the path: proving through it shows that entry.
    let one = key(1);
    let (_, value, proof) = rt.prove_map(&c, 0, 0, &[&one, &inner]).unwrap();
    assert_eq!(value, Some(Value::Bytes(b"one".to_vec())));
    assert_eq!(proof.steps.len(), 1);
}

#[test]
fn an_older_block_root_still_reads_its_maps() {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv);
    let c = deploy(&rt, SCRIPT, PAGES);
    let set = |v: &[u8], height: u64| {
        let mut script = Vec::new();
        compile(
            &[G::Set(0, 2, v.to_vec())],
            &mut Model::new(),
            None,
            &mut script,
            &mut Vec::new(),
        );
        let b = rt
            .execute_block(&[run_tx(c, script)], block(height))
            .unwrap();
        assert!(b.receipts[0].success());
        b.head.state_root
    };
    let first = set(b"old", 3);
    set(b"new", 4);
    let read = |snapshot: &strata_runtime::Snapshot<'_, Arc<MemKv>>| {
        let mut script = Vec::new();
        let mut m = Model::new();
        compile(&[G::Get(0, 2)], &mut m, None, &mut script, &mut Vec::new());
        let r = snapshot
            .query(&call_tx(c, "run", vec![], script), block(9))
            .unwrap();
        assert!(r.success(), "{:?}", r.error);
        r.return_data[4..].to_vec()
    };
    assert_eq!(read(&rt.snapshot(first).unwrap()), b"old");
    let head = rt.head().unwrap().unwrap().state_root;
    assert_eq!(read(&rt.snapshot(head).unwrap()), b"new");
}

#[test]
fn account_records_carry_map_roots_only_when_there_are_some() {
    use parity_scale_codec::Encode;
    use strata_runtime::{Account, MapRoot};
    let address = Address([9; 20]);
    let mut a = Account {
        code_hash: Some(strata_runtime::CodeHash([3; 32])),
        page_count: 2,
        tree_root: [4; 32],
        ..Account::default()
    };
    a.state_root = strata_pages::tree::state_root(a.page_count, &a.tree_root);
    // Without maps: the fields in order, nothing more (the record of
    // before maps existed).
    let plain = (
        &a.code_hash,
        a.page_count,
        &a.banks,
        &a.state_root,
        &a.tree_root,
        a.balance,
        a.nonce,
        &a.name,
    )
        .encode();
    assert_eq!(a.encode(), plain);
    a.maps = vec![
        MapRoot {
            page: 0,
            offset: 0,
            root: [5; 32],
        },
        MapRoot {
            page: 1,
            offset: 64,
            root: [6; 32],
        },
    ];
    let record = a.to_record(&address);
    assert_eq!(Account::from_record(&address, &record).unwrap(), a);
    a.validate(&address).unwrap();
    // An empty list encoded explicitly is a second encoding: refused.
    let mut twice = plain.clone();
    twice.push(0);
    assert!(<Account as parity_scale_codec::DecodeAll>::decode_all(&mut &twice[..]).is_err());
    // Unsorted, outside the pages, or an empty root: not a valid record.
    for maps in [
        vec![a.maps[1], a.maps[0]],
        vec![MapRoot {
            page: 2,
            offset: 0,
            root: [5; 32],
        }],
        vec![MapRoot {
            page: 0,
            offset: 4080,
            root: [5; 32],
        }],
        vec![MapRoot {
            page: 0,
            offset: 0,
            root: [0; 32],
        }],
    ] {
        let bad = Account { maps, ..a.clone() };
        assert!(bad.validate(&address).is_err());
    }
}

#[test]
fn a_contract_names_only_its_own_current_roots() {
    let kv = Arc::new(MemKv::new());
    let rt = Runtime::new(kv);
    let a = deploy(&rt, SCRIPT, PAGES);
    let b = deploy(&rt, SCRIPT, PAGES);
    let run = |c: Address, ops: &[G], raw: &[u8], height: u64| {
        let mut script = Vec::new();
        compile(ops, &mut Model::new(), None, &mut script, &mut Vec::new());
        script.extend_from_slice(raw);
        rt.execute(&run_tx(c, script), block(height)).unwrap()
    };
    let poke_then_get = |slot: u8, root: &Hash32| {
        let mut raw = vec![9, slot];
        raw.extend_from_slice(root);
        raw.extend_from_slice(&[3, slot, key(2).len() as u8]);
        raw.extend_from_slice(&key(2));
        raw
    };
    assert!(run(b, &[G::Set(0, 2, b"b".to_vec())], &[], 3).success());
    assert!(run(a, &[G::Set(0, 2, b"old".to_vec())], &[], 4).success());
    let old = slot_root(&rt, &a, 0);
    assert!(run(a, &[G::Set(0, 2, b"new".to_vec())], &[], 5).success());
    // Another contract's root, and an earlier root of its own (still in
    // the store: nothing is pruned), are bytes, not maps.
    for root in [slot_root(&rt, &b, 0), old] {
        let r = run(a, &[], &poke_then_get(1, &root), 6);
        let e = r.error.expect("refused");
        assert_eq!(e.kind, ErrorKind::HostError);
        assert!(e.message.contains("not the root of a map"), "{}", e.message);
    }
    // Its current root, copied by a plain write, is one.
    let current = slot_root(&rt, &a, 0);
    let r = run(a, &[], &poke_then_get(1, &current), 7);
    assert!(r.success(), "{:?}", r.error);
    assert_eq!(&r.return_data[4..], b"new");
    assert_eq!(rt.account(&a).unwrap().unwrap().maps.len(), 2);
}

/// The path `keys` in `map_get_path`'s encoding.
fn path(keys: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    for k in keys {
        p.push(key(*k).len() as u8);
        p.extend_from_slice(&key(*k));
    }
    p
}

#[test]
fn nested_maps_fold_back_into_their_parents_when_the_frame_ends() {
    // The same runtime twice, one with a dearer fold, to see its charge.
    const DEARER: u64 = 10_000;
    let runtime = |fold_extra: u64| {
        let mut config = strata_runtime::RuntimeConfig::default();
        config.gas.map_fold += fold_extra;
        Runtime::builder(Arc::new(MemKv::new()))
            .config(config)
            .build()
            .unwrap()
    };
    let (rt, dear) = (runtime(0), runtime(DEARER));
    let (a, a2) = (deploy(&rt, SCRIPT, PAGES), deploy(&dear, SCRIPT, PAGES));
    assert_eq!(a, a2);
    let mut model = Model::new();
    let mut run = |ops: &[G], height: u64| {
        let mut script = Vec::new();
        let mut out = Vec::new();
        compile(ops, &mut model, None, &mut script, &mut out);
        let r = rt
            .execute(&run_tx(a, script.clone()), block(height))
            .unwrap();
        let d = dear.execute(&run_tx(a, script), block(height)).unwrap();
        assert!(r.success() && d.success(), "{:?} {:?}", r.error, d.error);
        assert_eq!(r.return_data, out);
        assert_eq!(r.state_roots, d.state_roots);
        for slot in 0..SLOTS {
            let want = model.get(&slot).map_or(EMPTY, root_of);
            assert_eq!(slot_root(&rt, &a, slot), want, "slot {slot}");
        }
        d.gas_used - r.gas_used
    };
    // Two levels down, then a write: no `map_set_map` anywhere, yet the
    // write reaches the top map (innermost first), in two folds.
    let extra = run(
        &[
            G::GetMap(0, 1, 1),
            G::GetMap(1, 2, 2),
            G::Set(2, 3, b"deep".to_vec()),
        ],
        3,
    );
    assert_eq!(extra, 2 * DEARER);
    let mut script = vec![10, 0, path(&[1, 2, 3]).len() as u8];
    script.extend_from_slice(&path(&[1, 2, 3]));
    let q = rt
        .query(&call_tx(a, "run", vec![], script), block(4))
        .unwrap();
    assert_eq!(&q.return_data[..4], &4i32.to_le_bytes());
    assert_eq!(&q.return_data[4..], b"deep");
    // Unchanged slices, and one set back explicitly, fold nothing.
    assert_eq!(run(&[G::GetMap(0, 1, 1), G::Get(1, 2)], 5), 0);
    let explicit = [
        G::GetMap(0, 1, 1),
        G::Set(1, 4, b"x".to_vec()),
        G::SetMap(0, 1, 1),
    ];
    assert_eq!(run(&explicit, 6), 0);
    // A slice filled again is linked to its new entry only, and a slice
    // whose parent's slice was refilled is not folded into the new map.
    let refill = [
        G::GetMap(0, 1, 1),
        G::GetMap(1, 2, 2),
        G::GetMap(0, 5, 1),
        G::Set(2, 6, b"lost".to_vec()),
        G::Set(1, 7, b"kept".to_vec()),
    ];
    assert_eq!(run(&refill, 7), DEARER);

    // Out of gas in the fold: the transaction fails, and nothing it did is
    // written. Measured on one fresh runtime, run on two more.
    let mut script = Vec::new();
    compile(
        &[G::GetMap(0, 1, 1), G::Set(1, 8, b"y".to_vec())],
        &mut Model::new(),
        None,
        &mut script,
        &mut Vec::new(),
    );
    let mut tx = call_tx(a, "run", vec![], script);
    let fresh = |fold_extra: u64| {
        let rt = runtime(fold_extra);
        assert_eq!(deploy(&rt, SCRIPT, PAGES), a);
        rt
    };
    let probe = fresh(DEARER)
        .execute(&Transaction::Call(tx.clone()), block(3))
        .unwrap();
    assert!(probe.success(), "{:?}", probe.error);
    tx.gas_limit = probe.gas_used - 1;
    let cheap = fresh(0);
    let r = cheap
        .execute(&Transaction::Call(tx.clone()), block(3))
        .unwrap();
    assert!(r.success(), "the cheaper fold fits: {:?}", r.error);
    let dear = fresh(DEARER);
    let r = dear.execute(&Transaction::Call(tx), block(3)).unwrap();
    let e = r.error.expect("out of gas");
    assert_eq!(e.kind, ErrorKind::OutOfGas);
    assert!(e.message.contains("folding"), "{}", e.message);
    assert_eq!(r.gas_used, probe.gas_used - 1);
    for slot in 0..SLOTS {
        assert_eq!(slot_root(&dear, &a, slot), EMPTY);
    }
    assert!(dear.account(&a).unwrap().unwrap().maps.is_empty());
}
