// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/bitmap.h>
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <drm/drm_buddy.h>
#include <drm/drm_print.h>

#include <kunit/visibility.h>

#include "vsvm_drv.h"
#include "vsvm_migrate.h"
#include "vsvm_trace.h"
#include "vsvm_vram.h"

/**
 * DOC: Emulated VRAM
 *
 * Each device has &vsvm_device_config.vram_size bytes of VRAM (module
 * parameter ``vram_size_mb``).  The data lives in the *backing store*:
 * ordinary kernel memory, allocated per 2 MiB chunk when the allocator
 * first hands out a block in the chunk and freed when the chunk's last
 * block is given back (&struct vsvm_vram_chunk), so VRAM nobody uses
 * commits no memory (before, one vzalloc() of all of VRAM at probe did).
 * Each chunk's pages are mapped with vmap(), so a chunk is one virtually
 * contiguous 2 MiB.  They are not used through the direct map: under
 * QEMU's TCG, GPU COPY on VRAM ran at 709 MiB/s at 16 MiB through the
 * direct map against 1,776 MiB/s through 4 KiB kernel mappings (release
 * kernel, guest memcpy about 2,200 MiB/s), most likely because TCG's
 * software TLB handles the guest's large-page direct map badly.  At
 * probe, vsvm_vram_init() gives VRAM struct pages the way a driver for
 * real device memory does:
 * request_free_mem_region() finds a free physical address range as large
 * as VRAM, and memremap_pages() creates MEMORY_DEVICE_PRIVATE struct pages
 * for it, with the device as the pagemap owner.  Those pages are never
 * mapped by the CPU.  When a process page moves to VRAM, the CPU page table
 * entry becomes a device-private swap entry that names the VRAM page, and a
 * CPU access to it calls the pagemap's migrate_to_ram() callback, which
 * moves the data back (vsvm_migrate.c).  hmm_range_fault() called with the
 * device as dev_private_owner returns our own VRAM pages as they are, so the
 * GPU maps them where they are; another device's VRAM pages are moved back
 * to system memory first.
 *
 * VRAM is managed by the kernel's GPU buddy allocator (drm_buddy, as in
 * amdgpu, i915 and xe) in 4 KiB units.  Each migration allocates one
 * &struct vsvm_vram_alloc for the pages it moves; the allocator hands out
 * the largest free blocks first, so a 2 MiB migration gets one 2 MiB block
 * (which the GPU maps with one 2 MiB entry) unless VRAM is fragmented, and
 * then smaller blocks (mapped with 64 KiB or 4 KiB entries).  Each VRAM page
 * that holds data refers to its allocation, which is freed when the last
 * of its pages is: the pagemap's folio_free() callback drops the reference
 * and a work item gives the blocks back, since folio_free() may be called
 * with spinlocks held.
 *
 * When an allocation finds VRAM full it evicts: it waits for pending frees,
 * then takes the least recently used allocation (&vsvm_vram.lru; an
 * allocation is used when it is made and whenever the GPU maps its pages)
 * and moves its pages to system memory with migrate_device_range(),
 * migrate_device_pages() and migrate_device_finalize().  Those work on page
 * frames, not on a process's address space, so eviction needs neither the
 * owning mm nor its mmap lock, and works the same for every process.  If
 * nothing can be evicted the allocation fails with -ENOSPC, and the caller
 * leaves the memory in system memory.
 *
 * Because eviction takes pages by page frame, it can meet a page whose data
 * another move (a CPU fault, another eviction) has just taken out: the
 * mover unlocks that page before it drops its last reference, so for an
 * instant the page is unlocked, referenced and empty.  The core mm cannot
 * tell it from a page that holds data, so vsvm keeps that state itself in
 * &vsvm_vram.resident: a page's bit is set when a move fills it and
 * cleared when a move empties it, both under the page lock, and in
 * folio_free().  The evictor looks at the bit once it holds the page lock
 * and leaves an empty page alone.  Without it, it would copy stale data
 * into a page nobody maps and, with memory cgroups, trip
 * mem_cgroup_migrate()'s warning: the move that emptied the page took its
 * charge along.
 *
 * Before the device goes away vsvm_vram_fini() evicts every page still in
 * VRAM, so unloading the module loses no data of processes that outlive
 * their files, then memunmap_pages() waits for the last reference.
 */

