//! The conformance suite: every host function of both built-in modules,
//! case by case, against the runtime's real host (`TxHost`, through a WAT
//! contract deployed with `Runtime` on `MemKv`) and natively against
//! `MockHost` (the host-fns crate's dispatcher over plain bytes). The two
//! must give the same result or the same receipt error, leave the same
//! memory, registers, storage, balances, events, logs and return data, and
//! charge the same gas (on the real host, measured with `gas_left` around
//! the call, less the runtime's first-touch page cost, which MockHost does
//! not charge; not for `call`, whose callee's gas only the real host
//! charges).
//!
//! The real host is the reference: where `MockHost` differs, `MockHost` is
//! wrong.
//!
//! How a case runs on the real host: the accounts it needs are deployed
//! first (with their balances through `DeployTx.balance`), then a contract
//! generated for the case, with its memory set by data segments. A `setup`
//! transaction writes the case's storage (so that a failing call, which
//! discards its transaction, still leaves it to compare). The `run`
//! transaction (a read-only query when the case says so) sets the case's
//! registers, calls the function with the case's arguments, returns its
//! result, copies every register into a dump area of memory and returns the
//! whole memory as return data. The committed storage and balances are read
//! afterwards through `read_slice` and `account`.
//!
//! On `MockHost`, the same world is built directly (context, memory,
//! registers, storage, balances, input, read-only) and the function is
//! called through `Svm::invoke`/`Strata::invoke`. Where the call fails, the
//! transaction on the real host is discarded, so the storage and balances
//! compared are those from before the call.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;

use strata_host_fns::testing::{MockCall, MockHost};
use strata_host_fns::{
    Address, BankLayout, CallContext, CallStatus, Event, HostError, HostErrorKind, HostFnDesc,
    Registers, Strata, Svm, SvmEnv, SvmNode, Value,
};
use strata_kv::MemKv;
use strata_registers::{BankSpec, RegisterLimits};
use strata_runtime::{
    Arg, BlockContext, CallTx, DeployTx, FunctionCall, Receipt, Runtime, RuntimeConfig,
    Transaction, WasmEngine,
};

const GAS: u64 = 2_000_000;
const MOCK_GAS: u64 = 1_000_000;

/// Every host function under test: the built-in modules and SVM's optional
/// node vmcalls (which the real host's runtime links for these tests).
fn all_descs() -> impl Iterator<Item = &'static HostFnDesc> {
    Svm::FUNCTIONS
        .iter()
        .chain(Strata::FUNCTIONS)
        .chain(SvmNode::FUNCTIONS)
        .chain(SvmEnv::FUNCTIONS)
}
const MEM: usize = 65_536;
/// The case contract's pages: as many as a `MockHost` has.
const PAGES: u32 = MockHost::PAGES;
const PAGE: u32 = 4096;
/// Where `run` copies every register after the call (never compared as
/// memory; the SVM default banks take 736 bytes).
const DUMP: u32 = 57_344;
const DUMP_END: u32 = 58_368;
/// Where the bytes that set registers and storage up live.
const SCRATCH: u32 = 58_400;
/// Where `run` keeps the gas left before and after the call (in the dump
/// area, after the registers).
const GAS_AT: u32 = DUMP + 768;

const AUTHOR: Address = Address([0xA0; 20]);
const USER: Address = Address([0xB0; 20]);
/// An address with no account (at memory 100 in every case).
const STRANGER: Address = Address([0xAB; 20]);
const BLOCK: BlockContext = BlockContext {
    height: 7,
    time: 1_700_000_000,
};

/// A plain contract that holds a balance and has no functions to speak of.
const ACCOUNT_WAT: &str = r#"(module (memory (export "memory") 1) (func (export "noop")))"#;

/// Initial bytes of guest memory.
#[derive(Clone, Debug)]
enum Bytes {
    Raw(Vec<u8>),
    /// The case contract's own address (written by `strata.address` in the
    /// real contract, since its address depends on its code).
    SelfAddress,
    /// The address of the case's `n`th extra account.
    Account(usize),
}

#[derive(Clone, Debug)]
struct Setup {
    mem: Vec<(u32, Bytes)>,
    storage: Vec<(u32, u32, Vec<u8>)>,
    regs: Vec<(u32, u32, Vec<u8>)>,
    /// Registers set from memory after the memory set-up (bits, idx, ptr,
    /// len): how an account's address, known only once deployed, gets into
    /// a register.
    regs_from_mem: Vec<(u32, u32, u32, u32)>,
    /// The case contract's balance.
    balance: u128,
    /// Extra accounts (deployed contracts), by balance.
    accounts: Vec<u128>,
    block: BlockContext,
    input: Vec<u8>,
    read_only: bool,
    /// What `MockHost::call` answers (the real host really calls).
    call_status: Option<CallStatus>,
    /// The case contract's register banks (`None`: the SVM defaults).
    banks: Option<Vec<BankSpec>>,
}

impl Setup {
    /// The world of `native_vs_wasmi`: an address, two amounts, a string and
    /// two topics in memory, two registers, a stored slice, an input and a
    /// balance.
    fn base() -> Self {
        let topics: Vec<u8> = (0..64).collect();
        Setup {
            mem: vec![
                (100, Bytes::Raw(STRANGER.0.to_vec())),
                (200, Bytes::Raw(300u128.to_le_bytes().to_vec())),
                (220, Bytes::Raw(5000u128.to_le_bytes().to_vec())),
                (300, Bytes::Raw(b"hello".to_vec())),
                (400, Bytes::Raw(topics)),
            ],
            storage: vec![(1, 0, b"stored bytes....".to_vec())],
            regs: vec![(64, 0, vec![1, 2, 3, 4, 5, 6, 7, 8]), (160, 7, vec![9; 20])],
            regs_from_mem: vec![],
            balance: 1000,
            accounts: vec![],
            block: BLOCK,
            input: b"input!".to_vec(),
            read_only: false,
            call_status: None,
            banks: None,
        }
    }
}

struct Case {
    module: &'static str,
    name: &'static str,
    args: Vec<Value>,
    /// "ok", a receipt error kind (`out_of_gas`, `read_only`, `abort`), or
    /// the argument a host error must name.
    expect: &'static str,
    setup: Setup,
}

impl Case {
    fn mem(mut self, ptr: u32, bytes: impl Into<Vec<u8>>) -> Self {
        self.setup.mem.push((ptr, Bytes::Raw(bytes.into())));
        self
    }
    fn self_at(mut self, ptr: u32) -> Self {
        self.setup.mem.push((ptr, Bytes::SelfAddress));
        self
    }
    /// An extra account holding `balance`, its address at `ptr`.
    fn account_at(mut self, ptr: u32, balance: u128) -> Self {
        self.setup
            .mem
            .push((ptr, Bytes::Account(self.setup.accounts.len())));
        self.setup.accounts.push(balance);
        self
    }
    fn reg(mut self, bits: u32, idx: u32, bytes: impl Into<Vec<u8>>) -> Self {
        self.setup.regs.push((bits, idx, bytes.into()));
        self
    }
    /// Register `bits:idx` set from `len` bytes of memory at `ptr`, after
    /// the memory set-up (so after `self_at` and `account_at`).
    fn reg_from(mut self, bits: u32, idx: u32, ptr: u32, len: u32) -> Self {
        self.setup.regs_from_mem.push((bits, idx, ptr, len));
        self
    }
    fn store(mut self, page: u32, offset: u32, bytes: impl Into<Vec<u8>>) -> Self {
        self.setup.storage.push((page, offset, bytes.into()));
        self
    }
    fn balance(mut self, b: u128) -> Self {
        self.setup.balance = b;
        self
    }
    fn block(mut self, height: u64, time: u64) -> Self {
        self.setup.block = BlockContext { height, time };
        self
    }
    fn input(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.setup.input = input.into();
        self
    }
    fn read_only(mut self) -> Self {
        self.setup.read_only = true;
        self
    }
    fn call_status(mut self, s: CallStatus) -> Self {
        self.setup.call_status = Some(s);
        self
    }

    /// The function under test; `name` is its symbol (a variant's own name).
    fn desc(&self) -> &'static HostFnDesc {
        all_descs()
            .find(|d| (d.module, d.symbol) == (self.module, self.name))
            .unwrap_or_else(|| panic!("no host function {}.{}", self.module, self.name))
    }

    fn label(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|v| match v {
                Value::I32(x) => x.to_string(),
                Value::I64(x) => format!("{x}i64"),
            })
            .collect();
        let mut s = format!("{}.{}({})", self.module, self.name, args.join(", "));
        if self.setup.read_only {
            s.push_str(" [query]");
        }
        if let Some(banks) = &self.setup.banks {
            let banks: Vec<String> = banks
                .iter()
                .map(|b| format!("{}x{}", b.count, b.width_bits))
                .collect();
            write!(s, " [banks {}]", banks.join(" ")).unwrap();
        }
        s
    }
}

fn i(x: i32) -> Value {
    Value::I32(x)
}
fn l(x: i64) -> Value {
    Value::I64(x)
}

/// A case of `module.symbol` (as `"svm.reg_get"`, or a variant's symbol
/// such as `"svm.storage_read_to_reg_dec19"`) in the base world.
fn case(f: &str, args: Vec<Value>, expect: &'static str) -> Case {
    let (module, name) = f.split_once('.').expect("module.name");
    let desc = all_descs()
        .find(|d| (d.module, d.symbol) == (module, name))
        .unwrap_or_else(|| panic!("no host function {f}"));
    assert_eq!(desc.params.len(), args.len(), "{f}: arity");
    Case {
        module: desc.module,
        name: desc.symbol,
        args,
        expect,
        setup: Setup::base(),
    }
}

