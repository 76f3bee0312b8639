/*
 * Fuzz target: amounts as merchants type them (money_parse() in
 * lib/core/money.c). The first byte chooses the exponent (some outside
 * 0..MONEY_MAX_EXPONENT), the rest is the text. An amount that parses
 * must be made of digits and at most one separator, lie within
 * 0..MONEY_PARSE_MAX, and parse again to the same value written the
 * plain way; one that does not must leave the result alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 s[64], plain[64];
	long long	 v = -7, again = -7, unit = 1;
	size_t		 i, seps = 0;
	int		 exp, e;

	if (size < 1 || size > sizeof(s))
		return 0;
	exp = (int)(data[0] % (MONEY_MAX_EXPONENT + 3)) - 1;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (money_parse(s, exp, &v) != 0) {
		if (v != -7)
			abort();
		return 0;
	}
	if (exp < 0 || exp > MONEY_MAX_EXPONENT || v < 0 ||
	    v > MONEY_PARSE_MAX)
		abort();
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.' || s[i] == ',')
			seps++;
		else if (s[i] < '0' || s[i] > '9')
			abort();
	}
	if (seps > 1 || (seps == 1 && exp == 0))
		abort();
	for (e = 0; e < exp; e++)
		unit *= 10;
	if (exp == 0)
		snprintf(plain, sizeof(plain), "%lld", v);
	else
		snprintf(plain, sizeof(plain), "%lld.%0*lld", v / unit, exp,
		    v % unit);
	if (money_parse(plain, exp, &again) != 0 || again != v)
		abort();
	return 0;
}
