//! Contracts the targets deploy: the repository's examples, a payment
//! contract, and contracts generated from the host function table.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use strata_host_fns::{Address, HostFnDesc, ValType as HostValType};
use strata_kv::MemKv;
use strata_runtime::validate::{self, FuncSig};
use strata_runtime::{Arg, Limits, Runtime};
use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, ImportSection, Instruction, MemorySection, MemoryType, Module, TypeSection,
    ValType,
};

/// A fuzz-only contract that moves balance with `strata.transfer`: `pay`
/// sends `amount` to the 20-byte address in the input and returns the host
/// function's status; `balance` returns the low 64 bits of its own balance.
pub const PAY_WAT: &str = r#"(module
  (import "strata" "transfer" (func $transfer (param i32 i32) (result i32)))
  (import "strata" "balance" (func $balance (param i32 i32)))
  (import "strata" "address" (func $address (param i32)))
  (import "strata" "input_copy" (func $input (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "pay") (param $amount i64) (result i32)
    (call $input (i32.const 0) (i32.const 0) (i32.const 20))
    (i64.store (i32.const 32) (local.get $amount))
    (i64.store (i32.const 40) (i64.const 0))
    (call $transfer (i32.const 0) (i32.const 32)))
  (func (export "balance") (result i64)
    (call $address (i32.const 64))
    (call $balance (i32.const 64) (i32.const 96))
    (i64.load (i32.const 96))))"#;

/// One contract the block target can deploy.
pub struct Example {
    /// A short name (seed file names use it).
    pub name: &'static str,
    /// Its WebAssembly text.
    pub wat: &'static str,
    /// The constructor a deploy may run, with its arguments.
    pub ctor: Option<(&'static str, &'static [Arg])>,
}

/// The repository's example contracts (`examples/*.wat`), then [`PAY_WAT`].
/// `examples/counter.c` needs clang, so it is only a seed of `deploy_bytes`
/// (see `examples/gen_seeds.rs`).
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "counter",
        wat: include_str!("../../examples/counter.wat"),
        ctor: Some(("inc", &[])),
    },
    Example {
        name: "token",
        wat: include_str!("../../examples/token.wat"),
        ctor: Some(("init", &[Arg::I64(1_000_000)])),
    },
    Example {
        name: "caller",
        wat: include_str!("../../examples/caller.wat"),
        ctor: None,
    },
    Example {
        name: "pay",
        wat: PAY_WAT,
        ctor: None,
    },
];

/// An example compiled, with the signatures of its exported functions.
pub struct Compiled {
    /// The wasm binary.
    pub wasm: Vec<u8>,
    /// Exported functions by name.
    pub exports: BTreeMap<String, FuncSig>,
}

/// The examples, compiled once (in [`EXAMPLES`] order).
pub fn compiled() -> &'static [Compiled] {
    static COMPILED: OnceLock<Vec<Compiled>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        EXAMPLES
            .iter()
            .map(|e| {
                let wasm = wat::parse_str(e.wat)
                    .unwrap_or_else(|err| panic!("example {} does not parse: {err}", e.name));
                let exports = validate::validate(&wasm, host_functions(), &Limits::default(), &[])
                    .unwrap_or_else(|err| panic!("example {} does not validate: {err}", e.name))
                    .exports;
                Compiled { wasm, exports }
            })
            .collect()
    })
}

/// Every function name exported by an example, plus two that no contract
/// has a function of (`memory` is the memory's export).
pub fn function_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = compiled()
            .iter()
            .flat_map(|c| c.exports.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names.push("memory".into());
        names.push("no_such_function".into());
        names
    })
}

/// The host functions a contract may import, as a default runtime reports
/// them ([`Runtime::host_functions`]), in its order.
pub fn host_functions() -> &'static [&'static HostFnDesc] {
    static HOSTS: OnceLock<Vec<&'static HostFnDesc>> = OnceLock::new();
    HOSTS.get_or_init(|| {
        Runtime::new(Arc::new(MemKv::new()))
            .host_functions()
            .to_vec()
    })
}

fn wasm_type(t: HostValType) -> ValType {
    match t {
        HostValType::I32 => ValType::I32,
        HostValType::I64 => ValType::I64,
    }
}

