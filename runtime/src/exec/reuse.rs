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
//! - at most one table, of at most [`MAX_POOLED_TABLE`] entries, filled
//!   only by active element segments (a dropped passive segment cannot be
//!   restored; `table.copy` can reorder the table, so the reset puts back
//!   what instantiation left in it);
//! - every data segment active, at a constant offset into memory 0 (a
//!   passive one can be dropped, which no reset can undo);
//! - every mutable global with a constant initial value;
//! - one memory at most, exported, of at most [`MAX_POOLED_PAGES`] pages
//!   (2 MiB).
//!
//! wasmi reaches an instance's globals and tables only through its exports.
//! Compiled contracts keep theirs to themselves (Rust's and C's
//! `__stack_pointer`, the table of their indirect calls), so the module
//! compiled for a pooled code is a copy with reserved exports added
//! ([`ResetPlan::exposed`]): `__strata_reuse_global_<index>` and
//! `__strata_reuse_table`. Such code is first compiled as stored and run
//! unpooled, and compiled again from the copy at its second frame
//! (`Caches::module`): a cold start, which a contract called once pays
//! alone, does not pay for the copy (a megabyte contract's cold call went
//! from 1.04x wasmi alone to 1.27x with the copy on that path). A function is looked up by name, and these name
//! no function, so a call of one fails as a call of any missing function
//! does; the code's own exports, its hash and its gas are the stored
//! code's. Code that already exports a name starting with
//! `__strata_reuse` is not reused.
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
//! again, every mutable global set to its initial value, and every table
//! entry set to what it held when the instance was made (a snapshot taken
//! before its first call). Only a store
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

use std::borrow::Cow;
use std::sync::Arc;

use strata_host_fns::WasmiState;
use strata_kv::KvStore;
use wasm_encoder::ExportKind;
use wasmi::{AsContext, Global, Memory, Ref, Store, Table, Val};
use wasmparser::{
    DataKind, ElementKind, ExternalKind, Operator, Parser, Payload, TableInit, TypeRef,
};

use super::TxHost;

/// The largest memory, in 64 KiB pages, of an instance that is pooled.
pub(crate) const MAX_POOLED_PAGES: u64 = 32;

/// The largest table, in entries, of an instance that is pooled (its reset
/// sets every entry).
pub(crate) const MAX_POOLED_TABLE: u64 = 1024;

/// The prefix of the exports the runtime adds for a reset; code that
/// exports such a name itself is not reused.
const RESERVED: &str = "__strata_reuse";

/// The reserved export of table 0.
const TABLE_EXPORT: &str = "__strata_reuse_table";

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
    /// The export name of the table, if the module has one.
    table: Option<Box<str>>,
    /// The exports the compiled copy adds (reserved names): globals by
    /// index, and the table.
    added: Box<[(Box<str>, ExternalKind, u32)]>,
}

impl ResetPlan {
    /// Whether the compiled copy adds exports (the code keeps state to
    /// itself that a reset must reach).
    pub(crate) fn adds_exports(&self) -> bool {
        !self.added.is_empty()
    }

