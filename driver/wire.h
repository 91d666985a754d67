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
};

/**
 * struct rsm_wire_hdr - header of every control message
 * @version: RSM_WIRE_VERSION
 * @type: enum rsm_msg_type
 * @credits: receive buffers the sender reposted since its last message
 * @len: payload bytes after the header
 * @status: in a reply, 0 or a negative errno
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

#endif /* _RSM_WIRE_H */
