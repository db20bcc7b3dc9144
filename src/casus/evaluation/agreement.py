"""``casus agree``: which passes are compared, loaded from the repository, scored by
:func:`casus.metrics.agreement.agreement`."""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import StoreError
from ..store import Repo
from .scoring import default_labels


def repo_agreement(repo: Repo, wanted: Sequence[str] = (), labels: Sequence[str] | None = None, *, seed: int = 0,
                   n_boot: int = 1000) -> dict[str, Any]:
    """``casus agree``: agreement between the independent passes named in ``wanted`` (default: every pass) and,
    when ``gold`` is named, nothing is named or one pass is, of each with gold on the documents they share;
    grouped by style, writer and split, blind passes against the writer's original where recorded."""
    from ..metrics.agreement import agreement, agreement_groups, original_versions

    have = repo.annotators()
    missing = [n for n in wanted if n != "gold" and n not in have]
    if missing:
        raise StoreError(f"no pass folder annotations/passes/{missing[0]}/ (passes: {', '.join(have) or 'none'})")
    chosen = [n for n in wanted if n != "gold"] or have
    include_gold = not wanted or "gold" in wanted or len(chosen) == 1
    if not chosen:
        raise StoreError(f"no independent passes in {repo.passes_dir}; agreement needs at least one pass")
    sets = {n: {d: repo.annotation(d, n) for d in repo.pass_ids(n)} for n in chosen}
    if include_gold:
        shared = set().union(*(set(s) for s in sets.values()))
        sets["gold"] = {d: repo.annotation(d) for d in repo.gold_ids() if d in shared}
    flat = [a for s in sets.values() for a in s.values()]
    labs = list(labels or []) or default_labels(repo.schema, flat, repo.schema.trigger_label)
    return agreement(sets, labs, trigger_label=repo.schema.trigger_label, seed=seed, n_boot=n_boot,
                     groups=agreement_groups(repo), originals=original_versions(repo))
