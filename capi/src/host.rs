//! Host functions written in C: an import module whose functions are C
//! callbacks, registered at run time, linked over the runtime's own host
//! like any module made with `host_functions!` (so contracts importing them
//! are checked at deploy, and they see the same registers, memory and gas).
//!
//! `strata_host_fns::WasmiModule` expresses it without any change to the
//! runtime: `link_wasmi` defines each function with wasmi's `func_new` and a
//! closure that calls the callback. What it needs `'static` (the module's
//! name and its `HostFnDesc`s) is interned once per distinct declaration
//! for the life of the process ([`intern`]), so opening many runtimes with
//! the same functions does not grow memory.

use std::cell::Cell;
use std::ffi::{c_char, c_void};
use std::sync::{Arc, Mutex, PoisonError};

use strata_host_fns::wasmi::{self, Caller, FuncType, Val};
use strata_host_fns::{
    CustomContextVM, GasCost, Host, HostError, HostErrorKind, HostFnDesc, HostModule, ValType,
    WasmiModule, WasmiState, with_wasmi_host,
};

use crate::error::{Error, StrataStatus, guard};
use crate::ffi;

/// No result (`result` of [`strata_builder_add_host_function`](crate::strata_builder_add_host_function)).
pub const STRATA_TYPE_NONE: u32 = 0;
/// A wasm `i32`.
pub const STRATA_TYPE_I32: u32 = 1;
/// A wasm `i64`.
pub const STRATA_TYPE_I64: u32 = 2;

/// The callback returns this when it succeeded (`*result` is the function's
/// result, if it has one).
pub const STRATA_HOST_OK: i32 = 0;
/// The callback returns this to refuse what the contract asked (the
/// contract's fault): the transaction fails with a `host_error` receipt, its
/// writes are rolled back and its gas is charged; inside a nested call, the
/// caller sees the call fail. The message is the one given to
/// [`strata_host_fail`], else the last failed context access's.
pub const STRATA_HOST_DENIED: i32 = 1;
/// The callback returns this when the node itself cannot go on (not the
/// contract's fault): there is no receipt, nothing of the transaction or
/// block is applied, and the runtime call returns `STRATA_HOST_FUNCTION`.
/// Any other return value counts as this too.
pub const STRATA_HOST_FATAL: i32 = 2;

/// The context a host callback gets: valid only during that call, on that
/// thread. Through it the callback reads and writes guest memory and
/// registers (with the same bounds checks as the built-in host functions),
/// charges gas and sets a failure message. Opaque; never freed by the
/// caller. Using it after the callback returned, or on another thread, is
/// `STRATA_INVALID_HANDLE`.
pub struct StrataHostCtx {
    _opaque: [u8; 0],
}

/// A host function written in C.
///
/// - `user_data`: the pointer given at registration, untouched.
/// - `ctx`: this call's context (see `StrataHostCtx`).
/// - `args`, `args_len`: the arguments, in declared order, each widened to
///   `int64_t` (an `i32` argument sign-extended).
/// - `result`: where to write the result if the function declares one (an
///   `i32` result is the low 32 bits); ignored otherwise. Never null.
///
/// Returns `STRATA_HOST_OK`, `STRATA_HOST_DENIED` or `STRATA_HOST_FATAL`.
/// If a `strata_host_charge` ran out of gas, the call fails with out of gas
/// whatever it returns.
///
/// It runs on the thread that called `strata_call`, `strata_execute` (or
/// another executing function), while that runtime is busy: it must not
/// call an executing function (that is `STRATA_REENTRANT`), and must not
/// unwind (a C++ exception or a longjmp out of it is undefined behaviour).
pub type StrataHostCallback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        ctx: *mut StrataHostCtx,
        args: *const i64,
        args_len: usize,
        result: *mut i64,
    ) -> i32,
>;

