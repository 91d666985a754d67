// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "rsm": cluster configuration and state, as
 * described in uapi/linux/rsm_netlink.h. Handlers only translate between
 * attributes and peer.c; every mutation is GENL_ADMIN_PERM and every
 * rejection names its reason in the extended ack.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/rsm_netlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "ctrl.h"
#include "netlink.h"
#include "peer.h"

static struct genl_family rsm_genl_family;

atomic64_t rsm_counters[RSM_CNT_MAX + 1];

static struct netlink_range_validation timeout_range = {
	.min = RSM_TIMEOUT_MS_MIN,
	.max = RSM_TIMEOUT_MS_MAX,
};

static const struct nla_policy rsm_policy[RSM_A_MAX + 1] = {
	[RSM_A_NODE_ID] = NLA_POLICY_RANGE(NLA_U32, 1, RSM_NODE_ID_MAX),
	[RSM_A_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &timeout_range),
	[RSM_A_PEER_ADDR] = { .type = NLA_BINARY,
			      .len = sizeof(struct in6_addr) },
};

static int get_addr(struct genl_info *info, struct sockaddr_storage *ss)
{
	struct nlattr *a = info->attrs[RSM_A_PEER_ADDR];

	memset(ss, 0, sizeof(*ss));
	if (nla_len(a) == sizeof(struct in_addr)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(RSM_CM_PORT);
		memcpy(&sin->sin_addr, nla_data(a), sizeof(sin->sin_addr));
		if (ipv4_is_zeronet(sin->sin_addr.s_addr) ||
		    ipv4_is_multicast(sin->sin_addr.s_addr) ||
		    ipv4_is_lbcast(sin->sin_addr.s_addr))
			goto bad;
	} else if (nla_len(a) == sizeof(struct in6_addr)) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(RSM_CM_PORT);
		memcpy(&sin6->sin6_addr, nla_data(a), sizeof(sin6->sin6_addr));
		if (ipv6_addr_any(&sin6->sin6_addr) ||
		    ipv6_addr_is_multicast(&sin6->sin6_addr))
			goto bad;
	} else {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	return 0;
bad:
	NL_SET_ERR_MSG_ATTR(info->extack, a, "not a unicast address");
	return -EINVAL;
}

/*
 * A required attribute: when it is missing, the error names it
 * (NLMSGERR_ATTR_MISS_TYPE) and says what it is.
 */
static bool missing(struct genl_info *info, int type)
{
	if (!GENL_REQ_ATTR_CHECK(info, type))
		return false;
	if (type == RSM_A_NODE_ID)
		NL_SET_ERR_MSG(info->extack, "node id (RSM_A_NODE_ID) required");
	else
		NL_SET_ERR_MSG(info->extack,
			       "peer address (RSM_A_PEER_ADDR) required");
	return true;
}

