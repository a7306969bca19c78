//! Admission: the gas caps a transaction must fit before it runs.
//!
//! A transaction's gas limit must be at most
//! [`RuntimeConfig::max_tx_gas`], and at most what its block has left of
//! [`RuntimeConfig::max_block_gas`] (the cap less the gas the block's
//! earlier transactions used). A transaction that does not fit is refused
//! with a receipt (no gas, no change), so one hostile transaction cannot
//! spin for hours, nor stop the rest of its block.

use crate::{ErrorKind, Receipt, RuntimeConfig, Transaction, TxError};

/// The gas limit a transaction asks for.
pub(crate) fn gas_limit(tx: &Transaction) -> u64 {
    match tx {
        Transaction::Deploy(d) => d.gas_limit,
        Transaction::Call(c) => c.gas_limit,
    }
}

/// `None` when a transaction asking for `limit` gas may run with
/// `block_left` gas left in its block; otherwise the receipt that refuses
/// it.
pub(crate) fn refuse(config: &RuntimeConfig, limit: u64, block_left: u64) -> Option<Receipt> {
    let error = if limit > config.max_tx_gas {
        TxError::new(
            ErrorKind::OverGasCap,
            format!(
                "a gas limit of {limit} is over the cap of {} gas per transaction; \
                 ask for at most that",
                config.max_tx_gas
            ),
        )
    } else if limit > block_left {
        TxError::new(
            ErrorKind::BlockGasExhausted,
            format!(
                "the block has {block_left} of its {} gas left, less than this transaction's \
                 gas limit of {limit}; send it in a later block",
                config.max_block_gas
            ),
        )
    } else {
        return None;
    };
    Some(Receipt {
        error: Some(error),
        ..Receipt::default()
    })
}
