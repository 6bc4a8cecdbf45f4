// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * TEST: vsvm progress
 * Category: Software emulated GPU
 * Description: Forward progress: a user-fence WAIT sees a fence written by
 *		anyone, not only by its own VM; a VRAM-only atomic on memory
 *		that can never move fails at once; VRAM-only atomics progress
 *		while the CPU hammers the same counters; a CPU polling a fence
 *		in the buffer a job is writing does not make the buffer
 *		ping-pong for seconds, while PREFETCH does not arm the
 *		ping-pong guard; and a GPU write to copy-on-write VRAM
 *		pages completes while the VMA under it is split.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"
#include "igt_kmod.h"
#include "vsvm_igt.h"

IGT_TEST_DESCRIPTION("Forward progress: user-fence wake-ups from other VMs, devices and the CPU, VRAM-only atomics on pinned memory and under CPU contention, fence polling during a job, PREFETCH and the ping-pong guard, and copy-on-write VRAM under a VMA split.");

#define BATCH_CAPACITY	SZ_64K
/* Written by the STORE that ends a batch which is expected to fail. */
#define MARKER		0x3a3a5c5c7e7e9191ull

/*
 * User-fence waits: the deadline is far, the fence is written
 * FENCE_DELAY_MS after the WAIT began, and the WAIT must see it within
 * FENCE_BOUND_MS of its start, however it was written.
 */
#define FENCE_DEADLINE_MS	20000
#define FENCE_DELAY_MS		100
#define FENCE_BOUND_MS		2000

/* A VRAM-only atomic on pinned memory fails within this (timeout 10 s). */
#define PINNED_BOUND_MS		3000

/* The CPU-contention test: jobs, and how long they would take alone */
#define CONTENTION_JOBS		10
#define CONTENTION_THREADS	2
#define CONTENTION_ALONE_MS	1000
#define CONTENTION_CALIBRATE	512	/* pairs of atomics */
#define CONTENTION_MIN_PAIRS	64
#define CONTENTION_MAX_PAIRS	8192	/* 768 KiB of batch */
#define CONTENTION_MAX_FAILED	2	/* then the rest is not submitted */

/* The fence-polling test */
#define PINGPONG_FILLS		512
#define PINGPONG_BOUND_MS	5000
#define PINGPONG_POLL_MIN_MS	5
#define PINGPONG_POLL_MAX_MS	50
/* The FILL away from the buffer: long enough for a 2 MiB move and more */
#define PINGPONG_AWAY_SIZE	(32 * SZ_1M)

/* The copy-on-write split test: a GPU write completes within this. */
#define COW_BOUND_MS		3000

/* A device, and the VM of the test on it. */
struct gpu {
	int fd;
	uint32_t vm;
	unsigned int index;
	unsigned int engines;
};

static struct gpu dev = { .fd = -1 }, dev1 = { .fd = -1 };

/* Batches of the small helpers, in memory that stays in system memory. */
static struct {
	uint8_t *mem;
	struct vsvm_batch batch;
	/* written by a job only if it got past the command under test */
	uint64_t *marker;
} tool;

/* Whether the module was reloaded with other options */
static bool module_changed;

