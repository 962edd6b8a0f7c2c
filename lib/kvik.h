/* kvik.h — libkvik, the C client library of kvik.
 *
 * One connection (kvik *) speaks RESP (2 or 3) or kvik's native protocol
 * (docs/protocol.md), over TCP or TLS. Calls block, bounded by the timeouts of
 * the options; a connection is used by one thread at a time.
 *
 *   kvik_options o;
 *   kvik_options_init(&o);
 *   o.host = "127.0.0.1"; o.port = 6379;
 *   char err[256];
 *   kvik *k = kvik_connect(&o, err, sizeof(err));
 *   if (!k) { fprintf(stderr, "%s\n", err); return 1; }
 *   kvik_reply *r = kvik_commandv(k, "SET", "greeting", "hello", NULL);
 *   if (!r) fprintf(stderr, "%s\n", kvik_errstr(k));   // I/O or protocol failure
 *   else if (r->type == KVIK_ERROR) fprintf(stderr, "%s\n", r->str); // server error
 *   kvik_reply_free(r);
 *   kvik_close(k);
 *
 * Pipelining: kvik_send() any number of commands, then kvik_read() as many
 * replies, in order. Pub/sub: after SUBSCRIBE, kvik_read() returns each message
 * (a KVIK_PUSH with RESP3 or native, a KVIK_ARRAY with RESP2).
 *
 * Errors: a function that fails returns NULL or -1 and leaves a message in
 * kvik_errstr() and a code in kvik_errcode_of(); after KVIK_E_IO, KVIK_E_PROTOCOL
 * or KVIK_E_TIMEOUT the connection is unusable and must be closed. A reply of
 * type KVIK_ERROR is the server's answer to a command, not a failure of the
 * library.
 *
 * Memory: the library allocates with malloc and aborts the process with a
 * message when memory runs out. Replies belong to the caller (kvik_reply_free).
 * Threads: distinct connections may be used from distinct threads at once; the
 * library keeps no global state of its own (OpenSSL initialises itself).
 * SIGPIPE is never raised by the library's writes.
 *
 * The full reference is docs/libkvik.md.
 */
#ifndef KVIK_H
#define KVIK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KVIK_LIB_VERSION "0.1.0"

typedef struct kvik kvik;

typedef enum kvik_errcode {
    KVIK_OK = 0,
    KVIK_E_IO,        /* connect/read/write failed or the server closed */
    KVIK_E_PROTOCOL,  /* malformed data from the server, or over a limit */
    KVIK_E_TIMEOUT,
    KVIK_E_AUTH,      /* the handshake was refused (wrong password, ...) */
    KVIK_E_TLS,
    KVIK_E_ARG,       /* a bad argument to the library */
} kvik_errcode;

typedef enum kvik_protocol {
    KVIK_RESP = 0,   /* RESP2 or RESP3 (options.resp) */
    KVIK_NATIVE = 1, /* framed Protocol Buffers (docs/protocol.md) */
} kvik_protocol;

typedef enum kvik_compression {
    KVIK_COMPRESS_NONE = 0,
    KVIK_COMPRESS_GZIP = 1,
    KVIK_COMPRESS_LZ4 = 2,
    KVIK_COMPRESS_ZSTD = 3,
} kvik_compression;

typedef struct kvik_options {
    const char *host;          /* default "127.0.0.1" */
    int port;                  /* default 6379 */
    kvik_protocol protocol;    /* default KVIK_RESP */
    int resp;                  /* 2 or 3 (HELLO 3); default 2. Native replies are RESP3-typed. */
    const char *user;          /* NULL: AUTH with password only (default user) */
    const char *password;      /* NULL: no AUTH */
    int db;                    /* SELECT after connecting when > 0 */
    const char *client_name;   /* CLIENT SETNAME when set */
    int connect_timeout_ms;    /* 0: no limit */
    int timeout_ms;            /* each read/write; 0: no limit */
    /* TLS (OpenSSL). */
    int tls;                   /* 1: connect over TLS */
    const char *tls_ca_file;   /* CA bundle to verify the server; NULL: system default */
    const char *tls_ca_dir;
    const char *tls_cert_file; /* client certificate for mutual TLS */
    const char *tls_key_file;
    const char *tls_sni;       /* server name to send and verify; default host */
    int tls_insecure;          /* 1: do not verify the server certificate */
    /* Native protocol. */
    int compress;              /* 1 (default): accept and send compressed payloads */
    kvik_compression compress_with; /* what this client sends; default KVIK_COMPRESS_LZ4 */
    size_t compress_min;       /* compress payloads above this size; default 1436 */
    /* Limits on what the server may send (0: default). */
    size_t max_bulk;           /* default 512 MB */
    size_t max_elements;       /* per aggregate; default 1<<30 */
    int max_depth;             /* nesting; default 64 */
    char *url_strings_;        /* private: what kvik_options_from_url allocated */
} kvik_options;

/* Sets every field to its default. */
void kvik_options_init(kvik_options *o);
/* Sets the fields a URL names, on top of what o holds (call kvik_options_init
 * first):
 *   scheme://[user[:password]@]host[:port][/db][?name=value&...]
 * scheme: redis, kvik (RESP over TCP), rediss, kvik+tls (RESP over TLS),
 * kvik+native, kvik+native+tls. host may be [IPv6]. user and password may
 * hold %XX escapes. Query names: resp (2|3), name (client name), timeout and
 * connect_timeout (ms), compress (none|gzip|lz4|zstd), ca_file, ca_dir,
 * cert_file, key_file, sni, insecure (0|1).
 * The strings o points to afterwards are allocated: release them with
 * kvik_options_free() once no connection is being made from o (a connection
 * keeps no pointer into o). Returns 0, or -1 with a message in err (may be
 * NULL); o is left unchanged on failure. */
