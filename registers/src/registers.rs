//! [`Registers`]: the live register banks of one execution.

use std::fmt;
use std::ops::Range;

use crate::error::RegisterError;
use crate::layout::{BankLayout, Slot};

/// The smallest register width, in bits, that holds an `i64`.
const I64_BITS: u32 = 64;

/// The register banks of one contract execution.
///
/// All registers of all banks live in one contiguous, zero-initialised
/// buffer, at the offsets the [`BankLayout`] computed; a register is found by
/// its bank width in bits and its index in the bank. Every register starts at
/// zero and nothing here is ever persisted.
///
/// Every argument that comes from wasm (`bits`, `idx`, `offset`, `len`) is a
/// `u32`: a wasm `i32` reinterpreted, so a negative value arrives as a large
/// number and fails cleanly. Every operation that returns an error leaves all
/// registers unchanged, and no input can make an operation panic.
#[derive(Clone, PartialEq, Eq)]
pub struct Registers {
    layout: BankLayout,
    /// Invariant: `bytes.len() == layout.total_bytes()`.
    bytes: Vec<u8>,
}

impl Registers {
    /// Zeroed registers for every bank of `layout`.
    #[must_use]
    pub fn new(layout: &BankLayout) -> Self {
        Self {
            layout: layout.clone(),
            bytes: vec![0; layout.total_bytes()],
        }
    }

    /// Makes these registers zeroed registers for every bank of `layout`,
    /// as [`new`](Self::new) would, reusing their buffer: an executor that
    /// keeps one bank set per call depth allocates nothing per call.
    pub fn reset(&mut self, layout: &BankLayout) {
        self.layout = layout.clone();
        self.bytes.clear();
        self.bytes.resize(layout.total_bytes(), 0);
    }

    /// The banks these registers were made for.
    #[must_use]
    pub fn layout(&self) -> &BankLayout {
        &self.layout
    }

