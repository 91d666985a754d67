/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rsmapi.h - Remote Shared Memory API (RSMAPI), classic application interface
 *
 * This is the public header of librsm (link with -lrsm), a Linux
 * reimplementation of the Solaris/illumos RSMAPI.  It is meant to be source
 * compatible with the Solaris <rsmapi.h>: every name, type, structure layout
 * and constant value below follows the classic API, so existing Solaris
 * RSMAPI programs compile unchanged.
 *
 * Return convention: every function returns RSM_SUCCESS (0) on success or
 * one of the positive RSMERR_* codes below on failure.  The functions never
 * return -1 and never report errors through errno.  The only exception is
 * rsm_free_interconnect_topology(), which returns nothing.
 *
 * Solaris splits these definitions over <sys/rsm/rsm_common.h>,
 * <sys/rsm/rsmapi_common.h> and <rsmapi.h>.  Here they live in one file, in
 * three sections named after those headers, preceded by a small section of
 * Linux compatibility definitions (Solaris types that glibc lacks).
 */
#ifndef _RSMAPI_H
#define _RSMAPI_H

#include <poll.h>		/* struct pollfd, nfds_t */
#include <stddef.h>		/* size_t */
#include <stdint.h>		/* uint8_t ... uint64_t */
#include <sys/param.h>		/* included by the Solaris header too */
#include <sys/types.h>		/* off_t, caddr_t */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ===========================================================================
 * Linux compatibility additions (not part of the Solaris headers)
 * ===========================================================================
 *
 * Solaris basic types used by the API but not provided by glibc.
 */
typedef unsigned int	uint_t;
typedef unsigned long	ulong_t;
typedef unsigned char	uchar_t;
#ifdef __GNUC__
__extension__	/* long long is not C89; keep -std=c89 -pedantic quiet */
#endif
typedef long long	offset_t;	/* Solaris 64-bit signed file offset */

/*
 * caddr_t: glibc's <sys/types.h> declares it, together with daddr_t and
 * guarded by __daddr_t_defined, only when __USE_MISC is in effect (the
 * default, or _DEFAULT_SOURCE/_GNU_SOURCE).  Under a strict -std=c99 or
 * -std=c11 it is missing, so declare it here without redefining glibc's.
 * Non-glibc libcs (musl) declare it under _GNU_SOURCE or _BSD_SOURCE.
 */
#if defined(__GLIBC__)
#if !defined(__daddr_t_defined)
typedef char *caddr_t;
#endif
#elif !defined(_GNU_SOURCE) && !defined(_BSD_SOURCE)
typedef char *caddr_t;
#endif

/*
 * Solaris gets MAXNAMELEN (256) from <sys/param.h>; Linux's does not define
 * it.  The topology structures below use a private constant for their
 * arrays, so their layout stays 256 bytes even if some other header has
 * already defined MAXNAMELEN differently (e.g. <rpcsvc/nlm_prot.h>).
 */
#ifndef MAXNAMELEN
#define MAXNAMELEN		256
#endif
#define _RSM_MAXNAMELEN		256

/*
 * ===========================================================================
 * rsm_common.h part: base types, error codes, segment ids, permissions
 * ===========================================================================
 */

/* Kernel agent protocol version */
#define RSM_VERSION		5

