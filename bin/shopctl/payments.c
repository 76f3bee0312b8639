/*
 * shopctl reconcile and shopctl audit: the operator's view of the
 * payments and refunds (DESIGN.md, "Payments", 5 and 7).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "shop/audit.h"
#include "shop/refund.h"
#include "shop/settle.h"
#include "shopctl.h"

#define DEFAULT_HOURS	48

/* --hours N: 1..8760, strictly decimal. */
static int
hours_arg(const char *s, long long *h)
{
	long long	v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < 1 || v > 8760)
		return -1;
	*h = v;
	return 0;
}

static struct stripe *
gateway(struct ctl *c)
{
	struct stripe	*s = settle_client(&c->cfg);

	if (s == NULL)
		ctl_err("the gateway cannot be asked: STRIPE_SECRET_KEY and "
		    "STRIPE_API_BASE must be set and usable");
	return s;
}

/* Parse [--hours N] plus one optional flag; 0, or 2 after usage. */
static int
options(int argc, char **argv, const char *flag, const char *usage,
    long long *hours, int *flagged)
{
	const struct option	 opts[] = {
		{ "hours", required_argument, NULL, 'H' },
		{ flag, no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int			 ch;

	*hours = DEFAULT_HOURS;
	*flagged = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			if (hours_arg(optarg, hours) != 0) {
				ctl_err("--hours takes a number of hours, 1 to "
				    "8760: %s", optarg);
				return 2;
			}
			break;
		case 'f':
			*flagged = 1;
			break;
		case 'h':
			printf("%s", usage);
			return -1;
		default:
			fprintf(stderr, "%s", usage);
			return 2;
		}
	}
	if (optind < argc) {
		ctl_err("unexpected argument \"%s\"", argv[optind]);
		fprintf(stderr, "%s", usage);
		return 2;
	}
	return 0;
}

int
ctl_reconcile(struct ctl *c, int argc, char **argv)
{
	static const char	 usage[] =
	    "usage: shopctl reconcile [--hours N] [--no-release]\n"
	    "  repair orders from the gateway's sessions of the last N hours\n"
	    "  (default 48), then release the stock of orders not paid in\n"
	    "  time, unless --no-release; complete the refunds that were\n"
	    "  asked of the gateway without a known answer\n";
	struct settle_report	 r = { 0 };
	struct refund_report	 rr = { 0 };
	struct buf		 out = { 0 };
	struct stripe		*s;
	struct db		*d;
	long long		 hours;
	int			 rc, no_release;

	if ((rc = options(argc, argv, "no-release", usage, &hours,
	    &no_release)) != 0)
		return rc < 0 ? 0 : rc;
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL || (s = gateway(c)) == NULL)
		return 1;
	ctl_say(c, "reconcile: sessions of the last %lld hours at %s\n", hours,
	    c->cfg.stripe_api_base);
	rc = settle_reconcile(d, s, c->arena, clock_now() -
	    hours * 3600, &r, &out);
	if (rc == 0 && !no_release)
		rc = settle_expire_holds(d, s, c->arena, clock_now(),
		    &r, &out);
	if (refund_retry_pending(d, s, c->arena, clock_now() -
	    REFUND_RETRY_AFTER, &rr, &out) != 0)
		rr.errors++;
	stripe_free(s);
	if (out.len > 0)
		ctl_say(c, "%s", buf_str(&out));
	buf_free(&out);
	printf("sessions: %lld\npaid at the gateway: %lld\nmarked paid: %lld\n"
	    "recovered orders: %lld\ncancelled (expired): %lld\n"
	    "expired at the gateway: %lld\nreleased without a session: %lld\n"
	    "sessions attached: %lld\nunresolved events: %lld\n"
	    "refunds completed: %lld\nrefunds failed: %lld\n"
	    "refunds still waiting: %lld\nerrors: %lld\n",
	    r.sessions, r.paid, r.repaired, r.recovered, r.voided,
	    r.expired_now, r.released, r.attached, r.unresolved,
	    rr.succeeded, rr.failed, rr.waiting, r.errors + rr.errors);
	if (rc != 0) {
		ctl_err("reconcile: the gateway could not be listed; nothing "
		    "was repaired from it");
		return 1;
	}
	return r.errors + rr.errors > 0 ? 1 : 0;
}

