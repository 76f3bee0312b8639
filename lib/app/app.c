/*
 * The request loop of every cgi-bin program.
 *
 * Order of checks for each request, each refusing before any work the
 * next one needs: request line and path (400/414), route (404/405),
 * readiness of the databases and schema (503), cross-origin posts (403),
 * the session (loaded from its cookie for every route) and the route's
 * ROUTE_USER/ROUTE_ADMIN guard (303 to the log-in page, 401, 403), body
 * size and form parsing (413/400/415), then the handler. Whatever
 * status a step or the handler returns is answered by page_error() here,
 * and nowhere else.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/text.h"
#include "core/tmpl.h"
#include "data/migrate.h"
#include "web/cookie.h"
#include "web/http.h"
#include "web/multipart.h"
#include "web/origin.h"
#include "web/route.h"
#include "web/urlenc.h"
#include "shop/pagecache.h"
#include "shop/session.h"
#include "app/app.h"
#include "app/page.h"

/* Threads between accepting a request and finishing it, for shutdown. */
static atomic_int	serving;

struct thread_arg {
	const struct app	*app;
	struct shop		 shop;
	pthread_t		 tid;
	int			 rc;
};

static enum http_method
method_from_name(const char *m)
{
	int	i;

	for (i = 0; i < HTTP_METHOD__MAX; i++)
		if (strcmp(m, http_method_names[i]) == 0)
			return (enum http_method)i;
	return HTTP_METHOD__MAX;
}

/*
 * Log msg once per process and kind (every thread of a threaded program
 * has its own struct shop, and each 503 logs the reason with its request
 * anyway): said is the kind's memory of what it said last.
 */
static void
say_once(char said[256], enum log_level level, const char *prefix,
    const char *why)
{
	static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
	bool			 new;

	pthread_mutex_lock(&lock);
	if ((new = strcmp(said, why) != 0))
		snprintf(said, 256, "%s", why);
	pthread_mutex_unlock(&lock);
	if (new)
		log_msg(level, "%s%s", prefix, why);
}

/* Why the program cannot serve, once per process and reason. */
static void
not_ready(const char *why)
{
	static char	said[256];

	say_once(said, LL_ERROR, "not ready: ", why);
}

/*
 * Open database i for s, or NULL with the reason in err. cache.db alone
 * is made when it is missing, and brought up to this program's schema
 * when it is behind: it holds nothing that must be kept, and a program
 * without it could not throttle log-ins (side/throttle.h), so waiting
 * for "shopctl migrate" would mean refusing them until then.
 */
static struct db *
open_db(struct shop *s, int i, char *err, size_t errlen, bool *behind)
{
	struct db	*d;
	char		 path[4096], why[256];
	int		 missing;
	bool		 made = false, dummy;

	if (behind == NULL)
		behind = &dummy;
	*behind = false;
	d = db_open(s->cfg->data_dir, (enum db_id)i, DB_OPEN_WEB, err, errlen);
	snprintf(path, sizeof(path), "%s/%s", s->cfg->data_dir, db_files[i]);
	if (d == NULL && i == DB_CACHE && access(path, F_OK) != 0 &&
	    errno == ENOENT) {
		d = db_open(s->cfg->data_dir, (enum db_id)i, DB_OPEN_WEB |
		    DB_OPEN_CREATE, err, errlen);
		made = d != NULL;
	}
	if (d == NULL || (missing = migrate_missing(d)) == 0) {
		if (made)
			log_warn("%s was missing: made a new one", path);
		return d;
	}
	if (i == DB_CACHE) {
		if (migrate_apply(d, NULL, NULL, why, sizeof(why)) >= 0) {
			log_warn("%s %s", path, made ? "was missing: made a "
			    "new one" : "was behind this program's schema: "
			    "brought it up to date");
			return d;
		}
		snprintf(err, errlen, "%s", why);
	} else {
		snprintf(err, errlen, "the %s database schema is older than "
		    "this program (%d migration%s missing): run \"shopctl "
		    "migrate\"", db_names[i], missing < 0 ? 1 : missing,
		    missing == 1 ? "" : "s");
		*behind = true;
	}
	db_close(d);
	return NULL;
}

/*
 * The optional databases of a program that serves: one deleted or
 * replaced under it (db_moved) is opened again at once, since writes to
 * the old file fail and other programs use the new one; one that is not
 * open is tried again at most once a second. Failures are logged once
 * per reason; the program goes on without the database.
 */
