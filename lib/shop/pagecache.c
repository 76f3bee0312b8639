/*
 * The page cache (see pagecache.h).
 *
 * Writers and removers agree through a lock file, pages/.lock: a page
 * is renamed into place under a shared lock after checking that the
 * catalog's version is still the one it was read at, and pages are
 * removed under the exclusive lock after the change that removes them
 * was committed. Either the removal comes after the rename and takes the
 * page away, or the writer finds the version moved on and drops it.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "data/db.h"
#include "web/http.h"
#include "shop/catalog.h"
#include "shop/session.h"
#include "shop/pagecache.h"

/* The folders pages are kept in, below the pages' directory. */
static const char *const subdirs[] = { "", "products", "categories" };
#define NSUBDIRS	(sizeof(subdirs) / sizeof(subdirs[0]))

/* Bytes this process may write between two sums of the files. */
#define SCAN_EVERY(cap)	((cap) / 16)

static struct {
	bool		 on;
	char		 dir[PATH_MAX];
	long long	 cap;
	long long	 unscanned;	/* written since the last sum */
	unsigned	 serial;	/* of temporary files */
} pc;

static const char sql_slug_of_product[] =
	"SELECT slug FROM products WHERE id = ?1";
static const char sql_slug_gone[] =
	"SELECT slug FROM product_slugs_gone WHERE id = ?1";

static void	on_commit(struct db *, const struct db_change *, size_t);

/* What db_watch() reports, in this order (on_commit() reads it so). */
static const char *const watched[] = {
	"products",
	"categories",
	"product_slugs_gone",
};

/* 64-bit FNV-1a over n bytes, continuing from h. */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Hash every file below dir (names and contents, in name order) into
 * *h. Returns 0, or -1 when dir cannot be read.
 */
