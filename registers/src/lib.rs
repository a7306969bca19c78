//! # strata-registers: the register banks of a contract execution
//!
//! Registers are ephemeral, fixed-size byte buffers that a running contract
//! uses as scratch space in the host, as in the Spacemesh SVM design. Host
//! functions read their inputs from registers and leave their results in
//! them (an address, a hash, a balance), so that values too wide for a wasm
//! `i64` never need to round-trip through the contract's linear memory.
//!
//! One [`Registers`] exists per execution. The runtime creates it, all zero,
//! when an execution starts, hands it to the host functions, and drops it at
//! the end: registers are never persisted.
//!
//! ## Banks
//!
//! Registers come in *banks*: a bank is `count` registers of the same width,
//! and a register is addressed by its bank's width in bits and its index in
//! the bank, e.g. `(160, 3)`. Unless a contract declares otherwise, the banks
//! are the SVM ones ([`BankLayout::svm_default`]): 16 registers of 32 bits,
//! 16 of 64, 8 of 160, 4 of 256 and 4 of 512. A contract may declare its own
//! banks at deploy ([`BankSpec`]s, SCALE-encoded); [`BankLayout::new`] checks
//! them against [`RegisterLimits`] and rejects a bad declaration with a
//! [`RegisterError`] naming the bank, the rule and the limit.
//!
//! ## Key design decision: one contiguous buffer
//!
//! A register access happens on the hot path of nearly every host call, so
//! [`Registers`] keeps all registers of all banks in **one** zeroed
//! `Vec<u8>`, and the [`BankLayout`] precomputes where each bank starts. A
//! lookup is a short scan of at most [`RegisterLimits::max_banks`] widths
//! plus one multiply, with no allocation and no pointer chasing; creating
//! the registers of an execution is one allocation of
//! [`BankLayout::total_bytes`] bytes (736 for the SVM banks); and
//! [`Registers::clear_all`] is a single `fill`. A `Vec` per register (or per
//! bank) would cost one allocation each at start-up and an extra indirection
//! on every access.
//!
//! ## Arguments from wasm
//!
//! Widths, indexes, offsets and lengths are `u32`: the caller reinterprets
//! the wasm `i32` it got, so a negative value arrives as a huge number and
//! fails with an ordinary error. No input can make an operation panic, and an
//! operation that fails leaves every register unchanged.
//!
//! ## Example
//!
//! ```
//! use strata_registers::{BankLayout, BankSpec, RegisterError, RegisterLimits, Registers};
//!
//! let mut regs = Registers::new(&BankLayout::svm_default());
//!
//! // A 20-byte address in register 0 of the 160-bit bank.
//! regs.set(160, 0, &[0xAA; 20])?;
//! assert_eq!(regs.copy_prefix(160, 0, 2)?, &[0xAA, 0xAA]);
//!
//! // Shorter data is zero-padded on the right.
//! regs.set(64, 1, &[1, 2])?;
//! assert_eq!(regs.get(64, 1)?, &[1, 2, 0, 0, 0, 0, 0, 0]);
//!
//! // Integers are stored big-endian.
//! regs.write_be_i64(64, 2, -2)?;
//! assert_eq!(regs.read_be_i64(64, 2)?, -2);
//!
//! // Bad arguments are typed errors, never panics.
//! assert!(matches!(
//!     regs.get(64, u32::MAX),
//!     Err(RegisterError::IndexOutOfRange { bits: 64, count: 16, .. })
//! ));
//! assert!(matches!(regs.get(48, 0), Err(RegisterError::UnknownWidth { bits: 48, .. })));
//!
//! // A contract's own banks, validated at deploy.
//! let layout = BankLayout::new([BankSpec::new(8, 4), BankSpec::new(1024, 2)], &RegisterLimits::default())?;
//! let regs = Registers::new(&layout);
//! assert_eq!(regs.width_bytes(1024)?, 128);
//! assert!(BankLayout::new([BankSpec::new(12, 1)], &RegisterLimits::default()).is_err());
//! # Ok::<(), RegisterError>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod layout;
mod registers;

pub use error::{BankRule, RegisterError};
pub use layout::{BankLayout, BankSpec, RegisterLimits, SVM_DEFAULT_BANKS};
pub use registers::Registers;
