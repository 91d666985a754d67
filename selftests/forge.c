// SPDX-License-Identifier: GPL-2.0
/*
 * Forged keys (issues #4 and #8): a node the exporter did not grant a
 * segment to cannot reach it, even with the keys of a node that was
 * granted it, because the exporter's HCA checks each key against the
 * protection domain (PD) of the connection the request arrives on.
 *
 * Node 1 exports a data segment to node 2 only. When node 2 imports it,
 * node 1's kernel registers the pages (FRWR) in the PD of its channel to
 * node 2. Then the keys leak. Node 1, as root, reads every rkey that rsm
 * holds on its RDMA device through RDMA netlink (resource tracking, what
 * `rdma resource show mr` prints). It also works out the iova they were
 * registered at. rxe uses virtual DMA, so that is the kernel's direct-map
 * address of the first page: the physical address from
 * /proc/self/pagemap, translated with the program headers of /proc/kcore,
 * and checked by reading the page back through kcore. Node 1 writes keys
 * and addresses into the control segment for node 3, and runs a
 * userspace rdma_cm server (its own PD and one buffer, offered in the
 * accept's private data) on FORGE_PORT.
 *
 * Node 3 connects to that server once per key and operation. On the same
 * QP it first writes the server's buffer and reads it back, which shows
 * the channel works. Then it tries an RDMA WRITE or READ with the leaked
 * key at the leaked address, and rxe must complete it with
 * IBV_WC_REM_ACCESS_ERR. Node 1 turns on rxe's "no MR matches rkey" debug
 * message for the duration and checks that each key was refused by that
 * lookup (key, PD, access), and not by the range check that comes later.
 * Afterwards node 1's memory holds the pattern plus node 2's own writes
 * and nothing else, node 2's import still works, and node 3 cannot import
 * the segment with RSMAPI either (RSMERR_SEG_NOT_PUBLISHED_TO_NODE).
 *
 * With the PD comparison removed from rxe's lookup_mr(), node 3's writes
 * and reads go through and this test fails on all three nodes: the keys
 * and addresses it finds are the real ones.
 *
 * The nodes coordinate through a control segment as in seg_three: node 1's
 * phase is in word 0, node n's in word n, and the keys are at LEAK_OFF.
 *
 * Needs RSM_NODES >= 3, RSM_NODE, RSM_CTRL (selftests/qemu/cluster), root,
 * /dev/infiniband/rdma_cm and /proc/kcore.
 */
#include <arpa/inet.h>
#include <elf.h>
#include <endian.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sys/klog.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <rdma/rdma_cma.h>
#include <rdma/rdma_netlink.h>

#include "kselftest_harness.h"
#include "seg_test.h"

#define EXPORTER	1
#define GRANTED		2
#define FORGER		3

#define CTL_ID		0x470000u
#define DATA_ID		(CTL_ID + 1)
#define DATA_PAGES	5	/* one registration, not the control's size */

/* Node 1's own rdma_cm server; rsm listens on RSM_CM_PORT (7471). */
#define FORGE_PORT	7479

#define WAIT_S		180.0
#define CM_MS		30000	/* one rdma_cm step or one completion */

/* Phases besides SEG_PH_DONE/SKIP/FAILED. */
#define PH_CONNECTED	1	/* node 2: imported and wrote page 0 */
#define PH_JOINED	2	/* node 3: on the control segment */
#define PH_LEAKED	3	/* node 1: the keys are at LEAK_OFF */
#define PH_ATTACKED	4	/* node 1: node 3 is done */

#define SEED_EXP	0x4700
#define SEED_2		0x4710
#define SEED_3		0x4720	/* plus the attempt: node 3's control writes */

/* Bytes each forged operation moves: the last AIM_LEN of a registration. */
#define AIM_LEN		64

/* The leaked keys, in the control segment after the phase words. */
#define LEAK_OFF	64
#define LEAK_MAX	32

enum leak_what { LEAK_DATA = 1, LEAK_CTL, LEAK_OTHER };

struct leak_key {
	uint32_t rkey;
	uint32_t what;		/* enum leak_what */
	uint64_t len;		/* length of the registration */
	uint64_t aim;		/* iova + len - AIM_LEN (LEAK_OTHER: data's) */
};

struct leak {
	uint32_t n;
	uint32_t pad;
	struct leak_key key[LEAK_MAX];
};

/* Node 1's server offers its buffer in the accept's private data. */
struct offer {
	uint64_t addr;
	uint32_t rkey;
	uint32_t len;
};

