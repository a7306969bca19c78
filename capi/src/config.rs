//! The runtime's configuration as a C struct.

use strata_registers::RegisterLimits;
use strata_runtime::{Compilation, GasSchedule, Limits, Retention, RuntimeConfig};

use crate::error::{Error, StrataStatus, guard};
use crate::ffi;

/// Lazy translation (`StrataConfig::compilation`): each function on its
/// first call. The default.
pub const STRATA_COMPILATION_LAZY: u32 = 0;
/// Eager translation (`StrataConfig::compilation`): the whole module when
/// it is loaded.
pub const STRATA_COMPILATION_EAGER: u32 = 1;
/// `StrataConfig::event_retention_blocks`: keep every event index entry.
pub const STRATA_EVENTS_FOREVER: u64 = u64::MAX;
/// `StrataConfig::state_retention_blocks`: keep every block's state
/// (archive; nothing is pruned).
pub const STRATA_STATE_ARCHIVE: u64 = 0;

/// The runtime's configuration (`RuntimeConfig` of `strata-runtime`; its
/// docs explain each field). Fill one with [`strata_config_default`] and
/// change what you need. Every field is plain data: the struct is the
/// caller's, Strata copies it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrataConfig {
    /// Gas per byte of code at deploy.
    pub gas_deploy_per_byte: u64,
    /// Gas per contract frame (instantiation).
    pub gas_instantiate_base: u64,
    /// Gas per KiB of an instantiated contract's code, on every frame.
    pub gas_instantiate_per_kib: u64,
    /// Gas for the first read of a page in a transaction.
    pub gas_page_read: u64,
    /// Gas for the first write of a page in a transaction.
    pub gas_page_write: u64,
    /// Gas per tree level on the first read of a map key in a transaction.
    pub gas_map_level_read: u64,
    /// Gas per tree level on the first write of a map key in a transaction.
    pub gas_map_level_write: u64,
    /// Gas per nested map folded back into its parent when a call returns.
    pub gas_map_fold: u64,
    /// The largest code, in bytes.
    pub max_code_size: u64,
    /// The most functions of a module (imports included).
    pub max_functions: u32,
    /// The most locals of one function.
    pub max_locals: u32,
    /// The most parameters of one function type.
    pub max_params: u32,
    /// The most 64 KiB memory pages, declared or grown.
    pub max_memory_pages: u32,
    /// The most table elements.
    pub max_table_elements: u32,
    /// The most storage pages of a contract.
    pub max_page_count: u32,
    /// The deepest contract-to-contract call chain.
    pub max_call_depth: u32,
    /// The deepest wasm call stack, in frames.
    pub max_recursion_depth: u64,
    /// The widest register a contract may declare, in bits.
    pub register_max_width_bits: u32,
    /// The most registers of one declared bank.
    pub register_max_per_bank: u32,
    /// The most declared banks.
    pub register_max_banks: u32,
    /// The most bytes of all declared registers together.
    pub register_max_total_bytes: u32,
    /// Compiled modules kept in memory.
    pub module_cache: u64,
    /// Contracts whose page caches are kept between transactions.
    pub contract_cache: u64,
    /// Clean pages kept per contract.
    pub pages_per_contract: u64,
    /// Wasmi instances kept for reuse, one per code (0: none; a reused
    /// instance gives the same receipts as a fresh one).
    pub instance_pool: u64,
    /// `STRATA_COMPILATION_LAZY` or `STRATA_COMPILATION_EAGER`; anything
    /// else is `STRATA_INVALID_ARGUMENT` when the runtime is opened.
    pub compilation: u32,
    /// Whether a contract already on the call stack may be called again
    /// (0 no, anything else yes).
    pub allow_reentrancy: u8,
    /// The largest gas limit of one transaction or query.
    pub max_tx_gas: u64,
    /// The most gas of one block.
    pub max_block_gas: u64,
    /// How many blocks an event index entry is kept (`Runtime::events`):
    /// `STRATA_EVENTS_FOREVER` keeps every one, 0 indexes none.
    pub event_retention_blocks: u64,
    /// How many blocks' states the store keeps (`RuntimeConfig::state_retention`):
    /// the last N blocks, older records pruned; `STRATA_STATE_ARCHIVE` (0)
    /// keeps every one.
    pub state_retention_blocks: u64,
}

