/* server/cmddocs.h — turns a command's argument syntax, written in the notation
 * of the Redis documentation, into the argument tree COMMAND DOCS reports.
 *
 * The command table stores one string per command, e.g.
 *
 *   "key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]"
 *
 * and this module parses it. The notation:
 *
 *   UPPER      a token, typed literally (also punctuation such as * = ~ $,
 *              and "quoted" text, e.g. "" for an empty string)
 *   lower      a value, named by the word ("seconds", "key", "ip:port")
 *   [ ... ]    optional
 *   < ... >    required group (usually a choice: <LEFT | RIGHT>)
 *   ( ... )    required group, same as < ... >
 *   a | b      one of the alternatives (inside a group, or the whole string)
 *   x [x ...]  x repeated one or more times (x may be several items:
 *              "field value [field value ...]", "GET pattern [GET pattern ...]")
 *   x ...      same, shorter
 *
 * A token followed by values (or by a required group) is one argument that
 * carries the token: "EX seconds" is the integer "seconds" with token EX;
 * "LIMIT offset count" is a block with token LIMIT. A value's type comes from
 * its name: key (also destination, source, newkey, destkey, key1...),
 * pattern, integers (count, seconds, milliseconds, cursor, offset...), doubles
 * (score, longitude, latitude, radius...), unix-time-*, else string. Groups are
 * named by joining their members' names with '_'.
 *
 * The parser is pure: no I/O, no server state. It refuses malformed input
 * (unbalanced or mismatched brackets, empty groups or alternatives, a stray
 * '|' or '...', an unterminated quote) and enforces limits on length and
 * nesting depth; it never reads past the terminating NUL.
 */
#ifndef KV_SERVER_CMDDOCS_H
#define KV_SERVER_CMDDOCS_H

#include <stddef.h>

#define CMDDOCS_MAX_LEN 4096 /* syntax string bytes */
#define CMDDOCS_MAX_DEPTH 16 /* bracket nesting */

typedef enum cmddocs_type {
    CMDDOCS_STRING,
    CMDDOCS_INTEGER,
    CMDDOCS_DOUBLE,
    CMDDOCS_KEY,
    CMDDOCS_PATTERN,
    CMDDOCS_UNIX_TIME,
    CMDDOCS_PURE_TOKEN,
    CMDDOCS_ONEOF,
    CMDDOCS_BLOCK,
} cmddocs_type;

/* Argument flags, as COMMAND DOCS names them. */
enum {
    CMDDOCS_OPTIONAL = 1u << 0,       /* "optional" */
    CMDDOCS_MULTIPLE = 1u << 1,       /* "multiple" */
    CMDDOCS_MULTIPLE_TOKEN = 1u << 2, /* "multiple_token": the token repeats too */
};

/* Errors (negative). */
enum {
    CMDDOCS_ERR_TOO_LONG = -1,   /* longer than CMDDOCS_MAX_LEN */
    CMDDOCS_ERR_DEPTH = -2,      /* nested deeper than CMDDOCS_MAX_DEPTH */
    CMDDOCS_ERR_UNBALANCED = -3, /* a bracket opened and not closed, or closed twice */
    CMDDOCS_ERR_MISMATCH = -4,   /* "[a>" */
    CMDDOCS_ERR_EMPTY = -5,      /* "[]", "[a |]", "| a" */
    CMDDOCS_ERR_ELLIPSIS = -6,   /* "..." with nothing to repeat */
    CMDDOCS_ERR_QUOTE = -7,      /* unterminated "quoted" token */
};

typedef struct cmddocs_arg {
    const char *name;
    cmddocs_type type;
    const char *token; /* NULL: none ("" is a real, empty token) */
    unsigned flags;    /* CMDDOCS_OPTIONAL ... */
    int key_index;     /* KEY arguments: 0, 1, 2... in order of appearance; else -1 */
    int nargs;         /* children of ONEOF and BLOCK */
    struct cmddocs_arg *args;
} cmddocs_arg;

typedef struct cmddocs_tree {
    int nargs; /* top-level arguments (0 for an empty syntax) */
    cmddocs_arg *args;
    int nkeys;                   /* KEY arguments in the whole tree */
    struct cmddocs_arena *arena; /* private: owns every string and node */
} cmddocs_tree;

/* Parses syntax (NUL-terminated; NULL or blank gives an empty tree). On success
 * returns 0 and sets *out to a tree the caller frees with cmddocs_free; every
 * pointer in it stays valid until then and none points into syntax. On error
 * returns a CMDDOCS_ERR_* code and sets *out to NULL. */
int cmddocs_parse(const char *syntax, cmddocs_tree **out);
void cmddocs_free(cmddocs_tree *t);

/* "string", "integer", ..., "oneof", "block". */
const char *cmddocs_type_name(cmddocs_type t);
const char *cmddocs_strerror(int err);

/* Writes a compact rendering of the tree (for tests and debugging), e.g.
 *   key:key#0 value:string nx_xx:oneof?{nx:pure-token=NX xx:pure-token=XX}
 * name:type, then =TOKEN, #key_index, ? optional, * multiple, + multiple_token,
 * {children}; arguments separated by one space. Truncates to size-1 bytes and
 * NUL-terminates (size > 0); returns the length the full rendering needs. */
size_t cmddocs_format(const cmddocs_tree *t, char *dst, size_t size);

#endif
