"""The web pages' speed: the shopper page's first render, and the what-if call's latency.

Starts ``whyrec serve RUN`` on 127.0.0.1 (a fresh SQLite store), then:

- first render: Debian's Chromium (Playwright) opens ``/?user=U`` and the page marks ``whyrec-rendered`` once
  the explained cards are in the DOM; the figure is that mark's time from the navigation's start (HTML, CSS,
  scripts, the ``/view`` call, explanations and drawing). "warm": the server has answered this user before
  (the user's state and explanations are cached); "first request for the user": each user opened once, on a
  server that is up and has served others (the state is built and ten items explained in that request).
- what-if: ``POST /v1/users/U/whatif`` with 1-3 of the user's top evidence items switched off, from one
  client on 127.0.0.1, sequentially; latency measured by the client.

Writes docs/benchmarks/web.md. Run: python benchmarks/web.py [RUN_DIR] (default: trains EASE on ml-100k into
a temporary folder).
"""

from __future__ import annotations

import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

OUT = Path(__file__).parents[1] / "docs" / "benchmarks" / "web.md"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
RENDER_GOAL_MS, WHATIF_GOAL_MS = 300.0, 50.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def render_times(base: str, users: list[str], repeats: int) -> tuple[list[float], list[float]]:
    """(first-request-for-the-user times, warm times) in ms."""
    from playwright.sync_api import sync_playwright

    first, warm = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(bypass_csp=True)  # the page forbids eval, which wait_for_function uses

        def once(user: str) -> float:
            page.goto(f"{base}/?user={user}")
            page.wait_for_function("performance.getEntriesByName('whyrec-rendered').length > 0")
            return float(page.evaluate("performance.getEntriesByName('whyrec-rendered')[0].startTime"))

        once("1")  # the browser's own first start, and the server's first request
        for user in users:
            first.append(once(user))
        for _ in range(repeats):
            for user in users[:5]:
                warm.append(once(user))
        browser.close()
    return first, warm


def whatif_times(base: str, users: list[str], n: int) -> list[float]:
    """Milliseconds per what-if call."""
    rng = random.Random(0)
    times = []
    with httpx.Client(base_url=base, timeout=30) as client:
        evidence = {}
        for user in users:
            items = client.get(f"/v1/users/{user}/recommendations", params={"explain": True}).json()["items"]
            evidence[user] = [(r["item_id"], [e["ref"] for e in r["explanation"]["evidence"]
                                              if e["kind"] == "history_item"]) for r in items]
        for _ in range(n):
            user = rng.choice(users)
            item, refs = rng.choice(evidence[user])
            body = {"without": rng.sample(refs, min(len(refs), rng.randint(1, 3))), "item_id": item, "k": 10}
            started = time.perf_counter()
            response = client.post(f"/v1/users/{user}/whatif", json=body)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return times


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="whyrec-web-bench-"))
    run = Path(sys.argv[1]) if len(sys.argv) > 1 else tmp / "ease"
    if len(sys.argv) <= 1:
        subprocess.run([sys.executable, "-m", "whyrec.cli.main", "train", "--data", "ml-100k", "--model", "ease",
                        "--out", str(run)], check=True, capture_output=True)
    port = _port()
    server = subprocess.Popen([sys.executable, "-m", "whyrec.cli.main", "serve", str(run), "--db",
                               f"sqlite:///{tmp / 'events.sqlite3'}", "--port", str(port), "--log-level", "warning",
                               "--no-access-log"], start_new_session=True, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        users = [str(u) for u in range(2, 32)]
        first, warm = render_times(base, users, repeats=4)
        whatif = whatif_times(base, users, 500)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    load = os.getloadavg()[0]
    rows = [("first render, warm (user seen before)", warm, RENDER_GOAL_MS),
            ("first render, first request for the user", first, None),
            ("what-if call", whatif, WHATIF_GOAL_MS)]
    lines = ["# Web pages", "", "Command: `python benchmarks/web.py` (trains EASE on ml-100k, serves it on 127.0.0.1 "
             "with one worker and a fresh SQLite store, opens the page in Debian's Chromium through Playwright).",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
             f"{load:.1f} when measured (the machine is shared with other work, so these are upper bounds).", "",
             "| what | n | median ms | p95 ms | max ms | goal |", "|---|---:|---:|---:|---:|---|"]
    for name, values, goal in rows:
        p95 = _pct(values, 0.95)
        verdict = "-" if goal is None else (f"p95 < {goal:.0f} ms: {'met' if p95 < goal else 'NOT met'}")
        lines.append(f"| {name} | {len(values)} | {statistics.median(values):.1f} | {p95:.1f} | {max(values):.1f} | "
                     f"{verdict} |")
    lines += ["", "First render: from the navigation's start to the page's `whyrec-rendered` mark (the explained cards "
              "drawn), read from the browser's Performance API. Warm: 5 users opened 4 times each after their first "
              "visit. First request: 30 users opened once each (their state built and 10 items explained in that "
              "request). What-if: 500 sequential calls over the same 30 users, 1-3 of an item's evidence items "
              "switched off, EASE's exact retrained edit (`verified: retrained`), timed by the client."]
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
