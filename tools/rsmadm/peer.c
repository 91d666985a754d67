// SPDX-License-Identifier: GPL-2.0
/*
 * rsmadm peer: the other nodes, their addresses and the channels to them.
 */
#include <string.h>

#include "rsmadm.h"

static void peer_usage(FILE *f)
{
	fprintf(f,
		"Usage: rsmadm peer show [ ID ]\n"
		"       rsmadm peer add ID addr ADDR\n"
		"       rsmadm peer set ID addr ADDR\n"
		"       rsmadm peer del ID\n"
		"       rsmadm peer ping ID [ count N ]\n"
		"       rsmadm peer help\n"
		"where  ID := 1..%u\n"
		"       ADDR := an IPv4 or IPv6 address of the peer's RDMA interface\n",
		RSM_NODE_ID_MAX);
}

static const char *chan_state_str(uint32_t state)
{
	switch (state) {
	case RSM_CHAN_DOWN:
		return "down";
	case RSM_CHAN_CONNECTING:
		return "connecting";
	case RSM_CHAN_ACTIVE:
		return "active";
	case RSM_CHAN_GOING_DOWN:
		return "going_down";
	default:
		return "unknown";
	}
}

static const struct {
	unsigned int type;
	const char *name;
} stat_names[] = {
	{ RSM_STAT_CONNECTS, "connects" },
	{ RSM_STAT_DISCONNECTS, "disconnects" },
	{ RSM_STAT_TIMEOUTS, "timeouts" },
	{ RSM_STAT_REJECTS, "rejects" },
	{ RSM_STAT_MSGS_TX, "msgs_tx" },
	{ RSM_STAT_MSGS_RX, "msgs_rx" },
	{ RSM_STAT_REQ_TIMEOUTS, "req_timeouts" },
};

static int print_stats(struct rsmadm *rd, const struct nlattr *nest)
{
	const struct nlattr *tb[RSM_STAT_MAX + 1];
	unsigned int i;

	if (rsmadm_parse_stats(nest, tb))
		return -1;
	print_nl(rd, 4);
	print_open_obj(rd, "stats");
	for (i = 0; i < ARRAY_SIZE(stat_names); i++) {
		if (tb[stat_names[i].type])
			print_u64(rd, stat_names[i].name, stat_names[i].name,
				  mnl_attr_get_u64(tb[stat_names[i].type]));
	}
	print_close_obj(rd);
	return 0;
}

static int peer_show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rsmadm *rd = data;
	const struct nlattr *tb[RSM_A_MAX + 1];
	struct rsmadm_addr addr;
	char buf[INET6_ADDRSTRLEN];
	int ret = MNL_CB_OK;

	if (rsmadm_parse(nlh, tb))
		return MNL_CB_ERROR;
	print_open_obj(rd, NULL);
	if (tb[RSM_A_NODE_ID])
		print_u64(rd, "node", "peer",
			  mnl_attr_get_u32(tb[RSM_A_NODE_ID]));
	if (tb[RSM_A_PEER_ADDR]) {
		if (rsmadm_get_addr(tb[RSM_A_PEER_ADDR], &addr) == 0)
			print_str(rd, "addr", "addr",
				  rsmadm_addr_str(&addr, buf, sizeof(buf)));
		else
			ret = MNL_CB_ERROR;
	}
	if (tb[RSM_A_CHAN_STATE])
		print_str(rd, "state", "state",
			  chan_state_str(mnl_attr_get_u32(tb[RSM_A_CHAN_STATE])));
	if (tb[RSM_A_CTRL_NAME])
		print_str(rd, "ctrl", "ctrl",
			  mnl_attr_get_str(tb[RSM_A_CTRL_NAME]));
	if (tb[RSM_A_REMOTE_CTRL_NAME])
		print_str(rd, "remote_ctrl", "remote",
			  mnl_attr_get_str(tb[RSM_A_REMOTE_CTRL_NAME]));
	if (tb[RSM_A_REMOTE_HWADDR])
		print_hwaddr(rd, "remote_hwaddr", "remote_hwaddr",
			     mnl_attr_get_u64(tb[RSM_A_REMOTE_HWADDR]));
	if (tb[RSM_A_STATS] && print_stats(rd, tb[RSM_A_STATS]))
		ret = MNL_CB_ERROR;
	print_close_obj(rd);
	print_nl(rd, 0);
	return ret;
}

/*
 * The peers as an array under @key (NULL: the document itself): all of
 * them, or only peer @id when it is not 0.
 */
int rsmadm_peer_print(struct rsmadm *rd, const char *key, uint32_t id)
{
	struct nlmsghdr *nlh;
	int ret;

	nlh = rsmadm_msg(rd, RSM_CMD_PEER_GET, id ? 0 : NLM_F_DUMP);
	if (!nlh)
		return 1;
	if (id)
		mnl_attr_put_u32(nlh, RSM_A_NODE_ID, id);
	print_open_arr(rd, key);
	ret = rsmadm_sendrecv(rd, nlh, peer_show_cb, rd);
	print_close_arr(rd);
	return ret;
}

/* Consumes "ID"; prints what is wrong and returns 1 if it is not one. */
static int get_id(struct rsmadm *rd, const char *cmd, uint32_t *id)
{
	const char *err;

	if (rd_no_arg(rd))
		return rsmadm_bad_usage(rd, "peer %s: missing ID", cmd);
	err = rsmadm_parse_node_id(rd_arg_next(rd), id);
	if (err)
		return rsmadm_error("%s", err);
	return 0;
}