fn u128_bytes(x: u128) -> Vec<u8> {
    x.to_le_bytes().to_vec()
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    let mut add = |c: Case| v.push(c);

    // svm.mem_to_reg_copy(src_mem_idx, src_mem_ptr, len, dst_reg_bits, dst_reg_idx)
    let f = "svm.mem_to_reg_copy";
    add(case(f, vec![i(0), i(300), i(5), i(64), i(0)], "ok"));
    add(case(f, vec![i(0), i(300), i(0), i(64), i(0)], "ok"));
    add(case(f, vec![i(0), i(400), i(64), i(512), i(3)], "ok"));
    add(case(f, vec![i(0), i(65528), i(8), i(64), i(1)], "ok"));
    add(case(f, vec![i(0), i(300), i(9), i(64), i(0)], "len"));
    add(case(
        f,
        vec![i(1), i(300), i(5), i(64), i(0)],
        "src_mem_idx",
    ));
    add(case(
        f,
        vec![i(0), i(65534), i(5), i(64), i(0)],
        "src_mem_ptr",
    ));
    add(case(f, vec![i(0), i(-1), i(1), i(64), i(0)], "src_mem_ptr"));
    add(case(
        f,
        vec![i(0), i(300), i(5), i(48), i(0)],
        "dst_reg_bits",
    ));
    add(case(
        f,
        vec![i(0), i(300), i(5), i(64), i(16)],
        "dst_reg_idx",
    ));
    add(case(
        f,
        vec![i(0), i(300), i(5), i(64), i(-1)],
        "dst_reg_idx",
    ));
    add(case(f, vec![i(0), i(0), i(-1), i(64), i(0)], "out_of_gas"));

    // svm.reg_to_mem_copy(src_reg_bits, src_reg_idx, len, dst_mem_idx, dst_mem_ptr)
    let f = "svm.reg_to_mem_copy";
    add(case(f, vec![i(64), i(0), i(8), i(0), i(500)], "ok"));
    add(case(f, vec![i(64), i(0), i(0), i(0), i(500)], "ok"));
    add(case(f, vec![i(160), i(7), i(20), i(0), i(65516)], "ok"));
    add(case(f, vec![i(512), i(3), i(64), i(0), i(500)], "ok"));
    add(case(f, vec![i(64), i(0), i(9), i(0), i(500)], "len"));
    add(case(
        f,
        vec![i(64), i(0), i(8), i(0), i(65532)],
        "dst_mem_ptr",
    ));
    add(case(f, vec![i(32), i(99), i(4), i(0), i(0)], "src_reg_idx"));
    add(case(f, vec![i(48), i(0), i(1), i(0), i(0)], "src_reg_bits"));
    add(case(f, vec![i(64), i(0), i(8), i(2), i(0)], "dst_mem_idx"));
    add(case(f, vec![i(64), i(0), i(-1), i(0), i(0)], "out_of_gas"));

    // svm.storage_read_to_reg(src_page, src_slice, offset, len, dst_reg_bits, dst_reg_idx)
    let f = "svm.storage_read_to_reg";
    add(case(f, vec![i(1), i(0), i(0), i(8), i(64), i(1)], "ok"));
    add(case(f, vec![i(1), i(7), i(0), i(16), i(512), i(3)], "ok"));
    add(case(f, vec![i(0), i(0), i(0), i(8), i(64), i(1)], "ok"));
    add(case(f, vec![i(3), i(0), i(4088), i(8), i(64), i(2)], "ok").store(3, 4088, *b"lastword"));
    add(case(f, vec![i(1), i(0), i(0), i(8), i(64), i(1)], "ok").read_only());
    add(case(
        f,
        vec![i(1), i(0), i(4090), i(8), i(64), i(1)],
        "offset",
    ));
    add(case(
        f,
        vec![i(4), i(0), i(0), i(8), i(64), i(1)],
        "src_page",
    ));
    add(case(
        f,
        vec![i(-1), i(0), i(0), i(8), i(64), i(1)],
        "src_page",
    ));
    add(case(f, vec![i(1), i(0), i(0), i(9), i(64), i(1)], "len"));
    add(case(
        f,
        vec![i(1), i(0), i(0), i(8), i(64), i(16)],
        "dst_reg_idx",
    ));
    add(case(
        f,
        vec![i(1), i(0), i(0), i(8), i(24), i(0)],
        "dst_reg_bits",
    ));
    add(case(
        f,
        vec![i(1), i(0), i(0), i(-1), i(64), i(1)],
        "out_of_gas",
    ));

    // svm.storage_read_to_mem(src_page, src_slice, offset, len, dst_mem_idx, dst_mem_ptr)
    let f = "svm.storage_read_to_mem";
    add(case(f, vec![i(1), i(0), i(0), i(16), i(0), i(600)], "ok"));
    add(case(f, vec![i(1), i(3), i(4095), i(1), i(0), i(600)], "ok").store(1, 4095, [0x5Au8]));
    add(case(f, vec![i(1), i(0), i(0), i(16), i(0), i(65520)], "ok"));
    add(case(f, vec![i(2), i(0), i(0), i(16), i(0), i(600)], "ok"));
    add(case(f, vec![i(1), i(0), i(0), i(0), i(0), i(600)], "ok"));
    add(case(f, vec![i(1), i(0), i(0), i(16), i(0), i(600)], "ok").read_only());
    add(case(
        f,
        vec![i(1), i(0), i(0), i(16), i(0), i(65530)],
        "dst_mem_ptr",
    ));
    add(case(
        f,
        vec![i(9), i(0), i(0), i(16), i(0), i(600)],
        "src_page",
    ));
    add(case(
        f,
        vec![i(-1), i(0), i(0), i(16), i(0), i(600)],
        "src_page",
    ));
    add(case(
        f,
        vec![i(1), i(0), i(4095), i(2), i(0), i(600)],
        "offset",
    ));
    add(case(
        f,
        vec![i(1), i(0), i(-1), i(1), i(0), i(600)],
        "offset",
    ));
    add(case(
        f,
        vec![i(1), i(0), i(0), i(16), i(3), i(600)],
        "dst_mem_idx",
    ));
    add(case(
        f,
        vec![i(1), i(0), i(0), i(-1), i(0), i(600)],
        "out_of_gas",
    ));

    // svm.storage_write_from_mem(src_mem_idx, src_mem_ptr, len, dst_page, dst_slice, dst_offset)
    let f = "svm.storage_write_from_mem";
    add(case(f, vec![i(0), i(300), i(5), i(2), i(0), i(10)], "ok"));
    add(case(f, vec![i(0), i(300), i(5), i(3), i(0), i(4091)], "ok"));
    add(case(f, vec![i(0), i(300), i(5), i(1), i(0), i(2)], "ok"));
    add(case(f, vec![i(0), i(300), i(0), i(2), i(0), i(0)], "ok"));
    add(case(f, vec![i(0), i(65531), i(5), i(0), i(0), i(0)], "ok"));
    add(case(
        f,
        vec![i(0), i(300), i(5), i(2), i(0), i(4093)],
        "dst_offset",
    ));
    add(case(
        f,
        vec![i(0), i(300), i(5), i(4), i(0), i(0)],
        "dst_page",
    ));
    add(case(
        f,
        vec![i(0), i(300), i(5), i(-1), i(0), i(0)],
        "dst_page",
    ));
    add(case(
        f,
        vec![i(0), i(65533), i(5), i(2), i(0), i(0)],
        "src_mem_ptr",
    ));
    add(case(
        f,
        vec![i(1), i(300), i(5), i(2), i(0), i(0)],
        "src_mem_idx",
    ));
    add(case(f, vec![i(0), i(300), i(5), i(2), i(0), i(10)], "read_only").read_only());
    add(case(
        f,
        vec![i(0), i(300), i(5), i(2), i(0), i(4093)],
        "dst_offset",
    )
    .read_only());
    add(case(f, vec![i(0), i(300), i(5), i(4), i(0), i(0)], "read_only").read_only());
    add(case(
        f,
        vec![i(0), i(0), i(-1), i(2), i(0), i(0)],
        "out_of_gas",
    ));

    // svm.storage_write_from_reg(src_reg_bits, src_reg_idx, len, dst_page, dst_slice, dst_offset)
    let f = "svm.storage_write_from_reg";
    add(case(f, vec![i(64), i(0), i(8), i(3), i(0), i(0)], "ok"));
    add(case(
        f,
        vec![i(160), i(7), i(20), i(3), i(9), i(4076)],
        "ok",
    ));
    add(case(f, vec![i(64), i(0), i(0), i(3), i(0), i(0)], "ok"));
    add(case(f, vec![i(64), i(0), i(9), i(3), i(0), i(0)], "len"));
    add(case(
        f,
        vec![i(160), i(7), i(20), i(3), i(0), i(4080)],
        "dst_offset",
    ));
    add(case(
        f,
        vec![i(160), i(8), i(20), i(3), i(0), i(0)],
        "src_reg_idx",
    ));
    add(case(
        f,
        vec![i(48), i(0), i(1), i(3), i(0), i(0)],
        "src_reg_bits",
    ));
    add(case(
        f,
        vec![i(64), i(0), i(8), i(4), i(0), i(0)],
        "dst_page",
    ));
    add(case(f, vec![i(64), i(0), i(8), i(3), i(0), i(0)], "read_only").read_only());
    add(case(
        f,
        vec![i(64), i(0), i(8), i(3), i(0), i(4090)],
        "dst_offset",
    )
    .read_only());
    add(case(
        f,
        vec![i(64), i(0), i(-1), i(3), i(0), i(0)],
        "out_of_gas",
    ));

    // svm.reg_replace_byte(reg_bits, reg_idx, byte, offset)
    let f = "svm.reg_replace_byte";
    add(case(f, vec![i(64), i(0), i(255), i(7)], "ok"));
    add(case(f, vec![i(64), i(0), i(0), i(0)], "ok"));
    add(case(f, vec![i(512), i(3), i(7), i(63)], "ok"));
    add(case(f, vec![i(64), i(0), i(256), i(0)], "byte"));
    add(case(f, vec![i(64), i(0), i(-1), i(0)], "byte"));
    add(case(f, vec![i(64), i(0), i(1), i(8)], "offset"));
    add(case(f, vec![i(64), i(0), i(1), i(-1)], "offset"));
    add(case(f, vec![i(64), i(16), i(1), i(0)], "reg_idx"));
    add(case(f, vec![i(-1), i(0), i(0), i(0)], "reg_bits"));

    // svm.reg_read_be_i64(reg_bits, reg_idx)
    let f = "svm.reg_read_be_i64";
    add(case(f, vec![i(64), i(0)], "ok"));
    add(case(f, vec![i(512), i(3)], "ok"));
    add(case(f, vec![i(160), i(7)], "ok"));
    add(case(f, vec![i(32), i(0)], "reg_bits"));
    add(case(f, vec![i(-1), i(0)], "reg_bits"));
    add(case(f, vec![i(64), i(16)], "reg_idx"));

    // svm.reg_write_be_i64(value, reg_bits, reg_idx)
    let f = "svm.reg_write_be_i64";
    add(case(f, vec![l(-5), i(64), i(2)], "ok"));
    add(case(f, vec![l(i64::MIN), i(512), i(3)], "ok"));
    add(case(f, vec![l(0x0102), i(160), i(7)], "ok"));
    add(case(f, vec![l(1), i(32), i(0)], "reg_bits"));
    add(case(f, vec![l(1), i(64), i(-1)], "reg_idx"));
    add(case(f, vec![l(1), i(64), i(16)], "reg_idx"));

    // svm.reg_read_le_i64(reg_bits, reg_idx): September 2019
    let f = "svm.reg_read_le_i64";
    add(case(f, vec![i(64), i(0)], "ok"));
    add(case(f, vec![i(512), i(3)], "ok"));
    add(case(f, vec![i(160), i(7)], "ok"));
    add(case(f, vec![i(32), i(0)], "reg_bits"));
    add(case(f, vec![i(-1), i(0)], "reg_bits"));
    add(case(f, vec![i(64), i(16)], "reg_idx"));

    // svm.reg_write_le_i64(value, reg_bits, reg_idx): September 2019
    let f = "svm.reg_write_le_i64";
    add(case(f, vec![l(-5), i(64), i(2)], "ok"));
    add(case(f, vec![l(i64::MIN), i(512), i(3)], "ok"));
    add(case(f, vec![l(0x0102), i(160), i(7)], "ok"));
    add(case(f, vec![l(1), i(32), i(0)], "reg_bits"));
    add(case(f, vec![l(1), i(64), i(-1)], "reg_idx"));
    add(case(f, vec![l(1), i(64), i(16)], "reg_idx"));

    // December 2019 variants (no slice argument).
    // svm.storage_read_to_reg(page, offset, len, reg_bits, reg_idx)
    let f = "svm.storage_read_to_reg_dec19";
    add(case(f, vec![i(1), i(0), i(8), i(64), i(1)], "ok"));
    add(case(f, vec![i(1), i(0), i(16), i(512), i(3)], "ok"));
    add(case(f, vec![i(3), i(4088), i(8), i(64), i(2)], "ok").store(3, 4088, *b"lastword"));
    add(case(f, vec![i(1), i(0), i(8), i(64), i(1)], "ok").read_only());
    add(case(f, vec![i(1), i(4090), i(8), i(64), i(1)], "offset"));
    add(case(f, vec![i(4), i(0), i(8), i(64), i(1)], "page"));
    add(case(f, vec![i(1), i(0), i(9), i(64), i(1)], "len"));
    add(case(f, vec![i(1), i(0), i(8), i(64), i(16)], "reg_idx"));
    add(case(f, vec![i(1), i(0), i(8), i(24), i(0)], "reg_bits"));
    add(case(f, vec![i(1), i(0), i(-1), i(64), i(1)], "out_of_gas"));

    // svm.storage_read_to_mem(page, offset, len, mem_idx, mem_offset)
    let f = "svm.storage_read_to_mem_dec19";
    add(case(f, vec![i(1), i(0), i(16), i(0), i(600)], "ok"));
    add(case(f, vec![i(1), i(4095), i(1), i(0), i(600)], "ok").store(1, 4095, [0x5Au8]));
    add(case(f, vec![i(2), i(0), i(16), i(0), i(65520)], "ok"));
    add(case(f, vec![i(1), i(0), i(16), i(0), i(600)], "ok").read_only());
    add(case(
        f,
        vec![i(1), i(0), i(16), i(0), i(65530)],
        "mem_offset",
    ));
    add(case(f, vec![i(9), i(0), i(16), i(0), i(600)], "page"));
    add(case(f, vec![i(1), i(4095), i(2), i(0), i(600)], "offset"));
    add(case(f, vec![i(1), i(0), i(16), i(3), i(600)], "mem_idx"));
    add(case(f, vec![i(1), i(0), i(-1), i(0), i(600)], "out_of_gas"));

    // svm.storage_write_from_mem(mem_idx, mem_offset, len, page_idx, page_offset)
    let f = "svm.storage_write_from_mem_dec19";
    add(case(f, vec![i(0), i(300), i(5), i(2), i(10)], "ok"));
    add(case(f, vec![i(0), i(300), i(5), i(3), i(4091)], "ok"));
    add(case(f, vec![i(0), i(300), i(0), i(2), i(0)], "ok"));
    add(case(
        f,
        vec![i(0), i(300), i(5), i(2), i(4093)],
        "page_offset",
    ));
    add(case(f, vec![i(0), i(300), i(5), i(4), i(0)], "page_idx"));
    add(case(
        f,
        vec![i(0), i(65533), i(5), i(2), i(0)],
        "mem_offset",
    ));
    add(case(f, vec![i(1), i(300), i(5), i(2), i(0)], "mem_idx"));
    add(case(f, vec![i(0), i(300), i(5), i(2), i(10)], "read_only").read_only());
    add(case(f, vec![i(0), i(0), i(-1), i(2), i(0)], "out_of_gas"));

    // svm.storage_write_from_reg(reg_bits, reg_idx, len, page_idx, page_offset)
    let f = "svm.storage_write_from_reg_dec19";
    add(case(f, vec![i(64), i(0), i(8), i(3), i(0)], "ok"));
    add(case(f, vec![i(160), i(7), i(20), i(3), i(4076)], "ok"));
    add(case(f, vec![i(64), i(0), i(0), i(3), i(0)], "ok"));
    add(case(f, vec![i(64), i(0), i(9), i(3), i(0)], "len"));
    add(case(
        f,
        vec![i(160), i(7), i(20), i(3), i(4080)],
        "page_offset",
    ));
    add(case(f, vec![i(160), i(8), i(20), i(3), i(0)], "reg_idx"));
    add(case(f, vec![i(48), i(0), i(1), i(3), i(0)], "reg_bits"));
    add(case(f, vec![i(64), i(0), i(8), i(4), i(0)], "page_idx"));
    add(case(f, vec![i(64), i(0), i(8), i(3), i(0)], "read_only").read_only());
    add(case(f, vec![i(64), i(0), i(-1), i(3), i(0)], "out_of_gas"));

    // The node vmcalls (optional modules `node` and `env`): the address is
    // in a register of at least 160 bits.
    for (get, set) in [
        ("node.vmcall_get_balance", "node.vmcall_set_balance"),
        ("env.get_balance", "env.set_balance"),
    ] {
        add(case(get, vec![i(160), i(0)], "ok").reg(160, 0, STRANGER.0));
        add(case(get, vec![i(160), i(1)], "ok")
            .account_at(120, 12_345)
            .reg_from(160, 1, 120, 20));
        add(case(get, vec![i(256), i(0)], "ok")
            .self_at(140)
            .reg_from(256, 0, 140, 20));
        add(case(get, vec![i(512), i(2)], "ok")
            .account_at(120, i64::MAX as u128)
            .reg_from(512, 2, 120, 20));
        add(case(get, vec![i(160), i(1)], "ok")
            .account_at(120, 5)
            .reg_from(160, 1, 120, 20)
            .read_only());
        add(case(get, vec![i(160), i(1)], "denied")
            .account_at(120, i64::MAX as u128 + 1)
            .reg_from(160, 1, 120, 20));
        add(case(get, vec![i(64), i(0)], "reg_bits"));
        add(case(get, vec![i(48), i(0)], "reg_bits"));
        add(case(get, vec![i(160), i(8)], "reg_idx"));
        add(case(get, vec![i(160), i(-1)], "reg_idx"));

        add(case(set, vec![l(500), i(160), i(0)], "ok").reg(160, 0, STRANGER.0));
        add(case(set, vec![l(0), i(256), i(0)], "ok")
            .self_at(140)
            .reg_from(256, 0, 140, 20));
        add(case(set, vec![l(i64::MAX), i(160), i(1)], "ok")
            .account_at(120, 7)
            .reg_from(160, 1, 120, 20));
        add(case(set, vec![l(1), i(160), i(0)], "read_only")
            .reg(160, 0, STRANGER.0)
            .read_only());
        add(case(set, vec![l(-1), i(160), i(0)], "value").reg(160, 0, STRANGER.0));
        add(case(set, vec![l(i64::MIN), i(160), i(0)], "value"));
        add(case(set, vec![l(1), i(64), i(0)], "reg_bits"));
        add(case(set, vec![l(1), i(160), i(8)], "reg_idx"));
    }

    // strata.storage_read(page, offset, dst_ptr, len)
    let f = "strata.storage_read";
    add(case(f, vec![i(1), i(0), i(600), i(16)], "ok"));
    add(case(f, vec![i(1), i(0), i(600), i(0)], "ok"));
    add(case(f, vec![i(3), i(4095), i(600), i(1)], "ok").store(3, 4095, [7u8]));
    add(case(f, vec![i(1), i(0), i(65520), i(16)], "ok"));
    add(case(f, vec![i(1), i(0), i(600), i(16)], "ok").read_only());
    add(case(f, vec![i(1), i(4090), i(600), i(16)], "offset"));
    add(case(f, vec![i(5), i(0), i(600), i(1)], "page"));
    add(case(f, vec![i(-1), i(0), i(600), i(1)], "page"));
    add(case(f, vec![i(1), i(0), i(65535), i(2)], "dst_ptr"));
    add(case(f, vec![i(1), i(0), i(600), i(-1)], "out_of_gas"));

    // strata.storage_write(page, offset, src_ptr, len)
    let f = "strata.storage_write";
    add(case(f, vec![i(0), i(0), i(300), i(5)], "ok"));
    add(case(f, vec![i(3), i(4091), i(300), i(5)], "ok"));
    add(case(f, vec![i(1), i(4), i(300), i(5)], "ok"));
    add(case(f, vec![i(0), i(0), i(300), i(0)], "ok"));
    add(case(f, vec![i(0), i(4095), i(300), i(2)], "offset"));
    add(case(f, vec![i(4), i(0), i(300), i(1)], "page"));
    add(case(f, vec![i(0), i(0), i(65535), i(2)], "src_ptr"));
    add(case(f, vec![i(0), i(0), i(300), i(5)], "read_only").read_only());
    add(case(f, vec![i(0), i(4095), i(300), i(2)], "offset").read_only());
    add(case(f, vec![i(4), i(0), i(300), i(1)], "read_only").read_only());
    add(case(f, vec![i(0), i(0), i(300), i(-1)], "out_of_gas"));

    // strata.storage_read_reg(page, offset, len, reg_bits, reg_idx)
    let f = "strata.storage_read_reg";
    add(case(f, vec![i(1), i(0), i(8), i(64), i(1)], "ok"));
    add(case(f, vec![i(1), i(0), i(16), i(512), i(0)], "ok"));
    add(case(f, vec![i(0), i(0), i(0), i(64), i(0)], "ok"));
    add(case(f, vec![i(3), i(4088), i(8), i(64), i(2)], "ok").store(3, 4088, *b"lastword"));
    add(case(f, vec![i(1), i(0), i(8), i(64), i(1)], "ok").read_only());
    add(case(f, vec![i(1), i(0), i(8), i(32), i(0)], "len"));
    add(case(f, vec![i(7), i(0), i(1), i(64), i(0)], "page"));
    add(case(f, vec![i(1), i(4090), i(8), i(64), i(1)], "offset"));
    add(case(f, vec![i(1), i(0), i(8), i(64), i(16)], "reg_idx"));
    add(case(f, vec![i(1), i(0), i(8), i(48), i(0)], "reg_bits"));
    add(case(f, vec![i(1), i(0), i(-1), i(64), i(1)], "out_of_gas"));

    // strata.storage_write_reg(page, offset, reg_bits, reg_idx, len)
    let f = "strata.storage_write_reg";
    add(case(f, vec![i(2), i(100), i(64), i(0), i(8)], "ok"));
    add(case(f, vec![i(2), i(0), i(160), i(7), i(20)], "ok"));
    add(case(f, vec![i(2), i(4088), i(64), i(0), i(8)], "ok"));
    add(case(f, vec![i(1), i(2), i(64), i(0), i(4)], "ok"));
    add(case(f, vec![i(2), i(0), i(64), i(0), i(0)], "ok"));
    add(case(f, vec![i(2), i(4095), i(64), i(0), i(8)], "offset"));
    add(case(f, vec![i(2), i(0), i(64), i(0), i(9)], "len"));
    add(case(f, vec![i(4), i(0), i(64), i(0), i(8)], "page"));
    add(case(f, vec![i(2), i(0), i(64), i(16), i(8)], "reg_idx"));
    add(case(f, vec![i(2), i(0), i(48), i(0), i(1)], "reg_bits"));
    add(case(f, vec![i(2), i(100), i(64), i(0), i(8)], "read_only").read_only());
    add(case(f, vec![i(2), i(4095), i(64), i(0), i(8)], "offset").read_only());
    add(case(f, vec![i(2), i(0), i(64), i(0), i(-1)], "out_of_gas"));

    // strata.reg_set(reg_bits, reg_idx, src_ptr, len)
    let f = "strata.reg_set";
    add(case(f, vec![i(256), i(1), i(300), i(5)], "ok"));
    add(case(f, vec![i(64), i(0), i(300), i(0)], "ok"));
    add(case(f, vec![i(512), i(3), i(400), i(64)], "ok"));
    add(case(f, vec![i(64), i(1), i(65528), i(8)], "ok").mem(65528, *b"the end!"));
    add(case(f, vec![i(64), i(0), i(300), i(5)], "ok").read_only());
    add(case(f, vec![i(32), i(0), i(300), i(5)], "len"));
    add(case(f, vec![i(256), i(4), i(300), i(5)], "reg_idx"));
    add(case(f, vec![i(64), i(-1), i(300), i(1)], "reg_idx"));
    add(case(f, vec![i(48), i(0), i(300), i(1)], "reg_bits"));
    add(case(f, vec![i(256), i(1), i(65535), i(5)], "src_ptr"));
    add(case(f, vec![i(64), i(0), i(300), i(-1)], "out_of_gas"));

    // strata.reg_get(reg_bits, reg_idx, dst_ptr, len)
    let f = "strata.reg_get";
    add(case(f, vec![i(64), i(0), i(700), i(8)], "ok"));
    add(case(f, vec![i(160), i(7), i(700), i(20)], "ok"));
    add(case(f, vec![i(64), i(0), i(700), i(3)], "ok"));
    add(case(f, vec![i(64), i(0), i(700), i(0)], "ok"));
    add(case(f, vec![i(512), i(3), i(700), i(64)], "ok").reg(512, 3, vec![0xEEu8; 64]));
    add(case(f, vec![i(64), i(0), i(65528), i(8)], "ok"));
    add(case(f, vec![i(64), i(0), i(700), i(9)], "len"));
    add(case(f, vec![i(64), i(0), i(65535), i(8)], "dst_ptr"));
    add(case(f, vec![i(48), i(0), i(700), i(1)], "reg_bits"));
    add(case(f, vec![i(64), i(16), i(700), i(1)], "reg_idx"));
    add(case(f, vec![i(64), i(0), i(700), i(-1)], "out_of_gas"));

    // strata.address(dst_ptr)
    let f = "strata.address";
    add(case(f, vec![i(800)], "ok"));
    add(case(f, vec![i(65516)], "ok"));
    add(case(f, vec![i(800)], "ok").read_only());
    add(case(f, vec![i(65530)], "dst_ptr"));
    add(case(f, vec![i(-1)], "dst_ptr"));

    // strata.sender(dst_ptr)
    let f = "strata.sender";
    add(case(f, vec![i(820)], "ok"));
    add(case(f, vec![i(65516)], "ok"));
    add(case(f, vec![i(-20)], "dst_ptr"));

    for f in ["strata.block_height", "strata.block_time"] {
        add(case(f, vec![], "ok"));
        add(case(f, vec![], "ok").block(0, 0));
        add(case(f, vec![], "ok").block(123_456_789, 1_800_000_000));
        add(case(f, vec![], "ok").block(u64::MAX, u64::MAX));
        add(case(f, vec![], "ok").read_only());
    }

    // strata.gas_left(): compared as a number in range (see `agree`).
    let f = "strata.gas_left";
    add(case(f, vec![], "ok"));
    add(case(f, vec![], "ok").read_only());

    let f = "strata.input_len";
    add(case(f, vec![], "ok"));
    add(case(f, vec![], "ok").input(vec![]));
    add(case(f, vec![], "ok").input(vec![0x42; 1000]));

    // strata.input_copy(dst_ptr, offset, len)
    let f = "strata.input_copy";
    add(case(f, vec![i(900), i(0), i(4)], "ok"));
    add(case(f, vec![i(900), i(0), i(6)], "ok"));
    add(case(f, vec![i(900), i(6), i(0)], "ok"));
    add(case(f, vec![i(900), i(0), i(4)], "ok").read_only());
    add(case(f, vec![i(900), i(2), i(10)], "len"));
    add(case(f, vec![i(900), i(7), i(0)], "len"));
    add(case(f, vec![i(900), i(-1), i(1)], "len"));
    add(case(f, vec![i(65535), i(0), i(4)], "dst_ptr"));
    add(case(f, vec![i(900), i(0), i(-1)], "out_of_gas"));

    // strata.set_return(src_ptr, len)
    let f = "strata.set_return";
    add(case(f, vec![i(300), i(5)], "ok"));
    add(case(f, vec![i(300), i(0)], "ok"));
    add(case(f, vec![i(0), i(65536)], "ok"));
    add(case(f, vec![i(65535), i(1)], "ok").mem(65535, [0x77u8]));
    add(case(f, vec![i(300), i(5)], "ok").read_only());
    add(case(f, vec![i(300), i(65537)], "len"));
    add(case(f, vec![i(65535), i(5)], "src_ptr"));
    add(case(f, vec![i(-1), i(1)], "src_ptr"));

    // Maps, on empty maps (no tree levels, which MockHost does not charge;
    // tests/maps.rs covers maps with entries on the real host).
    let f = "strata.map_get";
    add(case(
        f,
        vec![i(1), i(64), i(300), i(5), i(600), i(16)],
        "ok",
    ));
    add(case(f, vec![i(1), i(64), i(300), i(5), i(600), i(16)], "ok").read_only());
    add(case(
        f,
        vec![i(1), i(64), i(300), i(257), i(600), i(16)],
        "key_ptr",
    ));
    add(case(
        f,
        vec![i(4), i(0), i(300), i(5), i(600), i(16)],
        "page",
    ));
    add(case(
        f,
        vec![i(1), i(4080), i(300), i(5), i(600), i(16)],
        "offset",
    ));
    add(case(
        f,
        vec![i(1), i(64), i(300), i(5), i(65530), i(16)],
        "dst_ptr",
    ));
    let f = "strata.map_get_path";
    add(case(f, vec![i(1), i(64), i(1200), i(6), i(600), i(16)], "ok").mem(1200, *b"\x05hello"));
    add(
        case(f, vec![i(1), i(64), i(1200), i(6), i(600), i(16)], "ok")
            .mem(1200, *b"\x05hello")
            .read_only(),
    );
    add(case(
        f,
        vec![i(1), i(64), i(1200), i(3), i(600), i(16)],
        "path_len",
    )
    .mem(1200, *b"\x05hello"));
    add(case(
        f,
        vec![i(1), i(4090), i(1200), i(6), i(600), i(16)],
        "offset",
    )
    .mem(1200, *b"\x05hello"));
    let f = "strata.map_contains";
    add(case(f, vec![i(1), i(64), i(300), i(5)], "ok"));
    add(case(f, vec![i(1), i(4090), i(300), i(5)], "offset"));
    let f = "strata.map_set";
    add(case(f, vec![i(1), i(64), i(300), i(5), i(300), i(5)], "ok"));
    add(case(
        f,
        vec![i(1), i(64), i(300), i(5), i(300), i(5)],
        "read_only",
    )
    .read_only());
    add(case(
        f,
        vec![i(1), i(64), i(300), i(5), i(300), i(4097)],
        "val_len",
    ));
    add(case(
        f,
        vec![i(1), i(64), i(300), i(300), i(300), i(5)],
        "key_ptr",
    ));
    add(case(
        f,
        vec![i(4), i(64), i(300), i(5), i(300), i(5)],
        "page",
    ));
    add(case(
        f,
        vec![i(1), i(64), i(300), i(5), i(65534), i(5)],
        "val_ptr",
    ));
    // A slice that holds no map root.
    add(case(f, vec![i(1), i(64), i(300), i(5), i(300), i(5)], "offset").store(1, 64, [7u8; 32]));
    let f = "strata.map_remove";
    add(case(f, vec![i(1), i(64), i(300), i(5)], "ok"));
    add(case(f, vec![i(1), i(4095), i(300), i(5)], "offset"));
    let f = "strata.map_next";
    add(case(
        f,
        vec![i(1), i(64), i(0), i(-1), i(700), i(1000), i(16)],
        "ok",
    ));
    add(case(
        f,
        vec![i(1), i(64), i(300), i(5), i(700), i(1000), i(16)],
        "ok",
    ));
    add(case(
        f,
        vec![i(1), i(64), i(0), i(-1), i(65500), i(1000), i(16)],
        "key_dst",
    ));
    let f = "strata.map_get_map";
    add(case(f, vec![i(1), i(64), i(300), i(5), i(2), i(0)], "ok"));
    add(case(
        f,
        vec![i(1), i(64), i(300), i(5), i(2), i(4090)],
        "dst_offset",
    ));
    let f = "strata.map_set_map";
    add(case(f, vec![i(1), i(64), i(300), i(5), i(2), i(0)], "ok"));
    add(case(
        f,
        vec![i(1), i(64), i(300), i(5), i(2), i(4090)],
        "src_offset",
    ));
    add(case(f, vec![i(1), i(64), i(300), i(5), i(2), i(0)], "src_offset").store(2, 0, [9u8; 32]));

    // strata.emit_event(topics_ptr, topic_count, data_ptr, data_len)
    let f = "strata.emit_event";
    add(case(f, vec![i(400), i(2), i(300), i(5)], "ok"));
    add(case(f, vec![i(400), i(0), i(300), i(0)], "ok"));
    add(case(f, vec![i(400), i(2), i(300), i(5)], "ok").read_only());
    add(case(f, vec![i(400), i(5), i(300), i(5)], "topic_count"));
    add(case(f, vec![i(400), i(-1), i(300), i(5)], "topic_count"));
    add(case(f, vec![i(400), i(1), i(300), i(70000)], "data_len"));
    add(case(f, vec![i(65530), i(1), i(300), i(1)], "topics_ptr"));
    add(case(f, vec![i(400), i(1), i(65535), i(5)], "data_ptr"));

    // strata.log(msg_ptr, msg_len)
    let f = "strata.log";
    add(case(f, vec![i(300), i(5)], "ok"));
    add(case(f, vec![i(300), i(0)], "ok"));
    add(case(f, vec![i(1200), i(4)], "ok").mem(1200, [0xFF, b'a', 0xC3, b'\n']));
    add(case(f, vec![i(300), i(5)], "ok").read_only());
    add(case(f, vec![i(300), i(5000)], "msg_len"));
    add(case(f, vec![i(65535), i(5)], "msg_ptr"));

    // strata.abort(msg_ptr, msg_len)
    let f = "strata.abort";
    add(case(f, vec![i(300), i(5)], "abort"));
    add(case(f, vec![i(300), i(0)], "abort"));
    add(case(f, vec![i(1200), i(3)], "abort").mem(1200, [b'x', 0xFE, b'y']));
    add(case(f, vec![i(300), i(5000)], "msg_len"));
    add(case(f, vec![i(65535), i(2)], "msg_ptr"));

    // strata.balance(addr_ptr, dst_ptr)
    let f = "strata.balance";
    add(case(f, vec![i(100), i(1000)], "ok"));
    add(case(f, vec![i(140), i(1000)], "ok").self_at(140));
    add(case(f, vec![i(120), i(1000)], "ok").account_at(120, 12_345));
    add(case(f, vec![i(120), i(1000)], "ok").account_at(120, u128::MAX));
    add(case(f, vec![i(140), i(65520)], "ok").self_at(140));
    add(case(f, vec![i(140), i(1000)], "ok")
        .self_at(140)
        .read_only());
    add(case(f, vec![i(65530), i(1000)], "addr_ptr"));
    add(case(f, vec![i(-1), i(1000)], "addr_ptr"));
    add(case(f, vec![i(100), i(65530)], "dst_ptr"));

    // strata.transfer(to_ptr, amount_ptr) -> 0 moved, 1 too low
    let f = "strata.transfer";
    add(case(f, vec![i(100), i(200)], "ok"));
    add(case(f, vec![i(100), i(220)], "ok"));
    add(case(f, vec![i(100), i(240)], "ok").mem(240, u128_bytes(1000)));
    add(case(f, vec![i(100), i(240)], "ok").mem(240, u128_bytes(1001)));
    add(case(f, vec![i(100), i(240)], "ok").mem(240, u128_bytes(0)));
    add(case(f, vec![i(100), i(240)], "ok")
        .mem(240, u128_bytes(0))
        .balance(0));
    add(case(f, vec![i(100), i(240)], "ok").mem(240, u128_bytes(u128::MAX)));
    add(case(f, vec![i(140), i(200)], "ok").self_at(140));
    add(case(f, vec![i(140), i(220)], "ok").self_at(140));
    add(case(f, vec![i(120), i(200)], "ok").account_at(120, 5));
    add(case(f, vec![i(120), i(200)], "ok").account_at(120, u128::MAX - 300));
    // The recipient's balance would overflow: an error on the real host.
    add(case(f, vec![i(120), i(200)], "amount_ptr").account_at(120, u128::MAX - 299));
    add(case(f, vec![i(120), i(200)], "amount_ptr").account_at(120, u128::MAX));
    // Too low is checked first: no overflow error then.
    add(case(f, vec![i(120), i(220)], "ok").account_at(120, u128::MAX));
    add(case(f, vec![i(140), i(240)], "ok")
        .self_at(140)
        .mem(240, u128_bytes(u128::MAX))
        .balance(u128::MAX));
    add(case(f, vec![i(100), i(200)], "read_only").read_only());
    add(case(f, vec![i(100), i(220)], "read_only").read_only());
    add(case(f, vec![i(65530), i(200)], "to_ptr"));
    add(case(f, vec![i(-1), i(200)], "to_ptr"));
    add(case(f, vec![i(100), i(65530)], "amount_ptr"));

    // strata.call(addr_ptr, func_ptr, func_len, input_ptr, input_len, gas).
    // MockHost answers what it is told; the real host really calls, so
    // each case tells MockHost what the real call answers.
    let f = "strata.call";
    add(
        case(f, vec![i(100), i(300), i(5), i(300), i(5), l(1000)], "ok")
            .call_status(CallStatus::NoContract),
    );
    add(case(
        f,
        vec![i(120), i(300), i(5), i(300), i(5), l(100_000)],
        "ok",
    )
    .account_at(120, 0)
    .call_status(CallStatus::NoFunction));
    add(case(
        f,
        vec![i(100), i(300), i(300), i(0), i(0), l(1)],
        "func_len",
    ));
    add(case(
        f,
        vec![i(100), i(300), i(5), i(0), i(70000), l(1)],
        "input_len",
    ));
    add(case(
        f,
        vec![i(100), i(300), i(5), i(0), i(0), l(-1)],
        "gas",
    ));
    add(case(
        f,
        vec![i(65530), i(300), i(5), i(0), i(0), l(1)],
        "addr_ptr",
    ));
    add(case(
        f,
        vec![i(100), i(65535), i(5), i(0), i(0), l(1)],
        "func_ptr",
    ));
    add(
        case(f, vec![i(100), i(1200), i(2), i(0), i(0), l(1)], "func_ptr")
            .mem(1200, [0xFFu8, 0xFE]),
    );
    add(case(
        f,
        vec![i(100), i(300), i(5), i(65535), i(5), l(1)],
        "input_ptr",
    ));

    // strata.call_return_len(), strata.call_return_copy(dst_ptr, offset, len):
    // no call yet, so nothing to return.
    add(case("strata.call_return_len", vec![], "ok"));
    let f = "strata.call_return_copy";
    add(case(f, vec![i(1000), i(0), i(0)], "ok"));
    add(case(f, vec![i(1000), i(0), i(1)], "len"));
    add(case(f, vec![i(1000), i(-1), i(0)], "len"));
    add(case(f, vec![i(1000), i(0), i(-1)], "out_of_gas"));

    v
}

