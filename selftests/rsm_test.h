/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the rsm selftests. Tests that need /dev/rsm, root, an
 * RDMA controller or a second node SKIP when it is missing; the QEMU
 * cluster (selftests/qemu/cluster) provides all of them.
 */
#ifndef _RSM_TEST_H
#define _RSM_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
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

/* A number from the environment; @dflt if unset or not a number. */
static inline __u64 rsm_env_u64(const char *name, __u64 dflt)
{
	const char *s = getenv(name);
	char *end;
	__u64 v;

	if (!s || !*s)
		return dflt;
	v = strtoull(s, &end, 0);
	return *end ? dflt : v;
}

/*
 * Read file @path into @buf, at most @size - 1 bytes, and end them with a
 * NUL: the number of bytes read, or -1 (@buf is then empty).
 */
static inline ssize_t rsm_read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* Print the kernel stacks of every task in D state (needs root). */
static inline void rsm_dump_blocked(void)
{
	char path[300], buf[4096], *p;
	struct dirent *d;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		rsm_read_text(path, buf, sizeof(buf));
		p = strrchr(buf, ')');
		if (!p || p[1] != ' ' || p[2] != 'D')
			continue;
		printf("# blocked: %.*s\n", (int)(p + 1 - buf), buf);
		snprintf(path, sizeof(path), "/proc/%s/stack", d->d_name);
		rsm_read_text(path, buf, sizeof(buf));
		for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n"))
			printf("#   %s\n", p);
	}
	closedir(dir);
	fflush(stdout);
}

/* The kernel log from now on (needs root), or -1. */
static inline int rsm_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * The channels this node dropped since rsm_kmsg_open() gave @fd, each
 * printed; not those dropped because the peer went away (retries
 * exceeded, flushes). Closes @fd.
 */
static inline int rsm_kmsg_channel_drops(int fd)
{
	char rec[1024];
	int drops = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, "rsm: ") && strstr(rec, "dropping the channel") &&
		    !strstr(rec, "retry") && !strstr(rec, "flush")) {
			drops++;
			printf("# kernel: %s",
			       strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
		}
	}
	close(fd);
	return drops;
}

#endif /* _RSM_TEST_H */
