// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process attributes set with prctl(), setpriority() and /proc:
 * PR_SET_THP_DISABLE, PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER,
 * PR_SET_TIMERSLACK, nice 7 and oom_score_adj 345. Each must read back
 * the same after restart.
 */
#include "zdtm.h"
#include <sys/prctl.h>
#include <sys/resource.h>

static int oom_adj(void)
{
	char buf[32] = "";
	int fd = open("/proc/self/oom_score_adj", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		fail("reading oom_score_adj");
	close(fd);
	return atoi(buf);
}

int main(void)
{
	int sig = 0, sub = 0, fd;

	test_init();
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) ||
	    prctl(PR_SET_PDEATHSIG, SIGUSR2) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) ||
	    prctl(PR_SET_TIMERSLACK, 123456) ||
	    setpriority(PRIO_PROCESS, 0, 7))
		fail("setting attributes: %s", strerror(errno));
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd < 0 || write(fd, "345", 3) != 3)
		fail("writing oom_score_adj: %s", strerror(errno));
	close(fd);
	test_daemon();
	test_waitsig();
	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 1)
		fail("THP_DISABLE lost");
	if (prctl(PR_GET_PDEATHSIG, &sig) || sig != SIGUSR2)
		fail("PDEATHSIG is %d, was %d", sig, SIGUSR2);
	if (prctl(PR_GET_CHILD_SUBREAPER, &sub) || sub != 1)
		fail("CHILD_SUBREAPER lost");
	if (prctl(PR_GET_TIMERSLACK) != 123456)
		fail("TIMERSLACK is %d", prctl(PR_GET_TIMERSLACK));
	errno = 0;
	if (getpriority(PRIO_PROCESS, 0) != 7)
		fail("nice is %d, was 7", getpriority(PRIO_PROCESS, 0));
	if (oom_adj() != 345)
		fail("oom_score_adj is %d, was 345", oom_adj());
	pass();
}
