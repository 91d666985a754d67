// SPDX-License-Identifier: GPL-2.0
/*
 * Peers and their channels: the cluster transport.
 *
 * Each configured peer gets one reliable-connected channel, set up with
 * rdma_cm and kept up for as long as the peer is configured. The node with
 * the lower id connects; the higher one accepts on RSM_CM_PORT. The
 * connect and accept private data carry the protocol version and both node
 * ids (struct rsm_wire_conn); a mismatch is refused with a reason that
 * both sides log. Each connection (struct rsm_conn) has its own protection
 * domain, so memory registered for one peer is unusable from another.
 *
 * Control messages are fixed-size SENDs into pre-posted receive buffers,
 * with credit flow control: a sender spends one credit per message and the
 * receiver returns credits in the header of every message it sends (and in
 * a heartbeat once half its buffers wait to be reported). The last credit
 * is kept for heartbeats, so credits can always flow back.
 *
 * Failure detection: every side sends a heartbeat when it has sent nothing
 * for a quarter of the failure detection time, and declares the peer down
 * when it has heard nothing for the whole time. A channel that goes down
 * is torn down and, on the connecting side, set up again.
 *
 * Context rules:
 * - rdma_cm handlers run in process context, serialised per cm_id, under
 *   the id's handler mutex. They never destroy their own id and always
 *   return 0; teardown runs in conn_destroy_work().
 * - Completions are polled from a workqueue (IB_POLL_WORKQUEUE). They do
 *   not take mutexes: a failure found there kicks the peer's work.
 * - Posting happens under conn->tx_lock with bottom halves off, never with
 *   interrupts off.
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
#include <linux/inet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/netlink.h>
#include <rdma/ib_verbs.h>
#include <rdma/ib_cm.h>
#include <rdma/rdma_cm.h>

#include "ctrl.h"
#include "netlink.h"
#include "peer.h"
#include "segment.h"
#include "wire.h"

#define RSM_RX_DEPTH		32
#define RSM_TX_DEPTH		32
/* Send queue slots for RDMA READ/WRITE and registrations. */
#define RSM_DATA_DEPTH		64
#define RSM_RESOLVE_MS		2000
#define RSM_RD_ATOM		16

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
 * @cq: completion queue for sends and receives
 * @has_qp: a QP was created on @cm_id
 * @bufs: @rx then @tx message memory
 * @bufs_dma: DMA address of @bufs
 * @rx: receive buffers
 * @tx: send buffers
 * @tx_lock: protects @tx_free, @credits, @rx_unacked, @dead and posting
 * @tx_free: free send buffers
 * @credits: messages the peer can receive now
 * @rx_unacked: receive buffers reposted but not yet reported to the peer
 * @dead: no more posting: the connection is being torn down
 * @failed: a completion reported an error; the peer's work drops us
 * @started: jiffies when the connection attempt began
 * @last_rx: jiffies of the last message received
 * @last_tx: jiffies of the last message sent
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
 * @grants: exported segments registered in @pd (segment.c's, under its
 *	lock)
 */
struct rsm_conn {
	struct kref ref;
	struct rsm_peer *peer;
	struct rdma_cm_id *cm_id;
	struct rsm_ctrl *ctrl;
	struct ib_pd *pd;
	struct ib_cq *cq;
	bool has_qp;
	void *bufs;
	u64 bufs_dma;
	struct rsm_buf rx[RSM_RX_DEPTH];
	struct rsm_buf tx[RSM_TX_DEPTH];
	spinlock_t tx_lock;		/* credits, send buffers, posting */
	struct list_head tx_free;
	int credits;
	int rx_unacked;
	bool dead;
	bool failed;
	unsigned long started;
	unsigned long last_rx;
	unsigned long last_tx;
	unsigned long flags;
	struct work_struct destroy_work;
	struct list_head gone_link;
	char remote_ctrl[RSM_WIRE_CTRL_NAME + 1];
	u64 remote_hwaddr;
	int data_slots;
	int data_inflight;
	wait_queue_head_t data_wait;
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

/* A request waiting for its reply, on the requester's stack. */
struct rsm_req {
	struct list_head link;
	u64 id;
	struct completion done;
	int status;
	void *reply;
	u32 reply_max;
	u32 reply_len;
};

/* A request received, handled in process context by rsm_wq. */
struct rsm_msg_work {
	struct work_struct work;
	struct rsm_conn *conn;
	u8 type;
	u64 req_id;
	u32 len;
	u8 payload[RSM_MSG_PAYLOAD];
};

static DEFINE_MUTEX(rsm_cfg_lock);
static LIST_HEAD(rsm_peers);
static u32 rsm_node;
static u32 rsm_timeout = RSM_TIMEOUT_MS_DEFAULT;
static struct workqueue_struct *rsm_wq;
static struct rdma_cm_id *rsm_listen4, *rsm_listen6;

static void peer_stat(struct rsm_peer *peer, enum rsm_stat stat)
{
	atomic64_inc(&peer->stats[stat]);
}

u32 rsm_node_id(void)
{
	return READ_ONCE(rsm_node);
}

u32 rsm_timeout_ms(void)
{
	return READ_ONCE(rsm_timeout);
}

static unsigned long period(void)
{
	return msecs_to_jiffies(rsm_timeout_ms() / 4);
}

static void peer_release(struct kref *ref)
{
	struct rsm_peer *peer = container_of(ref, struct rsm_peer, ref);

	cancel_delayed_work_sync(&peer->work);
	kfree(peer);
}

static void peer_put(struct rsm_peer *peer)
{
	kref_put(&peer->ref, peer_release);
}

static void conn_release(struct kref *ref)
{
	struct rsm_conn *conn = container_of(ref, struct rsm_conn, ref);

	peer_put(conn->peer);
	kfree(conn);
	rsm_count(RSM_CNT_CONNS, -1);
}

static void conn_put(struct rsm_conn *conn)
{
	kref_put(&conn->ref, conn_release);
}

static struct ib_device *conn_dev(struct rsm_conn *conn)
{
	return conn->pd->device;
}

/* Messages */

/*
 * Post one message. @type RSM_MSG_HEARTBEAT may spend the last credit;
 * everything else leaves it for heartbeats.
 */
static int conn_send(struct rsm_conn *conn, enum rsm_msg_type type,
		     u64 req_id, int status, const void *payload, u32 len)
{
	struct ib_send_wr wr = {};
	struct rsm_wire_hdr *hdr;
	struct rsm_buf *tx;
	struct ib_sge sge;
	int ret;

	if (len > RSM_MSG_PAYLOAD)
		return -EMSGSIZE;
	spin_lock_bh(&conn->tx_lock);
	if (conn->dead || !conn->has_qp) {
		ret = -ECONNRESET;
		goto out;
	}
	if (conn->credits < (type == RSM_MSG_HEARTBEAT ? 1 : 2) ||
	    list_empty(&conn->tx_free)) {
		ret = -ENOBUFS;
		goto out;
	}
	tx = list_first_entry(&conn->tx_free, struct rsm_buf, free_link);
	list_del(&tx->free_link);
	conn->credits--;

	hdr = tx->data;
	memset(hdr, 0, sizeof(*hdr));
	hdr->version = RSM_WIRE_VERSION;
	hdr->type = type;
	hdr->credits = cpu_to_le16(conn->rx_unacked);
	hdr->len = cpu_to_le32(len);
	hdr->status = cpu_to_le32(status);
	hdr->req_id = cpu_to_le64(req_id);
	if (len)
		memcpy(hdr + 1, payload, len);
	conn->rx_unacked = 0;
	ib_dma_sync_single_for_device(conn_dev(conn), tx->dma, RSM_MSG_SIZE,
				      DMA_TO_DEVICE);

	sge.addr = tx->dma;
	sge.length = sizeof(*hdr) + len;
	sge.lkey = conn->pd->local_dma_lkey;
	wr.wr_cqe = &tx->cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IB_WR_SEND;
	wr.send_flags = IB_SEND_SIGNALED;
	ret = ib_post_send(conn->cm_id->qp, &wr, NULL);
	if (ret) {
		list_add(&tx->free_link, &conn->tx_free);
		conn->credits++;
		goto out;
	}
	WRITE_ONCE(conn->last_tx, jiffies);
	peer_stat(conn->peer, RSM_STAT_MSGS_TX);
out:
	spin_unlock_bh(&conn->tx_lock);
	return ret;
}

/* A completion failed: let the peer's work drop the connection. */
static void conn_fail(struct rsm_conn *conn, const char *what)
{
	if (READ_ONCE(conn->failed))
		return;
	pr_warn("peer %u: %s, dropping the channel\n", conn->peer->node, what);
	WRITE_ONCE(conn->failed, true);
	mod_delayed_work(rsm_wq, &conn->peer->work, 0);
}

static void tx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rsm_buf *tx = container_of(wc->wr_cqe, struct rsm_buf, cqe);
	struct rsm_conn *conn = tx->conn;

