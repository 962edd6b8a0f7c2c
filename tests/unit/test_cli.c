/* tests/unit/test_cli.c — kvik-cli's pure parts: reply formats, line
 * splitting, hints built from a COMMAND DOCS reply.
 *
 * Replies are built by hand here (no server); the expected texts are what
 * redis-cli 7.0 prints for the same replies (see tests/integration/test_cli.py
 * for the side-by-side checks against a live redis-cli).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/args.h"
#include "cli/format.h"
#include "cli/hints.h"

/* ---- building replies ------------------------------------------------------ */

static kvik_reply *node(kvik_type t)
{
    kvik_reply *r = calloc(1, sizeof(*r));
    r->type = t;
    return r;
}

static kvik_reply *str_n(kvik_type t, const char *s, size_t n)
{
    kvik_reply *r = node(t);
    r->str = malloc(n + 1);
    memcpy(r->str, s, n);
    r->str[n] = 0;
    r->len = n;
    return r;
}

static kvik_reply *bulk(const char *s)
{
    return str_n(KVIK_STRING, s, strlen(s));
}

static kvik_reply *integer(long long v)
{
    kvik_reply *r = node(KVIK_INTEGER);
    r->integer = v;
    return r;
}

/* An aggregate of n elements given as arguments. */
static kvik_reply *agg(kvik_type t, size_t n, ...)
{
    kvik_reply *r = node(t);
    r->elements = n;
    r->element = calloc(n ? n : 1, sizeof(kvik_reply *));
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        r->element[i] = va_arg(ap, kvik_reply *);
    va_end(ap);
    return r;
}

static void drop(kvik_reply *r)
{
    for (size_t i = 0; i < r->elements; i++)
        drop(r->element[i]);
    free(r->element);
    free(r->str);
    free(r);
}

static char *tty(kvik_reply *r)
{
    buf b = BUF_INIT;
    format_tty(&b, r, 0);
    buf_putc(&b, 0);
    drop(r);
    return b.p;
}

static char *raw(kvik_reply *r)
{
    buf b = BUF_INIT;
    format_raw(&b, r);
    buf_putc(&b, 0);
    drop(r);
    return b.p;
}

#define EXPECT(got, want)                                                                \
    do {                                                                                 \
        char *g_ = (got);                                                                \
        assert_string_equal(g_, want);                                                   \
        free(g_);                                                                        \
    } while (0)

/* ---- formats --------------------------------------------------------------- */

static void test_scalars(void **state)
{
    (void)state;
    EXPECT(tty(bulk("value")), "\"value\"\n");
    EXPECT(tty(str_n(KVIK_STRING, "a\"b\\c\n\r\t\a\b\x01\xff", 12)),
           "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x01\\xff\"\n");
    EXPECT(tty(node(KVIK_NIL)), "(nil)\n");
    EXPECT(tty(integer(-42)), "(integer) -42\n");
    EXPECT(tty(str_n(KVIK_STATUS, "OK", 2)), "OK\n");
    EXPECT(tty(str_n(KVIK_ERROR, "ERR bad", 7)), "(error) ERR bad\n");
    kvik_reply *d = str_n(KVIK_DOUBLE, "1.5", 3);
    d->dval = 1.5;
    EXPECT(tty(d), "(double) 1.5\n");
    kvik_reply *b = node(KVIK_BOOL);
    b->integer = 1;
    EXPECT(tty(b), "(true)\n");
    EXPECT(tty(str_n(KVIK_BIGNUM, "12345678901234567890", 20)),
           "(big number) 12345678901234567890\n");
    EXPECT(raw(str_n(KVIK_STRING, "a\nb", 3)), "a\nb\n");
    EXPECT(raw(node(KVIK_NIL)), "\n");
    EXPECT(raw(str_n(KVIK_ERROR, "ERR bad", 7)), "ERR bad\n\n");
    EXPECT(raw(integer(7)), "7\n");
}

