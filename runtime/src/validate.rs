//! Deploy-time validation: eager and complete, so that invalid code never
//! reaches the store (as CAP-0060 has it).

use std::collections::BTreeMap;

use strata_host_fns::{HostFnDesc, ValType as HostValType};
use wasmparser::{
    CompositeInnerType, ExternalKind, FuncType, Parser, Payload, TypeRef, ValType, Validator,
    WasmFeatures,
};

use crate::config::Limits;

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
        /// The host function's signature.
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

/// Code that passed validation.
#[derive(Clone, Debug)]
pub struct ValidatedCode {
    /// The code to store: the input, with a `memory` export added when the
    /// module had a memory that it did not export under that name.
    pub code: Vec<u8>,
    /// The exported functions and their signatures.
    pub exports: BTreeMap<String, FuncSig>,
}

/// A function signature over i32/i64 (the only types that pass validation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncSig {
    /// Parameter types.
    pub params: Vec<HostValType>,
    /// Result types.
    pub results: Vec<HostValType>,
}

fn sig_text(params: &[HostValType], results: &[HostValType]) -> String {
    let p: Vec<&str> = params.iter().map(|t| t.wat()).collect();
    let r: Vec<&str> = results.iter().map(|t| t.wat()).collect();
    format!("({}) -> ({})", p.join(", "), r.join(", "))
}

fn host_type(t: &ValType) -> Option<HostValType> {
    match t {
        ValType::I32 => Some(HostValType::I32),
        ValType::I64 => Some(HostValType::I64),
        _ => None,
    }
}

fn func_sig(ft: &FuncType) -> Result<FuncSig, CodeError> {
    let conv = |ts: &[ValType]| -> Result<Vec<HostValType>, CodeError> {
        ts.iter()
            .map(|t| {
                host_type(t)
                    .ok_or_else(|| CodeError::Invalid(format!("value type {t:?} is not allowed")))
            })
            .collect()
    };
    Ok(FuncSig {
        params: conv(ft.params())?,
        results: conv(ft.results())?,
    })
}

/// The wasm features contracts may use: the MVP without floats, plus
/// mutable globals, sign extension, multi-value and bulk memory.
pub fn allowed_features() -> WasmFeatures {
    WasmFeatures::GC_TYPES
        | WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
}

fn kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func => "function",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}

