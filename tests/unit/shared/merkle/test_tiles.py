"""C2SP tlog-tiles paths and tile shapes, checked against the spec's own examples."""

import pytest

from shared.merkle.errors import EntryTooLargeError, TilePathError
from shared.merkle.tiles import Tile, entry_bundle, index_path, parse_tile_path


@pytest.mark.parametrize(
    ("index", "path"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_an_index_is_written_in_3_digit_groups_all_but_the_last_prefixed_with_x(
    index: int, path: str
) -> None:
    assert index_path(index) == path


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (Tile(0, 1234067), "tile/0/x001/x234/067"),
        (Tile(0, 1234067, 8), "tile/0/x001/x234/067.p/8"),
        (Tile(2, 0, 1), "tile/2/000.p/1"),
        (Tile(None, 1234067, 8), "tile/entries/x001/x234/067.p/8"),
        (Tile(None, 5), "tile/entries/005"),
    ],
)
def test_paths_are_written_and_read_back_as_the_spec_spells_them(tile: Tile, path: str) -> None:
    assert tile.path() == path
    assert parse_tile_path(path) == tile
    assert parse_tile_path("/" + path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1234067",  # not in groups
        "tile/0/001/234/067",  # groups without x
        "tile/0/x000/001",  # a leading zero group
        "tile/0/01",  # a short group
        "tile/00/000",  # a level with a leading zero
        "tile/64/000",  # a level above 63
        "tile/0/000.p/256",  # a partial tile as wide as a full one
        "tile/0/000.p/0",
        "tile/0/000.p/08",
        "tile/0/000.p/",
        "tile/+1/000",
        "tile/data/000",
        "tiles/0/000",
        "tile/0",
        "tile/0/\u0660\u0660\u0660",  # Arabic-Indic digits
    ],
)
def test_every_other_spelling_is_refused(path: str) -> None:
    with pytest.raises(TilePathError):
        parse_tile_path(path)


def test_a_tree_of_70000_has_the_tiles_the_spec_lists() -> None:
    """The spec: 273 full level 0 tiles, a partial one of width 112, one full level 1 tile, a
    partial level 1 tile of width 17 and a partial level 2 tile of width 1."""
    size = 70_000
    assert Tile(0, 272).in_tree(size)
    assert not Tile(0, 273).in_tree(size)
    assert Tile(0, 273, 112).in_tree(size)
    assert not Tile(0, 273, 113).in_tree(size)
    assert Tile(1, 0).in_tree(size)
    assert not Tile(1, 1).in_tree(size)
    assert Tile(1, 1, 17).in_tree(size)
    assert not Tile(1, 1, 18).in_tree(size)
    assert Tile(2, 0, 1).in_tree(size)
    assert not Tile(2, 0, 2).in_tree(size)
    assert not Tile(3, 0, 1).in_tree(size)


def test_a_tile_is_the_nodes_of_merkle_level_8_times_its_level() -> None:
    assert Tile(0, 2, 3).node_ids() == [(0, 512), (0, 513), (0, 514)]
    assert Tile(1, 1, 2).node_ids() == [(8, 256), (8, 257)]
    assert Tile(None, 1, 2).leaf_range() == range(256, 258)


def test_entries_are_prefixed_with_their_length_as_a_big_endian_uint16() -> None:
    assert entry_bundle([b"ab", b"", b"c" * 300]) == (
        b"\x00\x02ab" + b"\x00\x00" + b"\x01\x2c" + b"c" * 300
    )
    with pytest.raises(EntryTooLargeError):
        entry_bundle([b"x" * 65536])
