// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny JSON writer: objects, arrays, unsigned numbers and strings, which
 * is all rsmadm prints. Compact by default, indented by two spaces when
 * pretty. Strings are escaped as RFC 8259 asks: quote, backslash and every
 * control character; other bytes (UTF-8) are copied as they are.
 */
#include "rsmadm.h"

void json_init(struct json *jw, FILE *out, bool pretty)
{
	jw->out = out;
	jw->pretty = pretty;
	jw->depth = 0;
	jw->first[0] = true;
}

static void json_escape(struct json *jw, const char *s)
{
	const unsigned char *p;

	fputc('"', jw->out);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", jw->out);
			break;
		case '\\':
			fputs("\\\\", jw->out);
			break;
		case '\b':
			fputs("\\b", jw->out);
			break;
		case '\f':
			fputs("\\f", jw->out);
			break;
		case '\n':
			fputs("\\n", jw->out);
			break;
		case '\r':
			fputs("\\r", jw->out);
			break;
		case '\t':
			fputs("\\t", jw->out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(jw->out, "\\u%04x", *p);
			else
				fputc(*p, jw->out);
		}
	}
	fputc('"', jw->out);
}

static void json_indent(struct json *jw)
{
	int i;

	if (!jw->pretty)
		return;
	fputc('\n', jw->out);
	for (i = 0; i < jw->depth; i++)
		fputs("  ", jw->out);
}

/* Separator, indentation and key before a value; @key NULL in arrays. */
static void json_member(struct json *jw, const char *key)
{
	if (jw->depth > 0) {
		if (!jw->first[jw->depth])
			fputc(',', jw->out);
		json_indent(jw);
	}
	jw->first[jw->depth] = false;
	if (key) {
		json_escape(jw, key);
		fputs(jw->pretty ? ": " : ":", jw->out);
	}
}

void json_open(struct json *jw, const char *key, char bracket)
{
	json_member(jw, key);
	fputc(bracket, jw->out);
	if (jw->depth < JSON_DEPTH_MAX - 1)
		jw->depth++;
	jw->first[jw->depth] = true;
}

void json_close(struct json *jw, char bracket)
{
	bool empty = jw->first[jw->depth];

	if (jw->depth > 0)
		jw->depth--;
	if (!empty)
		json_indent(jw);
	fputc(bracket, jw->out);
}

void json_u64(struct json *jw, const char *key, uint64_t v)
{
	json_member(jw, key);
	fprintf(jw->out, "%llu", (unsigned long long)v);
}

void json_str(struct json *jw, const char *key, const char *s)
{
	json_member(jw, key);
	json_escape(jw, s);
}

/* Ends the document: one newline after the top-level value. */
void json_end(struct json *jw)
{
	fputc('\n', jw->out);
}
