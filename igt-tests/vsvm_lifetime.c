// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * TEST: vsvm lifetime
 * Category: Software emulated GPU
 * Description: What outlives what: a VM destroyed while other threads'
 *		ioctls (PREFETCH, MADVISE, EXEC, RANGE_INFO over a large
 *		GPU-mapped span) and jobs use it, a device unbound under a
 *		running job and PREFETCH with the process's data in VRAM, the
 *		sequence numbers of concurrent EXECs, ioctls whose result
 *		cannot be copied back to userspace, VM teardown under jobs
 *		that are stuck servicing a GPU fault, and the garbage
 *		collector of a VM that outlives its process.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"
#include "igt_kmod.h"
#include "vsvm_igt.h"

IGT_TEST_DESCRIPTION("Object lifetimes: VM destruction racing ioctls and jobs, unbind with jobs running, unique seqnos, copy-out failures, teardown of stuck jobs, garbage collection after the process exited.");

#define __stringify(x)	#x
#define stringify(x)	__stringify(x)

/* A value no batch of this test writes but the ones that must never run */
#define MARKER		0x3a3a5c5c7e7e9191ull
/* An opcode no version of the uAPI defines: the job fails at once */
#define BAD_OPCODE	0x7fu

#define VSVM_PLATFORM_DRIVER	"/sys/bus/platform/drivers/vsvm"
#define VSVM_PLATFORM_DEVICE	"vsvm.0"
#define VSVM_VMS		VSVM_IGT_DEBUGFS "0/vsvm_vms"

/* How long a thread of a race may take before it gives up */
#define RACE_TIMEOUT_NS		(20 * NSEC_PER_SEC)
/* What each race subtest may spend on its iterations */
#define RACE_BUDGET_NS		(25 * NSEC_PER_SEC)
/* Jobs that are expected to end: longer than the job timeout */
#define IDLE_TIMEOUT_MS		VSVM_WAIT_TIMEOUT_MS

/* ------------------------------------------------------------------ */
/* Helpers that threads may call: no assertion in them                 */
/* ------------------------------------------------------------------ */

static int64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void spin_ns(int64_t ns)
{
	int64_t end = clock_ns() + ns;

	while (clock_ns() < end)
		;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / NSEC_PER_SEC,
		.tv_nsec = ns % NSEC_PER_SEC,
	};

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

static double secs(int64_t ns)
{
	return ns / 1e9;
}

