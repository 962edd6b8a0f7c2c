/* lib/url.c — kvik_options_from_url.
 *
 *   scheme://[user[:password]@]host[:port][/db][?name=value&...]
 *
 * The decoded strings (user, password, host and the query's string values)
 * are copied one after another into a single allocation that the options own
 * (o->url_strings_), so kvik_options_free() has one thing to free. The options
 * are changed only when the whole URL is valid: the result is built in a copy.
 */
#include "lib/kvik_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"

typedef struct url_parse {
    kvik_options o;
    char *store; /* the strings: NUL-terminated, one after another */
    size_t used, cap;
    char *err;
    size_t errlen;
} url_parse;

static int bad(url_parse *u, const char *fmt, const char *what, size_t n)
{
    if (u->err && u->errlen) {
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%.*s", (int)(n < 60 ? n : 60), what ? what : "");
        snprintf(u->err, u->errlen, fmt, tmp);
    }
    return -1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Copies s[0..n) into the store, decoding %XX; NULL on a bad escape. */
static const char *keep(url_parse *u, const char *s, size_t n)
{
    char *d = u->store + u->used;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n) return NULL;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0 || (h == 0 && l == 0)) return NULL;
            d[j++] = (char)(h * 16 + l);
            i += 2;
        } else {
            d[j++] = s[i];
        }
    }
    d[j++] = '\0';
    u->used += j;
    return d;
}

static const char *keep_raw(url_parse *u, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = u->store + u->used;
    memcpy(d, s, n);
    u->used += n;
    return d;
}

static int parse_int(const char *s, size_t n, long lo, long hi, long *out)
{
    if (n == 0 || n > 10) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int scheme(url_parse *u, const char *s, size_t n)
{
    static const struct {
        const char *name;
        kvik_protocol proto;
        int tls;
    } schemes[] = {
        {"redis", KVIK_RESP, 0},         {"kvik", KVIK_RESP, 0},
        {"rediss", KVIK_RESP, 1},        {"kvik+tls", KVIK_RESP, 1},
        {"kviks", KVIK_RESP, 1},         {"kvik+native", KVIK_NATIVE, 0},
        {"kvik+native+tls", KVIK_NATIVE, 1},
    };
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (strlen(schemes[i].name) == n && !strncasecmp(s, schemes[i].name, n)) {
            u->o.protocol = schemes[i].proto;
            u->o.tls = schemes[i].tls;
            return 0;
        }
    }
    return bad(u, "unknown URL scheme '%s'", s, n);
}

/* user[:password]@ */
static int userinfo(url_parse *u, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    size_t ul = colon ? (size_t)(colon - s) : n;
    if (colon) {
        const char *pw = keep(u, colon + 1, n - ul - 1);
        if (!pw) return bad(u, "bad %%-escape in the password", NULL, 0);
        u->o.password = pw;
        u->o.user = NULL;
        if (ul) {
            const char *us = keep(u, s, ul);
            if (!us) return bad(u, "bad %%-escape in the user name '%s'", s, ul);
            u->o.user = us;
        }
    } else {
        /* redis://secret@host: a lone word is the password of the default user */
        const char *pw = keep(u, s, n);
        if (!pw) return bad(u, "bad %%-escape in the password", NULL, 0);
        u->o.password = pw;
        u->o.user = NULL;
    }
    return 0;
}

/* host[:port], host may be [v6] */
static int hostport(url_parse *u, const char *s, size_t n)
{
    const char *h = s, *rest;
    size_t hl;
    if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close) return bad(u, "unclosed '[' in host '%s'", s, n);
        h = s + 1;
        hl = (size_t)(close - h);
        rest = close + 1;
    } else {
        const char *colon = memchr(s, ':', n);
        hl = colon ? (size_t)(colon - s) : n;
        rest = s + hl;
    }
    size_t rl = n - (size_t)(rest - s);
    if (rl) {
        long port;
        if (rest[0] != ':' || parse_int(rest + 1, rl - 1, 1, 65535, &port) < 0)
            return bad(u, "bad port in '%s'", s, n);
        u->o.port = (int)port;
    }
    if (hl) {
        const char *host = keep(u, h, hl);
        if (!host) return bad(u, "bad %%-escape in host '%s'", h, hl);
        u->o.host = host;
    }
    return 0;
}

