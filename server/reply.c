/* server/reply.c — the reply API (server.h): protocol-neutral calls that write
 * through the client's reply_ops table into its output buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "server/client.h"
#include "server/stats.h"

/* 0 if the reply must be dropped (CLIENT REPLY OFF/SKIP, or client closing). */
static inline int prepare(client *c)
{
    if (c->flags & (CL_REPLY_OFF | CL_REPLY_SKIP | CL_CLOSE_ASAP)) return 0;
    if (!(c->flags & CL_PENDING_WRITE)) client_mark_pending(c);
    return 1;
}

/* Checked after every element: a client whose unsent output passes its class's
 * hard limit is closed rather than allowed to grow. */
static inline void after(client *c)
{
    if (c->out.len - c->out_sent > c->obuf_check_at) client_check_obuf(c);
}

void reply_status(client *c, const char *s)
{
    if (!prepare(c)) return;
    c->rops->status(&c->out, s, strlen(s));
    after(c);
}

void reply_ok(client *c)
{
    if (!prepare(c)) return;
    if (c->rops == &resp2_ops || c->rops == &resp3_ops)
        buf_append(&c->out, "+OK\r\n", 5);
    else
        c->rops->status(&c->out, "OK", 2);
}

void reply_error(client *c, const char *msg)
{
    size_t len = strlen(msg);
    /* An error code is an upper-case first word; without one, "ERR " is added. */
    size_t i = 0;
    while (i < len && msg[i] >= 'A' && msg[i] <= 'Z') i++;
    int has_code = i > 0 && (i == len || msg[i] == ' ');
    char tmp[512];
    if (!has_code) {
        snprintf(tmp, sizeof(tmp), "ERR %s", msg);
        msg = tmp;
        len = strlen(msg);
    }
    /* Error replies are a single line. */
    char line[4096];
    if (memchr(msg, '\r', len) || memchr(msg, '\n', len)) {
        size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
        for (size_t k = 0; k < n; k++) line[k] = (msg[k] == '\r' || msg[k] == '\n') ? ' ' : msg[k];
        msg = line;
        len = n;
    }
    stats_count_error(c->w->stats, msg, len);
    c->cmd_failed = 1;
    if (!prepare(c)) return;
    c->rops->error(&c->out, msg, len);
    after(c);
}

void reply_errorf(client *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    reply_error(c, msg);
}

void reply_int(client *c, long long v)
{
    if (!prepare(c)) return;
    c->rops->integer(&c->out, v);
}

void reply_bulk(client *c, const void *p, size_t len)
{
    if (!prepare(c)) return;
    c->rops->bulk(&c->out, p, len);
    after(c);
}

void reply_bulk_cstr(client *c, const char *s)
{
    if (!s)
        reply_null(c);
    else
        reply_bulk(c, s, strlen(s));
}

void reply_bulk_ll(client *c, long long v)
{
    char tmp[24];
    int n = util_ll2str(tmp, sizeof(tmp), v);
    reply_bulk(c, tmp, (size_t)n);
}

void reply_null(client *c)
{
    if (!prepare(c)) return;
    c->rops->null(&c->out);
}

void reply_null_array(client *c)
{
    if (!prepare(c)) return;
    c->rops->null_array(&c->out);
}

static void agg(client *c, resp_agg kind, size_t n)
{
    if (!prepare(c)) return;
    c->rops->aggregate(&c->out, kind, n);
}

void reply_array(client *c, size_t n)
{
    agg(c, RESP_AGG_ARRAY, n);
}

void reply_map(client *c, size_t n)
{
    agg(c, RESP_AGG_MAP, n);
}

void reply_set(client *c, size_t n)
{
    agg(c, RESP_AGG_SET, n);
}

void reply_push(client *c, size_t n)
{
    agg(c, RESP_AGG_PUSH, n);
}

void reply_double(client *c, double d)
{
    if (!prepare(c)) return;
    c->rops->dbl(&c->out, d);
}

