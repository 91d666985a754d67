/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_NETLINK_H
#define _RSM_NETLINK_H

int rsm_netlink_init(void);
void rsm_netlink_uninit(void);

#endif /* _RSM_NETLINK_H */