/* Pages moved per migrate_device_range() call when evicting */
#define VSVM_VRAM_EVICT_BATCH	512

static void vsvm_vram_stat_add(struct vsvm_vram *vram, enum vsvm_stat stat,
			       s64 value)
{
	if (vram->vdev)
		vsvm_stat_add(vram->vdev, stat, value);
}

/**
 * vsvm_vram_usage_create() - a usage count for a new file
 *
 * Return: the count, or NULL without memory.
 */
struct vsvm_vram_usage *vsvm_vram_usage_create(void)
{
	struct vsvm_vram_usage *usage;

	usage = kzalloc_obj(*usage, GFP_KERNEL_ACCOUNT);
	if (usage)
		kref_init(&usage->ref);
	return usage;
}

static void vsvm_vram_usage_release(struct kref *ref)
{
	kfree(container_of(ref, struct vsvm_vram_usage, ref));
}

/**
 * vsvm_vram_usage_put() - drop a reference on a usage count
 * @usage: the count, or NULL
 */
void vsvm_vram_usage_put(struct vsvm_vram_usage *usage)
{
	if (usage)
		kref_put(&usage->ref, vsvm_vram_usage_release);
}

/* Pages of chunk @index: VSVM_VRAM_CHUNK_PAGES but in a last, partial one */
static unsigned int vsvm_vram_chunk_npages(const struct vsvm_vram *vram,
					   unsigned long index)
{
	unsigned long npages = vram->size >> PAGE_SHIFT;

	return min_t(unsigned long, VSVM_VRAM_CHUNK_PAGES,
		     npages - index * VSVM_VRAM_CHUNK_PAGES);
}

static void vsvm_vram_free_pages(struct page **pages, unsigned int n)
{
	while (n--)
		__free_page(pages[n]);
}

/* Fill @pages, all NULL, with @n pages, or fail having kept none */
static int vsvm_vram_alloc_pages(struct page **pages, unsigned int n)
{
	unsigned long got = alloc_pages_bulk(GFP_KERNEL, n, pages);

	if (got == n)
		return 0;
	vsvm_vram_free_pages(pages, got);
	return -ENOMEM;
}

/* Give chunk @index its backing store; VRAM lock held */
static int vsvm_vram_chunk_populate(struct vsvm_vram *vram,
				    unsigned long index)
{
	struct vsvm_vram_chunk *chunk = &vram->chunks[index];
	unsigned int n = vsvm_vram_chunk_npages(vram, index);
	struct vsvm_vram_alloc **owners;
	struct page **pages;
	int ret = -ENOMEM;

	lockdep_assert_held(&vram->lock);
	pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL);
	owners = kvcalloc(n, sizeof(*owners), GFP_KERNEL);
	if (!pages || !owners)
		goto err_free;
	ret = vsvm_vram_alloc_pages(pages, n);
	if (ret)
		goto err_free;
	chunk->vaddr = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	if (!chunk->vaddr) {
		ret = -ENOMEM;
		vsvm_vram_free_pages(pages, n);
		goto err_free;
	}
	chunk->pages = pages;
	WRITE_ONCE(chunk->owners, owners);
	atomic64_add((u64)n << PAGE_SHIFT, &vram->backing_bytes);
	return 0;

err_free:
	kvfree(owners);
	kvfree(pages);
	return ret;
}

/* Chunk @index lost its last allocated page: free its backing store */
static void vsvm_vram_chunk_depopulate(struct vsvm_vram *vram,
				       unsigned long index)
{
	struct vsvm_vram_chunk *chunk = &vram->chunks[index];
	unsigned int n = vsvm_vram_chunk_npages(vram, index);

	lockdep_assert_held(&vram->lock);
	vunmap(chunk->vaddr);
	chunk->vaddr = NULL;
	vsvm_vram_free_pages(chunk->pages, n);
	kvfree(chunk->pages);
	chunk->pages = NULL;
	kvfree(chunk->owners);
	WRITE_ONCE(chunk->owners, NULL);
	atomic64_sub((u64)n << PAGE_SHIFT, &vram->backing_bytes);
}

/*
 * Count @npages pages from VRAM offset @offset in or out (@delta 1 or -1)
 * of the chunks they lie in, populating a chunk as it gets its first page
 * and depopulating it as it loses its last; VRAM lock held.  Fails only
 * when counting in, having counted nothing.
 */
