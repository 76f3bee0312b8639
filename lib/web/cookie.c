/*
 * Cookie parsing (RFC 6265, 5.4, lenient as user agents are) and
 * Set-Cookie construction (RFC 6265, 4.1, strict as servers must be).
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "web/cookie.h"
#include "web/http.h"

/* RFC 6265 cookie-octet: no CTLs, whitespace, DQUOTE, comma, ; or \. */
static bool
cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) ||
	    (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

/* RFC 7230 tchar. */
static bool
token_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

int
cookie_parse(struct arena *a, const char *h, struct kvlist *out)
{
	size_t		 len, i, count = 1, ns, ne, vs, ve, k;
	bool		 ok;

	out->v = NULL;
	out->n = 0;
	if (h == NULL)
		return 0;
	if ((len = strlen(h)) > SHOP_MAX_COOKIE_LEN)
		return -1;
	for (i = 0; i < len; i++)
		if (h[i] == ';')
			count++;
	if (count > SHOP_MAX_COOKIES)
		return -1;
	out->v = arena_calloc(a, count, sizeof(*out->v));

	for (i = 0; i < len; i++) {
		while (i < len && (h[i] == ' ' || h[i] == '\t'))
			i++;
		ns = i;
		while (i < len && h[i] != '=' && h[i] != ';')
			i++;
		ne = i;
		while (ne > ns && (h[ne - 1] == ' ' || h[ne - 1] == '\t'))
			ne--;
		if (i >= len || h[i] != '=') {
			/* A pair without "=" carries nothing we set. */
			while (i < len && h[i] != ';')
				i++;
			continue;
		}
		vs = ++i;
		while (i < len && h[i] != ';')
			i++;
		ve = i;
		while (vs < ve && (h[vs] == ' ' || h[vs] == '\t'))
			vs++;
		while (ve > vs && (h[ve - 1] == ' ' || h[ve - 1] == '\t'))
			ve--;
		if (ve - vs >= 2 && h[vs] == '"' && h[ve - 1] == '"') {
			vs++;
			ve--;
		}
		ok = ne > ns;
		for (k = ns; ok && k < ne; k++)
			ok = token_char((unsigned char)h[k]);
		for (k = vs; ok && k < ve; k++)
			ok = cookie_octet((unsigned char)h[k]);
		if (!ok)
			continue;
		out->v[out->n].key = arena_strndup(a, h + ns, ne - ns);
		out->v[out->n].val = arena_strndup(a, h + vs, ve - vs);
		out->v[out->n].vlen = ve - vs;
		out->n++;
	}
	return 0;
}

void
cookie_set(struct req *r, const char *name, const char *value,
    const struct cookie_opts *o)
{
	struct buf	 b = { 0 };
	const char	*p;

	for (p = name; *p != '\0'; p++)
		if (!token_char((unsigned char)*p))
			break;
	if (*name == '\0' || *p != '\0') {
		log_error("cookie_set: refused cookie name");
		return;
	}
	for (p = value; *p != '\0'; p++)
		if (!cookie_octet((unsigned char)*p))
			break;
	if (*p != '\0') {
		log_error("cookie_set: refused value of cookie %s", name);
		return;
	}
	buf_printf(&b, "%s=%s; Path=%s", name, value,
	    o->path ? o->path : "/");
	if (o->max_age > 0)
		buf_printf(&b, "; Max-Age=%ld", o->max_age);
	else if (o->max_age < 0)
		buf_puts(&b, "; Max-Age=0");
	if (o->secure)
		buf_puts(&b, "; Secure");
	if (o->http_only)
		buf_puts(&b, "; HttpOnly");
	if (o->same_site)
		buf_printf(&b, "; SameSite=%s", o->same_site);
	resp_header(r, "Set-Cookie", buf_str(&b));
	buf_free(&b);
}
