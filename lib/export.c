// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Export side and local memory handles.
 *
 * An export handle owns one file of /dev/rsm, made an export segment with
 * RSM_IOC_EXPORT_CREATE (the kernel pins the memory). Publish, unpublish,
 * republish and rebind act on that file; destroy closes it, which
 * unpublishes the segment (forcing every importer off) and unpins it.
 *
 * The argument checks follow RSMAPI's order. Checks that need the handle's
 * contents start with a registry lookup: a handle this library did not
 * make, or has destroyed, is RSMERR_BAD_SEG_HNDL, as a handle in the wrong
 * state. The library also checks what the kernel would refuse with EINVAL
 * (which would only say RSMERR_INTERNAL_ERROR): access list entries and
 * the rebind length.
 *
 * A local memory handle is a surrogate export segment that is never
 * published: creating it pins and validates the memory, and getv/putv use
 * the address and length it remembers.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/rsm_netlink.h>

#include "librsm.h"

/* The caller's access list goes to the kernel as it is. */
static_assert(sizeof(rsmapi_access_entry_t) == sizeof(struct rsm_acl_entry) &&
	      offsetof(rsmapi_access_entry_t, ae_node) ==
	      offsetof(struct rsm_acl_entry, node) &&
	      offsetof(rsmapi_access_entry_t, ae_permission) ==
	      offsetof(struct rsm_acl_entry, perm),
	      "rsmapi_access_entry_t is not struct rsm_acl_entry");

static size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static int page_aligned(uintptr_t v)
{
	return !(v & (page_size() - 1));
}

static struct __rsm_memseg_export_handle *export_get(const void *h)
{
	return (struct __rsm_memseg_export_handle *)
		__rsm_obj_get(h, RSM_OBJ_EXPORT);
}

static void export_put(struct __rsm_memseg_export_handle *ex)
{
	__rsm_obj_put(&ex->seg.obj);
}

/*
 * Open a segment file and make it an export segment over [vaddr, vaddr +
 * len) on the controller described by @attr.
 */
static int seg_create(const struct rsm_ctrl_attr *attr, void *vaddr,
		      size_t len, __u32 flags, int *fdp)
{
	struct rsm_export_create c = { 0 };
	int fd, ret;

	ret = __rsm_seg_open(&fd);
	if (ret)
		return ret;
	memcpy(c.ctrl, attr->name, sizeof(c.ctrl));
	c.ctrl_id = attr->id;
	c.vaddr = (uintptr_t)vaddr;
	c.len = len;
	c.flags = flags;
	if (ioctl(fd, RSM_IOC_EXPORT_CREATE, &c)) {
		ret = __rsm_errno_to_rsmerr(errno);
		close(fd);
		return ret;
	}
	*fdp = fd;
	return RSM_SUCCESS;
}

static __u32 kernel_flags(uint_t flags)
{
	return (flags & RSM_ALLOW_REBIND ? RSM_EXPORT_F_REBIND : 0) |
	       (flags & RSM_CREATE_SEG_DONTWAIT ? RSM_EXPORT_F_DONTWAIT : 0);
}

/*
 * Unknown flag bits (Solaris' man page documents an RSM_LOCK_OPS that no
 * header defines) are ignored, as Solaris ignored them.
 */
int rsm_memseg_export_create(rsmapi_controller_handle_t controller,
			     rsm_memseg_export_handle_t *memseg,
			     void *vaddr, size_t size, uint_t flags)
{
	struct __rsm_memseg_export_handle *ex;
	struct rsm_ctrl_attr attr;
	int fd, ret;

	if (!controller)
		return RSMERR_BAD_CTLR_HNDL;
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	*memseg = NULL;
	if (!vaddr)
		return RSMERR_BAD_ADDR;
	if (!size)
		return RSMERR_BAD_LENGTH;
	if (!page_aligned((uintptr_t)vaddr) || !page_aligned(size))
		return RSMERR_BAD_MEM_ALIGNMENT;
	ret = __rsm_ctrl_valid(controller, &attr);
	if (ret)
		return ret;
	if (size > attr.max_export_segment_size)
		return RSMERR_BAD_LENGTH;
	ex = calloc(1, sizeof(*ex));
	if (!ex)
		return RSMERR_INSUFFICIENT_MEM;
	flags &= RSM_ALLOW_REBIND | RSM_CREATE_SEG_DONTWAIT;
	ret = seg_create(&attr, vaddr, size, kernel_flags(flags), &fd);
	if (ret) {
		free(ex);
		return ret;
	}
	ex->vaddr = vaddr;
	ex->flags = flags;
	ex->creator = getpid();
	ex->loopback = attr.type == RSM_CTRL_TYPE_LOOPBACK;
	ex->seg.state = RSM_EXPORT_BIND;
	__rsm_seg_add(&ex->seg, RSM_OBJ_EXPORT, fd, controller, size);
	*memseg = ex;
	return RSM_SUCCESS;
}

