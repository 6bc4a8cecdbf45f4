/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * Helpers for the vsvm IGT tests.  As in IGT's own libraries, a function
 * named __foo() returns an error for the test to check, and foo() asserts
 * that the call succeeded.
 */

#ifndef VSVM_IGT_H
#define VSVM_IGT_H

#include <stdint.h>

#include "vsvm_drm.h"

#define VSVM_IGT_MODULE		"vsvm"

int vsvm_igt_count_devices(void);
int __vsvm_igt_open(unsigned int index);
int vsvm_igt_open(unsigned int index);

int __vsvm_query(int fd, struct drm_vsvm_query *query);
void vsvm_query_device(int fd, struct drm_vsvm_query_device *info);

unsigned int vsvm_igt_module_param(const char *name);
int vsvm_igt_reload(const char *options);

#endif /* VSVM_IGT_H */
