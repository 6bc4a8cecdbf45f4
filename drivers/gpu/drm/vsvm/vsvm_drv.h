/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_DRV_H_
#define _VSVM_DRV_H_

#include <linux/atomic.h>
#include <linux/container_of.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include <drm/drm_device.h>

#include "vsvm_config.h"
#include "vsvm_vram.h"

struct workqueue_struct;

#define VSVM_DRIVER_NAME	"vsvm"
#define VSVM_DRIVER_DESC	"Virtual GPU with shared virtual memory"

/* uAPI version, see the changelog above struct drm_driver in vsvm_drv.c */
#define VSVM_UAPI_MAJOR		1
#define VSVM_UAPI_MINOR		3

/* GPU page sizes the emulated page table can map */
#define VSVM_PAGE_SIZES		(SZ_4K | SZ_64K | SZ_2M)

/* ---------------------------------------------------------------------
 * Statistics
 */

/**
 * enum vsvm_stat - device counters, shown in debugfs ``vsvm_counters``
 * @VSVM_STAT_FAULTS_4K: GPU faults resolved on a 4 KiB range
 * @VSVM_STAT_FAULTS_64K: GPU faults resolved on a 64 KiB range
 * @VSVM_STAT_FAULTS_2M: GPU faults resolved on a 2 MiB range
 * @VSVM_STAT_FAULT_PAGES: pages hmm_range_fault() returned for GPU faults
 * @VSVM_STAT_FAULT_READ: GPU faults for reading
 * @VSVM_STAT_FAULT_WRITE: GPU faults for writing (atomics included)
 * @VSVM_STAT_FAULT_RETRIES: times a fault started again because an
 *	invalidation raced with it
 * @VSVM_STAT_FAULT_UNRESOLVED: GPU faults that ended their job
 * @VSVM_STAT_FAULT_NARROWED: GPU faults tried again over a smaller range
 *	because a page beside the faulting one could not be faulted in
 * @VSVM_STAT_INVALIDATIONS: notifier invalidations that hit a range
 * @VSVM_STAT_TLB_SHOOTDOWNS: invalidations that zapped live entries and so
 *	flushed the engines' TLBs
 * @VSVM_STAT_RANGES_ALIVE: ranges that exist now
 * @VSVM_STAT_RANGES_GC: ranges removed by the garbage collector
 * @VSVM_STAT_RANGES_SPLIT: partially unmapped ranges rebuilt as smaller ones
 * @VSVM_STAT_JOBS_SUBMITTED: jobs queued by EXEC
 * @VSVM_STAT_JOBS_COMPLETED: jobs that ended without error
 * @VSVM_STAT_JOBS_FAILED: jobs that ended with an error
 * @VSVM_STAT_US_FAULT: microseconds spent handling GPU faults
 * @VSVM_STAT_US_HMM: of which in hmm_range_fault()
 * @VSVM_STAT_US_BIND: of which writing page table entries
 * @VSVM_STAT_US_INVALIDATE: microseconds spent in invalidation callbacks
 * @VSVM_STAT_MIGRATE_TO_VRAM: migrations that moved pages to VRAM
 * @VSVM_STAT_MIGRATE_TO_SYS: migrations that moved pages to system memory
 * @VSVM_STAT_MIGRATE_PAGES_TO_VRAM: pages moved to VRAM
 * @VSVM_STAT_MIGRATE_PAGES_TO_SYS: pages moved to system memory
 * @VSVM_STAT_MIGRATE_BYTES_TO_VRAM: bytes moved to VRAM
 * @VSVM_STAT_MIGRATE_BYTES_TO_SYS: bytes moved to system memory
 * @VSVM_STAT_MIGRATE_4K: migrations of less than 64 KiB
 * @VSVM_STAT_MIGRATE_64K: migrations of 64 KiB up to 2 MiB
 * @VSVM_STAT_MIGRATE_2M: migrations of 2 MiB
 * @VSVM_STAT_MIGRATE_PARTIAL: migrations that moved fewer pages than they
 *	collected or wanted
 * @VSVM_STAT_CPU_FAULTS_VRAM: CPU faults on VRAM pages (migrate_to_ram)
 * @VSVM_STAT_EVICTIONS: VRAM allocations evicted
 * @VSVM_STAT_EVICT_PAGES: pages eviction moved to system memory
 * @VSVM_STAT_MIGRATE_BACKOFF: GPU faults that left a range in system
 *	memory because the CPU had just taken it back (ping-pong guard)
 * @VSVM_STAT_VRAM_ALLOC_FAIL: VRAM allocations that failed
 * @VSVM_STAT_US_MIGRATE_TO_VRAM: microseconds spent moving pages to VRAM
 * @VSVM_STAT_US_MIGRATE_TO_SYS: microseconds spent moving pages back
 * @VSVM_STAT_COUNT: number of counters
 */
