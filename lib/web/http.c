/*
 * HTTP over FastCGI (libfcgi's FCGX_ API) or CGI (RFC 3875).
 *
 * The response is buffered and written at the end with a Content-Length,
 * except for streams, which write their headers first and flush each chunk.
 * Every response carries the security headers; a handler can only add to
 * the CSP's form-action, never weaken the rest.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "core/arena.h"
#include "core/log.h"
#include "web/http.h"

extern char	**environ;

const char *const http_method_names[HTTP_METHOD__MAX] = {
	"GET",
	"HEAD",
	"POST",
	"PUT",
	"PATCH",
	"DELETE",
	"OPTIONS",
};

struct conn {
	bool		 cgi;
	bool		 cgi_served;
	bool		 fcgi_ready;
	FCGX_Request	 fcgi;
	char		**envp;
};

static volatile sig_atomic_t	 stopping;
static int			 fastcgi;	/* set once, before threads */
static int			 devnull = -1;	/* replaces fd 0 on a stop */
/* libfcgi's threaded example serialises accept(); so do we. */
static pthread_mutex_t		 accept_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct {
	int		 code;
	const char	*reason;
} reasons[] = {
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

const char *
http_reason(int status)
{
	size_t	i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			return reasons[i].reason;
	return "Unknown";
}

const char *
kv_get(const struct kvlist *l, const char *key)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].val;
	return NULL;
}

/*
 * The signal interrupts an accept() in progress (no SA_RESTART); one that
 * comes just before accept() is called would be missed, so the listening
 * socket is also taken from this process: /dev/null takes its place on
 * descriptor 0, and accept() fails at once. The socket itself is left
 * alone: shop-fcgi's processes of a family share one, which the others
 * go on accepting on (shutting it down would stop them all).
 */
static void
on_term(int sig)
{
	int	saved = errno;

	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
	if (fastcgi && devnull >= 0)
		(void)dup2(devnull, 0);
	errno = saved;
}

bool
http_is_fastcgi(void)
{
	return !FCGX_IsCGI();
}

/*
 * SIGTERM (lighttpd and shop-fcgi stop their processes with it) and SIGINT
 * finish the request in progress and end the loop; accept() is interrupted
 * rather than restarted so an idle process stops at once.
 */
int
http_init(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	fastcgi = !FCGX_IsCGI();
	if (fastcgi)
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (FCGX_Init() != 0) {
		log_error("http_init: FCGX_Init failed");
		return -1;
	}
	return 0;
}

void
http_shutdown(void)
{
	stopping = 1;
	FCGX_ShutdownPending();
}

bool
http_stopping(void)
{
	return stopping != 0;
}

void
http_req_init(struct req *r, struct arena *a)
{
	struct conn	*c;

	memset(r, 0, sizeof(*r));
	r->arena = a;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_msg(LL_FATAL, "http_req_init: out of memory");
		abort();
	}
	c->cgi = FCGX_IsCGI();
	r->conn = c;
}

void
http_req_free(struct req *r)
{
	struct conn	*c = r->conn;

	if (c != NULL && c->fcgi_ready)
		FCGX_Free(&c->fcgi, 1);
	free(c);
	buf_free(&r->headers);
	buf_free(&r->body_out);
	r->conn = NULL;
}

/* Reset the per-request fields, keeping arena, shop, buffers and conn. */
static void
req_clear(struct req *r)
{
	struct arena	*a = r->arena;
	struct shop	*shop = r->shop;
	void		*conn = r->conn;
	struct buf	 h = r->headers, b = r->body_out;

	buf_reset(&h);
	buf_reset(&b);
	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->shop = shop;
	r->conn = conn;
	r->headers = h;
	r->body_out = b;
	r->status = 200;
}

