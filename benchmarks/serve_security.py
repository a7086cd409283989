"""What authentication costs, and worker memory over 20,000 distinct users: real ``whyrec serve`` processes.

Writes docs/benchmarks/serve_security.md (and .json):

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/serve_security.py

1. Authentication: two servers on the same EASE run (ml-100k), one with ``--auth`` and a ``read`` API key
   (every request is hashed, looked up and rate-limited), one with ``--no-auth``; the same load generator as
   benchmarks/serve_load.py drives them in alternating rounds (on, off, off, on, ...), so a drift in the
   machine's other load reaches both alike, and the report gives throughput and p99 of each and their ratio.
2. Memory: one worker (``--workers 1``, ``WHYREC_CACHE_BYTES`` = ``--cache-mib``) is sent events for
   ``--users`` new users (three clicks each), then a ``GET .../recommendations?k=10&explain=true`` for each;
   the worker's resident set size (``VmRSS``) and the cache's measured bytes (``/metrics``) are sampled every
   1,000 users.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_load import RawConnection, balanced_connections, percentiles, serving, train_run

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks" / "serve_security.md"
COMMAND = "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/serve_security.py"
QUERY = "k=10&explain=true"


# --- the load generator (its own process) ----------------------------------------------------------------------


async def auth_rounds(ports: dict[str, int], key: str, users: list[str], concurrency: int, rounds: int,
                      duration: float, n_workers: int) -> dict[str, object]:
    """Alternating steady-load rounds against the server with authentication ("on") and without ("off")."""
    rng = random.Random(0)
    slices = [users[i::concurrency] for i in range(concurrency)]

    async def connect(mode: str) -> list[RawConnection]:  # afresh for each pass: idle keep-alives are closed
        return await balanced_connections("127.0.0.1", ports[mode], concurrency, n_workers,
                                          auth=key if mode == "on" else None)

    errors: dict[str, dict[int, int]] = {mode: {} for mode in ports}

    async def touch(mode: str, conn: RawConnection, mine: list[str], until: float | None) -> list[float]:
        out: list[float] = []
        todo = iter(mine)
        while True:
            if until is None:
                user = next(todo, None)
                if user is None:
                    return out
            elif time.perf_counter() >= until:
                return out
            else:
                user = rng.choice(mine)
            t0 = time.perf_counter()
            status, _ = await conn.get(f"/v1/users/{user}/recommendations?{QUERY}")
            out.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors[mode][status] = errors[mode].get(status, 0) + 1

    for mode in ports:  # build every user's state on both servers first
        conns = await connect(mode)
        await asyncio.gather(*(touch(mode, c, m, None) for c, m in zip(conns, slices, strict=True)))
        for conn in conns:
            conn.close()
    latencies: dict[str, list[float]] = {mode: [] for mode in ports}
    seconds = dict.fromkeys(ports, 0.0)
    for r in range(rounds):
        for mode in (("on", "off") if r % 2 == 0 else ("off", "on")):
            conns = await connect(mode)
            started = time.perf_counter()
            parts = await asyncio.gather(*(touch(mode, c, m, started + duration)
                                           for c, m in zip(conns, slices, strict=True)))
            seconds[mode] += time.perf_counter() - started
            latencies[mode].extend(x for part in parts for x in part)
            for conn in conns:
                conn.close()
    return {mode: {**percentiles(latencies[mode]), "seconds": seconds[mode],
                   "throughput": len(latencies[mode]) / seconds[mode], "errors": errors[mode]} for mode in ports}


def rss_kib(pid: int) -> int:
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1])


async def memory_walk(port: int, pid: int, n_users: int, n_items: int, concurrency: int) -> list[dict[str, float]]:
    """Events and one explained list for each of `n_users` new users; (users, RSS, cache) every 1,000 users."""
    rng = random.Random(1)
    base = f"http://127.0.0.1:{port}"
    conns = [RawConnection("127.0.0.1", port) for _ in range(concurrency)]
    samples: list[dict[str, float]] = []

    async def sample(done: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            text = (await client.get("/metrics")).text
        values = {line.split(" ")[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                  if line.startswith(("whyrec_user_cache_bytes", "whyrec_user_cache_entries",
                                      "whyrec_user_cache_evictions_total"))}
        samples.append({"users": done, "rss_mib": rss_kib(pid) / 1024,
                        "cache_mib": values.get("whyrec_user_cache_bytes", 0) / 2**20,
                        "entries": values.get("whyrec_user_cache_entries", 0),
                        "evictions": values.get("whyrec_user_cache_evictions_total", 0)})

    async def lists(conn: RawConnection, mine: list[str]) -> None:
        for user in mine:
            status, _ = await conn.get(f"/v1/users/{user}/recommendations?{QUERY}")
            if status != 200:
                raise SystemExit(f"GET recommendations of {user}: {status}")

    await sample(0)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for start in range(0, n_users, 200):
            users = [f"mem-{i}" for i in range(start, min(n_users, start + 200))]
            events = [{"user_id": u, "item_id": str(rng.randint(1, n_items)), "event_type": "click"}
                      for u in users for _ in range(3)]
            response = await client.post("/v1/events", json={"events": events})
            if response.status_code != 201:
                raise SystemExit(f"POST /v1/events: {response.status_code} {response.text[:300]}")
            await asyncio.gather(*(lists(c, users[i::concurrency]) for i, c in enumerate(conns)))
            if (start + len(users)) % 1000 == 0:
                await sample(start + len(users))
    for conn in conns:
        conn.close()
    return samples


# --- the driver ------------------------------------------------------------------------------------------------


def generate(kind: str, spec: dict[str, object], env: dict[str, str], timeout: float) -> object:
    done = subprocess.run([sys.executable, __file__, "--generate", json.dumps({"kind": kind, **spec})], env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise SystemExit(f"the {kind} generator failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="run directory (default: train EASE on ml-100k into a temp dir)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each auth-phase server")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds of each server")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of each round")
    parser.add_argument("--users", type=int, default=20_000, help="new users of the memory phase")
    parser.add_argument("--cache-mib", type=int, default=64, help="WHYREC_CACHE_BYTES of the memory phase, MiB")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--generate", help=argparse.SUPPRESS)  # internal: run one generator with this JSON spec
    args = parser.parse_args()
    if args.generate:
        spec = json.loads(args.generate)
        kind = spec.pop("kind")
        print(json.dumps(asyncio.run(auth_rounds(**spec) if kind == "auth" else memory_walk(**spec))))
        return

    from whyrec.runs import load_run
    from whyrec.serve.auth import hash_key, new_key

    tmp = Path(tempfile.mkdtemp(prefix="whyrec-security-bench-"))
    run_dir = args.run or train_run(tmp / "ease")
    fit = load_run(run_dir).fit_data
    users = fit.users.ids_of(fit.active_users)
    key = new_key()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    secured = {**env, "WHYREC_API_KEYS": f"bench read {hash_key(key)}", "WHYREC_RATE_KEY_PER_S": "1000000"}
    load_before = os.getloadavg()[0]
    with serving(run_dir, tmp / "on.sqlite3", args.workers, secured, "--auth") as (on, _), \
            serving(run_dir, tmp / "off.sqlite3", args.workers, env, "--no-auth") as (off, _):
        auth = generate("auth", {"ports": {"on": on, "off": off}, "key": key, "users": users,
                                 "concurrency": args.concurrency, "rounds": args.rounds, "duration": args.duration,
                                 "n_workers": args.workers}, env, 2 * args.rounds * args.duration + 600)
    load_mid = os.getloadavg()[0]
    memory_env = {**env, "WHYREC_CACHE_BYTES": str(args.cache_mib * 2**20)}
    with serving(run_dir, tmp / "memory.sqlite3", 1, memory_env, "--no-auth") as (port, pid):
        memory = generate("memory", {"port": port, "pid": pid, "n_users": args.users, "n_items": fit.n_items,
                                     "concurrency": args.concurrency}, env, 3600)
    result = {"auth": auth, "memory": memory, "loadavg": [load_before, load_mid, os.getloadavg()[0]]}
    write_report(args, result)


def write_report(args: argparse.Namespace, r: dict) -> None:
    on, off = r["auth"]["on"], r["auth"]["off"]
    mem = r["memory"]
    full = [s for s in mem if s["evictions"] > 0] or mem[-1:]
    def row(name: str, p: dict) -> str:
        return (f"| {name} | {p['n']:,} | {p['throughput']:.0f} | {p['p50']:.1f} | {p['p99']:.1f} | "
                f"{p['errors'] or 'none'} |")

    rows = "\n".join(f"| {s['users']:,} | {s['rss_mib']:.0f} | {s['cache_mib']:.1f} | {s['entries']:,.0f} | "
                     f"{s['evictions']:,.0f} |" for s in mem)
    text = f"""# Service security costs: authentication and bounded memory (ml-100k, EASE)

