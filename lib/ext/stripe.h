/*
 * A Stripe API client for what the shop does with payments (DESIGN.md,
 * "Payments"): Checkout Sessions (create, retrieve, list, expire, line
 * items), refunds, and reading webhook events. It talks to
 * STRIPE_API_BASE, which is Stripe itself or the test gateway in
 * tests/gateway/ that answers the same way.
 *
 * Requests are form-encoded with Stripe's bracket syntax and carry the
 * secret key as a Bearer token and a pinned Stripe-Version. Answers are
 * read with SQLite's JSON functions on a private in-memory connection.
 *
 * Rules for callers:
 *
 *   - NEVER CALL THESE INSIDE A DATABASE TRANSACTION. A call may take
 *     STRIPE_DEADLINE_MS; holding a write lock that long stalls every
 *     writer of the shop. Write what must exist first (the order), commit,
 *     call Stripe, then write what it answered in a new transaction.
 *   - Every POST takes an Idempotency-Key from the caller, derived from
 *     what it is about and the attempt ("order-42-session-1"), never
 *     random: a retry, by this client or by a later job, then cannot
 *     create a second session or refund.
 *   - One struct stripe per thread. It keeps its connection to the API
 *     open between calls.
 *
 * Time: connect within STRIPE_CONNECT_TIMEOUT_MS, each attempt within
 * STRIPE_ATTEMPT_TIMEOUT_MS, all attempts within STRIPE_DEADLINE_MS, well
 * inside the ~10 s a web server gives a request during a graceful restart.
 * Network errors, timeouts, 409, 429 and 5xx answers are retried with
 * backoff and the same Idempotency-Key, unless Stripe says
 * "Stripe-Should-Retry: false".
 *
 * Memory: results (strings, arrays) are allocated in the arena the caller
 * passes and live as long as it; nothing in them points into the client.
 * Errors are written into a caller's struct stripe_error (fixed buffers).
 */
#ifndef SHOP_STRIPE_H
#define SHOP_STRIPE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

#define STRIPE_API_VERSION		"2024-06-20"
#define STRIPE_CONNECT_TIMEOUT_MS	2000
#define STRIPE_ATTEMPT_TIMEOUT_MS	4000
#define STRIPE_DEADLINE_MS		6000
#define STRIPE_MAX_ATTEMPTS		3
#define STRIPE_BACKOFF_MS		250	/* first pause; doubles */
#define STRIPE_MIN_ATTEMPT_MS		250	/* no attempt with less left */
#define STRIPE_MAX_RESPONSE		(2 * 1024 * 1024)
#define STRIPE_MAX_LINE_ITEMS		100	/* Stripe's limit */
#define STRIPE_MAX_METADATA		50	/* keys; Stripe's limit */
#define STRIPE_MAX_METADATA_KEY		40
#define STRIPE_MAX_METADATA_VALUE	500
#define STRIPE_MAX_IDEMPOTENCY_KEY	255
#define STRIPE_MAX_ID			255	/* an object id in a path */
#define STRIPE_LIST_MAX			100	/* limit of one list page */

enum stripe_err {
	STRIPE_OK,
	STRIPE_ERR_USAGE,	/* bad arguments; nothing was sent */
	STRIPE_ERR_CONNECT,	/* no answer: connection failed */
	STRIPE_ERR_TIMEOUT,	/* no answer within the deadline */
	STRIPE_ERR_SERVER,	/* 5xx, 429 or 409 on the last attempt */
	STRIPE_ERR_AUTH,	/* 401 or 403: the key is wrong */
	STRIPE_ERR_NOT_FOUND,	/* 404: no such object */
	STRIPE_ERR_IDEMPOTENCY,	/* key reused with other parameters */
	STRIPE_ERR_REQUEST,	/* another 4xx: Stripe refused the request */
	STRIPE_ERR_RESPONSE,	/* an answer that cannot be read */
	STRIPE_ERR__MAX
};

extern const char *const stripe_err_names[STRIPE_ERR__MAX];

/*
 * Whether the request may have taken effect at Stripe although no answer
 * says so (CONNECT, TIMEOUT, SERVER): retry later with the same key.
 */
bool		 stripe_err_unknown_outcome(enum stripe_err);

struct stripe_error {
	enum stripe_err	 kind;
	int		 status;		/* HTTP status, 0 if none */
	int		 attempts;		/* requests sent */
	char		 type[48];		/* Stripe's error.type */
	char		 code[64];		/* error.code, "" if none */
	char		 param[128];		/* error.param, "" if none */
	char		 request_id[64];	/* Request-Id header */
	char		 message[512];		/* always set on failure */
};

