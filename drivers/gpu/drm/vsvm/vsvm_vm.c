// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/memcontrol.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_print.h>
#include <uapi/drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_drv.h"
#include "vsvm_exec.h"
#include "vsvm_gpusvm.h"
#include "vsvm_migrate.h"
#include "vsvm_pt.h"
#include "vsvm_svm.h"
#include "vsvm_vm.h"
#include "vsvm_vram.h"

/**
 * DOC: VMs
 *
 * A VM (&struct vsvm_vm) is a GPU address space that mirrors the address
 * space of the process that created it: VM_CREATE records current->mm
 * (mmgrab(), which keeps the mm_struct but not the address space alive) and
 * every later operation that would touch memory through the VM - EXEC,
 * RANGE_INFO, a user-fence WAIT, VM_DESTROY - checks that the caller runs on
 * that same mm, and answers -EPERM otherwise.  So a child after fork(), or a
 * process that received the file descriptor, cannot make the GPU read or
 * write its creator's memory.  Waiting for a job by seqno touches no memory
 * and is allowed to any holder of the file.
 *
 * The GPU reaches the address space only through faults, which take a
 * temporary reference (mmget_not_zero()); once the process has exited that
 * fails and its jobs end with -ECANCELED.  The exit itself tears down every
 * mapping, so the notifiers zap the whole mirror and the garbage collector
 * frees its ranges; closing the file, which exit does next, destroys the VM.
 *
 * Destroying a VM (VM_DESTROY, or closing the file) only *closes* it: it
 * leaves the file's table, so no ioctl can look it up any more, and is
 * marked closed, under the lock of its job table, so EXEC refuses it new
 * jobs (-ENOENT, as for any unknown VM) and its running jobs stop at their
 * next check with -ECANCELED.  Nothing waits for them.  An ioctl that
 * looked the VM up just before holds a reference and finishes on a VM that
 * is still whole; work that would start something new on a closed VM
 * (EXEC, MADVISE, PREFETCH) fails with -ENOENT instead.  The SVM state, the
 * page table, the attributes, the mm reference and the memory cgroup
 * reference are torn down by the last reference, which the last job, the
 * last ioctl or the close itself drops (vsvm_vm_release()).  The VM holds
 * a reference on its &struct vsvm_file, whose counters its jobs update, so
 * it may outlive the DRM file; the device's engines outlive both, since
 * the DRM device is released only after its workqueues have drained.
 */

/* Drop every failed-job record; no job of the VM is pending any more */
static void vsvm_vm_free_jobs(struct vsvm_vm *vm)
{
	struct vsvm_job *job;
	unsigned long seqno;

	xa_for_each(&vm->jobs, seqno, job)
		kfree(job);
	xa_destroy(&vm->jobs);
}

/* The last reference is gone: tear the VM down and free it */
static void vsvm_vm_release(struct kref *kref)
{
	struct vsvm_vm *vm = container_of(kref, struct vsvm_vm, refcount);
	struct vsvm_device *vdev = vm->vdev;

	mutex_lock(&vdev->vms_lock);
	list_del(&vm->dev_link);
	mutex_unlock(&vdev->vms_lock);

	vsvm_svm_fini(vm);
	vsvm_attrs_fini(vm);
	vsvm_vm_free_jobs(vm);
	mutex_destroy(&vm->submit_lock);
	mem_cgroup_put(vm->memcg);
	mmdrop(vm->mm);
	vsvm_file_put(vm->vfile);
	kfree(vm);
}

/**
 * vsvm_vms_unplug() - unmap the memory of every VM of a removed device
 * @vdev: the device, after drm_dev_unplug()
 *
 * A VM whose last reference is gone waits on &vsvm_device.vms_lock to
 * leave the list, so each VM on it is alive while the lock is held.
 */
void vsvm_vms_unplug(struct vsvm_device *vdev)
{
	struct vsvm_vm *vm;

	mutex_lock(&vdev->vms_lock);
	list_for_each_entry(vm, &vdev->vms, dev_link)
		vsvm_svm_unplug(vm);
	mutex_unlock(&vdev->vms_lock);
}

/**
 * vsvm_vm_put() - drop a reference to a VM
 * @vm: the VM
 *
 * Context: process context, no vsvm lock held: the last reference tears
 * the VM down, which removes notifiers and waits for the garbage collector.
 */
