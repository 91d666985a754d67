/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Newer kernel interfaces for older kernels, chosen by feature probes in
 * Kbuild (never by version number). Included into every file by Kbuild.
 */
#ifndef _RSM_COMPAT_H
#define _RSM_COMPAT_H

#ifndef RSM_HAVE_VM_FLAGS_SET
#include <linux/mm_types.h>

/* 6.3 made vm_flags read-only behind these helpers. */
static inline void vm_flags_set(struct vm_area_struct *vma,
				unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#endif /* _RSM_COMPAT_H */
