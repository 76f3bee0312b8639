/*
 * The gateway's own SQLite file (GATEWAY_DATA_DIR/gateway.db): schema,
 * ids, fault settings, the JSON of its objects (made by SQLite, in the
 * shapes of Stripe's API), and events with their deliveries.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/tval.h"
#include "data/db.h"

#include "gateway.h"

/*
 * Objects are rendered to JSON by the views below, so the API, the
 * events and the control endpoints all show the same shapes.
 */
static const char	schema_sql[] =
    "CREATE TABLE IF NOT EXISTS settings ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " duplicate INTEGER NOT NULL DEFAULT 0,"
    " delay_s INTEGER NOT NULL DEFAULT 0,"
    " reorder INTEGER NOT NULL DEFAULT 0,"
    " drop_pm INTEGER NOT NULL DEFAULT 0,"
    " api500_pm INTEGER NOT NULL DEFAULT 0,"
    " api500_next INTEGER NOT NULL DEFAULT 0,"
    " lost_next INTEGER NOT NULL DEFAULT 0,"
    " slow_ms INTEGER NOT NULL DEFAULT 0,"
    " env_key TEXT NOT NULL DEFAULT '');"
    "INSERT OR IGNORE INTO settings (id) VALUES (1);"
    "CREATE TABLE IF NOT EXISTS sessions ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'open'"
    "  CHECK (status IN ('open', 'complete', 'expired')),"
    " payment_status TEXT NOT NULL DEFAULT 'unpaid'"
    "  CHECK (payment_status IN ('unpaid', 'paid', 'no_payment_required')),"
    " currency TEXT NOT NULL,"
    " amount_total INTEGER NOT NULL CHECK (amount_total >= 0),"
    " client_reference_id TEXT,"
    " customer_email TEXT,"
    " paid_email TEXT,"
    " success_url TEXT NOT NULL,"
    " cancel_url TEXT,"
    " url TEXT NOT NULL,"
    " metadata TEXT NOT NULL DEFAULT '{}',"
    " pi_metadata TEXT NOT NULL DEFAULT '{}',"
    " payment_intent TEXT,"
    " declines INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS sessions_open ON sessions (status, expires_at);"
    "CREATE TABLE IF NOT EXISTS line_items ("
    " id TEXT PRIMARY KEY,"
    " session_seq INTEGER NOT NULL REFERENCES sessions (seq),"
    " idx INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " unit_amount INTEGER NOT NULL,"
    " quantity INTEGER NOT NULL,"
    " currency TEXT NOT NULL,"
    " UNIQUE (session_seq, idx));"
    "CREATE TABLE IF NOT EXISTS payment_intents ("
    " id TEXT PRIMARY KEY,"
    " session_id TEXT NOT NULL REFERENCES sessions (id),"
    " charge_id TEXT NOT NULL UNIQUE,"
    " amount INTEGER NOT NULL,"
    " currency TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN"
    "  ('processing', 'succeeded', 'requires_payment_method')),"
    " amount_refunded INTEGER NOT NULL DEFAULT 0"
    "  CHECK (amount_refunded BETWEEN 0 AND amount),"
    " metadata TEXT NOT NULL DEFAULT '{}',"
    " created INTEGER NOT NULL,"
    " last4 TEXT NOT NULL,"
    " settle_at_ms INTEGER,"
    " settle_outcome TEXT);"
    "CREATE TABLE IF NOT EXISTS refunds ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE,"
    " payment_intent TEXT NOT NULL REFERENCES payment_intents (id),"
    " amount INTEGER NOT NULL CHECK (amount > 0),"
    " currency TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'succeeded',"
    " reason TEXT,"
    " metadata TEXT NOT NULL DEFAULT '{}',"
    " created INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS refunds_payment_intent"
    " ON refunds (payment_intent, seq);"
    "CREATE TABLE IF NOT EXISTS events ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE,"
    " type TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " body TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS deliveries ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " event_seq INTEGER NOT NULL REFERENCES events (seq),"
    " copy INTEGER NOT NULL DEFAULT 1,"
    " url TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (state IN ('pending', 'delivered', 'dropped', 'failed')),"
    " created_ms INTEGER NOT NULL,"
    " next_at_ms INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " last_status INTEGER,"
    " last_error TEXT,"
    " delivered_ms INTEGER);"
    "CREATE INDEX IF NOT EXISTS deliveries_due"
    " ON deliveries (state, next_at_ms);"
    "CREATE TABLE IF NOT EXISTS idempotency ("
    " key TEXT PRIMARY KEY,"
    " endpoint TEXT NOT NULL,"
    " params TEXT NOT NULL,"
    " status INTEGER NOT NULL,"
    " body TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE VIEW IF NOT EXISTS session_json (seq, id, created, status, j) AS"
    " SELECT s.seq, s.id, s.created, s.status, json_object("
    "  'id', s.id,"
    "  'object', 'checkout.session',"
    "  'after_expiration', NULL,"
    "  'allow_promotion_codes', NULL,"
    "  'amount_subtotal', s.amount_total,"
    "  'amount_total', s.amount_total,"
    "  'billing_address_collection', NULL,"
    "  'cancel_url', s.cancel_url,"
    "  'client_reference_id', s.client_reference_id,"
    "  'created', s.created,"
    "  'currency', s.currency,"
    "  'customer', NULL,"
    "  'customer_creation', 'if_required',"
    "  'customer_details', CASE WHEN s.status = 'complete' THEN"
    "   json_object('email', coalesce(s.paid_email, s.customer_email),"
    "   'name', NULL, 'phone', NULL, 'tax_exempt', 'none') END,"
    "  'customer_email', s.customer_email,"
    "  'expires_at', s.expires_at,"
    "  'livemode', json('false'),"
    "  'locale', NULL,"
    "  'metadata', json(s.metadata),"
    "  'mode', 'payment',"
    "  'payment_intent', s.payment_intent,"
    "  'payment_method_types', json('[\"card\"]'),"
    "  'payment_status', s.payment_status,"
    "  'status', s.status,"
    "  'submit_type', NULL,"
    "  'success_url', s.success_url,"
    "  'ui_mode', 'hosted',"
    "  'url', CASE WHEN s.status = 'open' THEN s.url END)"
    " FROM sessions s;"
    "CREATE VIEW IF NOT EXISTS charge_json (payment_intent, j) AS"
    " SELECT p.id, json_object("
    "  'id', p.charge_id,"
    "  'object', 'charge',"
    "  'amount', p.amount,"
    "  'amount_captured', p.amount,"
    "  'amount_refunded', p.amount_refunded,"
    "  'captured', json('true'),"
    "  'created', p.created,"
    "  'currency', p.currency,"
    "  'livemode', json('false'),"
    "  'metadata', json(p.metadata),"
    "  'paid', json('true'),"
    "  'payment_intent', p.id,"
    "  'payment_method_details', json_object('type', 'card',"
    "   'card', json_object('brand', 'visa', 'last4', p.last4)),"
    "  'refunded', json(CASE WHEN p.amount_refunded = p.amount"
    "   THEN 'true' ELSE 'false' END),"
    "  'status', 'succeeded')"
    " FROM payment_intents p;"
    "CREATE VIEW IF NOT EXISTS refund_json (seq, id, j) AS"
    " SELECT r.seq, r.id, json_object("
    "  'id', r.id,"
    "  'object', 'refund',"
    "  'amount', r.amount,"
    "  'charge', p.charge_id,"
    "  'created', r.created,"
    "  'currency', r.currency,"
    "  'metadata', json(r.metadata),"
    "  'payment_intent', r.payment_intent,"
    "  'reason', r.reason,"
    "  'status', r.status)"
    " FROM refunds r JOIN payment_intents p ON p.id = r.payment_intent;"
    "CREATE VIEW IF NOT EXISTS line_item_json (session_id, idx, j) AS"
    " SELECT s.id, l.idx, json_object("
    "  'id', l.id,"
    "  'object', 'item',"
    "  'amount_discount', 0,"
    "  'amount_subtotal', l.unit_amount * l.quantity,"
    "  'amount_tax', 0,"
    "  'amount_total', l.unit_amount * l.quantity,"
    "  'currency', l.currency,"
    "  'description', l.name,"
    "  'price', json_object('id', 'price_' || substr(l.id, 4),"
    "   'object', 'price', 'active', json('false'), 'currency', l.currency,"
    "   'product', 'prod_' || substr(l.id, 4), 'type', 'one_time',"
    "   'unit_amount', l.unit_amount),"
    "  'quantity', l.quantity)"
    " FROM line_items l JOIN sessions s ON s.seq = l.session_seq;";

