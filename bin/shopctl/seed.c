/*
 * shopctl seed: fill an empty store with a demo catalog.
 *
 * Eight categories of eight products, each with variants (sizes,
 * colours, weights), prices in the store's currency, stock levels that
 * include low and sold-out variants and products, and a placeholder
 * image drawn as SVG into the media directory, then a gallery of
 * PHOTOS more pictures per product, drawn by libvips (ext/image_draw.h)
 * in the category's colour with a shape and the product's name of their
 * own, and written by image_ingest() at every width, as an upload is.
 * Everything is derived from the tables below, so two runs make the
 * same store.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/money.h"
#include "core/text.h"
#include "data/db.h"
#include "ext/image.h"
#include "ext/image_draw.h"
#include "shop/catalog_edit.h"
#include "shop/content.h"
#include "shop/pricing.h"
#include "shop/shipping.h"
#include "shopctl.h"

#define IMAGE_SIZE	600
/* The gallery's drawn pictures: how many per product, and their side. */
#define PHOTOS		2
#define PHOTO_SIZE	640
#define MAX_VALUES	5

/* 2025-01-06T09:00:00Z: products were added one day apart from here. */
#define SEED_EPOCH	1736154000LL
/* Who the demo store's stock movements are by. */
#define SEED_ACTOR	"seed"

enum seed_flag {
	F_FEATURED	= 1u << 0,
	F_SOLD_OUT	= 1u << 1,	/* every variant at 0 */
	F_LOW		= 1u << 2,	/* a handful left in all */
};

/* One option of a scheme: its name, values and what each adds. */
struct seed_option {
	const char	*name;
	const char	*values[MAX_VALUES];
	long long	 delta[MAX_VALUES];	/* hundredths, added to price */
};

/* How a product's variants are made: up to two options crossed. */
struct seed_scheme {
	struct seed_option	 opt[2];
};

enum scheme {
	SCH_SINGLE,
	SCH_COLOUR,
	SCH_TEE,
	SCH_PAPER,
	SCH_POSTER,
	SCH_POT,
	SCH_TEA,
	SCH_CANDLE,
	SCH_SOCKS,
	SCH__MAX
};

static const struct seed_scheme schemes[SCH__MAX] = {
	[SCH_SINGLE] = { { { NULL, { NULL }, { 0 } } } },
	[SCH_COLOUR] = { { { "Colour", { "White", "Black", "Sage" },
	    { 0, 0, 0 } } } },
	[SCH_TEE] = { {
	    { "Size", { "S", "M", "L", "XL" }, { 0, 0, 0, 200 } },
	    { "Colour", { "Ink", "Chalk" }, { 0, 0 } } } },
	[SCH_PAPER] = { { { "Paper", { "Plain", "Lined", "Dotted" },
	    { 0, 0, 0 } } } },
	[SCH_POSTER] = { { { "Size", { "A3", "A2", "50 \xc3\x97 70 cm" },
	    { 0, 1200, 2200 } } } },
	[SCH_POT] = { { { "Pot", { "Small", "Medium", "Large" },
	    { 0, 900, 2100 } } } },
	[SCH_TEA] = { { { "Size", { "50 g", "100 g", "250 g" },
	    { 0, 500, 1400 } } } },
	[SCH_CANDLE] = { { { "Size", { "180 g", "300 g" }, { 0, 900 } } } },
	[SCH_SOCKS] = { {
	    { "Size", { "36\xe2\x80\x93" "40", "41\xe2\x80\x93" "46" },
	      { 0, 0 } },
	    { "Colour", { "Oat", "Moss", "Rust" }, { 0, 0, 0 } } } },
};

/*
 * A category, with what its placeholder images look like: a background
 * colour and a simple drawing (trusted SVG, written as it is).
 */
struct seed_category {
	const char	*slug;
	const char	*name;
	const char	*sku;
	const char	*description;
	const char	*colour;
	const char	*drawing;
};

static const struct seed_category categories[] = {
	{ "mugs", "Mugs", "MUG",
	  "Stoneware, porcelain and enamel mugs for the first coffee of "
	  "the day and the last tea of the night.",
	  "#b5651d",
	  "<rect x='200' y='180' width='170' height='200' rx='18'/>"
	  "<path d='M370 230 h30 a45 45 0 0 1 0 90 h-30 v-24 h30 a21 21 0 "
	  "0 0 0 -42 h-30 z'/>" },
	{ "t-shirts", "T-shirts", "TEE",
	  "Soft organic cotton tees, printed by hand in small batches "
	  "with water-based inks.",
	  "#2f5d8a",
	  "<path d='M215 160 l-85 55 35 65 45 -25 v175 h180 v-175 l45 25 "
	  "35 -65 -85 -55 q-40 40 -85 0 z'/>" },
	{ "notebooks", "Notebooks", "NBK",
	  "Notebooks with paper that takes a fountain pen without "
	  "bleeding, bound to lie flat.",
	  "#556b2f",
	  "<rect x='185' y='150' width='230' height='290' rx='10'/>"
	  "<rect x='395' y='150' width='12' height='290' "
	  "fill-opacity='0.5' fill='#000'/>" },
	{ "posters", "Posters", "PST",
	  "Art prints on heavy matte paper, shipped rolled in a tube.",
	  "#7b3f61",
	  "<rect x='170' y='140' width='260' height='320' fill='none' "
	  "stroke='#fff' stroke-width='14'/>"
	  "<path d='M185 445 l80 -130 50 70 40 -50 60 110 z'/>"
	  "<circle cx='370' cy='215' r='28'/>" },
	{ "plants", "Plants", "PLT",
	  "Easy houseplants grown in peat-free soil and sent in "
	  "recyclable pots.",
	  "#2e7d4f",
	  "<path d='M230 340 h140 l-20 110 h-100 z'/>"
	  "<ellipse cx='260' cy='260' rx='40' ry='80' "
	  "transform='rotate(-25 260 260)'/>"
	  "<ellipse cx='340' cy='250' rx='40' ry='85' "
	  "transform='rotate(25 340 250)'/>" },
	{ "tea", "Tea", "TEA",
	  "Loose-leaf teas and herbal infusions, blended in small lots "
	  "and packed in resealable tins.",
	  "#8a6d1f",
	  "<path d='M180 250 h220 v60 a110 110 0 0 1 -220 0 z'/>"
	  "<path d='M400 265 h25 a35 35 0 0 1 0 70 h-35 v-20 h35 a15 15 0 "
	  "0 0 0 -30 h-25 z'/>"
	  "<rect x='170' y='440' width='260' height='16' rx='8'/>" },
	{ "candles", "Candles", "CDL",
	  "Soy wax candles with cotton wicks and scents that stay gentle.",
	  "#9c4a3c",
	  "<rect x='230' y='260' width='140' height='200' rx='12'/>"
	  "<path d='M300 170 q35 45 0 80 q-35 -35 0 -80 z'/>" },
	{ "socks", "Socks", "SCK",
	  "Warm, hard-wearing socks knitted from wool and recycled cotton.",
	  "#4a4e8a",
	  "<path d='M250 140 h110 v190 l60 55 a50 50 0 0 1 -70 70 "
	  "l-100 -90 z'/>" },
};

