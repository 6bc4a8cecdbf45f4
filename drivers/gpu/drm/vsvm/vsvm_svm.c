// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/hmm.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <uapi/drm/vsvm_drm.h>

#include "vsvm_drv.h"
#include "vsvm_migrate.h"
#include "vsvm_trace.h"
#include "vsvm_vm.h"

/**
 * DOC: GPU fault handling
 *
 * vsvm_svm.c is the driver half of the SVM: policy and the glue between the
 * SVM layer (vsvm_gpusvm.c), the GPU page table (vsvm_pt.c) and the engines.
 * It corresponds to xe_svm.c.
 *
 * An engine that finds no usable page table entry for an access raises a
 * GPU page fault and calls vsvm_svm_handle_fault(), which, with the VM's
 * SVM lock held:
 *
 * 1. runs the garbage collector, so that no unmapped range is in the way;
 * 2. looks the address up in the CPU's VMAs under the mmap lock: no VMA, a
 *    kernel address or a VM_IO/VM_PFNMAP mapping is an unresolvable fault
 *    (-EFAULT), an access the VMA does not allow is -EACCES;
 * 3. finds or creates the range around the address, the largest of 2 MiB,
 *    64 KiB and 4 KiB that fits in the VMA and overlaps no other range; a
 *    range that no longer fits in its VMA (mprotect() split it, which is
 *    not an unmap) is destroyed and made again;
 * 4. fills the range with vsvm_gpusvm_range_get_pages() (the hmm loop),
 *    asking for write access only for writes and atomics;
 * 5. writes the page table entries under the notifier lock held for
 *    writing, if the pages are still valid, and otherwise starts again
 *    from 4.  Entries are as large as the pages allow: 2 MiB where the
 *    range's pages are one physically contiguous, aligned 2 MiB block (a
 *    THP or a hugetlb page), 64 KiB where 16 pages are, 4 KiB otherwise.
 *
 * The engine then resumes the command where it stopped.  An unresolvable
 * fault ends the job with the address and access recorded.  A job's
 * timeout also bounds the retries of 4 and 5.
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

static const unsigned long vsvm_svm_chunk_sizes[] = { SZ_2M, SZ_64K, SZ_4K };

#define VSVM_SVM_NOTIFIER_SIZE	SZ_512M
#define VSVM_SVM_MAX_PIECES	16
/* How long a range the CPU took back stays in system memory */
#define VSVM_SVM_BACKOFF_MS	10

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
	 * @backoff_until: jiffies until which GPU faults leave the range in
	 * system memory, because the CPU just took its pages out of VRAM.
	 * Written by the invalidation callback, read by the fault handler;
	 * READ_ONCE()/WRITE_ONCE().
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

	range = kzalloc(sizeof(*range), GFP_KERNEL_ACCOUNT);
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
	queue_work(system_unbound_wq, &vm->gc_work);
}

static bool vsvm_svm_event_unmaps(const struct mmu_notifier_range *mmu_range)
{
	return mmu_range->event == MMU_NOTIFY_UNMAP ||
	       mmu_range->event == MMU_NOTIFY_RELEASE;
}

/*
 * The ping-pong guard: pages of a range leaving VRAM through migrate_vma
 * (MMU_NOTIFY_MIGRATE: the CPU touched them, PREFETCH, another device took
 * them) keep the next GPU faults from moving them back for
 * VSVM_SVM_BACKOFF_MS.  The fault handler's own moves to VRAM do not count;
 * eviction (migrate_device_range(), reported as MMU_NOTIFY_CLEAR) does not
 * either: an evicted range may come back on its next fault.
 */
