/*
 * session: see session.h.
 */
#include "session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void session_fingerprint(const char *stored_hash, char out[33])
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)stored_hash, strlen(stored_hash), d);
	hex(d, 16, out);
}

static void mac_of(const uint8_t key[SESSION_KEY_LEN], const char *text, char out[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	HMAC(EVP_sha256(), key, SESSION_KEY_LEN, (const unsigned char *)text, strlen(text), d, &n);
	hex(d, 32, out);
}

void session_csrf(const uint8_t key[SESSION_KEY_LEN], const char *nonce,
		  char out[CSRF_TOKEN_LEN + 1])
{
	char text[96], mac[65];
	snprintf(text, sizeof(text), "csrf!%s", nonce);
	mac_of(key, text, mac);
	memcpy(out, mac, CSRF_TOKEN_LEN);
	out[CSRF_TOKEN_LEN] = '\0';
}

static void csrf_of(const uint8_t key[SESSION_KEY_LEN], struct session *s)
{
	session_csrf(key, s->nonce, s->csrf);
}

static void signed_text(const struct session *s, const char *fingerprint, char *out, size_t len)
{
	snprintf(out, len, "%s!%lld!%s!%s", s->user, (long long)s->expires, s->nonce, fingerprint);
}

int session_make(const uint8_t key[SESSION_KEY_LEN], const char *user, const char *fingerprint,
		 int64_t expires, char out[SESSION_VALUE_MAX], struct session *s)
{
	unsigned char nonce[16];
	if (strlen(user) > SESSION_USER_MAX || getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		return -1;
	memset(s, 0, sizeof(*s));
	memcpy(s->user, user, strlen(user) + 1);
	s->expires = expires;
	hex(nonce, sizeof(nonce), s->nonce);
	char text[256], mac[65];
	signed_text(s, fingerprint, text, sizeof(text));
	mac_of(key, text, mac);
	snprintf(out, SESSION_VALUE_MAX, "%s!%lld!%s!%s", s->user, (long long)expires, s->nonce, mac);
	csrf_of(key, s);
	return 0;
}

int session_parse(const char *value, struct session *s, char mac[65])
{
	memset(s, 0, sizeof(*s));
	if (strlen(value) >= SESSION_VALUE_MAX)
		return -1;
	const char *b1 = strchr(value, '!');
	const char *b2 = b1 ? strchr(b1 + 1, '!') : NULL;
	const char *b3 = b2 ? strchr(b2 + 1, '!') : NULL;
	if (!b3 || b1 == value || (size_t)(b1 - value) > SESSION_USER_MAX || b3 - b2 - 1 != 32 ||
	    strlen(b3 + 1) != 64)
		return -1;
	memcpy(s->user, value, (size_t)(b1 - value));
	s->user[b1 - value] = '\0';
	char *end;
	long long exp = strtoll(b1 + 1, &end, 10);
	if (end != b2 || exp <= 0)
		return -1;
	s->expires = exp;
	memcpy(s->nonce, b2 + 1, 32);
	s->nonce[32] = '\0';
	memcpy(mac, b3 + 1, 64);
	mac[64] = '\0';
	return 0;
}

bool session_valid(const uint8_t key[SESSION_KEY_LEN], struct session *s, const char mac[65],
		   const char *fingerprint, int64_t now)
{
	char text[256], want[65];
	signed_text(s, fingerprint, text, sizeof(text));
	mac_of(key, text, want);
	if (CRYPTO_memcmp(want, mac, 64) != 0 || now >= s->expires)
		return false;
	csrf_of(key, s);
	return true;
}

bool session_csrf_ok(const struct session *s, const char *sent)
{
	return sent && strlen(sent) == CSRF_TOKEN_LEN && s->csrf[0] &&
	       CRYPTO_memcmp(sent, s->csrf, CSRF_TOKEN_LEN) == 0;
}

/* ---- login attempts ---- */

#define LIMIT_SLOTS 1024

struct limit_slot {
	uint64_t key; /* a hash of "a:ADDR" or "u:USER"; 0 empty */
	int64_t window_start;
	unsigned failures;
};

struct login_limit {
	pthread_mutex_t lock;
	unsigned max, window;
	struct limit_slot slots[LIMIT_SLOTS];
};

struct login_limit *login_limit_new(unsigned max, unsigned window)
{
	struct login_limit *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->max = max;
	l->window = window;
	return l;
}

void login_limit_free(struct login_limit *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static uint64_t key_of(char kind, const char *s)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(unsigned char)kind;
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ? h : 1;
}

/* The slot for key, reusing an expired or (when full) the oldest one. */
static struct limit_slot *slot_for(struct login_limit *l, uint64_t key, int64_t now)
{
	size_t at = (size_t)(key % LIMIT_SLOTS);
	struct limit_slot *oldest = NULL;
	for (size_t i = 0; i < 8; i++) {
		struct limit_slot *s = &l->slots[(at + i) % LIMIT_SLOTS];
		if (s->key == key) {
			if (now - s->window_start >= (int64_t)l->window) {
				s->window_start = now;
				s->failures = 0;
			}
			return s;
		}
		if (!oldest || s->window_start < oldest->window_start)
			oldest = s;
	}
	oldest->key = key;
	oldest->window_start = now;
	oldest->failures = 0;
	return oldest;
}

bool login_limit_allow(struct login_limit *l, const char *addr, const char *user, int64_t now)
{
	pthread_mutex_lock(&l->lock);
	bool ok = slot_for(l, key_of('a', addr), now)->failures < l->max &&
		  slot_for(l, key_of('u', user), now)->failures < l->max;
	pthread_mutex_unlock(&l->lock);
	return ok;
}

void login_limit_failed(struct login_limit *l, const char *addr, const char *user, int64_t now)
{
	pthread_mutex_lock(&l->lock);
	slot_for(l, key_of('a', addr), now)->failures++;
	slot_for(l, key_of('u', user), now)->failures++;
	pthread_mutex_unlock(&l->lock);
}