/* Return values */
#define RSM_SUCCESS				0
#define RSMERR_BAD_LIBRARY_VERSION		1
#define RSMERR_BAD_TOPOLOGY_PTR			2
#define RSMERR_BAD_CTLR_HNDL			3
#define RSMERR_CTLR_NOT_PRESENT			4
#define RSMERR_BAD_SEG_HNDL			5
#define RSMERR_SEG_ALREADY_PUBLISHED		6
#define RSMERR_SEG_NOT_PUBLISHED		7
#define RSMERR_SEG_NOT_PUBLISHED_TO_NODE	8
#define RSMERR_SEG_ALREADY_MAPPED		9
#define RSMERR_SEG_STILL_MAPPED			10
#define RSMERR_SEG_NOT_MAPPED			11
#define RSMERR_NOT_CREATOR			12
#define RSMERR_BAD_BARRIER_PTR			13
#define RSMERR_BAD_SGIO				14
#define RSMERR_BAD_LOCALMEM_HNDL		15
#define RSMERR_BAD_ADDR				16
#define RSMERR_BAD_MEM_ALIGNMENT		17
#define RSMERR_BAD_OFFSET			18
#define RSMERR_MISALIGNED_OFFSET		19
#define RSMERR_BAD_LENGTH			20
#define RSMERR_BAD_ACL				21
#define RSMERR_BAD_SEGID			22
#define RSMERR_RESERVED_SEGID			23
#define RSMERR_SEGID_IN_USE			24
#define RSMERR_BAD_MODE				25
#define RSMERR_BAD_PERMS			26
#define RSMERR_PERM_DENIED			27
#define RSMERR_LOCKS_NOT_SUPPORTED		28
#define RSMERR_LOCKS_NOT_ENABLED		29
#define RSMERR_REBIND_NOT_ALLOWED		30
#define RSMERR_INSUFFICIENT_RESOURCES		31
#define RSMERR_INSUFFICIENT_MEM			32
#define RSMERR_MAP_FAILED			33
#define RSMERR_POLLFD_IN_USE			34
#define RSMERR_BARRIER_UNINITIALIZED		35
#define RSMERR_BARRIER_OPEN_FAILED		36
#define RSMERR_BARRIER_NOT_OPENED		37
#define RSMERR_BARRIER_FAILURE			38
#define RSMERR_REMOTE_NODE_UNREACHABLE		39
#define RSMERR_CONN_ABORTED			40
#define RSMERR_INTERRUPTED			41
#define RSMERR_TIMEOUT				42
#define RSMERR_BAD_APPID			43
#define RSMERR_BAD_CONF				44
#define RSMERR_SEG_NOT_CONNECTED		45

#define RSMERR_INTERNAL_ERROR			100

/*
 * Driver-level (RSMPI) return values.  They are not produced by the API on
 * purpose, but a few can reach applications from the kernel agent.
 */
#define RSMERR_BAD_DRIVER_VERSION		101
#define RSMERR_UNSUPPORTED_VERSION		102
#define RSMERR_DRIVER_NAME_IN_USE		103
#define RSMERR_DRIVER_NOT_REGISTERED		104
#define RSMERR_DRIVER_THREAD_RUNNING		105
#define RSMERR_NEED_THREAD_INIT			106
#define RSMERR_THREAD_NOT_INITED		107
#define RSMERR_CTLRS_REGISTERED			108
#define RSMERR_CTLR_NOT_REGISTERED		109
#define RSMERR_CTLR_ALREADY_REGISTERED		110
#define RSMERR_CTLR_IN_USE			111
#define RSMERR_NAME_TOO_LONG			112
#define RSMERR_SEG_PUBLISHED			113
#define RSMERR_SEG_NOT_PUBLISHED_TO_RSM_ADDR	114
#define RSMERR_SEG_IN_USE			115
#define RSMERR_BAD_SENDQ_HNDL			116
#define RSMERR_BAD_ARGS_ERRORS			117
#define RSMERR_BAD_MSTYPE			118
#define RSMERR_NO_BACKING_MEM			119
#define RSMERR_NOT_MEM				120
#define RSMERR_MEM_ALREADY_BOUND		121
#define RSMERR_MEM_NOT_BOUND			122
#define RSMERR_HANDLER_NOT_REGISTERED		123
#define RSMERR_NO_HANDLER			124
#define RSMERR_UNBIND_REBIND_NOT_ALLOWED	125
#define RSMERR_CALLBACKS_NOT_SUPPORTED		126
#define RSMERR_UNSUPPORTED_OPERATION		127
#define RSMERR_RSM_ADDR_UNREACHABLE		128
#define RSMERR_UNKNOWN_RSM_ADDR			129
#define RSMERR_BAD_BARRIER_HNDL			130
#define RSMERR_COMM_ERR_MAYBE_DELIVERED		131
#define RSMERR_COMM_ERR_NOT_DELIVERED		132
#define RSMERR_QUEUE_FENCE_UP			133
#define RSMERR_QUEUE_FULL			134

