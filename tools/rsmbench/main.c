// SPDX-License-Identifier: GPL-2.0
/*
 * rsmbench: options, modes, TAP lines.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rsmbench.h"

static int tap_n, tap_bad;
static const char *tap_who = "";

void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!ok)
		tap_bad++;
	printf("%s %d - %s", ok ? "ok" : "not ok", tap_n, tap_who);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int tap_failed(void)
{
	return tap_bad;
}

void tap_plan(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
}

void note(const char *fmt, ...)
{
	va_list ap;

	printf("# %s", tap_who);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *rsm_strerror(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ RSMERR_CTLR_NOT_PRESENT, "RSMERR_CTLR_NOT_PRESENT" },
		{ RSMERR_BAD_SEG_HNDL, "RSMERR_BAD_SEG_HNDL" },
		{ RSMERR_SEG_NOT_PUBLISHED, "RSMERR_SEG_NOT_PUBLISHED" },
		{ RSMERR_SEG_NOT_PUBLISHED_TO_NODE,
		  "RSMERR_SEG_NOT_PUBLISHED_TO_NODE" },
		{ RSMERR_SEGID_IN_USE, "RSMERR_SEGID_IN_USE" },
		{ RSMERR_BAD_LENGTH, "RSMERR_BAD_LENGTH" },
		{ RSMERR_BAD_SGIO, "RSMERR_BAD_SGIO" },
		{ RSMERR_PERM_DENIED, "RSMERR_PERM_DENIED" },
		{ RSMERR_INSUFFICIENT_RESOURCES,
		  "RSMERR_INSUFFICIENT_RESOURCES" },
		{ RSMERR_INSUFFICIENT_MEM, "RSMERR_INSUFFICIENT_MEM" },
		{ RSMERR_BARRIER_UNINITIALIZED,
		  "RSMERR_BARRIER_UNINITIALIZED" },
		{ RSMERR_BARRIER_FAILURE, "RSMERR_BARRIER_FAILURE" },
		{ RSMERR_REMOTE_NODE_UNREACHABLE,
		  "RSMERR_REMOTE_NODE_UNREACHABLE" },
		{ RSMERR_CONN_ABORTED, "RSMERR_CONN_ABORTED" },
		{ RSMERR_INTERRUPTED, "RSMERR_INTERRUPTED" },
		{ RSMERR_TIMEOUT, "RSMERR_TIMEOUT" },
		{ RSMERR_UNSUPPORTED_OPERATION,
		  "RSMERR_UNSUPPORTED_OPERATION" },
		{ RSMERR_INTERNAL_ERROR, "RSMERR_INTERNAL_ERROR" },
	};
	static char buf[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(buf, sizeof(buf), "RSMAPI error %d", err);
	return buf;
}

static void usage(FILE *f)
{
	fputs("Usage: rsmbench [OPTIONS]            RSMAPI benchmarks (role from $RSM_NODE)\n"
	      "       rsmbench --baseline [OPTIONS] perftest baselines, same roles\n"
	      "       rsmbench --clock              perftest's clock vs CLOCK_MONOTONIC\n"
	      "       rsmbench --time CMD [ARG...]  run CMD, print its CLOCK_MONOTONIC time\n"
	      "       rsmbench --report DIR         DIR/*.res -> results.csv, results.json,\n"
	      "                                     table.txt, plot.gp and its data\n"
	      "Options:\n"
	      "  -q, --quick          seconds: tiny sizes, few iterations; exit status 0\n"
	      "                       only if every step worked (TAP lines)\n"
	      "  -o, --out FILE       append the result lines (S/I) to FILE\n"
	      "      --only LIST      groups: lat,sig,vec,bw,export,connect (default all;\n"
	      "                       --baseline: lat,bw)\n"
	      "      --node N         own node id (default $RSM_NODE)\n"
	      "      --peer N         the other node (default 2 on node 1, else 1)\n"
	      "      --role 1|2       1 exports and serves, 2 imports and measures\n"
	      "                       (default: 1 on node 1, else 2)\n"
	      "      --ctrl NAME      controller and RDMA device (default $RSM_CTRL or rxe0)\n"
	      "      --local          both roles on this node (two processes)\n"
	      "      --iters N        samples per latency run (20; quick 3)\n"
	      "      --runs N         latency runs (5; quick 1)\n"
	      "      --min-bw SIZE    smallest put/get (4K; --baseline: all)\n"
	      "      --max-bw SIZE    largest put/get (16M; quick 64K)\n"
	      "      --max-export SIZE largest export (256M; quick 64K)\n"
	      "      --segs LIST      connect test levels (10,1000,10000; quick 10)\n"
	      "      --timeout SECS   wait for the other node at most this long (600)\n"
	      "      --server ADDR    perftest server (default 10.77.0.<peer>)\n"
	      "      --pt-iters N     perftest latency iterations (100)\n"
	      "      --round N        tag of this run (perftest ports, segment ids)\n"
	      "      --poll-us N      the sleeping put ping-pong looks for the answer\n"
	      "                       every N us (20)\n"
	      "      --clock-dir DIR  --clock and --baseline: compare the clocks with the\n"
	      "                       host's too, through file times in DIR (a 9p share)\n",
	      f);
}

static unsigned int parse_groups(const char *s)
{
	static const struct {
		const char *name;
		unsigned int grp;
	} g[] = {
		{ "lat", GRP_LAT }, { "sig", GRP_SIG }, { "bw", GRP_BW },
		{ "vec", GRP_VEC }, { "export", GRP_EXPORT },
		{ "connect", GRP_CONNECT }, { "all", GRP_ALL },
	};
	char *dup = strdup(s), *tok, *save = NULL;
	unsigned int grp = 0, i;

	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_SIZE(g); i++)
			if (!strcmp(tok, g[i].name))
				break;
		if (i == ARRAY_SIZE(g)) {
			fprintf(stderr, "rsmbench: unknown group '%s'\n", tok);
			free(dup);
			return 0;
		}
		grp |= g[i].grp;
	}
	free(dup);
	return grp;
}

static int parse_levels(struct opts *o, const char *s)
{
	char *end;
	long v;

	o->nlevels = 0;
	while (*s) {
		v = strtol(s, &end, 10);
		if (end == s || v < 1 || v > 1000000 ||
		    o->nlevels == MAX_LEVELS ||
		    (o->nlevels && v <= o->levels[o->nlevels - 1]))
			return -1;
		o->levels[o->nlevels++] = v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return o->nlevels ? 0 : -1;
}

enum {
	OPT_ONLY = 256, OPT_NODE, OPT_PEER, OPT_ROLE, OPT_CTRL, OPT_LOCAL,
	OPT_ITERS, OPT_RUNS, OPT_MIN_BW, OPT_MAX_BW, OPT_MAX_EXPORT, OPT_SEGS,
	OPT_TIMEOUT, OPT_SERVER, OPT_PT_ITERS, OPT_ROUND, OPT_BASELINE,
	OPT_CLOCK, OPT_TIME, OPT_REPORT, OPT_POLL_US, OPT_CLOCK_DIR,
};

static const struct option longopts[] = {
	{ "quick", no_argument, NULL, 'q' },
	{ "out", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "ctrl", required_argument, NULL, OPT_CTRL },
	{ "local", no_argument, NULL, OPT_LOCAL },
	{ "iters", required_argument, NULL, OPT_ITERS },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ "min-bw", required_argument, NULL, OPT_MIN_BW },
	{ "max-bw", required_argument, NULL, OPT_MAX_BW },
	{ "max-export", required_argument, NULL, OPT_MAX_EXPORT },
	{ "segs", required_argument, NULL, OPT_SEGS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "pt-iters", required_argument, NULL, OPT_PT_ITERS },
	{ "round", required_argument, NULL, OPT_ROUND },
	{ "baseline", no_argument, NULL, OPT_BASELINE },
	{ "clock", no_argument, NULL, OPT_CLOCK },
	{ "time", no_argument, NULL, OPT_TIME },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "poll-us", required_argument, NULL, OPT_POLL_US },
	{ "clock-dir", required_argument, NULL, OPT_CLOCK_DIR },
	{ NULL, 0, NULL, 0 },
};

enum mode { MODE_BENCH, MODE_BASELINE, MODE_CLOCK, MODE_TIME, MODE_REPORT };

/* A positive number option, or exit. */
static int num(const char *opt, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 0 || v > 100000000) {
		fprintf(stderr, "rsmbench: --%s wants a number\n", opt);
		exit(2);
	}
	return v;
}