static int vsvm_vram_chunks_count(struct vsvm_vram *vram, u64 offset,
				  u64 size, int delta)
{
	u64 end = offset + size, pos, next;
	int ret;

	for (pos = offset; pos < end; pos = next) {
		unsigned long index = pos / VSVM_VRAM_CHUNK_SIZE;
		struct vsvm_vram_chunk *chunk = &vram->chunks[index];
		unsigned int n;

		next = min(ALIGN_DOWN(pos, VSVM_VRAM_CHUNK_SIZE) +
			   VSVM_VRAM_CHUNK_SIZE, end);
		n = (next - pos) >> PAGE_SHIFT;

		if (delta > 0 && !chunk->used) {
			ret = vsvm_vram_chunk_populate(vram, index);
			if (ret) {
				vsvm_vram_chunks_count(vram, offset,
						       pos - offset, -1);
				return ret;
			}
		}
		chunk->used = delta > 0 ? chunk->used + n : chunk->used - n;
		if (delta < 0 && !chunk->used)
			vsvm_vram_chunk_depopulate(vram, index);
	}
	return 0;
}

/*
 * Give the buddy blocks of @blocks their backing store, or none of them;
 * VRAM lock held
 */
static int vsvm_vram_blocks_populate(struct vsvm_vram *vram,
				     struct list_head *blocks)
{
	struct gpu_buddy_block *block, *failed;
	int ret;

	list_for_each_entry(block, blocks, link) {
		ret = vsvm_vram_chunks_count(vram,
					     gpu_buddy_block_offset(block),
					     gpu_buddy_block_size(&vram->mm,
								  block), 1);
		if (ret)
			goto err_undo;
	}
	return 0;

err_undo:
	failed = block;
	list_for_each_entry(block, blocks, link) {
		if (block == failed)
			break;
		vsvm_vram_chunks_count(vram, gpu_buddy_block_offset(block),
				       gpu_buddy_block_size(&vram->mm, block),
				       -1);
	}
	return ret;
}

/* The blocks of @blocks are given back: release their backing store */
static void vsvm_vram_blocks_depopulate(struct vsvm_vram *vram,
					struct list_head *blocks)
{
	struct gpu_buddy_block *block;

	list_for_each_entry(block, blocks, link)
		vsvm_vram_chunks_count(vram, gpu_buddy_block_offset(block),
				       gpu_buddy_block_size(&vram->mm, block),
				       -1);
}

/*
 * Record @owner (an allocation, or NULL when it is given back) as the
 * owner of every page of its blocks, see &vsvm_vram_chunk.owners; VRAM
 * lock held, the blocks' chunks populated
 */
static void vsvm_vram_set_owner(struct vsvm_vram *vram,
				struct list_head *blocks,
				struct vsvm_vram_alloc *owner)
{
	struct gpu_buddy_block *block;

	lockdep_assert_held(&vram->lock);
	list_for_each_entry(block, blocks, link) {
		u64 offset = gpu_buddy_block_offset(block);
		u64 end = offset + gpu_buddy_block_size(&vram->mm, block);

		for (; offset < end; offset += PAGE_SIZE) {
			struct vsvm_vram_chunk *chunk =
				vsvm_vram_offset_chunk(vram, offset);

			WRITE_ONCE(chunk->owners[vsvm_vram_chunk_page_index(offset)],
				   owner);
		}
	}
}

/* Give unreferenced allocations back to the buddy allocator */
static void vsvm_vram_free_work(struct work_struct *work)
{
	struct vsvm_vram *vram = container_of(work, struct vsvm_vram,
					      free_work);
	struct vsvm_vram_alloc *alloc, *next;
	struct llist_node *list;

	list = llist_del_all(&vram->free_list);
	llist_for_each_entry_safe(alloc, next, list, free_node) {
		mutex_lock(&vram->lock);
		vsvm_vram_set_owner(vram, &alloc->blocks, NULL);
		vsvm_vram_blocks_depopulate(vram, &alloc->blocks);
		gpu_buddy_free_list(&vram->mm, &alloc->blocks, 0);
		mutex_unlock(&vram->lock);
		atomic64_sub(alloc->size, &vram->used);
		atomic_dec(&vram->allocations);
		if (alloc->usage) {
			atomic64_sub(alloc->size, &alloc->usage->bytes);
			vsvm_vram_usage_put(alloc->usage);
		}
		kfree(alloc);
	}
}

