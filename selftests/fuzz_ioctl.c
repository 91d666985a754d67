// SPDX-License-Identifier: GPL-2.0
/*
 * Random ioctls on /dev/rsm: a million calls (RSM_FUZZ_CALLS) from several
 * threads sharing a pool of files that are closed, reopened and inherited
 * by short-lived children, with every command number the ABI has (right
 * and wrong sizes and directions), random numbers of type 0xBA and of
 * other types, boundary and random field values, bad pointers, closed
 * descriptors and other kinds of files. Most requests are valid but for
 * one field, so the deep paths run for real: exports pinning mapped
 * memory, publishing, local imports of our own segments, remote imports of
 * the other node's (RSM_NODES >= 2), get, put, vectors, barriers, events.
 * Between the ioctls: mmap() of imports (offsets, lengths, protections,
 * private mappings), loads and stores through the mappings, munmap() of
 * parts, mprotect(), mremap(), msync(), madvise(), poll() and fsync(); the
 * mappings also serve as get/put buffers and as memory to export. The
 * guest is switched to full preemption for the run where the kernel
 * allows it (/sys/kernel/debug/sched/preempt), so that one vCPU still
 * interleaves the threads inside the module.
 *
 * Checked: the kernel survives (the QEMU guests run with panic_on_warn),
 * every errno is one the contract in <linux/rsm.h> allows for the request
 * (ENOTTY for unknown commands, EFAULT for unreadable arguments, EINVAL
 * for non-zero reserved fields and unknown flags, EBADF for closed
 * descriptors), output fields are written in full (no 0xa5 fill comes
 * back), and once every file is closed the module's object counters
 * (RSM_A_COUNTERS of RSM_CMD_NODE_GET) are back to what they were before.
 *
 * RSM_FUZZ_SEED picks the random sequence (each thread's is fixed by it;
 * their interleaving is not), RSM_FUZZ_CALLS the number of ioctls.
 * RSM_FUZZ_REMOTE_MAPS=0 leaves remote mappings untouched (see touchable()).
 * Also checked: no channel is dropped by what we do (the kernel log gets
 * no "dropping the channel" from this node during the run).
 */
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "rsm_test.h"
#include "rsm_nl.h"

#define FUZZ_CALLS_DEFAULT	1000000UL
#define FUZZ_SEED_DEFAULT	0x5253u
#define NTHREADS		4
#define NSLOTS			24
#define ARENA_PAGES		256	/* shared memory to export and copy to */
#define SHM_PAGES		16	/* a memfd mapping, exported too */
#define SEG_PAGES_MAX		32	/* longest segment the fuzzer creates */
#define NPUBLISHED		64	/* recently published ids of this node */
#define STABLE_SEGS		4	/* long-lived exports for the other node */
#define FORK_EVERY		4000	/* calls per thread between children */
#define CHILD_CALLS		40
#define PATTERN			0xa5
#define PATTERN64		0xa5a5a5a5a5a5a5a5ULL
#define CLOSED_FD		1000	/* a descriptor number never opened */
#define SETTLE_SECONDS		30	/* for the counters to come back */
#define NPRIV			2	/* imports of a thread's own, to map */
#define NMAPS			6	/* mappings a thread keeps */
#define PREEMPT_CTL		"/sys/kernel/debug/sched/preempt"
#define ERRNO_MAX		140
#define STALL_SECONDS		60	/* no call returned anywhere: a hang */
#define DATA_OFF		1024
#define DATA_LEN		1024
#define ARG_OFF			2048

/* Explicit segment ids: node n uses SEGID_BASE + n * 64 + 0..63. */
#define SEGID_BASE		0x52530000u
#define SEGID_RANGE		64

enum {
	C_API, C_CTRL, C_TOPO, C_CREATE, C_PUBLISH, C_REPUBLISH, C_UNPUBLISH,
	C_REBIND, C_CONNECT, C_GET, C_PUT, C_GETV, C_PUTV, C_BARRIER, C_POST,
	C_CONSUME, C_NUM
};

static const struct {
	unsigned long cmd;
	const char *name;
	bool seg;	/* a segment command: EBADFD on the wrong kind of file */
} cmds[C_NUM] = {
	[C_API] = { RSM_IOC_API, "API", false },
	[C_CTRL] = { RSM_IOC_CTRL_QUERY, "CTRL_QUERY", false },
	[C_TOPO] = { RSM_IOC_TOPOLOGY, "TOPOLOGY", false },
	[C_CREATE] = { RSM_IOC_EXPORT_CREATE, "EXPORT_CREATE", false },
	[C_PUBLISH] = { RSM_IOC_EXPORT_PUBLISH, "EXPORT_PUBLISH", true },
	[C_REPUBLISH] = { RSM_IOC_EXPORT_REPUBLISH, "EXPORT_REPUBLISH", true },
	[C_UNPUBLISH] = { RSM_IOC_EXPORT_UNPUBLISH, "EXPORT_UNPUBLISH", true },
	[C_REBIND] = { RSM_IOC_EXPORT_REBIND, "EXPORT_REBIND", true },
	[C_CONNECT] = { RSM_IOC_IMPORT_CONNECT, "IMPORT_CONNECT", false },
	[C_GET] = { RSM_IOC_IMPORT_GET, "IMPORT_GET", true },
	[C_PUT] = { RSM_IOC_IMPORT_PUT, "IMPORT_PUT", true },
	[C_GETV] = { RSM_IOC_IMPORT_GETV, "IMPORT_GETV", true },
	[C_PUTV] = { RSM_IOC_IMPORT_PUTV, "IMPORT_PUTV", true },
	[C_BARRIER] = { RSM_IOC_IMPORT_BARRIER, "IMPORT_BARRIER", true },
	[C_POST] = { RSM_IOC_SIGNAL_POST, "SIGNAL_POST", true },
	[C_CONSUME] = { RSM_IOC_SIGNAL_CONSUME, "SIGNAL_CONSUME", true },
};

/* The errnos the contract has for any /dev/rsm ioctl. */
static const int rsm_errnos[] = {
	EINVAL, EFAULT, ENOTTY, EBADFD, ENODEV, ENOENT, ERANGE, ENOMEM, EPERM,
	EKEYREJECTED, EACCES, EHOSTUNREACH, ECONNABORTED, EIO, EAGAIN, EINTR,
	EALREADY, EADDRINUSE, ENOSPC, EOPNOTSUPP, EPROTO,
};

/* Random numbers: xorshift64*, one generator per thread. */

struct rng {
	__u64 s;
};

static __u64 rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

static __u32 below(struct rng *r, __u32 n)
{
	return n ? (rnd(r) >> 16) % n : 0;
}

/* True @pct percent of the time. */
static bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

static __u64 pick_u64(struct rng *r)
{
	static const __u64 v[] = {
		0, 1, 2, 3, 7, 8, 63, 64, 65, 0x7f, 0x80, 0xff, 0x100, 0xfff,
		0x1000, 0x1001, 0x7fffffff, 0x80000000, 0x80000001,
		0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL, ~0ULL - 1, ~0ULL - 0xfff,
		PATTERN64,
	};

	switch (below(r, 4)) {
	case 0:
		return rnd(r);
	case 1:
		return rnd(r) & 0xffff;
	default:
		return v[below(r, ARRAY_SIZE(v))];
	}
}

static __u32 pick_u32(struct rng *r)
{
	return (__u32)pick_u64(r);
}

/* The fuzzer's state: shared by its threads. */

enum { K_FRESH, K_EXPORT, K_IMPORT, K_UNKNOWN };

struct slot {
	int fd;
	int kind;
	bool rdma;	/* on the RDMA controller */
	bool published;
	__u32 segid;
	__u32 perm;
	__u32 flags;
	__u64 len;
	__u64 vaddr;
};

/*
 * A mapping of an import, as one word so that it is read in one go:
 * address | pages << 1 | same-node (or not known). 0: none.
 */
#define MAP_TAG(addr, pages, local)	((uintptr_t)(addr) | (pages) << 1 | \
					 !!(local))
#define MAP_ADDR(tag)			((char *)((tag) & ~(uintptr_t)0xfff))
#define MAP_PAGES(tag)			(((tag) & 0xffe) >> 1)
#define MAP_LOCAL(tag)			((tag) & 1)
#define MAP_PAGES_MAX			0x7ffu	/* the most a tag holds */

/* An import of a thread's own, to map. */
struct priv {
	int fd;
	bool local;
	__u64 len;
	__u32 perm;
};

static struct fuzz {
	long pg;
	__u32 node;		/* this node's id */
	__u32 nodes;		/* RSM_NODES */
	__u32 other;		/* another node with an active channel, or 0 */
	const char *rdma;	/* the RDMA controller, or NULL */
	__u64 lo_id, rdma_id;
	__u64 ioctls;		/* RSM_IOC_API's answer */
	char *arena;		/* ARENA_PAGES, private anonymous */
	char *shm;		/* SHM_PAGES, shared memfd mapping */
	char *none;		/* PROT_NONE page */
	char *rodata;		/* read-only page */
	int others[6];		/* other kinds of files */
	struct slot slots[NSLOTS];
	__u32 published[NPUBLISHED];
	unsigned long calls_per_thread;
	unsigned long calls;
	unsigned long forks;
	unsigned long violations;
	unsigned long deep[C_NUM];	/* successes per command */
	unsigned long errs[C_NUM][ERRNO_MAX];	/* failures, by errno */
	unsigned long mmaps, map_ops, touches, signals, syscalls;
	unsigned long remote_connects;
	bool remote_maps;	/* RSM_FUZZ_REMOTE_MAPS */
	int done;		/* threads finished */
} fz;

/*
 * A mapping whose pages the fuzzer may touch, use as a buffer or export:
 * a same-node one always, a remote one unless RSM_FUZZ_REMOTE_MAPS=0.
 * Remote mappings are the only pages rsm.ko allocates and maps into
 * processes. (They were left out for a while after one run on 6.12 ended
 * with "BUG: Bad page state"; that did not come back in 4 runs on 6.1 and
 * 6.12 with them, after the fixes to forced-off mappings: issue #8.)
 */
static bool touchable(uintptr_t tag)
{
	return tag && (MAP_LOCAL(tag) || fz.remote_maps);
}

struct fuzzer {
	struct rng rng;
	int id;
	bool child;
	int ctl;		/* a fresh file of this thread alone */
	/*
	 * RW: access lists, vectors and topology entries from 0, get/put
	 * data at DATA_OFF, misaligned arguments at ARG_OFF.
	 */
	char *page;
	char *edge;		/* a RW page followed by fz.none */
	char *ro;		/* a read-only copy of the argument */
	__u64 token;		/* last barrier token */
	unsigned long calls;
	unsigned long violations;
	uintptr_t maps[NMAPS];	/* MAP_TAG()s */
	bool punched[NMAPS];	/* a page of it replaced by PROT_NONE */
	struct priv priv[NPRIV];
};

