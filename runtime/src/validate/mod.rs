//! Deploy-time validation: eager and complete, so that invalid code never
//! reaches the store (as CAP-0060 has it). The rules and their errors are in
//! [`CodeError`] (`error.rs`); SVM-era modules get their `memory` export
//! added (`exports.rs`).

mod error;
mod exports;
mod imports;

pub use error::CodeError;
use exports::add_memory_export;
pub(crate) use exports::splice_exports;
use imports::rename_imports;

use std::collections::BTreeMap;

use strata_host_fns::{HostFnDesc, ValType as HostValType};
use wasmparser::{
    Chunk, CompositeInnerType, ExternalKind, FuncType, Parser, Payload, TypeRef, ValType,
};

use crate::config::Limits;

/// The bytes of `code` that run: its length without its custom sections
/// (each with its id byte and size), which wasmi never executes. Per-call
/// gas follows this; code that does not parse counts whole.
pub fn runnable_len(code: &[u8]) -> usize {
    let mut custom = 0usize;
    let mut parser = Parser::new(0);
    let mut rest = code;
    loop {
        let (consumed, payload) = match parser.parse(rest, true) {
            Ok(Chunk::Parsed { consumed, payload }) => (consumed, payload),
            Ok(Chunk::NeedMoreData(_)) | Err(_) => return code.len(),
        };
        rest = rest.get(consumed..).unwrap_or_default();
        match payload {
            Payload::CustomSection(reader) => {
                // `range` is the section's content (its name and data); the
                // header before it is the id byte and the content's size.
                let content = reader.range().len();
                custom += 1 + leb128_len(content) + content;
            }
            // The function bodies hold no custom section: stepped over
            // whole, not entry by entry (this runs on every module load).
            Payload::CodeSectionStart { size, .. } => {
                parser.skip_section();
                match rest.get(size as usize..) {
                    Some(after) => rest = after,
                    None => return code.len(),
                }
            }
            Payload::End(_) => break,
            _ => {}
        }
    }
    code.len().saturating_sub(custom)
}

fn leb128_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// Code that passed validation.
#[derive(Clone, Debug)]
pub struct ValidatedCode {
    /// The code to store: the input, with each import of a host-function
    /// variant renamed to the variant's symbol, and a `memory` export added
    /// when the module had a memory that it did not export under that name.
    /// Equal to the input when neither applies.
    pub code: Vec<u8>,
    /// The exported functions and their signatures. (Deploy needs only the
    /// check; the signatures are for tests and the fuzz targets.)
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
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
    strata_wasm_rules::validate_features(code).map_err(|e| CodeError::Invalid(e.to_string()))?;

