/*
 * Reading CSV (RFC 4180, as spreadsheets and Shopify write it) with
 * libcsv (Debian's libcsv-dev, https://sourceforge.net/projects/libcsv/)
 * in strict mode, a row at a time, with the line each row starts on.
 *
 * Refused, with "line N: what" in err: more than max_bytes (a file by
 * its size before a byte is read); a quote inside an unquoted field or
 * after a closing one; a quoted field still open at the end; a NUL byte;
 * text that is not well-formed UTF-8; a row of more than CSVIN_MAX_FIELDS
 * fields or a field of more than CSVIN_MAX_FIELD bytes. A UTF-8 byte
 * order mark at the start is skipped. Rows end at CR, LF or CR LF; empty
 * rows are skipped; spaces and tabs around an unquoted field are
 * dropped (libcsv's default), those inside quotes kept.
 */
#ifndef SHOP_CSVIN_H
#define SHOP_CSVIN_H

#include <stddef.h>

#define CSVIN_MAX_FIELDS	256
#define CSVIN_MAX_FIELD		(1024 * 1024)	/* bytes */

struct csvin_row {
	const char	**fields;	/* NUL-terminated, UTF-8 */
	const size_t	 *lens;
	size_t		  n;
	long		  line;		/* where the row starts, from 1 */
};

/*
 * Called for each row; the row is valid during the call only. Returns 0
 * to go on, anything else to stop (the caller keeps its own message).
 */
typedef int	(*csvin_row_fn)(void *arg, const struct csvin_row *);

/*
 * Read the file at path, or the len bytes at p, calling fn for each
 * row. Returns 0 when every row was read, -1 on a problem of the CSV
 * (message in err), or what fn returned when it stopped the reading.
 */
int	csvin_file(const char *path, size_t max_bytes, csvin_row_fn fn,
	    void *arg, char *err, size_t errlen);
int	csvin_memory(const void *p, size_t len, size_t max_bytes,
	    csvin_row_fn fn, void *arg, char *err, size_t errlen);

#endif