void vsvm_vm_put(struct vsvm_vm *vm)
{
	might_sleep();
	kref_put(&vm->refcount, vsvm_vm_release);
}

/**
 * vsvm_vm_get() - take another reference to a VM
 * @vm: the VM, referenced by the caller
 *
 * Return: @vm.
 */
struct vsvm_vm *vsvm_vm_get(struct vsvm_vm *vm)
{
	kref_get(&vm->refcount);
	return vm;
}

/**
 * vsvm_vm_is_closed() - has the VM been destroyed?
 * @vm: the VM
 *
 * Return: true once VM_DESTROY or close has closed the VM.
 */
bool vsvm_vm_is_closed(const struct vsvm_vm *vm)
{
	return READ_ONCE(vm->closed);
}

/**
 * vsvm_vm_must_stop() - must work done for a VM stop, and why?
 * @vm: the VM
 * @deadline: jiffies after which the work has had its time
 *
 * The one test that jobs (between commands and around GPU faults), the
 * GPU fault handler's retry loop and PREFETCH make, so that all of them
 * stop for the same reasons: the VM was destroyed or closed, the device
 * was unplugged (its removal waits for them to leave), or time is up.
 *
 * Return: 0, -ECANCELED once the VM is closed, -ENODEV once the device is
 * unplugged, or -ETIMEDOUT after @deadline.
 */
int vsvm_vm_must_stop(const struct vsvm_vm *vm, unsigned long deadline)
{
	if (vsvm_vm_is_closed(vm))
		return -ECANCELED;
	if (drm_dev_is_unplugged(&vm->vdev->drm))
		return -ENODEV;
	if (time_after(jiffies, deadline))
		return -ETIMEDOUT;
	return 0;
}

/**
 * vsvm_vm_lookup() - find a VM of a file by id and take a reference
 * @vfile: the file
 * @id: the VM id
 *
 * Return: the VM, or NULL if the file has none with that id.
 */
struct vsvm_vm *vsvm_vm_lookup(struct vsvm_file *vfile, u32 id)
{
	struct vsvm_vm *vm;

	xa_lock(&vfile->vms);
	vm = xa_load(&vfile->vms, id);
	if (vm)
		kref_get(&vm->refcount);
	xa_unlock(&vfile->vms);
	return vm;
}

/**
 * vsvm_vm_is_owner() - does the caller run in the VM's address space?
 * @vm: the VM
 *
 * Return: true if current->mm is the mm the VM mirrors.
 */
bool vsvm_vm_is_owner(const struct vsvm_vm *vm)
{
	return current->mm == vm->mm;
}

/**
 * vsvm_vm_lookup_owned() - vsvm_vm_lookup() for work on the VM's memory
 * @vfile: the file
 * @id: the VM id
 *
 * Return: the VM with a reference taken, ERR_PTR(-ENOENT) if the file has
 * no such VM, or ERR_PTR(-EPERM) if the caller does not run in its mm.
 */
struct vsvm_vm *vsvm_vm_lookup_owned(struct vsvm_file *vfile, u32 id)
{
	struct vsvm_vm *vm = vsvm_vm_lookup(vfile, id);

	if (!vm)
		return ERR_PTR(-ENOENT);
	if (!vsvm_vm_is_owner(vm)) {
		vsvm_vm_put(vm);
		return ERR_PTR(-EPERM);
	}
	return vm;
}

/* A new VM of @vfile mirroring the caller's mm, not yet in the file's table */
static struct vsvm_vm *vsvm_vm_alloc(struct vsvm_file *vfile)
{
	struct vsvm_device *vdev = vfile->vdev;
	struct vsvm_vm *vm;
	int ret;

	vm = kzalloc_obj(*vm, GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);

	kref_init(&vm->refcount);
	vm->vdev = vdev;
	vm->pid = task_tgid_nr(current);
	vm->mm = current->mm;
	xa_init(&vm->jobs);
	INIT_LIST_HEAD(&vm->failed);
	mutex_init(&vm->submit_lock);
	init_waitqueue_head(&vm->wq);
	ret = vsvm_svm_init(vm);
	if (ret) {
		mutex_destroy(&vm->submit_lock);
		kfree(vm);
		return ERR_PTR(ret);
	}
	vsvm_attrs_init(vm);
	mmgrab(vm->mm);
	vm->memcg = get_mem_cgroup_from_mm(vm->mm);
	kref_get(&vfile->ref);
	vm->vfile = vfile;

