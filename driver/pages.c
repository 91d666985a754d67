// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned user pages, kept per PMD-sized block: a block backed by one huge
 * page is one pointer, any other block an array of its pages. The
 * pinned_pages counter moves with every pin and unpin here, failure paths
 * included, so a leaked pin shows there.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "netlink.h"
#include "pages.h"

/* Pages in a block: the pages one page table maps, a PMD's worth. */
#define RSM_BLOCK_PAGES	PTRS_PER_PTE
/* Blocks pinned per call of pin_user_pages_fast(): a 64 KiB buffer. */
#define RSM_PIN_BLOCKS	16

/* Index of the first page of block @b; p->npages for b == p->nblocks. */
static unsigned long block_start(const struct rsm_pages *p, unsigned long b)
{
	return b ? min(b * RSM_BLOCK_PAGES - p->skew, p->npages) : 0;
}

static unsigned long block_len(const struct rsm_pages *p, unsigned long b)
{
	return block_start(p, b + 1) - block_start(p, b);
}

static unsigned long block_of(const struct rsm_pages *p, unsigned long i)
{
	return (i + p->skew) / RSM_BLOCK_PAGES;
}

static void block_unpin(const struct rsm_pages *p, unsigned long b,
			bool dirty)
{
	const struct rsm_block *blk = &p->blocks[b];

	rsm_count(RSM_CNT_PINNED_PAGES, -(s64)block_len(p, b));
	if (blk->first) {
		unpin_user_page_range_dirty_lock(blk->first, block_len(p, b),
						 dirty);
	} else {
		unpin_user_pages_dirty_lock(blk->pages, block_len(p, b), dirty);
		kfree(blk->pages);
	}
}

/* Pin @n pages from @vaddr into @buf; all of them or none. */
static int pin_pages(unsigned long vaddr, unsigned long n, struct page **buf)
{
	unsigned long done = 0;
	long got;

	while (done < n) {
		got = pin_user_pages_fast(vaddr + done * PAGE_SIZE, n - done,
					  FOLL_WRITE | FOLL_LONGTERM,
					  buf + done);
		if (got <= 0) {
			unpin_user_pages(buf, done);
			rsm_count(RSM_CNT_PINNED_PAGES, -(s64)done);
			return got ? got : -EFAULT;
		}
		rsm_count(RSM_CNT_PINNED_PAGES, got);
		done += got;
	}
	return 0;
}

/* Zero if @buf[@k] is the page @k pages after @buf[0]. */
static unsigned long misplaced(struct page **buf, unsigned long k)
{
	return (unsigned long)buf[k] ^ (unsigned long)nth_page(buf[0], k);
}

/*
 * Whether @buf holds @n consecutive pages. This reads every pinned page
 * (262144 at 1 GiB), so it tests eight at a time: a branch per page made
 * it a third of the pin of a huge-page export under TCG.
 */
static bool contiguous(struct page **buf, unsigned long n)
{
	unsigned long k;

	for (k = 0; k + 8 <= n; k += 8)
		if (misplaced(buf, k) | misplaced(buf, k + 1) |
		    misplaced(buf, k + 2) | misplaced(buf, k + 3) |
		    misplaced(buf, k + 4) | misplaced(buf, k + 5) |
		    misplaced(buf, k + 6) | misplaced(buf, k + 7))
			return false;
	for (; k < n; k++)
		if (misplaced(buf, k))
			return false;
	return true;
}

/*
 * Keep the pinned pages in @buf as blocks [@b, @end) of @p, where @buf
 * starts at block @b. On failure, unpin those not kept.
 */
static int keep_blocks(struct rsm_pages *p, unsigned long b,
		       unsigned long end, struct page **buf)
{
	unsigned long first = block_start(p, b), k, n;

	for (; b < end; b++) {
		k = block_start(p, b) - first;
		n = block_len(p, b);
		if (contiguous(buf + k, n)) {
			p->blocks[b].first = buf[k];
		} else {
			p->blocks[b].pages = kmemdup(buf + k, n * sizeof(*buf),
						     GFP_KERNEL);
			if (!p->blocks[b].pages) {
				n = block_start(p, end) - first - k;
				unpin_user_pages(buf + k, n);
				rsm_count(RSM_CNT_PINNED_PAGES, -(s64)n);
				return -ENOMEM;
			}
		}
		p->nblocks = b + 1;
	}
	return 0;
}

