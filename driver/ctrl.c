// SPDX-License-Identifier: GPL-2.0
/*
 * Controllers: the loopback controller and one per RDMA device.
 *
 * An ib_client turns every RDMA device that has an InfiniBand or RoCE port
 * and supports fast registration (FRWR) into a controller named after the
 * device; "loopback" exists from module load to unload.
 *
 * Lifetime: the controller list holds one reference on each controller.
 * Device removal unlinks the controller under rsm_ctrls_lock, so no lookup
 * can find it again, and then drops the list's reference. Everything built
 * on a controller (later: segments, channels) holds its own reference and
 * must be torn down by ib_client.remove before it returns, because the
 * device's resources must be gone by then.
 *
 * Locking: rsm_ctrls_lock (a mutex; ib_client callbacks and ioctls both
 * may sleep) protects the list, every controller's list linkage and its
 * name (ib_client.rename changes it).
 */
#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rsm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <rdma/ib_verbs.h>

#include "ctrl.h"
#include "peer.h"

static unsigned int max_segments = 65535;
module_param(max_segments, uint, 0444);
MODULE_PARM_DESC(max_segments,
		 "Most segments a controller exports or imports (default 65535)");

static LIST_HEAD(rsm_ctrls);
static DEFINE_MUTEX(rsm_ctrls_lock);
static atomic64_t rsm_ctrl_next_id = ATOMIC64_INIT(0);
static struct rsm_ctrl *rsm_loopback;
static struct ib_client rsm_ib_client;

static struct rsm_ctrl *ctrl_create(struct ib_device *ibdev)
{
	struct rsm_ctrl *ctrl;

	ctrl = kzalloc(sizeof(*ctrl), GFP_KERNEL);
	if (!ctrl)
		return NULL;
	kref_init(&ctrl->ref);
	ctrl->id = atomic64_inc_return(&rsm_ctrl_next_id);
	ctrl->ibdev = ibdev;
	strscpy(ctrl->name, ibdev ? dev_name(&ibdev->dev) :
		RSM_CTRL_LOOPBACK_NAME, sizeof(ctrl->name));
	return ctrl;
}

static void ctrl_release(struct kref *ref)
{
	kfree(container_of(ref, struct rsm_ctrl, ref));
}

/**
 * rsm_ctrl_put() - drop a reference taken by rsm_ctrl_get_ibdev()
 * @ctrl: the controller
 *
 * Context: any context that may free memory.
 */
void rsm_ctrl_put(struct rsm_ctrl *ctrl)
{
	kref_put(&ctrl->ref, ctrl_release);
}

/**
 * rsm_ctrl_get_ibdev() - the controller of an RDMA device
 * @ibdev: the device
 *
 * Context: process context, takes rsm_ctrls_lock.
 * Return: the controller with a reference held, or NULL if the device is
 * not (or no longer) a controller.
 */
struct rsm_ctrl *rsm_ctrl_get_ibdev(struct ib_device *ibdev)
{
	struct rsm_ctrl *ctrl;

	mutex_lock(&rsm_ctrls_lock);
	list_for_each_entry(ctrl, &rsm_ctrls, link) {
		if (ctrl->ibdev == ibdev) {
			kref_get(&ctrl->ref);
			mutex_unlock(&rsm_ctrls_lock);
			return ctrl;
		}
	}
	mutex_unlock(&rsm_ctrls_lock);
	return NULL;
}

/**
 * rsm_ctrl_name() - copy a controller's current name
 * @ctrl: the controller
 * @name: RSM_CTRL_NAME_MAX bytes
 *
 * Context: process context, takes rsm_ctrls_lock.
 */
void rsm_ctrl_name(struct rsm_ctrl *ctrl, char *name)
{
	mutex_lock(&rsm_ctrls_lock);
	strscpy(name, ctrl->name, RSM_CTRL_NAME_MAX);
	mutex_unlock(&rsm_ctrls_lock);
}

static void ctrl_link(struct rsm_ctrl *ctrl)
{
	mutex_lock(&rsm_ctrls_lock);
	list_add_tail(&ctrl->link, &rsm_ctrls);
	mutex_unlock(&rsm_ctrls_lock);
}

/* Unlink: no lookup finds the controller any more. The caller drops the
 * list's reference once everything built on the controller is gone.
 */
static void ctrl_unlink(struct rsm_ctrl *ctrl)
{
	mutex_lock(&rsm_ctrls_lock);
	list_del(&ctrl->link);
	mutex_unlock(&rsm_ctrls_lock);
}

