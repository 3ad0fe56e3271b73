// SPDX-License-Identifier: GPL-2.0
/* Test frames: builder, random generator and mutator. See pkt.h. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "pkt.h"

/* ---- PRNG ------------------------------------------------------------ */

void rng_seed(struct rng *r, uint64_t seed)
{
	/* splitmix64 once, so that small seeds still give a busy state. */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	r->s = z ? z : 0x2545f4914f6cdd1dull;
}

uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)((rng_next(r) >> 32) % n) : 0;
}

int rng_chance(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

/* ---- builder --------------------------------------------------------- */

struct writer {
	uint8_t *b;
	size_t cap, len;
	int err;
};

/* Where writes go once the frame no longer fits: larger than any one put. */
static uint8_t scratch[1 << 17];

/* n zeroed bytes at the end of the frame. */
static uint8_t *put(struct writer *w, size_t n)
{
	uint8_t *p;

	if (w->err || w->len + n > w->cap) {
		w->err = 1;
		return scratch;
	}
	p = w->b + w->len;
	memset(p, 0, n);
	w->len += n;
	return p;
}

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

static size_t round4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t ext_size(const struct pkt_ext *e)
{
	if (e->type == PKT_EXT_FRAG)
		return 8;
	if (e->type == PKT_EXT_AH)
		return ((size_t)e->len + 2) * 4;
	return ((size_t)e->len + 1) * 8;
}

/* Writes the L4 header (if any) and the payload. */
static void build_l4(const struct pkt_desc *d, struct writer *w)
{
	size_t start = w->len, n, i;
	uint8_t *h;

	switch (d->proto) {
	case 6: {
		size_t hlen = 20 + round4(d->tcp_opt);

		h = put(w, hlen);
		wr16(h, d->sport);
		wr16(h + 2, d->dport);
		wr32(h + 4, 0x12345678);
		wr32(h + 8, (d->tcp_flags & PKT_ACK) ? 0x9abcdef0 : 0);
		h[12] = (uint8_t)((d->doff ? d->doff : hlen / 4) << 4);
		h[13] = d->tcp_flags;
		wr16(h + 14, 65535);
		memset(h + 20, 1, hlen - 20); /* NOP */
		if (hlen >= 24 && (d->tcp_flags & PKT_SYN)) {
			h[20] = 2; /* MSS 1460 */
			h[21] = 4;
			wr16(h + 22, 1460);
		}
		break;
	}
	case 17:
		h = put(w, 8);
		wr16(h, d->sport);
		wr16(h + 2, d->dport);
		wr16(h + 4, 8 + d->payload);
		break;
	case 1:
	case 58:
		h = put(w, 8);
		h[0] = d->proto == 1 ? 8 : 128; /* echo request */
		wr16(h + 4, 0x4242);
		wr16(h + 6, 1);
		break;
	default:
		break;
	}
	n = d->payload;
	h = put(w, n);
	for (i = 0; i < n; i++)
		h[i] = (uint8_t)(start + i);
}

size_t pkt_build(const struct pkt_desc *d, uint8_t *buf, size_t cap)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct writer w = { .b = buf, .cap = cap };
	uint8_t *h, *type;
	unsigned etype = d->ethertype;
	size_t l3, i;
	int n = d->nvlan > PKT_MAX_VLAN ? PKT_MAX_VLAN : d->nvlan;

	h = put(&w, 14);
	memcpy(h, dmac, 6);
	memcpy(h + 6, smac, 6);
	type = h + 12;
	for (i = 0; i < (size_t)n; i++) {
		unsigned tpid = d->tpid[i];

		if (!tpid)
			tpid = i + 1 < (size_t)n ? PKT_ETH_8021AD : PKT_ETH_8021Q;
		wr16(type, tpid);
		h = put(&w, 4);
		wr16(h, d->vid[i] & 0x0fff);
		type = h + 2;
	}
	if (!etype) {
		switch (d->l3) {
		case PKT_L3_IPV4:
			etype = PKT_ETH_IPV4;
			break;
		case PKT_L3_IPV6:
			etype = PKT_ETH_IPV6;
			break;
		case PKT_L3_ARP:
			etype = PKT_ETH_ARP;
			break;
		default:
			etype = 0x88b5; /* IEEE local experimental */
			break;
		}
	}
	wr16(type, etype);

	l3 = w.len;
	switch (d->l3) {
	case PKT_L3_IPV4: {
		size_t hlen = 20 + round4(d->opt_len);

		h = put(&w, hlen);
		h[0] = (uint8_t)(((d->version ? d->version : 4) << 4) |
				 ((d->ihl ? d->ihl : hlen / 4) & 0x0f));
		wr16(h + 4, 0x1c46);
		wr16(h + 6, d->frag);
		h[8] = 64;
		h[9] = d->proto;
		memcpy(h + 12, d->src, 4);
		memcpy(h + 16, d->dst, 4);
		memset(h + 20, 1, hlen - 20); /* NOP options */
		build_l4(d, &w);
		if (!w.err)
			wr16(w.b + l3 + 2, d->tot_len ? d->tot_len : w.len - l3);
		break;
	}
	case PKT_L3_IPV6: {
		uint8_t *nh;
		int k, m = d->next_ext > PKT_MAX_EXT ? PKT_MAX_EXT : d->next_ext;

		h = put(&w, 40);
		h[0] = (uint8_t)((d->version ? d->version : 6) << 4);
		h[7] = 64;
		memcpy(h + 8, d->src, 16);
		memcpy(h + 24, d->dst, 16);
		nh = h + 6;
		for (k = 0; k < m; k++) {
			const struct pkt_ext *e = &d->ext[k];

			*nh = e->type;
			h = put(&w, ext_size(e));
			if (e->type == PKT_EXT_FRAG) {
				wr16(h + 2, (unsigned)(e->frag_off << 3) | (e->more ? 1 : 0));
				wr32(h + 4, 0xfeedf00d);
			} else {
				h[1] = e->len;
			}
			nh = h;
		}
		*nh = d->proto;
		build_l4(d, &w);
		if (!w.err)
			wr16(w.b + l3 + 4, d->tot_len ? d->tot_len : w.len - l3 - 40);
		break;
	}
	case PKT_L3_ARP:
		h = put(&w, 28);
		wr16(h, 1);
		wr16(h + 2, PKT_ETH_IPV4);
		h[4] = 6;
		h[5] = 4;
		wr16(h + 6, 1); /* request */
		memcpy(h + 8, smac, 6);
		memcpy(h + 14, d->src, 4);
		memcpy(h + 24, d->dst, 4);
		break;
	default: {
		size_t k;

		h = put(&w, d->payload);
		for (k = 0; k < d->payload; k++)
			h[k] = (uint8_t)k;
		break;
	}
	}
	put(&w, d->pad);
	if (w.err)
		return 0;
	if (d->trunc && d->trunc < w.len)
		return d->trunc;
	return w.len;
}

