# SPDX-License-Identifier: GPL-2.0
#
# rsm: top-level build. `make` builds rsm.ko for one kernel (KVER), librsm
# and the selftests. See README.md for the targets.

TOP := $(CURDIR)

# Kernel to build for: the installed Debian 6.1 kernel unless told
# otherwise. KDIR may be given instead of KVER; never `uname -r`.
ifdef KDIR
KVER ?= $(shell cat $(KDIR)/include/config/kernel.release)
else
KVER ?= $(shell $(TOP)/scripts/kver 6.1)
KDIR := /lib/modules/$(KVER)/build
endif
# The kernels `make check` builds and tests against.
KSERIES ?= 6.1 6.12

MODDIR := $(TOP)/build/$(KVER)
MODSRC := Kbuild $(wildcard driver/*.[ch]) $(wildcard uapi/linux/*.h)
VERSION := $(shell sed -n 's/^\#define RSM_MODULE_VERSION "\(.*\)"/\1/p' driver/version.h)

CC ?= gcc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror
LIB_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -fPIC \
	-I$(TOP)/uapi -I$(TOP)/lib -D_GNU_SOURCE
LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:lib/%.c=build/lib/%.o)
LIB_SONAME := librsm.so.2
LIB := build/lib/$(LIB_SONAME)

KSFT := build/kselftest/kselftest_harness.h
TEST_CFLAGS := $(CFLAGS) -Wall -Werror -std=gnu11 \
	-I$(TOP)/uapi -I$(TOP)/lib -I$(TOP)/build/kselftest -D_GNU_SOURCE
TEST_SRC := $(wildcard selftests/*.c)
TEST_BIN := $(TEST_SRC:selftests/%.c=build/selftests/%)

LINUX_SRC := /usr/src/linux-source-6.1.tar.xz
CHECKPATCH := build/tools/checkpatch.pl

EXAMPLE_SRC := $(wildcard lib/examples/*.c)
EXAMPLE_BIN := $(EXAMPLE_SRC:lib/examples/%.c=build/examples/%)

.PHONY: all module lib examples selftests deps check demo style clean \
	install dkms-install debug-kernel

all: module lib examples selftests

include tools/rsmadm/rsmadm.mk
include tools/rsmbench/rsmbench.mk

module: $(MODDIR)/rsm.ko

# Each kernel builds in its own copy of the sources, so builds for
# several kernels never share objects.
$(MODDIR)/rsm.ko: $(MODSRC)
	@mkdir -p $(MODDIR)
	cp -a --parents $(MODSRC) $(MODDIR)/
	$(MAKE) -C $(KDIR) M=$(MODDIR) W=1 $(if $(SPARSE),C=1) modules

lib: $(LIB) build/lib/librsm.so

build/lib/%.o: lib/%.c lib/rsmapi.h lib/librsm.h uapi/linux/rsm.h
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ) lib/librsm.map
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=lib/librsm.map -Wl,-z,defs \
		-o $@ $(LIB_OBJ) -lpthread

build/lib/librsm.so: $(LIB)
	ln -sf $(LIB_SONAME) $@

examples: $(EXAMPLE_BIN)

# Examples build like any RSMAPI program: <rsmapi.h> and -lrsm.
build/examples/%: lib/examples/%.c $(LIB) lib/rsmapi.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -Ilib -o $@ $< -Lbuild/lib -lrsm \
		-Wl,-rpath,$(TOP)/build/lib

# kselftest_harness.h is GPL-2.0 kernel code: taken from Debian's
# linux-source package at build time, never committed.
$(KSFT):
	@mkdir -p $(@D)
	tar -xJf $(LINUX_SRC) -C $(@D) --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h

selftests: $(TEST_BIN)

# The hostile peer and the key forger speak rdma_cm from userspace.
build/selftests/rogue build/selftests/forge: TEST_LDLIBS := -lrdmacm -libverbs

build/selftests/%: selftests/%.c selftests/rsm_test.h selftests/rsm_nl.h \
		selftests/seg_test.h $(KSFT) build/lib/librsm.so uapi/linux/rsm.h \
		lib/rsmapi.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< -Lbuild/lib -lrsm \
		-Wl,-rpath,$(TOP)/build/lib -lpthread $(TEST_LDLIBS)

$(CHECKPATCH):
	@mkdir -p $(@D)
	tar -xJf $(LINUX_SRC) -C $(@D) --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch

# checkpatch --strict; its CHECKs are advice, errors and warnings fail.
style: $(CHECKPATCH)
	perl $(CHECKPATCH) --no-tree --strict --terse --show-types \
		-f driver/*.[ch] uapi/linux/*.h > build/style.out || true
	perl $(CHECKPATCH) --no-tree --strict --terse --show-types \
		--ignore NEW_TYPEDEFS,PREFER_KERNEL_TYPES \
		-f lib/*.[ch] lib/examples/*.c selftests/*.[ch] $(RSMADM_SRC) \
		$(RSMBENCH_SRC) >> build/style.out || true
	@cat build/style.out
	@! grep -qE ': (ERROR|WARNING):' build/style.out

deps:
	scripts/deps

# Debian's 6.1 with KASAN, lockdep and kmemleak, for the QEMU cluster
# (`make check KERNEL=debug`). Built once; again only when the tarball, the
# configuration fragment or the script change.
DEBUG_KERNEL := build/debug-kernel
debug-kernel: $(DEBUG_KERNEL)/.built

$(DEBUG_KERNEL)/.built: scripts/debug-kernel selftests/qemu/debug.config \
		$(wildcard $(LINUX_SRC))
	scripts/debug-kernel $(DEBUG_KERNEL)
	touch $@

check:
	scripts/check

demo:
	scripts/demo

install: module lib
	$(MAKE) -C $(KDIR) M=$(MODDIR) INSTALL_MOD_DIR=updates modules_install
	depmod $(KVER)
	install -D -m 0755 $(LIB) $(DESTDIR)/usr/local/lib/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)/usr/local/lib/librsm.so
	install -D -m 0644 lib/rsmapi.h $(DESTDIR)/usr/local/include/rsmapi.h
	install -D -m 0644 uapi/linux/rsm.h \
		$(DESTDIR)/usr/local/include/linux/rsm.h
	ldconfig

# Exactly the module sources and dkms.conf, into /usr/src/rsm-VERSION.
dkms-install:
	install -d $(DESTDIR)/usr/src/rsm-$(VERSION)
	cp -a --parents dkms.conf $(MODSRC) $(DESTDIR)/usr/src/rsm-$(VERSION)/

clean:
	rm -rf build