struct stripe_opts {
	int		 connect_ms;
	int		 attempt_ms;
	int		 deadline_ms;
	int		 max_attempts;
	int		 backoff_ms;
};

/* A metadata entry (Stripe metadata is string to string). */
struct stripe_kv {
	const char	*key;
	const char	*value;
};

enum stripe_session_status {
	STRIPE_SESSION_OPEN,
	STRIPE_SESSION_COMPLETE,
	STRIPE_SESSION_EXPIRED,
	STRIPE_SESSION_UNKNOWN,		/* a value this program does not know */
	STRIPE_SESSION__MAX
};

extern const char *const stripe_session_status_names[STRIPE_SESSION__MAX];

enum stripe_payment_status {
	STRIPE_PAYMENT_UNPAID,
	STRIPE_PAYMENT_PAID,
	STRIPE_PAYMENT_NO_PAYMENT_REQUIRED,
	STRIPE_PAYMENT_UNKNOWN,		/* never treat as paid */
	STRIPE_PAYMENT__MAX
};

extern const char *const stripe_payment_status_names[STRIPE_PAYMENT__MAX];

/* What a Checkout Session charges for: one line. */
struct stripe_item {
	const char	*name;		/* price_data[product_data][name] */
	long long	 unit_amount;	/* minor units, >= 0 */
	long long	 quantity;	/* >= 1 */
};

/* The parameters of a new Checkout Session (mode=payment). */
struct stripe_session_new {
	const char		*currency;	/* ISO 4217, sent lower case */
	const struct stripe_item *items;
	size_t			 nitems;	/* 1..STRIPE_MAX_LINE_ITEMS */
	const char		*client_reference_id; /* or NULL */
	/* Set on the session and on its payment intent. */
	const struct stripe_kv	*metadata;
	size_t			 nmetadata;
	const char		*success_url;	/* may hold {CHECKOUT_SESSION_ID} */
	const char		*cancel_url;	/* or NULL */
	long long		 expires_at;	/* Unix time; 0: Stripe's 24 h */
	const char		*customer_email; /* or NULL */
};

struct stripe_session {
	const char			*id;
	const char			*url;	/* hosted page; NULL unless open */
	enum stripe_session_status	 status;
	const char			*status_name;	/* as sent */
	enum stripe_payment_status	 payment_status;
	const char			*payment_status_name;
	long long			 amount_total;
	const char			*currency;	/* lower case */
	const char			*client_reference_id; /* or NULL */
	const char			*payment_intent; /* NULL until paid */
	const char			*customer_email; /* or NULL */
	long long			 created;
	long long			 expires_at;
	struct stripe_kv		*metadata;
	size_t				 nmetadata;
};

struct stripe_session_query {
	long long	 created_gte;	/* 0: no lower bound */
	size_t		 limit;		/* 1..STRIPE_LIST_MAX; 0: 10 */
	const char	*starting_after; /* id of the last one seen, or NULL */
};

/* One page of a list, newest first. */
struct stripe_session_list {
	struct stripe_session	*v;
	size_t			 n;
	bool			 has_more;
};

struct stripe_line_item {
	const char	*id;
	const char	*description;
	long long	 quantity;
	long long	 unit_amount;	/* price.unit_amount */
	long long	 amount_total;
	const char	*currency;
};

struct stripe_line_items {
	struct stripe_line_item	*v;
	size_t			 n;
	bool			 has_more;
};

enum stripe_refund_status {
	STRIPE_REFUND_PENDING,
	STRIPE_REFUND_SUCCEEDED,
	STRIPE_REFUND_FAILED,
	STRIPE_REFUND_CANCELED,
	STRIPE_REFUND_REQUIRES_ACTION,
	STRIPE_REFUND_UNKNOWN,
	STRIPE_REFUND__MAX
};

extern const char *const stripe_refund_status_names[STRIPE_REFUND__MAX];

/* The parameters of a new refund of a payment intent. */
struct stripe_refund_new {
	const char		*payment_intent;
	long long		 amount;	/* > 0, minor units */
	/* "duplicate", "fraudulent", "requested_by_customer", or NULL */
	const char		*reason;
	const struct stripe_kv	*metadata;
	size_t			 nmetadata;
};

struct stripe_refund {
	const char			*id;
	const char			*payment_intent;
	const char			*charge;
	long long			 amount;
	const char			*currency;	/* lower case */
	enum stripe_refund_status	 status;
	const char			*status_name;	/* as sent */
	const char			*reason;	/* or NULL */
	long long			 created;
	struct stripe_kv		*metadata;
	size_t				 nmetadata;
};

struct stripe_refund_query {
	const char	*payment_intent; /* NULL: every one */
	long long	 created_gte;	/* 0: no lower bound */
	size_t		 limit;		/* 1..STRIPE_LIST_MAX; 0: 10 */
	const char	*starting_after; /* id of the last one seen, or NULL */
};

