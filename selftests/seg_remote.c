// SPDX-License-Identifier: GPL-2.0
/*
 * Segments across two nodes of the QEMU cluster, over $RSM_CTRL: node 1
 * exports, node 2 imports. Every test runs on both nodes under the same
 * name; RSM_NODE picks the role (other nodes SKIP).
 *
 * The nodes coordinate through a control segment of each test, which
 * node 1 publishes after the test's data segments: node 2 retries its
 * connect while the id is not published, writes its phase into the
 * control segment, and reads node 1's phase from it; node 1 polls its own
 * memory. Each test has its own ids (0x400000 + 0x100 * test), so a slow
 * node never meets the segments of another test. Data is generated from
 * seeds both nodes know, so the exporter checks its memory against a
 * reference copy it builds itself.
 *
 * Needs RSM_NODES >= 2, RSM_NODE and RSM_CTRL (selftests/qemu/cluster).
 */
#include <limits.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "seg_test.h"
#include "rsm_nl.h"

#define EXPORTER	1
#define IMPORTER	2

#define CTL_ID(t)	(0x400000u + 0x100u * (t))
#define DATA_ID(t)	(CTL_ID(t) + 1)
#define DATA2_ID(t)	(CTL_ID(t) + 2)
/* An id nobody publishes. */
#define UNUSED_ID	0x4fffffu

/* Longest wait for the other node, in seconds. */
#define WAIT_S		180.0

/* Test phases besides SEG_PH_DONE/SKIP/FAILED. */
#define PH_WRITING	1
#define PH_UNPUBLISHED	2
#define PH_CONNECTED	3
#define PH_KILLED	4
#define PH_RACING	5

/* Pattern seeds. */
#define SEED_EXP	0x1000	/* the exporter's initial memory */
#define SEED_PUT	0x2000	/* importer puts, plus the operation index */

FIXTURE(remote) {
	rsmapi_controller_handle_t ctl;
	int me;
	struct seg_ctl cs;	/* the test's control segment */
	pid_t child;		/* exporter: a child to kill in teardown */
	unsigned int timeout_ms; /* detection time to restore, if not 0 */
};

FIXTURE_SETUP(remote)
{
	self->me = seg_cluster_setup(_metadata, 2, &self->ctl);
}

/* Set this node's failure detection time (rsmadm): 0 on success. */
static int set_timeout(unsigned int ms)
{
	char cmd[80];

	snprintf(cmd, sizeof(cmd),
		 "build/rsmadm/rsmadm node set timeout %u", ms);
	return system(cmd);
}

FIXTURE_TEARDOWN(remote)
{
	if (self->timeout_ms)
		set_timeout(self->timeout_ms);
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	seg_ctl_close(&self->cs, self->ctl, self->me);
	if (self->ctl)
		rsm_release_controller(self->ctl);
}

/* Exporter: publish test @t's control segment (after its data). */
static void open_ctl(struct __test_metadata *_metadata,
		     FIXTURE_DATA(remote) *self, int t)
{
	rsmapi_access_entry_t acl[2] = {
		{ EXPORTER, 0666 }, { IMPORTER, 0666 },
	};

	seg_ctl_open(_metadata, &self->cs, self->ctl, CTL_ID(t), acl, 2);
}

/* Importer: connect to test @t's control segment, waiting for it. */
static void join_ctl(struct __test_metadata *_metadata,
		     FIXTURE_DATA(remote) *self, int t)
{
	seg_ctl_join(_metadata, &self->cs, self->ctl, EXPORTER, CTL_ID(t),
		     WAIT_S);
}

/* Exporter: wait for the importer's phase @ph, which it must reach. */
#define AWAIT_IMPORTER(ph, secs)					\
	ASSERT_EQ(0, seg_ctl_await(_metadata, &self->cs, IMPORTER, ph, secs))

/* Importer: the end of its part. */
#define IMPORTER_DONE() do {						\
	SEG_ANNOUNCE(SEG_PH_DONE);					\
	self->cs.finished = 1;						\
} while (0)

/* Exporter: wait for the end of the importer's part. */
#define AWAIT_IMPORTER_DONE(secs) do {					\
	AWAIT_IMPORTER(SEG_PH_DONE, secs);				\
	self->cs.finished = 1;						\
} while (0)

/* Exporter: create a data segment of @len bytes (pattern SEED_EXP). */
#define EXPORT_DATA(e, len, t, acl, n) do {				\
	ASSERT_EQ(RSM_SUCCESS,						\
		  seg_export(e, self->ctl, len, 0, SEED_EXP));		\
	ASSERT_EQ(RSM_SUCCESS, seg_publish(e, DATA_ID(t), acl, n));	\
} while (0)

/* Importer: connect to the exporter's segment @id, barrier ready. */
#define IMPORT(im, id, perm)						\
	ASSERT_EQ(RSM_SUCCESS,						\
		  seg_connect(im, self->ctl, EXPORTER, id, perm,	\
			      SEG_RETRY_ALL, WAIT_S))

/* ------------------------------------------------------------- test 1 */

static const size_t sizes1[] = { 1, 4 << 10, 64 << 10, 1 << 20, 16 << 20 };
#define LEN1	((16u << 20) + (64u << 10))

TEST_F_TIMEOUT(remote, data_of_every_size_crosses_nodes, 1200)
{
	uint8_t *ref = seg_map(LEN1);
	uint64_t rng = 0x101;
	size_t i;

	ASSERT_NE(NULL, ref);
	if (self->me == EXPORTER) {
		struct seg_exp d;
		long diff;

		EXPORT_DATA(&d, LEN1, 1, NULL, 0);
		memcpy(ref, d.mem, LEN1);
		open_ctl(_metadata, self, 1);
		AWAIT_IMPORTER_DONE(900);
		/* The importer's puts, in its order. */
		for (i = 0; i < ARRAY_SIZE(sizes1); i++) {
			size_t s = sizes1[i];
			off_t off = seg_below(&rng, LEN1 - s + 1);

			seg_below(&rng, 8);
			seg_pattern(ref + off, s, SEED_PUT + i, off);
		}
		diff = seg_diff(ref, d.mem, LEN1);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else {
		uint8_t *buf = seg_map((16 << 20) + 8);
		uint8_t *chk = seg_map(16 << 20);
		struct seg_imp d;

		ASSERT_NE(NULL, buf);
		ASSERT_NE(NULL, chk);
		join_ctl(_metadata, self, 1);
		IMPORT(&d, DATA_ID(1), RSM_PERM_RDWR);
		seg_pattern(ref, LEN1, SEED_EXP, 0);
		for (i = 0; i < ARRAY_SIZE(sizes1); i++) {
			size_t s = sizes1[i];
			off_t off = seg_below(&rng, LEN1 - s + 1);
			size_t mis = seg_below(&rng, 8);
			double t0 = seg_now(), tg, tp;
			long diff;

			/* What the exporter has there. */
			ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, off,
								     buf + mis,
								     s))
				TH_LOG("get %zu at %jd", s, (intmax_t)off);
			tg = seg_now() - t0;
			diff = seg_diff(buf + mis, ref + off, s);
			EXPECT_EQ(-1, diff)
				TH_LOG("get %zu at %jd: byte %ld", s,
				       (intmax_t)off, diff);
			/* Replace it, and read it back. */
			seg_pattern(buf + mis, s, SEED_PUT + i, off);
			t0 = seg_now();
			ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_put(d.h, off,
								     buf + mis,
								     s))
				TH_LOG("put %zu at %jd", s, (intmax_t)off);
			tp = seg_now() - t0;
			memcpy(ref + off, buf + mis, s);
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_memseg_import_get(d.h, off, chk, s));
			diff = seg_diff(chk, buf + mis, s);
			EXPECT_EQ(-1, diff)
				TH_LOG("put %zu at %jd: byte %ld", s,
				       (intmax_t)off, diff);
			TH_LOG("%8zu bytes: get %.3f s, put %.3f s", s, tg, tp);
		}
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		IMPORTER_DONE();
		seg_unmap(buf, (16 << 20) + 8);
		seg_unmap(chk, 16 << 20);
	}
	seg_unmap(ref, LEN1);
}

