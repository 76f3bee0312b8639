/*
 * shopctl orders: the merchant's view of orders from the command line.
 *
 *   shopctl orders [list] [--state S] [--limit N]
 *   shopctl orders show NUMBER
 *   shopctl orders ship NUMBER [--carrier C] [--tracking T] [--url U]
 *
 * Shipping moves a paid order to fulfilled and queues the "shipped" mail
 * through the outbox, both in one write: no shipped order without its
 * mail, no mail for an order that did not move.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/money.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/form.h"
#include "shop/order.h"
#include "shop/outbox.h"
#include "shop/refund.h"
#include "shopctl.h"

#define LIST_DEFAULT	50
#define LIST_MAX	10000
#define SHIP_FIELD_MAX	200	/* carrier, tracking number */
#define SHIP_URL_MAX	2000

static const char usage[] =
    "usage: shopctl orders [list] [--state S] [--limit N]\n"
    "       shopctl orders show NUMBER\n"
    "       shopctl orders ship NUMBER [--carrier C] [--tracking T] "
    "[--url U]\n"
    "  list: the newest orders first (default 50), of one state if asked:\n"
    "    pending_payment, paid, fulfilled, cancelled, refunded,\n"
    "    partially_refunded\n"
    "  show: an order's lines, amounts, address, payment, refunds and\n"
    "    history\n"
    "  ship: a paid order is sent: it becomes fulfilled and the customer\n"
    "    is mailed, with the carrier and tracking number if given\n";

static const char sql_list[] =
    "SELECT number, state, total, currency, email, created_at FROM orders "
    "WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2";
static const char sql_by_number[] =
    "SELECT id FROM orders WHERE number = ?1";
static const char sql_events[] =
    "SELECT created_at, coalesce(from_state, ''), to_state, source, "
    "coalesce(cause, ''), coalesce(ref, '') FROM order_events "
    "WHERE order_id = ?1 ORDER BY id";

static int
bad_usage(void)
{
	fputs(usage, stderr);
	return 2;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

static int
list(struct ctl *c, int argc, char **argv)
{
	const struct option	 opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*state = NULL;
	long long		 limit = LIST_DEFAULT;
	sqlite3_stmt		*st;
	struct db		*d;
	char			*end;
	int			 ch, rc, n = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (order_state_from_name(optarg) == ORDER_STATE__MAX) {
				ctl_err("no order state is called \"%s\"",
				    optarg);
				return bad_usage();
			}
			state = optarg;
			break;
		case 'l':
			limit = strtoll(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    limit < 1 || limit > LIST_MAX) {
				ctl_err("--limit takes a number from 1 to %d: "
				    "%s", LIST_MAX, optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return bad_usage();
		}
	}
	if (optind < argc) {
		ctl_err("unexpected argument \"%s\"", argv[optind]);
		return bad_usage();
	}
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	if ((st = db_prep(d, sql_list)) == NULL) {
		ctl_err("%s", db_errmsg(d));
		return 1;
	}
	if (state != NULL)
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		const char *total = money_format(c->arena,
		    sqlite3_column_int64(st, 2), col(st, 3));

		if (n++ == 0)
			printf("%-10s  %-18s  %12s  %-20s  %s\n", "number",
			    "state", "total", "placed (UTC)", "email");
		/* Right-aligned by characters: "€" is three bytes. */
		printf("%-10s  %-18s  %*s  %-20s  %s\n", col(st, 0),
		    col(st, 1), (int)(12 + strlen(total) - text_utf8_chars(total)),
		    total, col(st, 5), col(st, 4));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ctl_err("reading the orders: %s", db_errmsg(d));
		return 1;
	}
	if (n == 0)
		ctl_say(c, "no %s%sorders\n", state ? state : "",
		    state ? " " : "");
	return 0;
}

/* The order called number, or NULL after saying why. */
static struct order *
find(struct ctl *c, struct db *d, const char *number)
{
	sqlite3_stmt	*st;
	struct order	*o = NULL;
	long long	 id = 0;
	int		 rc;

	if ((st = db_prep(d, sql_by_number)) == NULL) {
		ctl_err("%s", db_errmsg(d));
		return NULL;
	}
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW && (o = order_by_id(d, c->arena, id)) != NULL)
		return o;
	if (rc == SQLITE_DONE)
		ctl_err("no order is numbered %s", number);
	else
		ctl_err("reading order %s: %s", number, db_errmsg(d));
	return NULL;
}

