// SPDX-License-Identifier: GPL-2.0
/*
 * The two-node RSMAPI benchmarks.
 *
 * Role 1 (node 1) exports a control page, a data segment and a signal
 * segment; role 2 (node 2) exports a control page. Each imports the
 * other's control page, role 2 also the data and signal segments. Both
 * run the same sequence of phases and meet between phases in sync(): a
 * signal posted through the import of the other's control page, and a
 * wait on the own one. Nothing else is exchanged, so the nodes only need
 * the same options.
 *
 * Round trips are ping-pongs like perftest's: one side puts a sequence
 * number into the other's control page and spins on its own until the
 * answer arrives, and half the round trip is reported, as ib_write_lat
 * does. A sample is one operation timed with CLOCK_MONOTONIC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rsmbench.h"

#define PAGE			4096UL
#define VEC_ENTRIES		16
#define VEC_STRIDE		PAGE
#define BW_MIN_SIZE		(4 * KIB)

struct lseg {
	void *mem;
	size_t size;
	rsm_memseg_export_handle_t h;
	rsm_memseg_id_t id;
};

struct rseg {
	rsm_memseg_import_handle_t h;
	rsmapi_barrier_t bar;
	bool bar_ok;
};

struct bench {
	struct opts *o;
	rsmapi_controller_handle_t ctrl;
	int role;
	rsm_node_id_t peer;
	struct lseg ctl, data, sig;	/* own exports */
	struct rseg pctl, pdata, psig;	/* imports of the other's */
	uint64_t seq;			/* ping-pong sequence, both alike */
	size_t data_size;
	bool dead;			/* the other node is gone */
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	asm volatile("pause" ::: "memory");
#else
	asm volatile("" ::: "memory");
#endif
}

static void *map_pages(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, size);	/* fault the pages in */
	return p;
}

static void sleep_ms(int ms)
{
	usleep(ms * 1000);
}

/* Export and publish @size bytes as segment @id, for the other node. */
static int seg_export(struct bench *b, struct lseg *s, rsm_memseg_id_t id,
		      size_t size, const char *what)
{
	rsmapi_access_entry_t acl = { b->peer, 0666 };
	int ret;

	s->size = size;
	s->id = id;
	s->mem = map_pages(size);
	if (!s->mem) {
		tap(false, "export %s: mmap %zu bytes: %s", what, size,
		    strerror(errno));
		return RSMERR_INSUFFICIENT_MEM;
	}
	ret = rsm_memseg_export_create(b->ctrl, &s->h, s->mem, size, 0);
	if (!ret) {
		ret = rsm_memseg_export_publish(s->h, &s->id, &acl, 1);
		if (ret) {
			rsm_memseg_export_destroy(s->h);
			s->h = NULL;
		}
	}
	tap(!ret, "export and publish %s (id %#x, %zu bytes)%s%s", what, id,
	    size, ret ? ": " : "", ret ? rsm_strerror(ret) : "");
	return ret;
}

static void seg_unexport(struct lseg *s)
{
	if (s->h)
		rsm_memseg_export_destroy(s->h);
	if (s->mem)
		munmap(s->mem, s->size);
	memset(s, 0, sizeof(*s));
}

/*
 * Connect to the other node's segment @id, retrying while it is not
 * published yet (the other node may still be starting), then set up the
 * barrier that implicit mode needs.
 */
static int seg_import(struct bench *b, struct rseg *r, rsm_memseg_id_t id,
		      const char *what)
{
	uint64_t end = now_ns() + (uint64_t)b->o->timeout_ms * 1000000;
	int ret;

	for (;;) {
		ret = rsm_memseg_import_connect(b->ctrl, b->peer, id,
						RSM_PERM_RDWR, &r->h);
		if (ret != RSMERR_SEG_NOT_PUBLISHED &&
		    ret != RSMERR_SEG_NOT_PUBLISHED_TO_NODE &&
		    ret != RSMERR_REMOTE_NODE_UNREACHABLE)
			break;
		if (now_ns() > end)
			break;
		sleep_ms(100);
	}
	if (!ret) {
		ret = rsm_memseg_import_init_barrier(r->h, RSM_BAR_DEFAULT,
						     &r->bar);
		r->bar_ok = !ret;
	}
	tap(!ret, "connect to %s (node %u, id %#x)%s%s", what, b->peer, id,
	    ret ? ": " : "", ret ? rsm_strerror(ret) : "");
	return ret;
}

