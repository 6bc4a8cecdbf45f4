// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * TEST: vsvm svm
 * Category: Software emulated GPU
 * Description: The shared virtual memory mirror: the GPU executes batches on
 *		the process's own pointers, whatever backs them, follows every
 *		change of the CPU page tables, reports its faults (a VM
 *		keeping the records of its last 64 failed jobs), and the
 *		ioctls reject every malformed input.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "igt.h"
#include "vsvm_igt.h"

IGT_TEST_DESCRIPTION("The GPU works on the process's own memory (SVM): every kind of mapping, invalidation, faults, fork, threads, atomics, failed-job records and ioctl validation.");

#define BATCH_CAPACITY	SZ_64K
/* Written by the STORE that ends a batch which is expected to fail. */
#define MARKER		0x3a3a5c5c7e7e9191ull

/* Addresses no process can map. */
#define KERNEL_ADDR	0xffff888000000000ull
#define NONCANONICAL	0xdead000000000000ull

#define ACCESS_READ	DRM_VSVM_ACCESS_READ
#define ACCESS_WRITE	DRM_VSVM_ACCESS_WRITE
#define ACCESS_ATOMIC	(DRM_VSVM_ACCESS_ATOMIC | DRM_VSVM_ACCESS_WRITE)

/* The device and VM of the fixture. */
static struct {
	int fd;
	uint32_t vm;
	unsigned int engines;
} dev = { .fd = -1 };

/* What the small GPU helpers below work with. */
static struct {
	struct vsvm_batch batch;
	/* written by a job only if it got past the command under test */
	volatile uint64_t *marker;
	/* a page the GPU may always write: destination of probing reads */
	uint8_t *scratch;
} tool;

static uint64_t addr_of(const volatile void *p)
{
	return (uintptr_t)p;
}

/* An unmapped page between two guards, until the next mmap() fills it. */
static uint64_t unmapped_hole(void)
{
	void *p = vsvm_map_isolated_anon(SZ_4K, SZ_4K);

	igt_assert_eq(munmap(p, SZ_4K), 0);
	return to_user_pointer(p);
}

static int memfd_with_pattern(size_t size, uint32_t seed)
{
	void *data = malloc(size);
	int memfd = memfd_create("vsvm_svm", MFD_CLOEXEC);

	igt_assert_fd(memfd);
	igt_assert(data);
	igt_assert_eq(ftruncate(memfd, size), 0);
	vsvm_pattern_fill(data, size, seed);
	igt_assert_eq(pwrite(memfd, data, size, 0), (ssize_t)size);
	free(data);
	return memfd;
}

static void tool_init(void)
{
	void *page = vsvm_map_anon(2 * SZ_4K);

	vsvm_batch_init(&tool.batch, vsvm_map_anon(BATCH_CAPACITY),
			BATCH_CAPACITY);
	tool.marker = page;
	tool.scratch = (uint8_t *)page + SZ_4K;
	*tool.marker = 0;
	memset(tool.scratch, 0, SZ_4K);
}

static struct vsvm_batch *tool_batch(void)
{
	vsvm_batch_reset(&tool.batch);
	return &tool.batch;
}

static void run(struct vsvm_batch *batch)
{
	vsvm_run(dev.fd, dev.vm, 0, batch);
}

static void gpu_copy(void *dst, const void *src, size_t size)
{
	vsvm_run_copy(dev.fd, dev.vm, &tool.batch, to_user_pointer(dst),
		      to_user_pointer(src), size);
}

static void gpu_fill(void *dst, size_t size, uint32_t word)
{
	vsvm_run_fill(dev.fd, dev.vm, &tool.batch, to_user_pointer(dst), size,
		      word);
}

static void gpu_store64(void *dst, uint64_t value)
{
	struct vsvm_batch *b = tool_batch();

	vsvm_batch_store64(b, to_user_pointer(dst), value);
	run(b);
}

/* A GPU read of one word at @addr. */
static void gpu_touch(uint64_t addr)
{
	vsvm_run_copy(dev.fd, dev.vm, &tool.batch,
		      to_user_pointer(tool.scratch), addr, 8);
}

/*
 * The start of a batch expected to fail: a NOP first, so that the failing
 * command is not at offset 0.
 */
static struct vsvm_batch *fault_batch(void)
{
	struct vsvm_batch *b = tool_batch();

	*tool.marker = 0;
	vsvm_batch_nop(b);
	return b;
}

/*
 * Ends @b with a STORE of the marker, runs it, and checks that the command
 * at @offset ended the job with @error (a fault on @addr by @access) and
 * that nothing after it ran.
 */
static void expect_error(struct vsvm_batch *b, uint32_t offset, uint32_t error,
			 uint64_t addr, uint32_t access)
{
	struct drm_vsvm_wait w;

	vsvm_batch_store64(b, addr_of(tool.marker), MARKER);
	w = vsvm_run_error(dev.fd, dev.vm, 0, b);
	vsvm_assert_gpu_error(&w, error, addr, access, offset);
	igt_assert_eq_u64(*tool.marker, 0);
}

/* A GPU read, write or atomic of @addr ends the job with @error. */
static void expect_fault(uint64_t addr, uint32_t access, uint32_t error)
{
	struct vsvm_batch *b = fault_batch();
	uint32_t offset;

	if (access == ACCESS_READ)
		offset = vsvm_batch_copy(b, to_user_pointer(tool.scratch),
					 addr, 8);
	else if (access == ACCESS_WRITE)
		offset = vsvm_batch_store64(b, addr, 0x5707e5707e5707e5ull);
	else
		offset = vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_ADD,
					   DRM_VSVM_ATOMIC_64BIT, addr, 1, 0,
					   0);
	expect_error(b, offset, error, addr, access);
}

/* A malformed command at @offset of @b ends the job with EINVAL. */
static void expect_invalid(struct vsvm_batch *b, uint32_t offset)
{
	expect_error(b, offset, EINVAL, 0, VSVM_ANY_U32);
}

static void range_info(uint64_t start, uint64_t size, uint8_t *data)
{
	vsvm_range_info(dev.fd, dev.vm, start, size, data);
}

static unsigned int entry_state(uint8_t entry)
{
	return DRM_VSVM_RANGE_INFO_STATE(entry);
}

static unsigned int entry_pte(uint8_t entry)
{
	return DRM_VSVM_RANGE_INFO_PTE(entry);
}

/*
 * Every page of [@start, @start + @size) is in @state, with a PTE unless
 * NOT_MIRRORED.
 */
static void assert_range_state(uint64_t start, uint64_t size,
			       unsigned int state)
{
	uint8_t *info = malloc(PAGES(size));
	size_t i;

	igt_assert(info);
	range_info(start, size, info);
	for (i = 0; i < PAGES(size); i++) {
		igt_assert_f(entry_state(info[i]) == state,
			     "page %#llx: state %u, expected %u\n",
			     (unsigned long long)start + i * SZ_4K,
			     entry_state(info[i]), state);
		if (state == DRM_VSVM_PAGE_NOT_MIRRORED)
			igt_assert_eq(entry_pte(info[i]), DRM_VSVM_PTE_NONE);
		else
			igt_assert_neq(entry_pte(info[i]), DRM_VSVM_PTE_NONE);
	}
	free(info);
}

/* Every page of the span is mapped to system memory, RO or RW. */
static void assert_range_mirrored(uint64_t start, uint64_t size)
{
	uint8_t *info = malloc(PAGES(size));
	size_t i;

	igt_assert(info);
	range_info(start, size, info);
	for (i = 0; i < PAGES(size); i++) {
		igt_assert_f(entry_state(info[i]) == DRM_VSVM_PAGE_SYSTEM_RO ||
			     entry_state(info[i]) == DRM_VSVM_PAGE_SYSTEM_RW,
			     "page %#llx: state %u\n",
			     (unsigned long long)start + i * SZ_4K,
			     entry_state(info[i]));
		igt_assert_neq(entry_pte(info[i]), DRM_VSVM_PTE_NONE);
	}
	free(info);
}

/* No page of the span is mapped writable for the GPU. */
static void assert_range_not_writable(uint64_t start, uint64_t size)
{
	uint8_t *info = malloc(PAGES(size));
	size_t i;

	igt_assert(info);
	range_info(start, size, info);
	for (i = 0; i < PAGES(size); i++)
		igt_assert_neq(entry_state(info[i]), DRM_VSVM_PAGE_SYSTEM_RW);
	free(info);
}

static bool counters(void)
{
	if (vsvm_has_counters())
		return true;
	igt_info("no %s: counter checks skipped\n", VSVM_IGT_COUNTERS);
	return false;
}

/*
 * The GPU sees what the CPU wrote and the CPU sees what the GPU wrote, over
 * all of @buf, byte for byte, and the GPU sees the CPU's later changes of
 * pages it already mirrors.
 */
static void roundtrip(void *buf, size_t size, uint32_t seed)
{
	uint8_t *scratch = vsvm_map_anon(size);
	uint8_t *p = buf;
	uintptr_t start = ((uintptr_t)buf + 7) & ~7ul;
	uintptr_t end = ((uintptr_t)buf + size) & ~7ul;
	uint32_t word = 0xf1110000 | (seed & 0xffff);
	uint8_t *copy;

	igt_assert_lt(64, (int)size);

	/* CPU to GPU */
	vsvm_pattern_fill(buf, size, seed);
	memset(scratch, 0xa5, size);
	gpu_copy(scratch, buf, size);
	vsvm_assert_pattern(scratch, size, seed);
	vsvm_assert_pattern(buf, size, seed);

	/* GPU to CPU */
	vsvm_pattern_fill(scratch, size, ~seed);
	gpu_copy(buf, scratch, size);
	vsvm_assert_pattern(buf, size, ~seed);

	/* FILL and STORE write their bytes and no others */
	copy = malloc(size);
	igt_assert(copy);
	memcpy(copy, buf, size);
	gpu_fill((void *)(start + 8), end - start - 16, word);
	gpu_store64((void *)start, 0x0123456789abcdefull);
	igt_assert_eq(memcmp(p, copy, start - (uintptr_t)buf), 0);
	igt_assert_eq_u64(*(uint64_t *)start, 0x0123456789abcdefull);
	vsvm_assert_words((void *)(start + 8), end - start - 16, word);
	igt_assert_eq(memcmp((void *)(end - 8),
			     copy + (end - 8 - (uintptr_t)buf),
			     (uintptr_t)buf + size - (end - 8)), 0);
	free(copy);

	/* The CPU rewrites pages the GPU mirrors: the GPU sees the new data */
	vsvm_pattern_fill(buf, size, seed + 1);
	gpu_copy(scratch, buf, size);
	vsvm_assert_pattern(scratch, size, seed + 1);

	munmap(scratch, size);
}

/*
 * On memory the CPU never touched: a GPU read sees zeros, and a GPU write
 * is what the CPU then reads.
 */
static void first_touch(void *buf, size_t size)
{
	size_t half = (size / 2) & ~(SZ_4K - 1);
	uint8_t *scratch = vsvm_map_anon(half);
	uint8_t *p = buf;

	memset(scratch, 0xa5, half);
	gpu_copy(scratch, p, half);
	vsvm_assert_bytes(scratch, half, 0);

	gpu_fill(p + half, size - half, 0xf00dcafe);
	vsvm_assert_words(p + half, size - half, 0xf00dcafe);
	vsvm_assert_bytes(p, half, 0);

	munmap(scratch, half);
}

static void test_malloc_small(void)
{
	static const size_t sizes[] = { 1, 3, 8, 61, 256, 4000, 4096, 10007 };
	static const size_t offsets[] = { 0, 1, 3, 8 };
	enum { NOBJ = 64, CANARY = 32 };
	struct vsvm_batch *b;
	uint64_t *objs[NOBJ];
	unsigned int i, j;
	uint8_t *buf;

	/* COPY between heap blocks of every size and alignment */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(offsets); j++) {
			size_t size = sizes[i], off = offsets[j];
			uint8_t *src = malloc(size + 8);
			uint8_t *dst = malloc(size + 2 * CANARY + 8);
			uint32_t seed = 0x5a110000 | (i << 8) | j;

			igt_assert(src && dst);
			vsvm_pattern_fill(src + off, size, seed);
			memset(dst, 0xa5, size + 2 * CANARY + 8);
			gpu_copy(dst + CANARY + off, src + off, size);
			vsvm_assert_pattern(dst + CANARY + off, size, seed);
			vsvm_assert_pattern(src + off, size, seed);
			vsvm_assert_bytes(dst, CANARY + off, 0xa5);
			vsvm_assert_bytes(dst + CANARY + off + size,
					  CANARY + 8 - off, 0xa5);
			free(dst);
			free(src);
		}
	}

	/* Many small objects: one batch stores to each, another reads each */
	for (i = 0; i < NOBJ; i++) {
		objs[i] = malloc(3 * sizeof(uint64_t));
		igt_assert(objs[i]);
		objs[i][0] = 0x0b1ec7000000ull + i;
		objs[i][1] = 0;
		objs[i][2] = 0x7a117a117a117a11ull;
	}
	b = tool_batch();
	for (i = 0; i < NOBJ; i++)
		vsvm_batch_store64(b, to_user_pointer(&objs[i][1]),
				   0x57023d0000000000ull | i);
	run(b);
	for (i = 0; i < NOBJ; i++) {
		igt_assert_eq_u64(objs[i][0], 0x0b1ec7000000ull + i);
		igt_assert_eq_u64(objs[i][1], 0x57023d0000000000ull | i);
		igt_assert_eq_u64(objs[i][2], 0x7a117a117a117a11ull);
	}
	b = tool_batch();
	for (i = 0; i < NOBJ; i++)
		vsvm_batch_copy(b, to_user_pointer(&objs[i][2]),
				to_user_pointer(&objs[i][0]), 8);
	run(b);
	for (i = 0; i < NOBJ; i++) {
		igt_assert_eq_u64(objs[i][2], 0x0b1ec7000000ull + i);
		free(objs[i]);
	}

	buf = malloc(5003);
	igt_assert(buf);
	roundtrip(buf + 1, 5001, 0x5a11f00d);
	free(buf);
}

static void test_malloc_large(void)
{
	const size_t size = 64 * SZ_1M, half = size / 2;
	uint64_t before[6], after[6];
	static const char * const names[] = {
		"faults_4k", "faults_64k", "faults_2m", "fault_pages",
		"fault_read", "fault_write",
	};
	bool have_counters = counters();
	uint8_t *buf = malloc(size);
	unsigned int i;
	struct vsvm_batch *b;

	igt_assert(buf);
	/* Only the lower half is touched by the CPU: the GPU writes the rest */
	vsvm_pattern_fill(buf, half, 0x1a26e000);

	for (i = 0; have_counters && i < ARRAY_SIZE(names); i++)
		before[i] = vsvm_counter(names[i]);

	b = tool_batch();
	vsvm_batch_copy(b, to_user_pointer(buf + half), to_user_pointer(buf),
			half);
	run(b);

	for (i = 0; have_counters && i < ARRAY_SIZE(names); i++) {
		after[i] = vsvm_counter(names[i]);
		igt_info("%s: +%llu\n", names[i],
			 (unsigned long long)(after[i] - before[i]));
	}

	/* The CPU's data, read and written again by the GPU */
	vsvm_assert_pattern(buf + half, half, 0x1a26e000);

	if (have_counters) {
		/* Each page was returned by hmm_range_fault() at least once. */
		igt_assert_cmpu64(after[3] - before[3], >=, <, PAGES(size));
		/*
		 * The buffer holds at least 31 aligned 2 MiB blocks that lie
		 * in its VMA: each is one 2 MiB range.
		 */
		igt_assert_cmpu64(after[2] - before[2], >=, <, 31);
		igt_assert_cmpu64(after[4], >, <=, before[4]);
		igt_assert_cmpu64(after[5], >, <=, before[5]);
	}
	free(buf);
}

static void __attribute__((noinline)) test_stack(void)
{
	uint8_t buf[96 * 1024] __attribute__((aligned(64)));
	uint64_t batch_buf[64];
	volatile uint64_t value = 0x57ac57ac57ac57acull;
	struct vsvm_batch b;

	roundtrip(buf + 3, sizeof(buf) - 3, 0x57ac0001);

	/* A batch on the stack, writing to the stack */
	vsvm_batch_init(&b, batch_buf, sizeof(batch_buf));
	vsvm_batch_store64(&b, addr_of(&value), 0x600d57ac600d57acull);
	vsvm_batch_fill(&b, to_user_pointer(buf), 4096, 0x57ac57ac);
	vsvm_run(dev.fd, dev.vm, 0, &b);
	igt_assert_eq_u64(value, 0x600d57ac600d57acull);
	vsvm_assert_words(buf, 4096, 0x57ac57ac);
}

/* Initialised data: file-backed private pages until first written. */
static uint32_t global_data[8192] = { [0 ... 8191] = 0xda7ada7a };
static const uint32_t global_rodata[2048] = { [0 ... 2047] = 0xc0de0000 };
static uint8_t global_bss[256 * 1024] __attribute__((aligned(4096)));

static void test_global(void)
{
	uint8_t *scratch = vsvm_map_anon(sizeof(global_data));
	uint64_t page;

	/* The GPU reads .data that nobody has written yet ... */
	gpu_copy(scratch, global_data, sizeof(global_data));
	vsvm_assert_words(scratch, sizeof(global_data), 0xda7ada7a);
	/* ... then writes it, and the CPU sees its own copy changed */
	gpu_fill(global_data, sizeof(global_data), 0x0da7a0da);
	vsvm_assert_words(global_data, sizeof(global_data), 0x0da7a0da);

	/* .rodata is readable, not writable */
	gpu_copy(scratch, global_rodata, sizeof(global_rodata));
	vsvm_assert_words(scratch, sizeof(global_rodata), 0xc0de0000);
	page = (to_user_pointer(global_rodata) + SZ_4K - 1) & ~(SZ_4K - 1);
	if (page + SZ_4K <= to_user_pointer(global_rodata) +
			    sizeof(global_rodata)) {
		expect_fault(page, ACCESS_WRITE, EACCES);
		vsvm_assert_words(global_rodata, sizeof(global_rodata),
				  0xc0de0000);
	}

	/* .bss */
	first_touch(global_bss, sizeof(global_bss));
	roundtrip(global_bss, sizeof(global_bss), 0xb55b55b5);
	munmap(scratch, sizeof(global_data));
}

static void test_mmap_private_anon(void)
{
	size_t size = SZ_1M + 3 * SZ_4K;
	void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(buf != MAP_FAILED);
	first_touch(buf, size);
	roundtrip(buf, size, 0x9a1e0001);
	munmap(buf, size);
}

