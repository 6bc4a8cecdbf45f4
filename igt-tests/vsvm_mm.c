// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * TEST: vsvm mm
 * Category: Software emulated GPU
 * Description: The GPU as a user of the core mm like any other: what it
 *		writes reaches the mm's dirty tracking, so that MADV_FREE and
 *		swap keep it; what its faults allocate is charged to the
 *		memory cgroup of the process it works for; mlock()ed memory
 *		stays in system memory; and munmap() holes that cut advised
 *		spans in pieces do not take a VM past its MADVISE span limit.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/loop.h>

#include "igt.h"
#include "vsvm_igt.h"

IGT_TEST_DESCRIPTION("The GPU and the core mm: dirty tracking of GPU writes (MADV_FREE, swap), memory cgroup charges of GPU faults, mlock, munmap() holes in advised spans.");

#ifndef MADV_FREE
#define MADV_FREE	8
#endif
#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define BATCH_CAPACITY	SZ_64K

/* /proc/self/pagemap */
#define PM_PRESENT	(1ull << 63)
#define PM_SWAP		(1ull << 62)
#define PM_PFN_MASK	((1ull << 55) - 1)

/* /proc/kpageflags, include/uapi/linux/kernel-page-flags.h */
#define KPF_DIRTY	4
#define KPF_WRITEBACK	8
#define KPF_SWAPCACHE	13

#define CGROUP_ROOT	"/sys/fs/cgroup"

/*
 * The buffer of the dirty tests: 512 pages, 2 MiB aligned, in 4 KiB pages,
 * one GPU range.  The CPU writes the first CPU_PAGES after the event under
 * test (MADV_FREE or swap-in), which shows that a page the CPU dirtied
 * survives; the GPU writes the last GPU_PAGES; nobody writes the IDLE_PAGES
 * between, which the GPU mapped writable but did not write: a driver may
 * count them as dirty or not.
 */
#define DIRTY_SIZE	SZ_2M
#define CPU_PAGES	16
#define GPU_PAGES	256
#define IDLE_PAGES	(PAGES(DIRTY_SIZE) - CPU_PAGES - GPU_PAGES)
#define CPU_OFF		0ul
#define IDLE_OFF	(CPU_PAGES * SZ_4K)
#define GPU_OFF		(DIRTY_SIZE - GPU_PAGES * SZ_4K)

/*
 * memcg-fault-accounting: a child limited to PT_MEMORY_MAX makes the GPU
 * read one word in each GiB of a PT_AREA_SIZE span of read-only private
 * anonymous memory (MAP_NORESERVE).  Each read makes hmm_range_fault()
 * build a PMD and a PTE table, 8 KiB of CPU page tables, and the fault
 * handler a GPU page table page and a range: the PT_PIECES reads need 1.25
 * times PT_MEMORY_MAX of CPU page tables alone.
 *
 * The span is not one huge mapping read every 2 MiB: on a 2 MiB range,
 * hmm_range_fault() faults all 512 zero-page PTEs in, 13 ms per GPU read
 * under emulation with the debug kernel against 1.3 ms for a single page.
 * It is mapped two pages at a time, one on each side of every other GiB
 * boundary: each GPU read faults a range of one page, the GiB stride
 * doubles the page tables of each read, and pairs halve the mappings to
 * make (2.3 ms each).
 */
/*
 * Above what the child needs: reaching memory.max would call the cgroup's
 * OOM killer, whose report (a stack dump) the harness takes for a kernel
 * bug.  The test proves the charge; memory.max enforcing it is the memory
 * controller's business.
 */
#define PT_MEMORY_MAX		(512ull << 20)
#define PT_STRIDE		SZ_1G
#define PT_PIECES		10240ull
#define PT_AREA_SIZE		(PT_PIECES * PT_STRIDE)
/* A job of 256 reads takes under a second: far from the 10 s job timeout */
#define PT_PIECES_PER_JOB	256
#define PT_JOBS			(PT_PIECES / PT_PIECES_PER_JOB)
/* A generous bound for the child's work, emulation and debug kernel included */
#define PT_TIMEOUT_MS		(600 * 1000)

_Static_assert(PT_PIECES % 2 == 0, "pairs");
_Static_assert(PT_PIECES % PT_PIECES_PER_JOB == 0, "whole jobs");
_Static_assert(PT_PIECES * 2 * SZ_4K >= (64ull << 20),
	       "the CPU page tables alone are large enough to see");

/* The device of the fixture */
static struct {
	int fd;
	unsigned int engines;
	bool has_vram;
} dev = { .fd = -1 };

/* A VM of the test, and the batch it runs */
struct gpu {
	int fd;
	uint32_t vm;
	uint8_t *tool;
	struct vsvm_batch batch;
};

/* What the final fixture undoes, should a subtest fail half-way */
static struct {
	char dir[128];
	bool made;
	bool enabled_memory;
	bool mounted;
} cg;

static struct {
	char path[64];
	char loop[32];
	int loop_fd;
	int backing_fd;
	bool on;
} swapdev = { .loop_fd = -1, .backing_fd = -1 };

static struct drm_vsvm_mem_attrs attrs_loc(uint32_t loc)
{
	return (struct drm_vsvm_mem_attrs) { .preferred_loc = loc };
}

/*
 * A new VM on @fd, with its batch buffer kept in system memory; with
 * @system, the VM's default is DRM_VSVM_LOC_SYSTEM.
 */
static struct gpu gpu_new(int fd, bool system)
{
	const struct drm_vsvm_mem_attrs sys = attrs_loc(DRM_VSVM_LOC_SYSTEM);
	struct gpu g = { .fd = fd };

	g.vm = vsvm_vm_create(fd);
	g.tool = vsvm_map_anon(BATCH_CAPACITY);
	vsvm_batch_init(&g.batch, g.tool, BATCH_CAPACITY);
	if (vsvm_has_vram(fd)) {
		vsvm_madvise(fd, g.vm, to_user_pointer(g.tool),
			     BATCH_CAPACITY, &sys);
		if (system)
			vsvm_vm_prefer_system(fd, g.vm);
	}
	return g;
}

static void gpu_free(struct gpu *g)
{
	vsvm_vm_destroy(g->fd, g->vm);
	munmap(g->tool, BATCH_CAPACITY);
}

static void gpu_fill(struct gpu *g, void *dst, size_t size, uint32_t word)
{
	vsvm_run_fill(g->fd, g->vm, &g->batch, to_user_pointer(dst), size,
		      word);
}

static void advise(struct gpu *g, void *p, size_t size, uint32_t loc)
{
	const struct drm_vsvm_mem_attrs attrs = attrs_loc(loc);

	vsvm_madvise(g->fd, g->vm, to_user_pointer(p), size, &attrs);
}

static size_t count_where(struct gpu *g, const void *p, size_t size,
			  enum vsvm_residency where)
{
	return vsvm_residency_count(g->fd, g->vm, to_user_pointer(p), size,
				    where);
}

static void assert_where(struct gpu *g, const void *p, size_t size,
			 enum vsvm_residency where)
{
	vsvm_assert_residency(g->fd, g->vm, to_user_pointer(p), size, where);
}

/* Counters of the device that tell whether pages moved */
enum mm_stat {
	FAULT_WRITE,
	PAGES_TO_VRAM,
	PAGES_TO_SYS,
	CPU_FAULTS_VRAM,
	NR_STATS
};

static const char * const stat_names[NR_STATS] = {
	[FAULT_WRITE] = "fault_write",
	[PAGES_TO_VRAM] = "migrate_pages_to_vram",
	[PAGES_TO_SYS] = "migrate_pages_to_sys",
	[CPU_FAULTS_VRAM] = "cpu_faults_vram",
};

/* The counters of device 0 */
static struct vsvm_stats stats_read(void)
{
	return vsvm_stats_read(0, stat_names, NR_STATS);
}

