/* proto/resp.c — see resp.h.
 *
 * Request reader
 * --------------
 * A request is either a multibulk ("*<n>\r\n" then n times "$<len>\r\n<bytes>\r\n")
 * or, when its first byte is not '*', an inline line split like redis-cli
 * quotes. The reader keeps its progress in the resp_reader between calls:
 *
 *   buf:  *3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval..         (len bytes so far)
 *         ^                           ^
 *         command start (offset 0)    r->pos: start of the first argument not
 *                                     yet complete; argv[0..argc) are done,
 *                                     r->pending arguments are still to come
 *
 * On resumption only the "$<len>" line of the incomplete argument is parsed
 * again (a few bytes), so a 512 MB bulk arriving in 16 KB reads costs O(reads),
 * not O(bytes^2). Inline mode remembers in r->pos how far it looked for '\n'.
 *
 * Error texts are the ones Redis 7.0 sends. Differences from Redis, all on input
 * no client produces: the "\r\n" after a bulk and after a "*<n>"/"$<n>" line is
 * checked (Redis skips two bytes blindly); a bad first byte of an argument is
 * reported as soon as it arrives (Redis waits for its '\r'); an inline line
 * longer than max_inline is refused even when it arrived in one read; a NUL
 * byte in an inline line is an ordinary byte (Redis stops looking at it); an
 * inline line with more than max_args arguments is "too big inline request".
 * In "expected '$', got 'X'" a CR, LF or NUL shows as a space (Redis turns CR
 * and LF of error replies into spaces).
 *
 * Value reader
 * ------------
 * Walks one RESP2/RESP3 value with an explicit stack (no recursion), twice:
 * once to validate and find its end, then, only if it is complete and valid,
 * again to deliver it through the callbacks.
 *
 * Writers
 * -------
 * Each element is one buf_reserve and direct stores; integers and lengths are
 * formatted with a two-digits-at-a-time table (lengths below 100, the usual
 * case, are one or two stores). A deferred header is inserted at its mark
 * once its count is known, moving the bytes after it once.
 */
#include "proto/resp.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/util.h"

/* ======================================================================== */
/* Number formatting                                                         */
/* ======================================================================== */

static const char pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static inline unsigned ndigits(unsigned long long v)
{
    unsigned n = 1;
    for (;;) {
        if (v < 10) return n;
        if (v < 100) return n + 1;
        if (v < 1000) return n + 2;
        if (v < 10000) return n + 3;
        v /= 10000;
        n += 4;
    }
}

/* Writes v in decimal at p; returns the number of bytes. */
static inline size_t put_u(char *p, unsigned long long v)
{
    if (v < 10) {
        p[0] = (char)('0' + v);
        return 1;
    }
    if (v < 100) {
        memcpy(p, pairs + v * 2, 2);
        return 2;
    }
    unsigned n = ndigits(v);
    char *q = p + n;
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        q -= 2;
        memcpy(q, pairs + i, 2);
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, pairs + v * 2, 2);
    } else {
        *--q = (char)('0' + v);
    }
    return n;
}

/* "<prefix><n>\r\n" at p; returns its length (at most 23). */
static inline size_t put_hdr(char *p, char prefix, unsigned long long n)
{
    p[0] = prefix;
    size_t k = 1 + put_u(p + 1, n);
    p[k] = '\r';
    p[k + 1] = '\n';
    return k + 2;
}

#define HDR_MAX 24

/* ======================================================================== */
/* Request reader                                                            */
/* ======================================================================== */

enum { LL_OK, LL_AGAIN, LL_TOOBIG, LL_INVALID };

/* A "<c><number>\r\n" line at p (p[0] is the type byte, already checked).
 * The line's content (type byte and number) may be up to maxline bytes. */
static int len_line_slow(const char *p, size_t avail, size_t maxline, long long *val,
                         size_t *linelen)
{
    size_t scan = maxline < avail ? maxline + 1 : avail;
    const char *cr = memchr(p, '\r', scan);
    if (!cr) return avail > maxline ? LL_TOOBIG : LL_AGAIN;
    size_t c = (size_t)(cr - p);
    if (c + 1 >= avail) return LL_AGAIN;
    if (p[c + 1] != '\n') return LL_INVALID;
    if (!util_str2ll(p + 1, c - 1, val)) return LL_INVALID;
    *linelen = c + 2;
    return LL_OK;
}

