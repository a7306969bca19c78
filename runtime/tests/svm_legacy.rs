//! SVM-era contracts in the legacy (2019 wabt) text format, from
//! `examples/svm/`, deployed and run with their expected results.

mod common;

use std::sync::Arc;

use common::*;
use strata_host_fns::{SvmEnv, SvmNode};
use strata_kv::MemKv;
use strata_runtime::{Arg, CodeHash, ErrorKind, Runtime, contract_address};

fn example(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/svm")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn slices_era_counter_in_legacy_text_runs_with_svm_results() {
    let text = example("slices_era_counter.wast");
    // The file really is in the legacy format: today's parser rejects it.
    assert!(wat::parse_str(&text).is_err());
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let c = deploy(&rt, &text, 2);
    assert_eq!(
        call(&rt, c, "add", vec![Arg::I64(5)]).returns,
        vec![Arg::I64(5)]
    );
    assert_eq!(
        call(&rt, c, "add", vec![Arg::I64(7)]).returns,
        vec![Arg::I64(12)]
    );
    assert_eq!(rt.read_slice(&c, 0, 0, 8).unwrap(), 12i64.to_be_bytes());
    assert_eq!(call(&rt, c, "copy", vec![]).returns, vec![Arg::I64(9)]);
    assert_eq!(rt.read_slice(&c, 1, 3, 9).unwrap(), b"get_local");
    assert_eq!(rt.read_slice(&c, 1, 0, 3).unwrap(), [0, 0, 0]);
}

/// A runtime with SVM's optional node vmcall modules (`node`, `env`) linked,
/// as an embedder that wants SVM's balance calls builds it.
fn svm_runtime() -> Runtime<Arc<MemKv>> {
    Runtime::builder(Arc::new(MemKv::new()))
        .host_module(SvmNode)
        .host_module(SvmEnv)
        .build()
        .unwrap()
}

fn returns(r: &strata_runtime::Receipt) -> Vec<Arg> {
    assert!(r.success(), "{:?}", r.error);
    r.returns.clone()
}

#[test]
fn september_era_little_endian_registers_run_with_svm_results() {
    let text = example("september_registers.wast");
    assert!(wat::parse_str(&text).is_err(), "legacy format");
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let c = deploy(&rt, &text, 1);
    let v = 0x0102_0304_0506_0708i64;
    returns(&call(&rt, c, "store", vec![Arg::I64(v)]));
    assert_eq!(rt.read_slice(&c, 0, 16, 8).unwrap(), v.to_le_bytes());
    assert_eq!(returns(&call(&rt, c, "load", vec![])), [Arg::I64(v)]);
    assert_eq!(returns(&call(&rt, c, "spill", vec![])), [Arg::I64(v)]);
    assert_eq!(
        returns(&call(&rt, c, "swap_bytes", vec![Arg::I64(1)])),
        [Arg::I64(0x0100_0000_0000_0000)]
    );
}

#[test]
fn december_era_five_parameter_storage_calls_bind_to_their_variants() {
    let text = example("december_storage.wast");
    assert!(wat::parse_str(&text).is_err(), "legacy format");
    let rt = svm_runtime();
    let c = deploy(&rt, &text, 3);
    let v = 0x1122_3344_5566_7788i64;
    returns(&call(
        &rt,
        c,
        "put",
        vec![Arg::I32(1), Arg::I32(100), Arg::I64(v)],
    ));
    assert_eq!(rt.read_slice(&c, 1, 100, 8).unwrap(), v.to_be_bytes());
    assert_eq!(
        returns(&call(&rt, c, "get", vec![Arg::I32(1), Arg::I32(100)])),
        [Arg::I64(v)]
    );
    assert_eq!(
        returns(&call(&rt, c, "stamp", vec![Arg::I32(2), Arg::I32(7)])),
        [Arg::I64(i64::from_le_bytes(*b"dec-2019"))]
    );
    assert_eq!(rt.read_slice(&c, 2, 7, 8).unwrap(), b"dec-2019");

    // env.get_balance / env.set_balance on Strata's own balances.
    let mut holder = [0u8; 20];
    holder[17..].copy_from_slice(&[0xaa, 0xbb, 0xcc]);
    let holder = strata_runtime::Address(holder);
    // Nobody has a balance yet: 0 times 3 is 0.
    assert_eq!(
        returns(&call(&rt, c, "mul_balance", vec![Arg::I64(3)])),
        [Arg::I64(0)]
    );
    let node = deploy(&rt, &example("node_balance.wast"), 1);
    // The node-era contract sets it (its address takes the low 8 bytes).
    returns(&call(
        &rt,
        node,
        "set",
        vec![Arg::I64(0x00aa_bbcc), Arg::I64(7)],
    ));
    assert_eq!(rt.account(&holder).unwrap().unwrap().balance, 7);
    assert_eq!(
        returns(&call(&rt, c, "mul_balance", vec![Arg::I64(3)])),
        [Arg::I64(21)]
    );
    assert_eq!(rt.account(&holder).unwrap().unwrap().balance, 21);
    assert_eq!(rt.read_slice(&c, 0, 0, 8).unwrap(), 21i64.to_be_bytes());
}