static void test_mmap_shared_anon(void)
{
	size_t size = SZ_1M + 3 * SZ_4K;
	uint8_t *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int c2p[2], p2c[2];
	char msg;

	igt_assert(buf != MAP_FAILED);
	first_touch(buf, size);
	roundtrip(buf, size, 0x54a2e001);

	/*
	 * Another process sharing the pages sees the GPU's writes, and the
	 * GPU sees its CPU's writes.
	 */
	igt_assert_eq(pipe(c2p), 0);
	igt_assert_eq(pipe(p2c), 0);
	igt_fork(child, 1) {
		close(c2p[0]);
		close(p2c[1]);
		igt_assert_eq(read(p2c[0], &msg, 1), 1);
		vsvm_assert_words(buf, size & ~3ul, 0x54a2ed00);
		vsvm_pattern_fill(buf, size, 0x54a2ec41);
		igt_assert_eq(write(c2p[1], "d", 1), 1);
	}
	close(c2p[1]);
	close(p2c[0]);
	gpu_fill(buf, size & ~3ul, 0x54a2ed00);
	igt_assert_eq(write(p2c[1], "g", 1), 1);
	igt_assert_eq(read(c2p[0], &msg, 1), 1);
	igt_waitchildren();
	gpu_copy(tool.scratch, buf + size - SZ_4K, SZ_4K);
	igt_assert_eq(memcmp(tool.scratch, buf + size - SZ_4K, SZ_4K), 0);
	vsvm_assert_pattern(buf, size, 0x54a2ec41);
	close(c2p[0]);
	close(p2c[1]);
	munmap(buf, size);
}

static void test_memfd(void)
{
	size_t size = 512 * 1024;
	int memfd = memfd_create("vsvm_svm", MFD_CLOEXEC);
	uint8_t *a, *b, *scratch = vsvm_map_anon(size);

	igt_assert_fd(memfd);
	igt_assert_eq(ftruncate(memfd, size), 0);
	a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	igt_assert(a != MAP_FAILED && b != MAP_FAILED);

	first_touch(a, size);
	roundtrip(a, size, 0x3e3fd001);

	/* GPU writes through one mapping show in the other and the file */
	gpu_fill(a, size, 0x3e3fd0aa);
	vsvm_assert_words(b, size, 0x3e3fd0aa);
	vsvm_pattern_fill(scratch, size, 0x3e3fd002);
	gpu_copy(a, scratch, size);
	vsvm_assert_file_pattern(memfd, size, 0x3e3fd002);

	/* CPU writes through the other mapping, and the file, reach the GPU */
	vsvm_pattern_fill(b, size, 0x3e3fd003);
	gpu_copy(scratch, a, size);
	vsvm_assert_pattern(scratch, size, 0x3e3fd003);
	vsvm_pattern_fill(scratch, size, 0x3e3fd004);
	igt_assert_eq(pwrite(memfd, scratch, size, 0), (ssize_t)size);
	memset(scratch, 0, size);
	gpu_copy(scratch, a, size);
	vsvm_assert_pattern(scratch, size, 0x3e3fd004);

	munmap(a, size);
	munmap(b, size);
	munmap(scratch, size);
	close(memfd);
}

static void test_file_shared(void)
{
	const char *dir = getenv("TMPDIR") ?: "/tmp";
	size_t size = SZ_1M + 5 * SZ_4K;
	uint8_t *map, *expected, *scratch = vsvm_map_anon(size);
	char path[256];
	unsigned int i;
	int file;

	snprintf(path, sizeof(path), "%s/vsvm_svm-XXXXXX", dir);
	file = mkstemp(path);
	igt_require_f(file >= 0, "cannot create a file in %s: %s\n", dir,
		      strerror(errno));
	unlink(path);

	/* What the file holds is what the GPU reads */
	vsvm_pattern_fill(scratch, size, 0xf11e0001);
	igt_assert_eq(pwrite(file, scratch, size, 0), (ssize_t)size);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);
	igt_assert(map != MAP_FAILED);
	memset(scratch, 0, size);
	gpu_copy(scratch, map, size);
	vsvm_assert_pattern(scratch, size, 0xf11e0001);

	/* What the GPU writes reaches the file */
	vsvm_pattern_fill(scratch, size, 0xf11e0002);
	gpu_copy(map, scratch, size);
	gpu_fill(map + 2 * SZ_4K, SZ_4K, 0xf11ef11e);
	igt_assert_eq(munmap(map, size), 0);

	expected = vsvm_map_anon(size);
	vsvm_pattern_fill(expected, size, 0xf11e0002);
	for (i = 0; i < SZ_4K / 4; i++)
		((uint32_t *)(expected + 2 * SZ_4K))[i] = 0xf11ef11e;
	memset(scratch, 0, size);
	igt_assert_eq(pread(file, scratch, size, 0), (ssize_t)size);
	igt_assert_eq(memcmp(scratch, expected, size), 0);

	munmap(expected, size);
	munmap(scratch, size);
	close(file);
}

static bool thp_enabled(void)
{
	char buf[128] = "";
	FILE *file = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!file)
		return false;
	if (!fgets(buf, sizeof(buf), file))
		buf[0] = 0;
	fclose(file);
	return strstr(buf, "[always]") || strstr(buf, "[madvise]");
}

/* AnonHugePages of the VMA holding @addr, in KiB. */
static unsigned long anon_huge_kb(const void *addr)
{
	unsigned long start, end, kb = 0;
	bool inside = false;
	char line[512];
	FILE *file = fopen("/proc/self/smaps", "r");

	igt_assert(file);
	while (fgets(line, sizeof(line), file)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (inside)
				break;
			inside = start <= (uintptr_t)addr &&
				 (uintptr_t)addr < end;
		} else if (inside &&
			   sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
			break;
		}
	}
	fclose(file);
	return kb;
}

static void assert_range_pte(uint64_t start, uint64_t size, unsigned int pte,
			     bool writable)
{
	uint8_t *info = malloc(PAGES(size));
	size_t i;

	igt_assert(info);
	range_info(start, size, info);
	for (i = 0; i < PAGES(size); i++) {
		igt_assert_f(entry_pte(info[i]) == pte,
			     "page %zu: pte %u, expected %u\n", i,
			     entry_pte(info[i]), pte);
		if (writable)
			igt_assert_eq(entry_state(info[i]),
				      DRM_VSVM_PAGE_SYSTEM_RW);
		else
			igt_assert(entry_state(info[i]) ==
				   DRM_VSVM_PAGE_SYSTEM_RO ||
				   entry_state(info[i]) ==
				   DRM_VSVM_PAGE_SYSTEM_RW);
	}
	free(info);
}

static void test_thp(void)
{
	uint8_t *thp, *scratch;
	uint64_t before = 0, after;
	bool have_counters;
	struct vsvm_batch *b;

	igt_require_f(thp_enabled(), "transparent huge pages are disabled\n");
	thp = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	igt_assert_eq(madvise(thp, SZ_2M, MADV_HUGEPAGE), 0);
	vsvm_pattern_fill(thp, SZ_2M, 0x7479e001);
	igt_require_f(anon_huge_kb(thp) >= 2048,
		      "no huge page for the buffer (AnonHugePages %lu kB)\n",
		      anon_huge_kb(thp));

	/*
	 * Mirror everything else the measured job touches first: the batch
	 * and the destination.  Then the job faults on the THP alone.
	 */
	scratch = vsvm_map_anon(SZ_2M);
	gpu_fill(scratch, SZ_2M, 0xa5a5a5a5);
	have_counters = counters();
	if (have_counters)
		before = vsvm_counter("faults_2m");

	b = tool_batch();
	vsvm_batch_copy(b, to_user_pointer(scratch), to_user_pointer(thp),
			SZ_2M);
	run(b);
	if (have_counters) {
		after = vsvm_counter("faults_2m");
		igt_assert_eq_u64(after - before, 1);
	}
	vsvm_assert_pattern(scratch, SZ_2M, 0x7479e001);
	assert_range_pte(to_user_pointer(thp), SZ_2M, DRM_VSVM_PTE_2M, false);

	/* A write maps it writable, still with one 2 MiB PTE */
	gpu_fill(thp, SZ_2M, 0x7479e0ff);
	assert_range_pte(to_user_pointer(thp), SZ_2M, DRM_VSVM_PTE_2M, true);
	vsvm_assert_words(thp, SZ_2M, 0x7479e0ff);

	munmap(scratch, SZ_2M);
	munmap(thp, SZ_2M);
}

static void test_hugetlbfs(void)
{
	int nr = vsvm_nr_hugepages();
	uint8_t info[PAGES(SZ_2M)];
	uint8_t *buf = vsvm_map_hugetlb(SZ_2M);
	unsigned int i, sizes[4] = {};

	/* None reserved (the default): reserve one for this test. */
	if (buf == MAP_FAILED && nr == 0) {
		vsvm_set_nr_hugepages(1);
		buf = vsvm_map_hugetlb(SZ_2M);
	}
	igt_require_f(buf != MAP_FAILED, "no 2 MiB hugetlbfs page: %s\n",
		      strerror(errno));

	first_touch(buf, SZ_2M);
	roundtrip(buf, SZ_2M, 0x4e6e7001);

	range_info(to_user_pointer(buf), SZ_2M, info);
	for (i = 0; i < PAGES(SZ_2M); i++) {
		igt_assert_eq(entry_state(info[i]), DRM_VSVM_PAGE_SYSTEM_RW);
		igt_assert_neq(entry_pte(info[i]), DRM_VSVM_PTE_NONE);
		sizes[entry_pte(info[i]) & 3]++;
	}
	igt_info("GPU PTEs: %u x 4K pages, %u x 64K pages, %u x 2M pages\n",
		 sizes[DRM_VSVM_PTE_4K], sizes[DRM_VSVM_PTE_64K],
		 sizes[DRM_VSVM_PTE_2M]);

	munmap(buf, SZ_2M);
	if (nr == 0)
		vsvm_set_nr_hugepages(0);
}

static void test_readonly(void)
{
	size_t size = 16 * SZ_4K;
	uint8_t *scratch = vsvm_map_anon(size);
	int memfd = memfd_with_pattern(size, 0x2eadd001);
	uint8_t *ro = mmap(NULL, size, PROT_READ, MAP_SHARED, memfd, 0);
	struct vsvm_batch *b;
	uint8_t *anon;
	uint32_t off;

	igt_assert(ro != MAP_FAILED);

	/* Reading works, and is mirrored read-only */
	gpu_copy(scratch, ro, size);
	vsvm_assert_pattern(scratch, size, 0x2eadd001);
	assert_range_state(to_user_pointer(ro), size, DRM_VSVM_PAGE_SYSTEM_RO);

	/* Writing is refused, whatever the command */
	b = fault_batch();
	off = vsvm_batch_fill(b, to_user_pointer(ro + SZ_4K), 2 * SZ_4K,
			      0xbadbad00);
	expect_error(b, off, EACCES, to_user_pointer(ro + SZ_4K),
		     ACCESS_WRITE);
	b = fault_batch();
	off = vsvm_batch_copy(b, to_user_pointer(ro + 4 * SZ_4K),
			      to_user_pointer(scratch), SZ_4K);
	expect_error(b, off, EACCES, to_user_pointer(ro + 4 * SZ_4K),
		     ACCESS_WRITE);
	expect_fault(to_user_pointer(ro + 8 * SZ_4K), ACCESS_WRITE, EACCES);
	expect_fault(to_user_pointer(ro + 9 * SZ_4K), ACCESS_ATOMIC, EACCES);

	/* and nothing changed */
	vsvm_assert_pattern(ro, size, 0x2eadd001);
	vsvm_assert_file_pattern(memfd, size, 0x2eadd001);
	assert_range_not_writable(to_user_pointer(ro), size);

	/* The same for private anonymous memory mapped read-only */
	anon = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(anon != MAP_FAILED);
	memset(scratch, 0xa5, size);
	gpu_copy(scratch, anon, size);
	vsvm_assert_bytes(scratch, size, 0);
	expect_fault(to_user_pointer(anon + SZ_4K), ACCESS_WRITE, EACCES);
	expect_fault(to_user_pointer(anon), ACCESS_ATOMIC, EACCES);
	vsvm_assert_bytes(anon, size, 0);

	munmap(anon, size);
	munmap(ro, size);
	munmap(scratch, size);
	close(memfd);
}

