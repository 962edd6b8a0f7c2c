/* lib/native_client.c — the native protocol of a connection (docs/protocol.md).
 *
 * Frames come from proto/native.c (find a frame, decompress within a limit,
 * build a frame compressing above a size); messages are proto/kvik.proto's,
 * packed and unpacked by protobuf-c. This file adds the client's side of the
 * handshake (Hello / HelloReply: version, compressions both ways, optional
 * AUTH and SETNAME) and turns Value messages into kvik_reply trees.
 *
 * Limits: a frame's payload, as sent and after decompression, may be at most
 * max_bulk bytes (so max_bulk bounds a whole message here, not one string),
 * an aggregate at most max_elements values, and values nest at most
 * max_depth deep. Nesting is checked on the wire bytes BEFORE protobuf-c
 * unpacks them (its unpacker recurses once per level and has no limit of its
 * own, so a hostile deeply nested message would otherwise exhaust the stack).
 */
#include "lib/kvik_int.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"


#include "proto/kvik.pb-c.h"
#include "proto/native.h"

#define NATIVE_VERSION 1

typedef struct nstate {
    int send_comp; /* NATIVE_*: what we compress with (the server accepts it) */
    size_t compress_min;
    buf pack; /* a message being packed */
    buf dec;  /* a decompressed payload */
} nstate;

static nstate *state(kvik *k)
{
    if (!k->native) k->native = mem_calloc(sizeof(nstate));
    return k->native;
}

static void native_free_state(kvik *k)
{
    nstate *s = k->native;
    if (!s) return;
    buf_free(&s->pack);
    buf_free(&s->dec);
    mem_free(s);
    k->native = NULL;
}

/* Packs m and appends it to k->out as one frame. 0, or -1 when it is too
 * large for a frame (nothing appended). */
static int send_message(kvik *k, const Kvik__ClientMessage *m, int compress)
{
    nstate *s = state(k);
    size_t n = kvik__client_message__get_packed_size(m);
    s->pack.len = 0;
    buf_reserve(&s->pack, n);
    kvik__client_message__pack(m, (uint8_t *)s->pack.p);
    int rc = native_frame_write(&k->out, (const uint8_t *)s->pack.p, n,
                                compress ? s->send_comp : NATIVE_NONE, s->compress_min);
    if (s->pack.cap > (1u << 20)) buf_shrink(&s->pack, 0);
    if (rc == NATIVE_ERROR)
        return kl_fail(k, KVIK_E_ARG, "a message of %zu bytes does not fit a native frame", n);
    k->st.payload_out += n;
    return 0;
}

static int native_encode(kvik *k, int argc, const char *const *argv, const size_t *lens)
{
    ProtobufCBinaryData small[16], *args = small;
    if (argc > 16) args = mem_alloc((size_t)argc * sizeof(*args));
    for (int i = 0; i < argc; i++) {
        args[i].data = (uint8_t *)argv[i];
        args[i].len = lens ? lens[i] : strlen(argv[i]);
    }
    Kvik__Request req = KVIK__REQUEST__INIT;
    req.n_argv = (size_t)argc;
    req.argv = args;
    Kvik__ClientMessage m = KVIK__CLIENT_MESSAGE__INIT;
    m.msg_case = KVIK__CLIENT_MESSAGE__MSG_REQUEST;
    m.request = &req;
    int rc = send_message(k, &m, 1);
    if (args != small) mem_free(args);
    return rc;
}

/* ---- Nesting check on the wire format ---- */

enum { PB_LEAF, PB_SERVER, PB_VALUE, PB_AGG, PB_MAP };

/* The kind of message in field `field` of a `kind` message (PB_LEAF: no
 * Value below it). */
static int child_kind(int kind, uint64_t field)
{
    switch (kind) {
    case PB_SERVER: return field == 2 ? PB_VALUE : field == 3 ? PB_AGG : PB_LEAF;
    case PB_VALUE: return field == 5 || field == 12 ? PB_AGG : field == 11 ? PB_MAP : PB_LEAF;
    case PB_AGG: return field == 1 ? PB_VALUE : PB_LEAF;
    case PB_MAP: return field == 1 || field == 2 ? PB_VALUE : PB_LEAF;
    }
    return PB_LEAF;
}

