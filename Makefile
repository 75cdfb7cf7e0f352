# Pickup-card kiosk: kioskd, kioskctl (and, later, officed).
#
#   make            build everything into build/
#   make run        build, then run the kiosk on the simulated board
#   make check      build and run every test (ends with "N passed, N failed")
#   make check-asan the same tests under AddressSanitizer + UBSan
#   make install    install (honours DESTDIR and PREFIX)
#   make deps       install missing Debian packages (as root) or print the command
#   make deb        Debian packages (ARCH=amd64|arm64|armhf); check-packages, check-cross
#
# WERROR=1 turns warnings into errors (CI sets it). CC=clang builds with clang.

PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      ?= build
PKG_CONFIG ?= pkg-config
FUZZ_CC    ?= clang
PYTHON     ?= python3
# Seconds each fuzz target runs in `make check` (after replaying its corpus).
FUZZ_SECONDS ?= 10
WERROR     ?=
SAN        ?=

# Libraries are found with pkg-config; evaluated lazily so that `make deps`
# works on a machine that has none of them yet.
FIRMWARE_PKGS := inih sqlite3 libcrypto jansson libnfc freetype2 libqrencode libpng libcurl zlib libgpiod
# officed's own: the HTTP server (GnuTLS inside) and PostgreSQL's client.
OFFICE_PKGS   := libmicrohttpd libpq gnutls
TEST_PKGS     := cmocka
pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pkg_libs   = $(shell $(PKG_CONFIG) --libs $(1))

WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla -Wundef
CFLAGS   ?= -O2 -g
BASE_CFLAGS := -std=c11 $(WARNINGS) -pthread -fno-strict-aliasing
ifeq ($(WERROR),1)
BASE_CFLAGS += -Werror
endif
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SAN),1)
BASE_CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif
CPPFLAGS += -D_GNU_SOURCE -Ifirmware -Ihal -Isync -Ioffice -Iboard/sim/pn532 -Iboard/sim/ssd1306 -I. -MMD -MP

ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) $(call pkg_cflags,$(FIRMWARE_PKGS) $(OFFICE_PKGS))
FIRMWARE_LIBS = $(call pkg_libs,$(FIRMWARE_PKGS)) -pthread -lm
OFFICE_LIBS   = $(call pkg_libs,$(OFFICE_PKGS))

