/*
 * The Strata C API from C: deploy the counter, call it, query it, read its
 * state, run a block, get a typed error for bad wasm, and run a contract
 * that calls host functions written here (a balance the C side holds,
 * doubled by the contract). With a directory argument it runs on RocksDB
 * and also reopens the store to see the counter persist.
 *
 *   clang -std=c11 -Wall -Wextra -Werror -I capi/include capi/tests/c/demo.c \
 *       target/debug/libstrata_capi.a -lpthread -ldl -lm -lstdc++ -o demo
 *   ./demo              # in memory
 *   ./demo /tmp/store   # on RocksDB
 *
 * capi/tests/c_program.rs builds and runs it (and under valgrind). It exits
 * 0 and prints "ok" when every check passed; otherwise it names the failed
 * check and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata_runtime.h"

static int failures = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "demo.c:%d: check failed: %s (last error: %s)\n", \
                    __LINE__, #cond, strata_last_error_message());         \
            failures++;                                                    \
        }                                                                  \
    } while (0)

#define OK(call) CHECK((call) == STRATA_OK)

static const char *COUNTER =
    "(module\n"
    "  (import \"strata\" \"storage_read\" (func $read (param i32 i32 i32 i32)))\n"
    "  (import \"strata\" \"storage_write\" (func $write (param i32 i32 i32 i32)))\n"
    "  (import \"strata\" \"emit_event\" (func $event (param i32 i32 i32 i32)))\n"
    "  (import \"strata\" \"set_return\" (func $ret (param i32 i32)))\n"
    "  (import \"strata\" \"log\" (func $log (param i32 i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (data (i32.const 64) \"counter.inc\")\n"
    "  (data (i32.const 128) \"counter incremented\")\n"
    "  (func $load (result i64)\n"
    "    (call $read (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))\n"
    "    (i64.load (i32.const 0)))\n"
    "  (func $store (param i64)\n"
    "    (i64.store (i32.const 0) (local.get 0))\n"
    "    (call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8)))\n"
    "  (func (export \"inc\") (result i64)\n"
    "    (call $store (i64.add (call $load) (i64.const 1)))\n"
    "    (call $event (i32.const 64) (i32.const 1) (i32.const 0) (i32.const 8))\n"
    "    (call $ret (i32.const 0) (i32.const 8))\n"
    "    (call $log (i32.const 128) (i32.const 19))\n"
    "    (call $load))\n"
    "  (func (export \"add\") (param $n i64) (result i64)\n"
    "    (call $store (i64.add (call $load) (local.get $n)))\n"
    "    (call $load))\n"
    "  (func (export \"get\") (result i64) (call $load)))\n";

/* SVM's node vmcalls, implemented below in C: the address is in a 160-bit
 * register, filled from the call's input. */
static const char *DOUBLER =
    "(module\n"
    "  (import \"node\" \"vmcall_get_balance\" (func $get (param i32 i32) (result i64)))\n"
    "  (import \"node\" \"vmcall_set_balance\" (func $set (param i64 i32 i32)))\n"
    "  (import \"svm\" \"mem_to_reg_copy\" (func $m2r (param i32 i32 i32 i32 i32)))\n"
    "  (import \"strata\" \"input_copy\" (func $input (param i32 i32 i32)))\n"
    "  (memory 1)\n"
    "  (func (export \"double\") (result i64)\n"
    "    (call $input (i32.const 0) (i32.const 0) (i32.const 20))\n"
    "    (call $m2r (i32.const 0) (i32.const 0) (i32.const 20) (i32.const 160) (i32.const 0))\n"
    "    (call $set (i64.mul (call $get (i32.const 160) (i32.const 0)) (i64.const 2))\n"
    "               (i32.const 160) (i32.const 0))\n"
    "    (call $get (i32.const 160) (i32.const 0)))\n"
    "  (func (export \"double_then_fail\")\n"
    "    (call $input (i32.const 0) (i32.const 0) (i32.const 20))\n"
    "    (call $m2r (i32.const 0) (i32.const 0) (i32.const 20) (i32.const 160) (i32.const 0))\n"
    "    (call $set (i64.mul (call $get (i32.const 160) (i32.const 0)) (i64.const 2))\n"
    "               (i32.const 160) (i32.const 0))\n"
    "    unreachable)\n"
    "  (func (export \"bad_register\") (result i64)\n"
    "    (call $get (i32.const 64) (i32.const 0))))\n";

