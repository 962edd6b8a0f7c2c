/* server/native.c — kvik's native protocol, server side (see native.h and
 * docs/protocol.md).
 *
 * Input: frames are found in the query buffer, decompressed within the
 * client-query-buffer-limit, and read by proto/native_msg.c; a Request's argv
 * points into the payload (the query buffer, or this client's decompression
 * buffer), as RESP arguments point into the query buffer. The Hello is decoded
 * by protobuf-c and answered by running an internal `HELLO 3 [AUTH u p]
 * [SETNAME n]` through the normal dispatcher (so authentication is whatever
 * the command layer does, ACLs included) and turning its reply into a
 * HelloReply.
 *
 * Output: the reply writers produce the Protocol Buffers wire format directly
 * into the output buffer. A scalar is written whole. An aggregate whose
 * content is not yet known gets room for its lengths (RESERVE bytes each);
 * when its last element is written (or its deferred length is set) the real
 * varints are written and the content moved left over the unused room:
 *
 *   open:   [key][5 bytes][kind][5 bytes][element][element]...
 *   closed: [key][len(agg)][kind][len(content)][element][element]...
 *
 * key is the field the aggregate is stored in (ServerMessage.reply, an
 * Aggregate.values or Map.keys/values entry), kind its Value member (array,
 * map, set). Map entries are written as they come, keys and values
 * alternating (valid protobuf: repeated fields may interleave). When the top
 * level is complete, the frame header is written in front of it, or the
 * payload is compressed into a frame. The writers see only the buf, not the
 * client (a blocked command's retry writes into a stand-in client's buffer), so
 * the state of a reply in progress is kept per thread, keyed by the buf; it
 * exists only while a reply is incomplete.
 */
#include "server/native.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "proto/kvik.pb-c.h"
#include "proto/native.h"
#include "proto/native_msg.h"
#include "server/client.h"

#define NATIVE_VERSION 1
/* The first frame must be a Hello: a larger one is refused before it is read
 * (a RESP client on this port is told so at once). */
#define HELLO_MAX (64 * 1024)
/* Decompression buffer kept between Requests. */
#define PLAIN_KEEP (256 * 1024)
#define RESERVE 5

/* Keys (field number << 3 | wire type) of kvik.proto's fields. */
enum {
    K_SM_HELLO = 0x0a,
    K_SM_REPLY = 0x12,
    K_SM_PUSH = 0x1a, /* ServerMessage */
    K_ELEM = 0x0a,    /* Aggregate.values, Map.keys */
    K_MAPVAL = 0x12,  /* Map.values */
    V_SIMPLE = 0x0a,
    V_ERROR = 0x12,
    V_INTEGER = 0x18,
    V_BULK = 0x22,
    V_ARRAY = 0x2a,
    V_NULL = 0x32,
    V_DOUBLE = 0x39,
    V_BOOL = 0x40,
    V_VERBATIM = 0x4a,
    V_BIGNUM = 0x52,
    V_MAP = 0x5a,
    V_SET = 0x62,
};

typedef struct native_state {
    int hello_done;
    int send_comp; /* NATIVE_* the server sends with */
    buf plain;     /* decompressed payload of the current frame */
    native_msg msg;
} native_state;

int native_srv_port(void)
{
    return cfg.native_port;
}

/* ---------------------------------------------------------------- varints */