/* One call and what the contract says of it. */
struct call {
	int c;			/* index in cmds[], or -1 */
	unsigned long cmd;
	int fd;
	int slot;		/* pool slot of @fd, or -1 */
	bool rsm;		/* @fd is a /dev/rsm file (if still open) */
	bool closed;		/* @fd is not open */
	void *arg;
	size_t size;		/* of the struct at @arg */
	__u32 room;		/* TOPOLOGY: entries the caller had room for */
	bool bad_ptr;		/* @arg cannot be read */
	bool must_einval;	/* reserved field or unknown flag set */
	const char *what;	/* what was mutated */
	union {
		struct rsm_api api;
		struct rsm_ctrl_attr ca;
		struct rsm_topo topo;
		struct rsm_export_create ec;
		struct rsm_export_publish pub;
		struct rsm_export_rebind rb;
		struct rsm_import_connect ic;
		struct rsm_iov iov;
		struct rsm_import_vec vec;
		struct rsm_barrier bar;
		struct rsm_signal sig;
		char raw[256];
	} a;
};

/* Print a violation: one write(2), no locks, so children may too. */
static void report(struct fuzzer *f, const char *msg)
{
	char buf[1024];
	int n;

	f->violations++;
	if (__atomic_fetch_add(&fz.violations, 1, __ATOMIC_RELAXED) >= 20)
		return;
	n = snprintf(buf, sizeof(buf), "# VIOLATION %s %d call %lu: %s\n",
		     f->child ? "child of thread" : "thread", f->id, f->calls,
		     msg);
	if (write(2, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1) < 0)
		return;
}

static void sys_violation(struct fuzzer *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(f, msg);
}

/* The line of /proc/self/maps that has @addr, for a report. */
static void maps_line(const void *addr, char *buf, size_t size)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	char line[512];
	FILE *fp;

	snprintf(buf, size, "nothing mapped there");
	fp = fopen("/proc/self/maps", "re");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= a &&
		    a < hi) {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, size, "%s", line);
			break;
		}
	}
	fclose(fp);
}

static void violation(struct fuzzer *f, const struct call *c, int ret,
		      int err, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	size_t i;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n += snprintf(msg + n, sizeof(msg) - n,
		      ": ioctl(fd %d%s, 0x%lx %s%s%s, arg %p) = %d errno %d (%s)",
		      c->fd, c->closed ? " closed" : c->rsm ? " rsm" : " other",
		      c->cmd, c->c >= 0 ? cmds[c->c].name : "?",
		      c->what ? " mutated " : "", c->what ? c->what : "",
		      c->arg, ret, err, strerror(err));
	if (c->size && !c->bad_ptr) {
		n += snprintf(msg + n, sizeof(msg) - n, "\n#   arg:");
		for (i = 0; i < c->size && i < 128 && n < (int)sizeof(msg); i++)
			n += snprintf(msg + n, sizeof(msg) - n, "%s%02x",
				      i % 8 ? "" : " ",
				      ((unsigned char *)&c->a)[i]);
	}
	report(f, msg);
}

static bool is_rsm_errno(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rsm_errnos); i++)
		if (rsm_errnos[i] == err)
			return true;
	return false;
}

/* The contract, for a call that returned @ret with errno @err. */
static void check(struct fuzzer *f, const struct call *c, int ret, int err)
{
	bool takes_arg = c->c >= 0 && c->c != C_UNPUBLISH &&
			 c->c != C_CONSUME;

	if (c->closed) {
		if (ret != -1 || err != EBADF)
			violation(f, c, ret, err, "closed fd: want EBADF");
		return;
	}
	if (!c->rsm)
		return;
	/* A pool file may be closed by another thread meanwhile. */
	if (ret == -1 && err == EBADF && c->slot >= 0)
		return;
	if (c->c < 0) {
		if (ret != -1 || err != ENOTTY)
			violation(f, c, ret, err, "unknown command: want ENOTTY");
		return;
	}
	if (ret == 0) {
		if (takes_arg && c->bad_ptr)
			violation(f, c, ret, err, "success with a bad pointer");
		else if (c->must_einval)
			violation(f, c, ret, err, "success with %s", c->what);
		return;
	}
	if (ret != -1) {
		violation(f, c, ret, err, "returned neither 0 nor -1");
		return;
	}
	if (!is_rsm_errno(err)) {
		violation(f, c, ret, err, "errno outside the contract");
		return;
	}
	if (takes_arg && c->bad_ptr) {
		if (err != EFAULT && !(cmds[c->c].seg && err == EBADFD))
			violation(f, c, ret, err, "bad pointer: want EFAULT");
		return;
	}
	if (c->must_einval && err != EINVAL &&
	    !(cmds[c->c].seg && err == EBADFD))
		violation(f, c, ret, err, "%s: want EINVAL", c->what);
}

/* Memory for arguments and segments */

static __u64 arena_addr(struct rng *r, __u64 len)
{
	__u64 pages = len / fz.pg;

	if (pages >= ARENA_PAGES)
		return (__u64)(uintptr_t)fz.arena;
	return (__u64)(uintptr_t)fz.arena +
	       below(r, ARENA_PAGES - pages + 1) * fz.pg;
}

/* Something no ioctl can read. */
static __u64 bad_ptr(struct rng *r)
{
	switch (below(r, 8)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(r, 4096);
	case 2:
		return 0xffffffff81000000ULL + below(r, 1 << 20);
	case 3:
		return 0xffff888000000000ULL + ((__u64)below(r, 1 << 16) << 12);
	case 4:
		/* Below vm.mmap_min_addr: never mapped. */
		return 0x8000 + below(r, 0x8000);
	case 5:
		return (__u64)(uintptr_t)fz.none + below(r, fz.pg);
	case 6:
		return 0x0000800000000000ULL - below(r, 8);
	default:
		return ~0ULL - below(r, 4096);
	}
}

/* A user buffer of @len bytes for get and put: mostly a good one. */
static __u64 data_buf(struct fuzzer *f, __u64 len, bool *bad)
{
	struct rng *r = &f->rng;
	uintptr_t tag;

	*bad = false;
	switch (below(r, 20)) {
	case 0:
		if (!len)
			break;
		*bad = true;
		return bad_ptr(r);
	case 1:
		/* Read only: fine for PUT, EFAULT for GET. */
		if (len <= (__u64)fz.pg)
			return (__u64)(uintptr_t)fz.rodata;
		break;
	case 2:
		/* Runs into the PROT_NONE page. */
		if (len && len <= (__u64)fz.pg)
			return (__u64)(uintptr_t)f->edge + fz.pg -
			       below(r, len);
		break;
	case 3:
		if (len <= SHM_PAGES * (__u64)fz.pg)
			return (__u64)(uintptr_t)fz.shm;
		break;
	case 4:
	case 5:
		/* The thread page's data area: see struct fuzzer. */
		if (len < DATA_LEN)
			return (__u64)(uintptr_t)f->page + DATA_OFF +
			       below(r, DATA_LEN - len);
		break;
	case 6:
	case 7:
		/* One of our mappings: the copy faults into the module. */
		tag = f->maps[below(r, NMAPS)];
		if (!touchable(tag) || len > MAP_PAGES(tag) * (__u64)fz.pg)
			break;
		return (__u64)(uintptr_t)MAP_ADDR(tag) +
		       below(r, MAP_PAGES(tag) * fz.pg - len + 1);
	}
	if (len > ARENA_PAGES * (__u64)fz.pg) {
		*bad = true;	/* runs past the arena, maybe not into a hole */
		return (__u64)(uintptr_t)fz.arena;
	}
	return (__u64)(uintptr_t)fz.arena +
	       below(r, ARENA_PAGES * fz.pg - len + 1);
}

static void ctrl_name(struct rng *r, char *name, bool rdma)
{
	static const char * const junk[] = {
		"nosuchdev0", "loopback0", "LOOPBACK", "rxe", "rxe00", "lo",
		"rxe0 ", " loopback",
	};

	memset(name, 0, RSM_CTRL_NAME_MAX);
	if (chance(r, 5))
		snprintf(name, RSM_CTRL_NAME_MAX, "%s",
			 junk[below(r, ARRAY_SIZE(junk))]);
	else
		snprintf(name, RSM_CTRL_NAME_MAX, "%s",
			 rdma && fz.rdma ? fz.rdma : RSM_CTRL_LOOPBACK_NAME);
	/* Bytes after the NUL are not read. */
	if (chance(r, 30))
		memset(name + strlen(name) + 1, PATTERN,
		       RSM_CTRL_NAME_MAX - strlen(name) - 1);
}

/* The call must fail with EINVAL: @what was made invalid. */
static void want_einval(struct call *c, const char *what)
{
	c->what = what;
	c->must_einval = true;
}

/* A name field made invalid: no NUL in the array, or empty. */
static void bad_name(struct call *c, struct rng *r, char *name)
{
	if (chance(r, 70)) {
		memset(name, 'a' + below(r, 26), RSM_CTRL_NAME_MAX);
		want_einval(c, "name without NUL");
	} else {
		memset(name, 0, RSM_CTRL_NAME_MAX);
		name[1 + below(r, RSM_CTRL_NAME_MAX - 1)] = 'x';
		want_einval(c, "empty name");
	}
}

static __u64 ctrl_id(struct rng *r, bool rdma)
{
	switch (below(r, 10)) {
	case 0:
		return pick_u64(r);
	case 1:
	case 2:
	case 3:
		return rdma && fz.rdma ? fz.rdma_id : fz.lo_id;
	default:
		return 0;
	}
}

static __u32 acl_perm(struct rng *r)
{
	static const __u32 perms[] = { 0600, 0400, 0200, 0, 0666, 0644, 0640,
				       0606, 0660 };

	return perms[below(r, ARRAY_SIZE(perms))];
}

static __u32 node_id(struct rng *r)
{
	static const __u32 ids[] = { 0, 1, 2, 3, 63, 64, 65, 0x80000000,
				     0xffffffff };

	switch (below(r, 10)) {
	case 0:
		return ids[below(r, ARRAY_SIZE(ids))];
	case 1:
		return 1 + below(r, RSM_NODE_ID_MAX);
	case 2:
	case 3:
	case 4:
		if (fz.other)
			return fz.other;
		return fz.node;
	default:
		return fz.node;
	}
}

