/*
 * Secret keys kept in files of the data directory, outside the
 * databases, so that no copy of a database or backup holds them: made
 * once, at random, by whichever program first needs one, written whole
 * before it appears under its name (a temporary file linked into place,
 * so two programs racing agree on the first one), mode 0600.
 */
#ifndef SHOP_KEYFILE_H
#define SHOP_KEYFILE_H

#include <stddef.h>

#define KEYFILE_BYTES	32

/*
 * The key in dir/name, made first if there is no such file. Returns 0,
 * or -1 with the reason in err: a file that is not a regular file of
 * exactly KEYFILE_BYTES bytes is refused, never replaced.
 */
int	keyfile_load(const char *dir, const char *name,
	    unsigned char key[KEYFILE_BYTES], char *err, size_t errlen);

#endif
