/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * librsm internals shared by the API files. Nothing here is exported: the
 * version script (librsm.map) exports only the RSMAPI functions.
 */
#ifndef _LIBRSM_H
#define _LIBRSM_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include <linux/rsm.h>

#include "rsmapi.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* The kernel's device node. */
#define RSM_DEVICE		"/dev/rsm"

/* Segment-id reservations read by rsm_get_segmentid_range(). */
#define RSM_SEGMENTID_FILE	"/etc/rsm/rsm.segmentid"

/* A controller handle: one per controller a process has asked for. */
struct __rsmapi_controller_handle {
	struct __rsmapi_controller_handle *next;
	unsigned int refcnt;
	struct rsm_ctrl_attr attr;
};

/*
 * Handle registry.
 *
 * Everything the library hands out as an opaque pointer (export, import and
 * local memory handles, and the private part of a barrier) starts with a
 * struct rsm_obj and is registered while it is live. A call looks the
 * caller's pointer up by value and never dereferences a pointer it does not
 * know, so a handle this library did not make, or has freed, is an error
 * code rather than a crash.
 *
 * A lookup takes a reference; the registry holds one of its own, dropped by
 * __rsm_obj_del(). The object is freed (a segment's file closed) when the
 * last reference goes, so a call running in one thread keeps its handle
 * alive while another thread destroys it.
 */
enum rsm_obj_kind {
	RSM_OBJ_EXPORT = 0x1,
	RSM_OBJ_IMPORT = 0x2,
	RSM_OBJ_LOCALMEM = 0x4,
	RSM_OBJ_BARRIER = 0x8,
};

struct rsm_obj {
	/* registry hash chain, under the registry lock */
	struct rsm_obj *next;
	/* frees the object when the last reference goes */
	void (*release)(struct rsm_obj *obj);
	/* never reused, tells a new object at a recycled address apart */
	uint64_t serial;
	enum rsm_obj_kind kind;
	/* references, under the registry lock */
	unsigned int refs;
	/*
	 * Poll descriptors handed out for this segment
	 * (rsm_memseg_get_pollfd()), changed with __rsm_obj_pollfds(): while
	 * non-zero, __rsm_obj_del() refuses with RSMERR_POLLFD_IN_USE.
	 */
	unsigned int pollfds;
	/* in the registry, under the registry lock */
	bool linked;
};

void __rsm_obj_add(struct rsm_obj *obj, enum rsm_obj_kind kind,
		   void (*release)(struct rsm_obj *obj));
struct rsm_obj *__rsm_obj_get(const void *handle, unsigned int kinds);
void __rsm_obj_put(struct rsm_obj *obj);
int __rsm_obj_del(struct rsm_obj *obj);
unsigned int __rsm_obj_pollfds(struct rsm_obj *obj, int delta);

/* Library states of a segment handle, as Solaris' librsm. */
enum rsm_seg_state {
	RSM_EXPORT_CREATE = 1,
	RSM_EXPORT_BIND,
	RSM_EXPORT_PUBLISH,
	RSM_IMPORT_CONNECT,
	RSM_IMPORT_DISCONNECT,
	RSM_IMPORT_MAP,
	RSM_IMPORT_UNMAP,
};

/*
 * What every segment handle starts with. Each segment owns one open file
 * of /dev/rsm: the kernel segment lives as long as that file.
 */
struct rsm_seg {
	struct rsm_obj obj;
	/*
	 * Serialises the calls that change the segment (publish, unpublish,
	 * republish, rebind, set_mode, init/destroy_barrier) and protects
	 * @state and the import handle's @mode and @barrier.
	 */
	pthread_mutex_t lock;
	int fd;
	enum rsm_seg_state state;
	/* the controller the segment was made on */
	rsmapi_controller_handle_t ctrl;
	/* length in bytes */
	size_t size;
};

struct __rsm_memseg_export_handle {
	struct rsm_seg seg;
	void *vaddr;
	/* RSM_ALLOW_REBIND, RSM_CREATE_SEG_DONTWAIT */
	uint_t flags;
	/* the process that created it: only it may publish */
	pid_t creator;
	/* made on the loopback controller */
	bool loopback;
	/* the id it is published under (state RSM_EXPORT_PUBLISH) */
	rsm_memseg_id_t segid;
};

struct __rsm_memseg_import_handle {
	struct rsm_seg seg;
	rsm_node_id_t node;
	rsm_memseg_id_t segid;
	/* the access the exporter granted (RSM_PERM_READ, RSM_PERM_WRITE) */
	rsm_permission_t perm;
	rsm_barrier_mode_t mode;
	/* the barrier last initialised on it (only compared), or NULL */
	const void *barrier;
	/* the mapping (state RSM_IMPORT_MAP) */
	void *map_addr;
	size_t map_len;
};

/*
 * A local memory handle: a surrogate export segment, never published, that
 * pins and validates [vaddr, vaddr + len rounded up to a page).
 */
struct __rsm_localmemory_handle {
	struct rsm_seg seg;
	void *vaddr;
	/* the length the caller gave */
	size_t len;
};

int __rsm_seg_open(int *fdp);
void __rsm_seg_add(struct rsm_seg *seg, enum rsm_obj_kind kind, int fd,
		   rsmapi_controller_handle_t ctrl, size_t size);
int __rsm_localmem_addr(rsm_localmemory_handle_t handle, size_t off,
			size_t len, uint64_t *addr);

static inline struct __rsm_memseg_import_handle *
__rsm_import_get(const void *handle)
{
	return (struct __rsm_memseg_import_handle *)
		__rsm_obj_get(handle, RSM_OBJ_IMPORT);
}

static inline void __rsm_import_put(struct __rsm_memseg_import_handle *im)
{
	__rsm_obj_put(&im->seg.obj);
}

int __rsm_errno_to_rsmerr(int err);
int __rsm_ctl_fd(int *fdp);
int __rsm_ctrl_query(const char *name, struct rsm_ctrl_attr *attr);
int __rsm_ctrl_valid(rsmapi_controller_handle_t ctrl,
		     struct rsm_ctrl_attr *now);

#endif /* _LIBRSM_H */
