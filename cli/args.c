/* cli/args.c — see args.h. */
#include "cli/args.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

void args_push(args *a, const char *s, size_t len)
{
    a->argv = realloc(a->argv, sizeof(char *) * (size_t)(a->argc + 1));
    a->lens = realloc(a->lens, sizeof(size_t) * (size_t)(a->argc + 1));
    if (!a->argv || !a->lens) abort();
    char *c = malloc(len + 1);
    if (!c) abort();
    memcpy(c, s, len);
    c[len] = 0;
    a->argv[a->argc] = c;
    a->lens[a->argc] = len;
    a->argc++;
}

void args_free(args *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->argv[i]);
    free(a->argv);
    free(a->lens);
    a->argv = NULL;
    a->lens = NULL;
    a->argc = 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* One "double-quoted" argument starting after the quote; returns the position
 * after the closing quote or NULL. */
static const char *dquoted(const char *p, buf *b)
{
    for (;;) {
        if (!*p) return NULL;
        if (*p == '"') return p + 1;
        if (*p == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
            buf_putc(b, (char)(hexval(p[2]) * 16 + hexval(p[3])));
            p += 4;
            continue;
        }
        if (*p == '\\' && p[1]) {
            char c = p[1];
            switch (c) {
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'b':
                c = '\b';
                break;
            case 'a':
                c = '\a';
                break;
            default:
                break;
            }
            buf_putc(b, c);
            p += 2;
            continue;
        }
        buf_putc(b, *p++);
    }
}

static const char *squoted(const char *p, buf *b)
{
    for (;;) {
        if (!*p) return NULL;
        if (*p == '\'') return p + 1;
        if (*p == '\\' && p[1] == '\'') {
            buf_putc(b, '\'');
            p += 2;
            continue;
        }
        buf_putc(b, *p++);
    }
}

int args_split(const char *line, args *a)
{
    memset(a, 0, sizeof(*a));
    const char *p = line;
    buf b = BUF_INIT;
    for (;;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p) break;
        b.len = 0;
        while (*p && !isspace((unsigned char)*p)) {
            if (*p == '"' || *p == '\'') {
                p = *p == '"' ? dquoted(p + 1, &b) : squoted(p + 1, &b);
                if (!p || (*p && !isspace((unsigned char)*p))) goto bad;
            } else {
                buf_putc(&b, *p++);
            }
        }
        args_push(a, b.p ? b.p : "", b.len);
    }
    buf_free(&b);
    return 0;
bad:
    buf_free(&b);
    args_free(a);
    return -1;
}
