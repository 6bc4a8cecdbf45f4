// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * vsvm-draw [OUTPUT.png]: the GPU draws a picture into a malloc()ed
 * framebuffer through shared virtual memory.
 *
 * The program builds one batch of FILL and BLIT2D commands that work on
 * plain malloc() pointers -- nothing is registered, bound or copied -- and
 * that ends with a STORE to a user fence.  It waits for the fence and the
 * job, then draws the same scene with the CPU into a buffer of its own,
 * compares the two byte for byte, writes the GPU's picture as a PNG and
 * prints the GPU page-table residency of the framebuffer and the device's
 * counters.  Exit status 0 only if everything worked and the pictures match.
 */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "vsvm.h"

#define FB_WIDTH	640
#define FB_HEIGHT	480
#define FB_CPP		4			/* XRGB8888 */
#define FB_PITCH	(FB_WIDTH * FB_CPP)

/* The sprite's rows are longer than its width: a pitch != width * cpp. */
#define SPRITE_SIZE	64
#define SPRITE_PITCH	(80 * FB_CPP)

#define MAX_OPS		256
#define ENGINE		0
#define FENCE_VALUE	0x5653564d44524157ull	/* "VSVMDRAW" */
#define NSEC_PER_MSEC	1000000ll
#define JOB_TIMEOUT_NS	(60000 * NSEC_PER_MSEC)
#define POLL_NS		(100 * NSEC_PER_MSEC)
#define PAGE_SIZE_4K	4096ull

/*
 * A surface has two copies: the one the GPU draws into and the one the CPU
 * reference renderer draws into.
 */
struct surface {
	uint8_t *gpu;
	uint8_t *ref;
	uint32_t width;
	uint32_t height;
	uint32_t pitch;
};

enum op_kind {
	OP_FILL,	/* the whole surface, with FILL */
	OP_RECT,	/* a rectangle, with a BLIT2D fill */
	OP_BLIT,	/* a rectangle from another place, with a BLIT2D copy */
};

struct op {
	enum op_kind kind;
	struct surface *dst;
	uint32_t x, y, w, h;
	uint32_t color;
	struct surface *src;
	uint32_t sx, sy;
};

struct scene {
	struct op ops[MAX_OPS];
	unsigned int count;
};

static uint32_t xrgb(uint32_t r, uint32_t g, uint32_t b)
{
	return 0xff000000u | r << 16 | g << 8 | b;
}

/* Colour @i of @n on a rainbow: red, yellow, green, cyan, blue, magenta. */
static uint32_t rainbow(unsigned int i, unsigned int n)
{
	uint32_t h = i * 1536 / n, f = h % 256;

	switch (h / 256) {
	case 0: return xrgb(255, f, 0);
	case 1: return xrgb(255 - f, 255, 0);
	case 2: return xrgb(0, 255, f);
	case 3: return xrgb(0, 255 - f, 255);
	case 4: return xrgb(f, 0, 255);
	default: return xrgb(255, 0, 255 - f);
	}
}

/* Step @i of @n (0..n) from colour @a to colour @b. */
static uint32_t blend(uint32_t a, uint32_t b, unsigned int i, unsigned int n)
{
	uint32_t c = 0xff000000u;
	int shift;

	for (shift = 0; shift < 24; shift += 8) {
		int ca = (a >> shift) & 0xff, cb = (b >> shift) & 0xff;

		c |= (uint32_t)(ca + (cb - ca) * (int)i / (int)n) << shift;
	}
	return c;
}

static struct op *scene_add(struct scene *scene, enum op_kind kind,
			    struct surface *dst, uint32_t x, uint32_t y,
			    uint32_t w, uint32_t h)
{
	struct op *op;

	assert(scene->count < MAX_OPS);
	assert(w && h && x + w <= dst->width && y + h <= dst->height);
	op = &scene->ops[scene->count++];
	*op = (struct op){
		.kind = kind, .dst = dst, .x = x, .y = y, .w = w, .h = h,
	};
	return op;
}

