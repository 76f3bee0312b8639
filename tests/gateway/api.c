/*
 * The Stripe API subset the shop uses, with Stripe's request and answer
 * shapes: Checkout Sessions (create, retrieve, list, expire, line items),
 * refunds, events; Bearer (or Basic) authentication with the secret key;
 * Idempotency-Key handling; Stripe's error objects and status codes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/money.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/http.h"
#include "web/urlenc.h"
#include "app/app.h"

#include "gateway.h"

#define KEY_PARTS	6	/* a[b][c][d][e][f] at most */
#define MAX_URL		5000
#define MAX_REF		200
#define MAX_EMAIL	512
#define MAX_NAME	5000
#define MAX_QUANTITY	999999
#define EXPIRY_SLACK	10	/* seconds of latency forgiven */

/* One API request. */
struct api {
	struct gw_thread	*t;
	const char		*request_id;
	const char		*idem;		/* Idempotency-Key, or NULL */
	struct kvlist		 form;
};

/* What an operation answers; saved for its key when it succeeded. */
struct api_out {
	int		 status;
	char		*body;
};

typedef int (*api_op)(struct req *, struct api *, struct api_out *);

char *
gw_error_json(struct arena *a, const char *type, const char *code,
    const char *decline_code, const char *param, const char *message)
{
	struct tval	*root = tval_map(a), *e;
	struct buf	 b = { 0 };
	char		*s;

	e = tval_set_map(a, root, "error");
	if (code != NULL)
		tval_set_str(a, e, "code", code);
	if (decline_code != NULL)
		tval_set_str(a, e, "decline_code", decline_code);
	if (code != NULL)
		tval_set_str(a, e, "doc_url", arena_printf(a,
		    "https://stripe.com/docs/error-codes/%s", code));
	tval_set_str(a, e, "message", message);
	if (param != NULL)
		tval_set_str(a, e, "param", param);
	tval_set_str(a, e, "type", type);
	tval_json(&b, root);
	s = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return s;
}

void
gw_api_answer(struct req *r, int status, const char *json)
{
	r->status = status;
	r->resp_type = "application/json";
	r->cache_control = "no-store";
	buf_reset(&r->body_out);
	buf_puts(&r->body_out, json);
	buf_putc(&r->body_out, '\n');
}

void
gw_api_error(struct req *r, int status, const char *type, const char *code,
    const char *param, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = arena_vprintf(r->arena, fmt, ap);
	va_end(ap);
	gw_api_answer(r, status, gw_error_json(r->arena, type, code, NULL,
	    param, msg));
}

static void
op_verror(struct req *r, struct api_out *o, int status, const char *code,
    const char *param, const char *fmt, va_list ap)
{
	o->status = status;
	o->body = gw_error_json(r->arena, "invalid_request_error", code, NULL,
	    param, arena_vprintf(r->arena, fmt, ap));
}

