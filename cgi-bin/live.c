/*
 * live: GET /live/{channel} as server-sent events (HTML Living Standard,
 * "Server-sent events") from cable.db.
 *
 * A stream holds its request, and its thread, for as long as it lasts, so
 * this program runs SHOP_LIVE_STREAMS stream slots on that many threads
 * plus LIVE_SPARE_THREADS more. A request that finds every slot taken is
 * answered 503 at once by a spare thread, so the web server never queues
 * behind a full pool; streams end after SHOP_LIVE_MAX_SECONDS (the client
 * reconnects with Last-Event-ID), so slots keep turning over.
 *
 * Each stream polls its own cable.db connection with PRAGMA data_version,
 * which reads no table, and reads its channel only when another
 * connection has committed. Between polls it sleeps on the web server's
 * connection, so a client that leaves frees its slot at once.
 *
 * Where a stream starts: after the message named by Last-Event-ID (what
 * EventSource sends when it reconnects), else after ?since=N (the newest
 * id when the page was rendered, so nothing published in between is
 * missed), else at the newest message. An id from the future starts at
 * the newest message. A malformed one is ignored, as if absent: only this
 * program writes ids, so it can only come from a broken client or proxy,
 * and a 400 would make EventSource give up for good.
 *
 * Channels: "product:<id>" is public; "order:<id>" needs ?token= with the
 * order's token (the order page has it); "admin" needs an administrator's
 * session.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "web/http.h"
#include "web/route.h"
#include "side/cable.h"
#include "shop/order.h"
#include "shop/session.h"
#include "app/app.h"

#define LIVE_SPARE_THREADS	8
#define LIVE_BATCH		100	/* messages per read */
#define LIVE_RETRY_MS		3000	/* EventSource reconnection delay */

static int	h_live(struct req *);

static const struct route routes[] = {
	{ HTTP_BIT(HTTP_GET), "^/live/(?<channel>[^/]{1,200})$", h_live,
	  ROUTE_STREAM },
};

/* Set once in main() before any thread starts, read-only afterwards. */
static struct {
	int	streams;	/* SHOP_LIVE_STREAMS */
	int	heartbeat_s;	/* SHOP_LIVE_HEARTBEAT_SECONDS */
	int	max_s;		/* SHOP_LIVE_MAX_SECONDS */
	int	poll_ms;	/* SHOP_LIVE_POLL_MS */
} live;

/* Streams open now, across the threads. */
static atomic_int	streams_open;

struct stream {
	struct req	*r;
	struct buf	 out;
	long long	 pos;	/* last id the client has been given */
};

/* A non-negative decimal id of at most 18 digits; -1 if malformed. */
static long long
parse_id(const char *s)
{
	long long	v = 0;
	size_t		n;

	if (s == NULL)
		return -1;
	while (*s == ' ')
		s++;
	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
		if (n == 18)
			return -1;
		v = v * 10 + (s[n] - '0');
	}
	return n > 0 && s[n] == '\0' ? v : -1;
}

/*
 * A session of the shop's staff (or an administrator): the request loop
 * loads the session from its cookie for every route (lib/shop/session.h).
 */
static bool
staff_session(const struct req *r)
{
	const struct session	*s = session_of(r);

	return s != NULL && role_is_staff(s->role);
}

/* Whether r may read channel; 0 or the status to refuse with. */
static int
authorize(struct req *r, enum cable_channel kind, long long id)
{
	struct order	*o;
	const char	*token;

	switch (kind) {
	case CABLE_PRODUCT:
		return 0;
	case CABLE_ORDER:
		token = req_query(r, "token");
		if (token == NULL || strlen(token) < 32 ||
		    (o = order_by_token(req_db(r, DB_PRIMARY), r->arena,
		    token)) == NULL || o->id != id) {
			r->error = "This order's updates need the link from "
			    "its confirmation page.";
			return 403;
		}
		return 0;
	case CABLE_ADMIN:
		if (!staff_session(r)) {
			r->error = "The back office channel is for the "
			    "shop's staff, signed in.";
			return 403;
		}
		return 0;
	default:
		return 404;
	}
}

/*
 * One message as an event: "id:", "event:" unless it is "message", then
 * each line of the data as its own "data:" line (CR, LF and CRLF all end
 * a line in the event stream format).
 */
