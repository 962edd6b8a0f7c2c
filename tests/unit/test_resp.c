/* tests/unit/test_resp.c — proto/resp: the request reader, the value reader and
 * the RESP2/RESP3 writers.
 *
 * Inputs are placed right before an unreadable page (guard_put), so a read one
 * byte past the input faults even without ASan. Resumption is tested by feeding
 * every prefix of each input, each time copied to a new address, to one reader.
 * Error texts are the ones redis-server 7.0.15 sends for the same bytes.
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/mem.h"
#include "proto/resp.h"

static const resp_limits LIM = {512u * 1024 * 1024, 1024 * 1024, 64 * 1024};

/* ------------------------------------------------------------------------ */
/* Guard pages                                                              */
/* ------------------------------------------------------------------------ */

typedef struct guard {
    char *map;
    size_t size; /* readable bytes */
} guard;

static char *guard_put(guard *g, const void *s, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    g->size = (len + page - 1) / page * page;
    if (g->size == 0) g->size = page;
    g->map = mmap(NULL, g->size + page, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g->map != MAP_FAILED);
    assert_int_equal(mprotect(g->map + g->size, page, PROT_NONE), 0);
    char *p = g->map + g->size - len;
    if (len) memcpy(p, s, len);
    return p;
}

static void guard_free(guard *g)
{
    munmap(g->map, g->size + (size_t)sysconf(_SC_PAGESIZE));
}

/* ------------------------------------------------------------------------ */
/* Command reader helpers                                                   */
/* ------------------------------------------------------------------------ */

/* Appends p[0..len) to out, bytes outside 0x20..0x7e as "\xHH". */
static void esc_append(char *out, size_t *n, size_t size, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        assert_true(*n + 5 < size);
        if (c >= 0x20 && c < 0x7f)
            out[(*n)++] = (char)c;
        else
            *n += (size_t)snprintf(out + *n, size - *n, "\\x%02x", c);
    }
    out[*n] = '\0';
}

/* argv rendered as "<len>:<bytes> " per argument. */
static void render(const resp_reader *r, const char *base, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->argc; i++) {
        int k = snprintf(out + n, size - n, "%zu:", r->argv[i].len);
        assert_true(k > 0 && (size_t)k < size - n);
        n += (size_t)k;
        esc_append(out, &n, size, base + r->argv[i].off, r->argv[i].len);
        esc_append(out, &n, size, " ", 1);
    }
}

static char rbuf[1 << 16];

/* Parses in[0..len) placed before a guard page; returns the status. */
static int parse_at(resp_reader *r, const resp_limits *lim, const char *in, size_t len,
                    size_t *consumed, char *rendered)
{
    guard g;
    char *p = guard_put(&g, in, len);
    size_t c = (size_t)-1;
    int rc = resp_read_command(r, lim, p, len, &c);
    if (rc == RESP_OK) {
        assert_true(c <= len);
        *consumed = c;
        if (rendered) render(r, p, rendered, sizeof(rbuf));
    }
    guard_free(&g);
    return rc;
}

/* Checks that in (the first command of it, `want_consumed` bytes) parses to
 * `want` all at once, after any one split, and fed byte by byte. */
static void check_cmd_lim(const resp_limits *lim, const char *in, size_t len,
                          const char *want, size_t want_consumed)
{
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    assert_int_equal(parse_at(&r, lim, in, len, &c, rbuf), RESP_OK);
    assert_string_equal(rbuf, want);
    assert_int_equal(c, want_consumed);

    /* One split at every point: the prefix, then everything. */
    for (size_t k = 0; k < want_consumed; k++) {
        assert_int_equal(parse_at(&r, lim, in, k, &c, NULL), RESP_AGAIN);
        assert_int_equal(parse_at(&r, lim, in, len, &c, rbuf), RESP_OK);
        assert_string_equal(rbuf, want);
        assert_int_equal(c, want_consumed);
    }
    /* Byte by byte, one reader, each prefix at a new address. */
    for (size_t k = 0; k < want_consumed; k++)
        assert_int_equal(parse_at(&r, lim, in, k, &c, NULL), RESP_AGAIN);
    assert_int_equal(parse_at(&r, lim, in, want_consumed, &c, rbuf), RESP_OK);
    assert_string_equal(rbuf, want);
    assert_int_equal(c, want_consumed);
    resp_reader_free(&r);
}

static void check_cmd(const char *in, const char *want)
{
    size_t len = strlen(in);
    check_cmd_lim(&LIM, in, len, want, len);
}

/* Checks that in gives error `err`, all at once and byte by byte (the error
 * may come as soon as the bad byte arrives, never later than the whole input). */
static void check_err_lim(const resp_limits *lim, const char *in, size_t len,
                          const char *err)
{
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    assert_int_equal(parse_at(&r, lim, in, len, &c, NULL), RESP_ERROR);
    assert_string_equal(r.err, err);
    int got = 0;
    for (size_t k = 0; k <= len && !got; k++) {
        int rc = parse_at(&r, lim, in, k, &c, NULL);
        if (rc == RESP_ERROR) {
            assert_string_equal(r.err, err);
            got = 1;
        } else {
            assert_int_equal(rc, RESP_AGAIN);
        }
    }
    assert_true(got);
    /* After an error the reader starts afresh. */
    assert_int_equal(parse_at(&r, lim, "PING\r\n", 6, &c, rbuf), RESP_OK);
    assert_string_equal(rbuf, "4:PING ");
    resp_reader_free(&r);
}

static void check_err(const char *in, const char *err)
{
    check_err_lim(&LIM, in, strlen(in), err);
}

/* ------------------------------------------------------------------------ */
/* Command reader: multibulk                                                */
/* ------------------------------------------------------------------------ */

static void test_mbulk_basic(void **state)
{
    (void)state;
    check_cmd("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", "3:SET 3:key 5:value ");
    check_cmd("*1\r\n$4\r\nPING\r\n", "4:PING ");
    check_cmd("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", "3:GET 0: ");
    /* Binary-safe: CR, LF, NUL, '$' and '*' inside bulks. */
    static const char bin[] = "*2\r\n$4\r\nECHO\r\n$6\r\n\r\n\0$*\n\r\n";
    check_cmd_lim(&LIM, bin, sizeof(bin) - 1, "4:ECHO 6:\\x0d\\x0a\\x00$*\\x0a ",
                  sizeof(bin) - 1);
    /* Longer lengths (several digits) and a 10-argument command. */
    char in[4096], want[4096];
    char big[300];
    memset(big, 'x', sizeof(big));
    int n = snprintf(in, sizeof(in), "*2\r\n$3\r\nSET\r\n$300\r\n%.300s\r\n", big);
    snprintf(want, sizeof(want), "3:SET 300:%.300s ", big);
    check_cmd_lim(&LIM, in, (size_t)n, want, (size_t)n);
    check_cmd("*10\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"
              "$1\r\ng\r\n$1\r\nh\r\n$1\r\ni\r\n$10\r\n0123456789\r\n",
              "1:a 1:b 1:c 1:d 1:e 1:f 1:g 1:h 1:i 10:0123456789 ");
}

