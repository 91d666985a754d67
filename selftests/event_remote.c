// SPDX-License-Identifier: GPL-2.0
/*
 * Events (signals) across two nodes of the QEMU cluster, over $RSM_CTRL:
 * node 1 exports, node 2 imports. Every test runs on both nodes under the
 * same name; RSM_NODE picks the role (other nodes SKIP).
 *
 * The nodes coordinate through the events under test: node 1 publishes
 * the test's own id (0x4f0000 + 0x10 * test, so a slow node never meets
 * another test's segment), node 2 retries its connect while the id is not
 * published yet (or node 1 not reachable yet) and then posts; node 1
 * learns from the events that node 2 is there, and the last event of a
 * test, from node 2, tells node 1 it may destroy the segment. A node that
 * fails ends its test process, which destroys its segments, so the other
 * node fails with RSMERR_CONN_ABORTED or a timeout instead of hanging.
 *
 * A node that powers off while the other waits or writes: node_death.c.
 *
 * Needs RSM_NODES >= 2, RSM_NODE and RSM_CTRL (selftests/qemu/cluster).
 */
#include <stdio.h>

#include "kselftest_harness.h"
#include "seg_test.h"

#define EXPORTER	1
#define IMPORTER	2

#define EV_ID(t)	(0x4f0000u + 0x10u * (t))

/* Longest wait for the other node to reach a test, in seconds. */
#define WAIT_S		180.0
#define WAIT_MS		((int)(WAIT_S * 1000))
/* Longest time one event may take between the nodes, in ms. */
#define EVENT_MS	20000

/* Round trips of the ping-pong: TCG makes an RDMA round trip milliseconds. */
#define PINGS		1000

FIXTURE(rev) {
	rsmapi_controller_handle_t ctl;
	int me;
};

FIXTURE_SETUP(rev)
{
	self->me = seg_cluster_setup(_metadata, 2, &self->ctl);
}

FIXTURE_TEARDOWN(rev)
{
	if (self->ctl)
		rsm_release_controller(self->ctl);
}

/* Exporter: a published one-page segment of test @t. */
#define EXPORT(e, t)							\
	do {								\
		ASSERT_EQ(RSM_SUCCESS,					\
			  seg_export(e, self->ctl, seg_pg(), 0, t));	\
		memset((e)->mem, 0, (e)->len);				\
		ASSERT_EQ(RSM_SUCCESS, seg_publish(e, EV_ID(t), NULL, 0)); \
	} while (0)

/* Importer: connect to test @t's segment, waiting for it to appear. */
static void import_seg(struct __test_metadata *_metadata,
		       FIXTURE_DATA(rev) *self, struct seg_imp *im, int t)
{
	int ret = seg_connect(im, self->ctl, EXPORTER, EV_ID(t),
			      RSM_PERM_RDWR, SEG_RETRY_ALL, WAIT_S);

	ASSERT_EQ(RSM_SUCCESS, ret)
		TH_LOG("no segment %#x on node %d", EV_ID(t), EXPORTER);
}

#define IMPORT(im, t)	import_seg(_metadata, self, im, t)

/* Post @n events on @seg: the first error, or RSM_SUCCESS. */
static int post_n(void *seg, int n)
{
	int ret = RSM_SUCCESS;

	while (n-- > 0 && !ret)
		ret = rsm_intr_signal_post(seg, 0);
	return ret;
}

#define POST(seg)							\
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_post(seg, 0))

/* One event arrives within @ms. */
#define AWAIT(seg, ms)							\
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(seg, ms))

/* ------------------------------------------------------------- test 1 */

/*
 * Node 2 puts a counter and posts; node 1 waits, finds the counter in its
 * memory, writes a reply there and posts back through the export; node 2
 * waits and reads the reply.
 */
TEST_F_TIMEOUT(rev, ping_pong_of_signals_with_data, 600)
{
	uint64_t i, v;
	double t0;

	if (self->me == EXPORTER) {
		struct seg_exp e;
		uint64_t *w;
		int ms;

		EXPORT(&e, 1);
		w = (uint64_t *)e.mem;
		t0 = 0;
		for (i = 1; i <= PINGS; i++) {
			ms = i == 1 ? WAIT_MS : EVENT_MS;
			ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(e.h, ms))
				TH_LOG("ping %ju did not arrive", (uintmax_t)i);
			if (i == 1)
				t0 = seg_now();
			v = __atomic_load_n(&w[0], __ATOMIC_ACQUIRE);
			ASSERT_EQ(i, v) TH_LOG("ping %ju", (uintmax_t)i);
			__atomic_store_n(&w[1], ~i, __ATOMIC_RELEASE);
			POST(e.h);
		}
		TH_LOG("%d round trips, %.2f ms each", PINGS - 1,
		       (seg_now() - t0) * 1e3 / (PINGS - 1));
		/* Node 2's last event: it is done with the segment. */
		AWAIT(e.h, EVENT_MS);
		EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 500));
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
	} else {
		struct seg_imp im;

		IMPORT(&im, 1);
		t0 = seg_now();
		for (i = 1; i <= PINGS; i++) {
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_memseg_import_put64(im.h, 0, &i, 1));
			POST(im.h);
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_intr_signal_wait(im.h, EVENT_MS))
				TH_LOG("pong %ju did not arrive", (uintmax_t)i);
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_memseg_import_get64(im.h, 8, &v, 1));
			ASSERT_EQ(~i, v) TH_LOG("pong %ju", (uintmax_t)i);
		}
		TH_LOG("%d round trips with a put and a get each: %.2f ms each",
		       PINGS, (seg_now() - t0) * 1e3 / PINGS);
		/* Exactly one event came back per ping. */
		EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(im.h, 500));
		POST(im.h);
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&im));
	}
}

