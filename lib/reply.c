/* lib/reply.c — replies (kvik_reply) and the RESP protocol of a connection.
 *
 * RESP replies are parsed by proto/resp.c's generic value reader
 * (resp_read_value), which validates a whole value against the limits before
 * it calls back; the callbacks here build the kvik_reply tree with a stack of
 * the open aggregates. The reader does no I/O and keeps no state between
 * calls, so an incomplete value is parsed again from its start when more bytes
 * come. To keep a large aggregate arriving in many reads from costing
 * O(bytes^2), a new attempt is made only once the unparsed bytes have doubled
 * since the last incomplete attempt, or when they end in '\n' (a value can
 * only be complete when its last byte, '\n', has arrived; the bytes after it
 * are the start of later replies, which the server is sending anyway).
 *
 * A reply and its string live in one allocation: [kvik_reply][bytes][NUL].
 */
#include "lib/kvik_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

kvik_reply *kl_reply_new(kvik_type t, const char *s, size_t len)
{
    kvik_reply *r = mem_calloc(sizeof(*r) + (s ? len + 1 : 0));
    r->type = t;
    if (s) {
        r->str = (char *)(r + 1);
        if (len) memcpy(r->str, s, len);
        r->str[len] = '\0';
        r->len = len;
    }
    return r;
}

void kvik_reply_free(kvik_reply *r)
{
    if (!r) return;
    if (r->element) {
        for (size_t i = 0; i < r->elements; i++)
            kvik_reply_free(r->element[i]);
        mem_free(r->element);
    }
    mem_free(r);
}

const char *kvik_type_name(kvik_type t)
{
    static const char *const names[] = {
        "nil",  "status", "error",    "integer", "string", "array", "map",
        "set",  "double", "bool",     "verbatim", "bignum", "push", "attribute",
    };
    if ((unsigned)t < sizeof(names) / sizeof(names[0])) return names[t];
    return "?";
}

void kl_format_double(char *dst, size_t size, double d)
{
    if (d != d) {
        snprintf(dst, size, "nan");
        return;
    }
    if (d > 1e308 * 10 || d < -1e308 * 10) {
        snprintf(dst, size, d > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(dst, size, "%.*g", prec, d);
        if (strtod(dst, NULL) == d) return;
    }
}

/* ======================================================================== */
/* Building a reply from the value reader's callbacks                        */
/* ======================================================================== */

typedef struct open_agg {
    kvik_reply *r;
    size_t filled;
} open_agg;

typedef struct builder {
    open_agg local[16];
    open_agg *st;
    size_t depth, cap;
    int skip;         /* > 0: inside an attribute nested in an aggregate */
    kvik_reply *attr; /* a top-level attribute, complete */
    kvik_reply *root;
} builder;

static kvik_type map_type(resp_type t)
{
    switch (t) {
    case RESP_T_STATUS: return KVIK_STATUS;
    case RESP_T_ERROR:
    case RESP_T_BLOBERR: return KVIK_ERROR;
    case RESP_T_INT: return KVIK_INTEGER;
    case RESP_T_BULK: return KVIK_STRING;
    case RESP_T_ARRAY: return KVIK_ARRAY;
    case RESP_T_NULL: return KVIK_NIL;
    case RESP_T_DOUBLE: return KVIK_DOUBLE;
    case RESP_T_BOOL: return KVIK_BOOL;
    case RESP_T_VERBATIM: return KVIK_VERBATIM;
    case RESP_T_BIGNUM: return KVIK_BIGNUM;
    case RESP_T_MAP: return KVIK_MAP;
    case RESP_T_SET: return KVIK_SET;
    case RESP_T_ATTR: return KVIK_ATTRIBUTE;
    case RESP_T_PUSH: return KVIK_PUSH;
    }
    return KVIK_NIL; /* cannot happen: the reader knows no other type */
}

/* A complete value: into its parent, or the root. */
static void place(builder *b, kvik_reply *r)
{
    if (b->depth == 0) {
        kvik_reply **slot = r->type == KVIK_ATTRIBUTE ? &b->attr : &b->root;
        kvik_reply_free(*slot); /* a second top-level attribute replaces the first */
        *slot = r;
        return;
    }
    open_agg *top = &b->st[b->depth - 1];
    top->r->element[top->filled++] = r;
}

static int on_scalar(void *priv, resp_type t, const char *p, size_t len, long long ival)
{
    builder *b = priv;
    if (b->skip) return 0;
    kvik_reply *r;
    switch (t) {
    case RESP_T_NULL:
        r = kl_reply_new(KVIK_NIL, NULL, 0);
        break;
    case RESP_T_INT:
    case RESP_T_BOOL:
        r = kl_reply_new(map_type(t), NULL, 0);
        r->integer = ival;
        break;
    case RESP_T_VERBATIM: /* "txt:" then the text; the reader checked the ':' */
        r = kl_reply_new(KVIK_VERBATIM, p + 4, len - 4);
        memcpy(r->vtype, p, 3);
        break;
    default:
        r = kl_reply_new(map_type(t), p, len);
        if (t == RESP_T_DOUBLE) r->dval = strtod(r->str, NULL);
        break;
    }
    place(b, r);
    return 0;
}

static int on_begin(void *priv, resp_type t, size_t n)
{
    builder *b = priv;
    if (b->skip || (t == RESP_T_ATTR && b->depth > 0)) {
        b->skip++;
        return 0;
    }
    kvik_reply *r = kl_reply_new(map_type(t), NULL, 0);
    r->elements = (t == RESP_T_MAP || t == RESP_T_ATTR) ? 2 * n : n;
    if (r->elements) r->element = mem_calloc(r->elements * sizeof(*r->element));
    if (b->depth == b->cap) {
        open_agg *ns = mem_alloc(2 * b->cap * sizeof(*ns));
        memcpy(ns, b->st, b->depth * sizeof(*ns));
        if (b->st != b->local) mem_free(b->st);
        b->st = ns;
        b->cap *= 2;
    }
    b->st[b->depth].r = r;
    b->st[b->depth].filled = 0;
    b->depth++;
    return 0;
}

static int on_end(void *priv, resp_type t)
{
    builder *b = priv;
    if (b->skip) {
        b->skip--;
        return 0;
    }
    kvik_reply *r = b->st[--b->depth].r;
    place(b, r);
    return 0;
}

static const resp_value_cb build_cb = {on_scalar, on_begin, on_end};

static void builder_free(builder *b)
{
    /* Only on failure paths: the partial tree hangs off the bottom frame. */
    if (b->depth) kvik_reply_free(b->st[0].r);
    if (b->st != b->local) mem_free(b->st);
    kvik_reply_free(b->attr);
    kvik_reply_free(b->root);
}

/* ======================================================================== */
/* The RESP protocol table                                                   */
/* ======================================================================== */

static char *put_hdr(char *p, char c, size_t n)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    *p++ = c;
    while (i) *p++ = tmp[--i];
    *p++ = '\r';
    *p++ = '\n';
    return p;
}

