/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_GPUSVM_H_
#define _VSVM_GPUSVM_H_

#include <linux/atomic.h>
#include <linux/dma-direction.h>
#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include <drm/drm_pagemap.h>

struct device;
struct page;
struct vsvm_gpusvm;
struct vsvm_gpusvm_notifier;
struct vsvm_gpusvm_range;

/**
 * struct vsvm_gpusvm_ops - what the driver provides to the SVM layer
 */
struct vsvm_gpusvm_ops {
	/**
	 * @range_alloc: allocate a range, which may be embedded in a larger
	 * driver structure; NULL allocates a bare &struct vsvm_gpusvm_range
	 */
	struct vsvm_gpusvm_range *(*range_alloc)(struct vsvm_gpusvm *gpusvm);
	/** @range_free: free what @range_alloc returned */
	void (*range_free)(struct vsvm_gpusvm_range *range);
	/**
	 * @invalidate: stop the device from reaching the pages of the ranges
	 * of @notifier that overlap @mmu_range: zap the device page tables
	 * and flush the TLBs.  Called with &vsvm_gpusvm.notifier_lock held
	 * for writing, possibly from memory reclaim: it must not allocate
	 * memory or sleep on anything but that lock.
	 */
	void (*invalidate)(struct vsvm_gpusvm *gpusvm,
			   struct vsvm_gpusvm_notifier *notifier,
			   const struct mmu_notifier_range *mmu_range);
	/**
	 * @device_map: the device address of one of the device's own pages
	 * (and of the (1 << order) - 1 pages after it), as
	 * &drm_pagemap_ops.device_map gives it; called with
	 * &vsvm_gpusvm.notifier_lock held for writing.  Device addresses
	 * need no unmapping.
	 */
	struct drm_pagemap_addr (*device_map)(struct vsvm_gpusvm *gpusvm,
					      struct page *page,
					      unsigned int order,
					      enum dma_data_direction dir);
};

/**
 * struct vsvm_gpusvm - the SVM state of one GPU address space
 *
 * The driver-independent part of vsvm's SVM: it tracks which parts of a
 * process's address space the device mirrors (notifiers holding ranges),
 * fills ranges with the CPU's pages using hmm_range_fault(), and calls the
 * driver back on invalidation.  It corresponds to drm_gpusvm in Linux 6.15+.
 */
struct vsvm_gpusvm {
	/** @name: name for debug output */
	const char *name;
	/** @mm: the mirrored address space, held with mmgrab() */
	struct mm_struct *mm;
	/** @dev: the device that system pages are mapped for (DMA) */
	struct device *dev;
	/**
	 * @dma_pages: system pages mapped for @dev's DMA now, for debugfs;
	 * atomic
	 */
	atomic_long_t dma_pages;
	/**
	 * @device_private_page_owner: the owner of the device's private
	 * pages, for hmm_range_fault(), which returns those pages instead of
	 * migrating them back
	 */
	void *device_private_page_owner;
	/** @mm_start: first address the GPU may mirror */
	unsigned long mm_start;
	/** @mm_range: size of the span the GPU may mirror */
	unsigned long mm_range;
	/** @notifier_size: span of each notifier, a power of two */
	unsigned long notifier_size;
	/** @ops: the driver's callbacks */
	const struct vsvm_gpusvm_ops *ops;
	/** @chunk_sizes: range sizes to try on a fault, largest first */
	const unsigned long *chunk_sizes;
	/** @num_chunks: entries of @chunk_sizes */
	int num_chunks;
	/**
	 * @lock: serialises creation and removal of ranges and notifiers
	 * and the filling of ranges: held by the GPU fault handler, the
	 * garbage collector and teardown.  Taken before &mm_struct.mmap_lock.
	 */
	struct mutex lock;
	/**
	 * @notifier_lock: protects the validity of the ranges' pages and the
	 * device page tables, and the range and notifier trees (which change
	 * only with @lock held as well).  Held for writing by the
	 * invalidation callback, so it is taken inside memory reclaim: no
	 * memory may be allocated while holding it.
	 */
	struct rw_semaphore notifier_lock;
	/**
	 * @root: interval tree of the notifiers.  Protected by
	 * @notifier_lock, changed with @lock held as well.
	 */
	struct rb_root_cached root;
	/** @notifier_list: the notifiers in address order, like @root */
	struct list_head notifier_list;
};

