// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/hmm.h>
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/userfaultfd_k.h>

#include <uapi/drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_drv.h"
#include "vsvm_gpusvm.h"
#include "vsvm_migrate.h"
#include "vsvm_pt.h"
#include "vsvm_svm.h"
#include "vsvm_trace.h"
#include "vsvm_vm.h"
#include "vsvm_vram.h"

/**
 * DOC: GPU fault handling
 *
 * vsvm_svm.c is the driver half of the SVM: policy and the glue between the
 * SVM layer (vsvm_gpusvm.c), the GPU page table (vsvm_pt.c) and the
 * engines' MMU (vsvm_mmu.c).  It corresponds to xe_svm.c.
 *
 * An engine's MMU that finds no usable page table entry for an access
 * raises a GPU page fault and calls vsvm_svm_handle_fault(), which, with
 * the VM's SVM lock held:
 *
 * 1. runs the garbage collector, so that no unmapped range is in the way;
 * 2. looks the address up in the CPU's VMAs under the mmap lock: no VMA, a
 *    kernel address or a VM_IO/VM_PFNMAP mapping is an unresolvable fault
 *    (-EFAULT), an access the VMA does not allow is -EACCES;
 * 3. finds or creates the range around the address, the largest of 2 MiB,
 *    64 KiB and 4 KiB that fits in the VMA, in one span of memory
 *    attributes (vsvm_attrs_clamp()) and overlaps no other range; where
 *    userfaultfd is armed on the VMA, the range is the faulting page
 *    alone.  A range that no longer fits (mprotect() split its VMA, which
 *    is not an unmap, or MADVISE cut its attributes) is destroyed and made
 *    again;
 * 4. fills the range with vsvm_gpusvm_range_get_pages() (the hmm loop),
 *    asking for write access only for writes and atomics;
 * 5. writes the page table entries under the notifier lock held for
 *    writing, if the pages are still valid, and otherwise starts again
 *    from 4.  Entries are as large as the pages allow: 2 MiB where the
 *    range's pages are one physically contiguous, aligned 2 MiB block (a
 *    THP or a hugetlb page), 64 KiB where 16 pages are, 4 KiB otherwise.
 *
 * The engine then resumes the command where it stopped.  An unresolvable
 * fault ends the job with the address and access recorded.  Every retry of
 * 4 and 5 lets other tasks run and gives up when the VM is closed
 * (-ECANCELED) or the job's time is up (-ETIMEDOUT); a VMA that changed
 * under the fault (mprotect() split it) starts the fault over from 2.  A
 * fault that fails removes the range it made, if it has no pages, so that
 * failed faults leave nothing behind.  When 4 fails with -EFAULT over more
 * than a page (hmm_range_fault() met a page beside the faulting one that
 * cannot be faulted in: past the end of a file, a hardware-poisoned page),
 * the fault starts over from 2 with the next smaller chunk, down to the
 * faulting page alone, so that only an access to a page that really
 * cannot be faulted fails.
 */

/**
 * DOC: Invalidation and garbage collection
 *
 * Each notifier's invalidation callback (vsvm_gpusvm_notifier_invalidate())
 * takes the notifier lock for writing (or only tries to, when the caller may
 * not block, and then reports failure as the mmu_interval_notifier API
 * requires), sets the sequence and calls vsvm_svm_invalidate(), which zaps
 * the page table entries of every range the event touches, forgets their
 * pages and, if any entry was live, raises the TLB generation: the
 * shootdown.  Engines hold the same lock for reading from translation to the
 * end of each access, so when the callback returns no engine can reach the
 * old pages, and none will use a translation cached before.
 *
 * An UNMAP event (munmap, mremap, the exit of the process) also marks the
 * ranges it hits as unmapped and queues them for the garbage collector,
 * which runs from a work item and at the start of every GPU fault.  It
 * removes each such range; if only part of it was unmapped, it then looks at
 * the VMAs and recreates the still-mapped parts as ranges of their own,
 * aligned chunks cut by vsvm_gpusvm_split(), so that a partial munmap loses
 * nothing of the rest.  Those ranges start without pages and are filled by
 * the next GPU fault, like any other.
 */

/**
 * DOC: Dirty tracking
 *
 * The mm learns that a process wrote a page from the dirty bit the CPU sets
 * in the page table entry, and from the folio's dirty flag.  The GPU sets
 * neither: the engines write through the kernel's mapping of the page (or
 * the VRAM backing store), and hmm_range_fault() does not fault an entry
 * that is already writable, clean or not.  A page that the GPU wrote but
 * that looks clean may be thrown away: after MADV_FREE (which jemalloc and
 * other allocators use on memory they hand out again) reclaim discards
 * clean lazy-free pages, and a clean page in the swap cache is dropped
 * rather than written out, its old copy on swap standing for it.  Either
 * way the GPU's data would be lost.
 *
 * So whenever the fault handler maps pages writable for the GPU, it marks
 * their folios dirty first, under the notifier lock held for writing
 * (vsvm_svm_dirty_pages()): anonymous folios in system memory, swap-cache
 * folios included, and VRAM folios, whose dirty flag migration copies
 * when they move back, so data written in VRAM is dirty in system memory
 * too.  Whatever cleans a folio afterwards (MADV_FREE's walk, swap-out,
 * writeback) first invalidates its mappings, which zaps the GPU's entry;
 * a GPU write after that faults and marks the folio dirty again.  A page
 * the GPU may have written is thus dirty before the mm can judge it clean.
 * The cost is that a whole range mapped for writing is dirtied even where
 * the GPU writes only part of it.  File folios need nothing: a writable
 * entry of a shared file mapping exists only once the folio is dirty
 * (write-notify), and cleaning one write-protects it, again through an
 * invalidation.
 */

static const unsigned long vsvm_svm_chunk_sizes[] = { SZ_2M, SZ_64K, SZ_4K };