static void test_prot_none(void)
{
	size_t size = 16 * SZ_4K;
	uint8_t *p = vsvm_map_isolated(size, SZ_64K, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	expect_fault(to_user_pointer(p), ACCESS_READ, EACCES);
	expect_fault(to_user_pointer(p + SZ_4K), ACCESS_WRITE, EACCES);
	expect_fault(to_user_pointer(p + 2 * SZ_4K), ACCESS_ATOMIC, EACCES);
	assert_range_state(to_user_pointer(p), size,
			   DRM_VSVM_PAGE_NOT_MIRRORED);

	/* Allowed again, it works ... */
	igt_assert_eq(mprotect(p, size, PROT_READ | PROT_WRITE), 0);
	gpu_fill(p, size, 0x9207e001);
	vsvm_assert_words(p, size, 0x9207e001);

	/* ... and taken away, it faults again */
	igt_assert_eq(mprotect(p, size, PROT_NONE), 0);
	expect_fault(to_user_pointer(p + 3 * SZ_4K), ACCESS_READ, EACCES);
	expect_fault(to_user_pointer(p + 4 * SZ_4K), ACCESS_WRITE, EACCES);
	igt_assert_eq(mprotect(p, size, PROT_READ), 0);
	vsvm_assert_words(p, size, 0x9207e001);
	munmap(p, size);
}

static void test_mprotect_downgrade(void)
{
	size_t size = 32 * SZ_4K, half = size / 2;
	uint8_t *p = vsvm_map_isolated_anon(size, SZ_64K);
	uint64_t invalidations = 0;
	bool have_counters = counters();
	struct vsvm_batch *b;
	uint32_t off;

	gpu_fill(p, size, 0xd0e20001);
	vsvm_assert_words(p, size, 0xd0e20001);

	if (have_counters)
		invalidations = vsvm_counter("invalidations");
	igt_assert_eq(mprotect(p, size, PROT_READ), 0);
	if (have_counters)
		igt_assert_cmpu64(vsvm_counter("invalidations"), >, <=,
				  invalidations);
	assert_range_not_writable(to_user_pointer(p), size);

	b = fault_batch();
	off = vsvm_batch_fill(b, to_user_pointer(p), size, 0xbadbad01);
	expect_error(b, off, EACCES, to_user_pointer(p), ACCESS_WRITE);
	vsvm_assert_words(p, size, 0xd0e20001);

	/* Reading is still allowed */
	memset(tool.scratch, 0, SZ_4K);
	gpu_copy(tool.scratch, p + SZ_4K, SZ_4K);
	vsvm_assert_words(tool.scratch, SZ_4K, 0xd0e20001);

	/* Writable again */
	igt_assert_eq(mprotect(p, size, PROT_READ | PROT_WRITE), 0);
	gpu_fill(p, size, 0xd0e20002);
	vsvm_assert_words(p, size, 0xd0e20002);

	/* Only the upper half read-only */
	igt_assert_eq(mprotect(p + half, half, PROT_READ), 0);
	gpu_fill(p, half, 0xd0e20003);
	b = fault_batch();
	off = vsvm_batch_fill(b, to_user_pointer(p), size, 0xd0e20004);
	expect_error(b, off, EACCES, to_user_pointer(p + half), ACCESS_WRITE);
	vsvm_assert_words(p + half, half, 0xd0e20002);
	munmap(p, size);
}

static void test_munmap_reuse(void)
{
	size_t size = 64 * SZ_4K;
	uint8_t *scratch = vsvm_map_anon(size);
	uint8_t *a = vsvm_map_isolated_anon(size, SZ_64K), *p;
	int memfd = memfd_with_pattern(size, 0x2e05e002);
	uint64_t shootdowns;

	gpu_fill(a, size, 0x01d01d01);
	vsvm_assert_words(a, size, 0x01d01d01);

	/* A new, untouched mapping at the same address: zeros */
	shootdowns = vsvm_counter("tlb_shootdowns");
	igt_assert_eq(munmap(a, size), 0);
	/* The notifier itself zapped the GPU's entries, not some later cleanup */
	igt_assert(vsvm_counter("tlb_shootdowns") > shootdowns);
	assert_range_state(to_user_pointer(a), size,
			   DRM_VSVM_PAGE_NOT_MIRRORED);
	p = mmap(a, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	igt_assert(p == a);
	memset(scratch, 0xa5, size);
	gpu_copy(scratch, a, size);
	vsvm_assert_bytes(scratch, size, 0);

	/* Then a file at the same address: its data */
	igt_assert_eq(munmap(a, size), 0);
	p = mmap(a, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, memfd, 0);
	igt_assert(p == a);
	gpu_copy(scratch, a, size);
	vsvm_assert_pattern(scratch, size, 0x2e05e002);

	/* Then replaced in place (MAP_FIXED unmaps implicitly) */
	p = mmap(a, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	igt_assert(p == a);
	vsvm_pattern_fill(a, size, 0x2e05e003);
	gpu_copy(scratch, a, size);
	vsvm_assert_pattern(scratch, size, 0x2e05e003);

	/* GPU writes land in the new memory, not in the file's */
	gpu_fill(a, size, 0x2e05e0ff);
	vsvm_assert_words(a, size, 0x2e05e0ff);
	vsvm_assert_file_pattern(memfd, size, 0x2e05e002);

	munmap(a, size);
	munmap(scratch, size);
	close(memfd);
}

struct unmapper {
	pthread_t thread;
	volatile uint64_t *started;
	uint8_t *addr;
	size_t size;
	int ret;
};

/* Waits (bounded) until the job has started, then unmaps. */
static void *unmapper_thread(void *arg)
{
	struct unmapper *u = arg;
	int64_t deadline = vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS);

	while (!__atomic_load_n(u->started, __ATOMIC_ACQUIRE) &&
	       vsvm_now_ns() < deadline)
		sched_yield();
	u->ret = munmap(u->addr, u->size);
	return NULL;
}

static void test_munmap_concurrent(void)
{
	const size_t size = 8 * SZ_1M, part = 2 * SZ_1M;
	volatile uint64_t *flag = (uint64_t *)tool.scratch;
	uint64_t batch_buf[32];
	struct vsvm_batch b;
	unsigned int iter;

	vsvm_batch_init(&b, batch_buf, sizeof(batch_buf));
	for (iter = 0; iter < 6; iter++) {
		uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
		size_t offset = (iter % 3) * 3 * SZ_1M;
		struct unmapper u = {
			.started = flag, .addr = buf + offset, .size = part,
		};
		struct drm_vsvm_wait w;
		uint32_t fill_offset;
		uint64_t seqno;
		int ret;

		*flag = 0;
		vsvm_batch_reset(&b);
		vsvm_batch_store64(&b, addr_of(flag), 1);
		fill_offset = vsvm_batch_fill(&b, to_user_pointer(buf), size,
					      0xc0c0c000 | iter);
		vsvm_batch_store64(&b, addr_of(flag), 2);

		/*
		 * The first iterations race the unmap with the GPU's first
		 * faults; later ones populate the pages on the CPU, so that
		 * the job gets further before the unmap.
		 */
		if (iter >= 3)
			memset(buf, 0xc0, size);
		igt_assert_eq(pthread_create(&u.thread, NULL, unmapper_thread,
					     &u), 0);
		seqno = vsvm_exec(dev.fd, dev.vm, iter % dev.engines, &b);
		ret = __vsvm_wait_job(dev.fd, dev.vm, seqno,
				      vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS),
				      &w);
		igt_assert_eq(pthread_join(u.thread, NULL), 0);
		igt_assert_eq(u.ret, 0);
		igt_assert_eq(ret, 0);
		igt_info("iteration %u: unmapped [%#zx, %#zx): status %u, error %u at %#llx\n",
			 iter, offset, offset + part, w.status, w.error,
			 (unsigned long long)w.fault_addr);

		if (w.status == DRM_VSVM_WAIT_STATUS_DONE) {
			igt_assert_eq_u64(*flag, 2);
		} else {
			vsvm_assert_gpu_error(&w, EFAULT, VSVM_ANY_ADDR,
					      ACCESS_WRITE, fill_offset);
			igt_assert_cmpu64(w.fault_addr, >=, <,
					  to_user_pointer(buf + offset));
			igt_assert_cmpu64(w.fault_addr, <, >=,
					  to_user_pointer(buf + offset + part));
			igt_assert_eq_u64(*flag, 1);
		}
		assert_range_state(to_user_pointer(buf + offset), part,
				   DRM_VSVM_PAGE_NOT_MIRRORED);
		munmap(buf, size);
		assert_range_state(to_user_pointer(buf), size,
				   DRM_VSVM_PAGE_NOT_MIRRORED);
	}

	/* The device still works */
	gpu_store64(tool.scratch, 0x5a9e5a9e5a9e5a9eull);
	igt_assert_eq_u64(*(uint64_t *)tool.scratch, 0x5a9e5a9e5a9e5a9eull);
}

static void test_partial_munmap(void)
{
	uint8_t *buf = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *hole = buf + SZ_1M;
	uint8_t *scratch = vsvm_map_anon(SZ_2M);
	bool have_counters = counters();
	uint64_t before = 0;
	struct vsvm_batch *b;
	uint32_t off;

	vsvm_pattern_fill(buf, SZ_2M, 0x9a27001);
	gpu_copy(scratch, buf, SZ_2M);
	vsvm_assert_pattern(scratch, SZ_2M, 0x9a27001);
	assert_range_mirrored(to_user_pointer(buf), SZ_2M);

	if (have_counters)
		before = vsvm_counter("ranges_split") +
			 vsvm_counter("ranges_gc");
	igt_assert_eq(munmap(hole, SZ_4K), 0);
	assert_range_state(to_user_pointer(hole), SZ_4K,
			   DRM_VSVM_PAGE_NOT_MIRRORED);

	/* The rest reads correctly */
	memset(scratch, 0, SZ_2M);
	gpu_copy(scratch, buf, SZ_1M);
	vsvm_assert_pattern(scratch, SZ_1M, 0x9a27001);
	gpu_copy(scratch + SZ_1M + SZ_4K, hole + SZ_4K, SZ_1M - SZ_4K);
	igt_assert_eq(memcmp(scratch + SZ_1M + SZ_4K, hole + SZ_4K,
			     SZ_1M - SZ_4K), 0);

	/* and the hole faults, at its first byte */
	b = fault_batch();
	off = vsvm_batch_copy(b, to_user_pointer(scratch),
			      to_user_pointer(buf), SZ_2M);
	expect_error(b, off, EFAULT, to_user_pointer(hole), ACCESS_READ);
	expect_fault(to_user_pointer(hole), ACCESS_WRITE, EFAULT);

	/* the rest is writable too */
	gpu_fill(buf, SZ_1M, 0x9a27002);
	gpu_fill(hole + SZ_4K, SZ_1M - SZ_4K, 0x9a27003);
	vsvm_assert_words(buf, SZ_1M, 0x9a27002);
	vsvm_assert_words(hole + SZ_4K, SZ_1M - SZ_4K, 0x9a27003);

	if (have_counters) {
		int64_t deadline = vsvm_deadline_ns(5000);
		uint64_t now;

		do {
			now = vsvm_counter("ranges_split") +
			      vsvm_counter("ranges_gc");
		} while (now == before && vsvm_now_ns() < deadline &&
			 !usleep(10000));
		igt_assert_cmpu64(now, >, <=, before);
	}
	munmap(scratch, SZ_2M);
	munmap(buf, SZ_1M);
	munmap(hole + SZ_4K, SZ_1M - SZ_4K);
}

static void test_mremap(void)
{
	size_t size = 128 * SZ_4K;
	uint8_t *a = vsvm_map_isolated_anon(size, SZ_64K);
	uint8_t *b = vsvm_map_isolated(size, SZ_64K, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *scratch = vsvm_map_anon(size);
	struct vsvm_batch *batch;
	uint64_t shootdowns;
	uint32_t off;

	vsvm_pattern_fill(a, size, 0x2e3a9001);
	gpu_copy(scratch, a, size);
	vsvm_assert_pattern(scratch, size, 0x2e3a9001);

	shootdowns = vsvm_counter("tlb_shootdowns");
	igt_assert(mremap(a, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, b) ==
		   (void *)b);
	igt_assert(vsvm_counter("tlb_shootdowns") > shootdowns);
	assert_range_state(to_user_pointer(a), size,
			   DRM_VSVM_PAGE_NOT_MIRRORED);

	/* The old address is gone */
	batch = fault_batch();
	off = vsvm_batch_copy(batch, to_user_pointer(scratch),
			      to_user_pointer(a), size);
	expect_error(batch, off, EFAULT, to_user_pointer(a), ACCESS_READ);
	expect_fault(to_user_pointer(a + size - SZ_4K), ACCESS_WRITE, EFAULT);

	/* the new one has the data */
	memset(scratch, 0, size);
	gpu_copy(scratch, b, size);
	vsvm_assert_pattern(scratch, size, 0x2e3a9001);
	gpu_fill(b, size, 0x2e3a90ff);
	vsvm_assert_words(b, size, 0x2e3a90ff);

	munmap(b, size);
	munmap(scratch, size);
}

static void test_madv_dontneed(void)
{
	size_t size = 64 * SZ_4K, half = size / 2;
	uint8_t *p = vsvm_map_anon(size);
	uint8_t *scratch = vsvm_map_anon(size);
	int memfd = memfd_with_pattern(size, 0xd0de0002);
	uint8_t *shared;

	vsvm_pattern_fill(p, size, 0xd0de0001);
	gpu_copy(scratch, p, size);
	vsvm_assert_pattern(scratch, size, 0xd0de0001);

	/* Private anonymous pages are dropped: the GPU reads zeros */
	igt_assert_eq(madvise(p + half, half, MADV_DONTNEED), 0);
	memset(scratch, 0xa5, size);
	gpu_copy(scratch, p, size);
	vsvm_assert_pattern(scratch, half, 0xd0de0001);
	vsvm_assert_bytes(scratch + half, half, 0);

	/* and writes land in the new pages */
	gpu_fill(p + half, half, 0xd0de00ff);
	vsvm_assert_words(p + half, half, 0xd0de00ff);
	vsvm_assert_pattern(p, half, 0xd0de0001);

	/* Shared pages only lose their mapping, not their data */
	shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
		      0);
	igt_assert(shared != MAP_FAILED);
	gpu_copy(scratch, shared, size);
	vsvm_assert_pattern(scratch, size, 0xd0de0002);
	igt_assert_eq(madvise(shared, size, MADV_DONTNEED), 0);
	memset(scratch, 0, size);
	gpu_copy(scratch, shared, size);
	vsvm_assert_pattern(scratch, size, 0xd0de0002);

	munmap(shared, size);
	munmap(p, size);
	munmap(scratch, size);
	close(memfd);
}

/* The PFN of @addr in process @pid, 0 if not present or not visible. */
static uint64_t pagemap_pfn(pid_t pid, const void *addr)
{
	char path[64];
	uint64_t entry = 0;
	int file;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	file = open(path, O_RDONLY);
	igt_assert_fd(file);
	igt_assert_eq(pread(file, &entry, sizeof(entry),
			    (uintptr_t)addr / SZ_4K * sizeof(entry)),
		      (ssize_t)sizeof(entry));
	close(file);
	if (!(entry & (1ull << 63)))
		return 0;
	return entry & ((1ull << 55) - 1);
}

/* Whether every page of the span has the same PFN in both processes. */
static bool same_pfns(pid_t child, const uint8_t *p, size_t size,
		      bool *visible)
{
	bool same = true;
	size_t i;

	for (i = 0; i < size; i += SZ_4K) {
		uint64_t mine = pagemap_pfn(getpid(), p + i);
		uint64_t theirs = pagemap_pfn(child, p + i);

		if (!mine || !theirs)
			*visible = false;
		if (mine != theirs)
			same = false;
	}
	return same;
}

static void test_fork_cow(void)
{
	size_t size = 16 * SZ_4K;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_64K);
	uint8_t *cow = vsvm_map_isolated_anon(size, SZ_64K);
	uint8_t *scratch = vsvm_map_anon(size);
	int c2p[2], p2c[2];
	bool visible = true;
	pid_t child_pid;
	char msg;

	vsvm_pattern_fill(buf, size, 0xc0f0001);
	vsvm_pattern_fill(cow, size, 0xc0f0002);
	/* The GPU mirrors both before the fork; only buf is written after */
	gpu_copy(scratch, buf, size);
	vsvm_assert_pattern(scratch, size, 0xc0f0001);
	gpu_copy(scratch, cow, size);
	vsvm_assert_pattern(scratch, size, 0xc0f0002);

	igt_assert_eq(pipe(c2p), 0);
	igt_assert_eq(pipe(p2c), 0);
	igt_fork(child, 1) {
		pid_t self = getpid();

		close(c2p[0]);
		close(p2c[1]);
		/* The child writes its copy of the first page */
		vsvm_pattern_fill(buf, SZ_4K, 0xc0f0c01d);
		igt_assert_eq(write(c2p[1], &self, sizeof(self)),
			      (ssize_t)sizeof(self));
		igt_assert_eq(read(p2c[0], &msg, 1), 1);
		/* and sees none of the parent's GPU writes */
		vsvm_assert_pattern(buf, SZ_4K, 0xc0f0c01d);
		vsvm_pattern_fill(scratch, size, 0xc0f0001);
		igt_assert_eq(memcmp(buf + SZ_4K, scratch + SZ_4K,
				     size - SZ_4K), 0);
		vsvm_assert_pattern(cow, size, 0xc0f0002);
	}
	close(c2p[1]);
	close(p2c[0]);
	igt_assert_eq(read(c2p[0], &child_pid, sizeof(child_pid)),
		      (ssize_t)sizeof(child_pid));

	/* The parent's GPU does not see the child's write */
	gpu_copy(scratch, buf, size);
	vsvm_assert_pattern(scratch, size, 0xc0f0001);

	/*
	 * A GPU read of pages still shared with the child does not break
	 * copy-on-write: both keep the same physical pages, mirrored
	 * read-only.  (The fork write-protected them, which invalidated the
	 * GPU's mapping: this read faults them in again.)
	 */
	igt_assert(same_pfns(child_pid, cow, size, &visible) || !visible);
	gpu_copy(scratch, cow, size);
	vsvm_assert_pattern(scratch, size, 0xc0f0002);
	if (visible) {
		igt_assert(same_pfns(child_pid, cow, size, &visible));
		assert_range_state(to_user_pointer(cow), size,
				   DRM_VSVM_PAGE_SYSTEM_RO);
	} else {
		igt_info("pagemap shows no PFNs: COW sharing not checked\n");
	}

	/* The parent's GPU writes are its own */
	gpu_fill(buf + SZ_4K, size - SZ_4K, 0xc0f0ffff);
	vsvm_assert_words(buf + SZ_4K, size - SZ_4K, 0xc0f0ffff);
	vsvm_assert_pattern(buf, SZ_4K, 0xc0f0001);
	if (visible)
		igt_assert(!same_pfns(child_pid, buf + SZ_4K, size - SZ_4K,
				      &visible));

	igt_assert_eq(write(p2c[1], "g", 1), 1);
	igt_waitchildren();
	close(c2p[0]);
	close(p2c[1]);
	munmap(buf, size);
	munmap(cow, size);
	munmap(scratch, size);
}

static void test_fork_child_eperm(void)
{
	volatile uint64_t *fence = (uint64_t *)tool.scratch;
	uint64_t batch_buf[16];
	struct vsvm_batch b;
	uint64_t seqno;

	vsvm_batch_init(&b, batch_buf, sizeof(batch_buf));
	vsvm_batch_store64(&b, addr_of(fence), 0xfe2e0001);
	seqno = vsvm_exec(dev.fd, dev.vm, 0, &b);
	vsvm_wait_job(dev.fd, dev.vm, seqno);

	igt_fork(child, 1) {
		struct drm_vsvm_exec exec = {
			.vm_id = dev.vm,
			.batch_addr = to_user_pointer(batch_buf),
			.batch_size = b.size,
		};
		struct drm_vsvm_vm_destroy destroy = { .vm_id = dev.vm };
		uint8_t info[4];
		struct drm_vsvm_range_info ri = {
			.vm_id = dev.vm,
			.start = to_user_pointer(tool.scratch),
			.size = sizeof(info) * SZ_4K,
			.data = to_user_pointer(info),
		};
		struct drm_vsvm_wait w;
		volatile uint64_t mine = 0;
		uint64_t child_batch[16];
		struct vsvm_batch cb;
		uint32_t vm;

		/* Nothing that touches the parent's memory */
		igt_assert_eq(__vsvm_exec(dev.fd, &exec), -EPERM);
		igt_assert_eq(__vsvm_range_info(dev.fd, &ri), -EPERM);
		igt_assert_eq(__vsvm_wait_fence(dev.fd, dev.vm, addr_of(fence),
						DRM_VSVM_WAIT_EQ, 0xfe2e0001,
						~0ull, vsvm_deadline_ns(1000),
						&w), -EPERM);
		igt_assert_eq(__vsvm_vm_destroy(dev.fd, &destroy), -EPERM);

		/* but a job's status is not the parent's memory */
		igt_assert_eq(__vsvm_wait_job(dev.fd, dev.vm, seqno,
					      vsvm_deadline_ns(1000), &w), 0);
		igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_DONE);

		/* A VM of its own on the same file works */
		vm = vsvm_vm_create(dev.fd);
		igt_assert_neq(vm, dev.vm);
		vsvm_vm_prefer_system(dev.fd, vm);
		vsvm_batch_init(&cb, child_batch, sizeof(child_batch));
		vsvm_batch_store64(&cb, addr_of(&mine), 0xc41d0001);
		vsvm_run(dev.fd, vm, dev.engines - 1, &cb);
		igt_assert_eq_u64(mine, 0xc41d0001);
		vsvm_vm_destroy(dev.fd, vm);
	}
	igt_waitchildren();

	/* The parent's VM is unharmed */
	*fence = 0;
	vsvm_batch_reset(&b);
	vsvm_batch_store64(&b, addr_of(fence), 0xfe2e0002);
	vsvm_run(dev.fd, dev.vm, 0, &b);
	igt_assert_eq_u64(*fence, 0xfe2e0002);
}

#define THREADS		8
#define THREAD_JOBS	16
#define THREAD_REGION	(16 * SZ_4K)

struct job_thread {
	pthread_t thread;
	unsigned int id;
	uint8_t *region;
	uint64_t *batch_buf;
	char failure[160];
};

static void *job_thread(void *arg)
{
	struct job_thread *t = arg;
	size_t half = THREAD_REGION / 2, bad;
	struct drm_vsvm_wait w;
	struct drm_vsvm_exec exec;
	struct vsvm_batch b;
	unsigned int i;
	int ret;

	for (i = 0; i < THREAD_JOBS; i++) {
		uint32_t word = 0x7d000000 | t->id << 16 | i;

		/* a FILL, a COPY of what it wrote, and a STORE: in order */
		vsvm_batch_init(&b, t->batch_buf, SZ_4K);
		vsvm_batch_fill(&b, to_user_pointer(t->region), half, word);
		vsvm_batch_copy(&b, to_user_pointer(t->region + half),
				to_user_pointer(t->region), half - 8);
		vsvm_batch_store64(&b, to_user_pointer(t->region +
						       THREAD_REGION - 8),
				   (uint64_t)word << 32 | word);
		exec = (struct drm_vsvm_exec) {
			.vm_id = dev.vm,
			.engine = (t->id + i) % dev.engines,
			.batch_addr = to_user_pointer(b.buf),
			.batch_size = b.size,
		};
		ret = __vsvm_exec(dev.fd, &exec);
		if (ret) {
			snprintf(t->failure, sizeof(t->failure),
				 "job %u: exec %d", i, ret);
			return NULL;
		}
		ret = __vsvm_wait_job(dev.fd, dev.vm, exec.seqno,
				      vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS),
				      &w);
		if (ret || w.status != DRM_VSVM_WAIT_STATUS_DONE) {
			snprintf(t->failure, sizeof(t->failure),
				 "job %u: wait %d, status %u, error %u at %#llx",
				 i, ret, w.status, w.error,
				 (unsigned long long)w.fault_addr);
			return NULL;
		}
		bad = vsvm_words_check(t->region, THREAD_REGION - 8, word);
		if (bad != SIZE_MAX ||
		    *(uint64_t *)(t->region + THREAD_REGION - 8) !=
		    ((uint64_t)word << 32 | word)) {
			snprintf(t->failure, sizeof(t->failure),
				 "job %u: region[%#zx] wrong, expected %#x",
				 i, bad, word);
			return NULL;
		}
	}
	return NULL;
}

