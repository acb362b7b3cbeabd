"""The policy validator: every finding code with its path, line and column; hostile input refused cleanly."""

from __future__ import annotations

import itertools

import pytest

from buildrunner.governance import CODES, MAX_POLICY_BYTES, Policy, decode_policy, validate_policy_bytes
from buildrunner.workspace.workspace import DEFAULT_POLICY
from tests.unit.governance.examples import ALL_BRIEF_EXAMPLES, BRIEF_EXAMPLES

Row = tuple[str, str, int, int]


def rows(text: str | bytes) -> list[Row]:
    """(code, path, line, column) of every finding."""
    data = text.encode() if isinstance(text, str) else text
    return [(f.code, f.path, f.line, f.column) for f in validate_policy_bytes(data)]


def only(text: str | bytes) -> tuple[str, str, int, int, str, str]:
    """The single finding of ``text``: code, path, line, column, message and hint."""
    data = text.encode() if isinstance(text, str) else text
    findings = validate_policy_bytes(data)
    assert len(findings) == 1, findings
    f = findings[0]
    assert f.name == CODES[f.code]
    return f.code, f.path, f.line, f.column, f.message, f.hint


# -- valid policies -------------------------------------------------------------------------------

def test_the_default_policy_is_valid() -> None:
    policy, findings = decode_policy(DEFAULT_POLICY.encode())
    assert findings == []
    assert policy is not None and policy.gate_for("done") is not None


@pytest.mark.parametrize("name", sorted(BRIEF_EXAMPLES))
def test_each_policy_example_of_the_brief_is_valid(name: str) -> None:
    assert rows(BRIEF_EXAMPLES[name]) == []


def test_all_brief_examples_together_with_the_default_gates_are_valid() -> None:
    gates = DEFAULT_POLICY.split("analytics:")[0]  # the brief's examples have their own analytics, backoff ...
    policy, findings = decode_policy((gates + ALL_BRIEF_EXAMPLES).encode())
    assert findings == []
    assert policy is not None
    assert policy.accessibility.wcag_version == "2.1" and policy.integrations.preview_environments.retention_days == 7
    assert policy.phases_requiring_preview() == {"QA", "Beta"}
    assert policy.public_launch.rate_limits.signup_per_ip_per_hour == 5


@pytest.mark.parametrize("text", ["", "# only comments\n", "---\n", "analytics:\nsync_backoff:\n", "{}\n"])
def test_empty_files_and_sections_mean_the_defaults(text: str) -> None:
    policy, findings = decode_policy(text.encode())
    assert findings == [] and policy == Policy()


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert rows(b"\xef\xbb\xbfversion: 1\n") == []


# -- POL001 invalid YAML --------------------------------------------------------------------------

def test_syntax_error_has_its_line_and_column() -> None:
    code, path, line, column, message, _ = only("sync_backoff:\n  min_ms: [1, 2\n")
    assert (code, path, line) == ("POL001", "$", 3) and column >= 1
    assert "flow sequence" in message


def test_tab_indentation_is_explained() -> None:
    assert only("sync_backoff:\n\tmin_ms: 1\n")[:4] == ("POL001", "$", 2, 1)
    assert only("sync_backoff:\n\tmin_ms: 1\n")[5] == "indent with spaces, not tabs"


def test_bad_indentation_is_a_finding_not_a_traceback() -> None:
    assert only("version: 1\n  x: 2\n")[:4] == ("POL001", "$", 2, 4)


def test_two_documents_are_refused() -> None:
    code, _, line, _, _, hint = only("version: 1\n---\nversion: 1\n")
    assert (code, line) == ("POL001", 2) and "---" in hint


def test_undefined_alias_and_control_characters() -> None:
    assert only("version: *nope\n")[:4] == ("POL001", "$", 1, 10)
    assert only("version: 1\nx: \x07\n")[:4] == ("POL001", "$", 2, 4)


def test_not_utf8_names_the_byte() -> None:
    code, _, line, column, message, _ = only(b"version: 1\n# caf\xe9\n")
    assert (code, line, column) == ("POL001", 2, 6) and "byte 16" in message


