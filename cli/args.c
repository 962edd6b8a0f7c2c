/* cli/args.c — see args.h. */
#include "cli/args.h"

#include <stdlib.h>
#include <string.h>

#include "proto/resp.h"

void args_push(args *a, const char *s, size_t len)
{
    a->argv = realloc(a->argv, sizeof(char *) * (size_t)(a->argc + 1));
    a->lens = realloc(a->lens, sizeof(size_t) * (size_t)(a->argc + 1));
    if (!a->argv || !a->lens) abort();
    char *c = malloc(len + 1);
    if (!c) abort();
    memcpy(c, s, len);
    c[len] = 0;
    a->argv[a->argc] = c;
    a->lens[a->argc] = len;
    a->argc++;
}

void args_free(args *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->argv[i]);
    free(a->argv);
    free(a->lens);
    a->argv = NULL;
    a->lens = NULL;
    a->argc = 0;
}

/* The inline-command splitter of the server (proto/resp.c), on a copy of the
 * line: kvik-cli quotes and escapes exactly as the server's inline parser. */
int args_split(const char *line, args *a)
{
    memset(a, 0, sizeof(*a));
    size_t end = strlen(line), pos = 0, start, len;
    char *copy = malloc(end + 1);
    if (!copy) abort();
    memcpy(copy, line, end + 1);
    int rc;
    while ((rc = resp_inline_next(copy, end, &pos, &start, &len)) > 0)
        args_push(a, copy + start, len);
    free(copy);
    if (rc < 0) {
        args_free(a);
        return -1;
    }
    return 0;
}
