// SPDX-License-Identifier: GPL-2.0
/*
 * Events (signals) on one node, through the RSMAPI contract (<rsmapi.h>,
 * -lrsm): rsm_intr_signal_post(), rsm_intr_signal_wait(), poll
 * descriptors, rsm_intr_signal_wait_pollfd(), and the same descriptors
 * under plain poll() and epoll.
 *
 * Every test runs twice: on the loopback controller (rsm_get_controller
 * with a NULL name) and on the RDMA controller $RSM_CTRL importing from
 * this node itself (the QEMU cluster). Exporter and importer live in the
 * same process, in its threads or in a forked child. SKIPs without
 * /dev/rsm; the RDMA variant SKIPs outside the cluster.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>

#include "kselftest_harness.h"
#include "seg_test.h"

/* Segment ids of this file: away from seg_loopback and seg_remote. */
#define EV_ID(n)	(0x4e0000u + (n))

/* Generous bound for something that should happen "at once" under TCG. */
#define PROMPT_S	2.0

TEST(null_handle_is_bad_seg_hndl)
{
	struct pollfd pfd;

	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_intr_signal_post(NULL, 0));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_intr_signal_post(NULL, RSM_SIGPOST_NO_ACCUMULATE));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_intr_signal_wait(NULL, 0));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_intr_signal_wait(NULL, -1));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_get_pollfd(NULL, &pfd));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_release_pollfd(NULL));
}

TEST(handle_the_library_did_not_make_is_bad_seg_hndl)
{
	uint64_t junk[64] = { 0 };
	struct pollfd pfd;

	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_intr_signal_post(junk, 0));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_intr_signal_wait(junk, 0));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_get_pollfd(junk, &pfd));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_release_pollfd(junk));
}

TEST(wait_pollfd_on_nothing_times_out)
{
	int n = 7;

	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait_pollfd(NULL, 0, 0, &n));
	EXPECT_EQ(0, n);
}

FIXTURE(ev) {
	rsmapi_controller_handle_t ctl;
	rsm_node_id_t node;
	size_t pg;
};

FIXTURE_VARIANT(ev) {
	int rdma;
};

FIXTURE_VARIANT_ADD(ev, loopback) {
	.rdma = 0,
};

FIXTURE_VARIANT_ADD(ev, rdma) {
	.rdma = 1,
};

FIXTURE_SETUP(ev)
{
	const char *name = NULL;

	self->pg = seg_pg();
	if (access(RSM_DEV, F_OK))
		SETUP_SKIP(NO_DEVICE);
	self->node = seg_local_node();
	if (variant->rdma) {
		name = rsm_rdma_ctrl();
		if (!name)
			SETUP_SKIP("no RDMA controller ($RSM_CTRL unset)");
		if (!self->node)
			SETUP_SKIP("this node has no node id");
	}
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller((char *)name, &self->ctl));
}

FIXTURE_TEARDOWN(ev)
{
	if (self->ctl)
		rsm_release_controller(self->ctl);
}

/* A published one-page export @e with id @id. */
#define EXPORT(e, id)							\
	do {								\
		ASSERT_EQ(RSM_SUCCESS,					\
			  seg_export(e, self->ctl, self->pg, 0, id));	\
		ASSERT_EQ(RSM_SUCCESS, seg_publish(e, id, NULL, 0));	\
	} while (0)

/* A read-write import @h of this node's segment @id. */
#define CONNECT(h, id)							\
	ASSERT_EQ(RSM_SUCCESS,						\
		  rsm_memseg_import_connect(self->ctl, self->node, id,	\
					    RSM_PERM_RDWR, h))

/* Post @n events on @seg with @flags. */
#define POST(seg, n, flags)						\
	do {								\
		int _i;							\
		for (_i = 0; _i < (n); _i++) {				\
			ASSERT_EQ(RSM_SUCCESS,				\
				  rsm_intr_signal_post(seg, flags));	\
		}							\
	} while (0)

/*
 * Exactly @n events are pending on @seg: @n waits succeed (same-node
 * events are counted before the post returns, so no waiting is needed),
 * the next one times out at once.
 */
