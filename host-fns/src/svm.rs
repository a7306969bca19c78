//! Implementations of the `svm` import module: the SVM v0 vmcalls, with
//! their original names and signatures.
//!
//! Memory index arguments must be 0 (one memory). Slice index arguments are
//! accepted and ignored: slices are addressed by page and offset.

use crate::{CustomContextVM, Host, HostErrorKind as E};

/// Scratch space for moving bytes between registers and storage, which both
/// live in the host: on the stack up to 512 bytes (the widest default
/// register), on the heap past that.
pub(crate) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    let mut stack = [0u8; 512];
    match stack.get_mut(..len) {
        Some(buf) => f(buf),
        None => f(&mut vec![0u8; len]),
    }
}

fn mem_index(arg: &'static str, idx: i32) -> Result<(), E> {
    if idx == 0 {
        Ok(())
    } else {
        Err(E::invalid(
            arg,
            format!("memory index {idx}: only memory 0 exists"),
        ))
    }
}

pub(crate) fn mem_to_reg_copy<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    src_mem_idx: i32,
    src_mem_ptr: i32,
    len: i32,
    dst_reg_bits: i32,
    dst_reg_idx: i32,
) -> Result<(), E> {
    mem_index("src_mem_idx", src_mem_idx)?;
    mem_to_reg(
        mem,
        host,
        (src_mem_ptr, "src_mem_ptr"),
        len,
        (dst_reg_bits, "dst_reg_bits"),
        (dst_reg_idx, "dst_reg_idx"),
    )
}