static int put_counters(struct sk_buff *msg)
{
	struct nlattr *nest = nla_nest_start(msg, RSM_A_COUNTERS);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = RSM_CNT_EXPORTS; i <= RSM_CNT_MAX; i++)
		if (nla_put_u64_64bit(msg, i, atomic64_read(&rsm_counters[i]),
				      RSM_CNT_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int rsm_nl_node_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &rsm_genl_family, 0,
				RSM_CMD_NODE_GET);
	if (!hdr ||
	    nla_put_u32(msg, RSM_A_NODE_ID, rsm_node_id()) ||
	    nla_put_u32(msg, RSM_A_TIMEOUT_MS, rsm_timeout_ms()) ||
	    nla_put_u16(msg, RSM_A_PORT, RSM_CM_PORT) ||
	    put_counters(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int rsm_nl_node_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id = info->attrs[RSM_A_NODE_ID];
	struct nlattr *to = info->attrs[RSM_A_TIMEOUT_MS];

	if (!id && !to) {
		NL_SET_ERR_MSG(info->extack,
			       "need a node id or a timeout to set");
		return -EINVAL;
	}
	return rsm_node_set(id ? nla_get_u32(id) : 0,
			    to ? nla_get_u32(to) : 0, info->extack);
}

static int peer_fill(struct sk_buff *msg, const struct rsm_peer_info *pi,
		     u32 portid, u32 seq, int flags)
{
	static const int stat_attr[] = {
		RSM_STAT_CONNECTS, RSM_STAT_DISCONNECTS, RSM_STAT_TIMEOUTS,
		RSM_STAT_REJECTS, RSM_STAT_MSGS_TX, RSM_STAT_MSGS_RX,
		RSM_STAT_REQ_TIMEOUTS,
	};
	struct nlattr *stats;
	void *hdr;
	int i, ret;

	hdr = genlmsg_put(msg, portid, seq, &rsm_genl_family, flags,
			  RSM_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (pi->addr.ss_family == AF_INET)
		ret = nla_put_in_addr(msg, RSM_A_PEER_ADDR,
			((const struct sockaddr_in *)&pi->addr)->sin_addr.s_addr);
	else
		ret = nla_put_in6_addr(msg, RSM_A_PEER_ADDR,
			&((const struct sockaddr_in6 *)&pi->addr)->sin6_addr);
	if (ret || nla_put_u32(msg, RSM_A_NODE_ID, pi->node) ||
	    nla_put_u32(msg, RSM_A_CHAN_STATE, pi->state))
		goto err;
	if (pi->ctrl[0] &&
	    (nla_put_string(msg, RSM_A_CTRL_NAME, pi->ctrl) ||
	     nla_put_string(msg, RSM_A_REMOTE_CTRL_NAME, pi->remote_ctrl) ||
	     nla_put_u64_64bit(msg, RSM_A_REMOTE_HWADDR, pi->remote_hwaddr,
			       RSM_A_PAD)))
		goto err;
	stats = nla_nest_start(msg, RSM_A_STATS);
	if (!stats)
		goto err;
	for (i = 0; i < ARRAY_SIZE(stat_attr); i++)
		if (nla_put_u64_64bit(msg, stat_attr[i], pi->stats[stat_attr[i]],
				      RSM_STAT_PAD))
			goto err;
	nla_nest_end(msg, stats);
	genlmsg_end(msg, hdr);
	return 0;
err:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

static int rsm_nl_peer_get(struct sk_buff *skb, struct genl_info *info)
{
	struct rsm_peer_info pi;
	struct sk_buff *msg;
	int ret;

	if (missing(info, RSM_A_NODE_ID))
		return -EINVAL;
	ret = rsm_peer_info(nla_get_u32(info->attrs[RSM_A_NODE_ID]), false,
			    &pi);
	if (ret) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RSM_A_NODE_ID],
				    "no such peer");
		return ret;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = peer_fill(msg, &pi, info->snd_portid, info->snd_seq, 0);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: node id of the last peer sent. */
static int rsm_nl_peer_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct rsm_peer_info pi;

	while (!rsm_peer_info(cb->args[0], true, &pi)) {
		if (peer_fill(skb, &pi, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
		cb->args[0] = pi.node;
	}
	return skb->len;
}

/* PEER_ADD and PEER_SET: a node id and its address, both required. */
static int peer_addr_cmd(struct genl_info *info,
			 int (*op)(u32 node, const struct sockaddr_storage *ss,
				   struct netlink_ext_ack *extack))
{
	struct sockaddr_storage ss;
	int ret;

	if (missing(info, RSM_A_NODE_ID) || missing(info, RSM_A_PEER_ADDR))
		return -EINVAL;
	ret = get_addr(info, &ss);
	if (ret)
		return ret;
	return op(nla_get_u32(info->attrs[RSM_A_NODE_ID]), &ss, info->extack);
}

static int rsm_nl_peer_add(struct sk_buff *skb, struct genl_info *info)
{
	return peer_addr_cmd(info, rsm_peer_add);
}

static int rsm_nl_peer_set(struct sk_buff *skb, struct genl_info *info)
{
	return peer_addr_cmd(info, rsm_peer_set);
}

static int rsm_nl_peer_del(struct sk_buff *skb, struct genl_info *info)
{
	if (missing(info, RSM_A_NODE_ID))
		return -EINVAL;
	return rsm_peer_del(nla_get_u32(info->attrs[RSM_A_NODE_ID]),
			    info->extack);
}

static int rsm_nl_peer_ping(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	u64 rtt;
	void *hdr;
	int ret;

	if (missing(info, RSM_A_NODE_ID))
		return -EINVAL;
	ret = rsm_peer_ping(nla_get_u32(info->attrs[RSM_A_NODE_ID]), &rtt,
			    info->extack);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &rsm_genl_family, 0,
				RSM_CMD_PEER_PING);
	if (!hdr || nla_put_u64_64bit(msg, RSM_A_RTT_NS, rtt, RSM_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: index of the next controller. */
static int rsm_nl_ctrl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct rsm_ctrl_attr a;
	void *hdr;

	for (;;) {
		memset(&a, 0, sizeof(a));
		a.flags = RSM_CTRL_F_BY_INDEX;
		a.index = cb->args[0];
		if (rsm_ctrl_query(&a))
			break;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &rsm_genl_family,
				  NLM_F_MULTI, RSM_CMD_CTRL_GET);
		if (!hdr)
			break;
		if (nla_put_string(skb, RSM_A_CTRL_NAME, a.name) ||
		    nla_put_u64_64bit(skb, RSM_A_CTRL_ID, a.id, RSM_A_PAD) ||
		    nla_put_u32(skb, RSM_A_CTRL_TYPE, a.type) ||
		    nla_put_u64_64bit(skb, RSM_A_CTRL_HWADDR, a.hwaddr,
				      RSM_A_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0]++;
	}
	return skb->len;
}

static const struct genl_ops rsm_genl_ops[] = {
	{
		.cmd = RSM_CMD_NODE_GET,
		.doit = rsm_nl_node_get,
	},
	{
		.cmd = RSM_CMD_NODE_SET,
		.doit = rsm_nl_node_set,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RSM_CMD_PEER_GET,
		.doit = rsm_nl_peer_get,
		.dumpit = rsm_nl_peer_dump,
	},
	{
		.cmd = RSM_CMD_PEER_ADD,
		.doit = rsm_nl_peer_add,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RSM_CMD_PEER_SET,
		.doit = rsm_nl_peer_set,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RSM_CMD_PEER_DEL,
		.doit = rsm_nl_peer_del,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RSM_CMD_PEER_PING,
		.doit = rsm_nl_peer_ping,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RSM_CMD_CTRL_GET,
		.dumpit = rsm_nl_ctrl_dump,
	},
};

static struct genl_family rsm_genl_family __ro_after_init = {
	.name = RSM_GENL_NAME,
	.version = RSM_GENL_VERSION,
	.maxattr = RSM_A_MAX,
	.policy = rsm_policy,
	.netnsok = false,
	.module = THIS_MODULE,
	.ops = rsm_genl_ops,
	.n_ops = ARRAY_SIZE(rsm_genl_ops),
};

/**
 * rsm_netlink_init() - register the "rsm" family
 *
 * Context: process context, module init.
 * Return: 0 or a negative errno.
 */
int rsm_netlink_init(void)
{
	return genl_register_family(&rsm_genl_family);
}

/**
 * rsm_netlink_uninit() - unregister the family
 *
 * Context: process context, module exit.
 */
void rsm_netlink_uninit(void)
{
	genl_unregister_family(&rsm_genl_family);
}