static inline size_t vlen(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline char *vput(char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (char)v;
    return p;
}

/* ---------------------------------------------------------------- frames */

static size_t compress_min(void)
{
    return cfg.native_compress_min > 0 ? (size_t)cfg.native_compress_min : 0;
}

static void error_frame(buf *b, const char *msg);

/* The payload b[start+4 ..] is complete: writes the frame header in the 4
 * bytes reserved at start, or replaces header and payload by a compressed
 * frame. */
static void finish_frame(buf *b, size_t start, int comp)
{
    size_t plen = b->len - start - NATIVE_HEADER_LEN;
    size_t min = compress_min();
    if ((comp != NATIVE_NONE && plen >= min) || plen > NATIVE_MAX_PAYLOAD) {
        buf z = BUF_INIT;
        int used = native_frame_write(
            &z, (const uint8_t *)b->p + start + NATIVE_HEADER_LEN, plen, comp, min);
        b->len = start;
        if (used == NATIVE_ERROR)
            error_frame(b, "ERR reply too large for a native protocol frame");
        else
            buf_append(b, z.p, z.len);
        buf_free(&z);
        return;
    }
    uint32_t h = (uint32_t)plen;
    char *p = b->p + start;
    p[0] = (char)(h >> 24);
    p[1] = (char)(h >> 16);
    p[2] = (char)(h >> 8);
    p[3] = (char)h;
}

/* ---------------------------------------------------------------- builder */

typedef struct level {
    size_t pos;   /* offset of the key byte */
    size_t hdr;   /* bytes reserved for the header after pos */
    size_t need;  /* elements expected */
    size_t done;  /* elements started */
    uint8_t key;  /* K_* the aggregate is stored under */
    uint8_t kind; /* V_ARRAY, V_MAP, V_SET; 0 until a deferred length is set */
    uint8_t map;  /* elements alternate keys and values */
    uint8_t deferred;
    uint8_t push; /* top-level push: an Aggregate straight in ServerMessage.push */
} level;

typedef struct nbuild {
    buf *b;       /* NULL: slot free */
    size_t start; /* where the frame starts (its header) */
    int depth, cap;
    level *lv;    /* open aggregates, outermost first (cap entries) */
} nbuild;

/* Replies in progress on this thread. Usually one (the client running a
 * command), two with a blocked command's retry; grown as needed, kept for
 * the thread's life and freed by nb_key's destructor when it ends. */
typedef struct nbstate {
    nbuild *slots;
    int nslots, used;
} nbstate;

static __thread nbstate *tls_nb;
static pthread_key_t nb_key;
static pthread_once_t nb_once = PTHREAD_ONCE_INIT;

static void nb_state_free(void *arg)
{
    nbstate *st = arg;
    for (int i = 0; i < st->nslots; i++) mem_free(st->slots[i].lv);
    mem_free(st->slots);
    mem_free(st);
}

static void nb_key_init(void)
{
    pthread_key_create(&nb_key, nb_state_free);
}

static void nb_drop(nbuild *nb)
{
    nb->b = NULL;
    tls_nb->used--;
}

/* The reply in progress in b, or NULL. A buffer emptied under a reply (an
 * output limit closing the client drops its output) ends that reply. */
static nbuild *nb_find(buf *b)
{
    nbstate *st = tls_nb;
    if (!st || !st->used) return NULL;
    for (int i = 0; i < st->nslots; i++) {
        nbuild *nb = &st->slots[i];
        if (nb->b != b) continue;
        if (nb->depth == 0 ||
            b->len < nb->lv[nb->depth - 1].pos + nb->lv[nb->depth - 1].hdr) {
            nb_drop(nb);
            return NULL;
        }
        return nb;
    }
    return NULL;
}

static nbuild *nb_new(buf *b)
{
    nbstate *st = tls_nb;
    if (!st) {
        pthread_once(&nb_once, nb_key_init);
        st = tls_nb = mem_calloc(sizeof(*st));
        pthread_setspecific(nb_key, st);
    }
    int i = 0;
    while (i < st->nslots && st->slots[i].b) i++;
    if (i == st->nslots) {
        int n = st->nslots ? st->nslots * 2 : 2;
        st->slots = mem_realloc(st->slots, sizeof(nbuild) * (size_t)n);
        memset(st->slots + st->nslots, 0, sizeof(nbuild) * (size_t)(n - st->nslots));
        st->nslots = n;
    }
    nbuild *nb = &st->slots[i];
    nb->b = b;
    nb->depth = 0;
    st->used++;
    return nb;
}

/* The key for the next value inside nb's innermost aggregate; counts it. */
static uint8_t next_key(nbuild *nb)
{
    level *l = &nb->lv[nb->depth - 1];
    uint8_t k = (l->map && (l->done & 1)) ? K_MAPVAL : K_ELEM;
    l->done++;
    return k;
}

/* Writes the real header of the aggregate l and moves its content left. */
static void close_level(buf *b, const level *l)
{
    size_t cstart = l->pos + l->hdr;
    size_t clen = b->len - cstart;
    char h[32], *p = h;
    if (l->push) {
        *p++ = (char)K_SM_PUSH;
        p = vput(p, clen);
    } else {
        *p++ = (char)l->key;
        p = vput(p, 1 + vlen(clen) + clen);
        *p++ = (char)(l->kind ? l->kind : V_ARRAY);
        p = vput(p, clen);
    }
    size_t hl = (size_t)(p - h);
    if (hl > l->hdr) { /* cannot happen: content of 32 GB and more */
        log_warning("native: aggregate too large");
        abort();
    }
    memmove(b->p + l->pos + hl, b->p + cstart, clen);
    memcpy(b->p + l->pos, h, hl);
    b->len = l->pos + hl + clen;
}

/* Closes every finished aggregate from the innermost out; frames the reply
 * when the top level is done. */
static void settle(nbuild *nb, int comp)
{
    buf *b = nb->b;
    while (nb->depth > 0) {
        level *l = &nb->lv[nb->depth - 1];
        if (l->deferred || l->done < l->need) return;
        close_level(b, l);
        nb->depth--;
    }
    size_t start = nb->start;
    nb_drop(nb);
    finish_frame(b, start, comp);
}

/* Writes one whole value: [key][len][head][data]. */
static void put_value(buf *b, int comp, const void *head, size_t hlen, const void *data,
                      size_t dlen)
{
    nbuild *nb = nb_find(b);
    size_t start = b->len;
    size_t vsize = hlen + dlen;
    buf_reserve(b, NATIVE_HEADER_LEN + 11 + vsize);
    uint8_t key = K_SM_REPLY;
    if (nb)
        key = next_key(nb);
    else
        b->len += NATIVE_HEADER_LEN;
    char *p = b->p + b->len;
    *p++ = (char)key;
    p = vput(p, vsize);
    memcpy(p, head, hlen);
    p += hlen;
    if (dlen) memcpy(p, data, dlen);
    b->len = (size_t)(p - b->p) + dlen;
    if (nb)
        settle(nb, comp);
    else
        finish_frame(b, start, comp);
}

/* Starts an aggregate (deferred: count and kind come later). Returns its mark. */
static size_t open_agg(buf *b, int comp, resp_agg kind, size_t n, int deferred)
{
    nbuild *nb = nb_find(b);
    int top = nb == NULL;
    if (top) {
        nb = nb_new(b);
        nb->start = b->len;
        buf_reserve(b, NATIVE_HEADER_LEN);
        b->len += NATIVE_HEADER_LEN;
    }
    if (nb->depth == nb->cap) {
        nb->cap = nb->cap ? nb->cap * 2 : 8;
        nb->lv = mem_realloc(nb->lv, sizeof(level) * (size_t)nb->cap);
    }
    uint8_t key = top ? K_SM_REPLY : next_key(nb);
    level *l = &nb->lv[nb->depth++];
    memset(l, 0, sizeof(*l));
    l->pos = b->len;
    l->key = key;
    l->deferred = (uint8_t)deferred;
    l->push = top && !deferred && kind == RESP_AGG_PUSH;
    l->hdr = l->push ? 1 + RESERVE : 2 + 2 * RESERVE;
    if (!deferred) {
        l->map = kind == RESP_AGG_MAP;
        l->kind = kind == RESP_AGG_MAP ? V_MAP : kind == RESP_AGG_SET ? V_SET : V_ARRAY;
        l->need = l->map ? 2 * n : n;
    }
    buf_reserve(b, l->hdr);
    memset(b->p + b->len, 0, l->hdr);
    b->len += l->hdr;
    size_t mark = l->pos;
    if (!deferred) settle(nb, comp);
    return mark;
}

/* Sets the innermost open aggregate's deferred header (deferred headers are
 * set innermost first, so that is the one the caller's mark names; the mark
 * itself may be stale: a push can move the reply, see native_srv_push_pubsub). */
static void set_deferred(buf *b, int comp, size_t mark, resp_agg kind, size_t n)
{
    (void)mark;
    (void)n; /* the elements written are what counts */
    nbuild *nb = nb_find(b);
    if (!nb) return; /* cannot happen */
    level *l = &nb->lv[nb->depth - 1];
    if (!l->deferred) { /* cannot happen: set innermost first */
        log_warning("native: deferred length set out of order");
        return;
    }
    l->deferred = 0;
    l->kind = kind == RESP_AGG_MAP ? V_MAP : kind == RESP_AGG_SET ? V_SET : V_ARRAY;
    if (kind == RESP_AGG_PUSH && nb->depth == 1) {
        l->push = 1; /* close_level writes the push header in the same room */
    }
    if (kind == RESP_AGG_MAP) {
        /* Elements went in as keys: every second one is a value. */
        size_t q = l->pos + l->hdr, i = 0;
        while (q < b->len) {
            if (i++ & 1) b->p[q] = (char)K_MAPVAL;
            q++;
            uint64_t len = 0;
            int shift = 0;
            unsigned char c;
            do {
                c = (unsigned char)b->p[q++];
                len |= (uint64_t)(c & 0x7f) << shift;
                shift += 7;
            } while (c & 0x80);
            q += (size_t)len;
        }
    }
    l->need = l->done;
    settle(nb, comp);
}

/* ---------------------------------------------------------------- values */

/* proto3 strings must be UTF-8: invalid bytes of status and error texts
 * become '?'. Returns s, or a cleaned copy in *tmp (caller frees). */
static const char *utf8_clean(const char *s, size_t len, char **tmp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    *tmp = NULL;
    while (i < len) {
        unsigned c = u[i];
        size_t n = c < 0x80         ? 1
                   : (c >> 5) == 6  ? 2
                   : (c >> 4) == 14 ? 3
                   : (c >> 3) == 30 ? 4
                                    : 0;
        int ok = n > 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++)
            ok = (u[i + k] & 0xc0) == 0x80;
        if (ok && n == 2) ok = c >= 0xc2;
        if (ok && n == 3) {
            unsigned v = (c & 0x0f) << 12 | (u[i + 1] & 0x3f) << 6 | (u[i + 2] & 0x3f);
            ok = v >= 0x800 && (v < 0xd800 || v > 0xdfff);
        }
        if (ok && n == 4) {
            unsigned v = (c & 0x07) << 18 | (u[i + 1] & 0x3f) << 12;
            ok = v >= 0x10000 && v <= 0x10ffff;
        }
        if (ok) {
            i += n;
            continue;
        }
        if (!*tmp) *tmp = mem_dup(s, len);
        (*tmp)[i++] = '?';
    }
    return *tmp ? *tmp : s;
}