static void scene_fill(struct scene *scene, struct surface *dst,
		       uint32_t color)
{
	scene_add(scene, OP_FILL, dst, 0, 0, dst->width, dst->height)->color =
		color;
}

static void scene_rect(struct scene *scene, struct surface *dst,
		       uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		       uint32_t color)
{
	scene_add(scene, OP_RECT, dst, x, y, w, h)->color = color;
}

/*
 * Copies a @w x @h rectangle.  The kernel rejects overlapping rectangles,
 * and this scene never asks for one.
 */
static void scene_blit(struct scene *scene, struct surface *dst,
		       uint32_t x, uint32_t y, struct surface *src,
		       uint32_t sx, uint32_t sy, uint32_t w, uint32_t h)
{
	struct op *op = scene_add(scene, OP_BLIT, dst, x, y, w, h);

	assert(sx + w <= src->width && sy + h <= src->height);
	op->src = src;
	op->sx = sx;
	op->sy = sy;
}

/*
 * The picture, drawn in order: a background, a rainbow strip, a gradient
 * panel, a checkerboard, overlapping rectangles, a sprite drawn in its own
 * buffer, the two middle panels copied swapped below themselves, and a row
 * of sprite stamps.
 */
static void build_scene(struct scene *scene, struct surface *fb,
			struct surface *sprite)
{
	unsigned int i, cx, cy;

	scene_fill(scene, fb, xrgb(0x20, 0x24, 0x30));

	for (i = 0; i < 64; i++)
		scene_rect(scene, fb, i * 10, 0, 10, 40, rainbow(i, 64));

	for (i = 0; i < 40; i++)
		scene_rect(scene, fb, 16, 56 + i * 4, 288, 4,
			   blend(xrgb(0x10, 0x40, 0xa0), xrgb(0xf0, 0x80, 0x20),
				 i, 39));

	scene_rect(scene, fb, 320, 56, 128, 160, xrgb(0xf0, 0xf0, 0xf0));
	for (cy = 0; cy < 10; cy++)
		for (cx = 0; cx < 8; cx++)
			if ((cx + cy) % 2)
				scene_rect(scene, fb, 320 + cx * 16,
					   56 + cy * 16, 16, 16,
					   xrgb(0x30, 0x30, 0x38));

	scene_rect(scene, fb, 464, 56, 96, 96, xrgb(0xe0, 0x30, 0x30));
	scene_rect(scene, fb, 496, 88, 96, 96, xrgb(0x30, 0xc0, 0x50));
	scene_rect(scene, fb, 528, 120, 96, 96, xrgb(0x30, 0x60, 0xe0));
	scene_rect(scene, fb, 472, 160, 64, 48, xrgb(0xf0, 0xd0, 0x20));

	for (i = 0; i < 8; i++)
		scene_rect(scene, sprite, i * 4, i * 4, SPRITE_SIZE - i * 8,
			   SPRITE_SIZE - i * 8, rainbow(i, 8));

	/* Sources end at row 215, destinations start at row 232. */
	scene_blit(scene, fb, 336, 232, fb, 16, 56, 288, 160);
	scene_blit(scene, fb, 16, 232, fb, 320, 56, 304, 160);

	for (i = 0; i < 8; i++)
		scene_blit(scene, fb, 14 + i * 78, 404, sprite, 0, 0,
			   SPRITE_SIZE, SPRITE_SIZE);
}

static uint8_t *pixel(uint8_t *base, const struct surface *s,
		      uint32_t x, uint32_t y)
{
	return base + (size_t)y * s->pitch + (size_t)x * FB_CPP;
}

static int emit_op(struct vsvm_batch *batch, const struct op *op)
{
	struct surface *dst = op->dst, *src = op->src;

	switch (op->kind) {
	case OP_FILL:
		return vsvm_batch_fill(batch, vsvm_ptr(dst->gpu),
				       (uint64_t)dst->pitch * dst->height,
				       op->color);
	case OP_RECT:
		return vsvm_batch_blit2d_fill(batch,
				vsvm_ptr(pixel(dst->gpu, dst, op->x, op->y)),
				dst->pitch, op->w, op->h, FB_CPP, op->color);
	case OP_BLIT:
		return vsvm_batch_blit2d_copy(batch,
				vsvm_ptr(pixel(dst->gpu, dst, op->x, op->y)),
				dst->pitch,
				vsvm_ptr(pixel(src->gpu, src, op->sx, op->sy)),
				src->pitch, op->w, op->h, FB_CPP);
	}
	return -EINVAL;
}

