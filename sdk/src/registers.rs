//! SVM-style register banks: registers of a width in bits (64 and 160 by
//! default, or the banks declared at deploy), numbered from 0.

use crate::{len, mut_ptr, ptr, raw};

/// Sets register `idx` of the `bits`-wide bank from `bytes` (zero-padded).
pub fn set(bits: u32, idx: u32, bytes: &[u8]) {
    // SAFETY: a live slice.
    unsafe { raw::strata::reg_set(bits as i32, idx as i32, ptr(bytes), len(bytes)) }
}

/// Copies the first `buf.len()` bytes of register `idx` of the `bits`-wide
/// bank into `buf`.
pub fn get(bits: u32, idx: u32, buf: &mut [u8]) {
    // SAFETY: a live, writable slice.
    unsafe { raw::strata::reg_get(bits as i32, idx as i32, mut_ptr(buf), len(buf)) }
}

/// Reads `len` bytes at `offset` of page `page` into register `idx` of the
/// `bits`-wide bank.
pub fn load(page: u32, offset: u32, n: u32, bits: u32, idx: u32) {
    // SAFETY: no pointers.
    unsafe {
        raw::strata::storage_read_reg(
            page as i32,
            offset as i32,
            n as i32,
            bits as i32,
            idx as i32,
        )
    }
}

/// Writes the first `n` bytes of register `idx` of the `bits`-wide bank to
/// `offset` of page `page`.
pub fn store(bits: u32, idx: u32, n: u32, page: u32, offset: u32) {
    // SAFETY: no pointers.
    unsafe {
        raw::strata::storage_write_reg(
            page as i32,
            offset as i32,
            bits as i32,
            idx as i32,
            n as i32,
        )
    }
}