/*
 * Closing the file (when no other thread is inside a call on this handle)
 * unpublishes and unpins the segment: there is no "segment in use" error,
 * importers see RSMERR_CONN_ABORTED.
 */
int rsm_memseg_export_destroy(rsm_memseg_export_handle_t memseg)
{
	struct __rsm_memseg_export_handle *ex;
	int ret;

	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	ex = export_get(memseg);
	if (!ex)
		return RSMERR_BAD_SEG_HNDL;
	ret = __rsm_obj_del(&ex->seg.obj);
	export_put(ex);
	return ret;
}

/*
 * @off is ignored, as in Solaris: a rebind always covers the whole
 * segment. The checks the kernel makes first (rebind allowed, creator) are
 * made here too, so the length check keeps its place after them.
 */
int rsm_memseg_export_rebind(rsm_memseg_export_handle_t memseg, void *vaddr,
			     offset_t off, size_t size)
{
	struct rsm_export_rebind r = { (uintptr_t)vaddr, size };
	struct __rsm_memseg_export_handle *ex;
	int ret = RSM_SUCCESS;

	(void)off;
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!vaddr)
		return RSMERR_BAD_ADDR;
	ex = export_get(memseg);
	if (!ex)
		return RSMERR_BAD_SEG_HNDL;
	pthread_mutex_lock(&ex->seg.lock);
	if (!(ex->flags & RSM_ALLOW_REBIND))
		ret = RSMERR_REBIND_NOT_ALLOWED;
	else if (getpid() != ex->creator)
		ret = RSMERR_NOT_CREATOR;
	else if (size != ex->seg.size)
		ret = RSMERR_BAD_LENGTH;
	else if (!page_aligned((uintptr_t)vaddr))
		ret = RSMERR_BAD_MEM_ALIGNMENT;
	else if (ioctl(ex->seg.fd, RSM_IOC_EXPORT_REBIND, &r))
		ret = __rsm_errno_to_rsmerr(errno);
	else
		ex->vaddr = vaddr;
	pthread_mutex_unlock(&ex->seg.lock);
	export_put(ex);
	return ret;
}

/* Ids 1 to RSM_DLPI_ID_END and the RSM_USER_APP range are not for users. */
static int reserved_segid(rsm_memseg_id_t id)
{
	return (id && id <= RSM_DLPI_ID_END) || id >= RSM_USER_APP_ID_BASE;
}

/* This node's id (0 until configured). */
static int local_node(rsm_node_id_t *node)
{
	struct rsm_topo t = { 0 };
	int fd, ret;

	ret = __rsm_ctl_fd(&fd);
	if (ret)
		return ret;
	if (ioctl(fd, RSM_IOC_TOPOLOGY, &t))
		return __rsm_errno_to_rsmerr(errno);
	*node = t.local_node;
	return RSM_SUCCESS;
}

/*
 * The kernel's checks of an access list, in its order: creator first, then
 * at most RSM_ACL_MAX entries, node ids 1 to RSM_NODE_ID_MAX, permissions
 * within 0666, and on loopback at most one entry, for this node.
 */
