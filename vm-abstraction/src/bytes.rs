//! The plain-bytes backend: host memory standing in for guest memory.
//!
//! `[u8]` is the one real implementation; `Vec<u8>` and `&mut M` forward to it, so a host
//! function generic over `M: CustomContextVM + ?Sized` runs on a `Vec<u8>` or a
//! `&mut [u8]` unchanged. A `Vec<u8>` is a fixed-size memory here: accesses never grow it.

use crate::{CustomContextVM, MemoryError, check_range};

impl CustomContextVM for [u8] {
    fn size(&self) -> usize {
        self.len()
    }

    fn data(&self, pos: u32, len: u32) -> Result<&[u8], MemoryError> {
        let size = self.len();
        let range = check_range(pos, len, size)?;
        self.get(range)
            .ok_or_else(|| MemoryError::new(pos, u64::from(len), size))
    }

    fn data_mut(&mut self, pos: u32, len: u32) -> Result<&mut [u8], MemoryError> {
        let size = self.len();
        let range = check_range(pos, len, size)?;
        self.get_mut(range)
            .ok_or_else(|| MemoryError::new(pos, u64::from(len), size))
    }
}

impl CustomContextVM for Vec<u8> {
    fn size(&self) -> usize {
        self.as_slice().size()
    }

    fn data(&self, pos: u32, len: u32) -> Result<&[u8], MemoryError> {
        self.as_slice().data(pos, len)
    }

    fn data_mut(&mut self, pos: u32, len: u32) -> Result<&mut [u8], MemoryError> {
        self.as_mut_slice().data_mut(pos, len)
    }
}

/// Forwarding through `&mut`, so `&mut [u8]`, `&mut WasmiMemory` and
/// `&mut dyn CustomContextVM` can be passed where a memory is taken by value.
impl<M: CustomContextVM + ?Sized> CustomContextVM for &mut M {
    fn size(&self) -> usize {
        (**self).size()
    }

    fn data(&self, pos: u32, len: u32) -> Result<&[u8], MemoryError> {
        (**self).data(pos, len)
    }

    fn data_mut(&mut self, pos: u32, len: u32) -> Result<&mut [u8], MemoryError> {
        (**self).data_mut(pos, len)
    }

    fn read(&self, pos: u32, buf: &mut [u8]) -> Result<(), MemoryError> {
        (**self).read(pos, buf)
    }

    fn write(&mut self, pos: u32, bytes: &[u8]) -> Result<(), MemoryError> {
        (**self).write(pos, bytes)
    }
}
