/* A contract in C that calls host functions of both modules through the
 * generated header. Built by tests/c_contract.rs with clang --target=wasm32. */
#include "strata.h"

static uint64_t load_be64(const uint8_t *b) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | b[i];
    return v;
}

static void store_be64(uint8_t *b, uint64_t v) {
    for (int i = 7; i >= 0; i--) { b[i] = (uint8_t)(v & 0xff); v >>= 8; }
}

/* Adds one to the big-endian counter at page 0, offset 0; returns it. */
STRATA_EXPORT("increment")
int64_t increment(void) {
    uint8_t buf[8];
    strata_storage_read(0, 0, buf, 8);
    uint64_t v = load_be64(buf) + 1;
    store_be64(buf, v);
    strata_storage_write(0, 0, buf, 8);
    strata_set_return(buf, 8);
    strata_log("incremented", 11);
    return (int64_t)v;
}

/* Round-trips a value through an SVM register. */
STRATA_EXPORT("svm_roundtrip")
int64_t svm_roundtrip(int64_t x) {
    svm_reg_write_be_i64(x, 64, 3);
    return svm_reg_read_be_i64(64, 3);
}

/* Copies the call input into storage page 1 through an SVM register. */
STRATA_EXPORT("input_to_storage")
void input_to_storage(void) {
    uint8_t in[32];
    int32_t n = strata_input_len();
    if (n > 32) strata_abort("input too long", 14);
    strata_input_copy(in, 0, n);
    svm_mem_to_reg_copy(0, in, n, 256, 0);
    svm_storage_write_from_reg(256, 0, 32, 1, 0, 0);
}

/* Fails on purpose. */
STRATA_EXPORT("fail")
void fail(void) {
    strata_abort("no way", 6);
}
