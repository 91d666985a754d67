// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: each RSMAPI call of a segment's life, made to fail at
 * each of the kernel's slab allocations and user copies in turn. For
 * N = 1, 2, ... the call runs with /proc/thread-self/fail-nth set to N,
 * which fails the Nth such point this thread reaches (failslab,
 * fail_usercopy), until a call reaches fewer than N. The calls before it
 * (its preparation) and the release of everything after it run without
 * injection.
 *
 * Checked for every N: a call that fails returns an error that says why
 * (RSMERR_INSUFFICIENT_MEM, RSMERR_BAD_ADDR, or, where the open of a
 * segment's file fails, RSMERR_INSUFFICIENT_RESOURCES as in Solaris) and
 * loses nothing: the same call made again without injection succeeds,
 * and once everything is released the module's object counters
 * (RSM_A_COUNTERS) are back where they were. A failure the kernel absorbs (a fallback, a retry) is
 * counted, not failed. The debug kernel catches the rest (KASAN,
 * lockdep, kmemleak, WARN).
 *
 * local: every step on the loopback controller, exporter and importer
 * this process. remote: node 2 imports node 1's segment over $RSM_CTRL
 * and runs the importer's steps; node 1 then checks that its own counters
 * (grants, MRs, pinned pages) are back too.
 *
 * Needs CONFIG_FAULT_INJECTION, FAILSLAB and FAULT_INJECTION_USERCOPY
 * with their debugfs files (make debug-kernel, make check KERNEL=debug);
 * SKIPs without /proc/thread-self/fail-nth.
 */
#include <fcntl.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "seg_test.h"
#include "rsm_nl.h"

/* Segment ids of this file. */
#define FI_ID(n)	(0x4a0000u + (n))
#define FI_CTL_ID	FI_ID(0x100)
#define FI_DATA_ID	FI_ID(0x101)

#define EXPORTER	1
#define IMPORTER	2

#define FI_LEN		(64u << 10)	/* every segment and transfer */
#define FI_IOV		4		/* entries of putv and getv */
#define FI_MAX_NTH	4000		/* more points than any call has */
#define SETTLE_S	10.0		/* for the counters to come back */
#define WAIT_S		600.0		/* the other node, under KASAN */

/* What the steps work on: a segment (exported here if local) and its import. */
struct fi {
	rsmapi_controller_handle_t ctl;
	rsm_node_id_t node;		/* the exporter, for connect */
	rsm_memseg_id_t id;		/* the segment to import */
	struct seg_exp exp;		/* local: the export */
	uint8_t *mem2;			/* local: memory to rebind to */
	rsm_memseg_import_handle_t im;
	rsmapi_barrier_t bar;
	bool bar_init;
	void *map;
	uint8_t *buf;			/* FI_LEN bytes to put and get */
};

/* One call, or a few that belong together; returns an RSMERR. */
struct fi_step {
	const char *name;
	int (*run)(struct fi *f);
	bool exporter;		/* the exporter's: not in the remote test */
};

static int fi_export(struct fi *f)
{
	int ret = rsm_memseg_export_create(f->ctl, &f->exp.h, f->exp.mem,
					   f->exp.len, RSM_ALLOW_REBIND);

	if (ret)
		f->exp.h = NULL;
	return ret;
}

/* Read only: the republish after it gives write access. */
static int fi_publish(struct fi *f)
{
	rsmapi_access_entry_t acl[1] = { { f->node, RSM_PERM_READ } };

	f->exp.id = f->id;
	return rsm_memseg_export_publish(f->exp.h, &f->exp.id, acl, 1);
}

/* On loopback an access list has one entry, this node's. */
static int fi_republish(struct fi *f)
{
	rsmapi_access_entry_t acl[1] = { { f->node, RSM_PERM_RDWR } };

	return rsm_memseg_export_republish(f->exp.h, acl, 1);
}

/* Connect, and the barrier that implicit-mode get and put need. */
static int fi_connect(struct fi *f)
{
	int ret = rsm_memseg_import_connect(f->ctl, f->node, f->id,
					    RSM_PERM_RDWR, &f->im);

	if (ret) {
		f->im = NULL;
		return ret;
	}
	ret = rsm_memseg_import_init_barrier(f->im, RSM_BAR_DEFAULT, &f->bar);
	if (ret) {
		rsm_memseg_import_disconnect(f->im);
		f->im = NULL;
		return ret;
	}
	f->bar_init = true;
	return 0;
}

static int fi_put(struct fi *f)
{
	return rsm_memseg_import_put(f->im, 0, f->buf, FI_LEN);
}

static int fi_get(struct fi *f)
{
	return rsm_memseg_import_get(f->im, 0, f->buf, FI_LEN);
}

/* putv or getv of FI_IOV pieces of the buffer, scattered. */
static int fi_vector(struct fi *f, bool put)
{
	rsm_iovec_t iov[FI_IOV];
	rsm_scat_gath_t sg = {
		.io_request_count = FI_IOV, .remote_handle = f->im,
		.iovec = iov,
	};
	size_t piece = FI_LEN / FI_IOV;
	int i;

	for (i = 0; i < FI_IOV; i++) {
		iov[i].io_type = RSM_VA_TYPE;
		iov[i].local.vaddr = (caddr_t)f->buf;
		iov[i].local_offset = i * piece;
		iov[i].remote_offset = (FI_IOV - 1 - i) * piece;
		iov[i].transfer_length = piece;
	}
	return put ? rsm_memseg_import_putv(&sg) : rsm_memseg_import_getv(&sg);
}

static int fi_putv(struct fi *f)
{
	return fi_vector(f, true);
}

static int fi_getv(struct fi *f)
{
	return fi_vector(f, false);
}

/* An explicit barrier around a put: open, put, close. */
static int fi_barrier(struct fi *f)
{
	int ret;

	ret = rsm_memseg_import_open_barrier(&f->bar);
	if (ret)
		return ret;
	ret = rsm_memseg_import_put(f->im, 0, f->buf, 8);
	if (ret)
		return ret;
	return rsm_memseg_import_close_barrier(&f->bar);
}

static int fi_signal(struct fi *f)
{
	return rsm_intr_signal_post(f->im, 0);
}

/* The exporter takes the event the step before posted; none is lost. */
static int fi_wait(struct fi *f)
{
	return rsm_intr_signal_wait(f->exp.h, 10000);
}

static int fi_map(struct fi *f)
{
	void *addr = NULL;
	int ret = rsm_memseg_import_map(f->im, &addr, RSM_MAP_NONE,
					RSM_PERM_RDWR, 0, FI_LEN);

	if (!ret)
		f->map = addr;
	return ret;
}

static int fi_unmap(struct fi *f)
{
	int ret = rsm_memseg_import_unmap(f->im);

	if (!ret)
		f->map = NULL;
	return ret;
}

static int fi_rebind(struct fi *f)
{
	return rsm_memseg_export_rebind(f->exp.h, f->mem2, 0, FI_LEN);
}

static int fi_disconnect(struct fi *f)
{
	int ret;

	if (f->bar_init) {
		rsm_memseg_import_destroy_barrier(&f->bar);
		f->bar_init = false;
	}
	ret = rsm_memseg_import_disconnect(f->im);
	if (!ret)
		f->im = NULL;
	return ret;
}

static int fi_unpublish(struct fi *f)
{
	return rsm_memseg_export_unpublish(f->exp.h);
}

static int fi_destroy(struct fi *f)
{
	int ret = rsm_memseg_export_destroy(f->exp.h);

	if (!ret)
		f->exp.h = NULL;
	return ret;
}

/* A segment's life, in order; a remote importer has its own part. */
static const struct fi_step steps[] = {
	{ "export_create", fi_export, true },
	{ "export_publish", fi_publish, true },
	{ "export_republish", fi_republish, true },
	{ "import_connect", fi_connect },
	{ "import_put", fi_put },
	{ "import_get", fi_get },
	{ "import_putv", fi_putv },
	{ "import_getv", fi_getv },
	{ "barrier", fi_barrier },
	{ "intr_signal_post", fi_signal },
	{ "intr_signal_wait", fi_wait, true },
	{ "import_map", fi_map },
	{ "export_rebind", fi_rebind, true },
	{ "import_unmap", fi_unmap },
	{ "import_disconnect", fi_disconnect },
	{ "export_unpublish", fi_unpublish, true },
	{ "export_destroy", fi_destroy, true },
};

/* Everything a step sequence left, released without injection. */
static void fi_release(struct fi *f)
{
	if (f->map)
		fi_unmap(f);
	if (f->im)
		fi_disconnect(f);
	if (f->exp.h)
		fi_destroy(f);
	f->map = NULL;
	f->im = NULL;
	f->exp.h = NULL;
}

/*
 * This thread's /proc/thread-self/fail-nth, opened once: an open() while
 * the count runs would take points of its own.
 */
static int nth_fd = -1;

/* Set fail-nth to @n: 0, or -1. The write's user copy comes before. */
static int nth_set(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	return pwrite(nth_fd, s, len, 0) == len ? 0 : -1;
}

/*
 * Whether the injection set by nth_set() happened: fail-nth has counted
 * down to 0 at the failed point. The read takes the count before its
 * user copy, which may be the last point (then the read fails, and the
 * count was 1). Clears it either way.
 */
static bool nth_hit(void)
{
	char s[16] = "";
	bool hit;

	hit = pread(nth_fd, s, sizeof(s) - 1, 0) > 0 && atoi(s) == 0;
	nth_set(0);
	return hit;
}

/* Set a fault_attr's debugfs file @file under @attr to @val, if it is there. */
static void fi_attr(const char *attr, const char *file, const char *val)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", attr, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0)
		perror(path);
	close(fd);
}

