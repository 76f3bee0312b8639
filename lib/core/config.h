/*
 * Configuration from the environment, read once per process. Every
 * variable is listed in README.md with its default.
 */
#ifndef SHOP_CONFIG_H
#define SHOP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/datefmt.h"

struct config {
	const char	*data_dir;	/* SHOP_DATA_DIR: the four databases */
	const char	*template_dir;	/* SHOP_TEMPLATE_DIR */
	/* SHOP_MEDIA_DIR: product images; default media/ of data_dir. */
	const char	*media_dir;
	const char	*base_url;	/* SHOP_BASE_URL: scheme://host[:port] */
	const char	*name;		/* SHOP_NAME: the shop's name */
	const char	*currency;	/* SHOP_CURRENCY: ISO 4217 code */
	bool		 secure;	/* base_url is https */
	const char	*host;		/* host[:port] of base_url */
	const char	*stripe_api_base;	/* STRIPE_API_BASE */
	const char	*stripe_secret_key;	/* STRIPE_SECRET_KEY */
	const char	*stripe_webhook_secret;	/* STRIPE_WEBHOOK_SECRET */
	/*
	 * STRIPE_CHECKOUT_ORIGIN: where the hosted payment page lives, added
	 * to the CSP form-action of pages whose form redirects there;
	 * default https://checkout.stripe.com for Stripe itself, else the
	 * origin of STRIPE_API_BASE (the test gateway serves both).
	 */
	char		 checkout_origin[256];
	const char	*country;	/* SHOP_COUNTRY: checkout's default */
	/* SHOP_LOCALE: how dates are written (core/datefmt.h). */
	enum datefmt_locale	 locale;
	/* SHOP_TIMEZONE: the zone dates are shown in, made the process's. */
	const char	*timezone;
	const char	*smtp_url;	/* SMTP_URL; unset: mail to files */
	const char	*mail_from;	/* SHOP_MAIL_FROM */
	int		 payment_window; /* SHOP_PAYMENT_WINDOW: seconds to pay */
	/* SHOP_ORDER_NOTIFY: the merchant's address for new orders and low
	   stock; unset: those mails are not sent. */
	const char	*order_notify;
	/* SHOP_REMINDER_AFTER: seconds after which an unpaid order still
	   within its payment window is reminded of once; 0 ("off"): never.
	   Default 3600, or half the payment window when that is shorter. */
	int		 reminder_after;
	char		 base_buf[512];	/* base_url without a trailing "/" */
	char		 host_buf[256];	/* host of base_url */
	char		 media_buf[1024]; /* the default media_dir */
};

/*
 * Fill c from the environment, after reading the file SHOP_ENV_FILE
 * names (if set) for what the environment does not set; strings point
 * into the environment or c. Makes SHOP_TIMEZONE the process's time zone
 * (datefmt_zone_set()): call it before starting threads.
 * Returns 0, or -1 with a message in err when a value is unusable.
 */
int	config_load(struct config *c, char *err, size_t errlen);

#endif
