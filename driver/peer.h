/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_PEER_H
#define _RSM_PEER_H

#include <linux/rsm.h>
#include <linux/rsm_netlink.h>
#include <linux/socket.h>
#include <linux/types.h>

#include "wire.h"

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

/* Connections, for the segment layer. */
struct ib_mr;
struct ib_pd;
struct list_head;
struct rsm_conn;

/* Most pieces one rsm_conn_rdma() moves: a vector's entries. */
#define RSM_RDMA_CHAIN_MAX	RSM_IOV_MAX

/**
 * struct rsm_rdma_piece - one RDMA READ or WRITE of a chain
 * @off: offset of the local bytes in the buffer
 * @len: bytes to move
 * @remote: the peer's address
 * @rkey: the peer's remote key
 */
struct rsm_rdma_piece {
	u32 off;
	u32 len;
	u64 remote;
	u32 rkey;
};

struct rsm_conn *rsm_peer_conn_get(u32 node);
void rsm_conn_get(struct rsm_conn *conn);
void rsm_conn_put(struct rsm_conn *conn);
u32 rsm_conn_node(const struct rsm_conn *conn);
struct ib_pd *rsm_conn_pd(const struct rsm_conn *conn);
struct list_head *rsm_conn_grants(struct rsm_conn *conn);
struct rsm_ctrl *rsm_conn_ctrl(const struct rsm_conn *conn);
bool rsm_conn_alive(struct rsm_conn *conn);
int rsm_conn_request(struct rsm_conn *conn, enum rsm_msg_type type,
		     const void *payload, u32 len, void *reply, u32 *reply_len);
int rsm_conn_notify(struct rsm_conn *conn, enum rsm_msg_type type,
		    const void *payload, u32 len);
int rsm_conn_rdma(struct rsm_conn *conn, bool write, void *buf,
		  const struct rsm_rdma_piece *p, int n);
int rsm_conn_reg_mr(struct rsm_conn *conn, struct ib_mr *mr, int access);

#endif /* _RSM_PEER_H */