FIXTURE(fault) {
	struct fi f;
	int me;
	struct seg_ctl cs;		/* remote: the control segment */
	struct rsm_node_info base;	/* counters before */
};

FIXTURE_SETUP(fault)
{
	if (access(RSM_DEV, F_OK))
		SETUP_SKIP(NO_DEVICE);
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0)
		SETUP_SKIP("no fault injection in this kernel (fail-nth)");
	if (access("/sys/kernel/debug/failslab", F_OK))
		SETUP_SKIP("no failslab in debugfs");
	if (rsm_node_get(&self->base))
		SETUP_SKIP("no RSM_A_COUNTERS");
	/*
	 * failslab passes over allocations that may sleep unless told,
	 * and both would print a stack trace per failure, which the
	 * cluster counts as a kernel problem.
	 */
	fi_attr("failslab", "ignore-gfp-wait", "N");
	fi_attr("failslab", "verbose", "0");
	fi_attr("fail_usercopy", "verbose", "0");
	self->f.buf = seg_map(FI_LEN);
	ASSERT_NE(NULL, self->f.buf);
	seg_pattern(self->f.buf, FI_LEN, 0x4a, 0);
}

FIXTURE_TEARDOWN(fault)
{
	nth_set(0);
	fi_release(&self->f);
	seg_ctl_close(&self->cs, self->f.ctl, self->me);
	seg_unmap(self->f.exp.mem, self->f.exp.len);
	seg_unmap(self->f.mem2, FI_LEN);
	seg_unmap(self->f.buf, FI_LEN);
	if (self->f.ctl)
		rsm_release_controller(self->f.ctl);
	close(nth_fd);
}

