// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/dma-mapping.h>
#include <linux/hmm.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "vsvm_gpusvm.h"

/**
 * DOC: SVM layer
 *
 * vsvm_gpusvm.c is the driver-independent half of vsvm's SVM, built in the
 * shape of drm_gpusvm (Linux 6.15+) when vsvm ran on 6.12, which lacks it.
 * The guest kernel is 7.2 now, which has the real one; vsvm moves onto it
 * next, and this file goes.  Its objects map one to one:
 *
 * ============================  ==========================================
 * vsvm                          drm_gpusvm / drm_pagemap
 * ============================  ==========================================
 * &struct vsvm_gpusvm           struct drm_gpusvm
 * &struct vsvm_gpusvm_notifier  struct drm_gpusvm_notifier
 * &struct vsvm_gpusvm_range     struct drm_gpusvm_range
 * range @dma_addr              drm_gpusvm_pages.dma_addr
 * &struct vsvm_gpusvm_ctx       struct drm_gpusvm_ctx
 * vsvm_gpusvm_range_get_pages   drm_gpusvm_range_get_pages
 * vsvm_svm_garbage_collector    xe_svm_garbage_collector
 * ============================  ==========================================
 *
 * A *notifier* is one mmu_interval_notifier over an aligned span of
 * &vsvm_gpusvm.notifier_size (512 MiB in vsvm).  It holds *ranges*: the
 * spans the GPU mirrors as units, made on a GPU fault with the largest of
 * the driver's chunk sizes that is aligned around the fault, fits in the CPU
 * VMA and overlaps no other range (vsvm_gpusvm_chunk_size()).
 *
 * Filling a range follows the rule of Documentation/mm/hmm.rst:
 * mmu_interval_read_begin(), hmm_range_fault() under the mmap lock (again
 * on -EBUSY), then mmu_interval_read_retry() under the notifier lock (again
 * if an invalidation ran meanwhile).  The pages are valid from then until an
 * invalidation clears &vsvm_gpusvm_range_flags.has_pages, which happens
 * under the notifier lock held for writing; the driver programs its page
 * table under the same lock after checking vsvm_gpusvm_range_pages_valid().
 *
 * Read faults ask hmm_range_fault() for read access only, so that reading a
 * copy-on-write page does not break the sharing; writes ask for write
 * access over the whole range.
 *
 * The device reaches the pages through device addresses, as with
 * drm_gpusvm: under the notifier lock, with the sequence checked, each
 * system page (or huge page, as far as the range covers it) is mapped for
 * DMA with dma_map_page_attrs() and each of the device's own pages gets its
 * device address from the driver (&vsvm_gpusvm_ops.device_map, what
 * &drm_pagemap_ops.device_map is to drm_gpusvm).  Invalidation unmaps them
 * under the same lock, once the driver has zapped its page table.  A range
 * also keeps the hmm pfns, which drm_gpusvm drops: vsvm's driver half
 * needs the pages behind the addresses to mark them dirty and to find
 * their VRAM allocations.  There are no physical-to-virtual back pointers:
 * a page is found from a range, never a range from a page.
 */

static struct vsvm_gpusvm_notifier *
vsvm_gpusvm_notifier_of(struct interval_tree_node *node)
{
	return node ? container_of(node, struct vsvm_gpusvm_notifier, itree) :
		      NULL;
}

static struct vsvm_gpusvm_notifier *
vsvm_gpusvm_notifier_find(struct vsvm_gpusvm *gpusvm, unsigned long addr)
{
	return vsvm_gpusvm_notifier_of(interval_tree_iter_first(&gpusvm->root,
								addr, addr));
}

static struct vsvm_gpusvm_range *
vsvm_gpusvm_range_of(struct interval_tree_node *node)
{
	return node ? container_of(node, struct vsvm_gpusvm_range, itree) :
		      NULL;
}

/**
 * vsvm_gpusvm_notifier_first() - the first notifier in a span
 * @gpusvm: the SVM state
 * @start: first address of the span
 * @end: end address of the span, exclusive
 *
 * Iterate with vsvm_gpusvm_notifier_next(), as drm_gpusvm_for_each_notifier()
 * does.
 *
 * Context: &vsvm_gpusvm.lock held.
 * Return: the lowest notifier overlapping [@start, @end), or NULL.
 */
