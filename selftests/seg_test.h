/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the segment and event selftests: memory and
 * deterministic patterns, the local node id, the setup of multi-node
 * tests, export and import handles with their barrier, connecting with
 * retries, children that report through shared memory or drop their
 * privileges, threads joined with a timeout, and the control segment
 * through which the nodes of a multi-node test talk to each other.
 *
 * Include after kselftest_harness.h.
 */
#ifndef _SEG_TEST_H
#define _SEG_TEST_H

#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "rsm_test.h"
#include "rsmapi.h"

#define NO_DEVICE	"/dev/rsm missing (module not loaded)"

/* The unprivileged user of the permission tests (nobody). */
#define SEG_NOBODY	65534

static inline int seg_env_int(const char *name)
{
	const char *v = getenv(name);

	return v ? atoi(v) : 0;
}

static inline double seg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline size_t seg_pg(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Fresh private anonymous memory, page aligned and zeroed; NULL on failure. */
static inline void *seg_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Frame number of the page at @va, from /proc/self/pagemap (root); 0: none. */
static inline uint64_t seg_pfn(const void *va)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t e = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)va / seg_pg() * sizeof(e)) !=
	    sizeof(e))
		e = 0;
	close(fd);
	return e >> 63 ? e & ((1ULL << 55) - 1) : 0;
}

#define SEG_HUGE	(2u << 20)	/* a PMD-sized huge page */

/*
 * Memory for an export of @len bytes that the kernel keeps in every kind
 * of block (driver/pages.c): it starts 3 pages past a 2 MiB boundary, is
 * backed by transparent huge pages where the system has them, and one
 * page of its second 2 MiB block is a 4 KiB page. The mapping to release
 * with seg_unmap() is *@base, *@maplen. NULL on failure.
 */
static inline uint8_t *seg_map_huge(size_t len, void **base, size_t *maplen)
{
	size_t pg = seg_pg();
	uint8_t *p;

	*maplen = len + 2 * SEG_HUGE;
	*base = seg_map(*maplen);
	if (!*base)
		return NULL;
	p = (uint8_t *)(((uintptr_t)*base + SEG_HUGE - 1) & ~(uintptr_t)(SEG_HUGE - 1));
	madvise(p, len + 3 * pg, MADV_HUGEPAGE);
	p += 3 * pg;
	memset(p, 0, len);
	/* Page 5 of the second block: unmapped, then faulted in alone. */
	madvise(p - 3 * pg + SEG_HUGE + 5 * pg, pg, MADV_DONTNEED);
	p[SEG_HUGE + 2 * pg] = 0;
	return p;
}

/* An offset 1 page and 100 bytes before block @i (1..3) of seg_map_huge(). */
static inline size_t seg_huge_off(int i)
{
	return i * SEG_HUGE - 4 * seg_pg() - 100;
}

/* Memory a forked child writes its results to. */
static inline void *seg_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline void seg_unmap(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

/* splitmix64: the pattern and random number source of every test. */
static inline uint64_t seg_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Deterministic random numbers: the same seed gives every node the same. */
static inline uint64_t seg_rand(uint64_t *state)
{
	return seg_mix((*state)++);
}

/* Uniform in [0, n), n > 0. */
static inline uint64_t seg_below(uint64_t *state, uint64_t n)
{
	return seg_rand(state) % n;
}

/*
 * Fill @len bytes at @buf with pattern @seed as it looks at segment offset
 * @off: any range of a pattern can be regenerated anywhere, on any node.
 */
static inline void seg_pattern(void *buf, size_t len, uint64_t seed,
			       uint64_t off)
{
	uint64_t w = 0, wi = UINT64_MAX;
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (o >> 3 != wi) {
			wi = o >> 3;
			w = seg_mix(seed << 40 ^ wi);
		}
		p[i] = (uint8_t)(w >> ((o & 7) * 8));
	}
}

