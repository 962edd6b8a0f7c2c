/* server/pubsub.c — the pub/sub registry and delivery (see pubsub.h).
 *
 *   publisher (worker A)                         worker B
 *   --------------------                         --------
 *   lock reg: count receivers, find workers
 *   msg = encode once (refs = #workers)
 *   append msg to queue[B] ----- empty? --post--> inbox -> drain(queue[B])
 *   own queue empty? deliver now : append+drain     for each msg: copy to each
 *                                                   local subscriber, unref
 *
 * Locks: the registry mutex and a queue's mutex are leaves (nothing else is
 * taken while holding them). Publishing may run under shard locks (keyspace
 * notifications). Local tables (struct local) belong to their worker's thread.
 */
#include "server/pubsub.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/glob.h"
#include "core/htab.h"
#include "core/mem.h"
#include "core/util.h"
#include "server/client.h"
#include "server/native.h"
#include "server/worker.h"

/* ------------------------------------------------------------ name entries */

/* A name in a table; the key is name[0..len). */
typedef struct named {
    size_t len;
    char *name;
} named;

static const void *named_key(const void *elem, size_t *len)
{
    const named *n = elem;
    *len = n->len;
    return n->name;
}

/* Global entry: subscribers in total and per worker. `name` points into the
 * same allocation, after per[]. */
typedef struct gent {
    named k;
    long long total;
    size_t idx;       /* position in the pattern array (patterns only) */
    int per[];        /* srv.nworkers counters */
} gent;

/* Local entry: this worker's subscribed clients, in subscription order. */
typedef struct lent {
    named k;
    client **v;
    size_t n, cap;
    size_t idx;       /* position in the local pattern array (patterns only) */
} lent;

/* A client's own subscription. */
typedef struct csub {
    named k;
} csub;

static void free_plain(void *elem)
{
    mem_free(elem);
}

static void free_lent(void *elem)
{
    lent *l = elem;
    mem_free(l->v);
    mem_free(l);
}

static const htab_type gent_type = {.key = named_key, .free_elem = free_plain};
static const htab_type lent_type = {.key = named_key, .free_elem = free_lent};
static const htab_type csub_type = {.key = named_key, .free_elem = free_plain};

/* Per-client state (client.ps). */
struct ps_client {
    htab *subs[PS_KINDS];
    int count[PS_KINDS];
};

/* ------------------------------------------------------------ the registry */

static struct {
    pthread_mutex_t lock;
    htab *tab[PS_KINDS];
    gent **pats;          /* patterns, for iteration at publish */
    size_t npats, patcap;
} reg;

/* All subscriptions of all clients (the fast "anyone listening?" test). */
static _Atomic long long nsubs_total;

/* A message on its way: the encoded channel and payload bulks, shared by the
 * workers that deliver it. */
typedef struct ps_msg {
    _Atomic int refs;
    int kind;             /* PS_CHANNEL or PS_SHARD */
    const char *ch;       /* raw channel bytes (inside tail) */
    size_t chlen;
    const char *msg;      /* raw message bytes (inside tail) */
    size_t msglen;
    void *_Atomic native; /* native protocol encoding, made on first use (server/native.c) */
    size_t tail_len;
    char *tail;           /* "$<clen>\r\n<channel>\r\n$<mlen>\r\n<msg>\r\n" */
    struct ps_msg *next[]; /* queue link, one per worker */
} ps_msg;

/* Per-worker state. */
typedef struct local {
    pthread_mutex_t qlock; /* guards head/tail */
    ps_msg *head, *tail;
    /* owner thread only: */
    htab *tab[PS_KINDS];
    lent **pats;
    size_t npats, patcap;
    char pad[64];
} local;

static local *locals;
static int nw;

static __thread worker *self_w;

static worker *self_worker(void)
{
    if (!self_w) self_w = worker_self();
    return self_w;
}

