// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/rsm ioctl ABI: the handshake, controller queries, and the
 * rejection of every malformed request (unknown commands, flags, non-zero
 * reserved fields, bad strings, bad pointers). Needs the module loaded;
 * the RDMA controller tests also need the controller named by $RSM_CTRL.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "rsm_test.h"
#include <linux/rsm_netlink.h>

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = rsm_open();
	if (self->fd < 0)
		SETUP_SKIP("%s: %s (module not loaded)", RSM_DEV,
			   strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, api_handshake_reports_ioctls)
{
	struct rsm_api api = { .api = RSM_API_VERSION };

	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_API, &api));
	EXPECT_EQ(RSM_API_VERSION, api.api);
	EXPECT_EQ(__RSM_FEATURE_ALL, api.features);
	EXPECT_TRUE(api.ioctls & (1ULL << _IOC_NR(RSM_IOC_API)));
	EXPECT_TRUE(api.ioctls & (1ULL << _IOC_NR(RSM_IOC_CTRL_QUERY)));
	EXPECT_TRUE(api.ioctls & (1ULL << _IOC_NR(RSM_IOC_TOPOLOGY)));
}

TEST_F(dev, api_rejects_unknown_version)
{
	struct rsm_api api = { .api = RSM_API_VERSION + 1 };

	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_API, &api));
	api.api = 0;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_API, &api));
}

TEST_F(dev, api_rejects_unknown_feature)
{
	struct rsm_api api = { .api = RSM_API_VERSION };
	int bit;

	for (bit = 0; bit < 64; bit++) {
		if (__RSM_FEATURE_ALL & (1ULL << bit))
			continue;
		api.features = 1ULL << bit;
		EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_API, &api));
	}
}

TEST_F(dev, api_rejects_nonzero_reserved)
{
	struct rsm_api api = { .api = RSM_API_VERSION, .reserved = 1 };

	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_API, &api));
}

TEST_F(dev, bad_pointer_is_efault)
{
	EXPECT_EQ(EFAULT, rsm_ioctl_err(self->fd, RSM_IOC_API, NULL));
	EXPECT_EQ(EFAULT, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY,
					(void *)8));
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	struct rsm_api api = { .api = RSM_API_VERSION };
	char buf[256] = { 0 };
	int nr;

	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_API, &api));
	for (nr = 0; nr < 0x40; nr++) {
		if (api.ioctls & (1ULL << nr))
			continue;
		EXPECT_EQ(ENOTTY, rsm_ioctl_err(self->fd,
				_IOWR(RSM_IOC_MAGIC, nr, struct rsm_api), buf));
	}
	/* Right number, wrong size or direction: a different command. */
	EXPECT_EQ(ENOTTY, rsm_ioctl_err(self->fd,
			_IOW(RSM_IOC_MAGIC, 0x00, struct rsm_api), buf));
	EXPECT_EQ(ENOTTY, rsm_ioctl_err(self->fd,
			_IOWR(RSM_IOC_MAGIC, 0x01, struct rsm_api), buf));
	EXPECT_EQ(ENOTTY, rsm_ioctl_err(self->fd, _IO('T', 0x01), buf));
}

static int query_name(int fd, const char *name, struct rsm_ctrl_attr *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	return rsm_ioctl_err(fd, RSM_IOC_CTRL_QUERY, a);
}

TEST_F(dev, loopback_controller_always_exists)
{
	struct rsm_ctrl_attr a;

	ASSERT_EQ(0, query_name(self->fd, RSM_CTRL_LOOPBACK_NAME, &a));
	EXPECT_STREQ(RSM_CTRL_LOOPBACK_NAME, a.name);
	EXPECT_EQ(RSM_CTRL_TYPE_LOOPBACK, a.type);
	EXPECT_EQ(0, a.hwaddr);
	EXPECT_NE(0, a.id);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), (long)a.page_size);
	EXPECT_EQ(RSM_ACCESS_8 | RSM_ACCESS_16 | RSM_ACCESS_32 |
		  RSM_ACCESS_64, a.direct_access_sizes);
	EXPECT_EQ(0, a.atomic_sizes);
	EXPECT_EQ(0, a.max_export_segment_size % a.page_size);
	EXPECT_GT(a.max_export_segment_size, 0);
	EXPECT_LE(a.max_export_segment_size, a.tot_export_segment_size);
	EXPECT_GT(a.max_export_segments, 0);
	EXPECT_GT(a.max_import_segments, 0);
	EXPECT_LE(a.max_import_map_size, a.tot_import_map_size);
}

