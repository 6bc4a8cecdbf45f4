// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * TEST: vsvm failpath
 * Category: Software emulated GPU
 * Description: Every allocation failure of every ioctl, found with the
 *		kernel's fault injection (failslab, fail_page_alloc and
 *		/proc/<tid>/fail-nth): each call is repeated with fail-nth
 *		1, 2, 3 ... until it runs without an injected failure, and
 *		every injected failure must end in a clean errno or a failed
 *		job, with the driver's state and the process's memory
 *		unchanged, and the device still working.  Each subtest
 *		reports how many failure points its path has.  GPU faults
 *		that fail, injected or not, leave no range without pages.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "vsvm_igt.h"

IGT_TEST_DESCRIPTION("Fault injection (fail-nth) on every ioctl path and on a job that faults and migrates: clean errors, nothing changed, nothing leaked, no empty range left by a failed fault, and the number of failure points of each path.");

/*
 * Bounds of the fail-nth loop: an ioctl path, and a path with a job, whose
 * iterations cost far more.  Reaching one fails the subtest.
 */
#define FAIL_NTH_MAX		2000
#define FAIL_NTH_MAX_JOB	400

/*
 * The fail-nth of the warm-up calls: far more chances than any path takes,
 * so nothing fails, and what is left says how many chances the call took.
 */
#define FAIL_NTH_WARMUP		1000000u

/* Iterations with problems after which a subtest gives up */
#define MAX_BAD_ITERATIONS	10

/* Untouched iterations in a row that end the loop of a path with a job */
#define JOB_STREAK		3

#define FI_DEBUGFS	"/sys/kernel/debug"
#define FAIL_NTH	"/proc/thread-self/fail-nth"

/* An address no mapping of the process has (below mmap_min_addr) */
#define UNMAPPED_ADDR	0x1000ull

/*
 * The settings of the fault injection: nothing fails at random (fail-nth
 * does not look at the probability), nothing is logged (verbose 2, the
 * default, dumps a stack per failure), and sleeping, highmem and order-0
 * allocations, which the defaults skip, can fail too.
 */
static struct fi_knob {
	const char *file;
	const char *value;
	char saved[64];
	bool changed;
} fi_knobs[] = {
	{ .file = "failslab/probability", .value = "0" },
	{ .file = "failslab/verbose", .value = "0" },
	{ .file = "failslab/ignore-gfp-wait", .value = "N" },
	{ .file = "failslab/cache-filter", .value = "N" },
	{ .file = "fail_page_alloc/probability", .value = "0" },
	{ .file = "fail_page_alloc/verbose", .value = "0" },
	{ .file = "fail_page_alloc/ignore-gfp-wait", .value = "N" },
	{ .file = "fail_page_alloc/ignore-gfp-highmem", .value = "N" },
	{ .file = "fail_page_alloc/min-order", .value = "0" },
};

static int fail_nth_fd = -1;

/*
 * For debugging: VSVM_FAILPATH_VERBOSE=1 makes the kernel log each injected
 * failure, 2 with its stack (the harness takes the stacks for warnings, so
 * such a run fails).  The "times" the kernel prints counts the failures
 * down, those of __GFP_NOWARN allocations included, which it does not log.
 */
static const char *fi_verbose;

static struct fi_knob fi_verbose_knobs[] = {
	{ .file = "failslab/times", .value = "100000" },
	{ .file = "failslab/verbose_ratelimit_burst", .value = "100000" },
	{ .file = "fail_page_alloc/times", .value = "100000" },
	{ .file = "fail_page_alloc/verbose_ratelimit_burst", .value = "100000" },
};

/* The device, its sanity VM, and the memory every job's batch lives in */
static struct {
	int fd;
	uint32_t vm;
	bool has_vram;
	struct drm_vsvm_query_device info;
	uint8_t *tool;
	uint64_t check_seq;
} dev = { .fd = -1 };

/*
 * The tool: 64 KiB of system memory (advised DRM_VSVM_LOC_SYSTEM in every
 * VM that runs jobs) holding batches, fences, a counter and scratch space.
 */
#define TOOL_SIZE	SZ_64K
#define BATCH_SIZE	SZ_4K
#define BATCH_CHECK	0
#define BATCH_TEST	1
#define BATCH_RETRY	2
#define BATCH_SETUP	3
#define FENCE_CHECK	0
#define FENCE_TEST	1
#define FENCE_RETRY	2
#define FENCE_SETUP	3
#define SCRATCH_OFFSET	(40 * 1024)
#define SCRATCH_SIZE	(16 * 1024)

static uint64_t *tool_fence(unsigned int i)
{
	return (uint64_t *)(dev.tool + 32 * 1024 + 8 * i);
}

static uint64_t *tool_counter(void)
{
	return (uint64_t *)(dev.tool + 36 * 1024);
}

static uint8_t *tool_scratch(void)
{
	return dev.tool + SCRATCH_OFFSET;
}

static struct vsvm_batch *tool_batch(struct vsvm_batch *b, unsigned int i)
{
	vsvm_batch_init(b, dev.tool + i * BATCH_SIZE, BATCH_SIZE);
	return b;
}

/* What the loop found on the current path */
#define MAX_ERRNOS	8

struct errno_count {
	int err;
	unsigned int count;
};

static struct {
	const char *name;
	unsigned int n;
	/* problems found, and the iterations they were found in */
	unsigned int problems;
	unsigned int bad_iterations;
	unsigned int last_bad;
	/* injected failures that failed the call, by errno */
	struct errno_count errnos[MAX_ERRNOS];
	/* injected failures that the call absorbed: it succeeded anyway */
	unsigned int absorbed;
	/* iterations whose failure was injected in the calling task */
	unsigned int injected;
	/* jobs that ended with an error, by errno */
	struct errno_count job_errnos[MAX_ERRNOS];
	/* jobs that completed, but not as an untouched job does */
	unsigned int job_touched;
} fp;

static const char *errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" },
		{ ENOSPC, "ENOSPC" }, { EINVAL, "EINVAL" },
		{ ENOENT, "ENOENT" }, { EBUSY, "EBUSY" },
		{ EAGAIN, "EAGAIN" }, { EINTR, "EINTR" },
		{ EIO, "EIO" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ ECANCELED, "ECANCELED" }, { EPERM, "EPERM" },
		{ EACCES, "EACCES" }, { ENODEV, "ENODEV" },
		{ ESRCH, "ESRCH" }, { ETIME, "ETIME" },
		{ ENODATA, "ENODATA" },
	};
	static char buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

static void count_errno(struct errno_count *tab, int err)
{
	unsigned int i;

	for (i = 0; i < MAX_ERRNOS - 1 && tab[i].count; i++)
		if (tab[i].err == err)
			break;
	tab[i].err = err;
	tab[i].count++;
}

static void format_errnos(char *buf, size_t len,
			  const struct errno_count *tab)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < MAX_ERRNOS && tab[i].count; i++)
		used += snprintf(buf + used, len - used, "%s%s x%u",
				 i ? ", " : "", errno_name(tab[i].err),
				 tab[i].count);
	if (!i)
		snprintf(buf, len, "none");
}

/*
 * A problem: a wrong result or a changed state after an injected failure.
 * The loop goes on, to report every failure point that has one.
 */
__attribute__((format(printf, 1, 2)))
static void problem(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	igt_warn("%s, fail-nth %u: %s", fp.name, fp.n, msg);
	fp.problems++;
	if (fp.last_bad != fp.n || !fp.bad_iterations) {
		fp.bad_iterations++;
		fp.last_bad = fp.n;
	}
}

#define expect(cond, fmt...) ({ \
	bool __ok = (cond); \
	if (!__ok) \
		problem(fmt); \
	__ok; \
})

/* ------------------------------------------------------------------ */
/* Fault injection                                                      */
/* ------------------------------------------------------------------ */

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *file = fopen(path, "r");
	bool ok;

	if (!file)
		return false;
	ok = fgets(buf, len, file) != NULL;
	fclose(file);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static bool write_line(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	ssize_t len = strlen(value);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, value, len) == len;
	close(fd);
	return ok;
}

static void fi_knobs_restore(struct fi_knob *knobs, size_t count)
{
	char path[128];
	size_t i;

	for (i = 0; i < count; i++) {
		if (!knobs[i].changed)
			continue;
		snprintf(path, sizeof(path), FI_DEBUGFS "/%s", knobs[i].file);
		if (!write_line(path, knobs[i].saved))
			igt_warn("cannot restore %s to %s\n", path,
				 knobs[i].saved);
		knobs[i].changed = false;
	}
}

static void fi_knobs_set(struct fi_knob *knobs, size_t count)
{
	char path[128];
	size_t i;

	for (i = 0; i < count; i++) {
		struct fi_knob *knob = &knobs[i];

		if (fi_verbose && strstr(knob->file, "/verbose") &&
		    !strstr(knob->file, "ratelimit"))
			knob->value = fi_verbose;
		snprintf(path, sizeof(path), FI_DEBUGFS "/%s", knob->file);
		igt_assert_f(read_line(path, knob->saved, sizeof(knob->saved)),
			     "cannot read %s: %s\n", path, strerror(errno));
		igt_assert_f(write_line(path, knob->value),
			     "cannot write %s to %s: %s\n", knob->value, path,
			     strerror(errno));
		knob->changed = true;
	}
}

