/* cli/kvik-cli.c — kvik's command-line client.
 *
 * Three ways to run, chosen like redis-cli does:
 *
 *   one-shot     kvik-cli [options] CMD ARG...   runs it (-r times, every -i s)
 *   stdin        kvik-cli [options] < file       one command per line
 *   interactive  kvik-cli [options]              a prompt with history
 *                (~/.kvikcli_history), TAB completion of command names and a
 *                hint of the arguments, both from the server's COMMAND DOCS
 *
 * Replies print in the tty form when stdout is a terminal (or --no-raw) and in
 * the raw form otherwise (or --raw); see format.h. Exit status: 0, or 1 when
 * the server cannot be reached, the connection breaks, or (with -e) a command
 * gets an error reply.
 *
 * All talking to the server goes through libkvik (lib/kvik.h): RESP2/RESP3 or
 * the native protocol, TCP or TLS. The cli only tracks what redis-cli users
 * expect to see in the prompt: the database after SELECT, the credentials
 * after AUTH/HELLO (used again when it reconnects), and subscriber mode.
 */
#include <ctype.h>
#include <errno.h>
#include <histedit.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "cli/args.h"
#include "cli/format.h"
#include "cli/hints.h"
#include "core/buf.h"
#include "lib/kvik.h"

#define CLI_VERSION "0.1.0"

typedef struct cli {
    kvik_options o;
    kvik *k;
    const char *url;
    int raw; /* output style: 1 raw, 0 tty */
    int want_raw, want_tty;
    int exit_on_error; /* -e */
    int stdin_last;    /* -x */
    int one_shot;      /* the command came on the command line */
    long repeat;       /* -r; -1: forever */
    double interval;   /* -i seconds */
    int db;            /* the database the prompt shows */
    int errors;        /* error replies seen (for -e) */
    int broken;        /* connection failures seen */
    hints h;
    int have_hints;
    char prompt[300];
    History *hist;
    char histfile[PATH_MAX];
    /* completion state: the text typed before TAB, the matches' cycle */
    char comp_orig[256];
    char comp_last[256];
    int comp_idx;
    /* a hint currently drawn after the cursor */
    int hint_shown;
} cli;

static cli C;

static void usage(FILE *f)
{
    fprintf(
        f, "Usage: kvik-cli [OPTIONS] [cmd [arg [arg ...]]]\n"
           "  -h <hostname>      Server hostname (default: 127.0.0.1).\n"
           "  -p <port>          Server port (default: 6379).\n"
           "  -a <password>      Password to use when connecting (also --pass).\n"
           "  --user <username>  Username to authenticate as (with -a).\n"
           "  -u <uri>           Server URI: kvik://[user[:password]@]host[:port][/db]\n"
           "                     (also redis://, rediss:// and kvik+tls:// for TLS,\n"
           "                     kvik+native:// for the native protocol).\n"
           "  -n <db>            Database number.\n"
           "  -2                 Start the session in RESP2 (the default).\n"
           "  -3, --resp3        Start the session in RESP3 (HELLO 3).\n"
           "  --native           Speak kvik's native protocol (its own port).\n"
           "  --no-compress      Native protocol: do not compress payloads.\n"
           "  -r <repeat>        Run the command N times (-1: forever).\n"
           "  -i <interval>      With -r, wait this many seconds between runs (may be\n"
           "                     a fraction, e.g. 0.1).\n"
           "  -x                 Read the last argument from stdin.\n"
           "  -e                 Exit with status 1 when a command gets an error reply.\n"
           "  --raw              Raw replies (the default when stdout is not a tty).\n"
           "  --no-raw           Formatted replies even when stdout is not a tty.\n"
           "  --tls              Connect over TLS.\n"
           "  --sni <host>       Server name for TLS SNI and verification.\n"
           "  --cacert <file>    CA certificate file to verify the server with.\n"
           "  --cacertdir <dir>  Directory of trusted CA certificates.\n"
           "  --insecure         Do not verify the server's certificate.\n"
           "  --cert <file>      Client certificate to authenticate with.\n"
           "  --key <file>       Private key of the client certificate.\n"
           "  --help             This help.\n"
           "  --version          Print the version.\n"
           "\n"
           "Examples:\n"
           "  kvik-cli -p 6380 set greeting hello\n"
           "  kvik-cli -u kvik://user:secret@127.0.0.1:6379/2 get greeting\n"
           "  cat /etc/passwd | kvik-cli -x set passwd\n"
           "  kvik-cli -r 100 -i 1 info stats\n"
           "  kvik-cli < commands.txt\n"
           "\n"
           "When no command is given and stdin is a terminal, kvik-cli starts an\n"
           "interactive session: TAB completes command names, hints show their\n"
           "arguments, history is kept in ~/.kvikcli_history ($KVIKCLI_HISTFILE).\n");
}

