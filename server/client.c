/* server/client.c — client connections (see client.h).
 *
 * Input: bytes are read into qbuf; the RESP reader finds whole commands in it
 * and the dispatcher runs them with arguments pointing into qbuf (no copies).
 * Consumed bytes are dropped when the buffer is fully parsed or mostly stale.
 *
 * Output: replies accumulate in `out`; before the loop sleeps each client with
 * output gets one write, so a pipeline of N commands read at once costs one
 * read and one write. What the socket does not take waits for a writable
 * event.
 */
#include "server/client.h"
#include "server/acl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/mem.h"
#include "db/ks.h"
#include "server/aof.h"
#include "server/blocking.h"
#include "server/multi.h"
#include "server/namespace.h"
#include "server/native.h"
#include "server/monitor.h"
#include "server/pubsub.h"
#include "server/stats.h"

#define IOBUF_LEN (16 * 1024)
#define OBUF_CHECK_STEP (64 * 1024)

static void on_event(loop *l, loop_handle *h, int events);

void client_account(client *c)
{
    size_t now = c->out.cap + (c->qbuf.p == c->w->rbuf.p ? 0 : c->qbuf.cap);
    if (now != c->accounted) {
        atomic_fetch_add_explicit(&c->w->client_mem, (long long)now - (long long)c->accounted,
                                  memory_order_relaxed);
        c->accounted = now;
    }
}

size_t clients_buffer_memory(void)
{
    long long n = 0;
    for (int i = 0; i < srv.nworkers; i++)
        n += atomic_load_explicit(&srv.workers[i].client_mem, memory_order_relaxed);
    return n > 0 ? (size_t)n : 0;
}

static void link_client(worker *w, client *c)
{
    pthread_mutex_lock(&srv.clients_lock);
    c->next = w->clients;
    c->prev = NULL;
    if (w->clients) w->clients->prev = c;
    w->clients = c;
    w->nclients++;
    pthread_mutex_unlock(&srv.clients_lock);
}

