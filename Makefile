# gatebox: one static multi-call binary. Kbuild-like in spirit, plain GNU make in practice.
#   make [O=DIR] [CROSS_COMPILE=aarch64-linux-gnu-] [CC=...] [V=1]   build DIR/gatebox
#   make defconfig | NAME_defconfig | menuconfig | oldconfig | olddefconfig
#   make allnoconfig | allyesconfig | savedefconfig
#   make install DESTDIR=... [PREFIX=...]   make size | baseline | bloatcheck
#   make check [SANITIZE=1] [CROSS_COMPILE=...]   make lint   make demo   make fuzz
VERSION := 0.1.0
SHELL := /bin/sh
.DEFAULT_GOAL := all

O ?= build
override O := $(patsubst %/,%,$(O))
GEN := $(O)/gen
KCONFIG_CONFIG := $(O)/.config
PYTHON := /usr/bin/python3
KCONFIG = $(PYTHON) scripts/kconfig Kconfig $(KCONFIG_CONFIG)
export GATEBOX_GEN := $(abspath $(GEN))

ifeq ($(V),1)
  Q :=
  say := @:
else
  Q := @
  say := @printf '  %-8s %s\n'
endif

# --- dependencies: install what is missing (root on Debian), once, quietly when all is there
ifeq ($(NO_DEPS),)
  ifneq ($(shell scripts/setup-deps --check >/dev/null 2>&1 || echo missing),)
    $(info setup-deps: installing missing build dependencies)
    $(shell scripts/setup-deps >&2 || echo "setup-deps failed: build may fail" >&2)
  endif
endif

# --- toolchain: musl by default; Debian's multiarch musl wrappers for CROSS_COMPILE
CROSS_COMPILE ?=
ifeq ($(SANITIZE),1)
  ifeq ($(origin CC),default)
    CC := gcc
  endif
else ifeq ($(origin CC),default)
  ifeq ($(CROSS_COMPILE),)
    CC := musl-gcc
  else
    CC := $(subst gnu,musl,$(CROSS_COMPILE))gcc
  endif
endif
AR := $(CROSS_COMPILE)ar
STRIP := $(CROSS_COMPILE)strip
NM := $(CROSS_COMPILE)nm
SIZE := $(CROSS_COMPILE)size

# --- configuration: .config lives in O; config goals skip the build rules
config_goals := $(filter defconfig menuconfig oldconfig olddefconfig allnoconfig allyesconfig savedefconfig %_defconfig,$(MAKECMDGOALS))
APPLET_SRCS := $(sort $(wildcard applets/*.c applets/*/*.c))

