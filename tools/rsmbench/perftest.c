// SPDX-License-Identifier: GPL-2.0
/*
 * The raw RDMA baselines: perftest's ib_write_lat, ib_read_lat,
 * ib_send_lat, ib_write_bw and ib_read_bw between the same two nodes,
 * role 1 running the servers and role 2 the clients, one test after the
 * other on its own TCP port. A client that finds no server yet is started
 * again. The client's output is parsed: latency tests run with -H, which
 * prints every sample (already halved for write and send, as perftest
 * reports them), bandwidth tests give one average per run. ib_read_lat
 * and ib_send_lat also run with -e (sleep on completion events instead of
 * polling), which is how rsm waits.
 *
 * perftest times with the TSC and the "cpu MHz" of /proc/cpuinfo. Two
 * cross-checks: a long ib_write_lat client run (300 iterations) is timed
 * as a whole with CLOCK_MONOTONIC and compared with iterations x average
 * x 2, once as it is and once without the fixed cost of a run (a
 * 5-iteration run timed the same way); and clock_check() compares the TSC
 * rate with that "cpu MHz", and both clocks with the host's (file times
 * on a 9p share), which is the independent reference in a guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rsmbench.h"

#define PT_PORT_BASE		18600
/*
 * A test run takes seconds; one that hangs (rxe's CQ has overflowed
 * under ib_send_lat -e) is killed after PT_RUN_MS and fails alone. A
 * client looks for its server longer than that, so that a server still
 * stuck in the test before is waited for and both go on in step.
 */
#define PT_RUN_MS		90000
#define PT_TRY_MS		120000
#define CMD_RUN_MS		600000	/* rsmbench --time */

struct pt_test {
	const char *name;	/* result name */
	const char *prog;
	size_t size;
	int iters;
	bool lat;		/* latency test: -H, one sample per iteration */
	int factor;		/* round trip / reported latency */
	const char *extra;	/* more options, space-separated, or NULL */
	int per_list;		/* lists of this many: time per list (us) */
};

struct pt_out {
	char *text;		/* the client's output */
	double wall_us;		/* its run, CLOCK_MONOTONIC */
	int status;
	bool killed;		/* ran out of time */
};

/*
 * Run @argv with stdout and stderr to a pipe; keep the output and time
 * the whole run. A run that takes longer than @limit_ms is killed.
 */
