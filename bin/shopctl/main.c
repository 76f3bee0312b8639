/*
 * shopctl: operate a Shopfile store from the command line.
 *
 * A table of commands and their handlers; the work itself lives in lib/.
 * Exit status: 0 success, 1 the command ran and found or hit a problem,
 * 2 usage error.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/keyfile.h"
#include "core/log.h"
#include "data/backup.h"
#include "data/db.h"
#include "data/doctor.h"
#include "data/migrate.h"
#include "shop/auth.h"
#include "shop/pagecache.h"
#include "side/queue.h"
#include "jobs/job.h"
#include "shopctl.h"

static int	cmd_migrate(struct ctl *, int, char **);
static int	cmd_check(struct ctl *, int, char **);
static int	cmd_backup(struct ctl *, int, char **);
static int	cmd_doctor(struct ctl *, int, char **);

/*
 * The commands, as "shopctl -h" lists them and shopctl(8) describes them
 * (tests/install checks the two agree). In args, " | " parts the
 * alternatives of a command, whose first word is the subcommand.
 */
static const struct ctl_cmd cmds[] = {
	{ "migrate", cmd_migrate, "",
	  "create the databases and apply every pending migration" },
	{ "seed", ctl_seed, "[--if-empty] [--no-gallery]",
	  "fill an empty store with a demo catalog" },
	{ "export", ctl_export, "products [-o FILE] | "
	  "orders --from DATE --to DATE [--csv] [--lines]",
	  "write the catalog as XML (share/shopfile/catalog.rng); orders, "
	  "or their invoice and credit-note lines, for the accountant" },
	{ "import", ctl_import, "products FILE [--dry-run] [--images DIR] | "
	  "shopify FILE [--dry-run] [--images DIR] [--fetch-images]",
	  "read a catalog, XML or Shopify's product CSV, all or nothing" },
	{ "check", cmd_check, "",
	  "integrity, journal mode and schema of the four databases" },
	{ "doctor", cmd_doctor, "",
	  "filesystem, locks, SQLite, space, permissions, schema, worker, "
	  "backups: exit 0 ok, 1 warn, 2 fail" },
	{ "backup", cmd_backup, "[--keep N]",
	  "a consistent copy of the four databases while the shop runs" },
	{ "restore", ctl_restore, "[--no-reconcile] BACKUP",
	  "put a backup in place (the files moved aside), then reconcile" },
	{ "user", ctl_user, "add [--admin|--staff] EMAIL NAME",
	  "add an account; the password is read from standard input" },
	{ "jobs", ctl_jobs, "[list] | retry ID|all | discard ID | "
	  "enqueue [-u key] [-q queue] [-p priority] [-a attempts] "
	  "[-d delay] KIND [JSON]",
	  "background jobs: list, retry or discard failed ones, enqueue" },
	{ "orders", ctl_orders, "[list] [--state S] [--limit N] | show NUMBER | "
	  "ship NUMBER [--carrier C] [--tracking T] [--url U]",
	  "list and show orders; ship a paid one (the customer is mailed)" },
	{ "refund", ctl_refund, "NUMBER [--amount AMOUNT] "
	  "[--line N:QTY[:restock]]... [--shipping] [--reason R]",
	  "refund a paid order through the gateway, or some of it" },
	{ "reconcile", ctl_reconcile, "[--hours N] [--no-release]",
	  "repair orders from the gateway; release unpaid holds" },
	{ "audit", ctl_audit, "[--hours N] [--local]",
	  "prove the books against the database and the gateway" },
	{ "cache", ctl_cache, "clear",
	  "remove every cached page and fragment; they are made anew" },
	{ "error-pages", ctl_error_pages, "DIR",
	  "write the web servers' own error pages from the templates" },
};

/* A command's name and args, its alternatives a line each when long. */
static void
usage_cmd(FILE *f, const char *prefix, const struct ctl_cmd *c)
{
	const char	*a = c->args, *bar;
	int		 indent;

	indent = fprintf(f, "%s%s%s", prefix, c->name, *a ? " " : "");
	if (strlen(a) + (size_t)indent <= 79) {
		fprintf(f, "%s\n", a);
		return;
	}
	while ((bar = strstr(a, " | ")) != NULL) {
		fprintf(f, "%.*s\n%*s| ", (int)(bar - a), a, indent - 2, "");
		a = bar + 3;
	}
	fprintf(f, "%s\n", a);
}

static void
usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: shopctl [-q] [-d datadir] command [args]\n\n"
	    "commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		usage_cmd(f, "  ", &cmds[i]);
		fprintf(f, "      %s\n", cmds[i].help);
	}
	fprintf(f, "\noptions:\n"
	    "  -d datadir  the data directory (default: $SHOP_DATA_DIR or var)\n"
	    "  -q          print only problems\n"
	    "  -h          this help\n");
}

