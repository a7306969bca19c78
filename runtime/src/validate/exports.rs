//! Exports added to a module without re-encoding the rest of it: the
//! `memory` export SVM-era modules lack (at deploy), and the reserved
//! exports through which a reused instance's hidden state is reset (at
//! load, `exec/reuse.rs`).

use wasm_encoder::{Encode, ExportKind, ExportSection, Module, RawSection};
use wasmparser::{ExportSectionReader, ExternalKind, Parser, Payload};

/// Rewrites `code` so that its memory 0 is also exported as `memory`:
/// SVM-era contracts declare `(memory 1)` without exporting it, and the host
/// functions reach guest memory through that export.
pub(super) fn add_memory_export(code: &[u8]) -> Result<Vec<u8>, wasmparser::BinaryReaderError> {
    add_exports(
        code,
        &[(strata_vm_abstraction::MEMORY_EXPORT, ExportKind::Memory, 0)],
    )
}

/// Rewrites `code` with `extra` exports (name, kind, index) after its own.
/// Every other section is copied byte for byte; the export section is
/// re-encoded with the entries added (or created, in its place in the
/// section order). The caller makes sure the names are new.
fn add_exports(
    code: &[u8],
    extra: &[(&str, ExportKind, u32)],
) -> Result<Vec<u8>, wasmparser::BinaryReaderError> {
    let add = |section: &mut ExportSection| {
        for (name, kind, index) in extra {
            section.export(name, *kind, *index);
        }
    };
    let mut module = Module::new();
    let mut exported = false;
    for payload in Parser::new(0).parse_all(code) {
        let payload = payload?;
        match &payload {
            Payload::ExportSection(reader) => {
                let mut section = own_exports(reader.clone())?;
                add(&mut section);
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
                add(&mut section);
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
        add(&mut section);
        module.section(&section);
    }
    Ok(module.finish())
}

/// An export section holding `reader`'s entries, re-encoded.
fn own_exports(
    reader: ExportSectionReader<'_>,
) -> Result<ExportSection, wasmparser::BinaryReaderError> {
    let mut section = ExportSection::new();
    for export in reader {
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
    Ok(section)
}

/// [`add_exports`] for code that is compiled, not stored: the export
/// section is re-encoded with `extra` after its entries, and every other
/// byte is copied as it is, in one piece before it and one after (the
/// function bodies are stepped over, not read). A cold start of a
/// megabyte contract pays one copy of it. `None` if `code` does not parse.
pub(crate) fn splice_exports(code: &[u8], extra: &[(&str, ExportKind, u32)]) -> Option<Vec<u8>> {
    let mut parser = Parser::new(0);
    let mut rest = code;
    // Where the new export section goes: the span it replaces, and the
    // entries of the one there was.
    let mut cut: Option<(usize, usize, Option<ExportSectionReader<'_>>)> = None;
    loop {
        let at = code.len() - rest.len();
        let wasmparser::Chunk::Parsed { consumed, payload } = parser.parse(rest, true).ok()? else {
            return None;
        };
        rest = rest.get(consumed..)?;
        match payload {
            Payload::ExportSection(reader) => cut = Some((at, at + consumed, Some(reader))),
            Payload::End(_) => break,
            _ => {
                // It comes before start (8), element (9), code (10), data
                // (11) and data count (12).
                if cut.is_none() && matches!(payload.as_section(), Some((8..=12, _))) {
                    cut = Some((at, at, None));
                }
                if let Payload::CodeSectionStart { size, .. } = payload {
                    parser.skip_section();
                    rest = rest.get(size as usize..)?;
                }
            }
        }
    }
    let (start, end, own) = cut.unwrap_or((code.len(), code.len(), None));
    let mut section = match own {
        Some(reader) => own_exports(reader).ok()?,
        None => ExportSection::new(),
    };
    for (name, kind, index) in extra {
        section.export(name, *kind, *index);
    }
    let mut out = Vec::with_capacity(code.len() + 64);
    out.extend_from_slice(code.get(..start)?);
    out.push(7);
    section.encode(&mut out);
    out.extend_from_slice(code.get(end..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On canonical code (as WAT gives), splicing gives the very bytes of
    /// re-encoding the whole module, wherever the export section is or
    /// would go.
    #[test]
    fn splicing_matches_re_encoding() {
        let modules = [
            r#"(module (memory (export "memory") 1) (global (mut i32) (i32.const 0))
                 (func (export "f")) (data (i32.const 0) "x"))"#,
            r#"(module (global (mut i32) (i32.const 0)) (func $s) (start $s)
                 (table 1 funcref) (elem (i32.const 0) $s))"#,
            r#"(module (global (mut i32) (i32.const 0)) (func) (func))"#,
            r#"(module (global (mut i32) (i32.const 0)))"#,
            r#"(module)"#,
        ];
        let extra = [
            ("__g", ExportKind::Global, 0),
            ("__t", ExportKind::Global, 0),
        ];
        for wat in modules {
            let code = wat::parse_str(wat).unwrap();
            let whole = add_exports(&code, &extra).unwrap();
            let spliced = splice_exports(&code, &extra).expect("spliced");
            assert_eq!(whole, spliced, "{wat}");
            // (The empty module has no global for the extra exports.)
            if wat != "(module)" {
                wasmparser::Validator::new().validate_all(&spliced).unwrap();
            }
        }
        assert_eq!(splice_exports(b"\0asm\x01\0\0\0\x07\x05", &extra), None);
    }
}
