// SPDX-License-Identifier: GPL-2.0
/*
 * Import segments: connect, get, put, scatter-gather, barriers.
 *
 * A segment exported by this node is reached directly: its pinned pages
 * are copied to and from user memory. A remote segment is reached over
 * the exporting node's channel: SEG_CONNECT returns the chunk table (one
 * rkey and address per registered chunk), and each access is an RDMA READ
 * or WRITE through a kernel bounce buffer, done and completed before the
 * ioctl returns. So a barrier only has to report what went wrong since it
 * was opened: the import's error count and whether it was forced off.
 *
 * Locking: imp->lock serialises accesses and protects errors;
 * rsm_imports_lock protects the list of remote imports (for SEG_REVOKE).
 * A local access holds imp->lock, then the export's pages_rwsem for read.
 * A remote import's every RDMA holds imp->rdma_rwsem for read (see
 * import_rdma()); the connect, a rebind and a forced disconnect hold it
 * for write to change the chunk table or aborted between transfers. A
 * remote mapping's faults and write-back hold imp->cache_lock across
 * their RDMA, so it comes before rdma_rwsem; an access whose user buffer
 * is a mapping of its own import takes it after imp->lock.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "ctrl.h"
#include "netlink.h"
#include "pages.h"
#include "peer.h"
#include "segment.h"
#include "wire.h"

/* Bytes one RDMA READ or WRITE moves at most, through the bounce buffer. */
#define RSM_BOUNCE_SIZE		(64 * 1024)

static DEFINE_MUTEX(rsm_imports_lock);
static LIST_HEAD(rsm_imports);
static atomic64_t rsm_import_handle = ATOMIC64_INIT(0);

/* After aborted is set: tell the mappings and the waiters. */
static void import_aborted(struct rsm_import *imp)
{
	/* Mapped pages turn into the import's dummy page at the next access. */
	rsm_import_zap(imp);
	wake_up_interruptible_poll(&imp->wq, EPOLLHUP | EPOLLERR);
}

/**
 * rsm_import_abort() - force an import off: every later access and
 * barrier fails with ECONNABORTED
 * @imp: the import
 *
 * Waits for a same-node access in progress to finish, or for a remote
 * import's RDMA transfer in progress (of an access, a fault or a
 * write-back): once this returns, the import no longer uses the
 * exporter's registrations.
 *
 * Context: process context, takes imp->lock or imp->rdma_rwsem.
 */
void rsm_import_abort(struct rsm_import *imp)
{
	if (!imp->exp) {
		down_write(&imp->rdma_rwsem);
		WRITE_ONCE(imp->aborted, true);
		up_write(&imp->rdma_rwsem);
		import_aborted(imp);
		return;
	}
	mutex_lock(&imp->lock);
	WRITE_ONCE(imp->aborted, true);
	mutex_unlock(&imp->lock);
	/*
	 * A same-node fault checks aborted under pages_rwsem: once we had it
	 * for writing, every fault that still saw the export's pages has
	 * mapped them, and the zap below removes them.
	 */
	down_write(&imp->exp->pages_rwsem);
	up_write(&imp->exp->pages_rwsem);
	import_aborted(imp);
}

/**
 * rsm_import_zap() - remove every mapping of the import's pages; the next
 * access faults them in again (the export's current pages, or the dummy
 * page once forced off)
 * @imp: the import
 *
 * Context: process context.
 */
void rsm_import_zap(struct rsm_import *imp)
{
	unmap_mapping_range(&imp->mapping, 0, 0, 1);
}

/*
 * Where the accesses of a forced-off mapping go: a zeroed page of the
 * import's own, so stores to it reach no one else.
 */
static struct page *import_dummy(struct rsm_import *imp)
{
	struct page *page = READ_ONCE(imp->dummy);

	if (page)
		return page;
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (page && cmpxchg(&imp->dummy, NULL, page))
		__free_page(page);
	return READ_ONCE(imp->dummy);
}

/*
 * A remote import's mapping is backed by local copies of its pages
 * (struct rsm_cpage), read by RDMA READ at the first fault. Pages are
 * mapped read-only first; the first write to one keeps a pristine copy.
 * rsm_import_writeback() writes the bytes that differ from the pristine
 * copy back by RDMA WRITE, so importers writing different bytes of one
 * page do not overwrite each other. open_barrier drops clean copies, so
 * later reads see the exporter's current data: release consistency at
 * barriers.
 *
 * A fault holds the page locked from finding it in the cache (under
 * cache_lock) until its PTE is set, as the page cache's faults do; whoever
 * zaps a copy's PTEs (cpage_unmap()) takes the page lock first. So no
 * fault is caught half way: a copy that left the cache is never mapped,
 * and a copy being written back is never made writable behind its back.
 */
struct rsm_cpage {
	struct page *page;
	void *pristine;
};

/* Bytes of a remote segment's chunk from segment offset @off on. */
static u64 chunk_left(const struct rsm_import *imp, u64 off)
{
	u64 in;

	div64_u64_rem(off, imp->chunk_bytes, &in);
	return imp->chunk_bytes - in;
}