#define EXPECT_EVENTS(seg, n)						\
	do {								\
		int _i;							\
		for (_i = 0; _i < (n); _i++) {				\
			ASSERT_EQ(RSM_SUCCESS,				\
				  rsm_intr_signal_wait(seg, 0))		\
				TH_LOG("event %d of %d missing", _i + 1, \
				       (int)(n));			\
		}							\
		ASSERT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(seg, 0))	\
			TH_LOG("more than %d events", (int)(n));	\
	} while (0)

/* A thread blocked in rsm_intr_signal_wait(). */
struct waiter {
	pthread_t t;
	void *seg;
	int timeout;
	int ret;
	int done;		/* atomic */
	double took;		/* wall time in the wait, seconds */
	double cpu;		/* this thread's CPU time in the wait */
};

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	double t0 = seg_now(), c0 = thread_cpu();

	w->ret = rsm_intr_signal_wait(w->seg, w->timeout);
	w->cpu = thread_cpu() - c0;
	w->took = seg_now() - t0;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int waiter_start(struct waiter *w, void *seg, int timeout)
{
	memset(w, 0, sizeof(*w));
	w->seg = seg;
	w->timeout = timeout;
	w->ret = -1;
	return pthread_create(&w->t, NULL, waiter_fn, w);
}

static int waiter_done(struct waiter *w)
{
	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

/* A thread that posts once on @seg after @ms milliseconds. */
struct poster {
	pthread_t t;
	void *seg;
	int ms;
	int ret;
};

static void *poster_fn(void *arg)
{
	struct poster *p = arg;

	usleep(p->ms * 1000);
	p->ret = rsm_intr_signal_post(p->seg, 0);
	return NULL;
}

static int poster_start(struct poster *p, void *seg, int ms)
{
	p->seg = seg;
	p->ms = ms;
	p->ret = -1;
	return pthread_create(&p->t, NULL, poster_fn, p);
}

/* ------------------------------------------------------------- counting */

TEST_F(ev, posts_from_the_import_are_counted_on_the_export)
{
	rsm_memseg_import_handle_t im;
	struct seg_exp e;

	EXPORT(&e, EV_ID(1));
	CONNECT(&im, EV_ID(1));
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 0));
	POST(im, 3, 0);
	EXPECT_EVENTS(e.h, 3);
	/* The import's own count is untouched by its posts. */
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(im, 0));
	/* Counting starts again from zero. */
	POST(im, 1, 0);
	EXPECT_EVENTS(e.h, 1);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

TEST_F(ev, posts_from_the_export_reach_every_import)
{
	rsm_memseg_import_handle_t a, b;
	struct seg_exp e;

	EXPORT(&e, EV_ID(2));
	CONNECT(&a, EV_ID(2));
	CONNECT(&b, EV_ID(2));
	POST(e.h, 3, 0);
	EXPECT_EVENTS(a, 3);
	EXPECT_EVENTS(b, 3);
	/* The export does not signal itself. */
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 0));
	/* An import's post goes to the export only, not to other imports. */
	POST(a, 1, 0);
	EXPECT_EVENTS(e.h, 1);
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(b, 0));
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(a, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(a));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(b));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

TEST_F(ev, export_post_without_importers_succeeds)
{
	struct seg_exp e;

	EXPORT(&e, EV_ID(3));
	POST(e.h, 2, 0);
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 0));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

