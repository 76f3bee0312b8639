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
 * The kinds of the mails that carry a secret link (a password reset, a
 * sign-up to confirm): the job names only the row and a random key; the
 * worker makes the token when it writes the mail and stores only its
 * hash (shop/user.h, shop/signup.h), so no usable link is ever kept in a
 * database or a backup.
 */
#define NOTIFY_RESET_KIND	"send_reset_mail"
#define NOTIFY_SIGNUP_KIND	"send_signup_mail"

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

/*
 * Queue mail m to the merchant (in a write on shop.db), whose address is
 * not known here: m->to is ignored, the payload says {"merchant": true}
 * instead of "to", and the worker sends it to SHOP_ORDER_NOTIFY (or,
 * when that is unset, drops it as done). Returns as notify_mail().
 */
long long	 notify_merchant_mail(struct db *primary, struct arena *,
		    const struct notify_mail *m);

/*
 * Queue a mail of one of the secret kinds above for row (a reset's or a
 * sign-up's id) and its key (in a write on shop.db): {"row", "key"}.
 * Returns the outbox row's id, or -1 (the caller rolls back).
 */
long long	 notify_secret_mail(struct db *primary, const char *kind,
		    long long row, const char *key);

#endif
