//! The C API called from Rust as a C caller would: host callbacks (gas,
//! memory, registers, failures, re-entry, a stale context), import checks
//! at deploy, misuse of handles, and concurrent callers.

use std::ffi::{CStr, CString, c_void};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};

use strata_capi::*;

const BLOCK: StrataBlockContext = StrataBlockContext { height: 1, time: 0 };

/// A contract calling `node.probe(n: i64) -> i64` from `run`, after
/// writing 0x2a at memory offset 100.
const PROBE: &str = r#"(module
  (import "node" "probe" (func $probe (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "run") (param i64) (result i64)
    (i32.store8 (i32.const 100) (i32.const 42))
    (call $probe (local.get 0))))"#;

fn ok(status: StrataStatus) {
    if status != StrataStatus::STRATA_OK {
        // SAFETY: the last error is a NUL-terminated string.
        let msg = unsafe { CStr::from_ptr(strata_last_error_message()) };
        panic!("{status:?}: {msg:?}");
    }
}

fn last_error() -> String {
    // SAFETY: as above.
    unsafe { CStr::from_ptr(strata_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

/// What the probe callback does, by its argument.
const READ_MEMORY: i64 = 1;
const OUT_OF_BOUNDS: i64 = 2;
const CHARGE_TOO_MUCH: i64 = 3;
const FATAL: i64 = 4;
const REENTER: i64 = 5;
const KEEP_CTX: i64 = 6;

struct Probe {
    runtime: AtomicUsize,
    kept_ctx: AtomicUsize,
    statuses: std::sync::Mutex<Vec<StrataStatus>>,
}

unsafe extern "C" fn probe_callback(
    user_data: *mut c_void,
    ctx: *mut StrataHostCtx,
    args: *const i64,
    args_len: usize,
    result: *mut i64,
) -> i32 {
    // SAFETY: the user data is the test's `Probe`, alive for the test; the
    // arguments and result are as the API documents.
    let (p, arg) = unsafe { (&*(user_data as *const Probe), *args) };
    assert_eq!(args_len, 1);
    let record = |s: StrataStatus| p.statuses.lock().unwrap().push(s);
    match arg {
        READ_MEMORY => {
            let mut byte = 0u8;
            // SAFETY: a live context and a 1-byte buffer.
            record(unsafe { strata_host_read_memory(ctx, 100, &mut byte, 1) });
            let mut left = 0;
            // SAFETY: as above.
            record(unsafe { strata_host_gas_left(ctx, &mut left) });
            // SAFETY: the result slot.
            unsafe { *result = i64::from(byte) * 1000 + i64::from(left > 0) };
            STRATA_HOST_OK
        }
        OUT_OF_BOUNDS => {
            let mut buf = [0u8; 8];
            // SAFETY: a live context and an 8-byte buffer.
            record(unsafe { strata_host_read_memory(ctx, 65_534, buf.as_mut_ptr(), 8) });
            STRATA_HOST_DENIED
        }
        CHARGE_TOO_MUCH => {
            record(strata_host_charge(ctx, u64::MAX));
            STRATA_HOST_OK
        }
        FATAL => {
            let msg = CString::new("the ledger is offline").unwrap();
            // SAFETY: a live context and a C string.
            record(unsafe { strata_host_fail(ctx, msg.as_ptr()) });
            STRATA_HOST_FATAL
        }
        REENTER => {
            let rt = p.runtime.load(Ordering::SeqCst) as *const StrataRuntime;
            let f = CString::new("run").unwrap();
            let args = [StrataArg {
                ty: STRATA_TYPE_I64,
                value: READ_MEMORY,
            }];
            let params = StrataCallParams {
                contract: [0; 20],
                sender: [2; 20],
                function: f.as_ptr(),
                args: args.as_ptr(),
                args_len: 1,
                input: null(),
                input_len: 0,
                gas_limit: 100_000,
            };
            // SAFETY: valid parameters.
            record(unsafe { strata_call(rt, &params, BLOCK, null_mut()) });
            STRATA_HOST_OK
        }
        KEEP_CTX => {
            p.kept_ctx.store(ctx as usize, Ordering::SeqCst);
            STRATA_HOST_OK
        }
        _ => STRATA_HOST_FATAL,
    }
}

struct Fixture {
    builder: *mut StrataBuilder,
    rt: *mut StrataRuntime,
    contract: [u8; 20],
    probe: Box<Probe>,
}

impl Fixture {
    fn new() -> Self {
        let probe = Box::new(Probe {
            runtime: AtomicUsize::new(0),
            kept_ctx: AtomicUsize::new(0),
            statuses: std::sync::Mutex::new(Vec::new()),
        });
        let mut builder = null_mut();
        let mut rt = null_mut();
        let (module, name) = (
            CString::new("node").unwrap(),
            CString::new("probe").unwrap(),
        );
        let params = [STRATA_TYPE_I64];
        // SAFETY: live locals; the probe outlives the runtime (dropped
        // after it in `Drop`).
        unsafe {
            ok(strata_builder_new(&mut builder));
            ok(strata_builder_add_host_function(
                builder,
                module.as_ptr(),
                name.as_ptr(),
                params.as_ptr(),
                1,
                STRATA_TYPE_I64,
                10,
                Some(probe_callback),
                &*probe as *const Probe as *mut c_void,
            ));
            ok(strata_builder_open_memory(builder, &mut rt));
        }
        probe.runtime.store(rt as usize, Ordering::SeqCst);
        let contract = deploy(rt, PROBE).expect("the probe deploys");
        Fixture {
            builder,
            rt,
            contract,
            probe,
        }
    }

    /// Calls `run(arg)`: the status, the receipt's error kind and message,
    /// and its result.
    fn run(&self, arg: i64) -> (StrataStatus, StrataTxErrorKind, String, Option<i64>) {
        let f = CString::new("run").unwrap();
        let args = [StrataArg {
            ty: STRATA_TYPE_I64,
            value: arg,
        }];
        let params = StrataCallParams {
            contract: self.contract,
            sender: [2; 20],
            function: f.as_ptr(),
            args: args.as_ptr(),
            args_len: 1,
            input: null(),
            input_len: 0,
            gas_limit: 100_000,
        };
        let mut receipt = null_mut();
        // SAFETY: valid parameters and out-pointer.
        let status = unsafe { strata_call(self.rt, &params, BLOCK, &mut receipt) };
        if receipt.is_null() {
            return (
                status,
                StrataTxErrorKind::STRATA_TX_NONE,
                last_error(),
                None,
            );
        }
        let mut kind = StrataTxErrorKind::STRATA_TX_NONE;
        let mut msg = null();
        let mut n = 0;
        let mut value = StrataArg { ty: 0, value: 0 };
        // SAFETY: a live receipt and out-pointers.
        unsafe {
            ok(strata_receipt_error(
                receipt,
                &mut kind,
                &mut msg,
                null_mut(),
            ));
            let message = CStr::from_ptr(msg).to_string_lossy().into_owned();
            ok(strata_receipt_returns_count(receipt, &mut n));
            let result = (n == 1).then(|| {
                ok(strata_receipt_return(receipt, 0, &mut value));
                value.value
            });
            ok(strata_receipt_free(receipt));
            (status, kind, message, result)
        }
    }

    fn statuses(&self) -> Vec<StrataStatus> {
        std::mem::take(&mut *self.probe.statuses.lock().unwrap())
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        ok(strata_runtime_close(self.rt));
        ok(strata_builder_free(self.builder));
    }
}

fn deploy(rt: *mut StrataRuntime, wat: &str) -> Result<[u8; 20], StrataStatus> {
    let code = wat::parse_str(wat).unwrap();
    let params = StrataDeployParams {
        code: code.as_ptr(),
        code_len: code.len(),
        page_count: 1,
        banks: null(),
        banks_len: 0,
        ctor: null(),
        ctor_args: null(),
        ctor_args_len: 0,
        balance_lo: 0,
        balance_hi: 0,
        author: [1; 20],
        has_nonce: 0,
        nonce: 0,
        name: null(),
        gas_limit: 10_000_000,
    };
    let mut address = [0u8; 20];
    // SAFETY: valid parameters; a 20-byte address buffer.
    let status = unsafe { strata_deploy(rt, &params, BLOCK, address.as_mut_ptr(), null_mut()) };
    if status == StrataStatus::STRATA_OK {
        Ok(address)
    } else {
        Err(status)
    }
}

#[test]
fn a_callback_reads_guest_memory_and_gas() {
    let f = Fixture::new();
    let (status, _, _, result) = f.run(READ_MEMORY);
    assert_eq!(status, StrataStatus::STRATA_OK);
    assert_eq!(
        result,
        Some(42_001),
        "the byte the contract wrote, and gas left"
    );
    assert_eq!(
        f.statuses(),
        [StrataStatus::STRATA_OK, StrataStatus::STRATA_OK]
    );
}

#[test]
fn an_out_of_bounds_read_is_refused_and_denies_with_its_reason() {
    let f = Fixture::new();
    let (status, kind, message, _) = f.run(OUT_OF_BOUNDS);
    assert_eq!(status, StrataStatus::STRATA_TX_FAILED);
    assert_eq!(kind, StrataTxErrorKind::STRATA_TX_HOST_ERROR);
    assert!(message.contains("node.probe"), "{message}");
    assert_eq!(f.statuses(), [StrataStatus::STRATA_OUT_OF_BOUNDS]);
}

#[test]
fn charging_more_than_is_left_runs_out_of_gas_whatever_the_callback_returns() {
    let f = Fixture::new();
    let (status, kind, _, _) = f.run(CHARGE_TOO_MUCH);
    assert_eq!(status, StrataStatus::STRATA_TX_FAILED);
    assert_eq!(kind, StrataTxErrorKind::STRATA_TX_OUT_OF_GAS);
    assert_eq!(f.statuses(), [StrataStatus::STRATA_OUT_OF_GAS]);
}

#[test]
fn a_fatal_callback_gives_no_receipt_and_applies_nothing() {
    let f = Fixture::new();
    let mut before = StrataAccount::default();
    // SAFETY: live handle, address and out-pointer.
    unsafe { ok(strata_account(f.rt, f.contract.as_ptr(), &mut before)) };
    let (status, _, message, result) = f.run(FATAL);
    assert_eq!(status, StrataStatus::STRATA_HOST_FUNCTION);
    assert!(message.contains("the ledger is offline"), "{message}");
    assert_eq!(result, None);
    let mut after = StrataAccount::default();
    // SAFETY: as above.
    unsafe { ok(strata_account(f.rt, f.contract.as_ptr(), &mut after)) };
    assert_eq!(before, after);
    // The runtime goes on.
    assert_eq!(f.run(READ_MEMORY).0, StrataStatus::STRATA_OK);
}

#[test]
fn a_callback_cannot_reenter_the_runtime() {
    let f = Fixture::new();
    let (status, _, _, _) = f.run(REENTER);
    assert_eq!(status, StrataStatus::STRATA_OK);
    assert_eq!(f.statuses(), [StrataStatus::STRATA_REENTRANT]);
}

#[test]
fn a_context_used_after_its_callback_is_an_invalid_handle() {
    let f = Fixture::new();
    assert_eq!(f.run(KEEP_CTX).0, StrataStatus::STRATA_OK);
    let stale = f.probe.kept_ctx.load(Ordering::SeqCst) as *mut StrataHostCtx;
    assert!(!stale.is_null());
    assert_eq!(
        strata_host_charge(stale, 1),
        StrataStatus::STRATA_INVALID_HANDLE
    );
    let mut left = 0;
    // SAFETY: the stale pointer is never dereferenced (it is checked first).
    assert_eq!(
        unsafe { strata_host_gas_left(stale, &mut left) },
        StrataStatus::STRATA_INVALID_HANDLE
    );
    assert_eq!(
        strata_host_charge(null_mut(), 1),
        StrataStatus::STRATA_INVALID_ARGUMENT
    );
}

#[test]
fn imports_of_c_functions_are_checked_at_deploy() {
    let f = Fixture::new();
    let wrong_signature = r#"(module
      (import "node" "probe" (func (param i32) (result i64)))
      (func (export "run")))"#;
    let unknown = r#"(module
      (import "node" "nope" (func (param i64) (result i64)))
      (func (export "run")))"#;
    for wat in [wrong_signature, unknown] {
        assert_eq!(
            deploy(f.rt, wat),
            Err(StrataStatus::STRATA_INVALID_CONTRACT),
            "{wat}"
        );
    }
    // Without the module, the probe itself does not deploy.
    let mut builder = null_mut();
    let mut rt = null_mut();
    // SAFETY: live locals.
    unsafe {
        ok(strata_builder_new(&mut builder));
        ok(strata_builder_open_memory(builder, &mut rt));
    }
    assert_eq!(
        deploy(rt, PROBE),
        Err(StrataStatus::STRATA_INVALID_CONTRACT)
    );
    ok(strata_runtime_close(rt));
    ok(strata_builder_free(builder));
}

#[test]
fn a_name_of_a_built_in_module_fails_to_link() {
    let mut builder = null_mut();
    let mut rt = null_mut();
    let (module, name) = (
        CString::new("strata").unwrap(),
        CString::new("storage_read").unwrap(),
    );
    // SAFETY: live locals; the callback is never called.
    unsafe {
        ok(strata_builder_new(&mut builder));
        ok(strata_builder_add_host_function(
            builder,
            module.as_ptr(),
            name.as_ptr(),
            null(),
            0,
            STRATA_TYPE_NONE,
            0,
            Some(probe_callback),
            null_mut(),
        ));
        assert_eq!(
            strata_builder_open_memory(builder, &mut rt),
            StrataStatus::STRATA_LINK
        );
        assert!(rt.is_null());
        assert_eq!(
            strata_builder_add_host_function(
                builder,
                module.as_ptr(),
                name.as_ptr(),
                null(),
                0,
                STRATA_TYPE_NONE,
                0,
                None,
                null_mut(),
            ),
            StrataStatus::STRATA_INVALID_ARGUMENT,
            "a null callback"
        );
    }
    ok(strata_builder_free(builder));
}

#[test]
fn threads_share_a_runtime() {
    let f = Fixture::new();
    let counter = deploy(f.rt, strata_capi::bench::COUNTER).unwrap();
    let rt = f.rt as usize;
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let name = CString::new("inc").unwrap();
                for _ in 0..25 {
                    let params = StrataCallParams {
                        contract: counter,
                        sender: [2; 20],
                        function: name.as_ptr(),
                        args: null(),
                        args_len: 0,
                        input: null(),
                        input_len: 0,
                        gas_limit: 100_000,
                    };
                    // SAFETY: valid parameters; the runtime outlives the
                    // threads (joined below).
                    ok(unsafe {
                        strata_call(rt as *const StrataRuntime, &params, BLOCK, null_mut())
                    });
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut bytes = [0u8; 8];
    // SAFETY: live handle and buffers.
    unsafe {
        ok(strata_read_slice(
            f.rt,
            counter.as_ptr(),
            0,
            0,
            bytes.as_mut_ptr(),
            8,
        ))
    };
    assert_eq!(i64::from_le_bytes(bytes), 100);
}

#[test]
fn config_reaches_the_runtime() {
    let mut config = std::mem::MaybeUninit::<StrataConfig>::uninit();
    // SAFETY: a writable config.
    let mut config = unsafe {
        ok(strata_config_default(config.as_mut_ptr()));
        config.assume_init()
    };
    config.max_tx_gas = 5_000;
    let mut builder = null_mut();
    let mut rt = null_mut();
    // SAFETY: live locals.
    unsafe {
        ok(strata_builder_new(&mut builder));
        ok(strata_builder_set_config(builder, &config));
        ok(strata_builder_open_memory(builder, &mut rt));
    }
    let code = wat::parse_str(strata_capi::bench::COUNTER).unwrap();
    let params = StrataDeployParams {
        code: code.as_ptr(),
        code_len: code.len(),
        page_count: 1,
        banks: null(),
        banks_len: 0,
        ctor: null(),
        ctor_args: null(),
        ctor_args_len: 0,
        balance_lo: 0,
        balance_hi: 0,
        author: [1; 20],
        has_nonce: 0,
        nonce: 0,
        name: null(),
        gas_limit: 10_000,
    };
    let mut receipt = null_mut();
    let mut kind = StrataTxErrorKind::STRATA_TX_NONE;
    // SAFETY: valid parameters and out-pointers.
    unsafe {
        assert_eq!(
            strata_deploy(rt, &params, BLOCK, null_mut(), &mut receipt),
            StrataStatus::STRATA_TX_FAILED
        );
        ok(strata_receipt_error(
            receipt,
            &mut kind,
            null_mut(),
            null_mut(),
        ));
        ok(strata_receipt_free(receipt));
    }
    assert_eq!(kind, StrataTxErrorKind::STRATA_TX_OVER_GAS_CAP);
    ok(strata_runtime_close(rt));
    ok(strata_builder_free(builder));
}

#[test]
fn a_deploy_through_its_scale_bytes_gives_the_same_address() {
    let mut builder = null_mut();
    let mut rt = null_mut();
    // SAFETY: live locals.
    unsafe {
        ok(strata_builder_new(&mut builder));
        ok(strata_builder_open_memory(builder, &mut rt));
    }
    let code = wat::parse_str(strata_capi::bench::COUNTER).unwrap();
    let name = CString::new("my counter").unwrap();
    let params = StrataDeployParams {
        code: code.as_ptr(),
        code_len: code.len(),
        page_count: 1,
        banks: null(),
        banks_len: 0,
        ctor: null(),
        ctor_args: null(),
        ctor_args_len: 0,
        balance_lo: 5,
        balance_hi: 0,
        author: [1; 20],
        has_nonce: 1,
        nonce: 0,
        name: name.as_ptr(),
        gas_limit: 10_000_000,
    };
    let mut tx = StrataBytes {
        data: null_mut(),
        len: 0,
    };
    let mut receipt = null_mut();
    let mut found = false;
    let mut address = [0u8; 20];
    let mut account = StrataAccount::default();
    // SAFETY: valid parameters and out-pointers.
    unsafe {
        ok(strata_deploy_tx_encode(&params, &mut tx));
        ok(strata_execute(rt, tx.data, tx.len, BLOCK, &mut receipt));
        ok(strata_receipt_deployed(
            receipt,
            address.as_mut_ptr(),
            &mut found,
        ));
        ok(strata_receipt_free(receipt));
        ok(strata_account(rt, address.as_ptr(), &mut account));
        ok(strata_bytes_free(&mut tx));
        // The same nonce again: the transaction fails.
        ok(strata_deploy_tx_encode(&params, &mut tx));
        assert_eq!(
            strata_execute(rt, tx.data, tx.len, BLOCK, null_mut()),
            StrataStatus::STRATA_TX_FAILED
        );
        ok(strata_bytes_free(&mut tx));
    }
    assert!(found);
    assert_eq!((account.balance_lo, account.page_count), (5, 1));
    ok(strata_runtime_close(rt));
    ok(strata_builder_free(builder));
}
