// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * TEST: vsvm migrate
 * Category: Software emulated GPU
 * Description: VRAM as device-private memory: pages move to VRAM on GPU
 *		faults and PREFETCH, and back on CPU faults, PREFETCH and
 *		eviction, as the memory attributes set with MADVISE say, with
 *		their data intact through fork, munmap, mremap, process exit,
 *		oversubscription, allocation failures and a second device; and
 *		the new ioctls reject every malformed input.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "igt.h"
#include "igt_kmod.h"
#include "vsvm_igt.h"

IGT_TEST_DESCRIPTION("VRAM migration: MADVISE, ATTR_QUERY, PREFETCH, GPU and CPU faults, eviction, fork, exit and two devices.");

#define BATCH_CAPACITY	SZ_64K
/* Written by the STORE that ends a batch which is expected to fail. */
#define MARKER		0x3a3a5c5c7e7e9191ull

/* Addresses beyond the user address space, whatever the paging mode. */
#define KERNEL_ADDR	0xffff888000000000ull
#define NONCANONICAL	0xdead000000000000ull
#define BEYOND_LA57	0x0100000000000000ull

/* An id no VM of this file has. */
#define BOGUS_VM	0xfffffff0u

/* How long VRAM may take to be freed after its pages went (a worker). */
#define VRAM_FREE_TIMEOUT_MS	5000

/* The VRAM of the oversubscription and eviction tests, in MiB. */
#define SMALL_VRAM_MB	4

/* More VRAM allocation failures than any test makes allocations. */
#define FAIL_ALWAYS	1000000u

/* A device, and the VM of the test on it. */
struct gpu {
	int fd;
	uint32_t vm;
	unsigned int index;
	unsigned int engines;
	uint64_t vram_size;
};

static struct gpu dev = { .fd = -1 }, dev1 = { .fd = -1 };

/*
 * What the small GPU helpers below work with.  The batches and the scratch
 * page are advised DRM_VSVM_LOC_SYSTEM on every VM, so that only the memory
 * under test moves.
 */
static struct {
	uint8_t *mem;
	size_t size;
	struct vsvm_batch batch;
	struct vsvm_batch batch2;
	/* written by a job only if it got past the command under test */
	uint64_t *marker;
	/* a page the GPU may always write: destination of probing reads */
	uint8_t *scratch;
} tool;

/* What the fixtures undo: module options, armed fault injection */
static struct {
	bool changed;
	bool fail_alloc_armed;
} module;

static void advise_attrs(const struct gpu *g, const void *p, size_t size,
			 const struct drm_vsvm_mem_attrs *attrs)
{
	vsvm_madvise(g->fd, g->vm, to_user_pointer(p), size, attrs);
}

static void advise(const struct gpu *g, const void *p, size_t size,
		   uint32_t loc, uint32_t granularity)
{
	const struct drm_vsvm_mem_attrs attrs =
		vsvm_mem_attrs(loc, granularity, DRM_VSVM_ATOMIC_ANYWHERE, 0);

	advise_attrs(g, p, size, &attrs);
}

/* Private anonymous memory that stays in system memory for dev's GPU. */
static void *map_system(size_t size)
{
	void *p = vsvm_map_anon(size);

	advise(&dev, p, size, DRM_VSVM_LOC_SYSTEM, 0);
	return p;
}

static void tool_init(void)
{
	tool.size = 2 * BATCH_CAPACITY + SZ_4K;
	tool.mem = vsvm_map_anon(tool.size);
	vsvm_batch_init(&tool.batch, tool.mem, BATCH_CAPACITY);
	vsvm_batch_init(&tool.batch2, tool.mem + BATCH_CAPACITY,
			BATCH_CAPACITY);
	tool.marker = (uint64_t *)(tool.mem + 2 * BATCH_CAPACITY);
	tool.scratch = tool.mem + 2 * BATCH_CAPACITY + 64;
}

static void tool_advise(const struct gpu *g)
{
	advise(g, tool.mem, tool.size, DRM_VSVM_LOC_SYSTEM, 0);
}

static struct vsvm_batch *tool_batch(void)
{
	vsvm_batch_reset(&tool.batch);
	return &tool.batch;
}

/* Opens device @index with a new VM, or skips without VRAM. */
static void gpu_open(struct gpu *g, unsigned int index)
{
	g->index = index;
	g->fd = vsvm_igt_open(index);
	g->engines = vsvm_require_svm(g->fd);
	g->vram_size = vsvm_require_vram(g->fd);
	g->vm = vsvm_vm_create(g->fd);
	tool_advise(g);
}

static void gpu_close(struct gpu *g)
{
	vsvm_igt_close(&g->fd, g->vm);
}

/* A VM of its own on dev's file, with the tool advised. */
static struct gpu gpu_new_vm(void)
{
	struct gpu g = dev;

	g.vm = vsvm_vm_create(dev.fd);
	tool_advise(&g);
	return g;
}

static void run(const struct gpu *g, struct vsvm_batch *b)
{
	vsvm_run(g->fd, g->vm, 0, b);
}

static void gpu_copy(const struct gpu *g, void *dst, const void *src,
		     size_t size)
{
	vsvm_run_copy(g->fd, g->vm, &tool.batch, to_user_pointer(dst),
		      to_user_pointer(src), size);
}

static void gpu_fill(const struct gpu *g, void *dst, size_t size,
		     uint32_t word)
{
	vsvm_run_fill(g->fd, g->vm, &tool.batch, to_user_pointer(dst), size,
		      word);
}

/* A GPU read of one word at @p. */
static void gpu_touch(const struct gpu *g, const void *p)
{
	vsvm_run_copy(g->fd, g->vm, &tool.batch, to_user_pointer(tool.scratch),
		      to_user_pointer(p), 8);
}

static struct drm_vsvm_prefetch prefetch(const struct gpu *g, const void *p,
					 size_t size, uint32_t region)
{
	return vsvm_prefetch(g->fd, g->vm, to_user_pointer(p), size, region);
}

static void expect_prefetch(const struct drm_vsvm_prefetch *pf,
			    uint64_t moved, uint64_t already,
			    uint64_t unmapped, uint64_t unmovable)
{
	igt_assert_eq_u64(pf->moved, moved);
	igt_assert_eq_u64(pf->already, already);
	igt_assert_eq_u64(pf->unmapped, unmapped);
	igt_assert_eq_u64(pf->unmovable, unmovable);
	igt_assert_eq_u64(pf->busy, 0);
	igt_assert_eq_u64(pf->no_memory, 0);
}

static void assert_where(const struct gpu *g, const void *p, size_t size,
			 enum vsvm_residency where)
{
	vsvm_assert_residency(g->fd, g->vm, to_user_pointer(p), size, where);
}

static size_t count_where(const struct gpu *g, const void *p, size_t size,
			  enum vsvm_residency where)
{
	return vsvm_residency_count(g->fd, g->vm, to_user_pointer(p), size,
				    where);
}

/* Every page of the span has @state in the GPU's page table. */
static void assert_gpu_state(const struct gpu *g, const void *p, size_t size,
			     unsigned int state)
{
	uint8_t *info = malloc(PAGES(size));
	size_t i;

	igt_assert(info);
	vsvm_range_info(g->fd, g->vm, to_user_pointer(p), size, info);
	for (i = 0; i < PAGES(size); i++)
		igt_assert_f(DRM_VSVM_RANGE_INFO_STATE(info[i]) == state,
			     "page %#llx: GPU state %u, expected %u\n",
			     (unsigned long long)to_user_pointer(p) +
			     i * SZ_4K, DRM_VSVM_RANGE_INFO_STATE(info[i]),
			     state);
	free(info);
}

static void set_words(void *buf, size_t size, uint32_t word)
{
	uint32_t *w = buf;
	size_t i;

	for (i = 0; i < size / 4; i++)
		w[i] = word;
}

/* The counters the tests look at */
enum migrate_stat {
	MIGRATE_TO_VRAM,
	MIGRATE_TO_SYS,
	PAGES_TO_VRAM,
	PAGES_TO_SYS,
	BYTES_TO_VRAM,
	BYTES_TO_SYS,
	MIGRATE_4K,
	MIGRATE_64K,
	MIGRATE_2M,
	CPU_FAULTS_VRAM,
	EVICTIONS,
	EVICT_PAGES,
	VRAM_ALLOC_FAIL,
	NR_STATS
};

static const char * const stat_names[NR_STATS] = {
	[MIGRATE_TO_VRAM] = "migrate_to_vram",
	[MIGRATE_TO_SYS] = "migrate_to_sys",
	[PAGES_TO_VRAM] = "migrate_pages_to_vram",
	[PAGES_TO_SYS] = "migrate_pages_to_sys",
	[BYTES_TO_VRAM] = "migrate_bytes_to_vram",
	[BYTES_TO_SYS] = "migrate_bytes_to_sys",
	[MIGRATE_4K] = "migrate_4k",
	[MIGRATE_64K] = "migrate_64k",
	[MIGRATE_2M] = "migrate_2m",
	[CPU_FAULTS_VRAM] = "cpu_faults_vram",
	[EVICTIONS] = "evictions",
	[EVICT_PAGES] = "evict_pages",
	[VRAM_ALLOC_FAIL] = "vram_alloc_fail",
};

static struct vsvm_stats stats_read(const struct gpu *g)
{
	return vsvm_stats_read(g->index, stat_names, NR_STATS);
}

/* VRAM in use falls back to @at_most within the time a worker needs. */
static void assert_vram_released(unsigned int index, uint64_t at_most)
{
	uint64_t used = vsvm_vram_wait_used(index, at_most,
					    VRAM_FREE_TIMEOUT_MS);

	igt_assert_f(used <= at_most,
		     "device %u: %llu bytes of VRAM used after %u ms, expected at most %llu\n",
		     index, (unsigned long long)used, VRAM_FREE_TIMEOUT_MS,
		     (unsigned long long)at_most);
}

/*
 * uAPI rejection.  Each test starts from valid arguments, changes one
 * field, and checks that nothing happened; the valid arguments are then
 * accepted, so that only the changed field made the difference.
 */

static void assert_not_advised(const void *p)
{
	struct drm_vsvm_attr_query q = vsvm_attr_query(dev.fd, dev.vm,
						       to_user_pointer(p));

	igt_assert_eq_u32(q.advised, 0);
}

static struct drm_vsvm_madvise madvise_args(const void *p)
{
	return (struct drm_vsvm_madvise) {
		.vm_id = dev.vm,
		.start = to_user_pointer(p),
		.size = SZ_64K,
		.attrs = vsvm_mem_attrs(DRM_VSVM_LOC_VRAM, SZ_64K,
					DRM_VSVM_ATOMIC_ANYWHERE, 0),
	};
}

/* Sets the VM's defaults to what the fixture's VM has: all zero. */
static struct drm_vsvm_madvise vm_default_args(void)
{
	return (struct drm_vsvm_madvise) {
		.vm_id = dev.vm,
		.flags = DRM_VSVM_MADVISE_VM_DEFAULT,
	};
}

static int madvise_errno(struct drm_vsvm_madvise madvise)
{
	return __vsvm_madvise(dev.fd, &madvise);
}

static void test_reject_madvise_flags(void)
{
	uint8_t *p = vsvm_map_anon(SZ_64K);
	struct drm_vsvm_madvise m = madvise_args(p), d = vm_default_args();
	unsigned int bit;

	for (bit = 1; bit < 32; bit++) {
		m.flags = 1u << bit;
		igt_assert_eq(madvise_errno(m), -EINVAL);
		d.flags = DRM_VSVM_MADVISE_VM_DEFAULT | 1u << bit;
		igt_assert_eq(madvise_errno(d), -EINVAL);
	}
	assert_not_advised(p);
	m.flags = 0;
	igt_assert_eq(madvise_errno(m), 0);
	d.flags = DRM_VSVM_MADVISE_VM_DEFAULT;
	igt_assert_eq(madvise_errno(d), 0);
	munmap(p, SZ_64K);
}

static void test_reject_madvise_unaligned(void)
{
	static const uint64_t deltas[] = { 1, 8, 2048, SZ_4K - 1 };
	uint8_t *p = vsvm_map_anon(SZ_64K);
	struct drm_vsvm_madvise m = madvise_args(p), bad;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(deltas); i++) {
		bad = m;
		bad.start += deltas[i];
		igt_assert_eq(madvise_errno(bad), -EINVAL);
		bad = m;
		bad.size -= deltas[i];
		igt_assert_eq(madvise_errno(bad), -EINVAL);
		bad = m;
		bad.size += deltas[i];
		igt_assert_eq(madvise_errno(bad), -EINVAL);
	}
	assert_not_advised(p);
	igt_assert_eq(madvise_errno(m), 0);
	munmap(p, SZ_64K);
}

static void test_reject_madvise_size_zero(void)
{
	uint8_t *p = vsvm_map_anon(SZ_64K);
	struct drm_vsvm_madvise m = madvise_args(p), bad = m;

	bad.size = 0;
	igt_assert_eq(madvise_errno(bad), -EINVAL);
	assert_not_advised(p);
	igt_assert_eq(madvise_errno(m), 0);
	munmap(p, SZ_64K);
}

static void test_reject_madvise_wrap(void)
{
	uint8_t *p = vsvm_map_anon(SZ_64K);
	struct drm_vsvm_madvise m = madvise_args(p), bad = m;

	/* ends exactly at 2^64, and far beyond it */
	bad.size = -(uint64_t)to_user_pointer(p);
	igt_assert_eq(madvise_errno(bad), -EINVAL);
	bad.size = ~(SZ_4K - 1);
	igt_assert_eq(madvise_errno(bad), -EINVAL);
	bad.start = 0xfffffffffffff000ull;
	bad.size = 2 * SZ_4K;
	igt_assert_eq(madvise_errno(bad), -EINVAL);
	assert_not_advised(p);
	igt_assert_eq(madvise_errno(m), 0);
	munmap(p, SZ_64K);
}