/* An error as an operation's result (not saved for its key); 0. */
static int
op_error(struct req *r, struct api_out *o, int status, const char *code,
    const char *param, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int
op_error(struct req *r, struct api_out *o, int status, const char *code,
    const char *param, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	op_verror(r, o, status, code, param, fmt, ap);
	va_end(ap);
	return 0;
}

/* The same for a parameter check, which returns -1 when it refuses. */
static int
bad_param(struct req *r, struct api_out *o, const char *code,
    const char *param, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
bad_param(struct req *r, struct api_out *o, const char *code,
    const char *param, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	op_verror(r, o, 400, code, param, fmt, ap);
	va_end(ap);
	return -1;
}

/* "sk_test_...abcd" for messages: never the whole key. */
static const char *
key_hint(struct arena *a, const char *key, size_t n)
{
	if (n <= 8)
		return "****";
	return arena_printf(a, "%.8s****%.*s", key, 4, key + n - 4);
}

/*
 * The secret key from "Authorization: Bearer KEY" or "Basic
 * base64(KEY:)" (curl -u KEY:), as Stripe accepts both. Answers 401
 * itself and returns -1 when it is missing or wrong.
 */
static int
authorize(struct req *r, const struct gw_config *cfg)
{
	const char	*h = req_header(r, "Authorization");
	const char	*key = NULL;
	char		*dec;
	size_t		 n = 0, declen;

	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
		key = h + 7;
		n = strlen(key);
	} else if (h != NULL && strncasecmp(h, "Basic ", 6) == 0) {
		declen = strlen(h + 6);
		dec = arena_alloc(r->arena, declen + 1);
		if (sodium_base642bin((unsigned char *)dec, declen, h + 6,
		    strlen(h + 6), NULL, &declen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) == 0) {
			dec[declen] = '\0';
			key = dec;
			n = strcspn(dec, ":");
		}
	}
	if (key == NULL || n == 0) {
		resp_header(r, "WWW-Authenticate", "Bearer realm=\"Stripe\"");
		gw_api_error(r, 401, "invalid_request_error", NULL, NULL,
		    "You did not provide an API key. You need to provide your "
		    "API key in the Authorization header, using Bearer auth "
		    "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
		return -1;
	}
	if (n != strlen(cfg->secret_key) ||
	    sodium_memcmp(key, cfg->secret_key, n) != 0) {
		gw_api_error(r, 401, "invalid_request_error",
		    "api_key_invalid", NULL, "Invalid API Key provided: %s",
		    key_hint(r->arena, key, n));
		return -1;
	}
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		continue;
}

/* Take one from a counter fault; 1 if there was one to take. */
static int
take_one(struct db *d, const char *sql)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	if (db_begin(d) != 0)
		return 0;
	if ((st = db_prep(d, sql)) != NULL && db_step(d, st) == SQLITE_DONE)
		n = sqlite3_changes(db_handle(d));
	if (db_commit(d) != 0)
		n = 0;
	return n > 0;
}

static void
fault_500(struct req *r, const char *which)
{
	gw_api_error(r, 500, "api_error", NULL, NULL, "An unknown error "
	    "occurred (the test gateway's %s fault).", which);
}

/*
 * Every API and control request: a Request-Id, the secret key, then for
 * the API (faults true) the slow and 500 faults. Control requests skip
 * the faults, so a test can always turn them off again.
 */
int
gw_api_begin(struct req *r, const char **request_id, bool faults)
{
	static const char	 take_sql[] =
	    "UPDATE settings SET api500_next = api500_next - 1"
	    " WHERE id = 1 AND api500_next > 0";
	struct gw_thread	*t = gw_req_thread(r);
	struct gw_faults	 f;
	char			*rid = gw_id(r->arena, "req_");

	resp_header(r, "Request-Id", rid);
	resp_header(r, "Stripe-Version", GW_API_VERSION);
	*request_id = rid;
	if (authorize(r, t->cfg) != 0)
		return -1;
	if (!faults)
		return 0;
	if (gw_faults_get(t->db, &f) != 0) {
		gw_api_error(r, 500, "api_error", NULL, NULL, "The test "
		    "gateway's database failed: %s", db_errmsg(t->db));
		return -1;
	}
	if (f.slow_ms > 0)
		sleep_ms(f.slow_ms);
	if (f.api500_next > 0 && take_one(t->db, take_sql)) {
		fault_500(r, "api_500_next");
		return -1;
	}
	if (f.api500_pm > 0 && (int)randombytes_uniform(1000) < f.api500_pm) {
		fault_500(r, "api_500");
		return -1;
	}
	return 0;
}

/* The urlencoded body of a POST into q->form; answers 400 on error. */
static int
api_form(struct req *r, struct api *q)
{
	enum parse_err	 e;

	if (r->body_len > 0 && (r->content_type == NULL ||
	    strcmp(r->content_type, "application/x-www-form-urlencoded"))) {
		gw_api_error(r, 400, "invalid_request_error", NULL, NULL,
		    "Invalid request: the body must be "
		    "application/x-www-form-urlencoded.");
		return -1;
	}
	if (r->body_len > GW_MAX_FORM_BODY) {
		gw_api_error(r, 400, "invalid_request_error", NULL, NULL,
		    "Invalid request: the body is over %d bytes.",
		    GW_MAX_FORM_BODY);
		return -1;
	}
	e = urlenc_parse_max(r->arena, r->body, r->body_len, GW_MAX_FIELDS,
	    &q->form);
	if (e != PARSE_OK) {
		gw_api_error(r, 400, "invalid_request_error", NULL, NULL,
		    "Invalid request: unable to parse the body: %s.",
		    parse_err_msgs[e]);
		return -1;
	}
	return 0;
}

/* Everything every API route does first. 0 to go on. */
static int
api_start(struct req *r, struct api *q, bool post)
{
	const char	*k;
	size_t		 i;

	memset(q, 0, sizeof(*q));
	q->t = gw_req_thread(r);
	if (gw_api_begin(r, &q->request_id, true) != 0)
		return -1;
	if (!post)
		return 0;
	if ((k = req_header(r, "Idempotency-Key")) != NULL) {
		for (i = 0; k[i] != '\0'; i++)
			if ((unsigned char)k[i] < 0x20 || k[i] == 0x7f)
				break;
		if (*k == '\0' || k[i] != '\0' || i > GW_MAX_IDEM_KEY) {
			gw_api_error(r, 400, "invalid_request_error", NULL,
			    NULL, "Invalid Idempotency-Key: it must be 1 to "
			    "%d printable characters.", GW_MAX_IDEM_KEY);
			return -1;
		}
		q->idem = k;
		resp_header(r, "Idempotency-Key", k);
	}
	return api_form(r, q);
}

static int
kv_cmp(const void *x, const void *y)
{
	const struct kv	*a = x, *b = y;
	int		 c = strcmp(a->key, b->key);

	return c != 0 ? c : strcmp(a->val, b->val);
}

/* SHA-256 of the fields sorted: the same parameters in any order match. */
static char *
params_digest(struct arena *a, const struct kvlist *form)
{
	struct kv				*v;
	crypto_hash_sha256_state		 st;
	unsigned char				 h[crypto_hash_sha256_BYTES];
	char					*hex;
	size_t					 i;

	v = arena_calloc(a, form->n ? form->n : 1, sizeof(*v));
	if (form->n > 0)
		memcpy(v, form->v, form->n * sizeof(*v));
	qsort(v, form->n, sizeof(*v), kv_cmp);
	crypto_hash_sha256_init(&st);
	for (i = 0; i < form->n; i++) {
		crypto_hash_sha256_update(&st, (const unsigned char *)v[i].key,
		    strlen(v[i].key) + 1);
		crypto_hash_sha256_update(&st, (const unsigned char *)v[i].val,
		    strlen(v[i].val) + 1);
	}
	crypto_hash_sha256_final(&st, h);
	hex = arena_alloc(a, sizeof(h) * 2 + 1);
	sodium_bin2hex(hex, sizeof(h) * 2 + 1, h, sizeof(h));
	return hex;
}

/*
 * Run op in one write transaction under Stripe's idempotency rules: a key
 * seen before with the same endpoint and parameters answers the first
 * answer again (Idempotent-Replayed: true) and runs nothing; with other
 * ones it is an idempotency_error. Only successful answers are saved, as
 * Stripe saves nothing for requests that failed validation.
 */
static int
idempotent(struct req *r, struct api *q, const char *endpoint, api_op op)
{
	static const char	 get_sql[] =
	    "SELECT endpoint, params, status, body FROM idempotency"
	    " WHERE key = ?";
	static const char	 put_sql[] =
	    "INSERT INTO idempotency (key, endpoint, params, status, body,"
	    " created) VALUES (?, ?, ?, ?, ?, ?)";
	static const char	 lost_sql[] =
	    "UPDATE settings SET lost_next = lost_next - 1"
	    " WHERE id = 1 AND lost_next > 0";
	struct db		*d = q->t->db;
	struct api_out		 o = { 0, NULL };
	sqlite3_stmt		*st;
	char			*digest = params_digest(r->arena, &q->form);
	int			 rc;

	if (db_begin(d) != 0) {
		gw_api_error(r, 500, "api_error", NULL, NULL, "The test "
		    "gateway's database is busy: %s", db_errmsg(d));
		return 0;
	}
	if (q->idem != NULL) {
		if ((st = db_prep(d, get_sql)) == NULL)
			goto dberr;
		sqlite3_bind_text(st, 1, q->idem, -1, SQLITE_STATIC);
		if ((rc = db_step(d, st)) < 0)
			goto dberr;
		if (rc == SQLITE_ROW) {
			bool same = strcmp((const char *)sqlite3_column_text(
			    st, 0), endpoint) == 0 && strcmp((const char *)
			    sqlite3_column_text(st, 1), digest) == 0;
			int status = sqlite3_column_int(st, 2);
			char *body = db_text(r->arena, st, 3);

			sqlite3_reset(st);
			db_rollback(d);
			if (!same) {
				gw_api_error(r, 400, "idempotency_error", NULL,
				    NULL, "Keys for idempotent requests can "
				    "only be used with the same parameters "
				    "they were first used with. Try using a "
				    "key other than '%s' if you meant to "
				    "execute a different request.", q->idem);
				return 0;
			}
			resp_header(r, "Idempotent-Replayed", "true");
			gw_api_answer(r, status, body);
			return 0;
		}
		sqlite3_reset(st);
	}
	if (op(r, q, &o) != 0)
		goto dberr;
	if (o.status < 200 || o.status > 299) {
		db_rollback(d);
		gw_api_answer(r, o.status, o.body);
		return 0;
	}
	if (q->idem != NULL) {
		if ((st = db_prep(d, put_sql)) == NULL)
			goto dberr;
		sqlite3_bind_text(st, 1, q->idem, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, endpoint, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, digest, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, o.status);
		sqlite3_bind_text(st, 5, o.body, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, gw_now());
		if (db_step(d, st) != SQLITE_DONE)
			goto dberr;
	}
	if (db_commit(d) != 0)
		goto dberr_committed;
	if (take_one(d, lost_sql)) {
		fault_500(r, "lost_next");
		return 0;
	}
	gw_api_answer(r, o.status, o.body);
	return 0;
dberr:
	db_rollback(d);
dberr_committed:
	gw_api_error(r, 500, "api_error", NULL, NULL, "The test gateway's "
	    "database failed: %s", db_errmsg(d));
	return 0;
}

/*
 * Stripe's bracket syntax: "line_items[0][price_data][currency]" into
 * its parts "line_items", "0", "price_data", "currency". Returns the
 * number of parts, or 0 when the key is not of that form.
 */
static size_t
key_split(struct arena *a, const char *key, const char *parts[KEY_PARTS])
{
	const char	*p = key, *close;
	size_t		 n = 0, len;

	len = strcspn(p, "[]");
	if (len == 0 || p[len] == ']')
		return 0;
	parts[n++] = arena_strndup(a, p, len);
	p += len;
	while (*p == '[') {
		if (n == KEY_PARTS || (close = strchr(p + 1, ']')) == NULL ||
		    memchr(p + 1, '[', (size_t)(close - p - 1)) != NULL)
			return 0;
		parts[n++] = arena_strndup(a, p + 1, (size_t)(close - p - 1));
		p = close + 1;
	}
	return *p == '\0' ? n : 0;
}

static bool
is_index(const char *s, long long max, long long *out)
{
	return s[0] != '\0' && s[0] != '-' && (s[0] != '0' || s[1] == '\0') &&
	    gw_parse_int(s, 0, max - 1, out) == 0;
}

static bool
valid_url(const char *u)
{
	const char	*host;
	size_t		 n = strlen(u), i;

	if (n > MAX_URL)
		return false;
	if (strncmp(u, "https://", 8) == 0)
		host = u + 8;
	else if (strncmp(u, "http://", 7) == 0)
		host = u + 7;
	else
		return false;
	if (*host == '\0' || *host == '/')
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || u[i] == 0x7f)
			return false;
	return true;
}