static void seg_unimport(struct rseg *r)
{
	if (r->bar_ok)
		rsm_memseg_import_destroy_barrier(&r->bar);
	if (r->h)
		rsm_memseg_import_disconnect(r->h);
	memset(r, 0, sizeof(*r));
}

/*
 * Meet the other node: one event to its control page, then wait for its
 * event on ours. A node that does not come ends the run.
 */
static int sync_peer(struct bench *b, const char *where)
{
	int ret;

	if (b->dead)
		return RSMERR_CONN_ABORTED;
	ret = rsm_intr_signal_post(b->pctl.h, 0);
	if (!ret)
		ret = rsm_intr_signal_wait(b->ctl.h, b->o->timeout_ms);
	if (ret) {
		tap(false, "meet node %u %s: %s", b->peer, where,
		    rsm_strerror(ret));
		b->dead = true;
	}
	return ret;
}

/*
 * Spin on own memory until the other node's put of @v arrived, or look
 * every @poll_us microseconds and sleep in between.
 */
static int spin_until(struct bench *b, const uint64_t *p, uint64_t v,
		      int poll_us)
{
	uint64_t end = now_ns() + (uint64_t)b->o->timeout_ms * 1000000 / 4;
	unsigned long n = 0;

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != v) {
		if (poll_us) {
			usleep(poll_us);
			if (now_ns() > end)
				return RSMERR_TIMEOUT;
			continue;
		}
		if (!(++n & 0xfff) && now_ns() > end)
			return RSMERR_TIMEOUT;
		cpu_relax();
	}
	return RSM_SUCCESS;
}

/* One 8-byte put to offset 0 of the other's control page. */
static int put_seq(struct bench *b, bool explicit, uint64_t seq)
{
	int ret, ret2;

	if (!explicit)
		return rsm_memseg_import_put64(b->pctl.h, 0, &seq, 1);
	ret = rsm_memseg_import_open_barrier(&b->pctl.bar);
	if (ret)
		return ret;
	ret = rsm_memseg_import_put64(b->pctl.h, 0, &seq, 1);
	ret2 = rsm_memseg_import_close_barrier(&b->pctl.bar);
	return ret ? ret : ret2;
}

/*
 * Put ping-pong: role 2 puts and times, role 1 answers. Samples are half
 * round trips, as ib_write_lat reports them. Both sides spin on their
 * memory, as ib_write_lat does, or with @poll_us look and sleep.
 */
static int put_pingpong(struct bench *b, bool explicit, int poll_us)
{
	const char *name = poll_us ? "put_lat_sleep" :
			   explicit ? "put_lat_expl" : "put_lat_impl";
	const uint64_t *mine = b->ctl.mem;
	struct opts *o = b->o;
	struct samples s;
	int r, i, ret;

	ret = rsm_memseg_import_set_mode(b->pctl.h, explicit ?
					 RSM_BARRIER_MODE_EXPLICIT :
					 RSM_BARRIER_MODE_IMPLICIT);
	if (ret) {
		tap(false, "%s: set_mode: %s", name, rsm_strerror(ret));
		return ret;
	}
	samples_init(&s);
	for (r = 0; r < o->runs && !ret; r++) {
		for (i = 0; i < o->warmup + o->iters && !ret; i++) {
			uint64_t seq = ++b->seq, t0 = now_ns();

			if (b->role == 2) {
				ret = put_seq(b, explicit, seq);
				if (!ret)
					ret = spin_until(b, mine, seq, poll_us);
				if (!ret && i >= o->warmup)
					samples_add(&s, elapsed_us(t0) / 2);
			} else {
				ret = spin_until(b, mine, seq, poll_us);
				if (!ret)
					ret = put_seq(b, explicit, seq);
			}
		}
	}
	rsm_memseg_import_set_mode(b->pctl.h, RSM_BARRIER_MODE_IMPLICIT);
	if (b->role == 2) {
		emit_samples(o, name, 8, "us", &s);
		summary(name, 8, "us", &s);
	}
	tap(!ret, "8-byte put ping-pong, %s barrier mode, %s (%s)%s%s",
	    explicit ? "explicit" : "implicit", poll_us ? "sleeping" : "spinning",
	    b->role == 2 ? "ping" : "pong", ret ? ": " : "",
	    ret ? rsm_strerror(ret) : "");
	samples_free(&s);
	return ret;
}

