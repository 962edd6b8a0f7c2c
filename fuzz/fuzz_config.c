/* fuzz/fuzz_config.c — libFuzzer target for the config file parser.
 *
 * Feeds the input as a config file (cfg_load_string). When it loads, checks an
 * invariant: every setting's CONFIG GET value, written back as a config line,
 * loads and reads back unchanged. Inputs mentioning "include" are skipped, so
 * the fuzzer never reads the file system. Everything is freed per input. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "server/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct pair {
    char *name, *value;
} pair;

typedef struct pairs {
    pair *v;
    size_t n;
} pairs;

static void collect(void *priv, const char *name, const char *value)
{
    pairs *p = priv;
    p->v = realloc(p->v, (p->n + 1) * sizeof(pair));
    p->v[p->n].name = strdup(name);
    p->v[p->n].value = strdup(value);
    p->n++;
}

static void pairs_free(pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].name);
        free(p->v[i].value);
    }
    free(p->v);
}

static int mentions_include(const uint8_t *d, size_t n)
{
    static const char w[] = "include";
    for (size_t i = 0; i + 7 <= n; i++) {
        size_t k = 0;
        while (k < 7 && tolower(d[i + k]) == w[k])
            k++;
        if (k == 7) return 1;
    }
    return 0;
}

static int is_multi(const char *name)
{
    return !strcmp(name, "save") || !strcmp(name, "bind") ||
           !strcmp(name, "client-output-buffer-limit");
}

/* name + value as one config line. */
static void config_line(buf *b, const char *name, const char *value)
{
    b->len = 0;
    buf_printf(b, "%s ", name);
    if (is_multi(name) && *value) {
        buf_puts(b, value);
    } else {
        buf_putc(b, '"');
        for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_printf(b, "\\%c", *p);
            else if (isprint(*p))
                buf_putc(b, (char)*p);
            else
                buf_printf(b, "\\x%02x", *p);
        }
        buf_putc(b, '"');
    }
}

static void check_roundtrip(void)
{
    pairs all = {NULL, 0};
    char err[2048];
    buf line = BUF_INIT;
    cfg_get("*", collect, &all);
    for (size_t i = 0; i < all.n; i++) {
        config_line(&line, all.v[i].name, all.v[i].value);
        if (cfg_load_string(line.p, line.len, err, sizeof(err)) != 0) {
            fprintf(stderr, "round trip: '%.*s' refused:\n%s\n", (int)line.len, line.p,
                    err);
            abort();
        }
        pairs again = {NULL, 0};
        cfg_get(all.v[i].name, collect, &again);
        if (again.n != 1 || strcmp(again.v[0].value, all.v[i].value) != 0) {
            fprintf(stderr, "round trip: %s was '%s', now '%s'\n", all.v[i].name,
                    all.v[i].value, again.n ? again.v[0].value : "?");
            abort();
        }
        pairs_free(&again);
    }
    buf_free(&line);
    pairs_free(&all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[4096];
    if (mentions_include(data, size)) return 0;
    cfg_defaults();
    if (cfg_load_string((const char *)data, size, err, sizeof(err)) == 0) {
        check_roundtrip();
    } else if (strncmp(err, "*** FATAL CONFIG FILE ERROR", 27) != 0) {
        fprintf(stderr, "unexpected error format: %s\n", err);
        abort();
    }
    cfg_free_all();
    return 0;
}
