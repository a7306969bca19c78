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
	"unsafe"
)

// HostFunc is a host function written in Go. A panic in it is recovered
// and fails the call as a FatalError would. It gets the call's context
// and its arguments (each widened to int64), and returns its result
// (ignored when it declares none). Returning an error fails the call: a
// FatalError (see Fatal) means the node cannot go on (no receipt, nothing
// applied, ErrHostFunction); any other error refuses the contract's call
// (a failed receipt, TxHostError, with the error's text).
type HostFunc func(ctx *HostCtx, args []int64) (int64, error)

// HostCtx is a host call's context, valid only during that call.
type HostCtx struct {
	c *C.StrataHostCtx
}

// FatalError marks a host function's failure as the node's fault.
type FatalError struct{ Err error }

func (e *FatalError) Error() string { return e.Err.Error() }
func (e *FatalError) Unwrap() error { return e.Err }

// Fatal wraps err as a FatalError.
func Fatal(err error) error { return &FatalError{Err: err} }

// The context calls run on the callback's own thread (a cgo callback stays
// on its OS thread), so the per-thread last error is theirs.
func ctxCall(f func() C.StrataStatus) error {
	status := f()
	if status == C.STRATA_OK {
		return nil
	}
	return &Error{Status: Status(status), Message: C.GoString(C.strata_last_error_message())}
}

// GasLeft is the gas left in the running call.
func (c *HostCtx) GasLeft() uint64 {
	var left C.uint64_t
	C.strata_host_gas_left(c.c, &left)
	return uint64(left)
}

// Charge takes gas from the running call (ErrOutOfGas when there is not
// enough; the call then fails with out of gas).
func (c *HostCtx) Charge(gas uint64) error {
	return ctxCall(func() C.StrataStatus { return C.strata_host_charge(c.c, C.uint64_t(gas)) })
}

// ReadMemory reads n bytes of guest memory at offset.
func (c *HostCtx) ReadMemory(offset uint32, n int) ([]byte, error) {
	buf := make([]byte, n)
	var p *C.uint8_t
	if n > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&buf[0]))
	}
	err := ctxCall(func() C.StrataStatus { return C.strata_host_read_memory(c.c, C.uint32_t(offset), p, C.size_t(n)) })
	return buf, err
}

// WriteMemory writes b into guest memory at offset.
func (c *HostCtx) WriteMemory(offset uint32, b []byte) error {
	var p *C.uint8_t
	if len(b) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&b[0]))
	}
	return ctxCall(func() C.StrataStatus { return C.strata_host_write_memory(c.c, C.uint32_t(offset), p, C.size_t(len(b))) })
}

// ReadRegister reads register idx of the bank of bits-bit registers.
func (c *HostCtx) ReadRegister(bits, idx uint32) ([]byte, error) {
	buf := make([]byte, (bits+7)/8)
	var p *C.uint8_t
	if len(buf) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&buf[0]))
	}
	err := ctxCall(func() C.StrataStatus {
		return C.strata_host_read_register(c.c, C.uint32_t(bits), C.uint32_t(idx), p, C.size_t(len(buf)))
	})
	return buf, err
}

// WriteRegister writes b (the register's full width) into register idx of
// the bank of bits-bit registers.
func (c *HostCtx) WriteRegister(bits, idx uint32, b []byte) error {
	var p *C.uint8_t
	if len(b) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&b[0]))
	}
	return ctxCall(func() C.StrataStatus {
		return C.strata_host_write_register(c.c, C.uint32_t(bits), C.uint32_t(idx), p, C.size_t(len(b)))
	})
}

//export goHostTrampoline
func goHostTrampoline(handle C.uintptr_t, ctx *C.StrataHostCtx, args *C.int64_t, n C.size_t, result *C.int64_t) (rc C.int32_t) {
	// A Go panic cannot unwind through C: it fails the node's call instead.
	defer func() {
		if p := recover(); p != nil {
			msg := C.CString(fmt.Sprintf("the Go host function panicked: %v", p))
			C.strata_host_fail(ctx, msg)
			C.free(unsafe.Pointer(msg))
			rc = C.STRATA_HOST_FATAL
		}
	}()
	f := cgo.Handle(handle).Value().(HostFunc)
	goArgs := make([]int64, int(n))
	if n > 0 {
		for i, a := range unsafe.Slice(args, int(n)) {
			goArgs[i] = int64(a)
		}
	}
	hc := &HostCtx{c: ctx}
	v, err := f(hc, goArgs)
	if err != nil {
		msg := C.CString(err.Error())
		C.strata_host_fail(ctx, msg)
		C.free(unsafe.Pointer(msg))
		var fatal *FatalError
		if errors.As(err, &fatal) {
			return C.STRATA_HOST_FATAL
		}
		return C.STRATA_HOST_DENIED
	}
	*result = C.int64_t(v)
	return C.STRATA_HOST_OK
}

// Journal is state the Go side keeps for its host functions that follows
// the fate of each block, transaction and nested call: the runtime calls
// Checkpoint when it opens a level, Rollback when the level failed (undo
// every change since its checkpoint) and Commit when it succeeded. The
// hooks run while the runtime is busy: they must not call it, and must not
// panic (a panic is recovered and the hook's work lost).
type Journal interface {
	Checkpoint()
	Rollback()
	Commit()
}

//export goJournalHook
func goJournalHook(handle C.uintptr_t, which C.int) {
	defer func() { _ = recover() }()
	j := cgo.Handle(handle).Value().(Journal)
	switch which {
	case 0:
		j.Checkpoint()
	case 1:
		j.Rollback()
	case 2:
		j.Commit()
	}
}
