// SPDX-License-Identifier: GPL-2.0
/*
 * Files of /proc held open across checkpoint/restart: /proc/self/status,
 * /proc/self/maps (half read), /proc/meminfo and the /proc/self/fd
 * directory. After restart they describe the restarted process: status
 * shows its pid, maps its mappings (one made before the checkpoint), the
 * fd directory its descriptors, and maps is still half read.
 */
#include "zdtm.h"
#include <dirent.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static char buf[1 << 16];

static int slurp(int fd)
{
	int n, got = 0;

	while ((n = pread(fd, buf + got, sizeof(buf) - 1 - got, got)) > 0)
		got += n;
	buf[got] = '\0';
	return got;
}

/* Is fd listed in the open /proc/self/fd directory dfd? */
static int listed(int dfd, int fd)
{
	char dents[4096], want[16];
	int n, off;

	snprintf(want, sizeof(want), "%d", fd);
	if (lseek(dfd, 0, SEEK_SET))
		fail("lseek /proc/self/fd: %s", strerror(errno));
	while ((n = syscall(SYS_getdents64, dfd, dents, sizeof(dents))) > 0)
		for (off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(dents + off);

			if (!strcmp(d->d_name, want))
				return 1;
			off += d->d_reclen;
		}
	return 0;
}

int main(void)
{
	int status, maps, meminfo, fds, half;
	char line[64], *m;

	test_init();
	m = mmap(NULL, 7 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	status = open("/proc/self/status", O_RDONLY);
	maps = open("/proc/self/maps", O_RDONLY);
	meminfo = open("/proc/meminfo", O_RDONLY);
	fds = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
	if (m == MAP_FAILED || status < 0 || maps < 0 || meminfo < 0 || fds < 0)
		fail("open: %s", strerror(errno));
	half = read(maps, buf, 100);
	if (half != 100)
		fail("read maps: %d", half);
	test_daemon();
	test_waitsig();
	snprintf(line, sizeof(line), "\nPid:\t%d\n", getpid());
	if (slurp(status) <= 0 || !strstr(buf, line))
		fail("/proc/self/status does not show pid %d", getpid());
	if (lseek(maps, 0, SEEK_CUR) != half)
		fail("maps at %lld, not %d", (long long)lseek(maps, 0, SEEK_CUR),
		     half);
	snprintf(line, sizeof(line), "%lx-%lx ", (unsigned long)m,
		 (unsigned long)m + 7 * 4096);
	if (slurp(maps) <= 0 || !strstr(buf, line))
		fail("/proc/self/maps lacks %s", line);
	if (slurp(meminfo) <= 0 || strncmp(buf, "MemTotal:", 9))
		fail("/proc/meminfo reads \"%.20s\"", buf);
	if (!listed(fds, status) || !listed(fds, fds))
		fail("/proc/self/fd does not list fds %d and %d", status, fds);
	pass();
}
