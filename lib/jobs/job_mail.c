/*
 * The send_mail job (NOTIFY_MAIL_KIND): the mail lib/shop/notify.c
 * queues through the outbox.
 *
 * Payload, either a template:
 *
 *	{"to": "ann@example.com", "to_name": "Ann",
 *	 "template": "order_confirmation", "data": {...},
 *	 "subject": "..."}			(subject optional)
 *
 * with {"merchant": true} in place of "to" for the merchant's mails
 * (notify_merchant_mail()): sent to SHOP_ORDER_NOTIFY, or dropped as
 * done when it is not set;
 * rendered from templates/mail/<template>.txt.mustache (required),
 * .html.mustache (optional) and .subject.mustache (unless "subject" is
 * given), with "data" and "shop" (name, base_url) as the context; or
 * ready text:
 *
 *	{"to": "...", "subject": "...", "text": "...", "html": "..."}
 *
 * A payload that lacks what it needs, names a template that does not
 * exist, or an address that is not deliverable fails for good; a delivery
 * that may pass (network, 4xx) is retried.
 *
 * The send_reset_mail job: {"reset": id, "key": "..."}, a password reset of
 * shop/user.h. Its token is made here, when the mail is written, and
 * exists nowhere else (user_reset_issue() keeps its hash): the payload
 * and so queue.db, the outbox and every backup hold no usable link. A
 * reset used, expired or superseded before its mail went out is not
 * mailed.
 *
 * The send_signup_mail job: {"signup": id, "key": "..."}, a sign-up of
 * shop/signup.h waiting for its email to be confirmed; its link is made
 * here the same way.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/tmpl.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/mail.h"
#include "side/queue.h"
#include "shop/signup.h"
#include "shop/user.h"
#include "jobs/handlers.h"
#include "jobs/payload.h"

#define MAIL_TEMPLATE_MAX	64

/* A template name: 1 to 64 of [a-z0-9_]. */
static bool
template_name_ok(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > MAIL_TEMPLATE_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return false;
	return true;
}

/* Render mail/<name>.<part> into the arena; NULL if it does not exist. */
static char *
render(struct job_ctx *c, const char *name, const char *part,
    const struct tval *ctx, bool *failed)
{
	struct buf	 b = { 0 };
	char		*tn, *out;

	tn = arena_printf(c->arena, "mail/%s.%s", name, part);
	if (c->tmpl == NULL || !tmpl_exists(c->tmpl, tn))
		return NULL;
	if (tmpl_render(c->tmpl, tn, ctx, &b) != 0) {
		*failed = true;
		buf_free(&b);
		return NULL;
	}
	out = arena_strndup(c->arena, b.p ? b.p : "", b.len);
	buf_free(&b);
	return out;
}

/* A subject from a template: its first non-blank line, trimmed. */
static const char *
subject_line(struct arena *a, const char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strcspn(s, "\r\n");
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return arena_strndup(a, s, n);
}

/* Deliver m, which has its text; JOB_FAIL for good, JOB_RETRY if it may pass. */
static enum job_result
deliver(struct job_ctx *c, struct mail *m)
{
	int	rc;

	if (m->subject == NULL || *m->subject == '\0') {
		snprintf(c->err, sizeof(c->err), "payload: no subject, and no "
		    "subject template");
		return JOB_FAIL;
	}
	if ((rc = mail_deliver(c->cfg, m, c->err, sizeof(c->err))) == 0)
		return JOB_OK;
	return rc == -2 ? JOB_FAIL : JOB_RETRY;
}

/*
 * Render m's text, HTML and (unless m->subject is set) subject from
 * templates/mail/<tname>.* with data and the shop as the context, then
 * deliver it. The reason of a failure is in c->err.
 */
static enum job_result
send_template(struct job_ctx *c, struct mail *m, const char *tname,
    struct tval *data)
{
	struct tval	*ctx, *shop;
	bool		 failed = false;

	ctx = tval_map(c->arena);
	tval_set(c->arena, ctx, "data", data ? data : tval_map(c->arena));
	shop = tval_set_map(c->arena, ctx, "shop");
	tval_set_str(c->arena, shop, "name", c->cfg->name);
	tval_set_str(c->arena, shop, "base_url", c->cfg->base_url);
	m->text = render(c, tname, "txt", ctx, &failed);
	m->html = render(c, tname, "html", ctx, &failed);
	if (m->subject == NULL) {
		const char *s = render(c, tname, "subject", ctx, &failed);

		m->subject = s ? subject_line(c->arena, s) : NULL;
	}
	if (failed) {
		snprintf(c->err, sizeof(c->err), "template mail/%s failed to "
		    "render", tname);
		return JOB_FAIL;
	}
	if (m->text == NULL) {
		snprintf(c->err, sizeof(c->err), "no mail template \"%s\" "
		    "(templates/mail/%s.txt.mustache)", tname, tname);
		return JOB_FAIL;
	}
	return deliver(c, m);
}

