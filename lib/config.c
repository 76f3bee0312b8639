/*
 * Configuration from the environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

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
	c->data_dir = env("SHOP_DATA_DIR", "var");
	c->template_dir = env("SHOP_TEMPLATE_DIR", SHOP_DEFAULT_TEMPLATES);
	c->media_dir = env("SHOP_MEDIA_DIR", NULL);
	base = env("SHOP_BASE_URL", "http://127.0.0.1:8080");
	c->name = env("SHOP_NAME", "Shopfile");
	c->currency = env("SHOP_CURRENCY", "EUR");
	c->stripe_api_base = env("STRIPE_API_BASE", "https://api.stripe.com");
	c->stripe_secret_key = env("STRIPE_SECRET_KEY", NULL);
	c->stripe_webhook_secret = env("STRIPE_WEBHOOK_SECRET", NULL);
	c->smtp_url = env("SMTP_URL", NULL);
	c->mail_from = env("SHOP_MAIL_FROM", "shop@localhost");

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
	if (strlen(c->currency) != 3) {
		snprintf(err, errlen, "SHOP_CURRENCY must be an ISO 4217 code: %s",
		    c->currency);
		return -1;
	}
	return 0;
}
