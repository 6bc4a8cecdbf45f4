// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/interval_tree.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <uapi/drm/vsvm_drm.h>

#include "vsvm_attr.h"
#include "vsvm_svm.h"
#include "vsvm_vm.h"

/**
 * DOC: Memory attributes
 *
 * MADVISE gives a span of the address space its &struct drm_vsvm_mem_attrs:
 * preferred location, granularity and atomic policy; elsewhere the VM's
 * defaults apply.  The attributes belong to addresses, not to the pages or
 * the GPU ranges there, and last until the addresses are unmapped.  Every
 * GPU fault range lies inside one span or one gap of defaults
 * (vsvm_attrs_clamp()), so that one set of attributes holds for all of it,
 * and MADVISE zaps the GPU's entries where it changed the attributes
 * (vsvm_svm_attrs_changed()): the next GPU access there faults and follows
 * the new ones, whether they move the memory or take atomics away.
 *
 * Each advised span is a &struct vsvm_attr_span in the VM's interval tree,
 * with an mmu_interval_notifier of its own so that it hears of munmap()
 * even where the GPU never faulted.  Its callback may not allocate or
 * sleep, so it only notes the unmapped part (up to
 * VSVM_ATTR_MAX_HOLES of them; more drop the span) and queues the span;
 * the next user of the attributes (a GPU fault, MADVISE, ATTR_QUERY,
 * PREFETCH) replaces it by the parts that are still mapped, in
 * vsvm_attrs_sync().  Spans never overlap: advising a span cuts the old
 * spans it overlaps.
 *
 * Both changes are all or nothing.  MADVISE makes every span it needs (the
 * new one and what is left of the old spans it cuts), with their notifiers,
 * before it changes the tree, and fails with -ENOMEM having changed
 * nothing.  Replacing an unmapped-into span allocates its pieces first; if
 * that fails the old span stays, holes and all, and is replaced by a later
 * sync, while MADVISE and ATTR_QUERY fail with -ENOMEM.  A span counts
 * against DRM_VSVM_MADVISE_MAX_SPANS for each piece holes cut it into, and
 * pieces beyond the limit fall back to the defaults.
 *
 * &vsvm_attrs.lock (a mutex) protects the tree; &vsvm_attrs.dirty_lock (a
 * spinlock, taken by the notifier callbacks) protects the queue and the
 * holes.  The lock is taken after &vsvm_gpusvm.lock and before the mmap
 * lock.
 */

/* Default granularity and atomic timeslice, for zeroes in the uAPI */
#define VSVM_ATTR_DEFAULT_GRANULE	SZ_2M
#define VSVM_ATTR_DEFAULT_TIMESLICE_MS	5

/**
 * struct vsvm_attr_hole - an unmapped part of an advised span
 */
struct vsvm_attr_hole {
	/** @start: first address */
	unsigned long start;
	/** @end: end address */
	unsigned long end;
};

/**
 * struct vsvm_attr_span - a span with advised attributes
 */
struct vsvm_attr_span {
	/** @vm: the VM */
	struct vsvm_vm *vm;
	/** @itree: node in &vsvm_attrs.root, under &vsvm_attrs.lock */
	struct interval_tree_node itree;
	/** @notifier: tells the span of unmaps */
	struct mmu_interval_notifier notifier;
	/** @attrs: the attributes, as advised; constant */
	struct drm_vsvm_mem_attrs attrs;
	/**
	 * @dirty_link: link in &vsvm_attrs.dirty when part of the span was
	 * unmapped; protected by &vsvm_attrs.dirty_lock
	 */
	struct list_head dirty_link;
	/** @holes: the unmapped parts; under &vsvm_attrs.dirty_lock */
	struct vsvm_attr_hole holes[VSVM_ATTR_MAX_HOLES];
	/** @nholes: entries of @holes; under &vsvm_attrs.dirty_lock */
	unsigned int nholes;
	/**
	 * @overflow: more than VSVM_ATTR_MAX_HOLES holes: drop the span;
	 * under &vsvm_attrs.dirty_lock
	 */
	bool overflow;
};

