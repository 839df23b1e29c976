/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.h - the INI configuration (../shared/INTERFACE.md), parsed with
 * inih and validated in full before anything uses it: a config either loads
 * completely or not at all, so a reload can keep the running one.
 */
#ifndef RTPE_CONFIG_H
#define RTPE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "core/prefix.h"

#define CFG_MAX_IFACES 16
#define CFG_MAX_REGIONS 32
#define CFG_MAX_TRUNKS 64
#define CFG_MAX_SBC 8
#define CFG_MAX_CIDRS 16
#define CFG_MAX_LISTEN 4
#define CFG_MAX_ALLOW 16
#define CFG_NAME_LEN 32
#define CFG_MAX_NUMBERS 16
/* [relay] workers left out: one relay worker per online CPU. */
#define CFG_WORKERS_AUTO UINT32_MAX
#define CFG_NUMBER_LEN 24
#define CFG_HOST_LEN 80      /* a hostname of sbc or target, with its NUL */

enum xdp_mode { XDP_MODE_AUTO, XDP_MODE_NATIVE, XDP_MODE_GENERIC, XDP_MODE_OFF };
/* [relay] srtp_crypto: under libsrtp2, OpenSSL's primitives or its own (NSS). */
enum srtp_crypto { SRTP_CRYPTO_OPENSSL, SRTP_CRYPTO_NSS };

struct cfg_iface {
	char name[CFG_NAME_LEN];   /* the section's name: [interface NAME] */
	char device[IF_NAMESIZE];  /* device = eth0 (required) */
	struct in_addr address;    /* address = (required) local address of legs */
	struct in_addr advertise;  /* advertise = (default: address) for SDP */
	bool latch;                /* latch = yes|no (default no): learn NATed peers */
};

struct cfg_endpoint {          /* transport:address:port */
	char transport[4];     /* "udp", "tcp", "tls" */
	struct in_addr addr;
	uint16_t port;
};

struct cfg_cidr {
	struct in_addr addr;   /* network address, host bits zero */
	uint8_t prefix;        /* 0..32 */
};

/* Digest credentials the proxy answers a 401/407 with (auth_user,
 * auth_password or auth_password_file); user "" when none. The password
 * never goes to a log, the CLI or the metrics. */
struct cfg_auth {
	char user[64];
	char password[128];
};

struct cfg_region {
	char name[CFG_NAME_LEN];
	struct in_addr sbc[CFG_MAX_SBC]; /* sbc = a, b (tried in order) */
	int n_sbc;                       /* 0: addresses come from the catalogue */
	/* An sbc item that is a hostname (its sbc[] is 0.0.0.0): resolved by
	 * SRV and A records (core/resolve.h); its port given (HOST:PORT, or the
	 * region's port key) or 0 (SRV, then A records on the default port). */
	char sbc_host[CFG_MAX_SBC][CFG_HOST_LEN];
	uint16_t sbc_host_port[CFG_MAX_SBC];
	uint16_t port;                   /* port = (default 5060) */
	char transport[4];               /* transport = udp|tcp|tls (default udp) */
	unsigned options_interval;       /* options_interval = (default 30, 0 = off) */
	unsigned options_down_after;     /* options_down_after = (default 3 unanswered pings) */
	char strategy[12];               /* strategy = failover|round-robin (default failover) */
	unsigned invite_timeout_ms;      /* invite_timeout_ms = (default 2000): no answer, next sbc */
	int iface;                       /* interface = NAME -> index in ifaces */
	/* Filled from the regions catalogue when sbc is not given: */
	struct prefix allow[CFG_MAX_ALLOW]; /* more sources of its SIP (allowlisted) */
	int n_allow;
	bool catalogued;                 /* sbc, port, transport came from it */
	struct cfg_auth auth;            /* digest credentials towards its SBCs */
	char srtp[5];                    /* srtp = no|sdes (default no): its media leg's SRTP */
};

struct cfg_trunk {
	char name[CFG_NAME_LEN];
	struct cfg_cidr addresses[CFG_MAX_CIDRS]; /* addresses = CIDR, CIDR */
	int n_addresses;
	struct in_addr target_addr;               /* target = IP:PORT */
	uint16_t target_port;                     /*   (HOST[:PORT]: 0.0.0.0, port or 0) */
	char target_host[CFG_HOST_LEN];           /* target = HOST[:PORT]: "" for an IP */
	int iface;                                /* interface = NAME */
	int region;                               /* region = NAME -> index */
	char transport[4];                        /* transport = udp|tcp|tls (default udp) */
	/* numbers = +1555, +1666: Request-URI user prefixes of the calls from
	 * its region this trunk takes (longest prefix wins); none: the region's
	 * default trunk */
	char numbers[CFG_MAX_NUMBERS][CFG_NUMBER_LEN];
	int n_numbers;
	struct cfg_auth auth;                     /* used before its region's on its calls */
	char srtp[5];                             /* srtp = no|sdes (default no) */
};