/* The CPU reference: what each operation must leave in memory. */
static void render_op(const struct op *op)
{
	struct surface *dst = op->dst, *src = op->src;
	uint32_t x, y;
	size_t i;

	switch (op->kind) {
	case OP_FILL:
		for (i = 0; i < (size_t)dst->pitch * dst->height; i += 4)
			memcpy(dst->ref + i, &op->color, 4);
		break;
	case OP_RECT:
		for (y = 0; y < op->h; y++)
			for (x = 0; x < op->w; x++)
				memcpy(pixel(dst->ref, dst, op->x + x,
					     op->y + y), &op->color, 4);
		break;
	case OP_BLIT:
		for (y = 0; y < op->h; y++)
			memmove(pixel(dst->ref, dst, op->x, op->y + y),
				pixel(src->ref, src, op->sx, op->sy + y),
				(size_t)op->w * FB_CPP);
		break;
	}
}

static int64_t now_ns(void)
{
	return vsvm_deadline_ns(0);
}

static void print_gpu_error(const struct drm_vsvm_wait *w)
{
	fprintf(stderr, "vsvm-draw: the job failed: %s", strerror(w->error));
	if (w->fault_addr || w->fault_access)
		fprintf(stderr, ", GPU page fault at 0x%llx (%s%s%s)",
			(unsigned long long)w->fault_addr,
			w->fault_access & DRM_VSVM_ACCESS_READ ? "r" : "",
			w->fault_access & DRM_VSVM_ACCESS_WRITE ? "w" : "",
			w->fault_access & DRM_VSVM_ACCESS_ATOMIC ? "a" : "");
	fprintf(stderr, ", at batch offset %u\n", w->error_offset);
}

/*
 * Waits for the user fence in slices, checking between them whether the job
 * failed (then the fence would never come), then for the job itself.
 */
static int wait_for_job(struct vsvm_device *dev, uint32_t vm_id,
			uint64_t seqno, const volatile uint64_t *fence)
{
	int64_t deadline = vsvm_deadline_ns(JOB_TIMEOUT_NS), slice;
	struct drm_vsvm_wait job;
	int ret;

	for (;;) {
		slice = vsvm_deadline_ns(POLL_NS);
		ret = vsvm_wait_fence(dev, vm_id, fence, FENCE_VALUE, ~0ull,
				      DRM_VSVM_WAIT_EQ,
				      slice < deadline ? slice : deadline);
		if (ret != -ETIME)
			break;
		ret = vsvm_wait_job(dev, vm_id, seqno, now_ns(), &job);
		if (ret == -EIO) {
			print_gpu_error(&job);
			return ret;
		}
		if (!ret) {
			/* The job ended, so its last STORE is visible. */
			ret = vsvm_wait_fence(dev, vm_id, fence, FENCE_VALUE,
					      ~0ull, DRM_VSVM_WAIT_EQ,
					      now_ns());
			if (ret == -ETIME)
				fprintf(stderr,
					"vsvm-draw: the job is done, but the fence holds 0x%" PRIx64 "\n",
					*fence);
			break;
		}
		if (ret != -ETIME) {
			fprintf(stderr, "vsvm-draw: wait for job %" PRIu64
				": %s\n", seqno, strerror(-ret));
			return ret;
		}
		if (now_ns() >= deadline) {
			fprintf(stderr, "vsvm-draw: no fence after %lld ms\n",
				JOB_TIMEOUT_NS / NSEC_PER_MSEC);
			return -ETIME;
		}
	}
	if (ret) {
		fprintf(stderr, "vsvm-draw: wait for the fence: %s\n",
			strerror(-ret));
		return ret;
	}

	ret = vsvm_wait_job(dev, vm_id, seqno, deadline, &job);
	if (ret == -EIO)
		print_gpu_error(&job);
	else if (ret)
		fprintf(stderr, "vsvm-draw: wait for job %" PRIu64 ": %s\n",
			seqno, strerror(-ret));
	return ret;
}

