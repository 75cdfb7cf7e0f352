/*
 * token: the kiosks' bearer tokens.
 *
 * A token is 32 bytes from getrandom(2), written as 43 characters of
 * base64url. The office keeps only its SHA-256: tokens are long random
 * secrets, so a fast hash is the right tool (a memory-hard KDF is for
 * people's passwords, which are guessable). Comparisons of hashes are in
 * constant time (CRYPTO_memcmp), so how long a refusal takes says nothing
 * about how close a guess was.
 */
#ifndef OFFICE_TOKEN_H
#define OFFICE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_LEN 43          /* base64url of 32 bytes, no padding */
#define TOKEN_HASH_LEN 32     /* SHA-256 */
#define TOKEN_HASH_HEX_LEN 64

/* A new token into out[TOKEN_LEN + 1]. Returns 0, or -1 if getrandom fails. */
int token_generate(char out[TOKEN_LEN + 1]);

/* SHA-256 of the len bytes of token. */
void token_hash(const char *token, size_t len, uint8_t out[TOKEN_HASH_LEN]);

void token_hash_hex(const uint8_t hash[TOKEN_HASH_LEN], char out[TOKEN_HASH_HEX_LEN + 1]);

/* Parses 64 hex digits. Returns 0 or -1. */
int token_hash_from_hex(const char *hex, uint8_t out[TOKEN_HASH_LEN]);

/* Constant-time equality of two hashes. */
bool token_hash_equal(const uint8_t a[TOKEN_HASH_LEN], const uint8_t b[TOKEN_HASH_LEN]);

#endif
