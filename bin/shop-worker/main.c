/*
 * shop-worker: the background side of the shop.
 *
 *   shop-worker [-c envfile]
 *
 * One loop, one job at a time: take in the outbox of shop.db, enqueue
 * recurring tasks that are due, claim the next job and run it, and when
 * idle clean up past the retention time and checkpoint; then sleep for
 * the poll interval. Any number of workers may run on the same files:
 * claims are write transactions queued on queue.db's lock file, and
 * every claim is a lease that a heartbeat thread renews while the job
 * runs, so a worker that dies (SIGKILL, power) leaves its job to be
 * claimed again when the lease runs out.
 *
 * Signals: SIGTERM and SIGINT finish the running job, then exit 0.
 * SIGHUP, after the running job, reads the environment file again (-c),
 * then the settings, templates and recurring schedules, and reopens the
 * databases (after a backup is restored, say).
 *
 * Checkpoints (DESIGN.md, "Data"): connections never checkpoint on their
 * own; this worker runs a PASSIVE checkpoint of each database on a timer
 * and a TRUNCATE one when no job has run for the quiet time, each under
 * the database's checkpoint lock (db_checkpoint), so two workers never
 * checkpoint one file at once.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/envfile.h"
#include "core/log.h"
#include "core/tmpl.h"
#include "core/tval.h"
#include "data/db.h"
#include "data/migrate.h"
#include "side/queue.h"
#include "shop/outbox.h"
#include "shop/pagecache.h"
#include "jobs/job.h"
#include "worker.h"

#define CLEANUP_EVERY_MS	60000
#define SCHEDULE_EVERY_MS	1000

static volatile sig_atomic_t	 stop_requested;
static volatile sig_atomic_t	 reload_requested;

/* What the heartbeat thread shares with the loop, under lock. */
struct beat {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	bool		 stop;
	long long	 job_id;	/* running now, or 0 */
	char		 token[40];
	long long	 lease_ms;
	const char	*worker;
	const char	*data_dir;
};

struct worker {
	const char		*envfile;
	struct config		 cfg;
	struct worker_settings	 set;
	struct tmpl_set		*tmpl;
	struct db		*db[DB__MAX];
	char			 id[128];
	struct beat		 beat;
	long long		 last_job_at;
	long long		 next_schedule, next_cleanup, next_checkpoint;
};

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void
close_dbs(struct worker *w)
{
	int	i;

	for (i = 0; i < DB__MAX; i++) {
		db_close(w->db[i]);
		w->db[i] = NULL;
	}
}

/* How often a worker that cannot write yet looks again. */
#define WAIT_SECONDS	5

/* Whether an open database cannot be written (read-only, disk full). */
static bool
paused(const struct worker *w)
{
	int	i;

	for (i = 0; i < DB__MAX; i++)
		if (w->db[i] != NULL && (db_state(w->db[i]) != DB_STATE_OK ||
		    db_space_low(w->db[i])))
			return true;
	return false;
}

/* Open the four databases and check they are migrated. */
static int
open_dbs(struct worker *w, const char *data_dir)
{
	char	err[512];
	int	i, missing;

	for (i = 0; i < DB__MAX; i++) {
		if ((w->db[i] = db_open(data_dir, (enum db_id)i, 0, err,
		    sizeof(err))) == NULL) {
			log_error("%s", err);
			goto fail;
		}
		if ((missing = migrate_missing(w->db[i])) != 0) {
			log_error("the %s database lacks %d migration%s this "
			    "worker needs: run \"shopctl migrate\"",
			    db_names[i], missing < 0 ? 1 : missing,
			    missing == 1 ? "" : "s");
			goto fail;
		}
	}
	return 0;
fail:
	close_dbs(w);
	return -1;
}

/*
 * A recurring task's payload, {"<key>": n}, written by tval_json() into
 * the arena; "{}" without a key.
 */
static const char *
task_payload(struct arena *a, const char *key, long long n)
{
	struct tval	*m;
	struct buf	 json = { 0 };
	const char	*p;

	if (key == NULL)
		return "{}";
	m = tval_map(a);
	tval_set_int(a, m, key, n);
	tval_json(&json, m);
	p = arena_strdup(a, buf_str(&json));
	buf_free(&json);
	return p;
}

