/*
 * kiosk_gpio: see kiosk_gpio.h.
 */
#include "kiosk_gpio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "debounce.h"
#include "dispenser.h"
#include "gpio.h"
#include "log.h"
#include "signal_pattern.h"
#include "sync_client.h"

#define MAX_GPIO_FDS 4
#define EDGE_BATCH 256

struct kiosk_gpio {
	struct kiosk *k;
	struct event_loop *loop;
	struct gpio *gpio;
	struct gpio_config cfg;
	int fds[MAX_GPIO_FDS];
	size_t n_fds;

	struct signal_player player;
	int pattern_timer;

	struct debounce button[GPIO_INPUT_COUNT];
	int debounce_timer[GPIO_INPUT_COUNT];

	struct dispenser dispenser;
	int dispenser_timer;
	bool has_relay;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void emit(struct kiosk *k, json_t *event)
{
	if (k->emit)
		k->emit(k->emit_ctx, event);
	json_decref(event);
}

/* Arms a one-shot timerfd for monotonic time at_ms (0: disarm). */
static void arm(int fd, int64_t at_ms)
{
	if (fd < 0)
		return;
	struct itimerspec spec;
	memset(&spec, 0, sizeof(spec));
	if (at_ms > 0) {
		spec.it_value.tv_sec = at_ms / 1000;
		spec.it_value.tv_nsec = (at_ms % 1000) * 1000000;
	}
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL) != 0)
		log_warn("gpio: timer: %s", strerror(errno));
}

/* Reads a timerfd's expirations so that it stops being readable. */
static void drain(int fd)
{
	uint64_t n;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("gpio: timer read: %s", strerror(errno));
}

