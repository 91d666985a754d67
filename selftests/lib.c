// SPDX-License-Identifier: GPL-2.0
/*
 * librsm through its public API (<rsmapi.h>, -lrsm): controllers, the
 * RSMERR codes of bad arguments, the calls whose kernel support has not
 * landed yet, and rsm_get_segmentid_range(). Tests that need the module
 * SKIP without /dev/rsm; those that need its absence SKIP with it.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "rsm_test.h"
#include "rsmapi.h"

static int have_device(void)
{
	return access(RSM_DEV, F_OK) == 0;
}

#define NO_DEVICE "/dev/rsm missing (module not loaded)"

TEST(get_controller_needs_a_handle_pointer)
{
	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL, rsm_get_controller(NULL, NULL));
	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL, rsm_get_controller("loopback", NULL));
}

TEST(no_module_means_no_controller)
{
	rsmapi_controller_handle_t c = NULL;

	if (have_device())
		SKIP(return, "%s present", RSM_DEV);
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT, rsm_get_controller(NULL, &c));
	EXPECT_EQ(NULL, c);
}

TEST(null_name_is_loopback)
{
	rsmapi_controller_handle_t a, b;

	if (!have_device())
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &a));
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller("loopback", &b));
	EXPECT_EQ(a, b);
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(a));
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(b));
}

TEST(controller_handles_are_reference_counted)
{
	rsmapi_controller_attr_t attr;
	rsmapi_controller_handle_t c, again;

	if (!have_device())
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &c));
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &again));
	ASSERT_EQ(c, again);
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(c));
	/* One reference left: still usable. */
	EXPECT_EQ(RSM_SUCCESS, rsm_get_controller_attr(c, &attr));
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(c));
	/* Released: attributes are gone, a second release is an error. */
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT, rsm_get_controller_attr(c, &attr));
	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL, rsm_release_controller(c));
	/* Asking again revives the same handle. */
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &again));
	EXPECT_EQ(c, again);
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(again));
}

TEST(unknown_controller_is_not_present)
{
	rsmapi_controller_handle_t c = NULL;
	char longname[512];

	if (!have_device())
		SKIP(return, NO_DEVICE);
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT, rsm_get_controller("sci0", &c));
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT, rsm_get_controller("", &c));
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT, rsm_get_controller(longname, &c));
	EXPECT_EQ(NULL, c);
}

TEST(foreign_controller_handle_is_rejected)
{
	rsmapi_controller_attr_t attr;
	long junk[64] = { 0 };
	rsmapi_controller_handle_t bogus = (rsmapi_controller_handle_t)junk;

	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL, rsm_get_controller_attr(NULL, &attr));
	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL, rsm_get_controller_attr(bogus, &attr));
	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL, rsm_release_controller(NULL));
	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL, rsm_release_controller(bogus));
}

TEST(controller_attr_needs_a_buffer)
{
	rsmapi_controller_handle_t c;

	if (!have_device())
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &c));
	EXPECT_EQ(RSMERR_BAD_ADDR, rsm_get_controller_attr(c, NULL));
	rsm_release_controller(c);
}

static void check_attr(struct __test_metadata *_metadata, const char *name)
{
	rsmapi_controller_attr_t attr;
	rsmapi_controller_handle_t c;

	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller((char *)name, &c));
	memset(&attr, 0xa5, sizeof(attr));
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller_attr(c, &attr));
	EXPECT_EQ(RSM_DAS8 | RSM_DAS16 | RSM_DAS32 | RSM_DAS64,
		  attr.attr_direct_access_sizes);
	EXPECT_EQ(0, attr.attr_atomic_sizes);
	EXPECT_EQ((size_t)sysconf(_SC_PAGESIZE), attr.attr_page_size);
	EXPECT_GT(attr.attr_max_export_segment_size, 0);
	EXPECT_EQ(0, attr.attr_max_export_segment_size % attr.attr_page_size);
	EXPECT_LE(attr.attr_max_export_segment_size,
		  attr.attr_tot_export_segment_size);
	EXPECT_GT(attr.attr_max_export_segments, 0);
	EXPECT_GT(attr.attr_max_import_map_size, 0);
	EXPECT_LE(attr.attr_max_import_map_size,
		  attr.attr_tot_import_map_size);
	EXPECT_GT(attr.attr_max_import_segments, 0);
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(c));
}

TEST(loopback_attributes)
{
	if (!have_device())
		SKIP(return, NO_DEVICE);
	check_attr(_metadata, "loopback");
}