#define VSVM_SVM_NOTIFIER_SIZE	SZ_512M
#define VSVM_SVM_MAX_PIECES	16
/* How long a range the CPU took back stays in system memory, at least */
#define VSVM_SVM_BACKOFF_MS	10
/* Tries to get a VRAM-only atomic's page into VRAM before the job fails */
#define VSVM_SVM_ATOMIC_TRIES	4
/* Tries to move COW-shared VRAM pages out when none would move */
#define VSVM_SVM_BUSY_TRIES	16

/**
 * struct vsvm_svm_range - vsvm's range: the SVM layer's range plus policy
 */
struct vsvm_svm_range {
	/** @base: the SVM layer's range */
	struct vsvm_gpusvm_range base;
	/**
	 * @gc_link: link in &vsvm_vm.gc_list, under &vsvm_vm.gc_lock; empty
	 * when the range is not queued
	 */
	struct list_head gc_link;
	/**
	 * @backoff_pending: the CPU took the range's pages out of VRAM; the
	 * next GPU fault starts the ping-pong guard.  Set by the invalidation
	 * callback, cleared by the fault handler; READ_ONCE()/WRITE_ONCE().
	 */
	bool backoff_pending;
	/**
	 * @backoff_until: jiffies until which GPU faults leave the range in
	 * system memory (the ping-pong guard).  Written and read by the fault
	 * handler, under &vsvm_gpusvm.lock.
	 */
	unsigned long backoff_until;
	/**
	 * @atomic_anywhere: GPU atomics may use the range's system pages
	 * (&DRM_VSVM_ATOMIC_ANYWHERE); set by the fault handler under
	 * &vsvm_gpusvm.lock before it binds
	 */
	bool atomic_anywhere;
};

static struct vsvm_svm_range *to_vsvm_range(struct vsvm_gpusvm_range *r)
{
	return container_of(r, struct vsvm_svm_range, base);
}

static struct vsvm_vm *gpusvm_to_vm(struct vsvm_gpusvm *gpusvm)
{
	return container_of(gpusvm, struct vsvm_vm, gpusvm);
}

static struct vsvm_gpusvm_range *vsvm_svm_range_alloc(struct vsvm_gpusvm *gpusvm)
{
	struct vsvm_svm_range *range;

	range = kzalloc_obj(*range, GFP_KERNEL_ACCOUNT);
	if (!range)
		return NULL;
	INIT_LIST_HEAD(&range->gc_link);
	vsvm_stat_inc(gpusvm_to_vm(gpusvm)->vdev, VSVM_STAT_RANGES_ALIVE);
	return &range->base;
}

static void vsvm_svm_range_free(struct vsvm_gpusvm_range *base)
{
	struct vsvm_vm *vm = gpusvm_to_vm(base->gpusvm);
	struct vsvm_svm_range *range = to_vsvm_range(base);

	/* Teardown and stale ranges may still be queued. */
	spin_lock(&vm->gc_lock);
	list_del_init(&range->gc_link);
	spin_unlock(&vm->gc_lock);
	vsvm_stat_add(vm->vdev, VSVM_STAT_RANGES_ALIVE, -1);
	kfree(range);
}

static void vsvm_svm_range_queue_gc(struct vsvm_vm *vm,
				    struct vsvm_gpusvm_range *base)
{
	struct vsvm_svm_range *range = to_vsvm_range(base);

	spin_lock(&vm->gc_lock);
	if (list_empty(&range->gc_link))
		list_add_tail(&range->gc_link, &vm->gc_list);
	spin_unlock(&vm->gc_lock);
	queue_work(system_dfl_wq, &vm->gc_work);
}

static bool vsvm_svm_event_unmaps(const struct mmu_notifier_range *mmu_range)
{
	return mmu_range->event == MMU_NOTIFY_UNMAP ||
	       mmu_range->event == MMU_NOTIFY_RELEASE;
}

/*
 * The ping-pong guard: pages of a range leaving VRAM through migrate_vma
 * (MMU_NOTIFY_MIGRATE: the CPU touched them, another device took them)
 * mark the range, and the first GPU fault on it after that keeps it in
 * system memory for VSVM_SVM_BACKOFF_MS plus twice as long as the latest
 * move out of VRAM took (vsvm_svm_backing_off()).  The guard so starts
 * once the move is over, when the GPU comes back, and grows with the cost
 * of a move: under emulation a 2 MiB move takes longer than the base
 * guard.  The driver's own moves (GPU faults, PREFETCH) do not count;
 * eviction (migrate_device_range(), reported as MMU_NOTIFY_CLEAR) does not
 * either: an evicted range may come back on its next fault.
 */
static void vsvm_svm_note_migration(struct vsvm_vm *vm,
				    struct vsvm_gpusvm_range *range,
				    const struct mmu_notifier_range *mmu_range)
{
	if (mmu_range->event != MMU_NOTIFY_MIGRATE ||
	    !range->flags.has_devmem_pages ||
	    atomic_read(&vm->own_migrations))
		return;
	WRITE_ONCE(to_vsvm_range(range)->backoff_pending, true);
}

/* Is the ping-pong guard of @srange on?  Starts it if it is due */
static bool vsvm_svm_backing_off(struct vsvm_vm *vm,
				 struct vsvm_svm_range *srange)
{
	unsigned int move_us = READ_ONCE(vm->vdev->vram.last_move_us);

	if (READ_ONCE(srange->backoff_pending)) {
		WRITE_ONCE(srange->backoff_pending, false);
		srange->backoff_until = jiffies +
			msecs_to_jiffies(VSVM_SVM_BACKOFF_MS) +
			2 * usecs_to_jiffies(move_us);
	}
	return time_before(jiffies, srange->backoff_until);
}

/*
 * Take the GPU's hands off a range's pages: zap its entries and undo its
 * DMA mappings.  Notifier lock held for writing.  Return: entries zapped.
 */
