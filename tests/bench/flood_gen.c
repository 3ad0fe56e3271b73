// SPDX-License-Identifier: GPL-2.0
/*
 * flood_gen: the SYN flood generator of the real-path benchmark.
 *
 * It enters the sender's network namespace, then runs an XDP_TX program
 * with BPF_PROG_TEST_RUN in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES):
 * each run sends one TCP/25 SYN out of the sender's veth as an xdp_frame,
 * towards the receiver, until --seconds have passed or --max-frames are
 * sent, whichever comes first, and prints "frames N ns T": what it sent
 * (0: cut by the time limit, count unknown), over how long.
 *
 * Built by tests/bench/real_path.sh, never by make test.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/ether.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define SYN_FRAME_LEN (14 + 20 + 20)
#define SMTP_PORT 25
#define LIVE_BATCH 64

struct flood_config {
	const char *obj_path;
	const char *netns_path;
	const char *ifname;
	struct ether_addr dst_mac;
	struct in_addr src_ip, dst_ip;
	double seconds;
	uint64_t max_frames;
};

static void die(const char *what)
{
	fprintf(stderr, "flood_gen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: flood_gen --obj XDP_TX.o --netns PATH --ifname IF "
			"--dst-mac MAC --src IPV4 --dst IPV4 --seconds S "
			"[--max-frames N]\n");
	exit(2);
}

/* The ones' complement sum of 16-bit words, folded, not yet inverted. */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* The IPv4 header and the TCP SYN after it, with correct checksums, so
 * that the stack takes them as they would arrive from a subscriber. */
static void build_ipv4_syn(uint8_t *ip, struct in_addr src, struct in_addr dst)
{
	uint8_t *tcp = ip + 20;
	uint8_t pseudo[12];
	uint32_t sum;

	ip[0] = 0x45;
	put16(ip + 2, 20 + 20);
	put16(ip + 4, 0x1234);	  /* id */
	put16(ip + 6, 0x4000);	  /* DF */
	ip[8] = 64;		  /* TTL */
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	memcpy(ip + 10, (uint16_t[]){ csum_fold(csum_add(0, ip, 20)) }, 2);

	put16(tcp + 0, 40000);	  /* source port */
	put16(tcp + 2, SMTP_PORT);
	put16(tcp + 4, 0x0102);	  /* sequence number */
	put16(tcp + 6, 0x0304);
	tcp[12] = 5 << 4;	  /* data offset: 20 bytes */
	tcp[13] = 0x02;		  /* SYN */
	put16(tcp + 14, 64240);	  /* window */

	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, 20);
	sum = csum_add(csum_add(0, pseudo, sizeof(pseudo)), tcp, 20);
	memcpy(tcp + 16, (uint16_t[]){ csum_fold(sum) }, 2);
}

static void sender_mac(const char *ifname, uint8_t *mac)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die(ifname);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

static void build_frame(const struct flood_config *cfg, uint8_t *frame)
{
	memset(frame, 0, SYN_FRAME_LEN);
	memcpy(frame, &cfg->dst_mac, 6);
	sender_mac(cfg->ifname, frame + 6);
	put16(frame + 12, 0x0800);
	build_ipv4_syn(frame + 14, cfg->src_ip, cfg->dst_ip);
}

static void enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(path);
	if (setns(fd, CLONE_NEWNET) < 0)
		die("setns");
	close(fd);
}

static int load_tx_prog(const char *path, struct bpf_object **obj)
{
	struct bpf_program *prog;

	*obj = bpf_object__open_file(path, NULL);
	if (!*obj)
		die(path);
	prog = bpf_object__next_program(*obj, NULL);
	if (!prog) {
		fprintf(stderr, "flood_gen: %s has no program\n", path);
		exit(1);
	}
	bpf_program__set_type(prog, BPF_PROG_TYPE_XDP);
	if (bpf_object__load(*obj))
		die("loading the XDP_TX program");
	return bpf_program__fd(prog);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void on_alarm(int sig)
{
	(void)sig; /* only there to interrupt the test run */
}

/* Arms SIGALRM to interrupt the test run after the given time: the kernel
 * checks for a pending signal between batches and stops with EINTR. */
static void arm_alarm(double seconds)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct itimerval it = { 0 };

	if (sigaction(SIGALRM, &sa, NULL) < 0)
		die("sigaction");
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (time_t)seconds) * 1e6);
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		die("setitimer");
}

/* One test run of --max-frames live frames, cut short after --seconds:
 * one run, because each run sets up and tears down its own page pool,
 * which would otherwise count against the rate. Prints "frames N ns T",
 * N being 0 when the alarm cut the run (the count is then unknown: the
 * receiver's counters tell). */
static void flood(const struct flood_config *cfg, int prog_fd)
{
	uint8_t frame[SYN_FRAME_LEN];
	struct xdp_md ctx = { 0 };
	uint64_t start, elapsed, sent = cfg->max_frames;
	int err;

	build_frame(cfg, frame);
	/* The kernel wants the context to describe the frame it is given. */
	ctx.data_end = sizeof(frame);
	ctx.ingress_ifindex = if_nametoindex(cfg->ifname);
	if (!ctx.ingress_ifindex)
		die(cfg->ifname);
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = frame,
		    .data_size_in = sizeof(frame),
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = (uint32_t)cfg->max_frames,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .batch_size = LIVE_BATCH);

	start = now_ns();
	arm_alarm(cfg->seconds);
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	elapsed = now_ns() - start;
	if (err && errno != EINTR)
		die("BPF_PROG_TEST_RUN (live frames)");
	if (err)
		sent = 0;
	printf("frames %llu ns %llu\n", (unsigned long long)sent,
	       (unsigned long long)elapsed);
}

static void parse_args(int argc, char **argv, struct flood_config *cfg)
{
	static const struct option opts[] = {
		{ "obj", required_argument, 0, 'o' },
		{ "netns", required_argument, 0, 'n' },
		{ "ifname", required_argument, 0, 'i' },
		{ "dst-mac", required_argument, 0, 'm' },
		{ "src", required_argument, 0, 's' },
		{ "dst", required_argument, 0, 'd' },
		{ "seconds", required_argument, 0, 't' },
		{ "max-frames", required_argument, 0, 'x' },
		{ 0 }
	};
	int c, have_mac = 0, have_src = 0, have_dst = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': cfg->obj_path = optarg; break;
		case 'n': cfg->netns_path = optarg; break;
		case 'i': cfg->ifname = optarg; break;
		case 'm': have_mac = ether_aton_r(optarg, &cfg->dst_mac) != NULL; break;
		case 's': have_src = inet_pton(AF_INET, optarg, &cfg->src_ip) == 1; break;
		case 'd': have_dst = inet_pton(AF_INET, optarg, &cfg->dst_ip) == 1; break;
		case 't': cfg->seconds = strtod(optarg, NULL); break;
		case 'x': cfg->max_frames = strtoull(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!cfg->obj_path || !cfg->netns_path || !cfg->ifname || !have_mac ||
	    !have_src || !have_dst || cfg->seconds <= 0 || cfg->seconds > 60 ||
	    !cfg->max_frames || cfg->max_frames > UINT32_MAX)
		usage();
}

int main(int argc, char **argv)
{
	struct flood_config cfg = {
		.max_frames = 200000000ull,
	};
	struct bpf_object *obj;
	int prog_fd;

	parse_args(argc, argv, &cfg);
	prog_fd = load_tx_prog(cfg.obj_path, &obj);
	enter_netns(cfg.netns_path);
	flood(&cfg, prog_fd);
	bpf_object__close(obj);
	return 0;
}
