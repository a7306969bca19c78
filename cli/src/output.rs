//! Printing receipts and accounts, for people and as JSON.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use strata_runtime::{Account, Address, Arg, Receipt};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences the printing functions (for script lines under a progress bar).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

#[derive(Serialize)]
struct JsonError<'a> {
    kind: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonEvent {
    contract: String,
    topics: Vec<String>,
    data: String,
}

#[derive(Serialize)]
struct JsonReceipt<'a> {
    success: bool,
    error: Option<JsonError<'a>>,
    returns: Vec<i64>,
    return_data: String,
    gas_used: u64,
    state_roots: BTreeMap<String, String>,
    events: Vec<JsonEvent>,
    logs: &'a [String],
}

fn arg_value(a: &Arg) -> i64 {
    match a {
        Arg::I32(v) => i64::from(*v),
        Arg::I64(v) => *v,
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Prints a receipt.
pub fn print_receipt(r: &Receipt, json: bool) {
    if quiet() {
        return;
    }
    if json {
        let out = JsonReceipt {
            success: r.success(),
            error: r.error.as_ref().map(|e| JsonError {
                kind: e.kind.name(),
                message: &e.message,
            }),
            returns: r.returns.iter().map(arg_value).collect(),
            return_data: hex::encode(&r.return_data),
            gas_used: r.gas_used,
            state_roots: r
                .state_roots
                .iter()
                .map(|(a, root)| (a.to_hex(), root.to_hex()))
                .collect(),
            events: r
                .events
                .iter()
                .map(|e| JsonEvent {
                    contract: e.contract.to_hex(),
                    topics: e.topics.iter().map(hex::encode).collect(),
                    data: hex::encode(&e.data),
                })
                .collect(),
            logs: &r.logs,
        };
        println!("{}", to_json(&out));
        return;
    }
    match &r.error {
        None => println!("status       success"),
        Some(e) => println!("status       FAILED ({}): {}", e.kind.name(), e.message),
    }
    if let Some(a) = r.deployed {
        println!("deployed     {a}");
    }
    if !r.returns.is_empty() {
        let values: Vec<String> = r.returns.iter().map(Arg::to_string).collect();
        println!("returns      {}", values.join(" "));
    }
    if !r.return_data.is_empty() {
        println!("return data  {}", hex::encode(&r.return_data));
    }
    println!("gas used     {}", r.gas_used);
    for (a, root) in &r.state_roots {
        println!("state root   {a} {root}");
    }
    for e in &r.events {
        let topics: Vec<String> = e.topics.iter().map(hex::encode).collect();
        println!(
            "event        {} topics [{}] data {}",
            e.contract,
            topics.join(", "),
            hex::encode(&e.data)
        );
    }
    for l in &r.logs {
        println!("log          {l}");
    }
    if r.error.is_some() {
        println!("(nothing was changed)");
    }
}

#[derive(Serialize)]
struct JsonDeployed {
    address: String,
    code_hash: String,
    state_root: String,
}

/// Prints a deployed contract's address (or JSON).
pub fn print_deployed(address: &Address, account: &Account, json: bool) {
    if quiet() {
        return;
    }
    if json {
        println!(
            "{}",
            to_json(&JsonDeployed {
                address: address.to_hex(),
                code_hash: account.code_hash.map(|h| h.to_hex()).unwrap_or_default(),
                state_root: account.state_root.to_hex(),
            })
        );
    } else {
        println!("{address}");
    }
}

#[derive(Serialize)]
struct JsonState {
    state_root: String,
    page_count: u32,
    code_hash: Option<String>,
    balance: u128,
    nonce: u64,
}

/// Prints an account.
pub fn print_state(a: &Account, json: bool) {
    if quiet() {
        return;
    }
    if json {
        println!(
            "{}",
            to_json(&JsonState {
                state_root: a.state_root.to_hex(),
                page_count: a.page_count,
                code_hash: a.code_hash.map(|h| h.to_hex()),
                balance: a.balance,
                nonce: a.nonce,
            })
        );
        return;
    }
    println!("state root   {}", a.state_root);
    println!("page count   {}", a.page_count);
    match a.code_hash {
        Some(h) => println!("code hash    {h}"),
        None => println!("code hash    (none: not a contract)"),
    }
    println!("balance      {}", a.balance);
    println!("nonce        {}", a.nonce);
    if let Some(name) = &a.name {
        println!("name         {name}");
    }
}

#[derive(Serialize)]
struct JsonSlice {
    address: String,
    page: u32,
    offset: u32,
    len: usize,
    hex: String,
}

/// Prints a slice's bytes.
pub fn print_slice(address: &Address, page: u32, offset: u32, bytes: &[u8], json: bool) {
    if quiet() {
        return;
    }
    if json {
        println!(
            "{}",
            to_json(&JsonSlice {
                address: address.to_hex(),
                page,
                offset,
                len: bytes.len(),
                hex: hex::encode(bytes),
            })
        );
    } else {
        println!("{}", hex::encode(bytes));
    }
}
