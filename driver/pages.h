/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RSM_PAGES_H
#define _RSM_PAGES_H

#include <linux/scatterlist.h>
#include <linux/types.h>

struct page;

/**
 * struct rsm_block - the pinned pages of one block
 * @first: the block's first page, if its pages are physically contiguous
 *	(a huge page): page k of the block is nth_page(@first, k)
 * @pages: otherwise, an array of the block's pages
 */
struct rsm_block {
	struct page *first;
	struct page **pages;
};

/**
 * struct rsm_pages - pinned user pages, one entry per PMD-sized block
 * @npages: number of pages
 * @skew: the first page's index within its block (the user address's
 *	offset from a PMD boundary, in pages), so that blocks line up with
 *	the huge pages that back the range
 * @nblocks: number of entries in @blocks
 * @blocks: the blocks; the first and last may be partial
 *
 * A range backed by huge pages costs one entry per huge page instead of
 * one pointer per 4 KiB page: an export of 1 GiB then keeps 8 KiB
 * instead of 2 MiB (which init_on_alloc also clears).
 */
struct rsm_pages {
	unsigned long npages;
	unsigned int skew;
	unsigned long nblocks;
	struct rsm_block blocks[];
};

struct rsm_pages *rsm_pages_pin(unsigned long vaddr, unsigned long npages);
void rsm_pages_unpin(struct rsm_pages *p, bool dirty);
struct page *rsm_pages_nth(const struct rsm_pages *p, unsigned long i);
int rsm_pages_sgt(const struct rsm_pages *p, unsigned long first,
		  unsigned long n, struct sg_append_table *sgt);

#endif