void
ctl_say(const struct ctl *c, const char *fmt, ...)
{
	va_list	ap;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void
ctl_err(const char *fmt, ...)
{
	va_list	ap;

	fputs("shopctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct db *
ctl_open(struct ctl *c, enum db_id id, unsigned flags)
{
	char	 err[512];
	struct db *d;

	if (c->db[id] != NULL)
		return c->db[id];
	if ((d = db_open(c->cfg.data_dir, id, flags, err, sizeof(err))) == NULL) {
		ctl_err("%s", err);
		return NULL;
	}
	if (!(flags & DB_OPEN_CREATE) && migrate_missing(d) != 0) {
		ctl_err("the %s database is not migrated: run \"shopctl "
		    "migrate\" first", db_names[id]);
		db_close(d);
		return NULL;
	}
	c->db[id] = d;
	return d;
}

static void
progress(const struct migration *m, void *arg)
{
	struct ctl	*c = arg;

	ctl_say(c, "  %s: applied %04d_%s\n", db_names[m->db], m->version,
	    m->name);
}

static int
cmd_migrate(struct ctl *c, int argc, char **argv)
{
	struct db	*d;
	unsigned char	 key[KEYFILE_BYTES];
	char		 err[512];
	int		 i, n, total = 0;

	(void)argv;
	if (argc > 1) {
		ctl_err("migrate takes no arguments");
		return 2;
	}
	if (mkdir(c->cfg.data_dir, DB_DIR_MODE) != 0 && errno != EEXIST) {
		ctl_err("%s: %s", c->cfg.data_dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < DB__MAX; i++) {
		if ((d = ctl_open(c, (enum db_id)i, DB_OPEN_CREATE)) == NULL)
			return 1;
		if ((n = migrate_apply(d, progress, c, err, sizeof(err))) < 0) {
			ctl_err("%s", err);
			return 1;
		}
		total += n;
	}
	/* The web programs would make it too; made here, it is the owner's. */
	if (keyfile_load(c->cfg.data_dir, AUTH_DEVICE_KEY_FILE, key, err,
	    sizeof(err)) != 0) {
		ctl_err("%s", err);
		return 1;
	}
	sodium_memzero(key, sizeof(key));
	ctl_say(c, "migrate: %d migration%s applied; %s is up to date\n",
	    total, total == 1 ? "" : "s", c->cfg.data_dir);
	return 0;
}

/* One database's integrity, journal mode and schema; problems counted. */
static int
check_one(struct ctl *c, enum db_id id)
{
	struct db		*d;
	struct buf		 out = { 0 };
	char			 err[512], *mode, *path, **bad;
	int			 problems = 0, missing, changed;
	struct stat		 sb;
	long long		 wal = 0;
	size_t			 i, nbad;

	if ((d = db_open(c->cfg.data_dir, id, 0, err, sizeof(err))) == NULL) {
		printf("%-8s MISSING  %s\n", db_names[id], err);
		return 1;
	}
	if ((bad = db_integrity(d, c->arena, &nbad)) == NULL) {
		db_close(d);
		printf("%-8s ERROR    cannot run integrity_check\n", db_names[id]);
		return 1;
	}
	for (i = 0; i < nbad; i++) {
		buf_printf(&out, "    integrity: %s\n", bad[i]);
		problems++;
	}
	mode = db_journal_mode(d, c->arena);
	if (strcmp(mode, "wal") != 0) {
		buf_printf(&out, "    journal_mode is %s, not wal\n", mode);
		problems++;
	}
	missing = migrate_missing(d);
	if (missing != 0) {
		buf_printf(&out, "    %d migration%s not applied: run \"shopctl "
		    "migrate\"\n", missing < 0 ? 1 : missing,
		    missing == 1 ? "" : "s");
		problems++;
	}
	if ((changed = migrate_verify(d, &out)) != 0)
		problems += changed < 0 ? 1 : changed;
	path = arena_printf(c->arena, "%s-wal", db_path(d));
	if (stat(path, &sb) == 0)
		wal = (long long)sb.st_size;
	printf("%-8s %-8s journal=%s wal=%lldKiB %s\n", db_names[id],
	    problems ? "PROBLEM" : "ok", mode, wal / 1024, db_path(d));
	if (out.len)
		fputs(buf_str(&out), stdout);
	buf_free(&out);
	db_close(d);
	return problems;
}

/*
 * backup [--keep N]: the worker's nightly backup, now: each database
 * copied with SQLite's online backup API into backups/<time>-shopctl/
 * of the data directory, checked, renamed into place whole. With --keep,
 * only the newest N backups (nightly ones included) are kept.
 */
static int
cmd_backup(struct ctl *c, int argc, char **argv)
{
	char	 dir[4200], err[512], *end;
	long	 keep = 0;
	int	 i;

	if (argc == 3 && strcmp(argv[1], "--keep") == 0) {
		keep = strtol(argv[2], &end, 10);
		if (argv[2][0] < '0' || argv[2][0] > '9' || *end != '\0' ||
		    keep < 1 || keep > 1000) {
			ctl_err("--keep takes a number of backups, 1 to 1000: "
			    "%s", argv[2]);
			return 2;
		}
	} else if (argc != 1) {
		ctl_err("usage: shopctl backup [--keep N]");
		return 2;
	}
	for (i = 0; i < DB__MAX; i++)
		if (ctl_open(c, (enum db_id)i, 0) == NULL)
			return 1;
	if (backup_write_all(c->db, c->cfg.data_dir, "shopctl", (int)keep, dir,
	    sizeof(dir), err, sizeof(err)) != 0) {
		ctl_err("backup failed: %s", err);
		return 1;
	}
	ctl_say(c, "backup: %s\n", dir);
	return 0;
}

/*
 * doctor: every check of lib/data/doctor.h and side/queue.h, one line
 * each; the exit status is the worst (0 ok, 1 warn, 2 fail).
 */
static int
cmd_doctor(struct ctl *c, int argc, char **argv)
{
	struct doctor	 doc = { 0 };
	struct db	*dbs[DB__MAX] = { NULL };
	const char	*errs[DB__MAX] = { NULL };
	char		 err[512];
	int		 i, rc;

	(void)argv;
	if (argc > 1) {
		ctl_err("doctor takes no arguments");
		return 2;
	}
	doctor_files(&doc, c->cfg.data_dir);
	for (i = 0; i < DB__MAX; i++) {
		/* A read-only directory takes no lock files: read anyway. */
		if ((dbs[i] = db_open(c->cfg.data_dir, (enum db_id)i, 0, err,
		    sizeof(err))) == NULL)
			dbs[i] = db_open(c->cfg.data_dir, (enum db_id)i,
			    DB_OPEN_RDONLY, err, sizeof(err));
		if (dbs[i] == NULL)
			errs[i] = arena_strdup(c->arena, err);
	}
	doctor_databases(&doc, c->cfg.data_dir, dbs, errs, clock_now());
	queue_doctor(&doc, dbs[DB_QUEUE], clock_now_ms());
	fputs(buf_str(&doc.out), stdout);
	rc = doctor_status(&doc);
	doctor_free(&doc);
	for (i = 0; i < DB__MAX; i++)
		db_close(dbs[i]);
	return rc;
}

static int
cmd_check(struct ctl *c, int argc, char **argv)
{
	int	i, problems = 0;

	(void)argv;
	if (argc > 1) {
		ctl_err("check takes no arguments");
		return 2;
	}
	printf("SQLite %s, data directory %s\n", sqlite3_libversion(),
	    c->cfg.data_dir);
	for (i = 0; i < DB__MAX; i++)
		problems += check_one(c, (enum db_id)i);
	if (problems)
		printf("check: %d problem%s found\n", problems,
		    problems == 1 ? "" : "s");
	else
		printf("check: all four databases are sound\n");
	return problems ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	struct ctl	 c;
	const char	*dir = NULL;
	char		 err[512];
	size_t		 i;
	int		 ch, rc, k;

	memset(&c, 0, sizeof(c));
	log_init("shopctl");
	while ((ch = getopt(argc, argv, "+d:qh")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (config_load(&c.cfg, err, sizeof(err)) != 0) {
		ctl_err("%s", err);
		return 2;
	}
	if (dir != NULL)
		c.cfg.data_dir = dir;
	/* Before the databases: its commits remove the pages they change. */
	if (pagecache_init(&c.cfg, NULL, err, sizeof(err)) != 0) {
		ctl_err("%s", err);
		return 2;
	}
	if (sodium_init() < 0) {
		ctl_err("libsodium failed to initialise");
		return 1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		ctl_err("unknown command \"%s\" (shopctl -h lists them)",
		    argv[0]);
		return 2;
	}
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		usage_cmd(stdout, "usage: shopctl ", &cmds[i]);
		printf("  %s\n", cmds[i].help);
		return 0;
	}
	c.arena = arena_new();
	rc = cmds[i].fn(&c, argc, argv);
	for (k = 0; k < DB__MAX; k++)
		db_close(c.db[k]);
	arena_free(c.arena);
	return rc;
}