TEST_F(ev, no_accumulate_adds_nothing_while_an_event_is_pending)
{
	rsm_memseg_import_handle_t im;
	struct seg_exp e;

	EXPORT(&e, EV_ID(4));
	CONNECT(&im, EV_ID(4));
	/* Import to export. */
	POST(im, 3, RSM_SIGPOST_NO_ACCUMULATE);
	EXPECT_EVENTS(e.h, 1);
	/* Once consumed, the next one counts again. */
	POST(im, 1, RSM_SIGPOST_NO_ACCUMULATE);
	EXPECT_EVENTS(e.h, 1);
	/* After ordinary posts it adds nothing either. */
	POST(im, 2, 0);
	POST(im, 1, RSM_SIGPOST_NO_ACCUMULATE);
	EXPECT_EVENTS(e.h, 2);
	/* Export to import. */
	POST(e.h, 3, RSM_SIGPOST_NO_ACCUMULATE);
	EXPECT_EVENTS(im, 1);
	POST(e.h, 1, 0);
	POST(e.h, 2, RSM_SIGPOST_NO_ACCUMULATE);
	EXPECT_EVENTS(im, 1);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

/* -------------------------------------------------------------- timeouts */

TEST_F(ev, timeout_zero_returns_at_once)
{
	rsm_memseg_import_handle_t im;
	struct seg_exp e;
	double t0, took;

	EXPORT(&e, EV_ID(5));
	CONNECT(&im, EV_ID(5));
	t0 = seg_now();
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 0));
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(im, 0));
	took = seg_now() - t0;
	EXPECT_LT(took, 0.5) TH_LOG("two zero-timeout waits took %.3f s", took);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

TEST_F(ev, finite_timeout_waits_that_long)
{
	rsm_memseg_import_handle_t im;
	struct seg_exp e;
	double t0, took;

	EXPORT(&e, EV_ID(6));
	CONNECT(&im, EV_ID(6));
	t0 = seg_now();
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 300));
	took = seg_now() - t0;
	EXPECT_GE(took, 0.29);
	EXPECT_LT(took, 0.3 + PROMPT_S);
	t0 = seg_now();
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(im, 300));
	took = seg_now() - t0;
	EXPECT_GE(took, 0.29);
	EXPECT_LT(took, 0.3 + PROMPT_S);
	/* A pending event ends a finite wait at once. */
	POST(im, 1, 0);
	t0 = seg_now();
	EXPECT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(e.h, 10000));
	EXPECT_LT(seg_now() - t0, PROMPT_S);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

struct child_post {
	rsmapi_controller_handle_t ctl;
	rsm_node_id_t node;
	rsm_memseg_id_t id;
};

/* In a child: connect an import of its own, post once after 500 ms. */
static int child_post_fn(void *arg)
{
	struct child_post *c = arg;
	rsm_memseg_import_handle_t im;

	if (rsm_memseg_import_connect(c->ctl, c->node, c->id, RSM_PERM_RDWR,
				      &im))
		return 1;
	usleep(500000);
	if (rsm_intr_signal_post(im, 0))
		return 2;
	if (rsm_memseg_import_disconnect(im))
		return 3;
	return 0;
}

TEST_F_TIMEOUT(ev, infinite_wait_returns_when_a_child_posts, 60)
{
	struct child_post c = { self->ctl, self->node, EV_ID(7) };
	struct seg_exp e;
	int status, ret;
	double t0, took;
	pid_t pid;

	EXPORT(&e, EV_ID(7));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child_post_fn(&c));
	t0 = seg_now();
	ret = rsm_intr_signal_wait(e.h, -1);
	took = seg_now() - t0;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d",
						 WEXITSTATUS(status));
	EXPECT_EQ(RSM_SUCCESS, ret);
	EXPECT_GE(took, 0.4) TH_LOG("the wait did not wait (%.3f s)", took);
	/* Exactly the child's one event. */
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 0));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