/// Validates `code` for deploy against the host functions `hosts` and
/// `limits`; `required` names functions that must be exported.
pub fn validate(
    code: &[u8],
    hosts: &[&'static HostFnDesc],
    limits: &Limits,
    required: &[&str],
) -> Result<ValidatedCode, CodeError> {
    if code.len() > limits.max_code_size {
        return Err(CodeError::TooLarge {
            size: code.len(),
            max: limits.max_code_size,
        });
    }
    Validator::new_with_features(allowed_features())
        .validate_all(code)
        .map_err(|e| CodeError::Invalid(e.to_string()))?;

    let invalid = |e: wasmparser::BinaryReaderError| CodeError::Invalid(e.to_string());
    let mut types: Vec<FuncSig> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new(); // imported and defined functions
    let mut imported_funcs = 0u32;
    let mut memories = 0u32;
    let mut tables = 0u32;
    let mut exports: Vec<(String, ExternalKind, u32)> = Vec::new();
    let mut code_index = 0u32;
    for payload in Parser::new(0).parse_all(code) {
        match payload.map_err(invalid)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.map_err(invalid)?.into_types() {
                        match &sub.composite_type.inner {
                            CompositeInnerType::Func(ft) => types.push(func_sig(ft)?),
                            _ => return Err(CodeError::Invalid("non-function type".into())),
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(invalid)?;
                    let kind = match import.ty {
                        TypeRef::Func(t) => {
                            check_import(import.module, import.name, t, &types, hosts)?;
                            func_types.push(t);
                            imported_funcs += 1;
                            continue;
                        }
                        TypeRef::Memory(_) => "memory",
                        TypeRef::Table(_) => "table",
                        TypeRef::Global(_) => "global",
                        TypeRef::Tag(_) => "tag",
                    };
                    return Err(CodeError::NonFunctionImport {
                        module: import.module.to_owned(),
                        name: import.name.to_owned(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    func_types.push(t.map_err(invalid)?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(invalid)?;
                    tables += 1;
                    let size = table
                        .ty
                        .maximum
                        .unwrap_or(table.ty.initial)
                        .max(table.ty.initial);
                    if size > u64::from(limits.max_table_elements) {
                        return Err(CodeError::OverLimit {
                            what: "table",
                            size,
                            max: u64::from(limits.max_table_elements),
                            unit: "elements",
                        });
                    }
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory.map_err(invalid)?;
                    memories += 1;
                    let size = memory.maximum.unwrap_or(memory.initial).max(memory.initial);
                    if size > u64::from(limits.max_memory_pages) {
                        return Err(CodeError::OverLimit {
                            what: "memory",
                            size,
                            max: u64::from(limits.max_memory_pages),
                            unit: "pages",
                        });
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(invalid)?;
                    exports.push((export.name.to_owned(), export.kind, export.index));
                }
            }
            Payload::StartSection { func, .. } => {
                return Err(CodeError::StartFunction { function: func });
            }
            Payload::CodeSectionEntry(body) => {
                let function = imported_funcs + code_index;
                code_index += 1;
                let mut count = 0u64;
                for local in body.get_locals_reader().map_err(invalid)? {
                    let (n, _) = local.map_err(invalid)?;
                    count += u64::from(n);
                }
                if count > u64::from(limits.max_locals) {
                    return Err(CodeError::TooManyLocals {
                        function,
                        count,
                        max: limits.max_locals,
                    });
                }
            }
            _ => {}
        }
    }
    if memories > 1 {
        return Err(CodeError::TooMany {
            what: "memory",
            count: memories,
        });
    }
    if tables > 1 {
        return Err(CodeError::TooMany {
            what: "table",
            count: tables,
        });
    }
    if func_types.len() as u64 > u64::from(limits.max_functions) {
        return Err(CodeError::TooManyFunctions {
            count: func_types.len() as u64,
            max: limits.max_functions,
        });
    }
    for (function, t) in func_types.iter().enumerate() {
        let params = types.get(*t as usize).map_or(0, |s| s.params.len());
        if params > limits.max_params as usize {
            return Err(CodeError::TooManyParams {
                function: function as u32,
                count: params,
                max: limits.max_params,
            });
        }
    }

    let mut export_sigs = BTreeMap::new();
    let mut memory_exported = false;
    for (name, kind, index) in &exports {
        if name == strata_vm_abstraction::MEMORY_EXPORT {
            if *kind != ExternalKind::Memory {
                return Err(CodeError::MemoryExportName {
                    kind: kind_name(*kind),
                });
            }
            memory_exported = true;
        }
        if *kind == ExternalKind::Func {
            let sig = func_types
                .get(*index as usize)
                .and_then(|t| types.get(*t as usize))
                .cloned()
                .ok_or_else(|| CodeError::Invalid(format!("export {name:?}: no such function")))?;
            export_sigs.insert(name.clone(), sig);
        }
    }
    for name in required {
        if !export_sigs.contains_key(*name) {
            return Err(CodeError::MissingExport {
                name: (*name).to_owned(),
            });
        }
    }
    let code = if memories == 1 && !memory_exported {
        add_memory_export(code).map_err(invalid)?
    } else {
        code.to_vec()
    };
    Ok(ValidatedCode {
        code,
        exports: export_sigs,
    })
}

fn check_import(
    module: &str,
    name: &str,
    type_index: u32,
    types: &[FuncSig],
    hosts: &[&'static HostFnDesc],
) -> Result<(), CodeError> {
    let Some(host) = hosts.iter().find(|h| h.module == module && h.name == name) else {
        return Err(CodeError::UnknownImport {
            module: module.to_owned(),
            name: name.to_owned(),
        });
    };
    let found = types.get(type_index as usize).ok_or_else(|| {
        CodeError::Invalid(format!("import {module}.{name}: no type {type_index}"))
    })?;
    let expected_params: Vec<HostValType> = host.params.iter().map(|(_, t)| *t).collect();
    if found.params != expected_params || found.results != host.results {
        return Err(CodeError::ImportSignature {
            module: module.to_owned(),
            name: name.to_owned(),
            expected: sig_text(&expected_params, host.results),
            found: sig_text(&found.params, &found.results),
        });
    }
    Ok(())
}

/// Rewrites `code` so that its memory 0 is also exported as `memory`:
/// SVM-era contracts declare `(memory 1)` without exporting it, and the host
/// functions reach guest memory through that export. Every other section is
/// copied byte for byte; the export section is re-encoded with the one entry
/// added (or created, in its place in the section order).
fn add_memory_export(code: &[u8]) -> Result<Vec<u8>, wasmparser::BinaryReaderError> {
    use wasm_encoder::{ExportKind, ExportSection, Module, RawSection};

    let memory_export = |section: &mut ExportSection| {
        section.export(strata_vm_abstraction::MEMORY_EXPORT, ExportKind::Memory, 0);
    };
    let mut module = Module::new();
    let mut exported = false;
    for payload in Parser::new(0).parse_all(code) {
        let payload = payload?;
        match &payload {
            Payload::ExportSection(reader) => {
                let mut section = ExportSection::new();
                for export in reader.clone() {
                    let export = export?;
                    let kind = match export.kind {
                        ExternalKind::Func => ExportKind::Func,
                        ExternalKind::Table => ExportKind::Table,
                        ExternalKind::Memory => ExportKind::Memory,
                        ExternalKind::Global => ExportKind::Global,
                        ExternalKind::Tag => ExportKind::Tag,
                    };
                    section.export(export.name, kind, export.index);
                }
                memory_export(&mut section);
                module.section(&section);
                exported = true;
                continue;
            }
            Payload::End(_) => break,
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            // The export section comes before start (8), element (9), data
            // count (12), code (10) and data (11).
            if !exported && matches!(id, 8..=12) {
                let mut section = ExportSection::new();
                memory_export(&mut section);
                module.section(&section);
                exported = true;
            }
            module.section(&RawSection {
                id,
                data: code.get(range).unwrap_or_default(),
            });
        }
    }
    if !exported {
        let mut section = ExportSection::new();
        memory_export(&mut section);
        module.section(&section);
    }
    Ok(module.finish())
}
