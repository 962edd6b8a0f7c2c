/* proto/resp.h — RESP2/RESP3: the request reader and the reply writers.
 *
 * The reader does no I/O and allocates nothing of the caller's: it takes the
 * bytes received so far and answers "one command, N bytes", "need more" or
 * "protocol error". Arguments are (offset, length) pairs into the caller's
 * buffer, so a command costs no copies. It is resumable: after RESP_AGAIN it
 * keeps its progress, and the next call continues from there (the caller passes
 * the same bytes again, possibly moved to another address, plus more).
 *
 * Every length, count and line size is checked against resp_limits before any
 * memory is reserved for it.
 *
 * The writers append one RESP element at a time to a buf. Two tables, one for
 * RESP2 and one for RESP3, implement reply_ops; the server calls through the
 * table of the client's protocol (a native-protocol writer implements the same
 * table elsewhere), so command code never knows which protocol it speaks.
 */
#ifndef KV_PROTO_RESP_H
#define KV_PROTO_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum { RESP_OK = 0, RESP_AGAIN = -1, RESP_ERROR = -2 };

typedef struct resp_limits {
    size_t max_bulk;   /* largest bulk string (proto-max-bulk-len) */
    size_t max_args;   /* largest multibulk count */
    size_t max_inline; /* longest inline command line, and longest "*N"/"$N" line */
} resp_limits;

/* Limits for a client that must still authenticate (resp_reader.unauth), as
 * Redis 7.0: nobody can make the server buffer much before AUTH. */
#define RESP_UNAUTH_MAX_ARGS 10
#define RESP_UNAUTH_MAX_BULK 16384

typedef struct resp_arg {
    size_t off, len; /* relative to the start of the command (the buf passed in) */
} resp_arg;

typedef struct resp_reader {
    /* Result of the last RESP_OK: argc arguments. argv is owned by the reader,
     * valid until the next call. */
    size_t argc;
    resp_arg *argv;
    /* After RESP_ERROR: the message, e.g. "Protocol error: invalid bulk length"
     * (without the "ERR " prefix). */
    char err[128];
    /* After RESP_AGAIN: a hint of how many bytes (from the command start) the
     * command needs at least, or 0 if unknown; lets the caller size its buffer. */
    size_t need;
    /* Set by the caller (0 after resp_reader_init): non-zero while the client
     * must still authenticate. A multibulk count above RESP_UNAUTH_MAX_ARGS or
     * a bulk above RESP_UNAUTH_MAX_BULK is then refused ("Protocol error:
     * unauthenticated multibulk length" / "... bulk length"). */
    int unauth;
    /* Internal resumable state. */
    size_t argv_cap;
    size_t pos;        /* bytes of the current command already parsed */
    long long pending; /* multibulk args still to read; -1 = not in a multibulk */
    int inline_mode;
} resp_reader;

void resp_reader_init(resp_reader *r);
void resp_reader_free(resp_reader *r);
/* Forgets any partial command (use when the caller discards its buffer). */
void resp_reader_reset(resp_reader *r);

/* Parses one command from buf[0..len). buf must start where the current command
 * starts (the caller removes consumed bytes or passes an advanced pointer).
 * - RESP_OK: r->argc/r->argv describe it, *consumed is its total length. argc
 *   may be 0 (an empty inline line, "*0\r\n", "*-1\r\n"): skip it.
 * - RESP_AGAIN: incomplete; call again with at least these bytes.
 * - RESP_ERROR: r->err says why; the caller replies "-ERR <err>" and closes.
 * Inline commands are split on whitespace with quotes and escapes as redis-cli
 * and Redis accept them ("a b", 'a b', \x41, \n ...); their arguments are
 * unescaped IN PLACE in buf, which is why buf is not const. */
int resp_read_command(resp_reader *r, const resp_limits *lim, char *buf, size_t len,
                      size_t *consumed);

/* Splits a line into arguments the way inline commands (and redis-cli) do:
 * spaces separate; "..." takes the escapes \n \r \t \b \a \xHH and \<c>;
 * '...' takes \'; a closing quote must be followed by a space or the end.
 * Each call finds the next argument of line[*pos..end), unescapes it IN PLACE
 * and returns 1 with line[*start .. *start + *len) holding it; 0 when no
 * argument is left; -1 on unbalanced quotes. Start with *pos = 0. */