/* CLOCK_MONOTONIC in ns, without asserting: usable from any thread. */
static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static double ms_since(int64_t start_ns, int64_t end_ns)
{
	return (double)(end_ns - start_ns) / NSEC_PER_MSEC;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * NSEC_PER_MSEC,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void advise_attrs(const struct gpu *g, const void *p, size_t size,
			 const struct drm_vsvm_mem_attrs *attrs)
{
	vsvm_madvise(g->fd, g->vm, to_user_pointer(p), size, attrs);
}

static void tool_init(void)
{
	tool.mem = vsvm_map_anon(BATCH_CAPACITY + SZ_4K);
	vsvm_batch_init(&tool.batch, tool.mem, BATCH_CAPACITY);
	tool.marker = (uint64_t *)(tool.mem + BATCH_CAPACITY);
}

static struct vsvm_batch *tool_batch(void)
{
	vsvm_batch_reset(&tool.batch);
	return &tool.batch;
}

/*
 * A new VM on @g's file whose default is system memory, so that only the
 * memory a test advises otherwise moves.
 */
static void gpu_new_vm(struct gpu *g)
{
	g->vm = vsvm_vm_create(g->fd);
	vsvm_vm_prefer_system(g->fd, g->vm);
}

static void gpu_open(struct gpu *g, unsigned int index)
{
	g->index = index;
	g->fd = vsvm_igt_open(index);
	g->engines = vsvm_require_svm(g->fd);
	gpu_new_vm(g);
}

static void gpu_close(struct gpu *g)
{
	vsvm_igt_close(&g->fd, g->vm);
}

static void run(const struct gpu *g, struct vsvm_batch *b)
{
	vsvm_run(g->fd, g->vm, 0, b);
}

/*
 * All the debugfs counters of a device at once, so that a test can log
 * every counter that moved.
 */
#define MAX_COUNTERS	64

struct counters {
	unsigned int index;
	unsigned int n;
	char name[MAX_COUNTERS][48];
	long long value[MAX_COUNTERS];
};

static void counters_read(unsigned int index, struct counters *c)
{
	char path[96];
	FILE *file;

	snprintf(path, sizeof(path), VSVM_IGT_DEBUGFS "%u/vsvm_counters",
		 index);
	file = fopen(path, "r");
	igt_require_f(file, "cannot read %s: %s\n", path, strerror(errno));
	c->index = index;
	c->n = 0;
	while (c->n < MAX_COUNTERS &&
	       fscanf(file, "%47s %lld", c->name[c->n], &c->value[c->n]) == 2)
		c->n++;
	fclose(file);
	igt_assert_lt(0, (int)c->n);
}

/* How much counter @name grew from @before to @after */
static long long counters_delta(const struct counters *before,
				const struct counters *after, const char *name)
{
	unsigned int i;

	for (i = 0; i < after->n; i++) {
		if (strcmp(after->name[i], name))
			continue;
		igt_assert(i < before->n && !strcmp(before->name[i], name));
		return after->value[i] - before->value[i];
	}
	igt_assert_f(false, "no counter %s\n", name);
	return 0;
}

/* Logs every counter that changed since @before; returns the new values. */
static struct counters counters_log(const struct counters *before)
{
	struct counters now;
	char line[1024];
	unsigned int i;
	int len = 0;

	counters_read(before->index, &now);
	for (i = 0; i < now.n && i < before->n; i++) {
		long long delta = now.value[i] - before->value[i];

		if (!delta || !strncmp(now.name[i], "us_", 3))
			continue;
		len += snprintf(line + len, sizeof(line) - len, " %s %+lld",
				now.name[i], delta);
		if (len >= (int)sizeof(line))
			break;
	}
	igt_info("device %u counters:%s\n", before->index,
		 len ? line : " none changed");
	return now;
}

/*
 * 1. User-fence WAIT wake-ups.  Each waits, with a far deadline, for a
 * fence that someone else writes FENCE_DELAY_MS after the WAIT began, and
 * must see it promptly: a GPU write anywhere wakes the waiters, and a CPU
 * write is seen within a bounded polling delay.
 */

/* Writes the fence after a delay: on the CPU, or by a job of @gpu. */
struct fence_writer {
	pthread_t thread;
	uint64_t *fence;
	uint64_t value;
	/* NULL for a CPU write */
	const struct gpu *gpu;
	struct vsvm_batch *batch;
	/* out */
	int64_t written_ns;
	uint64_t seqno;
	int ret;
};

static void *fence_writer_thread(void *arg)
{
	struct fence_writer *w = arg;
	struct drm_vsvm_exec exec;

	sleep_ms(FENCE_DELAY_MS);
	if (!w->gpu) {
		w->written_ns = now_ns();
		__atomic_store_n(w->fence, w->value, __ATOMIC_SEQ_CST);
		return NULL;
	}
	exec = (struct drm_vsvm_exec) {
		.vm_id = w->gpu->vm,
		.batch_addr = to_user_pointer(w->batch->buf),
		.batch_size = w->batch->size,
	};
	w->written_ns = now_ns();
	w->ret = __vsvm_exec(w->gpu->fd, &exec);
	w->seqno = exec.seqno;
	return NULL;
}

/*
 * @waiter waits for the fence that @writer (a job of @writer_gpu, or the
 * CPU if it is NULL) writes after the WAIT began.
 */
static void wait_fence_written_by(const struct gpu *waiter,
				  const struct gpu *writer_gpu)
{
	const uint64_t value = 0xfe9ce0d0000000a5ull;
	uint64_t *fence = tool.marker;
	struct fence_writer w = {
		.fence = fence,
		.value = value,
		.gpu = writer_gpu,
	};
	int64_t start, end, deadline;
	struct drm_vsvm_wait wait;
	int ret;

	*fence = 0;
	if (writer_gpu) {
		w.batch = tool_batch();
		vsvm_batch_store64(w.batch, to_user_pointer(fence), value);
	}

	/* The fence is not there yet: the WAIT would time out */
	ret = __vsvm_wait_fence(waiter->fd, waiter->vm, to_user_pointer(fence),
				DRM_VSVM_WAIT_EQ, value, ~0ull, 0, &wait);
	igt_assert_eq(ret, -ETIME);
	igt_assert_eq_u32(wait.status, DRM_VSVM_WAIT_STATUS_TIMEOUT);

	deadline = vsvm_deadline_ns(FENCE_DEADLINE_MS);
	igt_assert_eq(pthread_create(&w.thread, NULL, fence_writer_thread, &w),
		      0);
	start = now_ns();
	ret = __vsvm_wait_fence(waiter->fd, waiter->vm, to_user_pointer(fence),
				DRM_VSVM_WAIT_EQ, value, ~0ull, deadline,
				&wait);
	end = now_ns();
	igt_assert_eq(pthread_join(w.thread, NULL), 0);

	igt_info("fence written by %s %.1f ms after the WAIT began; the WAIT returned %d, status %u, after %.1f ms (%.1f ms after the write; deadline %u ms)\n",
		 writer_gpu ? "a job" : "the CPU",
		 ms_since(start, w.written_ns), ret, wait.status,
		 ms_since(start, end), ms_since(w.written_ns, end),
		 FENCE_DEADLINE_MS);
	igt_assert_eq(w.ret, 0);
	if (writer_gpu)
		vsvm_wait_job(writer_gpu->fd, writer_gpu->vm, w.seqno);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u32(wait.status, DRM_VSVM_WAIT_STATUS_DONE);
	igt_assert_eq_u64(*fence, value);
	igt_assert_f(end - start < FENCE_BOUND_MS * NSEC_PER_MSEC,
		     "the WAIT saw the fence after %.1f ms, expected less than %u ms\n",
		     ms_since(start, end), FENCE_BOUND_MS);
}

static void test_wait_fence_other_vm(void)
{
	struct gpu other = dev;

	gpu_new_vm(&other);
	wait_fence_written_by(&dev, &other);
	vsvm_vm_destroy(other.fd, other.vm);
}

static void test_wait_fence_cpu(void)
{
	wait_fence_written_by(&dev, NULL);
}

/* Reloads the module with @devices devices, closing the test's devices. */
static void module_use(unsigned int devices)
{
	gpu_close(&dev);
	gpu_close(&dev1);
	vsvm_igt_module_use(devices, 0, &module_changed);
}

static void module_restore(void)
{
	gpu_close(&dev);
	gpu_close(&dev1);
	vsvm_igt_module_restore(&module_changed);
}

static void test_wait_fence_other_device(void)
{
	module_use(2);
	gpu_open(&dev, 0);
	gpu_open(&dev1, 1);
	wait_fence_written_by(&dev, &dev1);
	gpu_close(&dev1);
	gpu_close(&dev);
}

/*
 * 2. A VRAM-only atomic on pages that can never move.  io_uring's
 * registered buffers pin their pages for the long term, so migrate_vma
 * never collects them: the atomic cannot be done where the policy allows,
 * and must end the job with EFAULT, not retry the migration until the job
 * timeout.
 */

/* Pins [buf, buf + size) as an io_uring registered buffer; the ring's fd. */
static int io_uring_pin(void *buf, size_t size)
{
	struct io_uring_params params = {};
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	int ring;

	ring = syscall(__NR_io_uring_setup, 1, &params);
	igt_require_f(ring >= 0, "io_uring_setup: %s\n", strerror(errno));
	igt_assert_eq(syscall(__NR_io_uring_register, ring,
			      IORING_REGISTER_BUFFERS, &iov, 1), 0);
	return ring;
}

static void io_uring_unpin(int ring)
{
	igt_assert_eq(syscall(__NR_io_uring_register, ring,
			      IORING_UNREGISTER_BUFFERS, NULL, 0), 0);
	close(ring);
}

static void test_atomic_vram_only_pinned(void)
{
	const struct drm_vsvm_mem_attrs only =
		vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, 0, DRM_VSVM_ATOMIC_VRAM_ONLY,
			       0);
	const size_t size = SZ_2M, off = SZ_1M + 3 * SZ_4K + 64;
	const uint32_t seed = 0x919e0001;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M), *ref;
	uint64_t *c = (uint64_t *)(buf + off);
	struct drm_vsvm_prefetch pf;
	struct counters before;
	struct drm_vsvm_wait w;
	struct vsvm_batch *b;
	int64_t start, end;
	uint32_t atomic_off;
	int ring;

	vsvm_require_vram(dev.fd);
	vsvm_pattern_fill(buf, size, seed);
	*c = 7000;
	ref = vsvm_snapshot(buf, size);
	ring = io_uring_pin(buf, size);
	advise_attrs(&dev, buf, size, &only);

	/* The pin holds: PREFETCH cannot take a single page */
	pf = vsvm_prefetch(dev.fd, dev.vm, to_user_pointer(buf), size,
			   DRM_VSVM_REGION_VRAM);
	igt_info("PREFETCH of the pinned buffer: moved %llu, busy %llu\n",
		 (unsigned long long)pf.moved, (unsigned long long)pf.busy);
	igt_assert_eq_u64(pf.moved, 0);
	igt_assert_eq_u64(pf.busy, PAGES(size));
	vsvm_assert_residency(dev.fd, dev.vm, to_user_pointer(buf), size,
			      VSVM_RESIDENCY_SYSTEM);

	counters_read(0, &before);
	*tool.marker = 0;
	b = tool_batch();
	vsvm_batch_nop(b);
	atomic_off = vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_ADD,
				       DRM_VSVM_ATOMIC_64BIT,
				       to_user_pointer(c), 1, 0, 0);
	vsvm_batch_store64(b, to_user_pointer(tool.marker), MARKER);
	start = now_ns();
	w = vsvm_run_error(dev.fd, dev.vm, 0, b);
	end = now_ns();
	igt_info("atomic on pinned VRAM-only memory: error %u (%s) at %#llx, access %#x, offset %u, after %.1f ms (job timeout %u ms)\n",
		 w.error, strerror(w.error), (unsigned long long)w.fault_addr,
		 w.fault_access, w.error_offset, ms_since(start, end),
		 vsvm_igt_module_param("job_timeout_ms"));
	counters_log(&before);

	vsvm_assert_gpu_error(&w, EFAULT, to_user_pointer(c),
			      DRM_VSVM_ACCESS_ATOMIC | DRM_VSVM_ACCESS_WRITE,
			      atomic_off);
	igt_assert_f(end - start < PINNED_BOUND_MS * NSEC_PER_MSEC,
		     "the job failed after %.1f ms, expected less than %u ms\n",
		     ms_since(start, end), PINNED_BOUND_MS);
	igt_assert_eq_u64(*tool.marker, 0);
	vsvm_assert_same(buf, ref, size);
	vsvm_assert_residency(dev.fd, dev.vm, to_user_pointer(buf), size,
			      VSVM_RESIDENCY_SYSTEM);

	/* Plain accesses to the pinned pages still work, in place */
	b = tool_batch();
	vsvm_batch_store64(b, to_user_pointer(c), 7001);
	run(&dev, b);
	igt_assert_eq_u64(*c, 7001);
	*(uint64_t *)(ref + off) = 7001;
	vsvm_assert_same(buf, ref, size);

	io_uring_unpin(ring);
	munmap(buf, size);
	free(ref);
}

