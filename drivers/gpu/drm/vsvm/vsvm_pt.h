/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_PT_H_
#define _VSVM_PT_H_

#include <linux/bits.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/xarray.h>

/* Bits of a page table entry (the emulated hardware format) */
#define VSVM_PTE_VALID		BIT_ULL(0)
#define VSVM_PTE_WRITE		BIT_ULL(1)
#define VSVM_PTE_DEVMEM		BIT_ULL(2)
#define VSVM_PTE_SIZE_MASK	GENMASK_ULL(4, 3)
#define VSVM_PTE_ATOMIC		BIT_ULL(5)
#define VSVM_PTE_PROT_MASK	(VSVM_PTE_WRITE | VSVM_PTE_DEVMEM | \
				 VSVM_PTE_ATOMIC)
#define VSVM_PTE_ADDR_MASK	GENMASK_ULL(51, 12)

/**
 * enum vsvm_pte_size - the sizes one page table entry can map
 * @VSVM_PTE_SIZE_4K: one 4 KiB page
 * @VSVM_PTE_SIZE_64K: 16 entries of a table that map 64 KiB of physically
 *	contiguous memory together (a "contiguous" hint, as on arm64)
 * @VSVM_PTE_SIZE_2M: the first entry of a table maps all 2 MiB of it
 */
enum vsvm_pte_size {
	VSVM_PTE_SIZE_4K = 0,
	VSVM_PTE_SIZE_64K = 1,
	VSVM_PTE_SIZE_2M = 2,
};

/**
 * struct vsvm_pt - the emulated GPU page table of one VM
 *
 * Two levels: a directory with one slot per 2 MiB of virtual address space,
 * kept in an xarray, and tables of 512 entries of 4 KiB.  A 2 MiB mapping is
 * a single entry, the first of its table, with the 2M size.
 *
 * Tables are allocated by vsvm_pt_prepare() before entries are written,
 * because entries are written under @lock, which memory reclaim takes (the
 * MMU notifier path): nothing may allocate while holding it.
 */
struct vsvm_pt {
	/**
	 * @dir: the directory, indexed by address / 2 MiB, holding pointers
	 * to tables.  Slots are added by vsvm_pt_prepare() and removed by
	 * vsvm_pt_release(); the xarray's own lock covers its structure.
	 */
	struct xarray dir;
	/**
	 * @lock: the lock that protects the entries: held for writing to
	 * change entries or remove tables, for reading to translate.  It is
	 * the SVM notifier lock of the VM, owned by the caller.
	 */
	struct rw_semaphore *lock;
	/**
	 * @tlb_gen: generation of cached translations; raised by
	 * vsvm_pt_tlb_invalidate() after entries were zapped, so that
	 * translations cached by engines (&struct vsvm_tlb) are dropped.
	 * Written under @lock held for writing, read under @lock.
	 */
	u64 tlb_gen;
	/** @num_tables: tables allocated, under the xarray lock */
	unsigned long num_tables;
};

/**
 * struct vsvm_pt_xlate - the result of a translation
 * @daddr: the device address of the 4 KiB page that backs the address: a
 *	DMA address of system memory, or an offset into VRAM with @devmem
 * @writable: the entry allows writes
 * @devmem: the page is device memory (VRAM)
 * @atomic: the entry allows atomics
 * @size: the &enum vsvm_pte_size of the entry that maps it
 */
struct vsvm_pt_xlate {
	u64 daddr;
	bool writable;
	bool devmem;
	bool atomic;
	enum vsvm_pte_size size;
};

void vsvm_pt_init(struct vsvm_pt *pt, struct rw_semaphore *lock);
void vsvm_pt_fini(struct vsvm_pt *pt);
int vsvm_pt_prepare(struct vsvm_pt *pt, u64 start, u64 end);
void vsvm_pt_release(struct vsvm_pt *pt, u64 start, u64 end);
void vsvm_pt_map(struct vsvm_pt *pt, u64 addr, enum vsvm_pte_size size,
		 u64 daddr, u64 prot);
unsigned long vsvm_pt_zap(struct vsvm_pt *pt, u64 start, u64 end);
void vsvm_pt_tlb_invalidate(struct vsvm_pt *pt);
bool vsvm_pt_translate(struct vsvm_pt *pt, u64 addr,
		       struct vsvm_pt_xlate *xlate);

/**
 * vsvm_pte_size_bytes() - the bytes an entry of @size maps
 * @size: the entry size
 *
 * Return: 4 KiB, 64 KiB or 2 MiB.
 */
static inline u64 vsvm_pte_size_bytes(enum vsvm_pte_size size)
{
	switch (size) {
	case VSVM_PTE_SIZE_2M:
		return SZ_2M;
	case VSVM_PTE_SIZE_64K:
		return SZ_64K;
	default:
		return SZ_4K;
	}
}

#endif /* _VSVM_PT_H_ */
