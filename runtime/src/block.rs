//! The block: begin, run transactions in order (each admitted against the
//! gas caps, each atomic on its own), and finish into one atomic batch.
//!
//! [`Block`] is where per-block work lives: a transaction's writes go
//! into the block overlay (`BlockKv`), which later transactions read
//! through; the last transaction's writes join the overlay's in the one
//! batch that [`Block::finish`] writes, without the page and node records
//! that later transactions superseded (`sweep`), with the event index's
//! entries for its successful transactions' events and the deletion of
//! those that expired (`events`). A block that fails, or is dropped
//! before it finishes, leaves nothing in the store.

use std::collections::BTreeSet;
use std::sync::MutexGuard;

use strata_kv::{KvStore, WriteBatch};

use crate::Address;
use crate::global::{self, Head};
use crate::journal::ExtensionSlot;
use crate::lifecycle;
use crate::sweep;

use crate::exec::{ExternalLink, Frame, TxState, run_frame};
use crate::{BlockContext, Receipt, Runtime, RuntimeError, Transaction, admission, caches::Caches};

/// A block being run: it holds the runtime's execution lock from
/// [`begin`](Block::begin) to [`finish`](Block::finish).
pub(crate) struct Block<'r, K: KvStore + 'static> {
    runtime: &'r Runtime<K>,
    slot: MutexGuard<'r, Option<Box<TxState<K>>>>,
    context: BlockContext,
    /// What is left of the block's gas cap.
    gas_left: u64,
    /// The writes of the block's latest successful transaction, held back
    /// until the next transaction needs them in the overlay, or until
    /// [`finish`](Block::finish) writes them with the overlay in one batch
    /// (so that a block of one never goes through the overlay).
    pending: WriteBatch,
    /// The accounts whose records the block's transactions wrote before
    /// `pending` (whose own are read from it at the end).
    touched: BTreeSet<Address>,
    /// Whether the block ended (finished or abandoned).
    ended: bool,
    /// How many transactions were pushed (refused ones included): the
    /// position of the next one.
    txs: u32,
    /// The events of the successful transactions, with each one's
    /// position, for the event index (`events.rs`).
    events: Vec<(u32, Vec<crate::Event>)>,
    /// The channels to the node of a block started with `Runtime::start`
    /// (`pending.rs`), lent to each transaction in turn.
    external: Option<ExternalLink>,
    /// The embedder's levels before the block's.
    extension: usize,
}