static void fi_restore(void)
{
	fi_knobs_restore(fi_verbose_knobs, ARRAY_SIZE(fi_verbose_knobs));
	fi_knobs_restore(fi_knobs, ARRAY_SIZE(fi_knobs));
	if (fail_nth_fd >= 0) {
		close(fail_nth_fd);
		fail_nth_fd = -1;
	}
}

static void fi_setup(void)
{
	igt_require_f(access(FAIL_NTH, W_OK) == 0,
		      "no %s: the kernel lacks CONFIG_FAULT_INJECTION\n",
		      FAIL_NTH);
	igt_require_f(access(FI_DEBUGFS "/failslab", F_OK) == 0 &&
		      access(FI_DEBUGFS "/fail_page_alloc", F_OK) == 0,
		      "no failslab or fail_page_alloc in debugfs\n");

	fi_verbose = getenv("VSVM_FAILPATH_VERBOSE");
	fi_knobs_set(fi_knobs, ARRAY_SIZE(fi_knobs));
	if (fi_verbose)
		fi_knobs_set(fi_verbose_knobs, ARRAY_SIZE(fi_verbose_knobs));

	fail_nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	igt_assert_fd(fail_nth_fd);
}

/*
 * Arming and reading fail-nth happen around the call under test with
 * nothing else in between: no allocation, no page fault of the process
 * (a user page fault that met an injected failure would go to the OOM
 * path).  The file stays open, and is read with pread() at offset 0.
 */
static int fail_nth_write(const char *buf, size_t len)
{
	return write(fail_nth_fd, buf, len) == (ssize_t)len ? 0 : -errno;
}

static int fail_nth_pread(char *buf, size_t len)
{
	ssize_t ret = pread(fail_nth_fd, buf, len - 1, 0);

	return ret > 0 ? 0 : ret == 0 ? -ENODATA : -errno;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* An ioctl, without drmIoctl()'s restart on EINTR and EAGAIN */
static int raw_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) ? -errno : 0;
}

/* A private anonymous mapping in a PROT_NONE reservation of its own */
struct buffer {
	void *res;
	size_t res_size;
	uint8_t *ptr;
	size_t size;
};