static int
emit(const struct cable_msg *m, void *arg)
{
	struct stream	*s = arg;
	const char	*p = m->data, *end = m->data + m->data_len;
	size_t		 n;

	buf_printf(&s->out, "id: %lld\n", m->id);
	if (strcmp(m->event, CABLE_DEFAULT_EVENT) != 0)
		buf_printf(&s->out, "event: %s\n", m->event);
	for (;;) {
		n = strcspn(p, "\r\n");
		if (p + n > end)
			n = (size_t)(end - p);
		buf_puts(&s->out, "data: ");
		buf_append(&s->out, p, n);
		buf_putc(&s->out, '\n');
		p += n;
		if (p >= end)
			break;
		p += (p[0] == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
	}
	buf_putc(&s->out, '\n');
	s->pos = m->id;
	return 0;
}

/* Send what s->out holds; -1 when the client has gone. */
static int
flush_out(struct stream *s)
{
	int	rc = 0;

	if (s->out.len > 0)
		rc = resp_stream_write(s->r, s->out.p, s->out.len);
	buf_reset(&s->out);
	return rc;
}

/*
 * New messages of the channel: everything above s->pos, in batches. The
 * newest id is read first, so once the channel has been read up to now
 * the position can move to it even when none of its messages were ours.
 */
static int
catch_up(struct stream *s, struct db *cable, const char *channel)
{
	long long	last = cable_last_id(cable);
	int		n;

	do {
		if ((n = cable_read(cable, channel, s->pos, LIVE_BATCH, emit,
		    s)) < 0)
			return 0;	/* a busy read is tried next poll */
		if (flush_out(s) != 0)
			return -1;
	} while (n == LIVE_BATCH);
	if (last > s->pos)
		s->pos = last;
	return 0;
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
stream(struct req *r, struct db *cable, const char *channel, long long from)
{
	struct stream	 s = { r, { 0 }, from };
	long long	 start = now_ms(), beat = start, version = -1, t;
	int		 changed;

	buf_printf(&s.out, "retry: %d\nid: %lld\n\n", LIVE_RETRY_MS, s.pos);
	if (flush_out(&s) != 0)
		goto out;
	while (!http_stopping()) {
		if ((changed = cable_changed(cable, &version)) < 0)
			break;
		if (changed && catch_up(&s, cable, channel) != 0)
			break;
		t = now_ms();
		if (t - start >= (long long)live.max_s * 1000)
			break;
		if (t - beat >= (long long)live.heartbeat_s * 1000) {
			buf_printf(&s.out, ": heartbeat\nid: %lld\n\n", s.pos);
			if (flush_out(&s) != 0)
				break;
			beat = t;
		}
		if (resp_stream_wait(r, live.poll_ms) != 0)
			break;
	}
out:
	buf_free(&s.out);
}

static int
h_live(struct req *r)
{
	const char		*channel = req_param(r, "channel");
	struct db		*cable = req_db(r, DB_CABLE);
	enum cable_channel	 kind;
	long long		 id, last, from;
	int			 rc;

	if ((kind = cable_channel_parse(channel, &id)) == CABLE_CHANNEL__MAX) {
		r->error = "There is no such live channel.";
		return 404;
	}
	if ((rc = authorize(r, kind, id)) != 0)
		return rc;
	if ((last = cable_last_id(cable)) < 0) {
		r->error = "Live updates are briefly unavailable.";
		resp_header(r, "Retry-After", "5");
		return 503;
	}
	if ((from = parse_id(req_header(r, "Last-Event-ID"))) < 0)
		from = parse_id(req_query(r, "since"));
	if (from < 0 || from > last)
		from = last;
	if (atomic_fetch_add(&streams_open, 1) >= live.streams) {
		atomic_fetch_sub(&streams_open, 1);
		r->error = "Too many live connections are open; this page "
		    "will try again shortly.";
		resp_header(r, "Retry-After", "10");
		return 503;
	}
	r->status = 200;
	r->resp_type = "text/event-stream; charset=utf-8";
	r->cache_control = "no-store";
	resp_header(r, "X-Accel-Buffering", "no");
	if (resp_stream_begin(r) == 0)
		stream(r, cable, channel, from);
	atomic_fetch_sub(&streams_open, 1);
	return 0;
}

/* An integer setting from the environment, within range, or def. */
static int
setting(const char *name, int def, int min, int max)
{
	const char	*v = getenv(name);
	char		*end;
	long		 n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max) {
		log_warn("%s: not a whole number from %d to %d; using %d",
		    name, min, max, def);
		return def;
	}
	return (int)n;
}

int
main(int argc, char *argv[])
{
	struct app	app = {
		.name = "live",
		.routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]),
		.dbs = DB_BIT(DB_PRIMARY) | DB_BIT(DB_CABLE),
	};

	log_init("live");
	live.streams = setting("SHOP_LIVE_STREAMS", 64, 1, 4096);
	live.heartbeat_s = setting("SHOP_LIVE_HEARTBEAT_SECONDS", 15, 1, 300);
	live.max_s = setting("SHOP_LIVE_MAX_SECONDS", 300, 1, 3600);
	live.poll_ms = setting("SHOP_LIVE_POLL_MS", 250, 10, 5000);
	app.threads = live.streams + LIVE_SPARE_THREADS;
	return app_main(&app, argc, argv);
}