static int flag(const char *v, size_t n, int *out)
{
    if ((n == 1 && v[0] == '1') || (n == 3 && !strncasecmp(v, "yes", 3)) ||
        (n == 4 && !strncasecmp(v, "true", 4))) {
        *out = 1;
        return 0;
    }
    if ((n == 1 && v[0] == '0') || (n == 2 && !strncasecmp(v, "no", 2)) ||
        (n == 5 && !strncasecmp(v, "false", 5))) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int compression(const char *v, size_t n, kvik_options *o)
{
    static const char *const names[] = {"none", "gzip", "lz4", "zstd"};
    for (int i = 0; i < 4; i++) {
        if (strlen(names[i]) == n && !strncasecmp(v, names[i], n)) {
            o->compress = i != 0;
            o->compress_with = (kvik_compression)i;
            return 0;
        }
    }
    return -1;
}

static int query_pair(url_parse *u, const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    if (!eq) return bad(u, "query item '%s' has no '='", s, n);
    size_t kl = (size_t)(eq - s), vl = n - kl - 1;
    const char *v = eq + 1;
    long num;
    int f;
#define IS(name) (kl == strlen(name) && !strncmp(s, name, kl))
    if (IS("resp")) {
        if (parse_int(v, vl, 2, 3, &num) < 0) return bad(u, "resp must be 2 or 3", NULL, 0);
        u->o.resp = (int)num;
    } else if (IS("timeout") || IS("connect_timeout")) {
        if (parse_int(v, vl, 0, 2147483647L, &num) < 0)
            return bad(u, "bad %s (milliseconds)", s, kl);
        *(IS("timeout") ? &u->o.timeout_ms : &u->o.connect_timeout_ms) = (int)num;
    } else if (IS("insecure")) {
        if (flag(v, vl, &f) < 0) return bad(u, "insecure must be 0 or 1", NULL, 0);
        u->o.tls_insecure = f;
    } else if (IS("compress")) {
        if (compression(v, vl, &u->o) < 0)
            return bad(u, "compress must be none, gzip, lz4 or zstd, not '%s'", v, vl);
    } else if (IS("name") || IS("ca_file") || IS("ca_dir") || IS("cert_file") ||
               IS("key_file") || IS("sni")) {
        const char *val = keep(u, v, vl);
        if (!val) return bad(u, "bad %%-escape in '%s'", s, n);
        if (IS("name")) u->o.client_name = val;
        else if (IS("ca_file")) u->o.tls_ca_file = val;
        else if (IS("ca_dir")) u->o.tls_ca_dir = val;
        else if (IS("cert_file")) u->o.tls_cert_file = val;
        else if (IS("key_file")) u->o.tls_key_file = val;
        else u->o.tls_sni = val;
    } else {
        return bad(u, "unknown URL parameter '%s'", s, kl);
    }
#undef IS
    return 0;
}

static int parse(url_parse *u, const char *url)
{
    const char *sep = strstr(url, "://");
    if (!sep) return bad(u, "not a URL (no '://'): '%s'", url, strlen(url));
    if (scheme(u, url, (size_t)(sep - url)) < 0) return -1;
    const char *p = sep + 3;
    size_t authlen = strcspn(p, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < authlen; i++)
        if (p[i] == '@') at = p + i; /* the last '@': a password may hold one */
    if (at) {
        if (userinfo(u, p, (size_t)(at - p)) < 0) return -1;
        authlen -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (hostport(u, p, authlen) < 0) return -1;
    p += authlen;
    if (*p == '/') {
        size_t dl = strcspn(++p, "?#");
        long db;
        if (dl && parse_int(p, dl, 0, 1000000, &db) < 0)
            return bad(u, "bad database number '%s'", p, dl);
        if (dl) u->o.db = (int)db;
        p += dl;
    }
    if (*p == '?') {
        p++;
        while (*p && *p != '#') {
            size_t il = strcspn(p, "&#");
            if (il && query_pair(u, p, il) < 0) return -1;
            p += il;
            if (*p == '&') p++;
        }
    }
    if (*p && *p != '#') return bad(u, "unexpected '%s' in URL", p, strlen(p));
    return 0;
}

/* The string fields of the options, for moving and clearing them. */
#define STRING_FIELDS(o)                                                                  \
    {&(o)->host,        &(o)->user,          &(o)->password,     &(o)->client_name,       \
     &(o)->tls_ca_file, &(o)->tls_ca_dir,    &(o)->tls_cert_file, &(o)->tls_key_file,     \
     &(o)->tls_sni}
#define NFIELDS 9

static int in_store(const char *f, const char *store)
{
    return f && store && f >= store && f < store + mem_usable(store);
}

int kvik_options_from_url(kvik_options *o, const char *url, char *err, size_t errlen)
{
    url_parse u;
    memset(&u, 0, sizeof(u));
    u.o = *o;
    u.err = err;
    u.errlen = errlen;
    if (!url) return bad(&u, "no URL%s", "", 0);
    /* Decoding only shrinks; each string adds a NUL. Strings kept from an
     * earlier URL move into the new store. */
    const char **fields[NFIELDS] = STRING_FIELDS(&u.o);
    u.cap = strlen(url) + 16;
    for (int i = 0; i < NFIELDS; i++)
        if (in_store(*fields[i], o->url_strings_)) u.cap += strlen(*fields[i]) + 1;
    u.store = mem_alloc(u.cap);
    for (int i = 0; i < NFIELDS; i++)
        if (in_store(*fields[i], o->url_strings_))
            *fields[i] = keep_raw(&u, *fields[i]);
    if (parse(&u, url) < 0) {
        mem_free(u.store);
        return -1;
    }
    char *old = o->url_strings_;
    *o = u.o;
    o->url_strings_ = u.store;
    mem_free(old);
    return 0;
}

void kvik_options_free(kvik_options *o)
{
    char *s = o->url_strings_;
    if (!s) return;
    const char **fields[NFIELDS] = STRING_FIELDS(o);
    for (int i = 0; i < NFIELDS; i++)
        if (in_store(*fields[i], s)) *fields[i] = NULL;
    if (!o->host) o->host = "127.0.0.1";
    mem_free(s);
    o->url_strings_ = NULL;
}
