/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_VM_H_
#define _VSVM_VM_H_

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <uapi/drm/vsvm_drm.h>

#include "vsvm_gpusvm.h"
#include "vsvm_pt.h"

/* Unmapped parts an advised span remembers before it is dropped instead */
#define VSVM_ATTR_MAX_HOLES	4

/**
 * struct vsvm_attrs - the memory attributes of a VM (vsvm_attr.c)
 */
struct vsvm_attrs {
	/**
	 * @lock: protects @root, @count and @defaults.  Taken after
	 * &vsvm_gpusvm.lock, before the mmap lock.
	 */
	struct mutex lock;
	/** @root: the advised spans (&struct vsvm_attr_span); under @lock */
	struct rb_root_cached root;
	/** @count: spans in @root; under @lock */
	unsigned int count;
	/** @defaults: the attributes outside every span; under @lock */
	struct drm_vsvm_mem_attrs defaults;
	/** @dirty_lock: protects @dirty and the spans' holes */
	spinlock_t dirty_lock;
	/** @dirty: spans an unmap hit; under @dirty_lock */
	struct list_head dirty;
};

struct drm_device;
struct drm_file;
struct drm_vsvm_mem_attrs;
struct mm_struct;
struct vsvm_device;
struct vsvm_engine;
struct vsvm_file;

struct mem_cgroup;

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
 * enum vsvm_job_state - where a job is
 * @VSVM_JOB_PENDING: queued or running
 * @VSVM_JOB_FAILED: ended with an error (a job that succeeds is freed)
 */
enum vsvm_job_state {
	VSVM_JOB_PENDING,
	VSVM_JOB_FAILED,
};

#define VSVM_TLB_ENTRIES	8

/**
 * struct vsvm_tlb - the translations an engine caches while it runs a job
 *
 * Direct-mapped by virtual page number.  An entry is used only while the
 * notifier lock is held for reading and only if its generation equals
 * &vsvm_pt.tlb_gen, so an invalidation (which raises the generation under
 * the lock held for writing) shoots all of them down.
 */
struct vsvm_tlb {
	/** @entry: the cached translations */
	struct {
		/** @entry.vpn: virtual page number */
		u64 vpn;
		/** @entry.gen: &vsvm_pt.tlb_gen when it was filled */
		u64 gen;
		/** @entry.pfn: the page frame */
		unsigned long pfn;
		/** @entry.writable: writes allowed */
		bool writable;
		/** @entry.atomic: atomics allowed */
		bool atomic;
		/** @entry.devmem: the page is VRAM */
		bool devmem;
		/** @entry.valid: the entry holds a translation */
		bool valid;
	} entry[VSVM_TLB_ENTRIES];
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

/* vsvm_vm.c */
struct vsvm_vm *vsvm_vm_lookup(struct vsvm_file *vfile, u32 id);
struct vsvm_vm *vsvm_vm_get(struct vsvm_vm *vm);
bool vsvm_vm_is_closed(const struct vsvm_vm *vm);
int vsvm_vm_must_stop(const struct vsvm_vm *vm, unsigned long deadline);
struct vsvm_vm *vsvm_vm_lookup_owned(struct vsvm_file *vfile, u32 id);
void vsvm_vm_put(struct vsvm_vm *vm);
bool vsvm_vm_is_owner(const struct vsvm_vm *vm);
int vsvm_vm_create(struct vsvm_file *vfile, u32 *id);
int vsvm_vm_destroy(struct vsvm_file *vfile, u32 id);
int vsvm_vm_range_info(struct vsvm_vm *vm,
		       const struct drm_vsvm_range_info *args);

/* vsvm_attr.c */
void vsvm_attrs_init(struct vsvm_vm *vm);
void vsvm_attrs_fini(struct vsvm_vm *vm);
void vsvm_attrs_get(struct vsvm_vm *vm, unsigned long addr,
		    struct drm_vsvm_mem_attrs *attrs);
void vsvm_attrs_clamp(struct vsvm_vm *vm, unsigned long addr,
		      unsigned long *start, unsigned long *end);
int vsvm_attr_madvise(struct vsvm_vm *vm, const struct drm_vsvm_madvise *args);
int vsvm_attr_query(struct vsvm_vm *vm, struct drm_vsvm_attr_query *args);

/* vsvm_svm.c */
int vsvm_svm_init(struct vsvm_vm *vm);
void vsvm_svm_fini(struct vsvm_vm *vm);
int vsvm_svm_handle_fault(struct vsvm_vm *vm, u64 addr, u32 access,
			  unsigned long deadline);
void vsvm_svm_gc_work(struct work_struct *work);
void vsvm_svm_attrs_changed(struct vsvm_vm *vm, unsigned long start,
			    unsigned long end);

/* vsvm_engine.c */
int vsvm_engine_run_batch(struct vsvm_job *job);

/* vsvm_exec.c */
int vsvm_exec_submit(struct vsvm_vm *vm, struct vsvm_engine *engine,
		     struct drm_vsvm_exec *args);
int vsvm_wait(struct vsvm_vm *vm, struct drm_vsvm_wait *args);
int vsvm_job_check(struct vsvm_job *job);
void vsvm_fence_signal(void);

#endif /* _VSVM_VM_H_ */
