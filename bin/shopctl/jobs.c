/*
 * shopctl jobs: what the queue holds, and the operator's actions on it.
 *
 *   shopctl jobs [list]            workers, running, queued, failed, recurring
 *   shopctl jobs retry ID|all      failed job(s) back to the queue, now
 *   shopctl jobs discard ID        delete a failed (or queued) job
 *   shopctl jobs enqueue KIND [JSON] [-u KEY] [-q QUEUE] [-p PRIORITY]
 *                                  [-a MAX_ATTEMPTS] [-d DELAY_SECONDS]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/db.h"
#include "side/queue.h"
#include "shopctl.h"

#define LIST_MAX	50

/* A unix-ms time as "2026-11-23T20:01:02Z", or "-" for none (0). */
static const char *
when(long long ms, char *buf, size_t len)
{
	time_t		t;
	struct tm	tm;

	if (ms == 0)
		return "-";
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static int
list(struct ctl *c, struct db *q)
{
	struct arena			*a = c->arena;
	struct queue_worker_info	*w;
	struct queue_job_info		*j;
	struct queue_failed_info	*f;
	struct queue_recurring_info	*t;
	char				 t1[32], t2[32];
	long long			 now = queue_now(), due;
	long				 nq, nr, nf, nd;
	size_t				 i, n;

	nq = queue_count(q, "queued");
	nr = queue_count(q, "running");
	nf = queue_count(q, "failed");
	nd = queue_count(q, "done");
	if (nq < 0 || nr < 0 || nf < 0 || nd < 0)
		return 1;
	printf("queued %ld, running %ld, failed %ld, done (kept) %ld\n",
	    nq, nr, nf, nd);

	printf("\nworkers:\n");
	if ((w = queue_list_workers(q, a, &n)) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		printf("  %s  pid %lld  heartbeat %llds ago  ", w[i].id,
		    w[i].pid, (now - w[i].heartbeat_at) / 1000);
		if (w[i].job_id == 0)
			printf("idle\n");
		else
			printf("running job %lld\n", w[i].job_id);
	}

	printf("\nrunning:\n");
	if ((j = queue_list_jobs(q, a, "running", LIST_MAX, &n)) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		printf("  %-6lld %-10s %-20s attempt %d/%d  worker %s  lease "
		    "%llds left\n", j[i].id, j[i].queue, j[i].kind,
		    j[i].attempts, j[i].max_attempts, j[i].worker,
		    (j[i].lease_until - now) / 1000);

	printf("\nqueued:\n");
	if ((j = queue_list_jobs(q, a, "queued", LIST_MAX, &n)) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		due = j[i].run_at - now;
		printf("  %-6lld %-10s %-20s priority %d  %s%s  attempts %d/%d"
		    "%s%.200s\n", j[i].id, j[i].queue, j[i].kind,
		    j[i].priority, due > 0 ? "runs at " : "due",
		    due > 0 ? when(j[i].run_at, t1, sizeof(t1)) : "",
		    j[i].attempts, j[i].max_attempts,
		    *j[i].last_error ? "  last error: " : "", j[i].last_error);
	}
	if (nq > LIST_MAX)
		printf("  ... and %ld more\n", nq - LIST_MAX);

	printf("\nfailed:\n");
	if ((f = queue_list_failed(q, a, LIST_MAX, &n)) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		printf("  %-6lld %-10s %-20s attempts %d/%d  failed %s  error: "
		    "%.300s\n", f[i].id, f[i].queue, f[i].kind, f[i].attempts,
		    f[i].max_attempts, when(f[i].failed_at, t1, sizeof(t1)),
		    f[i].error);
	if (nf > LIST_MAX)
		printf("  ... and %ld more\n", nf - LIST_MAX);

	printf("\nrecurring:\n");
	if ((t = queue_list_recurring(q, a, &n)) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		printf("  %-14s %-14s %-20s next %s  last %s", t[i].task,
		    t[i].kind, t[i].schedule, when(t[i].next_run_at, t1,
		    sizeof(t1)), when(t[i].last_run_at, t2, sizeof(t2)));
		if (t[i].last_job_id != 0)
			printf(" job %lld", t[i].last_job_id);
		printf("\n");
	}
	return 0;
fail:
	fflush(stdout);
	ctl_err("reading queue.db: %s", db_errmsg(q));
	return 1;
}

/* A job id: digits only, in range. */
static int
parse_id(const char *s, long long *id)
{
	char	*end;

	if (*s < '1' || *s > '9')
		return -1;
	errno = 0;
	*id = strtoll(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
parse_num(const char *s, long long min, long long max, long long *v)
{
	char	*end;

	if (*s == '\0')
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno != 0 || *end != '\0' || *v < min || *v > max ? -1 : 0;
}

static int
enqueue(struct ctl *c, struct db *q, int argc, char **argv)
{
	struct queue_job_spec	 s;
	long long		 v, id;
	int			 ch;

	memset(&s, 0, sizeof(s));
	optind = 0;	/* glibc: start getopt afresh */
	while ((ch = getopt(argc, argv, "+u:q:p:a:d:")) != -1) {
		switch (ch) {
		case 'u':
			s.unique_key = optarg;
			break;
		case 'q':
			s.queue = optarg;
			break;
		case 'p':
			if (parse_num(optarg, -1000, 1000, &v) != 0)
				goto usage;
			s.priority = (int)v;
			break;
		case 'a':
			if (parse_num(optarg, 1, 100, &v) != 0)
				goto usage;
			s.max_attempts = (int)v;
			break;
		case 'd':
			if (parse_num(optarg, 0, 3650LL * 86400, &v) != 0)
				goto usage;
			s.run_at = queue_now() + v * 1000;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		goto usage;
	s.kind = argv[0];
	s.payload = argc == 2 ? argv[1] : NULL;
	if ((id = queue_enqueue(q, &s)) < 0) {
		ctl_err("enqueue failed (the payload must be a JSON object)");
		return 1;
	}
	if (id == 0)
		ctl_say(c, "a job with the unique key \"%s\" is pending; "
		    "nothing added\n", s.unique_key);
	else
		printf("%lld\n", id);
	return 0;
usage:
	ctl_err("usage: shopctl jobs enqueue [-u key] [-q queue] [-p priority] "
	    "[-a max_attempts] [-d delay_seconds] KIND [JSON]");
	return 2;
}

int
ctl_jobs(struct ctl *c, int argc, char **argv)
{
	struct db	*q;
	const char	*sub = argc > 1 ? argv[1] : "list";
	long long	 id;
	long		 n;
	int		 rc;

	if ((q = ctl_open(c, DB_QUEUE, 0)) == NULL)
		return 1;
	if (strcmp(sub, "list") == 0 && argc <= 2)
		return list(c, q);
	if (strcmp(sub, "enqueue") == 0)
		return enqueue(c, q, argc - 1, argv + 1);
	if (argc != 3 || (strcmp(sub, "retry") != 0 &&
	    strcmp(sub, "discard") != 0)) {
		ctl_err("usage: shopctl jobs [list | retry ID|all | discard ID "
		    "| enqueue KIND [JSON]]");
		return 2;
	}
	if (strcmp(sub, "retry") == 0 && strcmp(argv[2], "all") == 0) {
		if ((n = queue_retry_all(q)) < 0)
			return 1;
		ctl_say(c, "%ld failed job%s back in the queue\n", n,
		    n == 1 ? "" : "s");
		return 0;
	}
	if (parse_id(argv[2], &id) != 0) {
		ctl_err("not a job id: %s", argv[2]);
		return 2;
	}
	if (strcmp(sub, "retry") == 0) {
		rc = queue_retry(q, id);
		if (rc == 1)
			ctl_say(c, "job %lld is back in the queue\n", id);
		else if (rc == 0)
			ctl_err("no failed job %lld", id);
		else if (rc == -2)
			ctl_err("job %lld: a job with its unique key is pending; "
			    "discard one of them", id);
		return rc == 1 ? 0 : 1;
	}
	rc = queue_discard(q, id);
	if (rc == 1)
		ctl_say(c, "job %lld discarded\n", id);
	else if (rc == 0)
		ctl_err("no failed or queued job %lld (a running job cannot be "
		    "discarded)", id);
	return rc == 1 ? 0 : 1;
}
