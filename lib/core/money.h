/*
 * Money: integer minor units and an ISO 4217 currency code, never
 * floating point.
 */
#ifndef SHOP_MONEY_H
#define SHOP_MONEY_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* Digits after the decimal point of a currency (2; 0 for JPY, ...). */
int	 money_exponent(const char *currency);

/* Whether the currency code is one this shop can show and charge. */
bool	 money_known(const char *currency);

/*
 * "€1,234.50", "$0.99", "¥500", "CHF 12.00": the amount formatted for
 * display, in the arena. Negative amounts get a leading minus sign.
 */
char	*money_format(struct arena *, long long minor, const char *currency);

/*
 * Parse a decimal amount as a person types it ("12", "12.5", "12.50")
 * into minor units. Returns 0, or -1 for anything else: signs, exponents,
 * more decimals than the currency has, hex, inf and nan, overflow.
 */
int	 money_parse(const char *s, const char *currency, long long *minor);

/*
 * a * b or a + b into *out; -1 instead of overflowing. Totals of orders
 * are computed with these.
 */
int	 money_mul(long long a, long long b, long long *out);
int	 money_add(long long a, long long b, long long *out);

#endif
