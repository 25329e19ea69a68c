"""What sealing the photo store at rest costs: a camera photo, and a screen of thumbnails.

Run: uv run python bench/sealed_files.py [--repeat 15] [--thumbs 50]

Two stores in a temporary folder, one plain (a database without a vault) and one sealed with
a data key (``app.models.sealed``), get the same photos. Medians of ``--repeat`` runs:
  photo   a ≈ 5 MB camera JPEG (4000×3000): AES-GCM seal and open in memory; the store's
          ``add`` (copy in, hash, reduced copy and thumbnail made and written); and
          ``read_original`` from disk (the exchange export and summaries read it this way)
  thumbs  ``--thumbs`` photos (≈ 1 MB, 3000×2000) as the ledger page shows them: each
          thumbnail fetched from the store, decoded into a QPixmap and painted on a QImage
          (QPixmapCache left out: the first paint of a page). "first look" makes the
          thumbnails from originals an import left without previews; "again" reads the
          thumbnails the store keeps.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.models.sealed import DataKey
from app.services.attachments import AttachmentStore


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _camera_jpeg(size: tuple[int, int], target_bytes: int, seed: int) -> bytes:
    """A JPEG with a camera photo's entropy: a gradient under noise, about ``target_bytes``."""
    from PIL import Image

    width, height = size
    small = Image.frombytes("RGB", (width // 8, height // 8), os.urandom(width * height * 3 // 64))
    base = small.resize(size, Image.Resampling.BILINEAR)
    noise = Image.frombytes("RGB", size, os.urandom(width * height * 3))
    mixed = Image.blend(base, noise, 0.08 + (seed % 3) * 0.01)
    quality = 90
    while True:
        out = io.BytesIO()
        mixed.save(out, "JPEG", quality=quality)
        if out.tell() <= target_bytes * 1.15 or quality <= 50:
            return out.getvalue()
        quality -= 5


def _fresh_verdicts() -> None:
    """Forget the store's remembered verdicts (as a new process would)."""
    from app.services import attachments

    attachments._NO_PREVIEW.clear()
    attachments._SMALL.clear()


def photo_costs(work: Path, repeat: int) -> None:
    """Seal/open and the store's add and read of one ≈ 5 MB photo, plain against sealed."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.models import Base

    data = _camera_jpeg((4000, 3000), 5_000_000, 2)
    key = DataKey.generate()
    sealed = key.seal_bytes(data, "original x")
    print(f"photo: {len(data) / 1e6:.1f} MB JPEG, 4000×3000")
    print(
        f"  seal in memory            {_median_ms(lambda: key.seal_bytes(data, 'original x'), repeat):8.1f} ms"
    )
    print(
        f"  open in memory            {_median_ms(lambda: key.open_bytes(sealed, 'original x'), repeat):8.1f} ms"
    )
    source = work / "camera.jpg"
    source.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    engine = create_engine(f"sqlite:///{work / 'photo.db'}")
    Base.metadata.create_all(engine)
    rows: list[str] = []
    for label, provider in (("plain", lambda: None), ("sealed", lambda: key)):
        adds, reads = [], []
        for n in range(max(3, repeat // 3) + 1):  # the first warms up (imports, caches)
            store = AttachmentStore(work / f"{label}-{n}", key=provider)
            _fresh_verdicts()
            with Session(engine) as session:
                started = time.perf_counter()
                store.add(session, source, None)
                adds.append(time.perf_counter() - started)
                session.rollback()
            started = time.perf_counter()
            assert store.read_original(sha) == data
            reads.append(time.perf_counter() - started)
        adds, reads = adds[1:], reads[1:]
        rows.append(
            f"  {label:<7} add (with previews) {statistics.median(adds) * 1000:8.1f} ms   "
            f"read_original {statistics.median(reads) * 1000:6.1f} ms"
        )
    engine.dispose()
    print("\n".join(rows))


def thumbnail_costs(work: Path, count: int, repeat: int) -> None:
    """``count`` thumbnails fetched, decoded and painted, plain against sealed."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QGuiApplication, QImage, QPainter

    from app.ui.widgets.thumbnails import thumbnail_pixmap

    _app = QGuiApplication.instance() or QGuiApplication([])
    photos = [_camera_jpeg((3000, 2000), 1_000_000, n) for n in range(count)]
    shas = [hashlib.sha256(p).hexdigest() for p in photos]
    sources = []
    for n, photo in enumerate(photos):
        path = work / f"photo-{n}.jpg"
        path.write_bytes(photo)
        sources.append(path)
    print(f"thumbs: {count} photos, ≈ {sum(map(len, photos)) / count / 1e6:.1f} MB each, 3000×2000")
    key = DataKey.generate()
    canvas = QImage(1200, 40 * count, QImage.Format.Format_RGB32)

    def paint(store: AttachmentStore) -> None:
        painter = QPainter(canvas)
        try:
            for row, sha in enumerate(shas):
                pixmap = thumbnail_pixmap(store, sha)
                assert pixmap is not None
                painter.drawPixmap(QRect(0, row * 40, 54, 36), pixmap)
        finally:
            painter.end()

    for label, provider in (("plain", lambda: None), ("sealed", lambda: key)):
        firsts = []
        for n in range(max(2, repeat // 5)):
            store = AttachmentStore(work / f"thumbs-{label}-{n}", key=provider)
            for sha, path in zip(shas, sources, strict=True):
                store.add_verified(path, sha)  # as an import stores them: no previews yet
            _fresh_verdicts()
            started = time.perf_counter()
            paint(store)
            firsts.append(time.perf_counter() - started)
        again = _median_ms(lambda store=store: paint(store), repeat)  # type: ignore[misc]
        print(
            f"  {label:<7} first look {statistics.median(firsts) * 1000:8.1f} ms   "
            f"again {again:7.1f} ms   ({again / count:.2f} ms a thumbnail)"
        )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--thumbs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bangjiao-sealed-bench-") as folder:
        photo_costs(Path(folder), args.repeat)
        thumbnail_costs(Path(folder), args.thumbs, args.repeat)


if __name__ == "__main__":
    main()
