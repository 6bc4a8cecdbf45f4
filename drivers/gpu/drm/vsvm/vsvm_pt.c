// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/bitfield.h>
#include <linux/gfp.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include <kunit/visibility.h>

#include "vsvm_pt.h"

/**
 * DOC: GPU page table
 *
 * Every memory access of an engine goes through the VM's emulated GPU page
 * table (&struct vsvm_pt), as on real hardware: the engine's MMU
 * (vsvm_mmu.c) translates a virtual address to a device address, the
 * address the device uses on its bus, and the command processor reaches
 * the memory behind it (vsvm_mmu_kmap()).  A device address is the DMA
 * address of a system page, or with VSVM_PTE_DEVMEM an offset into the
 * device's VRAM.  The table has two levels, a directory of 2 MiB slots and
 * tables of 512 entries, and maps 4 KiB, 64 KiB and 2 MiB pages.
 *
 * Only the SVM layer writes entries (vsvm_pt_map() after a GPU fault,
 * vsvm_pt_zap() on invalidation), always holding the VM's notifier lock for
 * writing.  Engines translate holding it for reading and keep at most a few
 * translations in a software TLB (&struct vsvm_tlb), tagged with
 * &vsvm_pt.tlb_gen.  vsvm_pt_tlb_invalidate() raises the generation: this is
 * the TLB shootdown, and because it happens under the notifier lock held for
 * writing, no engine is between a translation and its access when it does.
 */

#define VSVM_PT_ENTRIES		512
#define VSVM_PT_64K_ENTRIES	16

static u64 *vsvm_pt_table(struct vsvm_pt *pt, u64 addr)
{
	return xa_load(&pt->dir, addr >> PMD_SHIFT);
}

static unsigned int vsvm_pt_index(u64 addr)
{
	return (addr >> PAGE_SHIFT) & (VSVM_PT_ENTRIES - 1);
}

static u64 vsvm_pte_encode(u64 daddr, enum vsvm_pte_size size, u64 prot)
{
	return VSVM_PTE_VALID | FIELD_PREP(VSVM_PTE_SIZE_MASK, size) |
	       (prot & VSVM_PTE_PROT_MASK) | (daddr & VSVM_PTE_ADDR_MASK);
}

/**
 * vsvm_pt_init() - initialise an empty page table
 * @pt: the page table
 * @lock: the lock that will protect its entries
 */
void vsvm_pt_init(struct vsvm_pt *pt, struct rw_semaphore *lock)
{
	xa_init(&pt->dir);
	pt->lock = lock;
	pt->tlb_gen = 0;
	pt->num_tables = 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_init);

/**
 * vsvm_pt_fini() - free every table of a page table
 * @pt: the page table, which no engine uses any more
 */
void vsvm_pt_fini(struct vsvm_pt *pt)
{
	unsigned long index;
	u64 *table;

	xa_for_each(&pt->dir, index, table)
		free_page((unsigned long)table);
	xa_destroy(&pt->dir);
	pt->num_tables = 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_fini);

/**
 * vsvm_pt_prepare() - allocate the tables that map [@start, @end)
 * @pt: the page table
 * @start: first address
 * @end: end address, exclusive
 *
 * Called without @pt->lock, before the entries are written under it.
 *
 * Return: 0, or -ENOMEM.
 */
int vsvm_pt_prepare(struct vsvm_pt *pt, u64 start, u64 end)
{
	u64 addr;
	int ret;

	for (addr = ALIGN_DOWN(start, SZ_2M); addr < end; addr += SZ_2M) {
		void *table;

		if (vsvm_pt_table(pt, addr))
			continue;
		table = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!table)
			return -ENOMEM;
		ret = xa_insert(&pt->dir, addr >> PMD_SHIFT, table,
				GFP_KERNEL_ACCOUNT);
		if (ret) {
			free_page((unsigned long)table);
			if (ret != -EBUSY)
				return ret;
			continue;
		}
		xa_lock(&pt->dir);
		pt->num_tables++;
		xa_unlock(&pt->dir);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_prepare);