size_t pkt_l4_offset(const struct pkt_desc *d)
{
	size_t off = 14 + 4 * (size_t)(d->nvlan > PKT_MAX_VLAN ? PKT_MAX_VLAN : d->nvlan);
	int k, m = d->next_ext > PKT_MAX_EXT ? PKT_MAX_EXT : d->next_ext;

	if (d->l3 == PKT_L3_IPV4)
		return off + 20 + round4(d->opt_len);
	if (d->l3 != PKT_L3_IPV6)
		return off;
	off += 40;
	for (k = 0; k < m; k++)
		off += ext_size(&d->ext[k]);
	return off;
}

int pkt_addr(uint8_t out[16], const char *s)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return PC_FAMILY_V4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return PC_FAMILY_V6;
	return 0;
}

int pkt_prefix(struct pc_prefix *out, const char *s)
{
	const char *slash = strchr(s, '/');
	char addr[64];

	memset(out, 0, sizeof(*out));
	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return -1;
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	out->family = pkt_addr(out->addr, addr);
	out->len = atoi(slash + 1);
	return out->family ? 0 : -1;
}

struct pc_prefix pkt_prefix_in(__u8 family, const __u8 pool[16], int plen, int lo, int hi)
{
	struct pc_prefix p = { .family = family };
	int b, width = family == PC_FAMILY_V4 ? 32 : 128;

