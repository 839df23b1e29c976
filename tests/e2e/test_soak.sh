#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_soak.sh - `make soak` in one minute, so that it cannot rot:
# scripts/soak.sh with RTPE_SOAK_SECONDS=60 (waves of 2,000 sessions
# created, some with RTP, and deleted; RSS, open descriptors, free ports
# and pinned map entries after the first wave and after the last must be
# flat). Its PASS/FAIL lines are this test's ("soak: ...").
RTPE_SOAK_SECONDS=60 exec bash "$(dirname "$0")/../../scripts/soak.sh"
