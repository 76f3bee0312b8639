/*
 * Paying a Checkout Session: the test cards, the hosted payment page at a
 * session's url, and gw_pay(), which the page and the control endpoint
 * share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/http.h"
#include "app/app.h"
#include "app/page.h"

#include "gateway.h"

#define MAX_CARD_FIELD	64	/* bytes in a card form field */

enum card_behaviour {
	CARD_SUCCEEDS,
	CARD_ASYNC_SUCCEEDS,	/* complete and unpaid, then paid */
	CARD_ASYNC_FAILS,	/* complete and unpaid, then failed */
	CARD_DECLINES,
	CARD__MAX
};

/*
 * The test cards (README.md). Numbers as Stripe's test mode has them,
 * plus two of our own for payments that settle later, which Stripe only
 * has for bank debits.
 */
static const struct test_card {
	const char		*number;
	enum card_behaviour	 behaviour;
	const char		*code;
	const char		*decline_code;
	const char		*message;
	const char		*label;
} cards[] = {
	{ "4242424242424242", CARD_SUCCEEDS, NULL, NULL, NULL,
	    "succeeds" },
	{ "4000000000002503", CARD_ASYNC_SUCCEEDS, NULL, NULL, NULL,
	    "completes, then the payment succeeds a moment later" },
	{ "4000000000002602", CARD_ASYNC_FAILS, NULL, NULL, NULL,
	    "completes, then the payment fails a moment later" },
	{ "4000000000000002", CARD_DECLINES, "card_declined",
	    "generic_decline", "Your card was declined.", "is declined" },
	{ "4000000000009995", CARD_DECLINES, "card_declined",
	    "insufficient_funds", "Your card has insufficient funds.",
	    "is declined for insufficient funds" },
	{ "4000000000000069", CARD_DECLINES, "expired_card", NULL,
	    "Your card has expired.", "is declined as expired" },
	{ "4000000000000127", CARD_DECLINES, "incorrect_cvc", NULL,
	    "Your card's security code is incorrect.",
	    "is declined for its security code" },
	{ "4000000000000119", CARD_DECLINES, "processing_error", NULL,
	    "An error occurred while processing your card. Try again in a "
	    "little bit.", "fails with a processing error" },
};

static bool
luhn(const char *d, size_t n)
{
	int	sum = 0, v;
	size_t	i;

	for (i = 0; i < n; i++) {
		v = d[n - 1 - i] - '0';
		if (i % 2 == 1 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return sum % 10 == 0;
}

/* Digits of a card number typed with spaces or dashes, or NULL. */
static char *
card_digits(struct arena *a, const char *s)
{
	char	*d = arena_alloc(a, strlen(s) + 1);
	size_t	 n = 0;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d[n++] = *s;
		else if (*s != ' ' && *s != '-')
			return NULL;
	}
	d[n] = '\0';
	return d;
}

static int
two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "MM / YY", "MM/YY", "MMYY" or "MM / YYYY"; 0 or -1. */
static int
parse_expiry(const char *s, int *month, int *year)
{
	char	c[8];
	size_t	n = 0;
	int	y;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '/')
			continue;
		if (*s < '0' || *s > '9' || n == sizeof(c) - 1)
			return -1;
		c[n++] = *s;
	}
	c[n] = '\0';
	if ((n != 4 && n != 6) || (*month = two_digits(c)) < 1 || *month > 12)
		return -1;
	y = two_digits(c + 2);
	if (n == 6)
		y = y * 100 + two_digits(c + 4);
	else
		y += 2000;
	*year = y;
	return 0;
}

static void
refuse(struct gw_pay_outcome *out, const char *code, const char *field,
    const char *message)
{
	out->result = GW_PAY_CARD_ERROR;
	out->code = code;
	out->field = field;
	out->message = message;
}

/*
 * Check what was typed and find the test card (pure). Returns the card,
 * or NULL with out filled as Stripe's page would say it.
 */
static const struct test_card *
card_check(struct arena *a, const struct gw_card_input *in, time_t now,
    struct gw_pay_outcome *out)
{
	static const struct test_card	 unknown = { NULL, CARD_DECLINES,
	    "card_declined", "test_mode_live_card", "Your card was declined. "
	    "This is a test gateway: use one of its test cards.", NULL };
	struct tm			 tm;
	char				*d;
	size_t				 n, i;
	int				 m, y;

