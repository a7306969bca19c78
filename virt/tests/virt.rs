//! The public behaviour of `Virt`: syscalls in a loop, gas and refuel,
//! traps, invalid images, re-entrancy, destroy, and a property test against
//! a reference run where the syscalls are inline host functions.

use parity_scale_codec::{Decode, Encode};
use proptest::prelude::*;
use strata_virt::{
    CustomContextVM, ExecAction, ExecError, ExecOutcome, InstantiateError, MemoryError, Virt,
};

fn program(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("test WAT parses")
}

fn execute() -> ExecAction {
    ExecAction::Execute("main".into())
}

/// `main` calls `syscall_3(i, ptr)` for i in 0..n (n at address 0), with
/// `ptr` = 64 + 8i, and stores each result at 512 + 8i.
const LOOP: &str = r#"
(module
  (import "virt" "syscall_3" (func $sys (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "main") (local $i i32)
    (block $done (loop $top
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (i64.store
        (i32.add (i32.const 512) (i32.shl (local.get $i) (i32.const 3)))
        (call $sys (local.get $i)
                   (i32.add (i32.const 64) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $top))))
  (func (export "spin") (local $i i32)
    (loop $top
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_u (local.get $i) (i32.const 100000)))))
  (func (export "boom") unreachable)
  (func (export "takes") (param i32))
)
"#;

fn read_u64(virt: &mut Virt, pos: u32) -> u64 {
    let mut w = [0u8; 8];
    virt.read_memory(pos, &mut w).expect("in bounds");
    u64::from_le_bytes(w)
}

#[test]
fn syscalls_in_a_loop_read_memory_at_each_stop() {
    let mut virt = Virt::instantiate(&program(LOOP)).unwrap();
    virt.write_memory(0, &5u32.to_le_bytes()).unwrap();
    for i in 0..5u64 {
        virt.write_memory(64 + 8 * i as u32, &(100 + i).to_le_bytes())
            .unwrap();
    }
    let mut outcome = virt.run(1_000_000, execute()).unwrap();
    let mut stops = 0u64;
    let mut last_gas = 1_000_000;
    while let ExecOutcome::Syscall {
        gas_left,
        syscall_no,
        args,
    } = outcome
    {
        assert_eq!(syscall_no, 3);
        assert_eq!(args[0], stops);
        assert_eq!(args[1], 64 + 8 * stops);
        assert_eq!(args[2..], [0; 4]);
        assert!(gas_left < last_gas, "gas is charged between stops");
        last_gas = gas_left;
        let value = read_u64(&mut virt, args[1] as u32);
        assert_eq!(value, 100 + stops);
        outcome = virt
            .run(gas_left, ExecAction::Resume(value * 2 + 1))
            .unwrap();
        stops += 1;
    }
    assert_eq!(stops, 5);
    let ExecOutcome::Finished { gas_left } = outcome else {
        panic!("finished expected")
    };
    assert!(gas_left > 0 && gas_left < last_gas);
    for i in 0..5u64 {
        assert_eq!(read_u64(&mut virt, 512 + 8 * i as u32), (100 + i) * 2 + 1);
    }
    // Finished: nothing to resume.
    assert!(matches!(
        virt.run(gas_left, ExecAction::Resume(0)),
        Err(ExecError::InvalidInstance(_))
    ));
    // The memory is bounds-checked.
    let mut buf = [0u8; 8];
    assert_eq!(
        virt.read_memory(65532, &mut buf),
        Err(MemoryError::OutOfBounds {
            pos: 65532,
            len: 8,
            size: 65536
        })
    );
}

#[test]
fn out_of_gas_without_refuel_ends_the_call() {
    let mut virt = Virt::instantiate(&program(LOOP)).unwrap();
    assert_eq!(
        virt.run(1000, ExecAction::Execute("spin".into())),
        Err(ExecError::OutOfGas)
    );
    assert!(virt.gas_left().unwrap() < 1000);
    // Out of gas is not a syscall.
    assert!(matches!(
        virt.run(1000, ExecAction::Resume(1)),
        Err(ExecError::InvalidInstance(_))
    ));
    // Executing again abandons the exhausted call; the instance still works.
    assert!(matches!(
        virt.run(1_000_000, ExecAction::Execute("spin".into())),
        Ok(ExecOutcome::Finished { .. })
    ));
    // Negative gas counts as none.
    assert_eq!(
        virt.run(-5, ExecAction::Execute("spin".into())),
        Err(ExecError::OutOfGas)
    );
}

#[test]
fn refuel_charges_exactly_what_one_run_charges() {
    let budget = 1_000_000;
    let mut one = Virt::instantiate(&program(LOOP)).unwrap();
    let Ok(ExecOutcome::Finished { gas_left }) =
        one.run(budget, ExecAction::Execute("spin".into()))
    else {
        panic!("one run finishes")
    };
    let one_go = budget - gas_left;
    assert!(one_go > 100_000);

    for slice in [1_000, 7_777, 50_000] {
        let mut sliced = Virt::instantiate(&program(LOOP)).unwrap();
        let (mut charged, mut slices) = (0, 1);
        let mut result = sliced.run(slice, ExecAction::Execute("spin".into()));
        loop {
            match result {
                Err(ExecError::OutOfGas) => {
                    charged += slice - sliced.gas_left().unwrap();
                    slices += 1;
                    result = sliced.run(slice, ExecAction::Refuel);
                }
                Ok(ExecOutcome::Finished { gas_left }) => {
                    charged += slice - gas_left;
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(slices > one_go / slice, "slice {slice}: {slices} slices");
        assert_eq!(charged, one_go, "slice {slice}");
    }
    // Refuel fits only an exhausted call.
    assert!(matches!(
        one.run(10, ExecAction::Refuel),
        Err(ExecError::InvalidInstance(_))
    ));
}

#[test]
fn a_trap_ends_the_call() {
    let mut virt = Virt::instantiate(&program(LOOP)).unwrap();
    let err = virt
        .run(1000, ExecAction::Execute("boom".into()))
        .unwrap_err();
    assert!(matches!(err, ExecError::Trap(_)), "{err:?}");
    assert_eq!(err.code(), 4);
    assert!(matches!(
        virt.run(1000, ExecAction::Resume(0)),
        Err(ExecError::InvalidInstance(_))
    ));
    assert!(matches!(
        virt.run(1_000_000, ExecAction::Execute("spin".into())),
        Ok(ExecOutcome::Finished { .. })
    ));
}

#[test]
fn bad_entry_points_are_invalid_image() {
    let mut virt = Virt::instantiate(&program(LOOP)).unwrap();
    for name in ["nope", "takes", "memory"] {
        let err = virt
            .run(1000, ExecAction::Execute(name.into()))
            .unwrap_err();
        assert!(matches!(err, ExecError::InvalidImage(_)), "{name}: {err:?}");
        assert_eq!(err.code(), 2);
    }
}

#[test]
fn invalid_images_are_rejected() {
    let cases = [
        ("not wasm", b"\0asm garbage".to_vec()),
        (
            "floats",
            program("(module (func (export \"main\") (drop (f32.const 1))))"),
        ),
        (
            "other module",
            program("(module (import \"env\" \"f\" (func)))"),
        ),
        (
            "bad name",
            program("(module (import \"virt\" \"syscall_01\" (func)))"),
        ),
        (
            "seven args",
            program(
                "(module (import \"virt\" \"syscall_1\" (func (param i64 i64 i64 i64 i64 i64 i64))))",
            ),
        ),
        (
            "two results",
            program("(module (import \"virt\" \"syscall_1\" (func (result i64 i64))))"),
        ),
        (
            "clashing signatures",
            program(
                "(module (import \"virt\" \"syscall_1\" (func)) (import \"virt\" \"syscall_1\" (func (param i32))))",
            ),
        ),
        (
            "memory import",
            program("(module (import \"virt\" \"syscall_1\" (memory 1)))"),
        ),
        ("start", program("(module (func $s) (start $s))")),
        ("memory too large", program("(module (memory 1000))")),
    ];
    for (what, image) in cases {
        let err = Virt::instantiate(&image).unwrap_err();
        assert!(matches!(err, InstantiateError::InvalidImage(_)), "{what}");
        assert_eq!(err.code(), 1);
    }
    // Same name twice with the same signature is fine.
    Virt::instantiate(&program(
        "(module (import \"virt\" \"syscall_1\" (func)) (import \"virt\" \"syscall_1\" (func)))",
    ))
    .unwrap();
}

#[test]
fn reentry_from_a_syscall_handler_is_rejected() {
    let mut virt = Virt::instantiate(&program(LOOP)).unwrap();
    virt.write_memory(0, &2u32.to_le_bytes()).unwrap();
    let Ok(ExecOutcome::Syscall { gas_left, .. }) = virt.run(1_000_000, execute()) else {
        panic!("stops at the syscall")
    };
    // The handler tries to run the same instance again, or to refuel it.
    for action in [
        execute(),
        ExecAction::Execute("spin".into()),
        ExecAction::Refuel,
    ] {
        assert!(matches!(
            virt.run(gas_left, action),
            Err(ExecError::InvalidInstance(_))
        ));
    }
    // The pending syscall is untouched and can still be answered.
    let Ok(ExecOutcome::Syscall { args, gas_left, .. }) = virt.run(gas_left, ExecAction::Resume(9))
    else {
        panic!("second stop")
    };
    assert_eq!(args[0], 1);
    assert!(matches!(
        virt.run(gas_left, ExecAction::Resume(10)),
        Ok(ExecOutcome::Finished { .. })
    ));
    assert_eq!(read_u64(&mut virt, 512), 9);
    assert_eq!(read_u64(&mut virt, 520), 10);
}

#[test]
fn use_after_destroy_is_rejected() {
    let mut virt = Virt::instantiate(&program(LOOP)).unwrap();
    virt.write_memory(0, &1u32.to_le_bytes()).unwrap();
    assert!(matches!(
        virt.run(1_000_000, execute()),
        Ok(ExecOutcome::Syscall { .. })
    ));
    virt.destroy();
    assert!(virt.is_destroyed());
    for action in [execute(), ExecAction::Resume(0), ExecAction::Refuel] {
        let err = virt.run(1000, action).unwrap_err();
        assert!(matches!(err, ExecError::InvalidInstance(_)));
        assert_eq!(err.code(), 1);
    }
    assert_eq!(virt.memory().unwrap_err(), MemoryError::InvalidInstance);
    assert_eq!(virt.gas_left(), None);
    virt.destroy();
}

#[test]
fn errors_have_stable_codes_and_scale_round_trip() {
    let errors = [
        ExecError::InvalidInstance("x".into()),
        ExecError::InvalidImage("y".into()),
        ExecError::OutOfGas,
        ExecError::Trap("z".into()),
    ];
    for (err, code) in errors.iter().zip(1u32..) {
        assert_eq!(err.code(), code);
        let bytes = err.encode();
        assert_eq!(u32::from(bytes[0]), code, "the SCALE index is the code");
        assert_eq!(&ExecError::decode(&mut &bytes[..]).unwrap(), err);
    }
    let m = MemoryError::OutOfBounds {
        pos: 1,
        len: 2,
        size: 3,
    };
    assert_eq!(m.code(), 2);
    assert_eq!(MemoryError::InvalidInstance.code(), 1);
    assert_eq!(MemoryError::decode(&mut &m.encode()[..]).unwrap(), m);
    let i = InstantiateError::InvalidImage("w".into());
    assert_eq!(i.encode()[0], 1);
    assert_eq!(InstantiateError::decode(&mut &i.encode()[..]).unwrap(), i);
}

/// `main` runs the ops at 16.. (count at 0), one syscall per op, keeping an
/// accumulator; each iteration stores it at 1024 + 8i, the end at 8.
const OPS: &str = r#"
(module
  (import "virt" "syscall_0" (func $s0 (param i64 i32) (result i64)))
  (import "virt" "syscall_1" (func $s1 (param i64)))
  (import "virt" "syscall_2" (func $s2 (param i32 i32 i32 i64 i64 i64) (result i32)))
  (memory (export "memory") 1)
  (func (export "main") (local $i i32) (local $acc i64) (local $op i32)
    (block $done (loop $top
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (local.set $op (i32.load8_u (i32.add (i32.const 16) (local.get $i))))
      (if (i32.eqz (local.get $op))
        (then (local.set $acc (call $s0 (local.get $acc) (local.get $i))))
        (else (if (i32.eq (local.get $op) (i32.const 1))
          (then (call $s1 (local.get $acc)))
          (else (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s
            (call $s2 (local.get $i) (i32.const 16) (local.get $op)
                      (local.get $acc) (i64.const -1) (i64.const 7)))))))))
      (i64.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 3)))
                 (local.get $acc))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $top)))
    (i64.store (i32.const 8) (local.get $acc))))
