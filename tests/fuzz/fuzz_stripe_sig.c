/*
 * Fuzz target: the Stripe-Signature header parser (lib/ext/stripe_sig.c).
 * Whatever the header, parsing ends in one of its results; an accepted
 * header has a timestamp of digits equal to the number it holds and 1 to
 * STRIPE_SIG_MAX_V1 signatures; verification agrees with parsing and
 * never accepts a header for a body it was not signed for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ext/stripe_sig.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stripe_sig_header	 h;
	enum stripe_sig_result		 p, v;
	char				*s;
	long long			 t = 0;
	size_t				 i;

	if (sodium_init() < 0)
		abort();
	p = stripe_sig_parse((const char *)data, size, &h);
	if (p >= STRIPE_SIG__MAX)
		abort();
	if (p == STRIPE_SIG_OK) {
		if (h.nv1 == 0 || h.nv1 > STRIPE_SIG_MAX_V1 ||
		    h.t_text[0] == '\0' || strlen(h.t_text) > 18)
			abort();
		for (i = 0; h.t_text[i] != '\0'; i++) {
			if (h.t_text[i] < '0' || h.t_text[i] > '9')
				abort();
			t = t * 10 + (h.t_text[i] - '0');
		}
		if (t != h.t)
			abort();
	}
	if (p == STRIPE_SIG_NO_V1 && h.nv1 != 0)
		abort();
	/* As a C string the header may be shorter (a NUL inside). */
	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	v = stripe_sig_verify(s, "fuzz", 4, "whsec_fuzz", h.t);
	if (memchr(data, '\0', size) == NULL && p != STRIPE_SIG_OK && v != p)
		abort();
	/* A random header signing this body is a 2^-256 event. */
	if (v == STRIPE_SIG_OK || v == STRIPE_SIG_TIMESTAMP)
		abort();
	free(s);
	return 0;
}
