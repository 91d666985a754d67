// SPDX-License-Identifier: GPL-2.0
/*
 * The report of a run: every *.res file in DIR (the result lines of the
 * nodes) merged into
 *	DIR/results.csv    one line per table row
 *	DIR/results.json   the rows, every series' statistics, the info lines
 *	DIR/table.txt      the table with ratios and targets, for people
 *	DIR/plot.gp        a gnuplot script for DIR/plot.png, with its data
 *	                   in DIR/plot-*.dat
 * Statistics of a series are over all its samples, from every round.
 * A ratio is rsm's median over the baseline's median; where lower is
 * better (times) a target is met when the ratio is at most the target,
 * where higher is better (bandwidth) when it is at least the target.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rsmbench.h"

struct series {
	char name[48];
	size_t size;
	char unit[12];
	struct samples s;
	double med, p10, p90, min, max;
};

struct info {
	char key[64];
	char val[448];
};

struct row {
	char label[96];
	const struct series *r;		/* rsm (or the only value) */
	const struct series *b;		/* baseline, or NULL */
	char blabel[64];
	bool higher;
	double target;			/* 0: none */
	double ratio;			/* NAN: none */
	int met;			/* -1: no target */
};

static struct series *ser;
static size_t nser, cser;
static struct info *inf;
static size_t ninf, cinf;
static struct row rows[256];
static size_t nrows;

static struct series *find(const char *name, size_t size)
{
	size_t i;

	for (i = 0; i < nser; i++)
		if (ser[i].size == size && !strcmp(ser[i].name, name))
			return &ser[i];
	return NULL;
}

static struct series *get(const char *name, size_t size, const char *unit)
{
	struct series *s = find(name, size), *bigger;

	if (s)
		return s;
	if (nser == cser) {
		bigger = realloc(ser, (2 * cser + 16) * sizeof(*ser));
		if (!bigger)
			return NULL;
		ser = bigger;
		cser = 2 * cser + 16;
	}
	s = &ser[nser++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->unit, sizeof(s->unit), "%s", unit);
	s->size = size;
	return s;
}

static void add_info(const char *key, const char *val)
{
	struct info *bigger;

	if (ninf == cinf) {
		bigger = realloc(inf, (2 * cinf + 16) * sizeof(*inf));
		if (!bigger)
			return;
		inf = bigger;
		cinf = 2 * cinf + 16;
	}
	snprintf(inf[ninf].key, sizeof(inf[ninf].key), "%s", key);
	snprintf(inf[ninf].val, sizeof(inf[ninf].val), "%s", val);
	ninf++;
}

static int read_file(const char *path)
{
	char line[1024], name[48], unit[12], key[64];
	FILE *f = fopen(path, "r");
	unsigned long long size;
	struct series *s;
	double v;
	int n;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "S %47s %llu %11s %lf", name, &size, unit,
			   &v) == 4) {
			s = get(name, size, unit);
			if (s)
				samples_add(&s->s, v);
		} else if (sscanf(line, "I %63s %n", key, &n) == 1) {
			add_info(key, line + n);
		}
	}
	fclose(f);
	return 0;
}

