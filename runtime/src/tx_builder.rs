//! Constructors for transactions: [`DeployTx::new`] and [`CallTx::new`]
//! with the defaults an embedder wants most of the time, and chained
//! setters for the rest. The structs keep their public fields (and their
//! SCALE encoding): a builder only fills them in.

use strata_host_fns::Address;
use strata_registers::BankSpec;

use crate::{Arg, CallTx, DeployTx, FunctionCall, Transaction};

impl DeployTx {
    /// The gas limit of [`DeployTx::new`]: 10 million. Deploying the
    /// largest code the default [`Limits`](crate::Limits) accept (4 MiB at
    /// the default 2 gas a byte) costs 8.4 million, which leaves room for a
    /// constructor; a default block
    /// ([`DEFAULT_MAX_BLOCK_GAS`](crate::DEFAULT_MAX_BLOCK_GAS)) admits 100
    /// such deploys, and one fits well under
    /// [`DEFAULT_MAX_TX_GAS`](crate::DEFAULT_MAX_TX_GAS). Gas a deploy does
    /// not use is not charged.
    pub const DEFAULT_GAS_LIMIT: u64 = 10_000_000;

    /// The page count of [`DeployTx::new`]: one 4 KiB page, the least
    /// storage a contract that stores anything needs.
    pub const DEFAULT_PAGE_COUNT: u32 = 1;

    /// A deploy of `code` by `author` with the defaults: the author's next
    /// nonce, no name, [`DEFAULT_PAGE_COUNT`](Self::DEFAULT_PAGE_COUNT)
    /// pages, the SVM default register banks, no constructor, a zero
    /// balance, and [`DEFAULT_GAS_LIMIT`](Self::DEFAULT_GAS_LIMIT) gas.
    ///
    /// ```
    /// use strata_runtime::{Address, Arg, DeployTx};
    ///
    /// let tx = DeployTx::new(Address([1; 20]), b"\0asm\x01\0\0\0".to_vec())
    ///     .pages(4)
    ///     .ctor("init", [Arg::I64(7)])
    ///     .gas_limit(2_000_000);
    /// assert_eq!((tx.page_count, tx.balance, tx.nonce), (4, 0, None));
    /// ```
    pub fn new(author: Address, code: impl Into<Vec<u8>>) -> Self {
        DeployTx {
            author,
            nonce: None,
            name: None,
            page_count: Self::DEFAULT_PAGE_COUNT,
            banks: None,
            code: code.into(),
            ctor: None,
            balance: 0,
            gas_limit: Self::DEFAULT_GAS_LIMIT,
        }
    }

    /// The contract's page count (4 KiB each).
    #[must_use]
    pub fn pages(mut self, page_count: u32) -> Self {
        self.page_count = page_count;
        self
    }

    /// A constructor: `function` with `args`, run after creation; if it
    /// fails, nothing is created.
    #[must_use]
    pub fn ctor(mut self, function: impl Into<String>, args: impl Into<Vec<Arg>>) -> Self {
        self.ctor = Some(FunctionCall::new(function, args));
        self
    }

    /// The contract's initial balance.
    #[must_use]
    pub fn balance(mut self, balance: u128) -> Self {
        self.balance = balance;
        self
    }

