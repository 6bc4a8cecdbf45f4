/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_QUERY_H_
#define _VSVM_QUERY_H_

#include <linux/types.h>

struct drm_vsvm_query;
struct drm_vsvm_query_device;
struct vsvm_device;

int vsvm_query_negotiate_size(u32 user_size, u32 min_size, u32 full_size,
			      u32 *copy_size);
void vsvm_query_fill_device(const struct vsvm_device *vdev,
			    struct drm_vsvm_query_device *info);
int vsvm_query_device(const struct vsvm_device *vdev,
		      struct drm_vsvm_query *args);

#endif /* _VSVM_QUERY_H_ */