static int read_dir(const char *dir)
{
	char path[4096];
	struct dirent *d;
	size_t len;
	DIR *dp;
	int files = 0;

	dp = opendir(dir);
	if (!dp) {
		fprintf(stderr, "rsmbench: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((d = readdir(dp))) {
		len = strlen(d->d_name);
		if (len < 5 || strcmp(d->d_name + len - 4, ".res"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (!read_file(path))
			files++;
	}
	closedir(dp);
	return files;
}

static void stats(void)
{
	size_t i;

	for (i = 0; i < nser; i++) {
		struct series *s = &ser[i];

		s->med = samples_pct(&s->s, 50);
		s->p10 = samples_pct(&s->s, 10);
		s->p90 = samples_pct(&s->s, 90);
		s->min = samples_pct(&s->s, 0);
		s->max = samples_pct(&s->s, 100);
	}
}

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->size < y->size ? -1 : x->size > y->size;
}

static void row(const char *label, const struct series *r,
		const struct series *b, const char *blabel, bool higher,
		double target)
{
	struct row *w;

	if (!r || nrows == ARRAY_SIZE(rows))
		return;
	w = &rows[nrows++];
	memset(w, 0, sizeof(*w));
	snprintf(w->label, sizeof(w->label), "%s", label);
	w->r = r;
	w->b = b;
	snprintf(w->blabel, sizeof(w->blabel), "%s", blabel);
	w->higher = higher;
	w->target = target;
	w->ratio = b && b->med > 0 ? r->med / b->med : NAN;
	w->met = -1;
	if (target > 0 && !isnan(w->ratio))
		w->met = higher ? w->ratio >= target : w->ratio <= target;
	else if (target > 0)
		w->met = 0;	/* no baseline: not met */
}

/* Sizes of a series name, ascending; returns how many. */
static size_t sizes_of(const char *name, size_t *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < nser && n < max; i++)
		if (!strcmp(ser[i].name, name))
			out[n++] = ser[i].size;
	return n;	/* ser is sorted by name, then size */
}

/* Export cost rows of one page mode: series export@sfx, mlock@sfx... */
static void export_rows(const char *sfx, const char *what)
{
	char label[96], sz[16], bl[64], e[32], m[32], g[32];
	size_t sizes[64], n, i;

	snprintf(e, sizeof(e), "export%s", sfx);
	snprintf(m, sizeof(m), "mlock%s", sfx);
	snprintf(g, sizeof(g), "reg_mr%s", sfx);
	n = sizes_of(e, sizes, ARRAY_SIZE(sizes));
	for (i = 0; i < n; i++) {
		size_str(sizes[i], sz, sizeof(sz));
		snprintf(label, sizeof(label), "export_create+publish %s%s",
			 sz, what);
		snprintf(bl, sizeof(bl), "mlock %s%s", sz, what);
		row(label, find(e, sizes[i]), find(m, sizes[i]), bl, false,
		    i == n - 1 ? 1.2 : 0);
		snprintf(bl, sizeof(bl), "ibv_reg_mr %s%s", sz, what);
		row(label, find(e, sizes[i]), find(g, sizes[i]), bl, false, 0);
	}
}

static void build_rows(void)
{
	size_t sizes[64], n, i;
	char label[96], sz[16], bl[64];
	const struct series *base;

	row("8 B put ping-pong, implicit barrier, spinning (RTT/2)",
	    find("put_lat_impl", 8), find("pt_write_lat", 8),
	    "ib_write_lat 8 B (RTT/2)", false, 1.15);
	row("8 B put ping-pong, explicit barrier, spinning (RTT/2)",
	    find("put_lat_expl", 8), find("pt_write_lat", 8),
	    "ib_write_lat 8 B (RTT/2)", false, 1.15);
	row("8 B put ping-pong, implicit, sleeping (RTT/2)",
	    find("put_lat_sleep", 8), find("pt_write_lat", 8),
	    "ib_write_lat 8 B (RTT/2)", false, 0);
	row("8 B get", find("get_lat", 8), find("pt_read_lat", 8),
	    "ib_read_lat 8 B", false, 1.15);
	row("8 B get", find("get_lat", 8), find("pt_read_lat_ev", 8),
	    "ib_read_lat -e 8 B", false, 0);
	row("8 B put, one call to completion", find("put_call", 8),
	    find("pt_read_lat", 8), "ib_read_lat 8 B", false, 0);
	row("explicit barrier: open+close, no access",
	    find("barrier_pair", 0), NULL, "", false, 0);
	row("signal post->wait ping-pong (RTT/2)", find("sig_lat", 0),
	    find("pt_send_lat", 8), "ib_send_lat 8 B (RTT/2)", false, 1.2);
	row("signal post->wait ping-pong (RTT/2)", find("sig_lat", 0),
	    find("pt_send_lat_ev", 8), "ib_send_lat -e 8 B (RTT/2)", false,
	    0);

	n = sizes_of("put_bw", sizes, ARRAY_SIZE(sizes));
	for (i = 0; i < n; i++) {
		size_str(sizes[i], sz, sizeof(sz));
		snprintf(label, sizeof(label), "put bandwidth %s", sz);
		base = find("pt_write_bw", sizes[i]);
		snprintf(bl, sizeof(bl), "ib_write_bw %s", sz);
		row(label, find("put_bw", sizes[i]), base,
		    base || sizes[i] == MIB ? bl : "", true,
		    sizes[i] == MIB ? 0.90 : 0);
	}
	n = sizes_of("get_bw", sizes, ARRAY_SIZE(sizes));
	for (i = 0; i < n; i++) {
		size_str(sizes[i], sz, sizeof(sz));
		snprintf(label, sizeof(label), "get bandwidth %s", sz);
		base = find("pt_read_bw", sizes[i]);
		snprintf(bl, sizeof(bl), "ib_read_bw %s", sz);
		row(label, find("get_bw", sizes[i]), base,
		    base || sizes[i] == MIB ? bl : "", true,
		    sizes[i] == MIB ? 0.90 : 0);
	}

	row("put bandwidth 1M", find("put_bw", MIB), find("pt_write_bw_t1", MIB),
	    "ib_write_bw -t 1 1M", true, 0);
	row("get bandwidth 1M", find("get_bw", MIB), find("pt_read_bw_t1", MIB),
	    "ib_read_bw -t 1 -o 1 1M", true, 0);

	row("putv, 16 x 8 B", find("putv16", 16), find("put16_loop", 16),
	    "16 x put64 (rsm)", false, 0);
	row("putv, 16 x 8 B", find("putv16", 16), find("pt_write_list", 16),
	    "ib_write_bw -l 16 8 B, a list", false, 0);
	row("getv, 16 x 8 B", find("getv16", 16), find("get16_loop", 16),
	    "16 x get64 (rsm)", false, 0);
	row("getv, 16 x 8 B", find("getv16", 16), find("pt_read_list", 16),
	    "ib_read_bw -l 16 8 B, a list", false, 0);

	export_rows("", "");
	export_rows("_4k", ", 4 KiB pages");

	n = sizes_of("connect", sizes, ARRAY_SIZE(sizes));
	base = n ? find("connect", sizes[0]) : NULL;
	for (i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "connect, %zu segments published",
			 sizes[i]);
		snprintf(bl, sizeof(bl), "connect, %zu published", sizes[0]);
		row(label, find("connect", sizes[i]), i ? base : NULL, bl,
		    false, i && i == n - 1 ? 1.2 : 0);
	}

	row("perftest clock (TSC / cpu MHz) / host clock",
	    find("clock_ratio_tsc_host", 0), NULL, "", false, 0);
	row("CLOCK_MONOTONIC / host clock",
	    find("clock_ratio_mono_host", 0), NULL, "", false, 0);
	row("perftest clock / CLOCK_MONOTONIC",
	    find("clock_ratio_tsc", 0), NULL, "", false, 0);
	row("ib_write_lat -n 300 run / (n x avg x 2)",
	    find("clock_ratio_whole", 0), NULL, "", false, 0);
	row("  same, fixed cost of a run taken off",
	    find("clock_ratio_net", 0), NULL, "", false, 0);
	row("perftest client run of 5 iterations",
	    find("pt_setup", 0), NULL, "", false, 0);
}

