"""How fast the testing kit gives a test a fresh demo app: `python -m bench.kit`."""

import statistics
import sys
import tempfile
import time

import upstream_testing


def main(runs=30):
    """Time the first app (demo built) and the per-test app (template copied)."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        template = upstream_testing.build_demo_database(f"{folder}/template.db")
        upstream_testing.make_app(f"{folder}", template=template)
        first = (time.perf_counter() - started) * 1000
        samples = []
        for _ in range(runs):
            target = tempfile.mkdtemp(dir=folder)
            started = time.perf_counter()
            upstream_testing.make_app(target, template=template)
            samples.append((time.perf_counter() - started) * 1000)
        cold = []
        for _ in range(5):
            target = tempfile.mkdtemp(dir=folder)
            started = time.perf_counter()
            upstream_testing.make_app(target)
            cold.append((time.perf_counter() - started) * 1000)
    print(f"first app of a session (demo data built): {first:.0f} ms")
    print(f"each further test's fresh app (p50 of {runs}): {statistics.median(samples):.1f} ms")
    print(
        f"an app with its own demo build, no template (p50 of 5): {statistics.median(cold):.0f} ms"
    )
    worst = max(first, max(samples), max(cold))
    print(f"target < 500 ms: {'met' if worst < 500 else 'MISSED'} (worst {worst:.0f} ms)")
    return 0 if worst < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