static int timer_new(struct kiosk_gpio *g, event_fd_fn fn)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0 || event_loop_add(g->loop, fd, EPOLLIN, fn, g) != 0) {
		log_error("gpio: cannot create a timer: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void timer_free(struct kiosk_gpio *g, int *fd)
{
	if (*fd < 0)
		return;
	event_loop_remove(g->loop, *fd);
	close(*fd);
	*fd = -1;
}

/* ---- LEDs and buzzer ---- */

static void set_standing_leds(struct kiosk_gpio *g)
{
	struct kiosk *k = g->k;
	int64_t stock = 0;
	bool in_service = k->store != NULL;
	if (in_service && store_stock(k->store, &stock) != 0)
		in_service = false;
	struct signal_leds leds = signal_idle_leds(in_service, k->reader_state == READER_STATE_OK,
						   stock > 0);
	gpio_set(g->gpio, GPIO_OUT_LED_GREEN, leds.green);
	gpio_set(g->gpio, GPIO_OUT_LED_RED, leds.red);
	gpio_set(g->gpio, GPIO_OUT_BUZZER, false);
}

static void play_step(struct kiosk_gpio *g, const struct signal_step *step)
{
	if (!step) {
		arm(g->pattern_timer, 0);
		set_standing_leds(g);
		return;
	}
	gpio_set(g->gpio, GPIO_OUT_BUZZER, step->buzzer);
	gpio_set(g->gpio, GPIO_OUT_LED_GREEN, step->green);
	gpio_set(g->gpio, GPIO_OUT_LED_RED, step->red);
	arm(g->pattern_timer, now_ms() + step->ms);
}

static void on_pattern_timer(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct kiosk_gpio *g = arg;
	drain(fd);
	play_step(g, signal_player_next(&g->player));
}

void kiosk_gpio_signal(struct kiosk *k, const char *result)
{
	struct kiosk_gpio *g = k->gpio;
	if (!g)
		return;
	/* A new result cuts the last pattern short: the person in front now matters. */
	play_step(g, signal_player_start(&g->player, signal_kind_for_result(result)));
}

void kiosk_gpio_refresh(struct kiosk *k)
{
	struct kiosk_gpio *g = k->gpio;
	if (g && !g->player.pattern)
		set_standing_leds(g);
}

/* ---- the dispenser ---- */

static void dispenser_verdict(struct kiosk_gpio *g, const struct dispenser_action *a)
{
	struct kiosk *k = g->k;
	if (a->verdict == DISPENSER_NO_VERDICT)
		return;
	int64_t seq = 0;
	bool counted = false;
	if (a->verdict == DISPENSER_NOT_TAKEN || a->verdict == DISPENSER_BUSY) {
		/* The set was never taken (or never released): the card gets its
		 * allowance back; the handout stays in the log. */
		if (!k->store && !kiosk_store_retry(k)) {
			log_error("dispenser: handout %lld was not taken, but the store is unavailable: "
				  "not recorded", (long long)a->verdict_seq);
		} else {
			struct store_stamp stamp;
			store_stamp_now(&stamp, k->cfg.timezone);
			if (store_commit_not_taken(k->store, a->verdict_seq, &stamp, &seq) != 0)
				log_error("dispenser: not taken not recorded: %s", store_error(k->store));
			else
				counted = true;
		}
		log_warn("dispenser: the set of handout %lld was %s; the card gets its allowance back",
			 (long long)a->verdict_seq,
			 a->verdict == DISPENSER_BUSY ? "not released (the relay was busy)"
						      : "not taken before the timeout");
		/* The same card back at once is a new tap, not "the same tap again". */
		if (k->last_seq == a->verdict_seq)
			k->last_tap.valid = false;
		if (counted)
			sync_client_changed(k->sync);
	} else {
		log_info("dispenser: handout %lld %s", (long long)a->verdict_seq,
			 dispenser_verdict_name(a->verdict));
	}
	json_t *ev = json_pack("{s:s, s:s, s:I}", "event", "dispenser", "result",
			       dispenser_verdict_name(a->verdict), "handout_seq",
			       (json_int_t)a->verdict_seq);
	if (counted)
		json_object_set_new(ev, "seq", json_integer(seq));
	emit(k, ev);
}

static void dispenser_apply(struct kiosk_gpio *g, const struct dispenser_action *a)
{
	if (a->set_relay)
		gpio_set(g->gpio, GPIO_OUT_RELAY, a->relay_on);
	if (a->timer_at >= 0)
		arm(g->dispenser_timer, a->timer_at);
	dispenser_verdict(g, a);
}

static void on_dispenser_timer(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct kiosk_gpio *g = arg;
	drain(fd);
	struct dispenser_action a = dispenser_timer(&g->dispenser, now_ms());
	dispenser_apply(g, &a);
}

void kiosk_gpio_dispense(struct kiosk *k, int64_t handout_seq)
{
	struct kiosk_gpio *g = k->gpio;
	if (!g || !g->has_relay)
		return;
	struct dispenser_action a = dispenser_release(&g->dispenser, handout_seq, now_ms());
	if (a.verdict == DISPENSER_SUPERSEDED) {
		/* Report the earlier wait's end before this release. */
		struct dispenser_action earlier = {.timer_at = -1, .verdict = a.verdict,
						   .verdict_seq = a.verdict_seq};
		dispenser_verdict(g, &earlier);
		a.verdict = DISPENSER_NO_VERDICT;
	}
	dispenser_apply(g, &a);
}

/* ---- inputs ---- */

static void input_settled(struct kiosk_gpio *g, enum gpio_input i, enum debounce_change c)
{
	struct kiosk *k = g->k;
	if (c != DEBOUNCE_PRESSED)
		return;
	if (i == GPIO_IN_HELP_BUTTON) {
		json_t *r = kiosk_help(k, "help button");
		json_decref(r);
		kiosk_gpio_signal(k, "help");
	}
}

static void on_debounce_timer(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct kiosk_gpio *g = arg;
	drain(fd);
	for (int i = 0; i < GPIO_INPUT_COUNT; i++) {
		if (g->debounce_timer[i] != fd)
			continue;
		enum debounce_change c = debounce_settle(&g->button[i], now_ms());
		int64_t again = debounce_deadline(&g->button[i]);
		if (again >= 0)
			arm(fd, again);
		input_settled(g, (enum gpio_input)i, c);
	}
}

static void on_gpio_fd(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct kiosk_gpio *g = arg;
	struct gpio_edge edges[EDGE_BATCH];
	int n;
	while ((n = gpio_read(g->gpio, fd, edges, EDGE_BATCH)) > 0) {
		int64_t now = now_ms();
		for (int j = 0; j < n; j++) {
			enum gpio_input i = edges[j].input;
			/* The taken sensor is not debounced: an optical sensor's edges are
			 * clean, and a falling set may break its beam for less than a
			 * button's debounce window. Its first active edge counts. */
			if (i == GPIO_IN_TAKEN_SENSOR) {
				if (edges[j].active) {
					struct dispenser_action a = dispenser_sensor(&g->dispenser, now);
					dispenser_apply(g, &a);
				}
				continue;
			}
			arm(g->debounce_timer[i], debounce_edge(&g->button[i], edges[j].active, now));
		}
	}
}

/* ---- start and stop ---- */

static void config_to_gpio(const struct kiosk_config *c, struct gpio_config *out)
{
	memset(out, 0, sizeof(*out));
	_Static_assert(sizeof(out->chip) == sizeof(c->gpio.chip), "chip sizes differ");
	memcpy(out->chip, c->gpio.chip, sizeof(out->chip));
	_Static_assert(sizeof(out->outputs[0]) == sizeof(c->gpio.buzzer), "line spec sizes differ");
	memcpy(out->outputs[GPIO_OUT_BUZZER], c->gpio.buzzer, sizeof(c->gpio.buzzer));
	memcpy(out->outputs[GPIO_OUT_LED_GREEN], c->gpio.led_green, sizeof(c->gpio.led_green));
	memcpy(out->outputs[GPIO_OUT_LED_RED], c->gpio.led_red, sizeof(c->gpio.led_red));
	memcpy(out->outputs[GPIO_OUT_RELAY], c->gpio.relay, sizeof(c->gpio.relay));
	memcpy(out->inputs[GPIO_IN_HELP_BUTTON], c->gpio.help_button, sizeof(c->gpio.help_button));
	memcpy(out->inputs[GPIO_IN_TAKEN_SENSOR], c->gpio.taken_sensor, sizeof(c->gpio.taken_sensor));
	out->input_active_low[GPIO_IN_HELP_BUTTON] = c->gpio.help_button_active == GPIO_ACTIVE_LOW;
	out->input_active_low[GPIO_IN_TAKEN_SENSOR] = c->gpio.taken_sensor_active == GPIO_ACTIVE_LOW;
}

void kiosk_gpio_start(struct kiosk *k, struct event_loop *loop)
{
	struct gpio_config cfg;
	config_to_gpio(&k->cfg, &cfg);
	struct gpio *io = gpio_open(&cfg);
	if (!io)
		return; /* nothing wired (or out of memory, which gpio_open logs not) */
	struct kiosk_gpio *g = calloc(1, sizeof(*g));
	if (!g) {
		gpio_close(io);
		log_error("gpio: out of memory");
		return;
	}
	g->k = k;
	g->loop = loop;
	g->gpio = io;
	g->cfg = cfg;
	g->pattern_timer = timer_new(g, on_pattern_timer);
	g->dispenser_timer = timer_new(g, on_dispenser_timer);
	for (int i = 0; i < GPIO_INPUT_COUNT; i++) {
		g->debounce_timer[i] = timer_new(g, on_debounce_timer);
		debounce_init(&g->button[i], k->cfg.gpio.debounce_ms,
			      gpio_input_active(io, (enum gpio_input)i));
	}
	g->has_relay = gpio_output_state(io, GPIO_OUT_RELAY) == GPIO_LINE_OK;
	dispenser_init(&g->dispenser, k->cfg.gpio.relay_pulse_ms,
		       k->cfg.gpio.taken_timeout_seconds * 1000u,
		       gpio_input_state(io, GPIO_IN_TAKEN_SENSOR) == GPIO_LINE_OK);
	g->n_fds = gpio_fds(io, g->fds, MAX_GPIO_FDS);
	for (size_t j = 0; j < g->n_fds; j++)
		if (event_loop_add(loop, g->fds[j], EPOLLIN, on_gpio_fd, g) != 0)
			log_error("gpio: event loop: %s", strerror(errno));
	k->gpio = g;
	set_standing_leds(g);
	int wired = 0, working = 0;
	for (int o = 0; o < GPIO_OUTPUT_COUNT; o++) {
		wired += gpio_output_state(io, (enum gpio_output)o) != GPIO_LINE_UNUSED;
		working += gpio_output_state(io, (enum gpio_output)o) == GPIO_LINE_OK;
	}
	for (int i = 0; i < GPIO_INPUT_COUNT; i++) {
		wired += gpio_input_state(io, (enum gpio_input)i) != GPIO_LINE_UNUSED;
		working += gpio_input_state(io, (enum gpio_input)i) == GPIO_LINE_OK;
	}
	if (working == wired)
		log_info("gpio: %d line%s on %s", wired, wired == 1 ? "" : "s", cfg.chip);
	else
		log_warn("gpio: %d of %d lines on %s work (see the errors above; kioskctl status "
			 "shows them)", working, wired, cfg.chip);
}

void kiosk_gpio_stop(struct kiosk *k)
{
	struct kiosk_gpio *g = k->gpio;
	if (!g)
		return;
	for (size_t j = 0; j < g->n_fds; j++)
		event_loop_remove(g->loop, g->fds[j]);
	timer_free(g, &g->pattern_timer);
	timer_free(g, &g->dispenser_timer);
	for (int i = 0; i < GPIO_INPUT_COUNT; i++)
		timer_free(g, &g->debounce_timer[i]);
	if (g->dispenser.state != DISPENSER_IDLE)
		log_warn("gpio: stopping while handout %lld was being dispensed (%s)",
			 (long long)g->dispenser.seq, dispenser_state_name(g->dispenser.state));
	gpio_close(g->gpio); /* every output off */
	free(g);
	k->gpio = NULL;
}

void kiosk_gpio_reload(struct kiosk *k, const struct kiosk_config *old)
{
	struct event_loop *loop = k->gpio ? k->gpio->loop : k->loop;
	if (memcmp(&old->gpio, &k->cfg.gpio, sizeof(old->gpio)) == 0 || !loop)
		return;
	log_info("reload: [gpio] changed; reopening the lines");
	kiosk_gpio_stop(k);
	kiosk_gpio_start(k, loop);
}

json_t *kiosk_gpio_status_json(struct kiosk *k)
{
	struct kiosk_gpio *g = k->gpio;
	json_t *r = json_pack("{s:b}", "configured", g != NULL);
	if (!g)
		return r;
	json_t *lines = json_object();
	static const char *const state_names[] = {"unused", "ok", "failed"};
	for (int o = 0; o < GPIO_OUTPUT_COUNT; o++) {
		enum gpio_line_state st = gpio_output_state(g->gpio, (enum gpio_output)o);
		if (st == GPIO_LINE_UNUSED)
			continue;
		json_t *l = json_pack("{s:s, s:s}", "line", g->cfg.outputs[o], "state", state_names[st]);
		if (st == GPIO_LINE_FAILED)
			json_object_set_new(l, "error",
					    json_string(gpio_output_error(g->gpio, (enum gpio_output)o)));
		json_object_set_new(lines, gpio_output_name((enum gpio_output)o), l);
	}
	for (int i = 0; i < GPIO_INPUT_COUNT; i++) {
		enum gpio_line_state st = gpio_input_state(g->gpio, (enum gpio_input)i);
		if (st == GPIO_LINE_UNUSED)
			continue;
		json_t *l = json_pack("{s:s, s:s}", "line", g->cfg.inputs[i], "state", state_names[st]);
		if (st == GPIO_LINE_FAILED)
			json_object_set_new(l, "error",
					    json_string(gpio_input_error(g->gpio, (enum gpio_input)i)));
		json_object_set_new(lines, gpio_input_name((enum gpio_input)i), l);
	}
	json_object_set_new(r, "lines", lines);
	json_object_set_new(r, "dispenser",
			    json_string(g->has_relay ? dispenser_state_name(g->dispenser.state)
						     : "none"));
	return r;
}
