/*
 * Fuzz target: the device cookie's value (lib/shop/auth.c) and the new
 * password check (lib/shop/pwcheck.c). No input is a device cookie that
 * was not made with the key, whatever account it names; a cookie that
 * was made stops being one at any change; the password check answers
 * NULL or a sentence for any text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shop/auth.h"
#include "shop/pwcheck.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char	 key[32] = "fuzz key fuzz key fuzz key fuzz";
	char				*s, made[AUTH_DEVICE_LEN + 1];
	char				 nonce[2 * AUTH_DEVICE_NONCE + 1];
	const char			*why;
	size_t				 i;

	if (sodium_init() < 0)
		abort();
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (auth_device_valid(key, "a@example.com", s, 1700000000, nonce) ||
	    auth_device_valid(key, s, s, 1700000000, nonce))
		abort();
	auth_device_make(key, "a@example.com", 1700000000, made);
	if (!auth_device_valid(key, "a@example.com", made, 1700000000, nonce))
		abort();
	for (i = 0; i < size && i < AUTH_DEVICE_LEN; i++)
		if (made[i] != (char)data[i] && data[i] != '\0') {
			made[i] = (char)data[i];
			if (auth_device_valid(key, "a@example.com", made,
			    1700000000, nonce))
				abort();
			break;
		}
	if (size <= 200) {
		why = pwcheck(s, s, s);
		if (why != NULL && strlen(why) < 20)
			abort();
		(void)pwcheck(s, "ann@example.com", "Ann Lee");
	}
	free(s);
	return 0;
}
