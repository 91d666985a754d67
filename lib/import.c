// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Import side: connect, disconnect, get, put, scatter-gather, map.
 *
 * The argument checks follow RSMAPI's order. The kernel half lands with
 * issues #4 (connect, get/put, getv/putv) and #6 (map); until then every
 * call that would need it returns RSMERR_UNSUPPORTED_OPERATION after its
 * checks.
 */
#include "librsm.h"

int rsm_memseg_import_connect(rsmapi_controller_handle_t controller,
			      rsm_node_id_t node_id,
			      rsm_memseg_id_t segment_id,
			      rsm_permission_t perm,
			      rsm_memseg_import_handle_t *im_memseg)
{
	struct rsm_ctrl_attr attr;
	int ret;

	(void)node_id;
	(void)segment_id;
	if (!controller)
		return RSMERR_BAD_CTLR_HNDL;
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	*im_memseg = NULL;
	if (perm & ~RSM_PERM_RDWR)
		return RSMERR_PERM_DENIED;
	ret = __rsm_ctrl_valid(controller, &attr);
	if (ret)
		return ret;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_import_disconnect(rsm_memseg_import_handle_t im_memseg)
{
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	return RSMERR_UNSUPPORTED_OPERATION;
}

/* The common checks of get and put, in RSMAPI's order (das: access size). */
static int access_check(rsm_memseg_import_handle_t im_memseg, off_t offset,
			const void *datap, size_t das)
{
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!datap)
		return RSMERR_BAD_ADDR;
	if ((uintptr_t)datap & (das - 1))
		return RSMERR_BAD_MEM_ALIGNMENT;
	if ((uint64_t)offset & (das - 1))
		return RSMERR_BAD_MEM_ALIGNMENT;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_import_get8(rsm_memseg_import_handle_t im_memseg,
			   off_t offset, uint8_t *datap, ulong_t rep_cnt)
{
	(void)rep_cnt;
	return access_check(im_memseg, offset, datap, sizeof(*datap));
}

int rsm_memseg_import_get16(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint16_t *datap, ulong_t rep_cnt)
{
	(void)rep_cnt;
	return access_check(im_memseg, offset, datap, sizeof(*datap));
}

int rsm_memseg_import_get32(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint32_t *datap, ulong_t rep_cnt)
{
	(void)rep_cnt;
	return access_check(im_memseg, offset, datap, sizeof(*datap));
}

int rsm_memseg_import_get64(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint64_t *datap, ulong_t rep_cnt)
{
	(void)rep_cnt;
	return access_check(im_memseg, offset, datap, sizeof(*datap));
}

int rsm_memseg_import_get(rsm_memseg_import_handle_t im_memseg,
			  off_t offset, void *dst_addr, size_t length)
{
	(void)length;
	return access_check(im_memseg, offset, dst_addr, 1);
}

int rsm_memseg_import_put8(rsm_memseg_import_handle_t im_memseg,
			   off_t offset, uint8_t *datap, ulong_t rep_cnt)
{
	(void)rep_cnt;
	return access_check(im_memseg, offset, datap, sizeof(*datap));
}

int rsm_memseg_import_put16(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint16_t *datap, ulong_t rep_cnt)
{
	(void)rep_cnt;
	return access_check(im_memseg, offset, datap, sizeof(*datap));
}

int rsm_memseg_import_put32(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint32_t *datap, ulong_t rep_cnt)
{
	(void)rep_cnt;
	return access_check(im_memseg, offset, datap, sizeof(*datap));
}

int rsm_memseg_import_put64(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint64_t *datap, ulong_t rep_cnt)
{
	(void)rep_cnt;
	return access_check(im_memseg, offset, datap, sizeof(*datap));
}

int rsm_memseg_import_put(rsm_memseg_import_handle_t im_memseg,
			  off_t offset, void *src_addr, size_t length)
{
	(void)length;
	return access_check(im_memseg, offset, src_addr, 1);
}

static int sgio_check(rsm_scat_gath_t *sg_io)
{
	if (!sg_io)
		return RSMERR_BAD_SGIO;
	if (!sg_io->remote_handle)
		return RSMERR_BAD_SEG_HNDL;
	if (!sg_io->io_request_count ||
	    sg_io->io_request_count > RSM_MAX_SGIOREQS)
		return RSMERR_BAD_SGIO;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_import_getv(rsm_scat_gath_t *sg_io)
{
	return sgio_check(sg_io);
}

int rsm_memseg_import_putv(rsm_scat_gath_t *sg_io)
{
	return sgio_check(sg_io);
}

int rsm_memseg_import_map(rsm_memseg_import_handle_t im_memseg,
			  void **address, rsm_attribute_t attr,
			  rsm_permission_t perm, off_t offset, size_t length)
{
	(void)attr;
	(void)offset;
	(void)length;
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!address)
		return RSMERR_BAD_ADDR;
	if (perm > RSM_PERM_RDWR)
		return RSMERR_BAD_PERMS;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_import_unmap(rsm_memseg_import_handle_t im_memseg)
{
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	return RSMERR_UNSUPPORTED_OPERATION;
}
