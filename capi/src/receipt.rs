//! Receipts and blocks as handles, with accessors so that a C caller needs
//! no SCALE decoder; and the SCALE bytes for those who have one.

use std::ffi::{CString, c_char};

use strata_runtime::{Arg, BlockResult, ErrorKind, Receipt};

use crate::error::{Error, StrataStatus, guard};
use crate::ffi::{self, StrataBytes};
use crate::handles::Registry;

/// A receipt: what a transaction did. Made by the executing functions and
/// [`strata_receipt_from_bytes`]; the caller owns it and frees it with
/// [`strata_receipt_free`] (once; a second free is
/// `STRATA_INVALID_HANDLE`). Pointers its accessors return point into it
/// and stay valid until it is freed. Accessors may run on any thread, and
/// concurrently.
pub struct StrataReceipt {
    receipt: Receipt,
    /// The error message, NUL-terminated (`None` on success).
    message: Option<CString>,
}

pub(crate) static RECEIPTS: Registry<StrataReceipt> = Registry::new("receipt");

impl StrataReceipt {
    pub(crate) fn new(receipt: Receipt) -> Self {
        let message = receipt
            .error
            .as_ref()
            .map(|e| CString::new(e.message.replace('\0', "\\0")).unwrap_or_default());
        StrataReceipt { receipt, message }
    }
}

/// Why a transaction failed (`STRATA_TX_NONE` when it succeeded): the
/// runtime's `ErrorKind`, with stable numbers.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrataTxErrorKind {
    /// The transaction succeeded.
    STRATA_TX_NONE = 0,
    /// The gas limit was reached.
    STRATA_TX_OUT_OF_GAS = 1,
    /// A wasm trap (unreachable, out-of-bounds access, division by zero...).
    STRATA_TX_TRAP = 2,
    /// The contract called `abort`.
    STRATA_TX_ABORT = 3,
    /// A host function refused its arguments, or an embedder's refused the
    /// call (`STRATA_HOST_DENIED`).
    STRATA_TX_HOST_ERROR = 4,
    /// The wasm call stack grew past the limit.
    STRATA_TX_STACK_OVERFLOW = 5,
    /// Memory or table growth past the limit.
    STRATA_TX_RESOURCE_LIMIT = 6,
    /// A query tried to write.
    STRATA_TX_READ_ONLY = 7,
    /// The transaction is invalid (unknown contract or function, mistyped
    /// arguments, a wrong nonce...).
    STRATA_TX_INVALID_TRANSACTION = 8,
    /// The code was rejected at deploy.
    STRATA_TX_INVALID_CODE = 9,
    /// The address is taken.
    STRATA_TX_ADDRESS_TAKEN = 10,
    /// The gas limit is over the per-transaction cap.
    STRATA_TX_OVER_GAS_CAP = 11,
    /// The block has too little gas left.
    STRATA_TX_BLOCK_GAS_EXHAUSTED = 12,
}

impl From<ErrorKind> for StrataTxErrorKind {
    fn from(k: ErrorKind) -> Self {
        match k {
            ErrorKind::OutOfGas => Self::STRATA_TX_OUT_OF_GAS,
            ErrorKind::Trap => Self::STRATA_TX_TRAP,
            ErrorKind::Abort => Self::STRATA_TX_ABORT,
            ErrorKind::HostError => Self::STRATA_TX_HOST_ERROR,
            ErrorKind::StackOverflow => Self::STRATA_TX_STACK_OVERFLOW,
            ErrorKind::ResourceLimit => Self::STRATA_TX_RESOURCE_LIMIT,
            ErrorKind::ReadOnly => Self::STRATA_TX_READ_ONLY,
            ErrorKind::InvalidTransaction => Self::STRATA_TX_INVALID_TRANSACTION,
            ErrorKind::InvalidCode => Self::STRATA_TX_INVALID_CODE,
            ErrorKind::AddressTaken => Self::STRATA_TX_ADDRESS_TAKEN,
            ErrorKind::OverGasCap => Self::STRATA_TX_OVER_GAS_CAP,
            ErrorKind::BlockGasExhausted => Self::STRATA_TX_BLOCK_GAS_EXHAUSTED,
        }
    }
}

