//! The deterministic rules a program must pass before it is instantiated.
//!
//! The feature set is a contract deploy's, from `strata-wasm-rules` (the MVP
//! without floats, plus mutable globals, sign extension, multi-value and
//! bulk memory); as at deploy, no start function and only function imports;
//! and one import rule of its own: every import is a syscall from
//! [`SYSCALL_MODULE`] named by the [numbering rule](crate#syscall-numbering).

use std::collections::BTreeMap;

use wasmparser::{CompositeInnerType, Parser, Payload, TypeRef, ValType};

use crate::{InstantiateError, MAX_SYSCALL_ARGS, SYSCALL_MODULE, SYSCALL_PREFIX};

/// A syscall import's signature: which arguments are i64 (else i32), and its
/// result, if any (`Some(true)` for i64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyscallSig {
    pub params_i64: Vec<bool>,
    pub result_i64: Option<bool>,
}

/// The syscall number of an import name: `syscall_<n>`, `n` in decimal
/// without leading zeros, fitting a `u32`.
pub(crate) fn syscall_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix(SYSCALL_PREFIX)?;
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    digits.parse().ok()
}

fn invalid(msg: impl Into<String>) -> InstantiateError {
    InstantiateError::InvalidImage(msg.into())
}

fn is_i64(t: &ValType) -> Result<bool, InstantiateError> {
    match t {
        ValType::I32 => Ok(false),
        ValType::I64 => Ok(true),
        other => Err(invalid(format!(
            "syscall value type {other:?} is not allowed (only i32 and i64)"
        ))),
    }
}

/// Checks `program` and returns its syscalls by number.
pub(crate) fn validate(program: &[u8]) -> Result<BTreeMap<u32, SyscallSig>, InstantiateError> {
    strata_wasm_rules::validate_features(program).map_err(|e| invalid(e.to_string()))?;
    let mut types = Vec::new();
    let mut syscalls: BTreeMap<u32, SyscallSig> = BTreeMap::new();
    for payload in Parser::new(0).parse_all(program) {
        match payload.map_err(|e| invalid(e.to_string()))? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    let group = group.map_err(|e| invalid(e.to_string()))?;
                    for sub in group.into_types() {
                        match &sub.composite_type.inner {
                            CompositeInnerType::Func(ft) => types.push(Some(ft.clone())),
                            _ => types.push(None),
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(|e| invalid(e.to_string()))?;
                    let what = format!("import {:?}.{:?}", import.module, import.name);
                    if import.module != SYSCALL_MODULE {
                        return Err(invalid(format!(
                            "{what}: a program may import only syscalls, from module \"{SYSCALL_MODULE}\""
                        )));
                    }
                    let TypeRef::Func(t) = import.ty else {
                        return Err(invalid(format!("{what}: only functions may be imported")));
                    };
                    let no = syscall_number(import.name).ok_or_else(|| {
                        invalid(format!(
                            "{what}: a syscall is named \"{SYSCALL_PREFIX}<n>\", n a decimal u32 without leading zeros"
                        ))
                    })?;
                    let ft = usize::try_from(t)
                        .ok()
                        .and_then(|t| types.get(t).cloned().flatten())
                        .ok_or_else(|| invalid(format!("{what}: not a function type")))?;
                    if ft.params().len() > MAX_SYSCALL_ARGS {
                        return Err(invalid(format!(
                            "{what}: {} arguments, at most {MAX_SYSCALL_ARGS}",
                            ft.params().len()
                        )));
                    }
                    let result_i64 = match ft.results() {
                        [] => None,
                        [r] => Some(is_i64(r)?),
                        _ => return Err(invalid(format!("{what}: at most one result"))),
                    };
                    let sig = SyscallSig {
                        params_i64: ft.params().iter().map(is_i64).collect::<Result<_, _>>()?,
                        result_i64,
                    };
                    if syscalls.get(&no).is_some_and(|old| *old != sig) {
                        return Err(invalid(format!(
                            "{what}: syscall {no} imported twice with different signatures"
                        )));
                    }
                    syscalls.insert(no, sig);
                }
            }
            Payload::StartSection { .. } => {
                return Err(invalid("a start function is not allowed"));
            }
            _ => {}
        }
    }
    Ok(syscalls)
}

#[cfg(test)]
mod tests {
    use super::syscall_number;

    #[test]
    fn numbering_rule() {
        assert_eq!(syscall_number("syscall_0"), Some(0));
        assert_eq!(syscall_number("syscall_42"), Some(42));
        assert_eq!(syscall_number("syscall_4294967295"), Some(u32::MAX));
        for bad in [
            "syscall_",
            "syscall_01",
            "syscall_4294967296",
            "syscall_-1",
            "sys_1",
            "syscall_1a",
            "syscall_+1",
        ] {
            assert_eq!(syscall_number(bad), None, "{bad}");
        }
    }
}
