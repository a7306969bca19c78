use std::fmt;

use parity_scale_codec::{Decode, DecodeAll, Encode};
use strata_host_fns::{Address, Event};
use strata_pages::{Hash32, StateRoot};
use strata_registers::BankSpec;

use crate::RuntimeError;

/// The hash of a contract's code (defined in `strata-primitives`).
pub use strata_primitives::CodeHash;

/// An account: a contract (with code and storage) or a plain account (an
/// author or a recipient of transfers: balance and nonce only).
///
/// Its SCALE encoding is that of its fields in order, except that the map
/// list ([`maps`](Self::maps)) is encoded only when it is not empty, as the
/// tail of the record: an account without maps keeps the record it had
/// before maps existed. So an `Account` is decoded from exactly its own
/// bytes (`decode_all`, as [`from_record`](Self::from_record) does), never
/// from the middle of a longer input.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Account {
    /// The contract's code, or `None` for a plain account.
    pub code_hash: Option<CodeHash>,
    /// The contract's page count (0 for a plain account).
    pub page_count: u32,
    /// The contract's register banks.
    pub banks: Vec<BankSpec>,
    /// The root of the contract's storage.
    pub state_root: StateRoot,
    /// The root of the contract's page tree, which with the page count makes
    /// `state_root` (`strata_pages::tree::state_root`). Storage opens from
    /// it, so commits write no separate root record (see
    /// `strata_pages::PageCacheConfig::root_records`); it is checked against
    /// `state_root` whenever it is used.
    pub tree_root: Hash32,
    /// The balance.
    pub balance: u128,
    /// For an author: how many contracts it deployed. Contracts keep 0.
    pub nonce: u64,
    /// An optional human-readable name given at deploy.
    pub name: Option<String>,
    /// The contract's top-level maps: every slice that the map functions
    /// used and that holds the root of a non-empty stored map, with that
    /// root, sorted by page and offset (updated when a transaction commits).
    /// The state root covers the maps through the pages already; this list
    /// is how a pruner finds every live map record from the account record
    /// alone (each root's records name their children:
    /// `strata_maps::children`).
    pub maps: Vec<MapRoot>,
}

/// A top-level map of a contract: the slice holding its root, and the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MapRoot {
    /// The page of the root's slice.
    pub page: u32,
    /// The offset of the root's 32-byte slice in the page.
    pub offset: u32,
    /// The map's root (never the empty root).
    pub root: Hash32,
}

impl Encode for Account {
    fn size_hint(&self) -> usize {
        self.code_hash.size_hint()
            + 4
            + self.banks.size_hint()
            + 32
            + 32
            + 16
            + 8
            + self.name.size_hint()
            + if self.maps.is_empty() {
                0
            } else {
                self.maps.size_hint()
            }
    }

    fn encode_to<T: parity_scale_codec::Output + ?Sized>(&self, dest: &mut T) {
        self.code_hash.encode_to(dest);
        self.page_count.encode_to(dest);
        self.banks.encode_to(dest);
        self.state_root.encode_to(dest);
        self.tree_root.encode_to(dest);
        self.balance.encode_to(dest);
        self.nonce.encode_to(dest);
        self.name.encode_to(dest);
        if !self.maps.is_empty() {
            self.maps.encode_to(dest);
        }
    }
}

impl Decode for Account {
    fn decode<I: parity_scale_codec::Input>(
        input: &mut I,
    ) -> Result<Self, parity_scale_codec::Error> {
        let mut account = Account {
            code_hash: Decode::decode(input)?,
            page_count: Decode::decode(input)?,
            banks: Decode::decode(input)?,
            state_root: Decode::decode(input)?,
            tree_root: Decode::decode(input)?,
            balance: Decode::decode(input)?,
            nonce: Decode::decode(input)?,
            name: Decode::decode(input)?,
            maps: Vec::new(),
        };
        if input.remaining_len()?.unwrap_or(0) > 0 {
            account.maps = Decode::decode(input)?;
            if account.maps.is_empty() {
                // One encoding per account: an empty list is left out.
                return Err("an empty map list is encoded".into());
            }
        }
        Ok(account)
    }
}

