//! Runs an arbitrary sequence of transactions as blocks on two fresh
//! runtimes and requires byte-identical receipts.
//!
//! Input: `Op`s until the input ends (at most 64): deploy one of the
//! examples (counter, token, caller, pay) by one of four authors, with an
//! optional explicit nonce, any page count, a balance and optionally its
//! constructor; call a function (by name, from every name the examples
//! export plus two unknown ones) of a target (a deployed contract, an
//! author, or an address with no account), with typed or mistyped
//! arguments and input bytes (an address, an address and a function name
//! for `caller.forward`, or raw bytes); pay from one target to another
//! through `pay`; end the block; clear the second runtime's caches.
//!
//! Runtime A runs each block with `execute_block` (the block overlay, lazy
//! translation, default caches). Runtime B runs the same transactions one
//! at a time with `execute` (each its own batch), with eager translation,
//! caches of one module, one contract and one page (so they evict all the
//! time), and drops its caches where the input says.
//!
//! Checks: every block and transaction gives receipts (no `Err`, no
//! panic); A's and B's receipts have identical SCALE bytes, transaction by
//! transaction; every receipt is well-formed (`exec::check_receipt`); at
//! the end every known account is identical on both.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use strata_fuzz::contracts::{EXAMPLES, compiled, function_names};
use strata_fuzz::exec::{self, must};
use strata_fuzz::input::{CallInput, Op, read_all};
use strata_host_fns::Address;
use strata_runtime::{
    Arg, BlockContext, CallTx, CodeHash, Compilation, DeployTx, FunctionCall, RuntimeConfig,
    Transaction, contract_address,
};

const AUTHORS: [Address; 4] = [
    Address([0xa0; 20]),
    Address([0xa1; 20]),
    Address([0xa2; 20]),
    Address([0xa3; 20]),
];
const GAS_MOD: u32 = 400_000;

/// The addresses transactions can name, and what the block knows of them.
struct World {
    /// Authors, an address with no account, then contracts in the order
    /// they were (or are expected to be) deployed.
    targets: Vec<Address>,
    /// The example each target holds, if it is a contract we deployed.
    kinds: BTreeMap<Address, usize>,
    /// Each author's next nonce, as far as we can tell.
    nonces: BTreeMap<Address, u64>,
}

impl World {
    fn target(&self, i: u8) -> Address {
        self.targets[usize::from(i) % self.targets.len()]
    }

    fn add(&mut self, address: Address, example: usize) {
        if !self.targets.contains(&address) {
            self.targets.push(address);
        }
        self.kinds.insert(address, example);
    }

    fn input(&self, input: CallInput) -> Vec<u8> {
        match input {
            CallInput::Empty => Vec::new(),
            CallInput::Address(t) => self.target(t).0.to_vec(),
            CallInput::Forward { target, function } => {
                let names = function_names();
                let mut bytes = self.target(target).0.to_vec();
                bytes.extend_from_slice(names[usize::from(function) % names.len()].as_bytes());
                bytes
            }
            CallInput::Bytes(b) => b.to_le_bytes().to_vec(),
        }
    }

    /// The transaction of `op` (not a block boundary or a cache drop).
    fn transaction(&mut self, op: &Op) -> Option<Transaction> {
        Some(match *op {
            Op::Deploy {
                example,
                author,
                nonce,
                pages,
                balance,
                ctor,
                gas,
            } => {
                let ex = usize::from(example) % EXAMPLES.len();
                let author = AUTHORS[usize::from(author) % AUTHORS.len()];
                let code = compiled()[ex].wasm.clone();
                let expected = self.nonces.get(&author).copied().unwrap_or(0);
                let nonce = nonce.map(u64::from);
                if nonce.is_none_or(|n| n == expected) {
                    // Where it lands if it succeeds, so that later
                    // transactions of the same block can name it.
                    let address = contract_address(&author, expected, &CodeHash::of(&code));
                    self.add(address, ex);
                    self.nonces.insert(author, expected + 1);
                }
                let ctor = EXAMPLES[ex]
                    .ctor
                    .filter(|_| ctor)
                    .map(|(f, args)| FunctionCall {
                        function: f.into(),
                        args: args.to_vec(),
                    });
                Transaction::Deploy(DeployTx {
                    author,
                    nonce,
                    name: ctor.as_ref().map(|_| EXAMPLES[ex].name.to_owned()),
                    page_count: pages % 70_000,
                    banks: None,
                    code,
                    ctor,
                    balance: balance.into(),
                    gas_limit: u64::from(gas % GAS_MOD),
                })
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
                let contract = self.target(contract);
                let names = function_names();
                let name = &names[usize::from(function) % names.len()];
                let values = args.map(|a| a.value());
                let sig = self
                    .kinds
                    .get(&contract)
                    .and_then(|k| compiled()[*k].exports.get(name));
                let args = match (typed, sig) {
                    (true, Some(sig)) => exec::args_for(sig, &values),
                    (true, None) => Vec::new(),
                    (false, _) => values.iter().map(|v| Arg::I64(*v)).collect(),
                };
                Transaction::Call(CallTx {
                    contract,
                    sender: AUTHORS[usize::from(sender) % AUTHORS.len()],
                    call: FunctionCall {
                        function: name.clone(),
                        args,
                    },
                    input: self.input(input),
                    gas_limit: u64::from(gas % GAS_MOD),
                })
            }
            Op::Transfer {
                from,
                to,
                amount,
                gas,
            } => Transaction::Call(CallTx {
                contract: self.target(from),
                sender: AUTHORS[0],
                call: FunctionCall {
                    function: "pay".into(),
                    args: vec![Arg::I64(amount.into())],
                },
                input: self.target(to).0.to_vec(),
                gas_limit: u64::from(gas % GAS_MOD),
            }),
            Op::EndBlock | Op::ClearCaches => return None,
        })
    }
}

