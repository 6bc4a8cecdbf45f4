// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/align.h>
#include <linux/errno.h>
#include <linux/export.h>

#include <kunit/visibility.h>

#include "vsvm_config.h"

/**
 * DOC: Configuration
 *
 * The module parameters ``num_devices``, ``num_engines`` and
 * ``vram_size_mb`` and ``job_timeout_ms`` seed a &struct vsvm_config.  The configuration is checked
 * by vsvm_config_validate() before anything is created, so a bad value makes
 * the module load fail with -EINVAL and a message naming the parameter,
 * instead of producing a half-working device.  Each device then receives its
 * own &struct vsvm_device_config as platform data.
 */

/**
 * vsvm_config_validate() - check a configuration against the driver's limits
 * @config: the configuration to check
 * @reason: set to a human-readable explanation when the check fails
 *
 * Return: 0 if the configuration can be used, -EINVAL otherwise.
 */
int vsvm_config_validate(const struct vsvm_config *config, const char **reason)
{
	if (config->num_devices < 1 || config->num_devices > VSVM_MAX_DEVICES) {
		*reason = "num_devices must be between 1 and 8";
		return -EINVAL;
	}
	if (config->num_engines < 1 || config->num_engines > VSVM_MAX_ENGINES) {
		*reason = "num_engines must be between 1 and 8";
		return -EINVAL;
	}
	if (!config->vram_size || config->vram_size > VSVM_MAX_VRAM_SIZE) {
		*reason = "vram_size_mb must be between 2 and 4096";
		return -EINVAL;
	}
	if (!IS_ALIGNED(config->vram_size, VSVM_VRAM_ALIGN)) {
		*reason = "vram_size_mb must be a multiple of 2";
		return -EINVAL;
	}
	if (!config->job_timeout_ms ||
	    config->job_timeout_ms > VSVM_MAX_JOB_TIMEOUT_MS) {
		*reason = "job_timeout_ms must be between 1 and 600000";
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_config_validate);

/**
 * vsvm_config_for_device() - derive the configuration of one device
 * @config: the validated module configuration
 * @index: index of the device, below @config->num_devices
 * @dev_config: filled with the device's configuration
 */
void vsvm_config_for_device(const struct vsvm_config *config, u32 index,
			    struct vsvm_device_config *dev_config)
{
	dev_config->index = index;
	dev_config->num_engines = config->num_engines;
	dev_config->vram_size = config->vram_size;
	dev_config->job_timeout_ms = config->job_timeout_ms;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_config_for_device);