impl Account {
    /// Whether the account holds a contract.
    pub fn is_contract(&self) -> bool {
        self.code_hash.is_some()
    }

    /// The record stored for this account at `address`: its SCALE encoding,
    /// then a CRC-32 (little-endian) of the address and the encoding, so
    /// that a flipped byte, a truncated record or a record copied under
    /// another key is found on the next read (see
    /// [`from_record`](Self::from_record)).
    pub fn to_record(&self, address: &Address) -> Vec<u8> {
        let mut record = Vec::with_capacity(self.size_hint() + RECORD_CHECKSUM);
        self.encode_to(&mut record);
        let crc = record_checksum(address, &record);
        record.extend_from_slice(&crc.to_le_bytes());
        record
    }

    /// Decodes the record of the account at `address`: the checksum must
    /// match and the encoding must be exact (no trailing bytes). Anything
    /// else is corruption of the store, reported with the record's key.
    pub fn from_record(address: &Address, record: &[u8]) -> Result<Account, RuntimeError> {
        let corrupt = |detail: String| RuntimeError::Corrupt {
            what: "account",
            key: address.to_hex(),
            detail,
        };
        let Some(split) = record.len().checked_sub(RECORD_CHECKSUM) else {
            return Err(corrupt(format!(
                "{} bytes is too short for an account record",
                record.len()
            )));
        };
        let (body, crc) = record.split_at(split);
        let mut stored = [0u8; RECORD_CHECKSUM];
        stored.copy_from_slice(crc);
        if u32::from_le_bytes(stored) != record_checksum(address, body) {
            return Err(corrupt(
                "the checksum does not match: the record was damaged or written under \
                 another key"
                    .into(),
            ));
        }
        Account::decode_all(&mut &body[..]).map_err(|e| corrupt(format!("it does not decode: {e}")))
    }

    /// Decodes a record without its address: the body, ignoring the
    /// checksum. Only for records whose integrity is checked otherwise (a
    /// record stored by its hash, checked against the hash).
    pub(crate) fn from_record_unchecked(record: &[u8]) -> Result<Account, String> {
        let Some(split) = record.len().checked_sub(RECORD_CHECKSUM) else {
            return Err(format!(
                "{} bytes is too short for an account record",
                record.len()
            ));
        };
        Account::decode_all(&mut &record[..split]).map_err(|e| e.to_string())
    }

    /// Checks what the record itself cannot: that a contract's page count
    /// and tree root make its state root
    /// (`strata_pages::tree::state_root`), and that a plain account has no
    /// storage.
    pub fn validate(&self, address: &Address) -> Result<(), RuntimeError> {
        let corrupt = |detail: &str| RuntimeError::Corrupt {
            what: "account",
            key: address.to_hex(),
            detail: detail.into(),
        };
        if self.is_contract() {
            if strata_pages::tree::state_root(self.page_count, &self.tree_root) != self.state_root {
                return Err(corrupt(
                    "its page count and tree root do not make its state root",
                ));
            }
        } else if self.page_count != 0 || !self.banks.is_empty() || !self.maps.is_empty() {
            return Err(corrupt(
                "a plain account (no code) has storage, registers or maps",
            ));
        }
        // The map list: sorted, each root slice inside one of the pages, no
        // empty root.
        let in_pages = |m: &MapRoot| {
            m.page < self.page_count
                && m.offset.checked_add(32).is_some_and(|end| end <= 4096)
                && m.root != [0; 32]
        };
        if !self.maps.iter().all(in_pages)
            || self
                .maps
                .windows(2)
                .any(|w| (w[0].page, w[0].offset) >= (w[1].page, w[1].offset))
        {
            return Err(corrupt(
                "its map list is unsorted, repeats a slice, names a slice outside its pages or an empty root",
            ));
        }
        Ok(())
    }
}

/// The bytes of an account record's checksum.
const RECORD_CHECKSUM: usize = 4;

/// The checksum of the account record `body` stored under `address`.
fn record_checksum(address: &Address, body: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&address.0);
    h.update(body);
    h.finalize()
}

/// The address of a contract (defined in `strata-primitives`).
pub use strata_primitives::contract_address;

