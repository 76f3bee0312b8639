/*
 * Money: integer minor units and an ISO 4217 currency code, never
 * floating point.
 */
#ifndef SHOP_MONEY_H
#define SHOP_MONEY_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/*
 * Digits after the decimal point of a currency this shop knows (ISO 4217
 * minor units: 2 for EUR, USD, GBP, ...; 0 for JPY), or -1 for one it
 * does not.
 */
int	 money_exponent(const char *currency);

/* Whether the currency code is one this shop can show and charge. */
bool	 money_known(const char *currency);

/*
 * "€1,234.50", "$0.99", "¥500", "CHF 12.00": the amount formatted for
 * display, in the arena. Negative amounts get a leading minus sign.
 */
char	*money_format(struct arena *, long long minor, const char *currency);

/*
 * The amount as a plain decimal number with the currency's decimals,
 * what money_parse() reads back: "18.00" in EUR, "500" in JPY, "-0.50".
 * No symbol, no grouping; a currency it does not know gets 2 decimals.
 * In the arena.
 */
char	*money_decimal(struct arena *, long long minor, const char *currency);

/* The largest amount, in minor units, that money_parse() accepts. */
#define MONEY_PARSE_MAX		999999999999LL
/* The most digits after the separator a currency can have (ISO 4217). */
#define MONEY_MAX_EXPONENT	4

/*
 * Parse an amount as a merchant types it into minor units of a currency
 * with exponent decimals (money_exponent()): ASCII digits, then at most
 * one decimal separator, "." or ",", followed by 1 to exponent digits.
 * So "12", "12.5", "12.50", "12,50" and "0012.50" are 1250 with
 * exponent 2, and "500" is 500 with exponent 0.
 *
 * Refused (-1, *minor untouched): an empty string; anything but digits
 * and the one separator, which leaves out white space anywhere (trimming
 * is the form's job), signs, exponents ("1e3"), hex ("0x10"), "inf" and
 * "nan", currency symbols and non-ASCII digits; thousands separators
 * ("1,234.50" and "1.234,50" have two separators, "1 234,50" a space,
 * and "1,234" with exponent 2 has three decimals);
 * more decimals than the currency has (a separator at all with exponent
 * 0, so that "1.000" in yen is never read as one or as a thousand); a
 * separator without digits on both sides ("12.", ".50"); amounts above
 * MONEY_PARSE_MAX; an exponent outside 0..MONEY_MAX_EXPONENT.
 *
 * Exact integer arithmetic only; no floating point anywhere.
 */
int	 money_parse(const char *text, int exponent, long long *minor);

/*
 * a * b or a + b into *out; -1 instead of overflowing. Totals of orders
 * are computed with these.
 */
int	 money_mul(long long a, long long b, long long *out);
int	 money_add(long long a, long long b, long long *out);

#endif
