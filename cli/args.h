/* cli/args.h — splitting a typed line into arguments, as redis-cli does.
 *
 * Arguments are separated by blanks. "double quotes" take the escapes \n \r
 * \t \b \a \\ \" and \xHH; 'single quotes' take only \'. A closing quote must
 * be followed by a blank or the end of the line.
 */
#ifndef KV_CLI_ARGS_H
#define KV_CLI_ARGS_H

#include <stddef.h>

typedef struct args {
    int argc;
    char **argv; /* each NUL-terminated; may also hold NUL bytes */
    size_t *lens;
} args;

/* Splits line into a (which the caller releases with args_free). Returns 0, or
 * -1 on unbalanced quotes (a is then empty). */
int args_split(const char *line, args *a);
void args_free(args *a);
/* Appends one argument (copied). */
void args_push(args *a, const char *s, size_t len);

#endif