	spin_lock_bh(&conn->tx_lock);
	list_add(&tx->free_link, &conn->tx_free);
	spin_unlock_bh(&conn->tx_lock);
	if (wc->status != IB_WC_SUCCESS && wc->status != IB_WC_WR_FLUSH_ERR)
		conn_fail(conn, ib_wc_status_msg(wc->status));
}

static int conn_post_recv(struct rsm_conn *conn, struct rsm_buf *rx)
{
	struct ib_recv_wr wr = {};
	struct ib_sge sge;

	sge.addr = rx->dma;
	sge.length = RSM_MSG_SIZE;
	sge.lkey = conn->pd->local_dma_lkey;
	wr.wr_cqe = &rx->cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	return ib_post_recv(conn->cm_id->qp, &wr, NULL);
}

static void peer_complete_request(struct rsm_peer *peer,
				  const struct rsm_wire_hdr *hdr)
{
	u64 id = le64_to_cpu(hdr->req_id);
	u32 len = le32_to_cpu(hdr->len);
	struct rsm_req *req;

	spin_lock_bh(&peer->req_lock);
	list_for_each_entry(req, &peer->reqs, link) {
		if (req->id != id || completion_done(&req->done))
			continue;
		req->status = (s32)le32_to_cpu(hdr->status);
		req->reply_len = min(len, req->reply_max);
		if (req->reply_len)
			memcpy(req->reply, hdr + 1, req->reply_len);
		complete(&req->done);
		break;
	}
	spin_unlock_bh(&peer->req_lock);
}

static void conn_get(struct rsm_conn *conn)
{
	kref_get(&conn->ref);
}

/*
 * Handle a received request, and send its reply unless it wants none.
 * Never in completion context: handlers take mutexes that holders keep
 * while waiting for completions of the same CQ.
 */
static void msg_work(struct work_struct *work)
{
	struct rsm_msg_work *mw = container_of(work, struct rsm_msg_work, work);
	u8 reply[RSM_MSG_PAYLOAD];
	u32 reply_len = 0;
	int status;

	status = rsm_seg_request(mw->conn, mw->type, mw->payload, mw->len,
				 reply, &reply_len);
	if (mw->req_id)
		conn_send(mw->conn, RSM_MSG_REPLY, mw->req_id, status, reply,
			  reply_len);
	conn_put(mw->conn);
	kfree(mw);
}

static void conn_queue_request(struct rsm_conn *conn,
			       const struct rsm_wire_hdr *hdr)
{
	struct rsm_msg_work *mw;

	mw = kmalloc(sizeof(*mw), GFP_KERNEL);
	if (!mw) {
		if (hdr->req_id)
			conn_send(conn, RSM_MSG_REPLY,
				  le64_to_cpu(hdr->req_id), -ENOMEM, NULL, 0);
		return;
	}
	INIT_WORK(&mw->work, msg_work);
	conn_get(conn);
	mw->conn = conn;
	mw->type = hdr->type;
	mw->req_id = le64_to_cpu(hdr->req_id);
	mw->len = le32_to_cpu(hdr->len);
	memcpy(mw->payload, hdr + 1, mw->len);
	queue_work(rsm_wq, &mw->work);
}

static void rx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rsm_buf *rx = container_of(wc->wr_cqe, struct rsm_buf, cqe);
	struct rsm_conn *conn = rx->conn;
	struct rsm_peer *peer = conn->peer;
	struct rsm_wire_hdr *hdr = rx->data;
	bool report;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			conn_fail(conn, ib_wc_status_msg(wc->status));
		return;
	}
	ib_dma_sync_single_for_cpu(conn_dev(conn), rx->dma, RSM_MSG_SIZE,
				   DMA_FROM_DEVICE);
	if (wc->byte_len < sizeof(*hdr) || hdr->version != RSM_WIRE_VERSION ||
	    le32_to_cpu(hdr->len) > wc->byte_len - sizeof(*hdr)) {
		conn_fail(conn, "malformed message");
		return;
	}
	WRITE_ONCE(conn->last_rx, jiffies);
	peer_stat(peer, RSM_STAT_MSGS_RX);
	spin_lock_bh(&conn->tx_lock);
	conn->credits += le16_to_cpu(hdr->credits);
	spin_unlock_bh(&conn->tx_lock);

	switch (hdr->type) {
	case RSM_MSG_HEARTBEAT:
		break;
	case RSM_MSG_PING:
		/* If no credit is left the requester times out and retries. */
		conn_send(conn, RSM_MSG_REPLY, le64_to_cpu(hdr->req_id), 0,
			  NULL, 0);
		break;
	case RSM_MSG_REPLY:
		peer_complete_request(peer, hdr);
		break;
	case RSM_MSG_SEG_SIGNAL:
	case RSM_MSG_SEG_CONNECT:
	case RSM_MSG_SEG_CHUNKS:
	case RSM_MSG_SEG_DISCONNECT:
	case RSM_MSG_SEG_REVOKE:
	case RSM_MSG_SEG_REBIND:
		conn_queue_request(conn, hdr);
		break;
	default:
		conn_fail(conn, "unknown message type");
		return;
	}

	if (conn_post_recv(conn, rx))
		return;
	spin_lock_bh(&conn->tx_lock);
	report = ++conn->rx_unacked >= RSM_RX_DEPTH / 2;
	spin_unlock_bh(&conn->tx_lock);
	if (report)
		conn_send(conn, RSM_MSG_HEARTBEAT, 0, 0, NULL, 0);
}

/* Connections: setup and teardown */

