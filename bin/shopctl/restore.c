/*
 * shopctl restore [--no-reconcile] BACKUP: put a backup back in place of
 * the four databases (lib/data/backup.h, backup_restore), then reconcile
 * with the gateway over the time since the backup, so that orders paid
 * since then are rebuilt from their sessions.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "data/backup.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "shop/pagecache.h"
#include "shop/settle.h"
#include "shopctl.h"

/* Sessions paid after the backup may be older than it by this much. */
#define CLOCK_MARGIN	600

static const char usage[] =
    "usage: shopctl restore [--no-reconcile] BACKUP\n"
    "  put BACKUP (a directory of backups/, or its name) in place of the\n"
    "  four databases, which are moved aside, never deleted; refused\n"
    "  while a web server or worker has them open. Then reconcile with\n"
    "  the gateway since the backup was taken, unless --no-reconcile.\n";

static void
utc(long long t, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reconcile since the backup; 0, or 1 after saying what to run. */
static int
reconcile_since(struct ctl *c, long long since)
{
	struct settle_report	 r = { 0 };
	struct buf		 out = { 0 };
	struct stripe		*s;
	struct db		*d;
	long long		 hours;
	char			 when[32];
	int			 rc;

	hours = (clock_now() - since + 3599) / 3600;
	if (hours < 1)
		hours = 1;
	utc(since, when, sizeof(when));
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	if ((s = settle_client(&c->cfg)) == NULL) {
		ctl_err("restore: the gateway cannot be asked (STRIPE_SECRET_KEY "
		    "and STRIPE_API_BASE): run \"shopctl reconcile --hours "
		    "%lld\" once it can", hours);
		return 1;
	}
	ctl_say(c, "reconcile: sessions since %s at %s\n", when,
	    c->cfg.stripe_api_base);
	rc = settle_reconcile(d, s, c->arena, since, &r, &out);
	stripe_free(s);
	if (out.len > 0)
		ctl_say(c, "%s", buf_str(&out));
	buf_free(&out);
	printf("sessions: %lld\npaid at the gateway: %lld\nmarked paid: %lld\n"
	    "recovered orders: %lld\ncancelled (expired): %lld\n"
	    "errors: %lld\n", r.sessions, r.paid, r.repaired, r.recovered,
	    r.voided, r.errors);
	if (rc != 0 || r.errors > 0) {
		ctl_err("restore: reconcile %s: run \"shopctl reconcile --hours "
		    "%lld\" again", rc != 0 ? "could not list the gateway" :
		    "had errors", hours);
		return 1;
	}
	return 0;
}

int
ctl_restore(struct ctl *c, int argc, char **argv)
{
	const struct option	 opts[] = {
		{ "no-reconcile", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct backup_restored	 info;
	struct stat		 sb;
	const char		*from;
	char			 err[1024], when[32];
	int			 ch, rc, no_reconcile = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			no_reconcile = 1;
			break;
		case 'h':
			printf("%s", usage);
			return 0;
		default:
			fprintf(stderr, "%s", usage);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	from = argv[optind];
	/* A bare name is one of the data directory's backups. */
	if (strchr(from, '/') == NULL && stat(from, &sb) != 0)
		from = arena_printf(c->arena, "%s/backups/%s",
		    c->cfg.data_dir, from);
	if (backup_time(from) < 0) {
		ctl_err("%s: not a backup (its name must be <UTC time>-<tag>, "
		    "as in backups/)", from);
		return 2;
	}
	rc = backup_restore(c->cfg.data_dir, from, &info, err, sizeof(err));
	if (rc != 0) {
		ctl_err("restore refused: %s%s", err, rc == 1 ? "" :
		    "; nothing in place was changed");
		return 1;
	}
	/* The pages showed the catalog as it was before: none of them holds. */
	if (pagecache_clear() < 0)
		ctl_err("restore: the page cache could not be cleared; run "
		    "\"shopctl cache clear\"");
	utc(info.taken_at, when, sizeof(when));
	ctl_say(c, "restore: %s (taken %s) is in place\n"
	    "restore: the files it replaced are in %s\n"
	    "restore: %d migration%s applied\n", from, when, info.aside,
	    info.migrated, info.migrated == 1 ? "" : "s");
	if (no_reconcile) {
		ctl_say(c, "restore: not reconciled: run \"shopctl reconcile "
		    "--hours %lld\" before serving payments\n",
		    (clock_now() - info.taken_at + c->cfg.payment_window +
		    CLOCK_MARGIN + 3599) / 3600);
		return 0;
	}
	return reconcile_since(c, info.taken_at - c->cfg.payment_window -
	    CLOCK_MARGIN);
}