/*
 * 3. VRAM-only atomics under CPU contention.  GPU jobs of atomics on two
 * counters run while CPU threads increment the same counters atomically
 * without pause.  The timeslice must let every job progress: none may hit
 * the job timeout, and the totals are exact.
 */
struct hammer {
	pthread_t thread;
	uint64_t *c64;
	uint32_t *c32;
	const volatile bool *stop;
	uint64_t count;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	uint64_t n = 0;

	while (!__atomic_load_n(h->stop, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(h->c64, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(h->c32, 1, __ATOMIC_SEQ_CST);
		n++;
	}
	h->count = n;
	return NULL;
}

/* A batch of @pairs pairs of atomics: c64 += 3, c32 += 1 */
static void atomic_pairs(struct vsvm_batch *b, uint64_t *c64, uint32_t *c32,
			 unsigned int pairs)
{
	unsigned int i;

	vsvm_batch_reset(b);
	for (i = 0; i < pairs; i++) {
		vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_ADD, DRM_VSVM_ATOMIC_64BIT,
				  to_user_pointer(c64), 3, 0, 0);
		vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_INC, 0,
				  to_user_pointer(c32), 0, 0, 0);
	}
}

/* Runs @b and returns how long it took, in ns; asserts it completed. */
static int64_t timed_run(const struct gpu *g, struct vsvm_batch *b)
{
	int64_t start = now_ns();

	run(g, b);
	return now_ns() - start;
}