TEST_F(dev, controller_id_is_stable)
{
	struct rsm_ctrl_attr a, b;

	ASSERT_EQ(0, query_name(self->fd, RSM_CTRL_LOOPBACK_NAME, &a));
	ASSERT_EQ(0, query_name(self->fd, RSM_CTRL_LOOPBACK_NAME, &b));
	EXPECT_EQ(a.id, b.id);
}

TEST_F(dev, query_by_index_lists_every_controller_once)
{
	struct rsm_ctrl_attr a, b;
	int loopback = 0, rdma = 0;
	__u32 i;

	for (i = 0;; i++) {
		memset(&a, 0, sizeof(a));
		a.flags = RSM_CTRL_F_BY_INDEX;
		a.index = i;
		if (rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY, &a))
			break;
		EXPECT_EQ(i, a.index);
		EXPECT_EQ(RSM_CTRL_F_BY_INDEX, a.flags);
		/* The same controller is found by its name. */
		ASSERT_EQ(0, query_name(self->fd, a.name, &b));
		EXPECT_EQ(a.id, b.id);
		loopback += !strcmp(a.name, RSM_CTRL_LOOPBACK_NAME);
		rdma += rsm_rdma_ctrl() && !strcmp(a.name, rsm_rdma_ctrl());
	}
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(1, loopback);
	EXPECT_EQ(rsm_rdma_ctrl() ? 1 : 0, rdma);
}

TEST_F(dev, query_index_past_end_is_enoent)
{
	struct rsm_ctrl_attr a = { .flags = RSM_CTRL_F_BY_INDEX,
				   .index = 0xffffffff };

	EXPECT_EQ(ENOENT, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY, &a));
}

TEST_F(dev, query_unknown_name_is_enodev)
{
	struct rsm_ctrl_attr a;

	EXPECT_EQ(ENODEV, query_name(self->fd, "nosuchdev0", &a));
	EXPECT_EQ(ENODEV, query_name(self->fd, "loopback0", &a));
	EXPECT_EQ(ENODEV, query_name(self->fd, "LOOPBACK", &a));
}

TEST_F(dev, query_rejects_malformed_requests)
{
	struct rsm_ctrl_attr a;
	int bit;

	for (bit = 0; bit < 32; bit++) {
		if (__RSM_CTRL_F_ALL & (1U << bit))
			continue;
		query_name(self->fd, RSM_CTRL_LOOPBACK_NAME, &a);
		a.flags = 1U << bit;
		EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY,
						&a));
	}

	query_name(self->fd, RSM_CTRL_LOOPBACK_NAME, &a);
	a.reserved = 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY, &a));

	/* By name: no index, a non-empty NUL-terminated name. */
	query_name(self->fd, RSM_CTRL_LOOPBACK_NAME, &a);
	a.index = 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY, &a));
	memset(&a, 0, sizeof(a));
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY, &a));
	memset(a.name, 'l', sizeof(a.name));
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY, &a));

	/* By index: the name must be all zero. */
	memset(&a, 0, sizeof(a));
	a.flags = RSM_CTRL_F_BY_INDEX;
	a.name[sizeof(a.name) - 1] = 'x';
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY, &a));
}

/* Output fields the caller filled with junk all come back written. */
TEST_F(dev, query_output_is_fully_initialised)
{
	struct rsm_ctrl_attr a;
	size_t i, len;

	query_name(self->fd, RSM_CTRL_LOOPBACK_NAME, &a);
	memset(&a.id, 0xa5, sizeof(a) - offsetof(struct rsm_ctrl_attr, id));
	a.reserved = 0;
	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY, &a));
	len = strlen(a.name);
	for (i = len; i < sizeof(a.name); i++)
		EXPECT_EQ(0, a.name[i]);
	EXPECT_EQ(0, a.hwaddr);
	EXPECT_EQ(0, a.atomic_sizes);
	EXPECT_EQ(0, a.reserved);
	EXPECT_EQ(RSM_CTRL_TYPE_LOOPBACK, a.type);
}

