//! Bank declarations: [`BankSpec`] (one bank as declared), [`RegisterLimits`]
//! (what a declaration may ask for) and [`BankLayout`] (a validated set of
//! banks with the offsets of each bank in the register buffer).

use std::fmt;
use std::sync::Arc;

use parity_scale_codec::{Decode, Encode};

use crate::error::{BankRule, RegisterError};

/// One register bank as declared: `count` registers of `width_bits` bits each.
///
/// This is plain, unvalidated data (it is what a contract's deploy
/// declaration decodes to, in SCALE as two little-endian `u32`s). It becomes
/// usable only as part of a [`BankLayout`], whose constructor checks it:
/// `width_bits` must be a non-zero multiple of 8 and `count` non-zero, both
/// within [`RegisterLimits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub struct BankSpec {
    /// The width of every register of the bank, in bits.
    pub width_bits: u32,
    /// The number of registers in the bank.
    pub count: u32,
}

impl BankSpec {
    /// A bank of `count` registers of `width_bits` bits each (not validated;
    /// see [`BankLayout::new`]).
    #[must_use]
    pub const fn new(width_bits: u32, count: u32) -> Self {
        Self { width_bits, count }
    }

    /// The width of one register in whole bytes (`width_bits / 8`, rounded
    /// down; exact for every bank of a [`BankLayout`]).
    #[must_use]
    pub const fn width_bytes(&self) -> u32 {
        self.width_bits / 8
    }
}

impl fmt::Display for BankSpec {
    /// `"16 x 64 bits"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} x {} bits", self.count, self.width_bits)
    }
}

/// The banks of the Spacemesh SVM design, in the order
/// [`BankLayout::svm_default`] uses: 16 × 32 bits, 16 × 64, 8 × 160,
/// 4 × 256 and 4 × 512 (736 bytes in total).
pub const SVM_DEFAULT_BANKS: [BankSpec; 5] = [
    BankSpec::new(32, 16),
    BankSpec::new(64, 16),
    BankSpec::new(160, 8),
    BankSpec::new(256, 4),
    BankSpec::new(512, 4),
];

/// What a bank declaration may ask for; checked by [`BankLayout::new`].
///
/// The defaults ([`RegisterLimits::DEFAULT`]) are generous next to the SVM
/// banks (736 bytes) while keeping one execution's registers small enough to
/// allocate and zero on every call without thought:
///
/// | limit                     | default | why |
/// |---------------------------|---------|-----|
/// | `max_width_bits`          | 4096    | 512 bytes: room for an RSA-4096 value or a batch of hashes; 8× the widest SVM register |
/// | `max_registers_per_bank`  | 256     | an index fits in one byte; 16× the largest SVM bank |
/// | `max_banks`               | 16      | a width lookup is a linear scan, kept short |
/// | `max_total_bytes`         | 65536   | 64 KiB, one wasm page: the register memory per execution is bounded |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegisterLimits {
    /// The widest register allowed, in bits.
    pub max_width_bits: u32,
    /// The most registers one bank may have.
    pub max_registers_per_bank: u32,
    /// The most banks one layout may have.
    pub max_banks: u32,
    /// The most bytes all registers of all banks may take together.
    pub max_total_bytes: u32,
}

impl RegisterLimits {
    /// The default limits: 4096-bit registers, 256 registers per bank,
    /// 16 banks, 64 KiB in total.
    pub const DEFAULT: Self = Self {
        max_width_bits: 4096,
        max_registers_per_bank: 256,
        max_banks: 16,
        max_total_bytes: 64 * 1024,
    };
}

impl Default for RegisterLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Where one bank lives in a register buffer. Invariant (established by
/// [`BankLayout::new`]): `offset + count * width_bytes <= total_bytes` of the
/// layout, computed without overflow, and `width_bytes * 8 == width_bits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Slot {
    /// The width of one register, in bits (the lookup key).
    pub(crate) width_bits: u32,
    /// The number of registers.
    pub(crate) count: u32,
    /// The width of one register, in bytes.
    pub(crate) width_bytes: usize,
    /// The offset of the bank's first register in the buffer.
    pub(crate) offset: usize,
}

/// A validated set of register banks, and where each bank lives in the one
/// contiguous buffer of [`Registers`](crate::Registers).
///
/// Invariants, checked by [`BankLayout::new`]: every width is a non-zero
/// multiple of 8 and every count non-zero, both within the
/// [`RegisterLimits`] used; no two banks have the same width; the total size
/// is within the limit and fits in memory. The banks keep their declaration
/// order. A layout with no banks is valid: every register access then fails
/// with [`RegisterError::UnknownWidth`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BankLayout {
    /// Shared, so that a layout is cheap to clone into every execution's
    /// registers.
    specs: Arc<[BankSpec]>,
    /// Parallel to `specs`.
    slots: Arc<[Slot]>,
    total_bytes: usize,
}

