/* types/zset.h — the sorted set value type. */
#ifndef KV_TYPES_ZSET_H
#define KV_TYPES_ZSET_H

/* Registers the type's free/dup/mem functions with the keyspace. */
void zset_type_register(void);

#endif