/* ------------------------------------------------------ signals, threads */

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F_TIMEOUT(ev, signal_interrupts_a_blocked_wait, 60)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	rsm_memseg_import_handle_t im;
	struct waiter w;
	struct seg_exp e;
	double end;

	/* No SA_RESTART: the handler interrupts the waiting system call. */
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	EXPORT(&e, EV_ID(8));
	CONNECT(&im, EV_ID(8));

	ASSERT_EQ(0, waiter_start(&w, e.h, -1));
	usleep(300000);
	ASSERT_FALSE(waiter_done(&w)) TH_LOG("wait returned %d early", w.ret);
	/* Again and again, in case the first one came before the poll. */
	end = seg_now() + 10;
	while (!waiter_done(&w) && seg_now() < end) {
		pthread_kill(w.t, SIGALRM);
		usleep(100000);
	}
	ASSERT_EQ(0, seg_join_within(w.t, 1))
		TH_LOG("signals did not end the wait");
	EXPECT_EQ(RSMERR_INTERRUPTED, w.ret);

	/* Nothing was consumed or lost; waits work after the signal. */
	POST(im, 1, 0);
	EXPECT_EVENTS(e.h, 1);

	/* The same for a waiter on the import. */
	ASSERT_EQ(0, waiter_start(&w, im, -1));
	usleep(300000);
	end = seg_now() + 10;
	while (!waiter_done(&w) && seg_now() < end) {
		pthread_kill(w.t, SIGALRM);
		usleep(100000);
	}
	ASSERT_EQ(0, seg_join_within(w.t, 1))
		TH_LOG("signals did not end the wait");
	EXPECT_EQ(RSMERR_INTERRUPTED, w.ret);

	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