struct listener {
	struct rdma_event_channel *ch;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	uint8_t *buf;
	pthread_t th;
	int running;
	int stop;
	/* Written by the thread, read after it is joined. */
	int accepted, failed, live;
};

FIXTURE(forge) {
	rsmapi_controller_handle_t ctl;
	int me;
	struct seg_ctl cs;	/* the test's control segment */
	struct listener lis;
	int dyndbg;		/* node 1 turned rxe's message on */
};

static const char *const what_name[] = {
	[LEAK_DATA] = "node 2's data segment",
	[LEAK_CTL] = "a control segment",
	[LEAK_OTHER] = "another rsm registration",
};

static const char *what_str(uint32_t what)
{
	return what >= LEAK_DATA && what <= LEAK_OTHER ? what_name[what] : "?";
}

static const char *op_name(int is_write)
{
	return is_write ? "RDMA WRITE" : "RDMA READ";
}

static struct sockaddr_in node_addr(int node, int port)
{
	struct sockaddr_in sin = { 0 };
	char ip[32];

	snprintf(ip, sizeof(ip), "10.77.0.%d", node);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

/* The next rdma_cm event within @ms, or -1; the caller acks it. */
static int cm_next(struct rdma_event_channel *ch, int ms,
		   struct rdma_cm_event **ev)
{
	struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return rdma_get_cm_event(ch, ev) ? -1 : 0;
}

/* Wait for event @want; anything else, or nothing within @ms, is -1. */
static int cm_expect(struct rdma_event_channel *ch, int ms,
		     enum rdma_cm_event_type want)
{
	struct rdma_cm_event *ev;
	int ret;

	if (cm_next(ch, ms, &ev))
		return -1;
	ret = ev->event == want ? 0 : -1;
	rdma_ack_cm_event(ev);
	return ret;
}

/*
 * RDMA netlink (the iproute2 `rdma resource` interface), spoken directly:
 * dumps carry no family header, attributes follow the nlmsghdr.
 */
#define NLA_KIND(a)	((a)->nla_type & NLA_TYPE_MASK)
#define NLA_DATA(a)	((void *)((char *)(a) + NLA_HDRLEN))
#define NLA_PAYLOAD(a)	((int)(a)->nla_len - NLA_HDRLEN)

/* The attribute after @a (NULL: the first) in @len bytes at @start. */
static struct nlattr *nla_step(void *start, int len, struct nlattr *a)
{
	char *p = a ? (char *)a + NLA_ALIGN(a->nla_len) : start;
	char *end = (char *)start + len;

	a = (struct nlattr *)p;
	if (p + NLA_HDRLEN > end || a->nla_len < NLA_HDRLEN ||
	    p + a->nla_len > end)
		return NULL;
	return a;
}

#define nla_each(a, start, len)						\
	for (a = nla_step(start, len, NULL); a; a = nla_step(start, len, a))

static uint32_t nla_u32(struct nlattr *a)
{
	uint32_t v = 0;

	memcpy(&v, NLA_DATA(a), NLA_PAYLOAD(a) < 4 ? 0 : 4);
	return v;
}

static uint64_t nla_u64(struct nlattr *a)
{
	uint64_t v = 0;

	memcpy(&v, NLA_DATA(a), NLA_PAYLOAD(a) < 8 ? 0 : 8);
	return v;
}

/* Copy a string attribute into @buf of @size bytes. */
static void nla_str(struct nlattr *a, char *buf, size_t size)
{
	size_t n = NLA_PAYLOAD(a);

	if (n >= size)
		n = size - 1;
	memcpy(buf, NLA_DATA(a), n);
	buf[n] = 0;
}

/*
 * Dump nldev command @cmd (for device @dev, or all when @dev < 0) and call
 * @fn on each message's attributes. 0 or -1.
 */
static int nl_dump(unsigned int cmd, int dev,
		   void (*fn)(void *attrs, int len, void *arg), void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 10 };
	struct {
		struct nlmsghdr h;
		struct nlattr a;
		uint32_t dev;
	} req = { 0 };
	static uint64_t buf[8192];
	int fd, n, ret = -1;
	struct nlmsghdr *h;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		goto out;
	req.h.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd);
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.h.nlmsg_len = NLMSG_LENGTH(0);
	if (dev >= 0) {
		req.a.nla_type = RDMA_NLDEV_ATTR_DEV_INDEX;
		req.a.nla_len = NLA_HDRLEN + sizeof(req.dev);
		req.dev = dev;
		req.h.nlmsg_len = sizeof(req);
	}
	if (send(fd, &req, req.h.nlmsg_len, 0) != (ssize_t)req.h.nlmsg_len)
		goto out;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			goto out;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR)
				goto out;
			fn(NLMSG_DATA(h), NLMSG_PAYLOAD(h, 0), arg);
		}
	}