static void
reopen_optional(struct shop *s)
{
	static char	 said[256];
	char		 err[256];
	time_t		 now = (time_t)clock_now();
	int		 i;

	for (i = 0; i < DB__MAX; i++) {
		if (!(s->optional_dbs & DB_BIT(i)))
			continue;
		if (s->db[i] != NULL) {
			if (!db_moved(s->db[i]))
				continue;
			log_warn("%s was deleted or replaced while open: "
			    "opening it again", db_path(s->db[i]));
			db_close(s->db[i]);
			s->db[i] = NULL;
		} else if (s->side_checked_at == now)
			continue;
		s->side_checked_at = now;
		if ((s->db[i] = open_db(s, i, err, sizeof(err), NULL)) == NULL)
			say_once(said, LL_ERROR, "going on without it: ", err);
		else
			said[0] = '\0';
	}
}

/* What a 503 says when the files cannot be written: no path, no cause. */
static const char msg_paused[] =
    "The shop cannot save anything at the moment, so this could not be "
    "done. Browsing still works; please try again in a few minutes.";
static const char default_503[] =
    "The shop is briefly unavailable. Please try again in a moment.";
static const char msg_missing[] =
    "The shop's databases do not exist yet: run \"shopctl migrate\" to "
    "create the databases.";

/* Whether what kept a read-only connection from writing is gone. */
static bool
writable_again(const struct db *d)
{
	const char	*path = db_path(d);
	char		 dir[4096];
	const char	*slash = strrchr(path, '/');

	if (db_state(d) == DB_STATE_FULL)
		return !db_space_low(d);
	if (slash == NULL || (size_t)(slash - path) >= sizeof(dir))
		return true;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return access(dir, W_OK) == 0 && access(path, W_OK) == 0;
}

/*
 * A connection that only reads (the directory read-only, the disk full)
 * is opened again, once a second, until it can write; one opened as the
 * file stands (immutable) is dropped as soon as another process opens
 * the file to write (db_stale).
 */
static void
shop_retry(struct shop *s, time_t now)
{
	struct db	*d;
	char		 err[256];
	int		 i;
	bool		 due = s->retried_at != now;

	s->retried_at = now;
	for (i = 0; i < DB__MAX; i++) {
		if (s->db[i] == NULL)
			continue;
		if (db_stale(s->db[i])) {
			db_close(s->db[i]);
			s->db[i] = NULL;
			s->checked_at = 0;
			continue;
		}
		if (db_state(s->db[i]) == DB_STATE_OK || !due)
			continue;
		/*
		 * Only when there is room or leave to write again, and the
		 * old one closed first: SQLite shares one -shm mapping among
		 * a process's connections, and the old one's is read-only.
		 */
		if (!writable_again(s->db[i]))
			continue;
		db_close(s->db[i]);
		s->db[i] = d = db_open(s->cfg->data_dir, (enum db_id)i,
		    DB_OPEN_WEB, err, sizeof(err));
		if (d == NULL || migrate_missing(d) != 0) {
			db_close(d);
			s->db[i] = NULL;
			s->checked_at = 0;
		} else if (db_state(d) == DB_STATE_OK)
			log_info("db: %s can be written again", db_path(d));
	}
}

/*
 * Open what is not open and check the schema. Returns true when the
 * program can serve (perhaps only reading); otherwise shop->unavailable
 * says why, in words for the visitor, and the log has the cause. Checked
 * at most once a second while unavailable, so a shop that is being
 * migrated comes back by itself. Once it serves, the optional databases
 * are looked after on each call (reopen_optional), and a connection that
 * could only read is tried again (shop_retry).
 */
