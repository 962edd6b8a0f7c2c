/* cli/format.c — tty and raw forms of a reply (see format.h).
 *
 * The tty form is built element by element: an aggregate of n entries writes
 * each entry's number right-aligned to the width of n, then the entry itself
 * formatted with the indentation grown by that label's width, so nested
 * aggregates line up under their first element:
 *
 *   1) 1) "a"          1# "key" => "value"
 *      2) "b"          2# "list" =>
 *   2) "c"                1) "x"
 *                         2) "y"
 *
 * A map value that takes several lines starts on its own line (as above);
 * one that fits on one line stays after the "=>".
 */
#include "cli/format.h"

#include <ctype.h>
#include <stdio.h>
#include <strings.h>

static void spaces(buf *out, int n)
{
    for (int i = 0; i < n; i++)
        buf_putc(out, ' ');
}

void format_quoted(buf *out, const char *s, size_t len)
{
    buf_putc(out, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\':
            buf_puts(out, "\\\\");
            break;
        case '"':
            buf_puts(out, "\\\"");
            break;
        case '\n':
            buf_puts(out, "\\n");
            break;
        case '\r':
            buf_puts(out, "\\r");
            break;
        case '\t':
            buf_puts(out, "\\t");
            break;
        case '\a':
            buf_puts(out, "\\a");
            break;
        case '\b':
            buf_puts(out, "\\b");
            break;
        default:
            if (isprint(c))
                buf_putc(out, (char)c);
            else
                buf_printf(out, "\\x%02x", c);
        }
    }
    buf_putc(out, '"');
}

static void double_text(buf *out, const kvik_reply *r)
{
    if (r->str && r->len)
        buf_append(out, r->str, r->len);
    else
        buf_printf(out, "%.17g", r->dval);
}

static int digits(size_t n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

static const char *empty_name(kvik_type t)
{
    if (t == KVIK_MAP) return "(empty hash)";
    if (t == KVIK_SET) return "(empty set)";
    return "(empty array)";
}

static void tty_aggregate(buf *out, const kvik_reply *r, int indent);

/* A scalar in tty form, without the newline. Returns 0 if r is an aggregate. */
static int tty_scalar(buf *out, const kvik_reply *r)
{
    switch (r->type) {
    case KVIK_NIL:
        buf_puts(out, "(nil)");
        return 1;
    case KVIK_STATUS:
        buf_append(out, r->str, r->len);
        return 1;
    case KVIK_ERROR:
        buf_puts(out, "(error) ");
        buf_append(out, r->str, r->len);
        return 1;
    case KVIK_INTEGER:
        buf_printf(out, "(integer) %lld", r->integer);
        return 1;
    case KVIK_STRING:
        format_quoted(out, r->str, r->len);
        return 1;
    case KVIK_DOUBLE:
        buf_puts(out, "(double) ");
        double_text(out, r);
        return 1;
    case KVIK_BOOL:
        buf_puts(out, r->integer ? "(true)" : "(false)");
        return 1;
    case KVIK_VERBATIM:
        buf_append(out, r->str, r->len);
        return 1;
    case KVIK_BIGNUM:
        buf_puts(out, "(big number) ");
        buf_append(out, r->str, r->len);
        return 1;
    default:
        return 0;
    }
}

void format_tty(buf *out, const kvik_reply *r, int indent)
{
    if (tty_scalar(out, r)) {
        buf_putc(out, '\n');
        return;
    }
    if (r->elements == 0) {
        buf_puts(out, empty_name(r->type));
        buf_putc(out, '\n');
        return;
    }
    tty_aggregate(out, r, indent);
}

/* One map entry: key => value, the value on its own line if it has several. */
static void tty_map_entry(buf *out, const kvik_reply *k, const kvik_reply *v, int indent)
{
    format_tty(out, k, indent);
    out->len--; /* the key's newline */
    buf_puts(out, " => ");
    buf val = BUF_INIT;
    format_tty(&val, v, indent);
    if (memchr(val.p, '\n', val.len - 1)) {
        buf_putc(out, '\n');
        spaces(out, indent);
    }
    buf_append(out, val.p, val.len);
    buf_free(&val);
}

static void tty_aggregate(buf *out, const kvik_reply *r, int indent)
{
    int is_map = r->type == KVIK_MAP;
    size_t n = is_map ? r->elements / 2 : r->elements;
    char mark = is_map ? '#' : r->type == KVIK_SET ? '~' : ')';
    int w = digits(n);
    for (size_t i = 0; i < n; i++) {
        if (i > 0) spaces(out, indent);
        buf_printf(out, "%*zu%c ", w, i + 1, mark);
        if (is_map)
            tty_map_entry(out, r->element[2 * i], r->element[2 * i + 1], indent + w + 2);
        else
            format_tty(out, r->element[i], indent + w + 2);
    }
}

/* The raw form of r without the final newline. */
static void raw_inner(buf *out, const kvik_reply *r)
{
    switch (r->type) {
    case KVIK_NIL:
        return;
    case KVIK_STATUS:
    case KVIK_STRING:
    case KVIK_VERBATIM:
    case KVIK_BIGNUM:
        buf_append(out, r->str, r->len);
        return;
    case KVIK_ERROR:
        buf_append(out, r->str, r->len);
        buf_putc(out, '\n');
        return;
    case KVIK_INTEGER:
        buf_printf(out, "%lld", r->integer);
        return;
    case KVIK_DOUBLE:
        double_text(out, r);
        return;
    case KVIK_BOOL:
        buf_puts(out, r->integer ? "(true)" : "(false)");
        return;
    case KVIK_MAP:
        for (size_t i = 0; i + 1 < r->elements; i += 2) {
            if (i) buf_putc(out, '\n');
            raw_inner(out, r->element[i]);
            buf_putc(out, ' ');
            raw_inner(out, r->element[i + 1]);
        }
        return;
    default:
        for (size_t i = 0; i < r->elements; i++) {
            if (i) buf_putc(out, '\n');
            raw_inner(out, r->element[i]);
        }
        return;
    }
}

void format_raw_text(buf *out, const kvik_reply *r)
{
    raw_inner(out, r);
}

int format_is_text_command(int argc, char **argv)
{
    static const char *const one[] = {"info", "lolwut", NULL};
    static const char *const two[][2] = {
        {"client", "list"},         {"client", "info"},    {"memory", "doctor"},
        {"memory", "malloc-stats"}, {"latency", "doctor"}, {"latency", "graph"},
        {"cluster", "info"},        {"cluster", "nodes"},  {"debug", "htstats"},
        {"debug", "htstats-key"},
    };
    if (argc < 1) return 0;
    for (int i = 0; one[i]; i++)
        if (!strcasecmp(argv[0], one[i])) return 1;
    if (argc < 2) return 0;
    for (size_t i = 0; i < sizeof(two) / sizeof(two[0]); i++)
        if (!strcasecmp(argv[0], two[i][0]) && !strcasecmp(argv[1], two[i][1])) return 1;
    return 0;
}

void format_raw(buf *out, const kvik_reply *r)
{
    raw_inner(out, r);
    buf_putc(out, '\n');
}
