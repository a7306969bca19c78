//! # strata-wasm-rules: the deterministic wasm rules every Strata VM shares
//!
//! Two crates run untrusted WebAssembly: `strata-runtime` (contracts) and
//! `strata-virt` (programs run step by step). Both must accept the same
//! language and execute it the same way on every node, so the rules live
//! here, once:
//!
//! - [`allowed_features`]: the wasm features code may use (the MVP without
//!   floats, plus mutable globals, sign extension, multi-value and bulk
//!   memory), and [`validate_features`], the wasmparser validation under
//!   them that every deploy or instantiation starts with;
//! - [`engine_config`]: the wasmi engine configuration under which that
//!   code runs: fuel metering on, floats and every other proposal off,
//!   custom sections ignored, translation and validation free of fuel (so
//!   gas never depends on what was already compiled).
//!
//! What is *not* here, on purpose: each crate's import rules (contracts
//! import host functions from the host-fns table with their exact
//! signatures; virt programs import numbered syscalls), its limits, and
//! the settings that are its own choice (the runtime's recursion bound and
//! lazy or eager translation). Those add to the rules here, never relax
//! them.
//!
//! ## Key design decision
//!
//! The rules are functions returning fresh values (a `WasmFeatures`, a
//! `wasmi::Config`) rather than constants or a wrapper type: callers add
//! their own settings to the returned configuration with wasmi's own
//! builder, and nothing global can be changed by one crate under another.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use wasmparser::{BinaryReaderError, Validator, WasmFeatures};

/// How many bytes a bulk memory operation (`memory.copy`, `memory.fill`,
/// `memory.init`, and the table equivalents) may move per unit of fuel.
pub const BYTES_COPIED_PER_FUEL: u32 = 64;

/// The wasm features code may use: the MVP without floats, plus mutable
/// globals, sign extension, multi-value and bulk memory. (`GC_TYPES` is
/// wasmparser's base type system, not the GC proposal.)
pub fn allowed_features() -> WasmFeatures {
    WasmFeatures::GC_TYPES
        | WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
}

/// Validates `code` as a whole module that uses only
/// [`allowed_features`]: the first rule of every deploy and instantiation.
pub fn validate_features(code: &[u8]) -> Result<(), BinaryReaderError> {
    Validator::new_with_features(allowed_features())
        .validate_all(code)
        .map(drop)
}

/// The deterministic wasmi engine configuration: fuel metering on; floats
/// and the multi-memory, reference-types, tail-call, extended-const,
/// custom-page-size and wide-arithmetic proposals off; custom sections
/// ignored; [`BYTES_COPIED_PER_FUEL`]; translation and validation cost no
/// fuel, so gas never depends on what was already compiled.
///
/// Callers add their own settings (the runtime its recursion bound and
/// compilation mode) to the returned configuration.
pub fn engine_config() -> wasmi::Config {
    let mut config = wasmi::Config::default();
    config
        .consume_fuel(true)
        .floats(false)
        .wasm_multi_memory(false)
        .wasm_reference_types(false)
        .wasm_tail_call(false)
        .wasm_extended_const(false)
        .wasm_custom_page_sizes(false)
        .wasm_wide_arithmetic(false)
        .ignore_custom_sections(true)
        .fuel_cost(wasmi::CustomFuelCosts {
            bytes_copied_per_fuel: BYTES_COPIED_PER_FUEL,
            fuel_per_bytes_translated: 0,
            fuel_per_bytes_validated: 0,
        });
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("test module parses")
    }

    /// Modules that use one feature each.
    const ALLOWED: &[&str] = &[
        "(module (global (mut i32) (i32.const 0)))",
        "(module (func (param i32) (result i32) (i32.extend8_s (local.get 0))))",
        "(module (func (result i32 i64) (i32.const 1) (i64.const 2)))",
        "(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))))",
    ];
    const REFUSED: &[&str] = &[
        "(module (func (result f32) (f32.const 1)))",
        "(module (func (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0))))",
        "(module (func (result v128) (v128.const i64x2 0 0)))",
        "(module (memory 1) (memory 1))",
        "(module (func (return_call 0)))",
        "(module (table 1 externref))",
        "(module (memory i64 1))",
        "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
    ];

    #[test]
    fn validation_accepts_exactly_the_allowed_features() {
        for text in ALLOWED {
            assert!(validate_features(&wasm(text)).is_ok(), "{text}");
        }
        for text in REFUSED {
            assert!(validate_features(&wasm(text)).is_err(), "{text}");
        }
        assert!(validate_features(b"\0asm garbage").is_err());
    }

    #[test]
    fn the_engine_compiles_what_validation_accepts_and_meters_fuel() {
        let engine = wasmi::Engine::new(&engine_config());
        for text in ALLOWED {
            wasmi::Module::new(&engine, wasm(text)).expect(text);
        }
        // Floats are refused by the engine too, not only by validation.
        assert!(wasmi::Module::new(&engine, wasm(REFUSED[0])).is_err());
        let module = wasmi::Module::new(
            &engine,
            wasm("(module (func (export \"f\") (loop (br 0))))"),
        )
        .expect("module");
        let mut store = wasmi::Store::new(&engine, ());
        store.set_fuel(1_000).expect("fuel is on");
        let instance = wasmi::Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .expect("instance");
        let f = instance.get_typed_func::<(), ()>(&store, "f").expect("f");
        let err = f.call(&mut store, ()).expect_err("an endless loop ends");
        assert!(
            matches!(
                err.kind(),
                wasmi::errors::ErrorKind::TrapCode(wasmi::TrapCode::OutOfFuel)
            ),
            "{err}"
        );
    }
}
