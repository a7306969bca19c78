//! The second engine: frames on wasmtime (feature `wasmtime`).
//!
//! Everything but the engine is shared with wasmi: the frame's setup and
//! teardown (`frame.rs`), the host (`TxHost`), the host functions (linked
//! from the same table by `host_functions!`'s `link_wasmtime`), the call
//! checks and their messages, and the classification of failures. What is
//! wasmtime's own is here: its configuration (the same wasm features as
//! wasmi's, fuel on), its linker, compiling a module, running a frame in a
//! fresh store, the resource limiter, and turning its errors into the same
//! [`Failure`]s (a trap becomes the wasmi trap of the same code, so kind
//! and message agree).

use std::sync::Arc;

use smallvec::SmallVec;
use strata_host_fns::{HostError, Strata, Svm, WasmtimeState};
use strata_kv::KvStore;
use wasmtime::{Config, Engine, Linker, Module, ResourceLimiter, Store, Trap, Val, ValType};

use super::*;
use crate::{Arg, ErrorKind, RuntimeConfig, RuntimeError, Shared, TxError};

/// A frame's store data on wasmtime.
type State<K> = WasmtimeState<TxHost<K>>;

/// Links one embedder module into the wasmtime linker.
pub(crate) type WasmtimeLinkFn<K> =
    Box<dyn Fn(&mut Linker<State<K>>) -> wasmtime::Result<()> + Send + Sync>;

/// The bytes of native stack wasm code may use per frame of
/// [`Limits::max_recursion_depth`](crate::Limits::max_recursion_depth):
/// wasmtime bounds its stack in bytes, wasmi in frames.
const STACK_PER_FRAME: usize = 512;

/// The most native stack wasm code may use on wasmtime, whatever the
/// recursion limit: well inside the 1 MiB the runtime keeps free below
/// each frame ([`stack::RED_ZONE`](crate::stack::RED_ZONE)), so that the
/// host functions it calls (a nested contract call among them) have room.
const MAX_WASM_STACK: usize = 640 * 1024;

/// The wasmtime engine and linker of a runtime.
pub(crate) struct WasmtimeBackend<K: KvStore + 'static> {
    engine: Engine,
    linker: Linker<State<K>>,
}

/// The wasmtime configuration contracts run under: the wasm features of
/// [`strata_wasm_rules::allowed_features`] (the MVP, mutable globals, sign
/// extension, multi-value, bulk memory; no SIMD, threads, reference types,
/// tail calls, multi-memory, memory64 or later proposals; threads and the
/// reference-type proposals are not even compiled in), fuel metering,
/// the stack bound, no backtraces, and NaNs canonicalised (floats never
/// pass deploy validation; this holds even so).
pub(crate) fn wasmtime_config(config: &RuntimeConfig) -> Config {
    let mut c = Config::new();
    c.consume_fuel(true)
        .wasm_backtrace(false)
        .wasm_bulk_memory(true)
        .wasm_multi_value(true)
        .wasm_simd(false)
        .wasm_relaxed_simd(false)
        .wasm_tail_call(false)
        .wasm_multi_memory(false)
        .wasm_memory64(false)
        .wasm_extended_const(false)
        .wasm_wide_arithmetic(false)
        .wasm_custom_page_sizes(false)
        .cranelift_nan_canonicalization(true)
        .max_wasm_stack(
            config
                .limits
                .max_recursion_depth
                .saturating_mul(STACK_PER_FRAME)
                .clamp(64 * 1024, MAX_WASM_STACK),
        );
    c
}

impl<K: KvStore + 'static> WasmtimeBackend<K> {
    /// The engine and linker: the built-in modules, then each embedder
    /// module's wasmtime binding (`None` for one that has none, such as an
    /// external module, which fails the build).
    pub(crate) fn new<'a>(
        config: &RuntimeConfig,
        modules: impl IntoIterator<Item = (&'static str, Option<&'a WasmtimeLinkFn<K>>)>,
    ) -> Result<Self, RuntimeError> {
        let link_err = |e: wasmtime::Error| RuntimeError::Link(format!("wasmtime: {e}"));
        let engine = Engine::new(&wasmtime_config(config)).map_err(link_err)?;
        let mut linker = Linker::new(&engine);
        Svm::link_wasmtime(&mut linker).map_err(link_err)?;
        Strata::link_wasmtime(&mut linker).map_err(link_err)?;
        for (name, link) in modules {
            let link = link.ok_or_else(|| {
                RuntimeError::Link(format!(
                    "import module {name:?} is external, and external modules run on wasmi \
                     only"
                ))
            })?;
            link(&mut linker).map_err(link_err)?;
        }
        Ok(WasmtimeBackend { engine, linker })
    }

    /// Compiles `code` (already validated at deploy) with cranelift.
    pub(crate) fn compile(&self, code: &[u8]) -> Result<Module, String> {
        Module::new(&self.engine, code).map_err(|e| e.to_string())
    }
}

