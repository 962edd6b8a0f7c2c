/* server/tlsconf.c — tls-* settings to net/tls (see tlsconf.h). */
#include "server/tlsconf.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "net/tls.h"
#include "server/config.h"

static int auth_mode(const char *word)
{
    if (word && !strcmp(word, "no")) return TLS_AUTH_NO;
    if (word && !strcmp(word, "optional")) return TLS_AUTH_OPTIONAL;
    return TLS_AUTH_YES;
}

static int configure(const kv_config *c, char *err, size_t errlen)
{
    tls_settings s = {
        .cert_file = c->tls_cert_file,
        .key_file = c->tls_key_file,
        .key_pass = c->tls_key_file_pass,
        .ca_file = c->tls_ca_cert_file,
        .ca_dir = c->tls_ca_cert_dir,
        .auth_clients = auth_mode(c->tls_auth_clients),
        .protocols = c->tls_protocols,
        .ciphers = c->tls_ciphers,
        .ciphersuites = c->tls_ciphersuites,
        .prefer_server_ciphers = c->tls_prefer_server_ciphers,
        .session_caching = c->tls_session_caching,
        .session_cache_size = (long)c->tls_session_cache_size,
        .session_cache_timeout = (long)c->tls_session_cache_timeout,
    };
    return tls_configure(&s, err, errlen);
}

/* CONFIG SET of a tls-* setting: the new context replaces the old one only if
 * it builds (cfg_tls_hook). */
static int reload(const kv_config *next, char *err, size_t errlen)
{
    if (next->tls_port == 0 && next->tls_native_port == 0) return 0;
    if (configure(next, err, errlen) < 0) {
        log_warning("TLS settings refused, the current ones stay: %s", err);
        return -1;
    }
    log_notice("TLS context reloaded");
    return 0;
}

int tlsconf_start(void)
{
    cfg_tls_hook = reload;
    if (cfg.tls_port == 0 && cfg.tls_native_port == 0) return 0;
    char err[512];
    if (configure(&cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "Failed to configure TLS: %s\n", err);
        log_warning("Failed to configure TLS: %s", err);
        return -1;
    }
    return 0;
}

void tlsconf_stop(void)
{
    tls_cleanup();
}
