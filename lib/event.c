// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Events: signal post and wait, poll descriptors.
 *
 * The argument checks follow RSMAPI's order. Events land with issue #5;
 * until then calls that pass their checks return
 * RSMERR_UNSUPPORTED_OPERATION.
 */
#include "librsm.h"

int rsm_intr_signal_post(void *memseg, uint_t flags)
{
	(void)flags;
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_intr_signal_wait(void *memseg, int timeout)
{
	(void)timeout;
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_get_pollfd(void *memseg, struct pollfd *fd)
{
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!fd)
		return RSMERR_BAD_ADDR;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_memseg_release_pollfd(void *memseg)
{
	if (!memseg)
		return RSMERR_BAD_SEG_HNDL;
	return RSMERR_UNSUPPORTED_OPERATION;
}

int rsm_intr_signal_wait_pollfd(struct pollfd fds[], nfds_t nfds,
				int timeout, int *numfdsp)
{
	(void)timeout;
	if (numfdsp)
		*numfdsp = 0;
	if (nfds && !fds)
		return RSMERR_BAD_ADDR;
	return RSMERR_UNSUPPORTED_OPERATION;
}
