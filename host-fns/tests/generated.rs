//! The checked-in C header and ABI reference must match the table.
//! `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated` rewrites
//! them.

use std::path::PathBuf;

use strata_host_fns::{builtin_modules, docs};

fn check(file: &str, generated: String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file);
    if std::env::var_os("STRATA_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{} is stale: the host-function table changed. Regenerate with \
         `STRATA_BLESS=1 cargo test -p strata-host-fns --test generated` and commit it.",
        path.display()
    );
}

#[test]
fn c_header_is_up_to_date() {
    check("include/strata.h", docs::c_header(&builtin_modules()));
}

#[test]
fn abi_reference_is_up_to_date() {
    check("ABI.md", docs::markdown(&builtin_modules()));
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
