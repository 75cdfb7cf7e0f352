/*
 * web: see web.h. Dispatch, the login, the page frame and the responses.
 */
#include "web.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "office.h"
#include "password.h"
#include "tz.h"

#define LANG_COOKIE "officed_lang"
#define LOGIN_COOKIE "officed_login"

/* ---- forms ---- */

const char *form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; f && i < f->n; i++) {
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	}
	return NULL;
}

void form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->f[i].value);
	f->n = 0;
}

/* libmicrohttpd's post processor hands each field in pieces (at offsets). */
static enum MHD_Result form_piece(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *filename, const char *content_type,
				  const char *transfer_encoding, const char *data, uint64_t off,
				  size_t size)
{
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	struct form *f = cls;
	struct form_field *fld = NULL;
	if (off == 0 || f->n == 0 || strcmp(f->f[f->n - 1].name, key) != 0) {
		if (f->n == FORM_FIELDS_MAX || strlen(key) >= FORM_NAME_MAX) {
			f->too_many = true;
			return MHD_NO;
		}
		fld = &f->f[f->n++];
		memset(fld, 0, sizeof(*fld));
		memcpy(fld->name, key, strlen(key) + 1);
		if (filename)
			snprintf(fld->filename, sizeof(fld->filename), "%s", filename);
		fld->value = calloc(1, 1);
		if (!fld->value) {
			f->n--;
			return MHD_NO;
		}
	} else {
		fld = &f->f[f->n - 1];
	}
	if (size > f->cap || f->total > f->cap - size) {
		f->too_large = true;
		return MHD_NO;
	}
	char *grown = realloc(fld->value, fld->len + size + 1);
	if (!grown)
		return MHD_NO;
	fld->value = grown;
	memcpy(fld->value + fld->len, data, size);
	fld->len += size;
	fld->value[fld->len] = '\0';
	f->total += size;
	return MHD_YES;
}

int web_parse_form(struct MHD_Connection *c, const char *body, size_t len, size_t cap,
		   struct form *f)
{
	memset(f, 0, sizeof(*f));
	f->cap = cap;
	if (len == 0)
		return 0;
	struct MHD_PostProcessor *pp = MHD_create_post_processor(c, 16 * 1024, form_piece, f);
	if (!pp)
		return -1;
	enum MHD_Result rc = MHD_post_process(pp, body, len);
	enum MHD_Result done = MHD_destroy_post_processor(pp);
	if (rc != MHD_YES || done != MHD_YES || f->too_many || f->too_large)
		return -1;
	/* A value with a NUL inside is not text anyone typed. */
	for (size_t i = 0; i < f->n; i++) {
		if (strlen(f->f[i].value) != f->f[i].len)
			return -1;
	}
	return 0;
}

/* ---- responses ---- */

static void security_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
				"form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

static void lang_cookie(struct web *w, struct MHD_Response *r)
{
	if (!w->set_lang_cookie)
		return;
	char cookie[128];
	snprintf(cookie, sizeof(cookie), LANG_COOKIE "=%s; Path=/; Max-Age=31536000; SameSite=Strict%s",
		 w->lang == LANG_JA ? "ja" : "en", w->o->cfg.tls_cert[0] ? "; Secure" : "");
	MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
}

static enum MHD_Result send_with(struct web *w, unsigned status, const char *type, struct out *body,
				 const char *cookie, const char *location)
{
	if (out_failed(body)) {
		out_free(body);
		out_raw(body, "out of memory or the page would be too large\n");
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		type = "text/plain; charset=utf-8";
	}
	size_t len;
	char *text = out_take(body, &len);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	security_headers(r);
	if (strncmp(w->url, "/S/", 3) == 0 || strncmp(w->url, "/s/", 3) == 0)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "public, max-age=300");
	else
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (cookie)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	if (location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	lang_cookie(w, r);
	if (strncmp(type, "text/csv", 8) == 0) {
		const char *name = strrchr(w->url, '/');
		char disp[128];
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name ? name + 1 : "export.csv");
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	}
	enum MHD_Result rc = MHD_queue_response(w->c, status, r);
	MHD_destroy_response(r);
	return rc;
}

enum MHD_Result web_send(struct web *w, unsigned status, const char *type, struct out *body)
{
	return send_with(w, status, type, body, NULL, NULL);
}

