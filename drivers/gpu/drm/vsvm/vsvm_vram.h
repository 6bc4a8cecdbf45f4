/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_VRAM_H_
#define _VSVM_VRAM_H_

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/gpu_buddy.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct drm_printer;
struct resource;
struct vsvm_device;

/**
 * struct vsvm_vram_usage - VRAM charged to one open file
 *
 * Allocations made for a file's VMs hold a reference, so the count
 * outlives the file if its pages do.
 */
struct vsvm_vram_usage {
	/** @ref: held by the file and by each of its allocations */
	struct kref ref;
	/** @bytes: bytes of VRAM allocated for the file; atomic */
	atomic64_t bytes;
};

/**
 * struct vsvm_vram_alloc - VRAM allocated for one migration
 *
 * The unit of allocation, of the LRU and of eviction.  Each device page of
 * it that holds data holds a reference on it; folio_free() drops that
 * reference, and the last one gives the memory back to the allocator (from
 * a work item, since folio_free() may run in atomic context).  A page
 * finds its allocation with vsvm_vram_page_alloc(), not through
 * &page.zone_device_data, which belongs to whoever migrates the page.
 */
struct vsvm_vram_alloc {
	/** @vram: the VRAM it came from */
	struct vsvm_vram *vram;
	/** @ref: one per live device page, plus temporary holders */
	struct kref ref;
	/** @blocks: the buddy blocks, in order; owned until freed */
	struct list_head blocks;
	/**
	 * @lru_link: link in &vsvm_vram.lru, empty once taken off it (freed
	 * or picked for eviction).  Protected by &vsvm_vram.lru_lock.
	 */
	struct list_head lru_link;
	/** @free_node: link in &vsvm_vram.free_list once unreferenced */
	struct llist_node free_node;
	/** @usage: the file charged for it, referenced; may be NULL */
	struct vsvm_vram_usage *usage;
	/** @size: bytes allocated */
	u64 size;
	/** @granule: bytes that move back to system memory together */
	unsigned long granule;
	/**
	 * @timeslice: for a move made for a VRAM-only GPU atomic, the
	 * timeslice in jiffies, until the GPU first maps the pages, which
	 * starts it and clears this; 0 otherwise.  xchg().
	 */
	unsigned long timeslice;
	/**
	 * @timeslice_end: jiffies before which a CPU fault waits instead of
	 * taking a page back (VRAM-only atomics).  READ_ONCE()/WRITE_ONCE().
	 */
	unsigned long timeslice_end;
};

/* The backing store is allocated in chunks of this size */
#define VSVM_VRAM_CHUNK_SIZE	SZ_2M
#define VSVM_VRAM_CHUNK_PAGES	(VSVM_VRAM_CHUNK_SIZE >> PAGE_SHIFT)

/**
 * struct vsvm_vram_chunk - the backing store of 2 MiB of VRAM
 *
 * Allocated when the buddy allocator first hands out a block in the chunk,
 * freed when its last block is given back, so unused VRAM commits no
 * memory.  Its pages are mapped together with vmap() (see "DOC: Emulated
 * VRAM" for why not through the direct map).
 */
struct vsvm_vram_chunk {
	/**
	 * @pages: the chunk's VSVM_VRAM_CHUNK_PAGES pages (fewer in a last,
	 * partial chunk), or NULL while @used is 0.  Protected by
	 * &vsvm_vram.lock; stable while a page of the chunk is allocated.
	 */
	struct page **pages;
	/**
	 * @vaddr: @pages mapped contiguously, or NULL while @used is 0;
	 * protected as @pages
	 */
	void *vaddr;
	/**
	 * @owners: for each page of the chunk, the allocation it is part of,
	 * or NULL while it is free; allocated and freed with @pages.  An
	 * entry is written under &vsvm_vram.lock when its allocation is
	 * made and when it is given back, so it is stable for whoever holds
	 * a reference on the allocation (directly, or through a device page
	 * of it); READ_ONCE()/WRITE_ONCE().
	 */
	struct vsvm_vram_alloc **owners;
	/** @used: 4 KiB pages of the chunk allocated; under &vsvm_vram.lock */
	unsigned int used;
};

/**
 * struct vsvm_vram - the emulated VRAM of one device
 *
 * The memory behind it, the *backing store*, which the engines and the copy
 * engine read and write, is ordinary kernel memory allocated per 2 MiB
 * chunk while the chunk holds allocations (&struct vsvm_vram_chunk).  Its struct pages are
 * MEMORY_DEVICE_PRIVATE pages made by memremap_pages() over a free physical
 * address range: they never map to the CPU, they only stand in the
 * process's page tables (as device-private swap entries) for data that
 * lives in the backing store.
 */
