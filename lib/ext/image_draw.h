/*
 * Pictures drawn rather than photographed: a plain background, a shape
 * and a caption, as a PNG, for the demo store's gallery (shopctl seed)
 * to have distinct images per product that go through image_ingest()
 * (image.h) like any upload, and so come out at every width, as WebP
 * and JPEG, for srcset.
 *
 * Drawn with libvips, started by image_init() with image.h's settings
 * (this file uses no loader at all); the caption is set by libvips'
 * text operation (Pango), and left out, not an error, where no font is
 * to be had.
 */
#ifndef SHOP_IMAGE_DRAW_H
#define SHOP_IMAGE_DRAW_H

#include <stddef.h>

#include "ext/image.h"

enum image_shape {
	IMAGE_SHAPE_DISC,
	IMAGE_SHAPE_SQUARE,
	IMAGE_SHAPE_RING,
	IMAGE_SHAPE_STRIPES,
	IMAGE_SHAPE__MAX
};

/* "disc", "square", ...: for logs. */
extern const char *const image_shape_names[IMAGE_SHAPE__MAX];

#define IMAGE_DRAW_MAX_SIDE	2000	/* pixels on either side */
#define IMAGE_DRAW_CAPTION_MAX	200	/* bytes of a caption */

struct image_drawing {
	int		 width;		/* 16 to IMAGE_DRAW_MAX_SIDE */
	int		 height;
	unsigned char	 background[3];	/* sRGB */
	unsigned char	 ink[3];	/* of the shape and the caption */
	enum image_shape shape;
	int		 x, y;		/* the shape's centre */
	int		 size;		/* its radius, or half its side */
	const char	*caption;	/* UTF-8, plain text; NULL: none */
};

/*
 * Draw d as a PNG into *png (malloc'd, the caller frees it) of *len
 * bytes. Returns IMAGE_OK, IMAGE_ERR_SIDE for sides out of bounds,
 * IMAGE_ERR_NAME for a shape or caption that cannot be drawn, or
 * IMAGE_ERR_LIBRARY, with a message in err and *png NULL.
 */
enum image_err	 image_draw_png(const struct image_drawing *d, void **png,
		    size_t *len, char *err, size_t errlen);

#endif