int
gw_thread_open(struct gw_thread *t, const struct gw_config *cfg, char *err,
    size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	if ((t->db = db_open_file(cfg->db_path, DB_PRIMARY, DB_OPEN_CREATE,
	    err, errlen)) == NULL)
		return -1;
	return 0;
}

void
gw_thread_close(struct gw_thread *t)
{
	db_close(t->db);
	if (t->curl != NULL)
		curl_easy_cleanup(t->curl);
	memset(t, 0, sizeof(*t));
}

/*
 * Create the tables and views if they are not there, under the write
 * lock so that processes starting together do not race. A file made by
 * another version of the gateway is refused: it is test data, to be
 * removed rather than migrated.
 */
int
gw_schema(struct db *d, char *err, size_t errlen)
{
	static const char	 version_sql[] = "PRAGMA user_version";
	static const char	 set_version_sql[] = "PRAGMA user_version = 1";
	sqlite3_stmt		*st;
	int			 v;

	if (db_begin(d) != 0) {
		snprintf(err, errlen, "%s", db_errmsg(d));
		return -1;
	}
	if ((st = db_prep(d, version_sql)) == NULL ||
	    db_step(d, st) != SQLITE_ROW)
		goto fail;
	v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (v != 0 && v != GW_SCHEMA_VERSION) {
		db_rollback(d);
		snprintf(err, errlen, "%s has schema version %d, this gateway "
		    "wants %d: remove the file", db_path(d), v,
		    GW_SCHEMA_VERSION);
		return -1;
	}
	if (db_exec(d, schema_sql) != 0 || db_exec(d, set_version_sql) != 0)
		goto fail;
	if (db_commit(d) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s", db_errmsg(d));
	db_rollback(d);
	return -1;
}

long long
gw_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
gw_now(void)
{
	return (long long)time(NULL);
}

/* prefix and GW_ID_LEN random letters and digits, in the arena. */
char *
gw_id(struct arena *a, const char *prefix)
{
	static const char	 alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz";
	size_t			 n = strlen(prefix), i;
	char			*id = arena_alloc(a, n + GW_ID_LEN + 1);

	memcpy(id, prefix, n);
	for (i = 0; i < GW_ID_LEN; i++)
		id[n + i] = alnum[randombytes_uniform(sizeof(alnum) - 1)];
	id[n + GW_ID_LEN] = '\0';
	return id;
}

/* A decimal integer in [min, max], strictly: digits and one sign only. */
int
gw_parse_int(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
gw_faults_get(struct db *d, struct gw_faults *f)
{
	static const char	 sql[] =
	    "SELECT duplicate, delay_s, reorder, drop_pm, api500_pm,"
	    " api500_next, slow_ms, lost_next FROM settings WHERE id = 1";
	sqlite3_stmt		*st = db_prep(d, sql);

	memset(f, 0, sizeof(*f));
	if (st == NULL || db_step(d, st) != SQLITE_ROW)
		return -1;
	f->duplicate = sqlite3_column_int(st, 0);
	f->delay_s = sqlite3_column_int(st, 1);
	f->reorder = sqlite3_column_int(st, 2) != 0;
	f->drop_pm = sqlite3_column_int(st, 3);
	f->api500_pm = sqlite3_column_int(st, 4);
	f->api500_next = sqlite3_column_int(st, 5);
	f->slow_ms = sqlite3_column_int(st, 6);
	f->lost_next = sqlite3_column_int(st, 7);
	sqlite3_reset(st);
	return 0;
}

/* In a write. */
int
gw_faults_put(struct db *d, const struct gw_faults *f)
{
	static const char	 sql[] =
	    "UPDATE settings SET duplicate = ?, delay_s = ?, reorder = ?,"
	    " drop_pm = ?, api500_pm = ?, api500_next = ?, slow_ms = ?,"
	    " lost_next = ? WHERE id = 1";
	sqlite3_stmt		*st = db_prep(d, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, f->duplicate);
	sqlite3_bind_int(st, 2, f->delay_s);
	sqlite3_bind_int(st, 3, f->reorder);
	sqlite3_bind_int(st, 4, f->drop_pm);
	sqlite3_bind_int(st, 5, f->api500_pm);
	sqlite3_bind_int(st, 6, f->api500_next);
	sqlite3_bind_int(st, 7, f->slow_ms);
	sqlite3_bind_int(st, 8, f->lost_next);
	return db_step(d, st) == SQLITE_DONE ? 0 : -1;
}

/*
 * A fraction as per mille: "0", "1", "0.5", "0.025", "all", "none".
 * At most three decimals; nothing else.
 */
static int
parse_fraction(const char *s, int *pm)
{
	int	v = 0, digits = 0;

	if (strcmp(s, "all") == 0 || strcmp(s, "1") == 0 ||
	    strcmp(s, "1.0") == 0) {
		*pm = 1000;
		return 0;
	}
	if (strcmp(s, "none") == 0 || strcmp(s, "0") == 0) {
		*pm = 0;
		return 0;
	}
	if (s[0] != '0' || s[1] != '.' || s[2] == '\0')
		return -1;
	for (s += 2; *s != '\0'; s++, digits++) {
		if (*s < '0' || *s > '9' || digits == 3)
			return -1;
		v = v * 10 + (*s - '0');
	}
	for (; digits < 3; digits++)
		v *= 10;
	*pm = v;
	return 0;
}

static int
parse_flag(const char *s, bool *b)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "on") == 0) {
		*b = true;
		return 0;
	}
	if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "off") == 0) {
		*b = false;
		return 0;
	}
	return -1;
}

