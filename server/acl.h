/* server/acl.h — ACL users: rules, authentication, permission checks.
 *
 * A user is a stable handle (acl_user) holding an atomic pointer to an
 * immutable permission version (its passwords, flags, selectors, namespace).
 * ACL SETUSER/LOAD build a new version under the ACL mutex and publish it with
 * one atomic store; readers (every command's check) load the pointer and never
 * lock. A replaced version is retired and freed once every worker has ended a
 * loop pass after the swap (acl_quiescent), so a command that loaded the old
 * version can finish with it. Handles are reference counted (the user table
 * holds one reference, each client authenticated as the user one more), so a
 * deleted user's handle stays valid until its last client is gone.
 *
 * A version whose root selector allows every command, key and channel (the
 * default user's +@all ~* &*) is marked fast: its check is one load and one
 * test.
 *
 * Rules are Redis 7.0's, plus `namespace:<name>` (kvik): see docs/acl.md.
 */
#ifndef KV_SERVER_ACL_H
#define KV_SERVER_ACL_H

#include <stddef.h>

#include "core/buf.h"
#include "server/server.h"

typedef struct acl_user acl_user;

/* Check results, in Redis's order of relevance. */
enum {
    ACL_OK = 0,
    ACL_DENIED_CMD = 1,
    ACL_DENIED_KEY = 2,
    ACL_DENIED_AUTH = 3,
    ACL_DENIED_CHANNEL = 4
};
/* Where a denial happened, for ACL LOG. */
enum { ACL_CTX_TOPLEVEL = 0, ACL_CTX_MULTI = 1 };

/* Creates the default user, applies requirepass, then loads the aclfile (if
 * set) or the users of the config file's `user` lines (both is an error). Returns 0, or -1 with a message in err. Call after cmd_init. */
int acl_init(char *err, size_t errlen);
/* Appends a "user <name> <rules>\n" line per user, in ACL LIST form (ACL
 * SAVE, CONFIG REWRITE). */
void acl_describe_users(buf *out);
/* Frees everything (exit). */
void acl_shutdown(void);

/* Worker `id` ended a loop pass: versions retired before it may be freed. */
void acl_quiescent(int id);
/* Re-reads cfg.requirepass if CONFIG SET changed it. */
void acl_config_changed(void);

/* Client life: a new client gets the default user (and is authenticated if
 * the default user needs no password; bound to its namespace if it has one);
 * free releases the reference. */
void acl_client_init(client *c);
void acl_client_free(client *c);
/* RESET: back to the default user, its namespace and authentication state. */
void acl_client_reset(client *c);
/* The user name of c (valid while c is, or under srv.clients_lock). */
const char *acl_client_username(const client *c);

/* AUTH / HELLO AUTH: on success switches c to the user (binding its
 * namespace) and returns 0; on failure replies the error, logs it, returns -1. */
int acl_auth(client *c, slice user, slice pass);
/* 1 if a user of that name exists. */
int acl_user_exists(slice name);
/* 1 if the default user has nopass (AUTH <password> form then errors). */
int acl_default_nopass(void);

/* Checks whether c's user may run cmd with argv (a client without a user,
 * like the AOF loader's, may run anything). ACL_OK or ACL_DENIED_*, with
 * *errpos the offending argument. Lock-free. */
int acl_check(client *c, const command *cmd, const slice *argv, int argc, int *errpos);
/* Logs a denial and writes the client error (without '-') into msg. */
void acl_denied(client *c, const command *cmd, const slice *argv, int res, int errpos,
                int ctx, char *msg, size_t len);

/* The error text (without '-') for a denial, without logging it. */
void acl_error_text(const command *cmd, int res, char *msg, size_t len);
/* Takes a reference to c's user (NULL for internal clients), for work that
 * outlives c's command: a blocked command is checked again when it runs
 * later, with the rules of that moment. Release with acl_user_release. */
acl_user *acl_user_hold(const client *c);
void acl_user_release(acl_user *u);

/* ---- Rule parsing, usable without a running server (fuzzing, tests) ---- */

typedef struct acl_perm acl_perm;
/* A new user's permissions (off, nothing allowed). */
acl_perm *acl_perm_new(void);
void acl_perm_free(acl_perm *p);
/* Applies rules (SETUSER arguments; selectors may span arguments). Returns 0,
 * or -1 with the Redis error text (without "ERR ") in err. */
int acl_perm_apply(acl_perm *p, const slice *argv, int argc, char *err, size_t errlen);
/* Appends the rules in ACL LIST form (without "user <name> "). */
void acl_perm_describe(const acl_perm *p, buf *out);

#endif
