// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_xsk.c - owns the AF_XDP sockets (xdp_xsk.h), on libxdp's xsk API with
 * its program loading inhibited: rtpedge's own program redirects into
 * rtpe_xsks. Every frame of the UMEM is in the fill ring or in the
 * daemon's hands; xdp_xsk_done gives the last batch back at once.
 */
#include "xdp/xdp_xsk.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <xdp/xsk.h>

#include "xdp/xdp_int.h"

#define RX_MAX 64

struct xdp_xsk {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	void *area;
	unsigned key;
	int ifindex;
	int fd_xsks, fd_ifs;      /* the maps it is in, -1: none yet */
	uint32_t rx_idx;          /* the first descriptor of the batch in hand */
	uint64_t addrs[RX_MAX];   /* its frames, for the fill ring */
};

unsigned xdp_xsk_queues(const char *dev, unsigned max)
{
	char path[128];
	struct dirent *d;
	unsigned n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", dev);
	dir = opendir(path);
	if (!dir)
		return 1;
	while ((d = readdir(dir)))
		n += !strncmp(d->d_name, "rx-", 3);
	closedir(dir);
	return n < 1 ? 1 : n > max ? max : n;
}

static int fill_all(struct xdp_xsk *s)
{
	uint32_t idx;

	if (xsk_ring_prod__reserve(&s->fill, XDP_XSK_FRAMES, &idx) != XDP_XSK_FRAMES)
		return -ENOSPC;
	for (uint32_t i = 0; i < XDP_XSK_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&s->fill, idx + i) = (uint64_t)i * XDP_XSK_FRAME_SIZE;
	xsk_ring_prod__submit(&s->fill, XDP_XSK_FRAMES);
	return 0;
}

static int xsk_make(struct xdp_xsk *s, const char *dev, unsigned queue, char *err, size_t errlen)
{
	const size_t len = (size_t)XDP_XSK_FRAMES * XDP_XSK_FRAME_SIZE;
	struct xsk_umem_config uc = {
		.fill_size = XDP_XSK_FRAMES, .comp_size = 64,
		.frame_size = XDP_XSK_FRAME_SIZE, .frame_headroom = 0,
	};
	struct xsk_socket_config sc = {
		.rx_size = XDP_XSK_FRAMES, .tx_size = 0,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	int e;

	s->area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->area == MAP_FAILED) {
		s->area = NULL;
		snprintf(err, errlen, "AF_XDP UMEM: %s", strerror(errno));
		return -ENOMEM;
	}
	e = xsk_umem__create(&s->umem, s->area, len, &s->fill, &s->comp, &uc);
	if (e) {
		snprintf(err, errlen, "AF_XDP UMEM on %s: %s", dev, strerror(-e));
		return e;
	}
	e = xsk_socket__create(&s->xsk, dev, queue, s->umem, &s->rx, NULL, &sc);
	if (e) {
		snprintf(err, errlen, "AF_XDP socket on %s queue %u: %s", dev, queue, strerror(-e));
		return e;
	}
	e = fill_all(s);
	if (e)
		snprintf(err, errlen, "AF_XDP fill ring on %s: %s", dev, strerror(-e));
	return e;
}

int xdp_xsk_open_fds(int fd_xsks, int fd_ifs, const char *dev, int ifindex, unsigned queue,
		     unsigned key, struct xdp_xsk **out, char *err, size_t errlen)
{
	struct xdp_xsk *s = calloc(1, sizeof(*s));
	__u32 k = key, base = key - queue, ifi = (__u32)ifindex;
	int e, fd;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->key = key;
	s->ifindex = ifindex;
	s->fd_xsks = s->fd_ifs = -1;
	e = xsk_make(s, dev, queue, err, errlen);
	if (e)
		goto fail;
	fd = xsk_socket__fd(s->xsk);
	s->fd_xsks = fd_xsks;
	s->fd_ifs = fd_ifs;
	if (bpf_map_update_elem(fd_xsks, &k, &fd, BPF_ANY) ||
	    bpf_map_update_elem(fd_ifs, &ifi, &base, BPF_ANY)) {
		e = -errno;
		snprintf(err, errlen, "AF_XDP socket of %s into the maps: %s", dev, strerror(-e));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	xdp_xsk_close(s);
	return e;
}

int xdp_xsk_open(struct xdp_state *x, const char *dev, int ifindex, unsigned queue,
		 unsigned key, struct xdp_xsk **out, char *err, size_t errlen)
{
	return xdp_xsk_open_fds(x->fd_xsks, x->fd_xsk_ifs, dev, ifindex, queue, key, out, err,
				errlen);
}

void xdp_xsk_close(struct xdp_xsk *s)
{
	__u32 k, ifi;

	if (!s)
		return;
	k = s->key;
	ifi = (__u32)s->ifindex;
	if (s->fd_xsks >= 0) {
		bpf_map_delete_elem(s->fd_xsks, &k);
		bpf_map_delete_elem(s->fd_ifs, &ifi);
	}
	if (s->xsk)
		xsk_socket__delete(s->xsk);
	if (s->umem)
		xsk_umem__delete(s->umem);
	if (s->area)
		munmap(s->area, (size_t)XDP_XSK_FRAMES * XDP_XSK_FRAME_SIZE);
	free(s);
}

int xdp_xsk_fd(const struct xdp_xsk *s)
{
	return xsk_socket__fd(s->xsk);
}

unsigned xdp_xsk_rx(struct xdp_xsk *s, struct xdp_xsk_frame *f, unsigned max)
{
	unsigned n = xsk_ring_cons__peek(&s->rx, max > RX_MAX ? RX_MAX : max, &s->rx_idx);

	for (unsigned i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, s->rx_idx + i);
		uint64_t off = d->addr % XDP_XSK_FRAME_SIZE;

		s->addrs[i] = d->addr - off;
		f[i].data = xsk_umem__get_data(s->area, d->addr);
		f[i].len = d->len;
		f[i].room = (unsigned)(XDP_XSK_FRAME_SIZE - off);
	}
	return n;
}

void xdp_xsk_done(struct xdp_xsk *s, unsigned n)
{
	uint32_t idx;

	if (!n)
		return;
	xsk_ring_cons__release(&s->rx, n);
	/* The fill ring has room for every frame: these came out of it. */
	if (xsk_ring_prod__reserve(&s->fill, n, &idx) != n)
		return;
	for (unsigned i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&s->fill, idx + i) = s->addrs[i];
	xsk_ring_prod__submit(&s->fill, n);
}

uint64_t xdp_xsk_dropped(const struct xdp_xsk *s)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (getsockopt(xsk_socket__fd(s->xsk), SOL_XDP, XDP_STATISTICS, &st, &len))
		return 0;
	/* copy mode: a frame lost to an empty fill ring is in rx_dropped too
	 * (rx_fill_ring_empty_descs counts the same events) */
	return st.rx_dropped + st.rx_ring_full;
}