int
ctl_audit(struct ctl *c, int argc, char **argv)
{
	static const char	 usage[] =
	    "usage: shopctl audit [--hours N] [--local]\n"
	    "  prove the books: every id handed out accounted for, every paid\n"
	    "  session of the last N hours (default 48) at the gateway paid\n"
	    "  here exactly once, every order of those hours paid here paid\n"
	    "  there for the same amount, every refund of those hours that\n"
	    "  succeeded here one refund of its amount there, no order\n"
	    "  refunded past what was paid or in a state its refunds disagree\n"
	    "  with, no negative stock, totals the sum of their lines, the\n"
	    "  invoice and credit-note sequences without a gap, each document\n"
	    "  its order's or refund's; --local\n"
	    "  skips the gateway. Then what audit_log recorded in those hours.\n"
	    "  Exit 1 on any finding.\n";
	struct audit_report	 r;
	struct stripe_error	 err;
	struct payment_fact	*paid = NULL;
	struct gateway_refund	*refunds = NULL;
	struct buf		 out = { 0 }, log = { 0 };
	struct stripe		*s = NULL;
	struct db		*d;
	long long		 hours, since, recorded = 0;
	size_t			 n = 0, nrefunds = 0;
	int			 rc, local, t;

	if ((rc = options(argc, argv, "local", usage, &hours, &local)) != 0)
		return rc < 0 ? 0 : rc;
	since = clock_now() - hours * 3600;
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	if (!local) {
		if ((s = gateway(c)) == NULL)
			return 1;
		paid = settle_paid_sessions(s, c->arena, since, &n, &err);
		if (paid != NULL)
			refunds = refund_gateway_list(s, c->arena, since,
			    &nrefunds, &err);
		stripe_free(s);
		if (paid == NULL || refunds == NULL) {
			ctl_err("audit: the gateway's %s could not be listed: "
			    "%s", paid == NULL ? "sessions" : "refunds",
			    err.message);
			return 1;
		}
	}
	if (audit_books(d, c->arena, &r, &out) != 0 ||
	    (!local && (audit_sessions(d, c->arena, paid, n, &r, &out) != 0 ||
	    audit_refunds(d, c->arena, refunds, nrefunds, since, &r,
	    &out) != 0 || audit_paid_here(d, c->arena, paid, n, since, &r,
	    &out) != 0)) ||
	    (recorded = audit_recorded(d, c->arena, since, &log)) < 0) {
		ctl_err("audit: %s", db_errmsg(d));
		buf_free(&out);
		buf_free(&log);
		return 1;
	}
	printf("audit of %s\n", db_path(d));
	for (t = 0; t < AUDIT_TABLE__MAX; t++)
		printf("%s handed out: %lld\n%s missing: %lld\n",
		    audit_table_names[t], r.handed_out[t],
		    audit_table_names[t], r.missing[t]);
	printf("paid orders: %lld\n", r.orders_paid);
	if (!local)
		printf("paid sessions at the gateway: %lld\n"
		    "lost paid orders: %lld\ndouble charges: %lld\n"
		    "refunds checked at the gateway: %lld\n"
		    "refunds not matching the gateway: %lld\n"
		    "gateway refunds not recorded here: %lld\n"
		    "paid here, not at the gateway: %lld\n"
		    "paid here, another amount there: %lld\n",
		    r.sessions_paid, r.sessions_lost, r.double_charges,
		    r.refunds_checked, r.refunds_unmatched, r.refunds_lost,
		    r.paid_unbacked, r.amount_differs);
	printf("negative stock: %lld\ntotals not matching lines: %lld\n"
	    "paid without a payment: %lld\npayments on unpaid orders: %lld\n"
	    "payments not matching totals: %lld\n"
	    "refunds past the amount paid: %lld\n"
	    "refunds past the order's refunded total: %lld\n"
	    "refund states not matching totals: %lld\n"
	    "refunds waiting for the gateway: %lld\n"
	    "events matching no order: %lld\n"
	    "invoices issued: %lld\ncredit notes issued: %lld\n"
	    "invoice and credit note numbers missing: %lld\n"
	    "invoices and credit notes not matching: %lld\n"
	    "paid or refunded without a document: %lld\nfindings: %lld\n",
	    r.negative_stock, r.bad_totals, r.paid_without_payment,
	    r.payment_not_paid, r.payment_amount, r.refunds_over_paid,
	    r.refunds_unrecorded, r.refund_states, r.refunds_waiting,
	    r.unknown_events, r.invoices, r.credit_notes, r.document_gaps,
	    r.document_mismatches, r.documents_missing, r.findings);
	printf("recorded in audit_log: %lld\n", recorded);
	if (out.len > 0)
		printf("\n%s", buf_str(&out));
	if (log.len > 0)
		printf("\nrecorded in audit_log:\n%s", buf_str(&log));
	buf_free(&out);
	buf_free(&log);
	return r.findings > 0 ? 1 : 0;
}