static bool vsvm_attr_invalidate(struct mmu_interval_notifier *mni,
				 const struct mmu_notifier_range *range,
				 unsigned long cur_seq)
{
	struct vsvm_attr_span *span = container_of(mni, typeof(*span),
						   notifier);
	struct vsvm_attrs *attrs = &span->vm->attrs;

	mmu_interval_set_seq(mni, cur_seq);
	if (range->event != MMU_NOTIFY_UNMAP)
		return true;

	spin_lock(&attrs->dirty_lock);
	if (span->nholes < VSVM_ATTR_MAX_HOLES) {
		span->holes[span->nholes].start = max(range->start,
						      span->itree.start);
		span->holes[span->nholes].end = min(range->end,
						    span->itree.last + 1);
		span->nholes++;
	} else {
		span->overflow = true;
	}
	if (list_empty(&span->dirty_link))
		list_add_tail(&span->dirty_link, &attrs->dirty);
	spin_unlock(&attrs->dirty_lock);
	return true;
}

static const struct mmu_interval_notifier_ops vsvm_attr_notifier_ops = {
	.invalidate = vsvm_attr_invalidate,
};

/*
 * Make the zeroed @span one over [start, end) and start its notifier.  Once
 * the mm has interval notifiers, which it has from a VM's first span on,
 * inserting one allocates nothing.
 */
static int vsvm_attr_span_listen(struct vsvm_vm *vm,
				 struct vsvm_attr_span *span,
				 unsigned long start, unsigned long end,
				 const struct drm_vsvm_mem_attrs *attrs)
{
	span->vm = vm;
	span->attrs = *attrs;
	span->itree.start = start;
	span->itree.last = end - 1;
	INIT_LIST_HEAD(&span->dirty_link);
	return mmu_interval_notifier_insert(&span->notifier, vm->mm, start,
					    end - start,
					    &vsvm_attr_notifier_ops);
}

/*
 * A new span over [start, end) whose notifier already listens, not yet in
 * the tree; attribute lock held
 */
static struct vsvm_attr_span *
vsvm_attr_span_create(struct vsvm_vm *vm, unsigned long start,
		      unsigned long end, const struct drm_vsvm_mem_attrs *attrs)
{
	struct vsvm_attr_span *span;
	int ret;

	span = kzalloc_obj(*span, GFP_KERNEL_ACCOUNT);
	if (!span)
		return ERR_PTR(-ENOMEM);
	ret = vsvm_attr_span_listen(vm, span, start, end, attrs);
	if (ret) {
		kfree(span);
		return ERR_PTR(ret);
	}
	return span;
}

/* Stop the notifier of a span that is not in the tree and free it */
static void vsvm_attr_span_destroy(struct vsvm_vm *vm,
				   struct vsvm_attr_span *span)
{
	mmu_interval_notifier_remove(&span->notifier);
	spin_lock(&vm->attrs.dirty_lock);
	list_del_init(&span->dirty_link);
	spin_unlock(&vm->attrs.dirty_lock);
	kfree(span);
}

/* Put a span made by vsvm_attr_span_create() in the tree */
static void vsvm_attr_span_link(struct vsvm_vm *vm, struct vsvm_attr_span *span)
{
	interval_tree_insert(&span->itree, &vm->attrs.root);
	vm->attrs.count++;
}

/*
 * Take a span out of the tree and stop its notifier; attribute lock held.
 * No callback runs afterwards, so its holes may be read without the dirty
 * lock until it is freed.
 */
static void vsvm_attr_detach(struct vsvm_vm *vm, struct vsvm_attr_span *span)
{
	mmu_interval_notifier_remove(&span->notifier);
	spin_lock(&vm->attrs.dirty_lock);
	list_del_init(&span->dirty_link);
	spin_unlock(&vm->attrs.dirty_lock);
	interval_tree_remove(&span->itree, &vm->attrs.root);
	vm->attrs.count--;
}

/* Remove a span; attribute lock held */
static void vsvm_attr_remove(struct vsvm_vm *vm, struct vsvm_attr_span *span)
{
	vsvm_attr_detach(vm, span);
	kfree(span);
}