/* A counter of /proc/vmstat */
static uint64_t vmstat_counter(const char *name)
{
	unsigned long long value = 0;
	char key[64];
	bool found = false;
	FILE *file = fopen("/proc/vmstat", "r");

	igt_assert(file);
	while (!found && fscanf(file, "%63s %llu", key, &value) == 2)
		found = !strcmp(key, name);
	fclose(file);
	igt_assert_f(found, "no %s in /proc/vmstat\n", name);
	return value;
}

/* A line of /proc/meminfo, in bytes */
static uint64_t meminfo_bytes(const char *name)
{
	unsigned long long value = 0;
	char line[128], key[64];
	size_t len = strlen(name);
	bool found = false;
	FILE *file = fopen("/proc/meminfo", "r");

	igt_assert(file);
	while (!found && fgets(line, sizeof(line), file))
		found = sscanf(line, "%63s %llu", key, &value) == 2 &&
			!strncmp(key, name, len) && key[len] == ':' &&
			!key[len + 1];
	fclose(file);
	igt_assert_f(found, "no %s in /proc/meminfo\n", name);
	return value << 10;
}

/*
 * The GPU and the CPU run on whatever CPU they like, and pages the CPU
 * just made or freed wait in per-CPU LRU batches that MADV_PAGEOUT only
 * drains on its own CPU: keep the test on one CPU, so that it can reclaim
 * every page it means to.
 */
static void pin_to_one_cpu(void)
{
	cpu_set_t cpus, one;
	int cpu;

	igt_assert_eq(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
	for (cpu = 0; !CPU_ISSET(cpu, &cpus); cpu++)
		;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	igt_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
}

static void unpin(void)
{
	cpu_set_t all;
	long cpu, n = sysconf(_SC_NPROCESSORS_CONF);

	CPU_ZERO(&all);
	for (cpu = 0; cpu < n && cpu < CPU_SETSIZE; cpu++)
		CPU_SET(cpu, &all);
	sched_setaffinity(0, sizeof(all), &all);
}

/*
 * MADV_FREE queues the pages it frees in a per-CPU batch on their way to
 * the lazily freed LRU list, where each stays with an extra reference and
 * migrate_vma_setup() on another CPU, in the GPU's worker, cannot take
 * it.  MADV_COLD starts with lru_add_drain() on its own CPU, the test's
 * (see pin_to_one_cpu()): use it on a page of its own to flush the batch.
 */
static void drain_lru_batch(void)
{
	void *page = vsvm_map_anon(SZ_4K);

	igt_assert_eq(madvise(page, SZ_4K, MADV_COLD), 0);
	munmap(page, SZ_4K);
}

/* The 2 MiB buffer of a dirty test, in 4 KiB pages */
static uint8_t *map_dirty_buffer(void)
{
	uint8_t *p = vsvm_map_isolated_anon(DIRTY_SIZE, SZ_2M);

	igt_assert_eq(madvise(p, DIRTY_SIZE, MADV_NOHUGEPAGE), 0);
	return p;
}

static uint64_t pagemap_entry(int pagemap, const void *addr)
{
	uint64_t entry;

	igt_assert_eq(pread(pagemap, &entry, sizeof(entry),
			    (uintptr_t)addr / SZ_4K * sizeof(entry)),
		      (ssize_t)sizeof(entry));
	return entry;
}

/* Pages of [@p, @p + @size) whose pagemap entry has all of @bits */
static size_t pagemap_count(const void *p, size_t size, uint64_t bits)
{
	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	size_t i, n = 0;

	igt_assert_fd(pagemap);
	for (i = 0; i < size; i += SZ_4K)
		n += (pagemap_entry(pagemap, (const uint8_t *)p + i) & bits) ==
		     bits;
	close(pagemap);
	return n;
}

/*
 * The /proc/kpageflags bits of each present page of the span, in @flags;
 * returns how many pages of the span are present.
 */
static size_t page_flags(const void *p, size_t size, uint64_t *flags)
{
	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	int kpf = open("/proc/kpageflags", O_RDONLY);
	size_t i, present = 0;

	igt_assert_fd(pagemap);
	igt_require_f(kpf >= 0, "cannot read /proc/kpageflags: %s\n",
		      strerror(errno));
	for (i = 0; i < PAGES(size); i++) {
		uint64_t e = pagemap_entry(pagemap,
					   (const uint8_t *)p + i * SZ_4K);

		flags[i] = 0;
		if (!(e & PM_PRESENT))
			continue;
		present++;
		if (!(e & PM_PFN_MASK))
			igt_skip("/proc/self/pagemap shows no PFNs\n");
		igt_assert_eq(pread(kpf, &flags[i], sizeof(flags[i]),
				    (e & PM_PFN_MASK) * sizeof(flags[i])),
			      (ssize_t)sizeof(flags[i]));
	}
	close(kpf);
	close(pagemap);
	return present;
}

static size_t flag_count(const uint64_t *flags, size_t n, unsigned int bit)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		count += (flags[i] >> bit) & 1;
	return count;
}

/* Pages of the span whose folio is dirty, for the log */
static size_t dirty_pages(const void *p, size_t size)
{
	uint64_t *flags = calloc(PAGES(size), sizeof(*flags));
	size_t n;

	igt_assert(flags);
	page_flags(p, size, flags);
	n = flag_count(flags, PAGES(size), KPF_DIRTY);
	free(flags);
	return n;
}

/*
 * How the GPU's pages read back: how many hold @word, how many are zero
 * (a page that was dropped) and how many hold @old, the data from before
 * the GPU wrote.
 */
struct readback {
	size_t good;
	size_t zero;
	size_t old;
	size_t first_bad;
	uint32_t first_bad_word;
};

static struct readback readback(const uint8_t *p, size_t size, uint32_t word,
				uint32_t old_seed, size_t old_off)
{
	struct readback r = { .first_bad = SIZE_MAX };
	size_t i;

	for (i = 0; i < size; i += SZ_4K) {
		size_t bad = vsvm_words_check(p + i, SZ_4K, word);

		if (bad == SIZE_MAX) {
			r.good++;
			continue;
		}
		if (r.first_bad == SIZE_MAX) {
			r.first_bad = i + bad;
			r.first_bad_word = *(const uint32_t *)(p + i + bad);
		}
		if (vsvm_words_check(p + i, SZ_4K, 0) == SIZE_MAX)
			r.zero++;
		else if (old_seed &&
			 vsvm_pattern_check(p + i, SZ_4K, old_seed +
					    (old_off + i) / SZ_4K) ==
			 SIZE_MAX)
			r.old++;
	}
	return r;
}

static void readback_log(const char *what, const struct readback *r,
			 size_t size)
{
	igt_info("%s: %zu of %zu GPU-written pages read back right, %zu as zeros, %zu with the data from before the GPU wrote\n",
		 what, r->good, PAGES(size), r->zero, r->old);
}

static void readback_assert(const char *what, const struct readback *r,
			    const uint8_t *p, size_t size, uint32_t word)
{
	igt_assert_f(r->good == PAGES(size),
		     "%s: %zu of %zu pages the GPU wrote lost its data (%zu read as zeros, %zu as the data from before); the first at %p + %#zx: %#x, expected %#x\n",
		     what, PAGES(size) - r->good, PAGES(size), r->zero,
		     r->old, p, r->first_bad, r->first_bad_word, word);
	vsvm_assert_words(p, size, word);
}

/* Page i of a span gets its own pattern, seed + i, so that pages differ. */
static void fill_pages(uint8_t *p, size_t off, size_t size, uint32_t seed)
{
	size_t i;

	for (i = 0; i < size; i += SZ_4K)
		vsvm_pattern_fill(p + off + i, SZ_4K,
				  seed + (off + i) / SZ_4K);
}