static int peer_show(struct rsmadm *rd)
{
	uint32_t id = 0;

	if (!rd_no_arg(rd) && get_id(rd, "show", &id))
		return 1;
	if (rsmadm_no_more_args(rd))
		return 1;
	return rsmadm_peer_print(rd, NULL, id);
}

/* peer add and peer set: "ID addr ADDR". */
static int peer_put(struct rsmadm *rd, const char *cmd, uint8_t genl_cmd)
{
	struct nlmsghdr *nlh;
	struct rsmadm_addr addr;
	const char *err;
	uint32_t id;

	if (get_id(rd, cmd, &id))
		return 1;
	if (!rd_arg_is(rd, "addr"))
		return rsmadm_bad_usage(rd, "peer %s: missing addr ADDR", cmd);
	rd_arg_next(rd);
	if (rd_no_arg(rd))
		return rsmadm_bad_usage(rd, "peer %s: addr needs a value", cmd);
	err = rsmadm_parse_addr(rd_arg_next(rd), &addr);
	if (err)
		return rsmadm_error("%s", err);
	if (rsmadm_no_more_args(rd))
		return 1;

	nlh = rsmadm_msg(rd, genl_cmd, 0);
	if (!nlh)
		return 1;
	mnl_attr_put_u32(nlh, RSM_A_NODE_ID, id);
	mnl_attr_put(nlh, RSM_A_PEER_ADDR, addr.len, addr.bytes);
	return rsmadm_sendrecv(rd, nlh, NULL, NULL);
}

static int peer_add(struct rsmadm *rd)
{
	return peer_put(rd, "add", RSM_CMD_PEER_ADD);
}

static int peer_set(struct rsmadm *rd)
{
	return peer_put(rd, "set", RSM_CMD_PEER_SET);
}

static int peer_del(struct rsmadm *rd)
{
	struct nlmsghdr *nlh;
	uint32_t id;

	if (get_id(rd, "del", &id) || rsmadm_no_more_args(rd))
		return 1;
	nlh = rsmadm_msg(rd, RSM_CMD_PEER_DEL, 0);
	if (!nlh)
		return 1;
	mnl_attr_put_u32(nlh, RSM_A_NODE_ID, id);
	return rsmadm_sendrecv(rd, nlh, NULL, NULL);
}

static int ping_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RSM_A_MAX + 1];
	uint64_t *rtt = data;

	if (rsmadm_parse(nlh, tb))
		return MNL_CB_ERROR;
	if (tb[RSM_A_RTT_NS])
		*rtt = mnl_attr_get_u64(tb[RSM_A_RTT_NS]);
	return MNL_CB_OK;
}

/*
 * One request and its reply over the channel to the peer, @count times
 * back to back; each round trip is printed as it comes.
 */
static int peer_ping(struct rsmadm *rd)
{
	struct nlmsghdr *nlh;
	uint32_t id, count = 1, seq;
	const char *err;
	char buf[40];
	uint64_t rtt;
	int ret = 0;

	if (get_id(rd, "ping", &id))
		return 1;
	if (rd_arg_is(rd, "count")) {
		rd_arg_next(rd);
		if (rd_no_arg(rd))
			return rsmadm_bad_usage(rd, "peer ping: count needs a value");
		err = rsmadm_parse_count(rd_arg_next(rd), &count);
		if (err)
			return rsmadm_error("%s", err);
	}
	if (rsmadm_no_more_args(rd))
		return 1;

	print_open_arr(rd, NULL);
	for (seq = 1; seq <= count; seq++) {
		nlh = rsmadm_msg(rd, RSM_CMD_PEER_PING, 0);
		if (!nlh) {
			ret = 1;
			break;
		}
		mnl_attr_put_u32(nlh, RSM_A_NODE_ID, id);
		rtt = UINT64_MAX;
		if (rsmadm_sendrecv(rd, nlh, ping_cb, &rtt)) {
			ret = 1;
			continue;
		}
		if (rtt == UINT64_MAX) {
			rsmadm_error("peer %u: no round trip time in the reply",
				     id);
			ret = 1;
			continue;
		}
		print_open_obj(rd, NULL);
		print_u64(rd, "node", "peer", id);
		print_u64(rd, "seq", "seq", seq);
		print_u64(rd, "rtt_ns", NULL, rtt);
		snprintf(buf, sizeof(buf), "%llu.%03llu ms",
			 (unsigned long long)(rtt / 1000000),
			 (unsigned long long)(rtt / 1000 % 1000));
		print_str(rd, NULL, "rtt", buf);
		print_close_obj(rd);
		print_nl(rd, 0);
		fflush(stdout);
	}
	print_close_arr(rd);
	return ret;
}

static int peer_help(struct rsmadm *rd)
{
	peer_usage(stdout);
	return 0;
}

int rsmadm_peer(struct rsmadm *rd)
{
	static const struct rsmadm_cmd cmds[] = {
		{ NULL, peer_show },
		{ "show", peer_show },
		{ "add", peer_add },
		{ "set", peer_set },
		{ "del", peer_del },
		{ "delete", peer_del },
		{ "ping", peer_ping },
		{ "help", peer_help },
		{ NULL, NULL }
	};

	return rsmadm_exec_cmd(rd, cmds, peer_usage, "peer command");
}