struct vsvm_gpusvm_notifier *
vsvm_gpusvm_notifier_first(struct vsvm_gpusvm *gpusvm, unsigned long start,
			   unsigned long end)
{
	lockdep_assert_held(&gpusvm->lock);
	return vsvm_gpusvm_notifier_of(interval_tree_iter_first(&gpusvm->root,
								start,
								end - 1));
}

/**
 * vsvm_gpusvm_notifier_next() - the next notifier in a span
 * @notifier: the current notifier
 * @start: first address of the span, as given to
 *	vsvm_gpusvm_notifier_first()
 * @end: end address of the span, exclusive, likewise
 *
 * Context: as vsvm_gpusvm_notifier_first().
 * Return: the next notifier overlapping [@start, @end), or NULL.
 */
struct vsvm_gpusvm_notifier *
vsvm_gpusvm_notifier_next(struct vsvm_gpusvm_notifier *notifier,
			  unsigned long start, unsigned long end)
{
	return vsvm_gpusvm_notifier_of(interval_tree_iter_next(&notifier->itree,
							       start,
							       end - 1));
}

/**
 * vsvm_gpusvm_range_first() - the first range of @notifier in a span
 * @notifier: the notifier
 * @start: first address of the span
 * @end: end address of the span, exclusive
 *
 * Iterate with vsvm_gpusvm_range_next(); the current range must not be
 * removed meanwhile.
 *
 * Context: &vsvm_gpusvm.lock or &vsvm_gpusvm.notifier_lock held.
 * Return: the lowest range overlapping [@start, @end), or NULL.
 */
struct vsvm_gpusvm_range *
vsvm_gpusvm_range_first(struct vsvm_gpusvm_notifier *notifier,
			unsigned long start, unsigned long end)
{
	return vsvm_gpusvm_range_of(interval_tree_iter_first(&notifier->root,
							     start, end - 1));
}

/**
 * vsvm_gpusvm_range_next() - the next range in a span
 * @range: the current range
 * @start: first address of the span, as given to vsvm_gpusvm_range_first()
 * @end: end address of the span, exclusive, likewise
 *
 * Context: as vsvm_gpusvm_range_first().
 * Return: the next range overlapping [@start, @end), or NULL.
 */
struct vsvm_gpusvm_range *
vsvm_gpusvm_range_next(struct vsvm_gpusvm_range *range, unsigned long start,
		       unsigned long end)
{
	return vsvm_gpusvm_range_of(interval_tree_iter_next(&range->itree,
							    start, end - 1));
}

/**
 * vsvm_gpusvm_init() - initialise the SVM state of an address space
 * @gpusvm: the state to initialise
 * @name: name for debug output
 * @dev: the device that system pages are mapped for
 * @mm: the address space, which the caller keeps with mmgrab()
 * @device_private_page_owner: owner of the device's private pages
 * @mm_start: first address the GPU may mirror
 * @mm_range: size of the span the GPU may mirror
 * @notifier_size: span of a notifier, a power of two of at least the
 *	largest chunk size
 * @ops: the driver's callbacks
 * @chunk_sizes: range sizes, largest first, powers of two, the last
 *	PAGE_SIZE
 * @num_chunks: entries of @chunk_sizes
 *
 * Return: 0, or -EINVAL for inconsistent parameters.
 */
int vsvm_gpusvm_init(struct vsvm_gpusvm *gpusvm, const char *name,
		     struct device *dev, struct mm_struct *mm,
		     void *device_private_page_owner,
		     unsigned long mm_start, unsigned long mm_range,
		     unsigned long notifier_size,
		     const struct vsvm_gpusvm_ops *ops,
		     const unsigned long *chunk_sizes, int num_chunks)
{
	if (!ops->invalidate || (device_private_page_owner && !ops->device_map) ||
	    !num_chunks ||
	    chunk_sizes[num_chunks - 1] != PAGE_SIZE ||
	    !is_power_of_2(notifier_size) || notifier_size < chunk_sizes[0])
		return -EINVAL;

	gpusvm->name = name;
	gpusvm->mm = mm;
	gpusvm->dev = dev;
	atomic_long_set(&gpusvm->dma_pages, 0);
	gpusvm->device_private_page_owner = device_private_page_owner;
	gpusvm->mm_start = mm_start;
	gpusvm->mm_range = mm_range;
	gpusvm->notifier_size = notifier_size;
	gpusvm->ops = ops;
	gpusvm->chunk_sizes = chunk_sizes;
	gpusvm->num_chunks = num_chunks;
	mutex_init(&gpusvm->lock);
	init_rwsem(&gpusvm->notifier_lock);
	gpusvm->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&gpusvm->notifier_list);

	/*
	 * Teach lockdep the rules at once rather than when reclaim first
	 * happens to invalidate: the notifier lock is taken under reclaim,
	 * and the SVM lock is taken outside the mmap lock.
	 */
	fs_reclaim_acquire(GFP_KERNEL);
	might_lock(&gpusvm->notifier_lock);
	fs_reclaim_release(GFP_KERNEL);
	if (IS_ENABLED(CONFIG_LOCKDEP)) {
		mutex_lock(&gpusvm->lock);
		might_lock_read(&mm->mmap_lock);
		mutex_unlock(&gpusvm->lock);
	}
	return 0;
}

