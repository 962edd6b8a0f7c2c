/* fuzz/fuzz_packed.c — libFuzzer target for persist/packed.
 *
 * The first input byte picks the reader; the rest is the blob:
 *
 *   byte0 & 3   reader            byte0 & 4: before reading, patch the header's
 *   0           listpack          total size to the blob's size (listpack,
 *   1           ziplist           ziplist), so that mutations explore the
 *   2           intset            entries instead of dying at the first check
 *   3           zipmap
 *
 * For every blob: no crash or over-read (the blob ends where the input does, or
 * in an exact-size copy); the reported count equals the number of callbacks; a
 * callback that stops early stops the walk with its value. For every accepted
 * blob, its entries go through the listpack writer and the result must be
 * accepted by the listpack reader with the same entries (strings that are
 * canonical integers compare equal to those integers, as the writer stores
 * them so); writing that listpack's entries again must give the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "persist/packed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "fuzz_packed: check failed: %s (line %d)\n", #c, __LINE__);  \
            abort();                                                                     \
        }                                                                                \
    } while (0)

typedef int reader_fn(const void *, size_t, pk_fn *, void *, size_t *);

static reader_fn *const readers[] = {pk_listpack_each, pk_ziplist_each, pk_intset_each,
                                     pk_zipmap_each};

/* Entries as values: an integer, or a string that is not a canonical integer. */
typedef struct val {
    int is_int;
    long long v;
    const char *p;
    size_t len;
} val;

typedef struct list {
    val *v;
    size_t n, cap;
    size_t stop_at; /* 1-based entry at which to return 5; 0 = never */
} list;

static val normal(const pk_entry *e)
{
    val x = {e->is_int, e->v, e->p, e->len};
    long long v;
    if (!e->is_int && util_str2ll(e->p, e->len, &v)) x = (val){1, v, NULL, 0};
    return x;
}

static int collect(void *priv, const pk_entry *e)
{
    list *l = priv;
    CHECK(e->is_int ? e->p == NULL && e->len == 0 : (e->p != NULL || e->len == 0));
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof(val));
        CHECK(l->v);
    }
    l->v[l->n++] = normal(e);
    return l->stop_at && l->n == l->stop_at ? 5 : 0;
}

static int same(const val *a, const val *b)
{
    if (a->is_int != b->is_int) return 0;
    if (a->is_int) return a->v == b->v;
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static void write_all(buf *b, const list *l)
{
    pk_lp_begin(b);
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].is_int)
            pk_lp_add_int(b, l->v[i].v);
        else
            pk_lp_add_str(b, l->v[i].p, l->v[i].len);
    }
    CHECK(pk_lp_finish(b) == 0);
}

/* The entries of an accepted blob survive the listpack writer and reader. */
static void check_rewrite(const list *l)
{
    buf b = BUF_INIT, b2 = BUF_INIT;
    write_all(&b, l);
    list back = {0};
    size_t count = 0;
    CHECK(pk_listpack_each(b.p, b.len, collect, &back, &count) == 0);
    CHECK(count == l->n && back.n == l->n);
    for (size_t i = 0; i < l->n; i++)
        CHECK(same(&back.v[i], &l->v[i]));
    write_all(&b2, &back); /* the writer's output is canonical */
    CHECK(b2.len == b.len && memcmp(b2.p, b.p, b.len) == 0);
    free(back.v);
    buf_free(&b);
    buf_free(&b2);
}

static void patch_header(uint8_t *p, size_t len, unsigned which)
{
    if (which > 1 || len < 4) return;
    uint32_t n = (uint32_t)len;
    for (int i = 0; i < 4; i++, n >>= 8)
        p[i] = (uint8_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned which = data[0] & 3;
    const uint8_t *blob = data + 1;
    size_t len = size - 1;
    uint8_t *copy = NULL;
    if (data[0] & 4) {
        copy = malloc(len ? len : 1);
        CHECK(copy);
        if (len) memcpy(copy, blob, len);
        patch_header(copy, len, which);
        blob = copy;
    }
    reader_fn *rd = readers[which];
    list l = {0};
    size_t count = (size_t)-7;
    int r = rd(blob, len, collect, &l, &count);
    CHECK(r == 0 || r == -1);
    if (r == -1) {
        CHECK(l.n == 0 && count == (size_t)-7);
    } else {
        CHECK(count == l.n);
        check_rewrite(&l);
        if (l.n) { /* stopping early */
            list part = {.stop_at = l.n / 2 + 1};
            size_t c2 = 0;
            CHECK(rd(blob, len, collect, &part, &c2) == 5);
            CHECK(part.n == part.stop_at && c2 == l.n);
            for (size_t i = 0; i < part.n; i++)
                CHECK(same(&part.v[i], &l.v[i]));
            free(part.v);
        }
    }
    free(l.v);
    free(copy);
    return 0;
}
