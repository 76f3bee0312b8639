/*
 * Writing CSV (see csvout.h).
 */
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "core/buf.h"
#include "ext/csvout.h"

const char *const csvout_format_names[CSVOUT__MAX] = {
	"csv",
	"tsv",
};

void
csvout_init(struct csvout *c, struct buf *out, enum csvout_format format)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->format = format;
}

/*
 * A field quoted by csv_write(), which says how many bytes it needs when
 * given too few: asked once for the size, then written into the buffer.
 */
static void
quoted(struct buf *b, const char *s)
{
	size_t	n = strlen(s), need;
	char	*p;

	need = csv_write(NULL, 0, s, n);
	if ((p = malloc(need)) == NULL) {
		buf_puts(b, "\"\"");
		return;
	}
	csv_write(p, need, s, n);
	buf_append(b, p, need);
	free(p);
}

void
csvout_field(struct csvout *c, const char *s)
{
	if (s == NULL)
		s = "";
	if (c->row_open)
		buf_putc(c->out, c->format == CSVOUT_CSV ? ',' : '\t');
	c->row_open = true;
	if (c->format == CSVOUT_CSV) {
		quoted(c->out, s);
		return;
	}
	for (; *s != '\0'; s++)
		buf_putc(c->out, *s == '\t' || *s == '\r' || *s == '\n' ?
		    ' ' : *s);
}

void
csvout_end(struct csvout *c)
{
	buf_puts(c->out, c->format == CSVOUT_CSV ? "\r\n" : "\n");
	c->row_open = false;
}
