//! Why code is rejected at deploy: one variant per rule.

/// Why code was rejected at deploy: the rule, and where there is one, the
/// function or import at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// Larger than the code size limit.
    #[error("code is {size} bytes; the limit is {max}")]
    TooLarge {
        /// The size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not valid WebAssembly, or uses a feature Strata does not allow
    /// (floats, SIMD, threads, memory64, multi-memory, reference types,
    /// tail calls, exceptions...). The message is the validator's, with the
    /// byte offset.
    #[error("invalid or disallowed wasm: {0}")]
    Invalid(String),
    /// The module has a start function (contracts run only when called).
    #[error("rule no-start-function: the module declares a start function (function {function})")]
    StartFunction {
        /// The start function's index.
        function: u32,
    },
    /// An import that is not a function (memories, tables and globals are
    /// the contract's own).
    #[error("rule function-imports-only: import {module}.{name} is a {kind}, not a function")]
    NonFunctionImport {
        /// The import module.
        module: String,
        /// The import name.
        name: String,
        /// What it imports.
        kind: &'static str,
    },
    /// An import that names no host function.
    #[error("rule known-imports: import {module}.{name} is not a host function of this runtime")]
    UnknownImport {
        /// The import module.
        module: String,
        /// The import name.
        name: String,
    },
    /// An import of a host function with another signature.
    #[error(
        "rule import-signatures: import {module}.{name} has signature {found}, \
         but the host function is {expected}"
    )]
    ImportSignature {
        /// The import module.
        module: String,
        /// The import name.
        name: String,
        /// The host function's signature, or every signature under that
        /// name (`a or b`) when it has variants.
        expected: String,
        /// The import's signature.
        found: String,
    },
    /// More than one memory or table.
    #[error("rule one-{what}: the module declares {count} {what}s; at most one is allowed")]
    TooMany {
        /// `memory` or `table`.
        what: &'static str,
        /// How many.
        count: u32,
    },
    /// A memory or table over its limit.
    #[error("rule {what}-limit: {what} of {size} {unit} exceeds the limit of {max}")]
    OverLimit {
        /// `memory` or `table`.
        what: &'static str,
        /// The declared size (initial or maximum).
        size: u64,
        /// The limit.
        max: u64,
        /// `pages` or `elements`.
        unit: &'static str,
    },
    /// Too many functions.
    #[error("rule function-count: {count} functions exceed the limit of {max}")]
    TooManyFunctions {
        /// How many.
        count: u64,
        /// The limit.
        max: u32,
    },
    /// A function with too many locals.
    #[error("rule locals-limit: function {function} declares {count} locals; the limit is {max}")]
    TooManyLocals {
        /// The function index.
        function: u32,
        /// How many.
        count: u64,
        /// The limit.
        max: u32,
    },
    /// A function type with too many parameters.
    #[error("rule params-limit: function {function} takes {count} parameters; the limit is {max}")]
    TooManyParams {
        /// The function index.
        function: u32,
        /// How many.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// An export called `memory` that is not the memory.
    #[error(
        "rule memory-export: export \"memory\" must be the module's memory, but it is a {kind}"
    )]
    MemoryExportName {
        /// What it exports instead.
        kind: &'static str,
    },
    /// A required export is missing.
    #[error("rule required-exports: the module exports no function {name:?}")]
    MissingExport {
        /// The function.
        name: String,
    },
}
