/* tests/unit/test_namespace.c — server/namespace: binding clients (the hook
 * the ACL code calls), database ranges, quotas, deletion, and the RDB aux
 * field that names namespaces in a snapshot.
 *
 * A keyspace of 4 databases per namespace with room for 2 namespaces besides
 * the default one; clients are bare structs (nothing here needs a worker).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/mem.h"
#include "db/ks.h"
#include "server/namespace.h"

#define NDB 4

static int setup(void **state)
{
    (void)state;
    static int done;
    if (done) return 0;
    done = 1;
    ks_conf.db_slots = ns_db_slots(NDB, 2);
    ks_init(NDB, 0);
    ns_init();
    return 0;
}

static client *new_client(void)
{
    client *c = mem_calloc(sizeof(client));
    c->db = ks_db_at(0);
    c->conn = (conn *)(void *)c; /* a connected client (never used here) */
    return c;
}

static void test_slots(void **state)
{
    (void)state;
    assert_int_equal(ns_db_slots(16, 64), 16 * 65);
    assert_int_equal(ns_db_slots(16, 5000), 16 * (1 + NS_MAX));
    assert_int_equal(ns_db_slots(1 << 20, 3), 1 << 20); /* no room: none */
    assert_int_equal(ns_db_slots(4, 0), 4);
}

static void test_bind(void **state)
{
    (void)state;
    client *c = new_client();
    const char *err = NULL;
    assert_int_equal(ns_bind(c, "acme", &err), 0);
    assert_true(c->flags & CL_NS_BOUND);
    int first = ns_first_db(c);
    assert_true(first >= NDB && first % NDB == 0);
    assert_int_equal(ks_db_id(c->db), first);
    assert_int_equal(c->dbid, 0);
    assert_ptr_equal(ns_db(c, 3), ks_db_at(first + 3));
    assert_null(ns_db(c, NDB));
    assert_int_equal(ns_db_index(ns_db(c, 2)), 2);
    char name[NS_NAME_MAX + 1];
    assert_int_equal(ns_name_of(ns_of_db(c->db), name, sizeof(name)), 0);
    assert_string_equal(name, "acme");

    /* a second client shares it; the default one is "" or "default" */
    client *d = new_client();
    assert_int_equal(ns_bind(d, "acme", &err), 0);
    assert_ptr_equal(d->db, c->db);
    ns_info in;
    assert_int_equal(ns_get_info(ns_of_db(c->db), &in), 0);
    assert_int_equal(in.clients, 2);
    assert_int_equal(ns_bind(d, "default", &err), 0);
    assert_false(d->flags & CL_NS_BOUND);
    assert_int_equal(ks_db_id(d->db), 0);
    assert_int_equal(ns_bind(d, "", &err), 0);
    assert_int_equal(ns_get_info(ns_of_db(c->db), &in), 0);
    assert_int_equal(in.clients, 1);

    /* binding again to the same one counts the client once */
    assert_int_equal(ns_bind(c, "acme", &err), 0);
    assert_int_equal(ns_get_info(ns_of_db(c->db), &in), 0);
    assert_int_equal(in.clients, 1);

    /* invalid names, too many namespaces */
    assert_int_equal(ns_bind(d, "no spaces", &err), -1);
    assert_non_null(strstr(err, "invalid namespace name"));
    assert_int_equal(ns_bind(d, "b2", &err), 0);
    client *e = new_client();
    assert_int_equal(ns_bind(e, "b3", &err), -1);
    assert_non_null(strstr(err, "too many namespaces"));
    assert_int_equal(ks_db_id(e->db), 0); /* unchanged */

    /* deleting: refused while clients are in it, then the number is free */
    int b2 = ns_lookup("b2", 2);
    assert_true(b2 > 0);
    assert_int_equal(ns_delete(b2, &err), -1);
    assert_non_null(strstr(err, "connected client"));
    ns_client_gone(d);
    assert_int_equal(ns_delete(b2, &err), 0);
    assert_int_equal(ns_lookup("b2", 2), -1);
    assert_int_equal(ns_bind(e, "b3", &err), 0);
    ns_client_gone(c);
    ns_client_gone(e);
    mem_free(c);
    mem_free(d);
    mem_free(e);
}

static void test_quota(void **state)
{
    (void)state;
    client *c = new_client();
    const char *err;
    assert_int_equal(ns_bind(c, "acme", &err), 0);
    int n = ns_of_db(c->db);
    assert_null(ns_check_quota(c));
    ns_set_quota(n, 2, -1);
    ks_set_str(c->db, slice_of("a", 1), slice_of("1", 1), 0);
    assert_null(ns_check_quota(c));
    ks_set_str(ns_db(c, 1), slice_of("b", 1), slice_of("1", 1), 0);
    const char *q = ns_check_quota(c);
    assert_non_null(q);
    assert_string_equal(q, "OOM namespace 'acme' reached its maxkeys quota (2)");
    /* the default namespace has none; the AOF replay is never refused */
    client *d = new_client();
    assert_null(ns_check_quota(d));
    d->db = c->db;
    d->conn = NULL;
    assert_null(ns_check_quota(d));
    d->db = ks_db_at(0);
    ns_set_quota(n, 0, -1);
    assert_null(ns_check_quota(c));
    ks_flush_range(ns_first_db(c), NDB, 0);
    ns_client_gone(c);
    mem_free(c);
    mem_free(d);
}

static void test_rdb_aux(void **state)
{
    (void)state;
    client *c = new_client();
    const char *err;
    assert_int_equal(ns_bind(c, "acme", &err), 0);
    int n = ns_of_db(c->db);
    ns_set_quota(n, 10, 4096);
    buf v = BUF_INIT;
    assert_int_equal(ns_rdb_aux(&v), 1);
    char want[64];
    snprintf(want, sizeof(want), "%d %d:10:4096:acme", NDB, n);
    assert_true(v.len >= strlen(want) && memcmp(v.p, want, strlen(want)) == 0);
    /* a plain file: database ids as they are */
    ns_rdb_load_begin();
    assert_int_equal(ns_rdb_db(3, 0), 3);
    assert_int_equal(ns_rdb_db(NDB, 0), -1);
    /* a file of 2 databases per namespace whose namespace 5 is acme */
    ns_rdb_load_begin();
    assert_int_equal(ns_rdb_load_aux(slice_of("2 5:7:0:acme", 12), 0, &err), 0);
    assert_int_equal(ns_rdb_db(1, 0), 1);
    assert_int_equal(ns_rdb_db(11, 0), n * NDB + 1);
    assert_int_equal(ns_rdb_db(12, 0), -1); /* namespace 6: not in the file */
    ns_info in;
    assert_int_equal(ns_get_info(n, &in), 0);
    assert_int_equal(in.maxkeys, 7);
    assert_int_equal(in.maxmemory, 0);
    /* malformed fields */
    ns_rdb_load_begin();
    assert_int_equal(ns_rdb_load_aux(slice_of("x", 1), 0, &err), -1);
    assert_int_equal(ns_rdb_load_aux(slice_of("4 1:1:1:bad name", 16), 0, &err), -1);
    assert_int_equal(ns_rdb_load_aux(slice_of("4 0:1:1:zero", 12), 0, &err), -1);
    assert_int_equal(ns_rdb_load_aux(slice_of("4 1:1:1:default", 15), 0, &err), -1);
    buf_free(&v);
    ns_set_quota(n, 0, 0);
    ns_client_gone(c);
    mem_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_bind),
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_rdb_aux),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