enum vsvm_stat {
	VSVM_STAT_FAULTS_4K,
	VSVM_STAT_FAULTS_64K,
	VSVM_STAT_FAULTS_2M,
	VSVM_STAT_FAULT_PAGES,
	VSVM_STAT_FAULT_READ,
	VSVM_STAT_FAULT_WRITE,
	VSVM_STAT_FAULT_RETRIES,
	VSVM_STAT_FAULT_UNRESOLVED,
	VSVM_STAT_FAULT_NARROWED,
	VSVM_STAT_INVALIDATIONS,
	VSVM_STAT_TLB_SHOOTDOWNS,
	VSVM_STAT_RANGES_ALIVE,
	VSVM_STAT_RANGES_GC,
	VSVM_STAT_RANGES_SPLIT,
	VSVM_STAT_JOBS_SUBMITTED,
	VSVM_STAT_JOBS_COMPLETED,
	VSVM_STAT_JOBS_FAILED,
	VSVM_STAT_US_FAULT,
	VSVM_STAT_US_HMM,
	VSVM_STAT_US_BIND,
	VSVM_STAT_US_INVALIDATE,
	VSVM_STAT_MIGRATE_TO_VRAM,
	VSVM_STAT_MIGRATE_TO_SYS,
	VSVM_STAT_MIGRATE_PAGES_TO_VRAM,
	VSVM_STAT_MIGRATE_PAGES_TO_SYS,
	VSVM_STAT_MIGRATE_BYTES_TO_VRAM,
	VSVM_STAT_MIGRATE_BYTES_TO_SYS,
	VSVM_STAT_MIGRATE_4K,
	VSVM_STAT_MIGRATE_64K,
	VSVM_STAT_MIGRATE_2M,
	VSVM_STAT_MIGRATE_PARTIAL,
	VSVM_STAT_CPU_FAULTS_VRAM,
	VSVM_STAT_EVICTIONS,
	VSVM_STAT_EVICT_PAGES,
	VSVM_STAT_MIGRATE_BACKOFF,
	VSVM_STAT_VRAM_ALLOC_FAIL,
	VSVM_STAT_US_MIGRATE_TO_VRAM,
	VSVM_STAT_US_MIGRATE_TO_SYS,
	VSVM_STAT_COUNT
};

/* ---------------------------------------------------------------------
 * Device
 */

/**
 * struct vsvm_engine - one execution engine of a device
 *
 * An ordered workqueue: jobs run one at a time in submission order.
 */
struct vsvm_engine {
	/** @index: index of the engine in its device */
	u32 index;
	/** @wq: runs the engine's jobs; created at probe, never changes */
	struct workqueue_struct *wq;
};

/**
 * struct vsvm_device - one emulated SVM GPU
 *
 * Allocated with devm_drm_dev_alloc() at probe.  @config and @engines are
 * written only before drm_dev_register() and are read-only afterwards.
 */
struct vsvm_device {
	/** @drm: the DRM device, the base of this structure */
	struct drm_device drm;
	/** @config: the device's configuration, constant after probe */
	struct vsvm_device_config config;
	/** @engines: the first @config.num_engines are in use */
	struct vsvm_engine engines[VSVM_MAX_ENGINES];
	/** @stats: counters, &enum vsvm_stat; atomic, no lock */
	atomic64_t stats[VSVM_STAT_COUNT];
	/** @vms_lock: protects @vms */
	struct mutex vms_lock;
	/** @vms: the device's VMs, for debugfs; protected by @vms_lock */
	struct list_head vms;
	/** @vram: the device's emulated VRAM */
	struct vsvm_vram vram;
};

static inline struct vsvm_device *to_vsvm_device(struct drm_device *drm)
{
	return container_of(drm, struct vsvm_device, drm);
}

/**
 * vsvm_stat_add() - add to a device counter
 * @vdev: the device
 * @stat: the counter
 * @value: what to add
 */
static inline void vsvm_stat_add(struct vsvm_device *vdev,
				 enum vsvm_stat stat, s64 value)
{
	atomic64_add(value, &vdev->stats[stat]);
}

/**
 * vsvm_stat_inc() - count one event
 * @vdev: the device
 * @stat: the counter
 */
static inline void vsvm_stat_inc(struct vsvm_device *vdev, enum vsvm_stat stat)
{
	atomic64_inc(&vdev->stats[stat]);
}

/**
 * vsvm_fail_nth_swap() - set the task's /proc fail-nth count, return the old
 * @fail_nth: the new count
 *
 * Lets a job's worker run with its submitter's count, and keeps fault
 * injection out of code whose error paths the kernel gets wrong.
 *
 * Return: the count before; 0 without CONFIG_FAULT_INJECTION.
 */
static inline unsigned int vsvm_fail_nth_swap(unsigned int fail_nth)
{
#ifdef CONFIG_FAULT_INJECTION
	unsigned int old = current->fail_nth;

	current->fail_nth = fail_nth;
	return old;
#else
	return 0;
#endif
}

#endif /* _VSVM_DRV_H_ */
