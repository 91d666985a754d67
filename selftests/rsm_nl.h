/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink for the selftests: walking attributes, and this node as
 * the family "rsm" reports it (RSM_CMD_NODE_GET, what `rsmadm node show`
 * prints): its id, its failure detection time and the module's object
 * counters (RSM_A_COUNTERS), which the leak checks compare before and
 * after.
 *
 * Include after kselftest_harness.h.
 */
#ifndef _RSM_NL_H
#define _RSM_NL_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rsm_netlink.h>

static inline void *rsm_nla_data(const struct nlattr *a)
{
	return (char *)a + NLA_HDRLEN;
}

static inline int rsm_nla_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline struct nlattr *rsm_nla_next(const struct nlattr *a)
{
	return (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
}

/* Each whole attribute @a in the @len bytes at @start; @rem: bytes left. */
#define rsm_nla_for_each(a, start, len, rem)				\
	for ((a) = (struct nlattr *)(start), (rem) = (int)(len);	\
	     (rem) >= NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN &&	\
	     (a)->nla_len <= (rem);					\
	     (rem) -= NLA_ALIGN((a)->nla_len), (a) = rsm_nla_next(a))

/* The first attribute of @type in the @len bytes at @start, or NULL. */
static inline struct nlattr *rsm_nla_find(const void *start, int len,
					  int type)
{
	struct nlattr *a;
	int rem;

	rsm_nla_for_each(a, start, len, rem)
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

/* The attributes of generic netlink message @h, and their length. */
static inline struct nlattr *rsm_genl_attrs(const struct nlmsghdr *h)
{
	return (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
}

static inline int rsm_genl_attrs_len(const struct nlmsghdr *h)
{
	return (int)h->nlmsg_len - (int)NLMSG_LENGTH(GENL_HDRLEN);
}

/*
 * Send command @cmd to family @type on @fd, with the family name @name
 * for the controller's CTRL_CMD_GETFAMILY (or nothing), and read the
 * answer into @buf: its attributes, and their length in *@len; NULL on
 * any error.
 */
static inline struct nlattr *rsm_genl_ask(int fd, __u16 type, __u8 cmd,
					  const char *name, void *buf,
					  size_t size, int *len)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[32];
	} req = {
		.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
		.n.nlmsg_type = type,
		.n.nlmsg_flags = NLM_F_REQUEST,
		.g.cmd = cmd,
		.g.version = 1,
	};
	struct nlattr *a = (struct nlattr *)req.attrs;
	struct nlmsghdr *h = buf;
	ssize_t n;

	if (name) {
		a->nla_type = CTRL_ATTR_FAMILY_NAME;
		a->nla_len = NLA_HDRLEN + strlen(name) + 1;
		strcpy(rsm_nla_data(a), name);
		req.n.nlmsg_len += NLA_ALIGN(a->nla_len);
	}
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
		return NULL;
	n = recv(fd, buf, size, 0);
	if (n < 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_type == NLMSG_ERROR ||
	    rsm_genl_attrs_len(h) < 0)
		return NULL;
	*len = rsm_genl_attrs_len(h);
	return rsm_genl_attrs(h);
}

/* This node, as RSM_CMD_NODE_GET reports it. */
struct rsm_node_info {
	__u32 id;			/* 0 until set */
	__u32 timeout_ms;		/* failure detection time */
	__u64 cnt[RSM_CNT_MAX + 1];	/* by enum rsm_counter */
};

/* The name of counter @i ("exports"...), or NULL if there is none. */
static inline const char *rsm_cnt_name(int i)
{
	static const char *const names[RSM_CNT_MAX + 1] = {
		[RSM_CNT_EXPORTS] = "exports",
		[RSM_CNT_IMPORTS] = "imports",
		[RSM_CNT_GRANTS] = "grants",
		[RSM_CNT_PINNED_PAGES] = "pinned_pages",
		[RSM_CNT_CONNS] = "conns",
		[RSM_CNT_MRS] = "mrs",
		[RSM_CNT_CACHED_PAGES] = "cached_pages",
	};

	return i >= 0 && i <= RSM_CNT_MAX ? names[i] : NULL;
}

/*
 * Fill @ni from the @len bytes of attributes at @attrs of an answer to
 * RSM_CMD_NODE_GET: 0, or -ENOENT if they hold no counters.
 */
static inline int rsm_node_parse(const void *attrs, int len,
				 struct rsm_node_info *ni)
{
	struct nlattr *a, *c;
	int rem, t;

	memset(ni, 0, sizeof(*ni));
	a = rsm_nla_find(attrs, len, RSM_A_NODE_ID);
	if (a && rsm_nla_len(a) == sizeof(ni->id))
		memcpy(&ni->id, rsm_nla_data(a), sizeof(ni->id));
	a = rsm_nla_find(attrs, len, RSM_A_TIMEOUT_MS);
	if (a && rsm_nla_len(a) == sizeof(ni->timeout_ms))
		memcpy(&ni->timeout_ms, rsm_nla_data(a),
		       sizeof(ni->timeout_ms));
	c = rsm_nla_find(attrs, len, RSM_A_COUNTERS);
	if (!c)
		return -ENOENT;
	rsm_nla_for_each(a, rsm_nla_data(c), rsm_nla_len(c), rem) {
		t = a->nla_type & NLA_TYPE_MASK;
		if (rsm_cnt_name(t) && rsm_nla_len(a) == sizeof(__u64))
			memcpy(&ni->cnt[t], rsm_nla_data(a), sizeof(__u64));
	}
	return 0;
}

/* This node, over a socket of its own: 0, or -1 (no module, no counters). */
static inline int rsm_node_get(struct rsm_node_info *ni)
{
	__u64 buf[1024];
	struct nlattr *a, *id;
	int fd, len, ret = -1;
	__u16 family;

	memset(ni, 0, sizeof(*ni));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	a = rsm_genl_ask(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, RSM_GENL_NAME,
			 buf, sizeof(buf), &len);
	id = a ? rsm_nla_find(a, len, CTRL_ATTR_FAMILY_ID) : NULL;
	if (id && rsm_nla_len(id) >= (int)sizeof(family)) {
		memcpy(&family, rsm_nla_data(id), sizeof(family));
		a = rsm_genl_ask(fd, family, RSM_CMD_NODE_GET, NULL, buf,
				 sizeof(buf), &len);
		if (a && !rsm_node_parse(a, len, ni))
			ret = 0;
	}
	close(fd);
	return ret;
}

/*
 * Every counter but conns is the same in @a and @b: the channel
 * connections come and go with the other nodes.
 */
static inline bool rsm_cnt_same(const __u64 *a, const __u64 *b)
{
	int i;

	for (i = 0; i <= RSM_CNT_MAX; i++)
		if (rsm_cnt_name(i) && i != RSM_CNT_CONNS && a[i] != b[i])
			return false;
	return true;
}

/* " exports 1 imports 0 ...", for the log. */
static inline void rsm_cnt_str(const __u64 *cnt, char *buf, size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i <= RSM_CNT_MAX && n < size; i++)
		if (rsm_cnt_name(i))
			n += snprintf(buf + n, size - n, " %s %llu",
				      rsm_cnt_name(i),
				      (unsigned long long)cnt[i]);
}