    /// The code to compile for a module of this plan: `code` itself when
    /// it exports all the plan names, else a copy with the reserved
    /// exports added; `None` if the copy cannot be made (the code does
    /// not parse), when instances of it cannot be reused.
    pub(crate) fn exposed<'c>(&self, code: &'c [u8]) -> Option<Cow<'c, [u8]>> {
        if self.added.is_empty() {
            return Some(Cow::Borrowed(code));
        }
        let extra: Vec<(&str, ExportKind, u32)> = self
            .added
            .iter()
            .map(|(name, kind, index)| {
                let kind = match kind {
                    ExternalKind::Global => ExportKind::Global,
                    _ => ExportKind::Table,
                };
                (&**name, kind, *index)
            })
            .collect();
        crate::validate::splice_exports(code, &extra).map(Cow::Owned)
    }
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
    let mut tables = 0u32;
    let mut table_export: Option<Box<str>> = None;
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
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.ok()?;
                    tables += 1;
                    if tables > 1
                        || table.ty.table64
                        || table.ty.shared
                        || table.ty.initial > MAX_POOLED_TABLE
                        || !matches!(table.init, TableInit::RefNull)
                    {
                        return None;
                    }
                }
            }
            Payload::ElementSection(reader) => {
                for element in reader {
                    if !matches!(
                        element.ok()?.kind,
                        ElementKind::Active {
                            table_index: None | Some(0),
                            ..
                        }
                    ) {
                        return None;
                    }
                }
            }
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
                    if export.name.starts_with(RESERVED) {
                        return None;
                    }
                    match export.kind {
                        ExternalKind::Global => {
                            global_exports.push((export.index, export.name.into()));
                        }
                        ExternalKind::Memory if export.index == 0 => {
                            memory_export.get_or_insert_with(|| export.name.into());
                        }
                        ExternalKind::Table if export.index == 0 => {
                            table_export.get_or_insert_with(|| export.name.into());
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
    // Every mutable global is reached through an export: its own, or one
    // the compiled copy adds.
    let mut added = Vec::new();
    let globals = mutable
        .into_iter()
        .map(|(index, init)| {
            let name = match global_exports.iter().find(|(i, _)| *i == index) {
                Some((_, name)) => name.clone(),
                None => {
                    let name: Box<str> = format!("{RESERVED}_global_{index}").into();
                    added.push((name.clone(), ExternalKind::Global, index));
                    name
                }
            };
            (name, init)
        })
        .collect();
    let table = (tables == 1).then(|| {
        table_export.unwrap_or_else(|| {
            added.push((TABLE_EXPORT.into(), ExternalKind::Table, 0));
            TABLE_EXPORT.into()
        })
    });
    let memory = match memory_pages {
        Some(pages) => Some(MemoryPlan {
            export: memory_export?,
            pages,
            data: data.into_boxed_slice(),
        }),
        None if data.is_empty() => None,
        None => return None,
    };
    Some(ResetPlan {
        memory,
        globals,
        table,
        added: added.into_boxed_slice(),
    })
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

/// The handles a reset needs, taken from a fresh instance before its first
/// call (so the table's snapshot is what instantiation left in it).
pub(crate) struct Handles {
    instance: wasmi::Instance,
    memory: Option<Memory>,
    globals: Box<[(Global, Init)]>,
    /// The table and its entries as instantiation left them.
    table: Option<(Table, Box<[Ref]>)>,
    plan: Arc<ResetPlan>,
}

impl Handles {
    /// The handles of `instance`, just made from a module of `plan` in
    /// `store`; `None` if an export the plan names is missing (the plan
    /// came from other code).
    pub fn of(
        store: impl AsContext,
        instance: wasmi::Instance,
        plan: Arc<ResetPlan>,
    ) -> Option<Self> {
        let store = store.as_context();
        let memory = match &plan.memory {
            Some(plan) => Some(instance.get_memory(store, &plan.export)?),
            None => None,
        };
        let globals = plan
            .globals
            .iter()
            .map(|(name, init)| Some((instance.get_global(store, name)?, *init)))
            .collect::<Option<Box<[_]>>>()?;
        let table = match &plan.table {
            Some(name) => {
                let table = instance.get_table(store, name)?;
                let entries = (0..table.size(store))
                    .map(|i| table.get(store, i))
                    .collect::<Option<Box<[_]>>>()?;
                Some((table, entries))
            }
            None => None,
        };
        Some(Handles {
            instance,
            memory,
            globals,
            table,
            plan,
        })
    }
}

/// A store with its one instance, as instantiation left it, and the
/// handles its reset needs.
pub(crate) struct Pooled<K: KvStore + 'static> {
    /// The store; its host is an [`idle_host`] while pooled. Boxed: a
    /// wasmi store is over 1 KiB, and a pooled instance moves through the
    /// pool and the frame several times per frame, which then copy a
    /// pointer instead of the store (about 2,500 instructions of `memcpy`
    /// a frame under callgrind before).
    pub store: Box<Store<WasmiState<TxHost<K>>>>,
    handles: Handles,
}

impl<K: KvStore + 'static> Pooled<K> {
    /// The store of the instance `handles` were taken from, after a frame;
    /// reset, or `None` if it cannot be (and must be dropped).
    pub fn reset_from(store: Store<WasmiState<TxHost<K>>>, handles: Handles) -> Option<Self> {
        let mut pooled = Pooled {
            store: Box::new(store),
            handles,
        };
        pooled.reset().then_some(pooled)
    }

    /// The instance.
    pub fn instance(&self) -> wasmi::Instance {
        self.handles.instance
    }

    /// Puts the instance back as instantiation left it; `false` when it
    /// cannot be (its memory grew), and the store must be dropped.
    pub fn reset(&mut self) -> bool {
        let handles = &self.handles;
        if let (Some(memory), Some(plan)) = (handles.memory, &handles.plan.memory) {
            if memory.size(&*self.store) != plan.pages {
                return false;
            }
            let bytes = memory.data_mut(&mut *self.store);
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
        for (global, init) in handles.globals.iter() {
            if global.set(&mut *self.store, init.val()).is_err() {
                return false;
            }
        }
        if let Some((table, entries)) = &handles.table {
            if table.size(&*self.store) != entries.len() as u64 {
                return false;
            }
            for (index, entry) in (0u64..).zip(entries.iter()) {
                if table.set(&mut *self.store, index, *entry).is_err() {
                    return false;
                }
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
                table: None,
                added: Box::new([]),
            }
        );
        // No memory and no globals: nothing to reset, still reusable.
        assert_eq!(
            plan_of("(module (func (export \"f\")))"),
            Some(ResetPlan {
                memory: None,
                globals: Box::new([]),
                table: None,
                added: Box::new([]),
            })
        );
    }

    /// The shape of compiled code: an unexported `__stack_pointer` and an
    /// unexported table filled by an active element segment.
    const COMPILED: &str = r#"(module
      (type $t (func (result i32)))
      (memory (export "memory") 17)
      (global $sp (mut i32) (i32.const 1048576))
      (global $g (export "g") (mut i64) (i64.const 3))
      (table 3 3 funcref)
      (elem (i32.const 1) $a $b)
      (func $a (result i32) (i32.const 1))
      (func $b (result i32) (i32.const 2))
      (func (export "f") (result i32) (call_indirect (type $t) (i32.const 1))))"#;

    #[test]
    fn hidden_globals_and_tables_get_reserved_exports() {
        let p = plan_of(COMPILED).expect("reusable");
        assert_eq!(
            &*p.globals,
            &[
                ("__strata_reuse_global_0".into(), Init::I32(1 << 20)),
                ("g".into(), Init::I64(3)),
            ][..]
        );
        assert_eq!(p.table.as_deref(), Some("__strata_reuse_table"));
        assert_eq!(
            &*p.added,
            &[
                ("__strata_reuse_global_0".into(), ExternalKind::Global, 0),
                ("__strata_reuse_table".into(), ExternalKind::Table, 0),
            ][..]
        );
        // The compiled copy has the code's exports and the reserved ones.
        let code = wat::parse_str(COMPILED).expect("wat");
        let exposed = p.exposed(&code).expect("exposed");
        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, &exposed[..]).expect("compiles");
        let mut names: Vec<&str> = module.exports().map(|e| e.name()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "__strata_reuse_global_0",
                "__strata_reuse_table",
                "f",
                "g",
                "memory",
            ]
        );
        // Code that exports everything the plan names is compiled as is.
        let all = plan_of(
            r#"(module (memory (export "memory") 1) (table (export "t") 1 funcref)
                 (global (export "sp") (mut i32) (i32.const 0)))"#,
        )
        .expect("reusable");
        assert_eq!(all.table.as_deref(), Some("t"));
        assert!(matches!(all.exposed(b"any"), Some(Cow::Borrowed(b"any"))));
    }

    #[test]
    fn state_the_host_cannot_reach_or_restore_means_no_plan() {
        let refused = [
            // A mutable global with an initial value that is not a constant.
            r#"(module (import "a" "f" (func)) (memory (export "memory") 1)
                 (global (mut i32) (i32.add (i32.const 1) (i32.const 2))))"#,
            // A start function.
            r#"(module (memory (export "memory") 1) (func $s) (start $s))"#,
            // A passive element segment, which `elem.drop` can drop.
            r#"(module (memory (export "memory") 1) (table 1 funcref) (func $f) (elem func $f))"#,
            // A table larger than the pool takes.
            r#"(module (memory (export "memory") 1) (table 1025 funcref))"#,
            // Two tables.
            r#"(module (table 1 funcref) (table 1 funcref))"#,
            // A name of the reserved exports, exported by the code itself.
            r#"(module (func (export "__strata_reuse_global_0")))"#,
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
