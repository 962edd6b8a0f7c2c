/* server/cmd_connection.c — connection commands: PING ECHO QUIT RESET HELLO
 * AUTH SELECT and CLIENT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/glob.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/ks.h"
#include "server/acl.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/cmdtab.h"
#include "server/multi.h"
#include "server/namespace.h"
#include "server/monitor.h"
#include "server/pubsub.h"

static void cmd_ping(client *c)
{
    if (c->argc > 2) {
        reply_err_arity(c);
        return;
    }
    if (c->flags & CL_PUBSUB && c->resp == 2) {
        reply_array(c, 2);
        reply_bulk(c, "pong", 4);
        if (c->argc == 2)
            reply_bulk(c, c->argv[1].p, c->argv[1].len);
        else
            reply_bulk(c, "", 0);
        return;
    }
    if (c->argc == 2)
        reply_bulk(c, c->argv[1].p, c->argv[1].len);
    else
        reply_status(c, "PONG");
}

static void cmd_echo(client *c)
{
    reply_bulk(c, c->argv[1].p, c->argv[1].len);
}

static void cmd_quit(client *c)
{
    reply_ok(c);
    c->flags |= CL_CLOSE_AFTER_REPLY;
}

static void set_db(client *c, int id)
{
    c->dbid = id;
    c->db = ns_db(c, id); /* stays in its namespace */
}

static void cmd_reset(client *c)
{
    multi_reset(c);
    set_db(c, 0);
    client_set_resp(c, 2);
    pubsub_client_reset(c); /* leaves every channel, pattern and shard channel */
    monitor_stop(c);
    c->flags &= ~(CL_REPLY_OFF | CL_REPLY_SKIP | CL_REPLY_SKIP_NEXT | CL_NO_EVICT | CL_MULTI);
    acl_client_reset(c);
    pthread_mutex_lock(&srv.clients_lock);
    mem_free(c->name);
    c->name = NULL;
    pthread_mutex_unlock(&srv.clients_lock);
    reply_status(c, "RESET");
}

static void cmd_select(client *c)
{
    long long id;
    if (!util_str2ll(c->argv[1].p, c->argv[1].len, &id)) {
        reply_err_notint(c);
        return;
    }
    if (id < 0 || id >= ks_databases()) {
        reply_error(c, "ERR DB index is out of range");
        return;
    }
    set_db(c, (int)id);
    reply_ok(c);
}

static void cmd_auth(client *c)
{
    if (c->argc > 3) {
        reply_err_syntax(c);
        return;
    }
    slice user = SLICE_LIT("default"), pass = c->argv[1];
    if (c->argc == 3) {
        user = c->argv[1];
        pass = c->argv[2];
    } else if (acl_default_nopass()) {
        reply_error(c, "ERR AUTH <password> called without any password configured for the "
                       "default user. Are you sure your configuration is correct?");
        return;
    }
    if (acl_auth(c, user, pass) < 0) return;
    reply_ok(c);
}

static int valid_client_name(slice s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < '!' || s.p[i] > '~') return 0;
    return 1;
}

static void set_name(client *c, char **field, slice v)
{
    char *n = v.len ? mem_alloc(v.len + 1) : NULL;
    if (n) {
        memcpy(n, v.p, v.len);
        n[v.len] = 0;
    }
    pthread_mutex_lock(&srv.clients_lock);
    mem_free(*field);
    *field = n;
    pthread_mutex_unlock(&srv.clients_lock);
}

