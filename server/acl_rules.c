/* server/acl_rules.c — ACL rule parsing and description (see acl.h).
 *
 * A permission version (acl_perm) is plain data: flags, password hashes, a
 * namespace and selectors (the root one first). A selector holds a bitmap of
 * allowed command ids (containers and subcommands have ids of their own),
 * allowed first arguments of commands without subcommands (+select|0), key
 * patterns with read/write flags and channel patterns.
 *
 * ACL LIST must give back rules that rebuild the same bitmap. Like Redis 7.0
 * we keep the command rules as given, minus those a later rule made pointless:
 * a rule drops earlier rules on the same command (or category, or its member
 * commands), then is appended only if replaying the remaining rules from the
 * selector's base (+@all or -@all) would not already give the same result.
 *
 * Nothing here touches clients or the server: the fuzzer links this file with
 * the command table only.
 */
#include "server/acl_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/glob.h"
#include "core/mem.h"
#include "server/cmdtab.h"
#include "server/namespace.h"

#include <openssl/sha.h>

_Atomic int acl_pubsub_default_all;

static int nwords(void)
{
    return (cmd_total_ids() + 63) / 64;
}

/* ------------------------------------------------------------- lifetime */

static void sel_init(acl_sel *s)
{
    memset(s, 0, sizeof(*s));
    s->bits = mem_calloc(sizeof(uint64_t) * (size_t)(nwords() ? nwords() : 1));
    if (acl_pubsub_default_all) s->flags |= SEL_ALLCHANNELS;
}

static void pats_free(acl_pat *v, int n)
{
    for (int i = 0; i < n; i++)
        mem_free(v[i].p);
    mem_free(v);
}

static void fa_clear(acl_sel *s)
{
    for (int i = 0; i < s->nfa; i++) {
        for (int j = 0; j < s->fa[i].n; j++)
            mem_free(s->fa[i].args[j]);
        mem_free(s->fa[i].args);
    }
    mem_free(s->fa);
    s->fa = NULL;
    s->nfa = 0;
}

static void rules_clear(acl_sel *s)
{
    for (int i = 0; i < s->nrules; i++)
        mem_free(s->rules[i]);
    mem_free(s->rules);
    s->rules = NULL;
    s->nrules = 0;
}

static void sel_free(acl_sel *s)
{
    mem_free(s->bits);
    pats_free(s->keys, s->nkeys);
    pats_free(s->chans, s->nchans);
    fa_clear(s);
    rules_clear(s);
}

static acl_pat *pats_dup(const acl_pat *v, int n)
{
    if (!n) return NULL;
    acl_pat *o = mem_alloc(sizeof(*o) * (size_t)n);
    for (int i = 0; i < n; i++) {
        o[i] = v[i];
        o[i].p = mem_dup(v[i].p, v[i].len + 1);
    }
    return o;
}

static void sel_copy(acl_sel *d, const acl_sel *s)
{
    *d = *s;
    size_t nb = sizeof(uint64_t) * (size_t)(nwords() ? nwords() : 1);
    d->bits = mem_dup(s->bits, nb);
    d->keys = pats_dup(s->keys, s->nkeys);
    d->chans = pats_dup(s->chans, s->nchans);
    d->fa = s->nfa ? mem_alloc(sizeof(acl_fa) * (size_t)s->nfa) : NULL;
    for (int i = 0; i < s->nfa; i++) {
        d->fa[i].id = s->fa[i].id;
        d->fa[i].n = s->fa[i].n;
        d->fa[i].args = mem_alloc(sizeof(char *) * (size_t)(s->fa[i].n ? s->fa[i].n : 1));
        for (int j = 0; j < s->fa[i].n; j++)
            d->fa[i].args[j] = mem_strdup(s->fa[i].args[j]);
    }
    d->rules = s->nrules ? mem_alloc(sizeof(char *) * (size_t)s->nrules) : NULL;
    for (int i = 0; i < s->nrules; i++)
        d->rules[i] = mem_strdup(s->rules[i]);
}

acl_perm *acl_perm_new(void)
{
    acl_perm *p = mem_calloc(sizeof(*p));
    p->sel = mem_alloc(sizeof(acl_sel));
    p->nsel = 1;
    sel_init(&p->sel[0]);
    return p;
}

void acl_perm_free(acl_perm *p)
{
    if (!p) return;
    for (int i = 0; i < p->nsel; i++)
        sel_free(&p->sel[i]);
    mem_free(p->sel);
    mem_free(p->pw);
    mem_free(p->ns);
    mem_free(p);
}

