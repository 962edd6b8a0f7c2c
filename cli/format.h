/* cli/format.h — how kvik-cli prints a reply.
 *
 * Two styles, the ones redis-cli users know:
 *
 *   tty  for a terminal: strings quoted with escapes, "(integer) 1", "(nil)",
 *        "(error) ERR ...", aggregates numbered "1) ", sets "1~ ", maps
 *        "1# key => value", nested aggregates indented under their number.
 *   raw  for scripts (stdout not a terminal, or --raw): bytes as they are, one
 *        element per line, a map pair as "key value".
 *
 * Both append to a buf and never fail; the text always ends with a newline.
 * The reply is only read.
 */
#ifndef KV_CLI_FORMAT_H
#define KV_CLI_FORMAT_H

#include "core/buf.h"
#include "lib/kvik.h"

/* Appends the terminal form of r, every line after the first indented by
 * `indent` spaces (0 at the top). */
void format_tty(buf *out, const kvik_reply *r, int indent);

/* Appends the raw form of r followed by a newline. */
void format_raw(buf *out, const kvik_reply *r);

/* Commands whose replies are text meant to be read as is (INFO, CLIENT
 * LIST, MEMORY DOCTOR, ...): redis-cli prints them raw even on a terminal,
 * and without adding a newline. Returns 1 for those. */
int format_is_text_command(int argc, char **argv);

/* Appends the raw form of r without a final newline (for the above). */
void format_raw_text(buf *out, const kvik_reply *r);

/* Appends s[0..len) as a double-quoted string with C-style escapes ("\n",
 * "\"", "\xNN" for bytes that are not printable). */
void format_quoted(buf *out, const char *s, size_t len);

#endif