/* What a call that failed at an injected point may return. */
static bool fi_error(int ret)
{
	return ret == RSMERR_INSUFFICIENT_MEM || ret == RSMERR_BAD_ADDR ||
	       ret == RSMERR_INSUFFICIENT_RESOURCES;
}

/*
 * Step @k, failed at each point in turn; the steps before it run first
 * (the importer's alone if @remote), and everything is released after.
 * Stops at the first point that goes wrong. Returns the number of points
 * the step has.
 */
static int sweep(struct __test_metadata *_metadata, struct fi *f,
		 const struct rsm_node_info *base, unsigned int k, bool remote)
{
	const char *what = steps[k].name;
	int n, ret, again = 0, failed = 0, absorbed = 0;
	bool hit = true, bad = false;
	unsigned int i;

	for (n = 1; hit && !bad && n <= FI_MAX_NTH; n++) {
		for (i = 0; i < k; i++)
			if (!(remote && steps[i].exporter))
				ASSERT_EQ(RSM_SUCCESS, steps[i].run(f))
					TH_LOG("%s, preparing %s",
					       steps[i].name, what);
		ASSERT_EQ(0, nth_set(n));
		ret = steps[k].run(f);
		hit = nth_hit();
		if (hit && ret) {
			failed++;
			again = steps[k].run(f);
		} else if (hit) {
			absorbed++;
		}
		fi_release(f);
		if (!hit && ret) {
			TH_LOG("%s failed (%d) with no failed point", what, ret);
			bad = true;
		} else if (hit && ret && (!fi_error(ret) || again)) {
			TH_LOG("%s failed at point %d with %d, and again with %d",
			       what, n, ret, again);
			bad = true;
		}
		if (!rsm_cnt_settle(_metadata, base->cnt, false, SETTLE_S)) {
			TH_LOG("%s, point %d: the counters are not back",
			       what, n);
			bad = true;
		}
	}
	EXPECT_FALSE(bad);
	EXPECT_TRUE(bad || !hit) TH_LOG("%s: more than %d points", what,
					FI_MAX_NTH);
	TH_LOG("%-18s %4d points: %d failed the call, %d absorbed", what,
	       n - 2, failed, absorbed);
	return n - 2;
}

