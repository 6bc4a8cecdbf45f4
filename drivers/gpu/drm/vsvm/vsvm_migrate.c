// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/hugetlb.h>
#include <linux/ktime.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <uapi/drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_drv.h"
#include "vsvm_migrate.h"
#include "vsvm_trace.h"
#include "vsvm_vm.h"
#include "vsvm_vram.h"

/**
 * DOC: Migration
 *
 * Pages move between system memory and VRAM with the core mm's migrate_vma
 * API, the way nouveau, amdkfd and drm_pagemap (xe) move them:
 *
 * 1. migrate_vma_setup() collects the pages of a span of one VMA: it
 *    invalidates the span (MMU_NOTIFY_MIGRATE, which also zaps the GPU's
 *    own mapping, so the GPU refaults and finds the pages where they end
 *    up), locks and isolates each page it can take and replaces its CPU
 *    page table entry with a migration entry.  A page it cannot take
 *    (pinned, locked, another device's) is simply not collected: a
 *    migration is never all-or-nothing, and what was collected moves.
 * 2. The driver allocates destination pages, VRAM from its allocator or
 *    system pages from the page allocator, and copies the data with its
 *    copy engine.  vsvm's copy engine is a loop over the backing store;
 *    a page that was never touched (pte_none or the zero page) is cleared
 *    instead of copied.
 * 3. migrate_vma_pages() swaps the mappings over to the new pages and
 *    migrate_vma_finalize() releases whichever side lost.
 *
 * The unit of a move is the *granule* (&drm_vsvm_mem_attrs.granularity,
 * 2 MiB by default) aligned around the address and cut to the VMA.  Only
 * private anonymous memory moves (vsvm_migrate_vma_movable()); shared
 * mappings, file pages and hugetlbfs stay in system memory, where the GPU
 * uses them through the ordinary mirror.
 *
 * To VRAM: on a GPU fault whose attributes want VRAM (vsvm_svm.c) and on
 * PREFETCH.  Pages already in this device's VRAM are collected too, so they
 * can be counted, and left where they are.
 *
 * To system memory: when the CPU touches a VRAM page, the core mm calls
 * the pagemap's migrate_to_ram() (vsvm_migrate_to_ram()) with the mmap lock
 * held and the page locked; it moves the granule around the fault, using
 * no driver lock at all.  A page moved to VRAM for a VRAM-only GPU atomic
 * stays there until its allocation's timeslice ends: the CPU fault waits
 * (killably) for the rest of it, so the GPU always gets to do its atomic.
 * The timeslice starts when the GPU first maps the pages, not when the move
 * starts, so however slow a move is the GPU gets the whole slice; until
 * then the CPU waits at most VSVM_MIGRATE_MAX_WAIT_MS.  Also on
 * PREFETCH to system memory, on eviction (vsvm_vram.c) and when another
 * device's hmm_range_fault() meets the page.
 */

/* The longest a CPU fault waits for a GPU timeslice to end */
#define VSVM_MIGRATE_MAX_WAIT_MS	DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS

/**
 * vsvm_vram_copy_in() - the copy engine: fill a VRAM page
 * @vram: the VRAM
 * @dpage: the destination page, of @vram
 * @spage: the system page to copy, or NULL to clear @dpage
 */
void vsvm_vram_copy_in(struct vsvm_vram *vram, struct page *dpage,
		       struct page *spage)
{
	void *dst = vsvm_vram_page_vaddr(vram, dpage);

	if (spage)
		memcpy_from_page(dst, spage, 0, PAGE_SIZE);
	else
		memset(dst, 0, PAGE_SIZE);
}

/**
 * vsvm_vram_copy_out() - the copy engine: copy a VRAM page to system memory
 * @vram: the VRAM
 * @dpage: the destination system page
 * @spage: the source page, of @vram
 */
void vsvm_vram_copy_out(struct vsvm_vram *vram, struct page *dpage,
			struct page *spage)
{
	memcpy_to_page(dpage, 0, vsvm_vram_page_vaddr(vram, spage), PAGE_SIZE);
}

/**
 * vsvm_migrate_vma_movable() - may the pages of a VMA move to VRAM?
 * @vma: the VMA
 *
 * Return: true for private anonymous memory, the only kind migrate_vma can
 * move to device-private memory, unless it is mlock()ed: locked memory must
 * never take a fault to be used by the CPU, and a page in VRAM would.
 */
