/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * Stands in for IGT's lib/igt_kmod.h: our igt.h already declares the module
 * helpers the tests use, so that tests can include "igt_kmod.h" exactly as
 * they would inside an upstream IGT tree.
 */

#ifndef VSVM_IGT_KMOD_H
#define VSVM_IGT_KMOD_H

#include "igt.h"

#endif /* VSVM_IGT_KMOD_H */
