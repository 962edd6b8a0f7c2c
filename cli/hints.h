/* cli/hints.h — command names and argument hints for the interactive prompt.
 *
 * Built once at start from the server's own `COMMAND DOCS` (so the cli never
 * keeps a second list of commands). If the server does not answer it, the
 * names alone come from `COMMAND`; if that fails too, the table stays empty
 * and the prompt simply offers no completion or hints.
 *
 * Names are upper case, subcommands written "CONFIG GET". A hint is the
 * argument synopsis, one string per top-level argument, e.g. for SET:
 * "key" "value" "[NX|XX]" "[GET]" ...
 */
#ifndef KV_CLI_HINTS_H
#define KV_CLI_HINTS_H

#include <stddef.h>

#include "lib/kvik.h"

typedef struct hints_cmd {
    char *name;  /* "GET", "CONFIG GET" */
    int words;   /* words in name: 1 or 2 */
    char **args; /* synopsis of each argument */
    int nargs;
    char *summary; /* may be NULL */
    char *group;   /* may be NULL */
    char *since;   /* may be NULL */
} hints_cmd;

typedef struct hints {
    hints_cmd *cmds;
    size_t n;
} hints;

/* Fills h from the server (COMMAND DOCS, else COMMAND). Never fails: on any
 * error h is left with what it could get (possibly nothing). */
void hints_load(hints *h, kvik *k);
/* Fills h from a COMMAND DOCS reply (a map or RESP2 flat array). */
void hints_from_docs(hints *h, const kvik_reply *docs);
void hints_free(hints *h);

/* The command that the words of a typed line name (longest match), or NULL. */
const hints_cmd *hints_find(const hints *h, int argc, char **argv);

/* The hint to show after the typed line: the synopsis of the arguments not
 * typed yet, joined by spaces (with a leading space when the line does not
 * end in one), in a static buffer valid until the next call; NULL when there
 * is nothing to show (unknown command, or an argument is being typed). */
const char *hints_for_line(const hints *h, const char *line);

#endif