/* "1234.5", "12.3", "1.23" - about four significant digits. */
static const char *num(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(buf, len, "-");
	else if (a >= 1000)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

static const char *spread(const struct series *s, char *buf, size_t len)
{
	char a[24], b[24], c[24];

	if (!s) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%s [%s..%s] %s", num(s->med, a, sizeof(a)),
		 num(s->p10, b, sizeof(b)), num(s->p90, c, sizeof(c)),
		 s->unit);
	return buf;
}

static const char *target_str(const struct row *w, char *buf, size_t len)
{
	if (w->target <= 0)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%s%.2f", w->higher ? ">=" : "<=",
			 w->target);
	return buf;
}

static const char *met_str(const struct row *w)
{
	return w->met < 0 ? "" : w->met ? "met" : "MISSED";
}

static int write_table(const char *dir)
{
	char path[4096], r[64], b[64], t[16], x[24];
	int met = 0, missed = 0, lw = 11, bw = 8;
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/table.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	for (i = 0; i < nrows; i++) {
		if ((int)strlen(rows[i].label) > lw)
			lw = strlen(rows[i].label);
		if ((int)strlen(rows[i].blabel) > bw)
			bw = strlen(rows[i].blabel);
	}
	fprintf(f, "%-*s %-30s %-*s %-30s %7s %7s %s\n", lw, "measurement",
		"rsm median [p10..p90]", bw, "baseline",
		"baseline median [p10..p90]", "ratio", "target", "");
	for (i = 0; i < nrows; i++) {
		const struct row *w = &rows[i];

		fprintf(f, "%-*s %-30s %-*s %-30s %7s %7s %s\n", lw, w->label,
			spread(w->r, r, sizeof(r)), bw,
			*w->blabel ? w->blabel : "-",
			w->b ? spread(w->b, b, sizeof(b)) :
			*w->blabel ? "not measured" : "-",
			num(w->ratio, x, sizeof(x)),
			target_str(w, t, sizeof(t)), met_str(w));
		if (w->met == 1)
			met++;
		else if (w->met == 0)
			missed++;
	}
	fprintf(f, "\ntargets: %d met, %d missed\n", met, missed);
	for (i = 0; i < ninf; i++)
		fprintf(f, "info: %s %s\n", inf[i].key, inf[i].val);
	fclose(f);
	return 0;
}