/* Set one fault by name (README.md lists them). */
int
gw_fault_set(struct gw_faults *f, const char *name, const char *value,
    char *err, size_t errlen)
{
	long long	v;

	if (strcmp(name, "duplicate") == 0) {
		bool b;

		/* "1"/"true" doubles each delivery; "N" adds N copies. */
		if (parse_flag(value, &b) == 0)
			f->duplicate = b ? 1 : 0;
		else if (gw_parse_int(value, 0, GW_MAX_COPIES, &v) == 0)
			f->duplicate = (int)v;
		else
			goto bad;
	} else if (strcmp(name, "delay") == 0) {
		if (gw_parse_int(value, 0, GW_MAX_DELAY_S, &v) != 0)
			goto bad;
		f->delay_s = (int)v;
	} else if (strcmp(name, "reorder") == 0) {
		if (parse_flag(value, &f->reorder) != 0)
			goto bad;
	} else if (strcmp(name, "drop") == 0) {
		if (parse_fraction(value, &f->drop_pm) != 0)
			goto bad;
	} else if (strcmp(name, "api_500") == 0) {
		if (parse_fraction(value, &f->api500_pm) != 0)
			goto bad;
	} else if (strcmp(name, "api_500_next") == 0) {
		if (gw_parse_int(value, 0, 1000000, &v) != 0)
			goto bad;
		f->api500_next = (int)v;
	} else if (strcmp(name, "lost_next") == 0) {
		if (gw_parse_int(value, 0, 1000000, &v) != 0)
			goto bad;
		f->lost_next = (int)v;
	} else if (strcmp(name, "slow_ms") == 0) {
		if (gw_parse_int(value, 0, GW_MAX_SLOW_MS, &v) != 0)
			goto bad;
		f->slow_ms = (int)v;
	} else {
		snprintf(err, errlen, "unknown fault \"%s\" (known: "
		    "duplicate, delay, reorder, drop, api_500, api_500_next, "
		    "lost_next, slow_ms)", name);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "bad value for fault %s: \"%s\"", name, value);
	return -1;
}