#define NCATEGORIES	(sizeof(categories) / sizeof(categories[0]))

struct seed_product {
	int		 category;	/* index into categories */
	const char	*name;
	const char	*description;
	long long	 price;		/* hundredths of the currency unit */
	enum scheme	 scheme;
	unsigned	 flags;
};

static const struct seed_product products[] = {
	{ 0, "Stoneware Mug",
	  "A heavy, hand-glazed stoneware mug that holds 350 ml and keeps "
	  "your coffee warm while you forget about it. Dishwasher safe.",
	  1800, SCH_COLOUR, F_FEATURED },
	{ 0, "Enamel Camp Mug",
	  "A light steel mug with a white enamel coat and a blue rim, "
	  "for the garden, the tent and the desk.",
	  1400, SCH_SINGLE, F_SOLD_OUT },
	{ 0, "Caf\xc3\xa9 au Lait Bowl Mug",
	  "A wide French-style bowl with a small handle, for milky coffee "
	  "and slow breakfasts. Holds 450 ml.",
	  2200, SCH_COLOUR, 0 },
	{ 0, "Tall Latte Mug",
	  "A tall porcelain mug with room for a double shot and plenty of "
	  "steamed milk.",
	  1900, SCH_COLOUR, 0 },
	{ 0, "Espresso Cup Pair",
	  "Two small porcelain cups of 90 ml with matching saucers, thick "
	  "walled to keep the crema.",
	  2400, SCH_SINGLE, 0 },
	{ 0, "Speckled Travel Mug",
	  "A double-walled travel mug with a speckled finish and a lid "
	  "that does not leak in a bag.",
	  2600, SCH_COLOUR, F_LOW },
	{ 0, "Morning Person Mug",
	  "A cheerful white mug that says what it thinks, so that you "
	  "do not have to before nine.",
	  1500, SCH_SINGLE, 0 },
	{ 0, "Cr\xc3\xa8me Glaze Mug",
	  "A cream-glazed mug with a soft satin finish, thrown on the "
	  "wheel and signed on the base.",
	  2000, SCH_SINGLE, 0 },

	{ 1, "Organic Cotton Tee",
	  "A classic crew-neck tee in heavy organic cotton that keeps its "
	  "shape wash after wash.",
	  2600, SCH_TEE, F_FEATURED },
	{ 1, "Mountain Line Tee",
	  "A single-line drawing of an alpine ridge, printed across the "
	  "chest in water-based ink.",
	  2800, SCH_TEE, 0 },
	{ 1, "Typewriter Tee",
	  "An old portable typewriter drawn in fine lines, for people who "
	  "still like the sound of keys.",
	  2800, SCH_TEE, 0 },
	{ 1, "Botanical Print Tee",
	  "Fern fronds and ginkgo leaves printed in one colour on a "
	  "relaxed fit.",
	  2900, SCH_TEE, 0 },
	{ 1, "\xc3\x9c" "ber Soft Long Sleeve Tee",
	  "A long-sleeved tee in brushed cotton, soft enough to sleep in "
	  "and neat enough to wear out.",
	  3400, SCH_TEE, 0 },
	{ 1, "Night Owl Tee",
	  "A small embroidered owl on the pocket, for the ones who do "
	  "their best work after midnight.",
	  2900, SCH_TEE, F_SOLD_OUT },
	{ 1, "Pocket Tee",
	  "A plain tee with a chest pocket and a slightly longer back.",
	  2400, SCH_TEE, 0 },
	{ 1, "Caf\xc3\xa9 Racer Tee",
	  "A vintage motorcycle print, slightly faded on purpose.",
	  3000, SCH_TEE, 0 },

	{ 2, "A5 Linen Notebook",
	  "Linen-bound A5 notebook with 192 pages of 100 gsm paper and a "
	  "ribbon marker.",
	  1800, SCH_PAPER, F_FEATURED },
	{ 2, "Pocket Notebook Trio",
	  "Three slim notebooks that fit a back pocket, with rounded "
	  "corners and kraft covers.",
	  1200, SCH_PAPER, 0 },
	{ 2, "Dot Grid Journal",
	  "A hardback journal with a light dot grid for lists, sketches "
	  "and plans.",
	  2200, SCH_PAPER, 0 },
	{ 2, "Kraft Sketchbook",
	  "A large sketchbook of heavy cartridge paper that takes pencil, "
	  "ink and light washes.",
	  1600, SCH_SINGLE, 0 },
	{ 2, "Undated Weekly Planner",
	  "A week on every spread, without dates, so it starts when you "
	  "do.",
	  2000, SCH_SINGLE, 0 },
	{ 2, "Recipe Journal",
	  "Pages laid out for ingredients, steps and notes, with a pocket "
	  "for clippings.",
	  2400, SCH_SINGLE, 0 },
	{ 2, "Field Notes Set",
	  "Four water-resistant notebooks for walks, gardens and weather "
	  "records.",
	  1500, SCH_PAPER, F_LOW },
	{ 2, "Leather Cover Notebook",
	  "A refillable vegetable-tanned leather cover that darkens "
	  "beautifully with use.",
	  4500, SCH_SINGLE, 0 },

	{ 3, "Jardin d'\xc3\x89t\xc3\xa9 Print",
	  "A summer garden in soft greens and pinks, from a gouache "
	  "painting.",
	  2500, SCH_POSTER, F_FEATURED },
	{ 3, "Tide Chart Poster",
	  "The tides of a small harbour drawn as a calm blue chart.",
	  2500, SCH_POSTER, 0 },
	{ 3, "Mountain Sunrise Print",
	  "Layers of ridges turning orange in the first light.",
	  2700, SCH_POSTER, 0 },
	{ 3, "Botanical Fern Print",
	  "A pressed fern, scanned at high resolution and printed life "
	  "size.",
	  2500, SCH_POSTER, 0 },
	{ 3, "Lisbon City Map Print",
	  "The streets of Lisbon in fine white lines on deep navy.",
	  2900, SCH_POSTER, 0 },
	{ 3, "Night Sky Star Chart",
	  "The northern sky with its constellations named, in silver on "
	  "black.",
	  3200, SCH_POSTER, F_SOLD_OUT },
	{ 3, "Vintage Bicycle Poster",
	  "A racing bicycle from the fifties in bold flat colours.",
	  2500, SCH_POSTER, 0 },
	{ 3, "Abstract Shapes No. 3",
	  "Circles and arcs in ochre, rust and teal.",
	  2600, SCH_POSTER, 0 },

	{ 4, "Monstera Deliciosa",
	  "The Swiss cheese plant: big split leaves, forgiving nature, "
	  "happy in bright indirect light.",
	  2400, SCH_POT, F_FEATURED },
	{ 4, "Snake Plant",
	  "Upright striped leaves that cope with low light and a missed "
	  "watering or three.",
	  1800, SCH_POT, 0 },
	{ 4, "Golden Pothos",
	  "A trailing plant with heart-shaped leaves marbled in gold, for "
	  "shelves and hanging pots.",
	  1500, SCH_POT, 0 },
	{ 4, "Fiddle Leaf Fig",
	  "Large violin-shaped leaves on a tall stem, for a bright corner.",
	  3500, SCH_POT, F_LOW },
	{ 4, "String of Pearls",
	  "Strands of round green beads that spill over the rim of the "
	  "pot.",
	  1600, SCH_POT, 0 },
	{ 4, "ZZ Plant",
	  "Glossy dark leaves that thrive on neglect.",
	  2000, SCH_POT, 0 },
	{ 4, "Peace Lily",
	  "Dark leaves and white flowers that droop to tell you when to "
	  "water.",
	  1700, SCH_POT, 0 },
	{ 4, "Calathea Orbifolia",
	  "Round leaves with silver stripes that fold up at night.",
	  2600, SCH_POT, F_SOLD_OUT },

	{ 5, "Earl Grey Cr\xc3\xa8me",
	  "Black tea with bergamot and a hint of vanilla, smooth with or "
	  "without milk.",
	  900, SCH_TEA, F_FEATURED },
	{ 5, "Sencha Green Tea",
	  "A fresh, grassy Japanese green tea. Brew at 70 degrees for two "
	  "minutes.",
	  1100, SCH_TEA, 0 },
	{ 5, "Rooibos Vanilla",
	  "Caffeine-free red bush tea from South Africa with vanilla "
	  "pieces.",
	  800, SCH_TEA, 0 },
	{ 5, "Masala Chai",
	  "Assam tea with cardamom, cinnamon, ginger and clove, for "
	  "brewing in milk.",
	  900, SCH_TEA, 0 },
	{ 5, "Jasmine Pearls",
	  "Green tea leaves rolled into pearls and scented with jasmine "
	  "blossoms.",
	  1600, SCH_TEA, F_LOW },
	{ 5, "Chamomile Flowers",
	  "Whole chamomile flowers for a calm cup before bed.",
	  700, SCH_TEA, 0 },
	{ 5, "Lapsang Souchong",
	  "Black tea dried over pine fires, with a deep smoky taste.",
	  1000, SCH_TEA, 0 },
	{ 5, "Peppermint Leaves",
	  "Cut peppermint leaves, cool and bright, good after dinner.",
	  700, SCH_TEA, 0 },

	{ 6, "Cr\xc3\xa8me Br\xc3\xbbl\xc3\xa9" "e Candle",
	  "Caramelised sugar and warm vanilla, like the top of the "
	  "dessert.",
	  2200, SCH_CANDLE, F_FEATURED },
	{ 6, "Fig & Cedar Candle",
	  "Green fig and cedarwood, fresh and woody.",
	  2400, SCH_CANDLE, 0 },
	{ 6, "Sea Salt Candle",
	  "Sea air, salt and a little driftwood.",
	  2200, SCH_CANDLE, 0 },
	{ 6, "Lavender Field Candle",
	  "Provence lavender with a touch of rosemary.",
	  2200, SCH_CANDLE, 0 },
	{ 6, "Woodsmoke Candle",
	  "Birch smoke and amber, for long evenings.",
	  2600, SCH_CANDLE, F_SOLD_OUT },
	{ 6, "Orange Blossom Candle",
	  "Neroli and orange blossom, light and sunny.",
	  2200, SCH_CANDLE, 0 },
	{ 6, "Tomato Leaf Candle",
	  "The smell of a greenhouse in July.",
	  2400, SCH_CANDLE, 0 },
	{ 6, "Winter Pine Candle",
	  "Pine needles, cold air and a little clove.",
	  2400, SCH_CANDLE, 0 },

	{ 7, "Merino Hiking Socks",
	  "Cushioned merino socks that stay warm when wet and do not "
	  "smell after a long day.",
	  1900, SCH_SOCKS, F_FEATURED },
	{ 7, "Rib Knit Socks",
	  "Everyday socks in a fine rib that stays up.",
	  1200, SCH_SOCKS, 0 },
	{ 7, "Striped Cotton Socks",
	  "Bright stripes in recycled cotton with a reinforced heel.",
	  1200, SCH_SOCKS, 0 },
	{ 7, "Wool Bed Socks",
	  "Loose, thick wool socks for cold floors and cold feet.",
	  1600, SCH_SOCKS, 0 },
	{ 7, "Cable Knit Socks",
	  "Chunky cable-knit socks for boots and slippers.",
	  1800, SCH_SOCKS, F_LOW },
	{ 7, "Ankle Socks Three-Pack",
	  "Three pairs of low socks for trainers.",
	  1500, SCH_SOCKS, 0 },
	{ 7, "Alpaca Blend Socks",
	  "Alpaca and wool, light and very warm.",
	  2200, SCH_SOCKS, 0 },
	{ 7, "Fair Isle Socks",
	  "A traditional Fair Isle pattern knitted in four colours.",
	  2000, SCH_SOCKS, 0 },
};

