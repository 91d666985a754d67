/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_SEGMENT_H
#define _RSM_SEGMENT_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rsm.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct file;
struct ib_mr;
struct mm_struct;
struct page;
struct pid;
struct rsm_conn;
struct rsm_ctrl;
struct rsm_import;
struct rsm_pages;

/* What a /dev/rsm file has become; first member of its object. */
enum rsm_obj_kind {
	RSM_OBJ_EXPORT = 1,
	RSM_OBJ_IMPORT = 2,
};

/**
 * struct rsm_export - an export segment
 * @kind: RSM_OBJ_EXPORT
 * @ref: reference count: the file, the id table, grants, local imports
 * @lock: protects @published, @segid, @acl, @acl_len; held across
 *	publish, republish, unpublish and rebind
 * @pages_rwsem: protects @pages and @vaddr (rebind replaces them, holding
 *	@lock too: @lock alone also keeps them)
 * @ctrl: the controller, referenced
 * @len: length in bytes
 * @npages: pages in @pages
 * @pages: the pinned user pages (pages.h)
 * @vaddr: their user address in the creator
 * @mm: the creator's mm, grabbed, charged for the pinned pages
 * @creator: the creating process (thread group)
 * @uid: creator's fs uid, for user-level access checks
 * @gid: creator's fs gid
 * @default_mode: permission without an access list: 0666 & ~umask
 * @flags: RSM_EXPORT_F_*
 * @published: findable by @segid
 * @segid: segment id while published
 * @acl: access list, or NULL for every node with @default_mode
 * @acl_len: entries in @acl
 * @grants: importers, as struct rsm_grant, under rsm_grants_lock
 * @events: events posted to the segment and not yet consumed
 * @wq: pollers waiting for an event
 */
struct rsm_export {
	enum rsm_obj_kind kind;
	struct kref ref;
	struct mutex lock;
	struct rw_semaphore pages_rwsem;
	struct rsm_ctrl *ctrl;
	u64 len;
	unsigned long npages;
	struct rsm_pages *pages;
	unsigned long vaddr;
	struct mm_struct *mm;
	struct pid *creator;
	u32 uid;
	u32 gid;
	u32 default_mode;
	u32 flags;
	bool published;
	u32 segid;
	struct rsm_acl_entry *acl;
	u32 acl_len;
	struct list_head grants;
	atomic_t events;
	wait_queue_head_t wq;
};

/**
 * struct rsm_import - an import segment
 * @kind: RSM_OBJ_IMPORT
 * @lock: serialises accesses; protects @errors, and @aborted of a same-node
 *	import (a remote one: @rdma_rwsem; an access that finds the channel
 *	gone also sets it)
 * @node: the exporting node
 * @segid: the segment id
 * @size: segment length in bytes
 * @perm: access granted: RSM_PERM read 0400 and write 0200 bits
 * @aborted: forced off (unpublish, destroy, dead node): ECONNABORTED
 * @errors: accesses that failed, for barrier tokens
 * @exp: a same-node import's export, referenced
 * @grant: a same-node import's grant, referenced
 * @conn: a remote import's connection, referenced
 * @handle: a remote import's name at the exporter
 * @chunk_bytes: bytes per registered chunk of a remote segment
 * @nchunks: chunks in @chunks
 * @chunks: rkey and address of every chunk
 * @bounce: kernel buffer RDMA reads and writes go through
 * @link: in rsm_imports, under rsm_imports_lock (remote imports)
 * @events: events posted to the import and not yet consumed
 * @wq: pollers waiting for an event or for the import to be forced off
 * @mapping: the file's own address space: its mappings, which a forced
 *	disconnect and a rebind zap
 * @rdma_rwsem: a remote import's RDMA transfers hold it for read; the
 *	connect, a rebind and forcing it off hold it for write, to change
 *	@chunks or @aborted between transfers
 * @cache_lock: protects @cache; held by a remote mapping's faults and
 *	write-back across their RDMA (so before @rdma_rwsem); taken after
 *	@lock where both are held
 * @cache: a remote import's mapped pages, struct rsm_cpage by page index
 * @dummy: what its mappings show once forced off, allocated then
 */
