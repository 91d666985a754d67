// SPDX-License-Identifier: GPL-2.0
/*
 * Node failure: one node of a two-node QEMU cluster powers off
 * (selftests/qemu/die) while the other waits on a signal and writes into
 * a segment in a loop. Node 1 exports, node 2 imports, and
 * $RSM_DEAD_NODE says which of them dies:
 *
 * 1  the exporter, while node 2 waits on its import and two threads of
 *    node 2 put into the segment;
 * 2  the importer, while it puts into one export of node 1 and node 1
 *    waits on another.
 *
 * A node dies once per boot, so each value is a run of its own, and each
 * runs one test, which covers the waiter and the writers together; the
 * other test SKIPs, and both SKIP without RSM_DEAD_NODE. The survivor must
 * notice the death within the detection time ($RSM_TIMEOUT_MS, which the
 * run sets with `rsmadm node set timeout`): its waits and accesses end
 * with RSMERR_CONN_ABORTED, which is what Documentation/design.rst gives
 * for imports forced off by a channel going down, and nothing hangs.
 * Afterwards its module holds nothing more for the dead node, as the
 * module's object counters (RSM_CMD_NODE_GET, what `rsmadm node show`
 * prints, read here over generic netlink) tell.
 *
 * Needs RSM_NODES >= 2, RSM_NODE and RSM_CTRL (selftests/qemu/cluster).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "seg_test.h"
#include "rsm_nl.h"

#define EXPORTER	1
#define IMPORTER	2

/* Segment ids of test @t: ND_ID(t) and the next few. */
#define ND_ID(t)	(0x4c0000u + 0x10u * (t))

/* Longest wait for the other node to reach a test, in seconds. */
#define WAIT_S		180.0
#define WAIT_MS		((int)(WAIT_S * 1000))
/* Longest time one event or one first put may take, in seconds. */
#define EVENT_S		20

FIXTURE(death) {
	rsmapi_controller_handle_t ctl;
	int me;
	int dead;		/* $RSM_DEAD_NODE */
};

FIXTURE_SETUP(death)
{
	self->dead = seg_env_int("RSM_DEAD_NODE");
	if (!self->dead)
		SETUP_SKIP("RSM_DEAD_NODE unset: no node dies in this run");
	self->me = seg_cluster_setup(_metadata, 2, &self->ctl);
}

FIXTURE_TEARDOWN(death)
{
	if (self->ctl)
		rsm_release_controller(self->ctl);
}

/* Exporter: segment @id, one page of pattern @seed, published. */
#define EXPORT(e, id, seed)						\
	do {								\
		ASSERT_EQ(RSM_SUCCESS,					\
			  seg_export(e, self->ctl, seg_pg(), 0, seed));	\
		ASSERT_EQ(RSM_SUCCESS, seg_publish(e, id, NULL, 0));	\
	} while (0)

/* Importer: connect to segment @id of node 1, waiting for it to appear. */
static void import_seg(struct __test_metadata *_metadata,
		       FIXTURE_DATA(death) *self, struct seg_imp *im,
		       rsm_memseg_id_t id)
{
	int ret = seg_connect(im, self->ctl, EXPORTER, id, RSM_PERM_RDWR,
			      SEG_RETRY_ALL, WAIT_S);

	ASSERT_EQ(RSM_SUCCESS, ret)
		TH_LOG("no segment %#x on node %d", id, EXPORTER);
}

#define IMPORT(im, id)	import_seg(_metadata, self, im, id)

/* Post one event; one event arrives within @ms. */
#define POST(seg)							\
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_post(seg, 0))
#define AWAIT(seg, ms)							\
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(seg, ms))

/* The failure detection time the cluster was given, in seconds. */
static double detection_time(void)
{
	int ms = seg_env_int("RSM_TIMEOUT_MS") ?: RSM_TIMEOUT_MS_DEFAULT;

	return ms / 1000.0;
}

/* Seconds within which a dead node must be noticed (as topology.c). */
static double detection_limit(void)
{
	return 3 * detection_time();
}

/*
 * In the node that is to die: end this machine at once. The script's own
 * status means nothing (the machine goes down under it); still being
 * alive a minute later is the failure.
 */
