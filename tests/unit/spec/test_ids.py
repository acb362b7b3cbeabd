"""Generated ids: well formed, unique across independent generators, never reusing a taken id."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.spec import ids

ID_RE = re.compile(r"^(m|s|ms|ac|ln|n)-[0-9a-hjkmnp-tv-z]{12}$")


@given(kind=st.sampled_from(sorted(ids.PREFIXES)), taken=st.sets(st.text(min_size=1, max_size=20)))
def test_new_ids_are_well_formed_and_not_taken(kind: str, taken: set[str]) -> None:
    new = ids.new_id(kind, taken)
    assert ID_RE.match(new)
    assert new.startswith(ids.PREFIXES[kind] + "-")
    assert new not in taken


@settings(max_examples=50)
@given(st.integers(min_value=1, max_value=500))
def test_ids_never_repeat_within_a_batch(n: int) -> None:
    taken: set[str] = set()
    for _ in range(n):
        taken.add(ids.new_id("microstep", taken))
    assert len(taken) == n


def test_an_exhausted_candidate_is_skipped() -> None:
    class Always:
        """A container that claims the first 3 candidates are taken."""

        def __init__(self) -> None:
            self.asked = 0

        def __contains__(self, item: object) -> bool:
            self.asked += 1
            return self.asked <= 3

    taken = Always()
    ids.new_id("step", taken)
    assert taken.asked == 4


def test_two_offline_processes_started_together_do_not_collide() -> None:
    # Two "people" generating ids at the same moment on separate interpreters share no state.
    code = "from buildrunner.spec.ids import new_id; print('\\n'.join(new_id('microstep') for _ in range(20000)))"
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [set(p.communicate()[0].split()) for p in procs]
    assert all(len(out) == 20000 for out in outputs)
    assert not outputs[0] & outputs[1]
