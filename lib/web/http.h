/*
 * HTTP requests and responses over FastCGI or CGI.
 *
 * A process started by a FastCGI server (lighttpd's bin-path, or
 * shop-fcgi for Apache) serves requests in a loop with libfcgi's FCGX_
 * API; started any other way it serves exactly one request as CGI (RFC
 * 3875) from its environment and standard input. Handlers cannot tell
 * the difference.
 *
 * Everything in a struct req lives in its arena or its buffers and is
 * released when the request ends.
 */
#ifndef SHOP_HTTP_H
#define SHOP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

struct arena;
struct route;
struct session;
struct shop;

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_METHOD__MAX
};

extern const char *const http_method_names[HTTP_METHOD__MAX];

#define HTTP_BIT(m)	(1u << (m))

/* A name and a value; values may hold any byte but NUL. */
struct kv {
	const char	*key;
	const char	*val;
	size_t		 vlen;
};

struct kvlist {
	struct kv	*v;
	size_t		 n;
};

const char	*kv_get(const struct kvlist *, const char *key);

/* An uploaded file of a multipart/form-data body. */
struct upload {
	const char	*field;
	const char	*filename;
	const char	*type;		/* Content-Type the client claimed */
	const char	*data;
	size_t		 len;
};

struct req {
	struct arena	*arena;
	struct shop	*shop;		/* the serving thread's environment */
	char		 id[16];	/* request id, also in every log line */

	/* Request, set before the handler runs. */
	enum http_method method;
	const char	*method_name;	/* as sent, for logs */
	const char	*path;		/* percent-decoded, starts with "/" */
	const char	*query_string;	/* raw, without "?" */
	struct kvlist	 query;
	struct kvlist	 form;		/* urlencoded or multipart fields */
	struct upload	*uploads;
	size_t		 nuploads;
	struct kvlist	 cookies;
	struct kvlist	 params;	/* named captures of the route */
	const char	*content_type;	/* media type only, lower case */
	const char	*body;		/* raw body (NUL-terminated) */
	size_t		 body_len;
	const char	*remote_addr;
	bool		 want_json;	/* Accept asks for application/json */
	const struct route *route;
	struct session	*session;	/* session.h; NULL: none */

	/* Response, built by the handler. */
	int		 status;
	const char	*resp_type;	/* Content-Type */
	const char	*cache_control;
	const char	*csp_form_action; /* origins added to form-action */
	const char	*error;		/* message for the error page */
	struct buf	 headers;	/* extra "Name: value\r\n" lines */
	struct buf	 body_out;
	bool		 streaming;	/* headers already written */

	/* Private to http.c. */
	void		*conn;
};

/* CGI environment variables of the request (REMOTE_ADDR, ...). */
const char	*req_env(const struct req *, const char *name);
/* A request header by its HTTP name ("User-Agent"), or NULL. */
const char	*req_header(const struct req *, const char *name);
const char	*req_query(const struct req *, const char *name);
const char	*req_form(const struct req *, const char *name);
const char	*req_cookie(const struct req *, const char *name);
const char	*req_param(const struct req *, const char *name);

/*
 * Add a response header. Names and values holding CR, LF or NUL are
 * dropped and logged: a header can never be split.
 */
void		 resp_header(struct req *, const char *name, const char *value);
void		 resp_redirect(struct req *, int status, const char *location);

/*
 * Streaming (server-sent events): write the headers now, then write and
 * flush as data comes. Both return 0, or -1 once the client has gone.
 */
int		 resp_stream_begin(struct req *);
int		 resp_stream_write(struct req *, const char *, size_t);
/* Sleep up to ms between writes; -1 as soon as the client has gone. */
int		 resp_stream_wait(struct req *, int ms);

/* The reason phrase of a status code ("Not Found"). */
const char	*http_reason(int status);

/*
 * The connection layer, used by the request loop in app.c.
 */
struct http_listener;

/* Whether this process was started by a FastCGI server. */
bool		 http_is_fastcgi(void);
/* Set up the FastCGI library once per process. */
int		 http_init(void);
/* Ask every accept loop to stop after its current request. */
void		 http_shutdown(void);
bool		 http_stopping(void);

/*
 * Wait for the next request on this thread and fill the request fields
 * that come from the environment. Returns 1 with a request, 0 when the
 * process should stop. In CGI mode the first call returns the one request.
 */
int		 http_accept(struct req *);
/* Read up to len bytes of the body; returns bytes read, 0 at end, -1. */
long		 http_read(struct req *, char *, size_t);
/* Write the response (status, headers, body) and end the request. */
void		 http_finish(struct req *);
void		 http_req_init(struct req *, struct arena *);
void		 http_req_free(struct req *);

#endif
