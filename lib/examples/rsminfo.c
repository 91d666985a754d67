// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rsminfo: print the RSMAPI attributes of controllers.
 *
 *	rsminfo [CONTROLLER...]		(default: the loopback controller)
 *
 * A plain RSMAPI program: it builds against <rsmapi.h> and -lrsm alone.
 */
#include <stdio.h>

#include <rsmapi.h>

static int show(char *name)
{
	rsmapi_controller_handle_t ctrl;
	rsmapi_controller_attr_t a;
	int ret;

	ret = rsm_get_controller(name, &ctrl);
	if (ret == RSM_SUCCESS)
		ret = rsm_get_controller_attr(ctrl, &a);
	if (ret != RSM_SUCCESS) {
		fprintf(stderr, "rsminfo: %s: RSMAPI error %d\n",
			name ? name : "loopback", ret);
		return 1;
	}
	printf("controller %s\n", name ? name : "loopback");
	printf("  direct access sizes   0x%x\n", a.attr_direct_access_sizes);
	printf("  atomic sizes          0x%x\n", a.attr_atomic_sizes);
	printf("  page size             %zu\n", a.attr_page_size);
	printf("  max export segment    %zu bytes\n",
	       a.attr_max_export_segment_size);
	printf("  total export          %zu bytes\n",
	       a.attr_tot_export_segment_size);
	printf("  max export segments   %lu\n", a.attr_max_export_segments);
	printf("  max import map        %zu bytes\n", a.attr_max_import_map_size);
	printf("  total import map      %zu bytes\n", a.attr_tot_import_map_size);
	printf("  max import segments   %lu\n", a.attr_max_import_segments);
	rsm_release_controller(ctrl);
	return 0;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2)
		return show(NULL);
	for (i = 1; i < argc; i++)
		rc |= show(argv[i]);
	return rc;
}
