//! [`ExecBuffer`]: an outcome in a fixed byte layout, for a host boundary.

use crate::ExecOutcome;

/// An [`ExecOutcome`] in a fixed `#[repr(C)]` layout of 64 bytes, for
/// passing an outcome across a host boundary (as sp-virtualization's
/// `ExecBuffer`): a host function writes it into guest memory with
/// [`to_bytes`](Self::to_bytes), the other side reads it back with
/// [`from_bytes`](Self::from_bytes).
///
/// Layout (all little-endian in the byte form): `gas_left: i64` at 0,
/// `syscall_no: u32` at 8, `status: u32` at 12 ([`STATUS_FINISHED`] or
/// [`STATUS_SYSCALL`]), `args: [u64; 6]` at 16..64. A finished outcome has
/// `syscall_no` and `args` zero.
///
/// [`STATUS_FINISHED`]: Self::STATUS_FINISHED
/// [`STATUS_SYSCALL`]: Self::STATUS_SYSCALL
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecBuffer {
    /// Gas left after the step.
    pub gas_left: i64,
    /// The syscall's number (0 when finished).
    pub syscall_no: u32,
    /// [`Self::STATUS_FINISHED`] or [`Self::STATUS_SYSCALL`].
    pub status: u32,
    /// The syscall's arguments, `a0..a5` (i32 arguments sign-extended).
    pub args: [u64; 6],
}

impl ExecBuffer {
    /// The size of the byte form: 64.
    pub const SIZE: usize = 64;
    /// `status` of a finished call.
    pub const STATUS_FINISHED: u32 = 0;
    /// `status` of a call stopped at a syscall.
    pub const STATUS_SYSCALL: u32 = 1;

    /// The byte form (little-endian fields in declaration order).
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[0..8].copy_from_slice(&self.gas_left.to_le_bytes());
        out[8..12].copy_from_slice(&self.syscall_no.to_le_bytes());
        out[12..16].copy_from_slice(&self.status.to_le_bytes());
        for (chunk, a) in out[16..].chunks_exact_mut(8).zip(self.args) {
            chunk.copy_from_slice(&a.to_le_bytes());
        }
        out
    }

    /// Reads the byte form back. Every 64-byte string is some buffer; see
    /// [`outcome`](Self::outcome) for whether it is a valid outcome.
    pub fn from_bytes(bytes: &[u8; Self::SIZE]) -> Self {
        let mut w8 = [0u8; 8];
        let mut w4 = [0u8; 4];
        w8.copy_from_slice(&bytes[0..8]);
        let gas_left = i64::from_le_bytes(w8);
        w4.copy_from_slice(&bytes[8..12]);
        let syscall_no = u32::from_le_bytes(w4);
        w4.copy_from_slice(&bytes[12..16]);
        let status = u32::from_le_bytes(w4);
        let mut args = [0u64; 6];
        for (a, chunk) in args.iter_mut().zip(bytes[16..].chunks_exact(8)) {
            w8.copy_from_slice(chunk);
            *a = u64::from_le_bytes(w8);
        }
        Self {
            gas_left,
            syscall_no,
            status,
            args,
        }
    }

    /// The outcome this buffer holds, or `None` for an unknown `status`.
    pub fn outcome(&self) -> Option<ExecOutcome> {
        match self.status {
            Self::STATUS_FINISHED => Some(ExecOutcome::Finished {
                gas_left: self.gas_left,
            }),
            Self::STATUS_SYSCALL => Some(ExecOutcome::Syscall {
                gas_left: self.gas_left,
                syscall_no: self.syscall_no,
                args: self.args,
            }),
            _ => None,
        }
    }
}

impl From<ExecOutcome> for ExecBuffer {
    fn from(outcome: ExecOutcome) -> Self {
        match outcome {
            ExecOutcome::Finished { gas_left } => Self {
                gas_left,
                ..Self::default()
            },
            ExecOutcome::Syscall {
                gas_left,
                syscall_no,
                args,
            } => Self {
                gas_left,
                syscall_no,
                status: Self::STATUS_SYSCALL,
                args,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn layout_is_fixed() {
        assert_eq!(size_of::<ExecBuffer>(), ExecBuffer::SIZE);
        assert_eq!(align_of::<ExecBuffer>(), 8);
        assert_eq!(offset_of!(ExecBuffer, gas_left), 0);
        assert_eq!(offset_of!(ExecBuffer, syscall_no), 8);
        assert_eq!(offset_of!(ExecBuffer, status), 12);
        assert_eq!(offset_of!(ExecBuffer, args), 16);
    }

    #[test]
    fn bytes_round_trip_and_are_little_endian() {
        let outcome = ExecOutcome::Syscall {
            gas_left: -2,
            syscall_no: 0x0102_0304,
            args: [1, 2, 3, 4, 5, u64::MAX],
        };
        let buf = ExecBuffer::from(outcome);
        let bytes = buf.to_bytes();
        assert_eq!(
            &bytes[0..8],
            &[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(&bytes[8..12], &[4, 3, 2, 1]);
        assert_eq!(&bytes[12..16], &[1, 0, 0, 0]);
        assert_eq!(&bytes[16..24], &[1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&bytes[56..64], &[0xff; 8]);
        assert_eq!(ExecBuffer::from_bytes(&bytes), buf);
        assert_eq!(buf.outcome(), Some(outcome));

        let done = ExecBuffer::from(ExecOutcome::Finished { gas_left: 7 });
        assert_eq!(
            ExecBuffer::from_bytes(&done.to_bytes()).outcome(),
            Some(ExecOutcome::Finished { gas_left: 7 })
        );
        let bad = ExecBuffer { status: 9, ..done };
        assert_eq!(bad.outcome(), None);
    }
}