int
http_accept(struct req *r)
{
	struct conn	*c = r->conn;

	req_clear(r);
	if (c->cgi) {
		if (c->cgi_served)
			return 0;
		c->cgi_served = true;
		c->envp = environ;
		return 1;
	}
	if (stopping)
		return 0;
	if (!c->fcgi_ready) {
		if (FCGX_InitRequest(&c->fcgi, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
			log_error("http_accept: FCGX_InitRequest failed");
			return 0;
		}
		c->fcgi_ready = true;
	}
	for (;;) {
		int rc;

		pthread_mutex_lock(&accept_lock);
		rc = FCGX_Accept_r(&c->fcgi);
		pthread_mutex_unlock(&accept_lock);
		if (rc >= 0)
			break;
		if (stopping)
			return 0;
		if (errno != EINTR) {
			log_error("http_accept: FCGX_Accept_r: %s", strerror(errno));
			return 0;
		}
	}
	c->envp = c->fcgi.envp;
	return 1;
}

const char *
req_env(const struct req *r, const char *name)
{
	const struct conn	*c = r->conn;
	size_t			 n = strlen(name);
	char			**e;

	if (c == NULL || c->envp == NULL)
		return NULL;
	for (e = c->envp; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* "User-Agent" is found as HTTP_USER_AGENT (RFC 3875, 4.1.18). */
const char *
req_header(const struct req *r, const char *name)
{
	char	var[128];
	size_t	i, n = strlen(name);

	if (strcasecmp(name, "Content-Type") == 0)
		return req_env(r, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return req_env(r, "CONTENT_LENGTH");
	if (n + 6 > sizeof(var))
		return NULL;
	memcpy(var, "HTTP_", 5);
	for (i = 0; i < n; i++) {
		char ch = name[i];

		var[5 + i] = ch == '-' ? '_' :
		    (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
	}
	var[5 + n] = '\0';
	return req_env(r, var);
}

const char *
req_query(const struct req *r, const char *name)
{
	return kv_get(&r->query, name);
}

const char *
req_form(const struct req *r, const char *name)
{
	return kv_get(&r->form, name);
}

const char *
req_cookie(const struct req *r, const char *name)
{
	return kv_get(&r->cookies, name);
}

const char *
req_param(const struct req *r, const char *name)
{
	return kv_get(&r->params, name);
}

static bool
header_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

void
resp_header(struct req *r, const char *name, const char *value)
{
	if (!header_safe(name) || !header_safe(value)) {
		log_error("resp_header: refused header %s with CR or LF", name);
		return;
	}
	buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

void
resp_redirect(struct req *r, int status, const char *location)
{
	r->status = status;
	resp_header(r, "Location", location);
}

long
http_read(struct req *r, char *p, size_t len)
{
	struct conn	*c = r->conn;
	ssize_t		 n;
	int		 got;

	if (len > (size_t)1 << 30)
		len = (size_t)1 << 30;
	if (c->cgi) {
		do
			n = read(STDIN_FILENO, p, len);
		while (n < 0 && errno == EINTR);
		return n < 0 ? -1 : (long)n;
	}
	got = FCGX_GetStr(p, (int)len, c->fcgi.in);
	if (got < 0)
		return -1;
	return got;
}

static int
conn_write(struct req *r, const char *p, size_t len)
{
	struct conn	*c = r->conn;
	ssize_t		 n;

	if (c->cgi) {
		while (len > 0) {
			n = write(STDOUT_FILENO, p, len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			p += n;
			len -= (size_t)n;
		}
		return 0;
	}
	while (len > 0) {
		int chunk = len > (1 << 20) ? (1 << 20) : (int)len;

		if (FCGX_PutStr(p, chunk, c->fcgi.out) != chunk)
			return -1;
		p += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

static int
conn_flush(struct req *r)
{
	struct conn	*c = r->conn;

	if (c->cgi)
		return 0;
	return FCGX_FFlush(c->fcgi.out) == 0 ? 0 : -1;
}

/*
 * The header block: status, type, caching, the security headers of
 * DESIGN.md, then whatever the handler added.
 */
static void
head_build(struct req *r, struct buf *h, bool with_length)
{
	int	status = r->status ? r->status : 200;

	buf_printf(h, "Status: %d %s\r\n", status, http_reason(status));
	if (status != 204 && status != 304)
		buf_printf(h, "Content-Type: %s\r\n",
		    r->resp_type ? r->resp_type : "text/html; charset=utf-8");
	if (with_length)
		buf_printf(h, "Content-Length: %zu\r\n", r->body_out.len);
	buf_printf(h, "Cache-Control: %s\r\n",
	    r->cache_control ? r->cache_control : "private, no-cache");
	buf_printf(h, "Content-Security-Policy: default-src 'self'; "
	    "img-src 'self' data:; style-src 'self'; script-src 'self'; "
	    "object-src 'none'; base-uri 'none'; form-action 'self'%s%s; "
	    "frame-ancestors 'none'\r\n",
	    r->csp_form_action ? " " : "",
	    r->csp_form_action ? r->csp_form_action : "");
	buf_puts(h, "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n"
	    "Vary: Accept, Cookie\r\n");
	buf_printf(h, "X-Request-Id: %s\r\n", r->id);
	buf_append(h, r->headers.p ? r->headers.p : "", r->headers.len);
	buf_puts(h, "\r\n");
}

void
http_finish(struct req *r)
{
	struct conn	*c = r->conn;
	struct buf	 h = { 0 };

	if (!r->streaming) {
		head_build(r, &h, true);
		if (conn_write(r, h.p, h.len) == 0 && r->method != HTTP_HEAD)
			conn_write(r, r->body_out.p ? r->body_out.p : "",
			    r->body_out.len);
		buf_free(&h);
	}
	if (!c->cgi)
		FCGX_Finish_r(&c->fcgi);
}

int
resp_stream_begin(struct req *r)
{
	struct buf	h = { 0 };
	int		rc;

	head_build(r, &h, false);
	rc = conn_write(r, h.p, h.len);
	buf_free(&h);
	r->streaming = true;
	if (rc != 0)
		return -1;
	return conn_flush(r);
}

int
resp_stream_write(struct req *r, const char *p, size_t len)
{
	if (conn_write(r, p, len) != 0)
		return -1;
	return conn_flush(r);
}

/*
 * Wait up to ms for the client to go away: lighttpd closes its FastCGI
 * connection when the client does, which shows as POLLRDHUP on it; for
 * CGI, the web server's end of standard output closing shows as POLLERR.
 * Data waiting to be read (an unread empty stdin record) is not asked
 * about, so it cannot wake the wait early.
 */
int
resp_stream_wait(struct req *r, int ms)
{
	struct conn	*c = r->conn;
	struct pollfd	 pfd;

	pfd.fd = c->cgi ? STDOUT_FILENO : c->fcgi.ipcFd;
	pfd.events = c->cgi ? 0 : POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, ms) > 0 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
		return -1;
	return 0;
}
