// SPDX-License-Identifier: GPL-2.0
/*
 * What /proc shows of a process's own image: /proc/self/exe,
 * /proc/self/cmdline, /proc/self/environ and /proc/self/auxv read the
 * same after restart as before, and the scheduler policy (SCHED_BATCH)
 * is kept.
 */
#include "zdtm.h"
#include <sched.h>

static int slurp(const char *path, char *buf, int size)
{
	int fd = open(path, O_RDONLY), n, got = 0;

	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	while ((n = read(fd, buf + got, size - got)) > 0)
		got += n;
	close(fd);
	return got;
}

int main(void)
{
	static char before[4][8192], after[4][8192];
	static const char *const files[] = {
		"/proc/self/cmdline", "/proc/self/environ", "/proc/self/auxv",
	};
	struct sched_param sp = { 0 };
	int len[4], i, n;

	test_init();
	if (sched_setscheduler(0, SCHED_BATCH, &sp))
		fail("sched_setscheduler: %s", strerror(errno));
	len[0] = readlink("/proc/self/exe", before[0], sizeof(before[0]));
	for (i = 1; i < 4; i++)
		len[i] = slurp(files[i - 1], before[i], sizeof(before[i]));
	test_daemon();
	test_waitsig();
	n = readlink("/proc/self/exe", after[0], sizeof(after[0]));
	if (n != len[0] || memcmp(before[0], after[0], n))
		fail("/proc/self/exe is \"%.*s\", was \"%.*s\"", n > 0 ? n : 0,
		     after[0], len[0], before[0]);
	for (i = 1; i < 4; i++) {
		n = slurp(files[i - 1], after[i], sizeof(after[i]));
		if (n != len[i] || memcmp(before[i], after[i], n))
			fail("%s differs (%d bytes, were %d)", files[i - 1], n,
			     len[i]);
	}
	if (sched_getscheduler(0) != SCHED_BATCH)
		fail("scheduler policy %d, was SCHED_BATCH",
		     sched_getscheduler(0));
	pass();
}
