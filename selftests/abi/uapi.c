// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time checks of the /dev/rsm ABI: the same layout on 32 and 64
 * bit, no implicit padding (also checked with -Wpadded), and every size a
 * multiple of 8. Built natively and with -m32 by scripts/check.
 */
#include <stddef.h>
#include <linux/rsm.h>

#define ABI(type, size) \
	_Static_assert(sizeof(struct type) == (size), #type " size"); \
	_Static_assert(sizeof(struct type) % 8 == 0, #type " not 8-aligned")

ABI(rsm_api, 24);
ABI(rsm_ctrl_attr, 160);
ABI(rsm_topo_entry, 144);
ABI(rsm_topo, 24);
ABI(rsm_export_create, 96);
ABI(rsm_acl_entry, 8);
ABI(rsm_export_publish, 24);
ABI(rsm_export_rebind, 16);
ABI(rsm_import_connect, 96);
ABI(rsm_iov, 24);
ABI(rsm_import_vec, 24);
ABI(rsm_barrier, 16);
ABI(rsm_signal, 8);

_Static_assert(offsetof(struct rsm_api, features) == 8, "rsm_api");
_Static_assert(offsetof(struct rsm_ctrl_attr, index) == 64, "ctrl_attr");
_Static_assert(offsetof(struct rsm_ctrl_attr, id) == 72, "ctrl_attr");
_Static_assert(offsetof(struct rsm_ctrl_attr, page_size) == 104, "ctrl_attr");
_Static_assert(offsetof(struct rsm_ctrl_attr, max_import_segments) == 152,
	       "ctrl_attr");
