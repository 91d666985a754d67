/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rsmbench: benchmarks of the RSMAPI (librsm over rsm.ko) next to raw
 * RDMA (perftest) on the same nodes. main.c holds the options and the
 * modes, stats.c the clock, the samples and the result lines, bench.c the
 * two-node RSMAPI benchmarks, pin.c the export cost and its pinning
 * baselines, perftest.c the perftest baselines and report.c the report
 * that merges the result files of a run.
 *
 * Result lines, one per sample, are what the report reads:
 *	S <name> <size> <unit> <value>
 * and information lines:
 *	I <key> <value>
 * Everything else a node prints (TAP lines, comments) is for people.
 */
#ifndef _RSMBENCH_H
#define _RSMBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rsmapi.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
/* The kernel's __printf() (compiler_attributes.h). */
#define __printf(a, b)		__attribute__((\
				__format__(printf, a, b)))

#define KIB			1024UL
#define MIB			(1024UL * 1024UL)

/*
 * Segment ids: the HPC range, one block per run (--round, so that a run
 * never finds the segments of the one before, still being torn down) and
 * role.
 */
#define SEGID_BASE		(RSM_HPC_ID_BASE + 0xc000)
#define SEGID_ROLE(o, role)	(SEGID_BASE + ((o)->round % 64) * 0x100 + \
				 ((role) == 1 ? 0 : 0x80))
#define SEGID_CTL		0	/* + SEGID_ROLE(): control and ping */
#define SEGID_DATA		1	/* + SEGID_ROLE(1): put/get data */
#define SEGID_SIG		2	/* + SEGID_ROLE(1): signal ping-pong */
#define SEGID_EXPORT		3	/* + SEGID_ROLE(1): export cost */
/* Connect test: exporter's segments from here on. */
#define SEGID_MANY		(RSM_HPC_ID_BASE + 0x10000)

/* Benchmark groups, for --only. */
enum {
	GRP_LAT		= 1 << 0,	/* put/get round trips */
	GRP_SIG		= 1 << 1,	/* signal round trip */
	GRP_BW		= 1 << 2,	/* put/get bandwidth */
	GRP_VEC		= 1 << 3,	/* putv/getv */
	GRP_EXPORT	= 1 << 4,	/* export cost vs pinning */
	GRP_CONNECT	= 1 << 5,	/* connect vs published segments */
	GRP_ALL		= (1 << 6) - 1,
};

#define MAX_LEVELS		8

struct opts {
	int node;		/* own node id (RSM_NODE) */
	int peer;		/* the other node's id */
	int role;		/* 1: exporter/server, 2: importer/client */
	char *ctrl;		/* controller name (RSM_CTRL, rxe0) */
	bool quick;		/* tiny sizes, TAP, exit status */
	bool local;		/* both roles on this node (fork) */
	unsigned int groups;	/* GRP_* */
	int iters;		/* samples per latency run */
	int runs;		/* latency runs */
	int warmup;		/* unmeasured iterations before each run */
	int poll_us;		/* ping-pong: sleep between looks (0: spin) */
	size_t min_bw;		/* smallest put/get size (0: all) */
	size_t max_bw;		/* largest put/get size */
	size_t max_export;	/* largest export size */
	double bw_budget;	/* seconds per bandwidth size */
	int nlevels;		/* connect test levels */
	int levels[MAX_LEVELS];
	int timeout_ms;		/* waits for the other node */
	char *server;		/* perftest server address */
	int pt_iters;		/* perftest latency iterations (0: 100) */
	int round;		/* tag of this run: perftest ports */
	char *clock_dir;	/* a directory on a host share (9p) */
	FILE *out;		/* result lines (NULL: stdout) */
};

/* TAP-ish progress: one line per step, counted for the exit status. */
void tap(bool ok, const char *fmt, ...) __printf(2, 3);
int tap_failed(void);
void tap_plan(void);
void note(const char *fmt, ...) __printf(1, 2);
const char *rsm_strerror(int err);

/* stats.c */
uint64_t now_ns(void);
double elapsed_us(uint64_t t0);

struct samples {
	double *v;
	size_t n, cap;
};

void samples_init(struct samples *s);
void samples_free(struct samples *s);
int samples_add(struct samples *s, double v);
double samples_pct(const struct samples *s, double pct);
void emit_sample(const struct opts *o, const char *name, size_t size,
		 const char *unit, double v);
void emit_samples(const struct opts *o, const char *name, size_t size,
		  const char *unit, const struct samples *s);
void emit_info(const struct opts *o, const char *key, const char *fmt, ...)
	__printf(3, 4);
void summary(const char *name, size_t size, const char *unit,
	     const struct samples *s);
const char *size_str(size_t size, char *buf, size_t len);
int parse_size(const char *s, size_t *out);

/* bench.c */
int bench_run(struct opts *o);
size_t bw_first(const struct opts *o);
size_t bw_last(const struct opts *o);

/* pin.c */
struct bench;
int pin_bench(struct opts *o, rsmapi_controller_handle_t ctrl);

/* perftest.c */
int perftest_run(struct opts *o);
int clock_check(struct opts *o);
int time_command(char **argv);

/* report.c */
int report_run(const char *dir);

#endif /* _RSMBENCH_H */