/**
 * struct vsvm_attr_pool - spans allocated before a span is replaced
 * @span: the spans, zeroed
 * @n: how many of @span are left
 *
 * Holes cut a span in at most VSVM_ATTR_MAX_HOLES + 1 pieces.  Allocating
 * them before the old span goes means that a failed allocation leaves the
 * old span as it was, to be replaced later, instead of losing the
 * attributes of its still-mapped parts.
 */
struct vsvm_attr_pool {
	struct vsvm_attr_span *span[VSVM_ATTR_MAX_HOLES + 1];
	unsigned int n;
};

static void vsvm_attr_pool_drain(struct vsvm_attr_pool *pool)
{
	while (pool->n)
		kfree(pool->span[--pool->n]);
}

static int vsvm_attr_pool_fill(struct vsvm_attr_pool *pool)
{
	for (pool->n = 0; pool->n < ARRAY_SIZE(pool->span); pool->n++) {
		pool->span[pool->n] = kzalloc_obj(*pool->span[0], GFP_KERNEL_ACCOUNT);
		if (!pool->span[pool->n]) {
			vsvm_attr_pool_drain(pool);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Add a span over [start, end) made of a pooled span */
static void vsvm_attr_insert_pooled(struct vsvm_vm *vm,
				    struct vsvm_attr_pool *pool,
				    unsigned long start, unsigned long end,
				    const struct drm_vsvm_mem_attrs *attrs)
{
	struct vsvm_attr_span *span = pool->span[--pool->n];

	/* The mm has notifiers already: this cannot fail in practice. */
	if (vsvm_attr_span_listen(vm, span, start, end, attrs)) {
		kfree(span);
		return;
	}
	vsvm_attr_span_link(vm, span);
}

/* Re-add the parts of [start, end) outside the holes */
static void vsvm_attr_reinsert(struct vsvm_vm *vm, struct vsvm_attr_pool *pool,
			       unsigned long start, unsigned long end,
			       const struct drm_vsvm_mem_attrs *attrs,
			       const struct vsvm_attr_hole *holes,
			       unsigned int nholes)
{
	unsigned int i;

	if (start >= end)
		return;
	for (i = 0; i < nholes; i++) {
		if (holes[i].end <= start || holes[i].start >= end)
			continue;
		vsvm_attr_reinsert(vm, pool, start, holes[i].start, attrs,
				   holes + i + 1, nholes - i - 1);
		vsvm_attr_reinsert(vm, pool, holes[i].end, end, attrs,
				   holes + i + 1, nholes - i - 1);
		return;
	}
	/*
	 * Holes can cut one span in several: a VM at its span limit keeps
	 * the defaults on the parts beyond it.
	 */
	if (vm->attrs.count < DRM_VSVM_MADVISE_MAX_SPANS && pool->n)
		vsvm_attr_insert_pooled(vm, pool, start, end, attrs);
}

/* Replace one span that an unmap hit by its still-mapped parts */
static int vsvm_attr_sync_one(struct vsvm_vm *vm,
			      struct vsvm_attr_span *span)
{
	struct vsvm_attr_pool pool;
	int ret;

	ret = vsvm_attr_pool_fill(&pool);
	if (ret)
		return ret;
	vsvm_attr_detach(vm, span);
	if (!span->overflow)
		vsvm_attr_reinsert(vm, &pool, span->itree.start,
				   span->itree.last + 1, &span->attrs,
				   span->holes, span->nholes);
	kfree(span);
	vsvm_attr_pool_drain(&pool);
	return 0;
}

/**
 * vsvm_attrs_sync() - apply the unmaps the spans' notifiers saw
 * @vm: the VM
 *
 * Context: &vsvm_attrs.lock held, not the mmap lock.
 * Return: 0, or -ENOMEM with the spans not yet replaced left as they were
 * (their attributes still apply, holes included, until a later sync).
 */
static int vsvm_attrs_sync(struct vsvm_vm *vm)
{
	struct vsvm_attr_span *span;
	int ret;

	lockdep_assert_held(&vm->attrs.lock);
	for (;;) {
		spin_lock(&vm->attrs.dirty_lock);
		span = list_first_entry_or_null(&vm->attrs.dirty,
						struct vsvm_attr_span,
						dirty_link);
		spin_unlock(&vm->attrs.dirty_lock);
		if (!span)
			return 0;
		ret = vsvm_attr_sync_one(vm, span);
		if (ret)
			return ret;
	}
}

static struct vsvm_attr_span *vsvm_attr_first(struct vsvm_vm *vm,
					      unsigned long start,
					      unsigned long last)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&vm->attrs.root, start, last);
	return node ? container_of(node, struct vsvm_attr_span, itree) : NULL;
}

static struct vsvm_attr_span *vsvm_attr_next(struct vsvm_attr_span *span,
					     unsigned long start,
					     unsigned long last)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_next(&span->itree, start, last);
	return node ? container_of(node, struct vsvm_attr_span, itree) : NULL;
}