static struct rsm_conn *conn_alloc(struct rsm_peer *peer)
{
	struct rsm_conn *conn;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return NULL;
	rsm_count(RSM_CNT_CONNS, 1);
	kref_init(&conn->ref);
	kref_get(&peer->ref);
	conn->peer = peer;
	spin_lock_init(&conn->tx_lock);
	INIT_LIST_HEAD(&conn->tx_free);
	conn->credits = RSM_RX_DEPTH;
	conn->started = jiffies;
	conn->data_slots = RSM_DATA_DEPTH;
	init_waitqueue_head(&conn->data_wait);
	INIT_LIST_HEAD(&conn->grants);
	return conn;
}

/*
 * Everything a connection needs on its device: PD, CQ, QP, message
 * buffers with their receives posted. On failure, what was made stays
 * recorded in @conn for conn_destroy_work() to release.
 */
static int conn_setup_qp(struct rsm_conn *conn)
{
	struct rdma_cm_id *id = conn->cm_id;
	struct ib_device *dev = id->device;
	struct ib_qp_init_attr qa = {};
	size_t len = (RSM_RX_DEPTH + RSM_TX_DEPTH) * RSM_MSG_SIZE;
	int i, ret;

	conn->ctrl = rsm_ctrl_get_ibdev(dev);
	if (!conn->ctrl)
		return -ENODEV;
	conn->pd = ib_alloc_pd(dev, 0);
	if (IS_ERR(conn->pd)) {
		ret = PTR_ERR(conn->pd);
		conn->pd = NULL;
		return ret;
	}
	conn->cq = ib_alloc_cq_any(dev, conn, RSM_RX_DEPTH + RSM_TX_DEPTH +
				   RSM_DATA_DEPTH + 2, IB_POLL_WORKQUEUE);
	if (IS_ERR(conn->cq)) {
		ret = PTR_ERR(conn->cq);
		conn->cq = NULL;
		return ret;
	}

	conn->bufs = kzalloc(len, GFP_KERNEL);
	if (!conn->bufs)
		return -ENOMEM;
	conn->bufs_dma = ib_dma_map_single(dev, conn->bufs, len,
					   DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(dev, conn->bufs_dma)) {
		kfree(conn->bufs);
		conn->bufs = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < RSM_RX_DEPTH + RSM_TX_DEPTH; i++) {
		struct rsm_buf *b = i < RSM_RX_DEPTH ? &conn->rx[i] :
				    &conn->tx[i - RSM_RX_DEPTH];

		b->conn = conn;
		b->data = conn->bufs + i * RSM_MSG_SIZE;
		b->dma = conn->bufs_dma + i * RSM_MSG_SIZE;
		b->cqe.done = i < RSM_RX_DEPTH ? rx_done : tx_done;
		if (i >= RSM_RX_DEPTH)
			list_add_tail(&b->free_link, &conn->tx_free);
	}

	qa.event_handler = NULL;
	qa.send_cq = conn->cq;
	qa.recv_cq = conn->cq;
	qa.cap.max_send_wr = RSM_TX_DEPTH + RSM_DATA_DEPTH + 1;
	qa.cap.max_recv_wr = RSM_RX_DEPTH + 1;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	qa.sq_sig_type = IB_SIGNAL_REQ_WR;
	qa.qp_type = IB_QPT_RC;
	ret = rdma_create_qp(id, conn->pd, &qa);
	if (ret)
		return ret;
	conn->has_qp = true;
	for (i = 0; i < RSM_RX_DEPTH; i++) {
		ret = conn_post_recv(conn, &conn->rx[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static void conn_destroy_work(struct work_struct *work)
{
	struct rsm_conn *conn = container_of(work, struct rsm_conn,
					     destroy_work);
	struct rdma_cm_id *id = conn->cm_id;

	spin_lock_bh(&conn->tx_lock);
	conn->dead = true;
	spin_unlock_bh(&conn->tx_lock);
	wake_up_all(&conn->data_wait);

	if (id && conn->has_qp) {
		rdma_disconnect(id);
		ib_drain_qp(id->qp);
		rdma_destroy_qp(id);
	}
	/* Every data request has completed: wait for its poster to let go
	 * of its DMA mappings, then release what segments registered here.
	 */
	wait_event(conn->data_wait, !READ_ONCE(conn->data_inflight));
	if (conn->pd)
		rsm_seg_conn_gone(conn);
	if (conn->cq)
		ib_free_cq(conn->cq);
	if (id)
		rdma_destroy_id(id);
	if (conn->bufs) {
		ib_dma_unmap_single(conn->pd->device, conn->bufs_dma,
				    (RSM_RX_DEPTH + RSM_TX_DEPTH) * RSM_MSG_SIZE,
				    DMA_BIDIRECTIONAL);
		kfree(conn->bufs);
	}
	if (conn->pd)
		ib_dealloc_pd(conn->pd);
	if (conn->ctrl)
		rsm_ctrl_put(conn->ctrl);
	conn_put(conn);
}

/* Fail every request waiting on the peer, e.g. when its channel drops. */
static void peer_fail_requests(struct rsm_peer *peer, int status)
{
	struct rsm_req *req;

	spin_lock_bh(&peer->req_lock);
	list_for_each_entry(req, &peer->reqs, link) {
		req->status = status;
		complete(&req->done);
	}
	spin_unlock_bh(&peer->req_lock);
}

/*
 * Detach the peer's connection and have it torn down. The peer is DOWN
 * from here on; the connecting side tries again after a period.
 */
static void peer_drop_conn_locked(struct rsm_peer *peer)
{
	struct rsm_conn *conn = peer->conn;

	lockdep_assert_held(&peer->lock);
	if (!conn)
		return;
	peer->conn = NULL;
	if (peer->state == RSM_CHAN_ACTIVE) {
		peer_stat(peer, RSM_STAT_DISCONNECTS);
		pr_info("peer %u: channel down\n", peer->node);
	}
	peer->state = RSM_CHAN_DOWN;
	peer->next_connect = jiffies + period();
	peer_fail_requests(peer, -ECONNABORTED);
	if (!test_and_set_bit(RSM_CONN_DESTROYING, &conn->flags)) {
		kref_get(&conn->ref);
		queue_work(rsm_wq, &conn->destroy_work);
	}
	conn_put(conn);
}

static void wire_conn_fill(struct rsm_wire_conn *w, struct rsm_conn *conn,
			   u32 dst)
{
	char name[RSM_CTRL_NAME_MAX];

	memset(w, 0, sizeof(*w));
	w->magic = cpu_to_le32(RSM_WIRE_MAGIC);
	w->version = cpu_to_le16(RSM_WIRE_VERSION);
	w->src_node = cpu_to_le32(rsm_node_id());
	w->dst_node = cpu_to_le32(dst);
	w->hwaddr = cpu_to_le64(be64_to_cpu(conn->cm_id->device->node_guid));
	rsm_ctrl_name(conn->ctrl, name);
	memcpy(w->ctrl, name, strnlen(name, sizeof(w->ctrl)));
}

static void wire_conn_remote(struct rsm_conn *conn,
			     const struct rsm_wire_conn *w)
{
	memcpy(conn->remote_ctrl, w->ctrl, RSM_WIRE_CTRL_NAME);
	conn->remote_ctrl[RSM_WIRE_CTRL_NAME] = 0;
	conn->remote_hwaddr = le64_to_cpu(w->hwaddr);
}

static const char *const reject_reason[] = {
	[RSM_REJ_VERSION] = "protocol version mismatch",
	[RSM_REJ_NOT_ME] = "wrong destination node id",
	[RSM_REJ_UNKNOWN_NODE] = "node id not a configured peer",
	[RSM_REJ_DIRECTION] = "the lower node id must connect",
	[RSM_REJ_RESOURCES] = "out of resources",
	[RSM_REJ_NOT_READY] = "no node id set",
};

static const char *reject_str(unsigned int reason)
{
	if (reason < ARRAY_SIZE(reject_reason) && reject_reason[reason])
		return reject_reason[reason];
	return "unknown reason";
}

static void conn_rejected(struct rsm_conn *conn, struct rdma_cm_event *ev)
{
	const struct rsm_wire_conn *w;
	u8 len;

	w = rdma_consumer_reject_data(conn->cm_id, ev, &len);
	peer_stat(conn->peer, RSM_STAT_REJECTS);
	if (w && len >= sizeof(*w) && le32_to_cpu(w->magic) == RSM_WIRE_MAGIC)
		pr_warn_ratelimited("peer %u refused the channel: %s\n",
				    conn->peer->node,
				    reject_str(le16_to_cpu(w->reason)));
	else
		pr_warn_ratelimited("peer %u refused the channel: %s\n",
				    conn->peer->node,
				    rdma_reject_msg(conn->cm_id,
						    ev->status));
}

static int conn_route_resolved(struct rsm_conn *conn)
{
	struct rdma_conn_param param = {};
	struct rsm_wire_conn w;
	int ret;

	ret = conn_setup_qp(conn);
	if (ret)
		return ret;
	wire_conn_fill(&w, conn, conn->peer->node);
	param.private_data = &w;
	param.private_data_len = sizeof(w);
	param.responder_resources = min_t(int, RSM_RD_ATOM,
				conn->cm_id->device->attrs.max_qp_rd_atom);
	param.initiator_depth = min_t(int, RSM_RD_ATOM,
				conn->cm_id->device->attrs.max_qp_init_rd_atom);
	param.retry_count = 7;
	param.rnr_retry_count = 7;
	return rdma_connect_locked(conn->cm_id, &param);
}

static int conn_established(struct rsm_conn *conn, struct rdma_cm_event *ev)
{
	struct rsm_peer *peer = conn->peer;
	const struct rsm_wire_conn *w = ev->param.conn.private_data;

	/* The accepting side already read the connect's private data. */
	if (rsm_node_id() < peer->node) {
		if (!w || ev->param.conn.private_data_len < sizeof(*w) ||
		    le32_to_cpu(w->magic) != RSM_WIRE_MAGIC ||
		    le16_to_cpu(w->version) != RSM_WIRE_VERSION ||
		    le32_to_cpu(w->src_node) != peer->node)
			return -EPROTO;
		wire_conn_remote(conn, w);
	}
	WRITE_ONCE(conn->last_rx, jiffies);
	peer->state = RSM_CHAN_ACTIVE;
	peer_stat(peer, RSM_STAT_CONNECTS);
	rsm_ctrl_name(conn->ctrl, peer->ctrl);
	memcpy(peer->remote_ctrl, conn->remote_ctrl, sizeof(peer->remote_ctrl));
	peer->remote_hwaddr = conn->remote_hwaddr;
	pr_info("peer %u: channel up over %s\n", peer->node, peer->ctrl);
	return 0;
}

static int conn_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct rsm_conn *conn = id->context;
	struct rsm_peer *peer = conn->peer;
	int err = 0;

	mutex_lock(&peer->lock);
	if (peer->conn != conn)
		goto out;	/* detached: conn_destroy_work() owns it */
	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		err = rdma_resolve_route(id, RSM_RESOLVE_MS);
		break;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		err = conn_route_resolved(conn);
		break;
	case RDMA_CM_EVENT_ESTABLISHED:
		err = conn_established(conn, ev);
		break;
	case RDMA_CM_EVENT_REJECTED:
		conn_rejected(conn, ev);
		err = -ECONNREFUSED;
		break;
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
		pr_debug("peer %u: %s\n", peer->node, rdma_event_msg(ev->event));
		err = -EHOSTUNREACH;
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
	case RDMA_CM_EVENT_ADDR_CHANGE:
		err = -ECONNRESET;
		break;
	default:
		break;
	}
	if (err)
		peer_drop_conn_locked(peer);
out:
	mutex_unlock(&peer->lock);
	return 0;
}

/* Start connecting to the peer; the CM handler carries it on. */
static void peer_connect_locked(struct rsm_peer *peer)
{
	struct rdma_cm_id *id;
	struct rsm_conn *conn;
	int ret;

	lockdep_assert_held(&peer->lock);
	if (time_before(jiffies, peer->next_connect))
		return;
	peer->next_connect = jiffies + period();
	conn = conn_alloc(peer);
	if (!conn)
		return;
	INIT_WORK(&conn->destroy_work, conn_destroy_work);
	id = rdma_create_id(&init_net, conn_cm_handler, conn, RDMA_PS_TCP,
			    IB_QPT_RC);
	if (IS_ERR(id)) {
		conn_put(conn);
		return;
	}
	conn->cm_id = id;
	peer->conn = conn;
	peer->state = RSM_CHAN_CONNECTING;
	ret = rdma_resolve_addr(id, NULL, (struct sockaddr *)&peer->addr,
				RSM_RESOLVE_MS);
	if (ret)
		peer_drop_conn_locked(peer);
}

static void peer_work(struct work_struct *work)
{
	struct rsm_peer *peer = container_of(to_delayed_work(work),
					     struct rsm_peer, work);
	unsigned long timeout = msecs_to_jiffies(rsm_timeout_ms());
	struct rsm_conn *conn;
	u32 me = rsm_node_id();

	mutex_lock(&peer->lock);
	if (peer->removed) {
		mutex_unlock(&peer->lock);
		return;
	}
	conn = peer->conn;
	if (conn && READ_ONCE(conn->failed)) {
		peer_drop_conn_locked(peer);
		conn = NULL;
	}
	switch (peer->state) {
	case RSM_CHAN_ACTIVE:
		if (time_after(jiffies, READ_ONCE(conn->last_rx) + timeout)) {
			pr_warn("peer %u: nothing heard for %u ms, declaring it down\n",
				peer->node, rsm_timeout_ms());
			peer_stat(peer, RSM_STAT_TIMEOUTS);
			peer_drop_conn_locked(peer);
		} else if (time_after_eq(jiffies,
					 READ_ONCE(conn->last_tx) + period())) {
			conn_send(conn, RSM_MSG_HEARTBEAT, 0, 0, NULL, 0);
		}
		break;
	case RSM_CHAN_CONNECTING:
		if (time_after(jiffies, conn->started + timeout))
			peer_drop_conn_locked(peer);
		break;
	default:
		if (me && me < peer->node)
			peer_connect_locked(peer);
		break;
	}
	mutex_unlock(&peer->lock);
	queue_delayed_work(rsm_wq, &peer->work, period());
}

/* Incoming connections */

static int listen_reject(struct rdma_cm_id *id, enum rsm_wire_reject reason)
{
	struct rsm_wire_conn w = {};

	w.magic = cpu_to_le32(RSM_WIRE_MAGIC);
	w.version = cpu_to_le16(RSM_WIRE_VERSION);
	w.reason = cpu_to_le16(reason);
	w.src_node = cpu_to_le32(rsm_node_id());
	rdma_reject(id, &w, sizeof(w), IB_CM_REJ_CONSUMER_DEFINED);
	return 1;	/* the CM destroys the new id */
}

static struct rsm_peer *peer_find(u32 node)
{
	struct rsm_peer *peer;

	lockdep_assert_held(&rsm_cfg_lock);
	list_for_each_entry(peer, &rsm_peers, link)
		if (peer->node == node)
			return peer;
	return NULL;
}

static struct rsm_peer *peer_get(u32 node)
{
	struct rsm_peer *peer;

	mutex_lock(&rsm_cfg_lock);
	peer = peer_find(node);
	if (peer)
		kref_get(&peer->ref);
	mutex_unlock(&rsm_cfg_lock);
	return peer;
}

/* Checks of a connect request's private data, in order. */
static enum rsm_wire_reject listen_check(const struct rdma_cm_event *ev,
					 u32 me)
{
	const struct rsm_wire_conn *w = ev->param.conn.private_data;

	if (!w || ev->param.conn.private_data_len < sizeof(*w) ||
	    le32_to_cpu(w->magic) != RSM_WIRE_MAGIC ||
	    le16_to_cpu(w->version) != RSM_WIRE_VERSION)
		return RSM_REJ_VERSION;
	if (!me)
		return RSM_REJ_NOT_READY;
	if (le32_to_cpu(w->dst_node) != me)
		return RSM_REJ_NOT_ME;
	return 0;
}

static int listen_connect_request(struct rdma_cm_id *id,
				  struct rdma_cm_event *ev)
{
	const struct rsm_wire_conn *w = ev->param.conn.private_data;
	struct rdma_conn_param param = {};
	enum rsm_wire_reject reason;
	struct rsm_wire_conn acc;
	struct rsm_peer *peer;
	struct rsm_conn *conn;
	u32 me = rsm_node_id();

	reason = listen_check(ev, me);
	if (reason) {
		pr_warn_ratelimited("refused a channel from %pISc: %s\n",
				    &id->route.addr.dst_addr,
				    reject_str(reason));
		return listen_reject(id, reason);
	}
	peer = peer_get(le32_to_cpu(w->src_node));
	if (!peer) {
		pr_warn_ratelimited("refused a channel from %pISc: node %u: %s\n",
				    &id->route.addr.dst_addr,
				    le32_to_cpu(w->src_node),
				    reject_str(RSM_REJ_UNKNOWN_NODE));
		return listen_reject(id, RSM_REJ_UNKNOWN_NODE);
	}
	if (peer->node >= me) {
		pr_warn_ratelimited("refused a channel from node %u: %s\n",
				    peer->node, reject_str(RSM_REJ_DIRECTION));
		peer_stat(peer, RSM_STAT_REJECTS);
		peer_put(peer);
		return listen_reject(id, RSM_REJ_DIRECTION);
	}

	mutex_lock(&peer->lock);
	reason = RSM_REJ_RESOURCES;
	if (peer->removed)
		goto reject;
	/* A new connection from the peer replaces the old: it restarted. */
	peer_drop_conn_locked(peer);
	conn = conn_alloc(peer);
	if (!conn)
		goto reject;
	INIT_WORK(&conn->destroy_work, conn_destroy_work);
	conn->cm_id = id;
	id->context = conn;
	wire_conn_remote(conn, w);
	peer->conn = conn;
	peer->state = RSM_CHAN_CONNECTING;
	if (conn_setup_qp(conn))
		goto err_conn;

	wire_conn_fill(&acc, conn, peer->node);
	param.private_data = &acc;
	param.private_data_len = sizeof(acc);
	param.responder_resources = min_t(int, RSM_RD_ATOM,
					  id->device->attrs.max_qp_rd_atom);
	param.initiator_depth = min_t(int, RSM_RD_ATOM,
				      id->device->attrs.max_qp_init_rd_atom);
	param.retry_count = 7;
	param.rnr_retry_count = 7;
	if (rdma_accept(id, &param))
		goto err_conn;
	mutex_unlock(&peer->lock);
	peer_put(peer);
	return 0;

err_conn:
	/* The CM destroys the id when we return non-zero; we do the QP. */
	if (conn->has_qp) {
		rdma_destroy_qp(id);
		conn->has_qp = false;
	}
	conn->cm_id = NULL;
	peer_drop_conn_locked(peer);
reject:
	peer_stat(peer, RSM_STAT_REJECTS);
	mutex_unlock(&peer->lock);
	peer_put(peer);
	return listen_reject(id, reason);
}

/*
 * Accepted connections inherit the listener's handler: their events come
 * here too, with their connection as context.
 */
static int listen_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	if (ev->event == RDMA_CM_EVENT_CONNECT_REQUEST)
		return listen_connect_request(id, ev);
	if (id->context)
		return conn_cm_handler(id, ev);
	return 0;
}

static struct rdma_cm_id *listen_on(struct sockaddr *addr)
{
	struct rdma_cm_id *id;
	int ret;

	id = rdma_create_id(&init_net, listen_handler, NULL, RDMA_PS_TCP,
			    IB_QPT_RC);
	if (IS_ERR(id))
		return id;
	ret = addr->sa_family == AF_INET6 ? rdma_set_afonly(id, 1) : 0;
	if (!ret)
		ret = rdma_bind_addr(id, addr);
	if (!ret)
		ret = rdma_listen(id, 64);
	if (ret) {
		rdma_destroy_id(id);
		return ERR_PTR(ret);
	}
	return id;
}

/* Configuration */

/* Tear one connection down now and wait until it is gone. */
static void conn_destroy_sync(struct rsm_conn *conn)
{
	flush_work(&conn->destroy_work);
	conn_put(conn);
}

/* Detach the peer's connection and return it, referenced, for
 * conn_destroy_sync(); NULL if there is none.
 */
static struct rsm_conn *peer_take_conn_locked(struct rsm_peer *peer)
{
	struct rsm_conn *conn = peer->conn;

	if (conn) {
		kref_get(&conn->ref);
		peer_drop_conn_locked(peer);
	}
	return conn;
}

static void peer_remove(struct rsm_peer *peer)
{
	struct rsm_conn *conn;

	mutex_lock(&peer->lock);
	peer->removed = true;
	conn = peer_take_conn_locked(peer);
	mutex_unlock(&peer->lock);
	if (conn)
		conn_destroy_sync(conn);
	cancel_delayed_work_sync(&peer->work);
	peer_put(peer);
}

static int addr_valid(const struct sockaddr_storage *addr,
		      struct netlink_ext_ack *extack)
{
	if (addr->ss_family != AF_INET && addr->ss_family != AF_INET6) {
		NL_SET_ERR_MSG(extack, "address family must be IPv4 or IPv6");
		return -EINVAL;
	}
	return 0;
}

/**
 * rsm_node_set() - set this node's id and/or the failure detection time
 * @node: new node id, or 0 to keep it
 * @timeout_ms: new failure detection time, or 0 to keep it
 * @extack: for the reason of a rejection
 *
 * A new node id restarts every channel under the new id.
 *
 * Context: process context, takes rsm_cfg_lock and every peer's lock.
 * Return: 0, or -EINVAL.
 */
int rsm_node_set(u32 node, u32 timeout_ms, struct netlink_ext_ack *extack)
{
	struct rsm_peer *peer;

	mutex_lock(&rsm_cfg_lock);
	if (node && peer_find(node)) {
		mutex_unlock(&rsm_cfg_lock);
		NL_SET_ERR_MSG(extack, "node id is a configured peer's");
		return -EINVAL;
	}
	if (timeout_ms)
		WRITE_ONCE(rsm_timeout, timeout_ms);
	if (node && node != rsm_node) {
		WRITE_ONCE(rsm_node, node);
		list_for_each_entry(peer, &rsm_peers, link) {
			mutex_lock(&peer->lock);
			peer_drop_conn_locked(peer);
			peer->next_connect = jiffies;
			mutex_unlock(&peer->lock);
			mod_delayed_work(rsm_wq, &peer->work, 0);
		}
	}
	mutex_unlock(&rsm_cfg_lock);
	return 0;
}

/**
 * rsm_peer_add() - configure a new peer and start its channel
 * @node: its node id
 * @addr: address of its RDMA interface
 * @extack: for the reason of a rejection
 *
 * Context: process context, takes rsm_cfg_lock.
 * Return: 0, -EEXIST, -EINVAL or -ENOMEM.
 */
int rsm_peer_add(u32 node, const struct sockaddr_storage *addr,
		 struct netlink_ext_ack *extack)
{
	struct rsm_peer *peer;
	int ret, i;

	ret = addr_valid(addr, extack);
	if (ret)
		return ret;
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return -ENOMEM;
	kref_init(&peer->ref);
	peer->node = node;
	mutex_init(&peer->lock);
	peer->addr = *addr;
	peer->state = RSM_CHAN_DOWN;
	peer->next_connect = jiffies;
	INIT_DELAYED_WORK(&peer->work, peer_work);
	spin_lock_init(&peer->req_lock);
	INIT_LIST_HEAD(&peer->reqs);
	for (i = 0; i <= RSM_STAT_MAX; i++)
		atomic64_set(&peer->stats[i], 0);

	mutex_lock(&rsm_cfg_lock);
	if (node == rsm_node) {
		NL_SET_ERR_MSG(extack, "node id is this node's own");
		ret = -EINVAL;
	} else if (peer_find(node)) {
		NL_SET_ERR_MSG(extack, "peer already exists");
		ret = -EEXIST;
	} else {
		list_add_tail(&peer->link, &rsm_peers);
		queue_delayed_work(rsm_wq, &peer->work, 0);
	}
	mutex_unlock(&rsm_cfg_lock);
	if (ret)
		kfree(peer);
	return ret;
}

/**
 * rsm_peer_set() - change a peer's address; its channel restarts
 * @node: its node id
 * @addr: the new address
 * @extack: for the reason of a rejection
 *
 * Context: process context, takes rsm_cfg_lock and the peer's lock.
 * Return: 0, -ENOENT or -EINVAL.
 */
int rsm_peer_set(u32 node, const struct sockaddr_storage *addr,
		 struct netlink_ext_ack *extack)
{
	struct rsm_peer *peer;
	int ret;

	ret = addr_valid(addr, extack);
	if (ret)
		return ret;
	mutex_lock(&rsm_cfg_lock);
	peer = peer_find(node);
	if (peer) {
		mutex_lock(&peer->lock);
		peer->addr = *addr;
		peer_drop_conn_locked(peer);
		peer->next_connect = jiffies;
		mutex_unlock(&peer->lock);
		mod_delayed_work(rsm_wq, &peer->work, 0);
	}
	mutex_unlock(&rsm_cfg_lock);
	if (!peer) {
		NL_SET_ERR_MSG(extack, "no such peer");
		return -ENOENT;
	}
	return 0;
}

/**
 * rsm_peer_del() - forget a peer, closing its channel
 * @node: its node id
 * @extack: for the reason of a rejection
 *
 * Context: process context, takes rsm_cfg_lock; waits for the channel to
 * be torn down.
 * Return: 0 or -ENOENT.
 */
int rsm_peer_del(u32 node, struct netlink_ext_ack *extack)
{
	struct rsm_peer *peer;

	mutex_lock(&rsm_cfg_lock);
	peer = peer_find(node);
	if (peer)
		list_del(&peer->link);
	mutex_unlock(&rsm_cfg_lock);
	if (!peer) {
		NL_SET_ERR_MSG(extack, "no such peer");
		return -ENOENT;
	}
	peer_remove(peer);
	return 0;
}

/**
 * rsm_peer_conn_get() - the current connection to a peer, if it is up
 * @node: the peer's node id
 *
 * Context: process context, takes rsm_cfg_lock and the peer's lock.
 * Return: the connection, referenced (drop with rsm_conn_put()), or NULL
 * if the node is no configured peer or its channel is not ACTIVE.
 */
struct rsm_conn *rsm_peer_conn_get(u32 node)
{
	struct rsm_peer *peer = peer_get(node);
	struct rsm_conn *conn = NULL;

	if (!peer)
		return NULL;
	mutex_lock(&peer->lock);
	if (peer->state == RSM_CHAN_ACTIVE) {
		conn = peer->conn;
		conn_get(conn);
	}
	mutex_unlock(&peer->lock);
	peer_put(peer);
	return conn;
}

/**
 * rsm_conn_get() - take another reference to a connection
 * @conn: the connection
 */
void rsm_conn_get(struct rsm_conn *conn)
{
	conn_get(conn);
}

/**
 * rsm_conn_put() - drop a reference from rsm_peer_conn_get()
 * @conn: the connection
 *
 * Context: process context.
 */
void rsm_conn_put(struct rsm_conn *conn)
{
	conn_put(conn);
}

/**
 * rsm_conn_node() - node id of a connection's peer
 * @conn: the connection
 *
 * Return: the node id.
 */
u32 rsm_conn_node(const struct rsm_conn *conn)
{
	return conn->peer->node;
}

/**
 * rsm_conn_pd() - a connection's protection domain
 * @conn: the connection
 *
 * Valid until rsm_seg_conn_gone() for this connection has returned.
 *
 * Return: the PD.
 */
struct ib_pd *rsm_conn_pd(const struct rsm_conn *conn)
{
	return conn->pd;
}

/**
 * rsm_conn_ctrl() - the controller a connection runs over
 * @conn: an ACTIVE connection
 *
 * Return: the controller (referenced by the connection).
 */
struct rsm_ctrl *rsm_conn_ctrl(const struct rsm_conn *conn)
{
	return conn->ctrl;
}

/**
 * rsm_conn_grants() - the list segment.c keeps of its registrations in
 * this connection's PD
 * @conn: the connection
 *
 * Return: the list head, protected by segment.c's lock.
 */
struct list_head *rsm_conn_grants(struct rsm_conn *conn)
{
	return &conn->grants;
}

/**
 * rsm_conn_alive() - whether a connection still carries traffic
 * @conn: the connection
 *
 * Return: false once the connection failed or is being torn down.
 */
bool rsm_conn_alive(struct rsm_conn *conn)
{
	bool alive;

	spin_lock_bh(&conn->tx_lock);
	alive = !conn->dead && !READ_ONCE(conn->failed);
	spin_unlock_bh(&conn->tx_lock);
	return alive;
}

/**
 * rsm_conn_request() - send a request and wait for its reply
 * @conn: the connection to send it on
 * @type: enum rsm_msg_type
 * @payload: request payload
 * @len: its length, at most RSM_MSG_PAYLOAD
 * @reply: where the reply's payload goes, or NULL
 * @reply_len: in: room at @reply; out: bytes received
 *
 * The request is sent once: the reliable connection delivers it or fails.
 * The wait lasts at most the failure detection time; only a connect or a
 * ping, which a user waits for, can be interrupted by a signal.
 *
 * Context: process context; sleeps.
 * Return: the reply's status (0 or a negative errno), -ECONNABORTED if
 * the connection is or goes down, -ETIMEDOUT, or -EINTR on a signal.
 */
int rsm_conn_request(struct rsm_conn *conn, enum rsm_msg_type type,
		     const void *payload, u32 len, void *reply, u32 *reply_len)
{
	struct rsm_peer *peer = conn->peer;
	unsigned long deadline = jiffies + msecs_to_jiffies(rsm_timeout_ms());
	struct rsm_req req = {
		.status = -ETIMEDOUT,
		.reply = reply,
		.reply_max = reply_len ? *reply_len : 0,
	};
	long left;
	int ret;

	init_completion(&req.done);
	spin_lock_bh(&peer->req_lock);
	req.id = ++peer->next_req_id;
	list_add_tail(&req.link, &peer->reqs);
	spin_unlock_bh(&peer->req_lock);

	/* Out of credits: the peer returns them soon, or fails. */
	while ((ret = conn_send(conn, type, req.id, 0, payload, len)) ==
	       -ENOBUFS && time_before(jiffies, deadline))
		usleep_range(100, 1000);
	if (ret) {
		req.status = ret == -ENOBUFS ? -ETIMEDOUT : -ECONNABORTED;
	} else if (type == RSM_MSG_SEG_CONNECT || type == RSM_MSG_PING) {
		/* A caller's own wait: a signal may cut it short. */
		left = wait_for_completion_interruptible_timeout(&req.done,
					max_t(long, deadline - jiffies, 1));
		if (left < 0)
			req.status = -EINTR;
	} else {
		/* Teardown work, also of exiting processes: bounded only. */
		wait_for_completion_timeout(&req.done,
					    max_t(long, deadline - jiffies, 1));
	}

	spin_lock_bh(&peer->req_lock);
	list_del(&req.link);
	spin_unlock_bh(&peer->req_lock);
	if (req.status == -ETIMEDOUT)
		peer_stat(peer, RSM_STAT_REQ_TIMEOUTS);
	if (reply_len)
		*reply_len = req.status ? 0 : req.reply_len;
	return req.status;
}

/**
 * rsm_conn_notify() - send a message that has no reply
 * @conn: the connection
 * @type: enum rsm_msg_type
 * @payload: its payload
 * @len: payload length
 *
 * Waits for a credit if the peer has none free, at most the failure
 * detection time.
 *
 * Context: process context; may sleep briefly.
 * Return: 0 once posted, -ECONNABORTED or -ETIMEDOUT.
 */
int rsm_conn_notify(struct rsm_conn *conn, enum rsm_msg_type type,
		    const void *payload, u32 len)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(rsm_timeout_ms());
	int ret;

	while ((ret = conn_send(conn, type, 0, 0, payload, len)) == -ENOBUFS &&
	       time_before(jiffies, deadline))
		usleep_range(100, 1000);
	if (ret == -ENOBUFS)
		return -ETIMEDOUT;
	return ret ? -ECONNABORTED : 0;
}

