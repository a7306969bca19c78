//! Implementations of the `strata` import module: the native API, with
//! pointer/length pairs.

use crate::svm::{mem_to_reg, read_to_mem, read_to_reg, write_from_mem, write_from_reg};
use crate::{Address, CallStatus, CustomContextVM, Event, Host, HostErrorKind as E, limits};

fn bounded(arg: &'static str, len: i32, max: u32) -> Result<u32, E> {
    let len = len as u32;
    if len > max {
        Err(E::invalid(
            arg,
            format!("{len} bytes exceed the limit of {max}"),
        ))
    } else {
        Ok(len)
    }
}

fn read_address<M: CustomContextVM + ?Sized>(
    mem: &M,
    arg: &'static str,
    ptr: i32,
) -> Result<Address, E> {
    let mut a = [0u8; Address::LEN];
    mem.read(ptr as u32, &mut a).map_err(E::memory(arg))?;
    Ok(Address(a))
}

fn read_string<M: CustomContextVM + ?Sized>(
    mem: &M,
    arg: &'static str,
    ptr: i32,
    len: u32,
) -> Result<String, E> {
    let bytes = mem.data(ptr as u32, len).map_err(E::memory(arg))?;
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

pub(crate) fn storage_read<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    dst_ptr: i32,
    len: i32,
) -> Result<(), E> {
    read_to_mem(mem, host, (page, "page"), offset, len, (dst_ptr, "dst_ptr"))
}

pub(crate) fn storage_write<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    src_ptr: i32,
    len: i32,
) -> Result<(), E> {
    write_from_mem(
        mem,
        host,
        (src_ptr, "src_ptr"),
        len,
        (page, "page"),
        (offset, "offset"),
    )
}

pub(crate) fn storage_read_reg<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    len: i32,
    reg_bits: i32,
    reg_idx: i32,
) -> Result<(), E> {
    read_to_reg(
        host,
        (page, "page"),
        (offset, "offset"),
        len,
        (reg_bits, "reg_bits"),
        (reg_idx, "reg_idx"),
    )
}

pub(crate) fn storage_write_reg<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    reg_bits: i32,
    reg_idx: i32,
    len: i32,
) -> Result<(), E> {
    write_from_reg(
        host,
        (reg_bits, "reg_bits"),
        (reg_idx, "reg_idx"),
        len,
        (page, "page"),
        (offset, "offset"),
    )
}

pub(crate) fn reg_set<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    reg_bits: i32,
    reg_idx: i32,
    src_ptr: i32,
    len: i32,
) -> Result<(), E> {
    mem_to_reg(
        mem,
        host,
        (src_ptr, "src_ptr"),
        len,
        (reg_bits, "reg_bits"),
        (reg_idx, "reg_idx"),
    )
}

pub(crate) fn reg_get<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    reg_bits: i32,
    reg_idx: i32,
    dst_ptr: i32,
    len: i32,
) -> Result<(), E> {
    let src = host
        .registers()
        .copy_prefix(reg_bits as u32, reg_idx as u32, len as u32)
        .map_err(E::register("reg_bits", "reg_idx", "len"))?;
    mem.write(dst_ptr as u32, src).map_err(E::memory("dst_ptr"))
}

/// Writes a 20-byte address at `dst_ptr`.
fn write_address<M: CustomContextVM + ?Sized>(
    mem: &mut M,
    dst_ptr: i32,
    address: Address,
) -> Result<(), E> {
    mem.write(dst_ptr as u32, &address.0)
        .map_err(E::memory("dst_ptr"))
}

pub(crate) fn address<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    dst_ptr: i32,
) -> Result<(), E> {
    write_address(mem, dst_ptr, host.context().address)
}

pub(crate) fn sender<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    dst_ptr: i32,
) -> Result<(), E> {
    write_address(mem, dst_ptr, host.context().sender)
}

pub(crate) fn block_height<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
) -> Result<i64, E> {
    Ok(host.context().block_height as i64)
}

pub(crate) fn block_time<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
) -> Result<i64, E> {
    Ok(host.context().block_time as i64)
}

pub(crate) fn gas_left<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
) -> Result<i64, E> {
    Ok(i64::try_from(host.gas_left()).unwrap_or(i64::MAX))
}

pub(crate) fn input_len<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
) -> Result<i32, E> {
    Ok(host.input().len() as i32)
}

