/* server/cmddocs.c — the argument-syntax parser behind COMMAND DOCS.
 *
 * Three passes over one string (notation in cmddocs.h):
 *
 *   syntax --lex--> lexemes --parse--> syntax tree --convert--> cmddocs_arg tree
 *
 * The syntax tree mirrors the brackets: words, "..." marks and groups, a group
 * holding one or more alternatives, each a sequence of nodes. Every node
 * remembers its span of lexemes, which is how repeats are recognised: in
 * "field value [field value ...]" the span of the optional group, less its
 * brackets and its "...", reads the same as the span of the two nodes before
 * it, so those two become one repeated unit.
 *
 * Conversion then decides which arguments carry tokens: a token takes the
 * values and required groups that follow it in its sequence, up to the next
 * token or optional group ("EX seconds", "LIMIT offset count",
 * "AGGREGATE <SUM | MIN | MAX>", "STREAMS key [key ...] id [id ...]").
 *
 * Memory: everything, the result included, comes from one arena that
 * cmddocs_free releases at once, so a parse that fails half way leaks nothing.
 * Input size and nesting are capped (CMDDOCS_MAX_LEN, CMDDOCS_MAX_DEPTH), which
 * bounds the recursion and every allocation.
 */
#include "server/cmddocs.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/mem.h"

/* ------------------------------------------------------------------ arena */

typedef struct cmddocs_arena {
    struct cmddocs_arena *next;
    size_t used, cap;
    max_align_t data[];
} cmddocs_arena;

#define ARENA_BLOCK 4096

static void *arena_alloc(cmddocs_arena **head, size_t size)
{
    size_t align = _Alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    cmddocs_arena *a = *head;
    if (!a || a->cap - a->used < size) {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        a = mem_alloc(sizeof(*a) + cap);
        a->next = *head;
        a->used = 0;
        a->cap = cap;
        *head = a;
    }
    void *p = (char *)a->data + a->used;
    a->used += size;
    memset(p, 0, size);
    return p;
}

static void arena_free(cmddocs_arena *a)
{
    while (a) {
        cmddocs_arena *next = a->next;
        mem_free(a);
        a = next;
    }
}

/* ------------------------------------------------------------------ lexer */

enum { LX_WORD, LX_QUOTED, LX_OPEN, LX_CLOSE, LX_PIPE, LX_ELLIPSIS };

typedef struct lexeme {
    int kind;
    const char *p; /* text (for LX_QUOTED: inside the quotes); OPEN/CLOSE: the bracket */
    int len;
} lexeme;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_special(char c)
{
    return c == '[' || c == ']' || c == '<' || c == '>' || c == '(' || c == ')' ||
           c == '|';
}

/* Splits s[0..len) into lexemes (lx has room for len + 1). Returns how many, or
 * a negative error. */
static int lex(const char *s, size_t len, lexeme *lx)
{
    int n = 0;
    size_t i = 0;
    while (i < len) {
        char c = s[i];
        if (is_space(c)) {
            i++;
        } else if (c == '[' || c == '<' || c == '(') {
            lx[n++] = (lexeme){LX_OPEN, s + i, 1};
            i++;
        } else if (c == ']' || c == '>' || c == ')') {
            lx[n++] = (lexeme){LX_CLOSE, s + i, 1};
            i++;
        } else if (c == '|') {
            lx[n++] = (lexeme){LX_PIPE, s + i, 1};
            i++;
        } else if (c == '"') {
            size_t j = i + 1;
            while (j < len && s[j] != '"')
                j++;
            if (j >= len) return CMDDOCS_ERR_QUOTE;
            lx[n++] = (lexeme){LX_QUOTED, s + i + 1, (int)(j - i - 1)};
            i = j + 1;
        } else {
            size_t j = i;
            while (j < len && !is_space(s[j]) && !is_special(s[j]))
                j++;
            int wlen = (int)(j - i);
            if (wlen == 3 && memcmp(s + i, "...", 3) == 0) {
                lx[n++] = (lexeme){LX_ELLIPSIS, s + i, 3};
            } else if (wlen > 3 && memcmp(s + j - 3, "...", 3) == 0) {
                lx[n++] = (lexeme){LX_WORD, s + i, wlen - 3}; /* "key..." */
                lx[n++] = (lexeme){LX_ELLIPSIS, s + j - 3, 3};
            } else {
                lx[n++] = (lexeme){LX_WORD, s + i, wlen};
            }
            i = j;
        }
    }
    return n;
}