/* ------------------------------------------------------------- test 2 */

#define LEN2	(64u << 10)
#define OPS2	300

struct op {
	int put, w;
	off_t off;
	size_t n, bytes;
};

/* Operation @i of the script both nodes generate from one seed. */
static void gen_op(uint64_t *rng, struct op *op)
{
	static const int widths[] = { 0, 1, 2, 4, 8 };
	int das;

	op->put = seg_below(rng, 2);
	op->w = widths[seg_below(rng, ARRAY_SIZE(widths))];
	das = op->w ? op->w : 1;
	op->n = 1 + seg_below(rng, 512);
	op->bytes = op->n * das;
	op->off = seg_below(rng, (LEN2 - op->bytes) / das + 1) * das;
}

TEST_F_TIMEOUT(remote, sized_accesses_at_random_offsets_cross_nodes, 600)
{
	uint8_t *ref = seg_map(LEN2);
	uint64_t rng = 0x202, buf[512 + 1];
	struct op op;
	int i;

	ASSERT_NE(NULL, ref);
	if (self->me == EXPORTER) {
		struct seg_exp d;
		long diff;

		EXPORT_DATA(&d, LEN2, 2, NULL, 0);
		memcpy(ref, d.mem, LEN2);
		open_ctl(_metadata, self, 2);
		AWAIT_IMPORTER_DONE(WAIT_S * 2);
		for (i = 0; i < OPS2; i++) {
			gen_op(&rng, &op);
			if (op.put)
				seg_pattern(ref + op.off, op.bytes,
					    SEED_PUT + i, op.off);
		}
		diff = seg_diff(ref, d.mem, LEN2);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else {
		struct seg_imp d;
		uint8_t *all;
		long diff;

		join_ctl(_metadata, self, 2);
		IMPORT(&d, DATA_ID(2), RSM_PERM_RDWR);
		seg_pattern(ref, LEN2, SEED_EXP, 0);
		for (i = 0; i < OPS2; i++) {
			gen_op(&rng, &op);
			if (op.put) {
				seg_pattern(buf, op.bytes, SEED_PUT + i,
					    op.off);
				memcpy(ref + op.off, buf, op.bytes);
			} else {
				memset(buf, 0xa5, sizeof(buf));
			}
			ASSERT_EQ(RSM_SUCCESS, seg_xfer(d.h, op.put, op.w,
							op.off, buf, op.n))
				TH_LOG("op %d: %s%d x%zu at %jd", i,
				       op.put ? "put" : "get", op.w * 8, op.n,
				       (intmax_t)op.off);
			if (op.put)
				continue;
			diff = seg_diff(buf, ref + op.off, op.bytes);
			EXPECT_EQ(-1, diff)
				TH_LOG("op %d: get%d x%zu at %jd: byte %ld",
				       i, op.w * 8, op.n, (intmax_t)op.off,
				       diff);
			EXPECT_EQ(0xa5, ((uint8_t *)buf)[op.bytes]);
		}
		/* And the whole segment at the end. */
		all = seg_map(LEN2);
		ASSERT_NE(NULL, all);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, all, LEN2));
		diff = seg_diff(all, ref, LEN2);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		seg_unmap(all, LEN2);
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		IMPORTER_DONE();
	}
	seg_unmap(ref, LEN2);
}

/* ------------------------------------------------------------- test 3 */

#define LEN3	(256u << 10)
#define LLEN3	(64u << 10)

struct vent {
	int handle;
	size_t lo, ro, n;
};

/*
 * 16 entries from one seed, alternating kinds, each in a slot of its own
 * of the segment and of its local buffer (8 slots each).
 */
static void gen_vec(struct vent *v)
{
	size_t slot = LEN3 / RSM_MAX_SGIOREQS, lslot = LLEN3 / 8;
	uint64_t rng = 0x303;
	int i;

	for (i = 0; i < RSM_MAX_SGIOREQS; i++) {
		v[i].handle = i & 1;
		v[i].n = 1 + seg_below(&rng, lslot);
		v[i].lo = i / 2 * lslot + seg_below(&rng, lslot - v[i].n + 1);
		v[i].ro = i * slot + seg_below(&rng, slot - v[i].n + 1);
	}
}

/* The partial vector: entry 2 ends past the segment. */
static const struct vent part3[5] = {
	{ 0, 0, 0, 64 }, { 1, 64, 4096, 64 }, { 0, 128, LEN3 - 32, 64 },
	{ 1, 192, 8192, 64 }, { 0, 256, 12288, 64 },
};

static void fill_iov(rsm_iovec_t *iov, const struct vent *v, int n,
		     rsm_localmemory_handle_t lh, uint8_t *vbuf)
{
	int i;

	memset(iov, 0, n * sizeof(*iov));
	for (i = 0; i < n; i++) {
		iov[i].io_type = v[i].handle ? RSM_HANDLE_TYPE : RSM_VA_TYPE;
		if (v[i].handle)
			iov[i].local.handle = lh;
		else
			iov[i].local.vaddr = (caddr_t)vbuf;
		iov[i].local_offset = v[i].lo;
		iov[i].remote_offset = v[i].ro;
		iov[i].transfer_length = v[i].n;
	}
}