static void die_now(struct __test_metadata *_metadata)
{
	int ret;

	fflush(stdout);
	fflush(stderr);
	ret = system("selftests/qemu/die");
	sleep(60);
	ASSERT_TRUE(0) TH_LOG("still alive after dying (die: %d)", ret);
}

/*
 * A thread that writes one window of a segment in a loop, until a call
 * fails or it is stopped: put after put (implicit barrier mode), or, with
 * @bar, each put inside an explicit open and close barrier. Every put
 * fills the window's words with the put's number (1, 2, ...).
 */
#define WIN		1024	/* bytes of a window */
#define WIN_WORDS	(WIN / 8)

struct writer {
	pthread_t t;
	rsm_memseg_import_handle_t seg;
	rsmapi_barrier_t *bar;	/* NULL: implicit mode */
	off_t off;
	int stop;		/* atomic: set by the test */
	int done;		/* atomic: the loop ended */
	uint64_t puts;		/* atomic: puts completed */
	double last_ok;		/* seg_now() of the last completed put */
	double failed;		/* seg_now() of the failure, 0 if none */
	int ret;		/* the failing call's RSMERR, 0 if none */
	const char *call;	/* and its name */
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	uint64_t buf[WIN_WORDS], n;
	int i, ret = 0;

	for (n = 1; !__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE); n++) {
		for (i = 0; i < WIN_WORDS; i++)
			buf[i] = n;
		if (w->bar) {
			w->call = "open_barrier";
			ret = rsm_memseg_import_open_barrier(w->bar);
		}
		if (!ret) {
			w->call = "put";
			ret = rsm_memseg_import_put(w->seg, w->off, buf, WIN);
		}
		if (!ret && w->bar) {
			w->call = "close_barrier";
			ret = rsm_memseg_import_close_barrier(w->bar);
		}
		if (ret)
			break;
		w->last_ok = seg_now();
		__atomic_store_n(&w->puts, n, __ATOMIC_RELEASE);
	}
	w->ret = ret;
	if (ret)
		w->failed = seg_now();
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int writer_start(struct writer *w, rsm_memseg_import_handle_t seg,
			rsmapi_barrier_t *bar, off_t off)
{
	memset(w, 0, sizeof(*w));
	w->seg = seg;
	w->bar = bar;
	w->off = off;
	w->call = "none";
	return pthread_create(&w->t, NULL, writer_fn, w);
}

static uint64_t writer_puts(struct writer *w)
{
	return __atomic_load_n(&w->puts, __ATOMIC_ACQUIRE);
}

