//! A tally per caller, in a map: as many callers as come, no page limit.
//! The map's root is at page 0, offset 0.
//!
//!   scripts/build-rust-contract examples/rust/tally.rs tally.wasm
//!   strata deploy tally.wasm --pages 1
//!   strata call TALLY bump --sender ADDRESS_HEX40
//!   strata query TALLY total
#![no_std]

use strata_sdk::maps::MAX_KEY;
use strata_sdk::{env, export, Map};

const TALLIES: Map = Map::new(0, 0);

export! {
    /// Adds one to the caller's tally and returns it.
    fn bump() -> i64 {
        let me = env::sender();
        let n = TALLIES.get_u64(&me.0) + 1;
        TALLIES.set(&me.0, &n.to_le_bytes());
        n as i64
    }

    /// The tally of the 20-byte address in the input (0 if none).
    fn tally_of() -> i64 {
        let mut buf = [0u8; 20];
        let who = env::input(&mut buf);
        TALLIES.get_u64(who) as i64
    }

    /// Removes the caller's tally; 1 if there was one.
    fn forget() -> i32 {
        TALLIES.remove(&env::sender().0) as i32
    }

    /// The sum of every tally, by iterating the map.
    fn total() -> i64 {
        let mut key = [0u8; MAX_KEY];
        let mut value = [0u8; 8];
        let mut last = [0u8; 20];
        let mut sum = 0u64;
        let mut first = true;
        loop {
            let after = if first { None } else { Some(&last[..]) };
            let entry = match TALLIES.next(after, &mut key, &mut value) {
                Some(entry) => entry,
                None => break,
            };
            sum += u64::from_le_bytes(value);
            // Keys are 20-byte addresses: remember this one to go on after it.
            for (dst, src) in last.iter_mut().zip(key.iter().take(entry.key_len)) {
                *dst = *src;
            }
            first = false;
        }
        sum as i64
    }
}
