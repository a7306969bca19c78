//! A contract that calls another and handles its failure. Input: the
//! target's 20-byte address, then the name of a function without parameters.
//!
//! `forward` calls it with at most 500,000 gas and returns the call's
//! status code. On success the callee's return data becomes its own; on
//! failure it logs the callee's message, counts the failure (page 0,
//! offset 8) and still succeeds, since the callee's writes were rolled back
//! and its own are fine to keep. Calls are counted at page 0, offset 0.
//!
//!   strata call CALLER forward --input COUNTER_HEX40$(printf inc | xxd -p)
#![no_std]

use strata_sdk::{call, env, export, revert, CallStatus, Slot};

const CALLS: Slot<u64> = Slot::new(0, 0);
const FAILURES: Slot<u64> = Slot::new(0, 8);

export! {
    /// Forwards to the function named in the input.
    fn forward() -> i32 {
        let mut buf = [0u8; 84];
        let input = env::input(&mut buf);
        let target = match strata_sdk::Address::from_slice(input) {
            Some(a) => a,
            None => revert("caller: the input must start with a 20-byte address"),
        };
        let function = match core::str::from_utf8(&input[20..]) {
            Ok(f) => f,
            Err(_) => revert("caller: the function name must be UTF-8"),
        };
        let status = call(&target, function, &[], 500_000);
        CALLS.set(&(CALLS.get() + 1));
        let mut reply = [0u8; 256];
        let reply = call::return_data(&mut reply);
        match status {
            CallStatus::Success => env::set_return(reply),
            _ => {
                FAILURES.set(&(FAILURES.get() + 1));
                env::log("caller: the callee failed");
                if let Ok(message) = core::str::from_utf8(reply) {
                    env::log(message);
                }
            }
        }
        match status {
            CallStatus::Success => 0,
            CallStatus::Failed => 1,
            CallStatus::NoContract => 2,
            CallStatus::NoFunction => 3,
            CallStatus::Reentrancy => 4,
            CallStatus::DepthLimit => 5,
            CallStatus::Other(code) => code,
        }
    }
}
