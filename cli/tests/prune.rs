//! `strata prune` and the state retention in `strata info`, on a RocksDB
//! store: the default window, pruning on demand, both output forms, and
//! a pruned store that still serves its latest state.

mod common;

use common::*;

#[test]
fn prune_keeps_the_last_blocks_and_info_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy(&store, "counter.wat", &["--pages", "1"]);
    let c = c.as_str();
    for _ in 0..5 {
        let (code, _, err) = run(&store, &["call", c, "inc"]);
        assert_eq!(code, 0, "{err}");
    }
    // Every command is a block: the deploy and five calls, all retained
    // under the default window of 128.
    let (code, out, err) = run(&store, &["info", "--json"]);
    assert_eq!(code, 0, "{err}");
    let r = &json(&out)["state_retention"];
    assert_eq!(r["keep_blocks"], 128);
    assert_eq!(r["counting"], true);
    assert_eq!(r["retained_blocks"], 6);
    assert_eq!(r["pruned_blocks"], 0);
    let (_, before, _) = run(&store, &["info"]);
    assert!(
        before.contains("state kept   the last 128 blocks"),
        "{before}"
    );
    assert!(before.contains("retained     6 blocks"), "{before}");

    // Prune to two: four blocks go, with the records only they reached.
    let (code, out, err) = run(&store, &["prune", "--keep", "2", "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc = json(&out);
    assert_eq!(doc["blocks_pruned"], 4);
    assert!(doc["records_deleted"].as_u64().unwrap() >= 4, "{out}");
    assert_eq!(doc["state_retention"]["retained_blocks"], 2);
    assert_eq!(doc["state_retention"]["pruned_blocks"], 4);
    let (code, out, _) = run(&store, &["prune", "--keep", "2"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("pruned 0 blocks, deleted 0 records"),
        "{out}"
    );
    assert!(out.contains("retained     2 blocks"), "{out}");

    // The latest state is whole: the counter reads 5 and counts on.
    let (code, out, err) = run(&store, &["query", c, "get", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"][0], 5);
    let (code, _, err) = run(&store, &["call", c, "inc"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&store, &["info", "--json"]);
    assert_eq!(json(&out)["state_retention"]["retained_blocks"], 3);

    // Bad input is refused before the store is touched.
    let (code, _, err) = run(&store, &["prune", "--keep", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("keep"), "{err}");
}
