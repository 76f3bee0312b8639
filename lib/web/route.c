/*
 * Route tables compiled to PCRE2 at start-up.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "web/http.h"
#include "web/route.h"

struct compiled {
	const struct route	*route;
	pcre2_code		*code;
	uint32_t		 ncapture;
};

struct router {
	struct compiled		*c;
	size_t			 n;
	pcre2_match_context	*mctx;
};

/* Zeroes after a subject, for the JIT's block reads (router_match()). */
#define SUBJECT_PAD	64

/* PCRE2's allocations during a match come from the request's arena. */
static void *
arena_malloc(PCRE2_SIZE size, void *data)
{
	return arena_alloc(data, size);
}

static void
arena_nofree(void *p, void *data)
{
	(void)p;
	(void)data;
}

struct router *
router_new(const struct route *t, size_t n, char *err, size_t errlen)
{
	struct router	*r;
	size_t		 i;
	int		 ec;
	PCRE2_SIZE	 eo;
	PCRE2_UCHAR	 msg[256];

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->c = calloc(n ? n : 1, sizeof(*r->c))) == NULL) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->n = n;
	r->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(r->mctx, SHOP_PCRE_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, SHOP_PCRE_DEPTH_LIMIT);
	for (i = 0; i < n; i++) {
		r->c[i].route = &t[i];
		r->c[i].code = pcre2_compile((PCRE2_SPTR)t[i].pattern,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_NO_UTF_CHECK |
		    PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &eo, NULL);
		if (r->c[i].code == NULL) {
			pcre2_get_error_message(ec, msg, sizeof(msg));
			snprintf(err, errlen, "route %s: offset %zu: %s",
			    t[i].pattern, (size_t)eo, (char *)msg);
			router_free(r);
			return NULL;
		}
		/* JIT is an optimisation: without it matching still works. */
		(void)pcre2_jit_compile(r->c[i].code, PCRE2_JIT_COMPLETE);
		pcre2_pattern_info(r->c[i].code, PCRE2_INFO_CAPTURECOUNT,
		    &r->c[i].ncapture);
	}
	return r;
}

void
router_free(struct router *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		pcre2_code_free(r->c[i].code);
	pcre2_match_context_free(r->mctx);
	free(r->c);
	free(r);
}

/* Copy the named captures of a match into params. */
static void
captures(const struct compiled *c, pcre2_match_data *md, const char *path,
    struct arena *a, struct kvlist *params)
{
	uint32_t	 count, size, i;
	PCRE2_SPTR	 table;
	PCRE2_SIZE	*ov = pcre2_get_ovector_pointer(md);

	params->n = 0;
	pcre2_pattern_info(c->code, PCRE2_INFO_NAMECOUNT, &count);
	if (count == 0)
		return;
	pcre2_pattern_info(c->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(c->code, PCRE2_INFO_NAMETABLE, &table);
	params->v = arena_calloc(a, count, sizeof(*params->v));
	for (i = 0; i < count; i++) {
		const unsigned char *e = table + (size_t)i * size;
		uint32_t g = ((uint32_t)e[0] << 8) | e[1];
		PCRE2_SIZE s = ov[2 * g], f = ov[2 * g + 1];

		if (s == PCRE2_UNSET)
			continue;
		params->v[params->n].key = (const char *)e + 2;
		params->v[params->n].val = arena_strndup(a, path + s, f - s);
		params->v[params->n].vlen = f - s;
		params->n++;
	}
}

enum route_result
router_match(const struct router *r, struct arena *a, unsigned method,
    const char *path, const struct route **out, struct kvlist *params,
    unsigned *allow)
{
	pcre2_general_context	*gctx;
	pcre2_match_data	*md;
	char			*padded;
	size_t			 i, len = strlen(path);
	int			 rc;
	enum route_result	 res = ROUTE_NOT_FOUND;
	unsigned		 want = HTTP_BIT(method);

	/* HEAD is GET without a body (RFC 9110, 9.3.2). */
	if (method == HTTP_HEAD)
		want |= HTTP_BIT(HTTP_GET);

	*allow = 0;
	*out = NULL;
	params->n = 0;
	params->v = NULL;
	/*
	 * PCRE2's JIT scans a subject in aligned blocks of up to
	 * SUBJECT_PAD bytes, looking for a literal, and so may read past
	 * its end; what it finds there never changes the result, but it
	 * must be defined memory (valgrind), so the path is matched from a
	 * copy padded with zeroes.
	 */
	padded = arena_calloc(a, 1, len + SUBJECT_PAD);
	memcpy(padded, path, len);
	path = padded;
	gctx = pcre2_general_context_create(arena_malloc, arena_nofree, a);
	md = pcre2_match_data_create(64, gctx);
	for (i = 0; i < r->n; i++) {
		rc = pcre2_match(r->c[i].code, (PCRE2_SPTR)path, len, 0, 0,
		    md, r->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (rc < 0) {
			log_warn("router_match: pcre2_match %s: error %d",
			    r->c[i].route->pattern, rc);
			return ROUTE_ERROR;
		}
		if ((r->c[i].route->methods & want) == 0) {
			*allow |= r->c[i].route->methods;
			if (*allow & HTTP_BIT(HTTP_GET))
				*allow |= HTTP_BIT(HTTP_HEAD);
			res = ROUTE_BAD_METHOD;
			continue;
		}
		*out = r->c[i].route;
		captures(&r->c[i], md, path, a, params);
		return ROUTE_FOUND;
	}
	return res;
}
