/* SPDX-License-Identifier: GPL-2.0 */
/* What the fuzz targets share: a policy printed to a string. */
#ifndef PC_FUZZ_POLICY_TEXT_H
#define PC_FUZZ_POLICY_TEXT_H

#include "policy.h"

/* pc_policy_print's text, to be freed; aborts if it cannot be made. */
char *fuzz_policy_text(const struct pc_policy *p);

#endif /* PC_FUZZ_POLICY_TEXT_H */
