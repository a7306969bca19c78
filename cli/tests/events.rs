//! `strata events` and `strata info` on a RocksDB store: both output
//! forms, a store a node wrote at several heights, and the errors.

mod common;

use common::*;
use strata_kv::RocksKv;
use strata_runtime::{
    Address, BlockContext, CallTx, DeployTx, Runtime, RuntimeConfig, Transaction,
};

/// The counter example's topic: "counter.inc", zero-padded to 32 bytes.
fn counter_topic() -> String {
    let mut t = [0u8; 32];
    t[..11].copy_from_slice(b"counter.inc");
    hex::encode(t)
}

#[test]
fn events_and_info_in_both_forms() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy(&store, "counter.wat", &["--pages", "1"]);
    let c = c.as_str();
    for function in ["inc", "inc", "fail"] {
        run(&store, &["call", c, function]);
    }
    let topic = counter_topic();

    let (code, out, err) = run(&store, &["events", c]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            format!("block 0 tx 0 event 0 topics [{topic}] data 0100000000000000"),
            format!("block 0 tx 0 event 0 topics [{topic}] data 0200000000000000"),
        ],
        "the failed call's event is not indexed"
    );
    let (code, out, _) = run(&store, &["events", c, "--json", "--topic", &topic]);
    assert_eq!(code, 0);
    let doc = json(&out);
    assert_eq!(doc["contract"], c);
    assert_eq!(doc["from_block"], 0);
    let events = doc["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["height"], 0);
    assert_eq!(events[1]["tx_index"], 0);
    assert_eq!(events[1]["event_index"], 0);
    assert_eq!(events[1]["topics"][0], topic.as_str());
    assert_eq!(events[1]["data"], "0200000000000000");
    // Another topic, or a later block: nothing, said so.
    let other = "ab".repeat(32);
    let (code, out, _) = run(&store, &["events", c, "--topic", &other]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), format!("(no events of {c} kept from block 0)"));
    let (_, out, _) = run(&store, &["events", c, "--from-block", "1", "--json"]);
    assert_eq!(json(&out)["events"].as_array().unwrap().len(), 0);

    let (code, out, err) = run(&store, &["info"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("block        0\n"), "{out}");
    assert!(out.contains("block root   "), "{out}");
    assert!(out.contains("retention    120960 blocks\n"), "{out}");
    assert!(out.contains("events kept  2\n"), "{out}");
    assert!(out.contains("oldest event block 0\n"), "{out}");
    let size = out
        .lines()
        .find_map(|l| l.strip_prefix("store size   "))
        .and_then(|s| s.strip_suffix(" bytes"))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no store size: {out}"));
    assert!(size > 0);
    let (code, out, _) = run(&store, &["info", "--json"]);
    assert_eq!(code, 0);
    let doc = json(&out);
    assert_eq!(doc["block"]["height"], 0);
    assert_eq!(doc["block"]["state_root"].as_str().unwrap().len(), 64);
    assert_eq!(doc["event_index"]["retention_blocks"], 120_960);
    assert_eq!(doc["event_index"]["events"], 2);
    assert_eq!(doc["event_index"]["oldest_block"], 0);
    assert_eq!(doc["event_index"]["newest_block"], 0);
    assert!(doc["store_bytes"].as_u64().unwrap() > 0);

    // Both only read: they work while another process writes the store.
    let holder = RocksKv::open(&store).unwrap();
    assert_eq!(run(&store, &["events", c]).0, 0);
    assert_eq!(run(&store, &["info"]).0, 0);
    drop(holder);
}

#[test]
fn a_store_a_node_wrote_at_several_heights() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let code = wat::parse_file(example("counter.wat")).unwrap();
    let user = Address([7; 20]);
    let c = {
        let rt = Runtime::builder(RocksKv::open(&store).unwrap())
            .config(RuntimeConfig {
                event_retention_blocks: Some(10),
                ..RuntimeConfig::default()
            })
            .build()
            .unwrap();
        let at = |height| BlockContext { height, time: 0 };
        let r = rt
            .execute(
                &Transaction::Deploy(DeployTx::new(user, code).pages(1)),
                at(1),
            )
            .unwrap();
        let c = r.into_result().unwrap().deployed.unwrap();
        for height in [2, 5, 9, 14] {
            let inc = Transaction::Call(CallTx::new(c, user, "inc"));
            rt.execute_block(&[inc.clone(), inc], at(height))
                .unwrap()
                .receipts
                .into_iter()
                .for_each(|r| assert!(r.success()));
        }
        c
    };
    let c = c.to_hex();
    let (code, out, err) = run(&store, &["events", &c, "--from-block", "6"]);
    assert_eq!(code, 0, "{err}");
    let heights: Vec<&str> = out
        .lines()
        .map(|l| &l[..l.find(" event").unwrap()])
        .collect();
    assert_eq!(
        heights,
        [
            "block 9 tx 0",
            "block 9 tx 1",
            "block 14 tx 0",
            "block 14 tx 1"
        ]
    );
    // Height 14 keeps 5..=14: block 2's events expired.
    let (_, out, _) = run(&store, &["events", &c, "--json"]);
    let doc = json(&out);
    let heights: Vec<u64> = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["height"].as_u64().unwrap())
        .collect();
    assert_eq!(heights, [5, 5, 9, 9, 14, 14]);
    let (code, out, _) = run(&store, &["info"]);
    assert_eq!(code, 0);
    assert!(out.contains("block        14\n"), "{out}");
    assert!(out.contains("events kept  6\n"), "{out}");
    assert!(out.contains("oldest event block 5\n"), "{out}");
    assert!(out.contains("newest event block 14\n"), "{out}");
    assert!(
        out.contains("expired      the events of blocks below 5\n"),
        "{out}"
    );
    // The CLI reports its own retention (the default), not the node's.
    assert!(out.contains("retention    120960 blocks\n"), "{out}");
}

#[test]
fn info_in_memory_and_on_a_missing_store() {
    let dir = tempfile::tempdir().unwrap();
    // `--memory` conflicts with `--data-dir`: run without the helper.
    let out = std::process::Command::new(strata_bin())
        .args(["--memory", "info"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("block        (none yet)\n"), "{text}");
    assert!(text.contains("events kept  0\n"), "{text}");
    assert!(text.contains("oldest event (none kept)\n"), "{text}");
    assert!(
        text.contains("store size   unknown (an in-memory store)\n"),
        "{text}"
    );
    let missing = dir.path().join("missing");
    let (code, _, err) = run(&missing, &["info"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no Strata store") && err.contains("`info`"),
        "{err}"
    );
    assert!(!missing.exists(), "a read-only command created nothing");
}

#[test]
fn bad_addresses_and_topics_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy(&store, "counter.wat", &[]);
    let c = c.as_str();
    for (args, want) in [
        (vec!["events", "xyz"], "is not an address"),
        (
            vec!["events", c, "--topic", "zz"],
            "--topic \"zz\" is not hex",
        ),
        (
            vec!["events", c, "--topic", "00ff"],
            "is 2 bytes; a topic is 32 bytes (64 hex characters)",
        ),
    ] {
        let (code, out, err) = run(&store, &args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.starts_with("strata: error: ") && err.contains(want),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let (code, _, err) = run(&store, &["events", c, "--from-block", "-1"]);
    assert_eq!(code, 2, "{err}");
}
