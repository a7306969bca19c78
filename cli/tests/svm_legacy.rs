//! SVM-era contracts in the legacy (2019 wabt) text format through the
//! `strata` binary, with hex arguments.

mod common;

use common::*;

#[test]
fn legacy_text_contract_deploys_and_takes_hex_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let c = deploy(dir.path(), "svm/slices_era_counter.wast", &[]);
    let (code, out, err) = run(dir.path(), &["call", &c, "add", "i64:0x5", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"], serde_json::json!([5]));
    let (code, out, err) = run(dir.path(), &["call", &c, "add", "i64:0xff", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"], serde_json::json!([260]));
    let (code, out, err) = run(dir.path(), &["call", &c, "copy", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"], serde_json::json!([9]));
    let (code, _, err) = run(dir.path(), &["call", &c, "add", "i64:0xz"]);
    assert_eq!(code, 2);
    assert!(err.contains("0x hex"), "{err}");
}