static void test_atomic_vram_only_contention(void)
{
	const struct drm_vsvm_mem_attrs only =
		vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, 0, DRM_VSVM_ATOMIC_VRAM_ONLY,
			       0);
	const size_t size = SZ_2M, off = SZ_1M;
	const uint32_t seed = 0xc0417001;
	const size_t batch_size = CONTENTION_MAX_PAIRS * 2 *
				  sizeof(struct drm_vsvm_cmd_atomic);
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M), *ref;
	uint8_t *batch_mem = vsvm_map_anon(batch_size);
	uint64_t *c64 = (uint64_t *)(buf + off);
	uint32_t *c32 = (uint32_t *)(buf + off + 64);
	struct hammer h[CONTENTION_THREADS];
	uint64_t gpu = 0, cpu = 0, pairs;
	volatile bool stop = false;
	int64_t t, alone_ns, busy_ns = 0, start, wall;
	unsigned int i, done = 0, failed = 0, submitted;
	struct counters before;
	struct vsvm_batch b;
	char failures[512];
	int flen = 0;

	vsvm_require_vram(dev.fd);
	vsvm_pattern_fill(buf, size, seed);
	*c64 = 0xffffff00ull;	/* carries into the upper half */
	*c32 = 0;
	ref = vsvm_snapshot(buf, size);
	advise_attrs(&dev, buf, size, &only);
	vsvm_batch_init(&b, batch_mem, batch_size);

	/* Alone: the first atomic moves the buffer, then calibrate */
	atomic_pairs(&b, c64, c32, 1);
	t = timed_run(&dev, &b);
	gpu += 1;
	igt_info("first pair, moving 2 MiB to VRAM: %.1f ms\n",
		 ms_since(0, t));
	atomic_pairs(&b, c64, c32, CONTENTION_CALIBRATE);
	t = timed_run(&dev, &b);
	gpu += CONTENTION_CALIBRATE;
	pairs = (uint64_t)CONTENTION_CALIBRATE * CONTENTION_ALONE_MS *
		NSEC_PER_MSEC / CONTENTION_JOBS / (t ? t : 1);
	pairs = pairs < CONTENTION_MIN_PAIRS ? CONTENTION_MIN_PAIRS :
		pairs > CONTENTION_MAX_PAIRS ? CONTENTION_MAX_PAIRS : pairs;
	atomic_pairs(&b, c64, c32, pairs);

	alone_ns = 0;
	for (i = 0; i < CONTENTION_JOBS; i++) {
		alone_ns += timed_run(&dev, &b);
		gpu += pairs;
	}
	igt_info("alone: %u jobs of %llu pairs in %.1f ms: %.0f pairs/s\n",
		 CONTENTION_JOBS, (unsigned long long)pairs,
		 ms_since(0, alone_ns),
		 (double)CONTENTION_JOBS * pairs * NSEC_PER_SEC / alone_ns);
	igt_assert_eq_u64(*c64, 0xffffff00ull + 3 * gpu);
	igt_assert_eq_u32(*c32, (uint32_t)gpu);

	/* With CPU threads hammering the same counters all along */
	counters_read(0, &before);
	for (i = 0; i < CONTENTION_THREADS; i++) {
		h[i] = (struct hammer) { .c64 = c64, .c32 = c32, .stop = &stop };
		igt_assert_eq(pthread_create(&h[i].thread, NULL, hammer_thread,
					     &h[i]), 0);
	}
	start = now_ns();
	for (i = 0; i < CONTENTION_JOBS && failed < CONTENTION_MAX_FAILED;
	     i++) {
		struct drm_vsvm_wait w;
		uint64_t seqno;
		int ret;

		t = now_ns();
		seqno = vsvm_exec(dev.fd, dev.vm, 0, &b);
		ret = __vsvm_wait_job(dev.fd, dev.vm, seqno,
				      vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS),
				      &w);
		t = now_ns() - t;
		busy_ns += t;
		if (!ret && w.status == DRM_VSVM_WAIT_STATUS_DONE) {
			done++;
			gpu += pairs;
		} else {
			failed++;
			if (flen < (int)sizeof(failures))
				flen += snprintf(failures + flen,
						 sizeof(failures) - flen,
						 " job %u: %d status %u error %u after %.0f ms;",
						 i, ret, w.status, w.error,
						 ms_since(0, t));
		}
		igt_debug("job %u: %d status %u error %u, %.1f ms\n", i, ret,
			  w.status, w.error, ms_since(0, t));
	}
	wall = now_ns() - start;
	submitted = i;
	stop = true;
	for (i = 0; i < CONTENTION_THREADS; i++) {
		igt_assert_eq(pthread_join(h[i].thread, NULL), 0);
		cpu += h[i].count;
	}
	igt_info("contended: %u of %u jobs of %llu pairs completed in %.1f ms: %.0f GPU pairs/s (alone %.0f); %u CPU threads did %llu pairs, %.0f/s\n",
		 done, submitted, (unsigned long long)pairs,
		 ms_since(0, wall),
		 (double)done * pairs * NSEC_PER_SEC / (busy_ns ? busy_ns : 1),
		 (double)CONTENTION_JOBS * pairs * NSEC_PER_SEC / alone_ns,
		 CONTENTION_THREADS, (unsigned long long)cpu,
		 (double)cpu * NSEC_PER_SEC / wall);
	counters_log(&before);
	igt_assert_f(!failed, "%u of %u jobs submitted failed:%s\n", failed,
		     submitted, failures);

	/* Every increment counted, nothing else in the buffer touched */
	igt_assert_eq_u64(*c64, 0xffffff00ull + 3 * gpu + cpu);
	igt_assert_eq_u32(*c32, (uint32_t)(gpu + cpu));
	*(uint64_t *)(ref + off) = *c64;
	*(uint32_t *)(ref + off + 64) = *c32;
	vsvm_assert_same(buf, ref, size);

	munmap(batch_mem, batch_size);
	munmap(buf, size);
	free(ref);
}

/*
 * 4. A CPU thread polls the fence of a job that writes the 2 MiB buffer
 * the fence lives in.  Each poll that finds the buffer in VRAM takes it
 * back, and a 2 MiB move takes tens of milliseconds here.  The ping-pong
 * guard must hold the buffer in system memory when the GPU comes back to
 * it, however long the move took: the job starts on the buffer, tells the
 * CPU (a flag in system memory) and goes away to a long FILL elsewhere;
 * the CPU's first poll takes the buffer back meanwhile; when the GPU
 * returns, its fault must leave the buffer in system memory rather than
 * move it to VRAM again, for the CPU's next poll to take back once more.
 */
struct poller {
	pthread_t thread;
	const volatile uint64_t *flag;
	const volatile uint64_t *fence;
	uint64_t value;
	const volatile bool *stop;
	unsigned int seed;
	/* out */
	unsigned int polls;
	int64_t first_poll_ns, first_done_ns;
	bool seen;
};

