"""The MACE mapping pack: build, content, writing, exports, changes since the last pack, PDF."""

from contextmap.pack.build import PANEL_FLAGS, PackResult, build_pack
from contextmap.pack.changes import Changes, PackState, compare, read_state

__all__ = ["build_pack", "PackResult", "PANEL_FLAGS", "Changes", "PackState", "compare", "read_state"]
