/* @file x86 */
// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 part of in-kernel checkpoint/restart.
 *
 * Registers are read through the ptrace/coredump regsets.  On restart the
 * caller restores itself: the values are checked like putreg() checks
 * them, and the FPU state goes through copy_uabi_from_kernel_to_xstate().
 */
#include <linux/elf.h>
#include <linux/errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/kcr.h>
#include <linux/mm_types.h>
#include <linux/prctl.h>
#include <linux/regset.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/thread_info.h>

#include <asm/debugreg.h>
#include <asm/fpu/types.h>
#include <asm/prctl.h>
#include <asm/proto.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/vdso.h>

/* The eflags bits user space may change, as putreg()'s FLAG_MASK. */
#define KCR_FLAG_MASK	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
			 X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_RF | \
			 X86_EFLAGS_AC)
/* Bits that may be present in a saved eflags but are not restored. */
#define KCR_FLAG_IGNORE	(X86_EFLAGS_FIXED | X86_EFLAGS_IF | X86_EFLAGS_ID)

static_assert(sizeof(struct kcr_x86_regs) == sizeof(struct user_regs_struct));

int kcr_arch_check_task(struct task_struct *t, struct mm_struct *mm,
			const char **why)
{
	if (test_tsk_thread_flag(t, TIF_ADDR32) ||
	    !user_64bit_mode(task_pt_regs(t))) {
		*why = "32-bit (compat) task";
		return -EOPNOTSUPP;
	}
#ifdef CONFIG_X86_IOPL_IOPERM
	if (t->thread.io_bitmap || t->thread.iopl_emul) {
		*why = "ioperm/iopl in use";
		return -EOPNOTSUPP;
	}
#endif
#ifdef CONFIG_X86_USER_SHADOW_STACK
	if (t->thread.features) {
		*why = "user shadow stack enabled";
		return -EOPNOTSUPP;
	}
#endif
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	if (READ_ONCE(mm->context.ldt)) {
		*why = "LDT in use";
		return -EOPNOTSUPP;
	}
#endif
#ifdef CONFIG_ADDRESS_MASKING
	if (mm->context.lam_cr3_mask) {
		*why = "linear address masking enabled";
		return -EOPNOTSUPP;
	}
#endif
	return 0;
}

static const struct user_regset *kcr_find_regset(struct task_struct *t,
						 unsigned int note)
{
	const struct user_regset_view *view = task_user_regset_view(t);
	int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note)
			return &view->regsets[i];
	return NULL;
}

/*
 * Read the general registers.  For a self-checkpoint the saved task must
 * see checkpoint() return 0.  For a task stopped by the cgroup freezer
 * inside a system call the restart fixup has not run yet: rewind to
 * re-execute the call (as CRIU does), a restart_block becomes -EINTR.
 */
int kcr_arch_get_regs(struct task_struct *t, bool self,
		      struct kcr_x86_regs *r, u32 *task_flags)
{
	const struct user_regset *rs = kcr_find_regset(t, NT_PRSTATUS);
	int ret;

	if (!rs)
		return -EOPNOTSUPP;
	ret = regset_get(t, rs, sizeof(*r), r);
	if (ret < 0)
		return ret;

	if (self) {
		r->ax = 0;
	} else if ((long)r->orig_ax >= 0) {
		switch ((long)r->ax) {
		case -ERESTARTSYS:
		case -ERESTARTNOINTR:
		case -ERESTARTNOHAND:
			r->ax = r->orig_ax;
			r->ip -= 2;
			*task_flags |= KCR_TASK_SYSCALL_RESTART;
			break;
		case -ERESTART_RESTARTBLOCK:
			r->ax = -EINTR;
			break;
		}
	}
	r->orig_ax = -1;
	return 0;
}

unsigned int kcr_arch_xstate_size(void)
{
	if (!cpu_feature_enabled(X86_FEATURE_XSAVE))
		return 0;
	return fpu_user_cfg.max_size;
}

u64 kcr_arch_xfeatures(void)
{
	return fpu_user_cfg.max_features;
}

int kcr_arch_get_xstate(struct task_struct *t, void *buf, unsigned int size)
{
	const struct user_regset *rs = kcr_find_regset(t, NT_X86_XSTATE);
	int ret;

	if (!rs || size != kcr_arch_xstate_size() || rs->n * rs->size != size)
		return -EOPNOTSUPP;
	ret = regset_get(t, rs, size, buf);
	return ret < 0 ? ret : 0;
}

unsigned long kcr_arch_vdso(struct mm_struct *mm)
{
	return (unsigned long)mm->context.vdso;
}

unsigned long kcr_arch_vdso_size(void)
{
	return vdso_image_64.size;
}

unsigned long kcr_arch_vvar_size(void)
{
	return -vdso_image_64.sym_vvar_start;
}

int kcr_arch_check_regs(const struct kcr_x86_regs *r, const char **why)
{
	if (r->cs != __USER_CS || r->ss != __USER_DS) {
		*why = "code/stack segment selector is not the 64-bit user one";
		return -EINVAL;
	}
	if (r->ds || r->es || r->fs || r->gs) {
		*why = "non-zero data segment selector";
		return -EINVAL;
	}
	if (r->flags & ~(KCR_FLAG_MASK | KCR_FLAG_IGNORE)) {
		*why = "privileged eflags bits";
		return -EINVAL;
	}
	if (r->fs_base >= TASK_SIZE_MAX || r->gs_base >= TASK_SIZE_MAX) {
		*why = "FS/GS base outside user space";
		return -EINVAL;
	}
	if (r->ip >= TASK_SIZE_MAX) {
		*why = "instruction pointer outside user space";
		return -EINVAL;
	}
	return 0;
}