static void test_reject_madvise_kernel_addr(void)
{
	static const uint64_t starts[] = {
		KERNEL_ADDR, NONCANONICAL, BEYOND_LA57,
	};
	uint8_t *p = vsvm_map_anon(SZ_64K);
	struct drm_vsvm_madvise m = madvise_args(p), bad = m;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		bad.start = starts[i];
		igt_assert_eq(madvise_errno(bad), -EINVAL);
	}
	/* a span that starts in user space and ends beyond it */
	bad.start = BEYOND_LA57 - SZ_64K;
	bad.size = 2 * SZ_64K;
	igt_assert_eq(madvise_errno(bad), -EINVAL);
	igt_assert_eq(madvise_errno(m), 0);
	munmap(p, SZ_64K);
}

/*
 * Invalid attributes @bad are rejected on a span and as the VM's defaults;
 * @good, which differs from @bad only in the field under test, is not.
 */
static void reject_attrs(const struct drm_vsvm_mem_attrs *bad,
			 const struct drm_vsvm_mem_attrs *good)
{
	uint8_t *p = vsvm_map_anon(SZ_64K);
	struct drm_vsvm_madvise m = madvise_args(p), d = vm_default_args();
	struct drm_vsvm_attr_query q;

	m.attrs = *bad;
	igt_assert_eq(madvise_errno(m), -EINVAL);
	d.attrs = *bad;
	igt_assert_eq(madvise_errno(d), -EINVAL);
	assert_not_advised(p);
	q = vsvm_attr_query(dev.fd, dev.vm, to_user_pointer(p));
	igt_assert_eq_u32(q.attrs.preferred_loc, DRM_VSVM_LOC_AUTO);
	igt_assert_eq_u32(q.attrs.atomic_policy, DRM_VSVM_ATOMIC_ANYWHERE);
	m.attrs = *good;
	igt_assert_eq(madvise_errno(m), 0);
	munmap(p, SZ_64K);
}

static void test_reject_madvise_location(void)
{
	static const uint32_t locs[] = {
		DRM_VSVM_LOC_VRAM + 1, 4, 0x80000000u, 0xffffffffu,
	};
	struct drm_vsvm_mem_attrs bad = {}, good = {};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(locs); i++) {
		bad.preferred_loc = locs[i];
		good.preferred_loc = i % 3;
		reject_attrs(&bad, &good);
	}
}

static void test_reject_madvise_granularity(void)
{
	static const uint32_t sizes[] = {
		1, 0x800, 0x2000, 0x8000, 0x20000, SZ_1M, 2 * SZ_2M,
		0x40000000u, SZ_4K | SZ_64K, SZ_64K | SZ_2M, 0xffffffffu,
	};
	static const uint32_t valid[] = { 0, SZ_4K, SZ_64K, SZ_2M };
	struct drm_vsvm_mem_attrs bad = {}, good = {};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		bad.granularity = sizes[i];
		good.granularity = valid[i % ARRAY_SIZE(valid)];
		reject_attrs(&bad, &good);
	}
}

static void test_reject_madvise_atomic_policy(void)
{
	static const uint32_t policies[] = {
		DRM_VSVM_ATOMIC_VRAM_ONLY + 1, 3, 0x80000000u, 0xffffffffu,
	};
	struct drm_vsvm_mem_attrs bad = {}, good = {};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		bad.atomic_policy = policies[i];
		good.atomic_policy = i & 1;
		reject_attrs(&bad, &good);
	}
}

static void test_reject_madvise_timeslice_too_big(void)
{
	static const uint32_t slices[] = {
		DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS + 1, 10000, 0x80000000u,
		0xffffffffu,
	};
	struct drm_vsvm_mem_attrs bad, good;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(slices); i++) {
		bad = vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, 0,
				     DRM_VSVM_ATOMIC_VRAM_ONLY, slices[i]);
		good = vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, 0,
				      DRM_VSVM_ATOMIC_VRAM_ONLY,
				      DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS);
		reject_attrs(&bad, &good);
	}
}

static void test_reject_madvise_timeslice_anywhere(void)
{
	static const uint32_t slices[] = {
		1, 5, DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS,
	};
	struct drm_vsvm_mem_attrs bad, good;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(slices); i++) {
		bad = vsvm_mem_attrs(DRM_VSVM_LOC_VRAM, 0,
				     DRM_VSVM_ATOMIC_ANYWHERE, slices[i]);
		good = vsvm_mem_attrs(DRM_VSVM_LOC_VRAM, 0,
				      DRM_VSVM_ATOMIC_VRAM_ONLY, slices[i]);
		reject_attrs(&bad, &good);
	}
}

static void test_reject_madvise_vm_default_span(void)
{
	uint8_t *p = vsvm_map_anon(SZ_64K);
	struct drm_vsvm_madvise d = vm_default_args(), bad;
	struct drm_vsvm_attr_query q;

	d.attrs = vsvm_mem_attrs(DRM_VSVM_LOC_SYSTEM, SZ_64K,
				 DRM_VSVM_ATOMIC_ANYWHERE, 0);
	bad = d;
	bad.start = to_user_pointer(p);
	igt_assert_eq(madvise_errno(bad), -EINVAL);
	bad.size = SZ_64K;
	igt_assert_eq(madvise_errno(bad), -EINVAL);
	bad.start = 0;
	igt_assert_eq(madvise_errno(bad), -EINVAL);
	bad.start = SZ_4K;
	bad.size = 0;
	igt_assert_eq(madvise_errno(bad), -EINVAL);

	/* the defaults did not change, and no span was advised */
	q = vsvm_attr_query(dev.fd, dev.vm, to_user_pointer(p));
	igt_assert_eq_u32(q.advised, 0);
	igt_assert_eq_u32(q.attrs.preferred_loc, DRM_VSVM_LOC_AUTO);

	/* with start and size 0 it is fine; then back to the defaults */
	igt_assert_eq(madvise_errno(d), 0);
	q = vsvm_attr_query(dev.fd, dev.vm, to_user_pointer(p));
	igt_assert_eq_u32(q.attrs.preferred_loc, DRM_VSVM_LOC_SYSTEM);
	igt_assert_eq(madvise_errno(vm_default_args()), 0);
	munmap(p, SZ_64K);
}

/* VM ids that are not valid on dev's file: never, no more, or another's. */
struct stale_ids {
	uint32_t ids[5];
	uint32_t foreign;
	int fd2;
};

static struct stale_ids stale_ids_get(void)
{
	struct stale_ids s = {
		.ids = { 0, BOGUS_VM, 0xffffffffu },
	};
	uint32_t destroyed = vsvm_vm_create(dev.fd);

	vsvm_vm_destroy(dev.fd, destroyed);
	s.fd2 = vsvm_igt_open(0);
	/* ids are per file: make sure the other file's id is not ours */
	do {
		s.foreign = vsvm_vm_create(s.fd2);
	} while (s.foreign == dev.vm || s.foreign == destroyed);
	s.ids[3] = destroyed;
	s.ids[4] = s.foreign;
	return s;
}

static void stale_ids_put(struct stale_ids *s)
{
	vsvm_vm_destroy(s->fd2, s->foreign);
	close(s->fd2);
}

static void test_reject_madvise_unknown_vm(void)
{
	uint8_t *p = vsvm_map_anon(SZ_64K);
	struct drm_vsvm_madvise m = madvise_args(p), d = vm_default_args();
	struct stale_ids s = stale_ids_get();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s.ids); i++) {
		m.vm_id = s.ids[i];
		igt_assert_eq(madvise_errno(m), -ENOENT);
		d.vm_id = s.ids[i];
		igt_assert_eq(madvise_errno(d), -ENOENT);
	}
	stale_ids_put(&s);
	assert_not_advised(p);
	munmap(p, SZ_64K);
}

static void test_reject_madvise_other_process(void)
{
	uint8_t *p = vsvm_map_anon(SZ_64K);
	struct drm_vsvm_madvise m = madvise_args(p), d = vm_default_args();

	igt_fork(child, 1) {
		igt_assert_eq(madvise_errno(m), -EPERM);
		igt_assert_eq(madvise_errno(d), -EPERM);
	}
	igt_waitchildren();
	assert_not_advised(p);
	igt_assert_eq(madvise_errno(m), 0);
	munmap(p, SZ_64K);
}

static void test_reject_madvise_too_many_spans(void)
{
	const size_t reserve = 2 * (DRM_VSVM_MADVISE_MAX_SPANS + 1) * SZ_4K;
	uint8_t *area = mmap(NULL, reserve, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct gpu g = gpu_new_vm();
	const struct drm_vsvm_mem_attrs attrs =
		vsvm_mem_attrs(DRM_VSVM_LOC_SYSTEM, SZ_4K,
			       DRM_VSVM_ATOMIC_ANYWHERE, 0);
	struct drm_vsvm_madvise m = {
		.vm_id = g.vm,
		.size = SZ_4K,
		.attrs = attrs,
	};
	uint8_t *p;
	unsigned int i;

	igt_assert(area != MAP_FAILED);
	/*
	 * Every other page, so that no two spans touch.  The tool's span
	 * is one of them already.
	 */
	for (i = 0; i < DRM_VSVM_MADVISE_MAX_SPANS - 1; i++) {
		m.start = to_user_pointer(area + 2 * i * SZ_4K);
		igt_assert_eq(__vsvm_madvise(g.fd, &m), 0);
	}
	m.start = to_user_pointer(area + 2 * i * SZ_4K);
	igt_assert_eq(__vsvm_madvise(g.fd, &m), -ENOSPC);
	m.start = to_user_pointer(area + 2 * (i + 1) * SZ_4K);
	igt_assert_eq(__vsvm_madvise(g.fd, &m), -ENOSPC);
	igt_assert_eq_u32(vsvm_attr_query(g.fd, g.vm, m.start).advised, 0);

	/* Unmapping the spans frees them */
	igt_assert_eq(munmap(area, reserve), 0);
	p = vsvm_map_anon(SZ_64K);
	advise_attrs(&g, p, SZ_64K, &attrs);
	igt_assert_eq_u32(vsvm_attr_query(g.fd, g.vm,
					  to_user_pointer(p)).advised, 1);
	vsvm_vm_destroy(g.fd, g.vm);
	munmap(p, SZ_64K);
}

static struct drm_vsvm_attr_query attr_query_args(const void *p)
{
	return (struct drm_vsvm_attr_query) {
		.vm_id = dev.vm,
		.addr = to_user_pointer(p),
	};
}

static int attr_query_errno(struct drm_vsvm_attr_query query)
{
	return __vsvm_attr_query(dev.fd, &query);
}

static void test_reject_attr_query_flags(void)
{
	struct drm_vsvm_attr_query q = attr_query_args(tool.scratch);
	unsigned int bit;

	igt_assert_eq(attr_query_errno(q), 0);
	for (bit = 0; bit < 32; bit++) {
		q.flags = 1u << bit;
		igt_assert_eq(attr_query_errno(q), -EINVAL);
	}
}

static void test_reject_attr_query_addr(void)
{
	static const uint64_t addrs[] = {
		KERNEL_ADDR, NONCANONICAL, BEYOND_LA57, ~0ull,
	};
	struct drm_vsvm_attr_query q = attr_query_args(tool.scratch);
	unsigned int i;

	igt_assert_eq(attr_query_errno(q), 0);
	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		q.addr = addrs[i];
		igt_assert_eq(attr_query_errno(q), -EINVAL);
	}
}

static void test_reject_attr_query_unknown_vm(void)
{
	struct drm_vsvm_attr_query q = attr_query_args(tool.scratch);
	struct stale_ids s = stale_ids_get();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s.ids); i++) {
		q.vm_id = s.ids[i];
		igt_assert_eq(attr_query_errno(q), -ENOENT);
	}
	stale_ids_put(&s);
}

static void test_reject_attr_query_other_process(void)
{
	struct drm_vsvm_attr_query q = attr_query_args(tool.scratch);

	igt_fork(child, 1)
		igt_assert_eq(attr_query_errno(q), -EPERM);
	igt_waitchildren();
	igt_assert_eq(attr_query_errno(q), 0);
}

/* A prefetch to VRAM of 16 pages the CPU wrote. */
static struct drm_vsvm_prefetch prefetch_args(const void *p)
{
	return (struct drm_vsvm_prefetch) {
		.vm_id = dev.vm,
		.start = to_user_pointer(p),
		.size = SZ_64K,
		.region = DRM_VSVM_REGION_VRAM,
	};
}

static int prefetch_errno(struct drm_vsvm_prefetch prefetch)
{
	return __vsvm_prefetch(dev.fd, &prefetch);
}

static uint8_t *prefetch_target(void)
{
	uint8_t *p = vsvm_map_isolated_anon(SZ_64K, SZ_64K);

	memset(p, 0x3c, SZ_64K);
	return p;
}

/* Nothing moved: then the valid prefetch moves everything. */
static void prefetch_accepted(uint8_t *p, struct drm_vsvm_prefetch pf)
{
	assert_where(&dev, p, SZ_64K, VSVM_RESIDENCY_SYSTEM);
	igt_assert_eq(__vsvm_prefetch(dev.fd, &pf), 0);
	igt_assert_eq_u64(pf.moved, PAGES(SZ_64K));
	assert_where(&dev, p, SZ_64K, VSVM_RESIDENCY_VRAM);
	vsvm_assert_bytes(p, SZ_64K, 0x3c);
	munmap(p, SZ_64K);
}

static void test_reject_prefetch_flags(void)
{
	uint8_t *p = prefetch_target();
	struct drm_vsvm_prefetch pf = prefetch_args(p), bad = pf;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		bad.flags = 1u << bit;
		igt_assert_eq(prefetch_errno(bad), -EINVAL);
	}
	prefetch_accepted(p, pf);
}

static void test_reject_prefetch_region(void)
{
	static const uint32_t regions[] = {
		DRM_VSVM_REGION_VRAM + 1, 3, 0x80000000u, 0xffffffffu,
	};
	uint8_t *p = prefetch_target();
	struct drm_vsvm_prefetch pf = prefetch_args(p), bad = pf;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(regions); i++) {
		bad.region = regions[i];
		igt_assert_eq(prefetch_errno(bad), -EINVAL);
	}
	prefetch_accepted(p, pf);
}

