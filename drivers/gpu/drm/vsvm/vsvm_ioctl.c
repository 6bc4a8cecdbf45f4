// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/compat.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>
#include <uapi/drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_drv.h"
#include "vsvm_exec.h"
#include "vsvm_ioctl.h"
#include "vsvm_migrate.h"
#include "vsvm_query.h"
#include "vsvm_vm.h"

/**
 * DOC: uAPI boundary
 *
 * vsvm_ioctl.c is where the uAPI meets the driver: it holds the ioctl
 * table, every ioctl handler and the checks of every ioctl argument, and
 * calls the rest of the driver through one verb per ioctl, which finds its
 * argument valid.  Every handler has the same shape:
 *
 * 1. check the argument: flags, pad and reserved fields, sizes, alignment
 *    and ranges, answering -EINVAL (or -ENOENT for an engine the device
 *    does not have) before anything else, even on an unplugged device;
 * 2. enter the device with drm_dev_enter(), or answer -ENODEV;
 * 3. look the VM up and take a reference (vsvm_vm_lookup_owned(): -ENOENT
 *    for a VM the file does not have, -EPERM for a caller outside the VM's
 *    address space), for the ioctls that work on a VM;
 * 4. call one verb of the file that owns the work: vsvm_query_device(),
 *    vsvm_vm_create(), vsvm_vm_destroy(), vsvm_exec_submit(), vsvm_wait(),
 *    vsvm_vm_range_info(), vsvm_attr_madvise(), vsvm_attr_query() or
 *    vsvm_prefetch().  The verb takes the locks it needs and answers for
 *    what it finds under them (a VM closed under MADVISE, EXEC or PREFETCH
 *    is -ENOENT);
 * 5. drop the VM and leave the device.
 *
 * VM_DESTROY leaves 3 to its verb, which looks the VM up and takes it out
 * of the file's table in one step.  WAIT leaves the device before it
 * sleeps (it needs only the VM), so that unplugging the device does not
 * wait for the deadline of every WAIT; and it looks the VM up without the
 * owner check, since waiting for a job by seqno touches no memory, and
 * checks the owner only for a user-fence wait.
 *
 * drm_ioctl() copies an ioctl's results back only after the handler ran.
 * EXEC and VM_CREATE leave something behind (a queued job, a VM), so the
 * driver's file operations first make sure that their results can be
 * written back, and answer -EFAULT before doing anything otherwise.
 */

/*
 * For the ioctls whose handler leaves something behind (a VM, a queued
 * job), make sure first that the results can be written back, so that EXEC
 * and VM_CREATE fail with -EFAULT before they do anything rather than
 * after.  Only a program that unmaps the argument while the call runs can
 * still see -EFAULT with the VM made or the job queued.
 */
static int vsvm_ioctl_check_results(unsigned int cmd, void __user *arg)
{
	if (cmd != DRM_IOCTL_VSVM_VM_CREATE && cmd != DRM_IOCTL_VSVM_EXEC)
		return 0;
	return fault_in_safe_writeable(arg, _IOC_SIZE(cmd)) ? -EFAULT : 0;
}

/**
 * vsvm_ioctl() - &file_operations.unlocked_ioctl of a vsvm file
 * @filp: the file
 * @cmd: the ioctl command
 * @arg: the ioctl argument, a user pointer
 *
 * Return: what drm_ioctl() returns, or -EFAULT if the results of EXEC or
 * VM_CREATE could not be written back.
 */
long vsvm_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	int ret = vsvm_ioctl_check_results(cmd, (void __user *)arg);

	return ret ?: drm_ioctl(filp, cmd, arg);
}

#ifdef CONFIG_COMPAT
/**
 * vsvm_compat_ioctl() - &file_operations.compat_ioctl of a vsvm file
 * @filp: the file
 * @cmd: the ioctl command
 * @arg: the ioctl argument, a 32-bit user pointer
 *
 * Return: what drm_compat_ioctl() returns, or -EFAULT if the results of
 * EXEC or VM_CREATE could not be written back.
 */
long vsvm_compat_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	int ret = vsvm_ioctl_check_results(cmd, compat_ptr(arg));

	return ret ?: drm_compat_ioctl(filp, cmd, arg);
}
#endif

/*
 * Enter the device and take the caller's VM @id for work on its memory.
 * Returns the VM, with *@idx to pass to vsvm_ioctl_vm_put(), or -ENODEV,
 * -ENOENT or -EPERM, having left the device again.
 */
static struct vsvm_vm *vsvm_ioctl_vm_get(struct drm_device *drm,
					 struct drm_file *file, u32 id,
					 int *idx)
{
	struct vsvm_vm *vm;

	if (!drm_dev_enter(drm, idx))
		return ERR_PTR(-ENODEV);
	vm = vsvm_vm_lookup_owned(file->driver_priv, id);
	if (IS_ERR(vm))
		drm_dev_exit(*idx);
	return vm;
}