/// Why a `memory.grow` or `table.grow` was refused: over the runtime's
/// limit. A typed error, so that the
/// failure is classified by type.
#[derive(Debug, thiserror::Error)]
enum GrowDenied {
    #[error("memory growth denied")]
    Memory,
    #[error("table growth denied")]
    Table,
}

/// The frame's limits on wasmtime, as [`RuntimeConfig::store_limits`] on
/// wasmi: memory up to `max_memory_pages`, tables up to
/// `max_table_elements`, one instance, and a trap (not `-1`) for a growth
/// over the limit; a growth past the module's own maximum is `-1`, as the
/// wasm spec (and wasmi) has it.
impl<K: KvStore + 'static> ResourceLimiter for TxHost<K> {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        let limit = self
            .shared
            .as_ref()
            .map_or(0, |s| s.config.limits.max_memory_pages as usize * 65_536);
        if desired > limit {
            return Err(wasmtime::Error::new(GrowDenied::Memory));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        let limit = self
            .shared
            .as_ref()
            .map_or(0, |s| s.config.limits.max_table_elements as usize);
        if desired > limit {
            return Err(wasmtime::Error::new(GrowDenied::Table));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        1
    }
}

/// Runs `frame` on wasmtime: a fresh store around `host`, the fuel in, and
/// the host, the result and the fuel left out (as `run_wasmi`).
pub(crate) fn run<K: KvStore + 'static>(
    shared: &Arc<Shared<K>>,
    host: TxHost<K>,
    module: &Module,
    frame: &Frame<'_>,
    fuel: u64,
) -> (TxHost<K>, Result<Vec<Arg>, Failure>, u64) {
    let Some(backend) = &shared.wasmtime else {
        let f = Failure::Fatal(RuntimeError::Internal(
            "a wasmtime module without the wasmtime engine".into(),
        ));
        return (host, Err(f), 0);
    };
    let mut store = Store::new(&backend.engine, WasmtimeState::new(host));
    store.limiter(|s| &mut s.host);
    let result = execute(backend, &mut store, module, frame, fuel);
    let fuel_left = store.get_fuel().unwrap_or(0);
    (store.into_data().host, result, fuel_left)
}

fn execute<K: KvStore + 'static>(
    backend: &WasmtimeBackend<K>,
    store: &mut Store<State<K>>,
    module: &Module,
    frame: &Frame<'_>,
    fuel: u64,
) -> Result<Vec<Arg>, Failure> {
    store
        .set_fuel(fuel)
        .map_err(|e| Failure::Fatal(RuntimeError::Internal(e.to_string())))?;
    let instance = backend
        .linker
        .instantiate(&mut *store, module)
        .map_err(classify_wasmtime)?;
    let memory = instance.get_memory(&mut *store, strata_vm_abstraction::MEMORY_EXPORT);
    store.data_mut().memory = memory;
    let function = frame.function;
    let func = instance
        .get_func(&mut *store, function)
        .ok_or_else(|| no_function(function))?;
    let ty = func.ty(&*store);
    let params: SmallVec<[&'static str; 4]> = ty.params().map(|t| type_name(&t)).collect();
    check_call(function, &params, frame.args, frame.nested)?;
    let vals: SmallVec<[Val; 4]> = frame
        .args
        .iter()
        .map(|a| match a {
            Arg::I32(v) => Val::I32(*v),
            Arg::I64(v) => Val::I64(*v),
        })
        .collect();
    let mut results: SmallVec<[Val; 4]> = ty
        .results()
        .map(|t| match t {
            ValType::I64 => Val::I64(0),
            _ => Val::I32(0),
        })
        .collect();
    if let Some(other) = ty.results().find(|t| type_name(t) == "unsupported") {
        return Err(invalid(format!("unsupported result type {other}")));
    }
    func.call(&mut *store, &vals, &mut results)
        .map_err(classify_wasmtime)?;
    results
        .iter()
        .map(|v| match v {
            Val::I32(x) => Ok(Arg::I32(*x)),
            Val::I64(x) => Ok(Arg::I64(*x)),
            _ => Err(invalid("unsupported result")),
        })
        .collect()
}

fn type_name(t: &ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        _ => "unsupported",
    }
}