int resp_inline_next(char *line, size_t end, size_t *pos, size_t *start, size_t *len);

/* ---- Generic value reader (clients, tests, fuzzing) ----
 * Parses one complete RESP2/RESP3 value of any type, for the client library
 * and tools. Depth is bounded by max_depth, lengths by lim. Returns RESP_OK with
 * *consumed set, RESP_AGAIN, or RESP_ERROR (err filled, 128 bytes). Values are
 * delivered through callbacks so the caller builds whatever it wants. */
typedef enum resp_type {
    RESP_T_STATUS = '+', RESP_T_ERROR = '-', RESP_T_INT = ':', RESP_T_BULK = '$',
    RESP_T_ARRAY = '*', RESP_T_NULL = '_', RESP_T_DOUBLE = ',', RESP_T_BOOL = '#',
    RESP_T_BLOBERR = '!', RESP_T_VERBATIM = '=', RESP_T_BIGNUM = '(',
    RESP_T_MAP = '%', RESP_T_SET = '~', RESP_T_ATTR = '|', RESP_T_PUSH = '>'
} resp_type;

typedef struct resp_value_cb {
    /* Scalar: for STATUS/ERROR/BULK/BLOBERR/VERBATIM/BIGNUM/DOUBLE the bytes are in
     * (p,len) (for VERBATIM including the "txt:" prefix); INT/BOOL in ival
     * (INT also has its digits in (p,len)); NULL has none. RESP2 null bulk "$-1"
     * and null array "*-1" arrive as NULL. */
    int (*scalar)(void *priv, resp_type t, const char *p, size_t len, long long ival);
    /* Aggregate start with n elements (MAP/ATTR: n pairs, so 2n values follow),
     * then its elements, then end. Return non-zero from any callback to stop. */
    int (*begin)(void *priv, resp_type t, size_t n);
    int (*end)(void *priv, resp_type t);
} resp_value_cb;

/* Validates and delivers one value. Callbacks run only once the whole value is
 * known to be complete (RESP_AGAIN delivers nothing). A top-level aggregate is
 * depth 1, so max_depth 0 allows scalars only. An attribute ('|') is delivered
 * before the value it annotates, which is part of the same value. A callback
 * returning non-zero makes the call return RESP_ERROR. cb and err may be NULL. */
int resp_read_value(const char *buf, size_t len, const resp_limits *lim, int max_depth,
                    const resp_value_cb *cb, void *priv, size_t *consumed, char *err);

/* ---- Writers ---- */
typedef enum resp_agg { RESP_AGG_ARRAY, RESP_AGG_MAP, RESP_AGG_SET, RESP_AGG_PUSH } resp_agg;

typedef struct reply_ops {
    void (*status)(buf *b, const char *s, size_t len);   /* +OK */
    void (*error)(buf *b, const char *s, size_t len);    /* -ERR ...; s without '-' */
    void (*integer)(buf *b, long long v);                /* :1 */
    void (*bulk)(buf *b, const void *p, size_t len);     /* $3 foo */
    void (*null)(buf *b);                                /* $-1 | _ */
    void (*null_array)(buf *b);                          /* *-1 | _ */
    void (*aggregate)(buf *b, resp_agg kind, size_t n);  /* MAP: n pairs (RESP2: 2n array) */
    void (*dbl)(buf *b, double d);                       /* RESP2 bulk | ,1.5 */
    /* A double already formatted by the caller (e.g. GEO's long-double form). */
    void (*dbl_text)(buf *b, const char *p, size_t len);
    void (*boolean)(buf *b, int v);                      /* RESP2 :0/:1 | #t */
    void (*verbatim)(buf *b, const char *p, size_t len, const char *ext); /* RESP2 bulk */
    void (*bignum)(buf *b, const char *p, size_t len);   /* RESP2 bulk | (123 */
    /* Deferred aggregate: defer() reserves a place for a header whose length is
     * not yet known and returns a mark; set_deferred() writes the header there
     * once n is known (moving what was appended since). Nested deferred
     * headers must be set innermost first: setting one moves later marks. */
    size_t (*defer)(buf *b);
    void (*set_deferred)(buf *b, size_t mark, resp_agg kind, size_t n);
} reply_ops;

extern const reply_ops resp2_ops;
extern const reply_ops resp3_ops;

#endif