acl_perm *acl_perm_dup(const acl_perm *s)
{
    acl_perm *p = mem_calloc(sizeof(*p));
    p->flags = s->flags;
    p->npw = s->npw;
    p->pw = s->npw ? mem_dup(s->pw, sizeof(*p->pw) * (size_t)s->npw) : NULL;
    p->ns = s->ns ? mem_strdup(s->ns) : NULL;
    p->nsel = s->nsel;
    p->sel = mem_alloc(sizeof(acl_sel) * (size_t)s->nsel);
    for (int i = 0; i < s->nsel; i++)
        sel_copy(&p->sel[i], &s->sel[i]);
    return p;
}

/* ------------------------------------------------------------- commands */

static int bit_get(const acl_sel *s, int id)
{
    return (int)((s->bits[id / 64] >> (id % 64)) & 1);
}

static void bit_set(acl_sel *s, int id, int on)
{
    if (on)
        s->bits[id / 64] |= 1ull << (id % 64);
    else
        s->bits[id / 64] &= ~(1ull << (id % 64));
}

int acl_sel_allows_id(const acl_sel *s, int id)
{
    return bit_get(s, id);
}

/* Drops the first arguments allowed for command id. */
static void fa_drop(acl_sel *s, int id)
{
    for (int i = 0; i < s->nfa; i++) {
        if (s->fa[i].id != id) continue;
        for (int j = 0; j < s->fa[i].n; j++)
            mem_free(s->fa[i].args[j]);
        mem_free(s->fa[i].args);
        s->fa[i] = s->fa[--s->nfa];
        return;
    }
}

static void fa_add(acl_sel *s, int id, const char *arg, size_t len)
{
    acl_fa *f = NULL;
    for (int i = 0; i < s->nfa; i++)
        if (s->fa[i].id == id) f = &s->fa[i];
    if (!f) {
        s->fa = mem_realloc(s->fa, sizeof(acl_fa) * (size_t)(s->nfa + 1));
        f = &s->fa[s->nfa++];
        f->id = id;
        f->n = 0;
        f->args = NULL;
    }
    for (int j = 0; j < f->n; j++)
        if (strlen(f->args[j]) == len && strncasecmp(f->args[j], arg, len) == 0) return;
    f->args = mem_realloc(f->args, sizeof(char *) * (size_t)(f->n + 1));
    char *a = mem_alloc(len + 1);
    for (size_t i = 0; i < len; i++)
        a[i] = (char)tolower((unsigned char)arg[i]);
    a[len] = 0;
    f->args[f->n++] = a;
}

int acl_sel_allows_firstarg(const acl_sel *s, int id, slice arg)
{
    for (int i = 0; i < s->nfa; i++) {
        if (s->fa[i].id != id) continue;
        for (int j = 0; j < s->fa[i].n; j++)
            if (strlen(s->fa[i].args[j]) == arg.len &&
                strncasecmp(s->fa[i].args[j], arg.p, arg.len) == 0)
                return 1;
    }
    return 0;
}

/* Sets cmd's bit and, for a container, its subcommands' bits. */
static void set_cmd(acl_sel *s, const command *cmd, int on)
{
    bit_set(s, cmd->id, on);
    fa_drop(s, cmd->id);
    if (cmd->subs)
        for (const command *sub = cmd->subs; sub->name; sub++)
            set_cmd(s, sub, on);
}

static void set_all(acl_sel *s, int on)
{
    int n = cmd_total_ids();
    for (int i = 0; i < n; i++)
        bit_set(s, i, on);
    fa_clear(s);
}

static int category_bit(const char *name, size_t len)
{
    int n = acl_category_count();
    for (int i = 0; i < n; i++)
        if (strlen(acl_category_names[i]) == len &&
            strncasecmp(acl_category_names[i], name, len) == 0)
            return i;
    return -1;
}

static void set_category(acl_sel *s, int cat, int on)
{
    int n = cmd_total_ids();
    for (int i = 0; i < n; i++) {
        const command *c = cmd_by_id(i);
        if (c->acl & (1ull << cat)) {
            bit_set(s, i, on);
            fa_drop(s, i);
        }
    }
}

/* Resolves "name" or "container|sub" or "cmd|firstarg". Returns the command,
 * with *firstarg set when the part after '|' is a first argument. */