bool vsvm_migrate_vma_movable(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED) &&
	       !is_vm_hugetlb_page(vma) &&
	       !(vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP |
				  VM_LOCKED));
}

static enum vsvm_stat vsvm_migrate_size_stat(unsigned long npages)
{
	if (npages >= SZ_2M >> PAGE_SHIFT)
		return VSVM_STAT_MIGRATE_2M;
	if (npages >= SZ_64K >> PAGE_SHIFT)
		return VSVM_STAT_MIGRATE_64K;
	return VSVM_STAT_MIGRATE_4K;
}

/* Count one migration in the device counters and the trace */
static void vsvm_migrate_account(struct vsvm_vram *vram, bool to_vram,
				 unsigned long start, unsigned long end,
				 unsigned long wanted, unsigned long moved,
				 ktime_t t0)
{
	struct vsvm_device *vdev = vram->vdev;
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	s64 us = ktime_us_delta(ktime_get(), t0);

	trace_vsvm_migrate(vdev->config.index, start, end, to_vram, npages,
			   moved, us);
	if (!moved)
		return;
	if (!to_vram)
		WRITE_ONCE(vram->last_move_us, min_t(s64, us, UINT_MAX));
	vsvm_stat_inc(vdev, to_vram ? VSVM_STAT_MIGRATE_TO_VRAM :
				      VSVM_STAT_MIGRATE_TO_SYS);
	vsvm_stat_add(vdev, to_vram ? VSVM_STAT_MIGRATE_PAGES_TO_VRAM :
				      VSVM_STAT_MIGRATE_PAGES_TO_SYS, moved);
	vsvm_stat_add(vdev, to_vram ? VSVM_STAT_MIGRATE_BYTES_TO_VRAM :
				      VSVM_STAT_MIGRATE_BYTES_TO_SYS,
		      (s64)moved << PAGE_SHIFT);
	vsvm_stat_add(vdev, to_vram ? VSVM_STAT_US_MIGRATE_TO_VRAM :
				      VSVM_STAT_US_MIGRATE_TO_SYS, us);
	vsvm_stat_inc(vdev, vsvm_migrate_size_stat(npages));
	if (moved < wanted)
		vsvm_stat_inc(vdev, VSVM_STAT_MIGRATE_PARTIAL);
}

/*
 * Sort the pages migrate_vma_setup() saw for a move to VRAM: count those
 * already in our VRAM and those not collected, and return how many must
 * move.
 */
static unsigned long vsvm_migrate_classify_in(struct vsvm_vram *vram,
					      const struct migrate_vma *args,
					      struct vsvm_migrate_result *res)
{
	unsigned long i, want = 0;

	for (i = 0; i < args->npages; i++) {
		struct page *page = migrate_pfn_to_page(args->src[i]);

		if (!(args->src[i] & MIGRATE_PFN_MIGRATE))
			res->busy++;
		else if (page && vsvm_vram_page_is_ours(vram, page))
			res->already++;
		else
			want++;
	}
	return want;
}

/*
 * A move for a VRAM-only atomic: the CPU stays away until the GPU has
 * mapped the pages (at most VSVM_MIGRATE_MAX_WAIT_MS) and then for
 * @timeslice more, see vsvm_vram_start_timeslice().
 */
static void vsvm_migrate_hold_for_gpu(struct vsvm_vram_alloc *alloc,
				      unsigned long timeslice)
{
	if (!timeslice)
		return;
	alloc->timeslice = timeslice;
	WRITE_ONCE(alloc->timeslice_end,
		   jiffies + msecs_to_jiffies(VSVM_MIGRATE_MAX_WAIT_MS));
}

/* Give each collected page a VRAM page of @alloc and copy it there */
static void vsvm_migrate_fill_vram(struct vsvm_vram_alloc *alloc,
				   struct migrate_vma *args)
{
	struct vsvm_vram *vram = alloc->vram;
	struct gpu_buddy_block *block = NULL;
	unsigned long i, pfn = 0, left = 0;

