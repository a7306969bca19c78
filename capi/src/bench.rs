//! The counter transaction through the C API and through the Rust API, for
//! the criterion bench (`benches/capi.rs`) and the report of
//! `strata-benches`. The C side calls the exported `extern "C"` functions,
//! exactly as a C program linked against the library does.

use std::ffi::CString;
use std::sync::Arc;

use strata_kv::MemKv;
use strata_runtime::{Address, BlockContext, CallTx, DeployTx, FunctionCall, Runtime, Transaction};

use crate::{
    StrataBlockContext, StrataBuilder, StrataBytes, StrataCallParams, StrataDeployParams,
    StrataReceipt, StrataRuntime, StrataStatus,
};

/// The counter both sides run (the benches crate's counter).
pub const COUNTER: &str = r#"(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "inc") (result i64)
    (call $read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0))))"#;

const BLOCK: StrataBlockContext = StrataBlockContext { height: 1, time: 0 };

fn check(status: StrataStatus, what: &str) {
    assert_eq!(status, StrataStatus::STRATA_OK, "{what}");
}

/// A counter deployed through the C API on an in-memory runtime, warm.
pub struct CapiCounter {
    rt: *mut StrataRuntime,
    builder: *mut StrataBuilder,
    contract: [u8; 20],
    function: CString,
    tx: StrataBytes,
}

impl CapiCounter {
    /// Opens a runtime, deploys the counter and calls it once.
    ///
    /// # Panics
    ///
    /// If any step fails (a benchmark set-up, not an API).
    pub fn new() -> Self {
        let mut builder = std::ptr::null_mut();
        let mut rt = std::ptr::null_mut();
        let code = wat::parse_str(COUNTER).expect("counter wat");
        let mut contract = [0u8; 20];
        let function = CString::new("inc").expect("name");
        // SAFETY: every pointer below is a live local of the right type.
        unsafe {
            check(crate::strata_builder_new(&mut builder), "builder");
            check(crate::strata_builder_open_memory(builder, &mut rt), "open");
            let params = StrataDeployParams {
                code: code.as_ptr(),
                code_len: code.len(),
                page_count: 1,
                banks: std::ptr::null(),
                banks_len: 0,
                ctor: std::ptr::null(),
                ctor_args: std::ptr::null(),
                ctor_args_len: 0,
                balance_lo: 0,
                balance_hi: 0,
                author: [1; 20],
                has_nonce: 0,
                nonce: 0,
                name: std::ptr::null(),
                gas_limit: 100_000_000,
            };
            check(
                crate::strata_deploy(
                    rt,
                    &params,
                    BLOCK,
                    contract.as_mut_ptr(),
                    std::ptr::null_mut(),
                ),
                "deploy",
            );
        }
        let mut tx = StrataBytes {
            data: std::ptr::null_mut(),
            len: 0,
        };
        let mut me = CapiCounter {
            rt,
            builder,
            contract,
            function,
            tx: StrataBytes {
                data: std::ptr::null_mut(),
                len: 0,
            },
        };
        let params = me.params();
        // SAFETY: live locals.
        check(
            unsafe { crate::strata_call_tx_encode(&params, &mut tx) },
            "encode",
        );
        me.tx = tx;
        me.call();
        me
    }

    fn params(&self) -> StrataCallParams {
        StrataCallParams {
            contract: self.contract,
            sender: [2; 20],
            function: self.function.as_ptr(),
            args: std::ptr::null(),
            args_len: 0,
            input: std::ptr::null(),
            input_len: 0,
            gas_limit: 1_000_000,
        }
    }

    /// One counter transaction with `strata_call`, its receipt read and
    /// freed.
    pub fn call(&mut self) -> u64 {
        let params = self.params();
        let mut receipt: *mut StrataReceipt = std::ptr::null_mut();
        let mut gas = 0;
        // SAFETY: live locals and handles.
        unsafe {
            check(
                crate::strata_call(self.rt, &params, BLOCK, &mut receipt),
                "call",
            );
            check(crate::strata_receipt_gas_used(receipt, &mut gas), "gas");
            check(crate::strata_receipt_free(receipt), "free");
        }
        gas
    }

    /// One counter transaction with `strata_execute` of its SCALE bytes,
    /// its receipt read and freed.
    pub fn execute(&mut self) -> u64 {
        let mut receipt: *mut StrataReceipt = std::ptr::null_mut();
        let mut gas = 0;
        // SAFETY: live locals and handles; `tx` holds the encoded call.
        unsafe {
            check(
                crate::strata_execute(self.rt, self.tx.data, self.tx.len, BLOCK, &mut receipt),
                "execute",
            );
            check(crate::strata_receipt_gas_used(receipt, &mut gas), "gas");
            check(crate::strata_receipt_free(receipt), "free");
        }
        gas
    }
}

impl Default for CapiCounter {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for CapiCounter {
    fn drop(&mut self) {
        // SAFETY: the handles and buffer this value made.
        unsafe {
            crate::strata_bytes_free(&mut self.tx);
        }
        crate::strata_runtime_close(self.rt);
        crate::strata_builder_free(self.builder);
    }
}

/// The same counter through the Rust API (`Runtime<Arc<MemKv>>`).
pub struct RustCounter {
    rt: Runtime<Arc<MemKv>>,
    tx: Transaction,
}

impl RustCounter {
    /// Deploys the counter and calls it once.
    ///
    /// # Panics
    ///
    /// If any step fails.
    pub fn new() -> Self {
        let rt = Runtime::new(Arc::new(MemKv::new()));
        let deploy = DeployTx {
            author: Address([1; 20]),
            nonce: None,
            name: None,
            page_count: 1,
            banks: None,
            code: wat::parse_str(COUNTER).expect("counter wat"),
            ctor: None,
            balance: 0,
            gas_limit: 100_000_000,
        };
        let block = BlockContext::from(BLOCK);
        let r = rt
            .execute(&Transaction::Deploy(deploy), block)
            .expect("deploy");
        let contract = r.deployed.expect("deployed");
        let tx = Transaction::Call(CallTx {
            contract,
            sender: Address([2; 20]),
            call: FunctionCall {
                function: "inc".into(),
                args: vec![],
            },
            input: vec![],
            gas_limit: 1_000_000,
        });
        let mut me = RustCounter { rt, tx };
        me.run();
        me
    }

    /// One counter transaction.
    pub fn run(&mut self) -> u64 {
        let r = self.rt.execute(&self.tx, BLOCK.into()).expect("execute");
        r.gas_used
    }
}

impl Default for RustCounter {
    fn default() -> Self {
        Self::new()
    }
}
