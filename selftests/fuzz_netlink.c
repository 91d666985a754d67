// SPDX-License-Identifier: GPL-2.0
/*
 * Random messages to the generic netlink family "rsm", over a raw
 * NETLINK_GENERIC socket: 100,000 by default (RSM_FUZZ_CALLS), seed
 * RSM_FUZZ_SEED. Random commands (known and not), flags (dump or not,
 * with and without ACK), versions, attributes of every type and of random
 * types, lengths and nesting, duplicated, truncated and oversized
 * attributes, missing required ones, truncated and malformed netlink and
 * genetlink headers.
 *
 * The cluster must still work afterwards, and other tests may run on the
 * other nodes meanwhile: before a message goes out, whatever in it could
 * be valid and change something that matters is defused: a node id or a
 * timeout in NODE_SET becomes the current one, a configured peer in
 * PEER_SET and PEER_DEL becomes a spare id, and a unicast address becomes
 * a spare one (10.77.0.200 and up, fd52:534d::/64: no such hosts). So
 * NODE_SET and the peer commands still succeed (on spare peers) as well
 * as fail. The configuration (node id, timeout, peers and addresses) is
 * restored at the end and compared with the one found at the start.
 *
 * Checked: the kernel survives (panic_on_warn in the QEMU guests); every
 * error the family itself returns for a well-formed request carries an
 * extended-ack message (NLMSGERR_ATTR_MSG), as <linux/rsm_netlink.h>
 * promises; without CAP_NET_ADMIN (a child with uid 65534 and no
 * capabilities) every command that changes something fails with EPERM
 * and the read-only ones work; the object counters (RSM_A_COUNTERS) are
 * as before; this node dropped no channel (no "dropping the channel" in
 * the kernel log). Whether the channels came back is only logged: the
 * other nodes may have finished their tests and powered off.
 */
#include <arpa/inet.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "rsm_test.h"
#include "rsm_nl.h"

#define FUZZ_CALLS_DEFAULT	100000UL
#define FUZZ_SEED_DEFAULT	0x5253u
#define UNPRIV_CALLS		3000
#define BUF_SIZE		65536
#define MSG_MAX			12288
#define SPARE_ID_FIRST		50	/* spare peer ids: 50..64 */
#define NOBODY			65534
#define RECV_TIMEOUT		20	/* s: no answer at all is a finding */
#define STALL_SECONDS		60

/* Random numbers: xorshift64*. */
static __u64 rng_s;

static __u64 rnd(void)
{
	rng_s ^= rng_s >> 12;
	rng_s ^= rng_s << 25;
	rng_s ^= rng_s >> 27;
	return rng_s * 2685821657736338717ULL;
}

static __u32 below(__u32 n)
{
	return n ? (rnd() >> 16) % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

/* A netlink socket of ours and the family. */
struct nl {
	int fd;
	__u16 family;
	__u32 seq;
	char *buf;
};

/* The configuration: what is restored at the end. */
struct peer {
	__u32 id;
	__u32 state;
	__u32 addr_len;
	unsigned char addr[16];
};

struct config {
	struct rsm_node_info node;	/* id, timeout and counters */
	int npeers;
	struct peer peers[RSM_NODE_ID_MAX];
};

/* What came back for one request. */
struct reply {
	int error;		/* 0, a negative errno, or 1: no ACK seen */
	bool msg;		/* NLMSGERR_ATTR_MSG */
	bool miss;		/* NLMSGERR_ATTR_MISS_TYPE */
	char text[128];
	int nmsgs;		/* family messages */
};

static int nl_socket(struct nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, size = 1 << 20;

	struct timeval tv = { .tv_sec = RECV_TIMEOUT };

	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	nl->seq = time(NULL);
	return 0;
}

/* Parse the extended ack after an nlmsgerr (NETLINK_CAP_ACK is on). */
static void parse_error(struct nlmsghdr *h, struct reply *rep)
{
	struct nlmsgerr *e = NLMSG_DATA(h);
	struct nlattr *a;
	int rem, len;

	rep->error = e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*e));
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		len -= NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	rsm_nla_for_each(a, (char *)h + h->nlmsg_len - len, len, rem) {
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			rep->msg = true;
			snprintf(rep->text, sizeof(rep->text), "%.*s",
				 rsm_nla_len(a), (char *)rsm_nla_data(a));
		} else if (a->nla_type == NLMSGERR_ATTR_MISS_TYPE) {
			rep->miss = true;
		}
	}
}

