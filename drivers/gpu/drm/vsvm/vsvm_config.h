/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_CONFIG_H_
#define _VSVM_CONFIG_H_

#include <linux/sizes.h>
#include <linux/types.h>

/* Limits of the module parameters, checked by vsvm_config_validate() */
#define VSVM_MAX_DEVICES	8
#define VSVM_MAX_ENGINES	8
#define VSVM_VRAM_ALIGN		SZ_2M
#define VSVM_MAX_VRAM_SIZE	SZ_4G
#define VSVM_MAX_JOB_TIMEOUT_MS	600000

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
	/** @job_timeout_ms: longest a job may run, in milliseconds */
	u32 job_timeout_ms;
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
	/** @job_timeout_ms: longest a job may run, in milliseconds */
	u32 job_timeout_ms;
};

int vsvm_config_validate(const struct vsvm_config *config, const char **reason);
void vsvm_config_for_device(const struct vsvm_config *config, u32 index,
			    struct vsvm_device_config *dev_config);

#endif /* _VSVM_CONFIG_H_ */
