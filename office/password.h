/*
 * password: office staff's passwords, hashed with scrypt (libcrypto's
 * EVP_PBE_scrypt), a memory-hard KDF: a guessable secret needs a hash that
 * costs an attacker memory as well as time for every guess (kiosk tokens,
 * long random secrets, use plain SHA-256 instead: token.h).
 *
 * Stored form: "scrypt$N$r$p$<salt hex>$<hash hex>", so the cost can be
 * raised later and old hashes still verify. N = 2^15, r = 8, p = 1 uses
 * 32 MiB and 0.2 to 0.5 s per check on the project's shared 2-core machine.
 */
#ifndef OFFICE_PASSWORD_H
#define OFFICE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX 200
#define PASSWORD_MIN_LEN 10
#define PASSWORD_MAX_LEN 1024

/* Hashes password with a fresh random salt. Returns 0, or -1. */
int password_hash(const char *password, char out[PASSWORD_HASH_MAX]);

/* Whether password matches stored (constant time in the hash comparison). */
bool password_verify(const char *password, const char *stored);

/* NULL if acceptable, else why not (length bounds). */
const char *password_weakness(const char *password);

#endif
