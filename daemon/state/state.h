/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state.h - the session table across daemon restarts.
 *
 * The pinned rtpe_legs map is the truth for XDP legs: every entry carries
 * the session number, both endpoints and the stats slot, so a daemon that
 * was killed with SIGKILL can rebuild its sessions from the map alone. The
 * state file adds what the map does not hold: session ages and hold flags,
 * the next session number, the userspace counters and the sessions of
 * userspace-only legs.
 *
 * File format (JSON, one object; one session per line):
 *   {"version":1,"next_id":N,"sessions":[
 *   {"id":N,"created_unix_ms":T,"hold":false,["sip":TEXT,]
 *    "legs":[{"interface":NAME,"local":"IP:PORT","peer":"IP:PORT",
 *             "peer_rtcp_port":N,"path":"xdp","slot":N,"packets":N,
 *             "bytes":N,"drops":N,"rtcp_packets":N}, {...}]},
 *   ...
 *   ]}
 * "sip" is the SIP proxy's text of the session's call dialog (s->dialog:
 * what its BYE on a media timeout needs after a restart; at most
 * STATE_DIALOG_MAX bytes), kept as it is.
 * A leg is written as the control replies write it (media/leg_json.h), with
 * "slot" and without the live figures. Files of earlier versions name the
 * interface "iface": restore reads either. The counters are the userspace
 * ones; XDP's stay in rtpe_legs_state.
 * next_id is the table's as the write began: sessions added while it ran
 * may be in the file with larger ids (a restore takes the larger).
 * The file holds SRTP keys: it is created 0600, and a symbolic link at
 * FILE or FILE.tmp is never followed.
 *
 * Writing (state_writer.c): when the table changed, checked once a second,
 * within 1/20 of the loop's time, into FILE.tmp then renamed over FILE
 * (atomic). A write runs in slices of a millisecond or two across loop
 * iterations, so a large table does not stall the loop; the table may
 * change between slices (a change during a write leaves the table dirty
 * for the next one). At exit the whole file is written at once.
 * Reading (state_load.c): every value checked for type and range; a file
 * with anything refused is set aside as FILE.bad-<unix time>.
 * Rebuilding (state_restore.c): at start, from the maps and the file; what
 * is truth where the two disagree is said there.
 */
#ifndef RTPE_STATE_H
#define RTPE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/loop.h"
#include "media/session.h"

struct state_writer;

/* The state file of one session table. */
struct state_file {
	struct media *m;          /* the table it keeps; its cfg names the file */
	uint64_t gen;             /* counts the changes the file keeps */
	uint64_t saved_gen;       /* gen as of the last complete write */
	struct state_writer *w;   /* the write in progress, or NULL */
	struct loop_duty duty;    /* the writer's pace */
	bool ticking;             /* the periodic writer runs */
	bool ids_failed;          /* the last FILE.ids write failed (logged once) */
};

/* The table changed: the state file is behind it until a write that
 * begins after this call completes. */
void state_mark_dirty(struct state_file *sf);
/* Whether the state file may be behind the table. */
bool state_is_dirty(const struct state_file *sf);
/* s leaves the table (session.c, before unlinking it): a write in progress
 * that was to write s next moves on to the session after it. */
void state_forget(struct state_file *sf, const struct session *s);

/*
 * The sliced write, as the periodic writer runs it (tests drive it too).
 * state_write_begin opens FILE.tmp for the table as it is now: 0 or -errno
 * (logged). Each state_write_slice then does one step: the records of
 * about budget_ns of work (at least 32 sessions; UINT64_MAX: all of them,
 * then the tail), or a sync of what earlier slices wrote, or the last sync
 * and the rename. It returns 1 while steps remain, 0 once FILE is replaced,
 * -errno when the write failed (logged once with the path and the reason,
 * FILE.tmp removed, the table still dirty).
 */
int state_write_begin(struct state_file *sf);
int state_write_slice(struct state_file *sf, uint64_t budget_ns);
/* Whether a sliced write is in progress. */
bool state_writing(const struct state_file *sf);

/* Writes the whole state file now (tmp + fsync + rename), dropping a sliced
 * write in progress (it may have missed changes). 0 or -errno. */
int state_write(struct state_file *sf);
/* Removes the state file and a write in progress (a clean stop that
 * removes everything). */
void state_remove(struct state_file *sf);
/* Starts the periodic writer (a timer on r->loop; once). 0 or -errno. */
int state_writer_start(struct state_file *sf);
/* Rebuilds the session table from the pinned maps and the state file, and
 * deletes map entries no session can own (state_restore.c says which stay).
 * A bad file is set aside and a new one written at once. Starts the
 * periodic writer. 0, or -errno with err set (only for failures that must
 * stop the start: out of memory, the pinned map unreadable). */
int state_restore(struct state_file *sf, char *err, size_t errlen);

/*
 * Session ids across a crash (state_ids.c): FILE.ids holds the end of the
 * block of ids the table may hand out. state_ids_reserve makes the block
 * above m->next_id durable and raises m->id_limit to its end (the table
 * asks through MEDIA_IDS when it reaches it); state_ids_read gives what the
 * file holds (0: none); state_ids_remove deletes it (shutdown --remove).
 */
void state_ids_reserve(struct state_file *sf);
uint32_t state_ids_read(const struct state_file *sf);
void state_ids_remove(const struct state_file *sf);

#endif
