// SPDX-License-Identifier: GPL-2.0
/*
 * rsmadm apply: make the kernel's configuration equal to a file.
 *
 * The file has one statement a line:
 *	node ID			this node's id
 *	timeout MS		failure detection time, in milliseconds
 *	peer ID addr ADDR	a peer and the address of its RDMA interface
 * with '#' starting a comment and blank lines allowed. The whole file is
 * read and checked before anything is sent, so a file with any error
 * changes nothing. Then, in this order:
 *	1. kernel peers the file does not list are deleted;
 *	2. kernel peers holding an address the file gives to another peer
 *	   are deleted (and added again in step 4), so no step ever asks for
 *	   an address that another peer still has;
 *	3. the node id and timeout are set, where the file gives them and
 *	   they differ from the kernel's;
 *	4. listed peers are added, or their address set where it differs.
 * A file that equals the kernel's configuration sends no change at all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rsmadm.h"

struct conf_peer {
	unsigned int line;	/* 0: not listed */
	struct rsmadm_addr addr;
};

struct conf {
	const char *file;
	unsigned int errors;
	unsigned int node_line;
	unsigned int timeout_line;
	uint32_t node;
	uint32_t timeout_ms;
	struct conf_peer peer[RSM_NODE_ID_MAX + 1];
};

/* The kernel's peers, as PEER_GET's dump lists them. */
struct kernel_peers {
	bool present[RSM_NODE_ID_MAX + 1];
	struct rsmadm_addr addr[RSM_NODE_ID_MAX + 1];
};

static void apply_usage(FILE *f)
{
	fputs("Usage: rsmadm apply [ -n ] [ FILE ]\n"
	      "       rsmadm apply help\n"
	      "where  FILE defaults to " RSMADM_CONF_DEFAULT " (- is stdin)\n"
	      "       -n, --dry-run  check FILE and print what would be done,\n"
	      "                      without talking to the kernel\n", f);
}

static __printf(3, 4) void conf_error(struct conf *conf, unsigned int line,
		       const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u: ", conf->file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	conf->errors++;
}

static bool addr_equal(const struct rsmadm_addr *a, const struct rsmadm_addr *b)
{
	return a->len == b->len && !memcmp(a->bytes, b->bytes, a->len);
}

/* "node ID": @w holds the words after the keyword. */
static void conf_node(struct conf *conf, unsigned int line, char **w, int n)
{
	const char *err;
	uint32_t id;

	if (n != 1) {
		conf_error(conf, line, "expected \"node ID\"");
		return;
	}
	err = rsmadm_parse_node_id(w[0], &id);
	if (err) {
		conf_error(conf, line, "%s", err);
		return;
	}
	if (conf->node_line) {
		conf_error(conf, line, "node given twice (first at line %u)",
			   conf->node_line);
		return;
	}
	conf->node = id;
	conf->node_line = line;
}

static void conf_timeout(struct conf *conf, unsigned int line, char **w,
			 int n)
{
	const char *err;
	uint32_t ms;

	if (n != 1) {
		conf_error(conf, line, "expected \"timeout MS\"");
		return;
	}
	err = rsmadm_parse_timeout(w[0], &ms);
	if (err) {
		conf_error(conf, line, "%s", err);
		return;
	}
	if (conf->timeout_line) {
		conf_error(conf, line, "timeout given twice (first at line %u)",
			   conf->timeout_line);
		return;
	}
	conf->timeout_ms = ms;
	conf->timeout_line = line;
}

static void conf_peer(struct conf *conf, unsigned int line, char **w, int n)
{
	struct rsmadm_addr addr;
	const char *err;
	uint32_t id, i;

	if (n != 3 || strcmp(w[1], "addr")) {
		conf_error(conf, line, "expected \"peer ID addr ADDR\"");
		return;
	}
	err = rsmadm_parse_node_id(w[0], &id);
	if (!err)
		err = rsmadm_parse_addr(w[2], &addr);
	if (err) {
		conf_error(conf, line, "%s", err);
		return;
	}
	if (conf->peer[id].line) {
		conf_error(conf, line, "peer %u listed twice (first at line %u)",
			   id, conf->peer[id].line);
		return;
	}
	for (i = 1; i <= RSM_NODE_ID_MAX; i++) {
		if (conf->peer[i].line && addr_equal(&conf->peer[i].addr, &addr)) {
			conf_error(conf, line,
				   "address %s is peer %u's already (line %u)",
				   w[2], i, conf->peer[i].line);
			return;
		}
	}
	conf->peer[id].line = line;
	conf->peer[id].addr = addr;
}

/* Splits @s into at most @max words; returns how many there were. */
static int split(char *s, char **w, int max)
{
	char *save, *tok;
	int n = 0;

	for (tok = strtok_r(s, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n < max)
			w[n] = tok;
		n++;
	}
	return n;
}

