/*
 * gateway: a Stripe stand-in, one FastCGI program on its own port with
 * its own database (README.md in this directory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/log.h"
#include "data/db.h"
#include "web/http.h"
#include "web/route.h"
#include "app/app.h"

#include "gateway.h"

#define ID	"(?<id>[A-Za-z0-9_]{1,255})"
#define GET	HTTP_BIT(HTTP_GET)
#define POST	HTTP_BIT(HTTP_POST)
#define ANY	(HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD) | HTTP_BIT(HTTP_POST) | \
		 HTTP_BIT(HTTP_PUT) | HTTP_BIT(HTTP_PATCH) | \
		 HTTP_BIT(HTTP_DELETE) | HTTP_BIT(HTTP_OPTIONS))
/* API clients are not browsers: any origin, bodies parsed by api.c. */
#define API	(ROUTE_CROSS | ROUTE_RAW)

static const struct route routes[] = {
	{ POST, "^/v1/checkout/sessions$", h_sessions_create, API },
	{ GET, "^/v1/checkout/sessions$", h_sessions_list, API },
	{ GET, "^/v1/checkout/sessions/" ID "$", h_session_get, API },
	{ POST, "^/v1/checkout/sessions/" ID "/expire$", h_session_expire,
	    API },
	{ GET, "^/v1/checkout/sessions/" ID "/line_items$",
	    h_session_line_items, API },
	{ POST, "^/v1/refunds$", h_refunds_create, API },
	{ GET, "^/v1/refunds/" ID "$", h_refund_get, API },
	{ GET, "^/v1/refunds$", h_refunds_list, API },
	{ GET, "^/v1/events$", h_events_list, API },
	{ GET, "^/v1/events/" ID "$", h_event_get, API },
	{ ANY, "^/v1(/.*)?$", h_api_unknown, API },
	{ GET, "^/c/pay/" ID "$", h_pay_page, 0 },
	{ POST, "^/c/pay/" ID "$", h_pay_submit, 0 },
	{ GET, "^/_gateway/faults$", h_ctl_faults_get, ROUTE_CROSS },
	{ POST, "^/_gateway/faults$", h_ctl_faults_set, ROUTE_CROSS },
	{ POST, "^/_gateway/sessions/" ID "/pay$", h_ctl_pay, ROUTE_CROSS },
	{ POST, "^/_gateway/sessions/expire$", h_ctl_expire, ROUTE_CROSS },
	{ GET, "^/_gateway/events$", h_ctl_events, ROUTE_CROSS },
	{ GET, "^/_gateway/deliveries$", h_ctl_deliveries, ROUTE_CROSS },
	{ POST, "^/_gateway/deliveries/flush$", h_ctl_flush, ROUTE_CROSS },
};

/* Read once in main(), before any thread; read-only afterwards. */
static struct gw_config	config;

struct gw_thread *
gw_req_thread(const struct req *r)
{
	return r->shop->app_data;
}

static int
thread_init(struct shop *s)
{
	struct gw_thread	*t;
	char			 err[512];

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	if (gw_thread_open(t, &config, err, sizeof(err)) != 0) {
		log_error("gateway: %s", err);
		free(t);
		return -1;
	}
	s->app_data = t;
	return 0;
}

static void
thread_fini(struct shop *s)
{
	struct gw_thread	*t = s->app_data;

	if (t == NULL)
		return;
	gw_thread_close(t);
	free(t);
	s->app_data = NULL;
}

static const char *
env(const char *name, const char *fallback)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : fallback;
}