/*
 * The RDMA piece for @len bytes at segment offset @off, which stay in one
 * chunk (see chunk_left()), from or to offset @at of the local buffer.
 * Its remote address is the segment offset until import_rdma() looks the
 * chunk up.
 */
static struct rsm_rdma_piece piece(u64 off, u32 len, u32 at)
{
	return (struct rsm_rdma_piece){ .off = at, .len = len, .remote = off };
}

/*
 * Move the pieces @p (from piece()) between @buf and the exporter. The
 * chunk table is read under rdma_rwsem, held until the transfer is done:
 * a rebind replaces the table and a forced disconnect sets aborted only
 * between transfers, so the exporter never destroys a registration that
 * one is using.
 */
static int import_rdma(struct rsm_import *imp, bool write, void *buf,
		       struct rsm_rdma_piece *p, int n)
{
	u64 in, c;
	int i, ret = -ECONNABORTED;

	down_read(&imp->rdma_rwsem);
	if (!READ_ONCE(imp->aborted)) {
		for (i = 0; i < n; i++) {
			c = div64_u64_rem(p[i].remote, imp->chunk_bytes, &in);
			p[i].remote = imp->chunks[c].iova + in;
			p[i].rkey = imp->chunks[c].rkey;
		}
		ret = rsm_conn_rdma(imp->conn, write, buf, p, n);
	}
	up_read(&imp->rdma_rwsem);
	return ret;
}

/* The cached copy of page @pgoff, read from the exporter if need be. */
static struct rsm_cpage *cpage_get(struct rsm_import *imp, pgoff_t pgoff)
{
	struct rsm_rdma_piece p;
	struct rsm_cpage *cp;
	int ret;

	lockdep_assert_held(&imp->cache_lock);
	cp = xa_load(&imp->cache, pgoff);
	if (cp)
		return cp;
	if (READ_ONCE(imp->aborted))
		return ERR_PTR(-ECONNABORTED);
	cp = kzalloc(sizeof(*cp), GFP_KERNEL);
	if (!cp)
		return ERR_PTR(-ENOMEM);
	cp->page = alloc_page(GFP_KERNEL);
	if (!cp->page) {
		kfree(cp);
		return ERR_PTR(-ENOMEM);
	}
	p = piece((u64)pgoff << PAGE_SHIFT, PAGE_SIZE, 0);
	ret = import_rdma(imp, false, page_address(cp->page), &p, 1);
	if (!ret)
		ret = xa_err(xa_store(&imp->cache, pgoff, cp, GFP_KERNEL));
	if (ret) {
		__free_page(cp->page);
		kfree(cp);
		return ERR_PTR(ret);
	}
	rsm_count(RSM_CNT_CACHED_PAGES, 1);
	return cp;
}

static void cpage_free(struct rsm_cpage *cp)
{
	put_page(cp->page);
	kfree(cp->pristine);
	kfree(cp);
	rsm_count(RSM_CNT_CACHED_PAGES, -1);
}

static vm_fault_t import_fault(struct vm_fault *vmf)
{
	struct rsm_import *imp = vmf->vma->vm_private_data;
	struct rsm_export *exp = imp->exp;
	struct rsm_cpage *cp;
	struct page *dummy;
	unsigned long pfn;
	vm_fault_t ret;

	if (READ_ONCE(imp->aborted) || vmf->pgoff >= imp->size >> PAGE_SHIFT)
		goto dummy;
	if (!exp) {
		mutex_lock(&imp->cache_lock);
		cp = cpage_get(imp, vmf->pgoff);
		if (!IS_ERR(cp)) {
			get_page(cp->page);
			lock_page(cp->page);
			vmf->page = cp->page;
		}
		mutex_unlock(&imp->cache_lock);
		if (cp == ERR_PTR(-ECONNABORTED))
			goto dummy;	/* forced off meanwhile */
		if (IS_ERR(cp))
			return PTR_ERR(cp) == -ENOMEM ? VM_FAULT_OOM :
							VM_FAULT_SIGBUS;
		return VM_FAULT_LOCKED;
	}
	/* Under the rwsem, so neither a rebind nor an abort slips in. */
	down_read(&exp->pages_rwsem);
	if (READ_ONCE(imp->aborted)) {
		up_read(&exp->pages_rwsem);
		goto dummy;
	}
	pfn = page_to_pfn(rsm_pages_nth(exp->pages, vmf->pgoff));
	ret = vmf_insert_pfn(vmf->vma, vmf->address, pfn);
	up_read(&exp->pages_rwsem);
	return ret;

dummy:
	dummy = import_dummy(imp);
	if (!dummy)
		return VM_FAULT_OOM;
	if (!exp) {
		get_page(dummy);
		vmf->page = dummy;
		return 0;
	}
	return vmf_insert_pfn(vmf->vma, vmf->address, page_to_pfn(dummy));
}

/*
 * First write to a remote import's page: keep what it was. The fault
 * found the page unlocked (mm unlocks it for page_mkwrite): if it left the
 * cache meanwhile, fault again (VM_FAULT_NOPAGE) rather than map it.
 */