Generated by `benchmarks/serve_security.py` on {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}:

```bash
{COMMAND}
```

Machine: {os.cpu_count()} cores, shared: 1-minute load average {r['loadavg'][0]:.1f} before the run,
{r['loadavg'][1]:.1f} after the authentication phase and {r['loadavg'][2]:.1f} at the end (other jobs ran on the
machine, so absolute numbers are lower bounds; the ratio is the point of the first table). The load generator
is a second process on the same cores, as in [serve.md](serve.md).

## Authentication on against off, in one run

Two `whyrec serve` servers (`--workers {args.workers}`, SQLite) on the same run: one with `--auth` and a `read` API
key sent as `Authorization: Bearer` on every request (SHA-256 of the key, constant-time comparison with each
entry, the per-key rate limiter, set high enough never to refuse), one with `--no-auth`. After one request per
user on each (building every user's state), {args.rounds} rounds of {args.duration:g} s each, alternating (on, off,
off, on, ...), {args.concurrency} keep-alive connections, `GET /v1/users/{{user}}/recommendations?{QUERY}`.

| authentication | requests | requests/s | p50 ms | p99 ms | non-200 |
|---|---:|---:|---:|---:|---|
{row("on (`read` key)", on)}
{row("off", off)}

Throughput on / off: **{on['throughput'] / off['throughput']:.2f}**; p99 on / off: **{on['p99'] / off['p99']:.2f}**.