static void test_threads(void)
{
	/* neighbours in one 2 MiB range: their faults meet */
	uint8_t *regions = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *batches = vsvm_map_anon(THREADS * SZ_4K);
	struct job_thread t[THREADS] = {};
	unsigned int i;

	for (i = 0; i < THREADS; i++) {
		t[i].id = i;
		t[i].region = regions + i * THREAD_REGION;
		t[i].batch_buf = (uint64_t *)(batches + i * SZ_4K);
		igt_assert_eq(pthread_create(&t[i].thread, NULL, job_thread,
					     &t[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		igt_assert_eq(pthread_join(t[i].thread, NULL), 0);
	for (i = 0; i < THREADS; i++)
		igt_assert_f(!t[i].failure[0], "thread %u: %s\n", i,
			     t[i].failure);
	munmap(batches, THREADS * SZ_4K);
	munmap(regions, SZ_2M);
}

static void test_multi_process(void)
{
	igt_fork(child, 4) {
		size_t size = 64 * SZ_4K, half = size / 2;
		int fd = vsvm_igt_open(0);
		uint32_t vm = vsvm_vm_create(fd);
		uint8_t *buf = vsvm_map_anon(size);
		struct vsvm_batch b;
		unsigned int i;

		vsvm_vm_prefer_system(fd, vm);
		vsvm_batch_init(&b, vsvm_map_anon(SZ_4K), SZ_4K);
		for (i = 0; i < 8; i++) {
			uint32_t seed = 0x30000000 | child << 16 | i;

			vsvm_pattern_fill(buf, half, seed);
			vsvm_batch_reset(&b);
			vsvm_batch_copy(&b, to_user_pointer(buf + half),
					to_user_pointer(buf), half);
			vsvm_batch_fill(&b, to_user_pointer(buf), SZ_4K,
					seed);
			vsvm_run(fd, vm, (child + i) % dev.engines, &b);
			/* the COPY ran before the FILL */
			vsvm_assert_pattern(buf + half, half, seed);
			vsvm_assert_words(buf, SZ_4K, seed);
			igt_assert_eq(memcmp(buf + SZ_4K, buf + half + SZ_4K,
					     half - SZ_4K), 0);
		}
		vsvm_vm_destroy(fd, vm);
		close(fd);
	}
	/* The parent works alongside */
	roundtrip(vsvm_map_anon(SZ_1M), SZ_1M, 0x30ff0001);
	igt_waitchildren();
}

/* What a child of killed-with-jobs tells its parent before being killed. */
struct killed_report {
	int error;
	uint32_t vm_id;
	uint64_t seqno;
};

/*
 * Fills the queues of every engine with long jobs on its own memory, tells
 * the parent, and waits to be killed.  Uses no igt_* helpers: this is a
 * plain fork()ed process.
 */
static void __attribute__((noreturn)) killed_child(int fd, int report_fd)
{
	const size_t size = 8 * SZ_1M;
	struct killed_report report = {};
	struct drm_vsvm_vm_create create = {};
	uint8_t *buf, *batches;
	unsigned int i;

	if (fd < 0)
		fd = __vsvm_igt_open(0);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	batches = mmap(NULL, SZ_64K, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || buf == MAP_FAILED || batches == MAP_FAILED)
		report.error = ENOMEM;
	else
		report.error = -__vsvm_vm_create(fd, &create);
	report.vm_id = create.vm_id;

	for (i = 0; !report.error && i < 8; i++) {
		struct drm_vsvm_exec exec = {
			.vm_id = create.vm_id,
			.engine = i % dev.engines,
		};
		struct vsvm_batch b = {
			.buf = batches + i * SZ_4K, .capacity = SZ_4K,
		};
		struct drm_vsvm_cmd_fill *fill;
		struct drm_vsvm_cmd_copy *copy;

		/* vsvm_batch_*() would assert: build the commands by hand */
		fill = (void *)b.buf;
		*fill = (struct drm_vsvm_cmd_fill) {
			.header.opcode = DRM_VSVM_OP_FILL,
			.addr = to_user_pointer(buf), .size = size / 2,
			.pattern = 0x4177ed00 | i,
		};
		copy = (void *)(fill + 1);
		*copy = (struct drm_vsvm_cmd_copy) {
			.header.opcode = DRM_VSVM_OP_COPY,
			.dst = to_user_pointer(buf + size / 2),
			.src = to_user_pointer(buf), .size = size / 2,
		};
		exec.batch_addr = to_user_pointer(b.buf);
		exec.batch_size = sizeof(*fill) + sizeof(*copy);
		report.error = -__vsvm_exec(fd, &exec);
		report.seqno = exec.seqno;
	}
	if (write(report_fd, &report, sizeof(report)) != sizeof(report))
		_exit(1);
	for (;;)
		pause();
}

/*
 * Forks a killed_child() on @fd (-1: its own), kills it once it has
 * queued its jobs, and returns its report.
 */
static struct killed_report run_killed_child(int fd)
{
	struct killed_report report;
	int pipefd[2], status;
	pid_t pid;

	igt_assert_eq(pipe(pipefd), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	igt_assert_lte(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		killed_child(fd, pipefd[1]);
	}
	close(pipefd[1]);
	igt_assert_eq(read(pipefd[0], &report, sizeof(report)),
		      (ssize_t)sizeof(report));
	close(pipefd[0]);
	igt_assert_eq(kill(pid, SIGKILL), 0);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	igt_assert_f(!report.error, "child: %s\n", strerror(report.error));
	return report;
}

static bool jobs_drained(uint64_t ranges_before)
{
	uint64_t submitted = vsvm_counter("jobs_submitted");
	uint64_t ended = vsvm_counter("jobs_completed") +
			 vsvm_counter("jobs_failed");

	return submitted == ended &&
	       vsvm_counter("ranges_alive") <= ranges_before;
}

static void test_killed_with_jobs(void)
{
	bool have_counters = counters();
	struct killed_report report;
	struct drm_vsvm_wait w;
	uint64_t ranges = 0;
	int64_t deadline;
	int fd, ret;

	if (have_counters)
		ranges = vsvm_counter("ranges_alive");

	/* A child with a file of its own: everything goes with it */
	run_killed_child(-1);

	/*
	 * A child on a file that outlives it: its jobs end, and can still be
	 * waited for, until the file closes
	 */
	fd = vsvm_igt_open(0);
	report = run_killed_child(fd);
	ret = __vsvm_wait_job(fd, report.vm_id, report.seqno,
			      vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS), &w);
	igt_info("wait for the dead child's last job: %d, status %u, error %u\n",
		 ret, w.status, w.error);
	igt_assert(ret == -ENOENT ||
		   (ret == 0 && w.status == DRM_VSVM_WAIT_STATUS_DONE) ||
		   (ret == 0 && w.status == DRM_VSVM_WAIT_STATUS_GPU_ERROR &&
		    w.error == ECANCELED));
	close(fd);

	if (have_counters) {
		deadline = vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS);
		while (!jobs_drained(ranges) && vsvm_now_ns() < deadline)
			usleep(20000);
		igt_assert_f(jobs_drained(ranges),
			     "jobs %llu submitted, %llu completed, %llu failed; ranges %llu, %llu before\n",
			     (unsigned long long)vsvm_counter("jobs_submitted"),
			     (unsigned long long)vsvm_counter("jobs_completed"),
			     (unsigned long long)vsvm_counter("jobs_failed"),
			     (unsigned long long)vsvm_counter("ranges_alive"),
			     (unsigned long long)ranges);
	}

	/* The device works */
	roundtrip(vsvm_map_anon(SZ_64K), SZ_64K, 0x4177ed01);
}

#define ATOMIC_CPU_THREADS	2
#define ATOMIC_GPU_JOBS		4	/* per engine */
#define ATOMIC_GPU_OPS		128	/* pairs of commands per job */

struct atomic_cpu {
	pthread_t thread;
	uint64_t *c64;
	uint32_t *c32;
	volatile int *stop;
	uint64_t count;
};

static void *atomic_cpu_thread(void *arg)
{
	struct atomic_cpu *a = arg;

	/* at least a few, then until every GPU job is done */
	while (a->count < 1000 || !__atomic_load_n(a->stop, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(a->c64, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(a->c32, 1, __ATOMIC_SEQ_CST);
		a->count++;
	}
	return NULL;
}

static void atomics_vs_cpu(void)
{
	uint8_t *page = vsvm_map_anon(SZ_4K);
	uint64_t *c64 = (uint64_t *)page;
	uint32_t *c32 = (uint32_t *)(page + 64);
	unsigned int njobs = ATOMIC_GPU_JOBS * dev.engines;
	size_t batch_size = ATOMIC_GPU_OPS * 2 *
			    sizeof(struct drm_vsvm_cmd_atomic);
	uint8_t *batches = vsvm_map_anon(njobs * batch_size);
	struct atomic_cpu cpu[ATOMIC_CPU_THREADS];
	volatile int stop = 0;
	uint64_t seqno[64], cpu_total = 0;
	struct vsvm_batch b;
	unsigned int i, j;

	igt_assert_lte(njobs, ARRAY_SIZE(seqno));
	*c64 = 0xffffff00ull;	/* carries into the upper half */
	*c32 = 0;

	for (i = 0; i < ATOMIC_CPU_THREADS; i++) {
		cpu[i] = (struct atomic_cpu) {
			.c64 = c64, .c32 = c32, .stop = &stop,
		};
		igt_assert_eq(pthread_create(&cpu[i].thread, NULL,
					     atomic_cpu_thread, &cpu[i]), 0);
	}
	for (i = 0; i < njobs; i++) {
		vsvm_batch_init(&b, batches + i * batch_size, batch_size);
		for (j = 0; j < ATOMIC_GPU_OPS; j++) {
			vsvm_batch_atomic(&b, DRM_VSVM_ATOMIC_ADD,
					  DRM_VSVM_ATOMIC_64BIT,
					  to_user_pointer(c64), 3, 0, 0);
			vsvm_batch_atomic(&b, DRM_VSVM_ATOMIC_INC, 0,
					  to_user_pointer(c32), 0, 0, 0);
		}
		seqno[i] = vsvm_exec(dev.fd, dev.vm, i % dev.engines, &b);
	}
	for (i = 0; i < njobs; i++)
		vsvm_wait_job(dev.fd, dev.vm, seqno[i]);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < ATOMIC_CPU_THREADS; i++) {
		igt_assert_eq(pthread_join(cpu[i].thread, NULL), 0);
		cpu_total += cpu[i].count;
	}

	igt_info("CPU: %llu increments; GPU: %u adds of 3 and %u incs\n",
		 (unsigned long long)cpu_total, njobs * ATOMIC_GPU_OPS,
		 njobs * ATOMIC_GPU_OPS);
	igt_assert_eq_u64(*c64, 0xffffff00ull + cpu_total +
			  3ull * njobs * ATOMIC_GPU_OPS);
	igt_assert_eq_u32(*c32, (uint32_t)(cpu_total +
					   njobs * ATOMIC_GPU_OPS));
	munmap(batches, njobs * batch_size);
	munmap(page, SZ_4K);
}

struct atomic_case {
	uint32_t op;
	uint64_t init, operand, compare;
};

static uint64_t atomic_result(const struct atomic_case *c, uint64_t mask)
{
	uint64_t old = c->init & mask, operand = c->operand & mask;

	switch (c->op) {
	case DRM_VSVM_ATOMIC_ADD:
		return (old + operand) & mask;
	case DRM_VSVM_ATOMIC_INC:
		return (old + 1) & mask;
	case DRM_VSVM_ATOMIC_XCHG:
		return operand;
	case DRM_VSVM_ATOMIC_CMPXCHG:
		return old == (c->compare & mask) ? operand : old;
	case DRM_VSVM_ATOMIC_UMIN:
		return old < operand ? old : operand;
	case DRM_VSVM_ATOMIC_UMAX:
		return old > operand ? old : operand;
	}
	igt_assert(false);
	return 0;
}

/* Each operation, in 32 and 64 bits, with the old value returned. */
static void atomics_ops(void)
{
	static const struct atomic_case cases[] = {
		{ DRM_VSVM_ATOMIC_ADD, 1000, 234, 0 },
		{ DRM_VSVM_ATOMIC_ADD, 0xfffffffffffffff0ull, 0x15, 0 },
		{ DRM_VSVM_ATOMIC_ADD, 0x00000000fffffff0ull, 0x15, 0 },
		{ DRM_VSVM_ATOMIC_INC, 41, 0, 0 },
		{ DRM_VSVM_ATOMIC_INC, 0x00000000ffffffffull, 0, 0 },
		{ DRM_VSVM_ATOMIC_INC, 0x7fffffffffffffffull, 0, 0 },
		{ DRM_VSVM_ATOMIC_XCHG, 0x1111111122222222ull,
		  0x3333333344444444ull, 0 },
		{ DRM_VSVM_ATOMIC_CMPXCHG, 0x1234567812345678ull,
		  0x9abcdef09abcdef0ull, 0x1234567812345678ull },
		{ DRM_VSVM_ATOMIC_CMPXCHG, 0x1234567812345678ull,
		  0x9abcdef09abcdef0ull, 0x1234567812345679ull },
		/* equal in the low 32 bits only */
		{ DRM_VSVM_ATOMIC_CMPXCHG, 0x0000000100000005ull, 7,
		  0x0000000200000005ull },
		/* unsigned: the top bit set is the larger number */
		{ DRM_VSVM_ATOMIC_UMIN, 0x8000000080000000ull, 7, 0 },
		{ DRM_VSVM_ATOMIC_UMIN, 5, 9, 0 },
		{ DRM_VSVM_ATOMIC_UMAX, 7, 0x8000000080000000ull, 0 },
		{ DRM_VSVM_ATOMIC_UMAX, 0x8000000080000000ull, 1, 0 },
	};
	enum { SLOT = 32, GUARD = 0x6a };
	size_t n = ARRAY_SIZE(cases);
	uint8_t *mem = vsvm_map_anon(2 * n * SLOT);
	struct vsvm_batch *b = tool_batch();
	unsigned int i, wide;

	/* slot: the word at 0, the returned old value at 16, guard bytes */
	memset(mem, GUARD, 2 * n * SLOT);
	for (wide = 0; wide < 2; wide++) {
		uint64_t mask = wide ? ~0ull : 0xffffffffull;
		uint32_t flags = DRM_VSVM_ATOMIC_RETURN |
				 (wide ? DRM_VSVM_ATOMIC_64BIT : 0);

		for (i = 0; i < n; i++) {
			const struct atomic_case *c = &cases[i];
			uint8_t *slot = mem + (wide * n + i) * SLOT;
			uint64_t init = c->init & mask, compare = 0;

			if (c->op == DRM_VSVM_ATOMIC_CMPXCHG)
				compare = c->compare & mask;
			memcpy(slot, &init, wide ? 8 : 4);
			vsvm_batch_atomic(b, c->op, flags,
					  to_user_pointer(slot),
					  c->operand & mask, compare,
					  to_user_pointer(slot + 16));
		}
	}
	run(b);

	for (wide = 0; wide < 2; wide++) {
		uint64_t mask = wide ? ~0ull : 0xffffffffull;
		size_t bytes = wide ? 8 : 4;

		for (i = 0; i < n; i++) {
			uint8_t *slot = mem + (wide * n + i) * SLOT;
			uint64_t value = 0, old = 0;

			memcpy(&value, slot, bytes);
			memcpy(&old, slot + 16, bytes);
			igt_debug("%u-bit case %u: %#llx, old %#llx\n",
				  wide ? 64 : 32, i,
				  (unsigned long long)value,
				  (unsigned long long)old);
			igt_assert_eq_u64(value,
					  atomic_result(&cases[i], mask));
			igt_assert_eq_u64(old, cases[i].init & mask);
			vsvm_assert_bytes(slot + bytes, 16 - bytes, GUARD);
			vsvm_assert_bytes(slot + 16 + bytes, 16 - bytes, GUARD);
		}
	}

	/* Without DRM_VSVM_ATOMIC_RETURN nothing is returned anywhere */
	b = tool_batch();
	memset(mem, GUARD, SLOT);
	*(uint64_t *)mem = 10;
	vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_ADD, DRM_VSVM_ATOMIC_64BIT,
			  to_user_pointer(mem), 5, 0, 0);
	run(b);
	igt_assert_eq_u64(*(uint64_t *)mem, 15);
	vsvm_assert_bytes(mem + 8, SLOT - 8, GUARD);
	munmap(mem, 2 * n * SLOT);
}

static void test_atomics(void)
{
	atomics_vs_cpu();
	atomics_ops();
}

/* Start of the [vvar] mapping (VM_IO | VM_PFNMAP), or 0. */
static uint64_t vvar_start(void)
{
	unsigned long start, end;
	char line[512];
	uint64_t found = 0;
	FILE *file = fopen("/proc/self/maps", "r");

	igt_assert(file);
	while (!found && fgets(line, sizeof(line), file))
		if (strstr(line, "[vvar]") &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2)
			found = start;
	fclose(file);
	return found;
}

/* The counters the tests of faults beside unfaultable pages look at */
enum narrow_stat { FAULT_NARROWED, FAULTS_4K, NR_NARROW_STATS };

static const char * const narrow_stat_names[NR_NARROW_STATS] = {
	[FAULT_NARROWED] = "fault_narrowed",
	[FAULTS_4K] = "faults_4k",
};

static struct vsvm_stats narrow_stats(void)
{
	return vsvm_stats_read(0, narrow_stat_names, NR_NARROW_STATS);
}

/* The GPU reads @size bytes at @src and they hold the pattern of @seed. */
static void assert_gpu_reads_pattern(const void *src, size_t size,
				     uint32_t seed)
{
	memset(tool.scratch, 0, SZ_4K);
	gpu_copy(tool.scratch, src, size);
	vsvm_assert_pattern(tool.scratch, size, seed);
}

/*
 * A 4 KiB memfd mapped 2 MiB: the pages past the end of the file raise
 * SIGBUS on the CPU, and GPU accesses to them fail, but a GPU access to the
 * file's page must work, although the range the GPU faults in by default
 * (2 MiB) holds them all.
 */
static void test_fault_beside_unfaultable_memfd(void)
{
	const uint32_t seed = 0x5b0f0001;
	int memfd = memfd_with_pattern(SZ_4K, seed);
	uint8_t *m = vsvm_map_isolated(SZ_2M, SZ_2M, PROT_READ | PROT_WRITE,
				       MAP_SHARED, memfd, 0);
	struct vsvm_stats before = narrow_stats();

	assert_gpu_reads_pattern(m, SZ_4K, seed);
	vsvm_assert_stat_grew(&before, FAULT_NARROWED, 1);
	vsvm_assert_stat_grew(&before, FAULTS_4K, 1);
	gpu_store64(m + 64, 0x5b0f5b0f5b0f5b0full);
	igt_assert_eq_u64(*(uint64_t *)(m + 64), 0x5b0f5b0f5b0f5b0full);

	/* The pages past the end fail, the file's page still works */
	expect_fault(addr_of(m + SZ_4K), ACCESS_READ, EFAULT);
	expect_fault(addr_of(m + SZ_2M - SZ_4K), ACCESS_WRITE, EFAULT);
	gpu_store64(m + 128, 0x600d600d600d600dull);
	igt_assert_eq_u64(*(uint64_t *)(m + 128), 0x600d600d600d600dull);
	vsvm_assert_pattern(m, 64, seed);

	munmap(m, SZ_2M);
	close(memfd);
}

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	igt_require_f(uffd >= 0, "userfaultfd: %s\n", strerror(errno));
	igt_assert_eq(ioctl(uffd, UFFDIO_API, &api), 0);
	return uffd;
}

/* Fill the missing page at @dst with the pattern of @seed, as a handler. */
static void uffd_fill(int uffd, void *dst, uint32_t seed)
{
	uint8_t *src = vsvm_map_anon(SZ_4K);
	struct uffdio_copy copy = {
		.dst = to_user_pointer(dst),
		.src = to_user_pointer(src),
		.len = SZ_4K,
	};

	vsvm_pattern_fill(src, SZ_4K, seed);
	igt_assert_eq(ioctl(uffd, UFFDIO_COPY, &copy), 0);
	igt_assert_eq_u64(copy.copy, SZ_4K);
	munmap(src, SZ_4K);
}

/*
 * 64 KiB of anonymous memory under userfaultfd with one page filled: only
 * a userfaultfd handler could fill the others, and a GPU fault cannot wait
 * for one, so a GPU access to the filled page must fault in nothing else.
 * Pages the handler fills later work on the GPU too.  (A GPU access to a
 * missing page fails with EFAULT; on a DEBUG_VM kernel the core mm warns
 * for it, so it is not made here.)
 */
static void test_fault_beside_unfaultable_uffd(void)
{
	uint8_t *m = vsvm_map_isolated_anon(SZ_64K, SZ_64K);
	struct uffdio_register reg = {
		.range = { .start = to_user_pointer(m), .len = SZ_64K },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int uffd = uffd_open();
	struct vsvm_stats before;
	uint8_t info[SZ_64K / SZ_4K];
	unsigned int i;

	igt_assert_eq(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	uffd_fill(uffd, m + SZ_4K, 0x5b0f0011);

	before = narrow_stats();
	assert_gpu_reads_pattern(m + SZ_4K, SZ_4K, 0x5b0f0011);
	vsvm_assert_stat_grew(&before, FAULTS_4K, 1);
	gpu_store64(m + SZ_4K, 0x11);
	igt_assert_eq_u64(*(uint64_t *)(m + SZ_4K), 0x11);

	/* The GPU mapped the filled page and no other */
	range_info(to_user_pointer(m), SZ_64K, info);
	for (i = 0; i < ARRAY_SIZE(info); i++)
		igt_assert_f((entry_state(info[i]) ==
			      DRM_VSVM_PAGE_NOT_MIRRORED) == (i != 1),
			     "page %u: GPU state %u\n", i,
			     entry_state(info[i]));

	/* A page the handler fills later reaches the GPU */
	uffd_fill(uffd, m + 3 * SZ_4K, 0x5b0f0033);
	assert_gpu_reads_pattern(m + 3 * SZ_4K, SZ_4K, 0x5b0f0033);

	close(uffd);
	munmap(m, SZ_64K);
}

static void test_invalid_address(void)
{
	const struct {
		const char *name;
		uint64_t addr;
	} cases[] = {
		{ "NULL", 0 },
		{ "kernel", KERNEL_ADDR },
		{ "non-canonical", NONCANONICAL },
		{ "top of user space", 0x7ffffffff000ull },
		{ "hole", unmapped_hole() },
	};
	static const uint32_t accesses[] = {
		ACCESS_READ, ACCESS_WRITE, ACCESS_ATOMIC,
	};
	uint64_t vvar = vvar_start();
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (j = 0; j < ARRAY_SIZE(accesses); j++) {
			igt_debug("%s %#llx, access %#x\n", cases[i].name,
				  (unsigned long long)cases[i].addr,
				  accesses[j]);
			expect_fault(cases[i].addr, accesses[j], EFAULT);
		}
	}

	/* A mapping without struct pages (VM_IO | VM_PFNMAP) */
	if (vvar)
		expect_fault(vvar, ACCESS_READ, EFAULT);
	else
		igt_info("no [vvar] mapping: VM_PFNMAP not checked\n");

	/* The VM still works */
	gpu_store64(tool.scratch, 0x600d600d600d600dull);
	igt_assert_eq_u64(*(uint64_t *)tool.scratch, 0x600d600d600d600dull);
}

static void test_invalid_opcode(void)
{
	static const uint32_t opcodes[] = { 0, 999, 7, 0xffffffff };
	struct drm_vsvm_cmd_header *cmd;
	struct vsvm_batch *b;
	unsigned int i, engine;

	for (i = 0; i < ARRAY_SIZE(opcodes); i++) {
		for (engine = 0; engine < dev.engines; engine++) {
			struct drm_vsvm_wait w;
			uint32_t off;

			/* first in the batch, or after two NOPs */
			b = tool_batch();
			*tool.marker = 0;
			if (engine & 1) {
				vsvm_batch_nop(b);
				vsvm_batch_nop(b);
			}
			cmd = vsvm_batch_emit(b, sizeof(*cmd));
			cmd->opcode = opcodes[i];
			off = (engine & 1) ? 16 : 0;
			vsvm_batch_store64(b, addr_of(tool.marker), MARKER);
			w = vsvm_run_error(dev.fd, dev.vm, engine, b);
			vsvm_assert_gpu_error(&w, EINVAL, 0, VSVM_ANY_U32, off);
			igt_assert_eq_u64(*tool.marker, 0);

			/* The next job on the engine runs */
			b = tool_batch();
			vsvm_batch_store64(b, addr_of(tool.marker),
					   0x0dd0dd00 | i);
			vsvm_run(dev.fd, dev.vm, engine, b);
			igt_assert_eq_u64(*tool.marker, 0x0dd0dd00 | i);
		}
	}
}

static const char * const malformed_names[] = {
	"nop-flags", "store-flags", "store32-misaligned", "store64-misaligned",
	"fill-flags", "fill-addr-misaligned", "fill-size-misaligned",
	"fill-size-zero", "fill-pad", "copy-flags", "copy-size-zero",
	"copy-overlap-forward", "copy-same", "copy-overlap-backward",
	"blit-flags", "blit-cpp-0", "blit-cpp-3", "blit-cpp-8",
	"blit-width-zero", "blit-height-zero", "blit-dst-pitch-short",
	"blit-src-pitch-short", "blit-fill-src", "blit-fill-src-pitch",
	"blit-overlap", "atomic-flags", "atomic-op", "atomic-pad",
	"atomic-misaligned-32", "atomic-misaligned-64", "atomic-inc-operand",
	"atomic-operand-over-32-bits", "atomic-return-addr-without-flag",
	"atomic-return-addr-misaligned", "atomic-compare-without-cmpxchg",
};

/*
 * Appends malformed command @which, one bad field away from a valid
 * command on @mem (a page and a half).
 */
static uint32_t emit_malformed(struct vsvm_batch *b, unsigned int which,
			       uint8_t *mem)
{
	uint64_t m = to_user_pointer(mem);
	struct drm_vsvm_cmd_header *nop;
	struct drm_vsvm_cmd_store *store;
	struct drm_vsvm_cmd_fill *fill;
	struct drm_vsvm_cmd_copy *copy;
	struct drm_vsvm_cmd_blit2d *blit;
	struct drm_vsvm_cmd_atomic *atomic;
	uint32_t off = b->size;

	switch (which) {
	case 0:
		nop = vsvm_batch_emit(b, sizeof(struct drm_vsvm_cmd_nop));
		nop->opcode = DRM_VSVM_OP_NOP;
		nop->flags = 1;
		return off;
	case 1 ... 3:
		store = vsvm_batch_emit(b, sizeof(*store));
		store->header.opcode = DRM_VSVM_OP_STORE;
		store->addr = m;
		store->value = 0xbad;
		if (which == 1)
			store->header.flags = 1u << 1;
		if (which == 2)
			store->addr = m + 2;
		if (which == 3) {
			store->header.flags = DRM_VSVM_STORE_64BIT;
			store->addr = m + 4;
		}
		return off;
	case 4 ... 8:
		fill = vsvm_batch_emit(b, sizeof(*fill));
		fill->header.opcode = DRM_VSVM_OP_FILL;
		fill->addr = m;
		fill->size = 64;
		fill->pattern = 0xbadbad;
		if (which == 4)
			fill->header.flags = 1;
		if (which == 5)
			fill->addr = m + 2;
		if (which == 6)
			fill->size = 6;
		if (which == 7)
			fill->size = 0;
		if (which == 8)
			fill->pad = 1;
		return off;
	case 9 ... 13:
		copy = vsvm_batch_emit(b, sizeof(*copy));
		copy->header.opcode = DRM_VSVM_OP_COPY;
		copy->dst = m;
		copy->src = m + 1024;
		copy->size = 64;
		if (which == 9)
			copy->header.flags = 1;
		if (which == 10)
			copy->size = 0;
		if (which == 11)
			copy->dst = m + 1024 + 4;
		if (which == 12)
			copy->dst = m + 1024;
		if (which == 13)
			copy->dst = m + 1024 - 4;
		return off;
	case 14 ... 24:
		blit = vsvm_batch_emit(b, sizeof(*blit));
		blit->header.opcode = DRM_VSVM_OP_BLIT2D;
		blit->dst = m;
		blit->src = m + 2048;
		blit->dst_pitch = 64;
		blit->src_pitch = 64;
		blit->width = 16;
		blit->height = 4;
		blit->cpp = 4;
		if (which == 14)
			blit->header.flags = 1u << 1;
		if (which == 15)
			blit->cpp = 0;
		if (which == 16)
			blit->cpp = 3;
		if (which == 17)
			blit->cpp = 8;
		if (which == 18)
			blit->width = 0;
		if (which == 19)
			blit->height = 0;
		if (which == 20)
			blit->dst_pitch = 60;
		if (which == 21)
			blit->src_pitch = 60;
		if (which == 22) {
			blit->header.flags = DRM_VSVM_BLIT2D_FILL;
			blit->src_pitch = 0;
		}
		if (which == 23) {
			blit->header.flags = DRM_VSVM_BLIT2D_FILL;
			blit->src = 0;
		}
		if (which == 24) {
			blit->dst = m + 2048 + 4;
			blit->cpp = 1;
			blit->width = 32;
		}
		return off;
	case 25 ... 34:
		atomic = vsvm_batch_emit(b, sizeof(*atomic));
		atomic->header.opcode = DRM_VSVM_OP_ATOMIC;
		atomic->op = DRM_VSVM_ATOMIC_ADD;
		atomic->addr = m;
		atomic->operand = 1;
		if (which == 25)
			atomic->header.flags = 1u << 2;
		if (which == 26)
			atomic->op = DRM_VSVM_ATOMIC_UMAX + 1;
		if (which == 27)
			atomic->pad = 1;
		if (which == 28)
			atomic->addr = m + 2;
		if (which == 29) {
			atomic->header.flags = DRM_VSVM_ATOMIC_64BIT;
			atomic->addr = m + 4;
		}
		if (which == 30)
			atomic->op = DRM_VSVM_ATOMIC_INC;
		if (which == 31)
			atomic->operand = 1ull << 32;
		if (which == 32)
			atomic->return_addr = m + 64;
		if (which == 33) {
			atomic->header.flags = DRM_VSVM_ATOMIC_64BIT |
					       DRM_VSVM_ATOMIC_RETURN;
			atomic->return_addr = m + 68;
		}
		if (which == 34)
			atomic->compare = 1;
		return off;
	}
	igt_assert_f(false, "no malformed command %u\n", which);
	return 0;
}

static void test_malformed_commands(void)
{
	size_t size = 2 * SZ_4K;
	uint8_t *mem = vsvm_map_anon(size);
	struct drm_vsvm_cmd_fill *fill;
	struct drm_vsvm_wait w;
	struct vsvm_batch *b;
	unsigned int i;

	memset(mem, 0x77, size);
	for (i = 0; i < ARRAY_SIZE(malformed_names); i++) {
		igt_debug("%s\n", malformed_names[i]);
		b = fault_batch();
		expect_invalid(b, emit_malformed(b, i, mem));
		/* rejected before anything was written */
		vsvm_assert_bytes(mem, size, 0x77);
	}

	/* A command that does not fit in the batch */
	b = fault_batch();
	fill = vsvm_batch_emit(b, sizeof(*fill));
	fill->header.opcode = DRM_VSVM_OP_FILL;
	fill->addr = to_user_pointer(mem);
	fill->size = 64;
	fill->pattern = 0xbadbad;
	b->size -= 16;
	w = vsvm_run_error(dev.fd, dev.vm, 0, b);
	vsvm_assert_gpu_error(&w, EINVAL, 0, VSVM_ANY_U32, 8);
	vsvm_assert_bytes(mem, size, 0x77);

	/* The engine goes on */
	gpu_fill(mem, size, 0x600d0001);
	vsvm_assert_words(mem, size, 0x600d0001);
}

/* What BLIT2D does, on the CPU. */
static void blit_ref(uint8_t *dst, uint32_t dst_pitch, const uint8_t *src,
		     uint32_t src_pitch, uint32_t width, uint32_t height,
		     uint32_t cpp, bool fill, uint32_t color)
{
	uint32_t x, y, k;

	for (y = 0; y < height; y++)
		for (x = 0; x < width * cpp; x += cpp)
			for (k = 0; k < cpp; k++)
				dst[y * dst_pitch + x + k] = fill ?
					color >> (8 * k) :
					src[y * src_pitch + x + k];
}

static void test_commands(void)
{
	size_t size = 4 * SZ_4K;
	uint8_t *mem = vsvm_map_anon(size), *src = vsvm_map_anon(2 * SZ_4K);
	uint8_t *expected = malloc(size);
	struct drm_vsvm_cmd_store *store;
	uint64_t m = to_user_pointer(mem), value;
	struct vsvm_batch *b = tool_batch();
	uint8_t *blits = mem + 3 * SZ_4K;
	static const uint32_t cpps[] = { 1, 2, 4 };
	uint32_t word;
	unsigned int i;

	igt_assert(expected);
	memset(mem, 0xee, size);
	memset(expected, 0xee, size);
	vsvm_pattern_fill(src, 2 * SZ_4K, 0xc0aa0001);

	/* a 32-bit STORE writes the low half of its value, only */
	store = vsvm_batch_emit(b, sizeof(*store));
	store->header.opcode = DRM_VSVM_OP_STORE;
	store->addr = m;
	store->value = 0x1122334455667788ull;
	word = 0x55667788;
	memcpy(expected, &word, 4);

	vsvm_batch_nop(b);
	vsvm_batch_store64(b, m + 8, 0x0102030405060708ull);
	value = 0x0102030405060708ull;
	memcpy(expected + 8, &value, 8);

	vsvm_batch_fill(b, m + 16, 4, 0xa1b2c3d4);
	word = 0xa1b2c3d4;
	memcpy(expected + 16, &word, 4);

	vsvm_batch_copy(b, m + 25, to_user_pointer(src + 1), 1);
	expected[25] = src[1];

	/* across pages, unaligned */
	vsvm_batch_copy(b, m + SZ_4K + 5, to_user_pointer(src + 3),
			SZ_4K + 1);
	memcpy(expected + SZ_4K + 5, src + 3, SZ_4K + 1);

	for (i = 0; i < ARRAY_SIZE(cpps); i++) {
		uint32_t w = 48 / cpps[i];

		vsvm_batch_blit_copy(b, to_user_pointer(blits + 600 * i), 100,
				     to_user_pointer(src + 100), 80, w, 5,
				     cpps[i]);
		blit_ref(expected + 3 * SZ_4K + 600 * i, 100, src + 100, 80,
			 w, 5, cpps[i], false, 0);
		vsvm_batch_blit_fill(b, to_user_pointer(blits + 1800 +
							600 * i),
				     100, w - 1, 5, cpps[i], 0xaabbccdd);
		blit_ref(expected + 3 * SZ_4K + 1800 + 600 * i, 100, NULL, 0,
			 w - 1, 5, cpps[i], true, 0xaabbccdd);
	}
	run(b);

	for (i = 0; i < size; i++)
		igt_assert_f(mem[i] == expected[i],
			     "byte %#x: %#04x, expected %#04x\n", i, mem[i],
			     expected[i]);
	free(expected);
	munmap(mem, size);
	munmap(src, 2 * SZ_4K);
}

static uint64_t exec_raw(uint64_t batch_addr, uint32_t batch_size)
{
	struct drm_vsvm_exec exec = {
		.vm_id = dev.vm,
		.batch_addr = batch_addr,
		.batch_size = batch_size,
	};

	igt_assert_eq(__vsvm_exec(dev.fd, &exec), 0);
	return exec.seqno;
}

static void test_batch_unmapped(void)
{
	uint8_t *none = vsvm_map_isolated(SZ_4K, SZ_4K, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *two = vsvm_map_isolated_anon(2 * SZ_4K, SZ_4K);
	struct drm_vsvm_cmd_nop *nops = (void *)two;
	struct drm_vsvm_wait w;
	uint64_t hole;
	unsigned int i;

	hole = unmapped_hole();
	w = vsvm_wait_job_error(dev.fd, dev.vm, exec_raw(hole, 64));
	vsvm_assert_gpu_error(&w, EFAULT, hole, ACCESS_READ, 0);

	w = vsvm_wait_job_error(dev.fd, dev.vm,
				exec_raw(to_user_pointer(none), 64));
	vsvm_assert_gpu_error(&w, EACCES, to_user_pointer(none), ACCESS_READ,
			      0);

	w = vsvm_wait_job_error(dev.fd, dev.vm, exec_raw(KERNEL_ADDR, 64));
	vsvm_assert_gpu_error(&w, EFAULT, KERNEL_ADDR, ACCESS_READ, 0);

	w = vsvm_wait_job_error(dev.fd, dev.vm, exec_raw(0, 64));
	vsvm_assert_gpu_error(&w, EFAULT, 0, ACCESS_READ, 0);

	/* A batch that runs off the end of its mapping */
	for (i = 0; i < SZ_4K / sizeof(*nops); i++)
		nops[i].header = (struct drm_vsvm_cmd_header) {
			.opcode = DRM_VSVM_OP_NOP,
		};
	igt_assert_eq(munmap(two + SZ_4K, SZ_4K), 0);
	w = vsvm_wait_job_error(dev.fd, dev.vm,
				exec_raw(to_user_pointer(two), 2 * SZ_4K));
	vsvm_assert_gpu_error(&w, EFAULT, to_user_pointer(two + SZ_4K),
			      ACCESS_READ, VSVM_ANY_U32);

	/* and with the batch mapped, it runs */
	vsvm_wait_job(dev.fd, dev.vm, exec_raw(to_user_pointer(two), SZ_4K));
	munmap(two, SZ_4K);
	munmap(none, SZ_4K);
}

struct fence_case {
	uint64_t fence;
	uint32_t op;
	uint64_t value, mask;
	bool holds;
};

static void test_wait_user_fence(void)
{
	static const struct fence_case cases[] = {
		{ 5, DRM_VSVM_WAIT_EQ, 5, ~0ull, true },
		{ 5, DRM_VSVM_WAIT_EQ, 6, ~0ull, false },
		{ 5, DRM_VSVM_WAIT_NEQ, 6, ~0ull, true },
		{ 5, DRM_VSVM_WAIT_NEQ, 5, ~0ull, false },
		{ 5, DRM_VSVM_WAIT_GT, 4, ~0ull, true },
		{ 5, DRM_VSVM_WAIT_GT, 5, ~0ull, false },
		{ 5, DRM_VSVM_WAIT_GTE, 5, ~0ull, true },
		{ 5, DRM_VSVM_WAIT_GTE, 6, ~0ull, false },
		{ 5, DRM_VSVM_WAIT_LT, 6, ~0ull, true },
		{ 5, DRM_VSVM_WAIT_LT, 5, ~0ull, false },
		{ 5, DRM_VSVM_WAIT_LTE, 5, ~0ull, true },
		{ 5, DRM_VSVM_WAIT_LTE, 4, ~0ull, false },
		/* 64-bit unsigned comparisons */
		{ 1ull << 63, DRM_VSVM_WAIT_GT, 1, ~0ull, true },
		{ 1, DRM_VSVM_WAIT_LT, 1ull << 63, ~0ull, true },
		{ 0x100000000ull, DRM_VSVM_WAIT_GT, 0xffffffffull, ~0ull,
		  true },
		/* the mask applies to both sides */
		{ 0xabcd0005, DRM_VSVM_WAIT_EQ, 0x5, 0xff, true },
		{ 0xabcd0005, DRM_VSVM_WAIT_EQ, 0x12340005, 0xffff, true },
		{ 0xabcd0005, DRM_VSVM_WAIT_EQ, 0x12340005, 0xffffffff, false },
		{ 0x100000000ull, DRM_VSVM_WAIT_EQ, 0, 0xffffffff, true },
		{ 0xffff000000000001ull, DRM_VSVM_WAIT_GTE, 2, 0xff, false },
		{ 0xff00, DRM_VSVM_WAIT_LT, 0x00ff, 0xffff, false },
		{ 0x1234, DRM_VSVM_WAIT_EQ, 0x5678, 0, true },
	};
	uint8_t *page = vsvm_map_anon(SZ_4K);
	volatile uint64_t *fence = (uint64_t *)page;
	uint8_t *work = vsvm_map_anon(SZ_1M);
	struct drm_vsvm_wait w;
	struct vsvm_batch *b;
	int64_t deadline;
	uint64_t seqno;
	unsigned int i;
	int ret;

	/* A deadline in the past (just now, or long ago) only checks */
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		deadline = vsvm_now_ns() - 1000000;
		if (i & 1)
			deadline = 0;
		*fence = cases[i].fence;
		ret = __vsvm_wait_fence(dev.fd, dev.vm, addr_of(fence),
					cases[i].op, cases[i].value,
					cases[i].mask, deadline, &w);
		igt_debug("case %u: %d, status %u\n", i, ret, w.status);
		if (cases[i].holds) {
			igt_assert_eq(ret, 0);
			igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_DONE);
		} else {
			igt_assert_eq(ret, -ETIME);
			igt_assert_eq_u32(w.status,
					  DRM_VSVM_WAIT_STATUS_TIMEOUT);
		}
	}

	/* A wait that times out waits until its deadline */
	*fence = 1;
	deadline = vsvm_deadline_ns(300);
	ret = __vsvm_wait_fence(dev.fd, dev.vm, addr_of(fence),
				DRM_VSVM_WAIT_EQ, 2, ~0ull, deadline, &w);
	igt_assert_eq(ret, -ETIME);
	igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_TIMEOUT);
	igt_assert_cmpu64(vsvm_now_ns(), >=, <, deadline);

	/* The GPU signals it */
	*fence = 0;
	b = tool_batch();
	vsvm_batch_fill(b, to_user_pointer(work), SZ_1M, 0xfe2cef00);
	vsvm_batch_store64(b, addr_of(fence), 0x600d000000000007ull);
	seqno = vsvm_exec(dev.fd, dev.vm, 0, b);
	ret = __vsvm_wait_fence(dev.fd, dev.vm, addr_of(fence),
				DRM_VSVM_WAIT_GTE, 0x600d000000000000ull,
				~0ull, vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS),
				&w);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_DONE);
	igt_assert_eq_u64(*fence, 0x600d000000000007ull);
	/* all earlier commands of the job are complete */
	vsvm_assert_words(work, SZ_1M, 0xfe2cef00);
	vsvm_wait_job(dev.fd, dev.vm, seqno);

	/* masked, on another engine */
	b = tool_batch();
	vsvm_batch_store64(b, addr_of(fence), 0x1234567800000042ull);
	seqno = vsvm_exec(dev.fd, dev.vm, dev.engines - 1, b);
	ret = __vsvm_wait_fence(dev.fd, dev.vm, addr_of(fence),
				DRM_VSVM_WAIT_EQ, 0x42, 0xffff,
				vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS), &w);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_DONE);
	vsvm_wait_job(dev.fd, dev.vm, seqno);

	munmap(work, SZ_1M);
	munmap(page, SZ_4K);
}