/*
 * Segment id space, partitioned by user.  rsm_memseg_export_publish()
 * rejects ids 1..RSM_DLPI_ID_END and the RSM_USER_APP range (the latter is
 * where ids are allocated when the caller asks for id 0).  Applications
 * pick ids from RSM_HPC_ID_BASE up, ideally from a range reserved for them
 * in /etc/rsm/rsm.segmentid (see rsm_get_segmentid_range()).
 */
#define RSM_DRIVER_PRIVATE_ID_BASE	0
#define RSM_DRIVER_PRIVATE_ID_END	0x0FFFFF
#define RSM_CLUSTER_TRANSPORT_ID_BASE	0x100000
#define RSM_CLUSTER_TRANSPORT_ID_END	0x1FFFFF
#define RSM_RSMLIB_ID_BASE		0x200000
#define RSM_RSMLIB_ID_END		0x2FFFFF
#define RSM_DLPI_ID_BASE		0x300000
#define RSM_DLPI_ID_END			0x3FFFFF
#define RSM_HPC_ID_BASE			0x400000
#define RSM_HPC_ID_END			0x4FFFFF
#define RSM_OPS_ID_BASE			0x500000
#define RSM_OPS_ID_END			0x5FFFFF
#define RSM_USER_APP_ID_BASE		0x80000000
#define RSM_USER_APP_ID_END		0xFFFFFFFF

/*
 * Access permissions, in the owner digit of a Unix mode.  An access list
 * entry carries a full owner/group/other mode (e.g. 0640); connect and map
 * take one of the values below.
 */
#define RSM_PERM_NONE		0
#define RSM_PERM_READ		0400
#define RSM_PERM_WRITE		0200
#define RSM_PERM_RDWR		(RSM_PERM_READ | RSM_PERM_WRITE)

/* Maximum rsm_scat_gath_t.io_request_count */
#define RSM_MAX_SGIOREQS	16

/* Direct access size bits, as in attr_direct_access_sizes */
typedef enum {
	RSM_DAS8	= 1,
	RSM_DAS16	= 2,
	RSM_DAS32	= 4,
	RSM_DAS64	= 8
} rsm_access_size_t;

typedef uint64_t rsm_addr_t;		/* interconnect hardware address */
typedef uint32_t rsm_node_id_t;		/* cluster node id */
typedef uint32_t rsm_memseg_id_t;	/* segment id, unique per node */
typedef uint32_t rsm_permission_t;	/* RSM_PERM_* or an ACL mode */

/* Opaque segment handles */
struct __rsm_memseg_import_handle;
typedef struct __rsm_memseg_import_handle *rsm_memseg_import_handle_t;

struct __rsm_memseg_export_handle;
typedef struct __rsm_memseg_export_handle *rsm_memseg_export_handle_t;

/* Barrier scope for rsm_memseg_import_init_barrier() */
typedef enum {
	RSM_BARRIER_SEGMENT		= 0x01,
	RSM_BARRIER_NODE		= 0x02,
	RSM_BARRIER_SEGMENT_THREAD	= 0x11,
	RSM_BARRIER_NODE_THREAD		= 0x12
} rsm_barrier_type_t;

/*
 * Compatibility alias: the init_barrier(3RSM) man page names the "only
 * supported type" RSM_BAR_DEFAULT, which no Solaris header ever defined.
 * (illumos ignores the barrier type altogether.)
 */
#define RSM_BAR_DEFAULT		RSM_BARRIER_NODE

/* One 8-byte word of the 32-byte driver-level barrier below */
typedef union {
	uint64_t	u64;
	int64_t		i64;
	uint32_t	u32[2];
	int32_t		i32[2];
	uint16_t	u16[4];
	int16_t		i16[4];
	uint8_t		u8[8];
	int8_t		i8[8];
	uchar_t		uc[8];
	char		c[8];
	void		*vp;
} rsm_barrier_component_t;

/* Opaque barrier state used by the kernel agent and interconnect drivers */
typedef struct {
	rsm_barrier_component_t	comp[4];
} rsm_barrier_t;