/* ------------------------------------------------------------- test 2 */

TEST_F_TIMEOUT(rev, events_are_counted_across_nodes, 600)
{
	int i;

	if (self->me == EXPORTER) {
		struct seg_exp e;

		EXPORT(&e, 2);
		for (i = 0; i < 3; i++) {
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_intr_signal_wait(e.h, i ? EVENT_MS : WAIT_MS))
				TH_LOG("event %d of 3 missing", i + 1);
		}
		/* A fourth never comes. */
		EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 2000));
		EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 0));
		/* The other way round. */
		ASSERT_EQ(RSM_SUCCESS, post_n(e.h, 3));
		/* Node 2 counted them and is done with the segment. */
		AWAIT(e.h, EVENT_MS);
		EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 500));
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
	} else {
		struct seg_imp im;

		IMPORT(&im, 2);
		ASSERT_EQ(RSM_SUCCESS, post_n(im.h, 3));
		for (i = 0; i < 3; i++) {
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_intr_signal_wait(im.h, EVENT_MS))
				TH_LOG("event %d of 3 missing", i + 1);
		}
		EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(im.h, 2000));
		EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(im.h, 0));
		POST(im.h);
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&im));
	}
}

/* ------------------------------------------------------------- test 3 */

/*
 * Node 2 connects, posts "waiting" and waits; node 1 gets the event and a
 * second later takes the segment away (@kill_how 0: unpublish; 1: the
 * process holding the export exits). Node 2's wait ends with
 * RSMERR_CONN_ABORTED.
 */
static void waiter_aborted(struct __test_metadata *_metadata,
			   FIXTURE_DATA(rev) *self, int t, int kill_how)
{
	if (self->me == EXPORTER) {
		int st, p[2], ret = -1;
		struct seg_exp e;
		pid_t pid;

		if (!kill_how) {
			EXPORT(&e, t);
			AWAIT(e.h, WAIT_MS);
			sleep(1);
			ASSERT_EQ(RSM_SUCCESS,
				  rsm_memseg_export_unpublish(e.h));
			/* Nothing arrives from the aborted import. */
			EXPECT_EQ(RSMERR_TIMEOUT,
				  rsm_intr_signal_wait(e.h, 2000));
			EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
			return;
		}
		/*
		 * A child exports, tells its result, and exits a second
		 * after node 2's event without cleaning up.
		 */
		ASSERT_EQ(0, pipe(p));
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(p[0]);
			ret = seg_export(&e, self->ctl, seg_pg(), 0, t);
			if (!ret)
				ret = seg_publish(&e, EV_ID(t), NULL, 0);
			if (!ret)
				ret = rsm_intr_signal_wait(e.h, WAIT_MS);
			if (write(p[1], &ret, sizeof(ret)) != sizeof(ret))
				_exit(1);
			sleep(1);
			_exit(0);
		}
		close(p[1]);
		ASSERT_EQ(sizeof(ret), read(p[0], &ret, sizeof(ret)));
		close(p[0]);
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_EQ(RSM_SUCCESS, ret) TH_LOG("the child's export");
		EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	} else {
		struct seg_imp im;
		double t0, took;
		int ret;

		IMPORT(&im, t);
		POST(im.h);
		t0 = seg_now();
		ret = rsm_intr_signal_wait(im.h, WAIT_MS);
		took = seg_now() - t0;
		TH_LOG("the wait ended after %.2f s", took);
		EXPECT_EQ(RSMERR_CONN_ABORTED, ret);
		/* Node 1 waited a second before taking the segment away. */
		EXPECT_GE(took, 0.5);
		/* It stays aborted: waits at once, posts too. */
		EXPECT_EQ(RSMERR_CONN_ABORTED, rsm_intr_signal_wait(im.h, 0));
		EXPECT_EQ(RSMERR_CONN_ABORTED,
			  rsm_intr_signal_wait(im.h, EVENT_MS));
		EXPECT_EQ(RSMERR_CONN_ABORTED, rsm_intr_signal_post(im.h, 0));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&im));
	}
}

TEST_F_TIMEOUT(rev, unpublish_aborts_a_remote_waiter, 600)
{
	waiter_aborted(_metadata, self, 3, 0);
}

TEST_F_TIMEOUT(rev, exporter_exit_aborts_a_remote_waiter, 600)
{
	waiter_aborted(_metadata, self, 4, 1);
}

TEST_HARNESS_MAIN
