//! Status codes, the per-thread last error, and the guard every entry point
//! runs in (panics become `STRATA_PANIC`, never an unwind into C).

use std::cell::{Cell, RefCell};
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use strata_kv::KvError;
use strata_runtime::RuntimeError;

/// What a call of the C API gave: `STRATA_OK` (0) or one errno-like number
/// per kind of error. Every function returns one; the message that goes
/// with a failure is [`strata_last_error_message`]. The numbers are stable:
/// new kinds get new numbers.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrataStatus {
    /// Success.
    STRATA_OK = 0,
    /// An argument is invalid: a null pointer where one is needed, a length
    /// that does not match, a value out of range (an `i32` argument that
    /// does not fit, an unknown type code, a page or slice out of bounds).
    STRATA_INVALID_ARGUMENT = 1,
    /// A string argument is not valid UTF-8.
    STRATA_INVALID_UTF8 = 2,
    /// A handle (runtime, builder, receipt, block, buffer, host context)
    /// that this API did not make, or that was already freed: a double free
    /// is this error, not a crash, whenever the API can tell.
    STRATA_INVALID_HANDLE = 3,
    /// Bytes that do not decode: a SCALE transaction or receipt with bad or
    /// trailing bytes, or WAT text that does not parse.
    STRATA_DECODE = 4,
    /// The deploy was refused because the code is not a valid contract
    /// (the receipt, if asked for, says why: error kind
    /// `STRATA_TX_INVALID_CODE`). Nothing was created.
    STRATA_INVALID_CONTRACT = 5,
    /// The transaction ran (or was refused) and failed; its receipt, if
    /// asked for, says why. Nothing of it was applied, but its gas counts.
    STRATA_TX_FAILED = 6,
    /// No account at the address.
    STRATA_NO_ACCOUNT = 7,
    /// The store is locked by another process or handle.
    STRATA_STORE_LOCKED = 8,
    /// The store holds a damaged record (the message names its key).
    STRATA_STORE_CORRUPT = 9,
    /// The directory is not a Strata store (nothing in it was changed).
    STRATA_NOT_A_STORE = 10,
    /// The disk holding the store is full; acknowledged writes are kept.
    STRATA_STORE_FULL = 11,
    /// Any other failure of the store: it cannot be opened (permissions,
    /// not a directory), or a read or write failed.
    STRATA_STORE_ERROR = 12,
    /// An embedder's host function failed fatally
    /// (`STRATA_HOST_FATAL`): nothing of the transaction or block was
    /// applied, and there is no receipt.
    STRATA_HOST_FUNCTION = 13,
    /// Host functions cannot be linked: a name registered twice, or one
    /// that a built-in module already uses.
    STRATA_LINK = 14,
    /// This build lacks the feature (RocksDB: the crate's `rocksdb`
    /// feature).
    STRATA_UNSUPPORTED = 15,
    /// A runtime function was called from inside a host callback on the
    /// same thread; it would deadlock, so it is refused.
    STRATA_REENTRANT = 16,
    /// Out of gas: a host callback charged more gas than was left.
    STRATA_OUT_OF_GAS = 17,
    /// An access outside guest memory or the register banks, from a host
    /// callback.
    STRATA_OUT_OF_BOUNDS = 18,
    /// An invariant of Strata broke (a bug; please report it).
    STRATA_INTERNAL = 19,
    /// Strata panicked (a bug). The panic was caught at the boundary; the
    /// handle stays usable (the runtime recovers its state).
    STRATA_PANIC = 20,
}

/// A failure: its status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The status returned to C.
    pub status: StrataStatus,
    /// The message [`strata_last_error_message`] shows.
    pub message: String,
}

impl Error {
    /// An error of `status` saying `message`.
    pub fn new(status: StrataStatus, message: impl Into<String>) -> Self {
        Error {
            status,
            message: message.into(),
        }
    }

    /// An invalid argument.
    pub fn arg(message: impl Into<String>) -> Self {
        Self::new(StrataStatus::STRATA_INVALID_ARGUMENT, message)
    }