#define NPRODUCTS	(sizeof(products) / sizeof(products[0]))

/* What checkout needs: two ways to ship and the demo store's taxes. */
static const struct {
	const char	*code;
	const char	*name;
	long long	 price;		/* minor units, whatever the currency */
	long long	 free_over;	/* the same; -1: never free */
} shipping[] = {
	{ "standard", "Standard (3-5 days)", 495, 5000 },
	{ "express", "Express (next day)", 1290, -1 },
};

static const struct tax_rate taxes[] = {
	{ "FR", "VAT", 2000, true },
	{ "DE", "VAT", 1900, true },
	{ "NL", "VAT", 2100, true },
	{ "BE", "VAT", 2100, true },
	{ "ES", "VAT", 2100, true },
	{ "IT", "VAT", 2200, true },
	{ "AT", "VAT", 2000, true },
	{ "GB", "VAT", 2000, true },
	{ "US", "Sales tax", 825, false },
	{ "CA", "Sales tax", 1300, false },
};

/*
 * Zones: the EU countries the shop ships to get the methods above; the
 * default zone of the migration (sql/primary/0111), with the other
 * countries, becomes the rest of the world, with one method of its own.
 */
static const char *const eu_countries[] = {
	"AT", "BE", "CZ", "DE", "DK", "ES", "FI", "FR", "GR", "IE", "IT",
	"LU", "NL", "PL", "PT", "SE",
};
static const char *const world_countries[] = {
	"AU", "CA", "CH", "GB", "JP", "NO", "NZ", "US",
};
#define NEU		(sizeof(eu_countries) / sizeof(eu_countries[0]))
#define NWORLD		(sizeof(world_countries) / sizeof(world_countries[0]))

