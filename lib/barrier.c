// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Barriers and barrier mode.
 *
 * rsmapi_barrier_t is the caller's storage. init_barrier fills it with the
 * import handle (seg) and a small private object (privdata) that holds the
 * kernel's barrier token; destroy_barrier frees that object. Open, close
 * and order only use what init allocated, so they allocate nothing.
 *
 * Open asks the kernel for a token (RSM_IOC_IMPORT_BARRIER, OPEN); close
 * and order hand it back: ECONNABORTED there means the exporter forced the
 * import off (RSMERR_CONN_ABORTED), EIO that an access failed since open
 * (RSMERR_BARRIER_FAILURE). Unlike illumos, closing or ordering a barrier
 * that is not open is RSMERR_BARRIER_NOT_OPENED: there is no token to hand
 * back.
 *
 * The private object is registered like a handle and checked against the
 * storage it was initialised in, so uninitialised or copied storage is
 * RSMERR_BARRIER_UNINITIALIZED rather than a crash. A barrier whose
 * segment has been disconnected is RSMERR_BAD_SEG_HNDL until destroyed.
 * One barrier is used by one thread at a time, as in Solaris: the library
 * does not lock the token.
 *
 * The segment remembers the barrier last initialised on it: implicit-mode
 * get and put need one (RSMERR_BARRIER_UNINITIALIZED), though they never
 * open it (see import.c). The barrier type is ignored, as in illumos.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "librsm.h"

struct rsm_bar {
	struct rsm_obj obj;
	/* the caller's storage it was initialised in */
	const rsmapi_barrier_t *user;
	/* the import segment, and its serial to tell a recycled address */
	struct __rsm_memseg_import_handle *seg;
	uint64_t seg_serial;
	/* the kernel's token, while @opened */
	uint64_t token;
	bool opened;
};

static void bar_release(struct rsm_obj *obj)
{
	free(obj);
}

/* The private object of an initialised barrier, with a reference. */
static int bar_get(const rsmapi_barrier_t *barrier, struct rsm_bar **barp)
{
	struct rsm_bar *bar;

	if (!barrier)
		return RSMERR_BAD_BARRIER_PTR;
	bar = (struct rsm_bar *)__rsm_obj_get(barrier->privdata,
					      RSM_OBJ_BARRIER);
	if (!bar)
		return RSMERR_BARRIER_UNINITIALIZED;
	if (bar->user != barrier || barrier->seg != bar->seg) {
		__rsm_obj_put(&bar->obj);
		return RSMERR_BARRIER_UNINITIALIZED;
	}
	*barp = bar;
	return RSM_SUCCESS;
}

/* The barrier's segment, with a reference, if it is still connected. */
static struct __rsm_memseg_import_handle *bar_seg(const struct rsm_bar *bar)
{
	struct __rsm_memseg_import_handle *im;

	im = __rsm_import_get(bar->seg);
	if (im && im->seg.obj.serial != bar->seg_serial) {
		__rsm_import_put(im);
		im = NULL;
	}
	return im;
}

/* Forget @bar on its segment, if that still remembers it. */
static void bar_detach(struct rsm_bar *bar)
{
	struct __rsm_memseg_import_handle *im = bar_seg(bar);

	if (!im)
		return;
	pthread_mutex_lock(&im->seg.lock);
	if (im->barrier == bar)
		im->barrier = NULL;
	pthread_mutex_unlock(&im->seg.lock);
	__rsm_import_put(im);
}

/* Drop a live barrier object. */
static int bar_destroy(rsmapi_barrier_t *barrier, struct rsm_bar *bar)
{
	bar_detach(bar);
	if (__rsm_obj_del(&bar->obj))
		return RSMERR_BARRIER_UNINITIALIZED;	/* destroyed meanwhile */
	memset(barrier, 0, sizeof(*barrier));
	return RSM_SUCCESS;
}

/* Initialising storage that holds a live barrier replaces that barrier. */
int rsm_memseg_import_init_barrier(rsm_memseg_import_handle_t im_memseg,
				   rsm_barrier_type_t type,
				   rsmapi_barrier_t *barrier)
{
	struct __rsm_memseg_import_handle *im;
	struct rsm_bar *bar, *old;

	(void)type;
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!barrier)
		return RSMERR_BAD_BARRIER_PTR;
	im = __rsm_import_get(im_memseg);
	if (!im)
		return RSMERR_BAD_SEG_HNDL;
	bar = calloc(1, sizeof(*bar));
	if (!bar) {
		__rsm_import_put(im);
		return RSMERR_INSUFFICIENT_MEM;
	}
	if (!bar_get(barrier, &old)) {
		bar_destroy(barrier, old);
		__rsm_obj_put(&old->obj);
	}
	bar->user = barrier;
	bar->seg = im;
	bar->seg_serial = im->seg.obj.serial;
	__rsm_obj_add(&bar->obj, RSM_OBJ_BARRIER, bar_release);

	pthread_mutex_lock(&im->seg.lock);
	im->barrier = bar;
	pthread_mutex_unlock(&im->seg.lock);
	barrier->seg = im;
	barrier->gnum = 0;
	barrier->privdata = bar;
	__rsm_import_put(im);
	return RSM_SUCCESS;
}