/// A registered callback and its user data.
#[derive(Clone, Copy)]
pub(crate) struct Callback {
    func: unsafe extern "C" fn(*mut c_void, *mut StrataHostCtx, *const i64, usize, *mut i64) -> i32,
    user_data: *mut c_void,
}

// SAFETY: the pointers are only handed back to the caller's callback; the
// header documents that callbacks run on whichever thread executes
// transactions, so `user_data` must be usable from any thread (the C
// caller's promise).
unsafe impl Send for Callback {}
// SAFETY: as above: Strata never dereferences them.
unsafe impl Sync for Callback {}

/// One function registered on a builder.
#[derive(Clone)]
pub(crate) struct Registered {
    module: String,
    name: String,
    params: Vec<ValType>,
    result: Option<ValType>,
    gas: u64,
    callback: Callback,
}

/// An import module of C callbacks, ready to link.
pub(crate) struct DynModule {
    name: &'static str,
    functions: &'static [HostFnDesc],
    callbacks: Arc<[Callback]>,
}

impl HostModule for DynModule {
    fn name(&self) -> &'static str {
        self.name
    }
    fn functions(&self) -> &'static [HostFnDesc] {
        self.functions
    }
}

impl WasmiModule for DynModule {
    fn link_wasmi<H: Host + 'static>(
        &self,
        linker: &mut wasmi::Linker<WasmiState<H>>,
    ) -> Result<(), wasmi::errors::LinkerError> {
        for (i, desc) in self.functions.iter().enumerate() {
            let Some(callback) = self.callbacks.get(i).copied() else {
                continue;
            };
            let ty = FuncType::new(
                desc.params.iter().map(|(_, t)| wasm_type(*t)),
                desc.results.iter().map(|t| wasm_type(*t)),
            );
            linker.func_new(
                desc.module,
                desc.symbol,
                ty,
                move |mut caller: Caller<'_, WasmiState<H>>, args: &[Val], results: &mut [Val]| {
                    let value = with_wasmi_host(&mut caller, |mem, host| {
                        invoke(desc, callback, mem, host, args)
                    })?;
                    if let (Some(slot), Some(ty)) = (results.first_mut(), desc.results.first()) {
                        *slot = match ty {
                            ValType::I32 => Val::I32(value as i32),
                            ValType::I64 => Val::I64(value),
                        };
                    }
                    Ok(())
                },
            )?;
        }
        Ok(())
    }
}

fn wasm_type(t: ValType) -> wasmi::ValType {
    match t {
        ValType::I32 => wasmi::ValType::I32,
        ValType::I64 => wasmi::ValType::I64,
    }
}

/// What a callback's context holds while it runs.
struct Ctx<'a> {
    mem: &'a mut dyn CustomContextVM,
    host: &'a mut dyn Host,
    /// A `strata_host_charge` ran out of gas.
    out_of_gas: bool,
    /// The last context access that failed.
    failure: Option<HostErrorKind>,
    /// The message given to `strata_host_fail`.
    message: Option<String>,
}

thread_local! {
    /// The context of the callback running on this thread (0: none).
    static CURRENT: Cell<usize> = const { Cell::new(0) };
    /// A journal callback is running on this thread.
    static IN_JOURNAL: Cell<bool> = const { Cell::new(false) };
}

/// Whether a host or journal callback is running on this thread (so a call
/// into the runtime would deadlock).
pub(crate) fn in_callback() -> bool {
    CURRENT.with(Cell::get) != 0 || IN_JOURNAL.with(Cell::get)
}

/// A journal hook: called with the user data given to
/// `strata_builder_set_journal`.
pub type StrataJournalCallback = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// The C side's journal: three hooks that make state the C side keeps for
/// its host functions follow the fate of each block, transaction and
/// nested call (the runtime's `Extension`).
#[derive(Clone, Copy)]
pub(crate) struct CJournal {
    checkpoint: unsafe extern "C" fn(*mut c_void),
    rollback: unsafe extern "C" fn(*mut c_void),
    commit: unsafe extern "C" fn(*mut c_void),
    user_data: *mut c_void,
}