def test_python_tags_and_merge_keys_are_refused() -> None:
    assert only("sync_backoff: !!python/object:os.system {}\n")[:4] == ("POL001", "sync_backoff", 1, 15)
    assert only("sync_backoff: !!python/name:os.system\n")[:4] == ("POL001", "sync_backoff", 1, 15)
    assert only("sync_backoff: &b {min_ms: 1}\ncircuit_breaker:\n  <<: *b\n")[:4] == (
        "POL001", "circuit_breaker", 3, 3)


# -- POL002 duplicate keys ------------------------------------------------------------------------

def test_duplicate_keys_are_found_at_every_level() -> None:
    text = "version: 1\nsync_backoff:\n  min_ms: 1\n  min_ms: 2\nversion: 1\n"
    assert rows(text) == [("POL002", "sync_backoff.min_ms", 4, 3), ("POL002", "version", 5, 1)]
    message = validate_policy_bytes(text.encode())[0].message
    assert "first on line 3" in message


def test_duplicate_status_gates() -> None:
    assert rows("status_gates:\n  done: {roles: [QA]}\n  done: {roles: [PM]}\n") == [
        ("POL002", "status_gates.done", 3, 3)]


# -- POL003 too large / hostile -------------------------------------------------------------------

def _laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in itertools.pairwise("abcdefghij"[:levels]):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_alias_expansion_bomb_is_refused_before_expanding() -> None:
    code, path, line, column, message, _ = only(_laughs())
    assert (code, path) == ("POL003", "$") and "expand" in message
    assert (line, column) == (6, 4)  # the first anchor whose expansion passes the limit


def test_bomb_behind_a_known_key_is_refused_too() -> None:
    assert only(_laughs() + "approvals:\n  policy_change: *i\n")[0] == "POL003"


def test_self_referencing_alias_is_refused() -> None:
    assert only("approvals: &x {policy_change: *x}\n")[:4] == ("POL003", "$", 1, 12)


def test_too_many_aliases() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    assert only(text)[0] == "POL003"


def test_deep_nesting_is_refused_without_a_recursion_error() -> None:
    code, _, line, column, message, _ = only("x: " + "[" * 5000)
    assert (code, line, column) == ("POL003", 1, 35) and "deeper" in message


def test_files_over_the_size_limit_are_refused_unread() -> None:
    code, path, _, _, message, _ = only(b"#" * (MAX_POLICY_BYTES + 1))
    assert (code, path) == ("POL003", "$") and "at most" in message


# -- POL004 wrong types ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "path", "column", "words"), [
    ("sync_backoff:\n  min_ms: fast\n", "sync_backoff.min_ms", 11, "a whole number, got the string 'fast'"),
    ("sync_backoff:\n  min_ms: 1.5\n", "sync_backoff.min_ms", 11, "a whole number, got the number 1.5"),
    ("sync_backoff:\n  jitter: 1\n", "sync_backoff.jitter", 11, "true or false, got the number 1"),
    ("sync_backoff:\n  factor: two\n", "sync_backoff.factor", 11, "a number, got the string 'two'"),
    ("sync_backoff:\n  factor: [2]\n", "sync_backoff.factor", 11, "a number, got a list"),
    ("sync_backoff:\n  jitter:\n", "sync_backoff.jitter", 10, "true or false, got nothing (null)"),
])
def test_wrong_scalar_types(text: str, path: str, column: int, words: str) -> None:
    code, fpath, line, col, message, _ = only(text)
    assert (code, fpath, line, col) == ("POL004", path, 2, column)
    assert message == f"{path} must be {words}"


def test_a_section_that_is_not_a_mapping() -> None:
    assert only("sync_backoff: [1, 2]\n")[:4] == ("POL004", "sync_backoff", 1, 15)
    assert only("- a\n- b\n")[:4] == ("POL004", "$", 1, 1)


def test_a_list_written_as_a_string_gets_a_hint() -> None:
    code, path, line, column, _, hint = only("status_gates:\n  done:\n    roles: QA, TechLead\n")
    assert (code, path, line, column) == ("POL004", "status_gates.done.roles", 3, 12)
    assert "[a, b]" in hint


def test_yaml_numbers_and_booleans_where_strings_belong_say_quote_it() -> None:
    code, path, line, column, message, hint = only("accessibility:\n  wcag_version: 2.1\n")
    assert (code, path, line, column) == ("POL004", "accessibility.wcag_version", 2, 17)
    assert "YAML reads 2.1 as the number 2.1" in message and hint == 'quote it: "2.1"'
    assert only("i18n:\n  supported_locales: [en, no]\n")[5] == 'quote it: "no"'


