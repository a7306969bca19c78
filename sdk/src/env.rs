//! The call's environment: input and return data, who called, the block,
//! gas, logs, events, balances and transfers.

use crate::{len, mut_ptr, ptr, raw, Address};

/// The most topics an event may have.
pub const MAX_TOPICS: usize = 4;

/// The length of the call's input in bytes.
pub fn input_len() -> usize {
    // SAFETY: no pointers.
    unsafe { raw::strata::input_len() as u32 as usize }
}

/// Copies input bytes from `offset` into `buf` (as many as fit, or as are
/// left) and returns the part of `buf` filled.
pub fn input_at(offset: usize, buf: &mut [u8]) -> &[u8] {
    let n = input_len().saturating_sub(offset).min(buf.len());
    let buf = buf.get_mut(..n).unwrap_or(&mut []);
    if n > 0 {
        // SAFETY: `buf` is live and writable; `offset + n` is within the input.
        unsafe { raw::strata::input_copy(mut_ptr(buf), offset as i32, len(buf)) }
    }
    buf
}

/// The call's input (its first `buf.len()` bytes, if it is longer).
pub fn input(buf: &mut [u8]) -> &[u8] {
    input_at(0, buf)
}

/// Sets the call's return data (replacing any set before).
pub fn set_return(data: &[u8]) {
    // SAFETY: a live slice.
    unsafe { raw::strata::set_return(ptr(data), len(data)) }
}

/// The executing contract's address.
pub fn address() -> Address {
    let mut a = Address::ZERO;
    // SAFETY: 20 writable bytes.
    unsafe { raw::strata::address(mut_ptr(&mut a.0)) }
    a
}

/// The caller: the transaction's sender, or the calling contract.
pub fn sender() -> Address {
    let mut a = Address::ZERO;
    // SAFETY: 20 writable bytes.
    unsafe { raw::strata::sender(mut_ptr(&mut a.0)) }
    a
}

/// The block height.
pub fn block_height() -> u64 {
    // SAFETY: no pointers.
    unsafe { raw::strata::block_height() as u64 }
}

/// The block time (seconds since the Unix epoch).
pub fn block_time() -> u64 {
    // SAFETY: no pointers.
    unsafe { raw::strata::block_time() as u64 }
}

/// The gas left to this call.
pub fn gas_left() -> u64 {
    // SAFETY: no pointers.
    unsafe { raw::strata::gas_left() as u64 }
}

/// Logs a message (kept in the receipt's logs, not in the state).
pub fn log(message: &str) {
    // SAFETY: a live slice.
    unsafe { raw::strata::log(ptr(message.as_bytes()), len(message.as_bytes())) }
}

/// Emits an event with up to [`MAX_TOPICS`] 32-byte topics (more fail the
/// transaction) and `data`.
pub fn emit(topics: &[[u8; 32]], data: &[u8]) {
    // `[[u8; 32]]` is contiguous: exactly the layout the host reads.
    let count = i32::try_from(topics.len()).unwrap_or(i32::MAX);
    // SAFETY: live slices; the host reads `count * 32` bytes of topics.
    unsafe { raw::strata::emit_event(topics.as_ptr() as usize as i32, count, ptr(data), len(data)) }
}

/// A 32-byte topic from a short name (zero-padded; longer names are cut at
/// 32 bytes), such as `topic(b"Transfer")`.
pub const fn topic(name: &[u8]) -> [u8; 32] {
    let mut t = [0u8; 32];
    let mut i = 0;
    while i < name.len() && i < 32 {
        t[i] = name[i];
        i += 1;
    }
    t
}

/// The balance of `account`.
pub fn balance(account: &Address) -> u128 {
    let mut out = [0u8; 16];
    // SAFETY: 20 readable and 16 writable bytes.
    unsafe { raw::strata::balance(ptr(&account.0), mut_ptr(&mut out)) }
    u128::from_le_bytes(out)
}

/// Moves `amount` from this contract's balance to `to`. Returns `false`
/// (and moves nothing) when the balance is too low.
pub fn transfer(to: &Address, amount: u128) -> bool {
    let amount = amount.to_le_bytes();
    // SAFETY: 20 and 16 readable bytes.
    unsafe { raw::strata::transfer(ptr(&to.0), ptr(&amount)) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_pad_and_cut() {
        let t = topic(b"Transfer");
        assert_eq!(&t[..8], b"Transfer");
        assert!(t[8..].iter().all(|b| *b == 0));
        assert_eq!(topic(&[1u8; 40]), [1u8; 32]);
    }
}
