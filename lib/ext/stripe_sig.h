/*
 * Stripe webhook signatures (Stripe's "Check the webhook signatures" and
 * "Verify signatures manually"): the Stripe-Signature header holds a
 * timestamp and one or more HMAC-SHA256 signatures,
 *
 *   Stripe-Signature: t=1700000000,v1=5257a869...,v1=...,v0=...
 *
 * each v1 being the hex HMAC-SHA256, keyed with the endpoint's signing
 * secret ("whsec_..." as it is written), of the timestamp as written, a
 * ".", and the raw request body. Other schemes (v0, ...) are ignored.
 *
 * Everything here is a pure function of its arguments: no clock, no
 * allocation, no global state.
 */
#ifndef SHOP_STRIPE_SIG_H
#define SHOP_STRIPE_SIG_H

#include <stdbool.h>
#include <stddef.h>

#define STRIPE_SIG_TOLERANCE	300	/* seconds either side of now */
#define STRIPE_SIG_MAX_HEADER	4096	/* bytes in the header */
#define STRIPE_SIG_MAX_V1	8	/* v1 entries (one per live secret) */
#define STRIPE_SIG_HEX		65	/* a hex signature and its NUL */

enum stripe_sig_result {
	STRIPE_SIG_OK,
	STRIPE_SIG_MALFORMED,	/* missing, too long, or not t=...,v1=... */
	STRIPE_SIG_NO_V1,	/* well formed, but no v1 signature */
	STRIPE_SIG_MISMATCH,	/* no v1 signature matches the body */
	STRIPE_SIG_TIMESTAMP,	/* signed, but outside the tolerance */
	STRIPE_SIG__MAX
};

extern const char *const stripe_sig_results[STRIPE_SIG__MAX];

/* A parsed header; the timestamp is kept as written, for the HMAC. */
struct stripe_sig_header {
	long long	 t;
	char		 t_text[20];
	unsigned char	 v1[STRIPE_SIG_MAX_V1][32];
	size_t		 nv1;
};

/*
 * Parse len bytes of a Stripe-Signature header: comma-separated
 * "key=value" items, optional spaces around them; exactly one t of 1 to
 * 18 digits; v1 values of 64 hex digits; other keys ignored. Returns
 * STRIPE_SIG_OK, STRIPE_SIG_MALFORMED or STRIPE_SIG_NO_V1.
 */
enum stripe_sig_result stripe_sig_parse(const char *header, size_t len,
		    struct stripe_sig_header *out);

/*
 * Verify a webhook request: header may be NULL (missing), secret must
 * not be empty (an empty one never matches), now is the current Unix
 * time. The checks run in Stripe's order: the header, the signatures,
 * then the timestamp, so a tampered old event reads as a mismatch. The
 * comparisons are constant-time (sodium_memcmp).
 */
enum stripe_sig_result stripe_sig_verify(const char *header,
		    const char *body, size_t bodylen, const char *secret,
		    long long now);

/* The hex v1 signature of body at time t, into hex. */
void		 stripe_sig_sign(const char *secret, long long t,
		    const char *body, size_t bodylen,
		    char hex[STRIPE_SIG_HEX]);

#endif
