//! Calls host functions with arbitrary arguments from a generated contract.
//!
//! Input: a `HostCallHeader` (page count, balance, input length, whether to
//! query too), then `HostCall`s (a host function, modulo the table's
//! length, and six `FuzzArg`s, reused in turn past the sixth) until the input ends, at most 48. The target
//! deploys the counter example (a callee for `strata.call`), then a contract
//! built from the host function table (`contracts::host_call_contract`: it
//! imports every host function, has one page of memory holding the
//! counter's address, function names, an amount and a message at fixed
//! offsets, and exports `run`, which makes the calls in order with the
//! arguments as constants), and runs `run` with 100,000 gas.
//!
//! Checks: the generated contract always deploys; `run` gives a receipt
//! (whatever the arguments: out-of-range pointers, lengths, pages,
//! registers, addresses become errors), never an `Err` or a panic; the
//! receipt is well-formed (`exec::check_receipt`); as a query it changes
//! nothing.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use strata_fuzz::contracts::{PlannedCall, compiled, host_call_contract, host_functions};
use strata_fuzz::exec::{self, CALL_GAS};
use strata_fuzz::input::{HostCall, HostCallHeader, read_all};
use strata_host_fns::Address;
use strata_runtime::Transaction;

const AUTHOR: Address = Address([0xa1; 20]);

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    exec::on_big_stack(move || {
        let mut u = Unstructured::new(&data);
        let Ok(header) = HostCallHeader::arbitrary(&mut u) else {
            return;
        };
        let hosts = host_functions();
        let calls: Vec<PlannedCall> = read_all::<HostCall>(&mut u, 48)
            .into_iter()
            .map(|c| {
                let function = usize::from(c.function) % hosts.len();
                // Six generated arguments, reused in turn for functions
                // that take more (`map_get_path` takes seven).
                let args = (0..hosts[function].params.len())
                    .map(|i| c.args[i % c.args.len()].value())
                    .collect();
                PlannedCall { function, args }
            })
            .collect();

        let rt = exec::runtime();
        let counter_code = compiled()[0].wasm.clone();
        let gas = exec::deploy_gas(&rt, counter_code.len(), 0);
        let receipt = exec::execute(
            &rt,
            &Transaction::Deploy(exec::deploy_tx(AUTHOR, counter_code, 1, gas)),
        );
        let counter = receipt.deployed.expect("the counter deploys");

        let code = host_call_contract(&counter, &AUTHOR, &calls);
        exec::dump(&code);
        let gas = exec::deploy_gas(&rt, code.len(), 0);
        let mut deploy = exec::deploy_tx(AUTHOR, code, 1 + u32::from(header.pages % 4), gas);
        deploy.balance = header.balance.into();
        let receipt = exec::execute(&rt, &Transaction::Deploy(deploy));
        let Some(contract) = receipt.deployed else {
            panic!("the generated contract was refused: {receipt:?}");
        };

        let mut input: Vec<u8> = counter.0.to_vec();
        input.extend_from_slice(b"inc");
        input.extend(0..=255u8);
        input.truncate(usize::from(header.input_len));
        let call = exec::call_tx(contract, "run", Vec::new(), input, CALL_GAS);
        let receipt = exec::execute(&rt, &Transaction::Call(call.clone()));
        exec::check_receipt(&receipt, CALL_GAS, None);
        exec::trace(&format!("run ({} host calls)", calls.len()), &receipt);
        if header.query {
            let before = exec::must(rt.account(&contract), "reading an account");
            let receipt = exec::must(rt.query(&call, exec::BLOCK), "query");
            exec::check_receipt(&receipt, CALL_GAS, None);
            let after = exec::must(rt.account(&contract), "reading an account");
            assert_eq!(before, after, "a query changed the contract's account");
        }
    });
});
