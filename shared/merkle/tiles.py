"""C2SP tlog-tiles: the tile and entry-bundle paths, which stored nodes a tile holds, and when a
tree of some size has a tile; pure, no I/O.

A tile at level L holds up to 256 consecutive Merkle Tree Hashes, each the root of a perfect
subtree of 256**L leaves, i.e. the nodes of Merkle level 8 * L: a tile is one read of the
NodeStore, and level 0 tiles are the leaf hashes.
"""

from dataclasses import dataclass

from shared.merkle.errors import EntryTooLargeError, TilePathError
from shared.merkle.store import NodeId

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_BYTES = 0xFFFF
ENTRIES = "entries"
"""The level element of an entry bundle's path, in place of a number."""


@dataclass(frozen=True)
class Tile:
    """A hash tile (`level` 0 to 63) or, with `level` None, an entry bundle; `width` 1 to 256,
    256 for a full tile (no `.p/` suffix in its path)."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if self.level is not None and not 0 <= self.level <= MAX_LEVEL:
            raise TilePathError(f"a tile level is 0 to {MAX_LEVEL}, not {self.level}")
        if self.index < 0:
            raise TilePathError("a tile index is not negative")
        if not 1 <= self.width <= TILE_WIDTH:
            raise TilePathError(f"a tile is 1 to {TILE_WIDTH} hashes wide, not {self.width}")

    @property
    def is_full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def merkle_level(self) -> int:
        """The Merkle level of the tile's hashes: each spans 256**level leaves."""
        return TILE_HEIGHT * (self.level or 0)

    def path(self) -> str:
        """`tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, without a leading slash."""
        level = ENTRIES if self.level is None else str(self.level)
        partial = "" if self.is_full else f".p/{self.width}"
        return f"tile/{level}/{index_path(self.index)}{partial}"

    def node_ids(self) -> list[NodeId]:
        """The stored nodes whose hashes, concatenated, are the tile (of an entry bundle: the
        leaf hashes its entries must hash to)."""
        first = self.index * TILE_WIDTH
        return [(self.merkle_level, first + offset) for offset in range(self.width)]

    def leaf_range(self) -> range:
        """The positions of the entries of an entry bundle (or of a level 0 tile's leaves)."""
        first = self.index * TILE_WIDTH
        return range(first, first + self.width)

    def in_tree(self, tree_size: int) -> bool:
        """Whether a tree of `tree_size` leaves has this tile: all its hashes are of perfect
        subtrees of that tree. A partial tile of a smaller, earlier tree stays derivable."""
        hashes_at_level = tree_size >> self.merkle_level
        return self.index * TILE_WIDTH + self.width <= hashes_at_level


def index_path(index: int) -> str:
    """The tile index in zero-padded 3-digit path elements, all but the last prefixed with x:
    1234067 is `x001/x234/067`, 0 is `000`."""
    if index < 0:
        raise TilePathError("a tile index is not negative")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def parse_tile_path(path: str) -> Tile:
    """Reads `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` (a leading slash allowed),
    strictly: one spelling per tile, so a cache never holds two copies of one."""
    elements = path.removeprefix("/").split("/")
    if len(elements) < 3 or elements[0] != "tile":
        raise TilePathError("a tile path is tile/<L>/<N>[.p/<W>]")
    level_text, rest = elements[1], elements[2:]
    width = TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        width = _decimal(rest[-1], "width")
        if width >= TILE_WIDTH:
            raise TilePathError(f"a partial tile is 1 to {TILE_WIDTH - 1} hashes wide")
        rest = [*rest[:-2], rest[-2].removesuffix(".p")]
    level = None if level_text == ENTRIES else _decimal(level_text, "level")
    return Tile(level, _index(rest), width)


def entry_bundle(entries: list[bytes]) -> bytes:
    """The entries, each after its length as a big-endian uint16 (C2SP tlog-tiles)."""
    parts = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_BYTES:
            raise EntryTooLargeError(
                f"an entry of {len(entry)} bytes does not fit an entry bundle's length prefix"
            )
        parts.append(len(entry).to_bytes(2, "big") + entry)
    return b"".join(parts)


def _index(elements: list[str]) -> int:
    *prefixed, last = elements
    if not all(element.startswith("x") for element in prefixed):
        raise TilePathError("every element of a tile index but the last begins with x")
    groups = [element.removeprefix("x") for element in prefixed] + [last]
    if not all(len(group) == 3 and group.isascii() and group.isdigit() for group in groups):
        raise TilePathError("a tile index is in zero-padded 3-digit elements")
    if len(groups) > 1 and groups[0] == "000":
        raise TilePathError("a tile index has no leading x000 element")
    index = 0
    for group in groups:
        index = index * 1000 + int(group)
    return index


def _decimal(text: str, what: str) -> int:
    # ASCII digits, no leading zero: int() would also take " 1", "+1", "01", Arabic digits.
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0"):
        raise TilePathError(f"a tile {what} is a decimal number without leading zeros")
    return int(text)