enum MHD_Result web_redirect(struct web *w, const char *location)
{
	struct out o;
	out_init(&o);
	out_raw(&o, "");
	return send_with(w, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", &o, NULL, location);
}

enum MHD_Result web_message(struct web *w, unsigned status, const char *title, const char *text)
{
	struct out o;
	out_init(&o);
	page_begin(w, &o, title);
	out_raw(&o, "<p class=\"msg\">");
	out_text(&o, text);
	out_raw(&o, "</p><p><a href=\"/\">");
	out_text(&o, L(w, "Back to the overview", "概要に戻る"));
	out_raw(&o, "</a></p>");
	page_end(w, &o);
	return web_send(w, status, "text/html; charset=utf-8", &o);
}

const char *web_arg(struct web *w, const char *name)
{
	return MHD_lookup_connection_value(w->c, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- the frame ---- */

static const char style[] =
	"<style>"
	"body{font-family:system-ui,'Noto Sans CJK JP',sans-serif;margin:0;color:#1b1b1b;background:#fafafa}"
	"header{background:#5b2a6e;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:center}"
	"header a,header button{color:#fff;font:inherit}header b{margin-right:1em}"
	"header form{display:inline;margin:0}header button{background:none;border:1px solid #fff;border-radius:4px;cursor:pointer}"
	"main{padding:1em;max-width:72em}"
	".scroll{overflow-x:auto}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em;background:#fff}"
	"th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;white-space:nowrap}"
	"th:first-child,td:first-child,td.t{text-align:left}"
	"thead th{background:#eee}"
	".low{background:#ffe0e0;font-weight:bold}.warn{background:#fff3c4}.ok{color:#176b17}"
	".msg{padding:.6em;background:#fff3c4;border:1px solid #e0c060}"
	".err{padding:.6em;background:#ffe0e0;border:1px solid #d08080}"
	"label{display:block;margin:.4em 0}input,select,textarea{font:inherit;max-width:100%}"
	"fieldset{margin:1em 0;background:#fff}svg{max-width:100%;height:auto;background:#fff}"
	"@media (max-width:40em){main{padding:.5em}th,td{padding:.2em .35em}}"
	"</style>";

void page_csrf(struct web *w, struct out *o)
{
	out_raw(o, "<input type=\"hidden\" name=\"csrf\" value=\"");
	out_text(o, w->session.csrf);
	out_raw(o, "\">");
}

void page_time(struct web *w, struct out *o, int64_t t)
{
	if (t == 0) {
		out_text(o, L(w, "never", "なし"));
		return;
	}
	struct tm tm;
	char buf[32];
	tz_localtime(w->o->cfg.timezone, t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
	out_text(o, buf);
}

void page_begin(struct web *w, struct out *o, const char *title)
{
	out_fmt(o, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		   "<meta name=\"referrer\" content=\"no-referrer\"><title>",
		w->lang == LANG_JA ? "ja" : "en");
	out_text(o, title);
	out_text(o, L(w, " - officed", " - 配布キオスク事務局"));
	out_raw(o, "</title>");
	out_raw(o, style);
	out_raw(o, "</head><body><header><b>");
	out_text(o, L(w, "Pickup kiosks", "配布キオスク"));
	out_raw(o, "</b>");
	if (w->logged_in) {
		out_fmt(o, "<a href=\"/\">%s</a><a href=\"/programme\">%s</a><a href=\"/kiosks\">%s</a>"
			   "<a href=\"/content\">%s</a><a href=\"/exports\">%s</a>",
			L(w, "Overview", "概要"), L(w, "Programme", "事業の数字"), L(w, "Kiosks", "キオスク"),
			L(w, "Content", "案内の内容"), L(w, "Exports", "CSV出力"));
	}
	out_fmt(o, "<a href=\"?lang=%s\">%s</a>", w->lang == LANG_JA ? "en" : "ja",
		w->lang == LANG_JA ? "English" : "日本語");
	if (w->logged_in) {
		out_raw(o, "<form method=\"post\" action=\"/logout\">");
		page_csrf(w, o);
		out_raw(o, "<button type=\"submit\">");
		out_text(o, L(w, "Log out ", "ログアウト "));
		out_text(o, w->session.user);
		out_raw(o, "</button></form>");
	}
	out_raw(o, "</header><main><h1>");
	out_text(o, title);
	out_raw(o, "</h1>");
}

void page_end(struct web *w, struct out *o)
{
	(void)w;
	out_raw(o, "</main></body></html>\n");
}

/* ---- the session ---- */

static bool lookup_user(struct web *w, const char *user, char hash[STORAGE_PASSWORD_HASH_MAX])
{
	bool found = false;
	pthread_mutex_lock(&w->o->reader_lock);
	int rc = storage_user_get(w->o->reader, user, hash, &found);
	if (rc != 0) {
		log_error("dashboard: %s", storage_error(w->o->reader));
		atomic_fetch_add(&w->o->metrics.db_errors, 1);
	}
	pthread_mutex_unlock(&w->o->reader_lock);
	return rc == 0 && found;
}

static void check_session(struct web *w)
{
	const char *value = MHD_lookup_connection_value(w->c, MHD_COOKIE_KIND, SESSION_COOKIE);
	char mac[65], hash[STORAGE_PASSWORD_HASH_MAX], fp[33];
	if (!value || session_parse(value, &w->session, mac) != 0 ||
	    !lookup_user(w, w->session.user, hash))
		return;
	session_fingerprint(hash, fp);
	w->logged_in = session_valid(w->o->session_key, &w->session, mac, fp, w->now);
	if (!w->logged_in)
		memset(&w->session, 0, sizeof(w->session));
}

static void choose_lang(struct web *w)
{
	const char *q = web_arg(w, "lang");
	if (q && (strcmp(q, "ja") == 0 || strcmp(q, "en") == 0)) {
		w->lang = strcmp(q, "ja") == 0 ? LANG_JA : LANG_EN;
		w->set_lang_cookie = true;
		return;
	}
	const char *c = MHD_lookup_connection_value(w->c, MHD_COOKIE_KIND, LANG_COOKIE);
	if (c) {
		w->lang = strcmp(c, "ja") == 0 ? LANG_JA : LANG_EN;
		return;
	}
	const char *al = MHD_lookup_connection_value(w->c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	w->lang = al && strncasecmp(al, "ja", 2) == 0 ? LANG_JA : LANG_EN;
}

/* The client's address, only as the rate limiter's key (never logged). */
static void client_addr(struct web *w, char *out, size_t len)
{
	snprintf(out, len, "?");
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(w->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	socklen_t sl = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							       : sizeof(struct sockaddr_in);
	getnameinfo(ci->client_addr, sl, out, (socklen_t)len, NULL, 0, NI_NUMERICHOST);
}

/* ---- login and logout ---- */

static enum MHD_Result login_page(struct web *w, unsigned status, const char *error)
{
	unsigned char raw[16];
	char nonce[33], csrf[CSRF_TOKEN_LEN + 1], cookie[160];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return web_message(w, MHD_HTTP_SERVICE_UNAVAILABLE, "officed", "no randomness");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
	session_csrf(w->o->session_key, nonce, csrf);
	snprintf(cookie, sizeof(cookie),
		 LOGIN_COOKIE "=%s; Path=/login; Max-Age=3600; HttpOnly; SameSite=Strict%s", nonce,
		 w->o->cfg.tls_cert[0] ? "; Secure" : "");
	struct out o;
	out_init(&o);
	page_begin(w, &o, L(w, "Log in", "ログイン"));
	if (error) {
		out_raw(&o, "<p class=\"err\" id=\"error\">");
		out_text(&o, error);
		out_raw(&o, "</p>");
	}
	out_raw(&o, "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"");
	out_text(&o, csrf);
	out_raw(&o, "\">");
	const char *next = form_get(w->form, "next");
	if (!next)
		next = web_arg(w, "next");
	if (next && next[0] == '/' && next[1] != '/') {
		out_raw(&o, "<input type=\"hidden\" name=\"next\" value=\"");
		out_text(&o, next);
		out_raw(&o, "\">");
	}
	out_fmt(&o, "<label>%s<br><input name=\"user\" id=\"user\" autocomplete=\"username\" required></label>"
		    "<label>%s<br><input name=\"password\" id=\"password\" type=\"password\" "
		    "autocomplete=\"current-password\" required></label>"
		    "<button type=\"submit\" id=\"login\">%s</button></form>",
		L(w, "User name", "ユーザー名"), L(w, "Password", "パスワード"), L(w, "Log in", "ログイン"));
	page_end(w, &o);
	return send_with(w, status, "text/html; charset=utf-8", &o, cookie, NULL);
}

static enum MHD_Result login_post(struct web *w)
{
	const char *user = form_get(w->form, "user");
	const char *password = form_get(w->form, "password");
	const char *sent = form_get(w->form, "csrf");
	const char *nonce = MHD_lookup_connection_value(w->c, MHD_COOKIE_KIND, LOGIN_COOKIE);
	char want[CSRF_TOKEN_LEN + 1];
	struct session pre = {0};
	if (nonce && strlen(nonce) == 32) {
		session_csrf(w->o->session_key, nonce, want);
		memcpy(pre.csrf, want, sizeof(want));
	}
	if (!session_csrf_ok(&pre, sent))
		return login_page(w, MHD_HTTP_FORBIDDEN,
				  L(w, "The form has expired or did not come from this site; log in again.",
				    "フォームの有効期限が切れたか、このサイトのフォームではありません。もう一度ログインしてください。"));
	if (!user || !password || !user[0])
		return login_page(w, MHD_HTTP_BAD_REQUEST,
				  L(w, "Enter your user name and password.", "ユーザー名とパスワードを入力してください。"));
	char addr[64];
	client_addr(w, addr, sizeof(addr));
	if (!login_limit_allow(w->o->logins, addr, user, w->now)) {
		atomic_fetch_add(&w->o->metrics.login_failures, 1);
		log_warn("dashboard: a login refused: too many failed attempts");
		return login_page(w, MHD_HTTP_TOO_MANY_REQUESTS,
				  L(w, "Too many failed attempts. Wait a few minutes, then try again.",
				    "失敗が続いたため、しばらくログインできません。数分後にもう一度お試しください。"));
	}
	char hash[STORAGE_PASSWORD_HASH_MAX];
	bool known = lookup_user(w, user, hash);
	/* An unknown user costs the same scrypt as a wrong password. */
	bool ok = password_verify(password, known ? hash : "scrypt$32768$8$1$"
							  "00000000000000000000000000000000$"
							  "0000000000000000000000000000000000000000000000000000000000000000") &&
		  known;
	if (!ok) {
		login_limit_failed(w->o->logins, addr, user, w->now);
		atomic_fetch_add(&w->o->metrics.login_failures, 1);
		/* A name is logged only if it is a user's: a password typed into
		 * the name field must not reach the log. */
		if (known)
			log_warn("dashboard: failed login for user %s", user);
		else
			log_warn("dashboard: failed login for an unknown user name");
		return login_page(w, MHD_HTTP_UNAUTHORIZED,
				  L(w, "Wrong user name or password.", "ユーザー名またはパスワードが違います。"));
	}
	char fp[33], value[SESSION_VALUE_MAX], cookie[SESSION_VALUE_MAX + 128];
	session_fingerprint(hash, fp);
	int64_t expires = w->now + (int64_t)w->o->cfg.session_seconds;
	if (session_make(w->o->session_key, user, fp, expires, value, &w->session) != 0)
		return web_message(w, MHD_HTTP_SERVICE_UNAVAILABLE, "officed", "no randomness");
	snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s; Path=/; Max-Age=%u; HttpOnly; SameSite=Strict%s",
		 value, w->o->cfg.session_seconds, w->o->cfg.tls_cert[0] ? "; Secure" : "");
	atomic_fetch_add(&w->o->metrics.logins, 1);
	log_info("dashboard: %s logged in", user);
	const char *next = form_get(w->form, "next");
	if (!next || next[0] != '/' || next[1] == '/' || strpbrk(next, "\r\n\\"))
		next = "/";
	struct out o;
	out_init(&o);
	out_raw(&o, "");
	return send_with(w, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", &o, cookie, next);
}

static enum MHD_Result logout(struct web *w)
{
	struct out o;
	out_init(&o);
	out_raw(&o, "");
	char cookie[128];
	snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
		 w->o->cfg.tls_cert[0] ? "; Secure" : "");
	log_info("dashboard: %s logged out", w->session.user);
	return send_with(w, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", &o, cookie, "/login");
}

/* ---- refusals before a body is taken ---- */

enum MHD_Result web_too_large(struct office *o, struct MHD_Connection *c, const char *url)
{
	struct web w = {.o = o, .c = c, .method = "POST", .url = url, .now = office_now()};
	choose_lang(&w);
	log_warn("dashboard: POST %s refused: over the upload cap of %u bytes", url, o->cfg.upload_cap);
	char msg[256];
	snprintf(msg, sizeof(msg), w.lang == LANG_JA
					   ? "送信されたデータが上限（%u バイト）を超えています。何も保存していません。ファイルを分けてください。"
					   : "What was sent is over the limit of %u bytes. Nothing was saved; split the file.",
		 o->cfg.upload_cap);
	return web_message(&w, MHD_HTTP_CONTENT_TOO_LARGE, L(&w, "Too large", "大きすぎます"), msg);
}

enum MHD_Result web_bad_form(struct office *o, struct MHD_Connection *c, const char *url,
			     bool too_large)
{
	if (too_large)
		return web_too_large(o, c, url);
	struct web w = {.o = o, .c = c, .method = "POST", .url = url, .now = office_now()};
	choose_lang(&w);
	return web_message(&w, MHD_HTTP_BAD_REQUEST, L(&w, "Form refused", "フォームを受け付けませんでした"),
			   L(&w, "The form could not be read. Nothing was saved.",
			     "フォームを読み取れませんでした。何も保存していません。"));
}

/* ---- dispatch ---- */

bool web_route(const char *url)
{
	return strncmp(url, "/v1/", 4) != 0 && strcmp(url, "/healthz") != 0;
}

static bool starts(const char *url, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);
	if (strncmp(url, prefix, n) != 0)
		return false;
	*rest = url + n;
	return true;
}

enum MHD_Result web_handle(struct office *o, struct MHD_Connection *c, const char *url,
			   const char *method, const struct form *form)
{
	struct web w = {.o = o, .c = c, .method = method, .url = url, .form = form,
			.now = office_now()};
	choose_lang(&w);
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;
	const char *rest;

	/* Public: the help pages and the metrics. */
	if (starts(url, "/S/", &rest) || starts(url, "/s/", &rest)) {
		if (!get)
			return web_message(&w, MHD_HTTP_METHOD_NOT_ALLOWED, "405", "GET only");
		return page_help(&w, rest);
	}
	if (strcmp(url, "/metrics") == 0)
		return get ? page_metrics(&w)
			   : web_message(&w, MHD_HTTP_METHOD_NOT_ALLOWED, "405", "GET only");
	if (strcmp(url, "/favicon.ico") == 0 || strcmp(url, "/robots.txt") == 0) {
		struct out b;
		out_init(&b);
		out_raw(&b, strcmp(url, "/robots.txt") == 0 ? "User-agent: *\nDisallow: /\n" : "");
		return web_send(&w, strcmp(url, "/robots.txt") == 0 ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND,
				"text/plain; charset=utf-8", &b);
	}

	check_session(&w);
	if (strcmp(url, "/login") == 0) {
		if (post)
			return login_post(&w);
		if (w.logged_in)
			return web_redirect(&w, "/");
		return login_page(&w, MHD_HTTP_OK, NULL);
	}
	if (!w.logged_in) {
		/* A kiosk's bearer token is no login: the dashboard looks only at
		 * its cookie. Pages send people to the login; anything else is 401. */
		if (get && !starts(url, "/export/", &rest)) {
			struct out loc;
			out_init(&loc);
			out_raw(&loc, "/login?next=");
			out_url(&loc, url);
			char *location = out_take(&loc, NULL);
			enum MHD_Result rc = web_redirect(&w, location ? location : "/login");
			free(location);
			return rc;
		}
		return web_message(&w, MHD_HTTP_UNAUTHORIZED, L(&w, "Log in first", "ログインしてください"),
				   L(&w, "Your session has ended or you are not logged in. Log in and try again; "
					 "nothing was changed.",
				     "ログインしていないか、セッションの期限が切れました。ログインしてもう一度お試しください（何も変更されていません）。"));
	}
	if (post) {
		/* Every form carries the session's CSRF token. */
		if (!session_csrf_ok(&w.session, form_get(form, "csrf"))) {
			log_warn("dashboard: %s %s refused: missing or wrong CSRF token", method, url);
			return web_message(&w, MHD_HTTP_FORBIDDEN, L(&w, "Form refused", "フォームを受け付けませんでした"),
					   L(&w, "The form did not carry this session's token (it may be from an "
						 "old page or another site). Nothing was changed; reload the page and try again.",
					     "このフォームには正しいトークンがありません（古いページか、他のサイトからの送信の可能性があります）。何も変更していません。ページを読み込み直してもう一度お試しください。"));
		}
		if (strcmp(url, "/logout") == 0)
			return logout(&w);
		if (starts(url, "/content/", &rest))
			return page_content_post(&w, rest);
		return web_message(&w, MHD_HTTP_NOT_FOUND, "404", L(&w, "No such page.", "そのページはありません。"));
	}
	if (!get)
		return web_message(&w, MHD_HTTP_METHOD_NOT_ALLOWED, "405", "GET or POST");
	if (strcmp(url, "/") == 0)
		return page_overview(&w);
	if (starts(url, "/site/", &rest))
		return page_site(&w, rest);
	if (strcmp(url, "/programme") == 0)
		return page_programme(&w);
	if (strcmp(url, "/kiosks") == 0)
		return page_kiosks(&w);
	if (strcmp(url, "/exports") == 0)
		return page_exports(&w);
	if (starts(url, "/export/", &rest))
		return page_export_csv(&w, rest);
	if (strcmp(url, "/content") == 0)
		return page_content(&w);
	if (strcmp(url, "/content/preview") == 0)
		return page_preview(&w);
	return web_message(&w, MHD_HTTP_NOT_FOUND, "404", L(&w, "No such page.", "そのページはありません。"));
}
