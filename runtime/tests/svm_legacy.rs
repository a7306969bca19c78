//! SVM-era contracts in the legacy (2019 wabt) text format, from
//! `examples/svm/`, deployed and run with their expected results.

mod common;

use std::sync::Arc;

use common::*;
use strata_kv::MemKv;
use strata_runtime::{Arg, Runtime};

fn example(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/svm")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn slices_era_counter_in_legacy_text_runs_with_svm_results() {
    let text = example("slices_era_counter.wast");
    // The file really is in the legacy format: today's parser rejects it.
    assert!(wat::parse_str(&text).is_err());
    let rt = Runtime::new(Arc::new(MemKv::new()));
    let c = deploy(&rt, &text, 2);
    assert_eq!(
        call(&rt, c, "add", vec![Arg::I64(5)]).returns,
        vec![Arg::I64(5)]
    );
    assert_eq!(
        call(&rt, c, "add", vec![Arg::I64(7)]).returns,
        vec![Arg::I64(12)]
    );
    assert_eq!(rt.read_slice(&c, 0, 0, 8).unwrap(), 12i64.to_be_bytes());
    assert_eq!(call(&rt, c, "copy", vec![]).returns, vec![Arg::I64(9)]);
    assert_eq!(rt.read_slice(&c, 1, 3, 9).unwrap(), b"get_local");
    assert_eq!(rt.read_slice(&c, 1, 0, 3).unwrap(), [0, 0, 0]);
}