/* Import segment barrier mode (default: RSM_BARRIER_MODE_IMPLICIT) */
typedef enum {
	RSM_BARRIER_MODE_EXPLICIT	= 0,
	RSM_BARRIER_MODE_IMPLICIT	= 1
} rsm_barrier_mode_t;

/*
 * ===========================================================================
 * rsmapi_common.h part: controller, access list, barrier and I/O vectors
 * ===========================================================================
 */

/* Opaque handle for local memory used in scatter/gather lists */
struct __rsm_localmemory_handle;
typedef struct __rsm_localmemory_handle *rsm_localmemory_handle_t;

/* Opaque controller handle */
struct __rsmapi_controller_handle;
typedef struct __rsmapi_controller_handle *rsmapi_controller_handle_t;

/* Controller attributes, filled by rsm_get_controller_attr() */
typedef struct {
	uint_t	attr_direct_access_sizes;	/* RSM_DAS* bits */
	uint_t	attr_atomic_sizes;
	size_t	attr_page_size;
	size_t	attr_max_export_segment_size;
	size_t	attr_tot_export_segment_size;
	ulong_t	attr_max_export_segments;
	size_t	attr_max_import_map_size;
	size_t	attr_tot_import_map_size;
	ulong_t	attr_max_import_segments;
} rsmapi_controller_attr_t;

/*
 * Access list entry for publish/republish: which node may import, and with
 * which owner/group/other mode.
 *
 * Note: Sun's Programming Interfaces Guide example uses the name
 * rsm_access_entry_t.  That is a documentation bug: rsm_access_entry_t is a
 * kernel (RSMPI) type with a different layout (hardware address instead of
 * node id), so it is deliberately not provided as an alias here.
 */
typedef struct {
	rsm_node_id_t		ae_node;	/* node allowed access */
	rsm_permission_t	ae_permission;	/* its mode, at most 0666 */
} rsmapi_access_entry_t;

/*
 * Barrier: storage owned by the caller, initialised and used only by the
 * library (rsm_memseg_import_init_barrier() and friends).
 */
typedef struct {
	void		*seg;
	uint16_t	gnum;
	void		*privdata;
} rsmapi_barrier_t;

/*
 * One scatter/gather request: transfer_length bytes between the local
 * buffer (local.handle + local_offset or local.vaddr + local_offset,
 * selected by io_type) and remote_offset in the imported segment.
 */
typedef struct {
	int	io_type;		/* RSM_HANDLE_TYPE or RSM_VA_TYPE */
	union {
		rsm_localmemory_handle_t	handle;
		caddr_t				vaddr;
	} local;
	size_t	local_offset;
	size_t	remote_offset;
	size_t	transfer_length;
} rsm_iovec_t;

/*
 * Scatter/gather list for rsm_memseg_import_putv()/getv(): io_request_count
 * (1..RSM_MAX_SGIOREQS) entries at iovec, all against remote_handle.  On
 * return io_residual_count is the number of entries not completed.  flags
 * takes RSM_IMPLICIT_SIGPOST, optionally with RSM_SIGPOST_NO_ACCUMULATE.
 */
typedef struct {
	rsm_node_id_t			local_nodeid;
	ulong_t				io_request_count;
	ulong_t				io_residual_count;
	uint_t				flags;
	rsm_memseg_import_handle_t	remote_handle;
	rsm_iovec_t			*iovec;
} rsm_scat_gath_t;

/* rsm_iovec_t.io_type */
#define RSM_HANDLE_TYPE		0x01	/* local.handle is valid */
#define RSM_VA_TYPE		0x02	/* local.vaddr is valid */

/*
 * rsm_memseg_export_create() flags.
 *
 * The export_create(3RSM) man page also mentions RSM_LOCK_OPS; it was never
 * defined by any Solaris header and is not provided here.  (Likewise there
 * is no RSM_DLPI_QOS.)
 */
#define RSM_ALLOW_REBIND		0x01	/* rebind allowed */
#define RSM_CREATE_SEG_DONTWAIT		0x02	/* don't block for resources */

/* rsm_scat_gath_t.flags: post a signal after the whole vector completed */
#define RSM_IMPLICIT_SIGPOST		0x01

