// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster as RSMAPI programs see it: rsm_get_interconnect_topology()
 * lists every other node of the QEMU cluster with an ACTIVE channel over
 * $RSM_CTRL, and a node that dies ($RSM_DEAD_NODE) stops being ACTIVE at
 * the survivors within a bounded time. Needs the cluster's environment
 * (RSM_NODE, RSM_NODES, RSM_CTRL) and a configured node; SKIPs otherwise.
 */
#include <stdio.h>
#include <time.h>

#include "kselftest_harness.h"
#include "rsm_test.h"
#include <linux/rsm_netlink.h>
#include "rsmapi.h"

static int env_int(const char *name)
{
	const char *v = getenv(name);

	return v ? atoi(v) : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* State of @node's channel in @tp, 0 if it is not listed. */
static unsigned int state_of(rsm_topology_t *tp, rsm_node_id_t node)
{
	unsigned int i;
	int j;

	for (i = 0; i < tp->topology_hdr.local_cntlr_count; i++) {
		rsm_connections_t *c = tp->connections[i];

		for (j = 0; j < c->hdr.remote_cntlr_count; j++)
			if (c->remote_cntlr[j].remote_nodeid == node)
				return c->remote_cntlr[j].connection_state;
	}
	return 0;
}

/* Wait up to @secs for every other node to be ACTIVE. */
static int wait_all_active(int me, int nodes, double secs)
{
	double end = now() + secs;
	rsm_topology_t *tp;
	int n, ok;

	do {
		if (rsm_get_interconnect_topology(&tp))
			return -1;
		ok = 1;
		for (n = 1; n <= nodes; n++)
			if (n != me && state_of(tp, n) != RSM_CONNECTION_ACTIVE)
				ok = 0;
		rsm_free_interconnect_topology(tp);
		if (ok)
			return 0;
		usleep(200000);
	} while (now() < end);
	return -1;
}

TEST(topology_needs_a_pointer)
{
	EXPECT_EQ(RSMERR_BAD_TOPOLOGY_PTR, rsm_get_interconnect_topology(NULL));
	rsm_free_interconnect_topology(NULL);
}

FIXTURE(cluster) {
	int me, nodes;
	const char *ctrl;
};

FIXTURE_SETUP(cluster)
{
	self->me = env_int("RSM_NODE");
	self->nodes = env_int("RSM_NODES");
	self->ctrl = rsm_rdma_ctrl();
	if (access(RSM_DEV, F_OK))
		SETUP_SKIP("module not loaded");
	if (!self->me || !self->ctrl)
		SETUP_SKIP("not in the QEMU cluster (RSM_NODE, RSM_CTRL)");
}

FIXTURE_TEARDOWN(cluster)
{
}

TEST_F(cluster, every_other_node_is_active)
{
	char path[128], guid[64];
	unsigned int g[4];
	rsm_topology_t *tp;
	rsm_connections_t *c;
	uint64_t hw;
	int n, j, got;
	FILE *f;

	if (self->nodes < 2)
		SKIP(return, "one node");
	ASSERT_EQ(0, wait_all_active(self->me, self->nodes, 60))
		TH_LOG("not every node became ACTIVE within 60 s");
	ASSERT_EQ(RSM_SUCCESS, rsm_get_interconnect_topology(&tp));
	EXPECT_EQ(self->me, tp->topology_hdr.local_nodeid);
	ASSERT_EQ(1, tp->topology_hdr.local_cntlr_count);
	c = tp->connections[0];
	EXPECT_STREQ(self->ctrl, c->hdr.cntlr_name);
	EXPECT_EQ(self->nodes - 1, c->hdr.remote_cntlr_count);

	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/node_guid",
		 self->ctrl);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(guid, sizeof(guid), f));
	fclose(f);
	got = sscanf(guid, "%x:%x:%x:%x", &g[0], &g[1], &g[2], &g[3]);
	ASSERT_EQ(4, got);
	hw = (uint64_t)g[0] << 48 | (uint64_t)g[1] << 32 |
	     (uint64_t)g[2] << 16 | g[3];
	EXPECT_EQ(hw, c->hdr.local_hwaddr);

	for (j = 0; j < c->hdr.remote_cntlr_count; j++) {
		rsm_remote_cntlr_t *r = &c->remote_cntlr[j];

		EXPECT_NE(self->me, r->remote_nodeid);
		EXPECT_STREQ(self->ctrl, r->remote_cntlrname);
		EXPECT_NE(0, r->remote_hwaddr);
		EXPECT_NE(hw, r->remote_hwaddr);
		EXPECT_EQ(RSM_CONNECTION_ACTIVE, r->connection_state);
	}
	for (n = 1; n <= self->nodes; n++)
		if (n != self->me)
			EXPECT_EQ(RSM_CONNECTION_ACTIVE, state_of(tp, n));
	rsm_free_interconnect_topology(tp);
}

/*
 * With RSM_DEAD_NODE=N: node N powers itself off once the cluster is up;
 * every other node must see it leave ACTIVE. RSM_TIMEOUT_MS tells the
 * failure detection time the scenario configured. The bound is three times the
 * failure detection time, to leave room for the emulated machines' pace.
 */
TEST_F_TIMEOUT(cluster, dead_node_stops_being_active, 120)
{
	int dead = env_int("RSM_DEAD_NODE");
	int ms = env_int("RSM_TIMEOUT_MS") ?: RSM_TIMEOUT_MS_DEFAULT;
	double start, took, limit;
	rsm_topology_t *tp;

	if (!dead)
		SKIP(return, "RSM_DEAD_NODE unset");
	ASSERT_EQ(0, wait_all_active(self->me, self->nodes, 60));
	if (self->me == dead) {
		/* Let the others see us ACTIVE before we go. */
		sleep(2);
		ASSERT_EQ(0, system("selftests/qemu/die"));
		sleep(60);
		ASSERT_TRUE(0) TH_LOG("still alive after dying");
	}
	limit = 3 * ms / 1000.0;
	start = now();
	do {
		ASSERT_EQ(RSM_SUCCESS, rsm_get_interconnect_topology(&tp));
		took = now() - start;
		if (state_of(tp, dead) != RSM_CONNECTION_ACTIVE) {
			rsm_free_interconnect_topology(tp);
			break;
		}
		rsm_free_interconnect_topology(tp);
		usleep(100000);
	} while (took < limit + 10);
	TH_LOG("node %d left ACTIVE after %.1f s (timeout %d ms)", dead, took,
	       ms);
	EXPECT_LE(took, limit);
}

TEST_HARNESS_MAIN
