// SPDX-License-Identifier: GPL-2.0
/*
 * Shared plumbing: the command-line cursor and dispatch, value parsers
 * (shared with the configuration file), the netlink conversation with the
 * "rsm" family, and the output helpers that print either text or JSON.
 *
 * Every request carries NLM_F_ACK and the socket has NETLINK_EXT_ACK on,
 * so each request ends with an ACK, an error, or (dumps) NLMSG_DONE, and a
 * rejection comes with the kernel's own message, which is printed as
 * "rsmadm: <strerror>: <message>".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>

#include "rsmadm.h"

/* Command line */

char *rd_argv(struct rsmadm *rd)
{
	return rd->argc > 0 ? rd->argv[0] : NULL;
}

bool rd_no_arg(struct rsmadm *rd)
{
	return rd->argc <= 0;
}

/* Consumes and returns the current word (NULL when there is none). */
char *rd_arg_next(struct rsmadm *rd)
{
	char *arg = rd_argv(rd);

	if (arg) {
		rd->argc--;
		rd->argv++;
	}
	return arg;
}

/* Whether the current word is @word, or a prefix of it, as iproute2 does. */
static bool matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && !strncmp(arg, word, len);
}

bool rd_arg_is(struct rsmadm *rd, const char *word)
{
	return !rd_no_arg(rd) && matches(rd_argv(rd), word);
}

