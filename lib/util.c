// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library's control file and the errno to RSMERR translation.
 *
 * The kernel reports failures as ordinary negative errnos; the library
 * turns them into RSMERR_* codes through the one table below, which
 * Documentation/userspace-api.rst lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "librsm.h"

static const struct {
	int err;
	int rsmerr;
} errno_map[] = {
	{ ENODEV, RSMERR_CTLR_NOT_PRESENT },
	{ ENXIO, RSMERR_CTLR_NOT_PRESENT },
	{ EBADFD, RSMERR_BAD_SEG_HNDL },
	{ EALREADY, RSMERR_SEG_ALREADY_PUBLISHED },
	{ ENOENT, RSMERR_SEG_NOT_PUBLISHED },
	{ EKEYREJECTED, RSMERR_SEG_NOT_PUBLISHED_TO_NODE },
	{ EPERM, RSMERR_NOT_CREATOR },
	{ EACCES, RSMERR_PERM_DENIED },
	{ EFAULT, RSMERR_BAD_ADDR },
	{ ERANGE, RSMERR_BAD_LENGTH },
	{ EADDRINUSE, RSMERR_SEGID_IN_USE },
	{ ENOMEM, RSMERR_INSUFFICIENT_MEM },
	{ EAGAIN, RSMERR_INSUFFICIENT_RESOURCES },
	{ EMFILE, RSMERR_INSUFFICIENT_RESOURCES },
	{ ENFILE, RSMERR_INSUFFICIENT_RESOURCES },
	{ ENOSPC, RSMERR_INSUFFICIENT_RESOURCES },
	{ EIO, RSMERR_BARRIER_FAILURE },
	{ EHOSTUNREACH, RSMERR_REMOTE_NODE_UNREACHABLE },
	{ ECONNABORTED, RSMERR_CONN_ABORTED },
	{ EINTR, RSMERR_INTERRUPTED },
	{ ETIMEDOUT, RSMERR_TIMEOUT },
	{ EOPNOTSUPP, RSMERR_UNSUPPORTED_OPERATION },
	{ ENOTTY, RSMERR_UNSUPPORTED_OPERATION },
	{ EPROTO, RSMERR_UNSUPPORTED_VERSION },
};

/*
 * Anything not in the table (EINVAL above all: the kernel saw a request
 * the library should never have built) is an internal error.
 */
int __rsm_errno_to_rsmerr(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errno_map); i++)
		if (errno_map[i].err == err)
			return errno_map[i].rsmerr;
	return RSMERR_INTERNAL_ERROR;
}

static pthread_once_t ctl_once = PTHREAD_ONCE_INIT;
static int ctl_fd = -1;
static int ctl_err;

/* Keep library fds away from 0-2, which programs often close and reuse. */
static int fd_above_stdio(int fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static void ctl_open(void)
{
	struct rsm_api api = { .api = RSM_API_VERSION };
	int fd;

	fd = open(RSM_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		fd = fd_above_stdio(fd);
	if (fd < 0) {
		/* No device: the module is not loaded, no controller exists. */
		ctl_err = errno == ENOENT ? RSMERR_CTLR_NOT_PRESENT :
			  RSMERR_INSUFFICIENT_RESOURCES;
		return;
	}
	if (ioctl(fd, RSM_IOC_API, &api)) {
		ctl_err = errno == EINVAL ? RSMERR_UNSUPPORTED_VERSION :
			  __rsm_errno_to_rsmerr(errno);
		close(fd);
		return;
	}
	ctl_fd = fd;
}

/*
 * __rsm_ctl_fd() - the process-wide control file, opened and handshaken
 * once. Returns RSM_SUCCESS with *fdp set, or the RSMERR code of the
 * failed open or handshake (the same code every time).
 */
int __rsm_ctl_fd(int *fdp)
{
	pthread_once(&ctl_once, ctl_open);
	*fdp = ctl_fd;
	return ctl_fd < 0 ? ctl_err : RSM_SUCCESS;
}
