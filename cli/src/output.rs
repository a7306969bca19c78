//! Printing receipts and accounts, for people and as JSON.
//!
//! Every function writes to the writer it is given and returns the write's
//! error (a closed pipe, a full disk), so that nothing here can panic.
//! Text that a contract or a deployer chose (abort messages, logs, names)
//! goes through [`escape`] in the human form; JSON is left to serde_json,
//! which escapes control characters itself.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;
use strata_primitives::hex;
use strata_runtime::{
    Account, Address, Arg, CodeHash, EventIndexInfo, Head, IndexedEvent, PruneReport, Receipt,
    RetainedBlock, Retention, RetentionInfo,
};

/// Whether `c` must not reach a terminal as is: C0 controls (newline, tab,
/// escape...), DEL, C1 controls, the line and paragraph separators, and the
/// Unicode bidirectional controls (which can make text read in another
/// order than it is stored).
fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// `text` with every character that could move the cursor, change colours,
/// start a new line or reorder text replaced by a visible escape: `\n`,
/// `\r`, `\t`, `\xNN` for the other C0 controls and DEL, `\u{NN}` for C1
/// and Unicode controls. Everything else (other non-ASCII text included)
/// is kept.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
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
    /// The registers `call --show-reg` asked for, as `"bits:idx": hex`.
    #[serde(skip_serializing_if = "Option::is_none")]
    registers: Option<BTreeMap<String, String>>,
}

/// Registers read after a call: ((bank width, index), bytes).
pub type ShownRegisters = [((u32, u32), Vec<u8>)];

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
pub fn print_receipt(out: &mut dyn Write, r: &Receipt, json: bool) -> io::Result<()> {
    print_receipt_with(out, r, None, json)
}