int rsmadm_error(const char *fmt, ...)
{
	va_list ap;

	fputs("rsmadm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Reports a grammar error with the current object's usage; returns 1. */
int rsmadm_bad_usage(struct rsmadm *rd, const char *fmt, ...)
{
	va_list ap;

	fputs("rsmadm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	(rd->usage ? rd->usage : rsmadm_usage)(stderr);
	return 1;
}

int rsmadm_no_more_args(struct rsmadm *rd)
{
	if (rd_no_arg(rd))
		return 0;
	return rsmadm_bad_usage(rd, "unexpected argument \"%s\"", rd_argv(rd));
}

/*
 * Runs the entry of @cmds that the current word names (entry 0 when there
 * is no word), after consuming the word. @usage becomes the usage printed
 * on bad usage from here on.
 */
int rsmadm_exec_cmd(struct rsmadm *rd, const struct rsmadm_cmd *cmds,
		    void (*usage)(FILE *f), const char *object)
{
	const struct rsmadm_cmd *c;

	rd->usage = usage;
	if (rd_no_arg(rd))
		return cmds[0].fn(rd);
	for (c = &cmds[1]; c->name; c++) {
		if (rd_arg_is(rd, c->name)) {
			rd_arg_next(rd);
			return c->fn(rd);
		}
	}
	return rsmadm_bad_usage(rd, "unknown %s \"%s\"", object, rd_argv(rd));
}

/* Values. Each parser returns NULL, or what is wrong with @s. */

static char value_msg[128];

/* A decimal number without sign, spaces or anything after it. */
static bool parse_u32(const char *s, uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return false;
	*v = n;
	return true;
}

const char *rsmadm_parse_node_id(const char *s, uint32_t *id)
{
	if (parse_u32(s, id) && *id >= 1 && *id <= RSM_NODE_ID_MAX)
		return NULL;
	snprintf(value_msg, sizeof(value_msg),
		 "bad node id \"%s\": node ids are 1 to %u", s,
		 RSM_NODE_ID_MAX);
	return value_msg;
}

const char *rsmadm_parse_timeout(const char *s, uint32_t *ms)
{
	if (parse_u32(s, ms) && *ms >= RSM_TIMEOUT_MS_MIN &&
	    *ms <= RSM_TIMEOUT_MS_MAX)
		return NULL;
	snprintf(value_msg, sizeof(value_msg),
		 "bad timeout \"%s\": must be %u to %u milliseconds", s,
		 RSM_TIMEOUT_MS_MIN, RSM_TIMEOUT_MS_MAX);
	return value_msg;
}

const char *rsmadm_parse_addr(const char *s, struct rsmadm_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, s, addr->bytes) == 1) {
		addr->len = 4;
		return NULL;
	}
	if (inet_pton(AF_INET6, s, addr->bytes) == 1) {
		addr->len = 16;
		return NULL;
	}
	snprintf(value_msg, sizeof(value_msg),
		 "bad address \"%s\": not an IPv4 or IPv6 address", s);
	return value_msg;
}

const char *rsmadm_parse_count(const char *s, uint32_t *count)
{
	if (parse_u32(s, count) && *count >= 1)
		return NULL;
	snprintf(value_msg, sizeof(value_msg),
		 "bad count \"%s\": must be a positive number", s);
	return value_msg;
}

/* Reads RSM_A_PEER_ADDR; -1 with errno EBADMSG if it is neither size. */
int rsmadm_get_addr(const struct nlattr *attr, struct rsmadm_addr *addr)
{
	size_t len = mnl_attr_get_payload_len(attr);

	if (len != 4 && len != 16) {
		errno = EBADMSG;
		return -1;
	}
	addr->len = len;
	memcpy(addr->bytes, mnl_attr_get_payload(attr), len);
	return 0;
}

const char *rsmadm_addr_str(const struct rsmadm_addr *addr, char *buf,
			    size_t size)
{
	int af = addr->len == 4 ? AF_INET : AF_INET6;

	if (!inet_ntop(af, addr->bytes, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

/* Netlink */

/* What the kernel sends, as the kernel's nla_policy accepts it. */
static const enum mnl_attr_data_type rsm_policy[RSM_A_MAX + 1] = {
	[RSM_A_NODE_ID] = MNL_TYPE_U32,
	[RSM_A_TIMEOUT_MS] = MNL_TYPE_U32,
	[RSM_A_PORT] = MNL_TYPE_U16,
	[RSM_A_PEER_ADDR] = MNL_TYPE_BINARY,
	[RSM_A_CHAN_STATE] = MNL_TYPE_U32,
	[RSM_A_CTRL_NAME] = MNL_TYPE_NUL_STRING,
	[RSM_A_CTRL_ID] = MNL_TYPE_U64,
	[RSM_A_CTRL_TYPE] = MNL_TYPE_U32,
	[RSM_A_CTRL_HWADDR] = MNL_TYPE_U64,
	[RSM_A_REMOTE_CTRL_NAME] = MNL_TYPE_NUL_STRING,
	[RSM_A_REMOTE_HWADDR] = MNL_TYPE_U64,
	[RSM_A_RTT_NS] = MNL_TYPE_U64,
	[RSM_A_STATS] = MNL_TYPE_NESTED,
	[RSM_A_COUNTERS] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type rsm_stat_policy[RSM_STAT_MAX + 1] = {
	[RSM_STAT_CONNECTS] = MNL_TYPE_U64,
	[RSM_STAT_DISCONNECTS] = MNL_TYPE_U64,
	[RSM_STAT_TIMEOUTS] = MNL_TYPE_U64,
	[RSM_STAT_REJECTS] = MNL_TYPE_U64,
	[RSM_STAT_MSGS_TX] = MNL_TYPE_U64,
	[RSM_STAT_MSGS_RX] = MNL_TYPE_U64,
	[RSM_STAT_REQ_TIMEOUTS] = MNL_TYPE_U64,
};

static const enum mnl_attr_data_type rsm_cnt_policy[RSM_CNT_MAX + 1] = {
	[RSM_CNT_EXPORTS] = MNL_TYPE_U64,
	[RSM_CNT_IMPORTS] = MNL_TYPE_U64,
	[RSM_CNT_GRANTS] = MNL_TYPE_U64,
	[RSM_CNT_PINNED_PAGES] = MNL_TYPE_U64,
	[RSM_CNT_CONNS] = MNL_TYPE_U64,
	[RSM_CNT_MRS] = MNL_TYPE_U64,
	[RSM_CNT_CACHED_PAGES] = MNL_TYPE_U64,
};

struct attr_parse {
	const enum mnl_attr_data_type *policy;
	unsigned int max;
	const struct nlattr **tb;
};

/*
 * Files each attribute under its type. Attributes this tool does not know
 * (newer kernels) and the padding attributes are skipped; a known one
 * that does not have its type's size is an error.
 */
static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attr_parse *p = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type > p->max || p->policy[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, p->policy[type]) < 0)
		return MNL_CB_ERROR;
	p->tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * Fills @tb[RSM_A_MAX + 1] from a message of the family. Returns 0, or -1
 * with errno EBADMSG for a malformed message: a reply callback then returns
 * MNL_CB_ERROR and rsmadm_sendrecv() reports it.
 */
int rsmadm_parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	struct attr_parse p = { rsm_policy, RSM_A_MAX, tb };

	memset(tb, 0, sizeof(*tb) * (RSM_A_MAX + 1));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, &p) < 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* Fills @tb[RSM_STAT_MAX + 1] from RSM_A_STATS; errors as rsmadm_parse(). */
int rsmadm_parse_stats(const struct nlattr *nest, const struct nlattr **tb)
{
	struct attr_parse p = { rsm_stat_policy, RSM_STAT_MAX, tb };

	memset(tb, 0, sizeof(*tb) * (RSM_STAT_MAX + 1));
	if (mnl_attr_parse_nested(nest, attr_cb, &p) < 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* Fills @tb[RSM_CNT_MAX + 1] from RSM_A_COUNTERS; errors as rsmadm_parse(). */
int rsmadm_parse_counters(const struct nlattr *nest, const struct nlattr **tb)
{
	struct attr_parse p = { rsm_cnt_policy, RSM_CNT_MAX, tb };

	memset(tb, 0, sizeof(*tb) * (RSM_CNT_MAX + 1));
	if (mnl_attr_parse_nested(nest, attr_cb, &p) < 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* One request in flight: the caller's callback and what went wrong. */
struct request {
	struct rsmadm *rd;
	mnl_cb_t cb;
	void *data;
	int err;	/* first errno of a callback; the rest is drained */
};

static int cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct request *req = data;

	if (req->err || !req->cb)
		return MNL_CB_OK;
	if (req->cb(nlh, req->data) == MNL_CB_ERROR)
		req->err = errno ? errno : EPROTO;
	return MNL_CB_OK;
}

static int extack_cb(const struct nlattr *attr, void *data)
{
	struct rsmadm *rd = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(rd->extack, sizeof(rd->extack), "%s",
			 mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* Extended-ack attributes start at @offset into the payload of @nlh. */
static void parse_extack(struct rsmadm *rd, const struct nlmsghdr *nlh,
			 size_t offset)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (offset > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, offset, extack_cb, rd);
}

static int cb_error(const struct nlmsghdr *nlh, void *data)
{
	struct request *req = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Without NETLINK_CAP_ACK the request itself is echoed first. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += MNL_ALIGN(err->msg.nlmsg_len) - sizeof(err->msg);
	parse_extack(req->rd, nlh, offset);
	if (!err->error)
		return MNL_CB_STOP;
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/* A dump that failed half-way ends with NLMSG_DONE carrying the error. */
static int cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct request *req = data;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (!err)
		return MNL_CB_STOP;
	parse_extack(req->rd, nlh, sizeof(int));
	errno = err < 0 ? -err : err;
	return MNL_CB_ERROR;
}

static int cb_noop(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static int cb_overrun(const struct nlmsghdr *nlh, void *data)
{
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

static mnl_cb_t cb_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = cb_noop,
	[NLMSG_ERROR] = cb_error,
	[NLMSG_DONE] = cb_done,
	[NLMSG_OVERRUN] = cb_overrun,
};

/*
 * Sends @nlh and reads until its ACK, error or NLMSG_DONE, handing every
 * message of the family to @cb. Returns 0 or a negative errno; the
 * kernel's extended-ack message, if any, is in rd->extack. *@local tells
 * whether the error is the tool's (a reply it could not read).
 */
static int request(struct rsmadm *rd, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data, bool *local)
{
	struct request req = { rd, cb, data, 0 };
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	rd->extack[0] = '\0';
	*local = false;
	if (mnl_socket_sendto(rd->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(rd->nl, rd->buf, RSMADM_BUF_SIZE);
		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run2(rd->buf, n, seq, rd->portid, cb_data, &req,
				  cb_ctl, ARRAY_SIZE(cb_ctl));
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		return -(errno ? errno : EPROTO);
	*local = req.err != 0;
	return -req.err;
}

static void put_header(struct rsmadm *rd, struct nlmsghdr *nlh,
		       uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++rd->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = type == GENL_ID_CTRL ? 1 : RSM_GENL_VERSION;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			*(uint16_t *)data = mnl_attr_get_u16(attr);
	}
	return MNL_CB_OK;
}

void rsmadm_close(struct rsmadm *rd)
{
	if (rd->nl)
		mnl_socket_close(rd->nl);
	rd->nl = NULL;
	free(rd->buf);
	rd->buf = NULL;
}

/* Resolves the family id; prints what failed. */
static int resolve_family(struct rsmadm *rd)
{
	struct nlmsghdr *nlh;
	bool local;
	int ret;

	nlh = mnl_nlmsg_put_header(rd->buf);
	put_header(rd, nlh, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RSM_GENL_NAME);
	ret = request(rd, nlh, family_cb, &rd->family, &local);
	if (ret == -ENOENT)
		return rsmadm_error("no generic netlink family \"%s\": is rsm.ko loaded?",
				    RSM_GENL_NAME);
	if (ret)
		return rsmadm_error("looking up family \"%s\": %s",
				    RSM_GENL_NAME, strerror(-ret));
	if (!rd->family)
		return rsmadm_error("family \"%s\" has no id", RSM_GENL_NAME);
	return 0;
}

/*
 * Opens the socket and resolves the family id; on failure prints why and
 * leaves nothing open, so that the next request fails the same way.
 */
static int rsmadm_open(struct rsmadm *rd)
{
	int one = 1;

	rd->buf = malloc(RSMADM_BUF_SIZE);
	if (!rd->buf)
		return rsmadm_error("%s", strerror(ENOMEM));
	rd->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!rd->nl) {
		rsmadm_error("netlink socket: %s", strerror(errno));
		goto err;
	}
	if (mnl_socket_bind(rd->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rsmadm_error("netlink bind: %s", strerror(errno));
		goto err;
	}
	rd->portid = mnl_socket_get_portid(rd->nl);
	/* Both exist since Linux 4.12; without them errors lose the text. */
	mnl_socket_setsockopt(rd->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(rd->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	rd->seq = time(NULL);
	if (resolve_family(rd))
		goto err;
	return 0;

err:
	rsmadm_close(rd);
	return 1;
}

/*
 * Starts a request RSM_CMD_* @cmd (@flags: 0 or NLM_F_DUMP) in the context's
 * buffer, opening the socket on first use. NULL when that failed (told).
 */
struct nlmsghdr *rsmadm_msg(struct rsmadm *rd, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh;

	if (!rd->nl && rsmadm_open(rd))
		return NULL;
	nlh = mnl_nlmsg_put_header(rd->buf);
	put_header(rd, nlh, rd->family, flags, cmd);
	return nlh;
}

/*
 * Sends @nlh, hands each reply to @cb. Returns 0, or 1 after printing
 * "rsmadm: <strerror>[: <extended ack message>]".
 */
int rsmadm_sendrecv(struct rsmadm *rd, struct nlmsghdr *nlh, mnl_cb_t cb,
		    void *data)
{
	bool local;
	int ret = request(rd, nlh, cb, data, &local);

	if (!ret)
		return 0;
	if (local)
		return rsmadm_error("reading the kernel's reply: %s",
				    strerror(-ret));
	if (rd->extack[0])
		return rsmadm_error("%s: %s", strerror(-ret), rd->extack);
	return rsmadm_error("%s", strerror(-ret));
}

/* Output */

void print_open_obj(struct rsmadm *rd, const char *key)
{
	if (rd->json)
		json_open(&rd->jw, key, '{');
}

void print_close_obj(struct rsmadm *rd)
{
	if (rd->json)
		json_close(&rd->jw, '}');
}

void print_open_arr(struct rsmadm *rd, const char *key)
{
	if (rd->json)
		json_open(&rd->jw, key, '[');
}

void print_close_arr(struct rsmadm *rd)
{
	if (rd->json)
		json_close(&rd->jw, ']');
}

/* Text: "label value", separated by spaces, on the current line. */
static void print_word(struct rsmadm *rd, const char *label, const char *v)
{
	if (rd->line_open)
		putchar(' ');
	else
		printf("%*s", rd->indent, "");
	rd->line_open = true;
	if (label && *label)
		printf("%s ", label);
	fputs(v, stdout);
}

/*
 * A value: under @key in JSON, as "@label value" in text. A NULL @key or
 * @label leaves the value out of that form; an empty @label prints it
 * without a label.
 */
void print_u64(struct rsmadm *rd, const char *key, const char *label,
	       uint64_t v)
{
	char buf[24];

	if (rd->json) {
		if (key)
			json_u64(&rd->jw, key, v);
		return;
	}
	if (label) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		print_word(rd, label, buf);
	}
}

void print_str(struct rsmadm *rd, const char *key, const char *label,
	       const char *s)
{
	if (rd->json) {
		if (key)
			json_str(&rd->jw, key, s);
		return;
	}
	if (label)
		print_word(rd, label, s);
}

/* A node GUID as ibv_devinfo prints it: four groups of four hex digits. */
void print_hwaddr(struct rsmadm *rd, const char *key, const char *label,
		  uint64_t v)
{
	char buf[20];

	snprintf(buf, sizeof(buf), "%04x:%04x:%04x:%04x",
		 (unsigned int)(v >> 48) & 0xffff,
		 (unsigned int)(v >> 32) & 0xffff,
		 (unsigned int)(v >> 16) & 0xffff,
		 (unsigned int)v & 0xffff);
	print_str(rd, key, label, buf);
}

/* Text: ends the current line; the next one starts @indent spaces in. */
void print_nl(struct rsmadm *rd, int indent)
{
	if (rd->json)
		return;
	if (rd->line_open)
		putchar('\n');
	rd->line_open = false;
	rd->indent = indent;
}
