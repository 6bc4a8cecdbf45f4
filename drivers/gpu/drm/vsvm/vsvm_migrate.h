/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_MIGRATE_H_
#define _VSVM_MIGRATE_H_

#include <linux/mm_types.h>
#include <linux/types.h>

struct drm_vsvm_prefetch;
struct page;
struct vm_area_struct;
struct vsvm_vm;
struct vsvm_vram;
struct vsvm_vram_usage;

/**
 * struct vsvm_migrate_result - what happened to the pages of a migration
 *
 * Counts 4 KiB pages; the fields of &struct drm_vsvm_prefetch.
 */
struct vsvm_migrate_result {
	/** @moved: pages moved */
	u64 moved;
	/** @already: pages already where they were asked to go */
	u64 already;
	/** @unmapped: pages with no VMA */
	u64 unmapped;
	/** @unmovable: pages of a mapping that cannot move */
	u64 unmovable;
	/** @busy: pages the core mm did not hand over */
	u64 busy;
	/** @no_memory: pages for which no destination memory was found */
	u64 no_memory;
};

/**
 * struct vsvm_migrate_opts - how pages moved to VRAM behave there
 */
struct vsvm_migrate_opts {
	/** @usage: the file to charge, or NULL */
	struct vsvm_vram_usage *usage;
	/** @granule: bytes that move back to system memory together */
	unsigned long granule;
	/** @timeslice: jiffies the CPU must leave the pages in VRAM */
	unsigned long timeslice;
};

bool vsvm_migrate_vma_movable(struct vm_area_struct *vma);
int vsvm_migrate_to_vram(struct vsvm_vram *vram, struct vm_area_struct *vma,
			 unsigned long start, unsigned long end,
			 const struct vsvm_migrate_opts *opts,
			 struct vsvm_migrate_result *res);
int vsvm_migrate_to_sys(struct vsvm_vram *vram, struct vm_area_struct *vma,
			unsigned long start, unsigned long end,
			struct page *fault_page,
			struct vsvm_migrate_result *res);
vm_fault_t vsvm_migrate_to_ram(struct vm_fault *vmf);
int vsvm_migrate_vm_to_vram(struct vsvm_vm *vm, unsigned long addr,
			    unsigned long start, unsigned long end,
			    const struct vsvm_migrate_opts *opts,
			    struct vsvm_migrate_result *res);
void vsvm_vram_copy_in(struct vsvm_vram *vram, struct page *dpage,
		       struct page *spage);
void vsvm_vram_copy_out(struct vsvm_vram *vram, struct page *dpage,
			struct page *spage);
int vsvm_migrate_residency(struct vsvm_vm *vm, unsigned long start,
			   unsigned long npages, u8 *states);
int vsvm_prefetch(struct vsvm_vm *vm, struct drm_vsvm_prefetch *args);

#endif /* _VSVM_MIGRATE_H_ */
