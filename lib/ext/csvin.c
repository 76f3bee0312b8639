/*
 * Reading CSV with libcsv (see csvin.h). The input is given to libcsv a
 * line at a time (up to each LF), so that the line being read is known
 * when a field or a row ends.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "core/arena.h"
#include "core/text.h"
#include "ext/csvin.h"

#define CSVIN_CHUNK	65536

struct csvin {
	struct arena	*arena;		/* the current row's fields */
	const char	*fields[CSVIN_MAX_FIELDS];
	size_t		 lens[CSVIN_MAX_FIELDS];
	size_t		 n;
	long		 line;		/* being given to libcsv */
	long		 row_line;	/* where the current row started */
	long		 row_start;	/* the first line of the next row */
	int		 between;	/* no byte of a row given since one ended */
	long		 last_end;	/* line the last row ended on */
	csvin_row_fn	 fn;
	void		*arg;
	int		 stop;		/* fn's answer, or -1 for our own */
	char		*err;
	size_t		 errlen;
};

/*
 * libcsv grows a field's buffer with this: past CSVIN_MAX_FIELD it is
 * refused, and libcsv stops with CSV_ENOMEM.
 */
static void *
bounded_realloc(void *p, size_t n)
{
	if (n > CSVIN_MAX_FIELD + 1024)
		return NULL;
	return realloc(p, n);
}

static void
on_field(void *s, size_t len, void *data)
{
	struct csvin	*c = data;

	if (c->stop != 0)
		return;
	if (c->n == 0)
		c->row_line = c->row_start;
	if (c->n == CSVIN_MAX_FIELDS) {
		snprintf(c->err, c->errlen, "line %ld: more than %d fields in "
		    "a row", c->row_line, CSVIN_MAX_FIELDS);
		c->stop = -1;
		return;
	}
	if (s == NULL)
		s = "";
	if (memchr(s, '\0', len) != NULL) {
		snprintf(c->err, c->errlen, "line %ld: field %zu holds a NUL "
		    "byte", c->line, c->n + 1);
		c->stop = -1;
		return;
	}
	if (!text_utf8_valid(s, len)) {
		snprintf(c->err, c->errlen, "line %ld: field %zu is not "
		    "well-formed UTF-8", c->line, c->n + 1);
		c->stop = -1;
		return;
	}
	c->fields[c->n] = arena_strndup(c->arena, s, len);
	c->lens[c->n++] = len;
}

static void
on_row(int term, void *data)
{
	struct csvin		*c = data;
	struct csvin_row	 row;

	(void)term;
	if (c->stop != 0)
		return;
	row.fields = c->fields;
	row.lens = c->lens;
	row.n = c->n;
	row.line = c->row_line;
	c->last_end = c->line;
	c->between = 1;
	c->stop = c->fn(c->arg, &row);
	c->n = 0;
	arena_reset(c->arena);
}

/* The n bytes at p, a line at a time. 0, or -1 with the message. */
static int
feed(struct csvin *c, struct csv_parser *p, const char *s, size_t n)
{
	const char	*nl;
	size_t		 k, j;

	while (n > 0 && c->stop == 0) {
		nl = memchr(s, '\n', n);
		k = nl != NULL ? (size_t)(nl - s) + 1 : n;
		/* A row starts on the first line that is not blank. */
		for (j = 0; c->between && j < k; j++)
			if (s[j] != '\r' && s[j] != '\n') {
				c->row_start = c->line;
				c->between = 0;
			}
		if (csv_parse(p, s, k, on_field, on_row, c) != k &&
		    c->stop == 0) {
			if (csv_error(p) == CSV_ENOMEM)
				snprintf(c->err, c->errlen, "line %ld: a field "
				    "is longer than %d bytes", c->line,
				    CSVIN_MAX_FIELD);
			else
				snprintf(c->err, c->errlen, "line %ld: a "
				    "quote is out of place (a field with a "
				    "quote, comma or line break must be in "
				    "quotes, and a quote in it doubled)",
				    c->line);
			c->stop = -1;
		}
		if (nl != NULL)
			c->line++;
		s += k;
		n -= k;
	}
	return c->stop;
}

/* Everything after the bytes: the last row, or an open quote. */
static int
finish(struct csvin *c, struct csv_parser *p)
{
	if (c->stop == 0 && csv_fini(p, on_field, on_row, c) != 0 &&
	    c->stop == 0) {
		snprintf(c->err, c->errlen, "line %ld: a quoted field is not "
		    "closed before the end of the file", c->last_end + 1);
		c->stop = -1;
	}
	return c->stop;
}

static int
start(struct csvin *c, struct csv_parser *p, csvin_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->line = 1;
	c->row_start = 1;
	c->between = 1;
	c->fn = fn;
	c->arg = arg;
	c->err = err;
	c->errlen = errlen;
	err[0] = '\0';
	if (csv_init(p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		snprintf(err, errlen, "libcsv could not start");
		return -1;
	}
	csv_set_realloc_func(p, bounded_realloc);
	c->arena = arena_new();
	return 0;
}

static void
stop(struct csvin *c, struct csv_parser *p)
{
	csv_free(p);
	arena_free(c->arena);
}

/* A byte order mark at the start of s: its length, or 0. */
static size_t
bom(const char *s, size_t n)
{
	return n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

int
csvin_memory(const void *p, size_t len, size_t max_bytes, csvin_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct csv_parser	 parser;
	struct csvin		 c;
	size_t			 skip;
	int			 rc;

	if (len > max_bytes) {
		snprintf(err, errlen, "the file has %zu bytes, more than the "
		    "%zu that are read", len, max_bytes);
		return -1;
	}
	if (start(&c, &parser, fn, arg, err, errlen) != 0)
		return -1;
	skip = bom(p, len);
	if ((rc = feed(&c, &parser, (const char *)p + skip, len - skip)) == 0)
		rc = finish(&c, &parser);
	stop(&c, &parser);
	return rc;
}

int
csvin_file(const char *path, size_t max_bytes, csvin_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct csv_parser	 parser;
	struct csvin		 c;
	struct stat		 sb;
	char			*chunk;
	size_t			 total = 0, skip;
	ssize_t			 got;
	int			 fd, rc = 0;
	bool			 first = true;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISREG(sb.st_mode) && (unsigned long long)sb.st_size >
	    (unsigned long long)max_bytes) {
		snprintf(err, errlen, "%s: the file has %lld bytes, more than "
		    "the %zu that are read", path, (long long)sb.st_size,
		    max_bytes);
		close(fd);
		return -1;
	}
	if (start(&c, &parser, fn, arg, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	if ((chunk = malloc(CSVIN_CHUNK)) == NULL)
		abort();
	while (rc == 0) {
		got = read(fd, chunk, CSVIN_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		if (got == 0) {
			rc = finish(&c, &parser);
			break;
		}
		if ((total += (size_t)got) > max_bytes) {
			snprintf(err, errlen, "%s: more than the %zu bytes "
			    "that are read", path, max_bytes);
			rc = -1;
			break;
		}
		skip = first ? bom(chunk, (size_t)got) : 0;
		first = false;
		rc = feed(&c, &parser, chunk + skip, (size_t)got - skip);
	}
	free(chunk);
	stop(&c, &parser);
	close(fd);
	return rc;
}
