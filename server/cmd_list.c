/* server/cmd_list.c — the list commands (data structure in types/list.c). */
#include "server/cmdtab.h"

command list_commands[] = {
    {0},
};