/* Offset of the first byte where @a and @b differ, or -1. */
static inline long seg_diff(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	size_t i;

	if (!memcmp(a, b, len))
		return -1;
	for (i = 0; i < len; i++)
		if (x[i] != y[i])
			return (long)i;
	return -1;
}

/* The local node id from the topology, 0 if there is none. */
static inline rsm_node_id_t seg_local_node(void)
{
	rsm_topology_t *tp;
	rsm_node_id_t n;

	if (rsm_get_interconnect_topology(&tp))
		return 0;
	n = tp->topology_hdr.local_nodeid;
	rsm_free_interconnect_topology(tp);
	return n;
}

/* State of the channel to @node in the topology, 0 if it is not listed. */
static inline unsigned int seg_peer_state(rsm_node_id_t node)
{
	unsigned int i, state = 0;
	rsm_topology_t *tp;
	int j;

	if (rsm_get_interconnect_topology(&tp))
		return 0;
	for (i = 0; i < tp->topology_hdr.local_cntlr_count; i++) {
		rsm_connections_t *c = tp->connections[i];

		for (j = 0; j < c->hdr.remote_cntlr_count; j++)
			if (c->remote_cntlr[j].remote_nodeid == node)
				state = c->remote_cntlr[j].connection_state;
	}
	rsm_free_interconnect_topology(tp);
	return state;
}

/* Is @node listed as a peer in the topology? (Every channel has a state.) */
static inline int seg_node_known(rsm_node_id_t node)
{
	return seg_peer_state(node) != 0;
}

/*
 * Fixture setup of a test across nodes 1 to @nodes of the QEMU cluster,
 * over $RSM_CTRL: SKIP unless the module is loaded, the cluster has that
 * many nodes and this is one of them; then get the controller into
 * *@ctl. Returns this node's number ($RSM_NODE).
 */
static inline int seg_cluster_setup(struct __test_metadata *_metadata,
				    int nodes, rsmapi_controller_handle_t *ctl)
{
	int me;

	if (access(RSM_DEV, F_OK))
		SETUP_SKIP(NO_DEVICE);
	me = seg_env_int("RSM_NODE");
	if (seg_env_int("RSM_NODES") < nodes || !me || !rsm_rdma_ctrl())
		SETUP_SKIP("needs a cluster of %d (RSM_NODES, RSM_NODE, RSM_CTRL)",
			   nodes);
	if (me < 1 || me > nodes)
		SETUP_SKIP("node %d has no part in %d-node tests", me, nodes);
	ASSERT_EQ(RSM_SUCCESS,
		  rsm_get_controller((char *)rsm_rdma_ctrl(), ctl));
	return me;
}

/* An export segment and the memory behind it. */
struct seg_exp {
	rsm_memseg_export_handle_t h;
	uint8_t *mem;
	size_t len;
	rsm_memseg_id_t id;
};

/*
 * Map @len bytes, fill them with pattern @seed and create an export
 * segment over them. Returns the RSMERR of the create (the memory stays
 * mapped either way; seg_unexport() releases both).
 */
static inline int seg_export(struct seg_exp *e, rsmapi_controller_handle_t c,
			     size_t len, uint_t flags, uint64_t seed)
{
	memset(e, 0, sizeof(*e));
	e->len = len;
	e->mem = seg_map(len);
	if (!e->mem)
		return RSMERR_INSUFFICIENT_MEM;
	seg_pattern(e->mem, len, seed, 0);
	return rsm_memseg_export_create(c, &e->h, e->mem, len, flags);
}

static inline int seg_publish(struct seg_exp *e, rsm_memseg_id_t id,
			      rsmapi_access_entry_t *acl, uint_t n)
{
	e->id = id;
	return rsm_memseg_export_publish(e->h, &e->id, acl, n);
}

/* Destroy the segment (if any) and unmap its memory. */
static inline int seg_unexport(struct seg_exp *e)
{
	int ret = RSM_SUCCESS;

	if (e->h)
		ret = rsm_memseg_export_destroy(e->h);
	e->h = NULL;
	seg_unmap(e->mem, e->len);
	e->mem = NULL;
	return ret;
}

