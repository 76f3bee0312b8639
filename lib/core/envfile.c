/*
 * Environment files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/envfile.h"

bool
envfile_name_char(char c, bool first)
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
			if (!envfile_name_char(*p, p == val)) {
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
	const bool	*overwrite = arg;

	setenv(name, value, *overwrite);
}

int
envfile_apply(const char *path, bool overwrite, char *err, size_t errlen)
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
	rc = envfile_parse(buf, len, set_one, &overwrite, why, sizeof(why));
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, why);
	free(buf);
	return rc;
}
