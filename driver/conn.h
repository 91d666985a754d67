/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peers and their connections, shared by the channel state machine
 * (peer.c) and a connection's data plane (conn.c). Private to those two
 * files; everything else uses peer.h.
 *
 * Locking, outermost first:
 *   rsm_cfg_lock    mutex: the peer list, the node id and the timeout
 *   peer->lock      mutex: the peer's address, state and current connection
 *   conn->tx_lock   spinlock: credits, free send buffers, posting
 *   peer->req_lock  spinlock: the peer's outstanding requests
 *
 * Lifetime: a peer is reference counted; the list holds one reference and
 * each connection one. A connection is reference counted too; it is
 * detached from its peer under peer->lock (from then on no handler or work
 * touches it through the peer) and torn down by conn_destroy_work():
 * disconnect, drain the QP, destroy QP, CQ and cm_id, unmap buffers,
 * deallocate the PD, in that order.
 */
#ifndef _RSM_CONN_H
#define _RSM_CONN_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>

#include "peer.h"
#include "wire.h"

#define RSM_RX_DEPTH		32
#define RSM_TX_DEPTH		32
/* Send queue slots for RDMA READ/WRITE and registrations. */
#define RSM_DATA_DEPTH		64

enum { RSM_CONN_DESTROYING };

struct rsm_conn;

/* A message buffer and its completion. */
struct rsm_buf {
	struct ib_cqe cqe;
	struct rsm_conn *conn;
	void *data;
	u64 dma;
	struct list_head free_link;
};

/**
 * struct rsm_conn - one connection of a peer's channel
 * @ref: reference count
 * @peer: the peer, referenced
 * @cm_id: the rdma_cm id; NULL once the CM owns its destruction
 * @ctrl: the controller the connection runs over, referenced
 * @pd: protection domain of this connection alone
 * @send_cq: completion queue of sends and RDMA requests, polled in softirq
 * @recv_cq: completion queue of receives, polled from a workqueue
 * @has_qp: a QP was created on @cm_id
 * @bufs: @rx then @tx message memory
 * @bufs_dma: DMA address of @bufs
 * @rx: receive buffers
 * @tx: send buffers
 * @tx_lock: protects @tx_free, @tx_busy, @credits, @rx_unacked, @dead,
 *	@reg_waiting and posting
 * @tx_free: free send buffers
 * @tx_busy: messages posted whose completion has not arrived
 * @credits: messages the peer can receive now
 * @rx_unacked: receive buffers reposted but not yet reported to the peer
 * @dead: no more posting: the connection is being torn down
 * @failed: a completion reported an error; the peer's work drops us
 * @established: rdma_cm reported the connection established
 * @started: jiffies when the connection attempt began
 * @last_rx: jiffies of the last message received
 * @last_tx: jiffies of the last message sent
 * @peer_timeout: the peer's failure detection time in ms, from its last
 *	heartbeat; 0 until one arrived
 * @flags: RSM_CONN_DESTROYING
 * @destroy_work: tears the connection down
 * @gone_link: entry in a list of connections being torn down together
 * @remote_ctrl: the peer's controller name
 * @remote_hwaddr: the peer's controller hwaddr
 * @data_slots: free send queue slots for data and registration work
 *	requests, under @tx_lock
 * @data_inflight: data and registration requests posted or being set
 *	up, under @tx_lock; teardown waits for 0
 * @data_wait: where posters wait for a slot and teardown for the last
 *	request
 * @reg_waiting: registrations waiting for the send queue to go idle;
 *	new data requests wait behind them
 * @small_ns: moving average of how long small data requests took to
 *	complete, in ns (conn.c: they poll up to twice as long; racy by
 *	design, it is only a hint)
 * @grants: exported segments registered in @pd (segment.c's, under its
 *	lock)
 */
struct rsm_conn {
	struct kref ref;
	struct rsm_peer *peer;
	struct rdma_cm_id *cm_id;
	struct rsm_ctrl *ctrl;
	struct ib_pd *pd;
	struct ib_cq *send_cq;
	struct ib_cq *recv_cq;
	bool has_qp;
	void *bufs;
	u64 bufs_dma;
	struct rsm_buf rx[RSM_RX_DEPTH];
	struct rsm_buf tx[RSM_TX_DEPTH];
	spinlock_t tx_lock;		/* credits, send buffers, posting */
	struct list_head tx_free;
	int tx_busy;
	int credits;
	int rx_unacked;
	bool dead;
	bool failed;
	bool established;
	unsigned long started;
	unsigned long last_rx;
	unsigned long last_tx;
	u32 peer_timeout;
	unsigned long flags;
	struct work_struct destroy_work;
	struct list_head gone_link;
	char remote_ctrl[RSM_WIRE_CTRL_NAME + 1];
	u64 remote_hwaddr;
	int data_slots;
	int data_inflight;
	wait_queue_head_t data_wait;
	int reg_waiting;
	u32 small_ns;
	struct list_head grants;
};

/**
 * struct rsm_peer - a configured peer node
 * @ref: reference count; the peer list holds one
 * @link: entry in rsm_peers, under rsm_cfg_lock
 * @node: node id
 * @lock: protects @addr, @state, @conn, @removed, @next_connect
 * @addr: address of the peer's RDMA interface, port RSM_CM_PORT
 * @state: enum rsm_chan_state
 * @conn: current connection, or NULL
 * @removed: deleted from the configuration
 * @next_connect: jiffies before which no new connection is attempted
 * @work: heartbeats, failure detection, connection attempts
 * @req_lock: protects @reqs and @next_req_id
 * @reqs: requests waiting for their reply
 * @next_req_id: id of the next request
 * @stats: counters, indexed by enum rsm_stat
 * @ctrl: local controller of the last channel, under @lock
 * @remote_ctrl: the peer's controller on the last channel, under @lock
 * @remote_hwaddr: its hwaddr, under @lock
 */
struct rsm_peer {
	struct kref ref;
	struct list_head link;
	u32 node;
	struct mutex lock;		/* address, state, connection */
	struct sockaddr_storage addr;
	enum rsm_chan_state state;
	struct rsm_conn *conn;
	bool removed;
	unsigned long next_connect;
	struct delayed_work work;
	spinlock_t req_lock;		/* outstanding requests */
	struct list_head reqs;
	u64 next_req_id;
	atomic64_t stats[RSM_STAT_MAX + 1];
	char ctrl[RSM_CTRL_NAME_MAX];
	char remote_ctrl[RSM_WIRE_CTRL_NAME + 1];
	u64 remote_hwaddr;
};

/* The transport's workqueue: peer work, teardowns, received requests. */
extern struct workqueue_struct *rsm_wq;

static inline void peer_stat(struct rsm_peer *peer, enum rsm_stat stat)
{
	atomic64_inc(&peer->stats[stat]);
}

/* peer.c */
void rsm_peer_put(struct rsm_peer *peer);

/* conn.c */
struct rsm_conn *rsm_conn_alloc(struct rsm_peer *peer);
int rsm_conn_setup_qp(struct rsm_conn *conn);
int rsm_conn_send(struct rsm_conn *conn, enum rsm_msg_type type,
		  u64 req_id, int status, const void *payload, u32 len);
int rsm_conn_heartbeat(struct rsm_conn *conn);
void rsm_conn_log_silence(struct rsm_conn *conn);
void rsm_conn_fail_requests(struct rsm_conn *conn);

#endif /* _RSM_CONN_H */