/* A data or registration work request and its completion. */
struct rsm_data_op {
	struct ib_cqe cqe;
	struct rsm_conn *conn;
	struct completion done;
	int status;
};

static void data_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rsm_data_op *op = container_of(wc->wr_cqe, struct rsm_data_op,
					      cqe);
	struct rsm_conn *conn = op->conn;

	op->status = wc->status == IB_WC_SUCCESS ? 0 : -EIO;
	if (wc->status != IB_WC_SUCCESS && wc->status != IB_WC_WR_FLUSH_ERR)
		conn_fail(conn, ib_wc_status_msg(wc->status));
	spin_lock_bh(&conn->tx_lock);
	conn->data_slots++;
	spin_unlock_bh(&conn->tx_lock);
	wake_up(&conn->data_wait);
	complete(&op->done);
}

/*
 * Take a send queue slot, waiting for one, and count an in-flight
 * request; -ECONNABORTED when the connection is going away.
 */
static int data_begin(struct rsm_conn *conn)
{
	int ret = 0;

	spin_lock_bh(&conn->tx_lock);
	while (!conn->dead && conn->has_qp && !conn->data_slots) {
		spin_unlock_bh(&conn->tx_lock);
		wait_event(conn->data_wait, READ_ONCE(conn->data_slots) ||
			   READ_ONCE(conn->dead));
		spin_lock_bh(&conn->tx_lock);
	}
	if (conn->dead || !conn->has_qp) {
		ret = -ECONNABORTED;
	} else {
		conn->data_slots--;
		conn->data_inflight++;
	}
	spin_unlock_bh(&conn->tx_lock);
	return ret;
}

