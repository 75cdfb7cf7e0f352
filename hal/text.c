/*
 * text: see text.h.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

size_t utf8_next(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c = p[0], min;
	size_t n;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, c &= 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, c &= 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (n > len) {
		*cp = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = c;
	return n;
}

/* JIS X 4051's "characters that may not start a line", with their
 * full-width forms and ASCII closers. */
bool text_no_line_start(uint32_t cp)
{
	static const uint32_t list[] = {
		0x3001, 0x3002, 0xFF0C, 0xFF0E, 0x30FB, 0xFF1A, 0xFF1B, 0xFF1F, 0xFF01, /* 、。，．・：；？！ */
		0x309B, 0x309C, 0x30FC, 0x2015, 0x2010, 0x30A0, 0x301C, 0xFF5E,         /* ゛゜ー―‐゠〜～ */
		0x2026, 0x2025, 0x3005, 0x303B, 0x309D, 0x309E, 0x30FD, 0x30FE,         /* …‥々〻ゝゞヽヾ */
		0x300D, 0x300F, 0xFF09, 0xFF3D, 0xFF5D, 0x3009, 0x300B, 0x3011, 0x3015, /* 」』）］｝〉》】〕 */
		0x3017, 0x3019, 0x301F, 0x2019, 0x201D, 0xFF60, 0x00BB,                 /* 〗〙〟’”｠» */
		0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085, 0x3087, /* ぁぃぅぇぉっゃゅょ */
		0x308E, 0x3095, 0x3096, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30C3, /* ゎゕゖァィゥェォッ */
		0x30E3, 0x30E5, 0x30E7, 0x30EE, 0x30F5, 0x30F6, 0x31F0, 0xFF61, 0xFF64, /* ャュョヮヵヶㇰ｡､ */
		')', ']', '}', ',', '.', ':', ';', '!', '?', '%',
	};
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (list[i] == cp)
			return true;
	return false;
}

bool text_no_line_end(uint32_t cp)
{
	static const uint32_t list[] = {
		0x300C, 0x300E, 0xFF08, 0xFF3B, 0xFF5B, 0x3008, 0x300A, 0x3010, 0x3014, /* 「『（［｛〈《【〔 */
		0x3016, 0x3018, 0x301D, 0x2018, 0x201C, 0xFF5F, 0x00AB,                 /* 〖〘〝‘“｟« */
		'(', '[', '{',
	};
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (list[i] == cp)
			return true;
	return false;
}

/* Part of an unbreakable Latin run: ASCII and Latin letters, digits, signs. */
static bool is_word_char(uint32_t cp)
{
	return (cp > ' ' && cp < 0x7F) || (cp >= 0xA0 && cp < 0x2000 && cp != 0xAB && cp != 0xBB);
}

static bool is_space(uint32_t cp) { return cp == ' ' || cp == '\t' || cp == 0x3000; }

struct glyph_run {
	uint32_t cp;
	size_t at, len; /* bytes */
	int advance;
};

/* May a line break before b, which follows a? */
static bool may_break(uint32_t a, uint32_t b, unsigned flags)
{
	if ((flags & TEXT_BREAK_AT_SPACES) && !is_space(a))
		return false;
	if (is_space(b))
		return false; /* spaces stay on the line they follow */
	if (is_space(a))
		return !text_no_line_start(b);
	if (is_word_char(a) && is_word_char(b))
		return false;
	if (text_no_line_start(b) || text_no_line_end(a))
		return false;
	return true;
}

/* Decodes text into g (at most cap entries); returns how many. */
static size_t decode(struct font *f, const char *text, size_t len, struct glyph_run *g, size_t cap)
{
	size_t n = 0, at = 0;
	while (at < len && n < cap) {
		uint32_t cp;
		size_t l = utf8_next(text + at, len - at, &cp);
		g[n].cp = cp;
		g[n].at = at;
		g[n].len = l;
		g[n].advance = cp == '\n' ? 0 : font_advance(f, cp);
		n++;
		at += l;
	}
	return n;
}

