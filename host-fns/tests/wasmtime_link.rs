//! The wasmtime binding comes from the same table as the wasmi one: every
//! function of every module is defined in a wasmtime linker under its
//! symbol with its declared signature, nothing else is, and a call from a
//! contract runs the same entry point (same result, memory, host state and
//! gas as the native call).
#![cfg(feature = "wasmtime")]

use strata_host_fns::testing::MockHost;
use strata_host_fns::wasmtime::{Config, Engine, Linker, Module, Store, ValType as W};
use strata_host_fns::{HostModule, Strata, Svm, SvmEnv, SvmNode, ValType, Value, WasmtimeState};

fn engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true);
    Engine::new(&config).expect("engine")
}

fn linker(engine: &Engine) -> Linker<WasmtimeState<MockHost>> {
    let mut linker = Linker::new(engine);
    Svm::link_wasmtime(&mut linker).expect("svm");
    Strata::link_wasmtime(&mut linker).expect("strata");
    SvmNode::link_wasmtime(&mut linker).expect("node");
    SvmEnv::link_wasmtime(&mut linker).expect("env");
    linker
}

#[test]
fn every_function_is_linked_under_its_symbol_with_its_signature() {
    let engine = engine();
    let linker = linker(&engine);
    let mut store = Store::new(&engine, WasmtimeState::new(MockHost::new(10)));
    let modules: [&dyn HostModule; 4] = [&Svm, &Strata, &SvmNode, &SvmEnv];
    let mut declared = 0;
    for module in modules {
        for f in module.functions() {
            declared += 1;
            let func = linker
                .get(&mut store, f.module, f.symbol)
                .and_then(|e| e.into_func())
                .unwrap_or_else(|| panic!("{}.{} is not linked", f.module, f.symbol));
            let ty = func.ty(&store);
            let kind = |t: W| match t {
                W::I32 => ValType::I32,
                W::I64 => ValType::I64,
                other => panic!("{}.{}: {other}", f.module, f.symbol),
            };
            let params: Vec<ValType> = ty.params().map(kind).collect();
            let results: Vec<ValType> = ty.results().map(kind).collect();
            assert!(f.matches(&params, &results), "{}.{}", f.module, f.symbol);
        }
    }
    let linked = linker.iter(&mut store).count();
    assert_eq!(linked, declared, "the linker holds exactly the table");
}

#[test]
fn a_contract_call_is_the_native_call() {
    let wat = r#"(module
      (import "strata" "reg_set" (func $set (param i32 i32 i32 i32)))
      (import "svm" "reg_read_be_i64" (func $be (param i32 i32) (result i64)))
      (import "strata" "input_copy" (func $copy (param i32 i32 i32)))
      (memory (export "memory") 1)
      (data (i32.const 8) "\01\02\03\04\05\06\07\08")
      (func (export "run") (result i64)
        (call $set (i32.const 64) (i32.const 0) (i32.const 8) (i32.const 8))
        (call $copy (i32.const 100) (i32.const 0) (i32.const 3))
        (call $be (i32.const 64) (i32.const 0)))
      (func (export "bad") (call $copy (i32.const 65535) (i32.const 0) (i32.const 3))))"#;
    let engine = engine();
    let linker = linker(&engine);
    let module = Module::new(&engine, wat::parse_str(wat).expect("wat")).expect("module");
    let run = |function: &str| {
        let mut host = MockHost::new(1_000_000);
        host.input = b"abc".to_vec();
        let mut store = Store::new(&engine, WasmtimeState::new(host));
        store.set_fuel(1_000_000).expect("fuel");
        let instance = linker.instantiate(&mut store, &module).expect("instance");
        let memory = instance.get_memory(&mut store, "memory");
        store.data_mut().memory = memory;
        let f = instance.get_func(&mut store, function).expect("export");
        let mut results =
            vec![strata_host_fns::wasmtime::Val::I64(0); f.ty(&store).results().len()];
        let r = f.call(&mut store, &[], &mut results).map(|()| results);
        let bytes = memory.expect("memory").data(&store)[100..103].to_vec();
        let fuel = store.get_fuel().expect("fuel");
        (r, bytes, store.into_data().host, fuel)
    };
    let (r, bytes, host, fuel) = run("run");
    let value = r.expect("run succeeds");
    assert_eq!(value[0].i64(), Some(0x0102_0304_0506_0708));
    assert_eq!(bytes, b"abc");
    assert_eq!(
        host.registers.get(64, 0).expect("register"),
        &[1, 2, 3, 4, 5, 6, 7, 8]
    );

    // The native twin, on the same world.
    let mut native = MockHost::new(1_000_000);
    native.input = b"abc".to_vec();
    let mut mem = vec![0u8; 65_536];
    mem[8..16].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    Strata::invoke(
        &mut mem,
        &mut native,
        "reg_set",
        &[Value::I32(64), Value::I32(0), Value::I32(8), Value::I32(8)],
    )
    .expect("reg_set");
    Strata::invoke(
        &mut mem,
        &mut native,
        "input_copy",
        &[Value::I32(100), Value::I32(0), Value::I32(3)],
    )
    .expect("input_copy");
    let got = Svm::invoke(
        &mut mem,
        &mut native,
        "reg_read_be_i64",
        &[Value::I32(64), Value::I32(0)],
    )
    .expect("reg_read_be_i64");
    assert_eq!(got, Some(Value::I64(0x0102_0304_0506_0708)));
    // The table's costs: reg_set 20 + 8, input_copy 20 + 3, reg_read_be_i64 10.
    let table = 28 + 23 + 10;
    assert_eq!(native.gas, 1_000_000 - table);
    // On wasmtime the same, plus the instructions' own fuel (13 units on
    // wasmtime 36 for the 12 operators of `run`).
    assert_eq!(fuel, 1_000_000 - table - 13);
    assert!(
        host.gas >= fuel,
        "the host saw the fuel left at its last call"
    );

    // An error leaves as the same typed `HostError`.
    let (r, _, _, _) = run("bad");
    let err = r.expect_err("out of bounds");
    let host_error = err
        .downcast_ref::<strata_host_fns::HostError>()
        .expect("a HostError");
    assert_eq!(host_error.function, "input_copy");
    assert!(host_error.to_string().contains("dst_ptr"), "{host_error}");
}
