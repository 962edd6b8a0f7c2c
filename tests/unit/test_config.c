/* tests/unit/test_config.c — unit tests for server/config.c.
 *
 * Every test starts from cfg_defaults() and ends with cfg_free_all(), so under
 * ASan/LSan a string freed too early or never freed shows up. The set/get round
 * trip walks CONFIG GET "*", so it covers every row of the table without a
 * second list of settings here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/config.h"
#include "server/server.h"

static char tmpdir[256];
static char err[4096];

/* ---- helpers ---- */

typedef struct kv {
    char *name, *value;
} kv;

typedef struct kvlist {
    kv *v;
    int n;
} kvlist;

static void collect(void *priv, const char *name, const char *value)
{
    kvlist *l = priv;
    l->v = realloc(l->v, (size_t)(l->n + 1) * sizeof(kv));
    l->v[l->n].name = strdup(name);
    l->v[l->n].value = strdup(value);
    l->n++;
}

static void kvlist_free(kvlist *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].value);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static kvlist get_all(void)
{
    kvlist l = {NULL, 0};
    cfg_get("*", collect, &l);
    return l;
}

/* CONFIG GET of one exact name; returns a static copy ("<none>" if unknown). */
static const char *get(const char *name)
{
    static char out[1024];
    kvlist l = {NULL, 0};
    cfg_get(name, collect, &l);
    snprintf(out, sizeof(out), "%s", l.n == 1 ? l.v[0].value : "<none>");
    kvlist_free(&l);
    return out;
}

static const char *write_tmp(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char data[65536];
    size_t n = fread(data, 1, sizeof(data) - 1, f);
    data[n] = '\0';
    fclose(f);
    return data;
}

static int load_str(const char *text)
{
    return cfg_load_string(text, strlen(text), err, sizeof(err));
}

/* The config error for text, as a static string. */
static const char *load_err(const char *text)
{
    assert_int_equal(load_str(text), -1);
    return err;
}

static void expect_fatal(const char *text, int line, const char *shown,
                         const char *reason)
{
    char want[2048];
    snprintf(want, sizeof(want),
             "*** FATAL CONFIG FILE ERROR (kvik %s) ***\n"
             "Reading the configuration file, at line %d\n>>> '%s'\n%s",
             KVIK_VERSION, line, shown, reason);
    cfg_defaults();
    const char *got = load_err(text);
    if (strcmp(got, want) != 0)
        fail_msg("config:\n%s\nwant:\n%s\ngot:\n%s", text, want, got);
}

static int set1(const char *name, const char *value)
{
    return cfg_set(name, value, err, sizeof(err));
}

static void expect_set_err(const char *name, const char *value, const char *want)
{
    assert_int_equal(set1(name, value), -1);
    if (strcmp(err, want) != 0)
        fail_msg("CONFIG SET %s '%s': want\n%s\ngot\n%s", name, value, want, err);
}

