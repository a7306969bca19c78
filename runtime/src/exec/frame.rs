//! Frames: one contract function in one wasmi store, with the
//! transaction's state moved in and out; opening a contract's storage;
//! instantiating and calling.

use std::sync::Arc;

use smallvec::SmallVec;
use strata_host_fns::{Address, CallContext, CallStatus, WasmiState};
use strata_kv::KvStore;
use strata_pages::{Hash32, PageCache, PageCacheConfig, StateRoot, tree};
use strata_slices::Slices;
use wasmi::{Store, Val};

use super::reuse::{Handles, Pooled, ResetPlan, idle_host};
use super::*;
use crate::caches::EngineModule;
use crate::{Account, Arg, ErrorKind, RuntimeError, Shared, TxError};

/// One contract function to run.
pub(crate) struct Frame<'a> {
    pub address: Address,
    pub sender: Address,
    pub function: &'a str,
    pub args: &'a [Arg],
    pub input: Vec<u8>,
    pub gas_limit: u64,
    /// A contract-to-contract call: the function must take no parameters.
    pub nested: bool,
}

pub(crate) struct FrameOutcome {
    pub result: Result<Vec<Arg>, Failure>,
    pub gas_used: u64,
    pub return_data: Vec<u8>,
}

impl FrameOutcome {
    pub(crate) fn failed(failure: Failure, gas_used: u64) -> Self {
        FrameOutcome {
            result: Err(failure),
            gas_used,
            return_data: Vec::new(),
        }
    }
}

/// Where a contract's storage stands, from its account.
#[derive(Clone, Copy)]
pub(crate) struct StorageRoot {
    pub state_root: StateRoot,
    pub page_count: u32,
    pub tree_root: Hash32,
}

impl StorageRoot {
    pub fn of(account: &Account) -> Self {
        StorageRoot {
            state_root: account.state_root,
            page_count: account.page_count,
            tree_root: account.tree_root,
        }
    }
}

/// The page cache configuration of every contract: no root records, as the
/// account keeps the page count and tree root.
pub(crate) fn contract_pages(capacity: usize) -> PageCacheConfig {
    PageCacheConfig::with_capacity(capacity).without_root_records()
}

/// Opens the committed storage of the contract at `address` from its
/// account's page count and tree root, after checking that they make the
/// account's state root.
pub(crate) fn open_contract_pages<K: KvStore>(
    kv: K,
    address: &Address,
    root: StorageRoot,
    capacity: usize,
) -> Result<PageCache<K>, RuntimeError> {
    if tree::state_root(root.page_count, &root.tree_root) != root.state_root {
        return Err(RuntimeError::Corrupt {
            what: "account",
            key: address.to_hex(),
            detail: "its page count and tree root do not make its state root".into(),
        });
    }
    Ok(PageCache::open_at(
        kv,
        root.page_count,
        root.tree_root,
        contract_pages(capacity),
    )?)
}

/// Opens the storage of `address` in the transaction (from the contract
/// cache when its root is current).
pub(crate) fn open_storage<K: KvStore + 'static>(
    shared: &Shared<K>,
    state: &mut TxState<K>,
    address: Address,
    root: StorageRoot,
) -> Result<(), RuntimeError> {
    if state.storages.contains_key(&address) {
        return Ok(());
    }
    let cached = state.caches.take_contract_cache(&address, root.state_root);
    let cache = match cached {
        Some(c) => c,
        None => open_contract_pages(
            state.kv.clone(),
            &address,
            root,
            shared.config.pages_per_contract,
        )?,
    };
    state.storages.insert(address, Slices::new(cache));
    Ok(())
}

/// Runs one frame. The transaction state goes in and comes back whatever
/// the contract does; only a lost state (which the code never allows) is an
/// error.
pub(crate) fn run_frame<K: KvStore + 'static>(
    shared: &Arc<Shared<K>>,
    state: Box<TxState<K>>,
    frame: Frame<'_>,
) -> Result<(Box<TxState<K>>, FrameOutcome), RuntimeError> {
    let (state, outcome) = crate::stack::with_stack(|| run_frame_inner(shared, state, frame));
    Ok((
        state.ok_or_else(|| RuntimeError::Internal("transaction state lost".into()))?,
        outcome,
    ))
}