/* Role 2 alone: time single 8-byte gets, or single 8-byte puts. */
static int single_ops(struct bench *b, bool put)
{
	const char *name = put ? "put_call" : "get_lat";
	struct opts *o = b->o;
	struct samples s;
	uint64_t v = 0;
	int r, i, ret = 0;

	samples_init(&s);
	for (r = 0; r < o->runs && !ret; r++) {
		for (i = 0; i < o->warmup + o->iters && !ret; i++) {
			uint64_t t0 = now_ns();

			if (put)
				ret = rsm_memseg_import_put64(b->pdata.h, 8,
							      &v, 1);
			else
				ret = rsm_memseg_import_get64(b->pdata.h, 8,
							      &v, 1);
			if (!ret && i >= o->warmup)
				samples_add(&s, elapsed_us(t0));
		}
	}
	emit_samples(o, name, 8, "us", &s);
	summary(name, 8, "us", &s);
	tap(!ret, "8-byte %s, one call each%s%s", put ? "put" : "get",
	    ret ? ": " : "", ret ? rsm_strerror(ret) : "");
	samples_free(&s);
	return ret;
}

/*
 * Role 2 alone: what explicit barrier mode adds to an access, an
 * open_barrier and close_barrier pair with nothing between.
 */
static int barrier_pairs(struct bench *b)
{
	struct opts *o = b->o;
	struct samples s;
	int i, ret = 0;

	samples_init(&s);
	for (i = 0; i < o->warmup + o->iters * o->runs && !ret; i++) {
		uint64_t t0 = now_ns();

		ret = rsm_memseg_import_open_barrier(&b->pdata.bar);
		if (!ret)
			ret = rsm_memseg_import_close_barrier(&b->pdata.bar);
		if (!ret && i >= o->warmup)
			samples_add(&s, elapsed_us(t0));
	}
	emit_samples(o, "barrier_pair", 0, "us", &s);
	summary("barrier_pair", 0, "us", &s);
	tap(!ret, "open_barrier + close_barrier%s%s", ret ? ": " : "",
	    ret ? rsm_strerror(ret) : "");
	samples_free(&s);
	return ret;
}

/* Signal ping-pong: role 2 posts and waits, role 1 waits and posts. */
static int signal_pingpong(struct bench *b)
{
	struct opts *o = b->o;
	struct samples s;
	int r, i, ret = 0;

	samples_init(&s);
	for (r = 0; r < o->runs && !ret; r++) {
		for (i = 0; i < o->warmup + o->iters && !ret; i++) {
			uint64_t t0 = now_ns();

			if (b->role == 2) {
				ret = rsm_intr_signal_post(b->psig.h, 0);
				if (!ret)
					ret = rsm_intr_signal_wait(b->psig.h,
								   o->timeout_ms / 4);
				if (!ret && i >= o->warmup)
					samples_add(&s, elapsed_us(t0) / 2);
			} else {
				ret = rsm_intr_signal_wait(b->sig.h,
							   o->timeout_ms / 4);
				if (!ret)
					ret = rsm_intr_signal_post(b->sig.h, 0);
			}
		}
	}
	if (b->role == 2) {
		emit_samples(o, "sig_lat", 0, "us", &s);
		summary("sig_lat", 0, "us", &s);
	}
	tap(!ret, "signal post->wait ping-pong (%s)%s%s",
	    b->role == 2 ? "ping" : "pong", ret ? ": " : "",
	    ret ? rsm_strerror(ret) : "");
	samples_free(&s);
	return ret;
}

