/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_CTRL_H
#define _RSM_CTRL_H

#include <linux/compiler_types.h>

int rsm_ctrl_init(void);
void rsm_ctrl_uninit(void);
long rsm_ctrl_ioctl_query(void __user *uarg);

#endif /* _RSM_CTRL_H */
