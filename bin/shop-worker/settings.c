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

#include "cache.h"
#include "job.h"
#include "job_schedule.h"
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
	v = getenv("SHOP_TEST_JOBS");
	s->test_kinds = v != NULL && strcmp(v, "1") == 0;
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

static bool
name_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (!first && c >= '0' && c <= '9');
}

/* One pass over the lines; fn NULL only checks. */
static int
envfile_pass(const char *text, size_t len,
    void (*fn)(const char *, const char *, void *), void *arg, char *err,
    size_t errlen)
{
	char		 line[ENVFILE_MAX_LINE + 1], *eq, *val;
	size_t		 off = 0, n, vn;
	int		 lineno = 0;

	if (len > ENVFILE_MAX) {
		snprintf(err, errlen, "larger than %d bytes", ENVFILE_MAX);
		return -1;
	}
	while (off < len) {
		lineno++;
		for (n = 0; off + n < len && text[off + n] != '\n'; n++)
			;
		if (n > ENVFILE_MAX_LINE) {
			snprintf(err, errlen, "line %d: longer than %d bytes",
			    lineno, ENVFILE_MAX_LINE);
			return -1;
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		off += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "line %d: NUL byte", lineno);
			return -1;
		}
		val = line;
		while (*val == ' ' || *val == '\t')
			val++;
		if (*val == '\0' || *val == '#')
			continue;
		if ((eq = strchr(val, '=')) == NULL || eq == val) {
			snprintf(err, errlen, "line %d: not NAME=value", lineno);
			return -1;
		}
		*eq = '\0';
		for (char *p = val; *p; p++)
			if (!name_char(*p, p == val)) {
				snprintf(err, errlen, "line %d: bad name",
				    lineno);
				return -1;
			}
		if (fn == NULL)
			continue;
		vn = strlen(eq + 1);
		if (vn >= 2 && (eq[1] == '"' || eq[1] == '\'') &&
		    eq[vn] == eq[1]) {
			eq[vn] = '\0';
			fn(val, eq + 2, arg);
		} else
			fn(val, eq + 1, arg);
	}
	return 0;
}

int
envfile_parse(const char *text, size_t len,
    void (*fn)(const char *, const char *, void *), void *arg, char *err,
    size_t errlen)
{
	if (envfile_pass(text, len, NULL, NULL, err, errlen) != 0)
		return -1;
	return envfile_pass(text, len, fn, arg, err, errlen);
}

static void
set_one(const char *name, const char *value, void *arg)
{
	(void)arg;
	setenv(name, value, 1);
}

int
envfile_apply(const char *path, char *err, size_t errlen)
{
	char	*buf, why[160];
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(ENVFILE_MAX + 1)) == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (len <= ENVFILE_MAX &&
	    (n = read(fd, buf + len, ENVFILE_MAX + 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	rc = envfile_parse(buf, len, set_one, NULL, why, sizeof(why));
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, why);
	free(buf);
	return rc;
}
