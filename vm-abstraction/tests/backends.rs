//! One behavioural suite, written once, run against every backend: `Vec<u8>`, `&mut [u8]`,
//! `&mut dyn CustomContextVM`, and wasmi guest memory from inside a real host call.

use strata_vm_abstraction::{CustomContextVM, MemoryError};

/// The fixture memory: one wasm page, zero except for two known byte strings.
const SIZE: usize = 65536;
const GREETING_AT: u32 = 8;
const GREETING: &[u8] = b"Strata!";
const TAIL_AT: u32 = 65532;
const TAIL: &[u8] = &[0xde, 0xad, 0xbe, 0xef];

/// Where the suite's final write lands, for checking it from outside afterwards.
const MARK_AT: u32 = 1000;
const MARK: &[u8] = b"host was here";

fn fixture() -> Vec<u8> {
    let mut bytes = vec![0; SIZE];
    let at = GREETING_AT as usize;
    bytes[at..at + GREETING.len()].copy_from_slice(GREETING);
    let at = TAIL_AT as usize;
    bytes[at..at + TAIL.len()].copy_from_slice(TAIL);
    bytes
}

/// Fails the suite with a message instead of panicking, so it can run inside a wasmi host
/// call and report back out.
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err(format!(
                "line {}: check failed: {}",
                line!(),
                stringify!($cond)
            ));
        }
    };
}

macro_rules! check_eq {
    ($left:expr, $right:expr) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            return Err(format!(
                "line {}: {} != {}: {:?} != {:?}",
                line!(),
                stringify!($left),
                stringify!($right),
                left,
                right
            ));
        }
    }};
}

fn oob(pos: u32, len: u64) -> MemoryError {
    MemoryError::OutOfBounds {
        pos,
        len,
        size: SIZE,
    }
}

fn overflow(pos: u32, len: u64) -> MemoryError {
    MemoryError::AddressOverflow {
        pos,
        len,
        size: SIZE,
    }
}