/**
 * rsm_pages_pin() - pin user pages for writing, long term
 * @vaddr: page-aligned user address
 * @npages: number of pages, at least one
 *
 * Charging the pages (RLIMIT_MEMLOCK) is the caller's business.
 *
 * Context: process context, in the user's mm.
 * Return: the pages, or an ERR_PTR().
 */
struct rsm_pages *rsm_pages_pin(unsigned long vaddr, unsigned long npages)
{
	unsigned int skew = (vaddr >> PAGE_SHIFT) & (RSM_BLOCK_PAGES - 1);
	unsigned long nblocks = DIV_ROUND_UP(skew + npages, RSM_BLOCK_PAGES);
	unsigned long b, end, first;
	struct rsm_pages *p;
	struct page **buf;
	int ret = -ENOMEM;

	p = kvzalloc(struct_size(p, blocks, nblocks), GFP_KERNEL);
	/* A batch never holds more than the range (a 4 KiB export, one). */
	buf = kvmalloc_array(min_t(unsigned long, npages,
				   RSM_PIN_BLOCKS * RSM_BLOCK_PAGES),
			     sizeof(*buf), GFP_KERNEL);
	if (!p || !buf)
		goto err;
	p->npages = npages;
	p->skew = skew;
	for (b = 0; b < nblocks; b = end) {
		end = min(b + RSM_PIN_BLOCKS, nblocks);
		first = block_start(p, b);
		ret = pin_pages(vaddr + (first << PAGE_SHIFT),
				block_start(p, end) - first, buf);
		if (!ret)
			ret = keep_blocks(p, b, end, buf);
		if (ret)
			goto err;
	}
	kvfree(buf);
	return p;

err:
	if (p)
		rsm_pages_unpin(p, false);
	kvfree(buf);
	return ERR_PTR(ret);
}

/**
 * rsm_pages_unpin() - unpin the pages and free @p
 * @p: the pages
 * @dirty: mark them dirty first (they may have been written)
 *
 * Context: process context.
 */
void rsm_pages_unpin(struct rsm_pages *p, bool dirty)
{
	unsigned long b;

	for (b = 0; b < p->nblocks; b++)
		block_unpin(p, b, dirty);
	kvfree(p);
}

/**
 * rsm_pages_nth() - page @i of @p
 * @p: the pages
 * @i: index, below p->npages
 *
 * Return: the page.
 */
struct page *rsm_pages_nth(const struct rsm_pages *p, unsigned long i)
{
	unsigned long b = block_of(p, i);
	const struct rsm_block *blk = &p->blocks[b];

	i -= block_start(p, b);
	return blk->first ? nth_page(blk->first, i) : blk->pages[i];
}

/**
 * rsm_pages_sgt() - a scatterlist of pages [@first, @first + @n) of @p
 * @p: the pages
 * @first: index of the first page
 * @n: number of pages, at least one
 * @sgt: the table to fill; free it with sg_free_append_table()
 *
 * Physically contiguous pages share an entry.
 *
 * Context: process context.
 * Return: 0 or a negative errno; on failure @sgt is empty.
 */
int rsm_pages_sgt(const struct rsm_pages *p, unsigned long first,
		  unsigned long n, struct sg_append_table *sgt)
{
	unsigned long i = first, end = first + n, b, k, len;
	struct page **buf = NULL, **pages;
	int ret = 0;

	memset(sgt, 0, sizeof(*sgt));
	while (i < end) {
		b = block_of(p, i);
		len = min(end, block_start(p, b + 1)) - i;
		if (p->blocks[b].first) {
			if (!buf)
				buf = kmalloc_array(RSM_BLOCK_PAGES,
						    sizeof(*buf), GFP_KERNEL);
			if (!buf) {
				ret = -ENOMEM;
				break;
			}
			for (k = 0; k < len; k++)
				buf[k] = rsm_pages_nth(p, i + k);
			pages = buf;
		} else {
			pages = p->blocks[b].pages + (i - block_start(p, b));
		}
		ret = sg_alloc_append_table_from_pages(sgt, pages, len, 0,
						       len << PAGE_SHIFT,
						       UINT_MAX, end - i - len,
						       GFP_KERNEL);
		if (ret)
			break;
		i += len;
	}
	kfree(buf);
	if (ret) {
		sg_free_append_table(sgt);
		memset(sgt, 0, sizeof(*sgt));
	}
	return ret;
}
