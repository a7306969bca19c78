//! `strata demo`: the bundled counter, then the map token, in a fresh
//! temporary store.

use std::io::Write;
use std::sync::Arc;

use strata_runtime::{
    Address, Arg, BlockContext, CallTx, DeployTx, FunctionCall, Receipt, Runtime, Transaction,
};

use crate::output::escape;
use crate::{Done, Fatal, Store};

const COUNTER: &str = include_str!("../../examples/counter.wat");
const MAP_TOKEN: &str = include_str!("../../examples/map_token.wat");

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
    let token = token_demo(&rt, out, json)?;
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
                "token": token,
                })
            )
        })?;
    }
    Ok(Done::Ok)
}

/// A call of the token by `sender` with an i64 amount and address input.
fn token_call(
    rt: &Runtime<Store>,
    token: Address,
    sender: Address,
    f: &str,
    amount: Option<i64>,
    input: Vec<u8>,
) -> Result<Receipt, Fatal> {
    let tx = CallTx {
        contract: token,
        sender,
        call: FunctionCall {
            function: f.into(),
            args: amount.map(Arg::I64).into_iter().collect(),
        },
        input,
        gas_limit: 1_000_000,
    };
    let r = rt.execute(&Transaction::Call(tx), BlockContext { height: 2, time: 0 })?;
    Ok(r)
}

/// The i64 a read-only call of the token returns.
fn token_query(rt: &Runtime<Store>, token: Address, f: &str, input: Vec<u8>) -> Result<i64, Fatal> {
    let tx = CallTx {
        contract: token,
        sender: Address([2; 20]),
        call: FunctionCall {
            function: f.into(),
            args: Vec::new(),
        },
        input,
        gas_limit: 1_000_000,
    };
    let r = rt.query(&tx, BlockContext { height: 2, time: 0 })?;
    match r.returns.first() {
        Some(Arg::I64(v)) => Ok(*v),
        _ => Err(Fatal::msg(format!("token {f} failed: {:?}", r.error))),
    }
}

/// Part two: `examples/map_token.wat`, whose balances and allowances are
/// maps. Returns what `--json` shows of it.
fn token_demo(
    rt: &Runtime<Store>,
    out: &mut dyn Write,
    json: bool,
) -> Result<serde_json::Value, Fatal> {
    let code =
        wat::parse_str(MAP_TOKEN).map_err(|e| Fatal::msg(format!("bundled example: {e}")))?;
    let owner = Address([1; 20]);
    let deploy = DeployTx {
        author: owner,
        nonce: None,
        name: Some("map token".into()),
        page_count: 1,
        banks: None,
        code,
        ctor: Some(FunctionCall {
            function: "init".into(),
            args: Vec::new(),
        }),
        balance: 0,
        gas_limit: 10_000_000,
    };
    let r = rt.execute(
        &Transaction::Deploy(deploy),
        BlockContext { height: 2, time: 0 },
    )?;
    let token = r
        .deployed
        .ok_or_else(|| Fatal::msg(format!("token deploy failed: {:?}", r.error)))?;
    say(
        out,
        json,
        &format!("5. Deployed examples/map_token.wat at {token}: an ERC-20-style token whose"),
    )?;
    say(
        out,
        json,
        "   balances and allowances are maps (strata.map_*), so holders are unbounded.",
    )?;
    let (alice, bob, carol) = (
        Address([0xA1; 20]),
        Address([0xB2; 20]),
        Address([0xC3; 20]),
    );
    let mut gas = Vec::new();
    let mut events = 0;
    for (sender, f, amount, input) in [
        (owner, "mint", 1000, alice.0.to_vec()),
        (alice, "transfer", 300, bob.0.to_vec()),
        (alice, "approve", 100, carol.0.to_vec()),
        (carol, "transfer_from", 60, [alice.0, bob.0].concat()),
    ] {
        let r = token_call(rt, token, sender, f, Some(amount), input)?;
        if let Some(e) = &r.error {
            return Err(Fatal::msg(format!("token {f} failed: {e}")));
        }
        events += r.events.len();
        gas.push((f, r.gas_used));
        say(out, json, &format!("   {f} {amount} -> gas {}", r.gas_used))?;
    }
    let refused = token_call(rt, token, bob, "transfer", Some(10_000), carol.0.to_vec())?;
    let balances = [
        token_query(rt, token, "balance_of", alice.0.to_vec())?,
        token_query(rt, token, "balance_of", bob.0.to_vec())?,
        token_query(rt, token, "balance_of", carol.0.to_vec())?,
    ];
    let allowance = token_query(rt, token, "allowance", [alice.0, carol.0].concat())?;
    say(
        out,
        json,
        &format!(
            "   balances alice {} bob {} carol {}, allowance alice->carol {allowance}, {events} events;",
            balances[0], balances[1], balances[2]
        ),
    )?;
    say(
        out,
        json,
        &format!(
            "   an overdraft -> {}",
            refused
                .error
                .as_ref()
                .map(|e| escape(&e.to_string()).into_owned())
                .unwrap_or_else(|| "succeeded?".into())
        ),
    )?;
    let maps = rt
        .account(&token)?
        .map(|a| a.maps.len())
        .unwrap_or_default();
    say(
        out,
        json,
        &format!(
            "   Its account record lists {maps} map roots; the contract's state root covers every entry.\n"
        ),
    )?;
    Ok(serde_json::json!({
        "contract": token.to_hex(),
        "balances": balances,
        "allowance": allowance,
        "events": events,
        "gas": gas.iter().map(|(f, g)| serde_json::json!({"call": f, "gas": g})).collect::<Vec<_>>(),
    }))
}
