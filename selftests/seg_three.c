// SPDX-License-Identifier: GPL-2.0
/*
 * Access lists across three nodes of the QEMU cluster, over $RSM_CTRL:
 * node 1 exports a segment whose access list grants node 2 and not node
 * 3, then changes the list with republish; nodes 2 and 3 import. Every
 * test runs on the three nodes under the same name; RSM_NODE picks the
 * role (other nodes SKIP).
 *
 * As in seg_remote, node 1 publishes a control segment after the data
 * segment; nodes 2 and 3 wait for it, write their phase into word <node>
 * and read node 1's phase from word 0. Ids: 0x410000 + 0x100 * test.
 *
 * Needs RSM_NODES >= 3, RSM_NODE and RSM_CTRL (selftests/qemu/cluster).
 */
#include "kselftest_harness.h"
#include "seg_test.h"

#define EXPORTER	1
#define GRANTED		2
#define REFUSED		3

#define CTL_ID(t)	(0x410000u + 0x100u * (t))
#define DATA_ID(t)	(CTL_ID(t) + 1)

#define WAIT_S		180.0

/* Test phases besides SEG_PH_DONE/SKIP/FAILED. */
#define PH_WROTE	1	/* node 2: its first put is in */
#define PH_REFUSED	2	/* node 3: its connects were refused */
#define PH_CONNECTED	3	/* an importer is connected */
#define PH_REPUBLISHED	4	/* node 1: the new list is in place */

#define SEED_EXP	0x3000
#define SEED_2		0x3100
#define SEED_3		0x3200

FIXTURE(three) {
	rsmapi_controller_handle_t ctl;
	int me;
	struct seg_ctl cs;	/* the test's control segment */
};

FIXTURE_SETUP(three)
{
	self->me = seg_cluster_setup(_metadata, 3, &self->ctl);
}

FIXTURE_TEARDOWN(three)
{
	seg_ctl_close(&self->cs, self->ctl, self->me);
	if (self->ctl)
		rsm_release_controller(self->ctl);
}

/* Node 1: publish test @t's control segment, for nodes 2 and 3. */
static void open_ctl(struct __test_metadata *_metadata,
		     FIXTURE_DATA(three) *self, int t)
{
	rsmapi_access_entry_t acl[2] = {
		{ GRANTED, 0666 }, { REFUSED, 0666 },
	};

	seg_ctl_open(_metadata, &self->cs, self->ctl, CTL_ID(t), acl, 2);
}

/* Nodes 2 and 3: connect to test @t's control segment. */
static void join_ctl(struct __test_metadata *_metadata,
		     FIXTURE_DATA(three) *self, int t)
{
	seg_ctl_join(_metadata, &self->cs, self->ctl, EXPORTER, CTL_ID(t),
		     WAIT_S);
}

#define IMPORT(im, id, perm)						\
	ASSERT_EQ(RSM_SUCCESS,						\
		  seg_connect(im, self->ctl, EXPORTER, id, perm,	\
			      SEG_RETRY_ALL, WAIT_S))

/*
 * Connecting for @perm to a segment that grants this node read only:
 * either refused, or the import cannot write.
 */