static int load_int(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint64_t load_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_int(int *p, int value)
{
	__atomic_store_n(p, value, __ATOMIC_RELEASE);
}

static unsigned int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

/* Runs the calling thread on @cpu only (modulo the CPUs there are). */
static void pin_self(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % online_cpus(), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* A small deterministic generator: runs are reproducible. */
static uint32_t prng(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* Writes @value to a sysfs, debugfs or procfs file; 0 or -errno. */
static int write_file(const char *path, const char *value)
{
	ssize_t len = strlen(value), ret;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	ret = write(fd, value, len);
	if (ret != len)
		ret = ret < 0 ? -errno : -EIO;
	else
		ret = 0;
	close(fd);
	return ret;
}

/* The first line of a file, newline stripped; 0 or -errno. */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* What the fixtures undo                                               */
/* ------------------------------------------------------------------ */

/* Device files the subtests opened: closed by the fixture if left open */
static int open_fds[16];
static unsigned int num_open_fds;

/* Records @fd for the fixture to close. */
static int dev_track(int fd)
{
	igt_assert_lt(num_open_fds, (int)ARRAY_SIZE(open_fds));
	open_fds[num_open_fds++] = fd;
	return fd;
}

static int dev_open(void)
{
	return dev_track(vsvm_igt_open(0));
}

/* Forgets @fd, which someone else closed. */
static void dev_forget(int fd)
{
	unsigned int i;

	for (i = 0; i < num_open_fds; i++) {
		if (open_fds[i] != fd)
			continue;
		open_fds[i] = open_fds[--num_open_fds];
		return;
	}
}

static void dev_close(int fd)
{
	dev_forget(fd);
	close(fd);
}

static void dev_close_all(void)
{
	while (num_open_fds)
		close(open_fds[--num_open_fds]);
}

static struct {
	/* the module was reloaded or its device unbound */
	bool module_changed;
	/* an unbind that never returned: the device cannot be restored */
	bool unbind_stuck;
	/* a child of destroy-during-long-job still alive */
	pid_t child;
} state = { .child = -1 };

/* A device file and a VM whose memory stays in system memory */
struct gpu {
	int fd;
	uint32_t vm;
	unsigned int engines;
};

static struct gpu gpu_open(void)
{
	struct gpu g;

	g.fd = dev_open();
	g.engines = vsvm_require_svm(g.fd);
	g.vm = vsvm_vm_create(g.fd);
	vsvm_vm_prefer_system(g.fd, g.vm);
	return g;
}

static void gpu_close(struct gpu *g)
{
	struct drm_vsvm_vm_destroy destroy = { .vm_id = g->vm };

	if (g->fd < 0)
		return;
	if (g->vm)
		__vsvm_vm_destroy(g->fd, &destroy);
	dev_close(g->fd);
	g->fd = -1;
}

/* ------------------------------------------------------------------ */
/* Jobs                                                                 */
/* ------------------------------------------------------------------ */

/* Jobs submitted to device 0 and not ended yet */
static int64_t jobs_in_flight(void)
{
	uint64_t submitted = vsvm_counter("jobs_submitted");
	uint64_t completed = vsvm_counter("jobs_completed");
	uint64_t failed = vsvm_counter("jobs_failed");

	return (int64_t)(submitted - completed - failed);
}

/* Waits (bounded) until every job of device 0 has ended. */
static int64_t wait_jobs_idle(unsigned int timeout_ms)
{
	int64_t deadline = vsvm_deadline_ns(timeout_ms);
	int64_t left;

	while ((left = jobs_in_flight()) && vsvm_now_ns() < deadline)
		usleep(10000);
	return left;
}

static void assert_jobs_idle(void)
{
	int64_t left = wait_jobs_idle(IDLE_TIMEOUT_MS);

	igt_assert_f(!left,
		     "%lld jobs still not ended after %u ms: jobs_submitted %llu, jobs_completed %llu, jobs_failed %llu\n",
		     (long long)left, IDLE_TIMEOUT_MS,
		     (unsigned long long)vsvm_counter("jobs_submitted"),
		     (unsigned long long)vsvm_counter("jobs_completed"),
		     (unsigned long long)vsvm_counter("jobs_failed"));
}

/* Whether job @seqno has not ended yet: a wait that only checks */
static bool job_running(int fd, uint32_t vm, uint64_t seqno)
{
	struct drm_vsvm_wait wait;

	return __vsvm_wait_job(fd, vm, seqno, 0, &wait) == -ETIME;
}

/* ------------------------------------------------------------------ */
/* destroy-vs-*: a VM destroyed while another thread's ioctls use it    */
/* ------------------------------------------------------------------ */

/*
 * One round of a race: a user thread issues ioctls on the VM, a destroyer
 * thread destroys it (and/or closes the file) once the user has started.
 * Both record what they got; the main thread judges after joining them.
 */
struct race {
	int fd;
	uint32_t vm;
	/* CPUs of the two threads */
	unsigned int user_cpu;
	unsigned int destroyer_cpu;
	/* user: spin before the first ioctl; destroyer: sleep before its own */
	int64_t user_delay_ns;
	int64_t destroyer_delay_ns;
	/* what the destroyer does */
	bool destroy;
	bool close_fd;
	/* the user's ioctl loop, and what it works on */
	void *(*user)(void *race);
	void *data;

	int started;
	int64_t deadline;

	/* results */
	int user_ret;
	unsigned long user_calls;
	uint64_t seqno;
	int destroy_ret;
	int close_ret;
	int64_t destroy_ns;
};

static void race_user_start(struct race *r)
{
	pin_self(r->user_cpu);
	store_int(&r->started, 1);
	if (r->user_delay_ns)
		spin_ns(r->user_delay_ns);
}

static bool race_user_timed_out(const struct race *r)
{
	return clock_ns() > r->deadline;
}

static void *race_destroyer(void *arg)
{
	struct race *r = arg;
	struct drm_vsvm_vm_destroy destroy = { .vm_id = r->vm };
	int64_t t0;

	pin_self(r->destroyer_cpu);
	while (!load_int(&r->started) && !race_user_timed_out(r))
		sched_yield();
	if (r->destroyer_delay_ns)
		sleep_ns(r->destroyer_delay_ns);
	t0 = clock_ns();
	if (r->destroy)
		r->destroy_ret = __vsvm_vm_destroy(r->fd, &destroy);
	r->destroy_ns = clock_ns() - t0;
	if (r->close_fd)
		r->close_ret = close(r->fd) ? -errno : 0;
	return NULL;
}

static void race_run(struct race *r)
{
	pthread_t user, destroyer;

	r->started = 0;
	r->deadline = clock_ns() + RACE_TIMEOUT_NS;
	r->user_ret = 0;
	r->user_calls = 0;
	r->seqno = 0;
	r->destroy_ret = 0;
	r->close_ret = 0;
	igt_assert_eq(pthread_create(&destroyer, NULL, race_destroyer, r), 0);
	igt_assert_eq(pthread_create(&user, NULL, r->user, r), 0);
	igt_assert_eq(pthread_join(user, NULL), 0);
	igt_assert_eq(pthread_join(destroyer, NULL), 0);
	if (r->close_fd)
		dev_forget(r->fd);
}

/*
 * A race whose user loops until its ioctl fails: VM_DESTROY succeeded, and
 * the user's ioctl (@what) stopped with ENOENT, the answer of a closed VM.
 */
static void race_assert_enoent(const struct race *r, unsigned int round,
			       const char *what)
{
	igt_assert_eq(r->destroy_ret, 0);
	igt_assert_f(r->user_ret == -ENOENT,
		     "round %u: %s racing VM_DESTROY returned %d (%s) after %lu calls\n",
		     round, what, r->user_ret, strerror(-r->user_ret),
		     r->user_calls);
}

/*
 * Spreads the rounds over the ways the two threads can meet: on one CPU
 * (the destroyer's wakeup preempts the user) or on two, with the
 * destroyer's start moved around the user's ioctl.
 */
static void race_vary(struct race *r, unsigned int round, uint32_t *seed,
		      int64_t user_spread_ns, int64_t destroyer_spread_ns)
{
	r->user_cpu = 0;
	r->destroyer_cpu = round & 1;
	r->user_delay_ns = user_spread_ns ?
			   prng(seed) % user_spread_ns : 0;
	r->destroyer_delay_ns = destroyer_spread_ns ?
				prng(seed) % destroyer_spread_ns : 0;
}

/* What the destroyer of a round does */
static const char *race_round_name(const struct race *r)
{
	if (r->destroy && r->close_fd)
		return "VM_DESTROY + close()";
	return r->destroy ? "VM_DESTROY" : "close()";
}

static bool race_budget_left(int64_t start, unsigned int round,
			     unsigned int max_rounds)
{
	return round < max_rounds && clock_ns() - start < RACE_BUDGET_NS;
}

/* ---- PREFETCH ------------------------------------------------------ */

#define PF_SIZE		(16 * SZ_1M)
#define PF_ROUNDS	40

static void *prefetch_user(void *arg)
{
	struct race *r = arg;
	const struct drm_vsvm_prefetch *args = r->data;
	struct drm_vsvm_prefetch prefetch;
	int ret;

	race_user_start(r);
	do {
		prefetch = *args;
		prefetch.vm_id = r->vm;
		ret = __vsvm_prefetch(r->fd, &prefetch);
		if (!ret)
			r->user_calls++;
	} while (!ret && !race_user_timed_out(r));
	r->user_ret = ret;
	return NULL;
}

static void test_destroy_vs_prefetch(void)
{
	const struct drm_vsvm_mem_attrs page_granules = {
		.preferred_loc = DRM_VSVM_LOC_SYSTEM,
		.granularity = DRM_VSVM_PAGE_SIZE_4K,
	};
	uint8_t *mem = vsvm_map_isolated_anon(PF_SIZE, SZ_2M);
	struct drm_vsvm_prefetch prefetch = {
		.start = to_user_pointer(mem),
		.size = PF_SIZE,
		.region = DRM_VSVM_REGION_SYSTEM,
	};
	struct gpu g = gpu_open();
	struct race r = {
		.fd = g.fd,
		.user = prefetch_user,
		.data = &prefetch,
		.destroy = true,
	};
	uint32_t seed = 0x9f3e0001;
	unsigned long calls = 0;
	unsigned int round;
	int64_t start;

	vsvm_require_vram(g.fd);
	/*
	 * With 4 KiB granules PREFETCH looks up the attributes, under their
	 * lock, once for every page: thousands of times per call.
	 */
	memset(mem, 0x9f, PF_SIZE);
	start = clock_ns();
	for (round = 0; race_budget_left(start, round, PF_ROUNDS); round++) {
		r.vm = vsvm_vm_create(g.fd);
		vsvm_vm_default_attrs(g.fd, r.vm, &page_granules);
		race_vary(&r, round, &seed, 0, 200 * NSEC_PER_MSEC);
		race_run(&r);

		race_assert_enoent(&r, round, "PREFETCH");
		calls += r.user_calls;
	}
	igt_info("%u rounds, %lu PREFETCH calls completed before VM_DESTROY\n",
		 round, calls);

	/* The memory is intact and in system memory */
	vsvm_assert_bytes(mem, PF_SIZE, 0x9f);
	gpu_close(&g);
	munmap(mem, PF_SIZE);
}

/* ---- RANGE_INFO ---------------------------------------------------- */

/* Sixteen page tables of 4 KiB entries, in sixteen 2 MiB ranges */
#define RI_SIZE			(32 * SZ_1M)
#define RI_PAGES		PAGES(RI_SIZE)
#define RI_ROUNDS		60
/* The destroyer's start is spread over this many RANGE_INFO calls */
#define RI_SPREAD_CALLS		4
/* FILLs tried for a span that something else invalidated meanwhile */
#define RI_PREPARE_TRIES	5

struct range_info_race {
	uint8_t *mem;
	/* the FILL's batch, mapped for the whole test: no munmap() per round */
	uint64_t *cmds;
	/* what RANGE_INFO said before the race: the whole span mapped */
	uint8_t *expected;
	uint8_t *out;
	/* how long the RANGE_INFO that took @expected took */
	int64_t call_ns;
	/* the device's invalidations counter when @expected was taken */
	uint64_t invalidations;
	/*
	 * An answer differed from @expected after an invalidation (the kernel
	 * may migrate or reclaim the pages at any time): the page table
	 * changed for a reason of its own, and the round proves nothing.
	 */
	bool disturbed;
	/* FILLs done again, over all rounds, after an invalidation */
	unsigned int refills;
	/* the first answer that differed from @expected, the page table not */
	bool bad;
	size_t bad_page;
	uint8_t bad_entry;
};

/* Whether a notifier invalidated a range since @expected was taken */
static bool range_info_disturbed(const struct range_info_race *ri)
{
	return vsvm_counter("invalidations") != ri->invalidations;
}

/*
 * Whether @out matches @expected; if not, records the first difference, or
 * that an invalidation explains it.
 */
static bool range_info_check(struct range_info_race *ri)
{
	size_t i;

	for (i = 0; i < RI_PAGES; i++) {
		if (ri->out[i] == ri->expected[i])
			continue;
		if (range_info_disturbed(ri)) {
			ri->disturbed = true;
			return false;
		}
		ri->bad = true;
		ri->bad_page = i;
		ri->bad_entry = ri->out[i];
		return false;
	}
	return true;
}

static void *range_info_user(void *arg)
{
	struct race *r = arg;
	struct range_info_race *ri = r->data;
	struct drm_vsvm_range_info info;
	int ret;

	race_user_start(r);
	do {
		/* 0xff is no entry the kernel writes: a page it skipped */
		memset(ri->out, 0xff, RI_PAGES);
		info = (struct drm_vsvm_range_info) {
			.vm_id = r->vm,
			.start = to_user_pointer(ri->mem),
			.size = RI_SIZE,
			.data = to_user_pointer(ri->out),
		};
		ret = __vsvm_range_info(r->fd, &info);
		if (ret)
			break;
		if (!range_info_check(ri))
			break;
		r->user_calls++;
	} while (!race_user_timed_out(r));
	r->user_ret = ret;
	return NULL;
}

/* The first page of @entries not mapped read-write in system memory */
static size_t range_info_first_unmapped(const uint8_t *entries)
{
	size_t i;

	for (i = 0; i < RI_PAGES; i++)
		if (DRM_VSVM_RANGE_INFO_STATE(entries[i]) !=
		    DRM_VSVM_PAGE_SYSTEM_RW ||
		    DRM_VSVM_RANGE_INFO_PTE(entries[i]) == DRM_VSVM_PTE_NONE)
			return i;
	return RI_PAGES;
}

/*
 * A GPU FILL of @word over the span, and what RANGE_INFO then reports as
 * the expected answer.  Returns the first page that answer does not show
 * mapped read-write in system memory, RI_PAGES if none; @invalidated says
 * whether a notifier invalidated a range meanwhile, which may explain it.
 */
static size_t range_info_fill(struct range_info_race *ri,
			      const struct gpu *g, uint32_t word,
			      bool *invalidated)
{
	uint64_t before = vsvm_counter("invalidations");
	struct vsvm_batch batch;
	size_t page;

	vsvm_batch_init(&batch, ri->cmds, SZ_4K);
	vsvm_batch_fill(&batch, to_user_pointer(ri->mem), RI_SIZE, word);
	vsvm_run(g->fd, g->vm, 0, &batch);

	ri->invalidations = vsvm_counter("invalidations");
	ri->call_ns = clock_ns();
	vsvm_range_info(g->fd, g->vm, to_user_pointer(ri->mem), RI_SIZE,
			ri->expected);
	ri->call_ns = clock_ns() - ri->call_ns;
	page = range_info_first_unmapped(ri->expected);
	*invalidated = vsvm_counter("invalidations") != before;
	return page;
}

/*
 * Maps the span on a new file and VM with a GPU FILL of @word and takes
 * what RANGE_INFO reports as the expected answer: every page mapped
 * writable in system memory.  The FILL is done again if an invalidation
 * unmapped pages before RANGE_INFO saw them.
 */
static struct gpu range_info_prepare(struct range_info_race *ri,
				     uint32_t word)
{
	struct gpu g = gpu_open();
	unsigned int tries = 0;
	bool invalidated;
	size_t page;

	ri->bad = false;
	ri->disturbed = false;
	do
		page = range_info_fill(ri, &g, word, &invalidated);
	while (page < RI_PAGES && invalidated && ++tries < RI_PREPARE_TRIES);
	ri->refills += tries;
	igt_assert_f(page == RI_PAGES,
		     "page %zu of the span the GPU filled: entry %#x, not mapped read-write in system memory (%u FILLs)\n",
		     page, ri->expected[page], tries + 1);
	return g;
}

/*
 * Judges a round; false if RANGE_INFO succeeded with a wrong answer, which
 * the caller reports after the last round: the rounds go on, and a
 * torn-down page table that is read may also be one that was freed.  A
 * disturbed round is neither right nor wrong; the caller counts it.
 */
static bool range_info_judge(const struct race *r,
			     const struct range_info_race *ri,
			     unsigned int round)
{
	igt_assert_f(r->destroy_ret == 0 && r->close_ret == 0,
		     "round %u: %s racing RANGE_INFO: VM_DESTROY %d, close() %d\n",
		     round, race_round_name(r), r->destroy_ret,
		     r->close_ret);
	if (ri->bad) {
		igt_warn("round %u: RANGE_INFO racing %s succeeded after %lu calls, but page %zu is %#x, was %#x before the race\n",
			 round, race_round_name(r), r->user_calls,
			 ri->bad_page, ri->bad_entry,
			 ri->expected[ri->bad_page]);
		return false;
	}
	if (ri->disturbed) {
		igt_info("round %u: an invalidation changed the page table while RANGE_INFO raced %s; the round proves nothing\n",
			 round, race_round_name(r));
		return true;
	}
	/* A closed file is gone for the caller: EBADF, not ENOENT */
	igt_assert_f((r->destroy && r->user_ret == -ENOENT) ||
		     (r->close_fd && r->user_ret == -EBADF),
		     "round %u: RANGE_INFO racing %s returned %d (%s) after %lu calls\n",
		     round, race_round_name(r), r->user_ret,
		     strerror(-r->user_ret), r->user_calls);
	return true;
}

static void test_destroy_vs_range_info(void)
{
	struct range_info_race ri = {
		.mem = vsvm_map_isolated_anon(RI_SIZE, SZ_2M),
		.cmds = vsvm_map_anon(SZ_4K),
		.expected = malloc(RI_PAGES),
		.out = malloc(RI_PAGES),
	};
	struct race r = {
		.user = range_info_user,
		.data = &ri,
	};
	unsigned long calls = 0, enoent = 0, ebadf = 0, wrong = 0;
	unsigned long disturbed = 0;
	uint32_t seed = 0x7a190001, word = 0;
	int64_t start, call_ns = 0;
	unsigned int round;
	struct gpu g;

	igt_assert(ri.expected && ri.out);
	/* 4 KiB pages, which khugepaged leaves alone: 512 entries a table */
	igt_assert_eq(madvise(ri.mem, RI_SIZE, MADV_NOHUGEPAGE), 0);
	memset(ri.mem, 0, RI_SIZE);

	start = clock_ns();
	for (round = 0; race_budget_left(start, round, RI_ROUNDS); round++) {
		word = 0x7a190000 | round;
		g = range_info_prepare(&ri, word);
		r.fd = g.fd;
		r.vm = g.vm;
		/* VM_DESTROY, VM_DESTROY then close(), close() alone */
		r.destroy = round % 3 != 2;
		r.close_fd = round % 3 != 0;
		/* From the user's first call to its last few before the end */
		race_vary(&r, round, &seed, 0,
			  RI_SPREAD_CALLS * ri.call_ns + 1);
		race_run(&r);
		g.vm = 0;
		if (r.close_fd)
			g.fd = -1;
		else
			gpu_close(&g);

		wrong += !range_info_judge(&r, &ri, round);
		calls += r.user_calls;
		call_ns += ri.call_ns;
		enoent += r.user_ret == -ENOENT;
		ebadf += r.user_ret == -EBADF;
		disturbed += ri.disturbed;
	}
	igt_info("%u rounds, %lu RANGE_INFO calls of %lu MiB (%.1f ms each) completed before the VM went; then %lu ENOENT, %lu EBADF, %lu wrong answers; %lu rounds disturbed and %u FILLs repeated after invalidations\n",
		 round, calls, RI_SIZE / SZ_1M,
		 round ? call_ns / 1e6 / round : 0.0, enoent, ebadf, wrong,
		 disturbed, ri.refills);
	igt_assert_f(!wrong,
		     "in %lu of %u rounds RANGE_INFO racing the VM's end succeeded with entries its page table never had\n",
		     wrong, round);
	igt_assert_f(disturbed <= round / 2,
		     "invalidations disturbed %lu of %u rounds: too few proved anything\n",
		     disturbed, round);

	/* The GPU's last FILL is what the memory holds */
	vsvm_assert_words(ri.mem, RI_SIZE, word);
	free(ri.out);
	free(ri.expected);
	munmap(ri.cmds, SZ_4K);
	munmap(ri.mem, RI_SIZE);
}

/* ---- MADVISE and ATTR_QUERY, then munmap --------------------------- */

#define MA_SIZE		(16 * SZ_4K)
#define MA_ROUNDS	400

static void *madvise_user(void *arg)
{
	struct race *r = arg;
	uint8_t *span = r->data;
	struct drm_vsvm_madvise madvise = {
		.vm_id = r->vm,
		.start = to_user_pointer(span),
		.size = MA_SIZE,
	};
	struct drm_vsvm_attr_query query = {
		.vm_id = r->vm,
		.addr = to_user_pointer(span),
	};
	struct drm_vsvm_attr_query q;
	unsigned int i = 0;
	int ret;

	race_user_start(r);
	do {
		/* Every call replaces the span, with its notifier */
		madvise.attrs.preferred_loc = i & 1 ? DRM_VSVM_LOC_VRAM :
					      DRM_VSVM_LOC_SYSTEM;
		madvise.attrs.granularity = i & 2 ? DRM_VSVM_PAGE_SIZE_4K :
					    DRM_VSVM_PAGE_SIZE_64K;
		ret = __vsvm_madvise(r->fd, &madvise);
		if (!ret) {
			q = query;
			ret = __vsvm_attr_query(r->fd, &q);
		}
		if (!ret)
			r->user_calls++;
		i++;
	} while (!ret && !race_user_timed_out(r));
	r->user_ret = ret;
	return NULL;
}

static void test_destroy_vs_madvise_munmap(void)
{
	struct gpu g = gpu_open();
	struct race r = {
		.fd = g.fd,
		.user = madvise_user,
		.destroy = true,
	};
	uint32_t seed = 0x3ad70001;
	unsigned long calls = 0;
	unsigned int round;
	int64_t start;
	uint8_t *span;

	vsvm_require_vram(g.fd);
	start = clock_ns();
	for (round = 0; race_budget_left(start, round, MA_ROUNDS); round++) {
		span = vsvm_map_anon(MA_SIZE);
		r.vm = vsvm_vm_create(g.fd);
		r.data = span;
		race_vary(&r, round, &seed, 0, 2 * NSEC_PER_MSEC);
		race_run(&r);

		/*
		 * The VM is gone: unmapping the advised span must not find
		 * anything of it, such as a span notifier it left behind.
		 */
		igt_assert_eq(munmap(span, MA_SIZE), 0);
		race_assert_enoent(&r, round, "MADVISE/ATTR_QUERY");
		calls += r.user_calls;
	}
	igt_info("%u rounds, %lu MADVISE + ATTR_QUERY pairs before VM_DESTROY\n",
		 round, calls);
	gpu_close(&g);
}

/* ---- EXEC ---------------------------------------------------------- */

#define EX_ROUNDS		300
/* The blocker: FILLs that keep engine 0 busy for a while */
#define BLOCKER_SIZE		(16 * SZ_1M)
#define BLOCKER_FILLS		16

/*
 * A job of another file that keeps engine 0 busy, so that the jobs queued
 * behind it run long after their EXEC returned: after their VM was
 * destroyed and their file closed, if the kernel let them be queued then.
 */
struct blocker {
	struct gpu gpu;
	uint8_t *mem;
	uint64_t *cmds;
	struct vsvm_batch batch;
	uint64_t seqno;
	unsigned int jobs;
};

static void blocker_init(struct blocker *b)
{
	unsigned int i;

	b->gpu = gpu_open();
	b->mem = vsvm_map_isolated_anon(BLOCKER_SIZE, SZ_2M);
	memset(b->mem, 0, BLOCKER_SIZE);
	b->cmds = vsvm_map_anon(SZ_4K);
	vsvm_batch_init(&b->batch, b->cmds, SZ_4K);
	for (i = 0; i < BLOCKER_FILLS; i++)
		vsvm_batch_fill(&b->batch, to_user_pointer(b->mem),
				BLOCKER_SIZE, 0xb10c0000 | i);
	b->seqno = 0;
	b->jobs = 0;
}

static bool blocker_running(const struct blocker *b)
{
	return b->seqno && job_running(b->gpu.fd, b->gpu.vm, b->seqno);
}

/* Makes sure a blocker job is queued or running on engine 0. */
static void blocker_ensure(struct blocker *b)
{
	if (blocker_running(b))
		return;
	b->seqno = vsvm_exec(b->gpu.fd, b->gpu.vm, 0, &b->batch);
	b->jobs++;
}

static void blocker_fini(struct blocker *b)
{
	struct drm_vsvm_wait wait;

	if (b->seqno)
		__vsvm_wait_job(b->gpu.fd, b->gpu.vm, b->seqno,
				vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS), &wait);
	gpu_close(&b->gpu);
	munmap(b->cmds, SZ_4K);
	munmap(b->mem, BLOCKER_SIZE);
}

static void *exec_user(void *arg)
{
	struct race *r = arg;
	const struct vsvm_batch *batch = r->data;
	struct drm_vsvm_exec exec = {
		.vm_id = r->vm,
		.engine = 0,
		.batch_addr = to_user_pointer(batch->buf),
		.batch_size = batch->size,
	};

	race_user_start(r);
	r->user_ret = __vsvm_exec(r->fd, &exec);
	if (!r->user_ret) {
		r->seqno = exec.seqno;
		r->user_calls++;
	}
	return NULL;
}

static void test_destroy_vs_exec(void)
{
	uint64_t *cmds = vsvm_map_anon(SZ_4K);
	struct race r = { .user = exec_user };
	unsigned int round, queued = 0, refused = 0, unwaited = 0;
	struct vsvm_batch batch;
	uint32_t seed = 0xe8ec0001;
	struct blocker blocker;
	struct gpu g;
	int64_t start;

	vsvm_batch_init(&batch, cmds, SZ_4K);
	vsvm_batch_nop(&batch);
	r.data = &batch;
	blocker_init(&blocker);

	start = clock_ns();
	for (round = 0; race_budget_left(start, round, EX_ROUNDS); round++) {
		blocker_ensure(&blocker);
		g = gpu_open();
		r.fd = g.fd;
		r.vm = g.vm;
		/*
		 * Rounds of three kinds: VM_DESTROY (the file is closed
		 * after the round), VM_DESTROY then close(), close() alone.
		 */
		r.destroy = round % 3 != 2;
		r.close_fd = round % 3 != 0;
		race_vary(&r, round, &seed, 200000, 400000);
		race_run(&r);
		if (r.close_fd)
			g.fd = -1;
		else
			gpu_close(&g);

		igt_assert_f(r.destroy_ret == 0 && r.close_ret == 0,
			     "round %u: %s racing EXEC: VM_DESTROY %d, close() %d\n",
			     round, race_round_name(&r), r.destroy_ret,
			     r.close_ret);
		igt_assert_f(r.user_ret == 0 || r.user_ret == -ENOENT ||
			     (r.close_fd && r.user_ret == -EBADF),
			     "round %u: EXEC racing %s returned %d (%s)\n",
			     round, race_round_name(&r), r.user_ret,
			     strerror(-r.user_ret));
		if (r.user_ret) {
			refused++;
			continue;
		}
		queued++;
		/*
		 * The job is queued behind the blocker: if its VM went
		 * without waiting for it, it runs on a closed VM.
		 */
		unwaited += blocker_running(&blocker);
	}
	igt_info("%u rounds: %u EXECs queued a job, %u refused; %u jobs left queued behind the blocker after their VM went; %u blocker jobs\n",
		 round, queued, refused, unwaited, blocker.jobs);

	/* Every job that EXEC accepted ends */
	blocker_fini(&blocker);
	assert_jobs_idle();
	munmap(cmds, SZ_4K);
}

/* ------------------------------------------------------------------ */
/* unbind-during-jobs                                                   */
/* ------------------------------------------------------------------ */

/*
 * A small VRAM, so that the unbind's evictions are over long before the
 * job could end by itself: what the job and PREFETCH do after that is
 * done without VRAM.
 */
#define UB_VRAM_MB		16
#define UB_BUF_SIZE		SZ_1M
#define UB_KEEP_SIZE		SZ_1M
#define UB_PING_SIZE		(2 * SZ_1M)
/* COPYs of UB_BUF_SIZE: far more than the job does before the unbind */
#define UB_COPIES		20000
/* The job stores how many COPYs it has done after every so many */
#define UB_COPIES_PER_STORE	16
#define UB_UNBIND_TIMEOUT_MS	60000
/* What "promptly" means for the job, its WAIT and PREFETCH, generously */
#define UB_SETTLE_TIMEOUT_MS	20000
/*
 * Longer than the unbind may take: the job ends by the unbind, not by
 * its timeout, and a remove that waited for the timeout would be late.
 */
#define UB_JOB_TIMEOUT_MS	120000
#define UB_MODULE_OPTIONS	"vram_size_mb=" stringify(UB_VRAM_MB) \
				" job_timeout_ms=" stringify(UB_JOB_TIMEOUT_MS)

#define UB_SRC_SEED		0x0b5c0001u
#define UB_KEEP_SEED		0x0b5c0002u
#define UB_PING_SEED		0x0b5c0003u
#define UB_NEW_SEED		0x0b5c0004u

/* PREFETCH of a buffer to VRAM and back, until a call fails */
struct pinger {
	pthread_t thread;
	int fd;
	uint32_t vm;
	uint8_t *buf;
	int stop;
	unsigned long moves;
	int ret;
	int done;
};

/* A WAIT for the job, asleep in the kernel when the device goes */
struct waiter {
	pthread_t thread;
	int fd;
	uint32_t vm;
	uint64_t seqno;
	int tid;
	struct drm_vsvm_wait wait;
	int ret;
	int done;
};

/* The unbind, in a thread of its own so that a hang can be told */
static struct {
	pthread_t thread;
	int ret;
	int done;
} unbinder;

struct unbind_test {
	struct gpu gpu;
	/* the job's source, then its destination: preferring VRAM */
	uint8_t *bufs;
	/* moved to VRAM by PREFETCH and left there */
	uint8_t *keep;
	/* the job's progress: COPYs done, in system memory */
	uint64_t *progress;
	uint64_t *cmds;
	struct vsvm_batch batch;
	uint64_t seqno;
	struct pinger pinger;
	struct waiter waiter;
};

/* The threads running, for the fixture to stop */
static struct pinger *running_pinger;
static struct waiter *running_waiter;

static bool device_bound(void)
{
	return access(VSVM_PLATFORM_DRIVER "/" VSVM_PLATFORM_DEVICE,
		      F_OK) == 0;
}

/* Waits (bounded) until *@flag is set. */
static bool wait_flag(const int *flag, unsigned int timeout_ms)
{
	int64_t deadline = vsvm_deadline_ns(timeout_ms);

	while (!load_int(flag) && vsvm_now_ns() < deadline)
		usleep(1000);
	return load_int(flag);
}

/* Joins a thread that sets *@done at its end, if it ends in time. */
static bool join_within(pthread_t thread, const int *done,
			unsigned int timeout_ms)
{
	if (!wait_flag(done, timeout_ms))
		return false;
	return pthread_join(thread, NULL) == 0;
}

/* Waits (bounded) until no file or job holds the module any more. */
static void module_wait_unused(void)
{
	int64_t deadline = vsvm_deadline_ns(IDLE_TIMEOUT_MS);
	char refcnt[16];

	while (!read_file("/sys/module/" VSVM_IGT_MODULE "/refcnt", refcnt,
			  sizeof(refcnt)) && atoi(refcnt) &&
	       vsvm_now_ns() < deadline)
		usleep(10000);
}

/* Binds the device if it is not and reloads the module as it was. */
static void device_restore(void)
{
	if (state.unbind_stuck)
		return;
	if (!device_bound())
		write_file(VSVM_PLATFORM_DRIVER "/bind", VSVM_PLATFORM_DEVICE);
	if (state.module_changed) {
		state.module_changed = false;
		module_wait_unused();
		igt_assert_eq(vsvm_igt_reload(NULL), 0);
	}
}

/* Whether thread @tid of this process sleeps in ioctl(), as /proc says */
static bool thread_in_ioctl(int tid)
{
	char path[64], line[256];

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	return !read_file(path, line, sizeof(line)) &&
	       strtol(line, NULL, 10) == SYS_ioctl;
}

static void *pinger_thread(void *arg)
{
	struct pinger *p = arg;
	struct drm_vsvm_prefetch prefetch;
	int ret;

	do {
		prefetch = (struct drm_vsvm_prefetch) {
			.vm_id = p->vm,
			.start = to_user_pointer(p->buf),
			.size = UB_PING_SIZE,
			.region = p->moves & 1 ? DRM_VSVM_REGION_SYSTEM :
						 DRM_VSVM_REGION_VRAM,
		};
		ret = __vsvm_prefetch(p->fd, &prefetch);
		if (!ret)
			__atomic_add_fetch(&p->moves, 1, __ATOMIC_RELEASE);
	} while (!ret && !load_int(&p->stop));
	p->ret = ret;
	store_int(&p->done, 1);
	return NULL;
}

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;

	store_int(&w->tid, gettid());
	w->ret = __vsvm_wait_job(w->fd, w->vm, w->seqno,
				 vsvm_deadline_ns(UB_JOB_TIMEOUT_MS),
				 &w->wait);
	store_int(&w->done, 1);
	return NULL;
}

static unsigned long pinger_moves(const struct pinger *p)
{
	return __atomic_load_n(&p->moves, __ATOMIC_ACQUIRE);
}

static void pinger_start(struct pinger *p)
{
	igt_assert_eq(pthread_create(&p->thread, NULL, pinger_thread, p), 0);
	running_pinger = p;
}

/* Stops the pinger; false if it did not end in time. */
static bool pinger_stop(struct pinger *p)
{
	running_pinger = NULL;
	store_int(&p->stop, 1);
	return join_within(p->thread, &p->done, UB_SETTLE_TIMEOUT_MS);
}

static void waiter_start(struct waiter *w)
{
	igt_assert_eq(pthread_create(&w->thread, NULL, waiter_thread, w), 0);
	running_waiter = w;
}

/* Joins the waiter; false if it did not end in time. */
static bool waiter_join(struct waiter *w)
{
	running_waiter = NULL;
	return join_within(w->thread, &w->done, UB_SETTLE_TIMEOUT_MS);
}

/*
 * Ends the threads a failed assertion left running: the pinger, and the
 * WAIT, which holds the file (so closing it would not close the VM) and
 * returns once VM_DESTROY has stopped the job.
 */
static void unbind_threads_stop(void)
{
	struct drm_vsvm_vm_destroy destroy;

	if (running_pinger)
		pinger_stop(running_pinger);
	if (running_waiter) {
		destroy = (struct drm_vsvm_vm_destroy) {
			.vm_id = running_waiter->vm,
		};
		__vsvm_vm_destroy(running_waiter->fd, &destroy);
		waiter_join(running_waiter);
	}
}

static void *unbind_thread(void *arg)
{
	unbinder.ret = write_file(VSVM_PLATFORM_DRIVER "/unbind",
				  VSVM_PLATFORM_DEVICE);
	store_int(&unbinder.done, 1);
	return arg;
}

/* The long job: COPYs from the source to the destination, with progress */
static void unbind_batch(struct unbind_test *t)
{
	uint64_t src = to_user_pointer(t->bufs), dst = src + UB_BUF_SIZE;
	unsigned int i;

	t->cmds = vsvm_map_anon(DRM_VSVM_BATCH_MAX_SIZE);
	vsvm_batch_init(&t->batch, t->cmds, DRM_VSVM_BATCH_MAX_SIZE);
	for (i = 1; i <= UB_COPIES; i++) {
		vsvm_batch_copy(&t->batch, dst, src, UB_BUF_SIZE);
		if (!(i % UB_COPIES_PER_STORE))
			vsvm_batch_store64(&t->batch,
					   to_user_pointer(t->progress), i);
	}
}

/* One move of the pinger's buffer to VRAM and back, on an idle device */
static void ping_once(const struct pinger *p)
{
	uint64_t buf = to_user_pointer(p->buf);
	struct drm_vsvm_prefetch to_vram, to_system;
	int64_t t0 = clock_ns();

	to_vram = vsvm_prefetch(p->fd, p->vm, buf, UB_PING_SIZE,
				DRM_VSVM_REGION_VRAM);
	to_system = vsvm_prefetch(p->fd, p->vm, buf, UB_PING_SIZE,
				  DRM_VSVM_REGION_SYSTEM);
	igt_info("PREFETCH of %lu KiB to VRAM and back: %.3f s\n",
		 UB_PING_SIZE / 1024, secs(clock_ns() - t0));
	igt_assert_eq_u64(to_vram.moved, PAGES(UB_PING_SIZE));
	igt_assert_eq_u64(to_system.moved, PAGES(UB_PING_SIZE));
}

/*
 * A small VRAM, the job's buffers preferring it, a buffer moved into it
 * and the pinger's buffer in 64 KiB granules; the rest in system memory.
 */
static void unbind_setup(struct unbind_test *t)
{
	const struct drm_vsvm_mem_attrs vram = {
		.preferred_loc = DRM_VSVM_LOC_VRAM,
	};
	const struct drm_vsvm_mem_attrs granules = {
		.preferred_loc = DRM_VSVM_LOC_SYSTEM,
		.granularity = DRM_VSVM_PAGE_SIZE_64K,
	};
	int fd;

	igt_require_f(access(VSVM_PLATFORM_DRIVER "/unbind", W_OK) == 0,
		      "cannot unbind through %s\n", VSVM_PLATFORM_DRIVER);
	state.module_changed = true;
	igt_assert_eq(vsvm_igt_reload(UB_MODULE_OPTIONS), 0);
	t->gpu = gpu_open();
	fd = t->gpu.fd;
	igt_assert_eq_u64(vsvm_require_vram(fd), UB_VRAM_MB * SZ_1M);

	t->bufs = vsvm_map_isolated_anon(2 * UB_BUF_SIZE, SZ_2M);
	vsvm_pattern_fill(t->bufs, UB_BUF_SIZE, UB_SRC_SEED);
	memset(t->bufs + UB_BUF_SIZE, 0, UB_BUF_SIZE);
	vsvm_madvise(fd, t->gpu.vm, to_user_pointer(t->bufs),
		     2 * UB_BUF_SIZE, &vram);

	t->keep = vsvm_map_isolated_anon(UB_KEEP_SIZE, SZ_2M);
	vsvm_pattern_fill(t->keep, UB_KEEP_SIZE, UB_KEEP_SEED);
	vsvm_prefetch(fd, t->gpu.vm, to_user_pointer(t->keep), UB_KEEP_SIZE,
		      DRM_VSVM_REGION_VRAM);

	t->pinger = (struct pinger) {
		.fd = fd,
		.vm = t->gpu.vm,
		.buf = vsvm_map_isolated_anon(UB_PING_SIZE, SZ_2M),
	};
	vsvm_pattern_fill(t->pinger.buf, UB_PING_SIZE, UB_PING_SEED);
	vsvm_madvise(fd, t->gpu.vm, to_user_pointer(t->pinger.buf),
		     UB_PING_SIZE, &granules);
	ping_once(&t->pinger);

	t->progress = vsvm_map_anon(SZ_4K);
	unbind_batch(t);
}

/* Starts the job, a WAIT for it and the pinger, and sees each at work. */
static void unbind_start(struct unbind_test *t)
{
	int64_t deadline;

	t->seqno = vsvm_exec(t->gpu.fd, t->gpu.vm, 0, &t->batch);
	t->waiter = (struct waiter) {
		.fd = t->gpu.fd,
		.vm = t->gpu.vm,
		.seqno = t->seqno,
	};
	waiter_start(&t->waiter);

	deadline = vsvm_deadline_ns(UB_SETTLE_TIMEOUT_MS);
	while (load_u64(t->progress) < UB_COPIES_PER_STORE &&
	       vsvm_now_ns() < deadline)
		usleep(1000);
	igt_assert_f(load_u64(t->progress) >= UB_COPIES_PER_STORE,
		     "the job did no %u COPYs within %u ms\n",
		     UB_COPIES_PER_STORE, UB_SETTLE_TIMEOUT_MS);

	pinger_start(&t->pinger);
	deadline = vsvm_deadline_ns(UB_SETTLE_TIMEOUT_MS);
	while (pinger_moves(&t->pinger) < 2 &&
	       !load_int(&t->pinger.done) && vsvm_now_ns() < deadline)
		usleep(1000);
	igt_assert_f(!load_int(&t->pinger.done),
		     "PREFETCH failed before the unbind: %d (%s)\n",
		     t->pinger.ret, strerror(-t->pinger.ret));
	igt_assert_f(pinger_moves(&t->pinger) >= 2,
		     "PREFETCH did not move the buffer to VRAM and back within %u ms\n",
		     UB_SETTLE_TIMEOUT_MS);

	/* The WAIT sleeps in the kernel, past its look-up of the device */
	deadline = vsvm_deadline_ns(UB_SETTLE_TIMEOUT_MS);
	while (!(load_int(&t->waiter.tid) &&
		 thread_in_ioctl(load_int(&t->waiter.tid))) &&
	       !load_int(&t->waiter.done) && vsvm_now_ns() < deadline)
		usleep(1000);
	igt_assert_f(!load_int(&t->waiter.done),
		     "WAIT returned before the unbind: %d, status %u, error %u\n",
		     t->waiter.ret, t->waiter.wait.status,
		     t->waiter.wait.error);
	igt_assert_f(thread_in_ioctl(t->waiter.tid),
		     "WAIT did not go to sleep within %u ms\n",
		     UB_SETTLE_TIMEOUT_MS);
}

/* What the unbind will find: the job running, the process's data in VRAM */
static void unbind_check_running(struct unbind_test *t)
{
	igt_assert_f(job_running(t->gpu.fd, t->gpu.vm, t->seqno),
		     "the job ended before the unbind, after %llu COPYs\n",
		     (unsigned long long)load_u64(t->progress));
	igt_assert_eq(jobs_in_flight(), 1);
	vsvm_assert_residency(t->gpu.fd, t->gpu.vm, to_user_pointer(t->bufs),
			      2 * UB_BUF_SIZE, VSVM_RESIDENCY_VRAM);
	vsvm_assert_residency(t->gpu.fd, t->gpu.vm, to_user_pointer(t->keep),
			      UB_KEEP_SIZE, VSVM_RESIDENCY_VRAM);
	igt_info("before the unbind: %llu COPYs done, %lu PREFETCH moves, %llu KiB of VRAM used\n",
		 (unsigned long long)load_u64(t->progress),
		 pinger_moves(&t->pinger),
		 (unsigned long long)(vsvm_vram_used(0) / 1024));
}

/* Unbinds the device; returns how long the unbind took. */
static int64_t unbind_device(const struct unbind_test *t)
{
	uint64_t copies = load_u64(t->progress);
	unsigned long moves = pinger_moves(&t->pinger);
	int64_t t0 = clock_ns();

	unbinder.ret = 0;
	unbinder.done = 0;
	igt_assert_eq(pthread_create(&unbinder.thread, NULL, unbind_thread,
				     NULL), 0);
	if (!join_within(unbinder.thread, &unbinder.done,
			 UB_UNBIND_TIMEOUT_MS)) {
		state.unbind_stuck = true;
		igt_assert_f(false,
			     "the unbind did not return within %u ms; meanwhile the job went from %llu to %llu COPYs, PREFETCH from %lu to %lu moves%s%s\n",
			     UB_UNBIND_TIMEOUT_MS, (unsigned long long)copies,
			     (unsigned long long)load_u64(t->progress), moves,
			     pinger_moves(&t->pinger),
			     load_int(&t->pinger.done) ? " and ended with " : "",
			     load_int(&t->pinger.done) ?
			     strerror(-t->pinger.ret) : "");
	}
	igt_assert_f(!unbinder.ret, "the unbind failed: %s\n",
		     strerror(-unbinder.ret));
	igt_assert(!device_bound());
	return clock_ns() - t0;
}

/* The job and PREFETCH ended, with ENODEV, and nothing was lost. */
static void unbind_check_ended(struct unbind_test *t)
{
	const struct drm_vsvm_wait *wait = &t->waiter.wait;
	uint64_t copies = load_u64(t->progress);

	igt_assert_f(waiter_join(&t->waiter),
		     "WAIT did not return within %u ms of the unbind\n",
		     UB_SETTLE_TIMEOUT_MS);
	igt_info("WAIT: %d, status %u, error %u (%s) after %llu COPYs\n",
		 t->waiter.ret, wait->status, wait->error,
		 strerror(wait->error), (unsigned long long)copies);
	igt_assert_eq(t->waiter.ret, 0);
	igt_assert_eq_u32(wait->status, DRM_VSVM_WAIT_STATUS_GPU_ERROR);
	igt_assert_eq_u32(wait->error, ENODEV);
	igt_assert_f(copies < UB_COPIES,
		     "the job did all its %llu COPYs: the unbind came too late\n",
		     (unsigned long long)copies);

	igt_assert_f(pinger_stop(&t->pinger),
		     "PREFETCH did not return within %u ms of the unbind\n",
		     UB_SETTLE_TIMEOUT_MS);
	igt_info("PREFETCH: %d (%s) after %lu moves\n", t->pinger.ret,
		 strerror(-t->pinger.ret), t->pinger.moves);
	igt_assert_eq(t->pinger.ret, -ENODEV);

	/* The remove evicted VRAM: every byte is back in system memory */
	vsvm_assert_pattern(t->keep, UB_KEEP_SIZE, UB_KEEP_SEED);
	vsvm_assert_pattern(t->bufs, UB_BUF_SIZE, UB_SRC_SEED);
	vsvm_assert_pattern(t->bufs + UB_BUF_SIZE, UB_BUF_SIZE, UB_SRC_SEED);
	vsvm_assert_pattern(t->pinger.buf, UB_PING_SIZE, UB_PING_SEED);
}

static void assert_enodev(const char *what, int ret)
{
	igt_assert_f(ret == -ENODEV,
		     "%s on a file of the unbound device: %d (%s), not ENODEV\n",
		     what, ret, strerror(-ret));
}

/* Every ioctl on a file of the unbound device answers ENODEV. */
static void unbind_check_file(const struct unbind_test *t)
{
	struct drm_vsvm_query_device info;
	struct drm_vsvm_query query = {
		.item = DRM_VSVM_QUERY_DEVICE,
		.data = to_user_pointer(&info),
		.size = sizeof(info),
	};
	struct drm_vsvm_vm_create create = {};
	struct drm_vsvm_vm_destroy destroy = { .vm_id = t->gpu.vm };
	struct drm_vsvm_exec exec = {
		.vm_id = t->gpu.vm,
		.batch_addr = to_user_pointer(t->cmds),
		.batch_size = sizeof(struct drm_vsvm_cmd_copy),
	};
	struct drm_vsvm_wait wait;
	int fd = t->gpu.fd;

	assert_enodev("QUERY", __vsvm_query(fd, &query));
	assert_enodev("VM_CREATE", __vsvm_vm_create(fd, &create));
	assert_enodev("EXEC", __vsvm_exec(fd, &exec));
	assert_enodev("WAIT", __vsvm_wait_job(fd, t->gpu.vm, t->seqno, 0,
					      &wait));
	assert_enodev("VM_DESTROY", __vsvm_vm_destroy(fd, &destroy));
}

/* The same for the ioctls on memory */
static void unbind_check_file_memory(const struct unbind_test *t)
{
	uint8_t entries[PAGES(UB_KEEP_SIZE)];
	uint64_t keep = to_user_pointer(t->keep);
	struct drm_vsvm_range_info range_info = {
		.vm_id = t->gpu.vm,
		.start = keep,
		.size = UB_KEEP_SIZE,
		.data = to_user_pointer(entries),
	};
	struct drm_vsvm_madvise madvise = {
		.vm_id = t->gpu.vm,
		.start = keep,
		.size = UB_KEEP_SIZE,
	};
	struct drm_vsvm_attr_query attr_query = {
		.vm_id = t->gpu.vm,
		.addr = keep,
	};
	struct drm_vsvm_prefetch prefetch = {
		.vm_id = t->gpu.vm,
		.start = keep,
		.size = UB_KEEP_SIZE,
		.region = DRM_VSVM_REGION_VRAM,
	};
	int fd = t->gpu.fd;

	assert_enodev("RANGE_INFO", __vsvm_range_info(fd, &range_info));
	assert_enodev("MADVISE", __vsvm_madvise(fd, &madvise));
	assert_enodev("ATTR_QUERY", __vsvm_attr_query(fd, &attr_query));
	assert_enodev("PREFETCH", __vsvm_prefetch(fd, &prefetch));
	vsvm_assert_pattern(t->keep, UB_KEEP_SIZE, UB_KEEP_SEED);
}

/* Binds the device again: a new file runs a job through its VRAM. */
static void unbind_rebind_run(void)
{
	const struct drm_vsvm_mem_attrs vram = {
		.preferred_loc = DRM_VSVM_LOC_VRAM,
	};
	uint8_t *bufs = vsvm_map_isolated_anon(2 * UB_BUF_SIZE, SZ_2M);
	uint64_t *cmds = vsvm_map_anon(SZ_4K), *fence = cmds + 64;
	struct vsvm_batch batch;
	uint32_t vm;
	int fd;

	igt_assert_eq(write_file(VSVM_PLATFORM_DRIVER "/bind",
				 VSVM_PLATFORM_DEVICE), 0);
	igt_assert(device_bound());
	fd = __vsvm_igt_open(0);
	igt_assert_f(fd >= 0, "no vsvm device after the bind\n");
	dev_track(fd);
	igt_assert_eq_u64(vsvm_require_vram(fd), UB_VRAM_MB * SZ_1M);
	/* A new device: its VRAM and counters start from nothing */
	igt_assert_eq_u64(vsvm_vram_used(0), 0);
	igt_assert_eq_u64(vsvm_counter("jobs_submitted"), 0);

	vm = vsvm_vm_create(fd);
	vsvm_madvise(fd, vm, to_user_pointer(bufs), 2 * UB_BUF_SIZE, &vram);
	vsvm_pattern_fill(bufs, UB_BUF_SIZE, UB_NEW_SEED);
	memset(bufs + UB_BUF_SIZE, 0, UB_BUF_SIZE);
	*fence = 0;
	vsvm_batch_init(&batch, cmds, 64 * sizeof(*cmds));
	vsvm_batch_copy(&batch, to_user_pointer(bufs + UB_BUF_SIZE),
			to_user_pointer(bufs), UB_BUF_SIZE);
	vsvm_batch_store64(&batch, to_user_pointer(fence), MARKER);
	vsvm_run(fd, vm, 0, &batch);

	vsvm_assert_residency(fd, vm, to_user_pointer(bufs), 2 * UB_BUF_SIZE,
			      VSVM_RESIDENCY_VRAM);
	igt_assert_eq_u64(load_u64(fence), MARKER);
	vsvm_assert_pattern(bufs + UB_BUF_SIZE, UB_BUF_SIZE, UB_NEW_SEED);
	vsvm_assert_pattern(bufs, UB_BUF_SIZE, UB_NEW_SEED);
	igt_assert_eq_u64(vsvm_counter("jobs_completed"), 1);

	vsvm_vm_destroy(fd, vm);
	dev_close(fd);
	munmap(cmds, SZ_4K);
	munmap(bufs, 2 * UB_BUF_SIZE);
}

static void test_unbind_during_jobs(void)
{
	struct unbind_test t = {};
	int64_t unbind_ns;

	unbind_setup(&t);
	unbind_start(&t);
	unbind_check_running(&t);
	unbind_ns = unbind_device(&t);
	igt_info("the unbind took %.3f s\n", secs(unbind_ns));
	unbind_check_ended(&t);
	unbind_check_file(&t);
	unbind_check_file_memory(&t);

	unbind_rebind_run();
	/* The old file still belongs to the old device */
	unbind_check_file(&t);
	t.gpu.vm = 0;
	gpu_close(&t.gpu);
	device_restore();

	munmap(t.progress, SZ_4K);
	munmap(t.cmds, DRM_VSVM_BATCH_MAX_SIZE);
	munmap(t.pinger.buf, UB_PING_SIZE);
	munmap(t.keep, UB_KEEP_SIZE);
	munmap(t.bufs, 2 * UB_BUF_SIZE);
}

/* ------------------------------------------------------------------ */
/* exec-seqno-unique                                                    */
/* ------------------------------------------------------------------ */

#define FAILSLAB		"/sys/kernel/debug/failslab/"
#define SLAB_XA_NODE_FAILSLAB	"/sys/kernel/slab/radix_tree_node/failslab"

#define SEQ_THREADS		2
#define SEQ_JOBS		8000	/* per thread */
#define SEQ_BUDGET_NS		(30 * NSEC_PER_SEC)

/*
 * Fault injection for the xarray's node allocations of the test's own
 * threads: with every non-sleeping allocation failing, xarray drops its
 * lock to allocate with GFP_KERNEL.  Set in this order, restored in the
 * reverse one, so that injection is armed only once it is filtered.
 */
static const struct {
	const char *path;
	const char *value;
} failslab_knobs[] = {
	{ FAILSLAB "task-filter", "Y" },
	{ FAILSLAB "cache-filter", "Y" },
	{ FAILSLAB "ignore-gfp-wait", "Y" },
	{ SLAB_XA_NODE_FAILSLAB, "1" },
	{ FAILSLAB "verbose", "0" },
	{ FAILSLAB "space", "0" },
	{ FAILSLAB "times", "-1" },
	{ FAILSLAB "interval", "1" },
	{ FAILSLAB "probability", "100" },
};

static struct {
	char values[ARRAY_SIZE(failslab_knobs)][32];
	unsigned int saved;
} failslab_saved;

static void failslab_restore(void)
{
	while (failslab_saved.saved) {
		unsigned int i = --failslab_saved.saved;

		write_file(failslab_knobs[i].path, failslab_saved.values[i]);
	}
}

static void failslab_arm(void)
{
	unsigned int i;

	igt_require_f(access(FAILSLAB "probability", W_OK) == 0 &&
		      access(SLAB_XA_NODE_FAILSLAB, W_OK) == 0,
		      "no failslab, or no radix_tree_node cache to filter on\n");
	for (i = 0; i < ARRAY_SIZE(failslab_knobs); i++) {
		igt_assert_eq(read_file(failslab_knobs[i].path,
					failslab_saved.values[i],
					sizeof(failslab_saved.values[i])), 0);
		failslab_saved.saved = i + 1;
		igt_assert_f(!write_file(failslab_knobs[i].path,
					 failslab_knobs[i].value),
			     "cannot write %s to %s\n",
			     failslab_knobs[i].value, failslab_knobs[i].path);
	}
}

struct submitter {
	pthread_t thread;
	int fd;
	uint32_t vm;
	const struct vsvm_batch *batch;
	unsigned int engines;
	unsigned int cpu;
	int64_t deadline;
	int *go;
	uint64_t *seqnos;
	unsigned int count;
	int error;
	int fail_ret;
};

static void *submitter_thread(void *arg)
{
	struct submitter *s = arg;
	struct drm_vsvm_exec exec = {
		.vm_id = s->vm,
		.batch_addr = to_user_pointer(s->batch->buf),
		.batch_size = s->batch->size,
	};
	int ret;

	pin_self(s->cpu);
	/* Only this thread's allocations fail */
	s->fail_ret = write_file("/proc/thread-self/make-it-fail", "1");
	while (!load_int(s->go) && clock_ns() < s->deadline)
		sched_yield();
	while (s->count < SEQ_JOBS && clock_ns() < s->deadline) {
		exec.engine = s->count % s->engines;
		ret = __vsvm_exec(s->fd, &exec);
		if (ret) {
			s->error = ret;
			break;
		}
		s->seqnos[s->count++] = exec.seqno;
	}
	write_file("/proc/thread-self/make-it-fail", "0");
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_exec_seqno_unique(void)
{
	struct submitter sub[SEQ_THREADS];
	uint64_t *cmds = vsvm_map_anon(SZ_4K), *all;
	struct drm_vsvm_cmd_header *bad;
	unsigned int i, total = 0, dups = 0, first_dup = 0;
	struct vsvm_batch batch;
	struct gpu g = gpu_open();
	int64_t t0, elapsed;
	int go = 0;

	/* Jobs that fail at once: their records stay, the xarray grows */
	vsvm_batch_init(&batch, cmds, SZ_4K);
	bad = vsvm_batch_emit(&batch, sizeof(*bad));
	bad->opcode = BAD_OPCODE;
	all = calloc(SEQ_THREADS * SEQ_JOBS, sizeof(*all));
	igt_assert(all);

	t0 = clock_ns();
	for (i = 0; i < SEQ_THREADS; i++) {
		sub[i] = (struct submitter) {
			.fd = g.fd,
			.vm = g.vm,
			.batch = &batch,
			.engines = g.engines,
			/* one CPU: each preempts the other in its EXEC */
			.cpu = 0,
			.deadline = t0 + SEQ_BUDGET_NS,
			.go = &go,
			.seqnos = all + i * SEQ_JOBS,
		};
	}
	failslab_arm();
	for (i = 0; i < SEQ_THREADS; i++)
		igt_assert_eq(pthread_create(&sub[i].thread, NULL,
					     submitter_thread, &sub[i]), 0);
	store_int(&go, 1);
	for (i = 0; i < SEQ_THREADS; i++)
		igt_assert_eq(pthread_join(sub[i].thread, NULL), 0);
	elapsed = clock_ns() - t0;
	failslab_restore();

	for (i = 0; i < SEQ_THREADS; i++) {
		igt_assert_f(!sub[i].fail_ret,
			     "cannot set make-it-fail: %s\n",
			     strerror(-sub[i].fail_ret));
		igt_assert_f(!sub[i].error,
			     "thread %u: EXEC %u failed: %d (%s)\n", i,
			     sub[i].count, sub[i].error,
			     strerror(-sub[i].error));
		/* pack the seqnos */
		memmove(all + total, sub[i].seqnos,
			sub[i].count * sizeof(*all));
		total += sub[i].count;
	}
	assert_jobs_idle();

	qsort(all, total, sizeof(*all), cmp_u64);
	for (i = 1; i < total; i++) {
		if (all[i] != all[i - 1])
			continue;
		if (!dups++)
			first_dup = i;
	}
	igt_info("%u EXECs from %u threads in %.3f s, seqnos %llu..%llu, %u duplicates\n",
		 total, SEQ_THREADS, secs(elapsed),
		 total ? (unsigned long long)all[0] : 0ull,
		 total ? (unsigned long long)all[total - 1] : 0ull, dups);
	igt_assert_f(!dups, "%u seqnos returned twice, the first %llu\n",
		     dups, (unsigned long long)all[first_dup]);
	/* Distinct, and from 1 without gaps: the VM had no other jobs */
	for (i = 0; i < total; i++)
		igt_assert_eq_u64(all[i], i + 1);

	free(all);
	gpu_close(&g);
	munmap(cmds, SZ_4K);
}

/* ------------------------------------------------------------------ */
/* *-copy-out-fault                                                     */
/* ------------------------------------------------------------------ */

/*
 * A copy of @args in a page the kernel can read but not write: the
 * ioctl gets its input, and its result cannot be copied back.
 */
static void *readonly_args(const void *args, size_t size)
{
	void *page = vsvm_map_anon(SZ_4K);

	memcpy(page, args, size);
	igt_assert_eq(mprotect(page, SZ_4K, PROT_READ), 0);
	return page;
}

/* The VMs of this process on device 0, as debugfs lists them */
static int count_my_vms(void)
{
	int count = vsvm_count_vms(0, getpid());

	igt_require_f(count >= 0, "cannot read %s: %s\n", VSVM_VMS,
		      strerror(errno));
	return count;
}

#define CO_ATTEMPTS	8

static void test_vm_create_copy_out_fault(void)
{
	struct drm_vsvm_vm_create create = {}, *ro;
	struct drm_vsvm_vm_destroy destroy = {};
	int fd = dev_open(), before, after;
	unsigned int i;
	uint32_t vm;

	vsvm_require_svm(fd);
	ro = readonly_args(&create, sizeof(create));
	before = count_my_vms();

	for (i = 0; i < CO_ATTEMPTS; i++)
		igt_assert_eq(__vsvm_vm_create(fd, ro), -EFAULT);
	after = count_my_vms();
	igt_info("VMs of this process: %d before, %d after %u VM_CREATE with a read-only argument\n",
		 before, after, CO_ATTEMPTS);
	igt_assert_f(after == before,
		     "%d VMs left by VM_CREATE calls that failed with EFAULT\n",
		     after - before);

	/* None of the ids this file could have handed out is in use */
	for (i = 1; i <= CO_ATTEMPTS + 1; i++) {
		destroy.vm_id = i;
		igt_assert_f(__vsvm_vm_destroy(fd, &destroy) == -ENOENT,
			     "VM %u exists after VM_CREATE failed with EFAULT\n",
			     i);
	}

	/* The check sees a VM that does exist */
	vm = vsvm_vm_create(fd);
	igt_assert_eq(count_my_vms(), before + 1);
	vsvm_vm_destroy(fd, vm);
	igt_assert_eq(count_my_vms(), before);

	munmap(ro, SZ_4K);
	dev_close(fd);
}

static void test_exec_copy_out_fault(void)
{
	uint64_t *tool = vsvm_map_anon(SZ_4K);
	uint64_t *target = &tool[0], *fence = &tool[1];
	uint64_t *cmds = vsvm_map_anon(SZ_4K), *fence_cmds = cmds + 64;
	struct vsvm_batch batch, fence_batch;
	struct drm_vsvm_exec exec = {}, *ro;
	struct gpu g = gpu_open();
	uint64_t submitted, seqno;
	unsigned int e, i;

	*target = 0;
	vsvm_batch_init(&batch, cmds, 64 * sizeof(*cmds));
	vsvm_batch_store64(&batch, to_user_pointer(target), MARKER);
	vsvm_batch_init(&fence_batch, fence_cmds, 64 * sizeof(*cmds));

	for (e = 0; e < g.engines; e++) {
		exec = (struct drm_vsvm_exec) {
			.vm_id = g.vm,
			.engine = e,
			.batch_addr = to_user_pointer(batch.buf),
			.batch_size = batch.size,
		};
		ro = readonly_args(&exec, sizeof(exec));
		submitted = vsvm_counter("jobs_submitted");
		for (i = 0; i < CO_ATTEMPTS; i++)
			igt_assert_eq(__vsvm_exec(g.fd, ro), -EFAULT);
		igt_assert_f(vsvm_counter("jobs_submitted") == submitted,
			     "engine %u: %llu jobs submitted by EXEC calls that failed with EFAULT\n",
			     e, (unsigned long long)(vsvm_counter("jobs_submitted") -
						     submitted));

		/*
		 * Jobs on one engine run in order: once a later job is
		 * done, a job the failed EXEC queued would have run.
		 */
		*fence = 0;
		vsvm_batch_reset(&fence_batch);
		vsvm_batch_store64(&fence_batch, to_user_pointer(fence),
				   e + 1);
		seqno = vsvm_exec(g.fd, g.vm, e, &fence_batch);
		vsvm_wait_job(g.fd, g.vm, seqno);
		igt_assert_eq_u64(load_u64(fence), e + 1);
		igt_info("engine %u: the next job got seqno %llu\n", e,
			 (unsigned long long)seqno);
		igt_assert_f(load_u64(target) != MARKER,
			     "engine %u: the batch of an EXEC that failed with EFAULT ran\n",
			     e);
		igt_assert_eq_u64(vsvm_counter("jobs_submitted"),
				  submitted + 1);
		munmap(ro, SZ_4K);
	}

	assert_jobs_idle();
	gpu_close(&g);
	munmap(cmds, SZ_4K);
	munmap(tool, SZ_4K);
}

/* ------------------------------------------------------------------ */
/* destroy-during-long-job                                              */
/* ------------------------------------------------------------------ */

/*
 * A job stuck in a GPU fault: it fills a shared memfd mapping whose pages
 * the CPU keeps punching out, so that every attempt of the fault handler
 * to mirror them is invalidated before it can map them, and it retries
 * until the job timeout.  Punching the file reaches every process that
 * maps it, so the invalidating threads need not be in the job's process.
 */
#define STUCK_SIZE		(4 * SZ_1M)
#define STUCK_SETTLE_MS		1000
/* What "promptly" means for VM_DESTROY, close() and exit */
#define PROMPT_NS		(2 * NSEC_PER_SEC)
#define INVALIDATORS		2

struct invalidator {
	pthread_t threads[INVALIDATORS];
	int memfd;
	int stop;
	unsigned long punches;
	int error;
};

struct invalidator_thread_arg {
	struct invalidator *inv;
	unsigned int cpu;
};

static struct invalidator_thread_arg inv_args[INVALIDATORS];
/* The invalidator running, for the fixture to stop */
static struct invalidator *running_inv;

static void *invalidator_thread(void *arg)
{
	struct invalidator_thread_arg *a = arg;
	struct invalidator *inv = a->inv;

	pin_self(a->cpu);
	while (!load_int(&inv->stop)) {
		if (fallocate(inv->memfd,
			      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			      STUCK_SIZE)) {
			inv->error = -errno;
			break;
		}
		__atomic_add_fetch(&inv->punches, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void invalidator_start(struct invalidator *inv, int memfd)
{
	unsigned int i;

	memset(inv, 0, sizeof(*inv));
	inv->memfd = memfd;
	/* One on each CPU: wherever the engine runs, one shares it */
	for (i = 0; i < INVALIDATORS; i++) {
		inv_args[i] = (struct invalidator_thread_arg) {
			.inv = inv,
			.cpu = i,
		};
		igt_assert_eq(pthread_create(&inv->threads[i], NULL,
					     invalidator_thread,
					     &inv_args[i]), 0);
	}
	running_inv = inv;
}

/* Stops the threads; returns the punches they made. */
static unsigned long invalidator_stop(struct invalidator *inv)
{
	unsigned int i;

	store_int(&inv->stop, 1);
	for (i = 0; i < INVALIDATORS; i++)
		pthread_join(inv->threads[i], NULL);
	running_inv = NULL;
	return inv->punches;
}

static void invalidator_check(const struct invalidator *inv)
{
	igt_assert_f(!inv->error, "punching the memfd: %s\n",
		     strerror(-inv->error));
}

/* The job: a FILL of the memfd, mapped 2 MiB aligned */
static void stuck_batch(struct vsvm_batch *batch, void *cmds, void *map,
			uint32_t pattern)
{
	vsvm_batch_init(batch, cmds, sizeof(struct drm_vsvm_cmd_fill));
	vsvm_batch_fill(batch, to_user_pointer(map), STUCK_SIZE, pattern);
}

/*
 * Starts the job on a new file of this process and lets it run for a
 * while.  Returns the result of the wait: -ETIME if the job is held.
 */
static int stuck_start(struct gpu *g, const struct vsvm_batch *b,
		       struct drm_vsvm_wait *wait)
{
	uint64_t seqno;

	*g = gpu_open();
	seqno = vsvm_exec(g->fd, g->vm, 0, b);
	return __vsvm_wait_job(g->fd, g->vm, seqno,
			       vsvm_deadline_ns(STUCK_SETTLE_MS), wait);
}

static void assert_stuck(int ret, const struct drm_vsvm_wait *wait)
{
	igt_assert_f(ret == -ETIME,
		     "the job ended within %u ms (%d, status %u, error %u): the invalidations did not hold it\n",
		     STUCK_SETTLE_MS, ret, wait->status, wait->error);
}

struct stuck_report {
	int go;
	int stage;
	int error;
	uint64_t seqno;
};

/*
 * The child of the exit case, with its own file and VM: no IGT call that
 * could fail, it reports through @rep and waits to be killed.
 */
static void __attribute__((noreturn))
stuck_child(struct stuck_report *rep, int memfd, void *map, void *cmds)
{
	struct drm_vsvm_vm_create create = {};
	struct drm_vsvm_madvise system = {
		.flags = DRM_VSVM_MADVISE_VM_DEFAULT,
		.attrs.preferred_loc = DRM_VSVM_LOC_SYSTEM,
	};
	struct drm_vsvm_cmd_fill *fill = cmds;
	struct drm_vsvm_exec exec = {
		.batch_addr = to_user_pointer(fill),
		.batch_size = sizeof(*fill),
	};
	int fd, ret;

	/* The mapping is the parent's: make it this process's own */
	munmap(map, STUCK_SIZE);
	if (mmap(map, STUCK_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, memfd, 0) != map) {
		ret = -errno;
		goto out;
	}
	fd = __vsvm_igt_open(0);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	ret = __vsvm_vm_create(fd, &create);
	if (!ret) {
		system.vm_id = create.vm_id;
		ret = __vsvm_madvise(fd, &system);
	}
	if (ret)
		goto out;

	memset(fill, 0, sizeof(*fill));
	fill->header.opcode = DRM_VSVM_OP_FILL;
	fill->addr = to_user_pointer(map);
	fill->size = STUCK_SIZE;
	fill->pattern = 0x57c4ed02;
	exec.vm_id = create.vm_id;
	store_int(&rep->stage, 1);
	while (!load_int(&rep->go))
		usleep(1000);
	ret = __vsvm_exec(fd, &exec);
	if (ret)
		goto out;
	rep->seqno = exec.seqno;
	store_int(&rep->stage, 2);
	for (;;)
		pause();
out:
	rep->error = ret;
	store_int(&rep->stage, -1);
	for (;;)
		pause();
}

static void test_destroy_during_long_job(void)
{
	unsigned int timeout_ms = vsvm_igt_module_param("job_timeout_ms");
	int memfd = memfd_create("vsvm_lifetime", MFD_CLOEXEC);
	uint64_t *cmds = vsvm_map_anon(SZ_4K);
	int64_t t0, destroy_ns, close_ns, exit_ns;
	unsigned long punches;
	struct drm_vsvm_vm_destroy destroy;
	struct drm_vsvm_wait wait;
	struct stuck_report *rep;
	struct invalidator inv;
	struct vsvm_batch batch;
	int ret, status, stage;
	struct gpu g;
	int64_t busy;
	void *map;
	pid_t pid;

	igt_require_f(timeout_ms >= 4 * PROMPT_NS / NSEC_PER_MSEC,
		      "job_timeout_ms %u is too short to tell a prompt teardown from a wait for the timeout\n",
		      timeout_ms);
	igt_assert_fd(memfd);
	igt_assert_eq(ftruncate(memfd, STUCK_SIZE), 0);
	map = vsvm_map_isolated(STUCK_SIZE, SZ_2M, PROT_READ | PROT_WRITE,
				MAP_SHARED, memfd, 0);
	stuck_batch(&batch, cmds, map, 0x57c4ed00);

	/* VM_DESTROY */
	invalidator_start(&inv, memfd);
	ret = stuck_start(&g, &batch, &wait);
	destroy = (struct drm_vsvm_vm_destroy) { .vm_id = g.vm };
	t0 = vsvm_now_ns();
	destroy.pad = __vsvm_vm_destroy(g.fd, &destroy);
	destroy_ns = vsvm_now_ns() - t0;
	g.vm = 0;
	punches = invalidator_stop(&inv);
	gpu_close(&g);
	invalidator_check(&inv);
	assert_stuck(ret, &wait);
	igt_info("VM_DESTROY with a job stuck in a fault: %d after %.3f s (%lu punches)\n",
		 (int)destroy.pad, secs(destroy_ns), punches);
	igt_assert_eq((int)destroy.pad, 0);
	assert_jobs_idle();

	/* close() of the file */
	invalidator_start(&inv, memfd);
	ret = stuck_start(&g, &batch, &wait);
	t0 = vsvm_now_ns();
	dev_close(g.fd);
	close_ns = vsvm_now_ns() - t0;
	punches = invalidator_stop(&inv);
	invalidator_check(&inv);
	assert_stuck(ret, &wait);
	igt_info("close() with a job stuck in a fault: %.3f s (%lu punches)\n",
		 secs(close_ns), punches);
	assert_jobs_idle();

	/* exit of a process, killed while its job is stuck */
	rep = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	igt_assert(rep != MAP_FAILED);
	memset(rep, 0, sizeof(*rep));
	pid = fork();
	igt_assert(pid >= 0);
	if (!pid)
		stuck_child(rep, memfd, map, cmds);
	state.child = pid;
	igt_assert_f(wait_flag(&rep->stage, VSVM_WAIT_TIMEOUT_MS) &&
		     load_int(&rep->stage) == 1,
		     "the child did not get ready: %d (%s)\n", rep->error,
		     strerror(-rep->error));
	invalidator_start(&inv, memfd);
	store_int(&rep->go, 1);
	while (load_int(&rep->stage) == 1)
		usleep(1000);
	stage = load_int(&rep->stage);
	if (stage == 2)
		usleep(STUCK_SETTLE_MS * 1000);
	busy = jobs_in_flight();
	t0 = vsvm_now_ns();
	kill(pid, SIGKILL);
	ret = waitpid(pid, &status, 0);
	exit_ns = vsvm_now_ns() - t0;
	state.child = -1;
	punches = invalidator_stop(&inv);
	invalidator_check(&inv);
	igt_assert_f(stage == 2, "the child's EXEC failed: %d (%s)\n",
		     rep->error, strerror(-rep->error));
	igt_assert_f(busy == 1,
		     "the child's job ended within %u ms: the invalidations did not hold it\n",
		     STUCK_SETTLE_MS);
	igt_assert_eq(ret, pid);
	igt_assert(WIFSIGNALED(status));
	igt_info("exit of a process with a job stuck in a fault: %.3f s (%lu punches)\n",
		 secs(exit_ns), punches);
	assert_jobs_idle();

	igt_assert_f(destroy_ns < PROMPT_NS,
		     "VM_DESTROY took %.3f s with a job stuck in a fault (job timeout %u ms)\n",
		     secs(destroy_ns), timeout_ms);
	igt_assert_f(close_ns < PROMPT_NS,
		     "close() took %.3f s with a job stuck in a fault (job timeout %u ms)\n",
		     secs(close_ns), timeout_ms);
	igt_assert_f(exit_ns < PROMPT_NS,
		     "the exit of a process took %.3f s with a job stuck in a fault (job timeout %u ms)\n",
		     secs(exit_ns), timeout_ms);

	munmap(rep, SZ_4K);
	munmap(map, STUCK_SIZE);
	munmap(cmds, SZ_4K);
	close(memfd);
}

/* ------------------------------------------------------------------ */
/* gc-after-owner-exit                                                  */
/* ------------------------------------------------------------------ */

/*
 * The garbage collector of a VM whose process has exited, the VM kept by
 * a file another process still has open.  The exit unmaps everything, so
 * every range of the VM is queued, and the collector runs once the address
 * space is gone.  Or it races the exit: collecting a partially unmapped
 * range, it makes new ranges of what is still mapped, and must hold the
 * address space (mmget()) until they are in, or the exit's unmap misses
 * them and they stay for good.  The child makes ranges, partially and
 * wholly unmaps buffers and exits; the parent checks that the collector
 * removed each range of the VM it kept, and that the VM stays usable by
 * seqno from the parent.  The first child waits for the collector before
 * it exits, so that the count is exact: each range left at the exit is
 * collected once, none split; the others exit at once, to race it.
 */
#define GC_BUFS		4
#define GC_FILL		0x6cc0ffee
#define GC_ROUNDS	32
#define GC_TIMEOUT_MS	10000

struct gc_report {
	int stage;
	int go;
	int error;
	uint32_t vm;
	uint64_t seqno;
};

static int gc_child_work(int fd, struct gc_report *rep, bool has_vram)
{
	struct drm_vsvm_madvise system = {
		.flags = DRM_VSVM_MADVISE_VM_DEFAULT,
		.attrs.preferred_loc = DRM_VSVM_LOC_SYSTEM,
	};
	struct drm_vsvm_vm_create create = {};
	struct drm_vsvm_wait wait;
	struct drm_vsvm_exec exec;
	struct vsvm_batch b;
	uint8_t *bufs, *cmds;
	unsigned int i;
	int ret;

	/* 2 MiB aligned buffers, one GPU range each, and the batch */
	bufs = mmap(NULL, (GC_BUFS + 1) * SZ_2M, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cmds = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bufs == MAP_FAILED || cmds == MAP_FAILED)
		return -ENOMEM;
	bufs = (uint8_t *)(((uintptr_t)bufs + SZ_2M - 1) & ~(SZ_2M - 1));

	ret = __vsvm_vm_create(fd, &create);
	if (!ret && has_vram) {
		system.vm_id = create.vm_id;
		ret = __vsvm_madvise(fd, &system);
	}
	if (ret)
		return ret;
	rep->vm = create.vm_id;

	vsvm_batch_init(&b, cmds, SZ_4K);
	for (i = 0; i < GC_BUFS; i++)
		vsvm_batch_fill(&b, to_user_pointer(bufs + i * SZ_2M), SZ_2M,
				GC_FILL + i);
	exec = (struct drm_vsvm_exec) {
		.vm_id = create.vm_id,
		.batch_addr = to_user_pointer(cmds),
		.batch_size = b.size,
	};
	ret = __vsvm_exec(fd, &exec);
	if (!ret)
		ret = __vsvm_wait_job(fd, create.vm_id, exec.seqno,
				      vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS),
				      &wait);
	if (ret)
		return ret;
	if (wait.status != DRM_VSVM_WAIT_STATUS_DONE)
		return -EIO;
	rep->seqno = exec.seqno;

	/*
	 * The first page of one buffer goes, which leaves 46 ranges for the
	 * collector to make of the rest, and the whole of another.
	 */
	if (munmap(bufs, SZ_4K) || munmap(bufs + SZ_2M, SZ_2M))
		return -errno;
	return 0;
}

/*
 * The child: make the VM and its ranges, unmap, then exit at once, or
 * with @settle when the parent says so.
 */
static void __attribute__((noreturn))
gc_child(int fd, struct gc_report *rep, bool has_vram, bool settle)
{
	int ret = gc_child_work(fd, rep, has_vram);

	rep->error = ret;
	store_int(&rep->stage, ret ? -1 : 1);
	while (settle && !ret && !load_int(&rep->go))
		usleep(1000);
	_exit(ret ? 1 : 0);
}

/*
 * The ranges of VM @vm of process @pid in debugfs, and how many of them
 * wait for the garbage collector; -1 if the VM is not listed.
 */
static int vm_ranges(pid_t pid, uint32_t vm, int *unmapped)
{
	char line[256];
	int count = -1, p;
	unsigned int id;
	FILE *file;

	*unmapped = 0;
	file = fopen(VSVM_VMS, "r");
	igt_require_f(file, "cannot read %s: %s\n", VSVM_VMS,
		      strerror(errno));
	while (fgets(line, sizeof(line), file)) {
		if (sscanf(line, "vm %u pid %d", &id, &p) == 2) {
			if (count >= 0)
				break;
			if (id == vm && p == pid)
				count = 0;
			continue;
		}
		if (count < 0 || line[0] != ' ')
			continue;
		count++;
		if (strstr(line, " unmapped"))
			(*unmapped)++;
	}
	fclose(file);
	return count;
}

/* Logs the ranges debugfs lists for VM @vm of process @pid */
static void vm_ranges_log(pid_t pid, uint32_t vm)
{
	char line[256];
	bool mine = false;
	unsigned int id;
	FILE *file;
	int p;

	file = fopen(VSVM_VMS, "r");
	if (!file)
		return;
	while (fgets(line, sizeof(line), file)) {
		if (sscanf(line, "vm %u pid %d", &id, &p) == 2)
			mine = id == vm && p == pid;
		if (mine)
			igt_info("%s", line);
	}
	fclose(file);
}

/*
 * Waits (bounded) until VM @vm of @pid lists @want ranges (-1: until it is
 * not listed), or, with @want -2, until none of its ranges waits for the
 * collector.  Returns the last count.
 */
static int vm_ranges_wait(pid_t pid, uint32_t vm, int want)
{
	int64_t deadline = vsvm_deadline_ns(GC_TIMEOUT_MS);
	int n, unmapped;

	for (;;) {
		n = vm_ranges(pid, vm, &unmapped);
		if (want == -2 ? !unmapped : n == want)
			return n;
		if (vsvm_now_ns() > deadline)
			break;
		usleep(10000);
	}
	vm_ranges_log(pid, vm);
	return n;
}

static pid_t gc_child_start(int fd, struct gc_report *rep, bool settle)
{
	bool has_vram = vsvm_has_vram(fd);
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	pid = fork();
	igt_assert(pid >= 0);
	if (!pid)
		gc_child(fd, rep, has_vram, settle);
	state.child = pid;
	igt_assert_f(wait_flag(&rep->stage, VSVM_WAIT_TIMEOUT_MS) &&
		     load_int(&rep->stage) == 1,
		     "the child could not make its ranges: %d (%s)\n",
		     rep->error, strerror(-rep->error));
	return pid;
}

static void gc_child_reap(pid_t pid)
{
	int status;

	igt_assert_eq(waitpid(pid, &status, 0), pid);
	state.child = -1;
	igt_assert(WIFEXITED(status) && !WEXITSTATUS(status));
}

/* The child's VM is whole after its exit: its job is known by seqno */
static void gc_check_vm_alive(int fd, const struct gc_report *rep,
			      uint8_t *cmds)
{
	struct drm_vsvm_exec exec = {
		.vm_id = rep->vm,
		.batch_addr = to_user_pointer(cmds),
		.batch_size = 8,
	};
	struct drm_vsvm_wait wait;

	igt_assert_eq(__vsvm_wait_job(fd, rep->vm, rep->seqno, 0, &wait), 0);
	igt_assert_eq_u32(wait.status, DRM_VSVM_WAIT_STATUS_DONE);
	igt_assert_eq(__vsvm_exec(fd, &exec), -EPERM);
}

static void test_gc_after_owner_exit(void)
{
	uint64_t gc0, split0, alive0 = vsvm_counter("ranges_alive");
	uint8_t *cmds = vsvm_map_anon(SZ_4K);
	uint32_t vms[GC_ROUNDS + 1];
	pid_t pids[GC_ROUNDS + 1];
	struct gc_report *rep;
	int fd = dev_open();
	int n, before, unmapped;
	struct vsvm_batch b;
	unsigned int r;
	pid_t pid;

	rep = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	igt_assert(rep != MAP_FAILED);
	vsvm_batch_init(&b, cmds, SZ_4K);
	vsvm_batch_nop(&b);

	/* The collector done with the unmaps while the child lives */
	pid = gc_child_start(fd, rep, true);
	vms[0] = rep->vm;
	pids[0] = pid;
	igt_assert_lte(0, vm_ranges_wait(pid, rep->vm, -2));
	before = vm_ranges(pid, rep->vm, &unmapped);
	igt_info("the child's VM %u has %d ranges before the exit\n",
		 rep->vm, before);
	/* two whole buffers, what is left of the third, and the batch */
	igt_assert_lte(GC_BUFS - 1, before);
	gc0 = vsvm_counter("ranges_gc");
	split0 = vsvm_counter("ranges_split");

	/* The exit queues every range, collected with the mm gone */
	store_int(&rep->go, 1);
	gc_child_reap(pid);
	n = vm_ranges_wait(pid, rep->vm, 0);
	igt_assert_f(n == 0,
		     "%d of the %d ranges of the exited child's VM still there after %u ms\n",
		     n, before, GC_TIMEOUT_MS);
	igt_assert_eq_u64(vsvm_counter("ranges_gc") - gc0, before);
	igt_assert_eq_u64(vsvm_counter("ranges_split") - split0, 0);
	gc_check_vm_alive(fd, rep, cmds);

	/* Children that exit right after their unmaps: the collector races */
	for (r = 1; r <= GC_ROUNDS; r++) {
		pid = gc_child_start(fd, rep, false);
		vms[r] = rep->vm;
		pids[r] = pid;
		gc_child_reap(pid);
		n = vm_ranges_wait(pid, rep->vm, 0);
		igt_assert_f(n == 0,
			     "round %u: %d ranges of the exited child's VM still there after %u ms\n",
			     r, n, GC_TIMEOUT_MS);
		gc_check_vm_alive(fd, rep, cmds);
	}

	/* Closing the last file destroys the VMs */
	dev_close(fd);
	for (r = 0; r <= GC_ROUNDS; r++)
		igt_assert_eq(vm_ranges_wait(pids[r], vms[r], -1), -1);
	igt_assert_eq_u64(vsvm_counter("ranges_alive"), alive0);

	munmap(rep, SZ_4K);
	munmap(cmds, SZ_4K);
}

/* ------------------------------------------------------------------ */

/* Puts back what a failed subtest may have left behind. */
static void restore_all(void)
{
	if (running_inv)
		invalidator_stop(running_inv);
	failslab_restore();
	if (state.child > 0) {
		kill(state.child, SIGKILL);
		waitpid(state.child, NULL, 0);
		state.child = -1;
	}
	unbind_threads_stop();
	dev_close_all();
	device_restore();
}

igt_main
{
	igt_fixture {
		int fd = vsvm_igt_open(0);

		vsvm_require_svm(fd);
		close(fd);
		igt_require_f(vsvm_has_counters(), "no debugfs counters\n");
	}

	igt_describe("VM_DESTROY racing PREFETCH of a large span: PREFETCH succeeds or answers ENOENT, and never uses the VM's torn-down attributes.");
	igt_subtest("destroy-vs-prefetch")
		test_destroy_vs_prefetch();

	igt_describe("VM_DESTROY and close() racing RANGE_INFO of a large span the GPU mapped: RANGE_INFO reports the whole mapping or answers ENOENT (EBADF once the file is closed), and never reads torn-down page tables.");
	igt_subtest("destroy-vs-range-info")
		test_destroy_vs_range_info();

	igt_describe("VM_DESTROY racing MADVISE and ATTR_QUERY, then munmap of the advised span: they succeed or answer ENOENT, and no attribute span outlives the VM.");
	igt_subtest("destroy-vs-madvise-munmap")
		test_destroy_vs_madvise_munmap();

	igt_describe("VM_DESTROY and close() racing EXEC, with the engine busy: EXEC succeeds or answers ENOENT, and every job it accepted ends, none on a freed file.");
	igt_subtest("destroy-vs-exec")
		test_destroy_vs_exec();

	igt_fixture
		restore_all();

	igt_describe("Two threads submitting thousands of jobs to one VM while xarray node allocations must sleep: every seqno is returned once.");
	igt_subtest("exec-seqno-unique")
		test_exec_seqno_unique();

	igt_fixture
		restore_all();

	igt_describe("VM_CREATE whose result cannot be copied out fails with EFAULT and leaves no VM.");
	igt_subtest("vm-create-copy-out-fault")
		test_vm_create_copy_out_fault();

	igt_describe("EXEC whose result cannot be copied out fails with EFAULT and runs no job.");
	igt_subtest("exec-copy-out-fault")
		test_exec_copy_out_fault();

	igt_describe("VM_DESTROY, close() and process exit return promptly while a job is stuck retrying a GPU fault, without waiting for the job timeout.");
	igt_subtest("destroy-during-long-job")
		test_destroy_during_long_job();

	igt_describe("The garbage collector of a VM whose process exited, its file kept open by another process: every range is gone after the exit, those the collector makes of partially unmapped ranges while it races the exit included, and the VM stays usable by seqno.");
	igt_subtest("gc-after-owner-exit")
		test_gc_after_owner_exit();

	igt_fixture
		restore_all();

	igt_describe("Unbinding the device while a long job runs and PREFETCH moves a buffer to VRAM and back: the unbind returns, the job and PREFETCH end with ENODEV, every byte the process had in VRAM is in its memory, the old file answers ENODEV, and the device bound again runs a job.");
	igt_subtest("unbind-during-jobs")
		test_unbind_during_jobs();

	igt_fixture
		restore_all();
}
