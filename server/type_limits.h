/* server/type_limits.h — the compact-encoding thresholds of each type, read
 * from the settings (the types layer takes them as small structs and never
 * reads configuration). Every command file and the loaders use these, so a
 * threshold is read from cfg in one place. */
#ifndef KV_SERVER_TYPE_LIMITS_H
#define KV_SERVER_TYPE_LIMITS_H

#include "server/config.h"
#include "types/hash.h"
#include "types/set.h"
#include "types/stream.h"
#include "types/zset.h"

static inline hash_limits cfg_hash_limits(void)
{
    hash_limits l;
    l.max_entries = cfg.hash_max_listpack_entries < 0 ? 0 : (size_t)cfg.hash_max_listpack_entries;
    l.max_value = cfg.hash_max_listpack_value < 0 ? 0 : (size_t)cfg.hash_max_listpack_value;
    return l;
}

static inline set_limits cfg_set_limits(void)
{
    return (set_limits){.intset_entries = cfg.set_max_intset_entries,
                        .listpack_entries = cfg.set_max_listpack_entries,
                        .listpack_value = cfg.set_max_listpack_value};
}

static inline zset_limits cfg_zset_limits(void)
{
    return (zset_limits){.max_entries = cfg.zset_max_listpack_entries,
                         .max_value = cfg.zset_max_listpack_value};
}

static inline stream_limits cfg_stream_limits(void)
{
    return (stream_limits){.max_bytes = cfg.stream_node_max_bytes,
                           .max_entries = cfg.stream_node_max_entries};
}

/* list-max-listpack-size, as list_new takes it. */
static inline int cfg_list_fill(void)
{
    return (int)cfg.list_max_listpack_size;
}

#endif