/* An id of a segment this node published, or of the other node's. */
static __u32 segid_for(struct rng *r, __u32 node)
{
	__u32 id;

	if (chance(r, 8))
		return chance(r, 50) ? pick_u32(r) :
		       RSM_SEGID_AUTO_BASE + below(r, 1000);
	if (node == fz.node && chance(r, 80)) {
		id = __atomic_load_n(&fz.published[below(r, NPUBLISHED)],
				     __ATOMIC_RELAXED);
		if (id)
			return id;
	}
	/*
	 * The other node's long-lived exports, or any of its range (also its
	 * short-lived ones, destroyed while we connect).
	 */
	if (node != fz.node && chance(r, 60))
		return SEGID_BASE + node * SEGID_RANGE + below(r, STABLE_SEGS);
	return SEGID_BASE + node * SEGID_RANGE + below(r, SEGID_RANGE);
}

/* Argument builders: valid, or with one field mutated. */

static void gen_api(struct call *c, struct rng *r, bool mutate)
{
	struct rsm_api *a = &c->a.api;

	a->api = RSM_API_VERSION;
	memset(&a->ioctls, PATTERN, sizeof(a->ioctls));
	if (!mutate)
		return;
	switch (below(r, 4)) {
	case 0:
		a->api = pick_u32(r);
		c->what = "api";
		c->must_einval = a->api != RSM_API_VERSION;
		break;
	case 1:
		a->reserved = pick_u32(r) | 1 << below(r, 32);
		want_einval(c, "reserved");
		break;
	case 2:
		a->features = pick_u64(r) | 1ULL << below(r, 64);
		want_einval(c, "unknown feature");
		break;
	default:
		a->ioctls = pick_u64(r);
		break;
	}
}

static void gen_ctrl(struct call *c, struct rng *r, bool mutate)
{
	struct rsm_ctrl_attr *a = &c->a.ca;
	bool by_index = chance(r, 40);

	memset(&a->id, PATTERN, sizeof(*a) - offsetof(struct rsm_ctrl_attr, id));
	a->reserved = 0;
	if (by_index) {
		memset(a->name, 0, sizeof(a->name));
		a->flags = RSM_CTRL_F_BY_INDEX;
		a->index = chance(r, 80) ? below(r, 4) : pick_u32(r);
	} else {
		ctrl_name(r, a->name, chance(r, 50));
	}
	if (!mutate)
		return;
	switch (below(r, 4)) {
	case 0:
		if (by_index) {
			a->name[below(r, sizeof(a->name))] = 1 + below(r, 255);
			want_einval(c, "name with BY_INDEX");
		} else {
			bad_name(c, r, a->name);
		}
		break;
	case 1:
		if (!by_index) {
			a->index = pick_u32(r) | 1;
			want_einval(c, "index without BY_INDEX");
		}
		break;
	case 2:
		a->flags |= 2u << below(r, 31);
		want_einval(c, "unknown flag");
		break;
	default:
		a->reserved = pick_u32(r) | 1;
		want_einval(c, "reserved");
		break;
	}
}

static void gen_topo(struct call *c, struct fuzzer *f, bool mutate)
{
	struct rsm_topo *t = &c->a.topo;
	struct rng *r = &f->rng;

	t->count = below(r, 5);
	t->entries = (__u64)(uintptr_t)f->page;
	memset(f->page, PATTERN, fz.pg);
	c->room = t->count;
	if (!mutate)
		return;
	switch (below(r, 5)) {
	case 0:
		t->flags = pick_u32(r) | 1;
		want_einval(c, "flags");
		break;
	case 1:
		t->reserved = pick_u32(r) | 1;
		want_einval(c, "reserved");
		break;
	case 2:
		t->count = pick_u32(r);
		c->room = t->count;
		break;
	case 3:
		t->entries = bad_ptr(r);
		break;
	default:
		/* The entries run into the PROT_NONE page. */
		t->entries = (__u64)(uintptr_t)f->edge + fz.pg -
			     below(r, 2 * sizeof(struct rsm_topo_entry));
		break;
	}
}

static void gen_create(struct call *c, struct fuzzer *f, bool mutate)
{
	struct rsm_export_create *e = &c->a.ec;
	struct rng *r = &f->rng;
	bool rdma = fz.rdma && chance(r, 50);
	uintptr_t tag = f->maps[below(r, NMAPS)];

	ctrl_name(r, e->ctrl, rdma);
	e->ctrl_id = ctrl_id(r, rdma);
	e->len = (1 + below(r, chance(r, 80) ? 4 : SEG_PAGES_MAX)) * fz.pg;
	e->vaddr = arena_addr(r, e->len);
	if (chance(r, 10) && e->len <= SHM_PAGES * (__u64)fz.pg)
		e->vaddr = (__u64)(uintptr_t)fz.shm;
	/* An import's mapping: its pages pinned again by an export. */
	if (touchable(tag) && chance(r, 10)) {
		e->vaddr = (__u64)(uintptr_t)MAP_ADDR(tag);
		e->len = MAP_PAGES(tag) * fz.pg;
	}
	e->flags = below(r, __RSM_EXPORT_F_ALL + 1);
	if (!mutate)
		return;
	switch (below(r, 7)) {
	case 0:
		bad_name(c, r, e->ctrl);
		break;
	case 1:
		e->flags |= (__RSM_EXPORT_F_ALL + 1) << below(r, 30);
		want_einval(c, "unknown flag");
		break;
	case 2:
		e->reserved = pick_u32(r) | 1;
		want_einval(c, "reserved");
		break;
	case 3:
		e->vaddr = chance(r, 50) ? bad_ptr(r) : e->vaddr + pick_u64(r);
		break;
	case 4:
		e->len = chance(r, 50) ? pick_u64(r) : e->len + below(r, 3) - 1;
		break;
	case 5:
		/* Read only or inaccessible memory: EFAULT. */
		e->vaddr = (__u64)(uintptr_t)(chance(r, 50) ? fz.rodata :
					      fz.none);
		e->len = fz.pg;
		break;
	default:
		e->ctrl_id = pick_u64(r);
		break;
	}
}

/* An access list in @f->page: @n entries. */
static __u64 gen_acl(struct fuzzer *f, struct slot *s, __u32 *n)
{
	struct rsm_acl_entry *acl = (void *)f->page;
	struct rng *r = &f->rng;
	__u32 i;

	*n = 0;
	if (chance(r, 50))
		return 0;
	*n = s->rdma ? 1 + below(r, 4) : 1;
	for (i = 0; i < *n; i++) {
		acl[i].node = s->rdma ? node_id(r) : fz.node;
		if (!acl[i].node || acl[i].node > RSM_NODE_ID_MAX)
			acl[i].node = fz.node;
		acl[i].perm = acl_perm(r);
	}
	return (__u64)(uintptr_t)acl;
}

static void gen_publish(struct call *c, struct fuzzer *f, struct slot *s,
			bool republish, bool mutate)
{
	struct rsm_export_publish *p = &c->a.pub;
	struct rsm_acl_entry *acl = (void *)f->page;
	struct rng *r = &f->rng;

	if (!republish && chance(r, 50))
		p->segid = SEGID_BASE + fz.node * SEGID_RANGE + STABLE_SEGS +
			   below(r, SEGID_RANGE - STABLE_SEGS);
	p->acl = gen_acl(f, s, &p->acl_len);
	if (!mutate)
		return;
	switch (below(r, 8)) {
	case 0:
		p->reserved = pick_u64(r) | 1;
		want_einval(c, "reserved");
		break;
	case 1:
		p->acl_len = RSM_ACL_MAX + 1 + below(r, 1000);
		want_einval(c, "acl_len");
		break;
	case 2:
		p->acl_len = 1 + below(r, RSM_ACL_MAX);
		p->acl = bad_ptr(r);
		break;
	case 3:
		if (p->acl_len) {
			acl[below(r, p->acl_len)].perm |= 01000 << below(r, 22);
			want_einval(c, "permission bits");
		}
		break;
	case 4:
		if (p->acl_len) {
			acl[below(r, p->acl_len)].node = chance(r, 50) ? 0 :
				RSM_NODE_ID_MAX + 1 + below(r, 1000);
			want_einval(c, "access list node");
		}
		break;
	case 5:
		p->segid = pick_u32(r);
		break;
	case 6:
		/* A long list: loopback takes at most this node. */
		p->acl_len = below(r, RSM_ACL_MAX + 1);
		p->acl = (__u64)(uintptr_t)acl;
		for (__u32 i = 0; i < p->acl_len; i++) {
			acl[i].node = 1 + below(r, RSM_NODE_ID_MAX);
			acl[i].perm = acl_perm(r);
		}
		break;
	default:
		p->acl = (__u64)(uintptr_t)f->edge + fz.pg -
			 below(r, 8 * p->acl_len + 1);
		break;
	}
}

static void gen_rebind(struct call *c, struct rng *r, struct slot *s,
		       bool mutate)
{
	struct rsm_export_rebind *b = &c->a.rb;

	b->len = s->len ? s->len : fz.pg;
	b->vaddr = arena_addr(r, b->len);
	if (!mutate)
		return;
	switch (below(r, 3)) {
	case 0:
		b->len = pick_u64(r);
		break;
	case 1:
		b->vaddr = chance(r, 50) ? bad_ptr(r) : b->vaddr + pick_u64(r);
		break;
	default:
		b->vaddr = s->vaddr;
		break;
	}
}

static void gen_connect(struct call *c, struct rng *r, bool mutate)
{
	struct rsm_import_connect *ic = &c->a.ic;
	bool remote = fz.other && chance(r, 30);

	ic->node = remote ? fz.other : fz.node;
	ic->segid = segid_for(r, ic->node);
	ctrl_name(r, ic->ctrl, remote || (fz.rdma && chance(r, 20)));
	ic->ctrl_id = ctrl_id(r, remote);
	ic->perm = chance(r, 70) ? 0600 : acl_perm(r) & 0600;
	if (!mutate)
		return;
	switch (below(r, 7)) {
	case 0:
		bad_name(c, r, ic->ctrl);
		break;
	case 1:
		ic->reserved = pick_u32(r) | 1;
		want_einval(c, "reserved");
		break;
	case 2:
		ic->perm = pick_u32(r);
		if (ic->perm & ~0600u)
			want_einval(c, "permission bits");
		break;
	case 3:
		ic->node = node_id(r);
		break;
	case 4:
		ic->segid = pick_u32(r);
		break;
	case 5:
		ic->ctrl_id = pick_u64(r);
		break;
	default:
		ic->size = pick_u64(r);
		break;
	}
}

