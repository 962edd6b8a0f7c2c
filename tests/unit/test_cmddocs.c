/* tests/unit/test_cmddocs.c — unit tests for server/cmddocs.c, the parser of
 * argument syntax strings behind COMMAND DOCS.
 *
 * Fixed cases pin the tree for the shapes of the Redis documentation (their
 * structure checked against redis-server 7.0's COMMAND DOCS: which arguments
 * carry tokens, what repeats, what is optional); malformed strings must give
 * the right error and no tree; random strings built from the notation's pieces
 * must never crash and must give well-formed trees; and every entry of the
 * command table must parse. Inputs are copied to heap blocks of exactly their
 * size, so ASan catches a read past the NUL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/cmddocs.h"
#include "server/cmdtab.h"

/* Parses an exact-size copy of s; returns the error code, and the rendering in
 * out when it parses. */
static int parse_fmt(const char *s, char *out, size_t size)
{
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    memcpy(copy, s, len + 1);
    cmddocs_tree *t = (cmddocs_tree *)0x1;
    int rc = cmddocs_parse(copy, &t);
    free(copy); /* the tree must not point into the input */
    if (rc < 0) {
        assert_null(t);
        out[0] = 0;
        return rc;
    }
    assert_non_null(t);
    size_t need = cmddocs_format(t, out, size);
    assert_true(need < size);
    assert_int_equal(need, strlen(out));
    cmddocs_free(t);
    return 0;
}

static void check(const char *syntax, const char *expected)
{
    char out[8192];
    int rc = parse_fmt(syntax, out, sizeof(out));
    if (rc < 0) fail_msg("'%s' failed: %s", syntax, cmddocs_strerror(rc));
    if (strcmp(out, expected) != 0)
        fail_msg("'%s'\n  got      %s\n  expected %s", syntax, out, expected);
}

static void check_err(const char *syntax, int err)
{
    char out[64];
    int rc = parse_fmt(syntax, out, sizeof(out));
    if (rc != err)
        fail_msg("'%s': got %d (%s), expected %d (%s)", syntax, rc, cmddocs_strerror(rc),
                 err, cmddocs_strerror(err));
}

static void test_simple(void **state)
{
    (void)state;
    check("", "");
    check("   ", "");
    check("key", "key:key#0");
    check("key value", "key:key#0 value:string");
    check("key seconds value", "key:key#0 seconds:integer value:string");
    check("pattern", "pattern:pattern");
    check("key1 key2", "key1:key#0 key2:key#1");
    check("source destination", "source:key#0 destination:key#1");
    check("key score member", "key:key#0 score:double member:string");
    check("key unix-time-seconds", "key:key#0 unix-time-seconds:unix-time");
    check("ip:port", "ip:port:string");
    check("index1 index2", "index1:integer index2:integer");
    check("\tkey\n value ", "key:key#0 value:string");
}

static void test_null_syntax(void **state)
{
    (void)state;
    cmddocs_tree *t = NULL;
    assert_int_equal(cmddocs_parse(NULL, &t), 0);
    assert_non_null(t);
    assert_int_equal(t->nargs, 0);
    assert_int_equal(t->nkeys, 0);
    cmddocs_free(t);
    cmddocs_free(NULL);
}

static void test_tokens(void **state)
{
    (void)state;
    check("[GET]", "get:pure-token=GET?");
    check("[NX | XX]", "nx_xx:oneof?{nx:pure-token=NX xx:pure-token=XX}");
    check("<LEFT | RIGHT>",
          "left_right:oneof{left:pure-token=LEFT right:pure-token=RIGHT}");
    check("(LEFT | RIGHT)",
          "left_right:oneof{left:pure-token=LEFT right:pure-token=RIGHT}");
    check("LEFT | RIGHT",
          "left_right:oneof{left:pure-token=LEFT right:pure-token=RIGHT}");
    check("[EX seconds]", "seconds:integer=EX?");
    check("[LIMIT offset count]",
          "offset_count:block=LIMIT?{offset:integer count:integer}");
    check("[AGGREGATE <SUM | MIN | MAX>]",
          "sum_min_max:oneof=AGGREGATE?{sum:pure-token=SUM min:pure-token=MIN "
          "max:pure-token=MAX}");
    check("[COUNT count [ANY]]",
          "count_any:block?{count:integer=COUNT any:pure-token=ANY?}");
    check("NO-EVICT AUTH2", "no-evict:pure-token=NO-EVICT auth2:pure-token=AUTH2");
    check("<* | id>", "*_id:oneof{*:pure-token=* id:string}");
    check("[= | ~]", "=_~:oneof?{=:pure-token== ~:pure-token=~}");
    check("<key | \"\">", "key_empty_string:oneof{key:key#0 empty_string:pure-token=}");
    /* a token takes values up to the next token or optional group */
    check("GROUP group consumer [COUNT count] STREAMS key [key ...] id [id ...]",
          "group_consumer:block=GROUP{group:string consumer:string} count:integer=COUNT? "
          "key_id:block=STREAMS{key:key#0* id:string*}");
    check("FOO BAR x", "foo:pure-token=FOO x:string=BAR");
}