// SAFETY: Strata only hands `user_data` back to the caller's hooks, on the
// thread executing a transaction; the header documents that it must be
// usable from any such thread.
unsafe impl Send for CJournal {}
// SAFETY: as above.
unsafe impl Sync for CJournal {}

impl CJournal {
    /// The journal of three non-null hooks.
    pub(crate) fn new(
        checkpoint: StrataJournalCallback,
        rollback: StrataJournalCallback,
        commit: StrataJournalCallback,
        user_data: *mut c_void,
    ) -> Result<Self, Error> {
        match (checkpoint, rollback, commit) {
            (Some(checkpoint), Some(rollback), Some(commit)) => Ok(CJournal {
                checkpoint,
                rollback,
                commit,
                user_data,
            }),
            _ => Err(Error::arg(
                "`checkpoint`, `rollback` and `commit` must all be given",
            )),
        }
    }

    fn call(&self, hook: unsafe extern "C" fn(*mut c_void)) {
        IN_JOURNAL.with(|j| j.set(true));
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                IN_JOURNAL.with(|j| j.set(false));
            }
        }
        let _reset = Reset;
        // SAFETY: a hook given at registration, called with its user data.
        unsafe { hook(self.user_data) }
    }
}

impl strata_runtime::Extension for CJournal {
    fn checkpoint(&mut self) {
        self.call(self.checkpoint);
    }
    fn rollback(&mut self) {
        self.call(self.rollback);
    }
    fn commit(&mut self) {
        self.call(self.commit);
    }
}

/// Restores the previous context when a callback returns (or unwinds).
struct Restore(usize);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// Calls `callback` as the host function `desc`.
fn invoke<M: CustomContextVM, H: Host>(
    desc: &'static HostFnDesc,
    callback: Callback,
    mem: &mut M,
    host: &mut H,
    args: &[Val],
) -> Result<i64, HostError> {
    let wrap = |kind| HostError::new(desc.module, desc.name, kind);
    host.charge(desc.gas.base).map_err(wrap)?;
    let mut widened = [0i64; MAX_PARAMS];
    for (slot, arg) in widened.iter_mut().zip(args) {
        *slot = match arg {
            Val::I32(v) => i64::from(*v),
            Val::I64(v) => *v,
            _ => {
                return Err(wrap(HostErrorKind::Host(
                    "a non-integer argument reached a C host function".into(),
                )));
            }
        };
    }
    let mut ctx = Ctx {
        mem,
        host,
        out_of_gas: false,
        failure: None,
        message: None,
    };
    let ptr = std::ptr::from_mut(&mut ctx).cast::<StrataHostCtx>();
    let mut result = 0i64;
    let rc = {
        let _restore = Restore(CURRENT.with(|c| c.replace(ptr as usize)));
        // SAFETY: a C function pointer given at registration, called with
        // the caller's user data, a context valid for this call, the
        // arguments (at most MAX_PARAMS, checked at registration) and a
        // writable result slot.
        unsafe {
            (callback.func)(
                callback.user_data,
                ptr,
                widened.as_ptr(),
                args.len().min(MAX_PARAMS),
                &mut result,
            )
        }
    };
    if ctx.out_of_gas {
        ctx.host.set_gas_left(0);
        return Err(wrap(HostErrorKind::OutOfGas));
    }
    match rc {
        STRATA_HOST_OK => Ok(result),
        STRATA_HOST_DENIED => Err(wrap(match (ctx.message, ctx.failure) {
            (Some(m), _) => HostErrorKind::Denied(m),
            (None, Some(kind)) => kind,
            (None, None) => HostErrorKind::Denied("refused by the host function".into()),
        })),
        other => Err(wrap(HostErrorKind::Host(match ctx.message {
            Some(m) => m,
            None if other == STRATA_HOST_FATAL => "the host function failed".into(),
            None => format!("the host function returned {other}, not a STRATA_HOST_* code"),
        }))),
    }
}