/* An import segment and the barrier its implicit mode needs. */
struct seg_imp {
	rsm_memseg_import_handle_t h;
	rsmapi_barrier_t bar;
};

/* Retry connects that fail with these, until the deadline. */
#define SEG_RETRY_UNPUBLISHED	0x1
#define SEG_RETRY_UNREACHABLE	0x2
#define SEG_RETRY_ALL		(SEG_RETRY_UNPUBLISHED | SEG_RETRY_UNREACHABLE)

/*
 * Connect to (@node, @id) with @perm, retrying per @retry for up to @secs
 * seconds, and initialise the handle's barrier (so implicit-mode get and
 * put work). Returns the RSMERR of the last connect or of init_barrier.
 */
static inline int seg_connect(struct seg_imp *im, rsmapi_controller_handle_t c,
			      rsm_node_id_t node, rsm_memseg_id_t id,
			      rsm_permission_t perm, int retry, double secs)
{
	double end = seg_now() + secs;
	int ret;

	memset(im, 0, sizeof(*im));
	for (;;) {
		ret = rsm_memseg_import_connect(c, node, id, perm, &im->h);
		if (!((retry & SEG_RETRY_UNPUBLISHED &&
		       ret == RSMERR_SEG_NOT_PUBLISHED) ||
		      (retry & SEG_RETRY_UNREACHABLE &&
		       ret == RSMERR_REMOTE_NODE_UNREACHABLE)))
			break;
		if (seg_now() >= end)
			break;
		usleep(100000);
	}
	if (ret) {
		im->h = NULL;
		return ret;
	}
	ret = rsm_memseg_import_init_barrier(im->h, RSM_BAR_DEFAULT, &im->bar);
	if (ret) {
		rsm_memseg_import_disconnect(im->h);
		im->h = NULL;
	}
	return ret;
}

/* Destroy the barrier and disconnect; returns the disconnect's RSMERR. */
static inline int seg_disconnect(struct seg_imp *im)
{
	int ret;

	if (!im->h)
		return RSM_SUCCESS;
	if (im->bar.seg)
		rsm_memseg_import_destroy_barrier(&im->bar);
	ret = rsm_memseg_import_disconnect(im->h);
	im->h = NULL;
	return ret;
}

/* get or put of @n elements of @w bytes (w 0: the byte variant). */
static inline int seg_xfer(rsm_memseg_import_handle_t im, int put, int w,
			   off_t off, void *buf, size_t n)
{
	switch (w) {
	case 0:
		return put ? rsm_memseg_import_put(im, off, buf, n) :
			     rsm_memseg_import_get(im, off, buf, n);
	case 1:
		return put ? rsm_memseg_import_put8(im, off, buf, n) :
			     rsm_memseg_import_get8(im, off, buf, n);
	case 2:
		return put ? rsm_memseg_import_put16(im, off, buf, n) :
			     rsm_memseg_import_get16(im, off, buf, n);
	case 4:
		return put ? rsm_memseg_import_put32(im, off, buf, n) :
			     rsm_memseg_import_get32(im, off, buf, n);
	default:
		return put ? rsm_memseg_import_put64(im, off, buf, n) :
			     rsm_memseg_import_get64(im, off, buf, n);
	}
}

/* Connect, and disconnect at once if that worked: the connect's RSMERR. */
static inline int seg_try_connect(rsmapi_controller_handle_t ctl,
				  rsm_node_id_t node, rsm_memseg_id_t id,
				  rsm_permission_t perm)
{
	rsm_memseg_import_handle_t im = NULL;
	int ret = rsm_memseg_import_connect(ctl, node, id, perm, &im);

	if (!ret)
		rsm_memseg_import_disconnect(im);
	return ret;
}

/*
 * Run @fn(@arg) in a forked child and return its exit status, or -1 if it
 * could not be started or died from a signal. The child must not use the
 * harness's macros; it reports through seg_shared() memory.
 */
