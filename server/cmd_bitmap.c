/* server/cmd_bitmap.c — the bitmap commands. */
#include "server/cmdtab.h"

command bitmap_commands[] = {
    {0},
};
