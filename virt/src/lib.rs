//! Run an untrusted wasm program step by step: instantiate it, run an export
//! until it finishes or makes a syscall, handle the syscall yourself, resume
//! the program with the syscall's result.
//!
//! This is the interface Substrate's sp-virtualization gives a runtime, on
//! wasmi's resumable calls: [`Virt::instantiate`], [`Virt::run`] with a gas
//! budget and an [`ExecAction`] (`Execute`, `Resume`, and beyond
//! sp-virtualization `Refuel`), an [`ExecOutcome`] (`Finished` or
//! `Syscall`), and [`Virt::memory`] to read and write the instance's memory
//! between steps through the [`CustomContextVM`] trait every Strata host
//! function is written over. It knows nothing of storage or of the runtime:
//! anyone can use it alone.
//!
//! The key design decision: **a syscall never answers inside the call.** Each
//! import is bound to a host function that records its number and arguments
//! and suspends the program (a wasmi host trap kept resumable); the caller
//! gets control back between steps, with the whole instance (memory
//! included) at its disposal, and no re-entrancy: calling `Execute` while a
//! syscall is pending is [`ExecError::InvalidInstance`], so a syscall handler
//! cannot recurse into the instance it serves.
//!
//! # Syscall numbering
//!
//! A syscall is a function imported from module [`SYSCALL_MODULE`] (`"virt"`)
//! under the name `syscall_<n>`, `n` in decimal without leading zeros (a
//! `u32`). The number is in the name, not in the import's position: import
//! order is an accident of the toolchain (linkers reorder and deduplicate
//! imports, and adding an import would renumber every later one), while a
//! name is what the program's author wrote. A syscall takes up to six i32 or
//! i64 arguments (passed to the caller as `u64`, an i32 sign-extended, so
//! `a as u32` recovers it) and returns nothing or one i32 or i64 (the resume
//! value is truncated to an i32 result, and ignored for no result).
//!
//! # Gas
//!
//! Gas is wasmi fuel, under the same deterministic engine settings as
//! contracts. `gas_left` goes in with every step (a negative budget counts as
//! zero) and comes out in the outcome. Running out is
//! [`ExecError::OutOfGas`]; the instance keeps its place, and
//! `run(more, ExecAction::Refuel)` continues, so a caller can time-slice a
//! long computation and be charged exactly what one run would charge.
//!
//! # Example
//!
//! ```
//! use strata_virt::{CustomContextVM, ExecAction, ExecOutcome, Virt};
//!
//! let program = wat::parse_str(r#"
//!     (module
//!       (import "virt" "syscall_7" (func $double (param i64) (result i64)))
//!       (memory (export "memory") 1)
//!       (func (export "main")
//!         (i64.store (i32.const 0) (call $double (i64.load (i32.const 0))))))
//! "#)?;
//! let mut virt = Virt::instantiate(&program)?;
//! virt.memory()?.write(0, &21u64.to_le_bytes())?;
//!
//! let mut outcome = virt.run(1_000_000, ExecAction::Execute("main".into()))?;
//! while let ExecOutcome::Syscall { gas_left, syscall_no, args } = outcome {
//!     assert_eq!(syscall_no, 7);
//!     outcome = virt.run(gas_left, ExecAction::Resume(args[0] * 2))?;
//! }
//! assert!(matches!(outcome, ExecOutcome::Finished { .. }));
//!
//! let mut word = [0u8; 8];
//! virt.memory()?.read(0, &mut word)?;
//! assert_eq!(u64::from_le_bytes(word), 42);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod buffer;
mod error;
mod validate;

use std::fmt;

use wasmi::{
    Config, Engine, Error as WasmiError, Extern, FuncType, Instance, Linker, Memory, Module,
    ResumableCall, ResumableCallHostTrap, ResumableCallOutOfFuel, Store, StoreLimits,
    StoreLimitsBuilder, TrapCode, Val, ValType,
};

pub use buffer::ExecBuffer;
pub use error::{ExecError, InstantiateError, MemoryError};
pub use strata_vm_abstraction::CustomContextVM;