static inline int seg_child(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * In a child: become @uid/@gid with no supplementary groups. Leaving uid
 * 0 drops every capability (CAP_IPC_LOCK, CAP_IPC_OWNER). Only root can.
 */
static inline int seg_become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -1;
	return 0;
}

/* Exit status of a child that could not become another user. */
#define SEG_CHILD_NOUSER	77

/*
 * Connect attempts of another user: a child becomes @uid/@gid (if we are
 * root; otherwise it stays who we are) and tries read-write, write-only
 * and read-only connects to (@node, @id), and a get through the last.
 * Fields hold the RSMERR of each; status is the child's exit status
 * (SEG_CHILD_NOUSER: it could not become that user). NULL if no memory.
 */
struct seg_as {
	rsmapi_controller_handle_t ctl;
	rsm_node_id_t node;
	rsm_memseg_id_t id;
	uid_t uid;
	gid_t gid;
	int status;
	int rdwr, write, read, get;
};

static inline int seg_as_child(void *p)
{
	struct seg_as *c = p;
	rsm_memseg_import_handle_t im;
	rsmapi_barrier_t bar;
	uint64_t v;

	if (geteuid() == 0 && seg_become(c->uid, c->gid))
		return SEG_CHILD_NOUSER;
	c->rdwr = seg_try_connect(c->ctl, c->node, c->id, RSM_PERM_RDWR);
	c->write = seg_try_connect(c->ctl, c->node, c->id, RSM_PERM_WRITE);
	c->read = rsm_memseg_import_connect(c->ctl, c->node, c->id,
					    RSM_PERM_READ, &im);
	if (c->read == RSM_SUCCESS) {
		c->get = rsm_memseg_import_init_barrier(im, RSM_BAR_DEFAULT,
							&bar);
		if (!c->get)
			c->get = rsm_memseg_import_get64(im, 0, &v, 1);
		rsm_memseg_import_disconnect(im);
	}
	return 0;
}

static inline struct seg_as *seg_connect_as(rsmapi_controller_handle_t ctl,
					    rsm_node_id_t node,
					    rsm_memseg_id_t id, uid_t uid,
					    gid_t gid)
{
	struct seg_as *c = seg_shared(sizeof(*c));

	if (!c)
		return NULL;
	c->ctl = ctl;
	c->node = node;
	c->id = id;
	c->uid = uid;
	c->gid = gid;
	c->rdwr = c->write = c->read = c->get = -1;
	c->status = seg_child(seg_as_child, c);
	return c;
}

/* Join thread @t within @secs: 0, or ETIMEDOUT if it is still running. */
static inline int seg_join_within(pthread_t t, double secs)
{
	struct timespec ts;
	double end;

	clock_gettime(CLOCK_REALTIME, &ts);
	end = ts.tv_sec + ts.tv_nsec / 1e9 + secs;
	ts.tv_sec = (time_t)end;
	ts.tv_nsec = (long)((end - ts.tv_sec) * 1e9);
	return pthread_timedjoin_np(t, NULL, &ts);
}

/*
 * Control segment: one page exported by the coordinating node, imported
 * read-write by the others. Word 0 is the exporter's phase, word n node
 * n's phase. Phases are small numbers chosen by each test; these are
 * common to all.
 */
#define SEG_PH_NONE	0u
#define SEG_PH_DONE	0xd0d0u		/* finished its part, all passed */
#define SEG_PH_SKIP	0x5c1bu		/* cannot run this test: skip it */
#define SEG_PH_FAILED	0xfa11u		/* failed (set by the teardown) */

/* The exporter reads a phase word of its own control segment. */
static inline uint32_t seg_word(struct seg_exp *e, int idx)
{
	return __atomic_load_n((uint32_t *)e->mem + idx, __ATOMIC_ACQUIRE);
}

static inline void seg_set_word(struct seg_exp *e, int idx, uint32_t v)
{
	__atomic_store_n((uint32_t *)e->mem + idx, v, __ATOMIC_RELEASE);
}