/// Guest memory to a register (zero-padded), shared by `svm` and `strata`;
/// errors name the caller's arguments.
pub(crate) fn mem_to_reg<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    (ptr, ptr_arg): (i32, &'static str),
    len: i32,
    (bits, bits_arg): (i32, &'static str),
    (idx, idx_arg): (i32, &'static str),
) -> Result<(), E> {
    let bytes = mem
        .data(ptr as u32, len as u32)
        .map_err(E::memory(ptr_arg))?;
    host.registers()
        .set(bits as u32, idx as u32, bytes)
        .map_err(E::register(bits_arg, idx_arg, "len"))
}

pub(crate) fn reg_to_mem_copy<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    src_reg_bits: i32,
    src_reg_idx: i32,
    len: i32,
    dst_mem_idx: i32,
    dst_mem_ptr: i32,
) -> Result<(), E> {
    mem_index("dst_mem_idx", dst_mem_idx)?;
    let bytes = host
        .registers()
        .copy_prefix(src_reg_bits as u32, src_reg_idx as u32, len as u32)
        .map_err(E::register("src_reg_bits", "src_reg_idx", "len"))?;
    mem.write(dst_mem_ptr as u32, bytes)
        .map_err(E::memory("dst_mem_ptr"))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn storage_read_to_reg<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    src_page: i32,
    _src_slice: i32,
    offset: i32,
    len: i32,
    dst_reg_bits: i32,
    dst_reg_idx: i32,
) -> Result<(), E> {
    read_to_reg(
        host,
        (src_page, "src_page"),
        (offset, "offset"),
        len,
        (dst_reg_bits, "dst_reg_bits"),
        (dst_reg_idx, "dst_reg_idx"),
    )
}

/// Storage to a register, shared by `svm` and `strata`: the register is
/// checked first (so a bad register touches no storage), then the slice is
/// read and the register set, zero-padded.
pub(crate) fn read_to_reg<H: Host + ?Sized>(
    host: &mut H,
    (page, page_arg): (i32, &'static str),
    (offset, offset_arg): (i32, &'static str),
    len: i32,
    (bits, bits_arg): (i32, &'static str),
    (idx, idx_arg): (i32, &'static str),
) -> Result<(), E> {
    let width = host
        .registers()
        .get(bits as u32, idx as u32)
        .map_err(E::register(bits_arg, idx_arg, "len"))?
        .len();
    let len = len as u32;
    if len as usize > width {
        return Err(E::invalid(
            "len",
            format!("{len} bytes do not fit in a {bits}-bit register"),
        ));
    }
    with_scratch(len as usize, |buf| {
        let bytes = host
            .storage_read(page as u32, offset as u32, len)
            .map_err(E::storage(page_arg, offset_arg))?;
        buf.copy_from_slice(bytes);
        host.registers()
            .set(bits as u32, idx as u32, buf)
            .map_err(E::register(bits_arg, idx_arg, "len"))
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn storage_read_to_mem<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    src_page: i32,
    _src_slice: i32,
    offset: i32,
    len: i32,
    dst_mem_idx: i32,
    dst_mem_ptr: i32,
) -> Result<(), E> {
    mem_index("dst_mem_idx", dst_mem_idx)?;
    read_to_mem(
        mem,
        host,
        (src_page, "src_page"),
        offset,
        len,
        (dst_mem_ptr, "dst_mem_ptr"),
    )
}

/// Storage to guest memory, shared by `svm` and `strata`: the destination is
/// checked first (so a bad pointer touches no storage), then the slice is
/// copied in. Errors name the caller's arguments.
pub(crate) fn read_to_mem<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    (page, page_arg): (i32, &'static str),
    offset: i32,
    len: i32,
    (ptr, ptr_arg): (i32, &'static str),
) -> Result<(), E> {
    let dst = mem
        .data_mut(ptr as u32, len as u32)
        .map_err(E::memory(ptr_arg))?;
    let src = host
        .storage_read(page as u32, offset as u32, len as u32)
        .map_err(E::storage(page_arg, "offset"))?;
    dst.copy_from_slice(src);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn storage_write_from_mem<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    src_mem_idx: i32,
    src_mem_ptr: i32,
    len: i32,
    dst_page: i32,
    _dst_slice: i32,
    dst_offset: i32,
) -> Result<(), E> {
    mem_index("src_mem_idx", src_mem_idx)?;
    write_from_mem(
        mem,
        host,
        (src_mem_ptr, "src_mem_ptr"),
        len,
        (dst_page, "dst_page"),
        (dst_offset, "dst_offset"),
    )
}

/// Guest memory to storage, shared by `svm` and `strata`; errors name the
/// caller's arguments.
pub(crate) fn write_from_mem<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    (ptr, ptr_arg): (i32, &'static str),
    len: i32,
    (page, page_arg): (i32, &'static str),
    (offset, offset_arg): (i32, &'static str),
) -> Result<(), E> {
    let src = mem
        .data(ptr as u32, len as u32)
        .map_err(E::memory(ptr_arg))?;
    host.storage_write(page as u32, offset as u32, src)
        .map_err(E::storage(page_arg, offset_arg))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn storage_write_from_reg<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    src_reg_bits: i32,
    src_reg_idx: i32,
    len: i32,
    dst_page: i32,
    _dst_slice: i32,
    dst_offset: i32,
) -> Result<(), E> {
    write_from_reg(
        host,
        (src_reg_bits, "src_reg_bits"),
        (src_reg_idx, "src_reg_idx"),
        len,
        (dst_page, "dst_page"),
        (dst_offset, "dst_offset"),
    )
}

/// A register's first `len` bytes to storage, shared by `svm` and `strata`.
pub(crate) fn write_from_reg<H: Host + ?Sized>(
    host: &mut H,
    (bits, bits_arg): (i32, &'static str),
    (idx, idx_arg): (i32, &'static str),
    len: i32,
    (page, page_arg): (i32, &'static str),
    (offset, offset_arg): (i32, &'static str),
) -> Result<(), E> {
    let len = len as u32;
    let width = host
        .registers()
        .width_bytes(bits as u32)
        .map_err(E::register(bits_arg, idx_arg, "len"))?;
    if len as usize > width {
        return Err(E::invalid(
            "len",
            format!("{len} bytes are more than a {bits}-bit register holds"),
        ));
    }
    with_scratch(len as usize, |buf| {
        let prefix = host
            .registers()
            .copy_prefix(bits as u32, idx as u32, len)
            .map_err(E::register(bits_arg, idx_arg, "len"))?;
        buf.copy_from_slice(prefix);
        host.storage_write(page as u32, offset as u32, buf)
            .map_err(E::storage(page_arg, offset_arg))
    })
}

pub(crate) fn reg_replace_byte<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    reg_bits: i32,
    reg_idx: i32,
    byte: i32,
    offset: i32,
) -> Result<(), E> {
    let byte = u8::try_from(byte)
        .map_err(|_| E::invalid("byte", format!("{byte} is not a byte (0..=255)")))?;
    host.registers()
        .replace_byte(reg_bits as u32, reg_idx as u32, byte, offset as u32)
        .map_err(E::register("reg_bits", "reg_idx", "offset"))
}

pub(crate) fn reg_read_be_i64<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    reg_bits: i32,
    reg_idx: i32,
) -> Result<i64, E> {
    host.registers()
        .read_be_i64(reg_bits as u32, reg_idx as u32)
        .map_err(E::register("reg_bits", "reg_idx", "reg_bits"))
}

pub(crate) fn reg_write_be_i64<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    value: i64,
    reg_bits: i32,
    reg_idx: i32,
) -> Result<(), E> {
    host.registers()
        .write_be_i64(reg_bits as u32, reg_idx as u32, value)
        .map_err(E::register("reg_bits", "reg_idx", "reg_bits"))
}

// ---- September 2019: registers as little-endian i64 ----

pub(crate) fn reg_read_le_i64<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    reg_bits: i32,
    reg_idx: i32,
) -> Result<i64, E> {
    host.registers()
        .read_le_i64(reg_bits as u32, reg_idx as u32)
        .map_err(E::register("reg_bits", "reg_idx", "reg_bits"))
}

pub(crate) fn reg_write_le_i64<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    value: i64,
    reg_bits: i32,
    reg_idx: i32,
) -> Result<(), E> {
    host.registers()
        .write_le_i64(reg_bits as u32, reg_idx as u32, value)
        .map_err(E::register("reg_bits", "reg_idx", "reg_bits"))
}

// ---- December 2019: storage calls without the slice argument ----
//
// The same operations as the autumn signatures above, whose slice argument
// Strata ignores anyway; argument names follow SVM's of that month.
// `storage_read_to_reg` of December is `strata.storage_read_reg` exactly
// (the table links that implementation).

pub(crate) fn storage_read_to_mem_dec19<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    len: i32,
    mem_idx: i32,
    mem_offset: i32,
) -> Result<(), E> {
    mem_index("mem_idx", mem_idx)?;
    read_to_mem(
        mem,
        host,
        (page, "page"),
        offset,
        len,
        (mem_offset, "mem_offset"),
    )
}

pub(crate) fn storage_write_from_mem_dec19<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    mem_idx: i32,
    mem_offset: i32,
    len: i32,
    page_idx: i32,
    page_offset: i32,
) -> Result<(), E> {
    mem_index("mem_idx", mem_idx)?;
    write_from_mem(
        mem,
        host,
        (mem_offset, "mem_offset"),
        len,
        (page_idx, "page_idx"),
        (page_offset, "page_offset"),
    )
}

pub(crate) fn storage_write_from_reg_dec19<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    reg_bits: i32,
    reg_idx: i32,
    len: i32,
    page_idx: i32,
    page_offset: i32,
) -> Result<(), E> {
    write_from_reg(
        host,
        (reg_bits, "reg_bits"),
        (reg_idx, "reg_idx"),
        len,
        (page_idx, "page_idx"),
        (page_offset, "page_offset"),
    )
}