/* Zeroes in the uAPI mean defaults: spell them out */
static void vsvm_attrs_resolve(struct drm_vsvm_mem_attrs *attrs)
{
	if (!attrs->granularity)
		attrs->granularity = VSVM_ATTR_DEFAULT_GRANULE;
	if (attrs->atomic_policy == DRM_VSVM_ATOMIC_VRAM_ONLY &&
	    !attrs->atomic_timeslice_ms)
		attrs->atomic_timeslice_ms = VSVM_ATTR_DEFAULT_TIMESLICE_MS;
}

/**
 * vsvm_attrs_get() - the attributes that apply at an address
 * @vm: the VM
 * @addr: the address
 * @attrs: out: the attributes, defaults spelled out (the granularity and,
 *	for VRAM-only atomics, the timeslice are never zero)
 *
 * Context: process context, not under the mmap lock.
 */
void vsvm_attrs_get(struct vsvm_vm *vm, unsigned long addr,
		    struct drm_vsvm_mem_attrs *attrs)
{
	struct vsvm_attr_span *span;

	mutex_lock(&vm->attrs.lock);
	vsvm_attrs_sync(vm);
	span = vsvm_attr_first(vm, addr, addr);
	*attrs = span ? span->attrs : vm->attrs.defaults;
	mutex_unlock(&vm->attrs.lock);
	vsvm_attrs_resolve(attrs);
}

/*
 * Narrow [*start, *end) to the advised span, or the gap of defaults, around
 * @addr; one step per advised span in [*start, *end).  Attribute lock held.
 */
static void vsvm_attr_extent_locked(struct vsvm_vm *vm, unsigned long addr,
				    unsigned long *start, unsigned long *end)
{
	unsigned long last = *end - 1;
	struct vsvm_attr_span *span;

	lockdep_assert_held(&vm->attrs.lock);
	for (span = vsvm_attr_first(vm, *start, last); span;
	     span = vsvm_attr_next(span, *start, last)) {
		if (span->itree.last < addr) {
			*start = max(*start, span->itree.last + 1);
		} else if (span->itree.start > addr) {
			*end = min(*end, span->itree.start);
		} else {
			/* Spans do not overlap: this one is the answer. */
			*start = max(*start, span->itree.start);
			*end = min(*end, span->itree.last + 1);
			break;
		}
	}
}

/**
 * vsvm_attrs_clamp() - narrow a span to where the attributes at an address
 *	apply
 * @vm: the VM
 * @addr: the address, inside [*@start, *@end)
 * @start: in: start of the span; out: no lower than the start of the
 *	advised span, or of the gap of defaults, around @addr
 * @end: in: end of the span, exclusive; out: likewise no higher than its end
 *
 * A GPU fault range is made inside what this leaves, so that one set of
 * attributes holds for the whole range.  Costs one step per advised span
 * in [*@start, *@end): callers pass at most a 2 MiB chunk.
 *
 * Context: process context, not under the mmap lock.
 */
void vsvm_attrs_clamp(struct vsvm_vm *vm, unsigned long addr,
		      unsigned long *start, unsigned long *end)
{
	mutex_lock(&vm->attrs.lock);
	vsvm_attrs_sync(vm);
	vsvm_attr_extent_locked(vm, addr, start, end);
	mutex_unlock(&vm->attrs.lock);
}

/**
 * vsvm_attrs_init() - set up the attributes of a new VM
 * @vm: the VM
 */