impl<'r, K: KvStore + 'static> Block<'r, K> {
    /// Begins a block at `context`, waiting for any running one to end.
    pub fn begin(runtime: &'r Runtime<K>, context: BlockContext) -> Self {
        let mut slot = crate::lock(&runtime.shared.exec);
        let extension = slot
            .as_mut()
            .and_then(|s| s.extension.as_mut())
            .map_or(0, ExtensionSlot::checkpoint);
        Block {
            slot,
            extension,
            runtime,
            context,
            gas_left: runtime.shared.config.max_block_gas,
            pending: WriteBatch::new(),
            touched: BTreeSet::new(),
            ended: false,
            txs: 0,
            events: Vec::new(),
            external: None,
        }
    }

    /// Lends `link` to the block's transactions, for their external host
    /// functions.
    pub fn with_external(mut self, link: Option<ExternalLink>) -> Self {
        self.external = link;
        self
    }

    /// Runs the next transaction: its receipt (a refused one, without
    /// running it, when it does not fit the gas caps). An error is the
    /// runtime's own failure: the block is abandoned and nothing of it is
    /// applied.
    pub fn push(&mut self, tx: &Transaction) -> Result<Receipt, RuntimeError> {
        if self.ended {
            return Err(RuntimeError::Internal("the block has ended".into()));
        }
        let config = &self.runtime.shared.config;
        let position = self.txs;
        self.txs = self.txs.saturating_add(1);
        if let Some(refused) = admission::refuse(config, admission::gas_limit(tx), self.gas_left) {
            return Ok(refused);
        }
        let ran = self.write_pending().and_then(|()| {
            self.runtime
                .run_tx(&mut self.slot, tx, self.context, false, &mut self.external)
        });
        match ran {
            Ok((receipt, batch)) => {
                self.gas_left = self.gas_left.saturating_sub(receipt.gas_used);
                self.pending = batch;
                if receipt.success()
                    && !receipt.events.is_empty()
                    && config.event_retention_blocks != Some(0)
                {
                    self.events.push((position, receipt.events.clone()));
                }
                Ok(receipt)
            }
            Err(e) => {
                self.abandon();
                Err(e)
            }
        }
    }

    /// The transaction state the block's transactions run with (made now
    /// if the runtime has none yet).
    pub(crate) fn state(&mut self) -> &mut TxState<K> {
        let shared = &self.runtime.shared;
        self.slot.get_or_insert_with(|| {
            Box::new(TxState::new(shared.kv.clone(), Caches::new(&shared.config)))
        })
    }

    /// Runs `call` read-only with the block's state: never committed, and
    /// it does not count against the block.
    pub(crate) fn query(&mut self, call: &crate::CallTx) -> Result<Receipt, RuntimeError> {
        if let Some(refused) =
            admission::refuse(&self.runtime.shared.config, call.gas_limit, u64::MAX)
        {
            return Ok(refused);
        }
        let tx = Transaction::Call(call.clone());
        self.runtime
            .run_tx(&mut self.slot, &tx, self.context, true, &mut None)
            .map(|(receipt, _)| receipt)
    }

    /// Updates the account tree with the block's final records and writes
    /// the whole block, tree nodes and head included, to the store in one
    /// atomic batch. Returns the new head.
    pub fn finish(mut self) -> Result<Head, RuntimeError> {
        if self.ended {
            return Err(RuntimeError::Internal("the block has ended".into()));
        }
        let runtime = self.runtime;
        let shared = &runtime.shared;
        let written = (|| {
            let base = shared.kv.base();
            let remembered = &shared.remembered;
            // The three block records the end reads, as remembered.
            let [head, lifecycle_state, events_state] = remembered.get_all(base)?;
            let counting = lifecycle::counting(lifecycle_state, shared.config.state_retention)?;
            // A counting block keeps what its counts reach (`lifecycle`),
            // which leaves superseded records out as the sweep does.
            let reachable = if counting.is_some() {
                None
            } else {
                self.sweep()?
            };
            let mut last = std::mem::take(&mut self.pending);
            let touched = std::mem::take(&mut self.touched);
            let (head, nodes, wrote) = global::finish_block(
                &shared.kv,
                &shared.account_nodes,
                global::decode_head(head)?,
                touched,
                &mut last,
                self.context.height,
            )?;
            crate::events::index_block(
                base,
                events_state,
                shared.config.event_retention_blocks,
                self.context.height,
                &self.events,
                &mut last,
            )?;
            let counts = counting.is_some();
            let committed = match counting {
                Some(state) if wrote => Some(lifecycle::commit_block(
                    &shared.kv,
                    &shared.lifecycle,
                    state,
                    shared.config.state_retention,
                    &head,
                    &mut last,
                )?),
                _ => None,
            };
            // The block's one write of the store; what it writes of the
            // block records is remembered (`remembered.rs`).
            let writing = remembered.writing(
                base,
                &last,
                shared.kv.pending_in(strata_primitives::namespaces::BLOCKS),
            );
            let flushed = match (&committed, counts, reachable) {
                (Some((kept, _)), _, _) => shared
                    .kv
                    .flush_retaining(last, |ns, key| kept.keeps(ns, key)),
                // No new root: no counted record is new.
                (None, true, _) => shared
                    .kv
                    .flush_retaining(last, |ns, _| !lifecycle::counted(ns)),
                (None, false, Some(r)) => {
                    shared.kv.flush_retaining(last, |ns, key| r.keeps(ns, key))
                }
                (None, false, None) => shared.kv.flush_with(last),
            };
            // The lifecycle cache learns the block only once it is written.
            if let Some((_, update)) = committed {
                let mut cache = shared.lifecycle.lock();
                match &flushed {
                    Ok(()) => cache.apply(update),
                    Err(_) => cache.clear(),
                }
            }
            remembered.written(base, writing, flushed.is_ok());
            flushed?;
            Ok((head, nodes))
        })();
        match written {
            Ok((head, nodes)) => {
                self.ended = true;
                shared.account_nodes.stored(nodes);
                self.close_extension(true);
                Ok(head)
            }
            Err(e) => {
                self.abandon();
                Err(e)
            }
        }
    }

    /// When earlier transactions' writes are in the overlay (records the
    /// later ones may have superseded), moves the last one's there too and
    /// marks what the block's final state reaches (`sweep`). A block whose
    /// writes are all its last transaction's has nothing superseded, and
    /// goes on without either.
    fn sweep(&mut self) -> Result<Option<sweep::Reachable>, RuntimeError> {
        let kv = &self.runtime.shared.kv;
        if kv.is_clean() {
            return Ok(None);
        }
        self.write_pending()?;
        sweep::mark(kv, self.touched.iter().copied()).map(Some)
    }

    /// Closes the block's level of the embedder's state: kept once the
    /// block is in the store, rolled back when it is abandoned.
    fn close_extension(&mut self, keep: bool) {
        if let Some(extension) = self.slot.as_mut().and_then(|s| s.extension.as_mut()) {
            extension.close(self.extension, keep);
        }
    }

    /// Moves the latest transaction's writes into the overlay, where the
    /// next transaction reads them.
    fn write_pending(&mut self) -> Result<(), RuntimeError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        self.touched.extend(global::accounts_written(&batch));
        Ok(self.runtime.shared.kv.write(batch)?)
    }

    /// Drops everything of the block: the overlay, and the page caches,
    /// which may stand at roots whose records were never written.
    fn abandon(&mut self) {
        self.close_extension(false);
        self.ended = true;
        self.pending = WriteBatch::new();
        self.touched.clear();
        self.events.clear();
        self.runtime.shared.kv.clear();
        if let Some(state) = self.slot.as_mut() {
            state.caches.clear_contracts();
        }
    }
}