    /// A null pointer passed as `name`.
    pub fn null(name: &str) -> Self {
        Self::arg(format!("`{name}` is a null pointer"))
    }
}

/// The status of a store error.
fn kv_status(e: &KvError) -> StrataStatus {
    match e {
        KvError::Locked { .. } => StrataStatus::STRATA_STORE_LOCKED,
        KvError::Corrupt { .. } => StrataStatus::STRATA_STORE_CORRUPT,
        KvError::NotAStore { .. } => StrataStatus::STRATA_NOT_A_STORE,
        KvError::NoSpace { .. } => StrataStatus::STRATA_STORE_FULL,
        _ => StrataStatus::STRATA_STORE_ERROR,
    }
}

impl From<KvError> for Error {
    fn from(e: KvError) -> Self {
        Error::new(kv_status(&e), e.to_string())
    }
}

impl From<RuntimeError> for Error {
    fn from(e: RuntimeError) -> Self {
        let status = match &e {
            RuntimeError::Kv(kv) => kv_status(kv),
            RuntimeError::Pages(_) | RuntimeError::Corrupt { .. } | RuntimeError::State(_) => {
                StrataStatus::STRATA_STORE_CORRUPT
            }
            RuntimeError::Storage(_) => StrataStatus::STRATA_STORE_ERROR,
            RuntimeError::HostFunction { .. } => StrataStatus::STRATA_HOST_FUNCTION,
            RuntimeError::Link(_) => StrataStatus::STRATA_LINK,
            RuntimeError::NoAccount(_) => StrataStatus::STRATA_NO_ACCOUNT,
            _ => StrataStatus::STRATA_INTERNAL,
        };
        Error::new(status, e.to_string())
    }
}

thread_local! {
    /// The message of the last failure on this thread, NUL-terminated.
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    /// The status of the last failure on this thread.
    static LAST_STATUS: Cell<StrataStatus> = const { Cell::new(StrataStatus::STRATA_OK) };
}

/// Records `e` as this thread's last error.
pub(crate) fn set_last_error(e: &Error) {
    // A message with a NUL inside cannot be a C string: show it escaped.
    let text = e.message.replace('\0', "\\0");
    let c = CString::new(text).unwrap_or_default();
    // `try_with`: this runs outside the guard's catch, so it must not panic
    // even while the thread's locals are being destroyed (then the message
    // is lost, the status still returned).
    let _ = LAST_ERROR.try_with(|m| {
        if let Ok(mut slot) = m.try_borrow_mut() {
            *slot = c;
        }
    });
    let _ = LAST_STATUS.try_with(|s| s.set(e.status));
}

/// The text of a caught panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// Runs an entry point: its `Err` becomes the status and this thread's last
/// error; a panic is caught and becomes `STRATA_PANIC`.
pub(crate) fn guard(f: impl FnOnce() -> Result<StrataStatus, Error>) -> StrataStatus {
    // AssertUnwindSafe: after a panic no Rust state is observed half-made:
    // handles live in registries behind locks that recover from poisoning,
    // and the runtime recovers its own state after a panic.
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            set_last_error(&e);
            e.status
        }
        Err(payload) => {
            let e = Error::new(
                StrataStatus::STRATA_PANIC,
                format!(
                    "Strata panicked (a bug, please report it): {}",
                    panic_message(payload.as_ref())
                ),
            );
            set_last_error(&e);
            e.status
        }
    }
}

/// The message of the last failed call on this thread, as a NUL-terminated
/// UTF-8 string; an empty string if no call failed yet.
///
/// Ownership: the string belongs to Strata; do not free it. It stays valid
/// until the next call of a Strata function on this thread (copy it to keep
/// it). Thread-safety: each thread has its own last error, so a caller
/// reads the message of its own last call (Go callers must stay on one OS
/// thread between the two calls; the Go binding does). Never null.
#[unsafe(no_mangle)]
pub extern "C" fn strata_last_error_message() -> *const c_char {
    // Never panics: during thread teardown, or if the slot is busy, the
    // message is the empty string.
    LAST_ERROR
        .try_with(|m| m.try_borrow().map(|c| c.as_ptr()).ok())
        .ok()
        .flatten()
        .unwrap_or(c"".as_ptr())
}