static unsigned long vsvm_svm_range_unbind(struct vsvm_vm *vm,
					   struct vsvm_gpusvm_range *range)
{
	unsigned long zapped;

	zapped = vsvm_pt_zap(&vm->pt, vsvm_gpusvm_range_start(range),
			     vsvm_gpusvm_range_end(range));
	vsvm_gpusvm_range_unmap_pages(&vm->gpusvm, range);
	return zapped;
}

static void vsvm_svm_invalidate(struct vsvm_gpusvm *gpusvm,
				struct vsvm_gpusvm_notifier *notifier,
				const struct mmu_notifier_range *mmu_range)
{
	struct vsvm_vm *vm = gpusvm_to_vm(gpusvm);
	unsigned long start = max(mmu_range->start, notifier->itree.start);
	unsigned long end = min(mmu_range->end, notifier->itree.last + 1);
	struct vsvm_gpusvm_range *range;
	unsigned long zapped = 0;
	bool hit = false;
	ktime_t t0 = ktime_get();

	for (range = vsvm_gpusvm_range_first(notifier, start, end); range;
	     range = vsvm_gpusvm_range_next(range, start, end)) {
		hit = true;
		vsvm_svm_note_migration(vm, range, mmu_range);
		zapped += vsvm_svm_range_unbind(vm, range);
		if (vsvm_svm_event_unmaps(mmu_range)) {
			vsvm_gpusvm_range_set_unmapped(range, mmu_range);
			vsvm_svm_range_queue_gc(vm, range);
		}
	}
	if (!hit)
		return;

	if (zapped) {
		vsvm_pt_tlb_invalidate(&vm->pt);
		vsvm_stat_inc(vm->vdev, VSVM_STAT_TLB_SHOOTDOWNS);
	}
	vsvm_stat_inc(vm->vdev, VSVM_STAT_INVALIDATIONS);
	vsvm_stat_add(vm->vdev, VSVM_STAT_US_INVALIDATE,
		      ktime_us_delta(ktime_get(), t0));
	trace_vsvm_invalidate(vm->id, start, end, mmu_range->event, zapped);
}

/* Zap the entries of every range in @notifier overlapping [start, end) */
static unsigned long vsvm_svm_zap_notifier(struct vsvm_vm *vm,
					   struct vsvm_gpusvm_notifier *notifier,
					   unsigned long start,
					   unsigned long end)
{
	struct vsvm_gpusvm_range *range;
	unsigned long zapped = 0;

	for (range = vsvm_gpusvm_range_first(notifier, start, end); range;
	     range = vsvm_gpusvm_range_next(range, start, end))
		zapped += vsvm_pt_zap(&vm->pt, vsvm_gpusvm_range_start(range),
				      vsvm_gpusvm_range_end(range));
	return zapped;
}

/**
 * vsvm_svm_attrs_changed() - make new memory attributes apply to memory the
 *	GPU has mapped
 * @vm: the VM
 * @start: first address whose attributes changed
 * @end: end of them, exclusive
 *
 * Zaps the entries of every range overlapping [@start, @end), whole, so
 * that the next GPU access there faults and follows the attributes in
 * force (see "DOC: Memory attributes").  The ranges and their pages stay.
 *
 * Context: process context, no vsvm lock held.
 */
void vsvm_svm_attrs_changed(struct vsvm_vm *vm, unsigned long start,
			    unsigned long end)
{
	struct vsvm_gpusvm_notifier *notifier;
	unsigned long zapped = 0;

	mutex_lock(&vm->gpusvm.lock);
	down_write(&vm->gpusvm.notifier_lock);
	for (notifier = vsvm_gpusvm_notifier_first(&vm->gpusvm, start, end);
	     notifier;
	     notifier = vsvm_gpusvm_notifier_next(notifier, start, end))
		zapped += vsvm_svm_zap_notifier(vm, notifier, start, end);
	if (zapped) {
		vsvm_pt_tlb_invalidate(&vm->pt);
		vsvm_stat_inc(vm->vdev, VSVM_STAT_TLB_SHOOTDOWNS);
	}
	up_write(&vm->gpusvm.notifier_lock);
	mutex_unlock(&vm->gpusvm.lock);
}

/*
 * The device address of one of the device's VRAM pages: its offset into
 * VRAM, which the engines reach through the backing store
 */
static struct drm_pagemap_addr
vsvm_svm_device_map(struct vsvm_gpusvm *gpusvm, struct page *page,
		    unsigned int order, enum dma_data_direction dir)
{
	struct vsvm_vram *vram = vsvm_vram_page_vram(page);

	return drm_pagemap_addr_encode(vsvm_vram_page_offset(vram, page),
				       DRM_INTERCONNECT_DRIVER, order, dir);
}

static const struct vsvm_gpusvm_ops vsvm_svm_gpusvm_ops = {
	.range_alloc = vsvm_svm_range_alloc,
	.range_free = vsvm_svm_range_free,
	.invalidate = vsvm_svm_invalidate,
	.device_map = vsvm_svm_device_map,
};

/* Insert an empty range over [start, end), a piece of a split range */
static int vsvm_svm_insert_piece(void *arg, unsigned long start,
				 unsigned long end)
{
	struct vsvm_vm *vm = arg;

	return PTR_ERR_OR_ZERO(vsvm_gpusvm_range_insert(&vm->gpusvm, start,
							end));
}

struct vsvm_svm_span {
	unsigned long start;
	unsigned long end;
};

/* The parts of [start, end) still mapped, each inside one VMA; mm held */
static int vsvm_svm_mapped_spans(struct vsvm_vm *vm, unsigned long start,
				 unsigned long end, struct vsvm_svm_span *spans)
{
	struct vm_area_struct *vma;
	int n = 0;

	mmap_read_lock(vm->mm);
	while (start < end && n < VSVM_SVM_MAX_PIECES) {
		vma = find_vma_intersection(vm->mm, start, end);
		if (!vma)
			break;
		spans[n].start = max(vma->vm_start, start);
		spans[n].end = min(vma->vm_end, end);
		start = spans[n++].end;
	}
	mmap_read_unlock(vm->mm);
	return n;
}

