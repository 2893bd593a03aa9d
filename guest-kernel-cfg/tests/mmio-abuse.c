// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile virtio driver, for the VMM isolation test (tests/isolation.rs).
 * Run as root in the guest, it drives cr-vmm's virtio-mmio vsock device
 * from user space through /dev/mem, behind the kernel driver's back:
 *
 *   mmio-abuse garbage N SEED   N random reads and writes (1, 2 and 4 bytes)
 *                               anywhere in the device's register page
 *   mmio-abuse descriptors      resets the device, sets up its queues in
 *                               this process's pinned pages, and posts
 *                               descriptor chains that point outside guest
 *                               memory, overflow it, loop, index past the
 *                               table, an avail index far ahead, rings
 *                               outside guest memory, and packets whose
 *                               header claims more data than the buffer
 *   mmio-abuse flood N PORT     N vsock connections to the host's PORT
 *
 * Each case prints one "mmio-abuse: CASE ..." line. What the device makes of
 * it is up to the VMM: errors, a broken or reset device, never a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define REG_STATUS		0x070
#define REG_QUEUE_SEL		0x030
#define REG_QUEUE_NUM		0x038
#define REG_QUEUE_READY		0x044
#define REG_QUEUE_NOTIFY	0x050
#define REG_INT_STATUS		0x060
#define REG_INT_ACK		0x064
#define REG_DRV_FEAT		0x020
#define REG_DRV_FEAT_SEL	0x024
#define REG_DESC_LO		0x080
#define REG_DESC_HI		0x084
#define REG_AVAIL_LO		0x090
#define REG_AVAIL_HI		0x094
#define REG_USED_LO		0x0a0
#define REG_USED_HI		0x0a4

#define ST_ACK		1
#define ST_DRIVER	2
#define ST_DRIVER_OK	4
#define ST_FEATURES_OK	8

#define F_NEXT		1
#define F_WRITE		2
#define F_INDIRECT	4

#define QSIZE		16
#define NQUEUES		3

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static volatile uint8_t *regs;

static void w32(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(regs + off) = v;
}

static uint32_t r32(unsigned int off)
{
	return *(volatile uint32_t *)(regs + off);
}

static void nap(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* The device's base address, from virtio_mmio.device=4K@BASE:IRQ. */
static uint64_t mmio_base(void)
{
	char buf[4096];
	char *p;
	FILE *f = fopen("/proc/cmdline", "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strstr(buf, "virtio_mmio.device=");
	if (!p)
		return 0;
	p = strchr(p, '@');
	return p ? strtoull(p + 1, NULL, 0) : 0;
}

static int map_regs(void)
{
	uint64_t base = mmio_base();
	int fd;
	void *m;

	if (!base) {
		fprintf(stderr, "mmio-abuse: no virtio_mmio.device on the command line\n");
		return -1;
	}
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0) {
		perror("mmio-abuse: /dev/mem");
		return -1;
	}
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
	close(fd);
	if (m == MAP_FAILED) {
		perror("mmio-abuse: mmap /dev/mem");
		return -1;
	}
	regs = m;
	return 0;
}

/* A pinned page of this process and its guest-physical address. */
static void *phys_page(uint64_t *pa)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	uint64_t ent = 0;
	int fd;

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, 4096);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return NULL;
	if (pread(fd, &ent, 8, ((uintptr_t)p / 4096) * 8) != 8 ||
	    !(ent & (1ULL << 63)) || !(ent & ((1ULL << 55) - 1))) {
		close(fd);
		return NULL;
	}
	close(fd);
	*pa = (ent & ((1ULL << 55) - 1)) * 4096;
	return p;
}