static void assert_pages(const uint8_t *p, size_t off, size_t size,
			 uint32_t seed)
{
	size_t i;

	for (i = 0; i < size; i += SZ_4K)
		vsvm_assert_pattern(p + off + i, SZ_4K,
				    seed + (off + i) / SZ_4K);
}

/*
 * dirty-madv-free-*: after MADV_FREE the kernel may drop a page until it is
 * written again; a write marks the PTE dirty and the page stays.  A GPU
 * write must count as one.
 */

/* Written by the CPU and made lazily freeable */
static void lazy_free(uint8_t *buf)
{
	memset(buf, 0x5a, DIRTY_SIZE);
	igt_assert_eq(madvise(buf, DIRTY_SIZE, MADV_FREE), 0);
}

/*
 * MADV_PAGEOUT of @bufs, and of @idle, which nobody wrote after MADV_FREE:
 * that its pages are gone afterwards shows the kernel did drop lazily freed
 * pages.
 */
static void pageout_lazy(uint8_t **bufs, int n, uint8_t *idle)
{
	uint64_t lazyfreed = vmstat_counter("pglazyfreed");
	int i;

	igt_assert_eq(madvise(idle, DIRTY_SIZE, MADV_PAGEOUT), 0);
	for (i = 0; i < n; i++)
		igt_assert_eq(madvise(bufs[i], DIRTY_SIZE, MADV_PAGEOUT), 0);
	lazyfreed = vmstat_counter("pglazyfreed") - lazyfreed;
	igt_info("MADV_PAGEOUT dropped %llu lazily freed pages\n",
		 (unsigned long long)lazyfreed);
	igt_assert_f(lazyfreed >= PAGES(DIRTY_SIZE),
		     "MADV_PAGEOUT dropped %llu lazily freed pages, expected at least the %lu of the buffer nobody wrote again\n",
		     (unsigned long long)lazyfreed, PAGES(DIRTY_SIZE));
	vsvm_assert_bytes(idle, DIRTY_SIZE, 0);
}

/*
 * The pages nobody wrote after MADV_FREE: as MADV_FREE says, each holds
 * either its old data or zeros.
 */
static void assert_lazy_idle(const uint8_t *buf)
{
	const uint8_t *p;

	for (p = buf + IDLE_OFF; p < buf + GPU_OFF; p += SZ_4K)
		if (*p)
			vsvm_assert_bytes(p, SZ_4K, 0x5a);
		else
			vsvm_assert_bytes(p, SZ_4K, 0);
}

static void test_dirty_madv_free_system(void)
{
	const uint32_t seed = 0xd1f70001, word = 0xd1f7600d;
	struct gpu g = gpu_new(dev.fd, true);
	uint8_t *buf = map_dirty_buffer(), *idle = map_dirty_buffer();
	struct readback r;
	struct vsvm_stats before;

	pin_to_one_cpu();
	lazy_free(buf);
	lazy_free(idle);

	/* The CPU writes some pages again, the GPU others */
	fill_pages(buf, CPU_OFF, CPU_PAGES * SZ_4K, seed);
	before = stats_read();
	gpu_fill(&g, buf + GPU_OFF, GPU_PAGES * SZ_4K, word);
	vsvm_assert_stat_grew(&before, FAULT_WRITE, 1);
	if (dev.has_vram) {
		vsvm_assert_stat_same(&before, PAGES_TO_VRAM);
		assert_where(&g, buf, DIRTY_SIZE, VSVM_RESIDENCY_SYSTEM);
	}
	igt_info("after the writes: %zu of %d pages the GPU wrote are dirty\n",
		 dirty_pages(buf + GPU_OFF, GPU_PAGES * SZ_4K), GPU_PAGES);

	pageout_lazy(&buf, 1, idle);
	r = readback(buf + GPU_OFF, GPU_PAGES * SZ_4K, word, 0, 0);
	readback_log("system memory", &r, GPU_PAGES * SZ_4K);
	/* What the CPU wrote again stayed */
	assert_pages(buf, CPU_OFF, CPU_PAGES * SZ_4K, seed);
	assert_lazy_idle(buf);
	/* and so must what the GPU wrote */
	readback_assert("system memory", &r, buf + GPU_OFF, GPU_PAGES * SZ_4K,
			word);

	unpin();
	munmap(buf, DIRTY_SIZE);
	munmap(idle, DIRTY_SIZE);
	gpu_free(&g);
}

/*
 * One buffer of dirty-madv-free-vram: written by the CPU, MADV_FREE, the
 * CPU writes some pages again, the GPU writes others, which moves the
 * buffer to VRAM; then it comes back to system memory, by PREFETCH or by a
 * CPU read.
 */
static void madv_free_to_vram_and_back(struct gpu *g, uint8_t *buf,
				       uint32_t seed, uint32_t word,
				       bool by_prefetch)
{
	struct drm_vsvm_prefetch pf;
	struct vsvm_stats before;

	lazy_free(buf);
	drain_lru_batch();
	fill_pages(buf, CPU_OFF, CPU_PAGES * SZ_4K, seed);

	before = stats_read();
	gpu_fill(g, buf + GPU_OFF, GPU_PAGES * SZ_4K, word);
	assert_where(g, buf, DIRTY_SIZE, VSVM_RESIDENCY_VRAM);
	vsvm_assert_stat_grew(&before, PAGES_TO_VRAM, PAGES(DIRTY_SIZE));

	before = stats_read();
	if (by_prefetch) {
		pf = vsvm_prefetch(g->fd, g->vm, to_user_pointer(buf),
				   DIRTY_SIZE, DRM_VSVM_REGION_SYSTEM);
		igt_assert_eq_u64(pf.moved, PAGES(DIRTY_SIZE));
	} else {
		/* One read brings the whole 2 MiB granule back */
		igt_assert_eq_u32(*(uint32_t *)(buf + GPU_OFF), word);
		vsvm_assert_stat_grew(&before, CPU_FAULTS_VRAM, 1);
	}
	assert_where(g, buf, DIRTY_SIZE, VSVM_RESIDENCY_SYSTEM);
	vsvm_assert_stat_grew(&before, PAGES_TO_SYS, PAGES(DIRTY_SIZE));
	igt_info("back by %s: %zu of %d pages the GPU wrote are dirty\n",
		 by_prefetch ? "PREFETCH" : "a CPU read",
		 dirty_pages(buf + GPU_OFF, GPU_PAGES * SZ_4K), GPU_PAGES);
}

/*
 * The core mm clears no flag of a device-private page when it is freed or
 * reused: a VRAM page that once held a dirty page hands PG_dirty (and
 * PG_swapbacked) on to every page it holds after that, whatever the driver
 * does.  Reloading the module gives VRAM pages that never held anything.
 */
static void fresh_vram(void)
{
	close(dev.fd);
	dev.fd = -1;
	igt_assert_eq(vsvm_igt_reload(NULL), 0);
	dev.fd = vsvm_igt_open(0);
}

