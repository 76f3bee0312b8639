/*
 * Fuzz target: multipart/form-data bodies (lib/web/multipart.c). The input's
 * first line is the Content-Type header value, the rest the body. Whatever
 * the input, parsing must end in PARSE_OK with fields and files within
 * the limits of core/limits.h (file data inside the body), or in an error
 * code; with a bound of its own on files, no file is past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/text.h"
#include "web/http.h"
#include "web/multipart.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a = arena_new();
	const char	*p = (const char *)data, *nl, *body;
	char		*ct, *boundary;
	struct kvlist	 f;
	struct upload	*u;
	size_t		 nu, i, blen, text = 0;

	if ((nl = memchr(p, '\n', size)) == NULL) {
		arena_free(a);
		return 0;
	}
	ct = arena_strndup(a, p, (size_t)(nl - p));
	body = nl + 1;
	blen = size - (size_t)(nl - p) - 1;
	boundary = multipart_boundary(a, ct);
	if (boundary != NULL && (strlen(boundary) == 0 ||
	    strlen(boundary) > 70))
		abort();
	if (multipart_parse(a, body, blen, boundary, &f, &u, &nu) ==
	    PARSE_OK) {
		if (f.n > SHOP_MAX_FIELDS || nu > SHOP_MAX_PARTS)
			abort();
		for (i = 0; i < f.n; i++) {
			if (strlen(f.v[i].val) != f.v[i].vlen ||
			    f.v[i].vlen > SHOP_MAX_FIELD_VALUE ||
			    strlen(f.v[i].key) > SHOP_MAX_FIELD_NAME ||
			    !text_utf8_valid(f.v[i].val, f.v[i].vlen) ||
			    !text_utf8_valid(f.v[i].key, strlen(f.v[i].key)))
				abort();
			text += strlen(f.v[i].key) + f.v[i].vlen;
		}
		if (text > SHOP_MAX_FORM_BODY)
			abort();
		for (i = 0; i < nu; i++)
			if (u[i].len > SHOP_MAX_UPLOAD || u[i].data < body ||
			    u[i].data + u[i].len > body + blen ||
			    u[i].field == NULL || u[i].filename == NULL)
				abort();
	}
	/* A route's own bound on files (ROUTE_UPLOAD): never a file past it. */
	if (multipart_parse_max(a, body, blen, boundary, 8, &f, &u, &nu) ==
	    PARSE_OK)
		for (i = 0; i < nu; i++)
			if (u[i].len > 8 || u[i].data < body ||
			    u[i].data + u[i].len > body + blen)
				abort();
	arena_free(a);
	return 0;
}