$(GEN)/applets.stamp: $(APPLET_SRCS) scripts/gen-applets $(wildcard applets applets/*/)
	$(Q)scripts/gen-applets $(GEN)
	$(Q)touch $@
$(GEN)/applets.mk $(GEN)/applets.kconfig $(GEN)/applets.h: $(GEN)/applets.stamp ;

ifeq ($(config_goals),)
-include $(GEN)/auto.mk
endif
# after auto.mk: its lines are applets-$(CONFIG_X) += FILE, named by the config at parse time
-include $(GEN)/applets.mk

# auto.mk is .config made current: new symbols at their defaults, header regenerated (rewritten
# only when it changes, so an unchanged config rebuilds nothing).
$(GEN)/auto.mk: $(wildcard $(KCONFIG_CONFIG)) Kconfig $(GEN)/applets.kconfig scripts/kconfig
	$(Q)mkdir -p $(GEN)
	$(Q)if [ -f $(KCONFIG_CONFIG) ]; then $(KCONFIG) olddefconfig >/dev/null; \
	else echo "  CONFIG   configs/defconfig (no $(KCONFIG_CONFIG) yet)"; \
	     $(KCONFIG) defconfig configs/defconfig >/dev/null; fi
	$(Q)$(KCONFIG) header $(GEN)/config.h
	$(Q)cp $(KCONFIG_CONFIG) $@

CONFIG_TARGETS := defconfig menuconfig oldconfig olddefconfig allnoconfig allyesconfig savedefconfig
# FRAGMENT=FILE merges a further config fragment (the test suite turns on CONFIG_TESTING so)
$(CONFIG_TARGETS): $(GEN)/applets.kconfig FORCE
	$(Q)mkdir -p $(O)
	$(Q)case "$@" in \
	  defconfig) $(KCONFIG) defconfig $(or $(DEFCONFIG),configs/defconfig) $(FRAGMENT);; \
	  savedefconfig) $(KCONFIG) savedefconfig $(O)/defconfig;; \
	  *) $(KCONFIG) $@;; \
	esac
%_defconfig: $(GEN)/applets.kconfig FORCE
	$(Q)mkdir -p $(O)
	$(Q)[ -f configs/$@ ] || { echo "no such configuration: configs/$@" >&2; exit 1; }
	$(Q)$(KCONFIG) defconfig configs/$@ $(FRAGMENT)

# --- flags
OPT := $(if $(filter y,$(CONFIG_DEBUG)),-O0 -g,-Os)
ifeq ($(SANITIZE),1)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  SAN_LD := -fsanitize=address,undefined
endif
CFLAGS ?= $(OPT)
WARN := -Wall -Wextra -Wshadow -Wundef -Wstrict-prototypes -Wmissing-prototypes \
        -Wwrite-strings -Wformat=2 -Wcast-qual -Wvla -Wno-format-nonliteral
GB_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(if $(filter y,$(CONFIG_WERROR)),-Werror) \
             -ffunction-sections -fdata-sections -fno-common -MMD -MP \
             -I$(GEN) -Ilibcommon -Iapplets -DGATEBOX_VERSION='"$(VERSION)"'
GB_LDFLAGS := -Wl,--gc-sections -Wl,-z,norelro $(SAN_LD)
ifneq ($(SANITIZE),1)
  ifeq ($(CONFIG_STATIC),y)
    GB_LDFLAGS += -static
  endif
endif
# Release builds (neither SANITIZE=1 nor CONFIG_DEBUG) trade what no shipped binary uses:
#  - unwind tables: C never unwinds (24 kB of .eh_frame in tiny x86_64); sanitizer and debug
#    builds keep them for their stack traces and gdb
#  - position independence: the static link makes a fixed-address EXEC anyway, so the
#    toolchain's default -fPIE only cost GOT indirections (4 kB x86_64, 8 kB armhf)
#  - -z separate-code: x86_64 ld's page-aligned padding between the R, RX and R segments;
#    a small common-page-size lets the RW segment start mid-page instead of padding the file
#    up to the next page (0-4 kB, 2.7 kB in armhf full), at most one page more of address space
#  - LTO (LTO=0 turns it off) for our own code, one partition (the smallest output); the
#    per-object -O2 of HOT_OBJS still holds per function. mbedtls is left out: its objects
#    and their speed are configs/mbedtls' business. gcc-ar indexes the LTO archive.
ifeq ($(filter y,$(CONFIG_DEBUG))$(SANITIZE),)
  REL_CFLAGS := -fno-asynchronous-unwind-tables -fno-unwind-tables
  REL_LDFLAGS := -Wl,-z,noseparate-code -Wl,-z,common-page-size=64
  ifeq ($(CONFIG_STATIC),y)
    REL_CFLAGS += -fno-pie
    REL_LDFLAGS += -no-pie
  endif
  LTO ?= 1
  ifeq ($(LTO),1)
    ifneq ($(findstring Free Software Foundation,$(shell $(CC) --version 2>/dev/null)),)
      LTO_CFLAGS := -flto -flto-partition=one
      AR := $(CROSS_COMPILE)gcc-ar
    endif
  endif
endif
ALL_CFLAGS = $(GB_CFLAGS) $(CFLAGS) $(REL_CFLAGS) $(EXTRA_CFLAGS) $(patsubst "%",%,$(CONFIG_EXTRA_CFLAGS))
ALL_LDFLAGS = $(GB_LDFLAGS) $(REL_LDFLAGS) $(LTO_CFLAGS) $(LDFLAGS)

# --- mbedtls, only with CONFIG_TLS=y: Debian's 3.6 source, our compiler, our trimmed config
ifeq ($(CONFIG_TLS),y)
  ifeq ($(config_goals),)
    MBEDTLS_DIR := $(shell scripts/fetch-mbedtls)
  endif
  MBEDTLS_CFG := '-DMBEDTLS_CONFIG_FILE="gatebox_mbedtls_config.h"'
  # -isystem: the library's headers are not held to our warnings (-Wundef, ...)
  GB_CFLAGS += -Iconfigs/mbedtls -isystem $(MBEDTLS_DIR)/include $(MBEDTLS_CFG)
  MBEDTLS_OBJS := $(patsubst $(MBEDTLS_DIR)/library/%.c,$(O)/mbedtls/%.o,$(wildcard $(MBEDTLS_DIR)/library/*.c))
  MBEDTLS_LIB := $(O)/libmbedtls_gatebox.a
  # C that never unwinds: its .eh_frame tables were 25 kB of the TLS cost (sanitizer builds
  # keep them for their stack traces)
  MBEDTLS_NOUNWIND := $(if $(filter 1,$(SANITIZE)),,-fno-asynchronous-unwind-tables -fno-unwind-tables)
endif

# --- sources: libcommon always (the link keeps what is referenced), applets by config
LIBCOMMON_SRCS := $(filter-out libcommon/tls%.c,$(sort $(wildcard libcommon/*.c))) \
                  $(if $(filter y,$(CONFIG_TLS)),$(sort $(wildcard libcommon/tls*.c)))
LIBCOMMON_OBJS := $(patsubst %.c,$(O)/%.o,$(LIBCOMMON_SRCS))
GATEBOX_SRCS := applets/main.c $(sort $(wildcard $(applets-y)))
GATEBOX_OBJS := $(patsubst %.c,$(O)/%.o,$(GATEBOX_SRCS))
LIBCOMMON := $(O)/libcommon.a

all: $(O)/gatebox $(O)/gatebox.links

# the hosts tables are scanned line by line per connection (tcpd) and per tcpdmatch run:
# their matcher is worth -O2 even in an -Os build (a few hundred bytes)
HOT_OBJS := $(O)/libcommon/rules_match.o $(O)/libcommon/rules_table.o $(O)/libcommon/rules_file.o \
            $(O)/libcommon/rules_inet.o $(O)/libcommon/str.o
$(HOT_OBJS): HOT_CFLAGS := $(if $(filter -Os,$(CFLAGS)),-O2)
# and so are the ciphers and the field arithmetic of TLS, per record and per handshake;
# software AES and GHASH only where they run: a native (x86_64) build has AES-NI and
# PCLMULQDQ (measured: AES-128-GCM 390 MB/s with gcm.c at -Os or -O2, 2.4 kB less).
# Not the hashes: a handshake hashes a few kB (-Os: 2.2 kB less, no measurable change)
MBEDTLS_HOT := $(if $(CROSS_COMPILE),aes gcm) aesni chacha20 poly1305 chachapoly bignum_core ecp_curves
$(patsubst %,$(O)/mbedtls/%.o,$(MBEDTLS_HOT)): HOT_CFLAGS := $(if $(filter -Os,$(CFLAGS)),-O2)
# our mbedtls hooks (allocator, field arithmetic) never unwind either
$(O)/libcommon/tls_alloc.o $(O)/libcommon/tls_x25519.o $(O)/libcommon/tls_p256.o \
  $(O)/libcommon/tls_rsa.o: HOT_CFLAGS := $(MBEDTLS_NOUNWIND)
$(O)/libcommon/tls_ifma.o: HOT_CFLAGS := $(MBEDTLS_NOUNWIND)

$(O)/%.o: %.c
	$(say) CC $<
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LTO_CFLAGS) $(HOT_CFLAGS) -c $< -o $@

$(LIBCOMMON): $(LIBCOMMON_OBJS)
	$(say) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c configs/mbedtls/gatebox_mbedtls_config.h
	$(say) CC $<
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(filter-out -Werror -W%,$(ALL_CFLAGS)) $(MBEDTLS_NOUNWIND) $(HOT_CFLAGS) -w -I$(MBEDTLS_DIR)/library -c $< -o $@

# mbedtls's sources that scripts/patch-mbedtls-NAME rewrites to call ours
# (configs/mbedtls/gatebox_NAME_hooks.h): rsa.c's exponentiations through
# libcommon/tls_rsa.c (IFMA where the CPU has it), ecp.c's X25519 ladder through
# libcommon/tls_x25519.c
MBEDTLS_PATCHED := rsa ecp
$(O)/mbedtls/%_gatebox.c: $(MBEDTLS_DIR)/library/%.c scripts/patch-mbedtls-%
	$(Q)mkdir -p $(dir $@)
	$(Q)scripts/patch-mbedtls-$* $< $@
$(patsubst %,$(O)/mbedtls/%.o,$(MBEDTLS_PATCHED)): $(O)/mbedtls/%.o: $(O)/mbedtls/%_gatebox.c \
  configs/mbedtls/gatebox_mbedtls_config.h configs/mbedtls/gatebox_%_hooks.h
	$(say) CC $<
	$(Q)$(CC) $(filter-out -Werror -W%,$(ALL_CFLAGS)) $(MBEDTLS_NOUNWIND) $(HOT_CFLAGS) -w -iquote $(MBEDTLS_DIR)/library -c $< -o $@

$(MBEDTLS_LIB): $(MBEDTLS_OBJS)
	$(say) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/gatebox_unstripped: $(GATEBOX_OBJS) $(LIBCOMMON) $(MBEDTLS_LIB)
	$(say) LINK $@
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Wl,-Map=$(O)/gatebox.map -o $@ $(GATEBOX_OBJS) $(LIBCOMMON) $(MBEDTLS_LIB)

$(O)/gatebox: $(O)/gatebox_unstripped
ifeq ($(filter y,$(CONFIG_DEBUG))$(SANITIZE),)
	$(say) STRIP $@
	$(Q)$(STRIP) -R .comment -o $@ $<
else
	$(Q)cp $< $@
endif

# The names to link, from the generated table and .config (no need to run a cross binary).
$(O)/gatebox.links: $(GEN)/applets.h $(GEN)/auto.mk
	$(Q)awk '/^#if ENABLE_/{s=substr($$2,8)} /^APPLET/{n=$$0; sub(/^APPLET\("/,"",n); sub(/".*/,"",n); print s, n}' $(GEN)/applets.h | \
	  while read -r sym name; do grep -qx "CONFIG_$$sym=y" $(KCONFIG_CONFIG) && echo "$$name"; done > $@ || true