impl<K: KvStore + 'static> Drop for Block<'_, K> {
    fn drop(&mut self) {
        if !self.ended {
            self.abandon();
        }
    }
}

impl<K: KvStore + 'static> Runtime<K> {
    /// Runs a block, handing each receipt to `receipt` in order. On an
    /// error nothing of the block is applied.
    /// `external` is the channels to the node of a block started with
    /// `Runtime::start` (`None` for `execute`).
    pub(crate) fn run_block(
        &self,
        txs: &[Transaction],
        context: BlockContext,
        external: Option<ExternalLink>,
        mut receipt: impl FnMut(Receipt),
    ) -> Result<Head, RuntimeError> {
        crate::stack::with_stack(|| {
            let mut block = Block::begin(self, context).with_external(external);
            for tx in txs {
                receipt(block.push(tx)?);
            }
            block.finish()
        })
    }

    /// Runs one transaction: its receipt, and (for a successful one that is
    /// not a query) the batch of its writes, for the caller to apply.
    ///
    /// The state comes from `slot` and goes back there, unless a bug loses
    /// it (then the next transaction starts with empty caches). `external`
    /// (the channels to the node, if any) is lent to the transaction and
    /// taken back.
    pub(crate) fn run_tx(
        &self,
        slot: &mut Option<Box<TxState<K>>>,
        tx: &Transaction,
        block: BlockContext,
        read_only: bool,
        external: &mut Option<ExternalLink>,
    ) -> Result<(Receipt, WriteBatch), RuntimeError> {
        let mut state = slot.take().unwrap_or_else(|| {
            Box::new(TxState::new(
                self.shared.kv.clone(),
                Caches::new(&self.shared.config),
            ))
        });
        state.reset(block, read_only);
        state.external = external.take();
        // The transaction's level of the embedder's state, closed below
        // with its fate (a query's is always rolled back).
        let extension = state.extension.as_mut().map(ExtensionSlot::checkpoint);
        let result = match tx {
            Transaction::Deploy(d) => self.deploy(state, d),
            Transaction::Call(c) => {
                let frame = Frame {
                    address: c.contract,
                    sender: c.sender,
                    function: &c.call.function,
                    args: &c.call.args,
                    input: c.input.clone(),
                    gas_limit: c.gas_limit,
                    nested: false,
                };
                run_frame(&self.shared, state, frame).map(|(s, o)| (s, o, None, 0))
            }
        };
        // `result` is an error only if the state was lost (a bug): then the
        // caches and the extension are lost with it.
        let (mut state, outcome, deployed, extra_gas) = result?;
        *external = state.external.take();
        let finished = self.finish(&mut state, outcome, deployed, extra_gas);
        if let (Some(depth), Some(ext)) = (extension, state.extension.as_mut()) {
            let keep = !read_only && matches!(&finished, Ok((r, _)) if r.success());
            ext.close(depth, keep);
        }
        *slot = Some(state);
        finished
    }
}