/// The most parameters a C host function may declare.
pub const STRATA_MAX_HOST_PARAMS: usize = 16;
const MAX_PARAMS: usize = STRATA_MAX_HOST_PARAMS;

/// Runs `f` on the context `ctx`, checking that it is the context of the
/// callback running on this thread.
fn with_ctx(
    ctx: *mut StrataHostCtx,
    f: impl FnOnce(&mut Ctx<'_>) -> Result<(), Error>,
) -> StrataStatus {
    guard(|| {
        if ctx.is_null() {
            return Err(Error::null("ctx"));
        }
        if ctx as usize != CURRENT.with(Cell::get) {
            return Err(Error::new(
                StrataStatus::STRATA_INVALID_HANDLE,
                "`ctx` is not the context of a host callback running on this thread: a context \
                 is valid only during its callback",
            ));
        }
        // SAFETY: `ctx` is the address of the `Ctx` that `invoke` made on its
        // stack for the callback now running on this thread (checked above),
        // which `invoke` does not touch until the callback returns; the
        // callback runs one context function at a time on this thread.
        let ctx = unsafe { &mut *ctx.cast::<Ctx<'_>>() };
        f(ctx).map(|()| StrataStatus::STRATA_OK)
    })
}

/// Records a failed access in the context and makes its error.
fn fail(ctx: &mut Ctx<'_>, status: StrataStatus, kind: HostErrorKind) -> Error {
    let e = Error::new(status, kind.to_string());
    ctx.failure = Some(kind);
    e
}

/// The gas left in the running call, into `*out`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_host_gas_left(
    ctx: *mut StrataHostCtx,
    out: *mut u64,
) -> StrataStatus {
    with_ctx(ctx, |c| {
        let left = c.host.gas_left();
        // SAFETY: the caller's promise for `out`.
        unsafe { ffi::write(out, left, "out") }
    })
}

/// Charges `gas` to the running call (on top of the gas declared at
/// registration, which is charged before the callback runs). More than is
/// left is `STRATA_OUT_OF_GAS`, leaves no gas, and fails the call with out of
/// gas whatever the callback then returns.
#[unsafe(no_mangle)]
pub extern "C" fn strata_host_charge(ctx: *mut StrataHostCtx, gas: u64) -> StrataStatus {
    with_ctx(ctx, |c| match c.host.charge(gas) {
        Ok(()) => Ok(()),
        Err(kind) => {
            c.out_of_gas = true;
            Err(fail(c, StrataStatus::STRATA_OUT_OF_GAS, kind))
        }
    })
}

/// Copies `len` bytes of guest memory at `offset` into `buf`. An access
/// past the end of memory is `STRATA_OUT_OF_BOUNDS` and copies nothing.
///
/// # Safety
///
/// `buf`, if not null, must be valid for `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_host_read_memory(
    ctx: *mut StrataHostCtx,
    offset: u32,
    buf: *mut u8,
    len: usize,
) -> StrataStatus {
    with_ctx(ctx, |c| {
        let len32 = u32::try_from(len).map_err(|_| Error::arg("`len` is over 4 GiB"))?;
        let bytes = match c.mem.data(offset, len32) {
            Ok(b) => b.to_vec(),
            Err(e) => {
                let kind = HostErrorKind::Memory {
                    arg: "offset",
                    error: e,
                };
                return Err(fail(c, StrataStatus::STRATA_OUT_OF_BOUNDS, kind));
            }
        };
        // SAFETY: the caller's promise for `buf`.
        unsafe { ffi::copy_out(&bytes, buf, len, "buf") }
    })
}

