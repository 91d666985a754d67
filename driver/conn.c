// SPDX-License-Identifier: GPL-2.0
/*
 * A channel's connection: its resources and its data plane.
 *
 * Control messages are fixed-size SENDs into pre-posted receive buffers,
 * with credit flow control: a sender spends one credit per message and the
 * receiver returns credits in the header of every message it sends (and in
 * a heartbeat once half its buffers wait to be reported). Only a message
 * that itself returns credits may spend the last credit, so credits can
 * always flow back (conn_may_send()).
 *
 * Context rules (peer.c has the rdma_cm side):
 * - Send completions (messages, RDMA requests, registrations) are polled
 *   in softirq context (IB_POLL_SOFTIRQ): they only free slots and
 *   complete waiters, and a waiter is then woken without a trip through
 *   a workqueue. Receive completions are polled from a workqueue
 *   (IB_POLL_WORKQUEUE): they allocate and send. Neither takes a mutex:
 *   a failure found there kicks the peer's work.
 * - Posting happens under conn->tx_lock with bottom halves off, never with
 *   interrupts off.
 *
 * Locking and lifetimes: conn.h.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include "conn.h"
#include "ctrl.h"
#include "netlink.h"
#include "peer.h"
#include "segment.h"
#include "wire.h"

/* A request waiting for its reply, on the requester's stack. */
struct rsm_req {
	struct list_head link;
	struct rsm_conn *conn;
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

static void conn_release(struct kref *ref)
{
	struct rsm_conn *conn = container_of(ref, struct rsm_conn, ref);

	rsm_peer_put(conn->peer);
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
 * May a message of @type go now? A registration waiting for a quiet send
 * queue holds back all but answers. The last credit goes only to a message
 * that returns credits: then the two sides can never both be stuck. Were
 * they, with nothing in flight, the last message to arrive either left its
 * sender a credit to spare or took the last one and returned credits: its
 * receiver got credits and something to report, and was free to send.
 */
static bool conn_may_send(struct rsm_conn *conn, enum rsm_msg_type type)
{
	lockdep_assert_held(&conn->tx_lock);
	if (conn->reg_waiting && type != RSM_MSG_REPLY &&
	    type != RSM_MSG_HEARTBEAT)
		return false;
	if (list_empty(&conn->tx_free))
		return false;
	return conn->credits >= 2 || (conn->credits == 1 && conn->rx_unacked);
}

/**
 * rsm_conn_send() - post one message
 * @conn: the connection
 * @type: enum rsm_msg_type
 * @req_id: request id, or 0 when no reply is wanted
 * @status: in a reply, 0 or a negative errno
 * @payload: the payload
 * @len: its length, at most RSM_MSG_PAYLOAD
 *
 * Context: any context but hard interrupt; takes conn->tx_lock.
 * Return: 0, -EMSGSIZE, -ECONNRESET (connection dead), -ENOBUFS (no credit
 * or send buffer now, or a request or notification while a registration
 * waits) or the error of ib_post_send().
 */
int rsm_conn_send(struct rsm_conn *conn, enum rsm_msg_type type,
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
	if (!conn_may_send(conn, type)) {
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
	conn->rx_unacked = 0;
	conn->tx_busy++;
	WRITE_ONCE(conn->last_tx, jiffies);
	peer_stat(conn->peer, RSM_STAT_MSGS_TX);
out:
	spin_unlock_bh(&conn->tx_lock);
	return ret;
}

/**
 * rsm_conn_heartbeat() - send a heartbeat
 * @conn: the connection
 *
 * It returns credits and tells the peer this node's failure detection
 * time, so that the peer sends its own heartbeats often enough.
 *
 * Context: any context but hard interrupt; takes conn->tx_lock.
 * Return: as rsm_conn_send().
 */
int rsm_conn_heartbeat(struct rsm_conn *conn)
{
	return rsm_conn_send(conn, RSM_MSG_HEARTBEAT, 0, rsm_timeout_ms(),
			     NULL, 0);
}

/**
 * rsm_conn_log_silence() - say that the peer fell silent, and our side
 * @conn: the connection
 *
 * Whether we kept sending, and what held us back if not, tells a peer
 * that stopped answering from a channel whose messages stopped flowing.
 *
 * Context: any context but hard interrupt; takes conn->tx_lock.
 */
void rsm_conn_log_silence(struct rsm_conn *conn)
{
	int credits, unreported, busy, data;

	spin_lock_bh(&conn->tx_lock);
	credits = conn->credits;
	unreported = conn->rx_unacked;
	busy = conn->tx_busy;
	data = conn->data_inflight;
	spin_unlock_bh(&conn->tx_lock);
	pr_warn("peer %u: nothing heard for %u ms, declaring it down (we last sent %u ms ago; credits %d, unreported receives %d, messages in flight %d, data requests %d)\n",
		conn->peer->node, jiffies_to_msecs(jiffies - READ_ONCE(conn->last_rx)),
		jiffies_to_msecs(jiffies - READ_ONCE(conn->last_tx)), credits,
		unreported, busy, data);
}

/*
 * The peer announced its failure detection time. If it is shorter than
 * what we heartbeat for, run the peer's work now to catch up.
 */
static void conn_peer_timeout(struct rsm_conn *conn, u32 ms)
{
	u32 old = READ_ONCE(conn->peer_timeout);

	if (!ms || ms == old)
		return;
	WRITE_ONCE(conn->peer_timeout, ms);
	if (!old || ms < old)
		mod_delayed_work(rsm_wq, &conn->peer->work, 0);
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

/*
 * A completion with an error. A flush is what a QP in the error state
 * does to what is still posted: expected before the connection is
 * established (the peer rejected it: the CM flushes it, and its handler
 * drops it) and once it is being torn down, and
 * otherwise the first sign that it failed (rxe on 6.12 reports a lost
 * link this way only).
 */
static void conn_wc_error(struct rsm_conn *conn, const struct ib_wc *wc)
{
	if (wc->status == IB_WC_WR_FLUSH_ERR &&
	    (READ_ONCE(conn->dead) || !READ_ONCE(conn->established) ||
	     test_bit(RSM_CONN_DESTROYING, &conn->flags)))
		return;
	conn_fail(conn, ib_wc_status_msg(wc->status));
}

/* An asynchronous error of the QP: the channel is unusable. */
static void conn_qp_event(struct ib_event *ev, void *context)
{
	struct rsm_conn *conn = context;

	switch (ev->event) {
	case IB_EVENT_QP_FATAL:
	case IB_EVENT_QP_REQ_ERR:
	case IB_EVENT_QP_ACCESS_ERR:
		conn_fail(conn, ib_event_msg(ev->event));
		break;
	default:
		break;
	}
}

static void tx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rsm_buf *tx = container_of(wc->wr_cqe, struct rsm_buf, cqe);
	struct rsm_conn *conn = tx->conn;
	bool idle;

	spin_lock_bh(&conn->tx_lock);
	list_add(&tx->free_link, &conn->tx_free);
	idle = !--conn->tx_busy && conn->reg_waiting;
	spin_unlock_bh(&conn->tx_lock);
	if (idle)
		wake_up_all(&conn->data_wait);
	if (wc->status != IB_WC_SUCCESS)
		conn_wc_error(conn, wc);
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
		rsm_conn_send(mw->conn, RSM_MSG_REPLY, mw->req_id, status,
			      reply, reply_len);
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
			rsm_conn_send(conn, RSM_MSG_REPLY,
				      le64_to_cpu(hdr->req_id), -ENOMEM,
				      NULL, 0);
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
		conn_wc_error(conn, wc);
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
		conn_peer_timeout(conn, le32_to_cpu(hdr->status));
		break;
	case RSM_MSG_PING:
		/* If no credit is left the requester times out and retries. */
		rsm_conn_send(conn, RSM_MSG_REPLY, le64_to_cpu(hdr->req_id),
			      0, NULL, 0);
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
		rsm_conn_heartbeat(conn);
}

/* Connections: setup and teardown */

/**
 * rsm_conn_setup_qp() - create what a connection needs on its device
 * @conn: the connection, its @cm_id bound to the device
 *
 * PD, CQs, QP, message buffers with their receives posted. On failure,
 * what was made stays recorded in @conn for conn_destroy_work() to
 * release.
 *
 * Context: process context (an rdma_cm handler).
 * Return: 0 or a negative errno.
 */
int rsm_conn_setup_qp(struct rsm_conn *conn)
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
	/* Each CQ has room for its queue and the marker of ib_drain_qp(). */
	conn->send_cq = ib_alloc_cq_any(dev, conn, RSM_TX_DEPTH +
					RSM_DATA_DEPTH + 1, IB_POLL_SOFTIRQ);
	if (IS_ERR(conn->send_cq)) {
		ret = PTR_ERR(conn->send_cq);
		conn->send_cq = NULL;
		return ret;
	}
	conn->recv_cq = ib_alloc_cq_any(dev, conn, RSM_RX_DEPTH + 1,
					IB_POLL_WORKQUEUE);
	if (IS_ERR(conn->recv_cq)) {
		ret = PTR_ERR(conn->recv_cq);
		conn->recv_cq = NULL;
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

	qa.event_handler = conn_qp_event;
	qa.qp_context = conn;
	qa.send_cq = conn->send_cq;
	qa.recv_cq = conn->recv_cq;
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
	rsm_conn_fail_requests(conn);

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
	if (conn->send_cq)
		ib_free_cq(conn->send_cq);
	if (conn->recv_cq)
		ib_free_cq(conn->recv_cq);
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

/**
 * rsm_conn_alloc() - a new connection to a peer, with no resources yet
 * @peer: the peer; the connection takes a reference
 *
 * Context: process context.
 * Return: the connection (one reference), or NULL.
 */
struct rsm_conn *rsm_conn_alloc(struct rsm_peer *peer)
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
	INIT_WORK(&conn->destroy_work, conn_destroy_work);
	return conn;
}

/**
 * rsm_conn_fail_requests() - fail every request waiting on a connection
 * @conn: the connection
 *
 * They return -ECONNABORTED. Called when the peer drops the connection,
 * and again once it is dead, for requests sent in between.
 *
 * Context: any context but hard interrupt; takes peer->req_lock.
 */
void rsm_conn_fail_requests(struct rsm_conn *conn)
{
	struct rsm_peer *peer = conn->peer;
	struct rsm_req *req;

	spin_lock_bh(&peer->req_lock);
	list_for_each_entry(req, &peer->reqs, link) {
		if (req->conn != conn)
			continue;
		req->status = -ECONNABORTED;
		complete(&req->done);
	}
	spin_unlock_bh(&peer->req_lock);
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
		.conn = conn,
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
	while ((ret = rsm_conn_send(conn, type, req.id, 0, payload, len)) ==
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

	while ((ret = rsm_conn_send(conn, type, 0, 0, payload, len)) ==
	       -ENOBUFS && time_before(jiffies, deadline))
		usleep_range(100, 1000);
	if (ret == -ENOBUFS)
		return -ETIMEDOUT;
	return ret ? -ECONNABORTED : 0;
}

/*
 * A small data request (one that moves at most RSM_POLL_MAX_BYTES) polls
 * for its completion for a while before it sleeps, as ib_write_lat does:
 * twice the connection's moving average of such requests, at most
 * poll_us, while no other task wants the CPU. Sleeping costs a wakeup,
 * and on an idle CPU the way out of the idle state; both can take longer
 * than the request itself (design.rst, benchmarks.rst).
 */
#define RSM_POLL_MAX_BYTES	4096

static unsigned int poll_us = 1000;
module_param(poll_us, uint, 0644);
MODULE_PARM_DESC(poll_us,
		 "longest poll of a small RDMA request for its completion before it sleeps, in microseconds (0: always sleep; default 1000)");

/*
 * Data and registration work requests. A chain of them is posted at once
 * and only its last is signalled: its completion releases the send queue
 * slots of the whole chain, which the QP has then finished with. An
 * unsignalled request completes only if it fails (and the rest of the
 * chain is then flushed), which fails the connection.
 */
struct rsm_data_op {
	struct ib_cqe cqe;
	struct ib_cqe unsignalled;
	struct rsm_conn *conn;
	struct completion done;
	int slots;
	int status;
};

static void data_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rsm_data_op *op = container_of(wc->wr_cqe, struct rsm_data_op,
					      cqe);
	struct rsm_conn *conn = op->conn;

	op->status = wc->status == IB_WC_SUCCESS ? 0 : -EIO;
	if (wc->status != IB_WC_SUCCESS)
		conn_wc_error(conn, wc);
	spin_lock_bh(&conn->tx_lock);
	conn->data_slots += op->slots;
	spin_unlock_bh(&conn->tx_lock);
	wake_up(&conn->data_wait);
	complete(&op->done);
}

static void data_unsignalled_failed(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rsm_data_op *op = container_of(wc->wr_cqe, struct rsm_data_op,
					      unsignalled);

	conn_wc_error(op->conn, wc);
}

/*
 * Take @n send queue slots, waiting for them, and count an in-flight
 * request; -ECONNABORTED when the connection is going away. A request
 * that takes all of them (a registration) waits for every data request
 * to complete, and new ones wait behind it.
 */
static int data_begin(struct rsm_conn *conn, int n)
{
	bool reg = n == RSM_DATA_DEPTH;
	int ret = 0;

	spin_lock_bh(&conn->tx_lock);
	conn->reg_waiting += reg;
	while (!conn->dead && conn->has_qp &&
	       (conn->data_slots < n || (!reg && conn->reg_waiting))) {
		spin_unlock_bh(&conn->tx_lock);
		wait_event(conn->data_wait, READ_ONCE(conn->dead) ||
			   (READ_ONCE(conn->data_slots) >= n &&
			    (reg || !READ_ONCE(conn->reg_waiting))));
		spin_lock_bh(&conn->tx_lock);
	}
	if (conn->dead || !conn->has_qp) {
		conn->reg_waiting -= reg;
		ret = -ECONNABORTED;
	} else {
		conn->data_slots -= n;
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

/*
 * Poll for @op's completion, posted at @t0, for twice the connection's
 * average, at most poll_us, and only while no other task wants this CPU:
 * the completion may need one (rxe's own work on newer kernels), and a
 * scheduler may let this task run out its slice first. Polling keeps the
 * CPU out of idle until then.
 */
static void data_poll(struct rsm_conn *conn, struct rsm_data_op *op, u64 t0)
{
	u64 budget = min_t(u64, 2ULL * READ_ONCE(conn->small_ns),
			   (u64)READ_ONCE(poll_us) * NSEC_PER_USEC);

	while (!completion_done(&op->done) && single_task_running() &&
	       !need_resched() && ktime_get_ns() - t0 < budget)
		cpu_relax();
}

/* A small request took @ns: the average moves an eighth of the way. */
static void data_learn(struct rsm_conn *conn, u64 ns)
{
	u64 avg = READ_ONCE(conn->small_ns);

	avg = avg - avg / 8 + min_t(u64, ns, U32_MAX) / 8;
	WRITE_ONCE(conn->small_ns, avg);
}

/*
 * Post the chain @first..@last of @n requests, which holds @n slots, and
 * wait for its last one's completion; a @small chain polls first.
 *
 * A registration (all slots) is posted only once no message is
 * outstanding either: rxe in 6.1 retransmits by going back to the oldest
 * request without its ACK and executes every request from there again,
 * including a registration already done, which then fails ("not free")
 * and takes the QP down. While it waits, requests and notifications are
 * held back (their senders retry, as when out of credits), so a stream of
 * them cannot starve it; replies and heartbeats still go (a reply must
 * never be dropped), and they are bounded by what the peer sends.
 * Requests posted after it are safe: the completer retires the
 * registration before it can go back past it.
 */
static int data_post_wait(struct rsm_conn *conn, struct ib_send_wr *first,
			  struct ib_send_wr *last, int n, bool small,
			  struct rsm_data_op *op)
{
	bool reg = n == RSM_DATA_DEPTH;
	struct ib_send_wr *wr;
	u64 t0;
	int ret;

	op->cqe.done = data_done;
	op->unsignalled.done = data_unsignalled_failed;
	op->conn = conn;
	op->slots = n;
	op->status = -EIO;
	init_completion(&op->done);
	for (wr = first; wr != last; wr = wr->next)
		wr->wr_cqe = &op->unsignalled;
	last->wr_cqe = &op->cqe;
	last->send_flags |= IB_SEND_SIGNALED;
	spin_lock_bh(&conn->tx_lock);
	while (reg && conn->tx_busy && !conn->dead) {
		spin_unlock_bh(&conn->tx_lock);
		wait_event(conn->data_wait, !READ_ONCE(conn->tx_busy) ||
			   READ_ONCE(conn->dead));
		spin_lock_bh(&conn->tx_lock);
	}
	ret = conn->dead ? -ECONNABORTED :
	      ib_post_send(conn->cm_id->qp, first, NULL);
	if (ret)
		conn->data_slots += n;
	conn->reg_waiting -= reg;
	spin_unlock_bh(&conn->tx_lock);
	if (ret)
		return ret == -ECONNABORTED ? ret : -EIO;
	t0 = ktime_get_ns();
	if (small)
		data_poll(conn, op, t0);
	/* Bounded: a dead peer fails the QP, which flushes this request. */
	wait_for_completion(&op->done);
	if (small)
		data_learn(conn, ktime_get_ns() - t0);
	return op->status;
}

/**
 * rsm_conn_rdma() - RDMA READs or WRITEs between kernel memory and a peer
 * @conn: the connection
 * @write: WRITE (local to remote) instead of READ
 * @buf: kernel buffer (kmalloc'ed or a page: DMA-mappable)
 * @p: the pieces to move, at increasing offsets of @buf
 * @n: how many, 1 to RSM_RDMA_CHAIN_MAX
 *
 * The pieces go out as one chain of work requests with one completion.
 *
 * Context: process context; waits until every piece has moved (a small
 * chain polls first, then sleeps).
 * Return: 0, -ECONNABORTED if the connection is gone, -EIO if a transfer
 * failed (the connection then goes down).
 */
int rsm_conn_rdma(struct rsm_conn *conn, bool write, void *buf,
		  const struct rsm_rdma_piece *p, int n)
{
	enum dma_data_direction dir = write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	struct ib_rdma_wr wr[RSM_RDMA_CHAIN_MAX] = {};
	struct ib_sge sge[RSM_RDMA_CHAIN_MAX];
	u32 len = p[n - 1].off + p[n - 1].len;
	struct rsm_data_op op;
	struct ib_device *dev;
	u64 dma;
	int i, ret;

	BUILD_BUG_ON(RSM_RDMA_CHAIN_MAX >= RSM_DATA_DEPTH);
	if (WARN_ON_ONCE(n < 1 || n > RSM_RDMA_CHAIN_MAX))
		return -EINVAL;
	ret = data_begin(conn, n);
	if (ret)
		return ret;
	/* Mapped per transfer: nothing stays mapped on a removed device. */
	dev = conn->pd->device;
	dma = ib_dma_map_single(dev, buf, len, dir);
	if (ib_dma_mapping_error(dev, dma)) {
		spin_lock_bh(&conn->tx_lock);
		conn->data_slots += n;
		spin_unlock_bh(&conn->tx_lock);
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		sge[i].addr = dma + p[i].off;
		sge[i].length = p[i].len;
		sge[i].lkey = conn->pd->local_dma_lkey;
		wr[i].wr.next = i + 1 < n ? &wr[i + 1].wr : NULL;
		wr[i].wr.opcode = write ? IB_WR_RDMA_WRITE : IB_WR_RDMA_READ;
		wr[i].wr.sg_list = &sge[i];
		wr[i].wr.num_sge = 1;
		wr[i].remote_addr = p[i].remote;
		wr[i].rkey = p[i].rkey;
	}
	ret = data_post_wait(conn, &wr[0].wr, &wr[n - 1].wr, n,
			     len <= RSM_POLL_MAX_BYTES, &op);
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

	ret = data_begin(conn, RSM_DATA_DEPTH);
	if (ret)
		return ret;
	ib_update_fast_reg_key(mr, ib_inc_rkey(mr->rkey));
	wr.wr.opcode = IB_WR_REG_MR;
	wr.mr = mr;
	wr.key = mr->rkey;
	wr.access = access;
	ret = data_post_wait(conn, &wr.wr, &wr.wr, RSM_DATA_DEPTH, false, &op);
	data_end(conn);
	return ret;
}
