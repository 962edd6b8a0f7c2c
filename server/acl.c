/* server/acl.c — ACL users: the user table, authentication, permission
 * checks, the aclfile, and reclaiming replaced permission versions.
 *
 *   users[] (sorted by name, under acl_lock)
 *     acl_user: name | refs | deleted | perm ---> acl_perm (immutable once published)
 *   client.user ---^  (one reference per client)
 *
 * Readers never lock: acl_check loads user->perm (acquire) and reads it for
 * the rest of the command. Writers (SETUSER, DELUSER, LOAD, CONFIG SET
 * requirepass) build a new acl_perm under acl_lock, publish it (seq_cst
 * store), then retire the old one with the epoch the swap ended in. Each
 * worker records the epoch it saw at the end of every loop pass
 * (acl_quiescent); a retired version is freed once every worker has recorded
 * an epoch at or past its retirement, i.e. has finished every command that
 * might have loaded it. Idle workers still end passes at every cron tick.
 */
#include "server/acl_int.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "server/client.h"
#include "server/cmdtab.h"
#include "server/namespace.h"
#include "server/worker.h"

pthread_mutex_t acl_lock = PTHREAD_MUTEX_INITIALIZER;

static acl_user **users;
static int nusers, capusers;
static acl_user *default_user;
static int initialized;
static const char *applied_requirepass; /* the cfg string last applied */

/* ------------------------------------------------------------- reclaiming */

#define ACL_MAX_WORKERS 256

typedef struct retired {
    acl_perm *p;
    uint64_t epoch;
    struct retired *next;
} retired;

static struct {
    _Atomic uint64_t seen;
    char pad[56];
} passes[ACL_MAX_WORKERS];
static _Atomic uint64_t epoch = 1;
static retired *retired_list; /* under acl_lock */
static _Atomic int have_retired;

static void reclaim_locked(void)
{
    int n = srv.nworkers;
    uint64_t min = UINT64_MAX;
    for (int i = 0; i < n && i < ACL_MAX_WORKERS; i++) {
        uint64_t s = atomic_load(&passes[i].seen);
        if (s < min) min = s;
    }
    retired **pp = &retired_list;
    while (*pp) {
        retired *r = *pp;
        if (n == 0 || min >= r->epoch) {
            *pp = r->next;
            acl_perm_free(r->p);
            mem_free(r);
        } else {
            pp = &r->next;
        }
    }
    atomic_store(&have_retired, retired_list != NULL);
}

/* Publishes p as u's permissions; the old version is retired. acl_lock held. */
static void retire_locked(acl_perm *p);

static void publish_locked(acl_user *u, acl_perm *p)
{
    p->fast = acl_sel_all(&p->sel[0]);
    acl_perm *old = atomic_exchange(&u->perm, p);
    if (old) retire_locked(old);
    reclaim_locked();
}

void acl_quiescent(int id)
{
    if (id < 0 || id >= ACL_MAX_WORKERS) return;
    atomic_store(&passes[id].seen, atomic_load(&epoch));
    if (id == 0 && atomic_load_explicit(&have_retired, memory_order_relaxed) &&
        pthread_mutex_trylock(&acl_lock) == 0) {
        reclaim_locked();
        pthread_mutex_unlock(&acl_lock);
    }
}

/* ------------------------------------------------------------- the table */

acl_perm *acl_perm_of(acl_user *u)
{
    return atomic_load_explicit(&u->perm, memory_order_acquire);
}