static void cmd_hello(client *c)
{
    int ver = c->resp;
    int i = 1;
    if (c->argc >= 2) {
        long long v;
        if (!util_str2ll(c->argv[1].p, c->argv[1].len, &v)) {
            reply_error(c, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (v < 2 || v > 3) {
            reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
        ver = (int)v;
        i = 2;
    }
    slice setname = {0};
    int has_name = 0;
    for (; i < c->argc; i++) {
        int more = c->argc - i - 1;
        if (slice_is(c->argv[i], "AUTH") && more >= 2) {
            if (acl_auth(c, c->argv[i + 1], c->argv[i + 2]) < 0) return;
            i += 2;
        } else if (slice_is(c->argv[i], "SETNAME") && more >= 1) {
            setname = c->argv[++i];
            has_name = 1;
            if (!valid_client_name(setname)) {
                reply_error(c, "ERR Client names cannot contain spaces, newlines or special "
                               "characters.");
                return;
            }
        } else {
            reply_errorf(c, "ERR Syntax error in HELLO option '%.*s'", (int)c->argv[i].len,
                         c->argv[i].p);
            return;
        }
    }
    if (!(c->flags & CL_AUTHENTICATED)) {
        reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
                       "authenticate the client and select the RESP protocol version at the "
                       "same time");
        return;
    }
    if (has_name) set_name(c, &c->name, setname);
    client_set_resp(c, ver);
    reply_map(c, 7);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "kvik");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, KVIK_REDIS_COMPAT_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_int(c, ver);
    reply_bulk_cstr(c, "id");
    reply_int(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, "master");
    reply_bulk_cstr(c, "modules");
    reply_array(c, 0);
}

/* ---------------------------------------------------------------- CLIENT */

static void cmd_client_id(client *c)
{
    reply_int(c, (long long)c->id);
}

static void cmd_client_setname(client *c)
{
    if (!valid_client_name(c->argv[2])) {
        reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    set_name(c, &c->name, c->argv[2]);
    reply_ok(c);
}

static void cmd_client_getname(client *c)
{
    if (c->name)
        reply_bulk_cstr(c, c->name);
    else
        reply_null(c);
}

static void cmd_client_setinfo(client *c)
{
    slice attr = c->argv[2], val = c->argv[3];
    char **field;
    if (slice_is(attr, "LIB-NAME"))
        field = &c->lib_name;
    else if (slice_is(attr, "LIB-VER"))
        field = &c->lib_ver;
    else {
        reply_errorf(c, "ERR Unrecognized option '%.*s'", (int)attr.len, attr.p);
        return;
    }
    if (!valid_client_name(val)) {
        reply_errorf(c, "ERR %s cannot contain spaces, newlines or special characters.",
                     field == &c->lib_name ? "lib-name" : "lib-ver");
        return;
    }
    set_name(c, field, val);
    reply_ok(c);
}

/* A filter for CLIENT LIST / CLIENT KILL. */
typedef struct client_filter {
    uint64_t *ids;
    int nids;
    int type; /* -1 any, else CLIENT_CLASS_* (master/replica never match) */
    int none; /* a type that no client has */
    slice addr, laddr, user;
    int skipme;
} client_filter;

static int filter_match(const client_filter *f, const client *c, const client *self)
{
    if (f->none) return 0;
    if (f->skipme && c == self) return 0;
    if (f->nids) {
        int hit = 0;
        for (int i = 0; i < f->nids; i++) hit |= f->ids[i] == c->id;
        if (!hit) return 0;
    }
    if (f->type >= 0) {
        int cls = (c->flags & CL_PUBSUB) ? CLIENT_CLASS_PUBSUB : CLIENT_CLASS_NORMAL;
        if (cls != f->type) return 0;
    }
    if (f->addr.p && (strlen(c->addr) != f->addr.len || memcmp(c->addr, f->addr.p, f->addr.len)))
        return 0;
    if (f->laddr.p &&
        (strlen(c->laddr) != f->laddr.len || memcmp(c->laddr, f->laddr.p, f->laddr.len)))
        return 0;
    if (f->user.p && !slice_eq(slice_of(acl_client_username(c), strlen(acl_client_username(c))),
                               f->user))
        return 0;
    return 1;
}

static int parse_type(client_filter *f, slice t)
{
    if (slice_is(t, "normal"))
        f->type = CLIENT_CLASS_NORMAL;
    else if (slice_is(t, "pubsub"))
        f->type = CLIENT_CLASS_PUBSUB;
    else if (slice_is(t, "master") || slice_is(t, "replica") || slice_is(t, "slave"))
        f->none = 1;
    else
        return -1;
    return 0;
}

static void cmd_client_list(client *c)
{
    client_filter f = {.type = -1};
    uint64_t ids[64];
    int i = 2;
    if (c->argc > 2) {
        if (slice_is(c->argv[2], "TYPE") && c->argc == 4) {
            if (parse_type(&f, c->argv[3]) < 0) {
                reply_errorf(c, "ERR Unknown client type '%.*s'", (int)c->argv[3].len,
                             c->argv[3].p);
                return;
            }
        } else if (slice_is(c->argv[2], "ID") && c->argc > 3) {
            f.ids = ids;
            for (i = 3; i < c->argc && f.nids < 64; i++) {
                long long id;
                if (!util_str2ll(c->argv[i].p, c->argv[i].len, &id) || id <= 0) {
                    reply_error(c, "ERR Invalid client ID");
                    return;
                }
                ids[f.nids++] = (uint64_t)id;
            }
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    buf out = BUF_INIT;
    pthread_mutex_lock(&srv.clients_lock);
    for (int w = 0; w < srv.nworkers; w++)
        for (client *o = srv.workers[w].clients; o; o = o->next) {
            if ((o->flags & CL_CLOSED) || !filter_match(&f, o, c)) continue;
            client_describe(o, &out);
            buf_putc(&out, '\n');
        }
    pthread_mutex_unlock(&srv.clients_lock);
    reply_verbatim(c, out.p ? out.p : "", out.len, "txt");
    buf_free(&out);
}

static void cmd_client_info(client *c)
{
    buf out = BUF_INIT;
    pthread_mutex_lock(&srv.clients_lock);
    client_describe(c, &out);
    pthread_mutex_unlock(&srv.clients_lock);
    buf_putc(&out, '\n');
    reply_verbatim(c, out.p, out.len, "txt");
    buf_free(&out);
}

static void kill_task(worker *w, void *arg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg;
    for (client *c = w->clients; c; c = c->next)
        if (c->id == id) {
            client_close(c);
            return;
        }
}

/* Closes every client matching f; returns how many. */
static int kill_matching(client *self, const client_filter *f)
{
    int killed = 0;
    pthread_mutex_lock(&srv.clients_lock);
    for (int w = 0; w < srv.nworkers; w++)
        for (client *o = srv.workers[w].clients; o; o = o->next) {
            if ((o->flags & CL_CLOSED) || !filter_match(f, o, self)) continue;
            killed++;
            if (o == self) {
                self->flags |= CL_CLOSE_AFTER_REPLY;
            } else if (o->w == self->w) {
                client_close(o);
            } else {
                /* Closing happens on o's thread; its wait ends now, so that a
                 * push right after the kill is not handed to it. */
                blocking_cancel(o);
                worker_post(o->w, kill_task, (void *)(uintptr_t)o->id);
            }
        }
    pthread_mutex_unlock(&srv.clients_lock);
    return killed;
}

static void cmd_client_kill(client *c)
{
    client_filter f = {.type = -1, .skipme = 1};
    uint64_t id;
    if (c->argc == 3) { /* old form: CLIENT KILL addr:port */
        f.addr = c->argv[2];
        f.skipme = 0;
        if (kill_matching(c, &f) == 0) {
            reply_error(c, "ERR No such client");
            return;
        }
        reply_ok(c);
        return;
    }
    if ((c->argc - 2) % 2) {
        reply_err_syntax(c);
        return;
    }
    for (int i = 2; i < c->argc; i += 2) {
        slice k = c->argv[i], v = c->argv[i + 1];
        if (slice_is(k, "ID")) {
            long long n;
            if (!util_str2ll(v.p, v.len, &n) || n <= 0) {
                reply_error(c, "ERR client-id should be greater than 0");
                return;
            }
            id = (uint64_t)n;
            f.ids = &id;
            f.nids = 1;
        } else if (slice_is(k, "TYPE")) {
            if (parse_type(&f, v) < 0) {
                reply_errorf(c, "ERR Unknown client type '%.*s'", (int)v.len, v.p);
                return;
            }
        } else if (slice_is(k, "ADDR")) {
            f.addr = v;
        } else if (slice_is(k, "LADDR")) {
            f.laddr = v;
        } else if (slice_is(k, "USER")) {
            if (!acl_user_exists(v)) {
                reply_errorf(c, "ERR No such user '%.*s'", (int)v.len, v.p);
                return;
            }
            f.user = v;
        } else if (slice_is(k, "SKIPME")) {
            if (slice_is(v, "yes"))
                f.skipme = 1;
            else if (slice_is(v, "no"))
                f.skipme = 0;
            else {
                reply_err_syntax(c);
                return;
            }
        } else if (slice_is(k, "MAXAGE")) {
            continue; /* accepted; age filtering not applied */
        } else {
            reply_err_syntax(c);
            return;
        }
    }
    reply_int(c, kill_matching(c, &f));
}

typedef struct unblock_req {
    uint64_t id;
    int error;
} unblock_req;

static void unblock_task(worker *w, void *arg)
{
    unblock_req *r = arg;
    for (client *c = w->clients; c; c = c->next)
        if (c->id == r->id && !(c->flags & CL_CLOSED)) {
            blocking_unblock(c, r->error);
            break;
        }
    mem_free(r);
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was blocked on keys. The
 * unblocking itself runs on the client's own thread. */
static void cmd_client_unblock(client *c)
{
    long long id;
    int error = 0;
    if (arg_ll(c, c->argv[2], &id) < 0) return;
    if (c->argc == 4) {
        if (slice_is(c->argv[3], "ERROR"))
            error = 1;
        else if (!slice_is(c->argv[3], "TIMEOUT")) {
            reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    worker *owner = NULL;
    pthread_mutex_lock(&srv.clients_lock);
    for (int w = 0; w < srv.nworkers && !owner; w++)
        for (client *o = srv.workers[w].clients; o; o = o->next)
            if (o->id == (uint64_t)id && o->blk && !(o->flags & CL_CLOSED)) {
                owner = o->w;
                break;
            }
    pthread_mutex_unlock(&srv.clients_lock);
    if (owner) {
        unblock_req *r = mem_alloc(sizeof(*r));
        *r = (unblock_req){(uint64_t)id, error};
        worker_post(owner, unblock_task, r);
    }
    reply_int(c, owner != NULL);
}

static void resume_task(worker *w, void *arg)
{
    (void)arg;
    for (client *c = w->clients; c; c = c->next)
        if (c->paused_since && !(c->flags & CL_CLOSED)) client_process_input(c);
}

static void wake_paused(void)
{
    for (int i = 0; i < srv.nworkers; i++) worker_post(&srv.workers[i], resume_task, NULL);
}

static void cmd_client_pause(client *c)
{
    long long ms;
    if (!util_str2ll(c->argv[2].p, c->argv[2].len, &ms)) {
        reply_error(c, "ERR timeout is not an integer or out of range");
        return;
    }
    if (ms < 0) {
        reply_error(c, "ERR timeout is negative");
        return;
    }
    int all = 1;
    if (c->argc == 4) {
        if (slice_is(c->argv[3], "WRITE"))
            all = 0;
        else if (!slice_is(c->argv[3], "ALL")) {
            reply_error(c, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    uint64_t until = now_ms() + (uint64_t)ms;
    uint64_t cur = atomic_load(&srv.pause_until_ms);
    /* A pause never shortens one in force; ALL wins over WRITE. */
    if (!cur || until > cur) atomic_store(&srv.pause_until_ms, until);
    if (!cur || now_ms() >= cur)
        atomic_store(&srv.pause_all, all);
    else if (all)
        atomic_store(&srv.pause_all, 1);
    reply_ok(c);
}

static void cmd_client_unpause(client *c)
{
    atomic_store(&srv.pause_until_ms, 0);
    wake_paused();
    reply_ok(c);
}

static void cmd_client_reply(client *c)
{
    slice m = c->argv[2];
    if (slice_is(m, "ON")) {
        c->flags &= ~(CL_REPLY_OFF | CL_REPLY_SKIP_NEXT | CL_REPLY_SKIP);
        reply_ok(c);
    } else if (slice_is(m, "OFF")) {
        c->flags |= CL_REPLY_OFF;
    } else if (slice_is(m, "SKIP")) {
        if (!(c->flags & CL_REPLY_OFF)) c->flags |= CL_REPLY_SKIP_NEXT;
    } else {
        reply_err_syntax(c);
    }
}

static void cmd_client_no_evict(client *c)
{
    if (slice_is(c->argv[2], "ON"))
        c->flags |= CL_NO_EVICT;
    else if (slice_is(c->argv[2], "OFF"))
        c->flags &= ~CL_NO_EVICT;
    else {
        reply_err_syntax(c);
        return;
    }
    reply_ok(c);
}

static void cmd_client_help(client *c)
{
    static const char *const help[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are: ID, TYPE, USER, ADDR, LADDR, SKIPME.",
        "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> ...]",
        "    Return information about client connections.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend clients (all, or only writes) for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Set client library name or version.",
        "NO-EVICT (ON|OFF)",
        "    Protect the current client connection from eviction.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}

#define CONN_CMD(...) {.group = "connection", __VA_ARGS__}

static command client_subs[] = {
    CONN_CMD(.name = "client|id", .proc = cmd_client_id, .arity = 2,
             .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
             .since = "5.0.0", .summary = "Returns the unique id of this connection.",
             .complexity = "O(1)"),
    CONN_CMD(.name = "client|setname", .proc = cmd_client_setname, .arity = 3,
             .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
             .since = "2.6.9", .summary = "Names this connection.", .complexity = "O(1)",
             .args = "connection-name"),
    CONN_CMD(.name = "client|getname", .proc = cmd_client_getname, .arity = 2,
             .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
             .since = "2.6.9", .summary = "Returns the name of this connection, if any.",
             .complexity = "O(1)"),
    CONN_CMD(.name = "client|setinfo", .proc = cmd_client_setinfo, .arity = 4,
             .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
             .since = "7.2.0", .summary = "Records the client library name or version.",
             .complexity = "O(1)", .args = "LIB-NAME libname | LIB-VER libver"),
    CONN_CMD(.name = "client|list", .proc = cmd_client_list, .arity = -2,
             .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
             .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION, .since = "2.4.0",
             .summary = "Describes every client connection.", .complexity = "O(N) in clients",
             .args = "[TYPE NORMAL | MASTER | REPLICA | PUBSUB] [ID client-id [client-id ...]]"),
    CONN_CMD(.name = "client|info", .proc = cmd_client_info, .arity = 2,
             .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
             .since = "6.2.0", .summary = "Describes this connection.", .complexity = "O(1)"),
    CONN_CMD(.name = "client|kill", .proc = cmd_client_kill, .arity = -3,
             .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
             .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION, .since = "2.4.0",
             .summary = "Closes the connections that match a filter.",
             .complexity = "O(N) in clients",
             .args = "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>]> "
                     "[[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] ...]>"),
    CONN_CMD(.name = "client|pause", .proc = cmd_client_pause, .arity = -3,
             .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
             .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION, .since = "3.0.0",
             .summary = "Holds back commands of all clients for a while.",
             .complexity = "O(1)", .args = "timeout [WRITE | ALL]"),
    CONN_CMD(.name = "client|unpause", .proc = cmd_client_unpause, .arity = 2,
             .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
             .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION, .since = "6.2.0",
             .summary = "Ends a CLIENT PAUSE.", .complexity = "O(N) in paused clients"),
    CONN_CMD(.name = "client|reply", .proc = cmd_client_reply, .arity = 3,
             .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
             .since = "3.2.0", .summary = "Turns replies to this connection on or off.",
             .complexity = "O(1)", .args = "ON | OFF | SKIP"),
    CONN_CMD(.name = "client|no-evict", .proc = cmd_client_no_evict, .arity = 3,
             .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
             .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION, .since = "7.0.0",
             .summary = "Exempts this connection from client eviction.", .complexity = "O(1)",
             .args = "ON | OFF"),
    CONN_CMD(.name = "client|unblock", .proc = cmd_client_unblock, .arity = -3,
             .flags = CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE,
             .acl = ACL_ADMIN | ACL_SLOW | ACL_DANGEROUS | ACL_CONNECTION, .since = "5.0.0",
             .summary = "Unblocks a client blocked by a blocking command from a different "
                        "connection.",
             .complexity = "O(log N) where N is the number of client connections",
             .args = "client-id [TIMEOUT | ERROR]"),
    CONN_CMD(.name = "client|help", .proc = cmd_client_help, .arity = 2,
             .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW | ACL_CONNECTION,
             .since = "5.0.0", .summary = "Lists the CLIENT subcommands.", .complexity = "O(1)"),
    {0},
};

command connection_commands[] = {
    CONN_CMD(.name = "ping", .proc = cmd_ping, .arity = -1, .flags = CMD_FAST | CMD_LOADING | CMD_STALE,
             .acl = ACL_FAST | ACL_CONNECTION, .since = "1.0.0",
             .summary = "Answers PONG, or echoes its argument.", .complexity = "O(1)",
             .args = "[message]"),
    CONN_CMD(.name = "echo", .proc = cmd_echo, .arity = 2, .flags = CMD_FAST | CMD_LOADING | CMD_STALE,
             .acl = ACL_FAST | ACL_CONNECTION, .since = "1.0.0",
             .summary = "Replies with its argument.", .complexity = "O(1)", .args = "message"),
    CONN_CMD(.name = "quit", .proc = cmd_quit, .arity = -1,
             .flags = CMD_ALLOW_BUSY | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST |
                      CMD_NO_AUTH,
             .acl = ACL_FAST | ACL_CONNECTION, .since = "1.0.0",
             .summary = "Closes the connection after replying.", .complexity = "O(1)"),
    CONN_CMD(.name = "reset", .proc = cmd_reset, .arity = 1,
             .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH |
                      CMD_ALLOW_BUSY,
             .acl = ACL_FAST | ACL_CONNECTION, .since = "6.2.0",
             .summary = "Returns the connection to its initial state.", .complexity = "O(1)"),
    CONN_CMD(.name = "select", .proc = cmd_select, .arity = 2,
             .flags = CMD_LOADING | CMD_STALE | CMD_FAST, .acl = ACL_FAST | ACL_CONNECTION,
             .since = "1.0.0", .summary = "Switches this connection to another database.",
             .complexity = "O(1)", .args = "index"),
    CONN_CMD(.name = "auth", .proc = cmd_auth, .arity = -2,
             .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH |
                      CMD_ALLOW_BUSY,
             .acl = ACL_FAST | ACL_CONNECTION, .since = "1.0.0",
             .summary = "Authenticates this connection.", .complexity = "O(N) in passwords",
             .args = "[username] password"),
    CONN_CMD(.name = "hello", .proc = cmd_hello, .arity = -1,
             .flags = CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NO_AUTH |
                      CMD_ALLOW_BUSY,
             .acl = ACL_FAST | ACL_CONNECTION, .since = "6.0.0",
             .summary = "Chooses the protocol version, optionally authenticating and naming "
                        "the connection.",
             .complexity = "O(1)",
             .args = "[protover [AUTH username password] [SETNAME clientname]]"),
    CONN_CMD(.name = "client", .arity = -2, .acl = ACL_SLOW, .since = "2.4.0",
             .summary = "Inspects and controls client connections.",
             .complexity = "Depends on subcommand.", .subs = client_subs),
    {0},
};