/* One transfer in @iov, for a segment of @len bytes. */
static bool gen_iov(struct fuzzer *f, struct rsm_iov *iov, __u64 len,
		    bool mutate)
{
	struct rng *r = &f->rng;
	bool bad;

	if (!len)
		len = fz.pg;
	iov->offset = below(r, len);
	iov->len = chance(r, 90) ? 1 + below(r, 256) :
		   below(r, len - iov->offset + 1);
	if (iov->len > len - iov->offset)
		iov->len = len - iov->offset;
	if (mutate) {
		switch (below(r, 5)) {
		case 0:
			iov->offset = chance(r, 50) ? pick_u64(r) : len;
			break;
		case 1:
			iov->len = chance(r, 50) ? pick_u64(r) :
				   len - iov->offset + 1;
			break;
		case 2:
			iov->offset = 0;
			iov->len = len;
			break;
		case 3:
			iov->offset = len - 1;
			iov->len = 1;
			break;
		}
	}
	if (iov->len > ARENA_PAGES * (__u64)fz.pg)
		iov->buf = data_buf(f, 1, &bad);
	else
		iov->buf = data_buf(f, iov->len, &bad);
	return bad;
}

static void gen_vec(struct call *c, struct fuzzer *f, struct slot *s,
		    bool mutate)
{
	struct rsm_import_vec *v = &c->a.vec;
	struct rsm_iov *iov = (void *)f->page;
	struct rng *r = &f->rng;
	__u32 i;

	v->count = 1 + below(r, RSM_IOV_MAX);
	for (i = 0; i < v->count; i++)
		gen_iov(f, &iov[i], s->len, chance(r, 10));
	v->iov = (__u64)(uintptr_t)iov;
	if (!mutate)
		return;
	switch (below(r, 6)) {
	case 0:
		v->flags = pick_u32(r) | 1;
		want_einval(c, "flags");
		break;
	case 1:
		v->reserved = pick_u32(r) | 1;
		want_einval(c, "reserved");
		break;
	case 2:
		v->count = chance(r, 50) ? 0 : RSM_IOV_MAX + 1 + below(r, 100);
		want_einval(c, "count");
		break;
	case 3:
		v->iov = bad_ptr(r);
		break;
	case 4:
		v->iov = (__u64)(uintptr_t)f->edge + fz.pg -
			 below(r, v->count * sizeof(*iov));
		break;
	default:
		v->done = pick_u32(r);
		break;
	}
}

static void gen_barrier(struct call *c, struct fuzzer *f, bool mutate)
{
	struct rsm_barrier *b = &c->a.bar;
	struct rng *r = &f->rng;

	b->op = RSM_BARRIER_OPEN + below(r, 3);
	if (b->op != RSM_BARRIER_OPEN)
		b->token = chance(r, 80) ? f->token : pick_u64(r);
	if (!mutate)
		return;
	switch (below(r, 3)) {
	case 0:
		b->reserved = pick_u32(r) | 1;
		want_einval(c, "reserved");
		break;
	case 1:
		b->op = pick_u32(r);
		if (b->op < RSM_BARRIER_OPEN || b->op > RSM_BARRIER_ORDER)
			want_einval(c, "op");
		break;
	default:
		b->token = pick_u64(r);
		break;
	}
}

static void gen_signal(struct call *c, struct rng *r, bool mutate)
{
	struct rsm_signal *s = &c->a.sig;

	s->flags = below(r, __RSM_SIGNAL_F_ALL + 1);
	if (!mutate)
		return;
	if (chance(r, 50)) {
		s->flags |= (__RSM_SIGNAL_F_ALL + 1) << below(r, 31);
		want_einval(c, "unknown flag");
	} else {
		s->reserved = pick_u32(r) | 1;
		want_einval(c, "reserved");
	}
}

/* The command for a pool file, by what we believe it is. */
static int pick_cmd(struct rng *r, const struct slot *s)
{
	static const int exp_cmds[] = {
		C_PUBLISH, C_REPUBLISH, C_REPUBLISH, C_REBIND, C_REBIND,
		C_POST, C_POST, C_POST, C_CONSUME, C_CONSUME, C_UNPUBLISH,
	};
	static const int imp_cmds[] = {
		C_GET, C_GET, C_GET, C_PUT, C_PUT, C_PUT, C_GETV, C_PUTV,
		C_BARRIER, C_BARRIER, C_POST, C_POST, C_CONSUME, C_CONSUME,
	};

	if (chance(r, 12))
		return below(r, C_NUM);
	switch (s->kind) {
	case K_EXPORT:
		if (!s->published && chance(r, 60))
			return C_PUBLISH;
		return exp_cmds[below(r, ARRAY_SIZE(exp_cmds))];
	case K_IMPORT:
		return imp_cmds[below(r, ARRAY_SIZE(imp_cmds))];
	case K_FRESH:
		if (chance(r, 10))
			return below(r, C_CONNECT);
		/* Connects fail more often: try them more. */
		return chance(r, 35) ? C_CREATE : C_CONNECT;
	default:
		/* Find out what it is. */
		switch (below(r, 5)) {
		case 0:
		case 1:
			return exp_cmds[below(r, ARRAY_SIZE(exp_cmds))];
		case 2:
		case 3:
			return imp_cmds[below(r, ARRAY_SIZE(imp_cmds))];
		default:
			return chance(r, 50) ? C_CREATE : C_CONNECT;
		}
	}
}

/* Build the argument of command @c->c into @c->a. */
static void gen_arg(struct call *c, struct fuzzer *f, struct slot *s)
{
	struct rng *r = &f->rng;
	bool mutate = chance(r, 50);

	memset(&c->a, 0, sizeof(c->a));
	switch (c->c) {
	case C_API:
		gen_api(c, r, mutate);
		c->size = sizeof(c->a.api);
		break;
	case C_CTRL:
		gen_ctrl(c, r, mutate);
		c->size = sizeof(c->a.ca);
		break;
	case C_TOPO:
		gen_topo(c, f, mutate);
		c->size = sizeof(c->a.topo);
		break;
	case C_CREATE:
		gen_create(c, f, mutate);
		c->size = sizeof(c->a.ec);
		break;
	case C_PUBLISH:
	case C_REPUBLISH:
		gen_publish(c, f, s, c->c == C_REPUBLISH, mutate);
		c->size = sizeof(c->a.pub);
		break;
	case C_REBIND:
		gen_rebind(c, r, s, mutate);
		c->size = sizeof(c->a.rb);
		break;
	case C_CONNECT:
		gen_connect(c, r, mutate);
		c->size = sizeof(c->a.ic);
		break;
	case C_GET:
	case C_PUT:
		gen_iov(f, &c->a.iov, s->len, mutate);
		c->size = sizeof(c->a.iov);
		break;
	case C_GETV:
	case C_PUTV:
		gen_vec(c, f, s, mutate);
		c->size = sizeof(c->a.vec);
		break;
	case C_BARRIER:
		gen_barrier(c, f, mutate);
		c->size = sizeof(c->a.bar);
		break;
	case C_POST:
		gen_signal(c, r, mutate);
		c->size = sizeof(c->a.sig);
		break;
	default:
		/* UNPUBLISH, CONSUME: the argument is not used. */
		c->size = 0;
		break;
	}
	/* Now and then: all random bytes. */
	if (chance(r, 3)) {
		for (size_t i = 0; i < sizeof(c->a.raw); i += 8) {
			__u64 v = rnd(r);

			memcpy(c->a.raw + i, &v, 8);
		}
		c->what = NULL;
		c->must_einval = false;
	}
}

/*
 * Where the argument goes: the thread's page (mostly), misaligned, read
 * only, straddling the PROT_NONE page, or somewhere unreadable.
 */
static void place_arg(struct call *c, struct fuzzer *f)
{
	struct rng *r = &f->rng;
	char *p;

	switch (below(r, 40)) {
	case 0:
	case 1:
		c->arg = (void *)(uintptr_t)bad_ptr(r);
		c->bad_ptr = true;
		return;
	case 2:
		if (!c->size)
			break;
		/* The last bytes fall into the PROT_NONE page. */
		p = f->edge + fz.pg - c->size + 1 + below(r, c->size);
		memcpy(p, &c->a, f->edge + fz.pg - p);
		c->arg = p;
		c->bad_ptr = true;
		return;
	case 3:
		/* Readable, not writable: EFAULT for output, maybe later. */
		if (mprotect(f->ro, fz.pg, PROT_READ | PROT_WRITE))
			break;
		memcpy(f->ro, &c->a, c->size);
		mprotect(f->ro, fz.pg, PROT_READ);
		c->arg = f->ro;
		return;
	case 4:
	case 5:
		p = f->page + ARG_OFF + 1 + below(r, 7);
		memcpy(p, &c->a, c->size);
		c->arg = p;
		return;
	}
	c->arg = &c->a;
}

/* Copy what the kernel wrote back, wherever the argument went. */
static void fetch_arg(struct call *c)
{
	if (c->arg != &c->a && !c->bad_ptr && c->size)
		memcpy(&c->a, c->arg, c->size);
}

static int slot_fd(int i)
{
	return __atomic_load_n(&fz.slots[i].fd, __ATOMIC_RELAXED);
}

static void published_add(struct rng *r, __u32 segid)
{
	__atomic_store_n(&fz.published[below(r, NPUBLISHED)], segid,
			 __ATOMIC_RELAXED);
}

/* What a call's success tells about its file. */
static void learn(struct fuzzer *f, const struct call *c, int ret, int err)
{
	struct slot *s = c->slot >= 0 ? &fz.slots[c->slot] : NULL;

	if (!ret && !f->child)
		__atomic_fetch_add(&fz.deep[c->c], 1, __ATOMIC_RELAXED);
	if (ret && !f->child && err > 0 && err < ERRNO_MAX)
		__atomic_fetch_add(&fz.errs[c->c][err], 1, __ATOMIC_RELAXED);
	if (!ret && c->c == C_CONNECT && c->a.ic.node != fz.node && !f->child)
		__atomic_fetch_add(&fz.remote_connects, 1, __ATOMIC_RELAXED);
	if (!s || f->child)
		return;
	if (ret) {
		/* Not what we thought: a segment, or not this kind. */
		if (err == EBADFD && (cmds[c->c].seg ||
				      s->kind == K_FRESH))
			s->kind = K_UNKNOWN;
		return;
	}
	if (c->c >= C_PUBLISH && c->c <= C_REBIND)
		s->kind = K_EXPORT;
	else if (c->c >= C_GET && c->c <= C_BARRIER)
		s->kind = K_IMPORT;
	switch (c->c) {
	case C_CREATE:
		s->kind = K_EXPORT;
		s->rdma = fz.rdma && !strcmp(c->a.ec.ctrl, fz.rdma);
		s->len = c->a.ec.len;
		s->vaddr = c->a.ec.vaddr;
		s->flags = c->a.ec.flags;
		s->published = false;
		break;
	case C_PUBLISH:
		s->published = true;
		s->segid = c->a.pub.segid;
		published_add(&f->rng, s->segid);
		break;
	case C_UNPUBLISH:
		s->published = false;
		break;
	case C_REBIND:
		s->vaddr = c->a.rb.vaddr;
		break;
	case C_CONNECT:
		s->kind = K_IMPORT;
		s->len = c->a.ic.size;
		s->perm = c->a.ic.perm;
		break;
	case C_BARRIER:
		if (c->a.bar.op == RSM_BARRIER_OPEN)
			f->token = c->a.bar.token;
		break;
	}
}