static void test_mbulk_empty(void **state)
{
    (void)state;
    /* Redis treats counts <= 0 as an empty command and goes on. */
    check_cmd("*0\r\n", "");
    check_cmd("*-1\r\n", "");
    check_cmd("*-5\r\n", "");
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    assert_int_equal(parse_at(&r, &LIM, "*0\r\n*1\r\n$4\r\nPING\r\n", 18, &c, rbuf),
                     RESP_OK);
    assert_int_equal(r.argc, 0);
    assert_int_equal(c, 4);
    resp_reader_free(&r);
}

static void test_mbulk_only_first(void **state)
{
    (void)state;
    /* Extra bytes after the command are left for the next call. */
    const char *in = "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI";
    check_cmd_lim(&LIM, in, strlen(in), "4:PING ", 14);
}

static void test_mbulk_errors(void **state)
{
    (void)state;
    const char *mb = "Protocol error: invalid multibulk length";
    const char *bl = "Protocol error: invalid bulk length";
    check_err("*-0\r\n", mb);
    check_err("*01\r\n", mb);
    check_err("*+1\r\n", mb);
    check_err("* 1\r\n", mb);
    check_err("*\r\n", mb);
    check_err("*1x\r\n", mb);
    check_err("*1\rx", mb); /* Redis skips the byte after '\r' blindly; we check it */
    check_err("*99999999999999999999\r\n", mb);
    check_err("*2147483648\r\n", mb);
    check_err("*1048577\r\n", mb); /* LIM.max_args + 1 */
    check_err("*1\r\nX3\r\n", "Protocol error: expected '$', got 'X'");
    check_err("*2\r\n$1\r\na\r\n:1\r\n", "Protocol error: expected '$', got ':'");
    /* Redis 7.0 turns CR/LF into spaces in error replies. */
    check_err("*1\r\n\r\n", "Protocol error: expected '$', got ' '");
    check_err("*1\r\n\n", "Protocol error: expected '$', got ' '");
    check_err_lim(&LIM, "*1\r\n\0\r\n", 7, "Protocol error: expected '$', got ' '");
    check_err("*1\r\n$-1\r\n", bl);
    check_err("*1\r\n$-0\r\n", bl);
    check_err("*1\r\n$01\r\n", bl);
    check_err("*1\r\n$+1\r\n", bl);
    check_err("*1\r\n$\r\n", bl);
    check_err("*1\r\n$1 \r\n", bl);
    check_err("*1\r\n$536870913\r\n", bl); /* proto-max-bulk-len + 1 */
    check_err("*1\r\n$99999999999999999999999\r\n", bl);
    check_err("*1\r\n$3\r\nfooXY", bl); /* bad terminator after the bulk */
    check_err("*1\r\n$3\r\nfoo\rX", bl);
    check_err("*1\r\n$4\rxPING\r\n", bl);
}

static void test_mbulk_line_limits(void **state)
{
    (void)state;
    /* Exactly Redis's thresholds: a "*N" line of more than 64 KB without '\r'. */
    size_t n = 65536 + 8;
    char *in = malloc(n);
    in[0] = '*';
    memset(in + 1, '1', n - 1);
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    assert_int_equal(parse_at(&r, &LIM, in, 65536, &c, NULL), RESP_AGAIN);
    assert_int_equal(parse_at(&r, &LIM, in, 65537, &c, NULL), RESP_ERROR);
    assert_string_equal(r.err, "Protocol error: too big mbulk count string");
    memcpy(in, "*1\r\n$", 5);
    assert_int_equal(parse_at(&r, &LIM, in, 65540, &c, NULL), RESP_AGAIN);
    assert_int_equal(parse_at(&r, &LIM, in, 65541, &c, NULL), RESP_ERROR);
    assert_string_equal(r.err, "Protocol error: too big bulk count string");
    free(in);
    /* Small limits: each enforced, byte by byte too. */
    resp_limits small = {10, 3, 6};
    check_err_lim(&small, "*4\r\n", 4, "Protocol error: invalid multibulk length");
    check_err_lim(&small, "*1\r\n$11\r\n", 9, "Protocol error: invalid bulk length");
    check_err_lim(&small, "*123456\r\n", 9, "Protocol error: too big mbulk count string");
    check_err_lim(&small, "*1\r\n$123456\r\n", 13,
                  "Protocol error: too big bulk count string");
    const char *ok3 = "*3\r\n$10\r\n0123456789\r\n$1\r\na\r\n$0\r\n\r\n";
    check_cmd_lim(&small, ok3, strlen(ok3), "10:0123456789 1:a 0: ", strlen(ok3));
    /* A line of exactly max_inline bytes is fine. */
    resp_limits six = {1000000, 1000000, 6};
    resp_reader_reset(&r);
    assert_int_equal(parse_at(&r, &six, "*10000\r\n", 8, &c, NULL), RESP_AGAIN);
    resp_reader_reset(&r);
    assert_int_equal(parse_at(&r, &six, "*100000", 7, &c, NULL), RESP_ERROR);
    assert_string_equal(r.err, "Protocol error: too big mbulk count string");
    resp_reader_free(&r);
}

static void test_limits_before_alloc(void **state)
{
    (void)state;
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    size_t before = mem_used();
    /* A huge announced count reserves nothing. */
    assert_int_equal(parse_at(&r, &LIM, "*1048576\r\n", 10, &c, NULL), RESP_AGAIN);
    assert_int_equal(mem_used(), before);
    assert_int_equal(parse_at(&r, &LIM, "*1048576\r\n$536870912\r\n", 22, &c, NULL),
                     RESP_AGAIN);
    assert_int_equal(mem_used(), before);
    assert_int_equal(r.need, 10 + 12 + 536870912 + 2); /* the hint covers the bulk */
    /* argv grows with the arguments actually received. */
    assert_int_equal(
        parse_at(&r, &LIM, "*1048576\r\n$1\r\na\r\n$1\r\nb\r\n", 24, &c, NULL),
        RESP_AGAIN);
    assert_int_equal(r.argc, 2);
    assert_true(r.argv_cap <= 8);
    assert_true(mem_used() - before < 1024);
    resp_reader_reset(&r);
    assert_int_equal(parse_at(&r, &LIM, "*1048577\r\n", 10, &c, NULL), RESP_ERROR);
    assert_int_equal(parse_at(&r, &LIM, "*1\r\n$536870913\r\n", 17, &c, NULL),
                     RESP_ERROR);
    resp_reader_free(&r);
    assert_int_equal(mem_used(), before);
}

