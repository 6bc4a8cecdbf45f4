/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * libvsvm: userspace access to vsvm devices.
 *
 * Conventions: functions returning int return 0 or a negative errno value;
 * functions returning a pointer return NULL and set errno on failure.
 */

#ifndef LIBVSVM_VSVM_H
#define LIBVSVM_VSVM_H

#include <stdint.h>

#include <vsvm_drm.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The driver name of vsvm devices, as DRM_IOCTL_VERSION reports it. */
#define VSVM_DRIVER_NAME "vsvm"

/** An open vsvm device (a render node). */
struct vsvm_device;

/**
 * vsvm_device_count() - number of vsvm render nodes in /dev/dri
 *
 * Return: the count (possibly 0), or a negative errno value.
 */
int vsvm_device_count(void);

/**
 * vsvm_device_open() - open the @index-th vsvm render node
 * @index: from 0, in render-node order
 *
 * The device is found by driver name: other DRM devices are skipped.
 *
 * Return: the device, or NULL with errno set (ENODEV if there is no such
 * vsvm device).
 */
struct vsvm_device *vsvm_device_open(unsigned int index);

/** vsvm_device_close() - close a device; NULL is allowed. */
void vsvm_device_close(struct vsvm_device *dev);

/** vsvm_device_fd() - the device's file descriptor, for raw ioctls. */
int vsvm_device_fd(const struct vsvm_device *dev);

/** vsvm_device_path() - the device node's path, e.g. "/dev/dri/renderD128". */
const char *vsvm_device_path(const struct vsvm_device *dev);

/**
 * vsvm_query_device() - fetch the device's &struct drm_vsvm_query_device
 * @dev: the device
 * @info: filled in; fields the kernel does not know are left zero
 *
 * Return: 0 or a negative errno value.
 */
int vsvm_query_device(struct vsvm_device *dev,
		      struct drm_vsvm_query_device *info);

#ifdef __cplusplus
}
#endif

#endif /* LIBVSVM_VSVM_H */
