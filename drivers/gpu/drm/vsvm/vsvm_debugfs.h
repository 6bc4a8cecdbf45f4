/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_DEBUGFS_H_
#define _VSVM_DEBUGFS_H_

struct drm_minor;
struct vsvm_device;

void vsvm_debugfs_init(struct vsvm_device *vdev);
void vsvm_debugfs_minor_init(struct drm_minor *minor);

#endif /* _VSVM_DEBUGFS_H_ */