static void test_wait_job_deadline(void)
{
	size_t size = 8 * SZ_1M;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	struct drm_vsvm_wait w;
	struct vsvm_batch *b = tool_batch();
	uint64_t seqno;
	int ret;

	vsvm_batch_fill(b, to_user_pointer(buf), size, 0xdead11e0);
	seqno = vsvm_exec(dev.fd, dev.vm, 0, b);

	/* Most likely still running: a past deadline only checks */
	ret = __vsvm_wait_job(dev.fd, dev.vm, seqno, vsvm_now_ns() - 1, &w);
	igt_info("at once: %d, status %u\n", ret, w.status);
	if (ret) {
		igt_assert_eq(ret, -ETIME);
		igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_TIMEOUT);
	} else {
		igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_DONE);
	}
	vsvm_wait_job(dev.fd, dev.vm, seqno);

	/* Once done, even a past deadline says so */
	ret = __vsvm_wait_job(dev.fd, dev.vm, seqno, 0, &w);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_DONE);
	vsvm_assert_words(buf, size, 0xdead11e0);
	munmap(buf, size);
}

static void assert_same_error(const struct drm_vsvm_wait *a,
			      const struct drm_vsvm_wait *b)
{
	igt_assert_eq_u32(a->status, b->status);
	igt_assert_eq_u32(a->error, b->error);
	igt_assert_eq_u64(a->fault_addr, b->fault_addr);
	igt_assert_eq_u32(a->fault_access, b->fault_access);
	igt_assert_eq_u32(a->error_offset, b->error_offset);
}