static void buffer_map(struct buffer *b, size_t size, size_t align)
{
	const size_t guard = SZ_64K;
	uintptr_t addr;
	void *p;

	b->res_size = size + align + 2 * guard;
	b->res = mmap(NULL, b->res_size, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_assert(b->res != MAP_FAILED);
	addr = ((uintptr_t)b->res + guard + align - 1) & ~(uintptr_t)(align - 1);
	p = mmap((void *)addr, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	igt_assert(p == (void *)addr);
	b->ptr = p;
	b->size = size;
}

static void buffer_unmap(struct buffer *b)
{
	if (b->res)
		munmap(b->res, b->res_size);
	memset(b, 0, sizeof(*b));
}

static struct drm_vsvm_mem_attrs attrs_of(uint32_t loc, uint32_t granularity)
{
	return (struct drm_vsvm_mem_attrs) {
		.preferred_loc = loc,
		.granularity = granularity,
	};
}

static void advise(uint32_t vm, const void *p, size_t size, uint32_t loc,
		   uint32_t granularity)
{
	const struct drm_vsvm_mem_attrs attrs = attrs_of(loc, granularity);

	vsvm_madvise(dev.fd, vm, to_user_pointer(p), size, &attrs);
}

/*
 * A VM on the device's file whose jobs keep the tool in system memory
 * (without VRAM nothing moves anyway, and there is no MADVISE)
 */
static uint32_t job_vm_create(void)
{
	uint32_t vm = vsvm_vm_create(dev.fd);

	if (dev.has_vram)
		advise(vm, dev.tool, TOOL_SIZE, DRM_VSVM_LOC_SYSTEM, 0);
	return vm;
}

static void vm_destroy_quiet(int fd, uint32_t vm)
{
	struct drm_vsvm_vm_destroy destroy = { .vm_id = vm };

	if (vm)
		__vsvm_vm_destroy(fd, &destroy);
}

/* The device still works: a trivial job on the sanity VM completes. */
static void device_check(void)
{
	uint64_t *fence = tool_fence(FENCE_CHECK);
	struct vsvm_batch b;

	*fence = 0;
	vsvm_batch_store64(tool_batch(&b, BATCH_CHECK), to_user_pointer(fence),
			   ++dev.check_seq);
	vsvm_run(dev.fd, dev.vm, 0, &b);
	igt_assert_eq_u64(*fence, dev.check_seq);
}

static bool expect_job_done(uint32_t vm, uint64_t seqno, const char *what)
{
	struct drm_vsvm_wait wait;
	int ret = __vsvm_wait_job_default(dev.fd, vm, seqno, &wait);

	return expect(!ret && wait.status == DRM_VSVM_WAIT_STATUS_DONE,
		      "%s: wait for job %llu: %d, status %u, error %s\n",
		      what, (unsigned long long)seqno, ret, wait.status,
		      errno_name(wait.error));
}

/*
 * Whether each 32-bit word of [@offset, @offset + @size) of @buf, a buffer
 * filled with pattern @seed from its start, holds that pattern or @word.
 * Returns the offset of the first word that holds neither, or SIZE_MAX.
 */
static size_t pattern_or_words_check(const void *buf, size_t offset,
				     size_t size, uint32_t seed,
				     uint32_t word)
{
	const uint32_t *p = (const uint32_t *)((const uint8_t *)buf + offset);
	size_t i;

	for (i = 0; i < size / 4; i++)
		if (p[i] != word &&
		    p[i] != vsvm_pattern_word(seed, offset / 4 + i))
			return offset + i * 4;
	return SIZE_MAX;
}

/* ------------------------------------------------------------------ */
/* The fail-nth loop                                                    */
/* ------------------------------------------------------------------ */

/**
 * struct failpath - one path under test
 * @name: the path, as reported
 * @prepare: sets up fresh state for one call (not armed)
 * @call: the call under test, armed: returns 0 or -errno.  It must do
 *	nothing but the ioctl: no assertion, no memory the process did not
 *	touch before
 * @check: checks the outcome of the call (not armed); @injected says
 *	whether the failure was injected in the calling task.  Returns true
 *	if the outcome is that of an untouched call
 * @cleanup: undoes @prepare
 * @job: the call queues a job, whose worker may take over what is left of
 *	the count: the loop ends after JOB_STREAK untouched iterations in a
 *	row rather than at the first call without an injected failure
 */
struct failpath {
	const char *name;
	void (*prepare)(void *arg);
	int (*call)(void *arg);
	bool (*check)(void *arg, int ret, bool injected);
	void (*cleanup)(void *arg);
	bool job;
};

/*
 * One call with fail-nth @nth: returns whether its outcome was that of an
 * untouched call; *@left gets what was left of the count.
 */
static bool failpath_once(const struct failpath *p, void *arg,
			  unsigned int nth, unsigned int *left)
{
	char arm[16], back[16] = "", disarm[] = "0";
	int armed, ret, got, disarmed;
	size_t len;
	bool injected, untouched;

	p->prepare(arg);
	len = snprintf(arm, sizeof(arm), "%u", nth);

	armed = fail_nth_write(arm, len);
	ret = p->call(arg);
	got = fail_nth_pread(back, sizeof(back));
	disarmed = fail_nth_write(disarm, 1);

	igt_assert_f(!armed, "cannot arm %s: %s\n", FAIL_NTH,
		     strerror(-armed));
	igt_assert_f(!got, "cannot read %s: %s\n", FAIL_NTH, strerror(-got));
	igt_assert_f(!disarmed, "cannot disarm %s: %s\n", FAIL_NTH,
		     strerror(-disarmed));
	*left = strtoul(back, NULL, 10);
	injected = *left == 0;

	if (injected) {
		fp.injected++;
		if (ret)
			count_errno(fp.errnos, -ret);
		else
			fp.absorbed++;
		expect(!ret || ret == -ENOMEM,
		       "the injected failure gave %s, not ENOMEM\n",
		       errno_name(-ret));
	} else {
		expect(!ret, "failed with %s, but no failure was injected\n",
		       errno_name(-ret));
	}
	igt_debug("%s, fail-nth %u: %s, %s, %u left\n", p->name, nth,
		  ret ? errno_name(-ret) : "success",
		  injected ? "injected" : "not injected", *left);

	untouched = p->check(arg, ret, injected);
	p->cleanup(arg);
	return untouched && !injected && !ret;
}

static void run_failpath(const struct failpath *p, void *arg)
{
	unsigned int max = p->job ? FAIL_NTH_MAX_JOB : FAIL_NTH_MAX;
	unsigned int n, left, chances = 0, streak = 0, first = 0, i;
	int64_t t0 = vsvm_now_ns();
	char errnos[256], job_errnos[256];
	bool untouched;

	memset(&fp, 0, sizeof(fp));
	fp.name = p->name;

	/*
	 * Warm-up, unarmed in effect: it faults in what the armed window
	 * touches, gives the jobs their baseline, and counts the chances
	 * to fail that an untouched call takes.
	 */
	for (i = 0; i < 2; i++) {
		untouched = failpath_once(p, arg, FAIL_NTH_WARMUP, &left);
		igt_assert_f(untouched && !fp.problems,
			     "%s: the call without fault injection went wrong\n",
			     p->name);
		chances = FAIL_NTH_WARMUP - left;
		device_check();
	}

	for (n = 1; n <= max; n++) {
		fp.n = n;
		untouched = failpath_once(p, arg, n, &left);
		device_check();
		igt_assert_f(fp.bad_iterations < MAX_BAD_ITERATIONS,
			     "%s: %u problems in %u iterations, giving up at fail-nth %u\n",
			     p->name, fp.problems, fp.bad_iterations, n);
		if (!untouched) {
			streak = 0;
			/* A wrong untouched call does not get better. */
			if (!p->job && !left)
				continue;
			if (!p->job)
				break;
			continue;
		}
		if (!streak++)
			first = n;
		if (!p->job || streak >= JOB_STREAK)
			break;
	}
	igt_assert_f(n <= max,
		     "%s: still failing after fail-nth %u\n", p->name, max);
	if (!first)
		first = n;

	format_errnos(errnos, sizeof(errnos), fp.errnos);
	if (p->job) {
		format_errnos(job_errnos, sizeof(job_errnos), fp.job_errnos);
		igt_info("%s: %u failure points\n", p->name, first - 1);
		igt_info("%s: EXEC %u (%s; %u absorbed), job %u (job errors: %s; %u jobs completed but not as untouched); an untouched EXEC takes %u chances; %u iterations in %.1f s\n",
			 p->name, fp.injected, errnos, fp.absorbed,
			 first - 1 - fp.injected, job_errnos, fp.job_touched,
			 chances, n + 2, (vsvm_now_ns() - t0) / 1e9);
	} else {
		igt_info("%s: %u failure points\n", p->name, first - 1);
		igt_info("%s: errors %s; %u absorbed (the call succeeded anyway); an untouched call takes %u chances; %u iterations in %.1f s\n",
			 p->name, errnos, fp.absorbed, chances, n + 2,
			 (vsvm_now_ns() - t0) / 1e9);
	}
	igt_assert_f(!fp.problems,
		     "%s: %u problems in %u iterations, see the warnings above\n",
		     p->name, fp.problems, fp.bad_iterations);
}

static void nothing(void *arg)
{
	(void)arg;
}

/* ------------------------------------------------------------------ */
/* QUERY                                                                */
/* ------------------------------------------------------------------ */

static struct query_data {
	struct drm_vsvm_query query;
	struct drm_vsvm_query_device info;
} query_data;

static void query_prepare(void *arg)
{
	struct query_data *d = arg;

	memset(&d->info, 0xa5, sizeof(d->info));
	d->query = (struct drm_vsvm_query) {
		.item = DRM_VSVM_QUERY_DEVICE,
		.data = to_user_pointer(&d->info),
		.size = sizeof(d->info),
	};
}

static int query_call(void *arg)
{
	struct query_data *d = arg;

	return raw_ioctl(dev.fd, DRM_IOCTL_VSVM_QUERY, &d->query);
}

static bool query_check(void *arg, int ret, bool injected)
{
	struct query_data *d = arg;
	struct drm_vsvm_query_device untouched;

	(void)injected;
	if (!ret)
		return expect(d->query.size == sizeof(d->info) &&
			      !memcmp(&d->info, &dev.info, sizeof(d->info)),
			      "QUERY answered something else\n");
	memset(&untouched, 0xa5, sizeof(untouched));
	return expect(!memcmp(&d->info, &untouched, sizeof(untouched)),
		      "a failed QUERY wrote its buffer\n");
}

static void test_query(void)
{
	const struct failpath p = {
		.name = "query",
		.prepare = query_prepare,
		.call = query_call,
		.check = query_check,
		.cleanup = nothing,
	};

	run_failpath(&p, &query_data);
}

/* ------------------------------------------------------------------ */
/* VM_CREATE                                                            */
/* ------------------------------------------------------------------ */

static struct vm_create_data {
	int fd;
	struct drm_vsvm_vm_create create;
	int vms;
} vm_create_data = { .fd = -1 };

static void vm_create_prepare(void *arg)
{
	struct vm_create_data *d = arg;

	d->create = (struct drm_vsvm_vm_create) {};
	d->vms = vsvm_count_vms(0, getpid());
}

static int vm_create_call(void *arg)
{
	struct vm_create_data *d = arg;

	return raw_ioctl(d->fd, DRM_IOCTL_VSVM_VM_CREATE, &d->create);
}

static bool vm_create_check(void *arg, int ret, bool injected)
{
	struct vm_create_data *d = arg;
	struct drm_vsvm_vm_destroy destroy = { .vm_id = 1 };
	bool ok = true;
	int vms = vsvm_count_vms(0, getpid());

	(void)injected;
	if (!ret) {
		/* The file has no other VM: the lowest id is the first. */
		ok &= expect(d->create.vm_id == 1,
			     "VM_CREATE gave id %u, not 1: an id leaked\n",
			     d->create.vm_id);
		ok &= expect(d->vms < 0 || vms == d->vms + 1,
			     "%d VMs after VM_CREATE, %d before\n", vms,
			     d->vms);
		ok &= expect(__vsvm_vm_destroy(d->fd, &destroy) == 0,
			     "cannot destroy the new VM\n");
		return ok;
	}
	ok &= expect(d->vms < 0 || vms == d->vms,
		     "%d VMs after a failed VM_CREATE, %d before\n", vms,
		     d->vms);
	ok &= expect(__vsvm_vm_destroy(d->fd, &destroy) == -ENOENT,
		     "a failed VM_CREATE left VM 1 behind\n");
	return ok;
}

static void test_vm_create(void)
{
	const struct failpath p = {
		.name = "vm-create",
		.prepare = vm_create_prepare,
		.call = vm_create_call,
		.check = vm_create_check,
		.cleanup = nothing,
	};

	vm_create_data.fd = vsvm_igt_open(0);
	run_failpath(&p, &vm_create_data);
	close(vm_create_data.fd);
	vm_create_data.fd = -1;
}

/* ------------------------------------------------------------------ */
/* VM_DESTROY                                                           */
/* ------------------------------------------------------------------ */

static struct vm_destroy_data {
	uint32_t vm;
	struct drm_vsvm_vm_destroy destroy;
	struct buffer sys, vram;
	int vms;
} vm_destroy_data;

#define SEED_SYS	0x5e5e0001u
#define SEED_VRAM	0x5e5e0002u

static void vm_destroy_prepare(void *arg)
{
	struct vm_destroy_data *d = arg;
	uint64_t *fence = tool_fence(FENCE_SETUP);
	struct vsvm_batch b;

	/* A VM with something to tear down: spans, ranges, tables, VRAM */
	d->vm = job_vm_create();
	buffer_map(&d->sys, SZ_64K, SZ_64K);
	vsvm_pattern_fill(d->sys.ptr, SZ_64K, SEED_SYS);
	if (dev.has_vram)
		advise(d->vm, d->sys.ptr, SZ_64K, DRM_VSVM_LOC_SYSTEM, 0);
	tool_batch(&b, BATCH_SETUP);
	vsvm_batch_copy(&b, to_user_pointer(tool_scratch()),
			to_user_pointer(d->sys.ptr), SZ_4K);
	if (dev.has_vram) {
		buffer_map(&d->vram, SZ_64K, SZ_64K);
		vsvm_pattern_fill(d->vram.ptr, SZ_64K, SEED_VRAM);
		advise(d->vm, d->vram.ptr, SZ_64K, DRM_VSVM_LOC_VRAM,
		       DRM_VSVM_PAGE_SIZE_64K);
		vsvm_batch_copy(&b, to_user_pointer(tool_scratch() + SZ_4K),
				to_user_pointer(d->vram.ptr), SZ_4K);
	}
	*fence = 0;
	vsvm_batch_store64(&b, to_user_pointer(fence), 1);
	vsvm_run(dev.fd, d->vm, 0, &b);
	igt_assert_eq_u64(*fence, 1);

	d->vms = vsvm_count_vms(0, getpid());
	d->destroy = (struct drm_vsvm_vm_destroy) { .vm_id = d->vm };
}

static int vm_destroy_call(void *arg)
{
	struct vm_destroy_data *d = arg;

	return raw_ioctl(dev.fd, DRM_IOCTL_VSVM_VM_DESTROY, &d->destroy);
}

static bool vm_destroy_check(void *arg, int ret, bool injected)
{
	struct vm_destroy_data *d = arg;
	struct drm_vsvm_attr_query query = { .vm_id = d->vm };
	uint64_t *fence = tool_fence(FENCE_RETRY);
	struct drm_vsvm_exec exec;
	struct vsvm_batch b;
	int vms = vsvm_count_vms(0, getpid());
	bool ok = true;

	(void)injected;
	tool_batch(&b, BATCH_RETRY);
	*fence = 0;
	vsvm_batch_store64(&b, to_user_pointer(fence), 2);
	exec = (struct drm_vsvm_exec) {
		.vm_id = d->vm,
		.batch_addr = to_user_pointer(b.buf),
		.batch_size = b.size,
	};

	if (!ret) {
		ok &= expect(d->vms < 0 || vms == d->vms - 1,
			     "%d VMs after VM_DESTROY, %d before\n", vms,
			     d->vms);
		ok &= expect(__vsvm_exec(dev.fd, &exec) == -ENOENT,
			     "EXEC works on a destroyed VM\n");
		if (dev.has_vram)
			ok &= expect(__vsvm_attr_query(dev.fd, &query) ==
				     -ENOENT,
				     "ATTR_QUERY works on a destroyed VM\n");
		d->vm = 0;
	} else {
		/* The VM must still be whole */
		ok &= expect(d->vms < 0 || vms == d->vms,
			     "%d VMs after a failed VM_DESTROY, %d before\n",
			     vms, d->vms);
		ok &= expect(__vsvm_exec(dev.fd, &exec) == 0,
			     "EXEC fails after a failed VM_DESTROY\n") &&
		      expect_job_done(d->vm, exec.seqno,
				      "job after a failed VM_DESTROY") &&
		      expect(*fence == 2, "the job did not write its fence\n");
	}

	ok &= expect(vsvm_pattern_check(d->sys.ptr, SZ_64K, SEED_SYS) ==
		     SIZE_MAX, "system buffer changed\n");
	if (dev.has_vram)
		ok &= expect(vsvm_pattern_check(d->vram.ptr, SZ_64K,
						SEED_VRAM) == SIZE_MAX,
			     "VRAM buffer changed\n");
	return ok;
}

static void vm_destroy_cleanup(void *arg)
{
	struct vm_destroy_data *d = arg;

	vm_destroy_quiet(dev.fd, d->vm);
	d->vm = 0;
	buffer_unmap(&d->sys);
	buffer_unmap(&d->vram);
}

static void test_vm_destroy(void)
{
	const struct failpath p = {
		.name = "vm-destroy",
		.prepare = vm_destroy_prepare,
		.call = vm_destroy_call,
		.check = vm_destroy_check,
		.cleanup = vm_destroy_cleanup,
	};

	run_failpath(&p, &vm_destroy_data);
}

/* ------------------------------------------------------------------ */
/* EXEC of a job that faults only on the tool                           */
/* ------------------------------------------------------------------ */

#define EXEC_FENCE	0x0e0e0e0e0e0e0e01ull

static struct exec_data {
	uint32_t vm;
	struct drm_vsvm_exec exec;
} exec_data;

static void exec_prepare(void *arg)
{
	struct exec_data *d = arg;
	struct vsvm_batch b;

	d->vm = job_vm_create();
	*tool_counter() = 0;
	*tool_fence(FENCE_TEST) = 0;
	tool_batch(&b, BATCH_TEST);
	/* An increment shows whether a failed EXEC still ran the job. */
	vsvm_batch_atomic(&b, DRM_VSVM_ATOMIC_INC, DRM_VSVM_ATOMIC_64BIT,
			  to_user_pointer(tool_counter()), 0, 0, 0);
	vsvm_batch_store64(&b, to_user_pointer(tool_fence(FENCE_TEST)),
			   EXEC_FENCE);
	d->exec = (struct drm_vsvm_exec) {
		.vm_id = d->vm,
		.batch_addr = to_user_pointer(b.buf),
		.batch_size = b.size,
	};
}

static int exec_call(void *arg)
{
	struct exec_data *d = arg;

	return raw_ioctl(dev.fd, DRM_IOCTL_VSVM_EXEC, &d->exec);
}

static bool exec_check(void *arg, int ret, bool injected)
{
	struct exec_data *d = arg;
	struct drm_vsvm_wait wait;
	bool ok = true;

	(void)injected;
	if (!ret) {
		ok &= expect(d->exec.seqno == 1, "first job has seqno %llu\n",
			     (unsigned long long)d->exec.seqno);
		/*
		 * The job runs with what EXEC left of the fail-nth count: it
		 * may fail, cleanly, with ENOMEM and without its fence.
		 */
		if (!__vsvm_wait_job_default(dev.fd, d->vm, d->exec.seqno,
					     &wait) &&
		    wait.status == DRM_VSVM_WAIT_STATUS_GPU_ERROR)
			return expect(wait.error == ENOMEM &&
				      *tool_fence(FENCE_TEST) != EXEC_FENCE,
				      "job failed with %s, fence %#llx\n",
				      errno_name(wait.error),
				      (unsigned long long)*tool_fence(FENCE_TEST));
		ok &= expect_job_done(d->vm, d->exec.seqno, "job");
		ok &= expect(*tool_counter() == 1 &&
			     *tool_fence(FENCE_TEST) == EXEC_FENCE,
			     "job ran %llu times, fence %#llx\n",
			     (unsigned long long)*tool_counter(),
			     (unsigned long long)*tool_fence(FENCE_TEST));
		return ok;
	}

	/* No job, no seqno: the same EXEC again gets seqno 1 and runs once */
	ok &= expect(__vsvm_wait_job_default(dev.fd, d->vm, 1,
					     &wait) == -EINVAL,
		     "a failed EXEC published job 1\n");
	d->exec.seqno = 0;
	ok &= expect(__vsvm_exec(dev.fd, &d->exec) == 0,
		     "EXEC fails after a failed EXEC\n") &&
	      expect(d->exec.seqno == 1,
		     "EXEC after a failed EXEC has seqno %llu\n",
		     (unsigned long long)d->exec.seqno) &&
	      expect_job_done(d->vm, d->exec.seqno, "job after a failed EXEC");
	ok &= expect(*tool_counter() == 1,
		     "the batch ran %llu times for one successful EXEC\n",
		     (unsigned long long)*tool_counter());
	return ok;
}

static void exec_cleanup(void *arg)
{
	struct exec_data *d = arg;

	vm_destroy_quiet(dev.fd, d->vm);
	d->vm = 0;
}

static void test_exec(void)
{
	const struct failpath p = {
		.name = "exec",
		.prepare = exec_prepare,
		.call = exec_call,
		.check = exec_check,
		.cleanup = exec_cleanup,
	};

	run_failpath(&p, &exec_data);
}

/* ------------------------------------------------------------------ */
/* EXEC of a job that faults on a fresh 2 MiB buffer                    */
/* ------------------------------------------------------------------ */

#define JOB_SEED	0x10b5eed1u
#define JOB_FILL	0xf111f111u
#define JOB_FENCE	0x0e0e0e0e0e0e0e02ull

/* Counters that an untouched job moves by the same amounts every time */
static const char *const job_counters[] = {
	"faults_4k", "faults_64k", "faults_2m", "fault_unresolved",
	"migrate_to_vram", "migrate_pages_to_vram", "migrate_partial",
	"vram_alloc_fail", "migrate_backoff", "jobs_failed",
	"jobs_completed",
};

static struct job_data {
	bool migrate;
	bool counters;
	uint32_t vm;
	struct buffer buf;
	struct drm_vsvm_exec exec;
	uint64_t before[ARRAY_SIZE(job_counters)];
	uint64_t baseline[ARRAY_SIZE(job_counters)];
} job_data;

static void read_counters(uint64_t *values)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(job_counters); i++)
		values[i] = vsvm_counter(job_counters[i]);
}