static void csv_series(FILE *f, const struct series *s)
{
	if (s)
		fprintf(f, ",%s,%zu,%.3f,%.3f,%.3f,%.3f,%.3f,%zu", s->name,
			s->size, s->med, s->p10, s->p90, s->min, s->max, s->s.n);
	else
		fprintf(f, ",,,,,,,,");
}

static int write_csv(const char *dir)
{
	char path[4096];
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/results.csv", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("measurement,unit,rsm_series,rsm_size,rsm_median,rsm_p10,rsm_p90,rsm_min,rsm_max,rsm_n,baseline,base_series,base_size,base_median,base_p10,base_p90,base_min,base_max,base_n,ratio,target,met\n",
	      f);
	for (i = 0; i < nrows; i++) {
		const struct row *w = &rows[i];

		fprintf(f, "\"%s\",%s", w->label, w->r->unit);
		csv_series(f, w->r);
		fprintf(f, ",\"%s\"", w->blabel);
		csv_series(f, w->b);
		if (isnan(w->ratio))
			fprintf(f, ",,");
		else
			fprintf(f, ",%.4f,", w->ratio);
		if (w->target > 0)
			fprintf(f, "%s%.2f", w->higher ? ">=" : "<=",
				w->target);
		fprintf(f, ",%s\n", met_str(w));
	}
	fclose(f);
	return 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_series(FILE *f, const struct series *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"name\": ");
	json_str(f, s->name);
	fprintf(f, ", \"size\": %zu, \"unit\": ", s->size);
	json_str(f, s->unit);
	fprintf(f, ", \"median\": %.3f, \"p10\": %.3f, \"p90\": %.3f",
		s->med, s->p10, s->p90);
	fprintf(f, ", \"min\": %.3f, \"max\": %.3f, \"n\": %zu}",
		s->min, s->max, s->s.n);
}

static int write_json(const char *dir)
{
	char path[4096], t[16];
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("{\n  \"rows\": [\n", f);
	for (i = 0; i < nrows; i++) {
		const struct row *w = &rows[i];

		fputs("    {\"measurement\": ", f);
		json_str(f, w->label);
		fputs(", \"rsm\": ", f);
		json_series(f, w->r);
		fputs(", \"baseline\": ", f);
		json_str(f, w->blabel);
		fputs(", \"base\": ", f);
		json_series(f, w->b);
		if (isnan(w->ratio))
			fputs(", \"ratio\": null", f);
		else
			fprintf(f, ", \"ratio\": %.4f", w->ratio);
		fputs(", \"target\": ", f);
		json_str(f, target_str(w, t, sizeof(t)));
		fputs(", \"met\": ", f);
		fputs(w->met < 0 ? "null" : w->met ? "true" : "false", f);
		fprintf(f, "}%s\n", i + 1 < nrows ? "," : "");
	}
	fputs("  ],\n  \"series\": [\n", f);
	for (i = 0; i < nser; i++) {
		fputs("    ", f);
		json_series(f, &ser[i]);
		fprintf(f, "%s\n", i + 1 < nser ? "," : "");
	}
	fputs("  ],\n  \"info\": {\n", f);
	for (i = 0; i < ninf; i++) {
		fputs("    ", f);
		json_str(f, inf[i].key);
		fputs(": ", f);
		json_str(f, inf[i].val);
		fprintf(f, "%s\n", i + 1 < ninf ? "," : "");
	}
	fputs("  }\n}\n", f);
	fclose(f);
	return 0;
}