static inline int len_line(const char *p, size_t avail, size_t maxline, long long *val,
                           size_t *linelen)
{
    /* Fast path: 1 to 18 digits, no sign, no leading zero, then "\r\n". */
    size_t i = 1, stop = avail < 20 ? avail : 20;
    unsigned long long v = 0;
    while (i < stop) {
        unsigned d = (unsigned)((unsigned char)p[i] - '0');
        if (d > 9) break;
        v = v * 10 + d;
        i++;
    }
    if (i + 1 < avail && i > 1 && i < 20 && i <= maxline && p[i] == '\r' &&
        p[i + 1] == '\n' && (p[1] != '0' || i == 2)) {
        *val = (long long)v;
        *linelen = i + 2;
        return LL_OK;
    }
    return len_line_slow(p, avail, maxline, val, linelen);
}

void resp_reader_init(resp_reader *r)
{
    memset(r, 0, sizeof(*r));
    r->pending = -1;
}

void resp_reader_free(resp_reader *r)
{
    mem_free(r->argv);
    resp_reader_init(r);
}

void resp_reader_reset(resp_reader *r)
{
    r->argc = 0;
    r->need = 0;
    r->pos = 0;
    r->pending = -1;
    r->inline_mode = 0;
}

static int fail(resp_reader *r, const char *msg)
{
    snprintf(r->err, sizeof(r->err), "Protocol error: %s", msg);
    resp_reader_reset(r);
    return RESP_ERROR;
}

/* Makes room in argv for one more argument; `total` (0: unknown) bounds the
 * useful capacity. */
static void __attribute__((noinline)) grow_argv(resp_reader *r, size_t total)
{
    size_t cap = r->argv_cap ? r->argv_cap * 2 : 8;
    if (total > r->argc && cap > total) cap = total;
    if (cap <= r->argc) cap = r->argc + 1;
    r->argv = mem_realloc(r->argv, cap * sizeof(*r->argv));
    r->argv_cap = cap;
}

static inline void push_arg(resp_reader *r, size_t off, size_t len, size_t total)
{
    if (r->argc == r->argv_cap) grow_argv(r, total);
    r->argv[r->argc].off = off;
    r->argv[r->argc].len = len;
    r->argc++;
}

static int done(resp_reader *r, size_t n, size_t *consumed)
{
    *consumed = n;
    r->need = 0;
    r->pos = 0;
    r->pending = -1;
    r->inline_mode = 0;
    return RESP_OK;
}

static int expected_dollar(resp_reader *r, char c)
{
    if (c == '\r' || c == '\n' || c == '\0') c = ' '; /* as Redis sanitizes replies */
    snprintf(r->err, sizeof(r->err), "Protocol error: expected '$', got '%c'", c);
    resp_reader_reset(r);
    return RESP_ERROR;
}

static int read_multibulk(resp_reader *r, const resp_limits *lim, const char *in,
                          size_t len, size_t *consumed)
{
    size_t pos = r->pos, linelen;
    long long n;
    r->need = 0;
    if (r->pending < 0) {
        switch (len_line(in, len, lim->max_inline, &n, &linelen)) {
        case LL_AGAIN:
            return RESP_AGAIN;
        case LL_TOOBIG:
            return fail(r, "too big mbulk count string");
        case LL_INVALID:
            return fail(r, "invalid multibulk length");
        }
        if (n > 0 && (unsigned long long)n > lim->max_args)
            return fail(r, "invalid multibulk length");
        if (r->unauth && n > RESP_UNAUTH_MAX_ARGS)
            return fail(r, "unauthenticated multibulk length");
        r->argc = 0;
        if (n <= 0) return done(r, linelen, consumed); /* "*0", "*-1": nothing */
        r->pending = n;
        pos = r->pos = linelen;
    }
    /* Progress lives in locals and goes back to r only when the call ends. */
    size_t pending = (size_t)r->pending, total = r->argc + pending;
    const size_t max_bulk = lim->max_bulk, max_line = lim->max_inline;
    while (pending > 0) {
        if (pos >= len) break;
        if (in[pos] != '$') return expected_dollar(r, in[pos]);
        switch (len_line(in + pos, len - pos, max_line, &n, &linelen)) {
        case LL_AGAIN:
            goto again;
        case LL_TOOBIG:
            return fail(r, "too big bulk count string");
        case LL_INVALID:
            return fail(r, "invalid bulk length");
        }
        if (n < 0 || (unsigned long long)n > max_bulk)
            return fail(r, "invalid bulk length");
        if (r->unauth && n > RESP_UNAUTH_MAX_BULK)
            return fail(r, "unauthenticated bulk length");
        size_t data = pos + linelen, blen = (size_t)n;
        if (len - data < blen + 2) {
            r->need = data + blen + 2;
            break;
        }
        if (in[data + blen] != '\r' || in[data + blen + 1] != '\n')
            return fail(r, "invalid bulk length");
        push_arg(r, data, blen, total);
        pos = data + blen + 2;
        pending--;
    }
    if (pending == 0) return done(r, pos, consumed);
again:
    r->pos = pos;
    r->pending = (long long)pending;
    return RESP_AGAIN;
}

