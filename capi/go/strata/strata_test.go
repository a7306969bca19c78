package strata

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const counterWAT = `(module
  (import "strata" "storage_read" (func $read (param i32 i32 i32 i32)))
  (import "strata" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "strata" "emit_event" (func $event (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "counter.inc")
  (func $load (result i64)
    (call $read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0)))
  (func (export "inc") (result i64)
    (i64.store (i32.const 0) (i64.add (call $load) (i64.const 1)))
    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
    (call $event (i32.const 64) (i32.const 1) (i32.const 0) (i32.const 8))
    (call $load))
  (func (export "get") (result i64) (call $load)))`

// SVM's node vmcalls, implemented below in Go.
const doublerWAT = `(module
  (import "node" "vmcall_get_balance" (func $get (param i32 i32) (result i64)))
  (import "node" "vmcall_set_balance" (func $set (param i64 i32 i32)))
  (import "svm" "mem_to_reg_copy" (func $m2r (param i32 i32 i32 i32 i32)))
  (import "strata" "input_copy" (func $input (param i32 i32 i32)))
  (memory 1)
  (func (export "double") (result i64)
    (call $input (i32.const 0) (i32.const 0) (i32.const 20))
    (call $m2r (i32.const 0) (i32.const 0) (i32.const 20) (i32.const 160) (i32.const 0))
    (call $set (i64.mul (call $get (i32.const 160) (i32.const 0)) (i64.const 2))
               (i32.const 160) (i32.const 0))
    (call $get (i32.const 160) (i32.const 0)))
  (func (export "double_then_fail")
    (call $input (i32.const 0) (i32.const 0) (i32.const 20))
    (call $m2r (i32.const 0) (i32.const 0) (i32.const 20) (i32.const 160) (i32.const 0))
    (call $set (i64.mul (call $get (i32.const 160) (i32.const 0)) (i64.const 2))
               (i32.const 160) (i32.const 0))
    unreachable))`

var block = BlockContext{Height: 1, Time: 1700000000}

// ledger is balances the Go side holds, journaled.
type ledger struct {
	mu       sync.Mutex
	balances map[Address]int64
	saved    []map[Address]int64
	fatal    bool
	panics   bool
}

func (l *ledger) Checkpoint() {
	l.mu.Lock()
	defer l.mu.Unlock()
	copied := make(map[Address]int64, len(l.balances))
	for k, v := range l.balances {
		copied[k] = v
	}
	l.saved = append(l.saved, copied)
}

func (l *ledger) Rollback() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.balances = l.saved[len(l.saved)-1]
	l.saved = l.saved[:len(l.saved)-1]
}

func (l *ledger) Commit() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.saved = l.saved[:len(l.saved)-1]
}

func (l *ledger) account(ctx *HostCtx, bits, idx int64) (Address, error) {
	reg, err := ctx.ReadRegister(uint32(bits), uint32(idx))
	if err != nil {
		return Address{}, err
	}
	var a Address
	if len(reg) < 20 {
		return a, errors.New("an address needs a 160-bit register")
	}
	copy(a[:], reg[:20])
	return a, nil
}