	for (i = 0; i < args->npages; i++) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);
		struct page *dpage;

		if (!(args->src[i] & MIGRATE_PFN_MIGRATE) ||
		    (spage && vsvm_vram_page_is_ours(vram, spage)))
			continue;
		if (!left) {
			block = block ? list_next_entry(block, link) :
				list_first_entry(&alloc->blocks,
						 struct gpu_buddy_block, link);
			pfn = vram->pfn_first +
			      (gpu_buddy_block_offset(block) >> PAGE_SHIFT);
			left = gpu_buddy_block_size(&vram->mm, block) >>
			       PAGE_SHIFT;
		}
		dpage = pfn_to_page(pfn++);
		left--;
		zone_device_page_init(dpage, &vram->pagemap, 0);
		kref_get(&alloc->ref);
		vsvm_vram_copy_in(vram, dpage, spage);
		args->dst[i] = migrate_pfn(page_to_pfn(dpage));
	}
}

/*
 * After migrate_vma_pages(), with both sides still locked: count the pages
 * that moved, and record which VRAM pages now hold data and which were
 * emptied (vsvm_vram_page_resident()).
 */
static unsigned long vsvm_migrate_commit(const struct migrate_vma *args,
					 bool to_vram)
{
	unsigned long i, moved = 0;

	for (i = 0; i < args->npages; i++) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);
		struct page *dpage = migrate_pfn_to_page(args->dst[i]);

		if (!dpage || !(args->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (to_vram)
			vsvm_vram_page_set_resident(dpage);
		else
			vsvm_vram_page_clear_resident(spage);
		moved++;
	}
	return moved;
}

/**
 * vsvm_migrate_to_vram() - move the pages of a span of a VMA to VRAM
 * @vram: the destination VRAM
 * @vma: the VMA, movable (vsvm_migrate_vma_movable())
 * @start: first address, page aligned
 * @end: end address, page aligned, at most @vma's end
 * @opts: behaviour of the moved pages
 * @res: counts of what happened, added to
 *
 * Context: the mmap lock of @vma's mm held for reading.
 * Return: 0 (some pages may not have moved, see @res), -ENOSPC if no VRAM
 * was found, or another negative errno.
 */
int vsvm_migrate_to_vram(struct vsvm_vram *vram, struct vm_area_struct *vma,
			 unsigned long start, unsigned long end,
			 const struct vsvm_migrate_opts *opts,
			 struct vsvm_migrate_result *res)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	struct migrate_vma args = {
		.vma = vma,
		.start = start,
		.end = end,
		.pgmap_owner = vram->vdev,
		.flags = MIGRATE_VMA_SELECT_SYSTEM |
			 MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
	};
	struct vsvm_vram_alloc *alloc = NULL;
	unsigned long want, moved = 0;
	ktime_t t0 = ktime_get();
	unsigned long *pfns;
	int ret;

	mmap_assert_locked(vma->vm_mm);
	pfns = kvcalloc(2 * npages, sizeof(*pfns), GFP_KERNEL_ACCOUNT);
	if (!pfns)
		return -ENOMEM;
	args.src = pfns;
	args.dst = pfns + npages;

	ret = migrate_vma_setup(&args);
	if (ret)
		goto out_free;

	want = vsvm_migrate_classify_in(vram, &args, res);
	if (want) {
		alloc = vsvm_vram_alloc(vram, (u64)want << PAGE_SHIFT,
					opts->usage);
		if (IS_ERR(alloc)) {
			ret = PTR_ERR(alloc);
			res->no_memory += want;
			alloc = NULL;
		} else {
			alloc->granule = opts->granule;
			vsvm_migrate_hold_for_gpu(alloc, opts->timeslice);
			vsvm_migrate_fill_vram(alloc, &args);
		}
	}
	migrate_vma_pages(&args);
	if (alloc) {
		moved = vsvm_migrate_commit(&args, true);
		res->moved += moved;
		res->busy += want - moved;
	}
	migrate_vma_finalize(&args);
	if (alloc)
		vsvm_vram_alloc_put(alloc);
	vsvm_migrate_account(vram, true, start, end, want, moved, t0);
out_free:
	kvfree(pfns);
	return ret;
}