TEST_F_TIMEOUT(fault, local_calls_fail_cleanly_at_every_point, 3600)
{
	struct fi *f = &self->f;
	unsigned int k;
	int points = 0;

	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &f->ctl));
	f->node = seg_local_node();
	f->id = FI_ID(1);
	f->exp.len = FI_LEN;
	f->exp.mem = seg_map(FI_LEN);
	f->mem2 = seg_map(FI_LEN);
	ASSERT_NE(NULL, f->exp.mem);
	ASSERT_NE(NULL, f->mem2);
	ASSERT_NE(0, f->node) TH_LOG("this node has no node id");
	for (k = 0; k < ARRAY_SIZE(steps); k++)
		points += sweep(_metadata, f, &self->base, k, false);
	EXPECT_LT(0, points);
}

TEST_F_TIMEOUT(fault, remote_import_calls_fail_cleanly, 3600)
{
	rsmapi_access_entry_t acl[1] = { { IMPORTER, RSM_PERM_RDWR } };
	struct fi *f = &self->f;
	struct seg_exp data;
	unsigned int k;
	int points = 0;

	self->me = seg_cluster_setup(_metadata, 2, &f->ctl);
	if (self->me == EXPORTER) {
		/* The data segment, then the control segment. */
		ASSERT_EQ(RSM_SUCCESS, seg_export(&data, f->ctl, FI_LEN, 0, 1));
		ASSERT_EQ(RSM_SUCCESS, seg_publish(&data, FI_DATA_ID, acl, 1));
		seg_ctl_open(_metadata, &self->cs, f->ctl, FI_CTL_ID, acl, 1);
		SEG_AWAIT_NODE(IMPORTER, SEG_PH_DONE);
		self->cs.finished = 1;
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&data));
		seg_ctl_close(&self->cs, f->ctl, self->me);
		/* Nothing of the importer's is left here either. */
		EXPECT_TRUE(rsm_cnt_settle(_metadata, self->base.cnt, false,
					   SETTLE_S));
		return;
	}
	seg_ctl_join(_metadata, &self->cs, f->ctl, EXPORTER, FI_CTL_ID, WAIT_S);
	/* The control segment's import is not the test's to count. */
	ASSERT_EQ(0, rsm_node_get(&self->base));
	f->node = EXPORTER;
	f->id = FI_DATA_ID;
	for (k = 0; k < ARRAY_SIZE(steps); k++)
		if (!steps[k].exporter)
			points += sweep(_metadata, f, &self->base, k, true);
	EXPECT_LT(0, points);
	SEG_ANNOUNCE(SEG_PH_DONE);
	self->cs.finished = 1;
}

TEST_HARNESS_MAIN