void pubsub_init(void)
{
    nw = srv.nworkers;
    pthread_mutex_init(&reg.lock, NULL);
    for (int k = 0; k < PS_KINDS; k++) reg.tab[k] = htab_new(&gent_type);
    locals = mem_calloc(sizeof(local) * (size_t)nw);
    for (int i = 0; i < nw; i++) {
        pthread_mutex_init(&locals[i].qlock, NULL);
        for (int k = 0; k < PS_KINDS; k++) locals[i].tab[k] = htab_new(&lent_type);
    }
}

static void msg_unref(ps_msg *m)
{
    if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1) {
        mem_free(atomic_load(&m->native));
        mem_free(m);
    }
}

void pubsub_shutdown(void)
{
    if (!locals) return;
    for (int i = 0; i < nw; i++) {
        local *l = &locals[i];
        for (ps_msg *m = l->head, *next; m; m = next) {
            next = m->next[i];
            msg_unref(m);
        }
        for (int k = 0; k < PS_KINDS; k++) htab_free(l->tab[k]);
        mem_free(l->pats);
        pthread_mutex_destroy(&l->qlock);
    }
    for (int k = 0; k < PS_KINDS; k++) htab_free(reg.tab[k]);
    mem_free(reg.pats);
    mem_free(locals);
    locals = NULL;
}

int pubsub_active(void)
{
    return atomic_load_explicit(&nsubs_total, memory_order_relaxed) > 0;
}

/* ------------------------------------------------------------ global side */

/* Counts one more (delta 1) or one fewer (-1) subscriber of name on worker
 * wid. Caller holds reg.lock. */
static void reg_count(int kind, slice name, int wid, int delta)
{
    htab *t = reg.tab[kind];
    gent *g = htab_find(t, name.p, name.len);
    if (!g) {
        if (delta < 0) return; /* cannot happen: counted when subscribed */
        size_t off = sizeof(gent) + sizeof(int) * (size_t)nw;
        g = mem_calloc(off + name.len + 1);
        g->k.name = (char *)g + off;
        memcpy(g->k.name, name.p, name.len);
        g->k.len = name.len;
        htab_add(t, g);
        if (kind == PS_PATTERN) {
            if (reg.npats == reg.patcap) {
                reg.patcap = reg.patcap ? reg.patcap * 2 : 16;
                reg.pats = mem_realloc(reg.pats, sizeof(gent *) * reg.patcap);
            }
            g->idx = reg.npats;
            reg.pats[reg.npats++] = g;
        }
    }
    g->total += delta;
    g->per[wid] += delta;
    if (g->total == 0) {
        if (kind == PS_PATTERN) {
            gent *last = reg.pats[--reg.npats];
            reg.pats[g->idx] = last;
            last->idx = g->idx;
        }
        htab_delete(t, name.p, name.len);
    }
}

/* ------------------------------------------------------------ local side */

static void local_add(local *l, int kind, slice name, client *c)
{
    int existed;
    void **ref = htab_upsert_ref(l->tab[kind], name.p, name.len, &existed);
    lent *e = *ref;
    if (!existed) {
        e = mem_calloc(sizeof(lent) + name.len + 1);
        e->k.name = (char *)(e + 1);
        memcpy(e->k.name, name.p, name.len);
        e->k.len = name.len;
        *ref = e;
        if (kind == PS_PATTERN) {
            if (l->npats == l->patcap) {
                l->patcap = l->patcap ? l->patcap * 2 : 16;
                l->pats = mem_realloc(l->pats, sizeof(lent *) * l->patcap);
            }
            e->idx = l->npats;
            l->pats[l->npats++] = e;
        }
    }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 4;
        e->v = mem_realloc(e->v, sizeof(client *) * e->cap);
    }
    e->v[e->n++] = c;
}

static void local_remove(local *l, int kind, slice name, client *c)
{
    lent *e = htab_find(l->tab[kind], name.p, name.len);
    if (!e) return; /* cannot happen */
    for (size_t i = 0; i < e->n; i++)
        if (e->v[i] == c) {
            memmove(e->v + i, e->v + i + 1, sizeof(client *) * (e->n - i - 1));
            e->n--;
            break;
        }
    if (e->n) return;
    if (kind == PS_PATTERN) {
        lent *last = l->pats[--l->npats];
        l->pats[e->idx] = last;
        last->idx = e->idx;
    }
    htab_delete(l->tab[kind], name.p, name.len);
}