func (l *ledger) builder(t *testing.T) *Builder {
	t.Helper()
	b, err := NewBuilder()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.MaxTxGas = 50_000_000
	if err := b.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if err := b.SetJournal(l); err != nil {
		t.Fatal(err)
	}
	get := func(ctx *HostCtx, args []int64) (int64, error) {
		who, err := l.account(ctx, args[0], args[1])
		if err != nil {
			return 0, err
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.fatal {
			return 0, Fatal(errors.New("the ledger is offline"))
		}
		if l.panics {
			panic("the ledger broke")
		}
		v, ok := l.balances[who]
		if !ok {
			return 0, errors.New("unknown account in the node's ledger")
		}
		return v, nil
	}
	set := func(ctx *HostCtx, args []int64) (int64, error) {
		if err := ctx.Charge(100); err != nil {
			return 0, err
		}
		who, err := l.account(ctx, args[1], args[2])
		if err != nil {
			return 0, err
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.balances[who] = args[0]
		return 0, nil
	}
	if err := b.AddHostFunction("node", "vmcall_get_balance", []ValType{TypeI32, TypeI32}, TypeI64, 300, get); err != nil {
		t.Fatal(err)
	}
	if err := b.AddHostFunction("node", "vmcall_set_balance", []ValType{TypeI64, TypeI32, TypeI32}, TypeNone, 500, set); err != nil {
		t.Fatal(err)
	}
	err = b.AddHostFunction("node", "vmcall_set_balance", []ValType{TypeI64}, TypeNone, 1, set)
	if !errors.Is(err, ErrLink) {
		t.Fatalf("a second registration: %v", err)
	}
	return b
}

func deploy(t *testing.T, rt *Runtime, wat string, pages uint32) Address {
	t.Helper()
	code, err := WatToWasm(wat)
	if err != nil {
		t.Fatal(err)
	}
	addr, r, err := rt.Deploy(Deploy{Code: code, PageCount: pages, Author: Address{1}, GasLimit: 10_000_000}, block)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Success() || r.Deployed == nil || *r.Deployed != addr {
		t.Fatalf("deploy receipt %+v", r)
	}
	return addr
}

func callI64(t *testing.T, rt *Runtime, contract Address, fn string, query bool) int64 {
	t.Helper()
	c := Call{Contract: contract, Sender: Address{2}, Function: fn, GasLimit: 1_000_000}
	var r *Receipt
	var err error
	if query {
		r, err = rt.Query(c, block)
	} else {
		r, err = rt.Call(c, block)
	}
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	if len(r.Returns) != 1 || r.Returns[0].Type != TypeI64 {
		t.Fatalf("%s returned %+v", fn, r.Returns)
	}
	return r.Returns[0].Value
}

// The whole scenario: the counter, typed errors, a block, Go host
// functions; on RocksDB, a reopen.
func run(t *testing.T, open func(*Builder) (*Runtime, error), reopen bool) {
	l := &ledger{balances: map[Address]int64{}}
	b := l.builder(t)
	rt, err := open(b)
	if err != nil {
		t.Fatal(err)
	}

	counter := deploy(t, rt, counterWAT, 1)
	r, err := rt.Call(Call{Contract: counter, Sender: Address{2}, Function: "inc", GasLimit: 1_000_000}, block)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Success() || r.Returns[0] != I64(1) || r.GasUsed == 0 || len(r.Events) != 1 ||
		len(r.Events[0].Topics) != 1 || r.Events[0].Contract != counter || len(r.StateRoots) != 1 {
		t.Fatalf("inc receipt %+v", r)
	}
	back, err := ReceiptFromSCALE(r.SCALE)
	if err != nil || back.GasUsed != r.GasUsed || string(back.SCALE) != string(r.SCALE) {
		t.Fatalf("SCALE round trip: %+v, %v", back, err)
	}
	if v := callI64(t, rt, counter, "inc", false); v != 2 {
		t.Fatalf("inc gave %d", v)
	}
	if v := callI64(t, rt, counter, "get", true); v != 2 {
		t.Fatalf("get gave %d", v)
	}
	acct, err := rt.Account(counter)
	if err != nil || !acct.IsContract || acct.PageCount != 1 {
		t.Fatalf("account %+v, %v", acct, err)
	}
	slice, err := rt.ReadSlice(counter, 0, 0, 8)
	if err != nil || binary.LittleEndian.Uint64(slice) != 2 {
		t.Fatalf("slice %x, %v", slice, err)
	}

	// Typed errors.
	_, r, err = rt.Deploy(Deploy{Code: []byte("\x00asm\x01\x00\x00\x00\xff"), PageCount: 1, Author: Address{1}, GasLimit: 1_000_000}, block)
	if !errors.Is(err, ErrInvalidContract) || r == nil || r.ErrorKind != TxInvalidCode {
		t.Fatalf("bad wasm: %v, %+v", err, r)
	}
	var e *Error
	if !errors.As(err, &e) || e.Message == "" || e.Status.String() != "STRATA_INVALID_CONTRACT" {
		t.Fatalf("bad wasm error %#v", err)
	}
	r, err = rt.Call(Call{Contract: counter, Function: "nope", GasLimit: 1_000_000}, block)
	if !errors.Is(err, ErrTxFailed) || r.ErrorKind != TxInvalidTransaction {
		t.Fatalf("unknown function: %v, %+v", err, r)
	}
	if _, err := rt.Call(Call{Contract: counter, Function: "\xff", GasLimit: 1_000_000}, block); !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	if _, err := rt.Execute([]byte{9, 9, 9}, block); !errors.Is(err, ErrDecode) {
		t.Fatalf("garbage transaction: %v", err)
	}
	if _, err := rt.Account(Address{0x77}); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("no account: %v", err)
	}

	// A block of two increments.
	tx, err := EncodeCall(Call{Contract: counter, Sender: Address{2}, Function: "inc", GasLimit: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	blk, err := rt.ExecuteBlock([][]byte{tx, tx}, BlockContext{Height: 2, Time: 1700000010})
	if err != nil || len(blk.Receipts) != 2 || blk.Receipts[1].Returns[0] != I64(4) || blk.Head.Height != 2 {
		t.Fatalf("block %+v, %v", blk, err)
	}
	head, err := rt.Head()
	if err != nil || head == nil || *head != blk.Head {
		t.Fatalf("head %+v, %v", head, err)
	}

	// Go host functions: the contract doubles a balance the Go side holds.
	doubler := deploy(t, rt, doublerWAT, 0)
	alice := Address{0xAA, 0xAA}
	l.balances[alice] = 21
	r, err = rt.Call(Call{Contract: doubler, Sender: Address{2}, Function: "double", Input: alice[:], GasLimit: 1_000_000}, block)
	if err != nil || r.Returns[0] != I64(42) || l.balances[alice] != 42 {
		t.Fatalf("double: %+v, %v, balance %d", r, err, l.balances[alice])
	}
	bob := Address{0xBB}
	r, err = rt.Call(Call{Contract: doubler, Sender: Address{2}, Function: "double", Input: bob[:], GasLimit: 1_000_000}, block)
	if !errors.Is(err, ErrTxFailed) || r.ErrorKind != TxHostError || !strings.Contains(r.ErrorMessage, "unknown account") {
		t.Fatalf("unknown account: %+v, %v", r, err)
	}
	l.fatal = true
	r, err = rt.Call(Call{Contract: doubler, Sender: Address{2}, Function: "double", Input: alice[:], GasLimit: 1_000_000}, block)
	if !errors.Is(err, ErrHostFunction) || r != nil || !strings.Contains(err.Error(), "offline") {
		t.Fatalf("fatal host function: %+v, %v", r, err)
	}
	l.fatal = false
	l.panics = true
	_, err = rt.Call(Call{Contract: doubler, Sender: Address{2}, Function: "double", Input: alice[:], GasLimit: 1_000_000}, block)
	if !errors.Is(err, ErrHostFunction) || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("a panicking host function: %v", err)
	}
	l.panics = false
	// The contract sets the balance, then traps: the journal undoes the
	// Go side's write with the transaction.
	r, err = rt.Call(Call{Contract: doubler, Sender: Address{2}, Function: "double_then_fail", Input: alice[:], GasLimit: 1_000_000}, block)
	if !errors.Is(err, ErrTxFailed) || r.ErrorKind != TxTrap || l.balances[alice] != 42 || len(l.saved) != 0 {
		t.Fatalf("a failed transaction's write: %+v, %v, balance %d, %d levels open", r, err, l.balances[alice], len(l.saved))
	}

	if reopen {
		if err := rt.Close(); err != nil {
			t.Fatal(err)
		}
		rt, err = open(b)
		if err != nil {
			t.Fatal(err)
		}
		if v := callI64(t, rt, counter, "get", true); v != 4 {
			t.Fatalf("after reopening, get gave %d", v)
		}
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); !errors.Is(err, ErrInvalidHandle) {
		t.Fatalf("a second close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := LiveObjects(); err != nil || n != 0 {
		t.Fatalf("%d objects live after closing everything (%v)", n, err)
	}
}

func TestInMemory(t *testing.T) {
	run(t, (*Builder).OpenMemory, false)
}

// STRATA_CAPI_ROCKSDB=1 says the library was built with RocksDB (the Rust
// test that runs `go test` sets it from its own features); without it,
// opening a store must be ErrUnsupported.
func TestRocksDB(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	open := func(b *Builder) (*Runtime, error) { return b.OpenRocksDB(dir) }
	if os.Getenv("STRATA_CAPI_ROCKSDB") != "1" {
		b, err := NewBuilder()
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if _, err := open(b); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("without RocksDB: %v", err)
		}
		return
	}
	run(t, open, true)
}