fn copy_window<M: CustomContextVM + ?Sized>(
    mem: &mut M,
    src: &[u8],
    dst_ptr: i32,
    offset: i32,
    len: i32,
) -> Result<(), E> {
    let (offset, len) = (offset as u32 as usize, len as u32 as usize);
    let window = offset
        .checked_add(len)
        .and_then(|end| src.get(offset..end))
        .ok_or_else(|| {
            E::invalid(
                "len",
                format!(
                    "{len} bytes at offset {offset} run past the {} available",
                    src.len()
                ),
            )
        })?;
    mem.write(dst_ptr as u32, window)
        .map_err(E::memory("dst_ptr"))
}

pub(crate) fn input_copy<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    dst_ptr: i32,
    offset: i32,
    len: i32,
) -> Result<(), E> {
    copy_window(mem, host.input(), dst_ptr, offset, len)
}

pub(crate) fn set_return<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    src_ptr: i32,
    len: i32,
) -> Result<(), E> {
    let len = bounded("len", len, limits::MAX_RETURN_DATA)?;
    let src = mem
        .data(src_ptr as u32, len)
        .map_err(E::memory("src_ptr"))?;
    host.set_return_data(src)
}

pub(crate) fn emit_event<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    topics_ptr: i32,
    topic_count: i32,
    data_ptr: i32,
    data_len: i32,
) -> Result<(), E> {
    let count = topic_count as u32;
    if count > limits::MAX_TOPICS {
        return Err(E::invalid(
            "topic_count",
            format!("{count} topics; at most {} are allowed", limits::MAX_TOPICS),
        ));
    }
    let data_len = bounded("data_len", data_len, limits::MAX_EVENT_DATA)?;
    let raw = mem
        .data(topics_ptr as u32, count * 32)
        .map_err(E::memory("topics_ptr"))?;
    let topics = raw
        .chunks_exact(32)
        .map(|c| {
            let mut t = [0u8; 32];
            t.copy_from_slice(c);
            t
        })
        .collect();
    let data = mem
        .data(data_ptr as u32, data_len)
        .map_err(E::memory("data_ptr"))?
        .to_vec();
    host.emit_event(Event {
        contract: host.context().address,
        topics,
        data,
    })
}

pub(crate) fn log<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    msg_ptr: i32,
    msg_len: i32,
) -> Result<(), E> {
    let len = bounded("msg_len", msg_len, limits::MAX_MESSAGE)?;
    let message = read_string(mem, "msg_ptr", msg_ptr, len)?;
    host.log(message)
}

pub(crate) fn abort<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    _host: &mut H,
    msg_ptr: i32,
    msg_len: i32,
) -> Result<(), E> {
    let len = bounded("msg_len", msg_len, limits::MAX_MESSAGE)?;
    let message = read_string(mem, "msg_ptr", msg_ptr, len)?;
    Err(E::Abort { message })
}

pub(crate) fn balance<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    addr_ptr: i32,
    dst_ptr: i32,
) -> Result<(), E> {
    let who = read_address(mem, "addr_ptr", addr_ptr)?;
    // Check the destination before asking the host.
    mem.data(dst_ptr as u32, 16).map_err(E::memory("dst_ptr"))?;
    let amount = host.balance(&who)?;
    mem.write(dst_ptr as u32, &amount.to_le_bytes())
        .map_err(E::memory("dst_ptr"))
}

pub(crate) fn transfer<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    to_ptr: i32,
    amount_ptr: i32,
) -> Result<i32, E> {
    let to = read_address(mem, "to_ptr", to_ptr)?;
    let mut raw = [0u8; 16];
    mem.read(amount_ptr as u32, &mut raw)
        .map_err(E::memory("amount_ptr"))?;
    let moved = host.transfer(&to, u128::from_le_bytes(raw))?;
    Ok(if moved { 0 } else { 1 })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn call<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    addr_ptr: i32,
    func_ptr: i32,
    func_len: i32,
    input_ptr: i32,
    input_len: i32,
    gas: i64,
) -> Result<i32, E> {
    let target = read_address(mem, "addr_ptr", addr_ptr)?;
    let func_len = bounded("func_len", func_len, limits::MAX_FUNCTION_NAME)?;
    let input_len = bounded("input_len", input_len, limits::MAX_CALL_INPUT)?;
    let name = mem
        .data(func_ptr as u32, func_len)
        .map_err(E::memory("func_ptr"))?;
    let name = std::str::from_utf8(name)
        .map_err(|_| E::invalid("func_ptr", "the function name is not UTF-8"))?
        .to_owned();
    let gas = u64::try_from(gas).map_err(|_| E::invalid("gas", "a gas limit is not negative"))?;
    let input = mem
        .data(input_ptr as u32, input_len)
        .map_err(E::memory("input_ptr"))?;
    let status: CallStatus = host.call(&target, &name, input, gas)?;
    Ok(status.code())
}

