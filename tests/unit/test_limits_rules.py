"""Bounded error lists and the importer's line splitting, without servers."""
import io

import pytest

from chassis.errors import MAX_ERRORS, MAX_PER_LIST, bound_errors, invalid
from services.customer import importer

# --- error lists -----------------------------------------------------------------------

def leaves(node) -> int:
    if isinstance(node, dict):
        return sum(leaves(v) for v in node.values())
    if isinstance(node, list):
        return sum(leaves(v) for v in node)
    return 1


def test_a_few_errors_pass_unchanged():
    errors = {"name": ["Missing."], "tags": {0: ["Not a valid string."]}}
    assert bound_errors(errors) == (errors, False)
    assert "errors_truncated" not in invalid(errors).to_dict()


def test_thousands_of_fields_are_cut_to_the_bound_with_a_note():
    errors = {f"f{i}": ["Unknown field."] for i in range(50_000)}
    shown, cut = bound_errors(errors)
    assert cut and len(shown) == MAX_ERRORS and list(shown) == [f"f{i}" for i in range(MAX_ERRORS)]
    body = invalid(errors).to_dict()
    assert body["errors_truncated"] is True and len(body["errors"]) == MAX_ERRORS
    assert str(MAX_ERRORS) in body["detail"]


def test_list_items_and_messages_are_cut_per_list_and_in_all():
    errors = {"tags": {i: ["Not a valid string."] for i in range(3000)},
              "name": [f"message {i}" for i in range(100)],
              **{f"x{i}": {j: {"k": ["bad"]} for j in range(20)} for i in range(20)}}
    shown, cut = bound_errors(errors)
    assert cut
    assert len(shown["tags"]) == MAX_PER_LIST and len(shown["name"]) == MAX_PER_LIST
    assert leaves(shown) <= MAX_ERRORS


# --- import line splitting ---------------------------------------------------------------

class Chunks(io.RawIOBase):
    """A byte stream that hands out at most ``size`` bytes per read, like a socket."""

    def __init__(self, data: bytes, size: int):
        self.data, self.size, self.pos = data, size, 0

    def read(self, n=-1):
        n = self.size if n is None or n < 0 else min(n, self.size)
        out = self.data[self.pos:self.pos + n]
        self.pos += len(out)
        return out


def split(data: bytes, chunk: int) -> list[str]:
    return list(importer.lines(Chunks(data, chunk), chunk=chunk))


TEXT = "\ufeffkind,name\r\nindividual,张三\r\n\nindividual,\"李\n四\"\nlast line without newline"


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64, 65536])
def test_lines_are_the_same_whatever_the_chunk_boundaries(chunk):
    # 1-byte chunks split every multi-byte character and the BOM across reads.
    got = split(TEXT.encode(), chunk)
    assert got == ["kind,name\r\n", "individual,张三\r\n", "\n", "individual,\"李\n", "四\"\n",
                   "last line without newline"]
    assert "".join(got) == TEXT.lstrip("\ufeff")


def test_csv_rows_keep_crlf_and_quoted_newlines_across_chunks():
    data = "kind,name,tags\r\nindividual,\"王\r\n五\",a|b\r\nindividual,赵六,\r\n".encode()
    rows = list(importer.csv_rows(importer.lines(Chunks(data, 3), chunk=3)))
    assert [(n, rec) for n, rec, _ in rows] == [
        (1, {"kind": "individual", "name": "王\r\n五", "tags": ["a", "b"]}),
        (2, {"kind": "individual", "name": "赵六"})]
    assert rows == list(importer.csv_rows(csv_lines(data)))


def csv_lines(data: bytes):
    return io.StringIO(data.decode(), newline="")


def test_empty_and_newline_only_inputs():
    assert split(b"", 4) == []
    assert split(b"\n\n", 1) == ["\n", "\n"]
    assert split("\ufeff".encode(), 1) == []


@pytest.mark.timeout(60)
def test_a_long_line_in_small_chunks_is_split_in_linear_time():
    # 8 MiB without a newline, read 256 bytes at a time: scanning the whole pending
    # buffer again on every read (the old code) is ~128 GiB of work, hours; the linear
    # splitter needs well under a second. The timeout only proves it finishes at all.
    line = b"x" * (8 * 1024 * 1024)
    got = split(line + b"\nshort\n", 256)
    assert [len(s) for s in got] == [len(line) + 1, 6]