static const command *resolve(const char *name, size_t len, slice *firstarg, int *err)
{
    firstarg->p = NULL;
    firstarg->len = 0;
    const char *bar = memchr(name, '|', len);
    if (!bar) {
        const command *c = cmd_lookup_name(name, len);
        if (!c || c->parent) *err = ACL_E_NOENT;
        return c && !c->parent ? c : NULL;
    }
    const command *parent = cmd_lookup_name(name, (size_t)(bar - name));
    if (!parent) {
        *err = ACL_E_NOENT;
        return NULL;
    }
    slice rest = {bar + 1, len - (size_t)(bar - name) - 1};
    if (parent->subs) {
        if (memchr(rest.p, '|', rest.len)) {
            *err = ACL_E_CHILD;
            return NULL;
        }
        slice parts[2] = {{name, (size_t)(bar - name)}, rest};
        const command *sub = cmd_lookup(parts, 2);
        if (!sub || sub == parent) {
            *err = ACL_E_NOENT;
            return NULL;
        }
        return sub;
    }
    if (memchr(rest.p, '|', rest.len) || rest.len == 0) {
        *err = ACL_E_NOENT;
        return NULL;
    }
    *firstarg = rest;
    return parent;
}

/* Applies one command rule to the bitmap only (no bookkeeping). Returns 0 or
 * an ACL_E_* code. */
static int cmdrule_apply(acl_sel *s, const char *op, size_t len)
{
    int on = op[0] == '+';
    if (len >= 2 && op[1] == '@') {
        if (len == 5 && strncasecmp(op + 2, "all", 3) == 0) {
            set_all(s, on);
            if (on)
                s->flags |= SEL_ALLCMDS;
            else
                s->flags &= ~SEL_ALLCMDS;
            return 0;
        }
        int cat = category_bit(op + 2, len - 2);
        if (cat < 0) return ACL_E_NOENT;
        set_category(s, cat, on);
        return 0;
    }
    slice fa;
    int err = 0;
    const command *c = resolve(op + 1, len - 1, &fa, &err);
    if (!c) return err;
    if (fa.p) {
        if (!on) return ACL_E_NOENT;
        if (!bit_get(s, c->id)) fa_add(s, c->id, fa.p, fa.len);
        return 0;
    }
    set_cmd(s, c, on);
    return 0;
}

/* Keeps the category rules in order (ACL LIST replays them); +@all/-@all
 * start over. Command rules need no record: the description diffs bitmaps. */
static int cmdrule(acl_sel *s, const char *op, size_t len)
{
    int r = cmdrule_apply(s, op, len);
    if (r) return r;
    if (len < 2 || op[1] != '@') return 0;
    if (len == 5 && strncasecmp(op + 2, "all", 3) == 0) {
        rules_clear(s);
        return 0;
    }
    char *rule = mem_alloc(len + 1);
    for (size_t i = 0; i < len; i++)
        rule[i] = (char)tolower((unsigned char)op[i]);
    rule[len] = 0;
    int j = 0;
    for (int i = 0; i < s->nrules; i++) {
        if (strcmp(s->rules[i] + 1, rule + 1) == 0)
            mem_free(s->rules[i]);
        else
            s->rules[j++] = s->rules[i];
    }
    s->nrules = j;
    s->rules = mem_realloc(s->rules, sizeof(char *) * (size_t)(s->nrules + 1));
    s->rules[s->nrules++] = rule;
    return 0;
}

/* ------------------------------------------------------ keys and channels */

static int keyrule(acl_sel *s, const char *op, size_t len)
{
    int flags = 0;
    size_t off = 1;
    if (op[0] == '%') {
        for (; off < len; off++) {
            char ch = (char)toupper((unsigned char)op[off]);
            if (ch == 'R' && !(flags & ACL_PERM_R))
                flags |= ACL_PERM_R;
            else if (ch == 'W' && !(flags & ACL_PERM_W))
                flags |= ACL_PERM_W;
            else if (op[off] == '~') {
                off++;
                break;
            } else
                return ACL_E_INVAL;
        }
        if (!flags || off > len || op[off - 1] != '~') return ACL_E_INVAL;
    } else {
        flags = ACL_PERM_RW;
    }
    const char *pat = op + off;
    size_t plen = len - off;
    if (flags == ACL_PERM_RW && plen == 1 && pat[0] == '*') {
        s->flags |= SEL_ALLKEYS;
        pats_free(s->keys, s->nkeys);
        s->keys = NULL;
        s->nkeys = 0;
        return 0;
    }
    if (s->flags & SEL_ALLKEYS) return ACL_E_EXIST;
    for (int i = 0; i < s->nkeys; i++)
        if (s->keys[i].len == plen && memcmp(s->keys[i].p, pat, plen) == 0) {
            s->keys[i].flags |= flags;
            return 0;
        }
    s->keys = mem_realloc(s->keys, sizeof(acl_pat) * (size_t)(s->nkeys + 1));
    acl_pat *k = &s->keys[s->nkeys++];
    k->p = mem_alloc(plen + 1);
    memcpy(k->p, pat, plen);
    k->p[plen] = 0;
    k->len = plen;
    k->flags = flags;
    return 0;
}

