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
 *   - a field marked "out, zero in" is written by the kernel and must be
 *     zero on input, or EINVAL (so it can carry input in a later version);
 *   - an unknown command fails with ENOTTY, a bad user pointer with EFAULT,
 *     a lack of kernel memory with ENOMEM.
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
 * Segments
 *   A fresh file becomes an export segment with RSM_IOC_EXPORT_CREATE or an
 *   import segment with RSM_IOC_IMPORT_CONNECT; other segment commands on
 *   a file of the wrong kind fail with EBADFD. Closing the file destroys
 *   the segment: an export is unpublished (every importer is forced off)
 *   and its pages unpinned; an import is disconnected.
 *
 *   Export: CREATE pins [vaddr, vaddr + len) (page aligned; charged to
 *   RLIMIT_MEMLOCK unless CAP_IPC_LOCK) on a controller; PUBLISH makes it
 *   importable under a segment id (0: the kernel picks one at or above
 *   0x80000000) with an access list of (node, permission) entries, where a
 *   permission is three octal digits, owner/group/other, 4 read 2 write
 *   (no list: every node, with 0666 & ~umask of the creator); REPUBLISH
 *   replaces the list for future connects; UNPUBLISH forces every
 *   importer off; REBIND moves the segment to other memory of the same
 *   length, transparently for importers. Only the creating process may
 *   publish, republish, unpublish or rebind (EPERM). PUBLISH fails with
 *   EALREADY on a published segment, EADDRINUSE if the id is taken,
 *   ENOSPC if no automatic id is left; PUBLISH and REPUBLISH with ENODEV
 *   once the controller's device is gone (a published segment stays
 *   published, unreachable, until unpublished or destroyed); UNPUBLISH
 *   with ENOENT if it is not published; REBIND with EOPNOTSUPP without
 *   RSM_EXPORT_F_REBIND.
 *
 *   Import: CONNECT asks the exporting node (over the peer's channel, or
 *   locally) for segment id on node: ENOENT if not published,
 *   EKEYREJECTED if this node is not in its access list, EACCES if the
 *   caller's credentials lack the requested access (the permission digit
 *   is chosen by comparing the caller's uid and gid with the exporter's;
 *   CAP_IPC_OWNER overrides), EHOSTUNREACH if the node cannot be reached,
 *   ENODEV if the controller cannot reach it (loopback: any other node),
 *   EINTR if a signal interrupted the wait (nothing stays connected),
 *   EPROTO if the exporting node's answer is malformed. A file whose
 *   CONNECT has not returned cannot be mapped yet (mmap fails with
 *   EAGAIN).
 *   GET and PUT copy between the segment and user memory (RDMA READ and
 *   WRITE for a remote exporter); VEC does up to RSM_IOV_MAX of them in
 *   order and stops at the first error. Out of bounds: ERANGE; missing
 *   permission: EACCES; the exporter unpublished or destroyed the segment,
 *   or its node died: ECONNABORTED, from then on; a transport error: EIO.
 *
 *   Barriers: BARRIER with RSM_BARRIER_OPEN returns a token; CLOSE and
 *   ORDER with that token report ECONNABORTED if the import was forced
 *   off and EIO if an access failed since the token was taken. Every
 *   access has completed when GET, PUT or VEC returns.
 *
 * Events
 *   Every segment file counts events. RSM_IOC_SIGNAL_POST on an import
 *   adds one to the exported segment; on an export, one to each of its
 *   importers, on every node. With RSM_SIGNAL_F_NO_ACCUMULATE nothing is
 *   added where an event is already pending. poll() reports the file
 *   readable (EPOLLIN | EPOLLRDNORM) while an event is pending, and an
 *   import forced off as EPOLLHUP | EPOLLERR; RSM_IOC_SIGNAL_CONSUME
 *   takes one event (EAGAIN if none is pending, ECONNABORTED once the
 *   import was forced off and none is left). A plain read of readiness
 *   never consumes an event.
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
 * @local_node: out, zero in: this node's id, 0 if not configured
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

