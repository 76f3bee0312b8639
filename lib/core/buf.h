/*
 * Growable byte buffer, owned by whoever declared it.
 *
 * Used for response bodies and rendered templates. The bytes are always
 * followed by a NUL that is not counted in len, so a buffer holding text
 * can be passed where a C string is expected. buf_reset() keeps the
 * allocation unless it grew past BUF_KEEP, so a buffer reused for every
 * request of a long-lived process does not hold on to one huge response.
 */
#ifndef SHOP_BUF_H
#define SHOP_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_KEEP	(256 * 1024)

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

void	 buf_reset(struct buf *);
void	 buf_free(struct buf *);
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
void	 buf_html(struct buf *, const char *, size_t);
const char *buf_str(struct buf *);

#endif
