//! The generated C header compiles with clang for wasm32 into a contract
//! that runs against the host functions in wasmi.

use std::path::{Path, PathBuf};
use std::process::Command;

use strata_host_fns::testing::MockHost;
use strata_host_fns::wasmi::{Config, Engine, Instance, Linker, Module, Store};
use strata_host_fns::{HostError, HostErrorKind, Strata, Svm, WasmiState};

fn compile(source: &Path, out_dir: &Path) -> Vec<u8> {
    let include = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("include");
    let out = out_dir.join("contract.wasm");
    let result = Command::new("clang")
        .args(["--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry"])
        .arg("-I")
        .arg(&include)
        .arg("-o")
        .arg(&out)
        .arg(source)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run clang ({e}): install clang and lld (scripts/setup does)")
        });
    assert!(
        result.status.success(),
        "clang failed:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read(out).unwrap()
}

fn instantiate(wasm: &[u8], host: MockHost) -> (Store<WasmiState<MockHost>>, Instance) {
    let mut config = Config::default();
    config.consume_fuel(true);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wasm).unwrap();
    let mut store = Store::new(&engine, WasmiState::new(host));
    store.set_fuel(1_000_000).unwrap();
    let mut linker = Linker::new(&engine);
    Svm::link(&mut linker).unwrap();
    Strata::link(&mut linker).unwrap();
    let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
    store.data_mut().memory = instance.get_memory(&store, "memory");
    (store, instance)
}

#[test]
fn c_contract_built_from_the_header_runs() {
    let dir = tempfile::tempdir().unwrap();
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/c/host_calls.c");
    let wasm = compile(&source, dir.path());
    let mut host = MockHost::new(0);
    host.input = b"from C".to_vec();
    let (mut store, instance) = instantiate(&wasm, host);

    let inc = instance
        .get_typed_func::<(), i64>(&store, "increment")
        .unwrap();
    assert_eq!(inc.call(&mut store, ()).unwrap(), 1);
    assert_eq!(inc.call(&mut store, ()).unwrap(), 2);
    assert_eq!(store.data().host.return_data, 2u64.to_be_bytes());
    assert_eq!(store.data().host.logs, vec!["incremented", "incremented"]);

    let rt = instance
        .get_typed_func::<i64, i64>(&store, "svm_roundtrip")
        .unwrap();
    assert_eq!(rt.call(&mut store, -123_456_789).unwrap(), -123_456_789);

    let copy = instance
        .get_typed_func::<(), ()>(&store, "input_to_storage")
        .unwrap();
    copy.call(&mut store, ()).unwrap();
    let page1 = store.data_mut().host.state().storage[1].clone();
    assert_eq!(
        &page1[..8],
        b"from C\0\0",
        "zero-padded register, then 32 bytes stored"
    );

    let fail = instance.get_typed_func::<(), ()>(&store, "fail").unwrap();
    let err = fail.call(&mut store, ()).unwrap_err();
    let host_err = err.downcast_ref::<HostError>().expect("a host error");
    assert_eq!(
        host_err.kind,
        HostErrorKind::Abort {
            message: "no way".into()
        }
    );
    assert!(store.data().host.charged > 0, "host functions charged gas");
}