/**
 * bw_first() - the smallest size of the put/get sweep
 * @o: the options
 *
 * The sweep is 4 KiB x 4^k from bw_first() to bw_last().
 * Return: the first such size not below o->min_bw.
 */
size_t bw_first(const struct opts *o)
{
	size_t size = BW_MIN_SIZE;

	while (size < o->min_bw)
		size *= 4;
	return size;
}

/**
 * bw_last() - the largest size of the put/get sweep
 * @o: the options
 *
 * Return: the last size not above o->max_bw, and 4 KiB at least.
 */
size_t bw_last(const struct opts *o)
{
	size_t size = BW_MIN_SIZE;

	while (size * 4 <= o->max_bw)
		size *= 4;
	return size;
}

/*
 * Role 2 alone: put or get of @size bytes at offset 0 of the data
 * segment, repeated until the time budget is spent (at least 3 times,
 * quick: once). Samples: time per operation and bandwidth.
 */
static int bw_one(struct bench *b, void *buf, size_t size, bool put)
{
	const char *op = put ? "put" : "get";
	struct opts *o = b->o;
	struct samples t, bw;
	char name[32], sz[16];
	uint64_t start;
	int min_n = o->quick ? 1 : 3, max_n = o->quick ? 2 : 200;
	int ret = 0;

	samples_init(&t);
	samples_init(&bw);
	/* One unmeasured operation, where it is cheap. */
	if (size < MIB)
		ret = put ? rsm_memseg_import_put(b->pdata.h, 0, buf, size) :
			    rsm_memseg_import_get(b->pdata.h, 0, buf, size);
	start = now_ns();
	while (!ret && (int)t.n < max_n &&
	       ((int)t.n < min_n || elapsed_us(start) < o->bw_budget * 1e6)) {
		uint64_t t0 = now_ns();
		double us;

		ret = put ? rsm_memseg_import_put(b->pdata.h, 0, buf, size) :
			    rsm_memseg_import_get(b->pdata.h, 0, buf, size);
		us = elapsed_us(t0);
		if (!ret) {
			samples_add(&t, us);
			samples_add(&bw, (double)size / MIB / (us / 1e6));
		}
	}
	snprintf(name, sizeof(name), "%s_op", op);
	emit_samples(o, name, size, "us", &t);
	snprintf(name, sizeof(name), "%s_bw", op);
	emit_samples(o, name, size, "MiB/s", &bw);
	summary(name, size, "MiB/s", &bw);
	tap(!ret, "%s of %s bytes%s%s", op, size_str(size, sz, sizeof(sz)),
	    ret ? ": " : "", ret ? rsm_strerror(ret) : "");
	samples_free(&t);
	samples_free(&bw);
	return ret;
}

static int bandwidth(struct bench *b)
{
	size_t size;
	void *buf;
	int ret = 0, r;

	if (b->role != 2)
		return 0;
	buf = map_pages(b->data_size);
	if (!buf) {
		tap(false, "put/get sweep: no memory for %zu bytes",
		    b->data_size);
		return RSMERR_INSUFFICIENT_MEM;
	}
	memset(buf, 0x5a, b->data_size);
	for (size = bw_first(b->o); size <= b->data_size; size *= 4) {
		r = bw_one(b, buf, size, true);
		ret = ret ? ret : r;
		r = bw_one(b, buf, size, false);
		ret = ret ? ret : r;
	}
	munmap(buf, b->data_size);
	return ret;
}

/*
 * Role 2 alone: putv and getv of 16 entries of 8 bytes, a page apart,
 * next to 16 single put64/get64 calls over the same entries.
 */
