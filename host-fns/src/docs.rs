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
/// named `<module>_<name>`, imported from its module (a variant is named
/// `<module>_<symbol>` and imported under its name). Pointer parameters
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
                f.symbol,
                params
            );
        }
    }
    out.push_str("\n#endif /* STRATA_H */\n");
    out
}

/// A function's heading in the ABI reference.
fn heading(f: &HostFnDesc) -> String {
    if f.is_variant() {
        format!("{}.{} (variant {})", f.module, f.name, f.symbol)
    } else {
        format!("{}.{}", f.module, f.name)
    }
}

/// The anchor a markdown renderer gives `heading`: lower case, letters,
/// digits, `_` and `-` kept, spaces as `-`, everything else dropped.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// The ABI reference in markdown: every function's import, signature, gas
/// and documentation, with the interface eras of SVM's vmcalls.
pub fn markdown(modules: &[&dyn HostModule]) -> String {
    let mut out = String::from(
        "# Strata host ABI\n\n\
         GENERATED from the host-function table of `strata-host-fns` \
         (`host-fns/src/functions.rs`); do not edit. Regenerate with \
         `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated`.\n\n\
         All pointers and lengths are `i32` values read as unsigned 32-bit \
         numbers. Gas is charged before the function runs, and stays charged \
         when it fails. A bad argument ends the transaction with an error that \
         names the function and the argument.\n\n\
         ## SVM's 2019 interface eras\n\n\
         SVM's vmcalls changed during 2019, and a contract imports the \
         signatures of its era. Deploy resolves every import by module, name \
         *and* signature, so contracts of every era run side by side:\n\n\
         - **September 2019**: registers as little-endian i64 \
         (`reg_read_le_i64`, `reg_write_le_i64`); storage calls with a slice \
         argument.\n\
         - **Late September to early December 2019**: registers as big-endian \
         i64 (`reg_read_be_i64`, `reg_write_be_i64`, `reg_replace_byte`); \
         storage calls with a slice argument (six parameters).\n\
         - **December 2019**: the storage calls without the slice argument \
         (five parameters), listed below as variants; the node's balance \
         calls move from module `node` (`vmcall_get_balance`, \
         `vmcall_set_balance`) to module `env` (`get_balance`, \
         `set_balance`).\n\n\
         A *variant* shares its import name with another function of its \
         module and differs in its parameters. The engine links one function \
         per module and name, so deploy writes the variant's own *symbol* \
         (`storage_read_to_reg_dec19`) into the stored module's import: the \
         stored code, and so the code hash the contract address is made \
         from, is that rewritten module (`strata deploy --json` prints the \
         hash of the file too, as `source_code_hash`, when they differ). An \
         import that matches no variant is an error that lists the \
         signatures that exist. Symbols are never import names: a contract \
         cannot import a variant by its symbol.\n\n\
         The modules `node` and `env` are optional: an embedder links them \
         (`RuntimeBuilder::host_module(SvmNode)`, `SvmEnv`); the `strata` \
         CLI links them by default.\n\n\
         ### Slice numbers\n\n\
         SVM's storage calls of autumn 2019 take a slice number, and SVM kept \
         a cache of slices keyed by that number. Strata ignores the number: \
         every read and write is of exactly the bytes named by page, offset \
         and length, and a read sees every earlier write of the transaction. \
         The one case where results differ: inside one execution, a read \
         through slice number *s* after a write to the same bytes through \
         another slice number *t* (or after an earlier read through *s* of \
         other bytes). SVM returned what its cache held under *s* (the bytes \
         from before the write, or the other bytes); Strata returns the bytes \
         that are there now. No contract of SVM's relied on the cache's \
         answer.\n",
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
            let label = if f.is_variant() {
                format!("`{}` (variant `{}`)", f.name, f.symbol)
            } else {
                format!("`{}`", f.name)
            };
            let _ = writeln!(
                out,
                "| [{label}](#{}) | {} | {} | {} |",
                anchor(&heading(f)),
                params.join(", "),
                result,
                gas_text(f)
            );
        }
        for f in m.functions() {
            let _ = write!(out, "\n### {}\n\n", heading(f));
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
/// anywhere. Variants (old signatures under a shared name, for SVM-era
/// contracts) are left out: two declarations of one import symbol with two
/// signatures clash in Rust and in the wasm linker, and a new contract has
/// no use for an old signature.
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
            format!("fn {}({}){ret}", f.symbol, params.join(", "))
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
        for (i, f) in m.functions().iter().filter(|f| !f.is_variant()).enumerate() {
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
        for (i, f) in m.functions().iter().filter(|f| !f.is_variant()).enumerate() {
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
