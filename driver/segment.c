// SPDX-License-Identifier: GPL-2.0
/*
 * Export segments and the grants that let importers reach them.
 *
 * An export pins the creator's pages (charged to its RLIMIT_MEMLOCK) and,
 * once published, is found by segment id in rsm_segs. Each importer gets
 * a grant: a same-node importer reads and writes the pinned pages
 * directly; a remote importer gets fast registrations of the pages in the
 * protection domain of its node's connection, with exactly the access it
 * was granted, so the HCA refuses anything else and nothing registered for
 * one node works through another's connection.
 *
 * Forcing importers off (unpublish, destroy) is done in protocol order:
 * the segment leaves rsm_segs (no new connects), each remote importer is
 * told (SEG_REVOKE) and answers once its RDMA transfer in flight, if any,
 * completed, and only then are its registrations destroyed; a local
 * importer is marked aborted. An importer that does not answer within the
 * failure detection time loses its registrations anyway.
 *
 * Locking, outermost first:
 *   exp->lock          mutex: publish state, id, access list
 *   rsm_segs_lock      mutex: the id table
 *   exp->pages_rwsem   rwsem: the pinned pages; rebind writes them
 *                      holding exp->lock too, so exp->lock alone also
 *                      keeps them
 *   rsm_grants_lock    mutex: every grant's lists and registrations; held
 *                      while registering, so a connection's PD cannot go
 *                      away underneath (rsm_seg_conn_gone() takes it)
 *
 * rsm_grants_lock is never taken under pages_rwsem: a same-node access
 * takes imp->lock and then pages_rwsem, and a forced disconnect takes
 * rsm_grants_lock, then imp->lock, then pages_rwsem (to wait out same-node
 * faults); lockdep found the cycle when registering held pages_rwsem.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>
#include <rdma/ib_verbs.h>

#include "ctrl.h"
#include "netlink.h"
#include "pages.h"
#include "peer.h"
#include "segment.h"
#include "wire.h"

/*
 * Pages per registration: rxe's fast registration limit. Each MR is
 * allocated for one page more than it maps: rxe in 6.1 reads one map
 * pointer past its table when an access ends exactly at the end of a
 * multiple of 256 pages (rxe_mr_copy(); KASAN on the debug kernel found
 * it), and the spare page makes that pointer exist.
 */
#define RSM_CHUNK_PAGES_MAX	512

static DEFINE_MUTEX(rsm_segs_lock);
static DEFINE_XARRAY_ALLOC(rsm_segs);
static u32 rsm_segs_next = RSM_SEGID_AUTO_BASE;
static DEFINE_MUTEX(rsm_grants_lock);

static void export_release(struct kref *ref)
{
	struct rsm_export *exp = container_of(ref, struct rsm_export, ref);

	rsm_pages_unpin(exp->pages, true);
	rsm_count(RSM_CNT_EXPORTS, -1);
	if (mmget_not_zero(exp->mm)) {
		account_locked_vm(exp->mm, exp->npages, false);
		mmput(exp->mm);
	}
	mmdrop(exp->mm);
	put_pid(exp->creator);
	rsm_ctrl_put(exp->ctrl);
	kfree(exp->acl);
	kfree(exp);
}

/**
 * rsm_export_put() - drop a reference to an export
 * @exp: the export
 *
 * Context: process context; the last put unpins the pages.
 */
void rsm_export_put(struct rsm_export *exp)
{
	kref_put(&exp->ref, export_release);
}

/*
 * Pin [vaddr, vaddr + npages pages) for writing, long term, charging the
 * pages to the caller's RLIMIT_MEMLOCK first.
 */
static struct rsm_pages *pin_range(unsigned long vaddr, unsigned long npages)
{
	struct rsm_pages *pages;
	int ret;

	ret = account_locked_vm(current->mm, npages, true);
	if (ret)
		return ERR_PTR(ret);
	pages = rsm_pages_pin(vaddr, npages);
	if (IS_ERR(pages)) {
		account_locked_vm(current->mm, npages, false);
		return pages;
	}
	return pages;
}

static int range_valid(u64 vaddr, u64 len, u64 max)
{
	if (!len || !PAGE_ALIGNED(vaddr) || !PAGE_ALIGNED(len) ||
	    vaddr + len < vaddr)
		return -EINVAL;
	return len > max ? -ERANGE : 0;
}

/**
 * rsm_export_create() - RSM_IOC_EXPORT_CREATE on a fresh file
 * @file: the file, which becomes the export
 * @uarg: user pointer to a struct rsm_export_create
 *
 * Context: process context.
 * Return: 0; -EFAULT, -EINVAL (malformed), -ENODEV (no such controller),
 * -ERANGE (too long), -ENOMEM (RLIMIT_MEMLOCK or memory), -EBADFD (the
 * file is already a segment).
 */
