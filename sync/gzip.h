/*
 * gzip: request bodies compressed by the kiosk and inflated by the office.
 *
 * libcurl inflates responses by itself (CURLOPT_ACCEPT_ENCODING), but it
 * never compresses what it sends, and libmicrohttpd never inflates what it
 * receives; both ends therefore use this small zlib wrapper. Inflation is
 * capped: a body is refused as soon as its inflated size would pass the cap,
 * so a "zip bomb" costs the office at most cap bytes of memory.
 */
#ifndef SYNC_GZIP_H
#define SYNC_GZIP_H

#include <stddef.h>

/*
 * Compresses len bytes into a new gzip buffer (*out, malloc'd, *out_len
 * bytes). Returns 0, or -1 (out of memory).
 */
int gzip_compress(const void *in, size_t len, unsigned char **out, size_t *out_len);

enum gunzip_result {
	GUNZIP_OK = 0,
	GUNZIP_TOO_LARGE = 1, /* the inflated body would pass cap */
	GUNZIP_BAD = 2,       /* not gzip, truncated, trailing bytes or a bad checksum */
	GUNZIP_NOMEM = 3,
};

/*
 * Inflates exactly one gzip member of len bytes into a new buffer of at most
 * cap bytes (*out, malloc'd, NUL-terminated for convenience, *out_len bytes
 * not counting the NUL).
 */
enum gunzip_result gunzip_capped(const void *in, size_t len, size_t cap, char **out,
				 size_t *out_len);

#endif