/* Zap a range's entries, remove it and free the page tables it emptied */
static void vsvm_svm_range_destroy(struct vsvm_vm *vm,
				   struct vsvm_gpusvm_range *range)
{
	unsigned long start = vsvm_gpusvm_range_start(range);
	unsigned long end = vsvm_gpusvm_range_end(range);

	down_write(&vm->gpusvm.notifier_lock);
	if (vsvm_pt_zap(&vm->pt, start, end))
		vsvm_pt_tlb_invalidate(&vm->pt);
	vsvm_pt_release(&vm->pt, start, end);
	up_write(&vm->gpusvm.notifier_lock);

	vsvm_gpusvm_range_remove(&vm->gpusvm, range);
}

static void vsvm_svm_range_collect(struct vsvm_vm *vm,
				   struct vsvm_gpusvm_range *range,
				   bool mm_alive)
{
	struct vsvm_svm_span spans[VSVM_SVM_MAX_PIECES];
	unsigned long start = vsvm_gpusvm_range_start(range);
	unsigned long end = vsvm_gpusvm_range_end(range);
	bool partial;
	int i, n = 0;

	down_read(&vm->gpusvm.notifier_lock);
	partial = range->flags.partial_unmap;
	up_read(&vm->gpusvm.notifier_lock);
	if (partial && mm_alive)
		n = vsvm_svm_mapped_spans(vm, start, end, spans);

	vsvm_svm_range_destroy(vm, range);
	vsvm_stat_inc(vm->vdev, VSVM_STAT_RANGES_GC);

	for (i = 0; i < n; i++)
		if (vsvm_gpusvm_split(vsvm_svm_chunk_sizes,
				      ARRAY_SIZE(vsvm_svm_chunk_sizes),
				      spans[i].start, spans[i].end,
				      vsvm_svm_insert_piece, vm))
			break;
	if (n)
		vsvm_stat_inc(vm->vdev, VSVM_STAT_RANGES_SPLIT);
}

/**
 * vsvm_svm_garbage_collector() - remove the ranges an UNMAP event hit
 * @vm: the VM
 * @mm_alive: the caller holds a reference on the address space (mmget()),
 *	taken before the SVM lock, so that the last mmput(), which tears the
 *	address space down, never runs under it; without one, the address
 *	space is gone and nothing of a partially unmapped range is kept
 *
 * Context: &vsvm_gpusvm.lock held.
 */
static void vsvm_svm_garbage_collector(struct vsvm_vm *vm, bool mm_alive)
{
	struct vsvm_svm_range *range;

	lockdep_assert_held(&vm->gpusvm.lock);
	for (;;) {
		spin_lock(&vm->gc_lock);
		range = list_first_entry_or_null(&vm->gc_list,
						 struct vsvm_svm_range,
						 gc_link);
		if (range)
			list_del_init(&range->gc_link);
		spin_unlock(&vm->gc_lock);
		if (!range)
			break;
		vsvm_svm_range_collect(vm, &range->base, mm_alive);
	}
}

/**
 * vsvm_svm_gc_work() - the garbage collector's work item
 * @work: &vsvm_vm.gc_work
 */
void vsvm_svm_gc_work(struct work_struct *work)
{
	struct vsvm_vm *vm = container_of(work, struct vsvm_vm, gc_work);
	struct mem_cgroup *old_memcg = set_active_memcg(vm->memcg);
	bool mm_alive = mmget_not_zero(vm->mm);

	mutex_lock(&vm->gpusvm.lock);
	vsvm_svm_garbage_collector(vm, mm_alive);
	mutex_unlock(&vm->gpusvm.lock);
	if (mm_alive)
		mmput(vm->mm);
	set_active_memcg(old_memcg);
}

/**
 * vsvm_svm_unplug() - take a removed device's hands off a VM's memory
 * @vm: the VM, of a device that drm_dev_unplug() has removed
 *
 * Zaps the VM's page table and undoes the DMA mappings of its ranges, so
 * that nothing stays mapped for a device whose driver is gone while the
 * VM's file is still open.  The ranges stay until the VM goes.  No fault
 * maps pages again: faults run inside jobs and ioctls, which no longer
 * enter the device.
 *
 * Context: process context; takes the VM's SVM and notifier locks.
 */
void vsvm_svm_unplug(struct vsvm_vm *vm)
{
	struct vsvm_gpusvm_notifier *notifier;
	struct vsvm_gpusvm_range *range;

	mutex_lock(&vm->gpusvm.lock);
	down_write(&vm->gpusvm.notifier_lock);
	list_for_each_entry(notifier, &vm->gpusvm.notifier_list, entry)
		list_for_each_entry(range, &notifier->range_list, entry)
			vsvm_svm_range_unbind(vm, range);
	vsvm_pt_tlb_invalidate(&vm->pt);
	up_write(&vm->gpusvm.notifier_lock);
	mutex_unlock(&vm->gpusvm.lock);
}

/**
 * vsvm_svm_init() - set up the SVM state of a new VM
 * @vm: the VM, with @vm->mm set
 *
 * Return: 0 or a negative errno.
 */
int vsvm_svm_init(struct vsvm_vm *vm)
{
	int ret;

	ret = vsvm_gpusvm_init(&vm->gpusvm, "vsvm", vm->vdev->drm.dev, vm->mm,
			       vm->vdev,
			       PAGE_SIZE, TASK_SIZE_MAX - PAGE_SIZE,
			       VSVM_SVM_NOTIFIER_SIZE, &vsvm_svm_gpusvm_ops,
			       vsvm_svm_chunk_sizes,
			       ARRAY_SIZE(vsvm_svm_chunk_sizes));
	if (ret)
		return ret;
	vsvm_pt_init(&vm->pt, &vm->gpusvm.notifier_lock);
	spin_lock_init(&vm->gc_lock);
	INIT_LIST_HEAD(&vm->gc_list);
	INIT_WORK(&vm->gc_work, vsvm_svm_gc_work);
	return 0;
}

