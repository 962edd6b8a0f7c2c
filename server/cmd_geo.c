/* server/cmd_geo.c — the geo commands: members of a sorted set whose score is
 * a 52-bit interleaved geohash (26 bits of longitude over -180..180, 26 bits
 * of latitude over the Web Mercator range), as Redis documents the encoding.
 *
 * A search picks a geohash precision from the radius, ranges over the cell
 * holding the centre and its 8 neighbours (9 score intervals), and keeps the
 * members whose exact haversine distance (or box test) matches. Distances are
 * replied as "%.4f" bulk strings, coordinates as long doubles in the
 * human-friendly "%.17Lf" form (RESP3 doubles), as Redis 7.0 does.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/cmdtab.h"
#include "server/notify.h"
#include "server/config.h"
#include "server/server.h"
#include "server/type_limits.h"
#include "types/zset.h"

/* ---------------------------------------------------------------- math */

#define LON_MIN (-180.0)
#define LON_MAX 180.0
#define LAT_MIN (-85.05112878)
#define LAT_MAX 85.05112878
#define STEP_MAX 26
#define EARTH_R 6372797.560856
#define MERC_MAX 20037726.37
#define D2R (M_PI / 180.0)

/* Spreads the 32 bits of x over the even bits of a 64-bit word. */
static uint64_t spread(uint32_t x)
{
    uint64_t v = x;
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v << 2)) & 0x3333333333333333ull;
    v = (v | (v << 1)) & 0x5555555555555555ull;
    return v;
}

/* Gathers the even bits of v. */
static uint32_t squash(uint64_t v)
{
    v &= 0x5555555555555555ull;
    v = (v | (v >> 1)) & 0x3333333333333333ull;
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FFull;
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFFull;
    v = (v | (v >> 16)) & 0x00000000FFFFFFFFull;
    return (uint32_t)v;
}

/* The cell number of v in [lo, hi] at `step` bits. */
static uint32_t quantize(double v, double lo, double hi, int step)
{
    double off = (v - lo) / (hi - lo) * (double)(1ull << step);
    return (uint32_t)off;
}

/* Geohash of (lon, lat) at `step` bits per axis: longitude in the odd bits. */
static uint64_t gh_encode(double lon, double lat, double lat_lo, double lat_hi, int step)
{
    uint32_t ilat = quantize(lat, lat_lo, lat_hi, step);
    uint32_t ilon = quantize(lon, LON_MIN, LON_MAX, step);
    return spread(ilat) | (spread(ilon) << 1);
}

typedef struct area {
    double lon_min, lon_max, lat_min, lat_max;
} area;

static area gh_area(uint64_t h, int step)
{
    uint32_t ilat = squash(h), ilon = squash(h >> 1);
    double n = (double)(1ull << step), ls = LAT_MAX - LAT_MIN, os = LON_MAX - LON_MIN;
    area a;
    a.lat_min = LAT_MIN + (ilat * 1.0 / n) * ls;
    a.lat_max = LAT_MIN + ((ilat + 1) * 1.0 / n) * ls;
    a.lon_min = LON_MIN + (ilon * 1.0 / n) * os;
    a.lon_max = LON_MIN + ((ilon + 1) * 1.0 / n) * os;
    return a;
}

/* The centre of a full-precision cell (score). */
static void gh_decode(double score, double *lon, double *lat)
{
    area a = gh_area((uint64_t)score, STEP_MAX);
    double x = (a.lon_min + a.lon_max) / 2, y = (a.lat_min + a.lat_max) / 2;
    if (x > LON_MAX) x = LON_MAX;
    if (x < LON_MIN) x = LON_MIN;
    if (y > LAT_MAX) y = LAT_MAX;
    if (y < LAT_MIN) y = LAT_MIN;
    *lon = x;
    *lat = y;
}

static double lat_distance(double lat1, double lat2)
{
    return EARTH_R * fabs(lat2 * D2R - lat1 * D2R);
}

static double distance(double lon1, double lat1, double lon2, double lat2)
{
    double lat1r = lat1 * D2R, lat2r = lat2 * D2R;
    double v = sin((lon2 * D2R - lon1 * D2R) / 2);
    if (v == 0.0) return lat_distance(lat1, lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * EARTH_R * asin(sqrt(a));
}

/* Precision (bits per axis) whose cells are about as large as the radius. */
static int steps_for_radius(double r, double lat)
{
    if (r == 0) return STEP_MAX;
    int step = 1;
    while (r < MERC_MAX) {
        r *= 2;
        step++;
    }
    step -= 2;
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > STEP_MAX) step = STEP_MAX;
    return step;
}

