/* @file cpu */
// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel checkpoint/restart: registers, FPU/xstate and debug registers of a thread.
 */
#include <linux/errno.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kcr_int.h"

void kcr_free_cpus(struct kcr_cpu_snaps *cpus)
{
	kvfree(cpus->cs);
	kvfree(cpus->xstate);
	cpus->cs = NULL;
	cpus->xstate = NULL;
}

/*
 * Read the registers, FPU state and debug registers of every thread, all
 * of them parked and checked by kcr_check_threads() just before (or self,
 * single-threaded).  They are read before the memory dump, which can block
 * on the image for as long as the reader likes; the stacks are pinned, and
 * the checks after the dump prove that no thread ran or left meanwhile.
 */
int kcr_snap_cpus(struct kcr_ctx *ctx, struct kcr_threads *th,
		  bool self, struct kcr_cpu_snaps *cpus)
{
	unsigned int xsize = kcr_arch_xstate_size();
	u32 i;
	int ret = 0;

	if (!xsize || xsize > KCR_BUF_SIZE) {
		kcr_log(ctx, "CPU without usable XSAVE");
		return -EOPNOTSUPP;
	}
	cpus->xsize = xsize;
	cpus->cs = kvcalloc(th->nr, sizeof(*cpus->cs), GFP_KERNEL_ACCOUNT);
	cpus->xstate = kvmalloc_array(th->nr, xsize, GFP_KERNEL_ACCOUNT);
	if (!cpus->cs || !cpus->xstate)
		return -ENOMEM;
	for (i = 0; i < th->nr && !ret; i++) {
		struct kcr_cpu_snap *cs = &cpus->cs[i];
		struct task_struct *t = th->t[i];

		ctx->pid = task_pid_vnr(t);
		cs->xstate = cpus->xstate + (size_t)i * xsize;
		ret = kcr_arch_get_regs(t, self, &cs->cpu.regs, &cs->tflags);
		if (ret) {
			kcr_log(ctx, "cannot read registers: %d", ret);
			break;
		}
		ret = kcr_arch_get_xstate(t, cs->xstate, xsize);
		if (ret) {
			kcr_log(ctx, "cannot read FPU state: %d", ret);
			break;
		}
		cs->has_dr = kcr_arch_get_debugregs(t, &cs->dr);
	}
	ctx->pid = task_pid_vnr(th->t[0]);
	return ret;
}

/*
 * The task record of t followed by its registers, FPU state and debug
 * registers, as kcr_snap_cpus() read them.
 */
int kcr_write_task_cpu(struct kcr_ctx *ctx, struct task_struct *t,
		       u32 tflags, u32 nr_threads,
		       struct kcr_cpu_snap *cs, unsigned int xsize)
{
	struct kcr_rec_xstate xs = {};
	int ret;

	ret = kcr_write_task(ctx, t, tflags | cs->tflags, nr_threads);
	if (ret)
		return ret;
	kcr_init_rec(ctx, &cs->cpu, KCR_REC_CPU, sizeof(cs->cpu));
	ret = kcr_write(ctx, &cs->cpu, sizeof(cs->cpu));
	if (ret)
		return ret;

	kcr_init_rec(ctx, &xs, KCR_REC_XSTATE, sizeof(xs) + xsize);
	/* The XSAVE header (xfeatures first) follows the 512-byte legacy area. */
	memcpy(&xs.xfeatures, cs->xstate + 512, sizeof(xs.xfeatures));
	xs.size = xsize;
	ret = kcr_write(ctx, &xs, sizeof(xs));
	if (!ret)
		ret = kcr_write(ctx, cs->xstate, xsize);
	if (ret || !cs->has_dr)
		return ret;
	kcr_init_rec(ctx, &cs->dr, KCR_REC_DEBUGREGS, sizeof(cs->dr));
	return kcr_write(ctx, &cs->dr, sizeof(cs->dr));
}

/* The registers, FPU state and debug registers of one thread. */
int kcr_rst_cpu(struct kcr_ctx *ctx, struct kcr_rst *rst,
		struct kcr_rst_regs *r)
{
	struct kcr_rec_xstate xs;
	const char *why = NULL;
	struct kcr_hdr h;
	int ret;

	ret = kcr_expect(ctx, &h, KCR_REC_CPU, sizeof(r->cpu));
	if (!ret)
		ret = kcr_read_rec(ctx, &h, &r->cpu, sizeof(r->cpu));
	if (ret)
		return ret;
	if (kcr_arch_check_regs(&r->cpu.regs, &why))
		return KCR_BAD(ctx, "registers: %s", why);

	rst->xstate_size = kcr_arch_xstate_size();
	ret = kcr_expect(ctx, &h, KCR_REC_XSTATE,
			 sizeof(xs) + rst->xstate_size);
	if (!ret)
		ret = kcr_read_rec(ctx, &h, &xs, sizeof(xs));
	if (ret)
		return ret;
	if (xs.size != rst->xstate_size || xs.__pad)
		return KCR_BAD(ctx, "xstate record of size %u", xs.size);
	r->xstate = kvzalloc(rst->xstate_size, GFP_KERNEL_ACCOUNT);
	if (!r->xstate)
		return -ENOMEM;
	ret = kcr_read(ctx, r->xstate, rst->xstate_size);
	if (ret)
		return ret;
	/* The XSAVE header (xfeatures first) follows the 512-byte legacy area. */
	if (memcmp(&xs.xfeatures, r->xstate + 512, sizeof(xs.xfeatures)) ||
	    kcr_arch_check_xstate(r->xstate, rst->xstate_size))
		return KCR_BAD(ctx, "invalid FPU/xstate contents");

	/* Debug registers, only if in use: else the header is the next one's. */
	ret = kcr_read_hdr(ctx, &h);
	if (ret)
		return ret;
	if (h.type != KCR_REC_DEBUGREGS) {
		rst->next = h;
		rst->have_next = true;
		return 0;
	}
	if (h.len != sizeof(r->dr))
		return KCR_BAD(ctx, "debug registers record of length %u", h.len);
	ret = kcr_read_rec(ctx, &h, &r->dr, sizeof(r->dr));
	if (ret)
		return ret;
	if (kcr_arch_check_debugregs(&r->dr, &why))
		return KCR_BAD(ctx, "debug registers: %s", why);
	r->has_dr = true;
	return 0;
}
