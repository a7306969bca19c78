//! Decodes arbitrary bytes as a stored account record. The input is a
//! 20-byte address (zero-padded when shorter) and the record.
//!
//! Checks: `Account::from_record` never panics; a record it accepts is
//! exactly `to_record` of the decoded account at that address (one account,
//! one record), is refused under any other address that differs in one bit
//! (the checksum binds the key), and `Account::validate` on it does not
//! panic. The plain SCALE body (`Account::decode_all`) round-trips too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parity_scale_codec::{DecodeAll, Encode};
use strata_host_fns::Address;
use strata_runtime::Account;

fuzz_target!(|data: &[u8]| {
    let split = data.len().min(20);
    let mut address = Address([0; 20]);
    address.0[..split].copy_from_slice(&data[..split]);
    let record = &data[split..];

    if let Ok(account) = Account::from_record(&address, record) {
        assert_eq!(account.to_record(&address), record, "{account:?}");
        let _ = account.validate(&address);
        let bit = record.len() % 160;
        let mut other = address;
        other.0[bit / 8] ^= 1 << (bit % 8);
        assert!(
            Account::from_record(&other, record).is_err(),
            "a record was accepted under another address"
        );
    }
    if let Ok(account) = Account::decode_all(&mut &record[..]) {
        assert_eq!(account.encode(), record, "an account has a second encoding");
        let _ = account.validate(&address);
    }
});
