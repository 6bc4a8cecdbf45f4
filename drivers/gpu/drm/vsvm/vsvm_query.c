// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include <uapi/drm/vsvm_drm.h>

#include <kunit/visibility.h>

#include "vsvm_drv.h"
#include "vsvm_query.h"

/**
 * DOC: Queries
 *
 * DRM_IOCTL_VSVM_QUERY copies one information item to userspace.  Items are
 * versioned by size: fields are only appended, the kernel copies as much of
 * the item as both sides know (vsvm_query_negotiate_size()) and reports how
 * many bytes it wrote, so old userspace runs on new kernels and new userspace
 * can tell which fields an old kernel filled.  A size of zero asks for the
 * item's size without copying anything.
 */

/* Size of struct drm_vsvm_query_device in uAPI 1.0, the smallest accepted */
#define VSVM_QUERY_DEVICE_SIZE_V1 \
	offsetofend(struct drm_vsvm_query_device, features)

/**
 * vsvm_query_negotiate_size() - decide how much of a query item to copy
 * @user_size: size of the user's buffer, 0 to ask for the item's size
 * @min_size: the smallest size the item ever had
 * @full_size: the item's size in this kernel
 * @copy_size: set to the number of bytes to copy (0 for a size request)
 *
 * Return: 0 on success, -EINVAL if @user_size is non-zero but below
 * @min_size.
 */
int vsvm_query_negotiate_size(u32 user_size, u32 min_size, u32 full_size,
			      u32 *copy_size)
{
	if (!user_size) {
		*copy_size = 0;
		return 0;
	}
	if (user_size < min_size)
		return -EINVAL;

	*copy_size = min(user_size, full_size);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_query_negotiate_size);

/**
 * vsvm_query_fill_device() - describe a device for &DRM_VSVM_QUERY_DEVICE
 * @vdev: the device
 * @info: filled with the device's description
 */
void vsvm_query_fill_device(const struct vsvm_device *vdev,
			    struct drm_vsvm_query_device *info)
{
	memset(info, 0, sizeof(*info));
	info->uapi_major = VSVM_UAPI_MAJOR;
	info->uapi_minor = VSVM_UAPI_MINOR;
	info->device_index = vdev->config.index;
	info->num_engines = vdev->config.num_engines;
	info->vram_size = vdev->config.vram_size;
	info->page_sizes = VSVM_PAGE_SIZES;
	info->features = DRM_VSVM_FEATURE_SVM | DRM_VSVM_FEATURE_VRAM;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_query_fill_device);

static int vsvm_query_copy_out(struct drm_vsvm_query *args, const void *item,
			       u32 min_size, u32 full_size)
{
	u32 copy_size;
	int ret;

	ret = vsvm_query_negotiate_size(args->size, min_size, full_size,
					&copy_size);
	if (ret)
		return ret;

	if (!copy_size) {
		args->size = full_size;
		return 0;
	}
	if (copy_to_user(u64_to_user_ptr(args->data), item, copy_size))
		return -EFAULT;

	args->size = copy_size;
	return 0;
}

/**
 * vsvm_query_device() - answer a &DRM_VSVM_QUERY_DEVICE query
 * @vdev: the device
 * @args: the query, whose &drm_vsvm_query.size is the size of the user's
 *	buffer; set to the number of bytes written, or to the item's size
 *	for a size request
 *
 * Return: 0, -EINVAL for a buffer too small for the oldest version of the
 * item, or -EFAULT.
 */
int vsvm_query_device(const struct vsvm_device *vdev,
		      struct drm_vsvm_query *args)
{
	struct drm_vsvm_query_device info;

	vsvm_query_fill_device(vdev, &info);
	return vsvm_query_copy_out(args, &info, VSVM_QUERY_DEVICE_SIZE_V1,
				   sizeof(info));
}
