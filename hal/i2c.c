/*
 * i2c: see i2c.h.
 */
#include "i2c.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* How long the simulated bus may take to answer a transfer. */
#define SIM_TIMEOUT_MS 2000

enum bus_kind { BUS_LINUX, BUS_SIM, BUS_CALLBACK };

struct i2c_bus {
	enum bus_kind kind;
	int fd;
	char path[108];
	i2c_transfer_fn fn;
	void *ctx;
	struct i2c_stats stats;
};

static struct i2c_bus *bus_new(enum bus_kind kind)
{
	struct i2c_bus *b = calloc(1, sizeof(*b));
	if (b) {
		b->kind = kind;
		b->fd = -1;
	}
	return b;
}

static int open_sim(struct i2c_bus *b, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "I2C bus %.200s: socket path too long", path);
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	b->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (b->fd < 0 || connect(b->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		snprintf(err, errlen, "simulated I2C bus %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct i2c_bus *i2c_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "I2C bus %s: %s%s", path, strerror(errno),
			 errno == ENOENT ? " (is the i2c-dev module loaded and I2C enabled?)" : "");
		return NULL;
	}
	struct i2c_bus *b = bus_new(S_ISSOCK(st.st_mode) ? BUS_SIM : BUS_LINUX);
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(b->path, sizeof(b->path), "%s", path);
	if (b->kind == BUS_SIM) {
		if (open_sim(b, path, err, errlen) != 0) {
			i2c_close(b);
			return NULL;
		}
		return b;
	}
	if (!S_ISCHR(st.st_mode)) {
		snprintf(err, errlen, "I2C bus %s is neither an I2C device nor a simulated bus", path);
		free(b);
		return NULL;
	}
	b->fd = open(path, O_RDWR | O_CLOEXEC);
	unsigned long funcs = 0;
	if (b->fd < 0) {
		snprintf(err, errlen, "I2C bus %s: %s", path, strerror(errno));
		i2c_close(b);
		return NULL;
	}
	if (ioctl(b->fd, I2C_FUNCS, &funcs) != 0 || !(funcs & I2C_FUNC_I2C)) {
		snprintf(err, errlen, "%s is not an I2C adapter that takes plain transfers", path);
		i2c_close(b);
		return NULL;
	}
	return b;
}

struct i2c_bus *i2c_open_callback(i2c_transfer_fn fn, void *ctx)
{
	struct i2c_bus *b = bus_new(BUS_CALLBACK);
	if (b) {
		b->fn = fn;
		b->ctx = ctx;
		snprintf(b->path, sizeof(b->path), "callback");
	}
	return b;
}

void i2c_close(struct i2c_bus *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sim_write(struct i2c_bus *b, uint8_t addr, const uint8_t *data, size_t len, char *err,
		     size_t errlen)
{
	uint8_t head[4] = {'W', addr, (uint8_t)(len >> 8), (uint8_t)len};
	if (write_all(b->fd, head, sizeof(head)) != 0 || write_all(b->fd, data, len) != 0) {
		snprintf(err, errlen, "simulated I2C bus %s: %s", b->path, strerror(errno));
		return I2C_ERROR;
	}
	struct pollfd pfd = {.fd = b->fd, .events = POLLIN};
	int ready;
	do
		ready = poll(&pfd, 1, SIM_TIMEOUT_MS);
	while (ready < 0 && errno == EINTR);
	uint8_t answer = 0;
	if (ready <= 0 || recv(b->fd, &answer, 1, 0) != 1) {
		snprintf(err, errlen, "simulated I2C bus %s: no answer", b->path);
		return I2C_ERROR;
	}
	if (answer == 'A')
		return I2C_OK;
	if (answer == 'N') {
		snprintf(err, errlen, "no device acknowledged address 0x%02x on %s", addr, b->path);
		return I2C_NACK;
	}
	snprintf(err, errlen, "the device at 0x%02x on %s refused the bytes (see the simulator's "
		 "log)", addr, b->path);
	return I2C_REJECTED;
}

static int linux_write(struct i2c_bus *b, uint8_t addr, const uint8_t *data, size_t len,
		       char *err, size_t errlen)
{
	struct i2c_msg msg = {.addr = addr, .flags = 0, .len = (__u16)len, .buf = (__u8 *)data};
	struct i2c_rdwr_ioctl_data xfer = {.msgs = &msg, .nmsgs = 1};
	if (ioctl(b->fd, I2C_RDWR, &xfer) >= 0)
		return I2C_OK;
	int e = errno;
	if (e == ENXIO || e == EREMOTEIO || e == EIO) {
		snprintf(err, errlen, "no device acknowledged address 0x%02x on %s (%s): check the "
			 "wiring and [display] address", addr, b->path, strerror(e));
		return I2C_NACK;
	}
	snprintf(err, errlen, "I2C write to 0x%02x on %s: %s", addr, b->path, strerror(e));
	return I2C_ERROR;
}

int i2c_write(struct i2c_bus *b, uint8_t addr, const uint8_t *data, size_t len, char *err,
	      size_t errlen)
{
	if (len == 0 || len > I2C_TRANSFER_MAX || addr > 0x7F) {
		snprintf(err, errlen, "I2C transfer of %zu bytes to 0x%02x is not allowed", len, addr);
		return I2C_ERROR;
	}
	b->stats.transfers++;
	b->stats.wire_bytes += 1 + len;
	switch (b->kind) {
	case BUS_LINUX:
		return linux_write(b, addr, data, len, err, errlen);
	case BUS_SIM:
		return sim_write(b, addr, data, len, err, errlen);
	case BUS_CALLBACK: {
		int rc = b->fn(b->ctx, addr, data, len);
		if (rc != I2C_OK)
			snprintf(err, errlen, "%s at address 0x%02x",
				 rc == I2C_NACK ? "no ACK" : rc == I2C_REJECTED ? "bytes refused"
										  : "bus error",
				 addr);
		return rc;
	}
	}
	return I2C_ERROR;
}

void i2c_get_stats(const struct i2c_bus *b, struct i2c_stats *out) { *out = b->stats; }

void i2c_reset_stats(struct i2c_bus *b) { memset(&b->stats, 0, sizeof(b->stats)); }

double i2c_wire_time_us(const struct i2c_stats *s, unsigned hz)
{
	if (hz == 0)
		return 0;
	double clocks = 9.0 * (double)s->wire_bytes + 2.0 * (double)s->transfers;
	return clocks * 1e6 / (double)hz;
}
