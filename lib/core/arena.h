/*
 * Per-request memory arena.
 *
 * Everything a request allocates comes from its arena and is released at
 * once by arena_reset() when the request ends. The first block is kept
 * between requests, so a long-lived process settles at a steady size.
 * Allocation failure aborts the process: a FastCGI process that cannot get
 * memory is restarted by its web server, which is better than a handler
 * that must check every allocation and may get it wrong.
 */
#ifndef SHOP_ARENA_H
#define SHOP_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct arena	*arena_new(void);
void		 arena_free(struct arena *);
void		 arena_reset(struct arena *);
size_t		 arena_used(const struct arena *);

void		*arena_alloc(struct arena *, size_t);
void		*arena_zalloc(struct arena *, size_t);
void		*arena_calloc(struct arena *, size_t, size_t);
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);
void		*arena_memdup(struct arena *, const void *, size_t);
char		*arena_printf(struct arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
char		*arena_vprintf(struct arena *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

#endif
