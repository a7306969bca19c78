//! Bank declarations: valid and invalid custom layouts, and registers built
//! from custom layouts.

use parity_scale_codec::{Decode, Encode};
use strata_registers::{
    BankLayout, BankRule, BankSpec, RegisterError, RegisterLimits, Registers, SVM_DEFAULT_BANKS,
};

const LIMITS: RegisterLimits = RegisterLimits::DEFAULT;

fn invalid(bank: usize, spec: BankSpec, rule: BankRule) -> Result<BankLayout, RegisterError> {
    Err(RegisterError::InvalidBank { bank, spec, rule })
}

#[test]
fn default_limits_are_documented_values() {
    assert_eq!(
        RegisterLimits::default(),
        RegisterLimits {
            max_width_bits: 4096,
            max_registers_per_bank: 256,
            max_banks: 16,
            max_total_bytes: 65536,
        }
    );
}

#[test]
fn svm_default_is_valid_under_default_limits() {
    assert_eq!(
        BankLayout::new(SVM_DEFAULT_BANKS, &LIMITS),
        Ok(BankLayout::svm_default())
    );
    assert_eq!(BankLayout::default().specs(), SVM_DEFAULT_BANKS);
}

#[test]
fn valid_custom_layout_keeps_declaration_order() -> Result<(), RegisterError> {
    let specs = [
        BankSpec::new(256, 1),
        BankSpec::new(8, 256),
        BankSpec::new(4096, 2),
    ];
    let layout = BankLayout::new(specs, &LIMITS)?;
    assert_eq!(layout.specs(), specs);
    assert_eq!(layout.widths().collect::<Vec<_>>(), [256, 8, 4096]);
    assert_eq!(layout.total_bytes(), 32 + 256 + 1024);
    assert_eq!(layout.bank(8), Some(BankSpec::new(8, 256)));
    assert_eq!(layout.bank(16), None);
    Ok(())
}

#[test]
fn layout_accepts_slices_vecs_and_arrays() -> Result<(), RegisterError> {
    let from_slice = BankLayout::new(&SVM_DEFAULT_BANKS[..2], &LIMITS)?;
    let from_vec = BankLayout::new(SVM_DEFAULT_BANKS[..2].to_vec(), &LIMITS)?;
    let from_array = BankLayout::new([SVM_DEFAULT_BANKS[0], SVM_DEFAULT_BANKS[1]], &LIMITS)?;
    assert_eq!(from_slice, from_vec);
    assert_eq!(from_vec, from_array);
    assert_eq!(from_array.total_bytes(), 16 * 4 + 16 * 8);
    Ok(())
}

#[test]
fn empty_layout_is_valid_and_has_no_registers() -> Result<(), RegisterError> {
    let layout = BankLayout::new([], &LIMITS)?;
    assert_eq!(layout.total_bytes(), 0);
    let regs = Registers::new(&layout);
    assert_eq!(
        regs.get(32, 0),
        Err(RegisterError::UnknownWidth {
            bits: 32,
            available: vec![],
        })
    );
    Ok(())
}

#[test]
fn layout_exactly_at_every_limit_is_valid() -> Result<(), RegisterError> {
    // 16 banks, one 4096 bits wide, one with 256 registers, exactly 64 KiB.
    let mut specs = vec![
        BankSpec::new(4096, 64),  // 32768 bytes
        BankSpec::new(2048, 120), // 30720
        BankSpec::new(8, 256),    // 256
        BankSpec::new(296, 46),   // 1702
    ];
    // 12 banks of one register, 2..=13 bytes wide: 90 bytes.
    specs.extend((2..=13).map(|bytes| BankSpec::new(bytes * 8, 1)));
    assert_eq!(specs.len(), 16);
    let layout = BankLayout::new(specs.clone(), &LIMITS)?;
    assert_eq!(layout.total_bytes(), 64 * 1024);
    assert_eq!(layout.specs(), specs.as_slice());
    let regs = Registers::new(&layout);
    assert_eq!(regs.get(4096, 63)?.len(), 512);
    assert_eq!(regs.get(8, 255)?, &[0]);
    assert_eq!(regs.get(104, 0)?.len(), 13);
    Ok(())
}

#[test]
fn zero_width_is_rejected() {
    let spec = BankSpec::new(0, 4);
    assert_eq!(
        BankLayout::new([BankSpec::new(32, 1), spec], &LIMITS),
        invalid(1, spec, BankRule::ZeroWidth)
    );
}

#[test]
fn width_not_a_multiple_of_8_is_rejected() {
    for width_bits in [1, 7, 9, 12, 63, 4095] {
        let spec = BankSpec::new(width_bits, 1);
        assert_eq!(
            BankLayout::new([spec], &LIMITS),
            invalid(0, spec, BankRule::WidthNotByteMultiple { width_bits })
        );
    }
}

#[test]
fn width_over_the_limit_is_rejected() {
    for width_bits in [4104, u32::MAX - 7] {
        let spec = BankSpec::new(width_bits, 1);
        assert_eq!(
            BankLayout::new([spec], &LIMITS),
            invalid(
                0,
                spec,
                BankRule::WidthTooLarge {
                    width_bits,
                    max_width_bits: 4096,
                }
            )
        );
    }
}

#[test]
fn zero_count_is_rejected() {
    let spec = BankSpec::new(64, 0);
    assert_eq!(
        BankLayout::new([spec], &LIMITS),
        invalid(0, spec, BankRule::ZeroCount)
    );
}

#[test]
fn count_over_the_limit_is_rejected() {
    for count in [257, u32::MAX] {
        let spec = BankSpec::new(8, count);
        assert_eq!(
            BankLayout::new([BankSpec::new(16, 1), BankSpec::new(24, 1), spec], &LIMITS),
            invalid(
                2,
                spec,
                BankRule::TooManyRegisters {
                    count,
                    max_registers_per_bank: 256,
                }
            )
        );
    }
}

