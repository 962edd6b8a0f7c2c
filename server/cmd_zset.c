/* server/cmd_zset.c — the zset commands. */
#include "server/cmdtab.h"

command zset_commands[] = {
    {0},
};
