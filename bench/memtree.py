"""Peak memory of a command and every process it starts, together and one by one (Linux).

    .venv/bin/python bench/memtree.py .venv/bin/embodied report MODEL --format json -o OUT -q

run.py's peak is ``ru_maxrss``: the largest single process. embodied with geometry runs up to three
processes at once (the take-off, the geometry process of a large model, the kernel's process), so
this samples, every 0.25 s, the proportional set size (PSS: a page shared by n processes counts 1/n
in each) summed over the process tree, and each process's RSS. Prints the peak sum, the peak of each
process and the wall time, on stderr; the command's own output is left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(name))
    found, i = [root], 0
    while i < len(found):
        found += children.get(found[i], [])
        i += 1
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of a process in kB; zeros once it has gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.monotonic()
    process = subprocess.Popen(sys.argv[1:])
    peak_sum, peak_of = 0, {}
    while process.poll() is None:
        pids = _tree(process.pid)
        sizes = [_memory_kb(pid) for pid in pids]
        peak_sum = max(peak_sum, sum(pss for pss, _ in sizes))
        for pid, (_, rss) in zip(pids, sizes, strict=True):
            peak_of[pid] = max(peak_of.get(pid, 0), rss)
        time.sleep(0.25)
    each = ", ".join(f"{rss / 1024:.0f}" for _, rss in sorted(peak_of.items()))
    print(
        f"wall {time.monotonic() - start:.1f} s; peak PSS of all processes together "
        f"{peak_sum / 1024:.0f} MB; peak RSS of each process, by process id: {each} MB",
        file=sys.stderr,
    )
    return process.returncode


if __name__ == "__main__":
    raise SystemExit(main())
