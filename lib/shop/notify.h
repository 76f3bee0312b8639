/*
 * Mail the shop sends its customers (an order confirmation, a shipment,
 * a password reset), queued through the outbox in the caller's write
 * transaction on shop.db (outbox.h), so that the mail exists exactly when
 * the change it tells of commits. shop-worker relays it to queue.db and
 * runs it as a job of kind NOTIFY_MAIL_KIND (lib/jobs/job_mail.c), which
 * renders templates/mail/<template>.* with the data given here.
 */
#ifndef SHOP_NOTIFY_H
#define SHOP_NOTIFY_H

struct arena;
struct db;
struct tval;

/* The job kind and queue of every mail; the job registry uses the same. */
#define NOTIFY_MAIL_KIND	"send_mail"
#define NOTIFY_MAIL_QUEUE	"mail"

struct notify_mail {
	const char	*template;	/* templates/mail/<template>.*, [a-z0-9_] */
	const char	*to;		/* the address */
	const char	*to_name;	/* NULL or "": none */
	struct tval	*data;		/* a map for the template; NULL: {} */
	const char	*unique_key;	/* NULL: none; else sent once per key */
	int		 priority;	/* higher goes first */
	int		 max_attempts;	/* 0: the queue's default */
};

/*
 * Queue mail m (in a write on shop.db): its payload is written as JSON
 * ({"to", "to_name", "template", "data"}) and the copy of it this
 * function made is wiped before it is freed, since a payload may hold a
 * secret (a reset link). Nodes are made in the arena. Returns the
 * outbox row's id, or -1 when m lacks a template or an address, when no
 * write is open, or on a database error (logged): the caller rolls back.
 */
long long	 notify_mail(struct db *primary, struct arena *,
		    const struct notify_mail *m);

#endif
