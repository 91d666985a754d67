# SPDX-License-Identifier: GPL-2.0
#
# rsmbench, the benchmark (librsm next to perftest), for the top-level
# Makefile to include. It uses the Makefile's CC, CFLAGS, WARN, TOP and
# LIB (librsm) and builds into build/rsmbench/. Including it never changes
# the default goal. `make bench` itself is scripts/bench.
#
#   RSMBENCH       the program, build/rsmbench/rsmbench
#   RSMBENCH_SRC   its sources and header (for `make style`)
#   RSMBENCH_MAN   its man page
#   make rsmbench  builds it; `all` builds it too
#   make bench     scripts/bench: the two-node benchmark run (build/bench/)

rsmbench_saved_goal := $(.DEFAULT_GOAL)

RSMBENCH := build/rsmbench/rsmbench
RSMBENCH_SRC := $(wildcard tools/rsmbench/*.c) tools/rsmbench/rsmbench.h
RSMBENCH_OBJ := $(patsubst tools/rsmbench/%.c,build/rsmbench/%.o,\
	$(filter %.c,$(RSMBENCH_SRC)))
RSMBENCH_MAN := tools/rsmbench/rsmbench.1
# A plain RSMAPI program (<rsmapi.h>, -lrsm), plus libibverbs for the
# ibv_reg_mr baseline of the export cost.
RSMBENCH_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -I$(TOP)/lib -D_GNU_SOURCE
RSMBENCH_LDLIBS := -Lbuild/lib -lrsm -Wl,-rpath,$(TOP)/build/lib \
	-libverbs -lm

.PHONY: rsmbench bench
all: rsmbench
rsmbench: $(RSMBENCH)

build/rsmbench/%.o: tools/rsmbench/%.c tools/rsmbench/rsmbench.h \
		lib/rsmapi.h
	@mkdir -p $(@D)
	$(CC) $(RSMBENCH_CFLAGS) -c -o $@ $<

$(RSMBENCH): $(RSMBENCH_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(RSMBENCH_OBJ) $(RSMBENCH_LDLIBS)

bench:
	scripts/bench

.DEFAULT_GOAL := $(rsmbench_saved_goal)
