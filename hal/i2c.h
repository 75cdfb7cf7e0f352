/*
 * i2c: a small write-only I2C transport for display panels.
 *
 * Backends, chosen by what the configured path is:
 *   - a character device (/dev/i2c-1): Linux i2c-dev, one I2C_RDWR
 *     message per transfer (START, address, bytes, STOP);
 *   - a Unix socket: the simulated board's bus (board/sim/ssd1306), which
 *     receives the same transfers and answers each with ACK, NAK (nothing at
 *     that address) or REJECT (the device refused the bytes);
 * and, in-process, a callback (tests and benchmarks put a virtual panel
 * behind it). Every transfer is counted, with the bytes that cross the wire
 * (address byte included), so the time it takes at a bus speed can be told.
 *
 * Wire protocol of the simulated bus, per transfer (client to simulator):
 *   'W', address (7-bit), length (2 bytes, big-endian, 1..I2C_TRANSFER_MAX),
 *   then the bytes; the simulator answers one byte: 'A' (ACK), 'N' (NAK) or
 *   'R' (rejected).
 */
#ifndef KIOSK_HAL_I2C_H
#define KIOSK_HAL_I2C_H

#include <stddef.h>
#include <stdint.h>

#define I2C_TRANSFER_MAX 4096

enum i2c_result {
	I2C_OK = 0,
	I2C_NACK = 1,     /* no device acknowledged the address */
	I2C_REJECTED = 2, /* the device refused the bytes (simulator only) */
	I2C_ERROR = 3,    /* the bus itself failed */
};

/* For the callback backend: one transfer. Returns an enum i2c_result. */
typedef int (*i2c_transfer_fn)(void *ctx, uint8_t addr, const uint8_t *data, size_t len);

struct i2c_stats {
	uint64_t transfers;
	uint64_t wire_bytes; /* address byte + data bytes, summed over transfers */
};

struct i2c_bus;

/* Opens the bus at path (see above). NULL with a reason in err. */
struct i2c_bus *i2c_open(const char *path, char *err, size_t errlen);
struct i2c_bus *i2c_open_callback(i2c_transfer_fn fn, void *ctx);
void i2c_close(struct i2c_bus *bus);

/*
 * Writes len bytes (1..I2C_TRANSFER_MAX) to the device at addr in one
 * transfer. Returns I2C_OK, or another enum i2c_result with a reason in err.
 */
int i2c_write(struct i2c_bus *bus, uint8_t addr, const uint8_t *data, size_t len, char *err,
	      size_t errlen);

void i2c_get_stats(const struct i2c_bus *bus, struct i2c_stats *out);
void i2c_reset_stats(struct i2c_bus *bus);

/*
 * Time the transfers take on a bus clocked at hz, in microseconds: 9 clocks
 * a byte (8 bits and the ACK) and about 2 for each START and STOP.
 */
double i2c_wire_time_us(const struct i2c_stats *stats, unsigned hz);

#endif
