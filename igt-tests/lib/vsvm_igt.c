// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "igt_kmod.h"
#include "vsvm_igt.h"

static int vsvm_igt_is_vsvm(int fd)
{
	drmVersionPtr version = drmGetVersion(fd);
	int match;

	if (!version)
		return 0;
	match = !strcmp(version->name, VSVM_IGT_MODULE);
	drmFreeVersion(version);
	return match;
}

/* Opens render node @minor if it is a vsvm device, else returns -1. */
static int vsvm_igt_open_minor(int minor)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && !vsvm_igt_is_vsvm(fd)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Render minors are 128..191; vsvm devices are found by driver name. */
static int vsvm_igt_find(unsigned int index)
{
	int minor, fd;

	for (minor = 128; minor < 192; minor++) {
		fd = vsvm_igt_open_minor(minor);
		if (fd < 0)
			continue;
		if (!index--)
			return fd;
		close(fd);
	}
	return -ENODEV;
}

/**
 * vsvm_igt_count_devices() - number of vsvm render nodes
 */
int vsvm_igt_count_devices(void)
{
	int count = 0;
	int fd;

	while ((fd = vsvm_igt_find(count)) >= 0) {
		close(fd);
		count++;
	}
	return count;
}

/**
 * __vsvm_igt_open() - open the @index-th vsvm render node
 * @index: from 0
 *
 * Returns: the fd, or -ENODEV if there is no such device.
 */
int __vsvm_igt_open(unsigned int index)
{
	return vsvm_igt_find(index);
}

/**
 * vsvm_igt_open() - open the @index-th vsvm render node, skipping the test if
 * it does not exist
 * @index: from 0
 */
int vsvm_igt_open(unsigned int index)
{
	int fd = __vsvm_igt_open(index);

	igt_require_f(fd >= 0, "no vsvm device %u\n", index);
	return fd;
}

/**
 * __vsvm_query() - DRM_IOCTL_VSVM_QUERY
 * @fd: a vsvm device
 * @query: the argument, updated by the kernel
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_query(int fd, struct drm_vsvm_query *query)
{
	if (igt_ioctl(fd, DRM_IOCTL_VSVM_QUERY, query))
		return -errno;
	errno = 0;
	return 0;
}

/**
 * vsvm_query_device() - fetch &struct drm_vsvm_query_device, asserting that
 * the kernel fills all of it
 * @fd: a vsvm device
 * @info: the answer
 */
void vsvm_query_device(int fd, struct drm_vsvm_query_device *info)
{
	struct drm_vsvm_query query = {
		.item = DRM_VSVM_QUERY_DEVICE,
		.data = to_user_pointer(info),
		.size = sizeof(*info),
	};

	memset(info, 0, sizeof(*info));
	igt_assert_eq(__vsvm_query(fd, &query), 0);
	igt_assert_eq_u32(query.size, sizeof(*info));
}

/**
 * vsvm_igt_module_param() - read a numeric parameter of the loaded module
 * @name: the parameter
 */
unsigned int vsvm_igt_module_param(const char *name)
{
	char path[128];
	unsigned int value;
	FILE *file;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 VSVM_IGT_MODULE, name);
	file = fopen(path, "r");
	igt_assert_f(file, "cannot read %s: %s\n", path, strerror(errno));
	ret = fscanf(file, "%u", &value);
	fclose(file);
	igt_assert_eq(ret, 1);
	return value;
}

/**
 * vsvm_igt_reload() - unload the vsvm module and load it with @options
 * @options: module parameters, or NULL for the defaults
 *
 * Returns: 0, or the negative errno of the failed load.
 */
int vsvm_igt_reload(const char *options)
{
	igt_assert_eq(igt_kmod_unload(VSVM_IGT_MODULE, 0), 0);
	return igt_kmod_load(VSVM_IGT_MODULE, options);
}
