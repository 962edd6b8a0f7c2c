/* server/cmd_sort.c — the sort commands. */
#include "server/cmdtab.h"

command sort_commands[] = {
    {0},
};
