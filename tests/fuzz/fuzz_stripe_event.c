/*
 * Fuzz target: reading webhook events and the objects they carry
 * (lib/ext/stripe.c over SQLite's JSON functions). Whatever the body, reading
 * ends in success with the required fields set and enums in range, or in
 * STRIPE_ERR_RESPONSE; never a crash, a leak or a string with a NUL cut
 * short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "ext/stripe.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct stripe	*client;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena		*a;
	struct stripe_event	 ev;
	struct stripe_error	 err;
	char			 msg[128];
	size_t			 i;

	if (client == NULL) {
		if (sodium_init() < 0 || (client = stripe_new(
		    "http://127.0.0.1:9", "sk_test_fuzz", msg,
		    sizeof(msg))) == NULL)
			abort();
	}
	a = arena_new();
	if (stripe_event_parse(client, a, (const char *)data, size, &ev,
	    &err) == 0) {
		if (ev.id == NULL || ev.type_name == NULL ||
		    ev.object_type == NULL || ev.type >= STRIPE_EVENT__MAX ||
		    err.kind != STRIPE_OK)
			abort();
		if (strcmp(ev.object_type, "checkout.session") == 0) {
			if (ev.session.id == NULL ||
			    ev.session.status >= STRIPE_SESSION__MAX ||
			    ev.session.payment_status >= STRIPE_PAYMENT__MAX ||
			    ev.session.nmetadata > STRIPE_MAX_METADATA)
				abort();
			/* Only "paid" reads as paid. */
			if (ev.session.payment_status == STRIPE_PAYMENT_PAID &&
			    strcmp(ev.session.payment_status_name, "paid") != 0)
				abort();
			for (i = 0; i < ev.session.nmetadata; i++)
				if (ev.session.metadata[i].key == NULL ||
				    ev.session.metadata[i].value == NULL)
					abort();
		}
		if (strcmp(ev.object_type, "charge") == 0 &&
		    ev.charge.id == NULL)
			abort();
	} else if (err.kind != STRIPE_ERR_RESPONSE || err.message[0] == '\0')
		abort();
	arena_free(a);
	return 0;
}
