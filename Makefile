# rtpedge - build, test, demo, bench.  Everything is built into build/.
#
#   make            daemon, CLI, XDP object (skeleton embedded in the daemon)
#   make check      install what is missing, build, run every test; ends "N passed, N failed"
#   make check SAN=address,undefined
#                   the same suite against sanitizer builds, in build-san/
#                   (fuzzers 5 s each: they are sanitizer builds in both)
#   make demo       install what is missing, build, run the relay in the netns test bed carrying a SIP call
#   make bench      benchmarks on the netns test bed (root)
#   make fuzz       every fuzzer for FUZZ_SECONDS (default 600) each
#   make install    /usr/local/sbin, /usr/local/share/rtpedge (regions catalogue,
#                   sample config), /etc/rtpedge, systemd unit
#
# The daemon's modules (daemon/*/ and daemon/*.c but main.c) are compiled
# once into objects under B/obj, with dependency files (-MMD -MP), and
# archived into B/librtpedge.a, which the daemon, the unit tests and the
# fuzzers link: a one-file change rebuilds one object and relinks.

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
AR      ?= ar
PREFIX  ?= /usr/local
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
SAN     ?=

ifeq ($(SAN),)
B       := build
SANFLAGS :=
else
B       := build-san
SANFLAGS := -fsanitize=$(SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
O       := $(B)/obj

# Where `make install` puts the regions catalogue: the daemon's default
# shipped_catalogue; the source tree's data/ when that is not installed.
DATADIR := $(PREFIX)/share/rtpedge
PATHDEFS := -DRTPE_DATADIR='"$(DATADIR)"' -DRTPE_SRCDIR='"$(CURDIR)"'

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += $(WARN) $(SANFLAGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -I$(B) -Idaemon \
	   -DRTPE_VERSION='"$(VERSION)"' $(PATHDEFS) $(SRTP_CFLAGS)
LDFLAGS += $(SANFLAGS)
DEPFLAGS = -MMD -MP
SRTP_CFLAGS := $(shell pkg-config --cflags libsrtp2 2>/dev/null)
SRTP_LIBS   := $(or $(shell pkg-config --libs libsrtp2 2>/dev/null),-lsrtp2)
DAEMON_LIBS := -lxdp -lbpf -lelf -lz -linih -ljson-c -lmicrohttpd -lsystemd -lnftnl -lmnl -lresolv $(SRTP_LIBS)
# sofia-sip (daemon/sip/): its headers as system headers, so that -Werror
# judges only our code.
SOFIA_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags sofia-sip-ua 2>/dev/null))
CFLAGS  += $(SOFIA_CFLAGS)
DAEMON_LIBS += $(shell pkg-config --libs sofia-sip-ua 2>/dev/null)
# OpenSSL's libcrypto: the TLS certificate and key checked before sofia loads them.
DAEMON_LIBS += $(or $(shell pkg-config --libs libcrypto 2>/dev/null),-lcrypto)
CLI_LIBS    := -ljson-c

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 $(WARN) -Iinclude -I$(B) -Ibpf