static void test_aggregates(void **state)
{
    (void)state;
    EXPECT(tty(agg(KVIK_ARRAY, 0)), "(empty array)\n");
    EXPECT(tty(agg(KVIK_SET, 0)), "(empty set)\n");
    EXPECT(tty(agg(KVIK_MAP, 0)), "(empty hash)\n");
    EXPECT(tty(agg(KVIK_ARRAY, 3, agg(KVIK_ARRAY, 2, bulk("a"), bulk("b")),
                   node(KVIK_NIL), agg(KVIK_ARRAY, 0))),
           "1) 1) \"a\"\n   2) \"b\"\n2) (nil)\n3) (empty array)\n");
    EXPECT(tty(agg(KVIK_SET, 2, bulk("x"), bulk("y"))), "1~ \"x\"\n2~ \"y\"\n");
    /* ten entries: numbers right-aligned, nested ones indented by the width */
    kvik_reply *big = agg(KVIK_ARRAY, 10, integer(1), integer(2), integer(3), integer(4),
                          integer(5), integer(6), integer(7), integer(8), integer(9),
                          agg(KVIK_ARRAY, 2, bulk("a"), bulk("b")));
    EXPECT(tty(big),
           " 1) (integer) 1\n 2) (integer) 2\n 3) (integer) 3\n 4) (integer) 4\n"
           " 5) (integer) 5\n 6) (integer) 6\n 7) (integer) 7\n 8) (integer) 8\n"
           " 9) (integer) 9\n10) 1) \"a\"\n    2) \"b\"\n");
}

static void test_maps(void **state)
{
    (void)state;
    EXPECT(tty(agg(KVIK_MAP, 4, bulk("f1"), bulk("v1"), bulk("f2"), integer(2))),
           "1# \"f1\" => \"v1\"\n2# \"f2\" => (integer) 2\n");
    /* a value of one line stays after "=>", one of several starts below */
    EXPECT(tty(agg(KVIK_MAP, 4, bulk("one"), agg(KVIK_ARRAY, 1, integer(1)), bulk("two"),
                   agg(KVIK_ARRAY, 2, integer(1), integer(2)))),
           "1# \"one\" => 1) (integer) 1\n2# \"two\" => \n   1) (integer) 1\n   2) "
           "(integer) 2\n");
    EXPECT(
        tty(agg(KVIK_MAP, 2, bulk("q"),
                agg(KVIK_MAP, 2, bulk("c"), agg(KVIK_ARRAY, 2, integer(1), integer(2))))),
        "1# \"q\" => \n   1# \"c\" => \n      1) (integer) 1\n      2) (integer) 2\n");
    EXPECT(raw(agg(KVIK_MAP, 4, bulk("a"), bulk("1"), bulk("b"),
                   agg(KVIK_MAP, 4, bulk("c"), bulk("2"), bulk("d"), bulk("3")))),
           "a 1\nb c 2\nd 3\n");
    EXPECT(raw(agg(KVIK_ARRAY, 3, integer(1), agg(KVIK_ARRAY, 0), integer(2))),
           "1\n\n2\n");
}

static void test_text_commands(void **state)
{
    (void)state;
    char *info[] = {"INFO", "keyspace"}, *cl[] = {"client", "LIST"},
         *get[] = {"GET", "k"}, *cg[] = {"client", "getname"};
    assert_true(format_is_text_command(2, info));
    assert_true(format_is_text_command(2, cl));
    assert_false(format_is_text_command(2, get));
    assert_false(format_is_text_command(2, cg));
    buf b = BUF_INIT;
    kvik_reply *r = str_n(KVIK_STRING, "# Keyspace\r\n", 12);
    format_raw_text(&b, r);
    assert_int_equal(b.len, 12); /* as is, no newline added */
    buf_free(&b);
    drop(r);
}

/* ---- line splitting -------------------------------------------------------- */

static void test_args(void **state)
{
    (void)state;
    args a;
    assert_int_equal(args_split("  set  \"a b\" 'it\\'s' \"x\\x41\\n\" plain\"q\"  ", &a),
                     0);
    assert_int_equal(a.argc, 5);
    assert_string_equal(a.argv[0], "set");
    assert_string_equal(a.argv[1], "a b");
    assert_string_equal(a.argv[2], "it's");
    assert_string_equal(a.argv[3], "xA\n");
    assert_string_equal(a.argv[4], "plainq");
    args_free(&a);
    assert_int_equal(args_split("get \"\\x00z\"", &a), 0);
    assert_int_equal(a.lens[1], 2);
    assert_int_equal(a.argv[1][0], 0);
    args_free(&a);
    assert_int_equal(args_split("", &a), 0);
    assert_int_equal(a.argc, 0);
    args_free(&a);
    assert_int_equal(args_split("get \"open", &a), -1);
    assert_int_equal(args_split("get \"a\"b", &a), -1);
    assert_int_equal(args_split("get 'a", &a), -1);
}