static void test_reject_prefetch_pad(void)
{
	uint8_t *p = prefetch_target();
	struct drm_vsvm_prefetch pf = prefetch_args(p), bad = pf;

	bad.pad = 1;
	igt_assert_eq(prefetch_errno(bad), -EINVAL);
	bad.pad = 0x80000000u;
	igt_assert_eq(prefetch_errno(bad), -EINVAL);
	prefetch_accepted(p, pf);
}

static void test_reject_prefetch_unaligned(void)
{
	static const uint64_t deltas[] = { 1, 8, 2048, SZ_4K - 1 };
	uint8_t *p = prefetch_target();
	struct drm_vsvm_prefetch pf = prefetch_args(p), bad;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(deltas); i++) {
		bad = pf;
		bad.start += deltas[i];
		igt_assert_eq(prefetch_errno(bad), -EINVAL);
		bad = pf;
		bad.size -= deltas[i];
		igt_assert_eq(prefetch_errno(bad), -EINVAL);
	}
	prefetch_accepted(p, pf);
}

static void test_reject_prefetch_size_zero(void)
{
	uint8_t *p = prefetch_target();
	struct drm_vsvm_prefetch pf = prefetch_args(p), bad = pf;

	bad.size = 0;
	igt_assert_eq(prefetch_errno(bad), -EINVAL);
	prefetch_accepted(p, pf);
}

static void test_reject_prefetch_wrap(void)
{
	uint8_t *p = prefetch_target();
	struct drm_vsvm_prefetch pf = prefetch_args(p), bad = pf;

	bad.size = -(uint64_t)to_user_pointer(p);
	igt_assert_eq(prefetch_errno(bad), -EINVAL);
	bad.size = ~(SZ_4K - 1);
	igt_assert_eq(prefetch_errno(bad), -EINVAL);
	bad.start = 0xfffffffffffff000ull;
	bad.size = 2 * SZ_4K;
	igt_assert_eq(prefetch_errno(bad), -EINVAL);
	prefetch_accepted(p, pf);
}

static void test_reject_prefetch_kernel_addr(void)
{
	static const uint64_t starts[] = {
		KERNEL_ADDR, NONCANONICAL, BEYOND_LA57,
	};
	uint8_t *p = prefetch_target();
	struct drm_vsvm_prefetch pf = prefetch_args(p), bad = pf;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		bad.start = starts[i];
		igt_assert_eq(prefetch_errno(bad), -EINVAL);
	}
	bad.start = BEYOND_LA57 - SZ_64K;
	bad.size = 2 * SZ_64K;
	igt_assert_eq(prefetch_errno(bad), -EINVAL);
	prefetch_accepted(p, pf);
}

static void test_reject_prefetch_unknown_vm(void)
{
	uint8_t *p = prefetch_target();
	struct drm_vsvm_prefetch pf = prefetch_args(p), bad = pf;
	struct stale_ids s = stale_ids_get();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s.ids); i++) {
		bad.vm_id = s.ids[i];
		igt_assert_eq(prefetch_errno(bad), -ENOENT);
	}
	stale_ids_put(&s);
	prefetch_accepted(p, pf);
}

static void test_reject_prefetch_other_process(void)
{
	uint8_t *p = prefetch_target();
	struct drm_vsvm_prefetch pf = prefetch_args(p);

	igt_fork(child, 1) {
		struct drm_vsvm_prefetch to_sys = pf;

		igt_assert_eq(prefetch_errno(pf), -EPERM);
		to_sys.region = DRM_VSVM_REGION_SYSTEM;
		igt_assert_eq(prefetch_errno(to_sys), -EPERM);
	}
	igt_waitchildren();
	prefetch_accepted(p, pf);
}

static void test_reject_range_info_residency_flags(void)
{
	uint8_t data[1];
	struct drm_vsvm_range_info info = {
		.vm_id = dev.vm,
		.flags = DRM_VSVM_RANGE_INFO_RESIDENCY,
		.start = to_user_pointer(tool.marker),
		.size = sizeof(data) * SZ_4K,
		.data = to_user_pointer(data),
	}, bad = info;
	unsigned int bit;

	*tool.marker = 0;

	for (bit = 1; bit < 32; bit++) {
		bad.flags = 1u << bit;
		igt_assert_eq(__vsvm_range_info(dev.fd, &bad), -EINVAL);
		bad.flags = DRM_VSVM_RANGE_INFO_RESIDENCY | 1u << bit;
		igt_assert_eq(__vsvm_range_info(dev.fd, &bad), -EINVAL);
	}
	igt_assert_eq(__vsvm_range_info(dev.fd, &info), 0);
	/* what the CPU wrote is in system memory; no PTE sizes */
	igt_assert_eq(vsvm_residency_of(data[0]), VSVM_RESIDENCY_SYSTEM);
}

static void assert_attrs(const struct drm_vsvm_attr_query *q,
			 const struct drm_vsvm_mem_attrs *want,
			 uint32_t advised)
{
	igt_assert_eq_u32(q->advised, advised);
	igt_assert_eq_u32(q->attrs.preferred_loc, want->preferred_loc);
	igt_assert_eq_u32(q->attrs.granularity, want->granularity);
	igt_assert_eq_u32(q->attrs.atomic_policy, want->atomic_policy);
	igt_assert_eq_u32(q->attrs.atomic_timeslice_ms,
			  want->atomic_timeslice_ms);
}

/* The attributes at @addr are @want, over exactly [@start, @start + @size) */
static void assert_span(const struct gpu *g, const uint8_t *addr,
			const uint8_t *start, size_t size,
			const struct drm_vsvm_mem_attrs *want,
			uint32_t advised)
{
	struct drm_vsvm_attr_query q = vsvm_attr_query(g->fd, g->vm,
						       to_user_pointer(addr));

	assert_attrs(&q, want, advised);
	igt_assert_eq_u64(q.start, to_user_pointer(start));
	igt_assert_eq_u64(q.size, size);
}

/* The all-zero defaults; the granularity may read back as 0 or 2 MiB. */
static void assert_zero_defaults(const struct gpu *g, const uint8_t *addr)
{
	struct drm_vsvm_attr_query q = vsvm_attr_query(g->fd, g->vm,
						       to_user_pointer(addr));

	igt_assert_eq_u32(q.advised, 0);
	igt_assert_eq_u32(q.attrs.preferred_loc, DRM_VSVM_LOC_AUTO);
	igt_assert(q.attrs.granularity == 0 ||
		   q.attrs.granularity == SZ_2M);
	igt_assert_eq_u32(q.attrs.atomic_policy, DRM_VSVM_ATOMIC_ANYWHERE);
	igt_assert_eq_u32(q.attrs.atomic_timeslice_ms, 0);
}

static void test_madvise_attr_query(void)
{
	const struct drm_vsvm_mem_attrs a =
		vsvm_mem_attrs(DRM_VSVM_LOC_VRAM, SZ_64K,
			       DRM_VSVM_ATOMIC_VRAM_ONLY, 20);
	const struct drm_vsvm_mem_attrs b =
		vsvm_mem_attrs(DRM_VSVM_LOC_SYSTEM, SZ_4K,
			       DRM_VSVM_ATOMIC_ANYWHERE, 0);
	const struct drm_vsvm_mem_attrs c =
		vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, SZ_2M,
			       DRM_VSVM_ATOMIC_VRAM_ONLY,
			       DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS);
	const struct drm_vsvm_mem_attrs d =
		vsvm_mem_attrs(DRM_VSVM_LOC_SYSTEM, SZ_64K,
			       DRM_VSVM_ATOMIC_ANYWHERE, 0);
	const size_t k = 1024;
	struct gpu g = gpu_new_vm();
	uint8_t *m = vsvm_map_isolated_anon(SZ_2M, SZ_2M), *p;
	struct drm_vsvm_attr_query q;

	/* Nothing advised: the defaults, in a gap that holds the address */
	assert_zero_defaults(&g, m);

	/* One span */
	advise_attrs(&g, m, SZ_1M, &a);
	assert_span(&g, m + SZ_4K, m, SZ_1M, &a, 1);
	assert_span(&g, m + SZ_1M - SZ_4K, m, SZ_1M, &a, 1);
	assert_zero_defaults(&g, m + SZ_1M);
	q = vsvm_attr_query(g.fd, g.vm, to_user_pointer(m + SZ_1M));
	igt_assert_eq_u64(q.start, to_user_pointer(m + SZ_1M));
	q = vsvm_attr_query(g.fd, g.vm, to_user_pointer(m - SZ_4K));
	igt_assert_eq_u32(q.advised, 0);
	igt_assert_eq_u64(q.start + q.size, to_user_pointer(m));

	/* Advising the middle splits it in three */
	advise_attrs(&g, m + 256 * k, 256 * k, &b);
	assert_span(&g, m, m, 256 * k, &a, 1);
	assert_span(&g, m + 300 * k, m + 256 * k, 256 * k, &b, 1);
	assert_span(&g, m + 512 * k, m + 512 * k, 512 * k, &a, 1);

	/* and across two spans replaces parts of both */
	advise_attrs(&g, m + 128 * k, 256 * k, &c);
	assert_span(&g, m, m, 128 * k, &a, 1);
	assert_span(&g, m + 128 * k, m + 128 * k, 256 * k, &c, 1);
	assert_span(&g, m + 384 * k, m + 384 * k, 128 * k, &b, 1);
	assert_span(&g, m + 512 * k, m + 512 * k, 512 * k, &a, 1);

	/* New VM defaults apply in the gaps, not in the spans */
	vsvm_vm_default_attrs(g.fd, g.vm, &d);
	q = vsvm_attr_query(g.fd, g.vm, to_user_pointer(m + SZ_1M));
	assert_attrs(&q, &d, 0);
	assert_span(&g, m, m, 128 * k, &a, 1);

	/*
	 * An unmapped part loses its attributes: a new mapping there starts
	 * with the VM's defaults, and the rest keeps its own.
	 */
	igt_assert_eq(munmap(m + 640 * k, SZ_64K), 0);
	p = mmap(m + 640 * k, SZ_64K, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	igt_assert(p == m + 640 * k);
	assert_span(&g, m + 640 * k, m + 640 * k, SZ_64K, &d, 0);
	assert_span(&g, m + 600 * k, m + 512 * k, 128 * k, &a, 1);
	assert_span(&g, m + 704 * k, m + 704 * k, 320 * k, &a, 1);

	/* So does a part a MAP_FIXED mapping replaces */
	p = mmap(m + SZ_64K, SZ_4K, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	igt_assert(p == m + SZ_64K);
	assert_span(&g, m + SZ_64K, m + SZ_64K, SZ_4K, &d, 0);
	assert_span(&g, m, m, SZ_64K, &a, 1);
	assert_span(&g, m + SZ_64K + SZ_4K, m + SZ_64K + SZ_4K,
		    64 * k - SZ_4K, &a, 1);

	/* After munmap() and a new mmap() at the same address: defaults */
	igt_assert_eq(munmap(m, SZ_2M), 0);
	p = mmap(m, SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	igt_assert(p == m);
	q = vsvm_attr_query(g.fd, g.vm, to_user_pointer(m));
	assert_attrs(&q, &d, 0);
	q = vsvm_attr_query(g.fd, g.vm, to_user_pointer(m + 300 * k));
	assert_attrs(&q, &d, 0);
	q = vsvm_attr_query(g.fd, g.vm, to_user_pointer(m + SZ_1M - SZ_4K));
	assert_attrs(&q, &d, 0);
	igt_assert(q.start <= to_user_pointer(m) &&
		   q.start + q.size >= to_user_pointer(m + SZ_2M));

	/* The defaults of one VM are not another's */
	assert_zero_defaults(&dev, m);

	vsvm_vm_destroy(g.fd, g.vm);
	munmap(m, SZ_2M);
}

/*
 * The VRAM in use once earlier tests' VRAM has been freed: what a test's
 * own VRAM must fall back to.
 */
static uint64_t vram_baseline(unsigned int index)
{
	uint64_t used = vsvm_vram_wait_used(index, 0, VRAM_FREE_TIMEOUT_MS);

	if (used)
		igt_info("device %u: %llu bytes of VRAM in use before the test\n",
			 index, (unsigned long long)used);
	return used;
}

static void test_prefetch(void)
{
	const size_t size = 2 * SZ_2M, hole = SZ_1M;
	const uint32_t seed = 0x9ef30001, word = 0x9ef3f111;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *scratch = map_system(size), *fresh, *ref;
	uint64_t used = vram_baseline(0);
	struct drm_vsvm_prefetch pf;
	struct vsvm_stats before;

	vsvm_pattern_fill(buf, size, seed);
	ref = vsvm_snapshot(buf, size);

	/* To VRAM: every page moves, and the counters say so */
	before = stats_read(&dev);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_VRAM);
	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, MIGRATE_TO_VRAM, 1);
	vsvm_assert_stat_grew(&before, PAGES_TO_VRAM, PAGES(size));
	vsvm_assert_stat_grew(&before, BYTES_TO_VRAM, size);
	vsvm_assert_stat_grew(&before, MIGRATE_2M, 1);
	igt_assert_cmpu64(vsvm_vram_used(0), >=, <, used + size);

	/* Again: nothing left to move */
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, 0, PAGES(size), 0, 0);

	/* The GPU reads and writes the pages in VRAM, where they stay */
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_same(scratch, ref, size);
	assert_gpu_state(&dev, buf, size, DRM_VSVM_PAGE_VRAM);
	gpu_fill(&dev, buf + SZ_1M, SZ_64K, word);
	set_words(ref + SZ_1M, SZ_64K, word);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_VRAM);

	/* Back to system memory, with the data */
	before = stats_read(&dev);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_SYSTEM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_SYSTEM);
	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, MIGRATE_TO_SYS, 1);
	vsvm_assert_stat_grew(&before, PAGES_TO_SYS, PAGES(size));
	vsvm_assert_stat_grew(&before, BYTES_TO_SYS, size);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_SYSTEM);
	expect_prefetch(&pf, 0, PAGES(size), 0, 0);
	vsvm_assert_same(buf, ref, size);

	/* Pages without a CPU mapping are counted as such, both ways */
	igt_assert_eq(munmap(buf + hole, SZ_64K), 0);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size - SZ_64K), 0, PAGES(SZ_64K), 0);
	assert_where(&dev, buf, hole, VSVM_RESIDENCY_VRAM);
	assert_where(&dev, buf + hole, SZ_64K, VSVM_RESIDENCY_NONE);
	assert_where(&dev, buf + hole + SZ_64K, size - hole - SZ_64K,
		     VSVM_RESIDENCY_VRAM);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_SYSTEM);
	expect_prefetch(&pf, PAGES(size - SZ_64K), 0, PAGES(SZ_64K), 0);
	vsvm_assert_same(buf, ref, hole);
	vsvm_assert_same(buf + hole + SZ_64K, ref + hole + SZ_64K,
			 size - hole - SZ_64K);

	/* Pages never touched are created in VRAM, zero-filled */
	fresh = vsvm_map_isolated_anon(SZ_64K, SZ_64K);
	pf = prefetch(&dev, fresh, SZ_64K, DRM_VSVM_REGION_VRAM);
	igt_assert_eq_u64(pf.moved + pf.already, PAGES(SZ_64K));
	assert_where(&dev, fresh, SZ_64K, VSVM_RESIDENCY_VRAM);
	vsvm_assert_bytes(fresh, SZ_64K, 0);

	munmap(fresh, SZ_64K);
	munmap(buf, hole);
	munmap(buf + hole + SZ_64K, size - hole - SZ_64K);
	munmap(scratch, size);
	free(ref);
	assert_vram_released(0, used);
}