/* The node's ledger: balances the C side holds, journaled so that they
 * follow the fate of each transaction (strata_builder_set_journal). */
#define LEDGER_SIZE 4
#define LEDGER_LEVELS 16
typedef struct {
    uint8_t address[LEDGER_SIZE][20];
    int64_t balance[LEDGER_SIZE];
    int used;
    int calls;
    int64_t saved[LEDGER_LEVELS][LEDGER_SIZE];
    int depth;
    int journal_errors;
} Ledger;

static void ledger_checkpoint(void *user_data) {
    Ledger *l = user_data;
    if (l->depth >= LEDGER_LEVELS) {
        l->journal_errors++;
        return;
    }
    memcpy(l->saved[l->depth], l->balance, sizeof l->balance);
    l->depth++;
}

static void ledger_rollback(void *user_data) {
    Ledger *l = user_data;
    if (l->depth == 0) {
        l->journal_errors++;
        return;
    }
    l->depth--;
    memcpy(l->balance, l->saved[l->depth], sizeof l->balance);
}

static void ledger_commit(void *user_data) {
    Ledger *l = user_data;
    if (l->depth == 0) {
        l->journal_errors++;
        return;
    }
    l->depth--;
}

static int64_t *find(Ledger *l, const uint8_t address[20]) {
    for (int i = 0; i < l->used; i++) {
        if (memcmp(l->address[i], address, 20) == 0) return &l->balance[i];
    }
    return NULL;
}

/* node.vmcall_get_balance(reg_bits, reg_idx) -> i64 */
static int32_t get_balance(void *user_data, StrataHostCtx *ctx, const int64_t *args,
                           size_t args_len, int64_t *result) {
    Ledger *l = user_data;
    uint8_t who[20];
    l->calls++;
    if (args_len != 2) return STRATA_HOST_FATAL;
    if (strata_host_read_register(ctx, (uint32_t)args[0], (uint32_t)args[1], who, 20) != STRATA_OK) {
        /* A bad register is the contract's fault: the context recorded why. */
        return STRATA_HOST_DENIED;
    }
    int64_t *b = find(l, who);
    if (b == NULL) {
        strata_host_fail(ctx, "unknown account in the node's ledger");
        return STRATA_HOST_DENIED;
    }
    *result = *b;
    return STRATA_HOST_OK;
}

/* node.vmcall_set_balance(value, reg_bits, reg_idx) */
static int32_t set_balance(void *user_data, StrataHostCtx *ctx, const int64_t *args,
                           size_t args_len, int64_t *result) {
    Ledger *l = user_data;
    uint8_t who[20];
    (void)result;
    l->calls++;
    if (args_len != 3) return STRATA_HOST_FATAL;
    if (strata_host_charge(ctx, 100) != STRATA_OK) return STRATA_HOST_DENIED;
    if (strata_host_read_register(ctx, (uint32_t)args[1], (uint32_t)args[2], who, 20) != STRATA_OK) {
        return STRATA_HOST_DENIED;
    }
    int64_t *b = find(l, who);
    if (b == NULL) {
        strata_host_fail(ctx, "unknown account in the node's ledger");
        return STRATA_HOST_DENIED;
    }
    *b = args[0];
    return STRATA_HOST_OK;
}

static const StrataBlockContext BLOCK = {1, 1700000000};

static StrataCallParams call_params(const uint8_t contract[20], const char *function) {
    StrataCallParams p;
    memset(&p, 0, sizeof p);
    memcpy(p.contract, contract, 20);
    memset(p.sender, 2, 20);
    p.function = function;
    p.gas_limit = 1000000;
    return p;
}

static int64_t returned_i64(StrataReceipt *r) {
    size_t n = 0;
    StrataArg v = {0, 0};
    OK(strata_receipt_returns_count(r, &n));
    CHECK(n == 1);
    OK(strata_receipt_return(r, 0, &v));
    CHECK(v.ty == STRATA_TYPE_I64);
    return v.value;
}

