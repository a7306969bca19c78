//! A test contract (not an example): exercises the SDK's environment,
//! balance, register and event wrappers so the tests can compare what they
//! return with what the runtime knows.
#![no_std]

use strata_sdk::env::{self, topic};
use strata_sdk::{export, registers, revert, Address, Slot};

export! {
    /// Return data: own address ++ sender ++ height (u64 LE) ++ time (u64
    /// LE) ++ gas left (u64 LE) ++ own balance (u128 LE) ++ input length
    /// (u32 LE).
    fn whoami() {
        let mut out = [0u8; 20 + 20 + 8 + 8 + 8 + 16 + 4];
        out[..20].copy_from_slice(&env::address().0);
        out[20..40].copy_from_slice(&env::sender().0);
        out[40..48].copy_from_slice(&env::block_height().to_le_bytes());
        out[48..56].copy_from_slice(&env::block_time().to_le_bytes());
        out[56..64].copy_from_slice(&env::gas_left().to_le_bytes());
        out[64..80].copy_from_slice(&env::balance(&env::address()).to_le_bytes());
        out[80..84].copy_from_slice(&(env::input_len() as u32).to_le_bytes());
        env::set_return(&out);
    }

    /// Sends `amount` to the address in the input; returns 1 when the
    /// balance was too low.
    fn pay(amount: i64) -> i32 {
        let mut buf = [0u8; 20];
        let to = match Address::from_slice(env::input(&mut buf)) {
            Some(a) => a,
            None => revert("probe: the input must be an address"),
        };
        if env::transfer(&to, amount as u128) { 0 } else { 1 }
    }

    /// Round-trips the input through a 160-bit register and storage, then
    /// returns it (through a register read back into memory).
    fn registers() {
        let mut buf = [0u8; 20];
        let input = env::input(&mut buf);
        registers::set(160, 1, input);
        registers::store(160, 1, 20, 0, 100);
        registers::load(0, 100, 20, 160, 2);
        let mut out = [0u8; 20];
        registers::get(160, 2, &mut out);
        let stored: [u8; 20] = Slot::new(0, 100).get();
        if stored != out {
            revert("probe: storage and register disagree");
        }
        env::set_return(&out);
    }

    /// Logs, emits an event with `n` topics (more than 4 fails), reads the
    /// input at an offset.
    fn chatter(n: i32) {
        env::log("probe: hello");
        let topics = [topic(b"a"), topic(b"b"), topic(b"c"), topic(b"d"), topic(b"e")];
        let mut tail = [0u8; 8];
        let tail = env::input_at(2, &mut tail);
        env::emit(&topics[..n as usize], tail);
    }

    /// Recurses `n` deep, each level keeping 512 bytes on the contract's
    /// stack (in linear memory): the sum of what every level saw.
    fn deep(n: i64) -> i64 {
        depth(n as u32, 1) as i64
    }
}

/// One level of [`deep`]: a buffer whose address escapes (so it lives on
/// the stack in memory, not in wasm locals), kept across the call below.
#[inline(never)]
fn depth(n: u32, seed: u64) -> u64 {
    let mut buf = [seed; 64];
    stir(&mut buf);
    if n > 0 {
        buf[(n % 64) as usize] ^= depth(n - 1, seed.wrapping_mul(31).wrapping_add(7));
    }
    stir(&mut buf);
    buf.iter().fold(0u64, |a, b| a.wrapping_add(*b))
}

#[inline(never)]
fn stir(buf: &mut [u64; 64]) {
    for i in 1..64 {
        buf[i] = buf[i].wrapping_add(buf[i - 1].rotate_left(7));
    }
}