#[test]
fn duplicate_width_is_rejected_naming_the_first() {
    let dup = BankSpec::new(64, 2);
    assert_eq!(
        BankLayout::new(
            [
                BankSpec::new(32, 1),
                BankSpec::new(64, 1),
                BankSpec::new(8, 1),
                dup
            ],
            &LIMITS
        ),
        invalid(
            3,
            dup,
            BankRule::DuplicateWidth {
                width_bits: 64,
                first: 1,
            }
        )
    );
}

#[test]
fn too_many_banks_is_rejected() {
    let specs: Vec<BankSpec> = (1..=17).map(|w| BankSpec::new(w * 8, 1)).collect();
    assert_eq!(
        BankLayout::new(specs, &LIMITS),
        Err(RegisterError::TooManyBanks {
            banks: 17,
            max_banks: 16,
        })
    );
}

#[test]
fn too_many_bytes_is_rejected() {
    // 4096 bits * 256 registers = 128 KiB in one bank, each limit obeyed.
    assert_eq!(
        BankLayout::new([BankSpec::new(4096, 256)], &LIMITS),
        Err(RegisterError::TooManyBytes {
            total_bytes: 128 * 1024,
            max_total_bytes: 65536,
        })
    );
    // One byte over, spread across banks.
    assert_eq!(
        BankLayout::new([BankSpec::new(4096, 128), BankSpec::new(8, 1)], &LIMITS),
        Err(RegisterError::TooManyBytes {
            total_bytes: 65537,
            max_total_bytes: 65536,
        })
    );
}

#[test]
fn custom_limits_are_applied() {
    let tight = RegisterLimits {
        max_width_bits: 64,
        max_registers_per_bank: 4,
        max_banks: 2,
        max_total_bytes: 40,
    };
    assert_eq!(
        BankLayout::new(SVM_DEFAULT_BANKS, &tight),
        Err(RegisterError::TooManyBanks {
            banks: 5,
            max_banks: 2,
        })
    );
    let spec = BankSpec::new(128, 1);
    assert_eq!(
        BankLayout::new([spec], &tight),
        invalid(
            0,
            spec,
            BankRule::WidthTooLarge {
                width_bits: 128,
                max_width_bits: 64,
            }
        )
    );
    assert_eq!(
        BankLayout::new([BankSpec::new(64, 4), BankSpec::new(32, 3)], &tight),
        Err(RegisterError::TooManyBytes {
            total_bytes: 44,
            max_total_bytes: 40,
        })
    );
    assert!(BankLayout::new([BankSpec::new(64, 4), BankSpec::new(32, 2)], &tight).is_ok());
}

#[test]
fn layout_errors_name_bank_rule_and_limit() {
    let msg = BankLayout::new([BankSpec::new(64, 1), BankSpec::new(64, 300)], &LIMITS)
        .map_err(|e| e.to_string())
        .err();
    assert_eq!(
        msg.as_deref(),
        Some(
            "invalid register bank #1 (300 x 64 bits): the count 300 exceeds the limit of 256 \
             registers per bank"
        )
    );
    let msg = BankLayout::new([BankSpec::new(8192, 1)], &LIMITS)
        .map_err(|e| e.to_string())
        .err();
    assert_eq!(
        msg.as_deref(),
        Some(
            "invalid register bank #0 (1 x 8192 bits): the width 8192 bits exceeds the limit of 4096 bits"
        )
    );
}

#[test]
fn registers_of_a_custom_layout_work_at_the_edges() -> Result<(), RegisterError> {
    let layout = BankLayout::new([BankSpec::new(8, 3), BankSpec::new(72, 2)], &LIMITS)?;
    let mut regs = Registers::new(&layout);
    assert_eq!(regs.get(8, 2)?, &[0]);
    regs.set(8, 2, &[0xFE])?;
    regs.replace_byte(8, 0, 0x01, 0)?;
    regs.write_be_i64(72, 1, -1)?;
    assert_eq!(regs.get(8, 0)?, &[0x01]);
    assert_eq!(regs.get(8, 1)?, &[0x00]);
    assert_eq!(regs.get(8, 2)?, &[0xFE]);
    assert_eq!(regs.get(72, 0)?, &[0; 9]);
    assert_eq!(
        regs.get(72, 1)?,
        &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0]
    );
    assert_eq!(regs.read_be_i64(72, 1)?, -1);
    assert_eq!(
        regs.read_be_i64(8, 0),
        Err(RegisterError::TooNarrow {
            bits: 8,
            needed_bits: 64,
        })
    );
    assert_eq!(
        regs.get(8, 3),
        Err(RegisterError::IndexOutOfRange {
            bits: 8,
            index: 3,
            count: 3,
        })
    );
    assert!(matches!(
        regs.get(32, 0),
        Err(RegisterError::UnknownWidth { bits: 32, ref available }) if available == &[8, 72]
    ));
    Ok(())
}

#[test]
fn decoded_declaration_is_validated() {
    // A deploy declaration arrives SCALE-encoded; decoding does not validate.
    let declared = vec![BankSpec::new(64, 4), BankSpec::new(12, 1)];
    let bytes = declared.encode();
    let decoded = Vec::<BankSpec>::decode(&mut &bytes[..]);
    assert_eq!(decoded.as_ref(), Ok(&declared));
    let spec = BankSpec::new(12, 1);
    assert_eq!(
        BankLayout::new(declared, &LIMITS),
        invalid(1, spec, BankRule::WidthNotByteMultiple { width_bits: 12 })
    );
}