/* Calls `function` on `contract` and returns its i64 result. */
static int64_t call_i64(StrataRuntime *rt, const uint8_t contract[20], const char *function) {
    StrataCallParams p = call_params(contract, function);
    StrataReceipt *r = NULL;
    OK(strata_call(rt, &p, BLOCK, &r));
    int64_t v = returned_i64(r);
    OK(strata_receipt_free(r));
    return v;
}

static int64_t query_i64(StrataRuntime *rt, const uint8_t contract[20], const char *function) {
    StrataCallParams p = call_params(contract, function);
    StrataReceipt *r = NULL;
    OK(strata_query(rt, &p, BLOCK, &r));
    int64_t v = returned_i64(r);
    OK(strata_receipt_free(r));
    return v;
}

static int deploy_wat(StrataRuntime *rt, const char *wat, uint32_t pages, uint8_t address[20]) {
    StrataBytes wasm = {NULL, 0};
    OK(strata_wat_to_wasm(wat, &wasm));
    StrataDeployParams d;
    memset(&d, 0, sizeof d);
    d.code = wasm.data;
    d.code_len = wasm.len;
    d.page_count = pages;
    memset(d.author, 1, 20);
    d.gas_limit = 10000000;
    StrataStatus s = strata_deploy(rt, &d, BLOCK, address, NULL);
    OK(s);
    OK(strata_bytes_free(&wasm));
    CHECK(wasm.data == NULL);
    return s == STRATA_OK;
}

/* The counter: deploy, call, receipt accessors, query, state, slice. */
static void counter(StrataRuntime *rt, uint8_t counter_address[20]) {
    CHECK(deploy_wat(rt, COUNTER, 1, counter_address));

    StrataCallParams p = call_params(counter_address, "inc");
    StrataReceipt *r = NULL;
    OK(strata_call(rt, &p, BLOCK, &r));
    CHECK(returned_i64(r) == 1);

    StrataTxErrorKind kind = STRATA_TX_TRAP;
    const char *message = NULL;
    size_t message_len = 99;
    OK(strata_receipt_error(r, &kind, &message, &message_len));
    CHECK(kind == STRATA_TX_NONE && message != NULL && message_len == 0 && message[0] == 0);

    uint64_t gas = 0;
    OK(strata_receipt_gas_used(r, &gas));
    CHECK(gas > 0 && gas < 1000000);

    const uint8_t *data = NULL;
    size_t data_len = 0;
    OK(strata_receipt_return_data(r, &data, &data_len));
    CHECK(data_len == 8 && data != NULL && data[0] == 1);

    size_t events = 0;
    OK(strata_receipt_events_count(r, &events));
    CHECK(events == 1);
    StrataEvent e;
    OK(strata_receipt_event(r, 0, &e));
    CHECK(memcmp(e.contract, counter_address, 20) == 0);
    CHECK(e.topics_count == 1 && e.data_len == 8 && e.data[0] == 1);
    CHECK(strata_receipt_event(r, 1, &e) == STRATA_INVALID_ARGUMENT);

    size_t roots = 0;
    uint8_t root_address[20], root[32];
    OK(strata_receipt_roots_count(r, &roots));
    CHECK(roots == 1);
    OK(strata_receipt_root(r, 0, root_address, root));
    CHECK(memcmp(root_address, counter_address, 20) == 0);

    size_t logs = 0;
    const uint8_t *text = NULL;
    size_t text_len = 0;
    OK(strata_receipt_logs_count(r, &logs));
    CHECK(logs == 1);
    OK(strata_receipt_log(r, 0, &text, &text_len));
    CHECK(text_len == 19 && memcmp(text, "counter incremented", 19) == 0);

    /* The SCALE bytes round-trip into an equal receipt. */
    StrataBytes bytes = {NULL, 0};
    OK(strata_receipt_to_bytes(r, &bytes));
    CHECK(bytes.len > 0);
    StrataReceipt *again = NULL;
    OK(strata_receipt_from_bytes(bytes.data, bytes.len, &again));
    uint64_t gas_again = 0;
    OK(strata_receipt_gas_used(again, &gas_again));
    CHECK(gas_again == gas);
    OK(strata_receipt_free(again));
    OK(strata_bytes_free(&bytes));
    OK(strata_bytes_free(&bytes)); /* freeing an emptied buffer does nothing */

    /* Receipts are freed once; a second free is an error, not a crash. */
    OK(strata_receipt_free(r));
    CHECK(strata_receipt_free(r) == STRATA_INVALID_HANDLE);
    CHECK(strata_receipt_gas_used(r, &gas) == STRATA_INVALID_HANDLE);

    CHECK(call_i64(rt, counter_address, "inc") == 2);
    CHECK(query_i64(rt, counter_address, "get") == 2);

    StrataAccount account;
    OK(strata_account(rt, counter_address, &account));
    CHECK(account.is_contract && account.page_count == 1);
    CHECK(memcmp(account.state_root, root, 32) != 0); /* the second inc moved it */

    uint8_t slice[8];
    OK(strata_read_slice(rt, counter_address, 0, 0, slice, 8));
    CHECK(slice[0] == 2 && slice[1] == 0);
    CHECK(strata_read_slice(rt, counter_address, 0, 4090, slice, 8) == STRATA_INVALID_ARGUMENT);
    CHECK(strata_read_slice(rt, counter_address, 7, 0, slice, 8) == STRATA_INVALID_ARGUMENT);

    StrataHead head;
    bool found = false;
    OK(strata_head(rt, &head, &found));
    CHECK(found);
}