static void *poller_thread(void *arg)
{
	struct poller *p = arg;
	unsigned int span = PINGPONG_POLL_MAX_MS - PINGPONG_POLL_MIN_MS + 1;
	uint64_t fence;

	/* The job is away from the buffer once it wrote the flag */
	while (!__atomic_load_n(p->flag, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(p->stop, __ATOMIC_RELAXED))
			return NULL;
		sleep_ms(1);
	}

	/* Until it sees the fence, or once more after the job ended */
	for (;;) {
		bool last = __atomic_load_n(p->stop, __ATOMIC_RELAXED);

		if (!p->polls)
			p->first_poll_ns = now_ns();
		fence = __atomic_load_n(p->fence, __ATOMIC_ACQUIRE);
		if (!p->polls++)
			p->first_done_ns = now_ns();
		if (fence == p->value) {
			p->seen = true;
			break;
		}
		if (last)
			break;
		sleep_ms(PINGPONG_POLL_MIN_MS + rand_r(&p->seed) % span);
	}
	return NULL;
}

static uint32_t pingpong_word(unsigned int i)
{
	return 0x9b0f0000 | i;
}

static void test_pingpong_fence_poll(void)
{
	const struct drm_vsvm_mem_attrs in_vram =
		vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, 0, DRM_VSVM_ATOMIC_ANYWHERE,
			       0);
	const size_t size = SZ_2M, chunk = size / PINGPONG_FILLS;
	const uint64_t value = 0xf0f0f0f00000cafeull;
	const size_t batch_size = SZ_64K;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M);
	uint8_t *away = vsvm_map_anon(PINGPONG_AWAY_SIZE);
	uint8_t *batch_mem = vsvm_map_anon(batch_size);
	uint64_t *fence = (uint64_t *)(buf + size - 8);
	uint64_t *flag = tool.marker;
	volatile bool stop = false;
	struct counters before, after;
	struct drm_vsvm_wait w;
	struct poller p = {
		.flag = flag, .fence = fence, .value = value, .stop = &stop,
		.seed = 0x9b0f,
	};
	long long to_vram, backoffs;
	struct vsvm_batch b;
	int64_t start, end;
	uint64_t seqno;
	unsigned int i;
	int ret;

	vsvm_require_vram(dev.fd);
	advise_attrs(&dev, buf, size, &in_vram);
	vsvm_pattern_fill(buf, size, 0x9b0f0001);
	memset(away, 0, PINGPONG_AWAY_SIZE);
	*fence = 0;
	*flag = 0;

	/*
	 * Half the fills, the flag, a long FILL away from the buffer, the
	 * other half (but for the fence), and the fence.
	 */
	vsvm_batch_init(&b, batch_mem, batch_size);
	for (i = 0; i < PINGPONG_FILLS; i++) {
		if (i == PINGPONG_FILLS / 2) {
			vsvm_batch_store64(&b, to_user_pointer(flag), 1);
			vsvm_batch_fill(&b, to_user_pointer(away),
					PINGPONG_AWAY_SIZE, 0xa3a3a3a3);
		}
		vsvm_batch_fill(&b, to_user_pointer(buf + i * chunk),
				i == PINGPONG_FILLS - 1 ? chunk - 8 : chunk,
				pingpong_word(i));
	}
	vsvm_batch_store64(&b, to_user_pointer(fence), value);

	counters_read(0, &before);
	igt_assert_eq(pthread_create(&p.thread, NULL, poller_thread, &p), 0);
	start = now_ns();
	seqno = vsvm_exec(dev.fd, dev.vm, 0, &b);
	ret = __vsvm_wait_job(dev.fd, dev.vm, seqno,
			      vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS), &w);
	end = now_ns();
	stop = true;
	igt_assert_eq(pthread_join(p.thread, NULL), 0);

	igt_info("%u fills of %zu bytes, %u KiB elsewhere, and a fence in one 2 MiB buffer, the CPU polling the fence every %u-%u ms: job %d, status %u error %u, after %.1f ms; %u polls, the first from %.1f to %.1f ms, fence seen %s\n",
		 PINGPONG_FILLS, chunk, (unsigned int)(PINGPONG_AWAY_SIZE >> 10),
		 PINGPONG_POLL_MIN_MS, PINGPONG_POLL_MAX_MS, ret, w.status,
		 w.error, ms_since(start, end), p.polls,
		 p.polls ? ms_since(start, p.first_poll_ns) : 0.0,
		 p.polls ? ms_since(start, p.first_done_ns) : 0.0,
		 p.seen ? "yes" : "no");
	after = counters_log(&before);
	to_vram = counters_delta(&before, &after, "migrate_to_vram");
	backoffs = counters_delta(&before, &after, "migrate_backoff");
	igt_info("moves to VRAM %lld, to system %lld, CPU faults on VRAM %lld, GPU faults held back %lld\n",
		 to_vram, counters_delta(&before, &after, "migrate_to_sys"),
		 counters_delta(&before, &after, "cpu_faults_vram"), backoffs);

	igt_assert_eq(ret, 0);
	igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_DONE);
	igt_assert_f(end - start < PINGPONG_BOUND_MS * NSEC_PER_MSEC,
		     "the job took %.1f ms, expected less than %u ms\n",
		     ms_since(start, end), PINGPONG_BOUND_MS);
	for (i = 0; i < PINGPONG_FILLS; i++)
		vsvm_assert_words(buf + i * chunk,
				  i == PINGPONG_FILLS - 1 ? chunk - 8 : chunk,
				  pingpong_word(i));
	igt_assert_eq_u64(*fence, value);
	igt_assert(p.seen);
	vsvm_assert_words(away, PINGPONG_AWAY_SIZE, 0xa3a3a3a3);

	/*
	 * The GPU's first fault moved the buffer to VRAM and the CPU took
	 * it back while the GPU was away; when the GPU came back the guard
	 * held: no second move to VRAM.
	 */
	igt_assert_lt(0, (int)counters_delta(&before, &after,
					     "cpu_faults_vram"));
	igt_assert_f(to_vram == 1 && backoffs >= 1,
		     "the GPU moved the buffer to VRAM %lld times and was held back %lld times; expected once, and held back when it came back after the CPU took the buffer\n",
		     to_vram, backoffs);

	munmap(batch_mem, batch_size);
	munmap(away, PINGPONG_AWAY_SIZE);
	munmap(buf, size);
}