/* The RDMA controller reflects the device: its GUID and its limits. */
TEST_F(dev, rdma_controller_matches_device)
{
	const char *ctrl = rsm_rdma_ctrl();
	struct rsm_ctrl_attr a;
	char path[256], guid[64];
	unsigned int g[4];
	__u64 want;
	int got;
	FILE *f;

	if (!ctrl)
		SKIP(return, "no RDMA controller ($RSM_CTRL unset)");
	ASSERT_EQ(0, query_name(self->fd, ctrl, &a));
	EXPECT_EQ(RSM_CTRL_TYPE_RDMA, a.type);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), (long)a.page_size);
	EXPECT_GT(a.max_export_segment_size, 0);
	EXPECT_GT(a.max_export_segments, 0);

	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/node_guid",
		 ctrl);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(guid, sizeof(guid), f));
	fclose(f);
	got = sscanf(guid, "%x:%x:%x:%x", &g[0], &g[1], &g[2], &g[3]);
	ASSERT_EQ(4, got);
	want = (__u64)g[0] << 48 | (__u64)g[1] << 32 | (__u64)g[2] << 16 |
	       g[3];
	EXPECT_EQ(want, a.hwaddr);
}

/* Segment commands: validation of every field, object kinds, teardown. */

static int create_export(int fd, void *mem, size_t len, __u32 flags)
{
	struct rsm_export_create c = { .vaddr = (unsigned long)mem,
				       .len = len, .flags = flags };

	strcpy(c.ctrl, RSM_CTRL_LOOPBACK_NAME);
	return rsm_ioctl_err(fd, RSM_IOC_EXPORT_CREATE, &c);
}

FIXTURE(seg) {
	int fd;
	size_t pg;
	char *mem;
};

FIXTURE_SETUP(seg)
{
	self->fd = rsm_open();
	if (self->fd < 0)
		SETUP_SKIP("%s: %s (module not loaded)", RSM_DEV,
			   strerror(errno));
	self->pg = sysconf(_SC_PAGESIZE);
	self->mem = mmap(NULL, 4 * self->pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(seg)
{
	if (self->fd >= 0)
		close(self->fd);
	munmap(self->mem, 4 * self->pg);
}

TEST_F(seg, segment_commands_need_a_segment)
{
	struct rsm_export_publish p = { 0 };
	struct rsm_iov iov = { 0 };

	EXPECT_EQ(EBADFD, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	EXPECT_EQ(EBADFD, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_UNPUBLISH,
					NULL));
	EXPECT_EQ(EBADFD, rsm_ioctl_err(self->fd, RSM_IOC_IMPORT_GET, &iov));
	/* An export is no import, and becomes nothing else. */
	ASSERT_EQ(0, create_export(self->fd, self->mem, self->pg, 0));
	EXPECT_EQ(EBADFD, rsm_ioctl_err(self->fd, RSM_IOC_IMPORT_PUT, &iov));
	EXPECT_EQ(EBADFD, create_export(self->fd, self->mem, self->pg, 0));
}

TEST_F(seg, export_create_rejects_malformed_requests)
{
	struct rsm_export_create c;
	struct rsm_ctrl_attr a;
	int bit;

	for (bit = 0; bit < 32; bit++)
		if (!(__RSM_EXPORT_F_ALL & (1U << bit)))
			EXPECT_EQ(EINVAL, create_export(self->fd, self->mem,
							self->pg, 1U << bit));
	EXPECT_EQ(EINVAL, create_export(self->fd, self->mem + 1, self->pg, 0));
	EXPECT_EQ(EINVAL, create_export(self->fd, self->mem, self->pg + 1, 0));
	EXPECT_EQ(EINVAL, create_export(self->fd, self->mem, 0, 0));
	EXPECT_EQ(EINVAL, create_export(self->fd, (void *)-self->pg,
					2 * self->pg, 0));

	memset(&c, 0, sizeof(c));
	strcpy(c.ctrl, RSM_CTRL_LOOPBACK_NAME);
	c.vaddr = (unsigned long)self->mem;
	c.len = self->pg;
	c.reserved = 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_CREATE, &c));
	c.reserved = 0;
	memset(c.ctrl, 'x', sizeof(c.ctrl));
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_CREATE, &c));
	strcpy(c.ctrl, "nosuchdev0");
	EXPECT_EQ(ENODEV, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_CREATE, &c));
	/* A controller id that is not the controller's: it came back. */
	ASSERT_EQ(0, query_name(self->fd, RSM_CTRL_LOOPBACK_NAME, &a));
	strcpy(c.ctrl, RSM_CTRL_LOOPBACK_NAME);
	c.ctrl_id = a.id + 1000;
	EXPECT_EQ(ENODEV, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_CREATE, &c));
	c.ctrl_id = 0;
	c.len = a.max_export_segment_size + self->pg;
	EXPECT_EQ(ERANGE, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_CREATE, &c));
	/* Memory that is not mapped. */
	c.len = self->pg;
	c.vaddr = (unsigned long)self->mem;
	munmap(self->mem + 3 * self->pg, self->pg);
	c.vaddr = (unsigned long)self->mem + 3 * self->pg;
	EXPECT_EQ(EFAULT, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_CREATE, &c));
	/* After all that, the file is still fresh. */
	EXPECT_EQ(0, create_export(self->fd, self->mem, self->pg, 0));
}