static void job_prepare(void *arg)
{
	struct job_data *d = arg;
	struct vsvm_batch b;

	d->vm = job_vm_create();
	buffer_map(&d->buf, SZ_2M, SZ_2M);
	if (!d->migrate && dev.has_vram)
		advise(d->vm, d->buf.ptr, SZ_2M, DRM_VSVM_LOC_SYSTEM, 0);
	vsvm_pattern_fill(d->buf.ptr, SZ_2M, JOB_SEED);

	*tool_fence(FENCE_TEST) = 0;
	tool_batch(&b, BATCH_TEST);
	vsvm_batch_fill(&b, to_user_pointer(d->buf.ptr + SZ_1M), SZ_1M,
			JOB_FILL);
	vsvm_batch_store64(&b, to_user_pointer(tool_fence(FENCE_TEST)),
			   JOB_FENCE);
	d->exec = (struct drm_vsvm_exec) {
		.vm_id = d->vm,
		.batch_addr = to_user_pointer(b.buf),
		.batch_size = b.size,
	};
	if (d->counters)
		read_counters(d->before);
}

static int job_call(void *arg)
{
	struct job_data *d = arg;

	return raw_ioctl(dev.fd, DRM_IOCTL_VSVM_EXEC, &d->exec);
}

/* Did the job move the counters as an untouched job does? */
static bool job_counters_untouched(struct job_data *d)
{
	uint64_t after[ARRAY_SIZE(job_counters)];
	bool same = true;
	size_t i;

	if (!d->counters)
		return true;
	read_counters(after);
	for (i = 0; i < ARRAY_SIZE(job_counters); i++) {
		uint64_t delta = after[i] - d->before[i];

		if (!fp.n) {
			d->baseline[i] = delta;
		} else if (delta != d->baseline[i]) {
			igt_debug("%s, fail-nth %u: %s moved by %llu, untouched by %llu\n",
				  fp.name, fp.n, job_counters[i],
				  (unsigned long long)delta,
				  (unsigned long long)d->baseline[i]);
			same = false;
		}
	}
	return same;
}