static void test_dirty_madv_free_vram(void)
{
	const uint32_t seed = 0xd1f80001, word = 0xd1f8600d;
	uint8_t *a = map_dirty_buffer(), *b = map_dirty_buffer();
	uint8_t *idle = map_dirty_buffer();
	uint8_t *bufs[] = { a, b };
	struct readback ra, rb;
	struct gpu g;

	vsvm_require_vram(dev.fd);
	fresh_vram();
	g = gpu_new(dev.fd, false);
	pin_to_one_cpu();
	madv_free_to_vram_and_back(&g, a, seed, word, true);
	madv_free_to_vram_and_back(&g, b, seed + 0x1000, word + 1, false);
	lazy_free(idle);

	pageout_lazy(bufs, 2, idle);
	ra = readback(a + GPU_OFF, GPU_PAGES * SZ_4K, word, 0, 0);
	rb = readback(b + GPU_OFF, GPU_PAGES * SZ_4K, word + 1, 0, 0);
	readback_log("back by PREFETCH", &ra, GPU_PAGES * SZ_4K);
	readback_log("back by a CPU read", &rb, GPU_PAGES * SZ_4K);

	/* The CPU's writes survived the round trip through VRAM */
	assert_pages(a, CPU_OFF, CPU_PAGES * SZ_4K, seed);
	assert_pages(b, CPU_OFF, CPU_PAGES * SZ_4K, seed + 0x1000);
	assert_lazy_idle(a);
	assert_lazy_idle(b);
	/* and so must the GPU's */
	readback_assert("back by PREFETCH", &ra, a + GPU_OFF,
			GPU_PAGES * SZ_4K, word);
	readback_assert("back by a CPU read", &rb, b + GPU_OFF,
			GPU_PAGES * SZ_4K, word + 1);

	unpin();
	munmap(a, DIRTY_SIZE);
	munmap(b, DIRTY_SIZE);
	munmap(idle, DIRTY_SIZE);
	gpu_free(&g);
}

/* Memory cgroups */

static int __cg_write(const char *dir, const char *file, const char *value)
{
	char path[256];
	ssize_t len = strlen(value);
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static void cg_write(const char *dir, const char *file, const char *value)
{
	int ret = __cg_write(dir, file, value);

	igt_assert_f(!ret, "cannot write \"%s\" to %s/%s: %s\n", value, dir,
		     file, strerror(-ret));
}

/* The first number of a cgroup file ("max" reads as INT64_MAX), or -1 */
static int64_t cg_read(const char *dir, const char *file)
{
	char path[256], word[32];
	long long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%31s", word) == 1)
		value = !strcmp(word, "max") ? INT64_MAX : atoll(word);
	fclose(f);
	return value;
}

/* The value of @key in a flat-keyed cgroup file (memory.stat), or -1 */
static int64_t cg_read_key(const char *dir, const char *file, const char *key)
{
	char path[256], name[64];
	long long value, found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (found < 0 && fscanf(f, "%63s %lld", name, &value) == 2)
		if (!strcmp(name, key))
			found = value;
	fclose(f);
	return found;
}

static bool cg_has_memory(const char *file)
{
	char path[256], line[512];
	bool found = false;
	char *tok, *save;
	FILE *f;

	snprintf(path, sizeof(path), CGROUP_ROOT "/%s", file);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		for (tok = strtok_r(line, " ", &save); tok && !found;
		     tok = strtok_r(NULL, " ", &save))
			found = !strcmp(tok, "memory");
	}
	fclose(f);
	return found;
}

/* A child cgroup @name of the root with the memory controller */
static void cgroup_setup(const char *name)
{
	if (access(CGROUP_ROOT "/cgroup.controllers", F_OK)) {
		igt_require_f(!mount("cgroup2", CGROUP_ROOT, "cgroup2", 0,
				     NULL),
			      "cannot mount cgroup2 on " CGROUP_ROOT ": %s\n",
			      strerror(errno));
		cg.mounted = true;
		errno = 0;
	}
	igt_require_f(cg_has_memory("cgroup.controllers"),
		      "no memory controller in " CGROUP_ROOT "\n");
	if (!cg_has_memory("cgroup.subtree_control")) {
		cg_write(CGROUP_ROOT, "cgroup.subtree_control", "+memory");
		cg.enabled_memory = true;
	}
	snprintf(cg.dir, sizeof(cg.dir), CGROUP_ROOT "/%s", name);
	if (mkdir(cg.dir, 0755))
		igt_assert_f(errno == EEXIST, "mkdir %s: %s\n", cg.dir,
			     strerror(errno));
	cg.made = true;
	igt_assert_f(cg_read(cg.dir, "memory.current") >= 0,
		     "%s has no memory controller\n", cg.dir);
}

/* Undoes cgroup_setup(); its processes must have ended */
static void cgroup_teardown(void)
{
	int i;

	if (cg.made) {
		/* A reaped child can take a moment to leave its cgroup */
		for (i = 0; i < 100 && rmdir(cg.dir) && errno == EBUSY; i++)
			usleep(10000);
		cg.made = false;
	}
	if (cg.enabled_memory) {
		__cg_write(CGROUP_ROOT, "cgroup.subtree_control", "-memory");
		cg.enabled_memory = false;
	}
	if (cg.mounted) {
		umount(CGROUP_ROOT);
		cg.mounted = false;
	}
}

/* Moves the calling process into the test's cgroup; 0 or -errno */
static int cgroup_join(void)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return __cg_write(cg.dir, "cgroup.procs", pid);
}

/* Swap: a file on /tmp behind a loop device */

/* The header mkswap(8) writes: include/linux/swap.h, union swap_header */
struct swap_header_info {
	char bootbits[1024];
	uint32_t version;
	uint32_t last_page;
	uint32_t nr_badpages;
	unsigned char sws_uuid[16];
	unsigned char sws_volume[16];
	uint32_t padding[117];
};

static void swap_write_header(int fd, size_t size)
{
	static char page[SZ_4K];
	struct swap_header_info *info = (void *)page;

	memset(page, 0, sizeof(page));
	info->version = 1;
	info->last_page = PAGES(size) - 1;
	memcpy(page + SZ_4K - 10, "SWAPSPACE2", 10);
	igt_assert_eq(pwrite(fd, page, sizeof(page), 0),
		      (ssize_t)sizeof(page));
}

static void swap_setup(size_t size)
{
	const char *dir = getenv("TMPDIR") ?: "/tmp";
	int ctl, nr, ret;

	snprintf(swapdev.path, sizeof(swapdev.path), "%s/vsvm_mm.swap", dir);
	swapdev.backing_fd = open(swapdev.path, O_RDWR | O_CREAT | O_TRUNC,
				  0600);
	igt_require_f(swapdev.backing_fd >= 0, "cannot create %s: %s\n",
		      swapdev.path, strerror(errno));
	igt_assert_eq(ftruncate(swapdev.backing_fd, size), 0);
	swap_write_header(swapdev.backing_fd, size);

	ctl = open("/dev/loop-control", O_RDWR);
	igt_require_f(ctl >= 0, "no /dev/loop-control: %s\n", strerror(errno));
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	igt_require_f(nr >= 0, "no free loop device: %s\n", strerror(errno));
	snprintf(swapdev.loop, sizeof(swapdev.loop), "/dev/loop%d", nr);
	swapdev.loop_fd = open(swapdev.loop, O_RDWR);
	igt_assert_f(swapdev.loop_fd >= 0, "cannot open %s: %s\n",
		     swapdev.loop, strerror(errno));
	igt_assert_f(!ioctl(swapdev.loop_fd, LOOP_SET_FD, swapdev.backing_fd),
		     "LOOP_SET_FD %s: %s\n", swapdev.loop, strerror(errno));

	ret = swapon(swapdev.loop, 0);
	igt_require_f(!ret, "swapon %s: %s\n", swapdev.loop, strerror(errno));
	swapdev.on = true;
}

static void swap_teardown(void)
{
	if (swapdev.on) {
		igt_assert_f(!swapoff(swapdev.loop), "swapoff %s: %s\n",
			     swapdev.loop, strerror(errno));
		swapdev.on = false;
	}
	if (swapdev.loop_fd >= 0) {
		ioctl(swapdev.loop_fd, LOOP_CLR_FD, 0);
		close(swapdev.loop_fd);
		swapdev.loop_fd = -1;
	}
	if (swapdev.backing_fd >= 0) {
		close(swapdev.backing_fd);
		unlink(swapdev.path);
		swapdev.backing_fd = -1;
	}
}