static bool vsvm_gpusvm_notifier_invalidate(struct mmu_interval_notifier *mni,
					    const struct mmu_notifier_range *mmu_range,
					    unsigned long cur_seq)
{
	struct vsvm_gpusvm_notifier *notifier =
		container_of(mni, struct vsvm_gpusvm_notifier, notifier);
	struct vsvm_gpusvm *gpusvm = notifier->gpusvm;

	if (mmu_notifier_range_blockable(mmu_range))
		down_write(&gpusvm->notifier_lock);
	else if (!down_write_trylock(&gpusvm->notifier_lock))
		return false;

	mmu_interval_set_seq(mni, cur_seq);
	gpusvm->ops->invalidate(gpusvm, notifier, mmu_range);
	up_write(&gpusvm->notifier_lock);
	return true;
}

static const struct mmu_interval_notifier_ops vsvm_gpusvm_notifier_ops = {
	.invalidate = vsvm_gpusvm_notifier_invalidate,
};

static void vsvm_gpusvm_notifier_link(struct vsvm_gpusvm *gpusvm,
				      struct vsvm_gpusvm_notifier *notifier)
{
	struct rb_node *next;

	down_write(&gpusvm->notifier_lock);
	interval_tree_insert(&notifier->itree, &gpusvm->root);
	/* The list follows the tree's order: go in before the successor. */
	next = rb_next(&notifier->itree.rb);
	list_add_tail(&notifier->entry,
		      next ? &rb_entry(next, struct vsvm_gpusvm_notifier,
				       itree.rb)->entry :
			     &gpusvm->notifier_list);
	up_write(&gpusvm->notifier_lock);
}

static struct vsvm_gpusvm_notifier *
vsvm_gpusvm_notifier_create(struct vsvm_gpusvm *gpusvm, unsigned long addr)
{
	struct vsvm_gpusvm_notifier *notifier;
	int ret;

	notifier = kzalloc_obj(*notifier, GFP_KERNEL_ACCOUNT);
	if (!notifier)
		return ERR_PTR(-ENOMEM);

	notifier->gpusvm = gpusvm;
	notifier->itree.start = ALIGN_DOWN(addr, gpusvm->notifier_size);
	notifier->itree.last = notifier->itree.start + gpusvm->notifier_size - 1;
	notifier->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&notifier->range_list);

	ret = mmu_interval_notifier_insert(&notifier->notifier, gpusvm->mm,
					   notifier->itree.start,
					   gpusvm->notifier_size,
					   &vsvm_gpusvm_notifier_ops);
	if (ret) {
		kfree(notifier);
		return ERR_PTR(ret);
	}
	vsvm_gpusvm_notifier_link(gpusvm, notifier);
	return notifier;
}

static void vsvm_gpusvm_notifier_destroy(struct vsvm_gpusvm *gpusvm,
					 struct vsvm_gpusvm_notifier *notifier)
{
	lockdep_assert_held(&gpusvm->lock);
	WARN_ON(!list_empty(&notifier->range_list));

	down_write(&gpusvm->notifier_lock);
	interval_tree_remove(&notifier->itree, &gpusvm->root);
	list_del(&notifier->entry);
	up_write(&gpusvm->notifier_lock);
	/* Waits for a running invalidation of this notifier to finish. */
	mmu_interval_notifier_remove(&notifier->notifier);
	kfree(notifier);
}

/**
 * vsvm_gpusvm_fini() - remove every range and notifier
 * @gpusvm: the SVM state; no fault uses it any more
 *
 * Once it returns no invalidation callback runs for @gpusvm any more.
 */