static void put_text(buf *b, int comp, uint8_t vkey, const char *s, size_t len)
{
    char *tmp;
    s = utf8_clean(s, len, &tmp);
    char head[11], *p = head;
    *p++ = (char)vkey;
    p = vput(p, len);
    put_value(b, comp, head, (size_t)(p - head), s, len);
    mem_free(tmp);
}

static void op_status(buf *b, int comp, const char *s, size_t len)
{
    put_text(b, comp, V_SIMPLE, s, len);
}

static void op_error(buf *b, int comp, const char *s, size_t len)
{
    put_text(b, comp, V_ERROR, s, len);
}

static void op_bignum(buf *b, int comp, const char *s, size_t len)
{
    put_text(b, comp, V_BIGNUM, s, len);
}

static void op_integer(buf *b, int comp, long long v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    char head[11], *p = head;
    *p++ = (char)V_INTEGER;
    p = vput(p, z);
    put_value(b, comp, head, (size_t)(p - head), NULL, 0);
}

static void op_bulk(buf *b, int comp, const void *data, size_t len)
{
    char head[11], *p = head;
    *p++ = (char)V_BULK;
    p = vput(p, len);
    put_value(b, comp, head, (size_t)(p - head), data, len);
}

static void op_null(buf *b, int comp)
{
    static const char head[] = {(char)V_NULL, 0};
    put_value(b, comp, head, 2, NULL, 0);
}