TEST(rdma_controller_attributes)
{
	if (!have_device())
		SKIP(return, NO_DEVICE);
	if (!rsm_rdma_ctrl())
		SKIP(return, "no RDMA controller ($RSM_CTRL unset)");
	check_attr(_metadata, rsm_rdma_ctrl());
}

/*
 * Calls whose kernel half is still to come: bad arguments get the code
 * RSMAPI documents, well-formed calls RSMERR_UNSUPPORTED_OPERATION, never
 * a fake success.
 */
TEST(export_calls_check_arguments)
{
	rsm_memseg_export_handle_t seg = (rsm_memseg_export_handle_t)1;
	rsmapi_access_entry_t acl[1] = { { 1, RSM_PERM_RDWR } };
	rsmapi_controller_handle_t c;
	rsm_memseg_id_t id = 0;
	size_t pg = sysconf(_SC_PAGESIZE);
	char *mem;

	mem = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL,
		  rsm_memseg_export_create(NULL, &seg, mem, pg, 0));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_export_create((void *)1, NULL, mem, pg, 0));
	EXPECT_EQ(RSMERR_BAD_ADDR,
		  rsm_memseg_export_create((void *)1, &seg, NULL, pg, 0));
	EXPECT_EQ(NULL, seg);
	EXPECT_EQ(RSMERR_BAD_LENGTH,
		  rsm_memseg_export_create((void *)1, &seg, mem, 0, 0));
	EXPECT_EQ(RSMERR_BAD_MEM_ALIGNMENT,
		  rsm_memseg_export_create((void *)1, &seg, mem + 1, pg, 0));
	EXPECT_EQ(RSMERR_BAD_MEM_ALIGNMENT,
		  rsm_memseg_export_create((void *)1, &seg, mem, pg + 1, 0));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_export_destroy(NULL));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_export_rebind(NULL, mem, 0, pg));
	EXPECT_EQ(RSMERR_BAD_ADDR,
		  rsm_memseg_export_rebind((void *)1, NULL, 0, pg));
	EXPECT_EQ(RSMERR_BAD_SEGID,
		  rsm_memseg_export_publish((void *)1, NULL, acl, 1));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_export_publish(NULL, &id, acl, 1));
	EXPECT_EQ(RSMERR_BAD_ACL,
		  rsm_memseg_export_publish((void *)1, &id, NULL, 1));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_export_unpublish(NULL));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_export_republish(NULL, acl, 1));
	EXPECT_EQ(RSMERR_BAD_ACL,
		  rsm_memseg_export_republish((void *)1, NULL, 1));
	EXPECT_EQ(RSMERR_BAD_ADDR,
		  rsm_create_localmemory_handle((void *)1, NULL, mem + 1, pg));
	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL,
		  rsm_create_localmemory_handle(NULL, NULL, mem, pg));
	EXPECT_EQ(RSMERR_BAD_LOCALMEM_HNDL,
		  rsm_create_localmemory_handle((void *)1, NULL, mem, pg));
	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL,
		  rsm_free_localmemory_handle(NULL, (void *)1));
	EXPECT_EQ(RSMERR_BAD_LOCALMEM_HNDL,
		  rsm_free_localmemory_handle((void *)1, NULL));

	if (!have_device())
		return;
	/* Well-formed, on a real controller. */
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &c));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_create(c, &seg, mem, pg, 0));
	EXPECT_NE(NULL, seg);
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_destroy(seg));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_export_destroy(seg));
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(c));
	/* A released controller is refused. */
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT,
		  rsm_memseg_export_create(c, &seg, mem, pg, 0));
	munmap(mem, 2 * pg);
}