/* ------------------------------------------------------------ clients */

static struct ps_client *client_state(client *c)
{
    if (!c->ps) c->ps = mem_calloc(sizeof(struct ps_client));
    return c->ps;
}

static void update_flag(client *c)
{
    struct ps_client *p = c->ps;
    if (p && (p->count[0] || p->count[1] || p->count[2]))
        c->flags |= CL_PUBSUB;
    else
        c->flags &= ~CL_PUBSUB;
}

int pubsub_subscribe(client *c, int kind, slice name)
{
    struct ps_client *p = client_state(c);
    if (!p->subs[kind]) p->subs[kind] = htab_new(&csub_type);
    int existed;
    void **ref = htab_upsert_ref(p->subs[kind], name.p, name.len, &existed);
    if (existed) return 0;
    csub *s = mem_alloc(sizeof(csub) + name.len + 1);
    s->k.name = (char *)(s + 1);
    memcpy(s->k.name, name.p, name.len);
    s->k.name[name.len] = 0;
    s->k.len = name.len;
    *ref = s;
    p->count[kind]++;
    /* Global first: from here on publishers queue for this worker, and the
     * local entry exists before this worker drains its queue again. */
    pthread_mutex_lock(&reg.lock);
    reg_count(kind, name, c->w->id, 1);
    pthread_mutex_unlock(&reg.lock);
    local_add(&locals[c->w->id], kind, name, c);
    atomic_fetch_add_explicit(&nsubs_total, 1, memory_order_relaxed);
    update_flag(c);
    return 1;
}

int pubsub_unsubscribe(client *c, int kind, slice name)
{
    struct ps_client *p = c->ps;
    if (!p || !p->subs[kind]) return 0;
    csub *s = htab_remove(p->subs[kind], name.p, name.len);
    if (!s) return 0;
    slice n = {s->k.name, s->k.len};
    pthread_mutex_lock(&reg.lock);
    reg_count(kind, n, c->w->id, -1);
    pthread_mutex_unlock(&reg.lock);
    local_remove(&locals[c->w->id], kind, n, c);
    p->count[kind]--;
    mem_free(s);
    atomic_fetch_sub_explicit(&nsubs_total, 1, memory_order_relaxed);
    update_flag(c);
    return 1;
}

int pubsub_any_name(const client *c, int kind, buf *out)
{
    const struct ps_client *p = c->ps;
    if (!p || !p->count[kind]) return 0;
    htab_iter it;
    htab_iter_init(&it, p->subs[kind]);
    csub *s = htab_iter_next(&it);
    htab_iter_done(&it);
    if (!s) return 0;
    out->len = 0;
    buf_append(out, s->k.name, s->k.len);
    return 1;
}

int pubsub_count(const client *c, int kind)
{
    return c->ps ? c->ps->count[kind] : 0;
}

void pubsub_client_reset(client *c)
{
    struct ps_client *p = c->ps;
    if (!p) return;
    buf name = BUF_INIT;
    for (int k = 0; k < PS_KINDS; k++) {
        while (pubsub_any_name(c, k, &name)) pubsub_unsubscribe(c, k, slice_of(name.p, name.len));
        htab_free(p->subs[k]);
    }
    buf_free(&name);
    mem_free(p);
    c->ps = NULL;
    c->flags &= ~CL_PUBSUB;
}

/* ------------------------------------------------------------ delivery */

/* Appends one push to c: [kind, (pattern,) channel, message]. The header goes
 * through the client's protocol writer; the channel and payload bulks are the
 * message's shared encoding. */