/* Bytes of backing store device @index has allocated for its VRAM */
static uint64_t vram_backing(unsigned int index)
{
	return vsvm_vram_stat(index, "backing");
}

/*
 * The backing store of VRAM is allocated as VRAM is used, per 2 MiB chunk,
 * and freed with it: VRAM that nobody uses commits no memory.
 */
static void test_backing_on_demand(void)
{
	const size_t size = 2 * SZ_2M;
	const uint32_t seed = 0x9ef30b01;
	uint64_t used = vram_baseline(0);
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *scratch = map_system(size);
	struct drm_vsvm_prefetch pf;

	igt_require_f(!used, "VRAM in use before the test\n");
	igt_assert_eq_u64(vram_backing(0), 0);

	vsvm_pattern_fill(buf, size, seed);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	igt_assert_eq_u64(vsvm_vram_used(0), size);
	igt_assert_eq_u64(vram_backing(0), size);

	/* The data is in the backing store, where the GPU reads it */
	memset(scratch, 0, size);
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_pattern(scratch, size, seed);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_VRAM);

	/* Back in system memory, the backing store goes with the VRAM */
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_SYSTEM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	vsvm_assert_pattern(buf, size, seed);
	assert_vram_released(0, 0);
	igt_assert_eq_u64(vram_backing(0), 0);

	munmap(buf, size);
	munmap(scratch, size);
}

static void test_gpu_fault_auto(void)
{
	const uint32_t seed = 0xa070001, word = 0xa070f00d;
	uint8_t *buf = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *fresh = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *scratch = map_system(SZ_2M);
	struct vsvm_stats before;

	/* Private anonymous memory the CPU wrote: a GPU read moves it */
	vsvm_pattern_fill(buf, SZ_2M, seed);
	before = stats_read(&dev);
	gpu_copy(&dev, scratch, buf, SZ_2M);
	vsvm_assert_pattern(scratch, SZ_2M, seed);
	assert_where(&dev, buf, SZ_2M, VSVM_RESIDENCY_VRAM);
	assert_gpu_state(&dev, buf, SZ_2M, DRM_VSVM_PAGE_VRAM);
	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, PAGES_TO_VRAM, PAGES(SZ_2M));
	vsvm_assert_stat_grew(&before, MIGRATE_2M, 1);

	/* Memory nobody touched yet: the GPU's writes land in VRAM */
	gpu_fill(&dev, fresh, SZ_2M, word);
	assert_where(&dev, fresh, SZ_2M, VSVM_RESIDENCY_VRAM);

	/* and the CPU reads both back */
	before = stats_read(&dev);
	vsvm_assert_words(fresh, SZ_2M, word);
	vsvm_assert_pattern(buf, SZ_2M, seed);
	assert_where(&dev, buf, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	assert_where(&dev, fresh, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	vsvm_assert_stat_grew(&before, CPU_FAULTS_VRAM, 2);
	vsvm_assert_stat_grew(&before, PAGES_TO_SYS, 2 * PAGES(SZ_2M));

	munmap(buf, SZ_2M);
	munmap(fresh, SZ_2M);
	munmap(scratch, SZ_2M);
}

static void test_gpu_fault_system(void)
{
	const uint32_t seed = 0x5e570001, word = 0x5e57f00d;
	uint8_t *buf = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *other = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *scratch = map_system(SZ_2M);
	struct vsvm_stats before = stats_read(&dev);
	struct gpu g = dev;

	/* A span advised SYSTEM: read and written where it is */
	advise(&dev, buf, SZ_2M, DRM_VSVM_LOC_SYSTEM, 0);
	vsvm_pattern_fill(buf, SZ_2M, seed);
	gpu_copy(&dev, scratch, buf, SZ_2M);
	vsvm_assert_pattern(scratch, SZ_2M, seed);
	gpu_fill(&dev, buf, SZ_64K, word);
	assert_where(&dev, buf, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	assert_gpu_state(&dev, buf, SZ_64K, DRM_VSVM_PAGE_SYSTEM_RW);
	vsvm_assert_words(buf, SZ_64K, word);
	vsvm_assert_pattern_range(buf, SZ_64K, SZ_2M - SZ_64K, seed);

	/* A VM whose default is SYSTEM, as vsvm_svm's is */
	g.vm = vsvm_vm_create(dev.fd);
	vsvm_vm_prefer_system(g.fd, g.vm);
	vsvm_pattern_fill(other, SZ_2M, seed + 1);
	gpu_copy(&g, scratch, other, SZ_2M);
	vsvm_assert_pattern(scratch, SZ_2M, seed + 1);
	gpu_fill(&g, other + SZ_1M, SZ_1M, word);
	assert_where(&g, other, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	assert_gpu_state(&g, other + SZ_1M, SZ_1M, DRM_VSVM_PAGE_SYSTEM_RW);
	vsvm_assert_words(other + SZ_1M, SZ_1M, word);
	vsvm_vm_destroy(g.fd, g.vm);

	vsvm_stats_log(&before);
	vsvm_assert_stat_same(&before, PAGES_TO_VRAM);
	munmap(buf, SZ_2M);
	munmap(other, SZ_2M);
	munmap(scratch, SZ_2M);
}

static void test_gpu_fault_vram(void)
{
	const uint32_t seed = 0x72a30001, word = 0x72a3f00d;
	const struct drm_vsvm_mem_attrs vram =
		vsvm_mem_attrs(DRM_VSVM_LOC_VRAM, 0, DRM_VSVM_ATOMIC_ANYWHERE,
			       0);
	const struct drm_vsvm_mem_attrs system =
		vsvm_mem_attrs(DRM_VSVM_LOC_SYSTEM, 0, DRM_VSVM_ATOMIC_ANYWHERE,
			       0);
	uint8_t *buf = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *fresh = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *a = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *b = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *scratch = map_system(SZ_2M);
	struct vsvm_stats before = stats_read(&dev);
	struct gpu g;

	/* A span advised VRAM: a GPU read moves what the CPU wrote */
	advise_attrs(&dev, buf, SZ_2M, &vram);
	vsvm_pattern_fill(buf, SZ_2M, seed);
	gpu_copy(&dev, scratch, buf, SZ_2M);
	vsvm_assert_pattern(scratch, SZ_2M, seed);
	assert_where(&dev, buf, SZ_2M, VSVM_RESIDENCY_VRAM);
	assert_gpu_state(&dev, buf, SZ_2M, DRM_VSVM_PAGE_VRAM);

	/* and a GPU write creates untouched pages there */
	advise_attrs(&dev, fresh, SZ_2M, &vram);
	gpu_fill(&dev, fresh, SZ_2M, word);
	assert_where(&dev, fresh, SZ_2M, VSVM_RESIDENCY_VRAM);
	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, PAGES_TO_VRAM, 2 * PAGES(SZ_2M));

	/*
	 * In a VM whose default is SYSTEM, only the span advised VRAM moves;
	 * in a VM whose default is VRAM, everything does.
	 */
	g = gpu_new_vm();
	vsvm_vm_default_attrs(g.fd, g.vm, &system);
	advise_attrs(&g, a, SZ_2M, &vram);
	vsvm_pattern_fill(a, SZ_2M, seed + 1);
	vsvm_pattern_fill(b, SZ_2M, seed + 2);
	gpu_copy(&g, scratch, a, SZ_2M);
	vsvm_assert_pattern(scratch, SZ_2M, seed + 1);
	gpu_copy(&g, scratch, b, SZ_2M);
	vsvm_assert_pattern(scratch, SZ_2M, seed + 2);
	assert_where(&g, a, SZ_2M, VSVM_RESIDENCY_VRAM);
	assert_where(&g, b, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	vsvm_vm_destroy(g.fd, g.vm);

	g = gpu_new_vm();
	vsvm_vm_default_attrs(g.fd, g.vm, &vram);
	gpu_fill(&g, b, SZ_64K, word);
	assert_where(&g, b, SZ_2M, VSVM_RESIDENCY_VRAM);
	vsvm_vm_destroy(g.fd, g.vm);

	/* The CPU reads it all back */
	vsvm_assert_pattern(buf, SZ_2M, seed);
	vsvm_assert_words(fresh, SZ_2M, word);
	vsvm_assert_pattern(a, SZ_2M, seed + 1);
	vsvm_assert_words(b, SZ_64K, word);
	vsvm_assert_pattern_range(b, SZ_64K, SZ_2M - SZ_64K, seed + 2);

	munmap(buf, SZ_2M);
	munmap(fresh, SZ_2M);
	munmap(a, SZ_2M);
	munmap(b, SZ_2M);
	munmap(scratch, SZ_2M);
}

static enum migrate_stat granule_stat(size_t granule)
{
	if (granule == SZ_4K)
		return MIGRATE_4K;
	if (granule == SZ_64K)
		return MIGRATE_64K;
	return MIGRATE_2M;
}

/*
 * A GPU read of one word moves the aligned granule around it, and nothing
 * else.
 */
static void test_granularity(size_t granule)
{
	const size_t size = 2 * SZ_2M;
	const size_t off = SZ_2M + 3 * SZ_64K + 5 * SZ_4K + 8;
	const size_t block = off & ~(granule - 1);
	const uint32_t seed = 0x62a00000 | granule >> 12;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	struct vsvm_stats before;

	advise(&dev, buf, size, DRM_VSVM_LOC_VRAM, granule);
	vsvm_pattern_fill(buf, size, seed);
	before = stats_read(&dev);
	gpu_touch(&dev, buf + off);
	igt_assert_eq_u64(*(uint64_t *)tool.scratch,
			  (uint64_t)vsvm_pattern_word(seed, off / 4 + 1) << 32 |
			  vsvm_pattern_word(seed, off / 4));

	assert_where(&dev, buf + block, granule, VSVM_RESIDENCY_VRAM);
	assert_where(&dev, buf, block, VSVM_RESIDENCY_SYSTEM);
	if (block + granule < size)
		assert_where(&dev, buf + block + granule,
			     size - block - granule, VSVM_RESIDENCY_SYSTEM);
	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, granule_stat(granule), 1);
	vsvm_assert_stat_grew(&before, PAGES_TO_VRAM, PAGES(granule));
	vsvm_assert_stat_grew(&before, BYTES_TO_VRAM, granule);

	vsvm_assert_pattern(buf, size, seed);
	munmap(buf, size);
}

static void test_granularity_clamped(void)
{
	/*
	 * A 192 KiB VMA at the start of a 2 MiB block: the 2 MiB granule
	 * around any address of it is all of it.
	 */
	const size_t size = 3 * SZ_64K;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);

	vsvm_pattern_fill(buf, size, 0xc1a90001);
	gpu_touch(&dev, buf + SZ_64K + 8);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_VRAM);
	vsvm_assert_pattern(buf, size, 0xc1a90001);
	munmap(buf, size);
}

/*
 * A CPU access to a page in VRAM moves the granule around it back to
 * system memory, with its data, and nothing else; the GPU then sees what
 * the CPU did.
 */
static void cpu_access_vram(bool write)
{
	const size_t size = SZ_2M, granule = SZ_64K;
	const size_t off = 5 * SZ_64K + 3 * SZ_4K + 12;
	const size_t block = off & ~(granule - 1);
	const uint32_t seed = write ? 0xc9e20001 : 0xc9e10001;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *scratch = map_system(size), *ref;
	uint32_t *word = (uint32_t *)(buf + off);
	uint32_t *ref_word;
	struct drm_vsvm_prefetch pf;
	struct vsvm_stats before;

	advise(&dev, buf, size, DRM_VSVM_LOC_AUTO, granule);
	vsvm_pattern_fill(buf, size, seed);
	ref = vsvm_snapshot(buf, size);
	ref_word = (uint32_t *)(ref + off);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	/* the GPU maps the pages in VRAM */
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_same(scratch, ref, size);
	assert_gpu_state(&dev, buf, size, DRM_VSVM_PAGE_VRAM);

	before = stats_read(&dev);
	if (write) {
		__atomic_store_n(word, 0xc9e2c9e2, __ATOMIC_SEQ_CST);
		*ref_word = 0xc9e2c9e2;
	} else {
		igt_assert_eq_u32(__atomic_load_n(word, __ATOMIC_SEQ_CST),
				  *ref_word);
	}
	assert_where(&dev, buf + block, granule, VSVM_RESIDENCY_SYSTEM);
	igt_assert_eq(count_where(&dev, buf, size, VSVM_RESIDENCY_VRAM),
		      PAGES(size - granule));
	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, CPU_FAULTS_VRAM, 1);
	vsvm_assert_stat_grew(&before, PAGES_TO_SYS, PAGES(granule));

	/* The GPU sees the CPU's view, and the CPU all of the data */
	memset(scratch, 0, size);
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_same(scratch, ref, size);
	vsvm_assert_same(buf, ref, size);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_SYSTEM);

	munmap(buf, size);
	munmap(scratch, size);
	free(ref);
}

