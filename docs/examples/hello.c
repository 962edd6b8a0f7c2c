/* hello.c — the smallest libkvik program: connect, SET, GET, print.
 *
 *   cc hello.c $(pkg-config --cflags --libs libkvik) -o hello
 *   ./hello [host [port]]          (or ./hello redis://host:port/0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvik.h>

int main(int argc, char **argv)
{
    kvik_options o;
    kvik_options_init(&o);
    char err[256];
    if (argc > 1 && strstr(argv[1], "://")) {
        if (kvik_options_from_url(&o, argv[1], err, sizeof(err)) < 0) {
            fprintf(stderr, "bad URL: %s\n", err);
            return 1;
        }
    } else {
        if (argc > 1) o.host = argv[1];
        if (argc > 2) o.port = atoi(argv[2]);
    }
    o.connect_timeout_ms = 2000;
    o.timeout_ms = 5000;

    kvik *k = kvik_connect(&o, err, sizeof(err));
    kvik_options_free(&o); /* the connection keeps no pointer into o */
    if (!k) {
        fprintf(stderr, "connect: %s\n", err);
        return 1;
    }

    kvik_reply *r = kvik_commandv(k, "SET", "greeting", "hello", NULL);
    if (!r) {
        fprintf(stderr, "SET: %s\n", kvik_errstr(k)); /* I/O, protocol or timeout */
        kvik_close(k);
        return 1;
    }
    if (r->type == KVIK_ERROR) fprintf(stderr, "SET refused: %s\n", r->str);
    kvik_reply_free(r);

    r = kvik_commandv(k, "GET", "greeting", NULL);
    if (r && r->type == KVIK_STRING) printf("greeting = %.*s\n", (int)r->len, r->str);
    int status = r && r->type == KVIK_STRING ? 0 : 1;
    kvik_reply_free(r);
    kvik_close(k);
    return status;
}
