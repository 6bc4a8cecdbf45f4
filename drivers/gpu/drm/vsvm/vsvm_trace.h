/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM vsvm

#if !defined(_VSVM_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _VSVM_TRACE_H_

#include <linux/tracepoint.h>
#include <linux/types.h>

TRACE_EVENT(vsvm_fault,
	    TP_PROTO(u32 vm_id, u64 addr, u32 access, int ret),
	    TP_ARGS(vm_id, addr, access, ret),
	    TP_STRUCT__entry(__field(u32, vm_id)
			     __field(u64, addr)
			     __field(u32, access)
			     __field(int, ret)),
	    TP_fast_assign(__entry->vm_id = vm_id;
			   __entry->addr = addr;
			   __entry->access = access;
			   __entry->ret = ret;),
	    TP_printk("vm=%u addr=0x%llx access=0x%x ret=%d",
		      __entry->vm_id, __entry->addr, __entry->access,
		      __entry->ret)
);

TRACE_EVENT(vsvm_invalidate,
	    TP_PROTO(u32 vm_id, u64 start, u64 end, int event,
		     unsigned long zapped),
	    TP_ARGS(vm_id, start, end, event, zapped),
	    TP_STRUCT__entry(__field(u32, vm_id)
			     __field(u64, start)
			     __field(u64, end)
			     __field(int, event)
			     __field(unsigned long, zapped)),
	    TP_fast_assign(__entry->vm_id = vm_id;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->event = event;
			   __entry->zapped = zapped;),
	    TP_printk("vm=%u [0x%llx, 0x%llx) event=%d zapped=%lu",
		      __entry->vm_id, __entry->start, __entry->end,
		      __entry->event, __entry->zapped)
);

TRACE_EVENT(vsvm_bind,
	    TP_PROTO(u32 vm_id, u64 start, u64 end, bool write),
	    TP_ARGS(vm_id, start, end, write),
	    TP_STRUCT__entry(__field(u32, vm_id)
			     __field(u64, start)
			     __field(u64, end)
			     __field(bool, write)),
	    TP_fast_assign(__entry->vm_id = vm_id;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->write = write;),
	    TP_printk("vm=%u [0x%llx, 0x%llx) %s",
		      __entry->vm_id, __entry->start, __entry->end,
		      __entry->write ? "rw" : "ro")
);

TRACE_EVENT(vsvm_migrate,
	    TP_PROTO(u32 dev, u64 start, u64 end, bool to_vram,
		     unsigned long npages, unsigned long moved, s64 us),
	    TP_ARGS(dev, start, end, to_vram, npages, moved, us),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u64, start)
			     __field(u64, end)
			     __field(bool, to_vram)
			     __field(unsigned long, npages)
			     __field(unsigned long, moved)
			     __field(s64, us)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->to_vram = to_vram;
			   __entry->npages = npages;
			   __entry->moved = moved;
			   __entry->us = us;),
	    TP_printk("dev=%u [0x%llx, 0x%llx) dir=%s npages=%lu moved=%lu us=%lld",
		      __entry->dev, __entry->start, __entry->end,
		      __entry->to_vram ? "to_vram" : "to_sys",
		      __entry->npages, __entry->moved, __entry->us)
);

TRACE_EVENT(vsvm_evict,
	    TP_PROTO(u32 dev, u64 offset, unsigned long npages,
		     unsigned long moved),
	    TP_ARGS(dev, offset, npages, moved),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u64, offset)
			     __field(unsigned long, npages)
			     __field(unsigned long, moved)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->offset = offset;
			   __entry->npages = npages;
			   __entry->moved = moved;),
	    TP_printk("dev=%u offset=0x%llx npages=%lu moved=%lu",
		      __entry->dev, __entry->offset, __entry->npages,
		      __entry->moved)
);

#endif /* _VSVM_TRACE_H_ */

/* This part must be outside protection */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vsvm_trace
#include <trace/define_trace.h>
