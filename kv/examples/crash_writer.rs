//! Writes numbered batches to a RocksDB store in an endless loop, printing
//! the number of each batch once `write` has returned. The crash test of
//! `tests/rocks.rs` runs this as a child process and kills it with SIGKILL in
//! the middle of the loop; it is also a small example of the batch API.
//!
//! Usage: `crash_writer DIR`

use std::io::Write;

use strata_kv::{KvStore, Namespace, RocksConfig, RocksKv, WriteBatch};

/// The namespace the batches go to.
const NS: Namespace = Namespace::new(7);
/// Keys per batch.
const KEYS_PER_BATCH: u32 = 64;
/// Bytes per value.
const VALUE_BYTES: usize = 512;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: crash_writer DIR");
        std::process::exit(2);
    };
    let kv = match RocksKv::open_with(&dir, &RocksConfig::with_sync(false)) {
        Ok(kv) => kv,
        Err(e) => {
            eprintln!("crash_writer: {e}");
            std::process::exit(2);
        }
    };
    let mut out = std::io::stdout().lock();
    for batch_no in 0u32.. {
        let mut b = WriteBatch::with_capacity(KEYS_PER_BATCH as usize);
        for k in 0..KEYS_PER_BATCH {
            let mut key = batch_no.to_be_bytes().to_vec();
            key.extend_from_slice(&k.to_be_bytes());
            b.put(NS, key, vec![(batch_no % 251) as u8; VALUE_BYTES]);
        }
        if let Err(e) = kv.write(b) {
            eprintln!("crash_writer: {e}");
            std::process::exit(1);
        }
        if writeln!(out, "{batch_no}")
            .and_then(|_| out.flush())
            .is_err()
        {
            std::process::exit(0);
        }
    }
}