enum job_result
job_send_mail(struct job_ctx *c)
{
	struct mail	 m;
	struct tval	*data;
	const char	*tname;

	memset(&m, 0, sizeof(m));
	m.to = job_str(c, "$.to");
	m.to_name = job_str(c, "$.to_name");
	m.subject = job_str(c, "$.subject");
	if (m.to == NULL && tval_truthy(job_tval(c, "$.merchant"))) {
		if ((m.to = c->cfg->order_notify) == NULL) {
			log_info("job %lld: send_mail: a mail to the merchant, "
			    "and SHOP_ORDER_NOTIFY is not set: not sent",
			    c->job->id);
			return JOB_OK;
		}
		m.to_name = c->cfg->name;
	}
	if (m.to == NULL) {
		snprintf(c->err, sizeof(c->err), "payload: \"to\" is missing "
		    "or not a string");
		return JOB_FAIL;
	}
	if ((tname = job_str(c, "$.template")) != NULL) {
		if (!template_name_ok(tname)) {
			snprintf(c->err, sizeof(c->err), "payload: template "
			    "name must be 1 to %d of a-z, 0-9 and _",
			    MAIL_TEMPLATE_MAX);
			return JOB_FAIL;
		}
		if ((data = job_tval(c, "$.data")) != NULL &&
		    data->type != TVAL_MAP) {
			snprintf(c->err, sizeof(c->err), "payload: \"data\" "
			    "must be an object");
			return JOB_FAIL;
		}
		return send_template(c, &m, tname, data);
	}
	m.text = job_str(c, "$.text");
	m.html = job_str(c, "$.html");
	if (m.text == NULL) {
		snprintf(c->err, sizeof(c->err), "payload: needs "
		    "\"template\", or \"text\" (and \"html\")");
		return JOB_FAIL;
	}
	return deliver(c, &m);
}

enum job_result
job_send_reset_mail(struct job_ctx *c)
{
	struct mail		 m;
	struct user		*u;
	struct tval		*data;
	char			 token[USER_TOKEN_LEN + 1], *url;
	const char		*key;
	long long		 id, expires_at, left;
	enum user_result	 res;
	enum job_result		 jr;

	if (!job_int(c, "$.row", &id)) {
		snprintf(c->err, sizeof(c->err), "payload: \"row\" is "
		    "missing or not an integer");
		return JOB_FAIL;
	}
	if ((key = job_str(c, "$.key")) == NULL) {
		snprintf(c->err, sizeof(c->err), "payload: \"key\" is "
		    "missing or not a string");
		return JOB_FAIL;
	}
	res = user_reset_issue(c->db[DB_PRIMARY], c->arena, id, key, token,
	    &u, &expires_at);
	if (res == USER_NOT_FOUND) {
		log_info("send_reset_mail: reset %lld was used, expired or "
		    "asked for again before its mail: not sent", id);
		return JOB_OK;
	}
	if (res != USER_OK) {
		snprintf(c->err, sizeof(c->err), "shop.db: %s",
		    db_errmsg(c->db[DB_PRIMARY]));
		return JOB_RETRY;
	}
	url = arena_printf(c->arena, "%s/account/password/reset?token=%s",
	    c->cfg->base_url, token);
	sodium_memzero(token, sizeof(token));
	left = expires_at - clock_now();
	data = tval_map(c->arena);
	tval_set_str(c->arena, data, "name", u->name);
	tval_set_str(c->arena, data, "url", url);
	tval_set_int(c->arena, data, "valid_minutes", left > 60 ?
	    (left + 59) / 60 : 1);
	memset(&m, 0, sizeof(m));
	m.to = u->email;
	m.to_name = u->name;
	jr = send_template(c, &m, "password_reset", data);
	sodium_memzero(url, strlen(url));
	return jr;
}

enum job_result
job_send_signup_mail(struct job_ctx *c)
{
	struct mail		 m;
	struct tval		*data;
	char			 token[USER_TOKEN_LEN + 1], *url, *email, *name;
	const char		*key;
	long long		 id, expires_at, left;
	enum user_result	 res;
	enum job_result		 jr;

	if (!job_int(c, "$.row", &id)) {
		snprintf(c->err, sizeof(c->err), "payload: \"row\" is "
		    "missing or not an integer");
		return JOB_FAIL;
	}
	if ((key = job_str(c, "$.key")) == NULL) {
		snprintf(c->err, sizeof(c->err), "payload: \"key\" is "
		    "missing or not a string");
		return JOB_FAIL;
	}
	res = signup_issue(c->db[DB_PRIMARY], c->arena, id, key, token,
	    &email, &name, &expires_at);
	if (res == USER_NOT_FOUND) {
		log_info("send_signup_mail: sign-up %lld was finished, expired "
		    "or made again before its mail: not sent", id);
		return JOB_OK;
	}
	if (res != USER_OK) {
		snprintf(c->err, sizeof(c->err), "shop.db: %s",
		    db_errmsg(c->db[DB_PRIMARY]));
		return JOB_RETRY;
	}
	url = arena_printf(c->arena, "%s/account/confirm?token=%s",
	    c->cfg->base_url, token);
	sodium_memzero(token, sizeof(token));
	left = expires_at - clock_now();
	data = tval_map(c->arena);
	tval_set_str(c->arena, data, "name", name);
	tval_set_str(c->arena, data, "url", url);
	tval_set_int(c->arena, data, "valid_hours", left > 3600 ?
	    (left + 3599) / 3600 : 1);
	memset(&m, 0, sizeof(m));
	m.to = email;
	m.to_name = name;
	jr = send_template(c, &m, "signup_confirm", data);
	sodium_memzero(url, strlen(url));
	return jr;
}