TEST(import_calls_check_arguments)
{
	rsm_memseg_import_handle_t im = (rsm_memseg_import_handle_t)1;
	rsm_memseg_import_handle_t fake = (rsm_memseg_import_handle_t)1;
	rsm_scat_gath_t sg = { 0 };
	rsmapi_controller_handle_t c;
	rsm_topology_t *tp;
	uint64_t buf[2];
	void *addr;

	EXPECT_EQ(RSMERR_BAD_CTLR_HNDL,
		  rsm_memseg_import_connect(NULL, 1, 0x400000,
					    RSM_PERM_RDWR, &im));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_import_connect((void *)1, 1, 0x400000,
					    RSM_PERM_RDWR, NULL));
	EXPECT_EQ(RSMERR_PERM_DENIED,
		  rsm_memseg_import_connect((void *)1, 1, 0x400000,
					    0700, &im));
	EXPECT_EQ(NULL, im);
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_import_disconnect(NULL));

	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_import_get(NULL, 0, buf, 8));
	EXPECT_EQ(RSMERR_BAD_ADDR, rsm_memseg_import_get(fake, 0, NULL, 8));
	EXPECT_EQ(RSMERR_BAD_MEM_ALIGNMENT,
		  rsm_memseg_import_get16(fake, 0, (uint16_t *)((char *)buf + 1),
					  1));
	EXPECT_EQ(RSMERR_BAD_MEM_ALIGNMENT,
		  rsm_memseg_import_get32(fake, 2, (uint32_t *)buf, 1));
	EXPECT_EQ(RSMERR_BAD_MEM_ALIGNMENT,
		  rsm_memseg_import_put64(fake, 4, buf, 1));
	EXPECT_EQ(RSMERR_BAD_MEM_ALIGNMENT,
		  rsm_memseg_import_put32(fake, 0, (uint32_t *)((char *)buf + 2),
					  1));
	EXPECT_EQ(RSMERR_BAD_ADDR, rsm_memseg_import_put8(fake, 0, NULL, 1));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_import_put(NULL, 0, buf, 8));

	EXPECT_EQ(RSMERR_BAD_SGIO, rsm_memseg_import_getv(NULL));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_import_putv(&sg));
	sg.remote_handle = fake;
	EXPECT_EQ(RSMERR_BAD_SGIO, rsm_memseg_import_putv(&sg));
	sg.io_request_count = RSM_MAX_SGIOREQS + 1;
	EXPECT_EQ(RSMERR_BAD_SGIO, rsm_memseg_import_getv(&sg));

	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_import_map(NULL, &addr, RSM_MAP_NONE,
					RSM_PERM_READ, 0, 4096));
	EXPECT_EQ(RSMERR_BAD_ADDR,
		  rsm_memseg_import_map(fake, NULL, RSM_MAP_NONE,
					RSM_PERM_READ, 0, 4096));
	/* A handle this library did not make. */
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_import_map(fake, &addr, RSM_MAP_NONE, 0700, 0,
					4096));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_import_unmap(NULL));

	if (!have_device())
		return;
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &c));
	ASSERT_EQ(RSM_SUCCESS, rsm_get_interconnect_topology(&tp));
	/* Loopback: this node's segments only. */
	EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED,
		  rsm_memseg_import_connect(c, tp->topology_hdr.local_nodeid,
					    0x7ffffff0, RSM_PERM_RDWR, &im));
	EXPECT_EQ(NULL, im);
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT,
		  rsm_memseg_import_connect(c,
					    tp->topology_hdr.local_nodeid + 1,
					    0x400000, RSM_PERM_RDWR, &im));
	rsm_free_interconnect_topology(tp);
	EXPECT_EQ(RSM_SUCCESS, rsm_release_controller(c));
}

/* Map and unmap, in RSMAPI's order of checks, on a loopback segment. */
TEST(map_checks_and_shares_memory)
{
	rsmapi_controller_handle_t c;
	rsm_memseg_export_handle_t ex;
	rsm_memseg_import_handle_t im;
	rsm_memseg_id_t id = 0;
	rsm_topology_t *tp;
	size_t pg = sysconf(_SC_PAGESIZE);
	char *mem, *fixed;
	void *addr = NULL;

	if (!have_device())
		SKIP(return, NO_DEVICE);
	mem = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &c));
	ASSERT_EQ(RSM_SUCCESS, rsm_get_interconnect_topology(&tp));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_create(c, &ex, mem, 2 * pg,
							0));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_publish(ex, &id, NULL, 0));
	ASSERT_EQ(RSM_SUCCESS,
		  rsm_memseg_import_connect(c, tp->topology_hdr.local_nodeid,
					    id, RSM_PERM_RDWR, &im));

	EXPECT_EQ(RSMERR_BAD_PERMS,
		  rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, 0700, 0, pg));
	EXPECT_EQ(RSMERR_BAD_LENGTH,
		  rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR,
					0, 0));
	EXPECT_EQ(RSMERR_BAD_LENGTH,
		  rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR,
					pg, 2 * pg));
	EXPECT_EQ(RSMERR_BAD_MEM_ALIGNMENT,
		  rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_RDWR,
					1, pg));
	fixed = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fixed);
	addr = fixed + 1;
	EXPECT_EQ(RSMERR_BAD_MEM_ALIGNMENT,
		  rsm_memseg_import_map(im, &addr, RSM_MAP_FIXED,
					RSM_PERM_RDWR, 0, pg));
	EXPECT_EQ(RSMERR_SEG_NOT_MAPPED, rsm_memseg_import_unmap(im));

	/* RSM_MAP_FIXED lands where asked; the memory is the exporter's. */
	addr = fixed;
	ASSERT_EQ(RSM_SUCCESS,
		  rsm_memseg_import_map(im, &addr, RSM_MAP_FIXED,
					RSM_PERM_RDWR, pg, pg));
	EXPECT_EQ(fixed, addr);
	((char *)addr)[5] = 'z';
	EXPECT_EQ('z', mem[pg + 5]);
	EXPECT_EQ(RSMERR_SEG_ALREADY_MAPPED,
		  rsm_memseg_import_map(im, &addr, RSM_MAP_NONE, RSM_PERM_READ,
					0, pg));
	EXPECT_EQ(RSMERR_SEG_STILL_MAPPED, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_unmap(im));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im));
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_destroy(ex));
	rsm_free_interconnect_topology(tp);
	rsm_release_controller(c);
	munmap(mem, 2 * pg);
}

