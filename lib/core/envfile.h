/*
 * Environment files: "NAME=value" lines, as systemd's EnvironmentFile
 * and shell scripts write them. shop-worker -c reads one; SHOP_ENV_FILE
 * names one every program reads at start-up (for servers such as Apache,
 * whose FastCGI processes get only the variables set in its
 * configuration).
 */
#ifndef SHOP_ENVFILE_H
#define SHOP_ENVFILE_H

#include <stdbool.h>
#include <stddef.h>

#define ENVFILE_MAX		(64 * 1024)	/* bytes in a file */
#define ENVFILE_MAX_LINE	4096		/* bytes in a line */

/*
 * Parse: blank lines and "#" comments skipped; a value in one pair of
 * matching quotes loses them; NAME is [A-Za-z_][A-Za-z0-9_]*. fn is
 * called for each pair in order (strings valid only during the call).
 * Returns 0, or -1 with "line N: why" in err and no call made for any
 * line if one is bad.
 */
int	envfile_parse(const char *text, size_t len,
	    void (*fn)(const char *name, const char *value, void *), void *arg,
	    char *err, size_t errlen);

/*
 * Read path (at most ENVFILE_MAX bytes) and setenv() each pair, replacing
 * what is set already only when overwrite. Returns 0, or -1 with the path
 * and why in err (nothing set when the file is malformed).
 */
int	envfile_apply(const char *path, bool overwrite, char *err,
	    size_t errlen);

/* Whether c may be in a name (first: the first character). */
bool	envfile_name_char(char c, bool first);

#endif