# The daemon's logic lives in a library that the tests link against; the
# programs are thin main()s.
MAINS        := firmware/kioskd.c firmware/kioskctl.c firmware/kiosk_screens.c
LIB_SRCS     := $(filter-out $(MAINS),$(wildcard firmware/*.c hal/*.c sync/*.c))
LIB_OBJS     := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB          := $(BUILD)/libkiosk.a
PROGRAMS     := $(BUILD)/kioskd $(BUILD)/kioskctl $(BUILD)/pn532-sim
# The display's tools: every screen to PNG, and the simulated board's OLED.
PROGRAMS     += $(BUILD)/kiosk-screens $(BUILD)/oled-sim

# officed (office/): its own library, so kioskd never links office code;
# officed takes the kiosk-office protocol and the content parser from sync/
# (in libkiosk.a, of which the linker takes only what officed uses).
OFFICE_MAIN  := office/officed.c
OFFICE_SRCS  := $(filter-out $(OFFICE_MAIN),$(wildcard office/*.c))
OFFICE_LIB   := $(BUILD)/liboffice.a
PROGRAMS     += $(BUILD)/officed

# The simulated board's PN532 (board/sim/pn532): a library the tests link
# against too, and the pn532-sim program.
SIM_MAIN     := board/sim/pn532/pn532_sim_main.c
SIM_SRCS     := $(filter-out $(SIM_MAIN),$(wildcard board/sim/pn532/*.c))
SIM_OBJS     := $(SIM_SRCS:%.c=$(BUILD)/%.o)
SIM_LIB      := $(BUILD)/libpn532sim.a

# The simulated board's OLED on a fake I2C bus (board/sim/ssd1306): the
# virtual panel is a library the unit tests and bench-display link against.
OLED_SIM_MAIN := board/sim/ssd1306/oled_sim_main.c
OLED_SIM_SRCS := $(filter-out $(OLED_SIM_MAIN),$(wildcard board/sim/ssd1306/*.c))
OLED_SIM_LIB  := $(BUILD)/liboledsim.a

UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_TESTS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz-obj/%.o) $(SIM_SRCS:%.c=$(BUILD)/fuzz-obj/%.o)

.PHONY: all run check check-asan test-binaries fuzz-binaries clean install deps fuzz crash-long bench-tap \
        screenshots bench-display bench-office
all: $(PROGRAMS)

deps:
	@sh mk/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(SIM_LIB): $(SIM_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(OLED_SIM_LIB): $(OLED_SIM_SRCS:%.c=$(BUILD)/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/oled-sim: $(BUILD)/board/sim/ssd1306/oled_sim_main.o $(OLED_SIM_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FIRMWARE_LIBS)

$(BUILD)/kiosk-screens: $(BUILD)/firmware/kiosk_screens.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FIRMWARE_LIBS)

$(BUILD)/bench-display: $(BUILD)/bench/display_bench.o $(OLED_SIM_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FIRMWARE_LIBS)

$(OFFICE_LIB): $(OFFICE_SRCS:%.c=$(BUILD)/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/officed: $(BUILD)/office/officed.o $(OFFICE_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(OFFICE_LIBS) $(FIRMWARE_LIBS)

# bench-office's HTTPS load generator (libcurl, and OpenSSL to see resumption).
$(BUILD)/office-ingest-tls: $(BUILD)/bench/office_ingest_tls.o
	$(CC) $(LDFLAGS) -o $@ $^ $(call pkg_libs,libcurl libssl)

$(BUILD)/pn532-sim: $(BUILD)/board/sim/pn532/pn532_sim_main.o $(SIM_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FIRMWARE_LIBS)

$(BUILD)/kioskd: $(BUILD)/firmware/kioskd.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FIRMWARE_LIBS)

$(BUILD)/kioskctl: $(BUILD)/firmware/kioskctl.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FIRMWARE_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(SIM_LIB) $(OLED_SIM_LIB) $(OFFICE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pkg_libs,$(TEST_PKGS)) $(OFFICE_LIBS) $(FIRMWARE_LIBS)

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(call pkg_cflags,$(TEST_PKGS)) -c -o $@ $<

# Fuzz targets are always built with clang's libFuzzer, ASan and UBSan, from
# their own objects so the main build can use any compiler.
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
$(BUILD)/fuzz-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(BASE_CFLAGS) -O1 -g $(FUZZ_FLAGS) $(call pkg_cflags,$(FIRMWARE_PKGS)) -c -o $@ $<

$(BUILD)/fuzz/%: $(BUILD)/fuzz-obj/tests/fuzz/%.o $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(FIRMWARE_LIBS)

test-binaries: $(PROGRAMS) $(UNIT_TESTS)
fuzz-binaries: $(FUZZ_TARGETS)

run: deps
	@$(MAKE) --no-print-directory all
	@sh board/sim/run.sh $(BUILD)

check: deps
	@$(MAKE) --no-print-directory test-binaries fuzz-binaries
	@BUILD=$(BUILD) PYTHON=$(PYTHON) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/run.sh

# The same unit and integration tests, built with ASan + UBSan. The fuzz
# targets are sanitized already and run in `make check`.
check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 test-binaries
	@BUILD=build-asan PYTHON=$(PYTHON) FUZZ_SECONDS=0 SANITIZED=1 sh tests/run.sh

# Longer runs than `make check` gives them.
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-binaries
	@BUILD=$(BUILD) FUZZ_SECONDS=$${FUZZ_SECONDS:-300} ONLY=fuzz sh tests/run.sh

crash-long: deps
	@$(MAKE) --no-print-directory test-binaries
	@BUILD=$(BUILD) PYTHON=$(PYTHON) CRASH_KILLS=$${CRASH_KILLS:-2000} ONLY=crash sh tests/run.sh

# Tap latency on the simulated PN532 (p50/p95/p99, paced and unpaced), idle CPU, RSS.
bench-tap: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) $(PYTHON) bench/tap_latency.py $(BENCH_ARGS)

# Every screen, in every language, at 128x64 and 320x240, as PNG files in
# $(BUILD)/screenshots (SCALE=3 for bigger pictures), drawn with the example
# content bundle at a fixed time.
SCALE ?= 1
screenshots: deps
	@$(MAKE) --no-print-directory $(BUILD)/kiosk-screens
	@rm -rf $(BUILD)/screenshots
	$(BUILD)/kiosk-screens --content firmware/content.example.json --scale $(SCALE) \
	  $(BUILD)/screenshots >$(BUILD)/screenshots.jsonl
	@echo "screenshots: $$(ls $(BUILD)/screenshots | wc -l) pictures in $(BUILD)/screenshots"

# Display render and flush times per screen and backend, SSD1306 bytes per
# update and their time on the I2C bus (bench/display.md says how).
bench-display: deps
	@$(MAKE) --no-print-directory $(BUILD)/bench-display
	@$(BUILD)/bench-display $(BENCH_ARGS)

# Office ingest: reports/s and p50/p99 for 8, 64 and 256 kiosks on SQLite and
# PostgreSQL beside nginx answering 204 (the HTTP ceiling), HTTPS with a new
# connection per report, and a 90-day catch-up's gzipped size (bench/README.md).
bench-office: deps
	@$(MAKE) --no-print-directory $(BUILD)/officed $(BUILD)/office-ingest-tls
	@BUILD=$(BUILD) $(PYTHON) bench/office_ingest.py $(BENCH_ARGS)

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8 \
	  $(DESTDIR)$(PREFIX)/share/doc/kioskd
	install -m 0755 $(BUILD)/kioskd $(DESTDIR)$(PREFIX)/sbin/kioskd
	install -m 0755 $(BUILD)/kioskctl $(DESTDIR)$(PREFIX)/bin/kioskctl
	install -m 0755 $(BUILD)/pn532-sim $(DESTDIR)$(PREFIX)/bin/pn532-sim
	install -m 0644 firmware/content.example.json $(DESTDIR)$(PREFIX)/share/doc/kioskd/
	install -m 0644 firmware/kioskd.8 firmware/kioskctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 firmware/kioskd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 firmware/kioskd.conf.example $(DESTDIR)$(PREFIX)/share/doc/kioskd/
	install -d $(DESTDIR)$(PREFIX)/share/doc/officed
	install -m 0755 $(BUILD)/officed $(DESTDIR)$(PREFIX)/sbin/officed
	install -m 0644 office/officed.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 office/officed.conf.example $(DESTDIR)$(PREFIX)/share/doc/officed/

clean:
	rm -rf build build-asan

# Debian packages, cross builds for arm64/armhf, their checks.
include mk/deb.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