static void test_fork_cow_vram(void)
{
	const size_t size = 16 * SZ_64K;
	const uint32_t seed = 0xf02c0001;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_64K);
	uint8_t *scratch = map_system(size), *ref;
	struct drm_vsvm_prefetch pf;
	struct vsvm_stats before;
	int c2p[2], p2c[2];
	char msg;

	vsvm_pattern_fill(buf, size, seed);
	ref = vsvm_snapshot(buf, size);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_same(scratch, ref, size);
	before = stats_read(&dev);

	igt_assert_eq(pipe(c2p), 0);
	igt_assert_eq(pipe(p2c), 0);
	igt_fork(child, 1) {
		struct gpu mine;

		close(c2p[0]);
		close(p2c[1]);
		mine = gpu_new_vm();
		/* The child reads its copy of the parent's VRAM pages */
		vsvm_assert_same(buf, ref, size);
		/* and writes page 0 on the CPU, page 1 with its own GPU */
		vsvm_pattern_fill(buf, SZ_4K, 0xf02cc001);
		vsvm_pattern_fill(ref, SZ_4K, 0xf02cc001);
		gpu_fill(&mine, buf + SZ_4K, SZ_4K, 0xf02cc0ff);
		set_words(ref + SZ_4K, SZ_4K, 0xf02cc0ff);
		vsvm_assert_same(buf, ref, size);
		igt_assert_eq(write(c2p[1], "c", 1), 1);
		igt_assert_eq(read(p2c[0], &msg, 1), 1);
		/* None of the parent's later writes show */
		vsvm_assert_same(buf, ref, size);
		vsvm_vm_destroy(mine.fd, mine.vm);
	}
	close(c2p[1]);
	close(p2c[0]);
	igt_assert_eq(read(c2p[0], &msg, 1), 1);

	/* The parent's GPU and CPU see none of the child's writes */
	memset(scratch, 0, size);
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_same(scratch, ref, size);
	/* and the parent's writes, on the GPU and the CPU, are its own */
	gpu_fill(&dev, buf + 2 * SZ_4K, SZ_4K, 0xf02c90ff);
	set_words(ref + 2 * SZ_4K, SZ_4K, 0xf02c90ff);
	vsvm_pattern_fill(buf + 3 * SZ_4K, SZ_4K, 0xf02c9001);
	vsvm_pattern_fill(ref + 3 * SZ_4K, SZ_4K, 0xf02c9001);
	vsvm_assert_same(buf, ref, size);
	igt_assert_eq(write(p2c[1], "p", 1), 1);
	igt_waitchildren();
	vsvm_assert_same(buf, ref, size);

	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, CPU_FAULTS_VRAM, 1);
	close(c2p[0]);
	close(p2c[1]);
	munmap(buf, size);
	munmap(scratch, size);
	free(ref);
}

static void test_munmap_vram(void)
{
	const size_t size = 2 * SZ_2M, hole = SZ_1M, rest = size - hole - SZ_64K;
	const uint32_t seed = 0x3c3a0001;
	uint64_t used = vram_baseline(0);
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *scratch = map_system(size);
	struct drm_vsvm_prefetch pf;

	vsvm_pattern_fill(buf, size, seed);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	igt_assert_cmpu64(vsvm_vram_used(0), >=, <, used + size);
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_pattern(scratch, size, seed);
	assert_gpu_state(&dev, buf, size, DRM_VSVM_PAGE_VRAM);

	/* A hole in the middle: the GPU loses it, the rest stays in VRAM */
	igt_assert_eq(munmap(buf + hole, SZ_64K), 0);
	assert_gpu_state(&dev, buf + hole, SZ_64K,
			 DRM_VSVM_PAGE_NOT_MIRRORED);
	assert_where(&dev, buf + hole, SZ_64K, VSVM_RESIDENCY_NONE);
	assert_where(&dev, buf, hole, VSVM_RESIDENCY_VRAM);
	assert_where(&dev, buf + hole + SZ_64K, rest, VSVM_RESIDENCY_VRAM);
	memset(scratch, 0, size);
	gpu_copy(&dev, scratch, buf, hole);
	gpu_copy(&dev, scratch + hole + SZ_64K, buf + hole + SZ_64K, rest);
	vsvm_assert_pattern_range(scratch, 0, hole, seed);
	vsvm_assert_pattern_range(scratch, hole + SZ_64K, rest, seed);
	assert_where(&dev, buf, hole, VSVM_RESIDENCY_VRAM);

	/* Unmapped while in VRAM: the VRAM is freed */
	igt_assert_eq(munmap(buf, hole), 0);
	igt_assert_eq(munmap(buf + hole + SZ_64K, rest), 0);
	assert_gpu_state(&dev, buf, size, DRM_VSVM_PAGE_NOT_MIRRORED);
	assert_vram_released(0, used);
	munmap(scratch, size);
}

static void test_mremap_vram(void)
{
	const size_t size = SZ_2M;
	const uint32_t seed = 0x3e3a0001;
	uint64_t used = vram_baseline(0);
	uint8_t *a = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *b = vsvm_map_isolated(size, SZ_2M, PROT_NONE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *scratch = map_system(size);
	struct drm_vsvm_prefetch pf;

	vsvm_pattern_fill(a, size, seed);
	pf = prefetch(&dev, a, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	gpu_copy(&dev, scratch, a, size);
	vsvm_assert_pattern(scratch, size, seed);

	igt_assert(mremap(a, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, b) ==
		   (void *)b);

	/* The pages went with the mapping, still in VRAM */
	assert_where(&dev, a, size, VSVM_RESIDENCY_NONE);
	assert_gpu_state(&dev, a, size, DRM_VSVM_PAGE_NOT_MIRRORED);
	assert_where(&dev, b, size, VSVM_RESIDENCY_VRAM);
	memset(scratch, 0, size);
	gpu_copy(&dev, scratch, b, size);
	vsvm_assert_pattern(scratch, size, seed);
	vsvm_assert_pattern(b, size, seed);
	assert_where(&dev, b, size, VSVM_RESIDENCY_SYSTEM);

	/* In VRAM again, then unmapped at the new address: freed */
	pf = prefetch(&dev, b, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	igt_assert_eq(munmap(b, size), 0);
	assert_vram_released(0, used);
	munmap(scratch, size);
}

/* What a child of process-kill tells its parent before being killed. */
struct vram_report {
	int error;
	uint64_t moved;
};

/*
 * Prefetches @size bytes of its own memory into VRAM, tells the parent,
 * and waits to be killed.  Uses no igt_* helpers: this is a plain fork()ed
 * process.
 */
static void __attribute__((noreturn)) vram_child(int fd, size_t size,
						 int report_fd)
{
	struct vram_report report = {};
	struct drm_vsvm_vm_create create = {};
	struct drm_vsvm_prefetch pf = {
		.size = size,
		.region = DRM_VSVM_REGION_VRAM,
	};
	uint8_t *buf;

	if (fd < 0)
		fd = __vsvm_igt_open(0);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || buf == MAP_FAILED)
		report.error = ENOMEM;
	else
		report.error = -__vsvm_vm_create(fd, &create);
	if (!report.error) {
		memset(buf, 0x4b, size);
		pf.vm_id = create.vm_id;
		pf.start = to_user_pointer(buf);
		report.error = -__vsvm_prefetch(fd, &pf);
		report.moved = pf.moved;
	}
	if (write(report_fd, &report, sizeof(report)) != sizeof(report))
		_exit(1);
	for (;;)
		pause();
}

/* Forks a vram_child() on @fd (-1: its own) and kills it. */
static void kill_vram_child(int fd, size_t size, uint64_t used)
{
	struct vram_report report = {};
	uint64_t in_use;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	igt_assert_eq(pipe(pipefd), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	igt_assert_lte(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		vram_child(fd, size, pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], &report, sizeof(report));
	close(pipefd[0]);
	in_use = vsvm_vram_used(0);
	igt_assert_eq(kill(pid, SIGKILL), 0);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	igt_assert_eq(n, (ssize_t)sizeof(report));
	igt_assert_f(!report.error, "child: %s\n", strerror(report.error));
	igt_assert_eq_u64(report.moved, PAGES(size));
	igt_info("%llu bytes of VRAM in use with the child alive\n",
		 (unsigned long long)in_use);
	igt_assert_cmpu64(in_use, >=, <, size);
	assert_vram_released(0, used);
}

static void test_process_kill_vram(void)
{
	const size_t size = 2 * SZ_2M;
	uint64_t used = vram_baseline(0);
	int fd;

	/* A child with a file of its own: everything goes with it */
	kill_vram_child(-1, size, used);

	/* A child on a file that outlives it: its VRAM goes with its memory */
	fd = vsvm_igt_open(0);
	kill_vram_child(fd, size, used);
	close(fd);
	assert_vram_released(0, used);
}

#define HAMMER_ROUNDS	8
#define HAMMER_GPU_OPS	32	/* pairs of atomics per job */
#define HAMMER_CPU_OPS	100	/* pairs of increments, twice per round */

static uint64_t cpu_increments(uint64_t *c64, uint32_t *c32, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		__atomic_fetch_add(c64, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(c32, 1, __ATOMIC_SEQ_CST);
	}
	return n;
}

/*
 * GPU atomics and CPU increments on the same page, interleaved: every
 * round, a GPU job of atomics runs while the CPU increments, then the CPU
 * increments again after it.  The totals are exact.
 */
static void hammer_atomics(const struct drm_vsvm_mem_attrs *attrs,
			   bool vram_only)
{
	uint8_t *page = vsvm_map_isolated_anon(SZ_64K, SZ_64K);
	uint64_t *c64 = (uint64_t *)page;
	uint32_t *c32 = (uint32_t *)(page + 64);
	uint64_t cpu = 0, gpu = 0, seqno;
	struct vsvm_batch *b;
	struct vsvm_stats before;
	unsigned int r, i;

	advise_attrs(&dev, page, SZ_64K, attrs);
	*c64 = 0xffffff00ull;	/* carries into the upper half */
	*c32 = 0;
	before = stats_read(&dev);
	for (r = 0; r < HAMMER_ROUNDS; r++) {
		b = tool_batch();
		for (i = 0; i < HAMMER_GPU_OPS; i++) {
			vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_ADD,
					  DRM_VSVM_ATOMIC_64BIT,
					  to_user_pointer(c64), 3, 0, 0);
			vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_INC, 0,
					  to_user_pointer(c32), 0, 0, 0);
		}
		seqno = vsvm_exec(dev.fd, dev.vm, r % dev.engines, b);
		cpu += cpu_increments(c64, c32, HAMMER_CPU_OPS);
		vsvm_wait_job(dev.fd, dev.vm, seqno);
		gpu += HAMMER_GPU_OPS;
		cpu += cpu_increments(c64, c32, HAMMER_CPU_OPS);
	}
	vsvm_stats_log(&before);
	igt_assert_eq_u64(*c64, 0xffffff00ull + cpu + 3 * gpu);
	igt_assert_eq_u32(*c32, (uint32_t)(cpu + gpu));

	if (vram_only) {
		/*
		 * Each round's first atomic found the page in system memory
		 * and moved it; each round's last left it in VRAM, where the
		 * CPU's next increment found it.
		 */
		vsvm_assert_stat_grew(&before, MIGRATE_TO_VRAM, HAMMER_ROUNDS);
		vsvm_assert_stat_grew(&before, CPU_FAULTS_VRAM, HAMMER_ROUNDS);
	}
	munmap(page, SZ_64K);
}

static void test_hammer_atomics_anywhere(void)
{
	const struct drm_vsvm_mem_attrs attrs =
		vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, SZ_4K,
			       DRM_VSVM_ATOMIC_ANYWHERE, 0);

	hammer_atomics(&attrs, false);
}

static void test_hammer_atomics_vram_only(void)
{
	const struct drm_vsvm_mem_attrs attrs =
		vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, SZ_4K,
			       DRM_VSVM_ATOMIC_VRAM_ONLY, 0);

	hammer_atomics(&attrs, true);
}

static uint32_t hammer_gpu_word(unsigned int round, size_t i)
{
	return 0x6a000000 | round << 16 | (uint32_t)i;
}

static uint32_t hammer_cpu_word(unsigned int round, size_t i)
{
	return 0xc0000000 | round << 16 | (uint32_t)i;
}

/*
 * GPU stores and CPU stores to different words of the same pages while
 * they move back and forth: no store is lost, no other word changes.
 */
static void test_hammer_stores(void)
{
	const size_t size = SZ_64K, stride = 64, n = size / 4 / stride;
	const uint32_t seed = 0x4a3e0001;
	uint8_t *region = vsvm_map_isolated_anon(size, SZ_64K);
	uint32_t *w = (uint32_t *)region, want;
	struct vsvm_batch *b;
	struct vsvm_stats before;
	unsigned int r;
	uint64_t seqno;
	size_t i;

	vsvm_pattern_fill(region, size, seed);
	before = stats_read(&dev);
	for (r = 0; r < HAMMER_ROUNDS; r++) {
		b = tool_batch();
		for (i = 0; i < n; i++)
			vsvm_batch_store32(b, to_user_pointer(&w[i * stride]),
					   hammer_gpu_word(r, i));
		seqno = vsvm_exec(dev.fd, dev.vm, r % dev.engines, b);
		for (i = 0; i < n; i++)
			__atomic_store_n(&w[i * stride + 1],
					 hammer_cpu_word(r, i),
					 __ATOMIC_RELAXED);
		vsvm_wait_job(dev.fd, dev.vm, seqno);

		for (i = 0; i < size / 4; i++) {
			if (i % stride == 0)
				want = hammer_gpu_word(r, i / stride);
			else if (i % stride == 1)
				want = hammer_cpu_word(r, i / stride);
			else
				want = vsvm_pattern_word(seed, i);
			igt_assert_f(w[i] == want,
				     "round %u, word %zu: %#x, expected %#x\n",
				     r, i, w[i], want);
		}
	}
	vsvm_stats_log(&before);
	munmap(region, size);
}

