// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/dma-direct.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/sched.h>

#include <uapi/drm/vsvm_drm.h>

#include "vsvm_drv.h"
#include "vsvm_exec.h"
#include "vsvm_mmu.h"
#include "vsvm_pt.h"
#include "vsvm_svm.h"
#include "vsvm_vm.h"
#include "vsvm_vram.h"

/**
 * DOC: Emulated MMU
 *
 * The engines' MMU turns the GPU virtual addresses of an access into device
 * addresses through the VM's GPU page table, and raises a GPU page fault for
 * an address it cannot translate.  The command processor cuts each access
 * at page boundaries and, for each piece, asks for every address the piece
 * needs at once (vsvm_mmu_translate()): the MMU takes the VM's notifier
 * lock for reading and looks each address up, in the job's TLB (&struct
 * vsvm_tlb) or by walking the table (vsvm_pt_translate()).  If one is
 * missing, or its entry does not allow the access (a write on a read-only
 * entry, an atomic on one without VSVM_PTE_ATOMIC), it drops the lock,
 * raises a GPU page fault (vsvm_svm_handle_fault()) and tries again.  It
 * returns with every translation present and the lock held; the engine
 * then copies, fills or operates on the memory behind the device addresses
 * (vsvm_mmu_kmap()), and only then may the lock be
 * dropped, so an invalidation, which needs the lock for writing, can never
 * pull a page from under an access.  While translations keep hitting, the
 * MMU keeps the lock for up to VSVM_MMU_PAGES_PER_LOCK pages of one command
 * before it lets a waiting invalidation in (vsvm_mmu_release()): taking it
 * for every page made a mirrored copy several times slower.
 *
 * A TLB entry is used only while its generation is the page table's
 * (&vsvm_pt.tlb_gen), which an invalidation that zapped live entries
 * raises: the TLB shootdown.  Before it takes the lock the MMU checks
 * whether the job must stop (vsvm_job_check()); a fault that cannot be
 * resolved ends the job, its address and access recorded in the job for
 * WAIT.
 */

/* Pages an engine accesses before it lets an invalidation in */
#define VSVM_MMU_PAGES_PER_LOCK	32

static bool vsvm_access_writes(u32 access)
{
	return access & (DRM_VSVM_ACCESS_WRITE | DRM_VSVM_ACCESS_ATOMIC);
}

/* May a translation with these permissions serve @access? */
static bool vsvm_tlb_allows(bool writable, bool atomic, u32 access)
{
	if ((access & DRM_VSVM_ACCESS_ATOMIC) && !atomic)
		return false;
	return !vsvm_access_writes(access) || writable;
}

/* Translate one address without faulting; notifier lock held for reading */
static bool vsvm_mmu_lookup(struct vsvm_job *job, struct vsvm_access *a)
{
	struct vsvm_pt *pt = &job->vm->pt;
	u64 vpn = a->addr >> PAGE_SHIFT;
	typeof(job->tlb.entry[0]) *e = &job->tlb.entry[vpn % VSVM_TLB_ENTRIES];
	u64 gen = READ_ONCE(pt->tlb_gen);
	struct vsvm_pt_xlate xlate;

	if (!e->valid || e->vpn != vpn || e->gen != gen ||
	    !vsvm_tlb_allows(e->writable, e->atomic, a->access)) {
		if (!vsvm_pt_translate(pt, a->addr, &xlate))
			return false;
		e->vpn = vpn;
		e->gen = gen;
		e->daddr = xlate.daddr;
		e->writable = xlate.writable;
		e->atomic = xlate.atomic;
		e->devmem = xlate.devmem;
		e->valid = true;
		if (!vsvm_tlb_allows(e->writable, e->atomic, a->access))
			return false;
	}
	a->daddr = e->daddr;
	a->devmem = e->devmem;
	return true;
}

/* Translate @n addresses without faulting; *@miss is the first that failed */
static bool vsvm_mmu_lookup_all(struct vsvm_job *job, struct vsvm_access *a,
				int n, int *miss)
{
	for (*miss = 0; *miss < n; (*miss)++)
		if (!vsvm_mmu_lookup(job, &a[*miss]))
			return false;
	return true;
}

