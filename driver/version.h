/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_VERSION_H
#define _RSM_VERSION_H

#define RSM_MODULE_VERSION "0.1.0"

#endif /* _RSM_VERSION_H */
