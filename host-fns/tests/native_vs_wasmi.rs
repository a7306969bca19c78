//! Every host function of both built-in modules, called twice on the same
//! cases: natively over a `Vec<u8>`, and from a WAT contract in wasmi. Both
//! must give the same result or the same error, leave the same memory and
//! host state, and charge the same gas. Each case also states what it
//! expects (success, or the argument named in the error).

use std::collections::{BTreeMap, BTreeSet};

use strata_host_fns::testing::{MockHost, MockState};
use strata_host_fns::wasmi::{Config, Engine, Linker, Module, Store, Val};
use strata_host_fns::{
    Address, CallStatus, HostError, HostErrorKind, HostFnDesc, Strata, Svm, SvmEnv, SvmNode,
    ValType, Value, WasmiState,
};

/// Every function under test: the built-in modules and SVM's optional node
/// vmcalls.
fn all_descs() -> impl Iterator<Item = &'static HostFnDesc> {
    Svm::FUNCTIONS
        .iter()
        .chain(Strata::FUNCTIONS)
        .chain(SvmNode::FUNCTIONS)
        .chain(SvmEnv::FUNCTIONS)
}

const GAS: u64 = 1_000_000;
const MEM: usize = 65_536;

fn i(x: i32) -> Value {
    Value::I32(x)
}
fn l(x: i64) -> Value {
    Value::I64(x)
}

/// The same starting world for both sides.
fn prepare() -> (MockHost, Vec<u8>) {
    let mut host = MockHost::new(GAS);
    let mut mem = vec![0u8; MEM];
    mem[100..120].copy_from_slice(&[0xAB; 20]); // an address
    mem[200..216].copy_from_slice(&300u128.to_le_bytes()); // an amount
    mem[220..236].copy_from_slice(&5000u128.to_le_bytes()); // too much
    mem[300..305].copy_from_slice(b"hello");
    mem[800..806].copy_from_slice(b"\x05hello"); // a map_get_path path
    for (k, b) in mem[400..464].iter_mut().enumerate() {
        *b = k as u8; // two topics
    }
    host.registers
        .set(64, 0, &[1, 2, 3, 4, 5, 6, 7, 8])
        .unwrap();
    host.registers.set(160, 7, &[9; 20]).unwrap();
    host.storage.write(1, 0, b"stored bytes....").unwrap();
    host.input = b"input!".to_vec();
    host.balances.insert(Address([0x11; 20]), 1000);
    host.balances.insert(Address([0x22; 20]), u128::MAX);
    host.registers.set(160, 1, &[0x11; 20]).unwrap();
    host.registers.set(256, 2, &[0x22; 20]).unwrap();
    host.call_reply = b"reply".to_vec();
    host.last_call_return = b"previous".to_vec();
    strata_host_fns::Host::map_set(
        &mut host,
        1,
        64,
        b"hello",
        strata_host_fns::MapValue::Bytes(b"world".to_vec()),
    )
    .unwrap();
    (host, mem)
}

