//! The one error type of this crate, [`RegisterError`], and [`BankRule`],
//! the rule a rejected bank declaration broke.

use crate::layout::BankSpec;

/// Everything that can go wrong when declaring register banks or using a
/// register.
///
/// Every variant names the numbers involved (the bank width, the index, the
/// limit) so that the message alone tells a contract author what to fix.
/// Operations that return an error leave every register unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// No bank of the requested width exists in the layout.
    #[error(
        "no register bank of width {bits} bits; banks: {}",
        join_widths(available)
    )]
    UnknownWidth {
        /// The requested width, in bits.
        bits: u32,
        /// The widths of the banks that do exist, in declaration order.
        available: Vec<u32>,
    },
    /// The register index is not below the bank's register count.
    #[error(
        "register index {index} is out of range for the {bits}-bit bank, \
         which has {count} registers (valid indexes 0..{count})"
    )]
    IndexOutOfRange {
        /// The bank width, in bits.
        bits: u32,
        /// The requested index (a wasm `i32` reinterpreted as `u32`, so a
        /// negative index shows up here as a large number).
        index: u32,
        /// The number of registers in the bank.
        count: u32,
    },
    /// The data to store is longer than the register.
    #[error(
        "{len} bytes do not fit in a {bits}-bit register, which holds at most {max_bytes} bytes"
    )]
    DataTooLong {
        /// The bank width, in bits.
        bits: u32,
        /// The length of the data, in bytes.
        len: usize,
        /// The register width, in bytes.
        max_bytes: usize,
    },
    /// A prefix longer than the register was requested.
    #[error(
        "cannot take the first {len} bytes of a {bits}-bit register, \
         which is only {width_bytes} bytes wide"
    )]
    PrefixTooLong {
        /// The bank width, in bits.
        bits: u32,
        /// The requested prefix length, in bytes.
        len: u32,
        /// The register width, in bytes.
        width_bytes: u32,
    },
    /// A byte offset is not inside the register.
    #[error(
        "byte offset {offset} is outside a {bits}-bit register \
         (valid offsets 0..{width_bytes})"
    )]
    OffsetOutOfRange {
        /// The bank width, in bits.
        bits: u32,
        /// The requested byte offset.
        offset: u32,
        /// The register width, in bytes.
        width_bytes: u32,
    },
    /// The operation needs a wider register than this bank has.
    #[error(
        "the {bits}-bit register bank is too narrow for this operation, \
         which needs a register of at least {needed_bits} bits"
    )]
    TooNarrow {
        /// The bank width, in bits.
        bits: u32,
        /// The smallest width the operation works on, in bits.
        needed_bits: u32,
    },
    /// One bank of a layout declaration breaks a rule.
    #[error("invalid register bank #{bank} ({spec}): {rule}")]
    InvalidBank {
        /// The position of the bank in the declaration, from 0.
        bank: usize,
        /// The bank as declared.
        spec: BankSpec,
        /// The rule it breaks.
        rule: BankRule,
    },
    /// A layout declaration has more banks than allowed.
    #[error("the layout declares {banks} register banks; the limit is {max_banks}")]
    TooManyBanks {
        /// The number of banks declared.
        banks: usize,
        /// The configured limit ([`RegisterLimits::max_banks`](crate::RegisterLimits::max_banks)).
        max_banks: u32,
    },
    /// A layout declaration needs more register memory in total than allowed.
    #[error(
        "the layout's registers need {total_bytes} bytes in total; the limit is {max_total_bytes} bytes"
    )]
    TooManyBytes {
        /// The total size of all registers of all banks, in bytes
        /// (`u64::MAX` if the sum overflowed).
        total_bytes: u64,
        /// The configured limit
        /// ([`RegisterLimits::max_total_bytes`](crate::RegisterLimits::max_total_bytes)).
        max_total_bytes: u32,
    },
}

