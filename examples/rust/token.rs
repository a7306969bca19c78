//! An ERC-20-style token in Rust: mint at deploy, transfer, approve,
//! transfer_from, balances and allowances, with `Transfer` and `Approval`
//! events.
//!
//! Amounts are u128 in storage; they travel as non-negative `i64` arguments
//! and results (what transactions carry). Addresses travel as input bytes.
//!
//! Storage (deploy with 9 pages):
//! - page 0: the holder count (u32) at 0, the allowance count (u32) at 4,
//!   the total supply (u128) at 16;
//! - pages 1-4: holders, 113 per page, each an address (20 bytes) and a
//!   balance (u128), 36 bytes;
//! - pages 5-8: allowances, 73 per page, each owner, spender (20 bytes
//!   each) and amount (u128), 56 bytes.
//!
//! What it cannot do until Strata has maps: more than 452 holders or 292
//! allowances (a full table reverts), and lookups are linear scans, so gas
//! grows with the number of holders.
//!
//!   strata deploy token.wasm --pages 9 --ctor init i64:1000000
//!   strata call TOKEN transfer i64:250 --input RECIPIENT_HEX40
//!   strata query TOKEN balance_of --input HOLDER_HEX40
#![no_std]

use strata_sdk::env::{self, topic};
use strata_sdk::{export, revert, Address, Slot};

const HOLDERS: Slot<u32> = Slot::new(0, 0);
const ALLOWANCES: Slot<u32> = Slot::new(0, 4);
const SUPPLY: Slot<u128> = Slot::new(0, 16);

const HOLDER_PAGES: u32 = 4;
const HOLDERS_PER_PAGE: u32 = 4096 / 36;
const ALLOWANCE_PAGES: u32 = 4;
const ALLOWANCES_PER_PAGE: u32 = 4096 / 56;

fn holder(i: u32) -> (Slot<Address>, Slot<u128>) {
    let (page, offset) = (1 + i / HOLDERS_PER_PAGE, (i % HOLDERS_PER_PAGE) * 36);
    (Slot::new(page, offset), Slot::new(page, offset + 20))
}

fn allowance(i: u32) -> (Slot<Address>, Slot<Address>, Slot<u128>) {
    let page = 1 + HOLDER_PAGES + i / ALLOWANCES_PER_PAGE;
    let offset = (i % ALLOWANCES_PER_PAGE) * 56;
    (
        Slot::new(page, offset),
        Slot::new(page, offset + 20),
        Slot::new(page, offset + 40),
    )
}

/// The balance slot of `who`, created (zero) when `create` is set.
fn balance_slot(who: &Address, create: bool) -> Option<Slot<u128>> {
    let count = HOLDERS.get();
    for i in 0..count {
        let (address, balance) = holder(i);
        if address.get() == *who {
            return Some(balance);
        }
    }
    if !create {
        return None;
    }
    if count >= HOLDER_PAGES * HOLDERS_PER_PAGE {
        revert("token: the holder table is full");
    }
    let (address, balance) = holder(count);
    address.set(who);
    HOLDERS.set(&(count + 1));
    Some(balance)
}

fn allowance_slot(owner: &Address, spender: &Address, create: bool) -> Option<Slot<u128>> {
    let count = ALLOWANCES.get();
    for i in 0..count {
        let (o, s, amount) = allowance(i);
        if o.get() == *owner && s.get() == *spender {
            return Some(amount);
        }
    }
    if !create {
        return None;
    }
    if count >= ALLOWANCE_PAGES * ALLOWANCES_PER_PAGE {
        revert("token: the allowance table is full");
    }
    let (o, s, amount) = allowance(count);
    o.set(owner);
    s.set(spender);
    ALLOWANCES.set(&(count + 1));
    Some(amount)
}

fn balance(who: &Address) -> u128 {
    balance_slot(who, false).map_or(0, |s| s.get())
}

fn amount(a: i64) -> u128 {
    if a <= 0 {
        revert("token: the amount must be positive");
    }
    a as u128
}

fn as_i64(v: u128) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The addresses in the input: `N` of them, 20 bytes each.
fn addresses<const N: usize>() -> [Address; N] {
    let mut buf = [0u8; 40];
    let input = env::input(&mut buf);
    if input.len() != 20 * N || env::input_len() != 20 * N {
        revert("token: the input must be 20-byte addresses");
    }
    let mut out = [Address::ZERO; N];
    for (i, a) in out.iter_mut().enumerate() {
        *a = Address::from_slice(&input[20 * i..]).unwrap_or(Address::ZERO);
    }
    out
}

fn word(a: &Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[..20].copy_from_slice(&a.0);
    w
}

fn move_tokens(from: &Address, to: &Address, value: u128) {
    let from_slot = match balance_slot(from, false) {
        Some(s) if s.get() >= value => s,
        _ => revert("token: insufficient balance"),
    };
    from_slot.set(&(from_slot.get() - value));
    let to_slot = balance_slot(to, true).unwrap_or_else(|| revert("token: no slot"));
    to_slot.set(&(to_slot.get() + value));
    env::emit(
        &[topic(b"Transfer"), word(from), word(to)],
        &value.to_le_bytes(),
    );
}

export! {
    /// The constructor: mints `supply` to the deployer.
    fn init(supply: i64) {
        let supply = amount(supply);
        let slot = balance_slot(&env::sender(), true).unwrap_or_else(|| revert("token: no slot"));
        slot.set(&supply);
        SUPPLY.set(&supply);
    }

    /// The total supply.
    fn total_supply() -> i64 {
        as_i64(SUPPLY.get())
    }

    /// The balance of the address in the input.
    fn balance_of() -> i64 {
        let [who] = addresses::<1>();
        as_i64(balance(&who))
    }

    /// Moves `value` from the sender to the address in the input.
    fn transfer(value: i64) {
        let [to] = addresses::<1>();
        move_tokens(&env::sender(), &to, amount(value));
    }

    /// Lets the address in the input spend up to `value` of the sender's
    /// tokens (replacing any earlier allowance).
    fn approve(value: i64) {
        let [spender] = addresses::<1>();
        if value < 0 {
            revert("token: the amount must not be negative");
        }
        let owner = env::sender();
        let slot = allowance_slot(&owner, &spender, true).unwrap_or_else(|| revert("token: no slot"));
        slot.set(&(value as u128));
        env::emit(
            &[topic(b"Approval"), word(&owner), word(&spender)],
            &(value as u128).to_le_bytes(),
        );
    }

    /// What the second address of the input may still spend of the first's.
    fn allowance_of() -> i64 {
        let [owner, spender] = addresses::<2>();
        as_i64(allowance_slot(&owner, &spender, false).map_or(0, |s| s.get()))
    }

    /// Moves `value` from the first address of the input to the second, out
    /// of what the first allowed the sender.
    fn transfer_from(value: i64) {
        let [from, to] = addresses::<2>();
        let value = amount(value);
        let slot = match allowance_slot(&from, &env::sender(), false) {
            Some(s) if s.get() >= value => s,
            _ => revert("token: allowance exceeded"),
        };
        slot.set(&(slot.get() - value));
        move_tokens(&from, &to, value);
    }
}