static int resp_encode(kvik *k, int argc, const char *const *argv, const size_t *lens)
{
    buf *o = &k->out;
    size_t before = o->len;
    buf_reserve(o, 24);
    o->len = (size_t)(put_hdr(o->p + o->len, '*', (size_t)argc) - o->p);
    for (int i = 0; i < argc; i++) {
        size_t n = lens ? lens[i] : strlen(argv[i]);
        buf_reserve(o, n + 26);
        char *p = put_hdr(o->p + o->len, '$', n);
        if (n) memcpy(p, argv[i], n);
        p += n;
        *p++ = '\r';
        *p++ = '\n';
        o->len = (size_t)(p - o->p);
    }
    k->st.payload_out += o->len - before;
    return 0;
}

static int resp_parse(kvik *k, kvik_reply **out)
{
    size_t avail = k->in.len - k->in_pos;
    if (avail == 0) return 0;
    const char *p = k->in.p + k->in_pos;
    if (k->resp_tried && avail < 2 * k->resp_tried && p[avail - 1] != '\n') return 0;
    builder b;
    memset(&b, 0, sizeof(b));
    b.st = b.local;
    b.cap = sizeof(b.local) / sizeof(b.local[0]);
    size_t used = 0;
    char err[128] = "";
    int rc = resp_read_value(p, avail, &k->lim, k->max_depth, &build_cb, &b, &used, err);
    if (rc == RESP_AGAIN) {
        k->resp_tried = avail;
        return 0;
    }
    if (rc != RESP_OK) {
        builder_free(&b);
        return kl_fail(k, KVIK_E_PROTOCOL, "%s", err[0] ? err : "Protocol error");
    }
    if (b.st != b.local) mem_free(b.st);
    k->resp_tried = 0;
    k->in_pos += used;
    k->st.payload_in += used;
    if (b.attr) {
        *out = b.attr;
        k->held = b.root;
    } else {
        *out = b.root;
    }
    return 1;
}

const kl_protocol kl_resp_protocol = {resp_encode, resp_parse, NULL};