#define NSHIPPING	(sizeof(shipping) / sizeof(shipping[0]))
#define NTAXES		(sizeof(taxes) / sizeof(taxes[0]))

/* What was written, for the summary. */
struct seed_count {
	int	categories;
	int	products;
	int	variants;
	int	images;
	int	sold_out;
	int	low;
};

/* A gallery picture, written before the transaction that adds its row. */
struct seed_photo {
	char			 base[IMAGE_MAX_BASE + 1];
	struct image_info	 info;
};

/* How many values an option of a scheme has (0 when it is absent). */
static int
nvalues(const struct seed_option *o)
{
	int	n = 0;

	while (o->name != NULL && n < MAX_VALUES && o->values[n] != NULL)
		n++;
	return n;
}

/*
 * The stock of variant v of product p: a spread of levels from the
 * product's place in the table, with some variants sold out and some
 * low; a product flagged sold out or low has all variants so.
 */
static long long
stock_level(size_t p, int v, unsigned flags)
{
	if (flags & F_SOLD_OUT)
		return 0;
	if (flags & F_LOW)
		return v == 0 ? 2 : v == 1 ? 1 : 0;
	if ((p * 3 + (size_t)v) % 10 == 7)
		return 0;
	if ((p + (size_t)v) % 13 == 5)
		return 4;
	return 6 + (long long)((p * 11 + (size_t)v * 7) % 40);
}

/* A price in hundredths as minor units of the currency. */
static long long
minor_units(long long hundredths, const char *currency)
{
	int	exp = money_exponent(currency);

	for (; exp > 2; exp--)
		hundredths *= 10;
	for (; exp < 2; exp++)
		hundredths /= 10;
	return hundredths;
}

