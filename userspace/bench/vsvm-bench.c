// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * vsvm-bench: what VRAM migration costs, measured side by side with
 * test_hmm (the kernel's reference device-private driver) and with the CPU,
 * on the same buffers, for buffer sizes from 4 KiB to 1 GiB:
 *
 *   (a) migrate_to_vram, migrate_to_sys: vsvm PREFETCH to VRAM and back
 *       vs test_hmm HMM_DMIRROR_MIGRATE_TO_DEV / _TO_SYS vs memcpy();
 *   (b) first_touch: a GPU FILL of fresh memory (VM default
 *       DRM_VSVM_LOC_SYSTEM, then DRM_VSVM_LOC_AUTO) vs memset() of fresh
 *       memory;
 *   (c) cpu_fault: a CPU touch of a page in VRAM (migrate_to_ram) per 2 MiB
 *       and per 4 KiB granule vs ordinary minor faults;
 *   (d) gpu_copy: GPU COPY on resident system memory and VRAM vs memcpy();
 *   (e) munmap: of a GPU-mirrored region vs an unmirrored one.
 *
 * Every number is the median of --reps runs, timed with CLOCK_MONOTONIC,
 * after one untimed warm-up where the first run would pay one-time costs.
 * It prints tables with ratios, writes every result (with the deltas of the
 * device's debugfs counters: where the kernel spent its time) as JSON, and
 * exits with status 1 if a measurement failed or found wrong data.  A size
 * that does not fit in VRAM or in free memory is skipped, with the reason.
 *
 * Needs a vsvm device with DRM_VSVM_FEATURE_VRAM and, for the test_hmm
 * columns, the test_hmm module (/dev/hmm_dmirror0).  Run it in a guest of the
 * release kernel: scripts/bench.sh ("make bench").
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "vsvm.h"
#include "test_hmm_uapi.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define PAGE		((uint64_t)4096)
#define SZ_2M		((uint64_t)2 << 20)
#define SZ_64M		((uint64_t)64 << 20)
#define SZ_1G		((uint64_t)1 << 30)
#define MAX_SIZES	16
#define MAX_EXTRA	24
/* Headroom left to the kernel when checking that buffers fit in memory. */
#define MEM_MARGIN	SZ_64M
/* How long freed VRAM may take to come back (it is freed by a worker). */
#define VRAM_SETTLE_NS	((uint64_t)5000000000)
/* No single GPU job of the benchmark may take longer than this. */
#define JOB_DEADLINE_NS	((int64_t)900000000000)

/* A result's number beyond the timing: a counter delta, a share of pages. */
struct extra {
	char name[64];
	double value;
};

/*
 * One measurement: test and kind name the table and the column (the plot's
 * panel and series), size the row.  The samples are runs of an operation
 * on @bytes bytes, or single faults (@per_fault).
 */
struct result {
	const char *test;
	const char *kind;
	uint64_t size;
	bool skipped;
	bool failed;
	char note[200];
	unsigned int runs;
	double median_ns;
	double min_ns;
	double p90_ns;
	uint64_t bytes;
	bool per_fault;
	unsigned int nextra;
	struct extra extra[MAX_EXTRA];
};

struct samples {
	double *ns;
	unsigned int n;
	unsigned int cap;
};

/* A buffer at a 2 MiB aligned address, between two PROT_NONE guards. */
struct buf {
	char *p;
	uint64_t size;
	void *resv;
	size_t resv_len;
};

struct counters {
	unsigned int n;
	struct {
		char name[64];
		uint64_t value;
	} c[64];
};

static struct {
	struct vsvm_device *dev;
	struct drm_vsvm_query_device info;
	uint32_t vm;
	struct vsvm_batch *batch;
	const char *hmm_path;
	bool hmm_ok;
	int hmm_fd;
	unsigned int reps;
	uint64_t sizes[MAX_SIZES];
	unsigned int nsizes;
	uint64_t max_4k_faults;
	const char *tests;
	char debugfs[PATH_MAX];
	bool settle_warned;
	struct result **results;
	unsigned int nresults;
	int errors;
} bench = {
	.hmm_path = "/dev/hmm_dmirror0",
	.hmm_fd = -1,
	.reps = 5,
	.max_4k_faults = 4096,
};

static const char *const all_tests =
	"migrate,first_touch,cpu_fault,gpu_copy,munmap";

/* ---- time, samples, sizes ------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void samples_add(struct samples *s, double ns)
{
	double *grown;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		grown = realloc(s->ns, s->cap * sizeof(*s->ns));
		if (!grown) {
			fprintf(stderr, "vsvm-bench: out of memory\n");
			exit(1);
		}
		s->ns = grown;
	}
	s->ns[s->n++] = ns;
}

static void samples_free(struct samples *s)
{
	free(s->ns);
	memset(s, 0, sizeof(*s));
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char *size_name(uint64_t size, char *buf, size_t len)
{
	if (size >= SZ_1G && !(size % SZ_1G))
		snprintf(buf, len, "%" PRIu64 "G", size >> 30);
	else if (size >= (1 << 20) && !(size % (1 << 20)))
		snprintf(buf, len, "%" PRIu64 "M", size >> 20);
	else
		snprintf(buf, len, "%" PRIu64 "K", size >> 10);
	return buf;
}

static uint64_t parse_size(const char *text)
{
	uint64_t size;
	char *end;
	int shift;

	size = strtoull(text, &end, 10);
	switch (*end) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		shift = 0;
		break;
	}
	if (shift)
		end++;
	if (*end || !size || size > (UINT64_MAX >> shift))
		return 0;
	size <<= shift;
	return size % PAGE ? 0 : size;
}

/* ---- results -------------------------------------------------------- */

static struct result *result_new(const char *test, const char *kind,
				 uint64_t size)
{
	struct result **grown, *r;

	/* Results stay where they are: callers keep pointers to them. */
	grown = realloc(bench.results,
			(bench.nresults + 1) * sizeof(*bench.results));
	r = calloc(1, sizeof(*r));
	if (!grown || !r) {
		fprintf(stderr, "vsvm-bench: out of memory\n");
		exit(1);
	}
	bench.results = grown;
	bench.results[bench.nresults++] = r;
	r->test = test;
	r->kind = kind;
	r->size = size;
	return r;
}

static void result_note(struct result *r, const char *fmt, ...)
{
	size_t len = strlen(r->note);
	va_list ap;

	if (len && len < sizeof(r->note) - 2) {
		strcat(r->note, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->note + len, sizeof(r->note) - len, fmt, ap);
	va_end(ap);
}

static void result_skip(const char *test, const char *kind, uint64_t size,
			const char *why)
{
	struct result *r = result_new(test, kind, size);

	r->skipped = true;
	result_note(r, "%s", why);
}

/* A measurement that could not be made: it makes the run fail. */
static void result_fail(struct result *r, const char *fmt, ...)
{
	size_t len = strlen(r->note);
	va_list ap;

	r->failed = true;
	bench.errors++;
	if (len && len < sizeof(r->note) - 2) {
		strcat(r->note, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->note + len, sizeof(r->note) - len, fmt, ap);
	va_end(ap);
	fprintf(stderr, "vsvm-bench: %s %s: %s\n", r->test, r->kind, r->note);
}

static void result_extra(struct result *r, const char *name, double value)
{
	if (r->nextra == MAX_EXTRA)
		return;
	snprintf(r->extra[r->nextra].name, sizeof(r->extra[0].name), "%s",
		 name);
	r->extra[r->nextra++].value = value;
}

/* The statistics of @s; @bytes per sample for a bandwidth, else 0. */
static void result_set(struct result *r, struct samples *s, uint64_t bytes,
		       bool per_fault)
{
	if (!s->n) {
		if (!r->failed)
			result_fail(r, "no samples");
		return;
	}
	qsort(s->ns, s->n, sizeof(*s->ns), compare_double);
	r->runs = s->n;
	r->min_ns = s->ns[0];
	r->median_ns = s->n % 2 ? s->ns[s->n / 2] :
		(s->ns[s->n / 2 - 1] + s->ns[s->n / 2]) / 2;
	/* The 90th percentile: the ceil(0.9 * n)-th smallest. */
	r->p90_ns = s->ns[(9 * s->n + 9) / 10 - 1];
	r->bytes = bytes;
	r->per_fault = per_fault;
}

static double result_mib_s(const struct result *r)
{
	if (!r->bytes || r->median_ns <= 0)
		return 0;
	return r->bytes / (1024.0 * 1024.0) / (r->median_ns / 1e9);
}

static const struct result *result_find(const char *test, const char *kind,
					uint64_t size)
{
	unsigned int i;

	for (i = 0; i < bench.nresults; i++) {
		const struct result *r = bench.results[i];

		if (r->size == size && !strcmp(r->test, test) &&
		    !strcmp(r->kind, kind))
			return r->skipped || r->failed || !r->runs ? NULL : r;
	}
	return NULL;
}

static bool result_get_extra(const struct result *r, const char *name,
			     double *value)
{
	unsigned int i;

	for (i = 0; i < r->nextra; i++) {
		if (!strcmp(r->extra[i].name, name)) {
			*value = r->extra[i].value;
			return true;
		}
	}
	return false;
}

/* ---- the system: memory, debugfs ------------------------------------ */

/* A "Name: N kB" line of a /proc file, in bytes; 0 if absent. */
static uint64_t proc_kb(const char *path, const char *name)
{
	size_t len = strlen(name);
	char line[256];
	uint64_t kb = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == ':') {
			kb = strtoull(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb << 10;
}

static uint64_t mem_available(void)
{
	return proc_kb("/proc/meminfo", "MemAvailable");
}

static uint64_t anon_huge_bytes(void)
{
	return proc_kb("/proc/self/smaps_rollup", "AnonHugePages");
}

/* The share of @size that became transparent huge pages since @before. */
static double thp_share(uint64_t before, uint64_t size)
{
	double grown = (double)anon_huge_bytes() - (double)before;

	return grown > 0 ? 100.0 * grown / size : 0;
}

static void counters_read(struct counters *c)
{
	char path[PATH_MAX + 32], name[64];
	uint64_t value;
	FILE *f;

	c->n = 0;
	if (!bench.debugfs[0])
		return;
	snprintf(path, sizeof(path), "%s/vsvm_counters", bench.debugfs);
	f = fopen(path, "r");
	if (!f)
		return;
	while (c->n < ARRAY_SIZE(c->c) &&
	       fscanf(f, "%63s %" SCNu64, name, &value) == 2) {
		snprintf(c->c[c->n].name, sizeof(c->c[0].name), "%s", name);
		c->c[c->n++].value = value;
	}
	fclose(f);
}

/* Attaches the counters that grew from @before to @after, per run. */
static void result_counters(struct result *r, const struct counters *before,
			    const struct counters *after, unsigned int runs)
{
	unsigned int i, j;

	for (i = 0; i < after->n; i++) {
		for (j = 0; j < before->n; j++)
			if (!strcmp(before->c[j].name, after->c[i].name))
				break;
		if (j == before->n || after->c[i].value <= before->c[j].value)
			continue;
		result_extra(r, after->c[i].name,
			     (double)(after->c[i].value - before->c[j].value) /
			     (runs ? runs : 1));
	}
}

/* A "key N" line of the device's vsvm_vram file; -1 if unknown. */
static int64_t vram_stat(const char *key)
{
	char path[PATH_MAX + 32], name[64];
	int64_t value = -1;
	uint64_t v;
	FILE *f;

	if (!bench.debugfs[0])
		return -1;
	snprintf(path, sizeof(path), "%s/vsvm_vram", bench.debugfs);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %" SCNu64 "%*[^\n]", name, &v) == 2) {
		if (!strcmp(name, key)) {
			value = v;
			break;
		}
	}
	fclose(f);
	return value;
}

/*
 * VRAM is freed by a worker after munmap: wait until none is in use, so
 * that the next measurement does not pay for evictions.
 */
static void vram_settle(void)
{
	uint64_t start = now_ns();
	int64_t used;

	while ((used = vram_stat("used")) > 0) {
		if (now_ns() - start <= VRAM_SETTLE_NS) {
			usleep(2000);
			continue;
		}
		if (!bench.settle_warned)
			fprintf(stderr, "vsvm-bench: VRAM still used: %" PRId64 " bytes\n",
				used);
		bench.settle_warned = true;
		return;
	}
}

static uint64_t vram_free(void)
{
	int64_t free_bytes;

	vram_settle();
	free_bytes = vram_stat("free");
	return free_bytes >= 0 ? (uint64_t)free_bytes : bench.info.vram_size;
}

/* ---- buffers -------------------------------------------------------- */

static int buf_map(struct buf *buf, uint64_t size, int advice)
{
	uintptr_t start;
	void *p;

	memset(buf, 0, sizeof(*buf));
	buf->resv_len = size + 2 * SZ_2M;
	buf->resv = mmap(NULL, buf->resv_len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf->resv == MAP_FAILED)
		return -errno;
	/* At least a page of guard below, at least 2 MiB above. */
	start = ((uintptr_t)buf->resv + SZ_2M) & ~(uintptr_t)(SZ_2M - 1);
	p = mmap((void *)start, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED) {
		munmap(buf->resv, buf->resv_len);
		return -errno;
	}
	if (madvise(p, size, advice))
		fprintf(stderr, "vsvm-bench: madvise(%d): %s\n", advice,
			strerror(errno));
	buf->p = p;
	buf->size = size;
	return 0;
}

/* Unmaps the buffer; returns how long munmap() of the buffer took. */
static uint64_t buf_unmap(struct buf *buf)
{
	uint64_t t;

	if (!buf->resv)
		return 0;
	t = now_ns();
	munmap(buf->p, buf->size);
	t = now_ns() - t;
	munmap(buf->resv, buf->resv_len);
	buf->resv = NULL;
	return t;
}

static uint64_t pattern(uint64_t index, uint64_t seed)
{
	return (index + 1) * 0x9e3779b97f4a7c15ull ^ seed;
}

static void pattern_fill(struct buf *buf, uint64_t seed)
{
	uint64_t *w = (uint64_t *)buf->p, i, n = buf->size / sizeof(*w);

	for (i = 0; i < n; i++)
		w[i] = pattern(i, seed);
}

/* Checks one word of every page (a different one in each). */
static bool pattern_check(const struct buf *buf, uint64_t seed)
{
	const uint64_t *w = (const uint64_t *)buf->p;
	uint64_t page, i, words = PAGE / sizeof(*w);

	for (page = 0; page < buf->size / PAGE; page++) {
		i = page * words + page % words;
		if (w[i] != pattern(i, seed)) {
			fprintf(stderr, "vsvm-bench: %p: 0x%" PRIx64 ", not 0x%" PRIx64 "\n",
				(const void *)&w[i], w[i], pattern(i, seed));
			return false;
		}
	}
	return true;
}

/* The share of the buffer's pages that are in this device's VRAM, in %. */
static double vram_share(const struct buf *buf)
{
	uint64_t i, n = buf->size / PAGE, in_vram = 0;
	uint8_t *entries = malloc(n);

	if (!entries)
		return -1;
	if (vsvm_residency(bench.dev, bench.vm, vsvm_ptr(buf->p), buf->size,
			   entries)) {
		free(entries);
		return -1;
	}
	for (i = 0; i < n; i++)
		in_vram += DRM_VSVM_RANGE_INFO_STATE(entries[i]) ==
			   DRM_VSVM_PAGE_VRAM;
	free(entries);
	return 100.0 * in_vram / n;
}

/* ---- the device ----------------------------------------------------- */

static int advise(const struct buf *buf, uint32_t loc, uint32_t granularity)
{
	struct drm_vsvm_mem_attrs attrs = {
		.preferred_loc = loc,
		.granularity = granularity,
	};

	return vsvm_madvise(bench.dev, bench.vm, vsvm_ptr(buf->p), buf->size,
			    &attrs);
}

static int set_vm_default(uint32_t loc)
{
	struct drm_vsvm_mem_attrs attrs = { .preferred_loc = loc };

	return vsvm_vm_default_attrs(bench.dev, bench.vm, &attrs);
}

/* Runs the batch on engine 0 and waits for it; *@ns is the wall time. */
static int gpu_run(uint64_t *ns)
{
	struct drm_vsvm_wait wait = { 0 };
	uint64_t seqno, t = now_ns();
	int ret;

	ret = vsvm_exec(bench.dev, bench.vm, 0, bench.batch, &seqno);
	if (!ret)
		ret = vsvm_wait_job(bench.dev, bench.vm, seqno,
				    vsvm_deadline_ns(JOB_DEADLINE_NS), &wait);
	*ns = now_ns() - t;
	if (ret == -EIO)
		fprintf(stderr,
			"vsvm-bench: GPU error %s at 0x%llx (access 0x%x)\n",
			strerror(wait.error),
			(unsigned long long)wait.fault_addr,
			wait.fault_access);
	else if (ret)
		fprintf(stderr, "vsvm-bench: GPU job: %s\n", strerror(-ret));
	return ret;
}

static int gpu_fill(const struct buf *buf, uint32_t value, uint64_t *ns)
{
	int ret;

	vsvm_batch_reset(bench.batch);
	ret = vsvm_batch_fill(bench.batch, vsvm_ptr(buf->p), buf->size, value);
	return ret ? ret : gpu_run(ns);
}

static int gpu_copy(const struct buf *dst, const struct buf *src,
		    uint64_t *ns)
{
	int ret;

	vsvm_batch_reset(bench.batch);
	ret = vsvm_batch_copy(bench.batch, vsvm_ptr(dst->p), vsvm_ptr(src->p),
			      src->size);
	return ret ? ret : gpu_run(ns);
}

/*
 * PREFETCH of the whole buffer; *@ns is its time.  Fails unless every page
 * ends up in @region; the details go to @r.
 */
static int prefetch(struct result *r, const struct buf *buf, uint32_t region,
		    uint64_t *ns)
{
	struct drm_vsvm_prefetch out;
	uint64_t t = now_ns(), npages = buf->size / PAGE;
	int ret;

	ret = vsvm_prefetch(bench.dev, bench.vm, vsvm_ptr(buf->p), buf->size,
			    region, &out);
	if (ns)
		*ns = now_ns() - t;
	if (ret) {
		result_fail(r, "PREFETCH: %s", strerror(-ret));
		return ret;
	}
	if (out.moved + out.already != npages) {
		result_note(r, "PREFETCH to %s, %llu pages: moved %llu, already %llu",
			    region == DRM_VSVM_REGION_VRAM ? "VRAM" : "system",
			    (unsigned long long)npages,
			    (unsigned long long)out.moved,
			    (unsigned long long)out.already);
		result_fail(r, "unmapped %llu, unmovable %llu, busy %llu, no memory %llu",
			    (unsigned long long)out.unmapped,
			    (unsigned long long)out.unmovable,
			    (unsigned long long)out.busy,
			    (unsigned long long)out.no_memory);
		return -EAGAIN;
	}
	return 0;
}

static int hmm_migrate(unsigned long request, const struct buf *buf,
		       const struct buf *bounce, uint64_t *ns,
		       uint64_t *cpages)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = vsvm_ptr(buf->p),
		.ptr = vsvm_ptr(bounce->p),
		.npages = buf->size / PAGE,
	};
	uint64_t t = now_ns();
	int ret = 0;

	if (ioctl(bench.hmm_fd, request, &cmd))
		ret = -errno;
	*ns = now_ns() - t;
	*cpages = cmd.cpages;
	return ret;
}

static bool wanted(const char *test)
{
	const char *p = bench.tests;
	size_t len = strlen(test);

	while ((p = strstr(p, test))) {
		if ((p == bench.tests || p[-1] == ',') &&
		    (p[len] == ',' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

static void progress(const char *test, uint64_t size)
{
	char name[24];

	fprintf(stderr, "vsvm-bench: %s %s\n", test,
		size_name(size, name, sizeof(name)));
}

/* ---- (a) migration bandwidth ---------------------------------------- */

static void skip_kinds(const char *test, const char *const *kinds,
		       unsigned int n, uint64_t size, const char *why)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		result_skip(test, kinds[i], size, why);
}

static const char *const migrate_kinds[] = { "vsvm", "test_hmm", "memcpy" };

static void skip_migrate(uint64_t size, const char *why)
{
	skip_kinds("migrate_to_vram", migrate_kinds,
		   ARRAY_SIZE(migrate_kinds), size, why);
	skip_kinds("migrate_to_sys", migrate_kinds,
		   ARRAY_SIZE(migrate_kinds), size, why);
}

/* Both test_hmm results fail: the columns are left empty. */
static void hmm_failed(struct result *h_in, struct result *h_out,
		       const char *what, int ret, uint64_t cpages,
		       uint64_t npages)
{
	result_fail(h_in, "%s: %s, %llu of %llu pages", what,
		    ret ? strerror(-ret) : "ok", (unsigned long long)cpages,
		    (unsigned long long)npages);
	h_out->failed = true;
	result_note(h_out, "see migrate_to_vram");
}

/* One test_hmm move of the whole buffer, or why it failed. */
static int hmm_move(unsigned long request, const struct buf *buf,
		    const struct buf *bounce, uint64_t *ns, uint64_t *cpages)
{
	int ret = hmm_migrate(request, buf, bounce, ns, cpages);

	if (!ret && *cpages != buf->size / PAGE)
		ret = -EAGAIN;
	return ret;
}

static void bench_migrate(uint64_t size)
{
	struct result *v_in, *v_out, *h_in = NULL, *h_out = NULL, *cpy, *cpy2;
	struct samples s_v_in = { 0 }, s_v_out = { 0 }, s_h_in = { 0 };
	struct samples s_h_out = { 0 }, s_cpy = { 0 };
	uint64_t npages = size / PAGE, ns, cpages = 0, seed = 0xa11ce;
	struct buf src = { 0 }, tmp = { 0 };
	bool hmm = bench.hmm_ok;
	struct counters c0, c1;
	unsigned int rep;
	char why[160];
	int ret;

	progress("migrate", size);
	if (size > vram_free()) {
		skip_migrate(size, "does not fit in VRAM");
		return;
	}
	/* The buffer, a copy target, test_hmm's device pages and bounce. */
	if (4 * size + MEM_MARGIN > mem_available()) {
		snprintf(why, sizeof(why), "needs %" PRIu64 " MiB free (4x the size), has %" PRIu64,
			 (4 * size + MEM_MARGIN) >> 20, mem_available() >> 20);
		skip_migrate(size, why);
		return;
	}
	if (hmm) {
		/*
		 * Open only here: test_hmm's mirror has a notifier on the
		 * whole address space, which every other measurement would
		 * pay for.
		 */
		bench.hmm_fd = open(bench.hmm_path, O_RDWR | O_CLOEXEC);
		if (bench.hmm_fd < 0) {
			fprintf(stderr, "vsvm-bench: %s: %s\n", bench.hmm_path,
				strerror(errno));
			hmm = false;
		}
	}

	v_in = result_new("migrate_to_vram", "vsvm", size);
	v_out = result_new("migrate_to_sys", "vsvm", size);
	if (hmm) {
		h_in = result_new("migrate_to_vram", "test_hmm", size);
		h_out = result_new("migrate_to_sys", "test_hmm", size);
	} else {
		result_skip("migrate_to_vram", "test_hmm", size,
			    "no test_hmm device");
		result_skip("migrate_to_sys", "test_hmm", size,
			    "no test_hmm device");
	}
	cpy = result_new("migrate_to_vram", "memcpy", size);
	cpy2 = result_new("migrate_to_sys", "memcpy", size);
	if (buf_map(&src, size, MADV_NOHUGEPAGE) ||
	    buf_map(&tmp, size, MADV_NOHUGEPAGE)) {
		result_fail(v_in, "mmap: %s", strerror(errno));
		goto out;
	}
	pattern_fill(&src, seed);
	memset(tmp.p, 0, size);

	/* Warm-up: test_hmm allocates its device memory on first use. */
	if (prefetch(v_in, &src, DRM_VSVM_REGION_VRAM, NULL) ||
	    prefetch(v_out, &src, DRM_VSVM_REGION_SYSTEM, NULL))
		goto out;
	if (hmm) {
		ret = hmm_move(HMM_DMIRROR_MIGRATE_TO_DEV, &src, &tmp, &ns,
			       &cpages);
		if (!ret)
			ret = hmm_move(HMM_DMIRROR_MIGRATE_TO_SYS, &src, &tmp,
				       &ns, &cpages);
		if (ret) {
			hmm_failed(h_in, h_out, "warm-up", ret, cpages, npages);
			hmm = false;
		}
	}
	memcpy(tmp.p, src.p, size);

	/* The three run in turn, so that a drift of the machine hits all. */
	counters_read(&c0);
	for (rep = 0; rep < bench.reps; rep++) {
		if (prefetch(v_in, &src, DRM_VSVM_REGION_VRAM, &ns))
			break;
		samples_add(&s_v_in, ns);
		if (!rep)
			result_extra(v_in, "vram_pct", vram_share(&src));
		if (prefetch(v_out, &src, DRM_VSVM_REGION_SYSTEM, &ns))
			break;
		samples_add(&s_v_out, ns);
		ret = hmm ? hmm_move(HMM_DMIRROR_MIGRATE_TO_DEV, &src, &tmp,
				     &ns, &cpages) : 0;
		if (hmm && !ret)
			samples_add(&s_h_in, ns);
		if (hmm && !ret)
			ret = hmm_move(HMM_DMIRROR_MIGRATE_TO_SYS, &src, &tmp,
				       &ns, &cpages);
		if (hmm && !ret)
			samples_add(&s_h_out, ns);
		if (hmm && ret) {
			hmm_failed(h_in, h_out, "MIGRATE", ret, cpages, npages);
			hmm = false;
		}
		ns = now_ns();
		memcpy(tmp.p, src.p, size);
		samples_add(&s_cpy, now_ns() - ns);
	}
	counters_read(&c1);
	/* One run is a move to VRAM and one back: the same deltas for both. */
	result_counters(v_in, &c0, &c1, s_v_in.n);
	result_counters(v_out, &c0, &c1, s_v_in.n);
	result_set(v_in, &s_v_in, size, false);
	result_set(v_out, &s_v_out, size, false);
	if (h_in && !h_in->failed) {
		result_note(h_in, "MIGRATE_TO_DEV also copies the data back (its check)");
		result_set(h_in, &s_h_in, size, false);
		result_set(h_out, &s_h_out, size, false);
	}
	/* memcpy has no direction: the same numbers in both tables. */
	result_set(cpy, &s_cpy, size, false);
	result_set(cpy2, &s_cpy, size, false);
	if (!pattern_check(&src, seed))
		result_fail(v_out, "the data changed on the way");
out:
	buf_unmap(&src);
	buf_unmap(&tmp);
	if (bench.hmm_fd >= 0)
		close(bench.hmm_fd);
	bench.hmm_fd = -1;
	samples_free(&s_v_in);
	samples_free(&s_v_out);
	samples_free(&s_h_in);
	samples_free(&s_h_out);
	samples_free(&s_cpy);
}

/* ---- (b) first touch ------------------------------------------------ */

/* memset() of fresh memory; @advice picks 4 KiB pages or THP. */
static void first_touch_cpu(uint64_t size, const char *kind, int advice)
{
	struct result *r = result_new("first_touch", kind, size);
	struct samples s = { 0 };
	unsigned int rep;
	struct buf buf;
	uint64_t t, thp;

	for (rep = 0; rep < bench.reps; rep++) {
		if (buf_map(&buf, size, advice)) {
			result_fail(r, "mmap: %s", strerror(errno));
			break;
		}
		thp = anon_huge_bytes();
		t = now_ns();
		memset(buf.p, 0x5a, size);
		samples_add(&s, now_ns() - t);
		if (!rep)
			result_extra(r, "thp_pct", thp_share(thp, size));
		buf_unmap(&buf);
	}
	result_set(r, &s, size, false);
	samples_free(&s);
}

/*
 * A GPU FILL of fresh memory under VM default @loc, then a second FILL of
 * the same, now resident, memory (@warm_kind).
 */
static void first_touch_gpu(uint64_t size, const char *kind,
			    const char *warm_kind, uint32_t loc)
{
	struct result *r = result_new("first_touch", kind, size);
	struct result *warm = result_new("first_touch", warm_kind, size);
	struct samples s = { 0 }, s_warm = { 0 };
	double share, min_share = 100;
	struct counters c0, c1;
	unsigned int rep;
	struct buf buf;
	uint64_t ns;
	int ret;

	ret = set_vm_default(loc);
	if (ret) {
		result_fail(r, "MADVISE VM default: %s", strerror(-ret));
		return;
	}
	counters_read(&c0);
	for (rep = 0; rep < bench.reps; rep++) {
		if (buf_map(&buf, size, MADV_NOHUGEPAGE)) {
			result_fail(r, "mmap: %s", strerror(errno));
			break;
		}
		if (gpu_fill(&buf, 0x5a5a5a5a, &ns)) {
			result_fail(r, "FILL failed");
			buf_unmap(&buf);
			break;
		}
		samples_add(&s, ns);
		share = vram_share(&buf);
		min_share = share < min_share ? share : min_share;
		if (gpu_fill(&buf, 0xa5a5a5a5, &ns)) {
			result_fail(warm, "FILL failed");
			buf_unmap(&buf);
			break;
		}
		samples_add(&s_warm, ns);
		/*
		 * A CPU read of VRAM takes the page back and holds GPU faults
		 * there off for a while: check only once, after the last run.
		 */
		if (rep + 1 == bench.reps &&
		    __atomic_load_n((uint32_t *)(buf.p + size - 4),
				    __ATOMIC_RELAXED) != 0xa5a5a5a5)
			result_fail(r, "the GPU FILL did not land");
		buf_unmap(&buf);
		vram_settle();
	}
	counters_read(&c1);
	/* The least of the runs: whether every run really used VRAM. */
	result_extra(r, "vram_pct", min_share);
	result_counters(r, &c0, &c1, s.n);
	result_set(r, &s, size, false);
	result_set(warm, &s_warm, size, false);
	samples_free(&s);
	samples_free(&s_warm);
	ret = set_vm_default(DRM_VSVM_LOC_AUTO);
	if (ret)
		result_fail(r, "MADVISE VM default back: %s", strerror(-ret));
}

static void bench_first_touch(uint64_t size)
{
	static const char *const kinds[] = {
		"cpu_4k", "cpu_thp", "gpu_system", "gpu_system_warm",
		"gpu_auto", "gpu_vram_warm",
	};

	progress("first_touch", size);
	if (size + MEM_MARGIN > mem_available()) {
		skip_kinds("first_touch", kinds, ARRAY_SIZE(kinds), size,
			   "not enough free memory");
		return;
	}
	first_touch_cpu(size, "cpu_4k", MADV_NOHUGEPAGE);
	if (size >= SZ_2M)
		first_touch_cpu(size, "cpu_thp", MADV_HUGEPAGE);
	else
		result_skip("first_touch", "cpu_thp", size,
			    "smaller than a huge page");
	first_touch_gpu(size, "gpu_system", "gpu_system_warm",
			DRM_VSVM_LOC_SYSTEM);
	if (size <= vram_free()) {
		first_touch_gpu(size, "gpu_auto", "gpu_vram_warm",
				DRM_VSVM_LOC_AUTO);
	} else {
		result_skip("first_touch", "gpu_auto", size,
			    "does not fit in VRAM");
		result_skip("first_touch", "gpu_vram_warm", size,
			    "does not fit in VRAM");
	}
}

/* ---- (c) CPU faults ------------------------------------------------- */

/* Writes one word every @stride bytes, timing each write (one fault). */
static void touch_each(const struct buf *buf, uint64_t stride,
		       struct samples *s)
{
	uint64_t off, t;

	for (off = 0; off < buf->size; off += stride) {
		t = now_ns();
		__atomic_store_n((uint64_t *)(buf->p + off), off,
				 __ATOMIC_RELAXED);
		samples_add(s, now_ns() - t);
	}
}

/*
 * A CPU write to a page in VRAM, once per @granule: migrate_to_ram of one
 * granule each.  The buffer is moved to VRAM again before every run.
 */
static void cpu_fault_vram(uint64_t size, const char *kind, uint64_t granule)
{
	struct result *r = result_new("cpu_fault", kind, size);
	struct samples s = { 0 };
	uint64_t seed = 0xfa017, i, words = PAGE / 8;
	struct counters c0, c1;
	unsigned int rep;
	struct buf buf;
	int ret;

	if (buf_map(&buf, size, MADV_NOHUGEPAGE)) {
		result_fail(r, "mmap: %s", strerror(errno));
		return;
	}
	pattern_fill(&buf, seed);
	ret = advise(&buf, DRM_VSVM_LOC_AUTO, granule);
	if (ret) {
		result_fail(r, "MADVISE: %s", strerror(-ret));
		goto out;
	}
	counters_read(&c0);
	for (rep = 0; rep < bench.reps; rep++) {
		if (prefetch(r, &buf, DRM_VSVM_REGION_VRAM, NULL))
			break;
		if (!rep)
			result_extra(r, "vram_pct", vram_share(&buf));
		touch_each(&buf, granule, &s);
	}
	counters_read(&c1);
	result_counters(r, &c0, &c1, s.n);
	result_set(r, &s, 0, true);
	/* Every page came back with its data (word 0 is the touched one). */
	for (i = 1; i < size / 8; i += words) {
		if (((uint64_t *)buf.p)[i] != pattern(i, seed)) {
			result_fail(r, "wrong data at offset %" PRIu64, i * 8);
			break;
		}
	}
out:
	buf_unmap(&buf);
	vram_settle();
	samples_free(&s);
}

/* A CPU write to fresh anonymous memory once per @stride: minor faults. */
static void cpu_fault_anon(uint64_t size, const char *kind, int advice,
			   uint64_t stride)
{
	struct result *r = result_new("cpu_fault", kind, size);
	struct samples s = { 0 };
	unsigned int rep;
	struct buf buf;
	uint64_t thp;

	for (rep = 0; rep < bench.reps; rep++) {
		if (buf_map(&buf, size, advice)) {
			result_fail(r, "mmap: %s", strerror(errno));
			break;
		}
		thp = anon_huge_bytes();
		touch_each(&buf, stride, &s);
		if (!rep)
			result_extra(r, "thp_pct", thp_share(thp, size));
		buf_unmap(&buf);
	}
	result_set(r, &s, 0, true);
	samples_free(&s);
}

/*
 * A CPU write to a fresh shared mapping of a memfd whose pages are all in
 * the page cache: a minor fault that maps a page without allocating or
 * clearing it.
 */
static void cpu_fault_pagecache(uint64_t size)
{
	struct result *r = result_new("cpu_fault", "pagecache_4k", size);
	struct samples s = { 0 };
	unsigned int rep;
	struct buf buf;
	int fd;

	fd = memfd_create("vsvm-bench", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size)) {
		result_fail(r, "memfd: %s", strerror(errno));
		goto out;
	}
	for (rep = 0; rep <= bench.reps; rep++) {
		buf.size = size;
		buf.p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			     fd, 0);
		if (buf.p == MAP_FAILED) {
			result_fail(r, "mmap: %s", strerror(errno));
			break;
		}
		/* The untimed first run puts the pages in the cache. */
		if (rep)
			touch_each(&buf, PAGE, &s);
		else
			memset(buf.p, 1, size);
		munmap(buf.p, size);
	}
	result_set(r, &s, 0, true);
out:
	if (fd >= 0)
		close(fd);
	samples_free(&s);
}

static void bench_cpu_fault(uint64_t size)
{
	bool fits_vram = size <= vram_free();
	bool small = size / PAGE <= bench.max_4k_faults;
	static const char *const kinds[] = {
		"vram_2m", "thp_2m", "vram_4k", "anon_4k", "pagecache_4k",
	};
	char why[120];

	progress("cpu_fault", size);
	if (size + MEM_MARGIN > mem_available()) {
		skip_kinds("cpu_fault", kinds, ARRAY_SIZE(kinds), size,
			   "not enough free memory");
		return;
	}
	snprintf(why, sizeof(why), "4 KiB faults only up to %" PRIu64 " per run (--max-4k-faults)",
		 bench.max_4k_faults);
	if (size < SZ_2M) {
		result_skip("cpu_fault", "vram_2m", size,
			    "smaller than a 2 MiB granule");
		result_skip("cpu_fault", "thp_2m", size,
			    "smaller than a huge page");
	} else {
		if (fits_vram)
			cpu_fault_vram(size, "vram_2m", SZ_2M);
		else
			result_skip("cpu_fault", "vram_2m", size,
				    "does not fit in VRAM");
		cpu_fault_anon(size, "thp_2m", MADV_HUGEPAGE, SZ_2M);
	}
	if (!small) {
		result_skip("cpu_fault", "vram_4k", size, why);
		result_skip("cpu_fault", "anon_4k", size, why);
		result_skip("cpu_fault", "pagecache_4k", size, why);
		return;
	}
	if (fits_vram)
		cpu_fault_vram(size, "vram_4k", PAGE);
	else
		result_skip("cpu_fault", "vram_4k", size,
			    "does not fit in VRAM");
	cpu_fault_anon(size, "anon_4k", MADV_NOHUGEPAGE, PAGE);
	cpu_fault_pagecache(size);
}

/* ---- (d) GPU copy --------------------------------------------------- */

/* Timed GPU copies of @src to @dst, which the GPU maps already. */
static void gpu_copy_runs(struct result *r, struct result *cpy,
			  const struct buf *dst, const struct buf *src)
{
	struct samples s = { 0 }, s_cpy = { 0 };
	struct counters c0, c1;
	unsigned int rep;
	uint64_t ns;

	counters_read(&c0);
	for (rep = 0; rep < bench.reps; rep++) {
		if (gpu_copy(dst, src, &ns)) {
			result_fail(r, "COPY failed");
			break;
		}
		samples_add(&s, ns);
		if (cpy) {
			ns = now_ns();
			memcpy(dst->p, src->p, src->size);
			samples_add(&s_cpy, now_ns() - ns);
		}
	}
	counters_read(&c1);
	result_counters(r, &c0, &c1, s.n);
	result_set(r, &s, src->size, false);
	if (cpy)
		result_set(cpy, &s_cpy, src->size, false);
	samples_free(&s);
	samples_free(&s_cpy);
}

static void bench_gpu_copy(uint64_t size)
{
	static const char *const kinds[] = { "gpu_system", "gpu_vram", "memcpy" };
	struct buf src = { 0 }, dst = { 0 };
	struct result *sys, *vram, *cpy;
	uint64_t seed = 0xc0b1, ns;
	char why[160];
	int ret;

	progress("gpu_copy", size);
	if (2 * size + MEM_MARGIN > mem_available()) {
		snprintf(why, sizeof(why), "needs %" PRIu64 " MiB of free memory (2x the size)",
			 (2 * size + MEM_MARGIN) >> 20);
		skip_kinds("gpu_copy", kinds, ARRAY_SIZE(kinds), size, why);
		return;
	}
	sys = result_new("gpu_copy", "gpu_system", size);
	cpy = result_new("gpu_copy", "memcpy", size);
	if (buf_map(&src, size, MADV_NOHUGEPAGE) ||
	    buf_map(&dst, size, MADV_NOHUGEPAGE)) {
		result_fail(sys, "mmap: %s", strerror(errno));
		goto out;
	}
	pattern_fill(&src, seed);
	memset(dst.p, 0, size);

	/* Resident in system memory: the warm-up COPY maps both there. */
	ret = advise(&src, DRM_VSVM_LOC_SYSTEM, 0);
	if (!ret)
		ret = advise(&dst, DRM_VSVM_LOC_SYSTEM, 0);
	if (ret) {
		result_fail(sys, "MADVISE: %s", strerror(-ret));
		goto out;
	}
	if (gpu_copy(&dst, &src, &ns)) {
		result_fail(sys, "COPY failed");
		goto out;
	}
	gpu_copy_runs(sys, cpy, &dst, &src);
	if (!pattern_check(&dst, seed))
		result_fail(sys, "wrong data after COPY");

	/* Resident in VRAM: moved there, then mapped by the warm-up. */
	if (2 * size > vram_free()) {
		result_skip("gpu_copy", "gpu_vram", size,
			    "source and destination do not fit in VRAM");
		goto out;
	}
	vram = result_new("gpu_copy", "gpu_vram", size);
	memset(dst.p, 0, size);
	ret = advise(&src, DRM_VSVM_LOC_VRAM, 0);
	if (!ret)
		ret = advise(&dst, DRM_VSVM_LOC_VRAM, 0);
	if (ret) {
		result_fail(vram, "MADVISE: %s", strerror(-ret));
		goto out;
	}
	if (prefetch(vram, &src, DRM_VSVM_REGION_VRAM, NULL) ||
	    prefetch(vram, &dst, DRM_VSVM_REGION_VRAM, NULL))
		goto out;
	if (gpu_copy(&dst, &src, &ns)) {
		result_fail(vram, "COPY failed");
		goto out;
	}
	result_extra(vram, "vram_pct_src", vram_share(&src));
	result_extra(vram, "vram_pct_dst", vram_share(&dst));
	gpu_copy_runs(vram, NULL, &dst, &src);
	if (!pattern_check(&dst, seed))
		result_fail(vram, "wrong data after COPY");
out:
	buf_unmap(&src);
	buf_unmap(&dst);
	vram_settle();
}

/* ---- (e) munmap ----------------------------------------------------- */

enum mirror { UNMIRRORED, MIRRORED, IN_VRAM };

static void munmap_runs(uint64_t size, const char *kind, enum mirror how)
{
	struct result *r = result_new("munmap", kind, size);
	struct samples s = { 0 };
	struct counters c0, c1;
	unsigned int rep;
	struct buf buf;
	uint64_t ns;
	int ret = 0;

	counters_read(&c0);
	for (rep = 0; rep < bench.reps; rep++) {
		if (buf_map(&buf, size, MADV_NOHUGEPAGE)) {
			result_fail(r, "mmap: %s", strerror(errno));
			break;
		}
		memset(buf.p, 1, size);
		if (how == MIRRORED)
			ret = advise(&buf, DRM_VSVM_LOC_SYSTEM, 0);
		else if (how == IN_VRAM)
			ret = prefetch(r, &buf, DRM_VSVM_REGION_VRAM, NULL);
		if (ret) {
			if (how == MIRRORED)
				result_fail(r, "MADVISE: %s", strerror(-ret));
			buf_unmap(&buf);
			break;
		}
		if (how != UNMIRRORED && gpu_fill(&buf, 0x11111111, &ns)) {
			result_fail(r, "FILL failed");
			buf_unmap(&buf);
			break;
		}
		if (!rep && how != UNMIRRORED)
			result_extra(r, "vram_pct", vram_share(&buf));
		samples_add(&s, buf_unmap(&buf));
		if (how == IN_VRAM)
			vram_settle();
	}
	counters_read(&c1);
	result_counters(r, &c0, &c1, s.n);
	result_set(r, &s, 0, false);
	samples_free(&s);
}

static void bench_munmap(uint64_t size)
{
	static const char *const kinds[] = { "unmirrored", "mirrored", "vram" };

	progress("munmap", size);
	if (size + MEM_MARGIN > mem_available()) {
		skip_kinds("munmap", kinds, ARRAY_SIZE(kinds), size,
			   "not enough free memory");
		return;
	}
	munmap_runs(size, "unmirrored", UNMIRRORED);
	munmap_runs(size, "mirrored", MIRRORED);
	if (size <= vram_free())
		munmap_runs(size, "vram", IN_VRAM);
	else
		result_skip("munmap", "vram", size, "does not fit in VRAM");
}

/* ---- tables --------------------------------------------------------- */

struct column {
	const char *kind;
	const char *title;
};

struct ratio {
	const char *num;
	const char *den;
	const char *title;
};

/*
 * A table: bandwidth tables show MiB/s and ratios of bandwidths (above 1:
 * the numerator is faster), the others microseconds and ratios of times
 * (above 1: the numerator is slower).  @kernel_us names the counter of the
 * kernel's own time in the first column's operation, shown as a share of
 * the measured time.
 */
struct table {
	const char *test;
	const char *title;
	bool bandwidth;
	const char *kernel_kind;
	const char *kernel_us;
	struct column cols[6];
	struct ratio ratios[3];
	const char *footnote;
};

static const struct table tables[] = {
	{
		"migrate_to_vram",
		"(a) migration system memory -> device memory, MiB/s",
		true, "vsvm", "us_migrate_to_vram",
		{ { "vsvm", "vsvm" }, { "test_hmm", "test_hmm" },
		  { "memcpy", "memcpy" } },
		{ { "vsvm", "test_hmm", "vsvm/hmm" },
		  { "vsvm", "memcpy", "vsvm/cpy" } },
		"vsvm: PREFETCH to VRAM; test_hmm: HMM_DMIRROR_MIGRATE_TO_DEV, which also reads the pages back to the caller",
	},
	{
		"migrate_to_sys",
		"(a) migration device memory -> system memory, MiB/s",
		true, "vsvm", "us_migrate_to_sys",
		{ { "vsvm", "vsvm" }, { "test_hmm", "test_hmm" },
		  { "memcpy", "memcpy" } },
		{ { "vsvm", "test_hmm", "vsvm/hmm" },
		  { "vsvm", "memcpy", "vsvm/cpy" } },
		"vsvm: PREFETCH to system; test_hmm: HMM_DMIRROR_MIGRATE_TO_SYS",
	},
	{
		"first_touch", "(b) first touch of fresh memory, MiB/s",
		true, "gpu_system", "us_fault",
		{ { "gpu_system", "gpu_sys" }, { "gpu_auto", "gpu_auto" },
		  { "cpu_4k", "cpu_4k" }, { "cpu_thp", "cpu_thp" },
		  { "gpu_system_warm", "sys_warm" },
		  { "gpu_vram_warm", "vram_warm" } },
		{ { "gpu_system", "cpu_4k", "sys/cpu" },
		  { "gpu_auto", "cpu_4k", "auto/cpu" },
		  { "gpu_auto", "gpu_system", "auto/sys" } },
		"gpu_*: FILL of fresh memory, VM default LOC_SYSTEM / LOC_AUTO; cpu_*: memset() of fresh memory; *_warm: a second FILL, no faults",
	},
	{
		"cpu_fault", "(c) CPU fault latency, us per fault", false,
		"vram_2m", "us_migrate_to_sys",
		{ { "vram_2m", "vram_2m" }, { "thp_2m", "thp_2m" },
		  { "vram_4k", "vram_4k" }, { "anon_4k", "anon_4k" },
		  { "pagecache_4k", "pgcache_4k" } },
		{ { "vram_2m", "thp_2m", "2m/thp" },
		  { "vram_4k", "anon_4k", "4k/anon" },
		  { "vram_4k", "pagecache_4k", "4k/pgc" } },
		"vram_*: CPU write to a page in VRAM, granularity 2M / 4K (migrate_to_ram); thp_2m, anon_4k: write to fresh anonymous memory; pgcache_4k: write to a page-cache page",
	},
	{
		"gpu_copy", "(d) copy on resident memory, MiB/s", true,
		NULL, NULL,
		{ { "gpu_system", "gpu_sys" }, { "gpu_vram", "gpu_vram" },
		  { "memcpy", "memcpy" } },
		{ { "gpu_system", "memcpy", "sys/cpy" },
		  { "gpu_vram", "memcpy", "vram/cpy" } },
		"gpu_*: COPY of mapped memory in system memory / VRAM",
	},
	{
		"munmap", "(e) munmap(), us", false, "mirrored", "us_invalidate",
		{ { "unmirrored", "unmirrored" }, { "mirrored", "mirrored" },
		  { "vram", "vram" } },
		{ { "mirrored", "unmirrored", "mir/unm" },
		  { "vram", "unmirrored", "vram/unm" } },
		"mirrored: filled by the GPU in system memory; vram: moved to VRAM and filled by the GPU",
	},
};

static double table_value(const struct table *t, const struct result *r)
{
	return t->bandwidth ? result_mib_s(r) : r->median_ns / 1000.0;
}

/* num/den as the table shows them; 0 if either is missing. */
static double table_ratio(const struct table *t, const struct ratio *ra,
			  uint64_t size)
{
	const struct result *n = result_find(t->test, ra->num, size);
	const struct result *d = result_find(t->test, ra->den, size);

	if (!n || !d || table_value(t, d) <= 0)
		return 0;
	return table_value(t, n) / table_value(t, d);
}

static bool table_has(const struct table *t)
{
	unsigned int i;

	for (i = 0; i < bench.nresults; i++)
		if (!strcmp(bench.results[i]->test, t->test))
			return true;
	return false;
}

static void table_print(const struct table *t)
{
	const struct result *r;
	unsigned int i, j, k;
	double value, us;
	char name[24];

	if (!table_has(t))
		return;
	printf("\n%s, median of %u\n%-6s", t->title, bench.reps, "size");
	for (j = 0; j < ARRAY_SIZE(t->cols) && t->cols[j].kind; j++)
		printf(" %10s", t->cols[j].title);
	for (k = 0; k < ARRAY_SIZE(t->ratios) && t->ratios[k].num; k++)
		printf(" %9s", t->ratios[k].title);
	printf(" %6s\n", "kern%");
	for (i = 0; i < bench.nsizes; i++) {
		uint64_t size = bench.sizes[i];

		printf("%-6s", size_name(size, name, sizeof(name)));
		for (j = 0; j < ARRAY_SIZE(t->cols) && t->cols[j].kind; j++) {
			r = result_find(t->test, t->cols[j].kind, size);
			if (r)
				printf(" %10.1f", table_value(t, r));
			else
				printf(" %10s", "-");
		}
		for (k = 0; k < ARRAY_SIZE(t->ratios) && t->ratios[k].num;
		     k++) {
			value = table_ratio(t, &t->ratios[k], size);
			if (value > 0)
				printf(" %8.2fx", value);
			else
				printf(" %9s", "-");
		}
		/* Counters are per run (or fault), a mean; the time a median. */
		r = t->kernel_kind ?
			result_find(t->test, t->kernel_kind, size) : NULL;
		if (r && r->median_ns > 0 &&
		    result_get_extra(r, t->kernel_us, &us))
			printf(" %5.0f%%", 100.0 * us * 1000 / r->median_ns);
		else
			printf(" %6s", "-");
		printf("\n");
	}
	printf("  %s\n", t->footnote);
	if (t->kernel_us)
		printf("  kern%%: the counter %s per run of %s / its median time\n",
		       t->kernel_us, t->kernel_kind);
	for (i = 0; i < bench.nresults; i++) {
		r = bench.results[i];
		if (strcmp(r->test, t->test) || !r->note[0])
			continue;
		printf("  %s %s: %s%s\n", size_name(r->size, name, sizeof(name)),
		       r->kind, r->skipped ? "skipped: " : r->failed ?
		       "FAILED: " : "", r->note);
	}
}

/* The goal of issue 4 at 2 MiB, as "name value target met" tuples. */
struct goal {
	const char *name;
	const char *test;
	const char *den;
	double target;
	double value;
};

static struct goal goals[] = {
	{
		.name = "to_vram_vs_test_hmm", .test = "migrate_to_vram",
		.den = "test_hmm", .target = 2.0,
	},
	{
		.name = "to_vram_vs_memcpy", .test = "migrate_to_vram",
		.den = "memcpy", .target = 0.5,
	},
	{
		.name = "to_sys_vs_test_hmm", .test = "migrate_to_sys",
		.den = "test_hmm", .target = 2.0,
	},
	{
		.name = "to_sys_vs_memcpy", .test = "migrate_to_sys",
		.den = "memcpy", .target = 0.5,
	},
};

static void goals_print(void)
{
	const struct table *t;
	struct ratio ra;
	unsigned int i;

	printf("\ngoal at 2M: migration >= 2x test_hmm and >= 0.5x memcpy\n");
	for (i = 0; i < ARRAY_SIZE(goals); i++) {
		t = !strcmp(goals[i].test, tables[0].test) ? &tables[0] :
			&tables[1];
		ra = (struct ratio){ "vsvm", goals[i].den, NULL };
		goals[i].value = table_ratio(t, &ra, SZ_2M);
		if (goals[i].value > 0)
			printf("  %-22s %6.2fx  (target %.1fx) %s\n",
			       goals[i].name, goals[i].value, goals[i].target,
			       goals[i].value >= goals[i].target ?
			       "met" : "NOT met");
		else
			printf("  %-22s not measured\n", goals[i].name);
	}
}

/* ---- JSON ----------------------------------------------------------- */

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_number(FILE *f, double value)
{
	if (isfinite(value))
		fprintf(f, "%.6g", value);
	else
		fprintf(f, "null");
}

static void json_result(FILE *f, const struct result *r)
{
	unsigned int i;

	fprintf(f, "    {\"test\": ");
	json_string(f, r->test);
	fprintf(f, ", \"kind\": ");
	json_string(f, r->kind);
	fprintf(f, ", \"size\": %" PRIu64 ", \"skipped\": %s, \"failed\": %s",
		r->size, r->skipped ? "true" : "false",
		r->failed ? "true" : "false");
	if (r->runs) {
		fprintf(f, ", \"runs\": %u, \"per_fault\": %s, \"median_ns\": ",
			r->runs, r->per_fault ? "true" : "false");
		json_number(f, r->median_ns);
		fprintf(f, ", \"min_ns\": ");
		json_number(f, r->min_ns);
		fprintf(f, ", \"p90_ns\": ");
		json_number(f, r->p90_ns);
		fprintf(f, ", \"bytes\": %" PRIu64, r->bytes);
		if (r->bytes) {
			fprintf(f, ", \"mib_s\": ");
			json_number(f, result_mib_s(r));
		}
	}
	fprintf(f, ", \"note\": ");
	json_string(f, r->note);
	fprintf(f, ", \"extra\": {");
	for (i = 0; i < r->nextra; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_string(f, r->extra[i].name);
		fprintf(f, ": ");
		json_number(f, r->extra[i].value);
	}
	fprintf(f, "}}");
}

static int json_write(const char *path)
{
	const char *sep = "";
	struct utsname uts;
	unsigned int i, j, k;
	char thp[128] = "";
	FILE *f;

	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(thp, sizeof(thp), f))
			thp[0] = 0;
		thp[strcspn(thp, "\n")] = 0;
		fclose(f);
	}
	uname(&uts);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "vsvm-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"version\": 1,\n  \"meta\": {\"kernel\": ");
	json_string(f, uts.release);
	fprintf(f, ", \"uapi\": \"%u.%u\", \"vram_size\": %llu",
		bench.info.uapi_major, bench.info.uapi_minor,
		(unsigned long long)bench.info.vram_size);
	fprintf(f, ", \"engines\": %u, \"reps\": %u", bench.info.num_engines,
		bench.reps);
	fprintf(f, ", \"statistic\": \"median\", \"clock\": \"CLOCK_MONOTONIC\"");
	fprintf(f, ", \"cpus\": %ld, \"mem_total\": %" PRIu64,
		sysconf(_SC_NPROCESSORS_ONLN),
		proc_kb("/proc/meminfo", "MemTotal"));
	fprintf(f, ", \"thp\": ");
	json_string(f, thp);
	fprintf(f, ", \"test_hmm\": ");
	if (bench.hmm_ok)
		json_string(f, bench.hmm_path);
	else
		fprintf(f, "null");
	fprintf(f, ", \"sizes\": [");
	for (i = 0; i < bench.nsizes; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", bench.sizes[i]);
	fprintf(f, "]},\n  \"results\": [\n");
	for (i = 0; i < bench.nresults; i++) {
		json_result(f, bench.results[i]);
		fprintf(f, "%s\n", i + 1 < bench.nresults ? "," : "");
	}
	fprintf(f, "  ],\n  \"ratios\": [");
	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		const struct table *t = &tables[i];

		for (k = 0; k < ARRAY_SIZE(t->ratios) && t->ratios[k].num;
		     k++) {
			for (j = 0; j < bench.nsizes; j++) {
				double v = table_ratio(t, &t->ratios[k],
						       bench.sizes[j]);

				if (v <= 0)
					continue;
				fprintf(f, "%s\n    {\"test\": \"%s\", \"size\": %" PRIu64,
					sep, t->test, bench.sizes[j]);
				fprintf(f, ", \"num\": \"%s\", \"den\": \"%s\"",
					t->ratios[k].num, t->ratios[k].den);
				fprintf(f, ", \"of\": \"%s\", \"value\": ",
					t->bandwidth ? "bandwidth" : "time");
				json_number(f, v);
				fprintf(f, "}");
				sep = ",";
			}
		}
	}
	fprintf(f, "\n  ],\n  \"goals\": [");
	for (i = 0; i < ARRAY_SIZE(goals); i++) {
		fprintf(f, "%s\n    {\"name\": \"%s\", \"size\": %" PRIu64 ", \"target\": ",
			i ? "," : "", goals[i].name, SZ_2M);
		json_number(f, goals[i].target);
		fprintf(f, ", \"value\": ");
		if (goals[i].value > 0)
			json_number(f, goals[i].value);
		else
			fprintf(f, "null");
		fprintf(f, ", \"met\": %s}", goals[i].value >= goals[i].target ?
			"true" : "false");
	}
	fprintf(f, "\n  ],\n  \"errors\": %d\n}\n", bench.errors);
	if (fclose(f)) {
		fprintf(stderr, "vsvm-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- setup ---------------------------------------------------------- */

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: vsvm-bench [options]\n"
		"  --device N          the vsvm device (default 0)\n"
		"  --hmm PATH|none     the test_hmm device (default /dev/hmm_dmirror0)\n"
		"  --reps N            runs per measurement, the median is shown (default 5)\n"
		"  --sizes LIST        buffer sizes (default 4K,64K,2M,16M,128M,1G)\n"
		"  --tests LIST        of %s (default all)\n"
		"  --max-4k-faults N   largest number of 4 KiB faults per run (default 4096)\n"
		"  --json FILE         write the results as JSON (default $VSVM_RESULTS/bench.json)\n"
		"  --debugfs DIR       the device's debugfs directory (default /sys/kernel/debug/dri/vsvm.N)\n",
		all_tests);
	exit(2);
}

static void parse_sizes(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;

	bench.nsizes = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (bench.nsizes == MAX_SIZES)
			bad_usage();
		bench.sizes[bench.nsizes] = parse_size(tok);
		if (!bench.sizes[bench.nsizes++]) {
			fprintf(stderr, "vsvm-bench: bad size %s (a multiple of 4K)\n",
				tok);
			bad_usage();
		}
	}
	free(copy);
	if (!bench.nsizes)
		bad_usage();
}

