// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "progress.h"

#define TICK_NS (100 * 1000000L) /* redraw ten times a second */
#define AFTER_MS 1000		 /* draw nothing in the first second */
#define LINE_MAX_LEN 200

/*
 * For the tests only, not for operators: PORTCULLIS_PROGRESS_AFTER_MS
 * replaces the one second that an operation must last before its line
 * is drawn. With 0, each phase is drawn as it begins, so that a test sees
 * the line of a quick apply without timing anything.
 */
#define AFTER_ENV "PORTCULLIS_PROGRESS_AFTER_MS"

/* Written by the command's thread alone, read by the ticker. */
static size_t done_count;

/* The phase, and what its line left on the terminal: under mu. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static struct {
	char label[128], unit[32];
	size_t total;
	double started;
	int width;   /* of the terminal */
	size_t shown; /* characters of the line on screen; 0: none */
	bool stop;   /* the ticker is to return */
} ph;

/* The command's thread alone. */
static int enabled = -1; /* not known yet */
static double after_s;
static double op_started; /* by the first phase: the ticker reads it */
static bool active;	  /* a phase is on, with its line */
static bool ticking;	  /* and its ticker thread */
static pthread_t ticker;

void pc_format_count(char *buf, size_t size, size_t n)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%zu", n), i;
	size_t o = 0;

	if (!size)
		return;
	for (i = 0; i < len && o + 1 < size; i++) {
		if (i && (len - i) % 3 == 0) {
			buf[o++] = ',';
			if (o + 1 >= size)
				break;
		}
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

int pc_progress_format(char *buf, size_t size, const char *label, const char *unit,
		       size_t done, size_t total, double elapsed_s)
{
	const char *sp = unit ? " " : "", *u = unit ? unit : "";
	char d[32], t[32], counts[128] = "";

	pc_format_count(d, sizeof(d), done);
	pc_format_count(t, sizeof(t), total);
	if (total && done)
		snprintf(counts, sizeof(counts), "%s of %s%s%s (%u%%), ", d, t, sp, u,
			 done >= total ? 100 : (unsigned)((double)done * 100 / total));
	else if (total || done)
		snprintf(counts, sizeof(counts), "%s%s%s, ", total ? t : d, sp, u);
	return snprintf(buf, size, "%s... %s%.1f s", label, counts, elapsed_s);
}

static void put(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Redraw the line in place, over whatever it showed before. */
static void draw_locked(double now)
{
	char line[LINE_MAX_LEN], out[2 * LINE_MAX_LEN + 2];
	size_t n, k, o = 0;
	int len;

	if (now - op_started < after_s)
		return;
	len = pc_progress_format(line, sizeof(line), ph.label, ph.unit[0] ? ph.unit : NULL,
				 __atomic_load_n(&done_count, __ATOMIC_RELAXED), ph.total,
				 now - ph.started);
	if (len <= 0)
		return;
	n = (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1;
	/* Never wider than the terminal, or '\r' would return to the
	 * second row of a wrapped line. */
	if (n >= (size_t)ph.width)
		n = (size_t)ph.width - 1;
	out[o++] = '\r';
	memcpy(out + o, line, n);
	o += n;
	/* Blank out the end of a longer line drawn before. */
	for (k = n; k < ph.shown && o < sizeof(out); k++)
		out[o++] = ' ';
	put(out, o);
	ph.shown = n;
}

static void erase_locked(void)
{
	char out[LINE_MAX_LEN + 2];
	size_t k, o = 0;

	if (!ph.shown)
		return;
	out[o++] = '\r';
	for (k = 0; k < ph.shown && o < sizeof(out) - 1; k++)
		out[o++] = ' ';
	out[o++] = '\r';
	put(out, o);
	ph.shown = 0;
}

static void *tick(void *unused)
{
	struct timespec at;

	pthread_mutex_lock(&mu);
	clock_gettime(CLOCK_MONOTONIC, &at);
	while (!ph.stop) {
		at.tv_nsec += TICK_NS;
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		while (!ph.stop && pthread_cond_timedwait(&wake, &mu, &at) != ETIMEDOUT)
			;
		if (!ph.stop)
			draw_locked(pc_monotonic_s());
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* A command ended by ^C or kill while its line shows: the line is erased,
 * then the signal does what it would have done. Only where the command
 * left the default action in place. */
static const int end_signals[] = { SIGINT, SIGTERM };
static struct sigaction saved[sizeof(end_signals) / sizeof(end_signals[0])];
static bool caught[sizeof(end_signals) / sizeof(end_signals[0])];

static void on_end_signal(int sig)
{
	char blank[LINE_MAX_LEN + 2];
	size_t i, n = (size_t)ph.width < sizeof(blank) - 1 ? (size_t)ph.width + 1 : sizeof(blank);

	/* Blanks as wide as the line can be: nothing here may take the
	 * lock to learn how much of it shows. */
	if (__atomic_load_n(&ph.shown, __ATOMIC_RELAXED)) {
		memset(blank, ' ', n);
		blank[0] = blank[n - 1] = '\r';
		put(blank, n);
	}
	for (i = 0; i < sizeof(end_signals) / sizeof(end_signals[0]); i++)
		if (end_signals[i] == sig)
			sigaction(sig, &saved[i], NULL);
	raise(sig); /* delivered when the handler returns */
}

static void catch_end_signals(bool on)
{
	struct sigaction sa = { .sa_handler = on_end_signal };
	size_t i;

	for (i = 0; i < sizeof(end_signals) / sizeof(end_signals[0]); i++) {
		if (on && !caught[i]) {
			caught[i] = !sigaction(end_signals[i], NULL, &saved[i]) &&
				    saved[i].sa_handler == SIG_DFL &&
				    !sigaction(end_signals[i], &sa, NULL);
		} else if (!on && caught[i]) {
			sigaction(end_signals[i], &saved[i], NULL);
			caught[i] = false;
		}
	}
}

static int terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static bool is_enabled(void)
{
	pthread_condattr_t ca;
	const char *env;
	char *end;
	long ms;

	if (enabled >= 0)
		return enabled;
	enabled = pc_verbosity >= 0 && isatty(STDERR_FILENO);
	if (!enabled)
		return false;
	env = getenv(AFTER_ENV);
	ms = env && *env ? strtol(env, &end, 10) : AFTER_MS;
	if (env && *env && (*end || ms < 0))
		ms = AFTER_MS;
	after_s = ms / 1000.0;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &ca);
	pthread_condattr_destroy(&ca);
	return true;
}

void pc_progress_begin(const char *label, const char *unit, size_t total)
{
	sigset_t all, old;
	double now;

	pc_progress_end();
	if (!is_enabled())
		return;
	now = pc_monotonic_s();
	if (!op_started)
		op_started = now;
	pthread_mutex_lock(&mu);
	snprintf(ph.label, sizeof(ph.label), "%s", label);
	snprintf(ph.unit, sizeof(ph.unit), "%s", unit ? unit : "");
	ph.total = total;
	ph.started = now;
	ph.width = terminal_width();
	ph.stop = false;
	__atomic_store_n(&done_count, 0, __ATOMIC_RELAXED);
	draw_locked(now);
	pthread_mutex_unlock(&mu);
	active = true;
	catch_end_signals(true);
	/* Signals are for the command's thread, never the ticker. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ticking = !pthread_create(&ticker, NULL, tick, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void pc_progress_update(size_t done)
{
	__atomic_store_n(&done_count, done, __ATOMIC_RELAXED);
}

void pc_progress_add(size_t n)
{
	/* One writer: a load and a store, no locked instruction. */
	__atomic_store_n(&done_count, __atomic_load_n(&done_count, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

void pc_progress_end(void)
{
	if (!active)
		return;
	if (ticking) {
		pthread_mutex_lock(&mu);
		ph.stop = true;
		pthread_cond_signal(&wake);
		pthread_mutex_unlock(&mu);
		pthread_join(ticker, NULL);
		ticking = false;
	}
	pthread_mutex_lock(&mu);
	erase_locked();
	pthread_mutex_unlock(&mu);
	catch_end_signals(false);
	active = false;
}

void pc_progress_hold(void)
{
	if (!active)
		return;
	pthread_mutex_lock(&mu);
	erase_locked();
}

void pc_progress_release(void)
{
	if (!active)
		return;
	draw_locked(pc_monotonic_s());
	pthread_mutex_unlock(&mu);
}