void kcr_arch_forget_vdso(void)
{
	current->mm->context.vdso = NULL;
	current->mm->context.vdso_image = NULL;
}

int kcr_arch_map_vdso(unsigned long vvar_start, unsigned long vdso_start)
{
	int ret;

	if (vdso_start - vvar_start != kcr_arch_vvar_size())
		return -EINVAL;
	ret = map_vdso_once(&vdso_image_64, vvar_start);
	if (ret)
		return ret;
	if ((unsigned long)current->mm->context.vdso != vdso_start)
		return -EFAULT;
	return 0;
}

/*
 * Install checked registers into current's user register frame; the
 * syscall exit path then returns with IRET (the frame no longer matches
 * SYSRET's constraints).  Returns the value restart() must return, i.e.
 * the restored ax, which is written by the syscall return.
 */
/*
 * The debug registers as PEEKUSER shows them; false if none is in use
 * (then the image has no record for them).
 */
bool kcr_arch_get_debugregs(struct task_struct *t, struct kcr_rec_debugregs *r)
{
	bool used = t->thread.ptrace_dr7 || t->thread.virtual_dr6;
	int i;

	for (i = 0; i < HBP_NUM; i++)
		used |= !!t->thread.ptrace_bps[i];
	if (!used)
		return false;
	for (i = 0; i < HBP_NUM; i++)
		r->addr[i] = ptrace_get_debugreg(t, i);
	r->dr6 = ptrace_get_debugreg(t, 6);
	r->dr7 = ptrace_get_debugreg(t, 7);
	return true;
}

/*
 * What ptrace_set_debugreg() would accept: user addresses aligned to the
 * length of the breakpoint using them, and dr7 enabling only breakpoints
 * of a length and type the hardware breakpoint code knows.
 */
int kcr_arch_check_debugregs(const struct kcr_rec_debugregs *r,
			     const char **why)
{
	int i;

	if (r->dr6 >> 32 || r->dr7 >> 32 || (r->dr7 & DR_CONTROL_RESERVED)) {
		*why = "reserved bits in dr6/dr7";
		return -EINVAL;
	}
	for (i = 0; i < HBP_NUM; i++) {
		unsigned int len, type;
		int glen, gtype;

		if (r->addr[i] > TASK_SIZE_MAX - 8) {
			*why = "breakpoint address outside user space";
			return -EINVAL;
		}
		if (!decode_dr7(r->dr7, i, &len, &type))
			continue;
		if (arch_bp_generic_fields(len, type, &glen, &gtype) ||
		    (gtype != HW_BREAKPOINT_X && !IS_ALIGNED(r->addr[i], glen))) {
			*why = "breakpoint of unknown length or type, or misaligned";
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Install the debug registers of the image (none: drop the ones t has),
 * t being current or a thread it created that has not run yet.
 */
int kcr_arch_set_debugregs(struct task_struct *t,
			   const struct kcr_rec_debugregs *r)
{
	const char *why;
	int i, ret = 0;

	flush_ptrace_hw_breakpoint(t);
	if (!r)
		return 0;
	if (kcr_arch_check_debugregs(r, &why))
		return -EINVAL;
	for (i = 0; i < HBP_NUM && !ret; i++)
		if (r->addr[i])
			ret = ptrace_set_debugreg(t, i, r->addr[i]);
	if (!ret)
		ret = ptrace_set_debugreg(t, 7, r->dr7);
	if (!ret)
		ret = ptrace_set_debugreg(t, 6, r->dr6);
	return ret;
}

/* Set the user registers of current, or of a thread it created. */
int kcr_arch_set_regs(struct task_struct *t, const struct kcr_x86_regs *r)
{
	struct pt_regs *regs = task_pt_regs(t);
	const char *why;
	long ret;

	if (kcr_arch_check_regs(r, &why))
		return -EINVAL;

	ret = do_arch_prctl_64(t, ARCH_SET_FS, r->fs_base);
	if (!ret)
		ret = do_arch_prctl_64(t, ARCH_SET_GS, r->gs_base);
	if (ret)
		return ret;

	regs->r15 = r->r15;
	regs->r14 = r->r14;
	regs->r13 = r->r13;
	regs->r12 = r->r12;
	regs->bp = r->bp;
	regs->bx = r->bx;
	regs->r11 = r->r11;
	regs->r10 = r->r10;
	regs->r9 = r->r9;
	regs->r8 = r->r8;
	regs->ax = r->ax;
	regs->cx = r->cx;
	regs->dx = r->dx;
	regs->si = r->si;
	regs->di = r->di;
	regs->orig_ax = -1;
	regs->ip = r->ip;
	regs->cs = __USER_CS;
	regs->flags = (regs->flags & ~KCR_FLAG_MASK) |
		      (r->flags & KCR_FLAG_MASK);
	regs->sp = r->sp;
	regs->ss = __USER_DS;
	return 0;
}

/* Physical address of t's user register frame (KCR_CHECKPOINT_HOSTINFO). */
u64 kcr_arch_regs_phys(struct task_struct *t)
{
	return slow_virt_to_phys(task_pt_regs(t));
}

/* Physical address of mm's page-table root (KCR_CHECKPOINT_HOSTINFO). */
u64 kcr_arch_pgd_phys(struct mm_struct *mm)
{
	return __pa(mm->pgd);
}
