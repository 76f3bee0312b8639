/*
 * shopctl refund: refund a paid order through the gateway, all that is
 * left of it, an amount, or some of its lines (restocked if asked), as
 * the back office does (lib/shop/refund.h):
 *
 *   shopctl refund NUMBER [--amount A | --line N:QTY[:restock]... [--shipping]]
 *       [--reason R]
 *
 * N is a line's place in the order as "shopctl orders show" lists them,
 * from 1. Exit 0 when the money went back, 1 when it was refused, failed
 * or is still waiting for the gateway (reconcile completes it), 2 on a
 * usage error.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "core/arena.h"
#include "core/money.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "shop/order.h"
#include "shop/refund.h"
#include "shop/settle.h"
#include "shopctl.h"

#define MAX_LINES	100

static const char usage[] =
    "usage: shopctl refund NUMBER [--amount A | --line N:QTY[:restock]... "
    "[--shipping]]\n"
    "           [--reason requested_by_customer|duplicate|fraudulent]\n"
    "  refund a paid order through the gateway: all that is left of it,\n"
    "  an amount (\"5.00\"), or QTY units of its line N (as \"shopctl\n"
    "  orders show\" lists them, from 1), back into stock with :restock,\n"
    "  and its shipping with --shipping\n";


static int
bad_usage(void)
{
	fputs(usage, stderr);
	return 2;
}

/* A decimal in 1..max, strictly; -1 if not. */
static long long
count_arg(const char *s, long long max)
{
	long long	v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > max)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v >= 1 && v <= max ? v : -1;
}

/* "N:QTY[:restock]" into l (order_line_id holds N until resolved). */
static int
line_arg(struct arena *a, const char *s, struct refund_line_input *l)
{
	char	*p = arena_strdup(a, s), *q, *r = NULL;

	if ((q = strchr(p, ':')) == NULL)
		return -1;
	*q++ = '\0';
	if ((r = strchr(q, ':')) != NULL) {
		*r++ = '\0';
		if (strcmp(r, "restock") != 0)
			return -1;
	}
	l->order_line_id = count_arg(p, MAX_LINES);
	l->quantity = count_arg(q, 999999);
	l->restock = r != NULL;
	return l->order_line_id > 0 && l->quantity > 0 ? 0 : -1;
}

int
ctl_refund(struct ctl *c, int argc, char **argv)
{
	const struct option	 opts[] = {
		{ "amount", required_argument, NULL, 'a' },
		{ "line", required_argument, NULL, 'l' },
		{ "shipping", no_argument, NULL, 's' },
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct arena		*a = c->arena;
	struct refund_line_input lines[MAX_LINES];
	struct refund_line_left	*left;
	struct refund_input	 in;
	struct refund		*r = NULL;
	struct order		*o;
	struct stripe		*s;
	struct db		*d;
	enum refund_result	 res;
	const char		*amount = NULL;
	long long		 id = 0, money;
	size_t			 nleft, i;
	int			 ch, rc;

	memset(&in, 0, sizeof(in));
	in.lines = lines;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			amount = optarg;
			break;
		case 'l':
			if (in.nlines == MAX_LINES ||
			    line_arg(a, optarg, &lines[in.nlines]) != 0) {
				ctl_err("--line takes N:QTY or N:QTY:restock, "
				    "N a line of the order from 1: %s", optarg);
				return 2;
			}
			in.nlines++;
			break;
		case 's':
			in.shipping = true;
			break;
		case 'r':
			in.reason = refund_reason_from_name(optarg);
			if (in.reason == REFUND_REASON__MAX ||
			    in.reason == REFUND_REASON_NONE) {
				ctl_err("--reason is requested_by_customer, "
				    "duplicate or fraudulent: %s", optarg);
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
	if (argc - optind != 1 || (amount != NULL &&
	    (in.nlines > 0 || in.shipping)))
		return bad_usage();
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	if ((rc = order_id_by_number(d, argv[optind], &id)) < 0) {
		ctl_err("%s", db_errmsg(d));
		return 1;
	}
	if (rc == 0 || (o = order_by_id(d, a, id)) == NULL) {
		ctl_err("no order is numbered %s", argv[optind]);
		return 1;
	}
	if (amount != NULL) {
		if (money_parse(amount, money_exponent(o->currency),
		    &money) != 0 ||
		    money <= 0) {
			ctl_err("--amount takes an amount of %s above zero, "
			    "such as 5.00: %s", o->currency, amount);
			return 2;
		}
		in.amount = money;
	}
	/* Lines by their place in the order, as "orders show" lists them. */
	if (in.nlines > 0) {
		if ((left = refund_left(d, a, o->id, &money, &nleft)) == NULL) {
			ctl_err("reading order %s: %s", o->number,
			    db_errmsg(d));
			return 1;
		}
		for (i = 0; i < in.nlines; i++) {
			if (lines[i].order_line_id > (long long)nleft) {
				ctl_err("order %s has %zu lines, not %lld",
				    o->number, nleft, lines[i].order_line_id);
				return 1;
			}
			lines[i].order_line_id =
			    left[lines[i].order_line_id - 1].order_line_id;
		}
	}
	in.order_id = o->id;
	in.actor = "shopctl";
	if ((s = settle_client(&c->cfg)) == NULL) {
		ctl_err("the gateway cannot be asked: STRIPE_SECRET_KEY and "
		    "STRIPE_API_BASE must be set and usable");
		return 1;
	}
	res = refund_issue(d, s, a, &in, &r);
	stripe_free(s);
	switch (res) {
	case REFUND_OK:
		ctl_say(c, "refund %lld of order %s: %s refunded (%s)\n", r->id,
		    o->number, money_format(a, r->amount, r->currency),
		    r->gateway_id);
		return 0;
	case REFUND_PENDING:
		ctl_err("refund %lld of order %s: %s asked; %s (%s)", r->id,
		    o->number, money_format(a, r->amount, r->currency),
		    refund_result_msgs[res], r->error);
		return 1;
	case REFUND_FAILED:
		ctl_err("refund %lld of order %s: %s (%s)", r->id, o->number,
		    refund_result_msgs[res], r->error);
		return 1;
	default:
		ctl_err("order %s: %s", o->number, refund_result_msgs[res]);
		return 1;
	}
}
