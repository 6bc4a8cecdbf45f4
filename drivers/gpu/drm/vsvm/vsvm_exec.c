// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/drm_utils.h>
#include <uapi/drm/vsvm_drm.h>

#include "vsvm_drv.h"
#include "vsvm_engine.h"
#include "vsvm_exec.h"
#include "vsvm_vm.h"

/**
 * DOC: Jobs and completion
 *
 * EXEC queues a job on one of the device's engines, each an ordered
 * workqueue, and returns its sequence number in the VM.  The job runs in the
 * engine's worker: it fetches and executes the batch (vsvm_engine.c),
 * servicing its own GPU page faults (vsvm_mmu.c).  Its time is limited by the module
 * parameter ``job_timeout_ms``, counted from when it starts, so a job that
 * faults forever or walks a huge mapping ends with -ETIMEDOUT instead of
 * holding the engine.
 *
 * No dma_fence is ever published for a job.  A job can fault, and servicing
 * a fault allocates memory; a dma_fence must signal without allocating,
 * since memory reclaim may wait for it (see "Indefinite DMA Fences" and
 * "Recoverable Hardware Page Faults Implications" in
 * Documentation/driver-api/dma-buf.rst).  Like xe's long-running VMs, vsvm
 * reports completion through memory instead: the batch ends with a STORE
 * (a user fence) that the CPU can poll, and WAIT sleeps until a user fence
 * holds a value or until a job, by sequence number, has ended.
 *
 * A job that succeeds is forgotten at once.  A job that fails is kept in
 * its VM with its error (which command, which address, which access) so
 * that WAIT can report it, until the VM is destroyed; a VM keeps the
 * records of its last VSVM_VM_MAX_FAILED_JOBS failed jobs.  Once it has
 * dropped one, it cannot tell a success from a dropped failure for any job
 * up to that one (&vsvm_vm.forgotten_seqno), and WAIT answers -ENODATA for
 * them, whether they failed or not; later jobs are answered as usual.
 * Jobs and their records are charged to the submitting process's memory
 * cgroup.
 *
 * A job runs in a kernel worker, but on behalf of the VM's process: the
 * worker charges everything it allocates for the job (ranges, page arrays,
 * GPU page tables, and the CPU page tables hmm_range_fault() fills in) to
 * the memory cgroup of the VM's mm, with set_active_memcg().  Pages of the
 * process itself are charged to its cgroup by the core mm in any case.  A
 * memory policy set on the memory with mbind() applies to the pages the
 * GPU's faults allocate, since the core mm takes it from the VMA; one set
 * on the process with set_mempolicy() does not, since the kernel offers no
 * way to run a worker under another task's policy.  With
 * CONFIG_FAULT_INJECTION, the worker also runs the job with a copy of what
 * was left of the submitter's /proc/<pid>/fail-nth count when EXEC queued
 * it, so that fault injection reaches the allocations a job makes: with
 * fail-nth armed at N before EXEC, and EXEC itself taking K chances to
 * fail, the job's (N - K)th one fails.  The submitter's own count is left
 * as it is.
 *
 * A job runs inside drm_dev_enter(): unplugging the device waits for the
 * running jobs, which see the unplug at their next check and end with
 * -ENODEV; jobs that had not started end with -ENODEV at once.
 *
 * WAIT for a user fence sleeps on one wait queue shared by every vsvm
 * device, which each GPU STORE and ATOMIC wakes, so a fence written by any
 * job of any VM or device is seen at once.  A fence the CPU writes wakes
 * nobody: the waiter reads the fence again every VSVM_FENCE_POLL_MS
 * milliseconds, which bounds how late it sees it.
 */

/* How often a user-fence WAIT reads the fence again, for CPU writes */
#define VSVM_FENCE_POLL_MS	10

static DECLARE_WAIT_QUEUE_HEAD(vsvm_fence_wq);

/**
 * vsvm_fence_signal() - wake the user-fence waiters of every device
 *
 * Called after every GPU write that may be a fence: STORE and ATOMIC.
 */
