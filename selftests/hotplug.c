// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA device removal. Needs root, the module and the rxe controller named
 * by $RSM_CTRL (the QEMU cluster).
 *
 * outage.*.device_removed_under_load (two nodes; other nodes SKIP): node 2
 * puts (and now and then gets) in a loop into a segment node 1 exports
 * over $RSM_CTRL, node 1 reads a segment of node 2's in a loop of its own,
 * and node 1 runs `rdma link delete` of its device in the middle of both.
 * Both loops must end with RSMERR_CONN_ABORTED, node 2's within the
 * failure detection time plus one period (design.rst: the channel's
 * teardown forces every import over it off), and every put node 2 saw
 * succeed must have landed. On node 1 the removal is synchronous: when
 * `rdma link delete` returns, the grants and registrations made for node
 * 2 are gone (RSM_A_COUNTERS), the controller handle reports
 * RSMERR_CTLR_NOT_PRESENT, and the exports made on the removed controller
 * still exist: they stay published but unreachable (a connect through the
 * device that comes back under the same name finds nothing,
 * RSMERR_SEG_NOT_PUBLISHED), cannot be published or republished
 * (RSMERR_CTLR_NOT_PRESENT), and can be unpublished and destroyed. Node
 * 2's grant to node 1 goes with its side of the channel. Node 1 then adds
 * the device again, the channel comes back ACTIVE, and a fresh segment
 * under the same id crosses the nodes again. Variant "announced": the
 * teardown's disconnect tells node 2 at once; "silent": node 1 takes its
 * netdev down first, so node 2 has only its failure detection, and node
 * 1's reads end (RSMERR_CONN_ABORTED, the channel down) within the
 * failure detection time, before the device goes. "silent" SKIPs where
 * virtio-net runs with TX NAPI (virtio_napi_tx()).
 *
 * While node 1's device is gone so is the control segment the nodes
 * coordinate through (as in seg_remote.c): node 2 learns of the outage
 * from its own errors, and node 1 publishes a new control segment, on the
 * new controller under a new id, once the channel is back; node 2 retries
 * its connect to it meanwhile. Every wait is bounded.
 *
 * device_removal_removes_controller (every node on its own): the
 * controller disappears (new lookups fail, existing handles report
 * RSMERR_CTLR_NOT_PRESENT), and re-adding the device makes a new
 * controller with a new id.
 *
 * The two-node test runs first. Each variant starts with a rendezvous,
 * and node 2 stays in it until after node 1's device is back: node 1's
 * outage never meets node 2's earlier programs of selftests/run, nor its
 * single-node test. Each variant has its own segment ids.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "rsm_nl.h"
#include "seg_test.h"

#define EXPORTER	1
#define IMPORTER	2

/* Segment ids: a variant's first (0x480000 + 0x10 * n) plus these. */
enum {
	CTL1,		/* node 1's control segment before the outage */
	DATA,		/* node 1's data segment, before and after */
	CTL2,		/* node 1's control segment after the outage */
	READ,		/* node 2's segment node 1 reads */
};

/* Bounds, in seconds: TCG on a busy host is slow. */
#define JOIN_S		300.0	/* the other node reaching this test */
#define WAIT_S		180.0	/* the other node reaching a phase */
#define WRITE_S		120.0	/* node 2 writing before its loop must end */
#define CTRL_WAIT_S	30.0	/* a re-added device becoming a controller */
#define CHAN_WAIT_S	120.0	/* the channel coming back ACTIVE */
/* Scheduling of TCG guests on top of the failure detection time. */
#define SLACK_MS	3000

/*
 * Node 2's puts: record n (its number, repeated) goes to record n % NREC;
 * a put is one record or up to BIG consecutive ones.
 */
#define LEN		(64u << 10)
#define REC		256u
#define NREC		(LEN / REC)
#define BIG		64u
#define SEED_PUT	0x8000	/* the last round's pattern */
#define SEED_READ	0x8001	/* node 2's segment */

/* Phases besides SEG_PH_DONE/SKIP/FAILED. */
#define PH_WRITING	1	/* node 2: writing; delete the device now */
#define PH_CHECKED	2	/* node 2: back, old ids checked, count sent */
#define PH_REPUBLISHED	3	/* node 1: the data segment is new */
/*
 * In the second control segment, from byte 16: the last record number
 * node 2 put successfully, and the last it tried to put.
 */