#[test]
fn node_era_balance_vmcalls_read_and_write_strata_balances() {
    let rt = svm_runtime();
    let c = deploy(&rt, &example("node_balance.wast"), 1);
    let hi = 0x0102_0304_0506_0708i64;
    let mut a = [0u8; 20];
    a[12..].copy_from_slice(&hi.to_be_bytes());
    let account = strata_runtime::Address(a);
    returns(&call(&rt, c, "set", vec![Arg::I64(hi), Arg::I64(500)]));
    assert_eq!(rt.account(&account).unwrap().unwrap().balance, 500);
    assert_eq!(
        returns(&call(&rt, c, "balance", vec![Arg::I64(hi)])),
        [Arg::I64(500)]
    );
    assert_eq!(
        returns(&call(&rt, c, "scale", vec![Arg::I64(hi), Arg::I64(4)])),
        [Arg::I64(2000)]
    );
    assert_eq!(rt.account(&account).unwrap().unwrap().balance, 2000);

    // A negative balance is a typed error; nothing changes.
    let r = call(&rt, c, "set", vec![Arg::I64(hi), Arg::I64(-1)]);
    let e = r.error.expect("fails");
    assert_eq!(e.kind, ErrorKind::HostError);
    assert!(
        e.message.contains("node.vmcall_set_balance"),
        "{}",
        e.message
    );
    assert!(e.message.contains("cannot be negative"), "{}", e.message);
    assert_eq!(rt.account(&account).unwrap().unwrap().balance, 2000);

    // A balance over i64::MAX cannot be returned as an i64: a typed error,
    // not a wrapped value.
    let rich = deploy_rich(&rt, u128::from(u64::MAX) + 1);
    let r = call(&rt, rich, "mine", vec![]);
    let e = r.error.expect("fails");
    assert_eq!(e.kind, ErrorKind::HostError);
    assert!(
        e.message.contains("more than an i64 holds"),
        "{}",
        e.message
    );
}

/// A contract with `balance` that asks `node.vmcall_get_balance` for its own.
fn deploy_rich(rt: &Runtime<Arc<MemKv>>, balance: u128) -> strata_runtime::Address {
    let wat = r#"(module
      (import "strata" "address" (func $me (param i32)))
      (import "svm" "mem_to_reg_copy" (func $mem_to_reg (param i32 i32 i32 i32 i32)))
      (import "node" "vmcall_get_balance" (func $get (param i32 i32) (result i64)))
      (memory 1)
      (func (export "mine") (result i64)
        (call $me (i32.const 0))
        (call $mem_to_reg (i32.const 0) (i32.const 0) (i32.const 20) (i32.const 160) (i32.const 1))
        (call $get (i32.const 160) (i32.const 1))))"#;
    let mut tx = deploy_tx(wat, 0);
    tx.balance = balance;
    let r = rt
        .execute(&strata_runtime::Transaction::Deploy(tx), BLOCK)
        .unwrap();
    assert!(r.success(), "{:?}", r.error);
    r.deployed.unwrap()
}

#[test]
fn node_modules_are_off_unless_an_embedder_adds_them() {
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let tx = deploy_tx(&example("node_balance.wast"), 1);
    let r = rt
        .execute(&strata_runtime::Transaction::Deploy(tx), BLOCK)
        .unwrap();
    let e = r.error.expect("rejected");
    assert_eq!(e.kind, ErrorKind::InvalidCode);
    assert!(
        e.message
            .contains("node.vmcall_get_balance is not a host function"),
        "{}",
        e.message
    );
}