/// What a case expects: "ok", "gas", "abort", "denied", or the name of the
/// argument the error must blame. Functions are keyed by their symbol (a
/// variant's own name).
type Case = (Vec<Value>, &'static str);

fn cases() -> BTreeMap<(&'static str, &'static str), Vec<Case>> {
    let mut c: BTreeMap<(&'static str, &'static str), Vec<Case>> = BTreeMap::new();
    let mut add = |m, f, cases: Vec<Case>| {
        c.insert((m, f), cases);
    };
    add(
        "svm",
        "mem_to_reg_copy",
        vec![
            (vec![i(0), i(300), i(5), i(64), i(0)], "ok"),
            (vec![i(0), i(300), i(9), i(64), i(0)], "len"),
            (vec![i(1), i(300), i(5), i(64), i(0)], "src_mem_idx"),
            (vec![i(0), i(65534), i(5), i(64), i(0)], "src_mem_ptr"),
            (vec![i(0), i(-1), i(1), i(64), i(0)], "src_mem_ptr"),
            (vec![i(0), i(300), i(5), i(48), i(0)], "dst_reg_bits"),
            (vec![i(0), i(300), i(5), i(64), i(16)], "dst_reg_idx"),
            (vec![i(0), i(0), i(-1), i(64), i(0)], "gas"),
        ],
    );
    add(
        "svm",
        "reg_to_mem_copy",
        vec![
            (vec![i(64), i(0), i(8), i(0), i(500)], "ok"),
            (vec![i(64), i(0), i(9), i(0), i(500)], "len"),
            (vec![i(64), i(0), i(8), i(0), i(65532)], "dst_mem_ptr"),
            (vec![i(32), i(99), i(4), i(0), i(0)], "src_reg_idx"),
            (vec![i(64), i(0), i(8), i(2), i(0)], "dst_mem_idx"),
        ],
    );
    add(
        "svm",
        "storage_read_to_reg",
        vec![
            (vec![i(1), i(0), i(0), i(8), i(64), i(1)], "ok"),
            (vec![i(1), i(7), i(0), i(16), i(512), i(3)], "ok"),
            (vec![i(1), i(0), i(4090), i(8), i(64), i(1)], "offset"),
            (vec![i(4), i(0), i(0), i(8), i(64), i(1)], "src_page"),
            (vec![i(-1), i(0), i(0), i(8), i(64), i(1)], "src_page"),
            (vec![i(1), i(0), i(0), i(9), i(64), i(1)], "len"),
            (vec![i(1), i(0), i(0), i(8), i(64), i(16)], "dst_reg_idx"),
            (vec![i(1), i(0), i(0), i(8), i(24), i(0)], "dst_reg_bits"),
        ],
    );
    add(
        "svm",
        "storage_read_to_mem",
        vec![
            (vec![i(1), i(0), i(0), i(16), i(0), i(600)], "ok"),
            (vec![i(1), i(0), i(0), i(16), i(0), i(65530)], "dst_mem_ptr"),
            (vec![i(9), i(0), i(0), i(16), i(0), i(600)], "src_page"),
            (vec![i(1), i(0), i(4095), i(2), i(0), i(600)], "offset"),
            (vec![i(1), i(0), i(0), i(16), i(3), i(600)], "dst_mem_idx"),
        ],
    );
    add(
        "svm",
        "storage_write_from_mem",
        vec![
            (vec![i(0), i(300), i(5), i(2), i(0), i(10)], "ok"),
            (vec![i(0), i(300), i(5), i(2), i(0), i(4093)], "dst_offset"),
            (vec![i(0), i(300), i(5), i(4), i(0), i(0)], "dst_page"),
            (vec![i(0), i(65533), i(5), i(2), i(0), i(0)], "src_mem_ptr"),
            (vec![i(1), i(300), i(5), i(2), i(0), i(0)], "src_mem_idx"),
        ],
    );
    add(
        "svm",
        "storage_write_from_reg",
        vec![
            (vec![i(64), i(0), i(8), i(3), i(0), i(0)], "ok"),
            (vec![i(160), i(7), i(20), i(3), i(9), i(4076)], "ok"),
            (vec![i(64), i(0), i(9), i(3), i(0), i(0)], "len"),
            (vec![i(160), i(7), i(20), i(3), i(0), i(4080)], "dst_offset"),
            (vec![i(160), i(8), i(20), i(3), i(0), i(0)], "src_reg_idx"),
            (vec![i(64), i(0), i(8), i(4), i(0), i(0)], "dst_page"),
        ],
    );
    add(
        "svm",
        "reg_replace_byte",
        vec![
            (vec![i(64), i(0), i(255), i(7)], "ok"),
            (vec![i(64), i(0), i(256), i(0)], "byte"),
            (vec![i(64), i(0), i(-1), i(0)], "byte"),
            (vec![i(64), i(0), i(1), i(8)], "offset"),
            (vec![i(-1), i(0), i(0), i(0)], "reg_bits"),
        ],
    );
    add(
        "svm",
        "reg_read_be_i64",
        vec![
            (vec![i(64), i(0)], "ok"),
            (vec![i(512), i(3)], "ok"),
            (vec![i(32), i(0)], "reg_bits"),
            (vec![i(64), i(16)], "reg_idx"),
        ],
    );
    add(
        "svm",
        "reg_write_be_i64",
        vec![
            (vec![l(-5), i(64), i(2)], "ok"),
            (vec![l(1), i(32), i(0)], "reg_bits"),
            (vec![l(1), i(64), i(-1)], "reg_idx"),
        ],
    );
    add(
        "strata",
        "storage_read",
        vec![
            (vec![i(1), i(0), i(600), i(16)], "ok"),
            (vec![i(1), i(4090), i(600), i(16)], "offset"),
            (vec![i(5), i(0), i(600), i(1)], "page"),
            (vec![i(1), i(0), i(65535), i(2)], "dst_ptr"),
        ],
    );
    add(
        "strata",
        "storage_write",
        vec![
            (vec![i(0), i(0), i(300), i(5)], "ok"),
            (vec![i(0), i(4095), i(300), i(2)], "offset"),
            (vec![i(4), i(0), i(300), i(1)], "page"),
            (vec![i(0), i(0), i(65535), i(2)], "src_ptr"),
        ],
    );
    add(
        "strata",
        "storage_read_reg",
        vec![
            (vec![i(1), i(0), i(8), i(64), i(1)], "ok"),
            (vec![i(1), i(0), i(8), i(32), i(0)], "len"),
            (vec![i(7), i(0), i(1), i(64), i(0)], "page"),
        ],
    );
    add(
        "strata",
        "storage_write_reg",
        vec![
            (vec![i(2), i(100), i(64), i(0), i(8)], "ok"),
            (vec![i(2), i(4095), i(64), i(0), i(8)], "offset"),
            (vec![i(2), i(0), i(64), i(0), i(9)], "len"),
        ],
    );
    add(
        "strata",
        "reg_set",
        vec![
            (vec![i(256), i(1), i(300), i(5)], "ok"),
            (vec![i(32), i(0), i(300), i(5)], "len"),
            (vec![i(256), i(4), i(300), i(5)], "reg_idx"),
            (vec![i(256), i(1), i(65535), i(5)], "src_ptr"),
        ],
    );
    add(
        "strata",
        "reg_get",
        vec![
            (vec![i(64), i(0), i(700), i(8)], "ok"),
            (vec![i(64), i(0), i(700), i(9)], "len"),
            (vec![i(64), i(0), i(65535), i(8)], "dst_ptr"),
        ],
    );
    add(
        "strata",
        "address",
        vec![(vec![i(800)], "ok"), (vec![i(65530)], "dst_ptr")],
    );
    add(
        "strata",
        "sender",
        vec![(vec![i(820)], "ok"), (vec![i(-20)], "dst_ptr")],
    );
    add("strata", "block_height", vec![(vec![], "ok")]);
    add("strata", "block_time", vec![(vec![], "ok")]);
    add("strata", "gas_left", vec![(vec![], "ok")]);
    add("strata", "input_len", vec![(vec![], "ok")]);
    add(
        "strata",
        "input_copy",
        vec![
            (vec![i(900), i(0), i(4)], "ok"),
            (vec![i(900), i(2), i(10)], "len"),
            (vec![i(900), i(-1), i(1)], "len"),
            (vec![i(65535), i(0), i(4)], "dst_ptr"),
        ],
    );
    add(
        "strata",
        "set_return",
        vec![
            (vec![i(300), i(5)], "ok"),
            (vec![i(300), i(65537)], "len"),
            (vec![i(65535), i(5)], "src_ptr"),
        ],
    );
    add(
        "strata",
        "emit_event",
        vec![
            (vec![i(400), i(2), i(300), i(5)], "ok"),
            (vec![i(400), i(5), i(300), i(5)], "topic_count"),
            (vec![i(400), i(1), i(300), i(70000)], "data_len"),
            (vec![i(65530), i(1), i(300), i(1)], "topics_ptr"),
        ],
    );
    add(
        "strata",
        "log",
        vec![
            (vec![i(300), i(5)], "ok"),
            (vec![i(300), i(5000)], "msg_len"),
            (vec![i(65535), i(5)], "msg_ptr"),
        ],
    );
    add(
        "strata",
        "abort",
        vec![
            (vec![i(300), i(5)], "abort"),
            (vec![i(65535), i(2)], "msg_ptr"),
        ],
    );
    add(
        "strata",
        "balance",
        vec![
            (vec![i(100), i(1000)], "ok"),
            (vec![i(65530), i(1000)], "addr_ptr"),
            (vec![i(100), i(65530)], "dst_ptr"),
        ],
    );
    add(
        "strata",
        "transfer",
        vec![
            (vec![i(100), i(200)], "ok"),
            (vec![i(100), i(220)], "ok"),
            (vec![i(65530), i(200)], "to_ptr"),
        ],
    );
    add(
        "strata",
        "map_get",
        vec![
            (vec![i(1), i(64), i(300), i(5), i(600), i(16)], "ok"),
            (vec![i(1), i(64), i(300), i(4), i(600), i(16)], "ok"),
            (vec![i(1), i(64), i(300), i(300), i(600), i(16)], "key_ptr"),
            (vec![i(9), i(0), i(300), i(5), i(600), i(16)], "page"),
            (vec![i(1), i(4080), i(300), i(5), i(600), i(16)], "offset"),
            (vec![i(1), i(64), i(300), i(5), i(65530), i(16)], "dst_ptr"),
        ],
    );
    add(
        "strata",
        "map_get_path",
        vec![
            (vec![i(1), i(64), i(800), i(6), i(600), i(16)], "ok"),
            (vec![i(1), i(64), i(800), i(3), i(600), i(16)], "path_len"),
            (vec![i(1), i(64), i(800), i(0), i(600), i(16)], "path_len"),
            (
                vec![i(1), i(64), i(800), i(5000), i(600), i(16)],
                "path_len",
            ),
            (vec![i(1), i(64), i(65534), i(6), i(600), i(16)], "path_ptr"),
            (vec![i(1), i(4090), i(800), i(6), i(600), i(16)], "offset"),
            (vec![i(1), i(64), i(800), i(6), i(65530), i(16)], "dst_ptr"),
        ],
    );
    add(
        "strata",
        "map_contains",
        vec![
            (vec![i(1), i(64), i(300), i(5)], "ok"),
            (vec![i(1), i(4080), i(300), i(5)], "offset"),
            (vec![i(1), i(64), i(65534), i(5)], "key_ptr"),
        ],
    );
    add(
        "strata",
        "map_set",
        vec![
            (vec![i(1), i(64), i(300), i(5), i(300), i(5)], "ok"),
            (vec![i(1), i(64), i(300), i(5), i(300), i(5000)], "val_len"),
            (vec![i(1), i(64), i(300), i(257), i(300), i(5)], "key_ptr"),
            (vec![i(9), i(64), i(300), i(5), i(300), i(5)], "page"),
            (vec![i(1), i(64), i(300), i(5), i(65534), i(5)], "val_ptr"),
        ],
    );
    add(
        "strata",
        "map_remove",
        vec![
            (vec![i(1), i(64), i(300), i(5)], "ok"),
            (vec![i(1), i(64), i(300), i(2)], "ok"),
            (vec![i(1), i(4090), i(300), i(5)], "offset"),
        ],
    );
    add(
        "strata",
        "map_next",
        vec![
            (vec![i(1), i(64), i(0), i(-1), i(700), i(1000), i(16)], "ok"),
            (
                vec![i(1), i(64), i(300), i(5), i(700), i(1000), i(16)],
                "ok",
            ),
            (
                vec![i(1), i(64), i(0), i(-1), i(65500), i(1000), i(16)],
                "key_dst",
            ),
            (
                vec![i(1), i(64), i(0), i(-1), i(700), i(65530), i(16)],
                "val_dst",
            ),
            (
                vec![i(9), i(64), i(0), i(-1), i(700), i(1000), i(16)],
                "page",
            ),
        ],
    );
    add(
        "strata",
        "map_get_map",
        vec![
            (vec![i(1), i(64), i(300), i(3), i(2), i(0)], "ok"),
            (vec![i(1), i(64), i(300), i(5), i(2), i(0)], "key_ptr"),
            (vec![i(1), i(64), i(300), i(3), i(2), i(4090)], "dst_offset"),
        ],
    );
    add(
        "strata",
        "map_set_map",
        vec![
            (vec![i(1), i(64), i(300), i(3), i(2), i(0)], "ok"),
            (vec![i(1), i(64), i(300), i(3), i(2), i(4090)], "src_offset"),
        ],
    );
    add(
        "strata",
        "call",
        vec![
            (vec![i(100), i(300), i(5), i(300), i(5), l(1000)], "ok"),
            (vec![i(100), i(300), i(300), i(0), i(0), l(1)], "func_len"),
            (vec![i(100), i(300), i(5), i(0), i(0), l(-1)], "gas"),
            (vec![i(65530), i(300), i(5), i(0), i(0), l(1)], "addr_ptr"),
        ],
    );
    add("strata", "call_return_len", vec![(vec![], "ok")]);
    add(
        "svm",
        "reg_read_le_i64",
        vec![
            (vec![i(64), i(0)], "ok"),
            (vec![i(160), i(7)], "ok"),
            (vec![i(32), i(0)], "reg_bits"),
            (vec![i(64), i(16)], "reg_idx"),
        ],
    );
    add(
        "svm",
        "reg_write_le_i64",
        vec![
            (vec![l(-5), i(64), i(2)], "ok"),
            (vec![l(0x0102), i(160), i(7)], "ok"),
            (vec![l(1), i(32), i(0)], "reg_bits"),
            (vec![l(1), i(64), i(16)], "reg_idx"),
        ],
    );
    add(
        "svm",
        "storage_read_to_reg_dec19",
        vec![
            (vec![i(1), i(0), i(8), i(64), i(1)], "ok"),
            (vec![i(1), i(4090), i(8), i(64), i(1)], "offset"),
            (vec![i(4), i(0), i(8), i(64), i(1)], "page"),
            (vec![i(1), i(0), i(9), i(64), i(1)], "len"),
            (vec![i(1), i(0), i(8), i(24), i(0)], "reg_bits"),
        ],
    );
    add(
        "svm",
        "storage_read_to_mem_dec19",
        vec![
            (vec![i(1), i(0), i(16), i(0), i(600)], "ok"),
            (vec![i(1), i(0), i(16), i(0), i(65530)], "mem_offset"),
            (vec![i(9), i(0), i(16), i(0), i(600)], "page"),
            (vec![i(1), i(0), i(16), i(3), i(600)], "mem_idx"),
        ],
    );
    add(
        "svm",
        "storage_write_from_mem_dec19",
        vec![
            (vec![i(0), i(300), i(5), i(2), i(10)], "ok"),
            (vec![i(0), i(300), i(5), i(2), i(4093)], "page_offset"),
            (vec![i(0), i(300), i(5), i(4), i(0)], "page_idx"),
            (vec![i(0), i(65533), i(5), i(2), i(0)], "mem_offset"),
            (vec![i(1), i(300), i(5), i(2), i(0)], "mem_idx"),
        ],
    );
    add(
        "svm",
        "storage_write_from_reg_dec19",
        vec![
            (vec![i(64), i(0), i(8), i(3), i(0)], "ok"),
            (vec![i(64), i(0), i(9), i(3), i(0)], "len"),
            (vec![i(160), i(8), i(20), i(3), i(0)], "reg_idx"),
            (vec![i(64), i(0), i(8), i(4), i(0)], "page_idx"),
        ],
    );
    for (m, get, set) in [
        ("node", "vmcall_get_balance", "vmcall_set_balance"),
        ("env", "get_balance", "set_balance"),
    ] {
        add(
            m,
            get,
            vec![
                (vec![i(160), i(1)], "ok"),
                (vec![i(160), i(7)], "ok"),
                (vec![i(256), i(2)], "denied"),
                (vec![i(64), i(0)], "reg_bits"),
                (vec![i(160), i(8)], "reg_idx"),
            ],
        );
        add(
            m,
            set,
            vec![
                (vec![l(5), i(160), i(1)], "ok"),
                (vec![l(i64::MAX), i(256), i(2)], "ok"),
                (vec![l(-1), i(160), i(1)], "value"),
                (vec![l(1), i(64), i(0)], "reg_bits"),
                (vec![l(1), i(160), i(8)], "reg_idx"),
            ],
        );
    }
    add(
        "strata",
        "call_return_copy",
        vec![
            (vec![i(1000), i(0), i(3)], "ok"),
            (vec![i(1000), i(0), i(100)], "len"),
        ],
    );
    c
}

type Outcome = Result<Option<Value>, HostError>;

fn run_native(desc: &HostFnDesc, args: &[Value]) -> (Outcome, Vec<u8>, MockState) {
    let (mut host, mut mem) = prepare();
    let out = match desc.module {
        "svm" => Svm::invoke(&mut mem, &mut host, desc.symbol, args),
        "node" => SvmNode::invoke(&mut mem, &mut host, desc.symbol, args),
        "env" => SvmEnv::invoke(&mut mem, &mut host, desc.symbol, args),
        _ => Strata::invoke(&mut mem, &mut host, desc.symbol, args),
    };
    (out, mem, host.state())
}

fn wat_type(t: ValType) -> &'static str {
    t.wat()
}