static bool writer_done(struct writer *w)
{
	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

/*
 * Wait up to @secs until every writer of @w[@n] completed a put; false
 * if one did not, or stopped.
 */
static bool writers_going(struct writer *w, int n, double secs)
{
	double end = seg_now() + secs;
	int i, going;

	for (;;) {
		for (i = 0, going = 0; i < n; i++) {
			if (writer_done(&w[i]))
				return false;
			going += writer_puts(&w[i]) > 0;
		}
		if (going == n)
			return true;
		if (seg_now() >= end)
			return false;
		usleep(10000);
	}
}

/* Word 0 of an exporter's window at @off: the number of the last put. */
static uint64_t win_word(struct seg_exp *e, off_t off)
{
	return __atomic_load_n((uint64_t *)(e->mem + off), __ATOMIC_ACQUIRE);
}

/* ------------------------------------------------------------- test 1 */

/*
 * The exporter powers off while node 2 waits on its import and two
 * threads of node 2 write into the segment: one puts through the same
 * import (implicit barrier mode), one through a second import with an
 * explicit barrier around every put. Node 1 sees both windows change
 * before it dies. On node 2 the wait and both writers (whichever call
 * was in progress: the put in flight, or a barrier) end with
 * RSMERR_CONN_ABORTED within the detection time, the imports stay
 * aborted, and once they are disconnected the module holds nothing more
 * than before (and the dead node's connection is gone).
 */
TEST_F_TIMEOUT(death, dead_exporter_aborts_the_waiter_and_the_writers, 300)
{
	if (self->dead != EXPORTER)
		SKIP(return, "RSM_DEAD_NODE is not %d", EXPORTER);
	if (self->me == EXPORTER) {
		uint64_t was0, was1;
		struct seg_exp e;
		double t0;

		EXPORT(&e, ND_ID(1), 1);
		AWAIT(e.h, WAIT_MS);
		/*
		 * Node 2 now waits, and writes: see both windows change,
		 * letting node 2 block in its wait for a second at least.
		 */
		was0 = win_word(&e, 0);
		was1 = win_word(&e, WIN);
		t0 = seg_now();
		while ((win_word(&e, 0) == was0 || win_word(&e, WIN) == was1 ||
			seg_now() < t0 + 1) && seg_now() < t0 + EVENT_S)
			usleep(10000);
		ASSERT_NE(was0, win_word(&e, 0)) TH_LOG("implicit-mode writer");
		ASSERT_NE(was1, win_word(&e, WIN)) TH_LOG("barrier writer");
		TH_LOG("dying at puts %ju and %ju",
		       (uintmax_t)win_word(&e, 0), (uintmax_t)win_word(&e, WIN));
		die_now(_metadata);
	} else {
		double t0, took, limit = 1 + detection_limit();
		/* Static: the threads use them even after a failed ASSERT. */
		static struct seg_imp im, imb;
		static struct writer w[2];
		struct rsm_node_info c0, c;
		uint64_t v = 0;
		int i, ret;

		ASSERT_EQ(0, rsm_node_get(&c0)) TH_LOG("no counters from netlink");
		IMPORT(&im, ND_ID(1));
		IMPORT(&imb, ND_ID(1));
		ASSERT_EQ(0, rsm_node_get(&c));
		ASSERT_EQ(c0.cnt[RSM_CNT_IMPORTS] + 2, c.cnt[RSM_CNT_IMPORTS]);
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_set_mode(imb.h,
						     RSM_BARRIER_MODE_EXPLICIT));
		ASSERT_EQ(0, writer_start(&w[0], im.h, NULL, 0));
		ASSERT_EQ(0, writer_start(&w[1], imb.h, &imb.bar, WIN));
		ASSERT_TRUE(writers_going(w, 2, EVENT_S))
			TH_LOG("no put completed: %s %d, %s %d", w[0].call,
			       w[0].ret, w[1].call, w[1].ret);
		POST(im.h);
		t0 = seg_now();
		ret = rsm_intr_signal_wait(im.h, WAIT_MS);
		took = seg_now() - t0;
		TH_LOG("the wait ended after %.2f s (limit %.1f s)", took,
		       limit);
		EXPECT_EQ(RSMERR_CONN_ABORTED, ret);
		EXPECT_GE(took, 0.5);
		EXPECT_LE(took, limit);

		/*
		 * The writers end by themselves, at once if the wait ended
		 * as it should. Stopping them tells a writer whose puts
		 * still succeed from one stuck in a call.
		 */
		while (!(writer_done(&w[0]) && writer_done(&w[1])) &&
		       seg_now() < t0 + limit)
			usleep(10000);
		for (i = 0; i < 2; i++) {
			__atomic_store_n(&w[i].stop, 1, __ATOMIC_RELEASE);
			ASSERT_EQ(0, seg_join_within(w[i].t, 5))
				TH_LOG("writer %d hangs in %s after %ju puts", i,
				       w[i].call, (uintmax_t)writer_puts(&w[i]));
		}
		for (i = 0; i < 2; i++) {
			TH_LOG("writer %d (%s): %ju puts; %s failed %.2f s into the wait",
			       i, w[i].bar ? "barriers" : "implicit",
			       (uintmax_t)w[i].puts, w[i].call,
			       w[i].failed - t0);
			TH_LOG("writer %d: %.2f s after its last completed put", i,
			       w[i].failed - w[i].last_ok);
			EXPECT_EQ(RSMERR_CONN_ABORTED, w[i].ret)
				TH_LOG("writer %d: %s (0: never failed)", i,
				       w[i].call);
			EXPECT_LE(w[i].failed - t0, limit);
			/* It was still writing when node 1 died. */
			EXPECT_GE(w[i].last_ok - t0, 0.5);
		}

		/* Both imports stay aborted, whatever is tried. */
		EXPECT_EQ(RSMERR_CONN_ABORTED, rsm_intr_signal_wait(im.h, 0));
		EXPECT_EQ(RSMERR_CONN_ABORTED, rsm_intr_signal_post(im.h, 0));
		EXPECT_EQ(RSMERR_CONN_ABORTED,
			  rsm_memseg_import_put64(im.h, 0, &v, 1));
		EXPECT_EQ(RSMERR_CONN_ABORTED,
			  rsm_memseg_import_get64(imb.h, 0, &v, 1));
		EXPECT_EQ(RSMERR_CONN_ABORTED,
			  rsm_memseg_import_open_barrier(&imb.bar));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&im));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&imb));
		/* Nothing is left behind, and the connection is freed. */
		EXPECT_TRUE(rsm_cnt_settle(_metadata, c0.cnt, true,
					   detection_limit()));
	}
}

