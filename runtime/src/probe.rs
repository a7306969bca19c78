//! Register probes: a call that starts with chosen registers and reports
//! chosen registers when it ends, as SVM's register-level tests did (the
//! CLI's `call --reg` and `--show-reg`).
//!
//! Registers are never persisted and are not part of a transaction's wire
//! format, so a probed call is a tool for tests and debugging: its receipt
//! depends on the seeded registers, which no other node sees. Gas, commits
//! and failures are those of the same call without the probe; the seed and
//! the reading cost no gas. Only the called function's own frame is
//! probed, not the frames of contracts it calls.

use strata_kv::KvStore;
use strata_registers::Registers;

use crate::exec::Failure;
use crate::{
    BlockContext, CallTx, ErrorKind, Receipt, Runtime, RuntimeError, Transaction, TxError,
};

/// What to set before a call and what to read after it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegisterProbe {
    /// Registers set before the function runs: (bank width in bits, index,
    /// bytes), each zero-padded like `Registers::set`.
    pub seed: Vec<(u32, u32, Vec<u8>)>,
    /// Registers read when the function has returned (or failed): (bank
    /// width in bits, index).
    pub show: Vec<(u32, u32)>,
}

/// A probed call's receipt and the registers it asked to see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbedReceipt {
    /// The call's receipt, as without the probe.
    pub receipt: Receipt,
    /// The contents of each register of [`RegisterProbe::show`], in order,
    /// as the function left them. Empty when the call did not reach the
    /// function (no contract, a bad seed).
    pub registers: Vec<((u32, u32), Vec<u8>)>,
}

/// A probe travelling with the transaction state, and what it found.
#[derive(Debug, Default)]
pub(crate) struct ActiveProbe {
    pub probe: RegisterProbe,
    pub shown: Vec<((u32, u32), Vec<u8>)>,
}

impl ActiveProbe {
    /// Sets the seed registers, after checking that every register to show
    /// exists in the contract's banks. A bad register is the transaction's
    /// error, naming it.
    pub(crate) fn seed(&self, registers: &mut Registers) -> Result<(), Failure> {
        let bad = |what: &str, bits: u32, idx: u32, e: &dyn std::fmt::Display| {
            Failure::Tx(TxError::new(
                ErrorKind::InvalidTransaction,
                format!("{what} register {bits}:{idx}: {e}"),
            ))
        };
        for (bits, idx) in &self.probe.show {
            registers
                .get(*bits, *idx)
                .map_err(|e| bad("the shown", *bits, *idx, &e))?;
        }
        for (bits, idx, bytes) in &self.probe.seed {
            registers
                .set(*bits, *idx, bytes)
                .map_err(|e| bad("the seeded", *bits, *idx, &e))?;
        }
        Ok(())
    }

    /// Reads the registers to show (checked to exist by [`seed`](Self::seed)).
    pub(crate) fn capture(&mut self, registers: &Registers) {
        self.shown = self
            .probe
            .show
            .iter()
            .filter_map(|&(bits, idx)| {
                registers
                    .get(bits, idx)
                    .ok()
                    .map(|r| ((bits, idx), r.to_vec()))
            })
            .collect();
    }
}

impl<K: KvStore + 'static> Runtime<K> {
    /// Executes `call` as a block of one, like [`execute`](Runtime::execute),
    /// with its registers seeded and read by `probe` (see the module docs
    /// for what that means for determinism). A seeded or shown register the
    /// contract's banks do not have fails the call with
    /// [`ErrorKind::InvalidTransaction`], naming it.
    pub fn execute_probed(
        &self,
        call: &CallTx,
        block: BlockContext,
        probe: RegisterProbe,
    ) -> Result<ProbedReceipt, RuntimeError> {
        self.probed(call, block, probe, false)
    }

    /// Runs `call` read-only, like [`query`](Runtime::query), with `probe`.
    pub fn query_probed(
        &self,
        call: &CallTx,
        block: BlockContext,
        probe: RegisterProbe,
    ) -> Result<ProbedReceipt, RuntimeError> {
        self.probed(call, block, probe, true)
    }

    fn probed(
        &self,
        call: &CallTx,
        context: BlockContext,
        probe: RegisterProbe,
        read_only: bool,
    ) -> Result<ProbedReceipt, RuntimeError> {
        let _gate = self.shared.enter()?;
        let tx = Transaction::Call(call.clone());
        crate::stack::with_stack(|| {
            let mut block = crate::block::Block::begin(self, context);
            block.state().probe = Some(Box::new(ActiveProbe {
                probe,
                shown: Vec::new(),
            }));
            let receipt = if read_only {
                block.query(call)
            } else {
                block.push(&tx)
            };
            let shown = block
                .state()
                .probe
                .take()
                .map(|p| p.shown)
                .unwrap_or_default();
            let receipt = receipt?;
            if !read_only {
                block.finish()?;
            }
            Ok(ProbedReceipt {
                receipt,
                registers: shown,
            })
        })
    }
}
