/* server/cmd_hash.c — the hash commands (data structure in types/hash.c). */
#include "server/cmdtab.h"

command hash_commands[] = {
    {0},
};
