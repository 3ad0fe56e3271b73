// SPDX-License-Identifier: GPL-2.0
#include "lint.h"

void pc_policy_lint(const struct pc_policy *p, struct pc_diag *d)
{
}