static inline int is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r'); /* isspace() in the C locale */
}

static inline int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads one token of an inline line starting at *rdp (not a space), unescaping
 * it in place at the same start. Returns its length, or -1 on bad quoting. */
static long inline_token(char *in, size_t end, size_t *rdp)
{
    size_t rd = *rdp, wr = rd, start = rd;
    int inq = 0, insq = 0;
    for (;;) {
        if (inq) {
            if (rd == end) return -1;
            char c = in[rd];
            if (c == '\\' && rd + 3 < end && in[rd + 1] == 'x' &&
                hexval(in[rd + 2]) >= 0 && hexval(in[rd + 3]) >= 0) {
                in[wr++] = (char)(hexval(in[rd + 2]) * 16 + hexval(in[rd + 3]));
                rd += 4;
            } else if (c == '\\' && rd + 1 < end) {
                c = in[rd + 1];
                switch (c) {
                case 'n':
                    c = '\n';
                    break;
                case 'r':
                    c = '\r';
                    break;
                case 't':
                    c = '\t';
                    break;
                case 'b':
                    c = '\b';
                    break;
                case 'a':
                    c = '\a';
                    break;
                default:
                    break;
                }
                in[wr++] = c;
                rd += 2;
            } else if (c == '"') {
                /* The closing quote must be followed by a space or the end. */
                if (rd + 1 < end && !is_space(in[rd + 1])) return -1;
                rd++;
                break;
            } else {
                in[wr++] = c;
                rd++;
            }
        } else if (insq) {
            if (rd == end) return -1;
            char c = in[rd];
            if (c == '\\' && rd + 1 < end && in[rd + 1] == '\'') {
                in[wr++] = '\'';
                rd += 2;
            } else if (c == '\'') {
                if (rd + 1 < end && !is_space(in[rd + 1])) return -1;
                rd++;
                break;
            } else {
                in[wr++] = c;
                rd++;
            }
        } else {
            if (rd == end) break;
            char c = in[rd];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                rd++;
                break;
            }
            if (c == '"')
                inq = 1;
            else if (c == '\'')
                insq = 1;
            else
                in[wr++] = c;
            rd++;
        }
    }
    *rdp = rd;
    return (long)(wr - start);
}

int resp_inline_next(char *line, size_t end, size_t *pos, size_t *start, size_t *len)
{
    size_t rd = *pos;
    while (rd < end && is_space(line[rd]))
        rd++;
    *pos = *start = rd;
    if (rd == end) return 0;
    long n = inline_token(line, end, pos);
    if (n < 0) return -1;
    *len = (size_t)n;
    return 1;
}

static int read_inline(resp_reader *r, const resp_limits *lim, char *in, size_t len,
                       size_t *consumed)
{
    size_t scan = lim->max_inline < len ? lim->max_inline + 1 : len;
    const char *nl = r->pos < scan ? memchr(in + r->pos, '\n', scan - r->pos) : NULL;
    if (!nl) {
        if (len > lim->max_inline) return fail(r, "too big inline request");
        r->pos = len;
        return RESP_AGAIN;
    }
    size_t eol = (size_t)(nl - in), end = eol;
    if (end > 0 && in[end - 1] == '\r') end--;
    r->argc = 0;
    size_t rd = 0, start, n;
    int rc;
    while ((rc = resp_inline_next(in, end, &rd, &start, &n)) > 0) {
        if (r->argc >= lim->max_args) return fail(r, "too big inline request");
        push_arg(r, start, n, 0);
    }
    if (rc < 0) return fail(r, "unbalanced quotes in request");
    return done(r, eol + 1, consumed);
}

