/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * rsm: the generic netlink family "rsm", for configuring and watching the
 * cluster (the tool is rsmadm).
 *
 * Objects
 *   node     this node: its RSMAPI node id (0 until set) and the failure
 *            detection time.
 *   peer     another node: its node id and the IP address of its RDMA
 *            interface, plus the state of the channel to it and counters.
 *   ctrl     a controller (see <linux/rsm.h>).
 *
 * Commands
 *   RSM_CMD_NODE_GET   do    -> RSM_A_NODE_ID, RSM_A_TIMEOUT_MS, RSM_A_PORT,
 *                            RSM_A_COUNTERS (what the module holds now)
 *   RSM_CMD_NODE_SET   do    RSM_A_NODE_ID and/or RSM_A_TIMEOUT_MS
 *   RSM_CMD_PEER_GET   do    RSM_A_NODE_ID -> one peer;  dump -> all peers
 *   RSM_CMD_PEER_ADD   do    RSM_A_NODE_ID, RSM_A_PEER_ADDR
 *   RSM_CMD_PEER_SET   do    RSM_A_NODE_ID, RSM_A_PEER_ADDR
 *   RSM_CMD_PEER_DEL   do    RSM_A_NODE_ID
 *   RSM_CMD_PEER_PING  do    RSM_A_NODE_ID -> RSM_A_RTT_NS (a request and
 *                            its reply over the peer's channel)
 *   RSM_CMD_CTRL_GET   dump  -> one message per controller
 *
 * Every command that changes something needs CAP_NET_ADMIN; every
 * rejection carries an extended-ack message naming the bad attribute.
 * Unknown attributes are rejected (strict validation).
 *
 * Node ids are RSMAPI's rsm_node_id_t: 1 to RSM_NODE_ID_MAX. A peer's
 * address is a struct in_addr (4 bytes) or struct in6_addr (16 bytes) in
 * network byte order.
 */
#ifndef _UAPI_LINUX_RSM_NETLINK_H
#define _UAPI_LINUX_RSM_NETLINK_H

#define RSM_GENL_NAME		"rsm"
#define RSM_GENL_VERSION	1

/* Highest node id, as RSMAPI's node-id ranges and illumos' RSM_MAX_NODE. */
#define RSM_NODE_ID_MAX		64

/* The rdma_cm port (RDMA_PS_TCP) every node listens on. */
#define RSM_CM_PORT		7471

/* Failure detection time: default and bounds, in milliseconds. */
#define RSM_TIMEOUT_MS_DEFAULT	5000
#define RSM_TIMEOUT_MS_MIN	500
#define RSM_TIMEOUT_MS_MAX	600000

enum rsm_cmd {
	RSM_CMD_UNSPEC,
	RSM_CMD_NODE_GET,
	RSM_CMD_NODE_SET,
	RSM_CMD_PEER_GET,
	RSM_CMD_PEER_ADD,
	RSM_CMD_PEER_SET,
	RSM_CMD_PEER_DEL,
	RSM_CMD_PEER_PING,
	RSM_CMD_CTRL_GET,
	__RSM_CMD_MAX
};
#define RSM_CMD_MAX (__RSM_CMD_MAX - 1)

/*
 * Channel states. The numbers are RSMAPI's connection_state values in
 * rsm_get_interconnect_topology(): 3 (RSM_CONNECTION_ACTIVE) means usable.
 */
enum rsm_chan_state {
	RSM_CHAN_DOWN = 1,	/* no connection; retrying */
	RSM_CHAN_CONNECTING = 2,	/* connection being set up */
	RSM_CHAN_ACTIVE = 3,	/* connected and answering */
	RSM_CHAN_GOING_DOWN = 4,	/* being torn down */
};

enum rsm_attr {
	RSM_A_UNSPEC,
	RSM_A_PAD,
	RSM_A_NODE_ID,		/* u32 */
	RSM_A_TIMEOUT_MS,	/* u32: failure detection time */
	RSM_A_PORT,		/* u16: the rdma_cm port listened on */
	RSM_A_PEER_ADDR,	/* binary: in_addr or in6_addr */
	RSM_A_CHAN_STATE,	/* u32: enum rsm_chan_state */
	RSM_A_CTRL_NAME,	/* string: local controller of a channel */
	RSM_A_CTRL_ID,		/* u64 */
	RSM_A_CTRL_TYPE,	/* u32: enum rsm_ctrl_type */
	RSM_A_CTRL_HWADDR,	/* u64 */
	RSM_A_REMOTE_CTRL_NAME,	/* string: the peer's controller */
	RSM_A_REMOTE_HWADDR,	/* u64: the peer's controller's hwaddr */
	RSM_A_RTT_NS,		/* u64: PEER_PING round trip */
	RSM_A_STATS,		/* nest: RSM_STAT_* */
	RSM_A_COUNTERS,		/* nest: RSM_CNT_* */
	__RSM_A_MAX
};
#define RSM_A_MAX (__RSM_A_MAX - 1)

/* Per-peer counters, all u64, nested in RSM_A_STATS. */
enum rsm_stat {
	RSM_STAT_UNSPEC,
	RSM_STAT_PAD,
	RSM_STAT_CONNECTS,	/* channels established */
	RSM_STAT_DISCONNECTS,	/* channels lost or closed */
	RSM_STAT_TIMEOUTS,	/* declared dead: nothing heard in time */
	RSM_STAT_REJECTS,	/* connection attempts refused */
	RSM_STAT_MSGS_TX,	/* control messages sent */
	RSM_STAT_MSGS_RX,	/* control messages received */
	RSM_STAT_REQ_TIMEOUTS,	/* requests that got no reply */
	__RSM_STAT_MAX
};
#define RSM_STAT_MAX (__RSM_STAT_MAX - 1)

/*
 * What the module holds right now, all u64, nested in RSM_A_COUNTERS: for
 * leak checks, these return to their earlier values once everything the
 * objects belonged to is closed.
 */
enum rsm_counter {
	RSM_CNT_UNSPEC,
	RSM_CNT_PAD,
	RSM_CNT_EXPORTS,	/* export segments */
	RSM_CNT_IMPORTS,	/* import segments */
	RSM_CNT_GRANTS,		/* importers of this node's exports */
	RSM_CNT_PINNED_PAGES,	/* pages the module holds pinned */
	RSM_CNT_CONNS,		/* channel connections, incl. being torn down */
	RSM_CNT_MRS,		/* memory registrations */
	RSM_CNT_CACHED_PAGES,	/* local copies backing remote mappings */
	__RSM_CNT_MAX
};
#define RSM_CNT_MAX (__RSM_CNT_MAX - 1)

#endif /* _UAPI_LINUX_RSM_NETLINK_H */