static void check_no_write(struct __test_metadata *_metadata,
			   FIXTURE_DATA(three) *self, rsm_memseg_id_t id,
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

TEST_F_TIMEOUT(three, access_list_grants_node_2_and_refuses_node_3, 600)
{
	size_t pg = seg_pg(), len = 4 * pg;
	uint8_t *ref = seg_map(len), *buf = seg_map(len);

	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, buf);
	seg_pattern(ref, len, SEED_EXP, 0);
	/* Node 2 writes page 0 before, page 1 after the republish. */
	seg_pattern(ref, pg, SEED_2, 0);
	seg_pattern(ref + pg, pg, SEED_2 + 1, pg);

	if (self->me == EXPORTER) {
		rsmapi_access_entry_t acl[2] = {
			{ GRANTED, RSM_PERM_RDWR }, { REFUSED, 0444 },
		};
		struct seg_exp d;
		long diff;

		ASSERT_EQ(RSM_SUCCESS,
			  seg_export(&d, self->ctl, len, 0, SEED_EXP));
		ASSERT_EQ(RSM_SUCCESS, seg_publish(&d, DATA_ID(1), acl, 1));
		open_ctl(_metadata, self, 1);
		SEG_AWAIT_NODE(GRANTED, PH_WROTE);
		SEG_AWAIT_NODE(REFUSED, PH_REFUSED);
		EXPECT_EQ(-1, seg_diff(d.mem, ref, pg));
		/* Now node 3 may read. */
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_memseg_export_republish(d.h, acl, 2));
		seg_set_word(&self->cs.exp, 0, PH_REPUBLISHED);
		SEG_AWAIT_NODE(GRANTED, SEG_PH_DONE);
		SEG_AWAIT_NODE(REFUSED, SEG_PH_DONE);
		self->cs.finished = 1;
		diff = seg_diff(d.mem, ref, len);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else if (self->me == GRANTED) {
		struct seg_imp d;

		join_ctl(_metadata, self, 1);
		IMPORT(&d, DATA_ID(1), RSM_PERM_RDWR);
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_put(d.h, 0, ref, pg));
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, buf, len));
		EXPECT_EQ(-1, seg_diff(buf, ref, pg));
		EXPECT_EQ(-1, seg_diff(buf + 2 * pg, ref + 2 * pg, 2 * pg));
		SEG_ANNOUNCE(PH_WROTE);
		SEG_AWAIT_EXPORTER(PH_REPUBLISHED);
		/* Still connected, still writing. */
		EXPECT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_put(d.h, pg, ref + pg, pg));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		SEG_ANNOUNCE(SEG_PH_DONE);
		self->cs.finished = 1;
	} else {
		struct seg_imp d;
		long diff;

		join_ctl(_metadata, self, 1);
		EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED_TO_NODE,
			  seg_try_connect(self->ctl, EXPORTER, DATA_ID(1),
					  RSM_PERM_RDWR));
		EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED_TO_NODE,
			  seg_try_connect(self->ctl, EXPORTER, DATA_ID(1),
					  RSM_PERM_READ));
		SEG_ANNOUNCE(PH_REFUSED);
		SEG_AWAIT_EXPORTER(PH_REPUBLISHED);
		/* Read only now: node 2's data, and no writing. */
		IMPORT(&d, DATA_ID(1), RSM_PERM_READ);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, buf, pg));
		diff = seg_diff(buf, ref, pg);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		EXPECT_EQ(RSMERR_PERM_DENIED,
			  rsm_memseg_import_put(d.h, 2 * pg, buf, 64));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		check_no_write(_metadata, self, DATA_ID(1), RSM_PERM_RDWR);
		check_no_write(_metadata, self, DATA_ID(1), RSM_PERM_WRITE);
		SEG_ANNOUNCE(SEG_PH_DONE);
		self->cs.finished = 1;
	}
	seg_unmap(ref, len);
	seg_unmap(buf, len);
}

TEST_F_TIMEOUT(three, republish_dropping_a_node_keeps_its_import, 600)
{
	size_t pg = seg_pg(), len = 2 * pg;
	uint8_t *ref = seg_map(len);
	uint64_t v2 = 0x2222222222222222ULL, v3 = 0x3333333333333333ULL;

	ASSERT_NE(NULL, ref);
	seg_pattern(ref, len, SEED_EXP, 0);
	memcpy(ref + 8 * GRANTED, &v2, 8);
	memcpy(ref + 8 * REFUSED, &v3, 8);

	if (self->me == EXPORTER) {
		rsmapi_access_entry_t acl[2] = {
			{ GRANTED, RSM_PERM_RDWR }, { REFUSED, RSM_PERM_RDWR },
		};
		struct seg_exp d;
		long diff;

		ASSERT_EQ(RSM_SUCCESS,
			  seg_export(&d, self->ctl, len, 0, SEED_EXP));
		ASSERT_EQ(RSM_SUCCESS, seg_publish(&d, DATA_ID(2), acl, 2));
		open_ctl(_metadata, self, 2);
		SEG_AWAIT_NODE(GRANTED, PH_CONNECTED);
		SEG_AWAIT_NODE(REFUSED, PH_CONNECTED);
		/* Drop node 2. */
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_memseg_export_republish(d.h, &acl[1], 1));
		seg_set_word(&self->cs.exp, 0, PH_REPUBLISHED);
		SEG_AWAIT_NODE(GRANTED, SEG_PH_DONE);
		SEG_AWAIT_NODE(REFUSED, SEG_PH_DONE);
		self->cs.finished = 1;
		diff = seg_diff(d.mem, ref, len);
		EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	} else {
		uint64_t *v = self->me == GRANTED ? &v2 : &v3, r;
		struct seg_imp d;

		join_ctl(_metadata, self, 2);
		IMPORT(&d, DATA_ID(2), RSM_PERM_RDWR);
		SEG_ANNOUNCE(PH_CONNECTED);
		SEG_AWAIT_EXPORTER(PH_REPUBLISHED);
		/* Existing imports are not revoked, on either node. */
		EXPECT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_put64(d.h, 8 * self->me, v, 1));
		EXPECT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_get64(d.h, 8 * self->me, &r, 1));
		EXPECT_EQ(*v, r);
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
		/* New ones follow the new list. */
		if (self->me == GRANTED) {
			EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED_TO_NODE,
				  seg_try_connect(self->ctl, EXPORTER,
						  DATA_ID(2), RSM_PERM_READ));
		} else {
			EXPECT_EQ(RSM_SUCCESS,
				  seg_try_connect(self->ctl, EXPORTER,
						  DATA_ID(2), RSM_PERM_RDWR));
		}
		SEG_ANNOUNCE(SEG_PH_DONE);
		self->cs.finished = 1;
	}
	seg_unmap(ref, len);
}

TEST_HARNESS_MAIN
