/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_MMU_H_
#define _VSVM_MMU_H_

#include <linux/types.h>

struct vsvm_job;

#define VSVM_TLB_ENTRIES	8

/**
 * struct vsvm_tlb - the translations an engine caches while it runs a job
 *
 * Direct-mapped by virtual page number.  An entry is used only while the
 * notifier lock is held for reading and only if its generation equals
 * &vsvm_pt.tlb_gen, so an invalidation (which raises the generation under
 * the lock held for writing) shoots all of them down.
 */
struct vsvm_tlb {
	/** @entry: the cached translations */
	struct {
		/** @entry.vpn: virtual page number */
		u64 vpn;
		/** @entry.gen: &vsvm_pt.tlb_gen when it was filled */
		u64 gen;
		/** @entry.daddr: the device address of the page */
		u64 daddr;
		/** @entry.writable: writes allowed */
		bool writable;
		/** @entry.atomic: atomics allowed */
		bool atomic;
		/** @entry.devmem: the page is VRAM */
		bool devmem;
		/** @entry.valid: the entry holds a translation */
		bool valid;
	} entry[VSVM_TLB_ENTRIES];
};

/**
 * struct vsvm_access - one address an operation needs translated
 * @addr: the virtual address
 * @access: DRM_VSVM_ACCESS_* bits
 * @daddr: out: the device address of the page that backs @addr
 * @devmem: out: @daddr is an offset into VRAM, reached through the
 *	backing store; otherwise it is the DMA address of a system page
 */
struct vsvm_access {
	u64 addr;
	u32 access;
	u64 daddr;
	bool devmem;
};

int vsvm_mmu_translate(struct vsvm_job *job, struct vsvm_access *a, int n);
void vsvm_mmu_release(struct vsvm_job *job);
void *vsvm_mmu_kmap(struct vsvm_job *job, const struct vsvm_access *a);
void vsvm_mmu_kunmap(const struct vsvm_access *a, void *vaddr);

#endif /* _VSVM_MMU_H_ */