/*
 * Read until the ACK of @sync (a NOOP sent after the request: requests
 * that get no answer at all end there too) and, for a dump that started,
 * until its NLMSG_DONE: a dump goes on as its socket is read, after the
 * NOOP's ACK. Hands each family message of @seq to @cb.
 */
static int nl_collect(struct nl *nl, __u32 seq, __u32 sync, bool dump,
		      struct reply *rep,
		      void (*cb)(struct nlmsghdr *h, void *data), void *data)
{
	bool synced = false, ended = false;
	struct nlmsghdr *h;
	ssize_t n;

	memset(rep, 0, sizeof(*rep));
	rep->error = 1;
	while (!synced || (dump && rep->nmsgs && !ended)) {
		n = recv(nl->fd, nl->buf, BUF_SIZE, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				printf("# no answer in %d s: %s, %d messages, %s\n",
				       RECV_TIMEOUT,
				       synced ? "synced" : "not synced",
				       rep->nmsgs, ended ? "ended" : "not ended");
				fflush(stdout);
				return -ETIMEDOUT;
			}
			/* A dump that failed on its way: sk_err, once. */
			if (rep->error == 1 || !rep->error)
				rep->error = -errno;
			ended = true;
			continue;
		}
		for (h = (struct nlmsghdr *)nl->buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq == sync &&
			    h->nlmsg_type == NLMSG_ERROR) {
				synced = true;
				continue;
			}
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				parse_error(h, rep);
				ended = true;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				rep->error = h->nlmsg_len >=
					     NLMSG_LENGTH(sizeof(int)) ?
					     *(int *)NLMSG_DATA(h) : 0;
				ended = true;
			} else if (h->nlmsg_type == nl->family) {
				rep->nmsgs++;
				if (cb)
					cb(h, data);
			}
		}
	}
	return 0;
}

/* Send @len bytes at @msg (sequence @seq), then a NOOP to sync on. */
static int nl_send(struct nl *nl, const void *msg, size_t len, __u32 seq,
		   struct reply *rep,
		   void (*cb)(struct nlmsghdr *h, void *data), void *data)
{
	struct nlmsghdr noop = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.nlmsg_seq = ++nl->seq,
	};

	/* What send() itself refuses (an empty message...) has no answer. */
	if (send(nl->fd, msg, len, 0) < 0 && (len >= NLMSG_HDRLEN ||
					      errno == EBADF))
		return -errno;
	if (send(nl->fd, &noop, sizeof(noop), 0) < 0)
		return -errno;
	return nl_collect(nl, seq, noop.nlmsg_seq,
			  len >= NLMSG_HDRLEN &&
			  ((const struct nlmsghdr *)msg)->nlmsg_flags & NLM_F_DUMP,
			  rep, cb, data);
}

/* A well-formed request: header, genetlink header, attributes. */
struct req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[MSG_MAX];
};

static void req_init(struct nl *nl, struct req *r, __u16 type, __u8 cmd,
		     __u16 flags)
{
	memset(r, 0, offsetof(struct req, attrs));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->n.nlmsg_seq = ++nl->seq;
	r->g.cmd = cmd;
	r->g.version = 1;
}