/* Waits until no page of the span is under writeback */
static void wait_writeback(const uint8_t *p, size_t size, uint64_t *flags)
{
	int64_t deadline = vsvm_deadline_ns(10000);
	size_t n;

	do {
		page_flags(p, size, flags);
		n = flag_count(flags, PAGES(size), KPF_WRITEBACK);
		if (!n)
			return;
		usleep(1000);
	} while (vsvm_now_ns() < deadline);
	igt_assert_f(false, "%zu pages still under writeback after 10 s\n", n);
}

/*
 * The child of dirty-swap-memcg, in the test's cgroup: a page swapped out
 * and read back in is a clean page of the swap cache, mapped writable; the
 * GPU writes it, and the next reclaim must write it to swap again rather
 * than drop it.
 */
static void swap_child(void)
{
	const uint32_t seed = 0x5a900001, seed_cpu = 0x5a910001;
	const uint32_t word = 0x5a92600d;
	const size_t size = DIRTY_SIZE;
	uint64_t *flags = calloc(PAGES(size), sizeof(*flags));
	uint64_t pswpout, pswpin;
	struct readback r;
	struct gpu g;
	uint8_t *buf;
	size_t n;
	int fd;

	igt_assert(flags);
	igt_assert_eq(cgroup_join(), 0);
	pin_to_one_cpu();
	fd = vsvm_igt_open(0);
	g = gpu_new(fd, true);
	buf = map_dirty_buffer();

	/* Written by the CPU, then swapped out */
	fill_pages(buf, 0, size, seed);
	pswpout = vmstat_counter("pswpout");
	igt_assert_eq(madvise(buf, size, MADV_PAGEOUT), 0);
	n = pagemap_count(buf, size, PM_SWAP);
	igt_info("first MADV_PAGEOUT: %zu of %lu pages swapped out, pswpout +%llu, memory.swap.current %lld\n",
		 n, PAGES(size),
		 (unsigned long long)(vmstat_counter("pswpout") - pswpout),
		 (long long)cg_read(cg.dir, "memory.swap.current"));
	igt_assert_eq(n, PAGES(size));

	/* and read back in: clean pages of the swap cache */
	assert_pages(buf, 0, size, seed);
	igt_assert_eq(pagemap_count(buf, size, PM_PRESENT), PAGES(size));
	wait_writeback(buf, size, flags);
	igt_info("after the swap-in: %zu of %lu pages in the swap cache, %zu dirty\n",
		 flag_count(flags, PAGES(size), KPF_SWAPCACHE), PAGES(size),
		 flag_count(flags, PAGES(size), KPF_DIRTY));
	igt_assert_eq(flag_count(flags, PAGES(size), KPF_SWAPCACHE),
		      PAGES(size));
	igt_assert_eq(flag_count(flags, PAGES(size), KPF_DIRTY), 0);

	/* The CPU writes some pages again, the GPU writes others */
	fill_pages(buf, CPU_OFF, CPU_PAGES * SZ_4K, seed_cpu);
	gpu_fill(&g, buf + GPU_OFF, GPU_PAGES * SZ_4K, word);
	page_flags(buf, size, flags);
	igt_info("after the writes: %zu of %lu pages dirty (the CPU wrote %d)\n",
		 flag_count(flags, PAGES(size), KPF_DIRTY), PAGES(size),
		 CPU_PAGES);

	/* Swapped out again */
	pswpout = vmstat_counter("pswpout");
	igt_assert_eq(madvise(buf, size, MADV_PAGEOUT), 0);
	n = pagemap_count(buf, size, PM_SWAP);
	pswpout = vmstat_counter("pswpout") - pswpout;
	igt_info("second MADV_PAGEOUT: %zu of %lu pages swapped out, %llu written to swap\n",
		 n, PAGES(size), (unsigned long long)pswpout);
	igt_assert_eq(n, PAGES(size));

	/* and in: what the CPU and the GPU wrote is there */
	pswpin = vmstat_counter("pswpin");
	r = readback(buf + GPU_OFF, GPU_PAGES * SZ_4K, word, seed, GPU_OFF);
	readback_log("swapped out and in", &r, GPU_PAGES * SZ_4K);
	igt_info("pswpin +%llu\n",
		 (unsigned long long)(vmstat_counter("pswpin") - pswpin));
	assert_pages(buf, CPU_OFF, CPU_PAGES * SZ_4K, seed_cpu);
	assert_pages(buf, IDLE_OFF, IDLE_PAGES * SZ_4K, seed);
	readback_assert("swapped out and in", &r, buf + GPU_OFF,
			GPU_PAGES * SZ_4K, word);
	igt_assert_f(pswpout >= CPU_PAGES + GPU_PAGES,
		     "%llu pages written to swap, expected the %d pages written since the swap-in\n",
		     (unsigned long long)pswpout, CPU_PAGES + GPU_PAGES);

	munmap(buf, size);
	gpu_free(&g);
	close(fd);
	free(flags);
}

static void test_dirty_swap_memcg(void)
{
	swap_setup(64 * SZ_1M);
	cgroup_setup("vsvm_mm_swap");
	igt_fork(child, 1)
		swap_child();
	igt_waitchildren();
	cgroup_teardown();
	swap_teardown();
}

/*
 * memcg-fault-accounting: the child's report, in memory shared with the
 * parent.  The child uses no igt_assert(): a failure is a report.
 */
struct pt_report {
	char failed[96];
	int err;
	uint32_t jobs_done;
	uint32_t job_error;
	uint64_t fault_addr;
	uint64_t pieces_wrong;
	int64_t map_ns;
	int64_t job_ns_max;
	int64_t job_ns_total;
};

static void __attribute__((noreturn))
pt_child_fail(struct pt_report *r, const char *what, int err)
{
	snprintf(r->failed, sizeof(r->failed), "%s", what);
	r->err = err;
	_exit(1);
}

static void *pt_map(size_t size, int prot)
{
	return mmap(NULL, size, prot,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}

/* The page piece @i reads: one in each GiB, paired across GiB boundaries */
static uintptr_t pt_piece(uintptr_t base, uint64_t i)
{
	return base + (i | 1) * PT_STRIDE - (i & 1 ? 0 : SZ_4K);
}

/* Runs jobs of one GPU read per GiB of a huge area, until one fails */
static void pt_child_reads(struct pt_report *r, int fd, uint32_t vm)
{
	uint8_t *area, *batch_mem;
	struct vsvm_batch batch;
	uint32_t *result;
	uint64_t i, job;
	int64_t t0 = vsvm_now_ns();
	uintptr_t base;

	/*
	 * Find room; then map the last page of every even GiB with the first
	 * page of the next one, and leave holes between.
	 */
	area = pt_map(PT_AREA_SIZE + PT_STRIDE, PROT_NONE);
	if (area == MAP_FAILED)
		pt_child_fail(r, "mmap of the area", errno);
	base = ((uintptr_t)area + PT_STRIDE - 1) & ~(uintptr_t)(PT_STRIDE - 1);
	munmap(area, PT_AREA_SIZE + PT_STRIDE);
	for (i = 0; i < PT_PIECES; i += 2) {
		void *want = (void *)pt_piece(base, i);

		if (mmap(want, 2 * SZ_4K, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 MAP_FIXED_NOREPLACE, -1, 0) != want)
			pt_child_fail(r, "mmap of a page of the area", errno);
	}
	r->map_ns = vsvm_now_ns() - t0;
	result = pt_map(PT_PIECES * sizeof(*result), PROT_READ | PROT_WRITE);
	batch_mem = pt_map(BATCH_CAPACITY, PROT_READ | PROT_WRITE);
	if (result == MAP_FAILED || batch_mem == MAP_FAILED)
		pt_child_fail(r, "mmap", errno);
	memset(result, 0xff, PT_PIECES * sizeof(*result));
	vsvm_batch_init(&batch, batch_mem, BATCH_CAPACITY);

	for (job = 0; job < PT_JOBS; job++) {
		struct drm_vsvm_exec exec = {
			.vm_id = vm,
			.batch_addr = to_user_pointer(batch_mem),
		};
		struct drm_vsvm_wait wait;
		int64_t t0 = vsvm_now_ns(), ns;
		int ret;

		vsvm_batch_reset(&batch);
		for (i = job * PT_PIECES_PER_JOB;
		     i < (job + 1) * PT_PIECES_PER_JOB; i++)
			vsvm_batch_copy(&batch, to_user_pointer(&result[i]),
					pt_piece(base, i), sizeof(*result));
		exec.batch_size = batch.size;
		ret = __vsvm_exec(fd, &exec);
		if (ret)
			pt_child_fail(r, "EXEC", -ret);
		ret = __vsvm_wait_job(fd, vm, exec.seqno,
				      vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS),
				      &wait);
		if (ret)
			pt_child_fail(r, "WAIT", -ret);
		ns = vsvm_now_ns() - t0;
		r->job_ns_total += ns;
		if (ns > r->job_ns_max)
			r->job_ns_max = ns;
		if (wait.status != DRM_VSVM_WAIT_STATUS_DONE) {
			r->job_error = wait.error;
			r->fault_addr = wait.fault_addr;
			break;
		}
		r->jobs_done++;
	}
	/* The zero page is what the GPU read */
	for (i = 0; i < (uint64_t)r->jobs_done * PT_PIECES_PER_JOB; i++)
		r->pieces_wrong += result[i] != 0;
}