/* Write the recurring task definitions with this worker's schedules. */
static int
define_recurring(struct worker *w)
{
	struct arena	*a = arena_new();
	const char	*payload;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < job_recurring_count; i++) {
		switch (job_recurring[i].kind) {
		case JOB_TRIM_CABLE:
			payload = task_payload(a, "keep_seconds",
			    w->set.cable_keep_s);
			break;
		case JOB_EVICT_CACHE:
			payload = task_payload(a, "max_bytes",
			    w->set.cache_max);
			break;
		case JOB_BACKUP:
			payload = task_payload(a, "keep",
			    w->set.backup_keep);
			break;
		default:
			payload = task_payload(a, NULL, 0);
			break;
		}
		if (payload == NULL || queue_recurring_define(w->db[DB_QUEUE],
		    job_recurring[i].task,
		    job_kind_names[job_recurring[i].kind], NULL, payload,
		    w->set.schedule[i], queue_now()) != 0)
			rc = -1;
	}
	arena_free(a);
	return rc;
}

/*
 * Everything that comes from outside the program: the environment file,
 * configuration, settings, templates, databases. At start a failure is
 * fatal; on SIGHUP the worker keeps what it had.
 */
static int
load(struct worker *w, bool first)
{
	struct config		 cfg;
	struct worker_settings	 set;
	struct tmpl_set		*tmpl;
	char			 err[512];
	struct db		*old[DB__MAX];

	if (w->envfile != NULL && envfile_apply(w->envfile, true, err,
	    sizeof(err)) != 0) {
		log_error("%s", err);
		return -1;
	}
	/* Before the databases: its commits remove the pages they change. */
	if (config_load(&cfg, err, sizeof(err)) != 0 ||
	    settings_load(&set, err, sizeof(err)) != 0 ||
	    pagecache_init(&cfg, NULL, err, sizeof(err)) != 0) {
		log_error("configuration: %s", err);
		return -1;
	}
	if ((tmpl = tmpl_load_dir(cfg.template_dir, err, sizeof(err))) ==
	    NULL) {
		log_error("templates: %s", err);
		return -1;
	}
	memcpy(old, w->db, sizeof(old));
	memset(w->db, 0, sizeof(w->db));
	if (open_dbs(w, cfg.data_dir) != 0) {
		memcpy(w->db, old, sizeof(old));
		tmpl_set_free(tmpl);
		return -1;
	}
	for (int i = 0; i < DB__MAX; i++)
		db_close(old[i]);
	tmpl_set_free(w->tmpl);
	w->tmpl = tmpl;
	/* The configuration's own strings live in it: point them anew. */
	w->cfg = cfg;
	w->cfg.base_url = w->cfg.base_buf;
	w->cfg.host = w->cfg.host_buf;
	w->set = set;
	log_init("shop-worker");
	pthread_mutex_lock(&w->beat.lock);
	w->beat.lease_ms = set.lease_ms;
	pthread_mutex_unlock(&w->beat.lock);
	if (define_recurring(w) != 0 && first)
		return -1;
	w->next_schedule = w->next_cleanup = w->next_checkpoint = 0;
	return 0;
}

/*
 * The heartbeat thread, with its own queue.db connection: every third of
 * the lease it renews the running job's lease and the worker's row.
 */
static void *
beat_main(void *arg)
{
	struct beat	*b = arg;
	struct db	*q;
	struct timespec	 until;
	char		 err[512], token[40];
	long long	 job, lease;
	int		 rc;

	if ((q = db_open(b->data_dir, DB_QUEUE, 0, err, sizeof(err))) ==
	    NULL) {
		log_error("heartbeat: %s", err);
		return NULL;
	}
	pthread_mutex_lock(&b->lock);
	while (!b->stop) {
		job = b->job_id;
		lease = b->lease_ms;
		snprintf(token, sizeof(token), "%s", b->token);
		pthread_mutex_unlock(&b->lock);
		if (job > 0 && (rc = queue_heartbeat(q, job, token, lease)) == 0)
			log_warn("heartbeat: job %lld: the lease was lost to "
			    "another worker", job);
		(void)queue_worker_beat(q, b->worker, job);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (lease / 3 % 1000) * 1000000L;
		until.tv_sec += lease / 3 / 1000 + until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&b->lock);
		if (!b->stop)
			pthread_cond_timedwait(&b->cond, &b->lock, &until);
	}
	pthread_mutex_unlock(&b->lock);
	db_close(q);
	return NULL;
}

static void
beat_set(struct beat *b, long long job, const char *token)
{
	pthread_mutex_lock(&b->lock);
	b->job_id = job;
	snprintf(b->token, sizeof(b->token), "%s", token ? token : "");
	pthread_mutex_unlock(&b->lock);
}