static bool job_check(void *arg, int ret, bool injected)
{
	struct job_data *d = arg;
	const uint8_t *first = d->buf.ptr, *second = d->buf.ptr + SZ_1M;
	struct drm_vsvm_wait wait;
	size_t vram = 0, bad;
	bool untouched = true;
	int err;

	(void)injected;
	if (ret) {
		expect(__vsvm_wait_job_default(dev.fd, d->vm, 1,
					       &wait) == -EINVAL,
		       "a failed EXEC published job 1\n");
		expect(*tool_fence(FENCE_TEST) == 0,
		       "the job of a failed EXEC ran\n");
		bad = vsvm_pattern_check(d->buf.ptr, SZ_2M, JOB_SEED);
		expect(bad == SIZE_MAX,
		       "buffer changed at %#zx after a failed EXEC\n", bad);
		return false;
	}

	err = __vsvm_wait_job_default(dev.fd, d->vm, d->exec.seqno, &wait);
	if (!expect(!err, "WAIT failed: %s\n", errno_name(-err)))
		return false;

	if (wait.status == DRM_VSVM_WAIT_STATUS_DONE) {
		expect(*tool_fence(FENCE_TEST) == JOB_FENCE,
		       "completed job did not write its fence\n");
		if (dev.has_vram)
			vram = vsvm_residency_count(dev.fd, d->vm,
						    to_user_pointer(d->buf.ptr),
						    SZ_2M,
						    VSVM_RESIDENCY_VRAM);
		untouched = job_counters_untouched(d) &&
			    vram == (d->migrate && dev.has_vram ?
				     PAGES(SZ_2M) : 0);
		if (!untouched)
			fp.job_touched++;
		/* Reading the buffer takes it back from VRAM. */
		bad = vsvm_pattern_check(first, SZ_1M, JOB_SEED);
		expect(bad == SIZE_MAX,
		       "CPU data changed at %#zx (%zu pages were in VRAM)\n",
		       bad, vram);
		bad = vsvm_words_check(second, SZ_1M, JOB_FILL);
		expect(bad == SIZE_MAX,
		       "GPU FILL missing at %#zx (%zu pages were in VRAM)\n",
		       SZ_1M + bad, vram);
		return untouched;
	}

	if (!expect(wait.status == DRM_VSVM_WAIT_STATUS_GPU_ERROR,
		    "job status %u\n", wait.status))
		return false;
	count_errno(fp.job_errnos, wait.error);
	igt_debug("%s, fail-nth %u: job failed with %s at %#llx, command at %u\n",
		  fp.name, fp.n, errno_name(wait.error),
		  (unsigned long long)wait.fault_addr, wait.error_offset);
	expect(wait.error == ENOMEM || wait.error == EFAULT,
	       "job failed with %s at %#llx, access %#x, command at %u\n",
	       errno_name(wait.error), (unsigned long long)wait.fault_addr,
	       wait.fault_access, wait.error_offset);
	expect(*tool_fence(FENCE_TEST) == 0,
	       "failed job wrote the fence after its FILL\n");
	bad = vsvm_pattern_check(first, SZ_1M, JOB_SEED);
	expect(bad == SIZE_MAX, "CPU data changed at %#zx after a failed job\n",
	       bad);
	bad = pattern_or_words_check(d->buf.ptr, SZ_1M, SZ_1M, JOB_SEED,
				     JOB_FILL);
	expect(bad == SIZE_MAX,
	       "word at %#zx neither old data nor the FILL after a failed job\n",
	       bad);
	return false;
}

static void job_cleanup(void *arg)
{
	struct job_data *d = arg;

	vm_destroy_quiet(dev.fd, d->vm);
	d->vm = 0;
	buffer_unmap(&d->buf);
}

static void test_exec_job(bool migrate)
{
	const struct failpath p = {
		.name = migrate ? "exec-job-fault-migrate" :
				  "exec-job-fault-system",
		.prepare = job_prepare,
		.call = job_call,
		.check = job_check,
		.cleanup = job_cleanup,
		.job = true,
	};

	if (migrate)
		igt_require(dev.has_vram);
	job_data.migrate = migrate;
	job_data.counters = vsvm_has_counters();
	if (!job_data.counters)
		igt_info("no debugfs counters: an untouched job is one that completes with the buffer where it belongs\n");
	run_failpath(&p, &job_data);
}

/* ------------------------------------------------------------------ */
/* Failed GPU faults leave no range behind                              */
/* ------------------------------------------------------------------ */

/*
 * Ranges of VM @vm of this process overlapping [@start, @end), from
 * debugfs: all of them, or only those without pages.  -1 without debugfs.
 */
static int count_ranges(uint32_t vm, uint64_t start, uint64_t end,
			bool empty_only)
{
	char line[256], state[16];
	unsigned long long s, e;
	bool mine = false;
	unsigned int id;
	int pid, count = 0;
	FILE *file;

	file = fopen(VSVM_IGT_DEBUGFS "0/vsvm_vms", "r");
	if (!file)
		return -1;
	while (fgets(line, sizeof(line), file)) {
		if (sscanf(line, "vm %u pid %d", &id, &pid) == 2) {
			mine = id == vm && pid == getpid();
			continue;
		}
		if (!mine ||
		    sscanf(line, " [%llx, %llx) %15s", &s, &e, state) != 3)
			continue;
		if (s < end && e > start &&
		    (!empty_only || !strcmp(state, "empty")))
			count++;
	}
	fclose(file);
	return count;
}

/* Faults that fail in hmm_range_fault(), each on a 2 MiB chunk of its own */
#define SIGBUS_CHUNKS		32
#define SIGBUS_FAULTS		(2 * SIGBUS_CHUNKS)
#define SIGBUS_PROBE_CHUNK	5
#define SIGBUS_PROBE_OFFSET	0x1238ul
#define SIGBUS_PROBE_VALUE	0x51b05e7707a9e5eeull

/*
 * A shared mapping of an empty memfd: the VMA is there and readable, but
 * every access is beyond the end of the file, so the GPU fault makes a
 * range and hmm_range_fault() fails with EFAULT (SIGBUS on the CPU).  None
 * of those ranges may stay.  Then the file grows, and one fault that
 * succeeds leaves its range: the count does see ranges.
 */
static void fault_sigbus_no_range(void)
{
	const size_t size = SIGBUS_CHUNKS * SZ_2M;
	int memfd = memfd_create("vsvm_failpath", MFD_CLOEXEC);
	uint64_t value = SIGBUS_PROBE_VALUE, *dst;
	uint32_t vm = job_vm_create();
	struct drm_vsvm_wait w;
	struct vsvm_batch b;
	uint64_t start, addr;
	uint8_t *map;
	unsigned int i;
	int n;

	igt_assert_fd(memfd);
	map = vsvm_map_isolated(size, SZ_2M, PROT_READ, MAP_SHARED, memfd, 0);
	start = to_user_pointer(map);
	for (i = 0; i < SIGBUS_FAULTS; i++) {
		addr = start + (i % SIGBUS_CHUNKS) * SZ_2M +
		       (i * 0x11000ul) % SZ_2M;
		tool_batch(&b, BATCH_TEST);
		vsvm_batch_copy(&b, to_user_pointer(tool_scratch()), addr, 8);
		w = vsvm_run_error(dev.fd, vm, 0, &b);
		vsvm_assert_gpu_error(&w, EFAULT, addr, DRM_VSVM_ACCESS_READ,
				      0);
		n = count_ranges(vm, start, start + size, false);
		igt_assert_f(n == 0,
			     "%d ranges left after %u faults that failed\n",
			     n, i + 1);
	}

	igt_assert_eq(ftruncate(memfd, size), 0);
	igt_assert_eq(pwrite(memfd, &value, sizeof(value),
			     SIGBUS_PROBE_CHUNK * SZ_2M + SIGBUS_PROBE_OFFSET),
		      (ssize_t)sizeof(value));
	dst = (uint64_t *)tool_scratch();
	*dst = 0;
	addr = start + SIGBUS_PROBE_CHUNK * SZ_2M + SIGBUS_PROBE_OFFSET;
	tool_batch(&b, BATCH_TEST);
	vsvm_batch_copy(&b, to_user_pointer(dst), addr, sizeof(value));
	vsvm_run(dev.fd, vm, 0, &b);
	igt_assert_eq_u64(*dst, SIGBUS_PROBE_VALUE);
	igt_assert_eq(count_ranges(vm, start, start + size, false), 1);
	igt_assert_eq(count_ranges(vm, start, start + size, true), 0);

	vm_destroy_quiet(dev.fd, vm);
	munmap(map, size);
	close(memfd);
}

/*
 * The job of exec-job-fault-system, with the check that no range without
 * pages is left in its VM once it ended, failed or not, before anything
 * else touches the buffer.
 */
static bool job_check_no_empty_range(void *arg, int ret, bool injected)
{
	struct job_data *d = arg;
	uint64_t start = to_user_pointer(d->buf.ptr);
	struct drm_vsvm_wait wait;
	bool clean;
	int empty;

	if (!ret)
		__vsvm_wait_job_default(dev.fd, d->vm, d->exec.seqno, &wait);
	empty = count_ranges(d->vm, start, start + SZ_2M, true);
	clean = expect(empty == 0,
		       "%d ranges without pages left after the job (%s)\n",
		       empty, ret ? "EXEC failed" :
		       wait.status == DRM_VSVM_WAIT_STATUS_DONE ?
		       "completed" : errno_name(wait.error));
	return job_check(arg, ret, injected) && clean;
}

static void test_exec_job_no_empty_range(void)
{
	const struct failpath p = {
		.name = "exec-job-fault-no-empty-range",
		.prepare = job_prepare,
		.call = job_call,
		.check = job_check_no_empty_range,
		.cleanup = job_cleanup,
		.job = true,
	};

	igt_require_f(count_ranges(dev.vm, 0, UINT64_MAX, false) >= 0,
		      "no debugfs vsvm_vms\n");
	fault_sigbus_no_range();

	job_data.migrate = false;
	job_data.counters = vsvm_has_counters();
	run_failpath(&p, &job_data);
}

/* ------------------------------------------------------------------ */
/* WAIT                                                                 */
/* ------------------------------------------------------------------ */

#define WAIT_FENCE	0x0e0e0e0e0e0e0e03ull

enum wait_kind {
	WAIT_JOB,
	WAIT_JOB_ERROR,
	WAIT_FENCE_EQ,
};