/* "name=value,name=value" (GATEWAY_FAULTS) onto f. */
int
gw_faults_parse(struct gw_faults *f, const char *spec, char *err,
    size_t errlen)
{
	char	 item[128], *eq;
	size_t	 n;

	while (*spec != '\0') {
		n = strcspn(spec, ", ");
		if (n >= sizeof(item)) {
			snprintf(err, errlen, "fault setting too long");
			return -1;
		}
		memcpy(item, spec, n);
		item[n] = '\0';
		spec += n;
		spec += strspn(spec, ", ");
		if (n == 0)
			continue;
		if ((eq = strchr(item, '=')) == NULL) {
			snprintf(err, errlen, "fault \"%s\" has no value", item);
			return -1;
		}
		*eq = '\0';
		if (gw_fault_set(f, item, eq + 1, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/*
 * GATEWAY_FAULTS are the faults a run starts with. The database records
 * which run set them last (the web server's pid and the setting), so a
 * process that the web server restarts does not undo changes made at
 * run time through /_gateway/faults, and a new run starts afresh.
 */
int
gw_faults_apply_env(struct db *d, const struct gw_config *cfg, char *err,
    size_t errlen)
{
	static const char	 get_sql[] =
	    "SELECT env_key FROM settings WHERE id = 1";
	static const char	 set_sql[] =
	    "UPDATE settings SET env_key = ? WHERE id = 1";
	struct gw_faults	 f;
	sqlite3_stmt		*st;
	bool			 same;

	memset(&f, 0, sizeof(f));
	if (gw_faults_parse(&f, cfg->faults, err, errlen) != 0)
		return -1;
	if (db_begin(d) != 0)
		goto dberr;
	if ((st = db_prep(d, get_sql)) == NULL || db_step(d, st) != SQLITE_ROW)
		goto dberr;
	same = strcmp((const char *)sqlite3_column_text(st, 0),
	    cfg->env_key) == 0;
	sqlite3_reset(st);
	if (!same) {
		if (gw_faults_put(d, &f) != 0 ||
		    (st = db_prep(d, set_sql)) == NULL)
			goto dberr;
		sqlite3_bind_text(st, 1, cfg->env_key, -1, SQLITE_STATIC);
		if (db_step(d, st) != SQLITE_DONE)
			goto dberr;
	}
	if (db_commit(d) != 0)
		goto dberr;
	return 0;
dberr:
	snprintf(err, errlen, "%s", db_errmsg(d));
	db_rollback(d);
	return -1;
}

char *
gw_faults_json(struct db *d, struct arena *a)
{
	static const char	 sql[] =
	    "SELECT json_object('duplicate', duplicate, 'delay', delay_s,"
	    " 'reorder', json(CASE reorder WHEN 0 THEN 'false' ELSE 'true' END),"
	    " 'drop', drop_pm / 1000.0, 'api_500', api500_pm / 1000.0,"
	    " 'api_500_next', api500_next, 'lost_next', lost_next,"
	    " 'slow_ms', slow_ms)"
	    " FROM settings WHERE id = 1";
	sqlite3_stmt		*st = db_prep(d, sql);
	char			*j;

	if (st == NULL || db_step(d, st) != SQLITE_ROW)
		return NULL;
	j = db_text(a, st, 0);
	sqlite3_reset(st);
	return j;
}

/* The first column of the first row of st with one text parameter. */
static char *
one_json(struct db *d, struct arena *a, const char *sql, const char *key)
{
	sqlite3_stmt	*st = db_prep(d, sql);
	char		*j = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW)
		j = db_text(a, st, 0);
	sqlite3_reset(st);
	return j;
}

char *
gw_session_json(struct db *d, struct arena *a, const char *id)
{
	static const char	sql[] = "SELECT j FROM session_json WHERE id = ?";

	return one_json(d, a, sql, id);
}

char *
gw_charge_json(struct db *d, struct arena *a, const char *pi)
{
	static const char	sql[] =
	    "SELECT j FROM charge_json WHERE payment_intent = ?";

	return one_json(d, a, sql, pi);
}

char *
gw_refund_json(struct db *d, struct arena *a, const char *id)
{
	static const char	sql[] = "SELECT j FROM refund_json WHERE id = ?";

	return one_json(d, a, sql, id);
}

/* A list object around JSON elements the caller appends between. */
void
gw_list_begin(struct buf *b)
{
	buf_puts(b, "{\"object\":\"list\",\"data\":[");
}

void
gw_list_end(struct buf *b, const char *url, bool has_more)
{
	buf_printf(b, "],\"has_more\":%s,\"url\":", has_more ? "true" :
	    "false");
	json_string(b, url, strlen(url));
	buf_puts(b, "}");
}

/*
 * Record an event (in the caller's write transaction) and schedule its
 * webhook deliveries according to the faults: duplicate copies, a delay,
 * a reordering hold, and drops decided now. object_json is the object as
 * it is at this moment; request_id and idem_key (may be NULL) say which
 * API request caused it. Returns 0 or -1.
 */
int
gw_event_emit(struct gw_thread *t, struct arena *a, const char *type,
    const char *object_json, const char *request_id, const char *idem_key)
{
	static const char	 event_sql[] =
	    "INSERT INTO events (id, type, created, body) VALUES (?1, ?2, ?3,"
	    " json_object('id', ?1, 'object', 'event', 'api_version', ?4,"
	    " 'created', ?3, 'data', json_object('object', json(?5)),"
	    " 'livemode', json('false'), 'pending_webhooks', ?6,"
	    " 'request', json_object('id', ?7, 'idempotency_key', ?8),"
	    " 'type', ?2))";
	static const char	 hold_sql[] =
	    "UPDATE deliveries SET next_at_ms = ?1 WHERE state = 'pending'"
	    " AND attempts = 0 AND next_at_ms < ?1";
	static const char	 delivery_sql[] =
	    "INSERT INTO deliveries (event_seq, copy, url, state, created_ms,"
	    " next_at_ms) VALUES (?, ?, ?, ?, ?, ?)";
	struct db		*d = t->db;
	struct gw_faults	 f;
	sqlite3_stmt		*st;
	sqlite3_int64		 seq;
	long long		 now = gw_now_ms(), at;
	const char		*url = t->cfg->webhook_url;
	char			*id = gw_id(a, "evt_");
	int			 copy;
	bool			 drop;

	if (gw_faults_get(d, &f) != 0 || (st = db_prep(d, event_sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now / 1000);
	sqlite3_bind_text(st, 4, GW_API_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, object_json, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, url != NULL ? 1 : 0);
	if (request_id != NULL)
		sqlite3_bind_text(st, 7, request_id, -1, SQLITE_STATIC);
	if (idem_key != NULL)
		sqlite3_bind_text(st, 8, idem_key, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	seq = sqlite3_last_insert_rowid(db_handle(d));
	log_info("event %s %s", id, type);
	if (url == NULL)
		return 0;
	at = now + (long long)f.delay_s * 1000;
	if (f.reorder) {
		/* Hold what is waiting so this event can overtake it. */
		at += GW_REORDER_HOLD_MS;
		if ((st = db_prep(d, hold_sql)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, at);
		if (db_step(d, st) != SQLITE_DONE)
			return -1;
	}
	for (copy = 1; copy <= 1 + f.duplicate; copy++) {
		drop = f.drop_pm > 0 && (int)randombytes_uniform(1000) <
		    f.drop_pm;
		if ((st = db_prep(d, delivery_sql)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, seq);
		sqlite3_bind_int(st, 2, copy);
		sqlite3_bind_text(st, 3, url, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, drop ? "dropped" : "pending", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		sqlite3_bind_int64(st, 6, at);
		if (db_step(d, st) != SQLITE_DONE)
			return -1;
		if (drop)
			log_info("event %s: delivery %d dropped (fault)", id,
			    copy);
	}
	return 0;
}
