// SPDX-License-Identifier: GPL-2.0
/*
 * rsm: Remote Shared Memory for Linux clusters.
 *
 * Module init and exit only: each subsystem comes up in order and goes down
 * in exactly the reverse order.
 */
#include <linux/module.h>
#include <linux/rsm.h>

#include "chardev.h"
#include "ctrl.h"
#include "netlink.h"
#include "peer.h"
#include "segment.h"
#include "version.h"

static int __init rsm_mod_init(void)
{
	int ret;

	ret = rsm_ctrl_init();
	if (ret)
		return ret;
	ret = rsm_peer_init();
	if (ret)
		goto err_ctrl;
	ret = rsm_netlink_init();
	if (ret)
		goto err_peer;
	ret = rsm_chardev_init();
	if (ret)
		goto err_netlink;
	pr_info("loaded, API version %u\n", RSM_API_VERSION);
	return 0;

err_netlink:
	rsm_netlink_uninit();
err_peer:
	rsm_peer_uninit();
err_ctrl:
	rsm_ctrl_uninit();
	return ret;
}

static void __exit rsm_mod_exit(void)
{
	rsm_chardev_uninit();
	rsm_netlink_uninit();
	rsm_peer_uninit();
	rsm_ctrl_uninit();
}

module_init(rsm_mod_init);
module_exit(rsm_mod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Remote Shared Memory (RSMAPI) over RDMA");
MODULE_AUTHOR("The rsm authors");
MODULE_VERSION(RSM_MODULE_VERSION);