/* Give each collected VRAM page a system page and copy it there */
static int vsvm_migrate_fill_sys(struct vsvm_vram *vram,
				 struct migrate_vma *args,
				 struct page *fault_page,
				 struct vsvm_migrate_result *res,
				 unsigned long *want)
{
	unsigned long i;
	int ret = 0;

	for (i = 0; i < args->npages; i++) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);
		unsigned long addr = args->start + (i << PAGE_SHIFT);
		struct page *dpage;

		if (!spage || !(args->src[i] & MIGRATE_PFN_MIGRATE)) {
			res->already++;
			continue;
		}
		dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE, args->vma, addr);
		if (!dpage) {
			res->no_memory++;
			if (spage == fault_page)
				ret = -ENOMEM;
			continue;
		}
		lock_page(dpage);
		vsvm_vram_copy_out(vram, dpage, spage);
		args->dst[i] = migrate_pfn(page_to_pfn(dpage));
		(*want)++;
	}
	return ret;
}

/**
 * vsvm_migrate_to_sys() - move this device's pages of a span to system memory
 * @vram: the VRAM the pages are in
 * @vma: the VMA
 * @start: first address, page aligned
 * @end: end address, page aligned, at most @vma's end
 * @fault_page: the page a CPU fault is on, locked by the caller, or NULL
 * @res: counts of what happened, added to
 *
 * Context: the mmap lock of @vma's mm held for reading.  Takes no driver
 * lock.
 * Return: 0, or -ENOMEM if @fault_page could not move.
 */
int vsvm_migrate_to_sys(struct vsvm_vram *vram, struct vm_area_struct *vma,
			unsigned long start, unsigned long end,
			struct page *fault_page,
			struct vsvm_migrate_result *res)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	struct migrate_vma args = {
		.vma = vma,
		.start = start,
		.end = end,
		.pgmap_owner = vram->vdev,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = fault_page,
	};
	unsigned long want = 0, moved;
	ktime_t t0 = ktime_get();
	unsigned long *pfns;
	int ret;

	pfns = kvcalloc(2 * npages, sizeof(*pfns), GFP_KERNEL_ACCOUNT);
	if (!pfns)
		return -ENOMEM;
	args.src = pfns;
	args.dst = pfns + npages;

	ret = migrate_vma_setup(&args);
	if (ret)
		goto out_free;
	ret = vsvm_migrate_fill_sys(vram, &args, fault_page, res, &want);
	migrate_vma_pages(&args);
	moved = vsvm_migrate_commit(&args, false);
	res->moved += moved;
	res->busy += want - moved;
	migrate_vma_finalize(&args);
	vsvm_migrate_account(vram, false, start, end, want, moved, t0);
out_free:
	kvfree(pfns);
	return ret;
}

/* A VRAM-only atomic's timeslice: let the GPU finish before taking it */
static void vsvm_migrate_wait_timeslice(struct vsvm_vram_alloc *alloc)
{
	long max = msecs_to_jiffies(VSVM_MIGRATE_MAX_WAIT_MS);
	long left = (long)(READ_ONCE(alloc->timeslice_end) - jiffies);

	if (left > 0)
		schedule_timeout_killable(min(left, max));
}

/**
 * vsvm_migrate_to_ram() - &dev_pagemap_ops.migrate_to_ram: CPU fault on VRAM
 * @vmf: the fault; @vmf->page is the VRAM page, locked and referenced
 *
 * Moves the granule around the fault to system memory.
 *
 * Context: called by the core mm with the mmap lock (or the VMA lock) held
 * for reading.  Takes no driver lock.
 * Return: 0, or VM_FAULT_OOM when no system page was found for the faulting
 * page.
 */
vm_fault_t vsvm_migrate_to_ram(struct vm_fault *vmf)
{
	struct page *page = vmf->page;
	struct vsvm_vram *vram = vsvm_vram_page_vram(page);
	struct vsvm_vram_alloc *alloc = vsvm_vram_page_alloc(page);
	struct vm_area_struct *vma = vmf->vma;
	struct vsvm_migrate_result res = {};
	unsigned long granule, base;

	vsvm_stat_inc(vram->vdev, VSVM_STAT_CPU_FAULTS_VRAM);
	vsvm_migrate_wait_timeslice(alloc);
	granule = alloc->granule;
	base = ALIGN_DOWN(vmf->address, granule);
	if (vsvm_migrate_to_sys(vram, vma, max(base, vma->vm_start),
				min(base + granule, vma->vm_end), page, &res))
		return VM_FAULT_OOM;
	return 0;
}