static int find_index(const char *name, size_t len, int *at)
{
    int lo = 0, hi = nusers - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const char *n = users[mid]->name;
        size_t nl = strlen(n);
        int c = memcmp(n, name, nl < len ? nl : len);
        if (c == 0) c = nl < len ? -1 : nl > len ? 1 : 0;
        if (c == 0) {
            *at = mid;
            return 1;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    *at = lo;
    return 0;
}

acl_user *acl_find_locked(const char *name, size_t len)
{
    int at;
    return find_index(name, len, &at) ? users[at] : NULL;
}

int acl_count_locked(void)
{
    return nusers;
}

void acl_foreach_locked(void (*fn)(void *priv, acl_user *u), void *priv)
{
    for (int i = 0; i < nusers; i++)
        fn(priv, users[i]);
}

static void user_ref(acl_user *u)
{
    atomic_fetch_add(&u->refs, 1);
}

static void retire_locked(acl_perm *p)
{
    retired *r = mem_alloc(sizeof(*r));
    r->p = p;
    r->epoch = atomic_fetch_add(&epoch, 1) + 1;
    r->next = retired_list;
    retired_list = r;
    atomic_store(&have_retired, 1);
}

/* Drops a reference; the last one frees the handle (its version is retired:
 * a command may still be reading it). locked: the caller holds acl_lock. */
static void user_unref_generic(acl_user *u, int locked)
{
    if (atomic_fetch_sub(&u->refs, 1) != 1) return;
    if (!locked) pthread_mutex_lock(&acl_lock);
    acl_perm *p = atomic_exchange(&u->perm, NULL);
    if (p) retire_locked(p);
    if (!locked) pthread_mutex_unlock(&acl_lock);
    mem_free(u->name);
    mem_free(u);
}

static void user_unref(acl_user *u)
{
    user_unref_generic(u, 0);
}

static acl_user *insert_locked(const char *name, size_t len, acl_perm *p)
{
    int at;
    find_index(name, len, &at);
    acl_user *u = mem_calloc(sizeof(*u));
    u->name = mem_alloc(len + 1);
    memcpy(u->name, name, len);
    u->name[len] = 0;
    atomic_store(&u->refs, 1);
    publish_locked(u, p);
    if (nusers == capusers) {
        capusers = capusers ? capusers * 2 : 8;
        users = mem_realloc(users, sizeof(*users) * (size_t)capusers);
    }
    memmove(users + at + 1, users + at, sizeof(*users) * (size_t)(nusers - at));
    users[at] = u;
    nusers++;
    return u;
}

/* ------------------------------------------------------------- clients */

static void kill_task(worker *w, void *arg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg;
    for (client *c = w->clients; c; c = c->next)
        if (c->id == id && !(c->flags & CL_CLOSED)) {
            c->flags |= CL_CLOSE_AFTER_REPLY;
            if (!(c->flags & CL_PENDING_WRITE) && c->out.len == c->out_sent)
                client_close(c);
            break;
        }
}

/* The client running the current ACL command on this thread (cmd_acl.c). */
static _Thread_local client *acl_caller;

void acl_set_caller(client *c)
{
    acl_caller = c;
}

/* Disconnects every client authenticated as u (Redis: after ACL DELUSER). The
 * calling client, if among them, is closed after its reply; other clients of
 * this worker at once (freed at the end of the pass); the rest by their own
 * workers. */
static void disconnect_user(acl_user *u)
{
    worker *self = worker_self();
    pthread_mutex_lock(&srv.clients_lock);
    for (int i = 0; i < srv.nworkers; i++)
        for (client *c = srv.workers[i].clients; c; c = c->next) {
            if (c->user != u || (c->flags & CL_CLOSED)) continue;
            if (c == acl_caller)
                c->flags |= CL_CLOSE_AFTER_REPLY;
            else if (c->w == self)
                client_close(c);
            else
                worker_post(c->w, kill_task, (void *)(uintptr_t)c->id);
        }
    pthread_mutex_unlock(&srv.clients_lock);
}

static void set_user(client *c, acl_user *u)
{
    user_ref(u);
    pthread_mutex_lock(&srv.clients_lock);
    acl_user *old = c->user;
    c->user = u;
    pthread_mutex_unlock(&srv.clients_lock);
    if (old) user_unref(old);
}

static int needs_auth(const acl_perm *p)
{
    return !(p->flags & U_NOPASS) || !(p->flags & U_ON);
}

void acl_client_init(client *c)
{
    acl_user *u = default_user;
    user_ref(u);
    c->user = u;
    const acl_perm *p = acl_perm_of(u);
    if (!needs_auth(p))
        c->flags |= CL_AUTHENTICATED;
    else
        c->flags &= ~CL_AUTHENTICATED;
    /* a default user bound to a namespace binds new connections too */
    const char *err = NULL;
    if (p->ns && ns_bind(c, p->ns, &err) < 0) c->flags &= ~CL_AUTHENTICATED;
}

void acl_client_free(client *c)
{
    acl_user *u = c->user;
    c->user = NULL;
    if (u) user_unref(u);
}

void acl_client_reset(client *c)
{
    set_user(c, default_user);
    const acl_perm *p = acl_perm_of(default_user);
    if (needs_auth(p))
        c->flags &= ~CL_AUTHENTICATED;
    else
        c->flags |= CL_AUTHENTICATED;
    const char *err = NULL;
    if (ns_bind(c, p->ns ? p->ns : "", &err) < 0) c->flags &= ~CL_AUTHENTICATED;
}

const char *acl_client_username(const client *c)
{
    return c->user ? c->user->name : "default";
}

int acl_user_exists(slice name)
{
    pthread_mutex_lock(&acl_lock);
    int found = acl_find_locked(name.p, name.len) != NULL;
    pthread_mutex_unlock(&acl_lock);
    return found;
}

int acl_default_nopass(void)
{
    return (acl_perm_of(default_user)->flags & U_NOPASS) != 0;
}

/* Compares without an early exit on the first differing byte. */
static int hash_eq(const unsigned char *a, const unsigned char *b)
{
    unsigned char d = 0;
    for (int i = 0; i < 32; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static int password_ok(const acl_perm *p, slice pass)
{
    if (!(p->flags & U_ON)) return 0;
    if (p->flags & U_NOPASS) return 1;
    unsigned char h[32];
    acl_hash_password(pass.p, pass.len, h);
    int ok = 0;
    for (int i = 0; i < p->npw; i++)
        ok |= hash_eq(p->pw[i], h);
    return ok;
}

int acl_auth(client *c, slice user, slice pass)
{
    pthread_mutex_lock(&acl_lock);
    acl_user *u = acl_find_locked(user.p, user.len);
    if (u) user_ref(u);
    pthread_mutex_unlock(&acl_lock);
    const acl_perm *p = u ? acl_perm_of(u) : NULL;
    if (!p || !password_ok(p, pass)) {
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)(user.len > 200 ? 200 : user.len),
                 user.p);
        /* Redis logs the command name as the client typed it */
        slice obj = c->argc ? c->argv[0] : slice_of("auth", 4);
        acl_log_add(c, ACL_DENIED_AUTH,
                    (c->flags & CL_EXEC) ? ACL_CTX_MULTI : ACL_CTX_TOPLEVEL, obj.p,
                    obj.len, name);
        reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
        if (u) user_unref(u);
        return -1;
    }
    const char *err = NULL;
    if (ns_bind(c, p->ns ? p->ns : "", &err) < 0) {
        reply_error(c, err ? err : "ERR namespace unavailable");
        user_unref(u);
        return -1;
    }
    set_user(c, u);
    user_unref(u);
    c->flags |= CL_AUTHENTICATED;
    return 0;
}

/* ------------------------------------------------------------- checks */

static int key_need(uint32_t kf)
{
    int need = 0;
    if (kf & KEYF_ACCESS) need |= ACL_PERM_R;
    if (kf & (KEYF_INSERT | KEYF_DELETE | KEYF_UPDATE)) need |= ACL_PERM_W;
    return need;
}

static int check_sel(const acl_sel *s, const command *cmd, const slice *argv, int argc,
                     int *errpos)
{
    if (!(cmd->flags & CMD_NO_AUTH) && !acl_sel_allows_id(s, cmd->id)) {
        if (cmd->parent || cmd->subs || argc < 2 ||
            !acl_sel_allows_firstarg(s, cmd->id, argv[1])) {
            *errpos = 0;
            return ACL_DENIED_CMD;
        }
    }
    if (!(s->flags & SEL_ALLKEYS) && (cmd->keys.first > 0 || cmd->getkeys)) {
        int stack[32];
        int *pos = argc > 32 ? mem_alloc(sizeof(int) * (size_t)argc) : stack;
        int n = cmd_get_keys(cmd, argv, argc, pos, argc);
        int res = ACL_OK;
        for (int i = 0; i < n; i++) {
            if (pos[i] < 0 || pos[i] >= argc) continue;
            uint32_t kf = cmd_key_flags_argv(cmd, argv, argc, i);
            if (kf & KEYF_NOT_KEY) continue;
            if (!acl_sel_key_ok(s, argv[pos[i]], key_need(kf))) {
                *errpos = pos[i];
                res = ACL_DENIED_KEY;
                break;
            }
        }
        if (pos != stack) mem_free(pos);
        if (res) return res;
    }
    if (!(s->flags & SEL_ALLCHANNELS) &&
        (cmd->flags & (CMD_CHAN_PUBLISH | CMD_CHAN_SUBSCRIBE))) {
        int last = (cmd->flags & CMD_CHAN_PUBLISH) ? 1 : argc - 1;
        int pat = (cmd->flags & CMD_CHAN_PATTERN) != 0;
        for (int i = 1; i <= last && i < argc; i++)
            if (!acl_sel_chan_ok(s, argv[i], pat)) {
                *errpos = i;
                return ACL_DENIED_CHANNEL;
            }
    }
    return ACL_OK;
}

static int check_perm(const acl_perm *p, const command *cmd, const slice *argv, int argc,
                      int *errpos)
{
    int best = ACL_OK, bestpos = 0;
    for (int i = 0; i < p->nsel; i++) {
        int pos = 0;
        int r = check_sel(&p->sel[i], cmd, argv, argc, &pos);
        if (r == ACL_OK) return ACL_OK;
        if (r > best || (r == best && pos > bestpos)) {
            best = r;
            bestpos = pos;
        }
    }
    *errpos = bestpos;
    return best;
}

int acl_check(client *c, const command *cmd, const slice *argv, int argc, int *errpos)
{
    /* Internal clients (the AOF loader) have no user: everything is allowed,
     * as Redis's NULL user. */
    if (!c->user) return ACL_OK;
    const acl_perm *p = atomic_load_explicit(&c->user->perm, memory_order_acquire);
    if (p->fast) return ACL_OK;
    return check_perm(p, cmd, argv, argc, errpos);
}

int acl_check_user(acl_user *u, const command *cmd, const slice *argv, int argc,
                   int *errpos)
{
    const acl_perm *p = acl_perm_of(u);
    if (p->fast) return ACL_OK;
    return check_perm(p, cmd, argv, argc, errpos);
}

void acl_error_text(const command *cmd, int res, char *msg, size_t len)
{
    if (res == ACL_DENIED_CMD)
        snprintf(msg, len, "NOPERM this user has no permissions to run the '%s' command",
                 cmd->name);
    else if (res == ACL_DENIED_KEY)
        snprintf(msg, len,
                 "NOPERM this user has no permissions to access one of the keys used as "
                 "arguments");
    else
        snprintf(msg, len,
                 "NOPERM this user has no permissions to access one of the channels "
                 "used as arguments");
}

acl_user *acl_user_hold(const client *c)
{
    if (c->user) user_ref(c->user);
    return c->user;
}

void acl_user_release(acl_user *u)
{
    if (u) user_unref(u);
}

void acl_denied(client *c, const command *cmd, const slice *argv, int res, int errpos,
                int ctx, char *msg, size_t len)
{
    const char *obj = cmd->name;
    size_t olen = strlen(obj);
    if (res == ACL_DENIED_KEY || res == ACL_DENIED_CHANNEL) {
        obj = argv[errpos].p;
        olen = argv[errpos].len;
    }
    c->lastcmd = cmd; /* as Redis, CLIENT LIST (and the log's client-info) shows it */
    acl_log_add(c, res, ctx, obj, olen, acl_client_username(c));
    acl_error_text(cmd, res, msg, len);
}

/* ------------------------------------------------------------- SETUSER */

static int ns_changed(const acl_perm *a, const acl_perm *b)
{
    const char *x = a && a->ns ? a->ns : "", *y = b->ns ? b->ns : "";
    return strcmp(x, y) != 0;
}

int acl_setuser_locked(slice name, const slice *rules, int n, char *err, size_t errlen)
{
    acl_user *u = acl_find_locked(name.p, name.len);
    acl_perm *old = u ? acl_perm_of(u) : NULL;
    acl_perm *p = old ? acl_perm_dup(old) : acl_perm_new();
    if (acl_perm_apply(p, rules, n, err, errlen) < 0) {
        acl_perm_free(p);
        return -1;
    }
    if (!u) {
        insert_locked(name.p, name.len, p);
        return 0;
    }
    int moved = ns_changed(old, p);
    publish_locked(u, p);
    if (moved) disconnect_user(u);
    return 0;
}

static void delete_at_locked(int at)
{
    acl_user *u = users[at];
    memmove(users + at, users + at + 1, sizeof(*users) * (size_t)(nusers - at - 1));
    nusers--;
    atomic_store(&u->deleted, 1);
    publish_locked(u, acl_perm_new()); /* nothing allowed until its clients are gone */
    disconnect_user(u);
    user_unref_generic(u, 1);
}

int acl_deluser_locked(slice name)
{
    int at;
    if (!find_index(name.p, name.len, &at)) return 0;
    delete_at_locked(at);
    return 1;
}

/* ------------------------------------------------------------- aclfile */

/* Splits a line into words like redis.conf: spaces separate, "..." and '...'
 * quote (with \n \r \t \\ \" \xHH escapes in double quotes). Returns the
 * count, or -1 on unbalanced quotes. Words point into `store`. */
static int split_line(const char *s, buf *store, size_t *offs, size_t *lens, int max)
{
    int n = 0;
    store->len = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        if (!*s) break;
        if (n == max) return -1;
        offs[n] = store->len;
        if (*s == '"' || *s == '\'') {
            char q = *s++;
            while (*s && *s != q) {
                char ch = *s++;
                if (q == '"' && ch == '\\' && *s) {
                    char e = *s++;
                    ch = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
                    if (e == 'x' && s[0] && s[1]) {
                        char hx[3] = {s[0], s[1], 0};
                        ch = (char)strtol(hx, NULL, 16);
                        s += 2;
                    }
                }
                buf_putc(store, ch);
            }
            if (*s != q) return -1;
            s++;
            if (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return -1;
        } else {
            while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
                buf_putc(store, *s++);
        }
        lens[n] = store->len - offs[n];
        n++;
    }
    return n;
}

typedef struct loaded {
    char *name;
    acl_perm *p;
} loaded;

static void loaded_free(loaded *v, int n)
{
    for (int i = 0; i < n; i++) {
        mem_free(v[i].name);
        acl_perm_free(v[i].p);
    }
    mem_free(v);
}

static acl_perm *default_perm(void)
{
    acl_perm *p = acl_perm_new();
    static const char *const rules[] = {"on", "nopass", "~*", "&*", "+@all"};
    for (size_t i = 0; i < 5; i++) {
        if (i == 3 && (p->sel[0].flags & SEL_ALLCHANNELS)) continue;
        acl_rule(p, rules[i], strlen(rules[i]));
    }
    return p;
}

/* Parses one user declaration (name, then rules) onto v[*n]. 0, or -1 with
 * the reason in err. */
static int parse_user(const slice *args, int w, loaded **v, int *n, char *err, size_t errlen)
{
    if (memchr(args[0].p, ' ', args[0].len) || memchr(args[0].p, 0, args[0].len)) {
        snprintf(err, errlen, "Usernames can't contain spaces or null characters");
        return -1;
    }
    for (int i = 0; i < *n; i++) {
        if (strlen((*v)[i].name) == args[0].len &&
            memcmp((*v)[i].name, args[0].p, args[0].len) == 0) {
            snprintf(err, errlen, "Duplicate user '%.*s' found", (int)args[0].len,
                     args[0].p);
            return -1;
        }
    }
    acl_perm *p = acl_perm_new();
    if (acl_perm_apply(p, args + 1, w - 1, err, errlen) < 0) {
        acl_perm_free(p);
        return -1;
    }
    *v = mem_realloc(*v, sizeof(**v) * (size_t)(*n + 1));
    (*v)[*n].name = mem_alloc(args[0].len + 1);
    memcpy((*v)[*n].name, args[0].p, args[0].len);
    (*v)[*n].name[args[0].len] = 0;
    (*v)[*n].p = p;
    (*n)++;
    return 0;
}

/* Parses path into users; 0, or -1 with err ("path:line: message."). */
static int parse_file(const char *path, loaded **out, int *nout, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "Error loading ACLs, opening file '%s': %s", path,
                 strerror(errno));
        return -1;
    }
    loaded *v = NULL;
    int n = 0, lineno = 0, rc = 0;
    char line[65536];
    buf store = BUF_INIT;
    enum { MAXW = 4096 };
    size_t *offs = mem_alloc(sizeof(size_t) * MAXW),
           *lens = mem_alloc(sizeof(size_t) * MAXW);
    slice *args = mem_alloc(sizeof(slice) * MAXW);
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || *s == '\n' || *s == '\r' || *s == '#') continue;
        int w = split_line(s, &store, offs, lens, MAXW);
        if (w < 0) {
            snprintf(err, errlen, "%s:%d: unbalanced quotes in acl line. ", path, lineno);
            rc = -1;
            break;
        }
        for (int i = 0; i < w; i++)
            args[i] = slice_of(store.p + offs[i], lens[i]);
        if (w < 2 || !slice_is(args[0], "user")) {
            snprintf(err, errlen, "%s:%d should start with user keyword. ", path, lineno);
            rc = -1;
            break;
        }
        char e[512];
        if (parse_user(args + 1, w - 1, &v, &n, e, sizeof(e)) < 0) {
            snprintf(err, errlen, "%s:%d: %s. ", path, lineno, e);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "Error reading the ACL file '%s'", path);
        rc = -1;
    }
    fclose(f);
    buf_free(&store);
    mem_free(offs);
    mem_free(lens);
    mem_free(args);
    if (rc < 0) {
        loaded_free(v, n);
        return -1;
    }
    *out = v;
    *nout = n;
    return 0;
}

