// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rsmdemo: two nodes share memory through RSMAPI, in the manner of Sun's
 * "rsmtest" example.
 *
 *	rsmdemo export CONTROLLER IMPORTER_NODE
 *	rsmdemo import CONTROLLER EXPORTER_NODE
 *
 * The exporter publishes 8 KiB as segment 0x400000 for the importer node
 * alone and waits for a signal; the importer connects, puts a message,
 * reads it back, maps the segment, and signals; the exporter then prints
 * what arrived in its own memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rsmapi.h>

#define SEGID	0x400000
#define SIZE	8192

static int fail(const char *what, int err)
{
	fprintf(stderr, "rsmdemo: %s: RSMAPI error %d\n", what, err);
	return 1;
}

static int export_side(rsmapi_controller_handle_t ctl, rsm_node_id_t peer)
{
	rsmapi_access_entry_t acl = { peer, RSM_PERM_RDWR };
	rsm_memseg_export_handle_t seg;
	rsm_memseg_id_t id = SEGID;
	char *mem;
	int err;

	mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	strcpy(mem, "nothing yet");
	err = rsm_memseg_export_create(ctl, &seg, mem, SIZE, 0);
	if (err)
		return fail("export_create", err);
	err = rsm_memseg_export_publish(seg, &id, &acl, 1);
	if (err)
		return fail("export_publish", err);
	printf("exporter: published segment 0x%x for node %u, waiting\n",
	       id, peer);
	fflush(stdout);
	err = rsm_intr_signal_wait(seg, 120000);
	if (err)
		return fail("signal_wait", err);
	printf("exporter: my memory now says \"%s\"\n", mem);
	printf("exporter: and at 4096: \"%s\"\n", mem + 4096);
	rsm_memseg_export_destroy(seg);
	return 0;
}

static int import_side(rsmapi_controller_handle_t ctl, rsm_node_id_t peer)
{
	char msg[64], back[64] = "";
	rsm_memseg_import_handle_t seg;
	rsmapi_barrier_t bar;
	void *map = NULL;
	int err, tries;

	/* The exporter may not have published yet. */
	for (tries = 0; tries < 600; tries++) {
		err = rsm_memseg_import_connect(ctl, peer, SEGID,
						RSM_PERM_RDWR, &seg);
		if (err != RSMERR_SEG_NOT_PUBLISHED &&
		    err != RSMERR_REMOTE_NODE_UNREACHABLE)
			break;
		usleep(200000);
	}
	if (err)
		return fail("import_connect", err);
	snprintf(msg, sizeof(msg), "hello from node %s over RDMA",
		 getenv("RSM_NODE") ?: "?");
	err = rsm_memseg_import_init_barrier(seg, RSM_BAR_DEFAULT, &bar);
	if (!err)
		err = rsm_memseg_import_put(seg, 0, msg, strlen(msg) + 1);
	if (!err)
		err = rsm_memseg_import_get(seg, 0, back, sizeof(back));
	if (err)
		return fail("put/get", err);
	printf("importer: put \"%s\", read back \"%s\"\n", msg, back);

	/* Stores through a mapping reach the exporter at the barrier. */
	err = rsm_memseg_import_map(seg, &map, RSM_MAP_NONE, RSM_PERM_RDWR,
				    0, SIZE);
	if (err)
		return fail("import_map", err);
	rsm_memseg_import_open_barrier(&bar);
	strcpy((char *)map + 4096, "written through the mapping");
	err = rsm_memseg_import_close_barrier(&bar);
	if (err)
		return fail("close_barrier", err);
	rsm_memseg_import_unmap(seg);
	err = rsm_intr_signal_post(seg, 0);
	if (err)
		return fail("signal_post", err);
	rsm_memseg_import_destroy_barrier(&bar);
	rsm_memseg_import_disconnect(seg);
	return 0;
}

int main(int argc, char **argv)
{
	rsmapi_controller_handle_t ctl;
	int err;

	if (argc != 4 || (strcmp(argv[1], "export") &&
			  strcmp(argv[1], "import"))) {
		fprintf(stderr, "usage: rsmdemo export|import CONTROLLER NODE\n");
		return 2;
	}
	err = rsm_get_controller(argv[2], &ctl);
	if (err)
		return fail("get_controller", err);
	if (!strcmp(argv[1], "export"))
		err = export_side(ctl, atoi(argv[3]));
	else
		err = import_side(ctl, atoi(argv[3]));
	rsm_release_controller(ctl);
	return err;
}