static void op_dbl(buf *b, int comp, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    char head[9];
    head[0] = (char)V_DOUBLE;
    for (int i = 0; i < 8; i++)
        head[1 + i] = (char)(u >> (8 * i));
    put_value(b, comp, head, 9, NULL, 0);
}

static void op_dbl_text(buf *b, int comp, const char *p, size_t len)
{
    char tmp[128];
    if (len >= sizeof(tmp)) len = sizeof(tmp) - 1;
    memcpy(tmp, p, len);
    tmp[len] = 0;
    op_dbl(b, comp, strtod(tmp, NULL));
}

static void op_boolean(buf *b, int comp, int v)
{
    char head[2] = {(char)V_BOOL, (char)(v ? 1 : 0)};
    put_value(b, comp, head, 2, NULL, 0);
}

static void op_verbatim(buf *b, int comp, const char *p, size_t len, const char *ext)
{
    size_t elen = strlen(ext);
    if (elen > 16) elen = 16;
    size_t inner = 2 + elen + 1 + vlen(len) + len;
    char head[64], *q = head;
    *q++ = (char)V_VERBATIM;
    q = vput(q, inner);
    *q++ = 0x0a; /* Verbatim.format */
    *q++ = (char)elen;
    memcpy(q, ext, elen);
    q += elen;
    *q++ = 0x12; /* Verbatim.text */
    q = vput(q, len);
    put_value(b, comp, head, (size_t)(q - head), p, len);
}

