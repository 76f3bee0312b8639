/*
 * Settling orders with the gateway.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "side/cache.h"
#include "shop/invoice.h"
#include "shop/order.h"
#include "shop/payment.h"
#include "shop/settle.h"

const char *const settle_result_names[SETTLE__MAX] = {
	"ok",
	"paid",
	"processing",
	"not_payable",
	"gateway",
	"busy",
	"error",
};

/* An open session this close to its end is not handed out again. */
#define SESSION_MARGIN	60

struct stripe *
settle_client(const struct config *cfg)
{
	struct stripe	*c;
	char		 err[256];

	if (cfg->stripe_secret_key == NULL) {
		log_warn("STRIPE_SECRET_KEY is not set: no payment can be made "
		    "or checked");
		return NULL;
	}
	if ((c = stripe_new(cfg->stripe_api_base, cfg->stripe_secret_key, err,
	    sizeof(err))) == NULL)
		log_error("payments: %s", err);
	return c;
}

static bool
is_paid(const struct stripe_session *s)
{
	return s->status == STRIPE_SESSION_COMPLETE &&
	    s->payment_status == STRIPE_PAYMENT_PAID;
}

static bool
is_processing(const struct stripe_session *s)
{
	return s->status == STRIPE_SESSION_COMPLETE &&
	    s->payment_status == STRIPE_PAYMENT_UNPAID;
}

/* A paid session, applied by payment_settle() in a write of its own. */
static enum order_outcome
apply_paid(struct db *d, struct arena *a, const struct stripe_session *s,
    enum order_source src, const char *ref, long long *oid)
{
	struct payment_fact	f;

	payment_session_fact(s, src, ref, &f);
	return payment_settle(d, a, &f, oid);
}

/* Apply an expired or failed session, or money on its way (own write). */
static enum order_outcome
apply_other(struct db *d, struct arena *a, const struct stripe_session *s,
    enum order_source src, const char *cause, long long *oid)
{
	struct payment_fact	f;
	enum order_outcome	out;

	payment_session_fact(s, src, cause, &f);
	if (db_begin(d) != 0)
		return OUTCOME_ERROR;
	if (is_processing(s))
		out = payment_apply_processing(d, a, &f, oid);
	else
		out = payment_apply_void(d, a, &f, cause, oid);
	if (out == OUTCOME_ERROR || db_commit(d) != 0) {
		db_rollback(d);
		return OUTCOME_ERROR;
	}
	return out;
}

/*
 * The items of o's session: its lines, then shipping, then tax when it
 * is added to the prices; they sum to o->total. The gateway takes no
 * negative amount, so a discount is not an item of its own: each line
 * is charged what is left of it after its share (order_line.discount),
 * as quantity x a unit amount when that divides evenly, else as one item
 * "3 x name" of the whole line, named with the code either way.
 */
static struct stripe_item *
session_items(struct arena *a, const struct order *o, size_t *n)
{
	struct stripe_item	*it;
	size_t			 i, k = 0;
	long long		 left;

	it = arena_calloc(a, o->nlines + 2, sizeof(*it));
	for (i = 0; i < o->nlines; i++) {
		const struct order_line *l = &o->lines[i];

		it[k].name = *l->variant_title == '\0' ? l->product_name :
		    arena_printf(a, "%s (%s)", l->product_name,
		    l->variant_title);
		it[k].unit_amount = l->unit_price;
		it[k].quantity = l->quantity;
		if (l->discount > 0) {
			left = l->line_total - l->discount;
			if (left % l->quantity == 0)
				it[k].unit_amount = left / l->quantity;
			else {
				it[k].name = arena_printf(a, "%lld x %s",
				    l->quantity, it[k].name);
				it[k].unit_amount = left;
				it[k].quantity = 1;
			}
			it[k].name = arena_printf(a, "%s, with code %s",
			    it[k].name, o->discount_code);
		}
		k++;
	}
	if (o->shipping > 0) {
		it[k].name = arena_printf(a, "Shipping: %s", o->shipping_name);
		it[k].unit_amount = o->shipping;
		it[k].quantity = 1;
		k++;
	}
	if (!o->tax_inclusive && o->tax > 0) {
		it[k].name = arena_printf(a, "%s %s", o->tax_name,
		    tax_rate_text(a, o->tax_rate_bp));
		it[k].unit_amount = o->tax;
		it[k].quantity = 1;
		k++;
	}
	*n = k;
	return it;
}