static int vectors(struct bench *b)
{
	uint64_t vals[VEC_ENTRIES] = { 0 };
	rsm_iovec_t iov[VEC_ENTRIES];
	rsm_scat_gath_t sg = { 0 };
	struct opts *o = b->o;
	static const char * const names[] = {
		"putv16", "put16_loop", "getv16", "get16_loop"
	};
	int k, i, j, n, ret = 0;

	if (b->role != 2)
		return 0;
	for (i = 0; i < VEC_ENTRIES; i++) {
		iov[i].io_type = RSM_VA_TYPE;
		iov[i].local.vaddr = (caddr_t)vals;
		iov[i].local_offset = i * sizeof(vals[0]);
		iov[i].remote_offset = i * VEC_STRIDE;
		iov[i].transfer_length = sizeof(vals[0]);
	}
	sg.local_nodeid = b->o->node;
	sg.remote_handle = b->pdata.h;
	sg.iovec = iov;
	n = o->quick ? 2 : o->iters;
	for (k = 0; k < 4 && !ret; k++) {
		struct samples s;

		samples_init(&s);
		for (i = 0; i < n + 1 && !ret; i++) {
			uint64_t t0 = now_ns();

			sg.io_request_count = VEC_ENTRIES;
			switch (k) {
			case 0:
				ret = rsm_memseg_import_putv(&sg);
				break;
			case 2:
				ret = rsm_memseg_import_getv(&sg);
				break;
			default:
				for (j = 0; j < VEC_ENTRIES && !ret; j++)
					ret = k == 1 ?
					rsm_memseg_import_put64(b->pdata.h,
								j * VEC_STRIDE,
								&vals[j], 1) :
					rsm_memseg_import_get64(b->pdata.h,
								j * VEC_STRIDE,
								&vals[j], 1);
			}
			if (!ret && (k == 0 || k == 2) && sg.io_residual_count)
				ret = RSMERR_BAD_SGIO;
			if (!ret && i)
				samples_add(&s, elapsed_us(t0));
		}
		emit_samples(o, names[k], VEC_ENTRIES, "us", &s);
		summary(names[k], VEC_ENTRIES, "us", &s);
		tap(!ret, "%s, 16 entries of 8 bytes%s%s", names[k],
		    ret ? ": " : "", ret ? rsm_strerror(ret) : "");
		samples_free(&s);
	}
	return ret;
}

/*
 * Connect time against the number of segments the exporter has
 * published: role 1 publishes one-page segments up to each level, role 2
 * connects to (and disconnects from) the newest one. The levels are
 * visited up and back down (10, 1000, 10000, 1000, 10), the top one for
 * twice as long, so that every level has as many samples and a drift of
 * the machine over the minutes of the sweep weighs on all levels alike.
 */
struct many {
	void *mem;
	rsm_memseg_export_handle_t *h;
	int n;
};

static int many_grow(struct bench *b, struct many *m, int level)
{
	rsmapi_access_entry_t acl = { b->peer, 0666 };
	uint64_t t0 = now_ns();
	int from = m->n, ret = 0;
	char key[32];

	while (m->n < level && !ret) {
		rsm_memseg_id_t id = SEGID_MANY + m->n;

		ret = rsm_memseg_export_create(b->ctrl, &m->h[m->n],
					       (char *)m->mem + m->n * PAGE,
					       PAGE, 0);
		if (ret)
			break;
		ret = rsm_memseg_export_publish(m->h[m->n], &id, &acl, 1);
		if (ret) {
			rsm_memseg_export_destroy(m->h[m->n]);
			break;
		}
		m->n++;
	}
	snprintf(key, sizeof(key), "publish_%d", level);
	emit_info(b->o, key, "%d segments in %.1f ms", m->n - from,
		  elapsed_us(t0) / 1000);
	note("published %d more one-page segments in %.1f ms (%d in all)",
	     m->n - from, elapsed_us(t0) / 1000, m->n);
	tap(!ret, "export and publish %d one-page segments%s%s", level,
	    ret ? ": " : "", ret ? rsm_strerror(ret) : "");
	return ret;
}

