"""Work done before authentication: a small file whose manifest unpacks to hundreds of MB (issue 12).

Run: uv run python bench/hostile_package_bench.py --workdir DIR [--manifest-mb 400]

DIR is an exchange bench work folder (``bench/exchange_bench.py --workdir DIR`` fills it): its
genuine package ``unit-to-county.bjpkg`` and the county database ``county-fresh.db``. The
bench rewrites the package with ``manifest.json`` replaced by --manifest-mb of JSON (deflated,
so the file stays small), then in a child process opens a copy of the county database and
asks for a dry-run import, as a clerk's 导入 would. It prints the file size, the refusal, the
seconds and the child's peak RSS (VmHWM) beside the same child's RSS before the import.
Before format 3 the manifest was parsed before the signature: 7.4 MB drove it to 1.29 GB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})

def rss(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0

from app.services.database import open_database
from app.sync.exchange import import_package
from app.services.errors import UserError
db = open_database({db!r})
base = rss("VmRSS")
start = time.perf_counter()
try:
    import_package(db, Path({package!r}), dry_run=True)
    refusal = "(accepted!)"
except UserError as error:
    refusal = str(error)
print(json.dumps({{"seconds": time.perf_counter() - start, "base_mb": base,
                  "peak_mb": rss("VmHWM"), "refusal": refusal}}, ensure_ascii=False))
"""


def _member(name: str, *, deflated: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED
    return info


def forge(
    genuine: Path, out: Path, manifest_mb: int, *, everything: bool, deflated: bool = True
) -> None:
    """The genuine package with a manifest of ``manifest_mb`` MB of JSON in its place (and
    only its envelope and signature beside it unless ``everything``)."""
    with zipfile.ZipFile(genuine) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename == "manifest.json":
                continue
            if not everything and info.filename not in ("envelope.json", "manifest.sig"):
                continue
            with source.open(info) as src, target.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        with target.open(
            _member("manifest.json", deflated=deflated), "w", force_zip64=True
        ) as dst:  # written last, so a reader taking the last of duplicate names would take it
            dst.write(b'{"members": [')
            chunk = b"0," * (1 << 19)  # 1 MiB
            for _ in range(manifest_mb):
                dst.write(chunk)
            dst.write(b"0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--manifest-mb", type=int, default=400)
    args = parser.parse_args()
    work = args.workdir
    genuine, fresh = work / "unit-to-county.bjpkg", work / "county-fresh.db"
    if not genuine.is_file() or not fresh.is_file():
        sys.exit(
            f"{work} is not an exchange bench folder: run bench/exchange_bench.py --workdir first"
        )
    hostile_dir = work / "hostile"
    hostile_dir.mkdir(exist_ok=True)
    county = hostile_dir / "county.db"
    shutil.copyfile(fresh, county)
    package = hostile_dir / "huge-manifest.bjpkg"
    forge(genuine, package, args.manifest_mb, everything=True)
    slim = hostile_dir / "huge-manifest-slim.bjpkg"
    forge(genuine, slim, args.manifest_mb, everything=False)
    stored = hostile_dir / "huge-manifest-stored.bjpkg"
    forge(genuine, stored, args.manifest_mb, everything=False, deflated=False)
    root = str(Path(__file__).resolve().parent.parent)
    print(f"manifest: {args.manifest_mb} MB of JSON; work folder {hostile_dir}")
    for label, path in (
        ("genuine records and photos, deflated huge manifest", package),
        ("envelope, signature and a deflated huge manifest", slim),
        ("envelope, signature and a stored huge manifest (no compression to betray it)", stored),
    ):
        started = time.perf_counter()
        shutil.copyfile(fresh, county)
        result = subprocess.run(
            [sys.executable, "-c", CHILD.format(root=root, db=str(county), package=str(path))],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"\n{label}: file {path.stat().st_size / 1e6:.1f} MB\n"
            f"  refused in {figures['seconds']:.2f} s; RSS {figures['base_mb']:.0f} MB before, "
            f"peak {figures['peak_mb']:.0f} MB (child total {time.perf_counter() - started:.1f} s)\n"
            f"  refusal: {figures['refusal']}"
        )


if __name__ == "__main__":
    main()