	if (in->number == NULL || strlen(in->number) > MAX_CARD_FIELD ||
	    (d = card_digits(a, in->number)) == NULL ||
	    (n = strlen(d)) < 13) {
		refuse(out, "incomplete_number", "card_number",
		    "Your card number is incomplete.");
		return NULL;
	}
	if (n > 19 || !luhn(d, n)) {
		refuse(out, "invalid_number", "card_number",
		    "Your card number is invalid.");
		return NULL;
	}
	gmtime_r(&now, &tm);
	if (in->expiry != NULL && (strlen(in->expiry) > MAX_CARD_FIELD ||
	    parse_expiry(in->expiry, &m, &y) != 0)) {
		refuse(out, "incomplete_expiry", "card_expiry",
		    "Your card's expiration date is incomplete.");
		return NULL;
	}
	if (in->expiry != NULL && (y < tm.tm_year + 1900 ||
	    (y == tm.tm_year + 1900 && m < tm.tm_mon + 1))) {
		refuse(out, "invalid_expiry_year_past", "card_expiry",
		    "Your card's expiration date is in the past.");
		return NULL;
	}
	if (in->cvc != NULL && ((n = strlen(in->cvc)) < 3 || n > 4 ||
	    strspn(in->cvc, "0123456789") != n)) {
		refuse(out, "incomplete_cvc", "card_cvc",
		    "Your card's security code is incomplete.");
		return NULL;
	}
	for (i = 0; i < sizeof(cards) / sizeof(cards[0]); i++)
		if (strcmp(cards[i].number, d) == 0)
			break;
	return i < sizeof(cards) / sizeof(cards[0]) ? &cards[i] : &unknown;
}

/* success_url with every {CHECKOUT_SESSION_ID} replaced by id. */
static char *
fill_success_url(struct arena *a, const char *url, const char *id)
{
	static const char	 tag[] = "{CHECKOUT_SESSION_ID}";
	struct buf		 b = { 0 };
	const char		*p;
	char			*s;

	while ((p = strstr(url, tag)) != NULL) {
		buf_append(&b, url, (size_t)(p - url));
		buf_puts(&b, id);
		url = p + sizeof(tag) - 1;
	}
	buf_puts(&b, url);
	s = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return s;
}

/*
 * Expire an open session past its expires_at (in a write) and emit
 * checkout.session.expired. Returns 0 or -1.
 */
static int
expire_one(struct gw_thread *t, struct arena *a, const char *id)
{
	static const char	 sql[] =
	    "UPDATE sessions SET status = 'expired' WHERE id = ?"
	    " AND status = 'open'";
	sqlite3_stmt		*st = db_prep(t->db, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_step(t->db, st) != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(db_handle(t->db)) == 0)
		return 0;
	log_info("session %s expired", id);
	return gw_event_emit(t, a, "checkout.session.expired",
	    gw_session_json(t->db, a, id), NULL, NULL);
}

/*
 * Everything that is due to expire (the clock's first task), each in its
 * own transaction. Returns how many expired, or -1.
 */