fn run_wasmi(desc: &HostFnDesc, args: &[Value]) -> (Outcome, Vec<u8>, MockState) {
    let params: Vec<&str> = desc.params.iter().map(|(_, t)| wat_type(*t)).collect();
    let param_decl = if params.is_empty() {
        String::new()
    } else {
        format!("(param {})", params.join(" "))
    };
    let result_decl = desc
        .results
        .first()
        .map(|t| format!("(result {})", t.wat()))
        .unwrap_or_default();
    let gets: String = (0..params.len())
        .map(|k| format!("local.get {k} "))
        .collect();
    let wat = format!(
        r#"(module
            (import "{m}" "{n}" (func $f {param_decl} {result_decl}))
            (memory (export "memory") 1)
            (func (export "run") {param_decl} {result_decl} {gets} call $f))"#,
        m = desc.module,
        // What deploy writes into a stored module: the symbol, for a variant.
        n = desc.symbol,
    );
    let mut config = Config::default();
    config.consume_fuel(true);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wat::parse_str(&wat).unwrap()).unwrap();
    let (host, mem_init) = prepare();
    let mut store = Store::new(&engine, WasmiState::new(host));
    store.set_fuel(GAS).unwrap();
    let mut linker = Linker::new(&engine);
    Svm::link(&mut linker).unwrap();
    Strata::link(&mut linker).unwrap();
    SvmNode::link(&mut linker).unwrap();
    SvmEnv::link(&mut linker).unwrap();
    let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
    let memory = instance.get_memory(&store, "memory").unwrap();
    memory.write(&mut store, 0, &mem_init).unwrap();
    store.data_mut().memory = Some(memory);
    let run = instance.get_func(&store, "run").unwrap();
    let vals: Vec<Val> = args
        .iter()
        .map(|v| match v {
            Value::I32(x) => Val::I32(*x),
            Value::I64(x) => Val::I64(*x),
        })
        .collect();
    let mut results = vec![Val::I32(0); desc.results.len()];
    let out = match run.call(&mut store, &vals, &mut results) {
        Ok(()) => Ok(results.first().map(|r| match r {
            Val::I32(x) => Value::I32(*x),
            Val::I64(x) => Value::I64(*x),
            other => panic!("unexpected result {other:?}"),
        })),
        Err(e) => Err(e
            .downcast_ref::<HostError>()
            .cloned()
            .unwrap_or_else(|| panic!("{}.{}: not a host error: {e}", desc.module, desc.name))),
    };
    let mem = memory.data(&store).to_vec();
    let mut state = store.into_data();
    (out, mem, state.host.state())
}

