"""Staff operations end to end on the simulated board (the real libnfc
driver against the simulated PN532): enrolling a staff card by the next
tap, the staff tap opening the staff screen and a second one restocking a
pack, issuing and revoking cards by the next tap and by card_id (with
accept = issued), listing and removing staff cards, the staff log, and the
bad input: an enrolment that times out, an unusable card, a second waiting
command, commands with no staff card enrolled."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import kiosk_case, KIOSKCTL, SLOW, Failure, Kiosk, Tap, card_id, check, wait_until  # noqa: E402

STAFF_UID = "04c0ffee123456"
CARD_UID = "04a1b2c3d4e5f6"
OTHER_UID = "04112233445566"


def with_sim_kiosk(config_extra="", stock=20):
    return kiosk_case(stock=stock, sim=True, config_extra=config_extra)


def start_waiting(k, *args):
    """Starts a next-tap kioskctl command and waits until kioskd is waiting."""
    p = subprocess.Popen([KIOSKCTL, "-s", k.socket] + list(args), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    wait_until(lambda: p.poll() is not None or "waiting" in k.status().get("staff", {}), 10,
               "kioskd to wait for a tap")
    return p


def finish(p, timeout=15):
    out, err = p.communicate(timeout=timeout * SLOW)
    return p.returncode, out, err


def field_empty(k):
    """The last tapped card has left the simulator's field (so the next tap is a new one)."""
    wait_until(lambda: '"card":null' in k.sim.ctl("status").replace(" ", ""), 10,
               "the field to be empty")
    # kioskd's reader notices the removal at its next presence check (every
    # 20 ms or so); nothing reports it, so give it a few checks' time (on a
    # loaded machine the same card back too soon is still "on the reader").
    time.sleep(0.2 * SLOW)


def tap_feedback(k, w, uid, **kw):
    field_empty(k)
    k.tap(uid, **kw)
    while True:
        fb = w.feedback(timeout=10)
        if not fb["repeat"]:
            return fb


@with_sim_kiosk()
def enroll_staff_tap_and_restock(k, w):
    p = start_waiting(k, "staff", "enroll")
    fb = tap_feedback(k, w, STAFF_UID, hold_ms=150)
    rc, out, err = finish(p)
    staff_id = card_id(k.key, "a", STAFF_UID)
    check(rc == 0 and "enrolled" in out and staff_id in out, "enroll: %d %r %r" % (rc, out, err))
    check(fb["result"] == "recorded", "the enrolling tap is recorded, not a handout: %r" % fb)
    listed = k.ctl("staff", "list", check_rc=0).stdout.split()
    check(listed == [staff_id], "staff list: %r" % listed)
    s = k.status()
    check(s["today"]["handouts"] == 0 and s["stock"]["level"] == 20, "nothing handed out")
    # A staff tap opens the staff screen; the next one within it restocks a pack.
    fb = tap_feedback(k, w, STAFF_UID)
    check(fb["result"] == "staff", "staff tap: %r" % fb)
    fb = tap_feedback(k, w, STAFF_UID)
    check(fb["result"] == "restock", "second staff tap restocks: %r" % fb)
    s = k.status()
    check(s["stock"]["level"] == 30, "one pack of 10 (pack_count default): %r" % s["stock"])
    check(s["today"]["restocked_sets"] == 30, "restocked_sets counts it: %r" % s["today"])
    check(s["today"]["handouts"] == 0, "no handout from staff taps")
    log = [json.loads(l) for l in k.ctl("log", "--json", check_rc=0).stdout.splitlines()]
    restock = [e for e in log if e["kind"] == "restock"][-1]
    check(restock["actor"] == "staff card " + staff_id, "restock actor: %r" % restock)
    # A recipient's tap closes the staff screen: the staff tap after it only opens it.
    check(tap_feedback(k, w, CARD_UID)["result"] == "grant", "recipient granted")
    check(tap_feedback(k, w, STAFF_UID)["result"] == "staff", "staff screen again, no restock")
    check(k.status()["stock"]["level"] == 29, "no restock after a recipient's tap")
    entries = [json.loads(l) for l in k.ctl("staff", "log", "--json", check_rc=0).stdout.splitlines()]
    check([e["action"] for e in entries] == ["enroll"] and entries[0]["card_id"] == staff_id and
          entries[0]["actor"].startswith("uid "), "staff log: %r" % entries)
    # kioskctl restock N does the same as a staff tap, by a local user.
    k.ctl("restock", "10", check_rc=0)
    check(k.status()["stock"]["level"] == 39, "kioskctl restock")


@with_sim_kiosk()
def enroll_timeout_then_tap_is_a_recipient(k, w):
    p = start_waiting(k, "staff", "enroll", "--timeout", "1")
    rc, out, err = finish(p)
    check(rc == 1 and "no card was tapped in time" in err and "nothing was enrolled" in err,
          "timeout message: %d %r %r" % (rc, out, err))
    check("waiting" not in k.status()["staff"], "no longer waiting")
    # The card tapped after the timeout is an ordinary tap: granted, not enrolled.
    check(tap_feedback(k, w, CARD_UID)["result"] == "grant", "tap after the timeout is a handout")
    r = k.ctl("staff", "list", check_rc=0)
    check("no staff cards enrolled" in r.stdout, "still no staff card: %r" % r.stdout)


