//! Decodes arbitrary bytes as a receipt (`Receipt::from_bytes`). Checks: no
//! panic; a decoded receipt re-encodes to exactly the input (nodes compare
//! receipts by their bytes, so one receipt must have one encoding) and
//! decodes again to itself; formatting its error does not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_runtime::Receipt;

fuzz_target!(|data: &[u8]| {
    if let Ok(receipt) = Receipt::from_bytes(data) {
        let bytes = receipt.to_bytes();
        assert_eq!(bytes, data, "a receipt has a second encoding: {receipt:?}");
        assert_eq!(Receipt::from_bytes(&bytes).as_ref(), Ok(&receipt));
        if let Some(e) = &receipt.error {
            let _ = format!("{e} {}", e.kind.name());
        }
        let _ = format!("{receipt:?}");
    }
});