static bool
shop_ready(struct shop *s)
{
	char		 err[256], path[4200];
	int		 i;
	time_t		 now;
	bool		 behind;
	struct stat	 sb;

	now = (time_t)clock_now();
	shop_retry(s, now);
	if (s->checked_at != 0 && s->unavailable[0] == '\0') {
		reopen_optional(s);
		return true;
	}
	if (s->checked_at == now)
		return false;
	s->checked_at = now;
	s->unavailable[0] = '\0';
	for (i = 0; i < DB__MAX; i++) {
		unsigned bit = DB_BIT(i);

		if (!((s->want_dbs | s->optional_dbs) & bit) || s->db[i])
			continue;
		s->db[i] = open_db(s, i, err, sizeof(err), &behind);
		if (s->db[i] != NULL || !(s->want_dbs & bit))
			continue;
		/* A cause that names files goes to the log, not the page. */
		snprintf(path, sizeof(path), "%s/%s", s->cfg->data_dir,
		    db_files[i]);
		snprintf(s->unavailable, sizeof(s->unavailable), "%s", behind ?
		    err : stat(path, &sb) != 0 && errno == ENOENT ?
		    msg_missing : default_503);
		not_ready(err);
		return false;
	}
	s->side_checked_at = now;
	return true;
}

/* Whether a write was refused because the files cannot be written. */
static bool
shop_paused(const struct shop *s)
{
	int	i;

	for (i = 0; i < DB__MAX; i++)
		if (s->db[i] != NULL && (db_state(s->db[i]) != DB_STATE_OK ||
		    db_space_low(s->db[i])))
			return true;
	return false;
}

static void
shop_close(struct shop *s)
{
	int	i;

	for (i = 0; i < DB__MAX; i++) {
		db_close(s->db[i]);
		s->db[i] = NULL;
	}
}

/* JSON when Accept names application/json before (or without) text/html. */
static bool
wants_json(const char *accept)
{
	const char	*j, *h;

	if (accept == NULL || (j = strcasestr(accept, "application/json")) == NULL)
		return false;
	h = strcasestr(accept, "text/html");
	return h == NULL || j < h;
}

/* The media type of a Content-Type, lower case, without parameters. */
static const char *
media_type(struct arena *a, const char *ct)
{
	size_t	 n, i;
	char	*t;

	if (ct == NULL)
		return NULL;
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, "; \t");
	t = arena_strndup(a, ct, n);
	for (i = 0; i < n; i++)
		if (t[i] >= 'A' && t[i] <= 'Z')
			t[i] = (char)(t[i] - 'A' + 'a');
	return t;
}

/*
 * Request line, path, query, cookies, Accept. Returns 0 or a status, with
 * r->error saying what was wrong.
 */
static int
parse_request(struct req *r)
{
	const char	*uri, *q, *m, *sn, *pi;
	char		*path;
	size_t		 plen;
	enum parse_err	 e;

	m = req_env(r, "REQUEST_METHOD");
	r->method_name = m ? m : "GET";
	r->method = method_from_name(r->method_name);
	r->remote_addr = req_env(r, "REMOTE_ADDR");
	r->want_json = wants_json(req_header(r, "Accept"));
	r->content_type = media_type(r->arena, req_env(r, "CONTENT_TYPE"));

	/* The path as the client sent it, from REQUEST_URI when we have it. */
	if ((uri = req_env(r, "REQUEST_URI")) != NULL) {
		plen = strcspn(uri, "?#");
		e = PARSE_OK;
		if (plen > SHOP_MAX_PATH) {
			r->error = "The address is too long.";
			return 414;
		}
		e = url_decode(r->arena, uri, plen, false, &path, NULL);
	} else {
		sn = req_env(r, "SCRIPT_NAME");
		pi = req_env(r, "PATH_INFO");
		path = arena_printf(r->arena, "%s%s", sn ? sn : "",
		    pi ? pi : "");
		e = text_utf8_valid(path, strlen(path)) ? PARSE_OK :
		    PARSE_BAD_UTF8;
	}
	if (e != PARSE_OK) {
		r->error = arena_printf(r->arena, "The address is malformed: "
		    "%s.", parse_err_msgs[e]);
		return 400;
	}
	r->path = path[0] == '/' ? path : arena_printf(r->arena, "/%s", path);

	q = req_env(r, "QUERY_STRING");
	r->query_string = q ? q : "";
	if (strlen(r->query_string) > SHOP_MAX_QUERY) {
		r->error = "The address is too long.";
		return 414;
	}
	e = urlenc_parse(r->arena, r->query_string, strlen(r->query_string),
	    &r->query);
	if (e != PARSE_OK) {
		r->error = arena_printf(r->arena, "The query string is "
		    "malformed: %s.", parse_err_msgs[e]);
		return e == PARSE_TOO_LONG ? 414 : 400;
	}
	if (cookie_parse(r->arena, req_header(r, "Cookie"), &r->cookies)) {
		r->error = "Too many or too large cookies were sent. Clearing "
		    "this site's cookies will fix it.";
		return 431;
	}
	return 0;
}