static void emit(struct text_line *lines, size_t max_lines, size_t *count,
		 const struct glyph_run *g, size_t from, size_t to)
{
	/* Trailing spaces are not part of a line's width. */
	size_t end = to;
	while (end > from && is_space(g[end - 1].cp))
		end--;
	if (*count < max_lines) {
		struct text_line *l = &lines[*count];
		int w = 0;
		for (size_t i = from; i < end; i++)
			w += g[i].advance;
		l->start = from < end ? g[from].at : (from < to ? g[from].at : 0);
		l->len = from < end ? g[end - 1].at + g[end - 1].len - g[from].at : 0;
		l->width = w;
	}
	(*count)++;
}

size_t text_break(struct font *f, const char *text, size_t len, int max_width, unsigned flags,
		  struct text_line *lines, size_t max_lines)
{
	if (len > TEXT_MAX_BYTES)
		len = TEXT_MAX_BYTES;
	struct glyph_run *g = malloc((len + 1) * sizeof(*g));
	if (!g)
		return 0;
	size_t n = decode(f, text, len, g, len + 1);
	size_t count = 0, start = 0;
	while (start < n) {
		/* A soft break drops the spaces that would start the next line. */
		int width = 0;
		size_t last_ok = 0; /* 0: no opportunity yet on this line */
		size_t i = start;
		for (; i < n; i++) {
			if (g[i].cp == '\n')
				break;
			if (i > start && may_break(g[i - 1].cp, g[i].cp, flags))
				last_ok = i;
			if (width + g[i].advance > max_width && i > start && !is_space(g[i].cp))
				break;
			width += g[i].advance;
		}
		if (i >= n) {
			emit(lines, max_lines, &count, g, start, n);
			break;
		}
		if (g[i].cp == '\n') {
			emit(lines, max_lines, &count, g, start, i);
			start = i + 1;
			continue;
		}
		/* i overflows the line: break before it if allowed, else at the last
		 * opportunity, else (no opportunity at all) before it anyway. */
		size_t at = may_break(g[i - 1].cp, g[i].cp, flags) ? i : (last_ok > start ? last_ok : i);
		emit(lines, max_lines, &count, g, start, at);
		start = at;
		while (start < n && is_space(g[start].cp))
			start++;
	}
	free(g);
	return count;
}

int text_width(struct font *f, const char *text, size_t len)
{
	int w = 0;
	size_t at = 0;
	while (at < len) {
		uint32_t cp;
		at += utf8_next(text + at, len - at, &cp);
		w += font_advance(f, cp);
	}
	return w;
}

int text_draw(struct font *f, struct canvas *c, int x, int top, const char *text, size_t len,
	      uint32_t color)
{
	int x0 = x;
	size_t at = 0;
	while (at < len) {
		uint32_t cp;
		at += utf8_next(text + at, len - at, &cp);
		if (cp == '\n')
			continue;
		x += font_draw(f, c, x, top, cp, color);
	}
	return x - x0;
}

#define ELLIPSIS "\xE2\x80\xA6" /* … */

int text_draw_wrapped(struct font *f, struct canvas *c, int x, int top, int max_width,
		      int max_lines, int line_height, unsigned flags, const char *text,
		      uint32_t color, bool *truncated)
{
	if (truncated)
		*truncated = false;
	if (max_lines <= 0)
		return 0;
	enum { CAP = 64 };
	struct text_line lines[CAP];
	size_t len = strnlen(text, TEXT_MAX_BYTES);
	size_t need = text_break(f, text, len, max_width, flags, lines, CAP);
	size_t shown = need < (size_t)max_lines ? need : (size_t)max_lines;
	if (shown > CAP)
		shown = CAP;
	for (size_t i = 0; i < shown; i++) {
		const struct text_line *l = &lines[i];
		int y = top + (int)i * line_height;
		if (i + 1 == shown && need > shown) {
			/* The last line holds what fits, then "…". */
			int ell = text_width(f, ELLIPSIS, strlen(ELLIPSIS));
			size_t cut = l->len;
			while (cut > 0 && text_width(f, text + l->start, cut) + ell > max_width) {
				cut--;
				while (cut > 0 && ((unsigned char)text[l->start + cut] & 0xC0) == 0x80)
					cut--;
			}
			int w = text_draw(f, c, x, y, text + l->start, cut, color);
			text_draw(f, c, x + w, y, ELLIPSIS, strlen(ELLIPSIS), color);
			if (truncated)
				*truncated = true;
		} else {
			text_draw(f, c, x, y, text + l->start, l->len, color);
		}
	}
	return (int)shown;
}