/* A GPU atomic add of @v to the 64-bit word at @p. */
static void gpu_atomic_add(const struct gpu *g, uint64_t *p, uint64_t v)
{
	struct vsvm_batch *b = tool_batch();

	vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_ADD, DRM_VSVM_ATOMIC_64BIT,
			  to_user_pointer(p), v, 0, 0);
	run(g, b);
}

/*
 * 64 KiB of system memory, atomics anywhere but on its second page, which
 * allows them only in VRAM.
 */
static uint8_t *map_atomic_policy_split(void)
{
	const struct drm_vsvm_mem_attrs anywhere =
		vsvm_mem_attrs(DRM_VSVM_LOC_SYSTEM, SZ_4K,
			       DRM_VSVM_ATOMIC_ANYWHERE, 0);
	uint8_t *region = vsvm_map_isolated_anon(SZ_64K, SZ_64K);

	advise_attrs(&dev, region, SZ_64K, &anywhere);
	memset(region, 0x5a, SZ_64K);
	return region;
}

static void advise_vram_only_atomics(const void *p, size_t size)
{
	const struct drm_vsvm_mem_attrs only =
		vsvm_mem_attrs(DRM_VSVM_LOC_SYSTEM, SZ_4K,
			       DRM_VSVM_ATOMIC_VRAM_ONLY, 0);

	advise_attrs(&dev, p, size, &only);
}

/*
 * The VRAM-only page next to @a, at @c, takes an atomic: it must move to
 * VRAM for it, alone, and both words must hold their sums.
 */
static void assert_vram_only_atomic(uint8_t *region, uint64_t *a,
				    uint64_t *c)
{
	struct vsvm_stats before = stats_read(&dev);

	*c = 20;
	gpu_atomic_add(&dev, c, 2);
	igt_assert_f(count_where(&dev, c, SZ_4K, VSVM_RESIDENCY_VRAM) == 1,
		     "a GPU atomic on the VRAM-only page ran in system memory\n");
	vsvm_assert_stat_grew(&before, MIGRATE_TO_VRAM, 1);
	igt_assert_eq(count_where(&dev, region, SZ_64K, VSVM_RESIDENCY_VRAM),
		      1);
	igt_assert_eq_u64(*a, 11);
	igt_assert_eq_u64(__atomic_load_n(c, __ATOMIC_SEQ_CST), 22);
}

/*
 * Attributes belong to 4 KiB spans, not to the ranges the GPU faults in: a
 * fault in the atomics-anywhere part must not grant atomics on the system
 * page of the VRAM-only part beside it.
 */
static void test_atomic_policy_per_span(void)
{
	uint8_t *region = map_atomic_policy_split();
	uint64_t *a = (uint64_t *)region, *c = (uint64_t *)(region + SZ_4K);

	advise_vram_only_atomics(c, SZ_4K);
	*a = 10;
	gpu_atomic_add(&dev, a, 1);
	assert_where(&dev, a, SZ_4K, VSVM_RESIDENCY_SYSTEM);
	assert_vram_only_atomic(region, a, c);
	munmap(region, SZ_64K);
}

/*
 * MADVISE takes effect on memory the GPU has mapped already: atomics that
 * the old attributes allowed in system memory are not allowed any more.
 */
static void test_atomic_policy_madvise_mapped(void)
{
	uint8_t *region = map_atomic_policy_split();
	uint64_t *a = (uint64_t *)region, *c = (uint64_t *)(region + SZ_4K);

	*a = 10;
	*c = 0;
	gpu_atomic_add(&dev, a, 1);
	gpu_atomic_add(&dev, c, 1);
	assert_where(&dev, region, SZ_64K, VSVM_RESIDENCY_SYSTEM);
	igt_assert_eq_u64(*c, 1);

	advise_vram_only_atomics(c, SZ_4K);
	assert_vram_only_atomic(region, a, c);
	munmap(region, SZ_64K);
}

static void test_atomic_vram_only(void)
{
	const struct drm_vsvm_mem_attrs only =
		vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, SZ_4K,
			       DRM_VSVM_ATOMIC_VRAM_ONLY, 0);
	uint8_t *page = vsvm_map_isolated_anon(SZ_64K, SZ_64K);
	uint64_t *c = (uint64_t *)(page + 2 * SZ_4K);
	uint64_t *old = (uint64_t *)tool.scratch;
	uint64_t *shared = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct drm_vsvm_wait w;
	struct vsvm_batch *b;
	struct vsvm_stats before;
	uint32_t off;

	igt_assert(shared != MAP_FAILED);
	advise_attrs(&dev, page, SZ_64K, &only);
	memset(page, 0x11, SZ_64K);
	*c = 1000;
	assert_where(&dev, page, SZ_64K, VSVM_RESIDENCY_SYSTEM);

	/* An atomic on a page in system memory moves it to VRAM first */
	before = stats_read(&dev);
	*old = 0;
	b = tool_batch();
	vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_ADD,
			  DRM_VSVM_ATOMIC_64BIT | DRM_VSVM_ATOMIC_RETURN,
			  to_user_pointer(c), 5, 0, to_user_pointer(old));
	run(&dev, b);
	igt_assert_eq_u64(*old, 1000);
	assert_where(&dev, c, SZ_4K, VSVM_RESIDENCY_VRAM);
	/* that page alone, at 4 KiB granularity */
	igt_assert_eq(count_where(&dev, page, SZ_64K, VSVM_RESIDENCY_VRAM), 1);
	vsvm_assert_stat_grew(&before, MIGRATE_TO_VRAM, 1);

	/* The CPU gets it back, with the result */
	igt_assert_eq_u64(__atomic_load_n(c, __ATOMIC_SEQ_CST), 1005);
	assert_where(&dev, c, SZ_4K, VSVM_RESIDENCY_SYSTEM);
	vsvm_assert_stat_grew(&before, CPU_FAULTS_VRAM, 1);

	/* Right after that CPU fault, an atomic moves it again: no back-off */
	before = stats_read(&dev);
	b = tool_batch();
	vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_ADD, DRM_VSVM_ATOMIC_64BIT,
			  to_user_pointer(c), 5, 0, 0);
	run(&dev, b);
	assert_where(&dev, c, SZ_4K, VSVM_RESIDENCY_VRAM);
	vsvm_assert_stat_grew(&before, MIGRATE_TO_VRAM, 1);
	igt_assert_eq_u64(__atomic_load_n(c, __ATOMIC_SEQ_CST), 1010);
	vsvm_assert_bytes(page, 2 * SZ_4K, 0x11);

	/* On memory that cannot move, an atomic ends the job with EFAULT */
	advise_attrs(&dev, shared, SZ_4K, &only);
	*shared = 7;
	*tool.marker = 0;
	b = tool_batch();
	vsvm_batch_nop(b);
	off = vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_ADD, DRM_VSVM_ATOMIC_64BIT,
				to_user_pointer(shared), 1, 0, 0);
	vsvm_batch_store64(b, to_user_pointer(tool.marker), MARKER);
	w = vsvm_run_error(dev.fd, dev.vm, 0, b);
	vsvm_assert_gpu_error(&w, EFAULT, to_user_pointer(shared),
			      VSVM_ANY_U32, off);
	igt_assert(w.fault_access & DRM_VSVM_ACCESS_ATOMIC);
	igt_assert_eq_u64(*tool.marker, 0);
	igt_assert_eq_u64(*shared, 7);

	/* while plain accesses there still work */
	b = tool_batch();
	vsvm_batch_store64(b, to_user_pointer(shared), 9);
	run(&dev, b);
	igt_assert_eq_u64(*shared, 9);
	assert_where(&dev, shared, SZ_4K, VSVM_RESIDENCY_SYSTEM);

	munmap(shared, SZ_4K);
	munmap(page, SZ_64K);
}

/*
 * Memory that cannot move to VRAM (shared, file-backed, hugetlbfs) is used
 * where it is, whatever the attributes, and PREFETCH says so.  The first
 * half has the default attributes, the second prefers VRAM.
 */
static void check_unmigratable(uint8_t *buf, size_t size, uint32_t seed)
{
	const size_t half = size / 2;
	const uint32_t word = seed ^ 0xffff0000;
	uint8_t *scratch = map_system(size);
	struct drm_vsvm_prefetch pf;
	struct vsvm_stats before = stats_read(&dev);

	advise(&dev, buf + half, half, DRM_VSVM_LOC_VRAM, 0);
	vsvm_pattern_fill(buf, size, seed);

	/* The GPU reads and writes it */
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_pattern(scratch, size, seed);
	gpu_fill(&dev, buf, size, word);
	vsvm_assert_words(buf, size, word);
	vsvm_pattern_fill(scratch, size, seed + 1);
	gpu_copy(&dev, buf, scratch, size);
	vsvm_assert_pattern(buf, size, seed + 1);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_SYSTEM);

	/* PREFETCH moves nothing and says why */
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, 0, 0, 0, PAGES(size));
	assert_where(&dev, buf, size, VSVM_RESIDENCY_SYSTEM);
	vsvm_assert_pattern(buf, size, seed + 1);

	vsvm_stats_log(&before);
	vsvm_assert_stat_same(&before, PAGES_TO_VRAM);
	munmap(scratch, size);
}

static void test_unmigratable_shared_anon(void)
{
	const size_t size = SZ_1M;
	uint8_t *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	igt_assert(buf != MAP_FAILED);
	check_unmigratable(buf, size, 0x54a20001);
	munmap(buf, size);
}

static void test_unmigratable_memfd(void)
{
	const size_t size = SZ_1M;
	int memfd = memfd_create("vsvm_migrate", MFD_CLOEXEC);
	uint8_t *buf;

	igt_assert_fd(memfd);
	igt_assert_eq(ftruncate(memfd, size), 0);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	igt_assert(buf != MAP_FAILED);
	check_unmigratable(buf, size, 0x3e3f0001);
	vsvm_assert_file_pattern(memfd, size, 0x3e3f0001 + 1);
	munmap(buf, size);
	close(memfd);
}

static void test_unmigratable_file(void)
{
	const char *dir = getenv("TMPDIR") ?: "/tmp";
	const size_t size = SZ_1M;
	char path[256];
	uint8_t *buf;
	int file;

	snprintf(path, sizeof(path), "%s/vsvm_migrate-XXXXXX", dir);
	file = mkstemp(path);
	igt_require_f(file >= 0, "cannot create a file in %s: %s\n", dir,
		      strerror(errno));
	unlink(path);
	igt_assert_eq(ftruncate(file, size), 0);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);
	igt_assert(buf != MAP_FAILED);
	check_unmigratable(buf, size, 0xf11e0001);
	igt_assert_eq(msync(buf, size, MS_SYNC), 0);
	vsvm_assert_file_pattern(file, size, 0xf11e0001 + 1);
	munmap(buf, size);
	close(file);
}

static void test_unmigratable_hugetlbfs(void)
{
	int nr = vsvm_nr_hugepages();
	uint8_t *buf = vsvm_map_hugetlb(SZ_2M);

	/* None reserved (the default): reserve one for this test */
	if (buf == MAP_FAILED && nr == 0) {
		vsvm_set_nr_hugepages(1);
		buf = vsvm_map_hugetlb(SZ_2M);
	}
	if (buf == MAP_FAILED && nr == 0)
		vsvm_set_nr_hugepages(0);
	igt_require_f(buf != MAP_FAILED, "no 2 MiB hugetlbfs page: %s\n",
		      strerror(errno));
	check_unmigratable(buf, SZ_2M, 0x4e6e0001);
	munmap(buf, SZ_2M);
	if (nr == 0)
		vsvm_set_nr_hugepages(0);
}

/* A memory key of @fd's fdinfo in bytes; absent counts as 0. */
static uint64_t fdinfo_vram(int fd, const char *key)
{
	int64_t bytes = vsvm_fdinfo_bytes(fd, key);

	return bytes < 0 ? 0 : bytes;
}

static void test_fdinfo_vram(void)
{
	struct gpu g = { .index = 0 };
	uint8_t *a = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *b = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	struct drm_vsvm_prefetch pf;
	int64_t deadline;

	/* A file of its own, where only this test's VMs allocate */
	g.fd = vsvm_igt_open(0);
	g.engines = dev.engines;
	g.vm = vsvm_vm_create(g.fd);
	tool_advise(&g);
	igt_assert_eq_u64(fdinfo_vram(g.fd, "drm-total-vram"), 0);
	igt_assert_eq_u64(fdinfo_vram(g.fd, "drm-resident-vram"), 0);

	/* VRAM allocated by a prefetch */
	vsvm_pattern_fill(a, SZ_2M, 0xfd100001);
	pf = prefetch(&g, a, SZ_2M, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(SZ_2M), 0, 0, 0);
	igt_assert_f(vsvm_fdinfo_bytes(g.fd, "drm-total-vram") >= 0,
		     "no drm-total-vram in the fdinfo\n");
	igt_assert_cmpu64(fdinfo_vram(g.fd, "drm-total-vram"), >=, <, SZ_2M);
	igt_assert_cmpu64(fdinfo_vram(g.fd, "drm-resident-vram"), >=, <,
			  SZ_2M);

	/* and by a GPU fault */
	gpu_fill(&g, b, SZ_2M, 0xfd10f00d);
	assert_where(&g, b, SZ_2M, VSVM_RESIDENCY_VRAM);
	igt_assert_cmpu64(fdinfo_vram(g.fd, "drm-total-vram"), >=, <,
			  2 * SZ_2M);
	igt_assert_cmpu64(fdinfo_vram(g.fd, "drm-resident-vram"), >=, <,
			  2 * SZ_2M);

	/* Gone with the memory */
	munmap(a, SZ_2M);
	munmap(b, SZ_2M);
	deadline = vsvm_deadline_ns(VRAM_FREE_TIMEOUT_MS);
	while ((fdinfo_vram(g.fd, "drm-total-vram") ||
		fdinfo_vram(g.fd, "drm-resident-vram")) &&
	       vsvm_now_ns() < deadline)
		usleep(10000);
	igt_assert_eq_u64(fdinfo_vram(g.fd, "drm-total-vram"), 0);
	igt_assert_eq_u64(fdinfo_vram(g.fd, "drm-resident-vram"), 0);

	vsvm_vm_destroy(g.fd, g.vm);
	close(g.fd);
}