/// The behavioural suite. `mem` must hold [`fixture`]; the suite leaves [`MARK`] at
/// [`MARK_AT`] and is otherwise free to scribble.
fn suite<M: CustomContextVM + ?Sized>(mem: &mut M) -> Result<(), String> {
    let size = u32::try_from(SIZE).map_err(|e| e.to_string())?;
    check_eq!(mem.size(), SIZE);

    // Known contents, through both read paths.
    check_eq!(mem.data(GREETING_AT, 7), Ok(GREETING));
    let mut buf = [0u8; 7];
    check_eq!(mem.read(GREETING_AT, &mut buf), Ok(()));
    check_eq!(&buf[..], GREETING);

    // Empty accesses: at 0, and at exactly the end.
    check_eq!(mem.data(0, 0), Ok(&[][..]));
    check_eq!(mem.data(size, 0), Ok(&[][..]));
    check_eq!(mem.data_mut(size, 0).map(|s| s.len()), Ok(0));
    check_eq!(mem.read(size, &mut []), Ok(()));
    check_eq!(mem.write(size, &[]), Ok(()));

    // The last byte, and the last four.
    check_eq!(mem.data(size - 1, 1), Ok(&[0xef][..]));
    check_eq!(mem.data(TAIL_AT, 4), Ok(TAIL));
    let mut last = [0u8; 1];
    check_eq!(mem.read(size - 1, &mut last), Ok(()));
    check_eq!(last, [0xef]);

    // One past the end, in every flavour, carrying the right pos/len/size.
    check_eq!(mem.data(size, 1), Err(oob(size, 1)));
    check_eq!(mem.data(size - 1, 2), Err(oob(size - 1, 2)));
    check_eq!(mem.data(size + 1, 0), Err(oob(size + 1, 0)));
    check_eq!(mem.data(65530, 16), Err(oob(65530, 16)));
    check_eq!(mem.data_mut(size, 1).map(|s| s.len()), Err(oob(size, 1)));
    check_eq!(mem.data(0, size + 1), Err(oob(0, u64::from(size) + 1)));
    check_eq!(mem.data(0, u32::MAX), Err(oob(0, u64::from(u32::MAX))));
    let err = mem.data(65530, 16).err();
    check_eq!(
        err.map(|e| e.to_string()),
        Some(
            "guest memory access out of bounds: 16 bytes at position 65530 in a memory of 65536 bytes"
                .to_string()
        )
    );

    // pos + len overflowing u32: an error of its own kind, no panic.
    check_eq!(mem.data(u32::MAX, 2), Err(overflow(u32::MAX, 2)));
    check_eq!(
        mem.data_mut(u32::MAX, u32::MAX).map(|s| s.len()),
        Err(overflow(u32::MAX, u64::from(u32::MAX)))
    );
    check_eq!(mem.data(1, u32::MAX), Err(overflow(1, u64::from(u32::MAX))));
    check_eq!(mem.read(u32::MAX, &mut [0; 2]), Err(overflow(u32::MAX, 2)));
    check_eq!(mem.write(u32::MAX, &[1, 2]), Err(overflow(u32::MAX, 2)));
    // Reaching u32::MAX without passing it is plain out of bounds.
    check_eq!(mem.data(u32::MAX, 0), Err(oob(u32::MAX, 0)));
    check!(
        mem.data(u32::MAX, 2)
            .is_err_and(|e| e.is_address_overflow())
    );

    // A whole-memory read.
    let expected = fixture();
    check_eq!(mem.data(0, size).map(<[u8]>::len), Ok(SIZE));
    check!(mem.data(0, size) == Ok(&expected[..]));
    let mut whole = vec![0u8; SIZE];
    check_eq!(mem.read(0, &mut whole), Ok(()));
    check!(whole == expected);

    // A failed read leaves the caller's buffer unchanged.
    let mut buf = [0x55u8; 8];
    check_eq!(mem.read(size - 4, &mut buf), Err(oob(size - 4, 8)));
    check_eq!(buf, [0x55; 8]);

    // Write, then read back.
    check_eq!(mem.write(100, b"abcdef"), Ok(()));
    check_eq!(mem.data(100, 6), Ok(&b"abcdef"[..]));
    let mut back = [0u8; 6];
    check_eq!(mem.read(100, &mut back), Ok(()));
    check_eq!(&back, b"abcdef");
    check_eq!(mem.data(99, 8), Ok(&b"\0abcdef\0"[..]));

    // Writing the last byte, and an empty write at the end.
    check_eq!(mem.write(size - 1, &[0x42]), Ok(()));
    check_eq!(mem.data(size - 1, 1), Ok(&[0x42][..]));

    // data_mut writes are visible through data.
    match mem.data_mut(200, 4) {
        Ok(view) => view.copy_from_slice(b"WXYZ"),
        Err(e) => return Err(format!("data_mut(200, 4) failed: {e}")),
    }
    check_eq!(mem.data(200, 4), Ok(&b"WXYZ"[..]));
    match mem.data_mut(GREETING_AT, 7) {
        Ok(view) => view.reverse(),
        Err(e) => return Err(format!("data_mut(GREETING_AT, 7) failed: {e}")),
    }
    check_eq!(mem.data(GREETING_AT, 7), Ok(&b"!atartS"[..]));

    // A failed write leaves memory unchanged, even the part that would have fit.
    let before = mem.data(size - 8, 8).map(<[u8]>::to_vec);
    check_eq!(mem.write(size - 2, &[9, 9, 9, 9]), Err(oob(size - 2, 4)));
    check_eq!(mem.data(size - 8, 8).map(<[u8]>::to_vec), before);
    check_eq!(mem.write(size, &[9]), Err(oob(size, 1)));
    check_eq!(mem.data(size - 8, 8).map(<[u8]>::to_vec), before);

    // Leave a mark for the caller to find.
    check_eq!(mem.write(MARK_AT, MARK), Ok(()));
    Ok(())
}

/// After [`suite`], the memory holds its writes.
fn assert_marked(bytes: &[u8]) {
    let at = MARK_AT as usize;
    assert_eq!(&bytes[at..at + MARK.len()], MARK);
    assert_eq!(&bytes[100..106], b"abcdef");
    assert_eq!(&bytes[200..204], b"WXYZ");
    assert_eq!(bytes[SIZE - 1], 0x42);
}

