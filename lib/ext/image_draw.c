/*
 * Drawn pictures (see image_draw.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "core/log.h"
#include "core/text.h"
#include "ext/image.h"
#include "ext/image_draw.h"

const char *const image_shape_names[IMAGE_SHAPE__MAX] = {
	"disc",
	"square",
	"ring",
	"stripes",
};

/* libvips' last message into err, and its buffer cleared. */
static void
vips_why(char *err, size_t errlen, const char *what)
{
	const char	*m = vips_error_buffer();
	size_t		 n;

	snprintf(err, errlen, "%s: %s", what, m != NULL && *m != '\0' ? m :
	    "failed");
	n = strlen(err);
	while (n > 0 && err[n - 1] == '\n')
		err[--n] = '\0';
	vips_error_clear();
}

/* The shape of d on im, a writable memory image. Returns 0 or -1. */
static int
shape(VipsImage *im, const struct image_drawing *d, double *ink)
{
	int	i, r, band;

	switch (d->shape) {
	case IMAGE_SHAPE_DISC:
		return vips_draw_circle(im, ink, 3, d->x, d->y, d->size,
		    "fill", TRUE, NULL);
	case IMAGE_SHAPE_SQUARE:
		return vips_draw_rect(im, ink, 3, d->x - d->size,
		    d->y - d->size, 2 * d->size, 2 * d->size, "fill", TRUE,
		    NULL);
	case IMAGE_SHAPE_RING:
		band = d->size / 5 > 1 ? d->size / 5 : 1;
		for (r = d->size; r > d->size - band && r > 0; r--)
			if (vips_draw_circle(im, ink, 3, d->x, d->y, r,
			    NULL) != 0)
				return -1;
		return 0;
	case IMAGE_SHAPE_STRIPES:
		band = d->size / 4 > 1 ? d->size / 4 : 1;
		for (i = 0; i < 4; i++)
			if (vips_draw_rect(im, ink, 3, d->x - d->size,
			    d->y - d->size + i * 2 * band, 2 * d->size, band,
			    "fill", TRUE, NULL) != 0)
				return -1;
		return 0;
	default:
		return -1;
	}
}

/*
 * The caption of d under its shape, on im. A caption libvips cannot set
 * (no font) is left out: 0 all the same. Returns -1 only when drawing
 * the text it set fails.
 */
static int
caption(VipsImage *im, const struct image_drawing *d, double *ink)
{
	VipsImage	*t = NULL;
	int		 rc, x, y;

	if (d->caption == NULL || *d->caption == '\0')
		return 0;
	if (vips_text(&t, d->caption, "width", d->width * 4 / 5, "dpi", 96,
	    "font", "sans bold 28", "align", VIPS_ALIGN_CENTRE, NULL) != 0) {
		log_debug("image_draw: no caption: %s", vips_error_buffer());
		vips_error_clear();
		return 0;
	}
	x = (d->width - t->Xsize) / 2;
	y = d->height - t->Ysize - d->height / 12;
	rc = x >= 0 && y >= 0 ? vips_draw_mask(im, ink, 3, t, x, y, NULL) : 0;
	g_object_unref(t);
	return rc;
}

enum image_err
image_draw_png(const struct image_drawing *d, void **png, size_t *len,
    char *err, size_t errlen)
{
	VipsImage	*black = NULL, *flat = NULL, *im = NULL, *srgb = NULL;
	double		 bg[3], ink[3];
	void		*buf = NULL;
	size_t		 n = 0, i;
	enum image_err	 rc = IMAGE_ERR_LIBRARY;

	*png = NULL;
	*len = 0;
	if (d->width < 16 || d->height < 16 ||
	    d->width > IMAGE_DRAW_MAX_SIDE || d->height > IMAGE_DRAW_MAX_SIDE) {
		snprintf(err, errlen, "a drawing of %dx%d pixels", d->width,
		    d->height);
		return IMAGE_ERR_SIDE;
	}
	if ((unsigned)d->shape >= IMAGE_SHAPE__MAX || d->size < 1 ||
	    (d->caption != NULL && (strlen(d->caption) >
	    IMAGE_DRAW_CAPTION_MAX || !text_fits(d->caption,
	    IMAGE_DRAW_CAPTION_MAX, false)))) {
		snprintf(err, errlen, "a shape or caption that cannot be drawn");
		return IMAGE_ERR_NAME;
	}
	if (image_init(err, errlen) != 0)
		return IMAGE_ERR_LIBRARY;
	for (i = 0; i < 3; i++) {
		bg[i] = d->background[i];
		ink[i] = d->ink[i];
	}
	if (vips_black(&black, d->width, d->height, NULL) != 0 ||
	    (flat = vips_image_new_from_image(black, bg, 3)) == NULL ||
	    (im = vips_image_copy_memory(flat)) == NULL) {
		vips_why(err, errlen, "image_draw: the background");
		goto out;
	}
	if (shape(im, d, ink) != 0 || caption(im, d, ink) != 0) {
		vips_why(err, errlen, "image_draw: drawing");
		goto out;
	}
	if (vips_copy(im, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB,
	    NULL) != 0 || vips_pngsave_buffer(srgb, &buf, &n, "compression", 1,
	    NULL) != 0) {
		vips_why(err, errlen, "image_draw: PNG");
		goto out;
	}
	if ((*png = malloc(n)) == NULL) {
		snprintf(err, errlen, "image_draw: out of memory");
		goto out;
	}
	memcpy(*png, buf, n);
	*len = n;
	rc = IMAGE_OK;
out:
	g_free(buf);
	if (srgb != NULL)
		g_object_unref(srgb);
	if (im != NULL)
		g_object_unref(im);
	if (flat != NULL)
		g_object_unref(flat);
	if (black != NULL)
		g_object_unref(black);
	return rc;
}