/// Turns a wasmtime error into the failure wasmi's error of the same cause
/// gives: a host function's error as it is, a trap as the wasmi trap of
/// the same code (same kind, same message), a refused growth as wasmi's
/// refused growth (`GrowthOperationLimited`). Classified by type, never by text.
pub(crate) fn classify_wasmtime(e: wasmtime::Error) -> Failure {
    if let Some(h) = e.downcast_ref::<HostError>() {
        return host_failure(h);
    }
    if e.downcast_ref::<GrowDenied>().is_some() {
        // What wasmi's limiter gives for a refused growth, memory or table.
        return classify(wasmi::Error::from(wasmi::TrapCode::GrowthOperationLimited));
    }
    if let Some(trap) = e.downcast_ref::<Trap>() {
        if let Some(code) = wasmi_trap(*trap) {
            return classify(wasmi::Error::from(code));
        }
        return Failure::Tx(TxError::new(ErrorKind::Trap, trap.to_string()));
    }
    Failure::Tx(TxError::new(ErrorKind::Trap, e.to_string()))
}

/// The wasmi trap code of a wasmtime trap, for the traps a validated
/// contract can meet.
fn wasmi_trap(trap: Trap) -> Option<wasmi::TrapCode> {
    use wasmi::TrapCode as W;
    Some(match trap {
        Trap::StackOverflow => W::StackOverflow,
        Trap::MemoryOutOfBounds | Trap::HeapMisaligned => W::MemoryOutOfBounds,
        Trap::TableOutOfBounds => W::TableOutOfBounds,
        Trap::IndirectCallToNull => W::IndirectCallToNull,
        Trap::BadSignature => W::BadSignature,
        Trap::IntegerOverflow => W::IntegerOverflow,
        Trap::IntegerDivisionByZero => W::IntegerDivisionByZero,
        Trap::BadConversionToInteger => W::BadConversionToInteger,
        Trap::UnreachableCodeReached => W::UnreachableCodeReached,
        Trap::OutOfFuel => W::OutOfFuel,
        Trap::AllocationTooLarge => W::OutOfSystemMemory,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_and_message(f: Failure) -> (ErrorKind, String) {
        match f {
            Failure::Tx(e) => (e.kind, e.message),
            _ => panic!("a wasm error fails the transaction"),
        }
    }

    #[test]
    fn traps_are_wasmis_traps_of_the_same_code() {
        for (trap, code) in [
            (Trap::OutOfFuel, wasmi::TrapCode::OutOfFuel),
            (Trap::StackOverflow, wasmi::TrapCode::StackOverflow),
            (
                Trap::UnreachableCodeReached,
                wasmi::TrapCode::UnreachableCodeReached,
            ),
            (Trap::MemoryOutOfBounds, wasmi::TrapCode::MemoryOutOfBounds),
            (
                Trap::IntegerDivisionByZero,
                wasmi::TrapCode::IntegerDivisionByZero,
            ),
            (
                Trap::IndirectCallToNull,
                wasmi::TrapCode::IndirectCallToNull,
            ),
        ] {
            assert_eq!(
                kind_and_message(classify_wasmtime(wasmtime::Error::new(trap))),
                kind_and_message(classify(wasmi::Error::from(code))),
                "{trap:?}"
            );
        }
        let (kind, _) = kind_and_message(classify_wasmtime(wasmtime::Error::new(Trap::OutOfFuel)));
        assert_eq!(kind, ErrorKind::OutOfGas);
        let (kind, _) =
            kind_and_message(classify_wasmtime(wasmtime::Error::new(Trap::StackOverflow)));
        assert_eq!(kind, ErrorKind::StackOverflow);
    }

    #[test]
    fn refused_growth_is_a_resource_limit_and_text_never_decides() {
        let (kind, _) =
            kind_and_message(classify_wasmtime(wasmtime::Error::new(GrowDenied::Memory)));
        assert_eq!(kind, ErrorKind::ResourceLimit);
        let (kind, _) =
            kind_and_message(classify_wasmtime(wasmtime::Error::new(GrowDenied::Table)));
        assert_eq!(kind, ErrorKind::ResourceLimit);
        let (kind, _) = kind_and_message(classify_wasmtime(wasmtime::Error::msg(
            "stack overflow, limit",
        )));
        assert_eq!(kind, ErrorKind::Trap);
    }

    #[test]
    fn host_errors_keep_their_kind_and_message() {
        let e = HostError::new("strata", "f", strata_host_fns::HostErrorKind::ReadOnly);
        let (kind, message) = kind_and_message(classify_wasmtime(wasmtime::Error::new(e.clone())));
        assert_eq!((kind, message), (ErrorKind::ReadOnly, e.to_string()));
    }
}
