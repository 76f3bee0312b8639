/*
 * Outgoing mail: composing RFC 5322 / MIME messages and delivering them,
 * over SMTP when SMTP_URL is set, otherwise as .eml files in
 * <data dir>/mail/ (what "make run" and the tests use).
 */
#ifndef SHOP_MAIL_H
#define SHOP_MAIL_H

#include <stddef.h>

struct buf;
struct config;

struct mail {
	const char	*to;		/* one address: local@domain */
	const char	*to_name;	/* display name, UTF-8, or NULL */
	const char	*subject;	/* UTF-8 */
	const char	*text;		/* text/plain body, UTF-8 */
	const char	*html;		/* text/html alternative, or NULL */
};

/*
 * Compose m into out: headers (From from cfg->mail_from, To, Subject and
 * display names RFC 2047-encoded when not ASCII, Date, Message-ID,
 * MIME-Version) and a text part, or multipart/alternative with the HTML
 * part, each quoted-printable. Returns 0, or -1 with the reason in err
 * (an address or header that would allow header injection, say).
 */
int	mail_compose(const struct config *, const struct mail *,
	    struct buf *out, char *err, size_t errlen);

/* SMTP timeouts: connecting, and the whole dialogue. */
#define MAIL_CONNECT_MS		4000
#define MAIL_TIMEOUT_MS		9000

/*
 * Compose and deliver: over SMTP when cfg->smtp_url is set (smtp:// or
 * smtps://, AUTH from the URL's userinfo, "?starttls=required|try|no";
 * see mail.c), otherwise as a file in <data dir>/mail/, written whole and
 * then renamed into place, so a reader never sees half a message. Returns
 * 0; -1 with the reason in err for a failure that may pass (network,
 * timeout, a 4xx reply, disk); -2 when the mail can never be delivered
 * as it is (bad address or text, unusable SMTP_URL, a 5xx reply). Runs
 * on the network: never call it inside a transaction, and from a web
 * request only through a job (lib/shop/outbox.h).
 */
int	mail_deliver(const struct config *, const struct mail *,
	    char *err, size_t errlen);

/* Whether s looks like a deliverable address (no spaces, one "@", ...). */
int	mail_address_ok(const char *s);

#endif
