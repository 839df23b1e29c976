/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check.h - the unit tests' reporting, read by scripts/run-tests.sh.
 *
 * Each test case prints one line: "PASS: name", "FAIL: name: why" or
 * "SKIP: name: why". CHECK() records a failure with file and line and lets
 * the case go on; a program exits 1 if any case failed.
 */
#ifndef RTPE_CHECK_H
#define RTPE_CHECK_H

#include <stdio.h>

static int check_failures;     /* failed cases in this program */
static int check_case_failed;  /* CHECK failures in the running case */
static const char *check_case; /* name of the running case */

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			if (!check_case_failed++)                            \
				printf("FAIL: %s: ", check_case);            \
			else                                                 \
				printf("      also: ");                      \
			printf("%s:%d: ", __FILE__, __LINE__);               \
			printf(__VA_ARGS__);                                 \
			printf(" [%s]\n", #cond);                            \
		}                                                            \
	} while (0)

#define CASE_BEGIN(name)                                                     \
	do {                                                                 \
		check_case = (name);                                         \
		check_case_failed = 0;                                       \
	} while (0)

#define CASE_END()                                                           \
	do {                                                                 \
		if (check_case_failed)                                       \
			check_failures++;                                    \
		else                                                         \
			printf("PASS: %s\n", check_case);                    \
		fflush(stdout);                                              \
	} while (0)

#define CASE_SKIP(name, why)                                                 \
	do {                                                                 \
		printf("SKIP: %s: %s\n", (name), (why));                     \
		fflush(stdout);                                              \
	} while (0)

#define CHECK_EXIT() return check_failures ? 1 : 0

#endif
