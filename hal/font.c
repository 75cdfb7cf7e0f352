/*
 * font: see font.h.
 *
 * Glyphs are rendered with FT_LOAD_TARGET_MONO (a bitmap font's own bits,
 * no anti-aliasing: the OLED has no grey) and kept in a small cache keyed
 * by code point, since a screen redraws the same few hundred characters
 * and FreeType's PCF loader is not free on a Raspberry Pi.
 */
#include "font.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define CACHE_SLOTS 1024
#define CACHE_SIDE 32 /* glyphs up to 32x32 are cached */

struct cached_glyph {
	uint32_t cp;
	bool used;
	bool missing;
	int16_t advance, left, top, width, rows;
	uint32_t bits[CACHE_SIDE]; /* one row per element, bit 31 = leftmost */
};

struct font {
	FT_Library lib;
	FT_Face face; /* NULL: placeholder font */
	char path[256];
	int px, height, ascent;
	struct cached_glyph *cache;
	uint32_t reported[FONT_REPORT_MAX];
	unsigned n_reported;
	bool reported_overflow;
	unsigned missing;
};

struct font *font_open(const char *path, int px)
{
	struct font *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	snprintf(f->path, sizeof(f->path), "%s", path ? path : "");
	f->px = px > 0 ? px : 12;
	f->height = f->px;
	f->ascent = f->px - f->px / 6;
	f->cache = calloc(CACHE_SLOTS, sizeof(*f->cache));
	if (!f->cache) {
		free(f);
		return NULL;
	}
	int err = FT_Init_FreeType(&f->lib);
	if (err) {
		log_error("font: FreeType cannot start (error %d); text is drawn as boxes", err);
		f->lib = NULL;
		return f;
	}
	err = FT_New_Face(f->lib, f->path, 0, &f->face);
	if (err) {
		log_error("font: cannot load %s (FreeType error %d); text is drawn as boxes until "
			  "it is installed (Debian package xfonts-efont-unicode)", f->path, err);
		f->face = NULL;
		return f;
	}
	if (FT_Select_Charmap(f->face, FT_ENCODING_UNICODE) != 0) {
		log_error("font: %s has no Unicode charmap; text is drawn as boxes", f->path);
		FT_Done_Face(f->face);
		f->face = NULL;
		return f;
	}
	/* A bitmap font: pick the strike closest to px. An outline font: size it. */
	if (f->face->num_fixed_sizes > 0) {
		int best = 0;
		for (int i = 1; i < f->face->num_fixed_sizes; i++) {
			int d = abs(f->face->available_sizes[i].height - f->px);
			if (d < abs(f->face->available_sizes[best].height - f->px))
				best = i;
		}
		err = FT_Select_Size(f->face, best);
	} else {
		err = FT_Set_Pixel_Sizes(f->face, 0, (FT_UInt)f->px);
	}
	if (err) {
		log_error("font: cannot size %s (FreeType error %d); text is drawn as boxes", f->path,
			  err);
		FT_Done_Face(f->face);
		f->face = NULL;
		return f;
	}
	f->height = (int)(f->face->size->metrics.height >> 6);
	f->ascent = (int)(f->face->size->metrics.ascender >> 6);
	if (f->height <= 0 || f->height > 256)
		f->height = f->px;
	if (f->ascent <= 0 || f->ascent > f->height)
		f->ascent = f->height - f->height / 6;
	f->px = f->height;
	return f;
}

void font_close(struct font *f)
{
	if (!f)
		return;
	if (f->face)
		FT_Done_Face(f->face);
	if (f->lib)
		FT_Done_FreeType(f->lib);
	free(f->cache);
	free(f);
}

bool font_is_placeholder(const struct font *f) { return f->face == NULL; }
int font_height(const struct font *f) { return f->height; }
int font_ascent(const struct font *f) { return f->ascent; }
unsigned font_missing_count(const struct font *f) { return f->missing; }

/* East Asian wide characters take a full cell; everything else half. Only
 * used for placeholders, whose real width we cannot know. */
static bool is_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	       (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x1F000;
}

static int placeholder_advance(const struct font *f, uint32_t cp)
{
	return is_wide(cp) ? f->height : (f->height + 1) / 2;
}