static int lexeme_eq(const lexeme *a, const lexeme *b)
{
    return a->kind == b->kind && a->len == b->len &&
           memcmp(a->p, b->p, (size_t)a->len) == 0;
}

/* 1 if a word is a token: quoted, or without any lower-case letter. */
static int word_is_token(const lexeme *l)
{
    if (l->kind == LX_QUOTED) return 1;
    for (int i = 0; i < l->len; i++)
        if (l->p[i] >= 'a' && l->p[i] <= 'z') return 0;
    return 1;
}

/* ------------------------------------------------------------ syntax tree */

enum { SN_WORD, SN_GROUP, SN_ELLIPSIS };

typedef struct snode snode;

typedef struct sseq {
    snode **v;
    int n, cap;
} sseq;

struct snode {
    int kind;
    int lo, hi; /* lexemes [lo, hi) */
    int token;  /* word: a token */
    char open;  /* group: '[', '<', '('; 0 for a repeat unit made by convert */
    int multiple, multiple_token;
    int nalts;
    sseq *alts;
};

typedef struct parser {
    cmddocs_arena *arena;
    const lexeme *lx;
    int n, i;
} parser;

static void seq_push(cmddocs_arena **arena, sseq *s, snode *node)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        snode **v = arena_alloc(arena, sizeof(*v) * (size_t)cap);
        if (s->n) memcpy(v, s->v, sizeof(*v) * (size_t)s->n);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = node;
}

static int parse_alts(parser *P, int depth, char closer, snode *group);

static char closer_of(char open)
{
    return open == '[' ? ']' : open == '<' ? '>' : ')';
}

/* Parses nodes up to a '|', a closing bracket or the end. */
static int parse_seq(parser *P, int depth, sseq *out)
{
    while (P->i < P->n) {
        const lexeme *l = &P->lx[P->i];
        if (l->kind == LX_PIPE || l->kind == LX_CLOSE) break;
        snode *node = arena_alloc(&P->arena, sizeof(*node));
        node->lo = P->i;
        if (l->kind == LX_WORD || l->kind == LX_QUOTED) {
            node->kind = SN_WORD;
            node->token = word_is_token(l);
            P->i++;
        } else if (l->kind == LX_ELLIPSIS) {
            node->kind = SN_ELLIPSIS;
            P->i++;
        } else { /* LX_OPEN */
            if (depth + 1 > CMDDOCS_MAX_DEPTH) return CMDDOCS_ERR_DEPTH;
            node->kind = SN_GROUP;
            node->open = l->p[0];
            P->i++;
            int rc = parse_alts(P, depth + 1, closer_of(node->open), node);
            if (rc < 0) return rc;
        }
        node->hi = P->i;
        seq_push(&P->arena, out, node);
    }
    return 0;
}

/* Parses "seq | seq | ..." into group->alts, then the closer (0: the end). */
static int parse_alts(parser *P, int depth, char closer, snode *group)
{
    int cap = 0;
    for (;;) {
        sseq seq = {0};
        int rc = parse_seq(P, depth, &seq);
        if (rc < 0) return rc;
        if (seq.n == 0) return CMDDOCS_ERR_EMPTY;
        if (group->nalts == cap) {
            cap = cap ? cap * 2 : 4;
            sseq *alts = arena_alloc(&P->arena, sizeof(*alts) * (size_t)cap);
            if (group->nalts)
                memcpy(alts, group->alts, sizeof(*alts) * (size_t)group->nalts);
            group->alts = alts;
        }
        group->alts[group->nalts++] = seq;
        if (P->i < P->n && P->lx[P->i].kind == LX_PIPE) {
            P->i++;
            continue;
        }
        break;
    }
    if (!closer) return P->i < P->n ? CMDDOCS_ERR_UNBALANCED : 0; /* stray closer */
    if (P->i >= P->n) return CMDDOCS_ERR_UNBALANCED;
    if (P->lx[P->i].p[0] != closer) return CMDDOCS_ERR_MISMATCH;
    P->i++;
    return 0;
}

/* ------------------------------------------------------------- conversion */

typedef struct avec {
    cmddocs_arg *v;
    int n, cap;
} avec;

static void avec_push(cmddocs_arena **arena, avec *a, const cmddocs_arg *arg)
{
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 8;
        cmddocs_arg *v = arena_alloc(arena, sizeof(*v) * (size_t)cap);
        if (a->n) memcpy(v, a->v, sizeof(*v) * (size_t)a->n);
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = *arg;
}