/* Output that the kernel must have written, after a success. */
static void check_output(struct fuzzer *f, struct call *c)
{
	struct rsm_topo_entry *e = (void *)f->page;
	__u32 i;

	switch (c->c) {
	case C_API:
		if (c->a.api.ioctls != fz.ioctls || c->a.api.features)
			violation(f, c, 0, 0, "API: ioctls 0x%llx features 0x%llx",
				  (unsigned long long)c->a.api.ioctls,
				  (unsigned long long)c->a.api.features);
		break;
	case C_CTRL:
		if (c->a.ca.id == PATTERN64 || c->a.ca.hwaddr == PATTERN64 ||
		    c->a.ca.type == 0xa5a5a5a5 ||
		    c->a.ca.page_size != (__u64)fz.pg ||
		    c->a.ca.max_import_segments == PATTERN64 ||
		    c->a.ca.tot_import_map_size == PATTERN64 ||
		    c->a.ca.max_export_segments == PATTERN64 ||
		    c->a.ca.atomic_sizes == 0xa5a5a5a5 ||
		    c->a.ca.direct_access_sizes == 0xa5a5a5a5 ||
		    memchr(c->a.ca.name, PATTERN, sizeof(c->a.ca.name)))
			violation(f, c, 0, 0, "CTRL_QUERY: stale output");
		for (i = strlen(c->a.ca.name); i < RSM_CTRL_NAME_MAX; i++)
			if (c->a.ca.name[i]) {
				violation(f, c, 0, 0,
					  "CTRL_QUERY: junk after the name");
				break;
			}
		break;
	case C_TOPO:
		if (c->a.topo.entries != (__u64)(uintptr_t)f->page ||
		    c->arg != &c->a)
			break;
		for (i = 0; i < c->a.topo.count && i < c->room; i++) {
			if (e[i].remote_hwaddr == PATTERN64 ||
			    e[i].state < RSM_CHAN_DOWN ||
			    e[i].state > RSM_CHAN_GOING_DOWN ||
			    !e[i].remote_node ||
			    e[i].remote_node > RSM_NODE_ID_MAX ||
			    memchr(e[i].ctrl, PATTERN, sizeof(e[i].ctrl)) ||
			    memchr(e[i].remote_ctrl, PATTERN,
				   sizeof(e[i].remote_ctrl)))
				violation(f, c, 0, 0,
					  "TOPOLOGY: stale entry %u of %u (room %u): node %u state %u hwaddr 0x%llx ctrl %.8s remote %.8s",
					  i, c->a.topo.count, c->room,
					  e[i].remote_node, e[i].state,
					  (unsigned long long)e[i].remote_hwaddr,
					  e[i].ctrl, e[i].remote_ctrl);
		}
		break;
	case C_CONNECT:
		if (!c->a.ic.size || c->a.ic.size % fz.pg ||
		    c->a.ic.size > SEG_PAGES_MAX * (__u64)fz.pg)
			violation(f, c, 0, 0, "IMPORT_CONNECT: size %llu",
				  (unsigned long long)c->a.ic.size);
		break;
	case C_PUBLISH:
		if (!c->a.pub.segid)
			violation(f, c, 0, 0, "EXPORT_PUBLISH: segid 0");
		break;
	case C_GETV:
	case C_PUTV:
		if (c->a.vec.done != c->a.vec.count)
			violation(f, c, 0, 0, "done %u of %u", c->a.vec.done,
				  c->a.vec.count);
		break;
	}
}

static int other_fd(struct rng *r)
{
	int n = ARRAY_SIZE(fz.others);

	return fz.others[below(r, n)];
}

/* A command number that is not one of ours. */
static unsigned long wrong_cmd(struct rng *r, int *c)
{
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE,
					     _IOC_READ | _IOC_WRITE };
	static const unsigned int sizes[] = { 0, 1, 4, 8, 16, 24, 32, 40,
					      56, 64, 72, 128, 136, 168, 4095,
					      _IOC_SIZEMASK };
	unsigned long cmd;
	unsigned int type = RSM_IOC_MAGIC, nr, i;

	*c = -1;
	switch (below(r, 4)) {
	case 0:
		/*
		 * Another type; not those the VFS answers for every file:
		 * 0 (FIGETBSZ), 'T' (FIONBIO...), 'X', 'f', 0x94.
		 */
		do {
			type = below(r, 256);
		} while (type == RSM_IOC_MAGIC || !type || type == 'T' ||
			 type == 'X' || type == 'f' || type == 0x94);
		nr = below(r, 256);
		break;
	case 1:
		nr = below(r, 256);
		break;
	default:
		/* One of ours with another size or direction. */
		nr = _IOC_NR(cmds[below(r, C_NUM)].cmd);
		break;
	}
	cmd = _IOC(dirs[below(r, 4)], type, nr, sizes[below(r, 16)]);
	for (i = 0; i < C_NUM; i++)
		if (cmds[i].cmd == cmd)
			*c = i;
	return cmd;
}

/* One random ioctl. */
static void fuzz_one(struct fuzzer *f)
{
	struct rng *r = &f->rng;
	struct slot snap = { .kind = K_UNKNOWN };
	struct call c = { .slot = -1, .rsm = true };
	int ret, err, sel = below(r, 100);

	if (sel < 85) {
		c.slot = below(r, NSLOTS);
		c.fd = slot_fd(c.slot);
		snap = fz.slots[c.slot];
		if (c.fd < 0)
			c.closed = true;
	} else if (sel < 92) {
		c.fd = f->ctl;
	} else if (sel < 95) {
		c.fd = other_fd(r);
		c.rsm = false;
	} else {
		static const int closed[] = { CLOSED_FD, -1, 0x7fffffff, 4095 };

		c.fd = closed[below(r, 4)];
		c.closed = true;
	}

	if (chance(r, 8)) {
		c.cmd = wrong_cmd(r, &c.c);
		if (!c.rsm && (_IOC_TYPE(c.cmd) != RSM_IOC_MAGIC))
			c.cmd = RSM_IOC_API;	/* only ours on others' files */
		memset(&c.a, PATTERN, sizeof(c.a));
		c.arg = &c.a;
		c.size = 0;
		if (c.c >= 0)
			c.rsm = false;	/* random argument: no expectation */
	} else {
		if (c.fd == f->ctl)
			c.c = below(r, 100) < 97 ? below(r, C_CREATE) :
			      below(r, C_NUM);
		else
			c.c = pick_cmd(r, &snap);
		/* The private file stays fresh: queries only. */
		if (c.fd == f->ctl && (c.c == C_CREATE || c.c == C_CONNECT))
			c.c = C_API;
		c.cmd = cmds[c.c].cmd;
		gen_arg(&c, f, &snap);
		place_arg(&c, f);
	}

	ret = ioctl(c.fd, c.cmd, c.arg);
	err = ret ? errno : 0;
	f->calls++;
	check(f, &c, ret, err);
	if (c.c < 0 || !c.rsm || c.closed)
		return;
	fetch_arg(&c);
	learn(f, &c, ret, err);
	if (!ret && !c.bad_ptr && c.arg != f->ro && !c.what)
		check_output(f, &c);
}

/* Mappings */

/* Loads and stores through a mapping: SIGSEGV and SIGBUS come back here. */
static __thread sigjmp_buf *touch_jb;