fn blamed(e: &HostError) -> &'static str {
    match &e.kind {
        HostErrorKind::Memory { arg, .. }
        | HostErrorKind::Register { arg, .. }
        | HostErrorKind::InvalidArgument { arg, .. }
        | HostErrorKind::Map { arg, .. } => arg,
        HostErrorKind::OutOfGas => "gas",
        HostErrorKind::Abort { .. } => "abort",
        HostErrorKind::Denied(_) => "denied",
        _ => "other",
    }
}

#[test]
fn every_function_has_cases() {
    let declared: BTreeSet<(&str, &str)> = all_descs().map(|f| (f.module, f.symbol)).collect();
    let covered: BTreeSet<(&str, &str)> = cases().keys().copied().collect();
    assert_eq!(
        declared, covered,
        "every host function needs native-vs-wasmi cases"
    );
}

#[test]
fn native_and_wasmi_agree_on_every_case() {
    let all = cases();
    let mut checked = 0;
    for desc in all_descs() {
        for (args, expect) in &all[&(desc.module, desc.symbol)] {
            let label = format!("{}.{}{:?}", desc.module, desc.symbol, args);
            let (n_out, n_mem, n_state) = run_native(desc, args);
            let (w_out, w_mem, w_state) = run_wasmi(desc, args);
            match (&n_out, *expect) {
                (Ok(_), "ok") => {}
                (Err(e), want) => {
                    assert_eq!(blamed(e), want, "{label}: {e}");
                    assert_eq!((e.module, e.function), (desc.module, desc.name), "{label}");
                }
                (Ok(v), want) => panic!("{label}: expected {want}, got Ok({v:?})"),
            }
            if desc.name == "gas_left" {
                // The wasm wrapper burns a little fuel before the call.
                let (Ok(Some(Value::I64(n))), Ok(Some(Value::I64(w)))) = (&n_out, &w_out) else {
                    panic!("{label}: {n_out:?} {w_out:?}");
                };
                assert!(n >= w && n - w < 100, "{label}: native {n}, wasmi {w}");
            } else {
                assert_eq!(n_out, w_out, "{label}: results differ");
            }
            assert!(n_mem == w_mem, "{label}: memory differs");
            assert_eq!(n_state, w_state, "{label}: host state differs");
            checked += 1;
        }
    }
    assert!(checked > 90, "only {checked} cases ran");
}

