//! SIGKILL at random moments while `strata run` executes transactions on
//! RocksDB: afterwards the store opens, holds exactly the transactions whose
//! receipts were printed (or those and the one in flight), validates, and
//! takes the next transaction.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{counter_value, deploy, json, run, strata};

/// How many times the CLI is killed.
const KILLS: u32 = 40;
/// Calls in the script each killed run executes (far more than fit before
/// its kill).
const CALLS: usize = 2_000;

/// xorshift64*: the kill delays, the same on every run of the test.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Reads a killed run's receipts, one JSON line each, printed once its
/// transaction was committed, and sends the value of each successful one.
/// A line cut short by the kill does not parse and is not sent (its
/// transaction is the one in flight).
fn acknowledge(stdout: std::process::ChildStdout, acks: mpsc::Sender<i64>) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let Ok(receipt) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if receipt["success"] == true {
            let value = receipt["returns"][0]
                .as_i64()
                .expect("inc returns the value");
            if acks.send(value).is_err() {
                break;
            }
        }
    }
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_transaction() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let c = deploy(&store, "counter.wat", &["--pages", "1"]);
    let script = dir.path().join("incs.strata");
    std::fs::write(&script, format!("call {c} inc\n").repeat(CALLS)).unwrap();

    let mut rng = Rng(0x05ee_d0f5_7a7a_u64);
    let mut value = 0i64;
    let (mut in_flight_landed, mut killed_mid_run) = (0u32, 0u32);
    for kill in 0..KILLS {
        let mut child = strata(&store)
            .arg("run")
            .arg(&script)
            .arg("--json")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || acknowledge(stdout, tx));
        // A quarter of the kills come at a random moment from the start:
        // before the store is open, during its open and recovery, or in
        // the first transactions. The others come a random moment after a
        // random number of receipts, so that they land among transactions
        // and commits however long this machine takes to start a process.
        let mut acks = Vec::new();
        let wait_for = if rng.below(4) == 0 {
            0
        } else {
            1 + rng.below(20) as usize
        };
        while acks.len() < wait_for {
            match rx.recv_timeout(Duration::from_secs(20)) {
                Ok(v) => acks.push(v),
                Err(e) => panic!("kill {kill}: no receipt from the script: {e}"),
            }
        }
        let delay = if wait_for == 0 {
            rng.below(150_000)
        } else {
            rng.below(8_000)
        };
        std::thread::sleep(Duration::from_micros(delay));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        acks.extend(rx.try_iter());
        let acked = acks.len() as i64;

        let now = counter_value(&store, &c);
        assert!(
            now == value + acked || now == value + acked + 1,
            "kill {kill}: {now} in the store, {value} before the run and {acked} acknowledged"
        );
        let want: Vec<i64> = (value + 1..=value + acked).collect();
        assert_eq!(
            acks, want,
            "kill {kill}: the receipts count up from the stored value"
        );
        killed_mid_run += u32::from(acked > 0);
        in_flight_landed += u32::from(now > value + acked);
        value = now;
        if kill % 8 == 7 {
            let (code, out, err) = run(&store, &["state", &c, "--json"]);
            assert_eq!(code, 0, "kill {kill}: the account validates: {err}");
            assert_eq!(json(&out)["page_count"], 1);
        }
    }
    assert!(
        killed_mid_run >= KILLS / 2,
        "most kills land while transactions run ({killed_mid_run} of {KILLS})"
    );

    // The store validates and carries on.
    let (code, _, err) = run(&store, &["state", &c]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&store, &["call", &c, "inc", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["returns"][0].as_i64(), Some(value + 1));
    assert_eq!(counter_value(&store, &c), value + 1);
    eprintln!(
        "{KILLS} kills ({killed_mid_run} after at least one receipt, {in_flight_landed} with \
         the transaction in flight landed), {value} transactions kept, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