/// What a case leaves, on either host.
#[derive(Debug, PartialEq, Eq)]
struct Obs {
    /// The result, or the receipt's error kind and message.
    outcome: Result<Option<Value>, (String, String)>,
    /// What a successful call leaves behind.
    after: Option<After>,
    /// Every storage page.
    storage: Vec<Vec<u8>>,
    /// The contract's, each extra account's and [`STRANGER`]'s balance.
    balances: Vec<u128>,
}

#[derive(Debug, PartialEq, Eq)]
struct After {
    /// Guest memory, the dump area zeroed (none for `set_return`, which
    /// replaces the return data that carries it).
    memory: Option<Vec<u8>>,
    /// Every register's bytes, bank by bank (none for `set_return`).
    registers: Option<Vec<u8>>,
    /// The return data (only for `set_return`).
    return_data: Option<Vec<u8>>,
    events: Vec<Event>,
    logs: Vec<String>,
    /// The gas the call charged, less a page's first touch on the real host
    /// (none for `set_return`, whose return data the measurement needs, and
    /// for `call`, whose callee's gas only the real host charges).
    charged: Option<u64>,
}

/// The case contract's register banks, as declared at deploy.
fn bank_specs(case: &Case) -> Vec<BankSpec> {
    case.setup
        .banks
        .clone()
        .unwrap_or_else(|| BankLayout::svm_default().specs().to_vec())
}

