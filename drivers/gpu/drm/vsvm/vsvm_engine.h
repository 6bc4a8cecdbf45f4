/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_ENGINE_H_
#define _VSVM_ENGINE_H_

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
		/** @entry.pfn: the page frame */
		unsigned long pfn;
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

int vsvm_engine_run_batch(struct vsvm_job *job);

#endif /* _VSVM_ENGINE_H_ */
