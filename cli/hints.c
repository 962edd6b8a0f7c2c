/* cli/hints.c — see hints.h.
 *
 * An argument of COMMAND DOCS is a map: name, type (key, string, integer,
 * double, pattern, unix-time, pure-token, oneof, block), optional token,
 * flags (optional, multiple, multiple_token) and, for oneof and block, the
 * nested arguments. Its synopsis is built recursively:
 *
 *   pure-token  TOKEN            oneof      a|b|c
 *   block       a b              token      TOKEN name
 *   multiple    x [x ...]        optional   [x]
 */
#include "cli/hints.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/args.h"
#include "core/buf.h"

static char *xstrdup(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (!c) abort();
    memcpy(c, s, n);
    c[n] = 0;
    return c;
}

static int is_text(const kvik_reply *r)
{
    return r &&
           (r->type == KVIK_STRING || r->type == KVIK_STATUS || r->type == KVIK_VERBATIM);
}

static int is_pairs(const kvik_reply *r)
{
    return r && (r->type == KVIK_MAP || (r->type == KVIK_ARRAY && r->elements % 2 == 0));
}

/* The value of field `name` in a map (or flat RESP2 array of pairs). */
static const kvik_reply *field(const kvik_reply *m, const char *name)
{
    if (!is_pairs(m)) return NULL;
    for (size_t i = 0; i + 1 < m->elements; i += 2)
        if (is_text(m->element[i]) && strcasecmp(m->element[i]->str, name) == 0)
            return m->element[i + 1];
    return NULL;
}

static const char *field_str(const kvik_reply *m, const char *name)
{
    const kvik_reply *v = field(m, name);
    return is_text(v) ? v->str : NULL;
}

static int has_flag(const kvik_reply *arg, const char *flag)
{
    const kvik_reply *f = field(arg, "flags");
    if (!f) return 0;
    for (size_t i = 0; i < f->elements; i++)
        if (is_text(f->element[i]) && strcasecmp(f->element[i]->str, flag) == 0) return 1;
    return 0;
}

static void synopsis(buf *out, const kvik_reply *arg);

static void nested(buf *out, const kvik_reply *arg, const char *sep)
{
    const kvik_reply *subs = field(arg, "arguments");
    for (size_t i = 0; subs && i < subs->elements; i++) {
        if (i) buf_puts(out, sep);
        synopsis(out, subs->element[i]);
    }
}

/* The argument without its token and flags: a name, a token of its own
 * (pure-token), or its nested arguments. */
static void core(buf *out, const kvik_reply *arg)
{
    const char *type = field_str(arg, "type");
    const char *token = field_str(arg, "token");
    const char *name = field_str(arg, "name");
    if (type && strcmp(type, "pure-token") == 0)
        buf_puts(out, token ? token : name ? name : "?");
    else if (type && strcmp(type, "oneof") == 0)
        nested(out, arg, "|");
    else if (type && strcmp(type, "block") == 0)
        nested(out, arg, " ");
    else
        buf_puts(out, name ? name : "arg");
}

static void synopsis(buf *out, const kvik_reply *arg)
{
    const char *type = field_str(arg, "type");
    const char *token = field_str(arg, "token");
    int opt = has_flag(arg, "optional");
    int tok = token && !(type && strcmp(type, "pure-token") == 0);
    if (opt) buf_putc(out, '[');
    if (tok) {
        buf_puts(out, token);
        buf_putc(out, ' ');
    }
    buf one = BUF_INIT;
    core(&one, arg);
    buf_append(out, one.p, one.len);
    if (has_flag(arg, "multiple")) {
        /* repeats: "x [x ...]"; the token too only when it repeats with it */
        buf_puts(out, " [");
        if (tok && has_flag(arg, "multiple_token")) {
            buf_puts(out, token);
            buf_putc(out, ' ');
        }
        buf_append(out, one.p, one.len);
        buf_puts(out, " ...]");
    }
    buf_free(&one);
    if (opt) buf_putc(out, ']');
}

static void add_cmd(hints *h, const char *name, const kvik_reply *doc)
{
    h->cmds = realloc(h->cmds, sizeof(hints_cmd) * (h->n + 1));
    if (!h->cmds) abort();
    hints_cmd *c = &h->cmds[h->n++];
    memset(c, 0, sizeof(*c));
    c->name = xstrdup(name, strlen(name));
    c->words = 1;
    for (char *p = c->name; *p; p++) {
        if (*p == '|') {
            *p = ' ';
            c->words++;
        }
        *p = (char)toupper((unsigned char)*p);
    }
    const char *s;
    if ((s = field_str(doc, "summary"))) c->summary = xstrdup(s, strlen(s));
    if ((s = field_str(doc, "group"))) c->group = xstrdup(s, strlen(s));
    if ((s = field_str(doc, "since"))) c->since = xstrdup(s, strlen(s));
    const kvik_reply *a = field(doc, "arguments");
    for (size_t i = 0; a && i < a->elements; i++) {
        buf b = BUF_INIT;
        synopsis(&b, a->element[i]);
        c->args = realloc(c->args, sizeof(char *) * (size_t)(c->nargs + 1));
        if (!c->args) abort();
        c->args[c->nargs++] = xstrdup(b.p ? b.p : "", b.len);
        buf_free(&b);
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const hints_cmd *)a)->name, ((const hints_cmd *)b)->name);
}