/// The case contract's banks, as (width in bits, count).
fn banks(case: &Case) -> Vec<(u32, u32)> {
    bank_specs(case)
        .iter()
        .map(|s| (s.width_bits, s.count))
        .collect()
}

fn is_set_return(case: &Case) -> bool {
    (case.module, case.name) == ("strata", "set_return")
}

/// The bytes of every register of the case contract's banks.
fn registers_len(case: &Case) -> usize {
    banks(case)
        .iter()
        .map(|(bits, count)| (bits / 8 * count) as usize)
        .sum()
}

fn is_call(case: &Case) -> bool {
    (case.module, case.name) == ("strata", "call")
}

/// Whether the function reads (`Some(false)`) or writes (`Some(true)`) one
/// storage page.
fn page_access(case: &Case) -> Option<bool> {
    match case.desc().name {
        "storage_read" | "storage_read_reg" | "storage_read_to_reg" | "storage_read_to_mem" => {
            Some(false)
        }
        "storage_write"
        | "storage_write_reg"
        | "storage_write_from_mem"
        | "storage_write_from_reg" => Some(true),
        _ => None,
    }
}

/// The case's memory as data segments, with the set-up bytes in scratch:
/// registers as (bits, idx, ptr, len), storage as (page, offset, ptr, len),
/// and where to write the contract's own address.
struct Layout {
    data: Vec<(u32, Vec<u8>)>,
    regs: Vec<(u32, u32, u32, u32)>,
    storage: Vec<(u32, u32, u32, u32)>,
    self_at: Vec<u32>,
}