/* Last reference gone: may be called with spinlocks held */
static void vsvm_vram_alloc_release(struct kref *ref)
{
	struct vsvm_vram_alloc *alloc = container_of(ref, typeof(*alloc), ref);
	struct vsvm_vram *vram = alloc->vram;

	spin_lock(&vram->lru_lock);
	list_del_init(&alloc->lru_link);
	spin_unlock(&vram->lru_lock);
	llist_add(&alloc->free_node, &vram->free_list);
	queue_work(system_dfl_wq, &vram->free_work);
}

/**
 * vsvm_vram_alloc_put() - drop a reference on an allocation
 * @alloc: the allocation
 *
 * Context: any; the memory is given back later, from a work item.
 */
void vsvm_vram_alloc_put(struct vsvm_vram_alloc *alloc)
{
	kref_put(&alloc->ref, vsvm_vram_alloc_release);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_alloc_put);

/**
 * vsvm_vram_flush() - wait until unreferenced allocations are given back
 * @vram: the VRAM
 */
void vsvm_vram_flush(struct vsvm_vram *vram)
{
	flush_work(&vram->free_work);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_flush);

/**
 * vsvm_vram_touch() - mark an allocation most recently used
 * @alloc: the allocation
 *
 * Context: any; takes &vsvm_vram.lru_lock.
 */
void vsvm_vram_touch(struct vsvm_vram_alloc *alloc)
{
	struct vsvm_vram *vram = alloc->vram;

	spin_lock(&vram->lru_lock);
	if (!list_empty(&alloc->lru_link))
		list_move_tail(&alloc->lru_link, &vram->lru);
	spin_unlock(&vram->lru_lock);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_touch);

/**
 * vsvm_vram_start_timeslice() - the GPU maps an allocation: start its slice
 * @alloc: the allocation
 *
 * A move for a VRAM-only GPU atomic keeps the CPU away until the GPU has
 * mapped the pages, and from then on for the timeslice, however long the
 * move itself took.  Only the first mapping starts it.
 *
 * Context: any.
 */
void vsvm_vram_start_timeslice(struct vsvm_vram_alloc *alloc)
{
	unsigned long slice = xchg(&alloc->timeslice, 0);

	if (slice)
		WRITE_ONCE(alloc->timeslice_end, jiffies + slice);
}

/**
 * vsvm_vram_lru_pick() - take the least recently used allocation off the LRU
 * @vram: the VRAM
 *
 * Return: the allocation with a reference the caller must drop, or NULL if
 * the LRU is empty.
 */
struct vsvm_vram_alloc *vsvm_vram_lru_pick(struct vsvm_vram *vram)
{
	struct vsvm_vram_alloc *alloc, *found = NULL;

	spin_lock(&vram->lru_lock);
	list_for_each_entry(alloc, &vram->lru, lru_link) {
		if (kref_get_unless_zero(&alloc->ref)) {
			list_del_init(&alloc->lru_link);
			found = alloc;
			break;
		}
	}
	spin_unlock(&vram->lru_lock);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_lru_pick);

/* Put an allocation back on the LRU as most recently used */
static void vsvm_vram_lru_add(struct vsvm_vram_alloc *alloc)
{
	struct vsvm_vram *vram = alloc->vram;

	spin_lock(&vram->lru_lock);
	list_add_tail(&alloc->lru_link, &vram->lru);
	spin_unlock(&vram->lru_lock);
}

