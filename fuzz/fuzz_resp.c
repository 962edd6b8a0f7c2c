/* fuzz/fuzz_resp.c — libFuzzer target for proto/resp.
 *
 * Input layout: byte 0 is a control byte, the rest is the payload.
 *   ctl & 0x7f  where the payload is split in two reads (0 = nothing in the
 *               first read, 127 = everything)
 *   ctl & 0x80  use tiny limits (bulk 64, args 8, line 16) instead of Redis's
 *
 * Three checks per input:
 * 1. Request reader, as a connection would drive it: the payload arrives in two
 *    reads, commands are consumed one by one. Each call gets an exactly sized
 *    heap copy at a new address, so ASan catches any over-read and any pointer
 *    kept across calls. The sequence of commands/errors must be identical to
 *    that of a second reader given the whole payload at once (resumption must
 *    not change the result), and every argument must lie inside the command.
 * 2. Value reader on the payload: callbacks must balance, validation alone must
 *    agree on the length, and the value minus its last byte must be incomplete.
 * 3. Writers: the payload drives a random reply tree written with both tables;
 *    the value reader must read it back whole.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "proto/resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "fuzz_resp: check failed: %s (line %d)\n", #c, __LINE__);    \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static const resp_limits BIG = {512u * 1024 * 1024, 1024 * 1024, 64 * 1024};
static const resp_limits TINY = {64, 8, 16};

/* ---- 1. request reader ---- */

/* Appends a record of one outcome to log (a length-prefixed transcript). */
static void log_add(buf *log, const void *p, size_t n)
{
    buf_append(log, &n, sizeof(n));
    buf_append(log, p, n);
}

/* Feeds data in reads of [0, split) then the rest; logs every outcome. */
static void run_reader(const resp_limits *lim, const uint8_t *data, size_t size,
                       size_t split, int unauth, buf *log)
{
    resp_reader r;
    resp_reader_init(&r);
    r.unauth = unauth; /* a client before AUTH: smaller count and bulk limits */
    size_t avail = split, start = 0;
    for (;;) {
        size_t len = avail - start;
        char *copy = malloc(len ? len : 1);
        if (len) memcpy(copy, data + start, len);
        size_t consumed = 0;
        int rc = resp_read_command(&r, lim, copy, len, &consumed);
        if (rc == RESP_OK) {
            CHECK(consumed > 0 && consumed <= len);
            CHECK(r.argc <= lim->max_args);
            if (unauth && data[start] == '*') CHECK(r.argc <= RESP_UNAUTH_MAX_ARGS);
            log_add(log, "OK", 2);
            for (size_t i = 0; i < r.argc; i++) {
                CHECK(r.argv[i].off <= consumed &&
                      r.argv[i].len <= consumed - r.argv[i].off);
                if (data[start] == '*') CHECK(r.argv[i].len <= lim->max_bulk);
                if (unauth && data[start] == '*') CHECK(r.argv[i].len <= RESP_UNAUTH_MAX_BULK);
                log_add(log, copy + r.argv[i].off, r.argv[i].len);
            }
            start += consumed;
        } else if (rc == RESP_AGAIN) {
            CHECK(r.need == 0 || r.need > len);
            if (avail < size) {
                avail = size;
            } else {
                log_add(log, "AGAIN", 5);
                free(copy);
                break;
            }
        } else {
            CHECK(rc == RESP_ERROR);
            CHECK(strncmp(r.err, "Protocol error: ", 16) == 0);
            log_add(log, r.err, strlen(r.err));
            free(copy);
            break;
        }
        free(copy);
    }
    resp_reader_free(&r);
}

/* ---- 2. value reader ---- */

typedef struct vstate {
    int depth, maxdepth;
    size_t scalars;
} vstate;

static int on_scalar(void *priv, resp_type t, const char *p, size_t len, long long iv)
{
    vstate *s = priv;
    (void)t, (void)iv;
    if (len) CHECK(p != NULL);
    s->scalars++;
    return 0;
}

static int on_begin(void *priv, resp_type t, size_t n)
{
    vstate *s = priv;
    (void)t, (void)n;
    s->depth++;
    CHECK(s->depth <= s->maxdepth);
    return 0;
}

static int on_end(void *priv, resp_type t)
{
    vstate *s = priv;
    (void)t;
    CHECK(s->depth > 0);
    s->depth--;
    return 0;
}

static const resp_value_cb VCB = {on_scalar, on_begin, on_end};