TEST_F_TIMEOUT(remote, vectors_of_addresses_and_handles_cross_nodes, 600)
{
	struct vent v[RSM_MAX_SGIOREQS];
	uint8_t *ref = seg_map(LEN3);
	uint8_t *hsrc = seg_map(LLEN3), *vsrc = seg_map(LLEN3);
	int i;

	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, hsrc);
	ASSERT_NE(NULL, vsrc);
	seg_pattern(hsrc, LLEN3, SEED_PUT + 1, 0);
	seg_pattern(vsrc, LLEN3, SEED_PUT + 2, 0);
	gen_vec(v);
	if (self->me == EXPORTER) {
		struct seg_exp d;
		long diff;

		EXPORT_DATA(&d, LEN3, 3, NULL, 0);
		memcpy(ref, d.mem, LEN3);
		open_ctl(_metadata, self, 3);
		AWAIT_IMPORTER_DONE(WAIT_S * 2);
		for (i = 0; i < RSM_MAX_SGIOREQS; i++)
			memcpy(ref + v[i].ro, (v[i].handle ? hsrc : vsrc) +
			       v[i].lo, v[i].n);
		for (i = 0; i < 2; i++)
			memcpy(ref + part3[i].ro, (part3[i].handle ? hsrc :
			       vsrc) + part3[i].lo, part3[i].n);
		diff = seg_diff(ref, d.mem, LEN3);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else {
		uint8_t *hdst = seg_map(LLEN3), *vdst = seg_map(LLEN3);
		uint8_t *all = seg_map(LEN3);
		rsm_iovec_t iov[RSM_MAX_SGIOREQS + 1];
		rsm_localmemory_handle_t lsrc, ldst;
		rsm_scat_gath_t sg;
		struct seg_imp d;
		long diff;
		int ret;

		ASSERT_NE(NULL, hdst);
		ASSERT_NE(NULL, vdst);
		ASSERT_NE(NULL, all);
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_create_localmemory_handle(self->ctl, &lsrc,
							(caddr_t)hsrc, LLEN3));
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_create_localmemory_handle(self->ctl, &ldst,
							(caddr_t)hdst, LLEN3));
		join_ctl(_metadata, self, 3);
		IMPORT(&d, DATA_ID(3), RSM_PERM_RDWR);
		seg_pattern(ref, LEN3, SEED_EXP, 0);
		memset(&sg, 0, sizeof(sg));
		sg.local_nodeid = IMPORTER;
		sg.remote_handle = d.h;
		sg.iovec = iov;

		/* 0 and 17 entries: refused, nothing moves. */
		fill_iov(iov, v, RSM_MAX_SGIOREQS, lsrc, vsrc);
		iov[RSM_MAX_SGIOREQS] = iov[0];
		sg.io_request_count = 0;
		EXPECT_EQ(RSMERR_BAD_SGIO, rsm_memseg_import_putv(&sg));
		sg.io_request_count = RSM_MAX_SGIOREQS + 1;
		EXPECT_EQ(RSMERR_BAD_SGIO, rsm_memseg_import_putv(&sg));
		EXPECT_EQ(RSMERR_BAD_SGIO, rsm_memseg_import_getv(&sg));

		/* 16 entries, handles and addresses. */
		sg.io_request_count = RSM_MAX_SGIOREQS;
		sg.io_residual_count = 99;
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_putv(&sg));
		EXPECT_EQ(0, sg.io_residual_count);
		for (i = 0; i < RSM_MAX_SGIOREQS; i++)
			memcpy(ref + v[i].ro, (v[i].handle ? hsrc : vsrc) +
			       v[i].lo, v[i].n);
		fill_iov(iov, v, RSM_MAX_SGIOREQS, ldst, vdst);
		sg.io_residual_count = 99;
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_getv(&sg));
		EXPECT_EQ(0, sg.io_residual_count);
		for (i = 0; i < RSM_MAX_SGIOREQS; i++) {
			diff = seg_diff((v[i].handle ? hdst : vdst) + v[i].lo,
					ref + v[i].ro, v[i].n);
			EXPECT_EQ(-1, diff)
				TH_LOG("entry %d: byte %ld", i, diff);
		}

		/* Stops at the entry out of range; two entries done. */
		fill_iov(iov, part3, 5, lsrc, vsrc);
		sg.io_request_count = 5;
		ret = rsm_memseg_import_putv(&sg);
		EXPECT_TRUE(ret == RSMERR_BAD_LENGTH ||
			    ret == RSMERR_BAD_OFFSET)
			TH_LOG("putv returned %d", ret);
		EXPECT_EQ(3, sg.io_residual_count);
		for (i = 0; i < 2; i++)
			memcpy(ref + part3[i].ro, (part3[i].handle ? hsrc :
			       vsrc) + part3[i].lo, part3[i].n);

		/* The whole segment is what both nodes expect. */
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, all,
							     LEN3));
		diff = seg_diff(all, ref, LEN3);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		EXPECT_EQ(RSM_SUCCESS,
			  rsm_free_localmemory_handle(self->ctl, lsrc));
		EXPECT_EQ(RSM_SUCCESS,
			  rsm_free_localmemory_handle(self->ctl, ldst));
		IMPORTER_DONE();
		seg_unmap(hdst, LLEN3);
		seg_unmap(vdst, LLEN3);
		seg_unmap(all, LEN3);
	}
	seg_unmap(ref, LEN3);
	seg_unmap(hsrc, LLEN3);
	seg_unmap(vsrc, LLEN3);
}

/* ------------------------------------------------------------ test 11 */

/*
 * The kernel moves the leading entries of a vector that fit its 64 KiB
 * bounce buffer together, each within one registered chunk, as one chain
 * of RDMA requests. Entries that do not fit (larger than the buffer,
 * across a chunk boundary: 511 pages on rxe, 512 elsewhere) go alone,
 * and a bad local buffer in the middle of a chain still stops the vector
 * exactly there.
 */
#define LEN11		(4u << 20)
#define LLEN11		(512u << 10)
#define CHUNK11		((2u << 20) - 4096)	/* chunk size on rxe */
#define BAD_GET11	6	/* getv: this entry's buffer is read-only */
#define BAD_PUT11	7	/* putv: this entry's buffer is unreadable */

static const struct vent mixed11[RSM_MAX_SGIOREQS] = {
	{ 0, 0, 0, 64 },
	{ 0, 64, 4096, 4000 },
	{ 0, 8192, CHUNK11 - (16 << 10), 32 << 10 },	/* across chunks */
	{ 0, 48 << 10, 64 << 10, 100 << 10 },		/* > bounce */
	{ 0, 160 << 10, 300 << 10, 60 << 10 },
	{ 0, 224 << 10, 1 << 20, 1 },
	{ 0, 228 << 10, (1 << 20) + 8192, 100 },
	{ 0, 232 << 10, (1 << 20) + 16384, 512 },
	{ 0, 236 << 10, (1 << 20) + 24576, 7 },
	{ 0, 240 << 10, (1 << 20) + 32768, 300 },
	{ 0, 244 << 10, (3 << 20) + 5, 4096 },
	{ 0, 252 << 10, (3 << 20) + 8192, 1000 },
	{ 0, 256 << 10, (3 << 20) + 16384, 2 },
	{ 0, 260 << 10, LEN11 - 64, 64 },
	{ 0, 264 << 10, (2 << 20) + (16 << 10), 8192 },
	{ 0, 280 << 10, 2 * CHUNK11 - 1, 2 },		/* across chunks */
};

/* What the segment holds after the importer's two putv calls. */
static void mixed11_ref(uint8_t *ref, const uint8_t *src, const uint8_t *src2)
{
	int i;

	seg_pattern(ref, LEN11, SEED_EXP, 0);
	for (i = 0; i < RSM_MAX_SGIOREQS; i++)
		memcpy(ref + mixed11[i].ro, src + mixed11[i].lo, mixed11[i].n);
	for (i = 0; i < BAD_PUT11; i++)
		memcpy(ref + mixed11[i].ro, src2 + mixed11[i].lo,
		       mixed11[i].n);
}