static struct nlattr *req_put(struct req *r, __u16 type, const void *data,
			      int len)
{
	struct nlattr *a = (struct nlattr *)((char *)r +
					     NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(rsm_nla_data(a), data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static int req_send(struct nl *nl, struct req *r, struct reply *rep,
		    void (*cb)(struct nlmsghdr *h, void *data), void *data)
{
	return nl_send(nl, r, r->n.nlmsg_len, r->n.nlmsg_seq, rep, cb, data);
}

static void family_cb(struct nlmsghdr *h, void *data)
{
	struct nlattr *a = rsm_nla_find(rsm_genl_attrs(h),
					rsm_genl_attrs_len(h),
					CTRL_ATTR_FAMILY_ID);

	if (a && rsm_nla_len(a) >= 2)
		memcpy(data, rsm_nla_data(a), 2);
}

/* Open a socket and find the family; 0 or a negative errno. */
static int nl_open(struct nl *nl)
{
	struct reply rep;
	__u16 fam = 0;
	struct req r;
	int ret;

	nl->buf = malloc(BUF_SIZE);
	if (!nl->buf)
		return -ENOMEM;
	ret = nl_socket(nl);
	if (ret)
		return ret;
	/* nl_collect() hands messages of nl->family to the callback. */
	nl->family = GENL_ID_CTRL;
	req_init(nl, &r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	req_put(&r, CTRL_ATTR_FAMILY_NAME, RSM_GENL_NAME,
		sizeof(RSM_GENL_NAME));
	ret = req_send(nl, &r, &rep, family_cb, &fam);
	nl->family = fam;
	if (ret)
		return ret;
	if (rep.error)
		return rep.error < 0 ? rep.error : -EPROTO;
	return nl->family ? 0 : -ENOENT;
}

static void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
	free(nl->buf);
	nl->buf = NULL;
}

/* Reading the configuration */

static void node_cb(struct nlmsghdr *h, void *data)
{
	struct config *c = data;

	rsm_node_parse(rsm_genl_attrs(h), rsm_genl_attrs_len(h), &c->node);
}

static void peer_cb(struct nlmsghdr *h, void *data)
{
	struct config *c = data;
	struct peer p = { 0 };
	struct nlattr *a;
	int rem;

	rsm_nla_for_each(a, rsm_genl_attrs(h), rsm_genl_attrs_len(h), rem) {
		if (a->nla_type == RSM_A_NODE_ID && rsm_nla_len(a) == 4)
			memcpy(&p.id, rsm_nla_data(a), 4);
		if (a->nla_type == RSM_A_CHAN_STATE && rsm_nla_len(a) == 4)
			memcpy(&p.state, rsm_nla_data(a), 4);
		if (a->nla_type == RSM_A_PEER_ADDR &&
		    (rsm_nla_len(a) == 4 || rsm_nla_len(a) == 16)) {
			p.addr_len = rsm_nla_len(a);
			memcpy(p.addr, rsm_nla_data(a), p.addr_len);
		}
	}
	if (c->npeers < RSM_NODE_ID_MAX)
		c->peers[c->npeers++] = p;
}

static int read_config(struct nl *nl, struct config *c)
{
	struct reply rep;
	struct req r;
	int ret;

	memset(c, 0, sizeof(*c));
	req_init(nl, &r, nl->family, RSM_CMD_NODE_GET, 0);
	ret = req_send(nl, &r, &rep, node_cb, c);
	if (ret || rep.error)
		return ret ? ret : -EPROTO;
	req_init(nl, &r, nl->family, RSM_CMD_PEER_GET, NLM_F_DUMP);
	ret = req_send(nl, &r, &rep, peer_cb, c);
	if (ret || (rep.error && rep.error != 1))
		return ret ? ret : -EPROTO;
	return 0;
}

static const struct peer *find_peer(const struct config *c, __u32 id)
{
	int i;

	for (i = 0; i < c->npeers; i++)
		if (c->peers[i].id == id)
			return &c->peers[i];
	return NULL;
}

/* "node timeout id=addr ...", peers in id order (as the dump gives). */
static void config_str(const struct config *c, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	int i, n;

	n = snprintf(buf, size, "node %u timeout %u", c->node.id,
		     c->node.timeout_ms);
	for (i = 0; i < c->npeers && n < (int)size; i++) {
		inet_ntop(c->peers[i].addr_len == 4 ? AF_INET : AF_INET6,
			  c->peers[i].addr, a, sizeof(a));
		n += snprintf(buf + n, size - n, " %u=%s", c->peers[i].id, a);
	}
}

static bool config_equal(const struct config *a, const struct config *b)
{
	char sa[4096], sb[4096];

	config_str(a, sa, sizeof(sa));
	config_str(b, sb, sizeof(sb));
	return !strcmp(sa, sb);
}

static int simple(struct nl *nl, __u8 cmd, __u32 id, const struct peer *p,
		  struct reply *rep)
{
	struct req r;

	req_init(nl, &r, nl->family, cmd, 0);
	if (id)
		req_put(&r, RSM_A_NODE_ID, &id, 4);
	if (p)
		req_put(&r, RSM_A_PEER_ADDR, p->addr, p->addr_len);
	return req_send(nl, &r, rep, NULL, NULL);
}

/* Make the configuration @want again: peers first, then the node. */
static int restore_config(struct nl *nl, const struct config *want)
{
	const struct peer *p;
	struct config now;
	struct reply rep;
	struct req r;
	int i, ret;

	ret = read_config(nl, &now);
	if (ret)
		return ret;
	for (i = 0; i < now.npeers; i++)
		if (!find_peer(want, now.peers[i].id))
			simple(nl, RSM_CMD_PEER_DEL, now.peers[i].id, NULL,
			       &rep);
	for (i = 0; i < want->npeers; i++) {
		p = find_peer(&now, want->peers[i].id);
		if (!p)
			simple(nl, RSM_CMD_PEER_ADD, want->peers[i].id,
			       &want->peers[i], &rep);
		else if (p->addr_len != want->peers[i].addr_len ||
			 memcmp(p->addr, want->peers[i].addr, p->addr_len))
			simple(nl, RSM_CMD_PEER_SET, want->peers[i].id,
			       &want->peers[i], &rep);
	}
	if (now.node.id != want->node.id ||
	    now.node.timeout_ms != want->node.timeout_ms) {
		req_init(nl, &r, nl->family, RSM_CMD_NODE_SET, 0);
		if (want->node.id && now.node.id != want->node.id)
			req_put(&r, RSM_A_NODE_ID, &want->node.id, 4);
		req_put(&r, RSM_A_TIMEOUT_MS, &want->node.timeout_ms, 4);
		req_send(nl, &r, &rep, NULL, NULL);
	}
	return 0;
}

/* Random messages */

/* The message in flight and how many went, for the watchdog. */
static struct req *in_flight;
static int in_flight_len;
static unsigned long progress;
static bool fuzz_done;

struct fuzz {
	struct nl nl;
	struct config start;
	unsigned long sent, ok, errors, no_answer, violations;
	unsigned long errs[140];
	unsigned long cmd_ok[RSM_CMD_MAX + 1], cmd_err[RSM_CMD_MAX + 1];
};

static bool is_real_peer(const struct fuzz *z, __u32 id)
{
	return !!find_peer(&z->start, id);
}

/* A spare peer id: neither this node nor a configured peer. */
static __u32 spare_id(const struct fuzz *z)
{
	__u32 id;

	do {
		id = SPARE_ID_FIRST + below(RSM_NODE_ID_MAX - SPARE_ID_FIRST + 1);
	} while (id == z->start.node.id || is_real_peer(z, id));
	return id;
}

/* Would get_addr() in the module take it? Then it must be a spare one. */
static void defuse_addr(unsigned char *a, int len)
{
	static const unsigned char ula[8] = { 0xfd, 0x52, 0x53, 0x4d };
	__u32 v4;
	bool any = true;
	int i;

	if (len == 4) {
		memcpy(&v4, a, 4);
		v4 = ntohl(v4);
		if (!(v4 >> 24) || (v4 >> 28) == 0xe || v4 == 0xffffffff)
			return;	/* zeronet, multicast, broadcast: refused */
		v4 = (10u << 24) | (77u << 16) | (200 + below(50));
		v4 = htonl(v4);
		memcpy(a, &v4, 4);
		return;
	}
	for (i = 0; i < 16; i++)
		any &= !a[i];
	if (any || a[0] == 0xff)
		return;	/* any, multicast: refused */
	memcpy(a, ula, 8);
}

/*
 * Make a message harmless where it could succeed: walk its attributes as
 * the module does (the last of several wins, so all are defused).
 */
static void defuse(struct fuzz *z, struct req *r, int len)
{
	__u8 cmd = r->g.cmd;
	struct nlattr *a;
	int rem, type;
	__u32 v;

	if (r->n.nlmsg_type != z->nl.family || len < NLMSG_LENGTH(GENL_HDRLEN))
		return;
	rsm_nla_for_each(a, r->attrs, len - NLMSG_LENGTH(GENL_HDRLEN), rem) {
		type = a->nla_type & NLA_TYPE_MASK;
		if (type == RSM_A_NODE_ID && rsm_nla_len(a) >= 4) {
			memcpy(&v, rsm_nla_data(a), 4);
			if (cmd == RSM_CMD_NODE_SET)
				v = z->start.node.id;
			else if ((cmd == RSM_CMD_PEER_SET ||
				  cmd == RSM_CMD_PEER_DEL) && is_real_peer(z, v))
				v = spare_id(z);
			memcpy(rsm_nla_data(a), &v, 4);
		} else if (type == RSM_A_TIMEOUT_MS && rsm_nla_len(a) >= 4 &&
			   cmd == RSM_CMD_NODE_SET) {
			memcpy(rsm_nla_data(a), &z->start.node.timeout_ms, 4);
		} else if (type == RSM_A_PEER_ADDR &&
			   (rsm_nla_len(a) == 4 || rsm_nla_len(a) == 16) &&
			   (cmd == RSM_CMD_PEER_ADD || cmd == RSM_CMD_PEER_SET)) {
			defuse_addr(rsm_nla_data(a), rsm_nla_len(a));
		}
	}
}

static __u32 pick_u32(void)
{
	static const __u32 v[] = { 0, 1, 2, 3, 63, 64, 65, 499, 500, 501,
				   5000, 600000, 600001, 0x7fffffff,
				   0x80000000, 0xffffffff };

	return chance(30) ? (__u32)rnd() : v[below(ARRAY_SIZE(v))];
}

/* Random bytes, or a plausible value for @type, @len long at @p. */
static int gen_payload(struct fuzz *z, int type, char *p, int room)
{
	static const int lens[] = { 0, 1, 2, 3, 4, 4, 4, 5, 7, 8, 8, 15, 16,
				    16, 17, 32, 64, 255, 256 };
	__u32 v;
	int len, i;

	len = lens[below(ARRAY_SIZE(lens))];
	if (chance(2))
		len = 1000 + below(4000);	/* oversized */
	if (len > room)
		len = room;
	for (i = 0; i < len; i++)
		p[i] = rnd();
	if (len >= 4 && chance(60)) {
		switch (type) {
		case RSM_A_NODE_ID:
			v = chance(60) ? (chance(50) ? spare_id(z) :
					  1 + below(RSM_NODE_ID_MAX)) :
			    pick_u32();
			break;
		case RSM_A_TIMEOUT_MS:
			v = chance(50) ? RSM_TIMEOUT_MS_MIN +
					 below(RSM_TIMEOUT_MS_MAX) : pick_u32();
			break;
		default:
			v = pick_u32();
			break;
		}
		memcpy(p, &v, 4);
	}
	if (type == RSM_A_PEER_ADDR && chance(50)) {
		len = chance(70) ? 4 : 16;
		len = len > room ? room : len;
	}
	if ((type == RSM_A_CTRL_NAME || type == RSM_A_REMOTE_CTRL_NAME) &&
	    len && chance(50))
		p[len - 1] = 0;
	return len;
}

/* Attributes at @p, at most @room bytes; @depth levels of nesting left. */
static int gen_attrs(struct fuzz *z, char *p, int room, int depth)
{
	static const int common[] = { RSM_A_NODE_ID, RSM_A_NODE_ID,
				      RSM_A_PEER_ADDR, RSM_A_PEER_ADDR,
				      RSM_A_TIMEOUT_MS };
	int n = below(6), used = 0, type, len;
	struct nlattr *a;

	while (n-- > 0 && room - used >= NLA_HDRLEN) {
		a = (struct nlattr *)(p + used);
		type = chance(50) ? common[below(5)] :
		       chance(90) ? (int)below(RSM_A_MAX + 3) : (int)(rnd() & 0xffff);
		if (depth && chance(10)) {
			len = gen_attrs(z, p + used + NLA_HDRLEN,
					room - used - NLA_HDRLEN, depth - 1);
			type |= NLA_F_NESTED;
		} else {
			len = gen_payload(z, type & NLA_TYPE_MASK,
					  p + used + NLA_HDRLEN,
					  room - used - NLA_HDRLEN);
		}
		if (chance(5))
			type |= chance(50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
		a->nla_type = type;
		a->nla_len = NLA_HDRLEN + len;
		/* A length that lies: beyond the message, or too short. */
		if (chance(2))
			a->nla_len = chance(50) ? below(NLA_HDRLEN) :
				     a->nla_len + 1 + below(64);
		used += NLA_ALIGN(NLA_HDRLEN + len);
		if (used > room)
			used = room;
	}
	return used;
}

/* Whether the module's own checks answered (not genetlink's). */
static bool ours(struct fuzz *z, struct req *r, int len, bool broken)
{
	__u8 cmd = r->g.cmd;
	bool dump = r->n.nlmsg_flags & NLM_F_DUMP;

	if (broken || r->n.nlmsg_type != z->nl.family ||
	    len < NLMSG_LENGTH(GENL_HDRLEN) ||
	    !(r->n.nlmsg_flags & NLM_F_REQUEST))
		return false;
	switch (cmd) {
	case RSM_CMD_NODE_GET:
	case RSM_CMD_NODE_SET:
	case RSM_CMD_PEER_ADD:
	case RSM_CMD_PEER_SET:
	case RSM_CMD_PEER_DEL:
	case RSM_CMD_PEER_PING:
		return !dump;
	case RSM_CMD_PEER_GET:
		return true;
	default:
		return false;	/* unknown, or CTRL_GET (dump only) */
	}
}

/* End a "# ...:" line with the first 256 bytes of message @m, in hex. */
static void print_msg(const void *m, int len)
{
	int i;

	for (i = 0; i < len && i < 256; i++)
		printf("%s%02x", i % 16 ? "" : "\n#  ",
		       ((const unsigned char *)m)[i]);
	printf("\n");
	fflush(stdout);
}

static void fuzz_one(struct __test_metadata *_metadata, struct fuzz *z,
		     struct req *r)
{
	static const __u16 flag_bits[] = { NLM_F_MULTI, NLM_F_ECHO,
					   NLM_F_DUMP_INTR, NLM_F_ROOT,
					   NLM_F_MATCH, NLM_F_ATOMIC,
					   NLM_F_REPLACE, NLM_F_EXCL,
					   NLM_F_CREATE, NLM_F_APPEND };
	bool broken = false;
	struct reply rep;
	int len, ret;
	__u8 cmd;

	cmd = chance(90) ? 1 + below(RSM_CMD_MAX) : below(256);
	/*
	 * Ours; now and then the genetlink controller (read only) or a
	 * netlink control type. Never another family: as root, random
	 * requests could reconfigure the guest.
	 */
	req_init(&z->nl, r, chance(97) ? z->nl.family :
			    chance(50) ? GENL_ID_CTRL : below(NLMSG_MIN_TYPE),
		 cmd, chance(15) ? NLM_F_DUMP : 0);
	if (chance(5))
		r->n.nlmsg_flags &= ~NLM_F_ACK;
	if (chance(5))
		r->n.nlmsg_flags |= flag_bits[below(10)];
	if (chance(3))
		r->n.nlmsg_flags &= ~NLM_F_REQUEST;
	if (chance(5))
		r->g.version = rnd();
	if (chance(5))
		r->g.reserved = rnd();
	len = gen_attrs(z, r->attrs, chance(95) ? 512 : MSG_MAX - 64, 2);
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + len;
	len = r->n.nlmsg_len;
	/* Truncated, or lying about its length. */
	if (chance(3)) {
		broken = true;
		switch (below(4)) {
		case 0:
			len = below(NLMSG_LENGTH(GENL_HDRLEN));
			r->n.nlmsg_len = len;
			break;
		case 1:
			r->n.nlmsg_len = below(len + 1);
			break;
		case 2:
			r->n.nlmsg_len = len + 1 + below(100);
			break;
		default:
			len = below(len + 1);
			break;
		}
	}
	defuse(z, r, len);
	in_flight = r;
	in_flight_len = len;
	ret = nl_send(&z->nl, r, len, r->n.nlmsg_seq, &rep, NULL, NULL);
	__atomic_fetch_add(&progress, 1, __ATOMIC_RELAXED);
	if (ret) {
		printf("# message:");
		print_msg(r, len);
	}
	ASSERT_EQ(0, ret) TH_LOG("netlink: %s", strerror(-ret));
	z->sent++;
	if (rep.error == 1) {
		z->no_answer++;
		return;
	}
	if (!rep.error) {
		z->ok++;
		if (r->n.nlmsg_type == z->nl.family && cmd <= RSM_CMD_MAX)
			z->cmd_ok[cmd]++;
		return;
	}
	z->errors++;
	if (r->n.nlmsg_type == z->nl.family && cmd <= RSM_CMD_MAX)
		z->cmd_err[cmd]++;
	if (-rep.error > 0 && -rep.error < 140)
		z->errs[-rep.error]++;
	if (!ours(z, r, len, broken) || rep.msg || rep.error == -EPERM ||
	    rep.error == -EOPNOTSUPP || rep.error == -ENOMEM ||
	    rep.error == -EMSGSIZE)
		return;
	if (z->violations++ < 10)
		TH_LOG("cmd %u flags 0x%x: error %d (%s) without an extended-ack message%s",
		       r->g.cmd, r->n.nlmsg_flags, rep.error,
		       strerror(-rep.error),
		       rep.miss ? " (only NLMSGERR_ATTR_MISS_TYPE)" : "");
}

/* A request the module never answers is a hang: say what it was. */
static void *watchdog(void *arg)
{
	unsigned long last = 0, now;
	int idle = 0;

	while (!__atomic_load_n(&fuzz_done, __ATOMIC_ACQUIRE)) {
		sleep(1);
		now = __atomic_load_n(&progress, __ATOMIC_RELAXED);
		idle = now == last ? idle + 1 : 0;
		last = now;
		if (idle != STALL_SECONDS)
			continue;
		printf("# no answer for %d s to message %lu:", STALL_SECONDS,
		       now);
		print_msg(in_flight, in_flight_len);
		rsm_dump_blocked();
	}
	return NULL;
}

FIXTURE(nl) {
	struct fuzz z;
	bool have;
};

FIXTURE_SETUP(nl)
{
	int ret;

	self->z.nl.fd = -1;
	if (access(RSM_DEV, F_OK))
		SETUP_SKIP("%s: %s (module not loaded)", RSM_DEV,
			   strerror(errno));
	ret = nl_open(&self->z.nl);
	if (ret)
		SETUP_SKIP("generic netlink family \"%s\": %s", RSM_GENL_NAME,
			   strerror(-ret));
	ASSERT_EQ(0, read_config(&self->z.nl, &self->z.start));
	self->have = true;
}

FIXTURE_TEARDOWN(nl)
{
	if (self->have && !geteuid())
		restore_config(&self->z.nl, &self->z.start);
	nl_close(&self->z.nl);
}

/* The read-only commands work without any privilege; the others: EPERM. */
static int as_nobody(struct fuzz *z)
{
	static const __u8 admin[] = { RSM_CMD_NODE_SET, RSM_CMD_PEER_ADD,
				      RSM_CMD_PEER_SET, RSM_CMD_PEER_DEL,
				      RSM_CMD_PEER_PING };
	struct config c;
	struct reply rep;
	struct req *r = malloc(sizeof(*r));
	struct nl *nl = &z->nl;
	int i, k, bad = 0;
	bool dump;
	__u32 id;

	nl_close(nl);
	if (!r || setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY) || nl_open(nl))
		return 100;
	if (read_config(nl, &c) || c.node.id != z->start.node.id ||
	    c.npeers != z->start.npeers) {
		printf("# as nobody: cannot read the configuration\n");
		bad++;
	}
	req_init(nl, r, nl->family, RSM_CMD_CTRL_GET, NLM_F_DUMP);
	if (req_send(nl, r, &rep, NULL, NULL) || rep.error || !rep.nmsgs) {
		printf("# as nobody: CTRL_GET dump: %d, %d messages\n",
		       rep.error, rep.nmsgs);
		bad++;
	}
	if (c.npeers) {
		simple(nl, RSM_CMD_PEER_GET, c.peers[0].id, NULL, &rep);
		if (rep.error || rep.nmsgs != 1) {
			printf("# as nobody: PEER_GET: %d\n", rep.error);
			bad++;
		}
	}
	/*
	 * Valid or not, with or without attributes: EPERM first. As a dump
	 * (they have none), genetlink may say EOPNOTSUPP first (6.12 does).
	 */
	for (i = 0; i < UNPRIV_CALLS; i++) {
		k = below(sizeof(admin));
		dump = chance(10);
		req_init(nl, r, nl->family, admin[k], dump ? NLM_F_DUMP : 0);
		id = chance(50) ? z->start.node.id : 1 + below(RSM_NODE_ID_MAX);
		if (chance(80))
			req_put(r, RSM_A_NODE_ID, &id, 4);
		r->n.nlmsg_len += gen_attrs(z, (char *)r + r->n.nlmsg_len,
					    256, 1);
		if (req_send(nl, r, &rep, NULL, NULL) ||
		    (rep.error != -EPERM &&
		     !(dump && rep.error == -EOPNOTSUPP))) {
			if (bad++ < 10)
				printf("# as nobody: cmd %u: error %d, not EPERM\n",
				       admin[k], rep.error);
		}
	}
	free(r);
	return bad > 99 ? 99 : bad;
}

TEST_F(nl, unprivileged_reads_but_cannot_change)
{
	struct config after;
	pid_t pid;
	int st;

	if (geteuid())
		SKIP(return, "needs root (to become nobody)");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		rng_s = 0x12345;
		_exit(as_nobody(&self->z));
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(0, read_config(&self->z.nl, &after));
	EXPECT_TRUE(config_equal(&self->z.start, &after));
}

/* Wait up to 30 s for every channel that was active to be active again. */
static bool channels_back(struct fuzz *z)
{
	const struct peer *p;
	struct config now;
	int i, t;
	bool all;

	for (t = 0; t < 60; t++) {
		if (read_config(&z->nl, &now))
			return false;
		all = true;
		for (i = 0; i < z->start.npeers; i++) {
			if (z->start.peers[i].state != RSM_CHAN_ACTIVE)
				continue;
			p = find_peer(&now, z->start.peers[i].id);
			all &= p && p->state == RSM_CHAN_ACTIVE;
		}
		if (all)
			return true;
		usleep(500000);
	}
	return false;
}

TEST_F_TIMEOUT(nl, random_messages_change_nothing, 3600)
{
	__u64 calls = rsm_env_u64("RSM_FUZZ_CALLS", FUZZ_CALLS_DEFAULT);
	__u64 seed = rsm_env_u64("RSM_FUZZ_SEED", FUZZ_SEED_DEFAULT);
	struct fuzz *z = &self->z;
	struct timespec t0, t1;
	struct config after;
	char s0[4096], s1[4096];
	struct req *r;
	unsigned long i;
	pthread_t wd;
	double secs;
	int kmsg, e, n;

	if (geteuid())
		SKIP(return, "needs root: mutating commands");
	rng_s = (seed + 1) * 0x9e3779b97f4a7c15ULL;
	config_str(&z->start, s0, sizeof(s0));
	TH_LOG("seed %llu (RSM_FUZZ_SEED), %llu messages (RSM_FUZZ_CALLS); configuration: %s",
	       (unsigned long long)seed, (unsigned long long)calls, s0);
	r = malloc(sizeof(*r));
	ASSERT_NE(NULL, r);
	kmsg = rsm_kmsg_open();

	ASSERT_EQ(0, pthread_create(&wd, NULL, watchdog, NULL));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < calls; i++)
		fuzz_one(_metadata, z, r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	__atomic_store_n(&fuzz_done, true, __ATOMIC_RELEASE);
	pthread_join(wd, NULL);
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	TH_LOG("%lu messages in %.1f s (%.0f/s): %lu succeeded, %lu failed, %lu no answer",
	       z->sent, secs, z->sent / secs, z->ok, z->errors, z->no_answer);
	s0[0] = 0;
	for (e = 1, n = 0; e < 140; e++)
		if (z->errs[e])
			n += snprintf(s0 + n, sizeof(s0) - n, " %s %lu",
				      strerrorname_np(e), z->errs[e]);
	TH_LOG("errors:%s", s0);
	s0[0] = 0;
	for (e = 1, n = 0; e <= RSM_CMD_MAX; e++)
		n += snprintf(s0 + n, sizeof(s0) - n, " %d:%lu/%lu", e,
			      z->cmd_ok[e], z->cmd_err[e]);
	TH_LOG("per command (ok/failed):%s", s0);
	EXPECT_EQ(0, z->violations);
	free(r);

	/* Leave the node as it was. */
	ASSERT_EQ(0, restore_config(&z->nl, &z->start));
	ASSERT_EQ(0, read_config(&z->nl, &after));
	config_str(&z->start, s0, sizeof(s0));
	config_str(&after, s1, sizeof(s1));
	EXPECT_STREQ(s0, s1);
	/* The other nodes may be done and gone: only said, not checked. */
	if (!channels_back(z))
		TH_LOG("a channel that was active is not active again (has its peer finished?)");
	EXPECT_EQ(0, rsm_kmsg_channel_drops(kmsg));
	rsm_cnt_str(z->start.node.cnt, s0, sizeof(s0));
	rsm_cnt_str(after.node.cnt, s1, sizeof(s1));
	EXPECT_TRUE(rsm_cnt_same(z->start.node.cnt, after.node.cnt))
		TH_LOG("counters before:%s; after:%s", s0, s1);
}

TEST_HARNESS_MAIN