/*
 * 5. PREFETCH does not arm the ping-pong guard: a move userspace asked for
 * is not the CPU taking pages back.  A page that PREFETCH took out of VRAM
 * the GPU had mapped goes back to VRAM at the GPU's next fault, however
 * soon it comes, round after round.  The same page after a CPU touch is
 * held back in system memory by that fault: the guard works here.
 */
#define GUARD_ROUNDS	8
#define GUARD_PAGE	0x3000ul

/* One GPU write of @value to @p */
static void gpu_store(const struct gpu *g, void *p, uint64_t value)
{
	struct vsvm_batch *b = tool_batch();

	vsvm_batch_store64(b, to_user_pointer(p), value);
	run(g, b);
}

static void prefetch_page(const struct gpu *g, void *p, uint32_t region)
{
	struct drm_vsvm_prefetch pf = vsvm_prefetch(g->fd, g->vm,
						    to_user_pointer(p), SZ_4K,
						    region);

	igt_assert_f(pf.moved == 1,
		     "PREFETCH to %s: moved %llu already %llu busy %llu no_memory %llu\n",
		     region == DRM_VSVM_REGION_VRAM ? "VRAM" : "system memory",
		     (unsigned long long)pf.moved,
		     (unsigned long long)pf.already,
		     (unsigned long long)pf.busy,
		     (unsigned long long)pf.no_memory);
}

static size_t page_in_vram(const struct gpu *g, const void *p)
{
	return vsvm_residency_count(g->fd, g->vm, to_user_pointer(p), SZ_4K,
				    VSVM_RESIDENCY_VRAM);
}

/* A 64 KiB buffer of its own (one range) that prefers VRAM, in 4 KiB units */
static uint8_t *guard_buffer(const struct gpu *g, uint32_t seed)
{
	const struct drm_vsvm_mem_attrs vram =
		vsvm_mem_attrs(DRM_VSVM_LOC_VRAM, SZ_4K,
			       DRM_VSVM_ATOMIC_ANYWHERE, 0);
	uint8_t *buf = vsvm_map_isolated_anon(SZ_64K, SZ_64K);

	advise_attrs(g, buf, SZ_64K, &vram);
	vsvm_pattern_fill(buf, SZ_64K, seed);
	return buf;
}

/* The page of @buf the GPU writes, and what the CPU must find elsewhere */
static void guard_check(uint8_t *buf, uint32_t seed, uint64_t value)
{
	uint8_t *want = malloc(SZ_64K);

	igt_assert(want);
	vsvm_pattern_fill(want, SZ_64K, seed);
	memcpy(want + GUARD_PAGE, &value, sizeof(value));
	vsvm_assert_same(buf, want, SZ_64K);
	free(want);
}

static void test_prefetch_no_pingpong_guard(void)
{
	struct counters before, after;
	uint8_t *buf, *page, *ctl;
	uint64_t value = 0;
	unsigned int r;

	vsvm_require_vram(dev.fd);
	buf = guard_buffer(&dev, 0x6a7d0001);
	page = buf + GUARD_PAGE;
	counters_read(0, &before);
	for (r = 0; r < GUARD_ROUNDS; r++) {
		/* The GPU maps the page where PREFETCH put it, in VRAM */
		prefetch_page(&dev, page, DRM_VSVM_REGION_VRAM);
		value = 0x6a7d000000000000ull | r << 8;
		gpu_store(&dev, page, value);
		igt_assert_f(page_in_vram(&dev, page) == 1,
			     "round %u: the page left VRAM on a GPU write\n",
			     r);

		/* PREFETCH takes it out; the next GPU fault takes it back */
		prefetch_page(&dev, page, DRM_VSVM_REGION_SYSTEM);
		gpu_store(&dev, page, ++value);
		counters_read(0, &after);
		igt_assert_f(page_in_vram(&dev, page) == 1,
			     "round %u: the GPU fault right after PREFETCH to system memory left the page there (GPU faults held back: %lld)\n",
			     r, counters_delta(&before, &after,
					       "migrate_backoff"));
		prefetch_page(&dev, page, DRM_VSVM_REGION_SYSTEM);
	}
	after = counters_log(&before);
	igt_assert_eq(counters_delta(&before, &after, "migrate_backoff"), 0);
	igt_assert_eq(counters_delta(&before, &after, "cpu_faults_vram"), 0);
	/* Each round: PREFETCH and the GPU fault to VRAM, two PREFETCH out */
	igt_assert_eq(counters_delta(&before, &after, "migrate_to_vram"),
		      2 * GUARD_ROUNDS);
	igt_assert_eq(counters_delta(&before, &after, "migrate_to_sys"),
		      2 * GUARD_ROUNDS);
	guard_check(buf, 0x6a7d0001, value);

	/* A CPU touch does arm the guard: the next GPU fault is held back. */
	ctl = guard_buffer(&dev, 0x6a7d0002);
	gpu_store(&dev, ctl + GUARD_PAGE, 1);
	igt_assert_eq(page_in_vram(&dev, ctl + GUARD_PAGE), 1);
	igt_assert_eq_u64(*(uint64_t *)(ctl + GUARD_PAGE), 1);
	counters_read(0, &before);
	gpu_store(&dev, ctl + GUARD_PAGE, 2);
	after = counters_log(&before);
	igt_assert_eq(counters_delta(&before, &after, "migrate_backoff"), 1);
	igt_assert_eq(page_in_vram(&dev, ctl + GUARD_PAGE), 0);
	guard_check(ctl, 0x6a7d0002, 2);

	munmap(ctl, SZ_64K);
	munmap(buf, SZ_64K);
}

/*
 * 6. A GPU write to VRAM pages shared copy-on-write with a child moves them
 * to system memory to break the sharing.  It must complete even when
 * mprotect() splits the VMA under the range the fault works on: before
 * the write, for good, or while the fault is being handled.
 */
