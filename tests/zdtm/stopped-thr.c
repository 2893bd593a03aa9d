// SPDX-License-Identifier: GPL-2.0
/*
 * A multi-threaded child stopped by its parent with SIGSTOP (SIGTSTP
 * would be discarded: the case runs in an orphaned process group, as
 * under a non-interactive shell): after restart the child and its worker
 * thread are still stopped (the counter does not move), and after SIGCONT
 * the worker runs again.
 */
#include "zdtm.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

static atomic_long *counter;

static void *work(void *a)
{
	(void)a;
	for (;;)
		atomic_fetch_add(counter, 1);
	return NULL;
}

static char state(pid_t pid)
{
	char path[64], buf[256], *s;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		fail("reading %s", path);
	fclose(f);
	s = strrchr(buf, ')');
	return s ? s[2] : '?';
}

int main(void)
{
	long before;
	pthread_t t;
	int st;
	pid_t c;

	test_init();
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	c = fork();
	if (c == 0) {
		/* The worker counts; this thread waits to be killed. */
		if (pthread_create(&t, NULL, work, NULL))
			_exit(2);
		for (;;)
			pause();
	}
	while (atomic_load(counter) < 1000)
		usleep(1000);
	kill(c, SIGSTOP);
	if (waitpid(c, &st, WUNTRACED) != c || !WIFSTOPPED(st))
		fail("the child did not stop");
	test_daemon();
	test_waitsig();
	if (state(c) != 'T')
		fail("the child is in state %c, not stopped", state(c));
	before = atomic_load(counter);
	usleep(100000);
	if (atomic_load(counter) != before)
		fail("the stopped child's thread still runs");
	kill(c, SIGCONT);
	usleep(100000);
	if (atomic_load(counter) == before)
		fail("the worker thread did not go on after SIGCONT");
	kill(c, SIGKILL);
	if (waitpid(c, &st, 0) != c || !WIFSIGNALED(st))
		fail("the child did not end: %#x", st);
	pass();
}