/* Destroy the newest segments down to @level. */
static void many_shrink(struct bench *b, struct many *m, int level)
{
	uint64_t t0 = now_ns();
	int from = m->n;
	char key[32];

	if (m->n <= level)
		return;
	while (m->n > level)
		rsm_memseg_export_destroy(m->h[--m->n]);
	snprintf(key, sizeof(key), "destroy_to_%d", level);
	emit_info(b->o, key, "%d segments in %.1f ms", from - level,
		  elapsed_us(t0) / 1000);
}

/* @n connects to the newest of @level segments. */
static int connect_times(struct bench *b, int level, int n)
{
	struct opts *o = b->o;
	rsm_memseg_id_t id = SEGID_MANY + level - 1;
	rsm_memseg_import_handle_t h;
	struct samples s;
	int i, ret = 0;

	samples_init(&s);
	for (i = 0; i < n + 1 && !ret; i++) {
		uint64_t t0 = now_ns();

		ret = rsm_memseg_import_connect(b->ctrl, b->peer, id,
						RSM_PERM_RDWR, &h);
		if (ret)
			break;
		if (i)
			samples_add(&s, elapsed_us(t0));
		ret = rsm_memseg_import_disconnect(h);
	}
	emit_samples(o, "connect", level, "us", &s);
	summary("connect", level, "us", &s);
	tap(!ret, "connect with %d segments published%s%s", level,
	    ret ? ": " : "", ret ? rsm_strerror(ret) : "");
	samples_free(&s);
	return ret;
}