static struct wait_data {
	enum wait_kind kind;
	uint64_t seqno;
	struct drm_vsvm_wait wait;
} wait_data;

static void wait_prepare(void *arg)
{
	struct wait_data *d = arg;
	uint64_t *fence = tool_fence(FENCE_TEST);
	struct vsvm_batch b;

	*fence = 0;
	tool_batch(&b, BATCH_TEST);
	if (d->kind == WAIT_JOB_ERROR) {
		vsvm_batch_store64(&b, UNMAPPED_ADDR, 1);
	} else {
		vsvm_batch_fill(&b, to_user_pointer(tool_scratch()),
				SCRATCH_SIZE, 0x3a3a3a3a);
		vsvm_batch_store64(&b, to_user_pointer(fence), WAIT_FENCE);
	}
	d->seqno = vsvm_exec(dev.fd, dev.vm, 0, &b);

	d->wait = (struct drm_vsvm_wait) {
		.vm_id = dev.vm,
		.timeout_ns = vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS),
	};
	if (d->kind == WAIT_FENCE_EQ) {
		d->wait.flags = DRM_VSVM_WAIT_USER_FENCE;
		d->wait.addr = to_user_pointer(fence);
		d->wait.value = WAIT_FENCE;
		d->wait.mask = ~0ull;
		d->wait.op = DRM_VSVM_WAIT_EQ;
	} else {
		d->wait.seqno = d->seqno;
	}
}

static int wait_call(void *arg)
{
	struct wait_data *d = arg;

	return raw_ioctl(dev.fd, DRM_IOCTL_VSVM_WAIT, &d->wait);
}

static bool wait_check(void *arg, int ret, bool injected)
{
	struct wait_data *d = arg;
	struct drm_vsvm_wait again;
	bool ok = true;
	int err;

	(void)injected;
	if (!ret && d->kind == WAIT_JOB_ERROR)
		ok &= expect(d->wait.status == DRM_VSVM_WAIT_STATUS_GPU_ERROR &&
			     d->wait.error == EFAULT &&
			     d->wait.fault_addr == UNMAPPED_ADDR,
			     "WAIT: status %u, error %s at %#llx\n",
			     d->wait.status, errno_name(d->wait.error),
			     (unsigned long long)d->wait.fault_addr);
	else if (!ret)
		ok &= expect(d->wait.status == DRM_VSVM_WAIT_STATUS_DONE &&
			     *tool_fence(FENCE_TEST) == WAIT_FENCE,
			     "WAIT: status %u, fence %#llx\n", d->wait.status,
			     (unsigned long long)*tool_fence(FENCE_TEST));

	/* The job is over, or a WAIT without injection sees it end. */
	err = __vsvm_wait_job_default(dev.fd, dev.vm, d->seqno, &again);
	ok &= expect(!err && again.status == (d->kind == WAIT_JOB_ERROR ?
					      DRM_VSVM_WAIT_STATUS_GPU_ERROR :
					      DRM_VSVM_WAIT_STATUS_DONE),
		     "WAIT again: %s, status %u\n", errno_name(-err),
		     again.status);
	return ok;
}

static void test_wait(enum wait_kind kind)
{
	static const char *const names[] = {
		[WAIT_JOB] = "wait-job",
		[WAIT_JOB_ERROR] = "wait-job-error",
		[WAIT_FENCE_EQ] = "wait-fence",
	};
	const struct failpath p = {
		.name = names[kind],
		.prepare = wait_prepare,
		.call = wait_call,
		.check = wait_check,
		.cleanup = nothing,
	};

	wait_data.kind = kind;
	run_failpath(&p, &wait_data);
}

/* ------------------------------------------------------------------ */
/* RANGE_INFO                                                           */
/* ------------------------------------------------------------------ */

/*
 * [A, A + 2 MiB) in system memory, a 64 KiB hole, [B, B + 64 KiB) in VRAM
 * (system memory without VRAM), all written by the GPU: 544 pages, more
 * than one of the kernel's batches of 512.
 */
#define RI_A_SIZE	SZ_2M
#define RI_HOLE		SZ_64K
#define RI_B_SIZE	SZ_64K
#define RI_SPAN		(RI_A_SIZE + RI_HOLE + RI_B_SIZE)
#define RI_FILL_A	0xa0a0a0a1u
#define RI_FILL_B	0xb0b0b0b1u

static struct range_info_data {
	uint32_t flags;
	uint32_t vm;
	struct buffer res;
	uint8_t *a, *b;
	struct drm_vsvm_range_info info;
	uint8_t expected[PAGES(RI_SPAN)];
	uint8_t out[PAGES(RI_SPAN)];
} range_info_data;

static void range_info_setup(struct range_info_data *d)
{
	uint64_t *fence = tool_fence(FENCE_SETUP);
	struct vsvm_batch b;

	d->vm = job_vm_create();
	buffer_map(&d->res, RI_SPAN, SZ_2M);
	d->a = d->res.ptr;
	d->b = d->res.ptr + RI_A_SIZE + RI_HOLE;
	igt_assert_eq(munmap(d->a + RI_A_SIZE, RI_HOLE), 0);
	madvise(d->a, RI_A_SIZE, MADV_NOHUGEPAGE);

	vsvm_pattern_fill(d->a, RI_A_SIZE, 1);
	vsvm_pattern_fill(d->b, RI_B_SIZE, 2);
	if (dev.has_vram) {
		advise(d->vm, d->a, RI_A_SIZE, DRM_VSVM_LOC_SYSTEM, 0);
		advise(d->vm, d->b, RI_B_SIZE, DRM_VSVM_LOC_VRAM,
		       DRM_VSVM_PAGE_SIZE_64K);
	}

	*fence = 0;
	tool_batch(&b, BATCH_SETUP);
	vsvm_batch_fill(&b, to_user_pointer(d->a), RI_A_SIZE, RI_FILL_A);
	vsvm_batch_fill(&b, to_user_pointer(d->b), RI_B_SIZE, RI_FILL_B);
	vsvm_batch_store64(&b, to_user_pointer(fence), 1);
	vsvm_run(dev.fd, d->vm, 0, &b);
	igt_assert_eq_u64(*fence, 1);
}

static void range_info_teardown(struct range_info_data *d)
{
	/* B is still where the GPU left it, then the CPU takes it back. */
	if (dev.has_vram)
		igt_assert_eq(vsvm_residency_count(dev.fd, d->vm,
						   to_user_pointer(d->b),
						   RI_B_SIZE,
						   VSVM_RESIDENCY_VRAM),
			      PAGES(RI_B_SIZE));
	vsvm_assert_words(d->a, RI_A_SIZE, RI_FILL_A);
	vsvm_assert_words(d->b, RI_B_SIZE, RI_FILL_B);
	vm_destroy_quiet(dev.fd, d->vm);
	d->vm = 0;
	buffer_unmap(&d->res);
}

static void range_info_prepare(void *arg)
{
	struct range_info_data *d = arg;

	d->info = (struct drm_vsvm_range_info) {
		.vm_id = d->vm,
		.flags = d->flags,
		.start = to_user_pointer(d->a),
		.size = RI_SPAN,
		.data = to_user_pointer(d->expected),
	};
	igt_assert_eq(__vsvm_range_info(dev.fd, &d->info), 0);
	memset(d->out, 0xa5, sizeof(d->out));
	d->info.data = to_user_pointer(d->out);
}

static int range_info_call(void *arg)
{
	struct range_info_data *d = arg;

	return raw_ioctl(dev.fd, DRM_IOCTL_VSVM_RANGE_INFO, &d->info);
}

static bool range_info_check(void *arg, int ret, bool injected)
{
	struct range_info_data *d = arg;
	size_t i, wrong = 0, written = 0;

	(void)injected;
	/* 0xa5 is no valid entry: what a failed call did not write */
	for (i = 0; i < sizeof(d->out); i++) {
		if (d->out[i] != 0xa5)
			written++;
		if (d->out[i] != d->expected[i] && (!ret || d->out[i] != 0xa5))
			wrong++;
	}
	if (ret)
		igt_debug("%s, fail-nth %u: %zu of %zu entries written\n",
			  fp.name, fp.n, written, sizeof(d->out));
	return expect(!wrong, "%zu of %zu entries wrong (%s)\n", wrong,
		      sizeof(d->out), ret ? "failed call" : "successful call");
}

static void test_range_info(uint32_t flags)
{
	const struct failpath p = {
		.name = flags ? "range-info-residency" : "range-info",
		.prepare = range_info_prepare,
		.call = range_info_call,
		.check = range_info_check,
		.cleanup = nothing,
	};

	if (flags)
		igt_require(dev.has_vram);
	range_info_data.flags = flags;
	range_info_setup(&range_info_data);
	run_failpath(&p, &range_info_data);
	range_info_teardown(&range_info_data);
}

/* ------------------------------------------------------------------ */
/* MADVISE and ATTR_QUERY                                               */
/* ------------------------------------------------------------------ */

/*
 * Each iteration makes two VMs in the same state: the one under test and
 * a reference, on which the same call runs without fault injection.  A
 * failed call must leave the state as it was, a successful one as the
 * reference has it.  The state is what ATTR_QUERY says at the probes.
 */
#define ATTR_BUF_SIZE	(3 * SZ_64K)
#define ATTR_PROBES	7

