// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile connections to a node's rsm listener (RSM_CM_PORT): a userspace
 * rdma_cm client offers private data with a wrong magic, another protocol
 * version, an unknown node id or the wrong destination. Each must be
 * refused with the matching reason, and the real channel must stay up.
 * Runs on node 1 of the QEMU cluster against node 2; SKIPs elsewhere.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdio.h>
#include <rdma/rdma_cma.h>

#include "kselftest_harness.h"
#include "rsm_test.h"
#include "rsmapi.h"
#include <linux/rsm_netlink.h>

/*
 * The connect private data, as driver/wire.h defines it (struct
 * rsm_wire_conn), rebuilt here on purpose: a hostile peer has no access to
 * our headers either.
 */
struct wire_conn {
	uint32_t magic;
	uint16_t version;
	uint16_t reason;
	uint32_t src_node;
	uint32_t dst_node;
	uint64_t hwaddr;
	char ctrl[32];
};
_Static_assert(sizeof(struct wire_conn) == 56, "wire_conn");

#define WIRE_MAGIC	0x314d5352
#define REJ_VERSION	1
#define REJ_NOT_ME	2
#define REJ_UNKNOWN	3
#define REJ_DIRECTION	4

FIXTURE(rogue) {
	int me, target;
};

FIXTURE_SETUP(rogue)
{
	const char *n = getenv("RSM_NODE"), *ns = getenv("RSM_NODES");

	if (!n || !ns || atoi(ns) < 2)
		SETUP_SKIP("needs the QEMU cluster with two nodes");
	if (atoi(n) != 1)
		SETUP_SKIP("runs on node 1 only");
	if (access("/dev/infiniband/rdma_cm", F_OK))
		SETUP_SKIP("no /dev/infiniband/rdma_cm (rdma_ucm not loaded)");
	self->me = 1;
	self->target = 2;
}

FIXTURE_TEARDOWN(rogue)
{
}

/*
 * Connect to the target's listener with @pd; return the reject reason
 * the kernel put in its private data, 0 if accepted, -1 on any other
 * outcome.
 */
static int try_connect(int target, const void *pd, int len)
{
	struct rdma_event_channel *ch = rdma_create_event_channel();
	struct rdma_conn_param param = { 0 };
	struct ibv_qp_init_attr qa = { 0 };
	struct rdma_cm_event *ev;
	struct rdma_cm_id *id = NULL;
	struct sockaddr_in sin = { 0 };
	char ip[32];
	int ret = -1;

	if (!ch || rdma_create_id(ch, &id, NULL, RDMA_PS_TCP))
		goto out;
	snprintf(ip, sizeof(ip), "10.77.0.%d", target);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(RSM_CM_PORT);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	if (rdma_resolve_addr(id, NULL, (struct sockaddr *)&sin, 2000) ||
	    rdma_get_cm_event(ch, &ev) ||
	    ev->event != RDMA_CM_EVENT_ADDR_RESOLVED)
		goto out;
	rdma_ack_cm_event(ev);
	if (rdma_resolve_route(id, 2000) || rdma_get_cm_event(ch, &ev) ||
	    ev->event != RDMA_CM_EVENT_ROUTE_RESOLVED)
		goto out;
	rdma_ack_cm_event(ev);
	qa.cap.max_send_wr = qa.cap.max_recv_wr = 1;
	qa.cap.max_send_sge = qa.cap.max_recv_sge = 1;
	qa.qp_type = IBV_QPT_RC;
	if (rdma_create_qp(id, NULL, &qa))
		goto out;
	param.private_data = pd;
	param.private_data_len = len;
	param.retry_count = 7;
	if (rdma_connect(id, &param) || rdma_get_cm_event(ch, &ev))
		goto out_qp;
	if (ev->event == RDMA_CM_EVENT_REJECTED) {
		const struct wire_conn *w = ev->param.conn.private_data;

		if (w && ev->param.conn.private_data_len >= sizeof(*w) &&
		    le32toh(w->magic) == WIRE_MAGIC)
			ret = le16toh(w->reason);
	} else if (ev->event == RDMA_CM_EVENT_ESTABLISHED) {
		ret = 0;
		rdma_disconnect(id);
	}
	rdma_ack_cm_event(ev);
out_qp:
	rdma_destroy_qp(id);
out:
	if (id)
		rdma_destroy_id(id);
	if (ch)
		rdma_destroy_event_channel(ch);
	return ret;
}

static struct wire_conn good(int me, int target)
{
	struct wire_conn w = { 0 };

	w.magic = htole32(WIRE_MAGIC);
	w.version = htole16(1);
	w.src_node = htole32(me);
	w.dst_node = htole32(target);
	strcpy(w.ctrl, "rogue0");
	return w;
}

TEST_F(rogue, garbage_is_refused)
{
	char junk[56];

	memset(junk, 0x5a, sizeof(junk));
	EXPECT_EQ(REJ_VERSION, try_connect(self->target, junk, sizeof(junk)));
	EXPECT_EQ(REJ_VERSION, try_connect(self->target, junk, 0));
}

TEST_F(rogue, other_protocol_version_is_refused)
{
	struct wire_conn w = good(self->me, self->target);

	w.version = htole16(2);
	EXPECT_EQ(REJ_VERSION, try_connect(self->target, &w, sizeof(w)));
}

TEST_F(rogue, unknown_node_is_refused)
{
	struct wire_conn w = good(self->me, self->target);

	w.src_node = htole32(RSM_NODE_ID_MAX);
	EXPECT_EQ(REJ_UNKNOWN, try_connect(self->target, &w, sizeof(w)));
	w.src_node = 0;
	EXPECT_EQ(REJ_UNKNOWN, try_connect(self->target, &w, sizeof(w)));
}

TEST_F(rogue, higher_node_connecting_is_refused)
{
	/* Node 2 pretends to connect to node 1: the lower id connects. */
	struct wire_conn w = good(self->target, self->me);

	EXPECT_EQ(REJ_DIRECTION, try_connect(self->me, &w, sizeof(w)));
}

TEST_F(rogue, wrong_destination_is_refused)
{
	struct wire_conn w = good(self->me, self->target);

	w.dst_node = htole32(self->target + 20);
	EXPECT_EQ(REJ_NOT_ME, try_connect(self->target, &w, sizeof(w)));
}

/* After all that, the real channel to the target is still ACTIVE. */
TEST_F(rogue, real_channel_survives)
{
	rsm_topology_t *tp;
	unsigned int i;
	int j, found = 0;

	ASSERT_EQ(RSM_SUCCESS, rsm_get_interconnect_topology(&tp));
	for (i = 0; i < tp->topology_hdr.local_cntlr_count; i++) {
		rsm_connections_t *c = tp->connections[i];

		for (j = 0; j < c->hdr.remote_cntlr_count; j++) {
			if (c->remote_cntlr[j].remote_nodeid != self->target)
				continue;
			found = 1;
			EXPECT_EQ(RSM_CONNECTION_ACTIVE,
				  c->remote_cntlr[j].connection_state);
		}
	}
	EXPECT_TRUE(found);
	rsm_free_interconnect_topology(tp);
}

TEST_HARNESS_MAIN