/* One RSM_IOC_IMPORT_BARRIER on the barrier's segment. */
static int bar_ioctl(struct rsm_bar *bar, enum rsm_barrier_op op)
{
	struct rsm_barrier b = { .op = op };
	struct __rsm_memseg_import_handle *im;
	int ret = RSM_SUCCESS;

	if (op != RSM_BARRIER_OPEN)
		b.token = bar->token;

	im = bar_seg(bar);
	if (!im)
		return RSMERR_BAD_SEG_HNDL;
	if (ioctl(im->seg.fd, RSM_IOC_IMPORT_BARRIER, &b)) {
		ret = __rsm_errno_to_rsmerr(errno);
		if (op == RSM_BARRIER_OPEN && ret == RSMERR_BARRIER_FAILURE)
			ret = RSMERR_BARRIER_OPEN_FAILED;
	} else if (op == RSM_BARRIER_OPEN) {
		bar->token = b.token;
	}
	__rsm_import_put(im);
	return ret;
}

/* Open, close and order: checks, then the ioctl. */
static int bar_op(rsmapi_barrier_t *barrier, enum rsm_barrier_op op)
{
	struct rsm_bar *bar;
	int ret;

	ret = bar_get(barrier, &bar);
	if (ret)
		return ret;
	if (op != RSM_BARRIER_OPEN && !bar->opened) {
		ret = RSMERR_BARRIER_NOT_OPENED;
	} else {
		ret = bar_ioctl(bar, op);
		if (op == RSM_BARRIER_OPEN)
			bar->opened = !ret;
		else if (op == RSM_BARRIER_CLOSE)
			bar->opened = false;
	}
	__rsm_obj_put(&bar->obj);
	return ret;
}

int rsm_memseg_import_open_barrier(rsmapi_barrier_t *barrier)
{
	return bar_op(barrier, RSM_BARRIER_OPEN);
}

/* A failed close closes too: open again before redoing the accesses. */
int rsm_memseg_import_close_barrier(rsmapi_barrier_t *barrier)
{
	return bar_op(barrier, RSM_BARRIER_CLOSE);
}

int rsm_memseg_import_order_barrier(rsmapi_barrier_t *barrier)
{
	return bar_op(barrier, RSM_BARRIER_ORDER);
}

int rsm_memseg_import_destroy_barrier(rsmapi_barrier_t *barrier)
{
	struct rsm_bar *bar;
	int ret;

	ret = bar_get(barrier, &bar);
	if (ret)
		return ret;
	ret = bar_destroy(barrier, bar);
	__rsm_obj_put(&bar->obj);
	return ret;
}

int rsm_memseg_import_get_mode(rsm_memseg_import_handle_t im_memseg,
			       rsm_barrier_mode_t *mode)
{
	struct __rsm_memseg_import_handle *im;

	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!mode)
		return RSMERR_BAD_ADDR;
	im = __rsm_import_get(im_memseg);
	if (!im)
		return RSMERR_BAD_SEG_HNDL;
	pthread_mutex_lock(&im->seg.lock);
	*mode = im->mode;
	pthread_mutex_unlock(&im->seg.lock);
	__rsm_import_put(im);
	return RSM_SUCCESS;
}

int rsm_memseg_import_set_mode(rsm_memseg_import_handle_t im_memseg,
			       rsm_barrier_mode_t mode)
{
	struct __rsm_memseg_import_handle *im;

	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (mode != RSM_BARRIER_MODE_IMPLICIT &&
	    mode != RSM_BARRIER_MODE_EXPLICIT)
		return RSMERR_BAD_MODE;
	im = __rsm_import_get(im_memseg);
	if (!im)
		return RSMERR_BAD_SEG_HNDL;
	pthread_mutex_lock(&im->seg.lock);
	im->mode = mode;
	pthread_mutex_unlock(&im->seg.lock);
	__rsm_import_put(im);
	return RSM_SUCCESS;
}
