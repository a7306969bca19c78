//! Reading C arguments: every pointer is checked for null and every string
//! for UTF-8 here, in one place, before any Rust reference is made.

use std::ffi::{CStr, c_char};

use strata_runtime::Address;

use crate::error::{Error, StrataStatus};
use crate::handles::Registry;

/// A caller's `len` bytes at `ptr`; a null `ptr` is allowed only with
/// `len == 0`.
///
/// # Safety
///
/// A non-null `ptr` must point to `len` readable bytes that stay unchanged
/// for `'a` (the caller's promise in the header).
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Error> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Error::arg(format!(
                "`{name}` is a null pointer but its length is {len}"
            )))
        };
    }
    if len > isize::MAX as usize {
        return Err(Error::arg(format!("`{name}`: length {len} is too large")));
    }
    // SAFETY: non-null, and the caller promises `len` readable bytes; the
    // length fits a slice (checked above).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The caller's `len` values of `T` at `ptr` (null only with `len == 0`).
///
/// # Safety
///
/// As [`bytes`], for `len` values of `T` (initialised, aligned).
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize, name: &str) -> Result<&'a [T], Error> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Error::arg(format!(
                "`{name}` is a null pointer but its length is {len}"
            )))
        };
    }
    if len > (isize::MAX as usize) / std::mem::size_of::<T>().max(1) {
        return Err(Error::arg(format!("`{name}`: length {len} is too large")));
    }
    // SAFETY: non-null, and the caller promises `len` initialised values.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The NUL-terminated UTF-8 string at `ptr`.
///
/// # Safety
///
/// A non-null `ptr` must point to a NUL-terminated string.
pub(crate) unsafe fn string<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::null(name));
    }
    // SAFETY: non-null, and the caller promises a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str().map_err(|e| {
        Error::new(
            StrataStatus::STRATA_INVALID_UTF8,
            format!("`{name}` is not valid UTF-8: {e}"),
        )
    })
}

/// The NUL-terminated UTF-8 string at `ptr`, or `None` when `ptr` is null.
///
/// # Safety
///
/// As [`string`].
pub(crate) unsafe fn opt_string<'a>(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: the caller's promise, passed on.
        unsafe { string(ptr, name) }.map(Some)
    }
}

/// The 20-byte address at `ptr`.
///
/// # Safety
///
/// A non-null `ptr` must point to 20 readable bytes.
pub(crate) unsafe fn address(ptr: *const u8, name: &str) -> Result<Address, Error> {
    if ptr.is_null() {
        return Err(Error::null(name));
    }
    let mut a = [0u8; 20];
    // SAFETY: non-null, 20 readable bytes promised; `a` is 20 bytes and does
    // not overlap caller memory.
    unsafe { std::ptr::copy_nonoverlapping(ptr, a.as_mut_ptr(), 20) };
    Ok(Address(a))
}

/// Writes `value` through the caller's out-pointer `ptr`.
///
/// # Safety
///
/// A non-null `ptr` must be valid for a write of `T` and aligned.
pub(crate) unsafe fn write<T>(ptr: *mut T, value: T, name: &str) -> Result<(), Error> {
    if ptr.is_null() {
        return Err(Error::null(name));
    }
    // SAFETY: non-null; the caller promises a writable, aligned `T`. `write`
    // does not drop the old (possibly uninitialised) value.
    unsafe { ptr.write(value) };
    Ok(())
}

/// Writes `value` through `ptr` if it is not null (an optional output).
///
/// # Safety
///
/// As [`write`].
pub(crate) unsafe fn write_opt<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: the caller's promise for a non-null out-pointer.
        unsafe { ptr.write(value) };
    }
}

/// Copies `src` into the caller's `len` bytes at `ptr` (`len` must equal
/// `src.len()`).
///
/// # Safety
///
/// A non-null `ptr` must be valid for `len` writable bytes.
pub(crate) unsafe fn copy_out(
    src: &[u8],
    ptr: *mut u8,
    len: usize,
    name: &str,
) -> Result<(), Error> {
    if len != src.len() {
        return Err(Error::arg(format!(
            "`{name}`: the buffer is {len} bytes, {} are needed",
            src.len()
        )));
    }
    if len == 0 {
        return Ok(());
    }
    if ptr.is_null() {
        return Err(Error::null(name));
    }
    // SAFETY: non-null; the caller promises `len` writable bytes, which do
    // not overlap `src` (Strata's own memory).
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), ptr, len) };
    Ok(())
}

/// Bytes Strata hands to C: `data` points to `len` bytes that Strata owns
/// until they are given back to [`strata_bytes_free`] (the only way to free
/// them). An empty buffer has a null `data` and needs no free (freeing it is
/// allowed and does nothing).
#[repr(C)]
#[derive(Debug)]
pub struct StrataBytes {
    /// The bytes, or null when `len` is 0.
    pub data: *mut u8,
    /// How many bytes.
    pub len: usize,
}

/// The owner of a buffer handed out, by its data pointer.
pub(crate) struct Buffer {
    /// Held only to be dropped when the buffer is freed.
    _bytes: Box<[u8]>,
}

pub(crate) static BUFFERS: Registry<Buffer> = Registry::new("buffer");

/// Hands `bytes` to C.
pub(crate) fn give_bytes(bytes: Vec<u8>) -> StrataBytes {
    if bytes.is_empty() {
        return StrataBytes {
            data: std::ptr::null_mut(),
            len: 0,
        };
    }
    let len = bytes.len();
    // The registry keys the buffer by its `Buffer`'s address; C needs the
    // bytes' address, so the registry stores under the bytes' address.
    let boxed = bytes.into_boxed_slice();
    let data = boxed.as_ptr().cast_mut();
    BUFFERS.insert_at(data as usize, Buffer { _bytes: boxed });
    StrataBytes { data, len }
}

/// Frees bytes Strata handed out, and sets `bytes->data` to null and
/// `bytes->len` to 0, so that freeing the same `StrataBytes` again does
/// nothing. A `data` pointer that Strata did not hand out, or already took
/// back through another copy of the struct, is `STRATA_INVALID_HANDLE` and
/// nothing is freed. `bytes` null is `STRATA_INVALID_ARGUMENT`.
/// Thread-safe.
///
/// # Safety
///
/// `bytes`, if not null, must point to a readable and writable
/// `StrataBytes`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_bytes_free(bytes: *mut StrataBytes) -> StrataStatus {
    crate::error::guard(|| {
        if bytes.is_null() {
            return Err(Error::null("bytes"));
        }
        // SAFETY: non-null; the caller promises a valid `StrataBytes`.
        let b = unsafe { &mut *bytes };
        if b.data.is_null() {
            b.len = 0;
            return Ok(StrataStatus::STRATA_OK);
        }
        let owned = BUFFERS.remove_at(b.data as usize)?;
        drop(owned);
        b.data = std::ptr::null_mut();
        b.len = 0;
        Ok(StrataStatus::STRATA_OK)
    })
}
