// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_access.c - who may use the control socket, and what they may run
 * (ctl.h, struct ctl_access; docs/CONTROL.md "Access").
 *
 * File modes give one group access to a socket, not two with different
 * rights. So with a read-only group the socket is mode 0666 and this file
 * decides, once per connection: by the credentials the kernel recorded
 * when the client connected (SO_PEERCRED: uid, gid, pid; SO_PEERGROUPS:
 * its supplementary groups), never by anything the client says, and with
 * no lookup that could block the loop (no NSS, no /etc/group per client).
 * Without a read-only group the socket keeps mode 0660 and the kernel
 * decides, as it always did; credentials are still read for the log.
 */
#include "ctl/ctl_int.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#define CTL_PEER_GROUPS 64 /* supplementary groups read at first; more on ERANGE */

/* The group called name into id and s's name field. 0, or -ENOENT. */
static int ctl_group(const char *name, const char *key, char *dst, size_t dstlen, gid_t *id,
		     char *err, size_t errlen)
{
	struct group *gr;

	if (!name || !name[0])
		return 0;
	gr = getgrnam(name);
	if (!gr) {
		snprintf(err, errlen, "%s \"%s\" does not exist; create it (groupadd %s) or leave %s empty",
			 key, name, name, key);
		return -ENOENT;
	}
	snprintf(dst, dstlen, "%s", name);
	*id = gr->gr_gid;
	return 0;
}

int ctl_access_init(struct ctl_server *s, const struct ctl_access *acc, char *err, size_t errlen)
{
	int rc;

	s->gid = s->ro_gid = (gid_t)-1;
	if (!acc)
		return 0;
	rc = ctl_group(acc->group, "control_group", s->group, sizeof(s->group), &s->gid, err,
		       errlen);
	if (!rc)
		rc = ctl_group(acc->ro_group, "control_ro_group", s->ro_group, sizeof(s->ro_group),
			       &s->ro_gid, err, errlen);
	return rc;
}

unsigned ctl_access_mode(const struct ctl_server *s)
{
	return s->ro_group[0] ? 0666 : 0660;
}

/* Whether the client on fd (effective gid primary) is a member of g: its
 * primary group or one of its supplementary groups when it connected. */
static bool ctl_peer_in(int fd, gid_t primary, gid_t g)
{
	gid_t first[CTL_PEER_GROUPS], *groups = first;
	socklen_t len = sizeof(first);
	bool in = false;
	int rc;

	if (g == (gid_t)-1)
		return false;
	if (primary == g)
		return true;
	rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	if (rc && errno == ERANGE) { /* len is what it needs */
		groups = malloc(len);
		rc = groups ? getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) : -1;
	}
	if (rc)
		len = 0; /* unknown: not a member */
	for (size_t i = 0; i < len / sizeof(gid_t) && !in; i++)
		in = groups[i] == g;
	if (groups != first)
		free(groups);
	return in;
}

int ctl_access_peer(const struct ctl_server *s, int fd, struct ctl_peer *p, char *msg, size_t len)
{
	struct ucred uc;
	socklen_t ulen = sizeof(uc);

	*p = (struct ctl_peer){ 0 };
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ulen)) {
		*p = (struct ctl_peer){ .known = true, .uid = uc.uid, .gid = uc.gid, .pid = uc.pid };
	} else if (s->ro_group[0]) {
		snprintf(msg, len, "permission denied: the daemon cannot read this client's credentials");
		return -EACCES;
	}
	if (!s->ro_group[0] || p->uid == 0 || p->uid == geteuid() ||
	    ctl_peer_in(fd, p->gid, s->gid))
		return 0; /* full access */
	if (ctl_peer_in(fd, p->gid, s->ro_gid)) {
		p->read_only = true;
		return 0;
	}
	if (s->group[0])
		snprintf(msg, len, "permission denied: uid %u is neither root nor in control_group \"%s\" or control_ro_group \"%s\"",
			 (unsigned)p->uid, s->group, s->ro_group);
	else
		snprintf(msg, len, "permission denied: uid %u is neither root nor in control_ro_group \"%s\"",
			 (unsigned)p->uid, s->ro_group);
	return -EACCES;
}

const char *ctl_peer_str(const struct ctl_peer *p, char *buf, size_t len)
{
	if (p && p->known)
		snprintf(buf, len, " (uid %u, pid %d)", (unsigned)p->uid, (int)p->pid);
	else
		snprintf(buf, len, "%s", "");
	return buf;
}