impl From<&RuntimeConfig> for StrataConfig {
    fn from(c: &RuntimeConfig) -> Self {
        StrataConfig {
            gas_deploy_per_byte: c.gas.deploy_per_byte,
            gas_instantiate_base: c.gas.instantiate_base,
            gas_instantiate_per_kib: c.gas.instantiate_per_kib,
            gas_page_read: c.gas.page_read,
            gas_page_write: c.gas.page_write,
            gas_map_level_read: c.gas.map_level_read,
            gas_map_level_write: c.gas.map_level_write,
            gas_map_fold: c.gas.map_fold,
            max_code_size: c.limits.max_code_size as u64,
            max_functions: c.limits.max_functions,
            max_locals: c.limits.max_locals,
            max_params: c.limits.max_params,
            max_memory_pages: c.limits.max_memory_pages,
            max_table_elements: c.limits.max_table_elements,
            max_page_count: c.limits.max_page_count,
            max_call_depth: c.limits.max_call_depth,
            max_recursion_depth: c.limits.max_recursion_depth as u64,
            register_max_width_bits: c.register_limits.max_width_bits,
            register_max_per_bank: c.register_limits.max_registers_per_bank,
            register_max_banks: c.register_limits.max_banks,
            register_max_total_bytes: c.register_limits.max_total_bytes,
            module_cache: c.module_cache as u64,
            contract_cache: c.contract_cache as u64,
            pages_per_contract: c.pages_per_contract as u64,
            instance_pool: c.instance_pool as u64,
            compilation: match c.compilation {
                Compilation::Lazy => STRATA_COMPILATION_LAZY,
                Compilation::Eager => STRATA_COMPILATION_EAGER,
            },
            allow_reentrancy: u8::from(c.allow_reentrancy),
            max_tx_gas: c.max_tx_gas,
            max_block_gas: c.max_block_gas,
            event_retention_blocks: c.event_retention_blocks.unwrap_or(STRATA_EVENTS_FOREVER),
            state_retention_blocks: match c.state_retention {
                Retention::Archive => STRATA_STATE_ARCHIVE,
                Retention::Blocks(n) => n.get(),
            },
        }
    }
}

fn usize_of(v: u64, name: &str) -> Result<usize, Error> {
    usize::try_from(v).map_err(|_| Error::arg(format!("config `{name}`: {v} is too large")))
}

impl TryFrom<&StrataConfig> for RuntimeConfig {
    type Error = Error;

