/* server/acl_int.h — ACL internals shared by acl.c, acl_rules.c and
 * cmd_acl.c (not for other modules: they use acl.h). */
#ifndef KV_SERVER_ACL_INT_H
#define KV_SERVER_ACL_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "server/acl.h"

enum { ACL_PERM_R = 1, ACL_PERM_W = 2, ACL_PERM_RW = 3 };
/* selector flags */
enum { SEL_ALLKEYS = 1, SEL_ALLCHANNELS = 2, SEL_ALLCMDS = 4 };
/* user flags */
enum { U_ON = 1, U_NOPASS = 2, U_SANITIZE = 4, U_SKIP_SANITIZE = 8 };
/* rule errors (Redis reports them through errno values of these names) */
enum {
    ACL_E_NOENT = 1,
    ACL_E_INVAL,
    ACL_E_EXIST,
    ACL_E_ISDIR,
    ACL_E_NODEV,
    ACL_E_BADMSG,
    ACL_E_CHILD,
    ACL_E_NSNAME
};

typedef struct acl_pat {
    char *p; /* NUL-terminated copy */
    size_t len;
    int flags; /* keys: ACL_PERM_* */
} acl_pat;

typedef struct acl_fa { /* allowed first arguments of one command */
    int id, n;
    char **args;
} acl_fa;

typedef struct acl_sel {
    int flags;      /* SEL_* */
    uint64_t *bits; /* allowed command ids */
    acl_pat *keys, *chans;
    int nkeys, nchans;
    acl_fa *fa;
    int nfa;
    char **rules; /* category rules (+@cat/-@cat) in order, for ACL LIST */
    int nrules;
} acl_sel;

struct acl_perm {
    int flags; /* U_* */
    int fast;  /* the root selector allows everything */
    unsigned char (*pw)[32];
    int npw;
    char *ns;     /* namespace, NULL: the default one */
    acl_sel *sel; /* sel[0] is the root selector */
    int nsel;
};

struct acl_user {
    char *name;
    _Atomic(acl_perm *) perm;
    _Atomic int refs;
    _Atomic int deleted;
};

extern _Atomic int acl_pubsub_default_all; /* acl-pubsub-default allchannels */

acl_perm *acl_perm_dup(const acl_perm *p);
/* One rule; 0 or ACL_E_*. */
int acl_rule(acl_perm *p, const char *op, size_t len);
const char *acl_rule_error(int code);
void acl_hash_password(const char *pw, size_t len, unsigned char out[32]);
void acl_hex(const unsigned char h[32], buf *out);
int acl_sel_all(const acl_sel *s);
int acl_sel_allows_id(const acl_sel *s, int id);
int acl_sel_allows_firstarg(const acl_sel *s, int id, slice arg);
int acl_sel_key_ok(const acl_sel *s, slice key, int need);
int acl_sel_chan_ok(const acl_sel *s, slice ch, int is_pattern);
void acl_sel_describe_cmds(const acl_sel *s, buf *out);
void acl_sel_describe_keys(const acl_sel *s, buf *out);
void acl_sel_describe_chans(const acl_sel *s, buf *out);

/* acl.c: the user table (the caller holds acl_lock) */
extern pthread_mutex_t acl_lock;
acl_user *acl_find_locked(const char *name, size_t len);
/* Runs fn on every user in name order. */
void acl_foreach_locked(void (*fn)(void *priv, acl_user *u), void *priv);
int acl_count_locked(void);
/* SETUSER: creates or updates. Returns 0 or -1 with err. */
int acl_setuser_locked(slice name, const slice *rules, int n, char *err, size_t errlen);
int acl_deluser_locked(slice name);
/* LOAD/SAVE with the configured aclfile. */
int acl_load_file(const char *path, char *err, size_t errlen);
int acl_save_file(const char *path, char *err, size_t errlen);
/* Runs the check for user u (DRYRUN). */
int acl_check_user(acl_user *u, const command *cmd, const slice *argv, int argc,
                   int *errpos);
acl_perm *acl_perm_of(acl_user *u);

/* The client whose command is changing users (so that it is closed only
 * after its reply); NULL when done. */
void acl_set_caller(client *c);

/* cmd_acl.c: the log */
void acl_log_add(client *c, int reason, int ctx, const char *object, size_t olen,
                 const char *username);

#endif