void reply_double_text(client *c, const char *p, size_t len)
{
    if (!prepare(c)) return;
    c->rops->dbl_text(&c->out, p, len);
}

void reply_bool(client *c, int v)
{
    if (!prepare(c)) return;
    c->rops->boolean(&c->out, v);
}

void reply_verbatim(client *c, const char *p, size_t len, const char *ext)
{
    if (!prepare(c)) return;
    c->rops->verbatim(&c->out, p, len, ext);
    after(c);
}

void reply_bignum(client *c, const char *p, size_t len)
{
    if (!prepare(c)) return;
    c->rops->bignum(&c->out, p, len);
}

size_t reply_defer(client *c)
{
    if (!prepare(c)) return (size_t)-1;
    return c->rops->defer(&c->out);
}

void reply_set_deferred(client *c, size_t mark, resp_agg kind, size_t n)
{
    if (mark == (size_t)-1 || (c->flags & (CL_REPLY_OFF | CL_REPLY_SKIP | CL_CLOSE_ASAP))) return;
    c->rops->set_deferred(&c->out, mark, kind, n);
    after(c);
}

void reply_err_arity(client *c)
{
    reply_errorf(c, "ERR wrong number of arguments for '%s' command",
                 c->cmd ? c->cmd->name : "unknown");
}

void reply_err_syntax(client *c)
{
    reply_error(c, "ERR syntax error");
}

void reply_err_wrongtype(client *c)
{
    reply_error(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void reply_err_notint(client *c)
{
    reply_error(c, "ERR value is not an integer or out of range");
}

void reply_err_notfloat(client *c)
{
    reply_error(c, "ERR value is not a valid float");
}

int arg_ll(client *c, slice s, long long *out)
{
    if (util_str2ll(s.p, s.len, out)) return 0;
    reply_err_notint(c);
    return -1;
}

int arg_ll_range(client *c, slice s, long long min, long long max, long long *out,
                 const char *errmsg)
{
    long long v;
    if (!util_str2ll(s.p, s.len, &v) || v < min || v > max) {
        if (errmsg)
            reply_error(c, errmsg);
        else
            reply_errorf(c, "ERR value is out of range, must be between %lld and %lld", min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int arg_double(client *c, slice s, double *out)
{
    if (util_str2d(s.p, s.len, out)) return 0;
    reply_err_notfloat(c);
    return -1;
}

void stats_count_error(worker_stats *st, const char *msg, size_t len)
{
    counter_add(&st->errors_total, 1);
    size_t n = 0;
    while (n < len && n < 31 && msg[n] != ' ') n++;
    int nerr = atomic_load_explicit(&st->nerr, memory_order_relaxed); /* only we write it */
    for (int i = 0; i < nerr; i++) {
        if (strlen(st->err[i].code) == n && memcmp(st->err[i].code, msg, n) == 0) {
            counter_add(&st->err[i].count, 1);
            return;
        }
    }
    if (nerr >= STATS_MAX_ERRCODES) return;
    memcpy(st->err[nerr].code, msg, n);
    st->err[nerr].code[n] = 0;
    counter_set(&st->err[nerr].count, 1);
    atomic_store_explicit(&st->nerr, nerr + 1, memory_order_release);
}

void reply_err_subcommand_args(client *c)
{
    char container[33];
    size_t n = c->argv[0].len < sizeof(container) - 1 ? c->argv[0].len : sizeof(container) - 1;
    for (size_t i = 0; i < n; i++) {
        char ch = c->argv[0].p[i];
        container[i] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
    }
    container[n] = 0;
    reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.",
                 (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].p, container);
}

void reply_help(client *c, const char *const *lines)
{
    size_t n = 0;
    while (lines[n])
        n++;
    reply_array(c, n);
    for (size_t i = 0; i < n; i++)
        reply_status(c, lines[i]);
}