/*
 * Forced off, a mapping shows a zeroed page of its own import: a store to
 * one reaches no other import, and not the exporter's memory.
 */
TEST(forced_off_mappings_do_not_share_a_page)
{
	rsmapi_controller_handle_t c;
	rsm_memseg_export_handle_t ex;
	rsm_memseg_import_handle_t im[2];
	rsm_memseg_id_t id = 0;
	rsm_topology_t *tp;
	size_t pg = sysconf(_SC_PAGESIZE);
	char *map[2];
	char *mem;
	void *addr;
	int i;

	if (!have_device())
		SKIP(return, NO_DEVICE);
	mem = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 'e', pg);
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller(NULL, &c));
	ASSERT_EQ(RSM_SUCCESS, rsm_get_interconnect_topology(&tp));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_create(c, &ex, mem, pg, 0));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_publish(ex, &id, NULL, 0));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_connect(c,
					tp->topology_hdr.local_nodeid, id,
					RSM_PERM_RDWR, &im[i]));
		addr = NULL;
		ASSERT_EQ(RSM_SUCCESS,
			  rsm_memseg_import_map(im[i], &addr, RSM_MAP_NONE,
						RSM_PERM_RDWR, 0, pg));
		map[i] = addr;
		EXPECT_EQ('e', map[i][0]);
	}
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_export_unpublish(ex));
	EXPECT_EQ(0, map[0][0]);
	map[0][0] = 'x';
	EXPECT_EQ('x', map[0][0]);
	EXPECT_EQ(0, map[1][0]) TH_LOG("a store reached another import");
	EXPECT_EQ('e', mem[0]);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_unmap(im[i]));
		EXPECT_EQ(RSM_SUCCESS, rsm_memseg_import_disconnect(im[i]));
	}
	EXPECT_EQ(RSM_SUCCESS, rsm_memseg_export_destroy(ex));
	rsm_free_interconnect_topology(tp);
	rsm_release_controller(c);
	munmap(mem, pg);
}

TEST(barrier_calls_check_arguments)
{
	rsm_memseg_import_handle_t fake = (rsm_memseg_import_handle_t)1;
	rsmapi_barrier_t bar = { 0 };
	rsm_barrier_mode_t mode;

	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_import_init_barrier(NULL, RSM_BAR_DEFAULT, &bar));
	EXPECT_EQ(RSMERR_BAD_BARRIER_PTR,
		  rsm_memseg_import_init_barrier(fake, RSM_BAR_DEFAULT, NULL));
	EXPECT_EQ(RSMERR_BAD_BARRIER_PTR, rsm_memseg_import_open_barrier(NULL));
	EXPECT_EQ(RSMERR_BAD_BARRIER_PTR,
		  rsm_memseg_import_close_barrier(NULL));
	EXPECT_EQ(RSMERR_BAD_BARRIER_PTR,
		  rsm_memseg_import_order_barrier(NULL));
	EXPECT_EQ(RSMERR_BAD_BARRIER_PTR,
		  rsm_memseg_import_destroy_barrier(NULL));
	/* Never initialised. */
	EXPECT_EQ(RSMERR_BARRIER_UNINITIALIZED,
		  rsm_memseg_import_open_barrier(&bar));
	EXPECT_EQ(RSMERR_BARRIER_UNINITIALIZED,
		  rsm_memseg_import_close_barrier(&bar));
	EXPECT_EQ(RSMERR_BARRIER_UNINITIALIZED,
		  rsm_memseg_import_order_barrier(&bar));
	EXPECT_EQ(RSMERR_BARRIER_UNINITIALIZED,
		  rsm_memseg_import_destroy_barrier(&bar));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_import_get_mode(NULL, &mode));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL,
		  rsm_memseg_import_set_mode(NULL, RSM_BARRIER_MODE_EXPLICIT));
	EXPECT_EQ(RSMERR_BAD_MODE,
		  rsm_memseg_import_set_mode(fake, (rsm_barrier_mode_t)7));
}