out:
	close(fd);
	return ret;
}

struct dev_find {
	const char *name;
	int index;
};

static void dev_msg(void *attrs, int len, void *arg)
{
	struct dev_find *f = arg;
	struct nlattr *a;
	char name[64] = "";
	int index = -1;

	nla_each(a, attrs, len) {
		if (NLA_KIND(a) == RDMA_NLDEV_ATTR_DEV_INDEX)
			index = nla_u32(a);
		else if (NLA_KIND(a) == RDMA_NLDEV_ATTR_DEV_NAME)
			nla_str(a, name, sizeof(name));
	}
	if (!strcmp(name, f->name))
		f->index = index;
}

/* One MR as resource tracking lists it. */
struct nl_mr {
	uint32_t rkey;
	int has_rkey;
	uint64_t len;
	char kern[32];		/* owning module of a kernel MR, else "" */
};

struct mr_list {
	int n;
	struct nl_mr mr[LEAK_MAX * 2];
};

static void mr_msg(void *attrs, int len, void *arg)
{
	struct mr_list *l = arg;
	struct nlattr *a, *e, *f;

	nla_each(a, attrs, len) {
		if (NLA_KIND(a) != RDMA_NLDEV_ATTR_RES_MR)
			continue;
		nla_each(e, NLA_DATA(a), NLA_PAYLOAD(a)) {
			struct nl_mr m = { 0 };

			if (NLA_KIND(e) != RDMA_NLDEV_ATTR_RES_MR_ENTRY)
				continue;
			nla_each(f, NLA_DATA(e), NLA_PAYLOAD(e)) {
				switch (NLA_KIND(f)) {
				case RDMA_NLDEV_ATTR_RES_RKEY:
					m.rkey = nla_u32(f);
					m.has_rkey = 1;
					break;
				case RDMA_NLDEV_ATTR_RES_MRLEN:
					m.len = nla_u64(f);
					break;
				case RDMA_NLDEV_ATTR_RES_KERN_NAME:
					nla_str(f, m.kern, sizeof(m.kern));
					break;
				}
			}
			if (l->n < (int)ARRAY_SIZE(l->mr))
				l->mr[l->n++] = m;
		}
	}
}

/* Every MR on RDMA device @name, with keys (root). 0 or -1. */
static int list_mrs(const char *name, struct mr_list *l)
{
	struct dev_find f = { name, -1 };

	l->n = 0;
	if (nl_dump(RDMA_NLDEV_CMD_GET, -1, dev_msg, &f) || f.index < 0)
		return -1;
	return nl_dump(RDMA_NLDEV_CMD_RES_MR_GET, f.index, mr_msg, l);
}

/* Physical address of the page at @va of this process (root), or 0. */
static uint64_t page_phys(const void *va)
{
	return seg_pfn(va) * seg_pg();
}

/*
 * The kernel's virtual address of the page at @va (this process's), as
 * an FRWR registration on rxe takes it for its iova: rxe's "DMA"
 * addresses are kernel virtual addresses, page_address(). /proc/kcore
 * lists each RAM range with its virtual and physical start; reading the
 * page there must give back what @va holds. A page can have two aliases
 * there: freed memory of the kernel image is also mapped high up, next to
 * the kernel text. The direct map is the lower one. 0 if anything fails.
 */
static uint64_t page_kva(const void *va)
{
	uint64_t pa = page_phys(va), kva = 0;
	size_t pg = seg_pg();
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint8_t *copy;
	int fd, i;

	if (!pa)
		return 0;
	fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	copy = seg_map(pg);
	if (!copy ||
	    pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG))
		goto out;
	for (i = 0; i < eh.e_phnum; i++) {
		off_t at = eh.e_phoff + (off_t)i * eh.e_phentsize;
		uint64_t v;

		if (pread(fd, &ph, sizeof(ph), at) != sizeof(ph))
			break;
		/* Ranges that are not RAM have no physical address. */
		if (ph.p_type != PT_LOAD || ph.p_paddr == (Elf64_Addr)-1 ||
		    pa < ph.p_paddr || pa - ph.p_paddr >= ph.p_memsz)
			continue;
		v = ph.p_vaddr + (pa - ph.p_paddr);
		if ((!kva || v < kva) &&
		    pread(fd, copy, pg, ph.p_offset + (pa - ph.p_paddr)) ==
		    (ssize_t)pg && !memcmp(copy, va, pg))
			kva = v;
	}
out:
	seg_unmap(copy, pg);
	close(fd);
	return kva;
}

