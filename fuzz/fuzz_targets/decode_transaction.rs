//! Decodes arbitrary bytes as a transaction (`Transaction::from_bytes`).
//! Checks: no panic; a decoded transaction re-encodes to exactly the input
//! (SCALE as Strata uses it is canonical, so one transaction has one
//! encoding) and decodes again to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_runtime::Transaction;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = Transaction::from_bytes(data) {
        let bytes = tx.to_bytes();
        assert_eq!(bytes, data, "a transaction has a second encoding: {tx:?}");
        assert_eq!(Transaction::from_bytes(&bytes).as_ref(), Ok(&tx));
        // Debug formatting must not panic either (the CLI prints it).
        let _ = format!("{tx:?}");
    }
});
