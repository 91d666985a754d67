// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Controllers: rsm_get_controller(), rsm_get_controller_attr(),
 * rsm_release_controller().
 *
 * A process holds one handle per controller it asked for, reference
 * counted as in Solaris. Handles are never freed: a released handle stays
 * known, so using it again reports RSMERR_CTLR_NOT_PRESENT or
 * RSMERR_BAD_CTLR_HNDL instead of touching freed memory, and a handle is
 * recognised only if this library made it.
 *
 * Every call asks the kernel again rather than trusting a cache, so a
 * device that was removed shows up as RSMERR_CTLR_NOT_PRESENT at once. The
 * kernel's controller id tells a device that came back under the same name
 * from the one the handle was made for.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "librsm.h"

static pthread_mutex_t ctrls_lock = PTHREAD_MUTEX_INITIALIZER;
/* Every handle this process made, under ctrls_lock. */
static struct __rsmapi_controller_handle *ctrls;

int __rsm_ctrl_query(const char *name, struct rsm_ctrl_attr *attr)
{
	int fd, ret;

	ret = __rsm_ctl_fd(&fd);
	if (ret)
		return ret;
	/* No controller has an empty or an over-long name. */
	if (!*name || strlen(name) >= sizeof(attr->name))
		return RSMERR_CTLR_NOT_PRESENT;
	memset(attr, 0, sizeof(*attr));
	strcpy(attr->name, name);
	if (ioctl(fd, RSM_IOC_CTRL_QUERY, attr))
		return __rsm_errno_to_rsmerr(errno);
	return RSM_SUCCESS;
}

/* Caller holds ctrls_lock. */
static int ctrl_known(rsmapi_controller_handle_t ctrl)
{
	struct __rsmapi_controller_handle *c;

	for (c = ctrls; c; c = c->next)
		if (c == ctrl)
			return 1;
	return 0;
}

/*
 * __rsm_ctrl_valid() - check a controller handle the caller passed in and
 * read the controller's current attributes into *now:
 * RSMERR_BAD_CTLR_HNDL if this library did not make the handle,
 * RSMERR_CTLR_NOT_PRESENT if it was released or its device is gone.
 */
int __rsm_ctrl_valid(rsmapi_controller_handle_t ctrl,
		     struct rsm_ctrl_attr *now)
{
	char name[RSM_CTRL_NAME_MAX];
	uint64_t id = 0;
	int ret = RSM_SUCCESS;

	if (!ctrl)
		return RSMERR_BAD_CTLR_HNDL;
	pthread_mutex_lock(&ctrls_lock);
	if (!ctrl_known(ctrl)) {
		ret = RSMERR_BAD_CTLR_HNDL;
	} else if (!ctrl->refcnt) {
		ret = RSMERR_CTLR_NOT_PRESENT;
	} else {
		memcpy(name, ctrl->attr.name, sizeof(name));
		id = ctrl->attr.id;
	}
	pthread_mutex_unlock(&ctrls_lock);
	if (ret)
		return ret;

	ret = __rsm_ctrl_query(name, now);
	if (ret == RSM_SUCCESS && now->id != id)
		ret = RSMERR_CTLR_NOT_PRESENT;
	return ret;
}

int rsm_get_controller(char *name, rsmapi_controller_handle_t *controller)
{
	struct __rsmapi_controller_handle *c;
	struct rsm_ctrl_attr attr;
	int ret;

	if (!controller)
		return RSMERR_BAD_CTLR_HNDL;
	ret = __rsm_ctrl_query(name ? name : RSM_CTRL_LOOPBACK_NAME, &attr);
	if (ret)
		return ret;

	pthread_mutex_lock(&ctrls_lock);
	for (c = ctrls; c; c = c->next)
		if (c->attr.id == attr.id)
			break;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			pthread_mutex_unlock(&ctrls_lock);
			return RSMERR_INSUFFICIENT_MEM;
		}
		c->next = ctrls;
		ctrls = c;
	}
	c->attr = attr;
	c->refcnt++;
	pthread_mutex_unlock(&ctrls_lock);
	*controller = c;
	return RSM_SUCCESS;
}

int rsm_get_controller_attr(rsmapi_controller_handle_t chdl,
			    rsmapi_controller_attr_t *attr)
{
	struct rsm_ctrl_attr now;
	int ret;

	if (!chdl)
		return RSMERR_BAD_CTLR_HNDL;
	if (!attr)
		return RSMERR_BAD_ADDR;
	ret = __rsm_ctrl_valid(chdl, &now);
	if (ret)
		return ret;

	memset(attr, 0, sizeof(*attr));
	attr->attr_direct_access_sizes = now.direct_access_sizes;
	attr->attr_atomic_sizes = now.atomic_sizes;
	attr->attr_page_size = now.page_size;
	attr->attr_max_export_segment_size = now.max_export_segment_size;
	attr->attr_tot_export_segment_size = now.tot_export_segment_size;
	attr->attr_max_export_segments = now.max_export_segments;
	attr->attr_max_import_map_size = now.max_import_map_size;
	attr->attr_tot_import_map_size = now.tot_import_map_size;
	attr->attr_max_import_segments = now.max_import_segments;
	return RSM_SUCCESS;
}

int rsm_release_controller(rsmapi_controller_handle_t controller)
{
	int ret = RSM_SUCCESS;

	if (!controller)
		return RSMERR_BAD_CTLR_HNDL;
	pthread_mutex_lock(&ctrls_lock);
	if (!ctrl_known(controller) || !controller->refcnt)
		ret = RSMERR_BAD_CTLR_HNDL;
	else
		controller->refcnt--;
	pthread_mutex_unlock(&ctrls_lock);
	return ret;
}