/* A temporary interval notifier, for hmm_range_fault() outside a range */
static bool vsvm_migrate_tmp_invalidate(struct mmu_interval_notifier *mni,
					const struct mmu_notifier_range *range,
					unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops vsvm_migrate_tmp_ops = {
	.invalidate = vsvm_migrate_tmp_invalidate,
};

/* hmm_range_fault(), again while invalidations race with it, @tries at most */
static int vsvm_migrate_hmm_walk(struct mm_struct *mm, struct hmm_range *range,
				 unsigned int tries)
{
	int ret;

	do {
		range->notifier_seq = mmu_interval_read_begin(range->notifier);
		mmap_read_lock(mm);
		ret = hmm_range_fault(range);
		mmap_read_unlock(mm);
	} while (ret == -EBUSY && --tries);
	return ret;
}

/* The residency byte of one hmm pfn, see DRM_VSVM_RANGE_INFO_RESIDENCY */
static u8 vsvm_migrate_residency_state(struct vsvm_vram *vram,
				       unsigned long hmm_pfn)
{
	if (!(hmm_pfn & HMM_PFN_VALID))
		return DRM_VSVM_PAGE_NOT_MIRRORED;
	if (vsvm_vram_page_is_ours(vram, hmm_pfn_to_page(hmm_pfn)))
		return DRM_VSVM_PAGE_VRAM;
	return hmm_pfn & HMM_PFN_WRITE ? DRM_VSVM_PAGE_SYSTEM_RW :
					 DRM_VSVM_PAGE_SYSTEM_RO;
}

/* Snapshot [start, end) of one VMA with hmm_range_fault(), faulting nothing */
static int vsvm_migrate_snapshot(struct vsvm_vm *vm,
				 struct mmu_interval_notifier *mni,
				 unsigned long start, unsigned long end,
				 unsigned long *pfns, u8 *states)
{
	struct hmm_range range = {
		.notifier = mni,
		.start = start,
		.end = end,
		.hmm_pfns = pfns,
		.dev_private_owner = vm->vdev,
	};
	unsigned long i, npages = (end - start) >> PAGE_SHIFT;
	int ret;

	ret = vsvm_migrate_hmm_walk(vm->mm, &range, UINT_MAX);
	if (ret)
		return ret;
	for (i = 0; i < npages; i++)
		states[i] = vsvm_migrate_residency_state(&vm->vdev->vram,
							 pfns[i]);
	return 0;
}

/* The next span of [*addr, end) inside one ordinary VMA, or false */
static bool vsvm_migrate_next_vma_span(struct mm_struct *mm,
				       unsigned long *addr, unsigned long end,
				       unsigned long *span_end)
{
	struct vm_area_struct *vma;
	bool found = false;

	mmap_read_lock(mm);
	for (vma = find_vma(mm, *addr); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end)) {
		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			continue;
		*addr = max(*addr, vma->vm_start);
		*span_end = min(vma->vm_end, end);
		found = true;
		break;
	}
	mmap_read_unlock(mm);
	return found;
}

#define VSVM_MIGRATE_SNAPSHOT_PAGES	512

/**
 * vsvm_migrate_residency() - where the pages of a span are
 * @vm: the VM, whose mm the caller runs in
 * @start: first address, page aligned
 * @npages: pages
 * @states: out: one &enum drm_vsvm_page_state per page
 *
 * Return: 0 or a negative errno.
 */
int vsvm_migrate_residency(struct vsvm_vm *vm, unsigned long start,
			   unsigned long npages, u8 *states)
{
	unsigned long end = start + (npages << PAGE_SHIFT);
	unsigned long addr = start, span_end, *pfns;
	struct mmu_interval_notifier mni;
	int ret;

	memset(states, DRM_VSVM_PAGE_NOT_MIRRORED, npages);
	pfns = kvmalloc_array(VSVM_MIGRATE_SNAPSHOT_PAGES, sizeof(*pfns),
			      GFP_KERNEL_ACCOUNT);
	if (!pfns)
		return -ENOMEM;
	ret = mmu_interval_notifier_insert(&mni, vm->mm, start, end - start,
					   &vsvm_migrate_tmp_ops);
	if (ret)
		goto out_free;

	while (!ret && addr < end &&
	       vsvm_migrate_next_vma_span(vm->mm, &addr, end, &span_end)) {
		while (!ret && addr < span_end) {
			unsigned long chunk_end = min(span_end, addr +
				VSVM_MIGRATE_SNAPSHOT_PAGES * PAGE_SIZE);
			u8 *out = states + ((addr - start) >> PAGE_SHIFT);

			ret = vsvm_migrate_snapshot(vm, &mni, addr, chunk_end,
						    pfns, out);
			addr = chunk_end;
		}
	}
	mmu_interval_notifier_remove(&mni);
out_free:
	kvfree(pfns);
	return ret;
}