/**
 * vsvm_svm_fini() - tear down the SVM state of a VM
 * @vm: the VM; no job runs in it any more
 */
void vsvm_svm_fini(struct vsvm_vm *vm)
{
	/*
	 * Notifiers first: until they are gone an invalidation may queue the
	 * collector again.  Freeing a range takes it off the queue.
	 */
	vsvm_gpusvm_fini(&vm->gpusvm);
	cancel_work_sync(&vm->gc_work);
	vsvm_pt_fini(&vm->pt);
	mutex_destroy(&vm->gpusvm.lock);
}

/**
 * struct vsvm_svm_window - where the range of a GPU fault may lie
 * @start: first address
 * @end: end address, exclusive
 * @movable: the VMA's memory may move to VRAM
 * @uffd: userfaultfd is armed on the VMA
 */
struct vsvm_svm_window {
	unsigned long start;
	unsigned long end;
	bool movable;
	bool uffd;
};

/* Check the CPU VMA at @addr and return its bounds */
static int vsvm_svm_check_vma(struct vsvm_vm *vm, u64 addr, bool write,
			      struct vsvm_svm_window *win)
{
	struct vm_area_struct *vma;
	int ret = 0;

	mmap_read_lock(vm->mm);
	vma = vma_lookup(vm->mm, addr);
	if (!vma || (vma->vm_flags & (VM_IO | VM_PFNMAP))) {
		ret = -EFAULT;
	} else if (!(vma->vm_flags & VM_READ) ||
		   (write && !(vma->vm_flags & VM_WRITE))) {
		ret = -EACCES;
	} else {
		win->start = vma->vm_start;
		win->end = vma->vm_end;
		win->movable = vsvm_migrate_vma_movable(vma);
		win->uffd = userfaultfd_armed(vma);
	}
	mmap_read_unlock(vm->mm);
	return ret;
}

/*
 * A walk over the device addresses of a range's pages, page by page in
 * address order, through the range's mappings (&vsvm_gpusvm_range.dma_addr)
 */
struct vsvm_svm_daddr_cursor {
	const struct drm_pagemap_addr *entry;
	unsigned long first;
};

/* The device address of page @i, at or after the cursor's last one */
static u64 vsvm_svm_daddr(struct vsvm_svm_daddr_cursor *cur, unsigned long i)
{
	while (i >= cur->first + (1UL << cur->entry->order)) {
		cur->first += 1UL << cur->entry->order;
		cur->entry++;
	}
	return cur->entry->addr + ((u64)(i - cur->first) << PAGE_SHIFT);
}

/*
 * Do pages [@i, @i + @n) lie in one kind of memory at contiguous device
 * addresses, aligned to their size, with one protection?
 */
static bool vsvm_svm_pages_contiguous(struct vsvm_svm_daddr_cursor cur,
				      const unsigned long *pfns,
				      unsigned long i, unsigned long n)
{
	u64 first = vsvm_svm_daddr(&cur, i);
	u64 proto = cur.entry->proto;
	unsigned long k;

	if (!IS_ALIGNED(first, n << PAGE_SHIFT))
		return false;
	for (k = 1; k < n; k++)
		if (vsvm_svm_daddr(&cur, i + k) != first + (k << PAGE_SHIFT) ||
		    cur.entry->proto != proto ||
		    (pfns[i + k] & HMM_PFN_WRITE) != (pfns[i] & HMM_PFN_WRITE))
			return false;
	return true;
}

/* The largest entry that can map page @i of @npages, at address @addr */
static enum vsvm_pte_size
vsvm_svm_pte_size(const struct vsvm_svm_daddr_cursor *cur,
		  const unsigned long *pfns, unsigned long i,
		  unsigned long npages, u64 addr)
{
	static const enum vsvm_pte_size sizes[] = {
		VSVM_PTE_SIZE_2M, VSVM_PTE_SIZE_64K,
	};
	int s;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		unsigned long n = vsvm_pte_size_bytes(sizes[s]) >> PAGE_SHIFT;

		if (npages - i >= n && IS_ALIGNED(addr, n << PAGE_SHIFT) &&
		    vsvm_svm_pages_contiguous(*cur, pfns, i, n))
			return sizes[s];
	}
	return VSVM_PTE_SIZE_4K;
}

/* The protection bits of an entry mapping the page of @hmm_pfn */
static u64 vsvm_svm_pte_prot(struct vsvm_gpusvm_range *range,
			     unsigned long hmm_pfn)
{
	bool devmem = is_device_private_page(hmm_pfn_to_page(hmm_pfn));
	u64 prot = 0;

	if (hmm_pfn & HMM_PFN_WRITE) {
		prot |= VSVM_PTE_WRITE;
		if (devmem || to_vsvm_range(range)->atomic_anywhere)
			prot |= VSVM_PTE_ATOMIC;
	}
	if (devmem)
		prot |= VSVM_PTE_DEVMEM;
	return prot;
}

/*
 * Mark the VRAM allocations the GPU maps as most recently used, and start
 * the timeslice of those moved for a VRAM-only atomic once the GPU may
 * write them
 */
static void vsvm_svm_touch_vram(const unsigned long *pfns,
				unsigned long npages)
{
	struct vsvm_vram_alloc *last = NULL;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *page = hmm_pfn_to_page(pfns[i]);
		struct vsvm_vram_alloc *alloc;

		if (!is_device_private_page(page))
			continue;
		alloc = vsvm_vram_page_alloc(page);
		if (alloc == last)
			continue;
		last = alloc;
		vsvm_vram_touch(last);
		if (pfns[i] & HMM_PFN_WRITE)
			vsvm_vram_start_timeslice(last);
	}
}