/* Typed errors: bad wasm, a failing call, bad arguments, bad handles. */
static void errors(StrataRuntime *rt, const uint8_t counter_address[20]) {
    static const uint8_t not_wasm[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff};
    StrataDeployParams d;
    memset(&d, 0, sizeof d);
    d.code = not_wasm;
    d.code_len = sizeof not_wasm;
    d.page_count = 1;
    memset(d.author, 1, 20);
    d.gas_limit = 1000000;
    StrataReceipt *r = NULL;
    uint8_t address[20];
    CHECK(strata_deploy(rt, &d, BLOCK, address, &r) == STRATA_INVALID_CONTRACT);
    CHECK(strata_last_error_status() == STRATA_INVALID_CONTRACT);
    CHECK(strlen(strata_last_error_message()) > 0);
    StrataTxErrorKind kind = STRATA_TX_NONE;
    OK(strata_receipt_error(r, &kind, NULL, NULL));
    CHECK(kind == STRATA_TX_INVALID_CODE);
    bool deployed = true;
    OK(strata_receipt_deployed(r, address, &deployed));
    CHECK(!deployed);
    OK(strata_receipt_free(r));

    /* An unknown function: the transaction fails with a receipt. */
    StrataCallParams p = call_params(counter_address, "nope");
    CHECK(strata_call(rt, &p, BLOCK, &r) == STRATA_TX_FAILED);
    OK(strata_receipt_error(r, &kind, NULL, NULL));
    CHECK(kind == STRATA_TX_INVALID_TRANSACTION);
    OK(strata_receipt_free(r));

    /* Null pointers, invalid UTF-8, wrong lengths, garbage bytes. */
    CHECK(strata_call(rt, NULL, BLOCK, &r) == STRATA_INVALID_ARGUMENT);
    CHECK(strata_call(NULL, &p, BLOCK, &r) == STRATA_INVALID_ARGUMENT);
    p.function = "\xff\xfe";
    CHECK(strata_call(rt, &p, BLOCK, &r) == STRATA_INVALID_UTF8);
    p = call_params(counter_address, "add");
    StrataArg wide = {STRATA_TYPE_I32, 1LL << 40};
    p.args = &wide;
    p.args_len = 1;
    CHECK(strata_call(rt, &p, BLOCK, &r) == STRATA_INVALID_ARGUMENT);
    p.args = NULL;
    CHECK(strata_call(rt, &p, BLOCK, &r) == STRATA_INVALID_ARGUMENT); /* null with length 1 */
    static const uint8_t garbage[] = {9, 9, 9};
    CHECK(strata_execute(rt, garbage, sizeof garbage, BLOCK, &r) == STRATA_DECODE);
    CHECK(strata_receipt_from_bytes(garbage, sizeof garbage, &r) == STRATA_DECODE);
    CHECK(strata_wat_to_wasm("(module", NULL) == STRATA_INVALID_ARGUMENT);
    StrataBytes b = {NULL, 0};
    CHECK(strata_wat_to_wasm("(module", &b) == STRATA_DECODE);
    uint8_t fake = 0;
    StrataBytes foreign = {&fake, 1};
    CHECK(strata_bytes_free(&foreign) == STRATA_INVALID_HANDLE);
    uint8_t nobody[20];
    memset(nobody, 0x77, 20);
    StrataAccount account;
    CHECK(strata_account(rt, nobody, &account) == STRATA_NO_ACCOUNT);
    CHECK(strcmp(strata_status_name(STRATA_NO_ACCOUNT), "STRATA_NO_ACCOUNT") == 0);
    CHECK(strata_runtime_close((StrataRuntime *)&fake) == STRATA_INVALID_HANDLE);
}