TEST(event_and_topology_calls_check_arguments)
{
	struct pollfd pfd;
	int n = -1;

	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_intr_signal_post(NULL, 0));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_intr_signal_wait(NULL, 0));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_get_pollfd(NULL, &pfd));
	EXPECT_EQ(RSMERR_BAD_ADDR, rsm_memseg_get_pollfd((void *)1, NULL));
	EXPECT_EQ(RSMERR_BAD_SEG_HNDL, rsm_memseg_release_pollfd(NULL));
	EXPECT_EQ(RSMERR_BAD_ADDR, rsm_intr_signal_wait_pollfd(NULL, 1, 0, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(RSMERR_BAD_TOPOLOGY_PTR, rsm_get_interconnect_topology(NULL));
	rsm_free_interconnect_topology(NULL);
}

/* rsm_get_segmentid_range() on a file of the test's own. */
FIXTURE(segid) {
	char path[64];
};

FIXTURE_SETUP(segid)
{
	strcpy(self->path, "/tmp/rsm-segid-XXXXXX");
	ASSERT_LE(0, close(mkstemp(self->path)));
	setenv("RSM_SEGMENTID_FILE", self->path, 1);
}

FIXTURE_TEARDOWN(segid)
{
	unlink(self->path);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

TEST_F(segid, first_matching_line_wins)
{
	rsm_memseg_id_t base;
	uint32_t len;

	write_file(self->path,
		   "# reservations\n"
		   "reserved SUNWfoo 0x600000 1000\n"
		   "\n"
		   "RESERVED Bar 700000 16\n"
		   "reserved bar 0x900000 1\n");
	ASSERT_EQ(RSM_SUCCESS, rsm_get_segmentid_range("SUNWfoo", &base, &len));
	EXPECT_EQ(0x600000, base);
	EXPECT_EQ(1000, len);
	ASSERT_EQ(RSM_SUCCESS, rsm_get_segmentid_range("bar", &base, &len));
	EXPECT_EQ(0x700000, base);
	EXPECT_EQ(16, len);
	EXPECT_EQ(RSMERR_BAD_APPID,
		  rsm_get_segmentid_range("nobody", &base, &len));
}

TEST_F(segid, malformed_files_are_bad_conf)
{
	static const char *const bad[] = {
		"reserved app 0x600000\n",		/* three fields */
		"reserve app 0x600000 10\n",		/* wrong keyword */
		"reserved app 0xzz 10\n",		/* not hex */
		"reserved app 0x600000 ten\n",		/* not decimal */
		"reserved app 0x600000 -1\n",		/* negative */
		"reserved app 0xffffff00 512\n",	/* past 2^32 */
		"short line\nreserved app 0x600000 10\n", /* any bad line */
	};
	rsm_memseg_id_t base;
	uint32_t len;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		write_file(self->path, bad[i]);
		EXPECT_EQ(RSMERR_BAD_CONF,
			  rsm_get_segmentid_range("app", &base, &len))
			TH_LOG("file: %s", bad[i]);
	}
	unlink(self->path);
	EXPECT_EQ(RSMERR_BAD_CONF, rsm_get_segmentid_range("app", &base, &len));
}

TEST_F(segid, null_arguments_are_bad_addr)
{
	rsm_memseg_id_t base;
	uint32_t len;

	EXPECT_EQ(RSMERR_BAD_ADDR, rsm_get_segmentid_range(NULL, &base, &len));
	EXPECT_EQ(RSMERR_BAD_ADDR, rsm_get_segmentid_range("a", NULL, &len));
	EXPECT_EQ(RSMERR_BAD_ADDR, rsm_get_segmentid_range("a", &base, NULL));
}

TEST_HARNESS_MAIN