def test_a_key_that_is_not_a_name() -> None:
    assert only("[a, b]: 1\n")[:4] == ("POL004", "$", 1, 1)


def test_approvals_accept_a_list_or_a_mapping_only() -> None:
    code, path, _, _, message, _ = only("approvals:\n  policy_change: TechLead\n")
    assert (code, path) == ("POL004", "approvals.policy_change")
    assert "a list or a mapping" in message


# -- POL005 unknown keys --------------------------------------------------------------------------

def test_unknown_keys_suggest_the_closest_name() -> None:
    assert only("sync_backof:\n  min_ms: 1\n")[:6] == (
        "POL005", "sync_backof", 1, 1, "unknown key 'sync_backof' at the top level", "did you mean 'sync_backoff'?")
    assert only("sync_backoff:\n  max_msx: 1\n")[:6] == (
        "POL005", "sync_backoff.max_msx", 2, 3, "unknown key 'max_msx' in sync_backoff", "did you mean 'max_ms'?")
    assert only("analytics:\n  Enforcement: soft\n")[5] == "did you mean 'enforcement'?"


def test_unknown_keys_without_a_close_match_list_the_valid_ones() -> None:
    hint = only("evals:\n  zzz: 1\n")[5]
    assert hint == "use one of: min_quality_score, min_pass_rate, regression_threshold"


def test_odd_keys_are_quoted_in_the_path() -> None:
    assert only('"two words": 1\n')[1] == '["two words"]'


# -- POL006 invalid values ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "path", "message"), [
    ("sync_backoff:\n  factor: 0.5\n", "sync_backoff.factor", "must be between 1 and 10 (got 0.5)"),
    ("sync_backoff:\n  max_attempts: 0\n", "sync_backoff.max_attempts", "must be between 1 and 100 (got 0)"),
    ("circuit_breaker:\n  cooldown_ms: 600000000\n", "circuit_breaker.cooldown_ms",
     "must be between 0 and 86400000 (got 600000000)"),
    ("analytics:\n  max_daily_cost: -5\n", "analytics.max_daily_cost", "must be at least 0 (got -5)"),
    ("analytics:\n  quality_drop_threshold: 120\n", "analytics.quality_drop_threshold",
     "must be between 0 and 100 (got 120)"),
    ("analytics:\n  max_daily_cost: .inf\n", "analytics.max_daily_cost", "must be a finite number (got inf)"),
    ("analytics:\n  enforcement: strict\n", "analytics.enforcement", "must be hard or soft (got 'strict')"),
    ("accessibility:\n  audit_requirements: {color_contrast_min: 30}\n",
     "accessibility.audit_requirements.color_contrast_min", "must be between 1 and 21 (got 30)"),
    ("i18n:\n  supported_locales: [english]\n", "i18n.supported_locales[0]", "has an invalid format ('english')"),
    ("previews:\n  required_for_phases: ['']\n", "previews.required_for_phases[0]", "must not be empty"),
    ("integrations:\n  integrations_allowed: [jria]\n", "integrations.integrations_allowed[0]",
     "must be asana, discord, figma, github, jira, linear, netlify, render, slack or vercel (got 'jria')"),
])
def test_invalid_values(text: str, path: str, message: str) -> None:
    code, fpath, line, _, fmessage, _ = only(text)
    assert (code, fpath, line) == ("POL006", path, 2)
    assert fmessage == f"{path} {message}"


def test_fractions_written_as_percentages_get_a_hint() -> None:
    code, path, line, column, _, hint = only("evals:\n  min_pass_rate: 90\n")
    assert (code, path, line, column) == ("POL006", "evals.min_pass_rate", 2, 18)
    assert hint == "this is a fraction: write 0.9 for 90%"


def test_approval_rules_need_approvers() -> None:
    assert only("approvals:\n  role_change: {min_approvals: 2}\n")[:4] == (
        "POL006", "approvals.role_change", 2, 16)
    assert only("approvals:\n  role_change: {approvers: []}\n")[:4] == (
        "POL006", "approvals.role_change.approvers", 2, 28)


