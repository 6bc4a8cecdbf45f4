// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "vsvm_config.h"
#include "vsvm_debugfs.h"
#include "vsvm_drv.h"
#include "vsvm_exec.h"
#include "vsvm_ioctl.h"
#include "vsvm_vm.h"
#include "vsvm_vram.h"

/**
 * DOC: Overview
 *
 * vsvm is a DRM driver for a virtual GPU that needs no hardware.  It exists to
 * give userspace, core mm and CI a complete shared-virtual-memory (SVM) GPU:
 * one that works on the process's own pointers, mirrors the CPU page tables
 * with hmm_range_fault(), stays coherent through mmu_interval_notifier
 * invalidation and migrates pages to emulated VRAM built from
 * MEMORY_DEVICE_PRIVATE memory.
 *
 * Devices are created the way a real platform driver would see them: the
 * module registers a platform driver and then one platform device per
 * configured GPU (``vsvm.0``, ``vsvm.1``, ...).  Probe allocates a
 * &struct vsvm_device with devm_drm_dev_alloc() and registers a DRM device
 * with a render node.  Remove unplugs it: drm_dev_unplug() waits for every
 * ioctl and every running job, all of which run inside drm_dev_enter(), and
 * from then on every ioctl of an open file answers -ENODEV and every job
 * ends with -ENODEV.  Only then does remove evict the device's VRAM, moving
 * the data of processes that outlive their files back to system memory, and
 * free it.  The VMs of files still open stay until those files close, but
 * can do nothing more.  Unbinding through sysfs and module unload use the
 * same path, and binding again creates a new device.
 */

/**
 * DOC: Locking
 *
 * The locks, outermost first.  A lock may be taken while holding only locks
 * above it in this list:
 *
 * 1. &vsvm_device.vms_lock (mutex): the device's list of VMs, for debugfs.
 * 2. &vsvm_gpusvm.lock (mutex, one per VM), the SVM lock: serialises GPU
 *    fault handling, the garbage collector and teardown of one VM, and with
 *    them every creation and removal of ranges and notifiers.  Held across
 *    hmm_range_fault() and across migrations to VRAM on a GPU fault, so it
 *    is taken outside the mmap lock.
 * 3. &vsvm_attrs.lock (mutex, one per VM), the attribute lock: the VM's
 *    memory attributes (the MADVISE spans).  The fault handler takes it
 *    under the SVM lock; MADVISE, ATTR_QUERY and PREFETCH take it alone.
 *    Under it the spans' mmu_interval_notifiers are inserted and removed,
 *    and inserting one can take the mmap lock, so it is taken outside the
 *    mmap lock.
 * 4. &mm_struct.mmap_lock (read): VMA lookups, hmm_range_fault() and
 *    migrate_vma_setup().  Core mm also calls the notifiers with it held
 *    (munmap, mprotect, ...) and calls the pagemap's migrate_to_ram() with
 *    it (or the VMA lock) held.
 * 5. &vsvm_vram.lock (mutex, one per device): the VRAM buddy allocator,
 *    the chunks' backing store and the writes of their reverse map
 *    (&vsvm_vram_chunk.owners, read without it).  Taken with the mmap
 *    lock held when a migration allocates VRAM, and alone by the work
 *    item that frees VRAM and by debugfs.  The allocator allocates memory
 *    under it, so memory reclaim, and the notifier callbacks reclaim can
 *    call, may run inside it: it is never taken under a notifier lock.
 *    Eviction runs outside it.
 * 6. &vsvm_gpusvm.notifier_lock (rw_semaphore, one per VM), the notifier
 *    lock: protects the GPU page table, the validity of the ranges' pages
 *    and the range and notifier trees.  The invalidation callback holds it
 *    for writing, and so does every page-table update; engines hold it for
 *    reading from translating an address to the end of the access.  The
 *    callback can run inside memory reclaim, so no memory is allocated under
 *    this lock (page tables are allocated before it is taken), and lockdep is
 *    told so when each VM is created.  Eviction takes the notifier locks of
 *    whichever VMs mirror the pages it moves while the allocating VM holds
 *    its mmap lock (and, on a GPU fault, its SVM lock): the same order.
 * 7. &vsvm_vm.gc_lock (spinlock), &vsvm_attrs.dirty_lock (spinlock, taken
 *    by the attribute spans' notifier callbacks) and the xarray locks of
 *    &vsvm_vm.jobs and &vsvm_file.vms: leaves.
 * 8. &vsvm_vram.lru_lock (spinlock, one per device): the VRAM LRU.
 *    Innermost: taken under the notifier lock when the GPU maps VRAM pages
 *    and from the pagemap's folio_free(), which core mm may call in atomic
 *    context; nothing is taken under it.
 *
 * The device's own fields are written by probe, before drm_dev_register()
 * publishes it, and are read-only from then on.  What can change under an
 * ioctl is the device's presence: remove calls drm_dev_unplug(), and every
 * ioctl, and every job while it runs, brackets its work with
 * drm_dev_enter()/drm_dev_exit(), answering -ENODEV once the device is gone.
 * Engines and their workqueues live until the DRM device is released, after
 * the last file is closed; destroying the workqueues waits for the last
 * jobs, which may drop the last references to closed VMs.  Closing a file
 * closes its VMs without waiting for their jobs.
 *
 * The lifetime of a VM is its reference count (see "DOC: VMs"): every ioctl
 * holds a reference from its lookup to its end, every job holds one, and
 * the last one tears the VM down, so no ioctl ever works on a VM whose
 * state is being freed.
 *
 * No lock is held while an engine waits for its GPU fault to be serviced,
 * and the CPU fault path, the pagemap's migrate_to_ram()
 * (vsvm_migrate_to_ram()), takes none of vsvm's locks: it runs with what
 * core mm holds (the mmap or VMA lock for reading and the faulting page's
 * lock).  The only vsvm locks taken inside it are those of callbacks: the
 * notifier locks and attribute dirty locks of the invalidation callbacks
 * that its migrate_vma_setup() calls, and the LRU lock of folio_free() as
 * its VRAM pages are freed, all in their place below the mmap lock.  So a
 * CPU and the GPU faulting on the same memory cannot deadlock; races are
 * settled by the notifier sequence and a retry.  Waiting out a VRAM-only
 * atomic's timeslice there holds no vsvm lock either.
 *
 * A VRAM page's lock (the struct page lock, taken by migrate_vma and
 * migrate_device_range()) guards its bit in &vsvm_vram.resident: moves
 * set and clear it while they hold both pages of a migration locked, and
 * the evictor reads it once it holds the page; see "DOC: Emulated VRAM".
 *
 * Module parameters are read once, by module init, and copied into each
 * device's configuration; nothing reads them afterwards.
 */

