"""Privacy is a test, not a promise: no raw card UID reaches the disk, a log
line or anything kioskd says on its socket.

Cards of every kind are tapped (4-, 7- and 10-byte ISO14443A UIDs, a FeliCa
IDm, a random-UID card), granted, denied and tapped again, with kioskd
logging at debug level. Then the database, its WAL and shared-memory files
(while kioskd runs and after it stops), kioskd's log, and every kioskctl
output (status, log, export, the watch stream) are searched for each UID as
raw bytes and as hex in the usual spellings.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import KIOSKCTL, Kiosk, Tap, check  # noqa: E402

CARDS = [
    ("a", "04a1b2c3d4e5f6"),          # 7-byte UID (NTAG)
    ("a", "3c5d7e9f"),                # 4-byte UID (MIFARE Classic)
    ("a", "04112233445566778899"),    # 10-byte UID
    ("felica", "012e4cd3a5b6c7d8"),   # FeliCa IDm
    ("a", "08c4e2a6"),                # random UID
]


def spellings(uid_hex):
    raw = bytes.fromhex(uid_hex)
    pairs = [uid_hex[i:i + 2] for i in range(0, len(uid_hex), 2)]
    out = {raw}
    for sep in ("", ":", " ", "-"):
        for case in (str.lower, str.upper):
            out.add(case(sep.join(pairs)).encode())
    return out


def find_uids(name, data, found):
    for tech, uid in CARDS:
        for pattern in spellings(uid):
            if pattern in data:
                found.append("%s holds %s UID %s as %r" % (name, tech, uid, pattern[:12]))


def no_uid_anywhere():
    k = Kiosk(config_extra="[log]\nlevel = debug\n[policy]\ndebounce_seconds = 0").start()
    found = []
    try:
        k.ctl("restock", "3", check_rc=0)
        w = k.watch()
        # Grants, a limit denial, out of stock, an unusable card, a repeat.
        for tech, uid in CARDS + CARDS[:2]:
            k.tap(uid, tech=tech)
            w.feedback()
        k.reader("place a 04a1b2c3d4e5f6")
        k.reader("remove")
        outputs = {
            "kioskctl status": k.ctl("status", check_rc=0).stdout.encode(),
            "kioskctl status --json": k.ctl("status", "--json", check_rc=0).stdout.encode(),
            "kioskctl log": k.ctl("log", "--json", check_rc=0).stdout.encode(),
            "kioskctl export": subprocess.run([KIOSKCTL, "-s", k.socket, "export", "csv"],
                                              capture_output=True, check=True).stdout,
        }
        for name in ("", "-wal", "-shm"):
            path = k.db + name
            if os.path.exists(path):
                outputs["running " + os.path.basename(path)] = open(path, "rb").read()
        check("running kiosk.db-wal" in outputs, "the WAL was scanned while kioskd ran")
        k.stop()
        w.close()
        outputs["kioskctl watch"] = "\n".join(map(str, w.all)).encode()
        outputs["kioskd log (debug)"] = k.log().encode()
        for root, _, files in os.walk(k.data_dir):
            for f in files:
                outputs["stopped " + f] = open(os.path.join(root, f), "rb").read()
        for name, data in outputs.items():
            find_uids(name, data, found)
        check(not found, "raw UIDs found:\n" + "\n".join(found))
        check(len(outputs["kioskd log (debug)"]) > 200, "the log was not empty")
        return None
    finally:
        k.cleanup()


def main():
    t = Tap()
    t.run("no raw UID in the database, WAL, logs or kioskctl output", no_uid_anywhere)
    t.done()


if __name__ == "__main__":
    main()
