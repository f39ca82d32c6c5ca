// SPDX-License-Identifier: GPL-2.0
/* Test-only module: a planted WARN_ON(1) that the harness must catch. */
#include <linux/module.h>
#include <linux/bug.h>

static int __init warn_test_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit warn_test_exit(void)
{
}

module_init(warn_test_init);
module_exit(warn_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhdsuite harness self-test: planted WARN_ON");