static int
mkdir_one(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		ctl_err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The placeholder image of a product as an SVG document in out: the
 * category's colour and drawing, the product's name below it. The name
 * is written by libxml2, so it is escaped. Returns 0 or -1.
 */
static int
svg_make(struct buf *out, const struct seed_category *cat, const char *name,
    size_t shade)
{
	xmlBufferPtr		 xb;
	xmlTextWriterPtr	 w;
	char			 dim[16], view[32];
	int			 rc = 0;

	snprintf(dim, sizeof(dim), "%d", IMAGE_SIZE);
	snprintf(view, sizeof(view), "0 0 %d %d", IMAGE_SIZE, IMAGE_SIZE);
	if ((xb = xmlBufferCreate()) == NULL)
		return -1;
	if ((w = xmlNewTextWriterMemory(xb, 0)) == NULL) {
		xmlBufferFree(xb);
		return -1;
	}
	if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "svg") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns",
	    BAD_CAST "http://www.w3.org/2000/svg") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "width", BAD_CAST dim) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "height",
	    BAD_CAST dim) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "viewBox",
	    BAD_CAST view) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "role", BAD_CAST "img") < 0 ||
	    xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST name) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "rect") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "width",
	    BAD_CAST "100%") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "height",
	    BAD_CAST "100%") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "fill",
	    BAD_CAST cat->colour) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    /* A lighter disc behind the drawing, shifted per product. */
	    xmlTextWriterStartElement(w, BAD_CAST "circle") < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "cx", "%zu",
	    240 + (shade * 29) % 120) < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "cy", "%zu",
	    240 + (shade * 17) % 100) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "r", BAD_CAST "210") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "fill",
	    BAD_CAST "#fff") < 0 ||
	    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "fill-opacity",
	    "0.%zu", 10 + (shade * 7) % 15) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "g") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "fill",
	    BAD_CAST "#fdf8f0") < 0 ||
	    xmlTextWriterWriteRaw(w, BAD_CAST cat->drawing) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "text") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "x", BAD_CAST "300") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "y", BAD_CAST "540") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "text-anchor",
	    BAD_CAST "middle") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "font-family",
	    BAD_CAST "system-ui, sans-serif") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "font-size",
	    BAD_CAST "34") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "fill",
	    BAD_CAST "#fff") < 0 ||
	    xmlTextWriterWriteString(w, BAD_CAST name) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterEndDocument(w) < 0)
		rc = -1;
	xmlFreeTextWriter(w);
	if (rc == 0)
		buf_append(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
	xmlBufferFree(xb);
	return rc;
}

/*
 * Write len bytes to path through a temporary file and a rename, so a
 * reader never sees half an image. Returns 0, or -1 after saying why.
 */
