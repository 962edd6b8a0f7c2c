/* server/blocking.c — clients blocked on keys (see blocking.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "server/blocking.h"

void blocking_wait(client *c, const int *keypos, int nkeys, long long deadline_ms)
{
    (void)keypos;
    (void)nkeys;
    (void)deadline_ms;
    reply_null_array(c); /* not yet: behaves as an immediate timeout */
}

void blocking_set_arg(client *c, int i, slice s)
{
    (void)c;
    (void)i;
    (void)s;
}

int blocking_is_retry(const client *c)
{
    (void)c;
    return 0;
}

void blocking_signal(ks_db *db, slice key)
{
    (void)db;
    (void)key;
}

int blocking_parse_timeout(client *c, slice arg, int unit_ms, long long *deadline_ms)
{
    double t;
    if (unit_ms == 1) {
        long long ms;
        if (!util_str2ll(arg.p, arg.len, &ms)) {
            reply_error(c, "ERR timeout is not an integer or out of range");
            return -1;
        }
        t = (double)ms;
    } else {
        char tmp[64];
        if (arg.len == 0 || arg.len >= sizeof(tmp)) goto notfloat;
        memcpy(tmp, arg.p, arg.len);
        tmp[arg.len] = 0;
        char *end;
        t = strtod(tmp, &end);
        if (*end || isnan(t) || isinf(t)) goto notfloat;
        t *= unit_ms;
    }
    if (t < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    if (t > 9.0e15) {
        reply_error(c, "ERR timeout is out of range");
        return -1;
    }
    *deadline_ms = t > 0 ? (long long)now_ms() + (long long)ceil(t) : 0;
    return 0;
notfloat:
    reply_error(c, "ERR timeout is not a float or out of range");
    return -1;
}
