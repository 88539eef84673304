################################################################################
#
# gatebox
#
# A Buildroot package recipe (an example, documented in docs/firmware.md; not
# tested against Buildroot itself). Copy this directory to package/gatebox/ and
# add 'source "package/gatebox/Config.in"' to package/Config.in, or use it from
# a BR2_EXTERNAL tree. For a local checkout, put
#   GATEBOX_OVERRIDE_SRCDIR = /path/to/gatebox
# in local.mk.
#
################################################################################

GATEBOX_VERSION = 0.1.0
# placeholder: the project publishes no release tarball yet (use local.mk's
# GATEBOX_OVERRIDE_SRCDIR, or GATEBOX_SITE_METHOD = git with a SITE of yours)
GATEBOX_SITE = https://example.invalid/gatebox/releases
GATEBOX_SOURCE = gatebox-$(GATEBOX_VERSION).tar.gz
# placeholder until the project states its licence
GATEBOX_LICENSE = unknown

GATEBOX_BINDIR = $(call qstrip,$(BR2_PACKAGE_GATEBOX_BINDIR))

# gatebox's Kconfig runs on the build host's python3 (kconfiglib); its Makefile
# must not call scripts/setup-deps (apt): NO_DEPS=1 always.
GATEBOX_MAKE_OPTS = \
	NO_DEPS=1 \
	O=$(@D)/out \
	CC="$(TARGET_CC)" \
	CROSS_COMPILE="$(TARGET_CROSS)" \
	CFLAGS="$(TARGET_CFLAGS)" \
	LDFLAGS="$(TARGET_LDFLAGS)"

ifeq ($(BR2_PACKAGE_GATEBOX_TLS),y)
# mbedtls 3.6 LTS, unpacked where gatebox's scripts/fetch-mbedtls looks first
# (third_party/mbedtls-3.6.*), so nothing is fetched at build time
GATEBOX_MBEDTLS_VERSION = 3.6.6
GATEBOX_EXTRA_DOWNLOADS = \
	https://github.com/Mbed-TLS/mbedtls/releases/download/mbedtls-$(GATEBOX_MBEDTLS_VERSION)/mbedtls-$(GATEBOX_MBEDTLS_VERSION).tar.bz2
GATEBOX_LICENSE := $(GATEBOX_LICENSE), Apache-2.0 (mbedtls)
define GATEBOX_UNPACK_MBEDTLS
	mkdir -p $(@D)/third_party
	$(call suitable-extractor,mbedtls-$(GATEBOX_MBEDTLS_VERSION).tar.bz2) \
		$(GATEBOX_DL_DIR)/mbedtls-$(GATEBOX_MBEDTLS_VERSION).tar.bz2 | \
		$(TAR) -C $(@D)/third_party $(TAR_OPTIONS) -
endef
GATEBOX_POST_EXTRACT_HOOKS += GATEBOX_UNPACK_MBEDTLS
endif

# the defconfig, then the Buildroot options written over it (gatebox's Kconfig
# fails on any warning, and a fragment repeating the defconfig's value warns)
GATEBOX_KCONFIG_OPTS = \
	CONFIG_WERROR=n \
	CONFIG_TLS=$(if $(BR2_PACKAGE_GATEBOX_TLS),y,n) \
	CONFIG_STATIC=$(if $(BR2_PACKAGE_GATEBOX_STATIC),y,n) \
	CONFIG_INSTALL_BINDIR='"$(GATEBOX_BINDIR)"'

define GATEBOX_CONFIGURE_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(GATEBOX_MAKE_OPTS) \
		$(call qstrip,$(BR2_PACKAGE_GATEBOX_DEFCONFIG))
	for kv in $(GATEBOX_KCONFIG_OPTS); do \
		k=$${kv%%=*}; \
		$(SED) "/^$$k=/d; /^# $$k is not set/d" $(@D)/out/.config; \
		echo "$$kv" >> $(@D)/out/.config; \
	done
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(GATEBOX_MAKE_OPTS) olddefconfig
endef

define GATEBOX_BUILD_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(GATEBOX_MAKE_OPTS) all
endef

# make install: BINDIR/gatebox plus relative links (made from .config: the
# cross binary is never run on the host)
define GATEBOX_INSTALL_TARGET_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(GATEBOX_MAKE_OPTS) install \
		DESTDIR=$(TARGET_DIR) \
		$(if $(BR2_PACKAGE_GATEBOX_EXAMPLES),INSTALL_EXAMPLES=1)
endef

ifeq ($(BR2_PACKAGE_GATEBOX_INITTAB),y)
# at the end of target-finalize, so BusyBox's own inittab is already there;
# the example's line, with the install directory chosen above
define GATEBOX_INITTAB_SOCKETD
	grep -q ':respawn:$(GATEBOX_BINDIR)/socketd' $(TARGET_DIR)/etc/inittab || \
		grep -E '^[^#]*:respawn:/usr/sbin/socketd' \
			$(GATEBOX_DIR)/configs/examples/init/inittab | \
		sed 's|/usr/sbin/socketd|$(GATEBOX_BINDIR)/socketd|' >> $(TARGET_DIR)/etc/inittab
endef
GATEBOX_TARGET_FINALIZE_HOOKS += GATEBOX_INITTAB_SOCKETD
endif

$(eval $(generic-package))