/*
 * Bring [start, end) into system memory, or leave it in this device's VRAM,
 * with hmm_range_fault(), which takes pages out of other devices' VRAM
 * through their migrate_to_ram().  No mmap lock held.
 */
static void vsvm_migrate_fault_in(struct vsvm_vm *vm, unsigned long start,
				  unsigned long end)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	struct mmu_interval_notifier mni;
	struct hmm_range range = {
		.notifier = &mni,
		.start = start,
		.end = end,
		.default_flags = HMM_PFN_REQ_FAULT,
		.dev_private_owner = vm->vdev,
	};

	range.hmm_pfns = kvmalloc_array(npages, sizeof(unsigned long),
					GFP_KERNEL_ACCOUNT);
	if (!range.hmm_pfns)
		return;
	if (mmu_interval_notifier_insert(&mni, vm->mm, start, end - start,
					 &vsvm_migrate_tmp_ops))
		goto out_free;
	/* Only the side effect counts: what did not come back stays busy. */
	vsvm_migrate_hmm_walk(vm->mm, &range, 8);
	mmu_interval_notifier_remove(&mni);
out_free:
	kvfree(range.hmm_pfns);
}

static void vsvm_migrate_result_add(struct vsvm_migrate_result *sum,
				    const struct vsvm_migrate_result *res)
{
	sum->moved += res->moved;
	sum->already += res->already;
	sum->unmapped += res->unmapped;
	sum->unmovable += res->unmovable;
	sum->busy += res->busy;
	sum->no_memory += res->no_memory;
}

/* One pass of vsvm_migrate_vm_to_vram(): [*start, *end) cut to the VMA */
static int vsvm_migrate_vma_to_vram(struct vsvm_vm *vm, unsigned long addr,
				    unsigned long *start, unsigned long *end,
				    const struct vsvm_migrate_opts *opts,
				    struct vsvm_migrate_result *res)
{
	struct vm_area_struct *vma;
	int ret = 0;

	mmap_read_lock(vm->mm);
	vma = vma_lookup(vm->mm, addr);
	if (vma) {
		*start = max(*start, vma->vm_start);
		*end = min(*end, vma->vm_end);
	}
	if (!vma)
		res->unmapped += (*end - *start) >> PAGE_SHIFT;
	else if (!vsvm_migrate_vma_movable(vma))
		res->unmovable += (*end - *start) >> PAGE_SHIFT;
	else
		ret = vsvm_migrate_to_vram(&vm->vdev->vram, vma, *start, *end,
					   opts, res);
	mmap_read_unlock(vm->mm);
	/* No VRAM is counted in @res: the pages stay where they are. */
	return ret == -ENOSPC ? 0 : ret;
}

/**
 * vsvm_migrate_vm_to_vram() - move a span of a VM's memory to its VRAM
 * @vm: the VM, whose mm the caller holds a reference on
 * @addr: an address of the VMA to move
 * @start: first address of the span, page aligned; cut to the VMA
 * @end: end address of the span, page aligned; cut to the VMA
 * @opts: behaviour of the moved pages
 * @res: counts of what happened to each page, added to
 *
 * Pages that another device's VRAM holds are not collected: they are
 * faulted back to system memory through that device and the span is moved
 * once more.  The second pass sees what the first moved as already there.
 * Used by the GPU fault handler and by PREFETCH.
 *
 * Context: process context, no mmap lock held.
 * Return: 0 (see @res) or a negative errno.
 */
int vsvm_migrate_vm_to_vram(struct vsvm_vm *vm, unsigned long addr,
			    unsigned long start, unsigned long end,
			    const struct vsvm_migrate_opts *opts,
			    struct vsvm_migrate_result *res)
{
	struct vsvm_migrate_result first = {}, again = {};
	int ret;

	ret = vsvm_migrate_vma_to_vram(vm, addr, &start, &end, opts, &first);
	if (!ret && first.busy) {
		vsvm_migrate_fault_in(vm, start, end);
		ret = vsvm_migrate_vma_to_vram(vm, addr, &start, &end, opts,
					       &again);
		if (!ret) {
			again.already -= min(again.already, first.moved);
			again.moved += first.moved;
			first = again;
		}
	}
	vsvm_migrate_result_add(res, &first);
	return ret;
}

