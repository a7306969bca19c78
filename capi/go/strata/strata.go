// Package strata is the Go binding of the Strata runtime's C API
// (capi/include/strata_runtime.h): open a runtime in memory or on RocksDB,
// deploy contracts, execute transactions and blocks, query, read state,
// and add host functions written in Go.
//
// Failures are *Error values carrying the C API's status; compare them
// with errors.Is against the sentinels (ErrTxFailed, ErrInvalidContract,
// ...). A transaction that ran and failed returns its *Receipt and an
// error. Receipts are plain Go structs: the binding copies everything out
// of the C handles and frees them.
//
// Build it against the static library:
//
//	CGO_LDFLAGS="$TARGET/release/libstrata_capi.a -lpthread -ldl -lm -lstdc++" go test ./...
package strata

/*
#include <stdlib.h>
#include "strata_runtime.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// Status is a C API status code (StrataStatus).
type Status int

// The C API's status codes.
const (
	StatusOK              Status = C.STRATA_OK
	StatusInvalidArgument Status = C.STRATA_INVALID_ARGUMENT
	StatusInvalidUTF8     Status = C.STRATA_INVALID_UTF8
	StatusInvalidHandle   Status = C.STRATA_INVALID_HANDLE
	StatusDecode          Status = C.STRATA_DECODE
	StatusInvalidContract Status = C.STRATA_INVALID_CONTRACT
	StatusTxFailed        Status = C.STRATA_TX_FAILED
	StatusNoAccount       Status = C.STRATA_NO_ACCOUNT
	StatusStoreLocked     Status = C.STRATA_STORE_LOCKED
	StatusStoreCorrupt    Status = C.STRATA_STORE_CORRUPT
	StatusNotAStore       Status = C.STRATA_NOT_A_STORE
	StatusStoreFull       Status = C.STRATA_STORE_FULL
	StatusStoreError      Status = C.STRATA_STORE_ERROR
	StatusHostFunction    Status = C.STRATA_HOST_FUNCTION
	StatusLink            Status = C.STRATA_LINK
	StatusUnsupported     Status = C.STRATA_UNSUPPORTED
	StatusReentrant       Status = C.STRATA_REENTRANT
	StatusOutOfGas        Status = C.STRATA_OUT_OF_GAS
	StatusOutOfBounds     Status = C.STRATA_OUT_OF_BOUNDS
	StatusInternal        Status = C.STRATA_INTERNAL
	StatusPanic           Status = C.STRATA_PANIC
)

// String is the status's C name (STRATA_TX_FAILED).
func (s Status) String() string {
	return C.GoString(C.strata_status_name(C.int32_t(s)))
}

// Error is a failed call of the C API: its status and message.
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("strata: %s: %s", e.Status, e.Message)
}

// Is matches errors of the same status, so errors.Is(err, ErrTxFailed)
// works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

// Sentinels for errors.Is.
var (
	ErrInvalidArgument = &Error{Status: StatusInvalidArgument}
	ErrInvalidUTF8     = &Error{Status: StatusInvalidUTF8}
	ErrInvalidHandle   = &Error{Status: StatusInvalidHandle}
	ErrDecode          = &Error{Status: StatusDecode}
	ErrInvalidContract = &Error{Status: StatusInvalidContract}
	ErrTxFailed        = &Error{Status: StatusTxFailed}
	ErrNoAccount       = &Error{Status: StatusNoAccount}
	ErrStoreLocked     = &Error{Status: StatusStoreLocked}
	ErrStoreCorrupt    = &Error{Status: StatusStoreCorrupt}
	ErrNotAStore       = &Error{Status: StatusNotAStore}
	ErrHostFunction    = &Error{Status: StatusHostFunction}
	ErrLink            = &Error{Status: StatusLink}
	ErrUnsupported     = &Error{Status: StatusUnsupported}
	ErrReentrant       = &Error{Status: StatusReentrant}
	ErrOutOfGas        = &Error{Status: StatusOutOfGas}
	ErrOutOfBounds     = &Error{Status: StatusOutOfBounds}
)

// Address is a 20-byte account address.
type Address [20]byte

// ValType is a wasm scalar type of an argument, a result or a host
// function's signature.
type ValType uint32

// The value types.
const (
	TypeNone ValType = C.STRATA_TYPE_NONE
	TypeI32  ValType = C.STRATA_TYPE_I32
	TypeI64  ValType = C.STRATA_TYPE_I64
)

// Arg is a scalar argument or result.
type Arg struct {
	Type  ValType
	Value int64
}

// I32 is an i32 argument.
func I32(v int32) Arg { return Arg{Type: TypeI32, Value: int64(v)} }

// I64 is an i64 argument.
func I64(v int64) Arg { return Arg{Type: TypeI64, Value: v} }

// BlockContext is the block a transaction runs in.
type BlockContext struct {
	Height uint64
	Time   uint64
}

func (b BlockContext) c() C.StrataBlockContext {
	return C.StrataBlockContext{height: C.uint64_t(b.Height), time: C.uint64_t(b.Time)}
}

// TxErrorKind is why a transaction failed (TxNone when it succeeded).
type TxErrorKind int

// The kinds, as the C API numbers them.
const (
	TxNone               TxErrorKind = C.STRATA_TX_NONE
	TxOutOfGas           TxErrorKind = C.STRATA_TX_OUT_OF_GAS
	TxTrap               TxErrorKind = C.STRATA_TX_TRAP
	TxAbort              TxErrorKind = C.STRATA_TX_ABORT
	TxHostError          TxErrorKind = C.STRATA_TX_HOST_ERROR
	TxStackOverflow      TxErrorKind = C.STRATA_TX_STACK_OVERFLOW
	TxResourceLimit      TxErrorKind = C.STRATA_TX_RESOURCE_LIMIT
	TxReadOnly           TxErrorKind = C.STRATA_TX_READ_ONLY
	TxInvalidTransaction TxErrorKind = C.STRATA_TX_INVALID_TRANSACTION
	TxInvalidCode        TxErrorKind = C.STRATA_TX_INVALID_CODE
	TxAddressTaken       TxErrorKind = C.STRATA_TX_ADDRESS_TAKEN
	TxOverGasCap         TxErrorKind = C.STRATA_TX_OVER_GAS_CAP
	TxBlockGasExhausted  TxErrorKind = C.STRATA_TX_BLOCK_GAS_EXHAUSTED
)

// Event is an event a contract emitted.
type Event struct {
	Contract Address
	Topics   [][32]byte
	Data     []byte
}

// StateRoot is a contract's new storage root after a transaction.
type StateRoot struct {
	Contract Address
	Root     [32]byte
}

// Receipt is what a transaction did.
type Receipt struct {
	ErrorKind    TxErrorKind
	ErrorMessage string
	Deployed     *Address
	Returns      []Arg
	ReturnData   []byte
	GasUsed      uint64
	StateRoots   []StateRoot
	Events       []Event
	Logs         []string
	// SCALE is the receipt's SCALE encoding, the node's wire format.
	SCALE []byte
}

// Success reports whether the transaction succeeded.
func (r *Receipt) Success() bool { return r.ErrorKind == TxNone }

// receipt copies a receipt handle into Go and frees the handle.
func receipt(h *C.StrataReceipt) (*Receipt, error) {
	defer C.strata_receipt_free(h)
	r := &Receipt{}
	var kind C.StrataTxErrorKind
	var msg *C.char
	var msgLen C.size_t
	if err := call(func() C.StrataStatus { return C.strata_receipt_error(h, &kind, &msg, &msgLen) }); err != nil {
		return nil, err
	}
	r.ErrorKind = TxErrorKind(kind)
	r.ErrorMessage = C.GoStringN(msg, C.int(msgLen))
	var gas C.uint64_t
	C.strata_receipt_gas_used(h, &gas)
	r.GasUsed = uint64(gas)
	var deployed [20]C.uint8_t
	var found C.bool
	C.strata_receipt_deployed(h, &deployed[0], &found)
	if found {
		a := address(&deployed)
		r.Deployed = &a
	}
	var n C.size_t
	C.strata_receipt_returns_count(h, &n)
	for i := C.size_t(0); i < n; i++ {
		var v C.StrataArg
		C.strata_receipt_return(h, i, &v)
		r.Returns = append(r.Returns, Arg{Type: ValType(v.ty), Value: int64(v.value)})
	}
	var data *C.uint8_t
	var dataLen C.size_t
	C.strata_receipt_return_data(h, &data, &dataLen)
	r.ReturnData = C.GoBytes(unsafe.Pointer(data), C.int(dataLen))
	C.strata_receipt_events_count(h, &n)
	for i := C.size_t(0); i < n; i++ {
		var e C.StrataEvent
		C.strata_receipt_event(h, i, &e)
		ev := Event{Contract: address(&e.contract), Data: C.GoBytes(unsafe.Pointer(e.data), C.int(e.data_len))}
		topics := C.GoBytes(unsafe.Pointer(e.topics), C.int(32*e.topics_count))
		for t := 0; t+32 <= len(topics); t += 32 {
			var topic [32]byte
			copy(topic[:], topics[t:t+32])
			ev.Topics = append(ev.Topics, topic)
		}
		r.Events = append(r.Events, ev)
	}
	C.strata_receipt_roots_count(h, &n)
	for i := C.size_t(0); i < n; i++ {
		var a [20]C.uint8_t
		var root [32]C.uint8_t
		C.strata_receipt_root(h, i, &a[0], &root[0])
		r.StateRoots = append(r.StateRoots, StateRoot{Contract: address(&a), Root: hash(&root)})
	}
	C.strata_receipt_logs_count(h, &n)
	for i := C.size_t(0); i < n; i++ {
		var text *C.uint8_t
		var textLen C.size_t
		C.strata_receipt_log(h, i, &text, &textLen)
		r.Logs = append(r.Logs, string(C.GoBytes(unsafe.Pointer(text), C.int(textLen))))
	}
	var bytes C.StrataBytes
	if err := call(func() C.StrataStatus { return C.strata_receipt_to_bytes(h, &bytes) }); err != nil {
		return nil, err
	}
	r.SCALE = C.GoBytes(unsafe.Pointer(bytes.data), C.int(bytes.len))
	C.strata_bytes_free(&bytes)
	return r, nil
}

// ReceiptFromSCALE decodes a receipt from its SCALE bytes.
func ReceiptFromSCALE(b []byte) (*Receipt, error) {
	data := cBytes(b)
	defer cFree(unsafe.Pointer(data))
	var h *C.StrataReceipt
	if err := call(func() C.StrataStatus { return C.strata_receipt_from_bytes(data, C.size_t(len(b)), &h) }); err != nil {
		return nil, err
	}
	return receipt(h)
}

// Config is the runtime's configuration; DefaultConfig gives the
// runtime's defaults. See RuntimeConfig in strata-runtime for each field.
type Config struct {
	GasDeployPerByte     uint64
	GasInstantiateBase   uint64
	GasInstantiatePerKiB uint64
	GasPageRead          uint64
	GasPageWrite         uint64
	GasMapLevelRead      uint64
	GasMapLevelWrite     uint64
	GasMapFold           uint64
	MaxCallDepth         uint32
	MaxPageCount         uint32
	MaxMemoryPages       uint32
	EagerCompilation     bool
	AllowReentrancy      bool
	MaxTxGas             uint64
	MaxBlockGas          uint64
	c                    C.StrataConfig
}

// DefaultConfig is the runtime's default configuration.
func DefaultConfig() Config {
	var c C.StrataConfig
	C.strata_config_default(&c)
	return Config{
		GasDeployPerByte:     uint64(c.gas_deploy_per_byte),
		GasInstantiateBase:   uint64(c.gas_instantiate_base),
		GasInstantiatePerKiB: uint64(c.gas_instantiate_per_kib),
		GasPageRead:          uint64(c.gas_page_read),
		GasPageWrite:         uint64(c.gas_page_write),
		GasMapLevelRead:      uint64(c.gas_map_level_read),
		GasMapLevelWrite:     uint64(c.gas_map_level_write),
		GasMapFold:           uint64(c.gas_map_fold),
		MaxCallDepth:         uint32(c.max_call_depth),
		MaxPageCount:         uint32(c.max_page_count),
		MaxMemoryPages:       uint32(c.max_memory_pages),
		EagerCompilation:     c.compilation == C.STRATA_COMPILATION_EAGER,
		AllowReentrancy:      c.allow_reentrancy != 0,
		MaxTxGas:             uint64(c.max_tx_gas),
		MaxBlockGas:          uint64(c.max_block_gas),
		c:                    c,
	}
}

func (cfg Config) toC() C.StrataConfig {
	c := cfg.c
	if c.module_cache == 0 {
		// A Config not made by DefaultConfig: start from the defaults.
		C.strata_config_default(&c)
	}
	c.gas_deploy_per_byte = C.uint64_t(cfg.GasDeployPerByte)
	c.gas_instantiate_base = C.uint64_t(cfg.GasInstantiateBase)
	c.gas_instantiate_per_kib = C.uint64_t(cfg.GasInstantiatePerKiB)
	c.gas_page_read = C.uint64_t(cfg.GasPageRead)
	c.gas_page_write = C.uint64_t(cfg.GasPageWrite)
	c.gas_map_level_read = C.uint64_t(cfg.GasMapLevelRead)
	c.gas_map_level_write = C.uint64_t(cfg.GasMapLevelWrite)
	c.gas_map_fold = C.uint64_t(cfg.GasMapFold)
	c.max_call_depth = C.uint32_t(cfg.MaxCallDepth)
	c.max_page_count = C.uint32_t(cfg.MaxPageCount)
	c.max_memory_pages = C.uint32_t(cfg.MaxMemoryPages)
	c.compilation = C.STRATA_COMPILATION_LAZY
	if cfg.EagerCompilation {
		c.compilation = C.STRATA_COMPILATION_EAGER
	}
	c.allow_reentrancy = 0
	if cfg.AllowReentrancy {
		c.allow_reentrancy = 1
	}
	c.max_tx_gas = C.uint64_t(cfg.MaxTxGas)
	c.max_block_gas = C.uint64_t(cfg.MaxBlockGas)
	return c
}

// hosts keeps the cgo handles of a builder's host functions alive while
// the builder or any runtime it opened is open.
type hosts struct {
	mu      sync.Mutex
	handles []cgo.Handle
	refs    int
}

func (h *hosts) acquire() {
	h.mu.Lock()
	h.refs++
	h.mu.Unlock()
}

func (h *hosts) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refs--
	if h.refs == 0 {
		for _, handle := range h.handles {
			handle.Delete()
		}
		h.handles = nil
	}
}

// Builder configures runtimes: configuration and host functions.
type Builder struct {
	b     *C.StrataBuilder
	hosts *hosts
}

// NewBuilder makes a builder with the default configuration.
func NewBuilder() (*Builder, error) {
	var b *C.StrataBuilder
	if err := call(func() C.StrataStatus { return C.strata_builder_new(&b) }); err != nil {
		return nil, err
	}
	return &Builder{b: b, hosts: &hosts{refs: 1}}, nil
}

// SetConfig sets the configuration of runtimes opened afterwards.
func (b *Builder) SetConfig(cfg Config) error {
	c := cfg.toC()
	return call(func() C.StrataStatus { return C.strata_builder_set_config(b.b, &c) })
}

// AddHostFunction registers f as the host function module.name that
// contracts import with the given signature; gas is charged on every call
// before f runs.
func (b *Builder) AddHostFunction(module, name string, params []ValType, result ValType, gas uint64, f HostFunc) error {
	handle := cgo.NewHandle(f)
	if err := addHostFunction(b.b, module, name, params, result, gas, uintptr(handle)); err != nil {
		handle.Delete()
		return err
	}
	b.hosts.mu.Lock()
	b.hosts.handles = append(b.hosts.handles, handle)
	b.hosts.mu.Unlock()
	return nil
}

// SetJournal makes j follow the fate of each block, transaction and nested
// call of runtimes opened afterwards (without one, state the Go side keeps
// for its host functions is never rolled back).
func (b *Builder) SetJournal(j Journal) error {
	handle := cgo.NewHandle(j)
	if err := setJournal(b.b, uintptr(handle)); err != nil {
		handle.Delete()
		return err
	}
	b.hosts.mu.Lock()
	b.hosts.handles = append(b.hosts.handles, handle)
	b.hosts.mu.Unlock()
	return nil
}

// Close frees the builder; runtimes it opened stay open.
func (b *Builder) Close() error {
	err := call(func() C.StrataStatus { return C.strata_builder_free(b.b) })
	if err == nil {
		b.hosts.release()
	}
	return err
}

// OpenMemory opens a runtime on a new in-memory store.
func (b *Builder) OpenMemory() (*Runtime, error) {
	var rt *C.StrataRuntime
	if err := call(func() C.StrataStatus { return C.strata_builder_open_memory(b.b, &rt) }); err != nil {
		return nil, err
	}
	b.hosts.acquire()
	return &Runtime{rt: rt, hosts: b.hosts}, nil
}

// OpenRocksDB opens a runtime on the RocksDB store in directory path,
// creating it if the directory is missing or empty.
func (b *Builder) OpenRocksDB(path string) (*Runtime, error) {
	cPath := C.CString(path)
	defer C.free(unsafe.Pointer(cPath))
	var rt *C.StrataRuntime
	if err := call(func() C.StrataStatus { return C.strata_builder_open_rocksdb(b.b, cPath, &rt) }); err != nil {
		return nil, err
	}
	b.hosts.acquire()
	return &Runtime{rt: rt, hosts: b.hosts}, nil
}

// Runtime is an open runtime. Its methods may be called from any
// goroutine.
type Runtime struct {
	rt    *C.StrataRuntime
	hosts *hosts
	once  sync.Once
}

// Close closes the runtime (and releases a RocksDB store's lock).
func (r *Runtime) Close() error {
	err := call(func() C.StrataStatus { return C.strata_runtime_close(r.rt) })
	if err == nil {
		r.once.Do(r.hosts.release)
	}
	return err
}

// Bank is a register bank a contract declares.
type Bank struct {
	WidthBits uint32
	Count     uint32
}

// Deploy is a deploy transaction's parameters.
type Deploy struct {
	Code      []byte
	PageCount uint32
	// Banks nil means the SVM default banks.
	Banks    []Bank
	Ctor     string // "" for none
	CtorArgs []Arg
	Balance  uint64
	Author   Address
	// Nonce nil means the author's next nonce.
	Nonce    *uint64
	Name     string // "" for none
	GasLimit uint64
}

// Call is a call transaction's parameters.
type Call struct {
	Contract Address
	Sender   Address
	Function string
	Args     []Arg
	Input    []byte
	GasLimit uint64
}

// cArgs copies args into C memory (nil when empty); free with C.free.
func cArgs(args []Arg) *C.StrataArg {
	if len(args) == 0 {
		return nil
	}
	p := (*C.StrataArg)(C.malloc(C.size_t(unsafe.Sizeof(C.StrataArg{}) * uintptr(len(args)))))
	view := unsafe.Slice(p, len(args))
	for i, a := range args {
		view[i] = C.StrataArg{ty: C.uint32_t(a.Type), value: C.int64_t(a.Value)}
	}
	return p
}

// withDeploy builds the C parameters of d (all pointers in C memory), runs
// f, and frees them.
func withDeploy(d *Deploy, f func(p *C.StrataDeployParams) error) error {
	var p C.StrataDeployParams
	p.code = cBytes(d.Code)
	defer cFree(unsafe.Pointer(p.code))
	p.code_len = C.size_t(len(d.Code))
	p.page_count = C.uint32_t(d.PageCount)
	if d.Banks != nil {
		n := len(d.Banks)
		if n == 0 {
			n = 1 // non-null with length 0 declares no registers
		}
		p.banks = (*C.StrataBank)(C.malloc(C.size_t(unsafe.Sizeof(C.StrataBank{}) * uintptr(n))))
		defer C.free(unsafe.Pointer(p.banks))
		view := unsafe.Slice(p.banks, n)
		for i, b := range d.Banks {
			view[i] = C.StrataBank{width_bits: C.uint32_t(b.WidthBits), count: C.uint32_t(b.Count)}
		}
		p.banks_len = C.size_t(len(d.Banks))
	}
	if d.Ctor != "" {
		p.ctor = C.CString(d.Ctor)
		defer C.free(unsafe.Pointer(p.ctor))
		p.ctor_args = cArgs(d.CtorArgs)
		defer cFree(unsafe.Pointer(p.ctor_args))
		p.ctor_args_len = C.size_t(len(d.CtorArgs))
	}
	p.balance_lo = C.uint64_t(d.Balance)
	setAddress(&p.author, d.Author)
	if d.Nonce != nil {
		p.has_nonce = 1
		p.nonce = C.uint64_t(*d.Nonce)
	}
	if d.Name != "" {
		p.name = C.CString(d.Name)
		defer C.free(unsafe.Pointer(p.name))
	}
	p.gas_limit = C.uint64_t(d.GasLimit)
	return f(&p)
}

// withCall builds the C parameters of c (all pointers in C memory), runs
// f, and frees them.
func withCall(c *Call, f func(p *C.StrataCallParams) error) error {
	var p C.StrataCallParams
	setAddress(&p.contract, c.Contract)
	setAddress(&p.sender, c.Sender)
	p.function = C.CString(c.Function)
	defer C.free(unsafe.Pointer(p.function))
	p.args = cArgs(c.Args)
	defer cFree(unsafe.Pointer(p.args))
	p.args_len = C.size_t(len(c.Args))
	p.input = cBytes(c.Input)
	defer cFree(unsafe.Pointer(p.input))
	p.input_len = C.size_t(len(c.Input))
	p.gas_limit = C.uint64_t(c.GasLimit)
	return f(&p)
}

// finish turns a call that may hand over a receipt into the Go receipt
// and error (a failed transaction gives both).
func finish(h *C.StrataReceipt, err error) (*Receipt, error) {
	if h == nil {
		return nil, err
	}
	r, rerr := receipt(h)
	if rerr != nil {
		return nil, rerr
	}
	return r, err
}

// Deploy deploys a contract in a transaction of its own and returns its
// address. Code that is not a valid contract is ErrInvalidContract; any
// other failed deploy ErrTxFailed; both come with the receipt.
func (r *Runtime) Deploy(d Deploy, block BlockContext) (Address, *Receipt, error) {
	var h *C.StrataReceipt
	var addr [20]C.uint8_t
	err := withDeploy(&d, func(p *C.StrataDeployParams) error {
		return call(func() C.StrataStatus { return C.strata_deploy(r.rt, p, block.c(), &addr[0], &h) })
	})
	rec, err := finish(h, err)
	return address(&addr), rec, err
}

// Call calls a contract's function in a transaction of its own. A failed
// transaction returns its receipt and ErrTxFailed.
func (r *Runtime) Call(c Call, block BlockContext) (*Receipt, error) {
	var h *C.StrataReceipt
	err := withCall(&c, func(p *C.StrataCallParams) error {
		return call(func() C.StrataStatus { return C.strata_call(r.rt, p, block.c(), &h) })
	})
	return finish(h, err)
}

// Query runs a call read-only: nothing is committed, and a write fails it.
func (r *Runtime) Query(c Call, block BlockContext) (*Receipt, error) {
	var h *C.StrataReceipt
	err := withCall(&c, func(p *C.StrataCallParams) error {
		return call(func() C.StrataStatus { return C.strata_query(r.rt, p, block.c(), &h) })
	})
	return finish(h, err)
}

// EncodeCall is the SCALE encoding of a call transaction.
func EncodeCall(c Call) ([]byte, error) {
	var out []byte
	err := withCall(&c, func(p *C.StrataCallParams) error {
		var b C.StrataBytes
		if err := call(func() C.StrataStatus { return C.strata_call_tx_encode(p, &b) }); err != nil {
			return err
		}
		out = C.GoBytes(unsafe.Pointer(b.data), C.int(b.len))
		C.strata_bytes_free(&b)
		return nil
	})
	return out, err
}

// EncodeDeploy is the SCALE encoding of a deploy transaction.
func EncodeDeploy(d Deploy) ([]byte, error) {
	var out []byte
	err := withDeploy(&d, func(p *C.StrataDeployParams) error {
		var b C.StrataBytes
		if err := call(func() C.StrataStatus { return C.strata_deploy_tx_encode(p, &b) }); err != nil {
			return err
		}
		out = C.GoBytes(unsafe.Pointer(b.data), C.int(b.len))
		C.strata_bytes_free(&b)
		return nil
	})
	return out, err
}

// Execute executes one SCALE-encoded transaction.
func (r *Runtime) Execute(tx []byte, block BlockContext) (*Receipt, error) {
	data := cBytes(tx)
	defer cFree(unsafe.Pointer(data))
	var h *C.StrataReceipt
	err := call(func() C.StrataStatus { return C.strata_execute(r.rt, data, C.size_t(len(tx)), block.c(), &h) })
	return finish(h, err)
}

// Head is a block's height and the state root over every account after
// it.
type Head struct {
	Height    uint64
	StateRoot [32]byte
}

// Block is what a block gave: a receipt per transaction, and its head.
type Block struct {
	Receipts []*Receipt
	Head     Head
}

// ExecuteBlock executes SCALE-encoded transactions as one block,
// committed atomically. Failed transactions are in their receipts; the
// error is for the block as a whole.
func (r *Runtime) ExecuteBlock(txs [][]byte, block BlockContext) (*Block, error) {
	n := len(txs)
	if n == 0 {
		n = 1
	}
	slices := (*C.StrataSlice)(C.malloc(C.size_t(unsafe.Sizeof(C.StrataSlice{}) * uintptr(n))))
	defer C.free(unsafe.Pointer(slices))
	view := unsafe.Slice(slices, n)
	for i, tx := range txs {
		view[i] = C.StrataSlice{data: cBytes(tx), len: C.size_t(len(tx))}
		defer cFree(unsafe.Pointer(view[i].data))
	}
	var h *C.StrataBlock
	if err := call(func() C.StrataStatus {
		return C.strata_execute_block(r.rt, slices, C.size_t(len(txs)), block.c(), &h)
	}); err != nil {
		return nil, err
	}
	defer C.strata_block_free(h)
	out := &Block{}
	var count C.size_t
	C.strata_block_receipts_count(h, &count)
	for i := C.size_t(0); i < count; i++ {
		var rh *C.StrataReceipt
		if err := call(func() C.StrataStatus { return C.strata_block_receipt(h, i, &rh) }); err != nil {
			return nil, err
		}
		rec, err := receipt(rh)
		if err != nil {
			return nil, err
		}
		out.Receipts = append(out.Receipts, rec)
	}
	var head C.StrataHead
	C.strata_block_head(h, &head)
	out.Head = Head{Height: uint64(head.height), StateRoot: hash(&head.state_root)}
	return out, nil
}

// Head is the latest block's head, or nil before the first block.
func (r *Runtime) Head() (*Head, error) {
	var head C.StrataHead
	var found C.bool
	if err := call(func() C.StrataStatus { return C.strata_head(r.rt, &head, &found) }); err != nil {
		return nil, err
	}
	if !found {
		return nil, nil
	}
	return &Head{Height: uint64(head.height), StateRoot: hash(&head.state_root)}, nil
}

// Account is an account's committed state.
type Account struct {
	IsContract bool
	CodeHash   [32]byte
	PageCount  uint32
	StateRoot  [32]byte
	Balance    uint64 // the low 64 bits
	Nonce      uint64
}

// Account is the committed state of the account at a (ErrNoAccount if
// there is none).
func (r *Runtime) Account(a Address) (*Account, error) {
	var out C.StrataAccount
	addr := cBytes(a[:])
	defer cFree(unsafe.Pointer(addr))
	if err := call(func() C.StrataStatus { return C.strata_account(r.rt, addr, &out) }); err != nil {
		return nil, err
	}
	return &Account{
		IsContract: bool(out.is_contract),
		CodeHash:   hash(&out.code_hash),
		PageCount:  uint32(out.page_count),
		StateRoot:  hash(&out.state_root),
		Balance:    uint64(out.balance_lo),
		Nonce:      uint64(out.nonce),
	}, nil
}

// ReadSlice reads the committed bytes of a slice of a contract's storage.
func (r *Runtime) ReadSlice(a Address, page, offset, length uint32) ([]byte, error) {
	addr := cBytes(a[:])
	defer cFree(unsafe.Pointer(addr))
	n := length
	if n == 0 {
		n = 1
	}
	buf := (*C.uint8_t)(C.malloc(C.size_t(n)))
	defer C.free(unsafe.Pointer(buf))
	if err := call(func() C.StrataStatus {
		return C.strata_read_slice(r.rt, addr, C.uint32_t(page), C.uint32_t(offset), buf, C.uint32_t(length))
	}); err != nil {
		return nil, err
	}
	return C.GoBytes(unsafe.Pointer(buf), C.int(length)), nil
}

// WatToWasm compiles WebAssembly text to wasm.
func WatToWasm(text string) ([]byte, error) {
	cText := C.CString(text)
	defer C.free(unsafe.Pointer(cText))
	var b C.StrataBytes
	if err := call(func() C.StrataStatus { return C.strata_wat_to_wasm(cText, &b) }); err != nil {
		return nil, err
	}
	defer C.strata_bytes_free(&b)
	return C.GoBytes(unsafe.Pointer(b.data), C.int(b.len)), nil
}

// LiveObjects is how many C API objects are not yet freed in the process
// (0 once every runtime and builder is closed: a leak check).
func LiveObjects() (int, error) {
	var n C.size_t
	err := call(func() C.StrataStatus { return C.strata_live_objects(&n) })
	return int(n), err
}

var _ = errors.Is