A ratio near 1 (either side) means the cost of authentication is below what the shared machine lets this run
resolve: the rounds alternate, so a change in the other load reaches both servers, but not evenly within a
round. Authentication adds one SHA-256 of the key, a constant-time comparison per configured key and a token
bucket per request.

## Worker memory over {args.users:,} distinct users

One worker (`--workers 1`, `WHYREC_CACHE_BYTES={args.cache_mib * 2**20}` = {args.cache_mib} MiB), {args.users:,} new
users, each with three `click` events (posted 200 users per batch) and then one explained list. The resident
set size of the worker process (`VmRSS` in `/proc`) and the cache's own measure (`/metrics`):

| users so far | worker RSS MiB | cache MiB | cached states | evictions |
|---|---:|---:|---:|---:|
{rows}

Once the cache is full (first sample with evictions: {full[0]['users']:,} users, RSS {full[0]['rss_mib']:.0f} MiB),
the RSS goes from {full[0]['rss_mib']:.0f} to {mem[-1]['rss_mib']:.0f} MiB over the remaining
{mem[-1]['users'] - full[0]['users']:,} users, while the cache stays under its bound. Before the bound (issue 15) each
cached state kept every explanation it had made, up to 4,096 states per worker.
"""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps(r, indent=1) + "\n")
    print(text)


if __name__ == "__main__":
    main()