/// Writes the `len` bytes at `data` into guest memory at `offset`. An
/// access past the end of memory is `STRATA_OUT_OF_BOUNDS` and writes
/// nothing.
///
/// # Safety
///
/// `data`, if not null, must point to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_host_write_memory(
    ctx: *mut StrataHostCtx,
    offset: u32,
    data: *const u8,
    len: usize,
) -> StrataStatus {
    with_ctx(ctx, |c| {
        // SAFETY: the caller's promise for `data`.
        let bytes = unsafe { ffi::bytes(data, len, "data") }?;
        c.mem.write(offset, bytes).map_err(|e| {
            let kind = HostErrorKind::Memory {
                arg: "offset",
                error: e,
            };
            fail(c, StrataStatus::STRATA_OUT_OF_BOUNDS, kind)
        })
    })
}

/// Copies register `idx` of the bank of `bits`-bit registers into `buf`;
/// `len` must be the register's size in bytes (`bits / 8`). A bank or
/// index the execution does not have is `STRATA_OUT_OF_BOUNDS`.
///
/// # Safety
///
/// `buf`, if not null, must be valid for `len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_host_read_register(
    ctx: *mut StrataHostCtx,
    bits: u32,
    idx: u32,
    buf: *mut u8,
    len: usize,
) -> StrataStatus {
    with_ctx(ctx, |c| {
        let reg = match c.host.registers().get(bits, idx) {
            Ok(r) => r.to_vec(),
            Err(e) => {
                let kind = HostErrorKind::Register {
                    arg: "bits",
                    error: e,
                };
                return Err(fail(c, StrataStatus::STRATA_OUT_OF_BOUNDS, kind));
            }
        };
        // SAFETY: the caller's promise for `buf`.
        unsafe { ffi::copy_out(&reg, buf, len, "buf") }
    })
}

/// Writes the `len` bytes at `data` into register `idx` of the bank of
/// `bits`-bit registers; `len` must be the register's size in bytes. A
/// bank or index the execution does not have is `STRATA_OUT_OF_BOUNDS`.
///
/// # Safety
///
/// `data`, if not null, must point to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_host_write_register(
    ctx: *mut StrataHostCtx,
    bits: u32,
    idx: u32,
    data: *const u8,
    len: usize,
) -> StrataStatus {
    with_ctx(ctx, |c| {
        // SAFETY: the caller's promise for `data`.
        let bytes = unsafe { ffi::bytes(data, len, "data") }?;
        let reg = match c.host.registers().get_mut(bits, idx) {
            Ok(r) => r,
            Err(e) => {
                let kind = HostErrorKind::Register {
                    arg: "bits",
                    error: e,
                };
                return Err(fail(c, StrataStatus::STRATA_OUT_OF_BOUNDS, kind));
            }
        };
        if reg.len() != bytes.len() {
            return Err(Error::arg(format!(
                "`len` is {}, the register has {} bytes",
                bytes.len(),
                reg.len()
            )));
        }
        reg.copy_from_slice(bytes);
        Ok(())
    })
}

/// Sets the message of the callback's failure (copied), for a callback
/// that then returns `STRATA_HOST_DENIED` or `STRATA_HOST_FATAL`. Invalid
/// UTF-8 is replaced, not refused, so the failure always has a message;
/// `message` null is `STRATA_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `message`, if not null, must be NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_host_fail(
    ctx: *mut StrataHostCtx,
    message: *const c_char,
) -> StrataStatus {
    with_ctx(ctx, |c| {
        if message.is_null() {
            return Err(Error::null("message"));
        }
        // SAFETY: non-null and NUL-terminated, the caller's promise.
        let text = unsafe { std::ffi::CStr::from_ptr(message) };
        c.message = Some(text.to_string_lossy().into_owned());
        Ok(())
    })
}

/// The interned declarations: one leaked copy per distinct module
/// declaration, reachable from here for the life of the process.
/// A plain list (there are a few modules at most), so that what it holds is
/// reachable from its start: valgrind reports it as still reachable, never
/// as possibly lost.
#[allow(clippy::type_complexity)]
static INTERNED: Mutex<Vec<(String, &'static str, &'static [HostFnDesc])>> = Mutex::new(Vec::new());

