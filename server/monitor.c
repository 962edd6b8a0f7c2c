/* server/monitor.c — see monitor.h. */
#include "server/monitor.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "core/buf.h"
#include "core/mem.h"
#include "server/cmdtab.h"
#include "server/client.h"
#include "server/namespace.h"
#include "server/worker.h"

_Atomic int monitor_count;

/* Per worker: its monitoring clients (owner thread only) and how many there
 * are (read by every thread). */
typedef struct mon_local {
    client **v;
    size_t n, cap;
    _Atomic int count;
    char pad[64];
} mon_local;

static mon_local *locals;

/* One line on its way to several workers. */
typedef struct mon_line {
    _Atomic int refs;
    int ns;
    size_t len;
    char text[]; /* without '+' and CRLF */
} mon_line;

void monitor_init(void)
{
    locals = mem_calloc(sizeof(mon_local) * (size_t)srv.nworkers);
}

static void line_unref(mon_line *l)
{
    if (atomic_fetch_sub(&l->refs, 1) == 1) mem_free(l);
}

/* Appends s as Redis quotes arguments: in double quotes, with \\ \" \n \r \t
 * \a \b escaped and other non-printable bytes as \xHH. */
static void put_quoted(buf *b, slice s)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        switch (ch) {
        case '\\': buf_puts(b, "\\\\"); break;
        case '"': buf_puts(b, "\\\""); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\a': buf_puts(b, "\\a"); break;
        case '\b': buf_puts(b, "\\b"); break;
        default:
            if (ch >= 32 && ch < 127)
                buf_putc(b, (char)ch);
            else
                buf_printf(b, "\\x%02x", ch);
        }
    }
    buf_putc(b, '"');
}

/* Gives l to the monitors of the calling worker. */
static void deliver(worker *w, mon_line *l)
{
    mon_local *m = &locals[w->id];
    for (size_t i = 0; i < m->n; i++) {
        client *c = m->v[i];
        /* A monitor running EXEC (of commands that touch no key) is in the
         * middle of its own reply: a line there would split it. */
        if (c->flags & (CL_CLOSED | CL_CLOSE_ASAP | CL_EXEC)) continue;
        if ((c->db ? ns_of_db(c->db) : 0) != l->ns) continue;
        c->rops->status(&c->out, l->text, l->len);
        client_mark_pending(c);
        if (c->out.len - c->out_sent > c->obuf_check_at) client_check_obuf(c);
    }
}

static void deliver_task(worker *w, void *arg)
{
    deliver(w, arg);
    line_unref(arg);
}

void monitor_feed_slow(client *c, const command *cmd)
{
    if (cmd->flags & (CMD_ADMIN | CMD_SKIP_MONITOR)) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    buf b = BUF_INIT;
    buf_printf(&b, "%ld.%06ld [%d %s]", (long)tv.tv_sec, (long)tv.tv_usec,
               c->db ? ns_db_index(c->db) : c->dbid, c->addr[0] ? c->addr : "?");
    for (int i = 0; i < c->argc; i++) {
        buf_putc(&b, ' ');
        put_quoted(&b, cmd_arg_secret(cmd, c->argv, c->argc, i) ? slice_of("(redacted)", 10)
                                                                  : c->argv[i]);
    }
    int targets = 0;
    for (int i = 0; i < srv.nworkers; i++)
        targets += atomic_load_explicit(&locals[i].count, memory_order_relaxed) > 0;
    if (targets) {
        mon_line *l = mem_alloc(sizeof(*l) + b.len);
        atomic_init(&l->refs, targets);
        l->ns = c->db ? ns_of_db(c->db) : 0;
        l->len = b.len;
        memcpy(l->text, b.p, b.len);
        worker *me = c->w;
        for (int i = 0; i < srv.nworkers; i++) {
            if (atomic_load_explicit(&locals[i].count, memory_order_relaxed) <= 0) continue;
            if (me && i == me->id) {
                deliver(me, l);
                line_unref(l);
            } else {
                worker_post(&srv.workers[i], deliver_task, l);
            }
        }
    }
    buf_free(&b);
}

/* ---------------------------------------------------------------- MONITOR */

static void cmd_monitor(client *c)
{
    if (c->flags & CL_MONITOR) return; /* already: no second OK, as Redis */
    mon_local *m = &locals[c->w->id];
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4;
        m->v = mem_realloc(m->v, sizeof(client *) * m->cap);
    }
    m->v[m->n++] = c;
    c->flags |= CL_MONITOR;
    atomic_fetch_add(&m->count, 1);
    atomic_fetch_add(&monitor_count, 1);
    reply_ok(c);
}

void monitor_stop(client *c)
{
    if (!(c->flags & CL_MONITOR)) return;
    mon_local *m = &locals[c->w->id];
    for (size_t i = 0; i < m->n; i++) {
        if (m->v[i] != c) continue;
        memmove(&m->v[i], &m->v[i + 1], sizeof(client *) * (m->n - i - 1));
        m->n--;
        break;
    }
    c->flags &= ~CL_MONITOR;
    atomic_fetch_sub(&m->count, 1);
    atomic_fetch_sub(&monitor_count, 1);
}

command monitor_commands[] = {
    {.name = "monitor", .proc = cmd_monitor, .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
     .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS, .group = "server", .since = "1.0.0",
     .summary = "Listens for all requests received by the server in real-time.",
     .complexity = "O(1)"},
    {0},
};
