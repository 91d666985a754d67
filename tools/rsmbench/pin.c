// SPDX-License-Identifier: GPL-2.0
/*
 * What an export costs, next to pinning alone. For each size, once as
 * the system maps anonymous memory (transparent huge pages where it uses
 * them) and once with MADV_NOHUGEPAGE (4 KiB pages, series "..._4k"), the
 * same freshly mapped and touched buffer is, in turn:
 *   exported and published (rsm_memseg_export_create + _publish), timed
 *   together, then unpublished and destroyed;
 *   mlock()ed, then munlock()ed;
 *   registered with ibv_reg_mr() on the controller's RDMA device (what
 *   any RDMA program pays to pin and register), then deregistered.
 * Only the first step of each is timed, and each right after the buffer
 * was written over: in a TCG guest the first system call after writing a
 * large buffer costs 0.1-0.4 ms more (most likely QEMU refilling its
 * software TLB), which would otherwise fall on the export alone.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <infiniband/verbs.h>

#include "rsmbench.h"

struct verbs {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
};

/* The RDMA device named like the controller, if there is one. */
static void verbs_open(struct verbs *v, const char *name)
{
	struct ibv_device **list;
	int i, n;

	memset(v, 0, sizeof(*v));
	list = ibv_get_device_list(&n);
	if (!list)
		return;
	for (i = 0; i < n && !v->ctx; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			v->ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (v->ctx)
		v->pd = ibv_alloc_pd(v->ctx);
}

static void verbs_close(struct verbs *v)
{
	if (v->pd)
		ibv_dealloc_pd(v->pd);
	if (v->ctx)
		ibv_close_device(v->ctx);
}

static int pin_one(struct opts *o, rsmapi_controller_handle_t ctrl,
		   struct verbs *v, size_t size, bool small_pages,
		   struct samples *s)
{
	rsmapi_access_entry_t acl = { o->peer, 0666 };
	rsm_memseg_id_t id = SEGID_ROLE(o, 1) + SEGID_EXPORT;
	rsm_memseg_export_handle_t h;
	struct ibv_mr *mr;
	uint64_t t0;
	double us;
	void *buf;
	int ret;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return RSMERR_INSUFFICIENT_MEM;
	if (small_pages)
		madvise(buf, size, MADV_NOHUGEPAGE);
	memset(buf, 0x5a, size);
	t0 = now_ns();
	ret = rsm_memseg_export_create(ctrl, &h, buf, size, 0);
	if (!ret) {
		us = elapsed_us(t0);
		ret = rsm_memseg_export_publish(h, &id, &acl, 1);
		if (!ret) {
			samples_add(&s[0], elapsed_us(t0));
			samples_add(&s[1], us);
			rsm_memseg_export_unpublish(h);
		}
		t0 = now_ns();
		rsm_memseg_export_destroy(h);
		samples_add(&s[2], elapsed_us(t0));
	}

	memset(buf, 0x5b, size);
	t0 = now_ns();
	if (!mlock(buf, size)) {
		samples_add(&s[3], elapsed_us(t0));
		munlock(buf, size);
	} else {
		note("mlock of %zu bytes: %s", size, strerror(errno));
	}

	if (v->pd) {
		memset(buf, 0x5c, size);
		t0 = now_ns();
		mr = ibv_reg_mr(v->pd, buf, size, IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_READ |
				IBV_ACCESS_REMOTE_WRITE);
		if (mr) {
			samples_add(&s[4], elapsed_us(t0));
			ibv_dereg_mr(mr);
		}
	}
	munmap(buf, size);
	return ret;
}

/**
 * pin_bench() - export cost against mlock and ibv_reg_mr, 4 KiB up to
 * o->max_export, on this node alone
 * @o: the options
 * @ctrl: the controller to export on
 *
 * Return: 0 or the first RSMAPI error.
 */
int pin_bench(struct opts *o, rsmapi_controller_handle_t ctrl)
{
	static const char * const names[] = {
		"export", "export_create", "export_destroy", "mlock", "reg_mr"
	};
	struct samples s[2][ARRAY_SIZE(names)];
	char sz[16], name[32];
	struct verbs v;
	unsigned int k, m;
	int rep, reps, ret = 0;
	size_t size;

	verbs_open(&v, o->ctrl);
	if (!v.pd)
		note("no RDMA device %s: no ibv_reg_mr baseline", o->ctrl);
	for (size = 4 * KIB; size <= o->max_export && !ret; size *= 16) {
		for (m = 0; m < 2; m++)
			for (k = 0; k < ARRAY_SIZE(names); k++)
				samples_init(&s[m][k]);
		reps = o->quick ? 1 : 9;
		for (rep = 0; rep < reps && !ret; rep++)
			for (m = 0; m < 2 && !ret; m++)
				ret = pin_one(o, ctrl, &v, size, m, s[m]);
		for (m = 0; m < 2; m++) {
			for (k = 0; k < ARRAY_SIZE(names); k++) {
				snprintf(name, sizeof(name), "%s%s", names[k],
					 m ? "_4k" : "");
				emit_samples(o, name, size, "us", &s[m][k]);
				if (k != 1 && k != 2)
					summary(name, size, "us", &s[m][k]);
				samples_free(&s[m][k]);
			}
		}
		tap(!ret, "export_create+publish of %s bytes%s%s",
		    size_str(size, sz, sizeof(sz)), ret ? ": " : "",
		    ret ? rsm_strerror(ret) : "");
		/* Step 16x, but do not skip the largest size asked for. */
		if (size < o->max_export && size * 16 > o->max_export)
			size = o->max_export / 16;
	}
	verbs_close(&v);
	return ret;
}
