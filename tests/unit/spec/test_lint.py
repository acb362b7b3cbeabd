"""Every lint finding: its code, JSON path, line and column, and a message that says how to fix it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from buildrunner.spec.lint import lint_bytes


def plan(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "version": 1,
        "project": {"name": "Demo"},
        "milestones": [{
            "id": "p1", "title": "Foundation",
            "steps": [{
                "id": "p1.s1", "title": "CLI",
                "microsteps": [
                    {"id": "p1.s1.ms1", "title": "Lint", "status": "todo",
                     "acceptance_criteria": [{"id": "ac1", "text": "exit codes", "met": False}]},
                    {"id": "p1.s1.ms2", "title": "Status", "status": "done", "depends_on": ["p1.s1.ms1"]},
                ],
            }],
        }],
    }
    base.update(overrides)
    return base


def lint(doc: dict[str, Any]) -> list[Any]:
    return lint_bytes(json.dumps(doc, indent=2).encode())


def micro(doc: dict[str, Any], index: int = 0) -> dict[str, Any]:
    node: dict[str, Any] = doc["milestones"][0]["steps"][0]["microsteps"][index]
    return node


def test_valid_plan_has_no_findings() -> None:
    assert lint(plan()) == []


def test_invalid_json_reports_line_and_column() -> None:
    findings = lint_bytes(b'{\n  "version": 1,\n  "project": {"name": "x",}\n}')
    assert [(f.code, f.line, f.column) for f in findings] == [("BR001", 3, 27)]
    assert "invalid JSON" in findings[0].message


def test_not_utf8_is_invalid_json() -> None:
    findings = lint_bytes(b'{"version": 1, "project": {"name": "\xff"}}')
    assert findings[0].code == "BR001"
    assert "UTF-8" in findings[0].message


def test_wrong_types_are_all_reported_with_paths_and_positions() -> None:
    doc = plan()
    micro(doc)["status"] = "finished"
    micro(doc, 1)["tags"] = "cli"
    doc["milestones"][0]["title"] = 42
    findings = lint(doc)
    by_path = {f.path: f for f in findings}
    status = by_path["$.milestones[0].steps[0].microsteps[0].status"]
    assert status.code == "BR009"
    assert "todo, in_progress, blocked, review, done" in status.message
    assert by_path["$.milestones[0].steps[0].microsteps[1].tags"].code == "BR002"
    assert "must be an array" in by_path["$.milestones[0].steps[0].microsteps[1].tags"].message
    title = by_path["$.milestones[0].title"]
    assert (title.code, "must be a string" in title.message) == ("BR002", True)
    text = json.dumps(doc, indent=2).splitlines()
    assert '"title": 42' in text[title.line - 1]
    assert text[title.line - 1][title.column - 1] == "4"
    assert '"finished"' in text[status.line - 1]


def test_missing_required_field_points_at_the_object() -> None:
    doc = plan()
    del micro(doc)["title"]
    [finding] = lint(doc)
    assert finding.code == "BR003"
    assert finding.path == "$.milestones[0].steps[0].microsteps[0]"
    assert "'title'" in finding.message and "add it" in finding.message


def test_non_object_node() -> None:
    doc = plan()
    doc["milestones"][0]["steps"].append("oops")
    [finding] = lint(doc)
    assert (finding.code, finding.path) == ("BR002", "$.milestones[0].steps[1]")


def test_duplicate_ids() -> None:
    doc = plan()
    micro(doc, 1)["id"] = "p1.s1.ms1"
    micro(doc, 1)["depends_on"] = []
    [finding] = lint(doc)
    assert finding.code == "BR004"
    assert finding.path == "$.milestones[0].steps[0].microsteps[1].id"
    assert "first used at $.milestones[0].steps[0].microsteps[0]" in finding.message


def test_duplicate_criterion_ids_within_a_microstep() -> None:
    doc = plan()
    micro(doc)["acceptance_criteria"].append({"id": "ac1", "text": "again"})
    assert [f.code for f in lint(doc)] == ["BR004"]


def test_dangling_dependency() -> None:
    doc = plan()
    micro(doc, 1)["depends_on"] = ["p1.s1.ms1", "nope"]
    [finding] = lint(doc)
    assert finding.code == "BR005"
    assert finding.path == "$.milestones[0].steps[0].microsteps[1].depends_on[1]"
    assert "'nope'" in finding.message


def test_dependency_cycle_names_the_cycle() -> None:
    doc = plan()
    micro(doc, 1)["status"] = "todo"
    micro(doc)["depends_on"] = ["p1.s1.ms2"]
    findings = lint(doc)
    assert [f.code for f in findings] == ["BR006"]
    assert "p1.s1.ms1 → p1.s1.ms2 → p1.s1.ms1" in findings[0].message or \
        "p1.s1.ms2 → p1.s1.ms1 → p1.s1.ms2" in findings[0].message


def test_depending_on_own_step_is_a_cycle() -> None:
    doc = plan()
    micro(doc)["depends_on"] = ["p1.s1"]
    findings = lint(doc)
    assert {f.code for f in findings} == {"BR006"}
    assert any("p1.s1.ms1 → p1.s1 → p1.s1.ms1" in f.message for f in findings)


def test_done_with_unmet_criteria() -> None:
    doc = plan()
    micro(doc)["status"] = "done"
    findings = lint(doc)
    assert [(f.code, f.path) for f in findings] == [("BR007", "$.milestones[0].steps[0].microsteps[0].status")]
    assert "ac1" in findings[0].message


def test_empty_titles() -> None:
    doc = plan()
    doc["milestones"][0]["steps"][0]["title"] = "   "
    [finding] = lint(doc)
    assert (finding.code, finding.path) == ("BR008", "$.milestones[0].steps[0].title")


def test_a_step_dependency_is_waited_for_by_its_microsteps() -> None:
    doc = plan()
    step = doc["milestones"][0]["steps"][0]
    doc["milestones"][0]["steps"].append({"id": "p1.s2", "title": "Later", "depends_on": ["p1.s1"],
                                          "microsteps": [{"id": "p1.s2.ms1", "title": "x"}]})
    assert lint(doc) == []
    step["microsteps"][0]["depends_on"] = ["p1.s2.ms1"]  # waits for work that waits for its own step
    findings = lint(doc)
    assert findings and {f.code for f in findings} == {"BR006"}
    assert "p1.s1.ms1 → p1.s2.ms1 → p1.s1 → p1.s1.ms1" in findings[0].message


def test_unsupported_version() -> None:
    [finding] = lint(plan(version=99))
    assert finding.code == "BR010"


@pytest.mark.parametrize("payload", [b"", b"[]", b"null", b'"x"', b"{}"])
def test_degenerate_documents_have_findings_not_crashes(payload: bytes) -> None:
    findings = lint_bytes(payload)
    assert findings and all(f.line >= 1 and f.column >= 1 for f in findings)


def test_unknown_fields_are_not_findings() -> None:
    doc = plan()
    doc["x_custom"] = {"anything": [1, 2]}
    micro(doc)["jira_key"] = "WEB-1"
    assert lint(doc) == []


def test_findings_are_sorted_by_position() -> None:
    doc = plan()
    micro(doc, 1)["title"] = ""
    doc["milestones"][0]["title"] = ""
    findings = lint(doc)
    assert [f.line for f in findings] == sorted(f.line for f in findings)
