// SPDX-License-Identifier: GPL-2.0
/*
 * timerfds in each state: a one-shot monotonic timer with a minute left,
 * a 100 ms interval timer whose expirations are not read, an absolute
 * CLOCK_REALTIME timer with cancel-on-set 100 s ahead, and a disarmed
 * non-blocking one. After restart the first still has most of its minute
 * left (counted from the restart), the second reads every expiration it
 * had plus the new ones, the third expires at the same wall-clock time
 * and keeps its flags, and the fourth reads EAGAIN.
 */
#include "zdtm.h"
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <sys/timerfd.h>

static int64_t left_ms(int fd)
{
	struct itimerspec t;

	if (timerfd_gettime(fd, &t))
		fail("timerfd_gettime: %s", strerror(errno));
	return t.it_value.tv_sec * 1000 + t.it_value.tv_nsec / 1000000;
}

static int has_line(int fd, const char *want)
{
	char path[64], buf[512];
	int f, n;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY);
	n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n < 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, want) != NULL;
}

int main(void)
{
	struct itimerspec one = { .it_value = { 60, 0 } };
	struct itimerspec tick = { { 0, 100000000 }, { 0, 100000000 } };
	struct itimerspec abs = { 0 };
	struct timespec now;
	struct pollfd p;
	uint64_t n;
	int a, b, c, d;

	test_init();
	a = timerfd_create(CLOCK_MONOTONIC, 0);
	b = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC);
	c = timerfd_create(CLOCK_REALTIME, 0);
	d = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (a < 0 || b < 0 || c < 0 || d < 0)
		fail("timerfd_create: %s", strerror(errno));
	clock_gettime(CLOCK_REALTIME, &now);
	abs.it_value.tv_sec = now.tv_sec + 100;
	if (timerfd_settime(a, 0, &one, NULL) ||
	    timerfd_settime(b, 0, &tick, NULL) ||
	    timerfd_settime(c, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			    &abs, NULL))
		fail("timerfd_settime: %s", strerror(errno));
	usleep(350000);
	test_daemon();
	test_waitsig();
	if (left_ms(a) < 40000 || left_ms(a) > 60000)
		fail("one-shot timer has %lld ms left, not most of a minute",
		     (long long)left_ms(a));
	p.fd = b;
	p.events = POLLIN;
	if (poll(&p, 1, 0) != 1)
		fail("interval timer with unread expirations is not readable");
	if (read(b, &n, 8) != 8 || n < 3)
		fail("interval timer read %llu expirations, not >= 3",
		     (unsigned long long)n);
	if (read(b, &n, 8) != 8 || n < 1)
		fail("interval timer stopped after restart");
	clock_gettime(CLOCK_REALTIME, &now);
	if (llabs(left_ms(c) - ((int64_t)abs.it_value.tv_sec - now.tv_sec) * 1000) > 1500)
		fail("absolute timer no longer expires at its wall-clock time");
	if (!has_line(c, "settime flags: 03"))
		fail("absolute timer lost TFD_TIMER_ABSTIME or CANCEL_ON_SET");
	if (!has_line(c, "clockid: 0") || !has_line(b, "clockid: 7"))
		fail("a timer changed its clock");
	if (read(d, &n, 8) >= 0 || errno != EAGAIN || left_ms(d))
		fail("disarmed non-blocking timer is armed or blocks");
	pass();
}
