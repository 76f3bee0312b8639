/*
 * Configuration from the environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/envfile.h"

#ifndef SHOP_DEFAULT_TEMPLATES
#define SHOP_DEFAULT_TEMPLATES	"/usr/local/share/shopfile/templates"
#endif

static const char *
env(const char *name, const char *fallback)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : fallback;
}

int
config_load(struct config *c, char *err, size_t errlen)
{
	const char	*p, *base;
	size_t		 n;

	memset(c, 0, sizeof(*c));
	/* Variables the environment does not set may come from a file. */
	if ((p = getenv("SHOP_ENV_FILE")) != NULL && *p != '\0' &&
	    envfile_apply(p, false, err, errlen) != 0)
		return -1;
	c->data_dir = env("SHOP_DATA_DIR", "var");
	c->template_dir = env("SHOP_TEMPLATE_DIR", SHOP_DEFAULT_TEMPLATES);
	if ((c->media_dir = env("SHOP_MEDIA_DIR", NULL)) == NULL) {
		if ((size_t)snprintf(c->media_buf, sizeof(c->media_buf),
		    "%s/media", c->data_dir) >= sizeof(c->media_buf)) {
			snprintf(err, errlen, "SHOP_DATA_DIR is too long");
			return -1;
		}
		c->media_dir = c->media_buf;
	}
	base = env("SHOP_BASE_URL", "http://127.0.0.1:8080");
	c->name = env("SHOP_NAME", "Shopfile");
	c->currency = env("SHOP_CURRENCY", "EUR");
	c->stripe_api_base = env("STRIPE_API_BASE", "https://api.stripe.com");
	c->stripe_secret_key = env("STRIPE_SECRET_KEY", NULL);
	c->stripe_webhook_secret = env("STRIPE_WEBHOOK_SECRET", NULL);
	c->smtp_url = env("SMTP_URL", NULL);
	c->mail_from = env("SHOP_MAIL_FROM", "shop@localhost");
	/* Stripe expires a Checkout Session 30 minutes at the earliest. */
	p = env("SHOP_PAYMENT_WINDOW", "1860");
	c->payment_window = 0;
	for (; *p >= '0' && *p <= '9' && c->payment_window < 100000000; p++)
		c->payment_window = c->payment_window * 10 + (*p - '0');
	if (*p != '\0' || c->payment_window < 10 ||
	    c->payment_window > 24 * 3600) {
		snprintf(err, errlen, "SHOP_PAYMENT_WINDOW must be 10 to 86400 "
		    "seconds");
		return -1;
	}

	c->order_notify = env("SHOP_ORDER_NOTIFY", NULL);
	if (c->order_notify != NULL && (strchr(c->order_notify, '@') == NULL ||
	    strpbrk(c->order_notify, " \t\r\n<>,;") != NULL)) {
		snprintf(err, errlen, "SHOP_ORDER_NOTIFY must be one address: "
		    "%s", c->order_notify);
		return -1;
	}
	/*
	 * An hour by default, or half the payment window when that is
	 * shorter (the default window is 31 minutes): a reminder after the
	 * window would find no order left to pay.
	 */
	if ((p = env("SHOP_REMINDER_AFTER", NULL)) == NULL)
		c->reminder_after = c->payment_window / 2 < 3600 ?
		    c->payment_window / 2 : 3600;
	else {
		if (strcmp(p, "off") == 0)
			p = "0";
		c->reminder_after = 0;
		for (; *p >= '0' && *p <= '9' &&
		    c->reminder_after < 100000000; p++)
			c->reminder_after = c->reminder_after * 10 +
			    (*p - '0');
		if (*p != '\0' || c->reminder_after > 7 * 86400) {
			snprintf(err, errlen, "SHOP_REMINDER_AFTER must be 0 "
			    "to 604800 seconds, or off");
			return -1;
		}
	}

	if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7)) {
		snprintf(err, errlen, "SHOP_BASE_URL must start with http:// "
		    "or https://: %s", base);
		return -1;
	}
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n >= sizeof(c->base_buf)) {
		snprintf(err, errlen, "SHOP_BASE_URL is too long");
		return -1;
	}
	memcpy(c->base_buf, base, n);
	c->base_buf[n] = '\0';
	c->base_url = c->base_buf;
	c->secure = strncmp(c->base_url, "https://", 8) == 0;
	p = strstr(c->base_url, "://") + 3;
	n = strcspn(p, "/");
	if (n == 0 || n >= sizeof(c->host_buf)) {
		snprintf(err, errlen, "SHOP_BASE_URL has no host: %s", base);
		return -1;
	}
	memcpy(c->host_buf, p, n);
	c->host_buf[n] = '\0';
	c->host = c->host_buf;
	p = env("STRIPE_CHECKOUT_ORIGIN", NULL);
	if (p == NULL && strncmp(c->stripe_api_base, "https://api.stripe.com",
	    22) == 0)
		p = "https://checkout.stripe.com";
	if (p == NULL) {
		const char *h = strstr(c->stripe_api_base, "://");

		n = h != NULL ? (size_t)(h - c->stripe_api_base) + 3 +
		    strcspn(h + 3, "/") : 0;
		p = c->stripe_api_base;
	} else
		n = strlen(p);
	if (n == 0 || n >= sizeof(c->checkout_origin) ||
	    strpbrk(p, " ;'\"") != NULL) {
		snprintf(err, errlen, "STRIPE_CHECKOUT_ORIGIN or STRIPE_API_BASE "
		    "is not a usable origin");
		return -1;
	}
	memcpy(c->checkout_origin, p, n);
	c->checkout_origin[n] = '\0';
	c->country = env("SHOP_COUNTRY", "FR");
	if (strlen(c->country) != 2) {
		snprintf(err, errlen, "SHOP_COUNTRY must be an ISO 3166 code: %s",
		    c->country);
		return -1;
	}
	if (!datefmt_locale(env("SHOP_LOCALE", "en-GB"), &c->locale)) {
		snprintf(err, errlen, "SHOP_LOCALE must be en-GB, en-US, fr-FR "
		    "or de-DE: %s", env("SHOP_LOCALE", ""));
		return -1;
	}
	/*
	 * A zone set and unknown is a mistake; the default missing (no
	 * tzdata installed) leaves dates in UTC.
	 */
	c->timezone = env("SHOP_TIMEZONE", "Europe/Paris");
	if (datefmt_zone_set(c->timezone) != 0) {
		if (getenv("SHOP_TIMEZONE") != NULL &&
		    *getenv("SHOP_TIMEZONE") != '\0') {
			snprintf(err, errlen, "SHOP_TIMEZONE is not a time zone "
			    "of the system: %s", c->timezone);
			return -1;
		}
		c->timezone = "UTC";
		if (datefmt_zone_set(c->timezone) != 0) {
			snprintf(err, errlen, "cannot set the time zone to UTC");
			return -1;
		}
	}
	if (strlen(c->currency) != 3) {
		snprintf(err, errlen, "SHOP_CURRENCY must be an ISO 4217 code: %s",
		    c->currency);
		return -1;
	}
	return 0;
}