	p.len = lo + random() % (hi - lo + 1);
	memcpy(p.addr, pool, 16);
	for (b = plen; b < width; b++) {
		__u8 m = 0x80 >> (b % 8);

		if (b < p.len && random() & 1)
			p.addr[b / 8] |= m;
		else if (b >= p.len)
			p.addr[b / 8] &= ~m;
	}
	return p;
}

void pkt_desc_l4(struct pkt_desc *d, const char *src, const char *dst, uint8_t proto,
		 uint16_t dport, uint8_t tcp_flags)
{
	memset(d, 0, sizeof(*d));
	d->l3 = pkt_addr(d->src, src) == PC_FAMILY_V6 ? PKT_L3_IPV6 : PKT_L3_IPV4;
	pkt_addr(d->dst, dst);
	d->proto = proto;
	d->sport = 40000;
	d->dport = dport;
	d->tcp_flags = tcp_flags;
}

void pkt_hex(FILE *out, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fprintf(out, "%02x", buf[i]);
	fputc('\n', out);
}

/* ---- random frames --------------------------------------------------- */

/* The k-th prefix of this family that the policy names (tables first,
 * then inline lists), or the count of them when k < 0. */
static size_t policy_prefix(const struct pc_policy *p, int family, long k,
			    const struct pc_prefix **out)
{
	size_t n = 0, i, j;

	if (!p)
		return 0;
	for (i = 0; i < p->ntables; i++)
		for (j = 0; j < p->tables[i].prefixes.n; j++)
			if (p->tables[i].prefixes.v[j].family == family && n++ == (size_t)k) {
				*out = &p->tables[i].prefixes.v[j];
				return n;
			}
	for (i = 0; i < p->nrules; i++) {
		const struct pc_addr_spec *s[2] = { &p->rules[i].src, &p->rules[i].dst };
		int t;

		for (t = 0; t < 2; t++) {
			if (s[t]->kind != PC_ADDR_LIST)
				continue;
			for (j = 0; j < s[t]->list.n; j++)
				if (s[t]->list.v[j].family == family && n++ == (size_t)k) {
					*out = &s[t]->list.v[j];
					return n;
				}
		}
	}
	return n;
}

/* addr +1 or -1 as a big-endian integer of nbytes bytes. */
static void addr_step(uint8_t *a, int nbytes, int up)
{
	int i;

	for (i = nbytes - 1; i >= 0; i--) {
		if (up) {
			if (++a[i] != 0)
				break;
		} else {
			if (a[i]-- != 0)
				break;
		}
	}
}

static void random_addr(struct rng *r, const struct pc_policy *p, int family, uint8_t *a)
{
	int nbytes = family == PC_FAMILY_V4 ? 4 : 16, i;
	size_t n = policy_prefix(p, family, -1, NULL);
	const struct pc_prefix *pf = NULL;

	memset(a, 0, 16);
	if (n == 0 || rng_chance(r, 25)) {
		static const uint8_t v4[][4] = {
			{ 100, 64, 0, 0 }, { 198, 51, 100, 0 }, { 203, 0, 113, 0 },
			{ 192, 0, 2, 0 },  { 10, 0, 0, 0 },     { 8, 8, 8, 0 },
		};
		for (i = 0; i < nbytes; i++)
			a[i] = (uint8_t)rng_next(r);
		if (rng_chance(r, 50)) {
			if (family == PC_FAMILY_V4) {
				memcpy(a, v4[rng_below(r, sizeof(v4) / sizeof(v4[0]))], 3);
			} else {
				a[0] = 0x20;
				a[1] = 0x01;
				a[2] = 0x0d;
				a[3] = 0xb8;
			}
		}
		return;
	}
	policy_prefix(p, family, rng_below(r, (uint32_t)n), &pf);
	memcpy(a, pf->addr, nbytes);
	/* Host bits: random, all zero (first) or all one (last). */
	{
		int kind = (int)rng_below(r, 6);

		for (i = pf->len; i < nbytes * 8; i++) {
			int bit;

			if (kind == 0 || kind == 4)
				bit = 0;
			else if (kind == 1 || kind == 5)
				bit = 1;
			else
				bit = (int)(rng_next(r) & 1);
			if (bit)
				a[i / 8] |= (uint8_t)(0x80 >> (i % 8));
			else
				a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
		}
		if (kind == 4) /* just below the prefix */
			addr_step(a, nbytes, 0);
		else if (kind == 5) /* just above */
			addr_step(a, nbytes, 1);
	}
}

