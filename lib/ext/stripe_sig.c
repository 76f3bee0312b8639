/*
 * Stripe webhook signatures: parsing Stripe-Signature, HMAC-SHA256 with
 * libsodium, constant-time comparison.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ext/stripe_sig.h"

const char *const stripe_sig_results[STRIPE_SIG__MAX] = {
	"ok",
	"malformed or missing Stripe-Signature header",
	"no v1 signature in the Stripe-Signature header",
	"no signature matches the payload",
	"timestamp outside the tolerance",
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One "key=value" item of len bytes (already trimmed) into out. */
static enum stripe_sig_result
parse_item(const char *p, size_t len, struct stripe_sig_header *out,
    bool *have_t)
{
	const char	*eq = memchr(p, '=', len);
	size_t		 klen, vlen, i;
	const char	*v;
	long long	 t = 0;
	int		 hi, lo;

	if (eq == NULL || eq == p)
		return STRIPE_SIG_MALFORMED;
	klen = (size_t)(eq - p);
	v = eq + 1;
	vlen = len - klen - 1;
	if (klen == 1 && p[0] == 't') {
		if (*have_t || vlen == 0 || vlen > 18)
			return STRIPE_SIG_MALFORMED;
		for (i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return STRIPE_SIG_MALFORMED;
			t = t * 10 + (v[i] - '0');
		}
		memcpy(out->t_text, v, vlen);
		out->t_text[vlen] = '\0';
		out->t = t;
		*have_t = true;
		return STRIPE_SIG_OK;
	}
	if (klen == 2 && p[0] == 'v' && p[1] == '1') {
		if (vlen != 64 || out->nv1 == STRIPE_SIG_MAX_V1)
			return STRIPE_SIG_MALFORMED;
		for (i = 0; i < 32; i++) {
			if ((hi = hexval(v[2 * i])) < 0 ||
			    (lo = hexval(v[2 * i + 1])) < 0)
				return STRIPE_SIG_MALFORMED;
			out->v1[out->nv1][i] = (unsigned char)(hi << 4 | lo);
		}
		out->nv1++;
		return STRIPE_SIG_OK;
	}
	/* Another scheme (v0, a future v2) or key: ignored, but printable. */
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return STRIPE_SIG_MALFORMED;
	return STRIPE_SIG_OK;
}

enum stripe_sig_result
stripe_sig_parse(const char *header, size_t len, struct stripe_sig_header *out)
{
	enum stripe_sig_result	 rc;
	size_t			 start, end, i;
	bool			 have_t = false;

	memset(out, 0, sizeof(*out));
	if (header == NULL || len == 0 || len > STRIPE_SIG_MAX_HEADER)
		return STRIPE_SIG_MALFORMED;
	for (start = 0; start <= len; start = i + 1) {
		for (i = start; i < len && header[i] != ','; i++)
			continue;
		end = i;
		while (start < end && (header[start] == ' ' ||
		    header[start] == '\t'))
			start++;
		while (end > start && (header[end - 1] == ' ' ||
		    header[end - 1] == '\t'))
			end--;
		if (start == end)
			return STRIPE_SIG_MALFORMED;
		if ((rc = parse_item(header + start, end - start, out,
		    &have_t)) != STRIPE_SIG_OK)
			return rc;
	}
	if (!have_t)
		return STRIPE_SIG_MALFORMED;
	return out->nv1 == 0 ? STRIPE_SIG_NO_V1 : STRIPE_SIG_OK;
}

/* HMAC-SHA256(secret, t_text "." body) into mac. */
static void
sig_mac(const char *secret, const char *t_text, const char *body,
    size_t bodylen, unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state	st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)t_text,
	    strlen(t_text));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
	    bodylen);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

enum stripe_sig_result
stripe_sig_verify(const char *header, const char *body, size_t bodylen,
    const char *secret, long long now)
{
	struct stripe_sig_header	h;
	enum stripe_sig_result		rc;
	unsigned char			mac[crypto_auth_hmacsha256_BYTES];
	size_t				i;
	bool				match = false;

	if (header == NULL)
		return STRIPE_SIG_MALFORMED;
	if ((rc = stripe_sig_parse(header, strlen(header), &h)) !=
	    STRIPE_SIG_OK)
		return rc;
	if (secret == NULL || *secret == '\0')
		return STRIPE_SIG_MISMATCH;
	sig_mac(secret, h.t_text, body != NULL ? body : "", bodylen, mac);
	/* Compare with every entry, so timing says nothing about which. */
	for (i = 0; i < h.nv1; i++)
		if (sodium_memcmp(mac, h.v1[i], sizeof(mac)) == 0)
			match = true;
	sodium_memzero(mac, sizeof(mac));
	if (!match)
		return STRIPE_SIG_MISMATCH;
	if (h.t < now - STRIPE_SIG_TOLERANCE || h.t > now + STRIPE_SIG_TOLERANCE)
		return STRIPE_SIG_TIMESTAMP;
	return STRIPE_SIG_OK;
}

void
stripe_sig_sign(const char *secret, long long t, const char *body,
    size_t bodylen, char hex[STRIPE_SIG_HEX])
{
	unsigned char	mac[crypto_auth_hmacsha256_BYTES];
	char		t_text[24];

	snprintf(t_text, sizeof(t_text), "%lld", t);
	sig_mac(secret, t_text, body, bodylen, mac);
	sodium_bin2hex(hex, STRIPE_SIG_HEX, mac, sizeof(mac));
}