struct vsvm_vram {
	/** @vdev: the device; the pages' pgmap owner */
	struct vsvm_device *vdev;
	/** @pagemap: the device-private pagemap */
	struct dev_pagemap pagemap;
	/** @res: the physical address range of @pagemap */
	struct resource *res;
	/**
	 * @chunks: the backing store, one &struct vsvm_vram_chunk per 2 MiB;
	 * protected by @lock
	 */
	struct vsvm_vram_chunk *chunks;
	/** @backing_bytes: bytes of backing store allocated; atomic */
	atomic64_t backing_bytes;
	/**
	 * @resident: one bit per page, set while the page holds a process's
	 * data: from the move that fills it to the move that empties it or
	 * its folio_free().  Changed only under the page's lock (or when it
	 * is freed), so whoever locks a page sees whether its data is still
	 * there.  Atomic bit operations.
	 */
	unsigned long *resident;
	/** @size: bytes of VRAM */
	u64 size;
	/** @pfn_first: page frame of the first page */
	unsigned long pfn_first;
	/**
	 * @lock: protects @mm.  The allocator allocates memory under it, so
	 * memory reclaim (and the MMU notifiers it calls) runs inside it;
	 * never taken under a notifier lock.
	 */
	struct mutex lock;
	/** @mm: the buddy allocator of VRAM offsets; protected by @lock */
	struct gpu_buddy mm;
	/** @lru_lock: protects @lru; innermost, taken in any context */
	spinlock_t lru_lock;
	/**
	 * @lru: allocations, least recently used first; protected by
	 * @lru_lock
	 */
	struct list_head lru;
	/** @free_list: unreferenced allocations to give back; lockless */
	struct llist_head free_list;
	/** @free_work: gives @free_list back to @mm */
	struct work_struct free_work;
	/** @used: bytes allocated; atomic */
	atomic64_t used;
	/** @allocations: live allocations; atomic */
	atomic_t allocations;
	/**
	 * @fail_alloc: the next @fail_alloc allocations fail (fault
	 * injection from debugfs); atomic
	 */
	atomic_t fail_alloc;
	/**
	 * @last_move_us: how long the latest move of pages out of this VRAM
	 * took, in microseconds, for the ping-pong guard.
	 * READ_ONCE()/WRITE_ONCE().
	 */
	unsigned int last_move_us;
};

int vsvm_vram_init(struct vsvm_vram *vram, struct vsvm_device *vdev,
		   u64 size);
void vsvm_vram_fini(struct vsvm_vram *vram);
int vsvm_vram_mm_init(struct vsvm_vram *vram, u64 size);
void vsvm_vram_mm_fini(struct vsvm_vram *vram);

struct vsvm_vram_alloc *vsvm_vram_alloc(struct vsvm_vram *vram, u64 size,
					struct vsvm_vram_usage *usage);
void vsvm_vram_alloc_put(struct vsvm_vram_alloc *alloc);
void vsvm_vram_touch(struct vsvm_vram_alloc *alloc);
void vsvm_vram_start_timeslice(struct vsvm_vram_alloc *alloc);
struct vsvm_vram_alloc *vsvm_vram_lru_pick(struct vsvm_vram *vram);
unsigned long vsvm_vram_evict(struct vsvm_vram_alloc *alloc);
void vsvm_vram_flush(struct vsvm_vram *vram);
void vsvm_vram_print(struct vsvm_vram *vram, struct drm_printer *p);

struct vsvm_vram_usage *vsvm_vram_usage_create(void);
void vsvm_vram_usage_put(struct vsvm_vram_usage *usage);

/**
 * vsvm_vram_page_vram() - the VRAM a device page belongs to
 * @page: a MEMORY_DEVICE_PRIVATE page of some vsvm device
 *
 * Return: the VRAM.
 */
static inline struct vsvm_vram *vsvm_vram_page_vram(struct page *page)
{
	return container_of(page_pgmap(page), struct vsvm_vram, pagemap);
}

/**
 * vsvm_vram_page_is_ours() - is @page a page of @vram?
 * @vram: the VRAM
 * @page: any page
 *
 * Return: true for the device-private pages of @vram.
 */
static inline bool vsvm_vram_page_is_ours(const struct vsvm_vram *vram,
					  struct page *page)
{
	return is_device_private_page(page) && page_pgmap(page) == &vram->pagemap;
}

/**
 * vsvm_vram_page_index() - the number of a VRAM page within its VRAM
 * @vram: the VRAM
 * @page: a page of @vram
 *
 * Return: the page's index, from 0.
 */
static inline unsigned long vsvm_vram_page_index(const struct vsvm_vram *vram,
						 struct page *page)
{
	return page_to_pfn(page) - vram->pfn_first;
}

/**
 * vsvm_vram_page_set_resident() - a VRAM page now holds a process's data
 * @page: a page of some vsvm VRAM, locked
 */
static inline void vsvm_vram_page_set_resident(struct page *page)
{
	struct vsvm_vram *vram = vsvm_vram_page_vram(page);

	set_bit(vsvm_vram_page_index(vram, page), vram->resident);
}