/*
 * Mark every anonymous folio (system or VRAM) the GPU may write through a
 * new mapping dirty, see "DOC: Dirty tracking".  Notifier lock held for
 * writing.
 */
static void vsvm_svm_dirty_pages(const unsigned long *pfns,
				 unsigned long npages)
{
	struct folio *last = NULL;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct folio *folio;

		if (!(pfns[i] & HMM_PFN_WRITE))
			continue;
		folio = page_folio(hmm_pfn_to_page(pfns[i]));
		if (folio == last)
			continue;
		last = folio;
		if (folio_test_anon(folio))
			folio_mark_dirty(folio);
	}
}

/* Write the entries of a range whose pages are valid */
static void vsvm_svm_range_map(struct vsvm_vm *vm,
			       struct vsvm_gpusvm_range *range)
{
	unsigned long npages = vsvm_gpusvm_range_size(range) >> PAGE_SHIFT;
	struct vsvm_svm_daddr_cursor cur = { .entry = range->dma_addr };
	u64 start = vsvm_gpusvm_range_start(range);
	unsigned long i = 0;

	while (i < npages) {
		u64 addr = start + ((u64)i << PAGE_SHIFT);
		enum vsvm_pte_size size;

		size = vsvm_svm_pte_size(&cur, range->pfns, i, npages, addr);
		vsvm_pt_map(&vm->pt, addr, size, vsvm_svm_daddr(&cur, i),
			    vsvm_svm_pte_prot(range, range->pfns[i]));
		i += vsvm_pte_size_bytes(size) >> PAGE_SHIFT;
	}
	if (range->flags.writable)
		vsvm_svm_dirty_pages(range->pfns, npages);
	if (range->flags.has_devmem_pages)
		vsvm_svm_touch_vram(range->pfns, npages);
}

/* Is the page at @addr of @range in this device's VRAM?  Pages valid */
static bool vsvm_svm_page_is_devmem(struct vsvm_gpusvm_range *range, u64 addr)
{
	unsigned long i = (addr - vsvm_gpusvm_range_start(range)) >> PAGE_SHIFT;

	return is_device_private_page(hmm_pfn_to_page(range->pfns[i]));
}

/*
 * Program the page table for a range: -EAGAIN if its pages went stale.
 * With @vram_addr set (a VRAM-only atomic at that address), the page there
 * must be in VRAM: -EXDEV if it is not, its move having failed.
 */
static int vsvm_svm_range_bind(struct vsvm_vm *vm,
			       struct vsvm_gpusvm_range *range, u64 vram_addr)
{
	u64 start = vsvm_gpusvm_range_start(range);
	u64 end = vsvm_gpusvm_range_end(range);
	ktime_t t0 = ktime_get();
	int ret;

	ret = vsvm_pt_prepare(&vm->pt, start, end);
	if (ret)
		return ret;

	down_write(&vm->gpusvm.notifier_lock);
	if (!vsvm_gpusvm_range_pages_valid(&vm->gpusvm, range)) {
		up_write(&vm->gpusvm.notifier_lock);
		return -EAGAIN;
	}
	vsvm_svm_range_map(vm, range);
	ret = vram_addr && !vsvm_svm_page_is_devmem(range, vram_addr) ?
	      -EXDEV : 0;
	up_write(&vm->gpusvm.notifier_lock);

	vsvm_stat_add(vm->vdev, VSVM_STAT_US_BIND,
		      ktime_us_delta(ktime_get(), t0));
	trace_vsvm_bind(vm->id, start, end, range->flags.writable);
	return ret;
}

static void vsvm_svm_count_fault(struct vsvm_vm *vm,
				 struct vsvm_gpusvm_range *range,
				 const struct vsvm_gpusvm_ctx *ctx)
{
	unsigned long size = vsvm_gpusvm_range_size(range);
	enum vsvm_stat stat = size == SZ_2M ? VSVM_STAT_FAULTS_2M :
			      size == SZ_64K ? VSVM_STAT_FAULTS_64K :
			      VSVM_STAT_FAULTS_4K;

	vsvm_stat_inc(vm->vdev, stat);
	vsvm_stat_inc(vm->vdev, ctx->write ? VSVM_STAT_FAULT_WRITE :
					     VSVM_STAT_FAULT_READ);
}

/* Move the granule around @addr to VRAM; SVM lock held */
static void vsvm_svm_migrate_in(struct vsvm_vm *vm, u64 addr,
				const struct drm_vsvm_mem_attrs *attrs,
				bool for_atomic)
{
	struct vsvm_migrate_opts opts = {
		.usage = vm->vfile->vram_usage,
		.granule = attrs->granularity,
		.timeslice = for_atomic ?
			     msecs_to_jiffies(attrs->atomic_timeslice_ms) : 0,
	};
	struct vsvm_migrate_result res = {};
	u64 start = ALIGN_DOWN(addr, attrs->granularity);

	/* No VRAM: the range stays in system memory, that is all. */
	atomic_inc(&vm->own_migrations);
	vsvm_migrate_vm_to_vram(vm, addr, start, start + attrs->granularity,
				&opts, &res);
	atomic_dec(&vm->own_migrations);
}

/*
 * Follow the memory attributes at @addr before filling the range: move the
 * granule around it to VRAM if they want it there.  Sets @need_vram for a
 * VRAM-only atomic, which cannot be served from system memory.
 */
