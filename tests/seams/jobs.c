/*
 * Job kinds of the test builds, in place of lib/jobs/job_extra.c: one
 * that sleeps and records each run, one that fails on demand. The worker
 * tests use them to see leases, retries, signals and recovery.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "side/queue.h"
#include "jobs/job.h"
#include "jobs/payload.h"

/*
 * Test kind: {"ms": N}: sleep N ms (whatever signals arrive), then append
 * "<job id> <pid>\n" to <data dir>/test-jobs.log, so a test can count how
 * many times each job ran.
 */
static enum job_result
test_sleep(struct job_ctx *c)
{
	struct timespec	 end, now, left;
	long long	 ms;
	char		 path[4096], line[64];
	int		 fd, n;

	if (job_opt_int(c, "$.ms", 0, 0, 600000, &ms) != 0)
		return JOB_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			break;
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		nanosleep(&left, NULL);
	}
	snprintf(path, sizeof(path), "%s/test-jobs.log", c->cfg->data_dir);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) < 0) {
		snprintf(c->err, sizeof(c->err), "test-jobs.log: %s",
		    strerror(errno));
		return JOB_RETRY;
	}
	n = snprintf(line, sizeof(line), "%lld %ld\n", c->job->id,
	    (long)getpid());
	if (write(fd, line, (size_t)n) != n) {
		snprintf(c->err, sizeof(c->err), "test-jobs.log: %s",
		    strerror(errno));
		close(fd);
		return JOB_RETRY;
	}
	close(fd);
	return JOB_OK;
}

/* Test kind: {"error": "..."}: fail with that error, to be retried. */
static enum job_result
test_fail(struct job_ctx *c)
{
	const char	*e = job_str(c, "$.error");

	snprintf(c->err, sizeof(c->err), "%s", e ? e : "test failure");
	return JOB_RETRY;
}

const struct job_kind_def job_extra_kinds[] = {
	{ "test.sleep", test_sleep },
	{ "test.fail", test_fail },
	{ NULL, NULL },
};