fn layout(case: &Case, accounts: &[Address]) -> Layout {
    let mut lay = Layout {
        data: vec![],
        regs: vec![],
        storage: vec![],
        self_at: vec![],
    };
    for (ptr, b) in &case.setup.mem {
        match b {
            Bytes::Raw(v) => lay.data.push((*ptr, v.clone())),
            Bytes::Account(n) => lay.data.push((*ptr, accounts[*n].0.to_vec())),
            Bytes::SelfAddress => lay.self_at.push(*ptr),
        }
    }
    let mut at = SCRATCH;
    for (bits, idx, bytes) in &case.setup.regs {
        lay.data.push((at, bytes.clone()));
        lay.regs.push((*bits, *idx, at, bytes.len() as u32));
        at += bytes.len() as u32;
    }
    for (page, offset, bytes) in &case.setup.storage {
        lay.data.push((at, bytes.clone()));
        lay.storage.push((*page, *offset, at, bytes.len() as u32));
        at += bytes.len() as u32;
    }
    assert!(at < 60_000, "{}: too much set-up", case.label());
    lay
}

fn wat_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for b in bytes {
        write!(s, "\\{b:02x}").unwrap();
    }
    s
}

fn strata_fn(name: &str) -> &'static HostFnDesc {
    Strata::FUNCTIONS
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no strata.{name}"))
}

fn import_id(d: &HostFnDesc) -> String {
    format!("${}_{}", d.module, d.symbol)
}

/// The case's contract: `setup` writes its storage; `run` sets its
/// registers and own address up, calls the function, dumps the registers
/// and returns the whole memory (or, for `set_return`, nothing more).
fn contract_wat(case: &Case, accounts: &[Address]) -> String {
    let desc = case.desc();
    let lay = layout(case, accounts);
    let mut imports: Vec<&HostFnDesc> = vec![desc];
    for name in [
        "reg_set",
        "reg_get",
        "storage_write",
        "address",
        "set_return",
        "gas_left",
    ] {
        let d = strata_fn(name);
        if !imports
            .iter()
            .any(|x| (x.module, x.symbol) == (d.module, d.symbol))
        {
            imports.push(d);
        }
    }
    let mut w = String::from("(module\n");
    for d in &imports {
        let params: Vec<&str> = d.params.iter().map(|(_, t)| t.wat()).collect();
        let results: Vec<&str> = d.results.iter().map(|t| t.wat()).collect();
        let mut sig = String::new();
        if !params.is_empty() {
            write!(sig, " (param {})", params.join(" ")).unwrap();
        }
        if !results.is_empty() {
            write!(sig, " (result {})", results.join(" ")).unwrap();
        }
        writeln!(
            w,
            "  (import \"{}\" \"{}\" (func {}{sig}))",
            d.module,
            d.name,
            import_id(d)
        )
        .unwrap();
    }
    w.push_str("  (memory (export \"memory\") 1)\n");
    for (ptr, bytes) in &lay.data {
        writeln!(w, "  (data (i32.const {ptr}) \"{}\")", wat_bytes(bytes)).unwrap();
    }
    let c = |x: u32| format!("(i32.const {})", x as i32);
    let (reg_set, reg_get, storage_write, address, set_return) = (
        import_id(strata_fn("reg_set")),
        import_id(strata_fn("reg_get")),
        import_id(strata_fn("storage_write")),
        import_id(strata_fn("address")),
        import_id(strata_fn("set_return")),
    );
    w.push_str("  (func (export \"setup\")\n");
    for (page, offset, ptr, len) in &lay.storage {
        writeln!(
            w,
            "    (call {storage_write} {} {} {} {})",
            c(*page),
            c(*offset),
            c(*ptr),
            c(*len)
        )
        .unwrap();
    }
    w.push_str("  )\n");
    let result = desc.results.first().map(|t| t.wat());
    w.push_str("  (func (export \"run\")");
    if let Some(t) = result {
        write!(w, " (result {t}) (local $r {t})").unwrap();
    }
    w.push('\n');
    for ptr in &lay.self_at {
        writeln!(w, "    (call {address} {})", c(*ptr)).unwrap();
    }
    for (bits, idx, ptr, len) in lay.regs.iter().chain(&case.setup.regs_from_mem) {
        writeln!(
            w,
            "    (call {reg_set} {} {} {} {})",
            c(*bits),
            c(*idx),
            c(*ptr),
            c(*len)
        )
        .unwrap();
    }
    let args: Vec<String> = case
        .args
        .iter()
        .map(|v| match v {
            Value::I32(x) => format!("(i32.const {x})"),
            Value::I64(x) => format!("(i64.const {x})"),
        })
        .collect();
    let gas_left = import_id(strata_fn("gas_left"));
    if !is_set_return(case) {
        // Gas left twice before the call and once after: the first two give
        // what measuring costs, so the host function's charge is what is left.
        for k in 0..2 {
            writeln!(w, "    (i64.store {} (call {gas_left}))", c(GAS_AT + 8 * k)).unwrap();
        }
    }
    write!(w, "    (call {} {})", import_id(desc), args.join(" ")).unwrap();
    if result.is_some() {
        w.push_str(" local.set $r");
    }
    w.push('\n');
    if !is_set_return(case) {
        writeln!(w, "    (i64.store {} (call {gas_left}))", c(GAS_AT + 16)).unwrap();
        let mut at = DUMP;
        for (bits, count) in banks(case) {
            for idx in 0..count {
                writeln!(
                    w,
                    "    (call {reg_get} {} {} {} {})",
                    c(bits),
                    c(idx),
                    c(at),
                    c(bits / 8)
                )
                .unwrap();
                at += bits / 8;
            }
        }
        assert!(
            at as usize == DUMP as usize + registers_len(case) && at <= GAS_AT,
            "{}: the registers do not fit the dump area",
            case.label()
        );
        writeln!(w, "    (call {set_return} (i32.const 0) {})", c(MEM as u32)).unwrap();
    }
    if result.is_some() {
        w.push_str("    local.get $r\n");
    }
    w.push_str("  ))\n");
    w
}

fn deploy(
    rt: &Runtime<Arc<MemKv>>,
    code: &str,
    pages: u32,
    balance: u128,
    banks: Option<Vec<BankSpec>>,
) -> Address {
    let tx = DeployTx {
        author: AUTHOR,
        nonce: None,
        name: None,
        page_count: pages,
        banks,
        code: wat::parse_str(code).unwrap_or_else(|e| panic!("{e}\n{code}")),
        ctor: None,
        balance,
        gas_limit: GAS,
    };
    let r = rt
        .execute(&Transaction::Deploy(tx), BLOCK)
        .expect("runtime");
    assert!(r.success(), "deploy failed: {:?}\n{code}", r.error);
    r.deployed.expect("an address")
}

fn call_tx(contract: Address, function: &str, input: Vec<u8>) -> CallTx {
    CallTx {
        contract,
        sender: USER,
        call: FunctionCall {
            function: function.into(),
            args: vec![],
        },
        input,
        gas_limit: GAS,
    }
}

fn outcome_of(r: &Receipt) -> Result<Option<Value>, (String, String)> {
    match &r.error {
        None => Ok(r.returns.first().map(|a| match a {
            Arg::I32(x) => Value::I32(*x),
            Arg::I64(x) => Value::I64(*x),
        })),
        Some(e) => Err((e.kind.name().to_owned(), e.message.clone())),
    }
}

/// Runs the case on the real host: its observations, the contract's
/// address and the extra accounts' addresses.
fn run_real(case: &Case) -> (Obs, Address, Vec<Address>, Receipt) {
    run_real_on(case, WasmEngine::Wasmi)
}

