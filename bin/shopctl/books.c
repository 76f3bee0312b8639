/*
 * shopctl export orders: the orders of a period for the accountant, one
 * row per order or per invoice and credit-note line, as CSV (RFC 4180)
 * or tab-separated text. The work is lib/shop/order_export.c's.
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "data/db.h"
#include "shop/order_export.h"
#include "shopctl.h"

static const char usage[] =
    "usage: shopctl export orders --from DATE --to DATE [--csv] [--lines]\n"
    "  the orders placed from the day --from to the day --to (YYYY-MM-DD,\n"
    "  UTC), one row each; with --lines, one row per line of the invoices\n"
    "  and credit notes issued in those days. Tab-separated, or CSV by\n"
    "  RFC 4180 with --csv; to standard output.\n";

/*
 * export orders --from DATE --to DATE [--csv] [--lines]: argv[0] is
 * "orders". 0, 1 on a database error, 2 on a usage error.
 */
int
ctl_export_orders(struct ctl *c, int argc, char **argv)
{
	struct order_export_query	 q;
	struct buf			 out = { 0 };
	struct db			*d;
	long long			 n;
	int				 i;

	memset(&q, 0, sizeof(q));
	q.format = CSVOUT_TSV;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			q.from = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			q.to = argv[++i];
		else if (strcmp(argv[i], "--csv") == 0)
			q.format = CSVOUT_CSV;
		else if (strcmp(argv[i], "--lines") == 0)
			q.lines = true;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		} else {
			ctl_err("export orders: unexpected argument \"%s\"",
			    argv[i]);
			fputs(usage, stderr);
			return 2;
		}
	}
	if (q.from == NULL || q.to == NULL) {
		ctl_err("export orders: --from and --to are needed");
		fputs(usage, stderr);
		return 2;
	}
	if (!order_export_date_ok(q.from) || !order_export_date_ok(q.to)) {
		ctl_err("export orders: dates are YYYY-MM-DD, days that exist: "
		    "%s, %s", q.from, q.to);
		return 2;
	}
	if (strcmp(q.from, q.to) > 0) {
		ctl_err("export orders: --from %s is after --to %s", q.from,
		    q.to);
		return 2;
	}
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	if ((n = order_export(d, c->arena, &q, &out)) < 0) {
		ctl_err("export orders: %s", db_errmsg(d));
		buf_free(&out);
		return 1;
	}
	fwrite(buf_str(&out), 1, out.len, stdout);
	buf_free(&out);
	if (!c->quiet)
		fprintf(stderr, "export: %lld %s\n", n, q.lines ?
		    "document lines" : "orders");
	return 0;
}