static void die_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "kvik-cli: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "Try 'kvik-cli --help' for more information.\n");
    exit(1);
}

static const char *need(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) die_usage("option requires an argument", argv[*i]);
    return argv[++*i];
}

static long parse_long(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) die_usage(what, s);
    return v;
}

/* Parses options up to the first non-option; returns the index of the
 * command's first word (argc if none). */
static int parse_options(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        char err[256];
        if (a[0] != '-' || !a[1]) break;
        if (!strcmp(a, "-h"))
            C.o.host = need(argc, argv, &i);
        else if (!strcmp(a, "-p"))
            C.o.port = (int)parse_long(need(argc, argv, &i), "bad port");
        else if (!strcmp(a, "-a") || !strcmp(a, "--pass"))
            C.o.password = need(argc, argv, &i);
        else if (!strcmp(a, "--user"))
            C.o.user = need(argc, argv, &i);
        else if (!strcmp(a, "-u")) {
            C.url = need(argc, argv, &i);
            if (kvik_options_from_url(&C.o, C.url, err, sizeof(err)) != 0)
                die_usage(err, C.url);
        } else if (!strcmp(a, "-n"))
            C.o.db = (int)parse_long(need(argc, argv, &i), "bad db");
        else if (!strcmp(a, "-2"))
            C.o.resp = 2;
        else if (!strcmp(a, "-3") || !strcmp(a, "--resp3"))
            C.o.resp = 3;
        else if (!strcmp(a, "--native"))
            C.o.protocol = KVIK_NATIVE;
        else if (!strcmp(a, "--no-compress"))
            C.o.compress = 0;
        else if (!strcmp(a, "-r"))
            C.repeat = parse_long(need(argc, argv, &i), "bad repeat");
        else if (!strcmp(a, "-i"))
            C.interval = atof(need(argc, argv, &i));
        else if (!strcmp(a, "-x"))
            C.stdin_last = 1;
        else if (!strcmp(a, "-e"))
            C.exit_on_error = 1;
        else if (!strcmp(a, "--raw"))
            C.want_raw = 1;
        else if (!strcmp(a, "--no-raw"))
            C.want_tty = 1;
        else if (!strcmp(a, "--tls"))
            C.o.tls = 1;
        else if (!strcmp(a, "--sni"))
            C.o.tls_sni = need(argc, argv, &i);
        else if (!strcmp(a, "--cacert"))
            C.o.tls_ca_file = need(argc, argv, &i);
        else if (!strcmp(a, "--cacertdir"))
            C.o.tls_ca_dir = need(argc, argv, &i);
        else if (!strcmp(a, "--insecure"))
            C.o.tls_insecure = 1;
        else if (!strcmp(a, "--cert"))
            C.o.tls_cert_file = need(argc, argv, &i);
        else if (!strcmp(a, "--key"))
            C.o.tls_key_file = need(argc, argv, &i);
        else if (!strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
            printf("kvik-cli %s (libkvik %s)\n", CLI_VERSION, KVIK_LIB_VERSION);
            exit(0);
        } else
            die_usage("unknown option", a);
    }
    return i;
}

/* ---- connection ---------------------------------------------------------- */

static void set_prompt(void)
{
    if (!C.k) {
        snprintf(C.prompt, sizeof(C.prompt), "not connected> ");
        return;
    }
    if (C.db > 0)
        snprintf(C.prompt, sizeof(C.prompt), "%s:%d[%d]> ", C.o.host, C.o.port, C.db);
    else
        snprintf(C.prompt, sizeof(C.prompt), "%s:%d> ", C.o.host, C.o.port);
}