TEST_F_TIMEOUT(remote, vectors_chain_entries_that_fit_and_stop_exactly, 600)
{
	uint8_t *ref = seg_map(LEN11);
	uint8_t *src = seg_map(LLEN11), *src2 = seg_map(LLEN11);
	long diff;
	int i;

	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, src2);
	seg_pattern(src, LLEN11, SEED_PUT + 11, 0);
	seg_pattern(src2, LLEN11, SEED_PUT + 12, 0);
	mixed11_ref(ref, src, src2);
	if (self->me == EXPORTER) {
		struct seg_exp d;

		EXPORT_DATA(&d, LEN11, 11, NULL, 0);
		open_ctl(_metadata, self, 11);
		AWAIT_IMPORTER_DONE(WAIT_S * 2);
		diff = seg_diff(ref, d.mem, LEN11);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else {
		uint8_t *dst = seg_map(LLEN11), *all = seg_map(LEN11);
		uint8_t *ro = seg_map(seg_pg()), *none = seg_map(seg_pg());
		rsm_iovec_t iov[RSM_MAX_SGIOREQS];
		rsm_scat_gath_t sg;
		struct seg_imp d;

		ASSERT_NE(NULL, dst);
		ASSERT_NE(NULL, all);
		ASSERT_NE(NULL, ro);
		ASSERT_NE(NULL, none);
		ASSERT_EQ(0, mprotect(ro, seg_pg(), PROT_READ));
		ASSERT_EQ(0, mprotect(none, seg_pg(), PROT_NONE));
		join_ctl(_metadata, self, 11);
		IMPORT(&d, DATA_ID(11), RSM_PERM_RDWR);
		memset(&sg, 0, sizeof(sg));
		sg.local_nodeid = IMPORTER;
		sg.remote_handle = d.h;
		sg.iovec = iov;
		sg.io_request_count = RSM_MAX_SGIOREQS;

		/* Every entry there and back. */
		fill_iov(iov, mixed11, RSM_MAX_SGIOREQS, NULL, src);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_putv(&sg));
		EXPECT_EQ(0, sg.io_residual_count);
		fill_iov(iov, mixed11, RSM_MAX_SGIOREQS, NULL, dst);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_getv(&sg));
		EXPECT_EQ(0, sg.io_residual_count);
		for (i = 0; i < RSM_MAX_SGIOREQS; i++) {
			diff = seg_diff(dst + mixed11[i].lo,
					src + mixed11[i].lo, mixed11[i].n);
			EXPECT_EQ(-1, diff)
				TH_LOG("entry %d: byte %ld", i, diff);
		}

		/* A read-only buffer: the entries before it are read. */
		memset(dst, 0, LLEN11);
		iov[BAD_GET11].local.vaddr = (caddr_t)ro;
		iov[BAD_GET11].local_offset = 0;
		iov[BAD_GET11].transfer_length = 8;
		EXPECT_EQ(RSMERR_BAD_ADDR, rsm_memseg_import_getv(&sg));
		EXPECT_EQ(RSM_MAX_SGIOREQS - BAD_GET11, sg.io_residual_count);
		for (i = 0; i < BAD_GET11; i++) {
			diff = seg_diff(dst + mixed11[i].lo,
					src + mixed11[i].lo, mixed11[i].n);
			EXPECT_EQ(-1, diff)
				TH_LOG("entry %d: byte %ld", i, diff);
		}
		for (i = mixed11[BAD_GET11 + 1].lo; i < (int)LLEN11; i++)
			if (dst[i])
				break;
		EXPECT_EQ((int)LLEN11, i) TH_LOG("read past the bad entry: %d", i);

		/* An unreadable buffer: the entries before it are written. */
		fill_iov(iov, mixed11, RSM_MAX_SGIOREQS, NULL, src2);
		iov[BAD_PUT11].local.vaddr = (caddr_t)none;
		iov[BAD_PUT11].local_offset = 0;
		iov[BAD_PUT11].transfer_length = 8;
		EXPECT_EQ(RSMERR_BAD_ADDR, rsm_memseg_import_putv(&sg));
		EXPECT_EQ(RSM_MAX_SGIOREQS - BAD_PUT11, sg.io_residual_count);

		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, all,
							     LEN11));
		diff = seg_diff(all, ref, LEN11);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		IMPORTER_DONE();
		seg_unmap(dst, LLEN11);
		seg_unmap(all, LEN11);
		seg_unmap(ro, seg_pg());
		seg_unmap(none, seg_pg());
	}
	seg_unmap(ref, LEN11);
	seg_unmap(src, LLEN11);
	seg_unmap(src2, LLEN11);
}

/* ------------------------------------------------------------- test 4 */

TEST_F_TIMEOUT(remote, node_missing_from_the_access_list_cannot_connect, 300)
{
	if (self->me == EXPORTER) {
		rsmapi_access_entry_t acl = { EXPORTER, 0666 };
		struct seg_exp d;

		EXPORT_DATA(&d, seg_pg(), 4, &acl, 1);
		open_ctl(_metadata, self, 4);
		AWAIT_IMPORTER_DONE(WAIT_S);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else {
		join_ctl(_metadata, self, 4);
		EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED_TO_NODE,
			  seg_try_connect(self->ctl, EXPORTER, DATA_ID(4),
					  RSM_PERM_RDWR));
		EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED_TO_NODE,
			  seg_try_connect(self->ctl, EXPORTER, DATA_ID(4),
					  RSM_PERM_READ));
		/* Unknown ids are just not published. */
		EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED,
			  seg_try_connect(self->ctl, EXPORTER, DATA2_ID(4),
					  RSM_PERM_READ));
		IMPORTER_DONE();
	}
}

/* ------------------------------------------------------------- test 5 */

/*
 * Connecting for @perm to a segment that grants this node less: either
 * the connect is refused, or the import it makes cannot write.
 */
static void check_no_write(struct __test_metadata *_metadata,
			   FIXTURE_DATA(remote) *self, rsm_memseg_id_t id,
			   rsm_permission_t perm)
{
	uint64_t v = 0xdeadbeef;
	struct seg_imp im;
	int ret;

	ret = seg_connect(&im, self->ctl, EXPORTER, id, perm, 0, 0);
	if (ret == RSM_SUCCESS) {
		EXPECT_EQ(RSMERR_PERM_DENIED,
			  rsm_memseg_import_put64(im.h, 0, &v, 1));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&im));
	} else {
		EXPECT_EQ(RSMERR_PERM_DENIED, ret) TH_LOG("perm %#o", perm);
	}
}

TEST_F_TIMEOUT(remote, read_only_grant_allows_get_but_not_put, 300)
{
	size_t len = 4 * seg_pg();
	uint8_t *ref = seg_map(len);

	ASSERT_NE(NULL, ref);
	seg_pattern(ref, len, SEED_EXP, 0);
	if (self->me == EXPORTER) {
		rsmapi_access_entry_t acl = { IMPORTER, 0444 };
		struct seg_exp d;
		long diff;

		EXPORT_DATA(&d, len, 5, &acl, 1);
		open_ctl(_metadata, self, 5);
		AWAIT_IMPORTER_DONE(WAIT_S);
		diff = seg_diff(ref, d.mem, len);
		EXPECT_EQ(-1, diff) TH_LOG("byte %ld was written", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else {
		uint8_t *buf = seg_map(len);
		rsm_scat_gath_t sg = { 0 };
		rsm_iovec_t iov = { 0 };
		struct seg_imp d;
		int w;

		ASSERT_NE(NULL, buf);
		join_ctl(_metadata, self, 5);
		IMPORT(&d, DATA_ID(5), RSM_PERM_READ);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, buf, len));
		EXPECT_EQ(-1, seg_diff(buf, ref, len));
		for (w = 0; w <= 8; w = w ? 2 * w : 1)
			EXPECT_EQ(RSMERR_PERM_DENIED,
				  seg_xfer(d.h, 1, w, 64, buf, 4))
				TH_LOG("width %d", w);
		iov.io_type = RSM_VA_TYPE;
		iov.local.vaddr = (caddr_t)buf;
		iov.transfer_length = 64;
		sg.io_request_count = 1;
		sg.remote_handle = d.h;
		sg.iovec = &iov;
		EXPECT_EQ(RSMERR_PERM_DENIED, rsm_memseg_import_putv(&sg));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		check_no_write(_metadata, self, DATA_ID(5), RSM_PERM_RDWR);
		check_no_write(_metadata, self, DATA_ID(5), RSM_PERM_WRITE);
		IMPORTER_DONE();
		seg_unmap(buf, len);
	}
	seg_unmap(ref, len);
}

/* ------------------------------------------------------------- test 6 */