"#;

/// The syscalls' meaning, shared by both runs; they read and write memory.
fn handle<M: CustomContextVM + ?Sized>(no: u32, a: [u64; 6], mem: &mut M) -> u64 {
    match no {
        0 => {
            let pos = 4096 + 8 * (a[1] as u32);
            mem.write(pos, &a[0].to_le_bytes()).unwrap();
            a[0].wrapping_mul(31).wrapping_add(a[1]).wrapping_add(1)
        }
        1 => {
            let mut w = [0u8; 8];
            mem.read(8192, &mut w).unwrap();
            let x = u64::from_le_bytes(w) ^ a[0];
            mem.write(8192, &x.to_le_bytes()).unwrap();
            0
        }
        _ => {
            let byte = mem.data(a[1] as u32 + a[0] as u32, 1).unwrap()[0];
            u64::from(byte)
                .wrapping_add(a[2])
                .wrapping_add(a[3])
                .wrapping_add(a[4])
                .wrapping_add(a[5])
        }
    }
}

fn setup<M: CustomContextVM + ?Sized>(mem: &mut M, ops: &[u8]) {
    mem.write(0, &(ops.len() as u32).to_le_bytes()).unwrap();
    mem.write(16, ops).unwrap();
}

/// The reference: the same program, its syscalls inline wasmi host functions.
fn reference(ops: &[u8], gas: u64) -> (Vec<u8>, u64) {
    use wasmi::{Caller, Engine, Extern, Linker, Module, Store};
    fn mem_of<'a>(caller: &'a mut Caller<'_, ()>) -> &'a mut [u8] {
        let m = caller
            .get_export("memory")
            .and_then(Extern::into_memory)
            .unwrap();
        m.data_mut(caller)
    }
    let engine = Engine::new(&strata_virt::engine_config());
    let module = Module::new(&engine, program(OPS)).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap(
            "virt",
            "syscall_0",
            |mut c: Caller<'_, ()>, a: i64, b: i32| {
                handle(
                    0,
                    [a as u64, i64::from(b) as u64, 0, 0, 0, 0],
                    mem_of(&mut c),
                ) as i64
            },
        )
        .unwrap();
    linker
        .func_wrap("virt", "syscall_1", |mut c: Caller<'_, ()>, a: i64| {
            handle(1, [a as u64, 0, 0, 0, 0, 0], mem_of(&mut c));
        })
        .unwrap();
    linker
        .func_wrap(
            "virt",
            "syscall_2",
            |mut c: Caller<'_, ()>, a: i32, b: i32, d: i32, e: i64, f: i64, g: i64| {
                let args = [a, b, d].map(|x| i64::from(x) as u64);
                handle(
                    2,
                    [args[0], args[1], args[2], e as u64, f as u64, g as u64],
                    mem_of(&mut c),
                ) as i32
            },
        )
        .unwrap();
    let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
    let memory = instance.get_memory(&store, "memory").unwrap();
    setup(memory.data_mut(&mut store), ops);
    store.set_fuel(gas).unwrap();
    instance
        .get_typed_func::<(), ()>(&store, "main")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    (memory.data(&store).to_vec(), store.get_fuel().unwrap())
}