static uint32_t rnd_state;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static int garbage(long n, uint32_t seed)
{
	long i;

	rnd_state = seed ? seed : 1;
	for (i = 0; i < n; i++) {
		unsigned int off = rnd() % 0x200;
		uint32_t v = rnd();

		switch (rnd() % 6) {
		case 0:
			*(volatile uint8_t *)(regs + off) = v;
			break;
		case 1:
			*(volatile uint16_t *)(regs + (off & ~1u)) = v;
			break;
		case 2:
			(void)*(volatile uint32_t *)(regs + (off & ~3u));
			break;
		default:
			w32(off & ~3u, v);
		}
	}
	printf("mmio-abuse: garbage %ld accesses seed %u done\n", n, seed);
	return 0;
}

struct queue {
	struct desc *desc;
	uint16_t *avail;	/* flags, idx, ring[] */
	uint64_t desc_pa, avail_pa, used_pa;
};

static struct queue q[NQUEUES];
static uint8_t *buf;
static uint64_t buf_pa;

/* Reset, then set up every queue in our pages and start the device. */
static void setup(uint64_t desc_override)
{
	int i;

	w32(REG_STATUS, 0);
	w32(REG_STATUS, ST_ACK | ST_DRIVER);
	w32(REG_DRV_FEAT_SEL, 1);
	w32(REG_DRV_FEAT, 1);		/* VIRTIO_F_VERSION_1 */
	w32(REG_DRV_FEAT_SEL, 0);
	w32(REG_DRV_FEAT, 0);
	w32(REG_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	for (i = 0; i < NQUEUES; i++) {
		uint64_t d = desc_override ? desc_override : q[i].desc_pa;

		memset(q[i].desc, 0, 4096);
		memset(q[i].avail, 0, 4096);
		w32(REG_QUEUE_SEL, i);
		w32(REG_QUEUE_NUM, QSIZE);
		w32(REG_DESC_LO, (uint32_t)d);
		w32(REG_DESC_HI, (uint32_t)(d >> 32));
		w32(REG_AVAIL_LO, (uint32_t)q[i].avail_pa);
		w32(REG_AVAIL_HI, (uint32_t)(q[i].avail_pa >> 32));
		w32(REG_USED_LO, (uint32_t)q[i].used_pa);
		w32(REG_USED_HI, (uint32_t)(q[i].used_pa >> 32));
		w32(REG_QUEUE_READY, 1);
	}
	w32(REG_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
}

/* Posts descriptor `head` on queue `qi` (idx += step) and kicks it. */
static void post(int qi, uint16_t head, uint16_t step)
{
	q[qi].avail[2 + (q[qi].avail[1] % QSIZE)] = head;
	__sync_synchronize();
	q[qi].avail[1] += step;
	__sync_synchronize();
	w32(REG_QUEUE_NOTIFY, qi);
	nap();
	w32(REG_INT_ACK, r32(REG_INT_STATUS));
}

/* A vsock packet header claiming `len` bytes of payload. */
static void vsock_hdr(uint8_t *p, uint32_t len)
{
	uint64_t cid_src = 3, cid_dst = 2;
	uint32_t port_src = 1234, port_dst = 5678;
	uint16_t type = 1, op = 5;	/* stream, RW */

	memset(p, 0, 44);
	memcpy(p, &cid_src, 8);
	memcpy(p + 8, &cid_dst, 8);
	memcpy(p + 16, &port_src, 4);
	memcpy(p + 20, &port_dst, 4);
	memcpy(p + 24, &len, 4);
	memcpy(p + 28, &type, 2);
	memcpy(p + 30, &op, 2);
}

static int descriptors(void)
{
	const uint64_t far = 0xfffffffff000ULL;	/* far above guest RAM */
	int i, cases = 0;

	for (i = 0; i < NQUEUES; i++) {
		uint64_t used_pa;

		q[i].desc = phys_page(&q[i].desc_pa);
		q[i].avail = phys_page(&q[i].avail_pa);
		if (!q[i].desc || !q[i].avail || !phys_page(&used_pa)) {
			fprintf(stderr, "mmio-abuse: cannot pin queue pages\n");
			return 1;
		}
		q[i].used_pa = used_pa;
	}
	buf = phys_page(&buf_pa);
	if (!buf) {
		fprintf(stderr, "mmio-abuse: cannot pin a buffer page\n");
		return 1;
	}

	/* TX (queue 1): buffers outside guest memory. */
	setup(0);
	q[1].desc[0] = (struct desc){ far, 4096, 0, 0 };
	post(1, 0, 1);
	cases++;
	/* A buffer that starts in guest memory and runs far past its end. */
	setup(0);
	q[1].desc[0] = (struct desc){ buf_pa, 0xffffffff, 0, 0 };
	post(1, 0, 1);
	cases++;
	/* A header that claims 1 GiB of payload in a 4 KiB buffer. */
	setup(0);
	vsock_hdr(buf, 1 << 30);
	q[1].desc[0] = (struct desc){ buf_pa, 4096, 0, 0 };
	post(1, 0, 1);
	cases++;
	/* A chain that loops: 0 -> 1 -> 0. */
	setup(0);
	vsock_hdr(buf, 64);
	q[1].desc[0] = (struct desc){ buf_pa, 44, F_NEXT, 1 };
	q[1].desc[1] = (struct desc){ buf_pa + 64, 64, F_NEXT, 0 };
	post(1, 0, 1);
	cases++;
	/* next past the table; head past the table. */
	setup(0);
	q[1].desc[0] = (struct desc){ buf_pa, 44, F_NEXT, 200 };
	post(1, 0, 1);
	post(1, 999, 1);
	cases++;
	/* An indirect table (not negotiated) outside guest memory. */
	setup(0);
	q[1].desc[0] = (struct desc){ far, 4096, F_INDIRECT, 0 };
	post(1, 0, 1);
	cases++;
	/* The avail index 1000 entries ahead of the device. */
	setup(0);
	q[1].desc[0] = (struct desc){ buf_pa, 44, 0, 0 };
	post(1, 0, 1000);
	cases++;
	/* RX (queue 0): write-only buffers outside memory and read-only ones. */
	setup(0);
	q[0].desc[0] = (struct desc){ far, 4096, F_WRITE, 0 };
	q[0].desc[1] = (struct desc){ buf_pa, 4096, 0, 0 };
	post(0, 0, 1);
	post(0, 1, 1);
	cases++;
	/* Every ring's descriptor table outside guest memory. */
	setup(far);
	post(0, 0, 1);
	post(1, 0, 1);
	post(2, 0, 1);
	cases++;
	/* Notify a queue that does not exist, then reset. */
	w32(REG_QUEUE_NOTIFY, 7);
	w32(REG_STATUS, 0);
	printf("mmio-abuse: descriptors %d cases done\n", cases);
	return 0;
}

static int flood(long n, unsigned int port)
{
	long i, refused = 0, connected = 0;

	for (i = 0; i < n; i++) {
		struct sockaddr_vm a = {
			.svm_family = AF_VSOCK,
			.svm_cid = VMADDR_CID_HOST,
			.svm_port = port,
		};
		int s = socket(AF_VSOCK, SOCK_STREAM, 0);

		if (s < 0) {
			perror("mmio-abuse: socket");
			return 1;
		}
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			connected++;
		else
			refused++;
		close(s);
	}
	printf("mmio-abuse: flood %ld connections to port %u: %ld connected, %ld refused\n",
	       n, port, connected, refused);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "flood") && argc == 4)
		return flood(atol(argv[2]), atoi(argv[3]));
	if (argc >= 2 && map_regs())
		return 1;
	if (argc == 4 && !strcmp(argv[1], "garbage"))
		return garbage(atol(argv[2]), strtoul(argv[3], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "descriptors"))
		return descriptors();
	fprintf(stderr, "usage: mmio-abuse garbage N SEED | descriptors | flood N PORT\n");
	return 2;
}
