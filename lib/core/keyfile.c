/*
 * Key files (see keyfile.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/keyfile.h"

/* Read the key of an existing file: 0, 1 if there is none, -1. */
static int
read_key(const char *path, unsigned char key[KEYFILE_BYTES], char *err,
    size_t errlen)
{
	struct stat	st;
	ssize_t		n;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != KEYFILE_BYTES) {
		snprintf(err, errlen, "%s: not a key (a file of exactly %d "
		    "bytes); move it away to have a new one made", path,
		    KEYFILE_BYTES);
		close(fd);
		return -1;
	}
	n = read(fd, key, KEYFILE_BYTES);
	close(fd);
	if (n != KEYFILE_BYTES) {
		snprintf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) :
		    "short read");
		sodium_memzero(key, KEYFILE_BYTES);
		return -1;
	}
	return 0;
}

/* Make a new key under path: 0 made, 1 someone else made one, -1. */
static int
make_key(const char *dir, const char *path, char *err, size_t errlen)
{
	unsigned char	 key[KEYFILE_BYTES];
	char		*tmp;
	int		 fd, rc = -1, dfd;

	if (asprintf(&tmp, "%s/.keyfile-XXXXXX", dir) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* mkstemp makes the file 0600, whatever the umask. */
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	randombytes_buf(key, sizeof(key));
	if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	} else if (link(tmp, path) == 0) {
		rc = 0;
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	} else if (errno == EEXIST)
		rc = 1;
	else
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	sodium_memzero(key, sizeof(key));
	close(fd);
	unlink(tmp);
	free(tmp);
	return rc;
}

int
keyfile_load(const char *dir, const char *name,
    unsigned char key[KEYFILE_BYTES], char *err, size_t errlen)
{
	char	*path;
	int	 rc;

	if (asprintf(&path, "%s/%s", dir, name) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((rc = read_key(path, key, err, errlen)) == 1 &&
	    make_key(dir, path, err, errlen) >= 0)
		rc = read_key(path, key, err, errlen);
	if (rc == 1)
		snprintf(err, errlen, "%s: vanished as it was made", path);
	free(path);
	return rc == 0 ? 0 : -1;
}
