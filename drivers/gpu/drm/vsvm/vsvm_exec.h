/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_EXEC_H_
#define _VSVM_EXEC_H_

#include <linux/list.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "vsvm_mmu.h"

struct drm_vsvm_exec;
struct drm_vsvm_wait;
struct vsvm_device;
struct vsvm_engine;
struct vsvm_vm;

/**
 * enum vsvm_job_state - where a job is
 * @VSVM_JOB_PENDING: queued or running
 * @VSVM_JOB_FAILED: ended with an error (a job that succeeds is freed)
 */
enum vsvm_job_state {
	VSVM_JOB_PENDING,
	VSVM_JOB_FAILED,
};

/**
 * struct vsvm_job - one batch submitted by EXEC
 */
struct vsvm_job {
	/** @work: runs the job on its engine's workqueue */
	struct work_struct work;
	/** @vm: the VM, referenced while the job runs */
	struct vsvm_vm *vm;
	/** @engine: the engine that runs it */
	struct vsvm_engine *engine;
	/** @seqno: the job's number in @vm */
	u64 seqno;
	/** @batch_addr: address of the batch */
	u64 batch_addr;
	/** @batch_size: bytes of the batch */
	u32 batch_size;
	/** @cmd_offset: offset of the command being run */
	u32 cmd_offset;
	/** @deadline: jiffies after which the job is stopped */
	unsigned long deadline;
	/** @state: &enum vsvm_job_state, under the lock of &vsvm_vm.jobs */
	enum vsvm_job_state state;
	/**
	 * @failed_link: link in &vsvm_vm.failed once the job failed; under
	 * the lock of &vsvm_vm.jobs
	 */
	struct list_head failed_link;
	/**
	 * @fail_nth: a copy of the submitter's pending /proc fail-nth count,
	 * which the job's worker runs with, so that fault injection reaches
	 * the allocations the job makes (CONFIG_FAULT_INJECTION)
	 */
	unsigned int fail_nth;
	/** @error: positive errno of a failed job */
	u32 error;
	/** @fault_access: DRM_VSVM_ACCESS_* of the fault that ended it */
	u32 fault_access;
	/** @fault_addr: address of the fault that ended it */
	u64 fault_addr;
	/** @tlb: the engine's TLB while the job runs */
	struct vsvm_tlb tlb;
	/**
	 * @holds_lock: the engine holds the VM's notifier lock for reading
	 * between two accesses of one command
	 */
	bool holds_lock;
	/** @pages_under_lock: accesses made since it took the lock */
	u32 pages_under_lock;
};

int vsvm_engines_init(struct vsvm_device *vdev);
int vsvm_exec_submit(struct vsvm_vm *vm, struct vsvm_engine *engine,
		     struct drm_vsvm_exec *args);
int vsvm_wait(struct vsvm_vm *vm, struct drm_vsvm_wait *args);
int vsvm_job_check(struct vsvm_job *job);
void vsvm_fence_signal(void);

#endif /* _VSVM_EXEC_H_ */
