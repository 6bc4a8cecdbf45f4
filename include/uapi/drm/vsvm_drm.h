/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _UAPI_VSVM_DRM_H_
#define _UAPI_VSVM_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: vsvm uAPI overview
 *
 * vsvm is a software-emulated GPU that works on the submitting process's own
 * virtual addresses (shared virtual memory).  Its device nodes are DRM render
 * nodes whose driver name, as reported by DRM_IOCTL_VERSION, is ``vsvm``.
 *
 * Every ioctl follows the same rules:
 *
 * - structures use only fixed-size types, are naturally aligned with
 *   explicit padding and have a size that is a multiple of 8 bytes;
 * - every flag not defined here and every non-zero pad or reserved field is
 *   rejected with -EINVAL, so that each can be given a meaning later;
 * - user pointers are passed as __u64;
 * - a device that has been unplugged answers -ENODEV.
 *
 * The uAPI version is the DRM driver version (DRM_IOCTL_VERSION) and is also
 * returned by &DRM_VSVM_QUERY_DEVICE.  Its minor number is raised for every
 * addition, see the changelog above the driver's struct drm_driver.
 */

/*
 * Ioctl numbers, relative to DRM_COMMAND_BASE.  Numbers are never reused.
 */
#define DRM_VSVM_QUERY			0x00

#define DRM_IOCTL_VSVM_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_QUERY, struct drm_vsvm_query)

/**
 * enum drm_vsvm_query_item - what &struct drm_vsvm_query asks for
 * @DRM_VSVM_QUERY_DEVICE: device information, returned as
 *	&struct drm_vsvm_query_device
 */
enum drm_vsvm_query_item {
	DRM_VSVM_QUERY_DEVICE = 0,
};

/**
 * struct drm_vsvm_query - argument of DRM_IOCTL_VSVM_QUERY
 *
 * Copies one information item (&enum drm_vsvm_query_item) to the user
 * buffer at @data, with size negotiation:
 *
 * - with @size 0 the kernel only writes the item's full size to @size;
 * - with @size smaller than the smallest size the item ever had, the call
 *   fails with -EINVAL;
 * - otherwise the kernel copies min(@size, item size) bytes and writes that
 *   number back to @size.  An older kernel thus fills the fields it knows of
 *   a newer, larger structure and says how many bytes are valid; bytes beyond
 *   the returned @size are left untouched.
 *
 * Errors: -EINVAL for an unknown @item, a non-zero @flags or @pad, or a
 * @size that is too small; -EFAULT if @data cannot be written.
 */
struct drm_vsvm_query {
	/** @item: one of &enum drm_vsvm_query_item */
	__u32 item;

	/** @flags: no flags are defined, must be zero */
	__u32 flags;

	/** @data: user pointer to the buffer that receives the item */
	__u64 data;

	/**
	 * @size: in: size of the buffer at @data in bytes, or 0 to ask for the
	 * item's size; out: the number of bytes written, or the item's size
	 */
	__u32 size;

	/** @pad: must be zero */
	__u32 pad;
};

/**
 * DRM_VSVM_PAGE_SIZE_4K - the 4 KiB GPU page size in &drm_vsvm_query_device.page_sizes
 */
#define DRM_VSVM_PAGE_SIZE_4K		(1ULL << 12)
/**
 * DRM_VSVM_PAGE_SIZE_64K - the 64 KiB GPU page size in &drm_vsvm_query_device.page_sizes
 */
#define DRM_VSVM_PAGE_SIZE_64K		(1ULL << 16)
/**
 * DRM_VSVM_PAGE_SIZE_2M - the 2 MiB GPU page size in &drm_vsvm_query_device.page_sizes
 */
#define DRM_VSVM_PAGE_SIZE_2M		(1ULL << 21)

/**
 * struct drm_vsvm_query_device - answer to &DRM_VSVM_QUERY_DEVICE
 *
 * Fields are only ever appended; a field lies within the valid part of the
 * answer if it ends at or before the @size returned by the query.
 */
struct drm_vsvm_query_device {
	/** @uapi_major: uAPI major version; incompatible changes raise it */
	__u32 uapi_major;

	/** @uapi_minor: uAPI minor version; every addition raises it */
	__u32 uapi_minor;

	/**
	 * @device_index: index of this device among the vsvm devices created
	 * by the module, from 0
	 */
	__u32 device_index;

	/** @num_engines: number of execution engines of the device */
	__u32 num_engines;

	/** @vram_size: size of the device's emulated VRAM in bytes */
	__u64 vram_size;

	/**
	 * @page_sizes: GPU page sizes the device's page tables can map, as a
	 * mask of sizes: bit n set means pages of 2^n bytes
	 * (DRM_VSVM_PAGE_SIZE_4K and so on)
	 */
	__u64 page_sizes;

	/**
	 * @features: mask of optional capabilities of the device.  No bit is
	 * defined in uAPI version 1.0; bits are added with later minor
	 * versions, and userspace must ignore bits it does not know.
	 */
	__u64 features;
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VSVM_DRM_H_ */
