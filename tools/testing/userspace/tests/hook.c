// SPDX-License-Identifier: GPL-2.0
#include "pa_tests.h"

const struct pa_case pa_hook_cases[] = {
	{ }
};