/* One reply_ops table per send compression. */
#define NATIVE_OPS(C)                                                                    \
    static void status_##C(buf *b, const char *s, size_t n)                              \
    {                                                                                    \
        op_status(b, C, s, n);                                                           \
    }                                                                                    \
    static void error_##C(buf *b, const char *s, size_t n)                               \
    {                                                                                    \
        op_error(b, C, s, n);                                                            \
    }                                                                                    \
    static void integer_##C(buf *b, long long v)                                         \
    {                                                                                    \
        op_integer(b, C, v);                                                             \
    }                                                                                    \
    static void bulk_##C(buf *b, const void *p, size_t n)                                \
    {                                                                                    \
        op_bulk(b, C, p, n);                                                             \
    }                                                                                    \
    static void null_##C(buf *b)                                                         \
    {                                                                                    \
        op_null(b, C);                                                                   \
    }                                                                                    \
    static void agg_##C(buf *b, resp_agg k, size_t n)                                    \
    {                                                                                    \
        open_agg(b, C, k, n, 0);                                                         \
    }                                                                                    \
    static void dbl_##C(buf *b, double d)                                                \
    {                                                                                    \
        op_dbl(b, C, d);                                                                 \
    }                                                                                    \
    static void dbltext_##C(buf *b, const char *p, size_t n)                             \
    {                                                                                    \
        op_dbl_text(b, C, p, n);                                                         \
    }                                                                                    \
    static void bool_##C(buf *b, int v)                                                  \
    {                                                                                    \
        op_boolean(b, C, v);                                                             \
    }                                                                                    \
    static void verb_##C(buf *b, const char *p, size_t n, const char *e)                 \
    {                                                                                    \
        op_verbatim(b, C, p, n, e);                                                      \
    }                                                                                    \
    static void bignum_##C(buf *b, const char *p, size_t n)                              \
    {                                                                                    \
        op_bignum(b, C, p, n);                                                           \
    }                                                                                    \
    static size_t defer_##C(buf *b)                                                      \
    {                                                                                    \
        return open_agg(b, C, RESP_AGG_ARRAY, 0, 1);                                     \
    }                                                                                    \
    static void setdef_##C(buf *b, size_t m, resp_agg k, size_t n)                       \
    {                                                                                    \
        set_deferred(b, C, m, k, n);                                                     \
    }
#define NATIVE_TABLE(C)                                                                  \
    {                                                                                    \
        status_##C, error_##C, integer_##C, bulk_##C, null_##C, null_##C, agg_##C,       \
            dbl_##C, dbltext_##C, bool_##C, verb_##C, bignum_##C, defer_##C, setdef_##C  \
    }

NATIVE_OPS(0)
NATIVE_OPS(1)
NATIVE_OPS(2)
NATIVE_OPS(3)

const reply_ops native_reply_ops[4] = {NATIVE_TABLE(0), NATIVE_TABLE(1), NATIVE_TABLE(2),
                                       NATIVE_TABLE(3)};

/* An error reply frame, uncompressed. */
static void error_frame(buf *b, const char *msg)
{
    op_error(b, NATIVE_NONE, msg, strlen(msg));
}

/* ---------------------------------------------------------------- clients */

void native_srv_client_new(client *c)
{
    native_state *ns = mem_calloc(sizeof(*ns));
    native_msg_init(&ns->msg);
    c->nat = ns;
    c->resp = 3;
    c->rops = &native_reply_ops[NATIVE_NONE];
}