long rsm_export_create(struct file *file, void __user *uarg)
{
	struct rsm_export_create c;
	struct rsm_ctrl_attr attr;
	struct rsm_export *exp;
	struct rsm_pages *pages;
	int ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.flags & ~__RSM_EXPORT_F_ALL || c.reserved || !c.ctrl[0] ||
	    !memchr(c.ctrl, 0, sizeof(c.ctrl)))
		return -EINVAL;
	if (READ_ONCE(file->private_data))
		return -EBADFD;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return -ENOMEM;
	exp->ctrl = rsm_ctrl_get(c.ctrl, c.ctrl_id, &attr);
	if (!exp->ctrl) {
		ret = -ENODEV;
		goto err_free;
	}
	ret = range_valid(c.vaddr, c.len, attr.max_export_segment_size);
	if (ret)
		goto err_ctrl;
	pages = pin_range(c.vaddr, c.len >> PAGE_SHIFT);
	if (IS_ERR(pages)) {
		ret = PTR_ERR(pages);
		goto err_ctrl;
	}

	rsm_count(RSM_CNT_EXPORTS, 1);
	exp->kind = RSM_OBJ_EXPORT;
	init_waitqueue_head(&exp->wq);
	kref_init(&exp->ref);
	mutex_init(&exp->lock);
	init_rwsem(&exp->pages_rwsem);
	INIT_LIST_HEAD(&exp->grants);
	exp->len = c.len;
	exp->npages = c.len >> PAGE_SHIFT;
	exp->pages = pages;
	exp->vaddr = c.vaddr;
	mmgrab(current->mm);
	exp->mm = current->mm;
	exp->creator = get_task_pid(current, PIDTYPE_TGID);
	exp->uid = from_kuid_munged(&init_user_ns, current_fsuid());
	exp->gid = from_kgid_munged(&init_user_ns, current_fsgid());
	exp->default_mode = RSM_PERM_MASK & ~current_umask();
	exp->flags = c.flags;

	if (cmpxchg(&file->private_data, NULL, exp)) {
		rsm_export_put(exp);
		return -EBADFD;
	}
	return 0;

err_ctrl:
	rsm_ctrl_put(exp->ctrl);
err_free:
	kfree(exp);
	return ret;
}

static bool is_creator(struct rsm_export *exp)
{
	return exp->creator == task_tgid(current);
}

/* Copy and check an access list; NULL with *lenp 0 for none. */
static struct rsm_acl_entry *acl_copy(const struct rsm_export_publish *p)
{
	struct rsm_acl_entry *acl;
	u32 i;

	if (!p->acl_len)
		return p->acl ? ERR_PTR(-EINVAL) : NULL;
	if (p->acl_len > RSM_ACL_MAX)
		return ERR_PTR(-EINVAL);
	acl = memdup_user(u64_to_user_ptr(p->acl), p->acl_len * sizeof(*acl));
	if (IS_ERR(acl))
		return acl;
	for (i = 0; i < p->acl_len; i++) {
		if (!acl[i].node || acl[i].node > RSM_NODE_ID_MAX ||
		    acl[i].perm & ~RSM_PERM_MASK) {
			kfree(acl);
			return ERR_PTR(-EINVAL);
		}
	}
	return acl;
}

/*
 * An export's controller must still be there to publish on, and a
 * loopback export is for this node alone.
 */
static int acl_fits_ctrl(struct rsm_export *exp, struct rsm_acl_entry *acl,
			 u32 n)
{
	if (READ_ONCE(exp->ctrl->removed))
		return -ENODEV;
	if (exp->ctrl->ibdev)
		return 0;
	if (n > 1 || (n == 1 && acl[0].node != rsm_node_id()))
		return -EINVAL;
	return 0;
}

static int export_publish(struct rsm_export *exp, void __user *uarg)
{
	struct rsm_export_publish p;
	struct rsm_acl_entry *acl;
	u32 id;
	int ret;

	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	if (p.reserved)
		return -EINVAL;
	acl = acl_copy(&p);
	if (IS_ERR(acl))
		return PTR_ERR(acl);

	mutex_lock(&exp->lock);
	ret = -EPERM;
	if (!is_creator(exp))
		goto out;
	ret = -EALREADY;
	if (exp->published)
		goto out;
	ret = acl_fits_ctrl(exp, acl, p.acl_len);
	if (ret)
		goto out;

	/*
	 * Reserve the id (lookups see nothing there yet), tell the caller,
	 * and only then publish: a caller who cannot be told the id gets
	 * an error and an export as unpublished as before.
	 */
	mutex_lock(&rsm_segs_lock);
	if (p.segid) {
		id = p.segid;
		ret = xa_insert(&rsm_segs, id, NULL, GFP_KERNEL);
		if (ret == -EBUSY)
			ret = -EADDRINUSE;
	} else {
		ret = xa_alloc_cyclic(&rsm_segs, &id, NULL,
				      XA_LIMIT(RSM_SEGID_AUTO_BASE, U32_MAX),
				      &rsm_segs_next, GFP_KERNEL);
		if (ret == -EBUSY)
			ret = -ENOSPC;
		else if (ret > 0)
			ret = 0;
	}
	mutex_unlock(&rsm_segs_lock);
	if (ret)
		goto out;
	p.segid = id;
	if (copy_to_user(uarg, &p, sizeof(p))) {
		mutex_lock(&rsm_segs_lock);
		xa_release(&rsm_segs, id);
		mutex_unlock(&rsm_segs_lock);
		ret = -EFAULT;
		goto out;
	}

	exp->published = true;
	exp->segid = id;
	swap(exp->acl, acl);
	exp->acl_len = p.acl_len;
	kref_get(&exp->ref);	/* the table's */
	mutex_lock(&rsm_segs_lock);
	/* A reserved slot takes its entry without allocating. */
	WARN_ON(xa_is_err(xa_store(&rsm_segs, id, exp, GFP_KERNEL)));
	mutex_unlock(&rsm_segs_lock);
out:
	mutex_unlock(&exp->lock);
	kfree(acl);
	return ret;
}