#define NOK_OFF		16

static int query(int fd, const char *name, struct rsm_ctrl_attr *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	return rsm_ioctl_err(fd, RSM_IOC_CTRL_QUERY, a);
}

static int run(const char *fmt, const char *a, const char *b)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

/*
 * `rdma link delete @ctrl`: its exit status. A delete that takes longer
 * than 20 s is a hang: the kernel stacks of the blocked tasks are printed
 * before waiting on, so the log shows where it sits.
 */
static int link_delete(const char *ctrl)
{
	double end = seg_now() + 20;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		execlp("rdma", "rdma", "link", "delete", ctrl, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (seg_now() >= end) {
			printf("# rdma link delete %s: still running after 20 s\n",
			       ctrl);
			rsm_dump_blocked();
			waitpid(pid, &status, 0);
			break;
		}
		usleep(50000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Wait up to @secs for the controller to (re)appear. */
static int wait_ctrl(int fd, const char *name, struct rsm_ctrl_attr *a,
		     double secs)
{
	double end = seg_now() + secs;

	for (;;) {
		if (!query(fd, name, a))
			return 0;
		if (seg_now() >= end)
			return -1;
		usleep(100000);
	}
}

/*
 * virtio-net with TX NAPI keeps the packets rxe sent before the netdev
 * went down, and with them their QP, until it is up again: the channel's
 * teardown then hangs and rxe WARNs (design.rst, "rxe over virtio-net").
 */
static bool virtio_napi_tx(void)
{
	char v[4];

	return rsm_read_text("/sys/module/virtio_net/parameters/napi_tx", v,
			     sizeof(v)) > 0 && v[0] == 'Y';
}

/* The netdev under rxe device @ctrl, into @buf; -1 if there is none. */
static int ctrl_netdev(const char *ctrl, char *buf, int len)
{
	char path[PATH_MAX];
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/class/infiniband/%s/ports/1/gid_attrs/ndevs/0", ctrl);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, len, f)) {
		buf[strcspn(buf, "\n")] = 0;
		ret = buf[0] ? 0 : -1;
	}
	fclose(f);
	return ret;
}

/* Leave the node as we found it: netdev up, device there, controller up. */
static void link_restore(int fd, const char *ctrl, const char *netdev)
{
	struct rsm_ctrl_attr a;

	run("ip link set %s up%s", netdev, "");
	if (query(fd, ctrl, &a))
		run("rdma link add %s type rxe netdev %s", ctrl, netdev);
	wait_ctrl(fd, ctrl, &a, CTRL_WAIT_S);
}

/* Seconds to keep reading counters that are wrong, to tell late from lost. */
#define LATE_S		10.0
/*
 * Node 2 learns of the outage when its imports are forced off, just
 * before its channel's teardown (a workqueue) releases the grants.
 */
#define TEARDOWN_S	5.0

/*
 * The counters must be @want within @settle_s seconds (0: at once). When
 * they are not, keep reading for LATE_S more, to report whether they came
 * back late or not at all.
 */
static void expect_counters(struct __test_metadata *_metadata,
			    const struct rsm_node_info *want, double settle_s,
			    const char *when)
{
	char first[256], last[256], w[256];
	double t0 = seg_now(), t;
	struct rsm_node_info now;
	int same, n;

	for (n = 0;; n++) {
		t = n ? seg_now() - t0 : 0;
		ASSERT_EQ(0, rsm_node_get(&now));
		same = rsm_cnt_same(now.cnt, want->cnt);
		if (!n)
			rsm_cnt_str(now.cnt, first, sizeof(first));
		if (same || t >= settle_s + LATE_S)
			break;
		usleep(100000);
	}
	rsm_cnt_str(now.cnt, last, sizeof(last));
	rsm_cnt_str(want->cnt, w, sizeof(w));
	if (same && t <= settle_s) {
		TH_LOG("%s: counters%s", when, last);
	} else if (same) {
		EXPECT_TRUE(0)
			TH_LOG("%s: counters%s, want%s; they were after %.1f s",
			       when, first, w, t);
	} else {
		EXPECT_TRUE(0)
			TH_LOG("%s: counters%s, want%s; still%s after %.1f s",
			       when, first, w, last, t);
	}
}

/* The two-node test */

FIXTURE(outage) {
	int fd;
	const char *ctrl;
	char netdev[64];
	int me;
	rsmapi_controller_handle_t ctl;	/* the controller at the start */
	rsmapi_controller_handle_t ctl2;	/* node 1: the device re-added */
	struct seg_exp ctlseg;	/* node 1: the current control segment */
	struct seg_exp oldctl;	/* node 1: the one on the removed device */
	struct seg_imp ctlim;	/* node 2: its import of the current one */
	rsm_memseg_id_t ctl_id;	/* node 2: which one that is */
	int finished;		/* this node's part of the protocol is over */
	rsm_memseg_id_t id;	/* the variant's first segment id */
	int silent;		/* node 1 cuts its wire before the delete */
};

FIXTURE_VARIANT(outage) {
	rsm_memseg_id_t id;
	int silent;
};

/* The teardown's disconnect reaches node 2 at once. */
FIXTURE_VARIANT_ADD(outage, announced) {
	.id = 0x480000,
	.silent = 0,
};

/*
 * Node 1's netdev goes down first, so nothing of the teardown reaches
 * node 2: it notices by its failure detection alone.
 */
FIXTURE_VARIANT_ADD(outage, silent) {
	.id = 0x480010,
	.silent = 1,
};

FIXTURE_SETUP(outage)
{
	self->fd = -1;
	self->ctrl = rsm_rdma_ctrl();
	self->me = seg_env_int("RSM_NODE");
	self->id = variant->id;
	self->silent = variant->silent;
	if (geteuid())
		SETUP_SKIP("needs root");
	if (seg_env_int("RSM_NODES") < 2 || !self->me || !self->ctrl)
		SETUP_SKIP("needs a cluster of two (RSM_NODES, RSM_NODE, RSM_CTRL)");
	if (self->me != EXPORTER && self->me != IMPORTER)
		SETUP_SKIP("node %d has no part in two-node tests", self->me);
	if (self->silent && virtio_napi_tx())
		SETUP_SKIP("virtio_net napi_tx=Y: boot with virtio_net.napi_tx=0 (design.rst)");
	self->fd = rsm_open();
	if (self->fd < 0)
		SETUP_SKIP("%s: %s", RSM_DEV, strerror(errno));
	if (self->me == EXPORTER &&
	    ctrl_netdev(self->ctrl, self->netdev, sizeof(self->netdev)))
		SETUP_SKIP("%s is not an rxe device on a netdev", self->ctrl);
	ASSERT_EQ(RSM_SUCCESS,
		  rsm_get_controller((char *)self->ctrl, &self->ctl));
}

FIXTURE_TEARDOWN(outage)
{
	if (self->fd < 0)
		return;
	if (self->me == EXPORTER)
		link_restore(self->fd, self->ctrl, self->netdev);
	if (self->ctl_id && !self->finished)
		seg_report_failed(&self->ctlim, self->ctl, EXPORTER,
				  self->ctl_id, IMPORTER, 20);
	seg_disconnect(&self->ctlim);
	if (self->ctlseg.h && !self->finished)
		seg_set_word(&self->ctlseg, 0, SEG_PH_FAILED);
	seg_unexport(&self->ctlseg);
	seg_unexport(&self->oldctl);
	if (self->ctl2)
		rsm_release_controller(self->ctl2);
	if (self->ctl)
		rsm_release_controller(self->ctl);
	close(self->fd);
}

/* The longest node 2 may take to notice node 1's device is gone, in ms. */
static long detect_ms(const struct rsm_node_info *ni)
{
	return ni->timeout_ms + ni->timeout_ms / 4 + SLACK_MS;
}

static off_t rec_off(uint64_t n)
{
	return (off_t)(n % NREC) * REC;
}

static void rec_fill(uint64_t *rec, uint64_t n)
{
	unsigned int i;

	for (i = 0; i < REC / 8; i++)
		rec[i] = n;
}

/*
 * Node 1: the data segment after node 2 put records 1 to @n_ok with
 * success and then failed to put those up to @n_try: each record holds
 * the last of the first that went there (zeroes if none did) or one of
 * the failed ones. Returns the first record that does not, or -1.
 */
static long records_check(const uint8_t *mem, uint64_t n_ok, uint64_t n_try)
{
	uint64_t r, last, v;
	unsigned int i;

	for (r = 0; r < NREC; r++) {
		const uint64_t *rec = (const uint64_t *)(mem + r * REC);

		last = n_ok < r ? 0 : n_ok - (n_ok - r) % NREC;
		v = rec[0];
		if (v != last && !(v > n_ok && v <= n_try && v % NREC == r))
			return (long)r;
		for (i = 1; i < REC / 8; i++)
			if (rec[i] != v)
				return (long)r;
	}
	return -1;
}

/*
 * Node 1's own RDMA in flight when its device goes: a thread that reads
 * node 2's segment (pattern SEED_READ), a record at a time and now and
 * then all of it, until a get fails, or for WRITE_S.
 */
struct reader {
	struct seg_imp im;
	pthread_t thread;
	uint64_t gets;		/* atomic: the main thread watches it */
	int done;		/* atomic: the thread has ended */
	uint64_t bad;		/* gets that returned wrong data */
	int ret;		/* the last get's RSMERR */
	double t_ok, t_err;	/* the last success, the end */
};

static void *reader_fn(void *arg)
{
	double end = seg_now() + WRITE_S;
	uint8_t *ref = seg_map(LEN);
	uint8_t *buf = seg_map(LEN);
	struct reader *r = arg;
	size_t len;
	uint64_t n;
	off_t off;

	r->ret = RSMERR_INSUFFICIENT_MEM;
	if (!ref || !buf)
		goto out;
	seg_pattern(ref, LEN, SEED_READ, 0);
	r->t_ok = seg_now();
	for (n = 0;; n++) {
		off = n % 8 == 7 ? 0 : rec_off(n);
		len = n % 8 == 7 ? LEN : REC;
		r->ret = rsm_memseg_import_get(r->im.h, off, buf, len);
		if (r->ret)
			break;
		r->bad += !!memcmp(buf, ref + off, len);
		__atomic_store_n(&r->gets, n + 1, __ATOMIC_RELEASE);
		r->t_ok = seg_now();
		if (r->t_ok > end)
			break;
	}
out:
	r->t_err = seg_now();
	seg_unmap(ref, LEN);
	seg_unmap(buf, LEN);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Node 1: publish control segment @id on @c, zeroed, for nodes 1 and 2. */
static void open_ctl(struct __test_metadata *_metadata,
		     FIXTURE_DATA(outage) *self, rsmapi_controller_handle_t c,
		     rsm_memseg_id_t id)
{
	rsmapi_access_entry_t acl[2] = {
		{ EXPORTER, 0666 }, { IMPORTER, 0666 },
	};

	ASSERT_EQ(RSM_SUCCESS, seg_export(&self->ctlseg, c, seg_pg(), 0, 0));
	memset(self->ctlseg.mem, 0, self->ctlseg.len);
	ASSERT_EQ(RSM_SUCCESS, seg_publish(&self->ctlseg, id, acl, 2));
}

/* Node 1: wait up to @secs for node 2's phase @ph. */
static void await_importer(struct __test_metadata *_metadata,
			   FIXTURE_DATA(outage) *self, uint32_t ph,
			   double secs)
{
	unsigned int lost;
	uint32_t v = seg_await_word(&self->ctlseg, IMPORTER, ph, IMPORTER,
				    secs, &lost);

	ASSERT_EQ(ph, v) TH_LOG("importer phase%s (channel state %u)",
				lost ? ": the channel went down" : "",
				seg_peer_state(IMPORTER));
}

/* Node 2: connect to control segment @id, waiting up to @secs for it. */
static void join_ctl(struct __test_metadata *_metadata,
		     FIXTURE_DATA(outage) *self, rsm_memseg_id_t id,
		     double secs)
{
	int ret = seg_connect(&self->ctlim, self->ctl, EXPORTER, id,
			      RSM_PERM_RDWR, SEG_RETRY_ALL, secs);

	ASSERT_EQ(RSM_SUCCESS, ret)
		TH_LOG("no control segment %#x on node %d (channel state %u)",
		       id, EXPORTER, seg_peer_state(EXPORTER));
	self->ctl_id = id;
}

/* Node 2: tell node 1 our phase. */
#define ANNOUNCE(ph)							\
	ASSERT_EQ(RSM_SUCCESS, seg_put_word(&self->ctlim, IMPORTER, ph))

static void exporter(struct __test_metadata *_metadata,
		     FIXTURE_DATA(outage) *self)
{
	struct rsm_ctrl_attr before, after;
	struct rsm_node_info base, want;
	rsmapi_controller_attr_t cattr;
	/* Not on the stack: an ASSERT leaves this frame, the thread stays. */
	static struct reader r;
	struct seg_exp d, d2, x;
	rsm_memseg_id_t segid;
	double t0, t, t_down = 0, outage_s;
	struct timespec ts;
	uint64_t n[2];
	uint8_t *ref;
	long bad;

	ASSERT_EQ(0, rsm_node_get(&base));
	ASSERT_EQ(0, query(self->fd, self->ctrl, &before));
	outage_s = detect_ms(&base) / 1000.0;
	ASSERT_EQ(RSM_SUCCESS, seg_export(&d, self->ctl, LEN, 0, 0));
	memset(d.mem, 0, LEN);
	ASSERT_EQ(RSM_SUCCESS, seg_publish(&d, self->id + DATA, NULL, 0));
	open_ctl(_metadata, self, self->ctl, self->id + CTL1);
	await_importer(_metadata, self, PH_WRITING, JOIN_S);
	/* Node 2 writes; we read its segment meanwhile. */
	ASSERT_EQ(RSM_SUCCESS, seg_connect(&r.im, self->ctl, IMPORTER, self->id + READ,
					   RSM_PERM_READ, SEG_RETRY_ALL,
					   WAIT_S));
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, reader_fn, &r));
	for (t0 = seg_now(); __atomic_load_n(&r.gets, __ATOMIC_ACQUIRE) < 20 &&
	     !__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) &&
	     seg_now() - t0 < WAIT_S;)
		usleep(10000);
	usleep(1000000);
	ASSERT_FALSE(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
		TH_LOG("reads of node %d's segment ended: %d", IMPORTER, r.ret);

	t0 = seg_now();		/* the fault: the netdev down, or the delete */
	if (self->silent) {
		/*
		 * With its netdev down rxe sends nothing and hears nothing:
		 * the QP fails (a completion error) or the failure detection
		 * time passes, whichever comes first, and the channel goes
		 * down. Either way our reads end with the forced disconnect
		 * (design.rst), before the device goes.
		 */
		ASSERT_EQ(0, run("ip link set %s down%s", self->netdev, ""));
		while (seg_now() - t0 < detect_ms(&base) / 1000.0) {
			if (!t_down &&
			    seg_peer_state(IMPORTER) != RSM_CONNECTION_ACTIVE)
				t_down = seg_now() - t0;
			if (t_down && __atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
				break;
			usleep(10000);
		}
		TH_LOG("netdev down: reads %s %.3f s (%d), channel down %s %.3f s",
		       r.done ? "ended after" : "still going after",
		       (r.done ? r.t_err : seg_now()) - t0, r.ret,
		       t_down ? "after" : "still ACTIVE after",
		       t_down ? t_down : seg_now() - t0);
		EXPECT_TRUE(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE));
		EXPECT_NE(0, t_down);
	}
	/*
	 * ib_client.remove tears everything on the device down before it
	 * returns, and `rdma link delete` waits for it.
	 */
	t = seg_now();
	ASSERT_EQ(0, link_delete(self->ctrl));
	TH_LOG("rdma link delete took %.3f s", seg_now() - t);
	/* Our reads over the device end at once. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += detect_ms(&base) / 1000 + 1;
	ASSERT_EQ(0, pthread_timedjoin_np(r.thread, NULL, &ts))
		TH_LOG("a get is still blocked");
	TH_LOG("%ju gets from node %d; the error %.0f ms after the last one, %.0f ms after the %s",
	       (uintmax_t)r.gets, IMPORTER, (r.t_err - r.t_ok) * 1000,
	       (r.t_err - t0) * 1000,
	       self->silent ? "netdev went down" : "delete began");
	EXPECT_EQ(RSMERR_CONN_ABORTED, r.ret);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(RSMERR_CONN_ABORTED,
		  rsm_memseg_import_get(r.im.h, 0, n, sizeof(n)));
	EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&r.im));
	want = base;
	want.cnt[RSM_CNT_EXPORTS] += 2;
	want.cnt[RSM_CNT_PINNED_PAGES] += LEN / seg_pg() + 1;
	expect_counters(_metadata, &want, 0, "device removed");
	EXPECT_EQ(ENODEV, query(self->fd, self->ctrl, &after));
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT,
		  rsm_get_controller_attr(self->ctl, &cattr));
	EXPECT_NE(RSM_CONNECTION_ACTIVE, seg_peer_state(IMPORTER));
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT,
		  seg_export(&x, self->ctl, seg_pg(), 0, 0));
	seg_unexport(&x);

	/* Down for as long as node 2 may take to notice. */
	while (seg_now() - t0 < outage_s)
		usleep(100000);
	TH_LOG("device back after %.1f s", seg_now() - t0);
	if (self->silent)
		ASSERT_EQ(0, run("ip link set %s up%s", self->netdev, ""));
	ASSERT_EQ(0, run("rdma link add %s type rxe netdev %s", self->ctrl,
			 self->netdev));
	t0 = seg_now();
	ASSERT_EQ(0, wait_ctrl(self->fd, self->ctrl, &after, CTRL_WAIT_S));
	EXPECT_NE(before.id, after.id);
	ASSERT_EQ(RSM_SUCCESS,
		  rsm_get_controller((char *)self->ctrl, &self->ctl2));
	while (seg_peer_state(IMPORTER) != RSM_CONNECTION_ACTIVE &&
	       seg_now() - t0 < CHAN_WAIT_S)
		usleep(100000);
	ASSERT_EQ(RSM_CONNECTION_ACTIVE, seg_peer_state(IMPORTER))
		TH_LOG("channel to node %d not back %.0f s after the device",
		       IMPORTER, CHAN_WAIT_S);
	TH_LOG("channel ACTIVE %.3f s after the device came back",
	       seg_now() - t0);

	/* A new control segment, on the new controller, under a new id. */
	self->oldctl = self->ctlseg;
	memset(&self->ctlseg, 0, sizeof(self->ctlseg));
	open_ctl(_metadata, self, self->ctl2, self->id + CTL2);
	await_importer(_metadata, self, PH_CHECKED, WAIT_S);

	/* Every put node 2 saw succeed landed before the device went. */
	memcpy(n, self->ctlseg.mem + NOK_OFF, sizeof(n));
	bad = records_check(d.mem, n[0], n[1]);
	EXPECT_EQ(-1, bad)
		TH_LOG("record %ld holds %ju; records to %ju put, to %ju tried",
		       bad, (uintmax_t)((uint64_t *)d.mem)[bad * REC / 8],
		       (uintmax_t)n[0], (uintmax_t)n[1]);

	/*
	 * The exports on the removed device cannot be published again, and
	 * go like any other.
	 */
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT,
		  rsm_memseg_export_republish(d.h, NULL, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(d.h));
	segid = self->id + DATA;
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT,
		  rsm_memseg_export_publish(d.h, &segid, NULL, 0));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&self->oldctl));
	want = base;
	want.cnt[RSM_CNT_EXPORTS] += 1;
	want.cnt[RSM_CNT_PINNED_PAGES] += 1;
	want.cnt[RSM_CNT_GRANTS] += 1;
	want.cnt[RSM_CNT_MRS] += 1;
	expect_counters(_metadata, &want, 0,
			"stale exports destroyed, node 2 on the new control");

	/* A fresh segment under the old id. */
	ASSERT_EQ(RSM_SUCCESS, seg_export(&d2, self->ctl2, LEN, 0, 0));
	ASSERT_EQ(RSM_SUCCESS, seg_publish(&d2, self->id + DATA, NULL, 0));
	seg_set_word(&self->ctlseg, 0, PH_REPUBLISHED);
	await_importer(_metadata, self, SEG_PH_DONE, WAIT_S);
	self->finished = 1;
	ref = seg_map(LEN);
	ASSERT_NE(NULL, ref);
	seg_pattern(ref, LEN, SEED_PUT, 0);
	bad = seg_diff(ref, d2.mem, LEN);
	EXPECT_EQ(-1, bad) TH_LOG("first wrong byte at %ld", bad);
	seg_unmap(ref, LEN);
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d2));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&self->ctlseg));
	expect_counters(_metadata, &base, LATE_S, "everything destroyed");
}

