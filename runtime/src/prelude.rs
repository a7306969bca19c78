//! The names nearly every embedding uses, to glob-import:
//! `use strata_runtime::prelude::*;`.
//!
//! ```
//! use strata_runtime::prelude::*;
//!
//! let rt = Runtime::new(MemKv::new());
//! let call = CallTx::new(Address([9; 20]), Address([2; 20]), "inc");
//! let receipt: Receipt = rt.execute(&call.into(), BlockContext::default())?;
//! assert!(!receipt.success(), "there is no contract at that address");
//! # Ok::<(), RuntimeError>(())
//! ```

pub use crate::{
    Address, Arg, BlockContext, BlockResult, CallTx, DeployTx, ErrorKind, Extension, Journal,
    JournalMap, KvStore, MemKv, Receipt, Runtime, RuntimeConfig, RuntimeError, Transaction,
    TxFailed,
};
