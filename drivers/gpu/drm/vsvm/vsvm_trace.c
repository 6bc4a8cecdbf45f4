// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef __CHECKER__
#define CREATE_TRACE_POINTS
#include "vsvm_trace.h"
#endif