static void defaults(struct opts *o, bool quick)
{
	o->quick = quick;
	o->groups = o->groups ? o->groups : GRP_ALL;
	if (!o->iters)
		o->iters = quick ? 3 : 20;
	if (!o->runs)
		o->runs = quick ? 1 : 5;
	o->warmup = quick ? 1 : 2;
	if (!o->max_bw)
		o->max_bw = quick ? 64 * KIB : 16 * MIB;
	if (!o->max_export)
		o->max_export = quick ? 64 * KIB : 256 * MIB;
	o->bw_budget = quick ? 0.2 : 2.0;
	if (!o->nlevels) {
		o->levels[0] = 10;
		o->levels[1] = 1000;
		o->levels[2] = 10000;
		o->nlevels = quick ? 1 : 3;
	}
	if (!o->poll_us)
		o->poll_us = 20;
	if (!o->timeout_ms)
		o->timeout_ms = (quick ? 60 : 600) * 1000;
}

/* Both roles on this node: role 1 here, role 2 in a child. */
static int run_local(struct opts *o)
{
	int ret, st = 0;
	pid_t pid;

	o->peer = o->node;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return RSMERR_INSUFFICIENT_RESOURCES;
	o->role = pid ? 1 : 2;
	tap_who = pid ? "[exporter] " : "[importer] ";
	ret = bench_run(o);
	if (!pid)
		_exit(ret || tap_failed() ? 1 : 0);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		tap_bad++;
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	enum mode mode = MODE_BENCH;
	const char *env, *report_dir = NULL, *out = NULL;
	bool quick = false, local = false;
	char server[32];
	int c, ret;

	while ((c = getopt_long(argc, argv, "+qo:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_ONLY:
			o.groups = parse_groups(optarg);
			if (!o.groups)
				return 2;
			break;
		case OPT_NODE:
			o.node = num("node", optarg);
			break;
		case OPT_PEER:
			o.peer = num("peer", optarg);
			break;
		case OPT_ROLE:
			o.role = num("role", optarg);
			break;
		case OPT_CTRL:
			o.ctrl = optarg;
			break;
		case OPT_LOCAL:
			local = true;
			break;
		case OPT_ITERS:
			o.iters = num("iters", optarg);
			break;
		case OPT_RUNS:
			o.runs = num("runs", optarg);
			break;
		case OPT_MIN_BW:
		case OPT_MAX_BW:
		case OPT_MAX_EXPORT:
			if (parse_size(optarg, c == OPT_MIN_BW ? &o.min_bw :
				       c == OPT_MAX_BW ? &o.max_bw :
				       &o.max_export)) {
				fprintf(stderr, "rsmbench: bad size '%s'\n",
					optarg);
				return 2;
			}
			break;
		case OPT_SEGS:
			if (parse_levels(&o, optarg)) {
				fprintf(stderr, "rsmbench: --segs wants increasing numbers, at most %d\n",
					MAX_LEVELS);
				return 2;
			}
			break;
		case OPT_TIMEOUT:
			o.timeout_ms = num("timeout", optarg) * 1000;
			break;
		case OPT_SERVER:
			o.server = optarg;
			break;
		case OPT_PT_ITERS:
			o.pt_iters = num("pt-iters", optarg);
			break;
		case OPT_ROUND:
			o.round = num("round", optarg);
			break;
		case OPT_POLL_US:
			o.poll_us = num("poll-us", optarg);
			break;
		case OPT_CLOCK_DIR:
			o.clock_dir = optarg;
			break;
		case OPT_BASELINE:
			mode = MODE_BASELINE;
			break;
		case OPT_CLOCK:
			mode = MODE_CLOCK;
			break;
		case OPT_TIME:
			mode = MODE_TIME;
			break;
		case OPT_REPORT:
			mode = MODE_REPORT;
			report_dir = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (mode == MODE_TIME) {
		if (optind >= argc) {
			usage(stderr);
			return 2;
		}
		return time_command(argv + optind);
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (mode == MODE_REPORT)
		return report_run(report_dir) ? 1 : 0;

	if (out) {
		o.out = fopen(out, "a");
		if (!o.out) {
			perror(out);
			return 2;
		}
		setvbuf(o.out, NULL, _IOLBF, 0);
	}
	if (mode == MODE_BASELINE && !o.groups)
		o.groups = GRP_LAT | GRP_BW;
	defaults(&o, quick);
	if (bw_first(&o) > bw_last(&o)) {
		fprintf(stderr, "rsmbench: no put/get size (4 KiB x 4^k) from --min-bw to --max-bw\n");
		return 2;
	}
	if (!o.ctrl) {
		env = getenv("RSM_CTRL");
		o.ctrl = env && *env ? (char *)env : "rxe0";
	}
	if (mode == MODE_CLOCK)
		return clock_check(&o) ? 1 : 0;

	env = getenv("RSM_NODE");
	if (!o.node && env)
		o.node = atoi(env);
	if (o.node < 1) {
		fprintf(stderr, "rsmbench: no node id: set RSM_NODE or --node\n");
		return 2;
	}
	if (!o.peer)
		o.peer = o.node == 1 ? 2 : 1;
	if (!o.role)
		o.role = o.node == 1 ? 1 : 2;
	if (o.role != 1 && o.role != 2) {
		fprintf(stderr, "rsmbench: --role is 1 or 2\n");
		return 2;
	}
	if (!o.server) {
		snprintf(server, sizeof(server), "10.77.0.%d", o.peer);
		o.server = server;
	}

	if (mode == MODE_BASELINE) {
		if (o.role == 2 && (o.groups & GRP_LAT))
			clock_check(&o);
		ret = perftest_run(&o);
	} else if (local) {
		ret = run_local(&o);
	} else {
		ret = bench_run(&o);
	}
	tap_plan();
	if (o.out)
		fclose(o.out);
	return ret || tap_failed() ? 1 : 0;
}