static void touch_signal(int sig, siginfo_t *si, void *uc)
{
	char buf[128];
	int n;

	if (touch_jb)
		siglongjmp(*touch_jb, sig);
	n = snprintf(buf, sizeof(buf), "# signal %d at address %p\n", sig,
		     si->si_addr);
	if (write(2, buf, n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void set_touch_handler(bool on)
{
	struct sigaction sa = { .sa_sigaction = touch_signal,
				.sa_flags = SA_SIGINFO };

	if (!on) {
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = 0;
	}

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* Make one of the thread's own files an import, local or remote. */
static void priv_connect(struct fuzzer *f)
{
	struct rng *r = &f->rng;
	struct priv *p = &f->priv[below(r, NPRIV)];
	struct rsm_import_connect ic = { 0 };
	bool remote = fz.other && chance(r, 40);
	int ret;

	/* Its mappings keep the import until they are gone. */
	if (p->fd >= 0)
		close(p->fd);
	p->len = 0;
	p->fd = rsm_open();
	if (p->fd < 0)
		return;
	ic.node = remote ? fz.other : fz.node;
	ic.segid = segid_for(r, ic.node);
	snprintf(ic.ctrl, sizeof(ic.ctrl), "%s",
		 remote || (fz.rdma && chance(r, 30)) ? fz.rdma :
		 RSM_CTRL_LOOPBACK_NAME);
	ic.perm = chance(r, 60) ? 0600 : chance(r, 50) ? 0400 : 0200;
	ret = ioctl(p->fd, RSM_IOC_IMPORT_CONNECT, &ic);
	f->calls++;
	if (ret) {
		if (!is_rsm_errno(errno))
			sys_violation(f, "IMPORT_CONNECT: errno %d", errno);
		return;
	}
	__atomic_fetch_add(&fz.deep[C_CONNECT], 1, __ATOMIC_RELAXED);
	p->local = !remote;
	p->len = ic.size;
	p->perm = ic.perm;
}

static int any_prot(struct rng *r)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_WRITE,
				     PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_WRITE | PROT_EXEC,
				     PROT_EXEC };

	return prots[below(r, ARRAY_SIZE(prots))];
}

/*
 * Held around new mappings and moves. A move whose mremap() fails may
 * already have unmapped its placeholder, and its munmap() would then
 * remove whatever another thread mapped there meanwhile: another thread's
 * mapping of an import, which that thread would later find replaced by
 * someone's anonymous memory (a false "grew a mapping" report). A fork
 * child is single-threaded and does without (the lock may have been held
 * at the fork).
 */
static pthread_mutex_t vm_lock = PTHREAD_MUTEX_INITIALIZER;

static void vm_lock_take(const struct fuzzer *f)
{
	if (!f->child)
		pthread_mutex_lock(&vm_lock);
}

static void vm_lock_give(const struct fuzzer *f)
{
	if (!f->child)
		pthread_mutex_unlock(&vm_lock);
}

/* mmap() an import (a private one, or whatever a pool file is). */
static void map_new(struct fuzzer *f)
{
	struct rng *r = &f->rng;
	struct priv *p = &f->priv[below(r, NPRIV)];
	int i = below(r, NMAPS), prot, flags, fd;
	__u64 pages, off, len;
	bool local = true;
	char *a;

	if (f->maps[i])
		return;
	if (p->fd >= 0 && p->len && chance(r, 80)) {
		fd = p->fd;
		local = p->local;
		pages = p->len / fz.pg;
		prot = (p->perm & RSM_PERM_READ_BIT ? PROT_READ : 0) |
		       (p->perm & RSM_PERM_WRITE_BIT ? PROT_WRITE : 0);
	} else {
		fd = slot_fd(below(r, NSLOTS));
		pages = 1 + below(r, 4);
		prot = PROT_READ | PROT_WRITE;
	}
	off = chance(r, 80) ? 0 : below(r, pages + 2);
	len = off < pages && chance(r, 70) ? pages - off : 1 + below(r, pages + 1);
	/* More would not fit the tag (and its address would be wrong). */
	if (len > MAP_PAGES_MAX)
		len = MAP_PAGES_MAX;
	if (chance(r, 15))
		prot = any_prot(r);
	flags = chance(r, 8) ? MAP_PRIVATE : MAP_SHARED;
	if ((local || fz.remote_maps) && chance(r, 20))
		flags |= MAP_POPULATE;
	vm_lock_take(f);
	a = mmap(NULL, len * fz.pg, prot, flags, fd, off * fz.pg);
	vm_lock_give(f);
	__atomic_fetch_add(&fz.mmaps, 1, __ATOMIC_RELAXED);
	if (a == MAP_FAILED) {
		switch (errno) {
		case EINVAL: case ENXIO: case EACCES: case ENODEV:
		case ENOMEM: case EBADF: case EAGAIN: case EPERM:
			break;
		default:
			sys_violation(f, "mmap(%llu pages at page %llu, prot %d, flags 0x%x): errno %d",
				      (unsigned long long)len,
				      (unsigned long long)off, prot, flags,
				      errno);
		}
		return;
	}
	if (flags & MAP_PRIVATE)
		sys_violation(f, "a private mapping of /dev/rsm succeeded");
	f->maps[i] = MAP_TAG(a, len, local);
	f->punched[i] = false;
}

/* Loads and stores through a mapping of ours. */
static void map_touch(struct fuzzer *f)
{
	struct rng *r = &f->rng;
	uintptr_t tag = f->maps[below(r, NMAPS)];
	sigjmp_buf jb;
	int i, n;
	char *p;

	if (!touchable(tag))
		return;
	if (sigsetjmp(jb, 1)) {
		touch_jb = NULL;
		__atomic_fetch_add(&fz.signals, 1, __ATOMIC_RELAXED);
		return;
	}
	/* The handler must see it, and the accesses must happen. */
	__atomic_store_n(&touch_jb, &jb, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	n = 1 + below(r, 8);
	for (i = 0; i < n; i++) {
		p = MAP_ADDR(tag) + below(r, MAP_PAGES(tag) * fz.pg);
		if (chance(r, 50))
			__atomic_store_n(p, (char)rnd(r), __ATOMIC_RELAXED);
		else
			__atomic_load_n(p, __ATOMIC_RELAXED);
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	touch_jb = NULL;
	__atomic_fetch_add(&fz.touches, 1, __ATOMIC_RELAXED);
}

static void map_drop(struct fuzzer *f, int i)
{
	munmap(MAP_ADDR(f->maps[i]), MAP_PAGES(f->maps[i]) * fz.pg);
	f->maps[i] = 0;
}

/* munmap, mprotect, mremap, msync, madvise, and PROT_NONE over a page. */
static void map_op(struct fuzzer *f)
{
	static const int advice[] = { MADV_DONTNEED, MADV_WILLNEED,
				      MADV_DONTFORK, MADV_DOFORK, MADV_REMOVE,
				      MADV_COLD, MADV_PAGEOUT, MADV_NORMAL,
				      MADV_RANDOM, MADV_SEQUENTIAL,
				      MADV_DONTDUMP, MADV_FREE };
	static const int syncs[] = { MS_SYNC, MS_ASYNC, MS_INVALIDATE,
				     MS_SYNC | MS_INVALIDATE };
	struct rng *r = &f->rng;
	int i = below(r, NMAPS);
	uintptr_t tag = f->maps[i];
	__u64 pages = MAP_PAGES(tag), first, n;
	char *a = MAP_ADDR(tag), *to;

	if (!tag)
		return;
	first = below(r, pages);
	n = 1 + below(r, pages - first);
	__atomic_fetch_add(&fz.map_ops, 1, __ATOMIC_RELAXED);
	switch (below(r, 8)) {
	case 0:
		map_drop(f, i);
		break;
	case 1:
		/* Split the mapping; the address range stays ours. */
		if (mmap(a + first * fz.pg, fz.pg, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
		    MAP_FAILED)
			f->punched[i] = true;
		break;
	case 2:
		mprotect(a + first * fz.pg, n * fz.pg, any_prot(r));
		break;
	case 3:
		msync(a, pages * fz.pg, syncs[below(r, 4)]);
		break;
	case 4:
		madvise(a + first * fz.pg, n * fz.pg,
			advice[below(r, ARRAY_SIZE(advice))]);
		break;
	case 5:
		/* Move it elsewhere. */
		vm_lock_take(f);
		to = mmap(NULL, pages * fz.pg, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (to != MAP_FAILED) {
			if (mremap(a, pages * fz.pg, pages * fz.pg,
				   MREMAP_MAYMOVE | MREMAP_FIXED, to) == to)
				f->maps[i] = MAP_TAG(to, pages,
						     MAP_LOCAL(tag));
			else
				munmap(to, pages * fz.pg);
		}
		vm_lock_give(f);
		break;
	case 6:
		/* A mapping of an import never grows. */
		if (f->punched[i])
			break;
		if (mremap(a, pages * fz.pg, (pages + 1) * fz.pg, 0) !=
		    MAP_FAILED) {
			char where[512];

			maps_line(a, where, sizeof(where));
			sys_violation(f, "mremap() grew a mapping of an import (%llu pages, %s; now %.300s)",
				      (unsigned long long)pages,
				      MAP_LOCAL(tag) ? "local" : "remote",
				      where);
			if (pages < MAP_PAGES_MAX)
				f->maps[i] = MAP_TAG(a, pages + 1,
						     MAP_LOCAL(tag));
		}
		break;
	default:
		map_touch(f);
		break;
	}
}

/* Other calls on a pool file: poll, fsync (a write-back), read, write. */
static void file_op(struct fuzzer *f)
{
	struct rng *r = &f->rng;
	int fd = slot_fd(below(r, NSLOTS));
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };
	char buf[16];
	int ret;

	__atomic_fetch_add(&fz.syscalls, 1, __ATOMIC_RELAXED);
	switch (below(r, 6)) {
	case 0:
	case 1:
		ret = poll(&pfd, 1, 0);
		if (ret < 0)
			sys_violation(f, "poll: errno %d", errno);
		break;
	case 2:
		fsync(fd);
		break;
	case 3:
		if (read(fd, buf, sizeof(buf)) >= 0)
			sys_violation(f, "read() of /dev/rsm succeeded");
		break;
	case 4:
		if (write(fd, buf, sizeof(buf)) >= 0)
			sys_violation(f, "write() to /dev/rsm succeeded");
		break;
	default:
		fdatasync(fd);
		break;
	}
}

/* Close a pool file and open a fresh one in its place. */
static void reopen_slot(struct fuzzer *f)
{
	int i = below(&f->rng, NSLOTS);
	int fd = __atomic_exchange_n(&fz.slots[i].fd, -1, __ATOMIC_RELAXED);
	int old = -1;

	if (fd >= 0)
		close(fd);
	fz.slots[i].kind = K_FRESH;
	fz.slots[i].published = false;
	fd = rsm_open();
	/* Another thread may have reopened it meanwhile. */
	if (!__atomic_compare_exchange_n(&fz.slots[i].fd, &old, fd, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		close(fd);
}

/* A child: a few calls on the inherited files, then exit. */
static void fork_child(struct fuzzer *f)
{
	struct fuzzer child = *f;
	int st, i;
	pid_t pid;

	fflush(NULL);
	child.child = true;
	child.violations = 0;
	child.rng.s ^= 0x9e3779b97f4a7c15ULL * (f->calls + 1);
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		for (i = 0; i < CHILD_CALLS; i++)
			fuzz_one(&child);
		/* Sometimes: exit while holding our own files. */
		if (chance(&child.rng, 50)) {
			int fd = rsm_open();
			struct rsm_export_create e = {
				.vaddr = (__u64)(uintptr_t)fz.arena,
				.len = fz.pg,
			};

			strcpy(e.ctrl, RSM_CTRL_LOOPBACK_NAME);
			ioctl(fd, RSM_IOC_EXPORT_CREATE, &e);
		}
		_exit(child.violations ? 1 : 0);
	}
	__atomic_fetch_add(&fz.forks, 1, __ATOMIC_RELAXED);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		sys_violation(f, "child: status 0x%x", st);
}

static void *fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	unsigned long n;

	for (n = 0; n < fz.calls_per_thread; n++) {
		switch (below(&f->rng, 1000)) {
		case 0 ... 5:
			reopen_slot(f);
			break;
		case 6:
			if (chance(&f->rng, 3)) {
				/* Pinned pages lose their mapping. */
				madvise(fz.arena + below(&f->rng, ARENA_PAGES) *
					fz.pg, fz.pg, MADV_DONTNEED);
			}
			break;
		case 7 ... 9:
			priv_connect(f);
			break;
		case 10 ... 19:
			map_new(f);
			break;
		case 20 ... 29:
			map_touch(f);
			break;
		case 30 ... 37:
			map_op(f);
			break;
		case 38 ... 47:
			file_op(f);
			break;
		}
		if (f->calls % FORK_EVERY == FORK_EVERY - 1)
			fork_child(f);
		fuzz_one(f);
	}
	for (n = 0; n < NMAPS; n++)
		if (f->maps[n])
			map_drop(f, n);
	for (n = 0; n < NPRIV; n++)
		if (f->priv[n].fd >= 0)
			close(f->priv[n].fd);
	__atomic_fetch_add(&fz.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Full preemption for the run, where the kernel has PREEMPT_DYNAMIC:
 * with one vCPU, a thread is then preempted inside the module too. The
 * mode it had is put back afterwards.
 */
static char preempt_was[16];

static bool preempt_set(const char *mode)
{
	int fd = open(PREEMPT_CTL, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, mode, strlen(mode)) == (ssize_t)strlen(mode);
	close(fd);
	return ok;
}

static const char *preempt_full(void)
{
	char buf[128], *o, *c;

	if (rsm_read_text(PREEMPT_CTL, buf, sizeof(buf)) < 0 &&
	    (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) ||
	     rsm_read_text(PREEMPT_CTL, buf, sizeof(buf)) < 0))
		return "unchanged (no " PREEMPT_CTL ")";
	o = strchr(buf, '(');
	c = o ? strchr(o, ')') : NULL;
	if (!c || c - o - 1 >= (int)sizeof(preempt_was))
		return "unchanged (unknown mode)";
	memcpy(preempt_was, o + 1, c - o - 1);
	preempt_was[c - o - 1] = 0;
	if (!preempt_set("full")) {
		preempt_was[0] = 0;
		return "unchanged (cannot set full)";
	}
	return "full";
}

static void preempt_restore(void)
{
	if (preempt_was[0] && !preempt_set(preempt_was))
		perror(PREEMPT_CTL);
	preempt_was[0] = 0;
}

/* Setup */

FIXTURE(fuzz) {
	int fd;
	bool counters;		/* base holds the counters before */
	__u64 seed;
	struct rsm_node_info base;
	int stable[STABLE_SEGS];
	char *mem;
	size_t mem_len;
	char *thread_mem;
};

static int query(int fd, const char *name, struct rsm_ctrl_attr *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	return rsm_ioctl_err(fd, RSM_IOC_CTRL_QUERY, a);
}

/* The other node, if its channel is active (wait a little for it). */
static __u32 find_other(int fd)
{
	struct rsm_topo_entry e[RSM_NODE_ID_MAX];
	struct rsm_topo t;
	int tries;
	__u32 i;

	for (tries = 0; tries < 100; tries++) {
		memset(&t, 0, sizeof(t));
		t.count = RSM_NODE_ID_MAX;
		t.entries = (__u64)(uintptr_t)e;
		if (ioctl(fd, RSM_IOC_TOPOLOGY, &t))
			return 0;
		for (i = 0; i < t.count && i < RSM_NODE_ID_MAX; i++)
			if (e[i].state == RSM_CHAN_ACTIVE)
				return e[i].remote_node;
		if (!t.count)
			return 0;
		usleep(100000);
	}
	return 0;
}

FIXTURE_SETUP(fuzz)
{
	struct rsm_api api = { .api = RSM_API_VERSION };
	struct rsm_ctrl_attr a;
	struct rsm_topo t = { 0 };
	const char *nodes = getenv("RSM_NODES");
	size_t off;
	int i, memfd;

	for (i = 0; i < STABLE_SEGS; i++)
		self->stable[i] = -1;
	self->fd = rsm_open();
	if (self->fd < 0)
		SETUP_SKIP("%s: %s (module not loaded)", RSM_DEV,
			   strerror(errno));
	memset(&fz, 0, sizeof(fz));
	fz.pg = sysconf(_SC_PAGESIZE);
	self->seed = rsm_env_u64("RSM_FUZZ_SEED", FUZZ_SEED_DEFAULT);
	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_API, &api));
	fz.ioctls = api.ioctls;
	ASSERT_EQ(0, query(self->fd, RSM_CTRL_LOOPBACK_NAME, &a));
	fz.lo_id = a.id;
	fz.rdma = rsm_rdma_ctrl();
	if (fz.rdma && !query(self->fd, fz.rdma, &a))
		fz.rdma_id = a.id;
	else
		fz.rdma = NULL;
	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_TOPOLOGY, &t));
	fz.node = t.local_node;
	fz.nodes = nodes ? atoi(nodes) : 1;
	if (fz.rdma && fz.nodes >= 2)
		fz.other = find_other(self->fd);

	/*
	 * [arena][shm][PROT_NONE][read only][2 spare][per thread: 4]
	 * Each thread: [args][edge][PROT_NONE][read only copy].
	 */
	self->mem_len = (ARENA_PAGES + SHM_PAGES + 4 + 4 * NTHREADS) * fz.pg;
	self->mem = mmap(NULL, self->mem_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 0x5a, self->mem_len);
	fz.arena = self->mem;
	off = ARENA_PAGES * fz.pg;
	memfd = memfd_create("rsm-fuzz", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, SHM_PAGES * fz.pg));
	fz.shm = mmap(self->mem + off, SHM_PAGES * fz.pg,
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd, 0);
	ASSERT_NE(MAP_FAILED, fz.shm);
	off += SHM_PAGES * fz.pg;
	fz.none = self->mem + off;
	ASSERT_EQ(0, mprotect(fz.none, fz.pg, PROT_NONE));
	fz.rodata = fz.none + fz.pg;
	ASSERT_EQ(0, mprotect(fz.rodata, fz.pg, PROT_READ));
	self->thread_mem = fz.rodata + 3 * fz.pg;
	for (i = 0; i < NTHREADS; i++)
		ASSERT_EQ(0, mprotect(self->thread_mem + (4 * i + 2) * fz.pg,
				      fz.pg, PROT_NONE));

	fz.others[0] = memfd;
	fz.others[1] = open("/dev/null", O_RDWR | O_CLOEXEC);
	fz.others[2] = eventfd(0, EFD_CLOEXEC);
	fz.others[3] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_EQ(0, pipe2(&fz.others[4], O_CLOEXEC));
	ASSERT_EQ(-1, fcntl(CLOSED_FD, F_GETFD));

	self->counters = !rsm_node_get(&self->base);
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 0; i < STABLE_SEGS; i++)
		if (self->stable[i] >= 0)
			close(self->stable[i]);
	for (i = 0; i < NSLOTS; i++)
		if (fz.slots[i].fd > 0)
			close(fz.slots[i].fd);
	if (self->fd >= 0)
		close(self->fd);
	preempt_restore();
	set_touch_handler(false);
}

