// SPDX-License-Identifier: GPL-2.0
/*
 * The machine the tests run on: CMPXCHG16B must change no flag but ZF.
 * Debian 12's QEMU (7.2, TCG) computes the others from stale state, and
 * 6.12 guests then crashed under load with garbage in a saved EFLAGS
 * (Documentation/design.rst, "Testing under TCG"); the cluster's guests
 * have no CMPXCHG16B for that reason. A CPU without the instruction
 * passes: the kernel emulates it, with the right flags.
 */
#include <cpuid.h>

#include "kselftest_harness.h"

#define ZF 0x40UL

static bool has_cx16(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_CMPXCHG16B);
}

static _Alignas(16) unsigned __int128 mem;

/*
 * Flags after "add @v, %rax" and a cmpxchg16b (which fails: memory stays
 * 0), and after the add alone.
 */
static void flags_of(unsigned long v, unsigned long *after_cx16,
		     unsigned long *after_add)
{
	unsigned long a = 1, d = 2, b = 3, c = 4;

	/* QEMU keeps the flag state lazily; the branch stores it. */
	__asm__ volatile("cmpxchg16b %[m]\n\t"	/* fails: RAX = 0 */
		"jmp 1f\n"
		"1:\n\t"
		"add %[v], %%rax\n\t"
		"cmpxchg16b %[m]\n\t"	/* fails again */
		"pushf\n\t"
		"pop %[cx]\n\t"
		"mov $0, %%esi\n\t"
		"add %[v], %%rsi\n\t"
		"pushf\n\t"
		"pop %[add]\n\t"
		: [cx] "=&r" (*after_cx16), [add] "=&r" (*after_add),
		  [m] "+m" (mem), "+a" (a), "+d" (d), "+b" (b), "+c" (c)
		: [v] "r" (v)
		: "rsi", "cc", "memory");
}

TEST(cmpxchg16b_changes_only_zf)
{
	unsigned long cx16, add, i;

	if (!has_cx16()) {
		TH_LOG("no CMPXCHG16B: the kernel emulates it");
		return;
	}
	for (i = 0; i < 1000; i++) {
		/* Bits of IOPL, NT, AC and ID: never set by an add. */
		flags_of(0x12345000UL + i, &cx16, &add);
		ASSERT_EQ(add & ~ZF, cx16 & ~ZF) {
			TH_LOG("after cmpxchg16b %#lx, after the add %#lx",
			       cx16, add);
		}
	}
}

TEST_HARNESS_MAIN