/* Drop the VM vsvm_ioctl_vm_get() took and leave the device */
static void vsvm_ioctl_vm_put(struct vsvm_vm *vm, int idx)
{
	vsvm_vm_put(vm);
	drm_dev_exit(idx);
}

/**
 * vsvm_ioctl_query() - DRM_IOCTL_VSVM_QUERY
 * @drm: the DRM device
 * @data: the ioctl argument, a &struct drm_vsvm_query
 * @file: the DRM file of the caller
 *
 * Return: 0 on success or a negative error code, see &struct drm_vsvm_query.
 */
static int vsvm_ioctl_query(struct drm_device *drm, void *data,
			    struct drm_file *file)
{
	struct drm_vsvm_query *args = data;
	int ret, idx;

	if (args->flags || args->pad)
		return -EINVAL;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	switch (args->item) {
	case DRM_VSVM_QUERY_DEVICE:
		ret = vsvm_query_device(to_vsvm_device(drm), args);
		break;
	default:
		ret = -EINVAL;
		break;
	}

	drm_dev_exit(idx);
	return ret;
}

/**
 * vsvm_ioctl_vm_create() - DRM_IOCTL_VSVM_VM_CREATE
 * @drm: the device
 * @data: &struct drm_vsvm_vm_create
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see &struct drm_vsvm_vm_create.
 */
static int vsvm_ioctl_vm_create(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct drm_vsvm_vm_create *args = data;
	int ret, idx;

	if (args->flags)
		return -EINVAL;
	/* A kernel thread has no address space to mirror. */
	if (!current->mm)
		return -EINVAL;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	ret = vsvm_vm_create(file->driver_priv, &args->vm_id);

	drm_dev_exit(idx);
	return ret;
}

/**
 * vsvm_ioctl_vm_destroy() - DRM_IOCTL_VSVM_VM_DESTROY
 * @drm: the device
 * @data: &struct drm_vsvm_vm_destroy
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see &struct drm_vsvm_vm_destroy.
 */
static int vsvm_ioctl_vm_destroy(struct drm_device *drm, void *data,
				 struct drm_file *file)
{
	struct drm_vsvm_vm_destroy *args = data;
	int ret, idx;

	if (args->pad)
		return -EINVAL;
	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;

	/* Looks the VM up itself: taking it out of the table is atomic. */
	ret = vsvm_vm_destroy(file->driver_priv, args->vm_id);

	drm_dev_exit(idx);
	return ret;
}

#define VSVM_EXEC_FLAGS		0

static int vsvm_exec_validate(const struct vsvm_device *vdev,
			      const struct drm_vsvm_exec *args)
{
	u64 end;

	if (args->flags & ~VSVM_EXEC_FLAGS)
		return -EINVAL;
	if (!args->batch_size || !IS_ALIGNED(args->batch_size, 8) ||
	    args->batch_size > DRM_VSVM_BATCH_MAX_SIZE ||
	    !IS_ALIGNED(args->batch_addr, 8) ||
	    check_add_overflow(args->batch_addr, (u64)args->batch_size, &end))
		return -EINVAL;
	if (args->engine >= vdev->config.num_engines)
		return -ENOENT;
	return 0;
}

/**
 * vsvm_ioctl_exec() - DRM_IOCTL_VSVM_EXEC
 * @drm: the device
 * @data: &struct drm_vsvm_exec
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see &struct drm_vsvm_exec.
 */
static int vsvm_ioctl_exec(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct vsvm_device *vdev = to_vsvm_device(drm);
	struct drm_vsvm_exec *args = data;
	struct vsvm_vm *vm;
	int ret, idx;

	ret = vsvm_exec_validate(vdev, args);
	if (ret)
		return ret;
	vm = vsvm_ioctl_vm_get(drm, file, args->vm_id, &idx);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	ret = vsvm_exec_submit(vm, &vdev->engines[args->engine], args);

	vsvm_ioctl_vm_put(vm, idx);
	return ret;
}

#define VSVM_WAIT_FLAGS		DRM_VSVM_WAIT_USER_FENCE

static int vsvm_wait_validate(const struct drm_vsvm_wait *args)
{
	if ((args->flags & ~VSVM_WAIT_FLAGS) || args->pad)
		return -EINVAL;
	if (!(args->flags & DRM_VSVM_WAIT_USER_FENCE))
		return args->addr || args->value || args->mask || args->op ?
		       -EINVAL : 0;
	if (args->seqno || args->op > DRM_VSVM_WAIT_LTE ||
	    !IS_ALIGNED(args->addr, 8))
		return -EINVAL;
	return 0;
}