#[test]
fn suite_on_vec() {
    let mut mem = fixture();
    assert_eq!(suite(&mut mem), Ok(()));
    assert_marked(&mem);
}

#[test]
fn suite_on_mut_slice() {
    let mut backing = fixture();
    let slice: &mut [u8] = &mut backing;
    assert_eq!(suite(slice), Ok(()));
    assert_marked(&backing);
}

#[test]
fn suite_on_mut_slice_as_the_memory_type() {
    // `M = &mut [u8]`: the forwarding impl for `&mut M`.
    let mut backing = fixture();
    let mut slice: &mut [u8] = &mut backing;
    assert_eq!(suite::<&mut [u8]>(&mut slice), Ok(()));
    assert_marked(&backing);
}

#[test]
fn suite_on_trait_object() {
    let mut backing = fixture();
    let mem: &mut dyn CustomContextVM = &mut backing;
    assert_eq!(suite(mem), Ok(()));
    assert_marked(&backing);
}

#[test]
fn empty_memory() {
    let mut mem: Vec<u8> = Vec::new();
    assert_eq!(mem.size(), 0);
    assert_eq!(mem.data(0, 0), Ok(&[][..]));
    assert_eq!(mem.write(0, &[]), Ok(()));
    assert_eq!(
        mem.data(0, 1),
        Err(MemoryError::OutOfBounds {
            pos: 0,
            len: 1,
            size: 0
        })
    );
    assert_eq!(
        mem.write(0, &[1]),
        Err(MemoryError::OutOfBounds {
            pos: 0,
            len: 1,
            size: 0
        })
    );
    // A Vec memory never grows.
    assert!(mem.is_empty());
}

#[cfg(feature = "wasmi")]
mod wasmi_backend {
    use super::*;
    use strata_vm_abstraction::{VmError, WasmiMemory};
    use wasmi::{Caller, Engine, Func, Linker, Module, Store};

    /// The same fixture as [`fixture`], as a guest module: a one-page exported memory with
    /// two data segments, and `run` calling the host's `env.run_suite`.
    const GUEST: &str = r#"
        (module
          (import "env" "run_suite" (func $run_suite))
          (memory (export "memory") 1)
          (data (i32.const 8) "Strata!")
          (data (i32.const 65532) "\de\ad\be\ef")
          (func (export "run") (call $run_suite))
          (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))
    "#;

    #[derive(Default)]
    struct Host {
        /// The suite's result, reported out of the host call.
        result: Option<Result<(), String>>,
        /// Memory size seen from inside the call.
        size: Option<usize>,
    }