/* ------------------------------------------------------------- test 2 */

/*
 * Node 1 watches its export @b while node 2 writes into its window at
 * WIN: when the window last changed, and when the module's grants and
 * registrations were back at @base.
 */
struct watcher {
	pthread_t t;
	struct seg_exp *b;
	const __u64 *base;	/* counters */
	double until;		/* gives up then */
	uint64_t first;		/* the window's word 0 when it started */
	int changes;		/* times word 0 changed */
	double last_change;	/* seg_now() of the last change */
	double released;	/* seg_now() of the release, 0 if not seen */
	int cnt_errors;
};

static void *watcher_fn(void *arg)
{
	struct watcher *wa = arg;
	uint64_t v, was = wa->first;
	const __u64 *base = wa->base;
	struct rsm_node_info c;
	int n;

	for (n = 0; seg_now() < wa->until; n++) {
		v = win_word(wa->b, WIN);
		if (v != was) {
			wa->changes++;
			wa->last_change = seg_now();
			was = v;
		}
		if (n % 5 == 0) {
			if (rsm_node_get(&c)) {
				wa->cnt_errors++;
			} else if (c.cnt[RSM_CNT_GRANTS] == base[RSM_CNT_GRANTS] &&
				   c.cnt[RSM_CNT_MRS] == base[RSM_CNT_MRS]) {
				wa->released = seg_now();
				break;
			}
		}
		usleep(10000);
	}
	return NULL;
}

/*
 * The importer dies while it writes into one export of node 1 in a loop
 * and node 1 waits on another.
 *
 * The waited-on export @e behaves as before: its wait is not disturbed
 * (an export is never aborted), and unpublishing it soon after the death,
 * before or while it is noticed, does not hang.
 *
 * The written export @b stays published: the death alone must release
 * node 2's grant of it and its registrations (grants and mrs back where
 * they were) within the detection time; the memory is intact apart from
 * the window node 2 wrote, which holds its last puts; and @b can be
 * unpublished, published again and imported (by node 1 itself), and new
 * segments exported and published, as if nothing had happened. At the
 * end the module holds what it held before the test.
 */