TEST_F(seg, publish_rejects_malformed_access_lists)
{
	struct rsm_acl_entry acl[RSM_ACL_MAX + 1];
	struct rsm_export_publish p = { .acl = (unsigned long)acl };
	int i;

	ASSERT_EQ(0, create_export(self->fd, self->mem, self->pg, 0));
	for (i = 0; i <= RSM_ACL_MAX; i++) {
		acl[i].node = 1 + i % RSM_NODE_ID_MAX;
		acl[i].perm = 0600;
	}
	p.acl_len = RSM_ACL_MAX + 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	p.acl_len = 1;
	acl[0].node = 0;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	acl[0].node = RSM_NODE_ID_MAX + 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	acl[0].node = 1;
	acl[0].perm = 0700;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	p.acl_len = 0;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	p.acl = 0;
	p.reserved = 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	p.reserved = 0;
	p.acl_len = 1;
	p.acl = 8;
	EXPECT_EQ(EFAULT, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	/* Nothing was published by any of that. */
	EXPECT_EQ(ENOENT, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_UNPUBLISH,
					NULL));
}

static int connect_seg(int fd, __u32 node, __u32 segid, __u32 perm,
		       struct rsm_import_connect *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->ctrl, RSM_CTRL_LOOPBACK_NAME);
	c->node = node;
	c->segid = segid;
	c->perm = perm;
	return rsm_ioctl_err(fd, RSM_IOC_IMPORT_CONNECT, c);
}

static __u32 local_node(int fd)
{
	struct rsm_topo t = { 0 };

	return ioctl(fd, RSM_IOC_TOPOLOGY, &t) ? 0 : t.local_node;
}

/* Publish a loopback export of one page; return its id. */
static __u32 publish_page(int fd, void *mem, size_t pg)
{
	struct rsm_export_publish p = { 0 };

	if (create_export(fd, mem, pg, 0) ||
	    rsm_ioctl_err(fd, RSM_IOC_EXPORT_PUBLISH, &p))
		return 0;
	return p.segid;
}

/*
 * A publish whose argument cannot be written back (the id) fails and
 * publishes nothing: no importer finds the id, which is free again, and
 * the export is as unpublished as before.
 */
TEST_F(seg, publish_that_cannot_report_its_id_publishes_nothing)
{
	struct rsm_export_publish *ro, p = { .segid = 0x4b0001 };
	struct rsm_import_connect c;
	int imp = rsm_open();

	ASSERT_LE(0, imp);
	ASSERT_EQ(0, create_export(self->fd, self->mem, self->pg, 0));
	ro = (void *)(self->mem + 2 * self->pg);
	*ro = p;
	ASSERT_EQ(0, mprotect(ro, self->pg, PROT_READ));
	EXPECT_EQ(EFAULT, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, ro));
	EXPECT_EQ(ENOENT, connect_seg(imp, local_node(self->fd), p.segid,
				      0600, &c));
	EXPECT_EQ(ENOENT, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_UNPUBLISH,
					NULL));
	EXPECT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	EXPECT_EQ(0x4b0001, p.segid);
	EXPECT_EQ(0, connect_seg(imp, local_node(self->fd), p.segid, 0600,
				 &c));
	close(imp);
}

TEST_F(seg, import_connect_rejects_malformed_requests)
{
	struct rsm_import_connect c;
	__u32 me = local_node(self->fd);
	int imp = rsm_open();

	ASSERT_LE(0, imp);
	EXPECT_EQ(EINVAL, connect_seg(imp, me, 1, 0700, &c));
	EXPECT_EQ(EINVAL, connect_seg(imp, me, 1, 0004, &c));
	connect_seg(imp, me, 1, 0600, &c);
	c.reserved = 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(imp, RSM_IOC_IMPORT_CONNECT, &c));
	c.reserved = 0;
	c.size = 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(imp, RSM_IOC_IMPORT_CONNECT, &c));
	/* Loopback reaches only this node. */
	EXPECT_EQ(ENODEV, connect_seg(imp, me + 1, 1, 0600, &c));
	EXPECT_EQ(ENOENT, connect_seg(imp, me, 0xfffffff0, 0600, &c));
	close(imp);
}

