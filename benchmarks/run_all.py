"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in turn and print a summary.

    python benchmarks/run_all.py              # all of them, in name order
    python benchmarks/run_all.py core decode  # only bench_core.py and bench_decode.py
    python benchmarks/run_all.py hotpaths     # service vs raw sqlite3: commit, lookup ratios
    python benchmarks/run_all.py soak         # 500 returns through the window: leak growth
    python benchmarks/run_all.py console      # head-office console pages, 10,000 returns

Each benchmark prints its own numbers; a benchmark that crashes is reported in the summary
and the others still run. Exit status 1 if any benchmark crashed. Asserts nothing else.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def discover(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
    unknown = wanted - {p.stem.removeprefix("bench_") for p in found}
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}")
    return [p for p in found if p.stem.removeprefix("bench_") in wanted]


def run_one(path: Path) -> tuple[str, float, Any]:
    """Import the module from its file and call main(); ('ok'|'error: ...', seconds, result)."""
    started = time.perf_counter()
    try:
        spec = importlib.util.spec_from_file_location(f"benchmarks_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        main = module.main
        takes_argv = bool(inspect.signature(main).parameters)
        result = main([]) if takes_argv else main()
        status = "ok"
    except SystemExit as exc:
        result = None
        status = "ok" if exc.code in (None, 0) else f"exit {exc.code}"
    except Exception as exc:  # one broken benchmark must not hide the others' numbers
        traceback.print_exc()
        result = None
        status = f"error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return status, time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    paths = discover(list(sys.argv[1:] if argv is None else argv))
    model = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    print(
        f"benchmarks on {platform.node()}: python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({model}), {time.strftime('%Y-%m-%d %H:%M:%S %Z')}"
    )
    rows = []
    for path in paths:
        print(f"\n=== {path.name} " + "=" * max(0, 60 - len(path.name)), flush=True)
        status, seconds, result = run_one(path)
        rows.append((path.name, status, seconds, result))
        sys.stdout.flush()
    print("\n=== summary " + "=" * 52)
    for name, status, seconds, result in rows:
        print(f"{name:<22} {status:<10} {seconds:8.1f} s")
        if isinstance(result, dict) and result:
            for key, value in result.items():
                print(f"    {key}: {value}")
    return 1 if any(status != "ok" for _, status, _, _ in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