int resp_read_command(resp_reader *r, const resp_limits *lim, char *in, size_t len,
                      size_t *consumed)
{
    if (r->pending < 0 && !r->inline_mode) {
        r->argc = 0;
        r->need = 0;
        if (len == 0) return RESP_AGAIN;
        if (in[0] != '*') {
            r->inline_mode = 1;
            r->pos = 0;
        }
    }
    if (r->inline_mode) return read_inline(r, lim, in, len, consumed);
    return read_multibulk(r, lim, in, len, consumed);
}

/* ======================================================================== */
/* Generic value reader                                                      */
/* ======================================================================== */

typedef struct vframe {
    size_t left; /* values still expected in this aggregate */
    char type;
} vframe;

/* The open aggregates: a small array on the C stack, on the heap beyond. */
typedef struct vstack {
    vframe *st;
    size_t cap, depth;
    vframe local[32];
} vstack;

static void vstack_push(vstack *s, char type, size_t left)
{
    if (s->depth == s->cap) {
        vframe *ns = mem_alloc(s->cap * 2 * sizeof(*ns));
        memcpy(ns, s->st, s->depth * sizeof(*ns));
        if (s->st != s->local) mem_free(s->st);
        s->st = ns;
        s->cap *= 2;
    }
    s->st[s->depth].type = type;
    s->st[s->depth].left = left;
    s->depth++;
}

typedef struct vwalk {
    const char *buf;
    size_t len, pos;
    const resp_limits *lim;
    char *err;
    const resp_value_cb *cb; /* NULL on the validation pass */
    void *priv;
} vwalk;

enum { V_OK = 0, V_AGAIN = RESP_AGAIN, V_ERR = RESP_ERROR };

static int verr(vwalk *w, const char *msg)
{
    if (w->err) snprintf(w->err, 128, "Protocol error: %s", msg);
    return V_ERR;
}

/* A line "<type><content>\r\n" at w->pos: content in (*p, *n). The content may
 * be up to maxline bytes and contain neither '\r' nor '\n'. */
static int vline(vwalk *w, size_t maxline, const char **p, size_t *n)
{
    const char *s = w->buf + w->pos + 1;
    size_t avail = w->len - w->pos - 1;
    size_t scan = maxline < avail ? maxline + 1 : avail;
    const char *cr = memchr(s, '\r', scan);
    if (!cr) return avail > maxline ? verr(w, "line too long") : V_AGAIN;
    size_t c = (size_t)(cr - s);
    if (c + 1 >= avail) return V_AGAIN;
    if (s[c + 1] != '\n' || memchr(s, '\n', c)) return verr(w, "bad line ending");
    *p = s;
    *n = c;
    w->pos += 1 + c + 2;
    return V_OK;
}

static int valid_double(const char *p, size_t n)
{
    if (util_eq_nocase(p, n, "inf") || util_eq_nocase(p, n, "-inf") ||
        util_eq_nocase(p, n, "+inf") || util_eq_nocase(p, n, "nan") ||
        util_eq_nocase(p, n, "-nan"))
        return 1;
    size_t i = 0, digits = 0;
    if (i < n && (p[i] == '-' || p[i] == '+')) i++;
    while (i < n && (unsigned)(p[i] - '0') < 10u)
        i++, digits++;
    if (i < n && p[i] == '.') {
        i++;
        while (i < n && (unsigned)(p[i] - '0') < 10u)
            i++, digits++;
    }
    if (!digits) return 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '-' || p[i] == '+')) i++;
        size_t e = i;
        while (i < n && (unsigned)(p[i] - '0') < 10u)
            i++;
        if (i == e) return 0;
    }
    return i == n;
}

static int valid_bignum(const char *p, size_t n)
{
    size_t i = (n && (p[0] == '-' || p[0] == '+')) ? 1 : 0;
    if (i == n) return 0;
    for (; i < n; i++)
        if ((unsigned)(p[i] - '0') >= 10u) return 0;
    return 1;
}

static int deliver(vwalk *w, resp_type t, const char *p, size_t n, long long iv)
{
    if (w->cb && w->cb->scalar && w->cb->scalar(w->priv, t, p, n, iv))
        return verr(w, "stopped by callback");
    return V_OK;
}

