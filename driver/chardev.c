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
#include <linux/module.h>
#include <linux/rsm.h>
#include <linux/uaccess.h>

#include "chardev.h"
#include "ctrl.h"
#include "topology.h"

#define RSM_IOCTLS	(BIT_ULL(_IOC_NR(RSM_IOC_API)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_CTRL_QUERY)) | \
			 BIT_ULL(_IOC_NR(RSM_IOC_TOPOLOGY)))

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

static long rsm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case RSM_IOC_API:
		return rsm_ioctl_api(uarg);
	case RSM_IOC_CTRL_QUERY:
		return rsm_ctrl_ioctl_query(uarg);
	case RSM_IOC_TOPOLOGY:
		return rsm_topology_ioctl(uarg);
	default:
		return -ENOTTY;
	}
}

static int rsm_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

static const struct file_operations rsm_fops = {
	.owner = THIS_MODULE,
	.open = rsm_open,
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