/// The same program under `Virt`, the caller answering each syscall; with
/// `slice`, gas comes in slices and out-of-gas is refuelled.
fn virtualized(ops: &[u8], gas: i64, slice: Option<i64>) -> (Vec<u8>, i64) {
    let mut virt = Virt::instantiate(&program(OPS)).unwrap();
    setup(&mut virt.memory().unwrap(), ops);
    let mut reserve = gas; // gas not yet handed to the instance
    let give = |reserve: &mut i64, left: i64| -> i64 {
        // Hand back what is left to the reserve, take a new slice out.
        *reserve += left;
        let step = slice.map_or(*reserve, |s| s.min(*reserve));
        *reserve -= step;
        step
    };
    let mut step = give(&mut reserve, 0);
    let mut result = virt.run(step, execute());
    loop {
        match result {
            Ok(ExecOutcome::Finished { gas_left }) => {
                let memory = virt.memory().unwrap();
                let bytes = memory.data(0, memory.size() as u32).unwrap().to_vec();
                return (bytes, reserve + gas_left);
            }
            Ok(ExecOutcome::Syscall {
                gas_left,
                syscall_no,
                args,
            }) => {
                let value = handle(syscall_no, args, &mut virt.memory().unwrap());
                step = give(&mut reserve, gas_left);
                result = virt.run(step, ExecAction::Resume(value));
            }
            Err(ExecError::OutOfGas) => {
                let left = virt.gas_left().unwrap();
                let need = virt.gas_required().unwrap();
                assert!(need > left);
                reserve += left;
                step = slice.unwrap_or(0).max(need).min(reserve);
                reserve -= step;
                assert!(
                    step > left,
                    "refuelled with no more gas: left {left} step {step} slice {slice:?} reserve {reserve}"
                );
                result = virt.run(step, ExecAction::Refuel);
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn run_resume_matches_inline_host_functions(
        ops in proptest::collection::vec(0u8..3, 0..64),
        slice in proptest::option::of(200i64..5_000),
    ) {
        let gas = 10_000_000;
        let (ref_mem, ref_left) = reference(&ops, gas as u64);
        let (mem, left) = virtualized(&ops, gas, slice);
        prop_assert!(mem == ref_mem, "final memory differs");
        prop_assert_eq!(left as u64, ref_left);
    }
}

#[test]
fn out_of_gas_inside_a_bulk_copy_is_reported_consistently() {
    // memory.fill charges per byte; whichever way wasmi stops, the outcome
    // is OutOfGas, and Refuel works exactly when gas_required says so.
    let mut virt = Virt::instantiate(&program(
        r#"(module (memory (export "memory") 1)
             (func (export "main")
               (memory.fill (i32.const 0) (i32.const 7) (i32.const 65536))))"#,
    ))
    .unwrap();
    assert_eq!(virt.run(20, execute()), Err(ExecError::OutOfGas));
    match virt.gas_required() {
        Some(need) => assert!(matches!(
            virt.run(need.max(1_000_000), ExecAction::Refuel),
            Ok(ExecOutcome::Finished { .. })
        )),
        None => assert!(matches!(
            virt.run(1_000_000, ExecAction::Refuel),
            Err(ExecError::InvalidInstance(_))
        )),
    }
    assert!(matches!(
        virt.run(1_000_000, execute()),
        Ok(ExecOutcome::Finished { .. })
    ));
    let mut b = [0u8; 1];
    virt.read_memory(65535, &mut b).unwrap();
    assert_eq!(b, [7]);
}