/* rxe's debug message for a key that fails the lookup (PD, key, access). */
#define RXE_NO_MR	"no MR matches rkey"
#define DYNDBG		"/sys/kernel/debug/dynamic_debug/control"

static int rxe_no_mr_message(int on)
{
	char cmd[128];
	int fd = open(DYNDBG, O_WRONLY | O_CLOEXEC), n, ret;

	if (fd < 0)
		return -1;
	n = snprintf(cmd, sizeof(cmd), "module rdma_rxe format \"%s\" %s\n",
		     RXE_NO_MR, on ? "+p" : "-p");
	ret = write(fd, cmd, n) == n ? 0 : -1;
	close(fd);
	return ret;
}

/* How often the kernel log has rxe's message for @rkey. */
static int rxe_no_mr_count(uint32_t rkey)
{
	int size = klogctl(10, NULL, 0), n, count = 0;
	char want[64], *log, *p;

	if (size <= 0)
		return -1;
	log = calloc(1, size + 1);
	if (!log)
		return -1;
	n = klogctl(3, log, size);
	if (n < 0) {
		free(log);
		return -1;
	}
	log[n] = 0;
	/* Either a newline or the end of the log follows the key. */
	snprintf(want, sizeof(want), RXE_NO_MR " %#x", rkey);
	for (p = strstr(log, want); p; p = strstr(p + 1, want))
		if (p[strlen(want)] == '\n' || !p[strlen(want)])
			count++;
	free(log);
	return count;
}

/*
 * Node 1's rdma_cm server: every connection gets a QP in the server's
 * own PD and the offer of its one buffer; a disconnected one is
 * destroyed. No harness macros in here: it is another thread.
 */
static void serve_event(struct listener *l, struct rdma_cm_event *ev)
{
	struct rdma_cm_id *id = ev->id;
	struct rdma_conn_param param = { 0 };
	struct ibv_qp_init_attr qa = { 0 };
	struct offer o;

	switch (ev->event) {
	case RDMA_CM_EVENT_CONNECT_REQUEST:
		rdma_ack_cm_event(ev);
		o.addr = htole64((uintptr_t)l->buf);
		o.rkey = htole32(l->mr->rkey);
		o.len = htole32(seg_pg());
		qa.cap.max_send_wr = qa.cap.max_recv_wr = 1;
		qa.cap.max_send_sge = qa.cap.max_recv_sge = 1;
		qa.qp_type = IBV_QPT_RC;
		param.private_data = &o;
		param.private_data_len = sizeof(o);
		param.responder_resources = 1;
		param.initiator_depth = 1;
		if (rdma_create_qp(id, l->pd, &qa)) {
			l->failed++;
			rdma_reject(id, NULL, 0);
			rdma_destroy_id(id);
			return;
		}
		l->live++;
		if (rdma_accept(id, &param))
			l->failed++;
		return;
	case RDMA_CM_EVENT_ESTABLISHED:
		l->accepted++;
		rdma_ack_cm_event(ev);
		return;
	case RDMA_CM_EVENT_DISCONNECTED:
		break;
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
		l->failed++;
		break;
	default:
		rdma_ack_cm_event(ev);
		return;
	}
	/* The connection is over. */
	rdma_ack_cm_event(ev);
	if (id->qp)
		rdma_destroy_qp(id);
	rdma_destroy_id(id);
	l->live--;
}

static void *serve(void *arg)
{
	struct listener *l = arg;
	struct rdma_cm_event *ev;

	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE))
		if (!cm_next(l->ch, 100, &ev))
			serve_event(l, ev);
	return NULL;
}