void vsvm_gpusvm_fini(struct vsvm_gpusvm *gpusvm)
{
	struct vsvm_gpusvm_notifier *notifier;

	mutex_lock(&gpusvm->lock);
	/* Removing a notifier's last range removes the notifier too. */
	while ((notifier = list_first_entry_or_null(&gpusvm->notifier_list,
						    struct vsvm_gpusvm_notifier,
						    entry)))
		vsvm_gpusvm_range_remove(gpusvm,
					 list_first_entry(&notifier->range_list,
							  struct vsvm_gpusvm_range,
							  entry));
	mutex_unlock(&gpusvm->lock);
	WARN_ON(atomic_long_read(&gpusvm->dma_pages));
}

/**
 * vsvm_gpusvm_chunk_size() - the range size for a fault at @addr
 * @chunk_sizes: candidate sizes, largest first
 * @num_chunks: entries of @chunk_sizes
 * @addr: the faulting address
 * @lo: the lowest address the range may start at (start of the VMA, end of
 *	the range below)
 * @hi: the highest address the range may end at, exclusive (end of the
 *	VMA, start of the range above)
 *
 * Return: the largest size whose aligned block around @addr lies within
 * [@lo, @hi), or 0 if none does.
 */
unsigned long vsvm_gpusvm_chunk_size(const unsigned long *chunk_sizes,
				     int num_chunks, unsigned long addr,
				     unsigned long lo, unsigned long hi)
{
	int i;

	for (i = 0; i < num_chunks; i++) {
		unsigned long start = ALIGN_DOWN(addr, chunk_sizes[i]);

		if (start >= lo && start + chunk_sizes[i] <= hi)
			return chunk_sizes[i];
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_gpusvm_chunk_size);

/**
 * vsvm_gpusvm_split() - cover a span with aligned chunks
 * @chunk_sizes: candidate sizes, largest first, the last PAGE_SIZE
 * @num_chunks: entries of @chunk_sizes
 * @start: first address, page aligned
 * @end: end address, exclusive, page aligned
 * @fn: called for each chunk in address order; a non-zero return stops
 * @arg: passed to @fn
 *
 * Each chunk is the largest size that is aligned at its start and fits
 * before @end.  The garbage collector uses it to rebuild the parts of a
 * partially unmapped range as ranges of their own.
 *
 * Return: 0, or the first non-zero value @fn returned.
 */
int vsvm_gpusvm_split(const unsigned long *chunk_sizes, int num_chunks,
		      unsigned long start, unsigned long end,
		      int (*fn)(void *arg, unsigned long start,
				unsigned long end),
		      void *arg)
{
	while (start < end) {
		unsigned long size = PAGE_SIZE;
		int i, ret;

		for (i = 0; i < num_chunks; i++) {
			if (IS_ALIGNED(start, chunk_sizes[i]) &&
			    start + chunk_sizes[i] <= end) {
				size = chunk_sizes[i];
				break;
			}
		}
		ret = fn(arg, start, start + size);
		if (ret)
			return ret;
		start += size;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_gpusvm_split);

/**
 * vsvm_gpusvm_range_find() - the range containing @addr
 * @gpusvm: the SVM state
 * @addr: the address
 *
 * Context: &vsvm_gpusvm.lock or &vsvm_gpusvm.notifier_lock held.
 * Return: the range, or NULL.
 */
struct vsvm_gpusvm_range *
vsvm_gpusvm_range_find(struct vsvm_gpusvm *gpusvm, unsigned long addr)
{
	struct vsvm_gpusvm_notifier *notifier;

	notifier = vsvm_gpusvm_notifier_find(gpusvm, addr);
	if (!notifier)
		return NULL;
	return vsvm_gpusvm_range_first(notifier, addr, addr + 1);
}

/* Shrink [*lo, *hi) around @addr so that it overlaps no range */
static void vsvm_gpusvm_free_window(struct vsvm_gpusvm_notifier *notifier,
				    unsigned long addr, unsigned long *lo,
				    unsigned long *hi)
{
	unsigned long start = *lo, end = *hi;
	struct vsvm_gpusvm_range *range;

	for (range = vsvm_gpusvm_range_first(notifier, start, end); range;
	     range = vsvm_gpusvm_range_next(range, start, end)) {
		if (vsvm_gpusvm_range_end(range) <= addr)
			*lo = max(*lo, vsvm_gpusvm_range_end(range));
		else
			*hi = min(*hi, vsvm_gpusvm_range_start(range));
	}
}

static void vsvm_gpusvm_range_link(struct vsvm_gpusvm_notifier *notifier,
				   struct vsvm_gpusvm_range *range)
{
	struct vsvm_gpusvm *gpusvm = notifier->gpusvm;
	struct rb_node *next;

	down_write(&gpusvm->notifier_lock);
	interval_tree_insert(&range->itree, &notifier->root);
	next = rb_next(&range->itree.rb);
	list_add_tail(&range->entry,
		      next ? &rb_entry(next, struct vsvm_gpusvm_range,
				       itree.rb)->entry :
			     &notifier->range_list);
	up_write(&gpusvm->notifier_lock);
}

/**
 * vsvm_gpusvm_range_insert() - create a range over [@start, @end)
 * @gpusvm: the SVM state
 * @start: first address, aligned to the size
 * @end: end address, exclusive; the span lies within one notifier span and
 *	overlaps no range
 *
 * Context: &vsvm_gpusvm.lock held, &mm_struct.mmap_lock not held.
 * Return: the new range, without pages, or an ERR_PTR().
 */
struct vsvm_gpusvm_range *
vsvm_gpusvm_range_insert(struct vsvm_gpusvm *gpusvm, unsigned long start,
			 unsigned long end)
{
	struct vsvm_gpusvm_notifier *notifier;
	struct vsvm_gpusvm_range *range;

	lockdep_assert_held(&gpusvm->lock);
	notifier = vsvm_gpusvm_notifier_find(gpusvm, start);
	if (!notifier) {
		notifier = vsvm_gpusvm_notifier_create(gpusvm, start);
		if (IS_ERR(notifier))
			return ERR_CAST(notifier);
	}

	if (gpusvm->ops->range_alloc)
		range = gpusvm->ops->range_alloc(gpusvm);
	else
		range = kzalloc_obj(*range, GFP_KERNEL_ACCOUNT);
	if (!range) {
		if (list_empty(&notifier->range_list))
			vsvm_gpusvm_notifier_destroy(gpusvm, notifier);
		return ERR_PTR(-ENOMEM);
	}

	range->gpusvm = gpusvm;
	range->notifier = notifier;
	range->itree.start = start;
	range->itree.last = end - 1;
	INIT_LIST_HEAD(&range->entry);
	vsvm_gpusvm_range_link(notifier, range);
	return range;
}

/**
 * vsvm_gpusvm_range_find_or_insert() - the range to fault for @fault_addr
 * @gpusvm: the SVM state
 * @fault_addr: the faulting address
 * @vma_start: start of the span the range must fit in: the CPU VMA
 *	containing @fault_addr, or the part of it the driver allows (the
 *	gpuva_start of drm_gpusvm_range_find_or_insert())
 * @vma_end: end of that span, exclusive
 *
 * Returns the range containing @fault_addr, or creates one with the largest
 * chunk size that fits in the span and the notifier span and overlaps no
 * other range.
 *
 * Context: &vsvm_gpusvm.lock held, &mm_struct.mmap_lock not held.
 * Return: the range, or an ERR_PTR().
 */
struct vsvm_gpusvm_range *
vsvm_gpusvm_range_find_or_insert(struct vsvm_gpusvm *gpusvm,
				 unsigned long fault_addr,
				 unsigned long vma_start,
				 unsigned long vma_end)
{
	unsigned long notifier_start = ALIGN_DOWN(fault_addr,
						  gpusvm->notifier_size);
	unsigned long lo = max(vma_start, notifier_start);
	unsigned long hi = min(vma_end, notifier_start + gpusvm->notifier_size);
	struct vsvm_gpusvm_notifier *notifier;
	struct vsvm_gpusvm_range *range;
	unsigned long size;

	lockdep_assert_held(&gpusvm->lock);
	if (fault_addr < gpusvm->mm_start ||
	    fault_addr - gpusvm->mm_start >= gpusvm->mm_range)
		return ERR_PTR(-EFAULT);

	range = vsvm_gpusvm_range_find(gpusvm, fault_addr);
	if (range)
		return range;

	notifier = vsvm_gpusvm_notifier_find(gpusvm, fault_addr);
	if (notifier)
		vsvm_gpusvm_free_window(notifier, fault_addr, &lo, &hi);

	size = vsvm_gpusvm_chunk_size(gpusvm->chunk_sizes, gpusvm->num_chunks,
				      fault_addr, lo, hi);
	if (WARN_ON_ONCE(!size))
		return ERR_PTR(-EFAULT);

	return vsvm_gpusvm_range_insert(gpusvm,
					ALIGN_DOWN(fault_addr, size),
					ALIGN_DOWN(fault_addr, size) + size);
}

/*
 * The order of the mapping that starts at page @i of hmm_range_fault()
 * output: as many pages as the CPU maps together there (a huge page), as
 * far as the page frame is aligned to them and the range holds them.
 */
static unsigned int vsvm_gpusvm_map_order(const unsigned long *pfns,
					  unsigned long i,
					  unsigned long npages)
{
	unsigned long pfn = page_to_pfn(hmm_pfn_to_page(pfns[i]));
	unsigned int order = hmm_pfn_to_map_order(pfns[i]);

	while (order && (!IS_ALIGNED(pfn, 1UL << order) ||
			 i + (1UL << order) > npages))
		order--;
	return order;
}

/*
 * The device and the CPU share the pages for as long as they are mapped,
 * with no cache maintenance or bounce buffer between them: refuse (rather
 * than bounce) where that cannot hold.  The attribute also tells DMA-API
 * debugging that several such mappings of one page (two VMs, two devices)
 * are as they should be.
 */
#define VSVM_GPUSVM_DMA_ATTRS	DMA_ATTR_REQUIRE_COHERENT

/* Undo the DMA mappings of the first @npages pages of @dma_addr */
static void vsvm_gpusvm_dma_unmap(struct vsvm_gpusvm *gpusvm,
				  const struct drm_pagemap_addr *dma_addr,
				  unsigned long npages)
{
	unsigned long i, j;

	for (i = 0, j = 0; i < npages; i += 1UL << dma_addr[j].order, j++)
		if (dma_addr[j].proto == DRM_INTERCONNECT_SYSTEM)
			dma_unmap_page_attrs(gpusvm->dev, dma_addr[j].addr,
					     PAGE_SIZE << dma_addr[j].order,
					     dma_addr[j].dir,
					     VSVM_GPUSVM_DMA_ATTRS);
}

/*
 * Give the pages of hmm_range_fault() output their device addresses in
 * @dma_addr: a DMA mapping for each system page or huge page, the driver's
 * address for each of the device's own.  A page the device may write
 * (HMM_PFN_WRITE, which a read fault also gets where the CPU may write) is
 * mapped DMA_BIDIRECTIONAL, others DMA_TO_DEVICE.  Return: the system
 * pages mapped, or -EIO with nothing left mapped.
 */
static long vsvm_gpusvm_dma_map(struct vsvm_gpusvm *gpusvm,
				const unsigned long *pfns, unsigned long npages,
				struct drm_pagemap_addr *dma_addr)
{
	unsigned long i, j, mapped = 0;

	for (i = 0, j = 0; i < npages; i += 1UL << dma_addr[j].order, j++) {
		struct page *page = hmm_pfn_to_page(pfns[i]);
		unsigned int order = vsvm_gpusvm_map_order(pfns, i, npages);
		enum dma_data_direction dir = pfns[i] & HMM_PFN_WRITE ?
					      DMA_BIDIRECTIONAL : DMA_TO_DEVICE;
		dma_addr_t addr;

		if (is_device_private_page(page)) {
			dma_addr[j] = gpusvm->ops->device_map(gpusvm, page,
							      order, dir);
			continue;
		}
		addr = dma_map_page_attrs(gpusvm->dev, page, 0,
					  PAGE_SIZE << order, dir,
					  VSVM_GPUSVM_DMA_ATTRS);
		if (dma_mapping_error(gpusvm->dev, addr)) {
			vsvm_gpusvm_dma_unmap(gpusvm, dma_addr, i);
			return -EIO;
		}
		dma_addr[j] = drm_pagemap_addr_encode(addr,
						      DRM_INTERCONNECT_SYSTEM,
						      order, dir);
		mapped += 1UL << order;
	}
	return mapped;
}

/* Undo the DMA mappings of a range; notifier lock held for writing */
static void vsvm_gpusvm_range_dma_unmap(struct vsvm_gpusvm *gpusvm,
					struct vsvm_gpusvm_range *range)
{
	lockdep_assert_held_write(&gpusvm->notifier_lock);
	if (!range->flags.has_dma_mapping)
		return;
	vsvm_gpusvm_dma_unmap(gpusvm, range->dma_addr,
			      vsvm_gpusvm_range_size(range) >> PAGE_SHIFT);
	atomic_long_sub(range->dma_pages, &gpusvm->dma_pages);
	range->dma_pages = 0;
	range->flags.has_dma_mapping = false;
}

/**
 * vsvm_gpusvm_range_remove() - remove and free a range
 * @gpusvm: the SVM state
 * @range: the range; its device mappings must be gone (zapped by an
 *	invalidation or by the driver)
 *
 * Removes the range's notifier too if it was its last range.
 *
 * Context: &vsvm_gpusvm.lock held.
 */
void vsvm_gpusvm_range_remove(struct vsvm_gpusvm *gpusvm,
			      struct vsvm_gpusvm_range *range)
{
	struct vsvm_gpusvm_notifier *notifier = range->notifier;

	lockdep_assert_held(&gpusvm->lock);
	down_write(&gpusvm->notifier_lock);
	interval_tree_remove(&range->itree, &notifier->root);
	list_del(&range->entry);
	range->flags.has_pages = false;
	vsvm_gpusvm_range_dma_unmap(gpusvm, range);
	up_write(&gpusvm->notifier_lock);

	kvfree(range->dma_addr);
	kvfree(range->pfns);
	if (gpusvm->ops->range_free)
		gpusvm->ops->range_free(range);
	else
		kfree(range);

	if (list_empty(&notifier->range_list))
		vsvm_gpusvm_notifier_destroy(gpusvm, notifier);
}

/* hmm_range_fault() under the mmap lock, again while it says -EBUSY */
static int vsvm_gpusvm_hmm_fault(struct vsvm_gpusvm *gpusvm,
				 struct hmm_range *hmm_range,
				 struct vsvm_gpusvm_ctx *ctx)
{
	ktime_t start = ktime_get();
	int ret;

	do {
		if (time_after(jiffies, ctx->timeout)) {
			ret = -ETIMEDOUT;
			break;
		}
		hmm_range->notifier_seq =
			mmu_interval_read_begin(hmm_range->notifier);
		mmap_read_lock(gpusvm->mm);
		ret = hmm_range_fault(hmm_range);
		mmap_read_unlock(gpusvm->mm);
		if (ret == -EBUSY)
			ctx->retries++;
	} while (ret == -EBUSY);

	ctx->hmm_ns += ktime_to_ns(ktime_sub(ktime_get(), start));
	return ret;
}

/**
 * struct vsvm_gpusvm_devmem - the device's own pages in hmm_range_fault() output
 * @any: some pages are device-private (ours: others are faulted back)
 * @readonly: some of them came back without write access, as device-private
 *	pages shared copy-on-write (after fork()) do even when write access
 *	was asked for: the core mm does not break COW on device memory
 */
struct vsvm_gpusvm_devmem {
	bool any;
	bool readonly;
};

static struct vsvm_gpusvm_devmem
vsvm_gpusvm_scan_devmem(const unsigned long *pfns, unsigned long npages)
{
	struct vsvm_gpusvm_devmem devmem = {};
	unsigned long i;

	for (i = 0; i < npages; i++) {
		if (!is_device_private_page(hmm_pfn_to_page(pfns[i])))
			continue;
		devmem.any = true;
		if (!(pfns[i] & HMM_PFN_WRITE))
			devmem.readonly = true;
	}
	return devmem;
}

/**
 * vsvm_gpusvm_range_get_pages() - fault in the pages of a range
 * @gpusvm: the SVM state
 * @range: the range
 * @ctx: the fault: access wanted, time limit; receives statistics
 *
 * On success the range's pages are valid, and mapped for the device, until
 * the next invalidation; the driver programs its page table with their
 * device addresses under &vsvm_gpusvm.notifier_lock after checking
 * vsvm_gpusvm_range_pages_valid(), and starts again here if they were
 * invalidated meanwhile.  The mappings of pages the range still had are
 * replaced: the driver must have zapped its entries of them first.
 *
 * Context: &vsvm_gpusvm.lock held; the caller holds a reference on the mm
 * (mmget()).
 * Return: 0; -EFAULT, -EPERM or -ENOMEM from hmm_range_fault(); -EROFS
 * for a write when some of the device's own pages are shared read-only
 * (copy-on-write after fork()): the driver must move them to system memory,
 * where the fault breaks COW, and call again; -EIO if a page could not be
 * mapped for DMA; or -ETIMEDOUT when invalidations kept it from
 * finishing in time.
 */
int vsvm_gpusvm_range_get_pages(struct vsvm_gpusvm *gpusvm,
				struct vsvm_gpusvm_range *range,
				struct vsvm_gpusvm_ctx *ctx)
{
	unsigned long npages = vsvm_gpusvm_range_size(range) >> PAGE_SHIFT;
	struct hmm_range hmm_range = {
		.notifier = &range->notifier->notifier,
		.start = vsvm_gpusvm_range_start(range),
		.end = vsvm_gpusvm_range_end(range),
		.default_flags = HMM_PFN_REQ_FAULT |
				 (ctx->write ? HMM_PFN_REQ_WRITE : 0),
		.dev_private_owner = gpusvm->device_private_page_owner,
	};
	struct drm_pagemap_addr *dma_addr;
	struct vsvm_gpusvm_devmem devmem;
	unsigned long *pfns;
	long mapped;
	int ret;

	lockdep_assert_held(&gpusvm->lock);
	pfns = kvmalloc_array(npages, sizeof(*pfns), GFP_KERNEL_ACCOUNT);
	dma_addr = kvmalloc_array(npages, sizeof(*dma_addr),
				  GFP_KERNEL_ACCOUNT);
	if (!pfns || !dma_addr) {
		ret = -ENOMEM;
		goto out_free;
	}
	hmm_range.hmm_pfns = pfns;

	for (;;) {
		ret = vsvm_gpusvm_hmm_fault(gpusvm, &hmm_range, ctx);
		if (ret)
			goto out_free;

		down_write(&gpusvm->notifier_lock);
		if (!mmu_interval_read_retry(hmm_range.notifier,
					     hmm_range.notifier_seq))
			break;
		up_write(&gpusvm->notifier_lock);
		ctx->retries++;
	}

	devmem = vsvm_gpusvm_scan_devmem(pfns, npages);
	if (ctx->write && devmem.readonly) {
		up_write(&gpusvm->notifier_lock);
		ret = -EROFS;
		goto out_free;
	}

	mapped = vsvm_gpusvm_dma_map(gpusvm, pfns, npages, dma_addr);
	if (mapped < 0) {
		up_write(&gpusvm->notifier_lock);
		ret = mapped;
		goto out_free;
	}
	vsvm_gpusvm_range_dma_unmap(gpusvm, range);
	swap(range->pfns, pfns);
	swap(range->dma_addr, dma_addr);
	range->dma_pages = mapped;
	atomic_long_add(mapped, &gpusvm->dma_pages);
	range->notifier_seq = hmm_range.notifier_seq;
	range->flags.has_pages = true;
	range->flags.has_dma_mapping = true;
	range->flags.writable = ctx->write;
	range->flags.has_devmem_pages = devmem.any;
	up_write(&gpusvm->notifier_lock);

	ctx->npages += npages;
out_free:
	kvfree(dma_addr);
	kvfree(pfns);
	return ret;
}

/**
 * vsvm_gpusvm_range_pages_valid() - may the device map the range's pages?
 * @gpusvm: the SVM state
 * @range: the range
 *
 * Context: &vsvm_gpusvm.notifier_lock held.
 * Return: true if the pages got by vsvm_gpusvm_range_get_pages() have not
 * been invalidated since.
 */
bool vsvm_gpusvm_range_pages_valid(struct vsvm_gpusvm *gpusvm,
				   struct vsvm_gpusvm_range *range)
{
	lockdep_assert_held(&gpusvm->notifier_lock);
	return range->flags.has_pages;
}

/**
 * vsvm_gpusvm_range_unmap_pages() - forget the pages of a range
 * @gpusvm: the SVM state
 * @range: the range
 *
 * Called by the driver's invalidation callback once the device can no longer
 * reach the pages: undoes their DMA mappings.
 *
 * Context: &vsvm_gpusvm.notifier_lock held for writing.
 */
void vsvm_gpusvm_range_unmap_pages(struct vsvm_gpusvm *gpusvm,
				   struct vsvm_gpusvm_range *range)
{
	lockdep_assert_held_write(&gpusvm->notifier_lock);
	range->flags.has_pages = false;
	range->flags.has_devmem_pages = false;
	vsvm_gpusvm_range_dma_unmap(gpusvm, range);
}

/**
 * vsvm_gpusvm_range_set_unmapped() - record that an UNMAP event hit a range
 * @range: the range
 * @mmu_range: the event
 *
 * Context: &vsvm_gpusvm.notifier_lock held for writing.
 */
void vsvm_gpusvm_range_set_unmapped(struct vsvm_gpusvm_range *range,
				    const struct mmu_notifier_range *mmu_range)
{
	lockdep_assert_held_write(&range->gpusvm->notifier_lock);
	range->flags.unmapped = true;
	if (mmu_range->start > vsvm_gpusvm_range_start(range) ||
	    mmu_range->end < vsvm_gpusvm_range_end(range))
		range->flags.partial_unmap = true;
}