    fn instantiate(
        wat: &str,
        host_fn: impl Fn(Caller<'_, Host>) -> Result<(), wasmi::Error> + Send + Sync + 'static,
    ) -> (Store<Host>, wasmi::Instance) {
        let engine = Engine::default();
        let wasm = wat::parse_str(wat).expect("valid WAT");
        let module = Module::new(&engine, wasm).expect("valid module");
        let mut store = Store::new(&engine, Host::default());
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("env", "run_suite", host_fn)
            .expect("host fn registers");
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .expect("instantiates");
        (store, instance)
    }

    fn run(store: &mut Store<Host>, instance: wasmi::Instance) -> Result<(), wasmi::Error> {
        instance
            .get_typed_func::<(), ()>(&*store, "run")
            .expect("exports run")
            .call(store, ())
    }

    #[test]
    fn suite_inside_a_host_call() {
        let (mut store, instance) = instantiate(GUEST, |mut caller| {
            let (mut mem, host) =
                WasmiMemory::from_caller(&mut caller).map_err(wasmi::Error::host)?;
            // Memory and host context are both usable at once.
            host.size = Some(mem.size());
            host.result = Some(suite(&mut mem));
            Ok(())
        });
        run(&mut store, instance).expect("run succeeds");
        assert_eq!(store.data().result, Some(Ok(())));
        assert_eq!(store.data().size, Some(SIZE));

        // The suite's writes are in guest memory, seen from the host...
        let memory = instance
            .get_memory(&store, "memory")
            .expect("exports memory");
        assert_marked(memory.data(&store));
        // ...and from the guest.
        let load8 = instance
            .get_typed_func::<i32, i32>(&store, "load8")
            .expect("exports load8");
        for (i, &byte) in MARK.iter().enumerate() {
            let addr = i32::try_from(MARK_AT as usize + i).expect("small");
            assert_eq!(
                load8.call(&mut store, addr).expect("loads"),
                i32::from(byte)
            );
        }
    }

    #[test]
    fn memory_errors_trap_and_downcast() {
        let (mut store, instance) = instantiate(GUEST, |mut caller| {
            let (mem, _) = WasmiMemory::from_caller(&mut caller).map_err(wasmi::Error::host)?;
            mem.data(u32::MAX, 2).map_err(wasmi::Error::host)?;
            Ok(())
        });
        let err = run(&mut store, instance).expect_err("host call traps");
        assert_eq!(
            err.downcast_ref::<MemoryError>(),
            Some(&MemoryError::AddressOverflow {
                pos: u32::MAX,
                len: 2,
                size: SIZE
            })
        );
    }

    fn probe(wat: &str) -> Result<(), wasmi::Error> {
        let (mut store, instance) = instantiate(wat, |mut caller| {
            let (_mem, _host) =
                WasmiMemory::from_caller(&mut caller).map_err(wasmi::Error::host)?;
            Ok(())
        });
        run(&mut store, instance)
    }

    #[test]
    fn missing_memory_export_is_a_typed_error() {
        // No memory at all.
        let err = probe(
            r#"(module
                 (import "env" "run_suite" (func $f))
                 (func (export "run") (call $f)))"#,
        )
        .expect_err("traps");
        assert_eq!(
            err.downcast_ref::<VmError>(),
            Some(&VmError::NoMemoryExport)
        );

        // A memory, but not exported.
        let err = probe(
            r#"(module
                 (import "env" "run_suite" (func $f))
                 (memory 1)
                 (func (export "run") (call $f)))"#,
        )
        .expect_err("traps");
        assert_eq!(
            err.downcast_ref::<VmError>(),
            Some(&VmError::NoMemoryExport)
        );

        // A memory exported under another name.
        let err = probe(
            r#"(module
                 (import "env" "run_suite" (func $f))
                 (memory (export "mem") 1)
                 (func (export "run") (call $f)))"#,
        )
        .expect_err("traps");
        assert_eq!(
            err.downcast_ref::<VmError>(),
            Some(&VmError::NoMemoryExport)
        );

        // Something else exported as "memory".
        let err = probe(
            r#"(module
                 (import "env" "run_suite" (func $f))
                 (memory 1)
                 (func (export "run") (call $f))
                 (func (export "memory")))"#,
        )
        .expect_err("traps");
        assert_eq!(
            err.downcast_ref::<VmError>(),
            Some(&VmError::NoMemoryExport)
        );

        // With the export, the same probe succeeds.
        probe(
            r#"(module
                 (import "env" "run_suite" (func $f))
                 (memory (export "memory") 0)
                 (func (export "run") (call $f)))"#,
        )
        .expect("finds the memory");
    }

    #[test]
    fn host_called_host_function_has_no_memory() {
        // Called from the host, a host function has no calling instance.
        let engine = Engine::default();
        let mut store = Store::new(&engine, Host::default());
        let func = Func::wrap(&mut store, |mut caller: Caller<'_, Host>| {
            caller.data_mut().result = Some(
                WasmiMemory::from_caller(&mut caller)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
        });
        func.call(&mut store, &[], &mut []).expect("call succeeds");
        assert_eq!(
            store.data().result,
            Some(Err(VmError::NoMemoryExport.to_string()))
        );
    }

    #[test]
    fn debug_does_not_dump_memory() {
        let (mut store, instance) = instantiate(GUEST, |mut caller| {
            let (mem, host) = WasmiMemory::from_caller(&mut caller).map_err(wasmi::Error::host)?;
            host.result = Some(Err(format!("{mem:?}")));
            Ok(())
        });
        run(&mut store, instance).expect("run succeeds");
        assert_eq!(
            store.data().result,
            Some(Err("WasmiMemory { size: 65536, .. }".to_string()))
        );
    }
}
