/*
 * Reminders of unpaid orders (reminder.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "shop/notify.h"
#include "shop/reminder.h"

/*
 * Pending, not reminded, placed long enough ago, still held, and no
 * payment on its way (a payment intent is one).
 */
static const char sql_due[] =
    "SELECT id, number, token, email, ship_name, total, currency, "
    "reserved_until FROM orders WHERE state = 'pending_payment' "
    "AND reminded_at IS NULL AND stock_held = 1 AND reserved_until > ?1 "
    "AND coalesce(payment_intent, '') = '' "
    "AND CAST(strftime('%s', created_at) AS INTEGER) <= ?2 "
    "ORDER BY id LIMIT ?3";
static const char sql_mark[] =
    "UPDATE orders SET reminded_at = ?2 WHERE id = ?1 AND reminded_at IS NULL";

/* An order due for its reminder, read before any is written. */
struct due {
	long long	 id;
	char		*number, *token, *email, *name, *currency;
	long long	 total, reserved_until;
};

/* The reminder of order o (in the write); 0 or -1. */
static int
remind(struct db *d, struct arena *a, const struct due *o, long long now,
    const char *stamp)
{
	struct tval		*data = tval_map(a);
	struct notify_mail	 mail;
	sqlite3_stmt		*st;
	long long		 left = o->reserved_until - now;
	int			 rc;

	if (*o->name != '\0')
		tval_set_str(a, data, "name", o->name);
	tval_set_str(a, data, "number", o->number);
	tval_set_str(a, data, "token", o->token);
	tval_set_str(a, data, "total", money_format(a, o->total, o->currency));
	tval_set_int(a, data, "minutes_left", left > 60 ? left / 60 : 1);
	memset(&mail, 0, sizeof(mail));
	mail.template = "payment_reminder";
	mail.to = o->email;
	mail.to_name = o->name;
	mail.data = data;
	mail.unique_key = arena_printf(a, "mail:payment-reminder:%lld", o->id);
	mail.priority = 5;
	if (notify_mail(d, a, &mail) < 0 || (st = db_prep(d, sql_mark)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_text(st, 2, stamp, -1, SQLITE_STATIC);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE && sqlite3_changes(db_handle(d)) == 1 ? 0 : -1;
}

long long
reminder_send_due(struct db *d, struct arena *a, long long now,
    long long after)
{
	sqlite3_stmt	*st;
	struct due	*v;
	long long	 total = 0;
	time_t		 t = (time_t)now;
	struct tm	 tm;
	char		 stamp[32];
	size_t		 n, i;
	int		 rc = SQLITE_DONE;

	if (after <= 0)
		return 0;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	v = arena_calloc(a, REMINDER_BATCH, sizeof(*v));
	do {
		n = 0;
		if (db_begin(d) != 0)
			return -1;
		if ((st = db_prep(d, sql_due)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, now - after);
		sqlite3_bind_int(st, 3, REMINDER_BATCH);
		while (n < REMINDER_BATCH &&
		    (rc = db_step(d, st)) == SQLITE_ROW) {
			v[n].id = sqlite3_column_int64(st, 0);
			v[n].number = db_text(a, st, 1);
			v[n].token = db_text(a, st, 2);
			v[n].email = db_text(a, st, 3);
			v[n].name = db_text(a, st, 4);
			v[n].total = sqlite3_column_int64(st, 5);
			v[n].currency = db_text(a, st, 6);
			v[n].reserved_until = sqlite3_column_int64(st, 7);
			n++;
		}
		sqlite3_reset(st);
		if (rc < 0)
			goto fail;
		for (i = 0; i < n; i++)
			if (remind(d, a, &v[i], now, stamp) != 0)
				goto fail;
		if (db_commit(d) != 0)
			return -1;
		total += (long long)n;
	} while (n == REMINDER_BATCH);
	if (total > 0)
		log_info("reminders: %lld unpaid order(s) reminded", total);
	return total;
fail:
	db_rollback(d);
	return -1;
}
