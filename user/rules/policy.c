// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers around the parsed policy: prefixes, ports, address families,
 * the built-in default policy and freeing.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "growable_array.h"
#include "policy.h"

const char pc_default_policy[] =
	"# Built-in default policy: no direct outbound SMTP; watch the submission ports.\n"
	"block proto tcp to port 25\n"
	"monitor proto tcp to port { 465, 587, 2525 }\n";

int pc_prefix_list_add(struct pc_prefix_list *l, const struct pc_prefix *p)
{
	return pc_array_push(l, *p);
}

void pc_prefix_list_free(struct pc_prefix_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static unsigned family_bits(__u8 family)
{
	return family == PC_FAMILY_V4 ? 32 : family == PC_FAMILY_V6 ? 128 : 0;
}

bool pc_prefix_contains(const struct pc_prefix *p, __u8 family, const __u8 *addr)
{
	unsigned max = family_bits(family), full, rem;

	if (p->family != family || !max || p->len > max)
		return false;
	full = p->len / 8;
	rem = p->len % 8;
	if (memcmp(p->addr, addr, full))
		return false;
	if (rem) {
		__u8 mask = (__u8)(0xff << (8 - rem));

		if ((p->addr[full] ^ addr[full]) & mask)
			return false;
	}
	return true;
}

int pc_prefix_cmp(const struct pc_prefix *a, const struct pc_prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, a->family == PC_FAMILY_V4 ? 4 : 16);
	if (c)
		return c < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

void pc_prefix_format(char *buf, size_t size, const struct pc_prefix *p)
{
	char a[INET6_ADDRSTRLEN];
	int af = p->family == PC_FAMILY_V4 ? AF_INET : AF_INET6;

	if (!size)
		return;
	if (!family_bits(p->family) || !inet_ntop(af, p->addr, a, sizeof(a))) {
		snprintf(buf, size, "?");
		return;
	}
	if (p->len == family_bits(p->family))
		snprintf(buf, size, "%s", a);
	else
		snprintf(buf, size, "%s/%u", a, p->len);
}

void pc_policy_free(struct pc_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->ntables; i++)
		pc_prefix_list_free(&p->tables[i].prefixes);
	free(p->tables);
	for (i = 0; i < p->nrules; i++) {
		pc_prefix_list_free(&p->rules[i].src.list);
		pc_prefix_list_free(&p->rules[i].dst.list);
		free(p->rules[i].ports.v);
	}
	free(p->rules);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	memset(p, 0, sizeof(*p));
	p->malformed = PC_ACT_BLOCK;
}

static int prefix_qsort_cmp(const void *a, const void *b)
{
	return pc_prefix_cmp(a, b);
}

void pc_prefix_list_sort_unique(struct pc_prefix_list *l)
{
	size_t i, n = 0;

	if (!l->n)
		return; /* qsort(NULL, 0) is undefined */
	qsort(l->v, l->n, sizeof(l->v[0]), prefix_qsort_cmp);
	for (i = 0; i < l->n; i++)
		if (!n || pc_prefix_cmp(&l->v[n - 1], &l->v[i]))
			l->v[n++] = l->v[i];
	l->n = n;
}

static int port_cmp(const void *a, const void *b)
{
	const struct pc_port_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

void pc_port_list_sort_unique(struct pc_port_list *l)
{
	size_t i, n = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(l->v[0]), port_cmp);
	for (i = 0; i < l->n; i++)
		if (!n || port_cmp(&l->v[n - 1], &l->v[i]))
			l->v[n++] = l->v[i];
	l->n = n;
}

static unsigned list_families(const struct pc_prefix_list *l)
{
	unsigned f = 0;
	size_t i;

	for (i = 0; i < l->n && f != PC_FAMILIES_ALL; i++)
		f |= l->v[i].family == PC_FAMILY_V4 ? PC_FAMILIES_V4 : PC_FAMILIES_V6;
	return f;
}

unsigned pc_addr_families(const struct pc_policy *p, const struct pc_addr_spec *a)
{
	switch (a->kind) {
	case PC_ADDR_TABLE:
		if (a->table < 0 || (size_t)a->table >= p->ntables)
			return 0;
		return list_families(&p->tables[a->table].prefixes);
	case PC_ADDR_LIST:
		return list_families(&a->list);
	default:
		return 0;
	}
}

unsigned pc_rule_families(const struct pc_policy *p, const struct pc_rule_ast *r)
{
	unsigned src = pc_addr_families(p, &r->src), dst = pc_addr_families(p, &r->dst);

	/* Negation keeps the family, as in pf: "to ! 198.51.100.0/24" is
	 * every IPv4 address but those, never an IPv6 one. */
	return (src ? src : PC_FAMILIES_ALL) & (dst ? dst : PC_FAMILIES_ALL);
}