static void report_missing(struct font *f, uint32_t cp)
{
	for (unsigned i = 0; i < f->n_reported; i++)
		if (f->reported[i] == cp)
			return;
	f->missing++;
	if (f->n_reported < FONT_REPORT_MAX) {
		f->reported[f->n_reported++] = cp;
		if (f->face)
			log_warn("font: %s has no glyph for U+%04X; drawn as a box", f->path,
				 (unsigned)cp);
		return;
	}
	if (!f->reported_overflow) {
		f->reported_overflow = true;
		log_warn("font: %s lacks more characters; no more are reported", f->path);
	}
}

/* The cache slot for cp, filled on first use. NULL only if cp's glyph is
 * too big to cache (then *direct tells the caller to draw from the face). */
static struct cached_glyph *lookup(struct font *f, uint32_t cp, bool *direct)
{
	*direct = false;
	struct cached_glyph *g = &f->cache[(cp * 2654435761u) % CACHE_SLOTS];
	if (g->used && g->cp == cp)
		return g;
	memset(g, 0, sizeof(*g));
	g->used = true;
	g->cp = cp;
	if (!f->face) {
		g->missing = true;
		g->advance = (int16_t)placeholder_advance(f, cp);
		return g;
	}
	FT_UInt index = FT_Get_Char_Index(f->face, cp);
	if (index == 0 || FT_Load_Glyph(f->face, index, FT_LOAD_RENDER | FT_LOAD_TARGET_MONO) != 0 ||
	    f->face->glyph->bitmap.pixel_mode != FT_PIXEL_MODE_MONO) {
		g->missing = true;
		g->advance = (int16_t)placeholder_advance(f, cp);
		return g;
	}
	FT_GlyphSlot slot = f->face->glyph;
	g->advance = (int16_t)(slot->advance.x >> 6);
	g->left = (int16_t)slot->bitmap_left;
	g->top = (int16_t)slot->bitmap_top;
	if (slot->bitmap.width > CACHE_SIDE || slot->bitmap.rows > CACHE_SIDE) {
		g->used = false; /* drawn straight from the slot each time */
		*direct = true;
		return NULL;
	}
	g->width = (int16_t)slot->bitmap.width;
	g->rows = (int16_t)slot->bitmap.rows;
	for (int y = 0; y < g->rows; y++) {
		const unsigned char *row = slot->bitmap.buffer + (long)y * slot->bitmap.pitch;
		uint32_t bits = 0;
		for (int x = 0; x < g->width; x++)
			if (row[x >> 3] & (0x80 >> (x & 7)))
				bits |= 0x80000000u >> x;
		g->bits[y] = bits;
	}
	return g;
}

int font_advance(struct font *f, uint32_t cp)
{
	bool direct;
	struct cached_glyph *g = lookup(f, cp, &direct);
	if (direct)
		return (int)(f->face->glyph->advance.x >> 6);
	return g->advance;
}

bool font_has_glyph(struct font *f, uint32_t cp)
{
	return f->face && FT_Get_Char_Index(f->face, cp) != 0;
}

/* A hollow box a little inside the character's cell: plainly "something
 * is missing here", and never mistaken for a letter. */
static void draw_placeholder(struct font *f, struct canvas *c, int x, int top, int advance,
			     uint32_t color)
{
	int h = f->height - 2;
	int w = advance - 2;
	if (w < 3)
		w = 3;
	canvas_rect(c, x + 1, top + 1, w, h, color);
}

int font_draw(struct font *f, struct canvas *c, int x, int top, uint32_t cp, uint32_t color)
{
	bool direct;
	struct cached_glyph *g = lookup(f, cp, &direct);
	int baseline = top + f->ascent;
	if (direct) {
		FT_GlyphSlot slot = f->face->glyph;
		for (unsigned y = 0; y < slot->bitmap.rows; y++) {
			const unsigned char *row = slot->bitmap.buffer + (long)y * slot->bitmap.pitch;
			for (unsigned xx = 0; xx < slot->bitmap.width; xx++)
				if (row[xx >> 3] & (0x80 >> (xx & 7)))
					canvas_set(c, x + slot->bitmap_left + (int)xx,
						   baseline - slot->bitmap_top + (int)y, color);
		}
		return (int)(slot->advance.x >> 6);
	}
	if (g->missing) {
		report_missing(f, cp);
		draw_placeholder(f, c, x, top, g->advance, color);
		return g->advance;
	}
	for (int y = 0; y < g->rows; y++) {
		uint32_t bits = g->bits[y];
		for (int xx = 0; bits; xx++, bits <<= 1)
			if (bits & 0x80000000u)
				canvas_set(c, x + g->left + xx, baseline - g->top + y, color);
	}
	return g->advance;
}
