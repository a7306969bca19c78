//! Instance reuse: a wasmi store and its one instance, kept after a frame
//! and put back exactly as instantiation left it, so that the next frame
//! of the same code skips import resolution, the instance build and the
//! store's teardown.
//!
//! ## When a module may be reused
//!
//! Only when everything a call can change in an instance is known from the
//! code and reachable from the host ([`plan`]):
//! - no start function (it runs at instantiation, with the host; its
//!   effects would depend on the transaction);
//! - nothing imported but functions (Strata links nothing else anyway);
//! - no table and no element segment (`table.copy` can reorder a table, and
//!   a dropped passive segment cannot be restored);
//! - every data segment active, at a constant offset into memory 0 (a
//!   passive one can be dropped, which no reset can undo);
//! - every mutable global exported, with a constant initial value (wasmi
//!   reaches a global only through an export);
//! - one memory at most, exported, of at most [`MAX_POOLED_PAGES`] pages
//!   (2 MiB).
//!
//! Everything else about an instance cannot change after instantiation
//! with the features Strata allows (no reference types, so no `table.set`
//! or `table.grow`; active segments are dropped by instantiation, in a
//! fresh instance and a reused one alike).
//!
//! ## The reset
//!
//! After a frame, the host leaves the store, and [`Pooled::reset`] puts
//! the instance back: a memory that grew cannot shrink, so the store is
//! dropped; otherwise the memory is zeroed and the data segments written
//! again, and every mutable global set to its initial value. Only a store
//! that reset is pooled again. Fuel is set by every frame, and wasmi
//! charges none for instantiation, so gas is the same either way; the
//! property test in `runtime/tests/reuse.rs` checks receipts, gas and
//! roots byte for byte against fresh instances, with traps half-way,
//! memory growth, globals and nested calls.
//!
//! ## Why a bound on memory
//!
//! The reset zeroes the whole memory: wasmi cannot tell which pages a call
//! wrote. A fresh instance zeroes its memory too (wasmi allocates it
//! zeroed), so reuse still wins at every size measured (raw wasmi, one
//! counter call: 1 page 2.0 against 3.9 µs fresh, 17 pages 25 against
//! 30 µs); the bound is on what the pool holds, at most
//! [`MAX_POOLED_PAGES`] pages (2 MiB) per instance.

use std::sync::Arc;

use strata_host_fns::WasmiState;
use strata_kv::KvStore;
use wasmi::{Global, Memory, Store, Val};
use wasmparser::{DataKind, ExternalKind, Operator, Parser, Payload, TypeRef};

use super::TxHost;

/// The largest memory, in 64 KiB pages, of an instance that is pooled.
pub(crate) const MAX_POOLED_PAGES: u64 = 32;

/// A mutable global's initial value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Init {
    I32(i32),
    I64(i64),
}

impl Init {
    fn val(self) -> Val {
        match self {
            Init::I32(v) => Val::I32(v),
            Init::I64(v) => Val::I64(v),
        }
    }
}

/// What a reset puts back in a module's memory.
#[derive(Debug, PartialEq, Eq)]
struct MemoryPlan {
    /// The memory's export name.
    export: Box<str>,
    /// Its size in pages as instantiated (a memory that grew is dropped).
    pages: u64,
    /// The data segments: offset and bytes.
    data: Box<[(usize, Box<[u8]>)]>,
}

/// How to put an instance of one module back as instantiation left it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ResetPlan {
    /// The memory, if the module has one.
    memory: Option<MemoryPlan>,
    /// Every mutable global: its export name and initial value.
    globals: Box<[(Box<str>, Init)]>,
}