static void data_end(struct rsm_conn *conn)
{
	spin_lock_bh(&conn->tx_lock);
	conn->data_inflight--;
	spin_unlock_bh(&conn->tx_lock);
	wake_up_all(&conn->data_wait);
}

/* Post @wr (its wr_cqe is @op's) and wait for its completion. */
static int data_post_wait(struct rsm_conn *conn, struct ib_send_wr *wr,
			  struct rsm_data_op *op)
{
	int ret;

	op->cqe.done = data_done;
	op->conn = conn;
	op->status = -EIO;
	init_completion(&op->done);
	wr->wr_cqe = &op->cqe;
	wr->send_flags |= IB_SEND_SIGNALED;
	spin_lock_bh(&conn->tx_lock);
	ret = conn->dead ? -ECONNABORTED :
	      ib_post_send(conn->cm_id->qp, wr, NULL);
	if (ret)
		conn->data_slots++;
	spin_unlock_bh(&conn->tx_lock);
	if (ret)
		return ret == -ECONNABORTED ? ret : -EIO;
	/* Bounded: a dead peer fails the QP, which flushes this request. */
	wait_for_completion(&op->done);
	return op->status;
}

/**
 * rsm_conn_rdma() - RDMA READ or WRITE between kernel memory and a peer
 * @conn: the connection
 * @write: WRITE (local to remote) instead of READ
 * @buf: kernel buffer (kmalloc'ed: DMA-mappable)
 * @len: bytes to move
 * @remote: the peer's address
 * @rkey: the peer's remote key
 *
 * Context: process context; sleeps until the transfer completed.
 * Return: 0, -ECONNABORTED if the connection is gone, -EIO if the
 * transfer failed (the connection then goes down).
 */