pub(crate) fn call_return_len<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
) -> Result<i32, E> {
    Ok(host.call_return_data().len() as i32)
}

pub(crate) fn call_return_copy<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    dst_ptr: i32,
    offset: i32,
    len: i32,
) -> Result<(), E> {
    copy_window(mem, host.call_return_data(), dst_ptr, offset, len)
}

// Maps: a map is named by the 32-byte slice (page, offset) that holds its
// root; the host walks the tree and writes the new root back.

/// The key of a map call, checked against its limit before any storage is
/// touched.
fn map_key<M: CustomContextVM + ?Sized>(
    mem: &M,
    ptr: i32,
    len: i32,
    arg: &'static str,
) -> Result<Vec<u8>, E> {
    let len = len as u32;
    if len > crate::MAX_MAP_KEY {
        return Err(E::Map {
            arg,
            fault: crate::MapFault::KeyTooLong { len },
        });
    }
    Ok(mem.data(ptr as u32, len).map_err(E::memory(arg))?.to_vec())
}

fn map_err(fault: crate::MapFault) -> E {
    E::map("page", "offset", "key_ptr", "val_ptr")(fault)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn map_get<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    key_ptr: i32,
    key_len: i32,
    dst_ptr: i32,
    dst_cap: i32,
) -> Result<i32, E> {
    let key = map_key(mem, key_ptr, key_len, "key_ptr")?;
    // A bad destination touches no storage.
    mem.data(dst_ptr as u32, dst_cap as u32)
        .map_err(E::memory("dst_ptr"))?;
    let Some(value) = host
        .map_get(page as u32, offset as u32, &key)
        .map_err(map_err)?
    else {
        return Ok(-1);
    };
    copy_value_out(mem, host, &value, dst_ptr, dst_cap)
}

pub(crate) fn map_contains<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    key_ptr: i32,
    key_len: i32,
) -> Result<i32, E> {
    let key = map_key(mem, key_ptr, key_len, "key_ptr")?;
    let found = host
        .map_get(page as u32, offset as u32, &key)
        .map_err(map_err)?;
    Ok(i32::from(found.is_some()))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn map_set<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    key_ptr: i32,
    key_len: i32,
    val_ptr: i32,
    val_len: i32,
) -> Result<(), E> {
    let key = map_key(mem, key_ptr, key_len, "key_ptr")?;
    let len = val_len as u32;
    if len > crate::MAX_MAP_VALUE {
        return Err(E::Map {
            arg: "val_len",
            fault: crate::MapFault::ValueTooLong { len },
        });
    }
    let value = mem
        .data(val_ptr as u32, len)
        .map_err(E::memory("val_ptr"))?
        .to_vec();
    host.charge(key.len() as u64)?;
    host.map_set(
        page as u32,
        offset as u32,
        &key,
        crate::MapValue::Bytes(value),
    )
    .map_err(map_err)
}