@with_sim_kiosk()
def unusable_card_during_enrolment(k, w):
    p = start_waiting(k, "staff", "enroll", "--timeout", "20")
    k.sim.ctl("tap", "--type", "random", "--hold", "150")
    rc, out, err = finish(p)
    check(rc == 1 and "random UID" in err, "unusable card refused: %d %r" % (rc, err))
    check(k.status()["staff"]["cards"] == 0, "nothing enrolled")
    check(k.status()["today"]["handouts"] == 0, "nothing handed out")


@with_sim_kiosk()
def one_waiting_command_at_a_time(k, w):
    p = start_waiting(k, "staff", "enroll", "--timeout", "20")
    r = k.ctl("card", "issue", check_rc=1)
    check("waiting for a tap" in r.stderr, "second command refused: %r" % r.stderr)
    tap_feedback(k, w, STAFF_UID)
    rc, out, _ = finish(p)
    check(rc == 0, "the first command completes")
    # Issuing or revoking a staff card is refused with what to do instead.
    p = start_waiting(k, "card", "revoke", "--timeout", "20")
    tap_feedback(k, w, STAFF_UID)
    rc, out, err = finish(p)
    check(rc == 1 and "staff card" in err and "staff remove" in err, "staff card not revoked: %r" % err)
    r = k.ctl("card", "revoke", card_id(k.key, "a", STAFF_UID), check_rc=1)
    check("staff remove" in r.stderr, "by card_id too: %r" % r.stderr)


@with_sim_kiosk(config_extra="[policy]\naccept = issued\ndebounce_seconds = 0\n")
def issue_and_revoke_by_next_tap_and_by_card_id(k, w):
    check(tap_feedback(k, w, CARD_UID)["result"] == "not_issued", "not issued yet")
    p = start_waiting(k, "card", "issue")
    fb = tap_feedback(k, w, CARD_UID)
    rc, out, err = finish(p)
    cid = card_id(k.key, "a", CARD_UID)
    check(rc == 0 and "issued" in out and cid in out, "issue: %d %r %r" % (rc, out, err))
    check(fb["result"] == "recorded", "the issuing tap hands nothing out")
    check(tap_feedback(k, w, CARD_UID)["result"] == "grant", "an issued card is granted")
    p = start_waiting(k, "card", "revoke")
    tap_feedback(k, w, CARD_UID)
    rc, out, err = finish(p)
    check(rc == 0 and "revoked" in out, "revoke: %d %r %r" % (rc, out, err))
    check(tap_feedback(k, w, CARD_UID)["result"] == "revoked", "a revoked card is denied")
    # By card_id: issue the other card, then revoke it.
    other = card_id(k.key, "a", OTHER_UID)
    k.ctl("card", "issue", other, check_rc=0)
    check(tap_feedback(k, w, OTHER_UID)["result"] == "grant", "issued by card_id")
    k.ctl("card", "revoke", other, check_rc=0)
    check(tap_feedback(k, w, OTHER_UID)["result"] == "revoked", "revoked by card_id")
    entries = [json.loads(l) for l in k.ctl("staff", "log", "--json", check_rc=0).stdout.splitlines()]
    check([(e["action"], e["card_id"]) for e in entries] ==
          [("issue", cid), ("revoke", cid), ("issue", other), ("revoke", other)],
          "staff log: %r" % entries)
    check(all(e["actor"].startswith("uid ") for e in entries), "who did it: %r" % entries)
    # A recipient's card_id is in the staff log, and nowhere a watcher or the journal sees.
    for c in (cid, other):
        check(c not in json.dumps(w.all), "card_id on the watch stream")
        check(c not in k.log(), "a recipient's card_id in kioskd's log")


@with_sim_kiosk()
def staff_list_and_remove(k, w):
    r = k.ctl("staff", "list", check_rc=0)
    check("no staff cards enrolled" in r.stdout and "staff enroll" in r.stdout,
          "no staff card: %r" % r.stdout)
    staff_id = card_id(k.key, "a", STAFF_UID)
    r = k.ctl("staff", "remove", staff_id, check_rc=1)
    check("not a staff card" in r.stderr, "remove unknown: %r" % r.stderr)
    r = k.ctl("staff", "remove", "XYZ", check_rc=1)
    check("32 lowercase hex" in r.stderr, "bad card_id: %r" % r.stderr)
    p = start_waiting(k, "staff", "enroll")
    tap_feedback(k, w, STAFF_UID)
    check(finish(p)[0] == 0, "enrolled")
    p = start_waiting(k, "staff", "enroll")
    tap_feedback(k, w, STAFF_UID)
    rc, out, _ = finish(p)
    check(rc == 0 and "already" in out, "enrolling twice says so: %r" % out)
    k.ctl("staff", "remove", staff_id, check_rc=0)
    check(k.ctl("staff", "list", "--json", check_rc=0).stdout.strip() == "", "list empty")
    check(tap_feedback(k, w, STAFF_UID)["result"] == "grant", "a removed staff card is a recipient's")
    entries = [json.loads(l)["action"] for l in
               k.ctl("staff", "log", "--json", check_rc=0).stdout.splitlines()]
    check(entries == ["enroll", "remove"], "staff log: %r" % entries)
    r = k.ctl("staff", "frob", check_rc=2)
    check("usage" in r.stderr, "unknown staff action")


def main():
    t = Tap()
    for fn in (enroll_staff_tap_and_restock, enroll_timeout_then_tap_is_a_recipient,
               unusable_card_during_enrolment, one_waiting_command_at_a_time,
               issue_and_revoke_by_next_tap_and_by_card_id, staff_list_and_remove):
        t.run(fn.__name__, fn)
    t.done()


if __name__ == "__main__":
    main()
