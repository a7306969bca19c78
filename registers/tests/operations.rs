//! Public behaviour of `Registers` at the edges of every SVM default bank.

use strata_registers::{BankLayout, RegisterError, Registers, SVM_DEFAULT_BANKS};

type R = Result<(), RegisterError>;

fn svm() -> Registers {
    Registers::new(&BankLayout::svm_default())
}

/// `(bits, width in bytes, count, [first index, last index])` per SVM bank.
fn banks() -> impl Iterator<Item = (u32, usize, u32, [u32; 2])> {
    SVM_DEFAULT_BANKS.iter().map(|s| {
        (
            s.width_bits,
            s.width_bits as usize / 8,
            s.count,
            [0, s.count - 1],
        )
    })
}

/// A recognisable pattern of `len` bytes, never 0.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) | 1)
        .collect()
}

/// Every register of every bank, in the order of the buffer.
fn snapshot(regs: &Registers) -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    for spec in regs.layout().specs() {
        for idx in 0..spec.count {
            all.push(regs.get(spec.width_bits, idx).unwrap().to_vec());
        }
    }
    all
}

fn all_zero(regs: &Registers) -> bool {
    snapshot(regs).iter().flatten().all(|b| *b == 0)
}

// ---------------------------------------------------------------- fresh state

#[test]
fn fresh_registers_are_zero_and_have_the_bank_width() -> R {
    let regs = svm();
    for (bits, width, count, _) in banks() {
        assert_eq!(regs.width_bytes(bits)?, width);
        assert_eq!(regs.count(bits)?, count);
        for idx in 0..count {
            assert_eq!(regs.get(bits, idx)?, vec![0u8; width].as_slice());
        }
    }
    assert_eq!(regs.layout(), &BankLayout::svm_default());
    Ok(())
}

#[test]
fn default_registers_use_the_svm_layout() {
    assert_eq!(Registers::default(), svm());
    assert_eq!(Registers::default().layout().total_bytes(), 736);
}

// ------------------------------------------------------------------------ set

#[test]
fn set_exact_width_then_get_returns_it() -> R {
    for (bits, width, _, edges) in banks() {
        for idx in edges {
            let mut regs = svm();
            let data = pattern(width, idx as u8);
            regs.set(bits, idx, &data)?;
            assert_eq!(regs.get(bits, idx)?, data.as_slice(), "{bits}/{idx}");
            // Nothing else changed.
            let nonzero: usize = snapshot(&regs)
                .iter()
                .flatten()
                .filter(|b| **b != 0)
                .count();
            assert_eq!(nonzero, width, "{bits}/{idx}");
        }
    }
    Ok(())
}

#[test]
fn set_shorter_data_is_zero_padded_over_an_old_value() -> R {
    for (bits, width, _, edges) in banks() {
        for idx in edges {
            let mut regs = svm();
            regs.set(bits, idx, &vec![0xFF; width])?;
            regs.set(bits, idx, &[7, 8, 9])?;
            let mut expected = vec![0u8; width];
            expected[..3].copy_from_slice(&[7, 8, 9]);
            assert_eq!(regs.get(bits, idx)?, expected.as_slice(), "{bits}/{idx}");
        }
    }
    Ok(())
}

#[test]
fn set_empty_data_zeroes_the_register() -> R {
    for (bits, width, _, edges) in banks() {
        for idx in edges {
            let mut regs = svm();
            regs.set(bits, idx, &vec![0xFF; width])?;
            regs.set(bits, idx, &[])?;
            assert_eq!(regs.get(bits, idx)?, vec![0u8; width].as_slice());
        }
    }
    Ok(())
}

#[test]
fn set_one_byte_too_long_is_rejected_and_leaves_the_register() -> R {
    for (bits, width, _, edges) in banks() {
        for idx in edges {
            let mut regs = svm();
            let old = pattern(width, 3);
            regs.set(bits, idx, &old)?;
            let before = snapshot(&regs);
            assert_eq!(
                regs.set(bits, idx, &vec![0xEE; width + 1]),
                Err(RegisterError::DataTooLong {
                    bits,
                    len: width + 1,
                    max_bytes: width,
                })
            );
            assert_eq!(snapshot(&regs), before, "{bits}/{idx}");
        }
    }
    Ok(())
}