static void test_set(void **state)
{
    (void)state;
    check("key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT "
          "unix-time-seconds | "
          "PXAT unix-time-milliseconds | KEEPTTL]",
          "key:key#0 value:string nx_xx:oneof?{nx:pure-token=NX xx:pure-token=XX} "
          "get:pure-token=GET? "
          "seconds_milliseconds_unix-time-seconds_unix-time-milliseconds_keepttl:oneof?{"
          "seconds:integer=EX milliseconds:integer=PX unix-time-seconds:unix-time=EXAT "
          "unix-time-milliseconds:unix-time=PXAT keepttl:pure-token=KEEPTTL}");
    check("cursor [MATCH pattern] [COUNT count] [TYPE type]",
          "cursor:integer pattern:pattern=MATCH? count:integer=COUNT? type:string=TYPE?");
}

static void test_repeats(void **state)
{
    (void)state;
    check("key [key ...]", "key:key#0*");
    check("key ...", "key:key#0*");
    check("key...", "key:key#0*");
    check("[key ...]", "key:key#0?*");
    check("key value [key value ...]", "key_value:block*{key:key#0 value:string}");
    check("key field value [field value ...]",
          "key:key#0 field_value:block*{field:string value:string}");
    check("[WEIGHTS weight [weight ...]]", "weight:integer=WEIGHTS?*");
    check("[GET pattern [GET pattern ...]]", "pattern:pattern=GET?*+");
    check("[PREFIX prefix [PREFIX prefix ...]]", "prefix:string=PREFIX?*+");
    check("[KEYS key [key ...]]", "key:key=KEYS#0?*");
    check("numkeys key [key ...]", "numkeys:integer key:key#0*");
    check("(a b) [(a b) ...]", "a_b:block*{a:string b:string}");
    check("<A | B> [A | B ...]", "a_b:oneof*{a:pure-token=A b:pure-token=B}");
    check("[a | b [a | b ...]]", "a_b:oneof?*{a:string b:string}");
    /* a repeat that does not match what precedes it stands alone */
    check("x [y ...]", "x:string y:string?*");
}

static void test_redis_shapes(void **state)
{
    (void)state;
    /* SORT */
    check("key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | "
          "DESC] "
          "[ALPHA] [STORE destination]",
          "key:key#0 pattern:pattern=BY? offset_count:block=LIMIT?{offset:integer "
          "count:integer} pattern:pattern=GET?*+ asc_desc:oneof?{asc:pure-token=ASC "
          "desc:pure-token=DESC} alpha:pure-token=ALPHA? destination:key=STORE#1?");
    /* HELLO */
    check("[protover [AUTH username password] [SETNAME clientname]]",
          "protover_username_password_clientname:block?{protover:integer "
          "username_password:block=AUTH?{username:string password:string} "
          "clientname:string=SETNAME?}");
    /* CLIENT KILL, 7.x notation */
    check("<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER>] | [USER username]> "
          "[[ID client-id] | [TYPE <NORMAL | MASTER>] | [USER username] ...]>",
          "ip:port_client-id_normal_master_username:oneof{ip:port:string "
          "client-id_normal_master_username:oneof*{client-id:integer=ID? "
          "normal_master:oneof=TYPE?{normal:pure-token=NORMAL master:pure-token=MASTER} "
          "username:string=USER?}}");
    /* BITFIELD: the repeat sits inside the group it repeats */
    check(
        "key [GET encoding offset | [OVERFLOW <WRAP | FAIL>] <SET encoding offset value> "
        "[GET encoding offset | [OVERFLOW <WRAP | FAIL>] <SET encoding offset value> "
        "...]]",
        "key:key#0 encoding_offset_wrap_fail_encoding_offset_value:oneof?*{"
        "encoding_offset:block=GET{encoding:string offset:integer} "
        "wrap_fail_encoding_offset_value:block{wrap_fail:oneof=OVERFLOW?{"
        "wrap:pure-token=WRAP fail:pure-token=FAIL} encoding_offset_value:block=SET{"
        "encoding:string offset:integer value:string}}}");
    /* GEOSEARCH */
    check("key <FROMMEMBER member | FROMLONLAT longitude latitude> "
          "<BYRADIUS radius <M | KM> | BYBOX width height <M | KM>>",
          "key:key#0 member_longitude_latitude:oneof{member:string=FROMMEMBER "
          "longitude_latitude:block=FROMLONLAT{longitude:double latitude:double}} "
          "radius_m_km_width_height_m_km:oneof{radius_m_km:block=BYRADIUS{radius:double "
          "m_km:oneof{m:pure-token=M km:pure-token=KM}} width_height_m_km:block=BYBOX{"
          "width:double height:double m_km:oneof{m:pure-token=M km:pure-token=KM}}}");
    /* XADD */
    check("key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> "
          "field value [field value ...]",
          "key:key#0 nomkstream:pure-token=NOMKSTREAM? "
          "maxlen_minid_=_~_threshold_count:block?{"
          "maxlen_minid:oneof{maxlen:pure-token=MAXLEN minid:pure-token=MINID} "
          "=_~:oneof?{=:pure-token== ~:pure-token=~} threshold:string "
          "count:integer=LIMIT?} "
          "*_id:oneof{*:pure-token=* id:string} field_value:block*{field:string "
          "value:string}");
    /* COMMAND LIST */
    check("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
          "module-name_category_pattern:oneof=FILTERBY?{module-name:string=MODULE "
          "category:string=ACLCAT pattern:pattern=PATTERN}");
}