#[test]
fn contracts_of_every_era_run_side_by_side_in_one_runtime() {
    let rt = svm_runtime();
    let autumn = deploy(&rt, &example("slices_era_counter.wast"), 2);
    let september = deploy(&rt, &example("september_registers.wast"), 1);
    let december = deploy(&rt, &example("december_storage.wast"), 3);
    assert_eq!(
        returns(&call(&rt, autumn, "add", vec![Arg::I64(40)])),
        [Arg::I64(40)]
    );
    returns(&call(&rt, september, "store", vec![Arg::I64(9)]));
    returns(&call(
        &rt,
        december,
        "put",
        vec![Arg::I32(0), Arg::I32(8), Arg::I64(-2)],
    ));
    assert_eq!(
        returns(&call(&rt, september, "load", vec![])),
        [Arg::I64(9)]
    );
    assert_eq!(
        returns(&call(&rt, december, "get", vec![Arg::I32(0), Arg::I32(8)])),
        [Arg::I64(-2)]
    );
}

#[test]
fn one_module_may_import_two_variants_of_one_name() {
    // The autumn (six parameters, with a slice) and December (five)
    // signatures of storage_read_to_reg in one module: each binds to its own.
    let wat = r#"(module
      (import "svm" "storage_read_to_reg" (func $six (param i32 i32 i32 i32 i32 i32)))
      (import "svm" "storage_read_to_reg" (func $five (param i32 i32 i32 i32 i32)))
      (import "svm" "reg_read_be_i64" (func $get (param i32 i32) (result i64)))
      (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
      (memory 1)
      (func (export "run") (result i64)
        (i64.store (i32.const 0) (i64.const 0x0807060504030201))
        (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
        (call $six (i32.const 0) (i32.const 9) (i32.const 0) (i32.const 4) (i32.const 64) (i32.const 0))
        (call $five (i32.const 0) (i32.const 4) (i32.const 4) (i32.const 64) (i32.const 1))
        (i64.add (call $get (i32.const 64) (i32.const 0)) (call $get (i32.const 64) (i32.const 1)))))"#;
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let c = deploy(&rt, wat, 1);
    // Register 64:0 = 01 02 03 04 00.., 64:1 = 05 06 07 08 00.. (big-endian).
    assert_eq!(
        returns(&call(&rt, c, "run", vec![])),
        [Arg::I64(0x0102_0304_0000_0000 + 0x0506_0708_0000_0000)]
    );
}

#[test]
fn a_signature_of_no_era_lists_the_ones_that_exist() {
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let wat = r#"(module
      (import "svm" "storage_write_from_mem" (func (param i32 i32 i32)))
      (memory 1))"#;
    let tx = deploy_tx(wat, 1);
    let r = rt
        .execute(&strata_runtime::Transaction::Deploy(tx), BLOCK)
        .unwrap();
    let e = r.error.expect("rejected");
    assert_eq!(e.kind, ErrorKind::InvalidCode);
    assert!(
        e.message.contains(
            "import svm.storage_write_from_mem has signature (i32, i32, i32) -> (), but the \
             host function is (i32, i32, i32, i32, i32, i32) -> () or (i32, i32, i32, i32, i32) -> ()"
        ),
        "{}",
        e.message
    );
    // A variant's symbol is not an import name.
    let wat = r#"(module
      (import "svm" "storage_read_to_reg_dec19" (func (param i32 i32 i32 i32 i32)))
      (memory 1))"#;
    let r = rt
        .execute(
            &strata_runtime::Transaction::Deploy(deploy_tx(wat, 1)),
            BLOCK,
        )
        .unwrap();
    let e = r.error.expect("rejected");
    assert!(
        e.message
            .contains("svm.storage_read_to_reg_dec19 is not a host function"),
        "{}",
        e.message
    );
}