/* Reads and checks the whole file; returns the number of errors. */
static unsigned int conf_read(struct conf *conf, FILE *f)
{
	unsigned int line = 0;
	size_t size = 0;
	char *buf = NULL;
	char *w[5];
	int n;

	while (getline(&buf, &size, f) != -1) {
		line++;
		buf[strcspn(buf, "#")] = '\0';
		n = split(buf, w, ARRAY_SIZE(w));
		if (n == 0)
			continue;
		if (n > (int)ARRAY_SIZE(w))
			n = ARRAY_SIZE(w);
		if (!strcmp(w[0], "node"))
			conf_node(conf, line, w + 1, n - 1);
		else if (!strcmp(w[0], "timeout"))
			conf_timeout(conf, line, w + 1, n - 1);
		else if (!strcmp(w[0], "peer"))
			conf_peer(conf, line, w + 1, n - 1);
		else
			conf_error(conf, line,
				   "unknown statement \"%s\" (expected node, timeout or peer)",
				   w[0]);
	}
	if (ferror(f))
		conf_error(conf, line + 1, "read error: %s", strerror(errno));
	free(buf);
	if (conf->node_line && conf->peer[conf->node].line)
		conf_error(conf, conf->peer[conf->node].line,
			   "peer %u is this node (node %u at line %u)",
			   conf->node, conf->node, conf->node_line);
	return conf->errors;
}

/* apply -n: the plan, in the shape of "rsmadm show". */
static void conf_print(struct rsmadm *rd, const struct conf *conf)
{
	char buf[INET6_ADDRSTRLEN];
	uint32_t id;

	print_open_obj(rd, NULL);
	print_str(rd, "file", NULL, conf->file);
	if (conf->node_line || conf->timeout_line) {
		print_open_obj(rd, "node");
		if (conf->node_line) {
			print_u64(rd, "id", "set node id", conf->node);
			print_nl(rd, 0);
		}
		if (conf->timeout_line) {
			print_u64(rd, "timeout_ms", "set timeout",
				  conf->timeout_ms);
			print_nl(rd, 0);
		}
		print_close_obj(rd);
	}
	print_open_arr(rd, "peers");
	for (id = 1; id <= RSM_NODE_ID_MAX; id++) {
		if (!conf->peer[id].line)
			continue;
		print_open_obj(rd, NULL);
		print_u64(rd, "node", "add or update peer", id);
		print_str(rd, "addr", "addr",
			  rsmadm_addr_str(&conf->peer[id].addr, buf,
					  sizeof(buf)));
		print_close_obj(rd);
		print_nl(rd, 0);
	}
	print_close_arr(rd);
	print_str(rd, NULL, "", "delete every other peer");
	print_nl(rd, 0);
	print_close_obj(rd);
}

static int kernel_peers_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kernel_peers *kp = data;
	const struct nlattr *tb[RSM_A_MAX + 1];
	uint32_t id;

	if (rsmadm_parse(nlh, tb))
		return MNL_CB_ERROR;
	if (!tb[RSM_A_NODE_ID] || !tb[RSM_A_PEER_ADDR]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	id = mnl_attr_get_u32(tb[RSM_A_NODE_ID]);
	if (id < 1 || id > RSM_NODE_ID_MAX) {
		errno = ERANGE;
		return MNL_CB_ERROR;
	}
	if (rsmadm_get_addr(tb[RSM_A_PEER_ADDR], &kp->addr[id]))
		return MNL_CB_ERROR;
	kp->present[id] = true;
	return MNL_CB_OK;
}

static int node_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RSM_A_MAX + 1];
	uint32_t *cur = data;

	if (rsmadm_parse(nlh, tb))
		return MNL_CB_ERROR;
	if (tb[RSM_A_NODE_ID])
		cur[0] = mnl_attr_get_u32(tb[RSM_A_NODE_ID]);
	if (tb[RSM_A_TIMEOUT_MS])
		cur[1] = mnl_attr_get_u32(tb[RSM_A_TIMEOUT_MS]);
	return MNL_CB_OK;
}

static int peer_cmd(struct rsmadm *rd, uint8_t cmd, uint32_t id,
		    const struct rsmadm_addr *addr)
{
	struct nlmsghdr *nlh;

	nlh = rsmadm_msg(rd, cmd, 0);
	if (!nlh)
		return 1;
	mnl_attr_put_u32(nlh, RSM_A_NODE_ID, id);
	if (addr)
		mnl_attr_put(nlh, RSM_A_PEER_ADDR, addr->len, addr->bytes);
	return rsmadm_sendrecv(rd, nlh, NULL, NULL);
}

/* Steps 1 and 2 of the header comment. */
static int delete_peers(struct rsmadm *rd, const struct conf *conf,
			struct kernel_peers *kp)
{
	uint32_t id, other;
	bool del;

