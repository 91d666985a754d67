/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_CTRL_H
#define _RSM_CTRL_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rsm.h>

struct ib_device;

/**
 * struct rsm_ctrl - a controller
 * @ref: reference count; the list holds one
 * @link: entry in rsm_ctrls, under rsm_ctrls_lock
 * @id: never reused while the module is loaded
 * @name: controller name, under rsm_ctrls_lock
 * @ibdev: the RDMA device, NULL for loopback
 * @removed: the device is gone; its exports cannot be published
 */
struct rsm_ctrl {
	struct kref ref;
	struct list_head link;
	u64 id;
	char name[RSM_CTRL_NAME_MAX];
	struct ib_device *ibdev;
	bool removed;
};

int rsm_ctrl_init(void);
void rsm_ctrl_uninit(void);
long rsm_ctrl_ioctl_query(void __user *uarg);
int rsm_ctrl_query(struct rsm_ctrl_attr *a);
struct rsm_ctrl *rsm_ctrl_get_ibdev(struct ib_device *ibdev);
struct rsm_ctrl *rsm_ctrl_get(const char *name, u64 id,
			      struct rsm_ctrl_attr *attr);
void rsm_ctrl_put(struct rsm_ctrl *ctrl);
void rsm_ctrl_name(struct rsm_ctrl *ctrl, char *name);

#endif /* _RSM_CTRL_H */
