/* server/namespace.c — per-user namespaces (see namespace.h).
 *
 * Placeholder until namespaces land: only the default namespace exists. */
#include "server/namespace.h"

#include <string.h>

int ns_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > NS_NAME_MAX) return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
        if (!ok) return 0;
    }
    return 1;
}

int ns_bind(client *c, const char *name, const char **err)
{
    (void)c;
    if (!name || !name[0]) return 0;
    *err = "ERR namespaces are not available yet";
    return -1;
}