void vsvm_attrs_init(struct vsvm_vm *vm)
{
	mutex_init(&vm->attrs.lock);
	vm->attrs.root = RB_ROOT_CACHED;
	spin_lock_init(&vm->attrs.dirty_lock);
	INIT_LIST_HEAD(&vm->attrs.dirty);
}

/**
 * vsvm_attrs_fini() - remove every span of a VM
 * @vm: the VM
 */
void vsvm_attrs_fini(struct vsvm_vm *vm)
{
	struct vsvm_attr_span *span;

	mutex_lock(&vm->attrs.lock);
	while ((span = vsvm_attr_first(vm, 0, ULONG_MAX)))
		vsvm_attr_remove(vm, span);
	mutex_unlock(&vm->attrs.lock);
	mutex_destroy(&vm->attrs.lock);
}

/**
 * struct vsvm_attr_advice - the spans one MADVISE puts in the tree
 * @span: the advised span
 * @left: what is left below it of an old span it cuts, or NULL
 * @right: what is left above it of an old span it cuts, or NULL
 */
struct vsvm_attr_advice {
	struct vsvm_attr_span *span;
	struct vsvm_attr_span *left;
	struct vsvm_attr_span *right;
};

static void vsvm_attr_advice_destroy(struct vsvm_vm *vm,
				     struct vsvm_attr_advice *advice)
{
	if (advice->right)
		vsvm_attr_span_destroy(vm, advice->right);
	if (advice->left)
		vsvm_attr_span_destroy(vm, advice->left);
	if (advice->span)
		vsvm_attr_span_destroy(vm, advice->span);
}

static int vsvm_attr_advice_add(struct vsvm_vm *vm,
				struct vsvm_attr_span **slot,
				unsigned long start, unsigned long end,
				const struct drm_vsvm_mem_attrs *attrs)
{
	struct vsvm_attr_span *span = vsvm_attr_span_create(vm, start, end,
							    attrs);

	if (IS_ERR(span))
		return PTR_ERR(span);
	*slot = span;
	return 0;
}

/*
 * Make every span advising [start, end) needs before changing the tree, so
 * that MADVISE either applies whole or changes nothing.  Attribute lock
 * held.
 */
static int vsvm_attr_advice_prepare(struct vsvm_vm *vm, unsigned long start,
				    unsigned long end,
				    const struct drm_vsvm_mem_attrs *attrs,
				    struct vsvm_attr_advice *advice)
{
	struct vsvm_attr_span *span, *below = NULL, *above = NULL;
	unsigned int overlapped = 0, pieces = 1;
	int ret;

	for (span = vsvm_attr_first(vm, start, end - 1); span;
	     span = vsvm_attr_next(span, start, end - 1)) {
		overlapped++;
		if (span->itree.start < start)
			below = span;
		if (span->itree.last + 1 > end)
			above = span;
	}
	pieces += !!below + !!above;
	if (vm->attrs.count - overlapped + pieces > DRM_VSVM_MADVISE_MAX_SPANS)
		return -ENOSPC;

	ret = vsvm_attr_advice_add(vm, &advice->span, start, end, attrs);
	if (!ret && below)
		ret = vsvm_attr_advice_add(vm, &advice->left, below->itree.start,
					   start, &below->attrs);
	if (!ret && above)
		ret = vsvm_attr_advice_add(vm, &advice->right, end,
					   above->itree.last + 1,
					   &above->attrs);
	if (ret)
		vsvm_attr_advice_destroy(vm, advice);
	return ret;
}

/* Replace the spans overlapping [start, end) by @advice; cannot fail */
static void vsvm_attr_advice_commit(struct vsvm_vm *vm, unsigned long start,
				    unsigned long end,
				    struct vsvm_attr_advice *advice)
{
	struct vsvm_attr_span *span;

	while ((span = vsvm_attr_first(vm, start, end - 1)))
		vsvm_attr_remove(vm, span);
	vsvm_attr_span_link(vm, advice->span);
	if (advice->left)
		vsvm_attr_span_link(vm, advice->left);
	if (advice->right)
		vsvm_attr_span_link(vm, advice->right);
}