static char *arena_strndup(cmddocs_arena **arena, const char *s, size_t n)
{
    char *d = arena_alloc(arena, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static int name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0) return 1;
    return 0;
}

static const char *const key_names[] = {
    "key", "destination", "source", "newkey", "destkey", "srckey", NULL,
};
static const char *const integer_names[] = {
    "count",       "seconds",   "milliseconds", "cursor",         "numkeys",
    "offset",      "index",     "start",        "stop",           "end",
    "db",          "client-id", "port",         "destination-db", "increment",
    "decrement",   "rank",      "numreplicas",  "numlocal",       "len",
    "num-matches", "protover",  "bit",          "weight",         "min-match-len",
    NULL,
};
static const char *const double_names[] = {
    "score", "longitude", "latitude", "radius", "width", "height", NULL,
};

static cmddocs_type type_of_name(const char *name)
{
    if (name_in(name, key_names)) return CMDDOCS_KEY;
    if (strncmp(name, "key", 3) == 0 && name[3] >= '0' && name[3] <= '9')
        return CMDDOCS_KEY;
    if (strcmp(name, "pattern") == 0) return CMDDOCS_PATTERN;
    if (strncmp(name, "unix-time", 9) == 0) return CMDDOCS_UNIX_TIME;
    if (name_in(name, integer_names)) return CMDDOCS_INTEGER;
    if (strncmp(name, "index", 5) == 0 && name[5] >= '0' && name[5] <= '9')
        return CMDDOCS_INTEGER; /* SWAPDB index1 index2 */
    if (name_in(name, double_names)) return CMDDOCS_DOUBLE;
    return CMDDOCS_STRING;
}

typedef struct conv {
    cmddocs_arena *arena;
    const lexeme *lx;
} conv;

static int convert_seq(conv *C, const sseq *seq, avec *out);

static void word_arg(conv *C, const snode *node, cmddocs_arg *a)
{
    const lexeme *l = &C->lx[node->lo];
    memset(a, 0, sizeof(*a));
    a->key_index = -1;
    if (node->token) {
        a->type = CMDDOCS_PURE_TOKEN;
        a->token = arena_strndup(&C->arena, l->p, (size_t)l->len);
        if (l->len == 0) {
            a->name = "empty_string";
        } else {
            char *name = arena_strndup(&C->arena, l->p, (size_t)l->len);
            for (char *p = name; *p; p++)
                if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
            a->name = name;
        }
    } else {
        a->name = arena_strndup(&C->arena, l->p, (size_t)l->len);
        a->type = type_of_name(a->name);
    }
    if (node->multiple) a->flags |= CMDDOCS_MULTIPLE;
}

#define MAX_GROUP_NAME 100

/* A oneof or block over args, named by its members' names joined with '_'. */
static void group_arg(conv *C, cmddocs_type type, const avec *args, cmddocs_arg *a)
{
    char name[MAX_GROUP_NAME + 1];
    size_t len = 0;
    for (int i = 0; i < args->n && len < MAX_GROUP_NAME; i++) {
        if (i) name[len++] = '_';
        size_t l = strlen(args->v[i].name);
        if (l > MAX_GROUP_NAME - len) l = MAX_GROUP_NAME - len;
        memcpy(name + len, args->v[i].name, l);
        len += l;
    }
    memset(a, 0, sizeof(*a));
    a->name = arena_strndup(&C->arena, name, len);
    a->type = type;
    a->key_index = -1;
    a->nargs = args->n;
    a->args = args->v;
}

static int span_eq(const lexeme *lx, int alo, int ahi, int blo, int bhi)
{
    if (ahi - alo != bhi - blo || ahi <= alo) return 0;
    for (int i = 0; i < ahi - alo; i++)
        if (!lexeme_eq(&lx[alo + i], &lx[blo + i])) return 0;
    return 1;
}

/* 1 if g is "[ ... ...]": optional, and its last alternative ends in "...". */
static int is_repeat_group(const snode *g)
{
    if (g->kind != SN_GROUP || g->open != '[') return 0;
    const sseq *last = &g->alts[g->nalts - 1];
    return last->v[last->n - 1]->kind == SN_ELLIPSIS && g->hi - g->lo > 3;
}

/* "[a | b [a | b ...]]": the last alternative ends with a repeat of the whole
 * choice (BITFIELD's notation). Returns 1 if so. With one alternative,
 * "[a b [a b ...]]" is the ordinary repeat of the nodes before it. */
