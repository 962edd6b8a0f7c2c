/* tests/unit/test_hash.c — core/hash: the CRC-16 behind hash slots (its
 * published check value), and slots of keys with and without hash tags as
 * Redis Cluster documents them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hash.h"

static unsigned slot(const char *key)
{
    return hash_slot(key, strlen(key));
}

static void test_crc16_check_value(void **state)
{
    (void)state;
    /* CRC-16/XMODEM of "123456789" is 0x31C3. */
    assert_int_equal(hash_crc16("123456789", 9), 0x31c3);
    assert_int_equal(hash_crc16("", 0), 0);
}

static void test_slots(void **state)
{
    (void)state;
    /* Examples from the Redis Cluster documentation (CLUSTER KEYSLOT). */
    assert_int_equal(slot("somekey"), 11058);
    assert_int_equal(slot("foo"), 12182);
    /* Hash tags: only the part between the first { and the next } counts. */
    assert_int_equal(slot("{user1000}.following"), slot("{user1000}.followers"));
    assert_int_equal(slot("{user1000}.following"), slot("user1000"));
    /* An empty tag or no closing brace: the whole key. */
    assert_int_equal(slot("{}abc"), hash_crc16("{}abc", 5) & 16383);
    assert_int_equal(slot("{abc"), hash_crc16("{abc", 4) & 16383);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16_check_value),
        cmocka_unit_test(test_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