static void unlink_client(worker *w, client *c)
{
    pthread_mutex_lock(&srv.clients_lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->clients = c->next;
    if (c->next) c->next->prev = c->prev;
    w->nclients--;
    pthread_mutex_unlock(&srv.clients_lock);
}

client *client_new(worker *w, conn *cn, const char *addr, const char *laddr, int proto)
{
    client *c = mem_calloc(sizeof(*c));
    c->proto = proto;
    c->id = atomic_fetch_add(&srv.next_client_id, 1);
    c->w = w;
    c->conn = cn;
    c->h.fd = cn->fd;
    c->h.fn = on_event;
    c->h.priv = c;
    client_set_resp(c, 2);
    if (proto == PROTO_NATIVE) native_srv_client_new(c);
    resp_reader_init(&c->rd);
    c->dbid = 0;
    c->db = ks_db_at(0);
    snprintf(c->addr, sizeof(c->addr), "%s", addr);
    snprintf(c->laddr, sizeof(c->laddr), "%s", laddr);
    c->ctime_ms = c->last_ms = now_ms();
    c->obuf_check_at = OBUF_CHECK_STEP;
    acl_client_init(c);
    link_client(w, c);
    if (loop_watch(w->loop, &c->h, LOOP_READ) < 0) {
        log_warning("cannot watch client fd: %s", strerror(errno));
        client_close(c);
    }
    return c;
}

void client_set_resp(client *c, int resp)
{
    if (c->proto == PROTO_NATIVE) return; /* always RESP3-typed (server/native.c) */
    c->resp = resp;
    c->rops = resp == 3 ? &resp3_ops : &resp2_ops;
}

void client_close(client *c)
{
    if (c->flags & CL_CLOSED) return;
    c->flags |= CL_CLOSED | CL_CLOSE_ASAP;
    if (c->h.mask) loop_watch(c->w->loop, &c->h, 0);
    c->paused_since = 0;
    c->next_closing = c->w->closing;
    c->w->closing = c;
}

static void unpark(client *c);

static void client_free(client *c)
{
    worker *w = c->w;
    blocking_client_gone(c);
    multi_reset(c);
    unpark(c);
    pubsub_client_reset(c);
    monitor_stop(c);
    ns_client_gone(c);
    native_srv_client_free(c);
    unlink_client(w, c);
    conn_close(c->conn);
    buf_free(&c->qbuf);
    buf_free(&c->out);
    client_account(c);
    resp_reader_free(&c->rd);
    mem_free(c->argv);
    acl_client_free(c); /* unlinked: no other thread sees c->user (may take the ACL lock) */
    pthread_mutex_lock(&srv.clients_lock);
    mem_free(c->name);
    mem_free(c->lib_name);
    mem_free(c->lib_ver);
    pthread_mutex_unlock(&srv.clients_lock);
    atomic_fetch_sub(&srv.nclients, 1);
    mem_free(c);
}

void client_free_closed(worker *w)
{
    while (w->closing) {
        client *c = w->closing;
        w->closing = c->next_closing;
        client_free(c);
    }
}

void client_mark_pending(client *c)
{
    /* A parked client goes out when the log is synced (client_aof_unpark). */
    if (c->flags & (CL_PENDING_WRITE | CL_CLOSED | CL_AOF_PARKED)) return;
    c->flags |= CL_PENDING_WRITE;
    c->next_pending = c->w->pending;
    c->w->pending = c;
}

/* client-output-throttle: a client with this many reply bytes unsent runs no
 * further command; its input waits in the query buffer (still bounded by
 * client-query-buffer-limit) until write_out has sent half of them. So a
 * client that pipelines and never reads holds its own requests plus the
 * limit, not a reply for each request (an amplification). */
static int throttle(client *c)
{
    if (!cfg.client_output_throttle || c->out.len - c->out_sent < cfg.client_output_throttle)
        return 0;
    c->throttled = 1;
    return 1;
}

static void unthrottle(client *c)
{
    if (c->out.len - c->out_sent > cfg.client_output_throttle / 2) return;
    c->throttled = 0;
    if (c->paused_since || (c->flags & CL_CLOSED)) return;
    client_process_input(c);
    client_account(c);
}

/* Watches what c waits for: input always; writability while a write left
 * output unsent (unless the transport's write waits for input instead), or
 * while the transport's read waits for it (conn.want, TLS). */
static void update_watch(client *c)
{
    int want = c->conn->want, mask = LOOP_READ;
    if ((c->out_sent < c->out.len && !(want & CONN_WRITE_WANTS_READ)) ||
        (want & CONN_READ_WANTS_WRITE))
        mask |= LOOP_WRITE;
    if (mask != c->h.mask) loop_watch(c->w->loop, &c->h, mask);
}

/* Writes as much of c's output as the socket takes. Returns -1 if the client
 * was closed. */
static int write_out(client *c)
{
    if (c->flags & CL_AOF_PARKED) {
        /* Its replies wait for the log's fsync (client_aof_unpark writes
         * them): a writable socket must not send them early. */
        if ((c->h.mask & LOOP_WRITE) && !(c->conn->want & CONN_READ_WANTS_WRITE))
            loop_watch(c->w->loop, &c->h, LOOP_READ);
        return 0;
    }
    while (c->out_sent < c->out.len) {
        struct iovec iov = {c->out.p + c->out_sent, c->out.len - c->out_sent};
        ssize_t n = conn_writev(c->conn, &iov, 1);
        if (n == CONN_AGAIN) break;
        if (n < 0) {
            client_close(c);
            return -1;
        }
        c->out_sent += (size_t)n;
        counter_add(&c->w->stats->net_out, (uint64_t)n);
        counter_add(&c->w->stats->io_writes, 1);
    }
    if (c->out_sent == c->out.len) {
        c->out.len = c->out_sent = 0;
        c->obuf_soft_since = 0;
        c->obuf_check_at = OBUF_CHECK_STEP;
        buf_shrink(&c->out, IOBUF_LEN);
        client_account(c);
        update_watch(c);
        if (c->flags & CL_CLOSE_AFTER_REPLY) {
            client_close(c);
            return -1;
        }
    } else {
        /* Drop what was sent once it is most of the buffer. */
        if (c->out_sent > c->out.len / 2) {
            buf_consume(&c->out, c->out_sent);
            c->out_sent = 0;
        }
        update_watch(c);
    }
    if (c->throttled) unthrottle(c);
    return 0;
}

/* With appendfsync always a reply waits until the log holds its command on
 * disk: such clients are parked on w->aof_parked until the log thread says. */
static int park_for_aof(worker *w, client *c)
{
    if (!c->aof_wait) return 0;
    if (!aof_must_wait(c->aof_wait)) {
        c->aof_wait = 0;
        return 0;
    }
    c->flags |= CL_AOF_PARKED;
    c->next_pending = w->aof_parked;
    w->aof_parked = c;
    return 1;
}

void client_flush_pending(worker *w)
{
    while (w->pending) {
        client *c = w->pending;
        w->pending = c->next_pending;
        c->next_pending = NULL;
        c->flags &= ~CL_PENDING_WRITE;
        if (c->flags & CL_CLOSED) continue;
        if (park_for_aof(w, c)) continue;
        write_out(c);
    }
    if (w->aof_parked) {
        /* Ask for a wake-up first, then look: an fsync finishing in between
         * is seen either here or by the log thread's wake. */
        aof_want_wake(w);
        client_aof_unpark(w, NULL);
    }
}

void client_aof_unpark(worker *w, void *arg)
{
    (void)arg;
    client *c = w->aof_parked, *keep = NULL;
    w->aof_parked = NULL;
    while (c) {
        client *next = c->next_pending;
        if (!aof_must_wait(c->aof_wait)) {
            c->flags &= ~CL_AOF_PARKED;
            c->aof_wait = 0;
            c->next_pending = NULL;
            if (!(c->flags & CL_CLOSED)) write_out(c);
        } else {
            c->next_pending = keep;
            keep = c;
        }
        c = next;
    }
    w->aof_parked = keep;
}

/* Takes a closing client off the parked list. */
static void unpark(client *c)
{
    if (!(c->flags & CL_AOF_PARKED)) return;
    client **pp = &c->w->aof_parked;
    while (*pp && *pp != c) pp = &(*pp)->next_pending;
    if (*pp) *pp = c->next_pending;
    c->flags &= ~CL_AOF_PARKED;
}

static int client_class(const client *c)
{
    return (c->flags & CL_PUBSUB) ? CLIENT_CLASS_PUBSUB : CLIENT_CLASS_NORMAL;
}

void client_check_obuf(client *c)
{
    size_t pending = c->out.len - c->out_sent;
    const obuf_limit *lim = &cfg.obuf[client_class(c)];
    int over = 0;
    if (lim->hard && pending >= lim->hard) over = 1;
    if (!over && lim->soft && pending >= lim->soft) {
        uint64_t now = now_ms();
        if (!c->obuf_soft_since)
            c->obuf_soft_since = now;
        else if ((long long)(now - c->obuf_soft_since) / 1000 >= lim->soft_seconds)
            over = 1;
    } else if (lim->soft && pending < lim->soft) {
        c->obuf_soft_since = 0;
    }
    if (over) {
        log_warning("Client id=%llu addr=%s closed for overcoming of output buffer limits.",
                    (unsigned long long)c->id, c->addr);
        counter_add(&c->w->stats->client_obuf_limit_disconnections, 1);
        /* Drop the output now: nothing more will be sent. */
        c->out.len = c->out_sent = 0;
        client_close(c);
        return;
    }
    c->obuf_check_at = pending + OBUF_CHECK_STEP;
}

static void set_argv(client *c)
{
    if ((size_t)c->argv_cap < c->rd.argc) {
        size_t cap = c->rd.argc < 8 ? 8 : c->rd.argc;
        mem_free(c->argv);
        c->argv = mem_alloc(sizeof(slice) * cap);
        c->argv_cap = (int)cap;
    }
    const char *base = c->qbuf.p + c->qpos;
    for (size_t i = 0; i < c->rd.argc; i++)
        c->argv[i] = (slice){base + c->rd.argv[i].off, c->rd.argv[i].len};
    c->argc = (int)c->rd.argc;
}

static resp_limits limits(void)
{
    resp_limits l;
    l.max_bulk = cfg.proto_max_bulk_len;
    l.max_args = (size_t)cfg.proto_max_multibulk_len;
    l.max_inline = (size_t)cfg.proto_max_inline_len;
    return l;
}

/* 1 if CLIENT PAUSE holds this command back. */
static int paused_for(client *c)
{
    uint64_t until = atomic_load(&srv.pause_until_ms);
    if (!until || now_ms() >= until) return 0;
    if (atomic_load(&srv.pause_all)) return 1;
    const command *cmd = cmd_lookup(c->argv, c->argc);
    if (!cmd) return 0;
    return (cmd->flags & (CMD_WRITE | CMD_MAY_REPLICATE)) != 0;
}

void client_process_input(client *c)
{
    resp_limits lim = limits();
    c->rd.unauth = !(c->flags & CL_AUTHENTICATED);
    c->paused_since = 0;
    while (c->qpos < c->qbuf.len) {
        if (c->flags & (CL_CLOSE_AFTER_REPLY | CL_CLOSE_ASAP | CL_BLOCKED)) break;
        if (throttle(c)) break;
        size_t consumed = 0;
        int rc = c->proto == PROTO_NATIVE
                     ? native_srv_read(c, &consumed)
                     : resp_read_command(&c->rd, &lim, c->qbuf.p + c->qpos,
                                         c->qbuf.len - c->qpos, &consumed);
        if (rc == RESP_AGAIN) {
            /* Bytes of a half command arrived: the stall clock restarts
             * (client-idle-request-timeout, checked by client_cron). */
            c->cmd_start_ms = now_ms();
            break;
        }
        if (rc == RESP_ERROR) {
            char msg[200];
            snprintf(msg, sizeof(msg), "ERR %s", c->rd.err);
            reply_error(c, msg);
            log_verbose("Protocol error (%s) from client: id=%llu addr=%s", c->rd.err,
                        (unsigned long long)c->id, c->addr);
            c->flags |= CL_CLOSE_AFTER_REPLY;
            c->qpos = c->qbuf.len;
            break;
        }
        c->cmd_start_ms = 0;
        if (c->rd.argc == 0) {
            c->qpos += consumed;
            continue;
        }
        if (c->proto != PROTO_NATIVE) set_argv(c); /* native: set by native_srv_read */
        if (paused_for(c)) {
            /* Leave the command in the buffer; it is parsed again on resume. */
            resp_reader_reset(&c->rd);
            c->paused_since = now_ms();
            break;
        }
        c->last_ms = c->w->now_ms;
        dispatch(c);
        c->qpos += consumed;
        c->argc = 0;
    }
    if (c->qpos == c->qbuf.len) {
        c->qbuf.len = c->qpos = 0;
        if (c->qbuf.p != c->w->rbuf.p) buf_free(&c->qbuf);
    } else if (c->qpos > 0 && (c->qpos >= c->qbuf.len / 2 || c->qbuf.cap - c->qbuf.len < 1024)) {
        buf_consume(&c->qbuf, c->qpos);
        c->qpos = 0;
    }
}

/* Reads into the worker's shared buffer and runs what arrived; only bytes of
 * an incomplete command are copied into the client's own buffer. So an idle
 * client holds no input buffer at all, and the common case (whole commands per
 * read) copies nothing. */
static void read_shared(client *c)
{
    worker *w = c->w;
    buf own = c->qbuf;
    buf_reserve(&w->rbuf, IOBUF_LEN);
    c->qbuf = w->rbuf;
    c->qbuf.len = c->qpos = 0;
    ssize_t n = conn_read(c->conn, c->qbuf.p, c->qbuf.cap);
    if (n > 0) {
        c->qbuf.len = (size_t)n;
        c->last_ms = w->now_ms; /* any input counts against the idle `timeout` */
        counter_add(&c->w->stats->net_in, (uint64_t)n);
        counter_add(&c->w->stats->io_reads, 1);
        if (!c->paused_since) client_process_input(c);
    }
    w->rbuf = c->qbuf;
    size_t left = c->qbuf.len - c->qpos;
    c->qbuf = own;
    c->qbuf.len = 0;
    c->qpos = 0;
    if (left && !(c->flags & CL_CLOSED)) buf_append(&c->qbuf, w->rbuf.p + w->rbuf.len - left, left);
    w->rbuf.len = 0;
    client_account(c);
    if (n == 0 || n == CONN_ERR) client_close(c);
}

static void read_input(client *c)
{
    if (c->qbuf.len == 0) {
        read_shared(c);
        return;
    }
    size_t want = IOBUF_LEN, have = c->qbuf.len - c->qpos;
    /* A large bulk in progress: read it in bigger chunks, but the reservation
     * follows the bytes actually received (at most as many again, at most 1 MB
     * per read), never the length the client announced: a client that
     * announces 512 MB and sends 10 bytes holds 16 KB. */
    if (c->rd.need > have) {
        size_t remaining = c->rd.need - have;
        size_t step = have < (1u << 20) ? have : (1u << 20);
        if (remaining < step) step = remaining;
        if (step > want) want = step;
    }
    buf_reserve(&c->qbuf, want);
    ssize_t n = conn_read(c->conn, c->qbuf.p + c->qbuf.len, c->qbuf.cap - c->qbuf.len);
    if (n == CONN_AGAIN) return;
    if (n <= 0) {
        client_close(c);
        return;
    }
    c->qbuf.len += (size_t)n;
    c->last_ms = c->w->now_ms;
    counter_add(&c->w->stats->net_in, (uint64_t)n);
    counter_add(&c->w->stats->io_reads, 1);
    if ((long long)c->qbuf.len > c->qbuf_peak) c->qbuf_peak = (long long)c->qbuf.len;
    if (cfg.client_query_buffer_limit && c->qbuf.len - c->qpos > cfg.client_query_buffer_limit) {
        log_warning("Closing client that reached max query buffer length: id=%llu addr=%s "
                    "(qbuf initial bytes: %.32s)",
                    (unsigned long long)c->id, c->addr, c->qbuf.p + c->qpos);
        counter_add(&c->w->stats->client_qbuf_limit_disconnections, 1);
        client_close(c);
        return;
    }
    if (c->paused_since) return; /* held by CLIENT PAUSE; the cron resumes it */
    client_process_input(c);
    client_account(c);
}

static void on_event(loop *l, loop_handle *h, int events)
{
    client *c = h->priv;
    (void)l;
    if (c->flags & CL_CLOSED) return;
    /* A transport call stalled on the other direction is retried by it. */
    int want = c->conn->want;
    if ((events & LOOP_WRITE) ||
        ((events & LOOP_READ) && (want & CONN_WRITE_WANTS_READ))) {
        if (write_out(c) < 0) return;
    }
    if ((events & LOOP_READ) ||
        ((events & LOOP_WRITE) && (want & CONN_READ_WANTS_WRITE))) {
        read_input(c);
        /* TLS may hold decrypted bytes the fd does not signal. */
        while (!(c->flags & CL_CLOSED) && conn_pending(c->conn)) read_input(c);
    }
    if (!(c->flags & CL_CLOSED) && c->conn->want != want) update_watch(c);
}

static const char *flag_letters(const client *c, char *out)
{
    char *p = out;
    if (c->flags & CL_MONITOR) *p++ = 'O';
    if (c->flags & CL_PUBSUB) *p++ = 'P';
    if (c->flags & CL_MULTI) *p++ = 'x';
    if (c->flags & CL_BLOCKED) *p++ = 'b';
    if (c->flags & CL_CLOSE_AFTER_REPLY) *p++ = 'c';
    if (c->flags & CL_CLOSE_ASAP) *p++ = 'A';
    if (c->flags & CL_NO_EVICT) *p++ = 'e';
    if (p == out) *p++ = 'N';
    *p = 0;
    return out;
}

void client_describe(client *c, buf *out)
{
    char flags[16];
    uint64_t now = now_ms();
    const char *cmd = c->lastcmd ? c->lastcmd->name : "NULL";
    buf_printf(out,
               "id=%llu addr=%s laddr=%s fd=%d name=%s age=%llu idle=%llu flags=%s db=%d "
               "sub=%d psub=%d ssub=%d multi=%d qbuf=%zu qbuf-free=%zu argv-mem=0 multi-mem=0 "
               "rbs=%zu rbp=%lld obl=%zu oll=0 omem=%zu tot-mem=%zu events=r cmd=%s user=%s "
               "redir=-1 resp=%d",
               (unsigned long long)c->id, c->addr, c->laddr, c->conn->fd, c->name ? c->name : "",
               (unsigned long long)((now - c->ctime_ms) / 1000),
               (unsigned long long)((now - c->last_ms) / 1000), flag_letters(c, flags), c->dbid,
               pubsub_count(c, PS_CHANNEL), pubsub_count(c, PS_PATTERN), pubsub_count(c, PS_SHARD),
               (c->flags & CL_MULTI) ? c->multi_n : -1,
               c->qbuf.len - c->qpos, c->qbuf.cap - c->qbuf.len, c->qbuf.cap, c->qbuf_peak,
               c->out.len - c->out_sent, c->out.cap, sizeof(*c) + c->qbuf.cap + c->out.cap, cmd,
               acl_client_username(c), c->resp);
    if (c->lib_name || c->lib_ver)
        buf_printf(out, " lib-name=%s lib-ver=%s", c->lib_name ? c->lib_name : "",
                   c->lib_ver ? c->lib_ver : "");
    /* kvik: the namespace, for clients outside the default one (so a server
     * without namespaces prints exactly Redis's fields) */
    int ns = c->db ? ns_of_db(c->db) : 0;
    char name[128];
    if (ns && ns_name_of(ns, name, sizeof(name)) == 0) buf_printf(out, " ns=%s", name);
}

void client_cron(worker *w)
{
    uint64_t now = now_ms();
    uint64_t until = atomic_load(&srv.pause_until_ms);
    int pause_over = !until || now >= until;
    for (client *c = w->clients; c; c = c->next) {
        if (c->flags & CL_CLOSED) continue;
        if (c->paused_since && pause_over) {
            client_process_input(c);
            if (c->flags & CL_CLOSED) continue;
        }
        if (cfg.timeout > 0 && !(c->flags & (CL_PUBSUB | CL_BLOCKED)) && !c->paused_since &&
            (long long)(now - c->last_ms) / 1000 > cfg.timeout) {
            log_verbose("Closing idle client");
            client_close(c);
            continue;
        }
        if (cfg.client_idle_request_timeout > 0 && c->cmd_start_ms &&
            (long long)(now - c->cmd_start_ms) / 1000 >= cfg.client_idle_request_timeout) {
            log_verbose("Closing client that sent an incomplete command for too long: id=%llu",
                        (unsigned long long)c->id);
            client_close(c);
            continue;
        }
        /* A transport not ready yet (a TLS handshake) is a request in progress
         * too: it must be done within the same time of connecting. */
        if (cfg.client_idle_request_timeout > 0 && c->conn && !c->conn->ready &&
            (long long)(now - c->ctime_ms) / 1000 >= cfg.client_idle_request_timeout) {
            log_verbose("Closing client whose TLS handshake took too long: id=%llu addr=%s",
                        (unsigned long long)c->id, c->addr);
            client_close(c);
            continue;
        }
        if (c->obuf_soft_since) client_check_obuf(c);

    }
}