static uint16_t random_port(struct rng *r, const struct pc_policy *p)
{
	static const uint16_t common[] = { 25, 587, 465, 2525, 80, 443, 53, 0, 65535, 1024, 1023 };
	size_t n = 0, i, k;

	if (p)
		for (i = 0; i < p->nrules; i++)
			n += p->rules[i].ports.n;
	if (n && rng_chance(r, 75)) {
		k = rng_below(r, (uint32_t)n);
		for (i = 0; i < p->nrules; i++) {
			if (k < p->rules[i].ports.n) {
				const struct pc_port_range *pr = &p->rules[i].ports.v[k];

				switch (rng_below(r, 5)) {
				case 0:
					return pr->lo;
				case 1:
					return pr->hi;
				case 2:
					return (uint16_t)(pr->lo - 1);
				case 3:
					return (uint16_t)(pr->hi + 1);
				default:
					return (uint16_t)(pr->lo + rng_below(r, pr->hi - pr->lo + 1u));
				}
			}
			k -= p->rules[i].ports.n;
		}
	}
	if (rng_chance(r, 60))
		return common[rng_below(r, sizeof(common) / sizeof(common[0]))];
	return (uint16_t)rng_next(r);
}

static uint8_t random_proto(struct rng *r, int family)
{
	static const uint8_t odd[] = { 0, 2, 4, 41, 43, 44, 47, 50, 51, 59, 60, 132, 255 };
	uint32_t x = rng_below(r, 100);

	if (x < 55)
		return 6;
	if (x < 85)
		return 17;
	if (x < 92)
		return family == PC_FAMILY_V4 ? 1 : 58;
	return odd[rng_below(r, sizeof(odd) / sizeof(odd[0]))];
}

static void random_ext(struct rng *r, struct pkt_desc *d)
{
	static const uint8_t types[] = { PKT_EXT_HOP, PKT_EXT_RT, PKT_EXT_FRAG, PKT_EXT_AH,
					 PKT_EXT_DST };
	uint32_t x = rng_below(r, 10);
	int n, i;

	/* Mostly short chains, but often right at and past the limit. */
	if (x < 6)
		n = 1 + (int)rng_below(r, 3);
	else if (x < 8)
		n = PC_MAX_EXTHDR;
	else
		n = PC_MAX_EXTHDR + 1 + (int)rng_below(r, 2);
	if (rng_chance(r, 20))
		n = 1 + (int)rng_below(r, PKT_MAX_EXT);
	d->next_ext = (uint8_t)n;
	for (i = 0; i < n; i++) {
		struct pkt_ext *e = &d->ext[i];

		e->type = types[rng_below(r, sizeof(types))];
		/* Now and then long enough to push the ports past 512 bytes. */
		e->len = (uint8_t)(rng_chance(r, 70) ? 0 : rng_chance(r, 85) ? rng_below(r, 4) :
								      rng_below(r, 80));
		if (e->type == PKT_EXT_FRAG) {
			e->frag_off = rng_chance(r, 50) ? 0 : (uint16_t)(1 + rng_below(r, 8191));
			e->more = (uint8_t)rng_chance(r, 60);
		}
	}
}