/* Compares the GPU's framebuffer with the reference; 0 if identical. */
static unsigned long compare(const struct surface *fb)
{
	unsigned long mismatches = 0;
	uint32_t x, y, got, want;

	if (!memcmp(fb->gpu, fb->ref, (size_t)fb->pitch * fb->height))
		return 0;
	for (y = 0; y < fb->height; y++) {
		for (x = 0; x < fb->width; x++) {
			memcpy(&got, pixel(fb->gpu, fb, x, y), 4);
			memcpy(&want, pixel(fb->ref, fb, x, y), 4);
			if (got == want)
				continue;
			if (mismatches++ < 8)
				fprintf(stderr,
					"vsvm-draw: pixel (%u, %u) is 0x%08x, expected 0x%08x\n",
					x, y, got, want);
		}
	}
	return mismatches;
}

static void write_rows(png_structp png, const struct surface *fb,
		       png_bytep row)
{
	uint32_t x, y, v;

	for (y = 0; y < fb->height; y++) {
		for (x = 0; x < fb->width; x++) {
			memcpy(&v, pixel(fb->gpu, fb, x, y), 4);
			row[3 * x] = v >> 16;
			row[3 * x + 1] = v >> 8;
			row[3 * x + 2] = v;
		}
		png_write_row(png, row);
	}
}

/* libpng reports errors by longjmp() to here. */
static int encode_png(png_structp png, png_infop info, FILE *file,
		      const struct surface *fb, png_bytep row)
{
	if (setjmp(png_jmpbuf(png)))
		return -EIO;
	png_init_io(png, file);
	png_set_IHDR(png, info, fb->width, fb->height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	write_rows(png, fb, row);
	png_write_end(png, NULL);
	return 0;
}

static int write_png(const char *path, const struct surface *fb)
{
	png_structp png = NULL;
	png_infop info = NULL;
	png_bytep row;
	FILE *file;
	int ret;

	file = fopen(path, "wb");
	if (!file)
		return -errno;
	row = malloc((size_t)fb->width * 3);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png)
		info = png_create_info_struct(png);
	if (row && png && info)
		ret = encode_png(png, info, file, fb, row);
	else
		ret = -ENOMEM;
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fclose(file) && !ret)
		ret = -errno;
	return ret;
}

/* What RANGE_INFO says of the pages that hold a buffer. */
struct residency {
	const char *when;
	size_t pages;
	unsigned long state[5];	/* by enum drm_vsvm_page_state, 4: other */
	unsigned long pte[5];	/* by enum drm_vsvm_pte_size, 4: other */
};

static int get_residency(struct vsvm_device *dev, uint32_t vm_id,
			 const void *ptr, size_t size, const char *when,
			 struct residency *r)
{
	uint64_t start = vsvm_ptr(ptr) & ~(PAGE_SIZE_4K - 1);
	uint64_t end = (vsvm_ptr(ptr) + size + PAGE_SIZE_4K - 1) &
		       ~(PAGE_SIZE_4K - 1);
	unsigned int state, pte;
	uint8_t *entries;
	size_t i;
	int ret;

	*r = (struct residency){
		.when = when, .pages = (end - start) / PAGE_SIZE_4K,
	};
	entries = malloc(r->pages);
	if (!entries)
		return -ENOMEM;
	ret = vsvm_range_info(dev, vm_id, start, end - start, entries);
	if (ret) {
		fprintf(stderr, "vsvm-draw: RANGE_INFO: %s\n", strerror(-ret));
		free(entries);
		return ret;
	}
	for (i = 0; i < r->pages; i++) {
		state = DRM_VSVM_RANGE_INFO_STATE(entries[i]);
		pte = DRM_VSVM_RANGE_INFO_PTE(entries[i]);
		r->state[state <= DRM_VSVM_PAGE_VRAM ? state : 4]++;
		r->pte[pte <= DRM_VSVM_PTE_2M ? pte : 4]++;
	}
	free(entries);
	return 0;
}