TEST_F_TIMEOUT(remote, user_permission_digits_apply_to_remote_importers, 300)
{
	uint64_t v = 0x600600600ULL;

	if (self->me == EXPORTER) {
		rsmapi_access_entry_t owner = { IMPORTER, 0600 };
		rsmapi_access_entry_t group = { IMPORTER, 0640 };
		struct seg_exp d, d2;

		ASSERT_EQ(RSM_SUCCESS,
			  seg_export(&d2, self->ctl, seg_pg(), 0, SEED_EXP));
		ASSERT_EQ(RSM_SUCCESS, seg_publish(&d2, DATA2_ID(6), &group, 1));
		EXPORT_DATA(&d, seg_pg(), 6, &owner, 1);
		open_ctl(_metadata, self, 6);
		if (seg_ctl_await(_metadata, &self->cs, IMPORTER, SEG_PH_DONE,
				  WAIT_S)) {
			seg_unexport(&d);
			seg_unexport(&d2);
			SKIP(return, "the importer skipped");
		}
		self->cs.finished = 1;
		/* The owner's write landed. */
		EXPECT_EQ(0, memcmp(d.mem, &v, 8));
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d2));
	} else {
		struct seg_as *c;
		struct seg_imp d;

		join_ctl(_metadata, self, 6);
		if (geteuid() != 0) {
			SEG_ANNOUNCE(SEG_PH_SKIP);
			self->cs.finished = 1;
			SKIP(return, "needs root to become other users");
		}
		/* Same uid as the exporter (root): the owner digit. */
		IMPORT(&d, DATA_ID(6), RSM_PERM_RDWR);
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_put64(d.h, 0, &v, 1));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		/* Others: the other digit, nothing. */
		c = seg_connect_as(self->ctl, EXPORTER, DATA_ID(6), SEG_NOBODY,
				   SEG_NOBODY);
		ASSERT_NE(NULL, c);
		ASSERT_EQ(0, c->status);
		EXPECT_EQ(RSMERR_PERM_DENIED, c->rdwr);
		EXPECT_EQ(RSMERR_PERM_DENIED, c->write);
		EXPECT_EQ(RSMERR_PERM_DENIED, c->read);
		seg_unmap(c, sizeof(*c));
		/* The exporter's group: the group digit, read only. */
		c = seg_connect_as(self->ctl, EXPORTER, DATA2_ID(6), SEG_NOBODY,
				   0);
		ASSERT_NE(NULL, c);
		ASSERT_EQ(0, c->status);
		EXPECT_EQ(RSMERR_PERM_DENIED, c->rdwr);
		EXPECT_EQ(RSMERR_PERM_DENIED, c->write);
		EXPECT_EQ(RSM_SUCCESS, c->read);
		EXPECT_EQ(RSM_SUCCESS, c->get);
		seg_unmap(c, sizeof(*c));
		c = seg_connect_as(self->ctl, EXPORTER, DATA2_ID(6), SEG_NOBODY,
				   SEG_NOBODY);
		ASSERT_NE(NULL, c);
		ASSERT_EQ(0, c->status);
		EXPECT_EQ(RSMERR_PERM_DENIED, c->read);
		seg_unmap(c, sizeof(*c));
		IMPORTER_DONE();
	}
}

/* ------------------------------------------------------------- test 7 */

TEST_F_TIMEOUT(remote, unpublish_while_the_importer_writes_aborts_it, 600)
{
	size_t len = 16 * seg_pg();

	if (self->me == EXPORTER) {
		uint8_t *snap = seg_map(len);
		struct seg_exp d;
		double t0;
		long diff;

		ASSERT_NE(NULL, snap);
		EXPORT_DATA(&d, len, 7, NULL, 0);
		open_ctl(_metadata, self, 7);
		AWAIT_IMPORTER(PH_WRITING, WAIT_S);
		usleep(500000);
		t0 = seg_now();
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(d.h));
		memcpy(snap, d.mem, len);
		TH_LOG("unpublish took %.3f s", seg_now() - t0);
		seg_set_word(&self->cs.exp, 0, PH_UNPUBLISHED);
		AWAIT_IMPORTER_DONE(WAIT_S);
		/* Nothing landed after unpublish returned. */
		diff = seg_diff(snap, d.mem, len);
		EXPECT_EQ(-1, diff) TH_LOG("byte %ld changed", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
		seg_unmap(snap, len);
	} else {
		struct seg_imp d;
		double t0 = 0;
		uint64_t n = 0, v;
		int ret;

		join_ctl(_metadata, self, 7);
		IMPORT(&d, DATA_ID(7), RSM_PERM_RDWR);
		for (;;) {
			v = ++n;
			ret = rsm_memseg_import_put64(d.h, (n % (len / 8)) * 8,
						      &v, 1);
			if (ret)
				break;
			if (n == 20) {
				SEG_ANNOUNCE(PH_WRITING);
				t0 = seg_now();
			}
			if (t0 && seg_now() - t0 > WAIT_S)
				break;
		}
		TH_LOG("%ju puts, the last %.3f s after announcing",
		       (uintmax_t)n, seg_now() - t0);
		ASSERT_NE(RSM_SUCCESS, ret)
			TH_LOG("still writing %.0f s later", WAIT_S);
		EXPECT_LT(20, n);
		EXPECT_EQ(RSMERR_CONN_ABORTED, ret);
		/* It stays aborted, reads too. */
		EXPECT_EQ(RSMERR_CONN_ABORTED,
			  rsm_memseg_import_put64(d.h, 0, &v, 1));
		EXPECT_EQ(RSMERR_CONN_ABORTED,
			  rsm_memseg_import_get64(d.h, 0, &v, 1));
		/* Only that segment: the control segment's import lives on. */
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_get64(self->cs.im.h, 0, &v, 1))
			TH_LOG("channel to node %d: state %u", EXPORTER,
			       seg_peer_state(EXPORTER));
		SEG_AWAIT_EXPORTER(PH_UNPUBLISHED);
		EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED,
			  seg_try_connect(self->ctl, EXPORTER, DATA_ID(7),
					  RSM_PERM_RDWR));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		IMPORTER_DONE();
	}
}

/* ------------------------------------------------------------- test 8 */

TEST_F_TIMEOUT(remote, killed_exporter_aborts_the_importer, 600)
{
	size_t len = 16 * seg_pg();

	if (self->me == EXPORTER) {
		int p[2], ret = -1;
		pid_t pid;

		ASSERT_EQ(0, pipe(p));
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			struct seg_exp d;

			close(p[0]);
			ret = seg_export(&d, self->ctl, len, 0, SEED_EXP);
			if (!ret)
				ret = seg_publish(&d, DATA_ID(8), NULL, 0);
			if (write(p[1], &ret, sizeof(ret)) != sizeof(ret))
				_exit(1);
			for (;;)
				pause();
		}
		self->child = pid;
		close(p[1]);
		ASSERT_EQ(sizeof(ret), read(p[0], &ret, sizeof(ret)));
		close(p[0]);
		ASSERT_EQ(RSM_SUCCESS, ret) TH_LOG("the child's export");
		open_ctl(_metadata, self, 8);
		AWAIT_IMPORTER(PH_CONNECTED, WAIT_S);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, NULL, 0));
		self->child = 0;
		seg_set_word(&self->cs.exp, 0, PH_KILLED);
		AWAIT_IMPORTER_DONE(WAIT_S);
	} else {
		struct seg_imp d;
		uint64_t v, n = 0;
		double t0;
		int ret;

		join_ctl(_metadata, self, 8);
		IMPORT(&d, DATA_ID(8), RSM_PERM_RDWR);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get64(d.h, 0, &v, 1));
		SEG_ANNOUNCE(PH_CONNECTED);
		t0 = seg_now();
		do {
			n++;
			ret = rsm_memseg_import_get64(d.h, 8 * (n % 64), &v, 1);
		} while (!ret && seg_now() - t0 < WAIT_S);
		TH_LOG("%ju gets, %.3f s", (uintmax_t)n, seg_now() - t0);
		EXPECT_EQ(RSMERR_CONN_ABORTED, ret);
		/* Only that segment: the control segment's import lives on. */
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_get64(self->cs.im.h, 0, &v, 1))
			TH_LOG("channel to node %d: state %u", EXPORTER,
			       seg_peer_state(EXPORTER));
		SEG_AWAIT_EXPORTER(PH_KILLED);
		EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED,
			  seg_try_connect(self->ctl, EXPORTER, DATA_ID(8),
					  RSM_PERM_RDWR));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		IMPORTER_DONE();
	}
}

