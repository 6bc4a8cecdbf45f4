/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_VM_H_
#define _VSVM_VM_H_

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "vsvm_attr.h"
#include "vsvm_config.h"
#include "vsvm_gpusvm.h"
#include "vsvm_pt.h"

struct drm_device;
struct drm_file;
struct drm_printer;
struct drm_vsvm_range_info;
struct mem_cgroup;
struct mm_struct;
struct vsvm_device;
struct vsvm_file;
struct vsvm_vram_usage;

/* Failed jobs a VM remembers for WAIT; older records are dropped first */
#define VSVM_VM_MAX_FAILED_JOBS	64

/**
 * struct vsvm_vm - a GPU address space mirroring one process
 *
 * Created by VM_CREATE, bound to the creating process's mm for its whole
 * life.  References are held by the file's VM table (until VM_DESTROY or
 * close), by every ioctl while it uses the VM, and by its jobs.  Destroying
 * the VM only closes it; everything is torn down when the last reference
 * goes (see "DOC: VMs" in vsvm_vm.c).
 */
struct vsvm_vm {
	/** @refcount: the VM is torn down and freed when it drops to zero */
	struct kref refcount;
	/** @vdev: the device; constant */
	struct vsvm_device *vdev;
	/**
	 * @vfile: the file that created the VM, referenced (its counters and
	 * VRAM usage outlive the DRM file while jobs still run); constant
	 */
	struct vsvm_file *vfile;
	/** @id: the VM's id in @vfile; constant */
	u32 id;
	/** @pid: thread group of the creator, for debugfs; constant */
	pid_t pid;
	/** @mm: the mirrored address space, held with mmgrab(); constant */
	struct mm_struct *mm;
	/**
	 * @memcg: the memory cgroup of @mm at creation, referenced; the
	 * allocations jobs and the garbage collector make for the VM are
	 * charged to it.  NULL without memory cgroups.  Constant.
	 */
	struct mem_cgroup *memcg;
	/** @gpusvm: the SVM state (ranges, notifiers, locks) */
	struct vsvm_gpusvm gpusvm;
	/**
	 * @pt: the GPU page table, protected by @gpusvm.notifier_lock
	 */
	struct vsvm_pt pt;
	/** @gc_lock: protects @gc_list; taken inside the notifier lock */
	spinlock_t gc_lock;
	/**
	 * @gc_list: unmapped ranges (&struct vsvm_svm_range.gc_link) waiting
	 * for the garbage collector; protected by @gc_lock
	 */
	struct list_head gc_list;
	/** @gc_work: runs the garbage collector outside of faults */
	struct work_struct gc_work;
	/** @attrs: the memory attributes (MADVISE) */
	struct vsvm_attrs attrs;
	/**
	 * @own_migrations: migrations the driver itself is making of this
	 * VM's pages (GPU faults, PREFETCH), so the invalidations they cause
	 * are not the CPU taking pages back.  Atomic.
	 */
	atomic_t own_migrations;
	/**
	 * @submit_lock: serialises EXEC's choice of a seqno with the store
	 * of its job into @jobs, which may drop the xarray lock to allocate
	 */
	struct mutex submit_lock;
	/**
	 * @jobs: jobs that have not completed successfully, by seqno: the
	 * pending ones and the failed ones, whose error WAIT reports.  The
	 * xarray's lock protects it, @last_seqno, @closed, @failed,
	 * @nr_failed, @forgotten_seqno and each job's state.
	 */
	struct xarray jobs;
	/**
	 * @last_seqno: seqno of the latest job; written under @submit_lock
	 * and the @jobs lock
	 */
	u64 last_seqno;
	/** @failed: failed jobs, oldest first; under the @jobs lock */
	struct list_head failed;
	/** @nr_failed: entries of @failed; under the @jobs lock */
	u32 nr_failed;
	/**
	 * @forgotten_seqno: the newest failed job whose record was dropped
	 * to keep @failed within VSVM_VM_MAX_FAILED_JOBS; under the @jobs
	 * lock
	 */
	u64 forgotten_seqno;
	/** @active_jobs: jobs queued or running */
	atomic_t active_jobs;
	/** @wq: woken when a job of the VM ends, for WAIT */
	wait_queue_head_t wq;
	/**
	 * @closed: set once by VM_DESTROY or close, under the @jobs lock:
	 * the VM takes no new job and no new work from ioctls, and its jobs
	 * stop.  READ_ONCE() elsewhere.
	 */
	bool closed;
	/** @dev_link: link in &vsvm_device.vms, under its lock */
	struct list_head dev_link;
};

/**
 * struct vsvm_file - what vsvm keeps per open file
 *
 * Freed with its last reference: the DRM file holds one until it is closed,
 * and each of its VMs holds one, since a closed VM may still be ending its
 * jobs, which account their time and VRAM here.
 */
struct vsvm_file {
	/** @ref: the file's own reference and one per VM */
	struct kref ref;
	/** @vdev: the device */
	struct vsvm_device *vdev;
	/** @vms: the file's VMs by id; the xarray's lock protects it */
	struct xarray vms;
	/** @engine_ns: time the file's jobs ran on each engine; atomic */
	atomic64_t engine_ns[VSVM_MAX_ENGINES];
	/** @vram_usage: VRAM allocated for the file's VMs, referenced */
	struct vsvm_vram_usage *vram_usage;
};

struct vsvm_vm *vsvm_vm_lookup(struct vsvm_file *vfile, u32 id);
struct vsvm_vm *vsvm_vm_get(struct vsvm_vm *vm);
bool vsvm_vm_is_closed(const struct vsvm_vm *vm);
int vsvm_vm_must_stop(const struct vsvm_vm *vm, unsigned long deadline);
struct vsvm_vm *vsvm_vm_lookup_owned(struct vsvm_file *vfile, u32 id);
void vsvm_vm_put(struct vsvm_vm *vm);
void vsvm_vms_unplug(struct vsvm_device *vdev);
bool vsvm_vm_is_owner(const struct vsvm_vm *vm);
int vsvm_vm_create(struct vsvm_file *vfile, u32 *id);
int vsvm_vm_destroy(struct vsvm_file *vfile, u32 id);
int vsvm_vm_range_info(struct vsvm_vm *vm,
		       const struct drm_vsvm_range_info *args);

int vsvm_file_open(struct drm_device *drm, struct drm_file *file);
void vsvm_file_put(struct vsvm_file *vfile);
void vsvm_file_postclose(struct drm_device *drm, struct drm_file *file);
void vsvm_file_show_fdinfo(struct drm_printer *p, struct drm_file *file);

#endif /* _VSVM_VM_H_ */