static int repeats_enclosing(conv *C, const snode *g)
{
    const sseq *last = &g->alts[g->nalts - 1];
    if (g->nalts < 2 || last->n < 2) return 0;
    const snode *r = last->v[last->n - 1];
    return is_repeat_group(r) && span_eq(C->lx, g->lo + 1, r->lo, r->lo + 1, r->hi - 2);
}

static int convert_group(conv *C, const snode *g, cmddocs_arg *a)
{
    avec alts = {0};
    int self_repeat = g->open && repeats_enclosing(C, g);
    for (int i = 0; i < g->nalts; i++) {
        avec items = {0};
        sseq seq = g->alts[i];
        if (self_repeat && i == g->nalts - 1) seq.n--; /* drop the repeat */
        int rc = convert_seq(C, &seq, &items);
        if (rc < 0) return rc;
        if (items.n == 0) return CMDDOCS_ERR_EMPTY; /* cannot happen: parse refuses */
        cmddocs_arg alt;
        if (items.n == 1)
            alt = items.v[0];
        else
            group_arg(C, CMDDOCS_BLOCK, &items, &alt);
        avec_push(&C->arena, &alts, &alt);
    }
    if (alts.n == 1)
        *a = alts.v[0];
    else
        group_arg(C, CMDDOCS_ONEOF, &alts, a);
    if (g->open == '[') a->flags |= CMDDOCS_OPTIONAL;
    if (g->multiple || self_repeat) a->flags |= CMDDOCS_MULTIPLE;
    if (g->multiple_token) a->flags |= CMDDOCS_MULTIPLE_TOKEN;
    return 0;
}

static int convert_item(conv *C, const snode *node, cmddocs_arg *a)
{
    if (node->kind == SN_GROUP) return convert_group(C, node, a);
    word_arg(C, node, a);
    return 0;
}

/* g repeats the nodes before it in v ("a b [a b ...]", "<x | y> [x | y ...]"):
 * marks them multiple (joining several into one unit) and returns 1; else 0. */
static int merge_repeat(conv *C, sseq *v, const snode *g)
{
    int plo = g->lo + 1, phi = g->hi - 2; /* inside the brackets, before "..." */
    if (v->n == 0) return 0;
    snode *last = v->v[v->n - 1];
    if (last->kind == SN_GROUP && span_eq(C->lx, last->lo + 1, last->hi - 1, plo, phi)) {
        last->multiple = 1;
        return 1;
    }
    for (int k = 1; k <= v->n; k++) {
        snode *first = v->v[v->n - k];
        if (last->hi - first->lo > phi - plo) break;
        if (!span_eq(C->lx, first->lo, last->hi, plo, phi)) continue;
        if (k == 1) {
            last->multiple = 1;
            return 1;
        }
        snode *unit = arena_alloc(&C->arena, sizeof(*unit));
        unit->kind = SN_GROUP;
        unit->lo = first->lo;
        unit->hi = last->hi;
        unit->multiple = 1;
        unit->multiple_token = first->kind == SN_WORD && first->token;
        unit->nalts = 1;
        unit->alts = arena_alloc(&C->arena, sizeof(*unit->alts));
        for (int i = v->n - k; i < v->n; i++)
            seq_push(&C->arena, unit->alts, v->v[i]);
        v->n -= k;
        seq_push(&C->arena, v, unit);
        return 1;
    }
    return 0;
}

/* Can a token take this node as (part of) its value? */
static int governable(const snode *n)
{
    if (n->kind == SN_WORD) return !n->token;
    if (n->kind != SN_GROUP || n->open == '[') return 0;
    return !(n->open == 0 && n->multiple_token); /* "GET x [GET x ...]" carries its own */
}

/* The token at items[i] and the nodes it takes, items[i+1 .. i+m]: a pure
 * token (m == 0), the one argument it introduces (m == 1), or a block. */
static int convert_token(conv *C, snode **items, int i, int m, cmddocs_arg *a)
{
    if (m == 0) {
        word_arg(C, items[i], a);
        return 0;
    }
    const lexeme *l = &C->lx[items[i]->lo];
    const char *token = arena_strndup(&C->arena, l->p, (size_t)l->len);
    avec kids = {0};
    for (int j = 1; j <= m; j++) {
        cmddocs_arg kid;
        int rc = convert_item(C, items[i + j], &kid);
        if (rc < 0) return rc;
        avec_push(&C->arena, &kids, &kid);
    }
    if (m == 1 && !kids.v[0].token) {
        *a = kids.v[0];
    } else {
        group_arg(C, CMDDOCS_BLOCK, &kids, a);
    }
    a->token = token;
    return 0;
}

