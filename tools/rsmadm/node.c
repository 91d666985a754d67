// SPDX-License-Identifier: GPL-2.0
/*
 * rsmadm node: this node's id and failure detection time, and what the
 * module holds now (its object counters, for leak checks).
 */
#include "rsmadm.h"

static void node_usage(FILE *f)
{
	fprintf(f,
		"Usage: rsmadm node show\n"
		"       rsmadm node set ID [ timeout MS ]\n"
		"       rsmadm node set timeout MS\n"
		"       rsmadm node help\n"
		"where  ID := 1..%u\n"
		"       MS := %u..%u (failure detection time; default %u)\n",
		RSM_NODE_ID_MAX, RSM_TIMEOUT_MS_MIN, RSM_TIMEOUT_MS_MAX,
		RSM_TIMEOUT_MS_DEFAULT);
}

static const struct {
	unsigned int type;
	const char *name;
} counter_names[] = {
	{ RSM_CNT_EXPORTS, "exports" },
	{ RSM_CNT_IMPORTS, "imports" },
	{ RSM_CNT_GRANTS, "grants" },
	{ RSM_CNT_PINNED_PAGES, "pinned_pages" },
	{ RSM_CNT_CONNS, "conns" },
	{ RSM_CNT_MRS, "mrs" },
	{ RSM_CNT_CACHED_PAGES, "cached_pages" },
};

/* Text: a second line "counters exports N ..."; JSON: "counters":{...}. */
static int print_counters(struct rsmadm *rd, const struct nlattr *nest)
{
	const struct nlattr *tb[RSM_CNT_MAX + 1];
	unsigned int i;

	if (rsmadm_parse_counters(nest, tb))
		return -1;
	print_nl(rd, 4);
	print_open_obj(rd, "counters");
	print_str(rd, NULL, "", "counters");
	for (i = 0; i < ARRAY_SIZE(counter_names); i++) {
		if (tb[counter_names[i].type])
			print_u64(rd, counter_names[i].name,
				  counter_names[i].name,
				  mnl_attr_get_u64(tb[counter_names[i].type]));
	}
	print_close_obj(rd);
	return 0;
}

struct node_out {
	struct rsmadm *rd;
	const char *key;
};

static int node_show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct node_out *out = data;
	struct rsmadm *rd = out->rd;
	const struct nlattr *tb[RSM_A_MAX + 1];
	int ret = MNL_CB_OK;
	uint32_t id;

	if (rsmadm_parse(nlh, tb))
		return MNL_CB_ERROR;
	print_open_obj(rd, out->key);
	if (tb[RSM_A_NODE_ID]) {
		id = mnl_attr_get_u32(tb[RSM_A_NODE_ID]);
		print_u64(rd, "id", NULL, id);
		if (id)
			print_u64(rd, NULL, "node", id);
		else
			print_str(rd, NULL, "node", "unset");
	}
	if (tb[RSM_A_TIMEOUT_MS])
		print_u64(rd, "timeout_ms", "timeout",
			  mnl_attr_get_u32(tb[RSM_A_TIMEOUT_MS]));
	if (tb[RSM_A_PORT])
		print_u64(rd, "port", "port", mnl_attr_get_u16(tb[RSM_A_PORT]));
	if (tb[RSM_A_COUNTERS] && print_counters(rd, tb[RSM_A_COUNTERS]))
		ret = MNL_CB_ERROR;
	print_close_obj(rd);
	print_nl(rd, 0);
	return ret;
}

/* The node as an object under @key (NULL: the document itself). */
int rsmadm_node_print(struct rsmadm *rd, const char *key)
{
	struct node_out out = { rd, key };
	struct nlmsghdr *nlh;

	nlh = rsmadm_msg(rd, RSM_CMD_NODE_GET, 0);
	if (!nlh)
		return 1;
	return rsmadm_sendrecv(rd, nlh, node_show_cb, &out);
}

static int node_show(struct rsmadm *rd)
{
	if (rsmadm_no_more_args(rd))
		return 1;
	return rsmadm_node_print(rd, NULL);
}

static int node_set(struct rsmadm *rd)
{
	bool have_id = false, have_timeout = false;
	struct nlmsghdr *nlh;
	uint32_t id = 0, ms = 0;
	const char *err;

	if (rd_no_arg(rd))
		return rsmadm_bad_usage(rd, "node set: missing ID or timeout");
	if (!rd_arg_is(rd, "timeout")) {
		err = rsmadm_parse_node_id(rd_arg_next(rd), &id);
		if (err)
			return rsmadm_error("%s", err);
		have_id = true;
	}
	if (rd_arg_is(rd, "timeout")) {
		rd_arg_next(rd);
		if (rd_no_arg(rd))
			return rsmadm_bad_usage(rd, "node set: timeout needs a value");
		err = rsmadm_parse_timeout(rd_arg_next(rd), &ms);
		if (err)
			return rsmadm_error("%s", err);
		have_timeout = true;
	}
	if (rsmadm_no_more_args(rd))
		return 1;

	nlh = rsmadm_msg(rd, RSM_CMD_NODE_SET, 0);
	if (!nlh)
		return 1;
	if (have_id)
		mnl_attr_put_u32(nlh, RSM_A_NODE_ID, id);
	if (have_timeout)
		mnl_attr_put_u32(nlh, RSM_A_TIMEOUT_MS, ms);
	return rsmadm_sendrecv(rd, nlh, NULL, NULL);
}

static int node_help(struct rsmadm *rd)
{
	node_usage(stdout);
	return 0;
}

int rsmadm_node(struct rsmadm *rd)
{
	static const struct rsmadm_cmd cmds[] = {
		{ NULL, node_show },
		{ "show", node_show },
		{ "set", node_set },
		{ "help", node_help },
		{ NULL, NULL }
	};

	return rsmadm_exec_cmd(rd, cmds, node_usage, "node command");
}