/// The module every syscall is imported from.
pub const SYSCALL_MODULE: &str = "virt";
/// The prefix of a syscall's import name: `syscall_<n>`.
pub const SYSCALL_PREFIX: &str = "syscall_";
/// The most arguments a syscall takes.
pub const MAX_SYSCALL_ARGS: usize = 6;
/// The export name of the memory [`Virt::memory`] gives access to.
pub const MEMORY_EXPORT: &str = "memory";
/// The most bytes an instance's memory may grow to (16 MiB); growing past it
/// fails inside the program (`memory.grow` returns -1).
pub const MAX_MEMORY_BYTES: usize = 16 << 20;

/// What a [`Virt::run`] step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecAction {
    /// Start the named export, which must take no arguments and return
    /// nothing. Valid unless a syscall is pending; abandons a call that ran
    /// out of gas.
    Execute(String),
    /// Answer the pending syscall with this value and continue.
    Resume(u64),
    /// Continue a call that ran out of gas, with the new budget.
    Refuel,
}

/// Where a [`Virt::run`] step stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecOutcome {
    /// The export returned.
    Finished {
        /// Gas left.
        gas_left: i64,
    },
    /// The program made a syscall; answer it with [`ExecAction::Resume`].
    Syscall {
        /// Gas left.
        gas_left: i64,
        /// The syscall's number (see [the numbering rule](crate#syscall-numbering)).
        syscall_no: u32,
        /// The arguments `a0..a5`, zero past the syscall's arity.
        args: [u64; MAX_SYSCALL_ARGS],
    },
}

/// The store's host data: the syscall being made, and the memory limit.
struct HostData {
    pending: Option<(u32, [u64; MAX_SYSCALL_ARGS])>,
    limits: StoreLimits,
}

/// Marks a syscall's host trap (the program is suspended, not failed).
#[derive(Debug)]
struct Suspend;

impl fmt::Display for Suspend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("suspended at a syscall")
    }
}

impl wasmi::errors::HostError for Suspend {}

/// Where the instance is between steps.
enum State {
    /// No call in progress.
    Idle,
    /// Stopped at a syscall, with the type of the value it returns.
    Syscall(ResumableCallHostTrap, Option<ValType>),
    /// Ran out of gas; `Refuel` continues.
    OutOfGas(ResumableCallOutOfFuel),
}

struct Inner {
    store: Store<HostData>,
    instance: Instance,
    memory: Option<Memory>,
    state: State,
}

/// One instance of a program, run step by step.
///
/// Invariant: at most one call is in progress; its state ([`ExecAction`]s
/// that fit it) is checked on every step, and a step that does not fit is
/// [`ExecError::InvalidInstance`] and changes nothing. After
/// [`destroy`](Self::destroy) every step is `InvalidInstance`.
pub struct Virt {
    inner: Option<Inner>,
}

impl fmt::Debug for Virt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.inner.as_ref().map(|i| &i.state) {
            None => "destroyed",
            Some(State::Idle) => "idle",
            Some(State::Syscall(..)) => "at a syscall",
            Some(State::OutOfGas(_)) => "out of gas",
        };
        f.debug_struct("Virt").field("state", &state).finish()
    }
}

/// The wasmi engine settings every program runs under: the deterministic
/// ones contracts run under too ([`strata_wasm_rules::engine_config`]: fuel
/// on, no floats, no proposals beyond the allowed features, free
/// translation). Public so that a reference run (a test, a bench) can run
/// the same program with inline host functions under the same costs.
pub fn engine_config() -> Config {
    strata_wasm_rules::engine_config()
}

fn val_type(i64: bool) -> ValType {
    if i64 { ValType::I64 } else { ValType::I32 }
}

fn fuel(gas_left: i64) -> u64 {
    u64::try_from(gas_left).unwrap_or(0)
}