static int acl_check(const struct __rsm_memseg_export_handle *ex,
		     const rsmapi_access_entry_t *acl, uint_t n)
{
	rsm_node_id_t self = 0;
	uint_t i;
	int ret;

	if (getpid() != ex->creator)
		return RSMERR_NOT_CREATOR;
	if (n > RSM_ACL_MAX)
		return RSMERR_BAD_ACL;
	for (i = 0; i < n; i++)
		if (!acl[i].ae_node || acl[i].ae_node > RSM_NODE_ID_MAX ||
		    acl[i].ae_permission & ~RSM_PERM_MASK)
			return RSMERR_BAD_ACL;
	if (!ex->loopback || !n)
		return RSM_SUCCESS;
	if (n > 1)
		return RSMERR_BAD_ACL;
	ret = local_node(&self);
	if (ret)
		return ret;
	return acl[0].ae_node == self ? RSM_SUCCESS : RSMERR_BAD_ACL;
}

/* PUBLISH or REPUBLISH with the caller's list. */
static int publish_ioctl(struct __rsm_memseg_export_handle *ex,
			 unsigned long cmd, rsm_memseg_id_t *id,
			 const rsmapi_access_entry_t *acl, uint_t n)
{
	struct rsm_export_publish p = { 0 };

	p.segid = id ? *id : 0;
	p.acl_len = n;
	p.acl = n ? (uintptr_t)acl : 0;
	if (ioctl(ex->seg.fd, cmd, &p))
		return __rsm_errno_to_rsmerr(errno);
	if (id)
		*id = p.segid;
	return RSM_SUCCESS;
}

static int publish_locked(struct __rsm_memseg_export_handle *ex,
			  rsm_memseg_id_t *segment_id,
			  const rsmapi_access_entry_t *acl, uint_t n)
{
	int ret;

	if (ex->seg.state != RSM_EXPORT_BIND)
		return RSMERR_SEG_ALREADY_PUBLISHED;
	if (reserved_segid(*segment_id))
		return RSMERR_RESERVED_SEGID;
	ret = acl_check(ex, acl, n);
	if (!ret)
		ret = publish_ioctl(ex, RSM_IOC_EXPORT_PUBLISH, segment_id,
				    acl, n);
	if (ret)
		return ret;
	ex->segid = *segment_id;
	ex->seg.state = RSM_EXPORT_PUBLISH;
	return RSM_SUCCESS;
}

/* Id 0: the kernel picks one (at or above RSM_USER_APP_ID_BASE). */
int rsm_memseg_export_publish(rsm_memseg_export_handle_t memseg,
			      rsm_memseg_id_t *segment_id,
			      rsmapi_access_entry_t access_list[],
			      uint_t access_list_length)
{
	struct __rsm_memseg_export_handle *ex;
	int ret;

	if (!segment_id)
		return RSMERR_BAD_SEGID;
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (access_list_length && !access_list)
		return RSMERR_BAD_ACL;
	ex = export_get(memseg);
	if (!ex)
		return RSMERR_BAD_SEG_HNDL;
	pthread_mutex_lock(&ex->seg.lock);
	ret = publish_locked(ex, segment_id, access_list, access_list_length);
	pthread_mutex_unlock(&ex->seg.lock);
	export_put(ex);
	return ret;
}

/* Every importer is forced off; the segment stays pinned and bound. */
int rsm_memseg_export_unpublish(rsm_memseg_export_handle_t memseg)
{
	struct __rsm_memseg_export_handle *ex;
	int ret = RSM_SUCCESS;

	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	ex = export_get(memseg);
	if (!ex)
		return RSMERR_BAD_SEG_HNDL;
	pthread_mutex_lock(&ex->seg.lock);
	if (ex->seg.state != RSM_EXPORT_PUBLISH)
		ret = RSMERR_SEG_NOT_PUBLISHED;
	else if (ioctl(ex->seg.fd, RSM_IOC_EXPORT_UNPUBLISH))
		ret = __rsm_errno_to_rsmerr(errno);
	else
		ex->seg.state = RSM_EXPORT_BIND;
	pthread_mutex_unlock(&ex->seg.lock);
	export_put(ex);
	return ret;
}