/*
 * rsm_intr_signal_post() flag, also valid in rsm_scat_gath_t.flags next to
 * RSM_IMPLICIT_SIGPOST: drop the event if one is already pending.
 */
#define RSM_SIGPOST_NO_ACCUMULATE	0x02

/* Compatibility alias: the spelling used by the putv(3RSM) man page */
#define RSM_SIG_POST_NO_ACCUMULATE	RSM_SIGPOST_NO_ACCUMULATE

/*
 * ===========================================================================
 * rsmapi.h part: mapping attributes, topology and the functions
 * ===========================================================================
 */

/* rsm_memseg_import_map() attribute */
typedef enum {
	RSM_MAP_NONE		= 0x0,	/* the system picks the address */
	RSM_MAP_FIXED		= 0x1,	/* map exactly at *address */
	RSM_MAP_RESERVED	= 0x2
} rsm_attribute_t;

/*
 * Interconnect topology, as returned by rsm_get_interconnect_topology() in
 * one buffer released with rsm_free_interconnect_topology().
 *
 * rsm_topology_t holds local_cntlr_count pointers to rsm_connections_t,
 * each of which holds hdr.remote_cntlr_count rsm_remote_cntlr_t entries;
 * the [1] arrays are really that long.  A connection may only be used when
 * its connection_state is RSM_CONNECTION_ACTIVE.  Controller names are
 * "<controller type><unit>", and an exported segment is imported through
 * the controller named by remote_cntlrname.
 */
#define RSM_CONNECTION_ACTIVE	3

typedef struct rsm_topology_hdr {
	rsm_node_id_t	local_nodeid;
	uint_t		local_cntlr_count;
} rsm_topology_hdr_t;

typedef struct rsm_connections_hdr {
	char		cntlr_name[_RSM_MAXNAMELEN];	/* MAXNAMELEN */
	rsm_addr_t	local_hwaddr;
	int		remote_cntlr_count;
} rsm_connections_hdr_t;

typedef struct rsm_remote_cntlr {
	rsm_node_id_t	remote_nodeid;
	char		remote_cntlrname[_RSM_MAXNAMELEN];	/* MAXNAMELEN */
	rsm_addr_t	remote_hwaddr;
	uint_t		connection_state;
} rsm_remote_cntlr_t;

typedef struct rsm_connection {
	rsm_connections_hdr_t	hdr;
	rsm_remote_cntlr_t	remote_cntlr[1];
} rsm_connections_t;

typedef struct rsm_topology {
	rsm_topology_hdr_t	topology_hdr;
	rsm_connections_t	*connections[1];
} rsm_topology_t;

/* Controller */
int rsm_get_controller(char *name, rsmapi_controller_handle_t *controller);

int rsm_get_controller_attr(rsmapi_controller_handle_t chdl,
			    rsmapi_controller_attr_t *attr);

int rsm_release_controller(rsmapi_controller_handle_t controller);

/* Export side */
int rsm_memseg_export_create(rsmapi_controller_handle_t controller,
			     rsm_memseg_export_handle_t *memseg,
			     void *vaddr, size_t size, uint_t flags);

int rsm_memseg_export_destroy(rsm_memseg_export_handle_t memseg);

int rsm_memseg_export_rebind(rsm_memseg_export_handle_t memseg,
			     void *vaddr, offset_t off, size_t size);

int rsm_memseg_export_publish(rsm_memseg_export_handle_t memseg,
			      rsm_memseg_id_t *segment_id,
			      rsmapi_access_entry_t access_list[],
			      uint_t access_list_length);

int rsm_memseg_export_unpublish(rsm_memseg_export_handle_t memseg);

int rsm_memseg_export_republish(rsm_memseg_export_handle_t memseg,
				rsmapi_access_entry_t access_list[],
				uint_t access_list_length);

/* Import side: connection */
int rsm_memseg_import_connect(rsmapi_controller_handle_t controller,
			      rsm_node_id_t node_id,
			      rsm_memseg_id_t segment_id,
			      rsm_permission_t perm,
			      rsm_memseg_import_handle_t *im_memseg);