impl Virt {
    /// Validates `program` with the deterministic deploy rules and the
    /// [syscall rule](crate#syscall-numbering), and instantiates it.
    pub fn instantiate(program: &[u8]) -> Result<Self, InstantiateError> {
        let syscalls = validate::validate(program)?;
        let engine = Engine::new(&engine_config());
        let module = Module::new(&engine, program)
            .map_err(|e| InstantiateError::InvalidImage(e.to_string()))?;
        let limits = StoreLimitsBuilder::new()
            .memory_size(MAX_MEMORY_BYTES)
            .build();
        let mut store = Store::new(
            &engine,
            HostData {
                pending: None,
                limits,
            },
        );
        store.limiter(|data| &mut data.limits);
        let mut linker = Linker::<HostData>::new(&engine);
        for (&no, sig) in &syscalls {
            let params: Vec<ValType> = sig.params_i64.iter().map(|&b| val_type(b)).collect();
            let results: Vec<ValType> = sig.result_i64.map(val_type).into_iter().collect();
            let name = format!("{SYSCALL_PREFIX}{no}");
            linker
                .func_new(
                    SYSCALL_MODULE,
                    &name,
                    FuncType::new(params, results),
                    move |mut caller, params, _results| {
                        let mut args = [0u64; MAX_SYSCALL_ARGS];
                        for (a, p) in args.iter_mut().zip(params) {
                            *a = match p {
                                Val::I32(v) => i64::from(*v) as u64,
                                Val::I64(v) => *v as u64,
                                _ => 0,
                            };
                        }
                        caller.data_mut().pending = Some((no, args));
                        Err(WasmiError::host(Suspend))
                    },
                )
                .map_err(|e| InstantiateError::InvalidImage(e.to_string()))?;
        }
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| InstantiateError::InvalidImage(e.to_string()))?;
        let memory = instance
            .get_export(&store, MEMORY_EXPORT)
            .and_then(Extern::into_memory);
        Ok(Self {
            inner: Some(Inner {
                store,
                instance,
                memory,
                state: State::Idle,
            }),
        })
    }

    /// Runs one step with `gas_left` gas: starts an export, answers the
    /// pending syscall, or refuels a call that ran out of gas (see
    /// [`ExecAction`]), and runs until the export returns or the program
    /// makes a syscall.
    ///
    /// Errors: [`ExecError::InvalidInstance`] for an action that does not fit
    /// the state (nothing changes); [`ExecError::InvalidImage`] for an
    /// export that does not exist or is not `() -> ()`;
    /// [`ExecError::OutOfGas`] (the call can be refuelled);
    /// [`ExecError::Trap`] (the call is over).
    pub fn run(&mut self, gas_left: i64, action: ExecAction) -> Result<ExecOutcome, ExecError> {
        let inner = self
            .inner
            .as_mut()
            .ok_or_else(|| ExecError::InvalidInstance("the instance was destroyed".into()))?;
        let state = core::mem::replace(&mut inner.state, State::Idle);
        let result = match (action, state) {
            (ExecAction::Execute(_), state @ State::Syscall(..)) => {
                inner.state = state;
                return Err(ExecError::InvalidInstance(
                    "Execute while a syscall is pending (a syscall handler may not re-enter \
                     its instance); answer it with Resume first"
                        .into(),
                ));
            }
            (ExecAction::Execute(name), _) => {
                let func = inner
                    .instance
                    .get_func(&inner.store, &name)
                    .ok_or_else(|| {
                        ExecError::InvalidImage(format!("the program exports no function {name:?}"))
                    })?;
                let ty = func.ty(&inner.store);
                if !ty.params().is_empty() || !ty.results().is_empty() {
                    return Err(ExecError::InvalidImage(format!(
                        "export {name:?} must take no arguments and return nothing"
                    )));
                }
                inner.set_gas(gas_left);
                func.call_resumable(&mut inner.store, &[], &mut [])
            }
            (ExecAction::Resume(value), State::Syscall(call, result)) => {
                let input = match result {
                    Some(ValType::I64) => Some(Val::I64(value as i64)),
                    Some(_) => Some(Val::I32(value as i32)),
                    None => None,
                };
                inner.set_gas(gas_left);
                call.resume(&mut inner.store, input.as_slice(), &mut [])
            }
            (ExecAction::Refuel, State::OutOfGas(call)) => {
                inner.set_gas(gas_left);
                call.resume(&mut inner.store, &mut [])
            }
            (action, state) => {
                let what = match state {
                    State::Idle => "no call is in progress",
                    State::Syscall(..) => "a syscall is pending (Resume it)",
                    State::OutOfGas(_) => "the call ran out of gas (Refuel it)",
                };
                inner.state = state;
                return Err(ExecError::InvalidInstance(format!(
                    "{action:?} does not fit: {what}"
                )));
            }
        };
        inner.outcome(result)
    }

    /// The instance's memory (its export `"memory"`; an empty memory if it
    /// exports none), for reading and writing between steps. Every access is
    /// bounds-checked. [`MemoryError::InvalidInstance`] after
    /// [`destroy`](Self::destroy).
    pub fn memory(&mut self) -> Result<VirtMemory<'_>, MemoryError> {
        let inner = self.inner.as_mut().ok_or(MemoryError::InvalidInstance)?;
        let bytes = match inner.memory {
            Some(memory) => memory.data_mut(&mut inner.store),
            None => &mut [],
        };
        Ok(VirtMemory { bytes })
    }

    /// Copies `buf.len()` bytes at `pos` out of the instance's memory.
    pub fn read_memory(&mut self, pos: u32, buf: &mut [u8]) -> Result<(), MemoryError> {
        Ok(self.memory()?.read(pos, buf)?)
    }

    /// Copies `bytes` into the instance's memory at `pos`.
    pub fn write_memory(&mut self, pos: u32, bytes: &[u8]) -> Result<(), MemoryError> {
        Ok(self.memory()?.write(pos, bytes)?)
    }

    /// Drops the instance (its memory and any call in progress). Every later
    /// step or memory access is `InvalidInstance`; destroying twice is
    /// harmless.
    pub fn destroy(&mut self) {
        self.inner = None;
    }

    /// The gas left after the last step, also after [`ExecError::OutOfGas`]
    /// (then less than the next block of instructions needs; a caller that
    /// time-slices adds it to the next budget or counts it as unspent).
    /// `None` after [`destroy`](Self::destroy).
    pub fn gas_left(&self) -> Option<i64> {
        self.inner.as_ref().map(Inner::gas_left)
    }

    /// After [`ExecError::OutOfGas`], the least gas the next
    /// [`ExecAction::Refuel`] must bring for the program to make progress
    /// (wasmi charges a block of instructions at its start, so one block
    /// may need more than a small slice). `None` unless out of gas.
    pub fn gas_required(&self) -> Option<i64> {
        match self.inner.as_ref().map(|i| &i.state) {
            Some(State::OutOfGas(call)) => {
                Some(i64::try_from(call.required_fuel()).unwrap_or(i64::MAX))
            }
            _ => None,
        }
    }

    /// Whether the instance was destroyed.
    pub fn is_destroyed(&self) -> bool {
        self.inner.is_none()
    }
}

