// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping remote segments (rsm_memseg_import_map over RDMA): loads see the
 * exporter's data, stores reach it at close_barrier, open_barrier shows
 * the exporter's later changes, two importers writing different bytes of
 * one page both survive, a read-only grant maps read-only, stores racing
 * another thread's barriers are all written back, and a forced disconnect
 * leaves a harmless mapping and RSMERR_CONN_ABORTED. Node 1
 * exports; nodes coordinate with signals. Needs the QEMU cluster (two
 * nodes; three for the shared-page test); SKIPs otherwise.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "rsm_test.h"
#include "rsmapi.h"

#define WAIT_MS		120000
#define RACE_ROUNDS	1000

FIXTURE(map) {
	int me, nodes;
	size_t pg;
	rsmapi_controller_handle_t ctl;
};

FIXTURE_SETUP(map)
{
	const char *n = getenv("RSM_NODE"), *ns = getenv("RSM_NODES");

	if (access(RSM_DEV, F_OK) || !n || !ns || !rsm_rdma_ctrl())
		SETUP_SKIP("needs the QEMU cluster (RSM_NODE, RSM_CTRL)");
	self->me = atoi(n);
	self->nodes = atoi(ns);
	if (self->nodes < 2)
		SETUP_SKIP("needs two nodes");
	self->pg = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller((char *)rsm_rdma_ctrl(),
						  &self->ctl));
}

FIXTURE_TEARDOWN(map)
{
	if (self->ctl)
		rsm_release_controller(self->ctl);
}

/* Export @pages pages from node 1, published as @id; returns its memory. */
static char *export_pages(struct __test_metadata *_metadata,
			  rsmapi_controller_handle_t ctl, size_t bytes,
			  rsm_memseg_id_t id, rsmapi_access_entry_t *acl,
			  int nacl, rsm_memseg_export_handle_t *seg)
{
	char *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	EXPECT_NE(MAP_FAILED, mem);
	if (mem == MAP_FAILED)
		return NULL;
	memset(mem, 0, bytes);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_create(ctl, seg, mem, bytes,
							0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_publish(*seg, &id, acl,
							 nacl));
	return mem;
}

/* Connect to node 1's @id, waiting for it to be published. */
static int import_seg(rsmapi_controller_handle_t ctl, rsm_memseg_id_t id,
		      rsm_permission_t perm, rsm_memseg_import_handle_t *im)
{
	int tries, ret = RSMERR_SEG_NOT_PUBLISHED;

	for (tries = 0; tries < 600; tries++) {
		ret = rsm_memseg_import_connect(ctl, 1, id, perm, im);
		if (ret != RSMERR_SEG_NOT_PUBLISHED &&
		    ret != RSMERR_REMOTE_NODE_UNREACHABLE)
			break;
		usleep(100000);
	}
	return ret;
}

TEST_F_TIMEOUT(map, stores_reach_the_exporter_at_barriers, 300)
{
	const char *mine = "stored through the mapping";
	const char *theirs = "changed by the exporter";
	rsm_memseg_export_handle_t ex;
	rsm_memseg_import_handle_t im;
	rsmapi_barrier_t bar;
	size_t len = 2 * self->pg;
	char *mem, *map = NULL;
	void *addr = NULL;
	int i, ret;

	if (self->me > 2)
		SKIP(return, "nodes 1 and 2 only");
	if (self->me == 1) {
		mem = export_pages(_metadata, self->ctl, len, 0x4a0000, NULL, 0,
				   &ex);
		ASSERT_NE(NULL, mem);
		strcpy(mem, "page zero");
		strcpy(mem + self->pg, "page one");
		ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(ex, WAIT_MS));
		EXPECT_STREQ(mine, mem + 100);
		EXPECT_EQ(0, mem[99]);
		EXPECT_STREQ("page zero", mem);
		strcpy(mem + self->pg + 64, theirs);
		ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_post(ex, 0));
		ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(ex, WAIT_MS));
		/* Force the importer off while it still has the mapping. */
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(ex));
		EXPECT_STREQ(mine, mem + 100);
		sleep(2);
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_destroy(ex));
		munmap(mem, len);
		return;
	}

	ASSERT_EQ(RSM_SUCCESS, import_seg(self->ctl, 0x4a0000, RSM_PERM_RDWR,
					  &im));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_init_barrier(im,
					RSM_BAR_DEFAULT, &bar));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_map(im, &addr, RSM_MAP_NONE,
						     RSM_PERM_RDWR, 0, len));
	map = addr;
	EXPECT_STREQ("page zero", map);
	EXPECT_STREQ("page one", map + self->pg);

	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_open_barrier(&bar));
	strcpy(map + 100, mine);
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_close_barrier(&bar));
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_post(im, 0));

	/* The exporter changed page one: an open barrier shows it. */
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(im, WAIT_MS));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_open_barrier(&bar));
	EXPECT_STREQ(theirs, map + self->pg + 64);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_close_barrier(&bar));
	ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_post(im, 0));

	/* Forced off: the mapping stays usable, barriers say so. */
	for (i = 0; i < 300; i++) {
		ret = rsm_memseg_import_open_barrier(&bar);
		if (ret)
			break;
		map[200] = 'x';
		ret = rsm_memseg_import_close_barrier(&bar);
		if (ret)
			break;
		usleep(50000);
	}
	EXPECT_EQ(RSMERR_CONN_ABORTED, ret);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_unmap(im));
	addr = NULL;
	EXPECT_EQ(RSMERR_CONN_ABORTED,
		  rsm_memseg_import_map(im, &addr, RSM_MAP_NONE,
					RSM_PERM_READ, 0, len));
	rsm_memseg_import_destroy_barrier(&bar);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
}

