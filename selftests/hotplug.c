// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA device removal: `rdma link delete` makes the controller disappear
 * (new lookups fail, existing handles report RSMERR_CTLR_NOT_PRESENT), and
 * re-adding the device makes a new controller with a new id. Needs root,
 * the module and the rxe controller named by $RSM_CTRL (the QEMU cluster).
 */
#include <limits.h>
#include <stdio.h>

#include "kselftest_harness.h"
#include "rsm_test.h"
#include "rsmapi.h"

FIXTURE(rxe) {
	int fd;
	const char *ctrl;
	char netdev[64];
};

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

/* Wait up to 10 s for the controller to (re)appear. */
static int wait_ctrl(int fd, const char *name, struct rsm_ctrl_attr *a)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (!query(fd, name, a))
			return 0;
		usleep(100000);
	}
	return -1;
}

FIXTURE_SETUP(rxe)
{
	char path[PATH_MAX];
	FILE *f;

	self->fd = -1;
	self->ctrl = rsm_rdma_ctrl();
	if (geteuid())
		SETUP_SKIP("needs root");
	if (!self->ctrl)
		SETUP_SKIP("no RDMA controller ($RSM_CTRL unset)");
	self->fd = rsm_open();
	if (self->fd < 0)
		SETUP_SKIP("%s: %s", RSM_DEV, strerror(errno));
	snprintf(path, sizeof(path),
		 "/sys/class/infiniband/%s/ports/1/gid_attrs/ndevs/0",
		 self->ctrl);
	f = fopen(path, "r");
	if (!f)
		SETUP_SKIP("%s is not an rxe device on a netdev", self->ctrl);
	ASSERT_NE(NULL, fgets(self->netdev, sizeof(self->netdev), f));
	fclose(f);
	self->netdev[strcspn(self->netdev, "\n")] = 0;
}

FIXTURE_TEARDOWN(rxe)
{
	struct rsm_ctrl_attr a;

	if (self->fd < 0)
		return;
	/* Leave the node as we found it, whatever happened. */
	if (query(self->fd, self->ctrl, &a))
		run("rdma link add %s type rxe netdev %s", self->ctrl,
		    self->netdev);
	wait_ctrl(self->fd, self->ctrl, &a);
	close(self->fd);
}

TEST_F(rxe, device_removal_removes_controller)
{
	struct rsm_ctrl_attr before, after;
	rsmapi_controller_attr_t attr;
	rsmapi_controller_handle_t old, new;

	ASSERT_EQ(0, query(self->fd, self->ctrl, &before));
	ASSERT_EQ(RSM_SUCCESS, rsm_get_controller((char *)self->ctrl, &old));

	ASSERT_EQ(0, run("rdma link delete %s%s", self->ctrl, ""));
	EXPECT_EQ(ENODEV, query(self->fd, self->ctrl, &after));
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT, rsm_get_controller_attr(old, &attr));
	EXPECT_EQ(RSMERR_CTLR_NOT_PRESENT,
		  rsm_get_controller((char *)self->ctrl, &new));

	ASSERT_EQ(0, run("rdma link add %s type rxe netdev %s", self->ctrl,
			 self->netdev));
	ASSERT_EQ(0, wait_ctrl(self->fd, self->ctrl, &after));
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
