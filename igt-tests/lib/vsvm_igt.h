/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * Helpers for the vsvm IGT tests.  As in IGT's own libraries, a function
 * named __foo() returns an error for the test to check, and foo() asserts
 * that the call succeeded.
 */

#ifndef VSVM_IGT_H
#define VSVM_IGT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vsvm_drm.h"

#define VSVM_IGT_MODULE		"vsvm"

/* The debugfs directory of device N (vsvm.N) */
#define VSVM_IGT_DEBUGFS	"/sys/kernel/debug/dri/vsvm."

/* The counters of device 0, one "name value" per line. */
#define VSVM_IGT_COUNTERS	VSVM_IGT_DEBUGFS "0/vsvm_counters"

/* The kernel's trace directory */
#define VSVM_IGT_TRACING	"/sys/kernel/tracing"

/*
 * Default deadline of the waits that expect a job to end: longer than the
 * module's default job timeout (10 s), so that a job that hangs is reported
 * by the kernel as ETIMEDOUT rather than by the test as a timeout.
 */
#define VSVM_WAIT_TIMEOUT_MS	15000

/* Sizes, as the kernel spells them, and units */
#define SZ_4K			0x1000ul
#define SZ_32K			0x8000ul
#define SZ_64K			0x10000ul
#define SZ_1M			0x100000ul
#define SZ_2M			0x200000ul
#define SZ_1G			0x40000000ul
/* 4 KiB pages in @size bytes */
#define PAGES(size)		((size) / SZ_4K)
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#define NSEC_PER_MSEC		1000000ll
#define NSEC_PER_SEC		1000000000ll

/* "Do not check" values for vsvm_assert_gpu_error(). */
#define VSVM_ANY_ADDR		UINT64_MAX
#define VSVM_ANY_U32		UINT32_MAX

int vsvm_igt_count_devices(void);
int __vsvm_igt_open(unsigned int index);
int vsvm_igt_open(unsigned int index);

int __vsvm_query(int fd, struct drm_vsvm_query *query);
void vsvm_query_device(int fd, struct drm_vsvm_query_device *info);

unsigned int vsvm_igt_module_param(const char *name);
int vsvm_igt_reload(const char *options);
void vsvm_igt_module_use(unsigned int devices, unsigned int vram_mb,
			 bool *changed);
void vsvm_igt_module_restore(bool *changed);

unsigned int vsvm_require_svm(int fd);
bool vsvm_has_vram(int fd);
uint64_t vsvm_require_vram(int fd);

void *vsvm_map_isolated(size_t size, size_t align, int prot, int flags,
			int fd, off_t offset);
void *vsvm_map_isolated_anon(size_t size, size_t align);
void *vsvm_map_anon(size_t size);
void *vsvm_map_hugetlb(size_t size);
int vsvm_nr_hugepages(void);
void vsvm_set_nr_hugepages(int nr);

int64_t vsvm_now_ns(void);
int64_t vsvm_deadline_ns(unsigned int timeout_ms);

/* VMs */
int __vsvm_vm_create(int fd, struct drm_vsvm_vm_create *create);
uint32_t vsvm_vm_create(int fd);
int __vsvm_vm_destroy(int fd, struct drm_vsvm_vm_destroy *destroy);
void vsvm_vm_destroy(int fd, uint32_t vm_id);
void vsvm_igt_close(int *fd, uint32_t vm_id);

/**
 * struct vsvm_batch - a batch being written into a buffer of the caller's
 * @buf: the caller's buffer, 8-byte aligned, where the commands go
 * @capacity: size of @buf in bytes
 * @size: bytes written so far: the batch size for EXEC
 *
 * The buffer must stay untouched until every job that runs it has ended.
 */
struct vsvm_batch {
	uint8_t *buf;
	uint32_t capacity;
	uint32_t size;
};

void vsvm_batch_init(struct vsvm_batch *batch, void *buf, uint32_t capacity);
void vsvm_batch_reset(struct vsvm_batch *batch);
void *vsvm_batch_emit(struct vsvm_batch *batch, uint32_t size);
uint32_t vsvm_batch_nop(struct vsvm_batch *batch);
uint32_t vsvm_batch_store32(struct vsvm_batch *batch, uint64_t addr,
			    uint32_t value);