int rsm_conn_rdma(struct rsm_conn *conn, bool write, void *buf, u32 len,
		  u64 remote, u32 rkey)
{
	enum dma_data_direction dir = write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	struct ib_rdma_wr wr = {};
	struct rsm_data_op op;
	struct ib_device *dev;
	struct ib_sge sge;
	u64 dma;
	int ret;

	ret = data_begin(conn);
	if (ret)
		return ret;
	/* Mapped per transfer: nothing stays mapped on a removed device. */
	dev = conn->pd->device;
	dma = ib_dma_map_single(dev, buf, len, dir);
	if (ib_dma_mapping_error(dev, dma)) {
		spin_lock_bh(&conn->tx_lock);
		conn->data_slots++;
		spin_unlock_bh(&conn->tx_lock);
		ret = -ENOMEM;
		goto out;
	}
	sge.addr = dma;
	sge.length = len;
	sge.lkey = conn->pd->local_dma_lkey;
	wr.wr.opcode = write ? IB_WR_RDMA_WRITE : IB_WR_RDMA_READ;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.remote_addr = remote;
	wr.rkey = rkey;
	ret = data_post_wait(conn, &wr.wr, &op);
	ib_dma_unmap_single(dev, dma, len, dir);
	if (ret && !rsm_conn_alive(conn))
		ret = -ECONNABORTED;
out:
	data_end(conn);
	return ret;
}

