/*
 * admin: see admin.h.
 */
#include "admin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "content.h"
#include "content_rows.h"
#include "export.h"
#include "file_read.h"
#include "holidays.h"
#include "office.h"
#include "password.h"
#include "storage.h"
#include "tz.h"

#define HOLIDAYS_FILE_MAX (1024 * 1024)

static int open_db(const struct office_config *cfg, struct storage **s)
{
	char err[512];
	if (storage_open(cfg->database, s, err, sizeof(err)) != 0) {
		fprintf(stderr, "officed: %s\n", err);
		return -1;
	}
	return 0;
}

/* One line from stdin, without its newline; on a terminal without echo. */
static int read_password(const char *prompt, char *out, size_t len)
{
	bool tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *got = fgets(out, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!got)
		return -1;
	size_t n = strlen(out);
	if (n == len - 1 && out[n - 1] != '\n')
		return -2; /* longer than the buffer */
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

int admin_user(const struct office_config *cfg, int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "passwd") != 0 &&
			  strcmp(argv[0], "remove") != 0)) {
		fprintf(stderr, "officed: usage: user add NAME | user passwd NAME | user remove NAME\n");
		return 2;
	}
	const char *name = argv[1];
	if (!protocol_valid_id(name) || strlen(name) > STORAGE_USER_MAX) {
		fprintf(stderr, "officed: user names are 1 to %d letters, digits, '.', '_' or '-'\n",
			STORAGE_USER_MAX);
		return 2;
	}
	struct storage *s;
	if (strcmp(argv[0], "remove") == 0) {
		if (open_db(cfg, &s) != 0)
			return 1;
		int rc = storage_user_remove(s, name);
		if (rc != 0)
			fprintf(stderr, "officed: %s\n", storage_error(s));
		else
			fprintf(stderr, "officed: user %s removed; their sessions end at their next request\n", name);
		storage_close(s);
		return rc ? 1 : 0;
	}
	char pw[PASSWORD_MAX_LEN + 2], again[PASSWORD_MAX_LEN + 2];
	int got = read_password("Password: ", pw, sizeof(pw));
	if (got != 0) {
		fprintf(stderr, "officed: %s\n", got == -2 ? "the password is too long" : "no password given on standard input");
		return 1;
	}
	const char *weak = password_weakness(pw);
	if (weak) {
		fprintf(stderr, "officed: %s\n", weak);
		explicit_bzero(pw, sizeof(pw));
		return 1;
	}
	if (isatty(STDIN_FILENO)) {
		if (read_password("Again: ", again, sizeof(again)) != 0 || strcmp(pw, again) != 0) {
			fprintf(stderr, "officed: the two passwords differ\n");
			explicit_bzero(pw, sizeof(pw));
			explicit_bzero(again, sizeof(again));
			return 1;
		}
		explicit_bzero(again, sizeof(again));
	}
	char hash[PASSWORD_HASH_MAX];
	int rc = password_hash(pw, hash);
	explicit_bzero(pw, sizeof(pw));
	if (rc != 0) {
		fprintf(stderr, "officed: cannot hash the password (scrypt failed)\n");
		return 1;
	}
	if (open_db(cfg, &s) != 0)
		return 1;
	bool replace = strcmp(argv[0], "passwd") == 0;
	rc = storage_user_put(s, name, hash, office_now(), replace);
	if (rc != 0)
		fprintf(stderr, "officed: %s\n", storage_error(s));
	else
		fprintf(stderr, replace ? "officed: password of %s changed; their other sessions have ended\n"
					: "officed: user %s added; they can log in to the dashboard\n", name);
	storage_close(s);
	return rc ? 1 : 0;
}

/* The newest published bundle, for site names (NULL if none). */
static struct content *published(struct storage *s)
{
	int64_t version = 0;
	char etag[CONTENT_ETAG_MAX], *body = NULL, err[256];
	struct content *c = NULL;
	if (storage_content_latest(s, &version, etag, sizeof(etag), &body) == 0 && body &&
	    content_parse(body, strlen(body), &c, err, sizeof(err)) != 0)
		c = NULL;
	free(body);
	return c;
}

