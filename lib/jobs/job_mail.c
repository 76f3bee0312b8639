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
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/tmpl.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/mail.h"
#include "side/queue.h"
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

enum job_result
job_send_mail(struct job_ctx *c)
{
	struct mail	 m;
	struct tval	*ctx, *data, *shop;
	const char	*tname;
	bool		 failed = false;
	int		 rc;

	memset(&m, 0, sizeof(m));
	m.to = job_str(c, "$.to");
	m.to_name = job_str(c, "$.to_name");
	m.subject = job_str(c, "$.subject");
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
		ctx = tval_map(c->arena);
		if ((data = job_tval(c, "$.data")) != NULL &&
		    data->type != TVAL_MAP) {
			snprintf(c->err, sizeof(c->err), "payload: \"data\" "
			    "must be an object");
			return JOB_FAIL;
		}
		tval_set(c->arena, ctx, "data", data ? data :
		    tval_map(c->arena));
		shop = tval_set_map(c->arena, ctx, "shop");
		tval_set_str(c->arena, shop, "name", c->cfg->name);
		tval_set_str(c->arena, shop, "base_url", c->cfg->base_url);
		m.text = render(c, tname, "txt", ctx, &failed);
		m.html = render(c, tname, "html", ctx, &failed);
		if (m.subject == NULL) {
			const char *s = render(c, tname, "subject", ctx,
			    &failed);

			m.subject = s ? subject_line(c->arena, s) : NULL;
		}
		if (failed) {
			snprintf(c->err, sizeof(c->err), "template mail/%s "
			    "failed to render", tname);
			return JOB_FAIL;
		}
		if (m.text == NULL) {
			snprintf(c->err, sizeof(c->err), "no mail template "
			    "\"%s\" (templates/mail/%s.txt.mustache)", tname,
			    tname);
			return JOB_FAIL;
		}
	} else {
		m.text = job_str(c, "$.text");
		m.html = job_str(c, "$.html");
		if (m.text == NULL) {
			snprintf(c->err, sizeof(c->err), "payload: needs "
			    "\"template\", or \"text\" (and \"html\")");
			return JOB_FAIL;
		}
	}
	if (m.subject == NULL || *m.subject == '\0') {
		snprintf(c->err, sizeof(c->err), "payload: no subject, and no "
		    "subject template");
		return JOB_FAIL;
	}
	if ((rc = mail_deliver(c->cfg, &m, c->err, sizeof(c->err))) == 0)
		return JOB_OK;
	return rc == -2 ? JOB_FAIL : JOB_RETRY;
}