/*
 * The batch buffer belongs to libvsvm's heap: keep it in system memory, so
 * that writing the next batch does not pull it back from VRAM each time.
 */
static int pin_batch_to_system(void)
{
	struct drm_vsvm_mem_attrs attrs = {
		.preferred_loc = DRM_VSVM_LOC_SYSTEM,
		.granularity = DRM_VSVM_PAGE_SIZE_4K,
	};
	uint64_t start = vsvm_ptr(vsvm_batch_data(bench.batch)) & ~(PAGE - 1);
	uint64_t end = vsvm_ptr(vsvm_batch_data(bench.batch)) + PAGE;

	end = (end + PAGE - 1) & ~(PAGE - 1);
	return vsvm_madvise(bench.dev, bench.vm, start, end - start, &attrs);
}

static void setup(unsigned int index)
{
	int ret;

	bench.dev = vsvm_device_open(index);
	if (!bench.dev) {
		fprintf(stderr, "vsvm-bench: vsvm device %u: %s\n", index,
			strerror(errno));
		exit(1);
	}
	ret = vsvm_query_device(bench.dev, &bench.info);
	if (ret) {
		fprintf(stderr, "vsvm-bench: query: %s\n", strerror(-ret));
		exit(1);
	}
	if (!(bench.info.features & DRM_VSVM_FEATURE_SVM) ||
	    !(bench.info.features & DRM_VSVM_FEATURE_VRAM)) {
		fprintf(stderr, "vsvm-bench: %s has no VRAM migration (features 0x%llx)\n",
			vsvm_device_path(bench.dev),
			(unsigned long long)bench.info.features);
		exit(1);
	}
	if (!bench.debugfs[0])
		snprintf(bench.debugfs, sizeof(bench.debugfs),
			 "/sys/kernel/debug/dri/vsvm.%u",
			 bench.info.device_index);
	if (access(bench.debugfs, R_OK)) {
		fprintf(stderr, "vsvm-bench: no %s: no counters, and no wait for freed VRAM\n",
			bench.debugfs);
		bench.debugfs[0] = 0;
	}
	ret = vsvm_vm_create(bench.dev, &bench.vm);
	if (ret) {
		fprintf(stderr, "vsvm-bench: VM_CREATE: %s\n", strerror(-ret));
		exit(1);
	}
	/* Small commands only: the buffer never grows, so never moves. */
	bench.batch = vsvm_batch_create(PAGE);
	if (!bench.batch) {
		fprintf(stderr, "vsvm-bench: out of memory\n");
		exit(1);
	}
	ret = pin_batch_to_system();
	if (ret) {
		fprintf(stderr, "vsvm-bench: MADVISE: %s\n", strerror(-ret));
		exit(1);
	}
	if (strcmp(bench.hmm_path, "none")) {
		bench.hmm_ok = !access(bench.hmm_path, R_OK | W_OK);
		if (!bench.hmm_ok)
			fprintf(stderr, "vsvm-bench: %s: %s: no test_hmm columns\n",
				bench.hmm_path, strerror(errno));
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "hmm", required_argument, NULL, 'H' },
		{ "reps", required_argument, NULL, 'r' },
		{ "sizes", required_argument, NULL, 's' },
		{ "tests", required_argument, NULL, 't' },
		{ "max-4k-faults", required_argument, NULL, 'f' },
		{ "json", required_argument, NULL, 'j' },
		{ "debugfs", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const char *json = NULL, *results = getenv("VSVM_RESULTS");
	char json_default[PATH_MAX], name[16];
	unsigned int device = 0, i;
	struct utsname uts;
	int opt;

	bench.tests = all_tests;
	parse_sizes("4K,64K,2M,16M,128M,1G");
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			device = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			bench.hmm_path = optarg;
			break;
		case 'r':
			bench.reps = strtoul(optarg, NULL, 0);
			if (!bench.reps)
				bad_usage();
			break;
		case 's':
			parse_sizes(optarg);
			break;
		case 't':
			bench.tests = optarg;
			break;
		case 'f':
			bench.max_4k_faults = strtoull(optarg, NULL, 0);
			break;
		case 'j':
			json = optarg;
			break;
		case 'D':
			snprintf(bench.debugfs, sizeof(bench.debugfs), "%s",
				 optarg);
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc)
		bad_usage();
	if (!json && results) {
		snprintf(json_default, sizeof(json_default), "%s/bench.json",
			 results);
		json = json_default;
	}

	setup(device);
	uname(&uts);
	printf("vsvm-bench: kernel %s, %s, uAPI %u.%u, %llu MiB VRAM, %u engines\n",
	       uts.release, vsvm_device_path(bench.dev), bench.info.uapi_major,
	       bench.info.uapi_minor,
	       (unsigned long long)bench.info.vram_size >> 20,
	       bench.info.num_engines);
	printf("test_hmm: %s; %u runs per number, their median; CLOCK_MONOTONIC\n",
	       bench.hmm_ok ? bench.hmm_path : "none", bench.reps);
	printf("sizes:");
	for (i = 0; i < bench.nsizes; i++)
		printf(" %s", size_name(bench.sizes[i], name, sizeof(name)));
	printf("\nbuffers: private anonymous, 2 MiB aligned, no THP unless a test is about it\n");
	fflush(stdout);

	for (i = 0; i < bench.nsizes; i++) {
		if (wanted("migrate"))
			bench_migrate(bench.sizes[i]);
		if (wanted("first_touch"))
			bench_first_touch(bench.sizes[i]);
		if (wanted("cpu_fault"))
			bench_cpu_fault(bench.sizes[i]);
		if (wanted("gpu_copy"))
			bench_gpu_copy(bench.sizes[i]);
		if (wanted("munmap"))
			bench_munmap(bench.sizes[i]);
	}

	for (i = 0; i < ARRAY_SIZE(tables); i++)
		table_print(&tables[i]);
	if (wanted("migrate"))
		goals_print();
	if (bench.errors)
		printf("\n%d measurement%s FAILED (see above)\n", bench.errors,
		       bench.errors == 1 ? "" : "s");
	if (json && json_write(json))
		bench.errors++;
	else if (json)
		printf("\nJSON: %s\n", json);

	vsvm_batch_destroy(bench.batch);
	vsvm_vm_destroy(bench.dev, bench.vm);
	vsvm_device_close(bench.dev);
	for (i = 0; i < bench.nresults; i++)
		free(bench.results[i]);
	free(bench.results);
	return bench.errors ? 1 : 0;
}