static void run_value(const resp_limits *lim, const uint8_t *data, size_t size,
                      int maxdepth)
{
    char *copy = malloc(size ? size : 1);
    if (size) memcpy(copy, data, size);
    char err[128];
    size_t consumed = 0, c2 = 0;
    vstate s = {0, maxdepth, 0};
    int rc = resp_read_value(copy, size, lim, maxdepth, &VCB, &s, &consumed, err);
    int rc2 = resp_read_value(copy, size, lim, maxdepth, NULL, NULL, &c2, err);
    CHECK(rc == rc2);
    if (rc == RESP_OK) {
        CHECK(consumed > 0 && consumed <= size && consumed == c2);
        CHECK(s.depth == 0);
        /* One byte short (exactly sized, so an over-read is caught). */
        char *part = malloc(consumed > 1 ? consumed - 1 : 1);
        memcpy(part, data, consumed - 1);
        CHECK(resp_read_value(part, consumed - 1, lim, maxdepth, NULL, NULL, &c2, err) ==
              RESP_AGAIN);
        free(part);
    } else {
        CHECK(s.scalars == 0 && s.depth == 0); /* nothing delivered */
    }
    free(copy);
}

/* ---- 3. writers ---- */

typedef struct gen {
    const uint8_t *p;
    size_t n, i;
} gen;

static unsigned next(gen *g)
{
    return g->i < g->n ? g->p[g->i++] : 0;
}

static void write_tree(const reply_ops *o, buf *b, gen *g, int depth)
{
    unsigned op = next(g) % 14;
    if (depth >= 4 && op >= 11) op %= 11;
    char s[32];
    size_t sl = next(g) % sizeof(s);
    for (size_t k = 0; k < sl; k++)
        s[k] = (char)next(g);
    switch (op) {
    case 0:
        o->status(b, s, sl);
        break;
    case 1:
        o->error(b, s, sl);
        break;
    case 2: {
        uint64_t hi = next(g), lo = next(g);
        o->integer(b, (long long)((hi << 56 | lo << 8) - 5));
        break;
    }
    case 3:
        o->bulk(b, s, sl);
        break;
    case 4:
        o->null(b);
        break;
    case 5:
        o->null_array(b);
        break;
    case 6: {
        uint64_t u = 0;
        for (int k = 0; k < 8; k++)
            u = u << 8 | next(g);
        double d;
        memcpy(&d, &u, sizeof(d));
        o->dbl(b, d);
        break;
    }
    case 7:
        o->boolean(b, (int)(next(g) & 1));
        break;
    case 8:
        o->verbatim(b, s, sl, "txt");
        break;
    case 9:
        o->bignum(b, "-123456789012345678901234567890", 31);
        break;
    case 10:
        o->integer(b, (long long)next(g));
        break;
    default: {
        resp_agg kind = (resp_agg)(next(g) % 4);
        size_t n = next(g) % 5, per = kind == RESP_AGG_MAP ? 2 : 1;
        if (op == 13) {
            size_t mark = o->defer(b);
            for (size_t k = 0; k < n * per; k++)
                write_tree(o, b, g, depth + 1);
            o->set_deferred(b, mark, kind, n);
        } else {
            o->aggregate(b, kind, n);
            for (size_t k = 0; k < n * per; k++)
                write_tree(o, b, g, depth + 1);
        }
    }
    }
}

static void run_writers(const uint8_t *data, size_t size)
{
    const reply_ops *ops[2] = {&resp2_ops, &resp3_ops};
    for (int i = 0; i < 2; i++) {
        gen g = {data, size, 0};
        buf b = BUF_INIT;
        write_tree(ops[i], &b, &g, 0);
        char *copy = malloc(b.len);
        memcpy(copy, b.p, b.len);
        char err[128];
        size_t consumed = 0;
        vstate s = {0, 8, 0};
        int rc = resp_read_value(copy, b.len, &BIG, 8, &VCB, &s, &consumed, err);
        if (rc != RESP_OK) fprintf(stderr, "writer output rejected: %s\n", err);
        CHECK(rc == RESP_OK && consumed == b.len);
        free(copy);
        buf_free(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    unsigned ctl = data[0];
    data++;
    size--;
    const resp_limits *lim = (ctl & 0x80) ? &TINY : &BIG;
    size_t split = (size_t)(ctl & 0x7f) * size / 127;

    buf a = BUF_INIT, b = BUF_INIT;
    int unauth = (int)(size & 1);
    run_reader(lim, data, size, split, unauth, &a);
    run_reader(lim, data, size, size, unauth, &b);
    if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
        fprintf(stderr, "fuzz_resp: split at %zu changed the outcome\n", split);
        abort();
    }
    buf_free(&a);
    buf_free(&b);

    run_value(lim, data, size, (ctl & 0x80) ? 3 : 64);
    run_writers(data, size);
    return 0;
}
