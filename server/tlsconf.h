/* server/tlsconf.h — the server's TLS settings feed net/tls.
 *
 * Turns the tls-* settings into a tls_settings, builds the context at start
 * (a bad setting stops the start with a message naming it) and rebuilds it on
 * CONFIG SET of any tls-* setting (a bad one is refused; the running context
 * stays). Nothing is built while tls-port is 0. */
#ifndef KV_SERVER_TLSCONF_H
#define KV_SERVER_TLSCONF_H

/* Builds the context from cfg when tls-port is set and installs the CONFIG
 * SET hook. 0, or -1 after printing the reason to stderr and the log. */
int tlsconf_start(void);
/* Releases the context (after the workers stopped). */
void tlsconf_stop(void);

#endif