static void vsvm_svm_note_migration(struct vsvm_vm *vm,
				    struct vsvm_gpusvm_range *range,
				    const struct mmu_notifier_range *mmu_range)
{
	if (mmu_range->event != MMU_NOTIFY_MIGRATE ||
	    !range->flags.has_devmem_pages || READ_ONCE(vm->migrating_in))
		return;
	WRITE_ONCE(to_vsvm_range(range)->backoff_until,
		   jiffies + msecs_to_jiffies(VSVM_SVM_BACKOFF_MS));
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
		zapped += vsvm_pt_zap(&vm->pt, vsvm_gpusvm_range_start(range),
				      vsvm_gpusvm_range_end(range));
		vsvm_gpusvm_range_unmap_pages(gpusvm, range);
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

static const struct vsvm_gpusvm_ops vsvm_svm_gpusvm_ops = {
	.range_alloc = vsvm_svm_range_alloc,
	.range_free = vsvm_svm_range_free,
	.invalidate = vsvm_svm_invalidate,
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

/* The parts of [start, end) still mapped, each inside one VMA */
static int vsvm_svm_mapped_spans(struct vsvm_vm *vm, unsigned long start,
				 unsigned long end, struct vsvm_svm_span *spans)
{
	struct vm_area_struct *vma;
	int n = 0;

	if (!mmget_not_zero(vm->mm))
		return 0;
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
	mmput(vm->mm);
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
				   struct vsvm_gpusvm_range *range)
{
	struct vsvm_svm_span spans[VSVM_SVM_MAX_PIECES];
	unsigned long start = vsvm_gpusvm_range_start(range);
	unsigned long end = vsvm_gpusvm_range_end(range);
	bool partial;
	int i, n = 0;

	down_read(&vm->gpusvm.notifier_lock);
	partial = range->flags.partial_unmap;
	up_read(&vm->gpusvm.notifier_lock);
	if (partial)
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
 *
 * Context: &vsvm_gpusvm.lock held.
 */
static void vsvm_svm_garbage_collector(struct vsvm_vm *vm)
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
		vsvm_svm_range_collect(vm, &range->base);
	}
}

/**
 * vsvm_svm_gc_work() - the garbage collector's work item
 * @work: &vsvm_vm.gc_work
 */
void vsvm_svm_gc_work(struct work_struct *work)
{
	struct vsvm_vm *vm = container_of(work, struct vsvm_vm, gc_work);

	mutex_lock(&vm->gpusvm.lock);
	vsvm_svm_garbage_collector(vm);
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

	ret = vsvm_gpusvm_init(&vm->gpusvm, "vsvm", vm->mm, vm->vdev,
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

/* Check the CPU VMA at @addr and return its bounds */
static int vsvm_svm_check_vma(struct vsvm_vm *vm, u64 addr, bool write,
			      unsigned long *vma_start, unsigned long *vma_end,
			      bool *movable)
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
		*vma_start = vma->vm_start;
		*vma_end = vma->vm_end;
		*movable = vsvm_migrate_vma_movable(vma);
	}
	mmap_read_unlock(vm->mm);
	return ret;
}

/* The largest entry that can map the pages at @pfns, for address @addr */
static enum vsvm_pte_size vsvm_svm_pte_size(const unsigned long *pfns,
					    unsigned long npages, u64 addr)
{
	static const enum vsvm_pte_size sizes[] = {
		VSVM_PTE_SIZE_2M, VSVM_PTE_SIZE_64K,
	};
	unsigned long first = page_to_pfn(hmm_pfn_to_page(pfns[0]));
	unsigned long flags = pfns[0] & HMM_PFN_WRITE;
	int s;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		unsigned long n = vsvm_pte_size_bytes(sizes[s]) >> PAGE_SHIFT;
		unsigned long i;

		if (npages < n || !IS_ALIGNED(addr, n << PAGE_SHIFT) ||
		    !IS_ALIGNED(first, n))
			continue;
		for (i = 1; i < n; i++)
			if (page_to_pfn(hmm_pfn_to_page(pfns[i])) != first + i ||
			    (pfns[i] & HMM_PFN_WRITE) != flags)
				break;
		if (i == n)
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

/* Mark the VRAM allocations the GPU maps as most recently used */
static void vsvm_svm_touch_vram(const unsigned long *pfns,
				unsigned long npages)
{
	struct vsvm_vram_alloc *last = NULL;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *page = hmm_pfn_to_page(pfns[i]);

		if (!is_device_private_page(page) ||
		    page->zone_device_data == last)
			continue;
		last = page->zone_device_data;
		vsvm_vram_touch(last);
	}
}

/* Write the entries of a range whose pages are valid */
static void vsvm_svm_range_map(struct vsvm_vm *vm,
			       struct vsvm_gpusvm_range *range)
{
	unsigned long npages = vsvm_gpusvm_range_size(range) >> PAGE_SHIFT;
	u64 start = vsvm_gpusvm_range_start(range);
	unsigned long i = 0;

	while (i < npages) {
		const unsigned long *pfns = range->pfns + i;
		u64 addr = start + ((u64)i << PAGE_SHIFT);
		enum vsvm_pte_size size;

		size = vsvm_svm_pte_size(pfns, npages - i, addr);
		vsvm_pt_map(&vm->pt, addr, size,
			    page_to_pfn(hmm_pfn_to_page(pfns[0])),
			    vsvm_svm_pte_prot(range, pfns[0]));
		i += vsvm_pte_size_bytes(size) >> PAGE_SHIFT;
	}
	if (range->flags.has_devmem_pages)
		vsvm_svm_touch_vram(range->pfns, npages);
}

/* Program the page table for a range: -EAGAIN if its pages went stale */
static int vsvm_svm_range_bind(struct vsvm_vm *vm,
			       struct vsvm_gpusvm_range *range)
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
	up_write(&vm->gpusvm.notifier_lock);

	vsvm_stat_add(vm->vdev, VSVM_STAT_US_BIND,
		      ktime_us_delta(ktime_get(), t0));
	trace_vsvm_bind(vm->id, start, end, range->flags.writable);
	return 0;
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
	WRITE_ONCE(vm->migrating_in, true);
	vsvm_migrate_vm_to_vram(vm, addr, start, start + attrs->granularity,
				&opts, &res);
	WRITE_ONCE(vm->migrating_in, false);
}