/* Scalar types that are one line. */
static int vscalar_line(vwalk *w, char t)
{
    const char *p;
    size_t n;
    int rc =
        vline(w, t == '+' || t == '-' || t == '(' ? w->lim->max_bulk : w->lim->max_inline,
              &p, &n);
    if (rc) return rc;
    long long iv = 0;
    switch (t) {
    case ':':
        if (n > 1 && p[0] == '+' && p[1] != '-') {
            if (!util_str2ll(p + 1, n - 1, &iv)) return verr(w, "invalid integer");
        } else if (!util_str2ll(p, n, &iv)) {
            return verr(w, "invalid integer");
        }
        break;
    case ',':
        if (!valid_double(p, n)) return verr(w, "invalid double");
        break;
    case '#':
        if (n != 1 || (p[0] != 't' && p[0] != 'f')) return verr(w, "invalid boolean");
        iv = p[0] == 't';
        break;
    case '_':
        if (n != 0) return verr(w, "invalid null");
        break;
    case '(':
        if (!valid_bignum(p, n)) return verr(w, "invalid big number");
        break;
    default:
        break;
    }
    return deliver(w, (resp_type)t, p, n, iv);
}

/* "$", "!", "=": a length line then bytes and "\r\n". */
static int vblob(vwalk *w, char t)
{
    long long n;
    size_t linelen;
    switch (
        len_line(w->buf + w->pos, w->len - w->pos, w->lim->max_inline, &n, &linelen)) {
    case LL_AGAIN:
        return V_AGAIN;
    case LL_TOOBIG:
        return verr(w, "too big bulk count string");
    case LL_INVALID:
        return verr(w, "invalid bulk length");
    }
    if (n == -1 && t == '$') {
        w->pos += linelen;
        return deliver(w, RESP_T_NULL, NULL, 0, 0);
    }
    if (n < 0 || (unsigned long long)n > w->lim->max_bulk)
        return verr(w, "invalid bulk length");
    size_t data = w->pos + linelen, blen = (size_t)n;
    if (w->len - data < blen + 2) return V_AGAIN;
    if (w->buf[data + blen] != '\r' || w->buf[data + blen + 1] != '\n')
        return verr(w, "invalid bulk length");
    if (t == '=' && (blen < 4 || w->buf[data + 3] != ':'))
        return verr(w, "invalid verbatim");
    w->pos = data + blen + 2;
    return deliver(w, (resp_type)t, w->buf + data, blen, 0);
}

enum { V_OPENED = 1 }; /* vaggregate: an aggregate with elements was opened */

/* An aggregate header at w->pos. Returns V_OPENED when elements follow,
 * V_OK when it is complete already ("*0", or "*-1" delivered as NULL, with
 * *closed set), or an error. */
static int vaggregate(vwalk *w, char t, vstack *s, int max_depth, char *closed)
{
    long long n;
    size_t linelen;
    switch (
        len_line(w->buf + w->pos, w->len - w->pos, w->lim->max_inline, &n, &linelen)) {
    case LL_AGAIN:
        return V_AGAIN;
    case LL_TOOBIG:
        return verr(w, "too big mbulk count string");
    case LL_INVALID:
        return verr(w, "invalid multibulk length");
    }
    if (n == -1 && t == '*') {
        w->pos += linelen;
        *closed = '_';
        return deliver(w, RESP_T_NULL, NULL, 0, 0);
    }
    if (n < 0 || (unsigned long long)n > w->lim->max_args)
        return verr(w, "invalid multibulk length");
    if (max_depth < 0 || s->depth >= (size_t)max_depth)
        return verr(w, "nesting too deep");
    w->pos += linelen;
    if (w->cb && w->cb->begin && w->cb->begin(w->priv, (resp_type)t, (size_t)n))
        return verr(w, "stopped by callback");
    size_t elems = (size_t)n * (t == '%' || t == '|' ? 2 : 1);
    if (elems) {
        vstack_push(s, t, elems);
        return V_OPENED;
    }
    if (w->cb && w->cb->end && w->cb->end(w->priv, (resp_type)t))
        return verr(w, "stopped by callback");
    *closed = t;
    return V_OK;
}

/* One element at w->pos; *closed is its type when it is complete. */
static int velement(vwalk *w, vstack *s, int max_depth, char *closed)
{
    char t = w->buf[w->pos];
    *closed = t;
    switch (t) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '#':
    case '_':
    case '(':
        return vscalar_line(w, t);
    case '$':
    case '!':
    case '=':
        return vblob(w, t);
    case '*':
    case '%':
    case '~':
    case '|':
    case '>':
        return vaggregate(w, t, s, max_depth, closed);
    default: {
        char m[48];
        snprintf(m, sizeof(m), "unknown type byte 0x%02x", (unsigned)(unsigned char)t);
        return verr(w, m);
    }
    }
}