static int export_republish(struct rsm_export *exp, void __user *uarg)
{
	struct rsm_export_publish p;
	struct rsm_acl_entry *acl;
	int ret;

	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	if (p.reserved || p.segid)
		return -EINVAL;
	acl = acl_copy(&p);
	if (IS_ERR(acl))
		return PTR_ERR(acl);

	mutex_lock(&exp->lock);
	ret = -ENOENT;
	if (!exp->published)
		goto out;
	ret = -EPERM;
	if (!is_creator(exp))
		goto out;
	ret = acl_fits_ctrl(exp, acl, p.acl_len);
	if (ret)
		goto out;
	/* Existing importers keep their access: this governs new ones. */
	swap(exp->acl, acl);
	exp->acl_len = p.acl_len;
out:
	mutex_unlock(&exp->lock);
	kfree(acl);
	return ret;
}

static void grant_release(struct kref *ref)
{
	struct rsm_grant *g = container_of(ref, struct rsm_grant, ref);

	if (g->conn)
		rsm_conn_put(g->conn);
	rsm_export_put(g->exp);
	kfree(g->mrs);
	kfree(g);
	rsm_count(RSM_CNT_GRANTS, -1);
}

static void grant_put(struct rsm_grant *g)
{
	kref_put(&g->ref, grant_release);
}

/* Destroy registrations made by grant_register(), and forget them. */
static void mrs_unregister(struct rsm_grant *g, struct rsm_grant_mr *mrs)
{
	struct ib_device *dev = rsm_conn_pd(g->conn)->device;
	unsigned int i;

	lockdep_assert_held(&rsm_grants_lock);
	for (i = 0; mrs && i < g->nmr; i++) {
		struct rsm_grant_mr *m = &mrs[i];

		if (m->mr) {
			ib_dereg_mr(m->mr);
			rsm_count(RSM_CNT_MRS, -1);
		}
		if (m->nents)
			ib_dma_unmap_sg(dev, m->sgt.sgt.sgl,
					m->sgt.sgt.orig_nents,
					DMA_BIDIRECTIONAL);
		sg_free_append_table(&m->sgt);
		memset(m, 0, sizeof(*m));
	}
}

/* Destroy a grant's registrations; it leaves its connection's list. */
static void grant_unregister_locked(struct rsm_grant *g)
{
	lockdep_assert_held(&rsm_grants_lock);
	if (!g->on_conn)
		return;
	mrs_unregister(g, g->mrs);
	mrs_unregister(g, g->old_mrs);
	kfree(g->old_mrs);
	g->old_mrs = NULL;
	list_del(&g->conn_link);
	g->on_conn = false;
	grant_put(g);		/* the connection's list's */
}

static void grant_unlist_exp_locked(struct rsm_grant *g)
{
	lockdep_assert_held(&rsm_grants_lock);
	if (!g->on_exp)
		return;
	list_del(&g->exp_link);
	g->on_exp = false;
	grant_put(g);		/* the export's list's */
}

/**
 * rsm_grant_drop() - an importer lets go of its grant
 * @grant: the grant, whose reference the caller gives up
 *
 * Context: process context, takes rsm_grants_lock.
 */
void rsm_grant_drop(struct rsm_grant *grant)
{
	mutex_lock(&rsm_grants_lock);
	grant_unlist_exp_locked(grant);
	grant_unregister_locked(grant);
	mutex_unlock(&rsm_grants_lock);
	grant_put(grant);
}

static int ib_access(u32 perm)
{
	int access = IB_ACCESS_LOCAL_WRITE;

	if (perm & RSM_PERM_READ_BIT)
		access |= IB_ACCESS_REMOTE_READ;
	if (perm & RSM_PERM_WRITE_BIT)
		access |= IB_ACCESS_REMOTE_WRITE;
	return access;
}

/*
 * Register every chunk of @pages (the export's, or a rebind's new ones) in
 * the connection's PD, into g->mrs. Called with rsm_grants_lock held and
 * the pages stable; on failure the caller unregisters what was done.
 */