enum attr_kind {
	ATTR_MADVISE,		/* a new span where there was none */
	ATTR_MADVISE_SPLIT,	/* a span inside an older one */
	ATTR_MADVISE_DEFAULT,	/* the VM's defaults */
	ATTR_QUERY,		/* a query inside a span */
	ATTR_QUERY_UNMAPPED,	/* a query that applies an munmap() */
};

struct attr_snapshot {
	struct drm_vsvm_attr_query q[ATTR_PROBES];
};

static struct attr_data {
	enum attr_kind kind;
	uint32_t vm, ref;
	struct buffer buf;
	struct drm_vsvm_madvise madvise;
	struct drm_vsvm_attr_query query, ref_query;
	struct attr_snapshot before, want;
} attr_data;

static uint64_t attr_probe(const struct attr_data *d, unsigned int i)
{
	static const int64_t offsets[ATTR_PROBES] = {
		-(int64_t)SZ_4K, 0, SZ_32K, SZ_64K, SZ_64K + SZ_32K,
		2 * SZ_64K, 3 * SZ_64K,
	};

	return to_user_pointer(d->buf.ptr) + offsets[i];
}

static void attr_snap(const struct attr_data *d, uint32_t vm,
		      struct attr_snapshot *s)
{
	unsigned int i;

	for (i = 0; i < ATTR_PROBES; i++)
		s->q[i] = vsvm_attr_query(dev.fd, vm, attr_probe(d, i));
}

static bool attr_same(const struct drm_vsvm_attr_query *a,
		      const struct drm_vsvm_attr_query *b)
{
	return a->start == b->start && a->size == b->size &&
	       a->advised == b->advised &&
	       !memcmp(&a->attrs, &b->attrs, sizeof(a->attrs));
}

static bool attr_expect_snapshot(const struct attr_data *d,
				 const struct attr_snapshot *want,
				 const char *what)
{
	struct attr_snapshot now;
	unsigned int i;
	bool ok = true;

	attr_snap(d, d->vm, &now);
	for (i = 0; i < ATTR_PROBES; i++)
		ok &= expect(attr_same(&now.q[i], &want->q[i]),
			     "%s: at buffer %+lld: [%#llx, +%#llx) advised %u loc %u granularity %#x, should be [%#llx, +%#llx) advised %u loc %u granularity %#x\n",
			     what,
			     (long long)(attr_probe(d, i) -
					 to_user_pointer(d->buf.ptr)),
			     (unsigned long long)now.q[i].start,
			     (unsigned long long)now.q[i].size,
			     now.q[i].advised, now.q[i].attrs.preferred_loc,
			     now.q[i].attrs.granularity,
			     (unsigned long long)want->q[i].start,
			     (unsigned long long)want->q[i].size,
			     want->q[i].advised, want->q[i].attrs.preferred_loc,
			     want->q[i].attrs.granularity);
	return ok;
}

/* The state before the call, on a VM */
static void attr_setup_vm(struct attr_data *d, uint32_t vm)
{
	switch (d->kind) {
	case ATTR_MADVISE:
		break;
	case ATTR_MADVISE_SPLIT:
	case ATTR_MADVISE_DEFAULT:
	case ATTR_QUERY:
	case ATTR_QUERY_UNMAPPED:
		advise(vm, d->buf.ptr, ATTR_BUF_SIZE, DRM_VSVM_LOC_SYSTEM,
		       DRM_VSVM_PAGE_SIZE_4K);
		break;
	}
}

static void attr_prepare(void *arg)
{
	struct attr_data *d = arg;
	buffer_map(&d->buf, ATTR_BUF_SIZE, SZ_64K);
	d->vm = vsvm_vm_create(dev.fd);
	d->ref = vsvm_vm_create(dev.fd);
	attr_setup_vm(d, d->vm);
	attr_setup_vm(d, d->ref);
	if (d->kind == ATTR_QUERY_UNMAPPED)
		/* Both VMs' spans hear of it; the next user applies it. */
		igt_assert_eq(munmap(d->buf.ptr + SZ_64K, SZ_64K), 0);

	d->madvise = (struct drm_vsvm_madvise) { .vm_id = d->ref };
	d->query = (struct drm_vsvm_attr_query) { .vm_id = d->ref };
	switch (d->kind) {
	case ATTR_MADVISE:
		d->madvise.start = to_user_pointer(d->buf.ptr);
		d->madvise.size = SZ_64K;
		d->madvise.attrs = attrs_of(DRM_VSVM_LOC_VRAM,
					    DRM_VSVM_PAGE_SIZE_64K);
		break;
	case ATTR_MADVISE_SPLIT:
		d->madvise.start = to_user_pointer(d->buf.ptr + SZ_64K);
		d->madvise.size = SZ_64K;
		d->madvise.attrs = attrs_of(DRM_VSVM_LOC_VRAM,
					    DRM_VSVM_PAGE_SIZE_64K);
		break;
	case ATTR_MADVISE_DEFAULT:
		d->madvise.flags = DRM_VSVM_MADVISE_VM_DEFAULT;
		d->madvise.attrs = attrs_of(DRM_VSVM_LOC_VRAM,
					    DRM_VSVM_PAGE_SIZE_64K);
		break;
	case ATTR_QUERY:
		d->query.addr = to_user_pointer(d->buf.ptr + SZ_64K);
		break;
	case ATTR_QUERY_UNMAPPED:
		d->query.addr = to_user_pointer(d->buf.ptr);
		break;
	}

	/* The reference, before the VM under test is looked at at all */
	if (d->kind == ATTR_QUERY || d->kind == ATTR_QUERY_UNMAPPED) {
		igt_assert_eq(__vsvm_attr_query(dev.fd, &d->query), 0);
		d->ref_query = d->query;
		d->query = (struct drm_vsvm_attr_query) {
			.vm_id = d->vm,
			.addr = d->ref_query.addr,
		};
	} else {
		igt_assert_eq(__vsvm_madvise(dev.fd, &d->madvise), 0);
		d->madvise.vm_id = d->vm;
	}
	attr_snap(d, d->ref, &d->want);
	/*
	 * The state before a MADVISE; not for the queries, since looking
	 * applies the munmap(), and a query has no error to fail with.
	 */
	if (d->kind != ATTR_QUERY && d->kind != ATTR_QUERY_UNMAPPED)
		attr_snap(d, d->vm, &d->before);
}

static int attr_call(void *arg)
{
	struct attr_data *d = arg;

	if (d->kind == ATTR_QUERY || d->kind == ATTR_QUERY_UNMAPPED)
		return raw_ioctl(dev.fd, DRM_IOCTL_VSVM_ATTR_QUERY, &d->query);
	return raw_ioctl(dev.fd, DRM_IOCTL_VSVM_MADVISE, &d->madvise);
}

static bool attr_check(void *arg, int ret, bool injected)
{
	struct attr_data *d = arg;
	bool ok = true;

	if (d->kind == ATTR_QUERY || d->kind == ATTR_QUERY_UNMAPPED) {
		if (!ret)
			ok &= expect(attr_same(&d->query, &d->ref_query),
				     "ATTR_QUERY%s answered [%#llx, +%#llx) advised %u loc %u, should be [%#llx, +%#llx) advised %u loc %u\n",
				     injected ? " with an injected failure" : "",
				     (unsigned long long)d->query.start,
				     (unsigned long long)d->query.size,
				     d->query.advised,
				     d->query.attrs.preferred_loc,
				     (unsigned long long)d->ref_query.start,
				     (unsigned long long)d->ref_query.size,
				     d->ref_query.advised,
				     d->ref_query.attrs.preferred_loc);
		/* Whatever the answer, the state must be the reference's. */
		ok &= attr_expect_snapshot(d, &d->want,
					   ret ? "after a failed ATTR_QUERY" :
					   "after ATTR_QUERY");
		return ok;
	}
	if (!ret)
		return attr_expect_snapshot(d, &d->want,
					    injected ?
					    "after a MADVISE that succeeded with an injected failure" :
					    "after MADVISE");
	return attr_expect_snapshot(d, &d->before, "after a failed MADVISE");
}

static void attr_cleanup(void *arg)
{
	struct attr_data *d = arg;

	vm_destroy_quiet(dev.fd, d->vm);
	vm_destroy_quiet(dev.fd, d->ref);
	d->vm = d->ref = 0;
	buffer_unmap(&d->buf);
}

static void test_attr(enum attr_kind kind)
{
	static const char *const names[] = {
		[ATTR_MADVISE] = "madvise",
		[ATTR_MADVISE_SPLIT] = "madvise-split",
		[ATTR_MADVISE_DEFAULT] = "madvise-vm-default",
		[ATTR_QUERY] = "attr-query",
		[ATTR_QUERY_UNMAPPED] = "attr-query-after-munmap",
	};
	const struct failpath p = {
		.name = names[kind],
		.prepare = attr_prepare,
		.call = attr_call,
		.check = attr_check,
		.cleanup = attr_cleanup,
	};

	igt_require(dev.has_vram);
	attr_data.kind = kind;
	run_failpath(&p, &attr_data);
}

/* ------------------------------------------------------------------ */
/* PREFETCH                                                             */
/* ------------------------------------------------------------------ */

/*
 * A fresh 64 KiB buffer, one 64 KiB granule: to VRAM, its first half
 * written by the CPU and its second half never touched (created in VRAM,
 * zero-filled); to system memory, all of it written and moved to VRAM
 * first.
 */
#define PF_SIZE		SZ_64K
#define PF_SEED		0x9f9f0001u