static int vwalk_run(vwalk *w, int max_depth)
{
    vstack s;
    s.st = s.local;
    s.cap = sizeof(s.local) / sizeof(s.local[0]);
    s.depth = 0;
    int rc;
    for (;;) {
        if (w->pos >= w->len) {
            rc = V_AGAIN;
            break;
        }
        char closed;
        rc = velement(w, &s, max_depth, &closed);
        if (rc == V_OPENED) continue;
        if (rc != V_OK) break;
        /* A value is complete: close every aggregate it completes. An
         * attribute is not an element of its parent: the value it annotates
         * follows. */
        while (closed != '|' && s.depth > 0 && --s.st[s.depth - 1].left == 0) {
            closed = s.st[--s.depth].type;
            if (w->cb && w->cb->end && w->cb->end(w->priv, (resp_type)closed)) {
                rc = verr(w, "stopped by callback");
                goto out;
            }
        }
        if (closed != '|' && s.depth == 0) break; /* the whole value is done */
    }
out:
    if (s.st != s.local) mem_free(s.st);
    return rc;
}

int resp_read_value(const char *in, size_t len, const resp_limits *lim, int max_depth,
                    const resp_value_cb *cb, void *priv, size_t *consumed, char *err)
{
    vwalk w = {in, len, 0, lim, err, NULL, priv};
    int rc = vwalk_run(&w, max_depth);
    if (rc != V_OK) return rc;
    *consumed = w.pos;
    if (cb) {
        w.pos = 0;
        w.cb = cb;
        rc = vwalk_run(&w, max_depth);
        if (rc != V_OK) return RESP_ERROR; /* only a callback can stop it now */
    }
    return RESP_OK;
}

/* ======================================================================== */
/* Writers                                                                   */
/* ======================================================================== */

static inline void put_crlf(char *p)
{
    p[0] = '\r';
    p[1] = '\n';
}

/* "<c><text>\r\n" with CR and LF in text turned into spaces, so that no
 * status or error can break the framing. */
static void w_line(buf *b, char c, const char *s, size_t len)
{
    buf_reserve(b, len + 3);
    char *p = b->p + b->len;
    p[0] = c;
    memcpy(p + 1, s, len);
    for (size_t i = 1; i <= len; i++)
        if (p[i] == '\r' || p[i] == '\n') p[i] = ' ';
    put_crlf(p + 1 + len);
    b->len += len + 3;
}

static void w_status(buf *b, const char *s, size_t len)
{
    w_line(b, '+', s, len);
}

static void w_error(buf *b, const char *s, size_t len)
{
    w_line(b, '-', s, len);
}

static void w_integer(buf *b, long long v)
{
    buf_reserve(b, HDR_MAX);
    char *p = b->p + b->len, *q = p;
    *q++ = ':';
    unsigned long long u = (unsigned long long)v;
    if (v < 0) {
        *q++ = '-';
        u = 0ULL - u;
    }
    q += put_u(q, u);
    put_crlf(q);
    b->len += (size_t)(q + 2 - p);
}

static void w_bulk(buf *b, const void *s, size_t len)
{
    buf_reserve(b, len + HDR_MAX + 2);
    char *p = b->p + b->len;
    size_t h = put_hdr(p, '$', len);
    if (len) memcpy(p + h, s, len);
    put_crlf(p + h + len);
    b->len += h + len + 2;
}

static void w_raw(buf *b, const char *s, size_t n)
{
    buf_append(b, s, n);
}

static void w2_null(buf *b)
{
    w_raw(b, "$-1\r\n", 5);
}

static void w2_null_array(buf *b)
{
    w_raw(b, "*-1\r\n", 5);
}

static void w3_null(buf *b)
{
    w_raw(b, "_\r\n", 3);
}

static void w_hdr(buf *b, char c, size_t n)
{
    buf_reserve(b, HDR_MAX);
    b->len += put_hdr(b->p + b->len, c, n);
}

static char agg2_char(resp_agg kind, size_t *n)
{
    if (kind == RESP_AGG_MAP) *n *= 2;
    return '*';
}

