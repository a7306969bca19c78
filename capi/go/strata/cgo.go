package strata

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdlib.h>
#include "strata_runtime.h"

// goHostTrampoline is exported by host.go.
extern int32_t goHostTrampoline(uintptr_t handle, StrataHostCtx *ctx, int64_t *args, size_t n, int64_t *result);

static int32_t strata_go_trampoline(void *user_data, StrataHostCtx *ctx, const int64_t *args,
                                    size_t n, int64_t *result) {
	return goHostTrampoline((uintptr_t)user_data, ctx, (int64_t *)args, n, result);
}

// goJournalHook is exported by host.go.
extern void goJournalHook(uintptr_t handle, int which);

static void strata_go_checkpoint(void *user_data) { goJournalHook((uintptr_t)user_data, 0); }
static void strata_go_rollback(void *user_data) { goJournalHook((uintptr_t)user_data, 1); }
static void strata_go_commit(void *user_data) { goJournalHook((uintptr_t)user_data, 2); }

// Sets a Go journal: user_data carries its cgo.Handle.
static StrataStatus strata_go_set_journal(StrataBuilder *b, uintptr_t handle) {
	return strata_builder_set_journal(b, strata_go_checkpoint, strata_go_rollback, strata_go_commit,
	                                  (void *)handle);
}

// Registers a Go host function: user_data carries its cgo.Handle.
static StrataStatus strata_go_add_host_function(StrataBuilder *b, const char *module, const char *name,
                                                const uint32_t *params, size_t params_len,
                                                uint32_t result, uint64_t gas, uintptr_t handle) {
	return strata_builder_add_host_function(b, module, name, params, params_len, result, gas,
	                                        strata_go_trampoline, (void *)handle);
}
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// call runs one C API call and turns a failure into an *Error. The
// goroutine stays on one OS thread for the call and the read of the
// per-thread last error message that goes with it.
func call(f func() C.StrataStatus) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	status := f()
	if status == C.STRATA_OK {
		return nil
	}
	return &Error{
		Status:  Status(status),
		Message: C.GoString(C.strata_last_error_message()),
	}
}

// cBytes copies b into C memory (nil for an empty slice); free it with
// C.free.
func cBytes(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(C.CBytes(b))
}

func cFree(p unsafe.Pointer) {
	if p != nil {
		C.free(p)
	}
}

func address(a *[20]C.uint8_t) Address {
	var out Address
	for i := range out {
		out[i] = byte(a[i])
	}
	return out
}

func setAddress(dst *[20]C.uint8_t, a Address) {
	for i := range a {
		dst[i] = C.uint8_t(a[i])
	}
}

func hash(h *[32]C.uint8_t) [32]byte {
	var out [32]byte
	for i := range out {
		out[i] = byte(h[i])
	}
	return out
}

func addHostFunction(b *C.StrataBuilder, module, name string, params []ValType, result ValType, gas uint64, handle uintptr) error {
	cModule := C.CString(module)
	defer C.free(unsafe.Pointer(cModule))
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	var cParams *C.uint32_t
	if len(params) > 0 {
		cParams = (*C.uint32_t)(C.malloc(C.size_t(4 * len(params))))
		defer C.free(unsafe.Pointer(cParams))
		view := unsafe.Slice(cParams, len(params))
		for i, p := range params {
			view[i] = C.uint32_t(p)
		}
	}
	return call(func() C.StrataStatus {
		return C.strata_go_add_host_function(b, cModule, cName, cParams, C.size_t(len(params)),
			C.uint32_t(result), C.uint64_t(gas), C.uintptr_t(handle))
	})
}

func setJournal(b *C.StrataBuilder, handle uintptr) error {
	return call(func() C.StrataStatus { return C.strata_go_set_journal(b, C.uintptr_t(handle)) })
}