static int listen_start(struct listener *l, int me)
{
	struct sockaddr_in sin = node_addr(me, FORGE_PORT);

	l->ch = rdma_create_event_channel();
	if (!l->ch || rdma_create_id(l->ch, &l->id, NULL, RDMA_PS_TCP) ||
	    rdma_bind_addr(l->id, (struct sockaddr *)&sin) ||
	    rdma_listen(l->id, 8))
		return -1;
	/* Bound to rxe0's address: the id knows its device. */
	l->pd = ibv_alloc_pd(l->id->verbs);
	l->buf = seg_map(seg_pg());
	if (!l->pd || !l->buf)
		return -1;
	l->mr = ibv_reg_mr(l->pd, l->buf, seg_pg(), IBV_ACCESS_LOCAL_WRITE |
			   IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	if (!l->mr || pthread_create(&l->th, NULL, serve, l))
		return -1;
	l->running = 1;
	return 0;
}

/* Stop serving; the counters are stable from here on. */
static void listen_join(struct listener *l)
{
	if (!l->running)
		return;
	__atomic_store_n(&l->stop, 1, __ATOMIC_RELEASE);
	pthread_join(l->th, NULL);
	l->running = 0;
}

static void listen_free(struct listener *l)
{
	listen_join(l);
	/* Connections still up keep the PD busy: exit releases them. */
	if (l->live)
		return;
	if (l->mr)
		ibv_dereg_mr(l->mr);
	if (l->pd)
		ibv_dealloc_pd(l->pd);
	seg_unmap(l->buf, seg_pg());
	if (l->id)
		rdma_destroy_id(l->id);
	if (l->ch)
		rdma_destroy_event_channel(l->ch);
	memset(l, 0, sizeof(*l));
}

/* What one connection of node 3 to node 1's server saw. */
struct attempt {
	int up;			/* established, offer received */
	int ctl_write;		/* status of the control WRITE, -1 none */
	int ctl_read;		/* status of the control READ */
	int ctl_same;		/* read back what it wrote */
	int forged;		/* status of the forged operation */
	int untouched;		/* forged READ: the buffer stayed as it was */
};

/* Post one signalled RDMA op; its completion status, or -1. */
static int rdma_op(struct rdma_cm_id *id, int is_write, struct ibv_mr *mr,
		   void *local, uint64_t remote, uint32_t rkey, uint32_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)local, .length = len, .lkey = mr->lkey,
	};
	struct ibv_send_wr wr = { 0 }, *bad;
	double end = seg_now() + CM_MS / 1000.0;
	struct ibv_wc wc;
	int n;

	wr.opcode = is_write ? IBV_WR_RDMA_WRITE : IBV_WR_RDMA_READ;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.wr.rdma.remote_addr = remote;
	wr.wr.rdma.rkey = rkey;
	if (ibv_post_send(id->qp, &wr, &bad))
		return -1;
	while (!(n = ibv_poll_cq(id->send_cq, 1, &wc)) && seg_now() < end)
		usleep(1000);
	if (n != 1)
		return -1;
	return wc.status;
}

/*
 * Node 3: connect to node 1's server, check the channel on the offered
 * buffer (write the control pattern @seed, read it back), then try an
 * RDMA WRITE (@is_write) or READ with @k's key at its address.
 */
static void forge_once(const struct leak_key *k, int is_write,
		       uint64_t seed, struct attempt *r)
{
	struct sockaddr_in sin = node_addr(EXPORTER, FORGE_PORT);
	struct rdma_conn_param param = { 0 };
	struct ibv_qp_init_attr qa = { 0 };
	struct rdma_event_channel *ch;
	struct rdma_cm_id *id = NULL;
	struct rdma_cm_event *ev;
	struct ibv_pd *pd = NULL;
	struct ibv_mr *mr = NULL;
	size_t pg = seg_pg();
	uint8_t *buf = seg_map(pg), *ctl, *back, *forged;
	uint8_t zero[AIM_LEN] = { 0 };
	struct offer o = { 0 };

	memset(r, 0, sizeof(*r));
	r->ctl_write = r->ctl_read = r->forged = -1;
	ch = rdma_create_event_channel();
	if (!buf || !ch || rdma_create_id(ch, &id, NULL, RDMA_PS_TCP))
		goto out;
	if (rdma_resolve_addr(id, NULL, (struct sockaddr *)&sin, 5000) ||
	    cm_expect(ch, CM_MS, RDMA_CM_EVENT_ADDR_RESOLVED) ||
	    rdma_resolve_route(id, 5000) ||
	    cm_expect(ch, CM_MS, RDMA_CM_EVENT_ROUTE_RESOLVED))
		goto out;
	pd = ibv_alloc_pd(id->verbs);
	if (!pd)
		goto out;
	mr = ibv_reg_mr(pd, buf, pg, IBV_ACCESS_LOCAL_WRITE);
	if (!mr)
		goto out;
	qa.cap.max_send_wr = qa.cap.max_recv_wr = 4;
	qa.cap.max_send_sge = qa.cap.max_recv_sge = 1;
	qa.qp_type = IBV_QPT_RC;
	if (rdma_create_qp(id, pd, &qa))
		goto out;
	param.initiator_depth = 1;
	param.responder_resources = 1;
	param.retry_count = 7;
	param.rnr_retry_count = 7;
	if (rdma_connect(id, &param) || cm_next(ch, CM_MS, &ev))
		goto out_qp;
	if (ev->event == RDMA_CM_EVENT_ESTABLISHED &&
	    ev->param.conn.private_data &&
	    ev->param.conn.private_data_len >= sizeof(o)) {
		memcpy(&o, ev->param.conn.private_data, sizeof(o));
		r->up = 1;
	}
	rdma_ack_cm_event(ev);
	if (!r->up)
		goto out_qp;

	ctl = buf;
	back = buf + AIM_LEN;
	forged = buf + 2 * AIM_LEN;
	seg_pattern(ctl, AIM_LEN, seed, 0);
	r->ctl_write = rdma_op(id, 1, mr, ctl, le64toh(o.addr),
			       le32toh(o.rkey), AIM_LEN);
	r->ctl_read = rdma_op(id, 0, mr, back, le64toh(o.addr),
			      le32toh(o.rkey), AIM_LEN);
	r->ctl_same = !memcmp(ctl, back, AIM_LEN);

	/* What a successful WRITE would leave, or READ would replace. */
	if (is_write)
		memset(forged, 0xee, AIM_LEN);
	r->forged = rdma_op(id, is_write, mr, forged, k->aim, k->rkey, AIM_LEN);
	r->untouched = is_write || !memcmp(forged, zero, AIM_LEN);

	/* The QP is in error now; the CM still says goodbye. */
	if (!rdma_disconnect(id))
		cm_expect(ch, 10000, RDMA_CM_EVENT_DISCONNECTED);
out_qp:
	rdma_destroy_qp(id);
out:
	if (mr)
		ibv_dereg_mr(mr);
	if (pd)
		ibv_dealloc_pd(pd);
	if (id)
		rdma_destroy_id(id);
	if (ch)
		rdma_destroy_event_channel(ch);
	seg_unmap(buf, pg);
}