/* ---------------------------------------------------------------- helpers */

static int lookup_zset(client *c, slice key, int flags, kentry **ep, zset **zp)
{
    kentry *e;
    if (!lookup_typed(c, key, flags, OBJ_ZSET, &e)) return 0;
    if (ep) *ep = e;
    *zp = e ? ke_ptr(e) : NULL;
    return 1;
}

/* Parses a longitude, latitude pair at argv[i], argv[i+1]. */
static int parse_lonlat(client *c, int i, double *lon, double *lat)
{
    if (arg_double(c, c->argv[i], lon) < 0 || arg_double(c, c->argv[i + 1], lat) < 0)
        return -1;
    if (*lon < LON_MIN || *lon > LON_MAX || *lat < LAT_MIN || *lat > LAT_MAX) {
        reply_errorf(c, "ERR invalid longitude,latitude pair %f,%f", *lon, *lat);
        return -1;
    }
    return 0;
}

/* Parses a radius, width or height: "need numeric <what>" on error. */
static int parse_num(client *c, slice s, const char *what, double *out)
{
    if (!util_str2d(s.p, s.len, out) || isnan(*out)) {
        reply_errorf(c, "ERR need numeric %s", what);
        return -1;
    }
    return 0;
}

/* Meters per unit, or -1 after replying the error. */
static double parse_unit(client *c, slice u)
{
    if (slice_is(u, "m")) return 1;
    if (slice_is(u, "km")) return 1000;
    if (slice_is(u, "ft")) return 0.3048;
    if (slice_is(u, "mi")) return 1609.34;
    reply_error(c, "ERR unsupported unit provided. please use M, KM, FT, MI");
    return -1;
}

static void reply_dist(client *c, double d)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof(tmp), "%.4f", d);
    reply_bulk(c, tmp, (size_t)n);
}

/* A coordinate as Redis replies it: the long double "%.17Lf" form with trailing
 * zeros dropped, a bulk string in RESP2 and a double (same text) in RESP3. */
static void reply_coord(client *c, double v)
{
    char tmp[160];
    int n = util_ld2str(tmp, 128, (long double)v);
    reply_double_text(c, tmp, (size_t)n);
}

static void reply_pos(client *c, double score)
{
    double lon, lat;
    gh_decode(score, &lon, &lat);
    reply_array(c, 2);
    reply_coord(c, lon);
    reply_coord(c, lat);
}

/* ---------------------------------------------------------------- GEOADD */

static void geoadd_cmd(client *c)
{
    int nx = 0, xx = 0, ch = 0, i = 2;
    for (; i < c->argc; i++) {
        if (slice_is(c->argv[i], "NX"))
            nx = 1;
        else if (slice_is(c->argv[i], "XX"))
            xx = 1;
        else if (slice_is(c->argv[i], "CH"))
            ch = 1;
        else
            break;
    }
    int rest = c->argc - i;
    if (rest % 3 || rest == 0) {
        reply_err_syntax(c);
        return;
    }
    if (nx && xx) {
        reply_err_syntax(c);
        return;
    }
    int n = rest / 3;
    double *scores = mem_alloc(sizeof(double) * (size_t)n);
    for (int k = 0; k < n; k++) {
        double lon, lat;
        if (parse_lonlat(c, i + 3 * k, &lon, &lat) < 0) goto done;
        scores[k] = (double)gh_encode(lon, lat, LAT_MIN, LAT_MAX, STEP_MAX);
    }
    kentry *e;
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_WRITE, &e, &z)) goto done;
    if (!z && xx) {
        reply_int(c, 0);
        goto done;
    }
    int created = !z;
    if (!z) z = zset_new();
    zset_limits lim = cfg_zset_limits();
    long long added = 0, changed = 0;
    for (int k = 0; k < n; k++) {
        slice m = c->argv[i + 3 * k + 2];
        double cur;
        if (zset_score(z, m, &cur)) {
            if (nx || cur == scores[k]) continue;
            zset_set(z, m, scores[k], &lim);
            changed++;
        } else {
            if (xx) continue;
            zset_set(z, m, scores[k], &lim);
            added++;
        }
    }
    if (created && zset_size(z))
        ks_add(c->db, c->argv[1], OBJ_ZSET, zset_encoding(z), z);
    else if (created)
        zset_free(z);
    else if (ke_enc(e) != zset_encoding(z))
        ke_set_enc(e, zset_encoding(z));
    if (added || changed) {
        key_modified(c->db, c->argv[1]);
        notify_event(NOTIFY_ZSET, "zadd", c->db, c->argv[1]);
    }
    reply_int(c, ch ? added + changed : added);
