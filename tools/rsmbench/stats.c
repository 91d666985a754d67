// SPDX-License-Identifier: GPL-2.0
/*
 * The clock (CLOCK_MONOTONIC), sample sets and their percentiles, and the
 * result lines.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rsmbench.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Microseconds since @t0 (from now_ns()). */
double elapsed_us(uint64_t t0)
{
	return (now_ns() - t0) / 1000.0;
}

void samples_init(struct samples *s)
{
	memset(s, 0, sizeof(*s));
}

void samples_free(struct samples *s)
{
	free(s->v);
	samples_init(s);
}

int samples_add(struct samples *s, double v)
{
	double *bigger;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;

		bigger = realloc(s->v, cap * sizeof(*bigger));
		if (!bigger)
			return -1;
		s->v = bigger;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The @pct percentile (0..100), interpolated between the two nearest
 * ranks; 0 for no samples. Sorts the samples.
 */
double samples_pct(const struct samples *s, double pct)
{
	double rank, frac;
	size_t i;

	if (!s->n)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	rank = pct / 100.0 * (s->n - 1);
	i = (size_t)rank;
	if (i + 1 >= s->n)
		return s->v[s->n - 1];
	frac = rank - i;
	return s->v[i] + frac * (s->v[i + 1] - s->v[i]);
}

/* Where result lines go: --out, else stdout; nowhere for --quick alone. */
static FILE *out_file(const struct opts *o)
{
	return o->out ? o->out : o->quick ? NULL : stdout;
}

void emit_sample(const struct opts *o, const char *name, size_t size,
		 const char *unit, double v)
{
	FILE *f = out_file(o);

	if (f)
		fprintf(f, "S %s %zu %s %.4f\n", name, size, unit, v);
}

void emit_samples(const struct opts *o, const char *name, size_t size,
		  const char *unit, const struct samples *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		emit_sample(o, name, size, unit, s->v[i]);
	if (out_file(o))
		fflush(out_file(o));
}

void emit_info(const struct opts *o, const char *key, const char *fmt, ...)
{
	FILE *f = out_file(o);
	va_list ap;

	if (!f)
		return;
	fprintf(f, "I %s ", key);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

/* One comment line for people: median and spread. */
void summary(const char *name, size_t size, const char *unit,
	     const struct samples *s)
{
	char buf[32];

	if (!s->n)
		return;
	note("%-14s %8s  median %10.1f %-5s p10 %10.1f  p90 %10.1f  (n=%zu)",
	     name, size_str(size, buf, sizeof(buf)), samples_pct(s, 50), unit,
	     samples_pct(s, 10), samples_pct(s, 90), s->n);
}

const char *size_str(size_t size, char *buf, size_t len)
{
	if (size >= MIB && !(size % MIB))
		snprintf(buf, len, "%zuM", size / MIB);
	else if (size >= KIB && !(size % KIB))
		snprintf(buf, len, "%zuK", size / KIB);
	else
		snprintf(buf, len, "%zu", size);
	return buf;
}

/* "4096", "4K", "16M", "1G". */
int parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;

	v = strtoull(s, &end, 0);
	if (end == s)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		v *= KIB;
		end++;
		break;
	case 'm':
	case 'M':
		v *= MIB;
		end++;
		break;
	case 'g':
	case 'G':
		v *= 1024 * MIB;
		end++;
		break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}