/**
 * struct vsvm_gpusvm_notifier - one MMU interval notifier and its ranges
 *
 * Covers an aligned span of &vsvm_gpusvm.notifier_size bytes; created with
 * its first range and removed with its last.
 */
struct vsvm_gpusvm_notifier {
	/** @gpusvm: the owner */
	struct vsvm_gpusvm *gpusvm;
	/** @notifier: the core mm's interval notifier */
	struct mmu_interval_notifier notifier;
	/** @itree: node in &vsvm_gpusvm.root (start and last address) */
	struct interval_tree_node itree;
	/** @entry: link in &vsvm_gpusvm.notifier_list */
	struct list_head entry;
	/** @root: interval tree of the ranges, as &vsvm_gpusvm.root */
	struct rb_root_cached root;
	/** @range_list: the ranges in address order, as &vsvm_gpusvm.root */
	struct list_head range_list;
};

/**
 * struct vsvm_gpusvm_range_flags - state of a range
 * @has_pages: @pfns holds valid pages; cleared by invalidation
 * @writable: the pages were faulted for writing
 * @unmapped: an UNMAP event hit the range; it awaits the garbage collector
 * @partial_unmap: only part of the range was unmapped
 * @has_devmem_pages: some of the valid pages are the device's own VRAM
 * @has_dma_mapping: @dma_addr holds mappings, to undo before it changes
 *
 * Protected by &vsvm_gpusvm.notifier_lock.
 */
struct vsvm_gpusvm_range_flags {
	u8 has_pages:1;
	u8 writable:1;
	u8 unmapped:1;
	u8 partial_unmap:1;
	u8 has_devmem_pages:1;
	u8 has_dma_mapping:1;
};

/**
 * struct vsvm_gpusvm_range - a span that the GPU mirrors as a unit
 *
 * Created on a GPU fault with one of &vsvm_gpusvm.chunk_sizes and aligned to
 * it, always inside one CPU VMA (at creation) and one notifier.  Ranges are
 * never resized: the garbage collector removes unmapped ones and recreates
 * the still-mapped parts of partially unmapped ones.
 *
 * A range is used only under &vsvm_gpusvm.lock (fault handling, garbage
 * collection, teardown) or &vsvm_gpusvm.notifier_lock (invalidation), and
 * freed only with both held, so it needs no reference count.
 */
struct vsvm_gpusvm_range {
	/** @gpusvm: the owner */
	struct vsvm_gpusvm *gpusvm;
	/** @notifier: the notifier covering the range */
	struct vsvm_gpusvm_notifier *notifier;
	/** @itree: node in &vsvm_gpusvm_notifier.root */
	struct interval_tree_node itree;
	/** @entry: link in &vsvm_gpusvm_notifier.range_list */
	struct list_head entry;
	/**
	 * @notifier_seq: the notifier sequence the pages were read at.
	 * Protected by &vsvm_gpusvm.notifier_lock.
	 */
	unsigned long notifier_seq;
	/**
	 * @pfns: hmm_range_fault() output, one entry per page, valid while
	 * @flags.has_pages is set.  Replaced under
	 * &vsvm_gpusvm.notifier_lock, freed with the range.
	 */
	unsigned long *pfns;
	/**
	 * @dma_addr: the device addresses of the pages, as drm_gpusvm keeps
	 * them: one entry per mapping, in address order, each covering
	 * PAGE_SIZE << &drm_pagemap_addr.order bytes.  System pages are
	 * mapped for DMA (DRM_INTERCONNECT_SYSTEM), the device's own pages
	 * have its device addresses (DRM_INTERCONNECT_DRIVER).  Valid while
	 * @flags.has_pages is set.  Protected as @pfns.
	 */
	struct drm_pagemap_addr *dma_addr;
	/**
	 * @dma_pages: system pages of @dma_addr mapped for DMA.  Protected by
	 * &vsvm_gpusvm.notifier_lock.
	 */
	unsigned long dma_pages;
	/** @flags: state, see &struct vsvm_gpusvm_range_flags */
	struct vsvm_gpusvm_range_flags flags;
};