#[test]
fn successful_cases_do_what_they_say() {
    // Spot checks of effects, natively (the agreement test extends them to
    // wasmi).
    let (mut host, mut mem) = prepare();
    assert_eq!(
        Svm::reg_read_be_i64(&mut mem, &mut host, 64, 0),
        Ok(0x0102030405060708)
    );
    Svm::mem_to_reg_copy(&mut mem, &mut host, 0, 300, 5, 64, 3).unwrap();
    assert_eq!(
        host.registers.get(64, 3).unwrap(),
        b"hello\0\0\0",
        "zero-padded"
    );
    Svm::storage_read_to_reg(&mut mem, &mut host, 1, 0, 0, 6, 160, 0).unwrap();
    assert_eq!(&host.registers.get(160, 0).unwrap()[..8], b"stored\0\0");
    Svm::storage_write_from_mem(&mut mem, &mut host, 0, 300, 5, 2, 0, 4091).unwrap();
    Svm::storage_read_to_mem(&mut mem, &mut host, 2, 0, 4091, 5, 0, 1000).unwrap();
    assert_eq!(&mem[1000..1005], b"hello");
    Svm::reg_write_be_i64(&mut mem, &mut host, -2, 512, 0).unwrap();
    assert_eq!(Svm::reg_read_be_i64(&mut mem, &mut host, 512, 0), Ok(-2));
    Svm::reg_replace_byte(&mut mem, &mut host, 64, 0, 0xFF, 0).unwrap();
    assert_eq!(host.registers.get(64, 0).unwrap()[0], 0xFF);
    Strata::emit_event(&mut mem, &mut host, 400, 2, 300, 5).unwrap();
    assert_eq!(host.events[0].topics.len(), 2);
    assert_eq!(host.events[0].topics[1][0], 32);
    assert_eq!(host.events[0].data, b"hello");
    assert_eq!(host.events[0].contract, Address([0x11; 20]));
    assert_eq!(Strata::transfer(&mut mem, &mut host, 100, 200), Ok(0));
    assert_eq!(host.balances[&Address([0xAB; 20])], 300);
    assert_eq!(
        Strata::transfer(&mut mem, &mut host, 100, 220),
        Ok(1),
        "too little left"
    );
    assert_eq!(host.balances[&Address([0x11; 20])], 700);
    Strata::balance(&mut mem, &mut host, 100, 1100).unwrap();
    assert_eq!(&mem[1100..1116], &300u128.to_le_bytes());
    host.call_status = CallStatus::Failed;
    assert_eq!(
        Strata::call(&mut mem, &mut host, 100, 300, 5, 300, 5, 77),
        Ok(1)
    );
    assert_eq!(host.calls[0].function, "hello");
    assert_eq!(host.calls[0].gas_limit, 77);
    assert_eq!(Strata::call_return_len(&mut mem, &mut host), Ok(5));
    let before = host.gas;
    let err = Strata::abort(&mut mem, &mut host, 300, 5).unwrap_err();
    assert_eq!(
        err.kind,
        HostErrorKind::Abort {
            message: "hello".into()
        }
    );
    assert_eq!(
        before - host.gas,
        25,
        "gas stays charged on failure: 20 + 5 bytes"
    );
    assert!(err.to_string().contains("strata.abort"), "{err}");
}