/* RSMAPI permissions: octal digits owner/group/other, 4 read, 2 write. */
#define RSM_PERM_MASK		0666U
/* Access an importer asks for and gets: the owner digit's bits. */
#define RSM_PERM_READ_BIT	0400U
#define RSM_PERM_WRITE_BIT	0200U

/* Segment ids the kernel picks start here (RSMAPI's RSM_USER_APP_ID_BASE). */
#define RSM_SEGID_AUTO_BASE	0x80000000U

/* rsm_export_create.flags (the values of RSMAPI's create flags) */
#define RSM_EXPORT_F_REBIND	0x1U	/* RSM_ALLOW_REBIND */
#define RSM_EXPORT_F_DONTWAIT	0x2U	/* RSM_CREATE_SEG_DONTWAIT */
#define __RSM_EXPORT_F_ALL	(RSM_EXPORT_F_REBIND | RSM_EXPORT_F_DONTWAIT)

/**
 * struct rsm_export_create - make this file an export segment
 * @ctrl: controller name
 * @ctrl_id: the controller's id, as RSM_IOC_CTRL_QUERY reported it; a
 *	different id (the device came back) fails with ENODEV
 * @vaddr: page-aligned start of the memory to export
 * @len: page-aligned length, at most the controller's
 *	max_export_segment_size
 * @flags: RSM_EXPORT_F_*
 * @reserved: must be zero
 */
struct rsm_export_create {
	char ctrl[RSM_CTRL_NAME_MAX];
	__u64 ctrl_id;
	__u64 vaddr;
	__u64 len;
	__u32 flags;
	__u32 reserved;
};

/* Most entries in an access list (RSMAPI's limit). */
#define RSM_ACL_MAX		64

/**
 * struct rsm_acl_entry - one access list entry (rsmapi_access_entry_t)
 * @node: node id
 * @perm: permission, at most RSM_PERM_MASK
 */
struct rsm_acl_entry {
	__u32 node;
	__u32 perm;
};

/**
 * struct rsm_export_publish - publish, or republish, an export segment
 * @segid: in: the segment id (0: the kernel picks; must be 0 for
 *	republish); out: the id
 * @acl_len: entries at @acl, at most RSM_ACL_MAX; 0 for no list
 * @acl: user pointer to @acl_len struct rsm_acl_entry
 * @reserved: must be zero
 */
struct rsm_export_publish {
	__u32 segid;
	__u32 acl_len;
	__u64 acl;
	__u64 reserved;
};

/**
 * struct rsm_export_rebind - move an export segment to other memory
 * @vaddr: page-aligned start of the new memory
 * @len: its length: the segment's length
 */
struct rsm_export_rebind {
	__u64 vaddr;
	__u64 len;
};

/**
 * struct rsm_import_connect - make this file an import segment
 * @ctrl: controller name
 * @ctrl_id: the controller's id (see struct rsm_export_create)
 * @node: the exporting node's id
 * @segid: the segment id
 * @perm: in: access wanted, RSM_PERM_MASK bits of the owner digit
 *	(0400 read, 0200 write); out: the access granted
 * @reserved: must be zero
 * @size: out, zero in: the segment's length in bytes
 */
struct rsm_import_connect {
	char ctrl[RSM_CTRL_NAME_MAX];
	__u64 ctrl_id;
	__u32 node;
	__u32 segid;
	__u32 perm;
	__u32 reserved;
	__u64 size;
};

/**
 * struct rsm_iov - one transfer between user memory and an import segment
 * @offset: byte offset in the segment
 * @len: bytes to move
 * @buf: user pointer to @len bytes
 */
struct rsm_iov {
	__u64 offset;
	__u64 len;
	__u64 buf;
};