TEST_F_TIMEOUT(map, importers_writing_one_page_do_not_clobber, 300)
{
	rsm_memseg_export_handle_t ex;
	rsm_memseg_import_handle_t im;
	rsmapi_barrier_t bar;
	void *addr = NULL;
	char *mem, *map;
	size_t i;

	if (self->nodes < 3)
		SKIP(return, "needs three nodes");
	if (self->me > 3)
		SKIP(return, "nodes 1 to 3 only");
	if (self->me == 1) {
		mem = export_pages(_metadata, self->ctl, self->pg, 0x4a0001,
				   NULL, 0, &ex);
		ASSERT_NE(NULL, mem);
		ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(ex, WAIT_MS));
		ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(ex, WAIT_MS));
		for (i = 0; i < 100; i++) {
			EXPECT_EQ('b', mem[i]);
			EXPECT_EQ('c', mem[100 + i]);
		}
		for (i = 200; i < self->pg; i++)
			ASSERT_EQ(0, mem[i]);
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_destroy(ex));
		munmap(mem, self->pg);
		return;
	}
	ASSERT_EQ(RSM_SUCCESS, import_seg(self->ctl, 0x4a0001, RSM_PERM_RDWR,
					  &im));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_init_barrier(im,
					RSM_BAR_DEFAULT, &bar));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_map(im, &addr, RSM_MAP_NONE,
						     RSM_PERM_RDWR, 0,
						     self->pg));
	map = addr;
	/* Both importers hold the page before either writes back. */
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_open_barrier(&bar));
	EXPECT_EQ(0, map[0]);
	sleep(2);
	memset(map + (self->me == 2 ? 0 : 100), self->me == 2 ? 'b' : 'c',
	       100);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_close_barrier(&bar));
	EXPECT_EQ(RSM_SUCCESS, rsm_intr_signal_post(im, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_unmap(im));
	rsm_memseg_import_destroy_barrier(&bar);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
}

