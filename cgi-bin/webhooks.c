/*
 * webhooks: POST /webhooks/stripe, the gateway telling the shop what
 * happened to a payment (DESIGN.md, "Payments", 3).
 *
 * The signature is checked before anything else (but the media type): a
 * request that fails it gets 400 and nothing is written. A signed event
 * goes to payment_receive_event() (lib/shop/payment.h), which stores it
 * once by its id in the same write transaction as its effect on the
 * order; the answer is 2xx only once that transaction has committed: a
 * duplicate changes nothing and is acknowledged; an event that could not
 * be applied (a database error, a lock timeout) gets 500 (503 when no
 * write could begin), and the gateway sends it again.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "ext/stripe_sig.h"
#include "web/http.h"
#include "web/route.h"
#include "shop/order.h"
#include "shop/payment.h"
#include "shop/settle.h"
#include "app/app.h"
#include "app/page.h"

static int	h_stripe(struct req *);

static const struct route routes[] = {
	{ HTTP_BIT(HTTP_POST), "^/webhooks/stripe$", h_stripe,
	  ROUTE_RAW | ROUTE_CROSS },
};

/*
 * Each thread's event reader: a Stripe client that never sends, kept for
 * its JSON connection. NULL when payments are not configured.
 */
static int
thread_init(struct shop *s)
{
	s->app_data = settle_client(s->cfg);
	return 0;
}

static void
thread_fini(struct shop *s)
{
	stripe_free(s->app_data);
	s->app_data = NULL;
}

/* The answer to the gateway: a small JSON object, whatever it asked. */
static int
answer(struct req *r, int status, const char *outcome)
{
	struct tval	*d = tval_map(r->arena);

	tval_set_bool(r->arena, d, "ok", status < 300);
	tval_set_str(r->arena, d, status < 300 ? "outcome" : "error", outcome);
	page_json(r, status, d);
	r->cache_control = "no-store";
	return 0;
}

static int
h_stripe(struct req *r)
{
	const struct config	*cfg = r->shop->cfg;
	struct stripe		*c = r->shop->app_data;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct stripe_event	 ev;
	struct stripe_error	 err;
	enum stripe_sig_result	 sig;
	enum order_outcome	 out;
	long long		 oid;

	r->want_json = true;
	if (cfg->stripe_webhook_secret == NULL || c == NULL) {
		log_error("webhooks: STRIPE_WEBHOOK_SECRET or STRIPE_SECRET_KEY "
		    "is not set; event refused");
		return answer(r, 503, "payments are not configured");
	}
	/*
	 * Stripe sends every event as application/json; anything else is
	 * not a delivery of one, whatever it is signed with.
	 */
	if (r->content_type == NULL ||
	    strcmp(r->content_type, "application/json") != 0) {
		log_warn("webhooks: refused: content type %s",
		    r->content_type ? r->content_type : "missing");
		return answer(r, 415, "events are sent as application/json");
	}
	sig = stripe_sig_verify(req_header(r, "Stripe-Signature"), r->body,
	    r->body_len, cfg->stripe_webhook_secret, clock_now());
	if (sig != STRIPE_SIG_OK) {
		log_warn("webhooks: refused: signature %s",
		    stripe_sig_results[sig]);
		return answer(r, 400, arena_printf(r->arena, "signature: %s",
		    stripe_sig_results[sig]));
	}
	if (stripe_event_parse(c, r->arena, r->body, r->body_len, &ev,
	    &err) != 0) {
		log_warn("webhooks: refused: %s", err.message);
		return answer(r, 400, "not a Stripe event");
	}
	switch (payment_receive_event(d, r->arena, &ev, r->body, &out, &oid)) {
	case RECEIPT_APPLIED:
		log_info("webhooks: %s %s: %s (order %lld)", ev.id,
		    ev.type_name, order_outcome_names[out], oid);
		return answer(r, 200, order_outcome_names[out]);
	case RECEIPT_DUPLICATE:
		return answer(r, 200, "duplicate");
	case RECEIPT_BUSY:
		return answer(r, 503, "busy; send it again");
	default:
		log_error("webhooks: %s %s: not applied; the gateway will send "
		    "it again", ev.id, ev.type_name);
		return answer(r, 500, "not applied; send it again");
	}
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		.name = "webhooks",
		.routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]),
		.dbs = DB_BIT(DB_PRIMARY),
		.thread_init = thread_init,
		.thread_fini = thread_fini,
	};

	return app_main(&app, argc, argv);
}
