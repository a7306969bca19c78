//! Implementations of SVM's node vmcalls over Strata's own balances: the
//! `node` module of autumn 2019 (`vmcall_get_balance`,
//! `vmcall_set_balance`) and the `env` module of December 2019
//! (`get_balance`, `set_balance`), both taking the account's 20-byte
//! address from a register.
//!
//! SVM left these to the node; Strata answers them from its accounts, whose
//! balances are u128: a balance that does not fit an i64 cannot be returned
//! (a `Denied` error naming the account), and a negative one cannot be set
//! (an invalid `value`). Setting a balance creates money out of nothing, so
//! the modules are off unless an embedder adds them
//! (`RuntimeBuilder::host_module(SvmNode)` and `SvmEnv`); the `strata` CLI
//! adds them by default, as SVM's test harness did.

use crate::{Address, CustomContextVM, Host, HostErrorKind as E};

/// The address in the first 20 bytes of a register (at least 160 bits wide).
fn address_in<H: Host + ?Sized>(host: &mut H, bits: i32, idx: i32) -> Result<Address, E> {
    let reg = host
        .registers()
        .get(bits as u32, idx as u32)
        .map_err(E::register("reg_bits", "reg_idx", "reg_bits"))?;
    let bytes: [u8; 20] = reg
        .get(..20)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            E::invalid(
                "reg_bits",
                format!("a {bits}-bit register cannot hold a 20-byte address (160 bits needed)"),
            )
        })?;
    Ok(Address(bytes))
}

pub(crate) fn get_balance<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    reg_bits: i32,
    reg_idx: i32,
) -> Result<i64, E> {
    let address = address_in(host, reg_bits, reg_idx)?;
    let balance = host.balance(&address)?;
    i64::try_from(balance).map_err(|_| {
        E::Denied(format!(
            "the balance of {address} is {balance}, more than an i64 holds ({})",
            i64::MAX
        ))
    })
}

pub(crate) fn set_balance<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
    _mem: &mut M,
    host: &mut H,
    value: i64,
    reg_bits: i32,
    reg_idx: i32,
) -> Result<(), E> {
    let value = u128::try_from(value)
        .map_err(|_| E::invalid("value", format!("a balance cannot be negative ({value})")))?;
    let address = address_in(host, reg_bits, reg_idx)?;
    host.set_balance(&address, value)
}
