// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>

#include "vsvm_debugfs.h"
#include "vsvm_drv.h"
#include "vsvm_gpusvm.h"
#include "vsvm_pt.h"
#include "vsvm_vm.h"
#include "vsvm_vram.h"

/**
 * DOC: debugfs
 *
 * Each device has the DRM debugfs directory
 * ``/sys/kernel/debug/dri/<unique>/`` (``<unique>`` is the platform device
 * name, ``vsvm.<index>``; the numbered ``dri/<minor>`` entries point to it).
 * vsvm adds:
 *
 * ``vsvm_info``
 *	The device's configuration and uAPI version, one ``key: value`` per
 *	line.
 *
 * ``vsvm_counters``
 *	The device's counters (&enum vsvm_stat), one ``name value`` per line:
 *	GPU faults by range size and by access, pages faulted, retries,
 *	unresolved faults, invalidations, TLB shootdowns, ranges alive,
 *	collected and split, jobs, and the microseconds spent handling faults
 *	(of which in hmm_range_fault() and in writing page tables) and
 *	invalidating.  Counters only grow, except ``ranges_alive``.
 *
 * ``vsvm_vms``
 *	Every VM of the device with its creator's pid, the page tables it
 *	has, the system pages mapped for the device's DMA now
 *	(``dma_pages``), and its ranges: start, end, whether their pages are
 *	valid and writable, and whether they wait for the garbage collector.
 */

static const char *const vsvm_stat_names[VSVM_STAT_COUNT] = {
	[VSVM_STAT_FAULTS_4K] = "faults_4k",
	[VSVM_STAT_FAULTS_64K] = "faults_64k",
	[VSVM_STAT_FAULTS_2M] = "faults_2m",
	[VSVM_STAT_FAULT_PAGES] = "fault_pages",
	[VSVM_STAT_FAULT_READ] = "fault_read",
	[VSVM_STAT_FAULT_WRITE] = "fault_write",
	[VSVM_STAT_FAULT_RETRIES] = "fault_retries",
	[VSVM_STAT_FAULT_UNRESOLVED] = "fault_unresolved",
	[VSVM_STAT_FAULT_NARROWED] = "fault_narrowed",
	[VSVM_STAT_INVALIDATIONS] = "invalidations",
	[VSVM_STAT_TLB_SHOOTDOWNS] = "tlb_shootdowns",
	[VSVM_STAT_RANGES_ALIVE] = "ranges_alive",
	[VSVM_STAT_RANGES_GC] = "ranges_gc",
	[VSVM_STAT_RANGES_SPLIT] = "ranges_split",
	[VSVM_STAT_JOBS_SUBMITTED] = "jobs_submitted",
	[VSVM_STAT_JOBS_COMPLETED] = "jobs_completed",
	[VSVM_STAT_JOBS_FAILED] = "jobs_failed",
	[VSVM_STAT_US_FAULT] = "us_fault",
	[VSVM_STAT_US_HMM] = "us_hmm",
	[VSVM_STAT_US_BIND] = "us_bind",
	[VSVM_STAT_US_INVALIDATE] = "us_invalidate",
	[VSVM_STAT_MIGRATE_TO_VRAM] = "migrate_to_vram",
	[VSVM_STAT_MIGRATE_TO_SYS] = "migrate_to_sys",
	[VSVM_STAT_MIGRATE_PAGES_TO_VRAM] = "migrate_pages_to_vram",
	[VSVM_STAT_MIGRATE_PAGES_TO_SYS] = "migrate_pages_to_sys",
	[VSVM_STAT_MIGRATE_BYTES_TO_VRAM] = "migrate_bytes_to_vram",
	[VSVM_STAT_MIGRATE_BYTES_TO_SYS] = "migrate_bytes_to_sys",
	[VSVM_STAT_MIGRATE_4K] = "migrate_4k",
	[VSVM_STAT_MIGRATE_64K] = "migrate_64k",
	[VSVM_STAT_MIGRATE_2M] = "migrate_2m",
	[VSVM_STAT_MIGRATE_PARTIAL] = "migrate_partial",
	[VSVM_STAT_CPU_FAULTS_VRAM] = "cpu_faults_vram",
	[VSVM_STAT_EVICTIONS] = "evictions",
	[VSVM_STAT_EVICT_PAGES] = "evict_pages",
	[VSVM_STAT_MIGRATE_BACKOFF] = "migrate_backoff",
	[VSVM_STAT_VRAM_ALLOC_FAIL] = "vram_alloc_fail",
	[VSVM_STAT_US_MIGRATE_TO_VRAM] = "us_migrate_to_vram",
	[VSVM_STAT_US_MIGRATE_TO_SYS] = "us_migrate_to_sys",
};