/*
 * CONTENT_LENGTH, strictly: digits only, no sign, no overflow, within
 * SHOP_MAX_BODY (SHOP_MAX_UPLOAD_BODY for a ROUTE_UPLOAD route). Returns
 * 0 with *len, or a status.
 */
static int
content_length(struct req *r, size_t *len)
{
	const char		*cl = req_env(r, "CONTENT_LENGTH");
	unsigned long long	 v = 0, max = SHOP_MAX_BODY;
	const char		*p;

	if (r->route != NULL && (r->route->flags & ROUTE_UPLOAD))
		max = SHOP_MAX_UPLOAD_BODY;

	*len = 0;
	if (cl == NULL || *cl == '\0')
		return 0;
	for (p = cl; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - cl > 18) {
			r->error = "The Content-Length header is malformed.";
			return 400;
		}
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > max) {
		r->error = arena_printf(r->arena, "The request body is larger "
		    "than the %llu bytes allowed.", max);
		return 413;
	}
	*len = (size_t)v;
	return 0;
}

/*
 * Read the body whole (it is bounded) and parse it if it is a form,
 * urlencoded or multipart (RFC 7578), with the same field limits.
 */
static int
read_body(struct req *r)
{
	size_t		 len, got = 0;
	long		 n;
	char		*p;
	int		 rc;
	enum parse_err	 e;

	if ((rc = content_length(r, &len)) != 0)
		return rc;
	if (len == 0) {
		r->body = "";
		return 0;
	}
	p = arena_alloc(r->arena, len + 1);
	while (got < len) {
		if ((n = http_read(r, p + got, len - got)) <= 0) {
			r->error = "The request body ended early.";
			return 400;
		}
		got += (size_t)n;
	}
	p[len] = '\0';
	r->body = p;
	r->body_len = len;
	if (r->route != NULL && (r->route->flags & ROUTE_RAW))
		return 0;
	if (r->content_type != NULL &&
	    strcmp(r->content_type, "application/x-www-form-urlencoded") == 0) {
		if (len > SHOP_MAX_FORM_BODY) {
			r->error = arena_printf(r->arena, "The form is larger "
			    "than the %d bytes allowed.", SHOP_MAX_FORM_BODY);
			return 413;
		}
		e = urlenc_parse(r->arena, p, len, &r->form);
		if (e != PARSE_OK) {
			r->error = arena_printf(r->arena, "The form is "
			    "malformed: %s.", parse_err_msgs[e]);
			return e == PARSE_TOO_MANY || e == PARSE_TOO_LONG ?
			    413 : 400;
		}
		return 0;
	}
	if (r->content_type != NULL &&
	    strcmp(r->content_type, "multipart/form-data") == 0) {
		e = multipart_parse_max(r->arena, p, len, multipart_boundary(
		    r->arena, req_env(r, "CONTENT_TYPE")),
		    r->route != NULL && (r->route->flags & ROUTE_UPLOAD) ?
		    SHOP_MAX_UPLOAD_BODY : SHOP_MAX_UPLOAD, &r->form,
		    &r->uploads, &r->nuploads);
		if (e != PARSE_OK) {
			r->error = arena_printf(r->arena, "The form is "
			    "malformed: %s.", parse_err_msgs[e]);
			return e == PARSE_TOO_MANY || e == PARSE_TOO_LONG ?
			    413 : 400;
		}
		return 0;
	}
	r->error = "Forms must be sent as application/x-www-form-urlencoded "
	    "or multipart/form-data.";
	return 415;
}

static void
allow_header(struct req *r, unsigned allow)
{
	struct buf	b = { 0 };
	int		i;

	for (i = 0; i < HTTP_METHOD__MAX; i++)
		if (allow & HTTP_BIT(i))
			buf_printf(&b, "%s%s", b.len ? ", " : "",
			    http_method_names[i]);
	resp_header(r, "Allow", buf_str(&b));
	buf_free(&b);
}

/*
 * ROUTE_USER, ROUTE_STAFF and ROUTE_ADMIN: a signed-out browser is sent
 * to the log-in page (303, with the page it wanted as "next" when that
 * was a GET), a JSON client gets 401; a signed-in account without the
 * role gets 403. Returns 0 to go on, -1 when the redirect is the answer,
 * or a status.
 */