# --- install for firmware builders: DESTDIR/PREFIX/bindir/gatebox plus relative links
PREFIX ?=
BINDIR := $(PREFIX)$(patsubst "%",%,$(CONFIG_INSTALL_BINDIR))
install: all
	$(Q)install -d $(DESTDIR)$(BINDIR)
	$(Q)install -m 0755 $(O)/gatebox $(DESTDIR)$(BINDIR)/gatebox
	$(Q)while read -r n; do ln -sfn gatebox $(DESTDIR)$(BINDIR)/$$n; done < $(O)/gatebox.links
	$(Q)if [ "$(INSTALL_EXAMPLES)" = 1 ] && [ -d configs/examples/units ]; then \
	  install -d $(DESTDIR)/etc/gatebox/units $(DESTDIR)/etc/gatebox/examples && \
	  cp -R configs/examples/units/. $(DESTDIR)/etc/gatebox/units/ && \
	  install -m 0755 configs/examples/hello-listenfds.py $(DESTDIR)/etc/gatebox/examples/ && \
	  install -m 0644 configs/examples/hosts.allow configs/examples/hosts.deny $(DESTDIR)/etc/gatebox/examples/; fi
	@echo "installed $(DESTDIR)$(BINDIR)/gatebox and $$(wc -l < $(O)/gatebox.links) applet links"