static void print_residency(const struct residency *r)
{
	printf("  %-20s not mirrored %lu, system RO %lu, system RW %lu, VRAM %lu",
	       r->when, r->state[DRM_VSVM_PAGE_NOT_MIRRORED],
	       r->state[DRM_VSVM_PAGE_SYSTEM_RO],
	       r->state[DRM_VSVM_PAGE_SYSTEM_RW], r->state[DRM_VSVM_PAGE_VRAM]);
	if (r->state[4])
		printf(", other %lu", r->state[4]);
	printf("\n  %-20s PTE none %lu, 4K %lu, 64K %lu, 2M %lu", "",
	       r->pte[DRM_VSVM_PTE_NONE], r->pte[DRM_VSVM_PTE_4K],
	       r->pte[DRM_VSVM_PTE_64K], r->pte[DRM_VSVM_PTE_2M]);
	if (r->pte[4])
		printf(", other %lu", r->pte[4]);
	printf("\n");
}

static void print_counters(unsigned int device_index)
{
	char path[128], buf[4096];
	FILE *file;
	size_t n;

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/dri/vsvm.%u/vsvm_counters", device_index);
	printf("device counters (%s):\n", path);
	file = fopen(path, "r");
	if (!file) {
		printf("  unavailable: %s\n", strerror(errno));
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), file)) > 0)
		fwrite(buf, 1, n, stdout);
	if (ferror(file))
		printf("  (read error: %s)\n", strerror(errno));
	fclose(file);
}