/*
 * Follow the memory attributes at @addr before filling the range: move the
 * granule around it to VRAM if they want it there.
 */
static int vsvm_svm_place(struct vsvm_vm *vm, struct vsvm_gpusvm_range *range,
			  u64 addr, u32 access, bool movable)
{
	struct vsvm_svm_range *srange = to_vsvm_range(range);
	struct drm_vsvm_mem_attrs attrs;
	bool atomic_vram;

	vsvm_attrs_get(vm, addr, &attrs);
	atomic_vram = attrs.atomic_policy == DRM_VSVM_ATOMIC_VRAM_ONLY;
	srange->atomic_anywhere = !atomic_vram;
	if (access & DRM_VSVM_ACCESS_ATOMIC && atomic_vram) {
		if (!movable)
			return -EFAULT;
		vsvm_svm_migrate_in(vm, addr, &attrs, true);
		return 0;
	}
	if (attrs.preferred_loc == DRM_VSVM_LOC_SYSTEM || !movable)
		return 0;
	if (time_before(jiffies, READ_ONCE(srange->backoff_until))) {
		vsvm_stat_inc(vm->vdev, VSVM_STAT_MIGRATE_BACKOFF);
		return 0;
	}
	vsvm_svm_migrate_in(vm, addr, &attrs, false);
	return 0;
}

/*
 * A GPU write met VRAM pages shared copy-on-write with another process:
 * move them to system memory, where the next hmm_range_fault() breaks COW.
 */
static int vsvm_svm_unshare_devmem(struct vsvm_vm *vm,
				   struct vsvm_gpusvm_range *range)
{
	unsigned long start = vsvm_gpusvm_range_start(range);
	unsigned long end = vsvm_gpusvm_range_end(range);
	struct vsvm_migrate_result res = {};
	struct vm_area_struct *vma;

	mmap_read_lock(vm->mm);
	vma = vma_lookup(vm->mm, start);
	if (vma && vma->vm_end >= end)
		vsvm_migrate_to_sys(&vm->vdev->vram, vma, start, end, NULL,
				    &res);
	mmap_read_unlock(vm->mm);
	return -EAGAIN;
}

/* Find or create the range at @addr and map it; SVM lock held */
static int vsvm_svm_fault_locked(struct vsvm_vm *vm, u64 addr, u32 access,
				 struct vsvm_gpusvm_ctx *ctx)
{
	struct vsvm_gpusvm_range *range;
	unsigned long vma_start, vma_end;
	bool movable;
	int ret;

	vsvm_svm_garbage_collector(vm);
	ret = vsvm_svm_check_vma(vm, addr, ctx->write, &vma_start, &vma_end,
				 &movable);
	if (ret)
		return ret;

	range = vsvm_gpusvm_range_find_or_insert(&vm->gpusvm, addr, vma_start,
						 vma_end);
	if (IS_ERR(range))
		return PTR_ERR(range);
	if (vsvm_gpusvm_range_start(range) < vma_start ||
	    vsvm_gpusvm_range_end(range) > vma_end) {
		/*
		 * The VMA was split (mprotect, mremap, ...) since the range was
		 * made: faulting the whole range could fail on the other part.
		 * Make a new range that fits.
		 */
		vsvm_svm_range_destroy(vm, range);
		range = vsvm_gpusvm_range_find_or_insert(&vm->gpusvm, addr,
							 vma_start, vma_end);
		if (IS_ERR(range))
			return PTR_ERR(range);
	}

	ret = vsvm_svm_place(vm, range, addr, access, movable);
	if (ret)
		return ret;
	do {
		ret = vsvm_gpusvm_range_get_pages(&vm->gpusvm, range, ctx);
		if (ret == -EROFS)
			ret = vsvm_svm_unshare_devmem(vm, range);
		if (!ret)
			ret = vsvm_svm_range_bind(vm, range);
		if (ret == -EAGAIN)
			ctx->retries++;
	} while (ret == -EAGAIN && time_before(jiffies, ctx->timeout));

	if (!ret)
		vsvm_svm_count_fault(vm, range, ctx);
	return ret == -EAGAIN ? -ETIMEDOUT : ret;
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
 * -ETIMEDOUT or -ECANCELED (the process is gone) if it cannot be resolved.
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
