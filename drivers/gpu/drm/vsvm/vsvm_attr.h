/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_ATTR_H_
#define _VSVM_ATTR_H_

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>

#include <uapi/drm/vsvm_drm.h>

struct vsvm_vm;

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

void vsvm_attrs_init(struct vsvm_vm *vm);
void vsvm_attrs_fini(struct vsvm_vm *vm);
void vsvm_attrs_get(struct vsvm_vm *vm, unsigned long addr,
		    struct drm_vsvm_mem_attrs *attrs);
void vsvm_attrs_clamp(struct vsvm_vm *vm, unsigned long addr,
		      unsigned long *start, unsigned long *end);
int vsvm_attr_madvise(struct vsvm_vm *vm, const struct drm_vsvm_madvise *args);
int vsvm_attr_query(struct vsvm_vm *vm, struct drm_vsvm_attr_query *args);

#endif /* _VSVM_ATTR_H_ */
