//! The checked-in C header, ABI reference and Rust SDK imports must match the table.
//! `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated` rewrites
//! them; any other value of `STRATA_BLESS` (`0`, empty) only compares.

use std::path::PathBuf;

use strata_host_fns::{all_modules, builtin_modules, docs};

const BLESS: &str = "STRATA_BLESS=1 cargo test -p strata-host-fns --test generated";

/// Whether `STRATA_BLESS` asks to rewrite the checked-in files: only `1`
/// or `true`.
fn blessing(value: Option<&str>) -> bool {
    matches!(value, Some(v) if v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Why `on_disk` is not `generated`, as a unified line diff, or `None` when
/// they are equal.
fn staleness(what: &str, on_disk: &str, generated: &str) -> Option<String> {
    (on_disk != generated).then(|| {
        let diff = similar::TextDiff::from_lines(on_disk, generated);
        format!(
            "{what} is stale: the host-function table changed. Regenerate it with \
             `{BLESS}` and commit it.\n{}",
            diff.unified_diff().header("checked in", "generated")
        )
    })
}

fn check(file: &str, generated: String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file);
    let bless = std::env::var("STRATA_BLESS").ok();
    if blessing(bless.as_deref()) {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    if let Some(why) = staleness(&path.display().to_string(), &on_disk, &generated) {
        panic!("{why}");
    }
}

#[test]
fn c_header_is_up_to_date() {
    check("include/strata.h", docs::c_header(&all_modules()));
}

#[test]
fn rust_sdk_imports_are_up_to_date() {
    // The SDK lives beside this crate; its raw imports come from the table.
    check("../sdk/src/raw.rs", docs::rust_imports(&builtin_modules()));
}

#[test]
fn abi_reference_is_up_to_date() {
    check("ABI.md", docs::markdown(&all_modules()));
}

#[test]
fn only_one_or_true_blesses() {
    for yes in ["1", "true", "TRUE", "True"] {
        assert!(blessing(Some(yes)), "{yes:?} blesses");
    }
    for no in ["0", "", "false", "no", "yes", "2", "01", " 1"] {
        assert!(!blessing(Some(no)), "{no:?} only compares");
    }
    assert!(!blessing(None), "unset only compares");
}

#[test]
fn a_stale_file_fails_with_a_diff_and_how_to_bless() {
    assert_eq!(staleness("f", "same\n", "same\n"), None);
    let why = staleness("f", "a\nold line\nc\n", "a\nnew line\nc\n").expect("stale");
    assert!(why.contains(BLESS), "{why}");
    assert!(why.contains("--- checked in"), "{why}");
    assert!(why.contains("+++ generated"), "{why}");
    assert!(why.contains("@@ -1,3 +1,3 @@"), "{why}");
    assert!(why.contains("\n-old line\n"), "{why}");
    assert!(why.contains("\n+new line\n"), "{why}");
    assert!(why.contains("\n a\n"), "context lines: {why}");
}

#[test]
fn header_declares_every_function() {
    let header = docs::c_header(&all_modules());
    for m in all_modules() {
        for f in m.functions() {
            let decl = format!("STRATA_IMPORT(\"{}\", \"{}\")", f.module, f.name);
            assert!(header.contains(&decl), "{decl}");
            assert!(header.contains(&format!(" {}_{}(", f.module, f.symbol)));
        }
    }
    // A variant: imported under the shared name, declared under its symbol.
    assert!(header.contains(
        "STRATA_IMPORT(\"svm\", \"storage_read_to_reg\")\n\
         void svm_storage_read_to_reg_dec19(int32_t page, int32_t offset, int32_t len, \
         int32_t reg_bits, int32_t reg_idx);"
    ));
    assert!(header.contains("int64_t node_vmcall_get_balance(int32_t reg_bits, int32_t reg_idx);"));
    assert!(
        header.contains("void env_set_balance(int64_t value, int32_t reg_bits, int32_t reg_idx);")
    );
    assert!(header.contains("int64_t svm_reg_read_be_i64(int32_t reg_bits, int32_t reg_idx);"));
    assert!(header.contains(
        "void strata_storage_read(int32_t page, int32_t offset, void *dst_ptr, int32_t len);"
    ));
}

#[test]
fn symbols_are_unique_and_never_import_names() {
    for m in all_modules() {
        let fs = m.functions();
        for f in fs {
            assert_eq!(
                fs.iter().filter(|g| g.symbol == f.symbol).count(),
                1,
                "{}.{}: symbol twice",
                f.module,
                f.symbol
            );
            if f.is_variant() {
                assert!(
                    !fs.iter().any(|g| g.name == f.symbol),
                    "{}: a variant's symbol is another function's import name",
                    f.symbol
                );
            }
            // Two functions under one name must differ in signature, or
            // deploy could not tell them apart.
            for g in fs
                .iter()
                .filter(|g| g.name == f.name && g.symbol != f.symbol)
            {
                assert_ne!(
                    (f.params.iter().map(|p| p.1).collect::<Vec<_>>(), f.results),
                    (g.params.iter().map(|p| p.1).collect::<Vec<_>>(), g.results),
                    "{}.{}: two variants with one signature",
                    f.module,
                    f.name
                );
            }
        }
    }
    use strata_host_fns::{HostModule, Svm, ValType::I32};
    let variants = Svm.variants("storage_read_to_reg");
    assert_eq!(variants.len(), 2);
    assert!(variants[1].matches(&[I32; 5], &[]) && !variants[0].matches(&[I32; 5], &[]));
    assert!(Svm.variants("no_such_function").is_empty());
    let abi = docs::markdown(&all_modules());
    assert!(abi.contains("### svm.storage_read_to_reg (variant storage_read_to_reg_dec19)"));
    assert!(abi.contains("(#svmstorage_read_to_reg-variant-storage_read_to_reg_dec19)"));
    assert!(abi.contains("### Slice numbers"));
    let raw = docs::rust_imports(&builtin_modules());
    assert!(raw.contains("pub fn storage_write_from_reg("));
    assert!(raw.contains("pub fn reg_read_le_i64("));
    assert!(!raw.contains("_dec19"), "variants stay out of the SDK");
}