/**
 * struct vsvm_gpusvm_ctx - parameters and results of one fault
 * @write: fault the pages in for writing
 * @timeout: jiffies by which to give up retrying
 * @retries: out: times the fault was retried because of invalidation
 * @npages: out: pages hmm_range_fault() returned
 * @hmm_ns: out: time spent in hmm_range_fault()
 */
struct vsvm_gpusvm_ctx {
	bool write;
	unsigned long timeout;
	unsigned int retries;
	unsigned long npages;
	u64 hmm_ns;
};

/**
 * vsvm_gpusvm_range_start() - first address of a range
 * @range: the range
 *
 * Return: the address.
 */
static inline unsigned long
vsvm_gpusvm_range_start(const struct vsvm_gpusvm_range *range)
{
	return range->itree.start;
}

/**
 * vsvm_gpusvm_range_end() - end address (exclusive) of a range
 * @range: the range
 *
 * Return: the address.
 */
static inline unsigned long
vsvm_gpusvm_range_end(const struct vsvm_gpusvm_range *range)
{
	return range->itree.last + 1;
}

/**
 * vsvm_gpusvm_range_size() - size of a range in bytes
 * @range: the range
 *
 * Return: the size.
 */
static inline unsigned long
vsvm_gpusvm_range_size(const struct vsvm_gpusvm_range *range)
{
	return vsvm_gpusvm_range_end(range) - vsvm_gpusvm_range_start(range);
}

struct vsvm_gpusvm_notifier *
vsvm_gpusvm_notifier_first(struct vsvm_gpusvm *gpusvm, unsigned long start,
			   unsigned long end);
struct vsvm_gpusvm_notifier *
vsvm_gpusvm_notifier_next(struct vsvm_gpusvm_notifier *notifier,
			  unsigned long start, unsigned long end);
struct vsvm_gpusvm_range *
vsvm_gpusvm_range_first(struct vsvm_gpusvm_notifier *notifier,
			unsigned long start, unsigned long end);
struct vsvm_gpusvm_range *
vsvm_gpusvm_range_next(struct vsvm_gpusvm_range *range, unsigned long start,
		       unsigned long end);

int vsvm_gpusvm_init(struct vsvm_gpusvm *gpusvm, const char *name,
		     struct device *dev, struct mm_struct *mm,
		     void *device_private_page_owner,
		     unsigned long mm_start, unsigned long mm_range,
		     unsigned long notifier_size,
		     const struct vsvm_gpusvm_ops *ops,
		     const unsigned long *chunk_sizes, int num_chunks);
void vsvm_gpusvm_fini(struct vsvm_gpusvm *gpusvm);

unsigned long vsvm_gpusvm_chunk_size(const unsigned long *chunk_sizes,
				     int num_chunks, unsigned long addr,
				     unsigned long lo, unsigned long hi);
int vsvm_gpusvm_split(const unsigned long *chunk_sizes, int num_chunks,
		      unsigned long start, unsigned long end,
		      int (*fn)(void *arg, unsigned long start,
				unsigned long end),
		      void *arg);

struct vsvm_gpusvm_range *
vsvm_gpusvm_range_find(struct vsvm_gpusvm *gpusvm, unsigned long addr);
struct vsvm_gpusvm_range *
vsvm_gpusvm_range_find_or_insert(struct vsvm_gpusvm *gpusvm,
				 unsigned long fault_addr,
				 unsigned long vma_start,
				 unsigned long vma_end);
struct vsvm_gpusvm_range *
vsvm_gpusvm_range_insert(struct vsvm_gpusvm *gpusvm, unsigned long start,
			 unsigned long end);
void vsvm_gpusvm_range_remove(struct vsvm_gpusvm *gpusvm,
			      struct vsvm_gpusvm_range *range);
int vsvm_gpusvm_range_get_pages(struct vsvm_gpusvm *gpusvm,
				struct vsvm_gpusvm_range *range,
				struct vsvm_gpusvm_ctx *ctx);
bool vsvm_gpusvm_range_pages_valid(struct vsvm_gpusvm *gpusvm,
				   struct vsvm_gpusvm_range *range);
void vsvm_gpusvm_range_unmap_pages(struct vsvm_gpusvm *gpusvm,
				   struct vsvm_gpusvm_range *range);
void vsvm_gpusvm_range_set_unmapped(struct vsvm_gpusvm_range *range,
				    const struct mmu_notifier_range *mmu_range);

#endif /* _VSVM_GPUSVM_H_ */
