// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interconnect topology. The kernel half lands with issue #3 (control
 * plane); until then a valid call returns RSMERR_UNSUPPORTED_OPERATION.
 */
#include <stdlib.h>

#include "librsm.h"

int rsm_get_interconnect_topology(rsm_topology_t **topology_data)
{
	if (!topology_data)
		return RSMERR_BAD_TOPOLOGY_PTR;
	*topology_data = NULL;
	return RSMERR_UNSUPPORTED_OPERATION;
}

void rsm_free_interconnect_topology(rsm_topology_t *topology_data)
{
	free(topology_data);
}