void vsvm_fence_signal(void)
{
	wake_up_all(&vsvm_fence_wq);
}

/**
 * vsvm_job_check() - must the job stop?
 * @job: the running job
 *
 * Return: 0, or why it must stop, see vsvm_vm_must_stop(); the deadline is
 * the job timeout.
 */
int vsvm_job_check(struct vsvm_job *job)
{
	return vsvm_vm_must_stop(job->vm, job->deadline);
}

/* Keep @job's record for WAIT, dropping the oldest beyond the limit */
static struct vsvm_job *vsvm_job_record_failure(struct vsvm_vm *vm,
						struct vsvm_job *job, int ret)
{
	struct vsvm_job *old;

	lockdep_assert_held(&vm->jobs.xa_lock);
	job->state = VSVM_JOB_FAILED;
	job->error = -ret;
	list_add_tail(&job->failed_link, &vm->failed);
	if (++vm->nr_failed <= VSVM_VM_MAX_FAILED_JOBS)
		return NULL;

	old = list_first_entry(&vm->failed, struct vsvm_job, failed_link);
	list_del(&old->failed_link);
	vm->nr_failed--;
	__xa_erase(&vm->jobs, old->seqno);
	vm->forgotten_seqno = max(vm->forgotten_seqno, old->seqno);
	return old;
}

static void vsvm_job_complete(struct vsvm_job *job, int ret)
{
	struct vsvm_vm *vm = job->vm;
	struct vsvm_device *vdev = vm->vdev;
	struct vsvm_job *drop;

	xa_lock(&vm->jobs);
	if (ret) {
		drop = vsvm_job_record_failure(vm, job, ret);
	} else {
		__xa_erase(&vm->jobs, job->seqno);
		drop = job;
	}
	xa_unlock(&vm->jobs);
	kfree(drop);

	vsvm_stat_inc(vdev, ret ? VSVM_STAT_JOBS_FAILED :
				  VSVM_STAT_JOBS_COMPLETED);
	atomic_dec(&vm->active_jobs);
	wake_up_all(&vm->wq);
	vsvm_vm_put(vm);
}

#ifdef CONFIG_FAULT_INJECTION
/* The submitter's fail-nth count is copied into the job, see "DOC: Jobs" */
static void vsvm_job_take_fail_nth(struct vsvm_job *job)
{
	job->fail_nth = current->fail_nth;
}
#else
static void vsvm_job_take_fail_nth(struct vsvm_job *job)
{
}
#endif

/* Run the batch on behalf of the VM's process, inside the device */
static int vsvm_job_execute(struct vsvm_job *job)
{
	struct vsvm_vm *vm = job->vm;
	struct mem_cgroup *old_memcg;
	unsigned int old_fail_nth;
	int ret, idx;

	if (!drm_dev_enter(&vm->vdev->drm, &idx))
		return -ENODEV;
	old_memcg = set_active_memcg(vm->memcg);
	old_fail_nth = vsvm_fail_nth_swap(job->fail_nth);

	ret = vsvm_job_check(job);
	if (!ret)
		ret = vsvm_engine_run_batch(job);

	vsvm_fail_nth_swap(old_fail_nth);
	set_active_memcg(old_memcg);
	drm_dev_exit(idx);
	return ret;
}

static void vsvm_job_run(struct work_struct *work)
{
	struct vsvm_job *job = container_of(work, struct vsvm_job, work);
	struct vsvm_vm *vm = job->vm;
	ktime_t start = ktime_get();
	int ret;

	job->deadline = jiffies +
		msecs_to_jiffies(vm->vdev->config.job_timeout_ms);
	ret = vsvm_job_execute(job);

	atomic64_add(ktime_to_ns(ktime_sub(ktime_get(), start)),
		     &vm->vfile->engine_ns[job->engine->index]);
	vsvm_job_complete(job, ret);
}

static void vsvm_engines_fini(struct drm_device *drm, void *unused)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	u32 i;

	for (i = 0; i < vdev->config.num_engines; i++)
		if (vdev->engines[i].wq)
			destroy_workqueue(vdev->engines[i].wq);
}