	mutex_lock(&vdev->vms_lock);
	list_add_tail(&vm->dev_link, &vdev->vms);
	mutex_unlock(&vdev->vms_lock);
	return vm;
}

/* Close a VM that has left its file's table and drop the table's reference */
static void vsvm_vm_close(struct vsvm_vm *vm)
{
	xa_lock(&vm->jobs);
	vm->closed = true;
	xa_unlock(&vm->jobs);
	/* WAIT sleepers see the jobs end as they stop. */
	wake_up_all(&vm->wq);
	vsvm_vm_put(vm);
}

/**
 * vsvm_vm_create() - make a VM of a file, mirroring the caller's mm
 * @vfile: the file
 * @id: out: the new VM's id, set only on success
 *
 * Context: process context, current->mm set.
 * Return: 0 or a negative errno: -ENOMEM, or an error of the SVM setup or
 * of the id allocation.
 */
int vsvm_vm_create(struct vsvm_file *vfile, u32 *id)
{
	struct vsvm_vm *vm;
	int ret;

	vm = vsvm_vm_alloc(vfile);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	ret = xa_alloc(&vfile->vms, &vm->id, vm, xa_limit_32b,
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		vsvm_vm_close(vm);
		return ret;
	}
	*id = vm->id;
	return 0;
}

/**
 * vsvm_vm_destroy() - take a VM out of its file's table and close it
 * @vfile: the file
 * @id: the VM's id
 *
 * Returns without waiting for the VM's jobs, which stop on their own (see
 * "DOC: VMs").
 *
 * Return: 0, -ENOENT if the file has no such VM, or -EPERM if the caller
 * does not run in the VM's mm.
 */
int vsvm_vm_destroy(struct vsvm_file *vfile, u32 id)
{
	struct vsvm_vm *vm;
	int ret = 0;

	xa_lock(&vfile->vms);
	vm = xa_load(&vfile->vms, id);
	if (!vm)
		ret = -ENOENT;
	else if (!vsvm_vm_is_owner(vm))
		ret = -EPERM;
	else
		__xa_erase(&vfile->vms, id);
	xa_unlock(&vfile->vms);
	if (!ret)
		vsvm_vm_close(vm);
	return ret;
}

#define VSVM_RANGE_INFO_BATCH	512

static u8 vsvm_range_info_entry(const struct vsvm_pt_xlate *xlate)
{
	static const u8 pte_codes[] = {
		[VSVM_PTE_SIZE_4K] = DRM_VSVM_PTE_4K,
		[VSVM_PTE_SIZE_64K] = DRM_VSVM_PTE_64K,
		[VSVM_PTE_SIZE_2M] = DRM_VSVM_PTE_2M,
	};
	u8 state;

	if (xlate->devmem)
		state = DRM_VSVM_PAGE_VRAM;
	else if (xlate->writable)
		state = DRM_VSVM_PAGE_SYSTEM_RW;
	else
		state = DRM_VSVM_PAGE_SYSTEM_RO;
	return state | pte_codes[xlate->size] << 4;
}

/* Describe @n pages from @addr into @entries */
static void vsvm_range_info_fill(struct vsvm_vm *vm, u64 addr, u8 *entries,
				 unsigned int n)
{
	struct vsvm_pt_xlate xlate;
	unsigned int i;

	down_read(&vm->gpusvm.notifier_lock);
	for (i = 0; i < n; i++, addr += PAGE_SIZE)
		entries[i] = vsvm_pt_translate(&vm->pt, addr, &xlate) ?
			     vsvm_range_info_entry(&xlate) :
			     DRM_VSVM_PAGE_NOT_MIRRORED;
	up_read(&vm->gpusvm.notifier_lock);
}