/// The status of the last failed call on this thread (`STRATA_OK` if none
/// failed yet). Successful calls do not reset it, as with `errno`.
#[unsafe(no_mangle)]
pub extern "C" fn strata_last_error_status() -> StrataStatus {
    LAST_STATUS
        .try_with(|s| s.get())
        .unwrap_or(StrataStatus::STRATA_OK)
}

/// How many objects of this API are live in the process, into `*out`:
/// open runtimes, builders, receipts, blocks and buffers not yet freed. A
/// program that freed everything sees 0 (a leak check for embedders and
/// tests). Thread-safe.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_live_objects(out: *mut usize) -> StrataStatus {
    guard(|| {
        let n = crate::runtime::live() + crate::receipt::live() + crate::ffi::BUFFERS.len();
        // SAFETY: the caller's promise for `out`.
        unsafe { crate::ffi::write(out, n, "out") }?;
        Ok(StrataStatus::STRATA_OK)
    })
}

/// A stable, static name for a status (`"STRATA_TX_FAILED"`), for logs.
/// Never null; an unknown number gives `"STRATA_UNKNOWN"`. The string is
/// static: do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn strata_status_name(status: i32) -> *const c_char {
    let name: &'static [u8] = match status {
        0 => b"STRATA_OK\0",
        1 => b"STRATA_INVALID_ARGUMENT\0",
        2 => b"STRATA_INVALID_UTF8\0",
        3 => b"STRATA_INVALID_HANDLE\0",
        4 => b"STRATA_DECODE\0",
        5 => b"STRATA_INVALID_CONTRACT\0",
        6 => b"STRATA_TX_FAILED\0",
        7 => b"STRATA_NO_ACCOUNT\0",
        8 => b"STRATA_STORE_LOCKED\0",
        9 => b"STRATA_STORE_CORRUPT\0",
        10 => b"STRATA_NOT_A_STORE\0",
        11 => b"STRATA_STORE_FULL\0",
        12 => b"STRATA_STORE_ERROR\0",
        13 => b"STRATA_HOST_FUNCTION\0",
        14 => b"STRATA_LINK\0",
        15 => b"STRATA_UNSUPPORTED\0",
        16 => b"STRATA_REENTRANT\0",
        17 => b"STRATA_OUT_OF_GAS\0",
        18 => b"STRATA_OUT_OF_BOUNDS\0",
        19 => b"STRATA_INTERNAL\0",
        20 => b"STRATA_PANIC\0",
        _ => b"STRATA_UNKNOWN\0",
    };
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = guard(|| panic!("boom {}", 7));
        assert_eq!(status, StrataStatus::STRATA_PANIC);
        // SAFETY: the pointer is this thread's NUL-terminated last error.
        let msg = unsafe { CStr::from_ptr(strata_last_error_message()) };
        assert!(msg.to_str().unwrap().contains("boom 7"), "{msg:?}");
        assert_eq!(strata_last_error_status(), StrataStatus::STRATA_PANIC);
    }

    #[test]
    fn a_nul_inside_a_message_is_escaped() {
        let status = guard(|| Err(Error::arg("a\0b")));
        assert_eq!(status, StrataStatus::STRATA_INVALID_ARGUMENT);
        // SAFETY: as above.
        let msg = unsafe { CStr::from_ptr(strata_last_error_message()) };
        assert_eq!(msg.to_str().unwrap(), "a\\0b");
    }

    #[test]
    fn every_status_has_its_name() {
        for n in 0..=20 {
            // SAFETY: static NUL-terminated strings.
            let name = unsafe { CStr::from_ptr(strata_status_name(n)) };
            assert!(name.to_str().unwrap().starts_with("STRATA_"));
            assert_ne!(name.to_str().unwrap(), "STRATA_UNKNOWN", "{n}");
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(strata_status_name(99)) };
        assert_eq!(unknown.to_str().unwrap(), "STRATA_UNKNOWN");
    }
}
