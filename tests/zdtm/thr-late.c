// SPDX-License-Identifier: GPL-2.0
/* thr-user in another order: the threads start first, then root is dropped. */
#define ZDTM_LATE 1
#include "thr-user.c"