enum cow_split {
	/* a page in the middle read-only and back: the VMAs merge again */
	COW_SPLIT_MERGED,
	/* a page in the middle also executable, during the whole write */
	COW_SPLIT_KEPT,
	/* that split, made while the GPU fault is being handled */
	COW_SPLIT_RACING,
};

static const char * const cow_split_names[] = {
	[COW_SPLIT_MERGED] = "split and merged before the write",
	[COW_SPLIT_KEPT] = "split before the write",
	[COW_SPLIT_RACING] = "split during the GPU fault",
};

/*
 * Holds the mmap lock for reading for up to a second: a CPU read of a page
 * that a VRAM-only GPU atomic moved to VRAM with a 1000 ms timeslice waits
 * out the timeslice in the CPU fault, under the mmap lock.  While it does,
 * an mprotect() waiting for the lock stops every later reader (the GPU
 * fault handler) instead of letting them overtake it, so that the split
 * lands between two steps of the fault handler.
 */
struct lock_holder {
	pthread_t thread;
	const volatile uint64_t *word;
	volatile pid_t tid;
	uint64_t value;
	int64_t start_ns, end_ns;
};

static void *lock_holder_thread(void *arg)
{
	struct lock_holder *h = arg;

	h->tid = gettid();
	h->start_ns = now_ns();
	h->value = *h->word;
	h->end_ns = now_ns();
	return NULL;
}

/* The state letter of thread @tid, from /proc/self/task/@tid/stat */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int file;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	file = open(path, O_RDONLY);
	if (file < 0)
		return '?';
	n = read(file, buf, sizeof(buf) - 1);
	close(file);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Starts @h and waits (bounded) until it sleeps in the CPU fault. */
static void lock_holder_start(struct lock_holder *h)
{
	int64_t deadline = vsvm_deadline_ns(2000);

	igt_assert_eq(pthread_create(&h->thread, NULL, lock_holder_thread, h),
		      0);
	while (!h->tid)
		sched_yield();
	while (thread_state(h->tid) != 'D' && vsvm_now_ns() < deadline)
		usleep(1000);
	igt_assert_f(thread_state(h->tid) == 'D',
		     "the CPU read of the atomic's page did not wait\n");
}

/*
 * Splits the VMA as soon as the GPU fault starts to move the range: when
 * the parent's page table entry of @watch changes (the fault handler's
 * migration to VRAM replaces it with a migration entry).  The fault
 * handler looked at the VMA just before.
 */
struct splitter {
	pthread_t thread;
	const uint8_t *watch;
	uint8_t *page;
	const volatile bool *stop;
	volatile bool ready;
	/* out */
	bool split;
	uint64_t first, entry;
	int64_t seen_ns;
	int64_t split_ns;
	int err;
};

static void *splitter_thread(void *arg)
{
	struct splitter *s = arg;
	off_t at = (uintptr_t)s->watch / SZ_4K * sizeof(uint64_t);
	uint64_t first, entry;
	int file;

	file = open("/proc/self/pagemap", O_RDONLY);
	if (file < 0 || pread(file, &first, sizeof(first), at) !=
	    sizeof(first)) {
		s->err = errno ? errno : EIO;
		s->ready = true;
		return NULL;
	}
	s->ready = true;
	while (!__atomic_load_n(s->stop, __ATOMIC_RELAXED)) {
		if (pread(file, &entry, sizeof(entry), at) != sizeof(entry)) {
			s->err = errno ? errno : EIO;
			break;
		}
		if (entry == first)
			continue;
		s->first = first;
		s->entry = entry;
		s->seen_ns = now_ns();
		if (mprotect(s->page, SZ_4K,
			     PROT_READ | PROT_WRITE | PROT_EXEC))
			s->err = errno;
		s->split = true;
		s->split_ns = now_ns();
		break;
	}
	close(file);
	return NULL;
}

