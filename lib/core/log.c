/*
 * Logging to standard error, one write(2) per line so that lines from
 * several processes sharing one log never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

const char *const log_level_names[LL__MAX] = {
	"debug",
	"info",
	"warn",
	"error",
	"fatal",
};

static const char		*log_bin = "shop";
static enum log_level		 log_min = LL_INFO;
static _Thread_local const char	*log_reqid;

void
log_init(const char *bin)
{
	const char	*lvl = getenv("SHOP_LOG_LEVEL");
	int		 i;

	log_bin = bin;
	if (lvl == NULL)
		return;
	for (i = 0; i < LL__MAX; i++)
		if (strcmp(lvl, log_level_names[i]) == 0)
			log_min = (enum log_level)i;
}

void
log_set_req(const char *id)
{
	log_reqid = id;
}

const char *
log_req(void)
{
	return log_reqid;
}

/*
 * The message is quoted; quotes, backslashes and control characters in it
 * are escaped so one event is always one parseable line.
 */
void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char		 msg[1024], line[1536], ts[32];
	size_t		 n, i;
	int		 k;
	va_list		 ap;
	struct tm	 tm;
	time_t		 now;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	k = snprintf(line, sizeof(line), "ts=%s level=%s bin=%s pid=%ld",
	    ts, log_level_names[lvl], log_bin, (long)getpid());
	n = k > 0 ? (size_t)k : 0;
	if (log_reqid != NULL && n < sizeof(line)) {
		k = snprintf(line + n, sizeof(line) - n, " req=%s", log_reqid);
		n += k > 0 ? (size_t)k : 0;
	}
	if (n + 8 < sizeof(line)) {
		memcpy(line + n, " msg=\"", 6);
		n += 6;
	}
	for (i = 0; msg[i] != '\0' && n + 4 < sizeof(line); i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c == '"' || c == '\\') {
			line[n++] = '\\';
			line[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f)
			line[n++] = '?';
		else
			line[n++] = (char)c;
	}
	line[n++] = '"';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
}