/// [`run_real`] on `engine`.
fn run_real_on(case: &Case, engine: WasmEngine) -> (Obs, Address, Vec<Address>, Receipt) {
    let rt = Runtime::builder(Arc::new(MemKv::new()))
        .config(RuntimeConfig {
            engine,
            ..RuntimeConfig::default()
        })
        .host_module(SvmNode)
        .host_module(SvmEnv)
        .build()
        .expect("runtime");
    let accounts: Vec<Address> = case
        .setup
        .accounts
        .iter()
        .map(|b| deploy(&rt, ACCOUNT_WAT, 1, *b, None))
        .collect();
    let wat = contract_wat(case, &accounts);
    let me = deploy(
        &rt,
        &wat,
        PAGES,
        case.setup.balance,
        case.setup.banks.clone(),
    );
    let block = case.setup.block;
    let r = rt
        .execute(&Transaction::Call(call_tx(me, "setup", vec![])), block)
        .expect("runtime");
    assert!(r.success(), "{}: setup failed: {:?}", case.label(), r.error);
    let tx = call_tx(me, "run", case.setup.input.clone());
    let receipt = if case.setup.read_only {
        rt.query(&tx, block)
    } else {
        rt.execute(&Transaction::Call(tx), block)
    }
    .unwrap_or_else(|e| panic!("{}: the runtime failed: {e}", case.label()));
    let outcome = outcome_of(&receipt);
    let mut charged = None;
    let after = outcome.is_ok().then(|| {
        let (memory, registers, return_data) = if is_set_return(case) {
            (None, None, Some(receipt.return_data.clone()))
        } else {
            let mut mem = receipt.return_data.clone();
            assert_eq!(mem.len(), MEM, "{}: the memory came back", case.label());
            let regs = mem[DUMP as usize..DUMP as usize + registers_len(case)].to_vec();
            let g = |k: u32| {
                let at = (GAS_AT + 8 * k) as usize;
                u64::from_le_bytes(mem[at..at + 8].try_into().unwrap())
            };
            let (a, b, c) = (g(0), g(1), g(2));
            // What the call cost, less the first touch of a page (the
            // runtime's page costs, which MockHost does not charge).
            let gas = rt.config().gas;
            let page = match (page_access(case), case.desc().name) {
                (Some(false), _) => gas.page_read,
                (Some(true), _) => gas.page_write,
                // The root slice's page; the nested root's slice is on
                // another page, read or written.
                (None, "map_get" | "map_contains" | "map_next" | "map_get_path") => gas.page_read,
                (None, "map_set" | "map_remove") => gas.page_write,
                (None, "map_get_map" | "map_set_map") => gas.page_read + gas.page_write,
                (None, _) => 0,
            };
            charged = Some(((b - c) - (a - b)) - page);
            mem[DUMP as usize..DUMP_END as usize].fill(0);
            (Some(mem), Some(regs), None)
        };
        After {
            memory,
            registers,
            return_data,
            events: receipt.events.clone(),
            logs: receipt.logs.clone(),
            charged: charged.filter(|_| !is_call(case)),
        }
    });
    let storage = (0..PAGES)
        .map(|p| rt.read_slice(&me, p, 0, PAGE).expect("read_slice"))
        .collect();
    let balances = std::iter::once(me)
        .chain(accounts.iter().copied())
        .chain([STRANGER])
        .map(|a| {
            rt.account(&a)
                .expect("account")
                .map_or(0, |acc| acc.balance)
        })
        .collect();
    (
        Obs {
            outcome,
            after,
            storage,
            balances,
        },
        me,
        accounts,
        receipt,
    )
}

/// A host error as the runtime puts it in a receipt (`Failure::classify`).
fn receipt_error(e: &HostError) -> (String, String) {
    match &e.kind {
        HostErrorKind::OutOfGas => ("out_of_gas".into(), e.to_string()),
        HostErrorKind::ReadOnly => ("read_only".into(), e.to_string()),
        HostErrorKind::Abort { message } => ("abort".into(), message.clone()),
        HostErrorKind::Host(m) => ("runtime failure (no receipt)".into(), m.clone()),
        _ => ("host_error".into(), e.to_string()),
    }
}

fn registers_of(host: &MockHost, case: &Case) -> Vec<u8> {
    let mut out = vec![];
    for (bits, count) in banks(case) {
        for idx in 0..count {
            out.extend_from_slice(host.registers.get(bits, idx).expect("a register"));
        }
    }
    out
}

/// Runs the case natively on `MockHost`, in the world the real host had.
fn run_mock(case: &Case, me: Address, accounts: &[Address]) -> Obs {
    let s = &case.setup;
    let mut host = MockHost::new(MOCK_GAS);
    if let Some(specs) = &s.banks {
        let layout = BankLayout::new(specs.clone(), &RegisterLimits::DEFAULT).expect("banks");
        host.registers = Registers::new(&layout);
    }
    host.context = CallContext {
        address: me,
        sender: USER,
        block_height: s.block.height,
        block_time: s.block.time,
    };
    let lay = layout(case, accounts);
    let mut mem = vec![0u8; MEM];
    for (ptr, bytes) in &lay.data {
        mem[*ptr as usize..*ptr as usize + bytes.len()].copy_from_slice(bytes);
    }
    for ptr in &lay.self_at {
        mem[*ptr as usize..*ptr as usize + 20].copy_from_slice(&me.0);
    }
    for (bits, idx, bytes) in &s.regs {
        host.registers
            .set(*bits, *idx, bytes)
            .expect("set-up register");
    }
    for (bits, idx, ptr, len) in &s.regs_from_mem {
        let bytes = &mem[*ptr as usize..(*ptr + *len) as usize];
        host.registers
            .set(*bits, *idx, bytes)
            .expect("set-up register from memory");
    }
    for (page, offset, bytes) in &s.storage {
        host.storage
            .write(*page, *offset, bytes)
            .expect("set-up storage");
    }
    host.balances.insert(me, s.balance);
    for (a, b) in accounts.iter().zip(&s.accounts) {
        host.balances.insert(*a, *b);
    }
    host.input = s.input.clone();
    host.read_only = s.read_only;
    if let Some(status) = s.call_status {
        host.call_status = status;
    }
    let balances_of = |host: &MockHost| -> Vec<u128> {
        std::iter::once(me)
            .chain(accounts.iter().copied())
            .chain([STRANGER])
            .map(|a| host.balances.get(&a).copied().unwrap_or(0))
            .collect()
    };
    let before = (host.state().storage, balances_of(&host));
    let out = match case.module {
        "svm" => Svm::invoke(&mut mem, &mut host, case.name, &case.args),
        "node" => SvmNode::invoke(&mut mem, &mut host, case.name, &case.args),
        "env" => SvmEnv::invoke(&mut mem, &mut host, case.name, &case.args),
        _ => Strata::invoke(&mut mem, &mut host, case.name, &case.args),
    };
    match out {
        Ok(v) => {
            let (memory, registers, return_data) = if is_set_return(case) {
                (None, None, Some(host.return_data.clone()))
            } else {
                mem[DUMP as usize..DUMP_END as usize].fill(0);
                (Some(mem), Some(registers_of(&host, case)), None)
            };
            Obs {
                outcome: Ok(v),
                after: Some(After {
                    memory,
                    registers,
                    return_data,
                    events: host.events.clone(),
                    logs: host.logs.clone(),
                    charged: (!is_set_return(case) && !is_call(case)).then_some(host.charged),
                }),
                storage: host.state().storage,
                balances: balances_of(&host),
            }
        }
        // The real transaction is discarded: what was there before stays.
        Err(e) => Obs {
            outcome: Err(receipt_error(&e)),
            after: None,
            storage: before.0,
            balances: before.1,
        },
    }
}

fn first_diff(a: &[u8], b: &[u8]) -> String {
    if a.len() != b.len() {
        return format!("lengths {} and {}", a.len(), b.len());
    }
    let first = (0..a.len()).find(|&k| a[k] != b[k]).unwrap_or(0);
    let last = (0..a.len()).rev().find(|&k| a[k] != b[k]).unwrap_or(0);
    format!(
        "bytes {first}..={last}: real {}, mock {}",
        hex::encode(&a[first..=last.min(first + 40)]),
        hex::encode(&b[first..=last.min(first + 40)])
    )
}

/// The differences between the real host's and MockHost's observations.
fn differences(case: &Case, real: &Obs, mock: &Obs) -> Vec<String> {
    let mut d = vec![];
    if real.outcome != mock.outcome {
        d.push(format!(
            "result: real {:?}, mock {:?}",
            real.outcome, mock.outcome
        ));
    }
    match (&real.after, &mock.after) {
        (Some(r), Some(m)) => {
            if r.memory != m.memory {
                let (rm, mm) = (r.memory.as_deref(), m.memory.as_deref());
                d.push(format!(
                    "memory: {}",
                    first_diff(rm.unwrap_or(&[]), mm.unwrap_or(&[]))
                ));
            }
            if r.registers != m.registers {
                let (rr, mr) = (
                    r.registers.as_deref().unwrap_or(&[]),
                    m.registers.as_deref().unwrap_or(&[]),
                );
                if rr.len() != mr.len() {
                    d.push(format!(
                        "registers: {} bytes on the real host, {} on MockHost",
                        rr.len(),
                        mr.len()
                    ));
                }
                let mut at = 0;
                for (bits, count) in banks(case) {
                    let w = (bits / 8) as usize;
                    for idx in 0..count {
                        let (x, y) = (rr.get(at..at + w), mr.get(at..at + w));
                        if x != y {
                            d.push(format!(
                                "register {bits}/{idx}: real {}, mock {}",
                                hex::encode(x.unwrap_or(&[])),
                                hex::encode(y.unwrap_or(&[]))
                            ));
                        }
                        at += w;
                    }
                }
            }
            if r.return_data != m.return_data {
                d.push(format!(
                    "return data: real {:?}, mock {:?}",
                    r.return_data, m.return_data
                ));
            }
            if r.events != m.events {
                d.push(format!("events: real {:?}, mock {:?}", r.events, m.events));
            }
            if r.logs != m.logs {
                d.push(format!("logs: real {:?}, mock {:?}", r.logs, m.logs));
            }
            if r.charged != m.charged {
                d.push(format!(
                    "gas charged: real {:?}, mock {:?}",
                    r.charged, m.charged
                ));
            }
        }
        (None, None) => {}
        _ => {} // the results differ, said above
    }
    for (p, (r, m)) in real.storage.iter().zip(&mock.storage).enumerate() {
        if r != m {
            d.push(format!("storage page {p}: {}", first_diff(r, m)));
        }
    }
    if real.balances != mock.balances {
        d.push(format!(
            "balances (contract, accounts..., stranger): real {:?}, mock {:?}",
            real.balances, mock.balances
        ));
    }
    d
}

/// Whether the real receipt is what the case says it expects.
fn check_expectation(
    case: &Case,
    outcome: &Result<Option<Value>, (String, String)>,
) -> Option<String> {
    let ok = match (outcome, case.expect) {
        (Ok(_), "ok") => true,
        (Err((kind, _)), want @ ("out_of_gas" | "read_only" | "abort")) => kind == want,
        (Err((kind, msg)), "denied") => {
            kind == "host_error"
                && msg.starts_with(&format!(
                    "host function {}.{}: refused: ",
                    case.module,
                    case.desc().name
                ))
        }
        (Err((kind, msg)), arg) if arg != "ok" => {
            kind == "host_error"
                && msg.starts_with(&format!(
                    "host function {}.{}: ",
                    case.module,
                    case.desc().name
                ))
                && msg.contains(&format!("argument `{arg}`"))
        }
        _ => false,
    };
    (!ok).then(|| format!("expected {}, the real host gave {outcome:?}", case.expect))
}

#[test]
fn every_host_function_has_cases() {
    let declared: BTreeSet<(&str, &str)> = all_descs().map(|f| (f.module, f.symbol)).collect();
    let covered: BTreeSet<(&str, &str)> = cases().iter().map(|c| (c.module, c.name)).collect();
    let missing: Vec<_> = declared.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "host functions without a conformance case: {missing:?}"
    );
    for (m, n) in &declared {
        let all: Vec<&Case> = cases_for(m, n);
        assert!(
            all.iter().any(|c| c.expect == "ok")
                || (*m, *n) == ("strata", "abort") && all.iter().any(|c| c.expect == "abort"),
            "{m}.{n} has no successful case"
        );
    }
}

fn cases_for(m: &str, n: &str) -> Vec<&'static Case> {
    use std::sync::OnceLock;
    static ALL: OnceLock<Vec<Case>> = OnceLock::new();
    ALL.get_or_init(cases)
        .iter()
        .filter(|c| (c.module, c.name) == (m, n))
        .collect()
}

#[test]
fn the_real_host_and_mock_host_agree_on_every_case() {
    check_cases(cases());
}

