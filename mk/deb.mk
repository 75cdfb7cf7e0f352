# Debian packages and cross builds (included by the Makefile).
#
#   make deb [ARCH=amd64|arm64|armhf]   kioskd and officed .debs
#   make check-packages                 amd64 packages: lintian, units, sandbox
#   make check-cross                    arm64 unit tests under qemu-user; armhf packages
#   make check-install                  amd64 packages installed, upgraded, removed
#                                       and purged in a Debian 12 chroot (as root)
#   make deb DEB_VERSION=V DEBDIR=DIR   packages of version V (default: kioskd's)
#                                       into DIR (default: $(BUILD)/deb)
#
# amd64 is built natively from $(BUILD); arm64 and armhf with Debian's
# cross compilers against a sysroot of the target's -dev packages
# (mk/sysroot.sh), so the host's multiarch setup is never touched. Cross
# builds live in build-cross/ARCH (sysroot, apt cache, objects, packages),
# not under build/: the Makefile includes every *.d file under $(BUILD),
# and a sysroot has directories named *.d.

ARCH       ?= amd64
CROSS_DIR  ?= build-cross
cross_triplet = $(if $(filter arm64,$(1)),aarch64-linux-gnu,$(if $(filter armhf,$(1)),arm-linux-gnueabihf,$(error ARCH=$(1): amd64, arm64 or armhf)))
cross_qemu    = $(if $(filter arm64,$(1)),qemu-aarch64,qemu-arm)
# The make variables of a cross build for architecture $(1).
cross_vars = BUILD=$(CROSS_DIR)/$(1)/obj \
	CC="$(call cross_triplet,$(1))-gcc --sysroot=$(CURDIR)/$(CROSS_DIR)/$(1)/sysroot" \
	AR=$(call cross_triplet,$(1))-ar \
	PKG_CONFIG="env PKG_CONFIG_SYSROOT_DIR=$(CURDIR)/$(CROSS_DIR)/$(1)/sysroot PKG_CONFIG_LIBDIR=$(CURDIR)/$(CROSS_DIR)/$(1)/sysroot/usr/lib/$(call cross_triplet,$(1))/pkgconfig:$(CURDIR)/$(CROSS_DIR)/$(1)/sysroot/usr/share/pkgconfig pkg-config"
DEB_PROGRAMS := kioskd kioskctl officed
# The amd64 packages' folder, and their version (empty: kioskd's own,
# firmware/kiosk.h). check-install builds a second, newer version
# ($(DEB_NEXT_VERSION)) into its own folder, so $(BUILD)/deb keeps one.
DEBDIR      ?= $(BUILD)/deb
DEB_VERSION ?=
DEB_NEXT_VERSION := $(shell sed -n 's/^.define KIOSK_VERSION "\(.*\)"/\1/p' firmware/kiosk.h)+1
# check-install's cached Debian 12 root (debootstrap, once). Not under
# $(BUILD): the Makefile includes every *.d under $(BUILD), and a root has
# directories named *.d.
PKGROOT_DIR ?= build-pkgroot

.PHONY: deb check-packages check-cross check-install check-boot clean-cross
deb: deps
ifeq ($(ARCH),amd64)
	@$(MAKE) --no-print-directory $(DEB_PROGRAMS:%=$(BUILD)/%)
	@VERSION='$(DEB_VERSION)' sh packaging/mkdeb.sh amd64 $(BUILD) $(DEBDIR)
else
	@sh mk/sysroot.sh $(ARCH) $(CROSS_DIR)/$(ARCH)
	@$(MAKE) --no-print-directory $(call cross_vars,$(ARCH)) \
	  $(DEB_PROGRAMS:%=$(CROSS_DIR)/$(ARCH)/obj/%)
	@STRIP=$(call cross_triplet,$(ARCH))-strip sh packaging/mkdeb.sh $(ARCH) \
	  $(CROSS_DIR)/$(ARCH)/obj $(CROSS_DIR)/$(ARCH)/deb $(CROSS_DIR)/$(ARCH)/shlibs
endif

# The amd64 packages, unpacked into a test root: lintian errors, unit
# files (systemd-analyze verify), sandbox ratings (systemd-analyze
# security --offline), file modes, conffiles, man pages.
check-packages: deps
	@$(MAKE) --no-print-directory deb ARCH=amd64
	@BUILD=$(BUILD) sh tests/packages/run.sh $(BUILD)/deb

# arm64: the programs, every unit test built for arm64 and run under
# qemu-user against the sysroot, and the packages; armhf: programs and
# packages.
check-cross: deps
	@$(MAKE) --no-print-directory deb ARCH=arm64
	@$(MAKE) --no-print-directory $(call cross_vars,arm64) test-binaries
	@sh mk/qemu-tests.sh $(call cross_qemu,arm64) $(CROSS_DIR)/arm64/sysroot $(CROSS_DIR)/arm64/obj
	@$(MAKE) --no-print-directory deb ARCH=armhf

# The amd64 packages installed with apt into a minimal Debian 12 root
# (debootstrap --variant=minbase, cached in $(PKGROOT_DIR)) under chroot:
# the maintainer scripts run for real, then an upgrade to
# $(DEB_NEXT_VERSION) over a store, remove and purge
# (tests/packages/install.sh). Needs root.
check-install: deps
	@$(MAKE) --no-print-directory deb ARCH=amd64 DEB_VERSION= DEBDIR=$(BUILD)/deb
	@$(MAKE) --no-print-directory deb ARCH=amd64 DEB_VERSION=$(DEB_NEXT_VERSION) \
	  DEBDIR=$(BUILD)/deb-next
	@sh tests/packages/install.sh $(BUILD)/deb $(BUILD)/deb-next $(PKGROOT_DIR)

# check-install, plus the root booted under systemd (systemd-nspawn): the
# units run as systemd runs them, and the watchdog restarts a wedged loop.
# Needs cgroups for a container, so not in CI.
check-boot: deps
	@command -v systemd-nspawn >/dev/null || apt-get install -y -qq systemd-container >/dev/null
	@BOOT_TEST=1 $(MAKE) --no-print-directory check-install

clean-cross:
	rm -rf $(CROSS_DIR)
