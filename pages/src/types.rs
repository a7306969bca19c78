//! The hash types of pages and roots, defined in `strata-primitives` (with
//! their hex forms and hashing domains) and re-exported here.

pub use strata_primitives::{Hash32, PageHash, StateRoot};