int
gw_expire_due(struct gw_thread *t, struct arena *a)
{
	static const char	 sql[] =
	    "SELECT id FROM sessions WHERE status = 'open' AND expires_at <= ?"
	    " LIMIT 50";
	sqlite3_stmt		*st;
	char			*ids[50];
	int			 n = 0, i, done = 0;

	if ((st = db_prep(t->db, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, gw_now());
	while (n < 50 && db_step(t->db, st) == SQLITE_ROW)
		ids[n++] = db_text(a, st, 0);
	sqlite3_reset(st);
	for (i = 0; i < n; i++) {
		if (db_begin(t->db) != 0)
			return -1;
		if (expire_one(t, a, ids[i]) != 0) {
			db_rollback(t->db);
			return -1;
		}
		if (db_commit(t->db) != 0)
			return -1;
		done++;
	}
	return done;
}

/*
 * Pay session id with the card in (in one write transaction). A session
 * that is past its expiry is expired now and refused; a paid, completed
 * or expired one is refused; a declined card leaves it payable. On
 * success the session is complete with a payment intent, paid at once or
 * (the asynchronous cards) unpaid until the clock settles it, and
 * checkout.session.completed is emitted. Returns 0 with out filled, or
 * -1 on a database error (out->result GW_PAY_ERROR).
 */
int
gw_pay(struct gw_thread *t, struct arena *a, const char *id,
    const struct gw_card_input *in, struct gw_pay_outcome *out)
{
	static const char	 get_sql[] =
	    "SELECT status, expires_at, amount_total, currency, pi_metadata,"
	    " customer_email, success_url FROM sessions WHERE id = ?";
	static const char	 decline_sql[] =
	    "UPDATE sessions SET declines = declines + 1 WHERE id = ?";
	static const char	 pi_sql[] =
	    "INSERT INTO payment_intents (id, session_id, charge_id, amount,"
	    " currency, status, metadata, created, last4, settle_at_ms,"
	    " settle_outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char	 paid_sql[] =
	    "UPDATE sessions SET status = 'complete', payment_status = ?,"
	    " payment_intent = ?, paid_email = ? WHERE id = ?"
	    " AND status = 'open'";
	struct db		*d = t->db;
	const struct test_card	*card;
	sqlite3_stmt		*st;
	char			*status, *currency, *pi_meta, *email, *success;
	char			*pi;
	long long		 expires_at, amount, now = gw_now();
	const char		*paid_email;
	bool			 async;
	int			 rc;

	memset(out, 0, sizeof(*out));
	out->result = GW_PAY_ERROR;
	if (db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, get_sql)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) < 0)
		goto fail;
	if (rc != SQLITE_ROW) {
		db_rollback(d);
		out->result = GW_PAY_NOT_FOUND;
		out->message = "There is no such checkout session.";
		return 0;
	}
	status = db_text(a, st, 0);
	expires_at = sqlite3_column_int64(st, 1);
	amount = sqlite3_column_int64(st, 2);
	currency = db_text(a, st, 3);
	pi_meta = db_text(a, st, 4);
	email = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL :
	    db_text(a, st, 5);
	success = db_text(a, st, 6);
	sqlite3_reset(st);

	if (strcmp(status, "open") == 0 && expires_at <= now) {
		if (expire_one(t, a, id) != 0 || db_commit(d) != 0)
			goto fail;
		status = "expired";
	} else if (strcmp(status, "open") != 0)
		db_rollback(d);
	if (strcmp(status, "expired") == 0) {
		out->result = GW_PAY_EXPIRED;
		out->code = "checkout_session_expired";
		out->message = "This checkout session has expired.";
		return 0;
	}
	if (strcmp(status, "complete") == 0) {
		out->result = GW_PAY_COMPLETE;
		out->code = "checkout_session_complete";
		out->message = "This checkout session is already paid.";
		out->redirect = fill_success_url(a, success, id);
		return 0;
	}

	paid_email = email != NULL ? email : in->email;
	if ((card = card_check(a, in, (time_t)now, out)) == NULL ||
	    card->behaviour == CARD_DECLINES || paid_email == NULL ||
	    strchr(paid_email, '@') == NULL) {
		if (card != NULL && card->behaviour == CARD_DECLINES)
			refuse(out, card->code, "card_number", card->message);
		else if (card != NULL)
			refuse(out, "email_invalid", "email",
			    "Your email address is incomplete.");
		out->decline_code = card != NULL ? card->decline_code : NULL;
		if ((st = db_prep(d, decline_sql)) == NULL)
			goto fail;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if (db_step(d, st) != SQLITE_DONE || db_commit(d) != 0)
			goto fail;
		log_info("session %s: payment refused: %s", id, out->message);
		return 0;
	}

	async = card->behaviour != CARD_SUCCEEDS;
	pi = gw_id(a, "pi_");
	if ((st = db_prep(d, pi_sql)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, pi, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, gw_id(a, "ch_"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, amount);
	sqlite3_bind_text(st, 5, currency, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, async ? "processing" : "succeeded", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 7, pi_meta, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	sqlite3_bind_text(st, 9, card->number + strlen(card->number) - 4, -1,
	    SQLITE_STATIC);
	if (async) {
		sqlite3_bind_int64(st, 10, gw_now_ms() + t->cfg->async_ms);
		sqlite3_bind_text(st, 11, card->behaviour ==
		    CARD_ASYNC_SUCCEEDS ? "succeeded" : "failed", -1,
		    SQLITE_STATIC);
	}
	if (db_step(d, st) != SQLITE_DONE ||
	    (st = db_prep(d, paid_sql)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, async ? "unpaid" : "paid", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pi, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, paid_email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE ||
	    (out->session_json = gw_session_json(d, a, id)) == NULL ||
	    gw_event_emit(t, a, "checkout.session.completed",
	    out->session_json, NULL, NULL) != 0 || db_commit(d) != 0)
		goto fail;
	out->result = GW_PAY_OK;
	out->redirect = fill_success_url(a, success, id);
	log_info("session %s %s with card %s (%s)", id, async ?
	    "completed, payment processing," : "paid", card->number,
	    pi);
	return 0;
fail:
	db_rollback(d);
	out->result = GW_PAY_ERROR;
	out->message = "The test gateway's database failed.";
	return -1;
}

/* The scheme, host and port of an http(s) URL, for the CSP. */
static const char *
url_origin(struct arena *a, const char *url)
{
	const char	*host;
	size_t		 n;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return NULL;
	n = strcspn(host, "/?#");
	if (n == 0 || strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
	    "NOPQRSTUVWXYZ0123456789.-:[]") < n)
		return NULL;
	return arena_strndup(a, url, (size_t)(host - url) + n);
}

static void
test_cards(struct req *r, struct tval *d)
{
	struct tval	*l = tval_set_list(r->arena, d, "test_cards"), *c;
	size_t		 i;

	for (i = 0; i < sizeof(cards) / sizeof(cards[0]); i++) {
		c = tval_push_map(r->arena, l);
		tval_set_str(r->arena, c, "number", arena_printf(r->arena,
		    "%.4s %.4s %.4s %.4s", cards[i].number,
		    cards[i].number + 4, cards[i].number + 8,
		    cards[i].number + 12));
		tval_set_str(r->arena, c, "label", cards[i].label);
	}
}

static const char *
upper3(struct arena *a, const char *c)
{
	char	*u = arena_strdup(a, c);
	size_t	 i;

	for (i = 0; u[i] != '\0'; i++)
		if (u[i] >= 'a' && u[i] <= 'z')
			u[i] = (char)(u[i] - 'a' + 'A');
	return u;
}

/*
 * Render the page of session id: the payment form while it is open (with
 * error, if a payment was just refused), otherwise why it is closed.
 */
static int
render_page(struct req *r, const char *id, const struct gw_pay_outcome *err,
    int status)
{
	static const char	 get_sql[] =
	    "SELECT status, expires_at, amount_total, currency,"
	    " customer_email, success_url, cancel_url, seq FROM sessions"
	    " WHERE id = ?";
	static const char	 items_sql[] =
	    "SELECT name, quantity, unit_amount FROM line_items"
	    " WHERE session_seq = ? ORDER BY idx";
	struct gw_thread	*t = gw_req_thread(r);
	struct arena		*a = r->arena;
	struct tval		*d = page_data(r), *items, *it;
	sqlite3_stmt		*st;
	const char		*cur, *sstatus, *success, *origin;
	sqlite3_int64		 seq;
	long long		 expires_at;
	int			 rc;

	if ((st = db_prep(t->db, get_sql)) == NULL)
		return 500;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = db_step(t->db, st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc < 0)
			return 500;
		r->error = "There is no such checkout session.";
		return 404;
	}
	sstatus = db_text(a, st, 0);
	expires_at = sqlite3_column_int64(st, 1);
	cur = upper3(a, (const char *)sqlite3_column_text(st, 3));
	tval_set_str(a, d, "id", id);
	tval_set_str(a, d, "total", money_format(a,
	    sqlite3_column_int64(st, 2), cur));
	if (sqlite3_column_type(st, 4) != SQLITE_NULL)
		tval_set_str(a, d, "customer_email", db_text(a, st, 4));
	else
		tval_set_bool(a, d, "ask_email", true);
	success = db_text(a, st, 5);
	if (sqlite3_column_type(st, 6) != SQLITE_NULL)
		tval_set_str(a, d, "cancel_url", db_text(a, st, 6));
	seq = sqlite3_column_int64(st, 7);
	sqlite3_reset(st);

	if (strcmp(sstatus, "open") == 0 && expires_at <= gw_now())
		sstatus = "expired";
	if (strcmp(sstatus, "open") != 0) {
		tval_set_str(a, d, "title", strcmp(sstatus, "expired") == 0 ?
		    "Checkout expired" : "Payment complete");
		tval_set_bool(a, d, "expired", strcmp(sstatus, "expired") == 0);
		tval_set_str(a, d, "success_url", fill_success_url(a, success,
		    id));
		if (err != NULL)
			tval_set_str(a, d, "error", err->message);
		return page_render(r, strcmp(sstatus, "expired") == 0 ? 410 :
		    status == 422 ? 409 : 200, "closed", d);
	}

	items = tval_set_list(a, d, "items");
	if ((st = db_prep(t->db, items_sql)) == NULL)
		return 500;
	sqlite3_bind_int64(st, 1, seq);
	while (db_step(t->db, st) == SQLITE_ROW) {
		long long line = 0;

		it = tval_push_map(a, items);
		tval_set_str(a, it, "name", db_text(a, st, 0));
		tval_set_int(a, it, "quantity", sqlite3_column_int64(st, 1));
		(void)money_mul(sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), &line);
		tval_set_str(a, it, "amount", money_format(a, line, cur));
	}
	sqlite3_reset(st);
	tval_set_str(a, d, "title", "Pay");
	if (err != NULL) {
		tval_set_str(a, d, "error", err->message);
		tval_set_str(a, d, "error_field", err->field ? err->field : "");
		tval_set_bool(a, d, arena_printf(a, "error_%s", err->field ?
		    err->field : "card_number"), true);
		tval_set_str(a, d, "card_number", req_form(r, "card_number") ?
		    req_form(r, "card_number") : "");
		tval_set_str(a, d, "card_expiry", req_form(r, "card_expiry") ?
		    req_form(r, "card_expiry") : "");
		tval_set_str(a, d, "email", req_form(r, "email") ?
		    req_form(r, "email") : "");
	}
	test_cards(r, d);
	/* The form's answer redirects to the shop: allow it in the CSP. */
	if ((origin = url_origin(a, success)) != NULL)
		r->csp_form_action = origin;
	return page_render(r, status, "pay", d);
}

/* GET the hosted payment page of a session. */
int
h_pay_page(struct req *r)
{
	return render_page(r, req_param(r, "id"), NULL, 200);
}

/*
 * POST the payment form: 303 to the success URL when paid (or
 * processing), the form again with the error (422) when refused, the
 * closed page when the session cannot be paid any more.
 */
int
h_pay_submit(struct req *r)
{
	struct gw_card_input	 in;
	struct gw_pay_outcome	 out;
	const char		*id = req_param(r, "id");

	memset(&in, 0, sizeof(in));
	in.number = req_form(r, "card_number") ? req_form(r, "card_number") :
	    "";
	in.expiry = req_form(r, "card_expiry") ? req_form(r, "card_expiry") :
	    "";
	in.cvc = req_form(r, "card_cvc") ? req_form(r, "card_cvc") : "";
	in.email = req_form(r, "email");
	if (in.email != NULL && *in.email == '\0')
		in.email = NULL;
	gw_pay(gw_req_thread(r), r->arena, id, &in, &out);
	switch (out.result) {
	case GW_PAY_OK:
		resp_redirect(r, 303, out.redirect);
		return 0;
	case GW_PAY_CARD_ERROR:
		return render_page(r, id, &out, 422);
	case GW_PAY_NOT_FOUND:
		r->error = out.message;
		return 404;
	case GW_PAY_EXPIRED:
	case GW_PAY_COMPLETE:
		return render_page(r, id, &out, 422);
	default:
		return 500;
	}
}