uint32_t vsvm_batch_store64(struct vsvm_batch *batch, uint64_t addr,
			    uint64_t value);
uint32_t vsvm_batch_fill(struct vsvm_batch *batch, uint64_t addr,
			 uint64_t size, uint32_t pattern);
uint32_t vsvm_batch_copy(struct vsvm_batch *batch, uint64_t dst,
			 uint64_t src, uint64_t size);
uint32_t vsvm_batch_blit_copy(struct vsvm_batch *batch,
			      uint64_t dst, uint32_t dst_pitch,
			      uint64_t src, uint32_t src_pitch,
			      uint32_t width, uint32_t height, uint32_t cpp);
uint32_t vsvm_batch_blit_fill(struct vsvm_batch *batch,
			      uint64_t dst, uint32_t dst_pitch,
			      uint32_t width, uint32_t height, uint32_t cpp,
			      uint32_t color);
uint32_t vsvm_batch_atomic(struct vsvm_batch *batch, uint32_t op,
			   uint32_t flags, uint64_t addr, uint64_t operand,
			   uint64_t compare, uint64_t return_addr);

/* EXEC */
int __vsvm_exec(int fd, struct drm_vsvm_exec *exec);
uint64_t vsvm_exec(int fd, uint32_t vm_id, uint32_t engine,
		   const struct vsvm_batch *batch);

/* WAIT */
int __vsvm_wait(int fd, struct drm_vsvm_wait *wait);
int __vsvm_wait_job(int fd, uint32_t vm_id, uint64_t seqno,
		    int64_t deadline_ns, struct drm_vsvm_wait *out);
int __vsvm_wait_job_default(int fd, uint32_t vm_id, uint64_t seqno,
			    struct drm_vsvm_wait *out);
int __vsvm_wait_fence(int fd, uint32_t vm_id, uint64_t addr, uint32_t op,
		      uint64_t value, uint64_t mask, int64_t deadline_ns,
		      struct drm_vsvm_wait *out);
void vsvm_wait_job(int fd, uint32_t vm_id, uint64_t seqno);
struct drm_vsvm_wait vsvm_wait_job_error(int fd, uint32_t vm_id,
					 uint64_t seqno);
void vsvm_assert_gpu_error(const struct drm_vsvm_wait *wait, uint32_t error,
			   uint64_t fault_addr, uint32_t fault_access,
			   uint32_t error_offset);
void vsvm_run(int fd, uint32_t vm_id, uint32_t engine,
	      const struct vsvm_batch *batch);
struct drm_vsvm_wait vsvm_run_error(int fd, uint32_t vm_id, uint32_t engine,
				    const struct vsvm_batch *batch);
void vsvm_run_fill(int fd, uint32_t vm_id, struct vsvm_batch *batch,
		   uint64_t dst, uint64_t size, uint32_t word);
void vsvm_run_copy(int fd, uint32_t vm_id, struct vsvm_batch *batch,
		   uint64_t dst, uint64_t src, uint64_t size);

/* RANGE_INFO */
int __vsvm_range_info(int fd, struct drm_vsvm_range_info *info);
void vsvm_range_info(int fd, uint32_t vm_id, uint64_t start, uint64_t size,
		     uint8_t *data);

/* RANGE_INFO with DRM_VSVM_RANGE_INFO_RESIDENCY: where the pages are */
enum vsvm_residency {
	VSVM_RESIDENCY_NONE,	/* not present, or in another device's VRAM */
	VSVM_RESIDENCY_SYSTEM,	/* in system memory, read-only or writable */
	VSVM_RESIDENCY_VRAM,	/* in this device's VRAM */
};

void vsvm_residency_info(int fd, uint32_t vm_id, uint64_t start,
			 uint64_t size, uint8_t *data);
enum vsvm_residency vsvm_residency_of(uint8_t entry);
size_t vsvm_residency_count(int fd, uint32_t vm_id, uint64_t start,
			    uint64_t size, enum vsvm_residency where);
void vsvm_assert_residency(int fd, uint32_t vm_id, uint64_t start,
			   uint64_t size, enum vsvm_residency where);