void native_srv_client_free(client *c)
{
    native_state *ns = c->nat;
    if (!ns) return;
    nbuild *nb = nb_find(&c->out);
    if (nb) nb_drop(nb);
    buf_free(&ns->plain);
    native_msg_free(&ns->msg);
    mem_free(ns);
    c->nat = NULL;
}

/* Fails the frame: c->rd.err gets "Protocol error: <detail>" (cut to fit). */
static int proto_error(client *c, const char *detail)
{
    static const char pre[] = "Protocol error: ";
    size_t room = sizeof(c->rd.err) - sizeof(pre);
    size_t n = strlen(detail);
    if (n > room) n = room;
    memcpy(c->rd.err, pre, sizeof(pre) - 1);
    memcpy(c->rd.err + sizeof(pre) - 1, detail, n);
    c->rd.err[sizeof(pre) - 1 + n] = 0;
    return RESP_ERROR;
}

static void set_argv(client *c, const slice *argv, size_t argc)
{
    if ((size_t)c->argv_cap < argc) {
        mem_free(c->argv);
        c->argv = mem_alloc(sizeof(slice) * argc);
        c->argv_cap = (int)argc;
    }
    memcpy(c->argv, argv, sizeof(slice) * argc);
    c->argc = (int)argc;
}

/* Appends a HelloReply frame (never compressed: the client has not been told
 * anything yet). error NULL: success. */
static void hello_reply(client *c, const char *error)
{
    Kvik__HelloReply hr = KVIK__HELLO_REPLY__INIT;
    Kvik__Compression acc[] = {KVIK__COMPRESSION__GZIP, KVIK__COMPRESSION__LZ4,
                               KVIK__COMPRESSION__ZSTD};
    hr.version = NATIVE_VERSION;
    if (error) {
        char *tmp;
        hr.error = (char *)utf8_clean(error, strlen(error), &tmp);
        if (tmp) {
            tmp = mem_realloc(tmp, strlen(error) + 1);
            tmp[strlen(error)] = 0;
            hr.error = tmp;
        }
    } else {
        hr.n_accept = 3;
        hr.accept = acc;
        size_t min = compress_min();
        hr.compress_min = min > UINT32_MAX ? UINT32_MAX : (uint32_t)min;
        hr.server = "kvik";
        hr.server_version = KVIK_VERSION;
        hr.client_id = c->id;
    }
    Kvik__ServerMessage sm = KVIK__SERVER_MESSAGE__INIT;
    sm.msg_case = KVIK__SERVER_MESSAGE__MSG_HELLO;
    sm.hello = &hr;
    size_t n = kvik__server_message__get_packed_size(&sm);
    uint8_t *p = mem_alloc(n ? n : 1);
    kvik__server_message__pack(&sm, p);
    client_mark_pending(c);
    native_frame_write(&c->out, p, n, NATIVE_NONE, 0);
    mem_free(p);
    if (error && hr.error != error) mem_free(hr.error);
}

/* The error text of the single reply frame at out[from..), or NULL if it is
 * not an error. *text is freed by the caller. */
static char *reply_error_text(const buf *out, size_t from)
{
    native_frame f;
    if (native_frame_parse((const uint8_t *)out->p + from, out->len - from,
                           NATIVE_MAX_PAYLOAD, &f, NULL) != NATIVE_OK)
        return mem_strdup("ERR no reply to HELLO");
    Kvik__ServerMessage *sm = kvik__server_message__unpack(NULL, f.len, f.payload);
    if (!sm) return mem_strdup("ERR unreadable reply to HELLO");
    char *err = NULL;
    if (sm->msg_case == KVIK__SERVER_MESSAGE__MSG_REPLY &&
        sm->reply->kind_case == KVIK__VALUE__KIND_ERROR)
        err = mem_strdup(sm->reply->error);
    kvik__server_message__free_unpacked(sm, NULL);
    return err;
}

static int pick_send_compression(const Kvik__Hello *h)
{
    static const int pref[] = {NATIVE_LZ4, NATIVE_ZSTD, NATIVE_GZIP};
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < h->n_accept; k++)
            if ((int)h->accept[k] == pref[i]) return pref[i];
    return NATIVE_NONE;
}

