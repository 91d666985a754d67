/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire protocol between rsm nodes. Everything is little-endian and
 * packed to fixed sizes; Documentation/design.rst describes the exchange.
 */
#ifndef _RSM_WIRE_H
#define _RSM_WIRE_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define RSM_WIRE_MAGIC		0x314d5352	/* "RSM1" */
#define RSM_WIRE_VERSION	1

/* Bytes of a controller name carried in connection private data. */
#define RSM_WIRE_CTRL_NAME	32

/**
 * struct rsm_wire_conn - rdma_cm private data of a connect or accept
 * @magic: RSM_WIRE_MAGIC
 * @version: RSM_WIRE_VERSION
 * @reason: in a reject, enum rsm_wire_reject; otherwise 0
 * @src_node: sender's node id
 * @dst_node: node id the sender believes it talks to
 * @hwaddr: sender's controller hwaddr
 * @ctrl: sender's controller name, NUL-padded, maybe truncated
 *
 * 56 bytes: the most a connect request can carry on IB and RoCE.
 */
struct rsm_wire_conn {
	__le32 magic;
	__le16 version;
	__le16 reason;
	__le32 src_node;
	__le32 dst_node;
	__le64 hwaddr;
	char ctrl[RSM_WIRE_CTRL_NAME];
};
static_assert(sizeof(struct rsm_wire_conn) == 56);

enum rsm_wire_reject {
	RSM_REJ_VERSION = 1,	/* another protocol version */
	RSM_REJ_NOT_ME,		/* dst_node is not this node */
	RSM_REJ_UNKNOWN_NODE,	/* src_node is not a configured peer */
	RSM_REJ_DIRECTION,	/* the lower node id connects, not the higher */
	RSM_REJ_RESOURCES,	/* out of memory or device resources */
	RSM_REJ_NOT_READY,	/* this node has no node id yet */
};

/* Control messages: one receive buffer each. */
#define RSM_MSG_SIZE		256

enum rsm_msg_type {
	RSM_MSG_HEARTBEAT = 1,	/* keepalive and credit return; no reply */
	RSM_MSG_PING,		/* request: answered by an empty reply */
	RSM_MSG_REPLY,		/* the answer to the request @req_id */
	RSM_MSG_SEG_CONNECT,	/* importer -> exporter: rsm_wire_seg_connect */
	RSM_MSG_SEG_CHUNKS,	/* importer -> exporter: rsm_wire_seg_handle */
	RSM_MSG_SEG_DISCONNECT,	/* importer -> exporter: rsm_wire_seg_handle */
	RSM_MSG_SEG_REVOKE,	/* exporter -> importer: rsm_wire_seg_handle */
	RSM_MSG_SEG_SIGNAL,	/* either way: rsm_wire_seg_signal; no reply */
	RSM_MSG_SEG_REBIND,	/* exporter -> importer: rsm_wire_seg_handle */
	__RSM_MSG_MAX
};

/**
 * struct rsm_wire_hdr - header of every control message
 * @version: RSM_WIRE_VERSION
 * @type: enum rsm_msg_type
 * @credits: receive buffers the sender reposted since its last message
 * @len: payload bytes after the header
 * @status: in a reply, 0 or a negative errno; in a heartbeat, the
 *	sender's failure detection time in ms (0: not told)
 * @req_id: request id, echoed by the reply; 0 when no reply is wanted
 */
struct rsm_wire_hdr {
	u8 version;
	u8 type;
	__le16 credits;
	__le32 len;
	__le32 status;
	__le32 reserved;
	__le64 req_id;
};
static_assert(sizeof(struct rsm_wire_hdr) == 24);

#define RSM_MSG_PAYLOAD		(RSM_MSG_SIZE - sizeof(struct rsm_wire_hdr))

/**
 * struct rsm_wire_seg_connect - ask to import a segment
 * @handle: the importer's name for this import, unique on its node
 * @segid: the segment id
 * @perm: access wanted: RSM_PERM bits of the owner digit (0400, 0200)
 * @uid: the importing process's fs uid
 * @gid: its fs gid
 * @privileged: it has CAP_IPC_OWNER: no user-level check
 *
 * The reply's payload is struct rsm_wire_seg_chunks.
 */
struct rsm_wire_seg_connect {
	__le64 handle;
	__le32 segid;
	__le32 perm;
	__le32 uid;
	__le32 gid;
	__le32 privileged;
	__le32 reserved;
};

/**
 * struct rsm_wire_seg_handle - name an import
 * @handle: the importer's handle from its SEG_CONNECT
 * @first: SEG_CHUNKS: index of the first chunk wanted; otherwise 0
 * @reserved: zero
 */
struct rsm_wire_seg_handle {
	__le64 handle;
	__le32 first;
	__le32 reserved;
};

/**
 * struct rsm_wire_chunk - one registered piece of an exported segment
 * @rkey: remote key
 * @reserved: zero
 * @iova: address of the piece's first byte for RDMA
 */
struct rsm_wire_chunk {
	__le32 rkey;
	__le32 reserved;
	__le64 iova;
};

/**
 * struct rsm_wire_seg_chunks - reply to SEG_CONNECT and SEG_CHUNKS
 * @size: segment length in bytes
 * @chunk_bytes: bytes covered by each chunk (the last may cover less)
 * @perm: access granted (0400, 0200 bits)
 * @nchunks: chunks in the whole segment
 * @first: index of chunks[0]
 * @count: chunks in this message
 * @reserved: zero
 * @chunks: @count chunks
 *
 * A segment is registered in chunks of at most the device's fast
 * registration limit (512 pages on rxe); a reply carries as many as fit
 * and SEG_CHUNKS fetches the rest.
 */
struct rsm_wire_seg_chunks {
	__le64 size;
	__le64 chunk_bytes;
	__le32 perm;
	__le32 nchunks;
	__le32 first;
	__le32 count;
	__le64 reserved;
	struct rsm_wire_chunk chunks[];
};

/**
 * struct rsm_wire_seg_signal - an event for a segment
 * @handle: the import's handle (it names the grant at the exporter)
 * @to_exporter: 1: for the exported segment; 0: for the import
 * @flags: RSM_SIGNAL_F_*
 */
struct rsm_wire_seg_signal {
	__le64 handle;
	__le32 to_exporter;
	__le32 flags;
};

#define RSM_WIRE_CHUNKS_PER_MSG \
	((RSM_MSG_PAYLOAD - sizeof(struct rsm_wire_seg_chunks)) / \
	 sizeof(struct rsm_wire_chunk))

#endif /* _RSM_WIRE_H */
