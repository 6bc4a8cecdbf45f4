/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _VSVM_SVM_H_
#define _VSVM_SVM_H_

#include <linux/types.h>

struct vsvm_vm;
struct work_struct;

int vsvm_svm_init(struct vsvm_vm *vm);
void vsvm_svm_fini(struct vsvm_vm *vm);
void vsvm_svm_unplug(struct vsvm_vm *vm);
int vsvm_svm_handle_fault(struct vsvm_vm *vm, u64 addr, u32 access,
			  unsigned long deadline);
void vsvm_svm_gc_work(struct work_struct *work);
void vsvm_svm_attrs_changed(struct vsvm_vm *vm, unsigned long start,
			    unsigned long end);

#endif /* _VSVM_SVM_H_ */
