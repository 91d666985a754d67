// SPDX-License-Identifier: GPL-2.0
/*
 * RSM_IOC_TOPOLOGY: this node's id and every peer's channel, for RSMAPI's
 * rsm_get_interconnect_topology().
 */
#include <linux/rsm.h>
#include <linux/uaccess.h>

#include "peer.h"
#include "topology.h"

/**
 * rsm_topology_ioctl() - RSM_IOC_TOPOLOGY
 * @uarg: user pointer to a struct rsm_topo
 *
 * Peers are walked in node id order; entries beyond the caller's room are
 * counted, not copied.
 *
 * Context: process context.
 * Return: 0, -EFAULT, or -EINVAL for non-zero flags or reserved fields.
 */
long rsm_topology_ioctl(struct rsm_topo __user *uarg)
{
	struct rsm_topo_entry __user *out;
	struct rsm_topo_entry e;
	struct rsm_peer_info pi;
	struct rsm_topo t;
	u32 room, n = 0;

	if (copy_from_user(&t, uarg, sizeof(t)))
		return -EFAULT;
	if (t.flags || t.reserved || t.local_node)
		return -EINVAL;
	room = t.count;
	out = u64_to_user_ptr(t.entries);

	pi.node = 0;
	while (!rsm_peer_info(pi.node, true, &pi)) {
		if (n < room) {
			memset(&e, 0, sizeof(e));
			strscpy(e.ctrl, pi.ctrl, sizeof(e.ctrl));
			strscpy(e.remote_ctrl, pi.remote_ctrl,
				sizeof(e.remote_ctrl));
			e.remote_hwaddr = pi.remote_hwaddr;
			e.remote_node = pi.node;
			e.state = pi.state;
			if (copy_to_user(&out[n], &e, sizeof(e)))
				return -EFAULT;
		}
		n++;
	}
	t.local_node = rsm_node_id();
	t.count = n;
	if (copy_to_user(uarg, &t, sizeof(t)))
		return -EFAULT;
	return 0;
}