done:
    mem_free(scores);
}

/* ---------------------------------------------------------------- lookups */

static void geodist_cmd(client *c)
{
    double to_m = 1;
    if (c->argc == 5) {
        if ((to_m = parse_unit(c, c->argv[4])) < 0) return;
    } else if (c->argc > 5) {
        reply_err_syntax(c);
        return;
    }
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
    double s1, s2;
    if (!z || !zset_score(z, c->argv[2], &s1) || !zset_score(z, c->argv[3], &s2)) {
        reply_null(c);
        return;
    }
    double x1, y1, x2, y2;
    gh_decode(s1, &x1, &y1);
    gh_decode(s2, &x2, &y2);
    reply_dist(c, distance(x1, y1, x2, y2) / to_m);
}

static void geopos_cmd(client *c)
{
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
    reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        double s;
        if (z && zset_score(z, c->argv[i], &s))
            reply_pos(c, s);
        else
            reply_null_array(c);
    }
}

static void geohash_cmd(client *c)
{
    static const char b32[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    zset *z;
    if (!lookup_zset(c, c->argv[1], KS_READ, NULL, &z)) return;
    reply_array(c, (size_t)(c->argc - 2));
    for (int i = 2; i < c->argc; i++) {
        double s;
        if (!z || !zset_score(z, c->argv[i], &s)) {
            reply_null(c);
            continue;
        }
        double lon, lat;
        gh_decode(s, &lon, &lat);
        uint64_t h = gh_encode(lon, lat, -90.0, 90.0, STEP_MAX);
        char out[11];
        for (int k = 0; k < 11; k++) {
            int idx = k == 10 ? 0 : (int)((h >> (52 - (k + 1) * 5)) & 0x1f);
            out[k] = b32[idx];
        }
        reply_bulk(c, out, 11);
    }
}

/* ---------------------------------------------------------------- search */

enum { SORT_NONE, SORT_ASC, SORT_DESC };
enum { F_RADIUS = 1, F_BYMEMBER = 2, F_SEARCH = 4, F_STORE = 8, F_RO = 16 };

typedef struct hit {
    size_t off, len; /* the member's bytes in query.names */
    double score, dist;
} hit;

typedef struct query {
    double lon, lat;
    int box;
    double radius, width, height; /* meters */
    hit *v;
    size_t n, cap;
    buf names; /* copies of the hits' members (an iterator's slice may not
                  outlive the next step) */
} query;

static slice hit_member(const query *q, size_t k)
{
    if (!q->v[k].len) return slice_of("", 0);
    return slice_of(q->names.p + q->v[k].off, q->v[k].len);
}

static int hit_asc(const void *a, const void *b)
{
    double x = ((const hit *)a)->dist, y = ((const hit *)b)->dist;
    return x < y ? -1 : x > y;
}

static int hit_desc(const void *a, const void *b)
{
    return hit_asc(b, a);
}

/* 1 and *d if (lon, lat) matches the query's shape. */
static int q_match(const query *q, double lon, double lat, double *d)
{
    if (!q->box) {
        *d = distance(q->lon, q->lat, lon, lat);
        return *d <= q->radius;
    }
    if (lat_distance(q->lat, lat) > q->height / 2) return 0;
    if (distance(q->lon, lat, lon, lat) > q->width / 2) return 0;
    *d = distance(q->lon, q->lat, lon, lat);
    return 1;
}

typedef struct pred_ctx {
    double v;
} pred_ctx;

static int score_before(void *ctx, slice m, double score)
{
    (void)m;
    return score < ((pred_ctx *)ctx)->v;
}

/* Collects members with scores in [lo, hi) that match. Stops at `limit`
 * matches when limit > 0 (COUNT ANY). */
static void scan_box(zset *z, query *q, double lo, double hi, size_t limit)
{
    pred_ctx p = {lo};
    size_t r = zset_count_before(z, score_before, &p);
    zset_iter it;
    zset_iter_init(&it, z, r, 0);
    slice m;
    double s;
    while ((!limit || q->n < limit) && zset_iter_next(&it, &m, &s) && s < hi) {
        double lon, lat, d;
        gh_decode(s, &lon, &lat);
        if (!q_match(q, lon, lat, &d)) continue;
        if (q->n == q->cap) {
            q->cap = q->cap ? q->cap * 2 : 16;
            q->v = mem_realloc(q->v, q->cap * sizeof(hit));
        }
        q->v[q->n++] = (hit){q->names.len, m.len, s, d};
        buf_append(&q->names, m.p, m.len);
    }
}

/* Whether the 3x3 cells around the centre cell `a` cover the query's area. */
static int covers(const query *q, area a)
{
    double w = a.lon_max - a.lon_min, h = a.lat_max - a.lat_min;
    double rlat = q->box ? q->height / 2 : q->radius;
    double rlon = q->box ? q->width / 2 : q->radius;
    /* Degrees spanned by the radius; longitude widens towards the poles. */
    double dlat = rlat / EARTH_R / D2R;
    double maxlat = fabs(q->lat) + dlat;
    if (maxlat >= 89.9) return 0;
    double dlon = rlon / (EARTH_R * cos(maxlat * D2R)) / D2R;
    if (q->lat - dlat < a.lat_min - h || q->lat + dlat > a.lat_max + h) return 0;
    if (q->lon - dlon < a.lon_min - w || q->lon + dlon > a.lon_max + w) return 0;
    return 1;
}

static void search(zset *z, query *q, size_t limit)
{
    double r = q->box ? sqrt(q->width * q->width / 4 + q->height * q->height / 4) : q->radius;
    int step = steps_for_radius(r, q->lat);
    uint64_t h = 0;
    for (; step >= 1; step--) {
        h = gh_encode(q->lon, q->lat, LAT_MIN, LAT_MAX, step);
        if (covers(q, gh_area(h, step))) break;
    }
    if (step < 1) { /* the whole world */
        scan_box(z, q, -1, 1e300, limit);
        return;
    }
    uint32_t ilat = squash(h), ilon = squash(h >> 1), n = 1u << step;
    /* centre, N, S, E, W, NE, NW, SE, SW */
    static const int dl[9][2] = {{0, 0},  {0, 1},  {0, -1}, {1, 0},  {-1, 0},
                                 {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
    uint64_t seen[9];
    int ns = 0;
    for (int k = 0; k < 9; k++) {
        long long la = (long long)ilat + dl[k][1];
        if (la < 0 || la >= (long long)n) continue;
        uint32_t lo = (uint32_t)(((long long)ilon + dl[k][0] + n) % n);
        uint64_t cell = spread((uint32_t)la) | (spread(lo) << 1);
        int dup = 0;
        for (int j = 0; j < ns; j++) dup |= seen[j] == cell;
        if (dup) continue;
        seen[ns++] = cell;
        int shift = 52 - 2 * step;
        scan_box(z, q, (double)(cell << shift), (double)((cell + 1) << shift), limit);
        if (limit && q->n >= limit) break;
    }
}

/* Runs one of the search commands; fl (F_*) says which. */
static void search_generic(client *c, int fl)
{
    int src = (fl & F_SEARCH) && (fl & F_STORE) ? 2 : 1;
    slice key = c->argv[src];
    query q = {0};
    int i = src + 1, have_from = 0, have_by = 0;
    slice member = {0};
    double to_m = 1;
    if (!(fl & F_SEARCH)) {
        if (fl & F_BYMEMBER) {
            member = c->argv[i++];
        } else {
            if (parse_lonlat(c, i, &q.lon, &q.lat) < 0) return;
            i += 2;
        }
        have_from = 1;
        if (parse_num(c, c->argv[i], "radius", &q.radius) < 0) return;
        if (q.radius < 0) {
            reply_error(c, "ERR radius cannot be negative");
            return;
        }
        if ((to_m = parse_unit(c, c->argv[i + 1])) < 0) return;
        q.radius *= to_m;
        have_by = 1;
        i += 2;
    }
    int withdist = 0, withhash = 0, withcoord = 0, sort = SORT_NONE, any = 0, storedist = 0;
    long long count = 0;
    slice dst = {0};
    int have_dst = (fl & F_SEARCH) && (fl & F_STORE);
    if (have_dst) dst = c->argv[1];
    for (; i < c->argc; i++) {
        slice a = c->argv[i];
        int more = c->argc - i - 1;
        if (slice_is(a, "WITHDIST")) {
            withdist = 1;
        } else if (slice_is(a, "WITHHASH")) {
            withhash = 1;
        } else if (slice_is(a, "WITHCOORD")) {
            withcoord = 1;
        } else if (slice_is(a, "ANY")) {
            any = 1;
        } else if (slice_is(a, "ASC")) {
            sort = SORT_ASC;
        } else if (slice_is(a, "DESC")) {
            sort = SORT_DESC;
        } else if (slice_is(a, "COUNT") && more >= 1) {
            if (arg_ll(c, c->argv[++i], &count) < 0) return;
            if (count <= 0) {
                reply_error(c, "ERR COUNT must be > 0");
                return;
            }
        } else if (!(fl & F_RO) && !(fl & F_SEARCH) &&
                   (slice_is(a, "STORE") || slice_is(a, "STOREDIST")) && more >= 1) {
            have_dst = 1;
            dst = c->argv[++i];
            storedist = slice_is(a, "STOREDIST");
        } else if ((fl & F_SEARCH) && (fl & F_STORE) && slice_is(a, "STOREDIST")) {
            storedist = 1;
        } else if ((fl & F_SEARCH) && slice_is(a, "FROMMEMBER") && more >= 1) {
            if (have_from) {
                reply_err_syntax(c);
                return;
            }
            member = c->argv[++i];
            fl |= F_BYMEMBER;
            have_from = 1;
        } else if ((fl & F_SEARCH) && slice_is(a, "FROMLONLAT") && more >= 2) {
            if (have_from) {
                reply_err_syntax(c);
                return;
            }
            if (parse_lonlat(c, i + 1, &q.lon, &q.lat) < 0) return;
            i += 2;
            have_from = 1;
        } else if ((fl & F_SEARCH) && slice_is(a, "BYRADIUS") && more >= 2) {
            if (have_by) {
                reply_err_syntax(c);
                return;
            }
            if (parse_num(c, c->argv[i + 1], "radius", &q.radius) < 0) return;
            if (q.radius < 0) {
                reply_error(c, "ERR radius cannot be negative");
                return;
            }
            if ((to_m = parse_unit(c, c->argv[i + 2])) < 0) return;
            q.radius *= to_m;
            i += 2;
            have_by = 1;
        } else if ((fl & F_SEARCH) && slice_is(a, "BYBOX") && more >= 3) {
            if (have_by) {
                reply_err_syntax(c);
                return;
            }
            if (parse_num(c, c->argv[i + 1], "width", &q.width) < 0 ||
                parse_num(c, c->argv[i + 2], "height", &q.height) < 0)
                return;
            if (q.width < 0 || q.height < 0) {
                reply_error(c, "ERR height or width cannot be negative");
                return;
            }
            if ((to_m = parse_unit(c, c->argv[i + 3])) < 0) return;
            q.width *= to_m;
            q.height *= to_m;
            q.box = 1;
            i += 3;
            have_by = 1;
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    if ((fl & F_SEARCH) && !have_from) {
        reply_error(c, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH");
        return;
    }
    if ((fl & F_SEARCH) && !have_by) {
        reply_error(c, "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH");
        return;
    }
    if (have_dst && (withdist || withhash || withcoord)) {
        reply_errorf(c, "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                     (fl & F_SEARCH) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return;
    }
    if (any && !count) {
        reply_error(c, "ERR the ANY argument requires COUNT argument");
        return;
    }
    zset *z;
    if (!lookup_zset(c, key, KS_READ, NULL, &z)) return;
    if (!z) {
        if (have_dst) {
            if (ks_delete(c->db, dst)) {
                key_modified(c->db, dst);
                notify_event(NOTIFY_GENERIC, "del", c->db, dst);
            }
            reply_int(c, 0);
        } else {
            reply_array(c, 0);
        }
        return;
    }
    if (fl & F_BYMEMBER) {
        double s;
        if (!zset_score(z, member, &s)) {
            reply_error(c, "ERR could not decode requested zset member");
            return;
        }
        gh_decode(s, &q.lon, &q.lat);
    }
    if (count && !any && sort == SORT_NONE) sort = SORT_ASC;
    search(z, &q, any ? (size_t)count : 0);
    if (q.n && sort == SORT_ASC) qsort(q.v, q.n, sizeof(hit), hit_asc);
    if (q.n && sort == SORT_DESC) qsort(q.v, q.n, sizeof(hit), hit_desc);
    size_t n = q.n;
    if (count && (size_t)count < n) n = (size_t)count;
    if (have_dst) {
        zset *res = zset_new();
        zset_limits lim = cfg_zset_limits();
        for (size_t k = 0; k < n; k++)
            zset_set(res, hit_member(&q, k), storedist ? q.v[k].dist / to_m : q.v[k].score, &lim);
        int existed = ks_delete(c->db, dst);
        if (n)
            ks_add(c->db, dst, OBJ_ZSET, zset_encoding(res), res);
        else
            zset_free(res);
        if (n || existed) key_modified(c->db, dst);
        if (n)
            notify_event(NOTIFY_ZSET, (fl & F_SEARCH) ? "geosearchstore" : "georadiusstore",
                         c->db, dst);
        else if (existed)
            notify_event(NOTIFY_GENERIC, "del", c->db, dst);
        reply_int(c, (long long)n);
    } else {
        int opts = withdist + withhash + withcoord;
        reply_array(c, n);
        for (size_t k = 0; k < n; k++) {
            if (opts) reply_array(c, (size_t)(opts + 1));
            slice m = hit_member(&q, k);
            reply_bulk(c, m.p, m.len);
            if (withdist) reply_dist(c, q.v[k].dist / to_m);
            if (withhash) reply_int(c, (long long)q.v[k].score);
            if (withcoord) reply_pos(c, q.v[k].score);
        }
    }
    mem_free(q.v);
    buf_free(&q.names);
}

static void georadius_cmd(client *c) { search_generic(c, F_RADIUS); }
static void georadius_ro_cmd(client *c) { search_generic(c, F_RADIUS | F_RO); }
static void georadiusbymember_cmd(client *c) { search_generic(c, F_RADIUS | F_BYMEMBER); }
static void georadiusbymember_ro_cmd(client *c)
{
    search_generic(c, F_RADIUS | F_BYMEMBER | F_RO);
}
static void geosearch_cmd(client *c) { search_generic(c, F_SEARCH | F_RO); }
static void geosearchstore_cmd(client *c) { search_generic(c, F_SEARCH | F_STORE); }

/* GEORADIUS[BYMEMBER] key ... [STORE key] [STOREDIST key]: the source, then
 * the last STORE/STOREDIST destination. */
static int radius_keys(const slice *argv, int argc, int first_opt, int *pos, int max)
{
    int n = 0;
    if (n < max) pos[n++] = 1;
    int dst = 0;
    for (int i = first_opt; i < argc - 1; i++)
        if (slice_is(argv[i], "STORE") || slice_is(argv[i], "STOREDIST")) dst = ++i;
    if (dst && n < max) pos[n++] = dst;
    return n;
}

static int georadius_getkeys(const slice *argv, int argc, int *pos, int max)
{
    return radius_keys(argv, argc, 6, pos, max);
}

static int georadiusbymember_getkeys(const slice *argv, int argc, int *pos, int max)
{
    return radius_keys(argv, argc, 5, pos, max);
}

/* ---------------------------------------------------------------- table */

#define GEO_CMD(...)                                                                     \
    {                                                                                    \
        .group = "geo", __VA_ARGS__                                                      \
    }
#define GW (ACL_WRITE | ACL_GEO)
#define GR (ACL_READ | ACL_GEO)

#define RADIUS_OPTS                                                                      \
    "[WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]"

command geo_commands[] = {
    GEO_CMD(.name = "geoadd", .proc = geoadd_cmd, .arity = -5,
            .flags = CMD_WRITE | CMD_DENYOOM, .acl = GW | ACL_SLOW, .keys = {1, 1, 1},
            .since = "3.2.0", .summary = "Adds or moves points, stored in a sorted set.",
            .complexity = "O(log N) per point",
            .args = "key [NX | XX] [CH] longitude latitude member "
                    "[longitude latitude member ...]",
            .key_flags = "RW UPDATE"),
    GEO_CMD(.name = "geodist", .proc = geodist_cmd, .arity = -4, .flags = CMD_READONLY,
            .acl = GR | ACL_SLOW, .keys = {1, 1, 1}, .since = "3.2.0",
            .summary = "Measures the distance between two points.", .complexity = "O(1)",
            .args = "key member1 member2 [M | KM | FT | MI]", .key_flags = "RO ACCESS"),
    GEO_CMD(.name = "geohash", .proc = geohash_cmd, .arity = -2, .flags = CMD_READONLY,
            .acl = GR | ACL_SLOW, .keys = {1, 1, 1}, .since = "3.2.0",
            .summary = "Gives points as standard base32 geohash strings.",
            .complexity = "O(1) per member", .args = "key [member [member ...]]",
            .key_flags = "RO ACCESS"),
    GEO_CMD(.name = "geopos", .proc = geopos_cmd, .arity = -2, .flags = CMD_READONLY,
            .acl = GR | ACL_SLOW, .keys = {1, 1, 1}, .since = "3.2.0",
            .summary = "Gives the longitude and latitude of points.",
            .complexity = "O(1) per member", .args = "key [member [member ...]]",
            .key_flags = "RO ACCESS"),
    GEO_CMD(.name = "georadius", .proc = georadius_cmd, .arity = -6,
            .flags = CMD_WRITE | CMD_DENYOOM, .acl = GW | ACL_SLOW, .keys = {1, 1, 1},
            .getkeys = georadius_getkeys, .since = "3.2.0",
            .summary = "Finds points within a radius of a position, optionally storing them.",
            .complexity = "O(N + log M) for N points in the searched cells",
            .args = "key longitude latitude radius <M | KM | FT | MI> " RADIUS_OPTS
                    " [STORE key | STOREDIST key]",
            .key_flags = "RO ACCESS; OW UPDATE"),
    GEO_CMD(.name = "georadius_ro", .proc = georadius_ro_cmd, .arity = -6,
            .flags = CMD_READONLY, .acl = GR | ACL_SLOW, .keys = {1, 1, 1},
            .since = "3.2.10",
            .summary = "Finds points within a radius of a position (read-only form).",
            .complexity = "O(N + log M) for N points in the searched cells",
            .args = "key longitude latitude radius <M | KM | FT | MI> " RADIUS_OPTS,
            .key_flags = "RO ACCESS"),
    GEO_CMD(.name = "georadiusbymember", .proc = georadiusbymember_cmd, .arity = -5,
            .flags = CMD_WRITE | CMD_DENYOOM, .acl = GW | ACL_SLOW, .keys = {1, 1, 1},
            .getkeys = georadiusbymember_getkeys, .since = "3.2.0",
            .summary = "Finds points within a radius of a member, optionally storing them.",
            .complexity = "O(N + log M) for N points in the searched cells",
            .args = "key member radius <M | KM | FT | MI> " RADIUS_OPTS
                    " [STORE key | STOREDIST key]",
            .key_flags = "RO ACCESS; OW UPDATE"),
    GEO_CMD(.name = "georadiusbymember_ro", .proc = georadiusbymember_ro_cmd, .arity = -5,
            .flags = CMD_READONLY, .acl = GR | ACL_SLOW, .keys = {1, 1, 1},
            .since = "3.2.10",
            .summary = "Finds points within a radius of a member (read-only form).",
            .complexity = "O(N + log M) for N points in the searched cells",
            .args = "key member radius <M | KM | FT | MI> " RADIUS_OPTS,
            .key_flags = "RO ACCESS"),
    GEO_CMD(.name = "geosearch", .proc = geosearch_cmd, .arity = -7, .flags = CMD_READONLY,
            .acl = GR | ACL_SLOW, .keys = {1, 1, 1}, .since = "6.2.0",
            .summary = "Finds points within a circle or a box around a member or position.",
            .complexity = "O(N + log M) for N points in the searched cells",
            .args = "key <FROMMEMBER member | FROMLONLAT longitude latitude> "
                    "<BYRADIUS radius <M | KM | FT | MI> | BYBOX width height "
                    "<M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] "
                    "[WITHCOORD] [WITHDIST] [WITHHASH]",
            .key_flags = "RO ACCESS"),
    GEO_CMD(.name = "geosearchstore", .proc = geosearchstore_cmd, .arity = -8,
            .flags = CMD_WRITE | CMD_DENYOOM, .acl = GW | ACL_SLOW, .keys = {1, 2, 1},
            .since = "6.2.0",
            .summary = "Stores the points within a circle or a box at a key.",
            .complexity = "O(N + log M) for N points in the searched cells",
            .args = "destination source <FROMMEMBER member | FROMLONLAT longitude "
                    "latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height "
                    "<M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]",
            .key_flags = "OW UPDATE; RO ACCESS"),
    {0},
};