size_t pkt_random(struct rng *r, const struct pc_policy *p, uint8_t *buf, size_t cap)
{
	struct pkt_desc d;
	uint32_t x;
	int family, i;
	size_t len;

	memset(&d, 0, sizeof(d));
	x = rng_below(r, 100);
	if (x < 46)
		d.l3 = PKT_L3_IPV4;
	else if (x < 92)
		d.l3 = PKT_L3_IPV6;
	else if (x < 96)
		d.l3 = PKT_L3_ARP;
	else
		d.l3 = PKT_L3_NONE;
	family = d.l3 == PKT_L3_IPV6 ? PC_FAMILY_V6 : PC_FAMILY_V4;

	x = rng_below(r, 100);
	d.nvlan = x < 70 ? 0 : x < 84 ? 1 : x < 97 ? 2 : 3;
	for (i = 0; i < d.nvlan; i++) {
		d.vid[i] = (uint16_t)rng_below(r, 4096);
		if (rng_chance(r, 15))
			d.tpid[i] = rng_chance(r, 50) ? PKT_ETH_8021Q : PKT_ETH_8021AD;
	}
	if (rng_chance(r, 2)) /* a random ethertype, or the other IP version's */
		d.ethertype = (uint16_t)(rng_chance(r, 50) ? rng_next(r) :
					 d.l3 == PKT_L3_IPV6 ? PKT_ETH_IPV4 : PKT_ETH_IPV6);

	random_addr(r, p, family, d.src);
	random_addr(r, p, family, d.dst);
	d.proto = random_proto(r, family);
	d.sport = (uint16_t)(rng_chance(r, 90) ? 1024 + rng_below(r, 64512) : rng_next(r));
	d.dport = random_port(r, p);

	x = rng_below(r, 100);
	if (x < 40)
		d.tcp_flags = PKT_SYN;
	else if (x < 55)
		d.tcp_flags = PKT_SYN | PKT_ACK;
	else if (x < 80)
		d.tcp_flags = rng_chance(r, 50) ? PKT_ACK : PKT_ACK | PKT_PSH;
	else if (x < 88)
		d.tcp_flags = rng_chance(r, 50) ? PKT_RST : PKT_FIN | PKT_ACK;
	else
		d.tcp_flags = (uint8_t)rng_next(r);
	if (rng_chance(r, 15))
		d.tcp_opt = (uint8_t)(4 * (1 + rng_below(r, 10)));

	if (d.l3 == PKT_L3_IPV4) {
		if (rng_chance(r, 15))
			d.opt_len = (uint8_t)(4 * (1 + rng_below(r, 10)));
		x = rng_below(r, 100);
		if (x < 25)
			d.frag = PKT_IP_DF;
		else if (x < 33)
			d.frag = PKT_IP_MF; /* a first fragment */
		else if (x < 43)
			d.frag = (uint16_t)((rng_chance(r, 50) ? PKT_IP_MF : 0) |
					    (1 + rng_below(r, 0x1fff)));
	} else if (d.l3 == PKT_L3_IPV6 && rng_chance(r, 30)) {
		random_ext(r, &d);
	}

	d.payload = (uint16_t)(rng_chance(r, 30) ? 0 : rng_chance(r, 95) ? rng_below(r, 120) :
									 rng_below(r, 1400));
	if (d.l3 == PKT_L3_NONE)
		d.payload = (uint16_t)rng_below(r, 64);
	if (rng_chance(r, 3))
		d.tot_len = (uint16_t)(rng_chance(r, 50) ? rng_below(r, 64) : rng_next(r));
	if (rng_chance(r, 8))
		d.pad = (uint16_t)(1 + rng_below(r, 32));

	len = pkt_build(&d, buf, cap);
	if (len == 0)
		return 0;
	/* A cut frame, often cut inside the L4 header (RFC 1858). */
	if (rng_chance(r, 6) && len > 14)
		len = 14 + rng_below(r, (uint32_t)(len - 14));
	return len;
}

/* ---- mutation -------------------------------------------------------- */

