//! `Registers` against a deliberately simple model: a
//! `HashMap<(bits, idx), Vec<u8>>` of the registers written so far (absent
//! means zero), driven by random operations with random (often bad)
//! arguments. After every operation the results must agree exactly (values
//! and errors) and every register must read back as the model says.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use strata_registers::{BankLayout, BankSpec, RegisterError, RegisterLimits, Registers};

/// How long the data of a `set` is, relative to the register width.
#[derive(Clone, Debug)]
enum Len {
    Empty,
    Short(usize),
    Exact,
    Over(usize),
}

/// A register address: `bank` picks a bank of the layout, or (when past the
/// last bank) a width that is not in it; `idx` is raw.
#[derive(Clone, Debug)]
struct Addr {
    bank: usize,
    idx: u32,
}

#[derive(Clone, Debug)]
enum Op {
    Set(Addr, Len, u8),
    ReplaceByte(Addr, u8, u32),
    WriteI64(Addr, i64),
    Clear(Addr),
    ClearAll,
    CopyPrefix(Addr, u32),
    ReadI64(Addr),
}

/// Widths that none of the generated layouts has (all generated widths are
/// multiples of 8 and at most 512).
const UNKNOWN_WIDTHS: [u32; 4] = [0, 12, 520, u32::MAX];

fn addr() -> impl Strategy<Value = Addr> {
    let idx = prop_oneof![
        6 => 0u32..8,
        1 => Just(u32::MAX),
        1 => any::<u32>(),
    ];
    (0usize..8, idx).prop_map(|(bank, idx)| Addr { bank, idx })
}

fn offset() -> impl Strategy<Value = u32> {
    prop_oneof![4 => 0u32..70, 1 => Just(u32::MAX), 1 => any::<u32>()]
}

fn op() -> impl Strategy<Value = Op> {
    let len = prop_oneof![
        Just(Len::Empty),
        (0usize..64).prop_map(Len::Short),
        Just(Len::Exact),
        (1usize..3).prop_map(Len::Over),
    ];
    prop_oneof![
        4 => (addr(), len, any::<u8>()).prop_map(|(a, l, s)| Op::Set(a, l, s)),
        3 => (addr(), any::<u8>(), offset()).prop_map(|(a, b, o)| Op::ReplaceByte(a, b, o)),
        2 => (addr(), any::<i64>()).prop_map(|(a, v)| Op::WriteI64(a, v)),
        2 => addr().prop_map(Op::Clear),
        1 => Just(Op::ClearAll),
        2 => (addr(), offset()).prop_map(|(a, l)| Op::CopyPrefix(a, l)),
        2 => addr().prop_map(Op::ReadI64),
    ]
}

/// The SVM banks, or 1..=5 banks of distinct widths up to 40 bytes (some
/// narrower than 64 bits) with 1..=6 registers each, in random order.
fn layout() -> impl Strategy<Value = BankLayout> {
    let custom = prop::collection::btree_map(1u32..=40, 1u32..=6, 1..=5)
        .prop_map(|banks: BTreeMap<u32, u32>| {
            banks
                .into_iter()
                .map(|(bytes, count)| BankSpec::new(bytes * 8, count))
                .collect::<Vec<_>>()
        })
        .prop_shuffle()
        .prop_map(
            |specs| match BankLayout::new(specs, &RegisterLimits::default()) {
                Ok(layout) => layout,
                Err(e) => panic!("generated an invalid layout: {e}"),
            },
        );
    prop_oneof![Just(BankLayout::svm_default()), custom]
}

struct Model {
    specs: Vec<BankSpec>,
    regs: HashMap<(u32, u32), Vec<u8>>,
}

impl Model {
    fn bits(&self, bank: usize) -> u32 {
        match self.specs.get(bank) {
            Some(spec) => spec.width_bits,
            None => UNKNOWN_WIDTHS[bank % UNKNOWN_WIDTHS.len()],
        }
    }

    /// The register's width in bytes, or the error for its address.
    fn check(&self, bits: u32, idx: u32, needs_i64: bool) -> Result<usize, RegisterError> {
        let Some(spec) = self.specs.iter().find(|s| s.width_bits == bits) else {
            return Err(RegisterError::UnknownWidth {
                bits,
                available: self.specs.iter().map(|s| s.width_bits).collect(),
            });
        };
        if needs_i64 && bits < 64 {
            return Err(RegisterError::TooNarrow {
                bits,
                needed_bits: 64,
            });
        }
        if idx >= spec.count {
            return Err(RegisterError::IndexOutOfRange {
                bits,
                index: idx,
                count: spec.count,
            });
        }
        Ok(bits as usize / 8)
    }