static void importer(struct __test_metadata *_metadata,
		     FIXTURE_DATA(outage) *self)
{
	uint64_t recs[BIG * REC / 8], chk[REC / 8], puts = 0, gets = 0;
	uint64_t bad = 0;
	uint64_t n[2] = { 0, 0 };	/* records put, and tried */
	double t_start, t_ann = 0, t_ok, t_err;
	struct rsm_node_info base, want;
	int ret, announced = 0;
	struct seg_exp rd;
	struct seg_imp d;
	uint8_t *buf, *all;
	long gap_ms, diff;
	uint32_t ph;
	unsigned int i, k, m;

	ASSERT_EQ(0, rsm_node_get(&base));
	/* For node 1 to read while we write. */
	ASSERT_EQ(RSM_SUCCESS, seg_export(&rd, self->ctl, LEN, 0, SEED_READ));
	ASSERT_EQ(RSM_SUCCESS, seg_publish(&rd, self->id + READ, NULL, 0));
	join_ctl(_metadata, self, self->id + CTL1, JOIN_S);
	ASSERT_EQ(RSM_SUCCESS, seg_connect(&d, self->ctl, EXPORTER, self->id + DATA,
					   RSM_PERM_RDWR, SEG_RETRY_ALL,
					   WAIT_S));

	/*
	 * Put record after record, now and then BIG at once (several RDMA
	 * packets); every fourth operation reads the last one back.
	 */
	t_start = seg_now();
	t_ok = t_start;
	for (i = 0;; i++) {
		if (i % 4 == 3) {
			ret = rsm_memseg_import_get(d.h, rec_off(n[0]), chk,
						    REC);
			rec_fill(recs, n[0]);
			if (!ret) {
				gets++;
				bad += !!memcmp(chk, recs, REC);
			}
		} else {
			m = i % 8 == 1 ? BIG : 1;
			if (m > NREC - (n[0] + 1) % NREC)
				m = NREC - (n[0] + 1) % NREC;
			for (k = 0; k < m; k++)
				rec_fill(recs + k * REC / 8, n[0] + 1 + k);
			n[1] = n[0] + m;
			ret = rsm_memseg_import_put(d.h, rec_off(n[0] + 1),
						    recs, m * REC);
			if (!ret) {
				puts++;
				n[0] = n[1];
			}
		}
		if (ret)
			break;
		t_ok = seg_now();
		if (!announced && puts >= 20) {
			ANNOUNCE(PH_WRITING);
			announced = 1;
			t_ann = t_ok;
		}
		if (announced && t_ok - t_ann > WRITE_S)
			break;
	}
	t_err = seg_now();
	gap_ms = (long)((t_err - t_ok) * 1000);
	TH_LOG("%ju puts (%ju records), %ju gets in %.1f s; the error %ld ms after the last one",
	       (uintmax_t)puts, (uintmax_t)n[0], (uintmax_t)gets,
	       t_err - t_start, gap_ms);
	ASSERT_NE(RSM_SUCCESS, ret)
		TH_LOG("still writing %.0f s after announcing", WRITE_S);
	EXPECT_EQ(RSMERR_CONN_ABORTED, ret);
	EXPECT_LE(gap_ms, detect_ms(&base))
		TH_LOG("failure detection time %u ms", base.timeout_ms);
	EXPECT_EQ(0, bad);

	/* Forced off for good, with every import over the channel. */
	EXPECT_EQ(RSMERR_CONN_ABORTED,
		  rsm_memseg_import_put(d.h, 0, recs, REC));
	EXPECT_EQ(RSMERR_CONN_ABORTED,
		  rsm_memseg_import_get(d.h, 0, chk, REC));
	EXPECT_EQ(RSMERR_CONN_ABORTED,
		  rsm_memseg_import_get32(self->ctlim.h, 0, &ph, 1));
	TH_LOG("channel to node %d: state %u", EXPORTER,
	       seg_peer_state(EXPORTER));
	EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
	EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&self->ctlim));
	self->ctl_id = 0;
	/* Node 1's grant of our segment went with the channel. */
	want = base;
	want.cnt[RSM_CNT_EXPORTS] += 1;
	want.cnt[RSM_CNT_PINNED_PAGES] += LEN / seg_pg();
	expect_counters(_metadata, &want, TEARDOWN_S,
			"channel down, aborted imports disconnected");

	/*
	 * Node 1 publishes the next control segment once the channel is
	 * back. Its old segments are still published, on the removed
	 * device: the new one does not reach them.
	 */
	join_ctl(_metadata, self, self->id + CTL2, WAIT_S);
	EXPECT_EQ(RSM_CONNECTION_ACTIVE, seg_peer_state(EXPORTER));
	EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED,
		  seg_try_connect(self->ctl, EXPORTER, self->id + DATA,
				  RSM_PERM_RDWR));
	EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED,
		  seg_try_connect(self->ctl, EXPORTER, self->id + CTL1,
				  RSM_PERM_RDWR));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_put64(self->ctlim.h,
						       NOK_OFF, n, 2));
	ANNOUNCE(PH_CHECKED);
	ASSERT_EQ(RSM_SUCCESS, seg_wait_remote(&self->ctlim, 0,
					       PH_REPUBLISHED, WAIT_S, &ph));
	ASSERT_EQ(PH_REPUBLISHED, ph) TH_LOG("exporter phase");

	/* A fresh round across the nodes. */
	buf = seg_map(LEN);
	all = seg_map(LEN);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, all);
	seg_pattern(buf, LEN, SEED_PUT, 0);
	ASSERT_EQ(RSM_SUCCESS, seg_connect(&d, self->ctl, EXPORTER, self->id + DATA,
					   RSM_PERM_RDWR, SEG_RETRY_ALL,
					   WAIT_S));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_put(d.h, 0, buf, LEN));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, all, LEN));
	diff = seg_diff(buf, all, LEN);
	EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff);
	EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&rd));
	seg_unmap(buf, LEN);
	seg_unmap(all, LEN);
	want = base;
	want.cnt[RSM_CNT_IMPORTS] += 1;
	expect_counters(_metadata, &want, 0, "the last round disconnected");
	ANNOUNCE(SEG_PH_DONE);
	self->finished = 1;
}