/**
 * vsvm_vm_range_info() - describe the pages of a span, for RANGE_INFO
 * @vm: the VM, referenced by the caller, who runs in its mm
 * @args: the span and the user buffer, one byte per page; checked: page
 *	aligned, not empty, at most DRM_VSVM_RANGE_INFO_MAX_SIZE
 *
 * Describes the GPU page table, or with DRM_VSVM_RANGE_INFO_RESIDENCY
 * where the CPU page tables say the pages are, in batches that are copied
 * out without the notifier lock held.
 *
 * Return: 0, -ENOMEM, -EFAULT, -EINTR on a fatal signal, or an error of
 * vsvm_migrate_residency().
 */
int vsvm_vm_range_info(struct vsvm_vm *vm,
		       const struct drm_vsvm_range_info *args)
{
	u8 __user *data = u64_to_user_ptr(args->data);
	u64 npages = args->size >> PAGE_SHIFT, done = 0;
	u8 *entries;
	int ret = 0;

	entries = kmalloc(VSVM_RANGE_INFO_BATCH, GFP_KERNEL);
	if (!entries)
		return -ENOMEM;
	while (done < npages) {
		unsigned int n = min_t(u64, npages - done,
				       VSVM_RANGE_INFO_BATCH);

		/* Not under the notifier lock: copying out may fault. */
		if (args->flags & DRM_VSVM_RANGE_INFO_RESIDENCY)
			ret = vsvm_migrate_residency(vm, args->start +
						     (done << PAGE_SHIFT),
						     n, entries);
		else
			vsvm_range_info_fill(vm, args->start +
					     (done << PAGE_SHIFT), entries, n);
		if (ret)
			break;
		if (copy_to_user(data + done, entries, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(entries);
	return ret;
}

/**
 * vsvm_file_open() - the driver's part of opening a file
 * @drm: the device
 * @file: the new file
 *
 * Return: 0 or -ENOMEM.
 */
int vsvm_file_open(struct drm_device *drm, struct drm_file *file)
{
	struct vsvm_file *vfile;

	vfile = kzalloc_obj(*vfile, GFP_KERNEL_ACCOUNT);
	if (!vfile)
		return -ENOMEM;
	kref_init(&vfile->ref);
	vfile->vdev = to_vsvm_device(drm);
	vfile->vram_usage = vsvm_vram_usage_create();
	if (!vfile->vram_usage) {
		kfree(vfile);
		return -ENOMEM;
	}
	xa_init_flags(&vfile->vms, XA_FLAGS_ALLOC1);
	file->driver_priv = vfile;
	return 0;
}

static void vsvm_file_release(struct kref *ref)
{
	struct vsvm_file *vfile = container_of(ref, struct vsvm_file, ref);

	vsvm_vram_usage_put(vfile->vram_usage);
	kfree(vfile);
}

/**
 * vsvm_file_put() - drop a reference to a file's vsvm state
 * @vfile: the file's state
 */
void vsvm_file_put(struct vsvm_file *vfile)
{
	kref_put(&vfile->ref, vsvm_file_release);
}

/**
 * vsvm_file_postclose() - close the VMs of a file being closed
 * @drm: the device
 * @file: the file
 *
 * Returns without waiting for their jobs, which stop on their own.
 */
void vsvm_file_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct vsvm_file *vfile = file->driver_priv;
	struct vsvm_vm *vm;
	unsigned long id;

	xa_for_each(&vfile->vms, id, vm) {
		xa_erase(&vfile->vms, id);
		vsvm_vm_close(vm);
	}
	xa_destroy(&vfile->vms);
	vsvm_file_put(vfile);
}

/**
 * vsvm_file_show_fdinfo() - the driver's keys of /proc/PID/fdinfo/FD
 * @p: the printer
 * @file: the file
 *
 * Prints the standard ``drm-engine-<engine>`` key: the time the file's jobs
 * have run on each engine, in nanoseconds.
 */
void vsvm_file_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct vsvm_file *vfile = file->driver_priv;
	u32 i;

	u64 vram_kib = atomic64_read(&vfile->vram_usage->bytes) / SZ_1K;

	for (i = 0; i < vfile->vdev->config.num_engines; i++)
		drm_printf(p, "drm-engine-engine%u:\t%llu ns\n", i,
			   (u64)atomic64_read(&vfile->engine_ns[i]));
	/* All of a file's VRAM holds pages: total and resident are equal. */
	drm_printf(p, "drm-total-vram:\t%llu KiB\n", vram_kib);
	drm_printf(p, "drm-resident-vram:\t%llu KiB\n", vram_kib);
}
