// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the Kexec HandOver memory tracker, memory map writer and
 * finalize/abort state machine.
 */
#include <kunit/test.h>

#include "kexec_handover_internal.h"

static void kho_test_placeholder(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kho_range_order(0, 1), 0U);
}

static struct kunit_case kho_test_cases[] = {
	KUNIT_CASE(kho_test_placeholder),
	{}
};

static struct kunit_suite kho_test_suite = {
	.name = "kexec_handover",
	.test_cases = kho_test_cases,
};
kunit_test_suite(kho_test_suite);

MODULE_DESCRIPTION("KUnit tests for Kexec HandOver");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KHO_TESTS);
