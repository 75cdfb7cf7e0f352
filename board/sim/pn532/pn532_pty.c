/*
 * pn532_pty: see pn532_pty.h.
 */
#include "pn532_pty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int pn532_pty_open(struct pn532_pty *p, char *err, size_t errlen)
{
	p->master = -1;
	p->slave = -1;
	p->path[0] = '\0';
	const int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0) {
		snprintf(err, errlen, "posix_openpt: %s", strerror(errno));
		return -1;
	}
	if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, p->path, sizeof(p->path)) != 0) {
		snprintf(err, errlen, "pty setup: %s", strerror(errno));
		close(m);
		return -1;
	}
	const int s = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		snprintf(err, errlen, "%s: %s", p->path, strerror(errno));
		close(m);
		return -1;
	}
	struct termios tio;
	if (tcgetattr(s, &tio) != 0) {
		snprintf(err, errlen, "%s: tcgetattr: %s", p->path, strerror(errno));
		close(s);
		close(m);
		return -1;
	}
	cfmakeraw(&tio);
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	if (tcsetattr(s, TCSANOW, &tio) != 0) {
		snprintf(err, errlen, "%s: tcsetattr: %s", p->path, strerror(errno));
		close(s);
		close(m);
		return -1;
	}
	const int flags = fcntl(m, F_GETFL);
	if (flags < 0 || fcntl(m, F_SETFL, flags | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "pty: O_NONBLOCK: %s", strerror(errno));
		close(s);
		close(m);
		return -1;
	}
	p->master = m;
	p->slave = s;
	return 0;
}

void pn532_pty_close(struct pn532_pty *p)
{
	if (p->master >= 0)
		close(p->master);
	if (p->slave >= 0)
		close(p->slave);
	p->master = -1;
	p->slave = -1;
}

int pn532_link_point(const char *link, const char *target, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(link, &st) == 0 && !S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a symlink; not replacing it", link);
		return -1;
	}
	char tmp[4096];
	const int n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", link, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(err, errlen, "link path too long");
		return -1;
	}
	unlink(tmp);
	if (symlink(target, tmp) != 0) {
		snprintf(err, errlen, "symlink %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (rename(tmp, link) != 0) {
		snprintf(err, errlen, "rename %s to %s: %s", tmp, link, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void pn532_link_remove(const char *link, const char *target)
{
	char buf[256];
	const ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return;
	buf[n] = '\0';
	if (strcmp(buf, target) == 0)
		unlink(link);
}
