/*
 * Per-request memory arena: a list of blocks, bump allocation, and a reset
 * that returns every block but the first to the system.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

#define ARENA_BLOCK	(64 * 1024)
#define ARENA_ALIGN	16

struct block {
	struct block	*next;
	size_t		 size;		/* usable bytes after the header */
	size_t		 used;
	max_align_t	 data[];
};

struct arena {
	struct block	*head;		/* current block; first block is last */
	size_t		 total;		/* bytes handed out since reset */
};

static void
oom(size_t n)
{
	fprintf(stderr, "level=fatal msg=\"out of memory allocating %zu bytes\"\n", n);
	abort();
}

static struct block *
block_new(size_t min)
{
	size_t		 size = min > ARENA_BLOCK ? min : ARENA_BLOCK;
	struct block	*b;

	if (size > SIZE_MAX - sizeof(*b))
		oom(size);
	if ((b = malloc(sizeof(*b) + size)) == NULL)
		oom(size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct arena *
arena_new(void)
{
	struct arena	*a;

	if ((a = malloc(sizeof(*a))) == NULL)
		oom(sizeof(*a));
	a->head = block_new(ARENA_BLOCK);
	a->total = 0;
	return a;
}

void
arena_free(struct arena *a)
{
	struct block	*b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* Keep only the oldest block, which is the one of the default size. */
void
arena_reset(struct arena *a)
{
	struct block	*b;

	while (a->head->next != NULL) {
		b = a->head;
		a->head = b->next;
		free(b);
	}
	a->head->used = 0;
	a->total = 0;
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct block	*b = a->head;
	size_t		 off, need;
	void		*p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ARENA_ALIGN)
		oom(n);
	need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	off = b->used;
	if (need > b->size - off) {
		b = block_new(need);
		b->next = a->head;
		a->head = b;
		off = 0;
	}
	p = (char *)b->data + off;
	b->used = off + need;
	a->total += need;
	return p;
}

void *
arena_zalloc(struct arena *a, size_t n)
{
	void	*p = arena_alloc(a, n);

	memset(p, 0, n);
	return p;
}

void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		oom(SIZE_MAX);
	return arena_zalloc(a, nmemb * size);
}

void *
arena_memdup(struct arena *a, const void *src, size_t n)
{
	void	*p = arena_alloc(a, n);

	if (n > 0)
		memcpy(p, src, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p = arena_alloc(a, n + 1);

	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n;
	char	*p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return arena_strdup(a, "");
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