/* Connects (again) with the current options; 0 or -1 with a message. */
static int cli_connect(int quiet)
{
    char err[512];
    if (C.k) kvik_close(C.k);
    C.o.db = C.db;
    C.k = kvik_connect(&C.o, err, sizeof(err));
    set_prompt();
    if (!C.k) {
        if (!quiet) {
            /* libkvik's message may name the address itself */
            const char *why = err;
            if (!strncmp(why, "connect to ", 11) && strstr(why, ": "))
                why = strstr(why, ": ") + 2;
            fprintf(stderr, "Could not connect to kvik at %s:%d: %s\n", C.o.host,
                    C.o.port, why);
        }
        C.broken++;
        return -1;
    }
    return 0;
}

/* text: the reply of a command whose text is printed as is (INFO ...). */
static void print_reply(const kvik_reply *r, int text)
{
    buf out = BUF_INIT;
    if (text)
        format_raw_text(&out, r);
    else if (C.raw)
        format_raw(&out, r);
    else
        format_tty(&out, r, 0);
    fwrite(out.p, 1, out.len, stdout);
    fflush(stdout);
    buf_free(&out);
}

/* After a reply, remember what the prompt and a reconnection need. */
static void track_state(int argc, char **argv, const kvik_reply *r)
{
    if (r->type == KVIK_ERROR) return;
    const char *cmd = argv[0];
    if (!strcasecmp(cmd, "select") && argc == 2) {
        C.db = atoi(argv[1]);
    } else if (!strcasecmp(cmd, "auth") && (argc == 2 || argc == 3)) {
        C.o.user = argc == 3 ? strdup(argv[1]) : NULL;
        C.o.password = strdup(argv[argc - 1]);
    } else if (!strcasecmp(cmd, "hello") && argc >= 2) {
        int v = atoi(argv[1]);
        if (C.o.protocol == KVIK_RESP && (v == 2 || v == 3)) C.o.resp = v;
        for (int i = 2; i + 2 < argc; i++)
            if (!strcasecmp(argv[i], "auth")) {
                C.o.user = strdup(argv[i + 1]);
                C.o.password = strdup(argv[i + 2]);
            }
    } else if (!strcasecmp(cmd, "reset")) {
        C.db = 0;
    }
    set_prompt();
}

static int is_subscribe(const char *cmd)
{
    return !strcasecmp(cmd, "subscribe") || !strcasecmp(cmd, "psubscribe") ||
           !strcasecmp(cmd, "ssubscribe");
}

/* Prints what the connection receives until it breaks or Ctrl-C. */
static void read_forever(void)
{
    for (;;) {
        kvik_reply *r = kvik_read(C.k);
        if (!r) {
            fprintf(stderr, "Error: %s\n", kvik_errstr(C.k));
            kvik_close(C.k);
            C.k = NULL;
            C.broken++;
            set_prompt();
            return;
        }
        print_reply(r, 0);
        kvik_reply_free(r);
    }
}

/* Sends one command and prints its reply. 0, or -1 when the connection
 * failed (the cli is then not connected). */
static int run_once(int argc, char **argv, const size_t *lens)
{
    if (!C.k && cli_connect(0) != 0) return -1;
    kvik_reply *r = kvik_command(C.k, argc, (const char *const *)argv, lens);
    if (!r) {
        /* SHUTDOWN succeeds by closing the connection: not an error (as redis-cli). */
        int shut = !strcasecmp(argv[0], "shutdown") && kvik_errcode_of(C.k) == KVIK_E_IO;
        if (!shut) fprintf(stderr, "Error: %s\n", kvik_errstr(C.k));
        kvik_close(C.k);
        C.k = NULL;
        if (!shut) C.broken++;
        set_prompt();
        return shut ? 0 : -1;
    }
    if (r->type == KVIK_ERROR) C.errors++;
    track_state(argc, argv, r);
    int sub = is_subscribe(argv[0]) && r->type != KVIK_ERROR;
    int mon = !strcasecmp(argv[0], "monitor") && r->type != KVIK_ERROR;
    if (sub && !C.raw) printf("Reading messages... (press Ctrl-C to quit)\n");
    if (r->type == KVIK_ERROR && C.exit_on_error && C.one_shot)
        fprintf(stderr, "%s\n", r->str); /* as redis-cli -e does */
    else
        print_reply(r, format_is_text_command(argc, argv));
    kvik_reply_free(r);
    if (sub || mon) read_forever();
    return 0;
}