TEST_F_TIMEOUT(ev, two_waiters_and_one_event_wake_exactly_one, 60)
{
	rsm_memseg_import_handle_t im;
	struct waiter a, b;
	struct seg_exp e;
	double end;

	EXPORT(&e, EV_ID(9));
	CONNECT(&im, EV_ID(9));
	ASSERT_EQ(0, waiter_start(&a, e.h, 20000));
	ASSERT_EQ(0, waiter_start(&b, e.h, 20000));
	usleep(300000);
	POST(im, 1, 0);
	end = seg_now() + 5;
	while (!waiter_done(&a) && !waiter_done(&b) && seg_now() < end)
		usleep(10000);
	/* Let the loser see the event gone and go back to waiting. */
	usleep(500000);
	ASSERT_EQ(1, waiter_done(&a) + waiter_done(&b))
		TH_LOG("one event ended %d waits",
		       waiter_done(&a) + waiter_done(&b));
	EXPECT_EQ(RSM_SUCCESS, waiter_done(&a) ? a.ret : b.ret);
	/* The other one is still waiting and takes the next event. */
	POST(im, 1, 0);
	ASSERT_EQ(0, seg_join_within(a.t, 5));
	ASSERT_EQ(0, seg_join_within(b.t, 5));
	EXPECT_EQ(RSM_SUCCESS, a.ret);
	EXPECT_EQ(RSM_SUCCESS, b.ret);
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

TEST_F_TIMEOUT(ev, blocked_wait_uses_no_cpu, 60)
{
	rsm_memseg_import_handle_t im;
	struct waiter w;
	struct seg_exp e;

	EXPORT(&e, EV_ID(10));
	CONNECT(&im, EV_ID(10));
	ASSERT_EQ(0, waiter_start(&w, e.h, -1));
	sleep(3);
	ASSERT_FALSE(waiter_done(&w)) TH_LOG("wait returned %d early", w.ret);
	POST(im, 1, 0);
	ASSERT_EQ(0, seg_join_within(w.t, 10));
	EXPECT_EQ(RSM_SUCCESS, w.ret);
	TH_LOG("waited %.2f s using %.1f ms of CPU", w.took, w.cpu * 1e3);
	EXPECT_GE(w.took, 2.9);
	EXPECT_LT(w.cpu, 0.1);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

/* ------------------------------------------------------- forced off */

TEST_F_TIMEOUT(ev, unpublish_aborts_a_waiting_importer, 60)
{
	rsm_memseg_import_handle_t im;
	struct waiter w;
	struct seg_exp e;

	EXPORT(&e, EV_ID(11));
	CONNECT(&im, EV_ID(11));
	ASSERT_EQ(0, waiter_start(&w, im, -1));
	usleep(300000);
	ASSERT_FALSE(waiter_done(&w)) TH_LOG("wait returned %d early", w.ret);
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(e.h));
	ASSERT_EQ(0, seg_join_within(w.t, 10))
		TH_LOG("the importer's wait still blocks after unpublish");
	EXPECT_EQ(RSMERR_CONN_ABORTED, w.ret);
	/* Every later wait says so at once, whatever its timeout. */
	EXPECT_EQ(RSMERR_CONN_ABORTED, rsm_intr_signal_wait(im, 0));
	EXPECT_EQ(RSMERR_CONN_ABORTED, rsm_intr_signal_wait(im, -1));
	/* Posting to the segment that is gone fails the same way. */
	EXPECT_EQ(RSMERR_CONN_ABORTED, rsm_intr_signal_post(im, 0));
	/* The export is unaffected and can be waited on. */
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait(e.h, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

TEST_F_TIMEOUT(ev, destroy_aborts_a_waiting_importer, 60)
{
	rsm_memseg_import_handle_t im;
	struct waiter w;
	struct seg_exp e;

	EXPORT(&e, EV_ID(12));
	CONNECT(&im, EV_ID(12));
	ASSERT_EQ(0, waiter_start(&w, im, -1));
	usleep(300000);
	ASSERT_FALSE(waiter_done(&w)) TH_LOG("wait returned %d early", w.ret);
	ASSERT_EQ(RSM_SUCCESS, seg_unexport(&e));
	ASSERT_EQ(0, seg_join_within(w.t, 10))
		TH_LOG("the importer's wait still blocks after destroy");
	EXPECT_EQ(RSMERR_CONN_ABORTED, w.ret);
	EXPECT_EQ(RSMERR_CONN_ABORTED, rsm_intr_signal_wait(im, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
}

TEST_F(ev, events_pending_at_unpublish_are_still_delivered)
{
	rsm_memseg_import_handle_t im;
	struct seg_exp e;

	EXPORT(&e, EV_ID(13));
	CONNECT(&im, EV_ID(13));
	POST(e.h, 2, 0);
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(e.h));
	EXPECT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(im, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(im, -1));
	EXPECT_EQ(RSMERR_CONN_ABORTED, rsm_intr_signal_wait(im, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

/* ---------------------------------------------------- poll descriptors */

TEST_F(ev, pollfd_refcount_blocks_destroy_and_disconnect)
{
	rsm_memseg_import_handle_t im;
	struct pollfd pe, pe2, pi;
	struct seg_exp e;

	EXPORT(&e, EV_ID(14));
	CONNECT(&im, EV_ID(14));
	memset(&pe, 0xff, sizeof(pe));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(e.h, &pe));
	EXPECT_LE(0, pe.fd);
	EXPECT_EQ(POLLRDNORM, pe.events);
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(e.h, &pe2));
	EXPECT_EQ(pe.fd, pe2.fd);
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(im, &pi));
	EXPECT_LE(0, pi.fd);
	EXPECT_NE(pe.fd, pi.fd);
	EXPECT_EQ(POLLRDNORM, pi.events);

	EXPECT_EQ(RSMERR_POLLFD_IN_USE, rsm_memseg_export_destroy(e.h));
	EXPECT_EQ(RSMERR_POLLFD_IN_USE, rsm_memseg_import_disconnect(im));
	/* Both handles are intact after the refusals. */
	POST(im, 1, 0);
	EXPECT_EVENTS(e.h, 1);
	POST(e.h, 1, 0);
	EXPECT_EVENTS(im, 1);

	/* One of two references released: still in use. */
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(e.h));
	EXPECT_EQ(RSMERR_POLLFD_IN_USE, rsm_memseg_export_destroy(e.h));

	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(im));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(e.h));
	/* Releasing more often than getting is no error. */
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(e.h));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_destroy(e.h));
	e.h = NULL;
	seg_unexport(&e);
}