FIXTURE_SETUP(forge)
{
	self->me = seg_cluster_setup(_metadata, 3, &self->ctl);
	if (access("/dev/infiniband/rdma_cm", F_OK))
		SETUP_SKIP("no /dev/infiniband/rdma_cm (rdma_ucm not loaded)");
	/* Checked on every node, so that all of them skip together. */
	if (geteuid() || access("/proc/kcore", R_OK))
		SETUP_SKIP("needs root and /proc/kcore to find the keys");
}

FIXTURE_TEARDOWN(forge)
{
	if (self->dyndbg)
		rxe_no_mr_message(0);
	listen_free(&self->lis);
	seg_ctl_close(&self->cs, self->ctl, self->me);
	if (self->ctl)
		rsm_release_controller(self->ctl);
}

static void open_ctl(struct __test_metadata *_metadata,
		     FIXTURE_DATA(forge) *self)
{
	rsmapi_access_entry_t acl[2] = {
		{ GRANTED, 0666 }, { FORGER, 0666 },
	};

	seg_ctl_open(_metadata, &self->cs, self->ctl, CTL_ID, acl, 2);
}

static void join_ctl(struct __test_metadata *_metadata,
		     FIXTURE_DATA(forge) *self)
{
	seg_ctl_join(_metadata, &self->cs, self->ctl, EXPORTER, CTL_ID, WAIT_S);
}

/*
 * Node 1: the keys of every registration rsm holds on the device, with
 * the address to aim at. The method is checked on a key node 1 knows:
 * its server's own MR must be listed with its rkey.
 */
static void leak_keys(struct __test_metadata *_metadata,
		      FIXTURE_DATA(forge) *self, struct seg_exp *d,
		      struct leak *lk)
{
	uint64_t data_iova = page_kva(d->mem);
	uint64_t ctl_iova = page_kva(self->cs.exp.mem);
	struct mr_list *l = calloc(1, sizeof(*l));
	int i, own = 0, ndata = 0, nctl = 0;

	ASSERT_NE(NULL, l);
	memset(lk, 0, sizeof(*lk));
	ASSERT_NE(0, data_iova) TH_LOG("no kernel address for the data pages");
	ASSERT_NE(0, ctl_iova) TH_LOG("no kernel address for the control");
	ASSERT_EQ(0, list_mrs(rsm_rdma_ctrl(), l))
		TH_LOG("RDMA netlink MR dump of %s failed", rsm_rdma_ctrl());
	for (i = 0; i < l->n; i++) {
		struct nl_mr *m = &l->mr[i];
		struct leak_key *k;

		if (!m->kern[0] && m->has_rkey &&
		    m->rkey == self->lis.mr->rkey && m->len == seg_pg())
			own = 1;
		if (strcmp(m->kern, "rsm"))
			continue;
		ASSERT_TRUE(m->has_rkey) TH_LOG("netlink shows no rkey");
		ASSERT_GT(LEAK_MAX, lk->n);
		k = &lk->key[lk->n++];
		k->rkey = m->rkey;
		k->len = m->len;
		if (m->len == d->len) {
			k->what = LEAK_DATA;
			k->aim = data_iova + d->len - AIM_LEN;
			ndata++;
		} else if (m->len == self->cs.exp.len) {
			k->what = LEAK_CTL;
			k->aim = ctl_iova + self->cs.exp.len - AIM_LEN;
			nctl++;
		} else {
			k->what = LEAK_OTHER;
			k->aim = data_iova + d->len - AIM_LEN;
		}
		TH_LOG("leaked rkey %#x len %" PRIu64 " aim %#" PRIx64 " (%s)",
		       k->rkey, k->len, k->aim, what_str(k->what));
	}
	free(l);
	EXPECT_TRUE(own) TH_LOG("own MR rkey %#x not listed by netlink",
				self->lis.mr->rkey);
	/* Node 2's registration of the data; nodes 2 and 3's of the control. */
	ASSERT_EQ(1, ndata);
	ASSERT_LE(2, nctl);
}

