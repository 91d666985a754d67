// SPDX-License-Identifier: GPL-2.0
/*
 * rsmadm ctrl: the controllers of this node (see <linux/rsm.h>).
 */
#include "rsmadm.h"

static void ctrl_usage(FILE *f)
{
	fputs("Usage: rsmadm ctrl show\n"
	      "       rsmadm ctrl help\n", f);
}

static const char *ctrl_type_str(uint32_t type)
{
	switch (type) {
	case RSM_CTRL_TYPE_LOOPBACK:
		return "loopback";
	case RSM_CTRL_TYPE_RDMA:
		return "rdma";
	default:
		return "unknown";
	}
}

static int ctrl_show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rsmadm *rd = data;
	const struct nlattr *tb[RSM_A_MAX + 1];

	if (rsmadm_parse(nlh, tb))
		return MNL_CB_ERROR;
	print_open_obj(rd, NULL);
	if (tb[RSM_A_CTRL_NAME])
		print_str(rd, "name", "ctrl",
			  mnl_attr_get_str(tb[RSM_A_CTRL_NAME]));
	if (tb[RSM_A_CTRL_ID])
		print_u64(rd, "id", "id", mnl_attr_get_u64(tb[RSM_A_CTRL_ID]));
	if (tb[RSM_A_CTRL_TYPE])
		print_str(rd, "type", "type",
			  ctrl_type_str(mnl_attr_get_u32(tb[RSM_A_CTRL_TYPE])));
	if (tb[RSM_A_CTRL_HWADDR])
		print_hwaddr(rd, "hwaddr", "hwaddr",
			     mnl_attr_get_u64(tb[RSM_A_CTRL_HWADDR]));
	print_close_obj(rd);
	print_nl(rd, 0);
	return MNL_CB_OK;
}

/* The controllers as an array under @key (NULL: the document itself). */
int rsmadm_ctrl_print(struct rsmadm *rd, const char *key)
{
	struct nlmsghdr *nlh;
	int ret;

	nlh = rsmadm_msg(rd, RSM_CMD_CTRL_GET, NLM_F_DUMP);
	if (!nlh)
		return 1;
	print_open_arr(rd, key);
	ret = rsmadm_sendrecv(rd, nlh, ctrl_show_cb, rd);
	print_close_arr(rd);
	return ret;
}

static int ctrl_show(struct rsmadm *rd)
{
	if (rsmadm_no_more_args(rd))
		return 1;
	return rsmadm_ctrl_print(rd, NULL);
}

static int ctrl_help(struct rsmadm *rd)
{
	ctrl_usage(stdout);
	return 0;
}

int rsmadm_ctrl(struct rsmadm *rd)
{
	static const struct rsmadm_cmd cmds[] = {
		{ NULL, ctrl_show },
		{ "show", ctrl_show },
		{ "help", ctrl_help },
		{ NULL, NULL }
	};

	return rsmadm_exec_cmd(rd, cmds, ctrl_usage, "ctrl command");
}