/// A scalar argument or result: `ty` is `STRATA_TYPE_I32` or
/// `STRATA_TYPE_I64`, `value` the number (an `i32` must fit in 32 bits).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrataArg {
    /// `STRATA_TYPE_I32` or `STRATA_TYPE_I64`.
    pub ty: u32,
    /// The value.
    pub value: i64,
}

impl From<Arg> for StrataArg {
    fn from(a: Arg) -> Self {
        match a {
            Arg::I32(v) => StrataArg {
                ty: crate::host::STRATA_TYPE_I32,
                value: i64::from(v),
            },
            Arg::I64(v) => StrataArg {
                ty: crate::host::STRATA_TYPE_I64,
                value: v,
            },
        }
    }
}

impl TryFrom<&StrataArg> for Arg {
    type Error = Error;
    fn try_from(a: &StrataArg) -> Result<Self, Error> {
        match a.ty {
            crate::host::STRATA_TYPE_I32 => i32::try_from(a.value)
                .map(Arg::I32)
                .map_err(|_| Error::arg(format!("i32 argument {} does not fit", a.value))),
            crate::host::STRATA_TYPE_I64 => Ok(Arg::I64(a.value)),
            other => Err(Error::arg(format!(
                "argument type {other} is neither STRATA_TYPE_I32 (1) nor STRATA_TYPE_I64 (2)"
            ))),
        }
    }
}

/// An event of a receipt, borrowed from it (valid until the receipt is
/// freed).
#[repr(C)]
#[derive(Debug)]
pub struct StrataEvent {
    /// The emitting contract.
    pub contract: [u8; 20],
    /// `topics_count` topics of 32 bytes each, one after the other (null
    /// when there are none).
    pub topics: *const u8,
    /// How many topics.
    pub topics_count: usize,
    /// The event's data (null when empty).
    pub data: *const u8,
    /// Its length.
    pub data_len: usize,
}

fn ptr_or_null(bytes: &[u8]) -> *const u8 {
    if bytes.is_empty() {
        std::ptr::null()
    } else {
        bytes.as_ptr()
    }
}

fn with_receipt(
    r: *const StrataReceipt,
    f: impl FnOnce(&StrataReceipt) -> Result<(), Error>,
) -> StrataStatus {
    guard(|| {
        let handle = RECEIPTS.get(r)?;
        f(&handle).map(|()| StrataStatus::STRATA_OK)
    })
}

/// Frees a receipt. A receipt already freed (or not from this API) is
/// `STRATA_INVALID_HANDLE`; null is `STRATA_INVALID_ARGUMENT`. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn strata_receipt_free(receipt: *mut StrataReceipt) -> StrataStatus {
    guard(|| RECEIPTS.remove(receipt).map(|_| StrataStatus::STRATA_OK))
}

/// The receipt's SCALE encoding (`Receipt::to_bytes`), into `*out`; free it
/// with `strata_bytes_free`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_to_bytes(
    receipt: *const StrataReceipt,
    out: *mut StrataBytes,
) -> StrataStatus {
    with_receipt(receipt, |r| {
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let bytes = ffi::give_bytes(r.receipt.to_bytes());
        // SAFETY: non-null, the caller's promise.
        unsafe { ffi::write(out, bytes, "out") }
    })
}