static void exporter(struct __test_metadata *_metadata,
		     FIXTURE_DATA(forge) *self, uint8_t *ref)
{
	rsmapi_access_entry_t acl = { GRANTED, RSM_PERM_RDWR };
	size_t pg = seg_pg(), len = DATA_PAGES * pg;
	uint8_t zero[AIM_LEN] = { 0 }, mark[AIM_LEN];
	struct leak lk;
	struct seg_exp d;
	uint32_t i;
	long diff;

	ASSERT_EQ(RSM_SUCCESS, seg_export(&d, self->ctl, len, 0, SEED_EXP));
	ASSERT_EQ(RSM_SUCCESS, seg_publish(&d, DATA_ID, &acl, 1));
	ASSERT_EQ(0, listen_start(&self->lis, self->me))
		TH_LOG("rdma_cm server on port %d: %s", FORGE_PORT,
		       strerror(errno));
	open_ctl(_metadata, self);
	SEG_AWAIT_NODE(GRANTED, PH_CONNECTED);
	SEG_AWAIT_NODE(FORGER, PH_JOINED);

	leak_keys(_metadata, self, &d, &lk);
	self->dyndbg = !rxe_no_mr_message(1);
	if (!self->dyndbg)
		TH_LOG("cannot turn on rxe's \"%s\" message: not checking it",
		       RXE_NO_MR);
	memcpy(self->cs.exp.mem + LEAK_OFF, &lk, sizeof(lk));
	seg_set_word(&self->cs.exp, 0, PH_LEAKED);
	SEG_AWAIT_NODE(FORGER, SEG_PH_DONE);

	/* Each key failed rxe's lookup (key, PD, access), in both ops. */
	for (i = 0; self->dyndbg && i < lk.n; i++) {
		EXPECT_LE(2, rxe_no_mr_count(lk.key[i].rkey))
			TH_LOG("rxe messages for rkey %#x", lk.key[i].rkey);
	}
	if (self->dyndbg)
		rxe_no_mr_message(0);
	self->dyndbg = 0;

	seg_set_word(&self->cs.exp, 0, PH_ATTACKED);
	SEG_AWAIT_NODE(GRANTED, SEG_PH_DONE);
	self->cs.finished = 1;

	diff = seg_diff(d.mem, ref, len);
	EXPECT_EQ(-1, diff) TH_LOG("data segment: first wrong byte at %ld",
				   diff);
	EXPECT_EQ(0, memcmp(self->cs.exp.mem + LEAK_OFF, &lk, sizeof(lk)));
	EXPECT_EQ(0, memcmp(self->cs.exp.mem + pg - AIM_LEN, zero, AIM_LEN))
		TH_LOG("the end of the control segment was written");
	/* Node 3's channel worked: its last control write is here. */
	listen_join(&self->lis);
	EXPECT_EQ(0, self->lis.failed);
	EXPECT_EQ(2 * lk.n, (uint32_t)self->lis.accepted);
	seg_pattern(mark, AIM_LEN, SEED_3 + 2 * lk.n - 1, 0);
	EXPECT_EQ(0, memcmp(self->lis.buf, mark, AIM_LEN));
	EXPECT_EQ(RSM_CONNECTION_ACTIVE, seg_peer_state(GRANTED));
	EXPECT_EQ(RSM_CONNECTION_ACTIVE, seg_peer_state(FORGER));
	EXPECT_EQ(RSM_SUCCESS, seg_unexport(&d));
}