struct rtpe_cfg {
	char path[256];                /* the file it was read from */
	/* [relay] */
	char control_socket[108];      /* default /run/rtpedge/rtpedge.sock */
	char control_group[CFG_NAME_LEN]; /* control_group = (default: none) */
	char control_ro_group[CFG_NAME_LEN]; /* control_ro_group = (default: none) */
	struct in_addr metrics_addr;   /* metrics_listen = IP:PORT */
	uint16_t metrics_port;         /*   default 127.0.0.1:9464; port 0 = off */
	char pin_path[256];            /* default /sys/fs/bpf/rtpedge */
	char state_file[256];          /* default /var/lib/rtpedge/state.json */
	enum xdp_mode xdp_mode;        /* default auto */
	uint16_t port_min, port_max;   /* default 40000, 60000 */
	unsigned session_timeout;      /* default 60 s */
	unsigned hold_timeout;         /* default 3600 s */
	unsigned learning_window;      /* default 3 s */
	unsigned max_sessions;         /* default 16384 */
	unsigned workers;              /* relay worker threads; CFG_WORKERS_AUTO (the default):
					* one per online CPU; 0: relay on the loop thread */
	enum srtp_crypto srtp_crypto;  /* default openssl */
	bool afxdp;                    /* afxdp = yes|no (default yes): the legs the daemon
					* relays take AF_XDP where XDP runs */
	int log_level;                 /* log_level = error|warning|info|debug */
	bool allowlist;                /* allowlist = yes|no (default yes) */
	char allowlist_table[CFG_NAME_LEN]; /* default "rtpedge": table inet NAME */
	unsigned allowlist_max;        /* default 4096 ranges per address family */
	char catalogue[256];           /* catalogue = the operator's own (default: none) */
	char shipped_catalogue[256];   /* default RTPE_DATADIR/regions.conf, else the
					* source tree's (config_regions.c): after a
					* load, the path in effect */
	/* [interface NAME] */
	struct cfg_iface ifaces[CFG_MAX_IFACES];
	int n_ifaces;
	/* [sip] */
	struct cfg_endpoint sip_listen[CFG_MAX_LISTEN];
	int n_sip_listen;
	char tls_cert[256], tls_key[256]; /* PEM: the relay's certificate chain, its key */
	char tls_ca[256];              /* tls_ca = PEM CAs its TLS peers' certificates must
					* chain to (default: the system's bundle) */
	bool tls_verify;               /* tls_verify = yes|no (default yes): no accepts any
					* certificate from a peer the relay connects to (unsafe) */
	bool sip_proxy;                /* proxy = yes|no (default yes): no only guards the
					* listen ports (the allowlist) for another SIP server */
	struct in_addr resolver_addr;  /* resolver = IP[:PORT] (default: /etc/resolv.conf's,
					* 0.0.0.0) for the hostnames of sbc and target */
	uint16_t resolver_port;        /*   default 53 */
	unsigned sip_udp_buffer_kb;    /* udp_buffer_kb = (default 8192): each UDP listen
					* socket's receive and send buffers; 0 = the kernel's */
	/* [region NAME], [trunk NAME] */
	struct cfg_region regions[CFG_MAX_REGIONS];
	int n_regions;
	struct cfg_trunk trunks[CFG_MAX_TRUNKS];
	int n_trunks;
};

/* Fills cfg with every default (no interfaces). */
void config_defaults(struct rtpe_cfg *cfg);

/*
 * Reads and validates path into cfg. Returns 0, or -1 with err holding
 * "PATH:LINE: message" (LINE 0 for a file that cannot be read or a problem
 * of the file as a whole, such as no [interface] section). cfg is only
 * meaningful on success.
 */
int config_load(const char *path, struct rtpe_cfg *cfg, char *err, size_t errlen);

/* Same, from a string in memory (name is used in messages). For tests and
 * the fuzzer. */
int config_parse_string(const char *name, const char *text, struct rtpe_cfg *cfg,
			char *err, size_t errlen);

/* Index of the interface called name, or -1. */
int config_iface_find(const struct rtpe_cfg *cfg, const char *name);

const char *xdp_mode_name(enum xdp_mode m);

#endif