/* Devices we can drive: an IB or RoCE port, and fast registration. */
static bool ctrl_device_usable(struct ib_device *ibdev)
{
	u32 port;

	if (!(ibdev->attrs.device_cap_flags & IB_DEVICE_MEM_MGT_EXTENSIONS))
		return false;
	rdma_for_each_port(ibdev, port) {
		if (rdma_protocol_ib(ibdev, port) ||
		    rdma_protocol_roce(ibdev, port))
			return true;
	}
	return false;
}

static int rsm_ib_add(struct ib_device *ibdev)
{
	struct rsm_ctrl *ctrl;

	if (!ctrl_device_usable(ibdev))
		return -EOPNOTSUPP;
	ctrl = ctrl_create(ibdev);
	if (!ctrl)
		return -ENOMEM;
	ib_set_client_data(ibdev, &rsm_ib_client, ctrl);
	ctrl_link(ctrl);
	pr_info("controller %s added\n", ctrl->name);
	return 0;
}

static void rsm_ib_remove(struct ib_device *ibdev, void *client_data)
{
	struct rsm_ctrl *ctrl = client_data;

	pr_info("controller %s removed\n", ctrl->name);
	WRITE_ONCE(ctrl->removed, true);
	ctrl_unlink(ctrl);
	/* Nothing may use the device once this returns. */
	rsm_peer_ctrl_gone(ctrl);
	rsm_ctrl_put(ctrl);
}

static void rsm_ib_rename(struct ib_device *ibdev, void *client_data)
{
	struct rsm_ctrl *ctrl = client_data;

	mutex_lock(&rsm_ctrls_lock);
	strscpy(ctrl->name, dev_name(&ibdev->dev), sizeof(ctrl->name));
	mutex_unlock(&rsm_ctrls_lock);
}

static struct ib_client rsm_ib_client = {
	.name = "rsm",
	.add = rsm_ib_add,
	.remove = rsm_ib_remove,
	.rename = rsm_ib_rename,
};

static u64 total_ram_bytes(void)
{
	return (u64)totalram_pages() << PAGE_SHIFT;
}

/*
 * Attributes come from the device's own limits where it has them and from
 * the node's memory otherwise: any segment is pinned memory of this node.
 */
static void ctrl_fill_attr(const struct rsm_ctrl *ctrl,
			   struct rsm_ctrl_attr *attr)
{
	u64 ram = total_ram_bytes();
	u64 max_size = ram;
	u64 max_segs = max_segments;

	lockdep_assert_held(&rsm_ctrls_lock);

	strscpy(attr->name, ctrl->name, sizeof(attr->name));
	attr->id = ctrl->id;
	attr->direct_access_sizes = RSM_ACCESS_8 | RSM_ACCESS_16 |
				    RSM_ACCESS_32 | RSM_ACCESS_64;
	/* rxe and most HCAs are not atomic with respect to the CPU. */
	attr->atomic_sizes = 0;
	attr->page_size = PAGE_SIZE;
	if (ctrl->ibdev) {
		const struct ib_device_attr *da = &ctrl->ibdev->attrs;

		attr->type = RSM_CTRL_TYPE_RDMA;
		attr->hwaddr = be64_to_cpu(ctrl->ibdev->node_guid);
		max_size = min_t(u64, max_size, da->max_mr_size);
		max_segs = min_t(u64, max_segs, da->max_mr);
	} else {
		attr->type = RSM_CTRL_TYPE_LOOPBACK;
	}
	max_size = round_down(max_size, PAGE_SIZE);
	attr->max_export_segment_size = max_size;
	attr->tot_export_segment_size = ram;
	attr->max_export_segments = max_segs;
	attr->max_import_map_size = max_size;
	attr->tot_import_map_size = ram;
	attr->max_import_segments = max_segments;
}

static struct rsm_ctrl *ctrl_find(const struct rsm_ctrl_attr *q)
{
	struct rsm_ctrl *ctrl;
	u32 i = 0;

	lockdep_assert_held(&rsm_ctrls_lock);

	list_for_each_entry(ctrl, &rsm_ctrls, link) {
		if (q->flags & RSM_CTRL_F_BY_INDEX) {
			if (i++ == q->index)
				return ctrl;
		} else if (!strcmp(ctrl->name, q->name)) {
			return ctrl;
		}
	}
	return NULL;
}