static int grant_register(struct rsm_grant *g, struct rsm_pages *pages)
{
	struct ib_pd *pd = rsm_conn_pd(g->conn);
	struct ib_device *dev = pd->device;
	unsigned long cpages = g->cpages, npages = g->exp->npages;
	unsigned int i;
	int ret;

	for (i = 0; i < g->nmr; i++) {
		struct rsm_grant_mr *m = &g->mrs[i];
		unsigned long n = min(cpages, npages - i * cpages);

		ret = rsm_pages_sgt(pages, i * cpages, n, &m->sgt);
		if (ret)
			return ret;
		m->nents = ib_dma_map_sg(dev, m->sgt.sgt.sgl,
					 m->sgt.sgt.orig_nents,
					 DMA_BIDIRECTIONAL);
		if (!m->nents)
			return -ENOMEM;
		m->mr = ib_alloc_mr(pd, IB_MR_TYPE_MEM_REG, n + 1);
		if (IS_ERR(m->mr)) {
			ret = PTR_ERR(m->mr);
			m->mr = NULL;
			return ret;
		}
		rsm_count(RSM_CNT_MRS, 1);
		ret = ib_map_mr_sg(m->mr, m->sgt.sgt.sgl, m->nents, NULL,
				   PAGE_SIZE);
		if (ret != m->nents)
			return ret < 0 ? ret : -EINVAL;
		ret = rsm_conn_reg_mr(g->conn, m->mr, ib_access(g->perm));
		if (ret)
			return ret;
	}
	return 0;
}

static struct rsm_grant *grant_alloc(struct rsm_export *exp, u32 node,
				     u32 perm, unsigned int nmr)
{
	struct rsm_grant *g;

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return NULL;
	if (nmr) {
		g->mrs = kcalloc(nmr, sizeof(*g->mrs), GFP_KERNEL);
		if (!g->mrs) {
			kfree(g);
			return NULL;
		}
	}
	rsm_count(RSM_CNT_GRANTS, 1);
	kref_init(&g->ref);	/* the caller's */
	kref_get(&exp->ref);
	g->exp = exp;
	g->node = node;
	g->perm = perm;
	g->nmr = nmr;
	return g;
}

/**
 * rsm_export_check() - may this importer connect, with this access?
 * @exp: the export
 * @node: the importing node
 * @perm: access wanted (0400 read, 0200 write bits)
 * @uid: the importing process's fs uid
 * @gid: its fs gid
 * @privileged: it has CAP_IPC_OWNER (skips the user-level check)
 *
 * Node level: with an access list, the node must be listed, and its entry
 * is the permission; without one, the creator's default. User level: the
 * owner, group or other digit of that permission, as @uid and @gid
 * compare with the creator's, must allow @perm.
 *
 * Context: process context, takes exp->lock.
 * Return: 0, -ENOENT (not published), -EKEYREJECTED (node not in the
 * list) or -EACCES.
 */
int rsm_export_check(struct rsm_export *exp, u32 node, u32 perm, u32 uid,
		     u32 gid, bool privileged)
{
	u32 mode, digit, i;
	int ret = 0;

	mutex_lock(&exp->lock);
	if (!exp->published) {
		ret = -ENOENT;
		goto out;
	}
	mode = exp->default_mode;
	if (exp->acl) {
		for (i = 0; i < exp->acl_len; i++)
			if (exp->acl[i].node == node)
				break;
		if (i == exp->acl_len) {
			ret = -EKEYREJECTED;
			goto out;
		}
		mode = exp->acl[i].perm;
	}
	if (privileged)
		digit = (mode | mode >> 3 | mode >> 6) & 07;
	else if (uid == exp->uid)
		digit = mode >> 6 & 07;
	else if (gid == exp->gid)
		digit = mode >> 3 & 07;
	else
		digit = mode & 07;
	if ((perm >> 6) & ~digit)
		ret = -EACCES;
out:
	mutex_unlock(&exp->lock);
	return ret;
}

/**
 * rsm_export_lookup() - the published export with a segment id
 * @segid: the id
 *
 * Context: process context, takes rsm_segs_lock.
 * Return: the export, referenced, or NULL.
 */
struct rsm_export *rsm_export_lookup(u32 segid)
{
	struct rsm_export *exp;

	mutex_lock(&rsm_segs_lock);
	exp = xa_load(&rsm_segs, segid);
	if (exp)
		kref_get(&exp->ref);
	mutex_unlock(&rsm_segs_lock);
	return exp;
}

/**
 * rsm_export_grant_local() - record a same-node importer
 * @exp: the export, checked with rsm_export_check()
 * @imp: the importer
 * @perm: its access
 *
 * Context: process context, takes rsm_grants_lock.
 * Return: the grant (the caller's reference), or an ERR_PTR: -ENOENT if
 * the export was unpublished meanwhile, -ENOMEM.
 */
struct rsm_grant *rsm_export_grant_local(struct rsm_export *exp,
					 struct rsm_import *imp, u32 perm)
{
	struct rsm_grant *g;

