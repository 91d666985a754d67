// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/rsm: the misc device, its file operations and the ioctl dispatcher.
 *
 * The dispatcher only routes: each command has one handler that copies its
 * struct in, validates every field, acts, and copies the answer out.
 */
#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/poll.h>
#include <linux/module.h>
#include <linux/rsm.h>
#include <linux/uaccess.h>

#include "chardev.h"
#include "ctrl.h"
#include "segment.h"
#include "topology.h"

#define EXPORT_IOCTLS	(BIT_ULL(_IOC_NR(RSM_IOC_EXPORT_CREATE)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_EXPORT_PUBLISH)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_EXPORT_REPUBLISH)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_EXPORT_UNPUBLISH)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_EXPORT_REBIND)))
#define IMPORT_IOCTLS	(BIT_ULL(_IOC_NR(RSM_IOC_IMPORT_CONNECT)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_IMPORT_GET)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_IMPORT_PUT)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_IMPORT_GETV)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_IMPORT_PUTV)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_IMPORT_BARRIER)))
#define RSM_IOCTLS	(BIT_ULL(_IOC_NR(RSM_IOC_API)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_CTRL_QUERY)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_TOPOLOGY)) | \
			 EXPORT_IOCTLS | IMPORT_IOCTLS | \
			 BIT_ULL(_IOC_NR(RSM_IOC_SIGNAL_POST)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_SIGNAL_CONSUME)))

static long rsm_ioctl_api(struct rsm_api __user *uarg)
{
	struct rsm_api api;

	if (copy_from_user(&api, uarg, sizeof(api)))
		return -EFAULT;
	if (api.api != RSM_API_VERSION || api.reserved ||
	    api.features & ~__RSM_FEATURE_ALL)
		return -EINVAL;
	api.features = __RSM_FEATURE_ALL;
	api.ioctls = RSM_IOCTLS;
	if (copy_to_user(uarg, &api, sizeof(api)))
		return -EFAULT;
	return 0;
}

/*
 * A file starts as a control object; EXPORT_CREATE or IMPORT_CONNECT turns
 * it into a segment once (private_data, set with cmpxchg, never changes
 * again). Commands of the other kind of object fail with EBADFD.
 */
/* A segment's event count and pollers, and whether it was forced off. */
static atomic_t *seg_events(enum rsm_obj_kind *obj, wait_queue_head_t **wq,
			    bool **aborted)
{
	static bool never;

	if (*obj == RSM_OBJ_EXPORT) {
		struct rsm_export *exp = (struct rsm_export *)obj;

		*wq = &exp->wq;
		*aborted = &never;
		return &exp->events;
	}
	*wq = &((struct rsm_import *)obj)->wq;
	*aborted = &((struct rsm_import *)obj)->aborted;
	return &((struct rsm_import *)obj)->events;
}

/* RSM_IOC_SIGNAL_CONSUME: take one pending event. */
static long rsm_seg_consume(enum rsm_obj_kind *obj)
{
	wait_queue_head_t *wq;
	bool *aborted;
	atomic_t *events = seg_events(obj, &wq, &aborted);

	if (atomic_dec_if_positive(events) >= 0)
		return 0;
	return READ_ONCE(*aborted) ? -ECONNABORTED : -EAGAIN;
}

/* Readable while an event is pending; an import forced off hangs up. */
static __poll_t rsm_poll(struct file *file, poll_table *pt)
{
	enum rsm_obj_kind *obj = READ_ONCE(file->private_data);
	__poll_t mask = 0;
	wait_queue_head_t *wq;
	atomic_t *events;
	bool *aborted;

	if (!obj)
		return EPOLLERR;
	events = seg_events(obj, &wq, &aborted);
	poll_wait(file, wq, pt);
	if (atomic_read(events) > 0)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(*aborted))
		mask |= EPOLLHUP | EPOLLERR;
	return mask;
}