/* Every output field is written: none of the 0xa5 fill comes back. */
TEST_F(fuzz, output_fields_are_written)
{
	struct rsm_topo_entry e[8];
	struct rsm_api api;
	struct rsm_ctrl_attr a;
	struct rsm_topo t;
	struct rsm_export_publish p = { 0 };
	struct rsm_export_create ec;
	struct rsm_import_connect ic;
	struct rsm_barrier b;
	struct rsm_iov iov[2];
	struct rsm_import_vec v;
	char buf[64];
	__u32 i, j, n;
	int exp, imp;

	memset(&api, PATTERN, sizeof(api));
	api.api = RSM_API_VERSION;
	api.reserved = 0;
	api.features = 0;
	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_API, &api));
	EXPECT_EQ(0, api.features);
	EXPECT_NE(PATTERN64, api.ioctls);
	for (i = 0; i < C_NUM; i++)
		EXPECT_TRUE(api.ioctls & 1ULL << _IOC_NR(cmds[i].cmd))
			TH_LOG("number 0x%x not in RSM_IOC_API's ioctls",
			       (unsigned int)_IOC_NR(cmds[i].cmd));
	/* No number the header does not define. */
	for (i = 0; i < 64; i++) {
		for (j = 0; j < C_NUM; j++)
			if (_IOC_NR(cmds[j].cmd) == i)
				break;
		if (j == C_NUM)
			EXPECT_FALSE(api.ioctls & 1ULL << i)
				TH_LOG("RSM_IOC_API reports number 0x%x", i);
	}

	/* By name and by index, with junk after the name. */
	for (i = 0; i < 4; i++) {
		memset(&a, PATTERN, sizeof(a));
		a.reserved = 0;
		if (i < 2) {
			strcpy(a.name, i ? RSM_CTRL_LOOPBACK_NAME :
			       fz.rdma ? fz.rdma : RSM_CTRL_LOOPBACK_NAME);
			a.flags = 0;
			a.index = 0;
		} else {
			memset(a.name, 0, sizeof(a.name));
			a.flags = RSM_CTRL_F_BY_INDEX;
			a.index = i - 2;
		}
		ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_CTRL_QUERY, &a));
		n = strlen(a.name);
		ASSERT_LT(n, sizeof(a.name));
		for (j = n; j < sizeof(a.name); j++)
			ASSERT_EQ(0, a.name[j]);
		EXPECT_NE(PATTERN64, a.id);
		EXPECT_NE(PATTERN64, a.hwaddr);
		EXPECT_TRUE(a.type == RSM_CTRL_TYPE_LOOPBACK ||
			    a.type == RSM_CTRL_TYPE_RDMA);
		EXPECT_EQ(0, a.direct_access_sizes & ~0xfu);
		EXPECT_EQ(0, a.atomic_sizes & ~0xfu);
		EXPECT_EQ(0, a.reserved);
		EXPECT_EQ(fz.pg, (long)a.page_size);
		EXPECT_NE(PATTERN64, a.max_export_segment_size);
		EXPECT_NE(PATTERN64, a.tot_export_segment_size);
		EXPECT_NE(PATTERN64, a.max_export_segments);
		EXPECT_NE(PATTERN64, a.max_import_map_size);
		EXPECT_NE(PATTERN64, a.tot_import_map_size);
		EXPECT_NE(PATTERN64, a.max_import_segments);
	}

	/* Room for more than there are: the rest stays as it was. */
	memset(e, PATTERN, sizeof(e));
	memset(&t, 0, sizeof(t));
	t.count = 8;
	t.entries = (__u64)(uintptr_t)e;
	ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_TOPOLOGY, &t));
	ASSERT_LE(t.count, 8);
	EXPECT_EQ(fz.node, t.local_node);
	for (i = 0; i < t.count; i++) {
		for (j = strlen(e[i].ctrl); j < RSM_CTRL_NAME_MAX; j++)
			ASSERT_EQ(0, e[i].ctrl[j]) TH_LOG("entry %u ctrl", i);
		for (j = strlen(e[i].remote_ctrl); j < RSM_CTRL_NAME_MAX; j++)
			ASSERT_EQ(0, e[i].remote_ctrl[j])
				TH_LOG("entry %u remote_ctrl", i);
		EXPECT_NE(PATTERN64, e[i].remote_hwaddr);
		EXPECT_GE(e[i].state, RSM_CHAN_DOWN);
		EXPECT_LE(e[i].state, RSM_CHAN_GOING_DOWN);
		EXPECT_GE(e[i].remote_node, 1);
		EXPECT_LE(e[i].remote_node, RSM_NODE_ID_MAX);
	}
	for (i = t.count; i < 8; i++)
		for (j = 0; j < sizeof(e[i]); j++)
			ASSERT_EQ(PATTERN, ((unsigned char *)&e[i])[j])
				TH_LOG("entry %u written past the count", i);
	/* Less room than there are: only that much is written. */
	if (t.count) {
		n = t.count;
		memset(e, PATTERN, sizeof(e));
		t.count = n - 1;
		t.local_node = 0;
		ASSERT_EQ(0, rsm_ioctl_err(self->fd, RSM_IOC_TOPOLOGY, &t));
		EXPECT_EQ(n, t.count);
		for (j = 0; j < sizeof(e[0]); j++)
			ASSERT_EQ(PATTERN, ((unsigned char *)&e[n - 1])[j]);
	}

	/* A segment: publish, connect, vectors, barrier. */
	exp = rsm_open();
	imp = rsm_open();
	ASSERT_LE(0, exp);
	ASSERT_LE(0, imp);
	memset(&ec, 0, sizeof(ec));
	strcpy(ec.ctrl, RSM_CTRL_LOOPBACK_NAME);
	memset(ec.ctrl + 9, PATTERN, sizeof(ec.ctrl) - 9);
	ec.vaddr = (__u64)(uintptr_t)fz.arena;
	ec.len = 2 * fz.pg;
	ASSERT_EQ(0, rsm_ioctl_err(exp, RSM_IOC_EXPORT_CREATE, &ec));
	ASSERT_EQ(0, rsm_ioctl_err(exp, RSM_IOC_EXPORT_PUBLISH, &p));
	EXPECT_GE(p.segid, RSM_SEGID_AUTO_BASE);
	memset(&ic, 0, sizeof(ic));
	strcpy(ic.ctrl, RSM_CTRL_LOOPBACK_NAME);
	ic.node = fz.node;
	ic.segid = p.segid;
	ic.perm = 0400;
	ASSERT_EQ(0, rsm_ioctl_err(imp, RSM_IOC_IMPORT_CONNECT, &ic));
	EXPECT_EQ(2 * fz.pg, (long)ic.size);
	EXPECT_EQ(0400, ic.perm);
	EXPECT_EQ(0, ic.reserved);

	iov[0] = (struct rsm_iov){ .offset = 0, .len = 8,
				   .buf = (__u64)(uintptr_t)buf };
	iov[1] = (struct rsm_iov){ .offset = fz.pg, .len = 8,
				   .buf = (__u64)(uintptr_t)buf + 8 };
	memset(&v, 0, sizeof(v));
	v.iov = (__u64)(uintptr_t)iov;
	v.count = 2;
	ASSERT_EQ(0, rsm_ioctl_err(imp, RSM_IOC_IMPORT_GETV, &v));
	EXPECT_EQ(2, v.done);
	/* Written, not granted: EACCES, none done. */
	v.done = 0;
	EXPECT_EQ(EACCES, rsm_ioctl_err(imp, RSM_IOC_IMPORT_PUTV, &v));
	EXPECT_EQ(0, v.done);

	memset(&b, 0, sizeof(b));
	b.op = RSM_BARRIER_OPEN;
	ASSERT_EQ(0, rsm_ioctl_err(imp, RSM_IOC_IMPORT_BARRIER, &b));
	EXPECT_NE(PATTERN64, b.token);
	b.op = RSM_BARRIER_CLOSE;
	EXPECT_EQ(0, rsm_ioctl_err(imp, RSM_IOC_IMPORT_BARRIER, &b));
	close(imp);
	close(exp);
}