static unsigned int num_devices = 1;
module_param(num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Number of vsvm devices to create (1-8, default 1)");

static unsigned int num_engines = 2;
module_param(num_engines, uint, 0444);
MODULE_PARM_DESC(num_engines, "Execution engines per device (1-8, default 2)");

static unsigned int vram_size_mb = 256;
module_param(vram_size_mb, uint, 0444);
MODULE_PARM_DESC(vram_size_mb, "Emulated VRAM per device in MiB (multiple of 2, 2-4096, default 256)");

static unsigned int job_timeout_ms = 10000;
module_param(job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms, "Longest a GPU job may run, in ms (1-600000, default 10000)");

static struct platform_device *vsvm_pdevs[VSVM_MAX_DEVICES];

static const struct file_operations vsvm_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = vsvm_ioctl,
	.compat_ioctl = vsvm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.show_fdinfo = drm_show_fdinfo,
	/* DRM files use the whole unsigned range of offsets (drm_open_helper) */
	.fop_flags = FOP_UNSIGNED_OFFSET,
};

/*
 * uAPI version history (DRM_IOCTL_VERSION and DRM_VSVM_QUERY_DEVICE):
 *
 * 1.0 - DRM_IOCTL_VSVM_QUERY with DRM_VSVM_QUERY_DEVICE.
 * 1.1 - Shared virtual memory: DRM_IOCTL_VSVM_VM_CREATE, _VM_DESTROY, _EXEC,
 *       _WAIT and _RANGE_INFO; batches of NOP, STORE, FILL, COPY, BLIT2D and
 *       ATOMIC commands; feature bit DRM_VSVM_FEATURE_SVM.
 * 1.2 - VRAM and migration: DRM_IOCTL_VSVM_MADVISE, _ATTR_QUERY and
 *       _PREFETCH; DRM_VSVM_RANGE_INFO_RESIDENCY; feature bit
 *       DRM_VSVM_FEATURE_VRAM.
 * 1.3 - Lifetime and progress: VM_DESTROY returns without waiting for the
 *       VM's jobs; EXEC answers -ENOENT for a VM destroyed under it, and
 *       EXEC and VM_CREATE answer -EFAULT before doing anything when their
 *       result cannot be written back; jobs end with ENODEV when the
 *       device is unplugged; user-fence WAIT sees GPU writes of every VM
 *       and device at once and CPU writes within 10 ms; WAIT answers
 *       -ENODATA for a job no newer than the last failed-job record it
 *       dropped (a VM keeps 64); MADVISE is
 *       all or nothing; mlock()ed memory stays in system memory.
 */
static const struct drm_driver vsvm_drm_driver = {
	.driver_features = DRIVER_RENDER,
	.open = vsvm_file_open,
	.postclose = vsvm_file_postclose,
	.show_fdinfo = vsvm_file_show_fdinfo,
	.debugfs_init = vsvm_debugfs_minor_init,
	.ioctls = vsvm_ioctls,
	.num_ioctls = VSVM_NUM_IOCTLS,
	.fops = &vsvm_fops,
	.name = VSVM_DRIVER_NAME,
	.desc = VSVM_DRIVER_DESC,
	.major = VSVM_UAPI_MAJOR,
	.minor = VSVM_UAPI_MINOR,
};