#define PLOT_APPEND	1	/* add to the file */
#define PLOT_BW_TIME	2	/* MiB/s -> us per operation of that size */

/*
 * One data file per plotted line: "x median p10 p90". @scale turns the
 * values into the plot's unit.
 */
static bool plot_data(const char *dir, const char *file, const char *name,
		      double scale, int flags)
{
	char path[4096];
	bool any = false;
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/plot-%s.dat", dir, file);
	f = fopen(path, flags & PLOT_APPEND ? "a" : "w");
	if (!f)
		return false;
	for (i = 0; i < nser; i++) {
		const struct series *s = &ser[i];
		double x = s->size, m = s->med, lo = s->p10, hi = s->p90;

		if (strcmp(s->name, name))
			continue;
		if (flags & PLOT_BW_TIME) {
			m = x / MIB / m * 1e6;
			lo = x / MIB / s->p90 * 1e6;
			hi = x / MIB / s->p10 * 1e6;
		}
		fprintf(f, "%.0f %g %g %g\n", x, m * scale, lo * scale,
			hi * scale);
		any = true;
	}
	fclose(f);
	return any;
}

static int write_plot(const char *dir)
{
	char path[4096];
	FILE *f;

	/* Time per operation: 8 B single calls, then the bandwidth sweep. */
	plot_data(dir, "put-op", "put_call", 0.001, 0);
	plot_data(dir, "put-op", "put_op", 0.001, PLOT_APPEND);
	plot_data(dir, "get-op", "get_lat", 0.001, 0);
	plot_data(dir, "get-op", "get_op", 0.001, PLOT_APPEND);
	plot_data(dir, "pt-read-op", "pt_read_lat", 0.001, 0);
	plot_data(dir, "pt-write-op", "pt_write_bw", 0.001, PLOT_BW_TIME);
	plot_data(dir, "pt-read-amort", "pt_read_bw", 0.001, PLOT_BW_TIME);
	plot_data(dir, "put-bw", "put_bw", 1, 0);
	plot_data(dir, "get-bw", "get_bw", 1, 0);
	plot_data(dir, "pt-write-bw", "pt_write_bw", 1, 0);
	plot_data(dir, "pt-read-bw", "pt_read_bw", 1, 0);
	plot_data(dir, "export", "export", 0.001, 0);
	plot_data(dir, "mlock", "mlock", 0.001, 0);
	plot_data(dir, "reg-mr", "reg_mr", 0.001, 0);
	plot_data(dir, "export-4k", "export_4k", 0.001, 0);
	plot_data(dir, "mlock-4k", "mlock_4k", 0.001, 0);
	plot_data(dir, "reg-mr-4k", "reg_mr_4k", 0.001, 0);
	plot_data(dir, "connect", "connect", 0.001, 0);

	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("# gnuplot script written by rsmbench --report\n"
	      "set terminal pngcairo size 1400,1000 font \",10\"\n"
	      "set output 'plot.png'\n"
	      "set multiplot layout 2,2 title 'rsm (RSMAPI over rxe) vs perftest, same two QEMU TCG nodes, same run: median, error bars p10..p90'\n"
	      "set logscale x 2\n"
	      "set grid\n"
	      "set key top left\n"
	      "set xlabel 'bytes'\n"
	      "set xrange [4:32*1024*1024]\n"
	      "set xtics ('8' 8, '64' 64, '512' 512, '4K' 4096, '32K' 32768, '256K' 262144, '2M' 2097152, '16M' 16777216)\n"
	      "set logscale y\n"
	      "set ylabel 'ms per operation'\n"
	      "set title 'latency: time per operation'\n"
	      "plot 'plot-put-op.dat' u 1:2:3:4 w yerrorlines t 'rsm put (one call)', \\\n"
	      "     'plot-get-op.dat' u 1:2:3:4 w yerrorlines t 'rsm get (one call)', \\\n"
	      "     'plot-pt-read-op.dat' u 1:2:3:4 w yerrorbars pt 7 t 'ib\\_read\\_lat (8 B)', \\\n"
	      "     'plot-pt-write-op.dat' u 1:2 w lp dt 2 t 'ib\\_write\\_bw, size/BW (pipelined)', \\\n"
	      "     'plot-pt-read-amort.dat' u 1:2 w lp dt 2 t 'ib\\_read\\_bw, size/BW (pipelined)'\n"
	      "set ylabel 'MiB/s'\n"
	      "set title 'bandwidth'\n"
	      "set xrange [2048:32*1024*1024]\n"
	      "set xtics ('4K' 4096, '16K' 16384, '64K' 65536, '256K' 262144, '1M' 1048576, '4M' 4194304, '16M' 16777216)\n"
	      "plot 'plot-put-bw.dat' u 1:2:3:4 w yerrorlines t 'rsm put', \\\n"
	      "     'plot-get-bw.dat' u 1:2:3:4 w yerrorlines t 'rsm get', \\\n"
	      "     'plot-pt-write-bw.dat' u 1:2:3:4 w yerrorlines t 'ib\\_write\\_bw', \\\n"
	      "     'plot-pt-read-bw.dat' u 1:2:3:4 w yerrorlines t 'ib\\_read\\_bw'\n"
	      "set ylabel 'ms'\n"
	      "set title 'export\\_create+publish vs pinning alone'\n"
	      "set xrange [2048:512*1024*1024]\n"
	      "set xtics ('4K' 4096, '64K' 65536, '1M' 1048576, '16M' 16777216, '256M' 268435456)\n"
	      "plot 'plot-export.dat' u 1:2:3:4 w yerrorlines lc 1 t 'rsm export+publish', \\\n"
	      "     'plot-mlock.dat' u 1:2:3:4 w yerrorlines lc 2 t 'mlock', \\\n"
	      "     'plot-reg-mr.dat' u 1:2:3:4 w yerrorlines lc 3 t 'ibv\\_reg\\_mr', \\\n"
	      "     'plot-export-4k.dat' u 1:2:3:4 w yerrorlines lc 1 dt 2 t '... 4 KiB pages', \\\n"
	      "     'plot-mlock-4k.dat' u 1:2:3:4 w yerrorlines lc 2 dt 2 t '', \\\n"
	      "     'plot-reg-mr-4k.dat' u 1:2:3:4 w yerrorlines lc 3 dt 2 t ''\n"
	      "set logscale x 10\n"
	      "set xrange [5:20000]\n"
	      "set xtics auto\n"
	      "set xlabel 'segments published on the exporter'\n"
	      "unset logscale y\n"
	      "set yrange [0:*]\n"
	      "set title 'connect time'\n"
	      "plot 'plot-connect.dat' u 1:2:3:4 w yerrorlines t 'rsm\\_memseg\\_import\\_connect'\n"
	      "unset multiplot\n", f);
	fclose(f);
	return 0;
}

/**
 * report_run() - merge the result files of a run and write the report
 * @dir: the directory with the *.res files, where the report goes
 *
 * Return: 0, or -1 if nothing could be read or written.
 */
int report_run(const char *dir)
{
	char path[4096];
	FILE *f;
	int files;

	files = read_dir(dir);
	if (files <= 0) {
		fprintf(stderr, "rsmbench: no result files (*.res) in %s\n",
			dir);
		return -1;
	}
	stats();
	if (nser)
		qsort(ser, nser, sizeof(*ser), cmp_series);
	build_rows();
	if (write_table(dir) || write_csv(dir) || write_json(dir) ||
	    write_plot(dir)) {
		fprintf(stderr, "rsmbench: cannot write the report in %s: %s\n",
			dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/table.txt", dir);
	f = fopen(path, "r");
	if (f) {
		char line[512];

		while (fgets(line, sizeof(line), f))
			fputs(line, stdout);
		fclose(f);
	}
	return 0;
}
