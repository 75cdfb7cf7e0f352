# Pickup-card kiosk: kioskd, kioskctl (and, later, officed).
#
#   make            build everything into build/
#   make run        build, then run the kiosk on the simulated board
#   make check      build and run every test (ends with "N passed, N failed")
#   make check-asan the same tests under AddressSanitizer + UBSan
#   make install    install (honours DESTDIR and PREFIX)
#   make deps       install missing Debian packages (as root) or print the command
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
FIRMWARE_PKGS := inih sqlite3 libcrypto jansson libnfc
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
CPPFLAGS += -D_GNU_SOURCE -Ifirmware -Ihal -Iboard/sim/pn532 -I. -MMD -MP

ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) $(call pkg_cflags,$(FIRMWARE_PKGS))
FIRMWARE_LIBS = $(call pkg_libs,$(FIRMWARE_PKGS)) -pthread

# The daemon's logic lives in a library that the tests link against; the
# programs are thin main()s.
MAINS        := firmware/kioskd.c firmware/kioskctl.c
LIB_SRCS     := $(filter-out $(MAINS),$(wildcard firmware/*.c hal/*.c))
LIB_OBJS     := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB          := $(BUILD)/libkiosk.a
PROGRAMS     := $(BUILD)/kioskd $(BUILD)/kioskctl $(BUILD)/pn532-sim

# The simulated board's PN532 (board/sim/pn532): a library the tests link
# against too, and the pn532-sim program.
SIM_MAIN     := board/sim/pn532/pn532_sim_main.c
SIM_SRCS     := $(filter-out $(SIM_MAIN),$(wildcard board/sim/pn532/*.c))
SIM_OBJS     := $(SIM_SRCS:%.c=$(BUILD)/%.o)
SIM_LIB      := $(BUILD)/libpn532sim.a

UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_TESTS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TARGETS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz-obj/%.o) $(SIM_SRCS:%.c=$(BUILD)/fuzz-obj/%.o)

.PHONY: all run check check-asan test-binaries fuzz-binaries clean install deps fuzz crash-long bench-tap
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

$(BUILD)/pn532-sim: $(BUILD)/board/sim/pn532/pn532_sim_main.o $(SIM_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FIRMWARE_LIBS)

$(BUILD)/kioskd: $(BUILD)/firmware/kioskd.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FIRMWARE_LIBS)

$(BUILD)/kioskctl: $(BUILD)/firmware/kioskctl.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(FIRMWARE_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(SIM_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pkg_libs,$(TEST_PKGS)) $(FIRMWARE_LIBS)

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

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8 \
	  $(DESTDIR)$(PREFIX)/share/doc/kioskd
	install -m 0755 $(BUILD)/kioskd $(DESTDIR)$(PREFIX)/sbin/kioskd
	install -m 0755 $(BUILD)/kioskctl $(DESTDIR)$(PREFIX)/bin/kioskctl
	install -m 0755 $(BUILD)/pn532-sim $(DESTDIR)$(PREFIX)/bin/pn532-sim
	install -m 0644 firmware/kioskd.8 firmware/kioskctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 firmware/kioskd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 firmware/kioskd.conf.example $(DESTDIR)$(PREFIX)/share/doc/kioskd/

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
