/*
 * cable.db: live messages per channel, read by the live program as
 * server-sent events and trimmed by age (DESIGN.md, "Background work,
 * cache, live updates").
 *
 * Channels are "product:<id>" (public), "order:<id>" (the order's token)
 * and "admin" (an administrator's session); cable_channel_parse() is the
 * one place that knows their shape. Message ids only grow, so a client's
 * Last-Event-ID is a position in every channel at once.
 *
 * A change in shop.db publishes through the outbox (lib/shop/outbox.h), never
 * here directly: cable_publish is for the relay and for messages that are
 * not the consequence of a shop.db change.
 */
#ifndef SHOP_CABLE_H
#define SHOP_CABLE_H

#include <stdbool.h>
#include <stddef.h>

struct db;

#define CABLE_MAX_CHANNEL	200
#define CABLE_MAX_EVENT		64
#define CABLE_MAX_DATA		(64 * 1024)
#define CABLE_DEFAULT_EVENT	"message"

enum cable_channel {
	CABLE_PRODUCT,		/* "product:<id>" */
	CABLE_ORDER,		/* "order:<id>" */
	CABLE_ADMIN,		/* "admin" */
	CABLE_CHANNEL__MAX
};

extern const char *const cable_channel_names[CABLE_CHANNEL__MAX];

/*
 * The kind of channel name s and its id (0 for "admin"). Returns the
 * kind, or CABLE_CHANNEL__MAX when s is not a channel name.
 */
enum cable_channel cable_channel_parse(const char *s, long long *id);

/*
 * An event name is 1 to CABLE_MAX_EVENT of [A-Za-z0-9_.-]: nothing that
 * could break a server-sent events line.
 */
bool		 cable_event_ok(const char *);

/*
 * Publish data (a JSON object) on channel as event (NULL: "message").
 * Returns the message id, or -1 (bad channel, event or data, or a
 * database error). Runs in its own write unless one is open; outbox_id
 * (0: none) is recorded and unique, so a relayed row is taken in once
 * (then 0 is returned).
 */
long long	 cable_publish(struct db *, const char *channel,
		    const char *event, const char *data, long long outbox_id);

/* A message read back: pointers valid until the next cable_ call. */
struct cable_msg {
	long long	 id;
	const char	*event;
	const char	*data;
	size_t		 data_len;
};

/*
 * Read messages of channel with ids above after, oldest first, at most
 * limit, calling fn for each (fn returns non-zero to stop). Returns the
 * number read, or -1.
 */
int		 cable_read(struct db *, const char *channel, long long after,
		    int limit, int (*fn)(const struct cable_msg *, void *),
		    void *arg);

/* The highest message id ever given (0 when none), or -1. */
long long	 cable_last_id(struct db *);

/*
 * Whether another connection has committed to cable.db since the last
 * call on this connection (PRAGMA data_version): 1 yes, 0 no, -1 error.
 * The first call answers 1. Cheap: no table is read.
 */
int		 cable_changed(struct db *, long long *version);

/* Delete messages older than older_than (unix ms); the count, or -1. */
long		 cable_trim(struct db *, long long older_than);

#endif
