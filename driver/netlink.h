/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_NETLINK_H
#define _RSM_NETLINK_H

#include <linux/atomic.h>
#include <linux/rsm_netlink.h>

/* What the module holds now, reported in RSM_A_COUNTERS. */
extern atomic64_t rsm_counters[RSM_CNT_MAX + 1];

static inline void rsm_count(enum rsm_counter c, s64 delta)
{
	atomic64_add(delta, &rsm_counters[c]);
}

int rsm_netlink_init(void);
void rsm_netlink_uninit(void);

#endif /* _RSM_NETLINK_H */
