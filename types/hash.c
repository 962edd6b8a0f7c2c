/* types/hash.c — the hash value type. */
#include "types/hash.h"

void hash_type_register(void)
{
}