static void __attribute__((noreturn))
pt_child(struct pt_report *r, int ready, int go)
{
	struct drm_vsvm_madvise system = {
		.flags = DRM_VSVM_MADVISE_VM_DEFAULT,
		.attrs.preferred_loc = DRM_VSVM_LOC_SYSTEM,
	};
	struct drm_vsvm_vm_create create = {};
	char c = 0;
	int fd, ret;

	ret = cgroup_join();
	if (ret)
		pt_child_fail(r, "joining the cgroup", -ret);
	fd = __vsvm_igt_open(0);
	if (fd < 0)
		pt_child_fail(r, "opening the device", -fd);
	ret = __vsvm_vm_create(fd, &create);
	if (ret)
		pt_child_fail(r, "VM_CREATE", -ret);
	/* The area stays in system memory, where the zero page is */
	system.vm_id = create.vm_id;
	ret = dev.has_vram ? __vsvm_madvise(fd, &system) : 0;
	if (ret)
		pt_child_fail(r, "MADVISE", -ret);

	pt_child_reads(r, fd, create.vm_id);

	/* Let the parent look at the memory while it is still in use */
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1)
		pt_child_fail(r, "talking to the parent", errno);
	_exit(0);
}

/* What the memory of the child cost, seen from the parent */
struct pt_figures {
	uint64_t pagetables;	/* growth of PageTables in /proc/meminfo */
	uint64_t slab;		/* growth of Slab */
	int64_t current;	/* memory.current */
	int64_t peak;		/* memory.peak */
	int64_t cg_pagetables;	/* memory.stat pagetables */
	int64_t cg_kernel;	/* memory.stat kernel */
	int64_t events_max;	/* memory.events max */
	int64_t events_oom_kill; /* memory.events oom_kill */
};

static void pt_figures_log(const struct pt_figures *f)
{
	igt_info("PageTables +%llu KiB, Slab +%llu KiB\n",
		 (unsigned long long)f->pagetables >> 10,
		 (unsigned long long)f->slab >> 10);
	igt_info("cgroup: memory.max %llu KiB, memory.current %lld KiB, memory.peak %lld KiB, pagetables %lld KiB, kernel %lld KiB, events max %lld oom_kill %lld\n",
		 PT_MEMORY_MAX >> 10, (long long)f->current >> 10,
		 (long long)f->peak >> 10, (long long)f->cg_pagetables >> 10,
		 (long long)f->cg_kernel >> 10, (long long)f->events_max,
		 (long long)f->events_oom_kill);
}

static uint64_t grew(uint64_t before, uint64_t after)
{
	return after > before ? after - before : 0;
}

static void test_memcg_fault_accounting(void)
{
	struct pt_report *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t pt_before, slab_before;
	int ready[2], go[2], status, ret;
	struct pollfd pfd;
	struct pt_figures f;
	char max[32], c;
	pid_t pid;

	igt_assert(r != MAP_FAILED);
	memset(r, 0, sizeof(*r));
	cgroup_setup("vsvm_mm_pt");
	snprintf(max, sizeof(max), "%llu", PT_MEMORY_MAX);
	cg_write(cg.dir, "memory.max", max);
	/* Nothing of the child's may go to swap instead */
	__cg_write(cg.dir, "memory.swap.max", "0");

	igt_assert_eq(pipe(ready), 0);
	igt_assert_eq(pipe(go), 0);
	pt_before = meminfo_bytes("PageTables");
	slab_before = meminfo_bytes("Slab");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	igt_assert_lte(0, pid);
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		pt_child(r, ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);

	/* The child says when it is done, or dies */
	pfd = (struct pollfd) { .fd = ready[0], .events = POLLIN };
	ret = poll(&pfd, 1, PT_TIMEOUT_MS);
	if (ret == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		igt_assert_f(false, "the child did not finish in %d s: %u of %llu jobs done\n",
			     PT_TIMEOUT_MS / 1000, r->jobs_done,
			     (unsigned long long)PT_JOBS);
	}
	ret = read(ready[0], &c, 1);

	f.pagetables = grew(pt_before, meminfo_bytes("PageTables"));
	f.slab = grew(slab_before, meminfo_bytes("Slab"));
	f.current = cg_read(cg.dir, "memory.current");
	f.peak = cg_read(cg.dir, "memory.peak");
	f.cg_pagetables = cg_read_key(cg.dir, "memory.stat", "pagetables");
	f.cg_kernel = cg_read_key(cg.dir, "memory.stat", "kernel");
	f.events_max = cg_read_key(cg.dir, "memory.events", "max");
	f.events_oom_kill = cg_read_key(cg.dir, "memory.events", "oom_kill");

	/* A child the OOM killer took has closed its end already. */
	signal(SIGPIPE, SIG_IGN);
	if (write(go[1], "g", 1) != 1)
		igt_debug("the child is gone: %m\n");
	signal(SIGPIPE, SIG_DFL);
	close(go[1]);
	close(ready[0]);
	igt_assert_eq(waitpid(pid, &status, 0), pid);

	igt_info("child: %llu pages mapped in %.1f s; %u of %llu jobs of %d GPU reads done in %.1f s, the longest %.2f s; %s\n",
		 PT_PIECES, r->map_ns / 1e9,
		 r->jobs_done, (unsigned long long)PT_JOBS, PT_PIECES_PER_JOB,
		 r->job_ns_total / 1e9, r->job_ns_max / 1e9,
		 WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) :
		 r->job_error ? strerror(r->job_error) : "exited");
	pt_figures_log(&f);
	cgroup_teardown();

	if (WIFSIGNALED(status)) {
		/* Killed by the cgroup's OOM killer: it was charged */
		igt_assert_f(WTERMSIG(status) == SIGKILL && f.events_oom_kill > 0,
			     "the child died of %s, and its cgroup counts %lld OOM kills\n",
			     strsignal(WTERMSIG(status)),
			     (long long)f.events_oom_kill);
		return;
	}
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "the child failed: %s: %s\n", r->failed,
		     strerror(r->err));
	igt_assert_f(!r->pieces_wrong,
		     "%llu GPU reads of the zero page did not read zero\n",
		     (unsigned long long)r->pieces_wrong);
	if (r->job_error) {
		/* A fault that could not be charged ended the job */
		igt_assert_f(r->job_error == ENOMEM || r->job_error == EFAULT,
			     "job %u failed with %s at %#llx\n",
			     r->jobs_done + 1, strerror(r->job_error),
			     (unsigned long long)r->fault_addr);
		igt_assert_f(f.events_max > 0,
			     "job %u failed with %s, but the cgroup never reached memory.max\n",
			     r->jobs_done + 1, strerror(r->job_error));
		return;
	}

	/*
	 * Every job completed: then the memory the GPU's faults built for the
	 * child was either charged to the child's cgroup, and stayed within
	 * its memory.max, or charged to nobody.
	 */
	igt_assert_f(f.pagetables <= PT_MEMORY_MAX,
		     "PageTables grew by %llu MiB for the child's GPU faults, beyond its cgroup's memory.max of %llu MiB, which was charged %lld KiB of page tables (memory.peak %lld KiB)\n",
		     (unsigned long long)f.pagetables >> 20,
		     PT_MEMORY_MAX >> 20, (long long)f.cg_pagetables >> 10,
		     (long long)f.peak >> 10);
	igt_assert_f(f.cg_pagetables >= 0 &&
		     (uint64_t)f.cg_pagetables + SZ_1M >= f.pagetables,
		     "PageTables grew by %llu KiB, the cgroup was charged %lld KiB of them\n",
		     (unsigned long long)f.pagetables >> 10,
		     (long long)f.cg_pagetables >> 10);
}

