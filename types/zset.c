/* types/zset.c — the sorted set value type. */
#include "types/zset.h"

void zset_type_register(void)
{
}
