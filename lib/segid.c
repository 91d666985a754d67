// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rsm_get_segmentid_range(): segment-id reservations from
 * /etc/rsm/rsm.segmentid.
 *
 * Each line holds four whitespace-separated fields,
 *	reserved  APPID  BASEID  LENGTH
 * with BASEID in hexadecimal (0x optional) and LENGTH in decimal; lines
 * starting with '#' are comments. The first line whose APPID matches,
 * ignoring case, gives the range [BASEID, BASEID + LENGTH).
 *
 * Differences from illumos, on purpose: blank lines are skipped (illumos
 * rejects the whole file), and a range that does not fit in 32 bits is a
 * format error. The environment variable RSM_SEGMENTID_FILE names another
 * file (ignored in set-user-id programs); tests use it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "librsm.h"

static int parse_u32(const char *s, int base, uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (*s == '-' || *s == '+')
		return -1;
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno || end == s || *end || n > UINT32_MAX)
		return -1;
	*v = n;
	return 0;
}

/* RSM_SUCCESS on a match, RSMERR_BAD_APPID if no match, else BAD_CONF. */
static int parse_line(char *line, const char *appid, rsm_memseg_id_t *baseid,
		      uint32_t *length)
{
	const char *sep = " \t\r\n";
	char *save, *kw, *app, *base, *len;
	uint32_t b, l;

	kw = strtok_r(line, sep, &save);
	if (!kw)
		return RSMERR_BAD_APPID;		/* blank line */
	app = strtok_r(NULL, sep, &save);
	base = strtok_r(NULL, sep, &save);
	len = strtok_r(NULL, sep, &save);
	if (!len)
		return RSMERR_BAD_CONF;
	if (strcasecmp(app, appid))
		return RSMERR_BAD_APPID;
	if (strcasecmp(kw, "reserved") || parse_u32(base, 16, &b) ||
	    parse_u32(len, 10, &l) || (uint64_t)b + l > (uint64_t)UINT32_MAX + 1)
		return RSMERR_BAD_CONF;
	*baseid = b;
	*length = l;
	return RSM_SUCCESS;
}

int rsm_get_segmentid_range(const char *appid, rsm_memseg_id_t *baseid,
			    uint32_t *length)
{
	const char *path = secure_getenv("RSM_SEGMENTID_FILE");
	char *line = NULL;
	size_t cap = 0;
	int ret = RSMERR_BAD_APPID;
	FILE *f;

	if (!appid || !baseid || !length)
		return RSMERR_BAD_ADDR;
	f = fopen(path ? path : RSM_SEGMENTID_FILE, "re");
	if (!f)
		return RSMERR_BAD_CONF;
	while (ret == RSMERR_BAD_APPID && getline(&line, &cap, f) >= 0) {
		if (line[0] == '#')
			continue;
		ret = parse_line(line, appid, baseid, length);
	}
	if (ferror(f))
		ret = RSMERR_BAD_CONF;
	free(line);
	fclose(f);
	return ret;
}
