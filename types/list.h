/* types/list.h — the list value type. */
#ifndef KV_TYPES_LIST_H
#define KV_TYPES_LIST_H

/* Registers the type's free/dup/mem functions with the keyspace. */
void list_type_register(void);

#endif