	g = grant_alloc(exp, rsm_node_id(), perm, 0);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->imp = imp;
	mutex_lock(&exp->lock);
	mutex_lock(&rsm_grants_lock);
	if (exp->published) {
		kref_get(&g->ref);
		list_add_tail(&g->exp_link, &exp->grants);
		g->on_exp = true;
	}
	mutex_unlock(&rsm_grants_lock);
	mutex_unlock(&exp->lock);
	if (!g->on_exp) {
		grant_put(g);
		return ERR_PTR(-ENOENT);
	}
	return g;
}

/* Fill a chunk-table reply from chunk @first on. */
static u32 grant_chunks(struct rsm_grant *g, u32 first, void *reply)
{
	struct rsm_wire_seg_chunks *r = reply;
	u32 i, n = 0;

	memset(r, 0, sizeof(*r));
	r->size = cpu_to_le64(g->exp->len);
	r->chunk_bytes = cpu_to_le64(g->chunk_bytes);
	r->perm = cpu_to_le32(g->perm);
	r->nchunks = cpu_to_le32(g->nmr);
	r->first = cpu_to_le32(first);
	for (i = first; i < g->nmr && n < RSM_WIRE_CHUNKS_PER_MSG; i++, n++) {
		r->chunks[n].rkey = cpu_to_le32(g->mrs[i].mr->rkey);
		r->chunks[n].reserved = 0;
		r->chunks[n].iova = cpu_to_le64(g->mrs[i].mr->iova);
	}
	r->count = cpu_to_le32(n);
	return struct_size(r, chunks, n);
}

/* SEG_CONNECT from a remote importer. */
static int seg_connect(struct rsm_conn *conn,
		       const struct rsm_wire_seg_connect *req, void *reply,
		       u32 *reply_len)
{
	u32 node = rsm_conn_node(conn), perm = le32_to_cpu(req->perm);
	struct rsm_export *exp;
	struct rsm_grant *g;
	unsigned long cpages;
	int ret;

	if (perm & ~(RSM_PERM_READ_BIT | RSM_PERM_WRITE_BIT))
		return -EINVAL;
	exp = rsm_export_lookup(le32_to_cpu(req->segid));
	if (!exp)
		return -ENOENT;
	/* Published on another controller: not reachable from here. */
	ret = -ENOENT;
	if (exp->ctrl != rsm_conn_ctrl(conn))
		goto out;
	ret = rsm_export_check(exp, node, perm, le32_to_cpu(req->uid),
			       le32_to_cpu(req->gid),
			       !!le32_to_cpu(req->privileged));
	if (ret)
		goto out;

	cpages = min_t(unsigned long, RSM_CHUNK_PAGES_MAX,
		       rsm_conn_pd(conn)->device->attrs.max_fast_reg_page_list_len - 1);
	ret = -ENOMEM;
	g = grant_alloc(exp, node, perm, DIV_ROUND_UP(exp->npages, cpages));
	if (!g)
		goto out;
	rsm_conn_get(conn);
	g->conn = conn;
	g->handle = le64_to_cpu(req->handle);
	g->chunk_bytes = (u64)cpages << PAGE_SHIFT;
	g->cpages = cpages;

	/* exp->lock keeps a rebind from replacing exp->pages meanwhile. */
	mutex_lock(&exp->lock);
	mutex_lock(&rsm_grants_lock);
	ret = -ENOENT;
	if (!exp->published)
		goto unlock;
	ret = -ECONNABORTED;
	if (!rsm_conn_alive(conn))
		goto unlock;
	/* Listed before registering, so a failure unregisters what was made. */
	kref_get(&g->ref);
	list_add_tail(&g->conn_link, rsm_conn_grants(conn));
	g->on_conn = true;
	ret = grant_register(g, exp->pages);
	if (ret) {
		grant_unregister_locked(g);
		goto unlock;
	}
	kref_get(&g->ref);
	list_add_tail(&g->exp_link, &exp->grants);
	g->on_exp = true;
	*reply_len = grant_chunks(g, 0, reply);
unlock:
	mutex_unlock(&rsm_grants_lock);
	mutex_unlock(&exp->lock);
	grant_put(g);
out:
	rsm_export_put(exp);
	return ret;
}

/* A remote importer's grant on @conn, referenced, under rsm_grants_lock. */
static struct rsm_grant *grant_find_locked(struct rsm_conn *conn, u64 handle)
{
	struct rsm_grant *g;

	lockdep_assert_held(&rsm_grants_lock);
	list_for_each_entry(g, rsm_conn_grants(conn), conn_link)
		if (g->handle == handle)
			return g;
	return NULL;
}

/**
 * rsm_seg_request() - handle a segment request from a peer
 * @conn: the connection it came over
 * @type: enum rsm_msg_type
 * @payload: its payload
 * @len: payload length
 * @reply: RSM_MSG_PAYLOAD bytes for the reply's payload
 * @reply_len: out: the reply's payload length
 *
 * Context: process context (rsm_wq).
 * Return: the reply's status: 0 or a negative errno.
 */
