/*
 * Product images: an uploaded JPEG, PNG or WebP checked and written to
 * the media directory at a few widths, as WebP and as a JPEG fallback,
 * with libvips (https://www.libvips.org/API/8.14/).
 *
 * An upload is trusted for nothing. Its format is decided by its
 * content alone (its magic bytes, and the loader libvips picks from
 * them, which must agree), never by a file name or a claimed type.
 * It is refused over IMAGE_MAX_BYTES before anything reads it, and over
 * IMAGE_MAX_SIDE or IMAGE_MAX_PIXELS (lib/core/limits.h) as soon as its
 * header is read, before its pixels are decoded. A truncated or corrupt
 * file is an error with a message, never a crash or a grey half-image.
 *
 * What is written holds pixels only: no EXIF (so no GPS position or
 * camera serial), XMP, IPTC or ICC profile. The picture is first turned
 * upright by its EXIF orientation and converted to sRGB from its
 * profile, if it has one, so that it looks the same without it.
 *
 * Files: for each width w of the image, BASE-w.webp and BASE-w.jpg in
 * the media directory, which the web servers serve as /media/BASE-w.webp
 * (the configurations in httpd-conf/). The widths are those of
 * IMAGE_WIDTHS narrower than the upright original, and the original's
 * own width when it is not wider than the widest of them: an image is
 * never scaled up. All of an image's files appear together or none
 * does: each is written to a temporary name in the directory, flushed
 * to disk, and renamed into place when all are written. Files are mode
 * 0640, for a web server that reads them by group.
 *
 * libvips is started once per process, by image_init() or by the first
 * call that needs it, with one worker thread, no operation cache, no
 * run-time code generation (ORC), and every loader blocked but the
 * three above, so that no upload can reach libvips' other loaders
 * (ImageMagick, PDF, SVG, ...). These settings are the process's: a
 * program that uses this file uses libvips only through it. libvips
 * keeps one error buffer per process, so a message in err is only sure
 * to be the call's own when calls do not overlap in time. Its threads
 * do not survive fork(): start it in the process that uses it.
 */
#ifndef SHOP_IMAGE_H
#define SHOP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

/* The widths images are written at, narrowest first; see above. */
#define IMAGE_WIDTHS		{ 320, 640, 1280 }
#define IMAGE_MAX_SIZES		4	/* widths of one image, at most */
#define IMAGE_MAX_BASE		64	/* bytes in a base name */
/* A file name and its NUL: BASE, "-", five digits, ".webp". */
#define IMAGE_MAX_NAME		(IMAGE_MAX_BASE + 12)

enum image_format {
	IMAGE_JPEG,
	IMAGE_PNG,
	IMAGE_WEBP,
	IMAGE_FORMAT__MAX
};

/* "jpeg", "png", "webp". */
extern const char *const image_format_names[IMAGE_FORMAT__MAX];

enum image_err {
	IMAGE_OK,
	IMAGE_ERR_EMPTY,	/* zero bytes */
	IMAGE_ERR_BYTES,	/* over IMAGE_MAX_BYTES */
	IMAGE_ERR_FORMAT,	/* not JPEG, PNG or WebP by its content */
	IMAGE_ERR_CORRUPT,	/* truncated or corrupt */
	IMAGE_ERR_SIDE,		/* a side over IMAGE_MAX_SIDE */
	IMAGE_ERR_PIXELS,	/* width * height over IMAGE_MAX_PIXELS */
	IMAGE_ERR_NAME,		/* the base name is not one image_ingest takes */
	IMAGE_ERR_EXISTS,	/* files of that base name are there already */
	IMAGE_ERR_IO,		/* the media directory could not be written */
	IMAGE_ERR_LIBRARY,	/* libvips did not start, or failed on its own */
	IMAGE_ERR__MAX
};

/* "ok", "empty", "bytes", ...: one word for each, for logs and JSON. */
extern const char *const image_err_names[IMAGE_ERR__MAX];

/*
 * Whether the error is the upload's (EMPTY to PIXELS): an answer to the
 * person who sent it (422 with err as the reason), not a fault of the
 * shop's.
 */
bool		 image_err_is_upload(enum image_err);

/* One width of an image: what a srcset entry needs. */
struct image_size {
	int	 width;
	int	 height;
	char	 webp[IMAGE_MAX_NAME];	/* "BASE-640.webp", in the directory */
	char	 jpeg[IMAGE_MAX_NAME];	/* "BASE-640.jpg" */
};

/*
 * What was written: the original's format and its size upright (its
 * aspect is width:height), and the sizes written, narrowest first. After
 * image_check() the file names are empty strings.
 */
struct image_info {
	enum image_format	 format;
	int			 width;
	int			 height;
	size_t			 nsizes;
	struct image_size	 sizes[IMAGE_MAX_SIZES];
};

/*
 * Start libvips for this process, as described above; later calls do
 * nothing and return what the first did. A program may call it at
 * start-up, before it starts threads, to fail early; the functions below
 * call it themselves. Returns 0, or -1 with the reason in err.
 */
int		 image_init(char *err, size_t errlen);

/*
 * Check the len bytes at p as an upload and write its files into dir
 * (the media directory, created mode 0750 if missing but not its
 * parents) under base (1 to IMAGE_MAX_BASE letters, digits, "-" and
 * "_", starting with a letter or digit). Give each upload a base name of
 * its own, such as "p42-" and random hex: the files are served with a
 * cache lifetime, so a name must never come to mean another picture,
 * and base names with files already in dir are refused.
 *
 * Returns IMAGE_OK with *out filled in, or an error with a message in
 * err and nothing left in dir. p is only read, and may be freed when
 * this returns. Decoding and encoding a large image take a second or
 * so: never call this inside a database transaction.
 */
enum image_err	 image_ingest(const void *p, size_t len, const char *dir,
		    const char *base, struct image_info *out, char *err,
		    size_t errlen);

/*
 * Everything image_ingest() does to the len bytes at p but writing:
 * checks, decodes and encodes every size in memory, then drops them.
 * Returns as image_ingest() does, with the names in *out empty.
 */
enum image_err	 image_check(const void *p, size_t len,
		    struct image_info *out, char *err, size_t errlen);

/*
 * Remove the files of base from dir: every BASE-<width>.webp and
 * BASE-<width>.jpg, whatever widths they were written at, and nothing
 * else. Returns the number removed (0 if there were none, or no dir),
 * or -1 with the reason in err (a bad base name, an unreadable dir, a
 * file that could not be removed; the others still are).
 */
int		 image_remove(const char *dir, const char *base, char *err,
		    size_t errlen);

#endif
