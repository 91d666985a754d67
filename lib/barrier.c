// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Barriers and barrier mode.
 *
 * The argument checks follow RSMAPI's order. Barriers need import
 * segments, which land with issue #4; until then no barrier can be
 * initialised, and calls that pass their checks return
 * RSMERR_UNSUPPORTED_OPERATION.
 */
#include "librsm.h"

int rsm_memseg_import_init_barrier(rsm_memseg_import_handle_t im_memseg,
				   rsm_barrier_type_t type,
				   rsmapi_barrier_t *barrier)
{
	(void)type;
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!barrier)
		return RSMERR_BAD_BARRIER_PTR;
	return RSMERR_UNSUPPORTED_OPERATION;
}

/* Checks shared by open, close, order and destroy. */
static int barrier_check(rsmapi_barrier_t *barrier)
{
	if (!barrier)
		return RSMERR_BAD_BARRIER_PTR;
	if (!barrier->seg)
		return RSMERR_BARRIER_UNINITIALIZED;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_import_open_barrier(rsmapi_barrier_t *barrier)
{
	return barrier_check(barrier);
}

int rsm_memseg_import_close_barrier(rsmapi_barrier_t *barrier)
{
	return barrier_check(barrier);
}

int rsm_memseg_import_order_barrier(rsmapi_barrier_t *barrier)
{
	return barrier_check(barrier);
}

int rsm_memseg_import_destroy_barrier(rsmapi_barrier_t *barrier)
{
	return barrier_check(barrier);
}

int rsm_memseg_import_get_mode(rsm_memseg_import_handle_t im_memseg,
			       rsm_barrier_mode_t *mode)
{
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!mode)
		return RSMERR_BAD_ADDR;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_import_set_mode(rsm_memseg_import_handle_t im_memseg,
			       rsm_barrier_mode_t mode)
{
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (mode != RSM_BARRIER_MODE_IMPLICIT &&
	    mode != RSM_BARRIER_MODE_EXPLICIT)
		return RSMERR_BAD_MODE;
	return RSMERR_UNSUPPORTED_OPERATION;
}
