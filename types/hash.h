/* types/hash.h — the hash value type. */
#ifndef KV_TYPES_HASH_H
#define KV_TYPES_HASH_H

/* Registers the type's free/dup/mem functions with the keyspace. */
void hash_type_register(void);

#endif
