//! `strata demo`: the bundled counter in a fresh temporary store.

use std::io::Write;
use std::sync::Arc;

use strata_runtime::{
    Address, Arg, BlockContext, CallTx, DeployTx, FunctionCall, Receipt, Runtime, Transaction,
};

use crate::output::escape;
use crate::{Done, Fatal, Store};

const COUNTER: &str = include_str!("../../examples/counter.wat");

fn open_temp() -> Result<(Store, tempfile::TempDir, &'static str), Fatal> {
    let dir = tempfile::tempdir()
        .map_err(|e| Fatal::msg(format!("cannot create a temporary directory: {e}")))?;
    #[cfg(feature = "rocksdb")]
    {
        let kv = strata_kv::RocksKv::open(dir.path())?;
        Ok((Arc::new(kv), dir, "an embedded RocksDB store"))
    }
    #[cfg(not(feature = "rocksdb"))]
    {
        Ok((Arc::new(strata_kv::MemKv::new()), dir, "an in-memory store"))
    }
}

fn call(rt: &Runtime<Store>, c: Address, f: &str, args: Vec<Arg>) -> Result<Receipt, Fatal> {
    let tx = CallTx {
        contract: c,
        sender: Address([2; 20]),
        call: FunctionCall {
            function: f.into(),
            args,
        },
        input: Vec::new(),
        gas_limit: 1_000_000,
    };
    Ok(rt.execute(&Transaction::Call(tx), BlockContext { height: 1, time: 0 })?)
}

/// Prints one paragraph of the explanation (none with `--json`).
fn say(out: &mut dyn Write, json: bool, text: &str) -> Result<(), Fatal> {
    if json {
        return Ok(());
    }
    crate::print(out, Done::Ok, |out| writeln!(out, "{text}")).map(|_| ())
}

/// Runs the demo, printing to `out`.
pub fn run(json: bool, out: &mut dyn Write) -> Result<Done, Fatal> {
    let (store, dir, kind) = open_temp()?;
    let rt = crate::runtime(store)?;
    say(
        out,
        json,
        &format!(
            "Strata demo: a counter contract in {kind} at {}\n",
            dir.path().display()
        ),
    )?;

    let code = wat::parse_str(COUNTER).map_err(|e| Fatal::msg(format!("bundled example: {e}")))?;
    let deploy = DeployTx {
        author: Address([1; 20]),
        nonce: None,
        name: Some("counter".into()),
        page_count: 1,
        banks: None,
        code,
        ctor: None,
        balance: 0,
        gas_limit: 10_000_000,
    };
    let r = rt.execute(
        &Transaction::Deploy(deploy),
        BlockContext { height: 1, time: 0 },
    )?;
    let c = r
        .deployed
        .ok_or_else(|| Fatal::msg(format!("deploy failed: {:?}", r.error)))?;
    say(
        out,
        json,
        &format!("1. Deployed examples/counter.wat at {c}."),
    )?;
    say(
        out,
        json,
        "   Its code was validated once, completely, before anything was stored.\n",
    )?;

    let mut values = Vec::new();
    for _ in 0..3 {
        let r = call(&rt, c, "inc", vec![])?;
        values.push(r.returns.first().copied());
        say(
            out,
            json,
            &format!(
                "2. inc -> {}  gas {}  new state root {}",
                r.returns.first().map(Arg::to_string).unwrap_or_default(),
                r.gas_used,
                r.state_roots
                    .first()
                    .map(|(_, root)| root.to_hex()[..16].to_string())
                    .unwrap_or_default()
            ),
        )?;
    }
    say(
        out,
        json,
        "   Each call committed its page writes and new root in one atomic batch.\n",
    )?;

    let failed = call(&rt, c, "fail", vec![])?;
    let after = call(&rt, c, "get", vec![])?;
    say(
        out,
        json,
        &format!(
            "3. fail -> {}",
            failed
                .error
                .as_ref()
                .map(|e| escape(&e.to_string()).into_owned())
                .unwrap_or_else(|| "succeeded?".into())
        ),
    )?;
    say(
        out,
        json,
        &format!(
            "   It wrote -1 before trapping, yet get -> {}: a failed transaction changes nothing.\n",
            after
                .returns
                .first()
                .map(Arg::to_string)
                .unwrap_or_default()
        ),
    )?;

    let spin = call(&rt, c, "add", vec![Arg::I64(39)])?;
    say(
        out,
        json,
        &format!(
            "4. add i64:39 -> {}. Gas is wasm fuel plus host-function and page costs,",
            spin.returns.first().map(Arg::to_string).unwrap_or_default()
        ),
    )?;
    say(
        out,
        json,
        "   the same on every node, cache warm or cold, RocksDB or memory.\n",
    )?;
    say(
        out,
        json,
        "Try it yourself: strata deploy examples/counter.wat, then strata call ADDRESS inc.",
    )?;
    if json {
        crate::print(out, Done::Ok, |out| {
            writeln!(
                out,
                "{}",
                serde_json::json!({
                "contract": c.to_hex(),
                "increments": values.iter().map(|v| v.map(|a| a.to_string())).collect::<Vec<_>>(),
                "failed_call_error": failed.error.map(|e| e.message),
                "final_value": after.returns.first().map(|a| a.to_string()),
                })
            )
        })?;
    }
    Ok(Done::Ok)
}