fn gas_limit(tx: &Transaction) -> u64 {
    match tx {
        Transaction::Deploy(d) => d.gas_limit,
        Transaction::Call(c) => c.gas_limit,
    }
}

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    exec::on_big_stack(move || {
        let ops: Vec<Op> = read_all(&mut Unstructured::new(&data), 64);
        let a = exec::runtime();
        let b = exec::runtime_with(RuntimeConfig {
            compilation: Compilation::Eager,
            module_cache: 1,
            contract_cache: 1,
            pages_per_contract: 1,
            // The other runtime reuses instances; this one never does.
            instance_pool: 0,
            ..RuntimeConfig::default()
        });
        let mut world = World {
            targets: AUTHORS
                .iter()
                .copied()
                .chain([Address([0xee; 20])])
                .collect(),
            kinds: BTreeMap::new(),
            nonces: BTreeMap::new(),
        };

        let mut blocks: Vec<&[Op]> = ops.split(|op| *op == Op::EndBlock).collect();
        if ops.last() == Some(&Op::EndBlock) {
            blocks.pop();
        }
        for (height, block_ops) in blocks.into_iter().enumerate() {
            let block = BlockContext {
                height: height as u64 + 1,
                time: 1_700_000_000 + 5 * height as u64,
            };
            let mut txs = Vec::new();
            let mut clear_before = Vec::new();
            let mut clear = false;
            for op in block_ops {
                if *op == Op::ClearCaches {
                    clear = true;
                } else if let Some(tx) = world.transaction(op) {
                    txs.push(tx);
                    clear_before.push(std::mem::take(&mut clear));
                }
            }
            let receipts = must(a.execute_block(&txs, block), "execute_block").receipts;
            assert_eq!(receipts.len(), txs.len());
            for (i, (tx, ra)) in txs.iter().zip(&receipts).enumerate() {
                if clear_before[i] {
                    b.clear_caches();
                }
                let rb = must(b.execute(tx, block), "execute");
                assert_eq!(
                    ra.to_bytes(),
                    rb.to_bytes(),
                    "transaction {i} of block {} differs:\n{tx:?}\nA: {ra:?}\nB: {rb:?}",
                    block.height
                );
                exec::check_receipt(ra, gas_limit(tx), None);
                if exec::debug() {
                    let what = match tx {
                        Transaction::Deploy(d) => {
                            format!("block {} deploy ({} bytes)", block.height, d.code.len())
                        }
                        Transaction::Call(c) => {
                            format!("block {} call {}", block.height, c.call.function)
                        }
                    };
                    exec::trace(&what, ra);
                }
                if let (Some(address), Transaction::Deploy(d)) = (ra.deployed, tx) {
                    let ex = compiled()
                        .iter()
                        .position(|c| c.wasm == d.code)
                        .expect("deploys are of examples");
                    world.add(address, ex);
                }
            }
            // What the committed state says of the authors' nonces.
            for author in AUTHORS {
                let nonce = must(a.account(&author), "reading an account").map_or(0, |a| a.nonce);
                world.nonces.insert(author, nonce);
            }
        }
        for address in &world.targets {
            let on_a = must(a.account(address), "reading an account on A");
            let on_b = must(b.account(address), "reading an account on B");
            assert_eq!(on_a, on_b, "account {address} differs");
        }
    });
});