/// Runs every case on both hosts, and fails with every case whose real
/// receipt is not what it expects or where the hosts differ.
fn check_cases(cases: Vec<Case>) {
    let mut failures = vec![];
    let mut ran = 0;
    for case in cases {
        let (mut real, me, accounts, receipt) = run_real(&case);
        let mut mock = run_mock(&case, me, &accounts);
        if let Some(e) = check_expectation(&case, &real.outcome) {
            failures.push(format!("{}: {e}", case.label()));
        }
        if case.name == "gas_left" {
            // Each host has its own gas: the real one what the transaction
            // has left at the call, MockHost its own, less the call's cost.
            match (&real.outcome, &mock.outcome) {
                (Ok(Some(Value::I64(r))), Ok(Some(Value::I64(m)))) => {
                    let used = receipt.gas_used;
                    if !(*r > 0 && (*r as u64) < GAS && (*r as u64) >= GAS - used) {
                        failures.push(format!(
                            "{}: the real host's gas left {r} does not fit a limit of {GAS} with {used} used",
                            case.label()
                        ));
                    }
                    if *m as u64 != MOCK_GAS - 10 {
                        failures.push(format!("{}: MockHost's gas left {m}", case.label()));
                    }
                    real.outcome = Ok(None);
                    mock.outcome = Ok(None);
                }
                other => failures.push(format!("{}: {other:?}", case.label())),
            }
        }
        let d = differences(&case, &real, &mock);
        if !d.is_empty() {
            failures.push(format!("{}:\n    {}", case.label(), d.join("\n    ")));
        }
        ran += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The second engine: every case (the built-in banks' and the custom
/// banks') on wasmi and on wasmtime, through the same runtime, must leave
/// the same observations (result or error kind and message, memory,
/// registers, return data, events, logs, the gas the host function charged,
/// storage, balances) and the same receipt but for its gas. Only `gas_left`
/// answers differently, by design: each engine meters instructions with its
/// own fuel.
#[cfg(feature = "wasmtime")]
#[test]
fn wasmi_and_wasmtime_agree_on_every_case() {
    let mut failures = vec![];
    let mut ran = 0;
    for case in cases().into_iter().chain(custom_bank_cases()) {
        let (mut on_wasmi, me, accounts, mut r_wasmi) = run_real_on(&case, WasmEngine::Wasmi);
        let (mut on_wasmtime, me2, accounts2, mut r_wasmtime) =
            run_real_on(&case, WasmEngine::Wasmtime);
        assert_eq!((me, accounts), (me2, accounts2), "{}", case.label());
        if let Some(e) = check_expectation(&case, &on_wasmtime.outcome) {
            failures.push(format!("{} on wasmtime: {e}", case.label()));
        }
        if case.name == "gas_left" {
            for (obs, r) in [
                (&mut on_wasmi, &mut r_wasmi),
                (&mut on_wasmtime, &mut r_wasmtime),
            ] {
                assert!(
                    matches!(obs.outcome, Ok(Some(Value::I64(g))) if g > 0 && (g as u64) < GAS),
                    "{}: {:?}",
                    case.label(),
                    obs.outcome
                );
                obs.outcome = Ok(None);
                r.returns.clear();
            }
        }
        // The charge is measured with `gas_left` around the call, so it
        // includes the instructions that push the arguments, call and keep
        // the result: on
        // wasmtime 1 fuel each, which wasmi folds into its call. Less
        // those, both engines charge exactly the table's cost.
        let desc = all_descs()
            .find(|d| (d.module, d.symbol) == (case.module, case.name))
            .expect("the case's function");
        if let Some(After {
            charged: Some(c), ..
        }) = &mut on_wasmtime.after
        {
            *c -= (desc.params.len() + desc.results.len()) as u64 + 1;
        }
        for r in [&mut r_wasmi, &mut r_wasmtime] {
            assert!(r.gas_used > 0, "{}: no gas used", case.label());
            r.gas_used = 0;
            // The gas left around the call, which `run` keeps in memory.
            if r.return_data.len() == MEM {
                r.return_data[DUMP as usize..DUMP_END as usize].fill(0);
            }
        }
        if on_wasmi != on_wasmtime {
            failures.push(format!(
                "{}: {}",
                case.label(),
                engine_differences(&on_wasmi, &on_wasmtime).join("; ")
            ));
        } else if r_wasmi != r_wasmtime {
            failures.push(format!(
                "{}: receipts differ beyond gas: {:?} vs {:?}",
                case.label(),
                r_wasmi.error,
                r_wasmtime.error
            ));
        }
        ran += 1;
    }
    assert!(ran > 100, "only {ran} cases");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases differ between the engines:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What differs between two observations of one case, briefly.
#[cfg(feature = "wasmtime")]
fn engine_differences(a: &Obs, b: &Obs) -> Vec<String> {
    let mut d = vec![];
    if a.outcome != b.outcome {
        d.push(format!("outcome {:?} vs {:?}", a.outcome, b.outcome));
    }
    match (&a.after, &b.after) {
        (Some(x), Some(y)) => {
            let bytes =
                |name: &str, p: &Option<Vec<u8>>, q: &Option<Vec<u8>>, d: &mut Vec<String>| {
                    if p != q {
                        let (p, q) = (p.as_deref().unwrap_or(&[]), q.as_deref().unwrap_or(&[]));
                        d.push(format!("{name}: {}", first_diff(p, q)));
                    }
                };
            bytes("memory", &x.memory, &y.memory, &mut d);
            bytes("registers", &x.registers, &y.registers, &mut d);
            bytes("return data", &x.return_data, &y.return_data, &mut d);
            if x.events != y.events {
                d.push(format!("events {:?} vs {:?}", x.events, y.events));
            }
            if x.logs != y.logs {
                d.push(format!("logs {:?} vs {:?}", x.logs, y.logs));
            }
            if x.charged != y.charged {
                d.push(format!("charged {:?} vs {:?}", x.charged, y.charged));
            }
        }
        (x, y) if x.is_some() != y.is_some() => d.push("one succeeded".into()),
        _ => {}
    }
    for (page, (p, q)) in a.storage.iter().zip(&b.storage).enumerate() {
        if p != q {
            d.push(format!("storage page {page}: {}", first_diff(p, q)));
        }
    }
    if a.balances != b.balances {
        d.push(format!("balances {:?} vs {:?}", a.balances, b.balances));
    }
    d
}

/// Register banks unlike the SVM's: widths the SVM has not (128 and 2048
/// bits), one it has with fewer registers (2 of 64 bits), and none of its
/// 32, 160, 256 and 512 bits.
const CUSTOM_BANKS: [BankSpec; 3] = [
    BankSpec::new(128, 3),
    BankSpec::new(64, 2),
    BankSpec::new(2048, 1),
];

/// A case of `f` for a contract deployed with [`CUSTOM_BANKS`], its
/// registers set up in those banks.
fn custom(f: &str, args: Vec<Value>, expect: &'static str) -> Case {
    let mut c = case(f, args, expect);
    c.setup.banks = Some(CUSTOM_BANKS.to_vec());
    let wide: Vec<u8> = (0..=255).rev().collect();
    c.setup.regs = vec![
        (64, 0, vec![1, 2, 3, 4, 5, 6, 7, 8]),
        (128, 1, (0x10..0x20).collect()),
        (2048, 0, wide),
    ];
    c
}

/// Every function that names a register, on a contract with
/// [`CUSTOM_BANKS`]: the registers the banks declare work, and the ones
/// only the SVM defaults have (a width, or an index past a smaller bank)
/// are errors.
fn custom_bank_cases() -> Vec<Case> {
    let mut v = Vec::new();
    let mut add = |c: Case| v.push(c);

    let f = "svm.mem_to_reg_copy";
    add(custom(f, vec![i(0), i(400), i(16), i(128), i(2)], "ok"));
    add(custom(f, vec![i(0), i(400), i(64), i(2048), i(0)], "ok"));
    add(custom(f, vec![i(0), i(300), i(5), i(64), i(1)], "ok"));
    add(custom(f, vec![i(0), i(400), i(17), i(128), i(0)], "len"));
    add(custom(
        f,
        vec![i(0), i(300), i(5), i(64), i(2)],
        "dst_reg_idx",
    ));
    add(custom(
        f,
        vec![i(0), i(300), i(5), i(160), i(0)],
        "dst_reg_bits",
    ));
    add(custom(
        f,
        vec![i(0), i(300), i(5), i(32), i(0)],
        "dst_reg_bits",
    ));

    let f = "svm.reg_to_mem_copy";
    add(custom(f, vec![i(128), i(1), i(16), i(0), i(500)], "ok"));
    add(custom(f, vec![i(2048), i(0), i(256), i(0), i(1000)], "ok"));
    add(custom(f, vec![i(128), i(1), i(17), i(0), i(500)], "len"));
    add(custom(
        f,
        vec![i(128), i(3), i(1), i(0), i(500)],
        "src_reg_idx",
    ));
    add(custom(
        f,
        vec![i(512), i(0), i(8), i(0), i(500)],
        "src_reg_bits",
    ));

    let f = "svm.storage_read_to_reg";
    add(custom(f, vec![i(1), i(0), i(0), i(16), i(128), i(0)], "ok"));
    add(custom(
        f,
        vec![i(1), i(0), i(0), i(16), i(2048), i(0)],
        "ok",
    ));
    add(custom(
        f,
        vec![i(1), i(0), i(0), i(17), i(128), i(0)],
        "len",
    ));
    add(custom(
        f,
        vec![i(1), i(0), i(0), i(8), i(160), i(0)],
        "dst_reg_bits",
    ));
    add(custom(
        f,
        vec![i(1), i(0), i(0), i(8), i(64), i(2)],
        "dst_reg_idx",
    ));

    let f = "svm.storage_write_from_reg";
    add(custom(f, vec![i(128), i(1), i(16), i(3), i(0), i(0)], "ok"));
    add(custom(
        f,
        vec![i(2048), i(0), i(256), i(2), i(0), i(100)],
        "ok",
    ));
    add(custom(
        f,
        vec![i(128), i(1), i(17), i(3), i(0), i(0)],
        "len",
    ));
    add(custom(
        f,
        vec![i(160), i(0), i(20), i(3), i(0), i(0)],
        "src_reg_bits",
    ));
    add(custom(
        f,
        vec![i(64), i(2), i(8), i(3), i(0), i(0)],
        "src_reg_idx",
    ));

    let f = "svm.reg_replace_byte";
    add(custom(f, vec![i(128), i(1), i(0xAB), i(15)], "ok"));
    add(custom(f, vec![i(2048), i(0), i(1), i(255)], "ok"));
    add(custom(f, vec![i(128), i(1), i(1), i(16)], "offset"));
    add(custom(f, vec![i(64), i(2), i(1), i(0)], "reg_idx"));
    add(custom(f, vec![i(256), i(0), i(1), i(0)], "reg_bits"));

    let f = "svm.reg_read_be_i64";
    add(custom(f, vec![i(128), i(1)], "ok"));
    add(custom(f, vec![i(2048), i(0)], "ok"));
    add(custom(f, vec![i(64), i(0)], "ok"));
    add(custom(f, vec![i(64), i(2)], "reg_idx"));
    add(custom(f, vec![i(160), i(7)], "reg_bits"));

    let f = "svm.reg_write_be_i64";
    add(custom(f, vec![l(-2), i(128), i(2)], "ok"));
    add(custom(f, vec![l(7), i(2048), i(0)], "ok"));
    add(custom(f, vec![l(1), i(64), i(2)], "reg_idx"));
    add(custom(f, vec![l(1), i(512), i(0)], "reg_bits"));

    let f = "svm.reg_read_le_i64";
    add(custom(f, vec![i(128), i(1)], "ok"));
    add(custom(f, vec![i(2048), i(0)], "ok"));
    add(custom(f, vec![i(64), i(0)], "ok"));
    add(custom(f, vec![i(64), i(2)], "reg_idx"));
    add(custom(f, vec![i(160), i(7)], "reg_bits"));

    let f = "svm.reg_write_le_i64";
    add(custom(f, vec![l(-2), i(128), i(2)], "ok"));
    add(custom(f, vec![l(7), i(2048), i(0)], "ok"));
    add(custom(f, vec![l(1), i(64), i(2)], "reg_idx"));
    add(custom(f, vec![l(1), i(512), i(0)], "reg_bits"));

    let f = "svm.storage_read_to_reg_dec19";
    add(custom(f, vec![i(1), i(0), i(16), i(128), i(0)], "ok"));
    add(custom(f, vec![i(1), i(0), i(16), i(2048), i(0)], "ok"));
    add(custom(f, vec![i(1), i(0), i(17), i(128), i(0)], "len"));
    add(custom(f, vec![i(1), i(0), i(8), i(160), i(0)], "reg_bits"));

    let f = "svm.storage_write_from_reg_dec19";
    add(custom(f, vec![i(128), i(1), i(16), i(3), i(0)], "ok"));
    add(custom(f, vec![i(2048), i(0), i(256), i(2), i(100)], "ok"));
    add(custom(f, vec![i(128), i(1), i(17), i(3), i(0)], "len"));
    add(custom(f, vec![i(64), i(2), i(8), i(3), i(0)], "reg_idx"));

    // The node vmcalls need 160 bits: the 2048-bit bank holds an address,
    // the 128-bit one does not.
    for (get, set) in [
        ("node.vmcall_get_balance", "node.vmcall_set_balance"),
        ("env.get_balance", "env.set_balance"),
    ] {
        add(custom(get, vec![i(2048), i(0)], "ok"));
        add(custom(get, vec![i(2048), i(0)], "ok")
            .account_at(120, 99)
            .reg_from(2048, 0, 120, 20));
        add(custom(get, vec![i(128), i(1)], "reg_bits"));
        add(custom(get, vec![i(160), i(0)], "reg_bits"));
        add(custom(set, vec![l(3), i(2048), i(0)], "ok"));
        add(custom(set, vec![l(3), i(2048), i(0)], "ok")
            .self_at(140)
            .reg_from(2048, 0, 140, 20));
        add(custom(set, vec![l(3), i(128), i(0)], "reg_bits"));
        add(custom(set, vec![l(3), i(2048), i(1)], "reg_idx"));
    }

    let f = "strata.storage_read_reg";
    add(custom(f, vec![i(1), i(0), i(16), i(128), i(0)], "ok"));
    add(custom(f, vec![i(1), i(0), i(8), i(2048), i(0)], "ok"));
    add(custom(f, vec![i(1), i(0), i(17), i(128), i(0)], "len"));
    add(custom(f, vec![i(1), i(0), i(8), i(64), i(2)], "reg_idx"));
    add(custom(f, vec![i(1), i(0), i(8), i(160), i(0)], "reg_bits"));

    let f = "strata.storage_write_reg";
    add(custom(f, vec![i(2), i(0), i(128), i(1), i(16)], "ok"));
    add(custom(f, vec![i(2), i(100), i(2048), i(0), i(256)], "ok"));
    add(custom(f, vec![i(2), i(0), i(128), i(1), i(17)], "len"));
    add(custom(f, vec![i(2), i(0), i(64), i(2), i(8)], "reg_idx"));
    add(custom(f, vec![i(2), i(0), i(512), i(0), i(8)], "reg_bits"));

    let f = "strata.reg_set";
    add(custom(f, vec![i(128), i(2), i(300), i(5)], "ok"));
    add(custom(f, vec![i(2048), i(0), i(400), i(64)], "ok"));
    add(custom(f, vec![i(128), i(0), i(300), i(17)], "len"));
    add(custom(f, vec![i(64), i(2), i(300), i(1)], "reg_idx"));
    add(custom(f, vec![i(160), i(0), i(300), i(1)], "reg_bits"));

    let f = "strata.reg_get";
    add(custom(f, vec![i(128), i(1), i(700), i(16)], "ok"));
    add(custom(f, vec![i(2048), i(0), i(700), i(256)], "ok"));
    add(custom(f, vec![i(128), i(1), i(700), i(17)], "len"));
    add(custom(f, vec![i(64), i(2), i(700), i(1)], "reg_idx"));
    add(custom(f, vec![i(32), i(0), i(700), i(1)], "reg_bits"));

    v
}

#[test]
fn register_functions_agree_with_custom_banks() {
    let cases = custom_bank_cases();
    let register_fns: BTreeSet<(&str, &str)> = all_descs()
        .filter(|d| d.params.iter().any(|(name, _)| name.contains("reg_bits")))
        .map(|d| (d.module, d.symbol))
        .collect();
    let covered: BTreeSet<(&str, &str)> = cases
        .iter()
        .filter(|c| c.expect == "ok")
        .map(|c| (c.module, c.name))
        .collect();
    let missing: Vec<_> = register_fns.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "register functions without a successful custom-bank case: {missing:?}"
    );
    check_cases(cases);
}

/// A callee for the nested-call test. `echo` writes its input to page 0
/// and returns `callee says: ` and its input; `slow` counts down from
/// 1,000 first, so that it costs more gas for the same effect.
const CALLEE_WAT: &str = r#"(module
  (import "strata" "input_len" (func $len (result i32)))
  (import "strata" "input_copy" (func $copy (param i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "set_return" (func $ret (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "callee says: ")
  (func $echo
    (call $copy (i32.const 13) (i32.const 0) (call $len))
    (call $write (i32.const 0) (i32.const 0) (i32.const 13) (call $len))
    (call $ret (i32.const 0) (i32.add (i32.const 13) (call $len))))
  (func (export "echo") (call $echo))
  (func (export "slow") (local $n i32)
    (local.set $n (i32.const 1000))
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (call $echo)))"#;

/// Where the caller keeps the callee's return data, and its length.
const REPLY_AT: usize = 1000;
const REPLY_LEN_AT: usize = 996;
const NESTED_INPUT: &[u8] = b"hello";
const NESTED_GAS: i64 = 500_000;

/// The caller for the nested-call test: `run` calls `function` of
/// `callee` with [`NESTED_INPUT`], measuring gas around the call as the
/// case contracts do, copies the callee's return data to [`REPLY_AT`] and
/// returns its whole memory as return data and the call's status.
fn caller_wat(callee: &Address, function: &str) -> String {
    format!(
        r#"(module
  (import "strata" "call" (func $call (param i32 i32 i32 i32 i32 i64) (result i32)))
  (import "strata" "call_return_len" (func $rlen (result i32)))
  (import "strata" "call_return_copy" (func $rcopy (param i32 i32 i32)))
  (import "strata" "set_return" (func $ret (param i32 i32)))
  (import "strata" "gas_left" (func $gas_left (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 100) "{addr}")
  (data (i32.const 300) "{function}")
  (data (i32.const 400) "{input}")
  (func (export "run") (result i32) (local $r i32)
    (i64.store (i32.const {g0}) (call $gas_left))
    (i64.store (i32.const {g1}) (call $gas_left))
    (call $call (i32.const 100) (i32.const 300) (i32.const {flen}) (i32.const 400) (i32.const {ilen}) (i64.const {NESTED_GAS})) local.set $r
    (i64.store (i32.const {g2}) (call $gas_left))
    (i32.store (i32.const {REPLY_LEN_AT}) (call $rlen))
    (call $rcopy (i32.const {REPLY_AT}) (i32.const 0) (call $rlen))
    (call $ret (i32.const 0) (i32.const {MEM}))
    local.get $r))"#,
        addr = wat_bytes(&callee.0),
        input = wat_bytes(NESTED_INPUT),
        flen = function.len(),
        ilen = NESTED_INPUT.len(),
        g0 = GAS_AT,
        g1 = GAS_AT + 8,
        g2 = GAS_AT + 16,
    )
}

/// What a nested call of `function` shows on the real host.
struct Nested {
    callee: Address,
    caller: Address,
    /// The caller's receipt.
    receipt: Receipt,
    /// What the call charged the caller (measured with `gas_left`).
    charged: u64,
    /// The callee's committed page 0.
    callee_page: Vec<u8>,
    /// The receipt of the same function of the callee called directly, on
    /// a runtime in the same state.
    direct: Receipt,
}

fn nested(function: &str) -> Nested {
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let callee = deploy(&rt, CALLEE_WAT, 1, 0, None);
    let caller = deploy(&rt, &caller_wat(&callee, function), 1, 0, None);
    let receipt = rt
        .execute(&Transaction::Call(call_tx(caller, "run", vec![])), BLOCK)
        .expect("runtime");
    assert!(receipt.success(), "{function}: {:?}", receipt.error);
    assert_eq!(receipt.return_data.len(), MEM, "{function}: the memory");
    let g = |k: u32| {
        let at = (GAS_AT + 8 * k) as usize;
        u64::from_le_bytes(receipt.return_data[at..at + 8].try_into().unwrap())
    };
    let charged = (g(1) - g(2)) - (g(0) - g(1));
    let callee_page = rt.read_slice(&callee, 0, 0, PAGE).expect("read_slice");

    let rt = Runtime::new(Arc::new(MemKv::new()));
    assert_eq!(
        deploy(&rt, CALLEE_WAT, 1, 0, None),
        callee,
        "the same callee"
    );
    let direct = rt
        .execute(
            &Transaction::Call(call_tx(callee, function, NESTED_INPUT.to_vec())),
            BLOCK,
        )
        .expect("runtime");
    assert!(direct.success(), "{function} directly: {:?}", direct.error);
    Nested {
        callee,
        caller,
        receipt,
        charged,
        callee_page,
        direct,
    }
}

/// A successful `strata.call` on the real host: status 0, the callee's
/// return data through `call_return_len`/`call_return_copy`, its write
/// kept, and the caller charged the call's table cost (what MockHost
/// charges for the same call) plus exactly the gas the callee uses when
/// called directly; so the transaction's gas grows by exactly what the
/// callee's grows by.
#[test]
fn a_successful_nested_call_returns_the_callees_data_and_charges_its_gas() {
    let mut reply = b"callee says: ".to_vec();
    reply.extend_from_slice(NESTED_INPUT);
    let echo = nested("echo");
    let r = &echo.receipt;
    assert_eq!(
        r.returns,
        vec![Arg::I32(CallStatus::Success.code())],
        "the status"
    );
    let len = u32::from_le_bytes(
        r.return_data[REPLY_LEN_AT..REPLY_LEN_AT + 4]
            .try_into()
            .unwrap(),
    );
    assert_eq!(len as usize, reply.len(), "call_return_len");
    assert_eq!(
        &r.return_data[REPLY_AT..REPLY_AT + reply.len()],
        &reply[..],
        "call_return_copy"
    );
    assert_eq!(
        &echo.callee_page[..NESTED_INPUT.len()],
        NESTED_INPUT,
        "the callee's write is kept"
    );
    assert!(
        r.state_roots.iter().any(|(a, _)| *a == echo.callee),
        "the receipt has the callee's root: {:?}",
        r.state_roots
    );
    assert_eq!(echo.direct.return_data, reply, "the callee called directly");

    // MockHost, told what the callee answers, charges the call's own cost.
    let mut host = MockHost::new(MOCK_GAS);
    host.context = CallContext {
        address: echo.caller,
        sender: USER,
        block_height: BLOCK.height,
        block_time: BLOCK.time,
    };
    host.call_status = CallStatus::Success;
    host.call_reply = reply.clone();
    let mut mem = vec![0u8; MEM];
    mem[100..120].copy_from_slice(&echo.callee.0);
    mem[300..304].copy_from_slice(b"echo");
    mem[400..400 + NESTED_INPUT.len()].copy_from_slice(NESTED_INPUT);
    let args = [i(100), i(300), i(4), i(400), i(5), l(NESTED_GAS)];
    let out = Strata::invoke(&mut mem, &mut host, "call", &args);
    assert_eq!(
        out.map_err(|e| e.to_string()),
        Ok(Some(i(CallStatus::Success.code())))
    );
    assert_eq!(
        host.calls,
        vec![MockCall {
            target: echo.callee,
            function: "echo".into(),
            input: NESTED_INPUT.to_vec(),
            gas_limit: NESTED_GAS as u64,
        }]
    );
    assert_eq!(host.last_call_return, reply);
    let own = strata_fn("call").gas.for_len(NESTED_INPUT.len() as u32);
    assert_eq!(host.charged, own, "MockHost charges the table's cost");
    assert_eq!(
        echo.charged,
        own + echo.direct.gas_used,
        "the real host charges the call's cost and the callee's gas"
    );

    // A callee that costs more for the same effect costs the transaction
    // exactly as much more.
    let slow = nested("slow");
    assert_eq!(slow.receipt.returns, r.returns);
    assert_eq!(slow.callee_page, echo.callee_page);
    let extra = slow.direct.gas_used - echo.direct.gas_used;
    assert!(extra > 1000, "slow costs more: {extra}");
    assert_eq!(slow.charged - echo.charged, extra);
    assert_eq!(slow.receipt.gas_used - r.gas_used, extra);
}