static void test_malformed(void **state)
{
    (void)state;
    check_err("[a", CMDDOCS_ERR_UNBALANCED);
    check_err("a]", CMDDOCS_ERR_UNBALANCED);
    check_err("a ) b", CMDDOCS_ERR_UNBALANCED);
    check_err("[a [b]", CMDDOCS_ERR_UNBALANCED);
    check_err("<a", CMDDOCS_ERR_UNBALANCED);
    check_err("[a>", CMDDOCS_ERR_MISMATCH);
    check_err("(a]", CMDDOCS_ERR_MISMATCH);
    check_err("[a <b]>", CMDDOCS_ERR_MISMATCH);
    check_err("[]", CMDDOCS_ERR_EMPTY);
    check_err("<>", CMDDOCS_ERR_EMPTY);
    check_err("[a |]", CMDDOCS_ERR_EMPTY);
    check_err("[| a]", CMDDOCS_ERR_EMPTY);
    check_err("a || b", CMDDOCS_ERR_EMPTY);
    check_err("| a", CMDDOCS_ERR_EMPTY);
    check_err("a |", CMDDOCS_ERR_EMPTY);
    check_err("|", CMDDOCS_ERR_EMPTY);
    check_err("...", CMDDOCS_ERR_ELLIPSIS);
    check_err("[...]", CMDDOCS_ERR_ELLIPSIS);
    check_err("[a | ...]", CMDDOCS_ERR_ELLIPSIS);
    check_err("\"abc", CMDDOCS_ERR_QUOTE);
    check_err("key \"", CMDDOCS_ERR_QUOTE);
}

static void test_limits(void **state)
{
    (void)state;
    char s[CMDDOCS_MAX_LEN + 2];
    char out[64];
    /* depth: 16 nested groups parse, 17 do not */
    int d = CMDDOCS_MAX_DEPTH, n = 0;
    for (int i = 0; i < d; i++)
        s[n++] = '[';
    s[n++] = 'x';
    for (int i = 0; i < d; i++)
        s[n++] = ']';
    s[n] = 0;
    assert_int_equal(parse_fmt(s, out, sizeof(out)), 0);
    n = 0;
    for (int i = 0; i < d + 1; i++)
        s[n++] = '<';
    s[n++] = 'x';
    for (int i = 0; i < d + 1; i++)
        s[n++] = '>';
    s[n] = 0;
    assert_int_equal(parse_fmt(s, out, sizeof(out)), CMDDOCS_ERR_DEPTH);
    /* deep opening brackets that never close fail on depth, not the stack */
    memset(s, '(', CMDDOCS_MAX_LEN);
    s[CMDDOCS_MAX_LEN] = 0;
    assert_int_equal(parse_fmt(s, out, sizeof(out)), CMDDOCS_ERR_DEPTH);
    /* length: CMDDOCS_MAX_LEN bytes parse, one more does not */
    for (int i = 0; i < CMDDOCS_MAX_LEN; i++)
        s[i] = (i % 2) ? ' ' : 'a';
    s[CMDDOCS_MAX_LEN] = 0;
    char *big = malloc(1 << 16);
    assert_int_equal(parse_fmt(s, big, 1 << 16), 0);
    s[CMDDOCS_MAX_LEN] = 'b';
    s[CMDDOCS_MAX_LEN + 1] = 0;
    assert_int_equal(parse_fmt(s, out, sizeof(out)), CMDDOCS_ERR_TOO_LONG);
    /* many alternatives and many repeats */
    n = 0;
    s[n++] = '[';
    for (int i = 0; i < 600; i++) {
        memcpy(s + n, "A | ", 4);
        n += 4;
    }
    memcpy(s + n, "B]", 3);
    assert_int_equal(parse_fmt(s, big, 1 << 16), 0);
    free(big);
}

