//! Exports added to a module without re-encoding the rest of it: the
//! `memory` export SVM-era modules lack (at deploy), and the reserved
//! exports through which a reused instance's hidden state is reset (at
//! load, `exec/reuse.rs`).

use wasm_encoder::{ExportKind, ExportSection, Module, RawSection};
use wasmparser::{ExternalKind, Parser, Payload};

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
pub(crate) fn add_exports(
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
