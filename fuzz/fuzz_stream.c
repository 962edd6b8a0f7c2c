/* fuzz/fuzz_stream.c — libFuzzer target for types/stream.
 *
 * The input is a program run against a stream and a plain array model (ID +
 * live flag); after every operation the stream's length and a forward and a
 * backward walk are compared with the model. Chunk limits come from the first
 * byte, so chunks of 1..8 entries are common. Any mismatch aborts.
 *
 *   op % 8   operation         arguments
 *   0, 1     append            ID step byte, value length byte
 *   2        delete            index byte
 *   3        trim MAXLEN       length byte, approx bit in the op
 *   4        trim MINID        index byte, approx bit in the op
 *   5        range both ways   index byte, index byte
 *   6        parse an ID       length byte, then the text
 *   7        dup and swap      -
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/ks.h"
#include "types/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* types/stream.c registers itself with the keyspace; not linked here. */
void ks_register_type(int type, const ks_value_type *vt)
{
    (void)type;
    (void)vt;
}

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "fuzz_stream: check failed: %s (line %d)\n", #c, __LINE__);  \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define MAXN 4096

typedef struct model {
    stream_id id[MAXN];
    uint8_t live[MAXN];
    size_t n, nlive;
} model;

static model m;

static void check_walk(stream *s, stream_id lo, stream_id hi, int rev)
{
    stream_iter it;
    stream_iter_init(&it, s, lo, hi, rev);
    size_t k = rev ? m.n : 0;
    for (;;) {
        size_t found = (size_t)-1;
        while (rev ? k > 0 : k < m.n) {
            size_t i = rev ? --k : k++;
            if (m.live[i] && stream_id_cmp(m.id[i], lo) >= 0 && stream_id_cmp(m.id[i], hi) <= 0) {
                found = i;
                break;
            }
        }
        stream_id id;
        uint64_t np;
        int got = stream_iter_next(&it, &id, &np);
        if (found == (size_t)-1) {
            CHECK(!got);
            break;
        }
        CHECK(got);
        CHECK(stream_id_cmp(id, m.id[found]) == 0);
        CHECK(np == 1 + (found % 2));
        for (uint64_t j = 0; j < np; j++) {
            slice f, v;
            stream_iter_pair(&it, &f, &v);
            CHECK(f.len == 1 && f.p[0] == (char)('a' + j));
            CHECK(v.len == found % 37);
        }
    }
    stream_iter_done(&it);
}

static void check_all(stream *s)
{
    CHECK(stream_len(s) == m.nlive);
    check_walk(s, STREAM_ID_MIN, STREAM_ID_MAX, 0);
    check_walk(s, STREAM_ID_MIN, STREAM_ID_MAX, 1);
}

static void trim_model(uint64_t removed)
{
    for (size_t i = 0; i < m.n && removed; i++)
        if (m.live[i]) {
            m.live[i] = 0;
            m.nlive--;
            removed--;
        }
    CHECK(removed == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    memset(&m, 0, sizeof(m));
    stream_limits lim = {.max_entries = 1 + data[0] % 8, .max_bytes = data[0] & 0x80 ? 64 : 0};
    stream *s = stream_new();
    static const char zeros[64];
    size_t p = 1;
#define NEXT() (p < size ? data[p++] : 0)
    while (p < size) {
        uint8_t op = NEXT();
        switch (op % 8) {
        case 0:
        case 1: {
            if (m.n == MAXN) break;
            uint8_t step = NEXT();
            stream_id id = m.n ? m.id[m.n - 1] : STREAM_ID_MIN;
            if (step & 0x80) {
                id.ms += 1 + (step & 0x7f);
                id.seq = (step & 3) ? UINT64_MAX - step : 0;
            }
            if (!stream_id_incr(&id)) break;
            size_t np = 1 + (m.n % 2);
            slice fv[4] = {SLICE_LIT("a"), slice_of(zeros, m.n % 37), SLICE_LIT("b"),
                           slice_of(zeros, m.n % 37)};
            stream_append(s, id, fv, np, &lim);
            m.id[m.n] = id;
            m.live[m.n] = 1;
            m.n++;
            m.nlive++;
            break;
        }
        case 2: {
            if (!m.n) break;
            size_t i = NEXT() % m.n;
            CHECK(stream_delete(s, m.id[i]) == m.live[i]);
            if (m.live[i]) m.nlive--;
            m.live[i] = 0;
            break;
        }
        case 3: {
            stream_trim_args a = {.maxlen = NEXT(), .approx = (op >> 3) & 1};
            uint64_t want = m.nlive > a.maxlen ? m.nlive - a.maxlen : 0;
            uint64_t got = stream_trim(s, &a);
            if (a.approx)
                CHECK(got <= want);
            else
                CHECK(got == want);
            trim_model(got);
            break;
        }
        case 4: {
            if (!m.n) break;
            stream_trim_args a = {.by_minid = 1, .minid = m.id[NEXT() % m.n],
                                  .approx = (op >> 3) & 1};
            uint64_t want = 0;
            for (size_t i = 0; i < m.n; i++)
                want += m.live[i] && stream_id_cmp(m.id[i], a.minid) < 0;
            uint64_t got = stream_trim(s, &a);
            if (a.approx)
                CHECK(got <= want);
            else
                CHECK(got == want);
            trim_model(got);
            break;
        }
        case 5: {
            if (!m.n) break;
            stream_id lo = m.id[NEXT() % m.n], hi = m.id[NEXT() % m.n];
            check_walk(s, lo, hi, 0);
            check_walk(s, lo, hi, 1);
            break;
        }
        case 6: {
            size_t len = NEXT();
            if (len > size - p) len = size - p;
            stream_id id;
            int star;
            if (stream_id_parse((const char *)data + p, len, 0, 1, &id, &star) == 0) {
                char buf[STREAM_ID_STR];
                int n = stream_id_fmt(buf, id);
                stream_id back;
                CHECK(stream_id_parse(buf, (size_t)n, 7, 0, &back, NULL) == 0);
                CHECK(stream_id_cmp(back, id) == 0);
            }
            p += len;
            break;
        }
        case 7: {
            stream *d = stream_dup(s);
            stream_free(s);
            s = d;
            break;
        }
        }
        check_all(s);
    }
    stream_free(s);
    return 0;
}
