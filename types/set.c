/* types/set.c — the set value type. */
#include "types/set.h"

void set_type_register(void)
{
}