static int usage(void)
{
	fprintf(stderr, "usage: vsvm-draw [OUTPUT.png]\n"
		"The GPU draws into malloc()ed memory; the picture goes to\n"
		"OUTPUT.png (default vsvm-draw.png).\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "vsvm-draw.png";
	struct surface fb = {
		.width = FB_WIDTH, .height = FB_HEIGHT, .pitch = FB_PITCH,
	};
	struct surface sprite = {
		.width = SPRITE_SIZE, .height = SPRITE_SIZE,
		.pitch = SPRITE_PITCH,
	};
	size_t fb_size = (size_t)FB_PITCH * FB_HEIGHT;
	size_t sprite_size = (size_t)SPRITE_PITCH * SPRITE_SIZE;
	struct drm_vsvm_query_device info;
	struct residency residency[3];
	struct vsvm_batch *batch = NULL;
	volatile uint64_t *fence = NULL;
	struct vsvm_device *dev;
	struct scene *scene = NULL;
	uint32_t vm_id = 0;
	unsigned long mismatches;
	int64_t submitted, signalled;
	bool failed = true;
	uint64_t seqno;
	unsigned int i;
	int ret;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return usage();

	dev = vsvm_device_open(0);
	if (!dev) {
		fprintf(stderr, "vsvm-draw: no vsvm device 0: %s\n",
			strerror(errno));
		return 1;
	}
	ret = vsvm_query_device(dev, &info);
	if (ret) {
		fprintf(stderr, "vsvm-draw: query: %s\n", strerror(-ret));
		goto out;
	}
	printf("device:  %s, vsvm device %u, uAPI %u.%u, %u engine%s\n",
	       vsvm_device_path(dev), info.device_index, info.uapi_major,
	       info.uapi_minor, info.num_engines,
	       info.num_engines == 1 ? "" : "s");
	if (!(info.features & DRM_VSVM_FEATURE_SVM)) {
		fprintf(stderr, "vsvm-draw: the device has no SVM support\n");
		goto out;
	}
	ret = vsvm_vm_create(dev, &vm_id);
	if (ret) {
		fprintf(stderr, "vsvm-draw: VM_CREATE: %s\n", strerror(-ret));
		goto out;
	}

	/*
	 * Plain malloc(): the GPU works on these pointers as they are.  The
	 * CPU writes the fence's initial value and nothing else.
	 */
	fb.gpu = malloc(fb_size);
	fb.ref = malloc(fb_size);
	sprite.gpu = malloc(sprite_size);
	sprite.ref = malloc(sprite_size);
	fence = malloc(sizeof(*fence));
	scene = calloc(1, sizeof(*scene));
	batch = vsvm_batch_create(16384);
	if (!fb.gpu || !fb.ref || !sprite.gpu || !sprite.ref || !fence ||
	    !scene || !batch) {
		fprintf(stderr, "vsvm-draw: out of memory\n");
		goto out;
	}
	*fence = 0;

	build_scene(scene, &fb, &sprite);
	for (i = 0; i < scene->count; i++) {
		ret = emit_op(batch, &scene->ops[i]);
		if (ret)
			break;
	}
	if (!ret)
		ret = vsvm_batch_store64(batch, vsvm_ptr(fence), FENCE_VALUE);
	if (ret) {
		fprintf(stderr, "vsvm-draw: building the batch: %s\n",
			strerror(-ret));
		goto out;
	}
	printf("picture: %ux%u XRGB8888, pitch %u, %zu bytes at %p (malloc)\n",
	       fb.width, fb.height, fb.pitch, fb_size, (void *)fb.gpu);
	printf("sprite:  %ux%u, pitch %u, at %p (malloc)\n", sprite.width,
	       sprite.height, sprite.pitch, (void *)sprite.gpu);
	printf("batch:   %u commands (FILL, BLIT2D fill and copy, STORE), "
	       "%zu bytes at %p\n", vsvm_batch_count(batch),
	       vsvm_batch_size(batch), vsvm_batch_data(batch));

	if (get_residency(dev, vm_id, fb.gpu, fb_size, "before EXEC:",
			  &residency[0]))
		goto out;

	submitted = now_ns();
	ret = vsvm_exec(dev, vm_id, ENGINE, batch, &seqno);
	if (ret) {
		fprintf(stderr, "vsvm-draw: EXEC: %s\n", strerror(-ret));
		goto out;
	}
	if (wait_for_job(dev, vm_id, seqno, fence))
		goto out;
	signalled = now_ns();
	printf("job:     VM %u, engine %u, seqno %" PRIu64
	       ", %.3f ms from EXEC to the user fence (0x%" PRIx64 ")\n",
	       vm_id, ENGINE, seqno,
	       (double)(signalled - submitted) / NSEC_PER_MSEC, *fence);

	if (get_residency(dev, vm_id, fb.gpu, fb_size, "after the GPU drew:",
			  &residency[1]))
		goto out;

	for (i = 0; i < scene->count; i++)
		render_op(&scene->ops[i]);
	mismatches = compare(&fb);
	if (mismatches)
		fprintf(stderr, "vsvm-draw: %lu of %u pixels differ from the CPU reference\n",
			mismatches, fb.width * fb.height);
	else
		printf("verify:  all %u pixels match the CPU reference\n",
		       fb.width * fb.height);

	if (get_residency(dev, vm_id, fb.gpu, fb_size, "after the CPU read:",
			  &residency[2]))
		goto out;
	printf("GPU page table of the picture's %zu pages (RANGE_INFO):\n",
	       residency[0].pages);
	for (i = 0; i < 3; i++)
		print_residency(&residency[i]);

	ret = write_png(path, &fb);
	if (ret) {
		fprintf(stderr, "vsvm-draw: %s: %s\n", path, strerror(-ret));
		goto out;
	}
	printf("png:     %s\n", path);
	failed = mismatches != 0;
out:
	print_counters(info.device_index);
	if (vm_id) {
		ret = vsvm_vm_destroy(dev, vm_id);
		if (ret) {
			fprintf(stderr, "vsvm-draw: VM_DESTROY: %s\n",
				strerror(-ret));
			failed = true;
		}
	}
	vsvm_batch_destroy(batch);
	free(scene);
	free((void *)fence);
	free(sprite.ref);
	free(sprite.gpu);
	free(fb.ref);
	free(fb.gpu);
	vsvm_device_close(dev);
	printf("%s\n", failed ? "vsvm-draw: FAILED" : "vsvm-draw: OK");
	return failed;
}
