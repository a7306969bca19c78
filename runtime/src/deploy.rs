//! Deploy: validate the code, create the contract's account, storage and
//! code in the transaction, and run its constructor.

use std::sync::Arc;

use strata_kv::KvStore;
use strata_pages::PageCache;
use strata_registers::{BankLayout, BankSpec};
use strata_slices::Slices;

use crate::exec::{self, Failure, Frame, TxState, run_frame};
use crate::{
    Account, Address, CodeHash, DeployTx, ErrorKind, Runtime, RuntimeError, TxError,
    contract_address, validate,
};

impl<K: KvStore + 'static> Runtime<K> {
    /// Creates the account and code of a deploy, and runs the constructor.
    /// The transaction state always comes back (with the embedder's
    /// extension in it); store failures become fatal outcomes.
    #[allow(clippy::type_complexity)]
    pub(crate) fn deploy(
        &self,
        mut state: Box<TxState<K>>,
        tx: &DeployTx,
    ) -> Result<(Box<TxState<K>>, exec::FrameOutcome, Option<Address>, u64), RuntimeError> {
        let deploy_gas = self
            .shared
            .config
            .gas
            .deploy_per_byte
            .saturating_mul(tx.code.len() as u64);
        let failed = |failure, gas| (exec::FrameOutcome::failed(failure, 0), None, gas);
        let (address, ctor_frame) = match self.create_contract(&mut state, tx, deploy_gas) {
            Err(e) => {
                let (o, d, g) = failed(Failure::Fatal(e), deploy_gas);
                return Ok((state, o, d, g));
            }
            Ok(Err((err, gas))) => {
                let (o, d, g) = failed(Failure::Tx(err), gas);
                return Ok((state, o, d, g));
            }
            Ok(Ok(created)) => created,
        };
        let Some(frame) = ctor_frame else {
            let outcome = exec::FrameOutcome {
                result: Ok(Vec::new()),
                gas_used: 0,
                return_data: Vec::new(),
            };
            return Ok((state, outcome, Some(address), deploy_gas));
        };
        let (state, outcome) = run_frame(&self.shared, state, frame)?;
        Ok((state, outcome, Some(address), deploy_gas))
    }

    /// Validates a deploy and creates its account, storage and code in the
    /// transaction. The inner error is the transaction's (with the gas it
    /// costs); the outer one is the store's.
    #[allow(clippy::type_complexity)]
    fn create_contract<'t>(
        &self,
        state: &mut TxState<K>,
        tx: &'t DeployTx,
        deploy_gas: u64,
    ) -> Result<Result<(Address, Option<Frame<'t>>), (TxError, u64)>, RuntimeError> {
        let config = &self.shared.config;
        let reject = |kind, message: String| Ok(Err((TxError::new(kind, message), deploy_gas)));
        if deploy_gas > tx.gas_limit {
            let message = format!(
                "deploying {} bytes costs {deploy_gas} gas; the limit is {}",
                tx.code.len(),
                tx.gas_limit
            );
            return Ok(Err((
                TxError::new(ErrorKind::OutOfGas, message),
                tx.gas_limit,
            )));
        }
        if state.read_only {
            return reject(ErrorKind::ReadOnly, "a query cannot deploy".into());
        }
        if tx.page_count > config.limits.max_page_count {
            return reject(
                ErrorKind::InvalidTransaction,
                format!(
                    "page count {} exceeds the limit of {}",
                    tx.page_count, config.limits.max_page_count
                ),
            );
        }
        let banks: Vec<BankSpec> = tx
            .banks
            .clone()
            .unwrap_or_else(|| BankLayout::svm_default().specs().to_vec());
        if let Err(e) = BankLayout::new(banks.clone(), &config.register_limits) {
            return reject(
                ErrorKind::InvalidTransaction,
                format!("register banks: {e}"),
            );
        }
        let required: Vec<&str> = tx.ctor.iter().map(|c| c.function.as_str()).collect();
        let validated =
            match validate::validate(&tx.code, &self.shared.host_fns, &config.limits, &required) {
                Ok(v) => v,
                Err(e) => return reject(ErrorKind::InvalidCode, e.to_string()),
            };
        let mut author = state.account(&tx.author)?.cloned().unwrap_or_default();
        if let Some(n) = tx.nonce
            && n != author.nonce
        {
            return reject(
                ErrorKind::InvalidTransaction,
                format!(
                    "nonce {n} given, but author {} is at nonce {}",
                    tx.author, author.nonce
                ),
            );
        }
        let Some(next_nonce) = author.nonce.checked_add(1) else {
            return reject(
                ErrorKind::InvalidTransaction,
                format!("author {} has no deploy nonce left", tx.author),
            );
        };
        let code_hash = CodeHash::of(&validated.code);
        let address = contract_address(&tx.author, author.nonce, &code_hash);
        if state.account(&address)?.is_some() {
            return reject(
                ErrorKind::AddressTaken,
                format!("an account already exists at {address}"),
            );
        }
        let pages = PageCache::create(
            state.kv.clone(),
            tx.page_count,
            exec::contract_pages(config.pages_per_contract),
        );
        let account = Account {
            code_hash: Some(code_hash),
            page_count: tx.page_count,
            banks,
            state_root: pages.root(),
            tree_root: pages.tree_root(),
            balance: tx.balance,
            nonce: 0,
            name: tx.name.clone(),
            maps: Vec::new(),
        };
        state.storages.insert(address, Slices::new(pages));
        state.put_account(address, account);
        author.nonce = next_nonce;
        state.put_account(tx.author, author);
        state.new_code.insert(code_hash, Arc::from(validated.code));
        let frame = tx.ctor.as_ref().map(|ctor| Frame {
            address,
            sender: tx.author,
            function: &ctor.function,
            args: &ctor.args,
            input: Vec::new(),
            gas_limit: tx.gas_limit - deploy_gas,
            nested: false,
        });
        Ok(Ok((address, frame)))
    }
}