/*
 * Wait up to @secs for every counter but conns to be back at @base, and
 * with @conn_gone also conns below it (a connection freed). Logs what is
 * not back. Returns whether all was.
 */
static inline bool rsm_cnt_settle(struct __test_metadata *_metadata,
				  const __u64 *base, bool conn_gone,
				  double secs)
{
	const int conns = RSM_CNT_CONNS;
	struct rsm_node_info ni;
	struct timespec t;
	double end;
	bool ok;
	int i, err;

	clock_gettime(CLOCK_MONOTONIC, &t);
	end = t.tv_sec + t.tv_nsec / 1e9 + secs;
	for (;;) {
		err = rsm_node_get(&ni);
		ok = !err && rsm_cnt_same(ni.cnt, base) &&
		     (!conn_gone || ni.cnt[conns] < base[conns]);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (ok || t.tv_sec + t.tv_nsec / 1e9 >= end)
			break;
		usleep(50000);
	}
	if (err)
		TH_LOG("no counters from netlink");
	for (i = 0; !ok && !err && i <= RSM_CNT_MAX; i++) {
		if (i == conns && conn_gone && ni.cnt[i] >= base[i])
			TH_LOG("counter conns is %llu, was %llu: not freed",
			       (unsigned long long)ni.cnt[i],
			       (unsigned long long)base[i]);
		else if (rsm_cnt_name(i) && i != conns && ni.cnt[i] != base[i])
			TH_LOG("counter %s is %llu, was %llu", rsm_cnt_name(i),
			       (unsigned long long)ni.cnt[i],
			       (unsigned long long)base[i]);
	}
	return ok;
}

#endif /* _RSM_NL_H */