/* A client that must still authenticate: Redis 7.0's small limits. */
static void unauth_err(const char *in, const char *err)
{
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    r.unauth = 1;
    assert_int_equal(parse_at(&r, &LIM, in, strlen(in), &c, NULL), RESP_ERROR);
    assert_string_equal(r.err, err);
    resp_reader_free(&r);
}

static void test_unauth_limits(void **state)
{
    (void)state;
    unauth_err("*11\r\n", "Protocol error: unauthenticated multibulk length");
    unauth_err("*1\r\n$16385\r\n", "Protocol error: unauthenticated bulk length");
    /* the general limits come first, as in Redis */
    unauth_err("*1048577\r\n", "Protocol error: invalid multibulk length");
    unauth_err("*1\r\n$536870913\r\n", "Protocol error: invalid bulk length");
    /* at the limits: fine; inline lines have no extra limit */
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    r.unauth = 1;
    assert_int_equal(parse_at(&r, &LIM, "*10\r\n$16384\r\n", 13, &c, NULL), RESP_AGAIN);
    resp_reader_reset(&r);
    const char *in = "A B C D E F G H I J K L\r\n";
    assert_int_equal(parse_at(&r, &LIM, in, strlen(in), &c, NULL), RESP_OK);
    assert_int_equal(r.argc, 12);
    resp_reader_free(&r);
}

static void test_need_hint(void **state)
{
    (void)state;
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    assert_int_equal(parse_at(&r, &LIM, "*1\r\n$10\r\nab", 11, &c, NULL), RESP_AGAIN);
    assert_int_equal(r.need, 21);
    assert_int_equal(parse_at(&r, &LIM, "*1\r\n$10\r\nabcdefghij\r", 20, &c, NULL),
                     RESP_AGAIN);
    assert_int_equal(r.need, 21);
    assert_int_equal(parse_at(&r, &LIM, "*1\r\n$10\r\nabcdefghij\r\n", 21, &c, rbuf),
                     RESP_OK);
    assert_string_equal(rbuf, "10:abcdefghij ");
    assert_int_equal(r.need, 0);
    resp_reader_free(&r);
}

static void test_big_count(void **state)
{
    (void)state;
    enum { N = 100000 };
    buf b = BUF_INIT;
    buf_printf(&b, "*%d\r\n", N);
    for (int i = 0; i < N; i++) {
        char num[16];
        int k = snprintf(num, sizeof(num), "%d", i);
        buf_printf(&b, "$%d\r\n%s\r\n", k, num);
    }
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    guard g;
    char *p = guard_put(&g, b.p, b.len);
    assert_int_equal(resp_read_command(&r, &LIM, p, b.len, &c), RESP_OK);
    assert_int_equal(r.argc, N);
    assert_int_equal(c, b.len);
    for (int i = 0; i < N; i += 997) {
        char want[16];
        int n = snprintf(want, sizeof(want), "%d", i);
        assert_int_equal(r.argv[i].len, (size_t)n);
        assert_memory_equal(p + r.argv[i].off, want, (size_t)n);
    }
    guard_free(&g);
    /* The same, arriving in 1000-byte reads through a query buffer. */
    buf q = BUF_INIT;
    size_t fed = 0;
    int rc = RESP_AGAIN;
    while (rc == RESP_AGAIN) {
        size_t k = b.len - fed < 1000 ? b.len - fed : 1000;
        buf_append(&q, b.p + fed, k);
        fed += k;
        rc = resp_read_command(&r, &LIM, q.p, q.len, &c);
    }
    assert_int_equal(rc, RESP_OK);
    assert_int_equal(fed, b.len);
    assert_int_equal(r.argc, N);
    buf_free(&q);
    buf_free(&b);
    resp_reader_free(&r);
}

static void test_reset(void **state)
{
    (void)state;
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    assert_int_equal(parse_at(&r, &LIM, "*2\r\n$3\r\nfoo\r\n", 13, &c, NULL), RESP_AGAIN);
    assert_int_equal(r.argc, 1);
    resp_reader_reset(&r);
    assert_int_equal(parse_at(&r, &LIM, "PING\r\n", 6, &c, rbuf), RESP_OK);
    assert_string_equal(rbuf, "4:PING ");
    assert_int_equal(parse_at(&r, &LIM, "PI", 2, &c, NULL), RESP_AGAIN);
    resp_reader_reset(&r);
    assert_int_equal(parse_at(&r, &LIM, "*1\r\n$1\r\nx\r\n", 11, &c, rbuf), RESP_OK);
    assert_string_equal(rbuf, "1:x ");
    resp_reader_free(&r);
    resp_reader_free(&r); /* twice is harmless */
}

/* ------------------------------------------------------------------------ */
/* Command reader: inline                                                   */
/* ------------------------------------------------------------------------ */

static void test_inline_basic(void **state)
{
    (void)state;
    check_cmd("PING\r\n", "4:PING ");
    check_cmd("PING\n", "4:PING "); /* a lone LF ends the line, as in Redis */
    check_cmd("  SET  a \t b  \r\n", "3:SET 1:a 1:b ");
    check_cmd("\r\n", "");
    check_cmd("\n", "");
    check_cmd(" \n", "");
    check_cmd("ECHO a\r\r\n", "4:ECHO 1:a "); /* a second CR is a separator */
    check_cmd("ECHO a\vb\n",
              "4:ECHO 3:a\\x0bb "); /* \v only separates at a token start */
    check_cmd("ECHO \va\n", "4:ECHO 1:a ");
    const char *in = "GET a\r\nGET b\r\n";
    check_cmd_lim(&LIM, in, strlen(in), "3:GET 1:a ", 7);
    /* A NUL byte is an ordinary byte here. */
    check_cmd_lim(&LIM, "ECHO a\0b\n", 9, "4:ECHO 3:a\\x00b ", 9);
}