/* A block of two counter calls, as SCALE transactions. */
static void block(StrataRuntime *rt, const uint8_t counter_address[20]) {
    StrataCallParams p = call_params(counter_address, "inc");
    StrataBytes tx = {NULL, 0};
    OK(strata_call_tx_encode(&p, &tx));
    StrataSlice txs[2] = {{tx.data, tx.len}, {tx.data, tx.len}};
    StrataBlock *result = NULL;
    StrataBlockContext ctx = {2, 1700000010};
    OK(strata_execute_block(rt, txs, 2, ctx, &result));
    size_t n = 0;
    OK(strata_block_receipts_count(result, &n));
    CHECK(n == 2);
    StrataReceipt *second = NULL;
    OK(strata_block_receipt(result, 1, &second));
    CHECK(returned_i64(second) == 4);
    OK(strata_receipt_free(second));
    StrataHead head, latest;
    bool found = false;
    OK(strata_block_head(result, &head));
    OK(strata_head(rt, &latest, &found));
    CHECK(found && head.height == 2 && latest.height == 2);
    CHECK(memcmp(head.state_root, latest.state_root, 32) == 0);
    OK(strata_block_free(result));
    CHECK(strata_block_free(result) == STRATA_INVALID_HANDLE);
    OK(strata_bytes_free(&tx));
}

/* The contract calls the C host functions: the C side's balance doubles. */
static void host_functions(StrataRuntime *rt, Ledger *ledger) {
    uint8_t doubler[20];
    CHECK(deploy_wat(rt, DOUBLER, 0, doubler));
    uint8_t alice[20];
    memset(alice, 0xAA, 20);
    memcpy(ledger->address[0], alice, 20);
    ledger->balance[0] = 21;
    ledger->used = 1;

    StrataCallParams p = call_params(doubler, "double");
    p.input = alice;
    p.input_len = 20;
    StrataReceipt *r = NULL;
    OK(strata_call(rt, &p, BLOCK, &r));
    CHECK(returned_i64(r) == 42);
    CHECK(ledger->balance[0] == 42);
    CHECK(ledger->calls == 3);
    OK(strata_receipt_free(r));

    /* An account the ledger does not know: the callback refuses, the
     * transaction fails with a host_error receipt carrying its message. */
    uint8_t bob[20];
    memset(bob, 0xBB, 20);
    p.input = bob;
    CHECK(strata_call(rt, &p, BLOCK, &r) == STRATA_TX_FAILED);
    StrataTxErrorKind kind = STRATA_TX_NONE;
    const char *message = NULL;
    OK(strata_receipt_error(r, &kind, &message, NULL));
    CHECK(kind == STRATA_TX_HOST_ERROR);
    CHECK(strstr(message, "unknown account in the node's ledger") != NULL);
    CHECK(strstr(strata_last_error_message(), "unknown account") != NULL);
    OK(strata_receipt_free(r));

    /* A 64-bit register cannot hold a 160-bit address: reading 20 bytes of
     * it fails, and the callback denies. */
    p = call_params(doubler, "bad_register");
    CHECK(strata_call(rt, &p, BLOCK, &r) == STRATA_TX_FAILED);
    OK(strata_receipt_error(r, &kind, NULL, NULL));
    CHECK(kind == STRATA_TX_HOST_ERROR);
    OK(strata_receipt_free(r));
    CHECK(ledger->balance[0] == 42);

    /* The contract sets the balance, then traps: the journal undoes the
     * C side's write with the transaction. */
    p = call_params(doubler, "double_then_fail");
    p.input = alice;
    p.input_len = 20;
    CHECK(strata_call(rt, &p, BLOCK, &r) == STRATA_TX_FAILED);
    OK(strata_receipt_error(r, &kind, NULL, NULL));
    CHECK(kind == STRATA_TX_TRAP);
    OK(strata_receipt_free(r));
    CHECK(ledger->balance[0] == 42);
    CHECK(ledger->depth == 0 && ledger->journal_errors == 0);
}