/**
 * vsvm_vram_page_clear_resident() - the data of a VRAM page has left it
 * @page: a page of some vsvm VRAM, locked or being freed
 */
static inline void vsvm_vram_page_clear_resident(struct page *page)
{
	struct vsvm_vram *vram = vsvm_vram_page_vram(page);

	clear_bit(vsvm_vram_page_index(vram, page), vram->resident);
}

/**
 * vsvm_vram_page_resident() - does a VRAM page hold a process's data?
 * @page: a page of some vsvm VRAM, locked by the caller
 *
 * A page whose data moved out stays allocated until the mover drops its
 * reference, after unlocking it: whoever takes the page by its page frame
 * in that instant (eviction) finds it empty here.
 *
 * Return: true if the page holds data.
 */
static inline bool vsvm_vram_page_resident(struct page *page)
{
	struct vsvm_vram *vram = vsvm_vram_page_vram(page);

	return test_bit(vsvm_vram_page_index(vram, page), vram->resident);
}

/**
 * vsvm_vram_offset_chunk() - the chunk of VRAM an offset falls in
 * @vram: the VRAM
 * @offset: an offset into @vram
 *
 * Return: the chunk.
 */
static inline struct vsvm_vram_chunk *
vsvm_vram_offset_chunk(const struct vsvm_vram *vram, u64 offset)
{
	return &vram->chunks[offset / VSVM_VRAM_CHUNK_SIZE];
}

/**
 * vsvm_vram_chunk_page_index() - which page of its chunk an offset is in
 * @offset: an offset into VRAM
 *
 * Return: the index of the page in its chunk.
 */
static inline unsigned int vsvm_vram_chunk_page_index(u64 offset)
{
	return (offset % VSVM_VRAM_CHUNK_SIZE) >> PAGE_SHIFT;
}

/**
 * vsvm_vram_offset_vaddr() - where the data at an offset into VRAM lives
 * @vram: the VRAM
 * @offset: an offset into @vram, in an allocated page
 *
 * Return: the address of @offset in the backing store.
 */
static inline void *vsvm_vram_offset_vaddr(const struct vsvm_vram *vram,
					   u64 offset)
{
	return vsvm_vram_offset_chunk(vram, offset)->vaddr +
	       offset % VSVM_VRAM_CHUNK_SIZE;
}

/**
 * vsvm_vram_page_offset() - the offset into its VRAM of a VRAM page
 * @vram: the VRAM
 * @page: a page of @vram
 *
 * Return: the offset, the page's device address.
 */
static inline u64 vsvm_vram_page_offset(const struct vsvm_vram *vram,
					struct page *page)
{
	return (u64)vsvm_vram_page_index(vram, page) << PAGE_SHIFT;
}

/**
 * vsvm_vram_offset_alloc() - the allocation an offset into VRAM is part of
 * @vram: the VRAM
 * @offset: an offset into @vram
 *
 * Context: the caller holds a reference on the allocation, or a device
 * page of it, which keeps the answer true.
 * Return: the allocation, or NULL if @offset is not allocated.
 */
static inline struct vsvm_vram_alloc *
vsvm_vram_offset_alloc(const struct vsvm_vram *vram, u64 offset)
{
	struct vsvm_vram_alloc **owners =
		READ_ONCE(vsvm_vram_offset_chunk(vram, offset)->owners);

	if (!owners)
		return NULL;
	return READ_ONCE(owners[vsvm_vram_chunk_page_index(offset)]);
}

/**
 * vsvm_vram_page_alloc() - the allocation a VRAM page is part of
 * @page: a page of some vsvm VRAM, referenced by the caller
 *
 * Return: the allocation, or NULL if @page is not allocated.
 */
static inline struct vsvm_vram_alloc *vsvm_vram_page_alloc(struct page *page)
{
	struct vsvm_vram *vram = vsvm_vram_page_vram(page);

	return vsvm_vram_offset_alloc(vram, vsvm_vram_page_offset(vram, page));
}

/**
 * vsvm_vram_pfn_vaddr() - where the data of a VRAM page frame lives
 * @vram: the VRAM
 * @pfn: a page frame of @vram, allocated
 *
 * Return: the page's address in the backing store.
 */
static inline void *vsvm_vram_pfn_vaddr(const struct vsvm_vram *vram,
					unsigned long pfn)
{
	return vsvm_vram_offset_vaddr(vram,
				      (u64)(pfn - vram->pfn_first) << PAGE_SHIFT);
}

/**
 * vsvm_vram_page_vaddr() - where the data of a VRAM page lives
 * @vram: the VRAM
 * @page: a page of @vram, allocated
 *
 * Return: the page's address in the backing store.
 */
static inline void *vsvm_vram_page_vaddr(const struct vsvm_vram *vram,
					 struct page *page)
{
	return vsvm_vram_pfn_vaddr(vram, page_to_pfn(page));
}

#endif /* _VSVM_VRAM_H_ */