/// The type and import sections importing every host function (function
/// `i` is `host_functions()[i]`, with type `i`).
fn host_imports(types: &mut TypeSection, imports: &mut ImportSection) {
    for (i, f) in host_functions().iter().enumerate() {
        types.ty().function(
            f.params.iter().map(|(_, t)| wasm_type(*t)),
            f.results.iter().map(|t| wasm_type(*t)),
        );
        imports.import(f.module, f.name, EntityType::Function(i as u32));
    }
}

/// A module that imports every host function with its exact signature and
/// does nothing else: wasm-smith's `available_imports`, so that generated
/// modules import only what Strata links.
pub fn host_import_module() -> &'static [u8] {
    static MODULE: OnceLock<Vec<u8>> = OnceLock::new();
    MODULE.get_or_init(|| {
        let mut types = TypeSection::new();
        let mut imports = ImportSection::new();
        host_imports(&mut types, &mut imports);
        let mut module = Module::new();
        module.section(&types).section(&imports);
        module.finish()
    })
}

/// Where the host-call contract's data segment puts things, so that
/// arguments that are small numbers often point at something meaningful.
pub mod layout {
    /// The counter contract's address (20 bytes).
    pub const COUNTER: i32 = 0;
    /// The deploying author's address (20 bytes).
    pub const AUTHOR: i32 = 20;
    /// `inc`, a function of the counter.
    pub const INC: i32 = 64;
    /// `fail`, a function of the counter that traps.
    pub const FAIL: i32 = 72;
    /// A u128 amount (5, little-endian).
    pub const AMOUNT: i32 = 96;
    /// A log message (`hello from host_calls`).
    pub const MESSAGE: i32 = 128;
    /// Three 32-byte event topics.
    pub const TOPICS: i32 = 256;
}

/// One host call of the generated contract: the host function (an index
/// into [`host_functions`]) and its arguments, already typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedCall {
    /// Index into [`host_functions`].
    pub function: usize,
    /// One value per parameter (an `i32` parameter takes the low 32 bits).
    pub args: Vec<i64>,
}

/// A contract that imports every host function, has one page of memory
/// (exported as `memory`, maximum 2) laid out as [`layout`] says, and
/// exports `run`, which makes `calls` in order with constant arguments and
/// drops their results.
pub fn host_call_contract(counter: &Address, author: &Address, calls: &[PlannedCall]) -> Vec<u8> {
    let hosts = host_functions();
    let mut types = TypeSection::new();
    let mut imports = ImportSection::new();
    host_imports(&mut types, &mut imports);
    let run_type = hosts.len() as u32;
    types.ty().function([], []);

    let mut functions = FunctionSection::new();
    functions.function(run_type);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: Some(2),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("run", ExportKind::Func, hosts.len() as u32);

    let mut body = Function::new([]);
    for call in calls {
        let f = hosts[call.function];
        for ((_, ty), value) in f.params.iter().zip(&call.args) {
            body.instruction(&match ty {
                HostValType::I32 => Instruction::I32Const(*value as i32),
                HostValType::I64 => Instruction::I64Const(*value),
            });
        }
        body.instruction(&Instruction::Call(call.function as u32));
        for _ in f.results {
            body.instruction(&Instruction::Drop);
        }
    }
    body.instruction(&Instruction::End);
    let mut code = CodeSection::new();
    code.function(&body);

    let mut data = DataSection::new();
    let at = |offset: i32| ConstExpr::i32_const(offset);
    data.active(0, &at(layout::COUNTER), counter.0.iter().copied());
    data.active(0, &at(layout::AUTHOR), author.0.iter().copied());
    data.active(0, &at(layout::INC), b"inc".iter().copied());
    data.active(0, &at(layout::FAIL), b"fail".iter().copied());
    data.active(0, &at(layout::AMOUNT), 5u128.to_le_bytes());
    data.active(
        0,
        &at(layout::MESSAGE),
        b"hello from host_calls".iter().copied(),
    );
    data.active(0, &at(layout::TOPICS), (0..96u8).collect::<Vec<u8>>());

    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&memories)
        .section(&exports)
        .section(&code)
        .section(&data);
    module.finish()
}