static void test_inline_quotes(void **state)
{
    (void)state;
    check_cmd("ECHO \"a b\"\n", "4:ECHO 3:a b ");
    check_cmd("ECHO 'a b'\n", "4:ECHO 3:a b ");
    check_cmd("ECHO 'a\\'b'\n", "4:ECHO 3:a'b ");
    check_cmd("ECHO '\\n'\n", "4:ECHO 2:\\n "); /* no escapes in '' */
    check_cmd("ECHO \"\\x41\\x4g\\n\"\r\n", "4:ECHO 5:Ax4g\\x0a ");
    check_cmd("ECHO \"\\xAb\\xZZ\"\n", "4:ECHO 4:\\xabxZZ ");
    check_cmd("ECHO \"\\x4\"\n", "4:ECHO 2:x4 ");
    check_cmd("ECHO \"\\b\\a\\t\\r\"\n", "4:ECHO 4:\\x08\\x07\\x09\\x0d ");
    check_cmd("ECHO \"\\q\\\\\\\"\"\n", "4:ECHO 3:q\\\" ");
    check_cmd("ECHO \"a\r\"\r\n", "4:ECHO 2:a\\x0d "); /* CR inside quotes is data */
    check_cmd("ECHO \"\"\n", "4:ECHO 0: ");
    check_cmd("ECHO ''\n", "4:ECHO 0: ");
    check_cmd("ECHO \"a\" \"b\"\n", "4:ECHO 1:a 1:b ");
    check_cmd("ECHO\t\"a\"\tb\n", "4:ECHO 1:a 1:b ");
    check_cmd("ECHO \"a\"\v\n", "4:ECHO 1:a "); /* any isspace() may follow */
    check_cmd("ECHO foo\"bar baz\"\n", "4:ECHO 10:foobar baz ");
    check_cmd("ECHO \"\\x00\"\n", "4:ECHO 1:\\x00 ");
    check_cmd("\"SET\" 'k' \"v\"\r\n", "3:SET 1:k 1:v ");
    const char *u = "Protocol error: unbalanced quotes in request";
    check_err("ECHO \"a\"b\n", u);
    check_err("ECHO 'a'b\n", u);
    check_err("ECHO \"abc\n", u);
    check_err("ECHO 'abc\n", u);
    check_err("ECHO a\"b c\"d\n", u);
    check_err("ECHO \"\"''\n", u);
    check_err("ECHO \"\\\"\n", u);
    check_err("ECHO \"a\\\n", u);
    check_err("ECHO 'a\\'\n", u);
}

static void test_inline_limits(void **state)
{
    (void)state;
    /* Exactly Redis's threshold: more than 64 KB without a newline. */
    size_t n = 65536 + 2;
    char *in = malloc(n);
    memset(in, 'a', n);
    resp_reader r;
    size_t c;
    resp_reader_init(&r);
    assert_int_equal(parse_at(&r, &LIM, in, 65536, &c, NULL), RESP_AGAIN);
    assert_int_equal(r.pos, 65536); /* already scanned, not scanned again */
    assert_int_equal(parse_at(&r, &LIM, in, 65537, &c, NULL), RESP_ERROR);
    assert_string_equal(r.err, "Protocol error: too big inline request");
    /* A line of exactly 64 KB ending in LF is accepted; one more byte is not. */
    in[65536] = '\n';
    assert_int_equal(parse_at(&r, &LIM, in, 65537, &c, NULL), RESP_OK);
    assert_int_equal(r.argc, 1);
    assert_int_equal(r.argv[0].len, 65536);
    in[65536] = 'a';
    in[65537] = '\n';
    assert_int_equal(parse_at(&r, &LIM, in, 65538, &c, NULL), RESP_ERROR);
    assert_string_equal(r.err, "Protocol error: too big inline request");
    free(in);
    /* Inline arguments are bounded by max_args too. */
    resp_limits three = {100, 3, 100};
    check_cmd_lim(&three, "a b c\n", 6, "1:a 1:b 1:c ", 6);
    check_err_lim(&three, "a b c d\n", 8, "Protocol error: too big inline request");
    resp_reader_free(&r);
}

/* ------------------------------------------------------------------------ */
/* Pipelines through a query buffer                                         */
/* ------------------------------------------------------------------------ */

static void test_pipeline_chunks(void **state)
{
    (void)state;
    static const char in[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"
                             "PING\r\n"
                             "*0\r\n"
                             "ECHO \"a b\" 'c'\n"
                             "\r\n"
                             "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                             "*-1\r\n"
                             "*1\r\n$4\r\nQUIT\r\n";
    static const char *want[] = {
        "3:SET 1:k 5:hello ", "4:PING ", "",       "4:ECHO 3:a b 1:c ", "",
        "3:GET 1:k ",         "",        "4:QUIT "};
    static const size_t chunks[] = {1, 2, 3, 5, 7, 13, 64, sizeof(in)};
    for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++) {
        resp_reader r;
        resp_reader_init(&r);
        buf q = BUF_INIT;
        size_t fed = 0, got = 0, total = sizeof(in) - 1;
        while (fed < total) {
            size_t k = total - fed < chunks[ci] ? total - fed : chunks[ci];
            buf_append(&q, in + fed, k);
            fed += k;
            for (;;) {
                size_t c;
                int rc = resp_read_command(&r, &LIM, q.p, q.len, &c);
                if (rc == RESP_AGAIN) break;
                assert_int_equal(rc, RESP_OK);
                assert_true(got < sizeof(want) / sizeof(want[0]));
                render(&r, q.p, rbuf, sizeof(rbuf));
                assert_string_equal(rbuf, want[got]);
                got++;
                buf_consume(&q, c);
            }
        }
        assert_int_equal(got, sizeof(want) / sizeof(want[0]));
        assert_int_equal(q.len, 0);
        buf_free(&q);
        resp_reader_free(&r);
    }
}

/* ------------------------------------------------------------------------ */
/* Value reader                                                             */
/* ------------------------------------------------------------------------ */

typedef struct trace {
    char s[8192];
    size_t n;
    int calls, stop_at; /* stop_at: callback number that returns 1 (0: never) */
} trace;

static void tr_add(trace *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < sizeof(t->s) - t->n);
    t->n += (size_t)k;
}

