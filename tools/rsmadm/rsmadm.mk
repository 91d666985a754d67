# SPDX-License-Identifier: GPL-2.0
#
# rsmadm, the admin tool (libmnl), for the top-level Makefile to include.
# It uses the Makefile's CC, CFLAGS, WARN and TOP and builds into
# build/rsmadm/. Including it never changes the default goal.
#
#   RSMADM         the program, build/rsmadm/rsmadm
#   RSMADM_SRC     its sources and header (for `make style`)
#   RSMADM_MAN     its man page (for `make install`)
#   make rsmadm    builds it; `all` builds it too

rsmadm_saved_goal := $(.DEFAULT_GOAL)

RSMADM := build/rsmadm/rsmadm
RSMADM_SRC := $(wildcard tools/rsmadm/*.c) tools/rsmadm/rsmadm.h
RSMADM_OBJ := $(patsubst tools/rsmadm/%.c,build/rsmadm/%.o,\
	$(filter %.c,$(RSMADM_SRC)))
RSMADM_MAN := tools/rsmadm/rsmadm.8
# Reply callbacks have libmnl's fixed signature and often ignore an argument.
RSMADM_CFLAGS := $(CFLAGS) $(WARN) -Wno-unused-parameter -std=gnu11 \
	-I$(TOP)/uapi -D_GNU_SOURCE
RSMADM_LDLIBS := -lmnl

.PHONY: rsmadm
all: rsmadm
rsmadm: $(RSMADM)

build/rsmadm/%.o: tools/rsmadm/%.c tools/rsmadm/rsmadm.h \
		uapi/linux/rsm.h uapi/linux/rsm_netlink.h
	@mkdir -p $(@D)
	$(CC) $(RSMADM_CFLAGS) -c -o $@ $<

$(RSMADM): $(RSMADM_OBJ)
	$(CC) $(CFLAGS) -o $@ $(RSMADM_OBJ) $(RSMADM_LDLIBS)

.DEFAULT_GOAL := $(rsmadm_saved_goal)
