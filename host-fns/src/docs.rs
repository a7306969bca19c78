//! Documents made from the table: the C header that guest contracts include,
//! and the markdown ABI reference.

use std::fmt::Write;

use crate::{HostFnDesc, HostModule, ValType};

fn c_param(name: &str, ty: ValType) -> String {
    let c_ty = match ty {
        _ if name.ends_with("_ptr") && name.starts_with("dst") => "void *",
        _ if name.ends_with("_ptr") => "const void *",
        ValType::I32 => "int32_t ",
        ValType::I64 => "int64_t ",
    };
    format!("{c_ty}{name}")
}

fn c_result(f: &HostFnDesc) -> &'static str {
    match f.results.first() {
        None => "void",
        Some(ValType::I32) => "int32_t",
        Some(ValType::I64) => "int64_t",
    }
}

fn gas_text(f: &HostFnDesc) -> String {
    match f.gas.per_byte {
        Some((per, arg)) => format!("{} + {per} per byte of `{arg}`", f.gas.base),
        None => f.gas.base.to_string(),
    }
}

/// The C header for guest contracts: one declaration per host function,
/// named `<module>_<name>`, imported from its module. Pointer parameters
/// (`*_ptr`) are `void *` (wasm32 pointers are i32 in the ABI).
pub fn c_header(modules: &[&dyn HostModule]) -> String {
    let mut out = String::new();
    out.push_str(concat!(
        "/* strata.h: the Strata host functions for contracts written in C.\n",
        " *\n",
        " * GENERATED from the host-function table of strata-host-fns\n",
        " * (host-fns/src/functions.rs). Do not edit: run\n",
        " * `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated` to regenerate.\n",
        " *\n",
        " * Compile with: clang --target=wasm32 -nostdlib -O2 -Wl,--no-entry\n",
        " */\n",
        "#ifndef STRATA_H\n",
        "#define STRATA_H\n\n",
        "#include <stdint.h>\n\n",
        "#define STRATA_IMPORT(module, name) \\\n",
        "    __attribute__((import_module(module), import_name(name)))\n",
        "#define STRATA_EXPORT(name) __attribute__((export_name(name)))\n",
    ));
    for m in modules {
        let _ = write!(out, "\n/* ---- module \"{}\" ---- */\n", m.name());
        for f in m.functions() {
            out.push_str("\n/**\n");
            for line in f.docs.lines() {
                let _ = writeln!(
                    out,
                    " *{}{}",
                    if line.is_empty() { "" } else { " " },
                    line.trim()
                );
            }
            let _ = write!(out, " *\n * Gas: {}.\n */\n", gas_text(f).replace('`', ""));
            let params: Vec<String> = f.params.iter().map(|(n, t)| c_param(n, *t)).collect();
            let params = if params.is_empty() {
                "void".to_owned()
            } else {
                params.join(", ")
            };
            let _ = writeln!(
                out,
                "STRATA_IMPORT(\"{}\", \"{}\")\n{} {}_{}({});",
                f.module,
                f.name,
                c_result(f),
                f.module,
                f.name,
                params
            );
        }
    }
    out.push_str("\n#endif /* STRATA_H */\n");
    out
}