TEST_F(seg, loopback_import_moves_data_and_checks_bounds)
{
	struct rsm_import_connect c;
	__u32 me = local_node(self->fd), id;
	struct rsm_iov iov[RSM_IOV_MAX + 1];
	struct rsm_import_vec v = { .iov = (unsigned long)iov };
	char buf[64] = "written through the import";
	int imp = rsm_open();

	ASSERT_LE(0, imp);
	id = publish_page(self->fd, self->mem, self->pg);
	ASSERT_GE(id, RSM_SEGID_AUTO_BASE);
	ASSERT_EQ(0, connect_seg(imp, me, id, 0600, &c));
	EXPECT_EQ(self->pg, c.size);
	EXPECT_EQ(0600, c.perm);

	iov[0] = (struct rsm_iov){ .offset = 100, .len = sizeof(buf),
				   .buf = (unsigned long)buf };
	ASSERT_EQ(0, rsm_ioctl_err(imp, RSM_IOC_IMPORT_PUT, &iov[0]));
	EXPECT_EQ(0, memcmp(self->mem + 100, buf, sizeof(buf)));
	self->mem[200] = 'Q';
	iov[0].offset = 200;
	iov[0].len = 1;
	ASSERT_EQ(0, rsm_ioctl_err(imp, RSM_IOC_IMPORT_GET, &iov[0]));
	EXPECT_EQ('Q', buf[0]);

	/* Bounds, including overflow of offset + len. */
	iov[0].offset = self->pg;
	iov[0].len = 1;
	EXPECT_EQ(ERANGE, rsm_ioctl_err(imp, RSM_IOC_IMPORT_GET, &iov[0]));
	iov[0].offset = 1;
	iov[0].len = ~0ULL;
	EXPECT_EQ(ERANGE, rsm_ioctl_err(imp, RSM_IOC_IMPORT_PUT, &iov[0]));
	iov[0].len = 1;
	iov[0].buf = 8;
	EXPECT_EQ(EFAULT, rsm_ioctl_err(imp, RSM_IOC_IMPORT_PUT, &iov[0]));

	/* Vectors: count limits, flags, and how far a failing one got. */
	v.count = 0;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(imp, RSM_IOC_IMPORT_PUTV, &v));
	v.count = RSM_IOV_MAX + 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(imp, RSM_IOC_IMPORT_PUTV, &v));
	v.count = 1;
	v.flags = 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(imp, RSM_IOC_IMPORT_PUTV, &v));
	v.flags = 0;
	iov[0] = (struct rsm_iov){ .offset = 0, .len = 4,
				   .buf = (unsigned long)"abcd" };
	iov[1] = iov[0];
	iov[1].offset = 8;
	iov[2] = iov[0];
	iov[2].offset = self->pg - 2;
	v.count = 3;
	EXPECT_EQ(ERANGE, rsm_ioctl_err(imp, RSM_IOC_IMPORT_PUTV, &v));
	EXPECT_EQ(2, v.done);
	EXPECT_EQ(0, memcmp(self->mem + 8, "abcd", 4));
	close(imp);
}

TEST_F(seg, barrier_reports_a_forced_disconnect)
{
	struct rsm_barrier b = { .op = RSM_BARRIER_OPEN };
	struct rsm_import_connect c;
	__u32 me = local_node(self->fd), id;
	struct rsm_iov iov = { .len = 1, .buf = (unsigned long)"x" };
	int imp = rsm_open();

	ASSERT_LE(0, imp);
	id = publish_page(self->fd, self->mem, self->pg);
	ASSERT_NE(0, id);
	ASSERT_EQ(0, connect_seg(imp, me, id, 0600, &c));
	ASSERT_EQ(0, rsm_ioctl_err(imp, RSM_IOC_IMPORT_BARRIER, &b));
	b.op = RSM_BARRIER_CLOSE;
	EXPECT_EQ(0, rsm_ioctl_err(imp, RSM_IOC_IMPORT_BARRIER, &b));
	b.op = 9;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(imp, RSM_IOC_IMPORT_BARRIER, &b));
	b.op = RSM_BARRIER_OPEN;
	b.reserved = 1;
	EXPECT_EQ(EINVAL, rsm_ioctl_err(imp, RSM_IOC_IMPORT_BARRIER, &b));

	/* Closing the exporter's file forces the importer off. */
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(ECONNABORTED, rsm_ioctl_err(imp, RSM_IOC_IMPORT_PUT, &iov));
	b.op = RSM_BARRIER_CLOSE;
	b.reserved = 0;
	EXPECT_EQ(ECONNABORTED, rsm_ioctl_err(imp, RSM_IOC_IMPORT_BARRIER, &b));
	EXPECT_EQ(0, close(imp));
}