/// The reset plan of `code`, if an instance of it may be reused (see the
/// module's rules). Code that does not parse has none.
pub(crate) fn plan(code: &[u8]) -> Option<ResetPlan> {
    let mut parser = Parser::new(0);
    let mut rest = code;
    // Mutable globals by index, with their initial values.
    let mut mutable: Vec<(u32, Init)> = Vec::new();
    let mut global_exports: Vec<(u32, Box<str>)> = Vec::new();
    let mut memory_pages: Option<u64> = None;
    let mut memory_export: Option<Box<str>> = None;
    let mut data: Vec<(usize, Box<[u8]>)> = Vec::new();
    loop {
        let wasmparser::Chunk::Parsed { consumed, payload } = parser.parse(rest, true).ok()? else {
            return None;
        };
        rest = rest.get(consumed..)?;
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader {
                    if !matches!(import.ok()?.ty, TypeRef::Func(_)) {
                        return None;
                    }
                }
            }
            Payload::TableSection(reader) if reader.count() > 0 => return None,
            Payload::ElementSection(reader) if reader.count() > 0 => return None,
            Payload::StartSection { .. } => return None,
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory.ok()?;
                    if memory_pages.is_some()
                        || memory.memory64
                        || memory.shared
                        || memory.page_size_log2.is_some()
                        || memory.initial > MAX_POOLED_PAGES
                    {
                        return None;
                    }
                    memory_pages = Some(memory.initial);
                }
            }
            Payload::GlobalSection(reader) => {
                for (index, global) in reader.into_iter().enumerate() {
                    let global = global.ok()?;
                    if global.ty.mutable {
                        let init = constant(global.init_expr.get_operators_reader())?;
                        mutable.push((u32::try_from(index).ok()?, init));
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.ok()?;
                    match export.kind {
                        ExternalKind::Global => {
                            global_exports.push((export.index, export.name.into()));
                        }
                        ExternalKind::Memory if export.index == 0 => {
                            memory_export.get_or_insert_with(|| export.name.into());
                        }
                        _ => {}
                    }
                }
            }
            Payload::DataSection(reader) => {
                for segment in reader {
                    let segment = segment.ok()?;
                    let DataKind::Active {
                        memory_index: 0,
                        offset_expr,
                    } = segment.kind
                    else {
                        return None;
                    };
                    let Init::I32(offset) = constant(offset_expr.get_operators_reader())? else {
                        return None;
                    };
                    // The offset is an unsigned address.
                    data.push((offset as u32 as usize, segment.data.into()));
                }
            }
            // The function bodies change nothing here: stepped over whole.
            Payload::CodeSectionStart { size, .. } => {
                parser.skip_section();
                rest = rest.get(size as usize..)?;
            }
            Payload::End(_) => break,
            _ => {}
        }
    }
    // Every mutable global must be reachable through an export.
    let globals = mutable
        .into_iter()
        .map(|(index, init)| {
            let (_, name) = global_exports.iter().find(|(i, _)| *i == index)?;
            Some((name.clone(), init))
        })
        .collect::<Option<Box<[_]>>>()?;
    let memory = match memory_pages {
        Some(pages) => Some(MemoryPlan {
            export: memory_export?,
            pages,
            data: data.into_boxed_slice(),
        }),
        None if data.is_empty() => None,
        None => return None,
    };
    Some(ResetPlan { memory, globals })
}

/// The value of a constant expression that is one `i32.const` or
/// `i64.const`.
fn constant(mut ops: wasmparser::OperatorsReader<'_>) -> Option<Init> {
    let init = match ops.read().ok()? {
        Operator::I32Const { value } => Init::I32(value),
        Operator::I64Const { value } => Init::I64(value),
        _ => return None,
    };
    matches!(ops.read().ok()?, Operator::End).then_some(init)
}

/// The host a pooled store holds between frames: no transaction, no
/// runtime (so that a pooled store, which the runtime's caches hold, does
/// not hold the runtime in turn).
pub(crate) fn idle_host<K: KvStore + 'static>(limits: wasmi::StoreLimits) -> TxHost<K> {
    TxHost {
        shared: None,
        state: None,
        context: Default::default(),
        registers: Default::default(),
        input: Vec::new(),
        return_data: Vec::new(),
        last_call_return: Vec::new(),
        gas: 0,
        limits,
        fatal: None,
    }
}

/// A store with its one instance, as instantiation left it, and the
/// handles its reset needs.
pub(crate) struct Pooled<K: KvStore + 'static> {
    /// The store; its host is an [`idle_host`] while pooled.
    pub store: Store<WasmiState<TxHost<K>>>,
    /// The instance.
    pub instance: wasmi::Instance,
    memory: Option<Memory>,
    globals: Box<[(Global, Init)]>,
    plan: Arc<ResetPlan>,
}

