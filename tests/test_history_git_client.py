"""The in-process git client's pack reader against git's own: the same objects, ids and contents."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from dulwich.object_format import SHA1
from dulwich.pack import OFS_DELTA, REF_DELTA, PackData

from hfaudit.collect.history_git import BadPack, GitFailure, unpack
from hfaudit.collect.hub import bucket_of


def git(*args: str, cwd: Path, stdin: bytes | None = None) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@b",
               GIT_COMMITTER_NAME="a", GIT_COMMITTER_EMAIL="a@b")  # fmt: skip
    return subprocess.run(["git", *args], cwd=cwd, env=env, input=stdin, capture_output=True, check=True).stdout


def pkt(data: bytes) -> bytes:
    return b"%04x%s" % (len(data) + 4, data)


def upload_pack_answer(pack: bytes, sideband: bool) -> bytes:
    if not sideband:
        return pkt(b"NAK\n") + pack
    chunks = [pkt(b"\x01" + pack[i : i + 1000]) for i in range(0, len(pack), 1000)]
    return pkt(b"NAK\n") + pkt(b"\x02progress\n") + b"".join(chunks) + b"0000"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose pack has deltas: a config edited in every commit, a tag, a big blob."""
    root = tmp_path_factory.mktemp("packrepo")
    git("init", "--quiet", "-b", "main", cwd=root)
    text = "".join(f'  "key_{i}": {i},\n' for i in range(400))
    for n in range(6):
        (root / "config.json").write_text("{\n" + text + f'  "step": {n}\n}}\n')
        (root / "README.md").write_text(f"# model\n\nrevision {n}\n" + "words " * 300)
        if n == 0:
            (root / "big.bin").write_bytes(bytes(range(256)) * 4000)
        git("add", "-A", cwd=root)
        git("commit", "--quiet", "-m", f"step {n}", cwd=root)
    git("tag", "-a", "v1", "-m", "release", cwd=root)
    return root


def expected_objects(repo: Path) -> dict[str, tuple[str, bytes]]:
    out = {}
    data = git("cat-file", "--batch-all-objects", "--batch", cwd=repo)
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        oid, kind, size = data[pos:end].decode().split()
        out[oid] = (kind, data[end + 1 : end + 1 + int(size)])
        pos = end + 2 + int(size)
    return out


@pytest.mark.parametrize("offsets", [True, False], ids=["ofs-delta", "ref-delta"])
@pytest.mark.parametrize("sideband", [True, False], ids=["side-band-64k", "raw"])
def test_unpack_gives_what_git_reads(repo: Path, offsets: bool, sideband: bool) -> None:
    wanted = expected_objects(repo)
    listing = "".join(f"{oid}\n" for oid in wanted).encode()
    pack = git("pack-objects", "--stdout", "--window=50", *(["--delta-base-offset"] if offsets else []), cwd=repo, stdin=listing)
    got = unpack(upload_pack_answer(pack, sideband), sideband)
    assert got == wanted
    assert {kind for kind, _ in got.values()} == {"commit", "tree", "blob", "tag"}
    # the pack really had deltas of the kind asked for
    kinds = {e.pack_type_num for e in PackData.from_file(io.BytesIO(pack), SHA1, len(pack)).iter_unpacked()}
    assert (OFS_DELTA if offsets else REF_DELTA) in kinds


def test_a_truncated_or_corrupt_pack_is_refused(repo: Path) -> None:
    listing = "".join(f"{oid}\n" for oid in expected_objects(repo)).encode()
    pack = git("pack-objects", "--stdout", "--delta-base-offset", cwd=repo, stdin=listing)
    with pytest.raises(BadPack):  # a transport-level failure: the caller fetches again
        unpack(upload_pack_answer(pack[: len(pack) // 2], False), False)
    flipped = bytearray(pack)
    flipped[len(pack) // 2] ^= 0xFF
    with pytest.raises(BadPack):
        unpack(upload_pack_answer(bytes(flipped), False), False)
    with pytest.raises(GitFailure) as err:
        unpack(pkt(b"NAK\n") + pkt(b"\x03fatal: bad object\n") + b"0000", True)
    assert "bad object" in err.value.message
    with pytest.raises(GitFailure):
        unpack(pkt(b"ERR upload-pack: not our ref\n"), True)


def test_git_requests_have_their_own_bucket() -> None:
    assert bucket_of("/acme/base/info/refs") == "git"
    assert bucket_of("/acme/base.git/git-upload-pack") == "git"
    assert bucket_of("/api/models/acme/base/tree/main") == "api"
    assert bucket_of("/acme/base/resolve/main/README.md") == "resolvers"