/// Prints a receipt and the registers `--show-reg` asked for (`None`: none
/// were asked for; in JSON the `registers` field is then left out).
pub fn print_receipt_with(
    out: &mut dyn Write,
    r: &Receipt,
    registers: Option<&ShownRegisters>,
    json: bool,
) -> io::Result<()> {
    if json {
        let json_receipt = JsonReceipt {
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
            registers: registers.map(|regs| {
                regs.iter()
                    .map(|((bits, idx), bytes)| (format!("{bits}:{idx}"), hex::encode(bytes)))
                    .collect()
            }),
        };
        return writeln!(out, "{}", to_json(&json_receipt));
    }
    match &r.error {
        None => writeln!(out, "status       success")?,
        Some(e) => writeln!(
            out,
            "status       FAILED ({}): {}",
            e.kind.name(),
            escape(&e.message)
        )?,
    }
    if let Some(a) = r.deployed {
        writeln!(out, "deployed     {a}")?;
    }
    if !r.returns.is_empty() {
        let values: Vec<String> = r.returns.iter().map(Arg::to_string).collect();
        writeln!(out, "returns      {}", values.join(" "))?;
    }
    if !r.return_data.is_empty() {
        writeln!(out, "return data  {}", hex::encode(&r.return_data))?;
    }
    writeln!(out, "gas used     {}", r.gas_used)?;
    for (a, root) in &r.state_roots {
        writeln!(out, "state root   {a} {root}")?;
    }
    for e in &r.events {
        let topics: Vec<String> = e.topics.iter().map(hex::encode).collect();
        writeln!(
            out,
            "event        {} topics [{}] data {}",
            e.contract,
            topics.join(", "),
            hex::encode(&e.data)
        )?;
    }
    for l in &r.logs {
        writeln!(out, "log          {}", escape(l))?;
    }
    for ((bits, idx), bytes) in registers.unwrap_or_default() {
        writeln!(out, "register     {bits}:{idx} {}", hex::encode(bytes))?;
    }
    if r.error.is_some() {
        writeln!(out, "(nothing was changed)")?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonDeployed {
    address: String,
    /// The hash of the stored code, which the address is made from.
    code_hash: String,
    /// The hash of the code as given, when deploy stored a rewritten module
    /// (an SVM-era module: imports of variants renamed, `memory` exported).
    #[serde(skip_serializing_if = "Option::is_none")]
    source_code_hash: Option<String>,
    state_root: String,
}

/// Prints a deployed contract's address (or JSON).
/// `source` is the hash of the code as given: printed too when it differs
/// from the stored code's.
pub fn print_deployed(
    out: &mut dyn Write,
    address: &Address,
    account: &Account,
    source: &CodeHash,
    json: bool,
) -> io::Result<()> {
    if json {
        writeln!(
            out,
            "{}",
            to_json(&JsonDeployed {
                address: address.to_hex(),
                code_hash: account.code_hash.map(|h| h.to_hex()).unwrap_or_default(),
                source_code_hash: (account.code_hash.as_ref() != Some(source))
                    .then(|| source.to_hex()),
                state_root: account.state_root.to_hex(),
            })
        )
    } else {
        writeln!(out, "{address}")
    }
}

#[derive(Serialize)]
struct JsonState {
    state_root: String,
    page_count: u32,
    code_hash: Option<String>,
    balance: u128,
    nonce: u64,
    /// The latest block that changed the store, and the root over every
    /// account after it.
    block: Option<JsonHead>,
}

#[derive(Serialize)]
struct JsonHead {
    height: u64,
    state_root: String,
}

/// Prints an account.
pub fn print_state(
    out: &mut dyn Write,
    a: &Account,
    head: Option<&Head>,
    json: bool,
) -> io::Result<()> {
    if json {
        return writeln!(
            out,
            "{}",
            to_json(&JsonState {
                state_root: a.state_root.to_hex(),
                page_count: a.page_count,
                code_hash: a.code_hash.map(|h| h.to_hex()),
                balance: a.balance,
                nonce: a.nonce,
                block: head.map(|h| JsonHead {
                    height: h.height,
                    state_root: hex::encode(h.state_root),
                }),
            })
        );
    }
    if let Some(h) = head {
        writeln!(out, "block        {}", h.height)?;
        writeln!(out, "block root   {}", hex::encode(h.state_root))?;
    }
    writeln!(out, "state root   {}", a.state_root)?;
    writeln!(out, "page count   {}", a.page_count)?;
    match a.code_hash {
        Some(h) => writeln!(out, "code hash    {h}")?,
        None => writeln!(out, "code hash    (none: not a contract)")?,
    }
    writeln!(out, "balance      {}", a.balance)?;
    writeln!(out, "nonce        {}", a.nonce)?;
    if let Some(name) = &a.name {
        writeln!(out, "name         {}", escape(name))?;
    }
    Ok(())
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
pub fn print_slice(
    out: &mut dyn Write,
    address: &Address,
    page: u32,
    offset: u32,
    bytes: &[u8],
    json: bool,
) -> io::Result<()> {
    if json {
        writeln!(
            out,
            "{}",
            to_json(&JsonSlice {
                address: address.to_hex(),
                page,
                offset,
                len: bytes.len(),
                hex: hex::encode(bytes),
            })
        )
    } else {
        writeln!(out, "{}", hex::encode(bytes))
    }
}

#[derive(Serialize)]
struct JsonIndexedEvent {
    height: u64,
    tx_index: u32,
    event_index: u32,
    topics: Vec<String>,
    data: String,
}

#[derive(Serialize)]
struct JsonEvents {
    contract: String,
    from_block: u64,
    events: Vec<JsonIndexedEvent>,
}

/// Prints the events the index keeps for `contract`: one line each (block,
/// transaction, position, topics and data in hex), or a JSON object.
pub fn print_events(
    out: &mut dyn Write,
    contract: &Address,
    from_block: u64,
    events: &[IndexedEvent],
    json: bool,
) -> io::Result<()> {
    if json {
        let doc = JsonEvents {
            contract: contract.to_hex(),
            from_block,
            events: events
                .iter()
                .map(|e| JsonIndexedEvent {
                    height: e.height,
                    tx_index: e.tx_index,
                    event_index: e.event_index,
                    topics: e.topics.iter().map(hex::encode).collect(),
                    data: hex::encode(&e.data),
                })
                .collect(),
        };
        return writeln!(out, "{}", to_json(&doc));
    }
    if events.is_empty() {
        return writeln!(
            out,
            "(no events of {contract} kept from block {from_block})"
        );
    }
    for e in events {
        let topics: Vec<String> = e.topics.iter().map(hex::encode).collect();
        writeln!(
            out,
            "block {} tx {} event {} topics [{}] data {}",
            e.height,
            e.tx_index,
            e.event_index,
            topics.join(", "),
            hex::encode(&e.data)
        )?;
    }
    Ok(())
}

/// The size of a store, when it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreSize {
    /// The bytes of its files.
    Bytes(u64),
    /// Unknown, and why.
    Unknown(&'static str),
}

#[derive(Serialize)]
struct JsonEventIndex {
    /// Blocks a block's events are kept; `null`: forever.
    retention_blocks: Option<u64>,
    events: u64,
    oldest_block: Option<u64>,
    newest_block: Option<u64>,
    expired_below: u64,
}

#[derive(Serialize)]
struct JsonInfo {
    block: Option<JsonHead>,
    state_retention: JsonRetention,
    event_index: JsonEventIndex,
    /// `null` when the store cannot tell.
    store_bytes: Option<u64>,
}

/// The state retention, as `info --json` and `prune --json` print it.
#[derive(Serialize)]
struct JsonRetention {
    /// `null`: archive (every block's state is kept).
    keep_blocks: Option<u64>,
    /// Whether the store counts references (and so can prune).
    counting: bool,
    retained_blocks: u64,
    oldest_retained: Option<JsonBlock>,
    pruned_blocks: u64,
}

#[derive(Serialize)]
struct JsonBlock {
    number: u64,
    height: u64,
    state_root: String,
}

impl From<&RetentionInfo> for JsonRetention {
    fn from(r: &RetentionInfo) -> Self {
        JsonRetention {
            keep_blocks: match r.retention {
                Retention::Archive => None,
                Retention::Blocks(n) => Some(n.get()),
            },
            counting: r.counting,
            retained_blocks: retained(r),
            oldest_retained: r.oldest.as_ref().map(json_block),
            pruned_blocks: r.pruned,
        }
    }
}

fn json_block(b: &RetainedBlock) -> JsonBlock {
    JsonBlock {
        number: b.number,
        height: b.height,
        state_root: hex::encode(b.state_root),
    }
}

/// How many blocks a store retains.
fn retained(r: &RetentionInfo) -> u64 {
    match (r.oldest, r.newest) {
        (Some(o), Some(n)) => n.number - o.number + 1,
        _ => 0,
    }
}

fn print_retention(out: &mut dyn Write, r: &RetentionInfo) -> io::Result<()> {
    match r.retention {
        Retention::Archive => writeln!(out, "state kept   every block (archive)")?,
        Retention::Blocks(n) => writeln!(out, "state kept   the last {n} blocks")?,
    }
    if !r.counting {
        return writeln!(
            out,
            "retained     every block so far (the store has never pruned)"
        );
    }
    match r.oldest {
        Some(o) => writeln!(
            out,
            "retained     {} blocks, the oldest at height {} (root {})",
            retained(r),
            o.height,
            hex::encode(o.state_root)
        )?,
        None => writeln!(out, "retained     no block yet")?,
    }
    writeln!(out, "pruned       {} blocks", r.pruned)
}

/// Prints what `prune` did, and what the store retains now.
pub fn print_prune(
    out: &mut dyn Write,
    report: &PruneReport,
    retention: &RetentionInfo,
    json: bool,
) -> io::Result<()> {
    if json {
        #[derive(Serialize)]
        struct Doc {
            blocks_pruned: u64,
            records_deleted: u64,
            state_retention: JsonRetention,
        }
        let doc = Doc {
            blocks_pruned: report.blocks_pruned,
            records_deleted: report.records_deleted,
            state_retention: retention.into(),
        };
        return writeln!(out, "{}", to_json(&doc));
    }
    writeln!(
        out,
        "pruned {} blocks, deleted {} records",
        report.blocks_pruned, report.records_deleted
    )?;
    print_retention(out, retention)
}

/// Prints the store's facts: the head, the state retention, the event
/// index, the size.
pub fn print_info(
    out: &mut dyn Write,
    head: Option<&Head>,
    state: &RetentionInfo,
    events: &EventIndexInfo,
    size: &StoreSize,
    json: bool,
) -> io::Result<()> {
    if json {
        let doc = JsonInfo {
            block: head.map(|h| JsonHead {
                height: h.height,
                state_root: hex::encode(h.state_root),
            }),
            state_retention: state.into(),
            event_index: JsonEventIndex {
                retention_blocks: events.retention_blocks,
                events: events.events,
                oldest_block: events.oldest,
                newest_block: events.newest,
                expired_below: events.expired_below,
            },
            store_bytes: match size {
                StoreSize::Bytes(n) => Some(*n),
                StoreSize::Unknown(_) => None,
            },
        };
        return writeln!(out, "{}", to_json(&doc));
    }
    match head {
        Some(h) => {
            writeln!(out, "block        {}", h.height)?;
            writeln!(out, "block root   {}", hex::encode(h.state_root))?;
        }
        None => writeln!(out, "block        (none yet)")?,
    }
    print_retention(out, state)?;
    match events.retention_blocks {
        None => writeln!(out, "retention    forever (events never expire)")?,
        Some(0) => writeln!(out, "retention    0 blocks (events are not indexed)")?,
        Some(n) => writeln!(out, "retention    {n} blocks")?,
    }
    writeln!(out, "events kept  {}", events.events)?;
    match (events.oldest, events.newest) {
        (Some(oldest), Some(newest)) => {
            writeln!(out, "oldest event block {oldest}")?;
            writeln!(out, "newest event block {newest}")?;
        }
        _ => writeln!(out, "oldest event (none kept)")?,
    }
    if events.expired_below > 0 {
        writeln!(
            out,
            "expired      the events of blocks below {}",
            events.expired_below
        )?;
    }
    match size {
        StoreSize::Bytes(n) => writeln!(out, "store size   {n} bytes"),
        StoreSize::Unknown(why) => writeln!(out, "store size   unknown ({why})"),
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn controls_are_escaped_and_the_rest_is_kept() {
        assert_eq!(escape("plain text, ünïcödé"), "plain text, ünïcödé");
        assert!(matches!(escape("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            escape("a\nb\r\tc\x1b[32md\x7f\x00"),
            "a\\nb\\r\\tc\\x1b[32md\\x7f\\x00"
        );
        assert_eq!(escape("\u{85}\u{9b}"), "\\u{85}\\u{9b}");
        assert_eq!(
            escape("\u{202e}evil\u{2066}\u{2028}"),
            "\\u{202e}evil\\u{2066}\\u{2028}"
        );
        for c in (0u32..0x20).chain(0x7f..0xa0) {
            let c = char::from_u32(c).unwrap();
            let e = escape(&c.to_string()).into_owned();
            assert!(
                e.starts_with('\\') && e.chars().all(|c| c.is_ascii_graphic()),
                "{c:?} -> {e:?}"
            );
        }
    }
}
