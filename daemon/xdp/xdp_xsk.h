/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xdp_xsk.h - AF_XDP sockets (libxdp's xsk API) that the XDP program hands
 * the frames of the legs the daemon relays itself (RTPE_LEG_F_XSK): one
 * socket per interface and receive queue, each with a UMEM of its own,
 * receive only, in copy mode (what every driver, veth included, offers).
 * The program finds a socket at rtpe_xsk_ifs[ifindex] + the queue in
 * rtpe_xsks; a frame with no socket there goes to the leg's sockets.
 *
 * A socket is read by one thread: xdp_xsk_rx, then xdp_xsk_done once the
 * frames' bytes are no longer needed (sent or dropped).
 */
#ifndef RTPE_XDP_XSK_H
#define RTPE_XDP_XSK_H

#include <stdint.h>
#include "xdp/xdp.h"

struct xdp_xsk;

/* Frames a socket's UMEM holds (its receive ring is as long). */
#define XDP_XSK_FRAMES 2048
/* Bytes of a frame: the received frame plus room after it to grow. */
#define XDP_XSK_FRAME_SIZE 2048

/* A received frame: its bytes (Ethernet header first) and what lies
 * after them in the UMEM frame, free to write. */
struct xdp_xsk_frame {
	unsigned char *data;
	unsigned len;
	unsigned room;  /* bytes from data to the end of its UMEM frame */
};

/* The receive queues of dev (at least 1, at most max). */
unsigned xdp_xsk_queues(const char *dev, unsigned max);

/* Opens the socket of dev (ifindex) queue, at rtpe_xsks[key], and makes
 * rtpe_xsk_ifs[ifindex] = key - queue. 0, or -errno with err set. */
int xdp_xsk_open(struct xdp_state *x, const char *dev, int ifindex, unsigned queue,
		 unsigned key, struct xdp_xsk **out, char *err, size_t errlen);
/* The same with the two maps' descriptors (a program loaded elsewhere). */
int xdp_xsk_open_fds(int fd_xsks, int fd_ifs, const char *dev, int ifindex, unsigned queue,
		     unsigned key, struct xdp_xsk **out, char *err, size_t errlen);
/* Removes it from the maps and closes it. NULL: no-op. */
void xdp_xsk_close(struct xdp_xsk *s);
/* Its file descriptor (readable: frames in its receive ring). */
int xdp_xsk_fd(const struct xdp_xsk *s);
/* Up to max received frames into f; how many. */
unsigned xdp_xsk_rx(struct xdp_xsk *s, struct xdp_xsk_frame *f, unsigned max);
/* Gives the n frames the last xdp_xsk_rx returned back to the kernel. */
void xdp_xsk_done(struct xdp_xsk *s, unsigned n);
/* Frames the kernel could not hand it (its ring full, or no free frame). */
uint64_t xdp_xsk_dropped(const struct xdp_xsk *s);

#endif
