/*
 * loop_wedge: a test hook that blocks kioskd's event loop on demand, so the
 * watchdog test can show that a wedged loop stops the keep-alives
 * (tests/integration/test_watchdog.py; docs/decisions.md says why a hook
 * and not SIGSTOP).
 *
 * Active only when $KIOSKD_TEST_WEDGE names a FIFO (made by the test);
 * kioskd then warns that it is on. Each line written to the FIFO is a
 * number of milliseconds (1 to 600000) the loop thread then spends asleep
 * inside the handler, exactly as a handler stuck in a blocking call would:
 * the reader and display threads run on, only the loop stops.
 */
#ifndef KIOSK_LOOP_WEDGE_H
#define KIOSK_LOOP_WEDGE_H

#include "event_loop.h"

/* Watches the FIFO if $KIOSKD_TEST_WEDGE is set. Returns 0, or -1 (logged). */
int loop_wedge_start(struct event_loop *loop);
void loop_wedge_stop(struct event_loop *loop);

#endif