static int
show(struct ctl *c, int argc, char **argv)
{
	struct arena	*a = c->arena;
	struct order	*o;
	struct refund	*refunds;
	struct db	*d;
	sqlite3_stmt	*st;
	size_t		 i, nrefunds;
	int		 rc;

	if (argc != 2)
		return bad_usage();
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	if ((o = find(c, d, argv[1])) == NULL)
		return 1;
	printf("order %s: %s\n", o->number, order_state_labels[o->state]);
	printf("placed: %s%s\n", o->created_at, o->recovered ?
	    " (rebuilt by reconcile)" : "");
	printf("email: %s\n", o->email);
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];

		printf("  %lld x %s%s%s%s  %s\n", l->quantity, l->product_name,
		    *l->variant_title ? " (" : "", l->variant_title,
		    *l->variant_title ? ")" : "", money_format(a,
		    l->line_total, o->currency));
	}
	printf("subtotal: %s\n", money_format(a, o->subtotal, o->currency));
	printf("shipping: %s (%s)\n", money_format(a, o->shipping,
	    o->currency), o->shipping_name);
	if (o->tax_rate_bp > 0)
		printf("%s: %s (%s)\n", o->tax_name, money_format(a, o->tax,
		    o->currency), o->tax_inclusive ? "included" : "added");
	printf("total: %s\n", money_format(a, o->total, o->currency));
	if (o->amount_paid > 0)
		printf("paid: %s on %s\n", money_format(a, o->amount_paid,
		    o->currency), o->paid_at);
	if (o->amount_refunded > 0)
		printf("refunded: %s\n", money_format(a, o->amount_refunded,
		    o->currency));
	if ((refunds = refunds_of_order(d, a, o->id, &nrefunds)) == NULL) {
		ctl_err("reading the refunds: %s", db_errmsg(d));
		return 1;
	}
	for (i = 0; i < nrefunds; i++)
		printf("refund %lld: %s %s%s%s%s by %s on %s%s%s\n",
		    refunds[i].id, money_format(a, refunds[i].amount,
		    refunds[i].currency), refund_state_names[refunds[i].state],
		    *refunds[i].gateway_id ? " (" : "", refunds[i].gateway_id,
		    *refunds[i].gateway_id ? ")" : "", refunds[i].actor,
		    refunds[i].created_at, *refunds[i].error ? ": " : "",
		    refunds[i].error);
	if (*o->ship.line1 != '\0')
		printf("ship to: %s, %s%s%s, %s %s, %s\n", o->ship.name,
		    o->ship.line1, *o->ship.line2 ? ", " : "", o->ship.line2,
		    o->ship.postcode, o->ship.city, o->ship.country);
	if (*o->session_id != '\0')
		printf("payment: session %s (attempt %d)%s%s\n", o->session_id,
		    o->payment_attempt, *o->payment_intent ? ", " : "",
		    o->payment_intent);
	printf("history:\n");
	if ((st = db_prep(d, sql_events)) == NULL) {
		ctl_err("%s", db_errmsg(d));
		return 1;
	}
	sqlite3_bind_int64(st, 1, o->id);
	while ((rc = db_step(d, st)) == SQLITE_ROW)
		printf("  %s  %s -> %s  by %s%s%s%s%s\n", col(st, 0),
		    *col(st, 1) ? col(st, 1) : "(new)", col(st, 2), col(st, 3),
		    *col(st, 4) ? ": " : "", col(st, 4),
		    *col(st, 5) ? "  ref " : "", col(st, 5));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ctl_err("reading the history: %s", db_errmsg(d));
		return 1;
	}
	return 0;
}

/* A ship option's value: one line of text of at most max bytes. */
static int
ship_field(const char *name, const char *v, size_t max, bool link)
{
	if (*v == '\0' || strlen(v) > max || !form_match(FORM_TEXT, v,
	    strlen(v)) || (link && strncmp(v, "https://", 8) != 0 &&
	    strncmp(v, "http://", 7) != 0) || (link && strchr(v, ' '))) {
		ctl_err("--%s takes %s of at most %zu bytes: %s", name, link ?
		    "an http or https address" : "one line of text", max, v);
		return -1;
	}
	return 0;
}