static int ctrl_query_valid(const struct rsm_ctrl_attr *q)
{
	if (q->flags & ~__RSM_CTRL_F_ALL || q->reserved)
		return -EINVAL;
	if (q->flags & RSM_CTRL_F_BY_INDEX)
		return memchr_inv(q->name, 0, sizeof(q->name)) ? -EINVAL : 0;
	if (q->index || !q->name[0] || !memchr(q->name, 0, sizeof(q->name)))
		return -EINVAL;
	return 0;
}

/**
 * rsm_ctrl_get() - look a controller up by name for a new segment
 * @name: its name (NUL-terminated)
 * @id: the id the caller knows it by, or 0 for any
 * @attr: its attributes, filled in
 *
 * Context: process context, takes rsm_ctrls_lock.
 * Return: the controller, referenced, or NULL if there is none by that
 * name or it has another id (the device went away and came back).
 */
struct rsm_ctrl *rsm_ctrl_get(const char *name, u64 id,
			      struct rsm_ctrl_attr *attr)
{
	struct rsm_ctrl *ctrl;

	memset(attr, 0, sizeof(*attr));
	strscpy(attr->name, name, sizeof(attr->name));
	mutex_lock(&rsm_ctrls_lock);
	ctrl = ctrl_find(attr);
	if (ctrl && id && ctrl->id != id)
		ctrl = NULL;
	if (ctrl) {
		ctrl_fill_attr(ctrl, attr);
		kref_get(&ctrl->ref);
	}
	mutex_unlock(&rsm_ctrls_lock);
	return ctrl;
}

/**
 * rsm_ctrl_query() - look a controller up and describe it
 * @a: in: name or (with RSM_CTRL_F_BY_INDEX) index and flags, already
 *	validated; out: every field written
 *
 * Context: process context, takes rsm_ctrls_lock.
 * Return: 0, -ENODEV for an unknown name, -ENOENT for an index past the
 * end.
 */
int rsm_ctrl_query(struct rsm_ctrl_attr *a)
{
	struct rsm_ctrl_attr q = *a;
	struct rsm_ctrl *ctrl;

	memset(a, 0, sizeof(*a));
	a->index = q.index;
	a->flags = q.flags;
	mutex_lock(&rsm_ctrls_lock);
	ctrl = ctrl_find(&q);
	if (ctrl)
		ctrl_fill_attr(ctrl, a);
	mutex_unlock(&rsm_ctrls_lock);
	if (!ctrl)
		return q.flags & RSM_CTRL_F_BY_INDEX ? -ENOENT : -ENODEV;
	return 0;
}

/**
 * rsm_ctrl_ioctl_query() - RSM_IOC_CTRL_QUERY
 * @uarg: user pointer to a struct rsm_ctrl_attr
 *
 * Every output field is written, so nothing of the caller's input or of
 * kernel memory leaks through fields a controller does not use.
 *
 * Context: process context, takes rsm_ctrls_lock.
 * Return: 0, -EFAULT, -EINVAL for a malformed query, -ENODEV for an
 * unknown name, -ENOENT for an index past the end.
 */
long rsm_ctrl_ioctl_query(void __user *uarg)
{
	struct rsm_ctrl_attr a;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	ret = ctrl_query_valid(&a);
	if (ret)
		return ret;
	ret = rsm_ctrl_query(&a);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

/**
 * rsm_ctrl_init() - create the loopback controller and watch RDMA devices
 *
 * Context: process context, module init.
 * Return: 0 or a negative errno.
 */
int rsm_ctrl_init(void)
{
	int ret;

	rsm_loopback = ctrl_create(NULL);
	if (!rsm_loopback)
		return -ENOMEM;
	ctrl_link(rsm_loopback);

	ret = ib_register_client(&rsm_ib_client);
	if (ret)
		goto err_loopback;
	return 0;

err_loopback:
	ctrl_unlink(rsm_loopback);
	rsm_ctrl_put(rsm_loopback);
	return ret;
}

/**
 * rsm_ctrl_uninit() - forget every controller
 *
 * Unregistering the client calls rsm_ib_remove() for every device.
 *
 * Context: process context, module exit.
 */
void rsm_ctrl_uninit(void)
{
	ib_unregister_client(&rsm_ib_client);
	ctrl_unlink(rsm_loopback);
	rsm_ctrl_put(rsm_loopback);
	WARN_ON(!list_empty(&rsm_ctrls));
}
