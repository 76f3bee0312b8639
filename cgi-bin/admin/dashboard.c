/*
 * GET /admin: the dashboard. Today's and the last 30 days' paid orders
 * and revenue, orders waiting to be shipped, variants low on stock,
 * failed jobs and recent audit findings; new orders appear live on the
 * "admin" channel (static/live.js).
 */
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/http.h"
#include "side/queue.h"
#include "shop/order.h"
#include "shop/report.h"
#include "admin.h"

#define LOW_STOCK_THRESHOLD	5	/* units: "low" on the dashboard */
#define LOW_STOCK_ROWS		10
#define DAY			86400LL
#define NEWEST_ORDERS		5

/* One window's sales: a list of {currency, orders, revenue}. */
static int
sales(struct req *r, struct tval *data, const char *key, long long since)
{
	struct arena		*a = r->arena;
	struct report_sales	 s[REPORT_MAX_CURRENCIES];
	struct tval		*w, *l, *m;
	long long		 orders = 0;
	int			 n, i;

	if ((n = report_sales(req_db(r, DB_PRIMARY), since, s)) < 0)
		return -1;
	w = tval_set_map(a, data, key);
	l = tval_set_list(a, w, "revenue");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "currency", s[i].currency);
		tval_set_int(a, m, "amount", s[i].revenue);
		tval_set_str(a, m, "formatted", money_format(a, s[i].revenue,
		    s[i].currency));
		orders += s[i].orders;
	}
	tval_set_int(a, w, "orders", orders);
	tval_set(a, w, "orders_label", tval_strf(a, "%lld order%s", orders,
	    orders == 1 ? "" : "s"));
	tval_set_bool(a, w, "none", n == 0);
	return 0;
}

int
h_dashboard(struct req *r)
{
	struct arena			*a = r->arena;
	struct db			*d = req_db(r, DB_PRIMARY);
	struct tval			*data = tval_map(a), *l, *m;
	struct report_low_stock		*low;
	struct order			*o;
	long long			 now = clock_now(), today, n;
	size_t				 nlow, i;

	today = now - now % DAY;
	if (sales(r, data, "today", today) != 0 ||
	    sales(r, data, "month", today - 29 * DAY) != 0)
		return 503;
	if ((n = report_to_ship(d)) < 0)
		return 503;
	tval_set_int(a, data, "to_ship", n);
	tval_set(a, data, "to_ship_label", tval_strf(a, "%lld paid order%s",
	    n, n == 1 ? "" : "s"));
	low = report_low_stock(d, a, LOW_STOCK_THRESHOLD, LOW_STOCK_ROWS,
	    &nlow);
	if (low == NULL)
		return 503;
	tval_set_int(a, data, "low_stock_threshold", LOW_STOCK_THRESHOLD);
	l = tval_set_list(a, data, "low_stock");
	for (i = 0; i < nlow; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "variant_id", low[i].variant_id);
		tval_set_int(a, m, "product_id", low[i].product_id);
		tval_set_str(a, m, "product_name", low[i].product_name);
		tval_set_str(a, m, "title", low[i].title);
		tval_set_str(a, m, "sku", low[i].sku);
		tval_set_int(a, m, "stock", low[i].stock);
		tval_set_bool(a, m, "sold_out", low[i].stock == 0);
	}
	tval_set_bool(a, data, "has_low_stock", nlow > 0);
	if ((o = orders_search(d, a, ORDER_STATE__MAX, NULL, 0, NEWEST_ORDERS,
	    &nlow)) == NULL)
		return 503;
	l = tval_set_list(a, data, "newest_orders");
	for (i = 0; i < nlow; i++) {
		m = tval_push_map(a, l);
		tval_set_str(a, m, "number", o[i].number);
		tval_set_str(a, m, "state_label", order_state_labels[o[i].state]);
		tval_set_str(a, m, "total", money_format(a, o[i].total,
		    o[i].currency));
		tval_set_str(a, m, "created_at", o[i].created_at);
	}
	tval_set_bool(a, data, "has_orders", nlow > 0);
	tval_set_int(a, data, "failed_jobs", queue_count(req_db(r, DB_QUEUE),
	    "failed"));
	tval_set_int(a, data, "findings", report_findings(d, today -
	    29 * DAY));
	return admin_render(r, 200, "admin/dashboard", data, "Dashboard",
	    SECTION_DASHBOARD);
}