static int convert_seq(conv *C, const sseq *seq, avec *out)
{
    sseq v = {0};
    for (int i = 0; i < seq->n; i++) {
        snode *node = seq->v[i];
        if (node->kind == SN_ELLIPSIS) {
            if (v.n == 0) return CMDDOCS_ERR_ELLIPSIS;
            v.v[v.n - 1]->multiple = 1;
            continue;
        }
        if (is_repeat_group(node) && merge_repeat(C, &v, node)) continue;
        seq_push(&C->arena, &v, node);
    }
    for (int i = 0; i < v.n;) {
        snode *node = v.v[i];
        cmddocs_arg a;
        int rc, used = 1;
        if (node->kind == SN_WORD && node->token && !node->multiple) {
            int m = 0;
            while (i + 1 + m < v.n && governable(v.v[i + 1 + m]))
                m++;
            rc = convert_token(C, v.v, i, m, &a);
            used += m;
        } else {
            rc = convert_item(C, node, &a);
        }
        if (rc < 0) return rc;
        avec_push(&C->arena, out, &a);
        i += used;
    }
    return 0;
}

static void number_keys(cmddocs_arg *args, int n, int *next)
{
    for (int i = 0; i < n; i++) {
        cmddocs_arg *a = &args[i];
        a->key_index = a->type == CMDDOCS_KEY ? (*next)++ : -1;
        if (a->nargs) number_keys(a->args, a->nargs, next);
    }
}

/* ------------------------------------------------------------------ API */

/* ------------------------------------------------------------ compaction */

/* The parse leaves its syntax tree and its discarded vectors in the work
 * arena; the result is copied into one block of exactly the size it needs, so
 * a cached tree costs its own bytes only. */

static size_t aligned(size_t n)
{
    size_t align = _Alignof(max_align_t);
    return (n + align - 1) & ~(align - 1);
}

static size_t tree_bytes(const cmddocs_arg *args, int n)
{
    size_t bytes = n ? aligned(sizeof(*args) * (size_t)n) : 0;
    for (int i = 0; i < n; i++) {
        bytes += aligned(strlen(args[i].name) + 1);
        if (args[i].token) bytes += aligned(strlen(args[i].token) + 1);
        bytes += tree_bytes(args[i].args, args[i].nargs);
    }
    return bytes;
}

static cmddocs_arg *copy_args(cmddocs_arena **arena, const cmddocs_arg *src, int n)
{
    if (!n) return NULL;
    cmddocs_arg *dst = arena_alloc(arena, sizeof(*dst) * (size_t)n);
    for (int i = 0; i < n; i++) {
        dst[i] = src[i];
        dst[i].name = arena_strndup(arena, src[i].name, strlen(src[i].name));
        if (src[i].token)
            dst[i].token = arena_strndup(arena, src[i].token, strlen(src[i].token));
        dst[i].args = copy_args(arena, src[i].args, src[i].nargs);
    }
    return dst;
}

static cmddocs_tree *compact(const cmddocs_arg *args, int nargs, int nkeys)
{
    size_t bytes = aligned(sizeof(cmddocs_tree)) + tree_bytes(args, nargs);
    cmddocs_arena *arena = mem_alloc(sizeof(*arena) + bytes);
    arena->next = NULL;
    arena->used = 0;
    arena->cap = bytes; /* every arena_alloc below fits: no second block */
    cmddocs_tree *t = arena_alloc(&arena, sizeof(*t));
    t->args = copy_args(&arena, args, nargs);
    t->nargs = nargs;
    t->nkeys = nkeys;
    t->arena = arena;
    return t;
}

/* ------------------------------------------------------------------ API */

/* Parses into the work arena; returns 0 with the top-level arguments. */
static int parse_all(cmddocs_arena **arena, const char *syntax, size_t len, avec *args)
{
    lexeme *lx = arena_alloc(arena, sizeof(*lx) * (len + 1));
    int n = lex(syntax, len, lx);
    if (n <= 0) return n;
    parser P = {.arena = *arena, .lx = lx, .n = n, .i = 0};
    snode root = {.kind = SN_GROUP, .open = '<', .lo = 0, .hi = n};
    int rc = parse_alts(&P, 0, 0, &root);
    conv C = {.arena = P.arena, .lx = lx};
    if (rc == 0 && root.nalts == 1) {
        rc = convert_seq(&C, &root.alts[0], args);
    } else if (rc == 0) {
        cmddocs_arg a;
        rc = convert_group(&C, &root, &a); /* "a | b": one required choice */
        if (rc == 0) avec_push(&C.arena, args, &a);
    }
    *arena = C.arena;
    return rc;
}