#[test]
fn stored_code_is_the_rewritten_module_and_the_address_follows_its_hash() {
    let rt = svm_runtime();
    let text = example("december_storage.wast");
    let source = wat::parse_str(strata_host_fns::legacy_wat::translate(&text).as_ref()).unwrap();
    let c = deploy(&rt, &text, 3);
    let account = rt.account(&c).unwrap().unwrap();
    let stored = account.code_hash.unwrap();
    assert_ne!(
        stored,
        CodeHash::of(&source),
        "imports renamed, memory exported"
    );
    assert_eq!(c, contract_address(&AUTHOR, 0, &stored));
    let code = rt.code(&stored).unwrap().expect("stored code");
    assert_eq!(CodeHash::of(&code), stored);
    let imports: Vec<String> = wasmparser::Parser::new(0)
        .parse_all(&code)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::ImportSection(r) => Some(
                r.into_iter()
                    .map(|i| {
                        let i = i.unwrap();
                        format!("{}.{}", i.module, i.name)
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        imports[..4],
        [
            "svm.storage_write_from_reg_dec19",
            "svm.storage_read_to_reg_dec19",
            "svm.storage_write_from_mem_dec19",
            "svm.storage_read_to_mem_dec19",
        ]
    );
    assert_eq!(imports[4], "svm.reg_write_be_i64");
    // An autumn-era module that exports its memory is stored as it came.
    let plain = r#"(module
      (import "svm" "reg_read_be_i64" (func (param i32 i32) (result i64)))
      (memory (export "memory") 1))"#;
    let c = deploy(&rt, plain, 1);
    let stored = rt.account(&c).unwrap().unwrap().code_hash.unwrap();
    assert_eq!(stored, CodeHash::of(&wat::parse_str(plain).unwrap()));
}

#[test]
fn a_probed_call_starts_with_seeded_registers_and_shows_them_after() {
    use strata_runtime::RegisterProbe;
    let wat = r#"(module
      (import "svm" "reg_read_be_i64" (func $get (param i32 i32) (result i64)))
      (import "svm" "reg_write_be_i64" (func $set (param i64 i32 i32)))
      (memory 1)
      (func (export "double") (result i64)
        (call $set (i64.mul (call $get (i32.const 64) (i32.const 0)) (i64.const 2)) (i32.const 64) (i32.const 1))
        (call $get (i32.const 64) (i32.const 1))))"#;
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let c = deploy(&rt, wat, 1);
    let tx = call_tx(c, "double", vec![], vec![]);
    let probe = RegisterProbe {
        seed: vec![(64, 0, 21i64.to_be_bytes().to_vec()), (160, 2, vec![7; 3])],
        show: vec![(64, 1), (64, 0), (160, 2)],
    };
    let probed = rt.execute_probed(&tx, BLOCK, probe.clone()).unwrap();
    assert_eq!(returns(&probed.receipt), [Arg::I64(42)]);
    let mut wide = vec![7u8; 3];
    wide.resize(20, 0);
    assert_eq!(
        probed.registers,
        vec![
            ((64, 1), 42i64.to_be_bytes().to_vec()),
            ((64, 0), 21i64.to_be_bytes().to_vec()),
            ((160, 2), wide),
        ]
    );
    // Without the probe the registers start at zero; gas is the same.
    let plain = call(&rt, c, "double", vec![]);
    assert_eq!(returns(&plain), [Arg::I64(0)]);
    assert_eq!(plain.gas_used, probed.receipt.gas_used);
    // The probe does not outlive its call.
    assert_eq!(returns(&call(&rt, c, "double", vec![])), [Arg::I64(0)]);
    // A query takes a probe too.
    let q = rt.query_probed(&tx, BLOCK, probe).unwrap();
    assert_eq!(returns(&q.receipt), [Arg::I64(42)]);
    assert_eq!(q.registers[0], ((64, 1), 42i64.to_be_bytes().to_vec()));

    // A register the banks lack fails the call with a message naming it.
    for probe in [
        RegisterProbe {
            seed: vec![(64, 99, vec![1])],
            show: vec![],
        },
        RegisterProbe {
            seed: vec![],
            show: vec![(72, 0)],
        },
        RegisterProbe {
            seed: vec![(64, 0, vec![1; 9])],
            show: vec![],
        },
    ] {
        let r = rt.execute_probed(&tx, BLOCK, probe).unwrap();
        let e = r.receipt.error.expect("fails");
        assert_eq!(e.kind, ErrorKind::InvalidTransaction, "{}", e.message);
        assert!(
            e.message.contains("register 64:99")
                || e.message.contains("register 72:0")
                || e.message.contains("register 64:0"),
            "{}",
            e.message
        );
        assert!(r.registers.is_empty());
    }
}