/*
 * The exporter waits up to @secs for word @idx to become @want (or one of
 * SKIP and FAILED, which end every wait). Returns the last value seen.
 */
static inline uint32_t seg_wait_word(struct seg_exp *e, int idx, uint32_t want,
				     double secs)
{
	double end = seg_now() + secs;
	uint32_t v;

	for (;;) {
		v = seg_word(e, idx);
		if (v == want || v == SEG_PH_SKIP || v == SEG_PH_FAILED ||
		    seg_now() >= end)
			return v;
		usleep(10000);
	}
}

/*
 * seg_wait_word() for a phase of node @peer that also gives up once the
 * channel to @peer, having been ACTIVE, is not any more: the peer died or
 * dropped us, and its phase cannot arrive. *@lost is then the channel's
 * state (0 otherwise).
 */
static inline uint32_t seg_await_word(struct seg_exp *e, int idx,
				      uint32_t want, rsm_node_id_t peer,
				      double secs, unsigned int *lost)
{
	double end = seg_now() + secs;
	int was_active = 0;
	unsigned int st;
	uint32_t v;

	*lost = 0;
	for (;;) {
		v = seg_wait_word(e, idx, want, 1.0);
		if (v == want || v == SEG_PH_SKIP || v == SEG_PH_FAILED ||
		    seg_now() >= end)
			return v;
		st = seg_peer_state(peer);
		if (st == RSM_CONNECTION_ACTIVE) {
			was_active = 1;
		} else if (was_active) {
			*lost = st ? st : 0xff;
			return v;
		}
	}
}

/*
 * An importer's teardown: report FAILED in word @idx of control segment
 * (@node, @id). If its import of it was forced off (the channel dropped,
 * say), connect again for that, for up to @secs: the exporter is still
 * waiting for a phase and would otherwise wait until it times out.
 */
static inline void seg_report_failed(struct seg_imp *im,
				     rsmapi_controller_handle_t c,
				     rsm_node_id_t node, rsm_memseg_id_t id,
				     int idx, double secs)
{
	uint32_t v = SEG_PH_FAILED;

	if (im->h && !rsm_memseg_import_put32(im->h, idx * sizeof(v), &v, 1))
		return;
	seg_disconnect(im);
	if (!seg_connect(im, c, node, id, RSM_PERM_RDWR, SEG_RETRY_ALL, secs))
		rsm_memseg_import_put32(im->h, idx * sizeof(v), &v, 1);
}

/* An importer writes its phase word in the control segment. */
static inline int seg_put_word(struct seg_imp *im, int idx, uint32_t v)
{
	return rsm_memseg_import_put32(im->h, idx * sizeof(uint32_t), &v, 1);
}

/*
 * An importer waits up to @secs for the control segment's word @idx to
 * become @want (or SKIP or FAILED). Returns the RSMERR of the last get;
 * *@seen is the last value read.
 */
static inline int seg_wait_remote(struct seg_imp *im, int idx, uint32_t want,
				  double secs, uint32_t *seen)
{
	double end = seg_now() + secs;
	int ret;

	*seen = SEG_PH_NONE;
	for (;;) {
		ret = rsm_memseg_import_get32(im->h, idx * sizeof(uint32_t),
					      seen, 1);
		if (ret || *seen == want || *seen == SEG_PH_SKIP ||
		    *seen == SEG_PH_FAILED || seg_now() >= end)
			return ret;
		usleep(50000);
	}
}

/*
 * A test's control segment, from either side: the exporter's segment, or
 * an importer's import of it.
 */
struct seg_ctl {
	struct seg_exp exp;	/* exporter: the control segment */
	struct seg_imp im;	/* importer: its import of it */
	rsm_node_id_t node;	/* importer: the exporter it joined */
	rsm_memseg_id_t id;	/* and the segment's id; 0: none */
	int finished;		/* this node's part of the test is over */
};