/* Claim and run one job. Returns 1 if one ran, 0 if none was due, -1. */
static int
run_one(struct worker *w, struct arena *a)
{
	struct queue_job	 job;
	struct job_ctx		 ctx;
	enum job_result		 res;
	struct timespec		 t0, t1;
	long long		 ms, backoff;
	int			 rc;

	rc = queue_claim(w->db[DB_QUEUE], a, w->id,
	    w->set.queues[0] ? w->set.queues : NULL, w->set.lease_ms, &job);
	if (rc <= 0)
		return rc;
	beat_set(&w->beat, job.id, job.token);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = &w->cfg;
	ctx.tmpl = w->tmpl;
	memcpy(ctx.db, w->db, sizeof(ctx.db));
	ctx.arena = a;
	ctx.job = &job;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	res = job_run(&ctx);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	for (int i = 0; i < DB__MAX; i++)
		db_reset_all(w->db[i]);
	switch (res) {
	case JOB_OK:
		rc = queue_complete(w->db[DB_QUEUE], &job);
		log_info("job %lld %s: done in %lld ms (attempt %d)", job.id,
		    job.kind, ms, job.attempt);
		break;
	case JOB_RETRY:
		backoff = queue_backoff_ms(job.attempt, w->set.backoff_ms,
		    w->set.backoff_cap_ms,
		    (double)randombytes_uniform(1000000) / 1e6);
		rc = queue_fail(w->db[DB_QUEUE], &job, ctx.err, true, backoff);
		if (rc == 1)
			log_warn("job %lld %s: attempt %d of %d failed: %s; "
			    "again in %lld ms", job.id, job.kind, job.attempt,
			    job.max_attempts, ctx.err, backoff);
		else if (rc == 2)
			log_error("job %lld %s: failed after %d attempts: %s",
			    job.id, job.kind, job.attempt, ctx.err);
		break;
	default:
		rc = queue_fail(w->db[DB_QUEUE], &job, ctx.err, false, 0);
		log_error("job %lld %s: failed for good: %s", job.id, job.kind,
		    ctx.err);
		break;
	}
	beat_set(&w->beat, 0, NULL);
	if (rc < 0)
		log_error("job %lld: could not record its outcome: %s", job.id,
		    db_errmsg(w->db[DB_QUEUE]));
	return 1;
}

/* Checkpoint each database: TRUNCATE when quiet, PASSIVE otherwise. */
static void
checkpoint(struct worker *w, bool quiet)
{
	int	i, left, rc;

	for (i = 0; i < DB__MAX; i++) {
		rc = db_checkpoint(w->db[i], quiet ? SQLITE_CHECKPOINT_TRUNCATE :
		    SQLITE_CHECKPOINT_PASSIVE, 0, &left);
		if (rc == 0 && left > 0)
			log_debug("checkpoint %s: %d frames left", db_names[i],
			    left);
	}
}

/* Between jobs: outbox, recurring tasks, clean-up, checkpoints. */
static void
housekeeping(struct worker *w)
{
	struct outbox_stats	st;
	long long		now = queue_now();
	long			n;
	int			k;

	if (outbox_relay(w->db[DB_PRIMARY], w->db[DB_QUEUE], w->db[DB_CABLE],
	    &st) != 0)
		log_error("outbox: relay failed; it is tried again");
	else if (st.taken > 0)
		log_info("outbox: %ld rows taken in: %ld jobs, %ld messages",
		    st.taken, st.jobs, st.messages);
	if (now >= w->next_schedule) {
		if ((k = queue_schedule_due(w->db[DB_QUEUE], now)) > 0)
			log_info("recurring: %d job%s enqueued", k,
			    k == 1 ? "" : "s");
		w->next_schedule = now + SCHEDULE_EVERY_MS;
	}
	if (now >= w->next_cleanup) {
		if ((n = queue_cleanup(w->db[DB_QUEUE],
		    now - w->set.retention_ms)) > 0)
			log_info("retention: %ld finished jobs deleted", n);
		if ((n = outbox_cleanup(w->db[DB_PRIMARY],
		    now - w->set.retention_ms)) > 0)
			log_info("retention: %ld relayed outbox rows deleted",
			    n);
		w->next_cleanup = now + CLEANUP_EVERY_MS;
	}
}

static void
nap(long long ms)
{
	struct timespec	ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	/* Signals cut it short: nanosleep is never restarted. */
	(void)nanosleep(&ts, NULL);
}