static void granted(struct __test_metadata *_metadata,
		    FIXTURE_DATA(forge) *self, uint8_t *ref)
{
	size_t pg = seg_pg(), len = DATA_PAGES * pg;
	uint8_t *buf = seg_map(len);
	struct seg_imp d;
	long diff;

	ASSERT_NE(NULL, buf);
	join_ctl(_metadata, self);
	ASSERT_EQ(RSM_SUCCESS,
		  seg_connect(&d, self->ctl, EXPORTER, DATA_ID, RSM_PERM_RDWR,
			      SEG_RETRY_ALL, WAIT_S));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_put(d.h, 0, ref, pg));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, buf, len));
	EXPECT_EQ(-1, seg_diff(buf, ref, pg));
	SEG_ANNOUNCE(PH_CONNECTED);

	SEG_AWAIT_EXPORTER(PH_ATTACKED);
	/* Still there, still ours: page 1 is written only now. */
	memset(buf, 0, len);
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, 0, buf, len));
	EXPECT_EQ(-1, seg_diff(buf, ref, pg));
	diff = seg_diff(buf + 2 * pg, ref + 2 * pg, len - 2 * pg);
	EXPECT_EQ(-1, diff) TH_LOG("first wrong byte at %ld", diff + 2 * pg);
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_put(d.h, pg, ref + pg, pg));
	ASSERT_EQ(RSM_SUCCESS, rsm_memseg_import_get(d.h, pg, buf + pg, pg));
	EXPECT_EQ(-1, seg_diff(buf + pg, ref + pg, pg));
	EXPECT_EQ(RSM_SUCCESS, seg_disconnect(&d));
	SEG_ANNOUNCE(SEG_PH_DONE);
	self->cs.finished = 1;
	seg_unmap(buf, len);
}

static void forger(struct __test_metadata *_metadata,
		   FIXTURE_DATA(forge) *self)
{
	struct attempt r;
	struct leak lk;
	uint32_t i, seq = 0;
	int is_write;

	join_ctl(_metadata, self);
	SEG_ANNOUNCE(PH_JOINED);
	/* The ordinary way in is closed to this node. */
	EXPECT_EQ(RSMERR_SEG_NOT_PUBLISHED_TO_NODE,
		  seg_try_connect(self->ctl, EXPORTER, DATA_ID,
				  RSM_PERM_RDWR));

	SEG_AWAIT_EXPORTER(PH_LEAKED);
	ASSERT_EQ(RSM_SUCCESS,
		  rsm_memseg_import_get(self->cs.im.h, LEAK_OFF, &lk,
					sizeof(lk)));
	ASSERT_LT(0, lk.n);
	ASSERT_GE(LEAK_MAX, lk.n);
	for (i = 0; i < lk.n; i++) {
		const struct leak_key *k = &lk.key[i];

		for (is_write = 1; is_write >= 0; is_write--) {
			forge_once(k, is_write, SEED_3 + seq++, &r);
			ASSERT_TRUE(r.up)
				TH_LOG("no connection to node %d's server",
				       EXPORTER);
			EXPECT_EQ(IBV_WC_SUCCESS, r.ctl_write);
			EXPECT_EQ(IBV_WC_SUCCESS, r.ctl_read);
			EXPECT_TRUE(r.ctl_same);
			EXPECT_EQ(IBV_WC_REM_ACCESS_ERR, r.forged)
				TH_LOG("%s with rkey %#x at %#" PRIx64
				       " (%s): %s%s", op_name(is_write),
				       k->rkey, k->aim, what_str(k->what),
				       r.forged < 0 ? "no completion" :
				       ibv_wc_status_str(r.forged),
				       r.forged == IBV_WC_SUCCESS ?
				       ": THE HCA TOOK A FORGED KEY" : "");
			EXPECT_TRUE(r.untouched)
				TH_LOG("a forged READ returned data");
		}
	}
	SEG_ANNOUNCE(SEG_PH_DONE);
	self->cs.finished = 1;
}

TEST_F_TIMEOUT(forge, leaked_keys_of_another_node_are_refused_by_the_hca,
	       600)
{
	size_t pg = seg_pg(), len = DATA_PAGES * pg;
	uint8_t *ref = seg_map(len);

	ASSERT_NE(NULL, ref);
	/* Node 2 writes page 0 before the attack and page 1 after it. */
	seg_pattern(ref, len, SEED_EXP, 0);
	seg_pattern(ref, pg, SEED_2, 0);
	seg_pattern(ref + pg, pg, SEED_2 + 1, pg);

	if (self->me == EXPORTER)
		exporter(_metadata, self, ref);
	else if (self->me == GRANTED)
		granted(_metadata, self, ref);
	else
		forger(_metadata, self);
	seg_unmap(ref, len);
}

TEST_HARNESS_MAIN
