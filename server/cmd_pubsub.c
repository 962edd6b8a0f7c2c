/* server/cmd_pubsub.c — pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE,
 * PUBLISH, SPUBLISH and PUBSUB. The registry and delivery are in pubsub.c.
 *
 * Subscription replies are pushes in RESP3 and arrays in RESP2, one per
 * channel: [kind, channel, count], where count is the client's channel +
 * pattern subscriptions (shard commands: its shard subscriptions). */
#include <ctype.h>
#include <string.h>

#include "core/buf.h"
#include "server/client.h"
#include "server/cmdtab.h"
#include "server/namespace.h"
#include "server/pubsub.h"

static int reply_count(client *c, int kind)
{
    if (kind == PS_SHARD) return pubsub_count(c, PS_SHARD);
    return pubsub_count(c, PS_CHANNEL) + pubsub_count(c, PS_PATTERN);
}

static void reply_sub(client *c, const char *what, int kind, const char *p, size_t len)
{
    reply_push(c, 3);
    reply_bulk_cstr(c, what);
    if (p)
        reply_bulk(c, p, len);
    else
        reply_null(c);
    reply_int(c, reply_count(c, kind));
}

static void subscribe_generic(client *c, int kind, const char *what)
{
    for (int i = 1; i < c->argc; i++) {
        pubsub_subscribe(c, kind, c->argv[i]);
        reply_sub(c, what, kind, c->argv[i].p, c->argv[i].len);
    }
}

static void unsubscribe_generic(client *c, int kind, const char *what)
{
    if (c->argc > 1) {
        for (int i = 1; i < c->argc; i++) {
            pubsub_unsubscribe(c, kind, c->argv[i]);
            reply_sub(c, what, kind, c->argv[i].p, c->argv[i].len);
        }
        return;
    }
    /* No arguments: leave every subscription of this kind. */
    buf name = BUF_INIT;
    int any = 0;
    while (pubsub_any_name(c, kind, &name)) {
        pubsub_unsubscribe(c, kind, slice_of(name.p, name.len));
        reply_sub(c, what, kind, name.p, name.len);
        any = 1;
    }
    buf_free(&name);
    if (!any) reply_sub(c, what, kind, NULL, 0);
}

static void cmd_subscribe(client *c)
{
    subscribe_generic(c, PS_CHANNEL, "subscribe");
}

static void cmd_psubscribe(client *c)
{
    subscribe_generic(c, PS_PATTERN, "psubscribe");
}

static void cmd_ssubscribe(client *c)
{
    subscribe_generic(c, PS_SHARD, "ssubscribe");
}

static void cmd_unsubscribe(client *c)
{
    unsubscribe_generic(c, PS_CHANNEL, "unsubscribe");
}

static void cmd_punsubscribe(client *c)
{
    unsubscribe_generic(c, PS_PATTERN, "punsubscribe");
}

static void cmd_sunsubscribe(client *c)
{
    unsubscribe_generic(c, PS_SHARD, "sunsubscribe");
}

static void cmd_publish(client *c)
{
    reply_int(c, pubsub_publish(ns_of_db(c->db), PS_CHANNEL, c->argv[1], c->argv[2]));
}

static void cmd_spublish(client *c)
{
    reply_int(c, pubsub_publish(ns_of_db(c->db), PS_SHARD, c->argv[1], c->argv[2]));
}

/* ---------------------------------------------------------------- PUBSUB */


typedef struct name_list {
    buf names; /* length-prefixed names, copied under the registry lock */
    size_t n;
} name_list;

static void collect(void *priv, slice name)
{
    name_list *l = priv;
    buf_append(&l->names, &name.len, sizeof(name.len));
    buf_append(&l->names, name.p, name.len);
    l->n++;
}

static void channels_generic(client *c, int kind)
{
    if (c->argc > 3) {
        reply_err_subcommand_args(c);
        return;
    }
    slice pat = c->argc == 3 ? c->argv[2] : (slice){NULL, 0};
    name_list l = {BUF_INIT, 0};
    pubsub_foreach(ns_of_db(c->db), kind, pat, collect, &l);
    reply_array(c, l.n);
    for (size_t off = 0; off < l.names.len;) {
        size_t len;
        memcpy(&len, l.names.p + off, sizeof(len));
        off += sizeof(len);
        reply_bulk(c, l.names.p + off, len);
        off += len;
    }
    buf_free(&l.names);
}