static int tr_scalar(void *priv, resp_type ty, const char *p, size_t len, long long iv)
{
    trace *t = priv;
    if (ty == RESP_T_INT || ty == RESP_T_BOOL)
        tr_add(t, "%c%lld ", (char)ty, iv);
    else if (ty == RESP_T_NULL)
        tr_add(t, "_ ");
    else {
        tr_add(t, "%c%zu:", (char)ty, len);
        esc_append(t->s, &t->n, sizeof(t->s), p, len);
        tr_add(t, " ");
    }
    return ++t->calls == t->stop_at;
}

static int tr_begin(void *priv, resp_type ty, size_t n)
{
    trace *t = priv;
    tr_add(t, "%c%zu[ ", (char)ty, n);
    return ++t->calls == t->stop_at;
}

static int tr_end(void *priv, resp_type ty)
{
    trace *t = priv;
    tr_add(t, "]%c ", (char)ty);
    return ++t->calls == t->stop_at;
}

static const resp_value_cb TR = {tr_scalar, tr_begin, tr_end};

/* Reads one value from in (placed before a guard page) and checks the trace;
 * every proper prefix must be RESP_AGAIN and deliver nothing. */
static void check_value_lim(const resp_limits *lim, int depth, const char *in, size_t len,
                            const char *want, size_t want_consumed)
{
    trace t;
    char err[128];
    size_t c = 0;
    guard g;
    memset(&t, 0, sizeof(t));
    char *p = guard_put(&g, in, len);
    int rc = resp_read_value(p, len, lim, depth, &TR, &t, &c, err);
    if (rc != RESP_OK)
        fail_msg("rc %d err %s for %s", rc, rc == RESP_ERROR ? err : "", in);
    assert_string_equal(t.s, want);
    assert_int_equal(c, want_consumed);
    guard_free(&g);
    for (size_t k = 0; k < want_consumed; k++) {
        memset(&t, 0, sizeof(t));
        p = guard_put(&g, in, k);
        assert_int_equal(resp_read_value(p, k, lim, depth, &TR, &t, &c, err), RESP_AGAIN);
        assert_int_equal(t.calls, 0);
        guard_free(&g);
    }
}

static void check_value(const char *in, const char *want)
{
    check_value_lim(&LIM, 16, in, strlen(in), want, strlen(in));
}

static void check_value_err_lim(const resp_limits *lim, int depth, const char *in,
                                size_t len, const char *err_want)
{
    trace t;
    char err[128];
    size_t c;
    guard g;
    memset(&t, 0, sizeof(t));
    char *p = guard_put(&g, in, len);
    assert_int_equal(resp_read_value(p, len, lim, depth, &TR, &t, &c, err), RESP_ERROR);
    assert_int_equal(t.calls, 0); /* invalid values deliver nothing */
    if (err_want) assert_string_equal(err, err_want);
    guard_free(&g);
}

static void check_value_err(const char *in, const char *err_want)
{
    check_value_err_lim(&LIM, 16, in, strlen(in), err_want);
}

static void test_value_scalars(void **state)
{
    (void)state;
    check_value("+OK\r\n", "+2:OK ");
    check_value("+\r\n", "+0: ");
    check_value("-ERR bad thing\r\n", "-13:ERR bad thing ");
    check_value(":0\r\n", ":0 ");
    check_value(":-9223372036854775808\r\n", ":-9223372036854775808 ");
    check_value(":+5\r\n", ":5 ");
    check_value("$3\r\nfoo\r\n", "$3:foo ");
    check_value("$0\r\n\r\n", "$0: ");
    check_value("$-1\r\n", "_ ");
    check_value("*-1\r\n", "_ ");
    check_value("_\r\n", "_ ");
    check_value(",1.5\r\n", ",3:1.5 ");
    check_value(",-1.5e-10\r\n", ",8:-1.5e-10 ");
    check_value(",inf\r\n", ",3:inf ");
    check_value(",-inf\r\n", ",4:-inf ");
    check_value(",nan\r\n", ",3:nan ");
    check_value(",10\r\n", ",2:10 ");
    check_value("#t\r\n", "#1 ");
    check_value("#f\r\n", "#0 ");
    check_value("!21\r\nSYNTAX invalid syntax\r\n", "!21:SYNTAX invalid syntax ");
    check_value("=15\r\ntxt:Some string\r\n", "=15:txt:Some string ");
    check_value("(3492890328409238509324850943850943825024385\r\n",
                "(43:3492890328409238509324850943850943825024385 ");
    check_value("(-1\r\n", "(2:-1 ");
    static const char bin[] = "$4\r\n\r\n\0\n\r\n";
    check_value_lim(&LIM, 16, bin, sizeof(bin) - 1, "$4:\\x0d\\x0a\\x00\\x0a ",
                    sizeof(bin) - 1);
    /* Only the first value is consumed. */
    check_value_lim(&LIM, 16, ":1\r\n:2\r\n", 8, ":1 ", 4);
}

static void test_value_aggregates(void **state)
{
    (void)state;
    check_value("*0\r\n", "*0[ ]* ");
    check_value("*2\r\n$3\r\nfoo\r\n:1\r\n", "*2[ $3:foo :1 ]* ");
    check_value("%2\r\n+a\r\n:1\r\n+b\r\n#t\r\n", "%2[ +1:a :1 +1:b #1 ]% ");
    check_value("~3\r\n:1\r\n:2\r\n:3\r\n", "~3[ :1 :2 :3 ]~ ");
    check_value(">3\r\n+message\r\n+chan\r\n$2\r\nhi\r\n",
                ">3[ +7:message +4:chan $2:hi ]> ");
    check_value("*3\r\n*1\r\n*0\r\n%0\r\n*-1\r\n", "*3[ *1[ *0[ ]* ]* %0[ ]% _ ]* ");
    /* Attributes precede the value they annotate and do not count as elements. */
    check_value("|1\r\n+ttl\r\n:3600\r\n$3\r\nval\r\n", "|1[ +3:ttl :3600 ]| $3:val ");
    check_value("*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n", "*2[ |1[ +1:a +1:b ]| :1 :2 ]* ");
    check_value("|0\r\n|0\r\n:7\r\n", "|0[ ]| |0[ ]| :7 ");
    check_value("*1\r\n|1\r\n|0\r\n+k\r\n+v\r\n:1\r\n",
                "*1[ |1[ |0[ ]| +1:k +1:v ]| :1 ]* ");
}

