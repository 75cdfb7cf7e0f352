/*
 * gzip: see gzip.h.
 */
#include "gzip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int gzip_compress(const void *in, size_t len, unsigned char **out, size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip wrapper rather than zlib's; level 6 is zlib's default
	 * and within a few percent of 9 on JSON. */
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	if (len > UINT32_MAX / 2) {
		deflateEnd(&zs);
		return -1;
	}
	uLong bound = deflateBound(&zs, (uLong)len);
	unsigned char *buf = malloc(bound);
	if (!buf) {
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = buf;
	zs.avail_out = (uInt)bound;
	int rc = deflate(&zs, Z_FINISH);
	size_t produced = bound - zs.avail_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	*out_len = produced;
	return 0;
}

enum gunzip_result gunzip_capped(const void *in, size_t len, size_t cap, char **out,
				 size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (len > UINT32_MAX || cap > UINT32_MAX - 1)
		return GUNZIP_TOO_LARGE;
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return GUNZIP_NOMEM;
	/* Grow the output as it fills, never past cap + 1 (one byte more than the
	 * cap is how we learn the body is too large). */
	size_t size = len * 4 + 256 < cap + 1 ? len * 4 + 256 : cap + 1;
	char *buf = malloc(size + 1);
	if (!buf) {
		inflateEnd(&zs);
		return GUNZIP_NOMEM;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	size_t used = 0;
	enum gunzip_result result = GUNZIP_BAD;
	for (;;) {
		if (used == size) {
			if (size == cap + 1) {
				result = GUNZIP_TOO_LARGE;
				break;
			}
			size_t bigger = size * 2 < cap + 1 ? size * 2 : cap + 1;
			char *grown = realloc(buf, bigger + 1);
			if (!grown) {
				result = GUNZIP_NOMEM;
				break;
			}
			buf = grown;
			size = bigger;
		}
		zs.next_out = (Bytef *)buf + used;
		zs.avail_out = (uInt)(size - used);
		int rc = inflate(&zs, Z_NO_FLUSH);
		used = size - zs.avail_out;
		if (rc == Z_STREAM_END) {
			/* One member only, and nothing after it. */
			result = zs.avail_in == 0 ? (used > cap ? GUNZIP_TOO_LARGE : GUNZIP_OK)
						  : GUNZIP_BAD;
			break;
		}
		if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
			result = GUNZIP_BAD; /* truncated */
			break;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			result = rc == Z_MEM_ERROR ? GUNZIP_NOMEM : GUNZIP_BAD;
			break;
		}
	}
	inflateEnd(&zs);
	if (result != GUNZIP_OK) {
		free(buf);
		return result;
	}
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	return GUNZIP_OK;
}
