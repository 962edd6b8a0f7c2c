/* server/cmd_geo.c — the geo commands. */
#include "server/cmdtab.h"

command geo_commands[] = {
    {0},
};