/* The exporter: export control segment @id, zeroed, and publish it. */
static inline void seg_ctl_open(struct __test_metadata *_metadata,
				struct seg_ctl *sc,
				rsmapi_controller_handle_t c,
				rsm_memseg_id_t id,
				rsmapi_access_entry_t *acl, uint_t n)
{
	ASSERT_EQ(RSM_SUCCESS, seg_export(&sc->exp, c, seg_pg(), 0, 0));
	memset(sc->exp.mem, 0, sc->exp.len);
	ASSERT_EQ(RSM_SUCCESS, seg_publish(&sc->exp, id, acl, n));
}

/*
 * An importer: connect to control segment @id of node @node, waiting up
 * to @secs for it to be published.
 */
static inline void seg_ctl_join(struct __test_metadata *_metadata,
				struct seg_ctl *sc,
				rsmapi_controller_handle_t c,
				rsm_node_id_t node, rsm_memseg_id_t id,
				double secs)
{
	ASSERT_EQ(RSM_SUCCESS, seg_connect(&sc->im, c, node, id, RSM_PERM_RDWR,
					   SEG_RETRY_ALL, secs))
		TH_LOG("no control segment %#x on node %d", id, node);
	sc->node = node;
	sc->id = id;
}

/*
 * Teardown of node @me: unless its part of the test is over, report
 * FAILED to the other side (the exporter in word 0, an importer in word
 * @me), which would otherwise wait for a phase until it times out; then
 * let the control segment go.
 */
static inline void seg_ctl_close(struct seg_ctl *sc,
				 rsmapi_controller_handle_t c, int me)
{
	if (sc->id && !sc->finished)
		seg_report_failed(&sc->im, c, sc->node, sc->id, me, 20);
	seg_disconnect(&sc->im);
	if (sc->exp.h && !sc->finished)
		seg_set_word(&sc->exp, 0, SEG_PH_FAILED);
	seg_unexport(&sc->exp);
}

/*
 * The exporter: wait up to @secs for node @n's phase @ph. Returns 0 when
 * it came, 1 if node @n skips the test instead (which ends this node's
 * part too); anything else fails the test, which then says whether the
 * channel to @n went down meanwhile.
 */
static inline int seg_ctl_await(struct __test_metadata *_metadata,
				struct seg_ctl *sc, int n, uint32_t ph,
				double secs)
{
	unsigned int lost;
	uint32_t v = seg_await_word(&sc->exp, n, ph, n, secs, &lost);

	if (v == SEG_PH_SKIP) {
		sc->finished = 1;
		return 1;
	}
	ASSERT_EQ(ph, v) TH_LOG("phase of node %d%s (channel state %u)", n,
				lost ? ": the channel went down" : "",
				seg_peer_state(n));
	return 0;
}

/* An importer: wait up to @secs for the exporter's phase @ph. */
static inline void seg_ctl_await_exporter(struct __test_metadata *_metadata,
					  struct seg_ctl *sc, uint32_t ph,
					  double secs)
{
	uint32_t v;

	ASSERT_EQ(RSM_SUCCESS, seg_wait_remote(&sc->im, 0, ph, secs, &v));
	ASSERT_EQ(ph, v) TH_LOG("phase of node %d", sc->node);
}

/*
 * Phases in a test whose fixture has a struct seg_ctl @cs and its node id
 * @me, in a file that defines WAIT_S: the exporter waits for node @n's
 * phase, an importer for the exporter's, and a node announces its own.
 */
#define SEG_AWAIT_NODE(n, ph)						\
	ASSERT_EQ(0, seg_ctl_await(_metadata, &self->cs, n, ph, WAIT_S))
#define SEG_AWAIT_EXPORTER(ph)						\
	seg_ctl_await_exporter(_metadata, &self->cs, ph, WAIT_S)
#define SEG_ANNOUNCE(ph)						\
	ASSERT_EQ(RSM_SUCCESS, seg_put_word(&self->cs.im, self->me, ph))

#endif /* _SEG_TEST_H */