static bool vsvm_pt_table_empty(const u64 *table)
{
	unsigned int i;

	for (i = 0; i < VSVM_PT_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
}

/**
 * vsvm_pt_release() - free the empty tables among those mapping [@start, @end)
 * @pt: the page table
 * @start: first address
 * @end: end address, exclusive
 *
 * Context: @pt->lock held for writing: an engine may be reading a table.
 */
void vsvm_pt_release(struct vsvm_pt *pt, u64 start, u64 end)
{
	u64 addr;

	lockdep_assert_held_write(pt->lock);
	for (addr = ALIGN_DOWN(start, SZ_2M); addr < end; addr += SZ_2M) {
		u64 *table = vsvm_pt_table(pt, addr);

		if (!table || !vsvm_pt_table_empty(table))
			continue;
		xa_lock(&pt->dir);
		__xa_erase(&pt->dir, addr >> PMD_SHIFT);
		pt->num_tables--;
		xa_unlock(&pt->dir);
		free_page((unsigned long)table);
	}
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_release);

/**
 * vsvm_pt_map() - write the entry that maps @addr
 * @pt: the page table
 * @addr: virtual address, aligned to @size
 * @size: the size of the entry
 * @daddr: the device address of the first 4 KiB page, aligned to @size
 * @prot: VSVM_PTE_WRITE (allow writes), VSVM_PTE_ATOMIC (allow atomics),
 *	VSVM_PTE_DEVMEM (the memory is VRAM)
 *
 * The table must exist (vsvm_pt_prepare()).  A 64 KiB mapping writes its 16
 * entries, each with its own 4 KiB of the device addresses.
 *
 * Context: @pt->lock held for writing.
 */
void vsvm_pt_map(struct vsvm_pt *pt, u64 addr, enum vsvm_pte_size size,
		 u64 daddr, u64 prot)
{
	u64 *table = vsvm_pt_table(pt, addr);
	unsigned int i, n, first = vsvm_pt_index(addr);

	lockdep_assert_held_write(pt->lock);
	if (WARN_ON(!table || !IS_ALIGNED(addr, vsvm_pte_size_bytes(size)) ||
		    !IS_ALIGNED(daddr, vsvm_pte_size_bytes(size))))
		return;

	n = size == VSVM_PTE_SIZE_64K ? VSVM_PT_64K_ENTRIES : 1;
	for (i = 0; i < n; i++)
		WRITE_ONCE(table[first + i],
			   vsvm_pte_encode(daddr + i * SZ_4K, size, prot));
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_map);

/**
 * vsvm_pt_zap() - clear the entries that map [@start, @end)
 * @pt: the page table
 * @start: first address, 4 KiB aligned
 * @end: end address, exclusive, 4 KiB aligned
 *
 * A 2 MiB entry is cleared if its first page lies in the span.  The caller
 * zaps whole mappings: the SVM layer always zaps whole ranges, whose
 * alignment is at least that of their entries.  Translations cached by
 * engines stay usable until vsvm_pt_tlb_invalidate().
 *
 * Context: @pt->lock held for writing.
 * Return: the number of entries that were valid.
 */
unsigned long vsvm_pt_zap(struct vsvm_pt *pt, u64 start, u64 end)
{
	unsigned long zapped = 0;
	u64 addr = start;

	lockdep_assert_held_write(pt->lock);
	while (addr < end) {
		u64 *table = vsvm_pt_table(pt, addr);
		u64 next = min(ALIGN_DOWN(addr, SZ_2M) + SZ_2M, end);
		unsigned int i;

		if (table) {
			for (i = vsvm_pt_index(addr);
			     i <= vsvm_pt_index(next - 1); i++) {
				if (table[i] & VSVM_PTE_VALID)
					zapped++;
				WRITE_ONCE(table[i], 0);
			}
		}
		addr = next;
	}
	return zapped;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_zap);

/**
 * vsvm_pt_tlb_invalidate() - drop every translation engines have cached
 * @pt: the page table
 *
 * Context: @pt->lock held for writing.
 */
void vsvm_pt_tlb_invalidate(struct vsvm_pt *pt)
{
	lockdep_assert_held_write(pt->lock);
	WRITE_ONCE(pt->tlb_gen, pt->tlb_gen + 1);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_tlb_invalidate);

/**
 * vsvm_pt_translate() - walk the page table for @addr
 * @pt: the page table
 * @addr: the virtual address
 * @xlate: filled with the translation on success
 *
 * Context: @pt->lock held.  The translation is valid while it is held.
 * Return: true if a valid entry maps @addr.
 */
bool vsvm_pt_translate(struct vsvm_pt *pt, u64 addr,
		       struct vsvm_pt_xlate *xlate)
{
	u64 *table = vsvm_pt_table(pt, addr);
	unsigned long offset = 0;
	u64 pte;

	lockdep_assert_held(pt->lock);
	if (!table)
		return false;

	pte = READ_ONCE(table[0]);
	if ((pte & VSVM_PTE_VALID) &&
	    FIELD_GET(VSVM_PTE_SIZE_MASK, pte) == VSVM_PTE_SIZE_2M) {
		offset = vsvm_pt_index(addr);
	} else {
		pte = READ_ONCE(table[vsvm_pt_index(addr)]);
		if (!(pte & VSVM_PTE_VALID))
			return false;
	}

	xlate->daddr = (pte & VSVM_PTE_ADDR_MASK) + offset * SZ_4K;
	xlate->writable = pte & VSVM_PTE_WRITE;
	xlate->devmem = pte & VSVM_PTE_DEVMEM;
	xlate->atomic = pte & VSVM_PTE_ATOMIC;
	xlate->size = FIELD_GET(VSVM_PTE_SIZE_MASK, pte);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_translate);