# -- POL007 to POL009 unknown roles, statuses, transitions --------------------------------------------

def test_unknown_role_with_suggestion() -> None:
    assert only("status_gates:\n  done:\n    roles: [QA, techlead]\n")[:6] == (
        "POL007", "status_gates.done.roles[1]", 3, 17, "unknown role 'techlead'", "did you mean 'TechLead'?")
    assert only("approvals:\n  policy_change: [Admin]\n")[:4] == ("POL007", "approvals.policy_change[0]", 2, 19)


def test_unknown_status_with_suggestion_and_its_value_still_checked() -> None:
    assert rows("status_gates:\n  dne:\n    roles: [Tester]\n") == [
        ("POL008", "status_gates.dne", 2, 3), ("POL007", "status_gates.dne.roles[0]", 3, 13)]
    assert validate_policy_bytes(b"status_gates:\n  dne: {}\n")[0].hint == "did you mean 'done'?"


def test_unknown_transition_with_suggestion() -> None:
    assert only("approvals:\n  milestone_complete: [TechLead]\n")[:6] == (
        "POL009", "approvals.milestone_complete", 2, 3, "unknown transition 'milestone_complete' in approvals",
        "did you mean 'milestone_completion'?")


# -- POL010 conflicting values ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "path", "line", "words"), [
    ("sync_backoff:\n  min_ms: 40000\n  max_ms: 30000\n", "sync_backoff.max_ms", 3, "above max_ms"),
    ("sync_backoff:\n  min_ms: 40000\n", "sync_backoff.min_ms", 2, "above max_ms (30000)"),
    ("circuit_breaker:\n  half_open_max_calls: 1\n", "circuit_breaker.half_open_max_calls", 2, "never close"),
    ("analytics:\n  enforcement: hard\n", "analytics.enforcement", 2, "no max_daily_cost"),
    ("integrations:\n  integrations_allowed: [jira]\n  preview_environments:\n    providers_allowed: [vercel]\n",
     "integrations.preview_environments.providers_allowed[0]", 4, "'vercel' is not in"),
    ("integrations:\n  integrations_allowed: []\npreviews:\n  providers_allowed: [netlify]\n",
     "previews.providers_allowed[0]", 4, "'netlify'"),
    ("accessibility:\n  wcag_level: AAA\n  audit_requirements:\n    color_contrast_min: 4.5\n",
     "accessibility.audit_requirements.color_contrast_min", 4, "WCAG AAA needs a contrast ratio of at least 7"),
    ("public_launch:\n  marketplace:\n    auto_publish: true\n", "public_launch.marketplace.auto_publish", 3,
     "also wait for moderation"),
    ("i18n:\n  required: true\n", "i18n.required", 2, "supported_locales is empty"),
])
def test_conflicting_values(text: str, path: str, line: int, words: str) -> None:
    code, fpath, fline, column, message, hint = only(text)
    assert (code, fpath, fline) == ("POL010", path, line) and column > 0
    assert words in message and hint


# -- POL011, POL012 -------------------------------------------------------------------------------

def test_newer_version_is_unsupported() -> None:
    assert only("version: 2\n")[:4] == ("POL011", "version", 1, 1)
    assert only("version: 0\n")[:4] == ("POL006", "version", 1, 10)


def test_viewer_can_neither_pass_a_gate_nor_approve() -> None:
    assert rows("status_gates:\n  done: {roles: [QA, Viewer]}\napprovals:\n  policy_change: [Viewer]\n"
                "  role_change: {approvers: [PM, Viewer]}\n") == [
        ("POL012", "status_gates.done.roles[1]", 2, 22),
        ("POL012", "approvals.policy_change[0]", 4, 19),
        ("POL012", "approvals.role_change.approvers[1]", 5, 33),
    ]


def test_every_code_is_tested_here() -> None:
    # A new code needs a test above: keep this list in step with CODES.
    assert sorted(CODES) == [f"POL{n:03}" for n in range(1, 13)]


def test_findings_are_sorted_by_position_and_all_reported() -> None:
    text = "evals:\n  min_pass_rate: 2\nsync_backoff:\n  jitter: maybe\n  bogus: 1\nzzz: 1\n"
    assert [r[2] for r in rows(text)] == [2, 4, 5, 6]