static void numsub_generic(client *c, int kind)
{
    reply_array(c, (size_t)(c->argc - 2) * 2);
    for (int i = 2; i < c->argc; i++) {
        reply_bulk(c, c->argv[i].p, c->argv[i].len);
        reply_int(c, pubsub_numsub(ns_of_db(c->db), kind, c->argv[i]));
    }
}

static void cmd_pubsub_channels(client *c)
{
    channels_generic(c, PS_CHANNEL);
}

static void cmd_pubsub_shardchannels(client *c)
{
    channels_generic(c, PS_SHARD);
}

static void cmd_pubsub_numsub(client *c)
{
    numsub_generic(c, PS_CHANNEL);
}

static void cmd_pubsub_shardnumsub(client *c)
{
    numsub_generic(c, PS_SHARD);
}

static void cmd_pubsub_numpat(client *c)
{
    reply_int(c, (long long)pubsub_names(ns_of_db(c->db), PS_PATTERN));
}

static void cmd_pubsub_help(client *c)
{
    static const char *const help[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    List the channels that have subscribers, optionally only those matching",
        "    <pattern>.",
        "NUMPAT",
        "    Count the distinct patterns clients are subscribed to.",
        "NUMSUB [<channel> ...]",
        "    For each <channel>, its number of subscribers (pattern subscribers not",
        "    counted).",
        "SHARDCHANNELS [<pattern>]",
        "    List the shard channels that have subscribers, optionally only those",
        "    matching <pattern>.",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    For each <shardchannel>, its number of subscribers.",
        "HELP",
        "    Print this help.",
        NULL,
    };
    reply_help(c, help);
}

#define PS_CMD(...) {.group = "pubsub", __VA_ARGS__}
#define SUB_FLAGS (CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define PUB_FLAGS (CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST)
#define INTRO_FLAGS (CMD_PUBSUB | CMD_LOADING | CMD_STALE)

static command pubsub_subs[] = {
    PS_CMD(.name = "pubsub|channels", .proc = cmd_pubsub_channels, .arity = -2,
           .flags = INTRO_FLAGS, .acl = ACL_PUBSUB | ACL_SLOW, .since = "2.8.0",
           .summary = "Lists the channels that have subscribers.",
           .complexity = "O(N) in active channels",
           .args = "[pattern]"),
    PS_CMD(.name = "pubsub|numpat", .proc = cmd_pubsub_numpat, .arity = 2,
           .flags = INTRO_FLAGS, .acl = ACL_PUBSUB | ACL_SLOW, .since = "2.8.0",
           .summary = "Counts the distinct patterns with subscribers.", .complexity = "O(1)"),
    PS_CMD(.name = "pubsub|numsub", .proc = cmd_pubsub_numsub, .arity = -2,
           .flags = INTRO_FLAGS, .acl = ACL_PUBSUB | ACL_SLOW, .since = "2.8.0",
           .summary = "Counts the subscribers of channels.",
           .complexity = "O(N) in requested channels",
           .args = "[channel [channel ...]]"),
    PS_CMD(.name = "pubsub|shardchannels", .proc = cmd_pubsub_shardchannels, .arity = -2,
           .flags = INTRO_FLAGS, .acl = ACL_PUBSUB | ACL_SLOW, .since = "7.0.0",
           .summary = "Lists the shard channels that have subscribers.",
           .complexity = "O(N) in active shard channels",
           .args = "[pattern]"),
    PS_CMD(.name = "pubsub|shardnumsub", .proc = cmd_pubsub_shardnumsub, .arity = -2,
           .flags = INTRO_FLAGS, .acl = ACL_PUBSUB | ACL_SLOW, .since = "7.0.0",
           .summary = "Counts the subscribers of shard channels.",
           .complexity = "O(N) in requested shard channels",
           .args = "[shardchannel [shardchannel ...]]"),
    PS_CMD(.name = "pubsub|help", .proc = cmd_pubsub_help, .arity = 2,
           .flags = CMD_LOADING | CMD_STALE, .acl = ACL_SLOW, .since = "6.2.0",
           .summary = "Lists the PUBSUB subcommands.", .complexity = "O(1)"),
    {0},
};