TEST_F_TIMEOUT(outage, device_removed_under_load, 1200)
{
	if (self->me == EXPORTER)
		exporter(_metadata, self);
	else
		importer(_metadata, self);
}

/* The single-node test */

FIXTURE(rxe) {
	int fd;
	const char *ctrl;
	char netdev[64];
};

FIXTURE_SETUP(rxe)
{
	self->fd = -1;
	self->ctrl = rsm_rdma_ctrl();
	if (geteuid())
		SETUP_SKIP("needs root");
	if (!self->ctrl)
		SETUP_SKIP("no RDMA controller ($RSM_CTRL unset)");
	self->fd = rsm_open();
	if (self->fd < 0)
		SETUP_SKIP("%s: %s", RSM_DEV, strerror(errno));
	if (ctrl_netdev(self->ctrl, self->netdev, sizeof(self->netdev)))
		SETUP_SKIP("%s is not an rxe device on a netdev", self->ctrl);
}

FIXTURE_TEARDOWN(rxe)
{
	if (self->fd < 0)
		return;
	link_restore(self->fd, self->ctrl, self->netdev);
	close(self->fd);
}

TEST_F(rxe, device_removal_removes_controller)
{
	struct rsm_ctrl_attr before, after;
	rsmapi_controller_attr_t attr;
	rsmapi_controller_handle_t old, new;

	ASSERT_EQ(0, query(self->fd, self->ctrl, &before));
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller((char *)self->ctrl, &old));

	ASSERT_EQ(0, link_delete(self->ctrl));
	EXPECT_EQ(ENODEV, query(self->fd, self->ctrl, &after));
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT, rsm_get_controller_attr(old, &attr));
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT,
		  rsm_get_controller((char *)self->ctrl, &new));

	ASSERT_EQ(0, run("rdma link add %s type rxe netdev %s", self->ctrl,
			 self->netdev));
	ASSERT_EQ(0, wait_ctrl(self->fd, self->ctrl, &after, CTRL_WAIT_S));
	EXPECT_NE(before.id, after.id);
	EXPECT_EQ(before.hwaddr, after.hwaddr);
	/* The old handle was for the old device; a new one works. */
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT, rsm_get_controller_attr(old, &attr));
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller((char *)self->ctrl, &new));
	EXPECT_NE(old, new);
	EXPECT_EQ(RSM_SUCCESS, rsm_get_controller_attr(new, &attr));
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(new));
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(old));
}

TEST_HARNESS_MAIN