static int
require_user(struct req *r, const struct route *route)
{
	const struct session	*s = session_of(r);
	struct buf		 b = { 0 };

	if (!(route->flags & (ROUTE_USER | ROUTE_STAFF | ROUTE_ADMIN)))
		return 0;
	if (s != NULL && s->user_id != 0) {
		if ((route->flags & ROUTE_ADMIN) && s->role != ROLE_ADMIN) {
			r->error = role_is_staff(s->role) ? "This page is for "
			    "the shop's administrators only." : "This page is "
			    "for the shop's staff only.";
			return 403;
		}
		if ((route->flags & ROUTE_STAFF) && !role_is_staff(s->role)) {
			r->error = "This page is for the shop's staff only.";
			return 403;
		}
		return 0;
	}
	if (r->want_json) {
		resp_header(r, "WWW-Authenticate", "Cookie realm=\"shop\"");
		r->error = "Please sign in first.";
		return 401;
	}
	buf_puts(&b, SESSION_LOGIN_PATH);
	if (r->method == HTTP_GET || r->method == HTTP_HEAD) {
		buf_puts(&b, "?next=");
		text_urlencode(&b, r->path);
		if (r->query_string[0] != '\0') {
			text_urlencode(&b, "?");
			text_urlencode(&b, r->query_string);
		}
	}
	resp_redirect(r, 303, arena_strdup(r->arena, buf_str(&b)));
	r->cache_control = "no-store";
	buf_free(&b);
	return -1;
}

/* Everything from a parsed request to a response in r. */
static int
dispatch(struct req *r)
{
	const struct route	*route;
	enum route_result	 res;
	unsigned		 allow;
	int			 rc;

	if ((rc = parse_request(r)) != 0)
		return rc;
	res = router_match(r->shop->router, r->arena, r->method, r->path,
	    &route, &r->params, &allow);
	switch (res) {
	case ROUTE_FOUND:
		break;
	case ROUTE_BAD_METHOD:
		allow_header(r, allow);
		return 405;
	case ROUTE_NOT_FOUND:
		/* The page still shows the visitor's cart and name. */
		if (shop_ready(r->shop))
			session_load(r);
		return 404;
	default:
		return 400;
	}
	r->route = route;
	if (!shop_ready(r->shop)) {
		r->error = r->shop->unavailable;
		resp_header(r, "Retry-After", "5");
		return 503;
	}
	if (r->method != HTTP_GET && r->method != HTTP_HEAD &&
	    !(route->flags & ROUTE_CROSS) &&
	    !origin_allowed(r, r->shop->cfg)) {
		r->error = "This form was sent from another site, so it was "
		    "refused. Please use the form on this site.";
		return 403;
	}
	session_load(r);
	if ((rc = require_user(r, route)) != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = read_body(r)) != 0)
		return rc;
	return route->fn(r);
}

static void
serve(struct shop *s, struct req *r)
{
	unsigned char	 rnd[6];
	int		 rc, i;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(r->id, sizeof(r->id), rnd, sizeof(rnd));
	log_set_req(r->id);
	r->shop = s;
	if ((rc = dispatch(r)) != 0) {
		if (rc < 400 || rc > 599) {
			log_error("handler for %s returned %d", r->path, rc);
			rc = 500;
		}
		if (rc >= 500)
			log_msg(rc == 503 ? LL_WARN : LL_ERROR, "%s %s: %d %s",
			    r->method_name, r->path ? r->path : "?", rc,
			    r->error ? r->error : http_reason(rc));
		if (rc == 503 && r->error == NULL && shop_paused(s))
			r->error = msg_paused;
		page_error(r, rc, rc >= 500 && rc != 503 ? NULL : r->error);
	}
	http_finish(r);
	for (i = 0; i < DB__MAX; i++)
		if (s->db[i] != NULL)
			db_reset_all(s->db[i]);
	arena_reset(r->arena);
	log_set_req(NULL);
}