static int vsvm_svm_place(struct vsvm_vm *vm, struct vsvm_gpusvm_range *range,
			  u64 addr, u32 access, bool movable, bool *need_vram)
{
	struct vsvm_svm_range *srange = to_vsvm_range(range);
	struct drm_vsvm_mem_attrs attrs;
	bool atomic_vram;

	vsvm_attrs_get(vm, addr, &attrs);
	atomic_vram = attrs.atomic_policy == DRM_VSVM_ATOMIC_VRAM_ONLY;
	srange->atomic_anywhere = !atomic_vram;
	*need_vram = access & DRM_VSVM_ACCESS_ATOMIC && atomic_vram;
	if (*need_vram) {
		if (!movable)
			return -EFAULT;
		vsvm_svm_migrate_in(vm, addr, &attrs, true);
		return 0;
	}
	if (attrs.preferred_loc == DRM_VSVM_LOC_SYSTEM || !movable)
		return 0;
	if (vsvm_svm_backing_off(vm, srange)) {
		vsvm_stat_inc(vm->vdev, VSVM_STAT_MIGRATE_BACKOFF);
		return 0;
	}
	vsvm_svm_migrate_in(vm, addr, &attrs, false);
	return 0;
}

/*
 * A GPU write met VRAM pages shared copy-on-write with another process:
 * move them to system memory, where the next hmm_range_fault() breaks COW.
 * Returns -EAGAIN to fill the range again, -EBUSY if no page would move,
 * or -ESTALE if the range no longer fits one VMA (mprotect() split it), to
 * start the fault over.
 */
static int vsvm_svm_unshare_devmem(struct vsvm_vm *vm,
				   struct vsvm_gpusvm_range *range)
{
	unsigned long start = vsvm_gpusvm_range_start(range);
	unsigned long end = vsvm_gpusvm_range_end(range);
	struct vsvm_migrate_result res = {};
	struct vm_area_struct *vma;
	int ret = -ESTALE;

	mmap_read_lock(vm->mm);
	vma = vma_lookup(vm->mm, start);
	if (vma && vma->vm_end >= end) {
		vsvm_migrate_to_sys(&vm->vdev->vram, vma, start, end, NULL,
				    &res);
		ret = res.moved ? -EAGAIN : -EBUSY;
	}
	mmap_read_unlock(vm->mm);
	return ret;
}

/*
 * Zap the entries of a range whose pages are still valid, before its pages
 * are got again (a write after reads, say) and their device addresses
 * replaced, so that no engine uses an address once it is unmapped
 */
static void vsvm_svm_range_zap_valid(struct vsvm_vm *vm,
				     struct vsvm_gpusvm_range *range)
{
	down_write(&vm->gpusvm.notifier_lock);
	if (range->flags.has_pages &&
	    vsvm_pt_zap(&vm->pt, vsvm_gpusvm_range_start(range),
			vsvm_gpusvm_range_end(range)))
		vsvm_pt_tlb_invalidate(&vm->pt);
	up_write(&vm->gpusvm.notifier_lock);
}

/*
 * Fill a range and bind it, again while invalidations race with it: every
 * retry checks whether to give up and lets others run.
 */
static int vsvm_svm_range_fill(struct vsvm_vm *vm,
			       struct vsvm_gpusvm_range *range,
			       struct vsvm_gpusvm_ctx *ctx, u64 vram_addr)
{
	unsigned int busy = 0;
	int ret;

	for (;;) {
		vsvm_svm_range_zap_valid(vm, range);
		ret = vsvm_gpusvm_range_get_pages(&vm->gpusvm, range, ctx);
		if (ret == -EROFS)
			ret = vsvm_svm_unshare_devmem(vm, range);
		if (ret == -EBUSY && ++busy < VSVM_SVM_BUSY_TRIES)
			ret = -EAGAIN;
		if (!ret)
			ret = vsvm_svm_range_bind(vm, range, vram_addr);
		if (ret != -EAGAIN)
			return ret;
		ctx->retries++;
		ret = vsvm_vm_must_stop(vm, ctx->timeout);
		if (ret)
			return ret;
		cond_resched();
	}
}

/* Remove a range a failed fault made, so that failures leave nothing */
static void vsvm_svm_range_drop_empty(struct vsvm_vm *vm,
				      struct vsvm_gpusvm_range *range)
{
	bool empty;

	down_read(&vm->gpusvm.notifier_lock);
	empty = !range->flags.has_pages;
	up_read(&vm->gpusvm.notifier_lock);
	if (empty)
		vsvm_svm_range_destroy(vm, range);
}

/*
 * Narrow the VMA around @addr to where the range of this fault may lie:
 * within @max_size around @addr, inside one span of memory attributes, and
 * only the page at @addr where userfaultfd is armed.  Only a userfaultfd
 * handler can fill a missing page there, and hmm_range_fault() cannot wait
 * for one: faulting the neighbours would fail the access to a valid page
 * (and DEBUG_VM kernels warn for each such fault).
 */
static void vsvm_svm_narrow_window(struct vsvm_vm *vm, u64 addr,
				   unsigned long max_size,
				   struct vsvm_svm_window *win)
{
	unsigned long size = win->uffd ? PAGE_SIZE : max_size;
	unsigned long start = ALIGN_DOWN(addr, size);

	win->start = max(win->start, start);
	win->end = min(win->end, start + size);
	vsvm_attrs_clamp(vm, addr, &win->start, &win->end);
}

/* The range at @addr, made to fit @win */
static struct vsvm_gpusvm_range *
vsvm_svm_range_for_fault(struct vsvm_vm *vm, u64 addr,
			 const struct vsvm_svm_window *win)
{
	struct vsvm_gpusvm_range *range;

	range = vsvm_gpusvm_range_find_or_insert(&vm->gpusvm, addr, win->start,
						 win->end);
	if (IS_ERR(range))
		return range;
	if (vsvm_gpusvm_range_start(range) >= win->start &&
	    vsvm_gpusvm_range_end(range) <= win->end)
		return range;
	/*
	 * The VMA was split (mprotect, mremap, ...), the attributes changed
	 * or a fault over the whole range failed since the range was made:
	 * make a new range that fits.
	 */
	vsvm_svm_range_destroy(vm, range);
	return vsvm_gpusvm_range_find_or_insert(&vm->gpusvm, addr, win->start,
						win->end);
}

