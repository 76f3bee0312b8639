/*
 * Test control, under /_gateway/ (README.md): fault modes at run time,
 * paying without a browser, listing events and deliveries, forcing
 * deliveries and expiry now. Same secret key as the API.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "data/db.h"
#include "web/http.h"
#include "app/app.h"

#include "gateway.h"

static int
ctl_start(struct req *r, struct gw_thread **t)
{
	const char	*rid;

	*t = gw_req_thread(r);
	return gw_api_begin(r, &rid, false);
}

static void
ctl_dberr(struct req *r, struct db *d)
{
	gw_api_error(r, 500, "api_error", NULL, NULL, "The test gateway's "
	    "database failed: %s", db_errmsg(d));
}

/* GET /_gateway/faults: the faults in effect. */
int
h_ctl_faults_get(struct req *r)
{
	struct gw_thread	*t;
	char			*j;

	if (ctl_start(r, &t) != 0)
		return 0;
	if ((j = gw_faults_json(t->db, r->arena)) == NULL)
		ctl_dberr(r, t->db);
	else
		gw_api_answer(r, 200, j);
	return 0;
}

/*
 * POST /_gateway/faults: set the named faults (form fields, names as in
 * GATEWAY_FAULTS); reset=1 first clears them all. Answers the faults now
 * in effect.
 */
int
h_ctl_faults_set(struct req *r)
{
	struct gw_thread	*t;
	struct gw_faults	 f;
	char			 err[256];
	size_t			 i;

	if (ctl_start(r, &t) != 0)
		return 0;
	if (db_begin(t->db) != 0 || gw_faults_get(t->db, &f) != 0) {
		db_rollback(t->db);
		ctl_dberr(r, t->db);
		return 0;
	}
	for (i = 0; i < r->form.n; i++) {
		const struct kv *kv = &r->form.v[i];

		if (strcmp(kv->key, "reset") == 0) {
			if (strcmp(kv->val, "1") == 0)
				memset(&f, 0, sizeof(f));
			continue;
		}
		if (gw_fault_set(&f, kv->key, kv->val, err, sizeof(err)) != 0) {
			db_rollback(t->db);
			gw_api_error(r, 400, "invalid_request_error",
			    "parameter_invalid", kv->key, "%s", err);
			return 0;
		}
	}
	if (gw_faults_put(t->db, &f) != 0 || db_commit(t->db) != 0) {
		db_rollback(t->db);
		ctl_dberr(r, t->db);
		return 0;
	}
	log_info("faults set: duplicate=%d delay=%d reorder=%d drop=%d/1000 "
	    "api_500=%d/1000 api_500_next=%d lost_next=%d slow_ms=%d",
	    f.duplicate, f.delay_s, f.reorder, f.drop_pm, f.api500_pm,
	    f.api500_next, f.lost_next, f.slow_ms);
	return h_ctl_faults_get(r);
}

/*
 * POST /_gateway/sessions/{id}/pay: what the hosted page does, with card
 * (default 4242 4242 4242 4242), email, and optionally expiry and cvc.
 * 200 and the session when paid or processing; 402 card_error when
 * refused; 400 when the session is expired or complete; 404.
 */
int
h_ctl_pay(struct req *r)
{
	struct gw_thread	*t;
	struct gw_card_input	 in;
	struct gw_pay_outcome	 out;
	const char		*id = req_param(r, "id");

	if (ctl_start(r, &t) != 0)
		return 0;
	memset(&in, 0, sizeof(in));
	in.number = req_form(r, "card") ? req_form(r, "card") :
	    "4242424242424242";
	in.expiry = req_form(r, "expiry");
	in.cvc = req_form(r, "cvc");
	in.email = req_form(r, "email") ? req_form(r, "email") :
	    "customer@example.com";
	gw_pay(t, r->arena, id, &in, &out);
	switch (out.result) {
	case GW_PAY_OK:
		gw_api_answer(r, 200, out.session_json);
		break;
	case GW_PAY_CARD_ERROR:
		gw_api_answer(r, 402, gw_error_json(r->arena, "card_error",
		    out.code, out.decline_code, out.field, out.message));
		break;
	case GW_PAY_NOT_FOUND:
		gw_api_error(r, 404, "invalid_request_error",
		    "resource_missing", "id", "No such checkout.session: '%s'",
		    id);
		break;
	case GW_PAY_EXPIRED:
	case GW_PAY_COMPLETE:
		gw_api_error(r, 400, "invalid_request_error", out.code, NULL,
		    "%s", out.message);
		break;
	default:
		ctl_dberr(r, t->db);
		break;
	}
	return 0;
}

