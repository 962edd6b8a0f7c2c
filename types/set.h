/* types/set.h — the set value type. */
#ifndef KV_TYPES_SET_H
#define KV_TYPES_SET_H

/* Registers the type's free/dup/mem functions with the keyspace. */
void set_type_register(void);

#endif