static bool
valid_email(const char *e)
{
	const char	*at = strchr(e, '@');
	size_t		 i;

	if (strlen(e) > MAX_EMAIL || at == NULL || at == e || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return false;
	for (i = 0; e[i] != '\0'; i++)
		if ((unsigned char)e[i] <= 0x20 || e[i] == 0x7f)
			return false;
	return true;
}

/* A metadata entry into the map m (a JSON object in the making). */
static int
metadata_add(struct req *r, struct api_out *o, struct tval *m,
    const char *param, const char *k, const char *v)
{
	if (*k == '\0' || strlen(k) > GW_MAX_METADATA_KEY)
		return bad_param(r, o, "parameter_invalid_string", param,
		    "Metadata keys must be 1 to %d characters: %s",
		    GW_MAX_METADATA_KEY, param);
	if (strlen(v) > GW_MAX_METADATA_VALUE)
		return bad_param(r, o, "parameter_invalid_string", param,
		    "Metadata values can have up to %d characters, but you "
		    "passed in a value that is %zu characters: %s",
		    GW_MAX_METADATA_VALUE, strlen(v), param);
	if (m->u.c.n == GW_MAX_METADATA)
		return bad_param(r, o, "parameter_invalid_string", param,
		    "You can specify up to %d keys for metadata.",
		    GW_MAX_METADATA);
	tval_set_str(r->arena, m, k, v);
	return 0;
}

static char *
tval_text(struct arena *a, const struct tval *v)
{
	struct buf	 b = { 0 };
	char		*s;

	tval_json(&b, v);
	s = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return s;
}

struct item_in {
	const char	*currency;
	const char	*name;
	long long	 unit_amount;
	long long	 quantity;
	bool		 seen, has_amount, has_quantity;
};

/* The parameters of a new session, checked as Stripe checks them. */
struct session_in {
	const char	*mode, *success_url, *cancel_url, *ref, *email;
	long long	 expires_at;
	struct tval	*metadata, *pi_metadata;
	struct item_in	 items[GW_MAX_LINE_ITEMS];
	size_t		 nitems;
};

/* One field of POST /v1/checkout/sessions into in. */
static int
session_field(struct req *r, struct api_out *o, struct session_in *in,
    const struct kv *f)
{
	const char	*p[KEY_PARTS];
	size_t		 n = key_split(r->arena, f->key, p);
	long long	 i, v;
	struct item_in	*it;

	if (n == 1 && strcmp(p[0], "mode") == 0)
		in->mode = f->val;
	else if (n == 1 && strcmp(p[0], "success_url") == 0)
		in->success_url = f->val;
	else if (n == 1 && strcmp(p[0], "cancel_url") == 0)
		in->cancel_url = f->val;
	else if (n == 1 && strcmp(p[0], "client_reference_id") == 0)
		in->ref = f->val;
	else if (n == 1 && strcmp(p[0], "customer_email") == 0)
		in->email = f->val;
	else if (n == 1 && strcmp(p[0], "locale") == 0)
		;
	else if (n == 1 && strcmp(p[0], "expires_at") == 0) {
		if (gw_parse_int(f->val, 0, 1LL << 40, &in->expires_at) != 0)
			return bad_param(r, o, "parameter_invalid_integer",
			    f->key, "Invalid integer: %s", f->val);
	} else if (n == 2 && strcmp(p[0], "metadata") == 0) {
		return metadata_add(r, o, in->metadata, f->key, p[1], f->val);
	} else if (n == 3 && strcmp(p[0], "payment_intent_data") == 0 &&
	    strcmp(p[1], "metadata") == 0) {
		return metadata_add(r, o, in->pi_metadata, f->key, p[2],
		    f->val);
	} else if (n == 2 && (strcmp(p[0], "payment_method_types") == 0 ||
	    strcmp(p[0], "expand") == 0)) {
		if (strcmp(p[0], "payment_method_types") == 0 &&
		    strcmp(f->val, "card") != 0)
			return bad_param(r, o, "parameter_invalid_string",
			    f->key, "The test gateway supports the payment "
			    "method type card only.");
	} else if (n >= 3 && strcmp(p[0], "line_items") == 0) {
		if (!is_index(p[1], GW_MAX_LINE_ITEMS, &i))
			return bad_param(r, o, "parameter_invalid_integer",
			    f->key, "line_items: an index must be 0 to %d: %s",
			    GW_MAX_LINE_ITEMS - 1, f->key);
		it = &in->items[i];
		it->seen = true;
		if ((size_t)i + 1 > in->nitems)
			in->nitems = (size_t)i + 1;
		if (n == 3 && strcmp(p[2], "quantity") == 0) {
			if (gw_parse_int(f->val, 1, MAX_QUANTITY, &v) != 0)
				return bad_param(r, o,
				    "parameter_invalid_integer", f->key,
				    "Invalid integer: %s (a quantity is 1 to "
				    "%d)", f->val, MAX_QUANTITY);
			it->quantity = v;
			it->has_quantity = true;
		} else if (n == 4 && strcmp(p[2], "price_data") == 0 &&
		    strcmp(p[3], "currency") == 0)
			it->currency = f->val;
		else if (n == 4 && strcmp(p[2], "price_data") == 0 &&
		    strcmp(p[3], "unit_amount") == 0) {
			if (gw_parse_int(f->val, 0, GW_MAX_AMOUNT, &v) != 0)
				return bad_param(r, o,
				    "parameter_invalid_integer", f->key,
				    "Invalid non-negative integer: %s", f->val);
			it->unit_amount = v;
			it->has_amount = true;
		} else if (n == 5 && strcmp(p[2], "price_data") == 0 &&
		    strcmp(p[3], "product_data") == 0 &&
		    strcmp(p[4], "name") == 0) {
			if (*f->val == '\0' || strlen(f->val) > MAX_NAME)
				return bad_param(r, o,
				    "parameter_invalid_string", f->key,
				    "A product name is 1 to %d characters.",
				    MAX_NAME);
			it->name = f->val;
		} else
			goto unknown;
	} else
		goto unknown;
	return 0;
unknown:
	return bad_param(r, o, "parameter_unknown", f->key,
	    "Received unknown parameter: %s", f->key);
}

/* Stripe's "Create a Checkout Session", mode=payment with price_data. */
static int
op_session_create(struct req *r, struct api *q, struct api_out *o)
{
	static const char	 session_sql[] =
	    "INSERT INTO sessions (id, created, expires_at, currency,"
	    " amount_total, client_reference_id, customer_email, success_url,"
	    " cancel_url, url, metadata, pi_metadata) VALUES"
	    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char	 item_sql[] =
	    "INSERT INTO line_items (id, session_seq, idx, name, unit_amount,"
	    " quantity, currency) VALUES (?, ?, ?, ?, ?, ?, ?)";
	struct arena		*a = r->arena;
	struct db		*d = q->t->db;
	struct session_in	*in = arena_zalloc(a, sizeof(*in));
	struct item_in		*it;
	sqlite3_stmt		*st;
	sqlite3_int64		 seq;
	long long		 now = gw_now(), total = 0, line;
	const char		*cur = NULL;
	char			 upper[4], *id, *lower;
	size_t			 i, k;

	in->metadata = tval_map(a);
	in->pi_metadata = tval_map(a);
	for (i = 0; i < q->form.n; i++)
		if (session_field(r, o, in, &q->form.v[i]) != 0)
			return 0;
	if (in->mode == NULL)
		return op_error(r, o, 400, "parameter_missing", "mode",
		    "Missing required param: mode.");
	if (strcmp(in->mode, "payment") != 0)
		return op_error(r, o, 400, "parameter_invalid_string", "mode",
		    "Invalid mode: the test gateway supports payment only.");
	if (in->nitems == 0)
		return op_error(r, o, 400, "parameter_missing", "line_items",
		    "Missing required param: line_items.");
	for (i = 0; i < in->nitems; i++) {
		it = &in->items[i];
		if (!it->seen)
			return op_error(r, o, 400, "parameter_missing",
			    arena_printf(a, "line_items[%zu]", i), "Missing "
			    "required param: line_items[%zu].", i);
		if (!it->has_quantity)
			return op_error(r, o, 400, "parameter_missing",
			    arena_printf(a, "line_items[%zu][quantity]", i),
			    "Missing required param: line_items[%zu]"
			    "[quantity].", i);
		if (it->currency == NULL || !it->has_amount ||
		    it->name == NULL)
			return op_error(r, o, 400, "parameter_missing",
			    arena_printf(a, "line_items[%zu][price_data]", i),
			    "Missing required param: line_items[%zu]"
			    "[price_data][%s].", i, it->currency == NULL ?
			    "currency" : !it->has_amount ? "unit_amount" :
			    "product_data][name");
		if (strlen(it->currency) != 3)
			goto badcur;
		for (k = 0; k < 3; k++) {
			char c = it->currency[k];

			upper[k] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
		}
		upper[3] = '\0';
		if (!money_known(upper))
			goto badcur;
		if (cur != NULL && strcasecmp(cur, it->currency) != 0)
			return op_error(r, o, 400, "parameter_invalid_string",
			    arena_printf(a, "line_items[%zu][price_data]"
			    "[currency]", i), "All line items must have the "
			    "same currency.");
		cur = it->currency;
		if (money_mul(it->unit_amount, it->quantity, &line) != 0 ||
		    money_add(total, line, &total) != 0 ||
		    total > GW_MAX_AMOUNT)
			return op_error(r, o, 400, "amount_too_large",
			    "line_items", "The Checkout Session's total amount "
			    "due must be no more than %lld.", GW_MAX_AMOUNT);
	}
	if (in->success_url == NULL)
		return op_error(r, o, 400, "parameter_missing", "success_url",
		    "Missing required param: success_url.");
	if (!valid_url(in->success_url))
		return op_error(r, o, 400, "url_invalid", "success_url",
		    "Not a valid URL");
	if (in->cancel_url != NULL && !valid_url(in->cancel_url))
		return op_error(r, o, 400, "url_invalid", "cancel_url",
		    "Not a valid URL");
	if (in->ref != NULL && (*in->ref == '\0' || strlen(in->ref) > MAX_REF))
		return op_error(r, o, 400, "parameter_invalid_string",
		    "client_reference_id", "client_reference_id must be 1 to "
		    "%d characters.", MAX_REF);
	if (in->email != NULL && !valid_email(in->email))
		return op_error(r, o, 400, "email_invalid", "customer_email",
		    "Invalid email address: %s", in->email);
	if (in->expires_at == 0)
		in->expires_at = now + GW_MAX_EXPIRY;
	else if (in->expires_at < now + GW_MIN_EXPIRY - EXPIRY_SLACK)
		return op_error(r, o, 400, "parameter_invalid_integer",
		    "expires_at", "The `expires_at` timestamp must be at least "
		    "30 minutes from Checkout Session creation.");
	else if (in->expires_at > now + GW_MAX_EXPIRY)
		return op_error(r, o, 400, "parameter_invalid_integer",
		    "expires_at", "The `expires_at` timestamp must be less "
		    "than 24 hours from Checkout Session creation.");

	id = gw_id(a, "cs_test_");
	lower = arena_strdup(a, upper);
	for (k = 0; k < 3; k++)
		lower[k] = (char)(lower[k] - 'A' + 'a');
	if ((st = db_prep(d, session_sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, in->expires_at);
	sqlite3_bind_text(st, 4, lower, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, total);
	if (in->ref != NULL)
		sqlite3_bind_text(st, 6, in->ref, -1, SQLITE_STATIC);
	if (in->email != NULL)
		sqlite3_bind_text(st, 7, in->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, in->success_url, -1, SQLITE_STATIC);
	if (in->cancel_url != NULL)
		sqlite3_bind_text(st, 9, in->cancel_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, arena_printf(a, "%s/c/pay/%s",
	    q->t->cfg->base_url, id), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, tval_text(a, in->metadata), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 12, tval_text(a, in->pi_metadata), -1,
	    SQLITE_TRANSIENT);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	seq = sqlite3_last_insert_rowid(db_handle(d));
	for (i = 0; i < in->nitems; i++) {
		if ((st = db_prep(d, item_sql)) == NULL)
			return -1;
		sqlite3_bind_text(st, 1, gw_id(a, "li_"), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, seq);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
		sqlite3_bind_text(st, 4, in->items[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, in->items[i].unit_amount);
		sqlite3_bind_int64(st, 6, in->items[i].quantity);
		sqlite3_bind_text(st, 7, lower, -1, SQLITE_STATIC);
		if (db_step(d, st) != SQLITE_DONE)
			return -1;
	}
	if ((o->body = gw_session_json(d, a, id)) == NULL)
		return -1;
	o->status = 200;
	log_info("session %s created: %lld %s, %zu line item%s", id, total,
	    cur, in->nitems, in->nitems == 1 ? "" : "s");
	return 0;
badcur:
	return op_error(r, o, 400, "parameter_invalid_string",
	    arena_printf(a, "line_items[%zu][price_data][currency]", i),
	    "Invalid currency: %s.", it->currency);
}

int
h_sessions_create(struct req *r)
{
	struct api	q;

	if (api_start(r, &q, true) != 0)
		return 0;
	return idempotent(r, &q, "POST /v1/checkout/sessions",
	    op_session_create);
}

static void
not_found(struct req *r, const char *what, const char *id)
{
	gw_api_error(r, 404, "invalid_request_error", "resource_missing",
	    "id", "No such %s: '%s'", what, id);
}

/* Stripe's "Retrieve a Checkout Session". */
int
h_session_get(struct req *r)
{
	struct api	 q;
	const char	*id = req_param(r, "id");
	char		*j;

	if (api_start(r, &q, false) != 0)
		return 0;
	if ((j = gw_session_json(q.t->db, r->arena, id)) == NULL) {
		not_found(r, "checkout.session", id);
		return 0;
	}
	gw_api_answer(r, 200, j);
	return 0;
}

/* Query parameters of a list: only the known ones, limit in range. */
static int
list_params(struct req *r, const char *const *known, size_t nknown,
    long long *limit)
{
	size_t		 i, k;
	const char	*l;

	for (i = 0; i < r->query.n; i++) {
		for (k = 0; k < nknown; k++)
			if (strcmp(r->query.v[i].key, known[k]) == 0)
				break;
		if (k == nknown) {
			gw_api_error(r, 400, "invalid_request_error",
			    "parameter_unknown", r->query.v[i].key,
			    "Received unknown parameter: %s",
			    r->query.v[i].key);
			return -1;
		}
	}
	*limit = GW_LIST_DEFAULT;
	if ((l = req_query(r, "limit")) != NULL &&
	    gw_parse_int(l, 1, GW_LIST_MAX, limit) != 0) {
		gw_api_error(r, 400, "invalid_request_error",
		    "parameter_invalid_integer", "limit", "Invalid integer: "
		    "%s (limit is 1 to %d)", l, GW_LIST_MAX);
		return -1;
	}
	return 0;
}

/* A created[...] bound of the query, bound to parameter i. */
static int
bind_created(struct req *r, sqlite3_stmt *st, int i, const char *key)
{
	const char	*v = req_query(r, key);
	long long	 t;

	if (v == NULL)
		return 0;
	if (gw_parse_int(v, 0, 1LL << 40, &t) != 0) {
		gw_api_error(r, 400, "invalid_request_error",
		    "parameter_invalid_integer", key, "Invalid integer: %s", v);
		return -1;
	}
	sqlite3_bind_int64(st, i, t);
	return 0;
}

/* The seq of an object id for starting_after, via sql; 0 if none given. */
static int
cursor(struct req *r, struct db *d, const char *sql, const char *what,
    sqlite3_int64 *seq)
{
	const char	*id = req_query(r, "starting_after");
	sqlite3_stmt	*st;
	int		 rc;

	*seq = 0;
	if (id == NULL)
		return 0;
	if ((st = db_prep(d, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		gw_api_error(r, 400, "invalid_request_error",
		    "resource_missing", "starting_after", "No such %s: '%s'",
		    what, id);
		return -1;
	}
	return 0;
}

/* Rows of st (column 0 is JSON) as a list answer, at most limit. */
static void
answer_rows(struct req *r, struct db *d, sqlite3_stmt *st, long long limit,
    const char *url)
{
	struct buf	 b = { 0 };
	long long	 n = 0;
	bool		 more = false;
	int		 rc;

	gw_list_begin(&b);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (n == limit) {
			more = true;
			break;
		}
		if (n++ > 0)
			buf_putc(&b, ',');
		buf_puts(&b, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	gw_list_end(&b, url, more);
	if (rc < 0)
		gw_api_error(r, 500, "api_error", NULL, NULL, "The test "
		    "gateway's database failed: %s", db_errmsg(d));
	else
		gw_api_answer(r, 200, buf_str(&b));
	buf_free(&b);
}

/*
 * A list, newest first, as Stripe pages one: the request's known
 * parameters, starting_after resolved to a seq with seq_sql (of object
 * kind), and sql bound with created[gte|gt|lte|lt] as ?1..?4, the query
 * parameter filter (or NULL) as ?5, the cursor as ?6, limit + 1 as ?7.
 */
static int
list_newest(struct req *r, const char *const *known, size_t nknown,
    const char *seq_sql, const char *object, const char *sql,
    const char *filter, const char *url)
{
	struct api		 q;
	struct db		*d;
	sqlite3_stmt		*st;
	sqlite3_int64		 after;
	long long		 limit;

	if (api_start(r, &q, false) != 0 ||
	    list_params(r, known, nknown, &limit))
		return 0;
	d = q.t->db;
	if (cursor(r, d, seq_sql, object, &after) != 0)
		return 0;
	if ((st = db_prep(d, sql)) == NULL)
		return 500;
	if (bind_created(r, st, 1, "created[gte]") != 0 ||
	    bind_created(r, st, 2, "created[gt]") != 0 ||
	    bind_created(r, st, 3, "created[lte]") != 0 ||
	    bind_created(r, st, 4, "created[lt]") != 0)
		return 0;
	if (req_query(r, filter) != NULL)
		sqlite3_bind_text(st, 5, req_query(r, filter), -1,
		    SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, after);
	sqlite3_bind_int64(st, 7, limit + 1);
	answer_rows(r, d, st, limit, url);
	return 0;
}

/*
 * Stripe's "List all Checkout Sessions": newest first, created[gte|gt|
 * lte|lt], status, limit, starting_after.
 */
int
h_sessions_list(struct req *r)
{
	static const char *const known[] = {
		"limit", "starting_after", "created[gte]", "created[gt]",
		"created[lte]", "created[lt]", "status", "expand[]",
	};

	return list_newest(r, known, sizeof(known) / sizeof(known[0]),
	    "SELECT seq FROM sessions WHERE id = ?", "checkout.session",
	    "SELECT j FROM session_json"
	    " WHERE (?1 IS NULL OR created >= ?1) AND (?2 IS NULL OR created > ?2)"
	    " AND (?3 IS NULL OR created <= ?3) AND (?4 IS NULL OR created < ?4)"
	    " AND (?5 IS NULL OR status = ?5) AND (?6 = 0 OR seq < ?6)"
	    " ORDER BY seq DESC LIMIT ?7", "status", "/v1/checkout/sessions");
}

/* Stripe's "Retrieve a Checkout Session's line items". */
int
h_session_line_items(struct req *r)
{
	static const char *const known[] = { "limit", "starting_after" };
	static const char	 exists_sql[] =
	    "SELECT 1 FROM sessions WHERE id = ?";
	static const char	 seq_sql[] =
	    "SELECT idx + 1 FROM line_items WHERE id = ?";
	static const char	 sql[] =
	    "SELECT j FROM line_item_json WHERE session_id = ?1 AND idx >= ?2"
	    " ORDER BY idx LIMIT ?3";
	struct api		 q;
	struct db		*d;
	sqlite3_stmt		*st;
	sqlite3_int64		 after;
	long long		 limit;
	const char		*id = req_param(r, "id");
	int			 rc;

	if (api_start(r, &q, false) != 0 ||
	    list_params(r, known, sizeof(known) / sizeof(known[0]), &limit))
		return 0;
	d = q.t->db;
	if ((st = db_prep(d, exists_sql)) == NULL)
		return 500;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		not_found(r, "checkout.session", id);
		return 0;
	}
	if (cursor(r, d, seq_sql, "line item", &after) != 0)
		return 0;
	if ((st = db_prep(d, sql)) == NULL)
		return 500;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, limit + 1);
	answer_rows(r, d, st, limit, arena_printf(r->arena,
	    "/v1/checkout/sessions/%s/line_items", id));
	return 0;
}

/* Stripe's "Expire a Checkout Session": open ones only. */
static int
op_session_expire(struct req *r, struct api *q, struct api_out *o)
{
	static const char	 sql[] =
	    "UPDATE sessions SET status = 'expired' WHERE id = ?"
	    " AND status = 'open'";
	static const char	 status_sql[] =
	    "SELECT status FROM sessions WHERE id = ?";
	struct db		*d = q->t->db;
	const char		*id = req_param(r, "id");
	sqlite3_stmt		*st;
	char			*status = NULL;
	int			 rc;

	if (q->form.n > 0)
		return op_error(r, o, 400, "parameter_unknown",
		    q->form.v[0].key, "Received unknown parameter: %s",
		    q->form.v[0].key);
	if ((st = db_prep(d, status_sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		status = db_text(r->arena, st, 0);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (status == NULL) {
		o->status = 404;
		o->body = gw_error_json(r->arena, "invalid_request_error",
		    "resource_missing", NULL, "session", arena_printf(r->arena,
		    "No such checkout.session: '%s'", id));
		return 0;
	}
	if (strcmp(status, "open") != 0)
		return op_error(r, o, 400, "checkout_session_not_open", NULL,
		    "Only Checkout Sessions with a status in [\"open\"] can "
		    "be expired. This one is %s.", status);
	if ((st = db_prep(d, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE ||
	    (o->body = gw_session_json(d, r->arena, id)) == NULL ||
	    gw_event_emit(q->t, r->arena, "checkout.session.expired", o->body,
	    q->request_id, q->idem) != 0)
		return -1;
	o->status = 200;
	log_info("session %s expired through the API", id);
	return 0;
}

int
h_session_expire(struct req *r)
{
	struct api	q;

	if (api_start(r, &q, true) != 0)
		return 0;
	return idempotent(r, &q, arena_printf(r->arena,
	    "POST /v1/checkout/sessions/%s/expire", req_param(r, "id")),
	    op_session_expire);
}

/*
 * Stripe's "Create a refund": payment_intent (or charge), amount (the
 * rest when absent), reason, metadata. Emits charge.refunded.
 */
static int
op_refund_create(struct req *r, struct api *q, struct api_out *o)
{
	static const char	 pi_sql[] =
	    "SELECT id, status, amount, amount_refunded, currency, charge_id"
	    " FROM payment_intents WHERE id = ?1 OR charge_id = ?2";
	static const char	 refund_sql[] =
	    "INSERT INTO refunds (id, payment_intent, amount, currency, reason,"
	    " metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)";
	static const char	 update_sql[] =
	    "UPDATE payment_intents SET amount_refunded = amount_refunded + ?"
	    " WHERE id = ?";
	struct arena		*a = r->arena;
	struct db		*d = q->t->db;
	struct tval		*meta = tval_map(a);
	const char		*pi = NULL, *charge = NULL, *amount_s = NULL;
	const char		*reason = NULL, *p[KEY_PARTS], *cur;
	char			*pi_id, *status, *charge_id, *id, *money;
	long long		 amount = 0, total, refunded;
	sqlite3_stmt		*st;
	size_t			 i, n;
	int			 rc;

	for (i = 0; i < q->form.n; i++) {
		const struct kv *f = &q->form.v[i];

		n = key_split(a, f->key, p);
		if (n == 1 && strcmp(p[0], "payment_intent") == 0)
			pi = f->val;
		else if (n == 1 && strcmp(p[0], "charge") == 0)
			charge = f->val;
		else if (n == 1 && strcmp(p[0], "amount") == 0)
			amount_s = f->val;
		else if (n == 1 && strcmp(p[0], "reason") == 0)
			reason = f->val;
		else if (n == 2 && strcmp(p[0], "metadata") == 0) {
			if (metadata_add(r, o, meta, f->key, p[1], f->val))
				return 0;
		} else
			return op_error(r, o, 400, "parameter_unknown", f->key,
			    "Received unknown parameter: %s", f->key);
	}
	if (pi == NULL && charge == NULL)
		return op_error(r, o, 400, "parameter_missing",
		    "payment_intent", "One of the following params should be "
		    "provided for this request: payment_intent or charge.");
	if (amount_s != NULL &&
	    gw_parse_int(amount_s, 1, GW_MAX_AMOUNT, &amount) != 0)
		return op_error(r, o, 400, "parameter_invalid_integer",
		    "amount", "Invalid positive integer: %s", amount_s);
	if (reason != NULL && strcmp(reason, "duplicate") != 0 &&
	    strcmp(reason, "fraudulent") != 0 &&
	    strcmp(reason, "requested_by_customer") != 0)
		return op_error(r, o, 400, "parameter_invalid_string", "reason",
		    "Invalid reason: must be one of duplicate, fraudulent, or "
		    "requested_by_customer");
	if ((st = db_prep(d, pi_sql)) == NULL)
		return -1;
	if (pi != NULL)
		sqlite3_bind_text(st, 1, pi, -1, SQLITE_STATIC);
	if (charge != NULL)
		sqlite3_bind_text(st, 2, charge, -1, SQLITE_STATIC);
	if ((rc = db_step(d, st)) < 0)
		return -1;
	if (rc != SQLITE_ROW)
		return op_error(r, o, 400, "resource_missing", pi != NULL ?
		    "payment_intent" : "charge", "No such %s: '%s'",
		    pi != NULL ? "payment_intent" : "charge",
		    pi != NULL ? pi : charge);
	pi_id = db_text(a, st, 0);
	status = db_text(a, st, 1);
	total = sqlite3_column_int64(st, 2);
	refunded = sqlite3_column_int64(st, 3);
	cur = db_text(a, st, 4);
	charge_id = db_text(a, st, 5);
	sqlite3_reset(st);
	if (strcmp(status, "succeeded") != 0)
		return op_error(r, o, 400, "charge_not_refundable",
		    "payment_intent", "This PaymentIntent (%s) does not have a "
		    "successful charge to refund.", pi_id);
	if (refunded == total)
		return op_error(r, o, 400, "charge_already_refunded", NULL,
		    "Charge %s has already been refunded.", charge_id);
	if (amount_s == NULL)
		amount = total - refunded;
	if (amount > total - refunded) {
		char upper[4] = { (char)(cur[0] - 32), (char)(cur[1] - 32),
		    (char)(cur[2] - 32), '\0' };

		money = money_format(a, total - refunded, upper);
		return op_error(r, o, 400, "amount_too_large", "amount",
		    "Refund amount (%s) is greater than unrefunded amount on "
		    "charge (%s)", money_format(a, amount, upper), money);
	}
	id = gw_id(a, "re_");
	if ((st = db_prep(d, refund_sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pi_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, amount);
	sqlite3_bind_text(st, 4, cur, -1, SQLITE_STATIC);
	if (reason != NULL)
		sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, tval_text(a, meta), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, gw_now());
	if (db_step(d, st) != SQLITE_DONE ||
	    (st = db_prep(d, update_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, amount);
	sqlite3_bind_text(st, 2, pi_id, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_DONE)
		return -1;
	if (gw_event_emit(q->t, a, "charge.refunded", gw_charge_json(d, a,
	    pi_id), q->request_id, q->idem) != 0 ||
	    (o->body = gw_refund_json(d, a, id)) == NULL)
		return -1;
	o->status = 200;
	log_info("refund %s of %lld %s on %s", id, amount, cur, pi_id);
	return 0;
}

int
h_refunds_create(struct req *r)
{
	struct api	q;

	if (api_start(r, &q, true) != 0)
		return 0;
	return idempotent(r, &q, "POST /v1/refunds", op_refund_create);
}

/* Stripe's "Retrieve a refund". */
int
h_refund_get(struct req *r)
{
	struct api	 q;
	const char	*id = req_param(r, "id");
	char		*j;

	if (api_start(r, &q, false) != 0)
		return 0;
	if ((j = gw_refund_json(q.t->db, r->arena, id)) == NULL) {
		not_found(r, "refund", id);
		return 0;
	}
	gw_api_answer(r, 200, j);
	return 0;
}

/*
 * Stripe's "List all refunds": newest first, payment_intent,
 * created[gte|gt|lte|lt], limit, starting_after.
 */
int
h_refunds_list(struct req *r)
{
	static const char *const known[] = {
		"limit", "starting_after", "payment_intent", "created[gte]",
		"created[gt]", "created[lte]", "created[lt]",
	};

	return list_newest(r, known, sizeof(known) / sizeof(known[0]),
	    "SELECT seq FROM refunds WHERE id = ?", "refund",
	    "SELECT v.j FROM refunds r JOIN refund_json v ON v.seq = r.seq"
	    " WHERE (?1 IS NULL OR r.created >= ?1) AND (?2 IS NULL OR r.created > ?2)"
	    " AND (?3 IS NULL OR r.created <= ?3) AND (?4 IS NULL OR r.created < ?4)"
	    " AND (?5 IS NULL OR r.payment_intent = ?5) AND (?6 = 0 OR r.seq < ?6)"
	    " ORDER BY r.seq DESC LIMIT ?7", "payment_intent", "/v1/refunds");
}

/* Stripe's "List all events": newest first, type, limit, starting_after. */
int
h_events_list(struct req *r)
{
	static const char *const known[] = {
		"limit", "starting_after", "type", "created[gte]",
		"created[gt]", "created[lte]", "created[lt]",
	};

	return list_newest(r, known, sizeof(known) / sizeof(known[0]),
	    "SELECT seq FROM events WHERE id = ?", "event",
	    "SELECT body FROM events"
	    " WHERE (?1 IS NULL OR created >= ?1) AND (?2 IS NULL OR created > ?2)"
	    " AND (?3 IS NULL OR created <= ?3) AND (?4 IS NULL OR created < ?4)"
	    " AND (?5 IS NULL OR type = ?5) AND (?6 = 0 OR seq < ?6)"
	    " ORDER BY seq DESC LIMIT ?7", "type", "/v1/events");
}

/* Stripe's "Retrieve an event". */
int
h_event_get(struct req *r)
{
	static const char	 sql[] = "SELECT body FROM events WHERE id = ?";
	struct api		 q;
	const char		*id = req_param(r, "id");
	sqlite3_stmt		*st;
	char			*j = NULL;

	if (api_start(r, &q, false) != 0)
		return 0;
	if ((st = db_prep(q.t->db, sql)) == NULL)
		return 500;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_step(q.t->db, st) == SQLITE_ROW)
		j = db_text(r->arena, st, 0);
	sqlite3_reset(st);
	if (j == NULL) {
		not_found(r, "event", id);
		return 0;
	}
	gw_api_answer(r, 200, j);
	return 0;
}

/* Any other /v1 address, as Stripe answers it. */
int
h_api_unknown(struct req *r)
{
	struct api	q;

	if (api_start(r, &q, false) != 0)
		return 0;
	gw_api_error(r, 404, "invalid_request_error", NULL, NULL,
	    "Unrecognized request URL (%s: %s). The test gateway serves "
	    "Checkout Sessions, refunds and events only.", r->method_name,
	    r->path);
	return 0;
}
