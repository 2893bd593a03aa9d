#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
mount -t cgroup2 none /sys/fs/cgroup
ip link set lo up 2>/dev/null || echo "guest-init: no loopback interface"
FUZZ=$(sed -n 's/.*kcrfuzz=\([0-9]*\).*/\1/p' /proc/cmdline)
SEED=$(sed -n 's/.*kcrseed=\([0-9]*\).*/\1/p' /proc/cmdline)
ONLY=$(sed -n 's/.*kcronly=\([a-z]*\).*/\1/p' /proc/cmdline)
if [ "$ONLY" = bench ]; then
	BENCH=$(sed -n 's/.*kcrbench=\([0-9]*\).*/\1/p' /proc/cmdline)
	echo "=== guest-agent ckpt-bench ${BENCH:-64} 5"; /guest-agent ckpt-bench ${BENCH:-64} 5; echo "exit $?"
	dmesg | grep -E "Oops|BUG:|WARNING:|Call Trace|UBSAN:" || echo "no Oops/BUG/WARNING in dmesg"
	reboot -f
fi
if [ "$ONLY" = tree ]; then
	echo "=== cr-selftest debugregs"; /cr-selftest debugregs /tmp/dr.img; echo "exit $?"
	echo "=== cr-selftest tree"; /cr-selftest tree /tmp/tree.img; echo "exit $?"
	if [ -x /guest-agent ]; then
		echo "=== cr-selftest tree-agent"; /cr-selftest tree-agent /tmp/tree-agent.img /guest-agent; echo "exit $?"
	fi
	dmesg | grep -E "Oops|BUG:|WARNING:|Call Trace|UBSAN:" || echo "no Oops/BUG/WARNING in dmesg"
	reboot -f
fi
if [ "$ONLY" = threads ]; then
	echo "=== cr-selftest threads"; /cr-selftest threads /tmp/threads.img; echo "exit $?"
	dmesg | grep -E "Oops|BUG:|WARNING:|Call Trace|UBSAN:" || echo "no Oops/BUG/WARNING in dmesg"
	reboot -f
fi
if [ "$ONLY" = fuzz ]; then
	echo "=== cr-selftest fuzz ${FUZZ:-500} ${SEED:-0}"; /cr-selftest fuzz ${FUZZ:-500} ${SEED:-0}; echo "exit $?"
	dmesg | grep -E "Oops|BUG:|WARNING:|Call Trace|UBSAN:" || echo "no Oops/BUG/WARNING in dmesg"
	reboot -f
fi
echo "=== cr-selftest errors"; /cr-selftest errors; echo "exit $?"
echo "=== cr-selftest save"; /cr-selftest save /tmp/self.img; echo "exit $?"
echo "=== cr-selftest restore"; /cr-selftest restore /tmp/self.img; echo "exit $?"
echo "=== cr-selftest restore (2nd time, same image)"; /cr-selftest restore /tmp/self.img; echo "exit $?"
echo "=== cr-selftest restore via pipe"; cat /tmp/self.img | /cr-selftest restore /proc/self/fd/0; echo "exit $?"
echo "=== cr-selftest save into a pipe, restore from the copy"; /cr-selftest save /proc/self/fd/3 3>&1 1>&2 | cat > /tmp/pipe.img; ls -l /tmp/pipe.img; /cr-selftest restore /tmp/pipe.img; echo "exit $?"
grep -m1 -o -w -E "avx512f|avx2|avx|pku" /proc/cpuinfo | sort -u | tr '\n' ' '; echo
echo "=== cr-selftest frozen"; /cr-selftest frozen /tmp/frozen.img; echo "exit $?"
echo "=== cr-selftest signals"; /cr-selftest signals /tmp/signals.img; echo "exit $?"
echo "=== cr-selftest creds"; /cr-selftest creds /tmp/creds.img; echo "exit $?"
echo "=== cr-selftest files"; /cr-selftest files /tmp/files.img; echo "exit $?"
echo "=== cr-selftest shm"; /cr-selftest shm /tmp/shm.img; echo "exit $?"
echo "=== cr-selftest debugregs"; /cr-selftest debugregs /tmp/dr.img; echo "exit $?"
echo "=== cr-selftest threads"; /cr-selftest threads /tmp/threads.img; echo "exit $?"
echo "=== cr-selftest tree"; /cr-selftest tree /tmp/tree.img; echo "exit $?"
if [ -x /guest-agent ]; then
	echo "=== cr-selftest tree-agent"; /cr-selftest tree-agent /tmp/tree-agent.img /guest-agent; echo "exit $?"
fi
echo "=== cr-selftest fuzz ${FUZZ:-500} ${SEED:-0}"; /cr-selftest fuzz ${FUZZ:-500} ${SEED:-0}; echo "exit $?"
echo "=== kernel log check"; dmesg | grep -E "Oops|BUG:|WARNING:|Call Trace|UBSAN:" || echo "no Oops/BUG/WARNING in dmesg"
echo "=== done"
reboot -f