static void test_value_depth(void **state)
{
    (void)state;
    char in[4096];
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(in + n, sizeof(in) - n, "*1\r\n");
    n += (size_t)snprintf(in + n, sizeof(in) - n, ":1\r\n");
    trace t;
    char err[128];
    size_t c;
    memset(&t, 0, sizeof(t));
    assert_int_equal(resp_read_value(in, n, &LIM, 100, &TR, &t, &c, err), RESP_OK);
    assert_int_equal(c, n);
    assert_int_equal(t.calls, 201);
    check_value_err_lim(&LIM, 99, in, n, "Protocol error: nesting too deep");
    check_value_err_lim(&LIM, 0, "*0\r\n", 4, "Protocol error: nesting too deep");
    check_value_lim(&LIM, 0, ":1\r\n", 4, ":1 ", 4);
    check_value_lim(&LIM, 1, "*1\r\n:1\r\n", 8, "*1[ :1 ]* ", 8);
    check_value_err_lim(&LIM, 1, "*1\r\n*0\r\n", 8, "Protocol error: nesting too deep");
    check_value_err_lim(&LIM, 1, "|1\r\n*0\r\n:1\r\n:1\r\n", 16,
                        "Protocol error: nesting too deep");
    /* Very deep input against a huge limit: no recursion, no crash. */
    size_t big = 200000;
    char *deep = malloc(big * 4 + 4);
    for (size_t i = 0; i < big; i++)
        memcpy(deep + i * 4, "*1\r\n", 4);
    memcpy(deep + big * 4, "_\r\n", 3);
    assert_int_equal(
        resp_read_value(deep, big * 4 + 3, &LIM, INT_MAX, NULL, NULL, &c, err), RESP_OK);
    assert_int_equal(c, big * 4 + 3);
    assert_int_equal(
        resp_read_value(deep, big * 4 + 2, &LIM, INT_MAX, NULL, NULL, &c, err),
        RESP_AGAIN);
    free(deep);
}

static void test_value_errors(void **state)
{
    (void)state;
    check_value_err("X\r\n", "Protocol error: unknown type byte 0x58");
    check_value_err_lim(&LIM, 16, "\0", 1, "Protocol error: unknown type byte 0x00");
    check_value_err("#x\r\n", "Protocol error: invalid boolean");
    check_value_err("#tt\r\n", "Protocol error: invalid boolean");
    check_value_err("_x\r\n", "Protocol error: invalid null");
    check_value_err(",abc\r\n", "Protocol error: invalid double");
    check_value_err(",1e\r\n", "Protocol error: invalid double");
    check_value_err(",\r\n", "Protocol error: invalid double");
    check_value_err(",.\r\n", "Protocol error: invalid double");
    check_value_err(":1.5\r\n", "Protocol error: invalid integer");
    check_value_err(":\r\n", "Protocol error: invalid integer");
    check_value_err(":+-1\r\n", "Protocol error: invalid integer");
    check_value_err(":99999999999999999999\r\n", "Protocol error: invalid integer");
    check_value_err("(12a\r\n", "Protocol error: invalid big number");
    check_value_err("(\r\n", "Protocol error: invalid big number");
    check_value_err("+a\nb\r\n", "Protocol error: bad line ending");
    check_value_err("+ab\rc", "Protocol error: bad line ending");
    check_value_err("$3\r\nfooXY", "Protocol error: invalid bulk length");
    check_value_err("$-2\r\n", "Protocol error: invalid bulk length");
    check_value_err("!-1\r\n", "Protocol error: invalid bulk length");
    check_value_err("=-1\r\n", "Protocol error: invalid bulk length");
    check_value_err("$01\r\n", "Protocol error: invalid bulk length");
    check_value_err("=3\r\ntxt\r\n", "Protocol error: invalid verbatim");
    check_value_err("=5\r\ntxt;a\r\n", "Protocol error: invalid verbatim");
    check_value_err("*-2\r\n", "Protocol error: invalid multibulk length");
    check_value_err("%-1\r\n", "Protocol error: invalid multibulk length");
    check_value_err("*x\r\n", "Protocol error: invalid multibulk length");
    check_value_err("*?\r\n",
                    "Protocol error: invalid multibulk length"); /* no streaming */
    check_value_err("*2\r\n:1\r\nX", "Protocol error: unknown type byte 0x58");
    resp_limits small = {4, 2, 8};
    check_value_err_lim(&small, 8, "$5\r\nhello\r\n", 11,
                        "Protocol error: invalid bulk length");
    check_value_err_lim(&small, 8, "*3\r\n", 4,
                        "Protocol error: invalid multibulk length");
    check_value_err_lim(&small, 8, "%3\r\n", 4,
                        "Protocol error: invalid multibulk length");
    check_value_err_lim(&small, 8, "*123456789\r\n", 12,
                        "Protocol error: too big mbulk count string");
    check_value_err_lim(&small, 8, "$123456789\r\n", 12,
                        "Protocol error: too big bulk count string");
    check_value_err_lim(&small, 8, "+hello\r\n", 8, "Protocol error: line too long");
    check_value_lim(&small, 8, "+hell\r\n", 7, "+4:hell ", 7);
    check_value_lim(&small, 8, "%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n", 20,
                    "%2[ :1 :2 :3 :4 ]% ", 20);
}

static void test_value_callback_stop(void **state)
{
    (void)state;
    const char *in = "*3\r\n:1\r\n:2\r\n:3\r\n";
    for (int stop = 1; stop <= 5; stop++) {
        trace t;
        char err[128];
        size_t c;
        memset(&t, 0, sizeof(t));
        t.stop_at = stop;
        assert_int_equal(resp_read_value(in, strlen(in), &LIM, 8, &TR, &t, &c, err),
                         RESP_ERROR);
        assert_int_equal(t.calls, stop);
    }
    /* Stopping at the end of an empty aggregate. */
    trace t0;
    memset(&t0, 0, sizeof(t0));
    t0.stop_at = 2;
    size_t c0;
    assert_int_equal(resp_read_value("*0\r\n", 4, &LIM, 8, &TR, &t0, &c0, NULL),
                     RESP_ERROR);
    assert_int_equal(t0.calls, 2);
    /* No callbacks at all: validation only. */
    size_t c;
    char err[128];
    assert_int_equal(resp_read_value(in, strlen(in), &LIM, 8, NULL, NULL, &c, err),
                     RESP_OK);
    assert_int_equal(c, strlen(in));
    resp_value_cb partial = {NULL, NULL, NULL};
    assert_int_equal(resp_read_value(in, strlen(in), &LIM, 8, &partial, NULL, &c, NULL),
                     RESP_OK);
    assert_int_equal(resp_read_value("X", 1, &LIM, 8, NULL, NULL, &c, NULL), RESP_ERROR);
}

