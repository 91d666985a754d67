// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/rsm ioctl ABI: the handshake, controller queries, and the
 * rejection of every malformed request (unknown commands, flags, non-zero
 * reserved fields, bad strings, bad pointers). Needs the module loaded;
 * the RDMA controller tests also need the controller named by $RSM_CTRL.
 */
#include <stdio.h>

#include "kselftest_harness.h"
#include "rsm_test.h"

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

TEST_HARNESS_MAIN
