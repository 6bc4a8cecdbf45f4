// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>

#include "vsvm_drv.h"

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
 */

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
	return 0;
}

static const struct drm_debugfs_info vsvm_debugfs_list[] = {
	{ "vsvm_info", vsvm_debugfs_info_show, 0 },
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
