/*
 * The test payment gateway: a Stripe stand-in for tests and "make run".
 * See README.md in this directory for what it does and how to drive it.
 *
 * Files: main.c (configuration, routes, threads), store.c (its SQLite
 * file, ids, faults, events and deliveries), api.c (the /v1 API), pay.c
 * (test cards and the hosted payment page), control.c (/_gateway test
 * control), clock.c (what happens with time: expiry, asynchronous
 * payments, webhook deliveries).
 */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

struct arena;
struct buf;
struct db;
struct kvlist;
struct req;

/* Limits and timings. */
#define GW_MAX_FIELDS		1024	/* fields in an API body */
#define GW_MAX_FORM_BODY	(256 * 1024)
#define GW_ID_LEN		24	/* random characters after a prefix */
#define GW_MAX_LINE_ITEMS	100
#define GW_MAX_METADATA		50
#define GW_MAX_METADATA_KEY	40
#define GW_MAX_METADATA_VALUE	500
#define GW_MAX_IDEM_KEY		255
#define GW_MAX_AMOUNT		99999999LL	/* per session, minor units */
#define GW_MIN_EXPIRY		1800	/* expires_at: 30 min to 24 h */
#define GW_MAX_EXPIRY		86400
#define GW_LIST_DEFAULT		10
#define GW_LIST_MAX		100
#define GW_POLL_MS		200	/* the clock's period */
#define GW_BATCH		20	/* deliveries claimed at once */
#define GW_LEASE_MS		10000	/* a claimed delivery's lease */
#define GW_WEBHOOK_CONNECT_MS	2000
#define GW_WEBHOOK_TIMEOUT_MS	5000
#define GW_BACKOFF_FIRST_MS	1000	/* doubles per failure */
#define GW_BACKOFF_MAX_MS	60000
#define GW_REORDER_HOLD_MS	1500	/* gather events to send reversed */
#define GW_DEFAULT_MAX_AGE	(3 * 86400)	/* retry deliveries so long */
#define GW_DEFAULT_ASYNC_MS	1000	/* until an async payment settles */
#define GW_MAX_COPIES		5	/* duplicate= */
#define GW_MAX_DELAY_S		3600	/* delay= */
#define GW_MAX_SLOW_MS		60000	/* slow_ms= */
#define GW_SCHEMA_VERSION	1
#define GW_API_VERSION		"2024-06-20"

/* From the environment, once per process; read-only afterwards. */
struct gw_config {
	const char	*secret_key;	/* GATEWAY_SECRET_KEY */
	const char	*webhook_secret; /* GATEWAY_WEBHOOK_SECRET */
	const char	*webhook_url;	/* GATEWAY_WEBHOOK_URL, or NULL */
	const char	*base_url;	/* GATEWAY_BASE_URL */
	const char	*data_dir;	/* GATEWAY_DATA_DIR */
	const char	*faults;	/* GATEWAY_FAULTS, or "" */
	long long	 max_age_s;	/* GATEWAY_DELIVERY_MAX_AGE */
	long long	 async_ms;	/* GATEWAY_ASYNC_DELAY_MS */
	char		 db_path[4096];
	char		 env_key[64];	/* this run, for GATEWAY_FAULTS */
};

/* Fault modes, one row in the database, shared by every process. */
struct gw_faults {
	int	 duplicate;	/* extra copies of each delivery */
	int	 delay_s;	/* before a delivery's first attempt */
	bool	 reorder;	/* deliver events newest first */
	int	 drop_pm;	/* per mille of deliveries dropped */
	int	 api500_pm;	/* per mille of API calls answered 500 */
	int	 api500_next;	/* the next N API calls answered 500 */
	int	 lost_next;	/* the next N POSTs done, answered 500 */
	int	 slow_ms;	/* before each API answer */
};

/* What one thread (serving or clock) has of its own. */
struct gw_thread {
	const struct gw_config	*cfg;
	struct db		*db;
	CURL			*curl;		/* for deliveries, made lazily */
	volatile int		*stop;		/* the clock's stop flag */
};

/* main.c */
struct gw_thread *gw_req_thread(const struct req *);

/* store.c */
int		 gw_thread_open(struct gw_thread *, const struct gw_config *,
		    char *err, size_t errlen);
