/*
 * The Stripe API client: libcurl for the requests, SQLite's JSON
 * functions (json_each on a private in-memory connection) for the
 * answers. See stripe.h for the rules callers follow.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/text.h"
#include "ext/stripe.h"

const char *const stripe_err_names[STRIPE_ERR__MAX] = {
	"ok",
	"usage",
	"connect",
	"timeout",
	"server",
	"auth",
	"not_found",
	"idempotency",
	"request",
	"response",
};

const char *const stripe_session_status_names[STRIPE_SESSION__MAX] = {
	"open",
	"complete",
	"expired",
	"unknown",
};

const char *const stripe_payment_status_names[STRIPE_PAYMENT__MAX] = {
	"unpaid",
	"paid",
	"no_payment_required",
	"unknown",
};

const char *const stripe_refund_status_names[STRIPE_REFUND__MAX] = {
	"pending",
	"succeeded",
	"failed",
	"canceled",
	"requires_action",
	"unknown",
};

const char *const stripe_event_type_names[STRIPE_EVENT__MAX] = {
	"checkout.session.completed",
	"checkout.session.async_payment_succeeded",
	"checkout.session.async_payment_failed",
	"checkout.session.expired",
	"charge.refunded",
	"other",
};

/* Members of the JSON value at path ?2 of document ?1. */
static const char	each_sql[] =
    "SELECT key, type, atom, value FROM json_each(?1, ?2)";

/* Members read besides those of the result structs. */
struct j_object {
	const char	*object;
};

struct j_email {
	const char	*email;
};

struct j_list {
	const char	*object;
	bool		 has_more;
};

struct j_error {
	const char	*type;
	const char	*code;
	const char	*param;
	const char	*message;
};

struct stripe {
	CURL			*curl;
	sqlite3			*db;
	sqlite3_stmt		*each;
	char			*base;
	char			*auth;		/* "Authorization: Bearer ..." */
	struct stripe_opts	 opts;
	struct buf		 body;		/* the last answer */
	bool			 too_big;
	int			 should_retry;	/* -1 unsaid, 0, 1 */
	char			 request_id[64];
	char			 curl_err[CURL_ERROR_SIZE];
};

static pthread_once_t	curl_once = PTHREAD_ONCE_INIT;
static CURLcode		curl_init_rc;

static void
curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool
stripe_err_unknown_outcome(enum stripe_err e)
{
	return e == STRIPE_ERR_CONNECT || e == STRIPE_ERR_TIMEOUT ||
	    e == STRIPE_ERR_SERVER;
}