TEST_F(seg, same_node_mapping_is_shared_memory)
{
	struct rsm_import_connect c;
	__u32 me = local_node(self->fd), id;
	char *map;
	int imp = rsm_open();

	ASSERT_LE(0, imp);
	id = publish_page(self->fd, self->mem, self->pg);
	ASSERT_NE(0, id);
	/* Nothing to map before the connect. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, self->pg, PROT_READ, MAP_SHARED,
				   imp, 0));
	ASSERT_EQ(0, connect_seg(imp, me, id, 0600, &c));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, self->pg, PROT_READ, MAP_PRIVATE,
				   imp, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * self->pg, PROT_READ, MAP_SHARED,
				   imp, 0));
	EXPECT_EQ(ENXIO, errno);
	map = mmap(NULL, self->pg, PROT_READ | PROT_WRITE, MAP_SHARED, imp, 0);
	ASSERT_NE(MAP_FAILED, map);
	/* Both ways, no barrier: the same pages. */
	map[10] = 'm';
	EXPECT_EQ('m', self->mem[10]);
	self->mem[20] = 'e';
	EXPECT_EQ('e', map[20]);

	/* Forced off: the mapping now reaches a harmless dummy page. */
	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_UNPUBLISH, NULL));
	map[10] = 'x';
	EXPECT_EQ('m', self->mem[10]);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, self->pg, PROT_READ, MAP_SHARED,
				   imp, 0));
	EXPECT_EQ(ENODEV, errno);
	munmap(map, self->pg);
	close(imp);
}

TEST_F(seg, mapping_never_exceeds_the_granted_access)
{
	struct rsm_export_publish p = { 0 };
	struct rsm_acl_entry acl = { .perm = 0444 };
	struct rsm_import_connect c;
	__u32 me = local_node(self->fd);
	void *map;
	int imp = rsm_open();

	if (!me)
		SKIP(return, "no node id (not in the cluster)");
	ASSERT_LE(0, imp);
	acl.node = me;
	p.acl = (unsigned long)&acl;
	p.acl_len = 1;
	ASSERT_EQ(0, create_export(self->fd, self->mem, self->pg, 0));
	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	EXPECT_EQ(EACCES, connect_seg(imp, me, p.segid, 0600, &c));
	ASSERT_EQ(0, connect_seg(imp, me, p.segid, 0400, &c));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, self->pg, PROT_WRITE, MAP_SHARED,
				   imp, 0));
	EXPECT_EQ(EACCES, errno);
	map = mmap(NULL, self->pg, PROT_READ, MAP_SHARED, imp, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(-1, mprotect(map, self->pg, PROT_READ | PROT_WRITE));
	munmap(map, self->pg);
	close(imp);
}

TEST_F(seg, only_the_creator_changes_an_export)
{
	struct rsm_export_publish p = { 0 };
	__u32 id;
	pid_t pid;
	int st;

	id = publish_page(self->fd, self->mem, self->pg);
	ASSERT_NE(0, id);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The child shares the file, not the right to change it. */
		_exit(rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_UNPUBLISH, NULL) ==
		      EPERM &&
		      rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_REPUBLISH, &p) ==
		      EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_UNPUBLISH, NULL));
}

TEST_F(seg, segment_ids_are_unique_on_a_node)
{
	struct rsm_export_publish p = { .segid = 0x400123 };
	int other = rsm_open();

	ASSERT_LE(0, other);
	ASSERT_EQ(0, create_export(self->fd, self->mem, self->pg, 0));
	ASSERT_EQ(0, create_export(other, self->mem + self->pg, self->pg, 0));
	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH, &p));
	EXPECT_EQ(0x400123, p.segid);
	EXPECT_EQ(EALREADY, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_PUBLISH,
					  &p));
	EXPECT_EQ(EADDRINUSE, rsm_ioctl_err(other, RSM_IOC_EXPORT_PUBLISH,
					    &p));
	/* Freed by unpublish: usable again. */
	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_EXPORT_UNPUBLISH, NULL));
	EXPECT_EQ(0, rsm_ioctl_err(other, RSM_IOC_EXPORT_PUBLISH, &p));
	close(other);
}

TEST_HARNESS_MAIN