/* The "shipped" mail for o, queued through the outbox (in the write). */
static int
shipped_mail(struct db *d, struct arena *a, const struct order *o,
    const char *carrier, const char *tracking, const char *url)
{
	struct tval		*p = tval_map(a), *data;
	struct buf		 json = { 0 };
	struct queue_job_spec	 spec;
	int			 rc;

	tval_set_str(a, p, "to", o->email);
	if (*o->ship.name != '\0')
		tval_set_str(a, p, "to_name", o->ship.name);
	tval_set_str(a, p, "template", "shipped");
	data = tval_set_map(a, p, "data");
	if (*o->ship.name != '\0')
		tval_set_str(a, data, "name", o->ship.name);
	tval_set_str(a, data, "number", o->number);
	tval_set_str(a, data, "token", o->token);
	if (carrier != NULL)
		tval_set_str(a, data, "carrier", carrier);
	if (tracking != NULL)
		tval_set_str(a, data, "tracking", tracking);
	if (url != NULL)
		tval_set_str(a, data, "tracking_url", url);
	tval_json(&json, p);
	memset(&spec, 0, sizeof(spec));
	spec.kind = "send_mail";
	spec.queue = "mail";
	spec.payload = buf_str(&json);
	spec.unique_key = arena_printf(a, "mail:order-shipped:%lld", o->id);
	spec.priority = 5;
	rc = outbox_job(d, &spec) < 0 ? -1 : 0;
	buf_free(&json);
	return rc;
}

static int
ship(struct ctl *c, int argc, char **argv)
{
	const struct option	 opts[] = {
		{ "carrier", required_argument, NULL, 'c' },
		{ "tracking", required_argument, NULL, 't' },
		{ "url", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct arena		*a = c->arena;
	const char		*carrier = NULL, *tracking = NULL, *url = NULL;
	const char		*cause;
	struct order		*o;
	struct db		*d;
	int			 ch;

	/* Options may come before or after the number. */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (ship_field("carrier", optarg, SHIP_FIELD_MAX,
			    false) != 0)
				return 2;
			carrier = optarg;
			break;
		case 't':
			if (ship_field("tracking", optarg, SHIP_FIELD_MAX,
			    false) != 0)
				return 2;
			tracking = optarg;
			break;
		case 'u':
			if (ship_field("url", optarg, SHIP_URL_MAX,
			    true) != 0)
				return 2;
			url = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return bad_usage();
		}
	}
	if (argc - optind != 1)
		return bad_usage();
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	cause = arena_printf(a, "shipped%s%s%s%s", carrier ? " by " : "",
	    carrier ? carrier : "", tracking ? ", tracking " : "",
	    tracking ? tracking : "");
	if (db_begin(d) != 0) {
		ctl_err("the database is busy: %s", db_errmsg(d));
		return 1;
	}
	/* Read inside the write: nothing moves the order in between. */
	if ((o = find(c, d, argv[optind])) == NULL) {
		db_rollback(d);
		return 1;
	}
	if (o->state == ORDER_FULFILLED) {
		db_rollback(d);
		ctl_say(c, "order %s was shipped already\n", o->number);
		return 0;
	}
	if (o->state != ORDER_PAID) {
		db_rollback(d);
		ctl_err("order %s is %s: only a paid order can be shipped",
		    o->number, order_state_labels[o->state]);
		return 1;
	}
	if (order_move(d, o, ORDER_FULFILLED, SOURCE_ADMIN, cause,
	    tracking) != 0 || shipped_mail(d, a, o, carrier, tracking,
	    url) != 0 || db_commit(d) != 0) {
		ctl_err("order %s could not be marked shipped: %s", o->number,
		    db_errmsg(d));
		db_rollback(d);
		return 1;
	}
	ctl_say(c, "order %s shipped; the customer is mailed at %s\n",
	    o->number, o->email);
	return 0;
}

int
ctl_orders(struct ctl *c, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-')
		return list(c, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return show(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "ship") == 0)
		return ship(c, argc - 1, argv + 1);
	ctl_err("orders: no such command \"%s\"", argv[1]);
	return bad_usage();
}
