/*
 * Writing CSV by RFC 4180 with libcsv's csv_write(): every field in
 * double quotes, a quote inside doubled, rows ended by CRLF, so commas,
 * quotes and line breaks in a field survive any reader that follows the
 * RFC (spreadsheets, accounting software). Or tab-separated text for
 * people, tabs and line breaks in a field turned into spaces.
 */
#ifndef SHOP_CSVOUT_H
#define SHOP_CSVOUT_H

#include <stdbool.h>

struct buf;

enum csvout_format {
	CSVOUT_CSV,	/* RFC 4180 */
	CSVOUT_TSV,	/* tab-separated, one line a row */
	CSVOUT__MAX
};

extern const char *const csvout_format_names[CSVOUT__MAX];

struct csvout {
	struct buf		*out;
	enum csvout_format	 format;
	bool			 row_open;	/* a field written on this row */
};

/* Start writing to out (which the caller owns) in format. */
void	csvout_init(struct csvout *, struct buf *out, enum csvout_format);
/* One field of the current row; NULL is written as empty. */
void	csvout_field(struct csvout *, const char *);
/* End the current row. */
void	csvout_end(struct csvout *);

#endif