int rsm_memseg_import_disconnect(rsm_memseg_import_handle_t im_memseg);

/* Import side: reads */
int rsm_memseg_import_get8(rsm_memseg_import_handle_t im_memseg,
			   off_t offset, uint8_t *datap, ulong_t rep_cnt);
int rsm_memseg_import_get16(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint16_t *datap, ulong_t rep_cnt);
int rsm_memseg_import_get32(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint32_t *datap, ulong_t rep_cnt);
int rsm_memseg_import_get64(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint64_t *datap, ulong_t rep_cnt);
int rsm_memseg_import_get(rsm_memseg_import_handle_t im_memseg,
			  off_t offset, void *dst_addr, size_t length);

int rsm_memseg_import_getv(rsm_scat_gath_t *sg_io);

/* Import side: writes */
int rsm_memseg_import_put8(rsm_memseg_import_handle_t im_memseg,
			   off_t offset, uint8_t *datap, ulong_t rep_cnt);
int rsm_memseg_import_put16(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint16_t *datap, ulong_t rep_cnt);
int rsm_memseg_import_put32(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint32_t *datap, ulong_t rep_cnt);
int rsm_memseg_import_put64(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint64_t *datap, ulong_t rep_cnt);
int rsm_memseg_import_put(rsm_memseg_import_handle_t im_memseg,
			  off_t offset, void *src_addr, size_t length);

int rsm_memseg_import_putv(rsm_scat_gath_t *sg_io);

/* Import side: mapping */
int rsm_memseg_import_map(rsm_memseg_import_handle_t im_memseg,
			  void **address, rsm_attribute_t attr,
			  rsm_permission_t perm, off_t offset, size_t length);

int rsm_memseg_import_unmap(rsm_memseg_import_handle_t im_memseg);

/* Import side: barriers and barrier mode */
int rsm_memseg_import_init_barrier(rsm_memseg_import_handle_t im_memseg,
				   rsm_barrier_type_t type,
				   rsmapi_barrier_t *barrier);

int rsm_memseg_import_open_barrier(rsmapi_barrier_t *barrier);

int rsm_memseg_import_close_barrier(rsmapi_barrier_t *barrier);

int rsm_memseg_import_order_barrier(rsmapi_barrier_t *barrier);

int rsm_memseg_import_destroy_barrier(rsmapi_barrier_t *barrier);

int rsm_memseg_import_get_mode(rsm_memseg_import_handle_t im_memseg,
			       rsm_barrier_mode_t *mode);

int rsm_memseg_import_set_mode(rsm_memseg_import_handle_t im_memseg,
			       rsm_barrier_mode_t mode);

/*
 * Events.  memseg is either an import or an export segment handle, cast to
 * void *.  Poll descriptors from rsm_memseg_get_pollfd() must be waited on
 * with rsm_intr_signal_wait_pollfd(), which consumes the events.
 */
int rsm_intr_signal_post(void *memseg, uint_t flags);

int rsm_intr_signal_wait(void *memseg, int timeout);

int rsm_memseg_get_pollfd(void *memseg, struct pollfd *fd);

int rsm_memseg_release_pollfd(void *memseg);

int rsm_intr_signal_wait_pollfd(struct pollfd fds[], nfds_t nfds,
				int timeout, int *numfdsp);

/* Topology */
int rsm_get_interconnect_topology(rsm_topology_t **topology_data);

void rsm_free_interconnect_topology(rsm_topology_t *topology_data);

/* Local memory handles for scatter/gather lists */
int rsm_create_localmemory_handle(rsmapi_controller_handle_t handle,
				  rsm_localmemory_handle_t *l_handle,
				  caddr_t local_vaddr, size_t length);

int rsm_free_localmemory_handle(rsmapi_controller_handle_t handle,
				rsm_localmemory_handle_t l_handle);

/* Segment id range reserved for appid in /etc/rsm/rsm.segmentid */
int rsm_get_segmentid_range(const char *appid, rsm_memseg_id_t *baseid,
			    uint32_t *length);

#ifdef __cplusplus
}
#endif

#endif /* _RSMAPI_H */