# --- an initramfs that boots gatebox under qemu with Debian's kernel (docs/firmware.md)
initramfs: all
	$(Q)scripts/mkinitramfs --gatebox $(O)/gatebox -o $(O)/initramfs.cpio.gz
.PHONY: initramfs

# --- size reports
size: all
	@scripts/size-report $(O) $(SIZE)
	@MAKE="$(MAKE)" scripts/size-check
baseline: all
	$(Q)cp $(O)/gatebox_unstripped $(O)/gatebox.baseline
	@echo "baseline saved: $(O)/gatebox.baseline"
bloatcheck: all
	@[ -f $(O)/gatebox.baseline ] || { echo "no baseline: run 'make baseline' first" >&2; exit 1; }
	@$(PYTHON) scripts/bloat-o-meter --nm $(NM) $(O)/gatebox.baseline $(O)/gatebox_unstripped

# --- tests, lint, demo
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
TEST_PROGS := $(patsubst %.c,$(O)/%,$(UNIT_SRCS)) $(patsubst %.c,$(O)/%_replay,$(FUZZ_SRCS))
# helper programs the e2e scripts run as services (sdnotify, ...), built by each flavour's CC
# but never instrumented: a service gets socketd's SIGTERM and then SIGCONT on its process
# group, and the SIGCONT can cancel the SIGSTOP of the leak checker's ptrace tracer, which
# runs in that group at the helper's exit: the helper then spins forever and its stop times
# out (seen under load, as a socketd that waited 90 s for it)
TEST_PROGS += $(patsubst %.c,$(O)/%,$(sort $(wildcard tests/e2e/helpers/*.c)))
test-progs: $(TEST_PROGS)
$(O)/tests/e2e/helpers/%: tests/e2e/helpers/%.c
	$(say) CC $<
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(if $(filter 1,$(SANITIZE)),-fno-sanitize=all) -o $@ $<
# fuzz targets linked with a plain main that replays the corpus (libFuzzer builds: make fuzz)
$(O)/tests/fuzz/%_replay: tests/fuzz/%.c tests/fuzz/replay.c $(LIBCOMMON)
	$(say) CC $<
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBCOMMON)
BENCH_PROGS := $(patsubst %.c,$(O)/%,$(sort $(wildcard tests/bench/*.c)))
bench-progs: $(BENCH_PROGS)
$(O)/tests/bench/%: tests/bench/%.c $(LIBCOMMON) $(MBEDTLS_LIB)
	$(say) CC $<
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(ALL_LDFLAGS) -o $@ $< $(LIBCOMMON) $(if $(MBEDTLS_LIB),$(MBEDTLS_LIB) $(LIBCOMMON))
bench: all bench-progs
	@for b in tests/bench/*.sh; do echo "== $$b"; GATEBOX=$(O)/gatebox BENCH=$(O)/tests/bench/bench_rules $$b; done
$(O)/tests/fuzz/%_fuzzer: tests/fuzz/%.c $(LIBCOMMON)
	$(say) CC $<
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< $(LIBCOMMON)
$(O)/tests/unit/%: tests/unit/%.c $(LIBCOMMON) $(MBEDTLS_LIB)
	$(say) CC $<
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(LIBCOMMON) $(if $(MBEDTLS_LIB),$(MBEDTLS_LIB) $(LIBCOMMON))

check:
	@scripts/setup-deps
	@MAKE="$(MAKE)" SANITIZE="$(SANITIZE)" CROSS_COMPILE="$(CROSS_COMPILE)" O="$(O)" tests/check

lint: all
	@scripts/lint

demo: all
	@scripts/demo $(O)/gatebox

fuzz:
	@MAKE="$(MAKE)" tests/fuzz/run $(or $(FUZZ_SECONDS),60)

clean:
	rm -rf $(O)/*.o $(O)/applets $(O)/libcommon $(O)/mbedtls $(O)/tests $(O)/*.a $(O)/gatebox $(O)/gatebox_unstripped $(O)/gatebox.map $(O)/gatebox.links
distclean:
	rm -rf $(O) third_party

FORCE:
-include $(patsubst %,%.d,$(TEST_PROGS))
.PHONY: bench bench-progs test-progs all install size baseline bloatcheck check lint demo fuzz clean distclean FORCE

-include $(shell find $(O) -path $(O)/cache -prune -o -type f -name '*.d' -print 2>/dev/null)
