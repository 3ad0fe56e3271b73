/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Warnings about likely mistakes in a policy that parses and compiles: an
 * empty policy, a rule that repeats an earlier one, and a rule that an
 * earlier one shadows entirely. Conservative: a warning is always true,
 * though not every shadowed rule is found.
 */
#ifndef PC_LINT_H
#define PC_LINT_H

#include "policy.h"

/* p must be as the parser leaves it: lists and tables normalised. */
void pc_policy_lint(const struct pc_policy *p, struct pc_diag *d);

#endif /* PC_LINT_H */