command pubsub_commands[] = {
    PS_CMD(.name = "subscribe", .proc = cmd_subscribe, .arity = -2,
           .flags = SUB_FLAGS | CMD_CHAN_SUBSCRIBE,
           .acl = ACL_PUBSUB | ACL_SLOW, .since = "2.0.0",
           .summary = "Listens for messages published to channels.",
           .complexity = "O(N) in channels given",
           .args = "channel [channel ...]"),
    PS_CMD(.name = "unsubscribe", .proc = cmd_unsubscribe, .arity = -1, .flags = SUB_FLAGS,
           .acl = ACL_PUBSUB | ACL_SLOW, .since = "2.0.0",
           .summary = "Stops listening to messages posted to channels.",
           .complexity = "O(N) in subscribers of the channels given",
           .args = "[channel [channel ...]]"),
    PS_CMD(.name = "psubscribe", .proc = cmd_psubscribe, .arity = -2,
           .flags = SUB_FLAGS | CMD_CHAN_SUBSCRIBE | CMD_CHAN_PATTERN,
           .acl = ACL_PUBSUB | ACL_SLOW, .since = "2.0.0",
           .summary = "Listens for messages published to channels that match patterns.",
           .complexity = "O(N) in patterns of the client",
           .args = "pattern [pattern ...]"),
    PS_CMD(.name = "punsubscribe", .proc = cmd_punsubscribe, .arity = -1, .flags = SUB_FLAGS,
           .acl = ACL_PUBSUB | ACL_SLOW, .since = "2.0.0",
           .summary = "Stops listening to messages published to channels that match "
                      "patterns.",
           .complexity = "O(N+M): the client's patterns plus all patterns",
           .args = "[pattern [pattern ...]]"),
    PS_CMD(.name = "publish", .proc = cmd_publish, .arity = 3,
           .flags = PUB_FLAGS | CMD_CHAN_PUBLISH,
           .acl = ACL_PUBSUB | ACL_FAST, .since = "2.0.0",
           .summary = "Posts a message to a channel.",
           .complexity = "O(N+M): subscribers of the channel plus all patterns",
           .args = "channel message"),
    PS_CMD(.name = "ssubscribe", .proc = cmd_ssubscribe, .arity = -2,
           .flags = SUB_FLAGS | CMD_CHAN_SUBSCRIBE,
           .acl = ACL_PUBSUB | ACL_SLOW, .keys = {1, -1, 1}, .key_flags = "NOT_KEY",
           .since = "7.0.0", .summary = "Listens for messages published to shard channels.",
           .complexity = "O(N) in shard channels given",
           .args = "shardchannel [shardchannel ...]"),
    PS_CMD(.name = "sunsubscribe", .proc = cmd_sunsubscribe, .arity = -1, .flags = SUB_FLAGS,
           .acl = ACL_PUBSUB | ACL_SLOW, .keys = {1, -1, 1}, .key_flags = "NOT_KEY",
           .since = "7.0.0", .summary = "Stops listening to messages posted to shard channels.",
           .complexity = "O(N) in subscribers of the shard channels given",
           .args = "[shardchannel [shardchannel ...]]"),
    PS_CMD(.name = "spublish", .proc = cmd_spublish, .arity = 3,
           .flags = PUB_FLAGS | CMD_CHAN_PUBLISH,
           .acl = ACL_PUBSUB | ACL_FAST, .keys = {1, 1, 1}, .key_flags = "NOT_KEY",
           .since = "7.0.0", .summary = "Posts a message to a shard channel.",
           .complexity = "O(N) in subscribers of the shard channel",
           .args = "shardchannel message"),
    PS_CMD(.name = "pubsub", .arity = -2, .acl = ACL_SLOW, .since = "2.8.0",
           .summary = "A container for pub/sub introspection commands.",
           .complexity = "Depends on subcommand.", .subs = pubsub_subs),
    {0},
};