    let invalid = |e: wasmparser::BinaryReaderError| CodeError::Invalid(e.to_string());
    let mut types: Vec<FuncSig> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new(); // imported and defined functions
    let mut imported_funcs = 0u32;
    let mut memories = 0u32;
    let mut tables = 0u32;
    let mut exports: Vec<(String, ExternalKind, u32)> = Vec::new();
    let mut code_index = 0u32;
    // Imports of variants, by import index: linked under their symbol.
    let mut renames: Vec<(u32, &'static str)> = Vec::new();
    let mut import_index = 0u32;
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
                            let host = check_import(import.module, import.name, t, &types, hosts)?;
                            if host.is_variant() {
                                renames.push((import_index, host.symbol));
                            }
                            func_types.push(t);
                            imported_funcs += 1;
                            import_index += 1;
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
    let code = if renames.is_empty() {
        code.to_vec()
    } else {
        rename_imports(code, &renames).map_err(CodeError::Invalid)?
    };
    let code = if memories == 1 && !memory_exported {
        add_memory_export(&code).map_err(invalid)?
    } else {
        code
    };
    Ok(ValidatedCode {
        code,
        exports: export_sigs,
    })
}

/// The host function an import resolves to: by module, name and
/// signature, since a name can have variants (SVM's interface eras).
fn check_import(
    module: &str,
    name: &str,
    type_index: u32,
    types: &[FuncSig],
    hosts: &[&'static HostFnDesc],
) -> Result<&'static HostFnDesc, CodeError> {
    let mut named = hosts
        .iter()
        .copied()
        .filter(|h| h.module == module && h.name == name)
        .peekable();
    if named.peek().is_none() {
        return Err(CodeError::UnknownImport {
            module: module.to_owned(),
            name: name.to_owned(),
        });
    }
    let found = types.get(type_index as usize).ok_or_else(|| {
        CodeError::Invalid(format!("import {module}.{name}: no type {type_index}"))
    })?;
    let mut expected = Vec::new();
    for host in named {
        if host.matches(&found.params, &found.results) {
            return Ok(host);
        }
        let params: Vec<HostValType> = host.params.iter().map(|(_, t)| *t).collect();
        expected.push(sig_text(&params, host.results));
    }
    Err(CodeError::ImportSignature {
        module: module.to_owned(),
        name: name.to_owned(),
        expected: expected.join(" or "),
        found: sig_text(&found.params, &found.results),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::Section;

    #[test]
    fn custom_sections_do_not_count_as_runnable() {
        let plain = wat::parse_str("(module (func (export \"f\")))").unwrap();
        assert_eq!(runnable_len(&plain), plain.len());
        for size in [0usize, 5, 127, 128, 300, 20_000] {
            let mut with = plain.clone();
            wasm_encoder::CustomSection {
                name: "debug".into(),
                data: vec![7u8; size].into(),
            }
            .append_to(&mut with);
            assert!(with.len() > plain.len());
            assert_eq!(runnable_len(&with), plain.len(), "{size}");
        }
        assert_eq!(runnable_len(b"not wasm"), 8);
    }

    /// The definition `runnable_len` had when it walked every function
    /// body: the same answer, whatever stands around the code section.
    fn runnable_len_entry_by_entry(code: &[u8]) -> usize {
        let mut custom = 0usize;
        for payload in Parser::new(0).parse_all(code) {
            match payload {
                Ok(Payload::CustomSection(reader)) => {
                    let content = reader.range().len();
                    custom += 1 + leb128_len(content) + content;
                }
                Ok(_) => {}
                Err(_) => return code.len(),
            }
        }
        code.len().saturating_sub(custom)
    }

    #[test]
    fn stepping_over_the_code_section_changes_no_length() {
        let funcs: String = (0..300)
            .map(|i| {
                format!(
                    "(func $f{i} (result i32) i32.const {i} call $f{} drop)",
                    i / 2
                )
            })
            .collect();
        let module = wat::parse_str(format!(
            "(module (memory 1) {funcs} (export \"f\" (func $f0)) (data (i32.const 8) \"hi\"))"
        ))
        .unwrap();
        let custom = |name: &str, size: usize| {
            let mut out = Vec::new();
            wasm_encoder::CustomSection {
                name: name.into(),
                data: vec![3u8; size].into(),
            }
            .append_to(&mut out);
            out
        };
        // Custom sections at the end, and spliced in front of every other
        // section (after the 8-byte header).
        let mut cases = vec![module.clone()];
        let mut at = 8;
        let mut offsets = Vec::new();
        while at < module.len() {
            offsets.push(at);
            let mut reader = wasmparser::BinaryReader::new(&module[at + 1..], 0);
            let size = reader.read_var_u32().unwrap() as usize;
            at += 1 + reader.original_position() + size;
        }
        for &o in &offsets {
            let mut with = module[..o].to_vec();
            with.extend(custom("mid", 200));
            with.extend_from_slice(&module[o..]);
            with.extend(custom("end", 1_000));
            cases.push(with);
        }
        // (`wat` adds a name section for the `$f` names.)
        let want = runnable_len_entry_by_entry(&module);
        assert!(want < module.len());
        for (i, case) in cases.iter().enumerate() {
            assert_eq!(runnable_len(case), want, "case {i}");
            assert_eq!(
                runnable_len(case),
                runnable_len_entry_by_entry(case),
                "case {i}"
            );
        }
        // Cut anywhere: the whole length, as before.
        for cut in (9..module.len()).step_by(97) {
            let short = &module[..cut];
            assert_eq!(
                runnable_len(short),
                runnable_len_entry_by_entry(short),
                "cut {cut}"
            );
        }
    }
}
