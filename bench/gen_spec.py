#!/usr/bin/env python3
"""gen_spec.py K M [--out FILE] -- a synthetic mailctl spec for the render benchmark:
K domains x M aliases each (K*M aliases), M//10 mailboxes per domain.

Same shape and random mix as ../shared/bench/gen_spec.py (70 % of aliases have one
target, 25 % two, 5 % three; one target in five lives in another domain), written
in mailctl's real spec format so `mailctl render` accepts it. Deterministic.
With --dovecot the server also offers submission, logins checked by Dovecot, as
a real deployment does: render then also writes `sender_login` (every alias
followed to its mailboxes) and Dovecot's files.
"""
import argparse, random, sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("k", type=int, help="domains")
    ap.add_argument("m", type=int, help="aliases per domain")
    ap.add_argument("--out", default="-", help="output file (default stdout)")
    ap.add_argument("--dovecot", action="store_true", help="offer submission, with Dovecot checking the logins")
    a = ap.parse_args()
    rnd = random.Random(a.k * 1_000_003 + a.m)
    width = max(4, len(str(a.k)))
    dom = lambda i: f"d{i:0{width}d}.test"
    nmb = max(1, a.m // 10)
    out = sys.stdout if a.out == "-" else open(a.out, "w")
    w = out.write
    w(f"# mailctl spec: {a.k} domains x {a.m} aliases (bench/gen_spec.py)\nversion = 1\n\n"
      '[server]\nhostname = "mail.bench.test"\nipv4 = ["192.0.2.25"]\n')
    if a.dovecot:
        w('services = ["smtp", "submission"]\n\n[dovecot]\nenabled = true\n')
    w('\n[postfix]\nmailbox_base = "/var/mail/vhosts"\n')
    for i in range(1, a.k + 1):
        d = dom(i)
        w(f'\n[[domain]]\nname = "{d}"\nmailboxes = [')
        w(", ".join(f'"u{j:04d}"' for j in range(nmb)))
        w("]\n\n[domain.aliases]\n")
        for j in range(a.m):
            n = 1 if (r := rnd.random()) < 0.70 else 2 if r < 0.95 else 3
            t = []
            for _ in range(n):
                td = dom(rnd.randint(1, a.k)) if rnd.random() < 0.2 else d
                target = f'"u{rnd.randrange(nmb):04d}@{td}"'
                if target not in t:  # a repeated target is a warning in mailctl
                    t.append(target)
            w(f"alias{j:06d} = [{', '.join(t)}]\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
