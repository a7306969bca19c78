//! Imports of host-function variants renamed to the variants' symbols,
//! without re-encoding the rest of the module.

use wasmparser::{Parser, Payload, TypeRef};

/// Rewrites `code` so that each function import at an index of `renames`
/// (import indices in section order) gets the new name: a variant shares its
/// import name with other signatures, and the engine links one function per
/// module and name, so the stored module imports the variant's unique
/// symbol. Every other section is copied byte for byte; the import section is
/// re-encoded with the same entries in the same order, so no index moves.
/// Only function imports reach here (validation rejects the others).
pub(super) fn rename_imports(
    code: &[u8],
    renames: &[(u32, &'static str)],
) -> Result<Vec<u8>, String> {
    use wasm_encoder::{EntityType, ImportSection, Module, RawSection};

    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(code) {
        let payload = payload.map_err(|e| e.to_string())?;
        match &payload {
            Payload::ImportSection(reader) => {
                let mut section = ImportSection::new();
                for (index, import) in reader.clone().into_iter().enumerate() {
                    let import = import.map_err(|e| e.to_string())?;
                    let TypeRef::Func(ty) = import.ty else {
                        return Err(format!(
                            "import {}.{} is not a function",
                            import.module, import.name
                        ));
                    };
                    let name = renames
                        .iter()
                        .find(|(i, _)| *i as usize == index)
                        .map_or(import.name, |(_, symbol)| symbol);
                    section.import(import.module, name, EntityType::Function(ty));
                }
                module.section(&section);
                continue;
            }
            Payload::End(_) => break,
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            module.section(&RawSection {
                id,
                data: code.get(range).unwrap_or_default(),
            });
        }
    }
    Ok(module.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_only_the_named_imports_and_keeps_everything_else() {
        let wat = r#"(module
            (import "svm" "a" (func (param i32)))
            (import "svm" "b" (func (param i64)))
            (import "strata" "a" (func))
            (memory 1)
            (func (export "f") (call 2))
            (data (i32.const 0) "hello"))"#;
        let code = wat::parse_str(wat).unwrap();
        let out = rename_imports(&code, &[(1, "b_v2"), (2, "a_v3")]).unwrap();
        let mut names = Vec::new();
        for payload in Parser::new(0).parse_all(&out) {
            if let Payload::ImportSection(reader) = payload.unwrap() {
                for import in reader {
                    let import = import.unwrap();
                    names.push(format!("{}.{}", import.module, import.name));
                }
            }
        }
        assert_eq!(names, ["svm.a", "svm.b_v2", "strata.a_v3"]);
        wasmparser::Validator::new().validate_all(&out).unwrap();
        // Nothing but the names changed: same length plus the longer names.
        assert_eq!(out.len(), code.len() + 3 + 3);
        assert_eq!(rename_imports(&code, &[]).unwrap(), code);
    }
}