/// A scalar argument or result of an exported function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub enum Arg {
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::I32(v) => write!(f, "i32:{v}"),
            Arg::I64(v) => write!(f, "i64:{v}"),
        }
    }
}

impl std::str::FromStr for Arg {
    type Err = String;

    /// Parses `i32:N` or `i64:N`: decimal (may be negative) or hexadecimal
    /// with `0x` (the bit pattern, so `i32:0xffffffff` is -1; `-0x10` is
    /// -16).
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("argument {s:?}: expected i32:N or i64:N (decimal or 0x hex)");
        let (ty, n) = s.split_once(':').ok_or_else(bad)?;
        let (neg, digits) = match n.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, n),
        };
        let hex = digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"));
        let err = |e: std::num::ParseIntError| format!("{}: {e}", bad());
        if hex.is_some_and(|h| !h.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(bad());
        }
        match (ty, hex) {
            ("i32", None) => n.parse().map(Arg::I32).map_err(err),
            ("i64", None) => n.parse().map(Arg::I64).map_err(err),
            ("i32", Some(h)) if neg => i32::from_str_radix(&format!("-{h}"), 16)
                .map(Arg::I32)
                .map_err(err),
            ("i64", Some(h)) if neg => i64::from_str_radix(&format!("-{h}"), 16)
                .map(Arg::I64)
                .map_err(err),
            ("i32", Some(h)) => u32::from_str_radix(h, 16)
                .map(|v| Arg::I32(v as i32))
                .map_err(err),
            ("i64", Some(h)) => u64::from_str_radix(h, 16)
                .map(|v| Arg::I64(v as i64))
                .map_err(err),
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod arg_tests {
    use super::Arg;

    #[test]
    fn decimal_and_hex_arguments() {
        let ok = [
            ("i32:-7", Arg::I32(-7)),
            ("i64:42", Arg::I64(42)),
            ("i64:0x10", Arg::I64(16)),
            ("i32:0XfF", Arg::I32(255)),
            ("i32:0xffffffff", Arg::I32(-1)),
            ("i64:0x8000000000000000", Arg::I64(i64::MIN)),
            ("i64:-0x10", Arg::I64(-16)),
        ];
        for (s, want) in ok {
            assert_eq!(s.parse::<Arg>(), Ok(want), "{s}");
        }
        for s in [
            "i32:0x100000000",
            "i64:0x",
            "i64:0xg",
            "i64:--0x1",
            "i64:-0x-1",
            "i64:0x+1",
            "f32:0x1",
            "i64",
            "i32:-0x80000001",
        ] {
            let e = s.parse::<Arg>().unwrap_err();
            assert!(e.contains("expected i32:N or i64:N"), "{s}: {e}");
        }
    }
}

/// A function to run with its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct FunctionCall {
    /// The exported function's name.
    pub function: String,
    /// Its arguments, checked against its signature.
    pub args: Vec<Arg>,
}

/// Creates a contract.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct DeployTx {
    /// The deploying author.
    pub author: Address,
    /// The author's nonce this deploy must use (replay protection), or
    /// `None` to use the author's next nonce.
    pub nonce: Option<u64>,
    /// An optional name.
    pub name: Option<String>,
    /// The contract's page count.
    pub page_count: u32,
    /// Register banks, or `None` for the SVM defaults.
    pub banks: Option<Vec<BankSpec>>,
    /// The wasm binary.
    pub code: Vec<u8>,
    /// An optional constructor, run after creation; if it fails, nothing is
    /// created.
    pub ctor: Option<FunctionCall>,
    /// The contract's initial balance.
    pub balance: u128,
    /// Gas for the deploy (code bytes) and the constructor.
    pub gas_limit: u64,
}

/// Calls a contract's exported function.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct CallTx {
    /// The contract.
    pub contract: Address,
    /// The caller.
    pub sender: Address,
    /// The function and its scalar arguments.
    pub call: FunctionCall,
    /// Input bytes the contract reads with `strata.input_copy`.
    pub input: Vec<u8>,
    /// The gas limit.
    pub gas_limit: u64,
}

/// A transaction.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Transaction {
    /// Create a contract.
    Deploy(DeployTx),
    /// Call a contract.
    Call(CallTx),
}