#[test]
fn neighbouring_registers_are_independent() -> R {
    // Filling every register of every bank with its own pattern, then reading
    // them all back, catches any overlap between registers or banks.
    let mut regs = svm();
    let mut seed = 0u8;
    for (bits, width, count, _) in banks() {
        for idx in 0..count {
            seed = seed.wrapping_add(1);
            regs.set(bits, idx, &pattern(width, seed))?;
        }
    }
    let mut seed = 0u8;
    for (bits, width, count, _) in banks() {
        for idx in 0..count {
            seed = seed.wrapping_add(1);
            assert_eq!(regs.get(bits, idx)?, pattern(width, seed).as_slice());
        }
    }
    Ok(())
}

// -------------------------------------------------------------------- get_mut

#[test]
fn get_mut_writes_are_visible_to_get() -> R {
    for (bits, width, _, edges) in banks() {
        for idx in edges {
            let mut regs = svm();
            let reg = regs.get_mut(bits, idx)?;
            assert_eq!(reg.len(), width);
            reg[0] = 0x11;
            reg[width - 1] = 0x22;
            let got = regs.get(bits, idx)?;
            assert_eq!((got[0], got[width - 1]), (0x11, 0x22));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- copy_prefix

#[test]
fn copy_prefix_at_zero_one_and_full_width() -> R {
    for (bits, width, _, edges) in banks() {
        for idx in edges {
            let mut regs = svm();
            let data = pattern(width, 9);
            regs.set(bits, idx, &data)?;
            assert_eq!(regs.copy_prefix(bits, idx, 0)?, &[] as &[u8]);
            assert_eq!(regs.copy_prefix(bits, idx, 1)?, &data[..1]);
            assert_eq!(regs.copy_prefix(bits, idx, width as u32)?, data.as_slice());
        }
    }
    Ok(())
}

#[test]
fn copy_prefix_longer_than_the_register_is_rejected() {
    let regs = svm();
    for (bits, width, _, edges) in banks() {
        for idx in edges {
            for len in [width as u32 + 1, i32::MAX as u32, u32::MAX] {
                assert_eq!(
                    regs.copy_prefix(bits, idx, len),
                    Err(RegisterError::PrefixTooLong {
                        bits,
                        len,
                        width_bytes: width as u32,
                    })
                );
            }
        }
    }
}

// --------------------------------------------------------------- replace_byte

#[test]
fn replace_byte_at_first_and_last_offset() -> R {
    for (bits, width, _, edges) in banks() {
        for idx in edges {
            let mut regs = svm();
            regs.replace_byte(bits, idx, 0xA1, 0)?;
            regs.replace_byte(bits, idx, 0xB2, width as u32 - 1)?;
            let mut expected = vec![0u8; width];
            expected[0] = 0xA1;
            expected[width - 1] = 0xB2;
            assert_eq!(regs.get(bits, idx)?, expected.as_slice(), "{bits}/{idx}");
        }
    }
    Ok(())
}

#[test]
fn replace_byte_keeps_the_other_bytes() -> R {
    let mut regs = svm();
    regs.set(64, 3, &[1, 2, 3, 4, 5, 6, 7, 8])?;
    regs.replace_byte(64, 3, 0, 4)?;
    assert_eq!(regs.get(64, 3)?, &[1, 2, 3, 4, 0, 6, 7, 8]);
    Ok(())
}

#[test]
fn replace_byte_outside_the_register_is_rejected() -> R {
    for (bits, width, _, edges) in banks() {
        for idx in edges {
            let mut regs = svm();
            regs.set(bits, idx, &pattern(width, 5))?;
            let before = snapshot(&regs);
            for offset in [width as u32, width as u32 + 1, u32::MAX] {
                assert_eq!(
                    regs.replace_byte(bits, idx, 0xFF, offset),
                    Err(RegisterError::OffsetOutOfRange {
                        bits,
                        offset,
                        width_bytes: width as u32,
                    })
                );
            }
            assert_eq!(snapshot(&regs), before);
        }
    }
    Ok(())
}

// ------------------------------------------------------------------- i64 ops

#[test]
fn i64_roundtrip_in_every_bank_of_64_bits_or_more() -> R {
    for (bits, width, _, edges) in banks().filter(|b| b.0 >= 64) {
        for idx in edges {
            for value in [0, 1, -1, i64::MIN, i64::MAX, 0x0102_0304_0506_0708] {
                let mut regs = svm();
                regs.set(bits, idx, &vec![0xFF; width])?;
                regs.write_be_i64(bits, idx, value)?;
                assert_eq!(regs.read_be_i64(bits, idx)?, value);
                let mut expected = vec![0u8; width];
                expected[..8].copy_from_slice(&value.to_be_bytes());
                assert_eq!(regs.get(bits, idx)?, expected.as_slice(), "padding");
            }
        }
    }
    Ok(())
}

#[test]
fn read_be_i64_is_big_endian_of_the_first_eight_bytes() -> R {
    let mut regs = svm();
    let mut data = vec![0u8; 20];
    data[..9].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0x2A, 0xFF]);
    regs.set(160, 7, &data)?;
    assert_eq!(regs.read_be_i64(160, 7)?, i64::MIN + 0x2A);
    regs.set(64, 0, &[0, 0, 0, 0, 0, 0, 1, 0])?;
    assert_eq!(regs.read_be_i64(64, 0)?, 256);
    Ok(())
}

#[test]
fn le_i64_is_little_endian_of_the_first_eight_bytes() -> R {
    let mut regs = svm();
    let mut data = vec![0u8; 20];
    data[..9].copy_from_slice(&[0x2A, 0, 0, 0, 0, 0, 0, 0x80, 0xFF]);
    regs.set(160, 7, &data)?;
    assert_eq!(regs.read_le_i64(160, 7)?, i64::MIN + 0x2A);
    regs.write_le_i64(64, 1, 0x0102_0304_0506_0708)?;
    assert_eq!(regs.get(64, 1)?, &[8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(regs.read_be_i64(64, 1)?, 0x0807_0605_0403_0201);
    // Zero-padded on the right, like the big-endian write.
    regs.set(160, 2, &[0xEE; 20])?;
    regs.write_le_i64(160, 2, -2)?;
    assert_eq!(
        &regs.get(160, 2)?[..8],
        &[0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    );
    assert_eq!(&regs.get(160, 2)?[8..], &[0u8; 12]);
    assert!(matches!(
        regs.read_le_i64(32, 0),
        Err(RegisterError::TooNarrow { .. })
    ));
    assert!(matches!(
        regs.write_le_i64(32, 0, 1),
        Err(RegisterError::TooNarrow { .. })
    ));
    Ok(())
}

#[test]
fn i64_ops_on_the_32_bit_bank_are_rejected() {
    let mut regs = svm();
    let narrow = RegisterError::TooNarrow {
        bits: 32,
        needed_bits: 64,
    };
    // Also for an index that is out of range: the width is the first problem.
    for idx in [0, 15, 16, u32::MAX] {
        assert_eq!(regs.read_be_i64(32, idx), Err(narrow.clone()));
        assert_eq!(regs.write_be_i64(32, idx, -1), Err(narrow.clone()));
    }
    assert!(all_zero(&regs));
}

#[test]
fn i64_ops_check_width_and_index() {
    let mut regs = svm();
    assert!(matches!(
        regs.read_be_i64(96, 0),
        Err(RegisterError::UnknownWidth { bits: 96, .. })
    ));
    assert_eq!(
        regs.write_be_i64(64, 16, 5),
        Err(RegisterError::IndexOutOfRange {
            bits: 64,
            index: 16,
            count: 16,
        })
    );
    assert_eq!(
        regs.read_be_i64(512, u32::MAX),
        Err(RegisterError::IndexOutOfRange {
            bits: 512,
            index: u32::MAX,
            count: 4,
        })
    );
    assert!(all_zero(&regs));
}

// --------------------------------------------------------------------- clear

#[test]
fn clear_zeroes_only_that_register() -> R {
    for (bits, width, _, edges) in banks() {
        let mut regs = svm();
        for idx in edges {
            regs.set(bits, idx, &pattern(width, 1))?;
        }
        regs.clear(bits, edges[1])?;
        assert_eq!(regs.get(bits, edges[1])?, vec![0u8; width].as_slice());
        if edges[0] != edges[1] {
            assert_eq!(regs.get(bits, edges[0])?, pattern(width, 1).as_slice());
        }
    }
    Ok(())
}

#[test]
fn clear_all_zeroes_everything() -> R {
    let mut regs = svm();
    for (bits, width, count, _) in banks() {
        for idx in 0..count {
            regs.set(bits, idx, &vec![0xFF; width])?;
        }
    }
    assert!(!all_zero(&regs));
    regs.clear_all();
    assert!(all_zero(&regs));
    assert_eq!(regs, svm());
    Ok(())
}

// ------------------------------------------------------------- bad arguments

#[test]
fn every_operation_rejects_an_unknown_width() {
    let mut regs = svm();
    let available = vec![32, 64, 160, 256, 512];
    for bits in [0, 8, 63, 65, 128, 1024, u32::MAX] {
        let unknown = RegisterError::UnknownWidth {
            bits,
            available: available.clone(),
        };
        assert_eq!(regs.get(bits, 0), Err(unknown.clone()));
        assert_eq!(regs.get_mut(bits, 0).map(|r| r.len()), Err(unknown.clone()));
        assert_eq!(regs.set(bits, 0, &[1]), Err(unknown.clone()));
        assert_eq!(regs.copy_prefix(bits, 0, 0), Err(unknown.clone()));
        assert_eq!(regs.replace_byte(bits, 0, 1, 0), Err(unknown.clone()));
        assert_eq!(regs.read_be_i64(bits, 0), Err(unknown.clone()));
        assert_eq!(regs.write_be_i64(bits, 0, 1), Err(unknown.clone()));
        assert_eq!(regs.clear(bits, 0), Err(unknown.clone()));
        assert_eq!(regs.width_bytes(bits), Err(unknown.clone()));
        assert_eq!(regs.count(bits), Err(unknown));
    }
    assert!(all_zero(&regs));
}

#[test]
fn unknown_width_message_lists_the_banks() {
    let err = svm().get(48, 0).map(|_| ()).map_err(|e| e.to_string());
    assert_eq!(
        err,
        Err("no register bank of width 48 bits; banks: 32, 64, 160, 256, 512".to_owned())
    );
}

#[test]
fn every_operation_rejects_an_index_out_of_range() {
    let mut regs = svm();
    for (bits, _, count, _) in banks() {
        // `count` is the first bad index; u32::MAX is a wasm -1.
        for index in [count, count + 1, i32::MAX as u32, u32::MAX] {
            let bad = RegisterError::IndexOutOfRange { bits, index, count };
            assert_eq!(regs.get(bits, index), Err(bad.clone()));
            assert_eq!(regs.get_mut(bits, index).map(|r| r.len()), Err(bad.clone()));
            assert_eq!(regs.set(bits, index, &[1]), Err(bad.clone()));
            assert_eq!(regs.copy_prefix(bits, index, 1), Err(bad.clone()));
            assert_eq!(regs.replace_byte(bits, index, 1, 0), Err(bad.clone()));
            assert_eq!(regs.clear(bits, index), Err(bad.clone()));
            if bits >= 64 {
                assert_eq!(regs.read_be_i64(bits, index), Err(bad.clone()));
                assert_eq!(regs.write_be_i64(bits, index, 1), Err(bad));
            }
        }
    }
    assert!(all_zero(&regs));
}

#[test]
fn errors_are_actionable_messages() {
    let mut regs = svm();
    let msg = |r: Result<(), RegisterError>| r.map_err(|e| e.to_string()).err();
    assert_eq!(
        msg(regs.clear(64, 16)),
        Some(
            "register index 16 is out of range for the 64-bit bank, which has 16 registers \
             (valid indexes 0..16)"
                .to_owned()
        )
    );
    assert_eq!(
        msg(regs.set(32, 0, &[0; 5])),
        Some("5 bytes do not fit in a 32-bit register, which holds at most 4 bytes".to_owned())
    );
    assert_eq!(
        msg(regs.replace_byte(160, 0, 0, 20)),
        Some("byte offset 20 is outside a 160-bit register (valid offsets 0..20)".to_owned())
    );
    assert_eq!(
        msg(regs.write_be_i64(32, 0, 0)),
        Some(
            "the 32-bit register bank is too narrow for this operation, which needs a \
             register of at least 64 bits"
                .to_owned()
        )
    );
}