static void test_format_truncation(void **state)
{
    (void)state;
    cmddocs_tree *t;
    assert_int_equal(cmddocs_parse("key value", &t), 0);
    char small[8];
    memset(small, 'z', sizeof(small));
    size_t need = cmddocs_format(t, small, sizeof(small));
    assert_int_equal(need, strlen("key:key#0 value:string"));
    assert_string_equal(small, "key:key");
    char one[1] = {'z'};
    assert_int_equal(cmddocs_format(t, one, 1), need);
    assert_int_equal(one[0], 0);
    assert_int_equal(cmddocs_format(t, NULL, 0), need);
    cmddocs_free(t);
}

/* Every node of a parsed tree is well formed; counts keys. */
static void check_tree(const cmddocs_arg *args, int n, int *nkeys, int depth)
{
    assert_true(depth <= CMDDOCS_MAX_DEPTH + 2);
    for (int i = 0; i < n; i++) {
        const cmddocs_arg *a = &args[i];
        assert_non_null(a->name);
        assert_true(a->type >= CMDDOCS_STRING && a->type <= CMDDOCS_BLOCK);
        assert_true(strlen(a->name) <= 200);
        if (a->type == CMDDOCS_ONEOF) assert_true(a->nargs >= 2);
        if (a->type == CMDDOCS_BLOCK) assert_true(a->nargs >= 1);
        if (a->type == CMDDOCS_PURE_TOKEN) assert_non_null(a->token);
        if (a->type != CMDDOCS_ONEOF && a->type != CMDDOCS_BLOCK)
            assert_int_equal(a->nargs, 0);
        if (a->type == CMDDOCS_KEY) {
            assert_int_equal(a->key_index, *nkeys);
            (*nkeys)++;
        } else {
            assert_int_equal(a->key_index, -1);
        }
        assert_true((a->flags & ~7u) == 0);
        if (a->nargs) check_tree(a->args, a->nargs, nkeys, depth + 1);
    }
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static void test_random(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "[",    "]",     "<",    ">",     "(",  ")",  "|",       "...",
        " ",    " ",     "key",  "value", "NX", "EX", "seconds", "\"",
        "\"\"", "count", "a...", "=",     "*",  "x",  "GET",     "pattern",
    };
    size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
    int ok = 0;
    char *out = malloc(1 << 16);
    for (int iter = 0; iter < 20000; iter++) {
        char s[256];
        size_t len = 0;
        int parts = 1 + (int)rnd(30);
        for (int p = 0; p < parts; p++) {
            const char *piece = pieces[rnd((uint32_t)npieces)];
            size_t pl = strlen(piece);
            if (len + pl + 1 >= sizeof(s)) break;
            memcpy(s + len, piece, pl);
            len += pl;
            if (rnd(2)) s[len++] = ' ';
        }
        s[len] = 0;
        char *copy = malloc(len + 1);
        memcpy(copy, s, len + 1);
        cmddocs_tree *t = NULL;
        int rc = cmddocs_parse(copy, &t);
        if (rc == 0) {
            ok++;
            int nkeys = 0;
            check_tree(t->args, t->nargs, &nkeys, 0);
            assert_int_equal(nkeys, t->nkeys);
            size_t need = cmddocs_format(t, out, 1 << 16);
            assert_int_equal(need, strlen(out));
            cmddocs_free(t);
        } else {
            assert_true(rc < 0 && rc >= CMDDOCS_ERR_QUOTE);
            assert_null(t);
        }
        free(copy);
    }
    free(out);
    assert_true(ok > 100); /* the generator does produce valid strings */
}

/* Every command and subcommand of the table has a syntax that parses. */
static void check_command(void *priv, const command *cmd)
{
    int *count = priv;
    cmddocs_tree *t = NULL;
    int rc = cmddocs_parse(cmd->args, &t);
    if (rc < 0)
        fail_msg("%s: .args \"%s\" does not parse: %s", cmd->name, cmd->args,
                 cmddocs_strerror(rc));
    int nkeys = 0;
    check_tree(t->args, t->nargs, &nkeys, 0);
    cmddocs_free(t);
    (*count)++;
}

static void test_command_table(void **state)
{
    (void)state;
    cmd_init();
    int count = 0;
    cmd_foreach(check_command, &count);
    assert_int_equal(count, cmd_total_ids());
    assert_true(count > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_null_syntax),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_redis_shapes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_format_truncation),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_command_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