static void test_alloc_fail(void)
{
	const size_t size = 2 * SZ_2M;
	const uint32_t seed = 0xfa110001, word = 0xfa11f00d;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *fresh = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *scratch = map_system(size), *ref;
	struct drm_vsvm_prefetch pf;
	struct vsvm_stats before;
	uint64_t moved;

	vsvm_pattern_fill(buf, size, seed);
	ref = vsvm_snapshot(buf, size);
	before = stats_read(&dev);
	module.fail_alloc_armed = true;
	vsvm_vram_fail_alloc(0, FAIL_ALWAYS);
	igt_assert_eq_u32(vsvm_vram_fail_alloc_pending(0), FAIL_ALWAYS);

	/* GPU faults fall back to system memory: reads and writes work */
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_same(scratch, ref, size);
	gpu_fill(&dev, buf + SZ_1M, SZ_2M, word);
	set_words(ref + SZ_1M, SZ_2M, word);
	gpu_fill(&dev, fresh, size, word);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_SYSTEM);
	assert_where(&dev, fresh, size, VSVM_RESIDENCY_SYSTEM);

	/* PREFETCH moves nothing and says why */
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	igt_assert_eq_u64(pf.moved, 0);
	igt_assert_eq_u64(pf.no_memory, PAGES(size));
	assert_where(&dev, buf, size, VSVM_RESIDENCY_SYSTEM);

	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, VRAM_ALLOC_FAIL, 1);
	vsvm_assert_stat_same(&before, PAGES_TO_VRAM);
	igt_assert_lt(vsvm_vram_fail_alloc_pending(0), FAIL_ALWAYS);
	vsvm_assert_same(buf, ref, size);
	vsvm_assert_words(fresh, size, word);

	/* One failure in a PREFETCH of two granules: the rest moves */
	before = stats_read(&dev);
	vsvm_vram_fail_alloc(0, 1);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	igt_assert_eq_u32(vsvm_vram_fail_alloc_pending(0), 0);
	igt_assert_eq_u64(pf.moved + pf.no_memory, PAGES(size));
	igt_assert_cmpu64(pf.moved, >=, <, PAGES(SZ_2M));
	igt_assert_eq_u64(count_where(&dev, buf, size, VSVM_RESIDENCY_VRAM),
			  pf.moved);
	vsvm_assert_stat_grew(&before, VRAM_ALLOC_FAIL, 1);
	moved = pf.moved;

	/* With allocations working again, the rest follows */
	vsvm_vram_fail_alloc(0, 0);
	module.fail_alloc_armed = false;
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size) - moved, moved, 0, 0);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_VRAM);
	vsvm_assert_same(buf, ref, size);

	munmap(buf, size);
	munmap(fresh, size);
	munmap(scratch, size);
	free(ref);
}

/*
 * Loads the module with @devices devices of @vram_mb MiB of VRAM (0: the
 * default) unless it runs with those already.  The test's devices must be
 * closed: they are.
 */
static void module_use(unsigned int devices, unsigned int vram_mb)
{
	gpu_close(&dev);
	gpu_close(&dev1);
	vsvm_igt_module_use(devices, vram_mb, &module.changed);
}

/* Closes what the tests left open and reloads the module as it was. */
static void module_restore(void)
{
	gpu_close(&dev);
	gpu_close(&dev1);
	vsvm_igt_module_restore(&module.changed);
}

#define OVERSUB_PROCS	4
#define OVERSUB_ROUNDS	2

/* Waits (bounded) until @target arrivals, counting this one. */
static void oversub_barrier(uint32_t *count, uint32_t target)
{
	int64_t deadline = vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS);

	__atomic_add_fetch(count, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(count, __ATOMIC_SEQ_CST) < target &&
	       vsvm_now_ns() < deadline)
		usleep(1000);
	igt_assert_f(__atomic_load_n(count, __ATOMIC_SEQ_CST) >= target,
		     "only %u of %u processes got there\n",
		     __atomic_load_n(count, __ATOMIC_SEQ_CST), target);
}

static uint32_t oversub_word(unsigned int child, unsigned int round,
			     size_t page)
{
	return 0x0e000000 | child << 20 | round << 16 | (uint32_t)page;
}

/*
 * One of the processes: its GPU writes a different word to each page of
 * its buffer, as large as VRAM; once every process has written its own,
 * the CPU checks every page, in VRAM or evicted.
 */
static void oversub_child(unsigned int child, size_t size, uint32_t *barrier)
{
	struct gpu g = { .index = 0, .engines = dev.engines };
	uint8_t *batch_buf = vsvm_map_anon(BATCH_CAPACITY);
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	struct vsvm_batch b;
	unsigned int round;
	size_t p;

	g.fd = vsvm_igt_open(0);
	g.vm = vsvm_vm_create(g.fd);
	advise(&g, batch_buf, BATCH_CAPACITY, DRM_VSVM_LOC_SYSTEM, 0);
	for (round = 0; round < OVERSUB_ROUNDS; round++) {
		vsvm_batch_init(&b, batch_buf, BATCH_CAPACITY);
		for (p = 0; p < PAGES(size); p++)
			vsvm_batch_fill(&b, to_user_pointer(buf + p * SZ_4K),
					SZ_4K, oversub_word(child, round, p));
		vsvm_run(g.fd, g.vm, (child + round) % g.engines, &b);
		oversub_barrier(barrier, OVERSUB_PROCS * (round + 1));
		for (p = 0; p < PAGES(size); p++)
			vsvm_assert_words(buf + p * SZ_4K, SZ_4K,
					  oversub_word(child, round, p));
		/* past the back-off of those CPU faults: the GPU moves again */
		usleep(20000);
	}
	vsvm_vm_destroy(g.fd, g.vm);
	close(g.fd);
}

static void test_oversubscribe(void)
{
	uint32_t *barrier;
	struct vsvm_stats before;
	uint64_t used;

	module_use(1, SMALL_VRAM_MB);
	gpu_open(&dev, 0);
	igt_assert_eq_u64(dev.vram_size, (uint64_t)SMALL_VRAM_MB << 20);
	used = vram_baseline(0);
	barrier = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	igt_assert(barrier != MAP_FAILED);
	*barrier = 0;

	before = stats_read(&dev);
	igt_fork(child, OVERSUB_PROCS)
		oversub_child(child, dev.vram_size, barrier);
	igt_waitchildren();

	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, PAGES_TO_VRAM, PAGES(dev.vram_size));
	vsvm_assert_stat_grew(&before, EVICTIONS, 1);
	vsvm_assert_stat_grew(&before, EVICT_PAGES, 1);
	assert_vram_released(0, used);
	munmap(barrier, SZ_4K);
	gpu_close(&dev);
}

#define RACE_PROCS	4
#define RACE_ROUNDS	4

static uint32_t race_word(unsigned int child, unsigned int round, size_t page)
{
	return 0x0f000000 | child << 20 | round << 12 | (uint32_t)page;
}

/*
 * One of the processes of evict-vs-cpu-fault: PREFETCH its buffer, half
 * as large as VRAM, to VRAM (which evicts the others'), then read it back
 * a 4 KiB granule at a time with the CPU, while the others do the same.
 */
static void race_child(unsigned int child, size_t size)
{
	struct gpu g = { .index = 0, .engines = dev.engines };
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	unsigned int round;
	size_t p;

	g.fd = vsvm_igt_open(0);
	g.vm = vsvm_vm_create(g.fd);
	advise(&g, buf, size, DRM_VSVM_LOC_VRAM, SZ_4K);
	for (round = 0; round < RACE_ROUNDS; round++) {
		for (p = 0; p < PAGES(size); p++)
			set_words(buf + p * SZ_4K, SZ_4K,
				  race_word(child, round, p));
		prefetch(&g, buf, size, DRM_VSVM_REGION_VRAM);
		for (p = 0; p < PAGES(size); p++)
			vsvm_assert_words(buf + p * SZ_4K, SZ_4K,
					  race_word(child, round, p));
	}
	vsvm_vm_destroy(g.fd, g.vm);
	close(g.fd);
}

/*
 * Eviction takes VRAM pages by page frame; CPU faults free the pages they
 * moved out.  The evictor must leave alone a page whose data has already
 * left, even in the instant before that page is freed.
 */
static void test_evict_vs_cpu_fault(void)
{
	struct vsvm_stats before;
	uint64_t used;

	module_use(1, SMALL_VRAM_MB);
	gpu_open(&dev, 0);
	used = vram_baseline(0);
	before = stats_read(&dev);
	igt_fork(child, RACE_PROCS)
		race_child(child, dev.vram_size / 2);
	igt_waitchildren();

	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, EVICTIONS, 1);
	vsvm_assert_stat_grew(&before, EVICT_PAGES, 1);
	vsvm_assert_stat_grew(&before, CPU_FAULTS_VRAM,
			      RACE_PROCS * RACE_ROUNDS);
	assert_vram_released(0, used);
	gpu_close(&dev);
}

/* Whether a line of @trace holds both @event and @what. */
static bool trace_has(const char *trace, const char *event, const char *what)
{
	const char *line = trace, *end;

	while ((line = strstr(line, event))) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		if (memmem(line, end - line, what, strlen(what)))
			return true;
		line = end;
	}
	return false;
}

static void test_tracepoints(void)
{
	const uint32_t seed = 0x7ace0001;
	struct drm_vsvm_prefetch pf;
	struct vsvm_stats before;
	uint8_t *a, *b;
	size_t size;
	char *trace;

	module_use(1, SMALL_VRAM_MB);
	gpu_open(&dev, 0);
	igt_require_f(vsvm_trace_has_event("vsvm_migrate") &&
		      vsvm_trace_has_event("vsvm_evict"),
		      "no vsvm_migrate or vsvm_evict trace event\n");
	igt_assert_eq_u64(vram_baseline(0), 0);
	size = dev.vram_size;
	a = vsvm_map_isolated_anon(size, SZ_2M);
	b = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	vsvm_pattern_fill(a, size, seed);
	vsvm_pattern_fill(b, SZ_2M, seed + 1);

	before = stats_read(&dev);
	vsvm_trace_clear();
	vsvm_trace_enable("vsvm_migrate", true);
	vsvm_trace_enable("vsvm_evict", true);
	/* VRAM full, then something evicted to make room */
	pf = prefetch(&dev, a, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	pf = prefetch(&dev, b, SZ_2M, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(SZ_2M), 0, 0, 0);
	pf = prefetch(&dev, b, SZ_2M, DRM_VSVM_REGION_SYSTEM);
	expect_prefetch(&pf, PAGES(SZ_2M), 0, 0, 0);
	vsvm_trace_enable("vsvm_migrate", false);
	vsvm_trace_enable("vsvm_evict", false);
	trace = vsvm_trace_read();

	igt_assert_f(trace_has(trace, "vsvm_migrate:", "to_vram"),
		     "no vsvm_migrate event to VRAM\n");
	igt_assert_f(trace_has(trace, "vsvm_migrate:", "to_sys"),
		     "no vsvm_migrate event to system memory\n");
	igt_assert_f(trace_has(trace, "vsvm_evict:", ""),
		     "no vsvm_evict event\n");
	free(trace);
	vsvm_stats_log(&before);
	vsvm_assert_stat_grew(&before, EVICTIONS, 1);

	/* Nothing was lost on the way */
	vsvm_assert_pattern(a, size, seed);
	vsvm_assert_pattern(b, SZ_2M, seed + 1);
	munmap(a, size);
	munmap(b, SZ_2M);
	gpu_close(&dev);
}

static void test_two_devices(void)
{
	const size_t size = SZ_2M, half = SZ_1M;
	const uint32_t seed = 0x2de70001;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *scratch = vsvm_map_anon(size), *ref;
	uint64_t *ctr = (uint64_t *)(buf + size - SZ_4K);
	struct vsvm_stats before0, before1;
	struct drm_vsvm_prefetch pf;
	struct vsvm_batch *b0, *b1;
	uint64_t s0, s1;
	unsigned int r, i;

	module_use(2, 0);
	gpu_open(&dev, 0);
	gpu_open(&dev1, 1);
	advise(&dev, scratch, size, DRM_VSVM_LOC_SYSTEM, 0);
	advise(&dev1, scratch, size, DRM_VSVM_LOC_SYSTEM, 0);
	vsvm_pattern_fill(buf, size, seed);
	ref = vsvm_snapshot(buf, size);
	before0 = stats_read(&dev);
	before1 = stats_read(&dev1);

	/* Device 0 writes: the pages move to its VRAM, not device 1's */
	gpu_fill(&dev, buf, SZ_64K, 0x2de7d000);
	set_words(ref, SZ_64K, 0x2de7d000);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_VRAM);
	assert_where(&dev1, buf, size, VSVM_RESIDENCY_NONE);

	/* Device 1 reads: they leave device 0's VRAM, by system memory */
	gpu_copy(&dev1, scratch, buf, size);
	vsvm_assert_same(scratch, ref, size);
	igt_assert_eq(count_where(&dev, buf, size, VSVM_RESIDENCY_VRAM), 0);
	vsvm_assert_stat_grew(&before0, CPU_FAULTS_VRAM, 1);
	vsvm_assert_stat_grew(&before0, PAGES_TO_SYS, PAGES(size));

	/* Device 1 writes, and device 0 reads it all */
	gpu_fill(&dev1, buf + half, SZ_64K, 0x2de7d111);
	set_words(ref + half, SZ_64K, 0x2de7d111);
	memset(scratch, 0, size);
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_same(scratch, ref, size);

	/* PREFETCH takes the pages from one device's VRAM to the other's */
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	igt_assert_eq_u64(pf.moved + pf.already, PAGES(size));
	assert_where(&dev, buf, size, VSVM_RESIDENCY_VRAM);
	assert_where(&dev1, buf, size, VSVM_RESIDENCY_NONE);
	pf = prefetch(&dev1, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	assert_where(&dev1, buf, size, VSVM_RESIDENCY_VRAM);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_NONE);
	vsvm_stats_log(&before0);
	vsvm_stats_log(&before1);
	vsvm_assert_stat_grew(&before1, PAGES_TO_VRAM, PAGES(size));
	vsvm_assert_same(buf, ref, size);

	/*
	 * Both devices at once on one range: each fills its half and
	 * increments the same counter.  Nobody livelocks, nothing is lost.
	 */
	*ctr = 0;
	for (r = 0; r < 4; r++) {
		b0 = tool_batch();
		b1 = &tool.batch2;
		vsvm_batch_reset(b1);
		vsvm_batch_fill(b0, to_user_pointer(buf), half,
				0x2de70a00 | r);
		vsvm_batch_fill(b1, to_user_pointer(buf + half),
				half - SZ_4K, 0x2de70b00 | r);
		for (i = 0; i < 32; i++) {
			vsvm_batch_atomic(b0, DRM_VSVM_ATOMIC_INC,
					  DRM_VSVM_ATOMIC_64BIT,
					  to_user_pointer(ctr), 0, 0, 0);
			vsvm_batch_atomic(b1, DRM_VSVM_ATOMIC_INC,
					  DRM_VSVM_ATOMIC_64BIT,
					  to_user_pointer(ctr), 0, 0, 0);
		}
		s0 = vsvm_exec(dev.fd, dev.vm, 0, b0);
		s1 = vsvm_exec(dev1.fd, dev1.vm, 0, b1);
		vsvm_wait_job(dev.fd, dev.vm, s0);
		vsvm_wait_job(dev1.fd, dev1.vm, s1);
		vsvm_assert_words(buf, half, 0x2de70a00 | r);
		vsvm_assert_words(buf + half, half - SZ_4K, 0x2de70b00 | r);
		igt_assert_eq_u64(*ctr, 64ull * (r + 1));
	}

	munmap(buf, size);
	munmap(scratch, size);
	free(ref);
	gpu_close(&dev1);
	gpu_close(&dev);
}