TEST_F(ev, wait_pollfd_consumes_events_on_segment_descriptors)
{
	rsm_memseg_import_handle_t ia, ib;
	struct seg_exp a, b;
	struct pollfd fds[3];
	int pipefd[2], n;
	char c = 'x';

	EXPORT(&a, EV_ID(15));
	EXPORT(&b, EV_ID(16));
	CONNECT(&ia, EV_ID(15));
	CONNECT(&ib, EV_ID(16));
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(a.h, &fds[0]));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(b.h, &fds[1]));
	fds[2].fd = pipefd[0];
	fds[2].events = POLLIN;

	/* Nothing yet. */
	n = 7;
	EXPECT_EQ(RSMERR_TIMEOUT, rsm_intr_signal_wait_pollfd(fds, 3, 0, &n));
	EXPECT_EQ(0, n);

	/* Two events on a, the pipe readable, nothing on b. */
	POST(ia, 2, 0);
	ASSERT_EQ(1, write(pipefd[1], &c, 1));
	n = 0;
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait_pollfd(fds, 3, 1000, &n));
	EXPECT_EQ(2, n);
	EXPECT_EQ(POLLRDNORM, fds[0].revents);
	EXPECT_EQ(0, fds[1].revents);
	EXPECT_EQ(POLLIN, fds[2].revents);
	/* One of a's two events was consumed. */
	EXPECT_EVENTS(a.h, 1);
	EXPECT_EVENTS(b.h, 0);

	/* The pipe alone (not an RSM descriptor) is reported as poll would. */
	n = 0;
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait_pollfd(fds, 3, 1000, &n));
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, fds[0].revents);
	EXPECT_EQ(0, fds[1].revents);
	EXPECT_EQ(POLLIN, fds[2].revents);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));

	/* Both segments, numfdsp may be NULL. */
	POST(ia, 1, 0);
	POST(ib, 1, 0);
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait_pollfd(fds, 3, 1000, NULL));
	EXPECT_EQ(POLLRDNORM, fds[0].revents);
	EXPECT_EQ(POLLRDNORM, fds[1].revents);
	EXPECT_EQ(0, fds[2].revents);
	EXPECT_EVENTS(a.h, 0);
	EXPECT_EVENTS(b.h, 0);

	/* Each call consumes one event per descriptor. */
	POST(ib, 3, 0);
	n = 0;
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait_pollfd(fds, 3, 1000, &n));
	EXPECT_EQ(1, n);
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait_pollfd(fds, 3, 1000, &n));
	EXPECT_EQ(1, n);
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait_pollfd(fds, 3, 1000, &n));
	EXPECT_EQ(1, n);
	EXPECT_EQ(POLLRDNORM, fds[1].revents);

	/* Drained: a finite timeout runs out. */
	n = 7;
	EXPECT_EQ(RSMERR_TIMEOUT,
		  rsm_intr_signal_wait_pollfd(fds, 3, 200, &n));
	EXPECT_EQ(0, n);

	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(a.h));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(b.h));
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(ia));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(ib));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&a));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&b));
}

TEST_F(ev, wait_pollfd_times_out_after_its_timeout)
{
	rsm_memseg_import_handle_t im;
	struct pollfd fds[2];
	struct seg_exp e;
	double t0, took;
	int n;

	EXPORT(&e, EV_ID(17));
	CONNECT(&im, EV_ID(17));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(e.h, &fds[0]));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(im, &fds[1]));
	n = 7;
	t0 = seg_now();
	EXPECT_EQ(RSMERR_TIMEOUT,
		  rsm_intr_signal_wait_pollfd(fds, 2, 300, &n));
	took = seg_now() - t0;
	EXPECT_EQ(0, n);
	EXPECT_GE(took, 0.29);
	EXPECT_LT(took, 0.3 + PROMPT_S);
	/* An event on the import side ends it. */
	POST(e.h, 1, 0);
	ASSERT_EQ(RSM_SUCCESS,
		  rsm_intr_signal_wait_pollfd(fds, 2, -1, &n));
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, fds[0].revents);
	EXPECT_EQ(POLLRDNORM, fds[1].revents);
	EXPECT_EVENTS(im, 0);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(e.h));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(im));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

TEST_F(ev, wait_pollfd_reports_a_forced_off_import_as_hangup)
{
	rsm_memseg_import_handle_t im;
	struct pollfd fds[1];
	struct seg_exp e;
	int n;

	EXPORT(&e, EV_ID(18));
	CONNECT(&im, EV_ID(18));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(im, &fds[0]));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(e.h));
	n = 0;
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait_pollfd(fds, 1, 1000, &n));
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, fds[0].revents & POLLRDNORM);
	EXPECT_TRUE(fds[0].revents & POLLHUP);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(im));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