int rsm_seg_request(struct rsm_conn *conn, u8 type, const void *payload,
		    u32 len, void *reply, u32 *reply_len)
{
	const struct rsm_wire_seg_handle *h = payload;
	struct rsm_grant *g;
	int ret = 0;

	*reply_len = 0;
	switch (type) {
	case RSM_MSG_SEG_CONNECT:
		if (len < sizeof(struct rsm_wire_seg_connect))
			return -EPROTO;
		return seg_connect(conn, payload, reply, reply_len);
	case RSM_MSG_SEG_REVOKE:
		if (len < sizeof(*h))
			return -EPROTO;
		return rsm_import_revoke(conn, le64_to_cpu(h->handle));
	case RSM_MSG_SEG_REBIND:
		if (len < sizeof(*h))
			return -EPROTO;
		return rsm_import_rebind(conn, le64_to_cpu(h->handle));
	case RSM_MSG_SEG_SIGNAL:
		rsm_seg_signal(conn, payload, len);
		return 0;
	case RSM_MSG_SEG_CHUNKS:
	case RSM_MSG_SEG_DISCONNECT:
		if (len < sizeof(*h))
			return -EPROTO;
		break;
	default:
		return -EPROTO;
	}

	mutex_lock(&rsm_grants_lock);
	g = grant_find_locked(conn, le64_to_cpu(h->handle));
	if (!g) {
		ret = -ENOENT;
	} else if (type == RSM_MSG_SEG_CHUNKS) {
		if (le32_to_cpu(h->first) < g->nmr)
			*reply_len = grant_chunks(g, le32_to_cpu(h->first),
						  reply);
		else
			ret = -EINVAL;
	} else {
		kref_get(&g->ref);
		grant_unlist_exp_locked(g);
		grant_unregister_locked(g);
		grant_put(g);
	}
	mutex_unlock(&rsm_grants_lock);
	return ret;
}

/**
 * rsm_seg_conn_gone() - a connection is being torn down: release every
 * registration made in its PD
 * @conn: the connection; its QP is already drained and destroyed
 *
 * Context: process context, takes rsm_grants_lock.
 */
void rsm_seg_conn_gone(struct rsm_conn *conn)
{
	struct rsm_grant *g, *tmp;

	/* Our imports over it lose their exporter: wake their waiters. */
	rsm_import_conn_gone(conn);
	mutex_lock(&rsm_grants_lock);
	list_for_each_entry_safe(g, tmp, rsm_conn_grants(conn), conn_link) {
		kref_get(&g->ref);
		grant_unlist_exp_locked(g);
		grant_unregister_locked(g);
		grant_put(g);
	}
	mutex_unlock(&rsm_grants_lock);
}

/**
 * rsm_seg_event() - count an event and wake the segment's pollers
 * @events: the segment's event count
 * @wq: its pollers
 * @flags: RSM_SIGNAL_F_*: NO_ACCUMULATE adds nothing if one is pending
 *
 * Context: any.
 */
void rsm_seg_event(atomic_t *events, wait_queue_head_t *wq, u32 flags)
{
	if (flags & RSM_SIGNAL_F_NO_ACCUMULATE)
		atomic_cmpxchg(events, 0, 1);
	else
		atomic_inc(events);
	wake_up_interruptible_poll(wq, EPOLLIN | EPOLLRDNORM);
}

/**
 * rsm_export_signal() - RSM_IOC_SIGNAL_POST on an export: one event to
 * every importer, on every node
 * @exp: the export
 * @uarg: user pointer to a struct rsm_signal
 *
 * An importer whose node cannot be told is skipped: it is being forced
 * off anyway.
 *
 * Context: process context, takes rsm_grants_lock.
 * Return: 0, -EFAULT or -EINVAL.
 */
int rsm_export_signal(struct rsm_export *exp, void __user *uarg)
{
	struct rsm_wire_seg_signal sig = {};
	struct rsm_signal a;
	struct rsm_grant *g;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~__RSM_SIGNAL_F_ALL || a.reserved)
		return -EINVAL;
	sig.flags = cpu_to_le32(a.flags);
	mutex_lock(&rsm_grants_lock);
	list_for_each_entry(g, &exp->grants, exp_link) {
		if (g->imp) {
			rsm_seg_event(&g->imp->events, &g->imp->wq, a.flags);
			continue;
		}
		sig.handle = cpu_to_le64(g->handle);
		rsm_conn_notify(g->conn, RSM_MSG_SEG_SIGNAL, &sig, sizeof(sig));
	}
	mutex_unlock(&rsm_grants_lock);
	return 0;
}

/**
 * rsm_seg_signal() - an event arrived from a peer
 * @conn: the connection it came over
 * @payload: struct rsm_wire_seg_signal
 * @len: payload length
 *
 * For our export: only a node we granted the segment to may post to it,
 * so the event is found through the sender's grant.
 *
 * Context: process context (rsm_wq), takes rsm_grants_lock or the import
 * list's lock.
 */
