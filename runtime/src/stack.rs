//! The native stack: execution never depends on how much stack the
//! embedder's thread has.
//!
//! Every contract frame (the transaction's first, and each nested
//! `strata.call`) and every block starts inside `with_stack`, which checks
//! the native stack left on the current thread and, when less than
//! [`RED_ZONE`] is left, runs the frame on a fresh segment of
//! [`SEGMENT`] bytes (the `stacker` crate: a guarded `mmap`, returned when
//! the frame ends). So a chain of nested calls as deep as
//! [`Limits::max_call_depth`](crate::Limits::max_call_depth) allows runs on
//! a 128 KiB thread as it does on an 8 MiB one, with the same receipt, and
//! never aborts the process with a stack overflow.
//!
//! Why grow instead of failing the call when the stack runs low: a failure
//! would make a receipt depend on the thread a node happened to run it on,
//! which breaks determinism. Growing keeps the only limit the one every node
//! shares, the call depth.
//!
//! Measured (the `native_stack` tests): one level of a nested call costs
//! about 30 KiB of native stack in a debug build and about 10 KiB in
//! release, so a segment holds some 60 to 200 levels; the red zone covers
//! one level with a wide margin, plus module compilation and lazy
//! translation, which run inside a frame.

/// Below this much native stack left, a frame moves to a new segment.
pub const RED_ZONE: usize = 1024 * 1024;

/// The size of each new stack segment. Only the pages a frame touches
/// become resident.
pub const SEGMENT: usize = 8 * 1024 * 1024;

/// Runs `f` with at least [`RED_ZONE`] bytes of native stack.
#[inline]
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