impl BankLayout {
    /// The SVM banks, [`SVM_DEFAULT_BANKS`]: 16 × 32 bits, 16 × 64, 8 × 160,
    /// 4 × 256, 4 × 512.
    #[must_use]
    pub fn svm_default() -> Self {
        Self::from_checked(SVM_DEFAULT_BANKS.to_vec())
    }

    /// Validates a bank declaration against `limits`.
    ///
    /// # Errors
    ///
    /// - [`RegisterError::TooManyBanks`] if there are more than
    ///   `limits.max_banks` banks;
    /// - [`RegisterError::InvalidBank`] for the first bank (in declaration
    ///   order) that breaks a [`BankRule`]: zero width, width not a multiple
    ///   of 8, width over `limits.max_width_bits`, zero count, count over
    ///   `limits.max_registers_per_bank`, or a width an earlier bank has;
    /// - [`RegisterError::TooManyBytes`] if all registers together need more
    ///   than `limits.max_total_bytes` bytes (or more than fits in memory).
    pub fn new(
        specs: impl Into<Vec<BankSpec>>,
        limits: &RegisterLimits,
    ) -> Result<Self, RegisterError> {
        let specs = specs.into();
        let too_many_banks = u32::try_from(specs.len()).map_or(true, |n| n > limits.max_banks);
        if too_many_banks {
            return Err(RegisterError::TooManyBanks {
                banks: specs.len(),
                max_banks: limits.max_banks,
            });
        }
        let mut total: u64 = 0;
        for (bank, spec) in specs.iter().enumerate() {
            if let Some(rule) = broken_rule(&specs, bank, spec, limits) {
                return Err(RegisterError::InvalidBank {
                    bank,
                    spec: *spec,
                    rule,
                });
            }
            total = u64::from(spec.width_bytes())
                .checked_mul(u64::from(spec.count))
                .and_then(|bytes| total.checked_add(bytes))
                .unwrap_or(u64::MAX);
        }
        let fits = total <= u64::from(limits.max_total_bytes) && usize::try_from(total).is_ok();
        if !fits {
            return Err(RegisterError::TooManyBytes {
                total_bytes: total,
                max_total_bytes: limits.max_total_bytes,
            });
        }
        Ok(Self::from_checked(specs))
    }

    /// Computes the offsets of banks that are already known to be valid.
    ///
    /// The arithmetic saturates rather than panics; for valid specs (whose
    /// total fits in `usize`) it is exact.
    fn from_checked(specs: Vec<BankSpec>) -> Self {
        let mut offset: usize = 0;
        let slots: Arc<[Slot]> = specs
            .iter()
            .map(|spec| {
                let width_bytes = usize::try_from(spec.width_bytes()).unwrap_or(usize::MAX);
                let count = usize::try_from(spec.count).unwrap_or(usize::MAX);
                let slot = Slot {
                    width_bits: spec.width_bits,
                    count: spec.count,
                    width_bytes,
                    offset,
                };
                offset = offset.saturating_add(width_bytes.saturating_mul(count));
                slot
            })
            .collect();
        Self {
            specs: specs.into(),
            slots,
            total_bytes: offset,
        }
    }

    /// The banks, in declaration order.
    #[must_use]
    pub fn specs(&self) -> &[BankSpec] {
        &self.specs
    }

    /// The bank of width `bits`, if there is one.
    #[must_use]
    pub fn bank(&self, bits: u32) -> Option<BankSpec> {
        self.specs.iter().find(|s| s.width_bits == bits).copied()
    }

    /// The widths of the banks in bits, in declaration order.
    pub fn widths(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.specs.iter().map(|s| s.width_bits)
    }

    /// The size of all registers of all banks together, in bytes: the size
    /// of the buffer a [`Registers`](crate::Registers) allocates.
    #[must_use]
    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    /// Where every bank lives, in declaration order.
    #[cfg(test)]
    pub(crate) fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Where the bank of width `bits` lives. Allocation-free: a linear scan
    /// of at most [`RegisterLimits::max_banks`] entries.
    pub(crate) fn slot(&self, bits: u32) -> Result<Slot, RegisterError> {
        self.slots
            .iter()
            .find(|s| s.width_bits == bits)
            .copied()
            .ok_or_else(|| RegisterError::UnknownWidth {
                bits,
                available: self.widths().collect(),
            })
    }
}

impl Default for BankLayout {
    /// [`BankLayout::svm_default`].
    fn default() -> Self {
        Self::svm_default()
    }
}