static vm_fault_t import_page_mkwrite(struct vm_fault *vmf)
{
	struct rsm_import *imp = vmf->vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_LOCKED;
	struct rsm_cpage *cp;

	if (vmf->page == READ_ONCE(imp->dummy)) {
		lock_page(vmf->page);
		return ret;
	}
	mutex_lock(&imp->cache_lock);
	cp = xa_load(&imp->cache, vmf->pgoff);
	if (!cp || cp->page != vmf->page) {
		ret = VM_FAULT_NOPAGE;
	} else if (!cp->pristine) {
		cp->pristine = kmemdup(page_address(cp->page), PAGE_SIZE,
				       GFP_KERNEL);
		if (!cp->pristine)
			ret = VM_FAULT_OOM;
	}
	if (ret == VM_FAULT_LOCKED)
		lock_page(vmf->page);
	mutex_unlock(&imp->cache_lock);
	return ret;
}

/*
 * Remove every PTE of copy @cp of page @pgoff, waiting for a fault that
 * is setting one; with @drop, take it out of the cache too and free it.
 * Called with cache_lock held.
 */
static void cpage_unmap(struct rsm_import *imp, pgoff_t pgoff,
			struct rsm_cpage *cp, bool drop)
{
	lock_page(cp->page);
	if (drop)
		xa_erase(&imp->cache, pgoff);
	unmap_mapping_range(&imp->mapping, (loff_t)pgoff << PAGE_SHIFT,
			    PAGE_SIZE, 1);
	unlock_page(cp->page);
	if (drop)
		cpage_free(cp);
}

/* Gaps shorter than this between changed bytes are written anyway. */
#define RSM_WB_GAP	64

/* Write the changed bytes of one page back; called with cache_lock. */
static int cpage_writeback(struct rsm_import *imp, pgoff_t pgoff,
			   struct rsm_cpage *cp)
{
	struct rsm_rdma_piece p[RSM_RDMA_CHAIN_MAX];
	u64 off = (u64)pgoff << PAGE_SHIFT;
	u8 *now = page_address(cp->page);
	const u8 *was = cp->pristine;
	size_t i = 0, start, end;
	int n = 0, ret;

	while (i < PAGE_SIZE) {
		if (now[i] == was[i]) {
			i++;
			continue;
		}
		start = i;
		end = i + 1;
		for (i = end; i < PAGE_SIZE && i < end + RSM_WB_GAP; i++)
			if (now[i] != was[i])
				end = i + 1;
		p[n++] = piece(off + start, end - start, start);
		if (n == RSM_RDMA_CHAIN_MAX) {
			ret = import_rdma(imp, true, now, p, n);
			if (ret)
				return ret;
			n = 0;
		}
		i = end;
	}
	return n ? import_rdma(imp, true, now, p, n) : 0;
}

/**
 * rsm_import_writeback() - write what the mapping changed back to the
 * exporter (close and order barriers, msync, unmap, disconnect)
 * @imp: the import
 *
 * Each dirty page is unmapped first, so no store races with the
 * comparison; the next store faults and starts a new pristine copy.
 *
 * Context: process context; sleeps for the RDMA writes.
 * Return: 0, or the first error (the rest is still attempted).
 */
int rsm_import_writeback(struct rsm_import *imp)
{
	struct rsm_cpage *cp;
	unsigned long i;
	int ret = 0, err;

	if (imp->exp)
		return 0;
	mutex_lock(&imp->cache_lock);
	xa_for_each(&imp->cache, i, cp) {
		if (!cp->pristine)
			continue;
		cpage_unmap(imp, i, cp, false);
		err = cpage_writeback(imp, i, cp);
		if (err && !ret)
			ret = err;
		kfree(cp->pristine);
		cp->pristine = NULL;
	}
	mutex_unlock(&imp->cache_lock);
	return ret;
}

/* open_barrier: forget clean copies, so the next read fetches anew. */
static void import_cache_drop_clean(struct rsm_import *imp)
{
	struct rsm_cpage *cp;
	unsigned long i;

	mutex_lock(&imp->cache_lock);
	xa_for_each(&imp->cache, i, cp)
		if (!cp->pristine)
			cpage_unmap(imp, i, cp, true);
	mutex_unlock(&imp->cache_lock);
}

static void import_cache_free(struct rsm_import *imp)
{
	struct rsm_cpage *cp;
	unsigned long i;

	xa_for_each(&imp->cache, i, cp)
		cpage_free(cp);
	xa_destroy(&imp->cache);
}

static const struct vm_operations_struct import_vm_ops = {
	.fault = import_fault,
};

static const struct vm_operations_struct import_remote_vm_ops = {
	.fault = import_fault,
	.page_mkwrite = import_page_mkwrite,
};

/**
 * rsm_import_mmap() - map an import segment
 * @imp: the import
 * @vma: the new mapping; offsets are segment offsets
 *
 * A segment exported by this node is mapped onto the exporter's pinned
 * pages: true shared memory, coherent without barriers. A remote segment
 * is mapped onto local copies (see struct rsm_cpage). The mapping must be
 * shared and may not exceed the access granted, now or later.
 *
 * Context: process context, mmap lock held.
 * Return: 0; -ENODEV once forced off; -EAGAIN while the connect is
 * finishing; -EINVAL for a private mapping; -ENXIO beyond the segment;
 * -EACCES beyond the access granted.
 */