static void push_to(client *c, const char *hdr, size_t hdrlen, int n, const lent *pat,
                    const ps_msg *m)
{
    if (c->flags & (CL_CLOSED | CL_CLOSE_ASAP)) return;
    if (c->proto == PROTO_NATIVE) {
        native_srv_push_pubsub(c, pat ? "pmessage" : m->kind == PS_SHARD ? "smessage" : "message",
                               pat ? slice_of(pat->k.name, pat->k.len) : slice_of(NULL, 0),
                               slice_of(m->ch, m->chlen), slice_of(m->msg, m->msglen),
                               (void *_Atomic *)&m->native); /* made once, shared */
        return;
    }
    client_mark_pending(c);
    c->rops->aggregate(&c->out, RESP_AGG_PUSH, (size_t)n);
    buf_reserve(&c->out, hdrlen + m->tail_len + (pat ? pat->k.len + 24 : 0));
    buf_append(&c->out, hdr, hdrlen);
    if (pat) c->rops->bulk(&c->out, pat->k.name, pat->k.len);
    buf_append(&c->out, m->tail, m->tail_len);
    if (c->out.len - c->out_sent > c->obuf_check_at) client_check_obuf(c);
}

static const char H_MESSAGE[] = "$7\r\nmessage\r\n";
static const char H_PMESSAGE[] = "$8\r\npmessage\r\n";
static const char H_SMESSAGE[] = "$8\r\nsmessage\r\n";

/* Delivers m to the subscribers of worker wid (on its thread). */
static void deliver(int wid, const ps_msg *m)
{
    local *l = &locals[wid];
    if (m->kind == PS_SHARD) {
        lent *e = htab_find(l->tab[PS_SHARD], m->ch, m->chlen);
        if (e)
            for (size_t i = 0; i < e->n; i++)
                push_to(e->v[i], H_SMESSAGE, sizeof(H_SMESSAGE) - 1, 3, NULL, m);
        return;
    }
    lent *e = htab_find(l->tab[PS_CHANNEL], m->ch, m->chlen);
    if (e)
        for (size_t i = 0; i < e->n; i++)
            push_to(e->v[i], H_MESSAGE, sizeof(H_MESSAGE) - 1, 3, NULL, m);
    for (size_t p = 0; p < l->npats; p++) {
        lent *pe = l->pats[p];
        if (!glob_match(pe->k.name, pe->k.len, m->ch, m->chlen, 0)) continue;
        for (size_t i = 0; i < pe->n; i++)
            push_to(pe->v[i], H_PMESSAGE, sizeof(H_PMESSAGE) - 1, 4, pe, m);
    }
}

/* Delivers, in order, everything queued for worker wid, then unrefs. */
static void deliver_list(int wid, ps_msg *m)
{
    while (m) {
        ps_msg *next = m->next[wid];
        deliver(wid, m);
        msg_unref(m);
        m = next;
    }
}

static ps_msg *take_queue(local *l)
{
    pthread_mutex_lock(&l->qlock);
    ps_msg *m = l->head;
    l->head = l->tail = NULL;
    pthread_mutex_unlock(&l->qlock);
    return m;
}

static void drain_task(worker *w, void *arg)
{
    (void)arg;
    deliver_list(w->id, take_queue(&locals[w->id]));
}

/* Appends m to worker wid's queue; 1 if the queue was empty. */
static int enqueue(int wid, ps_msg *m)
{
    local *l = &locals[wid];
    m->next[wid] = NULL;
    pthread_mutex_lock(&l->qlock);
    int was_empty = l->head == NULL;
    if (l->tail)
        l->tail->next[wid] = m;
    else
        l->head = m;
    l->tail = m;
    pthread_mutex_unlock(&l->qlock);
    return was_empty;
}

static ps_msg *msg_new(int kind, slice ch, slice msg, int refs)
{
    char h1[32], h2[32];
    int n1 = snprintf(h1, sizeof(h1), "$%zu\r\n", ch.len);
    int n2 = snprintf(h2, sizeof(h2), "$%zu\r\n", msg.len);
    size_t tail = (size_t)n1 + ch.len + 2 + (size_t)n2 + msg.len + 2;
    size_t off = sizeof(ps_msg) + sizeof(ps_msg *) * (size_t)nw;
    ps_msg *m = mem_alloc(off + tail);
    atomic_init(&m->refs, refs);
    atomic_init(&m->native, NULL);
    m->kind = kind;
    m->tail = (char *)m + off;
    m->tail_len = tail;
    char *p = m->tail;
    memcpy(p, h1, (size_t)n1);
    p += n1;
    m->ch = p;
    m->chlen = ch.len;
    memcpy(p, ch.p, ch.len);
    p += ch.len;
    memcpy(p, "\r\n", 2);
    p += 2;
    memcpy(p, h2, (size_t)n2);
    p += n2;
    m->msg = p;
    m->msglen = msg.len;
    memcpy(p, msg.p, msg.len);
    p += msg.len;
    memcpy(p, "\r\n", 2);
    return m;
}

