/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * rsm: Remote Shared Memory for Linux clusters, the /dev/rsm ioctl ABI.
 *
 * Device
 *   /dev/rsm is a misc character device. Every open file description is
 *   one kernel object. A fresh open is a control object; it answers the
 *   queries below. Objects never outlive their file: release() tears down
 *   everything the file created. Open it with O_CLOEXEC.
 *
 * Handshake
 *   RSM_IOC_API should be the first call. Userspace passes the API version
 *   it was built for and the feature bits it wants; the kernel rejects an
 *   unknown version or feature bit with EINVAL and answers with the
 *   features it supports and a bitmask of the ioctl numbers it implements
 *   (bit n set when number n, the low byte of the command, exists).
 *
 * Rules for every command
 *   - one struct per command, fixed layout on 32 and 64 bit, pointers
 *     carried as __u64;
 *   - every reserved field and every unknown flag bit must be zero, or the
 *     command fails with EINVAL and changes nothing;
 *   - strings are NUL-terminated inside their array, or EINVAL;
 *   - an unknown command fails with ENOTTY, a bad user pointer with EFAULT.
 *
 * Controllers
 *   A controller is something segments can be exported from and imported
 *   through: one per RDMA device with an InfiniBand or RoCE port (named
 *   after the device, e.g. "rxe0"), plus "loopback", which always exists
 *   and only reaches the local node. RSM_IOC_CTRL_QUERY looks a controller
 *   up by name (ENODEV when there is none) or, with RSM_CTRL_F_BY_INDEX, by
 *   its position in the list (ENOENT past the end), and returns its
 *   attributes. Each controller has an id that is never reused while the
 *   module is loaded, so a device that goes away and comes back under the
 *   same name is a different controller.
 *
 * Topology
 *   RSM_IOC_TOPOLOGY returns this node's id and one entry per configured
 *   peer: the channel's local controller, the peer's controller and the
 *   channel state (enum rsm_chan_state in <linux/rsm_netlink.h>; 3 is
 *   RSMAPI's RSM_CONNECTION_ACTIVE). It copies as many entries as the
 *   caller has room for and always reports how many exist.
 *
 * ioctl numbers: type 0xBA, numbers 0x00-0x3f (free in the kernel's
 * Documentation/userspace-api/ioctl/ioctl-number.rst).
 */
#ifndef _UAPI_LINUX_RSM_H
#define _UAPI_LINUX_RSM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define RSM_API_VERSION		1

/* Feature bits negotiated by RSM_IOC_API. None are defined yet. */
#define __RSM_FEATURE_ALL	0ULL

/**
 * struct rsm_api - API version and feature handshake
 * @api: in: the RSM_API_VERSION userspace was built for; out: unchanged
 * @reserved: must be zero
 * @features: in: features requested; out: features supported
 * @ioctls: out: bit n is set when ioctl number n is implemented
 */
struct rsm_api {
	__u32 api;
	__u32 reserved;
	__u64 features;
	__u64 ioctls;
};

/* Room for an RDMA device name (IB_DEVICE_NAME_MAX) and its NUL. */
#define RSM_CTRL_NAME_MAX	64

/* The only controller that exists on every node. */
#define RSM_CTRL_LOOPBACK_NAME	"loopback"

enum rsm_ctrl_type {
	RSM_CTRL_TYPE_LOOPBACK = 1,
	RSM_CTRL_TYPE_RDMA = 2,
};

/* Look the controller up by @index instead of @name. */
#define RSM_CTRL_F_BY_INDEX	0x1U
#define __RSM_CTRL_F_ALL	(RSM_CTRL_F_BY_INDEX)

/* Access sizes, as RSMAPI's rsm_access_size_t (RSM_DAS8 ... RSM_DAS64). */
#define RSM_ACCESS_8		0x1U
#define RSM_ACCESS_16		0x2U
#define RSM_ACCESS_32		0x4U
#define RSM_ACCESS_64		0x8U

/**
 * struct rsm_ctrl_attr - look up a controller and read its attributes
 * @name: in: the name to look up (without RSM_CTRL_F_BY_INDEX; with it,
 *	all zero); out: the controller's name
 * @index: in: position in the controller list (with RSM_CTRL_F_BY_INDEX;
 *	otherwise zero); out: unchanged
 * @flags: in: RSM_CTRL_F_*
 * @id: out: controller id, never reused while the module is loaded
 * @hwaddr: out: hardware address (the RDMA device's node GUID; 0 for
 *	loopback)
 * @type: out: enum rsm_ctrl_type
 * @direct_access_sizes: out: RSM_ACCESS_* sizes put/get handle natively
 * @atomic_sizes: out: RSM_ACCESS_* sizes with CPU-coherent remote atomics
 * @reserved: must be zero
 * @page_size: out: granularity of segment sizes and offsets, in bytes
 * @max_export_segment_size: out: largest segment that can be exported
 * @tot_export_segment_size: out: upper bound of all exported memory
 * @max_export_segments: out: most segments that can be exported
 * @max_import_map_size: out: largest import that can be mapped
 * @tot_import_map_size: out: upper bound of all mapped imports
 * @max_import_segments: out: most segments that can be imported
 */
struct rsm_ctrl_attr {
	char name[RSM_CTRL_NAME_MAX];
	__u32 index;
	__u32 flags;
	__u64 id;
	__u64 hwaddr;
	__u32 type;
	__u32 direct_access_sizes;
	__u32 atomic_sizes;
	__u32 reserved;
	__u64 page_size;
	__u64 max_export_segment_size;
	__u64 tot_export_segment_size;
	__u64 max_export_segments;
	__u64 max_import_map_size;
	__u64 tot_import_map_size;
	__u64 max_import_segments;
};

/**
 * struct rsm_topo_entry - one peer and the channel to it
 * @ctrl: local controller of the channel (the last one used; "" if the
 *	channel never came up)
 * @remote_ctrl: the peer's controller, as it announced it ("" if never
 *	connected)
 * @remote_hwaddr: the peer's controller hwaddr
 * @remote_node: the peer's node id
 * @state: enum rsm_chan_state
 */
struct rsm_topo_entry {
	char ctrl[RSM_CTRL_NAME_MAX];
	char remote_ctrl[RSM_CTRL_NAME_MAX];
	__u64 remote_hwaddr;
	__u32 remote_node;
	__u32 state;
};

/**
 * struct rsm_topo - read the cluster topology
 * @local_node: out: this node's id, 0 if not configured
 * @count: in: room in @entries; out: number of entries that exist (more
 *	than the room: call again with more)
 * @entries: in: user pointer to @count struct rsm_topo_entry
 * @flags: must be zero
 * @reserved: must be zero
 */
struct rsm_topo {
	__u32 local_node;
	__u32 count;
	__u64 entries;
	__u32 flags;
	__u32 reserved;
};

#define RSM_IOC_MAGIC		0xBA

#define RSM_IOC_API		_IOWR(RSM_IOC_MAGIC, 0x00, struct rsm_api)
#define RSM_IOC_CTRL_QUERY	_IOWR(RSM_IOC_MAGIC, 0x01, struct rsm_ctrl_attr)
#define RSM_IOC_TOPOLOGY	_IOWR(RSM_IOC_MAGIC, 0x02, struct rsm_topo)

#endif /* _UAPI_LINUX_RSM_H */