TEST_F_TIMEOUT(map, read_only_grant_maps_read_only, 300)
{
	rsmapi_access_entry_t acl[2] = { { 2, 0444 }, { 3, 0444 } };
	rsm_memseg_export_handle_t ex;
	rsm_memseg_import_handle_t im;
	void *addr = NULL;
	char *mem;
	pid_t pid;
	int st;

	if (self->me > 2)
		SKIP(return, "nodes 1 and 2 only");
	if (self->me == 1) {
		mem = export_pages(_metadata, self->ctl, self->pg, 0x4a0002,
				   acl, 2, &ex);
		ASSERT_NE(NULL, mem);
		strcpy(mem, "read me");
		ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(ex, WAIT_MS));
		EXPECT_STREQ("read me", mem);
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_destroy(ex));
		munmap(mem, self->pg);
		return;
	}
	ASSERT_EQ(RSM_SUCCESS, import_seg(self->ctl, 0x4a0002, RSM_PERM_READ,
					  &im));
	EXPECT_EQ(RSMERR_BAD_PERMS,
		  rsm_memseg_import_map(im, &addr, RSM_MAP_NONE,
					RSM_PERM_RDWR, 0, self->pg));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_map(im, &addr, RSM_MAP_NONE,
						     RSM_PERM_READ, 0,
						     self->pg));
	EXPECT_STREQ("read me", (char *)addr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		((char *)addr)[0] = 'w';
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGSEGV, WTERMSIG(st));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_unmap(im));
	EXPECT_EQ(RSM_SUCCESS, rsm_intr_signal_post(im, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
}

/* What the threads racing the storing thread share. */
struct racer {
	rsm_memseg_import_handle_t im;
	char *map;
	size_t len, pg;
	atomic_bool stop;
	long rounds;
	int err;
};

/* Open and close barriers: each open drops the clean copies. */
static void *barrier_racer(void *arg)
{
	struct racer *r = arg;
	rsmapi_barrier_t bar;

	r->err = rsm_memseg_import_init_barrier(r->im, RSM_BAR_DEFAULT, &bar);
	while (!r->err && !atomic_load(&r->stop)) {
		r->err = rsm_memseg_import_open_barrier(&bar);
		if (!r->err)
			r->err = rsm_memseg_import_close_barrier(&bar);
		r->rounds++;
	}
	rsm_memseg_import_destroy_barrier(&bar);
	return NULL;
}

/* Read every page: read faults race the drops. */
static void *read_racer(void *arg)
{
	struct racer *r = arg;
	size_t off;

	while (!atomic_load(&r->stop)) {
		for (off = 0; off < r->len; off += r->pg)
			(void)__atomic_load_n(&r->map[off], __ATOMIC_RELAXED);
		r->rounds++;
	}
	return NULL;
}

/*
 * A write fault that raced an open barrier's drop of clean copies used to
 * map a copy that had just left the cache, so its stores were never written
 * back; a read fault there freed a page still locked ("Bad page state").
 * Each round stores through the mapping, writes back, and reads the
 * exporter's bytes by RDMA READ, while other threads open barriers and read.
 */
TEST_F_TIMEOUT(map, stores_racing_barriers_are_written_back, 300)
{
	struct racer br = {}, rr = {};
	rsm_memseg_export_handle_t ex;
	rsmapi_barrier_t bar;
	pthread_t bt, rt;
	size_t len = 4 * self->pg, off;
	void *addr = NULL;
	uint32_t i, got;
	char *mem;

	if (self->me > 2)
		SKIP(return, "nodes 1 and 2 only");
	if (self->me == 1) {
		mem = export_pages(_metadata, self->ctl, len, 0x4a0003, NULL, 0,
				   &ex);
		ASSERT_NE(NULL, mem);
		ASSERT_EQ(RSM_SUCCESS, rsm_intr_signal_wait(ex, WAIT_MS));
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_destroy(ex));
		munmap(mem, len);
		return;
	}
	ASSERT_EQ(RSM_SUCCESS, import_seg(self->ctl, 0x4a0003, RSM_PERM_RDWR,
					  &br.im));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_init_barrier(br.im,
					RSM_BAR_DEFAULT, &bar));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_map(br.im, &addr,
						     RSM_MAP_NONE,
						     RSM_PERM_RDWR, 0, len));
	br.map = addr;
	br.len = len;
	br.pg = self->pg;
	rr = br;
	ASSERT_EQ(0, pthread_create(&bt, NULL, barrier_racer, &br));
	ASSERT_EQ(0, pthread_create(&rt, NULL, read_racer, &rr));
	for (i = 1; i <= RACE_ROUNDS; i++) {
		off = (i % 4) * self->pg + 64;
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_open_barrier(&bar));
		__atomic_store_n((uint32_t *)(br.map + off), i,
				 __ATOMIC_RELAXED);
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_close_barrier(&bar));
		ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(br.im, off, &got,
							     sizeof(got)));
		ASSERT_EQ(i, got) {
			TH_LOG("round %u: the store to page %zu was lost",
			       i, off / self->pg);
		}
	}
	atomic_store(&br.stop, true);
	atomic_store(&rr.stop, true);
	ASSERT_EQ(0, pthread_join(bt, NULL));
	ASSERT_EQ(0, pthread_join(rt, NULL));
	EXPECT_EQ(RSM_SUCCESS, br.err);
	EXPECT_LT(0, br.rounds);
	EXPECT_LT(0, rr.rounds);
	TH_LOG("%ld barrier rounds and %ld read rounds raced %d stores",
	       br.rounds, rr.rounds, RACE_ROUNDS);
	EXPECT_EQ(RSM_SUCCESS, rsm_intr_signal_post(br.im, 0));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_unmap(br.im));
	rsm_memseg_import_destroy_barrier(&bar);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(br.im));
}

TEST_HARNESS_MAIN
