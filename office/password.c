/*
 * password: see password.h.
 */
#include "password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SCRYPT_N 32768ULL
#define SCRYPT_R 8ULL
#define SCRYPT_P 1ULL
#define SALT_LEN 16
#define KEY_LEN 32
/* scrypt needs 128 * N * r bytes; allow room for the largest N we accept. */
#define SCRYPT_MAXMEM (256ULL * 1024 * 1024)

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int from_hex(const char *s, size_t len, unsigned char *out, size_t n)
{
	if (len != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + (size_t)j];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

static int derive(const char *password, const unsigned char *salt, uint64_t n, uint64_t r,
		  uint64_t p, unsigned char key[KEY_LEN])
{
	return EVP_PBE_scrypt(password, strlen(password), salt, SALT_LEN, n, r, p, SCRYPT_MAXMEM, key,
			      KEY_LEN) == 1 ? 0 : -1;
}

int password_hash(const char *password, char out[PASSWORD_HASH_MAX])
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt) ||
	    derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, key) != 0)
		return -1;
	char salt_hex[2 * SALT_LEN + 1], key_hex[2 * KEY_LEN + 1];
	to_hex(salt, SALT_LEN, salt_hex);
	to_hex(key, KEY_LEN, key_hex);
	OPENSSL_cleanse(key, sizeof(key));
	snprintf(out, PASSWORD_HASH_MAX, "scrypt$%llu$%llu$%llu$%s$%s", SCRYPT_N, SCRYPT_R, SCRYPT_P,
		 salt_hex, key_hex);
	return 0;
}

bool password_verify(const char *password, const char *stored)
{
	unsigned long long n, r, p;
	int salt_at = 0;
	if (sscanf(stored, "scrypt$%llu$%llu$%llu$%n", &n, &r, &p, &salt_at) != 3 || salt_at == 0)
		return false;
	/* Refuse costs that would let a tampered row exhaust memory. */
	if (n < 1024 || n > 1048576 || (n & (n - 1)) || r < 1 || r > 16 || p < 1 || p > 4)
		return false;
	const char *salt_hex = stored + salt_at;
	const char *dollar = strchr(salt_hex, '$');
	unsigned char salt[SALT_LEN], want[KEY_LEN], got[KEY_LEN];
	if (!dollar || from_hex(salt_hex, (size_t)(dollar - salt_hex), salt, SALT_LEN) != 0 ||
	    from_hex(dollar + 1, strlen(dollar + 1), want, KEY_LEN) != 0)
		return false;
	if (derive(password, salt, n, r, p, got) != 0)
		return false;
	bool ok = CRYPTO_memcmp(got, want, KEY_LEN) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

const char *password_weakness(const char *password)
{
	size_t len = strlen(password);
	if (len < PASSWORD_MIN_LEN)
		return "a password needs at least 10 characters";
	if (len > PASSWORD_MAX_LEN)
		return "a password may have at most 1024 characters";
	return NULL;
}