/* Alphabetical order: completion cycles and "help @group" list in it. */
static void sort_cmds(hints *h)
{
    if (h->n > 1) qsort(h->cmds, h->n, sizeof(hints_cmd), by_name);
}

void hints_from_docs(hints *h, const kvik_reply *docs)
{
    if (!is_pairs(docs)) return;
    for (size_t i = 0; i + 1 < docs->elements; i += 2) {
        const kvik_reply *name = docs->element[i], *doc = docs->element[i + 1];
        if (!is_text(name)) continue;
        add_cmd(h, name->str, doc);
        const kvik_reply *subs = field(doc, "subcommands");
        for (size_t j = 0; is_pairs(subs) && j + 1 < subs->elements; j += 2)
            if (is_text(subs->element[j]))
                add_cmd(h, subs->element[j]->str, subs->element[j + 1]);
    }
    sort_cmds(h);
}

/* Names only, from COMMAND: each entry is an array whose first element is
 * the name. */
static void from_command(hints *h, const kvik_reply *r)
{
    for (size_t i = 0; r && i < r->elements; i++) {
        const kvik_reply *e = r->element[i];
        if (e && e->elements > 0 && is_text(e->element[0]))
            add_cmd(h, e->element[0]->str, NULL);
    }
}

void hints_load(hints *h, kvik *k)
{
    memset(h, 0, sizeof(*h));
    kvik_reply *r = kvik_commandv(k, "COMMAND", "DOCS", NULL);
    if (r && is_pairs(r) && r->elements > 0) {
        hints_from_docs(h, r);
    } else if (r) {
        kvik_reply_free(r);
        r = kvik_commandv(k, "COMMAND", NULL);
        if (r && (r->type == KVIK_ARRAY || r->type == KVIK_SET)) from_command(h, r);
    }
    kvik_reply_free(r);
    sort_cmds(h);
}

void hints_free(hints *h)
{
    for (size_t i = 0; i < h->n; i++) {
        hints_cmd *c = &h->cmds[i];
        for (int j = 0; j < c->nargs; j++)
            free(c->args[j]);
        free(c->args);
        free(c->name);
        free(c->summary);
        free(c->group);
        free(c->since);
    }
    free(h->cmds);
    memset(h, 0, sizeof(*h));
}

static int name_is(const hints_cmd *c, int argc, char **argv)
{
    if (c->words > argc) return 0;
    const char *p = c->name;
    for (int w = 0; w < c->words; w++) {
        size_t n = strlen(argv[w]);
        if (strncasecmp(p, argv[w], n) != 0) return 0;
        p += n;
        if (w + 1 < c->words) {
            if (*p != ' ') return 0;
            p++;
        }
    }
    return *p == 0;
}

const hints_cmd *hints_find(const hints *h, int argc, char **argv)
{
    const hints_cmd *best = NULL;
    for (size_t i = 0; i < h->n; i++)
        if (name_is(&h->cmds[i], argc, argv) && (!best || h->cmds[i].words > best->words))
            best = &h->cmds[i];
    return best;
}

const char *hints_for_line(const hints *h, const char *line)
{
    static char out[1024];
    args a;
    if (args_split(line, &a) != 0 || a.argc == 0) return NULL;
    size_t n = strlen(line);
    int complete = n > 0 && isspace((unsigned char)line[n - 1]);
    const hints_cmd *c = hints_find(h, a.argc, a.argv);
    /* arguments typed after the name; while one is being typed, no hint */
    int typed = c ? a.argc - c->words : 0;
    if (!c || (!complete && typed > 0)) {
        args_free(&a);
        return NULL;
    }
    out[0] = 0;
    size_t len = 0;
    for (int i = typed; i < c->nargs; i++) {
        const char *s = c->args[i];
        size_t sl = strlen(s);
        if (len + sl + 2 >= sizeof(out)) break;
        if (len || !complete) out[len++] = ' ';
        memcpy(out + len, s, sl);
        len += sl;
        out[len] = 0;
    }
    args_free(&a);
    return len ? out : NULL;
}
