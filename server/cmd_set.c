/* server/cmd_set.c — the set commands (data structure in types/set.c). */
#include "server/cmdtab.h"

command set_commands[] = {
    {0},
};