int rsm_import_mmap(struct rsm_import *imp, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma), npages = imp->size >> PAGE_SHIFT;

	if (READ_ONCE(imp->aborted))
		return -ENODEV;
	/* Connect sets f_mapping just after the import becomes the file's. */
	if (READ_ONCE(vma->vm_file->f_mapping) != &imp->mapping)
		return -EAGAIN;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= npages || pages > npages - vma->vm_pgoff)
		return -ENXIO;
	if (((vma->vm_flags & VM_WRITE) && !(imp->perm & RSM_PERM_WRITE_BIT)) ||
	    ((vma->vm_flags & VM_READ) && !(imp->perm & RSM_PERM_READ_BIT)))
		return -EACCES;
	if (!(imp->perm & RSM_PERM_WRITE_BIT))
		vm_flags_clear(vma, VM_MAYWRITE);
	if (!(imp->perm & RSM_PERM_READ_BIT))
		vm_flags_clear(vma, VM_MAYREAD);
	/* A remote mapping fills its pages by reading: it needs read access. */
	if (!imp->exp && !(imp->perm & RSM_PERM_READ_BIT))
		return -EACCES;
	vma->vm_private_data = imp;
	if (!imp->exp) {
		/* Pages of our own, filled on fault; stores tracked. */
		vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
		vma->vm_ops = &import_remote_vm_ops;
		return 0;
	}
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &import_vm_ops;
	return 0;
}

/**
 * rsm_import_conn_gone() - the channel of some imports is going down:
 * force them off, so their waiters learn it now
 * @conn: the connection
 *
 * Context: process context, takes rsm_imports_lock.
 */
void rsm_import_conn_gone(struct rsm_conn *conn)
{
	struct rsm_import *imp;

	mutex_lock(&rsm_imports_lock);
	list_for_each_entry(imp, &rsm_imports, link)
		if (imp->conn == conn)
			rsm_import_abort(imp);
	mutex_unlock(&rsm_imports_lock);
}

/**
 * rsm_import_event() - the exporter posted an event to our import
 * @conn: the connection it came over
 * @handle: the import's handle
 * @flags: RSM_SIGNAL_F_*
 *
 * Context: process context, takes rsm_imports_lock.
 */
void rsm_import_event(struct rsm_conn *conn, u64 handle, u32 flags)
{
	struct rsm_import *imp;

	mutex_lock(&rsm_imports_lock);
	list_for_each_entry(imp, &rsm_imports, link) {
		if (imp->conn == conn && imp->handle == handle) {
			rsm_seg_event(&imp->events, &imp->wq, flags);
			break;
		}
	}
	mutex_unlock(&rsm_imports_lock);
}

/**
 * rsm_import_signal() - RSM_IOC_SIGNAL_POST on an import: one event to
 * the exported segment
 * @imp: the import
 * @uarg: user pointer to a struct rsm_signal
 *
 * Context: process context.
 * Return: 0, -EFAULT, -EINVAL, or -ECONNABORTED once forced off.
 */
int rsm_import_signal(struct rsm_import *imp, void __user *uarg)
{
	struct rsm_wire_seg_signal sig = {};
	struct rsm_signal a;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~__RSM_SIGNAL_F_ALL || a.reserved)
		return -EINVAL;
	if (READ_ONCE(imp->aborted))
		return -ECONNABORTED;
	if (imp->exp) {
		rsm_seg_event(&imp->exp->events, &imp->exp->wq, a.flags);
		return 0;
	}
	sig.handle = cpu_to_le64(imp->handle);
	sig.to_exporter = cpu_to_le32(1);
	sig.flags = cpu_to_le32(a.flags);
	ret = rsm_conn_notify(imp->conn, RSM_MSG_SEG_SIGNAL, &sig,
			      sizeof(sig));
	return ret ? -ECONNABORTED : 0;
}

/**
 * rsm_import_revoke() - SEG_REVOKE: the exporter is taking a segment away
 * @conn: the connection it came over
 * @handle: our import's handle
 *
 * Context: process context (rsm_wq).
 * Return: 0 once the import is aborted, -ENOENT if there is no such import.
 */