void rsm_seg_signal(struct rsm_conn *conn, const void *payload, u32 len)
{
	const struct rsm_wire_seg_signal *sig = payload;
	u32 flags;
	struct rsm_grant *g;

	if (len < sizeof(*sig))
		return;
	flags = le32_to_cpu(sig->flags) & __RSM_SIGNAL_F_ALL;
	if (!le32_to_cpu(sig->to_exporter)) {
		rsm_import_event(conn, le64_to_cpu(sig->handle), flags);
		return;
	}
	mutex_lock(&rsm_grants_lock);
	g = grant_find_locked(conn, le64_to_cpu(sig->handle));
	if (g && g->on_exp)
		rsm_seg_event(&g->exp->events, &g->exp->wq, flags);
	mutex_unlock(&rsm_grants_lock);
}

/*
 * The importer of @g did not confirm @what (@ret from rsm_conn_request()):
 * the registrations it may still use go anyway, and its next access to
 * them fails and takes the channel down. Say so, so that the drop has a
 * cause in the log. An importer that no longer knows the import (-ENOENT)
 * or a channel already down has nothing left to hit.
 */
static void grant_unanswered(struct rsm_grant *g, const char *what, int ret)
{
	if (ret && ret != -ENOENT && ret != -ECONNABORTED)
		pr_warn_ratelimited("peer %u: import %llu did not confirm the %s (%d); its old registrations go anyway\n",
				    g->node, g->handle, what, ret);
}

/*
 * Force one remote importer off: tell it, then destroy its registrations.
 * The grant is already off the export's list; the caller's reference.
 */
static void grant_revoke(struct rsm_grant *g)
{
	struct rsm_wire_seg_handle h = {
		.handle = cpu_to_le64(g->handle),
	};
	int ret;

	ret = rsm_conn_request(g->conn, RSM_MSG_SEG_REVOKE, &h, sizeof(h),
			       NULL, NULL);
	grant_unanswered(g, "revoke", ret);
	mutex_lock(&rsm_grants_lock);
	grant_unregister_locked(g);
	mutex_unlock(&rsm_grants_lock);
}

/*
 * Force every importer off: same-node importers are marked aborted,
 * remote ones are told and then lose their registrations. Called with
 * exp->lock held, after the export left the id table.
 */
static void export_revoke_all(struct rsm_export *exp)
{
	struct rsm_grant *g;

	lockdep_assert_held(&exp->lock);
	for (;;) {
		mutex_lock(&rsm_grants_lock);
		g = list_first_entry_or_null(&exp->grants, struct rsm_grant,
					     exp_link);
		if (g) {
			kref_get(&g->ref);
			grant_unlist_exp_locked(g);
			/* Under the lock: the import cannot be freed meanwhile. */
			if (g->imp)
				rsm_import_abort(g->imp);
		}
		mutex_unlock(&rsm_grants_lock);
		if (!g)
			break;
		if (!g->imp)
			grant_revoke(g);
		grant_put(g);
	}
}

/*
 * Move one remote importer to the rebound pages: register them, have the
 * importer fetch the new chunk table (SEG_REBIND; it holds its accesses
 * meanwhile), then destroy the old registrations. An importer whose new
 * registration fails is forced off instead. Called with exp->lock held;
 * the caller's reference on @g.
 */
static void grant_rebind(struct rsm_grant *g, struct rsm_pages *pages)
{
	struct rsm_wire_seg_handle h = {
		.handle = cpu_to_le64(g->handle),
	};
	struct rsm_grant_mr *new;
	int ret = -ENOMEM;

	new = kcalloc(g->nmr, sizeof(*new), GFP_KERNEL);
	mutex_lock(&rsm_grants_lock);
	if (!g->on_conn) {
		mutex_unlock(&rsm_grants_lock);
		kfree(new);
		return;		/* its channel went down: nothing to move */
	}
	if (new) {
		g->old_mrs = g->mrs;
		g->mrs = new;
		ret = grant_register(g, pages);
		if (ret) {
			mrs_unregister(g, new);
			g->mrs = g->old_mrs;
			g->old_mrs = NULL;
			kfree(new);
		}
	}
	if (ret)
		grant_unlist_exp_locked(g);
	mutex_unlock(&rsm_grants_lock);
	if (ret) {
		grant_revoke(g);
		return;
	}
	ret = rsm_conn_request(g->conn, RSM_MSG_SEG_REBIND, &h, sizeof(h),
			       NULL, NULL);
	grant_unanswered(g, "rebind", ret);
	mutex_lock(&rsm_grants_lock);
	if (g->on_conn) {
		mrs_unregister(g, g->old_mrs);
		kfree(g->old_mrs);
		g->old_mrs = NULL;
	}
	mutex_unlock(&rsm_grants_lock);
}

/* Move every remote importer of @exp to @pages: 0 or -ENOMEM. */
static int export_rebind_remote(struct rsm_export *exp,
				struct rsm_pages *pages)
{
	struct rsm_grant *g, **gs;
	unsigned int n = 0, i;

