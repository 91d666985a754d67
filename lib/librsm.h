/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * librsm internals shared by the API files. Nothing here is exported: the
 * version script (librsm.map) exports only the RSMAPI functions.
 */
#ifndef _LIBRSM_H
#define _LIBRSM_H

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

int __rsm_errno_to_rsmerr(int err);
int __rsm_ctl_fd(int *fdp);
int __rsm_ctrl_query(const char *name, struct rsm_ctrl_attr *attr);
int __rsm_ctrl_valid(rsmapi_controller_handle_t ctrl,
		     struct rsm_ctrl_attr *now);

#endif /* _LIBRSM_H */