static int chanrule(acl_sel *s, const char *op, size_t len)
{
    const char *pat = op + 1;
    size_t plen = len - 1;
    if (plen == 1 && pat[0] == '*') {
        s->flags |= SEL_ALLCHANNELS;
        pats_free(s->chans, s->nchans);
        s->chans = NULL;
        s->nchans = 0;
        return 0;
    }
    if (s->flags & SEL_ALLCHANNELS) return ACL_E_ISDIR;
    for (int i = 0; i < s->nchans; i++)
        if (s->chans[i].len == plen && memcmp(s->chans[i].p, pat, plen) == 0) return 0;
    s->chans = mem_realloc(s->chans, sizeof(acl_pat) * (size_t)(s->nchans + 1));
    acl_pat *k = &s->chans[s->nchans++];
    k->p = mem_alloc(plen + 1);
    memcpy(k->p, pat, plen);
    k->p[plen] = 0;
    k->len = plen;
    k->flags = 0;
    return 0;
}

static int is(const char *op, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(op, word, len) == 0;
}

/* A rule that a selector understands (also used inside "(...)"). */
static int sel_rule(acl_sel *s, const char *op, size_t len)
{
    if (is(op, len, "allkeys")) return keyrule(s, "~*", 2);
    if (is(op, len, "resetkeys")) {
        s->flags &= ~SEL_ALLKEYS;
        pats_free(s->keys, s->nkeys);
        s->keys = NULL;
        s->nkeys = 0;
        return 0;
    }
    if (is(op, len, "allchannels")) return chanrule(s, "&*", 2);
    if (is(op, len, "resetchannels")) {
        s->flags &= ~SEL_ALLCHANNELS;
        pats_free(s->chans, s->nchans);
        s->chans = NULL;
        s->nchans = 0;
        return 0;
    }
    if (is(op, len, "allcommands")) return cmdrule(s, "+@all", 5);
    if (is(op, len, "nocommands")) return cmdrule(s, "-@all", 5);
    if (len >= 1 && (op[0] == '~' || op[0] == '%')) return keyrule(s, op, len);
    if (len >= 1 && op[0] == '&') return chanrule(s, op, len);
    if (len >= 2 && (op[0] == '+' || op[0] == '-')) return cmdrule(s, op, len);
    return ACL_E_INVAL;
}

/* ------------------------------------------------------------- passwords */

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

static int parse_hash(const char *h, size_t len, unsigned char out[32])
{
    if (len != 64) return -1;
    for (int i = 0; i < 32; i++) {
        int a = hexval(h[2 * i]), b = hexval(h[2 * i + 1]);
        if (a < 0 || b < 0) return -1;
        out[i] = (unsigned char)(a * 16 + b);
    }
    return 0;
}

static int pw_find(const acl_perm *p, const unsigned char h[32])
{
    for (int i = 0; i < p->npw; i++)
        if (memcmp(p->pw[i], h, 32) == 0) return i;
    return -1;
}

static void pw_add(acl_perm *p, const unsigned char h[32])
{
    p->flags &= ~U_NOPASS;
    if (pw_find(p, h) >= 0) return;
    p->pw = mem_realloc(p->pw, sizeof(*p->pw) * (size_t)(p->npw + 1));
    memcpy(p->pw[p->npw++], h, 32);
}

static int pw_del(acl_perm *p, const unsigned char h[32])
{
    int i = pw_find(p, h);
    if (i < 0) return ACL_E_NODEV;
    memmove(p->pw[i], p->pw[i + 1], 32 * (size_t)(p->npw - i - 1));
    p->npw--;
    return 0;
}