static int varint(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *i < n; shift += 7) {
        uint8_t b = p[(*i)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
    return -1;
}

/* 0 if every nested message of p[0..n) is well framed and at most max
 * levels deep. */
static int pb_walk(const uint8_t *p, size_t n, int kind, int depth, int max)
{
    if (depth > max) return -1;
    size_t i = 0;
    while (i < n) {
        uint64_t key, v;
        if (varint(p, n, &i, &key) < 0) return -1;
        switch (key & 7) {
        case 0:
            if (varint(p, n, &i, &v) < 0) return -1;
            break;
        case 1:
        case 5: {
            size_t w = (key & 7) == 1 ? 8 : 4;
            if (n - i < w) return -1;
            i += w;
            break;
        }
        case 2: {
            if (varint(p, n, &i, &v) < 0 || v > n - i) return -1;
            int ck = child_kind(kind, key >> 3);
            if (ck != PB_LEAF && pb_walk(p + i, (size_t)v, ck, depth + 1, max) < 0) return -1;
            i += (size_t)v;
            break;
        }
        default: return -1;
        }
    }
    return 0;
}

/* ---- Messages in ---- */

/* The next ServerMessage from k->in: 1 (*out set, in_pos advanced), 0 (more
 * bytes needed) or -1. */
static int next_message(kvik *k, Kvik__ServerMessage **out)
{
    nstate *s = state(k);
    size_t avail = k->in.len - k->in_pos;
    if (avail == 0) return 0;
    const uint8_t *p = (const uint8_t *)k->in.p + k->in_pos;
    native_frame f;
    char err[128] = "";
    int rc = native_frame_parse(p, avail, k->lim.max_bulk, &f, err);
    if (rc == NATIVE_AGAIN) {
        if (f.frame_len > k->in.cap - k->in_pos) buf_reserve(&k->in, f.frame_len - avail);
        return 0;
    }
    if (rc != NATIVE_OK) return kl_fail(k, KVIK_E_PROTOCOL, "native frame: %s", err);
    const uint8_t *payload = f.payload;
    size_t len = f.len;
    if (f.compression != NATIVE_NONE) {
        if (native_decompress(&f, k->lim.max_bulk, &s->dec, err) != NATIVE_OK)
            return kl_fail(k, KVIK_E_PROTOCOL, "native frame: %s", err);
        payload = (const uint8_t *)s->dec.p;
        len = s->dec.len;
    }
    if (pb_walk(payload, len, PB_SERVER, 0, 2 * k->max_depth + 2) < 0)
        return kl_fail(k, KVIK_E_PROTOCOL,
                       "native message: malformed or nested deeper than %d", k->max_depth);
    Kvik__ServerMessage *m = kvik__server_message__unpack(NULL, len, payload);
    if (!m) return kl_fail(k, KVIK_E_PROTOCOL, "native message: cannot decode");
    k->in_pos += f.frame_len;
    k->st.payload_in += len;
    if (s->dec.cap > (1u << 20)) buf_free(&s->dec);
    *out = m;
    return 1;
}

static kvik_reply *convert(kvik *k, const Kvik__Value *v);

static kvik_reply *aggregate(kvik *k, kvik_type t, size_t n, Kvik__Value **vals,
                             Kvik__Value **keys)
{
    size_t total = keys ? 2 * n : n;
    if (n > k->lim.max_args) {
        kl_fail(k, KVIK_E_PROTOCOL, "native reply: %zu elements, over the limit", n);
        return NULL;
    }
    kvik_reply *r = kl_reply_new(t, NULL, 0);
    r->elements = total;
    if (total) r->element = mem_calloc(total * sizeof(*r->element));
    for (size_t i = 0; i < n; i++) {
        kvik_reply *e;
        if (keys) {
            if (!(e = convert(k, keys[i]))) goto fail;
            r->element[2 * i] = e;
        }
        if (!(e = convert(k, vals[i]))) goto fail;
        r->element[keys ? 2 * i + 1 : i] = e;
    }
    return r;
fail:
    kvik_reply_free(r);
    return NULL;
}

static kvik_reply *text(kvik_type t, const char *s)
{
    return kl_reply_new(t, s, strlen(s));
}

static kvik_reply *convert(kvik *k, const Kvik__Value *v)
{
    kvik_reply *r;
    char num[64];
    switch (v->kind_case) {
    case KVIK__VALUE__KIND_SIMPLE: return text(KVIK_STATUS, v->simple);
    case KVIK__VALUE__KIND_ERROR: return text(KVIK_ERROR, v->error);
    case KVIK__VALUE__KIND_BIGNUM: return text(KVIK_BIGNUM, v->bignum);
    case KVIK__VALUE__KIND_BULK:
        return kl_reply_new(KVIK_STRING, (const char *)v->bulk.data, v->bulk.len);
    case KVIK__VALUE__KIND_NULL: return kl_reply_new(KVIK_NIL, NULL, 0);
    case KVIK__VALUE__KIND_INTEGER:
    case KVIK__VALUE__KIND_BOOLEAN:
        r = kl_reply_new(v->kind_case == KVIK__VALUE__KIND_INTEGER ? KVIK_INTEGER : KVIK_BOOL,
                         NULL, 0);
        r->integer = v->kind_case == KVIK__VALUE__KIND_INTEGER ? v->integer : !!v->boolean;
        return r;
    case KVIK__VALUE__KIND_DOUBLE:
        kl_format_double(num, sizeof(num), v->double_);
        r = text(KVIK_DOUBLE, num);
        r->dval = v->double_;
        return r;
    case KVIK__VALUE__KIND_VERBATIM:
        r = kl_reply_new(KVIK_VERBATIM, (const char *)v->verbatim->text.data,
                         v->verbatim->text.len);
        snprintf(r->vtype, sizeof(r->vtype), "%s", v->verbatim->format);
        return r;
    case KVIK__VALUE__KIND_ARRAY:
    case KVIK__VALUE__KIND_SET: {
        const Kvik__Aggregate *a =
            v->kind_case == KVIK__VALUE__KIND_ARRAY ? v->array : v->set;
        return aggregate(k, v->kind_case == KVIK__VALUE__KIND_ARRAY ? KVIK_ARRAY : KVIK_SET,
                         a->n_values, a->values, NULL);
    }
    case KVIK__VALUE__KIND_MAP:
        if (v->map->n_keys != v->map->n_values) {
            kl_fail(k, KVIK_E_PROTOCOL, "native reply: a map with %zu keys and %zu values",
                    v->map->n_keys, v->map->n_values);
            return NULL;
        }
        return aggregate(k, KVIK_MAP, v->map->n_keys, v->map->values, v->map->keys);
    default:
        kl_fail(k, KVIK_E_PROTOCOL, "native reply: a value of unknown kind %d",
                (int)v->kind_case);
        return NULL;
    }
}

static int native_parse(kvik *k, kvik_reply **out)
{
    Kvik__ServerMessage *m;
    int rc = next_message(k, &m);
    if (rc <= 0) return rc;
    kvik_reply *r = NULL;
    if (m->msg_case == KVIK__SERVER_MESSAGE__MSG_REPLY)
        r = convert(k, m->reply);
    else if (m->msg_case == KVIK__SERVER_MESSAGE__MSG_PUSH)
        r = aggregate(k, KVIK_PUSH, m->push->n_values, m->push->values, NULL);
    else
        kl_fail(k, KVIK_E_PROTOCOL, "native: unexpected message (case %d)", (int)m->msg_case);
    kvik__server_message__free_unpacked(m, NULL);
    if (!r) return -1;
    *out = r;
    return 1;
}

const kl_protocol kl_native_protocol = {native_encode, native_parse, native_free_state};

/* ---- Handshake ---- */

static int has(const Kvik__HelloReply *h, int comp)
{
    for (size_t i = 0; i < h->n_accept; i++)
        if ((int)h->accept[i] == comp) return 1;
    return 0;
}

static int hello_reply(kvik *k, const kvik_options *o, const Kvik__ServerMessage *m)
{
    if (m->msg_case != KVIK__SERVER_MESSAGE__MSG_HELLO)
        return kl_fail(k, KVIK_E_PROTOCOL, "native handshake: the server did not answer Hello");
    const Kvik__HelloReply *h = m->hello;
    if (h->error && h->error[0]) {
        int auth = !strncmp(h->error, "WRONGPASS", 9) || !strncmp(h->error, "NOAUTH", 6) ||
                   strstr(h->error, "password") || strstr(h->error, "auth");
        return kl_fail(k, auth ? KVIK_E_AUTH : KVIK_E_PROTOCOL, "native handshake refused: %s",
                       h->error);
    }
    if (h->version < 1)
        return kl_fail(k, KVIK_E_PROTOCOL, "native handshake: server version %u",
                       (unsigned)h->version);
    k->version = (int)h->version;
    nstate *s = state(k);
    s->send_comp = NATIVE_NONE;
    if (o->compress && o->compress_with != KVIK_COMPRESS_NONE && has(h, (int)o->compress_with))
        s->send_comp = (int)o->compress_with;
    return 0;
}

/* A server that refuses a connection before its first frame (maxclients,
 * protected mode) sends one RESP error line instead and closes; its first
 * byte, '-', tells it from a frame, whose first byte is 0 (docs/protocol.md). */
static int refusal(kvik *k)
{
    while (!memchr(k->in.p + k->in_pos, '\n', k->in.len - k->in_pos) &&
           k->in.len - k->in_pos < 1024)
        if (kl_fill(k) < 0) break; /* the close that follows the line */
    const char *p = k->in.p + k->in_pos + 1;
    size_t avail = k->in.len - k->in_pos - 1, n = 0;
    while (n < avail && p[n] != '\r' && p[n] != '\n') n++;
#define STARTS(w) (n >= sizeof(w) - 1 && !memcmp(p, w, sizeof(w) - 1))
    int auth = STARTS("NOAUTH") || STARTS("WRONGPASS") || STARTS("DENIED");
#undef STARTS
    return kl_fail(k, auth ? KVIK_E_AUTH : KVIK_E_IO, "the server refused the connection: %.*s",
                   (int)(n > 300 ? 300 : n), p);
}

/* The HelloReply (1 with *reply set) or -1. */
static int hello_wait(kvik *k, Kvik__ServerMessage **reply)
{
    for (;;) {
        if (k->in.len > k->in_pos && k->in.p[k->in_pos] == '-') return refusal(k);
        int rc = next_message(k, reply);
        if (rc) return rc;
        if (kl_fill(k) < 0) return -1;
    }
}

int kl_native_hello(kvik *k, const kvik_options *o)
{
    nstate *s = state(k);
    s->compress_min = o->compress_min;
    Kvik__Compression accept[3] = {KVIK__COMPRESSION__GZIP, KVIK__COMPRESSION__LZ4,
                                   KVIK__COMPRESSION__ZSTD};
    Kvik__Hello hello = KVIK__HELLO__INIT;
    hello.version = NATIVE_VERSION;
    hello.n_accept = o->compress ? 3 : 0;
    hello.accept = accept;
    if (o->password) {
        hello.user = (char *)(o->user ? o->user : "default");
        hello.password = (char *)o->password;
    }
    if (o->client_name) hello.client_name = (char *)o->client_name;
    Kvik__ClientMessage m = KVIK__CLIENT_MESSAGE__INIT;
    m.msg_case = KVIK__CLIENT_MESSAGE__MSG_HELLO;
    m.hello = &hello;
    if (send_message(k, &m, 0) < 0 || kvik_flush(k) < 0) return -1;
    Kvik__ServerMessage *reply;
    int rc = hello_wait(k, &reply);
    if (rc < 0) {
        if (k->code == KVIK_E_PROTOCOL) {
            size_t n = strlen(k->err);
            snprintf(k->err + n, sizeof(k->err) - n, " (is %s:%d a native port?)", o->host,
                     o->port);
        }
        return -1;
    }
    rc = hello_reply(k, o, reply);
    kvik__server_message__free_unpacked(reply, NULL);
    if (rc < 0 || o->db <= 0) return rc;
    char dbs[16];
    snprintf(dbs, sizeof(dbs), "%d", o->db);
    kvik_reply *r = kvik_commandv(k, "SELECT", dbs, NULL);
    if (!r) return -1;
    rc = r->type == KVIK_ERROR ? kl_fail(k, KVIK_E_ARG, "SELECT refused: %s", r->str) : 0;
    kvik_reply_free(r);
    return rc;
}
