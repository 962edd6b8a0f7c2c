/* server/cmd_hll.c — the hll commands. */
#include "server/cmdtab.h"

command hll_commands[] = {
    {0},
};