/* ------------------------------------------------------------------------ */
/* Writers                                                                  */
/* ------------------------------------------------------------------------ */

static void expect_bytes(buf *b, const char *want, size_t n)
{
    if (b->len != n || memcmp(b->p, want, n) != 0)
        fail_msg("got %zu bytes \"%.*s\", want %zu \"%.*s\"", b->len, (int)b->len, b->p,
                 n, (int)n, want);
    b->len = 0;
}

#define EXPECT(b, lit) expect_bytes((b), (lit), sizeof(lit) - 1)

static void test_writer_common(void **state)
{
    (void)state;
    const reply_ops *both[] = {&resp2_ops, &resp3_ops};
    for (int i = 0; i < 2; i++) {
        const reply_ops *o = both[i];
        buf b = BUF_INIT;
        o->status(&b, "OK", 2);
        EXPECT(&b, "+OK\r\n");
        o->status(&b, "a\r\nb", 4);
        EXPECT(&b, "+a  b\r\n");
        o->error(&b, "ERR wrong\nthing", 15);
        EXPECT(&b, "-ERR wrong thing\r\n");
        o->error(&b, "", 0);
        EXPECT(&b, "-\r\n");
        static const long long iv[] = {
            0,     9,  10,  99,   100,       999,       1000,
            12345, -1, -10, -100, LLONG_MAX, LLONG_MIN, 1000000000000000000LL};
        for (size_t k = 0; k < sizeof(iv) / sizeof(iv[0]); k++) {
            char want[40];
            int n = snprintf(want, sizeof(want), ":%lld\r\n", iv[k]);
            o->integer(&b, iv[k]);
            expect_bytes(&b, want, (size_t)n);
        }
        o->bulk(&b, "foo", 3);
        EXPECT(&b, "$3\r\nfoo\r\n");
        o->bulk(&b, "", 0);
        EXPECT(&b, "$0\r\n\r\n");
        o->bulk(&b, NULL, 0);
        EXPECT(&b, "$0\r\n\r\n");
        static const size_t lens[] = {1,   9,   10,   11,    99,    100,
                                      101, 999, 1000, 12345, 100000};
        static char big[100000];
        memset(big, 'z', sizeof(big));
        for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
            o->bulk(&b, big, lens[k]);
            char hdr[32];
            int h = snprintf(hdr, sizeof(hdr), "$%zu\r\n", lens[k]);
            assert_int_equal(b.len, (size_t)h + lens[k] + 2);
            assert_memory_equal(b.p, hdr, (size_t)h);
            assert_memory_equal(b.p + b.len - 2, "\r\n", 2);
            b.len = 0;
        }
        /* Appends go after what is already there. */
        o->integer(&b, 1);
        o->bulk(&b, "x", 1);
        EXPECT(&b, ":1\r\n$1\r\nx\r\n");
        buf_free(&b);
    }
}

static void test_writer_resp2(void **state)
{
    (void)state;
    const reply_ops *o = &resp2_ops;
    buf b = BUF_INIT;
    o->null(&b);
    EXPECT(&b, "$-1\r\n");
    o->null_array(&b);
    EXPECT(&b, "*-1\r\n");
    o->aggregate(&b, RESP_AGG_ARRAY, 3);
    EXPECT(&b, "*3\r\n");
    o->aggregate(&b, RESP_AGG_MAP, 2);
    EXPECT(&b, "*4\r\n");
    o->aggregate(&b, RESP_AGG_SET, 0);
    EXPECT(&b, "*0\r\n");
    o->aggregate(&b, RESP_AGG_PUSH, 3);
    EXPECT(&b, "*3\r\n");
    o->aggregate(&b, RESP_AGG_ARRAY, 1234567);
    EXPECT(&b, "*1234567\r\n");
    o->dbl(&b, 1.5);
    EXPECT(&b, "$3\r\n1.5\r\n");
    o->dbl(&b, 0.1);
    EXPECT(&b, "$19\r\n0.10000000000000001\r\n");
    o->dbl(&b, INFINITY);
    EXPECT(&b, "$3\r\ninf\r\n");
    o->dbl(&b, -INFINITY);
    EXPECT(&b, "$4\r\n-inf\r\n");
    o->dbl(&b, NAN);
    EXPECT(&b, "$3\r\nnan\r\n");
    o->dbl(&b, 1e20);
    EXPECT(&b, "$5\r\n1e+20\r\n");
    o->dbl(&b, -0.0);
    EXPECT(&b, "$2\r\n-0\r\n");
    o->boolean(&b, 1);
    EXPECT(&b, ":1\r\n");
    o->boolean(&b, 0);
    EXPECT(&b, ":0\r\n");
    o->verbatim(&b, "Some string", 11, "txt");
    EXPECT(&b, "$11\r\nSome string\r\n");
    o->bignum(&b, "1234567890123456789012", 22);
    EXPECT(&b, "$22\r\n1234567890123456789012\r\n");
    buf_free(&b);
}

static void test_writer_resp3(void **state)
{
    (void)state;
    const reply_ops *o = &resp3_ops;
    buf b = BUF_INIT;
    o->null(&b);
    EXPECT(&b, "_\r\n");
    o->null_array(&b);
    EXPECT(&b, "_\r\n");
    o->aggregate(&b, RESP_AGG_ARRAY, 3);
    EXPECT(&b, "*3\r\n");
    o->aggregate(&b, RESP_AGG_MAP, 2);
    EXPECT(&b, "%2\r\n");
    o->aggregate(&b, RESP_AGG_SET, 0);
    EXPECT(&b, "~0\r\n");
    o->aggregate(&b, RESP_AGG_PUSH, 3);
    EXPECT(&b, ">3\r\n");
    o->dbl(&b, 1.5);
    EXPECT(&b, ",1.5\r\n");
    o->dbl(&b, 0.1);
    EXPECT(&b, ",0.10000000000000001\r\n");
    o->dbl(&b, INFINITY);
    EXPECT(&b, ",inf\r\n");
    o->dbl(&b, -INFINITY);
    EXPECT(&b, ",-inf\r\n");
    o->dbl(&b, NAN);
    EXPECT(&b, ",nan\r\n");
    o->dbl(&b, 3.0);
    EXPECT(&b, ",3\r\n");
    o->dbl(&b, -1.7976931348623157e308);
    EXPECT(&b, ",-1.7976931348623157e+308\r\n");
    o->boolean(&b, 1);
    EXPECT(&b, "#t\r\n");
    o->boolean(&b, 0);
    EXPECT(&b, "#f\r\n");
    o->verbatim(&b, "Some string", 11, "txt");
    EXPECT(&b, "=15\r\ntxt:Some string\r\n");
    o->verbatim(&b, "# Server", 8, "mkd");
    EXPECT(&b, "=12\r\nmkd:# Server\r\n");
    o->verbatim(&b, "", 0, "txt");
    EXPECT(&b, "=4\r\ntxt:\r\n");
    o->bignum(&b, "-1234567890123456789012", 23);
    EXPECT(&b, "(-1234567890123456789012\r\n");
    buf_free(&b);
}