/**
 * vsvm_engines_init() - create the engines of a device
 * @vdev: the device, at probe
 *
 * The engines are destroyed with the DRM device, after the last file that
 * could have queued a job on them is closed.
 *
 * Return: 0 or a negative errno.
 */
int vsvm_engines_init(struct vsvm_device *vdev)
{
	u32 i;
	int ret;

	ret = drmm_add_action(&vdev->drm, vsvm_engines_fini, NULL);
	if (ret)
		return ret;

	for (i = 0; i < vdev->config.num_engines; i++) {
		vdev->engines[i].index = i;
		vdev->engines[i].wq =
			alloc_ordered_workqueue("vsvm%u-engine%u", 0,
						vdev->config.index, i);
		if (!vdev->engines[i].wq)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Give @job the next seqno of @vm and make it visible to WAIT.  Storing
 * may drop the xarray lock to allocate, so the submit lock keeps two EXECs
 * from picking the same seqno.  Fails with -ENOENT once the VM is closed.
 */
static int vsvm_job_publish(struct vsvm_vm *vm, struct vsvm_job *job)
{
	u64 seqno;
	int ret;

	mutex_lock(&vm->submit_lock);
	xa_lock(&vm->jobs);
	seqno = vm->last_seqno + 1;
	ret = vm->closed ? -ENOENT :
	      xa_err(__xa_store(&vm->jobs, seqno, job, GFP_KERNEL_ACCOUNT));
	if (!ret) {
		job->seqno = seqno;
		vm->last_seqno = seqno;
		atomic_inc(&vm->active_jobs);
	}
	xa_unlock(&vm->jobs);
	mutex_unlock(&vm->submit_lock);
	return ret;
}

/**
 * vsvm_exec_submit() - queue a batch on an engine, for EXEC
 * @vm: the VM, referenced by the caller, who runs in its mm
 * @engine: the engine, one of the VM's device
 * @args: the batch, checked: aligned, not empty, within
 *	DRM_VSVM_BATCH_MAX_SIZE; &drm_vsvm_exec.seqno is set to the job's
 *	sequence number
 *
 * The job holds a reference on @vm until it ends; see "DOC: Jobs and
 * completion".
 *
 * Return: 0, -ENOMEM, or -ENOENT if the VM is closed.
 */
int vsvm_exec_submit(struct vsvm_vm *vm, struct vsvm_engine *engine,
		     struct drm_vsvm_exec *args)
{
	struct vsvm_job *job;
	int ret;

	job = kzalloc_obj(*job, GFP_KERNEL_ACCOUNT);
	if (!job)
		return -ENOMEM;
	INIT_WORK(&job->work, vsvm_job_run);
	INIT_LIST_HEAD(&job->failed_link);
	job->engine = engine;
	job->batch_addr = args->batch_addr;
	job->batch_size = args->batch_size;
	job->state = VSVM_JOB_PENDING;
	job->vm = vsvm_vm_get(vm);

	ret = vsvm_job_publish(vm, job);
	if (ret) {
		vsvm_vm_put(vm);
		kfree(job);
		return ret;
	}
	args->seqno = job->seqno;

	vsvm_job_take_fail_nth(job);
	vsvm_stat_inc(vm->vdev, VSVM_STAT_JOBS_SUBMITTED);
	queue_work(engine->wq, &job->work);
	return 0;
}

/*
 * The state of job @seqno: -EINPROGRESS while it runs, 0 when it succeeded,
 * -EIO with @args filled when it failed, -EINVAL for a seqno never issued,
 * -ENODATA for an ended job whose seqno is at most the newest dropped
 * record's.
 */
static int vsvm_job_status(struct vsvm_vm *vm, u64 seqno,
			   struct drm_vsvm_wait *args)
{
	struct vsvm_job *job;
	int ret = 0;

	xa_lock(&vm->jobs);
	if (!seqno || seqno > vm->last_seqno) {
		ret = -EINVAL;
		goto out_unlock;
	}
	job = xa_load(&vm->jobs, seqno);
	if (!job) {
		if (seqno <= vm->forgotten_seqno)
			ret = -ENODATA;
		goto out_unlock;
	}
	if (job->state == VSVM_JOB_PENDING) {
		ret = -EINPROGRESS;
		goto out_unlock;
	}
	args->error = job->error;
	args->fault_addr = job->fault_addr;
	args->fault_access = job->fault_access;
	args->error_offset = job->cmd_offset;
	ret = -EIO;
out_unlock:
	xa_unlock(&vm->jobs);
	return ret;
}

/* Wait condition: store the job's status in @ret, true once it ended */
static bool vsvm_job_ended(struct vsvm_vm *vm, struct drm_vsvm_wait *args,
			   int *ret)
{
	*ret = vsvm_job_status(vm, args->seqno, args);
	return *ret != -EINPROGRESS;
}

static int vsvm_wait_job(struct vsvm_vm *vm, struct drm_vsvm_wait *args,
			 long timeout)
{
	long left;
	int ret;

	/* The condition runs first: an unknown seqno returns at once. */
	left = wait_event_interruptible_timeout(vm->wq,
						vsvm_job_ended(vm, args, &ret),
						timeout);
	if (left < 0)
		return left;
	if (ret == -EINPROGRESS)
		return -ETIME;
	return ret;
}

static bool vsvm_fence_signalled(u64 fence, const struct drm_vsvm_wait *args)
{
	u64 a = fence & args->mask, b = args->value & args->mask;

	switch (args->op) {
	case DRM_VSVM_WAIT_EQ:
		return a == b;
	case DRM_VSVM_WAIT_NEQ:
		return a != b;
	case DRM_VSVM_WAIT_GT:
		return a > b;
	case DRM_VSVM_WAIT_GTE:
		return a >= b;
	case DRM_VSVM_WAIT_LT:
		return a < b;
	default: /* DRM_VSVM_WAIT_LTE */
		return a <= b;
	}
}

static int vsvm_wait_fence(struct vsvm_vm *vm, struct drm_vsvm_wait *args,
			   long timeout)
{
	u64 __user *uaddr = u64_to_user_ptr(args->addr);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	long poll = msecs_to_jiffies(VSVM_FENCE_POLL_MS);
	int ret;
	u64 fence;

	add_wait_queue(&vsvm_fence_wq, &wait);
	for (;;) {
		if (get_user(fence, uaddr)) {
			ret = -EFAULT;
			break;
		}
		if (vsvm_fence_signalled(fence, args)) {
			ret = 0;
			break;
		}
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (drm_dev_is_unplugged(&vm->vdev->drm)) {
			ret = -ENODEV;
			break;
		}
		if (!timeout) {
			ret = -ETIME;
			break;
		}
		/* wait_woken() returns what is left of the slice it slept. */
		timeout -= min(timeout, poll) -
			   wait_woken(&wait, TASK_INTERRUPTIBLE,
				      min(timeout, poll));
	}
	remove_wait_queue(&vsvm_fence_wq, &wait);
	return ret;
}

/**
 * vsvm_wait() - wait for a job or a user fence, for WAIT
 * @vm: the VM, referenced by the caller; for a user fence the caller runs
 *	in its mm
 * @args: what to wait for, checked; &drm_vsvm_wait.timeout_ns is the
 *	deadline, and a failed job's error is written to the outputs
 *
 * With DRM_VSVM_WAIT_USER_FENCE, waits until the fence at
 * &drm_vsvm_wait.addr compares as asked; otherwise until job
 * &drm_vsvm_wait.seqno has ended.
 *
 * Return: 0 when the job succeeded or the fence signalled, -EIO when the
 * job failed, -ETIME at the deadline, otherwise a negative errno (see
 * &struct drm_vsvm_wait).
 */
int vsvm_wait(struct vsvm_vm *vm, struct drm_vsvm_wait *args)
{
	long timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);

	if (args->flags & DRM_VSVM_WAIT_USER_FENCE)
		return vsvm_wait_fence(vm, args, timeout);
	return vsvm_wait_job(vm, args, timeout);
}