static void test_wait_job_error_repeatable(void)
{
	uint64_t buf_a[8], buf_b[8], buf_c[8];
	volatile uint64_t *results = (uint64_t *)tool.scratch;
	struct vsvm_batch a, b, c;
	struct drm_vsvm_wait first, w;
	uint64_t seq_a, seq_b, seq_c, hole;
	unsigned int i;

	hole = unmapped_hole();
	results[0] = 0;
	results[1] = 0;
	vsvm_batch_init(&a, buf_a, sizeof(buf_a));
	vsvm_batch_store64(&a, addr_of(&results[0]), 0xaaaa);
	vsvm_batch_init(&b, buf_b, sizeof(buf_b));
	vsvm_batch_nop(&b);
	vsvm_batch_store64(&b, hole, 0xbbbb);
	vsvm_batch_init(&c, buf_c, sizeof(buf_c));
	vsvm_batch_store64(&c, addr_of(&results[1]), 0xcccc);

	seq_a = vsvm_exec(dev.fd, dev.vm, 0, &a);
	seq_b = vsvm_exec(dev.fd, dev.vm, 0, &b);
	seq_c = vsvm_exec(dev.fd, dev.vm, 0, &c);

	first = vsvm_wait_job_error(dev.fd, dev.vm, seq_b);
	vsvm_assert_gpu_error(&first, EFAULT, hole, ACCESS_WRITE, 8);
	for (i = 0; i < 4; i++) {
		igt_assert_eq(__vsvm_wait_job(dev.fd, dev.vm, seq_b,
					      i & 1 ? 0 :
					      vsvm_deadline_ns(1000), &w), 0);
		assert_same_error(&first, &w);
	}

	/* The jobs around it completed */
	vsvm_wait_job(dev.fd, dev.vm, seq_c);
	vsvm_wait_job(dev.fd, dev.vm, seq_a);
	igt_assert_eq_u64(results[0], 0xaaaa);
	igt_assert_eq_u64(results[1], 0xcccc);

	/* and another process gets the same answers */
	igt_fork(child, 1) {
		struct drm_vsvm_wait cw;

		igt_assert_eq(__vsvm_wait_job(dev.fd, dev.vm, seq_b,
					      vsvm_deadline_ns(1000), &cw), 0);
		assert_same_error(&first, &cw);
		vsvm_wait_job(dev.fd, dev.vm, seq_a);
	}
	igt_waitchildren();
	igt_assert_eq(__vsvm_wait_job(dev.fd, dev.vm, seq_b, 0, &w), 0);
	assert_same_error(&first, &w);
}

/*
 * A VM keeps the records of its last 64 failed jobs (struct drm_vsvm_wait
 * in vsvm_drm.h); WAIT answers ENODATA for a job older than the oldest
 * record it still has.
 */
#define WAIT_FAILED_RECORDS	64
#define WAIT_FAILED_EXTRA	16
#define WAIT_BAD_OPCODE		0x7fu

/* One batch of @slots: (i % 4) NOPs, then a command of an unknown opcode */
static uint32_t emit_bad_job(struct vsvm_batch *b, void *slot, size_t size,
			     unsigned int i)
{
	struct drm_vsvm_cmd_header *cmd;
	unsigned int n;

	vsvm_batch_init(b, slot, size);
	for (n = 0; n < i % 4; n++)
		vsvm_batch_nop(b);
	cmd = vsvm_batch_emit(b, sizeof(*cmd));
	cmd->opcode = WAIT_BAD_OPCODE;
	return 8 * (i % 4);
}

static uint64_t submit_bad_job(uint32_t vm, uint8_t *slots, unsigned int i,
			       uint32_t *offset)
{
	struct vsvm_batch b;

	*offset = emit_bad_job(&b, slots + 64 * i, 64, i);
	return vsvm_exec(dev.fd, vm, 0, &b);
}

static uint64_t submit_store(uint32_t vm, uint8_t *slot, uint64_t *dst,
			     uint64_t value)
{
	struct vsvm_batch b;

	vsvm_batch_init(&b, slot, 64);
	vsvm_batch_store64(&b, addr_of(dst), value);
	return vsvm_exec(dev.fd, vm, 0, &b);
}

static void assert_no_record(uint32_t vm, uint64_t seqno)
{
	struct drm_vsvm_wait w;

	/* Whether it only checks or would sleep, the answer is at once. */
	igt_assert_f(__vsvm_wait_job(dev.fd, vm, seqno, 0, &w) == -ENODATA,
		     "job %llu: WAIT did not answer ENODATA (status %u, error %u)\n",
		     (unsigned long long)seqno, w.status, w.error);
	igt_assert_eq(__vsvm_wait_job(dev.fd, vm, seqno,
				      vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS),
				      &w), -ENODATA);
}

static void assert_bad_job_record(uint32_t vm, uint64_t seqno,
				  uint32_t offset)
{
	struct drm_vsvm_wait w;

	igt_assert_f(__vsvm_wait_job(dev.fd, vm, seqno, 0, &w) == 0,
		     "job %llu: its record is gone\n",
		     (unsigned long long)seqno);
	vsvm_assert_gpu_error(&w, EINVAL, 0, VSVM_ANY_U32, offset);
}

static void test_wait_failed_records_bounded(void)
{
	const unsigned int nbad = WAIT_FAILED_RECORDS + WAIT_FAILED_EXTRA;
	uint64_t seq[WAIT_FAILED_RECORDS + WAIT_FAILED_EXTRA + 1];
	uint32_t off[WAIT_FAILED_RECORDS + WAIT_FAILED_EXTRA + 1];
	uint64_t *results = (uint64_t *)tool.scratch;
	uint8_t *slots = vsvm_map_anon((nbad + 3) * 64);
	uint64_t first_ok, last_ok;
	struct drm_vsvm_wait w;
	uint32_t vm = vsvm_vm_create(dev.fd);
	unsigned int i;

	vsvm_vm_prefer_system(dev.fd, vm);
	results[0] = 0;
	results[1] = 0;

	/* A job that succeeds, then more failed jobs than the VM keeps */
	first_ok = submit_store(vm, slots + 64 * (nbad + 1), &results[0],
				0x5eed0001);
	for (i = 0; i < nbad; i++)
		seq[i] = submit_bad_job(vm, slots, i, &off[i]);
	last_ok = submit_store(vm, slots + 64 * (nbad + 2), &results[1],
			       0x5eed0002);
	/* One engine runs its jobs in order: all have ended after this one. */
	vsvm_wait_job(dev.fd, vm, last_ok);
	igt_assert_eq_u64(results[0], 0x5eed0001);
	igt_assert_eq_u64(results[1], 0x5eed0002);

	/* The oldest failures are forgotten, and so is the job before them */
	for (i = 0; i < WAIT_FAILED_EXTRA; i++)
		assert_no_record(vm, seq[i]);
	assert_no_record(vm, first_ok);

	/* The last 64 still answer with their own error */
	for (i = WAIT_FAILED_EXTRA; i < nbad; i++)
		assert_bad_job_record(vm, seq[i], off[i]);
	vsvm_wait_job(dev.fd, vm, last_ok);

	/* One more failure drops exactly the oldest record left */
	seq[nbad] = submit_bad_job(vm, slots, nbad, &off[nbad]);
	w = vsvm_wait_job_error(dev.fd, vm, seq[nbad]);
	vsvm_assert_gpu_error(&w, EINVAL, 0, VSVM_ANY_U32, off[nbad]);
	assert_no_record(vm, seq[WAIT_FAILED_EXTRA]);
	for (i = WAIT_FAILED_EXTRA + 1; i <= nbad; i++)
		assert_bad_job_record(vm, seq[i], off[i]);
	/* A job that succeeded after the oldest record kept is still known */
	vsvm_wait_job(dev.fd, vm, last_ok);

	vsvm_vm_destroy(dev.fd, vm);
	munmap(slots, (nbad + 3) * 64);
}