static void *
thread_main(void *p)
{
	struct thread_arg	*t = p;
	struct arena		*a = arena_new();
	struct req		 r;

	http_req_init(&r, a);
	r.shop = &t->shop;
	(void)shop_ready(&t->shop);
	t->rc = 0;
	if (t->app->thread_init != NULL && t->app->thread_init(&t->shop) != 0)
		t->rc = 1;
	while (t->rc == 0 && http_accept(&r) > 0) {
		atomic_fetch_add(&serving, 1);
		serve(&t->shop, &r);
		atomic_fetch_sub(&serving, 1);
	}
	if (t->app->thread_fini != NULL)
		t->app->thread_fini(&t->shop);
	http_req_free(&r);
	arena_free(a);
	shop_close(&t->shop);
	return NULL;
}

/*
 * A threaded program: every thread serves, with SIGTERM and SIGINT
 * blocked, while the main thread waits for one of them. A signal handled
 * by one serving thread could not wake the others out of accept(), so
 * the process would never end. On the signal, every loop is told to stop
 * (streams check http_stopping() between writes), requests in progress
 * get up to APP_STOP_GRACE_MS to finish, and the process ends here, with
 * _exit(): threads still in accept() end with it, and nothing (atexit
 * handlers, app_main's stack) is torn down under a thread still running.
 */
static int
serve_threads(struct thread_arg *threads, int n)
{
	struct timespec	 nap = { 0, 20 * 1000000L };
	sigset_t	 stop, old;
	int		 i, rc, sig, waited;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	for (i = 0; i < n; i++)
		if ((rc = pthread_create(&threads[i].tid, NULL, thread_main,
		    &threads[i])) != 0) {
			log_error("pthread_create: %s", strerror(rc));
			if (i == 0)
				return 1;
			break;
		}
	if (sigwait(&stop, &sig) != 0)
		sig = SIGTERM;
	http_shutdown();
	log_info("signal %d: stopping after %d request%s in progress", sig,
	    atomic_load(&serving), atomic_load(&serving) == 1 ? "" : "s");
	for (waited = 0; atomic_load(&serving) > 0 &&
	    waited < APP_STOP_GRACE_MS; waited += 20)
		nanosleep(&nap, NULL);
	_exit(0);
}

int
app_main(const struct app *app, int argc, char **argv)
{
	struct config		 cfg;
	struct tmpl_set		*tmpl;
	struct router		*router;
	struct thread_arg	*threads;
	char			 err[512];
	int			 i, n, rc;

	(void)argc;
	(void)argv;
	log_init(app->name);
	if (config_load(&cfg, err, sizeof(err)) != 0) {
		log_msg(LL_FATAL, "configuration: %s", err);
		return 1;
	}
	if (sodium_init() < 0) {
		log_msg(LL_FATAL, "sodium_init failed");
		return 1;
	}
	/*
	 * Before any database is opened: every commit removes its pages.
	 * Only for programs of the shop's primary database (not, say, the
	 * test payment gateway, which has a data directory of its own).
	 */
	if ((app->dbs & DB_BIT(DB_PRIMARY)) &&
	    pagecache_init(&cfg, cfg.template_dir, err, sizeof(err)) != 0) {
		log_msg(LL_FATAL, "configuration: %s", err);
		return 1;
	}
	if (http_init() != 0)
		return 1;
	if ((tmpl = tmpl_load_dir(cfg.template_dir, err, sizeof(err))) == NULL) {
		log_msg(LL_FATAL, "templates: %s", err);
		return 1;
	}
	if ((router = router_new(app->routes, app->nroutes, err,
	    sizeof(err))) == NULL) {
		log_msg(LL_FATAL, "routes: %s", err);
		tmpl_set_free(tmpl);
		return 1;
	}
	n = app->threads > 1 && http_is_fastcgi() ? app->threads : 1;
	if ((threads = calloc((size_t)n, sizeof(*threads))) == NULL) {
		log_msg(LL_FATAL, "out of memory");
		return 1;
	}
	for (i = 0; i < n; i++) {
		threads[i].app = app;
		threads[i].shop.cfg = &cfg;
		threads[i].shop.tmpl = tmpl;
		threads[i].shop.router = router;
		threads[i].shop.bin = app->name;
		threads[i].shop.want_dbs = app->dbs;
		threads[i].shop.optional_dbs = app->optional_dbs;
	}
	if (n > 1)
		return serve_threads(threads, n);
	/* Only a single-threaded process frees everything: leak checkers. */
	thread_main(&threads[0]);
	rc = threads[0].rc;
	router_free(router);
	tmpl_set_free(tmpl);
	free(threads);
	return rc;
}