static void sleep_seconds(double s)
{
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Runs a command `times` times (-1: forever), `C.interval` apart. */
static int run_repeated(int argc, char **argv, const size_t *lens, long times)
{
    for (long n = 0; times < 0 || n < times; n++) {
        if (n) sleep_seconds(C.interval);
        if (run_once(argc, argv, lens) != 0) return -1;
    }
    return 0;
}

/* ---- one-shot and stdin modes -------------------------------------------- */

static void read_all_stdin(buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        buf_append(b, chunk, n);
}

static int exit_status(void)
{
    if (C.broken) return 1;
    if (C.exit_on_error && C.errors) return 1;
    return 0;
}

static int one_shot(int argc, char **argv)
{
    args a = {0};
    for (int i = 0; i < argc; i++)
        args_push(&a, argv[i], strlen(argv[i]));
    if (C.stdin_last) {
        buf b = BUF_INIT;
        read_all_stdin(&b);
        args_push(&a, b.p ? b.p : "", b.len);
        buf_free(&b);
    }
    if (cli_connect(0) == 0)
        run_repeated(a.argc, a.argv, a.lens, C.repeat ? C.repeat : 1);
    args_free(&a);
    return exit_status();
}

/* One command's help block, in redis-cli's layout and colours (a listing
 * of a group leaves the group out). */
static void help_block(const hints_cmd *c, int show_group)
{
    printf("\r\n  \033[1m%s\033[0m \033[90m", c->name);
    for (int i = 0; i < c->nargs; i++)
        printf("%s%s", i ? " " : "", c->args[i]);
    printf("\033[0m\r\n");
    if (c->summary) printf("  \033[33msummary:\033[0m %s\r\n", c->summary);
    if (c->since) printf("  \033[33msince:\033[0m %s\r\n", c->since);
    if (c->group && show_group) printf("  \033[33mgroup:\033[0m %s\r\n", c->group);
}

/* help, help <command>, help @<group>: from the server's COMMAND DOCS
 * (fetched now if this session has not yet). */
static void show_help(int argc, char **argv)
{
    if (argc == 0) {
        printf("kvik-cli %s\n"
               "To get help about a command: \"help <command>\" (e.g. help set),\n"
               "about a group of commands: \"help @<group>\" (e.g. help @string).\n"
               "TAB completes command names; \"quit\" or \"exit\" leaves.\n",
               CLI_VERSION);
        return;
    }
    if (C.h.n == 0 && C.k) hints_load(&C.h, C.k);
    if (argv[0][0] == '@') {
        for (size_t i = 0; i < C.h.n; i++)
            if (C.h.cmds[i].group && !strcasecmp(C.h.cmds[i].group, argv[0] + 1))
                help_block(&C.h.cmds[i], 0);
    } else {
        const hints_cmd *c = hints_find(&C.h, argc, argv);
        if (c) help_block(c, 1);
    }
    printf("\r\n");
    fflush(stdout);
}

static int is_number(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

/* One line typed or read: "N cmd ..." repeats; quit/exit leave. Returns 1 to
 * stop reading lines. */
static int run_line(const char *line, int interactive)
{
    args a;
    if (args_split(line, &a) != 0) {
        printf("Invalid argument(s)\n"); /* on stdout, as redis-cli */
        fflush(stdout);
        return 0;
    }
    if (a.argc == 0) return 0;
    int stop = 0;
    long times = 1;
    int skip = 0;
    if (a.argc > 1 && is_number(a.argv[0])) {
        times = atol(a.argv[0]);
        skip = 1;
    }
    const char *cmd = a.argv[skip];
    /* as in redis-cli, these are the cli's own, typed or read from stdin */
    if (!strcasecmp(cmd, "quit") || !strcasecmp(cmd, "exit")) {
        stop = 1;
    } else if (!strcasecmp(cmd, "clear")) {
        printf("\033[H\033[2J");
        fflush(stdout);
    } else if (!strcasecmp(cmd, "help")) {
        show_help(a.argc - skip - 1, a.argv + skip + 1);
    } else if (interactive && !strcasecmp(cmd, "connect") && a.argc - skip >= 2) {
        C.o.host = strdup(a.argv[skip + 1]);
        if (a.argc - skip >= 3) C.o.port = atoi(a.argv[skip + 2]);
        C.db = 0;
        cli_connect(0);
    } else {
        if (run_repeated(a.argc - skip, a.argv + skip, a.lens + skip, times) != 0 &&
            !interactive)
            stop = 1;
    }
    args_free(&a);
    return stop;
}

static int stdin_mode(void)
{
    if (cli_connect(0) != 0) return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (run_line(line, 0)) break;
    }
    free(line);
    return exit_status();
}

/* ---- interactive mode ---------------------------------------------------- */

static char *prompt_fn(EditLine *el)
{
    (void)el;
    return C.prompt;
}

static int term_cols(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

/* Draws the hint for the current line after the cursor, in grey, when the
 * cursor is at the end of the line; the cursor goes back where it was. */
static void draw_hint(EditLine *el)
{
    const LineInfo *li = el_line(el);
    if (!C.have_hints || li->cursor != li->lastchar || li->lastchar == li->buffer) return;
    char line[1024];
    size_t n = (size_t)(li->lastchar - li->buffer);
    if (n >= sizeof(line)) return;
    memcpy(line, li->buffer, n);
    line[n] = 0;
    const char *h = hints_for_line(&C.h, line);
    if (!h) return;
    int col = (int)((strlen(C.prompt) + n) % (size_t)term_cols());
    int room = term_cols() - col - 1;
    int len = (int)strlen(h);
    if (len > room) len = room;
    if (len <= 0) return;
    printf("\033[90m%.*s\033[0m\033[%dD", len, h, len);
    fflush(stdout);
    C.hint_shown = 1;
}

/* libedit's character source: shows the hint before waiting for a key and
 * erases it once the key arrives (libedit then redraws what changed). */
static int getc_fn(EditLine *el, wchar_t *wc)
{
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    if (poll(&pfd, 1, 0) == 0) draw_hint(el); /* not while a paste streams in */
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    for (;;) {
        char ch;
        ssize_t r = read(STDIN_FILENO, &ch, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return (int)r;
        size_t m = mbrtowc(wc, &ch, 1, &st);
        if (m == (size_t)-2) continue;
        if (m == (size_t)-1) {
            memset(&st, 0, sizeof(st));
            *wc = (unsigned char)ch;
        }
        break;
    }
    if (C.hint_shown) {
        printf("\033[K");
        fflush(stdout);
        C.hint_shown = 0;
    }
    return 1;
}

/* The next command name after index `from` that starts with prefix, or -1. */
static long next_match(const char *prefix, long from)
{
    size_t n = strlen(prefix);
    for (size_t i = (size_t)(from + 1); i < C.h.n; i++)
        if (!strncasecmp(C.h.cmds[i].name, prefix, n)) return (long)i;
    return -1;
}

/* TAB: replaces the line with the next command name it is a prefix of;
 * TAB again cycles through the others, then back to what was typed. */
static unsigned char complete_fn(EditLine *el, int ch)
{
    (void)ch;
    const LineInfo *li = el_line(el);
    size_t n = (size_t)(li->lastchar - li->buffer);
    if (n >= sizeof(C.comp_orig)) return CC_REFRESH_BEEP;
    char line[sizeof(C.comp_orig)];
    memcpy(line, li->buffer, n);
    line[n] = 0;
    if (C.comp_last[0] == 0 || strcmp(line, C.comp_last) != 0) {
        strcpy(C.comp_orig, line);
        C.comp_idx = -1;
    }
    long m = next_match(C.comp_orig, C.comp_idx);
    if (m < 0 && C.comp_idx < 0) return CC_REFRESH_BEEP;
    C.comp_idx = m;
    /* past the last match: back to what was typed */
    const char *text = m < 0 ? C.comp_orig : C.h.cmds[m].name;
    el_cursor(el, (int)(li->lastchar - li->cursor));
    el_deletestr(el, (int)n);
    el_insertstr(el, text);
    snprintf(C.comp_last, sizeof(C.comp_last), "%s", text);
    if (m < 0) C.comp_last[0] = 0;
    return CC_REFRESH;
}

/* Lines that carry a password are not written to the history file. */
static int secret_line(const char *line)
{
    args a;
    if (args_split(line, &a) != 0) return 0;
    int s = a.argc > 0 && (!strcasecmp(a.argv[0], "auth") ||
                           (!strcasecmp(a.argv[0], "hello") && a.argc > 2) ||
                           (a.argc > 1 && !strcasecmp(a.argv[0], "acl") &&
                            !strcasecmp(a.argv[1], "setuser")) ||
                           (a.argc > 1 && !strcasecmp(a.argv[0], "config") &&
                            !strcasecmp(a.argv[1], "set") && a.argc > 2 &&
                            strcasestr(a.argv[2], "pass")));
    args_free(&a);
    return s;
}

static void history_setup(void)
{
    HistEvent ev;
    C.hist = history_init();
    history(C.hist, &ev, H_SETSIZE, 1000);
    history(C.hist, &ev, H_SETUNIQUE, 1);
    const char *f = getenv("KVIKCLI_HISTFILE");
    const char *home = getenv("HOME");
    if (f && *f)
        snprintf(C.histfile, sizeof(C.histfile), "%s", f);
    else if (home && *home)
        snprintf(C.histfile, sizeof(C.histfile), "%s/.kvikcli_history", home);
    if (C.histfile[0]) history(C.hist, &ev, H_LOAD, C.histfile);
}

static int interactive(void)
{
    setlocale(LC_CTYPE, "");
    C.raw = C.want_raw;
    if (cli_connect(0) == 0) {
        hints_load(&C.h, C.k);
        C.have_hints = C.h.n > 0;
        kvik_errcode e = kvik_errcode_of(C.k);
        if (e == KVIK_E_IO || e == KVIK_E_PROTOCOL || e == KVIK_E_TIMEOUT) cli_connect(1);
    }
    history_setup();
    EditLine *el = el_init("kvik-cli", stdin, stdout, stderr);
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_SIGNAL, 1);
    el_set(el, EL_PROMPT, prompt_fn);
    el_set(el, EL_HIST, history, C.hist);
    el_set(el, EL_GETCFN, getc_fn);
    el_set(el, EL_ADDFN, "kvik-complete", "Complete a command name", complete_fn);
    el_set(el, EL_BIND, "^I", "kvik-complete", NULL);
    el_source(el, NULL);
    for (;;) {
        int count;
        const char *got = el_gets(el, &count);
        if (!got || count <= 0) break;
        char *line = strdup(got);
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        C.comp_last[0] = 0;
        const char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p && !secret_line(p)) {
            HistEvent ev;
            history(C.hist, &ev, H_ENTER, p);
            if (C.histfile[0]) history(C.hist, &ev, H_SAVE, C.histfile);
        }
        int stop = run_line(p, 1);
        free(line);
        if (stop) break;
    }
    el_end(el);
    history_end(C.hist);
    if (C.k) kvik_close(C.k);
    hints_free(&C.h);
    return 0;
}

int main(int argc, char **argv)
{
    kvik_options_init(&C.o);
    int first = parse_options(argc, argv);
    C.db = C.o.db;
    if (!C.o.host) C.o.host = "127.0.0.1";
    C.raw = C.want_raw || (!C.want_tty && !isatty(STDOUT_FILENO));
    signal(SIGPIPE, SIG_IGN);
    C.one_shot = first < argc;
    if (first < argc) return one_shot(argc - first, argv + first);
    if (!isatty(STDIN_FILENO)) return stdin_mode();
    return interactive();
}
