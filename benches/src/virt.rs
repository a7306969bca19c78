//! One syscall round trip through `strata-virt` (suspend, return to the
//! caller, resume) next to one inline host call doing the same work, on the
//! same program and engine settings: the fixture is `strata-virt`'s own
//! bench fixture, included here so that the report and
//! `cargo bench -p strata-virt` measure the same code.

#[path = "../../virt/benches/fixture/mod.rs"]
mod fixture;

pub use fixture::{CALLS, SyscallRoundTrip};

use crate::{Pair, Target};

/// The report's pair: a syscall round trip vs an inline host call.
pub fn pair() -> Pair {
    let f = std::rc::Rc::new(std::cell::RefCell::new(SyscallRoundTrip::new()));
    let g = f.clone();
    Pair {
        name: PAIR_NAME,
        ours: Box::new(move || f.borrow_mut().ours()),
        base: Box::new(move || g.borrow_mut().base()),
        target: Target::Report,
    }
}

/// The report row's name.
pub const PAIR_NAME: &str = "virt syscall round trip (suspend, resume) vs inline host call";
