/*
 * web: everything officed serves to people rather than kiosks (http.c
 * hands it every request that is not the kiosk API):
 *
 *   GET  /                      overview: every site today and this month       login
 *   GET  /site/ID               a site: 90 days, denials, restocks, stock        login
 *   GET  /programme             the programme's figures per month                login
 *   GET  /kiosks                the kiosks: last report, firmware, health        login
 *   GET  /content               windows and sessions; edit, import, preview      login
 *   POST /content/...           edits and imports (CSRF token)                   login
 *   GET  /export/KIND.csv       days, months or programme as CSV                 login
 *   GET  /login  POST /login  POST /logout
 *   GET  /S/ID                  a site's public help page (the kiosks' QR code)  public
 *   GET  /metrics               Prometheus text format                          public
 *
 * Pages are server-rendered HTML with inline SVG and CSS: no JavaScript,
 * no third-party resources, a Content-Security-Policy that forbids both.
 * The dashboard takes only its session cookie (session.h): a kiosk's
 * bearer token opens nothing here, and the kiosk API never looks at the
 * cookie. Every text from storage, content or a form goes out through
 * out_text() (html.h).
 *
 * Files: web.c (dispatch, login, layout, responses), web_pages.c (the
 * figures' pages), web_content.c (content management), help_page.c,
 * export.c (CSV), chart.c (SVG), metrics.c.
 */
#ifndef OFFICE_WEB_H
#define OFFICE_WEB_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "html.h"
#include "session.h"

struct office;

#define FORM_FIELDS_MAX 96
#define FORM_NAME_MAX 48

struct form_field {
	char name[FORM_NAME_MAX];
	char *value;      /* NUL-terminated, malloc'd */
	size_t len;
	char filename[128]; /* multipart file fields */
};

struct form {
	struct form_field f[FORM_FIELDS_MAX];
	size_t n;
	size_t total;  /* bytes of all values */
	size_t cap;    /* the upload cap */
	bool too_many, too_large;
};

/* The first value of name, or NULL. */
const char *form_get(const struct form *f, const char *name);
void form_free(struct form *f);

enum web_lang { LANG_EN, LANG_JA };
/* English or Japanese, by the page's language. */
#define L(w, en, ja) ((w)->lang == LANG_JA ? (ja) : (en))

struct web {
	struct office *o;
	struct MHD_Connection *c;
	const char *method, *url;
	const struct form *form; /* POST only */
	enum web_lang lang;
	bool logged_in;
	struct session session;
	bool set_lang_cookie;
	int64_t now;
};

/* http.c's entry: answers one request (body already read for POST). */
enum MHD_Result web_handle(struct office *o, struct MHD_Connection *c, const char *url,
			   const char *method, const struct form *form);

/* Parses a collected body (urlencoded or multipart) into f. Returns 0, -1 malformed. */
int web_parse_form(struct MHD_Connection *c, const char *body, size_t len, size_t cap,
		   struct form *f);

/* A form or upload over [dashboard] upload_cap: 413, nothing read or kept. */
enum MHD_Result web_too_large(struct office *o, struct MHD_Connection *c, const char *url);
/* A body that is not a form: 400 (too_large: 413). */
enum MHD_Result web_bad_form(struct office *o, struct MHD_Connection *c, const char *url,
			     bool too_large);

/* Whether a URL is served by web_handle (anything but the kiosk API). */
bool web_route(const char *url);

/* ---- shared by the pages ---- */

/* Sends text with status; headers for HTML, CSV or text are chosen by type. */
enum MHD_Result web_send(struct web *w, unsigned status, const char *type, struct out *body);
enum MHD_Result web_redirect(struct web *w, const char *location);
/* A short page with a message (errors, refusals), in the page's language. */
enum MHD_Result web_message(struct web *w, unsigned status, const char *title, const char *text);

/* The page's frame: head, navigation (with the logout form), and its end. */
void page_begin(struct web *w, struct out *o, const char *title);
void page_end(struct web *w, struct out *o);
/* The hidden CSRF field for a form. */
void page_csrf(struct web *w, struct out *o);
/* A date-time in the office's zone. */
void page_time(struct web *w, struct out *o, int64_t t);

/* The newest published bundle, parsed (content_free it), or NULL if none. */
struct content *web_published(struct web *w);
/* A site's name from the bundle, or "" (never NULL). */
const char *web_site_name(const struct content *c, const char *site_id);
/* Counts a storage failure and logs it; for the pages' error paths. */
enum MHD_Result web_storage_failed(struct web *w, const char *what);

/* A query argument, or NULL. */
const char *web_arg(struct web *w, const char *name);

enum MHD_Result page_overview(struct web *w);
enum MHD_Result page_site(struct web *w, const char *site_id);
enum MHD_Result page_programme(struct web *w);
enum MHD_Result page_kiosks(struct web *w);
enum MHD_Result page_exports(struct web *w);
enum MHD_Result page_export_csv(struct web *w, const char *kind);
enum MHD_Result page_content(struct web *w);
enum MHD_Result page_content_post(struct web *w, const char *action);
enum MHD_Result page_preview(struct web *w);
enum MHD_Result page_help(struct web *w, const char *site_id);
enum MHD_Result page_metrics(struct web *w);

#endif
