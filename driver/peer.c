// SPDX-License-Identifier: GPL-2.0
/*
 * Peers and their channels: configuration and the channel state machine.
 *
 * Each configured peer gets one reliable-connected channel, set up with
 * rdma_cm and kept up for as long as the peer is configured. The node with
 * the lower id connects; the higher one accepts on RSM_CM_PORT. The
 * connect and accept private data carry the protocol version and both node
 * ids (struct rsm_wire_conn); a mismatch is refused with a reason that
 * both sides log. Each connection (struct rsm_conn) has its own protection
 * domain, so memory registered for one peer is unusable from another.
 * A connection's resources, messages, requests and RDMA are conn.c's.
 *
 * Failure detection: every side sends a heartbeat when it has sent nothing
 * for a quarter of the failure detection time, and declares the peer down
 * when it has heard nothing for the whole time. A channel that goes down
 * is torn down and, on the connecting side, set up again.
 *
 * Context rules (conn.c has the completion and posting side):
 * - rdma_cm handlers run in process context, serialised per cm_id, under
 *   the id's handler mutex. They never destroy their own id and always
 *   return 0; teardown runs in conn_destroy_work() (conn.c).
 *
 * Locking and lifetimes: conn.h.
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

#include "conn.h"
#include "ctrl.h"
#include "peer.h"
#include "wire.h"

#define RSM_RESOLVE_MS		2000
#define RSM_RD_ATOM		16

static DEFINE_MUTEX(rsm_cfg_lock);
static LIST_HEAD(rsm_peers);
static u32 rsm_node;
static u32 rsm_timeout = RSM_TIMEOUT_MS_DEFAULT;
struct workqueue_struct *rsm_wq;
static struct rdma_cm_id *rsm_listen4, *rsm_listen6;

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

/* Heartbeats go out every quarter of the shorter detection time of the two. */
static unsigned long heartbeat_period(struct rsm_conn *conn)
{
	u32 ms = rsm_timeout_ms(), theirs = READ_ONCE(conn->peer_timeout);

	if (theirs && theirs < ms)
		ms = theirs;
	return msecs_to_jiffies(ms / 4);
}

static void peer_release(struct kref *ref)
{
	struct rsm_peer *peer = container_of(ref, struct rsm_peer, ref);

	cancel_delayed_work_sync(&peer->work);
	kfree(peer);
}

/**
 * rsm_peer_put() - drop a reference to a peer
 * @peer: the peer
 *
 * Context: process context; the last put waits for the peer's work.
 */
void rsm_peer_put(struct rsm_peer *peer)
{
	kref_put(&peer->ref, peer_release);
}

/* The channel: connecting, rdma_cm events, heartbeats */

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
	rsm_conn_fail_requests(conn);
	if (!test_and_set_bit(RSM_CONN_DESTROYING, &conn->flags)) {
		kref_get(&conn->ref);
		queue_work(rsm_wq, &conn->destroy_work);
	}
	rsm_conn_put(conn);
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

	ret = rsm_conn_setup_qp(conn);
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
	WRITE_ONCE(conn->established, true);
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
	conn = rsm_conn_alloc(peer);
	if (!conn)
		return;
	id = rdma_create_id(&init_net, conn_cm_handler, conn, RDMA_PS_TCP,
			    IB_QPT_RC);
	if (IS_ERR(id)) {
		rsm_conn_put(conn);
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
	unsigned long next = period();
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
			rsm_conn_log_silence(conn);
			peer_stat(peer, RSM_STAT_TIMEOUTS);
			peer_drop_conn_locked(peer);
			break;
		}
		next = min(next, heartbeat_period(conn));
		if (time_after_eq(jiffies, READ_ONCE(conn->last_tx) + next))
			rsm_conn_heartbeat(conn);
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
	queue_delayed_work(rsm_wq, &peer->work, next);
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
		rsm_peer_put(peer);
		return listen_reject(id, RSM_REJ_DIRECTION);
	}

	mutex_lock(&peer->lock);
	reason = RSM_REJ_RESOURCES;
	if (peer->removed)
		goto reject;
	/* A new connection from the peer replaces the old: it restarted. */
	peer_drop_conn_locked(peer);
	conn = rsm_conn_alloc(peer);
	if (!conn)
		goto reject;
	conn->cm_id = id;
	id->context = conn;
	wire_conn_remote(conn, w);
	peer->conn = conn;
	peer->state = RSM_CHAN_CONNECTING;
	if (rsm_conn_setup_qp(conn))
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
	rsm_peer_put(peer);
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
	rsm_peer_put(peer);
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
	rsm_conn_put(conn);
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
	rsm_peer_put(peer);
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

/*
 * The failure detection time changed: the peer learns it from a
 * heartbeat at once, gets one whole new detection time before it counts
 * as silent, and a pending reconnect waits at most one new period.
 */
static void peer_retime(struct rsm_peer *peer)
{
	unsigned long next = jiffies + period();

	mutex_lock(&peer->lock);
	if (peer->state == RSM_CHAN_ACTIVE) {
		WRITE_ONCE(peer->conn->last_rx, jiffies);
		rsm_conn_heartbeat(peer->conn);
	}
	if (time_after(peer->next_connect, next))
		peer->next_connect = next;
	mutex_unlock(&peer->lock);
	mod_delayed_work(rsm_wq, &peer->work, 0);
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
	if (timeout_ms && timeout_ms != rsm_timeout) {
		WRITE_ONCE(rsm_timeout, timeout_ms);
		list_for_each_entry(peer, &rsm_peers, link)
			peer_retime(peer);
	}
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
		rsm_conn_get(conn);
	}
	mutex_unlock(&peer->lock);
	rsm_peer_put(peer);
	return conn;
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
	rsm_peer_put(peer);
	conn = rsm_peer_conn_get(node);
	if (!conn) {
		NL_SET_ERR_MSG(extack, "channel to the peer is not up");
		return -EHOSTUNREACH;
	}
	start = ktime_get();
	ret = rsm_conn_request(conn, RSM_MSG_PING, NULL, 0, NULL, NULL);
	*rtt_ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	rsm_conn_put(conn);
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
	/*
	 * Connections dropped earlier may still be on their way out. At
	 * module exit the peers, and rsm_wq, are gone already.
	 */
	if (rsm_wq)
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
	rsm_wq = NULL;
}