pub(crate) fn run_frame_inner<K: KvStore + 'static>(
    shared: &Arc<Shared<K>>,
    mut state: Box<TxState<K>>,
    mut frame: Frame<'_>,
) -> (Option<Box<TxState<K>>>, FrameOutcome) {
    // Account, registers, code and storage.
    let st = &mut *state;
    let (code_hash, storage_root, registers) =
        match account_in(&st.kv, &mut st.accounts, &frame.address) {
            Ok(Some(a)) if a.is_contract() => (
                a.code_hash,
                StorageRoot::of(a),
                st.caches
                    .layout(&shared.config, &frame.address, &a.banks)
                    .map(|layout| registers_for(&mut st.spare_registers, layout)),
            ),
            Ok(_) => {
                let f = missing(
                    CallStatus::NoContract,
                    format!("no contract at address {}", frame.address),
                );
                return (Some(state), FrameOutcome::failed(f, 0));
            }
            Err(e) => return (Some(state), FrameOutcome::failed(e.into(), 0)),
        };
    let Some(code_hash) = code_hash else {
        let f = missing(CallStatus::NoContract, "no contract");
        return (Some(state), FrameOutcome::failed(f, 0));
    };
    let st = &mut *state;
    let module = match st.caches.module(shared, &code_hash, &st.new_code) {
        Ok(m) => m,
        Err(e) => return (Some(state), FrameOutcome::failed(e.into(), 0)),
    };
    let gas = shared.config.gas;
    let instantiate_cost = gas.instantiate_base.saturating_add(
        gas.instantiate_per_kib
            .saturating_mul(module.runnable_len.div_ceil(1024) as u64),
    );
    if instantiate_cost > frame.gas_limit {
        let f = Failure::Tx(TxError::new(
            ErrorKind::OutOfGas,
            format!(
                "instantiating the contract costs {instantiate_cost} gas; the limit is {}",
                frame.gas_limit
            ),
        ));
        return (Some(state), FrameOutcome::failed(f, frame.gas_limit));
    }
    let fuel = frame.gas_limit - instantiate_cost;
    if let Err(e) = open_storage(shared, &mut state, frame.address, storage_root) {
        return (Some(state), FrameOutcome::failed(e.into(), 0));
    }
    let mut registers = match registers {
        Ok(r) => r,
        Err(e) => {
            let f = Failure::Fatal(RuntimeError::Corrupt {
                what: "account",
                key: frame.address.to_hex(),
                detail: format!("stored register banks are invalid: {e}"),
            });
            return (Some(state), FrameOutcome::failed(f, 0));
        }
    };
    let probed = !frame.nested && state.call_stack.is_empty();
    if let (true, Some(probe)) = (probed, &state.probe)
        && let Err(f) = probe.seed(&mut registers)
    {
        return (Some(state), FrameOutcome::failed(f, 0));
    }
    // A pooled instance of this code, if it may be reused (`reuse.rs`).
    let pooled = match (&module.module, &module.reset) {
        (EngineModule::Wasmi(_), Some(_)) => state.caches.take_instance(&code_hash),
        _ => None,
    };
    let host = TxHost {
        shared: Some(shared.clone()),
        context: CallContext {
            address: frame.address,
            sender: frame.sender,
            block_height: state.block.height,
            block_time: state.block.time,
        },
        state: None,
        registers,
        input: std::mem::take(&mut frame.input),
        return_data: Vec::new(),
        last_call_return: Vec::new(),
        gas: 0,
        limits: shared.config.store_limits(),
        fatal: None,
    };
    state.call_stack.push(frame.address);
    let mut host = host;
    host.state = Some(state);
    let (mut host, mut result, fuel_left, reusable) = match &module.module {
        EngineModule::Wasmi(m) => {
            let instance = Instance {
                module: m,
                plan: module.reset.as_ref(),
                pooled,
            };
            run_wasmi(shared, host, instance, &frame, fuel)
        }
        #[cfg(feature = "wasmtime")]
        EngineModule::Wasmtime(m) => {
            let (host, result, fuel_left) =
                super::wasmtime_engine::run(shared, host, m, &frame, fuel);
            (host, result, fuel_left, None)
        }
    };
    // The nested maps the frame got into slices go back into their entries
    // when it ended well; its links end with it either way.
    host.gas = fuel_left;
    let ended_well = result.is_ok() && host.fatal.is_none();
    if let Err(crate::maps::FoldFailure::OutOfGas) = host.fold_nested_maps(ended_well) {
        result = Err(Failure::Tx(TxError::new(
            ErrorKind::OutOfGas,
            "out of gas folding the nested maps the call changed back into their parents",
        )));
    }
    let fuel_left = host.gas;
    let Some(mut state) = host.state.take() else {
        let f = Failure::Fatal(RuntimeError::Internal("transaction state lost".into()));
        return (None, FrameOutcome::failed(f, frame.gas_limit));
    };
    state.call_stack.pop();
    if let Some(pooled) = reusable {
        state.caches.put_instance(code_hash, pooled);
    }
    if let (true, Some(probe)) = (probed, state.probe.as_mut()) {
        probe.capture(&host.registers);
    }
    spare_registers(&mut state.spare_registers, host.registers);
    let mut gas_used = frame.gas_limit.saturating_sub(fuel_left);
    // A failure of the runtime itself outranks whatever the contract saw.
    let result = match (host.fatal.take(), result) {
        (Some(fatal), _) => Err(Failure::Fatal(fatal)),
        (None, Ok(values)) => Ok(values),
        (None, Err(failure)) => {
            if let Failure::Tx(TxError {
                kind: ErrorKind::OutOfGas,
                ..
            }) = &failure
            {
                gas_used = frame.gas_limit;
            }
            Err(failure)
        }
    };
    (
        Some(state),
        FrameOutcome {
            result,
            gas_used,
            return_data: host.return_data,
        },
    )
}