struct rsm_import {
	enum rsm_obj_kind kind;
	struct mutex lock;
	struct rw_semaphore rdma_rwsem;
	u32 node;
	u32 segid;
	u64 size;
	u32 perm;
	bool aborted;
	u64 errors;
	struct rsm_export *exp;
	struct rsm_grant *grant;
	struct rsm_conn *conn;
	u64 handle;
	u64 chunk_bytes;
	u32 nchunks;
	struct rsm_import_chunk {
		u32 rkey;
		u64 iova;
	} *chunks;
	void *bounce;
	struct list_head link;
	atomic_t events;
	wait_queue_head_t wq;
	struct address_space mapping;
	struct mutex cache_lock;
	struct xarray cache;
	struct page *dummy;
};

/**
 * struct rsm_grant - one importer of an export segment
 * @ref: reference count: each list it is on and each user
 * @exp_link: in the export's @grants while @on_exp
 * @conn_link: in the connection's grants while @on_conn
 * @on_exp: listed by the export
 * @on_conn: listed by the connection; its MRs are registered
 * @exp: the export, referenced
 * @conn: a remote importer's connection, referenced; NULL if local
 * @imp: a local importer
 * @node: the importing node
 * @handle: the importer's name for it
 * @perm: access granted
 * @chunk_bytes: bytes per chunk
 * @cpages: pages per chunk
 * @nmr: chunks
 * @mrs: one registration per chunk
 * @old_mrs: during a rebind, the registrations of the old pages
 *
 * Lists and registrations are under rsm_grants_lock.
 */
struct rsm_grant {
	struct kref ref;
	struct list_head exp_link;
	struct list_head conn_link;
	bool on_exp;
	bool on_conn;
	struct rsm_export *exp;
	struct rsm_conn *conn;
	struct rsm_import *imp;
	u32 node;
	u64 handle;
	u32 perm;
	u64 chunk_bytes;
	unsigned long cpages;
	unsigned int nmr;
	struct rsm_grant_mr {
		struct ib_mr *mr;
		struct sg_append_table sgt;
		int nents;
	} *mrs, *old_mrs;
};

/* segment.c: exports */
long rsm_export_create(struct file *file, void __user *uarg);
long rsm_export_ioctl(struct rsm_export *exp, unsigned int cmd,
		      void __user *uarg);
void rsm_export_release(struct rsm_export *exp);
struct rsm_export *rsm_export_lookup(u32 segid);
void rsm_export_put(struct rsm_export *exp);
int rsm_export_check(struct rsm_export *exp, u32 node, u32 perm, u32 uid,
		     u32 gid, bool privileged);
struct rsm_grant *rsm_export_grant_local(struct rsm_export *exp,
					 struct rsm_import *imp, u32 perm);
void rsm_grant_drop(struct rsm_grant *grant);
int rsm_seg_request(struct rsm_conn *conn, u8 type, const void *payload,
		    u32 len, void *reply, u32 *reply_len);
void rsm_seg_conn_gone(struct rsm_conn *conn);
void rsm_seg_event(atomic_t *events, wait_queue_head_t *wq, u32 flags);
int rsm_export_signal(struct rsm_export *exp, void __user *uarg);
void rsm_seg_signal(struct rsm_conn *conn, const void *payload, u32 len);

/* import.c: imports */
long rsm_import_connect(struct file *file, void __user *uarg);
long rsm_import_ioctl(struct rsm_import *imp, unsigned int cmd,
		      void __user *uarg);
void rsm_import_release(struct rsm_import *imp);
void rsm_import_abort(struct rsm_import *imp);
int rsm_import_revoke(struct rsm_conn *conn, u64 handle);
int rsm_import_rebind(struct rsm_conn *conn, u64 handle);
void rsm_import_conn_gone(struct rsm_conn *conn);
int rsm_import_signal(struct rsm_import *imp, void __user *uarg);
int rsm_import_mmap(struct rsm_import *imp, struct vm_area_struct *vma);
void rsm_import_zap(struct rsm_import *imp);
int rsm_import_writeback(struct rsm_import *imp);
void rsm_import_event(struct rsm_conn *conn, u64 handle, u32 flags);

#endif /* _RSM_SEGMENT_H */