/* On standard output when asked for (-h), else on standard error. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: shop-worker [-1] [-c envfile]\n"
	    "  -1          relay the outbox, run the jobs that are due, then "
	    "exit\n"
	    "              (recurring tasks are not scheduled)\n"
	    "  -c envfile  NAME=value lines set over the environment, at start\n"
	    "              and again on SIGHUP\n"
	    "  -h          this help\n");
}

int
main(int argc, char *argv[])
{
	struct worker		 w;
	struct sigaction	 sa;
	struct arena		*a;
	pthread_t		 beat_tid;
	sigset_t		 block, old;
	char			 host[64], rnd[9];
	unsigned char		 r[4];
	long long		 now;
	int			 ch, rc, once = 0;
	bool			 waiting = false;

	memset(&w, 0, sizeof(w));
	while ((ch = getopt(argc, argv, "1c:h")) != -1) {
		switch (ch) {
		case '1':
			once = 1;
			break;
		case 'c':
			w.envfile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("shop-worker");
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_msg(LL_FATAL, "library initialisation failed");
		return 1;
	}
	pthread_mutex_init(&w.beat.lock, NULL);
	pthread_cond_init(&w.beat.cond, NULL);

	/* SA_RESTART: a signal must not break a flock() wait in db.c. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(rnd, sizeof(rnd), r, sizeof(r));
	snprintf(w.id, sizeof(w.id), "%s:%ld:%s", host, (long)getpid(), rnd);
	/*
	 * Files that cannot be written (a read-only or full disk) are waited
	 * for: the worker starts once they can be. Anything else is fatal.
	 */
	while ((rc = load(&w, true)) != 0 || queue_worker_register(
	    w.db[DB_QUEUE], w.id, getpid(), host) != 0) {
		if (!paused(&w)) {
			log_msg(LL_FATAL, rc != 0 ? "cannot start" :
			    "cannot register in queue.db");
			return 1;
		}
		if (!waiting)
			log_warn("waiting: the data directory cannot be "
			    "written (read-only, or the disk is full); "
			    "looking again every %d s", WAIT_SECONDS);
		waiting = true;
		/* SQLite shares a -shm among a process's connections: the
		 * read-only ones go before the next try opens its own. */
		close_dbs(&w);
		nap(WAIT_SECONDS * 1000LL);
		if (stop_requested) {
			close_dbs(&w);
			tmpl_set_free(w.tmpl);
			curl_global_cleanup();
			return 0;
		}
	}
	if (waiting)
		log_info("the data directory can be written again");

	/* The heartbeat thread leaves these signals to the loop. */
	w.beat.worker = w.id;
	w.beat.data_dir = w.cfg.data_dir;
	w.beat.lease_ms = w.set.lease_ms;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&beat_tid, NULL, beat_main, &w.beat);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_msg(LL_FATAL, "pthread_create: %s", strerror(rc));
		return 1;
	}
	log_info("worker %s started: lease %llds, poll %lldms%s%s", w.id,
	    w.set.lease_ms / 1000, w.set.poll_ms,
	    w.set.queues[0] ? ", queues " : "", w.set.queues);

	a = arena_new();
	w.last_job_at = queue_now();
	if (once)
		w.next_schedule = LLONG_MAX;
	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			if (load(&w, false) == 0)
				log_info("reloaded: settings, templates, "
				    "schedules and databases");
			else
				log_error("reload failed; going on as before");
		}
		housekeeping(&w);
		if (stop_requested)
			break;
		rc = run_one(&w, a);
		arena_reset(a);
		now = queue_now();
		if (rc > 0)
			w.last_job_at = now;
		/* On the timer whether busy or not: the WAL stays bounded. */
		if (now >= w.next_checkpoint) {
			checkpoint(&w, now - w.last_job_at >= w.set.quiet_ms);
			w.next_checkpoint = now + w.set.checkpoint_ms;
		}
		if (once && rc <= 0 && outbox_pending(w.db[DB_PRIMARY],
		    w.db[DB_QUEUE], w.db[DB_CABLE]) == 0)
			break;
		if (rc <= 0 && !stop_requested && !reload_requested)
			nap(w.set.poll_ms);
	}

	log_info("worker %s stopping", w.id);
	pthread_mutex_lock(&w.beat.lock);
	w.beat.stop = true;
	pthread_cond_signal(&w.beat.cond);
	pthread_mutex_unlock(&w.beat.lock);
	pthread_join(beat_tid, NULL);
	(void)queue_worker_leave(w.db[DB_QUEUE], w.id);
	checkpoint(&w, false);
	arena_free(a);
	close_dbs(&w);
	tmpl_set_free(w.tmpl);
	curl_global_cleanup();
	return 0;
}