static void pw_reset(acl_perm *p)
{
    mem_free(p->pw);
    p->pw = NULL;
    p->npw = 0;
}

/* ------------------------------------------------------------- user rules */

static void sels_clear(acl_perm *p)
{
    for (int i = 1; i < p->nsel; i++)
        sel_free(&p->sel[i]);
    p->nsel = 1;
}

/* "(rule rule ...)": a new selector. */
static int add_selector(acl_perm *p, const char *op, size_t len, size_t *bad_off,
                        size_t *bad_len)
{
    acl_sel s;
    sel_init(&s);
    const char *q = op + 1, *end = op + len - 1;
    while (q < end) {
        while (q < end && *q == ' ')
            q++;
        const char *w = q;
        while (q < end && *q != ' ')
            q++;
        if (q == w) break;
        int r = sel_rule(&s, w, (size_t)(q - w));
        if (r) {
            sel_free(&s);
            *bad_off = 0;
            *bad_len = len;
            return r;
        }
    }
    p->sel = mem_realloc(p->sel, sizeof(acl_sel) * (size_t)(p->nsel + 1));
    p->sel[p->nsel++] = s;
    return 0;
}

int acl_rule(acl_perm *p, const char *op, size_t len)
{
    if (is(op, len, "on")) {
        p->flags |= U_ON;
        return 0;
    }
    if (is(op, len, "off")) {
        p->flags &= ~U_ON;
        return 0;
    }
    if (is(op, len, "skip-sanitize-payload")) {
        p->flags = (p->flags & ~U_SANITIZE) | U_SKIP_SANITIZE;
        return 0;
    }
    if (is(op, len, "sanitize-payload")) {
        p->flags = (p->flags & ~U_SKIP_SANITIZE) | U_SANITIZE;
        return 0;
    }
    if (is(op, len, "nopass")) {
        p->flags |= U_NOPASS;
        pw_reset(p);
        return 0;
    }
    if (is(op, len, "resetpass")) {
        p->flags &= ~U_NOPASS;
        pw_reset(p);
        return 0;
    }
    if (is(op, len, "clearselectors")) {
        sels_clear(p);
        return 0;
    }
    if (is(op, len, "reset")) {
        static const char *const seq[] = {
            "resetpass",        "resetkeys",      "resetchannels", "off",
            "sanitize-payload", "clearselectors", "-@all"};
        for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
            acl_rule(p, seq[i], strlen(seq[i]));
        if (acl_pubsub_default_all) acl_rule(p, "allchannels", 11);
        mem_free(p->ns);
        p->ns = NULL;
        return 0;
    }
    if (len >= 10 && strncasecmp(op, "namespace:", 10) == 0) {
        if (len == 10) {
            mem_free(p->ns);
            p->ns = NULL;
            return 0;
        }
        if (!ns_name_valid(op + 10, len - 10)) return ACL_E_NSNAME;
        mem_free(p->ns);
        p->ns = mem_alloc(len - 9);
        memcpy(p->ns, op + 10, len - 10);
        p->ns[len - 10] = 0;
        return 0;
    }
    if (len >= 1 && (op[0] == '>' || op[0] == '<')) {
        unsigned char h[32];
        acl_hash_password(op + 1, len - 1, h);
        if (op[0] == '>') {
            pw_add(p, h);
            return 0;
        }
        return pw_del(p, h);
    }
    if (len >= 1 && (op[0] == '#' || op[0] == '!')) {
        unsigned char h[32];
        if (parse_hash(op + 1, len - 1, h) < 0) return ACL_E_BADMSG;
        if (op[0] == '#') {
            pw_add(p, h);
            return 0;
        }
        return pw_del(p, h);
    }
    if (len >= 2 && op[0] == '(' && op[len - 1] == ')') {
        size_t a, b;
        return add_selector(p, op, len, &a, &b);
    }
    return sel_rule(&p->sel[0], op, len);
}

const char *acl_rule_error(int code)
{
    switch (code) {
    case ACL_E_NOENT:
        return "Unknown command or category name in ACL";
    case ACL_E_INVAL:
        return "Syntax error";
    case ACL_E_EXIST:
        return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not "
               "valid and "
               "does not have any effect. Try 'resetkeys' to start with an empty list of "
               "patterns";
    case ACL_E_ISDIR:
        return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not "
               "valid "
               "and does not have any effect. Try 'resetchannels' to start with an empty "
               "list "
               "of channels";
    case ACL_E_NODEV:
        return "The password you are trying to remove from the user does not exist";
    case ACL_E_BADMSG:
        return "The password hash must be exactly 64 characters and contain only "
               "lowercase "
               "hexadecimal characters";
    case ACL_E_CHILD:
        return "Allowing first-arg of a subcommand is not supported";
    case ACL_E_NSNAME:
        return "Invalid namespace name (1 to 64 characters of A-Z a-z 0-9 _ . -)";
    default:
        return "Syntax error";
    }
}

