# Which daemon modules each unit test and fuzz target links (daemon/log.c
# always comes along).
TEST_DEPS_test_config := daemon/config.c daemon/config_keys.c
TEST_DEPS_test_ports  := daemon/ports.c
TEST_DEPS_test_ctl    := daemon/ctl.c daemon/ctl_buf.c daemon/ctl_sock.c daemon/loop.c
TEST_DEPS_test_ctl_reply := daemon/ctl.c daemon/ctl_buf.c daemon/ctl_sock.c daemon/loop.c
TEST_DEPS_test_cli    := daemon/ctl.c daemon/ctl_buf.c daemon/ctl_sock.c daemon/loop.c
TEST_DEPS_test_xdp    := daemon/xdp_clock.c
TEST_DEPS_test_xdp_clock := daemon/xdp_clock.c
TEST_DEPS_test_xdp_table := daemon/xdp_legs.c daemon/xdp.c daemon/xdp_clock.c daemon/ports.c \
			    daemon/config.c daemon/config_keys.c

FUZZ_DEPS_fuzz_config := daemon/config.c daemon/config_keys.c
FUZZ_DEPS_fuzz_ctl    := $(filter-out daemon/main.c daemon/log.c,$(wildcard daemon/*.c))
FUZZ_DEPS_fuzz_punt   := $(FUZZ_DEPS_fuzz_ctl)
# The state file writer on a real session table: the daemon in-process.
TEST_DEPS_test_state  := $(filter-out daemon/main.c daemon/log.c,$(wildcard daemon/*.c))
TEST_DEPS_test_state_text := $(TEST_DEPS_test_state)
TEST_DEPS_test_state_fail := $(TEST_DEPS_test_state)
