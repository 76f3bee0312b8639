/*
 * The worker's settings and its environment file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/schedule.h"
#include "side/cache.h"
#include "jobs/job.h"
#include "worker.h"

static const struct {
	const char	*name;
	size_t		 off;
	long long	 def, min, max, scale;
} ints[] = {
	{ "SHOP_WORKER_LEASE_SECONDS", offsetof(struct worker_settings,
	    lease_ms), 60, 1, 3600, 1000 },
	{ "SHOP_WORKER_POLL_MS", offsetof(struct worker_settings, poll_ms),
	    500, 10, 60000, 1 },
	{ "SHOP_JOB_BACKOFF_MS", offsetof(struct worker_settings, backoff_ms),
	    10000, 1, 86400000, 1 },
	{ "SHOP_JOB_BACKOFF_MAX_MS", offsetof(struct worker_settings,
	    backoff_cap_ms), 3600000, 1, 7 * 86400000LL, 1 },
	{ "SHOP_JOB_RETENTION_SECONDS", offsetof(struct worker_settings,
	    retention_ms), 7 * 86400, 0, 3650LL * 86400, 1000 },
	{ "SHOP_CHECKPOINT_SECONDS", offsetof(struct worker_settings,
	    checkpoint_ms), 30, 1, 86400, 1000 },
	{ "SHOP_WORKER_QUIET_SECONDS", offsetof(struct worker_settings,
	    quiet_ms), 60, 1, 86400, 1000 },
	{ "SHOP_CABLE_KEEP_SECONDS", offsetof(struct worker_settings,
	    cable_keep_s), 3600, 0, 3650LL * 86400, 1 },
	{ "SHOP_BACKUP_KEEP", offsetof(struct worker_settings, backup_keep),
	    7, 1, 1000, 1 },
	{ "SHOP_CACHE_MAX_BYTES", offsetof(struct worker_settings, cache_max),
	    CACHE_MAX_BYTES, 0, (long long)1 << 40, 1 },
};

/* A whole decimal number in min..max: strtoll with end and errno checks. */
static int
parse_int(const char *s, long long min, long long max, long long *v)
{
	char	*end;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || *v < min || *v > max)
		return -1;
	return 0;
}

int
settings_load(struct worker_settings *s, char *err, size_t errlen)
{
	struct schedule	 sc;
	const char	*v, *p;
	char		 var[96], why[128];
	long long	 n;
	size_t		 i, k;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		n = ints[i].def;
		if ((v = getenv(ints[i].name)) != NULL && *v != '\0' &&
		    parse_int(v, ints[i].min, ints[i].max, &n) != 0) {
			snprintf(err, errlen, "%s must be a whole number from "
			    "%lld to %lld: \"%.40s\"", ints[i].name,
			    ints[i].min, ints[i].max, v);
			return -1;
		}
		*(long long *)(void *)((char *)s + ints[i].off) =
		    n * ints[i].scale;
	}
	if ((v = getenv("SHOP_WORKER_QUEUES")) != NULL && *v != '\0') {
		if (strlen(v) >= sizeof(s->queues)) {
			snprintf(err, errlen, "SHOP_WORKER_QUEUES is too long");
			return -1;
		}
		for (p = v; *p != '\0'; p++)
			if (!islower((unsigned char)*p) &&
			    !isdigit((unsigned char)*p) && *p != '_' &&
			    *p != '-' && *p != ',') {
				snprintf(err, errlen, "SHOP_WORKER_QUEUES is a "
				    "comma-separated list of queue names");
				return -1;
			}
		snprintf(s->queues, sizeof(s->queues), "%s", v);
	}
	if (job_recurring_count > sizeof(s->schedule) / sizeof(s->schedule[0])) {
		snprintf(err, errlen, "too many recurring tasks");
		return -1;
	}
	for (i = 0; i < job_recurring_count; i++) {
		k = (size_t)snprintf(var, sizeof(var), "SHOP_SCHEDULE_");
		for (p = job_recurring[i].task; *p && k + 1 < sizeof(var); p++)
			var[k++] = (char)toupper((unsigned char)*p);
		var[k] = '\0';
		if ((v = getenv(var)) == NULL || *v == '\0')
			v = job_recurring[i].schedule;
		if (strlen(v) >= sizeof(s->schedule[i]) ||
		    schedule_parse(v, &sc, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: \"%.60s\": %s", var, v,
			    strlen(v) >= sizeof(s->schedule[i]) ? "too long" :
			    why);
			return -1;
		}
		snprintf(s->schedule[i], sizeof(s->schedule[i]), "%s", v);
	}
	return 0;
}

