/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the rsm selftests. Tests that need /dev/rsm, root, an
 * RDMA controller or a second node SKIP when it is missing; the QEMU
 * cluster (selftests/qemu/cluster) provides all of them.
 */
#ifndef _RSM_TEST_H
#define _RSM_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/rsm.h>

#define RSM_DEV "/dev/rsm"

/*
 * Skip from FIXTURE_SETUP. The harness we build with (Linux 6.1's) runs
 * the test body even after SKIP(return, ...) in setup; leaving the test's
 * child with the harness's skip status (255) stops it there.
 */
#define SETUP_SKIP(fmt, ...) SKIP(_exit(255), fmt, ##__VA_ARGS__)

/* Open /dev/rsm, or -1 when the module is not loaded. */
static inline int rsm_open(void)
{
	return open(RSM_DEV, O_RDWR | O_CLOEXEC);
}

/* The RDMA controller the cluster harness set up, or NULL. */
static inline const char *rsm_rdma_ctrl(void)
{
	const char *c = getenv("RSM_CTRL");

	return c && *c ? c : NULL;
}

/* ioctl() that returns 0 or the errno, for EXPECT_EQ(EINVAL, ...). */
static inline int rsm_ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

#endif /* _RSM_TEST_H */