/* Move up to VSVM_VRAM_EVICT_BATCH pages from @pfn on to system memory */
static unsigned long vsvm_vram_evict_batch(struct vsvm_vram *vram,
					   unsigned long *src,
					   unsigned long *dst,
					   unsigned long pfn,
					   unsigned long npages)
{
	unsigned long i, moved = 0;

	memset(dst, 0, npages * sizeof(*dst));
	migrate_device_range(src, pfn, npages);
	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		struct page *dpage;

		/*
		 * A page whose data has already moved out, on its way to
		 * folio_free(), has nothing to evict (and no memory cgroup
		 * charge left to move with it).
		 */
		if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE) ||
		    !vsvm_vram_page_resident(spage))
			continue;
		/* Eviction must not fail half-way, as in test_hmm. */
		dpage = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOFAIL);
		lock_page(dpage);
		vsvm_vram_copy_out(vram, dpage, spage);
		dst[i] = migrate_pfn(page_to_pfn(dpage));
	}
	migrate_device_pages(src, dst, npages);
	for (i = 0; i < npages; i++) {
		if (!dst[i] || !(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		vsvm_vram_page_clear_resident(migrate_pfn_to_page(src[i]));
		moved++;
	}
	migrate_device_finalize(src, dst, npages);
	return moved;
}

/* Move the pages of [@pfn, @pfn + @npages) that hold data to system memory */
static unsigned long vsvm_vram_evict_pfns(struct vsvm_vram *vram,
					  unsigned long pfn,
					  unsigned long npages)
{
	unsigned long *src, *dst, done, moved = 0;

	src = kvcalloc(2 * VSVM_VRAM_EVICT_BATCH, sizeof(*src), GFP_KERNEL);
	if (!src)
		return 0;
	dst = src + VSVM_VRAM_EVICT_BATCH;
	for (done = 0; done < npages; done += VSVM_VRAM_EVICT_BATCH)
		moved += vsvm_vram_evict_batch(vram, src, dst, pfn + done,
					       min_t(unsigned long, npages - done,
						     VSVM_VRAM_EVICT_BATCH));
	kvfree(src);
	return moved;
}

/**
 * vsvm_vram_evict() - move the pages of an allocation to system memory
 * @alloc: the allocation, referenced by the caller
 *
 * Pages that are locked or being migrated by someone else stay.  Needs no
 * mmap lock: the core mm finds the mappings through the pages.
 *
 * Context: process context, no vsvm lock held but the SVM lock of a VM.
 * Return: the number of pages moved.
 */
unsigned long vsvm_vram_evict(struct vsvm_vram_alloc *alloc)
{
	struct vsvm_vram *vram = alloc->vram;
	struct gpu_buddy_block *block;
	unsigned long moved = 0;

	/* A VRAM without a device (unit tests) has no pages to move. */
	if (!vram->vdev)
		return 0;
	list_for_each_entry(block, &alloc->blocks, link) {
		u64 offset = gpu_buddy_block_offset(block);
		u64 size = gpu_buddy_block_size(&vram->mm, block);

		unsigned long n;

		n = vsvm_vram_evict_pfns(vram, vram->pfn_first +
					 (offset >> PAGE_SHIFT),
					 size >> PAGE_SHIFT);
		trace_vsvm_evict(vram->vdev ? vram->vdev->config.index : 0,
				 offset, size >> PAGE_SHIFT, n);
		moved += n;
	}
	vsvm_vram_stat_add(vram, VSVM_STAT_EVICTIONS, 1);
	vsvm_vram_stat_add(vram, VSVM_STAT_EVICT_PAGES, moved);
	return moved;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_evict);

/* Make room: true if memory may have been freed, so that a retry is useful */
static bool vsvm_vram_reclaim(struct vsvm_vram *vram)
{
	struct vsvm_vram_alloc *victim;
	s64 used = atomic64_read(&vram->used);

	vsvm_vram_flush(vram);
	if (atomic64_read(&vram->used) < used)
		return true;

	victim = vsvm_vram_lru_pick(vram);
	if (!victim)
		return false;
	vsvm_vram_evict(victim);
	/* Pages that did not move keep it alive: it is used again later. */
	if (kref_read(&victim->ref) > 1)
		vsvm_vram_lru_add(victim);
	vsvm_vram_alloc_put(victim);
	vsvm_vram_flush(vram);
	return true;
}

/*
 * The kernel's GPU buddy allocator (drivers/gpu/buddy.c, in 6.12 and still
 * in 7.2) corrupts its free tree when allocating a block descriptor fails
 * while it splits a free block: alloc_from_freetree()'s error path hands
 * the unsplit block, still in the free tree, to __gpu_buddy_free(), which
 * inserts it again (a KASAN use-after-free, then BUG_ON in a later
 * allocation).  A real failure of that 80-byte GFP_KERNEL allocation needs
 * an OOM-killed task, but fault injection makes it at will: keep
 * /proc/<pid>/fail-nth out of the allocator until the kernel is fixed.
 * The count resumes after it.
 */
static int vsvm_vram_alloc_blocks(struct vsvm_vram *vram,
				  struct vsvm_vram_alloc *alloc)
{
	unsigned int fail_nth = vsvm_fail_nth_swap(0);
	int ret;

	/* Largest blocks first, 4 KiB the smallest (gpu_buddy's order). */
	mutex_lock(&vram->lock);
	ret = gpu_buddy_alloc_blocks(&vram->mm, 0, vram->mm.size, alloc->size,
				     PAGE_SIZE, &alloc->blocks, 0);
	vsvm_fail_nth_swap(fail_nth);
	if (!ret) {
		ret = vsvm_vram_blocks_populate(vram, &alloc->blocks);
		if (ret)
			gpu_buddy_free_list(&vram->mm, &alloc->blocks, 0);
		else
			vsvm_vram_set_owner(vram, &alloc->blocks, alloc);
	}
	mutex_unlock(&vram->lock);
	return ret;
}

/**
 * vsvm_vram_alloc() - allocate VRAM for a migration
 * @vram: the VRAM
 * @size: bytes, a multiple of 4 KiB
 * @usage: the file to charge, or NULL
 *
 * Evicts the least recently used allocations while VRAM is full.  The new
 * allocation is the most recently used; the caller holds the only
 * reference, and each device page it puts data in takes one more.
 *
 * Context: process context; may sleep, allocate and evict.
 * Return: the allocation, or ERR_PTR(-ENOSPC) when nothing more can be
 * evicted, ERR_PTR(-ENOMEM).
 */
struct vsvm_vram_alloc *vsvm_vram_alloc(struct vsvm_vram *vram, u64 size,
					struct vsvm_vram_usage *usage)
{
	struct vsvm_vram_alloc *alloc;
	int tries = atomic_read(&vram->allocations) + 2;
	int ret;

	if (atomic_dec_if_positive(&vram->fail_alloc) >= 0) {
		vsvm_vram_stat_add(vram, VSVM_STAT_VRAM_ALLOC_FAIL, 1);
		return ERR_PTR(-ENOSPC);
	}

	alloc = kzalloc_obj(*alloc, GFP_KERNEL);
	if (!alloc)
		return ERR_PTR(-ENOMEM);
	alloc->vram = vram;
	kref_init(&alloc->ref);
	INIT_LIST_HEAD(&alloc->blocks);
	INIT_LIST_HEAD(&alloc->lru_link);
	alloc->size = size;
	alloc->granule = SZ_2M;

	do {
		ret = vsvm_vram_alloc_blocks(vram, alloc);
	} while (ret == -ENOSPC && --tries > 0 && vsvm_vram_reclaim(vram));
	if (ret) {
		kfree(alloc);
		vsvm_vram_stat_add(vram, VSVM_STAT_VRAM_ALLOC_FAIL, 1);
		return ERR_PTR(ret);
	}

	atomic64_add(size, &vram->used);
	atomic_inc(&vram->allocations);
	if (usage) {
		kref_get(&usage->ref);
		atomic64_add(size, &usage->bytes);
		alloc->usage = usage;
	}
	vsvm_vram_lru_add(alloc);
	return alloc;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_alloc);

/* VRAM pages are order-0 folios: each is freed on its own. */
static void vsvm_vram_folio_free(struct folio *folio)
{
	struct page *page = &folio->page;
	struct vsvm_vram_alloc *alloc = vsvm_vram_page_alloc(page);

	vsvm_vram_page_clear_resident(page);
	vsvm_vram_alloc_put(alloc);
}

static const struct dev_pagemap_ops vsvm_vram_pagemap_ops = {
	.folio_free = vsvm_vram_folio_free,
	.migrate_to_ram = vsvm_migrate_to_ram,
};

/**
 * vsvm_vram_mm_init() - set up the allocator of a VRAM
 * @vram: the VRAM, zeroed
 * @size: bytes of VRAM
 *
 * The part of vsvm_vram_init() that needs no device, for unit tests.
 *
 * Return: 0 or a negative errno.
 */
int vsvm_vram_mm_init(struct vsvm_vram *vram, u64 size)
{
	int ret;

	vram->chunks = kvcalloc(DIV_ROUND_UP(size, VSVM_VRAM_CHUNK_SIZE),
				sizeof(*vram->chunks), GFP_KERNEL);
	if (!vram->chunks)
		return -ENOMEM;
	mutex_init(&vram->lock);
	spin_lock_init(&vram->lru_lock);
	INIT_LIST_HEAD(&vram->lru);
	init_llist_head(&vram->free_list);
	INIT_WORK(&vram->free_work, vsvm_vram_free_work);
	vram->size = size;
	ret = gpu_buddy_init(&vram->mm, size, PAGE_SIZE);
	if (ret) {
		mutex_destroy(&vram->lock);
		kvfree(vram->chunks);
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_mm_init);

/**
 * vsvm_vram_mm_fini() - tear down the allocator of a VRAM
 * @vram: the VRAM, with every allocation freed (and with it every chunk of
 *	backing store)
 */
void vsvm_vram_mm_fini(struct vsvm_vram *vram)
{
	flush_work(&vram->free_work);
	gpu_buddy_fini(&vram->mm);
	mutex_destroy(&vram->lock);
	WARN_ON(atomic64_read(&vram->backing_bytes));
	kvfree(vram->chunks);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_vram_mm_fini);

/**
 * vsvm_vram_init() - create the VRAM of a device
 * @vram: the VRAM, zeroed
 * @vdev: the device
 * @size: bytes, a multiple of 2 MiB
 *
 * Return: 0 or a negative errno.
 */
int vsvm_vram_init(struct vsvm_vram *vram, struct vsvm_device *vdev, u64 size)
{
	struct resource *res;
	void *addr;
	int ret;

	ret = vsvm_vram_mm_init(vram, size);
	if (ret)
		return ret;
	vram->vdev = vdev;

	ret = -ENOMEM;
	vram->resident = bitmap_zalloc(size >> PAGE_SHIFT, GFP_KERNEL);
	if (!vram->resident)
		goto err_mm;

	res = request_free_mem_region(&iomem_resource, size, "vsvm VRAM");
	if (IS_ERR(res)) {
		ret = PTR_ERR(res);
		goto err_resident;
	}
	vram->res = res;
	vram->pagemap.type = MEMORY_DEVICE_PRIVATE;
	vram->pagemap.range.start = res->start;
	vram->pagemap.range.end = res->end;
	vram->pagemap.nr_range = 1;
	vram->pagemap.ops = &vsvm_vram_pagemap_ops;
	vram->pagemap.owner = vdev;
	addr = memremap_pages(&vram->pagemap, numa_node_id());
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		goto err_region;
	}
	vram->pfn_first = PHYS_PFN(res->start);
	return 0;

err_region:
	release_mem_region(res->start, resource_size(res));
err_resident:
	bitmap_free(vram->resident);
err_mm:
	vsvm_vram_mm_fini(vram);
	return ret;
}

/**
 * vsvm_vram_fini() - evict everything and remove the VRAM of a device
 * @vram: the VRAM
 *
 * Context: no VM of the device is left; processes may still have pages in
 * VRAM, which move to system memory here.
 */
void vsvm_vram_fini(struct vsvm_vram *vram)
{
	unsigned long npages = vram->size >> PAGE_SHIFT;
	int pass;

	for (pass = 0; pass < 8 && atomic64_read(&vram->used); pass++) {
		vsvm_vram_evict_pfns(vram, vram->pfn_first, npages);
		vsvm_vram_flush(vram);
	}
	memunmap_pages(&vram->pagemap);
	release_mem_region(vram->res->start, resource_size(vram->res));
	vsvm_vram_mm_fini(vram);
	bitmap_free(vram->resident);
}

/**
 * vsvm_vram_print() - describe the state of VRAM, for debugfs
 * @vram: the VRAM
 * @p: where to print
 */
void vsvm_vram_print(struct vsvm_vram *vram, struct drm_printer *p)
{
	s64 used = atomic64_read(&vram->used);

	drm_printf(p, "size %llu\n", vram->size);
	drm_printf(p, "used %lld\n", used);
	drm_printf(p, "free %lld\n", (s64)vram->size - used);
	drm_printf(p, "allocations %d\n", atomic_read(&vram->allocations));
	drm_printf(p, "backing %lld\n", atomic64_read(&vram->backing_bytes));
	mutex_lock(&vram->lock);
	drm_buddy_print(&vram->mm, p);
	mutex_unlock(&vram->lock);
}
