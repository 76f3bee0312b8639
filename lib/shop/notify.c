/*
 * Queuing the shop's mail through the outbox (notify.h).
 */
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/tval.h"
#include "side/queue.h"
#include "shop/notify.h"
#include "shop/outbox.h"

long long
notify_mail(struct db *d, struct arena *a, const struct notify_mail *m)
{
	struct tval		*p;
	struct buf		 json = { 0 };
	struct queue_job_spec	 spec;
	long long		 id;

	if (m == NULL || m->template == NULL || *m->template == '\0' ||
	    m->to == NULL || *m->to == '\0') {
		log_error("notify_mail: no template or no address");
		return -1;
	}
	p = tval_map(a);
	tval_set_str(a, p, "to", m->to);
	if (m->to_name != NULL && *m->to_name != '\0')
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