    fn try_from(c: &StrataConfig) -> Result<Self, Error> {
        let compilation = match c.compilation {
            STRATA_COMPILATION_LAZY => Compilation::Lazy,
            STRATA_COMPILATION_EAGER => Compilation::Eager,
            other => {
                return Err(Error::arg(format!(
                    "config `compilation`: {other} is neither STRATA_COMPILATION_LAZY (0) nor \
                     STRATA_COMPILATION_EAGER (1)"
                )));
            }
        };
        let nonzero = |v: u64, name: &str| {
            if v == 0 {
                Err(Error::arg(format!("config `{name}` must be at least 1")))
            } else {
                usize_of(v, name)
            }
        };
        Ok(RuntimeConfig {
            gas: GasSchedule {
                deploy_per_byte: c.gas_deploy_per_byte,
                instantiate_base: c.gas_instantiate_base,
                instantiate_per_kib: c.gas_instantiate_per_kib,
                page_read: c.gas_page_read,
                page_write: c.gas_page_write,
                map_level_read: c.gas_map_level_read,
                map_level_write: c.gas_map_level_write,
                map_fold: c.gas_map_fold,
            },
            limits: Limits {
                max_code_size: usize_of(c.max_code_size, "max_code_size")?,
                max_functions: c.max_functions,
                max_locals: c.max_locals,
                max_params: c.max_params,
                max_memory_pages: c.max_memory_pages,
                max_table_elements: c.max_table_elements,
                max_page_count: c.max_page_count,
                max_call_depth: c.max_call_depth,
                max_recursion_depth: nonzero(c.max_recursion_depth, "max_recursion_depth")?,
            },
            register_limits: RegisterLimits {
                max_width_bits: c.register_max_width_bits,
                max_registers_per_bank: c.register_max_per_bank,
                max_banks: c.register_max_banks,
                max_total_bytes: c.register_max_total_bytes,
            },
            module_cache: nonzero(c.module_cache, "module_cache")?,
            contract_cache: nonzero(c.contract_cache, "contract_cache")?,
            pages_per_contract: nonzero(c.pages_per_contract, "pages_per_contract")?,
            instance_pool: usize_of(c.instance_pool, "instance_pool")?,
            compilation,
            allow_reentrancy: c.allow_reentrancy != 0,
            max_tx_gas: c.max_tx_gas,
            max_block_gas: c.max_block_gas,
            event_retention_blocks: (c.event_retention_blocks != STRATA_EVENTS_FOREVER)
                .then_some(c.event_retention_blocks),
            state_retention: std::num::NonZeroU64::new(c.state_retention_blocks)
                .map_or(Retention::Archive, Retention::Blocks),
            // The C API runs on the consensus engine; wasmtime is the Rust
            // API's and the CLI's (`RuntimeConfig::engine`).
            engine: strata_runtime::WasmEngine::Wasmi,
        })
    }
}

/// Fills `*out` with the default configuration (`RuntimeConfig::default()`).
///
/// `out` must point to a writable `StrataConfig` (null is
/// `STRATA_INVALID_ARGUMENT`). Thread-safe.
///
/// # Safety
///
/// `out`, if not null, must be valid for writing a `StrataConfig`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_config_default(out: *mut StrataConfig) -> StrataStatus {
    guard(|| {
        let config = StrataConfig::from(&RuntimeConfig::default());
        // SAFETY: the caller's promise for `out`.
        unsafe { ffi::write(out, config, "out") }?;
        Ok(StrataStatus::STRATA_OK)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_round_trips_and_bad_values_are_refused() {
        let d = RuntimeConfig::default();
        let c = StrataConfig::from(&d);
        assert_eq!(RuntimeConfig::try_from(&c).unwrap(), d);
        let mut eager = c;
        eager.compilation = STRATA_COMPILATION_EAGER;
        eager.max_tx_gas = 5;
        let e = RuntimeConfig::try_from(&eager).unwrap();
        assert_eq!((e.compilation, e.max_tx_gas), (Compilation::Eager, 5));
        let mut bad = c;
        bad.compilation = 2;
        let err = RuntimeConfig::try_from(&bad).unwrap_err();
        assert_eq!(err.status, StrataStatus::STRATA_INVALID_ARGUMENT);
        let mut zero = c;
        zero.module_cache = 0;
        assert!(RuntimeConfig::try_from(&zero).is_err());
        // Event retention: a number of blocks, or forever.
        let mut forever = c;
        forever.event_retention_blocks = STRATA_EVENTS_FOREVER;
        assert_eq!(
            RuntimeConfig::try_from(&forever)
                .unwrap()
                .event_retention_blocks,
            None
        );
        let mut none = c;
        none.event_retention_blocks = 0;
        assert_eq!(
            RuntimeConfig::try_from(&none)
                .unwrap()
                .event_retention_blocks,
            Some(0)
        );
        let keep_all = RuntimeConfig {
            event_retention_blocks: None,
            ..RuntimeConfig::default()
        };
        assert_eq!(
            StrataConfig::from(&keep_all).event_retention_blocks,
            STRATA_EVENTS_FOREVER
        );
    }
}