int acl_perm_apply(acl_perm *p, const slice *argv, int argc, char *err, size_t errlen)
{
    buf merged = BUF_INIT;
    for (int i = 0; i < argc; i++) {
        slice op = argv[i];
        int first = i;
        if (op.len && op.p[0] == '(' && op.p[op.len - 1] != ')') {
            /* a selector spanning arguments: join them with spaces */
            merged.len = 0;
            buf_append(&merged, op.p, op.len);
            int closed = 0;
            while (++i < argc) {
                buf_putc(&merged, ' ');
                buf_append(&merged, argv[i].p, argv[i].len);
                if (argv[i].len && argv[i].p[argv[i].len - 1] == ')') {
                    closed = 1;
                    break;
                }
            }
            if (!closed) {
                snprintf(err, errlen,
                         "Unmatched parenthesis in acl selector starting at '%.*s'.",
                         (int)argv[first].len, argv[first].p);
                buf_free(&merged);
                return -1;
            }
            op = slice_of(merged.p, merged.len);
        }
        int r = acl_rule(p, op.p, op.len);
        if (r) {
            snprintf(err, errlen, "Error in ACL SETUSER modifier '%.*s': %s", (int)op.len,
                     op.p, acl_rule_error(r));
            buf_free(&merged);
            return -1;
        }
    }
    buf_free(&merged);
    return 0;
}

/* ------------------------------------------------------------- describe */

static void describe_keys(const acl_sel *s, buf *out, int *first)
{
    if (s->flags & SEL_ALLKEYS) {
        buf_puts(out, *first ? "~*" : " ~*");
        *first = 0;
        return;
    }
    for (int i = 0; i < s->nkeys; i++) {
        if (!*first) buf_putc(out, ' ');
        *first = 0;
        const acl_pat *k = &s->keys[i];
        if (k->flags == ACL_PERM_R)
            buf_puts(out, "%R~");
        else if (k->flags == ACL_PERM_W)
            buf_puts(out, "%W~");
        else
            buf_putc(out, '~');
        buf_append(out, k->p, k->len);
    }
}

static void describe_chans(const acl_sel *s, buf *out, int with_reset, int *first)
{
    if (s->flags & SEL_ALLCHANNELS) {
        buf_puts(out, *first ? "&*" : " &*");
        *first = 0;
        return;
    }
    if (with_reset) {
        buf_puts(out, *first ? "resetchannels" : " resetchannels");
        *first = 0;
    }
    for (int i = 0; i < s->nchans; i++) {
        if (!*first) buf_putc(out, ' ');
        *first = 0;
        buf_putc(out, '&');
        buf_append(out, s->chans[i].p, s->chans[i].len);
    }
}

static void emit(buf *out, int on, const char *name, const char *arg)
{
    buf_putc(out, ' ');
    buf_putc(out, on ? '+' : '-');
    buf_puts(out, name);
    if (arg) {
        buf_putc(out, '|');
        buf_puts(out, arg);
    }
}

static void emit_firstargs(const acl_sel *s, int id, const char *name, buf *out)
{
    for (int i = 0; i < s->nfa; i++)
        if (s->fa[i].id == id)
            for (int j = 0; j < s->fa[i].n; j++)
                emit(out, 1, name, s->fa[i].args[j]);
}

/* Like Redis 7.0: the base (+@all when the selector will allow future
 * commands, else -@all), the category rules that still change something, in
 * the order given, then each command (and subcommand) whose permission
 * differs from what those give, in command table order. */
