/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rsmadm: configure and inspect rsm.ko through its generic netlink family
 * "rsm" (uapi/linux/rsm_netlink.h). The shape follows iproute2's rdma tool:
 * main.c holds the options and the object table, utils.c the netlink
 * plumbing and the output helpers, json.c a small JSON writer, and each
 * object has its own file (node.c, peer.c, ctrl.c; conf.c for apply).
 */
#ifndef _RSMADM_H
#define _RSMADM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <netinet/in.h>

#include <libmnl/libmnl.h>
#include <linux/rsm.h>
#include <linux/rsm_netlink.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
/*
 * The kernel's __printf() (compiler_attributes.h). checkpatch asks for the
 * macro wherever it sees the attribute on one line, even in its definition.
 */
#define __printf(a, b)		__attribute__((\
				__format__(printf, a, b)))

/* The configuration file apply reads when given none. */
#define RSMADM_CONF_DEFAULT	"/etc/rsm/cluster.conf"

/* Receive buffer: large enough for any dump skb the kernel builds. */
#define RSMADM_BUF_SIZE		32768

/* Deepest nesting rsmadm writes is 4: {"peers":[{"stats":{...}}]}. */
#define JSON_DEPTH_MAX		8

/* JSON writer state: one per output document. */
struct json {
	FILE *out;
	bool pretty;
	int depth;
	bool first[JSON_DEPTH_MAX];
};

/* A peer address as RSM_A_PEER_ADDR carries it: 4 or 16 bytes. */
struct rsmadm_addr {
	size_t len;
	unsigned char bytes[16];
};

struct rsmadm;

/* One entry of a command table; entry 0 (name NULL) is the default. */
struct rsmadm_cmd {
	const char *name;
	int (*fn)(struct rsmadm *rd);
};

/* The one context every function gets. */
struct rsmadm {
	/* Command line cursor: the words not yet consumed. */
	int argc;
	char **argv;
	/* The usage of the object being parsed, for bad-usage errors. */
	void (*usage)(FILE *f);

	/* Output. */
	bool json;
	struct json jw;
	bool line_open;		/* text: the current line has words */
	int indent;		/* text: spaces before the next line */

	/* Netlink: opened on first use. */
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t portid;
	uint32_t seq;
	char *buf;
	char extack[256];	/* NLMSGERR_ATTR_MSG of the last reply */
};

/* main.c */
void rsmadm_usage(FILE *f);

/* utils.c: command line */
char *rd_argv(struct rsmadm *rd);
bool rd_no_arg(struct rsmadm *rd);
char *rd_arg_next(struct rsmadm *rd);
bool rd_arg_is(struct rsmadm *rd, const char *word);
int rsmadm_exec_cmd(struct rsmadm *rd, const struct rsmadm_cmd *cmds,
		    void (*usage)(FILE *f), const char *object);
__printf(2, 3) int rsmadm_bad_usage(struct rsmadm *rd, const char *fmt, ...);
int rsmadm_no_more_args(struct rsmadm *rd);
__printf(1, 2) int rsmadm_error(const char *fmt, ...);

/* utils.c: values, shared by the command line and the config file */
const char *rsmadm_parse_node_id(const char *s, uint32_t *id);
const char *rsmadm_parse_timeout(const char *s, uint32_t *ms);
const char *rsmadm_parse_addr(const char *s, struct rsmadm_addr *addr);
const char *rsmadm_parse_count(const char *s, uint32_t *count);
int rsmadm_get_addr(const struct nlattr *attr, struct rsmadm_addr *addr);
const char *rsmadm_addr_str(const struct rsmadm_addr *addr, char *buf,
			    size_t size);

/* utils.c: netlink */
struct nlmsghdr *rsmadm_msg(struct rsmadm *rd, uint8_t cmd, uint16_t flags);
int rsmadm_sendrecv(struct rsmadm *rd, struct nlmsghdr *nlh, mnl_cb_t cb,
		    void *data);
int rsmadm_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);
int rsmadm_parse_stats(const struct nlattr *nest, const struct nlattr **tb);
int rsmadm_parse_counters(const struct nlattr *nest, const struct nlattr **tb);
void rsmadm_close(struct rsmadm *rd);

/* utils.c: output, text or JSON */
void print_open_obj(struct rsmadm *rd, const char *key);
void print_close_obj(struct rsmadm *rd);
void print_open_arr(struct rsmadm *rd, const char *key);
void print_close_arr(struct rsmadm *rd);
void print_u64(struct rsmadm *rd, const char *key, const char *label,
	       uint64_t v);
void print_str(struct rsmadm *rd, const char *key, const char *label,
	       const char *s);
void print_hwaddr(struct rsmadm *rd, const char *key, const char *label,
		  uint64_t v);
void print_nl(struct rsmadm *rd, int indent);

/* json.c */
void json_init(struct json *jw, FILE *out, bool pretty);
void json_open(struct json *jw, const char *key, char bracket);
void json_close(struct json *jw, char bracket);
void json_u64(struct json *jw, const char *key, uint64_t v);
void json_str(struct json *jw, const char *key, const char *s);
void json_end(struct json *jw);

/* Objects: each returns the exit status. */
int rsmadm_node(struct rsmadm *rd);
int rsmadm_peer(struct rsmadm *rd);
int rsmadm_ctrl(struct rsmadm *rd);
int rsmadm_apply(struct rsmadm *rd);

/* What show prints: each object's value under @key (NULL: top level). */
int rsmadm_node_print(struct rsmadm *rd, const char *key);
int rsmadm_ctrl_print(struct rsmadm *rd, const char *key);
int rsmadm_peer_print(struct rsmadm *rd, const char *key, uint32_t id);

#endif /* _RSMADM_H */