static char agg3_char(resp_agg kind, size_t *n)
{
    (void)n;
    switch (kind) {
    case RESP_AGG_MAP:
        return '%';
    case RESP_AGG_SET:
        return '~';
    case RESP_AGG_PUSH:
        return '>';
    default:
        return '*';
    }
}

static void w2_aggregate(buf *b, resp_agg kind, size_t n)
{
    char c = agg2_char(kind, &n);
    w_hdr(b, c, n);
}

static void w3_aggregate(buf *b, resp_agg kind, size_t n)
{
    char c = agg3_char(kind, &n);
    w_hdr(b, c, n);
}

static void w2_dbl(buf *b, double d)
{
    char tmp[40];
    int n = util_d2str(tmp, sizeof(tmp), d);
    w_bulk(b, tmp, (size_t)n);
}

static void w3_dbl(buf *b, double d)
{
    buf_reserve(b, 40 + 3);
    char *p = b->p + b->len;
    p[0] = ',';
    int n = util_d2str(p + 1, 40, d);
    put_crlf(p + 1 + n);
    b->len += (size_t)n + 3;
}

static void w2_dbl_text(buf *b, const char *p, size_t len)
{
    w_bulk(b, p, len);
}

static void w3_dbl_text(buf *b, const char *p, size_t len)
{
    buf_reserve(b, len + 3);
    b->p[b->len++] = ',';
    memcpy(b->p + b->len, p, len);
    b->len += len;
    put_crlf(b->p + b->len);
    b->len += 2;
}

static void w2_boolean(buf *b, int v)
{
    w_raw(b, v ? ":1\r\n" : ":0\r\n", 4);
}

static void w3_boolean(buf *b, int v)
{
    w_raw(b, v ? "#t\r\n" : "#f\r\n", 4);
}

static void w2_verbatim(buf *b, const char *s, size_t len, const char *ext)
{
    (void)ext;
    w_bulk(b, s, len);
}

/* "=<len+4>\r\n<ext>:<text>\r\n"; ext is three characters ("txt", "mkd"). */
static void w3_verbatim(buf *b, const char *s, size_t len, const char *ext)
{
    buf_reserve(b, len + HDR_MAX + 6);
    char *p = b->p + b->len;
    size_t h = put_hdr(p, '=', len + 4);
    size_t el = ext ? strnlen(ext, 3) : 0;
    memcpy(p + h, "txt", 3);
    if (el == 3) memcpy(p + h, ext, 3);
    p[h + 3] = ':';
    if (len) memcpy(p + h + 4, s, len);
    put_crlf(p + h + 4 + len);
    b->len += h + 4 + len + 2;
}

static void w2_bignum(buf *b, const char *s, size_t len)
{
    w_bulk(b, s, len);
}

static void w3_bignum(buf *b, const char *s, size_t len)
{
    w_line(b, '(', s, len);
}

static size_t w_defer(buf *b)
{
    return b->len;
}

static void w2_set_deferred(buf *b, size_t mark, resp_agg kind, size_t n)
{
    char tmp[HDR_MAX];
    char c = agg2_char(kind, &n);
    buf_insert(b, mark, tmp, put_hdr(tmp, c, n));
}

static void w3_set_deferred(buf *b, size_t mark, resp_agg kind, size_t n)
{
    char tmp[HDR_MAX];
    char c = agg3_char(kind, &n);
    buf_insert(b, mark, tmp, put_hdr(tmp, c, n));
}

const reply_ops resp2_ops = {
    .status = w_status,
    .error = w_error,
    .integer = w_integer,
    .bulk = w_bulk,
    .null = w2_null,
    .null_array = w2_null_array,
    .aggregate = w2_aggregate,
    .dbl = w2_dbl,
    .dbl_text = w2_dbl_text,
    .boolean = w2_boolean,
    .verbatim = w2_verbatim,
    .bignum = w2_bignum,
    .defer = w_defer,
    .set_deferred = w2_set_deferred,
};

const reply_ops resp3_ops = {
    .status = w_status,
    .error = w_error,
    .integer = w_integer,
    .bulk = w_bulk,
    .null = w3_null,
    .null_array = w3_null,
    .aggregate = w3_aggregate,
    .dbl = w3_dbl,
    .dbl_text = w3_dbl_text,
    .boolean = w3_boolean,
    .verbatim = w3_verbatim,
    .bignum = w3_bignum,
    .defer = w_defer,
    .set_deferred = w3_set_deferred,
};