static int
hash_tree(const char *dir, uint64_t *h, int depth)
{
	struct dirent	**ents;
	char		  path[PATH_MAX], buf[8192];
	struct stat	  st;
	ssize_t		  got;
	int		  i, n, fd, rc = 0;

	if (depth > 8 || (n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] == '.' || snprintf(path, sizeof(path),
		    "%s/%s", dir, ents[i]->d_name) >= (int)sizeof(path) ||
		    stat(path, &st) != 0) {
			free(ents[i]);
			continue;
		}
		*h = fnv(*h, ents[i]->d_name, strlen(ents[i]->d_name) + 1);
		if (S_ISDIR(st.st_mode))
			rc |= hash_tree(path, h, depth + 1);
		else if (S_ISREG(st.st_mode) &&
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			while ((got = read(fd, buf, sizeof(buf))) > 0)
				*h = fnv(*h, buf, (size_t)got);
			close(fd);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/*
 * What the pages were made with: this boot of the machine (a page
 * written before a crash may have been cut short), the templates and
 * the settings the layout shows. "" when it cannot be known.
 */
static void
stamp_of(const struct config *cfg, const char *template_dir, char *out,
    size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	char		 boot[64] = "";
	FILE		*f;

	out[0] = '\0';
	if ((f = fopen("/proc/sys/kernel/random/boot_id", "r")) != NULL) {
		if (fgets(boot, sizeof(boot), f) == NULL)
			boot[0] = '\0';
		fclose(f);
	}
	boot[strcspn(boot, "\n")] = '\0';
	h = fnv(h, cfg->name, strlen(cfg->name) + 1);
	h = fnv(h, cfg->base_url, strlen(cfg->base_url) + 1);
	h = fnv(h, cfg->currency, strlen(cfg->currency) + 1);
	if (hash_tree(template_dir, &h, 0) != 0)
		return;
	snprintf(out, len, "boot %s templates %016llx\n", boot,
	    (unsigned long long)h);
}

/* dir/name into out; false when it does not fit. */
static bool
path_of(char *out, size_t len, const char *name)
{
	return snprintf(out, len, "%s/%s", pc.dir, name) < (int)len;
}

/* The pages' directory and its folders, made if missing. 0 or -1. */
static int
make_dirs(void)
{
	char	 path[PATH_MAX];
	size_t	 i;

	for (i = 0; i < NSUBDIRS; i++) {
		if (!path_of(path, sizeof(path), subdirs[i]))
			return -1;
		if (mkdir(path, DB_DIR_MODE) != 0 && errno != EEXIST) {
			log_error("pagecache: mkdir %s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The lock file, taken as how says (LOCK_SH, LOCK_EX); -1 on failure. */
static int
lock_take(int how)
{
	char	path[PATH_MAX];
	int	fd;

	if (!path_of(path, sizeof(path), ".lock"))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, DB_FILE_MODE)) < 0 &&
	    errno == ENOENT && make_dirs() == 0)
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, DB_FILE_MODE);
	if (fd < 0) {
		log_error("pagecache: %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, how) != 0) {
		log_error("pagecache: flock %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
lock_drop(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * Remove every page file of one folder of the pages' directory whose
 * name starts with prefix (NULL: all). Only page files (*.html,
 * *.html.gz) are touched. Returns the files removed.
 */
static long
remove_in(const char *sub, const char *prefix)
{
	char		 dir[PATH_MAX], path[PATH_MAX];
	DIR		*d;
	struct dirent	*e;
	long		 n = 0;

	if (!path_of(dir, sizeof(dir), sub) || (d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (strstr(e->d_name, ".html") == NULL))
			continue;
		if (prefix != NULL && strncmp(e->d_name, prefix,
		    strlen(prefix)) != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (unlink(path) == 0)
			n++;
		else if (errno != ENOENT)
			log_error("pagecache: unlink %s: %s", path,
			    strerror(errno));
	}
	closedir(d);
	return n;
}

/* Every page that lists products: home, the lists, the categories. */
static void
remove_lists(void)
{
	(void)remove_in("", "index.");
	(void)remove_in("", "products.");
	(void)remove_in("categories", NULL);
}

int
pagecache_init(const struct config *cfg, const char *template_dir, char *err,
    size_t errlen)
{
	const char	*s = getenv("SHOP_PAGE_CACHE_BYTES");
	char		*end, stamp[128], old[128] = "", path[PATH_MAX],
			 tmp[PATH_MAX];
	long long	 cap = PAGECACHE_MAX_BYTES;
	FILE		*f;
	int		 fd;

	if (s != NULL && *s != '\0') {
		errno = 0;
		cap = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0' || cap < 0 ||
		    cap > (1LL << 40)) {
			snprintf(err, errlen, "SHOP_PAGE_CACHE_BYTES: a number "
			    "of bytes from 0 (off) to 2^40 is expected, not "
			    "\"%s\"", s);
			return -1;
		}
	}
	if (snprintf(pc.dir, sizeof(pc.dir), "%s/%s", cfg->data_dir,
	    PAGECACHE_DIR) >= (int)sizeof(pc.dir)) {
		snprintf(err, errlen, "SHOP_DATA_DIR: too long");
		return -1;
	}
	pc.cap = cap;
	pc.on = cap > 0;
	/* Changes are watched even when off: pages left from before go. */
	db_watch(DB_PRIMARY, watched, sizeof(watched) / sizeof(watched[0]),
	    on_commit);
	if (template_dir == NULL)
		return 0;
	stamp_of(cfg, template_dir, stamp, sizeof(stamp));
	if (!path_of(path, sizeof(path), ".stamp") ||
	    snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return 0;
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(old, sizeof(old), f) == NULL)
			old[0] = '\0';
		fclose(f);
	}
	if (stamp[0] != '\0' && strcmp(stamp, old) == 0)
		return 0;
	/* Made otherwise (or unknown): none of them can be trusted. */
	if (pagecache_clear() > 0)
		log_info("pagecache: templates, settings or boot changed; "
		    "pages cleared");
	if (!pc.on || stamp[0] == '\0' || make_dirs() != 0)
		return 0;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    DB_FILE_MODE)) < 0 || write(fd, stamp, strlen(stamp)) !=
	    (ssize_t)strlen(stamp) || close(fd) != 0 || rename(tmp, path) != 0) {
		log_warn("pagecache: %s: %s", path, strerror(errno));
		(void)unlink(tmp);
	}
	return 0;
}

bool
pagecache_enabled(void)
{
	return pc.on;
}

long long
pagecache_cap(void)
{
	return pc.cap;
}

/* A slug as the catalog's routes take it: [a-z0-9-]{1,80}. */
static bool
slug_ok(const char *s, size_t n)
{
	size_t	i;

	if (n < 1 || n > 80)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/*
 * A list's query: "", "page=N", "sort=S" or "sort=S&page=N", with N a
 * page number without leading zeros up to PAGECACHE_MAX_PAGE and S
 * [a-z-]{1,PAGECACHE_MAX_SORT}; appended to b as ".S" and ".pN".
 */
static bool
list_query(struct buf *b, const char *q)
{
	const char	*s;
	size_t		 n;
	long		 page;
	char		*end;

	if (strncmp(q, "sort=", 5) == 0) {
		s = q + 5;
		n = strcspn(s, "&");
		if (n < 1 || n > PAGECACHE_MAX_SORT ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyz-") < n)
			return false;
		buf_putc(b, '.');
		buf_append(b, s, n);
		q = s + n;
		if (*q == '\0')
			return true;
		q++;
	}
	if (strncmp(q, "page=", 5) != 0 || q[5] < '1' || q[5] > '9')
		return false;
	n = strspn(q + 5, "0123456789");
	if (n > 5 || q[5 + n] != '\0')
		return false;
	page = strtol(q + 5, &end, 10);
	if (page < 1 || page > PAGECACHE_MAX_PAGE)
		return false;
	buf_printf(b, ".p%ld", page);
	return true;
}

char *
pagecache_name(struct arena *a, const char *path, const char *query)
{
	struct buf	 b = { 0 };
	const char	*slug = NULL;
	char		*s = NULL;
	bool		 list = true;

	if (path == NULL)
		return NULL;
	if (query == NULL)
		query = "";
	if (strcmp(path, "/") == 0)
		buf_puts(&b, "index");
	else if (strcmp(path, "/products") == 0)
		buf_puts(&b, "products");
	else if (strncmp(path, "/products/", 10) == 0) {
		slug = path + 10;
		list = false;
	} else if (strncmp(path, "/categories/", 12) == 0)
		slug = path + 12;
	else
		return NULL;
	if (slug != NULL) {
		if (!slug_ok(slug, strlen(slug)))
			return NULL;
		buf_puts(&b, list ? "categories/" : "products/");
		buf_puts(&b, slug);
	}
	if (query[0] != '\0' && (!list || !list_query(&b, query)))
		goto out;
	buf_puts(&b, ".html");
	s = arena_strdup(a, buf_str(&b));
out:
	buf_free(&b);
	return s;
}

/* Whether the Cookie header carries a session cookie (any "sid="). */
static bool
has_session_cookie(struct req *r)
{
	const char	*c = req_header(r, "Cookie");

	return c != NULL && strstr(c, "sid=") != NULL;
}

const char *
pagecache_of(struct req *r)
{
	if (!pc.on || r->method != HTTP_GET || r->want_json ||
	    has_session_cookie(r) || session_of(r) != NULL)
		return NULL;
	return pagecache_name(r->arena, r->path, r->query_string);
}

/*
 * Write len bytes of p to a new temporary file beside the pages and put
 * its name in tmp. 0, or -1 (logged, nothing left behind).
 */
static int
write_tmp(char *tmp, size_t tmplen, const void *p, size_t len)
{
	int	fd;

	if (snprintf(tmp, tmplen, "%s/.tmp-%ld-%u", pc.dir, (long)getpid(),
	    pc.serial++) >= (int)tmplen)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, DB_FILE_MODE);
	if (fd < 0 && errno == ENOENT && make_dirs() == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    DB_FILE_MODE);
	if (fd < 0) {
		log_error("pagecache: %s: %s", tmp, strerror(errno));
		return -1;
	}
	/* Whatever the umask: readable by the web server's group. */
	if (fchmod(fd, DB_FILE_MODE) != 0 || write(fd, p, len) !=
	    (ssize_t)len) {
		log_error("pagecache: %s: %s", tmp, strerror(errno));
		close(fd);
		(void)unlink(tmp);
		return -1;
	}
	if (close(fd) != 0) {
		log_error("pagecache: %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* html gzipped, in *out (malloc'd, the caller frees); 0 or -1. */
static int
gzip_of(const char *html, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream	 z;
	uLong		 cap;
	int		 rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	cap = deflateBound(&z, (uLong)len) + 32;
	if ((*out = malloc(cap)) == NULL) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)html;
	z.avail_in = (uInt)len;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
pagecache_store(struct db *db, const char *name, long long version,
    const char *html, size_t len)
{
	char		 path[PATH_MAX], gzpath[PATH_MAX], tmp[PATH_MAX],
			 gztmp[PATH_MAX] = "";
	unsigned char	*gz = NULL;
	size_t		 gzlen = 0;
	int		 lock, rc = 0;

	if (!pc.on || name == NULL || version < 0 ||
	    (long long)len > pc.cap / 4 || !path_of(path, sizeof(path), name) ||
	    snprintf(gzpath, sizeof(gzpath), "%s.gz", path) >=
	    (int)sizeof(gzpath))
		return -1;
	if (write_tmp(tmp, sizeof(tmp), html, len) != 0)
		return -1;
	if (gzip_of(html, len, &gz, &gzlen) == 0 && gzlen < len &&
	    write_tmp(gztmp, sizeof(gztmp), gz, gzlen) != 0)
		gztmp[0] = '\0';
	free(gz);
	if ((lock = lock_take(LOCK_SH)) < 0) {
		rc = -1;
		goto out;
	}
	/* A change since the page was read has removed the pages already. */
	if (catalog_version(db) != version)
		goto out;
	if (gztmp[0] != '\0') {
		if (rename(gztmp, gzpath) != 0) {
			log_error("pagecache: rename %s: %s", gzpath,
			    strerror(errno));
			rc = -1;
			goto out;
		}
		gztmp[0] = '\0';
	} else
		(void)unlink(gzpath);
	if (rename(tmp, path) != 0) {
		log_error("pagecache: rename %s: %s", path, strerror(errno));
		(void)unlink(gzpath);
		rc = -1;
		goto out;
	}
	tmp[0] = '\0';
	rc = 1;
out:
	lock_drop(lock);
	if (tmp[0] != '\0')
		(void)unlink(tmp);
	if (gztmp[0] != '\0')
		(void)unlink(gztmp);
	if (rc == 1 && (pc.unscanned += (long long)(len + gzlen)) >=
	    SCAN_EVERY(pc.cap)) {
		pc.unscanned = 0;
		if (pagecache_bytes() > pc.cap)
			(void)pagecache_evict(pc.cap / 4 * 3);
	}
	return rc;
}

int
pagecache_forget(const char *const *slugs, size_t n)
{
	char	 path[PATH_MAX];
	size_t	 i;
	int	 lock, rc = 0;

	if (pc.dir[0] == '\0')
		return 0;
	if ((lock = lock_take(LOCK_EX)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/products/%s.html",
		    pc.dir, slugs[i]) >= (int)sizeof(path) - 3)
			continue;
		if (unlink(path) != 0 && errno != ENOENT)
			rc = -1;
		strcat(path, ".gz");
		if (unlink(path) != 0 && errno != ENOENT)
			rc = -1;
	}
	remove_lists();
	lock_drop(lock);
	if (rc != 0)
		log_error("pagecache: a product page could not be removed: %s",
		    strerror(errno));
	return rc;
}

long
pagecache_clear(void)
{
	long	 n = 0;
	size_t	 i;
	int	 lock;

	if (pc.dir[0] == '\0')
		return 0;
	if ((lock = lock_take(LOCK_EX)) < 0)
		return -1;
	for (i = 0; i < NSUBDIRS; i++)
		n += remove_in(subdirs[i], NULL);
	lock_drop(lock);
	return n;
}

struct page_file {
	char		*path;
	long long	 size;
	long long	 mtime;		/* ns */
};

/* Every page file with its size and time, into *v (malloc'd); -1 on error. */
static long
list_files(struct page_file **v, long long *total)
{
	char		 dir[PATH_MAX], path[PATH_MAX];
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	struct page_file *nv;
	size_t		 i, n = 0, cap = 0;

	*v = NULL;
	*total = 0;
	for (i = 0; i < NSUBDIRS; i++) {
		if (!path_of(dir, sizeof(dir), subdirs[i]) ||
		    (d = opendir(dir)) == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' ||
			    strstr(e->d_name, ".html") == NULL ||
			    snprintf(path, sizeof(path), "%s/%s", dir,
			    e->d_name) >= (int)sizeof(path) ||
			    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				if ((nv = realloc(*v, cap * sizeof(**v))) ==
				    NULL)
					break;
				*v = nv;
			}
			if (((*v)[n].path = strdup(path)) == NULL)
				break;
			(*v)[n].size = (long long)st.st_size;
			(*v)[n].mtime = (long long)st.st_mtim.tv_sec *
			    1000000000LL + st.st_mtim.tv_nsec;
			*total += (long long)st.st_size;
			n++;
		}
		closedir(d);
	}
	return (long)n;
}

static int
by_age(const void *a, const void *b)
{
	const struct page_file	*x = a, *y = b;

	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

long long
pagecache_bytes(void)
{
	struct page_file	*v;
	long long		 total;
	long			 n, i;

	if (pc.dir[0] == '\0')
		return -1;
	n = list_files(&v, &total);
	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	return total;
}

long
pagecache_evict(long long max_bytes)
{
	struct page_file	*v;
	long long		 total;
	long			 n, i, gone = 0;
	int			 lock;

	if (pc.dir[0] == '\0')
		return 0;
	n = list_files(&v, &total);
	if (total > max_bytes && (lock = lock_take(LOCK_EX)) >= 0) {
		qsort(v, (size_t)n, sizeof(*v), by_age);
		for (i = 0; i < n && total > max_bytes; i++)
			if (unlink(v[i].path) == 0) {
				total -= v[i].size;
				gone++;
			}
		lock_drop(lock);
	}
	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	return gone;
}

/*
 * A slug read by stmt sql with id bound, in the arena; NULL when there
 * is none.
 */
static char *
slug_by(struct db *db, struct arena *a, const char *sql, long long id)
{
	sqlite3_stmt	*st = db_prep(db, sql);
	char		*s = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (db_step(db, st) == SQLITE_ROW)
		s = db_text(a, st, 0);
	sqlite3_reset(st);
	return s;
}

/*
 * db_watch(): after a commit that changed products, categories or gave
 * a slug up, the pages that showed them are removed: the products'
 * pages by their slug (and by the slug given up) and every list. Too
 * many to name, or a product that cannot be read: every page.
 */
static void
on_commit(struct db *db, const struct db_change *c, size_t n)
{
	struct arena	*a;
	const char	**slugs;
	char		*s;
	size_t		 i, j, ns = 0, cap = 0;
	bool		 all = false;

	if (pc.dir[0] == '\0')
		return;
	for (i = 0; i < n; i++) {
		all |= c[i].many;
		cap += c[i].n;
	}
	if (all) {
		(void)pagecache_clear();
		return;
	}
	a = arena_new();
	slugs = arena_calloc(a, cap + 1, sizeof(*slugs));
	for (i = 0; i < n; i++) {
		for (j = 0; j < c[i].n; j++) {
			if (strcmp(c[i].table, "categories") == 0)
				break;
			s = slug_by(db, a, strcmp(c[i].table, "products") == 0 ?
			    sql_slug_of_product : sql_slug_gone, c[i].ids[j]);
			/* Deleted, and its slug not recorded: play safe. */
			if (s == NULL)
				all = true;
			else if (slug_ok(s, strlen(s)))
				slugs[ns++] = s;
		}
	}
	if (all)
		(void)pagecache_clear();
	else
		(void)pagecache_forget(slugs, ns);
	arena_free(a);
}