/* Offset of the L3 header and its ethertype, skipping up to 3 tags. */
static size_t find_l3(const uint8_t *b, size_t len, unsigned *type)
{
	size_t off = 14;
	int i;

	if (len < 14)
		return 0;
	*type = ((unsigned)b[12] << 8) | b[13];
	for (i = 0; i < 3 && (*type == PKT_ETH_8021Q || *type == PKT_ETH_8021AD); i++) {
		if (off + 4 > len)
			return 0;
		*type = ((unsigned)b[off + 2] << 8) | b[off + 3];
		off += 4;
	}
	return off < len ? off : 0;
}

size_t pkt_mutate(struct rng *r, uint8_t *buf, size_t len, size_t cap, size_t min_len)
{
	unsigned type = 0;
	size_t l3 = find_l3(buf, len, &type), l4 = 0, i, n;

	if (l3 && type == PKT_ETH_IPV4 && l3 + 20 <= len && buf[l3 + 9] == 6)
		l4 = l3 + (size_t)(buf[l3] & 0x0f) * 4;
	else if (l3 && type == PKT_ETH_IPV6 && l3 + 40 <= len && buf[l3 + 6] == 6)
		l4 = l3 + 40;
	if (l4 + 14 > len)
		l4 = 0;

	switch (rng_below(r, 9)) {
	case 0: /* flip bytes anywhere */
		n = 1 + rng_below(r, 4);
		for (i = 0; i < n && len; i++)
			buf[rng_below(r, (uint32_t)len)] ^= (uint8_t)(1 + rng_below(r, 255));
		break;
	case 1: /* flip bytes in the headers */
		n = 1 + rng_below(r, 3);
		for (i = 0; i < n && len; i++)
			buf[rng_below(r, (uint32_t)(len < 100 ? len : 100))] ^=
				(uint8_t)(1 << rng_below(r, 8));
		break;
	case 2: /* truncate */
		if (len > min_len)
			len = min_len + rng_below(r, (uint32_t)(len - min_len));
		break;
	case 3: /* IHL */
		if (l3 && type == PKT_ETH_IPV4)
			buf[l3] = (uint8_t)((buf[l3] & 0xf0) | rng_below(r, 16));
		break;
	case 4: /* doff */
		if (l4)
			buf[l4 + 12] = (uint8_t)((buf[l4 + 12] & 0x0f) | (rng_below(r, 16) << 4));
		break;
	case 5: /* version */
		if (l3)
			buf[l3] = (uint8_t)((buf[l3] & 0x0f) | (rng_below(r, 16) << 4));
		break;
	case 6: /* the IPv4 total length or IPv6 payload length */
		if (l3 && type == PKT_ETH_IPV4 && l3 + 4 <= len) {
			buf[l3 + 2] = (uint8_t)rng_below(r, 3);
			buf[l3 + 3] = (uint8_t)rng_next(r);
		} else if (l3 && l3 + 6 <= len) {
			buf[l3 + 4] = (uint8_t)rng_next(r);
			buf[l3 + 5] = (uint8_t)rng_next(r);
		}
		break;
	case 7: { /* a protocol / next header to something interesting */
		static const uint8_t nh[] = { 0, 6, 17, 43, 44, 51, 58, 59, 60, 1 };

		if (l3 && type == PKT_ETH_IPV4 && l3 + 10 <= len)
			buf[l3 + 9] = nh[rng_below(r, sizeof(nh))];
		else if (l3 && type == PKT_ETH_IPV6 && l3 + 7 <= len)
			buf[l3 + 6] = nh[rng_below(r, sizeof(nh))];
		break;
	}
	default: /* grow with random bytes */
		n = rng_below(r, 64);
		if (len + n > cap)
			n = cap - len;
		for (i = 0; i < n; i++)
			buf[len + i] = (uint8_t)rng_next(r);
		len += n;
		break;
	}
	return len;
}

void pkt_policy_drop_never_matching(struct pc_policy *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nrules; i++) {
		struct pc_rule_ast *r = &p->rules[i];

		if (pc_rule_families(p, r)) {
			p->rules[n++] = *r;
			continue;
		}
		pc_prefix_list_free(&r->src.list);
		pc_prefix_list_free(&r->dst.list);
		free(r->ports.v);
	}
	p->nrules = n;
}