void acl_sel_describe_cmds(const acl_sel *s, buf *out)
{
    size_t nb = sizeof(uint64_t) * (size_t)(nwords() ? nwords() : 1);
    acl_sel t;
    sel_init(&t);
    set_all(&t, (s->flags & SEL_ALLCMDS) != 0);
    buf_puts(out, (s->flags & SEL_ALLCMDS) ? "+@all" : "-@all");
    uint64_t *before = mem_alloc(nb);
    for (int i = 0; i < s->nrules; i++) {
        memcpy(before, t.bits, nb);
        cmdrule_apply(&t, s->rules[i], strlen(s->rules[i]));
        if (memcmp(before, t.bits, nb) != 0) {
            buf_putc(out, ' ');
            buf_puts(out, s->rules[i]);
        }
    }
    mem_free(before);
    for (int i = 0; cmd_table[i]; i++) {
        const command *c = cmd_table[i];
        int ub = bit_get(s, c->id);
        if (ub != bit_get(&t, c->id)) {
            emit(out, ub, c->name, NULL);
            set_cmd(&t, c, ub);
        }
        if (!ub) emit_firstargs(s, c->id, c->name, out);
        if (!c->subs) continue;
        for (const command *sub = c->subs; sub->name; sub++) {
            int sb = bit_get(s, sub->id);
            if (sb != bit_get(&t, sub->id)) {
                emit(out, sb, sub->name, NULL);
                bit_set(&t, sub->id, sb);
            }
        }
    }
    sel_free(&t);
}

void acl_sel_describe_keys(const acl_sel *s, buf *out)
{
    int first = 1;
    describe_keys(s, out, &first);
}

void acl_sel_describe_chans(const acl_sel *s, buf *out)
{
    int first = 1;
    describe_chans(s, out, 0, &first);
}

static void describe_sel(const acl_sel *s, buf *out)
{
    int first = 1;
    describe_keys(s, out, &first);
    describe_chans(s, out, 1, &first);
    if (!first) buf_putc(out, ' ');
    acl_sel_describe_cmds(s, out);
}

void acl_perm_describe(const acl_perm *p, buf *out)
{
    buf_puts(out, (p->flags & U_ON) ? "on" : "off");
    if (p->flags & U_NOPASS) buf_puts(out, " nopass");
    if (p->flags & U_SKIP_SANITIZE) buf_puts(out, " skip-sanitize-payload");
    if (p->flags & U_SANITIZE) buf_puts(out, " sanitize-payload");
    for (int i = 0; i < p->npw; i++) {
        buf_puts(out, " #");
        acl_hex(p->pw[i], out);
    }
    buf_putc(out, ' ');
    describe_sel(&p->sel[0], out);
    for (int i = 1; i < p->nsel; i++) {
        buf_puts(out, " (");
        describe_sel(&p->sel[i], out);
        buf_putc(out, ')');
    }
    if (p->ns) {
        buf_puts(out, " namespace:");
        buf_puts(out, p->ns);
    }
}

void acl_hex(const unsigned char h[32], buf *out)
{
    static const char hex[] = "0123456789abcdef";
    char s[64];
    for (int i = 0; i < 32; i++) {
        s[2 * i] = hex[h[i] >> 4];
        s[2 * i + 1] = hex[h[i] & 15];
    }
    buf_append(out, s, 64);
}

/* 1 if s allows every command, key and channel. */
int acl_sel_all(const acl_sel *s)
{
    if (!(s->flags & SEL_ALLKEYS) || !(s->flags & SEL_ALLCHANNELS)) return 0;
    int n = cmd_total_ids();
    for (int i = 0; i < n; i++)
        if (!bit_get(s, i)) return 0;
    return 1;
}

/* ------------------------------------------------------------- matching */

int acl_sel_key_ok(const acl_sel *s, slice key, int need)
{
    if (s->flags & SEL_ALLKEYS) return 1;
    for (int i = 0; i < s->nkeys; i++) {
        const acl_pat *k = &s->keys[i];
        if ((k->flags & need) != need) continue;
        if (glob_match(k->p, k->len, key.p, key.len, 0)) return 1;
    }
    return 0;
}

int acl_sel_chan_ok(const acl_sel *s, slice ch, int is_pattern)
{
    if (s->flags & SEL_ALLCHANNELS) return 1;
    for (int i = 0; i < s->nchans; i++) {
        const acl_pat *k = &s->chans[i];
        if (is_pattern) {
            if (k->len == ch.len && memcmp(k->p, ch.p, ch.len) == 0) return 1;
        } else if (glob_match(k->p, k->len, ch.p, ch.len, 0)) {
            return 1;
        }
    }
    return 0;
}

void acl_hash_password(const char *pw, size_t len, unsigned char out[32])
{
    SHA256((const unsigned char *)pw, len, out);
}