/// Makes the `'static` name and descriptors of module `name` with
/// `functions`.
fn intern(name: &str, functions: &[&Registered]) -> (&'static str, &'static [HostFnDesc]) {
    let key = format!(
        "{name}\0{}",
        functions
            .iter()
            .map(|f| format!("{}:{:?}:{:?}:{}", f.name, f.params, f.result, f.gas))
            .collect::<Vec<_>>()
            .join("\0")
    );
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, module, descs)) = interned.iter().find(|(k, _, _)| *k == key) {
        return (module, descs);
    }
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let module: &'static str = leak(name);
    let descs: Vec<HostFnDesc> = functions
        .iter()
        .map(|f| {
            let params: Vec<(&'static str, ValType)> =
                f.params.iter().map(|t| ("arg", *t)).collect();
            let results: Vec<ValType> = f.result.into_iter().collect();
            let name = leak(&f.name);
            HostFnDesc {
                module,
                name,
                // One signature per name: linked under the name itself.
                symbol: name,
                params: Box::leak(params.into_boxed_slice()),
                results: Box::leak(results.into_boxed_slice()),
                gas: GasCost {
                    base: f.gas,
                    per_byte: None,
                },
                docs: "A host function written in C (strata-capi).\n",
            }
        })
        .collect();
    let descs: &'static [HostFnDesc] = Box::leak(descs.into_boxed_slice());
    interned.push((key, module, descs));
    (module, descs)
}

/// The import modules of `functions`, grouped by module name in order of
/// first registration.
pub(crate) fn modules(functions: &[Registered]) -> Vec<DynModule> {
    let mut names: Vec<&str> = Vec::new();
    for f in functions {
        if !names.contains(&f.module.as_str()) {
            names.push(&f.module);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let mine: Vec<&Registered> = functions.iter().filter(|f| f.module == name).collect();
            let (module, descs) = intern(name, &mine);
            DynModule {
                name: module,
                functions: descs,
                callbacks: mine.iter().map(|f| f.callback).collect(),
            }
        })
        .collect()
}

/// Checks a registration's arguments and makes it.
///
/// # Safety
///
/// The pointers must be as [`strata_builder_add_host_function`] requires.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn registration(
    module: *const c_char,
    name: *const c_char,
    params: *const u32,
    params_len: usize,
    result: u32,
    gas: u64,
    callback: StrataHostCallback,
    user_data: *mut c_void,
) -> Result<Registered, Error> {
    // SAFETY: the caller's promises, passed on.
    let module = unsafe { ffi::string(module, "module") }?;
    // SAFETY: as above.
    let name = unsafe { ffi::string(name, "name") }?;
    // SAFETY: as above.
    let params = unsafe { ffi::slice(params, params_len, "params") }?;
    let func = callback.ok_or_else(|| Error::null("callback"))?;
    if module.is_empty() || name.is_empty() {
        return Err(Error::arg("`module` and `name` must not be empty"));
    }
    if params.len() > MAX_PARAMS {
        return Err(Error::arg(format!(
            "{} parameters: a C host function takes at most {MAX_PARAMS}",
            params.len()
        )));
    }
    let ty = |t: u32, what: &str| match t {
        STRATA_TYPE_I32 => Ok(ValType::I32),
        STRATA_TYPE_I64 => Ok(ValType::I64),
        other => Err(Error::arg(format!(
            "{what}: {other} is neither STRATA_TYPE_I32 (1) nor STRATA_TYPE_I64 (2)"
        ))),
    };
    let params = params
        .iter()
        .enumerate()
        .map(|(i, t)| ty(*t, &format!("params[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let result = match result {
        STRATA_TYPE_NONE => None,
        other => Some(ty(other, "result")?),
    };
    Ok(Registered {
        module: module.to_owned(),
        name: name.to_owned(),
        params,
        result,
        gas,
        callback: Callback { func, user_data },
    })
}

impl Registered {
    /// `module.name`.
    pub(crate) fn full_name(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}