/**
 * rsm_conn_reg_mr() - fast-register an MR on a connection's QP
 * @conn: the connection whose PD holds @mr
 * @mr: the MR, already mapped with ib_map_mr_sg()
 * @access: IB_ACCESS_* flags
 *
 * Context: process context; sleeps until the registration completed.
 * Return: 0, -ECONNABORTED or -EIO.
 */
int rsm_conn_reg_mr(struct rsm_conn *conn, struct ib_mr *mr, int access)
{
	struct ib_reg_wr wr = {};
	struct rsm_data_op op;
	int ret;

	ret = data_begin(conn);
	if (ret)
		return ret;
	ib_update_fast_reg_key(mr, ib_inc_rkey(mr->rkey));
	wr.wr.opcode = IB_WR_REG_MR;
	wr.mr = mr;
	wr.key = mr->rkey;
	wr.access = access;
	ret = data_post_wait(conn, &wr.wr, &op);
	data_end(conn);
	return ret;
}

/**
 * rsm_peer_ping() - a request and its reply over a peer's channel
 * @node: the peer
 * @rtt_ns: the round trip time
 * @extack: for the reason of a failure
 *
 * Context: process context, sleeps up to the failure detection time.
 * Return: 0, -ENOENT (no such peer), -EHOSTUNREACH (channel not up),
 * -ETIMEDOUT, -ECONNABORTED (channel lost) or -EINTR.
 */