/* Answers the Hello in payload p[0..len). */
static int do_hello(client *c, const uint8_t *p, size_t len)
{
    native_state *ns = c->nat;
    Kvik__ClientMessage *cm = kvik__client_message__unpack(NULL, len, p);
    if (!cm || cm->msg_case != KVIK__CLIENT_MESSAGE__MSG_HELLO) {
        if (cm) kvik__client_message__free_unpacked(cm, NULL);
        return proto_error(c, "invalid Hello message");
    }
    const Kvik__Hello *h = cm->hello;
    if (h->version < NATIVE_VERSION) {
        hello_reply(c, "ERR unsupported native protocol version (this server speaks 1)");
        c->flags |= CL_CLOSE_AFTER_REPLY;
        kvik__client_message__free_unpacked(cm, NULL);
        return RESP_OK;
    }
    slice argv[7];
    int argc = 0;
    argv[argc++] = SLICE_LIT("HELLO");
    argv[argc++] = SLICE_LIT("3");
    /* Credentials: a password alone is the default user's; a user alone is
     * tried with an empty password (and refused, unless that is right). */
    if ((h->password && h->password[0]) || (h->user && h->user[0])) {
        argv[argc++] = SLICE_LIT("AUTH");
        if (h->user && h->user[0])
            argv[argc++] = slice_of(h->user, strlen(h->user));
        else
            argv[argc++] = SLICE_LIT("default");
        argv[argc++] = slice_of(h->password, strlen(h->password));
    }
    if (h->client_name && h->client_name[0]) {
        argv[argc++] = SLICE_LIT("SETNAME");
        argv[argc++] = slice_of(h->client_name, strlen(h->client_name));
    }
    set_argv(c, argv, (size_t)argc);
    size_t from = c->out.len;
    c->rops = &native_reply_ops[NATIVE_NONE];
    dispatch(c);
    c->argc = 0;
    char *err = reply_error_text(&c->out, from);
    c->out.len = from;
    if (err) {
        hello_reply(c, err);
        c->flags |= CL_CLOSE_AFTER_REPLY;
        mem_free(err);
    } else {
        ns->send_comp = pick_send_compression(h);
        ns->hello_done = 1;
        hello_reply(c, NULL);
        c->rops = &native_reply_ops[ns->send_comp];
    }
    kvik__client_message__free_unpacked(cm, NULL);
    return RESP_OK;
}