static int vsvm_debugfs_counters_show(struct seq_file *m, void *unused)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_device *vdev = to_vsvm_device(entry->dev);
	int i;

	for (i = 0; i < VSVM_STAT_COUNT; i++)
		seq_printf(m, "%s %lld\n", vsvm_stat_names[i],
			   (s64)atomic64_read(&vdev->stats[i]));
	return 0;
}

static void vsvm_debugfs_show_vm(struct seq_file *m, struct vsvm_vm *vm)
{
	struct vsvm_gpusvm_notifier *notifier;
	struct vsvm_gpusvm_range *range;

	seq_printf(m, "vm %u pid %d tables %lu dma_pages %ld\n", vm->id,
		   vm->pid, vm->pt.num_tables,
		   atomic_long_read(&vm->gpusvm.dma_pages));
	mutex_lock(&vm->gpusvm.lock);
	down_read(&vm->gpusvm.notifier_lock);
	list_for_each_entry(notifier, &vm->gpusvm.notifier_list, entry) {
		list_for_each_entry(range, &notifier->range_list, entry)
			seq_printf(m, "  [0x%lx, 0x%lx) %s%s%s\n",
				   vsvm_gpusvm_range_start(range),
				   vsvm_gpusvm_range_end(range),
				   range->flags.has_pages ? "pages" : "empty",
				   range->flags.writable ? " rw" : "",
				   range->flags.unmapped ? " unmapped" : "");
	}
	up_read(&vm->gpusvm.notifier_lock);
	mutex_unlock(&vm->gpusvm.lock);
}

static int vsvm_debugfs_vms_show(struct seq_file *m, void *unused)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_device *vdev = to_vsvm_device(entry->dev);
	struct vsvm_vm *vm;

	mutex_lock(&vdev->vms_lock);
	list_for_each_entry(vm, &vdev->vms, dev_link)
		vsvm_debugfs_show_vm(m, vm);
	mutex_unlock(&vdev->vms_lock);
	return 0;
}

static int vsvm_debugfs_info_show(struct seq_file *m, void *unused)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_device *vdev = to_vsvm_device(entry->dev);

	seq_printf(m, "uapi_version: %d.%d\n", VSVM_UAPI_MAJOR,
		   VSVM_UAPI_MINOR);
	seq_printf(m, "device_index: %u\n", vdev->config.index);
	seq_printf(m, "num_engines: %u\n", vdev->config.num_engines);
	seq_printf(m, "vram_size: %llu\n", vdev->config.vram_size);
	seq_printf(m, "page_sizes: 0x%x\n", VSVM_PAGE_SIZES);
	seq_printf(m, "job_timeout_ms: %u\n", vdev->config.job_timeout_ms);
	return 0;
}

static int vsvm_debugfs_vram_show(struct seq_file *m, void *unused)
{
	struct drm_debugfs_entry *entry = m->private;
	struct vsvm_device *vdev = to_vsvm_device(entry->dev);
	struct drm_printer p = drm_seq_file_printer(m);

	vsvm_vram_print(&vdev->vram, &p);
	return 0;
}

static int vsvm_debugfs_fail_alloc_get(void *data, u64 *val)
{
	struct vsvm_device *vdev = data;

	*val = atomic_read(&vdev->vram.fail_alloc);
	return 0;
}

static int vsvm_debugfs_fail_alloc_set(void *data, u64 val)
{
	struct vsvm_device *vdev = data;

	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&vdev->vram.fail_alloc, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(vsvm_debugfs_fail_alloc_fops,
			 vsvm_debugfs_fail_alloc_get,
			 vsvm_debugfs_fail_alloc_set, "%llu\n");

static const struct drm_debugfs_info vsvm_debugfs_list[] = {
	{ "vsvm_info", vsvm_debugfs_info_show, 0 },
	{ "vsvm_counters", vsvm_debugfs_counters_show, 0 },
	{ "vsvm_vms", vsvm_debugfs_vms_show, 0 },
	{ "vsvm_vram", vsvm_debugfs_vram_show, 0 },
};

/**
 * vsvm_debugfs_init() - register the device's debugfs files
 * @vdev: the device, before drm_dev_register()
 *
 * The DRM core creates the files when the device is registered and removes
 * them with it.
 */
void vsvm_debugfs_init(struct vsvm_device *vdev)
{
	drm_debugfs_add_files(&vdev->drm, vsvm_debugfs_list,
			      ARRAY_SIZE(vsvm_debugfs_list));
}

/**
 * vsvm_debugfs_minor_init() - &drm_driver.debugfs_init: writable files
 * @minor: the minor being registered
 *
 * Adds ``vram_fail_alloc``: writing N makes the next N VRAM allocations
 * fail as if VRAM were full and nothing could be evicted, to test the
 * fallback to system memory.
 */
void vsvm_debugfs_minor_init(struct drm_minor *minor)
{
	debugfs_create_file_unsafe("vram_fail_alloc", 0600,
				   minor->debugfs_root,
				   to_vsvm_device(minor->dev),
				   &vsvm_debugfs_fail_alloc_fops);
}
