//! Deploys arbitrary bytes as contract code: `Runtime::execute` of a
//! `Transaction::Deploy` on a fresh `MemKv` runtime, next to
//! `strata_runtime::validate::validate` on the same bytes.
//!
//! Checks: the runtime always gives a receipt (never an `Err`, never a
//! panic); the deploy succeeds exactly when `validate` accepts the code,
//! and is refused as `InvalidCode` otherwise; an accepted contract's stored
//! code is the validated code, and each of its exported functions (up to
//! 8), called with zero arguments and then with ones, as a transaction and
//! as a query with 100,000 gas, gives a well-formed receipt and a query
//! changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_fuzz::exec;

fuzz_target!(|code: &[u8]| {
    let code = code.to_vec();
    exec::on_big_stack(move || {
        let rt = exec::runtime();
        if let Some((address, exports)) = exec::deploy_checked(&rt, &code) {
            exec::call_exports(&rt, address, &exports, &[], 8);
            exec::call_exports(&rt, address, &exports, &[1; 8], 8);
        }
    });
});