    fn value(&self, bits: u32, idx: u32) -> Vec<u8> {
        self.regs
            .get(&(bits, idx))
            .cloned()
            .unwrap_or_else(|| vec![0; bits as usize / 8])
    }

    fn set(&mut self, bits: u32, idx: u32, data: &[u8]) -> Result<(), RegisterError> {
        let width = self.check(bits, idx, false)?;
        if data.len() > width {
            return Err(RegisterError::DataTooLong {
                bits,
                len: data.len(),
                max_bytes: width,
            });
        }
        let mut value = data.to_vec();
        value.resize(width, 0);
        self.regs.insert((bits, idx), value);
        Ok(())
    }
}

fn data_of(len: &Len, width: usize, seed: u8) -> Vec<u8> {
    let n = match *len {
        Len::Empty => 0,
        Len::Short(n) => n.min(width),
        Len::Exact => width,
        Len::Over(extra) => width + extra,
    };
    (0..n)
        .map(|i| seed.wrapping_add(i as u8).wrapping_mul(7) | 0x80)
        .collect()
}

/// Every register of every bank reads back as the model says.
fn assert_same_state(regs: &Registers, model: &Model) -> Result<(), TestCaseError> {
    for spec in &model.specs {
        for idx in 0..spec.count {
            let expected = model.value(spec.width_bits, idx);
            prop_assert_eq!(
                regs.get(spec.width_bits, idx),
                Ok(expected.as_slice()),
                "register {}/{}",
                spec.width_bits,
                idx
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn registers_behave_like_the_model(
        layout in layout(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut regs = Registers::new(&layout);
        let mut model = Model { specs: layout.specs().to_vec(), regs: HashMap::new() };
        assert_same_state(&regs, &model)?;

        for op in &ops {
            match op {
                Op::Set(a, len, seed) => {
                    let bits = model.bits(a.bank);
                    let width = regs.width_bytes(bits).unwrap_or(8);
                    let data = data_of(len, width, *seed);
                    let expected = model.set(bits, a.idx, &data);
                    prop_assert_eq!(regs.set(bits, a.idx, &data), expected);
                }
                Op::ReplaceByte(a, byte, offset) => {
                    let bits = model.bits(a.bank);
                    let expected = model.check(bits, a.idx, false).and_then(|width| {
                        if *offset as usize >= width {
                            return Err(RegisterError::OffsetOutOfRange {
                                bits,
                                offset: *offset,
                                width_bytes: width as u32,
                            });
                        }
                        let mut value = model.value(bits, a.idx);
                        value[*offset as usize] = *byte;
                        model.regs.insert((bits, a.idx), value);
                        Ok(())
                    });
                    prop_assert_eq!(regs.replace_byte(bits, a.idx, *byte, *offset), expected);
                }
                Op::WriteI64(a, v) => {
                    let bits = model.bits(a.bank);
                    let expected = model
                        .check(bits, a.idx, true)
                        .and_then(|_| model.set(bits, a.idx, &v.to_be_bytes()));
                    prop_assert_eq!(regs.write_be_i64(bits, a.idx, *v), expected);
                }
                Op::Clear(a) => {
                    let bits = model.bits(a.bank);
                    let expected = model.check(bits, a.idx, false).map(|_| {
                        model.regs.remove(&(bits, a.idx));
                    });
                    prop_assert_eq!(regs.clear(bits, a.idx), expected);
                }
                Op::ClearAll => {
                    model.regs.clear();
                    regs.clear_all();
                }
                Op::CopyPrefix(a, len) => {
                    let bits = model.bits(a.bank);
                    let expected = model.check(bits, a.idx, false).and_then(|width| {
                        if *len as usize > width {
                            return Err(RegisterError::PrefixTooLong {
                                bits,
                                len: *len,
                                width_bytes: width as u32,
                            });
                        }
                        Ok(model.value(bits, a.idx)[..*len as usize].to_vec())
                    });
                    prop_assert_eq!(
                        regs.copy_prefix(bits, a.idx, *len).map(<[u8]>::to_vec),
                        expected
                    );
                }
                Op::ReadI64(a) => {
                    let bits = model.bits(a.bank);
                    let expected = model.check(bits, a.idx, true).map(|_| {
                        let value = model.value(bits, a.idx);
                        let mut first = [0u8; 8];
                        first.copy_from_slice(&value[..8]);
                        i64::from_be_bytes(first)
                    });
                    prop_assert_eq!(regs.read_be_i64(bits, a.idx), expected);
                }
            }
            assert_same_state(&regs, &model)?;
        }
    }
}