LIB_SRC    := $(filter-out daemon/main.c,$(shell find daemon -name '*.c' | sort))
LIB_OBJ    := $(patsubst %.c,$(O)/%.o,$(LIB_SRC))
LIB        := $(B)/librtpedge.a
CLI_SRC    := $(wildcard cli/*.c)
CLI_OBJ    := $(patsubst %.c,$(O)/%.o,$(CLI_SRC))
BPF_SRC    := $(wildcard bpf/*.bpf.c)
BPF_OBJ    := $(patsubst bpf/%.bpf.c,$(B)/%.bpf.o,$(BPF_SRC))
SKELS      := $(patsubst bpf/%.bpf.c,$(B)/%.skel.h,$(BPF_SRC))

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BIN   := $(patsubst tests/tools/%.c,$(B)/tools/%,$(TOOL_SRC))

# libFuzzer harnesses: clang, with ASan and UBSan, over their own build of
# the modules (instrumented for coverage) in B/fuzzobj.
FO         := $(B)/fuzzobj
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
FUZZ_LIB   := $(B)/librtpedge-fuzz.a
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	       $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -I$(B) -Idaemon -DRTPE_VERSION='"fuzz"' \
	       $(PATHDEFS) $(SOFIA_CFLAGS) $(SRTP_CFLAGS)
FUZZ_SECONDS ?= 600

.PHONY: all deps check demo bench soak fuzz install clean tests
.DELETE_ON_ERROR:
# Objects, BPF objects and skeletons are kept between builds (not removed
# as intermediates of the pattern rules): a change rebuilds what it touches.
.SECONDARY:

all: $(B)/rtpedged $(B)/rtpedgectl $(BPF_OBJ)

# ---- BPF: object, skeleton ----------------------------------------------------

$(B)/vmlinux.h:
	@mkdir -p $(@D)
	@test -r /sys/kernel/btf/vmlinux || { echo "no /sys/kernel/btf/vmlinux: kernel BTF is needed for CO-RE" >&2; exit 1; }
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(B)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/*.h) $(B)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(B)/%.skel.h: $(B)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@

# ---- C objects: one per source, with its dependency file ----------------------

# The skeletons exist before any object that may include one is compiled;
# after that, the .d files say who includes what.
$(O)/%.o: %.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/rtpedged: $(O)/daemon/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(B)/rtpedgectl: $(CLI_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(CLI_LIBS)

$(B)/tests/%: $(O)/tests/unit/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

# The command table's test checks the CLI's printers too.
$(B)/tests/test_cmds: $(O)/cli/print.o $(O)/cli/print_sip.o $(O)/cli/print_util.o
# (The SRTP known-answer tests check libsrtp2's output against an
# independent implementation: OpenSSL's libcrypto, in DAEMON_LIBS since the
# proxy signs its Record-Route with it.)

TOOL_LIBS := -lbpf -lelf -lz -lm
$(B)/tools/%: $(O)/tests/tools/%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(TOOL_LIBS)

# The test SRTP peer and the crypto cost loop run libsrtp2 themselves.
$(B)/tools/srtppeer $(B)/tools/srtpcost: TOOL_LIBS += $(SRTP_LIBS)
# srtpcost measures libsrtp2 on the daemon's OpenSSL primitives too.
$(B)/tools/srtpcost: $(O)/daemon/srtp/srtp_ossl.o
$(B)/tools/srtpcost: TOOL_LIBS += $(or $(shell pkg-config --libs libcrypto 2>/dev/null),-lcrypto)
# The TLS tests' SIP peer runs sofia-sip's own user agent.
$(B)/tools/sippeer: TOOL_LIBS += $(shell pkg-config --libs sofia-sip-ua 2>/dev/null)

# ---- fuzzers -------------------------------------------------------------------

$(FO)/%.o: %.c | $(SKELS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(FUZZ_LIB): $(patsubst %.c,$(FO)/%.o,$(LIB_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/fuzz/%: $(FO)/tests/fuzz/%.o $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(DAEMON_LIBS)

-include $(shell find $(O) $(FO) -name '*.d' 2>/dev/null)

# ---- what the commands run -------------------------------------------------------

tests: all $(UNIT_BIN) $(TOOL_BIN) $(FUZZ_BIN)

deps:
	@scripts/install-deps.sh

# The fuzzers are ASan+UBSan builds either way: the sanitizer suite replays
# their seeds and fuzzes 5 s each, not the plain suite's 20 s again.
CHECK_FUZZ_SECONDS := $(if $(SAN),5,20)

check: deps
	$(MAKE) SAN=$(SAN) tests
	@RTPE_BUILD=$(B) RTPE_FUZZ_SECONDS=$${RTPE_FUZZ_SECONDS:-$(CHECK_FUZZ_SECONDS)} scripts/run-tests.sh

demo: deps
	$(MAKE) all $(TOOL_BIN)
	@scripts/demo.sh

bench: deps
	$(MAKE) all $(TOOL_BIN)
	@scripts/bench.sh

soak: deps
	$(MAKE) all $(TOOL_BIN)
	@RTPE_BUILD=$(B) scripts/soak.sh

fuzz: deps
	$(MAKE) SAN=$(SAN) $(FUZZ_BIN)
	@RTPE_BUILD=$(B) RTPE_FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-tests.sh fuzz

install: all
	install -D -m 0755 $(B)/rtpedged $(DESTDIR)$(PREFIX)/sbin/rtpedged
	install -D -m 0755 $(B)/rtpedgectl $(DESTDIR)$(PREFIX)/sbin/rtpedgectl
	install -D -m 0644 data/regions.conf $(DESTDIR)$(DATADIR)/regions.conf
	install -D -m 0644 scripts/rtpedge.conf.sample $(DESTDIR)$(DATADIR)/rtpedge.conf.sample
	test -e $(DESTDIR)/etc/rtpedge/rtpedge.conf || install -D -m 0640 scripts/rtpedge.conf.sample $(DESTDIR)/etc/rtpedge/rtpedge.conf
	install -D -m 0644 scripts/rtpedged.service $(DESTDIR)/etc/systemd/system/rtpedged.service

clean:
	rm -rf build build-san