/*
 * One attempt at a fault, with a range of at most @max_size bytes; SVM lock
 * held.  -ESTALE: the VMA changed, start over; -EXDEV: a VRAM-only
 * atomic's page did not get into VRAM.  When faulting the range's pages
 * fails with -EFAULT, *@failed_size is its size.
 */
static int vsvm_svm_fault_once(struct vsvm_vm *vm, u64 addr, u32 access,
			       struct vsvm_gpusvm_ctx *ctx,
			       unsigned long max_size,
			       unsigned long *failed_size)
{
	struct vsvm_gpusvm_range *range;
	struct vsvm_svm_window win;
	bool need_vram;
	int ret;

	vsvm_svm_garbage_collector(vm, true);
	ret = vsvm_svm_check_vma(vm, addr, ctx->write, &win);
	if (ret)
		return ret;
	vsvm_svm_narrow_window(vm, addr, max_size, &win);

	range = vsvm_svm_range_for_fault(vm, addr, &win);
	if (IS_ERR(range))
		return PTR_ERR(range);

	ret = vsvm_svm_place(vm, range, addr, access, win.movable,
			     &need_vram);
	if (ret)
		goto out_drop;
	ret = vsvm_svm_range_fill(vm, range, ctx, need_vram ? addr : 0);
	if (ret == -EFAULT)
		*failed_size = vsvm_gpusvm_range_size(range);
	if (!ret) {
		vsvm_svm_count_fault(vm, range, ctx);
		return 0;
	}
out_drop:
	if (ret != -EXDEV)
		vsvm_svm_range_drop_empty(vm, range);
	return ret;
}

/* The next smaller chunk size of a GPU fault range */
static unsigned long vsvm_svm_smaller_chunk(unsigned long size)
{
	return size > SZ_64K ? SZ_64K : PAGE_SIZE;
}

/*
 * Find or create the range at @addr and map it; SVM lock held.  A fault
 * whose VMA changed under it starts over; a VRAM-only atomic whose page
 * will not move to VRAM (pinned, or VRAM full of what cannot be evicted)
 * fails with -EFAULT after VSVM_SVM_ATOMIC_TRIES attempts.  A fault that
 * fails with -EFAULT over a range larger than a page, where a page beside
 * @addr cannot be faulted (past the end of a file, say), is tried again
 * with the next smaller chunk, down to the page at @addr alone.
 */
static int vsvm_svm_fault_locked(struct vsvm_vm *vm, u64 addr, u32 access,
				 struct vsvm_gpusvm_ctx *ctx)
{
	unsigned long max_size = SZ_2M, failed_size;
	unsigned int atomic_tries = 0;
	int ret;

	for (;;) {
		failed_size = 0;
		ret = vsvm_svm_fault_once(vm, addr, access, ctx, max_size,
					  &failed_size);
		if (failed_size > PAGE_SIZE) {
			/* A page beside @addr failed: try a smaller range. */
			max_size = vsvm_svm_smaller_chunk(failed_size);
			vsvm_stat_inc(vm->vdev, VSVM_STAT_FAULT_NARROWED);
			continue;
		}
		if (ret == -EXDEV && ++atomic_tries >= VSVM_SVM_ATOMIC_TRIES)
			return -EFAULT;
		if (ret != -ESTALE && ret != -EXDEV)
			return ret;
		ret = vsvm_vm_must_stop(vm, ctx->timeout);
		if (ret)
			return ret;
		cond_resched();
	}
}

/* hmm_range_fault() errors as the job reports them */
static int vsvm_svm_fault_errno(int ret)
{
	switch (ret) {
	case 0:
	case -EACCES:
	case -ENOMEM:
	case -ETIMEDOUT:
	case -ECANCELED:
		return ret;
	case -EPERM:
		return -EACCES;
	default:
		return -EFAULT;
	}
}

/**
 * vsvm_svm_handle_fault() - service a GPU page fault
 * @vm: the VM
 * @addr: the faulting address
 * @access: DRM_VSVM_ACCESS_* bits of the access
 * @deadline: jiffies by which to give up
 *
 * Context: process context, no vsvm lock held.
 * Return: 0 once the access can be retried; -EFAULT, -EACCES, -ENOMEM,
 * -ETIMEDOUT, -ECANCELED (the VM is closed) or -ENODEV (the device is
 * unplugged) if it cannot be resolved.
 */
int vsvm_svm_handle_fault(struct vsvm_vm *vm, u64 addr, u32 access,
			  unsigned long deadline)
{
	struct vsvm_gpusvm_ctx ctx = {
		.write = access & (DRM_VSVM_ACCESS_WRITE |
				   DRM_VSVM_ACCESS_ATOMIC),
		.timeout = deadline,
	};
	ktime_t t0 = ktime_get();
	int ret;

	if (addr >= TASK_SIZE_MAX) {
		ret = -EFAULT;
	} else if (!mmget_not_zero(vm->mm)) {
		ret = -ECANCELED;
	} else {
		mutex_lock(&vm->gpusvm.lock);
		ret = vsvm_svm_fault_locked(vm, addr, access, &ctx);
		mutex_unlock(&vm->gpusvm.lock);
		mmput(vm->mm);
	}
	ret = vsvm_svm_fault_errno(ret);

	vsvm_stat_add(vm->vdev, VSVM_STAT_FAULT_PAGES, ctx.npages);
	vsvm_stat_add(vm->vdev, VSVM_STAT_FAULT_RETRIES, ctx.retries);
	vsvm_stat_add(vm->vdev, VSVM_STAT_US_HMM, ctx.hmm_ns / NSEC_PER_USEC);
	vsvm_stat_add(vm->vdev, VSVM_STAT_US_FAULT,
		      ktime_us_delta(ktime_get(), t0));
	if (ret)
		vsvm_stat_inc(vm->vdev, VSVM_STAT_FAULT_UNRESOLVED);
	trace_vsvm_fault(vm->id, addr, access, ret);
	return ret;
}