	lockdep_assert_held(&exp->lock);
	mutex_lock(&rsm_grants_lock);
	list_for_each_entry(g, &exp->grants, exp_link)
		n += !g->imp;
	gs = kcalloc(n, sizeof(*gs), GFP_KERNEL);
	n = 0;
	list_for_each_entry(g, &exp->grants, exp_link) {
		if (!gs)
			break;
		if (!g->imp) {
			kref_get(&g->ref);
			gs[n++] = g;
		}
	}
	mutex_unlock(&rsm_grants_lock);
	if (!gs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		grant_rebind(gs[i], pages);
		grant_put(gs[i]);
	}
	kfree(gs);
	return 0;
}

static void export_unpublish_locked(struct rsm_export *exp)
{
	lockdep_assert_held(&exp->lock);
	mutex_lock(&rsm_segs_lock);
	xa_erase(&rsm_segs, exp->segid);
	mutex_unlock(&rsm_segs_lock);
	exp->published = false;
	rsm_export_put(exp);	/* the table's */
	export_revoke_all(exp);
	kfree(exp->acl);
	exp->acl = NULL;
	exp->acl_len = 0;
}

static int export_unpublish(struct rsm_export *exp)
{
	int ret = 0;

	mutex_lock(&exp->lock);
	if (!exp->published)
		ret = -ENOENT;
	else if (!is_creator(exp))
		ret = -EPERM;
	else
		export_unpublish_locked(exp);
	mutex_unlock(&exp->lock);
	return ret;
}

/*
 * Move the segment to other memory, transparently for importers: remote
 * ones are moved to registrations of the new pages first, then same-node
 * ones see the new pages at once. Data accessed meanwhile is undefined,
 * as in Solaris.
 */
static int export_rebind(struct rsm_export *exp, void __user *uarg)
{
	struct rsm_export_rebind r;
	struct rsm_pages *pages, *old;
	struct rsm_grant *g;
	int ret;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	mutex_lock(&exp->lock);
	ret = -EOPNOTSUPP;
	if (!(exp->flags & RSM_EXPORT_F_REBIND))
		goto out;
	ret = -EPERM;
	if (!is_creator(exp))
		goto out;
	ret = range_valid(r.vaddr, r.len, exp->len);
	if (!ret && r.len != exp->len)
		ret = -ERANGE;
	if (ret || r.vaddr == exp->vaddr)
		goto out;
	pages = pin_range(r.vaddr, exp->npages);
	if (IS_ERR(pages)) {
		ret = PTR_ERR(pages);
		goto out;
	}
	ret = export_rebind_remote(exp, pages);
	if (ret) {
		rsm_pages_unpin(pages, false);
		account_locked_vm(current->mm, exp->npages, false);
		goto out;
	}
	down_write(&exp->pages_rwsem);
	old = exp->pages;
	exp->pages = pages;
	exp->vaddr = r.vaddr;
	up_write(&exp->pages_rwsem);
	/* Same-node mappings fault the new pages in. */
	mutex_lock(&rsm_grants_lock);
	list_for_each_entry(g, &exp->grants, exp_link)
		if (g->imp)
			rsm_import_zap(g->imp);
	mutex_unlock(&rsm_grants_lock);
	rsm_pages_unpin(old, true);
	/* The new pages were charged to the caller, the old to the creator. */
	account_locked_vm(exp->mm, exp->npages, false);
out:
	mutex_unlock(&exp->lock);
	return ret;
}

/**
 * rsm_export_ioctl() - the export segment commands
 * @exp: the export
 * @cmd: the command
 * @uarg: its argument
 *
 * Context: process context.
 * Return: 0 or a negative errno; -ENOTTY for commands of other objects.
 */
long rsm_export_ioctl(struct rsm_export *exp, unsigned int cmd,
		      void __user *uarg)
{
	switch (cmd) {
	case RSM_IOC_EXPORT_PUBLISH:
		return export_publish(exp, uarg);
	case RSM_IOC_EXPORT_REPUBLISH:
		return export_republish(exp, uarg);
	case RSM_IOC_EXPORT_UNPUBLISH:
		return export_unpublish(exp);
	case RSM_IOC_EXPORT_REBIND:
		return export_rebind(exp, uarg);
	case RSM_IOC_SIGNAL_POST:
		return rsm_export_signal(exp, uarg);
	default:
		return -ENOTTY;	/* not reached: chardev.c routes by kind */
	}
}

/**
 * rsm_export_release() - the export's file is closed: destroy it
 * @exp: the export
 *
 * Unpublishes (forcing every importer off) and drops the file's
 * reference; the pages are unpinned when the last user lets go.
 *
 * Context: process context.
 */
void rsm_export_release(struct rsm_export *exp)
{
	mutex_lock(&exp->lock);
	if (exp->published)
		export_unpublish_locked(exp);
	mutex_unlock(&exp->lock);
	rsm_export_put(exp);
}