int rsm_import_revoke(struct rsm_conn *conn, u64 handle)
{
	struct rsm_import *imp;
	int ret = -ENOENT;

	mutex_lock(&rsm_imports_lock);
	list_for_each_entry(imp, &rsm_imports, link) {
		if (imp->conn == conn && imp->handle == handle) {
			/* Release takes rsm_imports_lock first: imp stays. */
			rsm_import_abort(imp);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&rsm_imports_lock);
	return ret;
}

/* Same-node import: check and record it with the export. */
static int connect_local(struct rsm_import *imp, u32 perm)
{
	struct rsm_export *exp;
	struct rsm_grant *g;
	int ret;

	exp = rsm_export_lookup(imp->segid);
	if (!exp)
		return -ENOENT;
	ret = rsm_export_check(exp, imp->node, perm,
			       from_kuid_munged(&init_user_ns, current_fsuid()),
			       from_kgid_munged(&init_user_ns, current_fsgid()),
			       capable(CAP_IPC_OWNER));
	if (ret)
		goto err_put;
	g = rsm_export_grant_local(exp, imp, perm);
	if (IS_ERR(g)) {
		ret = PTR_ERR(g);
		goto err_put;
	}
	imp->exp = exp;
	imp->grant = g;
	imp->size = exp->len;
	return 0;

err_put:
	rsm_export_put(exp);
	return ret;
}

/* Take the chunk table from a SEG_CONNECT or SEG_CHUNKS reply. */
static int chunks_take(struct rsm_import *imp,
		       const struct rsm_wire_seg_chunks *r, u32 len)
{
	u32 i, first, count;

	if (len < sizeof(*r))
		return -EPROTO;
	first = le32_to_cpu(r->first);
	count = le32_to_cpu(r->count);
	if (len < struct_size(r, chunks, count) || !count ||
	    first > imp->nchunks || count > imp->nchunks - first)
		return -EPROTO;
	for (i = 0; i < count; i++) {
		imp->chunks[first + i].rkey = le32_to_cpu(r->chunks[i].rkey);
		imp->chunks[first + i].iova = le64_to_cpu(r->chunks[i].iova);
	}
	return first + count;
}

/* Fetch the chunk table from chunk @have on (SEG_CHUNKS). */
static int chunks_fetch(struct rsm_import *imp, int have)
{
	struct rsm_wire_seg_handle more = {
		.handle = cpu_to_le64(imp->handle),
	};
	u8 reply[RSM_MSG_PAYLOAD];
	u32 len;
	int ret;

	while (have < imp->nchunks) {
		more.first = cpu_to_le32(have);
		len = sizeof(reply);
		ret = rsm_conn_request(imp->conn, RSM_MSG_SEG_CHUNKS, &more,
				       sizeof(more), reply, &len);
		if (ret)
			return ret;
		have = chunks_take(imp, (void *)reply, len);
		if (have < 0)
			return have;
	}
	return 0;
}

/**
 * rsm_import_rebind() - SEG_REBIND: the exporter moved the segment to new
 * registrations; fetch them, holding accesses meanwhile
 * @conn: the connection it came over
 * @handle: our import's handle
 *
 * Context: process context (rsm_wq).
 * Return: 0, -ENOENT if there is no such import, or the fetch's error.
 */
int rsm_import_rebind(struct rsm_conn *conn, u64 handle)
{
	struct rsm_import *imp;
	int ret = -ENOENT;

	mutex_lock(&rsm_imports_lock);
	list_for_each_entry(imp, &rsm_imports, link) {
		if (imp->conn == conn && imp->handle == handle) {
			/* Release waits for the rwsem once it unlisted us. */
			down_write(&imp->rdma_rwsem);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&rsm_imports_lock);
	if (ret)
		return ret;
	/* Not under rsm_imports_lock: the replies need the same lock-free
	 * completion path as everything else on this connection.
	 */
	ret = chunks_fetch(imp, 0);
	if (ret) {
		/*
		 * The table may hold old keys, which the exporter destroys
		 * now: an access through them would take the channel down.
		 * Force the import off instead, before release may free it.
		 */
		WRITE_ONCE(imp->aborted, true);
		import_aborted(imp);
	}
	up_write(&imp->rdma_rwsem);
	return ret;
}

/* Tell the exporter we are gone; it answers once our grant is released. */
static void disconnect_remote(struct rsm_import *imp)
{
	struct rsm_wire_seg_handle h = {
		.handle = cpu_to_le64(imp->handle),
	};

	if (rsm_conn_alive(imp->conn))
		rsm_conn_request(imp->conn, RSM_MSG_SEG_DISCONNECT, &h,
				 sizeof(h), NULL, NULL);
}

/*
 * Take a remote import off rsm_imports. A handler that found it before
 * (revoke, rebind) holds or waits for imp->rdma_rwsem: let it finish.
 */
static void import_unlist(struct rsm_import *imp)
{
	mutex_lock(&rsm_imports_lock);
	list_del_init(&imp->link);
	mutex_unlock(&rsm_imports_lock);
	down_write(&imp->rdma_rwsem);
	up_write(&imp->rdma_rwsem);
}

/* SEG_CONNECT and the chunk table; called with imp->rdma_rwsem held. */
static int connect_request(struct rsm_import *imp, u32 perm)
{
	struct rsm_wire_seg_connect req = {};
	u8 reply[RSM_MSG_PAYLOAD];
	struct rsm_wire_seg_chunks *r = (void *)reply;
	u32 len = sizeof(reply);
	int ret, have;

	req.handle = cpu_to_le64(imp->handle);
	req.segid = cpu_to_le32(imp->segid);
	req.perm = cpu_to_le32(perm);
	req.uid = cpu_to_le32(from_kuid_munged(&init_user_ns, current_fsuid()));
	req.gid = cpu_to_le32(from_kgid_munged(&init_user_ns, current_fsgid()));
	req.privileged = cpu_to_le32(capable(CAP_IPC_OWNER));
	ret = rsm_conn_request(imp->conn, RSM_MSG_SEG_CONNECT, &req,
			       sizeof(req), reply, &len);
	if (ret == -ETIMEDOUT || ret == -ECONNABORTED)
		return -EHOSTUNREACH;
	if (ret == -EINTR) {
		/* The exporter may have granted it: give it back. */
		disconnect_remote(imp);
		return ret;
	}
	if (ret)
		return ret;

	ret = -EPROTO;
	if (len < sizeof(*r))
		goto err_disconnect;
	imp->size = le64_to_cpu(r->size);
	imp->chunk_bytes = le64_to_cpu(r->chunk_bytes);
	imp->nchunks = le32_to_cpu(r->nchunks);
	if (!imp->size || !imp->chunk_bytes ||
	    imp->nchunks != DIV_ROUND_UP_ULL(imp->size, imp->chunk_bytes) ||
	    le32_to_cpu(r->perm) != perm)
		goto err_disconnect;
	ret = -ENOMEM;
	imp->chunks = kvcalloc(imp->nchunks, sizeof(*imp->chunks), GFP_KERNEL);
	imp->bounce = kmalloc(RSM_BOUNCE_SIZE, GFP_KERNEL);
	if (!imp->chunks || !imp->bounce)
		goto err_disconnect;
	have = chunks_take(imp, r, len);
	ret = have < 0 ? have : chunks_fetch(imp, have);
	if (ret)
		goto err_disconnect;
	return 0;

err_disconnect:
	disconnect_remote(imp);
	return ret;
}

/*
 * The import is listed before SEG_CONNECT goes out and holds
 * imp->rdma_rwsem until it has its chunk table: a SEG_REVOKE or
 * SEG_REBIND the exporter sends right after its reply finds the import
 * and waits for the connect to finish, then forces it off or refetches
 * the table.
 */
static int connect_remote(struct rsm_import *imp, struct rsm_ctrl *ctrl,
			  u32 perm)
{
	int ret;

	imp->conn = rsm_peer_conn_get(imp->node);
	if (!imp->conn)
		return -EHOSTUNREACH;
	if (rsm_conn_ctrl(imp->conn) != ctrl)
		return -ENODEV;	/* the node is reached by another device */
	imp->handle = atomic64_inc_return(&rsm_import_handle);
	mutex_lock(&rsm_imports_lock);
	list_add_tail(&imp->link, &rsm_imports);
	down_write(&imp->rdma_rwsem);
	mutex_unlock(&rsm_imports_lock);
	ret = connect_request(imp, perm);
	up_write(&imp->rdma_rwsem);
	if (ret)
		import_unlist(imp);
	return ret;
}

static void import_free(struct rsm_import *imp)
{
	if (imp->grant)
		rsm_grant_drop(imp->grant);
	if (imp->exp)
		rsm_export_put(imp->exp);
	if (imp->conn)
		rsm_conn_put(imp->conn);
	import_cache_free(imp);
	kvfree(imp->chunks);
	kfree(imp->bounce);
	if (imp->dummy)
		__free_page(imp->dummy);
	kfree(imp);
	rsm_count(RSM_CNT_IMPORTS, -1);
}

/**
 * rsm_import_connect() - RSM_IOC_IMPORT_CONNECT on a fresh file
 * @file: the file, which becomes the import
 * @uarg: user pointer to a struct rsm_import_connect
 *
 * Context: process context; sleeps up to the failure detection time.
 * Return: 0, or a negative errno as uapi/linux/rsm.h lists.
 */
long rsm_import_connect(struct file *file, void __user *uarg)
{
	struct rsm_import_connect c;
	struct rsm_ctrl_attr attr;
	struct rsm_import *imp;
	struct rsm_ctrl *ctrl;
	int ret;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.reserved || c.size || !c.ctrl[0] ||
	    !memchr(c.ctrl, 0, sizeof(c.ctrl)) ||
	    c.perm & ~(RSM_PERM_READ_BIT | RSM_PERM_WRITE_BIT))
		return -EINVAL;
	if (READ_ONCE(file->private_data))
		return -EBADFD;
	ctrl = rsm_ctrl_get(c.ctrl, c.ctrl_id, &attr);
	if (!ctrl)
		return -ENODEV;

	ret = -ENOMEM;
	imp = kzalloc(sizeof(*imp), GFP_KERNEL);
	if (!imp)
		goto out_ctrl;
	rsm_count(RSM_CNT_IMPORTS, 1);
	imp->kind = RSM_OBJ_IMPORT;
	address_space_init_once(&imp->mapping);
	imp->mapping.host = file_inode(file);
	mutex_init(&imp->lock);
	init_rwsem(&imp->rdma_rwsem);
	mutex_init(&imp->cache_lock);
	xa_init(&imp->cache);
	init_waitqueue_head(&imp->wq);
	INIT_LIST_HEAD(&imp->link);
	imp->node = c.node;
	imp->segid = c.segid;
	imp->perm = c.perm;

	if (c.node == rsm_node_id())
		ret = connect_local(imp, c.perm);
	else if (!ctrl->ibdev)
		ret = -ENODEV;	/* loopback reaches this node alone */
	else if (!c.node || c.node > RSM_NODE_ID_MAX)
		ret = -EHOSTUNREACH;
	else
		ret = connect_remote(imp, ctrl, c.perm);
	if (ret)
		goto err_free;

	c.size = imp->size;
	ret = -EFAULT;
	if (copy_to_user(uarg, &c, sizeof(c)))
		goto err_release;
	ret = -EBADFD;
	if (cmpxchg(&file->private_data, NULL, imp))
		goto err_release;
	/* No mapping can exist before: mmap waits for this (-EAGAIN). */
	WRITE_ONCE(file->f_mapping, &imp->mapping);
	rsm_ctrl_put(ctrl);
	return 0;

err_release:
	rsm_import_release(imp);
	goto out_ctrl;
err_free:
	import_free(imp);
out_ctrl:
	rsm_ctrl_put(ctrl);
	return ret;
}

/*
 * Copy between user memory and a same-node export's pages, a page at a
 * time through a kernel buffer: pages_rwsem is never held across a user
 * copy, whose fault may be on a mapping of this very segment (which takes
 * pages_rwsem too, and would deadlock against a waiting rebind).
 */
static int access_local(struct rsm_import *imp, bool write, u64 off,
			u64 len, void __user *buf)
{
	struct rsm_export *exp = imp->exp;
	void *tmp = kmalloc(PAGE_SIZE, GFP_KERNEL);
	int ret = 0;

	if (!tmp)
		return -ENOMEM;
	while (len) {
		size_t in = offset_in_page(off);
		size_t n = min_t(u64, len, PAGE_SIZE - in);
		struct page *page;
		void *kaddr;

		if (write && copy_from_user(tmp, buf, n)) {
			ret = -EFAULT;
			break;
		}
		down_read(&exp->pages_rwsem);
		page = rsm_pages_nth(exp->pages, off >> PAGE_SHIFT);
		kaddr = kmap_local_page(page);
		if (write)
			memcpy(kaddr + in, tmp, n);
		else
			memcpy(tmp, kaddr + in, n);
		kunmap_local(kaddr);
		up_read(&exp->pages_rwsem);
		if (!write && copy_to_user(buf, tmp, n)) {
			ret = -EFAULT;
			break;
		}
		off += n;
		len -= n;
		buf += n;
	}
	kfree(tmp);
	return ret;
}

/* RDMA READ or WRITE through the bounce buffer, one chunk piece a time. */
static int access_remote(struct rsm_import *imp, bool write, u64 off,
			 u64 len, void __user *buf)
{
	struct rsm_rdma_piece p;
	int ret;

	while (len) {
		u32 n = min_t(u64, min(len, chunk_left(imp, off)),
			      RSM_BOUNCE_SIZE);

		if (write && copy_from_user(imp->bounce, buf, n))
			return -EFAULT;
		p = piece(off, n, 0);
		ret = import_rdma(imp, write, imp->bounce, &p, 1);
		if (ret)
			return ret;
		if (!write && copy_to_user(buf, imp->bounce, n))
			return -EFAULT;
		off += n;
		len -= n;
		buf += n;
	}
	return 0;
}

/* Whether a transfer may go ahead; called with imp->lock held. */
static int access_check(struct rsm_import *imp, bool write,
			const struct rsm_iov *iov)
{
	lockdep_assert_held(&imp->lock);
	if (READ_ONCE(imp->aborted))
		return -ECONNABORTED;
	if (!(imp->perm & (write ? RSM_PERM_WRITE_BIT : RSM_PERM_READ_BIT)))
		return -EACCES;
	if (iov->offset > imp->size || iov->len > imp->size - iov->offset)
		return -ERANGE;
	return 0;
}

/* What a failed transfer leaves behind: barriers report it. */
static int access_failed(struct rsm_import *imp, int ret)
{
	if (ret == -ECONNABORTED)
		WRITE_ONCE(imp->aborted, true);
	if (ret != -EFAULT)
		imp->errors++;
	return ret;
}

/* One transfer, with every check; called with imp->lock held. */
static int import_access(struct rsm_import *imp, bool write,
			 const struct rsm_iov *iov)
{
	void __user *buf = u64_to_user_ptr(iov->buf);
	int ret;

	ret = access_check(imp, write, iov);
	if (ret || !iov->len)
		return ret;
	if (imp->exp)
		ret = access_local(imp, write, iov->offset, iov->len, buf);
	else
		ret = access_remote(imp, write, iov->offset, iov->len, buf);
	return ret ? access_failed(imp, ret) : 0;
}

/*
 * The leading entries of a remote vector that fit the bounce buffer
 * together, each within one chunk, move as one chain of RDMA requests:
 * one round trip instead of one per entry. Sets *@done to the entries
 * moved: 0 if fewer than two qualify (the caller moves the first alone,
 * with its own checks and errors), or if the chain failed (nothing is
 * known to have moved). Called with imp->lock held.
 */
static int vec_chain(struct rsm_import *imp, bool write,
		     const struct rsm_iov *iov, u32 count, u32 *done)
{
	struct rsm_rdma_piece p[RSM_RDMA_CHAIN_MAX];
	u32 i, n, used = 0;
	int ret;

	*done = 0;
	if (imp->exp)
		return 0;
	for (n = 0; n < count && n < RSM_RDMA_CHAIN_MAX; n++) {
		const struct rsm_iov *e = &iov[n];

		if (access_check(imp, write, e) || !e->len ||
		    e->len > RSM_BOUNCE_SIZE - used ||
		    e->len > chunk_left(imp, e->offset))
			break;
		p[n] = piece(e->offset, e->len, used);
		used += e->len;
	}
	if (write && n >= 2) {
		/* A bad buffer ends the chain: it then fails alone. */
		for (i = 0; i < n; i++)
			if (copy_from_user(imp->bounce + p[i].off,
					   u64_to_user_ptr(iov[i].buf),
					   p[i].len))
				break;
		n = i;
	}
	if (n < 2)
		return 0;
	ret = import_rdma(imp, write, imp->bounce, p, n);
	if (ret)
		return access_failed(imp, ret);
	for (i = 0; !write && i < n; i++) {
		if (copy_to_user(u64_to_user_ptr(iov[i].buf),
				 imp->bounce + p[i].off, p[i].len)) {
			*done = i;
			return -EFAULT;
		}
	}
	*done = n;
	return 0;
}

static int import_rw(struct rsm_import *imp, bool write, void __user *uarg)
{
	struct rsm_iov iov;
	int ret;

	if (copy_from_user(&iov, uarg, sizeof(iov)))
		return -EFAULT;
	mutex_lock(&imp->lock);
	ret = import_access(imp, write, &iov);
	mutex_unlock(&imp->lock);
	return ret;
}

static int import_vec(struct rsm_import *imp, bool write, void __user *uarg)
{
	struct rsm_iov iov[RSM_IOV_MAX];
	struct rsm_import_vec v;
	int ret = 0;
	u32 n;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	if (v.flags || v.reserved || v.done || !v.count ||
	    v.count > RSM_IOV_MAX)
		return -EINVAL;
	if (copy_from_user(iov, u64_to_user_ptr(v.iov),
			   v.count * sizeof(iov[0])))
		return -EFAULT;
	mutex_lock(&imp->lock);
	for (v.done = 0; v.done < v.count; v.done += n) {
		ret = vec_chain(imp, write, iov + v.done, v.count - v.done, &n);
		if (ret) {
			v.done += n;
			break;
		}
		if (n)
			continue;
		ret = import_access(imp, write, &iov[v.done]);
		if (ret)
			break;
		n = 1;
	}
	mutex_unlock(&imp->lock);
	/* Report how far it got, whatever happened. */
	if (put_user(v.done, (u32 __user *)(uarg +
					    offsetof(struct rsm_import_vec,
						     done))))
		return -EFAULT;
	return ret;
}

static int import_barrier(struct rsm_import *imp, void __user *uarg)
{
	struct rsm_barrier b;
	int ret = 0, wb = 0;

	if (copy_from_user(&b, uarg, sizeof(b)))
		return -EFAULT;
	if (b.reserved || b.op < RSM_BARRIER_OPEN || b.op > RSM_BARRIER_ORDER ||
	    (b.op == RSM_BARRIER_OPEN && b.token))
		return -EINVAL;
	/* What the mapping changed counts as accesses before the barrier. */
	if (b.op == RSM_BARRIER_OPEN)
		import_cache_drop_clean(imp);
	else
		wb = rsm_import_writeback(imp);
	mutex_lock(&imp->lock);
	if (wb == -EIO)
		imp->errors++;
	if (READ_ONCE(imp->aborted))
		ret = -ECONNABORTED;
	else if (b.op == RSM_BARRIER_OPEN)
		b.token = imp->errors;
	else if (b.token != imp->errors)
		ret = -EIO;
	mutex_unlock(&imp->lock);
	if (!ret && b.op == RSM_BARRIER_OPEN &&
	    copy_to_user(uarg, &b, sizeof(b)))
		ret = -EFAULT;
	return ret;
}

/**
 * rsm_import_ioctl() - the import segment commands
 * @imp: the import
 * @cmd: the command
 * @uarg: its argument
 *
 * Context: process context; a remote access sleeps until it completed.
 * Return: 0 or a negative errno; -ENOTTY for commands of other objects.
 */
long rsm_import_ioctl(struct rsm_import *imp, unsigned int cmd,
		      void __user *uarg)
{
	switch (cmd) {
	case RSM_IOC_IMPORT_GET:
		return import_rw(imp, false, uarg);
	case RSM_IOC_IMPORT_PUT:
		return import_rw(imp, true, uarg);
	case RSM_IOC_IMPORT_GETV:
		return import_vec(imp, false, uarg);
	case RSM_IOC_IMPORT_PUTV:
		return import_vec(imp, true, uarg);
	case RSM_IOC_IMPORT_BARRIER:
		return import_barrier(imp, uarg);
	case RSM_IOC_SIGNAL_POST:
		return rsm_import_signal(imp, uarg);
	default:
		return -ENOTTY;
	}
}

/**
 * rsm_import_release() - the import's file is closed: disconnect
 * @imp: the import
 *
 * Context: process context; a remote import waits for the exporter's
 * answer, at most the failure detection time.
 */
void rsm_import_release(struct rsm_import *imp)
{
	if (imp->conn) {
		import_unlist(imp);
		if (!READ_ONCE(imp->aborted)) {
			rsm_import_writeback(imp);
			disconnect_remote(imp);
		}
	}
	import_free(imp);
}