long long pubsub_publish(int kind, slice ch, slice msg)
{
    if (!pubsub_active()) return 0;
    unsigned char want_stack[64];
    unsigned char *want = nw <= 64 ? want_stack : mem_alloc((size_t)nw);
    memset(want, 0, (size_t)nw);
    long long receivers = 0;
    int nwant = 0;
    pthread_mutex_lock(&reg.lock);
    gent *g = htab_find(reg.tab[kind], ch.p, ch.len);
    if (g) {
        receivers += g->total;
        for (int i = 0; i < nw; i++) want[i] |= g->per[i] > 0;
    }
    if (kind == PS_CHANNEL)
        for (size_t p = 0; p < reg.npats; p++) {
            gent *pg = reg.pats[p];
            if (!glob_match(pg->k.name, pg->k.len, ch.p, ch.len, 0)) continue;
            receivers += pg->total;
            for (int i = 0; i < nw; i++) want[i] |= pg->per[i] > 0;
        }
    pthread_mutex_unlock(&reg.lock);
    for (int i = 0; i < nw; i++) nwant += want[i];
    if (nwant) {
        ps_msg *m = msg_new(kind, ch, msg, nwant);
        worker *me = self_worker();
        int mine = me ? me->id : -1;
        for (int i = 0; i < nw; i++) {
            if (!want[i] || i == mine) continue;
            if (enqueue(i, m)) worker_post(&srv.workers[i], drain_task, NULL);
        }
        if (mine >= 0 && want[mine]) {
            /* Deliver now, after anything other workers queued for us first. */
            local *l = &locals[mine];
            pthread_mutex_lock(&l->qlock);
            if (!l->head) {
                pthread_mutex_unlock(&l->qlock);
                deliver(mine, m);
                msg_unref(m);
            } else {
                m->next[mine] = NULL;
                l->tail->next[mine] = m;
                l->tail = m;
                ps_msg *all = l->head;
                l->head = l->tail = NULL;
                pthread_mutex_unlock(&l->qlock);
                deliver_list(mine, all);
            }
        }
    }
    if (want != want_stack) mem_free(want);
    return receivers;
}

/* ------------------------------------------------------------ introspection */

size_t pubsub_names(int kind)
{
    pthread_mutex_lock(&reg.lock);
    size_t n = htab_size(reg.tab[kind]);
    pthread_mutex_unlock(&reg.lock);
    return n;
}

long long pubsub_numsub(int kind, slice name)
{
    pthread_mutex_lock(&reg.lock);
    gent *g = htab_find(reg.tab[kind], name.p, name.len);
    long long n = g ? g->total : 0;
    pthread_mutex_unlock(&reg.lock);
    return n;
}

void pubsub_foreach(int kind, slice pattern, void (*fn)(void *priv, slice name), void *priv)
{
    pthread_mutex_lock(&reg.lock);
    htab_iter it;
    htab_iter_init(&it, reg.tab[kind]);
    gent *g;
    while ((g = htab_iter_next(&it))) {
        if (pattern.p && !glob_match(pattern.p, pattern.len, g->k.name, g->k.len, 0)) continue;
        fn(priv, slice_of(g->k.name, g->k.len));
    }
    htab_iter_done(&it);
    pthread_mutex_unlock(&reg.lock);
}

int pubsub_mode_allows(const command *cmd)
{
    static const char *const ok[] = {"subscribe", "unsubscribe", "psubscribe", "punsubscribe",
                                     "ssubscribe", "sunsubscribe", "ping", "quit", "reset",
                                     NULL};
    for (int i = 0; ok[i]; i++)
        if (!strcmp(cmd->name, ok[i])) return 1;
    return 0;
}