/* One page of refunds, newest first. */
struct stripe_refund_list {
	struct stripe_refund	*v;
	size_t			 n;
	bool			 has_more;
};

/* The charge of a charge.* event. */
struct stripe_charge {
	const char		*id;
	const char		*payment_intent;
	long long		 amount;
	long long		 amount_refunded;	/* in all, so far */
	const char		*currency;
	bool			 refunded;		/* in full */
	struct stripe_kv	*metadata;
	size_t			 nmetadata;
};

enum stripe_event_type {
	STRIPE_EVENT_SESSION_COMPLETED,
	STRIPE_EVENT_SESSION_ASYNC_SUCCEEDED,
	STRIPE_EVENT_SESSION_ASYNC_FAILED,
	STRIPE_EVENT_SESSION_EXPIRED,
	STRIPE_EVENT_CHARGE_REFUNDED,
	STRIPE_EVENT_OTHER,		/* any other type: acknowledge, ignore */
	STRIPE_EVENT__MAX
};

extern const char *const stripe_event_type_names[STRIPE_EVENT__MAX];

struct stripe_event {
	const char		*id;
	enum stripe_event_type	 type;
	const char		*type_name;	/* as sent */
	long long		 created;
	bool			 livemode;
	const char		*object_type;	/* data.object.object */
	struct stripe_session	 session;	/* checkout.session.* */
	struct stripe_charge	 charge;	/* charge.* */
};

struct stripe;

/*
 * A client for api_base ("https://api.stripe.com", no path) with the
 * secret key. Returns NULL with a message in err if either is unusable or
 * libcurl or SQLite cannot be set up. Sends nothing.
 */
struct stripe	*stripe_new(const char *api_base, const char *secret_key,
		    char *err, size_t errlen);
void		 stripe_free(struct stripe *);
/* Change timeouts and retries; fields left 0 keep their defaults. */
void		 stripe_set_opts(struct stripe *, const struct stripe_opts *);

/*
 * POST /v1/checkout/sessions (mode=payment, line items with price_data).
 * All of these return 0 with the result filled, or -1 with err filled.
 */
int		 stripe_session_create(struct stripe *, struct arena *,
		    const struct stripe_session_new *,
		    const char *idempotency_key, struct stripe_session *,
		    struct stripe_error *);
/* GET /v1/checkout/sessions/{id} */
int		 stripe_session_get(struct stripe *, struct arena *,
		    const char *id, struct stripe_session *,
		    struct stripe_error *);
/* GET /v1/checkout/sessions with created[gte], limit, starting_after */
int		 stripe_session_list(struct stripe *, struct arena *,
		    const struct stripe_session_query *,
		    struct stripe_session_list *, struct stripe_error *);
/* POST /v1/checkout/sessions/{id}/expire */
int		 stripe_session_expire(struct stripe *, struct arena *,
		    const char *id, const char *idempotency_key,
		    struct stripe_session *, struct stripe_error *);
/* GET /v1/checkout/sessions/{id}/line_items (first STRIPE_LIST_MAX) */
int		 stripe_session_line_items(struct stripe *, struct arena *,
		    const char *id, struct stripe_line_items *,
		    struct stripe_error *);
/*
 * POST /v1/refunds with payment_intent, amount (> 0, minor units), reason
 * and metadata. The Idempotency-Key must name this one refund: the same
 * key with the same parameters answers the same refund, never a second.
 */
int		 stripe_refund_create(struct stripe *, struct arena *,
		    const struct stripe_refund_new *,
		    const char *idempotency_key, struct stripe_refund *,
		    struct stripe_error *);
/* GET /v1/refunds/{id} */
int		 stripe_refund_get(struct stripe *, struct arena *,
		    const char *id, struct stripe_refund *,
		    struct stripe_error *);
/* GET /v1/refunds with payment_intent, created[gte], limit, starting_after */
int		 stripe_refund_list(struct stripe *, struct arena *,
		    const struct stripe_refund_query *,
		    struct stripe_refund_list *, struct stripe_error *);

/*
 * Read a webhook event body (verify its signature first, stripe_sig.h):
 * its id, type and creation time, and data.object as a session or a
 * charge according to object_type. Sends nothing. 0, or -1 with err
 * (STRIPE_ERR_RESPONSE) when the body is not an event.
 */
int		 stripe_event_parse(struct stripe *, struct arena *,
		    const char *body, size_t len, struct stripe_event *,
		    struct stripe_error *);

/* A metadata value by key, or NULL. */
const char	*stripe_kv_get(const struct stripe_kv *, size_t n,
		    const char *key);

#endif