int rsm_peer_ping(u32 node, u64 *rtt_ns, struct netlink_ext_ack *extack)
{
	struct rsm_peer *peer = peer_get(node);
	struct rsm_conn *conn;
	ktime_t start;
	int ret;

	if (!peer) {
		NL_SET_ERR_MSG(extack, "no such peer");
		return -ENOENT;
	}
	peer_put(peer);
	conn = rsm_peer_conn_get(node);
	if (!conn) {
		NL_SET_ERR_MSG(extack, "channel to the peer is not up");
		return -EHOSTUNREACH;
	}
	start = ktime_get();
	ret = rsm_conn_request(conn, RSM_MSG_PING, NULL, 0, NULL, NULL);
	*rtt_ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	conn_put(conn);
	if (ret)
		NL_SET_ERR_MSG(extack, "no reply over the channel");
	return ret;
}

/**
 * rsm_peer_info() - describe a peer
 * @node: its node id; with @next, the peer after it in id order (0: the
 *	first)
 * @next: find the next peer instead of @node itself
 * @info: the description
 *
 * Context: process context, takes rsm_cfg_lock and the peer's lock.
 * Return: 0 or -ENOENT.
 */
int rsm_peer_info(u32 node, bool next, struct rsm_peer_info *info)
{
	struct rsm_peer *peer, *found = NULL;
	int i;

	mutex_lock(&rsm_cfg_lock);
	list_for_each_entry(peer, &rsm_peers, link) {
		if (next ? peer->node > node &&
			   (!found || peer->node < found->node) :
			   peer->node == node)
			found = peer;
	}
	if (!found) {
		mutex_unlock(&rsm_cfg_lock);
		return -ENOENT;
	}
	memset(info, 0, sizeof(*info));
	mutex_lock(&found->lock);
	info->node = found->node;
	info->addr = found->addr;
	info->state = found->state;
	strscpy(info->ctrl, found->ctrl, sizeof(info->ctrl));
	strscpy(info->remote_ctrl, found->remote_ctrl, sizeof(info->remote_ctrl));
	info->remote_hwaddr = found->remote_hwaddr;
	mutex_unlock(&found->lock);
	for (i = 0; i <= RSM_STAT_MAX; i++)
		info->stats[i] = atomic64_read(&found->stats[i]);
	mutex_unlock(&rsm_cfg_lock);
	return 0;
}

/**
 * rsm_peer_ctrl_gone() - tear down every channel over a controller
 * @ctrl: the controller whose device is going away
 *
 * Called from ib_client.remove: when it returns, nothing of ours uses the
 * device. The peers stay configured and reconnect over whatever device
 * reaches them later.
 *
 * Context: process context; waits for the teardowns.
 */
void rsm_peer_ctrl_gone(struct rsm_ctrl *ctrl)
{
	struct rsm_conn *conn, *tmp;
	struct rsm_peer *peer;
	LIST_HEAD(gone);

	mutex_lock(&rsm_cfg_lock);
	list_for_each_entry(peer, &rsm_peers, link) {
		mutex_lock(&peer->lock);
		if (peer->conn && peer->conn->ctrl == ctrl) {
			conn = peer_take_conn_locked(peer);
			list_add(&conn->gone_link, &gone);
		}
		mutex_unlock(&peer->lock);
	}
	mutex_unlock(&rsm_cfg_lock);
	list_for_each_entry_safe(conn, tmp, &gone, gone_link)
		conn_destroy_sync(conn);
	/* Connections dropped earlier may still be on their way out. */
	flush_workqueue(rsm_wq);
}

/**
 * rsm_peer_init() - start listening for channels
 *
 * Context: process context, module init.
 * Return: 0 or a negative errno.
 */
int rsm_peer_init(void)
{
	struct sockaddr_in6 any6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(RSM_CM_PORT),
	};
	struct sockaddr_in any4 = {
		.sin_family = AF_INET,
		.sin_port = htons(RSM_CM_PORT),
	};
	int ret;

	rsm_wq = alloc_workqueue("rsm", 0, 0);
	if (!rsm_wq)
		return -ENOMEM;
	rsm_listen4 = listen_on((struct sockaddr *)&any4);
	if (IS_ERR(rsm_listen4)) {
		ret = PTR_ERR(rsm_listen4);
		pr_err("cannot listen on port %u: %d\n", RSM_CM_PORT, ret);
		goto err_wq;
	}
	rsm_listen6 = listen_on((struct sockaddr *)&any6);
	if (IS_ERR(rsm_listen6)) {
		pr_info("not listening on IPv6: %ld\n", PTR_ERR(rsm_listen6));
		rsm_listen6 = NULL;
	}
	return 0;

err_wq:
	destroy_workqueue(rsm_wq);
	return ret;
}

/**
 * rsm_peer_uninit() - stop listening, close every channel, forget peers
 *
 * Context: process context, module exit.
 */
void rsm_peer_uninit(void)
{
	struct rsm_peer *peer, *tmp;
	LIST_HEAD(peers);

	if (rsm_listen6)
		rdma_destroy_id(rsm_listen6);
	rdma_destroy_id(rsm_listen4);
	mutex_lock(&rsm_cfg_lock);
	list_splice_init(&rsm_peers, &peers);
	mutex_unlock(&rsm_cfg_lock);
	list_for_each_entry_safe(peer, tmp, &peers, link)
		peer_remove(peer);
	destroy_workqueue(rsm_wq);
}