static void test_range_info(void)
{
	uint8_t info[PAGES(SZ_2M)];
	uint8_t *a = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *b = vsvm_map_isolated_anon(2 * SZ_64K, SZ_64K);
	uint8_t *guard = vsvm_map_isolated(SZ_64K, SZ_64K, PROT_NONE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *c = mmap(guard + SZ_4K, 3 * SZ_4K, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	uint8_t *d = vsvm_map_isolated_anon(SZ_64K, SZ_64K);
	unsigned int i;
	uint64_t hole;

	igt_assert(c == guard + SZ_4K);
	/* Mirror what the probing jobs use first */
	gpu_store64(tool.scratch, 0);

	/* Nothing is mirrored before the GPU touches it */
	assert_range_state(to_user_pointer(a), SZ_2M,
			   DRM_VSVM_PAGE_NOT_MIRRORED);

	/*
	 * A 2 MiB VMA, 2 MiB aligned: a read of one page mirrors all of it,
	 * read-only, as nothing was written (zero pages)
	 */
	gpu_touch(to_user_pointer(a + 5 * SZ_4K));
	assert_range_state(to_user_pointer(a), SZ_2M, DRM_VSVM_PAGE_SYSTEM_RO);
	/* a write asks for write access to the whole range */
	gpu_store64(a + 7 * SZ_4K, 1);
	assert_range_state(to_user_pointer(a), SZ_2M, DRM_VSVM_PAGE_SYSTEM_RW);

	/* A 128 KiB VMA: 64 KiB ranges */
	gpu_store64(b + SZ_64K + SZ_4K, 2);
	assert_range_state(to_user_pointer(b), SZ_64K,
			   DRM_VSVM_PAGE_NOT_MIRRORED);
	assert_range_state(to_user_pointer(b + SZ_64K), SZ_64K,
			   DRM_VSVM_PAGE_SYSTEM_RW);
	gpu_touch(to_user_pointer(b));
	assert_range_state(to_user_pointer(b), SZ_64K, DRM_VSVM_PAGE_SYSTEM_RO);
	assert_range_state(to_user_pointer(b + SZ_64K), SZ_64K,
			   DRM_VSVM_PAGE_SYSTEM_RW);

	/* A 12 KiB VMA: 4 KiB ranges, with 4 KiB PTEs */
	gpu_store64(c + SZ_4K, 3);
	range_info(to_user_pointer(c), 3 * SZ_4K, info);
	igt_assert_eq(info[0], 0);
	igt_assert_eq(entry_state(info[1]), DRM_VSVM_PAGE_SYSTEM_RW);
	igt_assert_eq(entry_pte(info[1]), DRM_VSVM_PTE_4K);
	igt_assert_eq(info[2], 0);

	/* Pages the CPU wrote, then the GPU read: mirrored either way */
	memset(d, 0xd1, SZ_64K);
	gpu_touch(to_user_pointer(d + 3 * SZ_4K));
	assert_range_mirrored(to_user_pointer(d), SZ_64K);

	/* Invalidations show: read-only after mprotect, gone after munmap */
	igt_assert_eq(mprotect(a, SZ_2M, PROT_READ), 0);
	assert_range_not_writable(to_user_pointer(a), SZ_2M);
	igt_assert_eq(munmap(b, 2 * SZ_64K), 0);
	assert_range_state(to_user_pointer(b), 2 * SZ_64K,
			   DRM_VSVM_PAGE_NOT_MIRRORED);

	/* The guards around c were never mirrored */
	assert_range_state(to_user_pointer(guard), SZ_4K,
			   DRM_VSVM_PAGE_NOT_MIRRORED);
	assert_range_state(to_user_pointer(guard + 4 * SZ_4K),
			   SZ_64K - 4 * SZ_4K, DRM_VSVM_PAGE_NOT_MIRRORED);

	/* It never faults anything in, and unmapped spans are fine */
	hole = unmapped_hole();
	for (i = 0; i < 2; i++)
		assert_range_state(hole, SZ_4K, DRM_VSVM_PAGE_NOT_MIRRORED);

	munmap(a, SZ_2M);
	munmap(d, SZ_64K);
}

/*
 * The GPU reaches system memory through DMA mappings that the driver makes
 * when it mirrors pages and undoes when they are invalidated: count them in
 * a VM of its own, whose only other pages are the tool's.
 */
static void test_dma_mapping(void)
{
	uint32_t vm = vsvm_vm_create(dev.fd);
	uint8_t *src = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	uint8_t *dst = vsvm_map_isolated_anon(SZ_2M, SZ_2M);
	long before, copied;

	vsvm_vm_prefer_system(dev.fd, vm);
	igt_assert_eq(vsvm_vm_dma_pages(0, vm), 0);
	/* Mirror the batch and the scratch page first. */
	vsvm_run_copy(dev.fd, vm, &tool.batch, to_user_pointer(tool.scratch),
		      addr_of(tool.marker), 8);
	before = vsvm_vm_dma_pages(0, vm);
	igt_assert_f(before > 0, "a job ran with no page mapped for DMA\n");

	vsvm_pattern_fill(src, SZ_2M, 0xd3a0001);
	memset(dst, 0, SZ_2M);
	vsvm_run_copy(dev.fd, vm, &tool.batch, to_user_pointer(dst),
		      to_user_pointer(src), SZ_2M);
	vsvm_assert_pattern(dst, SZ_2M, 0xd3a0001);
	copied = vsvm_vm_dma_pages(0, vm);
	igt_assert_eq(copied - before, 2 * PAGES(SZ_2M));

	/*
	 * MADV_DONTNEED invalidates the source's pages but leaves its VMA
	 * and its range: the invalidation itself unmaps them, not the
	 * garbage collector.  A GPU read maps the zero pages there again.
	 */
	igt_assert_eq(madvise(src, SZ_2M, MADV_DONTNEED), 0);
	igt_assert_eq(copied - vsvm_vm_dma_pages(0, vm), PAGES(SZ_2M));
	vsvm_run_copy(dev.fd, vm, &tool.batch, to_user_pointer(dst),
		      to_user_pointer(src), SZ_2M);
	vsvm_assert_words(dst, SZ_2M, 0);
	igt_assert_eq(vsvm_vm_dma_pages(0, vm), copied);

	munmap(src, SZ_2M);
	munmap(dst, SZ_2M);
	igt_assert_eq(vsvm_vm_dma_pages(0, vm), before);

	vsvm_vm_destroy(dev.fd, vm);
}

static void test_vm_destroy_running(void)
{
	size_t size = 8 * SZ_1M;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	volatile uint64_t *flags = vsvm_map_anon(SZ_4K);
	uint64_t batch1[16], batch2[8];
	struct drm_vsvm_vm_destroy destroy = {};
	struct drm_vsvm_range_info ri = {};
	struct drm_vsvm_exec exec = {};
	struct vsvm_batch b1, b2;
	struct drm_vsvm_wait w;
	uint64_t s1, s2, flag;
	size_t filled, i;
	int64_t deadline;
	uint32_t vm;

	vm = vsvm_vm_create(dev.fd);
	vsvm_vm_prefer_system(dev.fd, vm);
	vsvm_batch_init(&b1, batch1, sizeof(batch1));
	vsvm_batch_store64(&b1, addr_of(&flags[0]), 1);
	vsvm_batch_fill(&b1, to_user_pointer(buf), size, 0xdead0001);
	vsvm_batch_store64(&b1, addr_of(&flags[0]), 2);
	vsvm_batch_init(&b2, batch2, sizeof(batch2));
	vsvm_batch_store64(&b2, addr_of(&flags[1]), 1);

	s1 = vsvm_exec(dev.fd, vm, 0, &b1);
	s2 = vsvm_exec(dev.fd, vm, 0, &b2);
	deadline = vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS);
	while (!flags[0] && vsvm_now_ns() < deadline)
		sched_yield();

	vsvm_vm_destroy(dev.fd, vm);
	flag = flags[0];
	for (filled = 0, i = 0; i < size / 4; i++)
		filled += ((uint32_t *)buf)[i] == 0xdead0001;
	igt_info("destroyed with the first job at %llu, %zu of %zu words filled, second job %s\n",
		 (unsigned long long)flag, filled, size / 4,
		 flags[1] ? "ran" : "did not run");

	/* The VM and its jobs are gone */
	igt_assert_eq(__vsvm_wait_job(dev.fd, vm, s1, vsvm_deadline_ns(1000),
				      &w), -ENOENT);
	igt_assert_eq(__vsvm_wait_job(dev.fd, vm, s2, vsvm_deadline_ns(1000),
				      &w), -ENOENT);
	exec = (struct drm_vsvm_exec) {
		.vm_id = vm,
		.batch_addr = to_user_pointer(batch2),
		.batch_size = b2.size,
	};
	igt_assert_eq(__vsvm_exec(dev.fd, &exec), -ENOENT);
	ri = (struct drm_vsvm_range_info) {
		.vm_id = vm, .start = to_user_pointer(buf), .size = SZ_4K,
		.data = to_user_pointer(tool.scratch),
	};
	igt_assert_eq(__vsvm_range_info(dev.fd, &ri), -ENOENT);
	destroy.vm_id = vm;
	igt_assert_eq(__vsvm_vm_destroy(dev.fd, &destroy), -ENOENT);

	/* The engine serves others at once */
	gpu_store64(tool.scratch, 0xa11ce);
	igt_assert_eq_u64(*(uint64_t *)tool.scratch, 0xa11ce);

	/* and the destroyed VM's job no longer writes anything */
	igt_assert_eq_u64(flags[0], flag);
	for (i = 0; i < size / 4; i++)
		filled -= ((uint32_t *)buf)[i] == 0xdead0001;
	igt_assert_eq_u64(filled, 0);

	munmap(buf, size);
	munmap((void *)flags, SZ_4K);
}

/* An id no VM of this file has. */
#define BOGUS_VM	0xfffffff0u

/* A VM id that was valid once, and one of another file. */
static void stale_vm_ids(uint32_t *destroyed, uint32_t *foreign, int *fd2)
{
	*destroyed = vsvm_vm_create(dev.fd);
	vsvm_vm_destroy(dev.fd, *destroyed);
	*fd2 = vsvm_igt_open(0);
	/* ids are per file: make sure the other file's id is not ours */
	do {
		*foreign = vsvm_vm_create(*fd2);
	} while (*foreign == dev.vm || *foreign == *destroyed);
}

static void test_reject_vm_create_flags(void)
{
	struct drm_vsvm_vm_create create;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		create = (struct drm_vsvm_vm_create) { .flags = 1u << bit };
		igt_assert_eq(__vsvm_vm_create(dev.fd, &create), -EINVAL);
	}
}

static void test_reject_vm_destroy_pad(void)
{
	uint32_t vm = vsvm_vm_create(dev.fd);
	struct drm_vsvm_vm_destroy destroy = { .vm_id = vm, .pad = 1 };
	struct vsvm_batch *b;

	igt_assert_eq(__vsvm_vm_destroy(dev.fd, &destroy), -EINVAL);
	destroy.pad = 0x80000000u;
	igt_assert_eq(__vsvm_vm_destroy(dev.fd, &destroy), -EINVAL);

	/* the VM is still there */
	vsvm_vm_prefer_system(dev.fd, vm);
	b = tool_batch();
	vsvm_batch_store64(b, to_user_pointer(tool.scratch), 0xd0d0);
	vsvm_run(dev.fd, vm, 0, b);
	igt_assert_eq_u64(*(uint64_t *)tool.scratch, 0xd0d0);
	vsvm_vm_destroy(dev.fd, vm);
}

static void test_reject_vm_destroy_unknown(void)
{
	const uint32_t ids[] = { 0, BOGUS_VM, 0xffffffffu };
	struct drm_vsvm_vm_destroy destroy = {};
	uint32_t destroyed, foreign;
	unsigned int i;
	int fd2;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		destroy.vm_id = ids[i];
		igt_assert_eq(__vsvm_vm_destroy(dev.fd, &destroy), -ENOENT);
	}
	stale_vm_ids(&destroyed, &foreign, &fd2);
	destroy.vm_id = destroyed;
	igt_assert_eq(__vsvm_vm_destroy(dev.fd, &destroy), -ENOENT);
	destroy.vm_id = foreign;
	igt_assert_eq(__vsvm_vm_destroy(dev.fd, &destroy), -ENOENT);
	vsvm_vm_destroy(fd2, foreign);
	close(fd2);
}

/* A valid EXEC of a one-NOP batch. */
static struct drm_vsvm_exec nop_exec(void)
{
	struct vsvm_batch *b = tool_batch();

	vsvm_batch_nop(b);
	return (struct drm_vsvm_exec) {
		.vm_id = dev.vm,
		.batch_addr = to_user_pointer(b->buf),
		.batch_size = b->size,
	};
}

static int exec_errno(struct drm_vsvm_exec exec)
{
	return __vsvm_exec(dev.fd, &exec);
}

/*
 * The unchanged argument is accepted, so that only the field a test changes
 * makes the difference.  Returns the job's seqno.
 */
static uint64_t assert_exec_ok(struct drm_vsvm_exec exec)
{
	igt_assert_eq(__vsvm_exec(dev.fd, &exec), 0);
	vsvm_wait_job(dev.fd, exec.vm_id, exec.seqno);
	return exec.seqno;
}

static void test_reject_exec_flags(void)
{
	struct drm_vsvm_exec exec = nop_exec();
	unsigned int bit;

	assert_exec_ok(exec);
	for (bit = 0; bit < 32; bit++) {
		exec.flags = 1u << bit;
		igt_assert_eq(exec_errno(exec), -EINVAL);
	}
}

static void test_reject_exec_size_zero(void)
{
	struct drm_vsvm_exec exec = nop_exec();

	assert_exec_ok(exec);
	exec.batch_size = 0;
	igt_assert_eq(exec_errno(exec), -EINVAL);
}

static void test_reject_exec_size_unaligned(void)
{
	static const uint32_t sizes[] = { 1, 4, 9, 12, 4097 };
	struct drm_vsvm_exec exec = nop_exec();
	unsigned int i;

	assert_exec_ok(exec);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		exec.batch_size = sizes[i];
		igt_assert_eq(exec_errno(exec), -EINVAL);
	}
}

static void test_reject_exec_size_too_big(void)
{
	static const uint32_t sizes[] = {
		DRM_VSVM_BATCH_MAX_SIZE + 8, 2 * DRM_VSVM_BATCH_MAX_SIZE,
		0x80000000u, 0xfffffff8u,
	};
	struct drm_vsvm_cmd_nop *nops = vsvm_map_anon(DRM_VSVM_BATCH_MAX_SIZE);
	struct drm_vsvm_exec exec = {
		.vm_id = dev.vm,
		.batch_addr = to_user_pointer(nops),
	};
	unsigned int i;

	for (i = 0; i < DRM_VSVM_BATCH_MAX_SIZE / sizeof(*nops); i++)
		nops[i].header.opcode = DRM_VSVM_OP_NOP;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		exec.batch_size = sizes[i];
		igt_assert_eq(exec_errno(exec), -EINVAL);
	}
	/* the largest batch is fine */
	exec.batch_size = DRM_VSVM_BATCH_MAX_SIZE;
	assert_exec_ok(exec);
	munmap(nops, DRM_VSVM_BATCH_MAX_SIZE);
}

static void test_reject_exec_addr_unaligned(void)
{
	struct drm_vsvm_exec exec = nop_exec(), bad;
	unsigned int i;

	/* a batch of two NOPs, so that a shifted one lies in mapped memory */
	vsvm_batch_nop(&tool.batch);
	exec.batch_size = tool.batch.size;
	assert_exec_ok(exec);
	for (i = 1; i < 8; i++) {
		bad = exec;
		bad.batch_addr += i;
		bad.batch_size = 8;
		igt_assert_eq(exec_errno(bad), -EINVAL);
	}
}

static void test_reject_exec_wrap(void)
{
	struct drm_vsvm_exec exec = nop_exec();

	assert_exec_ok(exec);
	exec.batch_addr = 0xfffffffffffffff8ull;
	exec.batch_size = 16;
	igt_assert_eq(exec_errno(exec), -EINVAL);
	exec.batch_addr = 0xffffffffffff0000ull;
	exec.batch_size = DRM_VSVM_BATCH_MAX_SIZE;
	igt_assert_eq(exec_errno(exec), -EINVAL);
}

static void test_reject_exec_unknown_vm(void)
{
	const uint32_t ids[] = { 0, BOGUS_VM, 0xffffffffu };
	struct drm_vsvm_exec exec = nop_exec();
	uint32_t destroyed, foreign;
	unsigned int i;
	int fd2;

	assert_exec_ok(exec);
	stale_vm_ids(&destroyed, &foreign, &fd2);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		exec.vm_id = ids[i];
		igt_assert_eq(exec_errno(exec), -ENOENT);
	}
	exec.vm_id = destroyed;
	igt_assert_eq(exec_errno(exec), -ENOENT);
	exec.vm_id = foreign;
	igt_assert_eq(exec_errno(exec), -ENOENT);
	vsvm_vm_destroy(fd2, foreign);
	close(fd2);
}

static void test_reject_exec_unknown_engine(void)
{
	struct drm_vsvm_exec exec = nop_exec();
	const uint32_t engines[] = {
		dev.engines, dev.engines + 1, 64, 0x80000000u, 0xffffffffu,
	};
	unsigned int i;

	for (i = 0; i < dev.engines; i++) {
		exec.engine = i;
		assert_exec_ok(exec);
	}
	for (i = 0; i < ARRAY_SIZE(engines); i++) {
		exec.engine = engines[i];
		igt_assert_eq(exec_errno(exec), -ENOENT);
	}
}

/* A completed job, for job waits. */
static uint64_t done_seqno(void)
{
	return assert_exec_ok(nop_exec());
}

static struct drm_vsvm_wait job_wait(uint64_t seqno)
{
	return (struct drm_vsvm_wait) {
		.vm_id = dev.vm,
		.seqno = seqno,
		.timeout_ns = vsvm_deadline_ns(1000),
	};
}

/* A user-fence wait that holds at once. */
static struct drm_vsvm_wait fence_wait(void)
{
	volatile uint64_t *fence = (uint64_t *)tool.scratch;

	*fence = 0xfe2ce;
	return (struct drm_vsvm_wait) {
		.vm_id = dev.vm,
		.flags = DRM_VSVM_WAIT_USER_FENCE,
		.addr = addr_of(fence),
		.value = 0xfe2ce,
		.mask = ~0ull,
		.op = DRM_VSVM_WAIT_EQ,
		.timeout_ns = vsvm_deadline_ns(1000),
	};
}

static int wait_errno(struct drm_vsvm_wait wait)
{
	return __vsvm_wait(dev.fd, &wait);
}

static void test_reject_wait_flags(void)
{
	struct drm_vsvm_wait job = job_wait(done_seqno()), fence = fence_wait();
	unsigned int bit;

	igt_assert_eq(wait_errno(job), 0);
	igt_assert_eq(wait_errno(fence), 0);
	for (bit = 1; bit < 32; bit++) {
		job.flags = 1u << bit;
		igt_assert_eq(wait_errno(job), -EINVAL);
		fence.flags = DRM_VSVM_WAIT_USER_FENCE | 1u << bit;
		igt_assert_eq(wait_errno(fence), -EINVAL);
	}
}

static void test_reject_wait_pad(void)
{
	struct drm_vsvm_wait job = job_wait(done_seqno()), fence = fence_wait();

	job.pad = 1;
	igt_assert_eq(wait_errno(job), -EINVAL);
	fence.pad = 0x80000000u;
	igt_assert_eq(wait_errno(fence), -EINVAL);
}

static void test_reject_wait_seqno_zero(void)
{
	struct drm_vsvm_wait job = job_wait(0);

	done_seqno();
	igt_assert_eq(wait_errno(job), -EINVAL);
}

static void test_reject_wait_seqno_future(void)
{
	uint32_t vm = vsvm_vm_create(dev.fd);
	struct drm_vsvm_exec exec = nop_exec();
	struct drm_vsvm_wait job = job_wait(1);
	uint64_t seqno;

	/* a new VM has returned no seqno yet */
	job.vm_id = vm;
	igt_assert_eq(wait_errno(job), -EINVAL);

	exec.vm_id = vm;
	seqno = assert_exec_ok(exec);
	job.seqno = seqno;
	igt_assert_eq(wait_errno(job), 0);
	job.seqno = seqno + 1;
	igt_assert_eq(wait_errno(job), -EINVAL);
	job.seqno = seqno + 1000;
	igt_assert_eq(wait_errno(job), -EINVAL);
	job.seqno = ~0ull;
	igt_assert_eq(wait_errno(job), -EINVAL);
	vsvm_vm_destroy(dev.fd, vm);
}

static void test_reject_wait_op(void)
{
	static const uint32_t ops[] = {
		DRM_VSVM_WAIT_LTE + 1, 0x100, 0x80000000u, 0xffffffffu,
	};
	struct drm_vsvm_wait fence = fence_wait();
	unsigned int i;

	igt_assert_eq(wait_errno(fence), 0);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		fence.op = ops[i];
		igt_assert_eq(wait_errno(fence), -EINVAL);
	}
}

static void test_reject_wait_addr_unaligned(void)
{
	struct drm_vsvm_wait fence = fence_wait(), bad;
	unsigned int i;

	igt_assert_eq(wait_errno(fence), 0);
	for (i = 1; i < 8; i++) {
		bad = fence;
		bad.addr += i;
		igt_assert_eq(wait_errno(bad), -EINVAL);
	}
}

static void test_reject_wait_fence_fields_in_job_wait(void)
{
	struct drm_vsvm_wait job = job_wait(done_seqno()), bad;

	igt_assert_eq(wait_errno(job), 0);
	bad = job;
	bad.addr = to_user_pointer(tool.scratch);
	igt_assert_eq(wait_errno(bad), -EINVAL);
	bad = job;
	bad.value = 1;
	igt_assert_eq(wait_errno(bad), -EINVAL);
	bad = job;
	bad.mask = ~0ull;
	igt_assert_eq(wait_errno(bad), -EINVAL);
	bad = job;
	bad.op = DRM_VSVM_WAIT_NEQ;
	igt_assert_eq(wait_errno(bad), -EINVAL);
}

static void test_reject_wait_seqno_in_fence_wait(void)
{
	struct drm_vsvm_wait fence = fence_wait();

	fence.seqno = done_seqno();
	igt_assert_eq(wait_errno(fence), -EINVAL);
	fence.seqno = 1;
	igt_assert_eq(wait_errno(fence), -EINVAL);
}

static void test_reject_wait_unknown_vm(void)
{
	const uint32_t ids[] = { 0, BOGUS_VM, 0xffffffffu };
	struct drm_vsvm_wait job = job_wait(done_seqno()), fence = fence_wait();
	uint32_t destroyed, foreign;
	unsigned int i;
	int fd2;

	stale_vm_ids(&destroyed, &foreign, &fd2);
	for (i = 0; i < ARRAY_SIZE(ids) + 2; i++) {
		uint32_t id = i < ARRAY_SIZE(ids) ? ids[i] :
			      i == ARRAY_SIZE(ids) ? destroyed : foreign;

		job.vm_id = id;
		igt_assert_eq(wait_errno(job), -ENOENT);
		fence.vm_id = id;
		igt_assert_eq(wait_errno(fence), -ENOENT);
	}
	vsvm_vm_destroy(fd2, foreign);
	close(fd2);
}