/* ------------------------------------------------------------ test 10 */

#define PH_REBOUND	5

TEST_F_TIMEOUT(remote, rebind_is_transparent_to_a_remote_importer, 300)
{
	size_t len = 16 * seg_pg();
	uint8_t *ref = seg_map(len), *buf = seg_map(len);
	uint64_t v = 0x1234abcd5678ef90ULL;

	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, buf);
	if (self->me == EXPORTER) {
		uint8_t *new = seg_map(len), *saved = seg_map(len);
		struct seg_exp d;
		int ret;

		ASSERT_NE(NULL, new);
		ASSERT_NE(NULL, saved);
		seg_pattern(new, len, SEED_PUT, 0);
		ASSERT_EQ(RSM_SUCCESS, seg_export(&d, self->ctl, len,
						  RSM_ALLOW_REBIND, SEED_EXP));
		ASSERT_EQ(RSM_SUCCESS, seg_publish(&d, DATA_ID(10), NULL, 0));
		open_ctl(_metadata, self, 10);
		AWAIT_IMPORTER(PH_CONNECTED, WAIT_S);
		ret = rsm_memseg_export_rebind(d.h, new, 0, len);
		EXPECT_EQ(RSM_SUCCESS, ret);
		memcpy(saved, d.mem, len);
		/* Without the rebind there is nothing to check remotely. */
		seg_set_word(&self->cs.exp, 0, ret ? SEG_PH_SKIP : PH_REBOUND);
		if (!seg_ctl_await(_metadata, &self->cs, IMPORTER, SEG_PH_DONE,
				   WAIT_S)) {
			self->cs.finished = 1;
			memcpy(ref, new, len);
			memcpy(ref + 64, &v, 8);
			EXPECT_EQ(-1, seg_diff(new, ref, len));
			EXPECT_EQ(-1, seg_diff(d.mem, saved, len));
		}
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
		seg_unmap(new, len);
		seg_unmap(saved, len);
	} else {
		struct seg_imp d;
		uint32_t ph;

		join_ctl(_metadata, self, 10);
		IMPORT(&d, DATA_ID(10), RSM_PERM_RDWR);
		seg_pattern(ref, len, SEED_EXP, 0);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, buf, len));
		EXPECT_EQ(-1, seg_diff(buf, ref, len));
		SEG_ANNOUNCE(PH_CONNECTED);
		ASSERT_EQ(RSM_SUCCESS, seg_wait_remote(&self->cs.im, 0,
						       PH_REBOUND, WAIT_S,
						       &ph));
		if (ph == SEG_PH_SKIP) {
			SEG_ANNOUNCE(SEG_PH_SKIP);
			self->cs.finished = 1;
			SKIP(return, "the exporter could not rebind");
		}
		ASSERT_EQ(PH_REBOUND, ph);
		/* Still connected, to the new memory. */
		seg_pattern(ref, len, SEED_PUT, 0);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, buf, len));
		EXPECT_EQ(-1, seg_diff(buf, ref, len));
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_put64(d.h, 64, &v, 1));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		IMPORTER_DONE();
	}
	seg_unmap(ref, len);
	seg_unmap(buf, len);
}

/* ------------------------------------------------------------- test 9 */

/*
 * Both nodes ask the other for an id nobody publishes. Node 1 asks before
 * it publishes the control segment, node 2 after joining it: neither can
 * have finished and gone while the other asks.
 */
TEST_F_TIMEOUT(remote, unknown_id_on_the_other_node_is_not_published, 300)
{
	rsm_node_id_t other = self->me == EXPORTER ? IMPORTER : EXPORTER;
	struct seg_imp im;

	if (self->me == IMPORTER)
		join_ctl(_metadata, self, 9);
	/* Wait for the path, not for the segment. */
	EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED,
		  seg_connect(&im, self->ctl, other, UNUSED_ID, RSM_PERM_READ,
			      SEG_RETRY_UNREACHABLE, 60));
	EXPECT_EQ(NULL, im.h);
	if (self->me == EXPORTER) {
		open_ctl(_metadata, self, 9);
		AWAIT_IMPORTER_DONE(WAIT_S);
	} else {
		IMPORTER_DONE();
	}
}

/* ------------------------------------------------------------ test 10 */

/* Seconds the exporter publishes and unpublishes while node 2 connects. */
#define RACE_S		20.0

/*
 * Node 1 publishes a segment and unpublishes it again at random short
 * intervals while node 2 connects to it in a loop, so some SEG_REVOKEs
 * follow their SEG_CONNECT's reply at once. Every connect either finds
 * nothing (SEG_NOT_PUBLISHED) or returns an import that works or reports
 * CONN_ABORTED; the channel never drops (the control import lives on).
 */
TEST_F_TIMEOUT(remote, unpublish_racing_connects_never_drops_the_channel,
	       600)
{
	size_t len = 4 * seg_pg();

	if (self->me == EXPORTER) {
		uint64_t rng = 10, rounds = 0;
		struct seg_exp d;

		ASSERT_EQ(RSM_SUCCESS,
			  seg_export(&d, self->ctl, len, 0, SEED_EXP));
		open_ctl(_metadata, self, 10);
		AWAIT_IMPORTER(PH_RACING, WAIT_S);
		for (double end = seg_now() + RACE_S; seg_now() < end;
		     rounds++) {
			ASSERT_EQ(RSM_SUCCESS,
				  seg_publish(&d, DATA_ID(10), NULL, 0));
			usleep(seg_below(&rng, 3000));
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_memseg_export_unpublish(d.h));
		}
		TH_LOG("%ju publish/unpublish rounds", (uintmax_t)rounds);
		seg_set_word(&self->cs.exp, 0, PH_UNPUBLISHED);
		AWAIT_IMPORTER_DONE(WAIT_S);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else {
		uint64_t tries = 0, connected = 0, aborted = 0, v = 0;
		rsm_memseg_import_handle_t h;
		uint32_t ph = 0;
		int ret;

		join_ctl(_metadata, self, 10);
		SEG_ANNOUNCE(PH_RACING);
		while (ph != PH_UNPUBLISHED) {
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_memseg_import_get32(self->cs.im.h, 0,
							  &ph, 1))
				TH_LOG("control import lost after %ju connects",
				       (uintmax_t)tries);
			tries++;
			h = NULL;
			ret = rsm_memseg_import_connect(self->ctl, EXPORTER,
							DATA_ID(10),
							RSM_PERM_RDWR, &h);
			if (ret == RSMERR_SEG_NOT_PUBLISHED)
				continue;
			ASSERT_EQ(RSM_SUCCESS, ret);
			connected++;
			/* Explicit mode: no barrier needed. */
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_memseg_import_set_mode(h,
							RSM_BARRIER_MODE_EXPLICIT));
			ret = rsm_memseg_import_put64(h, 8, &tries, 1);
			if (!ret)
				ret = rsm_memseg_import_get64(h, 8, &v, 1);
			if (ret == RSMERR_CONN_ABORTED)
				aborted++;
			else
				EXPECT_EQ(RSM_SUCCESS, ret);
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_memseg_import_disconnect(h));
		}
		TH_LOG("%ju connects: %ju connected, %ju of them forced off",
		       (uintmax_t)tries, (uintmax_t)connected,
		       (uintmax_t)aborted);
		EXPECT_LT(0, connected);
		EXPECT_EQ(RSM_CONNECTION_ACTIVE, seg_peer_state(EXPORTER));
		IMPORTER_DONE();
	}
}