int cmddocs_parse(const char *syntax, cmddocs_tree **out)
{
    *out = NULL;
    size_t len = syntax ? strnlen(syntax, CMDDOCS_MAX_LEN + 1) : 0;
    if (len > CMDDOCS_MAX_LEN) return CMDDOCS_ERR_TOO_LONG;
    cmddocs_arena *work = NULL;
    avec args = {0};
    int rc = parse_all(&work, syntax ? syntax : "", len, &args);
    if (rc == 0) {
        int nkeys = 0;
        number_keys(args.v, args.n, &nkeys);
        *out = compact(args.v, args.n, nkeys);
    }
    arena_free(work);
    return rc < 0 ? rc : 0;
}

void cmddocs_free(cmddocs_tree *t)
{
    if (t) arena_free(t->arena); /* t itself lives in the arena */
}

const char *cmddocs_type_name(cmddocs_type t)
{
    switch (t) {
    case CMDDOCS_STRING:
        return "string";
    case CMDDOCS_INTEGER:
        return "integer";
    case CMDDOCS_DOUBLE:
        return "double";
    case CMDDOCS_KEY:
        return "key";
    case CMDDOCS_PATTERN:
        return "pattern";
    case CMDDOCS_UNIX_TIME:
        return "unix-time";
    case CMDDOCS_PURE_TOKEN:
        return "pure-token";
    case CMDDOCS_ONEOF:
        return "oneof";
    case CMDDOCS_BLOCK:
        return "block";
    }
    return "string"; /* cannot happen */
}

const char *cmddocs_strerror(int err)
{
    switch (err) {
    case 0:
        return "ok";
    case CMDDOCS_ERR_TOO_LONG:
        return "syntax too long";
    case CMDDOCS_ERR_DEPTH:
        return "brackets nested too deep";
    case CMDDOCS_ERR_UNBALANCED:
        return "unbalanced brackets";
    case CMDDOCS_ERR_MISMATCH:
        return "mismatched brackets";
    case CMDDOCS_ERR_EMPTY:
        return "empty group or alternative";
    case CMDDOCS_ERR_ELLIPSIS:
        return "'...' with nothing to repeat";
    case CMDDOCS_ERR_QUOTE:
        return "unterminated quote";
    }
    return "unknown error";
}

typedef struct writer {
    char *dst;
    size_t size, len;
} writer;

static void put(writer *w, const char *s, size_t n)
{
    if (w->len < w->size) {
        size_t room = w->size - 1 - w->len;
        size_t k = n < room ? n : room;
        memcpy(w->dst + w->len, s, k);
        w->dst[w->len + k] = 0;
    }
    w->len += n;
}

static void puts_(writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void format_args(writer *w, const cmddocs_arg *args, int n)
{
    for (int i = 0; i < n; i++) {
        const cmddocs_arg *a = &args[i];
        if (i) put(w, " ", 1);
        puts_(w, a->name);
        put(w, ":", 1);
        puts_(w, cmddocs_type_name(a->type));
        if (a->token) {
            put(w, "=", 1);
            puts_(w, a->token);
        }
        if (a->key_index >= 0) {
            char num[16];
            int k = 0, v = a->key_index;
            char rev[16];
            do
                rev[k++] = (char)('0' + v % 10), v /= 10;
            while (v && k < 15);
            num[0] = '#';
            for (int j = 0; j < k; j++)
                num[1 + j] = rev[k - 1 - j];
            put(w, num, (size_t)k + 1);
        }
        if (a->flags & CMDDOCS_OPTIONAL) put(w, "?", 1);
        if (a->flags & CMDDOCS_MULTIPLE) put(w, "*", 1);
        if (a->flags & CMDDOCS_MULTIPLE_TOKEN) put(w, "+", 1);
        if (a->nargs) {
            put(w, "{", 1);
            format_args(w, a->args, a->nargs);
            put(w, "}", 1);
        }
    }
}

size_t cmddocs_format(const cmddocs_tree *t, char *dst, size_t size)
{
    writer w = {dst, size, 0};
    if (size) dst[0] = 0;
    if (t) format_args(&w, t->args, t->nargs);
    return w.len;
}
