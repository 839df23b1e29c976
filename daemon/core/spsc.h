/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spsc.h - a bounded queue of fixed-size messages between exactly one
 * producer thread and one consumer thread, without a lock: each side
 * writes only its own index (release) and reads the other's (acquire).
 * The loop thread hands its relay workers their commands through one
 * (media/worker.c). Waking the consumer is the caller's business (an
 * eventfd beside the queue).
 */
#ifndef RTPE_SPSC_H
#define RTPE_SPSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spsc;

/* A queue of at least cap messages (rounded up to a power of two) of size
 * bytes each. NULL when out of memory or cap/size is 0. */
struct spsc *spsc_new(uint32_t cap, size_t size);
void spsc_free(struct spsc *q);
/* Producer: copies msg in. False when the queue is full (nothing done). */
bool spsc_push(struct spsc *q, const void *msg);
/* Consumer: copies the oldest message to msg. False when empty. */
bool spsc_pop(struct spsc *q, void *msg);
/* Messages waiting (either side; a snapshot). */
uint32_t spsc_len(const struct spsc *q);

#endif
