// SPDX-License-Identifier: GPL-2.0
/*
 * rsmadm [OPTIONS] OBJECT { COMMAND | help }: options and the object table.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "rsmadm.h"

void rsmadm_usage(FILE *f)
{
	fputs("Usage: rsmadm [ -j ] [ -p ] OBJECT { COMMAND | help }\n"
	      "       rsmadm [ -j ] [ -p ] show\n"
	      "       rsmadm help\n"
	      "where  OBJECT := { node | peer | ctrl | apply }\n"
	      "       -j, --json    JSON output\n"
	      "       -p, --pretty  indented JSON output (implies -j)\n",
	      f);
}

static int cmd_help(struct rsmadm *rd)
{
	rsmadm_usage(stdout);
	return 0;
}

/* Everything: the node, its controllers and its peers. */
static int cmd_show(struct rsmadm *rd)
{
	int ret;

	if (rd_argv(rd) && !strcmp(rd_argv(rd), "help"))
		return cmd_help(rd);
	if (rsmadm_no_more_args(rd))
		return 1;
	print_open_obj(rd, NULL);
	ret = rsmadm_node_print(rd, "node");
	if (!ret)
		ret = rsmadm_ctrl_print(rd, "controllers");
	if (!ret)
		ret = rsmadm_peer_print(rd, "peers", 0);
	print_close_obj(rd);
	return ret;
}

static const struct rsmadm_cmd objects[] = {
	{ NULL, cmd_show },
	{ "show", cmd_show },
	{ "node", rsmadm_node },
	{ "peer", rsmadm_peer },
	{ "ctrl", rsmadm_ctrl },
	{ "apply", rsmadm_apply },
	{ "help", cmd_help },
	{ NULL, NULL }
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct rsmadm rd;
	bool pretty = false;
	int opt, ret;

	memset(&rd, 0, sizeof(rd));
	opterr = 0;
	/* Options come before the object; "apply -n" is the object's own. */
	while ((opt = getopt_long(argc, argv, "+jph", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			rd.json = true;
			break;
		case 'p':
			rd.json = true;
			pretty = true;
			break;
		case 'h':
			rsmadm_usage(stdout);
			return 0;
		default:
			rsmadm_error("unknown option \"%s\"", argv[optind - 1]);
			rsmadm_usage(stderr);
			return 1;
		}
	}
	rd.argc = argc - optind;
	rd.argv = argv + optind;
	json_init(&rd.jw, stdout, pretty);

	ret = rsmadm_exec_cmd(&rd, objects, rsmadm_usage, "object");
	/* A JSON document was started only if something was printed. */
	if (rd.json && !rd.jw.first[0])
		json_end(&rd.jw);
	print_nl(&rd, 0);
	rsmadm_close(&rd);
	if (fflush(stdout) || ferror(stdout)) {
		rsmadm_error("writing output failed");
		ret = 1;
	}
	return ret ? 1 : 0;
}