/* ------------------------------------------------------------ test 12 */

/*
 * A registration waits for a quiet send queue (design.rst: rxe replays
 * done registrations on retransmission). The exporter posts signals to
 * its importer from four threads in a loop, which keeps messages
 * outstanding most of the time; a connect to another of its segments,
 * which needs a registration on the same channel, must still succeed at
 * once (the stream is held back while the registration waits; on this
 * host the stream leaves gaps even without that, so this checks that the
 * wait ends, not the hold-back itself).
 */
#define PH_STORM	6
#define STORM_CONNECT_S	2.0
#define STORM_THREADS	4

struct storm {
	void *h;		/* an export or an import handle */
	int stop;
	uint64_t posts;
	int ret;
};

static void *storm_run(void *arg)
{
	struct storm *st = arg;

	while (!__atomic_load_n(&st->stop, __ATOMIC_RELAXED) && !st->ret) {
		st->ret = rsm_intr_signal_post(st->h, 0);
		st->posts++;
	}
	return NULL;
}

/* Start STORM_THREADS threads posting signals through @h. */
static void storm_start(struct __test_metadata *_metadata,
			struct storm *st, pthread_t *t, void *h)
{
	int i;

	for (i = 0; i < STORM_THREADS; i++) {
		st[i].h = h;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, storm_run, &st[i]));
	}
}

/* Stop them; every post must have succeeded. Returns the posts made. */
static uint64_t storm_stop(struct __test_metadata *_metadata,
			   struct storm *st, pthread_t *t)
{
	uint64_t posts = 0;
	int i;

	for (i = 0; i < STORM_THREADS; i++) {
		__atomic_store_n(&st[i].stop, 1, __ATOMIC_RELAXED);
		pthread_join(t[i], NULL);
		EXPECT_EQ(RSM_SUCCESS, st[i].ret)
			TH_LOG("thread %d: post %ju failed", i,
			       (uintmax_t)st[i].posts);
		posts += st[i].posts;
	}
	return posts;
}

TEST_F_TIMEOUT(remote, signal_stream_does_not_starve_a_connect, 300)
{
	size_t len = seg_pg();

	if (self->me == EXPORTER) {
		struct storm st[STORM_THREADS] = { 0 };
		pthread_t t[STORM_THREADS];
		struct seg_exp a, b;
		uint64_t posts;

		EXPORT_DATA(&a, len, 12, NULL, 0);
		ASSERT_EQ(RSM_SUCCESS,
			  seg_export(&b, self->ctl, len, 0, SEED_EXP));
		ASSERT_EQ(RSM_SUCCESS, seg_publish(&b, DATA2_ID(12), NULL, 0));
		open_ctl(_metadata, self, 12);
		AWAIT_IMPORTER(PH_CONNECTED, WAIT_S);
		storm_start(_metadata, st, t, a.h);
		usleep(500000);
		seg_set_word(&self->cs.exp, 0, PH_STORM);
		AWAIT_IMPORTER_DONE(WAIT_S);
		posts = storm_stop(_metadata, st, t);
		TH_LOG("%ju signals posted", (uintmax_t)posts);
		EXPECT_LT(1000, posts);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&a));
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&b));
	} else {
		struct seg_imp a, b;
		uint64_t v = 0;
		double t0, took;
		int ret;

		join_ctl(_metadata, self, 12);
		IMPORT(&a, DATA_ID(12), RSM_PERM_RDWR);
		SEG_ANNOUNCE(PH_CONNECTED);
		SEG_AWAIT_EXPORTER(PH_STORM);
		t0 = seg_now();
		ret = seg_connect(&b, self->ctl, EXPORTER, DATA2_ID(12),
				  RSM_PERM_RDWR, 0, 0);
		took = seg_now() - t0;
		ASSERT_EQ(RSM_SUCCESS, ret)
			TH_LOG("connect during the signal stream: %d after %.2f s",
			       ret, took);
		TH_LOG("connect during the signal stream took %.3f s", took);
		EXPECT_GT(STORM_CONNECT_S, took);
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_get64(b.h, 0, &v, 1));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&b));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&a));
		IMPORTER_DONE();
	}
}

/* ------------------------------------------------------------ test 13 */

/*
 * Signals are messages without a reply: both nodes posting them as fast as
 * they can sends bursts that cross, each taking the other's credits. Only
 * a message that returns credits may spend the last one (design.rst), so
 * credits keep flowing back: for several failure detection periods, every
 * post on both nodes succeeds (a channel that went silent and dropped
 * would force the import off and fail them) and both streams keep moving.
 */
#define STORM_BOTH_S	8

/* Post signals through @h from STORM_THREADS threads for @secs. */
static uint64_t storm_for(struct __test_metadata *_metadata, void *h,
			  unsigned int secs)
{
	struct storm st[STORM_THREADS] = { 0 };
	pthread_t t[STORM_THREADS];

	storm_start(_metadata, st, t, h);
	sleep(secs);
	return storm_stop(_metadata, st, t);
}

TEST_F_TIMEOUT(remote, signal_storms_both_ways_keep_the_channel, 300)
{
	size_t len = seg_pg();
	uint64_t posts;

	if (self->me == EXPORTER) {
		struct seg_exp a;

		EXPORT_DATA(&a, len, 13, NULL, 0);
		open_ctl(_metadata, self, 13);
		AWAIT_IMPORTER(PH_CONNECTED, WAIT_S);
		seg_set_word(&self->cs.exp, 0, PH_STORM);
		posts = storm_for(_metadata, a.h, STORM_BOTH_S);
		AWAIT_IMPORTER_DONE(WAIT_S);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&a));
	} else {
		struct seg_imp a;

		join_ctl(_metadata, self, 13);
		IMPORT(&a, DATA_ID(13), RSM_PERM_RDWR);
		SEG_ANNOUNCE(PH_CONNECTED);
		SEG_AWAIT_EXPORTER(PH_STORM);
		posts = storm_for(_metadata, a.h, STORM_BOTH_S);
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&a));
		IMPORTER_DONE();
	}
	TH_LOG("%ju signals posted in %d s", (uintmax_t)posts, STORM_BOTH_S);
	/* Kept moving: about 50000 here, 556 on the debug kernel. */
	EXPECT_LT(100, posts);
}

/* ------------------------------------------------------------ test 14 */

#define POLL_PARAM	"/sys/module/rsm/parameters/poll_us"
#define OPS14		64

/* Set the module parameter poll_us to @v: 0, or -1 with errno. */
static int set_poll_us(const char *v)
{
	int fd = open(POLL_PARAM, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, v, strlen(v));
		close(fd);
	}
	return n == (ssize_t)strlen(v) ? 0 : -1;
}

/*
 * Small accesses move the same data whether they never poll (poll_us 0)
 * or may poll as long as their average allows (poll_us at its largest):
 * node 2 puts a word and gets it back OPS14 times under each, and node 1
 * finds the last word of each round.
 */