/* PREFETCH of one granule or less; mm referenced, no lock held */
static int vsvm_prefetch_step(struct vsvm_vm *vm, unsigned long *addr,
			      unsigned long end, u32 region,
			      struct vsvm_migrate_result *res)
{
	struct drm_vsvm_mem_attrs attrs;
	struct vsvm_migrate_opts opts = { .usage = vm->vfile->vram_usage };
	struct vm_area_struct *vma;
	unsigned long start = *addr;
	bool to_vram = false;
	int ret = 0;

	vsvm_attrs_get(vm, start, &attrs);
	mmap_read_lock(vm->mm);
	vma = find_vma(vm->mm, start);
	if (!vma || vma->vm_start >= end) {
		res->unmapped += (end - start) >> PAGE_SHIFT;
		*addr = end;
	} else if (vma->vm_start > start) {
		res->unmapped += (vma->vm_start - start) >> PAGE_SHIFT;
		*addr = vma->vm_start;
	} else {
		*addr = min3(ALIGN_DOWN(start, attrs.granularity) +
			     attrs.granularity, vma->vm_end, end);
		if (!vsvm_migrate_vma_movable(vma))
			res->unmovable += (*addr - start) >> PAGE_SHIFT;
		else if (region == DRM_VSVM_REGION_SYSTEM)
			ret = vsvm_migrate_to_sys(&vm->vdev->vram, vma, start,
						  *addr, NULL, res);
		else
			to_vram = true;
	}
	mmap_read_unlock(vm->mm);

	if (to_vram) {
		opts.granule = attrs.granularity;
		ret = vsvm_migrate_vm_to_vram(vm, start, start, *addr, &opts,
					      res);
	}
	return ret;
}

/*
 * Must PREFETCH stop?  For a signal, or for what stops a job (it has no
 * deadline); a closed VM is -ENOENT here, as for the other ioctls.
 */
static int vsvm_prefetch_check(struct vsvm_vm *vm)
{
	int ret;

	if (signal_pending(current))
		return -EINTR;
	ret = vsvm_vm_must_stop(vm, jiffies + MAX_JIFFY_OFFSET);
	return ret == -ECANCELED ? -ENOENT : ret;
}

/* PREFETCH step by step, what happened to each page added to @res */
static int vsvm_prefetch_walk(struct vsvm_vm *vm,
			      const struct drm_vsvm_prefetch *args,
			      struct vsvm_migrate_result *res)
{
	unsigned long addr = args->start, end = args->start + args->size;
	int ret = 0;

	if (!mmget_not_zero(vm->mm))
		return -ESRCH;
	/* What PREFETCH moves is no CPU touch: no ping-pong guard. */
	atomic_inc(&vm->own_migrations);
	while (addr < end) {
		ret = vsvm_prefetch_check(vm);
		if (!ret)
			ret = vsvm_prefetch_step(vm, &addr, end, args->region,
						 res);
		if (ret)
			break;
		cond_resched();
	}
	atomic_dec(&vm->own_migrations);
	mmput(vm->mm);
	return ret;
}

/**
 * vsvm_prefetch() - move a span of a VM's memory, for PREFETCH
 * @vm: the VM, referenced by the caller, who runs in its mm
 * @args: the span and the region to move it to, checked: page aligned,
 *	not empty, below TASK_SIZE_MAX; what happened to each page is
 *	written to the outputs, also when the walk stopped early
 *
 * Walks the span in steps of at most one granule, taking the attribute and
 * mmap locks for each step, and stops between steps for a signal, a closed
 * VM or an unplugged device.
 *
 * Return: 0, -ESRCH if the VM's process has exited, -EINTR, -ENOENT if the
 * VM is closed, -ENODEV if the device is unplugged, or an error of a move.
 */
int vsvm_prefetch(struct vsvm_vm *vm, struct drm_vsvm_prefetch *args)
{
	struct vsvm_migrate_result res = {};
	int ret;

	ret = vsvm_prefetch_walk(vm, args, &res);
	args->moved = res.moved;
	args->already = res.already;
	args->unmapped = res.unmapped;
	args->unmovable = res.unmovable;
	args->busy = res.busy;
	args->no_memory = res.no_memory;
	return ret;
}