/// What a frame on wasmi gives back: the host, the result, the fuel left,
/// and the store to pool again (reset).
type WasmiRun<K> = (TxHost<K>, Result<Vec<Arg>, Failure>, u64, Option<Pooled<K>>);

/// What a frame runs on wasmi: the module, its reset plan if its instances
/// may be reused, and a pooled instance of it if one is free.
struct Instance<'a, K: KvStore + 'static> {
    module: &'a wasmi::Module,
    plan: Option<&'a Arc<ResetPlan>>,
    pooled: Option<Pooled<K>>,
}

/// Runs `frame` on wasmi: in the pooled store if there is one, else in a
/// fresh store around `host`; the fuel in, and the host, the result, the
/// fuel left and the store to pool again (reset) out.
fn run_wasmi<K: KvStore + 'static>(
    shared: &Shared<K>,
    host: TxHost<K>,
    instance: Instance<'_, K>,
    frame: &Frame<'_>,
    fuel: u64,
) -> WasmiRun<K> {
    if let Some(mut pooled) = instance.pooled {
        let idle = std::mem::replace(&mut pooled.store.data_mut().host, host);
        let made = pooled.instance();
        let result = set_fuel(&mut *pooled.store, fuel).and_then(|()| {
            call_instance(
                &mut *pooled.store,
                made,
                frame.function,
                frame.args,
                frame.nested,
            )
        });
        let fuel_left = pooled.store.get_fuel().unwrap_or(0);
        let host = std::mem::replace(&mut pooled.store.data_mut().host, idle);
        let again = pooled.reset().then_some(pooled);
        return (host, result, fuel_left, again);
    }
    let mut store = Store::new(&shared.engine, WasmiState::new(host));
    store.limiter(|s| &mut s.host.limits);
    // The handles a reset needs are taken before the call, while the
    // instance is as instantiation left it.
    let (handles, result) = match set_fuel(&mut store, fuel)
        .and_then(|()| instantiate(shared, &mut store, instance.module))
    {
        Ok(made) => (
            instance
                .plan
                .and_then(|plan| Handles::of(&store, made, plan.clone())),
            call_instance(&mut store, made, frame.function, frame.args, frame.nested),
        ),
        Err(f) => (None, Err(f)),
    };
    let fuel_left = store.get_fuel().unwrap_or(0);
    // An instance that was made (whatever the call did) may be pooled once
    // it resets.
    match handles {
        Some(handles) => {
            let idle = idle_host(store.data().host.limits.clone());
            let host = std::mem::replace(&mut store.data_mut().host, idle);
            (host, result, fuel_left, Pooled::reset_from(store, handles))
        }
        None => (store.into_data().host, result, fuel_left, None),
    }
}