TEST_F(ev, plain_poll_reports_an_event_without_consuming_it)
{
	rsm_memseg_import_handle_t im;
	struct pollfd p;
	struct seg_exp e;

	EXPORT(&e, EV_ID(19));
	CONNECT(&im, EV_ID(19));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(e.h, &p));
	EXPECT_EQ(0, poll(&p, 1, 0));
	POST(im, 1, 0);
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLRDNORM, p.revents);
	p.revents = 0;
	EXPECT_EQ(1, poll(&p, 1, 1000));
	EXPECT_EQ(POLLRDNORM, p.revents);
	EXPECT_EVENTS(e.h, 1);
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(e.h));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&e));
}

/* Ready descriptors of @ep within @ms, as a bit mask over @fds. */
static int epoll_ready(int ep, const int *fds, int nfds, int ms)
{
	struct epoll_event ev[8];
	int n, i, j, mask = 0;

	n = epoll_wait(ep, ev, 8, ms);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < nfds; j++)
			if (ev[i].data.fd == fds[j] && ev[i].events & EPOLLIN)
				mask |= 1 << j;
	return mask;
}

TEST_F(ev, epoll_reports_a_pending_event_until_it_is_consumed)
{
	rsm_memseg_import_handle_t ia, ib;
	struct epoll_event ee;
	struct seg_exp a, b;
	struct pollfd pa, pb;
	struct poster p;
	int pipefd[2], fds[3], ep, i;
	char c = 'x';

	EXPORT(&a, EV_ID(20));
	EXPORT(&b, EV_ID(21));
	CONNECT(&ia, EV_ID(20));
	CONNECT(&ib, EV_ID(21));
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(a.h, &pa));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_get_pollfd(b.h, &pb));
	fds[0] = pa.fd;
	fds[1] = pb.fd;
	fds[2] = pipefd[0];
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	for (i = 0; i < 3; i++) {
		ee.events = EPOLLIN;
		ee.data.fd = fds[i];
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ee));
	}

	EXPECT_EQ(0, epoll_ready(ep, fds, 3, 0));
	POST(ia, 1, 0);
	EXPECT_EQ(1 << 0, epoll_ready(ep, fds, 3, 1000));
	/* Level triggered: reported again and again until consumed. */
	EXPECT_EQ(1 << 0, epoll_ready(ep, fds, 3, 1000));
	EXPECT_EQ(1 << 0, epoll_ready(ep, fds, 3, 0));
	ASSERT_EQ(1, write(pipefd[1], &c, 1));
	EXPECT_EQ(1 << 0 | 1 << 2, epoll_ready(ep, fds, 3, 1000));
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(a.h, 0));
	EXPECT_EQ(1 << 2, epoll_ready(ep, fds, 3, 1000));
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(0, epoll_ready(ep, fds, 3, 0));

	/* Two events: readable until the second is consumed. */
	POST(ib, 2, 0);
	EXPECT_EQ(1 << 1, epoll_ready(ep, fds, 3, 1000));
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(b.h, 0));
	EXPECT_EQ(1 << 1, epoll_ready(ep, fds, 3, 1000));
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(b.h, 0));
	EXPECT_EQ(0, epoll_ready(ep, fds, 3, 0));

	/* A blocked epoll_wait wakes up for a post from another thread. */
	ASSERT_EQ(0, poster_start(&p, ia, 300));
	EXPECT_EQ(1 << 0, epoll_ready(ep, fds, 3, -1));
	ASSERT_EQ(0, pthread_join(p.t, NULL));
	EXPECT_EQ(RSM_SUCCESS, p.ret);
	EXPECT_EVENTS(a.h, 1);

	close(ep);
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(a.h));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_release_pollfd(b.h));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(ia));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(ib));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&a));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&b));
}

TEST_HARNESS_MAIN