/* Publishes parsed users (taking their permissions). Existing handles are
 * kept (their clients see the new rules at once). With replace_all (ACL LOAD)
 * users missing from v are deleted and their clients disconnected, and a
 * missing default user gets the initial default rules; without it (users
 * declared in the config file) other users are left as they are. */
static void install(loaded *v, int n, int replace_all)
{
    pthread_mutex_lock(&acl_lock);
    int has_default = 0;
    for (int i = 0; i < n; i++)
        has_default |= strcmp(v[i].name, "default") == 0;
    if (replace_all) {
        for (int at = nusers - 1; at >= 0; at--) {
            int keep = users[at] == default_user;
            for (int i = 0; i < n && !keep; i++)
                keep = strcmp(v[i].name, users[at]->name) == 0;
            if (!keep) delete_at_locked(at);
        }
    }
    if (replace_all && !has_default) {
        acl_perm *old = acl_perm_of(default_user);
        acl_perm *p = default_perm();
        int moved = ns_changed(old, p);
        publish_locked(default_user, p);
        if (moved) disconnect_user(default_user);
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(v[i].name);
        acl_user *u = acl_find_locked(v[i].name, len);
        acl_perm *p = v[i].p;
        v[i].p = NULL;
        if (!u) {
            u = insert_locked(v[i].name, len, p);
            if (strcmp(v[i].name, "default") == 0) default_user = u;
            continue;
        }
        int moved = ns_changed(acl_perm_of(u), p);
        publish_locked(u, p);
        if (moved) disconnect_user(u);
    }
    pthread_mutex_unlock(&acl_lock);
}

