// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library's control file, segment files, the handle registry and the
 * errno to RSMERR translation.
 *
 * The kernel reports failures as ordinary negative errnos; the library
 * turns them into RSMERR_* codes through the one table below, which
 * Documentation/userspace-api.rst lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
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
	{ EBUSY, RSMERR_SEG_IN_USE },
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

/*
 * __rsm_seg_open() - open the file of a new segment: /dev/rsm, close-on-
 * exec, above fd 2. Returns RSM_SUCCESS with *fdp set,
 * RSMERR_CTLR_NOT_PRESENT if the module has gone, else
 * RSMERR_INSUFFICIENT_RESOURCES (EMFILE, ENFILE: each segment is a file).
 */
int __rsm_seg_open(int *fdp)
{
	int fd;

	fd = open(RSM_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		fd = fd_above_stdio(fd);
	if (fd < 0)
		return errno == ENOENT ? RSMERR_CTLR_NOT_PRESENT :
			RSMERR_INSUFFICIENT_RESOURCES;
	*fdp = fd;
	return RSM_SUCCESS;
}

#define REG_BUCKETS	64

/* Protects the registry and every object's refs, pollfds and linked. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rsm_obj *reg[REG_BUCKETS];
static uint64_t reg_serial;

static unsigned int reg_hash(const void *p)
{
	uintptr_t v = (uintptr_t)p;

	return (v >> 4 ^ v >> 10 ^ v >> 16) % REG_BUCKETS;
}

/*
 * __rsm_obj_add() - register a new object, with one reference (the
 * registry's). @release frees it once the last reference is gone.
 */
void __rsm_obj_add(struct rsm_obj *obj, enum rsm_obj_kind kind,
		   void (*release)(struct rsm_obj *obj))
{
	struct rsm_obj **head = &reg[reg_hash(obj)];

	obj->release = release;
	obj->kind = kind;
	obj->refs = 1;
	obj->pollfds = 0;
	pthread_mutex_lock(&reg_lock);
	obj->serial = ++reg_serial;
	obj->linked = true;
	obj->next = *head;
	*head = obj;
	pthread_mutex_unlock(&reg_lock);
}

/*
 * __rsm_obj_get() - look up a pointer the caller passed in. Returns the
 * object with a reference taken if it is a live object of one of @kinds,
 * else NULL. @handle itself is only compared, never dereferenced.
 */
struct rsm_obj *__rsm_obj_get(const void *handle, unsigned int kinds)
{
	struct rsm_obj *obj;

	if (!handle)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	for (obj = reg[reg_hash(handle)]; obj; obj = obj->next)
		if (obj == handle)
			break;
	if (obj && obj->kind & kinds)
		obj->refs++;
	else
		obj = NULL;
	pthread_mutex_unlock(&reg_lock);
	return obj;
}

/* __rsm_obj_put() - drop a reference; the last one frees the object. */
void __rsm_obj_put(struct rsm_obj *obj)
{
	bool last;

	pthread_mutex_lock(&reg_lock);
	last = !--obj->refs;
	pthread_mutex_unlock(&reg_lock);
	if (last)
		obj->release(obj);
}

/*
 * __rsm_obj_del() - take a live object out of the registry and drop the
 * registry's reference; the caller still holds its own. Returns
 * RSMERR_POLLFD_IN_USE if poll descriptors are out (nothing changes), or
 * RSMERR_BAD_SEG_HNDL if another thread deleted it first.
 */
int __rsm_obj_del(struct rsm_obj *obj)
{
	struct rsm_obj **pp;
	int ret = RSM_SUCCESS;

	pthread_mutex_lock(&reg_lock);
	if (!obj->linked) {
		ret = RSMERR_BAD_SEG_HNDL;
	} else if (obj->pollfds) {
		ret = RSMERR_POLLFD_IN_USE;
	} else {
		for (pp = &reg[reg_hash(obj)]; *pp != obj; pp = &(*pp)->next)
			;
		*pp = obj->next;
		obj->linked = false;
		obj->refs--;	/* never the last: the caller holds one */
	}
	pthread_mutex_unlock(&reg_lock);
	return ret;
}

/*
 * __rsm_obj_pollfds() - count a poll descriptor handed out (@delta 1) or
 * released (@delta -1; never below 0). Returns the new count.
 */
unsigned int __rsm_obj_pollfds(struct rsm_obj *obj, int delta)
{
	unsigned int n;

	pthread_mutex_lock(&reg_lock);
	if (delta > 0)
		obj->pollfds++;
	else if (delta < 0 && obj->pollfds)
		obj->pollfds--;
	n = obj->pollfds;
	pthread_mutex_unlock(&reg_lock);
	return n;
}

static void seg_release(struct rsm_obj *obj)
{
	struct rsm_seg *seg = (struct rsm_seg *)obj;

	/* Closing the file destroys the kernel segment. */
	close(seg->fd);
	pthread_mutex_destroy(&seg->lock);
	free(seg);
}

/*
 * __rsm_seg_add() - set up the common part of a new segment handle that
 * owns @fd and register it. The handle must have come from malloc(): the
 * last reference frees it and closes @fd.
 */
void __rsm_seg_add(struct rsm_seg *seg, enum rsm_obj_kind kind, int fd,
		   rsmapi_controller_handle_t ctrl, size_t size)
{
	pthread_mutex_init(&seg->lock, NULL);
	seg->fd = fd;
	seg->ctrl = ctrl;
	seg->size = size;
	__rsm_obj_add(&seg->obj, kind, seg_release);
}
