/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_TOPOLOGY_H
#define _RSM_TOPOLOGY_H

#include <linux/compiler_types.h>

struct rsm_topo;

long rsm_topology_ioctl(struct rsm_topo __user *uarg);

#endif /* _RSM_TOPOLOGY_H */