impl<K: KvStore + 'static> Pooled<K> {
    /// Wraps a store whose instance was just made from a module of `plan`
    /// (so it is as instantiation left it); `None` if an export the plan
    /// names is missing (the plan came from other code).
    pub fn new(
        store: Store<WasmiState<TxHost<K>>>,
        instance: wasmi::Instance,
        plan: Arc<ResetPlan>,
    ) -> Option<Self> {
        let memory = match &plan.memory {
            Some(plan) => Some(instance.get_memory(&store, &plan.export)?),
            None => None,
        };
        let globals = plan
            .globals
            .iter()
            .map(|(name, init)| Some((instance.get_global(&store, name)?, *init)))
            .collect::<Option<Box<[_]>>>()?;
        Some(Pooled {
            store,
            instance,
            memory,
            globals,
            plan,
        })
    }

    /// Puts the instance back as instantiation left it; `false` when it
    /// cannot be (its memory grew), and the store must be dropped.
    pub fn reset(&mut self) -> bool {
        if let (Some(memory), Some(plan)) = (self.memory, &self.plan.memory) {
            if memory.size(&self.store) != plan.pages {
                return false;
            }
            let bytes = memory.data_mut(&mut self.store);
            bytes.fill(0);
            for (offset, segment) in plan.data.iter() {
                let Some(to) = offset
                    .checked_add(segment.len())
                    .and_then(|end| bytes.get_mut(*offset..end))
                else {
                    return false;
                };
                to.copy_from_slice(segment);
            }
        }
        for (global, init) in self.globals.iter() {
            if global.set(&mut self.store, init.val()).is_err() {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(wat: &str) -> Option<ResetPlan> {
        plan(&wat::parse_str(wat).expect("wat"))
    }

    #[test]
    fn a_module_whose_state_is_all_reachable_has_a_plan() {
        let p = plan_of(
            r#"(module
              (import "strata" "storage_read" (func (param i32 i32 i32 i32)))
              (memory (export "memory") 1)
              (global $g (export "g") (mut i64) (i64.const -5))
              (global $c i32 (i32.const 9))
              (data (i32.const 100) "abc")
              (data (i32.const 4000) "z")
              (func (export "f")))"#,
        )
        .expect("reusable");
        assert_eq!(
            p,
            ResetPlan {
                memory: Some(MemoryPlan {
                    export: "memory".into(),
                    pages: 1,
                    data: vec![(100, b"abc"[..].into()), (4000, b"z"[..].into())].into(),
                }),
                globals: vec![("g".into(), Init::I64(-5))].into(),
            }
        );
        // No memory and no globals: nothing to reset, still reusable.
        assert_eq!(
            plan_of("(module (func (export \"f\")))"),
            Some(ResetPlan {
                memory: None,
                globals: Box::new([]),
            })
        );
    }

    #[test]
    fn state_the_host_cannot_reach_or_restore_means_no_plan() {
        let refused = [
            // A mutable global that is not exported.
            r#"(module (memory (export "memory") 1) (global (mut i32) (i32.const 0)))"#,
            // A start function.
            r#"(module (memory (export "memory") 1) (func $s) (start $s))"#,
            // A table.
            r#"(module (memory (export "memory") 1) (table 1 funcref))"#,
            // A passive data segment.
            r#"(module (memory (export "memory") 1) (data "x"))"#,
            // A memory that is not exported.
            r#"(module (memory 1))"#,
            // A memory larger than the pool takes.
            r#"(module (memory (export "memory") 33))"#,
            // An imported global and an imported memory.
            r#"(module (import "a" "g" (global i32)))"#,
            r#"(module (import "a" "m" (memory 1)))"#,
        ];
        for wat in refused {
            assert_eq!(plan_of(wat), None, "{wat}");
        }
        // Bytes that are not wasm.
        assert_eq!(plan(b"\0asm\x01\0\0\0\x05"), None);
        assert_eq!(plan(b"nonsense"), None);
    }
}