static enum rsm_obj_kind cmd_kind(unsigned int cmd)
{
	switch (cmd) {
	case RSM_IOC_EXPORT_PUBLISH:
	case RSM_IOC_EXPORT_REPUBLISH:
	case RSM_IOC_EXPORT_UNPUBLISH:
	case RSM_IOC_EXPORT_REBIND:
		return RSM_OBJ_EXPORT;
	case RSM_IOC_SIGNAL_POST:
	case RSM_IOC_SIGNAL_CONSUME:
		return RSM_OBJ_EXPORT | RSM_OBJ_IMPORT;
	case RSM_IOC_IMPORT_GET:
	case RSM_IOC_IMPORT_PUT:
	case RSM_IOC_IMPORT_GETV:
	case RSM_IOC_IMPORT_PUTV:
	case RSM_IOC_IMPORT_BARRIER:
		return RSM_OBJ_IMPORT;
	default:
		return 0;
	}
}

static long rsm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	enum rsm_obj_kind *obj = READ_ONCE(file->private_data);
	void __user *uarg = (void __user *)arg;
	enum rsm_obj_kind kind;

	switch (cmd) {
	case RSM_IOC_API:
		return rsm_ioctl_api(uarg);
	case RSM_IOC_CTRL_QUERY:
		return rsm_ctrl_ioctl_query(uarg);
	case RSM_IOC_TOPOLOGY:
		return rsm_topology_ioctl(uarg);
	case RSM_IOC_EXPORT_CREATE:
		return rsm_export_create(file, uarg);
	case RSM_IOC_IMPORT_CONNECT:
		return rsm_import_connect(file, uarg);
	}
	kind = cmd_kind(cmd);
	if (!kind)
		return -ENOTTY;
	if (!obj || !(*obj & kind))
		return -EBADFD;
	if (cmd == RSM_IOC_SIGNAL_CONSUME)
		return rsm_seg_consume(obj);
	if (*obj == RSM_OBJ_EXPORT)
		return rsm_export_ioctl((struct rsm_export *)obj, cmd, uarg);
	return rsm_import_ioctl((struct rsm_import *)obj, cmd, uarg);
}

static int rsm_open(struct inode *inode, struct file *file)
{
	file->private_data = NULL;
	return nonseekable_open(inode, file);
}

/* Only imports map: see rsm_import_mmap(). */
static int rsm_mmap(struct file *file, struct vm_area_struct *vma)
{
	enum rsm_obj_kind *obj = READ_ONCE(file->private_data);

	if (!obj || *obj != RSM_OBJ_IMPORT)
		return -ENODEV;
	return rsm_import_mmap((struct rsm_import *)obj, vma);
}

/* msync() of a mapping: write what it changed back to the exporter. */
static int rsm_fsync(struct file *file, loff_t start, loff_t end,
		     int datasync)
{
	enum rsm_obj_kind *obj = READ_ONCE(file->private_data);

	if (!obj || *obj != RSM_OBJ_IMPORT)
		return 0;
	return rsm_import_writeback((struct rsm_import *)obj);
}

/* Closing the file destroys what it became. */
static int rsm_release(struct inode *inode, struct file *file)
{
	enum rsm_obj_kind *obj = file->private_data;

	if (obj && *obj == RSM_OBJ_EXPORT)
		rsm_export_release((struct rsm_export *)obj);
	else if (obj && *obj == RSM_OBJ_IMPORT)
		rsm_import_release((struct rsm_import *)obj);
	return 0;
}

static const struct file_operations rsm_fops = {
	.owner = THIS_MODULE,
	.open = rsm_open,
	.release = rsm_release,
	.poll = rsm_poll,
	.mmap = rsm_mmap,
	.fsync = rsm_fsync,
	.unlocked_ioctl = rsm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice rsm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "rsm",
	.fops = &rsm_fops,
	.mode = 0666,
};

/**
 * rsm_chardev_init() - create /dev/rsm
 *
 * Context: process context, module init.
 * Return: 0 or a negative errno from misc_register().
 */
int rsm_chardev_init(void)
{
	return misc_register(&rsm_misc);
}

/**
 * rsm_chardev_uninit() - remove /dev/rsm
 *
 * Context: process context, module exit; no file can be open (each open
 * file holds a module reference).
 */
void rsm_chardev_uninit(void)
{
	misc_deregister(&rsm_misc);
}