/// A receipt from its SCALE encoding (bad or trailing bytes are
/// `STRATA_DECODE`), into `*out`; free it with `strata_receipt_free`.
///
/// # Safety
///
/// `data`, if not null, must point to `len` readable bytes; `out`, if not
/// null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_from_bytes(
    data: *const u8,
    len: usize,
    out: *mut *mut StrataReceipt,
) -> StrataStatus {
    guard(|| {
        // SAFETY: the caller's promise.
        let bytes = unsafe { ffi::bytes(data, len, "data") }?;
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let receipt = Receipt::from_bytes(bytes).map_err(|e| {
            Error::new(
                StrataStatus::STRATA_DECODE,
                format!("not a SCALE receipt: {e}"),
            )
        })?;
        let handle = RECEIPTS.insert(StrataReceipt::new(receipt));
        // SAFETY: non-null, the caller's promise.
        unsafe { ffi::write(out, handle, "out") }?;
        Ok(StrataStatus::STRATA_OK)
    })
}

/// Why the transaction failed: `*kind` (`STRATA_TX_NONE` on success) and,
/// if `message` is not null, `*message`: the error message, NUL-terminated
/// UTF-8 (empty on success), owned by the receipt (valid until it is
/// freed), with its length in bytes in `*message_len` if that is not null.
///
/// # Safety
///
/// The non-null out-pointers must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_error(
    receipt: *const StrataReceipt,
    kind: *mut StrataTxErrorKind,
    message: *mut *const c_char,
    message_len: *mut usize,
) -> StrataStatus {
    with_receipt(receipt, |r| {
        let k = r
            .receipt
            .error
            .as_ref()
            .map_or(StrataTxErrorKind::STRATA_TX_NONE, |e| e.kind.into());
        // SAFETY: the caller's promises for the out-pointers.
        unsafe {
            ffi::write(kind, k, "kind")?;
            let text = r.message.as_deref().unwrap_or(c"");
            ffi::write_opt(message, text.as_ptr());
            ffi::write_opt(message_len, text.to_bytes().len());
        }
        Ok(())
    })
}

/// The gas the transaction used, into `*out`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_gas_used(
    receipt: *const StrataReceipt,
    out: *mut u64,
) -> StrataStatus {
    // SAFETY: the caller's promise for `out`.
    with_receipt(receipt, |r| unsafe {
        ffi::write(out, r.receipt.gas_used, "out")
    })
}

/// The deployed contract's address (deploys that succeeded): `*found` is
/// whether there is one, and if so it is copied to `address` (20 bytes).
///
/// # Safety
///
/// `address` must be valid for 20 writable bytes; `found` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_deployed(
    receipt: *const StrataReceipt,
    address: *mut u8,
    found: *mut bool,
) -> StrataStatus {
    with_receipt(receipt, |r| {
        if let Some(a) = r.receipt.deployed {
            // SAFETY: the caller's promise: 20 writable bytes.
            unsafe { ffi::copy_out(&a.0, address, 20, "address") }?;
        }
        // SAFETY: the caller's promise for `found`.
        unsafe { ffi::write(found, r.receipt.deployed.is_some(), "found") }
    })
}

/// How many values the function returned, into `*out`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_returns_count(
    receipt: *const StrataReceipt,
    out: *mut usize,
) -> StrataStatus {
    // SAFETY: the caller's promise for `out`.
    with_receipt(receipt, |r| unsafe {
        ffi::write(out, r.receipt.returns.len(), "out")
    })
}

/// Returned value `index` (from 0), into `*out`; an index past the end is
/// `STRATA_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_return(
    receipt: *const StrataReceipt,
    index: usize,
    out: *mut StrataArg,
) -> StrataStatus {
    with_receipt(receipt, |r| {
        let v = r.receipt.returns.get(index).copied().ok_or_else(|| {
            Error::arg(format!(
                "index {index}: the receipt has {} return values",
                r.receipt.returns.len()
            ))
        })?;
        // SAFETY: the caller's promise for `out`.
        unsafe { ffi::write(out, v.into(), "out") }
    })
}

