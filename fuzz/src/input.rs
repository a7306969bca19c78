//! The structured inputs of `host_calls` and `block_determinism`.
//!
//! Each derives `Arbitrary`, and each has a [`Seed`] writer that produces
//! the bytes `Arbitrary` (1.x) reads back as the same value: integers
//! little-endian, `bool` one byte, `Option` a bool then the value, arrays
//! element by element, an enum's variant a `u32` scaled into the variant
//! count (the derive's rule). Sequences are not `Vec`s: a target reads items
//! until the input ends, so a seed is the items' bytes one after another.
//! The seed generator checks every seed reads back equal, so a change of
//! `arbitrary`'s format fails there, not silently.

use arbitrary::{Arbitrary, Unstructured};

/// Writes a value as the bytes `Arbitrary::arbitrary` reads back as it.
pub trait Seed {
    /// Appends the bytes to `out`.
    fn seed(&self, out: &mut Vec<u8>);
}

macro_rules! seed_int {
    ($($t:ty),*) => {$(
        impl Seed for $t {
            fn seed(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
seed_int!(u8, u16, u32, u64, i64);

impl Seed for bool {
    fn seed(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl<T: Seed> Seed for Option<T> {
    fn seed(&self, out: &mut Vec<u8>) {
        self.is_some().seed(out);
        if let Some(v) = self {
            v.seed(out);
        }
    }
}

impl<T: Seed, const N: usize> Seed for [T; N] {
    fn seed(&self, out: &mut Vec<u8>) {
        for v in self {
            v.seed(out);
        }
    }
}

/// Writes the variant tag the derive reads as variant `index` of `count`:
/// it computes `(u32 * count) >> 32`, so the smallest `u32` that gives
/// `index` is `ceil(index * 2^32 / count)`.
fn variant(out: &mut Vec<u8>, index: u32, count: u32) {
    let count = u64::from(count);
    let tag = (u64::from(index) << 32).div_ceil(count);
    out.extend_from_slice(&(tag as u32).to_le_bytes());
}

/// Reads items of `T` until the input ends, at most `max`.
pub fn read_all<'a, T: Arbitrary<'a>>(u: &mut Unstructured<'a>, max: usize) -> Vec<T> {
    let mut items = Vec::new();
    while !u.is_empty() && items.len() < max {
        match T::arbitrary(u) {
            Ok(item) => items.push(item),
            Err(_) => break,
        }
    }
    items
}

/// An integer argument: small numbers (offsets, lengths, register widths),
/// a boundary value, or anything.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuzzArg {
    /// 0 to 65,535: inside or just past one wasm page.
    Small(u16),
    /// One of [`EDGES`], by index.
    Edge(u8),
    /// Any 64-bit value.
    Any(i64),
}

/// Boundary values: register widths, page and memory sizes, and the
/// extremes of 32 and 64 bits.
pub const EDGES: [i64; 24] = [
    0,
    1,
    -1,
    8,
    16,
    20,
    32,
    64,
    160,
    256,
    512,
    4095,
    4096,
    4097,
    65_535,
    65_536,
    65_537,
    131_072,
    i32::MAX as i64,
    i32::MIN as i64,
    u32::MAX as i64,
    1 << 32,
    i64::MAX,
    i64::MIN,
];

impl FuzzArg {
    /// The value.
    pub fn value(self) -> i64 {
        match self {
            FuzzArg::Small(v) => i64::from(v),
            FuzzArg::Edge(i) => EDGES[usize::from(i) % EDGES.len()],
            FuzzArg::Any(v) => v,
        }
    }
}

impl Seed for FuzzArg {
    fn seed(&self, out: &mut Vec<u8>) {
        match self {
            FuzzArg::Small(v) => {
                variant(out, 0, 3);
                v.seed(out);
            }
            FuzzArg::Edge(i) => {
                variant(out, 1, 3);
                i.seed(out);
            }
            FuzzArg::Any(v) => {
                variant(out, 2, 3);
                v.seed(out);
            }
        }
    }
}

/// The first part of a `host_calls` input; [`HostCall`]s follow.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostCallHeader {
    /// The generated contract's page count, less one.
    pub pages: u8,
    /// Its initial balance (for `transfer`).
    pub balance: u16,
    /// How many bytes of call input it gets (the counter's address, `inc`,
    /// then a counting pattern).
    pub input_len: u8,
    /// Whether to run it as a query too.
    pub query: bool,
}

impl Seed for HostCallHeader {
    fn seed(&self, out: &mut Vec<u8>) {
        self.pages.seed(out);
        self.balance.seed(out);
        self.input_len.seed(out);
        self.query.seed(out);
    }
}

/// One host call: which host function (an index, modulo the table's
/// length) and up to six arguments (host functions take at most six).
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostCall {
    /// Index into the host function table, modulo its length.
    pub function: u8,
    /// Arguments; only as many as the function takes are used.
    pub args: [FuzzArg; 6],
}

impl Seed for HostCall {
    fn seed(&self, out: &mut Vec<u8>) {
        self.function.seed(out);
        self.args.seed(out);
    }
}

/// The input bytes of a call in a block.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallInput {
    /// No input.
    Empty,
    /// The address of a target (an index into the block's address list):
    /// what `token.transfer`, `token.balance_of` and `pay.pay` read.
    Address(u8),
    /// A target's address then a function's name: what `caller.forward`
    /// reads.
    Forward {
        /// Index into the address list.
        target: u8,
        /// Index into the function names.
        function: u8,
    },
    /// Eight bytes.
    Bytes(u64),
}

impl Seed for CallInput {
    fn seed(&self, out: &mut Vec<u8>) {
        match self {
            CallInput::Empty => variant(out, 0, 4),
            CallInput::Address(a) => {
                variant(out, 1, 4);
                a.seed(out);
            }
            CallInput::Forward { target, function } => {
                variant(out, 2, 4);
                target.seed(out);
                function.seed(out);
            }
            CallInput::Bytes(b) => {
                variant(out, 3, 4);
                b.seed(out);
            }
        }
    }
}

/// One step of a `block_determinism` input.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Deploy one of the examples.
    Deploy {
        /// Index into the examples, modulo their number.
        example: u8,
        /// Which of four authors.
        author: u8,
        /// An explicit nonce, or the author's next.
        nonce: Option<u8>,
        /// The page count, modulo 70,000 (the limit is 65,536).
        pages: u32,
        /// The initial balance.
        balance: u16,
        /// Whether to run the example's constructor.
        ctor: bool,
        /// The gas limit, modulo 400,000.
        gas: u32,
    },
    /// Call a function of a target.
    Call {
        /// Index into the address list.
        contract: u8,
        /// Which of four senders.
        sender: u8,
        /// Index into the function names.
        function: u8,
        /// Argument values.
        args: [FuzzArg; 2],
        /// Whether the arguments follow the function's signature (when the
        /// target is a known example) or are the two values as `i64`s.
        typed: bool,
        /// The input bytes.
        input: CallInput,
        /// The gas limit, modulo 400,000.
        gas: u32,
    },
    /// `pay` on a target (a `pay` contract, if it is one) to another.
    Transfer {
        /// Index into the address list: the payer.
        from: u8,
        /// Index into the address list: the payee.
        to: u8,
        /// The amount.
        amount: u16,
        /// The gas limit, modulo 400,000.
        gas: u32,
    },
    /// Ends the current block (the next transaction starts a new one).
    EndBlock,
    /// The second runtime drops its caches here.
    ClearCaches,
}

impl Seed for Op {
    fn seed(&self, out: &mut Vec<u8>) {
        match self {
            Op::Deploy {
                example,
                author,
                nonce,
                pages,
                balance,
                ctor,
                gas,
            } => {
                variant(out, 0, 5);
                example.seed(out);
                author.seed(out);
                nonce.seed(out);
                pages.seed(out);
                balance.seed(out);
                ctor.seed(out);
                gas.seed(out);
            }
            Op::Call {
                contract,
                sender,
                function,
                args,
                typed,
                input,
                gas,
            } => {
                variant(out, 1, 5);
                contract.seed(out);
                sender.seed(out);
                function.seed(out);
                args.seed(out);
                typed.seed(out);
                input.seed(out);
                gas.seed(out);
            }
            Op::Transfer {
                from,
                to,
                amount,
                gas,
            } => {
                variant(out, 2, 5);
                from.seed(out);
                to.seed(out);
                amount.seed(out);
                gas.seed(out);
            }
            Op::EndBlock => variant(out, 3, 5),
            Op::ClearCaches => variant(out, 4, 5),
        }
    }
}

/// The bytes of `items`, one after another.
pub fn seed_all<T: Seed>(items: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        item.seed(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T>(items: &[T])
    where
        T: Seed + for<'a> Arbitrary<'a> + PartialEq + std::fmt::Debug,
    {
        let bytes = seed_all(items);
        let mut u = Unstructured::new(&bytes);
        assert_eq!(read_all::<T>(&mut u, usize::MAX), items);
    }

    #[test]
    fn seeds_read_back_as_written() {
        round_trip(&[FuzzArg::Small(7), FuzzArg::Edge(3), FuzzArg::Any(-5)]);
        round_trip(&[
            Op::EndBlock,
            Op::ClearCaches,
            Op::Transfer {
                from: 1,
                to: 2,
                amount: 3,
                gas: 4,
            },
            Op::Deploy {
                example: 1,
                author: 2,
                nonce: Some(3),
                pages: 4,
                balance: 5,
                ctor: true,
                gas: 6,
            },
            Op::Call {
                contract: 1,
                sender: 2,
                function: 3,
                args: [FuzzArg::Any(i64::MIN), FuzzArg::Edge(255)],
                typed: false,
                input: CallInput::Forward {
                    target: 4,
                    function: 5,
                },
                gas: 6,
            },
        ]);
        round_trip(&[HostCall {
            function: 9,
            args: [FuzzArg::Small(1); 6],
        }]);
    }
}
