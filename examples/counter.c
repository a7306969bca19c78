/* The counter, in C. Build it with:
 *
 *   clang --target=wasm32 -nostdlib -O2 -Wl,--no-entry \
 *         -I host-fns/include -o counter.wasm examples/counter.c
 *   strata deploy counter.wasm
 *   strata call ADDRESS inc
 */
#include "strata.h"

static int64_t load(void) {
    int64_t v = 0;
    strata_storage_read(0, 0, &v, 8);
    return v;
}

static void store(int64_t v) {
    strata_storage_write(0, 0, &v, 8);
}

STRATA_EXPORT("inc")
int64_t inc(void) {
    int64_t v = load() + 1;
    store(v);
    strata_set_return(&v, 8);
    return v;
}

STRATA_EXPORT("add")
int64_t add(int64_t n) {
    int64_t v = load() + n;
    store(v);
    return v;
}

STRATA_EXPORT("get")
int64_t get(void) {
    return load();
}

STRATA_EXPORT("fail")
void fail(void) {
    store(-1);
    strata_abort("counter.c refuses", 17);
}
