/* fuzz_aof — the append-only file loader on arbitrary bytes.
 *
 * The input is replayed as an incremental log file through aof_replay: the
 * RESP parser, the filter that lets only writes (and SELECT/MULTI/EXEC)
 * through, and the commands themselves on a real keyspace. It must never
 * crash, hang or leak; the keyspace is emptied after each input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "db/ks.h"
#include "server/aof.h"
#include "server/config.h"
#include "server/server_init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static replay r;

static void setup(void)
{
    cfg_defaults();
    cfg.proto_max_bulk_len = 1 << 20; /* keep single inputs small */
    server_apply_config();
    cmd_init();
    ks_init(cfg.databases, 0);
    types_init();
    aof_replay_init(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    char *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    size_t good = 0, bad = 0;
    aof_replay(&r, copy, size, &good, &bad);
    if (good > size) abort(); /* the complete prefix lies inside the input */
    free(copy);
    ks_flush_all(0);
    r.c.db = ks_db_at(0);
    r.c.dbid = 0;
    return 0;
}