static int connects(struct bench *b)
{
	struct opts *o = b->o;
	int max = o->levels[o->nlevels - 1], ret = 0, r, v, level;
	/* A connect is a round trip of the control channel: noisy. */
	int n = o->quick ? 3 : 5 * o->iters;
	struct many m = { 0 };
	struct rlimit rl;
	bool top;

	if (b->role == 1) {
		/* One file per segment: raise the limit (root may). */
		if (!getrlimit(RLIMIT_NOFILE, &rl) &&
		    rl.rlim_cur < (rlim_t)max + 256) {
			rl.rlim_cur = max + 256;
			if (rl.rlim_max < rl.rlim_cur)
				rl.rlim_max = rl.rlim_cur;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		m.mem = map_pages((size_t)max * PAGE);
		m.h = calloc(max, sizeof(*m.h));
		if (!m.mem || !m.h) {
			tap(false, "connect test: no memory for %d segments",
			    max);
			ret = RSMERR_INSUFFICIENT_MEM;
		}
	}
	/* Visit v goes up to the top level, then back down. */
	for (v = 0; v < 2 * o->nlevels - 1; v++) {
		top = v == o->nlevels - 1;
		level = o->levels[v < o->nlevels ? v : 2 * o->nlevels - 2 - v];
		if (b->role == 1 && !ret && v < o->nlevels)
			ret = many_grow(b, &m, level);
		if (b->role == 1)
			many_shrink(b, &m, level);
		if (sync_peer(b, "before connecting"))
			break;
		if (b->role == 2) {
			r = connect_times(b, level, top && o->nlevels > 1 ?
					  2 * n : n);
			ret = ret ? ret : r;
		}
		if (sync_peer(b, "after connecting"))
			break;
	}
	if (b->role == 1) {
		many_shrink(b, &m, 0);
		free(m.h);
		if (m.mem)
			munmap(m.mem, (size_t)max * PAGE);
	}
	return ret;
}

static int setup(struct bench *b)
{
	rsm_memseg_id_t mine = SEGID_ROLE(b->o, b->role);
	rsm_memseg_id_t theirs = SEGID_ROLE(b->o, b->role == 1 ? 2 : 1);
	int ret;

	ret = rsm_get_controller(b->o->ctrl, &b->ctrl);
	tap(!ret, "get controller %s%s%s", b->o->ctrl, ret ? ": " : "",
	    ret ? rsm_strerror(ret) : "");
	if (ret)
		return ret;
	ret = seg_export(b, &b->ctl, mine + SEGID_CTL, PAGE, "control page");
	if (!ret && b->role == 1)
		ret = seg_export(b, &b->data, mine + SEGID_DATA, b->data_size,
				 "data segment");
	if (!ret && b->role == 1)
		ret = seg_export(b, &b->sig, mine + SEGID_SIG, PAGE,
				 "signal segment");
	if (!ret)
		ret = seg_import(b, &b->pctl, theirs + SEGID_CTL,
				 "the other control page");
	if (!ret && b->role == 2)
		ret = seg_import(b, &b->pdata, theirs + SEGID_DATA,
				 "the data segment");
	if (!ret && b->role == 2)
		ret = seg_import(b, &b->psig, theirs + SEGID_SIG,
				 "the signal segment");
	if (!ret)
		ret = sync_peer(b, "after connecting");
	return ret;
}

static void teardown(struct bench *b)
{
	seg_unimport(&b->psig);
	seg_unimport(&b->pdata);
	seg_unimport(&b->pctl);
	seg_unexport(&b->sig);
	seg_unexport(&b->data);
	seg_unexport(&b->ctl);
	if (b->ctrl)
		rsm_release_controller(b->ctrl);
}

/* After a phase that returned @r: keep the first error, meet the other. */
static int phase(struct bench *b, int r, const char *where, int *ret)
{
	if (r && !*ret)
		*ret = r;
	return sync_peer(b, where);
}

/**
 * bench_run() - the RSMAPI benchmarks, in this process's role
 * @o: the options; o->role says which side this is
 *
 * Return: 0 or the first RSMAPI error.
 */
int bench_run(struct opts *o)
{
	struct bench b = { .o = o, .role = o->role, .peer = o->peer };
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	size_t size;
	int ret;

	/* Exports pin memory: lift the limit where allowed (root). */
	setrlimit(RLIMIT_MEMLOCK, &rl);
	size = bw_last(o);
	b.data_size = size < VEC_ENTRIES * VEC_STRIDE ?
		      VEC_ENTRIES * VEC_STRIDE : size;

	ret = setup(&b);
	if (ret)
		goto out;
	/* Both nodes go through the same phases; one that fails ends. */
	if ((o->groups & GRP_LAT) &&
	    (phase(&b, put_pingpong(&b, false, 0), "after implicit puts",
		   &ret) ||
	     phase(&b, put_pingpong(&b, true, 0), "after explicit puts",
		   &ret) ||
	     phase(&b, put_pingpong(&b, false, o->poll_us),
		   "after sleeping puts", &ret) ||
	     phase(&b, b.role == 2 ? single_ops(&b, false) : 0,
		   "after gets", &ret) ||
	     phase(&b, b.role == 2 ? single_ops(&b, true) : 0,
		   "after single puts", &ret) ||
	     phase(&b, b.role == 2 ? barrier_pairs(&b) : 0,
		   "after barriers", &ret)))
		goto out;
	if ((o->groups & GRP_SIG) &&
	    phase(&b, signal_pingpong(&b), "after signals", &ret))
		goto out;
	if ((o->groups & GRP_VEC) &&
	    phase(&b, vectors(&b), "after putv/getv", &ret))
		goto out;
	if ((o->groups & GRP_BW) &&
	    phase(&b, bandwidth(&b), "after put/get sweep", &ret))
		goto out;
	if ((o->groups & GRP_EXPORT) &&
	    phase(&b, b.role == 1 ? pin_bench(o, b.ctrl) : 0,
		  "after export cost", &ret))
		goto out;
	if (o->groups & GRP_CONNECT)
		phase(&b, connects(&b), "after connect times", &ret);
out:
	if (b.dead && !ret)
		ret = RSMERR_CONN_ABORTED;
	teardown(&b);
	return ret;
}