static int setup(void **state)
{
    (void)state;
    cfg_defaults();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cfg_free_all();
    return 0;
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(cfg.port, 6379);
    assert_int_equal(cfg.databases, 16);
    assert_int_equal(cfg.hz, 10);
    assert_int_equal(cfg.maxmemory_samples, 5);
    assert_true(cfg.proto_max_bulk_len == 512ull << 20);
    assert_true(cfg.client_query_buffer_limit == 1ull << 30);
    assert_int_equal(cfg.maxclients, 10000);
    assert_int_equal(cfg.protected_mode, 1);
    assert_int_equal(cfg.timeout, 0);
    assert_int_equal(cfg.tcp_keepalive, 300);
    assert_int_equal(cfg.tcp_backlog, 511);
    assert_int_equal(cfg.maxmemory_policy, MM_NOEVICTION);
    assert_int_equal(cfg.loglevel, LL_NOTICE);
    assert_int_equal(cfg.appendfsync, 1);
    assert_int_equal(cfg.list_max_listpack_size, -2);
    assert_int_equal(cfg.proto_max_multibulk_len, 1048576);
    assert_int_equal(cfg.client_idle_request_timeout, 30);
    assert_int_equal(cfg.native_port, 0);
    assert_int_equal(cfg.native_compress_min, 1436);
    assert_int_equal(cfg.slowlog_log_slower_than, 10000);
    assert_int_equal(cfg.enable_protected_configs, 0);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(cfg.threads, ncpu < 1 ? 1 : ncpu > 128 ? 128 : ncpu);
    assert_string_equal(cfg.dbfilename, "dump.rdb");
    assert_string_equal(cfg.appenddirname, "appendonlydir");
    assert_string_equal(cfg.appendfilename, "appendonly.aof");
    assert_string_equal(cfg.log_rotation, "never");
    assert_string_equal(cfg.tls_auth_clients, "yes");
    assert_string_equal(cfg.notify_keyspace_events, "");
    assert_null(cfg.requirepass);
    assert_null(cfg.pidfile);
    assert_null(cfg.logfile);
    assert_null(cfg.tls_cert_file);
    assert_int_equal(cfg.nsave, 3);
    assert_int_equal(cfg.save[0].seconds, 3600);
    assert_int_equal(cfg.save[2].changes, 10000);
    assert_int_equal(cfg.nbind, 2);
    assert_string_equal(cfg.bind[0], "*");
    assert_string_equal(cfg.bind[1], "-::*");
    assert_true(cfg.obuf[CLIENT_CLASS_REPLICA].hard == 256ull << 20);
    assert_true(cfg.obuf[CLIENT_CLASS_PUBSUB].soft == 8ull << 20);
    assert_int_equal(cfg.obuf[CLIENT_CLASS_PUBSUB].soft_seconds, 60);
    char *cwd = getcwd(NULL, 0);
    assert_string_equal(cfg.dir, cwd);
    free(cwd);

    /* CONFIG GET formats, as redis-server 7.0 replies them */
    assert_string_equal(get("save"), "3600 1 300 100 60 10000");
    assert_string_equal(
        get("client-output-buffer-limit"),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    assert_string_equal(get("bind"), "* -::*");
    assert_string_equal(get("maxmemory"), "0");
    assert_string_equal(get("proto-max-bulk-len"), "536870912");
    assert_string_equal(get("protected-mode"), "yes");
    assert_string_equal(get("maxmemory-policy"), "noeviction");
    assert_string_equal(get("appendfsync"), "everysec");
    assert_string_equal(get("requirepass"), "");
    assert_string_equal(get("hash-max-ziplist-entries"), "512");
    assert_string_equal(get("MAXMEMORY"), "0"); /* names are case-insensitive */
}

static void test_get_patterns(void **state)
{
    (void)state;
    kvlist l = {NULL, 0};
    cfg_get("maxmemory*", collect, &l);
    assert_int_equal(l.n, 3); /* maxmemory, -policy, -samples */
    kvlist_free(&l);
    cfg_get("hash-max-*-entries", collect, &l);
    assert_int_equal(l.n, 2); /* the name and its alias */
    kvlist_free(&l);
    cfg_get("nosuch", collect, &l);
    assert_int_equal(l.n, 0);
    kvlist_free(&l);
    /* every name appears once under "*" */
    l = get_all();
    assert_true(l.n > 70);
    for (int i = 0; i < l.n; i++)
        for (int j = i + 1; j < l.n; j++)
            assert_string_not_equal(l.v[i].name, l.v[j].name);
    kvlist_free(&l);
}

/* ---- config files ---- */

static void test_file_parsing(void **state)
{
    (void)state;
    const char *text = "# a comment\n"
                       "   # an indented comment\n"
                       "\n"
                       "PORT 7000\r\n"
                       "  maxmemory   100mb  \n"
                       "requirepass \"pa ss\\\"w\\x41rd\\n\"\n"
                       "pidfile '/tmp/it\\'s.pid'\n"
                       "save 900 1\n"
                       "save 300 10\n"
                       "bind 127.0.0.1 -::1\n"
                       "client-output-buffer-limit pubsub 1mb 512kb 30 normal 1 2 3\n"
                       "client-output-buffer-limit REPLICA 1gb 1gb 0\n"
                       "hash-max-ziplist-entries 100\n"
                       "notify-keyspace-events KEA\n"
                       "loglevel WARNING\n"
                       "tls-auth-clients OPTIONAL\n"
                       "appendonly yes\n"
                       "hz 1000\n"
                       "logfile \"\"\n";
    assert_int_equal(load_str(text), 0);
    assert_int_equal(cfg.port, 7000);
    assert_true(cfg.maxmemory == 100ull << 20);
    assert_string_equal(cfg.requirepass, "pa ss\"wArd\n");
    assert_string_equal(cfg.pidfile, "/tmp/it's.pid");
    assert_int_equal(cfg.nsave,
                     2); /* first save line replaced the default, the second appended */
    assert_string_equal(get("save"), "900 1 300 10");
    assert_string_equal(get("bind"), "127.0.0.1 -::1");
    assert_string_equal(
        get("client-output-buffer-limit"),
        "normal 1 2 3 slave 1073741824 1073741824 0 pubsub 1048576 524288 30");
    assert_int_equal(cfg.hash_max_listpack_entries, 100);
    assert_string_equal(get("notify-keyspace-events"), "AKE");
    assert_int_equal(cfg.loglevel, LL_WARNING);
    assert_string_equal(cfg.tls_auth_clients, "optional");
    assert_int_equal(cfg.appendonly, 1);
    assert_int_equal(cfg.hz, 500); /* clamped */
    assert_null(cfg.logfile);

    /* save "" turns snapshots off, a single quoted list works too */
    cfg_defaults();
    assert_int_equal(load_str("save \"\"\n"), 0);
    assert_int_equal(cfg.nsave, 0);
    assert_int_equal(load_str("save \"60 5 30 6\"\n"), 0);
    assert_string_equal(get("save"), "60 5 30 6");
    /* no newline at the end, NUL-free binary junk in a comment */
    cfg_defaults();
    assert_int_equal(load_str("# \x01\x02\xff\nport 1"), 0);
    assert_int_equal(cfg.port, 1);
    assert_int_equal(load_str(""), 0);
}

static void test_file_errors(void **state)
{
    (void)state;
    expect_fatal(
        "port 1234\n# c\nmaxmemory-policy bogus\n", 3, "maxmemory-policy bogus",
        "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
        "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
        "noeviction");
    expect_fatal("port 1234\nfoo bar\n", 2, "foo bar",
                 "Bad directive or wrong number of arguments");
    expect_fatal("hz\n", 1, "hz", "wrong number of arguments");
    expect_fatal("hz 1 2\n", 1, "hz 1 2", "wrong number of arguments");
    expect_fatal("\n\nhz abc\n", 3, "hz abc",
                 "argument couldn't be parsed into an integer");
    expect_fatal("hz 05\n", 1, "hz 05", "argument couldn't be parsed into an integer");
    expect_fatal("port 70000\n", 1, "port 70000",
                 "argument must be between 0 and 65535 inclusive");
    expect_fatal("maxmemory -1\n", 1, "maxmemory -1", "argument must be a memory value");
    expect_fatal("maxmemory 1.5mb\n", 1, "maxmemory 1.5mb",
                 "argument must be a memory value");
    expect_fatal("proto-max-bulk-len 100\n", 1, "proto-max-bulk-len 100",
                 "argument must be between 1048576 and 9223372036854775807 inclusive");
    expect_fatal("daemonize maybe\n", 1, "daemonize maybe",
                 "argument must be 'yes' or 'no'");
    expect_fatal("appendfsync x\n", 1, "appendfsync x",
                 "argument(s) must be one of the following: everysec, always, no");
    expect_fatal("tls-auth-clients maybe\n", 1, "tls-auth-clients maybe",
                 "argument(s) must be one of the following: no, yes, optional");
    expect_fatal("log-rotation weekly\n", 1, "log-rotation weekly",
                 "argument(s) must be one of the following: never, hourly, daily");
    expect_fatal("save 1 2 3\n", 1, "save 1 2 3", "Invalid save parameters");
    expect_fatal("save \"1 2 3\"\n", 1, "save \"1 2 3\"", "Invalid save parameters");
    expect_fatal("save 0 1\n", 1, "save 0 1", "Invalid save parameters");
    expect_fatal("save 1 -1\n", 1, "save 1 -1", "Invalid save parameters");
    expect_fatal("port \"123\n", 1, "port \"123",
                 "Unbalanced quotes in configuration line");
    expect_fatal("port \"1\"2\n", 1, "port \"1\"2",
                 "Unbalanced quotes in configuration line");
    expect_fatal("port '1\n", 1, "port '1", "Unbalanced quotes in configuration line");
    expect_fatal("requirepass \"a\\x00b\"\n", 1, "requirepass \"a\\x00b\"",
                 "NUL byte in configuration line");
    expect_fatal("dbfilename a/b\n", 1, "dbfilename a/b",
                 "dbfilename can't be a path, just a filename");
    expect_fatal("appendfilename a/b\n", 1, "appendfilename a/b",
                 "appendfilename can't be a path, just a filename");
    expect_fatal("appenddirname a/b\n", 1, "appenddirname a/b",
                 "appenddirname can't be a path, just a dirname");
    expect_fatal("dir /nonexistent/kvik\n", 1, "dir /nonexistent/kvik",
                 "No such file or directory");
    expect_fatal("dir /etc/passwd\n", 1, "dir /etc/passwd", "Not a directory");
    expect_fatal("notify-keyspace-events q\n", 1, "notify-keyspace-events q",
                 "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    expect_fatal("databases 0\n", 1, "databases 0",
                 "argument must be between 1 and 2147483647 inclusive");
    expect_fatal("threads 129\n", 1, "threads 129",
                 "argument must be between 1 and 128 inclusive");
    expect_fatal("bind 1.2.3.4 nohost\n", 1, "bind 1.2.3.4 nohost",
                 "Invalid bind address 'nohost'");
    expect_fatal("bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", 1,
                 "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
                 "Too many bind addresses specified.");
    expect_fatal("client-output-buffer-limit normal 1 2\n", 1,
                 "client-output-buffer-limit normal 1 2",
                 "Wrong number of arguments in buffer limit configuration.");
    expect_fatal("client-output-buffer-limit master 1 2 3\n", 1,
                 "client-output-buffer-limit master 1 2 3",
                 "Invalid client class specified in buffer limit configuration.");
    expect_fatal(
        "client-output-buffer-limit normal 1 2 -3\n", 1,
        "client-output-buffer-limit normal 1 2 -3",
        "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    expect_fatal("include\n", 1, "include", "Bad directive or wrong number of arguments");
    /* secrets never appear in error messages */
    expect_fatal("requirepass top secret\n", 1, "requirepass <redacted>",
                 "wrong number of arguments");
    assert_null(strstr(err, "secret"));
    /* a bad line leaves earlier lines applied and later ones not */
    cfg_defaults();
    load_err("port 1\nhz x\nport 2\n");
    assert_int_equal(cfg.port, 1);
}

static void test_file_load_and_include(void **state)
{
    (void)state;
    char text[1024];
    const char *p;

    p = write_tmp("inc2.conf", "timeout 77\n");
    snprintf(text, sizeof(text), "maxclients 50\ninclude %s\n", p);
    p = write_tmp("inc1.conf", text);
    snprintf(text, sizeof(text), "# main\nport 6001\ninclude %s\nhz 20\n", p);
    p = write_tmp("main.conf", text);
    assert_int_equal(cfg_load_file(p, err, sizeof(err)), 0);
    assert_int_equal(cfg.port, 6001);
    assert_int_equal(cfg.maxclients, 50);
    assert_int_equal(cfg.timeout, 77);
    assert_int_equal(cfg.hz, 20);
    assert_non_null(cfg_file_path);
    assert_string_equal(cfg_file_path, p);

    /* an error in an included file names that file */
    p = write_tmp("bad.conf", "\nhz nope\n");
    snprintf(text, sizeof(text), "include %s\n", p);
    cfg_defaults();
    assert_int_equal(load_str(text), -1);
    char want[1024];
    snprintf(
        want, sizeof(want),
        "*** FATAL CONFIG FILE ERROR (kvik %s) ***\n"
        "Reading the configuration file, at line 2 of included file '%s'\n>>> 'hz nope'\n"
        "argument couldn't be parsed into an integer",
        KVIK_VERSION, p);
    assert_string_equal(err, want);

    /* a missing include is reported at the include line */
    snprintf(text, sizeof(text), "port 1\ninclude %s/nope.conf\n", tmpdir);
    assert_int_equal(load_str(text), -1);
    assert_non_null(strstr(err, "at line 2\n"));
    assert_non_null(strstr(err, "can't open config file"));

    /* an include of itself stops at the depth limit */
    snprintf(text, sizeof(text), "include %s/self.conf\n", tmpdir);
    p = write_tmp("self.conf", text);
    assert_int_equal(cfg_load_file(p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Too many nested includes"));

    /* glob includes: every match, in order; no match is fine */
    write_tmp("g-1.part", "maxclients 11\n");
    write_tmp("g-2.part", "maxclients 22\n");
    snprintf(text, sizeof(text), "include %s/g-*.part\ninclude %s/none-*.part\n", tmpdir,
             tmpdir);
    cfg_defaults();
    assert_int_equal(load_str(text), 0);
    assert_int_equal(cfg.maxclients, 22);

    /* include of a directory or device is refused, not read */
    snprintf(text, sizeof(text), "include /dev/zero\n");
    assert_int_equal(load_str(text), -1);
    assert_non_null(strstr(err, "not a regular file"));

    /* a missing main file */
    snprintf(text, sizeof(text), "%s/missing.conf", tmpdir);
    assert_int_equal(cfg_load_file(text, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "can't open config file"));
    assert_non_null(strstr(err, "No such file or directory"));
}

/* ---- arguments and environment ---- */

static void test_args(void **state)
{
    (void)state;
    char *a1[] = {"--port",
                  "7777",
                  "--save",
                  "--bind",
                  "127.0.0.1",
                  "::1",
                  "--maxmemory",
                  "1gb",
                  "--requirepass",
                  "--weird",
                  "--list-max-listpack-size",
                  "-5",
                  "--save",
                  "10",
                  "1",
                  "--save",
                  "20",
                  "2"};
    assert_int_equal(cfg_load_args(18, a1, err, sizeof(err)), 0);
    assert_int_equal(cfg.port, 7777);
    assert_string_equal(get("bind"), "127.0.0.1 ::1");
    assert_true(cfg.maxmemory == 1ull << 30);
    assert_string_equal(cfg.requirepass, "--weird"); /* a value-less option takes it */
    assert_int_equal(cfg.list_max_listpack_size, -5);
    assert_string_equal(get("save"), "10 1 20 2");

    char *a2[] = {"--save"};
    assert_int_equal(cfg_load_args(1, a2, err, sizeof(err)), 0);
    assert_int_equal(cfg.nsave, 0);

    char *a3[] = {"--hz", "5", "--port", "abc"};
    assert_int_equal(cfg_load_args(4, a3, err, sizeof(err)), -1);
    char want[512];
    snprintf(want, sizeof(want),
             "*** FATAL CONFIG FILE ERROR (kvik %s) ***\n"
             "Reading the command line arguments, at option 2\n>>> 'port \"abc\"'\n"
             "argument couldn't be parsed into an integer",
             KVIK_VERSION);
    assert_string_equal(err, want);

    char *a4[] = {"--nosuch", "1"};
    assert_int_equal(cfg_load_args(2, a4, err, sizeof(err)), -1);
    assert_non_null(
        strstr(err, ">>> 'nosuch \"1\"'\nBad directive or wrong number of arguments"));

    char *a5[] = {"stray"};
    assert_int_equal(cfg_load_args(1, a5, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'stray'"));

    char *a6[] = {"--maxmemory-policy", "all keys"};
    assert_int_equal(cfg_load_args(2, a6, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ">>> 'maxmemory-policy \"all keys\"'"));

    char *a7[] = {"--requirepass", "x", "y"};
    assert_int_equal(cfg_load_args(3, a7, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ">>> 'requirepass <redacted>'"));

    assert_int_equal(cfg_load_args(0, NULL, err, sizeof(err)), 0);
}

static void test_env(void **state)
{
    (void)state;
    char *env[] = {"PATH=/bin",
                   "KVIK_MAXMEMORY=100mb",
                   "KVIK_MAXMEMORY_POLICY=allkeys-lru",
                   "KVIK_BIN=/some/where",
                   "KVIK_SAVE=",
                   "KVIK_BIND=127.0.0.1 ::1",
                   "kvik_port=1",
                   NULL};
    assert_int_equal(cfg_load_env(env, err, sizeof(err)), 0);
    assert_true(cfg.maxmemory == 100ull << 20);
    assert_int_equal(cfg.maxmemory_policy, MM_ALLKEYS_LRU);
    assert_int_equal(cfg.nsave, 0);
    assert_int_equal(cfg.nbind, 2);
    assert_int_equal(cfg.port, 6379); /* the prefix is upper case */

    char *bad[] = {"KVIK_HZ=fast", NULL};
    assert_int_equal(cfg_load_env(bad, err, sizeof(err)), -1);
    assert_non_null(
        strstr(err, "Reading the environment, at variable KVIK_HZ\n>>> 'KVIK_HZ=fast'\n"
                    "argument couldn't be parsed into an integer"));
    char *secret[] = {"KVIK_REQUIREPASS=", "KVIK_TIMEOUT=x", NULL};
    assert_int_equal(cfg_load_env(secret, err, sizeof(err)), -1);
    assert_int_equal(cfg_load_env(NULL, err, sizeof(err)), 0);
}

/* ---- CONFIG SET ---- */

static void test_set_errors(void **state)
{
    (void)state;
    expect_set_err("foo", "1",
                   "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    expect_set_err(
        "maxmemory", "abc",
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument "
        "must be a memory value");
    expect_set_err(
        "databases", "3",
        "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
        "immutable config");
    expect_set_err(
        "DAEMONIZE", "no",
        "ERR CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set "
        "immutable config");
    expect_set_err(
        "dir", "/tmp",
        "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set "
        "protected config");
    expect_set_err("hz", "abc",
                   "ERR CONFIG SET failed (possibly related to argument 'hz') - argument "
                   "couldn't be "
                   "parsed into an integer");
    expect_set_err(
        "hz", "-1",
        "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be "
        "between 0 and 2147483647 inclusive");
    expect_set_err("protected-mode", "maybe",
                   "ERR CONFIG SET failed (possibly related to argument "
                   "'protected-mode') - argument "
                   "must be 'yes' or 'no'");
    expect_set_err(
        "loglevel", "x",
        "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) "
        "must be one of the following: debug, verbose, notice, warning, nothing");
    expect_set_err(
        "save", "1 2 3",
        "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
        "parameters");
    expect_set_err(
        "client-output-buffer-limit", "foo 1 2 3",
        "ERR CONFIG SET failed (possibly related to argument "
        "'client-output-buffer-limit') - Invalid client class specified in buffer limit "
        "configuration.");
    expect_set_err(
        "notify-keyspace-events", "xyz",
        "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
        "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    expect_set_err("hz", "1 2",
                   "ERR CONFIG SET failed (possibly related to argument 'hz') - argument "
                   "couldn't be "
                   "parsed into an integer");

    /* accepted values */
    assert_int_equal(set1("maxmemory", "1GB"), 0);
    assert_string_equal(get("maxmemory"), "1073741824");
    assert_int_equal(set1("protected-mode", "NO"), 0);
    assert_string_equal(get("protected-mode"), "no");
    assert_int_equal(set1("hz", "0"), 0);
    assert_string_equal(get("hz"), "1");
    assert_int_equal(set1("save", ""), 0);
    assert_string_equal(get("save"), "");
    assert_int_equal(set1("client-output-buffer-limit", "replica 1kb 2KB 3 normal 4 5 6"),
                     0);
    assert_string_equal(get("client-output-buffer-limit"),
                        "normal 4 5 6 slave 1024 2048 3 pubsub 33554432 8388608 60");
    assert_int_equal(set1("client-output-buffer-limit", ""), 0); /* no change */
    assert_int_equal(set1("notify-keyspace-events", "Kg$lshzxetdmnE"), 0);
    assert_string_equal(get("notify-keyspace-events"), "AKEm");
    assert_int_equal(set1("notify-keyspace-events", "tehzK"), 0);
    assert_string_equal(get("notify-keyspace-events"), "hzetK");
    assert_int_equal(set1("hash-max-ziplist-value", "1kb"), 0);
    assert_int_equal(cfg.hash_max_listpack_value, 1024);
    assert_int_equal(set1("requirepass", "a b"), 0);
    assert_string_equal(cfg.requirepass, "a b");
    assert_int_equal(set1("requirepass", ""), 0);
    assert_null(cfg.requirepass);
    assert_int_equal(set1("timeout", "5"), 0);
    assert_int_equal(cfg.timeout, 5);
    assert_true(cfg_is_sensitive("requirepass"));
    assert_true(cfg_is_sensitive("REQUIREPASS"));
    assert_false(cfg_is_sensitive("port"));
    assert_false(cfg_is_sensitive("nosuch"));
}

static void test_multi_set(void **state)
{
    (void)state;
    const char *n1[] = {"maxmemory", "requirepass", "save", "maxmemory-policy"};
    const char *v1[] = {"5", "newpass", "1 1", "bogus"};
    assert_int_equal(cfg_set_multi(4, n1, v1, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "ERR CONFIG SET failed (possibly related to argument "
                        "'maxmemory-policy') - argument(s) must be one of the following: "
                        "volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
                        "allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
    /* nothing applied */
    assert_true(cfg.maxmemory == 0);
    assert_null(cfg.requirepass);
    assert_int_equal(cfg.nsave, 3);

    const char *n2[] = {"maxmemory", "MAXMEMORY"};
    const char *v2[] = {"5", "6"};
    assert_int_equal(cfg_set_multi(2, n2, v2, err, sizeof(err)), -1);
    assert_string_equal(
        err, "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - "
             "duplicate parameter");
    /* a name and its alias are the same setting */
    const char *n3[] = {"hash-max-ziplist-entries", "hash-max-listpack-entries"};
    assert_int_equal(cfg_set_multi(2, n3, v2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "duplicate parameter"));
    const char *n4[] = {"maxmemory", "nosuch"};
    assert_int_equal(cfg_set_multi(2, n4, v2, err, sizeof(err)), -1);
    assert_string_equal(
        err, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    const char *n5[] = {"maxmemory", "port"};
    assert_int_equal(cfg_set_multi(2, n5, v2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'port') - can't set immutable config"));
    assert_true(cfg.maxmemory == 0);
    assert_int_equal(cfg_set_multi(0, n5, v2, err, sizeof(err)), -1);

    /* all good: all applied */
    const char *v1ok[] = {"5", "newpass", "1 1", "allkeys-lfu"};
    assert_int_equal(cfg_set_multi(4, n1, v1ok, err, sizeof(err)), 0);
    assert_true(cfg.maxmemory == 5);
    assert_string_equal(cfg.requirepass, "newpass");
    assert_string_equal(get("save"), "1 1");
    assert_int_equal(cfg.maxmemory_policy, MM_ALLKEYS_LFU);
    /* a failing string check rolls back the strings parsed before it */
    const char *n6[] = {"requirepass", "notify-keyspace-events"};
    const char *v6[] = {"other", "bad!"};
    assert_int_equal(cfg_set_multi(2, n6, v6, err, sizeof(err)), -1);
    assert_string_equal(cfg.requirepass, "newpass");
}

static void test_protected(void **state)
{
    (void)state;
    assert_int_equal(set1("dir", "/tmp"), -1);
    assert_int_equal(load_str("enable-protected-configs local\n"), 0);
    assert_int_equal(set1("dir", "/tmp"), -1); /* not local */
    const char *n[] = {"dir"}, *v[] = {tmpdir};
    assert_int_equal(cfg_set_multi_ex(1, n, v, CFG_SET_LOCAL, err, sizeof(err)), 0);
    char *real = realpath(tmpdir, NULL);
    assert_string_equal(cfg.dir, real);
    free(real);
    assert_int_equal(load_str("enable-protected-configs yes\n"), 0);
    assert_int_equal(set1("dbfilename", "x.rdb"), 0);
    assert_int_equal(set1("dbfilename", "a/x.rdb"), -1);
    assert_string_equal(
        err, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - "
             "dbfilename can't be a path, just a filename");
    assert_int_equal(set1("dir", "/nonexistent/kvik"), -1);
    assert_string_equal(err,
                        "ERR CONFIG SET failed (possibly related to argument 'dir') - "
                        "No such file or directory");
    /* relative paths become absolute */
    char *cwd = getcwd(NULL, 0);
    assert_int_equal(chdir(tmpdir), 0);
    mkdir("sub", 0755);
    assert_int_equal(set1("dir", "sub/"), 0);
    assert_int_equal(chdir(cwd), 0);
    assert_true(cfg.dir[0] == '/');
    assert_non_null(strstr(cfg.dir, "/sub"));
    free(cwd);
}

/* Every setting's CONFIG GET value, set back (CONFIG SET for mutable ones, a
 * config line for the rest), gives the same value. Done at the defaults and
 * again after a config that changes many settings. */
static void roundtrip_all(void)
{
    kvlist all = get_all();
    for (int i = 0; i < all.n; i++) {
        const char *name = all.v[i].name, *val = all.v[i].value;
        if (set1(name, val) != 0) {
            if (!strstr(err, "immutable") && !strstr(err, "protected"))
                fail_msg("CONFIG SET %s '%s' refused: %s", name, val, err);
            /* immutable: through a config line with the value quoted */
            char line[2048];
            int multi = !strcmp(name, "bind") || !strcmp(name, "save") ||
                        !strcmp(name, "client-output-buffer-limit");
            snprintf(line, sizeof(line), multi ? "%s %s\n" : "%s \"%s\"\n", name, val);
            if (load_str(line) != 0) fail_msg("config line '%s' refused: %s", line, err);
        }
        const char *now = get(name);
        if (strcmp(now, val) != 0)
            fail_msg("%s: was '%s', after set '%s'", name, val, now);
    }
    /* and nothing else moved */
    kvlist after = get_all();
    assert_int_equal(after.n, all.n);
    for (int i = 0; i < all.n; i++) {
        assert_string_equal(after.v[i].name, all.v[i].name);
        assert_string_equal(after.v[i].value, all.v[i].value);
    }
    kvlist_free(&after);
    kvlist_free(&all);
}

static void test_roundtrip_every_setting(void **state)
{
    (void)state;
    roundtrip_all();
    char text[1024];
    snprintf(
        text, sizeof(text),
        "bind 127.0.0.1 -::1 10.0.0.1\nport 0\nthreads 3\nsave 10 20\nmaxmemory 3gb\n"
        "maxmemory-policy volatile-ttl\nrequirepass \"p\\\"q w\"\ndir %s\n"
        "client-output-buffer-limit normal 1 2 3\nnotify-keyspace-events Ex\n"
        "loglevel debug\nlog-rotation daily\nappendfsync no\ndaemonize yes\n"
        "list-max-listpack-size 7\nslowlog-log-slower-than -1\ntls-auth-clients no\n"
        "pidfile /run/kvik.pid\nhz 1\nlogfile \"a b\"\nenable-protected-configs yes\n",
        tmpdir);
    assert_int_equal(load_str(text), 0);
    roundtrip_all();
}

/* A string read before CONFIG SET replaces it stays valid (ASan checks). */
static void test_retired_strings(void **state)
{
    (void)state;
    assert_int_equal(set1("requirepass", "first"), 0);
    const char *old = cfg.requirepass;
    const char *oldbind = cfg.bind[0];
    assert_int_equal(set1("requirepass", "second"), 0);
    assert_int_equal(load_str("bind 127.0.0.1\n"), 0);
    assert_string_equal(old, "first");
    assert_string_equal(oldbind, "*");
    assert_string_equal(cfg.requirepass, "second");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(set1("requirepass", i % 2 ? "x" : "y"), 0);
    assert_string_equal(old, "first");
}

/* ---- CONFIG REWRITE ---- */

static void test_rewrite(void **state)
{
    (void)state;
    assert_int_equal(cfg_rewrite(err, sizeof(err)), -1);
    assert_string_equal(err, "ERR The server is running without a config file");

    const char *p;
    p = write_tmp("rw.conf", "# top comment\n"
                             "port 16392\n"
                             "save \"\"\n"
                             "hz 20   \n"
                             "# mid comment\n"
                             "maxmemory 1gb\n"
                             "maxmemory 2gb\n"
                             "client-output-buffer-limit normal 0 0 0\n"
                             "hash-max-ziplist-entries 100\n"
                             "bind 127.0.0.1\n"
                             "loglevel notice\n");
    assert_int_equal(cfg_load_file(p, err, sizeof(err)), 0);
    struct stat st;
    chmod(p, 0640);
    assert_int_equal(set1("hz", "10"), 0);
    assert_int_equal(set1("maxmemory", "3mb"), 0);
    assert_int_equal(set1("timeout", "5"), 0);
    assert_int_equal(set1("save", "100 1"), 0);
    assert_int_equal(set1("client-output-buffer-limit", "pubsub 1 2 3"), 0);
    assert_int_equal(set1("requirepass", "se\"cret"), 0);
    assert_int_equal(set1("notify-keyspace-events", "KA"), 0);
    assert_int_equal(cfg_rewrite(err, sizeof(err)), 0);
    const char *want = "# top comment\n"
                       "port 16392\n"
                       "save 100 1\n"
                       "hz 10\n"
                       "# mid comment\n"
                       "maxmemory 3mb\n"
                       "client-output-buffer-limit normal 0 0 0\n"
                       "client-output-buffer-limit replica 256mb 64mb 60\n"
                       "client-output-buffer-limit pubsub 1 2 3\n"
                       "hash-max-listpack-entries 100\n"
                       "bind 127.0.0.1\n"
                       "loglevel notice\n"
                       "\n"
                       "# Generated by CONFIG REWRITE\n"
                       "timeout 5\n"
                       "requirepass \"se\\\"cret\"\n"
                       "notify-keyspace-events \"AK\"\n";
    assert_string_equal(read_all(p), want);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640); /* mode kept */

    /* idempotent, and the file loads back to the same values */
    assert_int_equal(cfg_rewrite(err, sizeof(err)), 0);
    assert_string_equal(read_all(p), want);
    kvlist before = get_all();
    cfg_defaults();
    assert_int_equal(cfg_load_file(p, err, sizeof(err)), 0);
    kvlist after = get_all();
    assert_int_equal(before.n, after.n);
    for (int i = 0; i < before.n; i++)
        assert_string_equal(before.v[i].value, after.v[i].value);
    kvlist_free(&before);
    kvlist_free(&after);

    /* a second change appends under the existing signature */
    assert_int_equal(set1("maxclients", "77"), 0);
    assert_int_equal(cfg_rewrite(err, sizeof(err)), 0);
    const char *got = read_all(p);
    assert_non_null(strstr(got, "notify-keyspace-events \"AK\"\nmaxclients 77\n"));
    assert_null(strstr(strstr(got, "# Generated") + 1, "# Generated"));
    /* no temp files left behind */
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s.rewrite-%d.tmp", p, (int)getpid());
    assert_int_not_equal(access(tmp, F_OK), 0);
}

static void test_rewrite_missing_file(void **state)
{
    (void)state;
    const char *p = write_tmp("gone.conf", "port 1234\n");
    assert_int_equal(cfg_load_file(p, err, sizeof(err)), 0);
    unlink(p);
    assert_int_equal(cfg_rewrite(err, sizeof(err)), 0);
    assert_string_equal(read_all(p), "# Generated by CONFIG REWRITE\nport 1234\n");
}

/* ---- help and generated config ---- */

static void test_help_and_gen(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cfg_print_help(f);
    fclose(f);
    kvlist all = get_all();
    for (int i = 0; i < all.n; i++) {
        char needle[128];
        snprintf(needle, sizeof(needle), "--%s  (", all.v[i].name);
        if (!strstr(text, needle) && !strstr(text, all.v[i].name))
            fail_msg("help lacks %s", all.v[i].name);
    }
    assert_non_null(strstr(text, "Network:"));
    assert_non_null(strstr(
        text,
        "--threads  (integer 1..128; default: number of online CPUs [start only])"));
    free(text);

    /* the generated file names every setting and loads back to the defaults */
    text = NULL;
    f = open_memstream(&text, &len);
    cfg_gen(f);
    fclose(f);
    for (int i = 0; i < all.n; i++) {
        char needle[128];
        snprintf(needle, sizeof(needle), "\n%s ", all.v[i].name);
        char commented[128];
        snprintf(commented, sizeof(commented), "\n# %s ", all.v[i].name);
        if (!strstr(text, needle) && !strstr(text, commented)) {
            /* aliases are not written; their setting is */
            if (!strstr(all.v[i].name, "ziplist"))
                fail_msg("generated config lacks %s", all.v[i].name);
        }
    }
    assert_int_equal(load_str("port 1\nsave 1 1\nrequirepass x\nmaxmemory 1\n"), 0);
    assert_int_equal(cfg_load_string(text, len, err, sizeof(err)), 0);
    kvlist after = get_all();
    cfg_defaults();
    kvlist defaults = get_all();
    /* Every setting at its default, but bind: generated files listen on
     * loopback only. */
    for (int i = 0; i < defaults.n; i++) {
        assert_string_equal(after.v[i].name, defaults.v[i].name);
        if (!strcmp(after.v[i].name, "bind"))
            assert_string_equal(after.v[i].value, "127.0.0.1 -::1");
        else
            assert_string_equal(after.v[i].value, defaults.v[i].value);
    }
    kvlist_free(&after);
    kvlist_free(&defaults);
    kvlist_free(&all);
    free(text);
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/kvik-test-config-XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_parsing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_load_and_include, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multi_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_every_setting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retired_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_and_gen, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) rc = rc ? rc : 1;
    return rc;
}