/* Stable exports on the RDMA controller that the other node imports. */
static void stable_exports(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fuzz) *self)
{
	struct rsm_export_create c = { .len = 2 * fz.pg };
	struct rsm_export_publish p = { 0 };
	int i;

	if (!fz.rdma || fz.nodes < 2)
		return;
	strcpy(c.ctrl, fz.rdma);
	for (i = 0; i < STABLE_SEGS; i++) {
		self->stable[i] = rsm_open();
		ASSERT_LE(0, self->stable[i]);
		c.vaddr = (__u64)(uintptr_t)fz.arena +
			  (ARENA_PAGES - 2 * (i + 1)) * fz.pg;
		ASSERT_EQ(0, rsm_ioctl_err(self->stable[i],
					   RSM_IOC_EXPORT_CREATE, &c));
		p.segid = SEGID_BASE + fz.node * SEGID_RANGE + i;
		ASSERT_EQ(0, rsm_ioctl_err(self->stable[i],
					   RSM_IOC_EXPORT_PUBLISH, &p));
	}
}

/*
 * Wait for the threads; when no call returns for STALL_SECONDS, print
 * every blocked task's kernel stack: a hang is a finding, and the
 * threads cannot be killed out of it.
 */
static bool watch_threads(struct fuzzer *f)
{
	unsigned long last = 0, now;
	bool stalled = false;
	int i, idle = 0;

	while (__atomic_load_n(&fz.done, __ATOMIC_ACQUIRE) < NTHREADS) {
		sleep(1);
		for (now = 0, i = 0; i < NTHREADS; i++)
			now += __atomic_load_n(&f[i].calls, __ATOMIC_RELAXED);
		idle = now == last ? idle + 1 : 0;
		last = now;
		if (idle == STALL_SECONDS) {
			printf("# no ioctl returned for %d s: a hang; blocked tasks:\n",
			       STALL_SECONDS);
			rsm_dump_blocked();
			stalled = true;
		}
	}
	return !stalled;
}

/* The most frequent errnos of a command, for the log. */
static void log_errnos(struct __test_metadata *_metadata, int c)
{
	char buf[256];
	int e, k, best, n = 0;
	unsigned long seen[ERRNO_MAX];

	memcpy(seen, fz.errs[c], sizeof(seen));
	buf[0] = 0;
	for (k = 0; k < 6; k++) {
		best = 0;
		for (e = 1; e < ERRNO_MAX; e++)
			if (seen[e] > seen[best])
				best = e;
		if (!seen[best])
			break;
		n += snprintf(buf + n, sizeof(buf) - n, " %s %lu",
			      strerrorname_np(best), seen[best]);
		seen[best] = 0;
	}
	TH_LOG("%-16s ok %lu,%s", cmds[c].name, fz.deep[c], buf);
}

/*
 * Stop new connects from the other node first and let those in flight
 * finish, so that the other node's fuzzer keeps its imports of these to
 * the end.
 */
static void close_stable_exports(FIXTURE_DATA(fuzz) *self)
{
	struct rsm_acl_entry acl = { .node = fz.node, .perm = 0600 };
	struct rsm_export_publish p = { .acl = (__u64)(uintptr_t)&acl,
					.acl_len = 1 };
	bool any = false;
	int i;

	for (i = 0; i < STABLE_SEGS; i++)
		if (self->stable[i] >= 0 &&
		    !ioctl(self->stable[i], RSM_IOC_EXPORT_REPUBLISH, &p))
			any = true;
	if (any)
		sleep(2);
	for (i = 0; i < STABLE_SEGS; i++) {
		if (self->stable[i] >= 0)
			close(self->stable[i]);
		self->stable[i] = -1;
	}
}

TEST_F_TIMEOUT(fuzz, random_ioctls_leak_nothing, 3600)
{
	struct fuzzer f[NTHREADS];
	pthread_t th[NTHREADS];
	__u64 calls = rsm_env_u64("RSM_FUZZ_CALLS", FUZZ_CALLS_DEFAULT);
	struct timespec t0, t1;
	char b0[256];
	unsigned long total = 0;
	double secs;
	int i, j, kmsg;

	if (!self->counters)
		TH_LOG("no RSM_A_COUNTERS: the leak check is skipped");
	TH_LOG("seed %llu (RSM_FUZZ_SEED), %llu calls (RSM_FUZZ_CALLS), %d threads, node %u, other node %u, rdma %s",
	       (unsigned long long)self->seed, (unsigned long long)calls,
	       NTHREADS, fz.node, fz.other, fz.rdma ? fz.rdma : "none");
	fz.remote_maps = rsm_env_u64("RSM_FUZZ_REMOTE_MAPS", 1);
	TH_LOG("preemption: %s%s", preempt_full(),
	       fz.remote_maps ? "" : "; RSM_FUZZ_REMOTE_MAPS=0: remote mappings untouched");
	kmsg = rsm_kmsg_open();
	set_touch_handler(true);
	stable_exports(_metadata, self);
	for (i = 0; i < NSLOTS; i++) {
		fz.slots[i].fd = rsm_open();
		ASSERT_LE(0, fz.slots[i].fd);
	}
	fz.calls_per_thread = (calls + NTHREADS - 1) / NTHREADS;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NTHREADS; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].id = i;
		f[i].rng.s = (self->seed + 1) * 0x9e3779b97f4a7c15ULL +
			     (__u64)i * 0xbf58476d1ce4e5b9ULL;
		f[i].ctl = rsm_open();
		ASSERT_LE(0, f[i].ctl);
		f[i].page = self->thread_mem + 4 * i * fz.pg;
		f[i].edge = f[i].page + fz.pg;
		f[i].ro = f[i].page + 3 * fz.pg;
		for (j = 0; j < NPRIV; j++)
			f[i].priv[j].fd = -1;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, fuzz_thread, &f[i]));
	}
	EXPECT_TRUE(watch_threads(f));
	EXPECT_EQ(0, rsm_kmsg_channel_drops(kmsg));
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		total += f[i].calls;
		close(f[i].ctl);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	preempt_restore();
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	TH_LOG("%lu ioctls in %.1f s (%.0f/s), %lu children, %lu violations",
	       total, secs, total / secs, fz.forks, fz.violations);
	b0[0] = 0;
	for (i = 0; i < C_NUM; i++)
		snprintf(b0 + strlen(b0), sizeof(b0) - strlen(b0), " %s %lu",
			 cmds[i].name + (i >= C_CREATE ? 7 : 0), fz.deep[i]);
	TH_LOG("successes:%s", b0);
	for (i = 0; i < C_NUM; i++)
		log_errnos(_metadata, i);
	TH_LOG("%lu remote connects; %lu mmaps, %lu touch runs completed, %lu ended by a signal, %lu other mapping calls, %lu poll/fsync/read/write",
	       fz.remote_connects, fz.mmaps, fz.touches, fz.signals,
	       fz.map_ops, fz.syscalls);
	EXPECT_EQ(0, fz.violations);
	EXPECT_GE(total, calls);
	/* The deep paths were reached. */
	EXPECT_LT(0, fz.deep[C_CREATE]);
	EXPECT_LT(0, fz.deep[C_PUBLISH]);
	EXPECT_LT(0, fz.deep[C_CONNECT]);
	EXPECT_LT(0, fz.deep[C_GET] + fz.deep[C_PUT]);

	for (i = 0; i < NSLOTS; i++) {
		if (fz.slots[i].fd >= 0)
			close(fz.slots[i].fd);
		fz.slots[i].fd = -1;
	}
	close_stable_exports(self);
	if (!self->counters)
		return;
	rsm_cnt_str(self->base.cnt, b0, sizeof(b0));
	TH_LOG("counters before:%s", b0);
	EXPECT_TRUE(rsm_cnt_settle(_metadata, self->base.cnt, false,
				   SETTLE_SECONDS));
}

TEST_HARNESS_MAIN