/* Rows of st (column 0 JSON) as {"object":"list","data":[...]}. */
static void
answer_all(struct req *r, struct db *d, sqlite3_stmt *st, const char *url)
{
	struct buf	 b = { 0 };
	int		 rc, n = 0;

	gw_list_begin(&b);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (n++ > 0)
			buf_putc(&b, ',');
		buf_puts(&b, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	gw_list_end(&b, url, false);
	if (rc < 0)
		ctl_dberr(r, d);
	else
		gw_api_answer(r, 200, buf_str(&b));
	buf_free(&b);
}

/*
 * GET /_gateway/events[?type=...]: every event, oldest first, with its
 * object's id and its deliveries.
 */
int
h_ctl_events(struct req *r)
{
	static const char	 sql[] =
	    "SELECT json_object('id', e.id, 'type', e.type,"
	    " 'created', e.created,"
	    " 'object_id', json_extract(e.body, '$.data.object.id'),"
	    " 'deliveries', (SELECT json_group_array(json_object("
	    "  'copy', d.copy, 'state', d.state, 'attempts', d.attempts,"
	    "  'last_status', d.last_status)) FROM deliveries d"
	    "  WHERE d.event_seq = e.seq))"
	    " FROM events e WHERE (?1 IS NULL OR e.type = ?1) ORDER BY e.seq";
	struct gw_thread	*t;
	sqlite3_stmt		*st;

	if (ctl_start(r, &t) != 0)
		return 0;
	if ((st = db_prep(t->db, sql)) == NULL)
		return 500;
	if (req_query(r, "type") != NULL)
		sqlite3_bind_text(st, 1, req_query(r, "type"), -1,
		    SQLITE_STATIC);
	answer_all(r, t->db, st, "/_gateway/events");
	return 0;
}

static const char	deliveries_sql[] =
    "SELECT json_object('id', d.seq, 'event', e.id, 'type', e.type,"
    " 'copy', d.copy, 'url', d.url, 'state', d.state,"
    " 'attempts', d.attempts, 'last_status', d.last_status,"
    " 'last_error', d.last_error, 'created_ms', d.created_ms,"
    " 'next_at_ms', d.next_at_ms, 'delivered_ms', d.delivered_ms)"
    " FROM deliveries d JOIN events e ON e.seq = d.event_seq"
    " ORDER BY d.seq";

/* GET /_gateway/deliveries: every webhook delivery, oldest first. */
int
h_ctl_deliveries(struct req *r)
{
	struct gw_thread	*t;
	sqlite3_stmt		*st;

	if (ctl_start(r, &t) != 0)
		return 0;
	if ((st = db_prep(t->db, deliveries_sql)) == NULL)
		return 500;
	answer_all(r, t->db, st, "/_gateway/deliveries");
	return 0;
}

/*
 * POST /_gateway/deliveries/flush: every pending delivery is due now,
 * whatever its delay or backoff; they are attempted before the answer,
 * which lists every delivery.
 */
int
h_ctl_flush(struct req *r)
{
	static const char	 sql[] =
	    "UPDATE deliveries SET next_at_ms = 0 WHERE state = 'pending'";
	struct gw_thread	*t;
	sqlite3_stmt		*st;
	int			 i;

	if (ctl_start(r, &t) != 0)
		return 0;
	if (db_begin(t->db) != 0 || (st = db_prep(t->db, sql)) == NULL ||
	    db_step(t->db, st) != SQLITE_DONE || db_commit(t->db) != 0) {
		db_rollback(t->db);
		ctl_dberr(r, t->db);
		return 0;
	}
	/* Deliveries the clock holds right now come due after their lease. */
	for (i = 0; i < 100 && gw_tick(t, r->arena) > 0; i++)
		continue;
	if ((st = db_prep(t->db, deliveries_sql)) == NULL)
		return 500;
	answer_all(r, t->db, st, "/_gateway/deliveries");
	return 0;
}

/*
 * POST /_gateway/sessions/expire[?id=...]: the named open sessions (form
 * fields id, repeated), or all of them, reach their expires_at now and
 * expire, emitting checkout.session.expired. Answers their ids.
 */
int
h_ctl_expire(struct req *r)
{
	static const char	 all_sql[] =
	    "UPDATE sessions SET expires_at = ?1 WHERE status = 'open'"
	    " AND expires_at > ?1";
	static const char	 one_sql[] =
	    "UPDATE sessions SET expires_at = ?1 WHERE status = 'open'"
	    " AND expires_at > ?1 AND id = ?2";
	static const char	 list_sql[] =
	    "SELECT json_group_array(id) FROM sessions WHERE status = 'open'"
	    " AND expires_at <= ?";
	struct gw_thread	*t;
	sqlite3_stmt		*st;
	long long		 now = gw_now();
	char			*ids = NULL;
	size_t			 i, named = 0;

	if (ctl_start(r, &t) != 0)
		return 0;
	if (db_begin(t->db) != 0)
		goto fail;
	for (i = 0; i < r->form.n; i++) {
		if (strcmp(r->form.v[i].key, "id") != 0)
			continue;
		named++;
		if ((st = db_prep(t->db, one_sql)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, r->form.v[i].val, -1, SQLITE_STATIC);
		if (db_step(t->db, st) != SQLITE_DONE)
			goto fail;
	}
	if (named == 0) {
		if ((st = db_prep(t->db, all_sql)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, now);
		if (db_step(t->db, st) != SQLITE_DONE)
			goto fail;
	}
	if ((st = db_prep(t->db, list_sql)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	if (db_step(t->db, st) == SQLITE_ROW)
		ids = db_text(r->arena, st, 0);
	sqlite3_reset(st);
	if (ids == NULL || db_commit(t->db) != 0)
		goto fail;
	while (gw_expire_due(t, r->arena) > 0)
		continue;
	gw_api_answer(r, 200, arena_printf(r->arena, "{\"expired\":%s}", ids));
	return 0;
fail:
	db_rollback(t->db);
	ctl_dberr(r, t->db);
	return 0;
}