int admin_export(const struct office_config *cfg, int argc, char **argv)
{
	struct export_request r = {.zone = cfg->timezone, .silence = cfg->silence, .now = office_now()};
	const char *path = NULL;
	for (int i = 0; i < argc; i++) {
		bool has = i + 1 < argc;
		if (strcmp(argv[i], "--from") == 0 && has)
			r.from = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && has)
			r.to = argv[++i];
		else if (strcmp(argv[i], "--lang") == 0 && has)
			r.ja = strcmp(argv[++i], "ja") == 0;
		else if (strcmp(argv[i], "-o") == 0 && has)
			path = argv[++i];
		else if (!r.kind && argv[i][0] != '-')
			r.kind = argv[i];
		else {
			fprintf(stderr, "officed: export: unexpected \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (!r.kind) {
		fprintf(stderr, "officed: usage: export days|months|programme [--from X] [--to Y] "
				"[--lang ja|en] [-o FILE]\n");
		return 2;
	}
	struct storage *s;
	if (open_db(cfg, &s) != 0)
		return 1;
	struct content *names = published(s);
	r.names = names;
	struct out o;
	out_init(&o);
	char err[256];
	int rc = export_csv(s, &r, &o, err, sizeof(err));
	content_free(names);
	storage_close(s);
	if (rc != 0) {
		fprintf(stderr, "officed: export %s: %s\n", r.kind, err);
		out_free(&o);
		return 1;
	}
	FILE *f = path ? fopen(path, "wb") : stdout;
	if (!f) {
		fprintf(stderr, "officed: %s: %s\n", path, strerror(errno));
		out_free(&o);
		return 1;
	}
	bool ok = fwrite(o.s, 1, o.len, f) == o.len;
	ok = (path ? fclose(f) : fflush(f)) == 0 && ok;
	out_free(&o);
	if (!ok) {
		fprintf(stderr, "officed: cannot write %s\n", path ? path : "standard output");
		return 1;
	}
	return 0;
}

int admin_holidays(const struct office_config *cfg, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "import") != 0) {
		fprintf(stderr, "officed: usage: holidays import FILE (the Cabinet Office's syukujitsu.csv)\n");
		return 2;
	}
	size_t len;
	char rerr[320];
	char *bytes = office_read_file(argv[1], HOLIDAYS_FILE_MAX, false, &len, rerr, sizeof(rerr));
	if (!bytes) {
		fprintf(stderr, "officed: %s\n", rerr);
		return 1;
	}
	int64_t now = office_now();
	char today[11], err[320];
	tz_local_date(cfg->timezone, now, today);
	content_date_t since = content_date_make(atoi(today) - 1, 1, 1);
	size_t total = 0;
	json_t *dates = holidays_parse(bytes, len, since, &total, err, sizeof(err));
	free(bytes);
	if (!dates) {
		fprintf(stderr, "officed: %s: %s; nothing published\n", argv[1], err);
		return 1;
	}
	struct storage *s;
	if (open_db(cfg, &s) != 0) {
		json_decref(dates);
		return 1;
	}
	char *base_text = NULL;
	json_t *base = NULL;
	int rc = 1;
	if (storage_content_base(s, &base_text) != 0) {
		fprintf(stderr, "officed: %s\n", storage_error(s));
		goto done;
	}
	if (!base_text || !(base = json_loads(base_text, 0, NULL))) {
		fprintf(stderr, "officed: no content has been imported yet: officed content import FILE "
				"first; nothing published\n");
		goto done;
	}
	size_t added = holidays_merge(base, dates);
	struct row_errors e;
	row_errors_init(&e);
	if (content_rows_check(base, NULL, NULL, cfg->public_url, cfg->timezone, now, &e) != 0) {
		fprintf(stderr, "officed: %s: the content would not be valid: %s; nothing published\n",
			argv[1], e.text.s ? e.text.s : "?");
		row_errors_free(&e);
		goto done;
	}
	row_errors_free(&e);
	int64_t version = 0;
	if (storage_content_import(s, base, now, cfg->timezone, &version) != 0) {
		fprintf(stderr, "officed: %s; nothing published\n", storage_error(s));
		goto done;
	}
	printf("%zu holidays in the file, %zu from %04d on kept, %zu new; published content version %lld\n",
	       total, json_array_size(dates), (int)(since / 10000), added, (long long)version);
	rc = 0;
done:
	free(base_text);
	json_decref(base);
	json_decref(dates);
	storage_close(s);
	return rc;
}

int admin_backup(const struct office_config *cfg, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "officed: usage: backup FILE\n");
		return 2;
	}
	struct storage *s;
	if (open_db(cfg, &s) != 0)
		return 1;
	int rc = storage_backup(s, argv[0]);
	if (rc != 0)
		fprintf(stderr, "officed: %s\n", storage_error(s));
	else
		fprintf(stderr, "officed: database copied to %s\n", argv[0]);
	storage_close(s);
	return rc ? 1 : 0;
}