static int run_capture(char **argv, int limit_ms, struct pt_out *out)
{
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)limit_ms * 1000000;
	size_t len = 0, cap = 4096;
	int fd[2], st = 0;
	pid_t pid, w;
	char *buf;

	memset(out, 0, sizeof(*out));
	buf = malloc(cap);
	if (!buf || pipe(fd)) {
		free(buf);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(buf);
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (!pid) {
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	fcntl(fd[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n;

		if (cap - len < 1024) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd[0], buf + len, cap - len - 1);
		if (n > 0) {
			len += n;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			break;
		if (now_ns() > end) {
			kill(pid, SIGKILL);
			out->killed = true;
			break;
		}
		usleep(2000);
	}
	close(fd[0]);
	do {
		w = waitpid(pid, &st, 0);
	} while (w < 0 && errno == EINTR);
	out->wall_us = elapsed_us(t0);
	buf[len] = 0;
	out->text = buf;
	out->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/* argv for one test: server without an address, client with one. */
static void pt_argv(const struct opts *o, const struct pt_test *t, int iters,
		    int port, char **argv, char bufs[][32])
{
	char *tok, *save = NULL;
	int a = 0;

	argv[a++] = (char *)t->prog;
	argv[a++] = "-d";
	argv[a++] = o->ctrl;
	argv[a++] = "-F";
	snprintf(bufs[0], 32, "%d", port);
	argv[a++] = "-p";
	argv[a++] = bufs[0];
	snprintf(bufs[1], 32, "%zu", t->size);
	argv[a++] = "-s";
	argv[a++] = bufs[1];
	snprintf(bufs[2], 32, "%d", iters);
	argv[a++] = "-n";
	argv[a++] = bufs[2];
	if (t->lat && iters > 5)
		argv[a++] = "-H";
	if (t->extra) {
		snprintf(bufs[3], 32, "%s", t->extra);
		for (tok = strtok_r(bufs[3], " ", &save); tok && a < 14;
		     tok = strtok_r(NULL, " ", &save))
			argv[a++] = tok;
	}
	if (o->role == 2)
		argv[a++] = o->server;
	argv[a] = NULL;
}

/* The line after the last line that contains @header, or NULL. */
static const char *line_after(const char *text, const char *header)
{
	const char *p = text, *hit = NULL, *nl;

	while ((p = strstr(p, header))) {
		hit = p;
		p++;
	}
	if (!hit)
		return NULL;
	nl = strchr(hit, '\n');
	return nl ? nl + 1 : NULL;
}

/*
 * Latency: the "#, usec" histogram (one sample per line: "i, value") and
 * the summary line (bytes iters t_min t_max t_typical t_avg ...).
 */
static int parse_lat(const char *text, struct samples *s, double *typ,
		     double *avg)
{
	const char *p = line_after(text, "#, usec");
	double v[6];

	while (p && *p) {
		char *end;
		double x;

		strtol(p, &end, 10);
		if (end == p || *end != ',')
			break;
		x = strtod(end + 1, &end);
		samples_add(s, x);
		p = strchr(end, '\n');
		p = p ? p + 1 : NULL;
	}
	p = line_after(text, "t_typical");
	if (!p || sscanf(p, "%lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2],
			 &v[3], &v[4], &v[5]) != 6)
		return -1;
	*typ = v[4];
	*avg = v[5];
	return 0;
}

/* Bandwidth: bytes iters peak average msgrate, after "BW average". */
static int parse_bw(const char *text, double *avg, double *mpps)
{
	const char *p = line_after(text, "BW average");
	double v[5];

	if (!p || sscanf(p, "%lf %lf %lf %lf %lf", &v[0], &v[1], &v[2],
			 &v[3], &v[4]) != 5 || v[4] <= 0)
		return -1;
	*avg = v[3];
	*mpps = v[4];
	return 0;
}

static void show_failure(const struct pt_test *t, const struct pt_out *r)
{
	const char *p = r->text ? r->text : "";
	size_t len = strlen(p);

	if (r->killed)
		note("%s: killed after %d s, output:", t->prog,
		     PT_RUN_MS / 1000);
	else
		note("%s: exit status %d, output:", t->prog, r->status);
	if (len > 2000)
		p += len - 2000;
	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		note("  %.*s", n, p);
		p += n + (nl ? 1 : 0);
	}
}

static double sum(const struct samples *s)
{
	double t = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		t += s->v[i];
	return t;
}

/* Role 1: one server run. */
static int pt_server(struct opts *o, const struct pt_test *t, int iters,
		     int port)
{
	char bufs[4][32], *argv[20];
	struct pt_out r;
	int ok;

	pt_argv(o, t, iters, port, argv, bufs);
	if (run_capture(argv, PT_RUN_MS, &r))
		return -1;
	ok = !r.status;
	if (!ok)
		show_failure(t, &r);
	free(r.text);
	return ok ? 0 : -1;
}

/* Role 2: run the client until it finds its server; @r: its last run. */
static int pt_client(struct opts *o, const struct pt_test *t, int iters,
		     int port, struct pt_out *r)
{
	uint64_t end = now_ns() + (uint64_t)PT_TRY_MS * 1000000;
	char bufs[4][32], *argv[20];

	pt_argv(o, t, iters, port, argv, bufs);
	for (;;) {
		if (run_capture(argv, PT_RUN_MS, r))
			return -1;
		if (!r->status)
			return 0;
		if (r->killed || now_ns() > end)
			return -1;
		free(r->text);
		r->text = NULL;
		usleep(300000);
	}
}

static int pt_one(struct opts *o, const struct pt_test *t, int iters,
		  int port, double setup_us)
{
	struct pt_out r = { 0 };
	double typ, avg, bw, mpps, total;
	struct samples s;
	char key[64];
	int ret;

	if (o->role == 1) {
		ret = pt_server(o, t, iters, port);
		tap(!ret, "%s%s%s server, %zu bytes", t->prog,
		    t->extra ? " " : "", t->extra ? t->extra : "", t->size);
		return ret;
	}
	ret = pt_client(o, t, iters, port, &r);
	samples_init(&s);
	if (!ret && t->lat) {
		ret = parse_lat(r.text, &s, &typ, &avg);
		if (!ret && !strcmp(t->name, "pt_clock")) {
			/* CLOCK_MONOTONIC run time / perftest's own total */
			total = iters * avg * t->factor;
			emit_sample(o, "clock_ratio_whole", 0, "x",
				    r.wall_us / total);
			if (setup_us > 0)
				emit_sample(o, "clock_ratio_net", 0, "x",
					    (r.wall_us - setup_us) /
					    ((iters - 5) * avg * t->factor));
			note("%s -n %d: %.0f us by CLOCK_MONOTONIC, n x avg x %d = %.0f us, fixed cost %.0f us",
			     t->prog, iters, r.wall_us, t->factor, total,
			     setup_us);
			/* perftest's average leaves out its 2 longest rounds */
			emit_info(o, "pt_clock_rounds",
				  "%zu of %d, sum %.0f us, longest %.0f us",
				  s.n, iters, sum(&s) * t->factor,
				  samples_pct(&s, 100) * t->factor);
		} else if (!ret) {
			emit_samples(o, t->name, t->size, "us", &s);
			summary(t->name, t->size, "us", &s);
		}
		if (!ret) {
			snprintf(key, sizeof(key), "%s_typical_avg_wall_us",
				 t->name);
			emit_info(o, key, "%.2f %.2f %.0f", typ, avg,
				  r.wall_us);
		}
	} else if (!ret) {
		ret = parse_bw(r.text, &bw, &mpps);
		if (!ret && t->per_list) {
			emit_sample(o, t->name, t->per_list, "us",
				    t->per_list / mpps);
			note("%-14s %8zu  %.2f us per list of %d", t->name,
			     t->size, t->per_list / mpps, t->per_list);
		} else if (!ret) {
			emit_sample(o, t->name, t->size, "MiB/s", bw);
			note("%-14s %8zu  %.2f MiB/s", t->name, t->size, bw);
		}
	}
	if (ret && r.text)
		show_failure(t, &r);
	tap(!ret, "%s%s%s client, %zu bytes", t->prog, t->extra ? " " : "",
	    t->extra ? t->extra : "", t->size);
	samples_free(&s);
	free(r.text);
	return ret;
}

/*
 * The fixed cost of a client run (start, connect, exchange, report):
 * ib_write_lat with the fewest iterations perftest takes.
 */
static double pt_setup(struct opts *o, int port)
{
	static const struct pt_test t = {
		"pt_setup", "ib_write_lat", 8, 5, true, 2, NULL, 0
	};
	struct pt_out r = { 0 };
	double us = 0;

	if (o->role == 1) {
		pt_server(o, &t, 5, port);
		return 0;
	}
	if (!pt_client(o, &t, 5, port, &r)) {
		us = r.wall_us;
		emit_sample(o, "pt_setup", 0, "us", us);
	} else if (r.text) {
		show_failure(&t, &r);
	}
	free(r.text);
	return us;
}

/**
 * perftest_run() - the perftest baselines in this node's role
 * @o: the options: o->groups GRP_LAT (latency tests), GRP_BW (bandwidth)
 *
 * Return: 0, or -1 if any test failed.
 */
int perftest_run(struct opts *o)
{
	static const struct pt_test lat[] = {
		{ "pt_write_lat", "ib_write_lat", 8, 100, true, 2, NULL, 0 },
		{ "pt_read_lat", "ib_read_lat", 8, 100, true, 1, NULL, 0 },
		{ "pt_read_lat_ev", "ib_read_lat", 8, 100, true, 1, "-e", 0 },
		{ "pt_send_lat", "ib_send_lat", 8, 100, true, 2, NULL, 0 },
		{ "pt_send_lat_ev", "ib_send_lat", 8, 100, true, 2, "-e", 0 },
	};
	static const struct pt_test bw[] = {
		{ "pt_write_bw", "ib_write_bw", 4 * KIB, 200, false, 1, NULL, 0 },
		{ "pt_read_bw", "ib_read_bw", 4 * KIB, 200, false, 1, NULL, 0 },
		{ "pt_write_bw", "ib_write_bw", 64 * KIB, 40, false, 1, NULL, 0 },
		{ "pt_read_bw", "ib_read_bw", 64 * KIB, 40, false, 1, NULL, 0 },
		{ "pt_write_bw", "ib_write_bw", MIB, 8, false, 1, NULL, 0 },
		{ "pt_read_bw", "ib_read_bw", MIB, 8, false, 1, NULL, 0 },
		/* one operation in flight, as rsm's put and get */
		{ "pt_write_bw_t1", "ib_write_bw", MIB, 8, false, 1, "-t 1", 0 },
		{ "pt_read_bw_t1", "ib_read_bw", MIB, 8, false, 1, "-t 1 -o 1", 0 },
		{ "pt_write_bw", "ib_write_bw", 4 * MIB, 5, false, 1, NULL, 0 },
		{ "pt_read_bw", "ib_read_bw", 4 * MIB, 5, false, 1, NULL, 0 },
		/* lists of 16 x 8 B, one list in flight, as putv and getv */
		{ "pt_write_list", "ib_write_bw", 8, 3200, false, 1,
		  "-t 16 -l 16", 16 },
		{ "pt_read_list", "ib_read_bw", 8, 3200, false, 1,
		  "-t 16 -l 16 -o 16", 16 },
	};
	/* The whole-run check: long enough to dwarf the fixed cost. */
	static const struct pt_test clock = {
		"pt_clock", "ib_write_lat", 8, 300, true, 2, NULL, 0
	};
	int port = PT_PORT_BASE + 40 * o->round;
	double setup_us = 0;
	unsigned int i;
	int ret = 0;

	signal(SIGPIPE, SIG_IGN);
	if (o->groups & GRP_LAT) {
		setup_us = pt_setup(o, port++);
		for (i = 0; i < ARRAY_SIZE(lat); i++)
			ret |= pt_one(o, &lat[i], o->pt_iters ? o->pt_iters :
				      lat[i].iters, port++, setup_us);
	}
	if (o->groups & GRP_BW) {
		for (i = 0; i < ARRAY_SIZE(bw); i++)
			if (bw[i].size >= o->min_bw && bw[i].size <= o->max_bw)
				ret |= pt_one(o, &bw[i], bw[i].iters, port++,
					      0);
		setup_us = pt_setup(o, port++);
		ret |= pt_one(o, &clock, clock.iters, port++, setup_us);
	}
	return ret ? -1 : 0;
}

/**
 * time_command() - run a command and print how long it took
 * @argv: the command
 *
 * Prints "wall_us N status S" (CLOCK_MONOTONIC) and the output.
 * Return: the command's exit status.
 */
int time_command(char **argv)
{
	struct pt_out r;

	if (run_capture(argv, CMD_RUN_MS, &r))
		return 127;
	fputs(r.text, stdout);
	printf("wall_us %.0f status %d\n", r.wall_us, r.status);
	free(r.text);
	return r.status;
}

/*
 * The host's clock, seen from a guest: the modification time the host
 * gives a file on a 9p share (cache=none) when it is written. The host's
 * file times are coarse (a jiffy), so measure over seconds.
 */
static int host_us(int fd, double *us)
{
	struct stat st;

	if (pwrite(fd, "x", 1, 0) != 1 || fstat(fd, &st))
		return -1;
	*us = st.st_mtim.tv_sec * 1e6 + st.st_mtim.tv_nsec / 1e3;
	return 0;
}

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

static double cpuinfo_mhz(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	double mhz = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	fclose(f);
	return mhz;
}

/**
 * clock_check() - perftest's clock (TSC ticks / "cpu MHz") against
 * CLOCK_MONOTONIC, and both against the host's clock
 * @o: the options; o->clock_dir: a directory on a host share, or NULL
 *
 * Over 3 seconds. Without a host share only the first comparison is
 * made, which is no check at all where the guest's CLOCK_MONOTONIC runs
 * on the TSC itself (clocksource tsc).
 *
 * Return: 0, or -1 without a "cpu MHz" line.
 */
int clock_check(struct opts *o)
{
	double mhz = cpuinfo_mhz(), us, h0 = 0, h1 = 0, m0, m1;
	char path[4096], src[64] = "?";
	uint64_t t0, t1, c0, c1;
	int fd = -1;
	FILE *f;

	if (mhz <= 0) {
		note("no cpu MHz in /proc/cpuinfo: perftest prints no times");
		emit_info(o, "cpu_mhz", "0");
		return -1;
	}
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  "r");
	if (f) {
		if (fscanf(f, "%63s", src) != 1)
			strcpy(src, "?");
		fclose(f);
	}
	if (o->clock_dir) {
		snprintf(path, sizeof(path), "%s/.rsmbench-clock", o->clock_dir);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	}
	/* Each host time is taken between two readings of ours. */
	m0 = now_ns() / 1e3;
	if (fd >= 0 && host_us(fd, &h0))
		fd = -1;
	t0 = now_ns();
	c0 = __rdtsc();
	m0 = (m0 + t0 / 1e3) / 2;
	usleep(3000000);
	c1 = __rdtsc();
	t1 = now_ns();
	if (fd >= 0 && host_us(fd, &h1))
		fd = -1;
	m1 = (t1 / 1e3 + now_ns() / 1e3) / 2;
	us = (t1 - t0) / 1e3;
	emit_info(o, "clocksource", "%s", src);
	emit_info(o, "cpu_mhz", "%.3f", mhz);
	emit_info(o, "tsc_mhz", "%.3f", (c1 - c0) / us);
	emit_sample(o, "clock_ratio_tsc", 0, "x", (c1 - c0) / mhz / us);
	note("perftest clock / CLOCK_MONOTONIC = %.4f (TSC %.1f MHz, cpuinfo %.1f MHz, clocksource %s)",
	     (c1 - c0) / mhz / us, (c1 - c0) / us, mhz, src);
	if (fd >= 0 && h1 > h0) {
		emit_sample(o, "clock_ratio_mono_host", 0, "x",
			    (m1 - m0) / (h1 - h0));
		emit_sample(o, "clock_ratio_tsc_host", 0, "x",
			    (c1 - c0) / mhz / (h1 - h0));
		note("CLOCK_MONOTONIC / host clock = %.4f, perftest clock / host clock = %.4f",
		     (m1 - m0) / (h1 - h0), (c1 - c0) / mhz / (h1 - h0));
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return 0;
}
#else
int clock_check(struct opts *o)
{
	note("no TSC check on this architecture");
	return 0;
}
#endif