/* The fault that ends the job, for WAIT */
static void vsvm_mmu_record_fault(struct vsvm_job *job,
				  const struct vsvm_access *a)
{
	job->fault_addr = a->addr;
	job->fault_access = a->access;
}

/*
 * The system page behind a DMA address of @vdev.  vsvm's platform device
 * sits behind no IOMMU (vsvm_probe() checks), so its DMA addresses are those
 * of the direct mapping, which dma_to_phys() undoes.
 */
static struct page *vsvm_dma_to_page(struct vsvm_device *vdev, u64 daddr)
{
	return pfn_to_page(PHYS_PFN(dma_to_phys(vdev->drm.dev, daddr)));
}

/**
 * vsvm_mmu_kmap() - the kernel address of a translated page
 * @job: the running job
 * @a: an access vsvm_mmu_translate() translated
 *
 * This is where the emulated device's bus meets the CPU.  A VRAM offset
 * leads into the device's backing store.  A DMA address leads back to the
 * system page it was mapped from (vsvm_dma_to_page()), which is reached
 * through the kernel's mapping.  Undo with vsvm_mmu_kunmap().
 *
 * Context: the notifier lock held for reading, as vsvm_mmu_translate()
 * left it.
 * Return: the address of the start of the page.
 */
void *vsvm_mmu_kmap(struct vsvm_job *job, const struct vsvm_access *a)
{
	if (a->devmem)
		return vsvm_vram_offset_vaddr(&job->vm->vdev->vram, a->daddr);
	return kmap_local_page(vsvm_dma_to_page(job->vm->vdev, a->daddr));
}

/**
 * vsvm_mmu_kunmap() - end the use of an address vsvm_mmu_kmap() gave
 * @a: the access
 * @vaddr: what vsvm_mmu_kmap() returned for it
 */
void vsvm_mmu_kunmap(const struct vsvm_access *a, void *vaddr)
{
	if (!a->devmem)
		kunmap_local(vaddr);
}

/**
 * vsvm_mmu_release() - let invalidations in
 * @job: the running job
 *
 * Drops the notifier lock if vsvm_mmu_translate() left it held.
 */
void vsvm_mmu_release(struct vsvm_job *job)
{
	if (!job->holds_lock)
		return;
	up_read(&job->vm->gpusvm.notifier_lock);
	job->holds_lock = false;
	cond_resched();
}

/**
 * vsvm_mmu_translate() - translate the addresses of an access, faulting as
 *	needed
 * @job: the running job
 * @a: the addresses and the access each needs; their device addresses
 *	are filled in
 * @n: entries of @a
 *
 * Returns with the notifier lock held for reading.  The lock stays held
 * across calls while translations hit, for up to VSVM_MMU_PAGES_PER_LOCK
 * calls, so that a long copy does not take and drop it for every page;
 * vsvm_mmu_release() ends that.
 *
 * Return: 0 with the lock held, or without it the error that ends the
 * job: why it must stop (vsvm_job_check()), or the GPU fault's error, with
 * &vsvm_job.fault_addr and &vsvm_job.fault_access set.
 */
int vsvm_mmu_translate(struct vsvm_job *job, struct vsvm_access *a, int n)
{
	struct vsvm_vm *vm = job->vm;
	int miss, ret;

	if (job->holds_lock) {
		if (job->pages_under_lock < VSVM_MMU_PAGES_PER_LOCK &&
		    vsvm_mmu_lookup_all(job, a, n, &miss)) {
			job->pages_under_lock++;
			return 0;
		}
		vsvm_mmu_release(job);
	}

	for (;;) {
		ret = vsvm_job_check(job);
		if (ret)
			return ret;

		down_read(&vm->gpusvm.notifier_lock);
		if (vsvm_mmu_lookup_all(job, a, n, &miss)) {
			job->holds_lock = true;
			job->pages_under_lock = 1;
			return 0;
		}
		up_read(&vm->gpusvm.notifier_lock);

		ret = vsvm_svm_handle_fault(vm, a[miss].addr, a[miss].access,
					    job->deadline);
		if (ret) {
			vsvm_mmu_record_fault(job, &a[miss]);
			return ret;
		}
	}
}