/// The ABI reference in markdown: every function's import, signature, gas
/// and documentation.
pub fn markdown(modules: &[&dyn HostModule]) -> String {
    let mut out = String::from(
        "# Strata host ABI\n\n\
         GENERATED from the host-function table of `strata-host-fns` \
         (`host-fns/src/functions.rs`); do not edit. Regenerate with \
         `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated`.\n\n\
         All pointers and lengths are `i32` values read as unsigned 32-bit \
         numbers. Gas is charged before the function runs, and stays charged \
         when it fails. A bad argument ends the transaction with an error that \
         names the function and the argument.\n",
    );
    for m in modules {
        let _ = write!(out, "\n## Module `{}`\n\n", m.name());
        out.push_str("| function | parameters | result | gas |\n|---|---|---|---|\n");
        for f in m.functions() {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|(n, t)| format!("{n}: {}", t.wat()))
                .collect();
            let result = f.results.first().map(|t| t.wat()).unwrap_or("");
            let _ = writeln!(
                out,
                "| [`{}`](#{}{}) | {} | {} | {} |",
                f.name,
                f.module,
                f.name.replace('_', ""),
                params.join(", "),
                result,
                gas_text(f)
            );
        }
        for f in m.functions() {
            let _ = write!(out, "\n### {}.{}\n\n", f.module, f.name);
            let params: Vec<&str> = f.params.iter().map(|(_, t)| t.wat()).collect();
            let mut sig = format!("(import \"{}\" \"{}\" (func", f.module, f.name);
            if !params.is_empty() {
                let _ = write!(sig, " (param {})", params.join(" "));
            }
            if let Some(r) = f.results.first() {
                let _ = write!(sig, " (result {})", r.wat());
            }
            sig.push_str("))");
            let _ = write!(out, "```wat\n{sig}\n```\n\n");
            for line in f.docs.lines() {
                let _ = writeln!(out, "{}", line.trim());
            }
            let _ = writeln!(out, "\nGas: {}.", gas_text(f));
        }
    }
    out
}

/// The raw import declarations of the Rust contract SDK (`sdk/src/raw.rs`):
/// one Rust module per import module, with one `extern "C"` function per
/// host function, all `i32`/`i64` as in the wasm ABI. Off wasm32 (the SDK's
/// host builds: unit tests and docs) each is a function of the same
/// signature that panics, so the pure parts of the SDK build and test
/// anywhere.
pub fn rust_imports(modules: &[&dyn HostModule]) -> String {
    let mut out = String::new();
    out.push_str(concat!(
        "//! The raw host-function imports, one module per import module.\n",
        "//!\n",
        "//! GENERATED from the host-function table of strata-host-fns\n",
        "//! (host-fns/src/functions.rs). Do not edit: run\n",
        "//! `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated` to regenerate.\n",
        "//!\n",
        "//! Pointers are wasm32 addresses as `i32`. Everything here is `unsafe`:\n",
        "//! the safe wrappers are the rest of this crate. Off wasm32 each function\n",
        "//! panics: host functions exist only inside the Strata runtime.\n",
        "#![allow(clippy::too_many_arguments, clippy::missing_safety_doc)]\n",
    ));
    for m in modules {
        let name = m.name();
        let sig = |f: &HostFnDesc, unused: bool| {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|(n, t)| format!("{}{n}: {}", if unused { "_" } else { "" }, t.wat()))
                .collect();
            let ret = match f.results.first() {
                None => String::new(),
                Some(t) => format!(" -> {}", t.wat()),
            };
            format!("fn {}({}){ret}", f.name, params.join(", "))
        };
        let docs = |out: &mut String, f: &HostFnDesc, indent: &str| {
            for line in f.docs.lines() {
                let line = line.trim();
                let sep = if line.is_empty() { "" } else { " " };
                let _ = writeln!(out, "{indent}///{sep}{line}");
            }
            let _ = writeln!(out, "{indent}///\n{indent}/// Gas: {}.", gas_text(f));
        };
        let _ = write!(
            out,
            "\n/// The `{name}` import module.\n#[cfg(target_arch = \"wasm32\")]\npub mod {name} {{\n    #[link(wasm_import_module = \"{name}\")]\n    extern \"C\" {{\n"
        );
        for (i, f) in m.functions().iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            docs(&mut out, f, "        ");
            let _ = writeln!(out, "        pub {};", sig(f, false));
        }
        out.push_str("    }\n}\n");
        let _ = write!(
            out,
            "\n/// The `{name}` import module (off wasm32: every function panics).\n#[cfg(not(target_arch = \"wasm32\"))]\npub mod {name} {{\n"
        );
        for (i, f) in m.functions().iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            docs(&mut out, f, "    ");
            let _ = writeln!(
                out,
                "    pub unsafe {} {{\n        crate::outside_strata(\"{name}.{}\")\n    }}",
                sig(f, true),
                f.name
            );
        }
        out.push_str("}\n");
    }
    out
}
