/*
 * Money formatting and parsing.
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/money.h"

static const struct currency {
	const char	*code;
	const char	*symbol;	/* shown before the amount */
	int		 exponent;
} currencies[] = {
	{ "EUR", "\xe2\x82\xac", 2 },
	{ "USD", "$", 2 },
	{ "GBP", "\xc2\xa3", 2 },
	{ "CHF", "CHF\xc2\xa0", 2 },
	{ "CAD", "CA$", 2 },
	{ "AUD", "A$", 2 },
	{ "SEK", "SEK\xc2\xa0", 2 },
	{ "DKK", "DKK\xc2\xa0", 2 },
	{ "NOK", "NOK\xc2\xa0", 2 },
	{ "JPY", "\xc2\xa5", 0 },
};

static const struct currency *
find(const char *code)
{
	size_t	i;

	for (i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++)
		if (code != NULL && strcmp(code, currencies[i].code) == 0)
			return &currencies[i];
	return NULL;
}

bool
money_known(const char *currency)
{
	return find(currency) != NULL;
}

int
money_exponent(const char *currency)
{
	const struct currency	*c = find(currency);

	return c != NULL ? c->exponent : -1;
}

char *
money_format(struct arena *a, long long minor, const char *currency)
{
	const struct currency	*c = find(currency);
	unsigned long long	 v, unit = 1, whole, frac;
	char			 digits[32], grouped[48];
	int			 exp = c ? c->exponent : 2, i, n, g = 0;

	for (i = 0; i < exp; i++)
		unit *= 10;
	v = minor < 0 ? 0ULL - (unsigned long long)minor : (unsigned long long)minor;
	whole = v / unit;
	frac = v % unit;
	n = snprintf(digits, sizeof(digits), "%llu", whole);
	/* Thousands separated by commas, from the right. */
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			grouped[g++] = ',';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	if (exp == 0)
		return arena_printf(a, "%s%s%s", minor < 0 ? "-" : "",
		    c ? c->symbol : "", grouped);
	return arena_printf(a, "%s%s%s.%0*llu%s%s", minor < 0 ? "-" : "",
	    c ? c->symbol : "", grouped, exp, frac, c ? "" : " ",
	    c ? "" : (currency ? currency : ""));
}

char *
money_decimal(struct arena *a, long long minor, const char *currency)
{
	unsigned long long	 v, unit = 1;
	int			 exp = money_exponent(currency), i;

	if (exp < 0)
		exp = 2;
	for (i = 0; i < exp; i++)
		unit *= 10;
	v = minor < 0 ? 0ULL - (unsigned long long)minor : (unsigned long long)minor;
	if (exp == 0)
		return arena_printf(a, "%s%llu", minor < 0 ? "-" : "", v);
	return arena_printf(a, "%s%llu.%0*llu", minor < 0 ? "-" : "",
	    v / unit, exp, v % unit);
}

/*
 * The rules are in money.h. Each digit is added to the running value
 * only after checking it stays within MONEY_PARSE_MAX, so nothing can
 * overflow, however many digits there are.
 */
int
money_parse(const char *text, int exponent, long long *minor)
{
	long long	 v = 0;
	int		 decimals = -1;	/* -1: no separator yet */
	const char	*p;

	if (text == NULL || *text == '\0' || exponent < 0 ||
	    exponent > MONEY_MAX_EXPONENT)
		return -1;
	for (p = text; *p != '\0'; p++) {
		if (*p == '.' || *p == ',') {
			if (decimals >= 0 || p == text || exponent == 0)
				return -1;
			decimals = 0;
			continue;
		}
		if (*p < '0' || *p > '9')
			return -1;
		if (decimals >= 0 && ++decimals > exponent)
			return -1;
		if (v > (MONEY_PARSE_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (decimals == 0)
		return -1;	/* "12." */
	for (decimals = decimals < 0 ? 0 : decimals; decimals < exponent;
	    decimals++) {
		if (v > MONEY_PARSE_MAX / 10)
			return -1;
		v *= 10;
	}
	*minor = v;
	return 0;
}

int
money_mul(long long a, long long b, long long *out)
{
	return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

int
money_add(long long a, long long b, long long *out)
{
	return __builtin_add_overflow(a, b, out) ? -1 : 0;
}