#[test]
fn queries_cannot_write() {
    let (mut host, mut mem) = prepare();
    host.read_only = true;
    let err = Strata::storage_write(&mut mem, &mut host, 0, 0, 300, 5).unwrap_err();
    assert_eq!(err.kind, HostErrorKind::ReadOnly);
    let err = Svm::storage_write_from_reg(&mut mem, &mut host, 64, 0, 8, 0, 0, 0).unwrap_err();
    assert_eq!(err.kind, HostErrorKind::ReadOnly);
    assert!(
        !host.storage.pages().is_dirty(0),
        "the refused writes left page 0 untouched"
    );
    assert!(host.state().storage[0].iter().all(|&b| b == 0));
}

#[test]
fn out_of_gas_is_an_error_and_leaves_zero() {
    let (mut host, mut mem) = prepare();
    host.gas = 15;
    let err = Svm::mem_to_reg_copy(&mut mem, &mut host, 0, 300, 5, 64, 0).unwrap_err();
    assert_eq!(err.kind, HostErrorKind::OutOfGas);
    assert_eq!(host.gas, 0);
    assert_eq!(host.registers.get(64, 0).unwrap()[0], 1, "nothing happened");
}

#[test]
fn invoke_checks_arity_types_and_names() {
    let (mut host, mut mem) = prepare();
    assert!(Svm::invoke(&mut mem, &mut host, "reg_read_be_i64", &[i(64)]).is_err());
    assert!(Svm::invoke(&mut mem, &mut host, "reg_read_be_i64", &[i(64), l(0)]).is_err());
    assert!(Svm::invoke(&mut mem, &mut host, "no_such_fn", &[]).is_err());
}