/// Checks a call of `function`, whose parameters have the types named
/// `params` (`i32`, `i64`, or `unsupported`), with `args`: the same rule and
/// the same messages on every engine.
pub(crate) fn check_call(
    function: &str,
    params: &[&'static str],
    args: &[Arg],
    nested: bool,
) -> Result<(), Failure> {
    if nested && !params.is_empty() {
        return Err(missing(
            CallStatus::NoFunction,
            format!(
                "no function {function:?} without parameters: contract calls pass input \
                 bytes, and this function takes ({})",
                params.join(", ")
            ),
        ));
    }
    let given: SmallVec<[&'static str; 4]> = args.iter().map(arg_type_name).collect();
    if params != &given[..] {
        return Err(invalid(format!(
            "function {function:?} takes ({}) but was given ({})",
            params.join(", "),
            given.join(", ")
        )));
    }
    Ok(())
}

fn arg_type_name(a: &Arg) -> &'static str {
    match a {
        Arg::I32(_) => "i32",
        Arg::I64(_) => "i64",
    }
}

/// The error of a call of a function the contract does not export.
pub(crate) fn no_function(function: &str) -> Failure {
    missing(
        CallStatus::NoFunction,
        format!("no function {function:?} is exported by the contract"),
    )
}

pub(crate) fn wasm_type_name(t: &wasmi::ValType) -> &'static str {
    match t {
        wasmi::ValType::I32 => "i32",
        wasmi::ValType::I64 => "i64",
        _ => "unsupported",
    }
}

fn set_fuel<T>(store: &mut Store<T>, fuel: u64) -> Result<(), Failure> {
    store
        .set_fuel(fuel)
        .map_err(|e| Failure::Fatal(RuntimeError::Internal(e.to_string())))
}

/// Instantiates `module` in `store` (which holds no instance yet), and
/// gives the host functions its memory.
fn instantiate<K: KvStore + 'static>(
    shared: &Shared<K>,
    store: &mut Store<WasmiState<TxHost<K>>>,
    module: &wasmi::Module,
) -> Result<wasmi::Instance, Failure> {
    let instance = shared
        .linker
        .instantiate_and_start(&mut *store, module)
        .map_err(classify)?;
    let memory = instance.get_memory(&*store, strata_vm_abstraction::MEMORY_EXPORT);
    store.data_mut().memory = memory;
    Ok(instance)
}

/// Calls `function` of `instance` with `args`.
fn call_instance<K: KvStore + 'static>(
    store: &mut Store<WasmiState<TxHost<K>>>,
    instance: wasmi::Instance,
    function: &str,
    args: &[Arg],
    nested: bool,
) -> Result<Vec<Arg>, Failure> {
    let func = instance
        .get_func(&*store, function)
        .ok_or_else(|| no_function(function))?;
    let ty = func.ty(&*store);
    let params: SmallVec<[&'static str; 4]> = ty.params().iter().map(wasm_type_name).collect();
    check_call(function, &params, args, nested)?;
    // Most functions take and return a few scalars: no allocation for them.
    let vals: SmallVec<[Val; 4]> = args
        .iter()
        .map(|a| match a {
            Arg::I32(v) => Val::I32(*v),
            Arg::I64(v) => Val::I64(*v),
        })
        .collect();
    let mut results: SmallVec<[Val; 4]> = ty
        .results()
        .iter()
        .map(|t| Val::default_for_ty(*t))
        .collect();
    func.call(&mut *store, &vals, &mut results)
        .map_err(classify)?;
    results
        .iter()
        .map(|v| match v {
            Val::I32(x) => Ok(Arg::I32(*x)),
            Val::I64(x) => Ok(Arg::I64(*x)),
            other => Err(invalid(format!("unsupported result {other:?}"))),
        })
        .collect()
}
