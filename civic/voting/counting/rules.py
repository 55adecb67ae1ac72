"""Counting rules: every choice a count depends on, as one explicit, logged setting, and presets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

OvervoteRule = Literal["exhaust", "skip", "set-aside-if-first"]
RepeatRule = Literal["skip", "exhaust"]
WriteInRule = Literal["skip", "exhaust"]
Quota = Literal["droop", "droop-exact", "hare", "hare-exact"]
QuotaBasis = Literal["valid-first-round", "continuing"]
TieBreak = Literal["backwards-then-lot", "forwards-then-lot", "lot"]
Surplus = Literal["gregory-last-parcel", "wig", "meek"]
BordaTruncation = Literal["zero-below", "average-below", "pessimistic"]


@dataclass(frozen=True, slots=True)
class Rules:
    """How ballots are read and counted. Every field is logged in each Result.

    overvote:   a rank with several candidates in a strict-order method (IRV, STV, plurality):
                "exhaust" the ballot there, "skip" the rank, or "set-aside-if-first" (a first-rank
                overvote makes the ballot invalid and uncounted; a later one exhausts it).
    max_skipped: consecutive skipped ranks tolerated before the ballot exhausts (None: any number).
    repeated:   a candidate already ranked higher: "skip" that rank, or "exhaust" the ballot.
    write_ins:  an unregistered write-in mark: "skip" the rank or "exhaust" the ballot.
    batch_elimination: eliminate at once every trailing candidate who cannot overtake the next one.
    quota / quota_basis: the STV quota formula and the vote total it is computed on.
    surplus:    STV surplus transfer: Gregory on the last parcel (Scotland), weighted inclusive
                Gregory, or Meek.
    decimals:   fixed-point places for transfer values and tallies (Scotland: 5, truncated);
                None means exact rational arithmetic.
    tie_break:  among tied candidates, look at earlier rounds (backwards or forwards) first, then draw
                lots from `seed`; "lot" draws at once. The seed is printed with every result.
    borda:      how truncated ballots score in Borda (see civic.voting.counting.borda).
    """

    overvote: OvervoteRule = "exhaust"
    max_skipped: int | None = None
    repeated: RepeatRule = "skip"
    write_ins: WriteInRule = "skip"
    batch_elimination: bool = False
    quota: Quota = "droop"
    quota_basis: QuotaBasis = "valid-first-round"
    surplus: Surplus = "wig"
    decimals: int | None = None
    tie_break: TieBreak = "backwards-then-lot"
    seed: int = 0
    borda: BordaTruncation = "zero-below"
    preset: str = "default"

    def with_seed(self, seed: int) -> Rules:
        return replace(self, seed=seed)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, Rules] = {
    "default": Rules(),
    # Minneapolis ordinance 167: an overvoted rank is skipped (the next rank counts), skipped ranks
    # are passed over however many, repeated rankings are skipped, batch elimination of
    # mathematically eliminated candidates, ties decided by lot. STV (Board of Estimate and
    # Taxation, Park Board at large): threshold on the first-round votes for candidates, fractional
    # (weighted inclusive Gregory) transfers, exact. Checked on real data: only these ballot rules
    # reproduce the certified 2021 Ward 2 final round (4,056 / 4,037 / 1,706 exhausted) and the
    # 2017 mayor and BET round tables (first-round exhausted 37 and 129; BET threshold 23,232).
    "minneapolis": Rules(
        overvote="skip",
        max_skipped=None,
        repeated="skip",
        write_ins="skip",
        batch_elimination=True,
        quota="droop",
        quota_basis="continuing",
        tie_break="lot",
        preset="minneapolis",
    ),
    # The Scottish Local Government Elections Order 2007 (SSI 2007/42): Droop quota on valid first
    # preferences; surpluses move on every paper the candidate holds (rule 48: each at surplus x
    # its value / the candidate's votes, i.e. weighted inclusive Gregory, not the last parcel),
    # transfer values truncated to 5 decimal places; ties broken by the earliest stage at which
    # the candidates differ, else by lot.
    "scotland": Rules(
        overvote="exhaust",
        max_skipped=0,
        repeated="exhaust",
        write_ins="exhaust",
        batch_elimination=False,
        quota="droop",
        quota_basis="valid-first-round",
        surplus="wig",
        decimals=5,
        tie_break="forwards-then-lot",
        preset="scotland",
    ),
}


def preset(name: str) -> Rules:
    """Return the named preset; raise KeyError naming the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown rules preset {name!r}; known: {', '.join(sorted(PRESETS))}") from None