static void vsvm_wait_clear_outputs(struct drm_vsvm_wait *args)
{
	args->status = DRM_VSVM_WAIT_STATUS_DONE;
	args->error = 0;
	args->fault_addr = 0;
	args->fault_access = 0;
	args->error_offset = 0;
}

/*
 * Take the VM @id of the caller's file for WAIT, inside the device but
 * without staying there; no owner check (see "DOC: uAPI boundary").
 */
static struct vsvm_vm *vsvm_ioctl_wait_vm_get(struct drm_device *drm,
					      struct drm_file *file, u32 id)
{
	struct vsvm_vm *vm;
	int idx;

	if (!drm_dev_enter(drm, &idx))
		return ERR_PTR(-ENODEV);
	vm = vsvm_vm_lookup(file->driver_priv, id);
	/*
	 * Sleeping needs only the VM: leave the device, so that unplugging
	 * it does not wait for the deadline of every WAIT.  Jobs end at the
	 * unplug and fence waits notice it.
	 */
	drm_dev_exit(idx);
	return vm ?: ERR_PTR(-ENOENT);
}

/* A failed job and a timeout are told apart by &drm_vsvm_wait.status */
static int vsvm_wait_report(struct drm_vsvm_wait *args, int ret)
{
	if (ret == -EIO) {
		args->status = DRM_VSVM_WAIT_STATUS_GPU_ERROR;
		ret = 0;
	} else if (ret == -ETIME) {
		args->status = DRM_VSVM_WAIT_STATUS_TIMEOUT;
	}
	return ret;
}

/**
 * vsvm_ioctl_wait() - DRM_IOCTL_VSVM_WAIT
 * @drm: the device
 * @data: &struct drm_vsvm_wait
 * @file: the caller's file
 *
 * Return: 0 when the job ended (successfully or not: see @status) or the
 * fence signalled, otherwise a negative errno, see &struct drm_vsvm_wait.
 */
static int vsvm_ioctl_wait(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct drm_vsvm_wait *args = data;
	bool fence = args->flags & DRM_VSVM_WAIT_USER_FENCE;
	struct vsvm_vm *vm;
	int ret;

	ret = vsvm_wait_validate(args);
	if (ret)
		return ret;
	vsvm_wait_clear_outputs(args);
	vm = vsvm_ioctl_wait_vm_get(drm, file, args->vm_id);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	/* A fence is read in the VM's memory: only its owner may wait. */
	if (fence && !vsvm_vm_is_owner(vm))
		ret = -EPERM;
	else
		ret = vsvm_wait(vm, args);

	vsvm_vm_put(vm);
	return vsvm_wait_report(args, ret);
}

static int vsvm_range_info_validate(const struct drm_vsvm_range_info *args)
{
	u64 end;

	if ((args->flags & ~DRM_VSVM_RANGE_INFO_RESIDENCY) ||
	    !PAGE_ALIGNED(args->start) ||
	    !PAGE_ALIGNED(args->size) || !args->size ||
	    args->size > DRM_VSVM_RANGE_INFO_MAX_SIZE ||
	    check_add_overflow(args->start, args->size, &end))
		return -EINVAL;
	return 0;
}

/**
 * vsvm_ioctl_range_info() - DRM_IOCTL_VSVM_RANGE_INFO
 * @drm: the device
 * @data: &struct drm_vsvm_range_info
 * @file: the caller's file
 *
 * Return: 0 or a negative errno, see &struct drm_vsvm_range_info.
 */
static int vsvm_ioctl_range_info(struct drm_device *drm, void *data,
				 struct drm_file *file)
{
	struct drm_vsvm_range_info *args = data;
	struct vsvm_vm *vm;
	int ret, idx;

	ret = vsvm_range_info_validate(args);
	if (ret)
		return ret;
	vm = vsvm_ioctl_vm_get(drm, file, args->vm_id, &idx);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	ret = vsvm_vm_range_info(vm, args);

	vsvm_ioctl_vm_put(vm, idx);
	return ret;
}

