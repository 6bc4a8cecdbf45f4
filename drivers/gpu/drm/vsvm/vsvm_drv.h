/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_DRV_H_
#define _VSVM_DRV_H_

#include <linux/sizes.h>
#include <linux/types.h>

#include <drm/drm_device.h>

struct platform_device;
struct drm_vsvm_query_device;

#define VSVM_DRIVER_NAME	"vsvm"
#define VSVM_DRIVER_DESC	"Virtual GPU with shared virtual memory"
#define VSVM_DRIVER_DATE	"20261124"

/* uAPI version, see the changelog above struct drm_driver in vsvm_drv.c */
#define VSVM_UAPI_MAJOR		1
#define VSVM_UAPI_MINOR		0

/* Limits of the module parameters, checked by vsvm_config_validate() */
#define VSVM_MAX_DEVICES	8
#define VSVM_MAX_ENGINES	8
#define VSVM_VRAM_ALIGN		SZ_2M
#define VSVM_MAX_VRAM_SIZE	SZ_4G

/* GPU page sizes the emulated page table can map */
#define VSVM_PAGE_SIZES		(SZ_4K | SZ_64K | SZ_2M)

/* ---------------------------------------------------------------------
 * Configuration
 */

/**
 * struct vsvm_config - what the module creates, validated before use
 *
 * The module parameters only seed this structure; everything else reads the
 * configuration from here (and each device from its &vsvm_device_config).
 */
struct vsvm_config {
	/** @num_devices: number of DRM devices to create */
	u32 num_devices;
	/** @num_engines: execution engines per device */
	u32 num_engines;
	/** @vram_size: emulated VRAM per device, in bytes */
	u64 vram_size;
};

/**
 * struct vsvm_device_config - the configuration of one device
 *
 * Passed as platform data when the module registers the device, and copied
 * into &vsvm_device at probe.
 */
struct vsvm_device_config {
	/** @index: index of the device among those the module made, from 0 */
	u32 index;
	/** @num_engines: execution engines of the device */
	u32 num_engines;
	/** @vram_size: emulated VRAM of the device, in bytes */
	u64 vram_size;
};

int vsvm_config_validate(const struct vsvm_config *config, const char **reason);
void vsvm_config_for_device(const struct vsvm_config *config, u32 index,
			    struct vsvm_device_config *dev_config);

/* ---------------------------------------------------------------------
 * Device
 */

/**
 * struct vsvm_device - one emulated SVM GPU
 *
 * Allocated with devm_drm_dev_alloc() at probe.  Its fields are written only
 * before drm_dev_register() and are read-only afterwards, so they need no
 * lock.
 */
struct vsvm_device {
	/** @drm: the DRM device, the base of this structure */
	struct drm_device drm;
	/** @config: the device's configuration, constant after probe */
	struct vsvm_device_config config;
};

static inline struct vsvm_device *to_vsvm_device(struct drm_device *drm)
{
	return container_of(drm, struct vsvm_device, drm);
}

/* ---------------------------------------------------------------------
 * Queries (vsvm_query.c)
 */

int vsvm_query_negotiate_size(u32 user_size, u32 min_size, u32 full_size,
			      u32 *copy_size);
void vsvm_query_fill_device(const struct vsvm_device *vdev,
			    struct drm_vsvm_query_device *info);
int vsvm_query_ioctl(struct drm_device *drm, void *data,
		     struct drm_file *file);

/* ---------------------------------------------------------------------
 * debugfs (vsvm_debugfs.c)
 */

void vsvm_debugfs_init(struct vsvm_device *vdev);

#endif /* _VSVM_DRV_H_ */
