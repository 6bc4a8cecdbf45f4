/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_IOCTL_H_
#define _VSVM_IOCTL_H_

#include <drm/drm_ioctl.h>
#include <uapi/drm/vsvm_drm.h>

struct file;

/* Entries of vsvm_ioctls[]: one past the highest ioctl number */
#define VSVM_NUM_IOCTLS		(DRM_VSVM_PREFETCH + 1)

extern const struct drm_ioctl_desc vsvm_ioctls[VSVM_NUM_IOCTLS];

long vsvm_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);
#ifdef CONFIG_COMPAT
long vsvm_compat_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);
#else
#define vsvm_compat_ioctl	NULL
#endif

#endif /* _VSVM_IOCTL_H_ */