/* Lower-case copy of an ISO 4217 code, as Stripe wants it. */
static char *
lower(struct arena *a, const char *s)
{
	char	*p = arena_strdup(a, s), *q;

	for (q = p; *q != '\0'; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

/*
 * The Idempotency-Key of an order's request to the gateway: what it is
 * ("session", "expire") and the attempt, "order-<id>-<what>-<attempt>",
 * or with the order's token after its id when qualified. Either is
 * derived from the order alone, so a retry finds what an earlier try
 * made.
 */
static const char *
idem_key(struct arena *a, const struct order *o, const char *what,
    int attempt, bool qualified)
{
	return qualified ? arena_printf(a, "order-%lld-%s-%s-%d", o->id,
	    o->token, what, attempt) : arena_printf(a, "order-%lld-%s-%d",
	    o->id, what, attempt);
}

/*
 * An order's id is handed out again when the database loses orders (a
 * restore from a backup) while the gateway keeps the keys their sessions
 * used. A key the gateway has seen with other parameters may belong to
 * such a lost order; the request is then made with the qualified key,
 * which no other order can have. Without this, the order taking the id
 * again could not be paid, nor its hold released, until its attempt
 * changed, and a lost order with as many attempts would block even that.
 */
static int
session_create(struct stripe *c, struct arena *a, const struct order *o,
    int attempt, const struct stripe_session_new *n,
    struct stripe_session *s, struct stripe_error *err)
{
	if (stripe_session_create(c, a, n, idem_key(a, o, "session", attempt,
	    false), s, err) == 0)
		return 0;
	if (err->kind != STRIPE_ERR_IDEMPOTENCY)
		return -1;
	return stripe_session_create(c, a, n, idem_key(a, o, "session",
	    attempt, true), s, err);
}

/* Expire session id of o at the gateway; keys as for session_create(). */
static int
session_expire(struct stripe *c, struct arena *a, const struct order *o,
    int attempt, const char *id, struct stripe_session *s,
    struct stripe_error *err)
{
	if (stripe_session_expire(c, a, id, idem_key(a, o, "expire", attempt,
	    false), s, err) == 0)
		return 0;
	if (err->kind != STRIPE_ERR_IDEMPOTENCY)
		return -1;
	return stripe_session_expire(c, a, id, idem_key(a, o, "expire",
	    attempt, true), s, err);
}

/* Where an existing session leaves the order. */
static enum settle_result
from_session(struct db *d, struct arena *a, const struct stripe_session *s,
    enum order_source src)
{
	long long		oid;
	enum order_outcome	out;

	if (is_paid(s)) {
		out = apply_paid(d, a, s, src, s->id, &oid);
		return out == OUTCOME_ERROR ? SETTLE_ERROR : SETTLE_PAID;
	}
	if (is_processing(s)) {
		out = apply_other(d, a, s, src, "payment processing", &oid);
		return out == OUTCOME_ERROR ? SETTLE_ERROR : SETTLE_PROCESSING;
	}
	return SETTLE_OK;
}

/* Why no attempt could begin, from the state the order is in. */
static enum settle_result
refused(enum order_state state)
{
	if (state == ORDER_STATE__MAX)
		return SETTLE_ERROR;
	return state == ORDER_PAID || state == ORDER_FULFILLED ?
	    SETTLE_PAID : SETTLE_NOT_PAYABLE;
}

/*
 * One pass of settle_start() for o as it was read. *again is set when
 * another request recorded a session for o meanwhile: o is stale, and
 * the caller reads it again rather than open a second payable session.
 */
static enum settle_result
start_once(struct db *d, struct stripe *c, struct arena *a,
    const struct config *cfg, const struct order *o, const char **url,
    struct stripe_error *err, bool *again)
{
	struct stripe_session	 s;
	struct stripe_session_new n;
	struct stripe_kv	 meta[3];
	enum settle_result	 r;
	enum order_state	 state;
	long long		 now = clock_now(), expires_at;
	const char		*seen = o->session_id;
	int			 attempt, round;
	bool			 skipped = false;

	*again = false;
	if (o->state == ORDER_PAID || o->state == ORDER_FULFILLED)
		return SETTLE_PAID;
	if (o->state != ORDER_PENDING)
		return SETTLE_NOT_PAYABLE;

	/* An order has one payable session at a time. */
	if (*o->session_id != '\0') {
		if (stripe_session_get(c, a, o->session_id, &s, err) != 0)
			return SETTLE_GATEWAY;
		if ((r = from_session(d, a, &s, SOURCE_CHECKOUT)) != SETTLE_OK)
			return r;
		if (s.status == STRIPE_SESSION_OPEN && s.url != NULL &&
		    s.expires_at > now + SESSION_MARGIN) {
			*url = s.url;
			return SETTLE_OK;
		}
		if (s.status == STRIPE_SESSION_OPEN) {
			if (session_expire(c, a, o, o->payment_attempt, s.id,
			    &s, err) != 0)
				return SETTLE_GATEWAY;
			if ((r = from_session(d, a, &s, SOURCE_CHECKOUT)) !=
			    SETTLE_OK)
				return r;
		}
	}

	for (round = 0; round < 2; round++) {
		attempt = order_begin_attempt(d, o->id, seen,
		    cfg->payment_window, &expires_at, &state);
		if (attempt == ORDER_ATTEMPT_CHANGED) {
			*again = true;
			return SETTLE_BUSY;
		}
		if (attempt < 0)
			return refused(state);
		memset(&n, 0, sizeof(n));
		n.currency = lower(a, o->currency);
		n.items = session_items(a, o, &n.nitems);
		n.client_reference_id = arena_printf(a, "%lld", o->id);
		meta[0] = (struct stripe_kv){ "order_id", n.client_reference_id };
		meta[1] = (struct stripe_kv){ "order_token", o->token };
		meta[2] = (struct stripe_kv){ "order_number", o->number };
		n.metadata = meta;
		n.nmetadata = 3;
		n.success_url = arena_printf(a, "%s/checkout/success?"
		    "session_id={CHECKOUT_SESSION_ID}", cfg->base_url);
		n.cancel_url = arena_printf(a, "%s/orders/%s?cancelled=1",
		    cfg->base_url, o->token);
		n.expires_at = expires_at;
		n.customer_email = o->email;
		if (stripe_session_create(c, a, &n, arena_printf(a,
		    "order-%lld-session-%d", o->id, attempt), &s, err) != 0) {
			if (err->kind != STRIPE_ERR_IDEMPOTENCY || skipped)
				return SETTLE_GATEWAY;
			/*
			 * The key was first used with other parameters: the
			 * other generation of a deploy made this attempt with
			 * another base URL or other items and lost its answer,
			 * or an order lost from this database had this id.
			 * Retrying the key would fail until the hold ends, so
			 * the order moves to its next attempt, asked for with
			 * the qualified key should the plain one be taken too.
			 */
			log_warn("settle: order %s: attempt %d was made with "
			    "other parameters (%s); beginning the next",
			    o->number, attempt, err->message);
			attempt = order_skip_attempt(d, o->id, attempt,
			    cfg->payment_window, &expires_at, &state);
			if (attempt == ORDER_ATTEMPT_CHANGED) {
				*again = true;
				return SETTLE_BUSY;
			}
			if (attempt < 0)
				return refused(state);
			skipped = true;
			n.expires_at = expires_at;
			if (session_create(c, a, o, attempt, &n, &s, err) != 0)
				return SETTLE_GATEWAY;
		}
		if (order_set_session(d, o->id, attempt, s.id,
		    s.url ? s.url : "", s.expires_at) != 0) {
			/* A newer attempt began meanwhile: ours must not stay
			 * payable beside it. */
			(void)session_expire(c, a, o, attempt, s.id, &s, err);
			return SETTLE_BUSY;
		}
		if ((r = from_session(d, a, &s, SOURCE_CHECKOUT)) != SETTLE_OK)
			return r;
		if (s.status == STRIPE_SESSION_OPEN && s.url != NULL) {
			*url = s.url;
			return SETTLE_OK;
		}
		/* A replayed answer for a session that has since expired:
		 * begin the next attempt. */
		seen = s.id;
	}
	snprintf(err->message, sizeof(err->message), "the gateway answered "
	    "with a session that cannot be paid");
	return SETTLE_GATEWAY;
}

/* How often the order is read again when other requests keep moving it. */
#define START_PASSES	3

enum settle_result
settle_start(struct db *d, struct stripe *c, struct arena *a,
    const struct config *cfg, const struct order *o, const char **url,
    struct stripe_error *errp)
{
	struct stripe_error	 elocal, *err = errp ? errp : &elocal;
	enum settle_result	 r = SETTLE_BUSY;
	bool			 again;
	int			 pass;

	*url = NULL;
	for (pass = 0; pass < START_PASSES; pass++) {
		if (pass > 0 && (o = order_by_id(d, a, o->id)) == NULL)
			return SETTLE_ERROR;
		r = start_once(d, c, a, cfg, o, url, err, &again);
		if (!again)
			return r;
	}
	return r;
}

enum settle_result
settle_session(struct db *d, struct stripe *c, struct arena *a,
    const char *sid, struct order **order, struct stripe_error *err)
{
	struct stripe_session	s;
	struct payment_fact	f;
	enum settle_result	r;

	if (order != NULL)
		*order = NULL;
	if (stripe_session_get(c, a, sid, &s, err) != 0)
		return err->kind == STRIPE_ERR_NOT_FOUND ? SETTLE_NOT_PAYABLE :
		    SETTLE_GATEWAY;
	r = from_session(d, a, &s, SOURCE_SUCCESS_PAGE);
	payment_session_fact(&s, SOURCE_SUCCESS_PAGE, NULL, &f);
	if (order != NULL)
		*order = payment_find_order(d, a, &f);
	if (r == SETTLE_OK && s.status == STRIPE_SESSION_EXPIRED)
		r = SETTLE_NOT_PAYABLE;
	return r;
}

/*
 * Whether who may ask the gateway about o now: within the calls a window
 * allows its session (each request that would ask counts), and holding
 * o's claim, which it returns (db_claim(): the caller gives it back); -1
 * when it may not. The counter fails open, as log-in throttling does; the
 * claim fails closed.
 */
static int
success_claim(struct db *d, struct db *cache, struct arena *a,
    const struct settle_asker *who, const struct order *o)
{
	if (counter_hit(cache, arena_printf(a, "settle:session:%lld",
	    who->session_row), SETTLE_SUCCESS_WINDOW, NULL) >
	    SETTLE_SUCCESS_PER_SESSION)
		return -1;
	return db_claim(d, o->id);
}

enum settle_result
settle_success(struct db *d, struct db *cache, struct stripe *c,
    struct arena *a, const struct settle_asker *who, const char *sid,
    struct order **order, struct stripe_error *err)
{
	struct stripe_opts	 saved, quick;
	struct order		*o, *settled;
	enum settle_result	 r;
	const char		*asked;
	char			*val;
	size_t			 len;
	int			 claim;

	*order = NULL;
	if ((o = order_by_session(d, a, sid)) == NULL ||
	    !order_is_theirs(o, who->session_row, who->user_id))
		return SETTLE_NOT_PAYABLE;
	*order = o;
	if (o->state != ORDER_PENDING)
		return SETTLE_OK;
	if ((claim = success_claim(d, cache, a, who, o)) < 0)
		return SETTLE_BUSY;
	/*
	 * Asked a moment ago (by a request that held the claim while this
	 * one waited for it, or for a process): its answer stands.
	 */
	asked = arena_printf(a, "settle:asked:%lld", o->id);
	if (cache_get(cache, a, asked, &val, &len)) {
		db_unclaim(claim);
		return SETTLE_BUSY;
	}
	stripe_get_opts(c, &saved);
	memset(&quick, 0, sizeof(quick));
	quick.connect_ms = saved.connect_ms;
	quick.attempt_ms = saved.attempt_ms < SETTLE_SUCCESS_DEADLINE_MS ?
	    saved.attempt_ms : SETTLE_SUCCESS_DEADLINE_MS;
	quick.deadline_ms = SETTLE_SUCCESS_DEADLINE_MS;
	quick.max_attempts = saved.max_attempts;
	quick.backoff_ms = saved.backoff_ms;
	stripe_set_opts(c, &quick);
	r = settle_session(d, c, a, sid, NULL, err);
	stripe_set_opts(c, &saved);
	(void)cache_set(cache, asked, "1", 1, SETTLE_SUCCESS_GAP, 0);
	db_unclaim(claim);
	/* What the page shows is what this database now says. */
	if ((settled = order_by_id(d, a, o->id)) == NULL)
		return SETTLE_ERROR;
	*order = settled;
	return r;
}

/* A paid session whose order is missing: rebuild it, then apply. */
static int
recover(struct db *d, struct stripe *c, struct arena *a,
    const struct stripe_session *s, struct settle_report *rep,
    struct buf *out)
{
	struct stripe_line_items items;
	struct stripe_error	 err;
	struct recovered_line	*lines;
	struct payment_fact	 f;
	struct order		*o;
	long long		 oid, meta;
	size_t			 i;
	char			 cur[4];

	if (stripe_session_line_items(c, a, s->id, &items, &err) != 0) {
		rep->errors++;
		log_error("reconcile: line items of %s: %s", s->id,
		    err.message);
		return -1;
	}
	lines = arena_calloc(a, items.n ? items.n : 1, sizeof(*lines));
	for (i = 0; i < items.n; i++) {
		lines[i].description = items.v[i].description ?
		    items.v[i].description : "Item";
		lines[i].unit_amount = items.v[i].unit_amount;
		lines[i].quantity = items.v[i].quantity;
	}
	snprintf(cur, sizeof(cur), "%s", s->currency ? s->currency : "");
	for (i = 0; cur[i] != '\0'; i++)
		if (cur[i] >= 'a' && cur[i] <= 'z')
			cur[i] = (char)(cur[i] - 'a' + 'A');
	payment_session_fact(s, SOURCE_RECONCILE, "reconcile", &f);
	meta = f.order_id;
	if (db_begin(d) != 0)
		return -1;
	/* Re-check under the lock: a late webhook may have won. */
	if ((o = payment_find_order(d, a, &f)) == NULL) {
		o = order_recover(d, a, f.order_id, f.order_token,
		    s->customer_email, cur, s->amount_total, lines, items.n);
		if (o == NULL)
			goto fail;
		f.order_id = o->id;
		f.order_token = o->token;
		audit_add(d, "recovered", o->id, "reconcile", arena_printf(a,
		    "order %s rebuilt from paid session %s (metadata order "
		    "%lld): it had never reached this database", o->number,
		    s->id, meta));
		rep->recovered++;
		if (out != NULL)
			buf_printf(out, "recovered order %s from session %s\n",
			    o->number, s->id);
	}
	if (payment_apply_paid(d, a, &f, &oid) == OUTCOME_ERROR)
		goto fail;
	return db_commit(d) == 0 ? 0 : -1;
fail:
	db_rollback(d);
	rep->errors++;
	return -1;
}

/* One session of the gateway's list, compared with the order here. */
static void
reconcile_one(struct db *d, struct stripe *c, struct arena *a,
    const struct stripe_session *s, struct settle_report *rep,
    struct buf *out)
{
	struct payment_fact	 f;
	struct order		*o;
	enum order_outcome	 res;
	long long		 oid;

	rep->sessions++;
	payment_session_fact(s, SOURCE_RECONCILE, "reconcile", &f);
	o = payment_find_order(d, a, &f);
	if (is_paid(s)) {
		rep->paid++;
		if (o == NULL) {
			(void)recover(d, c, a, s, rep, out);
			return;
		}
		res = apply_paid(d, a, s, SOURCE_RECONCILE, "reconcile", &oid);
		if (res == OUTCOME_ERROR)
			rep->errors++;
		else if (res == OUTCOME_APPLIED) {
			rep->repaired++;
			if (out != NULL)
				buf_printf(out, "marked order %s paid (session "
				    "%s)\n", o->number, s->id);
		}
		return;
	}
	if (o == NULL)
		return;
	if (is_processing(s) || s->status == STRIPE_SESSION_EXPIRED) {
		res = apply_other(d, a, s, SOURCE_RECONCILE,
		    is_processing(s) ? "payment processing" :
		    "session expired", &oid);
		if (res == OUTCOME_ERROR)
			rep->errors++;
		else if (res == OUTCOME_APPLIED && is_processing(s))
			rep->processing++;
		else if (res == OUTCOME_APPLIED) {
			rep->voided++;
			if (out != NULL)
				buf_printf(out, "cancelled order %s: its session "
				    "%s expired; stock released\n", o->number,
				    s->id);
		}
		return;
	}
	/* Open, and the order never heard its id: attach it. */
	if (s->status == STRIPE_SESSION_OPEN && *o->session_id == '\0' &&
	    o->state == ORDER_PENDING &&
	    order_set_session(d, o->id, o->payment_attempt, s->id,
	    s->url ? s->url : "", s->expires_at) == 0) {
		rep->attached++;
		if (out != NULL)
			buf_printf(out, "attached open session %s to order %s\n",
			    s->id, o->number);
	}
}

int
settle_reconcile(struct db *d, struct stripe *c, struct arena *a,
    long long since, struct settle_report *rep, struct buf *out)
{
	struct stripe_session_query	 q;
	struct stripe_session_list	 l;
	struct stripe_error		 err;
	size_t				 i;

	memset(&q, 0, sizeof(q));
	q.created_gte = since;
	q.limit = STRIPE_LIST_MAX;
	do {
		if (stripe_session_list(c, a, &q, &l, &err) != 0) {
			log_error("reconcile: listing sessions: %s", err.message);
			rep->errors++;
			return -1;
		}
		for (i = 0; i < l.n; i++)
			reconcile_one(d, c, a, &l.v[i], rep, out);
		if (l.n > 0)
			q.starting_after = l.v[l.n - 1].id;
	} while (l.has_more && l.n > 0);
	if (payment_events_resolve(d, &rep->unresolved) < 0)
		rep->errors++;
	/* Orders a program older than invoices paid get theirs now. */
	if (invoice_issue_missing(d, a) < 0)
		rep->errors++;
	return 0;
}

/* Cancel a pending order and give its stock back (own write). */
static int
release(struct db *d, struct arena *a, const struct order *o,
    const char *cause)
{
	if (db_begin(d) != 0)
		return -1;
	if (order_release_stock(d, o->id) != 0 ||
	    order_move(d, o, ORDER_CANCELLED, SOURCE_EXPIRY, cause, NULL) != 0 ||
	    db_commit(d) != 0) {
		db_rollback(d);
		return -1;
	}
	(void)a;
	return 0;
}

int
settle_expire_holds(struct db *d, struct stripe *c, struct arena *a,
    long long now, struct settle_report *rep, struct buf *out)
{
	struct stripe_session	 s;
	struct stripe_error	 err;
	struct order		*o;
	long long		*ids, oid;
	size_t			 n, i;
	enum order_outcome	 res;

	if ((ids = orders_overdue(d, a, now, 500, &n)) == NULL && n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if ((o = order_by_id(d, a, ids[i])) == NULL ||
		    o->state != ORDER_PENDING)
			continue;
		if (*o->session_id == '\0') {
			/*
			 * No session was recorded. One made with a lost
			 * answer expired with the hold (its expires_at is
			 * the hold's end), so nothing can pay it any more.
			 */
			if (release(d, a, o, "unpaid: the time to pay ended") != 0) {
				rep->errors++;
				continue;
			}
			rep->released++;
			if (out != NULL)
				buf_printf(out, "cancelled order %s: never paid; "
				    "stock released\n", o->number);
			continue;
		}
		if (stripe_session_get(c, a, o->session_id, &s, &err) != 0) {
			rep->errors++;
			continue;
		}
		if (s.status == STRIPE_SESSION_OPEN) {
			if (session_expire(c, a, o, o->payment_attempt, s.id,
			    &s, &err) != 0) {
				rep->errors++;
				continue;
			}
			rep->expired_now++;
		}
		if (is_paid(&s)) {
			if (apply_paid(d, a, &s, SOURCE_EXPIRY, s.id, &oid) ==
			    OUTCOME_ERROR)
				rep->errors++;
			else
				rep->repaired++;
			continue;
		}
		res = apply_other(d, a, &s, SOURCE_EXPIRY, is_processing(&s) ?
		    "payment processing" : "session expired", &oid);
		if (res == OUTCOME_ERROR)
			rep->errors++;
		else if (res == OUTCOME_APPLIED && !is_processing(&s)) {
			rep->voided++;
			if (out != NULL)
				buf_printf(out, "cancelled order %s: its session "
				    "expired; stock released\n", o->number);
		}
	}
	return 0;
}

/* How often settle_cancel() expires a session the customer opened anew. */
#define CANCEL_PASSES	3

enum settle_result
settle_cancel(struct db *d, struct stripe *c, struct arena *a, long long id,
    const char *cause, const struct actor *who, enum order_action *act,
    struct order **op, struct stripe_error *errp)
{
	struct stripe_error	 elocal, *err = errp ? errp : &elocal;
	struct stripe_session	 s;
	struct order		*o, *olocal;
	enum settle_result	 r;
	int			 pass;

	if (op == NULL)
		op = &olocal;
	*op = NULL;
	*act = ACTION_ERROR;
	memset(err, 0, sizeof(*err));
	for (pass = 0; pass < CANCEL_PASSES; pass++) {
		if ((o = order_by_id(d, a, id)) == NULL) {
			/* order_cancel_by() tells none from an error. */
			*act = order_cancel_by(d, a, id, cause, NULL, who, op);
			return *act == ACTION_ERROR ? SETTLE_ERROR : SETTLE_OK;
		}
		/* Only a pending order has a session that could be paid. */
		if (o->state == ORDER_PENDING && *o->session_id != '\0') {
			if (c == NULL) {
				snprintf(err->message, sizeof(err->message),
				    "payments are not configured");
				*op = o;
				return SETTLE_GATEWAY;
			}
			if (stripe_session_get(c, a, o->session_id, &s,
			    err) != 0) {
				*op = o;
				return SETTLE_GATEWAY;
			}
			if (s.status == STRIPE_SESSION_OPEN &&
			    session_expire(c, a, o, o->payment_attempt, s.id,
			    &s, err) != 0) {
				/* Paid meanwhile? Then it cannot expire. */
				if (stripe_session_get(c, a, o->session_id, &s,
				    err) != 0 || s.status == STRIPE_SESSION_OPEN) {
					*op = o;
					return SETTLE_GATEWAY;
				}
			}
			if ((r = from_session(d, a, &s, SOURCE_ADMIN)) !=
			    SETTLE_OK) {
				*act = ACTION_REFUSED;
				*op = order_by_id(d, a, id);
				return r;
			}
		}
		*act = order_cancel_by(d, a, id, cause, o->session_id, who, op);
		if (*act != ACTION_CHANGED)
			return *act == ACTION_ERROR ? SETTLE_ERROR : SETTLE_OK;
	}
	*op = order_by_id(d, a, id);
	return SETTLE_BUSY;
}

struct payment_fact *
settle_paid_sessions(struct stripe *c, struct arena *a, long long since,
    size_t *n, struct stripe_error *err)
{
	struct stripe_session_query	 q;
	struct stripe_session_list	 l;
	struct payment_fact		*v = NULL, *grown;
	size_t				 cap = 0, i;

	*n = 0;
	memset(&q, 0, sizeof(q));
	q.created_gte = since;
	q.limit = STRIPE_LIST_MAX;
	do {
		if (stripe_session_list(c, a, &q, &l, err) != 0)
			return NULL;
		for (i = 0; i < l.n; i++) {
			if (!is_paid(&l.v[i]))
				continue;
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				grown = arena_calloc(a, cap, sizeof(*v));
				if (*n)
					memcpy(grown, v, *n * sizeof(*v));
				v = grown;
			}
			payment_session_fact(&l.v[i], SOURCE_RECONCILE, NULL,
			    &v[(*n)++]);
		}
		if (l.n > 0)
			q.starting_after = l.v[l.n - 1].id;
	} while (l.has_more && l.n > 0);
	return v != NULL ? v : arena_calloc(a, 1, sizeof(*v));
}