/* The new list governs future connects; existing importers stay. */
int rsm_memseg_export_republish(rsm_memseg_export_handle_t memseg,
				rsmapi_access_entry_t access_list[],
				uint_t access_list_length)
{
	struct __rsm_memseg_export_handle *ex;
	int ret;

	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (access_list_length && !access_list)
		return RSMERR_BAD_ACL;
	ex = export_get(memseg);
	if (!ex)
		return RSMERR_BAD_SEG_HNDL;
	pthread_mutex_lock(&ex->seg.lock);
	if (ex->seg.state != RSM_EXPORT_PUBLISH)
		ret = RSMERR_SEG_NOT_PUBLISHED;
	else
		ret = acl_check(ex, access_list, access_list_length);
	if (!ret)
		ret = publish_ioctl(ex, RSM_IOC_EXPORT_REPUBLISH, NULL,
				    access_list, access_list_length);
	pthread_mutex_unlock(&ex->seg.lock);
	export_put(ex);
	return ret;
}

/*
 * The surrogate covers whole pages, on any controller (loopback too): the
 * kernel checks that the memory exists and pins it.
 */
int rsm_create_localmemory_handle(rsmapi_controller_handle_t controller,
				  rsm_localmemory_handle_t *l_handle,
				  caddr_t local_vaddr, size_t length)
{
	struct __rsm_localmemory_handle *lm;
	struct rsm_ctrl_attr attr;
	size_t pg = page_size(), len;
	int fd, ret;

	if (!local_vaddr || !page_aligned((uintptr_t)local_vaddr))
		return RSMERR_BAD_ADDR;
	if (!controller)
		return RSMERR_BAD_CTLR_HNDL;
	if (!l_handle)
		return RSMERR_BAD_LOCALMEM_HNDL;
	*l_handle = NULL;
	if (!length)
		return RSMERR_BAD_LENGTH;
	ret = __rsm_ctrl_valid(controller, &attr);
	if (ret)
		return ret;
	len = (length + pg - 1) & ~(pg - 1);
	if (len < length || len > attr.max_export_segment_size)
		return RSMERR_BAD_LENGTH;
	lm = calloc(1, sizeof(*lm));
	if (!lm)
		return RSMERR_INSUFFICIENT_MEM;
	ret = seg_create(&attr, local_vaddr, len, 0, &fd);
	if (ret) {
		free(lm);
		return ret;
	}
	lm->vaddr = local_vaddr;
	lm->len = length;
	__rsm_seg_add(&lm->seg, RSM_OBJ_LOCALMEM, fd, controller, len);
	*l_handle = lm;
	return RSM_SUCCESS;
}

/* @controller must be the one the handle was created with. */
int rsm_free_localmemory_handle(rsmapi_controller_handle_t controller,
				rsm_localmemory_handle_t l_handle)
{
	struct rsm_obj *obj;
	int ret;

	if (!controller)
		return RSMERR_BAD_CTLR_HNDL;
	if (!l_handle)
		return RSMERR_BAD_LOCALMEM_HNDL;
	obj = __rsm_obj_get(l_handle, RSM_OBJ_LOCALMEM);
	if (!obj)
		return RSMERR_BAD_LOCALMEM_HNDL;
	if (l_handle->seg.ctrl != controller)
		ret = RSMERR_BAD_CTLR_HNDL;
	else if (__rsm_obj_del(obj))
		ret = RSMERR_BAD_LOCALMEM_HNDL;	/* freed meanwhile */
	else
		ret = RSM_SUCCESS;
	__rsm_obj_put(obj);
	return ret;
}

/*
 * __rsm_localmem_addr() - the user address of [off, off + len) of a local
 * memory handle, for getv/putv: RSMERR_BAD_SGIO if the handle is not a
 * live local memory handle, RSMERR_BAD_ADDR if the range leaves it.
 */
int __rsm_localmem_addr(rsm_localmemory_handle_t handle, size_t off,
			size_t len, uint64_t *addr)
{
	struct rsm_obj *obj;
	int ret = RSM_SUCCESS;

	obj = __rsm_obj_get(handle, RSM_OBJ_LOCALMEM);
	if (!obj)
		return RSMERR_BAD_SGIO;
	if (len > handle->len || off > handle->len - len)
		ret = RSMERR_BAD_ADDR;
	else
		*addr = (uintptr_t)handle->vaddr + off;
	__rsm_obj_put(obj);
	return ret;
}