static StrataBuilder *builder_with_node(Ledger *ledger) {
    StrataBuilder *b = NULL;
    OK(strata_builder_new(&b));
    StrataConfig config;
    OK(strata_config_default(&config));
    config.max_tx_gas = 50000000;
    OK(strata_builder_set_config(b, &config));
    config.compilation = 7;
    CHECK(strata_builder_set_config(b, &config) == STRATA_INVALID_ARGUMENT);
    const uint32_t get_params[2] = {STRATA_TYPE_I32, STRATA_TYPE_I32};
    const uint32_t set_params[3] = {STRATA_TYPE_I64, STRATA_TYPE_I32, STRATA_TYPE_I32};
    OK(strata_builder_add_host_function(b, "node", "vmcall_get_balance", get_params, 2,
                                        STRATA_TYPE_I64, 300, get_balance, ledger));
    OK(strata_builder_add_host_function(b, "node", "vmcall_set_balance", set_params, 3,
                                        STRATA_TYPE_NONE, 500, set_balance, ledger));
    CHECK(strata_builder_add_host_function(b, "node", "vmcall_set_balance", set_params, 3,
                                           STRATA_TYPE_NONE, 500, set_balance, ledger) ==
          STRATA_LINK);
    CHECK(strata_builder_set_journal(b, ledger_checkpoint, NULL, ledger_commit, ledger) ==
          STRATA_INVALID_ARGUMENT);
    OK(strata_builder_set_journal(b, ledger_checkpoint, ledger_rollback, ledger_commit, ledger));
    CHECK(strata_builder_add_host_function(b, "node", "x", set_params, 3, 9, 0, set_balance,
                                           ledger) == STRATA_INVALID_ARGUMENT);
    return b;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : NULL;
    Ledger ledger;
    memset(&ledger, 0, sizeof ledger);
    StrataBuilder *b = builder_with_node(&ledger);
    StrataRuntime *rt = NULL;
    if (dir != NULL) {
        OK(strata_builder_open_rocksdb(b, dir, &rt));
    } else {
        OK(strata_builder_open_memory(b, &rt));
    }
    if (rt == NULL) {
        fprintf(stderr, "cannot open a runtime: %s\n", strata_last_error_message());
        return 1;
    }

    uint8_t counter_address[20];
    counter(rt, counter_address);
    errors(rt, counter_address);
    block(rt, counter_address);
    host_functions(rt, &ledger);

    if (dir != NULL) {
        /* The store is locked while open; after a close it reopens, and the
         * counter kept its value. */
        StrataRuntime *second = NULL;
        CHECK(strata_builder_open_rocksdb(b, dir, &second) == STRATA_STORE_LOCKED);
        OK(strata_runtime_close(rt));
        rt = NULL;
        OK(strata_builder_open_rocksdb(b, dir, &rt));
        CHECK(rt != NULL);
        if (rt != NULL) CHECK(query_i64(rt, counter_address, "get") == 4);
    }

    if (rt != NULL) OK(strata_runtime_close(rt));
    CHECK(strata_runtime_close(rt) != STRATA_OK);
    OK(strata_builder_free(b));
    CHECK(strata_builder_free(b) == STRATA_INVALID_HANDLE);
    size_t live = 99;
    OK(strata_live_objects(&live));
    CHECK(live == 0);
    if (failures != 0) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