static void
seterr(struct stripe_error *err, enum stripe_err kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(struct stripe_error *err, enum stripe_err kind, const char *fmt, ...)
{
	va_list	ap;

	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void
err_clear(struct stripe_error *err)
{
	memset(err, 0, sizeof(*err));
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long long ms)
{
	struct timespec	ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct stripe	*s = arg;

	if (s->body.len + n > STRIPE_MAX_RESPONSE) {
		s->too_big = true;
		return 0;
	}
	buf_append(&s->body, p, n);
	(void)size;
	return n;
}

/* Request-Id and Stripe-Should-Retry, from each header line. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct stripe	*s = arg;
	size_t		 len = n, vlen;
	const char	*v;

	(void)size;
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (len > 11 && strncasecmp(p, "Request-Id:", 11) == 0) {
		for (v = p + 11; v < p + len && *v == ' '; v++)
			continue;
		vlen = (size_t)(p + len - v);
		if (vlen >= sizeof(s->request_id))
			vlen = sizeof(s->request_id) - 1;
		memcpy(s->request_id, v, vlen);
		s->request_id[vlen] = '\0';
	} else if (len > 20 && strncasecmp(p, "Stripe-Should-Retry:", 20) == 0) {
		for (v = p + 20; v < p + len && *v == ' '; v++)
			continue;
		vlen = (size_t)(p + len - v);
		if (vlen == 4 && strncasecmp(v, "true", 4) == 0)
			s->should_retry = 1;
		else if (vlen == 5 && strncasecmp(v, "false", 5) == 0)
			s->should_retry = 0;
	}
	return n;
}

/*
 * Allocate a client. The secret key goes into one header line, kept
 * until stripe_free() wipes it; it is never logged.
 */
struct stripe *
stripe_new(const char *api_base, const char *secret_key, char *err,
    size_t errlen)
{
	struct stripe	*s;
	size_t		 n, i;

	if (api_base == NULL || (strncmp(api_base, "https://", 8) != 0 &&
	    strncmp(api_base, "http://", 7) != 0)) {
		snprintf(err, errlen, "STRIPE_API_BASE must be an http:// or "
		    "https:// URL");
		return NULL;
	}
	if (secret_key == NULL || *secret_key == '\0') {
		snprintf(err, errlen, "STRIPE_SECRET_KEY is not set");
		return NULL;
	}
	for (i = 0; secret_key[i] != '\0'; i++)
		if ((unsigned char)secret_key[i] <= 0x20 ||
		    (unsigned char)secret_key[i] >= 0x7f) {
			snprintf(err, errlen, "STRIPE_SECRET_KEY holds a space "
			    "or control character");
			return NULL;
		}
	for (i = 0; api_base[i] != '\0'; i++)
		if ((unsigned char)api_base[i] <= 0x20 ||
		    (unsigned char)api_base[i] >= 0x7f) {
			snprintf(err, errlen, "STRIPE_API_BASE holds a space or "
			    "control character");
			return NULL;
		}
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init: %s",
		    curl_easy_strerror(curl_init_rc));
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = strlen(api_base);
	while (n > 0 && api_base[n - 1] == '/')
		n--;
	if ((s->base = strndup(api_base, n)) == NULL ||
	    asprintf(&s->auth, "Authorization: Bearer %s", secret_key) < 0) {
		s->auth = NULL;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, each_sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->each, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "sqlite3: %s", s->db ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	if ((s->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		goto fail;
	}
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->curl_err);
	curl_easy_setopt(s->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(s->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(s->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(s->curl, CURLOPT_USERAGENT, "Shopfile (libcurl)");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	stripe_set_opts(s, NULL);
	return s;
fail:
	stripe_free(s);
	return NULL;
}

void
stripe_free(struct stripe *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	sqlite3_finalize(s->each);
	sqlite3_close(s->db);
	if (s->auth != NULL) {
		sodium_memzero(s->auth, strlen(s->auth));
		free(s->auth);
	}
	free(s->base);
	buf_free(&s->body);
	free(s);
}

void
stripe_set_opts(struct stripe *s, const struct stripe_opts *o)
{
	s->opts.connect_ms = o && o->connect_ms > 0 ? o->connect_ms :
	    STRIPE_CONNECT_TIMEOUT_MS;
	s->opts.attempt_ms = o && o->attempt_ms > 0 ? o->attempt_ms :
	    STRIPE_ATTEMPT_TIMEOUT_MS;
	s->opts.deadline_ms = o && o->deadline_ms > 0 ? o->deadline_ms :
	    STRIPE_DEADLINE_MS;
	s->opts.max_attempts = o && o->max_attempts > 0 ? o->max_attempts :
	    STRIPE_MAX_ATTEMPTS;
	s->opts.backoff_ms = o && o->backoff_ms > 0 ? o->backoff_ms :
	    STRIPE_BACKOFF_MS;
}

const char *
stripe_kv_get(const struct stripe_kv *kv, size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

/* ------------------------------------------------------------ JSON */

enum jkind {
	JK_STR,		/* string or null */
	JK_INT,		/* integer or null */
	JK_BOOL,	/* true or false */
};

struct jfield {
	const char	*key;
	enum jkind	 kind;
	size_t		 off;
	bool		 required;
};

/*
 * Read the members of the object at path of json into out, one struct
 * jfield per member wanted; other members are ignored. Strings are
 * copied into a. Returns 0, or -1 with err (STRIPE_ERR_RESPONSE) when
 * json is not JSON, a member has the wrong type or holds a NUL, or a
 * required one is missing.
 */
static int
json_read(struct stripe *s, struct arena *a, const char *json, size_t len,
    const char *path, const struct jfield *f, size_t nf, void *out,
    struct stripe_error *err)
{
	sqlite3_stmt	*st = s->each;
	const char	*key, *type, *p;
	unsigned long	 seen = 0;
	size_t		 i, n;
	int		 rc;
	char		*base = out;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(st, 0);
		type = (const char *)sqlite3_column_text(st, 1);
		if (key == NULL || type == NULL)
			continue;
		for (i = 0; i < nf && strcmp(f[i].key, key) != 0; i++)
			continue;
		if (i == nf)
			continue;
		/* null is absent: a required member may not be null. */
		if (strcmp(type, "null") == 0)
			continue;
		switch (f[i].kind) {
		case JK_STR:
			if (strcmp(type, "text") != 0)
				goto badtype;
			p = (const char *)sqlite3_column_text(st, 2);
			n = (size_t)sqlite3_column_bytes(st, 2);
			if (p == NULL || memchr(p, '\0', n) != NULL)
				goto badtype;
			*(char **)(base + f[i].off) = arena_strndup(a, p, n);
			break;
		case JK_INT:
			if (strcmp(type, "integer") != 0)
				goto badtype;
			*(long long *)(base + f[i].off) =
			    sqlite3_column_int64(st, 2);
			break;
		case JK_BOOL:
			if (strcmp(type, "true") != 0 &&
			    strcmp(type, "false") != 0)
				goto badtype;
			*(bool *)(base + f[i].off) = type[0] == 't';
			break;
		}
		seen |= 1ul << i;
	}
	if (rc != SQLITE_DONE) {
		seterr(err, STRIPE_ERR_RESPONSE, "the answer is not JSON: %s",
		    sqlite3_errmsg(s->db));
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	for (i = 0; i < nf; i++)
		if (f[i].required && !(seen & (1ul << i)) ) {
			seterr(err, STRIPE_ERR_RESPONSE, "the answer has no "
			    "\"%s\" at %s", f[i].key, path);
			return -1;
		}
	return 0;
badtype:
	seterr(err, STRIPE_ERR_RESPONSE, "\"%s\" at %s has the wrong type "
	    "(%s)", key, path, type);
	sqlite3_reset(st);
	return -1;
}

/* The string members of the object at path (metadata) into *kv. */
static int
json_kv(struct stripe *s, struct arena *a, const char *json, size_t len,
    const char *path, struct stripe_kv **kv, size_t *n,
    struct stripe_error *err)
{
	sqlite3_stmt	*st = s->each;
	const char	*key, *type, *val;
	int		 rc;

	*kv = arena_calloc(a, STRIPE_MAX_METADATA, sizeof(**kv));
	*n = 0;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(st, 0);
		type = (const char *)sqlite3_column_text(st, 1);
		val = (const char *)sqlite3_column_text(st, 2);
		if (key == NULL || type == NULL || strcmp(type, "text") != 0 ||
		    val == NULL)
			continue;
		if (*n == STRIPE_MAX_METADATA) {
			seterr(err, STRIPE_ERR_RESPONSE, "more than %d "
			    "metadata keys at %s", STRIPE_MAX_METADATA, path);
			sqlite3_reset(st);
			return -1;
		}
		(*kv)[*n].key = arena_strdup(a, key);
		(*kv)[*n].value = arena_strdup(a, val);
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		seterr(err, STRIPE_ERR_RESPONSE, "the answer is not JSON: %s",
		    sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/*
 * The elements of the array at path ("$.data" of a list), each as JSON
 * text in a, at most max of them.
 */
static int
json_array(struct stripe *s, struct arena *a, const char *json, size_t len,
    const char *path, size_t max, char ***elems, size_t *n,
    struct stripe_error *err)
{
	sqlite3_stmt	*st = s->each;
	const char	*v;
	int		 rc;

	*elems = arena_calloc(a, max ? max : 1, sizeof(**elems));
	*n = 0;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER)
			break;	/* not an array */
		if (*n == max) {
			seterr(err, STRIPE_ERR_RESPONSE, "more than %zu "
			    "elements at %s", max, path);
			sqlite3_reset(st);
			return -1;
		}
		v = (const char *)sqlite3_column_text(st, 3);
		(*elems)[(*n)++] = arena_strdup(a, v != NULL ? v : "null");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		seterr(err, STRIPE_ERR_RESPONSE, "the answer is not JSON: %s",
		    sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

static int
name_index(const char *const *names, int max, const char *v)
{
	int	i;

	for (i = 0; v != NULL && i < max; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

/* The Checkout Session at path of json into out. */
static int
session_read(struct stripe *s, struct arena *a, const char *json,
    size_t len, const char *path, struct stripe_session *out,
    struct stripe_error *err)
{
#define SF(k, kind, m, req) { k, kind, offsetof(struct stripe_session, m), req }
	static const struct jfield	 fields[] = {
		SF("id", JK_STR, id, true),
		SF("url", JK_STR, url, false),
		SF("status", JK_STR, status_name, true),
		SF("payment_status", JK_STR, payment_status_name, true),
		SF("amount_total", JK_INT, amount_total, false),
		SF("currency", JK_STR, currency, false),
		SF("client_reference_id", JK_STR, client_reference_id, false),
		SF("payment_intent", JK_STR, payment_intent, false),
		SF("customer_email", JK_STR, customer_email, false),
		SF("created", JK_INT, created, false),
		SF("expires_at", JK_INT, expires_at, false),
	};
#undef SF
	static const struct jfield	 object_field[] = {
		{ "object", JK_STR, offsetof(struct j_object, object), true },
	};
	static const struct jfield	 email_field[] = {
		{ "email", JK_STR, offsetof(struct j_email, email), false },
	};
	struct j_object			 obj = { NULL };
	struct j_email			 details = { NULL };
	int	 i;

	memset(out, 0, sizeof(*out));
	if (json_read(s, a, json, len, path, object_field, 1, &obj, err) != 0)
		return -1;
	if (strcmp(obj.object, "checkout.session") != 0) {
		seterr(err, STRIPE_ERR_RESPONSE, "expected a checkout.session "
		    "at %s, not %.60s", path, obj.object);
		return -1;
	}
	if (json_read(s, a, json, len, path, fields,
	    sizeof(fields) / sizeof(fields[0]), out, err) != 0 ||
	    json_kv(s, a, json, len, arena_printf(a, "%s.metadata", path),
	    &out->metadata, &out->nmetadata, err) != 0 ||
	    json_read(s, a, json, len, arena_printf(a, "%s.customer_details",
	    path), email_field, 1, &details, err) != 0)
		return -1;
	if (details.email != NULL)
		out->customer_email = details.email;
	i = name_index(stripe_session_status_names, STRIPE_SESSION_UNKNOWN,
	    out->status_name);
	out->status = i < 0 ? STRIPE_SESSION_UNKNOWN :
	    (enum stripe_session_status)i;
	i = name_index(stripe_payment_status_names, STRIPE_PAYMENT_UNKNOWN,
	    out->payment_status_name);
	out->payment_status = i < 0 ? STRIPE_PAYMENT_UNKNOWN :
	    (enum stripe_payment_status)i;
	return 0;
}

/* A charge (the object of charge.refunded) at path of json. */
static int
charge_read(struct stripe *s, struct arena *a, const char *json, size_t len,
    const char *path, struct stripe_charge *out, struct stripe_error *err)
{
#define CF(k, kind, m, req) { k, kind, offsetof(struct stripe_charge, m), req }
	static const struct jfield	 fields[] = {
		CF("id", JK_STR, id, true),
		CF("payment_intent", JK_STR, payment_intent, false),
		CF("amount", JK_INT, amount, true),
		CF("amount_refunded", JK_INT, amount_refunded, true),
		CF("currency", JK_STR, currency, false),
		CF("refunded", JK_BOOL, refunded, false),
	};
#undef CF

	memset(out, 0, sizeof(*out));
	if (json_read(s, a, json, len, path, fields,
	    sizeof(fields) / sizeof(fields[0]), out, err) != 0)
		return -1;
	return json_kv(s, a, json, len, arena_printf(a, "%s.metadata", path),
	    &out->metadata, &out->nmetadata, err);
}

/* The refund object that is the whole of json into out. */
static int
refund_read(struct stripe *s, struct arena *a, const char *json, size_t len,
    struct stripe_refund *out, struct stripe_error *err)
{
#define RF(k, kind, m, req) { k, kind, offsetof(struct stripe_refund, m), req }
	static const struct jfield	 fields[] = {
		RF("id", JK_STR, id, true),
		RF("payment_intent", JK_STR, payment_intent, false),
		RF("charge", JK_STR, charge, false),
		RF("amount", JK_INT, amount, true),
		RF("currency", JK_STR, currency, false),
		RF("status", JK_STR, status_name, true),
		RF("reason", JK_STR, reason, false),
		RF("created", JK_INT, created, false),
	};
#undef RF
	static const struct jfield	 object_field[] = {
		{ "object", JK_STR, offsetof(struct j_object, object), true },
	};
	struct j_object			 obj = { NULL };
	int	i;

	memset(out, 0, sizeof(*out));
	if (json_read(s, a, json, len, "$", object_field, 1, &obj, err) != 0)
		return -1;
	if (strcmp(obj.object, "refund") != 0) {
		seterr(err, STRIPE_ERR_RESPONSE, "expected a refund, not %.60s",
		    obj.object);
		return -1;
	}
	if (json_read(s, a, json, len, "$", fields,
	    sizeof(fields) / sizeof(fields[0]), out, err) != 0 ||
	    json_kv(s, a, json, len, "$.metadata", &out->metadata,
	    &out->nmetadata, err) != 0)
		return -1;
	i = name_index(stripe_refund_status_names, STRIPE_REFUND_UNKNOWN,
	    out->status_name);
	out->status = i < 0 ? STRIPE_REFUND_UNKNOWN :
	    (enum stripe_refund_status)i;
	return 0;
}

/* Stripe's {"error": {...}} of a failed answer into err. */
static void
error_read(struct stripe *s, struct arena *a, struct stripe_error *err)
{
#define EF(k, m) { k, JK_STR, offsetof(struct j_error, m), false }
	static const struct jfield	 fields[] = {
		EF("type", type),
		EF("code", code),
		EF("param", param),
		EF("message", message),
	};
#undef EF
	struct j_error			 e = { NULL, NULL, NULL, NULL };
	struct stripe_error		 ignored;

	memset(&ignored, 0, sizeof(ignored));
	if (s->body.len == 0 || json_read(s, a, s->body.p, s->body.len,
	    "$.error", fields, sizeof(fields) / sizeof(fields[0]), &e,
	    &ignored) != 0 || e.message == NULL) {
		snprintf(err->message, sizeof(err->message), "HTTP %d "
		    "without an error object: %.200s", err->status,
		    s->body.len ? s->body.p : "(empty)");
		return;
	}
	copy_str(err->type, sizeof(err->type), e.type);
	copy_str(err->code, sizeof(err->code), e.code);
	copy_str(err->param, sizeof(err->param), e.param);
	copy_str(err->message, sizeof(err->message), e.message);
}

/* ------------------------------------------------------------ HTTP */

static bool
retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static enum stripe_err
kind_of_status(int status, const char *type)
{
	if (status == 401 || status == 403)
		return STRIPE_ERR_AUTH;
	if (status == 404)
		return STRIPE_ERR_NOT_FOUND;
	if (status == 409 || status == 429 || status >= 500)
		return STRIPE_ERR_SERVER;
	if (strcmp(type, "idempotency_error") == 0)
		return STRIPE_ERR_IDEMPOTENCY;
	if (status >= 400)
		return STRIPE_ERR_REQUEST;
	return STRIPE_ERR_RESPONSE;
}

/*
 * Send method path (with its query) and, for a POST, the form body with
 * the Idempotency-Key, retrying as stripe.h says. Returns 0 with a 2xx
 * answer in s->body, or -1 with err filled.
 */
static int
call(struct stripe *s, struct arena *a, const char *method, const char *path,
    const char *form, const char *idem, struct stripe_error *err)
{
	struct curl_slist	*h = NULL;
	const struct stripe_opts *o = &s->opts;
	long long		 start = now_ms(), left, pause, tmo;
	long			 status;
	CURLcode		 rc;
	int			 attempt;
	bool			 retry;
	char			 line[STRIPE_MAX_IDEMPOTENCY_KEY + 32];
	char			*url = arena_printf(a, "%s%s", s->base, path);

	err_clear(err);
	h = curl_slist_append(h, s->auth);
	h = curl_slist_append(h, "Stripe-Version: " STRIPE_API_VERSION);
	h = curl_slist_append(h, "Accept: application/json");
	h = curl_slist_append(h, "Expect:");
	if (form != NULL) {
		h = curl_slist_append(h,
		    "Content-Type: application/x-www-form-urlencoded");
		snprintf(line, sizeof(line), "Idempotency-Key: %s", idem);
		h = curl_slist_append(h, line);
	}
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
	if (form != NULL) {
		curl_easy_setopt(s->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(form));
	} else
		curl_easy_setopt(s->curl, CURLOPT_HTTPGET, 1L);

	for (attempt = 1; attempt <= o->max_attempts; attempt++) {
		left = o->deadline_ms - (now_ms() - start);
		if (attempt > 1 && left < STRIPE_MIN_ATTEMPT_MS)
			break;
		tmo = left < o->attempt_ms ? left : o->attempt_ms;
		curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, (long)tmo);
		curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS,
		    (long)(tmo < o->connect_ms ? tmo : o->connect_ms));
		buf_reset(&s->body);
		s->too_big = false;
		s->should_retry = -1;
		s->request_id[0] = s->curl_err[0] = '\0';
		err->attempts = attempt;
		rc = curl_easy_perform(s->curl);
		if (rc != CURLE_OK) {
			err->status = 0;
			err->type[0] = err->code[0] = err->param[0] = '\0';
			if (s->too_big) {
				seterr(err, STRIPE_ERR_RESPONSE, "%s %s: the "
				    "answer is larger than %d bytes", method,
				    path, STRIPE_MAX_RESPONSE);
				break;
			}
			if (rc == CURLE_OPERATION_TIMEDOUT)
				seterr(err, STRIPE_ERR_TIMEOUT, "%s %s: no "
				    "answer within %.1f s", method, path,
				    (double)tmo / 1000);
			else
				seterr(err, STRIPE_ERR_CONNECT, "%s %s: %s",
				    method, path, s->curl_err[0] ?
				    s->curl_err : curl_easy_strerror(rc));
			retry = retryable_curl(rc);
		} else {
			curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE,
			    &status);
			err->status = (int)status;
			copy_str(err->request_id, sizeof(err->request_id),
			    s->request_id);
			if (status >= 200 && status <= 299) {
				err->kind = STRIPE_OK;
				err->message[0] = '\0';
				break;
			}
			error_read(s, a, err);
			err->kind = kind_of_status(err->status, err->type);
			retry = err->kind == STRIPE_ERR_SERVER;
			if (s->should_retry >= 0)
				retry = s->should_retry == 1;
		}
		if (!retry || attempt == o->max_attempts)
			break;
		pause = (long long)o->backoff_ms << (attempt - 1);
		pause = pause / 2 + randombytes_uniform((uint32_t)(pause / 2 + 1));
		left = o->deadline_ms - (now_ms() - start);
		if (left - pause < STRIPE_MIN_ATTEMPT_MS)
			break;
		if (err->status != 0)
			log_warn("stripe: %s %s: attempt %d: HTTP %d: %s; "
			    "retrying in %lld ms", method, path, attempt,
			    err->status, err->message, pause);
		else
			log_warn("stripe: attempt %d: %s; retrying in %lld ms",
			    attempt, err->message, pause);
		sleep_ms(pause);
	}
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (err->kind == STRIPE_OK)
		return 0;
	if (err->kind == STRIPE_ERR_TIMEOUT)
		seterr(err, STRIPE_ERR_TIMEOUT, "%s %s: Stripe did not answer "
		    "in time: %d attempt%s in %.1f s (at most %.1f s each, "
		    "%.1f s in all)", method, path, err->attempts,
		    err->attempts == 1 ? "" : "s",
		    (double)(now_ms() - start) / 1000,
		    (double)o->attempt_ms / 1000,
		    (double)o->deadline_ms / 1000);
	else if (err->kind == STRIPE_ERR_CONNECT ||
	    err->kind == STRIPE_ERR_SERVER) {
		char	msg[sizeof(err->message)];

		snprintf(msg, sizeof(msg), "%s", err->message);
		if (err->kind == STRIPE_ERR_SERVER)
			snprintf(err->message, sizeof(err->message), "%s %s: "
			    "Stripe answered %d: %.300s (%d attempt%s)", method,
			    path, err->status, msg, err->attempts,
			    err->attempts == 1 ? "" : "s");
		else
			snprintf(err->message, sizeof(err->message), "%.400s "
			    "(%d attempt%s)", msg, err->attempts,
			    err->attempts == 1 ? "" : "s");
	}
	return -1;
}

/* ------------------------------------------------------------ requests */

static bool
valid_id(const char *id)
{
	size_t	i;

	if (id == NULL || *id == '\0')
		return false;
	for (i = 0; id[i] != '\0'; i++)
		if (i == STRIPE_MAX_ID || !((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '_'))
			return false;
	return true;
}

static bool
valid_idem(const char *k)
{
	size_t	i;

	if (k == NULL || *k == '\0')
		return false;
	for (i = 0; k[i] != '\0'; i++)
		if (i == STRIPE_MAX_IDEMPOTENCY_KEY ||
		    (unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
			return false;
	return true;
}

/* Text to send: UTF-8, no control characters, 1..max bytes. */
static bool
valid_text(const char *s, size_t max)
{
	size_t	n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > max ||
	    !text_utf8_valid(s, n))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool
valid_url(const char *u)
{
	return valid_text(u, 2048) && (strncmp(u, "https://", 8) == 0 ||
	    strncmp(u, "http://", 7) == 0) && strpbrk(u, " \t") == NULL;
}

static void
form_add(struct buf *b, const char *key, const char *val)
{
	if (b->len > 0)
		buf_putc(b, '&');
	text_urlencode(b, key);
	buf_putc(b, '=');
	text_urlencode(b, val);
}

static void
form_addll(struct buf *b, const char *key, long long v)
{
	char	num[24];

	snprintf(num, sizeof(num), "%lld", v);
	form_add(b, key, num);
}

/* Check p before anything is sent; NULL if fine, else why not. */
static const char *
session_new_problem(const struct stripe_session_new *p)
{
	size_t	i;

	if (p->currency == NULL || strlen(p->currency) != 3)
		return "currency must be a three-letter ISO 4217 code";
	if (p->nitems == 0 || p->nitems > STRIPE_MAX_LINE_ITEMS ||
	    p->items == NULL)
		return "a session needs 1 to 100 line items";
	for (i = 0; i < p->nitems; i++) {
		if (!valid_text(p->items[i].name, 5000))
			return "a line item has no name, or a bad one";
		if (p->items[i].unit_amount < 0 ||
		    p->items[i].quantity < 1 ||
		    p->items[i].quantity > 999999)
			return "a line item has a negative price or a "
			    "quantity out of 1..999999";
	}
	if (p->nmetadata > STRIPE_MAX_METADATA)
		return "more than 50 metadata keys";
	for (i = 0; i < p->nmetadata; i++)
		if (!valid_text(p->metadata[i].key, STRIPE_MAX_METADATA_KEY) ||
		    strpbrk(p->metadata[i].key, "[]") != NULL ||
		    !valid_text(p->metadata[i].value,
		    STRIPE_MAX_METADATA_VALUE))
			return "a metadata key or value is empty, too long "
			    "or holds control characters";
	if (!valid_url(p->success_url))
		return "success_url must be an http(s) URL";
	if (p->cancel_url != NULL && !valid_url(p->cancel_url))
		return "cancel_url must be an http(s) URL";
	if (p->client_reference_id != NULL &&
	    !valid_text(p->client_reference_id, 200))
		return "client_reference_id must be 1 to 200 characters";
	if (p->customer_email != NULL && (!valid_text(p->customer_email, 800) ||
	    strchr(p->customer_email, '@') == NULL))
		return "customer_email is not an email address";
	if (p->expires_at < 0)
		return "expires_at is negative";
	return NULL;
}

/* The answer in s->body as a session into out. */
static int
answer_session(struct stripe *s, struct arena *a, struct stripe_session *out,
    struct stripe_error *err)
{
	if (session_read(s, a, s->body.p, s->body.len, "$", out, err) != 0) {
		err->status = err->status ? err->status : 200;
		return -1;
	}
	return 0;
}

/*
 * Stripe's "Create a Checkout Session": mode=payment, line_items with
 * price_data, client_reference_id, metadata on the session and in
 * payment_intent_data, success and cancel URLs, expires_at,
 * customer_email.
 */
int
stripe_session_create(struct stripe *s, struct arena *a,
    const struct stripe_session_new *p, const char *idem,
    struct stripe_session *out, struct stripe_error *err)
{
	struct buf	 b = { 0 };
	const char	*why;
	char		 key[160], cur[4];
	size_t		 i;
	int		 rc;

	err_clear(err);
	if ((why = session_new_problem(p)) != NULL) {
		seterr(err, STRIPE_ERR_USAGE, "create session: %s", why);
		return -1;
	}
	if (!valid_idem(idem)) {
		seterr(err, STRIPE_ERR_USAGE, "create session: an "
		    "Idempotency-Key of 1 to 255 printable characters is "
		    "required");
		return -1;
	}
	for (i = 0; i < 3; i++)
		cur[i] = (char)(p->currency[i] >= 'A' && p->currency[i] <= 'Z' ?
		    p->currency[i] - 'A' + 'a' : p->currency[i]);
	cur[3] = '\0';
	form_add(&b, "mode", "payment");
	for (i = 0; i < p->nitems; i++) {
		snprintf(key, sizeof(key), "line_items[%zu][price_data]"
		    "[currency]", i);
		form_add(&b, key, cur);
		snprintf(key, sizeof(key), "line_items[%zu][price_data]"
		    "[unit_amount]", i);
		form_addll(&b, key, p->items[i].unit_amount);
		snprintf(key, sizeof(key), "line_items[%zu][price_data]"
		    "[product_data][name]", i);
		form_add(&b, key, p->items[i].name);
		snprintf(key, sizeof(key), "line_items[%zu][quantity]", i);
		form_addll(&b, key, p->items[i].quantity);
	}
	if (p->client_reference_id != NULL)
		form_add(&b, "client_reference_id", p->client_reference_id);
	for (i = 0; i < p->nmetadata; i++) {
		snprintf(key, sizeof(key), "metadata[%s]", p->metadata[i].key);
		form_add(&b, key, p->metadata[i].value);
		snprintf(key, sizeof(key), "payment_intent_data[metadata][%s]",
		    p->metadata[i].key);
		form_add(&b, key, p->metadata[i].value);
	}
	form_add(&b, "success_url", p->success_url);
	if (p->cancel_url != NULL)
		form_add(&b, "cancel_url", p->cancel_url);
	if (p->expires_at > 0)
		form_addll(&b, "expires_at", p->expires_at);
	if (p->customer_email != NULL)
		form_add(&b, "customer_email", p->customer_email);
	rc = call(s, a, "POST", "/v1/checkout/sessions", buf_str(&b), idem,
	    err);
	buf_free(&b);
	if (rc != 0)
		return -1;
	return answer_session(s, a, out, err);
}

/* Stripe's "Retrieve a Checkout Session". */
int
stripe_session_get(struct stripe *s, struct arena *a, const char *id,
    struct stripe_session *out, struct stripe_error *err)
{
	err_clear(err);
	if (!valid_id(id)) {
		seterr(err, STRIPE_ERR_USAGE, "retrieve session: bad id");
		return -1;
	}
	if (call(s, a, "GET", arena_printf(a, "/v1/checkout/sessions/%s", id),
	    NULL, NULL, err) != 0)
		return -1;
	return answer_session(s, a, out, err);
}

/* Stripe's "Expire a Checkout Session". */
int
stripe_session_expire(struct stripe *s, struct arena *a, const char *id,
    const char *idem, struct stripe_session *out, struct stripe_error *err)
{
	err_clear(err);
	if (!valid_id(id) || !valid_idem(idem)) {
		seterr(err, STRIPE_ERR_USAGE, "expire session: a session id "
		    "and an Idempotency-Key are required");
		return -1;
	}
	if (call(s, a, "POST", arena_printf(a,
	    "/v1/checkout/sessions/%s/expire", id), "", idem, err) != 0)
		return -1;
	return answer_session(s, a, out, err);
}

/* A list object's "has_more" and "data" of s->body. */
static int
answer_list(struct stripe *s, struct arena *a, size_t max, char ***elems,
    size_t *n, bool *has_more, struct stripe_error *err)
{
	static const struct jfield	 fields[] = {
		{ "object", JK_STR, offsetof(struct j_list, object), true },
		{ "has_more", JK_BOOL, offsetof(struct j_list, has_more), true },
	};
	struct j_list			 l = { NULL, false };

	if (json_read(s, a, s->body.p, s->body.len, "$", fields, 2, &l,
	    err) != 0)
		return -1;
	if (strcmp(l.object, "list") != 0) {
		seterr(err, STRIPE_ERR_RESPONSE, "expected a list, not %.60s",
		    l.object);
		return -1;
	}
	*has_more = l.has_more;
	return json_array(s, a, s->body.p, s->body.len, "$.data", max, elems,
	    n, err);
}

/*
 * Stripe's "List all Checkout Sessions", newest first, one page; the
 * caller pages on with starting_after set to the last id.
 */
int
stripe_session_list(struct stripe *s, struct arena *a,
    const struct stripe_session_query *q, struct stripe_session_list *out,
    struct stripe_error *err)
{
	struct buf	 b = { 0 };
	char		**elems;
	size_t		 n, i, limit = q->limit ? q->limit : 10;
	int		 rc;

	err_clear(err);
	memset(out, 0, sizeof(*out));
	if (limit > STRIPE_LIST_MAX || (q->starting_after != NULL &&
	    !valid_id(q->starting_after)) || q->created_gte < 0) {
		seterr(err, STRIPE_ERR_USAGE, "list sessions: limit must be "
		    "1..100 and starting_after an id");
		return -1;
	}
	form_addll(&b, "limit", (long long)limit);
	if (q->created_gte > 0)
		form_addll(&b, "created[gte]", q->created_gte);
	if (q->starting_after != NULL)
		form_add(&b, "starting_after", q->starting_after);
	rc = call(s, a, "GET", arena_printf(a, "/v1/checkout/sessions?%s",
	    buf_str(&b)), NULL, NULL, err);
	buf_free(&b);
	if (rc != 0 || answer_list(s, a, limit, &elems, &n, &out->has_more,
	    err) != 0)
		return -1;
	out->v = arena_calloc(a, n ? n : 1, sizeof(*out->v));
	for (i = 0; i < n; i++)
		if (session_read(s, a, elems[i], strlen(elems[i]), "$",
		    &out->v[i], err) != 0)
			return -1;
	out->n = n;
	return 0;
}

/* Stripe's "Retrieve a Checkout Session's line items" (one page of 100). */
int
stripe_session_line_items(struct stripe *s, struct arena *a, const char *id,
    struct stripe_line_items *out, struct stripe_error *err)
{
#define LF(k, kind, m) { k, kind, offsetof(struct stripe_line_item, m), false }
	static const struct jfield	 fields[] = {
		{ "id", JK_STR, offsetof(struct stripe_line_item, id), true },
		LF("description", JK_STR, description),
		LF("quantity", JK_INT, quantity),
		LF("amount_total", JK_INT, amount_total),
		LF("currency", JK_STR, currency),
	};
	static const struct jfield	 price[] = {
		LF("unit_amount", JK_INT, unit_amount),
	};
#undef LF
	char		**elems;
	size_t		 n, i;

	err_clear(err);
	memset(out, 0, sizeof(*out));
	if (!valid_id(id)) {
		seterr(err, STRIPE_ERR_USAGE, "line items: bad session id");
		return -1;
	}
	if (call(s, a, "GET", arena_printf(a, "/v1/checkout/sessions/%s/"
	    "line_items?limit=%d", id, STRIPE_LIST_MAX), NULL, NULL, err) != 0 ||
	    answer_list(s, a, STRIPE_LIST_MAX, &elems, &n, &out->has_more,
	    err) != 0)
		return -1;
	out->v = arena_calloc(a, n ? n : 1, sizeof(*out->v));
	for (i = 0; i < n; i++)
		if (json_read(s, a, elems[i], strlen(elems[i]), "$", fields,
		    sizeof(fields) / sizeof(fields[0]), &out->v[i], err) != 0 ||
		    json_read(s, a, elems[i], strlen(elems[i]), "$.price",
		    price, 1, &out->v[i], err) != 0)
			return -1;
	out->n = n;
	return 0;
}

/* Check p before anything is sent; NULL if fine, else why not. */
static const char *
refund_new_problem(const struct stripe_refund_new *p)
{
	size_t	i;

	if (!valid_id(p->payment_intent))
		return "a payment intent id is required";
	if (p->amount <= 0)
		return "the amount must be above 0";
	if (p->reason != NULL && strcmp(p->reason, "duplicate") != 0 &&
	    strcmp(p->reason, "fraudulent") != 0 &&
	    strcmp(p->reason, "requested_by_customer") != 0)
		return "the reason must be duplicate, fraudulent or "
		    "requested_by_customer";
	if (p->nmetadata > STRIPE_MAX_METADATA ||
	    (p->nmetadata > 0 && p->metadata == NULL))
		return "more than 50 metadata keys";
	for (i = 0; i < p->nmetadata; i++)
		if (!valid_text(p->metadata[i].key, STRIPE_MAX_METADATA_KEY) ||
		    strpbrk(p->metadata[i].key, "[]") != NULL ||
		    !valid_text(p->metadata[i].value,
		    STRIPE_MAX_METADATA_VALUE))
			return "a metadata key or value is empty, too long "
			    "or holds control characters";
	return NULL;
}

/* The answer in s->body as a refund into out. */
static int
answer_refund(struct stripe *s, struct arena *a, struct stripe_refund *out,
    struct stripe_error *err)
{
	if (refund_read(s, a, s->body.p, s->body.len, out, err) != 0) {
		err->status = err->status ? err->status : 200;
		return -1;
	}
	return 0;
}

/*
 * Stripe's "Create a refund": payment_intent, amount, reason, metadata.
 * The parameters are sent in one fixed order, so that a retry, by this
 * process or a later one, sends the same request under its key.
 */
int
stripe_refund_create(struct stripe *s, struct arena *a,
    const struct stripe_refund_new *p, const char *idem,
    struct stripe_refund *out, struct stripe_error *err)
{
	struct buf	 b = { 0 };
	const char	*why;
	char		 key[64];
	size_t		 i;
	int		 rc;

	err_clear(err);
	if ((why = refund_new_problem(p)) != NULL) {
		seterr(err, STRIPE_ERR_USAGE, "refund: %s", why);
		return -1;
	}
	if (!valid_idem(idem)) {
		seterr(err, STRIPE_ERR_USAGE, "refund: an Idempotency-Key of 1 "
		    "to 255 printable characters is required");
		return -1;
	}
	form_add(&b, "payment_intent", p->payment_intent);
	form_addll(&b, "amount", p->amount);
	if (p->reason != NULL)
		form_add(&b, "reason", p->reason);
	for (i = 0; i < p->nmetadata; i++) {
		snprintf(key, sizeof(key), "metadata[%s]", p->metadata[i].key);
		form_add(&b, key, p->metadata[i].value);
	}
	rc = call(s, a, "POST", "/v1/refunds", buf_str(&b), idem, err);
	buf_free(&b);
	if (rc != 0)
		return -1;
	return answer_refund(s, a, out, err);
}

/* Stripe's "Retrieve a refund". */
int
stripe_refund_get(struct stripe *s, struct arena *a, const char *id,
    struct stripe_refund *out, struct stripe_error *err)
{
	err_clear(err);
	if (!valid_id(id)) {
		seterr(err, STRIPE_ERR_USAGE, "retrieve refund: bad id");
		return -1;
	}
	if (call(s, a, "GET", arena_printf(a, "/v1/refunds/%s", id), NULL,
	    NULL, err) != 0)
		return -1;
	return answer_refund(s, a, out, err);
}

/*
 * Stripe's "List all refunds", newest first, one page, of one payment
 * intent if asked; the caller pages on with starting_after.
 */
int
stripe_refund_list(struct stripe *s, struct arena *a,
    const struct stripe_refund_query *q, struct stripe_refund_list *out,
    struct stripe_error *err)
{
	struct buf	 b = { 0 };
	char		**elems;
	size_t		 n, i, limit = q->limit ? q->limit : 10;
	int		 rc;

	err_clear(err);
	memset(out, 0, sizeof(*out));
	if (limit > STRIPE_LIST_MAX || (q->starting_after != NULL &&
	    !valid_id(q->starting_after)) || (q->payment_intent != NULL &&
	    !valid_id(q->payment_intent)) || q->created_gte < 0) {
		seterr(err, STRIPE_ERR_USAGE, "list refunds: limit must be "
		    "1..100, payment_intent and starting_after ids");
		return -1;
	}
	form_addll(&b, "limit", (long long)limit);
	if (q->payment_intent != NULL)
		form_add(&b, "payment_intent", q->payment_intent);
	if (q->created_gte > 0)
		form_addll(&b, "created[gte]", q->created_gte);
	if (q->starting_after != NULL)
		form_add(&b, "starting_after", q->starting_after);
	rc = call(s, a, "GET", arena_printf(a, "/v1/refunds?%s", buf_str(&b)),
	    NULL, NULL, err);
	buf_free(&b);
	if (rc != 0 || answer_list(s, a, limit, &elems, &n, &out->has_more,
	    err) != 0)
		return -1;
	out->v = arena_calloc(a, n ? n : 1, sizeof(*out->v));
	for (i = 0; i < n; i++)
		if (refund_read(s, a, elems[i], strlen(elems[i]), &out->v[i],
		    err) != 0)
			return -1;
	out->n = n;
	return 0;
}

/* Stripe's "The Event object", as a webhook delivers it. */
int
stripe_event_parse(struct stripe *s, struct arena *a, const char *body,
    size_t len, struct stripe_event *out, struct stripe_error *err)
{
#define EF(k, kind, m, req) { k, kind, offsetof(struct stripe_event, m), req }
	static const struct jfield	 fields[] = {
		EF("id", JK_STR, id, true),
		EF("type", JK_STR, type_name, true),
		EF("created", JK_INT, created, true),
		EF("livemode", JK_BOOL, livemode, false),
	};
	static const struct jfield	 object[] = {
		EF("object", JK_STR, object_type, true),
	};
#undef EF
	int	i;

	err_clear(err);
	memset(out, 0, sizeof(*out));
	if (body == NULL || len > STRIPE_MAX_RESPONSE) {
		seterr(err, STRIPE_ERR_RESPONSE, "event: no body, or one "
		    "over %d bytes", STRIPE_MAX_RESPONSE);
		return -1;
	}
	if (json_read(s, a, body, len, "$", fields,
	    sizeof(fields) / sizeof(fields[0]), out, err) != 0 ||
	    json_read(s, a, body, len, "$.data.object", object, 1, out,
	    err) != 0)
		return -1;
	i = name_index(stripe_event_type_names, STRIPE_EVENT_OTHER,
	    out->type_name);
	out->type = i < 0 ? STRIPE_EVENT_OTHER : (enum stripe_event_type)i;
	if (strcmp(out->object_type, "checkout.session") == 0)
		return session_read(s, a, body, len, "$.data.object",
		    &out->session, err);
	if (strcmp(out->object_type, "charge") == 0)
		return charge_read(s, a, body, len, "$.data.object",
		    &out->charge, err);
	if (out->type != STRIPE_EVENT_OTHER) {
		seterr(err, STRIPE_ERR_RESPONSE, "event %s carries a %.60s",
		    out->type_name, out->object_type);
		return -1;
	}
	return 0;
}