static void test_writer_deferred(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    /* RESP2 */
    const reply_ops *o = &resp2_ops;
    o->integer(&b, 7);
    size_t m = o->defer(&b);
    o->bulk(&b, "a", 1);
    o->bulk(&b, "b", 1);
    o->set_deferred(&b, m, RESP_AGG_ARRAY, 2);
    EXPECT(&b, ":7\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    m = o->defer(&b);
    o->set_deferred(&b, m, RESP_AGG_ARRAY, 0);
    EXPECT(&b, "*0\r\n");
    m = o->defer(&b);
    o->bulk(&b, "k", 1);
    o->integer(&b, 1);
    o->set_deferred(&b, m, RESP_AGG_MAP, 1);
    EXPECT(&b, "*2\r\n$1\r\nk\r\n:1\r\n");
    /* Nested, set innermost first. */
    size_t outer = o->defer(&b);
    o->integer(&b, 1);
    size_t inner = o->defer(&b);
    for (int i = 0; i < 12; i++)
        o->integer(&b, i);
    o->set_deferred(&b, inner, RESP_AGG_SET, 12);
    o->set_deferred(&b, outer, RESP_AGG_ARRAY, 2);
    EXPECT(
        &b,
        "*2\r\n:1\r\n*12\r\n:0\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n"
        ":10\r\n:11\r\n");
    /* RESP3 */
    o = &resp3_ops;
    m = o->defer(&b);
    o->bulk(&b, "k", 1);
    o->dbl(&b, 2.5);
    o->set_deferred(&b, m, RESP_AGG_MAP, 1);
    EXPECT(&b, "%1\r\n$1\r\nk\r\n,2.5\r\n");
    m = o->defer(&b);
    o->set_deferred(&b, m, RESP_AGG_SET, 0);
    EXPECT(&b, "~0\r\n");
    m = o->defer(&b);
    o->bulk(&b, "message", 7);
    o->set_deferred(&b, m, RESP_AGG_PUSH, 1);
    EXPECT(&b, ">1\r\n$7\r\nmessage\r\n");
    /* A big deferred array (header after many bytes). */
    m = o->defer(&b);
    for (int i = 0; i < 10000; i++)
        o->bulk(&b, "xyz", 3);
    o->set_deferred(&b, m, RESP_AGG_ARRAY, 10000);
    assert_int_equal(b.len, 8 + 10000 * 9);
    assert_memory_equal(b.p, "*10000\r\n$3\r\nxyz\r\n", 17);
    buf_free(&b);
}

/* Writer output read back by the value reader. */
static void test_roundtrip(void **state)
{
    (void)state;
    for (int proto = 2; proto <= 3; proto++) {
        const reply_ops *o = proto == 2 ? &resp2_ops : &resp3_ops;
        buf b = BUF_INIT;
        o->aggregate(&b, RESP_AGG_ARRAY, 11);
        o->status(&b, "OK", 2);
        o->error(&b, "ERR x", 5);
        o->integer(&b, -42);
        o->bulk(&b, "bin\r\n\0", 6);
        o->null(&b);
        o->null_array(&b);
        o->dbl(&b, 0.25);
        o->boolean(&b, 1);
        o->verbatim(&b, "hello", 5, "txt");
        o->bignum(&b, "123456789012345678901234567890", 30);
        size_t m = o->defer(&b);
        o->bulk(&b, "f", 1);
        o->integer(&b, 1);
        o->set_deferred(&b, m, RESP_AGG_MAP, 1);
        trace t;
        char err[128];
        size_t c;
        memset(&t, 0, sizeof(t));
        guard g;
        char *p = guard_put(&g, b.p, b.len);
        assert_int_equal(resp_read_value(p, b.len, &LIM, 4, &TR, &t, &c, err), RESP_OK);
        assert_int_equal(c, b.len);
        static const char want2[] =
            "*11[ +2:OK -5:ERR x :-42 $6:bin\\x0d\\x0a\\x00 _ _ $4:0.25 :1 "
            "$5:hello $30:123456789012345678901234567890 "
            "*2[ $1:f :1 ]* ]* ";
        static const char want3[] =
            "*11[ +2:OK -5:ERR x :-42 $6:bin\\x0d\\x0a\\x00 _ _ ,4:0.25 #1 "
            "=9:txt:hello (30:123456789012345678901234567890 "
            "%1[ $1:f :1 ]% ]* ";
        const char *want = proto == 2 ? want2 : want3;
        size_t wn = proto == 2 ? sizeof(want2) - 1 : sizeof(want3) - 1;
        assert_int_equal(t.n, wn);
        assert_string_equal(t.s, want);
        guard_free(&g);
        buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mbulk_basic),
        cmocka_unit_test(test_mbulk_empty),
        cmocka_unit_test(test_mbulk_only_first),
        cmocka_unit_test(test_mbulk_errors),
        cmocka_unit_test(test_mbulk_line_limits),
        cmocka_unit_test(test_limits_before_alloc),
        cmocka_unit_test(test_unauth_limits),
        cmocka_unit_test(test_need_hint),
        cmocka_unit_test(test_big_count),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_inline_basic),
        cmocka_unit_test(test_inline_quotes),
        cmocka_unit_test(test_inline_limits),
        cmocka_unit_test(test_pipeline_chunks),
        cmocka_unit_test(test_value_scalars),
        cmocka_unit_test(test_value_aggregates),
        cmocka_unit_test(test_value_depth),
        cmocka_unit_test(test_value_errors),
        cmocka_unit_test(test_value_callback_stop),
        cmocka_unit_test(test_writer_common),
        cmocka_unit_test(test_writer_resp2),
        cmocka_unit_test(test_writer_resp3),
        cmocka_unit_test(test_writer_deferred),
        cmocka_unit_test(test_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