static struct prefetch_data {
	uint32_t region;
	uint32_t vm;
	struct buffer buf;
	struct drm_vsvm_prefetch prefetch;
} prefetch_data;

static void prefetch_prepare(void *arg)
{
	struct prefetch_data *d = arg;
	struct drm_vsvm_prefetch pf;

	d->vm = vsvm_vm_create(dev.fd);
	buffer_map(&d->buf, PF_SIZE, PF_SIZE);
	advise(d->vm, d->buf.ptr, PF_SIZE, DRM_VSVM_LOC_AUTO,
	       DRM_VSVM_PAGE_SIZE_64K);
	if (d->region == DRM_VSVM_REGION_VRAM) {
		vsvm_pattern_fill(d->buf.ptr, PF_SIZE / 2, PF_SEED);
	} else {
		vsvm_pattern_fill(d->buf.ptr, PF_SIZE, PF_SEED);
		pf = vsvm_prefetch(dev.fd, d->vm, to_user_pointer(d->buf.ptr),
				   PF_SIZE, DRM_VSVM_REGION_VRAM);
		igt_assert_eq_u64(pf.moved, PAGES(PF_SIZE));
	}
	d->prefetch = (struct drm_vsvm_prefetch) {
		.vm_id = d->vm,
		.start = to_user_pointer(d->buf.ptr),
		.size = PF_SIZE,
		.region = d->region,
	};
}

static int prefetch_call(void *arg)
{
	struct prefetch_data *d = arg;

	return raw_ioctl(dev.fd, DRM_IOCTL_VSVM_PREFETCH, &d->prefetch);
}

static bool prefetch_check(void *arg, int ret, bool injected)
{
	struct prefetch_data *d = arg;
	const struct drm_vsvm_prefetch *pf = &d->prefetch;
	uint64_t start = to_user_pointer(d->buf.ptr);
	uint64_t sum = pf->moved + pf->already + pf->unmapped +
		       pf->unmovable + pf->busy + pf->no_memory;
	size_t vram, sys, bad;
	bool to_vram = d->region == DRM_VSVM_REGION_VRAM;
	bool ok = true;

	vram = vsvm_residency_count(dev.fd, d->vm, start, PF_SIZE,
				    VSVM_RESIDENCY_VRAM);
	sys = vsvm_residency_count(dev.fd, d->vm, start, PF_SIZE,
				   VSVM_RESIDENCY_SYSTEM);
	igt_debug("%s, fail-nth %u: %s: moved %llu already %llu unmapped %llu unmovable %llu busy %llu no_memory %llu; %zu pages in VRAM, %zu in system memory\n",
		  fp.name, fp.n, ret ? errno_name(-ret) : "success",
		  (unsigned long long)pf->moved,
		  (unsigned long long)pf->already,
		  (unsigned long long)pf->unmapped,
		  (unsigned long long)pf->unmovable,
		  (unsigned long long)pf->busy,
		  (unsigned long long)pf->no_memory, vram, sys);

	if (!ret)
		ok &= expect(sum == PAGES(PF_SIZE),
			     "PREFETCH accounted for %llu of %lu pages\n",
			     (unsigned long long)sum, PAGES(PF_SIZE));
	if (!ret && !injected)
		ok &= expect(pf->moved == PAGES(PF_SIZE),
			     "PREFETCH moved %llu of %lu pages\n",
			     (unsigned long long)pf->moved, PAGES(PF_SIZE));
	/* The pages said moved are where they went, the others stayed. */
	if (to_vram)
		ok &= expect(vram == pf->moved,
			     "%zu pages in VRAM, %llu said moved\n", vram,
			     (unsigned long long)pf->moved);
	else
		ok &= expect(sys == pf->moved &&
			     vram == PAGES(PF_SIZE) - pf->moved,
			     "%zu pages in system memory and %zu in VRAM, %llu said moved\n",
			     sys, vram, (unsigned long long)pf->moved);

	bad = vsvm_pattern_check(d->buf.ptr, to_vram ? PF_SIZE / 2 : PF_SIZE,
				 PF_SEED);
	ok &= expect(bad == SIZE_MAX, "data changed at %#zx\n", bad);
	if (to_vram) {
		bad = vsvm_words_check(d->buf.ptr + PF_SIZE / 2, PF_SIZE / 2,
				       0);
		ok &= expect(bad == SIZE_MAX,
			     "untouched page not zero at %#zx\n",
			     PF_SIZE / 2 + bad);
	}
	return ok;
}

static void prefetch_cleanup(void *arg)
{
	struct prefetch_data *d = arg;

	vm_destroy_quiet(dev.fd, d->vm);
	d->vm = 0;
	buffer_unmap(&d->buf);
}

static void test_prefetch(uint32_t region)
{
	const struct failpath p = {
		.name = region == DRM_VSVM_REGION_VRAM ? "prefetch-vram" :
							 "prefetch-system",
		.prepare = prefetch_prepare,
		.call = prefetch_call,
		.check = prefetch_check,
		.cleanup = prefetch_cleanup,
	};

	igt_require(dev.has_vram);
	prefetch_data.region = region;
	run_failpath(&p, &prefetch_data);
}

/* ------------------------------------------------------------------ */

igt_main
{
	igt_fixture {
		dev.fd = vsvm_igt_open(0);
		vsvm_require_svm(dev.fd);
		vsvm_query_device(dev.fd, &dev.info);
		dev.has_vram = vsvm_has_vram(dev.fd);
		dev.tool = vsvm_map_anon(TOOL_SIZE);
		memset(dev.tool, 0, TOOL_SIZE);
		dev.vm = job_vm_create();
		device_check();
		fi_setup();
	}

	igt_describe("QUERY under fault injection: it fails cleanly or answers right.");
	igt_subtest("query")
		test_query();

	igt_describe("VM_CREATE under fault injection: a failure leaves no VM and no id behind.");
	igt_subtest("vm-create")
		test_vm_create();

	igt_describe("VM_DESTROY of a VM with spans, ranges and VRAM under fault injection: a failure leaves the VM working, and the memory intact either way.");
	igt_subtest("vm-destroy")
		test_vm_destroy();

	igt_describe("EXEC under fault injection: a failure queues no job and takes no seqno.");
	igt_subtest("exec")
		test_exec();

	igt_describe("EXEC of a job that faults a fresh 2 MiB buffer and migrates it to VRAM, under fault injection in EXEC and, where its worker takes over the count, in the job: a clean error or a failed job, the memory intact.");
	igt_subtest("exec-job-fault-migrate")
		test_exec_job(true);

	igt_describe("EXEC of a job that faults a fresh 2 MiB buffer kept in system memory, under fault injection in EXEC and in the job.");
	igt_subtest("exec-job-fault-system")
		test_exec_job(false);

	igt_describe("GPU faults that fail, in hmm_range_fault() (reads beyond the end of a shared file) or on an injected allocation failure in the job, leave no range without pages in the VM, however many there are.");
	igt_subtest("exec-job-fault-no-empty-range")
		test_exec_job_no_empty_range();

	igt_describe("WAIT for a job under fault injection.");
	igt_subtest("wait-job")
		test_wait(WAIT_JOB);

	igt_describe("WAIT for a job that faults, under fault injection: its error is reported right.");
	igt_subtest("wait-job-error")
		test_wait(WAIT_JOB_ERROR);

	igt_describe("WAIT for a user fence under fault injection.");
	igt_subtest("wait-fence")
		test_wait(WAIT_FENCE_EQ);

	igt_describe("RANGE_INFO over system memory, a hole and VRAM under fault injection: each entry written is right.");
	igt_subtest("range-info")
		test_range_info(0);

	igt_describe("RANGE_INFO with DRM_VSVM_RANGE_INFO_RESIDENCY under fault injection: each entry written is right.");
	igt_subtest("range-info-residency")
		test_range_info(DRM_VSVM_RANGE_INFO_RESIDENCY);

	igt_describe("MADVISE of a new span under fault injection: a failure leaves the attributes unchanged.");
	igt_subtest("madvise")
		test_attr(ATTR_MADVISE);

	igt_describe("MADVISE of a span inside an older one under fault injection: a failure leaves the attributes unchanged, a success splits the old span.");
	igt_subtest("madvise-split")
		test_attr(ATTR_MADVISE_SPLIT);

	igt_describe("MADVISE of the VM's defaults under fault injection.");
	igt_subtest("madvise-vm-default")
		test_attr(ATTR_MADVISE_DEFAULT);

	igt_describe("ATTR_QUERY under fault injection.");
	igt_subtest("attr-query")
		test_attr(ATTR_QUERY);

	igt_describe("ATTR_QUERY that applies an munmap() of part of a span, under fault injection: the rest of the span keeps its attributes.");
	igt_subtest("attr-query-after-munmap")
		test_attr(ATTR_QUERY_UNMAPPED);

	igt_describe("PREFETCH of a 64 KiB granule from VRAM to system memory under fault injection: the pages said moved moved, the data is intact.");
	igt_subtest("prefetch-system")
		test_prefetch(DRM_VSVM_REGION_SYSTEM);

	igt_describe("PREFETCH of a 64 KiB granule, half written, half never touched, to VRAM under fault injection: the pages said moved moved, the data is intact.");
	igt_subtest("prefetch-vram")
		test_prefetch(DRM_VSVM_REGION_VRAM);

	igt_fixture {
		fi_restore();
		vm_destroy_quiet(dev.fd, dev.vm);
		close(dev.fd);
	}
}