    /// The gas limit for the deploy and the constructor.
    #[must_use]
    pub fn gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = gas_limit;
        self
    }

    /// The author's nonce this deploy must use (replay protection; it also
    /// picks the contract's address), instead of the author's next one.
    #[must_use]
    pub fn nonce(mut self, nonce: u64) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// Register banks declared for the contract, instead of the SVM
    /// defaults (checked against the runtime's register limits at deploy).
    #[must_use]
    pub fn banks(mut self, banks: impl Into<Vec<BankSpec>>) -> Self {
        self.banks = Some(banks.into());
        self
    }

    /// A human-readable name, kept in the account.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl CallTx {
    /// The gas limit of [`CallTx::new`]: 1 million, about 380 counter
    /// increments' worth. A block admits a transaction only while its
    /// *limit* fits what the block has left, so this leaves a default block
    /// ([`DEFAULT_MAX_BLOCK_GAS`](crate::DEFAULT_MAX_BLOCK_GAS)) room for
    /// 1,000 default calls; ask for more with
    /// [`gas_limit`](Self::gas_limit) when a call needs it. Gas a call does
    /// not use is not charged.
    pub const DEFAULT_GAS_LIMIT: u64 = 1_000_000;

    /// A call by `sender` of `function` on `contract`, with the defaults:
    /// no arguments, no input bytes, and
    /// [`DEFAULT_GAS_LIMIT`](Self::DEFAULT_GAS_LIMIT) gas.
    ///
    /// ```
    /// use strata_runtime::{Address, Arg, CallTx};
    ///
    /// let tx = CallTx::new(Address([9; 20]), Address([2; 20]), "add")
    ///     .args([Arg::I64(41)])
    ///     .input(vec![1, 2, 3]);
    /// assert_eq!(tx.call.function, "add");
    /// assert_eq!(tx.gas_limit, CallTx::DEFAULT_GAS_LIMIT);
    /// ```
    pub fn new(contract: Address, sender: Address, function: impl Into<String>) -> Self {
        CallTx {
            contract,
            sender,
            call: FunctionCall::new(function, Vec::new()),
            input: Vec::new(),
            gas_limit: Self::DEFAULT_GAS_LIMIT,
        }
    }

    /// The function's scalar arguments (checked against its signature when
    /// the call runs).
    #[must_use]
    pub fn args(mut self, args: impl Into<Vec<Arg>>) -> Self {
        self.call.args = args.into();
        self
    }

    /// Input bytes, which the contract reads with `strata.input_copy`.
    #[must_use]
    pub fn input(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.input = input.into();
        self
    }

    /// The gas limit.
    #[must_use]
    pub fn gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = gas_limit;
        self
    }
}

impl FunctionCall {
    /// `function` with `args`.
    pub fn new(function: impl Into<String>, args: impl Into<Vec<Arg>>) -> Self {
        FunctionCall {
            function: function.into(),
            args: args.into(),
        }
    }
}

impl From<DeployTx> for Transaction {
    fn from(tx: DeployTx) -> Self {
        Transaction::Deploy(tx)
    }
}

impl From<CallTx> for Transaction {
    fn from(tx: CallTx) -> Self {
        Transaction::Call(tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DEFAULT_MAX_BLOCK_GAS, DEFAULT_MAX_TX_GAS, RuntimeConfig};

    #[test]
    fn defaults_fit_the_default_caps() {
        let config = RuntimeConfig::default();
        let largest_deploy = config.limits.max_code_size as u64 * config.gas.deploy_per_byte;
        assert!(DeployTx::DEFAULT_GAS_LIMIT > largest_deploy);
        const {
            assert!(DeployTx::DEFAULT_GAS_LIMIT <= DEFAULT_MAX_TX_GAS);
            assert!(DEFAULT_MAX_BLOCK_GAS / DeployTx::DEFAULT_GAS_LIMIT == 100);
            assert!(DEFAULT_MAX_BLOCK_GAS / CallTx::DEFAULT_GAS_LIMIT == 1_000);
        }
    }

    #[test]
    fn setters_fill_every_field() {
        let author = Address([1; 20]);
        let banks = vec![BankSpec {
            width_bits: 64,
            count: 4,
        }];
        let tx = DeployTx::new(author, vec![1, 2])
            .pages(3)
            .ctor("init", vec![Arg::I32(5)])
            .balance(77)
            .gas_limit(123)
            .nonce(9)
            .banks(banks.clone())
            .name("c");
        let want = DeployTx {
            author,
            nonce: Some(9),
            name: Some("c".into()),
            page_count: 3,
            banks: Some(banks),
            code: vec![1, 2],
            ctor: Some(FunctionCall {
                function: "init".into(),
                args: vec![Arg::I32(5)],
            }),
            balance: 77,
            gas_limit: 123,
        };
        assert_eq!(tx, want);
        let plain = DeployTx::new(author, vec![]);
        assert_eq!(
            (plain.nonce, &plain.name, plain.page_count, &plain.banks),
            (None, &None, 1, &None)
        );
        assert_eq!((&plain.ctor, plain.balance), (&None, 0));

        let (c, s) = (Address([3; 20]), Address([4; 20]));
        let call = CallTx::new(c, s, "f")
            .args([Arg::I64(-1)])
            .input(b"in".to_vec())
            .gas_limit(5);
        assert_eq!(
            Transaction::from(call),
            Transaction::Call(CallTx {
                contract: c,
                sender: s,
                call: FunctionCall {
                    function: "f".into(),
                    args: vec![Arg::I64(-1)],
                },
                input: b"in".to_vec(),
                gas_limit: 5,
            })
        );
        let bare = CallTx::new(c, s, "g");
        assert!(bare.call.args.is_empty() && bare.input.is_empty());
        assert_eq!(bare.gas_limit, CallTx::DEFAULT_GAS_LIMIT);
    }
}