/* Replaces every user with the file's (install with replace_all). */
int acl_load_file(const char *path, char *err, size_t errlen)
{
    loaded *v;
    int n;
    if (parse_file(path, &v, &n, err, errlen) < 0) return -1;
    install(v, n, 1);
    loaded_free(v, n);
    return 0;
}

void acl_describe_users(buf *out)
{
    pthread_mutex_lock(&acl_lock);
    for (int i = 0; i < nusers; i++) {
        buf_puts(out, "user ");
        buf_puts(out, users[i]->name);
        buf_putc(out, ' ');
        acl_perm_describe(acl_perm_of(users[i]), out);
        buf_putc(out, '\n');
    }
    pthread_mutex_unlock(&acl_lock);
}

int acl_save_file(const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
    buf out = BUF_INIT;
    acl_describe_users(&out);
    FILE *f = fopen(tmp, "w");
    int ok = f && fwrite(out.p, 1, out.len, f) == out.len && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0) ok = 0;
    buf_free(&out);
    if (!ok || rename(tmp, path) < 0) {
        snprintf(err, errlen,
                 "There was an error trying to save the ACLs. Please check the "
                 "server logs for more information");
        log_warning("Saving the ACL file '%s': %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- start */

static void apply_requirepass_locked(void)
{
    const char *pw = cfg.requirepass;
    applied_requirepass = pw;
    acl_perm *p = acl_perm_dup(acl_perm_of(default_user));
    if (pw && pw[0]) {
        acl_rule(p, "resetpass", 9);
        char *rule = mem_alloc(strlen(pw) + 2);
        rule[0] = '>';
        strcpy(rule + 1, pw);
        acl_rule(p, rule, strlen(rule));
        mem_free(rule);
    } else {
        acl_rule(p, "nopass", 6);
    }
    publish_locked(default_user, p);
}

void acl_config_changed(void)
{
    pthread_mutex_lock(&acl_lock); /* rule parsing reads both under this lock */
    acl_pubsub_default_all = cfg.acl_pubsub_default == 1;
    if (initialized && cfg.requirepass != applied_requirepass) apply_requirepass_locked();
    pthread_mutex_unlock(&acl_lock);
}

/* Installs the users declared by `user` lines of the config file or command
 * line (each line defines its user from scratch, as in Redis). */
static int load_config_users(char *err, size_t errlen)
{
    loaded *v = NULL;
    int n = 0;
    for (int i = 0; i < cfg_user_count(); i++) {
        int w, a = 0;
        char **words = cfg_user_words(i, &w);
        slice *args = mem_alloc(sizeof(slice) * (size_t)(w + 1));
        args[a++] = slice_of(words[0], strlen(words[0]));
        /* the default user exists already: its line starts from `reset`, as
         * in Redis (which also turns on sanitize-payload) */
        if (strcmp(words[0], "default") == 0) args[a++] = slice_of("reset", 5);
        for (int k = 1; k < w; k++)
            args[a++] = slice_of(words[k], strlen(words[k]));
        char e[512];
        int rc = parse_user(args, a, &v, &n, e, sizeof(e));
        mem_free(args);
        if (rc < 0) {
            snprintf(err, errlen, "Error in user declaration '%s': %s", words[0], e);
            loaded_free(v, n);
            return -1;
        }
    }
    install(v, n, 0);
    loaded_free(v, n);
    return 0;
}

int acl_init(char *err, size_t errlen)
{
    acl_pubsub_default_all = cfg.acl_pubsub_default == 1;
    pthread_mutex_lock(&acl_lock);
    if (!default_user) default_user = insert_locked("default", 7, default_perm());
    initialized = 1;
    if (cfg.requirepass && cfg.requirepass[0]) apply_requirepass_locked();
    applied_requirepass = cfg.requirepass;
    pthread_mutex_unlock(&acl_lock);
    if (cfg.aclfile && cfg.aclfile[0]) {
        if (cfg_user_count()) {
            snprintf(err, errlen,
                     "Configuring kvik with users declared by user lines and an ACL file at "
                     "the same time is invalid: declare users either in the aclfile or with "
                     "user lines, not both");
            return -1;
        }
        return acl_load_file(cfg.aclfile, err, errlen);
    }
    return load_config_users(err, errlen);
}

void acl_shutdown(void)
{
    pthread_mutex_lock(&acl_lock);
    while (retired_list) {
        retired *r = retired_list;
        retired_list = r->next;
        acl_perm_free(r->p);
        mem_free(r);
    }
    pthread_mutex_unlock(&acl_lock);
}