static int vsvm_attrs_validate(const struct drm_vsvm_mem_attrs *attrs)
{
	if (attrs->preferred_loc > DRM_VSVM_LOC_VRAM)
		return -EINVAL;
	if (attrs->granularity && attrs->granularity != SZ_4K &&
	    attrs->granularity != SZ_64K && attrs->granularity != SZ_2M)
		return -EINVAL;
	switch (attrs->atomic_policy) {
	case DRM_VSVM_ATOMIC_ANYWHERE:
		return attrs->atomic_timeslice_ms ? -EINVAL : 0;
	case DRM_VSVM_ATOMIC_VRAM_ONLY:
		return attrs->atomic_timeslice_ms >
		       DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

static int vsvm_madvise_validate(const struct drm_vsvm_madvise *args)
{
	u64 end;

	if (args->flags & ~DRM_VSVM_MADVISE_VM_DEFAULT)
		return -EINVAL;
	if (args->flags & DRM_VSVM_MADVISE_VM_DEFAULT) {
		if (args->start || args->size)
			return -EINVAL;
	} else if (!args->size || !PAGE_ALIGNED(args->start) ||
		   !PAGE_ALIGNED(args->size) ||
		   check_add_overflow(args->start, args->size, &end) ||
		   end > TASK_SIZE_MAX) {
		return -EINVAL;
	}
	return vsvm_attrs_validate(&args->attrs);
}

/**
 * vsvm_ioctl_madvise() - DRM_IOCTL_VSVM_MADVISE
 * @drm: the device
 * @data: &struct drm_vsvm_madvise
 * @file: the file
 *
 * Return: 0 or a negative errno, see &struct drm_vsvm_madvise.
 */
static int vsvm_ioctl_madvise(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct drm_vsvm_madvise *args = data;
	struct vsvm_vm *vm;
	int ret, idx;

	ret = vsvm_madvise_validate(args);
	if (ret)
		return ret;
	vm = vsvm_ioctl_vm_get(drm, file, args->vm_id, &idx);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	ret = vsvm_attr_madvise(vm, args);

	vsvm_ioctl_vm_put(vm, idx);
	return ret;
}

static int vsvm_attr_query_validate(const struct drm_vsvm_attr_query *args)
{
	if (args->flags || args->pad || args->addr >= TASK_SIZE_MAX)
		return -EINVAL;
	return 0;
}

/**
 * vsvm_ioctl_attr_query() - DRM_IOCTL_VSVM_ATTR_QUERY
 * @drm: the device
 * @data: &struct drm_vsvm_attr_query
 * @file: the file
 *
 * Return: 0 or a negative errno, see &struct drm_vsvm_attr_query.
 */
static int vsvm_ioctl_attr_query(struct drm_device *drm, void *data,
				 struct drm_file *file)
{
	struct drm_vsvm_attr_query *args = data;
	struct vsvm_vm *vm;
	int ret, idx;

	ret = vsvm_attr_query_validate(args);
	if (ret)
		return ret;
	vm = vsvm_ioctl_vm_get(drm, file, args->vm_id, &idx);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	ret = vsvm_attr_query(vm, args);

	vsvm_ioctl_vm_put(vm, idx);
	return ret;
}

static int vsvm_prefetch_validate(const struct drm_vsvm_prefetch *args)
{
	u64 end;

	if (args->flags || args->pad ||
	    (args->region != DRM_VSVM_REGION_SYSTEM &&
	     args->region != DRM_VSVM_REGION_VRAM))
		return -EINVAL;
	if (!args->size || !PAGE_ALIGNED(args->start) ||
	    !PAGE_ALIGNED(args->size) ||
	    check_add_overflow(args->start, args->size, &end) ||
	    end > TASK_SIZE_MAX)
		return -EINVAL;
	return 0;
}

/**
 * vsvm_ioctl_prefetch() - DRM_IOCTL_VSVM_PREFETCH
 * @drm: the device
 * @data: &struct drm_vsvm_prefetch
 * @file: the file
 *
 * Return: 0 or a negative errno, see &struct drm_vsvm_prefetch.
 */
static int vsvm_ioctl_prefetch(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct drm_vsvm_prefetch *args = data;
	struct vsvm_vm *vm;
	int ret, idx;

	ret = vsvm_prefetch_validate(args);
	if (ret)
		return ret;
	vm = vsvm_ioctl_vm_get(drm, file, args->vm_id, &idx);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	ret = vsvm_prefetch(vm, args);

	vsvm_ioctl_vm_put(vm, idx);
	return ret;
}

/* The driver's ioctls, for &drm_driver.ioctls */
const struct drm_ioctl_desc vsvm_ioctls[VSVM_NUM_IOCTLS] = {
	DRM_IOCTL_DEF_DRV(VSVM_QUERY, vsvm_ioctl_query, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_CREATE, vsvm_ioctl_vm_create, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_VM_DESTROY, vsvm_ioctl_vm_destroy, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_EXEC, vsvm_ioctl_exec, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_WAIT, vsvm_ioctl_wait, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_RANGE_INFO, vsvm_ioctl_range_info, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_MADVISE, vsvm_ioctl_madvise, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_ATTR_QUERY, vsvm_ioctl_attr_query, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VSVM_PREFETCH, vsvm_ioctl_prefetch, DRM_RENDER_ALLOW),
};