impl Inner {
    fn set_gas(&mut self, gas_left: i64) {
        // Fuel metering is on (engine_config), so this cannot fail.
        let _ = self.store.set_fuel(fuel(gas_left));
    }

    fn gas_left(&self) -> i64 {
        // At most what set_gas put in, which came from an i64.
        i64::try_from(self.store.get_fuel().unwrap_or(0)).unwrap_or(i64::MAX)
    }

    fn outcome(
        &mut self,
        result: Result<ResumableCall, WasmiError>,
    ) -> Result<ExecOutcome, ExecError> {
        let gas_left = self.gas_left();
        match result {
            Ok(ResumableCall::Finished) => Ok(ExecOutcome::Finished { gas_left }),
            Ok(ResumableCall::HostTrap(call)) => {
                let Some((syscall_no, args)) = self.store.data_mut().pending.take() else {
                    return Err(ExecError::Trap(call.host_error().to_string()));
                };
                let result = call.host_func().ty(&self.store).results().first().copied();
                self.state = State::Syscall(call, result);
                Ok(ExecOutcome::Syscall {
                    gas_left,
                    syscall_no,
                    args,
                })
            }
            Ok(ResumableCall::OutOfFuel(call)) => {
                self.state = State::OutOfGas(call);
                Err(ExecError::OutOfGas)
            }
            Err(e) if e.as_trap_code() == Some(TrapCode::OutOfFuel) => Err(ExecError::OutOfGas),
            Err(e) => Err(ExecError::Trap(e.to_string())),
        }
    }
}

/// The instance's memory between steps, as a [`CustomContextVM`]; see
/// [`Virt::memory`].
pub struct VirtMemory<'a> {
    bytes: &'a mut [u8],
}

impl fmt::Debug for VirtMemory<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtMemory")
            .field("size", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl CustomContextVM for VirtMemory<'_> {
    fn size(&self) -> usize {
        self.bytes.size()
    }

    fn data(&self, pos: u32, len: u32) -> Result<&[u8], strata_vm_abstraction::MemoryError> {
        self.bytes.data(pos, len)
    }

    fn data_mut(
        &mut self,
        pos: u32,
        len: u32,
    ) -> Result<&mut [u8], strata_vm_abstraction::MemoryError> {
        self.bytes.data_mut(pos, len)
    }
}