int kvik_options_from_url(kvik_options *o, const char *url, char *err, size_t errlen);
/* Frees what kvik_options_from_url allocated (nothing else) and clears the
 * pointers to it. Safe on any initialised options, any number of times. */
void kvik_options_free(kvik_options *o);

/* Connects, runs the handshake (HELLO / native Hello, AUTH, SELECT, SETNAME).
 * NULL on failure with a message in err (may be NULL). o is only read during
 * the call. */
kvik *kvik_connect(const kvik_options *o, char *err, size_t errlen);
/* The same, and on failure *code (may be NULL) tells the kind of failure:
 * KVIK_E_IO (refused, unreachable), KVIK_E_TIMEOUT, KVIK_E_AUTH, KVIK_E_TLS,
 * KVIK_E_PROTOCOL or KVIK_E_ARG. *code is KVIK_OK on success. */
kvik *kvik_connect_ex(const kvik_options *o, kvik_errcode *code, char *err, size_t errlen);
/* Closes the connection and frees k and everything it buffered. k may be NULL. */
void kvik_close(kvik *k);

typedef enum kvik_type {
    KVIK_NIL = 0,
    KVIK_STATUS,    /* str: the status text */
    KVIK_ERROR,     /* str: the error text, code first */
    KVIK_INTEGER,   /* integer */
    KVIK_STRING,    /* str, len: a bulk string (may hold NUL bytes) */
    KVIK_ARRAY,     /* elements, element[] */
    KVIK_MAP,       /* elements = 2 * pairs: key, value, key, value ... */
    KVIK_SET,       /* elements, element[] */
    KVIK_DOUBLE,    /* dval; str holds the text as sent */
    KVIK_BOOL,      /* integer: 0 or 1 */
    KVIK_VERBATIM,  /* str, len; vtype: "txt", "mkd" */
    KVIK_BIGNUM,    /* str: decimal digits */
    KVIK_PUSH,      /* elements, element[]: out-of-band (pub/sub) */
    KVIK_ATTRIBUTE, /* RESP3 attribute map (reported, then the value follows) */
} kvik_type;

typedef struct kvik_reply {
    kvik_type type;
    long long integer;
    double dval;
    char *str;      /* NUL-terminated; len excludes the NUL */
    size_t len;
    char vtype[4];
    size_t elements;
    struct kvik_reply **element;
} kvik_reply;

/* Frees r and every element under it. r may be NULL. */
void kvik_reply_free(kvik_reply *r);
/* The name of a type: "nil", "status", "error", "integer", "string", ... */
const char *kvik_type_name(kvik_type t);

/* Queues one command (argv[0] is its name); lens may be NULL for C strings.
 * Sent at the next kvik_flush or kvik_read. 0 or -1. */
int kvik_send(kvik *k, int argc, const char *const *argv, const size_t *lens);
/* Writes everything queued. 0 or -1. */
int kvik_flush(kvik *k);
/* Flushes what is queued, then returns the next reply (or push), blocking up
 * to timeout_ms for each wait on the socket. NULL on failure. The reply
 * belongs to the caller (kvik_reply_free). A RESP3 attribute at the top
 * level comes as its own KVIK_ATTRIBUTE reply (a map), the value it annotates
 * as the next one; attributes inside aggregates are dropped. */
kvik_reply *kvik_read(kvik *k);
/* kvik_send + kvik_read. */
kvik_reply *kvik_command(kvik *k, int argc, const char *const *argv, const size_t *lens);
/* The same with C-string arguments, NULL-terminated: kvik_commandv(k, "GET", "x", NULL). */
kvik_reply *kvik_commandv(kvik *k, const char *name, ...);

const char *kvik_errstr(const kvik *k);
kvik_errcode kvik_errcode_of(const kvik *k);

/* Changes the read/write timeout (ms, 0 = none). */
void kvik_set_timeout(kvik *k, int ms);
/* The socket, for poll() by the caller. Poll it only when kvik_buffered() is
 * 0: bytes the library has already received do not wake poll(). */
int kvik_fd(const kvik *k);
/* Bytes received and not yet returned as replies (including bytes inside the
 * TLS layer). When non-zero, kvik_read() may return without waiting. */
size_t kvik_buffered(const kvik *k);
/* The protocol version in use: 2, 3 (RESP) or the native version. */
int kvik_protocol_version(const kvik *k);

/* Protocol bytes written and read since the connection was made, handshake
 * included: RESP text, or native frames as sent (compressed). TLS records
 * add to what goes on the wire and are not counted. */
typedef struct kvik_stats {
    uint64_t bytes_out, bytes_in;
    /* Native: payload bytes before compression / after decompression (frame
     * headers excluded). RESP: equal to bytes_out, bytes_in. */
    uint64_t payload_out, payload_in;
    uint64_t commands_sent, replies_read; /* replies_read counts pushes too */
} kvik_stats;
void kvik_get_stats(const kvik *k, kvik_stats *st);

#ifdef __cplusplus
}
#endif

#endif