pub(crate) fn map_remove<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    key_ptr: i32,
    key_len: i32,
) -> Result<i32, E> {
    let key = map_key(mem, key_ptr, key_len, "key_ptr")?;
    let removed = host
        .map_remove(page as u32, offset as u32, &key)
        .map_err(map_err)?;
    Ok(i32::from(removed))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn map_next<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    after_ptr: i32,
    after_len: i32,
    key_dst: i32,
    val_dst: i32,
    val_cap: i32,
) -> Result<i64, E> {
    let after = if after_len == -1 {
        None
    } else {
        Some(map_key(mem, after_ptr, after_len, "after_ptr")?)
    };
    // Bad destinations touch no storage.
    mem.data(key_dst as u32, crate::MAX_MAP_KEY)
        .map_err(E::memory("key_dst"))?;
    mem.data(val_dst as u32, val_cap as u32)
        .map_err(E::memory("val_dst"))?;
    let Some((key, value)) = host
        .map_next(page as u32, offset as u32, after.as_deref())
        .map_err(map_err)?
    else {
        return Ok(-1);
    };
    let bytes = value.bytes();
    let n = bytes.len().min(val_cap as u32 as usize);
    host.charge(key.len() as u64)?;
    mem.write(key_dst as u32, &key)
        .map_err(E::memory("key_dst"))?;
    mem.write(val_dst as u32, &bytes[..n])
        .map_err(E::memory("val_dst"))?;
    let nested = matches!(value, crate::MapValue::Map(_));
    Ok(key.len() as i64 + ((bytes.len() as i64) << 16) + (i64::from(nested) << 32))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn map_get_map<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    key_ptr: i32,
    key_len: i32,
    dst_page: i32,
    dst_offset: i32,
) -> Result<i32, E> {
    let key = map_key(mem, key_ptr, key_len, "key_ptr")?;
    let (root, found) = match host
        .map_get(page as u32, offset as u32, &key)
        .map_err(map_err)?
    {
        Some(crate::MapValue::Map(root)) => (root, 1),
        None => ([0u8; 32], 0),
        Some(crate::MapValue::Bytes(_)) => {
            return Err(E::Map {
                arg: "key_ptr",
                fault: crate::MapFault::NotAMap,
            });
        }
    };
    host.storage_write(dst_page as u32, dst_offset as u32, &root)
        .map_err(E::storage("dst_page", "dst_offset"))?;
    host.map_root_placed(
        (dst_page as u32, dst_offset as u32),
        (page as u32, offset as u32),
        &key,
        &root,
    );
    Ok(found)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn map_set_map<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    key_ptr: i32,
    key_len: i32,
    src_page: i32,
    src_offset: i32,
) -> Result<(), E> {
    let key = map_key(mem, key_ptr, key_len, "key_ptr")?;
    let mut root = [0u8; 32];
    root.copy_from_slice(
        host.storage_read(src_page as u32, src_offset as u32, 32)
            .map_err(E::storage("src_page", "src_offset"))?
            .get(..32)
            .ok_or_else(|| E::Host("a 32-byte read returned fewer bytes".into()))?,
    );
    host.map_set(page as u32, offset as u32, &key, crate::MapValue::Map(root))
        .map_err(E::map("page", "offset", "key_ptr", "src_offset"))
}

/// The most keys a `map_get_path` path may hold.
const MAX_PATH_KEYS: usize = 16;

#[allow(clippy::too_many_arguments)]
pub(crate) fn map_get_path<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    page: i32,
    offset: i32,
    path_ptr: i32,
    path_len: i32,
    dst_ptr: i32,
    dst_cap: i32,
) -> Result<i32, E> {
    let len = bounded(
        "path_len",
        path_len,
        MAX_PATH_KEYS as u32 * (crate::MAX_MAP_KEY + 1),
    )?;
    let path = mem
        .data(path_ptr as u32, len)
        .map_err(E::memory("path_ptr"))?
        .to_vec();
    // Each key: a length byte, then the key.
    let mut keys: Vec<&[u8]> = Vec::new();
    let mut rest = &path[..];
    while let Some((&n, tail)) = rest.split_first() {
        let Some(key) = tail.get(..usize::from(n)) else {
            return Err(E::invalid("path_len", "the last key runs past the path"));
        };
        keys.push(key);
        rest = &tail[usize::from(n)..];
    }
    if keys.is_empty() || keys.len() > MAX_PATH_KEYS {
        return Err(E::invalid(
            "path_len",
            format!("a path holds 1 to {MAX_PATH_KEYS} keys, not {}", keys.len()),
        ));
    }
    mem.data(dst_ptr as u32, dst_cap as u32)
        .map_err(E::memory("dst_ptr"))?;
    let Some(value) = host
        .map_get_path(page as u32, offset as u32, &keys)
        .map_err(E::map("page", "offset", "path_ptr", "path_ptr"))?
    else {
        return Ok(-1);
    };
    copy_value_out(mem, host, &value, dst_ptr, dst_cap)
}

/// Copies up to `dst_cap` bytes of a map value to guest memory at
/// `dst_ptr` (1 gas a byte copied) and returns the value's whole length
/// (values are at most 4,096 bytes): the end of `map_get` and
/// `map_get_path`.
fn copy_value_out<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    mem: &mut M,
    host: &mut H,
    value: &crate::MapValue,
    dst_ptr: i32,
    dst_cap: i32,
) -> Result<i32, E> {
    let bytes = value.bytes();
    let n = bytes.len().min(dst_cap as u32 as usize);
    host.charge(n as u64)?;
    mem.write(dst_ptr as u32, &bytes[..n])
        .map_err(E::memory("dst_ptr"))?;
    Ok(bytes.len() as i32)
}
