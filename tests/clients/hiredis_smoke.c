/* tests/clients/hiredis_smoke.c — drives a running server with hiredis, the C
 * client most Redis tools are built on: plain commands, binary-safe values,
 * a deep pipeline, error replies and integer/array/nil reply types.
 * Usage: hiredis_smoke <port>. Exit 0 when every check holds. */
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                           \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

static redisReply *cmd(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (!r) {
        fprintf(stderr, "connection error: %s\n", c->errstr);
        exit(2);
    }
    return r;
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    redisContext *c = redisConnect("127.0.0.1", atoi(argv[1]));
    if (!c || c->err) {
        fprintf(stderr, "cannot connect\n");
        return 2;
    }
    redisReply *r = cmd(c, "FLUSHALL");
    CHECK(r->type == REDIS_REPLY_STATUS && !strcmp(r->str, "OK"), "FLUSHALL");
    freeReplyObject(r);

    const char bin[] = "a\0b\r\nc";
    r = cmd(c, "SET %b %b", "bin\0key", (size_t)7, bin, sizeof(bin) - 1);
    freeReplyObject(r);
    r = cmd(c, "GET %b", "bin\0key", (size_t)7);
    CHECK(r->type == REDIS_REPLY_STRING && r->len == sizeof(bin) - 1 &&
              !memcmp(r->str, bin, r->len), "binary-safe GET");
    freeReplyObject(r);

    r = cmd(c, "GET missing");
    CHECK(r->type == REDIS_REPLY_NIL, "nil reply");
    freeReplyObject(r);

    r = cmd(c, "INCRBY counter 41");
    freeReplyObject(r);
    r = cmd(c, "INCR counter");
    CHECK(r->type == REDIS_REPLY_INTEGER && r->integer == 42, "INCR");
    freeReplyObject(r);

    r = cmd(c, "SET s x");
    freeReplyObject(r);
    r = cmd(c, "INCR s");
    CHECK(r->type == REDIS_REPLY_ERROR &&
              !strcmp(r->str, "ERR value is not an integer or out of range"), "error text");
    freeReplyObject(r);

    /* A deep pipeline: 20k commands sent before reading any reply. */
    enum { N = 20000 };
    for (int i = 0; i < N; i++) redisAppendCommand(c, "SET key:%d val:%d", i, i);
    for (int i = 0; i < N; i++) redisAppendCommand(c, "GET key:%d", i);
    for (int i = 0; i < 2 * N; i++) {
        void *v = NULL;
        if (redisGetReply(c, &v) != REDIS_OK) {
            fprintf(stderr, "pipeline read failed\n");
            return 2;
        }
        r = v;
        if (i >= N) {
            char want[32];
            snprintf(want, sizeof(want), "val:%d", i - N);
            CHECK(r->type == REDIS_REPLY_STRING && !strcmp(r->str, want), "pipeline GET %d", i - N);
        }
        freeReplyObject(r);
    }

    r = cmd(c, "MGET key:1 nokey key:2");
    CHECK(r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
              r->element[1]->type == REDIS_REPLY_NIL &&
              !strcmp(r->element[2]->str, "val:2"), "MGET array");
    freeReplyObject(r);

    r = cmd(c, "DBSIZE");
    CHECK(r->type == REDIS_REPLY_INTEGER && r->integer == N + 3, "DBSIZE %lld", r->integer);
    freeReplyObject(r);

    redisFree(c);
    if (failures) return 1;
    printf("hiredis smoke: all checks passed\n");
    return 0;
}