/// The first rule `spec`, bank number `bank` of `specs`, breaks, if any.
fn broken_rule(
    specs: &[BankSpec],
    bank: usize,
    spec: &BankSpec,
    limits: &RegisterLimits,
) -> Option<BankRule> {
    let BankSpec { width_bits, count } = *spec;
    if width_bits == 0 {
        return Some(BankRule::ZeroWidth);
    }
    if width_bits % 8 != 0 {
        return Some(BankRule::WidthNotByteMultiple { width_bits });
    }
    if width_bits > limits.max_width_bits {
        return Some(BankRule::WidthTooLarge {
            width_bits,
            max_width_bits: limits.max_width_bits,
        });
    }
    if count == 0 {
        return Some(BankRule::ZeroCount);
    }
    if count > limits.max_registers_per_bank {
        return Some(BankRule::TooManyRegisters {
            count,
            max_registers_per_bank: limits.max_registers_per_bank,
        });
    }
    let earlier = specs.get(..bank).unwrap_or_default();
    if let Some(first) = earlier.iter().position(|s| s.width_bits == width_bits) {
        return Some(BankRule::DuplicateWidth { width_bits, first });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svm_default_matches_the_design() {
        let layout = BankLayout::svm_default();
        let banks: Vec<(u32, u32)> = layout
            .specs()
            .iter()
            .map(|s| (s.width_bits, s.count))
            .collect();
        assert_eq!(banks, [(32, 16), (64, 16), (160, 8), (256, 4), (512, 4)]);
        assert_eq!(layout.total_bytes(), 736);
        assert_eq!(BankLayout::default(), layout);
    }

    #[test]
    fn svm_default_passes_default_validation() {
        let checked = BankLayout::new(SVM_DEFAULT_BANKS, &RegisterLimits::default());
        assert_eq!(checked, Ok(BankLayout::svm_default()));
    }

    #[test]
    fn slots_are_contiguous_in_declaration_order() {
        let layout = BankLayout::new(
            [
                BankSpec::new(64, 2),
                BankSpec::new(8, 3),
                BankSpec::new(16, 1),
            ],
            &RegisterLimits::DEFAULT,
        )
        .map_err(|e| e.to_string());
        let Ok(layout) = layout else {
            panic!("valid layout rejected: {layout:?}");
        };
        let offsets: Vec<(u32, usize, usize)> = layout
            .slots
            .iter()
            .map(|s| (s.width_bits, s.width_bytes, s.offset))
            .collect();
        assert_eq!(offsets, [(64, 8, 0), (8, 1, 16), (16, 2, 19)]);
        assert_eq!(layout.total_bytes(), 21);
    }

    #[test]
    fn slot_lookup_unknown_width_lists_widths() {
        let layout = BankLayout::svm_default();
        assert_eq!(
            layout.slot(128),
            Err(RegisterError::UnknownWidth {
                bits: 128,
                available: vec![32, 64, 160, 256, 512],
            })
        );
        assert_eq!(layout.slot(160).map(|s| s.offset), Ok(64 + 128));
    }

    #[test]
    fn first_broken_rule_wins() {
        // Zero width is reported before the zero count of the same bank.
        let err = BankLayout::new([BankSpec::new(0, 0)], &RegisterLimits::DEFAULT);
        assert_eq!(
            err,
            Err(RegisterError::InvalidBank {
                bank: 0,
                spec: BankSpec::new(0, 0),
                rule: BankRule::ZeroWidth,
            })
        );
    }

    #[test]
    fn total_overflow_saturates_instead_of_panicking() {
        let limits = RegisterLimits {
            max_width_bits: u32::MAX,
            max_registers_per_bank: u32::MAX,
            max_banks: u32::MAX,
            max_total_bytes: u32::MAX,
        };
        let specs: Vec<BankSpec> = (1..=4)
            .map(|i| BankSpec::new(u32::MAX - 7 - 8 * i, u32::MAX))
            .collect();
        let err = BankLayout::new(specs, &limits);
        assert!(
            matches!(
                err,
                Err(RegisterError::TooManyBytes {
                    max_total_bytes: u32::MAX,
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn bank_spec_scale_roundtrip() {
        let spec = BankSpec::new(160, 8);
        let bytes = spec.encode();
        assert_eq!(bytes, [160, 0, 0, 0, 8, 0, 0, 0]);
        assert_eq!(BankSpec::decode(&mut &bytes[..]), Ok(spec));
    }

    #[test]
    fn bank_spec_display() {
        assert_eq!(BankSpec::new(64, 16).to_string(), "16 x 64 bits");
        assert_eq!(BankSpec::new(161, 1).width_bytes(), 20);
    }
}