/// The return data (`strata.set_return`): `*data` points to `*len` bytes
/// owned by the receipt (null when empty).
///
/// # Safety
///
/// The out-pointers, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_return_data(
    receipt: *const StrataReceipt,
    data: *mut *const u8,
    len: *mut usize,
) -> StrataStatus {
    with_receipt(receipt, |r| {
        let d = &r.receipt.return_data;
        // SAFETY: the caller's promises for the out-pointers.
        unsafe {
            ffi::write(data, ptr_or_null(d), "data")?;
            ffi::write(len, d.len(), "len")
        }
    })
}

/// How many events the transaction emitted, into `*out`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_events_count(
    receipt: *const StrataReceipt,
    out: *mut usize,
) -> StrataStatus {
    // SAFETY: the caller's promise for `out`.
    with_receipt(receipt, |r| unsafe {
        ffi::write(out, r.receipt.events.len(), "out")
    })
}

/// Event `index` (from 0), into `*out` (its pointers are owned by the
/// receipt); an index past the end is `STRATA_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_event(
    receipt: *const StrataReceipt,
    index: usize,
    out: *mut StrataEvent,
) -> StrataStatus {
    with_receipt(receipt, |r| {
        let e = r.receipt.events.get(index).ok_or_else(|| {
            Error::arg(format!(
                "index {index}: the receipt has {} events",
                r.receipt.events.len()
            ))
        })?;
        let event = StrataEvent {
            contract: e.contract.0,
            topics: if e.topics.is_empty() {
                std::ptr::null()
            } else {
                e.topics.as_ptr().cast()
            },
            topics_count: e.topics.len(),
            data: ptr_or_null(&e.data),
            data_len: e.data.len(),
        };
        // SAFETY: the caller's promise for `out`.
        unsafe { ffi::write(out, event, "out") }
    })
}

/// How many contracts' state roots the receipt lists, into `*out`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_roots_count(
    receipt: *const StrataReceipt,
    out: *mut usize,
) -> StrataStatus {
    // SAFETY: the caller's promise for `out`.
    with_receipt(receipt, |r| unsafe {
        ffi::write(out, r.receipt.state_roots.len(), "out")
    })
}

/// State root `index` (from 0): the contract's address into `address` (20
/// bytes) and its new storage root into `root` (32 bytes).
///
/// # Safety
///
/// `address` must be valid for 20 writable bytes, `root` for 32.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_root(
    receipt: *const StrataReceipt,
    index: usize,
    address: *mut u8,
    root: *mut u8,
) -> StrataStatus {
    with_receipt(receipt, |r| {
        let (a, s) = r.receipt.state_roots.get(index).ok_or_else(|| {
            Error::arg(format!(
                "index {index}: the receipt has {} state roots",
                r.receipt.state_roots.len()
            ))
        })?;
        // SAFETY: the caller's promises: 20 and 32 writable bytes.
        unsafe {
            ffi::copy_out(&a.0, address, 20, "address")?;
            ffi::copy_out(&s.0, root, 32, "root")
        }
    })
}

/// How many debug log lines the transaction wrote, into `*out`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_logs_count(
    receipt: *const StrataReceipt,
    out: *mut usize,
) -> StrataStatus {
    // SAFETY: the caller's promise for `out`.
    with_receipt(receipt, |r| unsafe {
        ffi::write(out, r.receipt.logs.len(), "out")
    })
}

/// Log line `index` (from 0): `*text` points to `*len` bytes of UTF-8
/// owned by the receipt, *not* NUL-terminated.
///
/// # Safety
///
/// The out-pointers, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_receipt_log(
    receipt: *const StrataReceipt,
    index: usize,
    text: *mut *const u8,
    len: *mut usize,
) -> StrataStatus {
    with_receipt(receipt, |r| {
        let line = r.receipt.logs.get(index).ok_or_else(|| {
            Error::arg(format!(
                "index {index}: the receipt has {} log lines",
                r.receipt.logs.len()
            ))
        })?;
        // SAFETY: the caller's promises for the out-pointers.
        unsafe {
            ffi::write(text, ptr_or_null(line.as_bytes()), "text")?;
            ffi::write(len, line.len(), "len")
        }
    })
}

