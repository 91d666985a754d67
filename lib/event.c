// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Events: rsm_intr_signal_post(), rsm_intr_signal_wait(), poll
 * descriptors and rsm_intr_signal_wait_pollfd().
 *
 * The kernel counts events per segment file; the file polls readable
 * while one is pending, and RSM_IOC_SIGNAL_CONSUME takes one. A wait is a
 * poll() followed by a consume. Unlike illumos, a wait whose event was
 * taken by another thread first keeps waiting for the rest of its time
 * instead of reporting RSMERR_TIMEOUT at once.
 *
 * The same descriptors work with plain poll() and epoll: they are
 * readable while an event is pending and stay so until the event is
 * consumed, by rsm_intr_signal_wait() or rsm_intr_signal_wait_pollfd().
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>

#include "librsm.h"

static struct rsm_seg *seg_get(void *memseg)
{
	return (struct rsm_seg *)__rsm_obj_get(memseg,
					       RSM_OBJ_EXPORT | RSM_OBJ_IMPORT);
}

static int poll_err(int err)
{
	switch (err) {
	case EINTR:
		return RSMERR_INTERRUPTED;
	case EAGAIN:
	case ENOMEM:
		return RSMERR_INSUFFICIENT_RESOURCES;
	case EFAULT:
		return RSMERR_BAD_ADDR;
	default:
		return RSMERR_BAD_ARGS_ERRORS;
	}
}

/* Take one event: 0, or the errno (EAGAIN: none pending). */
static int consume(int fd)
{
	return ioctl(fd, RSM_IOC_SIGNAL_CONSUME) ? errno : 0;
}

int rsm_intr_signal_post(void *memseg, uint_t flags)
{
	struct rsm_signal sig = { 0 };
	struct rsm_seg *seg;
	int ret = RSM_SUCCESS;

	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	seg = seg_get(memseg);
	if (!seg)
		return RSMERR_BAD_SEG_HNDL;
	if (flags & RSM_SIGPOST_NO_ACCUMULATE)
		sig.flags = RSM_SIGNAL_F_NO_ACCUMULATE;
	if (ioctl(seg->fd, RSM_IOC_SIGNAL_POST, &sig))
		ret = __rsm_errno_to_rsmerr(errno);
	__rsm_obj_put(&seg->obj);
	return ret;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int rsm_intr_signal_wait(void *memseg, int timeout)
{
	long long end = now_ms() + timeout;
	struct rsm_seg *seg;
	struct pollfd p;
	int n, err, ret;

	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	seg = seg_get(memseg);
	if (!seg)
		return RSMERR_BAD_SEG_HNDL;
	for (;;) {
		p.fd = seg->fd;
		p.events = POLLRDNORM;
		n = poll(&p, 1, timeout < 0 ? -1 : timeout);
		if (n < 0) {
			ret = poll_err(errno);
			break;
		}
		if (!n) {
			ret = RSMERR_TIMEOUT;
			break;
		}
		err = consume(seg->fd);
		if (err != EAGAIN) {
			ret = err ? __rsm_errno_to_rsmerr(err) : RSM_SUCCESS;
			break;
		}
		/* Another waiter took it: wait for the rest of the time. */
		if (timeout > 0) {
			timeout = end - now_ms();
			if (timeout <= 0) {
				ret = RSMERR_TIMEOUT;
				break;
			}
		} else if (!timeout) {
			ret = RSMERR_TIMEOUT;
			break;
		}
	}
	__rsm_obj_put(&seg->obj);
	return ret;
}

/*
 * Descriptors handed out by rsm_memseg_get_pollfd(): the ones
 * rsm_intr_signal_wait_pollfd() consumes events on.
 */
static pthread_mutex_t pollfds_lock = PTHREAD_MUTEX_INITIALIZER;
static int *pollfds;
static unsigned int npollfds;

static int pollfd_add(int fd)
{
	int *bigger;

	pthread_mutex_lock(&pollfds_lock);
	bigger = realloc(pollfds, (npollfds + 1) * sizeof(*pollfds));
	if (bigger) {
		pollfds = bigger;
		pollfds[npollfds++] = fd;
	}
	pthread_mutex_unlock(&pollfds_lock);
	return bigger ? RSM_SUCCESS : RSMERR_INSUFFICIENT_MEM;
}

static void pollfd_del(int fd)
{
	unsigned int i;

	pthread_mutex_lock(&pollfds_lock);
	for (i = 0; i < npollfds; i++) {
		if (pollfds[i] == fd) {
			pollfds[i] = pollfds[--npollfds];
			break;
		}
	}
	pthread_mutex_unlock(&pollfds_lock);
}

static bool pollfd_known(int fd)
{
	unsigned int i;
	bool known = false;

	pthread_mutex_lock(&pollfds_lock);
	for (i = 0; i < npollfds && !known; i++)
		known = pollfds[i] == fd;
	pthread_mutex_unlock(&pollfds_lock);
	return known;
}

int rsm_memseg_get_pollfd(void *memseg, struct pollfd *fd)
{
	struct rsm_seg *seg;
	int ret = RSM_SUCCESS;

	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!fd)
		return RSMERR_BAD_ADDR;
	seg = seg_get(memseg);
	if (!seg)
		return RSMERR_BAD_SEG_HNDL;
	/* The first reference registers the descriptor. */
	if (__rsm_obj_pollfds(&seg->obj, 1) == 1) {
		ret = pollfd_add(seg->fd);
		if (ret)
			__rsm_obj_pollfds(&seg->obj, -1);
	}
	if (!ret) {
		fd->fd = seg->fd;
		fd->events = POLLRDNORM;
		fd->revents = 0;
	}
	__rsm_obj_put(&seg->obj);
	return ret;
}

int rsm_memseg_release_pollfd(void *memseg)
{
	struct rsm_seg *seg;

	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	seg = seg_get(memseg);
	if (!seg)
		return RSMERR_BAD_SEG_HNDL;
	/* Releasing more often than getting is no error, as in Solaris. */
	if (__rsm_obj_pollfds(&seg->obj, 0) &&
	    __rsm_obj_pollfds(&seg->obj, -1) == 0)
		pollfd_del(seg->fd);
	__rsm_obj_put(&seg->obj);
	return RSM_SUCCESS;
}

int rsm_intr_signal_wait_pollfd(struct pollfd fds[], nfds_t nfds,
				int timeout, int *numfdsp)
{
	nfds_t i;
	int n, left = 0;

	if (numfdsp)
		*numfdsp = 0;
	if (nfds && !fds)
		return RSMERR_BAD_ADDR;
	n = poll(fds, nfds, timeout);
	if (n < 0)
		return poll_err(errno);
	if (!n)
		return RSMERR_TIMEOUT;
	for (i = 0; i < nfds; i++) {
		if ((fds[i].revents & POLLRDNORM) && pollfd_known(fds[i].fd) &&
		    consume(fds[i].fd))
			fds[i].revents &= ~POLLRDNORM;	/* someone was faster */
		if (fds[i].revents)
			left++;
	}
	if (numfdsp)
		*numfdsp = left;
	return left ? RSM_SUCCESS : RSMERR_TIMEOUT;
}