static void test_reject_wait_fault(void)
{
	uint8_t *none = vsvm_map_isolated(SZ_4K, SZ_4K, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct drm_vsvm_wait fence = fence_wait();
	const uint64_t addrs[] = {
		0, to_user_pointer(none), KERNEL_ADDR, unmapped_hole(),
	};
	unsigned int i;

	igt_assert_eq(wait_errno(fence), 0);
	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		fence.addr = addrs[i];
		igt_assert_eq(wait_errno(fence), -EFAULT);
	}
	munmap(none, SZ_4K);
}

static uint8_t range_info_data[16];

static struct drm_vsvm_range_info range_info_args(void)
{
	return (struct drm_vsvm_range_info) {
		.vm_id = dev.vm,
		.start = to_user_pointer(tool.scratch),
		.size = sizeof(range_info_data) * SZ_4K,
		.data = to_user_pointer(range_info_data),
	};
}

static int range_info_errno(struct drm_vsvm_range_info info)
{
	return __vsvm_range_info(dev.fd, &info);
}

static void test_reject_range_info_flags(void)
{
	struct drm_vsvm_range_info info = range_info_args();
	uint32_t known = vsvm_has_vram(dev.fd) ?
			 DRM_VSVM_RANGE_INFO_RESIDENCY : 0;
	unsigned int bit;

	igt_assert_eq(range_info_errno(info), 0);
	for (bit = 0; bit < 32; bit++) {
		if (known & 1u << bit)
			continue;
		info.flags = 1u << bit;
		igt_assert_eq(range_info_errno(info), -EINVAL);
	}
}

static void test_reject_range_info_unaligned(void)
{
	static const uint64_t deltas[] = { 1, 8, 2048, SZ_4K - 1 };
	struct drm_vsvm_range_info info = range_info_args(), bad;
	unsigned int i;

	igt_assert_eq(range_info_errno(info), 0);
	for (i = 0; i < ARRAY_SIZE(deltas); i++) {
		bad = info;
		bad.start += deltas[i];
		igt_assert_eq(range_info_errno(bad), -EINVAL);
		bad = info;
		bad.size -= deltas[i];
		igt_assert_eq(range_info_errno(bad), -EINVAL);
	}
}

static void test_reject_range_info_size_zero(void)
{
	struct drm_vsvm_range_info info = range_info_args();

	info.size = 0;
	igt_assert_eq(range_info_errno(info), -EINVAL);
}

static void test_reject_range_info_too_big(void)
{
	static const uint64_t sizes[] = {
		DRM_VSVM_RANGE_INFO_MAX_SIZE + SZ_4K,
		2 * DRM_VSVM_RANGE_INFO_MAX_SIZE, 1ull << 47,
	};
	size_t entries = DRM_VSVM_RANGE_INFO_MAX_SIZE / SZ_4K;
	uint8_t *data = vsvm_map_anon(entries);
	struct drm_vsvm_range_info info = {
		.vm_id = dev.vm,
		/* far from anything this process maps */
		.start = 0x100000000000ull,
		.data = to_user_pointer(data),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		info.size = sizes[i];
		igt_assert_eq(range_info_errno(info), -EINVAL);
	}
	/* the largest span is fine */
	memset(data, 0xa5, entries);
	info.size = DRM_VSVM_RANGE_INFO_MAX_SIZE;
	igt_assert_eq(range_info_errno(info), 0);
	vsvm_assert_bytes(data, entries, 0);
	munmap(data, entries);
}

static void test_reject_range_info_wrap(void)
{
	struct drm_vsvm_range_info info = range_info_args();

	info.start = 0xfffffffffffff000ull;
	info.size = 2 * SZ_4K;
	igt_assert_eq(range_info_errno(info), -EINVAL);
	info.start = 0xffffffff80000000ull;
	info.size = 1ull << 32;
	igt_assert_eq(range_info_errno(info), -EINVAL);
}

static void test_reject_range_info_unknown_vm(void)
{
	const uint32_t ids[] = { 0, BOGUS_VM, 0xffffffffu };
	struct drm_vsvm_range_info info = range_info_args();
	uint32_t destroyed, foreign;
	unsigned int i;
	int fd2;

	stale_vm_ids(&destroyed, &foreign, &fd2);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		info.vm_id = ids[i];
		igt_assert_eq(range_info_errno(info), -ENOENT);
	}
	info.vm_id = destroyed;
	igt_assert_eq(range_info_errno(info), -ENOENT);
	info.vm_id = foreign;
	igt_assert_eq(range_info_errno(info), -ENOENT);
	vsvm_vm_destroy(fd2, foreign);
	close(fd2);
}

static void test_reject_range_info_fault(void)
{
	uint8_t *ro = mmap(NULL, SZ_4K, PROT_READ,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct drm_vsvm_range_info info = range_info_args();
	const uint64_t addrs[] = {
		0, to_user_pointer(ro), KERNEL_ADDR, unmapped_hole(),
	};
	unsigned int i;

	igt_assert(ro != MAP_FAILED);
	igt_assert_eq(range_info_errno(info), 0);
	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		info.data = addrs[i];
		igt_assert_eq(range_info_errno(info), -EFAULT);
	}
	munmap(ro, SZ_4K);
}

/* The value of "key:<tab>N ns" in this process's fdinfo of the device */
static uint64_t fdinfo_engine_ns(unsigned int engine)
{
	char path[64], key[64], line[256];
	unsigned long long ns = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", dev.fd);
	snprintf(key, sizeof(key), "drm-engine-engine%u:", engine);
	f = fopen(path, "r");
	igt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			igt_assert_eq(sscanf(line + strlen(key), " %llu ns", &ns),
				      1);
			found = true;
		}
	}
	fclose(f);
	igt_assert_f(found, "no %s in %s\n", key, path);
	return ns;
}

static void test_fdinfo(void)
{
	size_t size = 64 * SZ_4K;
	uint8_t *a = vsvm_map_anon(size);
	uint64_t before = fdinfo_engine_ns(0);

	gpu_fill(a, size, 0xf0f0f0f0);
	vsvm_assert_words(a, size, 0xf0f0f0f0);
	igt_assert_f(fdinfo_engine_ns(0) > before,
		     "engine time did not grow: %llu\n",
		     (unsigned long long)before);
	munmap(a, size);
}

static void test_tracepoints(void)
{
	size_t size = 16 * SZ_4K;
	uint8_t *a = vsvm_map_anon(size);
	char needle[64], *trace;

	static const char *const events[] = {
		"vsvm_fault", "vsvm_bind", "vsvm_invalidate",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(events); i++)
		igt_require_f(vsvm_trace_has_event(events[i]),
			      "no %s trace event\n", events[i]);
	vsvm_trace_clear();
	for (i = 0; i < ARRAY_SIZE(events); i++)
		vsvm_trace_enable(events[i], true);
	gpu_fill(a, size, 0x7ace7ace);
	munmap(a, size);
	for (i = 0; i < ARRAY_SIZE(events); i++)
		vsvm_trace_enable(events[i], false);
	trace = vsvm_trace_read();

	snprintf(needle, sizeof(needle), "addr=0x%llx access=0x%x ret=0",
		 (unsigned long long)to_user_pointer(a), ACCESS_WRITE);
	igt_assert_f(strstr(trace, "vsvm_fault:") && strstr(trace, needle),
		     "no vsvm_fault event with %s\n", needle);
	igt_assert_f(strstr(trace, "vsvm_bind:"), "no vsvm_bind event\n");
	igt_assert_f(strstr(trace, "vsvm_invalidate:"),
		     "no vsvm_invalidate event\n");
	free(trace);
}

igt_main
{
	igt_fixture {
		dev.fd = vsvm_igt_open(0);
		dev.engines = vsvm_require_svm(dev.fd);
		dev.vm = vsvm_vm_create(dev.fd);
		/* These tests are about the mirror of system memory */
		vsvm_vm_prefer_system(dev.fd, dev.vm);
		tool_init();
	}

	igt_describe("Small heap blocks of every size and alignment, and many small objects.");
	igt_subtest("malloc-small")
		test_malloc_small();

	igt_describe("A 64 MiB heap block, mirrored in 2 MiB ranges.");
	igt_subtest("malloc-large")
		test_malloc_large();

	igt_describe("The stack, with the batch on the stack too.");
	igt_subtest("stack")
		test_stack();

	igt_describe("Initialised data (file-backed, copy-on-write), read-only data and bss.");
	igt_subtest("global")
		test_global();

	igt_describe("Private anonymous mmap(), untouched and written.");
	igt_subtest("mmap-private-anon")
		test_mmap_private_anon();

	igt_describe("Shared anonymous mmap(), also seen by a child process.");
	igt_subtest("mmap-shared-anon")
		test_mmap_shared_anon();

	igt_describe("A memfd mapped twice: the GPU, both mappings and the file agree.");
	igt_subtest("memfd")
		test_memfd();

	igt_describe("A GPU access to the page of a 4 KiB memfd mapped 2 MiB works; the pages past its end fail.");
	igt_subtest("fault-beside-unfaultable-memfd")
		test_fault_beside_unfaultable_memfd();

	igt_describe("A GPU access to a page beside pages only a userfaultfd handler can fill works and faults in nothing else.");
	igt_subtest("fault-beside-unfaultable-uffd")
		test_fault_beside_unfaultable_uffd();

	igt_describe("A shared file mapping: the GPU reads the file and its writes reach it.");
	igt_subtest("file-shared")
		test_file_shared();

	igt_describe("A transparent huge page is mirrored by one 2 MiB PTE after one fault.");
	igt_subtest("thp")
		test_thp();

	igt_describe("A hugetlbfs page.");
	igt_subtest("hugetlbfs")
		test_hugetlbfs();

	igt_describe("A read-only mapping is read, never written: EACCES, memory unchanged.");
	igt_subtest("readonly")
		test_readonly();

	igt_describe("PROT_NONE memory is neither read nor written, until mprotect() allows it.");
	igt_subtest("prot-none")
		test_prot_none();

	igt_describe("mprotect() to read-only stops GPU writes at once; read-write again restores them.");
	igt_subtest("mprotect-downgrade")
		test_mprotect_downgrade();

	igt_describe("After munmap() and a new mapping at the same address, the GPU sees only the new memory.");
	igt_subtest("munmap-reuse")
		test_munmap_reuse();

	igt_describe("munmap() of memory a running job is writing: the job completes or faults there.");
	igt_subtest("munmap-concurrent")
		test_munmap_concurrent();

	igt_describe("munmap() of a page in a 2 MiB range: the rest stays usable, the hole faults.");
	igt_subtest("partial-munmap")
		test_partial_munmap();

	igt_describe("mremap() moves the memory: the old address faults, the new one has the data.");
	igt_subtest("mremap")
		test_mremap();

	igt_describe("MADV_DONTNEED: private pages read as zeros afterwards, shared ones keep their data.");
	igt_subtest("madv-dontneed")
		test_madv_dontneed();

	igt_describe("After fork(), parent's GPU and child's CPU see their own copies; GPU reads keep pages shared.");
	igt_subtest("fork-cow")
		test_fork_cow();

	igt_describe("A child cannot use its parent's VM (EPERM) but can wait for its jobs and use a VM of its own.");
	igt_subtest("fork-child-eperm")
		test_fork_child_eperm();

	igt_describe("Threads submitting jobs to one VM on every engine.");
	igt_subtest("threads")
		test_threads();

	igt_describe("Processes using the device at the same time, each with its own file and VM.");
	igt_subtest("multi-process")
		test_multi_process();

	igt_describe("Processes killed with jobs queued: the device goes on and nothing stays behind.");
	igt_subtest("killed-with-jobs")
		test_killed_with_jobs();

	igt_describe("GPU atomics against CPU atomics on the same words, and every operation's result.");
	igt_subtest("atomics")
		test_atomics();

	igt_describe("NULL, kernel, non-canonical, unmapped and PFN-mapped addresses fault with EFAULT.");
	igt_subtest("invalid-address")
		test_invalid_address();

	igt_describe("An unknown opcode ends the job with EINVAL; the engine goes on.");
	igt_subtest("invalid-opcode")
		test_invalid_opcode();

	igt_describe("Every malformed command ends the job with EINVAL before it writes anything.");
	igt_subtest("malformed-commands")
		test_malformed_commands();

	igt_describe("Every command does exactly what it says, byte for byte.");
	igt_subtest("commands")
		test_commands();

	igt_describe("A batch that is unmapped, unreadable or runs off its mapping faults on its fetch.");
	igt_subtest("batch-unmapped")
		test_batch_unmapped();

	igt_describe("User-fence waits: every comparison and mask, timeouts, GPU signalling.");
	igt_subtest("wait-user-fence")
		test_wait_user_fence();

	igt_describe("A job wait with a deadline in the past only checks.");
	igt_subtest("wait-job-deadline")
		test_wait_job_deadline();

	igt_describe("A failed job's error can be asked for repeatedly, from any process.");
	igt_subtest("wait-job-error-repeatable")
		test_wait_job_error_repeatable();

	igt_describe("A VM keeps the records of its last 64 failed jobs: WAIT answers ENODATA for older ones, the kept ones with their own error.");
	igt_subtest("wait-failed-records-bounded")
		test_wait_failed_records_bounded();

	igt_describe("RANGE_INFO shows what is mirrored, how, and in which range sizes.");
	igt_subtest("range-info")
		test_range_info();

	igt_describe("fdinfo reports the time the file's jobs ran on each engine.");
	igt_subtest("fdinfo")
		test_fdinfo();

	igt_describe("The fault, bind and invalidate tracepoints fire.");
	igt_subtest("tracepoints")
		test_tracepoints();

	igt_describe("System pages the GPU mirrors are mapped for the device's"
		     " DMA, two 2 MiB buffers 1024 pages exactly, and unmapped"
		     " by the invalidation of MADV_DONTNEED or munmap().");
	igt_subtest("dma-mapping")
		test_dma_mapping();

	igt_describe("Destroying a VM with a job running cancels it; the engine goes on.");
	igt_subtest("vm-destroy-running")
		test_vm_destroy_running();

	igt_describe("VM_CREATE rejects every flag.");
	igt_subtest("reject-vm-create-flags")
		test_reject_vm_create_flags();

	igt_describe("VM_DESTROY rejects a non-zero pad.");
	igt_subtest("reject-vm-destroy-pad")
		test_reject_vm_destroy_pad();

	igt_describe("VM_DESTROY of an unknown VM fails with ENOENT.");
	igt_subtest("reject-vm-destroy-unknown")
		test_reject_vm_destroy_unknown();

	igt_describe("EXEC rejects every flag.");
	igt_subtest("reject-exec-flags")
		test_reject_exec_flags();

	igt_describe("EXEC rejects an empty batch.");
	igt_subtest("reject-exec-size-zero")
		test_reject_exec_size_zero();

	igt_describe("EXEC rejects a batch size that is not a multiple of 8.");
	igt_subtest("reject-exec-size-unaligned")
		test_reject_exec_size_unaligned();

	igt_describe("EXEC rejects a batch above DRM_VSVM_BATCH_MAX_SIZE, and takes one of that size.");
	igt_subtest("reject-exec-size-too-big")
		test_reject_exec_size_too_big();

	igt_describe("EXEC rejects a batch address that is not 8-byte aligned.");
	igt_subtest("reject-exec-addr-unaligned")
		test_reject_exec_addr_unaligned();

	igt_describe("EXEC rejects a batch that wraps around the address space.");
	igt_subtest("reject-exec-wrap")
		test_reject_exec_wrap();

	igt_describe("EXEC on an unknown VM fails with ENOENT.");
	igt_subtest("reject-exec-unknown-vm")
		test_reject_exec_unknown_vm();

	igt_describe("EXEC on an unknown engine fails with ENOENT.");
	igt_subtest("reject-exec-unknown-engine")
		test_reject_exec_unknown_engine();

	igt_describe("WAIT rejects every undefined flag.");
	igt_subtest("reject-wait-flags")
		test_reject_wait_flags();

	igt_describe("WAIT rejects a non-zero pad.");
	igt_subtest("reject-wait-pad")
		test_reject_wait_pad();

	igt_describe("A job wait rejects seqno 0.");
	igt_subtest("reject-wait-seqno-zero")
		test_reject_wait_seqno_zero();

	igt_describe("A job wait rejects a seqno EXEC has not returned yet.");
	igt_subtest("reject-wait-seqno-future")
		test_reject_wait_seqno_future();

	igt_describe("A user-fence wait rejects an unknown comparison.");
	igt_subtest("reject-wait-op")
		test_reject_wait_op();

	igt_describe("A user-fence wait rejects a fence address that is not 8-byte aligned.");
	igt_subtest("reject-wait-addr-unaligned")
		test_reject_wait_addr_unaligned();

	igt_describe("A job wait rejects each user-fence field.");
	igt_subtest("reject-wait-fence-fields-in-job-wait")
		test_reject_wait_fence_fields_in_job_wait();

	igt_describe("A user-fence wait rejects a seqno.");
	igt_subtest("reject-wait-seqno-in-fence-wait")
		test_reject_wait_seqno_in_fence_wait();

	igt_describe("WAIT on an unknown VM fails with ENOENT.");
	igt_subtest("reject-wait-unknown-vm")
		test_reject_wait_unknown_vm();

	igt_describe("A user-fence wait on an unreadable fence fails with EFAULT.");
	igt_subtest("reject-wait-fault")
		test_reject_wait_fault();

	igt_describe("RANGE_INFO rejects every flag.");
	igt_subtest("reject-range-info-flags")
		test_reject_range_info_flags();

	igt_describe("RANGE_INFO rejects a start or size that is not 4 KiB aligned.");
	igt_subtest("reject-range-info-unaligned")
		test_reject_range_info_unaligned();

	igt_describe("RANGE_INFO rejects a zero size.");
	igt_subtest("reject-range-info-size-zero")
		test_reject_range_info_size_zero();

	igt_describe("RANGE_INFO rejects a span above DRM_VSVM_RANGE_INFO_MAX_SIZE, and takes one of that size.");
	igt_subtest("reject-range-info-too-big")
		test_reject_range_info_too_big();

	igt_describe("RANGE_INFO rejects a span that wraps around the address space.");
	igt_subtest("reject-range-info-wrap")
		test_reject_range_info_wrap();

	igt_describe("RANGE_INFO on an unknown VM fails with ENOENT.");
	igt_subtest("reject-range-info-unknown-vm")
		test_reject_range_info_unknown_vm();

	igt_describe("RANGE_INFO with an unwritable data buffer fails with EFAULT.");
	igt_subtest("reject-range-info-fault")
		test_reject_range_info_fault();

	igt_fixture {
		vsvm_vm_destroy(dev.fd, dev.vm);
		close(dev.fd);
	}
}