/* Most entries in one RSM_IOC_IMPORT_GETV or PUTV (RSM_MAX_SGIOREQS). */
#define RSM_IOV_MAX		16

/**
 * struct rsm_import_vec - several transfers, done in order
 * @iov: user pointer to @count struct rsm_iov
 * @count: entries, 1 to RSM_IOV_MAX
 * @done: out, zero in: entries completed (all of them on success)
 * @flags: must be zero
 * @reserved: must be zero
 */
struct rsm_import_vec {
	__u64 iov;
	__u32 count;
	__u32 done;
	__u32 flags;
	__u32 reserved;
};

enum rsm_barrier_op {
	RSM_BARRIER_OPEN = 1,
	RSM_BARRIER_CLOSE,
	RSM_BARRIER_ORDER,
};

/**
 * struct rsm_barrier - open, close or order a barrier on an import
 * @op: enum rsm_barrier_op
 * @reserved: must be zero
 * @token: OPEN: out; CLOSE, ORDER: in, the token OPEN returned
 */
struct rsm_barrier {
	__u32 op;
	__u32 reserved;
	__u64 token;
};

/* rsm_signal.flags: drop the event if one is already pending. */
#define RSM_SIGNAL_F_NO_ACCUMULATE	0x1U
#define __RSM_SIGNAL_F_ALL		(RSM_SIGNAL_F_NO_ACCUMULATE)

/**
 * struct rsm_signal - post an event
 * @flags: RSM_SIGNAL_F_*
 * @reserved: must be zero
 */
struct rsm_signal {
	__u32 flags;
	__u32 reserved;
};

#define RSM_IOC_MAGIC		0xBA

#define RSM_IOC_API		_IOWR(RSM_IOC_MAGIC, 0x00, struct rsm_api)
#define RSM_IOC_CTRL_QUERY	_IOWR(RSM_IOC_MAGIC, 0x01, struct rsm_ctrl_attr)
#define RSM_IOC_TOPOLOGY	_IOWR(RSM_IOC_MAGIC, 0x02, struct rsm_topo)

#define RSM_IOC_EXPORT_CREATE	_IOW(RSM_IOC_MAGIC, 0x10, struct rsm_export_create)
#define RSM_IOC_EXPORT_PUBLISH	_IOWR(RSM_IOC_MAGIC, 0x11, struct rsm_export_publish)
#define RSM_IOC_EXPORT_REPUBLISH _IOW(RSM_IOC_MAGIC, 0x12, struct rsm_export_publish)
#define RSM_IOC_EXPORT_UNPUBLISH _IO(RSM_IOC_MAGIC, 0x13)
#define RSM_IOC_EXPORT_REBIND	_IOW(RSM_IOC_MAGIC, 0x14, struct rsm_export_rebind)

#define RSM_IOC_IMPORT_CONNECT	_IOWR(RSM_IOC_MAGIC, 0x20, struct rsm_import_connect)
#define RSM_IOC_IMPORT_GET	_IOW(RSM_IOC_MAGIC, 0x21, struct rsm_iov)
#define RSM_IOC_IMPORT_PUT	_IOW(RSM_IOC_MAGIC, 0x22, struct rsm_iov)
#define RSM_IOC_IMPORT_GETV	_IOWR(RSM_IOC_MAGIC, 0x23, struct rsm_import_vec)
#define RSM_IOC_IMPORT_PUTV	_IOWR(RSM_IOC_MAGIC, 0x24, struct rsm_import_vec)
#define RSM_IOC_IMPORT_BARRIER	_IOWR(RSM_IOC_MAGIC, 0x25, struct rsm_barrier)

#define RSM_IOC_SIGNAL_POST	_IOW(RSM_IOC_MAGIC, 0x30, struct rsm_signal)
#define RSM_IOC_SIGNAL_CONSUME	_IO(RSM_IOC_MAGIC, 0x31)

#endif /* _UAPI_LINUX_RSM_H */