impl Transaction {
    /// The SCALE encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decodes a SCALE-encoded transaction; trailing bytes are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, parity_scale_codec::Error> {
        Self::decode_all(&mut &bytes[..])
    }
}

/// The block a transaction runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Encode, Decode)]
pub struct BlockContext {
    /// The block height.
    pub height: u64,
    /// The block time, in seconds since the Unix epoch.
    pub time: u64,
}

/// Why a transaction failed, as a receipt reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub enum ErrorKind {
    /// The gas limit was reached.
    OutOfGas,
    /// A wasm trap: `unreachable`, an out-of-bounds memory access, a
    /// division by zero...
    Trap,
    /// The contract called `abort`.
    Abort,
    /// A host function refused its arguments.
    HostError,
    /// The wasm call stack grew past the limit (deep recursion).
    StackOverflow,
    /// Memory or table growth past the limit.
    ResourceLimit,
    /// A query tried to write.
    ReadOnly,
    /// The transaction itself is invalid: unknown contract or function,
    /// arguments that do not match the signature, a wrong nonce...
    InvalidTransaction,
    /// The code was rejected at deploy.
    InvalidCode,
    /// The address is taken.
    AddressTaken,
    /// The transaction asked for more gas than one transaction may use
    /// ([`RuntimeConfig::max_tx_gas`](crate::RuntimeConfig::max_tx_gas)); it
    /// did not run.
    OverGasCap,
    /// The block has too little gas left for the transaction's gas limit
    /// ([`RuntimeConfig::max_block_gas`](crate::RuntimeConfig::max_block_gas));
    /// it did not run.
    BlockGasExhausted,
}

impl ErrorKind {
    /// A stable snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            ErrorKind::OutOfGas => "out_of_gas",
            ErrorKind::Trap => "trap",
            ErrorKind::Abort => "abort",
            ErrorKind::HostError => "host_error",
            ErrorKind::StackOverflow => "stack_overflow",
            ErrorKind::ResourceLimit => "resource_limit",
            ErrorKind::ReadOnly => "read_only",
            ErrorKind::InvalidTransaction => "invalid_transaction",
            ErrorKind::InvalidCode => "invalid_code",
            ErrorKind::AddressTaken => "address_taken",
            ErrorKind::OverGasCap => "over_gas_cap",
            ErrorKind::BlockGasExhausted => "block_gas_exhausted",
        }
    }
}

/// A failed transaction's error: what kind, and a message a person can act
/// on (the contract's own message for `abort`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct TxError {
    /// The kind.
    pub kind: ErrorKind,
    /// The message.
    pub message: String,
}

impl TxError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        TxError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for TxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

/// What a transaction did. Byte-identical on every node for the same
/// transaction from the same state.
///
/// A receipt may be of a *failed* transaction ([`error`](Self::error) is
/// set): check [`success`](Self::success), or turn it into a `Result` with
/// [`into_result`](Self::into_result).
#[must_use = "a receipt may be of a failed transaction: check `success()` or use `into_result()`"]
#[derive(Clone, Debug, PartialEq, Eq, Default, Encode, Decode)]
pub struct Receipt {
    /// `None` on success; on failure, why (and nothing was changed).
    pub error: Option<TxError>,
    /// The deployed contract's address (deploys only).
    pub deployed: Option<Address>,
    /// The function's results.
    pub returns: Vec<Arg>,
    /// The return data set with `strata.set_return`.
    pub return_data: Vec<u8>,
    /// Gas used (the limit, when it ran out).
    pub gas_used: u64,
    /// The new state root of every contract the transaction touched, by
    /// address (unchanged roots on failure are not listed).
    pub state_roots: Vec<(Address, StateRoot)>,
    /// Events, in order.
    pub events: Vec<Event>,
    /// Debug logs, in order.
    pub logs: Vec<String>,
}

impl Receipt {
    /// Whether the transaction succeeded.
    pub fn success(&self) -> bool {
        self.error.is_none()
    }

    /// The SCALE encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decodes a SCALE-encoded receipt; bad or trailing bytes are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, parity_scale_codec::Error> {
        Self::decode_all(&mut &bytes[..])
    }
}
