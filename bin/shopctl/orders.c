/*
 * shopctl orders: the merchant's view of orders from the command line.
 *
 *   shopctl orders [list] [--state S] [--limit N]
 *   shopctl orders show NUMBER
 *   shopctl orders ship NUMBER [--carrier C] [--tracking T] [--url U]
 *
 * Shipping is order_ship() (lib/shop/order.h): a paid order moves to
 * fulfilled and its "shipped" mail is queued through the outbox in one
 * write. What is read and written here is the library's; this file
 * parses arguments and prints.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/money.h"
#include "core/text.h"
#include "data/db.h"
#include "shop/order.h"
#include "shop/refund.h"
#include "shopctl.h"

#define LIST_DEFAULT	50
#define LIST_MAX	10000

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

static int
bad_usage(void)
{
	fputs(usage, stderr);
	return 2;
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
	struct order		*v;
	struct db		*d;
	char			*end;
	size_t			 i, n;
	int			 ch;

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
	if ((v = orders_list(d, c->arena, order_state_from_name(state),
	    (size_t)limit, &n)) == NULL) {
		ctl_err("reading the orders: %s", db_errmsg(d));
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char *total = money_format(c->arena, v[i].total,
		    v[i].currency);

		if (i == 0)
			printf("%-10s  %-18s  %12s  %-20s  %s\n", "number",
			    "state", "total", "placed (UTC)", "email");
		/* Right-aligned by characters: "€" is three bytes. */
		printf("%-10s  %-18s  %*s  %-20s  %s\n", v[i].number,
		    order_state_names[v[i].state],
		    (int)(12 + strlen(total) - text_utf8_chars(total)), total,
		    v[i].created_at, v[i].email);
	}
	if (n == 0)
		ctl_say(c, "no %s%sorders\n", state ? state : "",
		    state ? " " : "");
	return 0;
}

/* The id of the order called number into *id; 0, or 1 after saying why. */
static int
find(struct db *d, const char *number, long long *id)
{
	switch (order_id_by_number(d, number, id)) {
	case 1:
		return 0;
	case 0:
		ctl_err("no order is numbered %s", number);
		return 1;
	default:
		ctl_err("reading order %s: %s", number, db_errmsg(d));
		return 1;
	}
}

static int
show(struct ctl *c, int argc, char **argv)
{
	struct arena		*a = c->arena;
	struct order		*o;
	struct order_event	*ev;
	struct refund		*refunds;
	struct db		*d;
	long long		 id;
	size_t			 i, n, nrefunds;

	if (argc != 2)
		return bad_usage();
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	if (find(d, argv[1], &id) != 0)
		return 1;
	if ((o = order_by_id(d, a, id)) == NULL) {
		ctl_err("reading order %s: %s", argv[1], db_errmsg(d));
		return 1;
	}
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
	if (o->discount > 0)
		printf("discount %s: -%s\n", o->discount_code, money_format(a,
		    o->discount, o->currency));
	if (o->shipping_discount > 0)
		printf("shipping waived by %s: %s\n", o->discount_code,
		    money_format(a, o->shipping_discount, o->currency));
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
	if ((ev = order_events(d, a, o->id, &n)) == NULL) {
		ctl_err("reading the history: %s", db_errmsg(d));
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("  %s  %s -> %s  by %s%s%s%s%s\n", ev[i].created_at,
		    *ev[i].from_state ? ev[i].from_state : "(new)",
		    ev[i].to_state, ev[i].source, *ev[i].cause ? ": " : "",
		    ev[i].cause, *ev[i].ref ? "  ref " : "", ev[i].ref);
	return 0;
}

/* A ship option's value, checked as order_ship() will; 0 or -1, said. */
static int
ship_field(const char *name, const char *v, bool link)
{
	if (link ? order_ship_url_ok(v) : order_ship_text_ok(v))
		return 0;
	ctl_err("--%s takes %s of at most %d bytes: %s", name, link ?
	    "an http or https address" : "one line of text", link ?
	    ORDER_SHIP_URL_MAX : ORDER_SHIP_TEXT_MAX, v);
	return -1;
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
	struct order_shipment	 s = { NULL, NULL, NULL };
	struct order		*o;
	struct db		*d;
	const char		*number;
	long long		 id;
	int			 ch;

	/* Options may come before or after the number. */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (ship_field("carrier", optarg, false) != 0)
				return 2;
			s.carrier = optarg;
			break;
		case 't':
			if (ship_field("tracking", optarg, false) != 0)
				return 2;
			s.tracking = optarg;
			break;
		case 'u':
			if (ship_field("url", optarg, true) != 0)
				return 2;
			s.url = optarg;
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
	number = argv[optind];
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	if (find(d, number, &id) != 0)
		return 1;
	switch (order_ship(d, c->arena, id, &s, &o)) {
	case ACTION_DONE:
		ctl_say(c, "order %s shipped; the customer is mailed at %s\n",
		    o->number, o->email);
		return 0;
	case ACTION_ALREADY:
		ctl_say(c, "order %s was shipped already\n", o->number);
		return 0;
	case ACTION_REFUSED:
		ctl_err("order %s is %s: only a paid order can be shipped",
		    o->number, order_state_labels[o->state]);
		return 1;
	case ACTION_NOT_FOUND:
		ctl_err("no order is numbered %s", number);
		return 1;
	default:
		ctl_err("order %s could not be marked shipped: %s", number,
		    db_errmsg(d));
		return 1;
	}
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