static void test_module_unload_with_vram(void)
{
	const size_t size = 2 * SZ_2M;
	const uint32_t seed = 0x0dd10001;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *scratch = vsvm_map_anon(size);
	struct drm_vsvm_prefetch pf;

	module_use(1, 0);
	gpu_open(&dev, 0);
	advise(&dev, scratch, size, DRM_VSVM_LOC_SYSTEM, 0);
	vsvm_pattern_fill(buf, size, seed);
	pf = prefetch(&dev, buf, size, DRM_VSVM_REGION_VRAM);
	expect_prefetch(&pf, PAGES(size), 0, 0, 0);
	gpu_copy(&dev, scratch, buf, size);
	vsvm_assert_pattern(scratch, size, seed);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_VRAM);
	gpu_close(&dev);

	/* The pages are still in VRAM: unloading evicts them first */
	module.changed = true;
	igt_assert_eq(vsvm_igt_reload(NULL), 0);
	module.changed = false;
	vsvm_assert_pattern(buf, size, seed);

	/* and the new module finds them in system memory */
	gpu_open(&dev, 0);
	assert_where(&dev, buf, size, VSVM_RESIDENCY_SYSTEM);
	gpu_close(&dev);
	munmap(buf, size);
	munmap(scratch, size);
}

igt_main
{
	igt_fixture {
		tool_init();
		gpu_open(&dev, 0);
	}

	igt_describe("MADVISE rejects every undefined flag, on a span and with DRM_VSVM_MADVISE_VM_DEFAULT.");
	igt_subtest("reject-madvise-flags")
		test_reject_madvise_flags();

	igt_describe("MADVISE rejects a start or size that is not 4 KiB aligned.");
	igt_subtest("reject-madvise-unaligned")
		test_reject_madvise_unaligned();

	igt_describe("MADVISE rejects a zero size on a span.");
	igt_subtest("reject-madvise-size-zero")
		test_reject_madvise_size_zero();

	igt_describe("MADVISE rejects a span that wraps around the address space.");
	igt_subtest("reject-madvise-wrap")
		test_reject_madvise_wrap();

	igt_describe("MADVISE rejects a span beyond the user address space.");
	igt_subtest("reject-madvise-kernel-addr")
		test_reject_madvise_kernel_addr();

	igt_describe("MADVISE rejects an unknown preferred location.");
	igt_subtest("reject-madvise-location")
		test_reject_madvise_location();

	igt_describe("MADVISE rejects a granularity other than 4 KiB, 64 KiB or 2 MiB.");
	igt_subtest("reject-madvise-granularity")
		test_reject_madvise_granularity();

	igt_describe("MADVISE rejects an unknown atomic policy.");
	igt_subtest("reject-madvise-atomic-policy")
		test_reject_madvise_atomic_policy();

	igt_describe("MADVISE rejects an atomic timeslice above DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS.");
	igt_subtest("reject-madvise-timeslice-too-big")
		test_reject_madvise_timeslice_too_big();

	igt_describe("MADVISE rejects an atomic timeslice with DRM_VSVM_ATOMIC_ANYWHERE.");
	igt_subtest("reject-madvise-timeslice-anywhere")
		test_reject_madvise_timeslice_anywhere();

	igt_describe("MADVISE with DRM_VSVM_MADVISE_VM_DEFAULT rejects a non-zero start or size.");
	igt_subtest("reject-madvise-vm-default-span")
		test_reject_madvise_vm_default_span();

	igt_describe("MADVISE on an unknown VM fails with ENOENT.");
	igt_subtest("reject-madvise-unknown-vm")
		test_reject_madvise_unknown_vm();

	igt_describe("MADVISE from a process other than the VM's creator fails with EPERM.");
	igt_subtest("reject-madvise-other-process")
		test_reject_madvise_other_process();

	igt_describe("MADVISE fails with ENOSPC beyond DRM_VSVM_MADVISE_MAX_SPANS spans; munmap() frees them.");
	igt_subtest("reject-madvise-too-many-spans")
		test_reject_madvise_too_many_spans();

	igt_describe("ATTR_QUERY rejects every flag.");
	igt_subtest("reject-attr-query-flags")
		test_reject_attr_query_flags();

	igt_describe("ATTR_QUERY rejects an address beyond the user address space.");
	igt_subtest("reject-attr-query-addr")
		test_reject_attr_query_addr();

	igt_describe("ATTR_QUERY on an unknown VM fails with ENOENT.");
	igt_subtest("reject-attr-query-unknown-vm")
		test_reject_attr_query_unknown_vm();

	igt_describe("ATTR_QUERY from a process other than the VM's creator fails with EPERM.");
	igt_subtest("reject-attr-query-other-process")
		test_reject_attr_query_other_process();

	igt_describe("PREFETCH rejects every flag, and moves nothing.");
	igt_subtest("reject-prefetch-flags")
		test_reject_prefetch_flags();

	igt_describe("PREFETCH rejects an unknown region.");
	igt_subtest("reject-prefetch-region")
		test_reject_prefetch_region();

	igt_describe("PREFETCH rejects a non-zero pad.");
	igt_subtest("reject-prefetch-pad")
		test_reject_prefetch_pad();

	igt_describe("PREFETCH rejects a start or size that is not 4 KiB aligned.");
	igt_subtest("reject-prefetch-unaligned")
		test_reject_prefetch_unaligned();

	igt_describe("PREFETCH rejects a zero size.");
	igt_subtest("reject-prefetch-size-zero")
		test_reject_prefetch_size_zero();

	igt_describe("PREFETCH rejects a span that wraps around the address space.");
	igt_subtest("reject-prefetch-wrap")
		test_reject_prefetch_wrap();

	igt_describe("PREFETCH rejects a span beyond the user address space.");
	igt_subtest("reject-prefetch-kernel-addr")
		test_reject_prefetch_kernel_addr();

	igt_describe("PREFETCH on an unknown VM fails with ENOENT.");
	igt_subtest("reject-prefetch-unknown-vm")
		test_reject_prefetch_unknown_vm();

	igt_describe("PREFETCH from a process other than the VM's creator fails with EPERM.");
	igt_subtest("reject-prefetch-other-process")
		test_reject_prefetch_other_process();

	igt_describe("RANGE_INFO rejects every flag but DRM_VSVM_RANGE_INFO_RESIDENCY.");
	igt_subtest("reject-range-info-residency-flags")
		test_reject_range_info_residency_flags();

	igt_describe("MADVISE and ATTR_QUERY agree: spans, splits, VM defaults, and attributes dropped with the mapping.");
	igt_subtest("madvise-attr-query")
		test_madvise_attr_query();

	igt_describe("PREFETCH to VRAM and back moves every page with its data, and counts what it did.");
	igt_subtest("prefetch")
		test_prefetch();

	igt_describe("VRAM's backing store is allocated per 2 MiB as VRAM is used and freed with it.");
	igt_subtest("backing-on-demand")
		test_backing_on_demand();

	igt_describe("By default a GPU fault moves private anonymous memory to VRAM.");
	igt_subtest("gpu-fault-auto")
		test_gpu_fault_auto();

	igt_describe("Memory that prefers system memory stays there when the GPU uses it.");
	igt_subtest("gpu-fault-system")
		test_gpu_fault_system();

	igt_describe("Memory that prefers VRAM moves there on a GPU fault, by span or by VM default.");
	igt_subtest("gpu-fault-vram")
		test_gpu_fault_vram();

	igt_describe("With a 4 KiB granularity a GPU fault moves the 4 KiB page around it.");
	igt_subtest("granularity-4k")
		test_granularity(SZ_4K);

	igt_describe("With a 64 KiB granularity a GPU fault moves the 64 KiB around it.");
	igt_subtest("granularity-64k")
		test_granularity(SZ_64K);

	igt_describe("With a 2 MiB granularity a GPU fault moves the 2 MiB around it.");
	igt_subtest("granularity-2m")
		test_granularity(SZ_2M);

	igt_describe("The migration granule is clamped to the VMA.");
	igt_subtest("granularity-clamped")
		test_granularity_clamped();

	igt_describe("A CPU read of a page in VRAM brings its granule back with the data; the GPU follows.");
	igt_subtest("cpu-read-vram")
		cpu_access_vram(false);

	igt_describe("A CPU write to a page in VRAM brings its granule back; the GPU sees the write.");
	igt_subtest("cpu-write-vram")
		cpu_access_vram(true);

	igt_describe("fork() with pages in VRAM: parent and child, CPU and GPU, each see their own writes.");
	igt_subtest("fork-cow-vram")
		test_fork_cow_vram();

	igt_describe("munmap() of pages in VRAM: the rest stays intact, the VRAM is freed.");
	igt_subtest("munmap-vram")
		test_munmap_vram();

	igt_describe("mremap() of pages in VRAM: the data moves with the mapping.");
	igt_subtest("mremap-vram")
		test_mremap_vram();

	igt_describe("A process killed with pages in VRAM gives all of its VRAM back.");
	igt_subtest("process-kill-vram")
		test_process_kill_vram();

	igt_describe("GPU atomics and CPU increments on one page, atomics anywhere: exact totals.");
	igt_subtest("hammer-atomics-anywhere")
		test_hammer_atomics_anywhere();

	igt_describe("GPU atomics and CPU increments on one page, atomics in VRAM only: exact totals, the page moves every round.");
	igt_subtest("hammer-atomics-vram-only")
		test_hammer_atomics_vram_only();

	igt_describe("GPU and CPU stores to one page as it moves back and forth: none is lost.");
	igt_subtest("hammer-stores")
		test_hammer_stores();

	igt_describe("With atomics in VRAM only, a GPU atomic moves its page to VRAM; on memory that cannot move it faults.");
	igt_subtest("atomic-vram-only")
		test_atomic_vram_only();

	igt_describe("A GPU fault in an atomics-anywhere span grants no atomics on the system pages of a VRAM-only span beside it.");
	igt_subtest("atomic-policy-per-span")
		test_atomic_policy_per_span();

	igt_describe("MADVISE to VRAM-only atomics takes effect on memory the GPU has mapped already.");
	igt_subtest("atomic-policy-madvise-mapped")
		test_atomic_policy_madvise_mapped();

	igt_describe("Shared anonymous memory stays in system memory and works on the GPU.");
	igt_subtest("unmigratable-shared-anon")
		test_unmigratable_shared_anon();

	igt_describe("A memfd mapping stays in system memory and works on the GPU.");
	igt_subtest("unmigratable-memfd")
		test_unmigratable_memfd();

	igt_describe("A shared file mapping stays in system memory and works on the GPU.");
	igt_subtest("unmigratable-file")
		test_unmigratable_file();

	igt_describe("A hugetlbfs page stays in system memory and works on the GPU.");
	igt_subtest("unmigratable-hugetlbfs")
		test_unmigratable_hugetlbfs();

	igt_describe("fdinfo reports the VRAM the file's VMs allocated, until it is freed.");
	igt_subtest("fdinfo-vram")
		test_fdinfo_vram();

	igt_describe("VRAM allocations that fail fall back to system memory with nothing lost.");
	igt_subtest("alloc-fail")
		test_alloc_fail();

	igt_fixture {
		if (module.fail_alloc_armed) {
			vsvm_vram_fail_alloc(0, 0);
			module.fail_alloc_armed = false;
		}
		gpu_close(&dev);
	}

	igt_describe("Processes using 4 times the VRAM: evictions, and every byte right.");
	igt_subtest("oversubscribe")
		test_oversubscribe();

	igt_describe("Processes moving their data to VRAM, evicting each other's, while their CPUs move it back a page at a time: no data lost, no page moved twice.");
	igt_subtest("evict-vs-cpu-fault")
		test_evict_vs_cpu_fault();

	igt_describe("The migrate and evict tracepoints fire.");
	igt_subtest("tracepoints")
		test_tracepoints();

	igt_describe("Two devices on one buffer: pages move between their VRAMs through system memory.");
	igt_subtest("two-devices")
		test_two_devices();

	igt_describe("Unloading the module with pages in VRAM evicts them first.");
	igt_subtest("module-unload-with-vram")
		test_module_unload_with_vram();

	igt_fixture
		module_restore();
}