/*
 * The emulated device masters the whole physical address space with no
 * IOMMU in between: its DMA addresses are those of the direct mapping,
 * which the engines turn back into pages (see "DOC: Emulated MMU").
 */
static int vsvm_dma_init(struct device *dev)
{
	if (device_iommu_mapped(dev)) {
		dev_err(dev, "vsvm cannot work behind an IOMMU\n");
		return -EOPNOTSUPP;
	}
	return dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
}

static int vsvm_probe(struct platform_device *pdev)
{
	const struct vsvm_device_config *config = dev_get_platdata(&pdev->dev);
	struct vsvm_device *vdev;
	int ret;

	if (!config)
		return -EINVAL;
	ret = vsvm_dma_init(&pdev->dev);
	if (ret)
		return ret;

	vdev = devm_drm_dev_alloc(&pdev->dev, &vsvm_drm_driver,
				  struct vsvm_device, drm);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	vdev->config = *config;
	INIT_LIST_HEAD(&vdev->vms);
	ret = drmm_mutex_init(&vdev->drm, &vdev->vms_lock);
	if (ret)
		return ret;
	ret = vsvm_engines_init(vdev);
	if (ret)
		return ret;
	ret = vsvm_vram_init(&vdev->vram, vdev, config->vram_size);
	if (ret)
		return ret;
	platform_set_drvdata(pdev, vdev);
	vsvm_debugfs_init(vdev);

	ret = drm_dev_register(&vdev->drm, 0);
	if (ret) {
		vsvm_vram_fini(&vdev->vram);
		return ret;
	}

	drm_info(&vdev->drm, "vsvm device %u: %llu MiB VRAM, %u engines\n",
		 config->index, config->vram_size / SZ_1M,
		 config->num_engines);
	return 0;
}

static void vsvm_remove(struct platform_device *pdev)
{
	struct vsvm_device *vdev = platform_get_drvdata(pdev);

	/* Waits for the ioctls and jobs inside the device to leave it. */
	drm_dev_unplug(&vdev->drm);
	/* Files may outlive the device: nothing stays mapped for it. */
	vsvm_vms_unplug(vdev);
	/* Processes may outlive their files: their VRAM pages move back. */
	vsvm_vram_fini(&vdev->vram);
}

static struct platform_driver vsvm_platform_driver = {
	.probe = vsvm_probe,
	.remove = vsvm_remove,
	.driver = {
		.name = VSVM_DRIVER_NAME,
		.probe_type = PROBE_FORCE_SYNCHRONOUS,
	},
};

static void vsvm_unregister_devices(void)
{
	int i;

	for (i = VSVM_MAX_DEVICES - 1; i >= 0; i--) {
		if (vsvm_pdevs[i])
			platform_device_unregister(vsvm_pdevs[i]);
		vsvm_pdevs[i] = NULL;
	}
}

static int vsvm_register_device(const struct vsvm_config *config, u32 index)
{
	struct vsvm_device_config dev_config;
	struct platform_device *pdev;

	vsvm_config_for_device(config, index, &dev_config);
	pdev = platform_device_register_data(NULL, VSVM_DRIVER_NAME, index,
					     &dev_config, sizeof(dev_config));
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);

	vsvm_pdevs[index] = pdev;

	/* Probe is synchronous: a device without a driver failed to probe. */
	if (!device_is_bound(&pdev->dev))
		return -ENODEV;
	return 0;
}

static int vsvm_register_devices(const struct vsvm_config *config)
{
	u32 i;
	int ret;

	for (i = 0; i < config->num_devices; i++) {
		ret = vsvm_register_device(config, i);
		if (ret) {
			pr_err("vsvm: creating device %u failed: %d\n", i, ret);
			vsvm_unregister_devices();
			return ret;
		}
	}
	return 0;
}

static int __init vsvm_init(void)
{
	const struct vsvm_config config = {
		.num_devices = num_devices,
		.num_engines = num_engines,
		.vram_size = (u64)vram_size_mb * SZ_1M,
		.job_timeout_ms = job_timeout_ms,
	};
	const char *reason;
	int ret;

	/*
	 * Bad parameters are input errors of whoever loads the module, like a
	 * bad ioctl argument: refuse with -EINVAL and say why, below warning
	 * level, since nothing is wrong with the kernel.
	 */
	ret = vsvm_config_validate(&config, &reason);
	if (ret) {
		pr_notice("vsvm: invalid module parameters: %s\n", reason);
		return ret;
	}

	ret = platform_driver_register(&vsvm_platform_driver);
	if (ret)
		return ret;

	ret = vsvm_register_devices(&config);
	if (ret)
		platform_driver_unregister(&vsvm_platform_driver);
	return ret;
}

static void __exit vsvm_exit(void)
{
	vsvm_unregister_devices();
	platform_driver_unregister(&vsvm_platform_driver);
}

module_init(vsvm_init);
module_exit(vsvm_exit);

MODULE_AUTHOR("The vsvm authors");
MODULE_DESCRIPTION("vsvm: virtual GPU with shared virtual memory");
MODULE_LICENSE("GPL");
