//! A counter in Rust: an i64 at page 0, offset 0 (the same storage layout as
//! `examples/counter.wat` and `examples/counter.c`).
//!
//!   scripts/build-rust-contract examples/rust/counter.rs counter.wasm
//!   strata deploy counter.wasm --pages 1
//!   strata call COUNTER inc
#![no_std]

use strata_sdk::{env, export, revert, Slot};

const COUNT: Slot<i64> = Slot::new(0, 0);

export! {
    /// Adds one and returns the new value.
    fn inc() -> i64 {
        let n = COUNT.get() + 1;
        COUNT.set(&n);
        n
    }

    /// Adds `by` (which must not be negative) and returns the new value.
    fn add(by: i64) -> i64 {
        if by < 0 {
            revert("add: the amount must not be negative");
        }
        let n = match COUNT.get().checked_add(by) {
            Some(n) => n,
            None => panic!("add: the counter would overflow"),
        };
        COUNT.set(&n);
        n
    }

    /// The current value.
    fn get() -> i64 {
        COUNT.get()
    }

    /// Adds one, with the new value (8 bytes LE) as return data (another
    /// contract's call drops results, and sees return data).
    fn bump() {
        let n = inc();
        env::set_return(&n.to_le_bytes());
    }

    /// Always fails (for callers to handle).
    fn fail() {
        COUNT.set(&-1);
        revert("counter: failing on purpose");
    }
}
