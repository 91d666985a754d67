/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_PEER_H
#define _RSM_PEER_H

#include <linux/rsm.h>
#include <linux/rsm_netlink.h>
#include <linux/socket.h>
#include <linux/types.h>

struct netlink_ext_ack;
struct rsm_ctrl;

/**
 * struct rsm_peer_info - a snapshot of one peer and its channel
 * @node: node id
 * @addr: address of its RDMA interface
 * @state: enum rsm_chan_state
 * @ctrl: local controller of the last channel ("" if none came up)
 * @remote_ctrl: the peer's controller on it, as the peer announced it
 * @remote_hwaddr: that controller's hwaddr
 * @stats: counters, indexed by enum rsm_stat
 */
struct rsm_peer_info {
	u32 node;
	struct sockaddr_storage addr;
	u32 state;
	char ctrl[RSM_CTRL_NAME_MAX];
	char remote_ctrl[RSM_CTRL_NAME_MAX];
	u64 remote_hwaddr;
	u64 stats[RSM_STAT_MAX + 1];
};

int rsm_peer_init(void);
void rsm_peer_uninit(void);
void rsm_peer_ctrl_gone(struct rsm_ctrl *ctrl);

u32 rsm_node_id(void);
u32 rsm_timeout_ms(void);
int rsm_node_set(u32 node, u32 timeout_ms, struct netlink_ext_ack *extack);
int rsm_peer_add(u32 node, const struct sockaddr_storage *addr,
		 struct netlink_ext_ack *extack);
int rsm_peer_set(u32 node, const struct sockaddr_storage *addr,
		 struct netlink_ext_ack *extack);
int rsm_peer_del(u32 node, struct netlink_ext_ack *extack);
int rsm_peer_ping(u32 node, u64 *rtt_ns, struct netlink_ext_ack *extack);
int rsm_peer_info(u32 node, bool next, struct rsm_peer_info *info);

#endif /* _RSM_PEER_H */