void		 gw_thread_close(struct gw_thread *);
int		 gw_schema(struct db *, char *err, size_t errlen);
long long	 gw_now_ms(void);
long long	 gw_now(void);
char		*gw_id(struct arena *, const char *prefix);
int		 gw_faults_get(struct db *, struct gw_faults *);
int		 gw_faults_put(struct db *, const struct gw_faults *);
int		 gw_fault_set(struct gw_faults *, const char *name,
		    const char *value, char *err, size_t errlen);
int		 gw_faults_parse(struct gw_faults *, const char *spec,
		    char *err, size_t errlen);
int		 gw_faults_apply_env(struct db *, const struct gw_config *,
		    char *err, size_t errlen);
char		*gw_faults_json(struct db *, struct arena *);
char		*gw_session_json(struct db *, struct arena *, const char *id);
char		*gw_charge_json(struct db *, struct arena *, const char *pi);
char		*gw_refund_json(struct db *, struct arena *, const char *id);
int		 gw_event_emit(struct gw_thread *, struct arena *,
		    const char *type, const char *object_json,
		    const char *request_id, const char *idem_key);
int		 gw_parse_int(const char *, long long min, long long max,
		    long long *out);
void		 gw_list_begin(struct buf *);
void		 gw_list_end(struct buf *, const char *url, bool has_more);

/* pay.c */
struct gw_card_input {
	const char	*number;
	const char	*expiry;	/* "MM / YY"; NULL: a valid one */
	const char	*cvc;		/* NULL: a valid one */
	const char	*email;		/* or NULL */
};

enum gw_pay_result {
	GW_PAY_OK,		/* paid, or completed and processing */
	GW_PAY_CARD_ERROR,	/* declined or mistyped: still payable */
	GW_PAY_NOT_FOUND,
	GW_PAY_EXPIRED,
	GW_PAY_COMPLETE,	/* already paid or processing */
	GW_PAY_ERROR,		/* database */
	GW_PAY__MAX
};

struct gw_pay_outcome {
	enum gw_pay_result	 result;
	const char		*code;		/* Stripe error code */
	const char		*decline_code;
	const char		*message;	/* for the customer */
	const char		*field;		/* the form field at fault */
	const char		*redirect;	/* success_url, filled in */
	char			*session_json;
};

int		 gw_pay(struct gw_thread *, struct arena *, const char *id,
		    const struct gw_card_input *, struct gw_pay_outcome *);
int		 h_pay_page(struct req *);
int		 h_pay_submit(struct req *);

/* api.c */
int		 h_sessions_create(struct req *);
int		 h_sessions_list(struct req *);
int		 h_session_get(struct req *);
int		 h_session_expire(struct req *);
int		 h_session_line_items(struct req *);
int		 h_refunds_create(struct req *);
int		 h_refund_get(struct req *);
int		 h_refunds_list(struct req *);
int		 h_events_list(struct req *);
int		 h_event_get(struct req *);
int		 h_api_unknown(struct req *);
/* Auth and the API faults; 0 to go on, else the request is answered. */
int		 gw_api_begin(struct req *, const char **request_id,
		    bool faults);
void		 gw_api_answer(struct req *, int status, const char *json);
void		 gw_api_error(struct req *, int status, const char *type,
		    const char *code, const char *param, const char *fmt, ...)
		    __attribute__((format(printf, 6, 7)));
char		*gw_error_json(struct arena *, const char *type,
		    const char *code, const char *decline_code,
		    const char *param, const char *message);

/* control.c */
int		 h_ctl_faults_get(struct req *);
int		 h_ctl_faults_set(struct req *);
int		 h_ctl_pay(struct req *);
int		 h_ctl_events(struct req *);
int		 h_ctl_deliveries(struct req *);
int		 h_ctl_flush(struct req *);
int		 h_ctl_expire(struct req *);

/* clock.c */
int		 gw_clock_start(const struct gw_config *);
void		 gw_clock_stop(void);
/* One pass: expire, settle, deliver what is due. Deliveries attempted. */
int		 gw_tick(struct gw_thread *, struct arena *);
int		 gw_expire_due(struct gw_thread *, struct arena *);

#endif