/* The GATEWAY_* variables into config; 0, or -1 with a message. */
static int
config_read(struct gw_config *c, char *err, size_t errlen)
{
	unsigned char	 h[crypto_generichash_BYTES_MIN];
	const char	*v;
	size_t		 n;

	memset(c, 0, sizeof(*c));
	c->secret_key = env("GATEWAY_SECRET_KEY", NULL);
	c->webhook_secret = env("GATEWAY_WEBHOOK_SECRET", NULL);
	c->webhook_url = env("GATEWAY_WEBHOOK_URL", NULL);
	c->base_url = env("GATEWAY_BASE_URL", NULL);
	c->data_dir = env("GATEWAY_DATA_DIR", NULL);
	c->faults = env("GATEWAY_FAULTS", "");
	c->max_age_s = GW_DEFAULT_MAX_AGE;
	c->async_ms = GW_DEFAULT_ASYNC_MS;
	if (c->secret_key == NULL || c->base_url == NULL ||
	    c->data_dir == NULL) {
		snprintf(err, errlen, "GATEWAY_SECRET_KEY, GATEWAY_BASE_URL "
		    "and GATEWAY_DATA_DIR must be set");
		return -1;
	}
	if (c->webhook_url != NULL && c->webhook_secret == NULL) {
		snprintf(err, errlen, "GATEWAY_WEBHOOK_URL needs "
		    "GATEWAY_WEBHOOK_SECRET");
		return -1;
	}
	if (c->webhook_url != NULL && strncmp(c->webhook_url, "http://", 7) &&
	    strncmp(c->webhook_url, "https://", 8)) {
		snprintf(err, errlen, "GATEWAY_WEBHOOK_URL must be an http(s) "
		    "URL");
		return -1;
	}
	if ((v = getenv("GATEWAY_DELIVERY_MAX_AGE")) != NULL &&
	    gw_parse_int(v, 1, 30 * 86400, &c->max_age_s) != 0) {
		snprintf(err, errlen, "GATEWAY_DELIVERY_MAX_AGE: seconds, 1 "
		    "to 2592000");
		return -1;
	}
	if ((v = getenv("GATEWAY_ASYNC_DELAY_MS")) != NULL &&
	    gw_parse_int(v, 0, 3600000, &c->async_ms) != 0) {
		snprintf(err, errlen, "GATEWAY_ASYNC_DELAY_MS: 0 to 3600000");
		return -1;
	}
	n = strlen(c->base_url);
	if (n > 0 && c->base_url[n - 1] == '/') {
		snprintf(err, errlen, "GATEWAY_BASE_URL must not end in /");
		return -1;
	}
	if ((size_t)snprintf(c->db_path, sizeof(c->db_path), "%s/gateway.db",
	    c->data_dir) >= sizeof(c->db_path)) {
		snprintf(err, errlen, "GATEWAY_DATA_DIR is too long");
		return -1;
	}
	/* The web server that started us, and the setting, name the run. */
	crypto_generichash(h, sizeof(h), (const unsigned char *)c->faults,
	    strlen(c->faults), NULL, 0);
	n = (size_t)snprintf(c->env_key, sizeof(c->env_key), "%ld:",
	    (long)getppid());
	sodium_bin2hex(c->env_key + n, sizeof(c->env_key) - n, h, sizeof(h));
	return 0;
}

/*
 * Set up the database (schema, the run's faults) before the request
 * loop, and in a FastCGI process start the clock thread.
 */
static int
setup(void)
{
	struct gw_thread	 t;
	char			 err[512];
	int			 rc;

	if (gw_thread_open(&t, &config, err, sizeof(err)) != 0) {
		log_msg(LL_FATAL, "gateway: %s", err);
		return -1;
	}
	rc = gw_schema(t.db, err, sizeof(err)) != 0 ||
	    gw_faults_apply_env(t.db, &config, err, sizeof(err)) != 0 ? -1 : 0;
	gw_thread_close(&t);
	if (rc != 0) {
		log_msg(LL_FATAL, "gateway: %s", err);
		return -1;
	}
	if (http_is_fastcgi() && gw_clock_start(&config) != 0)
		return -1;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		.name = "gateway",
		.routes = routes,
		.nroutes = sizeof(routes) / sizeof(routes[0]),
		.thread_init = thread_init,
		.thread_fini = thread_fini,
	};
	char	err[512];
	int	rc;

	log_init(app.name);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_msg(LL_FATAL, "gateway: library initialisation failed");
		return 1;
	}
	if (config_read(&config, err, sizeof(err)) != 0) {
		log_msg(LL_FATAL, "gateway: %s", err);
		return 1;
	}
	if (setup() != 0)
		return 1;
	rc = app_main(&app, argc, argv);
	gw_clock_stop();
	curl_global_cleanup();
	return rc;
}