/* ---- hints ----------------------------------------------------------------- */

static kvik_reply *arg_doc(const char *name, const char *type, const char *token,
                           kvik_reply *flags, kvik_reply *nested)
{
    size_t n = 4 + (token ? 2 : 0) + (flags ? 2 : 0) + (nested ? 2 : 0), i = 0;
    kvik_reply *m = agg(KVIK_MAP, 0);
    free(m->element);
    m->element = calloc(n, sizeof(kvik_reply *));
    m->elements = n;
    m->element[i++] = bulk("name");
    m->element[i++] = bulk(name);
    m->element[i++] = bulk("type");
    m->element[i++] = bulk(type);
    if (token) {
        m->element[i++] = bulk("token");
        m->element[i++] = bulk(token);
    }
    if (flags) {
        m->element[i++] = bulk("flags");
        m->element[i++] = flags;
    }
    if (nested) {
        m->element[i++] = bulk("arguments");
        m->element[i++] = nested;
    }
    return m;
}

static void test_hints(void **state)
{
    (void)state;
    kvik_reply *set_args =
        agg(KVIK_ARRAY, 4, arg_doc("key", "key", NULL, NULL, NULL),
            arg_doc("value", "string", NULL, NULL, NULL),
            arg_doc("cond", "oneof", NULL, agg(KVIK_SET, 1, bulk("optional")),
                    agg(KVIK_ARRAY, 2, arg_doc("nx", "pure-token", "NX", NULL, NULL),
                        arg_doc("xx", "pure-token", "XX", NULL, NULL))),
            arg_doc("expiry", "oneof", NULL, agg(KVIK_SET, 1, bulk("optional")),
                    agg(KVIK_ARRAY, 2, arg_doc("seconds", "integer", "EX", NULL, NULL),
                        arg_doc("keepttl", "pure-token", "KEEPTTL", NULL, NULL))));
    kvik_reply *zadd_args =
        agg(KVIK_ARRAY, 2, arg_doc("key", "key", NULL, NULL, NULL),
            arg_doc("data", "block", NULL, agg(KVIK_SET, 1, bulk("multiple")),
                    agg(KVIK_ARRAY, 2, arg_doc("score", "double", NULL, NULL, NULL),
                        arg_doc("member", "string", NULL, NULL, NULL))));
    kvik_reply *cfg_get =
        agg(KVIK_MAP, 4, bulk("summary"), bulk("Reads settings."), bulk("arguments"),
            agg(KVIK_ARRAY, 1,
                arg_doc("parameter", "string", NULL, agg(KVIK_SET, 1, bulk("multiple")),
                        NULL)));
    kvik_reply *docs =
        agg(KVIK_MAP, 6, bulk("set"), agg(KVIK_MAP, 2, bulk("arguments"), set_args),
            bulk("zadd"), agg(KVIK_MAP, 2, bulk("arguments"), zadd_args), bulk("config"),
            agg(KVIK_MAP, 2, bulk("subcommands"),
                agg(KVIK_MAP, 2, bulk("config|get"), cfg_get)));
    hints h = {0};
    hints_from_docs(&h, docs);
    drop(docs);
    assert_int_equal(h.n, 4);
    assert_string_equal(hints_for_line(&h, "set "),
                        "key value [NX|XX] [EX seconds|KEEPTTL]");
    assert_string_equal(hints_for_line(&h, "SET"),
                        " key value [NX|XX] [EX seconds|KEEPTTL]");
    assert_string_equal(hints_for_line(&h, "set k "),
                        "value [NX|XX] [EX seconds|KEEPTTL]");
    assert_null(hints_for_line(&h, "set k"));
    assert_null(hints_for_line(&h, "nosuch "));
    assert_string_equal(hints_for_line(&h, "zadd "),
                        "key score member [score member ...]");
    assert_string_equal(hints_for_line(&h, "config get "), "parameter [parameter ...]");
    char *words[] = {"CONFIG", "get", "x"};
    const hints_cmd *c = hints_find(&h, 3, words);
    assert_non_null(c);
    assert_string_equal(c->name, "CONFIG GET");
    assert_string_equal(c->summary, "Reads settings.");
    hints_free(&h);
    hints_free(&h); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars), cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_maps),    cmocka_unit_test(test_text_commands),
        cmocka_unit_test(test_args),    cmocka_unit_test(test_hints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