/* MADVISE */
int __vsvm_madvise(int fd, struct drm_vsvm_madvise *madvise);
void vsvm_madvise(int fd, uint32_t vm_id, uint64_t start, uint64_t size,
		  const struct drm_vsvm_mem_attrs *attrs);
struct drm_vsvm_mem_attrs vsvm_mem_attrs(uint32_t loc, uint32_t granularity,
					 uint32_t policy,
					 uint32_t timeslice_ms);
void vsvm_vm_default_attrs(int fd, uint32_t vm_id,
			   const struct drm_vsvm_mem_attrs *attrs);
void vsvm_vm_prefer_system(int fd, uint32_t vm_id);

/* ATTR_QUERY */
int __vsvm_attr_query(int fd, struct drm_vsvm_attr_query *query);
struct drm_vsvm_attr_query vsvm_attr_query(int fd, uint32_t vm_id,
					   uint64_t addr);

/* PREFETCH */
int __vsvm_prefetch(int fd, struct drm_vsvm_prefetch *prefetch);
struct drm_vsvm_prefetch vsvm_prefetch(int fd, uint32_t vm_id,
				       uint64_t start, uint64_t size,
				       uint32_t region);

/* debugfs: counters, VRAM, fault injection */
bool vsvm_has_counters(void);
uint64_t vsvm_counter(const char *name);
uint64_t vsvm_counter_dev(unsigned int index, const char *name);
int vsvm_count_vms(unsigned int index, pid_t pid);
long vsvm_vm_dma_pages(unsigned int index, uint32_t vm_id);

/* The most counters a struct vsvm_stats holds */
#define VSVM_STATS_MAX		32

/**
 * struct vsvm_stats - a snapshot of some debugfs counters of a device
 * @index: the device
 * @names: the counters, the caller's array
 * @n: how many
 * @value: their values when the snapshot was taken
 */
struct vsvm_stats {
	unsigned int index;
	const char * const *names;
	unsigned int n;
	uint64_t value[VSVM_STATS_MAX];
};

struct vsvm_stats vsvm_stats_read(unsigned int index,
				  const char * const *names, unsigned int n);
uint64_t vsvm_stat_delta(const struct vsvm_stats *before, unsigned int which);
void vsvm_stats_log(const struct vsvm_stats *before);
void vsvm_assert_stat_grew(const struct vsvm_stats *before,
			   unsigned int which, uint64_t at_least);
void vsvm_assert_stat_same(const struct vsvm_stats *before,
			   unsigned int which);
uint64_t vsvm_vram_stat(unsigned int index, const char *key);
uint64_t vsvm_vram_used(unsigned int index);
uint64_t vsvm_vram_wait_used(unsigned int index, uint64_t at_most,
			     unsigned int timeout_ms);
void vsvm_vram_fail_alloc(unsigned int index, unsigned int count);
unsigned int vsvm_vram_fail_alloc_pending(unsigned int index);

/* fdinfo */
int64_t vsvm_fdinfo_bytes(int fd, const char *key);

/* Tracepoints */
bool vsvm_trace_has_event(const char *event);
void vsvm_trace_enable(const char *event, bool enable);
void vsvm_trace_clear(void);
char *vsvm_trace_read(void);

/* Data patterns: distinctive, position dependent, never all zero */
uint32_t vsvm_pattern_word(uint32_t seed, size_t index);
void vsvm_pattern_fill(void *buf, size_t size, uint32_t seed);
size_t vsvm_pattern_check(const void *buf, size_t size, uint32_t seed);
void vsvm_assert_pattern(const void *buf, size_t size, uint32_t seed);
size_t vsvm_words_check(const void *buf, size_t size, uint32_t word);
void vsvm_assert_words(const void *buf, size_t size, uint32_t word);
void vsvm_assert_bytes(const void *buf, size_t size, uint8_t byte);
void vsvm_assert_file_pattern(int file, size_t size, uint32_t seed);
void vsvm_assert_pattern_range(const void *buf, size_t off, size_t len,
			       uint32_t seed);
void vsvm_assert_same(const void *got, const void *want, size_t size);
uint8_t *vsvm_snapshot(const void *buf, size_t size);

#endif /* VSVM_IGT_H */
