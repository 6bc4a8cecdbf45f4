/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_ENGINE_H_
#define _VSVM_ENGINE_H_

#include <linux/types.h>

struct vsvm_job;

int vsvm_engine_run_batch(struct vsvm_job *job);

#endif /* _VSVM_ENGINE_H_ */