    /// The width in bytes of the registers of the bank of width `bits`.
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`] if there is no such bank.
    pub fn width_bytes(&self, bits: u32) -> Result<usize, RegisterError> {
        self.layout.slot(bits).map(|slot| slot.width_bytes)
    }

    /// The number of registers in the bank of width `bits`.
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`] if there is no such bank.
    pub fn count(&self, bits: u32) -> Result<u32, RegisterError> {
        self.layout.slot(bits).map(|slot| slot.count)
    }

    /// The whole register `idx` of the bank of width `bits`.
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`], [`RegisterError::IndexOutOfRange`].
    pub fn get(&self, bits: u32, idx: u32) -> Result<&[u8], RegisterError> {
        let slot = self.layout.slot(bits)?;
        self.register(slot, idx)
    }

    /// The whole register `idx` of the bank of width `bits`, writable.
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`], [`RegisterError::IndexOutOfRange`].
    pub fn get_mut(&mut self, bits: u32, idx: u32) -> Result<&mut [u8], RegisterError> {
        let slot = self.layout.slot(bits)?;
        self.register_mut(slot, idx)
    }

    /// Copies `data` into register `idx` of the bank of width `bits`; the
    /// bytes after `data` are zeroed (so a shorter value is zero-padded on
    /// the right, and empty data clears the register).
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`], [`RegisterError::IndexOutOfRange`],
    /// or [`RegisterError::DataTooLong`] if `data` is longer than the
    /// register (which is then left unchanged).
    pub fn set(&mut self, bits: u32, idx: u32, data: &[u8]) -> Result<(), RegisterError> {
        let reg = self.get_mut(bits, idx)?;
        let max_bytes = reg.len();
        let Some((head, tail)) = reg.split_at_mut_checked(data.len()) else {
            return Err(RegisterError::DataTooLong {
                bits,
                len: data.len(),
                max_bytes,
            });
        };
        head.copy_from_slice(data);
        tail.fill(0);
        Ok(())
    }

    /// The first `len` bytes of register `idx` of the bank of width `bits`.
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`], [`RegisterError::IndexOutOfRange`],
    /// or [`RegisterError::PrefixTooLong`] if `len` is more than the width of
    /// the register in bytes.
    pub fn copy_prefix(&self, bits: u32, idx: u32, len: u32) -> Result<&[u8], RegisterError> {
        let reg = self.get(bits, idx)?;
        usize::try_from(len)
            .ok()
            .and_then(|len| reg.get(..len))
            .ok_or(RegisterError::PrefixTooLong {
                bits,
                len,
                width_bytes: bits / 8,
            })
    }

    /// Sets byte `offset` of register `idx` of the bank of width `bits` to
    /// `byte`.
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`], [`RegisterError::IndexOutOfRange`],
    /// or [`RegisterError::OffsetOutOfRange`] if `offset` is not below the
    /// width of the register in bytes.
    pub fn replace_byte(
        &mut self,
        bits: u32,
        idx: u32,
        byte: u8,
        offset: u32,
    ) -> Result<(), RegisterError> {
        let reg = self.get_mut(bits, idx)?;
        let slot = usize::try_from(offset)
            .ok()
            .and_then(|offset| reg.get_mut(offset))
            .ok_or(RegisterError::OffsetOutOfRange {
                bits,
                offset,
                width_bytes: bits / 8,
            })?;
        *slot = byte;
        Ok(())
    }

    /// The first 8 bytes of register `idx` of the bank of width `bits`, as a
    /// big-endian `i64`.
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`], [`RegisterError::TooNarrow`] if the
    /// bank is narrower than 64 bits, [`RegisterError::IndexOutOfRange`].
    pub fn read_be_i64(&self, bits: u32, idx: u32) -> Result<i64, RegisterError> {
        let slot = self.layout.slot(bits)?;
        check_i64_width(slot)?;
        let reg = self.register(slot, idx)?;
        reg.first_chunk::<8>()
            .map(|b| i64::from_be_bytes(*b))
            .ok_or(RegisterError::TooNarrow {
                bits,
                needed_bits: I64_BITS,
            })
    }

    /// Stores `value` in register `idx` of the bank of width `bits` as 8
    /// big-endian bytes, zero-padded on the right (like [`Registers::set`]).
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`], [`RegisterError::TooNarrow`] if the
    /// bank is narrower than 64 bits, [`RegisterError::IndexOutOfRange`].
    pub fn write_be_i64(&mut self, bits: u32, idx: u32, value: i64) -> Result<(), RegisterError> {
        let slot = self.layout.slot(bits)?;
        check_i64_width(slot)?;
        self.set(bits, idx, &value.to_be_bytes())
    }

    /// The first 8 bytes of register `idx` of the bank of width `bits`, as a
    /// little-endian `i64` (SVM's September 2019 `reg_read_le_i64`).
    ///
    /// # Errors
    ///
    /// As [`Registers::read_be_i64`].
    pub fn read_le_i64(&self, bits: u32, idx: u32) -> Result<i64, RegisterError> {
        self.read_be_i64(bits, idx).map(i64::swap_bytes)
    }

    /// Stores `value` in register `idx` of the bank of width `bits` as 8
    /// little-endian bytes, zero-padded on the right (SVM's September 2019
    /// `reg_write_le_i64`).
    ///
    /// # Errors
    ///
    /// As [`Registers::write_be_i64`].
    pub fn write_le_i64(&mut self, bits: u32, idx: u32, value: i64) -> Result<(), RegisterError> {
        self.write_be_i64(bits, idx, value.swap_bytes())
    }

    /// Zeroes register `idx` of the bank of width `bits`.
    ///
    /// # Errors
    ///
    /// [`RegisterError::UnknownWidth`], [`RegisterError::IndexOutOfRange`].
    pub fn clear(&mut self, bits: u32, idx: u32) -> Result<(), RegisterError> {
        self.get_mut(bits, idx)?.fill(0);
        Ok(())
    }

    /// Zeroes every register of every bank.
    pub fn clear_all(&mut self) {
        self.bytes.fill(0);
    }

    /// The byte range of register `idx` of `slot` in `self.bytes`.
    fn range(slot: Slot, idx: u32) -> Result<Range<usize>, RegisterError> {
        let out_of_range = RegisterError::IndexOutOfRange {
            bits: slot.width_bits,
            index: idx,
            count: slot.count,
        };
        if idx >= slot.count {
            return Err(out_of_range);
        }
        // Cannot fail for a validated layout (the whole bank fits in usize);
        // checked anyway so that no arithmetic on input can panic.
        usize::try_from(idx)
            .ok()
            .and_then(|i| i.checked_mul(slot.width_bytes))
            .and_then(|rel| slot.offset.checked_add(rel))
            .and_then(|start| Some(start..start.checked_add(slot.width_bytes)?))
            .ok_or(out_of_range)
    }

    fn register(&self, slot: Slot, idx: u32) -> Result<&[u8], RegisterError> {
        let range = Self::range(slot, idx)?;
        self.bytes.get(range).ok_or(RegisterError::IndexOutOfRange {
            bits: slot.width_bits,
            index: idx,
            count: slot.count,
        })
    }

    fn register_mut(&mut self, slot: Slot, idx: u32) -> Result<&mut [u8], RegisterError> {
        let range = Self::range(slot, idx)?;
        self.bytes
            .get_mut(range)
            .ok_or(RegisterError::IndexOutOfRange {
                bits: slot.width_bits,
                index: idx,
                count: slot.count,
            })
    }
}

/// `Err(TooNarrow)` unless the bank's registers hold an `i64`.
fn check_i64_width(slot: Slot) -> Result<(), RegisterError> {
    if slot.width_bits < I64_BITS {
        return Err(RegisterError::TooNarrow {
            bits: slot.width_bits,
            needed_bits: I64_BITS,
        });
    }
    Ok(())
}

impl Default for Registers {
    /// Zeroed registers of the SVM banks ([`BankLayout::svm_default`]).
    fn default() -> Self {
        Self::new(&BankLayout::svm_default())
    }
}

impl fmt::Debug for Registers {
    /// The layout and the buffer size, not the (possibly 64 KiB of) bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registers")
            .field("banks", &self.layout.specs())
            .field("total_bytes", &self.bytes.len())
            .field(
                "nonzero_bytes",
                &self.bytes.iter().filter(|b| **b != 0).count(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{BankSpec, RegisterLimits};

    #[test]
    fn buffer_is_one_zeroed_vec_of_the_layout_size() {
        let regs = Registers::default();
        assert_eq!(regs.bytes.len(), 736);
        assert!(regs.bytes.iter().all(|b| *b == 0));
    }

    #[test]
    fn a_reset_bank_set_equals_a_new_one_whatever_it_held() {
        let mut regs = Registers::default();
        regs.set(64, 3, &[7; 8]).unwrap();
        regs.set(512, 0, &[9; 64]).unwrap();
        let small = BankLayout::new(
            vec![BankSpec {
                width_bits: 32,
                count: 2,
            }],
            &RegisterLimits::default(),
        )
        .unwrap();
        regs.reset(&small);
        assert_eq!(regs, Registers::new(&small));
        assert!(regs.set(64, 0, &[1; 8]).is_err(), "the old banks are gone");
        regs.set(32, 1, &[5; 4]).unwrap();
        let default = BankLayout::svm_default();
        regs.reset(&default);
        assert_eq!(regs, Registers::new(&default), "grown back, zeroed");
    }

    #[test]
    fn registers_are_disjoint_and_adjacent_in_the_buffer() {
        let regs = Registers::default();
        let mut expected_start = 0;
        for slot in regs.layout.slots() {
            for idx in 0..slot.count {
                let range = Registers::range(*slot, idx).map_err(|e| e.to_string());
                assert_eq!(
                    range,
                    Ok(expected_start..expected_start + slot.width_bytes),
                    "bank {} register {idx}",
                    slot.width_bits
                );
                expected_start += slot.width_bytes;
            }
        }
        assert_eq!(expected_start, regs.bytes.len());
    }

    #[test]
    fn writes_land_at_the_computed_offset() {
        let mut regs = Registers::default();
        // 160-bit bank starts after 16*4 + 16*8 = 192 bytes; register 1 is 20 further.
        assert_eq!(regs.replace_byte(160, 1, 0xAB, 3), Ok(()));
        assert_eq!(regs.bytes.get(192 + 20 + 3), Some(&0xAB));
        assert_eq!(regs.bytes.iter().filter(|b| **b != 0).count(), 1);
    }

    #[test]
    fn a_range_beyond_the_buffer_is_an_error_not_a_panic() {
        // A slot that lies about its offset (cannot come from a BankLayout).
        let regs = Registers::default();
        let bogus = Slot {
            width_bits: 64,
            count: 2,
            width_bytes: 8,
            offset: usize::MAX - 4,
        };
        assert!(matches!(
            regs.register(bogus, 1),
            Err(RegisterError::IndexOutOfRange { index: 1, .. })
        ));
        let beyond = Slot {
            offset: 736,
            ..bogus
        };
        assert!(regs.register(beyond, 0).is_err());
    }

    #[test]
    fn debug_does_not_dump_the_buffer() {
        let layout = BankLayout::new([BankSpec::new(4096, 16)], &RegisterLimits::DEFAULT);
        let Ok(layout) = layout else {
            panic!("valid layout rejected: {layout:?}");
        };
        let mut regs = Registers::new(&layout);
        assert_eq!(regs.set(4096, 0, &[1, 2]), Ok(()));
        let dbg = format!("{regs:?}");
        assert!(dbg.contains("total_bytes: 8192"), "{dbg}");
        assert!(dbg.contains("nonzero_bytes: 2"), "{dbg}");
        assert!(dbg.len() < 200, "{dbg}");
    }
}
