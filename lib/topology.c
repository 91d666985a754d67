// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rsm_get_interconnect_topology(), rsm_free_interconnect_topology().
 *
 * The result is one malloc'ed buffer in Solaris' layout: the header, an
 * array of pointers to each controller's connection record, then per
 * controller an rsm_connections_t followed by its rsm_remote_cntlr_t
 * entries. RDMA controllers are listed (not loopback, as in Solaris), each
 * with the peers whose channel runs over it; a peer whose channel never
 * came up is listed under the first RDMA controller.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "librsm.h"

/* The node's RDMA controllers, from the kernel, in index order. */
static int list_ctrls(int fd, struct rsm_ctrl_attr **out, unsigned int *n)
{
	struct rsm_ctrl_attr a, *list = NULL, *bigger;
	unsigned int i, count = 0;

	for (i = 0;; i++) {
		memset(&a, 0, sizeof(a));
		a.flags = RSM_CTRL_F_BY_INDEX;
		a.index = i;
		if (ioctl(fd, RSM_IOC_CTRL_QUERY, &a)) {
			if (errno == ENOENT)
				break;
			free(list);
			return __rsm_errno_to_rsmerr(errno);
		}
		if (a.type != RSM_CTRL_TYPE_RDMA)
			continue;
		bigger = realloc(list, (count + 1) * sizeof(*list));
		if (!bigger) {
			free(list);
			return RSMERR_INSUFFICIENT_MEM;
		}
		list = bigger;
		list[count++] = a;
	}
	*out = list;
	*n = count;
	return RSM_SUCCESS;
}

/* Every peer's channel, from the kernel. */
static int list_peers(int fd, struct rsm_topo *t,
		      struct rsm_topo_entry **out)
{
	struct rsm_topo_entry *e = NULL, *bigger;
	uint32_t room = 0;

	for (;;) {
		t->local_node = 0;
		t->count = room;
		t->entries = (uintptr_t)e;
		if (ioctl(fd, RSM_IOC_TOPOLOGY, t)) {
			free(e);
			return __rsm_errno_to_rsmerr(errno);
		}
		if (t->count <= room)
			break;
		/* Peers were added meanwhile: make room and ask again. */
		room = t->count;
		bigger = realloc(e, room * sizeof(*e));
		if (!bigger) {
			free(e);
			return RSMERR_INSUFFICIENT_MEM;
		}
		e = bigger;
	}
	*out = e;
	return RSM_SUCCESS;
}

/* Which controller lists peer @p: its channel's, else the first. */
static unsigned int ctrl_of(const struct rsm_topo_entry *p,
			    const struct rsm_ctrl_attr *c, unsigned int nc)
{
	unsigned int i;

	for (i = 0; i < nc; i++)
		if (!strcmp(p->ctrl, c[i].name))
			return i;
	return 0;
}

int rsm_get_interconnect_topology(rsm_topology_t **topology_data)
{
	struct rsm_topo t = { 0 };
	struct rsm_topo_entry *peers = NULL;
	struct rsm_ctrl_attr *ctrls = NULL;
	unsigned int nc = 0, i, j, *per;
	rsm_connections_t *conn;
	rsm_topology_t *tp;
	size_t size;
	char *p;
	int fd, ret;

	if (!topology_data)
		return RSMERR_BAD_TOPOLOGY_PTR;
	*topology_data = NULL;
	ret = __rsm_ctl_fd(&fd);
	if (!ret)
		ret = list_ctrls(fd, &ctrls, &nc);
	if (!ret)
		ret = list_peers(fd, &t, &peers);
	if (ret)
		goto out;

	per = calloc(nc + 1, sizeof(*per));
	if (!per) {
		ret = RSMERR_INSUFFICIENT_MEM;
		goto out;
	}
	for (j = 0; nc && j < t.count; j++)
		per[ctrl_of(&peers[j], ctrls, nc)]++;

	/* rsm_topology_t already has room for one connection pointer. */
	size = sizeof(*tp) + (nc ? nc - 1 : 0) * sizeof(tp->connections[0]);
	for (i = 0; i < nc; i++)
		size += offsetof(rsm_connections_t, remote_cntlr) +
			per[i] * sizeof(rsm_remote_cntlr_t);
	tp = calloc(1, size);
	if (!tp) {
		free(per);
		ret = RSMERR_INSUFFICIENT_MEM;
		goto out;
	}
	tp->topology_hdr.local_nodeid = t.local_node;
	tp->topology_hdr.local_cntlr_count = nc;
	p = (char *)&tp->connections[nc ? nc : 1];
	for (i = 0; i < nc; i++) {
		conn = (rsm_connections_t *)p;
		tp->connections[i] = conn;
		strncpy(conn->hdr.cntlr_name, ctrls[i].name,
			sizeof(conn->hdr.cntlr_name) - 1);
		conn->hdr.local_hwaddr = ctrls[i].hwaddr;
		for (j = 0; j < t.count; j++) {
			rsm_remote_cntlr_t *r;

			if (ctrl_of(&peers[j], ctrls, nc) != i)
				continue;
			r = &conn->remote_cntlr[conn->hdr.remote_cntlr_count++];
			r->remote_nodeid = peers[j].remote_node;
			strncpy(r->remote_cntlrname, peers[j].remote_ctrl,
				sizeof(r->remote_cntlrname) - 1);
			r->remote_hwaddr = peers[j].remote_hwaddr;
			r->connection_state = peers[j].state;
		}
		p += offsetof(rsm_connections_t, remote_cntlr) +
		     per[i] * sizeof(rsm_remote_cntlr_t);
	}
	free(per);
	*topology_data = tp;
out:
	free(ctrls);
	free(peers);
	return ret;
}

void rsm_free_interconnect_topology(rsm_topology_t *topology_data)
{
	free(topology_data);
}
