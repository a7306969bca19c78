//! Telling a failed transaction from a failed runtime.
//!
//! [`Runtime::execute`](crate::Runtime::execute) returns `Ok(receipt)` for
//! every transaction that ran, failed ones included (a failed transaction
//! is a result the chain records: its gas is charged, its logs kept), and
//! `Err` only when the runtime itself failed. A [`Receipt`] is
//! `#[must_use]`, and [`Receipt::into_result`] turns a failed one into an
//! error, so that `?` stops on both.

use std::fmt;

use crate::{Receipt, TxError};

impl Receipt {
    /// `Ok(self)` if the transaction succeeded, else [`TxFailed`] carrying
    /// the receipt (which a node still records: the gas was charged).
    ///
    /// ```
    /// # use strata_runtime::{Address, BlockContext, CallTx, Runtime};
    /// # use strata_runtime::MemKv;
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let rt = Runtime::new(MemKv::new());
    /// let call = CallTx::new(Address([9; 20]), Address([2; 20]), "inc");
    /// // No contract there: the runtime is fine, the transaction failed.
    /// let receipt = rt.execute(&call.into(), BlockContext::default())?;
    /// let failed = receipt.into_result().unwrap_err();
    /// assert_eq!(failed.error().kind, strata_runtime::ErrorKind::InvalidTransaction);
    /// # Ok(()) }
    /// # run().unwrap();
    /// ```
    pub fn into_result(self) -> Result<Receipt, TxFailed> {
        if self.error.is_none() {
            Ok(self)
        } else {
            Err(TxFailed {
                receipt: Box::new(self),
            })
        }
    }
}

/// A transaction that ran and failed (from [`Receipt::into_result`]): its
/// receipt, whose `error` is set. Nothing of the transaction was applied
/// except what a failed transaction always records (its gas).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxFailed {
    receipt: Box<Receipt>,
}

impl TxFailed {
    /// Why it failed.
    pub fn error(&self) -> &TxError {
        // `into_result` makes a `TxFailed` only from a receipt with an
        // error; the fallback is never used.
        static NONE: TxError = TxError {
            kind: crate::ErrorKind::InvalidTransaction,
            message: String::new(),
        };
        self.receipt.error.as_ref().unwrap_or(&NONE)
    }

    /// The failed transaction's receipt.
    pub fn receipt(&self) -> &Receipt {
        &self.receipt
    }

    /// The receipt, to record.
    pub fn into_receipt(self) -> Receipt {
        *self.receipt
    }
}

impl fmt::Display for TxFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the transaction failed: {}", self.error())
    }
}

impl std::error::Error for TxFailed {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, TxError};

    #[test]
    fn into_result_splits_on_the_error() {
        let ok = Receipt {
            gas_used: 5,
            ..Receipt::default()
        };
        assert_eq!(ok.clone().into_result(), Ok(ok));
        let bad = Receipt {
            error: Some(TxError::new(ErrorKind::Abort, "no")),
            gas_used: 7,
            ..Receipt::default()
        };
        let failed = bad.clone().into_result().unwrap_err();
        assert_eq!(failed.error().kind, ErrorKind::Abort);
        assert_eq!(failed.to_string(), "the transaction failed: abort: no");
        assert_eq!(failed.receipt(), &bad);
        assert_eq!(failed.into_receipt(), bad);
    }
}