static int
file_write(struct arena *a, const char *path, const char *p, size_t len)
{
	char	*tmp = arena_printf(a, "%s.tmp", path);
	FILE	*f;
	size_t	 n;

	if ((f = fopen(tmp, "w")) == NULL) {
		ctl_err("%s: %s", tmp, strerror(errno));
		return -1;
	}
	n = fwrite(p, 1, len, f);
	if (fclose(f) != 0 || n != len) {
		ctl_err("%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		ctl_err("%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Say why what could not be added; returns -1. */
static int
refused(const char *what, enum catalog_result rc)
{
	ctl_err("seed: cannot add %s: %s", what, catalog_result_names[rc]);
	return -1;
}

/* created_at of the product at index i: days apart, out of table order. */
static long long
created_at(size_t i)
{
	return SEED_EPOCH + (long long)((i * 17) % NPRODUCTS) * 86400 +
	    (long long)(i % 7) * 3600;
}

/* The variants of product i (row id pid), crossed from its scheme. */
static int
add_variants(struct ctl *c, struct db *d, size_t i, long long pid,
    const char *currency, struct seed_count *n)
{
	const struct seed_product	*sp = &products[i];
	const struct seed_scheme	*sch = &schemes[sp->scheme];
	const struct seed_category	*cat = &categories[sp->category];
	const struct seed_option	*o1 = &sch->opt[0], *o2 = &sch->opt[1];
	int				 n1 = nvalues(o1), n2 = nvalues(o2);
	int				 a, b, pos = 0;
	long long			 total = 0, vid;

	for (a = 0; a < (n1 ? n1 : 1); a++)
		for (b = 0; b < (n2 ? n2 : 1); b++, pos++) {
			struct variant_option	 opt[2];
			struct variant_input	 in = { 0 };
			enum catalog_result	 rc;
			const char		*v1, *v2;
			char			*sku, *p;
			long long		 price = sp->price;

			v1 = n1 ? o1->values[a] : NULL;
			v2 = n2 ? o2->values[b] : NULL;
			if (n1)
				price += o1->delta[a];
			if (n2)
				price += o2->delta[b];
			if (v1 == NULL)
				in.title = "One size";
			else if (v2 == NULL)
				in.title = v1;
			else
				in.title = arena_printf(c->arena, "%s / %s", v1,
				    v2);
			sku = v1 ? arena_printf(c->arena, "%s-%02zu-%s",
			    cat->sku, i % 8 + 1, text_slug(c->arena, in.title)) :
			    arena_printf(c->arena, "%s-%02zu", cat->sku, i % 8 + 1);
			for (p = sku; *p != '\0'; p++)
				if (*p >= 'a' && *p <= 'z')
					*p = (char)(*p - 'a' + 'A');
			if (v1 != NULL)
				opt[in.noptions++] = (struct variant_option){
				    o1->name, v1 };
			if (v2 != NULL)
				opt[in.noptions++] = (struct variant_option){
				    o2->name, v2 };
			in.sku = sku;
			in.options = opt;
			in.price = minor_units(price, currency);
			in.currency = currency;
			in.stock = stock_level(i, pos, sp->flags);
			in.position = pos;
			in.active = true;
			total += in.stock;
			if ((rc = variant_create(d, pid, &in, SEED_ACTOR,
			    &vid)) != CATALOG_OK)
				return refused(sku, rc);
			n->variants++;
		}
	if (total == 0)
		n->sold_out++;
	else if (total <= 5)
		n->low++;
	return 0;
}

/* "#b5651d" into rgb. */
static void
colour_of(const char *hex, unsigned char rgb[3])
{
	unsigned int	r = 0x80, g = 0x80, b = 0x80;

	(void)sscanf(hex, "#%02x%02x%02x", &r, &g, &b);
	rgb[0] = (unsigned char)r;
	rgb[1] = (unsigned char)g;
	rgb[2] = (unsigned char)b;
}

/* The base name of product i's picture k (1..PHOTOS), into out. */
static void
photo_base(size_t i, int k, char out[IMAGE_MAX_BASE + 1])
{
	snprintf(out, IMAGE_MAX_BASE + 1, "seed-p%02zu-%d", i + 1, k);
}

/*
 * Draw and write the gallery pictures of every product into images
 * (products/ of the media directory), outside any transaction, as
 * image.h asks; files a previous seed left under the same names are
 * replaced. Returns 0, or -1 after saying why, with what it wrote
 * removed.
 */
static int
photos_make(struct seed_photo *photos, const char *images)
{
	struct image_drawing	 dr;
	enum image_err		 e;
	size_t			 i, len;
	void			*png;
	char			 err[256];
	int			 k;

	for (i = 0; i < NPRODUCTS; i++)
		for (k = 1; k <= PHOTOS; k++) {
			struct seed_photo *ph = &photos[i * PHOTOS + k - 1];
			const struct seed_category *cat =
			    &categories[products[i].category];

			memset(&dr, 0, sizeof(dr));
			dr.width = dr.height = PHOTO_SIZE;
			colour_of(cat->colour, dr.background);
			/* A lighter wash of it for the second picture. */
			if (k == 2) {
				dr.background[0] = (unsigned char)(255 -
				    (255 - dr.background[0]) / 2);
				dr.background[1] = (unsigned char)(255 -
				    (255 - dr.background[1]) / 2);
				dr.background[2] = (unsigned char)(255 -
				    (255 - dr.background[2]) / 2);
			}
			dr.ink[0] = k == 2 ? 40 : 253;
			dr.ink[1] = k == 2 ? 35 : 248;
			dr.ink[2] = k == 2 ? 30 : 240;
			dr.shape = (enum image_shape)((i + (size_t)k) %
			    IMAGE_SHAPE__MAX);
			dr.x = 220 + (int)((i * 37 + (size_t)k * 61) % 200);
			dr.y = 200 + (int)((i * 23 + (size_t)k * 41) % 120);
			dr.size = 90 + (int)((i * 13 + (size_t)k * 29) % 70);
			dr.caption = products[i].name;
			photo_base(i, k, ph->base);
			(void)image_remove(images, ph->base, err, sizeof(err));
			e = image_draw_png(&dr, &png, &len, err, sizeof(err));
			if (e == IMAGE_OK) {
				e = image_ingest(png, len, images, ph->base,
				    &ph->info, err, sizeof(err));
				free(png);
			}
			if (e != IMAGE_OK) {
				ctl_err("seed: cannot draw a picture of %s: "
				    "%s: %s", products[i].name,
				    image_err_names[e], err);
				return -1;
			}
		}
	return 0;
}

/* Remove every gallery picture photos_make() wrote. */
static void
photos_remove(const char *images)
{
	char	base[IMAGE_MAX_BASE + 1], err[256];
	size_t	i;
	int	k;

	for (i = 0; i < NPRODUCTS; i++)
		for (k = 1; k <= PHOTOS; k++) {
			photo_base(i, k, base);
			(void)image_remove(images, base, err, sizeof(err));
		}
}

/* The rows of product i's gallery pictures (pid), after its drawing. */
static int
add_photos(struct ctl *c, struct db *d, size_t i, long long pid,
    const struct seed_photo *photos, struct seed_count *n)
{
	static const char *const views[PHOTOS] = { "close up", "on a light "
	    "background" };
	const struct seed_photo	*ph;
	const struct image_size	*big;
	enum catalog_result	 rc;
	int			 widths[IMAGE_MAX_SIZES], k;
	size_t			 j;

	if (photos[i * PHOTOS].info.nsizes == 0)	/* --no-gallery */
		return 0;
	for (k = 1; k <= PHOTOS; k++) {
		ph = &photos[i * PHOTOS + k - 1];
		big = &ph->info.sizes[ph->info.nsizes - 1];
		for (j = 0; j < ph->info.nsizes; j++)
			widths[j] = ph->info.sizes[j].width;
		rc = image_add(d, pid, &(struct image_input){
		    .path = arena_printf(c->arena, "products/%s", big->jpeg),
		    .alt = arena_printf(c->arena, "Illustration of the %s, %s",
		        products[i].name, views[k - 1]),
		    .width = big->width,
		    .height = big->height,
		    .position = k,
		    .base = arena_printf(c->arena, "products/%s", ph->base),
		    .widths = widths,
		    .nwidths = ph->info.nsizes,
		}, NULL);
		if (rc != CATALOG_OK)
			return refused(ph->base, rc);
		n->images++;
	}
	return 0;
}

/* Product i with its variants and its image (file and row). */
static int
add_product(struct ctl *c, struct db *d, size_t i, const long long *catid,
    const char *images, const struct seed_photo *photos,
    const char *currency, struct seed_count *n)
{
	const struct seed_product	*sp = &products[i];
	const struct seed_category	*cat = &categories[sp->category];
	struct buf			 svg = { 0 };
	enum catalog_result		 rc;
	char				*slug, *path;
	long long			 pid;
	int				 wrote;

	slug = text_slug(c->arena, sp->name);
	rc = product_create(d, c->arena, &(struct product_input){
	    .name = sp->name,
	    .slug = slug,
	    .description = sp->description,
	    .category_id = catid[sp->category],
	    .active = true,
	    .featured = (sp->flags & F_FEATURED) != 0,
	    .created_at = created_at(i),
	}, &pid);
	if (rc != CATALOG_OK)
		return refused(sp->name, rc);
	n->products++;
	if (add_variants(c, d, i, pid, currency, n) != 0)
		return -1;

	if (svg_make(&svg, cat, sp->name, i) != 0) {
		ctl_err("seed: cannot draw the image of %s", sp->name);
		buf_free(&svg);
		return -1;
	}
	path = arena_printf(c->arena, "%s/%s.svg", images, slug);
	wrote = file_write(c->arena, path, svg.p, svg.len);
	buf_free(&svg);
	if (wrote != 0)
		return -1;
	rc = image_add(d, pid, &(struct image_input){
	    .path = arena_printf(c->arena, "products/%s.svg", slug),
	    .alt = arena_printf(c->arena, "Illustration of the %s", sp->name),
	    .width = IMAGE_SIZE,
	    .height = IMAGE_SIZE,
	}, NULL);
	if (rc != CATALOG_OK)
		return refused(path, rc);
	n->images++;
	return add_photos(c, d, i, pid, photos, n);
}

/*
 * The demo store's own texts for the shop's pages that nobody has
 * changed since the migration wrote them (version 1): its name and what
 * it sells. "%s" is the shop's name (SHOP_NAME).
 */
static const struct {
	const char	*slug;
	const char	*title;
	const char	*body;
} demo_pages[] = {
	{ "about", "About us",
	  "%s is a small independent shop of things for everyday life: "
	  "mugs, candles, notebooks, tees, socks, plants, prints and "
	  "kitchen goods, eight shelves of eight.\n\n"
	  "## How we work\n\n"
	  "- We choose every product ourselves, and keep the range small "
	  "so that we know each one well.\n"
	  "- Prices include tax: what a product page says is what you pay, "
	  "apart from shipping, which checkout shows before you pay.\n"
	  "- A question before or after you order? "
	  "[Write to us](/pages/contact).\n" },
	{ "contact", "Contact",
	  "We answer every message to %s within two working days.\n\n"
	  "- **Email:** shop@example.com\n"
	  "- **Post:** 1 Example Street, 75000 Paris, France\n\n"
	  "Please give your order number if your message is about an "
	  "order. For a return, see [Returns and refunds](/pages/returns)."
	  "\n" },
};

/* The demo texts of demo_pages (in the write). Returns 0 or -1. */
static int
seed_pages(struct ctl *c, struct db *d)
{
	struct content_page	 p;
	enum content_result	 rc;
	size_t			 i;
	int			 found;

	for (i = 0; i < sizeof(demo_pages) / sizeof(demo_pages[0]); i++) {
		if ((found = content_page_get(d, c->arena, demo_pages[i].slug,
		    &p)) < 0) {
			ctl_err("seed: cannot read the page %s: %s",
			    demo_pages[i].slug, db_errmsg(d));
			return -1;
		}
		if (found == 0 || p.version != 1)
			continue;
		rc = content_page_save(d, c->arena, demo_pages[i].slug,
		    demo_pages[i].title, arena_printf(c->arena,
		    demo_pages[i].body, c->cfg.name), 1, NULL);
		if (rc != CONTENT_OK) {
			ctl_err("seed: cannot write the page %s: %s",
			    demo_pages[i].slug, content_result_names[rc]);
			return -1;
		}
	}
	return 0;
}

/*
 * The EU zone with the seed's methods, and the rest of the world (the
 * default zone) with an international one, in the open write. 0, or -1
 * after saying why.
 */
static int
seed_zones(struct ctl *c, struct db *d, const char *currency)
{
	struct shipping_zone		 eu, world;
	struct shipping_method_zones	*all, intl;
	long long			 eu_id, world_id;
	size_t				 n, i;

	if ((world_id = shipping_default_zone(d)) <= 0) {
		ctl_err("seed: no default shipping zone: migrate first");
		return -1;
	}
	memset(&eu, 0, sizeof(eu));
	eu.name = (char *)"EU";
	eu.countries = (char **)eu_countries;
	eu.ncountries = NEU;
	memset(&world, 0, sizeof(world));
	world.id = world_id;
	world.name = (char *)"Rest of the world";
	world.countries = (char **)world_countries;
	world.ncountries = NWORLD;
	if (shipping_zone_put(d, c->arena, &eu, NULL) != SHIPPING_SAVED ||
	    shipping_zone_put(d, c->arena, &world, NULL) != SHIPPING_SAVED)
		goto fail;
	eu_id = eu.id;
	if ((all = shipping_methods_all(d, c->arena, &n)) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		all[i].zones = &eu_id;
		all[i].nzones = 1;
		if (shipping_method_put(d, c->arena, &all[i], NULL) !=
		    SHIPPING_SAVED)
			goto fail;
	}
	memset(&intl, 0, sizeof(intl));
	intl.m.code = (char *)"international";
	intl.m.name = (char *)"International (7-12 days)";
	intl.m.price = 1900;
	intl.m.currency = (char *)currency;
	intl.m.free_over = -1;
	intl.m.min_weight = intl.m.max_weight = -1;
	intl.m.active = true;
	intl.m.position = (long long)NSHIPPING + 1;
	intl.zones = &world_id;
	intl.nzones = 1;
	if (shipping_method_put(d, c->arena, &intl, NULL) != SHIPPING_SAVED)
		goto fail;
	ctl_say(c, "  2 shipping zones (EU, rest of the world)\n");
	return 0;
fail:
	ctl_err("seed: cannot set up the shipping zones: %s", db_errmsg(d));
	return -1;
}

/*
 * Everything, inside the open write transaction. Returns 0, 1 when the
 * store already has products, or -1 after saying why.
 */
static int
seed_all(struct ctl *c, struct db *d, const char *images,
    const struct seed_photo *photos, struct seed_count *n)
{
	const char		*currency = c->cfg.currency;
	enum catalog_result	 rc;
	long long		 catid[NCATEGORIES];
	size_t			 i;
	int			 have;

	if ((have = catalog_has_products(d)) < 0) {
		ctl_err("seed: cannot count the products: %s", db_errmsg(d));
		return -1;
	}
	if (have)
		return 1;
	for (i = 0; i < NCATEGORIES; i++) {
		rc = category_create(d, c->arena, &(struct category_input){
		    .name = categories[i].name,
		    .slug = categories[i].slug,
		    .description = categories[i].description,
		    .position = (long long)i + 1,
		}, &catid[i]);
		if (rc != CATALOG_OK)
			return refused(categories[i].name, rc);
		n->categories++;
	}
	ctl_say(c, "  %d categories\n", n->categories);
	for (i = 0; i < NPRODUCTS; i++) {
		if (add_product(c, d, i, catid, images, photos, currency,
		    n) != 0)
			return -1;
		if ((i + 1) % 16 == 0 || i + 1 == NPRODUCTS)
			ctl_say(c, "  %zu of %zu products\n", i + 1, NPRODUCTS);
	}
	for (i = 0; i < NSHIPPING; i++)
		if (shipping_method_add(d, &(struct shipping_method){
		    .code = (char *)shipping[i].code,
		    .name = (char *)shipping[i].name,
		    .price = shipping[i].price,
		    .currency = (char *)currency,
		    .free_over = shipping[i].free_over,
		}, (int)i + 1) < 0) {
			ctl_err("seed: cannot add shipping method %s: %s",
			    shipping[i].code, db_errmsg(d));
			return -1;
		}
	if (seed_zones(c, d, currency) != 0)
		return -1;
	for (i = 0; i < NTAXES; i++)
		if (tax_rate_add(d, &taxes[i]) < 0) {
			ctl_err("seed: cannot add the tax rate of %s: %s",
			    taxes[i].country, db_errmsg(d));
			return -1;
		}
	ctl_say(c, "  %zu shipping methods, %zu tax rates\n", NSHIPPING + 1,
	    NTAXES);
	return seed_pages(c, d);
}

static void
seed_usage(FILE *f)
{
	fprintf(f, "usage: shopctl seed [--if-empty] [--no-gallery]\n"
	    "  fill an empty store with a demo catalog; --if-empty does\n"
	    "  nothing (and succeeds) when the store has products;\n"
	    "  --no-gallery gives each product its drawing alone, without\n"
	    "  the pictures of its gallery (quicker)\n");
}

int
ctl_seed(struct ctl *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "if-empty", no_argument, NULL, 'e' },
		{ "no-gallery", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct seed_count		 n = { 0 };
	struct seed_photo		*photos;
	struct db			*d;
	const char			*media, *images;
	int				 ch, if_empty = 0, gallery = 1, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			if_empty = 1;
			break;
		case 'g':
			gallery = 0;
			break;
		case 'h':
			seed_usage(stdout);
			return 0;
		default:
			seed_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		ctl_err("seed: unexpected argument \"%s\"", argv[optind]);
		seed_usage(stderr);
		return 2;
	}
	if (!money_known(c->cfg.currency)) {
		ctl_err("seed: SHOP_CURRENCY %s is not a currency this shop "
		    "can show and charge", c->cfg.currency);
		return 1;
	}
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	/* SHOP_MEDIA_DIR, or media/ in the data directory. */
	media = c->cfg.media_dir;
	images = arena_printf(c->arena, "%s/products", media);
	if (mkdir_one(media) != 0 || mkdir_one(images) != 0)
		return 1;
	/* The pictures first, outside the write; only for an empty store. */
	if ((rc = catalog_has_products(d)) < 0) {
		ctl_err("seed: cannot count the products: %s", db_errmsg(d));
		return 1;
	}
	photos = arena_calloc(c->arena, NPRODUCTS * PHOTOS, sizeof(*photos));
	if (rc == 0 && gallery) {
		ctl_say(c, "  drawing %zu pictures\n", NPRODUCTS * PHOTOS);
		if (photos_make(photos, images) != 0) {
			photos_remove(images);
			return 1;
		}
	}
	if (db_begin(d) != 0) {
		ctl_err("seed: %s", db_errmsg(d));
		if (photos[0].info.nsizes > 0)
			photos_remove(images);
		return 1;
	}
	if ((rc = seed_all(c, d, images, photos, &n)) != 0) {
		db_rollback(d);
		if (rc < 0 || photos[0].info.nsizes > 0)
			photos_remove(images);
		if (rc < 0)
			return 1;
		if (if_empty)
			return 0;
		ctl_err("seed: the store already has products; seed only "
		    "fills an empty store (--if-empty skips this quietly)");
		return 1;
	}
	if (db_commit(d) != 0) {
		ctl_err("seed: commit failed: %s", db_errmsg(d));
		if (photos[0].info.nsizes > 0)
			photos_remove(images);
		return 1;
	}
	ctl_say(c, "seed: %d categories, %d products (%d sold out, %d low "
	    "in stock), %d variants in %s, %d images in %s\n", n.categories,
	    n.products, n.sold_out, n.low, n.variants, c->cfg.currency,
	    n.images, images);
	return 0;
}