/*
 * mlock(): the pages must stay resident in system memory, so the GPU uses
 * them where they are, whatever the attributes prefer.
 */
static void test_mlock_stays_in_system(void)
{
	const uint32_t seed = 0x310c0001, word = 0x310c600d;
	uint8_t *buf = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	struct drm_vsvm_prefetch pf;
	struct vsvm_stats before;
	struct gpu g;

	vsvm_require_vram(dev.fd);
	g = gpu_new(dev.fd, false);
	vsvm_pattern_fill(buf, SZ_2M, seed);
	igt_assert_eq(mlock(buf, SZ_2M), 0);
	advise(&g, buf, SZ_2M, DRM_VSVM_LOC_VRAM);

	before = stats_read();
	gpu_fill(&g, buf, SZ_1M, word);
	igt_info("after the GPU write: %zu of %lu mlock()ed pages in VRAM, migrate_pages_to_vram +%llu\n",
		 count_where(&g, buf, SZ_2M, VSVM_RESIDENCY_VRAM),
		 PAGES(SZ_2M),
		 (unsigned long long)vsvm_stat_delta(&before, PAGES_TO_VRAM));
	assert_where(&g, buf, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	vsvm_assert_stat_same(&before, PAGES_TO_VRAM);

	/* PREFETCH does not move them either, and says why */
	pf = vsvm_prefetch(g.fd, g.vm, to_user_pointer(buf), SZ_2M,
			   DRM_VSVM_REGION_VRAM);
	igt_assert_eq_u64(pf.unmovable, PAGES(SZ_2M));
	assert_where(&g, buf, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	vsvm_assert_stat_same(&before, PAGES_TO_VRAM);

	vsvm_assert_words(buf, SZ_1M, word);
	vsvm_assert_pattern_range(buf, SZ_1M, SZ_1M, seed);
	munlock(buf, SZ_2M);
	munmap(buf, SZ_2M);
	gpu_free(&g);
}

/*
 * mlock() of memory in VRAM faults it back into system memory, where it
 * then stays.
 */
static void test_mlock_after_vram(void)
{
	const uint32_t word = 0x310d600d, word2 = 0x310d700d;
	uint8_t *buf = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	struct drm_vsvm_prefetch pf;
	struct vsvm_stats before;
	struct gpu g, g2;

	vsvm_require_vram(dev.fd);
	g = gpu_new(dev.fd, false);
	advise(&g, buf, SZ_2M, DRM_VSVM_LOC_VRAM);
	before = stats_read();
	gpu_fill(&g, buf, SZ_2M, word);
	assert_where(&g, buf, SZ_2M, VSVM_RESIDENCY_VRAM);
	vsvm_assert_stat_grew(&before, PAGES_TO_VRAM, PAGES(SZ_2M));

	/* mlock() populates: the pages come back with their data */
	before = stats_read();
	igt_assert_eq(mlock(buf, SZ_2M), 0);
	assert_where(&g, buf, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	vsvm_assert_stat_grew(&before, CPU_FAULTS_VRAM, 1);
	vsvm_assert_stat_grew(&before, PAGES_TO_SYS, PAGES(SZ_2M));
	vsvm_assert_words(buf, SZ_2M, word);

	/*
	 * and stay in system memory.  A VM of its own, so that the
	 * ping-pong guard of the first VM's range has no say.
	 */
	g2 = gpu_new(dev.fd, false);
	advise(&g2, buf, SZ_2M, DRM_VSVM_LOC_VRAM);
	before = stats_read();
	gpu_fill(&g2, buf + SZ_1M, SZ_1M, word2);
	igt_info("after the GPU write: %zu of %lu mlock()ed pages in VRAM, migrate_pages_to_vram +%llu\n",
		 count_where(&g2, buf, SZ_2M, VSVM_RESIDENCY_VRAM),
		 PAGES(SZ_2M),
		 (unsigned long long)vsvm_stat_delta(&before, PAGES_TO_VRAM));
	assert_where(&g2, buf, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	vsvm_assert_stat_same(&before, PAGES_TO_VRAM);
	pf = vsvm_prefetch(g2.fd, g2.vm, to_user_pointer(buf), SZ_2M,
			   DRM_VSVM_REGION_VRAM);
	igt_assert_eq_u64(pf.unmovable, PAGES(SZ_2M));
	assert_where(&g2, buf, SZ_2M, VSVM_RESIDENCY_SYSTEM);
	vsvm_assert_words(buf, SZ_1M, word);
	vsvm_assert_words(buf + SZ_1M, SZ_1M, word2);

	munlock(buf, SZ_2M);
	munmap(buf, SZ_2M);
	gpu_free(&g2);
	gpu_free(&g);
}

/*
 * Unmapped holes cut an advised span in pieces, and each piece counts
 * against DRM_VSVM_MADVISE_MAX_SPANS: a VM at the limit whose spans get
 * holes keeps the pieces up to the limit and gives the others the VM's
 * defaults, and MADVISE still answers ENOSPC.
 */
#define HOLES_SPAN_PAGES	3
#define HOLES_SPAN_SIZE		(HOLES_SPAN_PAGES * SZ_4K)
/* The batch buffer of gpu_new() is one span: the area has the others. */
#define HOLES_SPANS		(DRM_VSVM_MADVISE_MAX_SPANS - 1)
#define HOLES_PUNCHED		8
#define HOLES_STRIDE		(HOLES_SPANS / HOLES_PUNCHED)

static struct drm_vsvm_mem_attrs holes_attrs(unsigned int i)
{
	static const uint32_t granule[] = { SZ_4K, SZ_64K, SZ_2M };

	return (struct drm_vsvm_mem_attrs) {
		.preferred_loc = i & 1 ? DRM_VSVM_LOC_SYSTEM : DRM_VSVM_LOC_VRAM,
		.granularity = granule[i % 3],
	};
}

static const struct drm_vsvm_mem_attrs holes_defaults = {
	.preferred_loc = DRM_VSVM_LOC_SYSTEM,
	.granularity = SZ_4K,
	.atomic_policy = DRM_VSVM_ATOMIC_VRAM_ONLY,
	.atomic_timeslice_ms = 7,
};

static bool holes_same(const struct drm_vsvm_mem_attrs *a,
		       const struct drm_vsvm_mem_attrs *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static bool holes_punched(unsigned int i)
{
	return i % HOLES_STRIDE == HOLES_STRIDE / 2 &&
	       i / HOLES_STRIDE < HOLES_PUNCHED;
}

/* Whether pages [@first, @last) of span @i include its hole */
static bool holes_cover_hole(unsigned int i, uint64_t first, uint64_t last)
{
	return holes_punched(i) && first <= 1 && last > 1;
}

/*
 * Walks the area with ATTR_QUERY and checks every advised part: it lies in
 * one span, keeps that span's attributes and, once @holes are punched,
 * spares its hole.  The rest has the VM's defaults.  Returns the number of
 * advised spans.
 */
static unsigned int holes_walk(struct gpu *g, const uint8_t *area,
			       bool holes)
{
	const uint64_t start = to_user_pointer(area);
	const uint64_t end = start + HOLES_SPANS * HOLES_SPAN_SIZE;
	struct drm_vsvm_attr_query q;
	struct drm_vsvm_mem_attrs want;
	uint64_t addr, first, last;
	unsigned int spans = 0, i;

	for (addr = start; addr < end; addr = q.start + q.size) {
		q = vsvm_attr_query(g->fd, g->vm, addr);
		if (!q.advised) {
			igt_assert_f(holes_same(&q.attrs, &holes_defaults),
				     "%#llx: not advised, but not the VM's defaults\n",
				     (unsigned long long)addr);
			continue;
		}
		spans++;
		i = (q.start - start) / HOLES_SPAN_SIZE;
		first = (q.start - start) / SZ_4K - i * HOLES_SPAN_PAGES;
		last = first + q.size / SZ_4K;
		want = holes_attrs(i);
		igt_assert_f(last <= HOLES_SPAN_PAGES,
			     "[%#llx, +%#llx) reaches beyond span %u\n",
			     (unsigned long long)q.start,
			     (unsigned long long)q.size, i);
		igt_assert_f(holes_same(&q.attrs, &want),
			     "[%#llx, +%#llx): not the attributes of span %u\n",
			     (unsigned long long)q.start,
			     (unsigned long long)q.size, i);
		igt_assert_f(!holes || !holes_cover_hole(i, first, last),
			     "the hole of span %u is still advised\n", i);
	}
	return spans;
}

static int holes_madvise(struct gpu *g, const void *p, size_t size,
			 const struct drm_vsvm_mem_attrs *attrs)
{
	struct drm_vsvm_madvise m = {
		.vm_id = g->vm,
		.start = to_user_pointer(p),
		.size = size,
		.attrs = *attrs,
	};

	return __vsvm_madvise(g->fd, &m);
}

static void test_madvise_holes_span_limit(void)
{
	const size_t size = (HOLES_SPANS + 1) * HOLES_SPAN_SIZE;
	const struct drm_vsvm_mem_attrs other = {
		.preferred_loc = DRM_VSVM_LOC_AUTO,
		.granularity = SZ_64K,
	};
	struct drm_vsvm_attr_query q;
	uint8_t *area, *extra;
	unsigned int i, spans;
	struct gpu g;

	vsvm_require_vram(dev.fd);
	g = gpu_new(dev.fd, false);
	vsvm_vm_default_attrs(g.fd, g.vm, &holes_defaults);
	area = mmap(NULL, size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_assert(area != MAP_FAILED);
	extra = area + HOLES_SPANS * HOLES_SPAN_SIZE;

	/* The VM at its limit */
	for (i = 0; i < HOLES_SPANS; i++) {
		const struct drm_vsvm_mem_attrs attrs = holes_attrs(i);

		igt_assert_eq(holes_madvise(&g, area + i * HOLES_SPAN_SIZE,
					    HOLES_SPAN_SIZE, &attrs), 0);
	}
	igt_assert_eq(holes_madvise(&g, extra, SZ_4K, &other), -ENOSPC);
	igt_assert_eq(holes_walk(&g, area, false), HOLES_SPANS);

	/* Each hole makes two pieces of a span: more than the limit */
	for (i = 0; i < HOLES_SPANS; i++)
		if (holes_punched(i))
			igt_assert_eq(munmap(area + i * HOLES_SPAN_SIZE + SZ_4K,
					     SZ_4K), 0);
	spans = holes_walk(&g, area, true);
	igt_info("%u spans at the limit, %u of them cut in two by a hole: %u spans advised after\n",
		 DRM_VSVM_MADVISE_MAX_SPANS, HOLES_PUNCHED, spans + 1);
	igt_assert_f(spans == HOLES_SPANS,
		     "%u spans advised with the batch buffer's, the limit is %u\n",
		     spans + 1, DRM_VSVM_MADVISE_MAX_SPANS);
	igt_assert_eq(holes_madvise(&g, extra, SZ_4K, &other), -ENOSPC);
	igt_assert_eq(holes_walk(&g, area, true), HOLES_SPANS);

	/* Replacing a whole span needs no more; freeing one makes room */
	igt_assert_eq(holes_madvise(&g, area, HOLES_SPAN_SIZE, &other), 0);
	q = vsvm_attr_query(g.fd, g.vm, to_user_pointer(area));
	igt_assert(q.advised && holes_same(&q.attrs, &other));
	igt_assert_eq(munmap(area, HOLES_SPAN_SIZE), 0);
	igt_assert_eq(holes_madvise(&g, extra, SZ_4K, &other), 0);
	igt_assert_eq(vsvm_attr_query(g.fd, g.vm,
				      to_user_pointer(extra)).advised, 1);
	igt_assert_eq(holes_madvise(&g, extra + SZ_4K, SZ_4K, &other),
		      -ENOSPC);

	munmap(area, size);
	gpu_free(&g);
}

igt_main
{
	igt_fixture {
		dev.fd = vsvm_igt_open(0);
		dev.engines = vsvm_require_svm(dev.fd);
		dev.has_vram = vsvm_has_vram(dev.fd);
		igt_require_f(vsvm_has_counters(),
			      "the vsvm debugfs counters are missing\n");
	}

	igt_describe("A GPU write to a page MADV_FREE made lazily freeable makes it dirty, as a CPU write does: MADV_PAGEOUT keeps the GPU's data, with the GPU mapping system memory.");
	igt_subtest("dirty-madv-free-system")
		test_dirty_madv_free_system();

	igt_describe("A GPU write to a lazily freed page that moves it to VRAM keeps the page dirty when it comes back to system memory, by PREFETCH or by a CPU read: MADV_PAGEOUT keeps the GPU's data.");
	igt_subtest("dirty-madv-free-vram")
		test_dirty_madv_free_vram();

	igt_describe("In a memory cgroup with swap, a GPU write to a clean page of the swap cache makes it dirty: the next swap-out writes the GPU's data, and swapping in reads it back.");
	igt_subtest("dirty-swap-memcg")
		test_dirty_swap_memcg();

	igt_describe("The page tables and other memory the GPU's faults allocate for a process are charged to its memory cgroup, so that its memory.max bounds them.");
	igt_subtest("memcg-fault-accounting")
		test_memcg_fault_accounting();

	igt_describe("mlock()ed memory stays in system memory when the GPU writes it, whatever the preferred location, and PREFETCH reports it unmovable.");
	igt_subtest("mlock-stays-in-system")
		test_mlock_stays_in_system();

	igt_describe("mlock() of memory in VRAM brings it back to system memory with its data, and it stays there when the GPU writes it again.");
	igt_subtest("mlock-after-vram")
		test_mlock_after_vram();

	igt_describe("Unmapped holes that cut the spans of a VM at its MADVISE span limit into more pieces than the limit leave it at the limit: the pieces beyond it get the VM's defaults, the others keep their attributes, and MADVISE still answers ENOSPC.");
	igt_subtest("madvise-holes-span-limit")
		test_madvise_holes_span_limit();

	igt_fixture {
		cgroup_teardown();
		swap_teardown();
		if (dev.fd >= 0)
			close(dev.fd);
	}
}