/* A RESP client on the native port: tell it in its own protocol. */
static int looks_like_resp(const uint8_t *p)
{
    for (int i = 0; i < NATIVE_HEADER_LEN; i++)
        if (!((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\r' || p[i] == '\n')) return 0;
    return 1;
}

int native_srv_read(client *c, size_t *consumed)
{
    native_state *ns = c->nat;
    const uint8_t *p = (const uint8_t *)c->qbuf.p + c->qpos;
    size_t len = c->qbuf.len - c->qpos;
    /* client-query-buffer-limit bounds whole frames (header included), and
     * payloads after decompression. */
    size_t limit = cfg.client_query_buffer_limit > NATIVE_HEADER_LEN
                       ? (size_t)cfg.client_query_buffer_limit - NATIVE_HEADER_LEN
                       : NATIVE_MAX_PAYLOAD;
    size_t max_payload = ns->hello_done ? limit : HELLO_MAX;
    char err[128];
    native_frame f;
    c->rd.argc = 0;
    int rc = native_frame_parse(p, len, max_payload, &f, err);
    if (rc == NATIVE_AGAIN) {
        c->rd.need = f.frame_len;
        return RESP_AGAIN;
    }
    c->rd.need = 0;
    if (rc == NATIVE_ERROR) {
        if (!ns->hello_done && looks_like_resp(p)) {
            static const char msg[] = "-ERR this port speaks kvik's native protocol "
                                      "(docs/protocol.md), not RESP\r\n";
            client_mark_pending(c);
            buf_append(&c->out, msg, sizeof(msg) - 1);
            c->flags |= CL_CLOSE_AFTER_REPLY;
            *consumed = len;
            return RESP_OK;
        }
        return proto_error(c, err);
    }
    *consumed = f.frame_len;
    /* The previous Request's arguments are no longer used: a large buffer
     * is not kept for an idle client. */
    if (ns->plain.cap > PLAIN_KEEP) buf_free(&ns->plain);
    if (native_decompress(&f, max_payload, &ns->plain, err) != NATIVE_OK)
        return proto_error(c, err);
    const uint8_t *pl =
        f.compression == NATIVE_NONE ? f.payload : (const uint8_t *)ns->plain.p;
    size_t plen = f.compression == NATIVE_NONE ? f.len : ns->plain.len;
    native_msg_limits lim = {(size_t)cfg.proto_max_multibulk_len,
                             (size_t)cfg.proto_max_bulk_len};
    if (native_msg_parse_client(&ns->msg, pl, plen, &lim, err) != NATIVE_OK)
        return proto_error(c, err);
    if (!ns->hello_done) {
        if (ns->msg.kind != NATIVE_MSG_HELLO)
            return proto_error(c, "the first message must be a Hello");
        return do_hello(c, pl, plen);
    }
    if (ns->msg.kind != NATIVE_MSG_REQUEST)
        return proto_error(c, ns->msg.kind == NATIVE_MSG_HELLO ? "unexpected Hello"
                                                               : "empty ClientMessage");
    if (ns->msg.argc == 0) {
        /* Every Request gets a reply, this one too. */
        reply_error(c, "ERR empty Request");
        return RESP_OK;
    }
    set_argv(c, ns->msg.argv, ns->msg.argc);
    c->rd.argc = ns->msg.argc;
    return RESP_OK;
}

/* ---------------------------------------------------------------- pushes */

/* The shared part of a pub/sub push: the channel and message entries of the
 * Aggregate, already encoded. */
typedef struct push_cache {
    size_t len;
    char bytes[];
} push_cache;

static char *put_bulk_elem(char *p, slice s)
{
    *p++ = (char)K_ELEM;
    p = vput(p, 1 + vlen(s.len) + s.len);
    *p++ = (char)V_BULK;
    p = vput(p, s.len);
    if (s.len) memcpy(p, s.p, s.len);
    return p + s.len;
}

static size_t bulk_elem_len(size_t n)
{
    size_t v = 1 + vlen(n) + n;
    return 1 + vlen(v) + v;
}

static push_cache *push_cache_get(slice ch, slice msg, void *_Atomic *cache)
{
    push_cache *pc = atomic_load_explicit(cache, memory_order_acquire);
    if (pc) return pc;
    size_t n = bulk_elem_len(ch.len) + bulk_elem_len(msg.len);
    pc = mem_alloc(sizeof(push_cache) + n);
    char *p = put_bulk_elem(pc->bytes, ch);
    p = put_bulk_elem(p, msg);
    pc->len = (size_t)(p - pc->bytes);
    void *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(
            cache, &expected, pc, memory_order_acq_rel, memory_order_acquire)) {
        mem_free(pc); /* another thread made it first */
        pc = expected;
    }
    return pc;
}

void native_srv_push_pubsub(client *c, const char *kind, slice pattern, slice channel,
                            slice message, void *_Atomic *cache)
{
    native_state *ns = c->nat;
    push_cache *pc = push_cache_get(channel, message, cache);
    slice k = slice_of(kind, strlen(kind));
    size_t head = bulk_elem_len(k.len) + (pattern.p ? bulk_elem_len(pattern.len) : 0);
    size_t agg = head + pc->len;
    size_t plen = 1 + vlen(agg) + agg;
    client_mark_pending(c);
    /* A message published by c's own command (a keyspace notification) while
     * its reply is half written goes out before that reply, not inside it. */
    nbuild *nb = nb_find(&c->out);
    buf side = BUF_INIT;
    buf *b = nb ? &side : &c->out;
    size_t start = b->len;
    buf_reserve(b, NATIVE_HEADER_LEN + plen);
    b->len += NATIVE_HEADER_LEN;
    char *p = b->p + b->len;
    *p++ = (char)K_SM_PUSH;
    p = vput(p, agg);
    p = put_bulk_elem(p, k);
    if (pattern.p) p = put_bulk_elem(p, pattern);
    memcpy(p, pc->bytes, pc->len);
    b->len = (size_t)(p - b->p) + pc->len;
    finish_frame(b, start, ns ? ns->send_comp : NATIVE_NONE);
    if (nb) {
        buf_insert(&c->out, nb->start, side.p, side.len);
        nb->start += side.len;
        for (int i = 0; i < nb->depth; i++)
            nb->lv[i].pos += side.len;
        buf_free(&side);
    }
    if (c->out.len - c->out_sent > c->obuf_check_at) client_check_obuf(c);
}
