# rtpedge - build, test, demo, bench.  Everything is built into build/.
#
#   make            daemon, CLI, XDP object (skeleton embedded in the daemon)
#   make check      install deps, build, run every test; ends "N passed, N failed"
#   make demo       install deps, build, run the relay in the netns test bed
#   make bench      benchmarks on the netns test bed (root)
#   make install    /usr/local/sbin, /etc/rtpedge, systemd unit

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
PREFIX  ?= /usr/local
B       := build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -I$(B) -Idaemon \
	   -DRTPE_VERSION='"$(VERSION)"'
DAEMON_LIBS := -lbpf -lelf -lz -linih -ljson-c -lmicrohttpd -lsystemd
CLI_LIBS    := -ljson-c

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 $(WARN) -Iinclude -I$(B) -Ibpf

DAEMON_SRC := $(wildcard daemon/*.c)
DAEMON_HDR := $(wildcard daemon/*.h) $(wildcard include/*.h)
CLI_SRC    := $(wildcard cli/*.c)
BPF_SRC    := $(wildcard bpf/*.bpf.c)
BPF_OBJ    := $(patsubst bpf/%.bpf.c,$(B)/%.bpf.o,$(BPF_SRC))
SKELS      := $(patsubst bpf/%.bpf.c,$(B)/%.skel.h,$(BPF_SRC))

# Unit tests: tests/unit/test_X.c, each linked with the daemon modules it
# names in TEST_DEPS_test_X (default: none beyond log.c).
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BIN   := $(patsubst tests/tools/%.c,$(B)/tools/%,$(TOOL_SRC))
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
-include tests/unit/deps.mk

.PHONY: all deps check demo bench fuzz install clean tests
.DELETE_ON_ERROR:

all: $(B)/rtpedged $(B)/rtpedgectl $(BPF_OBJ)

$(B):
	@mkdir -p $(B) $(B)/tests $(B)/tools $(B)/fuzz

$(B)/vmlinux.h: | $(B)
	@test -r /sys/kernel/btf/vmlinux || { echo "no /sys/kernel/btf/vmlinux: kernel BTF is needed for CO-RE" >&2; exit 1; }
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(B)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/*.h) $(B)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(B)/%.skel.h: $(B)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@

$(B)/rtpedged: $(DAEMON_SRC) $(DAEMON_HDR) $(SKELS) | $(B)
	$(CC) $(CFLAGS) -o $@ $(DAEMON_SRC) $(DAEMON_LIBS)

$(B)/rtpedgectl: $(CLI_SRC) $(wildcard cli/*.h) | $(B)
	$(CC) $(CFLAGS) -Icli -o $@ $(CLI_SRC) $(CLI_LIBS)

.SECONDEXPANSION:
$(B)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $$(TEST_DEPS_$$*) $(DAEMON_HDR) $(SKELS) | $(B)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(TEST_DEPS_$*) daemon/log.c $(DAEMON_LIBS)

# libFuzzer harnesses, with ASan and UBSan; FUZZ_DEPS_fuzz_X names the modules.
$(B)/fuzz/%: tests/fuzz/%.c $$(FUZZ_DEPS_$$*) $(DAEMON_HDR) $(SKELS) | $(B)
	$(CLANG) $(FUZZ_FLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -I$(B) -Idaemon -DRTPE_VERSION='"fuzz"' \
		-o $@ $< $(FUZZ_DEPS_$*) daemon/log.c $(DAEMON_LIBS)

$(B)/tools/%: tests/tools/%.c $(wildcard tests/tools/*.h) $(SKELS) | $(B)
	$(CC) $(CFLAGS) -o $@ $< -lbpf -lelf -lz -lm

tests: all $(UNIT_BIN) $(TOOL_BIN) $(FUZZ_BIN)

deps:
	@scripts/install-deps.sh

check: deps
	$(MAKE) tests
	@scripts/run-tests.sh

demo: deps
	$(MAKE) all $(TOOL_BIN)
	@scripts/demo.sh

bench: deps
	$(MAKE) all $(TOOL_BIN)
	@scripts/bench.sh

install: all
	install -D -m 0755 $(B)/rtpedged $(DESTDIR)$(PREFIX)/sbin/rtpedged
	install -D -m 0755 $(B)/rtpedgectl $(DESTDIR)$(PREFIX)/sbin/rtpedgectl
	install -D -m 0644 scripts/rtpedge.conf.sample $(DESTDIR)$(PREFIX)/share/rtpedge/rtpedge.conf.sample
	test -e $(DESTDIR)/etc/rtpedge/rtpedge.conf || install -D -m 0640 scripts/rtpedge.conf.sample $(DESTDIR)/etc/rtpedge/rtpedge.conf
	install -D -m 0644 scripts/rtpedged.service $(DESTDIR)/etc/systemd/system/rtpedged.service

clean:
	rm -rf $(B)