/* Give [start, end) @attrs, all or nothing; attribute lock held */
static int vsvm_attr_advise(struct vsvm_vm *vm, unsigned long start,
			    unsigned long end,
			    const struct drm_vsvm_mem_attrs *attrs)
{
	struct vsvm_attr_advice advice = {};
	int ret;

	ret = vsvm_attr_advice_prepare(vm, start, end, attrs, &advice);
	if (!ret)
		vsvm_attr_advice_commit(vm, start, end, &advice);
	return ret;
}

/* MADVISE itself, on a VM whose spans are in sync; attribute lock held */
static int vsvm_madvise_locked(struct vsvm_vm *vm,
			       const struct drm_vsvm_madvise *args)
{
	if (vsvm_vm_is_closed(vm))
		return -ENOENT;
	if (args->flags & DRM_VSVM_MADVISE_VM_DEFAULT) {
		vm->attrs.defaults = args->attrs;
		return 0;
	}
	return vsvm_attr_advise(vm, args->start, args->start + args->size,
				&args->attrs);
}

/*
 * New attributes apply to memory the GPU has mapped already: its entries
 * go, and the next GPU access faults and follows them.
 */
static void vsvm_madvise_apply(struct vsvm_vm *vm,
			       const struct drm_vsvm_madvise *args)
{
	if (args->flags & DRM_VSVM_MADVISE_VM_DEFAULT)
		vsvm_svm_attrs_changed(vm, 0, TASK_SIZE_MAX);
	else
		vsvm_svm_attrs_changed(vm, args->start,
				       args->start + args->size);
}

/**
 * vsvm_attr_madvise() - give a span, or the VM's defaults, attributes
 * @vm: the VM, referenced by the caller, who runs in its mm
 * @args: the span and its attributes, checked: page aligned and below
 *	TASK_SIZE_MAX, or no span with DRM_VSVM_MADVISE_VM_DEFAULT
 *
 * All or nothing: either the whole span has the new attributes or nothing
 * changed.  The GPU's entries over the span are zapped afterwards, so that
 * its next access there follows the attributes.
 *
 * Return: 0, -ENOENT if the VM is closed, -ENOSPC beyond
 * DRM_VSVM_MADVISE_MAX_SPANS spans, or -ENOMEM.
 */
int vsvm_attr_madvise(struct vsvm_vm *vm, const struct drm_vsvm_madvise *args)
{
	int ret;

	mutex_lock(&vm->attrs.lock);
	ret = vsvm_attrs_sync(vm);
	if (!ret)
		ret = vsvm_madvise_locked(vm, args);
	mutex_unlock(&vm->attrs.lock);
	if (!ret)
		vsvm_madvise_apply(vm, args);
	return ret;
}

/* ATTR_QUERY itself, on a VM whose spans are in sync; attribute lock held */
static void vsvm_attr_query_locked(struct vsvm_vm *vm,
				   struct drm_vsvm_attr_query *args)
{
	struct vsvm_attr_span *span;
	unsigned long start, end;

	span = vsvm_attr_first(vm, args->addr, args->addr);
	args->attrs = span ? span->attrs : vm->attrs.defaults;
	start = 0;
	end = TASK_SIZE_MAX;
	vsvm_attr_extent_locked(vm, args->addr, &start, &end);
	args->advised = !!span;
	args->start = start;
	args->size = end - start;
}

/**
 * vsvm_attr_query() - the attributes at an address, for ATTR_QUERY
 * @vm: the VM, referenced by the caller, who runs in its mm
 * @args: &drm_vsvm_attr_query.addr, checked: below TASK_SIZE_MAX; the
 *	attributes there and the span or the gap of defaults around it are
 *	written to the outputs
 *
 * Return: 0 or -ENOMEM.
 */
int vsvm_attr_query(struct vsvm_vm *vm, struct drm_vsvm_attr_query *args)
{
	int ret;

	mutex_lock(&vm->attrs.lock);
	ret = vsvm_attrs_sync(vm);
	if (!ret)
		vsvm_attr_query_locked(vm, args);
	mutex_unlock(&vm->attrs.lock);
	return ret;
}