/// The result of `strata_execute_block`: a receipt per transaction and the
/// block's head. The caller owns it and frees it with
/// [`strata_block_free`]; receipts taken out of it are separate handles.
pub struct StrataBlock {
    result: BlockResult,
}

pub(crate) static BLOCKS: Registry<StrataBlock> = Registry::new("block");

/// Live receipts and blocks.
pub(crate) fn live() -> usize {
    RECEIPTS.len() + BLOCKS.len()
}

impl StrataBlock {
    pub(crate) fn new(result: BlockResult) -> Self {
        StrataBlock { result }
    }
}

/// A block's height and the state root over every account after it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct StrataHead {
    /// The block height.
    pub height: u64,
    /// The account tree's root.
    pub state_root: [u8; 32],
}

impl From<strata_runtime::Head> for StrataHead {
    fn from(h: strata_runtime::Head) -> Self {
        StrataHead {
            height: h.height,
            state_root: h.state_root,
        }
    }
}

fn with_block(
    b: *const StrataBlock,
    f: impl FnOnce(&StrataBlock) -> Result<(), Error>,
) -> StrataStatus {
    guard(|| {
        let handle = BLOCKS.get(b)?;
        f(&handle).map(|()| StrataStatus::STRATA_OK)
    })
}

/// Frees a block result (not the receipts taken out of it). A second free
/// is `STRATA_INVALID_HANDLE`. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn strata_block_free(block: *mut StrataBlock) -> StrataStatus {
    guard(|| BLOCKS.remove(block).map(|_| StrataStatus::STRATA_OK))
}

/// How many receipts the block has (one per transaction), into `*out`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_block_receipts_count(
    block: *const StrataBlock,
    out: *mut usize,
) -> StrataStatus {
    // SAFETY: the caller's promise for `out`.
    with_block(block, |b| unsafe {
        ffi::write(out, b.result.receipts.len(), "out")
    })
}

/// Receipt `index` (from 0) of the block, as a new receipt handle in
/// `*out` that the caller frees with `strata_receipt_free`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_block_receipt(
    block: *const StrataBlock,
    index: usize,
    out: *mut *mut StrataReceipt,
) -> StrataStatus {
    with_block(block, |b| {
        if out.is_null() {
            return Err(Error::null("out"));
        }
        let r = b.result.receipts.get(index).cloned().ok_or_else(|| {
            Error::arg(format!(
                "index {index}: the block has {} receipts",
                b.result.receipts.len()
            ))
        })?;
        let handle = RECEIPTS.insert(StrataReceipt::new(r));
        // SAFETY: non-null, the caller's promise.
        unsafe { ffi::write(out, handle, "out") }
    })
}

/// The block's head (height and global state root), into `*out`.
///
/// # Safety
///
/// `out`, if not null, must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strata_block_head(
    block: *const StrataBlock,
    out: *mut StrataHead,
) -> StrataStatus {
    // SAFETY: the caller's promise for `out`.
    with_block(block, |b| unsafe {
        ffi::write(out, b.result.head.into(), "out")
    })
}

/// The status a receipt gives its executing call: `STRATA_OK`,
/// `STRATA_INVALID_CONTRACT` for refused code, else `STRATA_TX_FAILED`,
/// with the receipt's error as the message.
pub(crate) fn receipt_status(r: &Receipt) -> Result<StrataStatus, Error> {
    match &r.error {
        None => Ok(StrataStatus::STRATA_OK),
        Some(e) if e.kind == ErrorKind::InvalidCode => Err(Error::new(
            StrataStatus::STRATA_INVALID_CONTRACT,
            e.to_string(),
        )),
        Some(e) => Err(Error::new(StrataStatus::STRATA_TX_FAILED, e.to_string())),
    }
}