	for (id = 1; id <= RSM_NODE_ID_MAX; id++) {
		if (!kp->present[id])
			continue;
		del = !conf->peer[id].line;
		for (other = 1; !del && other <= RSM_NODE_ID_MAX; other++)
			del = other != id && conf->peer[other].line &&
			      addr_equal(&conf->peer[other].addr, &kp->addr[id]);
		if (!del)
			continue;
		if (peer_cmd(rd, RSM_CMD_PEER_DEL, id, NULL))
			return 1;
		kp->present[id] = false;
	}
	return 0;
}

/* Step 3: only what differs from the kernel's. */
static int set_node(struct rsmadm *rd, const struct conf *conf)
{
	uint32_t cur[2] = { 0, 0 };
	struct nlmsghdr *nlh;
	bool change = false;

	if (!conf->node_line && !conf->timeout_line)
		return 0;
	nlh = rsmadm_msg(rd, RSM_CMD_NODE_GET, 0);
	if (!nlh || rsmadm_sendrecv(rd, nlh, node_get_cb, cur))
		return 1;
	nlh = rsmadm_msg(rd, RSM_CMD_NODE_SET, 0);
	if (!nlh)
		return 1;
	if (conf->node_line && conf->node != cur[0]) {
		mnl_attr_put_u32(nlh, RSM_A_NODE_ID, conf->node);
		change = true;
	}
	if (conf->timeout_line && conf->timeout_ms != cur[1]) {
		mnl_attr_put_u32(nlh, RSM_A_TIMEOUT_MS, conf->timeout_ms);
		change = true;
	}
	return change ? rsmadm_sendrecv(rd, nlh, NULL, NULL) : 0;
}

/* Step 4. */
static int put_peers(struct rsmadm *rd, const struct conf *conf,
		     const struct kernel_peers *kp)
{
	const struct rsmadm_addr *addr;
	uint32_t id;

	for (id = 1; id <= RSM_NODE_ID_MAX; id++) {
		if (!conf->peer[id].line)
			continue;
		addr = &conf->peer[id].addr;
		if (!kp->present[id]) {
			if (peer_cmd(rd, RSM_CMD_PEER_ADD, id, addr))
				return 1;
		} else if (!addr_equal(addr, &kp->addr[id])) {
			if (peer_cmd(rd, RSM_CMD_PEER_SET, id, addr))
				return 1;
		}
	}
	return 0;
}

static int conf_apply(struct rsmadm *rd, const struct conf *conf)
{
	struct kernel_peers kp;
	struct nlmsghdr *nlh;

	memset(&kp, 0, sizeof(kp));
	nlh = rsmadm_msg(rd, RSM_CMD_PEER_GET, NLM_F_DUMP);
	if (!nlh || rsmadm_sendrecv(rd, nlh, kernel_peers_cb, &kp))
		return 1;
	if (delete_peers(rd, conf, &kp) || set_node(rd, conf) ||
	    put_peers(rd, conf, &kp)) {
		rsmadm_error("%s: applied only in part", conf->file);
		return 1;
	}
	return 0;
}

static int apply_help(struct rsmadm *rd)
{
	apply_usage(stdout);
	return 0;
}

int rsmadm_apply(struct rsmadm *rd)
{
	struct conf *conf;
	bool dry_run = false;
	FILE *f;
	int ret;

	rd->usage = apply_usage;
	if (rd_argv(rd) && !strcmp(rd_argv(rd), "help"))
		return apply_help(rd);
	if (rd_argv(rd) && (!strcmp(rd_argv(rd), "-n") ||
			    !strcmp(rd_argv(rd), "--dry-run"))) {
		rd_arg_next(rd);
		dry_run = true;
	}
	if (rd_argv(rd) && rd_argv(rd)[0] == '-' && rd_argv(rd)[1])
		return rsmadm_bad_usage(rd, "apply: unknown option \"%s\"",
					rd_argv(rd));
	conf = calloc(1, sizeof(*conf));
	if (!conf)
		return rsmadm_error("%s", strerror(ENOMEM));
	conf->file = rd_no_arg(rd) ? RSMADM_CONF_DEFAULT : rd_arg_next(rd);
	if (rsmadm_no_more_args(rd)) {
		free(conf);
		return 1;
	}

	if (!strcmp(conf->file, "-")) {
		conf->file = "<stdin>";
		f = stdin;
	} else {
		f = fopen(conf->file, "r");
	}
	if (!f) {
		ret = rsmadm_error("%s: %s", conf->file, strerror(errno));
		free(conf);
		return ret;
	}
	ret = conf_read(conf, f) ? 1 : 0;
	if (f != stdin)
		fclose(f);
	if (ret)
		rsmadm_error("%s: not applied", conf->file);
	else if (dry_run)
		conf_print(rd, conf);
	else
		ret = conf_apply(rd, conf);
	free(conf);
	return ret;
}
