/*
 * Queuing the shop's mail through the outbox (notify.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/tval.h"
#include "side/queue.h"
#include "shop/notify.h"
#include "shop/outbox.h"

/* Queue m, to its address or (merchant) to the merchant's. */
static long long
queue_mail(struct db *d, struct arena *a, const struct notify_mail *m,
    bool merchant)
{
	struct tval		*p;
	struct buf		 json = { 0 };
	struct queue_job_spec	 spec;
	long long		 id;

	if (m == NULL || m->template == NULL || *m->template == '\0' ||
	    (!merchant && (m->to == NULL || *m->to == '\0'))) {
		log_error("notify_mail: no template or no address");
		return -1;
	}
	p = tval_map(a);
	if (merchant)
		tval_set_bool(a, p, "merchant", true);
	else
		tval_set_str(a, p, "to", m->to);
	if (!merchant && m->to_name != NULL && *m->to_name != '\0')
		tval_set_str(a, p, "to_name", m->to_name);
	tval_set_str(a, p, "template", m->template);
	tval_set(a, p, "data", m->data != NULL ? m->data : tval_map(a));
	tval_json(&json, p);
	memset(&spec, 0, sizeof(spec));
	spec.kind = NOTIFY_MAIL_KIND;
	spec.queue = NOTIFY_MAIL_QUEUE;
	spec.payload = buf_str(&json);
	spec.unique_key = m->unique_key;
	spec.priority = m->priority;
	spec.max_attempts = m->max_attempts;
	id = outbox_job(d, &spec);
	if (json.p != NULL)
		sodium_memzero(json.p, json.len);
	buf_free(&json);
	return id;
}

long long
notify_mail(struct db *d, struct arena *a, const struct notify_mail *m)
{
	return queue_mail(d, a, m, false);
}

long long
notify_merchant_mail(struct db *d, struct arena *a, const struct notify_mail *m)
{
	return queue_mail(d, a, m, true);
}

long long
notify_secret_mail(struct db *d, const char *kind, long long row,
    const char *key)
{
	struct queue_job_spec	spec;
	char			payload[160];

	if (row <= 0 || key == NULL || strlen(key) > 64 ||
	    strspn(key, "0123456789abcdef") != strlen(key)) {
		log_error("notify_secret_mail: bad row or key");
		return -1;
	}
	snprintf(payload, sizeof(payload), "{\"row\":%lld,\"key\":\"%s\"}",
	    row, key);
	memset(&spec, 0, sizeof(spec));
	spec.kind = kind;
	spec.queue = NOTIFY_MAIL_QUEUE;
	spec.payload = payload;
	spec.priority = 20;
	/* The link is useless once it expires: so is the mail. */
	spec.max_attempts = 5;
	return outbox_job(d, &spec);
}
