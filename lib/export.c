// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Export side and local memory handles.
 *
 * The argument checks follow RSMAPI's order. The kernel half lands with
 * issue #4 (segments and data path); until then every call that would need
 * it returns RSMERR_UNSUPPORTED_OPERATION after its checks.
 */
#include <unistd.h>

#include "librsm.h"

static int page_aligned(uintptr_t v)
{
	return !(v & ((uintptr_t)sysconf(_SC_PAGESIZE) - 1));
}

int rsm_memseg_export_create(rsmapi_controller_handle_t controller,
			     rsm_memseg_export_handle_t *memseg,
			     void *vaddr, size_t size, uint_t flags)
{
	struct rsm_ctrl_attr attr;
	int ret;

	(void)flags;
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
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_export_destroy(rsm_memseg_export_handle_t memseg)
{
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_export_rebind(rsm_memseg_export_handle_t memseg, void *vaddr,
			     offset_t off, size_t size)
{
	(void)off;
	(void)size;
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!vaddr)
		return RSMERR_BAD_ADDR;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_export_publish(rsm_memseg_export_handle_t memseg,
			      rsm_memseg_id_t *segment_id,
			      rsmapi_access_entry_t access_list[],
			      uint_t access_list_length)
{
	if (!segment_id)
		return RSMERR_BAD_SEGID;
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (access_list_length && !access_list)
		return RSMERR_BAD_ACL;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_export_unpublish(rsm_memseg_export_handle_t memseg)
{
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_export_republish(rsm_memseg_export_handle_t memseg,
				rsmapi_access_entry_t access_list[],
				uint_t access_list_length)
{
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (access_list_length && !access_list)
		return RSMERR_BAD_ACL;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_create_localmemory_handle(rsmapi_controller_handle_t controller,
				  rsm_localmemory_handle_t *l_handle,
				  caddr_t local_vaddr, size_t length)
{
	if (!page_aligned((uintptr_t)local_vaddr))
		return RSMERR_BAD_ADDR;
	if (!controller)
		return RSMERR_BAD_CTLR_HNDL;
	if (!l_handle)
		return RSMERR_BAD_LOCALMEM_HNDL;
	if (!length)
		return RSMERR_BAD_LENGTH;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_free_localmemory_handle(rsmapi_controller_handle_t controller,
				rsm_localmemory_handle_t l_handle)
{
	if (!controller)
		return RSMERR_BAD_CTLR_HNDL;
	if (!l_handle)
		return RSMERR_BAD_LOCALMEM_HNDL;
	return RSMERR_UNSUPPORTED_OPERATION;
}