static void cow_vram_split(enum cow_split how)
{
	const struct drm_vsvm_mem_attrs in_vram =
		vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, 0, DRM_VSVM_ATOMIC_ANYWHERE,
			       0);
	const struct drm_vsvm_mem_attrs atomic_slice =
		vsvm_mem_attrs(DRM_VSVM_LOC_AUTO, SZ_4K,
			       DRM_VSVM_ATOMIC_VRAM_ONLY,
			       DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS);
	const size_t size = SZ_2M, at = 4 * SZ_64K, len = SZ_64K;
	uint64_t *slice_word = NULL;
	struct lock_holder h = {};
	const uint32_t seed = 0xc0e50001 + how, word = 0xc0e5f000 | how;
	uint8_t *buf = vsvm_map_isolated_anon(size, SZ_2M), *ref;
	uint8_t *middle = buf + SZ_1M;
	volatile bool stop = false;
	struct splitter s = {
		.watch = buf, .page = middle, .stop = &stop,
	};
	struct drm_vsvm_prefetch pf;
	struct counters before;
	struct drm_vsvm_wait w;
	struct vsvm_batch *b;
	int c2p[2], p2c[2];
	int64_t start, end;
	uint64_t seqno;
	char msg;
	int ret;

	advise_attrs(&dev, buf, size, &in_vram);
	vsvm_pattern_fill(buf, size, seed);
	ref = vsvm_snapshot(buf, size);
	pf = vsvm_prefetch(dev.fd, dev.vm, to_user_pointer(buf), size,
			   DRM_VSVM_REGION_VRAM);
	igt_assert_eq_u64(pf.moved, PAGES(size));
	vsvm_assert_residency(dev.fd, dev.vm, to_user_pointer(buf), size,
			      VSVM_RESIDENCY_VRAM);

	igt_assert_eq(pipe(c2p), 0);
	igt_assert_eq(pipe(p2c), 0);
	igt_fork(child, 1) {
		close(c2p[0]);
		close(p2c[1]);
		/* Keep the parent's VRAM pages shared until it wrote */
		igt_assert_eq(write(c2p[1], "c", 1), 1);
		igt_assert_eq(read(p2c[0], &msg, 1), 1);
		/* None of the parent's writes show */
		vsvm_assert_same(buf, ref, size);
	}
	close(c2p[1]);
	close(p2c[0]);
	igt_assert_eq(read(c2p[0], &msg, 1), 1);

	switch (how) {
	case COW_SPLIT_MERGED:
		igt_assert_eq(mprotect(middle, SZ_4K, PROT_READ), 0);
		igt_assert_eq(mprotect(middle, SZ_4K,
				       PROT_READ | PROT_WRITE), 0);
		break;
	case COW_SPLIT_KEPT:
		igt_assert_eq(mprotect(middle, SZ_4K,
				       PROT_READ | PROT_WRITE | PROT_EXEC), 0);
		break;
	case COW_SPLIT_RACING:
		/*
		 * Everything that may take the mmap lock for writing (thread
		 * stacks, malloc) happens before the lock holder holds it.
		 */
		slice_word = vsvm_map_isolated_anon(SZ_4K, SZ_4K);
		advise_attrs(&dev, slice_word, SZ_4K, &atomic_slice);
		*slice_word = 1;
		igt_assert_eq(pthread_create(&s.thread, NULL, splitter_thread,
					     &s), 0);
		while (!s.ready)
			sched_yield();
		b = tool_batch();
		vsvm_batch_atomic(b, DRM_VSVM_ATOMIC_INC, DRM_VSVM_ATOMIC_64BIT,
				  to_user_pointer(slice_word), 0, 0, 0);
		run(&dev, b);
		break;
	}

	counters_read(0, &before);
	b = tool_batch();
	vsvm_batch_fill(b, to_user_pointer(buf + at), len, word);
	if (how == COW_SPLIT_RACING) {
		h.word = slice_word;
		lock_holder_start(&h);
	}
	start = now_ns();
	seqno = vsvm_exec(dev.fd, dev.vm, 0, b);
	ret = __vsvm_wait_job(dev.fd, dev.vm, seqno,
			      vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS), &w);
	end = now_ns();
	if (how == COW_SPLIT_RACING) {
		stop = true;
		igt_assert_eq(pthread_join(s.thread, NULL), 0);
		igt_assert_eq(pthread_join(h.thread, NULL), 0);
		igt_assert_eq_u64(h.value, 2);
		igt_info("lock holder: read from %.1f to %.1f ms after the job was submitted\n",
			 ms_since(start, h.start_ns), ms_since(start, h.end_ns));
		igt_assert_eq(s.err, 0);
		if (s.split)
			igt_info("the fault handler began to move the range %.1f ms after the job was submitted (pagemap entry %#llx, then %#llx); the VMA was split at %.1f ms\n",
				 ms_since(start, s.seen_ns),
				 (unsigned long long)s.first,
				 (unsigned long long)s.entry,
				 ms_since(start, s.split_ns));
		else
			igt_info("the VMA was not split: the fault handler moved nothing\n");
	}
	igt_info("%s: GPU write to copy-on-write VRAM: job %d, status %u error %u at %#llx, after %.1f ms\n",
		 cow_split_names[how], ret, w.status, w.error,
		 (unsigned long long)w.fault_addr, ms_since(start, end));
	counters_log(&before);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u32(w.status, DRM_VSVM_WAIT_STATUS_DONE);
	igt_assert_f(end - start < COW_BOUND_MS * NSEC_PER_MSEC,
		     "the write took %.1f ms, expected less than %u ms\n",
		     ms_since(start, end), COW_BOUND_MS);

	/* The parent sees its write and nothing else changed */
	igt_assert_eq(mprotect(middle, SZ_4K, PROT_READ | PROT_WRITE), 0);
	vsvm_assert_words(buf + at, len, word);
	vsvm_assert_same(buf, ref, at);
	vsvm_assert_same(buf + at + len, ref + at + len, size - at - len);

	/* and the child still its own copy */
	igt_assert_eq(write(p2c[1], "p", 1), 1);
	igt_waitchildren();
	close(c2p[0]);
	close(p2c[1]);
	if (slice_word)
		munmap(slice_word, SZ_4K);
	munmap(buf, size);
	free(ref);
}

static void test_cow_vram_mprotect_split(void)
{
	vsvm_require_vram(dev.fd);
	cow_vram_split(COW_SPLIT_MERGED);
	cow_vram_split(COW_SPLIT_KEPT);
	cow_vram_split(COW_SPLIT_RACING);
}

igt_main
{
	igt_fixture {
		tool_init();
		gpu_open(&dev, 0);
	}

	igt_describe("A user-fence WAIT sees, long before its deadline, a fence that a job of another VM writes after the WAIT began.");
	igt_subtest("wait-fence-other-vm")
		test_wait_fence_other_vm();

	igt_describe("A user-fence WAIT sees, long before its deadline, a fence that a CPU thread writes 100 ms after the WAIT began.");
	igt_subtest("wait-fence-cpu")
		test_wait_fence_cpu();

	igt_describe("A VRAM-only atomic on pages pinned by io_uring, which can never move, ends the job with EFAULT at once, not with ETIMEDOUT.");
	igt_subtest("atomic-vram-only-pinned")
		test_atomic_vram_only_pinned();

	igt_describe("VRAM-only GPU atomics on counters that two CPU threads increment all along: every job completes, and the totals are exact.");
	igt_subtest("atomic-vram-only-contention")
		test_atomic_vram_only_contention();

	igt_describe("A job fills a 2 MiB buffer and stores a fence in it while a CPU thread polls the fence: the job completes in seconds, the data exact.");
	igt_subtest("pingpong-fence-poll")
		test_pingpong_fence_poll();

	igt_describe("PREFETCH to system memory of a page the GPU mapped in VRAM does not arm the ping-pong guard: the GPU's next fault takes it back to VRAM at once, round after round, while after a CPU touch it is held back.");
	igt_subtest("prefetch-no-pingpong-guard")
		test_prefetch_no_pingpong_guard();

	igt_describe("A GPU write to VRAM pages shared copy-on-write with a child completes while mprotect() splits the VMA, before or during the fault; parent and child keep their own data.");
	igt_subtest("cow-vram-mprotect-split")
		test_cow_vram_mprotect_split();

	igt_fixture
		gpu_close(&dev);

	igt_describe("A user-fence WAIT on one device sees, long before its deadline, a fence that a job on a second device writes after the WAIT began.");
	igt_subtest("wait-fence-other-device")
		test_wait_fence_other_device();

	igt_fixture
		module_restore();
}