TEST_F_TIMEOUT(death, dead_importer_is_released_and_the_exporter_stays_usable,
	       300)
{
	if (self->dead != IMPORTER)
		SKIP(return, "RSM_DEAD_NODE is not %d", IMPORTER);
	if (self->me == EXPORTER) {
		double t0, took, t_ev, det, limit = detection_limit();
		uint64_t *words, got[WIN_WORDS];
		static struct seg_exp e, b;	/* static: the watcher's */
		static struct watcher wa;
		struct seg_exp fresh;
		struct seg_imp local;
		uint8_t *pat;
		struct rsm_node_info c0, c;
		long bad;
		int i;

		ASSERT_EQ(0, rsm_node_get(&c0)) TH_LOG("no counters from netlink");
		EXPORT(&e, ND_ID(2), 2);
		EXPORT(&b, ND_ID(2) + 1, 3);
		AWAIT(e.h, WAIT_MS);
		/* Node 2 writes into @b, and dies a second after its event. */
		t_ev = seg_now();
		ASSERT_EQ(0, rsm_node_get(&c));
		ASSERT_EQ(c0.cnt[RSM_CNT_GRANTS] + 2, c.cnt[RSM_CNT_GRANTS]);
		ASSERT_LT(c0.cnt[RSM_CNT_MRS], c.cnt[RSM_CNT_MRS]);
		wa.b = &b;
		wa.base = c0.cnt;
		wa.first = win_word(&b, WIN);
		wa.until = t_ev + 10 + 2 * limit;
		ASSERT_EQ(0, pthread_create(&wa.t, NULL, watcher_fn, &wa));

		EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 2000));
		/* Before or while its death is noticed: must not hang. */
		t0 = seg_now();
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(e.h));
		took = seg_now() - t0;
		TH_LOG("unpublish took %.2f s (limit %.1f s)", took, limit);
		EXPECT_LE(took, limit);
		/* The export itself is never aborted. */
		EXPECT_EQ(RSM_SUCCESS, rsm_intr_signal_post(e.h, 0));
		EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 1000));

		/* The death released the grants of @b, which stayed published. */
		ASSERT_EQ(0, seg_join_within(wa.t, wa.until + 5 - seg_now()));
		TH_LOG("node 2 wrote %d times after its event", wa.changes);
		EXPECT_EQ(0, wa.cnt_errors);
		EXPECT_GT(wa.changes, 0) TH_LOG("node 2 was not writing");
		ASSERT_TRUE(wa.released > 0)
			TH_LOG("grants or mrs not back after %.0f s",
			       wa.until - t_ev);
		det = wa.released - wa.last_change;
		TH_LOG("grants and mrs released %.2f s after its last write (limit %.1f s)",
		       det, limit);
		EXPECT_LE(det, limit);
		/*
		 * Not before it could be: the peer is declared down when
		 * nothing came for the detection time, and node 2 sent a
		 * heartbeat at most a period (a quarter of it) before dying.
		 */
		EXPECT_GE(det, detection_time() / 2);

		/*
		 * Memory: the pattern outside the window; in it, node 2's
		 * last put, or the one before with the start of the last.
		 */
		pat = seg_map(b.len);
		ASSERT_NE(NULL, pat);
		seg_pattern(pat, b.len, 3, 0);
		memcpy(pat + WIN, b.mem + WIN, WIN);
		bad = seg_diff(pat, b.mem, b.len);
		EXPECT_EQ(-1, bad) TH_LOG("byte %ld outside node 2's window changed",
					  bad);
		seg_unmap(pat, b.len);
		words = (uint64_t *)(b.mem + WIN);
		EXPECT_NE(0, words[0]) TH_LOG("node 2 never wrote");
		for (i = 1; i < WIN_WORDS; i++) {
			if (words[i] != words[0] && words[i] != words[0] - 1)
				break;
		}
		EXPECT_EQ(WIN_WORDS, i)
			TH_LOG("word %d of the window: %ju after %ju", i,
			       (uintmax_t)words[i], (uintmax_t)words[0]);

		/* @b works as before: unpublish, publish, import, unpublish. */
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(b.h));
		ASSERT_EQ(RSM_SUCCESS, seg_publish(&b, ND_ID(2) + 1, NULL, 0));
		ASSERT_EQ(RSM_SUCCESS,
			  seg_connect(&local, self->ctl, EXPORTER, ND_ID(2) + 1,
				      RSM_PERM_RDWR, 0, 0));
		EXPECT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_get64(local.h, WIN, got,
						  WIN_WORDS));
		EXPECT_EQ(0, memcmp(got, b.mem + WIN, WIN));
		EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&local));
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(b.h));
		/* And so do new segments. */
		ASSERT_EQ(RSM_SUCCESS,
			  seg_export(&fresh, self->ctl, seg_pg(), 0, 4));
		EXPECT_EQ(RSM_SUCCESS,
			  seg_publish(&fresh, ND_ID(2) + 2, NULL, 0));
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(fresh.h));
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&fresh));

		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&b));
		EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
		/*
		 * Everything is back but conns: node 1 has the lower id and
		 * keeps trying to reach node 2.
		 */
		EXPECT_TRUE(rsm_cnt_settle(_metadata, c0.cnt, false, limit));
	} else {
		static struct seg_imp im, imb;	/* static: the writer's */
		static struct writer w;

		IMPORT(&im, ND_ID(2));
		IMPORT(&imb, ND_ID(2) + 1);
		ASSERT_EQ(0, writer_start(&w, imb.h, NULL, WIN));
		ASSERT_TRUE(writers_going(&w, 1, EVENT_S))
			TH_LOG("no put completed: %s %d", w.call, w.ret);
		POST(im.h);
		sleep(1);
		/* Dies in the middle of the put loop. */
		ASSERT_FALSE(writer_done(&w))
			TH_LOG("the writer stopped: %s %d", w.call, w.ret);
		die_now(_metadata);
	}
}

TEST_HARNESS_MAIN
