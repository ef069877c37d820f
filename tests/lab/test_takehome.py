"""Creating a take-home: the kit the candidate gets, the ground truth the app keeps, the label noise on record, and
every upload kept as a version with the last one before the deadline counting."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

import pytest

from lab.takehome import TakehomeDataError, create_takehome, kit_path, upload_submission
from lab.takehome_data import DOMAINS, NOISE_SHARE, write_takehome_data
from lab.takehome_store import counted_submission, folder, get_takehome, list_submissions, list_takehomes

SMALL = {"train": 40, "val": 8, "test": 10}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    root = tmp_path_factory.mktemp("takehomes")
    takehome = create_takehome(candidate_name="Ada  Lovelace", candidate_id=7, domain="conveyor-parts", seed=3,
                               root=root, sizes=SMALL)
    return root, takehome


def test_the_kit_holds_train_and_val_with_labels_the_brief_and_the_contract_but_no_test_labels(made):
    root, takehome = made
    with zipfile.ZipFile(kit_path(takehome.id, root)) as kit:
        names = kit.namelist()
        brief = kit.read(f"takehome-{takehome.id}/BRIEF.md").decode()
        contract = kit.read(f"takehome-{takehome.id}/CONTRACT.md").decode()
    assert sum(n.startswith(f"takehome-{takehome.id}/train/images/") for n in names) == SMALL["train"]
    assert sum(n.startswith(f"takehome-{takehome.id}/val/images/") for n in names) == SMALL["val"]
    assert f"takehome-{takehome.id}/train/annotations.json" in names
    assert not any("/test/" in n for n in names)  # the held-out split never leaves the app
    assert "Ada Lovelace" in brief and "Parts on a conveyor" in brief and "5 hours" in brief
    assert "$" not in brief.replace("$ ", "") and "bolt, nut, washer" in contract
    assert "python infer.py IMAGE_PATH" in contract
    private = folder(takehome.id, root) / "private"
    truth = json.loads((private / "test" / "annotations.json").read_text())
    assert len(truth["images"]) == SMALL["test"] and [c["name"] for c in truth["categories"]] == ["bolt", "nut",
                                                                                                   "washer"]


def test_the_record_documents_imbalance_and_label_noise(made):
    root, takehome = made
    record = get_takehome(takehome.id, root)
    assert record.candidate_name == "Ada Lovelace" and record.candidate_id == 7 and record.hours == 5
    assert list_takehomes(root, candidate_id=7) == [record]
    counts = record.summary["class_counts"]["train"]
    assert counts["bolt"] > counts["nut"] > counts["washer"]  # imbalanced by design
    noise = record.summary["noise"]
    recorded = json.loads((folder(takehome.id, root) / "private" / "noise.json").read_text())
    assert noise["boxes"] == len(recorded) > 0 and noise["share"] == NOISE_SHARE
    assert sorted(noise["by_kind"]) == ["missing box", "shifted box", "wrong class"]


def test_noise_is_really_in_the_train_labels_and_only_there(tmp_path):
    summary = write_takehome_data(tmp_path / "kit", tmp_path / "private", domain="surface-defects", seed=12,
                                  sizes={"train": 60, "val": 10, "test": 5})
    noisy = json.loads((tmp_path / "kit" / "train" / "annotations.json").read_text())
    clean = json.loads((tmp_path / "private" / "train_clean_annotations.json").read_text())
    as_set = lambda coco: {(a["image_id"], a["category_id"], tuple(a["bbox"])) for a in coco["annotations"]}  # noqa: E731
    assert len(as_set(clean) - as_set(noisy)) == summary["noise"]["boxes"]
    assert summary["noise"]["boxes"] / summary["noise"]["of_boxes"] == pytest.approx(NOISE_SHARE, abs=0.06)


def test_the_same_seed_gives_the_same_data_and_domains_differ(tmp_path):
    a = write_takehome_data(tmp_path / "a", tmp_path / "pa", domain="surface-defects", seed=4,
                            sizes={"train": 5, "val": 2, "test": 2})
    b = write_takehome_data(tmp_path / "b", tmp_path / "pb", domain="surface-defects", seed=4,
                            sizes={"train": 5, "val": 2, "test": 2})
    assert a == b
    for name in ("train/images/00003.png", "train/annotations.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    write_takehome_data(tmp_path / "c", tmp_path / "pc", domain="conveyor-parts", seed=4,
                        sizes={"train": 5, "val": 2, "test": 2})
    assert (tmp_path / "c" / "train/images/00003.png").read_bytes() != (tmp_path / "a" / "train/images/00003.png"
                                                                       ).read_bytes()
    assert len(DOMAINS) >= 2


@pytest.mark.parametrize("kwargs, message", [({"domain": "moon-rocks"}, "unknown domain"),
                                             ({"hours": 9}, "4 to 6 hours"), ({"candidate_name": "  "}, "empty")])
def test_bad_requests_get_a_clear_message(tmp_path, kwargs, message):
    with pytest.raises(TakehomeDataError, match=message):
        create_takehome(**{"candidate_name": "Bo", "root": tmp_path, "sizes": SMALL, **kwargs})
    assert list_takehomes(tmp_path) == []


def test_every_upload_is_kept_and_the_last_before_the_deadline_counts(made, monkeypatch):
    root, takehome = made
    first = upload_submission(takehome.id, b"PK\x03\x04first", "v1.zip", uploaded_by="ada", root=root)
    second = upload_submission(takehome.id, b"PK\x03\x04second", "v2.zip", uploaded_by="ada", root=root)
    import lab.takehome_store as store

    late_moment = takehome.deadline_at + timedelta(minutes=1)
    monkeypatch.setattr(store, "now_utc", lambda: late_moment)
    late = upload_submission(takehome.id, b"PK\x03\x04late", "v3.zip", uploaded_by="ada", root=root)
    versions = list_submissions(takehome.id, root)
    assert [s.version for s in versions] == [1, 2, 3] and (first.late, second.late, late.late) == (False, False, True)
    assert counted_submission(takehome.id, root).version == 2
    assert (folder(takehome.id, root) / "submissions" / "v1.zip").read_bytes() == b"PK\x03\x04first"


@pytest.mark.parametrize("data, name, message", [(b"", "a.zip", "empty"), (b"hello", "a.zip", "one .zip"),
                                                 (b"PK\x03\x04", "model.onnx", "one .zip")])
def test_bad_uploads_are_refused_and_nothing_is_stored(made, data, name, message):
    root, takehome = made
    before = len(list_submissions(takehome.id, root))
    with pytest.raises(TakehomeDataError, match=message):
        upload_submission(takehome.id, data, name, root=root)
    assert len(list_submissions(takehome.id, root)) == before


def test_conveyor_parts_are_deterministic_and_their_boxes_hold_the_parts():
    import numpy as np

    from demo_models import conveyor
    from demo_models.generate import image_rng

    first, boxes = conveyor.render_sample(image_rng(5, 0, 3))
    again, same = conveyor.render_sample(image_rng(5, 0, 3))
    assert np.array_equal(first, again) and boxes == same
    inside, outside, counts = [], [], [0, 0, 0]
    for i in range(40):
        image, parts = conveyor.render_sample(image_rng(9, 0, i))
        gray = image.mean(axis=2)
        mask = np.zeros(gray.shape, bool)
        for p in parts:
            assert 0 <= p.x1 < p.x2 <= 160 and 0 <= p.y1 < p.y2 <= 160
            mask[p.y1:p.y2, p.x1:p.x2] = True
            counts[p.label] += 1
        inside.append(gray[mask].max() if mask.any() else 0)
        outside.append(np.percentile(gray[~mask], 99))
    assert np.median(inside) > np.median(outside) + 40  # bright metal parts on a dark belt, inside their boxes
    assert counts[0] > counts[1] > counts[2] > 0  # bolts, nuts, washers: imbalanced