/// The rule a bank declaration breaks; carried by
/// [`RegisterError::InvalidBank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BankRule {
    /// The width is 0 bits.
    #[error("the width is 0 bits; a register must be at least 8 bits wide")]
    ZeroWidth,
    /// The width is not a whole number of bytes.
    #[error("the width {width_bits} bits is not a multiple of 8")]
    WidthNotByteMultiple {
        /// The declared width, in bits.
        width_bits: u32,
    },
    /// The width exceeds [`RegisterLimits::max_width_bits`](crate::RegisterLimits::max_width_bits).
    #[error("the width {width_bits} bits exceeds the limit of {max_width_bits} bits")]
    WidthTooLarge {
        /// The declared width, in bits.
        width_bits: u32,
        /// The configured limit.
        max_width_bits: u32,
    },
    /// The bank has no registers.
    #[error("the count is 0; a bank must have at least one register")]
    ZeroCount,
    /// The register count exceeds
    /// [`RegisterLimits::max_registers_per_bank`](crate::RegisterLimits::max_registers_per_bank).
    #[error("the count {count} exceeds the limit of {max_registers_per_bank} registers per bank")]
    TooManyRegisters {
        /// The declared count.
        count: u32,
        /// The configured limit.
        max_registers_per_bank: u32,
    },
    /// An earlier bank already has this width.
    #[error("the width {width_bits} bits is already declared by bank #{first}")]
    DuplicateWidth {
        /// The declared width, in bits.
        width_bits: u32,
        /// The position of the earlier bank with the same width, from 0.
        first: usize,
    },
}

/// `"32, 64, 160"`, or `"none"` for an empty layout.
fn join_widths(widths: &[u32]) -> String {
    if widths.is_empty() {
        return "none".to_owned();
    }
    widths
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_width_lists_the_banks() {
        let err = RegisterError::UnknownWidth {
            bits: 48,
            available: vec![32, 64, 160],
        };
        assert_eq!(
            err.to_string(),
            "no register bank of width 48 bits; banks: 32, 64, 160"
        );
    }

    #[test]
    fn unknown_width_in_an_empty_layout_says_none() {
        let err = RegisterError::UnknownWidth {
            bits: 8,
            available: vec![],
        };
        assert_eq!(
            err.to_string(),
            "no register bank of width 8 bits; banks: none"
        );
    }

    #[test]
    fn invalid_bank_names_position_spec_and_rule() {
        let err = RegisterError::InvalidBank {
            bank: 2,
            spec: BankSpec::new(12, 4),
            rule: BankRule::WidthNotByteMultiple { width_bits: 12 },
        };
        assert_eq!(
            err.to_string(),
            "invalid register bank #2 (4 x 12 bits): the width 12 bits is not a multiple of 8"
        );
    }

    #[test]
    fn messages_name_the_numbers() {
        let cases: [(RegisterError, &[&str]); 6] = [
            (
                RegisterError::IndexOutOfRange {
                    bits: 64,
                    index: 16,
                    count: 16,
                },
                &["16", "64-bit", "0..16"],
            ),
            (
                RegisterError::DataTooLong {
                    bits: 32,
                    len: 5,
                    max_bytes: 4,
                },
                &["5 bytes", "32-bit", "at most 4"],
            ),
            (
                RegisterError::PrefixTooLong {
                    bits: 32,
                    len: 9,
                    width_bytes: 4,
                },
                &["first 9", "32-bit", "4 bytes"],
            ),
            (
                RegisterError::OffsetOutOfRange {
                    bits: 160,
                    offset: 20,
                    width_bytes: 20,
                },
                &["offset 20", "160-bit", "0..20"],
            ),
            (
                RegisterError::TooNarrow {
                    bits: 32,
                    needed_bits: 64,
                },
                &["32-bit", "64 bits"],
            ),
            (
                RegisterError::TooManyBytes {
                    total_bytes: 70_000,
                    max_total_bytes: 65_536,
                },
                &["70000", "65536"],
            ),
        ];
        for (err, needles) in cases {
            let msg = err.to_string();
            for needle in needles {
                assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
            }
        }
    }
}
