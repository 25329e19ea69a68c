"""The photos a document prints (summaries as PDF and Word, the 台账卷), from their print copies
(``AttachmentStore.print_copy``: ≤ 960 px JPEGs kept in the store's ``print/`` folder, made when
a photo is added or arrives in a package, else here on first use).

One cache for every document: ``prefetch`` gets all the copies a document needs at once, on all
cores (copies of old photos are made there: Pillow and AES release the GIL); then only each
copy's size is held while the document is laid out, and its JPEG is read from the store again
when it is needed (a copy is ≈ 0.1 MB; a 台账卷 of 600 photos would hold 60 MB otherwise). A copy
the store could not keep (a read-only store) is held for the document.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from app.models.sealed import VaultError
from app.services.attachments import PrintCopy

if TYPE_CHECKING:
    from app.services.attachments import AttachmentStore

Size = tuple[int, int]


class PrintPhotos:
    """Print copies of photos for one document, by (store, photo hash)."""

    def __init__(self) -> None:
        self._sizes: dict[tuple[int, str], Size | None] = {}
        self._held: dict[tuple[int, str], bytes] = {}  # copies the store could not keep

    def close(self) -> None:
        """Let go of what is held for the document."""
        self._sizes.clear()
        self._held.clear()

    def _make(self, store: AttachmentStore, sha: str) -> Size | None:
        made = store.print_copy(sha)
        if made is None:
            return None
        if not store.has_print_copy(sha):
            self._held[(id(store), sha)] = made[0]
        return made[1], made[2]

    def prefetch(self, photos: Iterable[tuple[AttachmentStore, str]]) -> None:
        """Get the print copies of these (store, hash) photos not got yet, in parallel."""
        todo = list(dict.fromkeys((s, sha) for s, sha in photos if (id(s), sha) not in self._sizes))
        if not todo:
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 2)) as pool:
            sizes = pool.map(lambda photo: self._make(*photo), todo)
            for (store, sha), size in zip(todo, sizes, strict=True):
                self._sizes[(id(store), sha)] = size

    def size(self, store: AttachmentStore, sha: str) -> Size | None:
        """The print copy's width and height in pixels; None when the photo cannot be read."""
        key = (id(store), sha)
        if key not in self._sizes:
            self._sizes[key] = self._make(store, sha)
        return self._sizes[key]

    def jpeg(self, store: AttachmentStore, sha: str) -> bytes | None:
        """The print copy's JPEG, read again from the store (None when it cannot be)."""
        held = self._held.get((id(store), sha))
        if held is not None:
            return held
        try:
            return store.print_copy_bytes(sha)
        except (OSError, VaultError):
            return None

    def get(self, store: AttachmentStore, sha: str) -> PrintCopy | None:
        """(the print copy's JPEG, its width, height); None when the photo cannot be read."""
        size = self.size(store, sha)
        data = None if size is None else self.jpeg(store, sha)
        return None if size is None or data is None else (data, *size)
