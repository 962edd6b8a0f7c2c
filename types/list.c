/* types/list.c — the list value type. */
#include "types/list.h"

void list_type_register(void)
{
}
