//! Calls to other contracts.

use crate::{len, mut_ptr, ptr, raw, Address};

/// How a call to another contract ended (the `strata.call` status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallStatus {
    /// The callee returned normally; its writes are kept.
    Success,
    /// The callee failed (trap, abort, out of gas, host error); its writes
    /// were rolled back, and its error message is the return data.
    Failed,
    /// There is no contract at the address.
    NoContract,
    /// The callee exports no function of that name without parameters.
    NoFunction,
    /// The callee is already on the call stack and re-entry is refused.
    Reentrancy,
    /// The call would exceed the call depth limit.
    DepthLimit,
    /// A status this SDK does not know (a newer runtime).
    Other(i32),
}

impl CallStatus {
    /// The status of a raw code.
    pub const fn from_code(code: i32) -> CallStatus {
        match code {
            0 => CallStatus::Success,
            1 => CallStatus::Failed,
            2 => CallStatus::NoContract,
            3 => CallStatus::NoFunction,
            4 => CallStatus::Reentrancy,
            5 => CallStatus::DepthLimit,
            other => CallStatus::Other(other),
        }
    }

    /// Whether the callee succeeded.
    pub const fn is_success(self) -> bool {
        matches!(self, CallStatus::Success)
    }
}

/// Calls `function` (an export without parameters; its results are
/// dropped, so reply through return data) of the contract at `contract`
/// with `input` as its input and at most `gas` gas (the rest of this call's
/// gas if less is left). Its return data (or error message) is then
/// [`return_data`].
pub fn call(contract: &Address, function: &str, input: &[u8], gas: u64) -> CallStatus {
    let f = function.as_bytes();
    let gas = i64::try_from(gas).unwrap_or(i64::MAX);
    // SAFETY: live slices.
    let code = unsafe {
        raw::strata::call(
            ptr(&contract.0),
            ptr(f),
            len(f),
            ptr(input),
            len(input),
            gas,
        )
    };
    CallStatus::from_code(code)
}

/// The length of the last call's return data.
pub fn return_len() -> usize {
    // SAFETY: no pointers.
    unsafe { raw::strata::call_return_len() as u32 as usize }
}

/// Copies the last call's return data into `buf` (as much as fits) and
/// returns the part filled.
pub fn return_data(buf: &mut [u8]) -> &[u8] {
    let n = return_len().min(buf.len());
    let buf = buf.get_mut(..n).unwrap_or(&mut []);
    if n > 0 {
        // SAFETY: a live, writable slice within the return data.
        unsafe { raw::strata::call_return_copy(mut_ptr(buf), 0, len(buf)) }
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes() {
        for (code, status) in [
            (0, CallStatus::Success),
            (1, CallStatus::Failed),
            (2, CallStatus::NoContract),
            (3, CallStatus::NoFunction),
            (4, CallStatus::Reentrancy),
            (5, CallStatus::DepthLimit),
            (9, CallStatus::Other(9)),
        ] {
            assert_eq!(CallStatus::from_code(code), status);
        }
        assert!(CallStatus::Success.is_success());
        assert!(!CallStatus::Failed.is_success());
    }
}
