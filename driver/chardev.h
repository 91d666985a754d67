/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_CHARDEV_H
#define _RSM_CHARDEV_H

int rsm_chardev_init(void);
void rsm_chardev_uninit(void);

#endif /* _RSM_CHARDEV_H */