TEST_F_TIMEOUT(remote, small_accesses_work_with_and_without_polling, 300)
{
	static const char *const settings[] = { "0", "4294967295" };
	size_t len = seg_pg();
	unsigned int r, i;

	if (self->me == EXPORTER) {
		struct seg_exp a;
		const uint64_t *w;

		EXPORT_DATA(&a, len, 14, NULL, 0);
		open_ctl(_metadata, self, 14);
		AWAIT_IMPORTER_DONE(WAIT_S);
		w = (const uint64_t *)a.mem;
		for (r = 0; r < ARRAY_SIZE(settings); r++)
			EXPECT_EQ(SEED_PUT + (r + 1) * OPS14 - 1, w[r])
				TH_LOG("round %u", r);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&a));
	} else {
		char old[32];
		struct seg_imp a;
		uint64_t v, got;
		int ok = 1;

		if (rsm_read_text(POLL_PARAM, old, sizeof(old)) <= 0)
			SKIP(return, "%s: %s", POLL_PARAM, strerror(errno));
		join_ctl(_metadata, self, 14);
		IMPORT(&a, DATA_ID(14), RSM_PERM_RDWR);
		for (r = 0; ok && r < ARRAY_SIZE(settings); r++) {
			ok = !set_poll_us(settings[r]);
			EXPECT_TRUE(ok) TH_LOG("round %u: %s", r,
					       strerror(errno));
			for (i = 0; ok && i < OPS14; i++) {
				v = SEED_PUT + r * OPS14 + i;
				got = 0;
				ok = rsm_memseg_import_put64(a.h, 8 * r, &v, 1) ==
				     RSM_SUCCESS &&
				     rsm_memseg_import_get64(a.h, 8 * r, &got, 1) ==
				     RSM_SUCCESS && got == v;
				EXPECT_TRUE(ok) TH_LOG("round %u, access %u: %#jx",
						       r, i, (uintmax_t)got);
			}
		}
		EXPECT_EQ(0, set_poll_us(old));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&a));
		IMPORTER_DONE();
	}
}

/* ------------------------------------------------------------ test 15 */

/*
 * What node 1's memory holds after test 15: pattern SEED_EXP, with
 * pattern SEED_PUT + i written around the start of each block i.
 */
static void huge_expect(uint8_t *ref, size_t len, size_t n)
{
	int i;

	seg_pattern(ref, len, SEED_EXP, 0);
	for (i = 1; i <= 3; i++)
		seg_pattern(ref + seg_huge_off(i), n, SEED_PUT + i,
			    seg_huge_off(i));
}

/*
 * An export over huge pages, a partial first block and a block with one
 * small page (seg_map_huge()) is registered for a remote importer like
 * any other: node 2 reads all of it and writes across every block
 * boundary, and node 1 finds exactly those writes in its memory.
 */
TEST_F_TIMEOUT(remote, huge_and_mixed_blocks_cross_nodes, 300)
{
	size_t len = 3 * SEG_HUGE, n = 2 * seg_pg() + 200;
	uint8_t *ref = seg_map(len), *buf = seg_map(len);
	int i;

	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, buf);
	if (self->me == EXPORTER) {
		rsm_memseg_export_handle_t h;
		rsm_memseg_id_t id = DATA_ID(15);
		size_t maplen;
		uint8_t *mem;
		void *base;

		mem = seg_map_huge(len, &base, &maplen);
		ASSERT_NE(NULL, mem);
		seg_pattern(mem, len, SEED_EXP, 0);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_create(self->ctl, &h,
								mem, len, 0));
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_memseg_export_publish(h, &id, NULL, 0));
		open_ctl(_metadata, self, 15);
		AWAIT_IMPORTER_DONE(WAIT_S);
		huge_expect(ref, len, n);
		EXPECT_EQ(-1, seg_diff(mem, ref, len));
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_destroy(h));
		seg_unmap(base, maplen);
	} else {
		struct seg_imp d;

		join_ctl(_metadata, self, 15);
		IMPORT(&d, DATA_ID(15), RSM_PERM_RDWR);
		seg_pattern(ref, len, SEED_EXP, 0);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, buf, len));
		EXPECT_EQ(-1, seg_diff(buf, ref, len));
		huge_expect(ref, len, n);
		for (i = 1; i <= 3; i++)
			EXPECT_EQ(RSM_SUCCESS,
				  rsm_memseg_import_put(d.h, seg_huge_off(i),
							ref + seg_huge_off(i), n));
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, buf, len));
		EXPECT_EQ(-1, seg_diff(buf, ref, len));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		IMPORTER_DONE();
	}
	seg_unmap(ref, len);
	seg_unmap(buf, len);
}

/* ------------------------------------------------------------ test 16 */

#define LEN16	(64u << 20)
#define PH_GETTING	6

/*
 * Gets of 64 MiB, each longer than the exporter's detection time (1 s
 * here), while the exporter rebinds the segment and then unpublishes it.
 * The importer answers SEG_REBIND and SEG_REVOKE between two RDMA
 * transfers, not after the whole get: the rebinds are transparent, the
 * unpublish ends the get with RSMERR_CONN_ABORTED, and the channel stays
 * up (the control segment, on the same channel, still works). An importer
 * that answered only after its get let the exporter time out and destroy
 * the registrations the get was still using, which took the channel down.
 */
TEST_F_TIMEOUT(remote, long_gets_survive_rebinds_and_end_at_unpublish, 600)
{
	uint8_t *ref = seg_map(LEN16), *buf = NULL;
	struct rsm_node_info ni;
	int i, ret;

	ASSERT_NE(NULL, ref);
	seg_pattern(ref, LEN16, SEED_EXP, 0);
	if (self->me == EXPORTER) {
		struct seg_exp d;

		ASSERT_EQ(0, rsm_node_get(&ni));
		ASSERT_EQ(RSM_SUCCESS, seg_export(&d, self->ctl, LEN16,
						  RSM_ALLOW_REBIND, SEED_EXP));
		ASSERT_EQ(RSM_SUCCESS, seg_publish(&d, DATA_ID(16), NULL, 0));
		open_ctl(_metadata, self, 16);
		AWAIT_IMPORTER(PH_GETTING, WAIT_S);
		ASSERT_EQ(0, set_timeout(1000));
		self->timeout_ms = ni.timeout_ms;
		/* Between the two copies of the pattern, mid-get. */
		for (i = 0; i < 4; i++) {
			usleep(700000);
			EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_rebind(d.h,
					i % 2 ? d.mem : ref, 0, LEN16));
		}
		seg_set_word(&self->cs.exp, 0, PH_REBOUND);
		AWAIT_IMPORTER(PH_RACING, WAIT_S);
		usleep(700000);
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(d.h));
		AWAIT_IMPORTER_DONE(WAIT_S);
		EXPECT_EQ(RSM_CONNECTION_ACTIVE, seg_peer_state(IMPORTER));
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else {
		struct seg_imp d;
		uint32_t ph = 0;
		int gets = 0;

		buf = seg_map(LEN16);
		ASSERT_NE(NULL, buf);
		join_ctl(_metadata, self, 16);
		IMPORT(&d, DATA_ID(16), RSM_PERM_READ);
		SEG_ANNOUNCE(PH_GETTING);
		while (ph != PH_REBOUND) {
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_memseg_import_get(d.h, 0, buf, LEN16))
				TH_LOG("get %d during the rebinds", gets);
			EXPECT_EQ(-1, seg_diff(buf, ref, LEN16));
			gets++;
			ASSERT_EQ(RSM_SUCCESS, seg_wait_remote(&self->cs.im, 0,
							       PH_REBOUND, 0,
							       &ph));
			ASSERT_NE(SEG_PH_FAILED, ph);
		}
		SEG_ANNOUNCE(PH_RACING);
		for (i = 0; i < 100; i++) {
			ret = rsm_memseg_import_get(d.h, 0, buf, LEN16);
			if (ret)
				break;
		}
		EXPECT_EQ(RSMERR_CONN_ABORTED, ret);
		EXPECT_EQ(RSM_CONNECTION_ACTIVE, seg_peer_state(EXPORTER));
		TH_LOG("%d gets during the rebinds, %d more before unpublish",
		       gets, i);
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		IMPORTER_DONE();
		seg_unmap(buf, LEN16);
	}
	seg_unmap(ref, LEN16);
}

TEST_HARNESS_MAIN
