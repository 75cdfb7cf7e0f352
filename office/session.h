/*
 * session: office staff's login sessions and CSRF tokens, without a
 * session table.
 *
 * A session is a cookie value "USER!EXPIRES!NONCE!MAC": MAC is
 * HMAC-SHA256 under the deployment's session key (32 random bytes kept in
 * the database, so every officed sharing it accepts the same cookies) over
 * the user, the expiry, the nonce and a fingerprint of the user's stored
 * password hash. Changing a password or removing the user therefore ends
 * every session of that user at once; expiry is in the signed text, so no
 * one can stretch it. The CSRF token of a session is another HMAC, of its
 * nonce: a form must carry it, and a page from another site cannot read it.
 *
 * Kiosk bearer tokens are never sessions and sessions never kiosk tokens:
 * the dashboard looks only at this cookie, the kiosk API only at
 * Authorization.
 */
#ifndef OFFICE_SESSION_H
#define OFFICE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_KEY_LEN 32
#define SESSION_COOKIE "officed_session"
#define SESSION_VALUE_MAX 200
#define SESSION_USER_MAX 63
#define CSRF_TOKEN_LEN 32

struct session {
	char user[SESSION_USER_MAX + 1];
	int64_t expires;
	char nonce[33];
	char csrf[CSRF_TOKEN_LEN + 1];
};

/* The fingerprint of a stored password hash that a session is bound to. */
void session_fingerprint(const char *stored_hash, char out[33]);

/* A new session's cookie value into out[SESSION_VALUE_MAX]. Returns 0 or -1. */
int session_make(const uint8_t key[SESSION_KEY_LEN], const char *user, const char *fingerprint,
		 int64_t expires, char out[SESSION_VALUE_MAX], struct session *s);

/*
 * Splits a cookie value into s (user, expiry, nonce) without trusting it
 * yet. Returns 0, or -1 if it is not a session's shape.
 */
int session_parse(const char *value, struct session *s, char mac[65]);

/*
 * Whether the parsed session's MAC is right for this fingerprint and it has
 * not expired at now; fills s->csrf when it is.
 */
bool session_valid(const uint8_t key[SESSION_KEY_LEN], struct session *s, const char mac[65],
		   const char *fingerprint, int64_t now);

/*
 * The CSRF token for a nonce: a session's own, or (before login) the
 * login form's, whose nonce sits in a short-lived cookie.
 */
void session_csrf(const uint8_t key[SESSION_KEY_LEN], const char *nonce,
		  char out[CSRF_TOKEN_LEN + 1]);

/* Constant-time check of a CSRF token sent with a form. */
bool session_csrf_ok(const struct session *s, const char *sent);

/*
 * Login attempts are limited per client address and per user name: at
 * most `max` failures in `window` seconds each. The table lives in memory
 * (per instance) and holds nothing but counters; addresses are never
 * logged.
 */
struct login_limit;
struct login_limit *login_limit_new(unsigned max, unsigned window);
void login_limit_free(struct login_limit *l);
/* Whether another attempt is allowed now. */
bool login_limit_allow(struct login_limit *l, const char *addr, const char *user, int64_t now);
void login_limit_failed(struct login_limit *l, const char *addr, const char *user, int64_t now);

#endif
