//! The checked-in C header, ABI reference and Rust SDK imports must match the table.
//! `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated` rewrites
//! them; any other value of `STRATA_BLESS` (`0`, empty) only compares.

use std::path::PathBuf;

use strata_host_fns::{builtin_modules, docs};

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
    check("include/strata.h", docs::c_header(&builtin_modules()));
}

#[test]
fn rust_sdk_imports_are_up_to_date() {
    // The SDK lives beside this crate; its raw imports come from the table.
    check("../sdk/src/raw.rs", docs::rust_imports(&builtin_modules()));
}

#[test]
fn abi_reference_is_up_to_date() {
    check("ABI.md", docs::markdown(&builtin_modules()));
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
    let header = docs::c_header(&builtin_modules());
    for m in builtin_modules() {
        for f in m.functions() {
            let decl = format!("STRATA_IMPORT(\"{}\", \"{}\")", f.module, f.name);
            assert!(header.contains(&decl), "{decl}");
            assert!(header.contains(&format!(" {}_{}(", f.module, f.name)));
        }
    }
    assert!(header.contains("int64_t svm_reg_read_be_i64(int32_t reg_bits, int32_t reg_idx);"));
    assert!(header.contains(
        "void strata_storage_read(int32_t page, int32_t offset, void *dst_ptr, int32_t len);"
    ));
}
